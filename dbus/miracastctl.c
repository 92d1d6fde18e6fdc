/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * miracastctl: command-line client of the org.miracastd D-Bus API
 * (Manager1 at /org/miracastd, Sink1 and Session1 objects under it, all
 * listed by ObjectManager). Pure client: every action is a D-Bus call, every
 * number shown is a D-Bus property. Commands that wait (scan, cast, stop,
 * status --watch) run an sd-event loop with the bus attached and watch
 * PropertiesChanged / InterfacesAdded / InterfacesRemoved.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "../protocol/macro.h"
#include "miracastctl-props.h"

#define USEC_PER_SEC ((uint64_t) 1000000)

/* Our PIN agent during `cast --method pin` without --pin (org.miracastd.Agent1). */
#define CTL_AGENT_PATH  "/org/miracastd/ctl/agent"
#define CTL_AGENT_IFACE "org.miracastd.Agent1"

/* Exit codes (documented in --help and miracastctl(1)). */
enum {
        EXIT_OK = 0,
        EXIT_FAILED = 1,                /* the operation or the session failed */
        EXIT_USAGE = 2,
        EXIT_NO_DAEMON = 3,             /* no bus, or miracastd not on it */
        EXIT_NOT_AUTHORIZED = 4,
        EXIT_NOT_FOUND = 5,             /* no such sink/session */
        EXIT_TIMEOUT = 6,
        EXIT_BUSY = 7,
        EXIT_REJECTED = 8,              /* sink rejected us / no common format */
};

struct ctl {
        const char *bus_spec;
        bool json;
        bool watch;
        bool wait;                      /* cast: keep watching until the session ends */
        bool no_wait;                   /* stop/cast: return right after the call */
        double interval_sec;
        uint64_t timeout_usec;          /* 0 = command default */
        const char *output;
        const char *max_res;
        const char *method;
        const char *pin;
        const char *peer;

        sd_bus *bus;
        sd_event *event;

        /* waiting state */
        char *session_path;             /* the session being followed */
        char last_state[32];
        int result;                     /* exit code decided by a callback */
        bool end_reported;              /* "Session ended" was printed */
        struct ctl_object *scan;        /* scan: the sinks seen, latest properties */
        size_t n_scan;
        bool scan_done;

        sd_event_source *sigint, *sigterm;

        /* cast: the Cast() reply, the session it creates, and the PIN agent */
        const char *cast_sink;          /* the sink's object path */
        char *pending_session;          /* the session Cast() created, before it answered */
        bool interrupted;
        sd_bus_message *cast_reply;
        sd_bus_slot *agent_slot;        /* the Agent1 vtable, NULL when no agent is registered */
        sd_bus_message *pin_request;    /* RequestPinCode waiting for a line on stdin */
        sd_event_source *stdin_source;
        char pin_buf[64];
        size_t pin_len;
};

static const char *arg0 = "miracastctl";

__attribute__((format(printf, 1, 2))) static void err(const char *fmt, ...)
{
        va_list ap;

        fprintf(stderr, "%s: ", arg0);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

/* Progress lines go to stderr so stdout stays machine-readable with --json. */
__attribute__((format(printf, 2, 3))) static void progress(struct ctl *c, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vfprintf(c->json ? stderr : stdout, fmt, ap);
        va_end(ap);
        fputc('\n', c->json ? stderr : stdout);
        fflush(c->json ? stderr : stdout);
}

/* ---- errors ------------------------------------------------------------------ */

static const struct {
        const char *name;
        const char *text;
        int exit_code;
} error_table[] = {
        { "org.miracastd.Error.InsufficientResources",
          "the sink and this machine have no video format in common (insufficient resources)", EXIT_REJECTED },
        { "org.miracastd.Error.NotAuthorized",
          "not authorized (polkit denied it; casting needs an active local session, managing needs an administrator)",
          EXIT_NOT_AUTHORIZED },
        { "org.miracastd.Error.Busy", "busy: another operation is in progress", EXIT_BUSY },
        { "org.miracastd.Error.NotFound", "not found", EXIT_NOT_FOUND },
        { "org.miracastd.Error.Timeout", "timed out", EXIT_TIMEOUT },
        { "org.miracastd.Error.SinkRejected", "the display rejected the connection", EXIT_REJECTED },
        { "org.miracastd.Error.InvalidArguments", "invalid arguments", EXIT_USAGE },
        { "org.miracastd.Error.AlreadyExists", "already exists", EXIT_FAILED },
        { "org.miracastd.Error.Failed", "failed", EXIT_FAILED },
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
static int report_error(const char *what, int r, const sd_bus_error *e)
{
        if (e && sd_bus_error_is_set(e)) {
                for (size_t i = 0; i < ARRAY_SIZE(error_table); i++)
                        if (strcmp(e->name, error_table[i].name) == 0) {
                                /* A PIN agent that declined is no polkit matter. */
                                if (strcmp(e->name, "org.miracastd.Error.NotAuthorized") == 0 && e->message &&
                                    strstr(e->message, "the agent refused")) {
                                        err("%s: %s", what, e->message);
                                        return error_table[i].exit_code;
                                }
                                if (e->message && *e->message && strcmp(e->message, error_table[i].text) != 0)
                                        err("%s: %s: %s", what, error_table[i].text, e->message);
                                else
                                        err("%s: %s", what, error_table[i].text);
                                return error_table[i].exit_code;
                        }
                err("%s: %s%s%s", what, e->name, e->message ? ": " : "", e->message ? e->message : "");
                return EXIT_FAILED;
        }
        err("%s: %s", what, strerror(-r));
        return r == -ETIMEDOUT ? EXIT_TIMEOUT : r == -EACCES || r == -EPERM ? EXIT_NOT_AUTHORIZED : EXIT_FAILED;
}

/* ---- bus --------------------------------------------------------------------- */

static int ctl_open_bus(struct ctl *c)
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
                err("--bus wants system, session or a D-Bus address such as unix:path=/run/x, got \"%s\"", spec);
                return EXIT_USAGE;
        }
        if (r < 0) {
                err("cannot connect to the %s bus: %s", spec, strerror(-r));
                return EXIT_NO_DAEMON;
        }
        return 0;
}

static int ctl_attach_event(struct ctl *c)
{
        sigset_t mask;
        int r;

        r = sd_event_new(&c->event);
        if (r >= 0)
                r = sd_bus_attach_event(c->bus, c->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return report_error("setting up the event loop", r, NULL);
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
static int ctl_loop(struct ctl *c, uint64_t timeout_usec, bool *timed_out)
{
        _cleanup_(sd_event_source_unrefp) sd_event_source *timer = NULL;
        int r;

        c->result = -1;
        if (timeout_usec > 0) {
                r = sd_event_add_time_relative(c->event, &timer, CLOCK_MONOTONIC, timeout_usec, 0, on_timeout, c);
                if (r < 0)
                        return report_error("arming a timer", r, NULL);
        }
        r = sd_event_loop(c->event);
        if (timed_out)
                *timed_out = c->result == EXIT_TIMEOUT;
        if (timer)
                (void) sd_event_source_set_enabled(timer, SD_EVENT_OFF);
        return r;
}

/* ---- object lookup ----------------------------------------------------------- */

static int get_objects(struct ctl *c, const char *iface, struct ctl_object **ret, size_t *ret_n)
{
        sd_bus_error e = SD_BUS_ERROR_NULL;
        int r;

        r = ctl_objects_get_managed(c->bus, iface, ret, ret_n, &e);
        if (r < 0) {
                r = report_error("listing objects", r, &e);
                sd_bus_error_free(&e);
                return -r;
        }
        return 0;
}

/*
 * Find the session named by arg (number, path) or, with arg NULL, the only
 * session that has not ended. Writes a malloc'd path. Returns 0 or -exit code.
 */
static int resolve_session(struct ctl *c, const char *arg, char **ret)
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
                        err("\"%s\" is not a session number or object path (see: miracastctl sessions)", arg);
                        return -EXIT_USAGE;
                }
                return asprintf(ret, CTL_ROOT_PATH "/session/%s", arg) < 0 ? -EXIT_FAILED : 0;
        }
        r = get_objects(c, CTL_SESSION_IFACE, &objs, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++)
                if (strcmp(ctl_prop_text(&objs[i], "State", ""), "ended") != 0) {
                        live++;
                        pick = i;
                }
        if (live != 1) {
                if (live == 0)
                        err("no session is running");
                else
                        err("%zu sessions are running; name one (see: miracastctl sessions)", live);
                ctl_objects_free(objs, n);
                return live == 0 ? -EXIT_NOT_FOUND : -EXIT_USAGE;
        }
        *ret = strdup(objs[pick].path);
        ctl_objects_free(objs, n);
        return *ret ? 0 : -EXIT_FAILED;
}

/* Find a sink by object path, id, name or address. */
static int resolve_sink(struct ctl *c, const char *arg, char **ret)
{
        struct ctl_object *objs = NULL;
        size_t n = 0, hits = 0, pick = 0;
        int r;

        r = get_objects(c, CTL_SINK_IFACE, &objs, &n);
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
                        err("no sink matches \"%s\" (%zu known; run: miracastctl scan)", arg, n);
                else
                        err("%zu sinks match \"%s\"; use the address or id from: miracastctl sinks", hits, arg);
                ctl_objects_free(objs, n);
                return hits == 0 ? -EXIT_NOT_FOUND : -EXIT_USAGE;
        }
        *ret = strdup(objs[pick].path);
        ctl_objects_free(objs, n);
        return *ret ? 0 : -EXIT_FAILED;
}

/* ---- printing ---------------------------------------------------------------- */

static void print_json_array(const struct ctl_object *objs, size_t n)
{
        fputc('[', stdout);
        for (size_t i = 0; i < n; i++) {
                if (i)
                        fputc(',', stdout);
                ctl_object_print_json(stdout, &objs[i]);
        }
        fputs("]\n", stdout);
}

static void print_sink_line(const struct ctl_object *o)
{
        printf("%-20s %-17s %-24s %-9s %-9s %s dBm\n", ctl_path_id(o->path), ctl_prop_text(o, "Address", "-"),
               ctl_prop_text(o, "Name", "-"), ctl_prop_text(o, "DeviceType", "-"),
               ctl_prop_text(o, "SessionAvailable", "-"), ctl_prop_text(o, "Signal", "-"));
}

static void format_mode(const struct ctl_object *o, char *buf, size_t size)
{
        const char *w = ctl_prop_text(o, "Width", "0"), *h = ctl_prop_text(o, "Height", "0");

        if (strcmp(w, "0") == 0)
                snprintf(buf, size, "-");
        else
                snprintf(buf, size, "%sx%s@%s", w, h, ctl_prop_text(o, "RefreshRate", "?"));
}

static void print_session_line(const struct ctl_object *o)
{
        char mode[64];

        format_mode(o, mode, sizeof(mode));
        printf("%-4s %-12s %-22s %-16s %-28s %s\n", ctl_path_id(o->path), ctl_prop_text(o, "State", "-"),
               ctl_prop_text(o, "Peer", "-"), mode, ctl_prop_text(o, "VideoCodec", "-"),
               ctl_prop_text(o, "Encoder", "-"));
}

/* Human-readable status block of one session. */
static void print_session_status(const struct ctl_object *o)
{
        static const char *const order[] = {
                "State", "Sink", "Peer", "Width", "Height", "RefreshRate", "VideoCodec", "Encoder", "Bitrate",
                "AudioCodec", "MonitorConnected", "ReducedModeListDueToBandwidth", "EndReason", "Statistics",
                "SinkParameters",
        };
        char mode[64];

        format_mode(o, mode, sizeof(mode));
        printf("Session %s (%s)\n", ctl_path_id(o->path), o->path);
        printf("  %-30s %s\n", "Mode", mode);
        for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
                const struct ctl_prop *p = ctl_props_find(o, order[i]);
                if (p && *p->text)
                        printf("  %-30s %s\n", order[i], p->text);
        }
        /* Anything newer than this client, so nothing the daemon says is hidden. */
        for (size_t i = 0; i < o->n_props; i++) {
                bool known = false;
                for (size_t k = 0; k < ARRAY_SIZE(order); k++)
                        known = known || strcmp(order[k], o->props[i].name) == 0;
                if (!known && *o->props[i].text)
                        printf("  %-30s %s\n", o->props[i].name, o->props[i].text);
        }
}

/* ---- commands ---------------------------------------------------------------- */

static int cmd_info(struct ctl *c, int argc, char **argv)
{
        sd_bus_error e = SD_BUS_ERROR_NULL;
        struct ctl_object o = {};
        int r;

        r = ctl_object_get_all(c->bus, CTL_ROOT_PATH, CTL_MANAGER_IFACE, &o, &e);
        if (r < 0) {
                r = report_error("reading the manager", r, &e);
                sd_bus_error_free(&e);
                return r;
        }
        if (c->json) {
                ctl_object_print_json(stdout, &o);
                fputc('\n', stdout);
        } else
                for (size_t i = 0; i < o.n_props; i++)
                        printf("%-16s %s\n", o.props[i].name, o.props[i].text);
        ctl_object_clear(&o);
        return EXIT_OK;
}

static int cmd_sinks(struct ctl *c, int argc, char **argv)
{
        struct ctl_object *objs = NULL;
        size_t n = 0;
        int r;

        r = get_objects(c, CTL_SINK_IFACE, &objs, &n);
        if (r < 0)
                return -r;
        if (c->json)
                print_json_array(objs, n);
        else {
                printf("%-20s %-17s %-24s %-9s %-9s %s\n", "ID", "ADDRESS", "NAME", "TYPE", "AVAILABLE", "SIGNAL");
                for (size_t i = 0; i < n; i++)
                        print_sink_line(&objs[i]);
                if (n == 0)
                        printf("(no sinks known; run: miracastctl scan)\n");
        }
        ctl_objects_free(objs, n);
        return EXIT_OK;
}

static int cmd_sessions(struct ctl *c, int argc, char **argv)
{
        struct ctl_object *objs = NULL;
        size_t n = 0;
        int r;

        r = get_objects(c, CTL_SESSION_IFACE, &objs, &n);
        if (r < 0)
                return -r;
        if (c->json)
                print_json_array(objs, n);
        else {
                printf("%-4s %-12s %-22s %-16s %-28s %s\n", "ID", "STATE", "PEER", "MODE", "VIDEO", "ENCODER");
                for (size_t i = 0; i < n; i++)
                        print_session_line(&objs[i]);
                if (n == 0)
                        printf("(no sessions)\n");
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
                if (strcmp(iface, CTL_SINK_IFACE) != 0) {
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
                if (strcmp(iface, CTL_SINK_IFACE) == 0)
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
            strcmp(iface, CTL_SINK_IFACE) != 0)
                return 0;
        if (ctl_object_get_all(c->bus, path, CTL_SINK_IFACE, &o, &e) >= 0)
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

static int cmd_scan(struct ctl *c, int argc, char **argv)
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
        r = sd_bus_match_signal(c->bus, &added, CTL_SERVICE, CTL_ROOT_PATH, "org.freedesktop.DBus.ObjectManager",
                                "InterfacesAdded", on_interfaces_added_scan, c);
        if (r >= 0)
                r = sd_bus_match_signal(c->bus, &removed, CTL_SERVICE, CTL_ROOT_PATH,
                                        "org.freedesktop.DBus.ObjectManager", "InterfacesRemoved",
                                        on_interfaces_removed_scan, c);
        if (r >= 0)
                r = sd_bus_match_signal(c->bus, &changed, CTL_SERVICE, NULL, "org.freedesktop.DBus.Properties",
                                        "PropertiesChanged", on_sink_changed_scan, c);
        if (r < 0)
                return report_error("watching for sinks", r, NULL);

        r = sd_bus_call_method(c->bus, CTL_SERVICE, CTL_ROOT_PATH, CTL_MANAGER_IFACE, "StartDiscovery", &e, NULL,
                               NULL);
        if (r < 0) {
                r = report_error("starting discovery", r, &e);
                sd_bus_error_free(&e);
                return r;
        }
        /* Sinks already known (seen in an earlier scan) count too. */
        if (get_objects(c, CTL_SINK_IFACE, &objs, &n) == 0) {
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
                return report_error("arming a timer", r, NULL);
        while (!c->scan_done) {
                r = sd_event_run(c->event, UINT64_MAX);
                if (r < 0 || sd_event_get_state(c->event) == SD_EVENT_FINISHED)
                        break;  /* Ctrl-C: the bus is closed, the daemon releases our discovery */
        }

        if (!c->scan_done) {
                r = 0;
        } else
                r = sd_bus_call_method(c->bus, CTL_SERVICE, CTL_ROOT_PATH, CTL_MANAGER_IFACE, "StopDiscovery", &e,
                                       NULL, NULL);
        if (r < 0 && r != -ENOTCONN) {
                r = report_error("stopping discovery", r, &e);
                sd_bus_error_free(&e);
                return r;
        }
        sd_bus_error_free(&e);

        /* Each sink once, with what the daemon said last. */
        ctl_objects_sort(c->scan, c->n_scan);
        if (!c->json && c->n_scan > 0)
                printf("%-20s %-17s %-24s %-9s %-9s %s\n", "ID", "ADDRESS", "NAME", "TYPE", "AVAILABLE", "SIGNAL");
        for (size_t i = 0; i < c->n_scan; i++) {
                if (c->json) {
                        ctl_object_print_json(stdout, &c->scan[i]);
                        fputc('\n', stdout);
                } else
                        print_sink_line(&c->scan[i]);
        }
        fflush(stdout);
        fprintf(stderr, "%zu sink%s found.\n", c->n_scan, c->n_scan == 1 ? "" : "s");
        return EXIT_OK;
}

/* Follow a session's State until playing (or ended with wait): PropertiesChanged + removal. */
static void session_report_state(struct ctl *c, const struct ctl_object *o)
{
        const char *state = ctl_prop_text(o, "State", "");
        char mode[64];

        if (strcmp(state, c->last_state) == 0)
                return;
        snprintf(c->last_state, sizeof(c->last_state), "%s", state);
        format_mode(o, mode, sizeof(mode));
        if (strcmp(state, "connecting") == 0)
                progress(c, "Connecting to the sink (Wi-Fi Direct group, RTSP connection)...");
        else if (strcmp(state, "negotiating") == 0)
                progress(c, "Negotiating formats with the sink (RTSP M1-M7)...");
        else if (strcmp(state, "playing") == 0)
                progress(c, "Playing: %s %s, encoder %s, audio %s, %s bit/s (session %s)", mode,
                         ctl_prop_text(o, "VideoCodec", "?"), ctl_prop_text(o, "Encoder", "?"),
                         ctl_prop_text(o, "AudioCodec", "none"), ctl_prop_text(o, "Bitrate", "?"),
                         ctl_path_id(o->path));
        else if (strcmp(state, "paused") == 0)
                progress(c, "Paused.");
        else if (strcmp(state, "ending") == 0)
                progress(c, "Ending...");
        else if (strcmp(state, "ended") == 0) {
                const char *why = ctl_prop_text(o, "EndReason", "");
                progress(c, "Session ended%s%s", *why ? ": " : ".", why);
                c->end_reported = true;
        } else
                progress(c, "State: %s", state);
}

/* Re-read the session and decide whether the wait is over. */
static void session_check(struct ctl *c, bool until_ended)
{
        sd_bus_error e = SD_BUS_ERROR_NULL;
        struct ctl_object o = {};
        const char *state;
        int r;

        r = ctl_object_get_all(c->bus, c->session_path, CTL_SESSION_IFACE, &o, &e);
        sd_bus_error_free(&e);
        if (r < 0) {
                /* The object is gone: the session ended and was reported. */
                if (!c->end_reported)
                        progress(c, "Session ended (the session object is gone).");
                c->end_reported = true;
                c->result = until_ended ? EXIT_OK : EXIT_FAILED;
                (void) sd_event_exit(c->event, 0);
                return;
        }
        session_report_state(c, &o);
        state = ctl_prop_text(&o, "State", "");
        if (strcmp(state, "ended") == 0) {
                const char *why = ctl_prop_text(&o, "EndReason", "");
                /* A clean end (TEARDOWN, user stop) after a wait-until-ended is success. */
                c->result = until_ended ? EXIT_OK : EXIT_FAILED;
                if (!until_ended && strstr(why, "nsufficient"))
                        c->result = EXIT_REJECTED;
                (void) sd_event_exit(c->event, 0);
        } else if (!until_ended && strcmp(state, "playing") == 0) {
                if (c->json) {
                        ctl_object_print_json(stdout, &o);
                        fputc('\n', stdout);
                }
                c->result = EXIT_OK;
                (void) sd_event_exit(c->event, 0);
        }
        ctl_object_clear(&o);
}

static int on_session_changed_cast(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct ctl *c = userdata;

        if (c->session_path && strcmp(sd_bus_message_get_path(m), c->session_path) == 0)
                session_check(c, c->wait);
        return 0;
}

static int on_session_changed_wait_end(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct ctl *c = userdata;

        if (c->session_path && strcmp(sd_bus_message_get_path(m), c->session_path) == 0)
                session_check(c, true);
        return 0;
}

static int watch_session(struct ctl *c, sd_bus_message_handler_t cb, sd_bus_slot **ret_props,
                         sd_bus_slot **ret_removed)
{
        int r;

        r = sd_bus_match_signal(c->bus, ret_props, CTL_SERVICE, NULL, "org.freedesktop.DBus.Properties",
                                "PropertiesChanged", cb, c);
        if (r >= 0)
                r = sd_bus_match_signal(c->bus, ret_removed, CTL_SERVICE, CTL_ROOT_PATH,
                                        "org.freedesktop.DBus.ObjectManager", "InterfacesRemoved", cb, c);
        if (r < 0)
                return report_error("watching the session", r, NULL);
        return 0;
}

/* InterfacesRemoved carries the removed path as its first argument, not as the message path. */
static int on_removed_any(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct ctl *c = userdata;
        const char *path;

        if (sd_bus_message_read(m, "o", &path) >= 0 && c->session_path && strcmp(path, c->session_path) == 0)
                session_check(c, c->wait);
        return 0;
}

/* ---- PIN agent (cast --method pin without --pin) ------------------------------ */

/* "12345670" -> "1234 5670", as TVs show it. */
static void format_pin(const char *pin, char *buf, size_t size)
{
        if (strlen(pin) == 8)
                snprintf(buf, size, "%.4s %.4s", pin, pin + 4);
        else
                snprintf(buf, size, "%s", pin);
}

/*
 * Only miracastd may talk to our agent (on the system bus its D-Bus policy already says so; on
 * a session bus anyone of ours could). The methods are SD_BUS_VTABLE_UNPRIVILEGED with this
 * check instead of sd-bus's capability check, which would need the root daemon's credentials.
 */
static bool agent_caller_is_daemon(struct ctl *c, sd_bus_message *m)
{
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        const char *sender = sd_bus_message_get_sender(m), *owner;

        return sender && sd_bus_get_name_creds(c->bus, CTL_SERVICE, SD_BUS_CREDS_UNIQUE_NAME, &creds) >= 0 &&
               sd_bus_creds_get_unique_name(creds, &owner) >= 0 && strcmp(sender, owner) == 0;
}

#define AGENT_CHECK_CALLER(c, m)                                                                              \
        do {                                                                                                  \
                if (!agent_caller_is_daemon(c, m))                                                            \
                        return sd_bus_reply_method_errorf(m, SD_BUS_ERROR_ACCESS_DENIED,                      \
                                                          "Only " CTL_SERVICE " may call this agent");       \
        } while (0)

static int agent_display_pin(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        struct ctl *c = userdata;
        const char *sink, *pin;
        char shown[32];
        int r;

        AGENT_CHECK_CALLER(c, m);
        r = sd_bus_message_read(m, "os", &sink, &pin);
        if (r < 0)
                return r;
        format_pin(pin, shown, sizeof(shown));
        progress(c, "Enter PIN %s on the TV", shown);
        return sd_bus_reply_method_return(m, NULL);
}

static void agent_stop_reading(struct ctl *c)
{
        c->stdin_source = sd_event_source_disable_unref(c->stdin_source);
        c->pin_request = sd_bus_message_unref(c->pin_request);
        c->pin_len = 0;
}

/* A whole line (or end of input) arrived: answer RequestPinCode with it. */
static void agent_answer(struct ctl *c, bool eof)
{
        while (c->pin_len > 0 && (c->pin_buf[c->pin_len - 1] == '\n' || c->pin_buf[c->pin_len - 1] == '\r'))
                c->pin_len--;
        c->pin_buf[c->pin_len] = 0;
        if (c->pin_len == 0 && eof)
                (void) sd_bus_reply_method_errorf(c->pin_request, "org.miracastd.Error.Rejected",
                                                  "No PIN entered (end of input)");
        else
                (void) sd_bus_reply_method_return(c->pin_request, "s", c->pin_buf);
        agent_stop_reading(c);
}

/*
 * Read what stdin has (one read per wake-up, so a terminal or pipe never blocks the loop; a
 * regular file is read to the line end at once). True when the answer went out.
 */
static bool agent_read_stdin(struct ctl *c, bool whole_line)
{
        char *nl;
        ssize_t n;

        do {
                n = read(STDIN_FILENO, c->pin_buf + c->pin_len, sizeof(c->pin_buf) - 1 - c->pin_len);
                if (n < 0 && (errno == EAGAIN || errno == EINTR))
                        return false;
                if (n <= 0) {
                        agent_answer(c, true);
                        return true;
                }
                nl = memchr(c->pin_buf + c->pin_len, '\n', (size_t) n);
                c->pin_len = nl ? (size_t) (nl - c->pin_buf) : c->pin_len + (size_t) n;
                if (nl || c->pin_len + 1 >= sizeof(c->pin_buf)) {
                        agent_answer(c, false);  /* an overlong line is the daemon's to refuse */
                        return true;
                }
        } while (whole_line);
        return false;
}

static int on_stdin(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        struct ctl *c = userdata;

        if (c->pin_request)
                (void) agent_read_stdin(c, false);
        return 0;
}

static int agent_request_pin(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        struct ctl *c = userdata;
        const char *sink;
        int r;

        AGENT_CHECK_CALLER(c, m);
        r = sd_bus_message_read(m, "o", &sink);
        if (r < 0)
                return r;
        if (c->pin_request)
                return sd_bus_reply_method_errorf(m, "org.miracastd.Error.Busy", "Already asking for a PIN");
        c->pin_request = sd_bus_message_ref(m);
        c->pin_len = 0;
        fprintf(stderr, "The TV shows a PIN: type it and press Enter: ");
        fflush(stderr);
        r = sd_event_add_io(c->event, &c->stdin_source, STDIN_FILENO, EPOLLIN, on_stdin, c);
        if (r == -EPERM)
                /* stdin is a regular file (scripts, tests): reading it never blocks. */
                (void) agent_read_stdin(c, true);
        else if (r < 0) {
                agent_stop_reading(c);
                return sd_bus_reply_method_errorf(m, "org.miracastd.Error.Failed", "Cannot read the PIN: %s",
                                                  strerror(-r));
        }
        return 1;
}

static int agent_cancel(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        struct ctl *c = userdata;

        AGENT_CHECK_CALLER(c, m);
        if (c->pin_request) {
                fputc('\n', stderr);
                agent_stop_reading(c);
        }
        progress(c, "The daemon cancelled the PIN request.");
        return sd_bus_reply_method_return(m, NULL);
}

static int agent_release(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        return sd_bus_reply_method_return(m, NULL);
}

static const sd_bus_vtable agent_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_ARGS("DisplayPinCode", SD_BUS_ARGS("o", sink, "s", pin), SD_BUS_NO_RESULT,
                                agent_display_pin, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("RequestPinCode", SD_BUS_ARGS("o", sink), SD_BUS_RESULT("s", pin),
                                agent_request_pin, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Cancel", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, agent_cancel, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Release", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, agent_release,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END
};

/* Serve Agent1 at CTL_AGENT_PATH and register it for the duration of the cast. */
static int agent_register(struct ctl *c)
{
        sd_bus_error e = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_add_object_vtable(c->bus, &c->agent_slot, CTL_AGENT_PATH, CTL_AGENT_IFACE, agent_vtable, c);
        if (r < 0)
                return report_error("serving the PIN agent", r, NULL);
        r = sd_bus_call_method(c->bus, CTL_SERVICE, CTL_ROOT_PATH, CTL_MANAGER_IFACE, "RegisterAgent", &e, NULL, "o",
                               CTL_AGENT_PATH);
        if (r < 0) {
                r = report_error("registering the PIN agent", r, &e);
                sd_bus_error_free(&e);
                return r;
        }
        return 0;
}

static void agent_unregister(struct ctl *c)
{
        if (!c->agent_slot)
                return;
        agent_stop_reading(c);
        (void) sd_bus_call_method(c->bus, CTL_SERVICE, CTL_ROOT_PATH, CTL_MANAGER_IFACE, "UnregisterAgent", NULL, NULL,
                                  "o", CTL_AGENT_PATH);
        c->agent_slot = sd_bus_slot_unref(c->agent_slot);
}

/* A session in state connecting bound to our sink: the one our Cast() created. */
static bool is_our_pending_session(struct ctl *c, const struct ctl_object *o)
{
        return strcmp(ctl_prop_text(o, "Sink", ""), c->cast_sink) == 0 &&
               strcmp(ctl_prop_text(o, "State", ""), "connecting") == 0;
}

/* The session our Cast() created appears at once (state connecting): remember it, so an
 * interrupt before Cast() answers can stop it. */
static int on_session_added_cast(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct ctl *c = userdata;
        const char *path, *iface;

        if (c->pending_session || c->cast_reply || sd_bus_message_read(m, "o", &path) < 0 ||
            sd_bus_message_enter_container(m, 'a', "{sa{sv}}") < 0)
                return 0;
        while (sd_bus_message_enter_container(m, 'e', "sa{sv}") > 0) {
                struct ctl_object o = {};

                if (sd_bus_message_read(m, "s", &iface) < 0)
                        return 0;
                if (strcmp(iface, CTL_SESSION_IFACE) == 0 && ctl_read_props(m, &o.props, &o.n_props) >= 0 &&
                    is_our_pending_session(c, &o)) {
                        c->pending_session = strdup(path);
                        progress(c, "Session %s created, connecting (Ctrl-C cancels).", ctl_path_id(path));
                } else if (strcmp(iface, CTL_SESSION_IFACE) != 0)
                        (void) sd_bus_message_skip(m, "a{sv}");
                ctl_object_clear(&o);
                (void) sd_bus_message_exit_container(m);
        }
        return 0;
}

/* Ctrl-C or SIGTERM while Cast() is pending: the cast is persistent (it must outlive us once it
 * plays), so stop its session ourselves rather than leave a connect going on. */
static int on_cast_interrupt(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        struct ctl *c = userdata;

        c->interrupted = true;
        if (!c->pending_session) {
                /* Its InterfacesAdded may still wait in the queue: ask. */
                struct ctl_object *objs = NULL;
                size_t n = 0;

                if (get_objects(c, CTL_SESSION_IFACE, &objs, &n) == 0) {
                        for (size_t i = 0; i < n && !c->pending_session; i++)
                                if (is_our_pending_session(c, &objs[i]))
                                        c->pending_session = strdup(objs[i].path);
                        ctl_objects_free(objs, n);
                }
        }
        if (c->pending_session) {
                progress(c, "Interrupted: stopping session %s.", ctl_path_id(c->pending_session));
                (void) sd_bus_call_method(c->bus, CTL_SERVICE, c->pending_session, CTL_SESSION_IFACE, "Stop", NULL,
                                          NULL, NULL);
        }
        return sd_event_exit(c->event, EXIT_FAILED);
}

static int on_cast_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct ctl *c = userdata;

        c->cast_reply = sd_bus_message_ref(m);
        return 0;
}

static int cmd_cast(struct ctl *c, int argc, char **argv)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *props_slot = NULL, *removed_slot = NULL, *cast_slot = NULL,
                                          *added_slot = NULL;
        _cleanup_(sd_event_source_unrefp) sd_event_source *int_source = NULL, *term_source = NULL;
        _cleanup_free_ char *sink = NULL;
        const char *session;
        bool timed_out = false;
        int r;

        if (argc != 2) {
                err("cast wants one SINK (id, address, name or object path; see: miracastctl sinks)");
                return EXIT_USAGE;
        }
        r = resolve_sink(c, argv[1], &sink);
        if (r < 0)
                return -r;
        r = ctl_attach_event(c);
        if (r)
                return r;
        r = sd_bus_match_signal(c->bus, &props_slot, CTL_SERVICE, NULL, "org.freedesktop.DBus.Properties",
                                "PropertiesChanged", on_session_changed_cast, c);
        if (r >= 0)
                r = sd_bus_match_signal(c->bus, &removed_slot, CTL_SERVICE, CTL_ROOT_PATH,
                                        "org.freedesktop.DBus.ObjectManager", "InterfacesRemoved", on_removed_any, c);
        if (r >= 0)
                r = sd_bus_match_signal(c->bus, &added_slot, CTL_SERVICE, CTL_ROOT_PATH,
                                        "org.freedesktop.DBus.ObjectManager", "InterfacesAdded", on_session_added_cast,
                                        c);
        if (r < 0)
                return report_error("watching the session", r, NULL);
        c->cast_sink = sink;
        /* Until Cast() answers, an interrupt stops the session (see on_cast_interrupt). */
        c->sigint = sd_event_source_disable_unref(c->sigint);
        c->sigterm = sd_event_source_disable_unref(c->sigterm);
        r = sd_event_add_signal(c->event, &int_source, SIGINT, on_cast_interrupt, c);
        if (r >= 0)
                r = sd_event_add_signal(c->event, &term_source, SIGTERM, on_cast_interrupt, c);
        if (r < 0)
                return report_error("watching signals", r, NULL);

        r = sd_bus_message_new_method_call(c->bus, &call, CTL_SERVICE, sink, CTL_SINK_IFACE, "Cast");
        if (r >= 0)
                r = sd_bus_message_open_container(call, 'a', "{sv}");
        if (r >= 0 && c->output)
                r = sd_bus_message_append(call, "{sv}", "output", "s", c->output);
        if (r >= 0 && c->max_res)
                r = sd_bus_message_append(call, "{sv}", "max-resolution", "s", c->max_res);
        if (r >= 0 && c->method)
                r = sd_bus_message_append(call, "{sv}", "method", "s", c->method);
        if (r >= 0 && c->pin)
                r = sd_bus_message_append(call, "{sv}", "pin", "s", c->pin);
        /* We exit once it plays: the cast outlives us. With --wait it ends with us (Ctrl-C stops it). */
        if (r >= 0 && !c->wait)
                r = sd_bus_message_append(call, "{sv}", "persistent", "b", 1);
        if (r >= 0)
                r = sd_bus_message_close_container(call);
        if (r >= 0)
                r = sd_bus_message_set_allow_interactive_authorization(call, isatty(STDIN_FILENO));
        if (r < 0)
                return report_error("building the Cast call", r, NULL);

        /* PIN without a PIN: we are the agent that shows ours or asks for the TV's. */
        if (c->method && strcmp(c->method, "pin") == 0 && !c->pin) {
                r = agent_register(c);
                if (r)
                        return r;
        }

        progress(c, "Casting to %s...", argv[1]);
        /* Asynchronous, so the loop serves the agent while the group forms. */
        r = sd_bus_call_async(c->bus, &cast_slot, call, on_cast_reply, c, 120 * USEC_PER_SEC);
        if (r < 0) {
                agent_unregister(c);
                return report_error("cast failed", r, NULL);
        }
        while (!c->cast_reply) {
                r = sd_event_run(c->event, UINT64_MAX);
                if (r < 0 || sd_event_get_state(c->event) == SD_EVENT_FINISHED)
                        break;
        }
        agent_unregister(c);
        reply = steal_ptr(c->cast_reply);
        if (!reply) {
                err("cast interrupted before the daemon answered%s",
                    c->pending_session ? "; the session was stopped" : "");
                return EXIT_FAILED;
        }
        /* From here on an interrupt just leaves (the session, persistent unless --wait, goes on). */
        int_source = sd_event_source_disable_unref(int_source);
        term_source = sd_event_source_disable_unref(term_source);
        (void) sd_event_add_signal(c->event, &c->sigint, SIGINT, NULL, NULL);
        (void) sd_event_add_signal(c->event, &c->sigterm, SIGTERM, NULL, NULL);
        if (sd_bus_message_is_method_error(reply, NULL))
                return report_error("cast failed", sd_bus_message_get_errno(reply), sd_bus_message_get_error(reply));
        r = sd_bus_message_read(reply, "o", &session);
        if (r < 0)
                return report_error("reading the Cast reply", r, NULL);
        free(c->session_path);
        c->session_path = strdup(session);
        if (!c->session_path)
                return EXIT_FAILED;
        progress(c, "Session %s created (%s).", ctl_path_id(session), session);
        if (c->no_wait)
                return EXIT_OK;

        c->result = -1;                 /* no verdict yet; session_check() sets one */
        session_check(c, c->wait);
        if (c->result < 0)
                (void) ctl_loop(c, c->timeout_usec ? c->timeout_usec : 90 * USEC_PER_SEC, &timed_out);
        if (timed_out) {
                err("session %s still %s after %" PRIu64 " s; it keeps running (miracastctl stop %s ends it)",
                    ctl_path_id(session), c->last_state[0] ? c->last_state : "starting",
                    (c->timeout_usec ? c->timeout_usec : 90 * USEC_PER_SEC) / USEC_PER_SEC, ctl_path_id(session));
                return EXIT_TIMEOUT;
        }
        return c->result < 0 ? EXIT_FAILED : c->result;
}

static int call_session_method(struct ctl *c, const char *path, const char *method, const char *what,
                               const char *types, uint32_t arg)
{
        sd_bus_error e = SD_BUS_ERROR_NULL;
        int r;

        if (types)
                r = sd_bus_call_method(c->bus, CTL_SERVICE, path, CTL_SESSION_IFACE, method, &e, NULL, types, arg);
        else
                r = sd_bus_call_method(c->bus, CTL_SERVICE, path, CTL_SESSION_IFACE, method, &e, NULL, NULL);
        if (r < 0) {
                r = report_error(what, r, &e);
                sd_bus_error_free(&e);
                return r;
        }
        return 0;
}

static int cmd_stop(struct ctl *c, int argc, char **argv)
{
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *props_slot = NULL, *removed_slot = NULL;
        bool timed_out = false;
        int r;

        if (argc > 2) {
                err("stop takes at most one SESSION");
                return EXIT_USAGE;
        }
        r = resolve_session(c, argc == 2 ? argv[1] : NULL, &c->session_path);
        if (r < 0)
                return -r;
        r = ctl_attach_event(c);
        if (r)
                return r;
        r = watch_session(c, on_session_changed_wait_end, &props_slot, &removed_slot);
        if (r)
                return r;
        sd_bus_slot_unref(removed_slot);
        removed_slot = NULL;
        r = sd_bus_match_signal(c->bus, &removed_slot, CTL_SERVICE, CTL_ROOT_PATH,
                                "org.freedesktop.DBus.ObjectManager", "InterfacesRemoved", on_removed_any, c);
        if (r < 0)
                return report_error("watching the session", r, NULL);
        c->wait = true;

        r = call_session_method(c, c->session_path, "Stop", "stop failed", NULL, 0);
        if (r)
                return r;
        progress(c, "Stopping session %s...", ctl_path_id(c->session_path));
        if (c->no_wait)
                return EXIT_OK;
        c->result = -1;                 /* no verdict yet; session_check() sets one */
        session_check(c, true);
        if (c->result < 0)
                (void) ctl_loop(c, c->timeout_usec ? c->timeout_usec : 10 * USEC_PER_SEC, &timed_out);
        if (timed_out) {
                err("session %s did not end within %" PRIu64 " s", ctl_path_id(c->session_path),
                    (c->timeout_usec ? c->timeout_usec : 10 * USEC_PER_SEC) / USEC_PER_SEC);
                return EXIT_TIMEOUT;
        }
        if (c->result < 0) {
                /* The loop ended without a verdict (a signal): say where the session stands. */
                session_check(c, true);
                if (c->result < 0) {
                        err("session %s is still %s", ctl_path_id(c->session_path), c->last_state);
                        return EXIT_FAILED;
                }
        }
        if (!c->end_reported)
                progress(c, "Session %s ended.", ctl_path_id(c->session_path));
        return c->result;
}

static int cmd_simple_session(struct ctl *c, int argc, char **argv)
{
        const char *method = strcmp(argv[0], "pause") == 0    ? "Pause"
                             : strcmp(argv[0], "resume") == 0 ? "Resume"
                                                              : "RequestIdr";
        char what[64];
        int r;

        if (argc > 2) {
                err("%s takes at most one SESSION", argv[0]);
                return EXIT_USAGE;
        }
        r = resolve_session(c, argc == 2 ? argv[1] : NULL, &c->session_path);
        if (r < 0)
                return -r;
        snprintf(what, sizeof(what), "%s failed", argv[0]);
        return call_session_method(c, c->session_path, method, what, NULL, 0);
}

static int cmd_bitrate(struct ctl *c, int argc, char **argv)
{
        unsigned long long bps;
        char *end;
        int r;

        if (argc < 2 || argc > 3) {
                err("bitrate wants BITS_PER_SECOND [SESSION]");
                return EXIT_USAGE;
        }
        errno = 0;
        bps = strtoull(argv[1], &end, 10);
        if (errno || end == argv[1] || bps == 0 || bps > UINT32_MAX) {
                err("\"%s\" is not a bit rate in bit/s (e.g. 8000000)", argv[1]);
                return EXIT_USAGE;
        }
        if (*end == 'k' || *end == 'K')
                bps *= 1000, end++;
        else if (*end == 'M' || *end == 'm')
                bps *= 1000000, end++;
        if (*end || bps > UINT32_MAX) {
                err("\"%s\" is not a bit rate in bit/s (e.g. 8000000, 8M)", argv[1]);
                return EXIT_USAGE;
        }
        r = resolve_session(c, argc == 3 ? argv[2] : NULL, &c->session_path);
        if (r < 0)
                return -r;
        return call_session_method(c, c->session_path, "SetBitrate", "setting the bit rate failed", "u",
                                   (uint32_t) bps);
}

static int cmd_listen(struct ctl *c, int argc, char **argv)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        sd_bus_error e = SD_BUS_ERROR_NULL;
        const char *listening;
        int r;

        if (argc != 2) {
                err("listen wants one ADDRESS[:PORT], e.g. 0.0.0.0:7236");
                return EXIT_USAGE;
        }
        r = sd_bus_message_new_method_call(c->bus, &call, CTL_SERVICE, CTL_ROOT_PATH, CTL_MANAGER_IFACE, "Listen");
        if (r >= 0)
                r = sd_bus_message_append(call, "s", argv[1]);
        if (r >= 0)
                r = sd_bus_message_open_container(call, 'a', "{sv}");
        if (r >= 0 && c->peer)
                r = sd_bus_message_append(call, "{sv}", "allowed-peer", "s", c->peer);
        if (r >= 0)
                r = sd_bus_message_close_container(call);
        if (r >= 0)
                r = sd_bus_message_set_allow_interactive_authorization(call, isatty(STDIN_FILENO));
        if (r < 0)
                return report_error("building the Listen call", r, NULL);
        r = sd_bus_call(c->bus, call, 0, &e, &reply);
        if (r < 0) {
                r = report_error("listen failed", r, &e);
                sd_bus_error_free(&e);
                return r;
        }
        r = sd_bus_message_read(reply, "s", &listening);
        if (r < 0)
                return report_error("reading the Listen reply", r, NULL);
        if (c->json) {
                fputs("{\"listening\":", stdout);
                ctl_json_string(stdout, listening);
                fputs("}\n", stdout);
        } else
                printf("Listening on %s%s%s\n", listening, c->peer ? " for " : "", c->peer ? c->peer : "");
        return EXIT_OK;
}

/* status --watch: one line per interval with rates computed from Statistics. */
struct watch_state {
        struct ctl *c;
        sd_event_source *timer;
        uint64_t last_frames, last_bytes, last_usec;
        bool have_last;
};

static uint64_t prop_u64(const struct ctl_object *o, const char *stat)
{
        const struct ctl_prop *p = ctl_props_find(o, "Statistics");
        const char *s;
        char pat[64];

        if (!p)
                return 0;
        snprintf(pat, sizeof(pat), "%s=", stat);
        s = strstr(p->text, pat);
        return s ? strtoull(s + strlen(pat), NULL, 10) : 0;
}

static uint64_t now_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000u;
}

static int on_watch_tick(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct watch_state *w = userdata;
        struct ctl *c = w->c;
        sd_bus_error e = SD_BUS_ERROR_NULL;
        struct ctl_object o = {};
        uint64_t frames, bytes, t = now_usec();
        double fps = 0, mbps = 0;
        char mode[64];
        int r;

        r = ctl_object_get_all(c->bus, c->session_path, CTL_SESSION_IFACE, &o, &e);
        sd_bus_error_free(&e);
        if (r < 0) {
                progress(c, "Session %s is gone.", ctl_path_id(c->session_path));
                c->result = EXIT_OK;
                return sd_event_exit(c->event, 0);
        }
        frames = prop_u64(&o, "frames");
        bytes = prop_u64(&o, "bytes");
        if (w->have_last && t > w->last_usec) {
                double dt = (double) (t - w->last_usec) / USEC_PER_SEC;
                fps = (double) (frames - w->last_frames) / dt;
                mbps = (double) (bytes - w->last_bytes) * 8 / dt / 1e6;
        }
        w->last_frames = frames, w->last_bytes = bytes, w->last_usec = t, w->have_last = true;

        if (c->json) {
                ctl_object_print_json(stdout, &o);
                fputc('\n', stdout);
        } else {
                format_mode(&o, mode, sizeof(mode));
                printf("%-8s %-14s frames=%-7" PRIu64 " fps=%5.1f rate=%6.2f Mbit/s drops=%" PRIu64
                       " latency p50=%.1f ms p99=%.1f ms uptime=%.1f s\n",
                       ctl_prop_text(&o, "State", "?"), mode, frames, fps, mbps, prop_u64(&o, "drops"),
                       (double) prop_u64(&o, "latency-p50-usec") / 1000, (double) prop_u64(&o, "latency-p99-usec") / 1000,
                       (double) prop_u64(&o, "uptime-usec") / USEC_PER_SEC);
                /* sessions with audio: what plays, how loud, and whether the input keeps up */
                {
                        const char *st = ctl_prop_text(&o, "Statistics", ""), *in = strstr(st, "audio-input="),
                                   *lvl = strstr(st, "audio-level-dbfs=");

                        if (in && in[strlen("audio-input=")] != ' ' && lvl)
                                printf("         audio=%.*s level=%.1f dBFS underruns=%" PRIu64 "\n",
                                       (int) strcspn(in + strlen("audio-input="), " "), in + strlen("audio-input="),
                                       strtod(lvl + strlen("audio-level-dbfs="), NULL), prop_u64(&o, "audio-underruns"));
                }
                /* Wi-Fi Direct sessions: the polled link rate and the bit rate that follows it */
                if (prop_u64(&o, "link-rate-bps") > 0)
                        printf("         link=%.0f Mbit/s bitrate=%.2f Mbit/s\n", (double) prop_u64(&o, "link-rate-bps") / 1e6,
                               (double) strtoull(ctl_prop_text(&o, "Bitrate", "0"), NULL, 10) / 1e6);
        }
        fflush(stdout);
        if (strcmp(ctl_prop_text(&o, "State", ""), "ended") == 0) {
                const char *why = ctl_prop_text(&o, "EndReason", "");
                progress(c, "Session ended%s%s", *why ? ": " : ".", why);
                ctl_object_clear(&o);
                c->result = EXIT_OK;
                return sd_event_exit(c->event, 0);
        }
        ctl_object_clear(&o);
        return sd_event_source_set_time_relative(s, (uint64_t) (c->interval_sec * USEC_PER_SEC));
}

static int cmd_status(struct ctl *c, int argc, char **argv)
{
        struct ctl_object *objs = NULL;
        size_t n = 0;
        int r;

        if (argc > 2) {
                err("status takes at most one SESSION");
                return EXIT_USAGE;
        }
        if (c->watch) {
                struct watch_state w = { .c = c };

                r = resolve_session(c, argc == 2 ? argv[1] : NULL, &c->session_path);
                if (r < 0)
                        return -r;
                r = ctl_attach_event(c);
                if (r)
                        return r;
                r = sd_event_add_time_relative(c->event, &w.timer, CLOCK_MONOTONIC, 0, 0, on_watch_tick, &w);
                if (r >= 0)
                        r = sd_event_source_set_enabled(w.timer, SD_EVENT_ON);
                if (r < 0)
                        return report_error("arming a timer", r, NULL);
                (void) ctl_loop(c, c->timeout_usec, NULL);
                sd_event_source_disable_unref(w.timer);
                return c->result == EXIT_TIMEOUT ? EXIT_OK : c->result < 0 ? EXIT_OK : c->result;
        }

        if (argc == 2) {
                sd_bus_error e = SD_BUS_ERROR_NULL;
                struct ctl_object o = {};

                r = resolve_session(c, argv[1], &c->session_path);
                if (r < 0)
                        return -r;
                r = ctl_object_get_all(c->bus, c->session_path, CTL_SESSION_IFACE, &o, &e);
                if (r < 0) {
                        char what[128];
                        snprintf(what, sizeof(what), "session %s", argv[1]);
                        r = report_error(what, r, &e);
                        sd_bus_error_free(&e);
                        return r;
                }
                if (c->json) {
                        ctl_object_print_json(stdout, &o);
                        fputc('\n', stdout);
                } else
                        print_session_status(&o);
                ctl_object_clear(&o);
                return EXIT_OK;
        }

        /* No session named: the manager and every session. */
        r = get_objects(c, CTL_SESSION_IFACE, &objs, &n);
        if (r < 0)
                return -r;
        if (c->json)
                print_json_array(objs, n);
        else {
                r = cmd_info(c, 1, argv);
                if (r) {
                        ctl_objects_free(objs, n);
                        return r;
                }
                if (n == 0)
                        printf("\nNo sessions.\n");
                for (size_t i = 0; i < n; i++) {
                        putchar('\n');
                        print_session_status(&objs[i]);
                }
        }
        ctl_objects_free(objs, n);
        return EXIT_OK;
}

static void help(void)
{
        printf("Usage: %s [OPTIONS] COMMAND [ARGS]\n\n"
               "Control miracastd, the Miracast (Wi-Fi Display) source daemon, over D-Bus.\n\n"
               "Commands:\n"
               "  info                      daemon version, backend, encoders, capture outputs\n"
               "  scan                      discover sinks (for --timeout, default 10 s), then list each once\n"
               "  sinks                     list known sinks\n"
               "  cast SINK                 cast to SINK (id, address, name or path); shows progress and\n"
               "                            returns once the session plays (--wait: once it ends)\n"
               "  sessions                  list sessions\n"
               "  status [SESSION]          session properties and statistics (--watch: live)\n"
               "  stop [SESSION]            end a session (TEARDOWN) and wait until it ended\n"
               "  pause|resume|idr [SESSION] pause, resume, or ask the encoder for a keyframe\n"
               "  bitrate BPS [SESSION]     set the video bit rate (8000000, 8M, 800k)\n"
               "  listen ADDRESS[:PORT]     accept sinks that connect to ADDRESS (7236 by default)\n\n"
               "SESSION is a number from `sessions` or an object path; it may be left out when\n"
               "exactly one session is running.\n\n"
               "Options:\n"
               "  --bus system|session|ADDRESS  bus to use (default system; $MIRACASTCTL_BUS)\n"
               "  --json                    machine-readable output (one JSON document or line)\n"
               "  --output NAME             cast: capture this output (connector, e.g. HDMI-A-1)\n"
               "  --max-res WxH             cast: largest resolution to negotiate\n"
               "  --method pbc|pin, --pin N cast: Wi-Fi Direct provisioning; --method pin without --pin\n"
               "                            shows the PIN to enter on the TV, or asks on stdin for the\n"
               "                            PIN the TV shows (a PIN agent for the time of the cast)\n"
               "  --peer IP                 listen: accept only this peer address\n"
               "  --watch                   status: refresh every --interval seconds (default 1)\n"
               "  --interval SEC            status --watch period\n"
               "  --wait                    cast: keep following the session until it ends; the cast is\n"
               "                            then bound to miracastctl (Ctrl-C stops it); without --wait it\n"
               "                            goes on after miracastctl returns (Cast option persistent)\n"
               "  --no-wait                 cast/stop: return right after the call\n"
               "  --timeout SEC             how long scan/cast/stop wait\n"
               "  -h --help, --version\n\n"
               "Exit status: 0 ok, 1 failed, 2 usage or invalid arguments, 3 miracastd not reachable,\n"
               "4 not authorized, 5 sink/session not found, 6 timeout, 7 busy, 8 sink rejected us or\n"
               "no common format.\n",
               arg0);
}

static const struct {
        const char *name;
        int (*fn)(struct ctl *c, int argc, char **argv);
        int min_args, max_args;
} commands[] = {
        { "info", cmd_info, 0, 0 },          { "scan", cmd_scan, 0, 0 },
        { "sinks", cmd_sinks, 0, 0 },        { "cast", cmd_cast, 1, 1 },
        { "sessions", cmd_sessions, 0, 0 },  { "status", cmd_status, 0, 1 },
        { "stop", cmd_stop, 0, 1 },          { "pause", cmd_simple_session, 0, 1 },
        { "resume", cmd_simple_session, 0, 1 }, { "idr", cmd_simple_session, 0, 1 },
        { "bitrate", cmd_bitrate, 1, 2 },    { "listen", cmd_listen, 1, 1 },
};

static int parse_seconds(const char *arg, const char *what, double *ret)
{
        char *end;
        double v;

        errno = 0;
        v = strtod(arg, &end);
        if (errno || end == arg || *end || v <= 0 || v > 86400) {
                err("invalid %s \"%s\" (seconds, > 0)", what, arg);
                return -EINVAL;
        }
        *ret = v;
        return 0;
}

int main(int argc, char **argv)
{
        enum { ARG_BUS = 0x100, ARG_JSON, ARG_OUTPUT, ARG_MAX_RES, ARG_METHOD, ARG_PIN, ARG_PEER, ARG_WATCH,
               ARG_INTERVAL, ARG_WAIT, ARG_NO_WAIT, ARG_TIMEOUT, ARG_VERSION };
        static const struct option longopts[] = {
                { "bus", required_argument, NULL, ARG_BUS },
                { "json", no_argument, NULL, ARG_JSON },
                { "output", required_argument, NULL, ARG_OUTPUT },
                { "max-res", required_argument, NULL, ARG_MAX_RES },
                { "method", required_argument, NULL, ARG_METHOD },
                { "pin", required_argument, NULL, ARG_PIN },
                { "peer", required_argument, NULL, ARG_PEER },
                { "watch", no_argument, NULL, ARG_WATCH },
                { "interval", required_argument, NULL, ARG_INTERVAL },
                { "wait", no_argument, NULL, ARG_WAIT },
                { "no-wait", no_argument, NULL, ARG_NO_WAIT },
                { "timeout", required_argument, NULL, ARG_TIMEOUT },
                { "version", no_argument, NULL, ARG_VERSION },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        struct ctl c = { .interval_sec = 1.0, .result = -1 };
        double secs;
        int opt, r;

        c.bus_spec = getenv("MIRACASTCTL_BUS") ?: "system";
        while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) >= 0) {
                switch (opt) {
                case ARG_BUS:
                        c.bus_spec = optarg;
                        break;
                case ARG_JSON:
                        c.json = true;
                        break;
                case ARG_OUTPUT:
                        c.output = optarg;
                        break;
                case ARG_MAX_RES: {
                        unsigned w, h;
                        char tail;
                        if (sscanf(optarg, "%ux%u%c", &w, &h, &tail) != 2 || w == 0 || h == 0 || w > 16384 ||
                            h > 16384) {
                                err("--max-res wants WIDTHxHEIGHT, e.g. 1280x720, got \"%s\"", optarg);
                                return EXIT_USAGE;
                        }
                        c.max_res = optarg;
                        break;
                }
                case ARG_METHOD:
                        if (strcmp(optarg, "pbc") != 0 && strcmp(optarg, "pin") != 0) {
                                err("--method wants pbc or pin, got \"%s\"", optarg);
                                return EXIT_USAGE;
                        }
                        c.method = optarg;
                        break;
                case ARG_PIN:
                        c.pin = optarg;
                        break;
                case ARG_PEER:
                        c.peer = optarg;
                        break;
                case ARG_WATCH:
                        c.watch = true;
                        break;
                case ARG_INTERVAL:
                        if (parse_seconds(optarg, "--interval", &c.interval_sec) < 0)
                                return EXIT_USAGE;
                        break;
                case ARG_WAIT:
                        c.wait = true;
                        break;
                case ARG_NO_WAIT:
                        c.no_wait = true;
                        break;
                case ARG_TIMEOUT:
                        if (parse_seconds(optarg, "--timeout", &secs) < 0)
                                return EXIT_USAGE;
                        c.timeout_usec = (uint64_t) (secs * USEC_PER_SEC);
                        break;
                case ARG_VERSION:
                        printf("miracastctl 0.1\n");
                        return EXIT_OK;
                case 'h':
                        help();
                        return EXIT_OK;
                default:
                        fprintf(stderr, "Try '%s --help'.\n", arg0);
                        return EXIT_USAGE;
                }
        }
        if (optind >= argc) {
                err("no command given (try: %s --help)", arg0);
                return EXIT_USAGE;
        }

        for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
                int nargs = argc - optind - 1;

                if (strcmp(commands[i].name, argv[optind]) != 0)
                        continue;
                if (nargs < commands[i].min_args || nargs > commands[i].max_args) {
                        err("wrong number of arguments for \"%s\" (try: %s --help)", commands[i].name, arg0);
                        return EXIT_USAGE;
                }
                r = ctl_open_bus(&c);
                if (r == 0)
                        r = commands[i].fn(&c, argc - optind, argv + optind);
                free(c.session_path);
                ctl_objects_free(c.scan, c.n_scan);
                c.stdin_source = sd_event_source_disable_unref(c.stdin_source);
                c.pin_request = sd_bus_message_unref(c.pin_request);
                c.cast_reply = sd_bus_message_unref(c.cast_reply);
                c.agent_slot = sd_bus_slot_unref(c.agent_slot);
                free(c.pending_session);
                c.sigint = sd_event_source_unref(c.sigint);
                c.sigterm = sd_event_source_unref(c.sigterm);
                c.bus = sd_bus_flush_close_unref(c.bus);
                c.event = sd_event_unref(c.event);
                return r;
        }
        err("unknown command \"%s\" (try: %s --help)", argv[optind], arg0);
        return EXIT_USAGE;
}
