/* SPDX-License-Identifier: GPL-2.0-or-later */
/* org.miracastd.Manager1 at /org/miracastd. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../daemon/context.h"
#include "../daemon/listener.h"
#include "../daemon/log.h"
#include "../daemon/manager.h"
#include "../daemon/stream_worker.h"
#include "../protocol/latency_mode.h"
#include "../protocol/macro.h"
#include "bus_errors.h"
#include "bus.h"
#include "polkit.h"

#ifndef MIRACASTD_VERSION
#define MIRACASTD_VERSION "0.1"
#endif

/* One StartDiscovery caller; its reference is dropped when it leaves the bus. */
struct bus_discovery_client {
        struct bus_discovery_client *next;
        struct bus *bus;             /* not owned */
        sd_bus_track *track;         /* owned: watches the caller's unique name */
        char *name;                  /* owned */
};

static struct bus_discovery_client *bus_discovery_client_free(struct bus_discovery_client *c)
{
        struct bus_discovery_client **p;

        if (!c)
                return NULL;
        for (p = &c->bus->discovery_clients; *p; p = &(*p)->next)
                if (*p == c) {
                        *p = c->next;
                        break;
                }
        sd_bus_track_unref(c->track);
        free(c->name);
        free(c);
        return NULL;
}

void manager_bus_free_clients(struct bus *b)
{
        while (b->discovery_clients)
                bus_discovery_client_free(b->discovery_clients);
}

static struct bus_discovery_client *bus_discovery_client_find(struct bus *b, const char *name)
{
        for (struct bus_discovery_client *c = b->discovery_clients; c; c = c->next)
                if (strcmp(c->name, name) == 0)
                        return c;
        return NULL;
}

static int manager_bus_on_client_gone(sd_bus_track *track, void *userdata)
{
        struct bus_discovery_client *c = userdata;
        struct bus *b = c->bus;
        int r;

        log_debug("Discovery client %s left the bus, releasing its discovery request", c->name);
        bus_discovery_client_free(c);
        r = manager_stop_discovery(b->manager);
        if (r < 0)
                log_warning_errno(r, "Failed to stop discovery, ignoring: %m");
        return 0;
}

static int method_start_discovery(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        struct bus *b = userdata;
        struct bus_discovery_client *c;
        const char *sender;
        int r;

        r = polkit_check(b->polkit, m, POLKIT_ACTION_CAST, error);
        if (r <= 0)
                return r < 0 ? r : 1;

        sender = sd_bus_message_get_sender(m) ?: ":private";
        if (bus_discovery_client_find(b, sender))
                return sd_bus_reply_method_return(m, NULL);  /* one reference per caller */

        r = manager_start_discovery(b->manager);
        if (r == -ENOTSUP)
                return bus_error_set(error, r, "No P2P backend: Wi-Fi Direct discovery is not available "
                                               "(no wpa_supplicant P2P device found or P2P disabled)");
        if (r < 0)
                return bus_error_set(error, r, "Failed to start discovery: %m");

        c = calloc(1, sizeof(*c));
        if (!c || !(c->name = strdup(sender))) {
                free(c);
                (void) manager_stop_discovery(b->manager);
                return -ENOMEM;
        }
        c->bus = b;
        c->next = b->discovery_clients;
        b->discovery_clients = c;
        r = sd_bus_track_new(b->bus, &c->track, manager_bus_on_client_gone, c);
        if (r >= 0)
                r = sd_bus_track_add_sender(c->track, m);
        if (r < 0) {
                bus_discovery_client_free(c);
                (void) manager_stop_discovery(b->manager);
                return bus_error_set(error, r, "Failed to track the caller: %m");
        }
        return sd_bus_reply_method_return(m, NULL);
}

static int method_stop_discovery(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        struct bus *b = userdata;
        struct bus_discovery_client *c;
        const char *sender;
        int r;

        r = polkit_check(b->polkit, m, POLKIT_ACTION_CAST, error);
        if (r <= 0)
                return r < 0 ? r : 1;

        if (!b->manager->p2p && !b->manager->mice)
                return bus_error_set(error, -ENOTSUP, "No P2P backend: Wi-Fi Direct discovery is not available");
        sender = sd_bus_message_get_sender(m) ?: ":private";
        c = bus_discovery_client_find(b, sender);
        if (!c)
                return bus_error_set(error, -ENOENT, "This caller has not started discovery");
        bus_discovery_client_free(c);
        r = manager_stop_discovery(b->manager);
        if (r < 0)
                return bus_error_set(error, r, "Failed to stop discovery: %m");
        return sd_bus_reply_method_return(m, NULL);
}

static int method_listen(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        struct bus *b = userdata;
        const char *address, *allowed_peer = NULL;
        int input = false, latency = -1;
        struct listener *l;
        int r;

        r = polkit_check(b->polkit, m, POLKIT_ACTION_MANAGE, error);
        if (r <= 0)
                return r < 0 ? r : 1;

        r = sd_bus_message_read(m, "s", &address);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const char *key;

                r = sd_bus_message_read(m, "s", &key);
                if (r < 0)
                        return r;
                if (strcmp(key, "allowed-peer") == 0) {
                        r = sd_bus_message_read(m, "v", "s", &allowed_peer);
                        if (r < 0)
                                return bus_error_set(error, -EINVAL, "Option allowed-peer must be a string");
                } else if (strcmp(key, "latency") == 0) {
                        const char *v;

                        r = sd_bus_message_read(m, "v", "s", &v);
                        if (r < 0 || (latency = latency_mode_from_string(v)) < 0)
                                return bus_error_set(error, -EINVAL, "Option latency must be \"low-latency\", "
                                                     "\"balanced\" or \"quality\"");
                } else if (strcmp(key, "input") == 0) {
                        /* Listen is for administrators (org.miracastd.manage): their consent covers it. */
                        r = sd_bus_message_read(m, "v", "b", &input);
                        if (r < 0)
                                return bus_error_set(error, -EINVAL, "Option input must be a boolean");
                } else
                        return bus_error_set(error, -EINVAL,
                                             "Unknown option \"%s\" (known: allowed-peer, input, latency)", key);
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;

        if (b->manager->shutting_down)
                return bus_error_set(error, -ESHUTDOWN, "The daemon is shutting down");
        r = listener_new_from_string(b->manager, address, allowed_peer, &l);
        if (r == -EINVAL)
                return bus_error_set(error, r, "\"%s\" is not ADDR[:PORT] with a numeric IPv4/IPv6 address%s",
                                     address, allowed_peer ? ", or allowed-peer is not a numeric address" : "");
        if (r < 0)
                return bus_error_set(error, r, "Cannot listen on %s: %m", address);
        l->input = input;
        l->latency = latency;
        if (input)
                log_info("listener %s: input from the display allowed for its sessions", l->description);
        return sd_bus_reply_method_return(m, "s", l->description);
}

static int method_register_agent(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        return agent_bus_method_register(m, userdata, error);
}

static int method_unregister_agent(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        return agent_bus_method_unregister(m, userdata, error);
}

static int property_get_discovering(sd_bus *bus, const char *path, const char *interface, const char *property,
                                    sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        struct bus *b = userdata;
        return sd_bus_message_append(reply, "b", (int) manager_is_discovering(b->manager));
}

static int property_get_backend(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        struct bus *b = userdata;
        return sd_bus_message_append(reply, "s", manager_p2p_backend_name(b->manager));
}

static int property_get_encoders(sd_bus *bus, const char *path, const char *interface, const char *property,
                                 sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        _cleanup_(strv_freep) char **names = NULL;
        int r;

        r = stream_probe_encoders(&names);
        if (r < 0)
                return r;
        return sd_bus_message_append_strv(reply, names);
}

static int property_get_capture_outputs(sd_bus *bus, const char *path, const char *interface, const char *property,
                                        sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        _cleanup_(strv_freep) char **names = NULL;
        int r;

        r = stream_probe_outputs(&names);
        if (r < 0)
                return r;
        return sd_bus_message_append_strv(reply, names);
}

static int property_get_version(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        return sd_bus_message_append(reply, "s", MIRACASTD_VERSION);
}

static const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_ARGS("StartDiscovery", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, method_start_discovery,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("StopDiscovery", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, method_stop_discovery,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Listen", SD_BUS_ARGS("s", address, "a{sv}", options), SD_BUS_RESULT("s", listening),
                                method_listen, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("RegisterAgent", SD_BUS_ARGS("o", agent), SD_BUS_NO_RESULT, method_register_agent,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("UnregisterAgent", SD_BUS_ARGS("o", agent), SD_BUS_NO_RESULT,
                                method_unregister_agent, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_PROPERTY("Discovering", "b", property_get_discovering, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Backend", "s", property_get_backend, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Encoders", "as", property_get_encoders, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("CaptureOutputs", "as", property_get_capture_outputs, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Version", "s", property_get_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_VTABLE_END
};

int manager_bus_register(struct bus *b)
{
        return sd_bus_add_object_vtable(b->bus, NULL, BUS_ROOT_PATH, BUS_MANAGER_IFACE, manager_vtable, b);
}

void manager_bus_changed(struct bus *b, int change)
{
        int r = 0;

        switch (change) {
        case MANAGER_CHANGED_DISCOVERING:
                r = sd_bus_emit_properties_changed(b->bus, BUS_ROOT_PATH, BUS_MANAGER_IFACE, "Discovering", NULL);
                break;
        case MANAGER_CHANGED_BACKEND:
                r = sd_bus_emit_properties_changed(b->bus, BUS_ROOT_PATH, BUS_MANAGER_IFACE, "Backend", "Discovering",
                                                   NULL);
                if (!b->manager->p2p)
                        manager_bus_free_clients(b);
                break;
        case MANAGER_CHANGED_OUTPUTS:
                r = sd_bus_emit_properties_changed(b->bus, BUS_ROOT_PATH, BUS_MANAGER_IFACE, "Encoders",
                                                   "CaptureOutputs", NULL);
                break;
        }
        if (r < 0)
                log_warning_errno(r, "Failed to emit PropertiesChanged on %s, ignoring: %m", BUS_ROOT_PATH);
}
