/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dbus/bus.h: connection, name, ObjectManager, hook wiring. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../daemon/log.h"
#include "../daemon/manager.h"
#include "../daemon/session.h"
#include "../daemon/sink.h"
#include "bus.h"
#include "polkit.h"

/* New sinks and sessions get their D-Bus objects (and the PIN agents follow sessions). */
static void bus_on_manager_changed(void *object, unsigned change, void *userdata)
{
        struct bus *b = userdata;

        switch (change) {
        case MANAGER_CHANGED_SINK_ADDED:
                sink_bus_added(b, object);
                break;
        case MANAGER_CHANGED_SESSION_ADDED:
                /* Agents first: an agent hears Cancel() before the Cast() caller gets its error. */
                agent_bus_session_added(b, object);
                session_bus_added(b, object);
                break;
        default:
                manager_bus_changed(b, change);
        }
}

/* Stop reporting to this connection: daemon/ no longer calls into it. */
static void bus_unhook(struct bus *b)
{
        struct manager *m = b->manager;

        observers_remove_userdata(&m->observers, b);
        for (struct sink *s = m->sinks; s; s = s->next)
                observers_remove_userdata(&s->observers, b);
        for (struct session *s = m->sessions; s; s = s->next)
                observers_remove_userdata(&s->observers, b);
        if (m->hooks.userdata == b)
                m->hooks = (struct manager_hooks) {};
}

/*
 * sd-bus synthesizes org.freedesktop.DBus.Local.Disconnected when the bus
 * connection breaks (the dbus-daemon died or dropped us). Without the bus
 * nobody can control or authorize casts, and the bus name is gone; a system
 * service gets it back by being restarted. So: keep the sessions that run
 * (the user's cast is not cut), take no new sinks, and exit with failure once
 * the last session has ended, for Restart=on-failure to start a fresh daemon.
 */
static int bus_on_message(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error)
{
        struct bus *b = userdata;

        if (!sd_bus_message_is_signal(msg, "org.freedesktop.DBus.Local", "Disconnected"))
                return 0;
        log_warning("Lost the D-Bus connection: running sessions go on, no new sinks are taken, "
                    "and the daemon exits with failure after the last session (for a restart)");
        bus_unhook(b);
        manager_drain(b->manager, EXIT_FAILURE);
        return 0;
}

static int bus_hook_pin_display(struct sink *sink, struct session *s, const char *pin)
{
        return agent_bus_pin_display(sink->manager->hooks.userdata, sink, s, pin);
}

static int bus_hook_pin_request(struct sink *sink, struct session *s)
{
        return agent_bus_pin_request(sink->manager->hooks.userdata, sink, s);
}

static int bus_hook_input_request(struct sink *sink, struct session *s)
{
        return agent_bus_input_request(sink->manager->hooks.userdata, sink, s);
}

/* The loop is exiting: agents get Release() (and pending PIN requests Cancel()) while the
 * connection still carries them. */
static int bus_on_exit(sd_event_source *s, void *userdata)
{
        agent_bus_free_all(userdata);
        return 0;
}

static int bus_connect(const char *spec, sd_bus **ret)
{
        sd_bus *bus = NULL;
        int r;

        if (strcmp(spec, "system") == 0)
                return sd_bus_open_system_with_description(ret, "miracastd");
        if (strcmp(spec, "session") == 0)
                return sd_bus_open_user_with_description(ret, "miracastd");

        r = sd_bus_new(&bus);
        if (r < 0)
                return r;
        (void) sd_bus_set_description(bus, "miracastd");
        r = sd_bus_set_address(bus, spec);
        if (r >= 0)
                r = sd_bus_set_bus_client(bus, true);
        if (r >= 0)
                r = sd_bus_start(bus);
        if (r < 0) {
                sd_bus_unref(bus);
                return r;
        }
        *ret = bus;
        return 0;
}

int bus_open(struct manager *m, const char *spec, enum config_polkit polkit_mode, struct bus **ret)
{
        struct bus *b;
        bool use_polkit;
        int r;

        b = calloc(1, sizeof(*b));
        if (!b)
                return -ENOMEM;
        b->manager = m;

        r = bus_connect(spec, &b->bus);
        if (r < 0) {
                log_full_errno(LOG_DEBUG, r, "Failed to connect to the %s bus: %m", spec);
                goto fail;
        }
        r = sd_bus_attach_event(b->bus, m->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                goto fail;
        /* Before sd-bus's own exit hook flushes and closes the connection. */
        r = sd_event_add_exit(m->event, &b->exit_source, bus_on_exit, b);
        if (r >= 0)
                r = sd_event_source_set_priority(b->exit_source, SD_EVENT_PRIORITY_IMPORTANT);
        if (r < 0)
                goto fail;
        r = sd_bus_add_filter(b->bus, NULL, bus_on_message, b);
        if (r < 0)
                goto fail;

        use_polkit = polkit_mode == CONFIG_POLKIT_REQUIRED ||
                     (polkit_mode == CONFIG_POLKIT_AUTO && strcmp(spec, "system") == 0);
        if (use_polkit) {
                r = polkit_new(b->bus, &b->polkit);
                if (r < 0)
                        goto fail;
        }

        r = sd_bus_add_object_manager(b->bus, NULL, BUS_ROOT_PATH);
        if (r < 0)
                goto fail;
        r = manager_bus_register(b);
        if (r < 0)
                goto fail;
        r = sink_bus_register(b);
        if (r < 0)
                goto fail;
        r = session_bus_register(b);
        if (r < 0)
                goto fail;

        r = observers_add(&m->observers, bus_on_manager_changed, b, NULL);
        if (r < 0)
                goto fail;
        m->hooks = (struct manager_hooks) {
                .pin_display = bus_hook_pin_display,
                .pin_request = bus_hook_pin_request,
                .input_request = bus_hook_input_request,
                .userdata = b,
        };
        /* Objects that exist already (none at start-up, but keep it correct). */
        for (struct sink *s = m->sinks; s; s = s->next)
                bus_on_manager_changed(s, MANAGER_CHANGED_SINK_ADDED, b);
        for (struct session *s = m->sessions; s; s = s->next)
                bus_on_manager_changed(s, MANAGER_CHANGED_SESSION_ADDED, b);

        r = sd_bus_request_name(b->bus, BUS_NAME, 0);
        if (r < 0) {
                log_full_errno(LOG_ERR, r, "Failed to acquire the bus name %s: %m", BUS_NAME);
                goto fail;
        }
        log_info("D-Bus: %s on the %s bus%s", BUS_NAME, spec,
                 use_polkit ? ", mutating calls authorized by polkit" : ", no polkit (the bus limits callers)");
        *ret = b;
        return 0;

fail:
        bus_free(b);
        return r;
}

int bus_node_list_add(char ***l, size_t *n, const char *path)
{
        char *copy, **grown;

        copy = strdup(path);
        if (!copy)
                return -ENOMEM;
        grown = reallocarray(*l, *n + 2, sizeof(char *));
        if (!grown) {
                free(copy);
                return -ENOMEM;
        }
        grown[(*n)++] = copy;
        grown[*n] = NULL;
        *l = grown;
        return 0;
}

struct bus *bus_free(struct bus *b)
{
        if (!b)
                return NULL;
        bus_unhook(b);
        session_bus_free_pending_casts(b);
        agent_bus_free_all(b);
        manager_bus_free_clients(b);
        b->exit_source = sd_event_source_disable_unref(b->exit_source);
        b->polkit = polkit_free(b->polkit);
        if (b->bus) {
                (void) sd_bus_flush(b->bus);
                b->bus = sd_bus_flush_close_unref(b->bus);
        }
        free(b);
        return NULL;
}
