/* SPDX-License-Identifier: GPL-2.0-or-later */
/* miracastctl.h: the client's bus: connect, event loop, find objects, explain failed calls. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../protocol/macro.h"
#include "miracastctl.h"

/* ---- errors ------------------------------------------------------------------ */

static const struct {
        const char *name;
        const char *text;
        int exit_code;
} error_table[] = {
        { BUS_ERROR_INSUFFICIENT_RESOURCES,
          "the sink and this machine have no video format in common (insufficient resources)", EXIT_REJECTED },
        { BUS_ERROR_NOT_AUTHORIZED,
          "not authorized (polkit denied it; casting needs an active local session, managing needs an administrator)",
          EXIT_NOT_AUTHORIZED },
        { BUS_ERROR_BUSY, "busy: another operation is in progress", EXIT_BUSY },
        { BUS_ERROR_NOT_FOUND, "not found", EXIT_NOT_FOUND },
        { BUS_ERROR_TIMEOUT, "timed out", EXIT_TIMEOUT },
        { BUS_ERROR_SINK_REJECTED, "the display rejected the connection", EXIT_REJECTED },
        { BUS_ERROR_INVALID_ARGUMENTS, "invalid arguments", EXIT_USAGE },
        { BUS_ERROR_ALREADY_EXISTS, "already exists", EXIT_FAILED },
        { BUS_ERROR_FAILED, "failed", EXIT_FAILED },
        { "org.freedesktop.DBus.Error.InvalidArgs", "invalid arguments", EXIT_USAGE },
        { "org.freedesktop.DBus.Error.ServiceUnknown",
          "miracastd is not running on this bus (try: systemctl start miracastd)", EXIT_NO_DAEMON },
        { "org.freedesktop.DBus.Error.NameHasNoOwner",
          "miracastd is not running on this bus (try: systemctl start miracastd)", EXIT_NO_DAEMON },
        { "org.freedesktop.DBus.Error.AccessDenied", "access denied by the D-Bus policy", EXIT_NOT_AUTHORIZED },
        { "org.freedesktop.DBus.Error.UnknownObject", "no such object (it may have just ended)", EXIT_NOT_FOUND },
        { "org.freedesktop.DBus.Error.UnknownMethod",
          "the daemon does not know this call (is miracastd older than miracastctl?)", EXIT_FAILED },
        { "org.freedesktop.DBus.Error.NoReply", "miracastd did not answer in time", EXIT_TIMEOUT },
        { "org.freedesktop.DBus.Error.Timeout", "miracastd did not answer in time", EXIT_TIMEOUT },
};

/* Report a failed call: "miracastctl: WHAT: explanation (daemon's message)". Returns the exit code. */
int ctl_report_error(const char *what, int r, const sd_bus_error *e)
{
        if (e && sd_bus_error_is_set(e)) {
                for (size_t i = 0; i < ARRAY_SIZE(error_table); i++)
                        if (strcmp(e->name, error_table[i].name) == 0) {
                                /* A PIN agent that declined is no polkit matter. */
                                if (strcmp(e->name, BUS_ERROR_NOT_AUTHORIZED) == 0 && e->message &&
                                    strstr(e->message, "the agent refused")) {
                                        ctl_err("%s: %s", what, e->message);
                                        return error_table[i].exit_code;
                                }
                                if (e->message && *e->message && strcmp(e->message, error_table[i].text) != 0)
                                        ctl_err("%s: %s: %s", what, error_table[i].text, e->message);
                                else
                                        ctl_err("%s: %s", what, error_table[i].text);
                                return error_table[i].exit_code;
                        }
                ctl_err("%s: %s%s%s", what, e->name, e->message ? ": " : "", e->message ? e->message : "");
                return EXIT_FAILED;
        }
        ctl_err("%s: %s", what, strerror(-r));
        return r == -ETIMEDOUT ? EXIT_TIMEOUT : r == -EACCES || r == -EPERM ? EXIT_NOT_AUTHORIZED : EXIT_FAILED;
}

/* ---- bus --------------------------------------------------------------------- */

int ctl_open_bus(struct ctl *c)
{
        const char *spec = c->bus_spec;
        int r;

        if (strcmp(spec, "system") == 0)
                r = sd_bus_open_system(&c->bus);
        else if (strcmp(spec, "session") == 0 || strcmp(spec, "user") == 0)
                r = sd_bus_open_user(&c->bus);
        else if (strchr(spec, '=')) {
                r = sd_bus_new(&c->bus);
                if (r >= 0)
                        r = sd_bus_set_address(c->bus, spec);
                if (r >= 0)
                        r = sd_bus_set_bus_client(c->bus, true);
                if (r >= 0)
                        r = sd_bus_start(c->bus);
        } else {
                ctl_err("--bus wants system, session or a D-Bus address such as unix:path=/run/x, got \"%s\"", spec);
                return EXIT_USAGE;
        }
        if (r < 0) {
                ctl_err("cannot connect to the %s bus: %s", spec, strerror(-r));
                return EXIT_NO_DAEMON;
        }
        return 0;
}

int ctl_attach_event(struct ctl *c)
{
        sigset_t mask;
        int r;

        r = sd_event_new(&c->event);
        if (r >= 0)
                r = sd_bus_attach_event(c->bus, c->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return ctl_report_error("setting up the event loop", r, NULL);
        sigemptyset(&mask);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        (void) sd_event_add_signal(c->event, &c->sigint, SIGINT, NULL, NULL);    /* NULL handler: exit the loop */
        (void) sd_event_add_signal(c->event, &c->sigterm, SIGTERM, NULL, NULL);
        return 0;
}

static int on_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct ctl *c = userdata;

        c->result = EXIT_TIMEOUT;
        return sd_event_exit(c->event, EXIT_TIMEOUT);
}

/* Run the loop until a callback calls sd_event_exit(), a signal, or timeout (0 = none). */
int ctl_loop(struct ctl *c, uint64_t timeout_usec, bool *timed_out)
{
        _cleanup_(sd_event_source_unrefp) sd_event_source *timer = NULL;
        int r;

        c->result = -1;
        if (timeout_usec > 0) {
                r = sd_event_add_time_relative(c->event, &timer, CLOCK_MONOTONIC, timeout_usec, 0, on_timeout, c);
                if (r < 0)
                        return ctl_report_error("arming a timer", r, NULL);
        }
        r = sd_event_loop(c->event);
        if (timed_out)
                *timed_out = c->result == EXIT_TIMEOUT;
        if (timer)
                (void) sd_event_source_set_enabled(timer, SD_EVENT_OFF);
        return r;
}

/* ---- object lookup ----------------------------------------------------------- */

int ctl_get_objects(struct ctl *c, const char *iface, struct ctl_object **ret, size_t *ret_n)
{
        sd_bus_error e = SD_BUS_ERROR_NULL;
        int r;

        r = ctl_objects_get_managed(c->bus, iface, ret, ret_n, &e);
        if (r < 0) {
                r = ctl_report_error("listing objects", r, &e);
                sd_bus_error_free(&e);
                return -r;
        }
        return 0;
}

/*
 * Find the session named by arg (number, path) or, with arg NULL, the only
 * session that has not ended. Writes a malloc'd path. Returns 0 or -exit code.
 */
int ctl_resolve_session(struct ctl *c, const char *arg, char **ret)
{
        struct ctl_object *objs = NULL;
        size_t n = 0, live = 0, pick = 0;
        int r;

        if (arg && arg[0] == '/') {
                *ret = strdup(arg);
                return *ret ? 0 : -EXIT_FAILED;
        }
        if (arg) {
                if (!*arg || strspn(arg, "0123456789") != strlen(arg)) {
                        ctl_err("\"%s\" is not a session number or object path (see: miracastctl sessions)", arg);
                        return -EXIT_USAGE;
                }
                return asprintf(ret, BUS_ROOT_PATH "/session/%s", arg) < 0 ? -EXIT_FAILED : 0;
        }
        r = ctl_get_objects(c, BUS_SESSION_IFACE, &objs, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++)
                if (strcmp(ctl_prop_text(&objs[i], "State", ""), "ended") != 0) {
                        live++;
                        pick = i;
                }
        if (live != 1) {
                if (live == 0)
                        ctl_err("no session is running");
                else
                        ctl_err("%zu sessions are running; name one (see: miracastctl sessions)", live);
                ctl_objects_free(objs, n);
                return live == 0 ? -EXIT_NOT_FOUND : -EXIT_USAGE;
        }
        *ret = strdup(objs[pick].path);
        ctl_objects_free(objs, n);
        return *ret ? 0 : -EXIT_FAILED;
}

/* Find a sink by object path, id, name or address. */
int ctl_resolve_sink(struct ctl *c, const char *arg, char **ret)
{
        struct ctl_object *objs = NULL;
        size_t n = 0, hits = 0, pick = 0;
        int r;

        r = ctl_get_objects(c, BUS_SINK_IFACE, &objs, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                const char *name = ctl_prop_text(&objs[i], "Name", ""), *addr = ctl_prop_text(&objs[i], "Address", "");

                if (strcmp(objs[i].path, arg) == 0 || strcmp(ctl_path_id(objs[i].path), arg) == 0 ||
                    strcasecmp(addr, arg) == 0 || strcmp(name, arg) == 0) {
                        hits++;
                        pick = i;
                }
        }
        if (hits != 1) {
                if (hits == 0)
                        ctl_err("no sink matches \"%s\" (%zu known; run: miracastctl scan)", arg, n);
                else
                        ctl_err("%zu sinks match \"%s\"; use the address or id from: miracastctl sinks", hits, arg);
                ctl_objects_free(objs, n);
                return hits == 0 ? -EXIT_NOT_FOUND : -EXIT_USAGE;
        }
        *ret = strdup(objs[pick].path);
        ctl_objects_free(objs, n);
        return *ret ? 0 : -EXIT_FAILED;
}
