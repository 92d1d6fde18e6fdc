/* SPDX-License-Identifier: GPL-2.0-or-later */
/* miracastctl.h: finding sinks: scan (discovery), sinks (the known list), listen (sinks that connect). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../protocol/macro.h"
#include "miracastctl.h"

int cmd_sinks(struct ctl *c, int argc, char **argv)
{
        struct ctl_object *objs = NULL;
        size_t n = 0;
        int r;

        r = ctl_get_objects(c, BUS_SINK_IFACE, &objs, &n);
        if (r < 0)
                return -r;
        if (c->json)
                ctl_print_json_array(objs, n);
        else {
                printf("%-20s %-17s %-24s %-8s %-9s %-9s %s\n", "ID", "ADDRESS", "NAME", "PROTOCOL", "TYPE", "AVAILABLE", "SIGNAL");
                for (size_t i = 0; i < n; i++)
                        ctl_print_sink_line(&objs[i]);
                if (n == 0)
                        printf("(no sinks known; run: miracastctl scan)\n");
        }
        ctl_objects_free(objs, n);
        return EXIT_OK;
}

/*
 * scan keeps one entry per sink path with its latest properties: InterfacesAdded adds or
 * replaces it (a sink lost and found again is still one sink), PropertiesChanged re-reads it,
 * InterfacesRemoved drops it. The list is printed once, at the end.
 */
static struct ctl_object *scan_find(struct ctl *c, const char *path)
{
        for (size_t i = 0; i < c->n_scan; i++)
                if (strcmp(c->scan[i].path, path) == 0)
                        return &c->scan[i];
        return NULL;
}

/* Takes over *o (cleared on return). */
static int scan_store(struct ctl *c, struct ctl_object *o)
{
        struct ctl_object *old = scan_find(c, o->path), *n;

        if (old) {
                ctl_object_clear(old);
                *old = *o;
        } else {
                n = realloc(c->scan, (c->n_scan + 1) * sizeof(*n));
                if (!n) {
                        ctl_object_clear(o);
                        return -ENOMEM;
                }
                c->scan = n;
                c->scan[c->n_scan++] = *o;
        }
        *o = (struct ctl_object) {};
        return 0;
}

static void scan_forget(struct ctl *c, const char *path)
{
        struct ctl_object *o = scan_find(c, path);

        if (!o)
                return;
        fprintf(stderr, "Lost %s (%s)\n", ctl_prop_text(o, "Name", "-"), ctl_prop_text(o, "Address", "-"));
        ctl_object_clear(o);
        *o = c->scan[--c->n_scan];
}

/* InterfacesAdded(o path, a{sa{sv}} interfaces) */
static int on_interfaces_added_scan(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct ctl *c = userdata;
        const char *path;
        int r;

        r = sd_bus_message_read(m, "o", &path);
        if (r < 0)
                return 0;
        r = sd_bus_message_enter_container(m, 'a', "{sa{sv}}");
        if (r < 0)
                return 0;
        while (sd_bus_message_enter_container(m, 'e', "sa{sv}") > 0) {
                const char *iface;
                struct ctl_object o = {};

                if (sd_bus_message_read(m, "s", &iface) < 0)
                        return 0;
                if (strcmp(iface, BUS_SINK_IFACE) != 0) {
                        (void) sd_bus_message_skip(m, "a{sv}");
                } else {
                        o.path = strdup(path);
                        o.iface = strdup(iface);
                        if (o.path && o.iface && ctl_read_props(m, &o.props, &o.n_props) >= 0) {
                                if (!scan_find(c, path))
                                        fprintf(stderr, "Found %s (%s)\n", ctl_prop_text(&o, "Name", "-"),
                                                ctl_prop_text(&o, "Address", "-"));
                                (void) scan_store(c, &o);
                        }
                        ctl_object_clear(&o);
                }
                (void) sd_bus_message_exit_container(m);
        }
        return 0;
}

/* InterfacesRemoved(o path, as interfaces) */
static int on_interfaces_removed_scan(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct ctl *c = userdata;
        const char *path, *iface;

        if (sd_bus_message_read(m, "o", &path) < 0 || sd_bus_message_enter_container(m, 'a', "s") < 0)
                return 0;
        while (sd_bus_message_read(m, "s", &iface) > 0)
                if (strcmp(iface, BUS_SINK_IFACE) == 0)
                        scan_forget(c, path);
        return 0;
}

/* PropertiesChanged on a sink we list: re-read all of it. */
static int on_sink_changed_scan(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct ctl *c = userdata;
        const char *path = sd_bus_message_get_path(m), *iface;
        sd_bus_error e = SD_BUS_ERROR_NULL;
        struct ctl_object o = {};

        if (!path || !scan_find(c, path) || sd_bus_message_read(m, "s", &iface) < 0 ||
            strcmp(iface, BUS_SINK_IFACE) != 0)
                return 0;
        if (ctl_object_get_all(c->bus, path, BUS_SINK_IFACE, &o, &e) >= 0)
                (void) scan_store(c, &o);
        sd_bus_error_free(&e);
        ctl_object_clear(&o);
        return 0;
}

static int on_scan_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        ((struct ctl *) userdata)->scan_done = true;
        return 0;
}

int cmd_scan(struct ctl *c, int argc, char **argv)
{
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *added = NULL, *removed = NULL, *changed = NULL;
        _cleanup_(sd_event_source_unrefp) sd_event_source *timer = NULL;
        sd_bus_error e = SD_BUS_ERROR_NULL;
        uint64_t timeout = c->timeout_usec ? c->timeout_usec : 10 * USEC_PER_SEC;
        struct ctl_object *objs = NULL;
        size_t n = 0;
        int r;

        r = ctl_attach_event(c);
        if (r)
                return r;
        r = sd_bus_match_signal(c->bus, &added, BUS_NAME, BUS_ROOT_PATH, "org.freedesktop.DBus.ObjectManager",
                                "InterfacesAdded", on_interfaces_added_scan, c);
        if (r >= 0)
                r = sd_bus_match_signal(c->bus, &removed, BUS_NAME, BUS_ROOT_PATH,
                                        "org.freedesktop.DBus.ObjectManager", "InterfacesRemoved",
                                        on_interfaces_removed_scan, c);
        if (r >= 0)
                r = sd_bus_match_signal(c->bus, &changed, BUS_NAME, NULL, "org.freedesktop.DBus.Properties",
                                        "PropertiesChanged", on_sink_changed_scan, c);
        if (r < 0)
                return ctl_report_error("watching for sinks", r, NULL);

        r = sd_bus_call_method(c->bus, BUS_NAME, BUS_ROOT_PATH, BUS_MANAGER_IFACE, "StartDiscovery", &e, NULL,
                               NULL);
        if (r < 0) {
                r = ctl_report_error("starting discovery", r, &e);
                sd_bus_error_free(&e);
                return r;
        }
        /* Sinks already known (seen in an earlier scan) count too. */
        if (ctl_get_objects(c, BUS_SINK_IFACE, &objs, &n) == 0) {
                for (size_t i = 0; i < n; i++) {
                        if (!scan_find(c, objs[i].path))
                                fprintf(stderr, "Found %s (%s)\n", ctl_prop_text(&objs[i], "Name", "-"),
                                        ctl_prop_text(&objs[i], "Address", "-"));
                        (void) scan_store(c, &objs[i]);
                }
                ctl_objects_free(objs, n);
        }
        fprintf(stderr, "Discovering Miracast sinks for %" PRIu64 " s (Ctrl-C stops)...\n", timeout / USEC_PER_SEC);

        /* Our own loop, not sd_event_loop(): leaving that closes the bus, and StopDiscovery needs it. */
        r = sd_event_add_time_relative(c->event, &timer, CLOCK_MONOTONIC, timeout, 0, on_scan_timer, c);
        if (r < 0)
                return ctl_report_error("arming a timer", r, NULL);
        while (!c->scan_done) {
                r = sd_event_run(c->event, UINT64_MAX);
                if (r < 0 || sd_event_get_state(c->event) == SD_EVENT_FINISHED)
                        break;  /* Ctrl-C: the bus is closed, the daemon releases our discovery */
        }

        if (!c->scan_done) {
                r = 0;
        } else
                r = sd_bus_call_method(c->bus, BUS_NAME, BUS_ROOT_PATH, BUS_MANAGER_IFACE, "StopDiscovery", &e,
                                       NULL, NULL);
        if (r < 0 && r != -ENOTCONN) {
                r = ctl_report_error("stopping discovery", r, &e);
                sd_bus_error_free(&e);
                return r;
        }
        sd_bus_error_free(&e);

        /* Each sink once, with what the daemon said last. */
        ctl_objects_sort(c->scan, c->n_scan);
        if (!c->json && c->n_scan > 0)
                printf("%-20s %-17s %-24s %-8s %-9s %-9s %s\n", "ID", "ADDRESS", "NAME", "PROTOCOL", "TYPE", "AVAILABLE", "SIGNAL");
        for (size_t i = 0; i < c->n_scan; i++) {
                if (c->json) {
                        ctl_object_print_json(stdout, &c->scan[i]);
                        fputc('\n', stdout);
                } else
                        ctl_print_sink_line(&c->scan[i]);
        }
        fflush(stdout);
        fprintf(stderr, "%zu sink%s found.\n", c->n_scan, c->n_scan == 1 ? "" : "s");
        return EXIT_OK;
}

int cmd_listen(struct ctl *c, int argc, char **argv)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        sd_bus_error e = SD_BUS_ERROR_NULL;
        const char *listening;
        int r;

        if (argc != 2) {
                ctl_err("listen wants one ADDRESS[:PORT], e.g. 0.0.0.0:7236");
                return EXIT_USAGE;
        }
        r = sd_bus_message_new_method_call(c->bus, &call, BUS_NAME, BUS_ROOT_PATH, BUS_MANAGER_IFACE, "Listen");
        if (r >= 0)
                r = sd_bus_message_append(call, "s", argv[1]);
        if (r >= 0)
                r = sd_bus_message_open_container(call, 'a', "{sv}");
        if (r >= 0 && c->peer)
                r = sd_bus_message_append(call, "{sv}", "allowed-peer", "s", c->peer);
        if (r >= 0 && c->allow_input)
                r = sd_bus_message_append(call, "{sv}", "input", "b", 1);
        if (r >= 0 && c->latency)
                r = sd_bus_message_append(call, "{sv}", "latency", "s", c->latency);
        if (r >= 0)
                r = sd_bus_message_close_container(call);
        if (r >= 0)
                r = sd_bus_message_set_allow_interactive_authorization(call, isatty(STDIN_FILENO));
        if (r < 0)
                return ctl_report_error("building the Listen call", r, NULL);
        r = sd_bus_call(c->bus, call, 0, &e, &reply);
        if (r < 0) {
                r = ctl_report_error("listen failed", r, &e);
                sd_bus_error_free(&e);
                return r;
        }
        r = sd_bus_message_read(reply, "s", &listening);
        if (r < 0)
                return ctl_report_error("reading the Listen reply", r, NULL);
        if (c->json) {
                fputs("{\"listening\":", stdout);
                ctl_json_string(stdout, listening);
                fputs("}\n", stdout);
        } else
                printf("Listening on %s%s%s\n", listening, c->peer ? " for " : "", c->peer ? c->peer : "");
        return EXIT_OK;
}
