/* SPDX-License-Identifier: GPL-2.0-or-later */
/* miracastctl.h: following a session's state; the verbs on a running session (stop, pause, resume, idr, bitrate). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../protocol/macro.h"
#include "miracastctl.h"

/* Follow a session's State until playing (or ended with wait): PropertiesChanged + removal. */
static void session_report_state(struct ctl *c, const struct ctl_object *o)
{
        const char *state = ctl_prop_text(o, "State", "");
        char mode[64];

        if (strcmp(state, c->last_state) == 0)
                return;
        snprintf(c->last_state, sizeof(c->last_state), "%s", state);
        ctl_format_mode(o, mode, sizeof(mode));
        if (strcmp(state, "connecting") == 0)
                ctl_progress(c, "Connecting to the sink (Wi-Fi Direct group, RTSP connection)...");
        else if (strcmp(state, "negotiating") == 0)
                ctl_progress(c, "Negotiating formats with the sink (RTSP M1-M7)...");
        else if (strcmp(state, "playing") == 0)
                ctl_progress(c, "Playing: %s %s, encoder %s, audio %s, %s bit/s (session %s)", mode,
                             ctl_prop_text(o, "VideoCodec", "?"), ctl_prop_text(o, "Encoder", "?"),
                             ctl_prop_text(o, "AudioCodec", "none"), ctl_prop_text(o, "Bitrate", "?"),
                             ctl_path_id(o->path));
        else if (strcmp(state, "paused") == 0)
                ctl_progress(c, "Paused.");
        else if (strcmp(state, "ending") == 0)
                ctl_progress(c, "Ending...");
        else if (strcmp(state, "ended") == 0) {
                const char *why = ctl_prop_text(o, "EndReason", "");
                ctl_progress(c, "Session ended%s%s", *why ? ": " : ".", why);
                c->end_reported = true;
        } else
                ctl_progress(c, "State: %s", state);
}

/* Re-read the session and decide whether the wait is over. */
void ctl_session_check(struct ctl *c, bool until_ended)
{
        sd_bus_error e = SD_BUS_ERROR_NULL;
        struct ctl_object o = {};
        const char *state;
        int r;

        r = ctl_object_get_all(c->bus, c->session_path, BUS_SESSION_IFACE, &o, &e);
        sd_bus_error_free(&e);
        if (r < 0) {
                /* The object is gone: the session ended and was reported. */
                if (!c->end_reported)
                        ctl_progress(c, "Session ended (the session object is gone).");
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

static int on_session_changed_wait_end(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct ctl *c = userdata;

        if (c->session_path && strcmp(sd_bus_message_get_path(m), c->session_path) == 0)
                ctl_session_check(c, true);
        return 0;
}

static int watch_session(struct ctl *c, sd_bus_message_handler_t cb, sd_bus_slot **ret_props,
                         sd_bus_slot **ret_removed)
{
        int r;

        r = sd_bus_match_signal(c->bus, ret_props, BUS_NAME, NULL, "org.freedesktop.DBus.Properties",
                                "PropertiesChanged", cb, c);
        if (r >= 0)
                r = sd_bus_match_signal(c->bus, ret_removed, BUS_NAME, BUS_ROOT_PATH,
                                        "org.freedesktop.DBus.ObjectManager", "InterfacesRemoved", cb, c);
        if (r < 0)
                return ctl_report_error("watching the session", r, NULL);
        return 0;
}

/* InterfacesRemoved carries the removed path as its first argument, not as the message path. */
int ctl_on_session_removed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct ctl *c = userdata;
        const char *path;

        if (sd_bus_message_read(m, "o", &path) >= 0 && c->session_path && strcmp(path, c->session_path) == 0)
                ctl_session_check(c, c->wait);
        return 0;
}

static int call_session_method(struct ctl *c, const char *path, const char *method, const char *what,
                               const char *types, uint32_t arg)
{
        sd_bus_error e = SD_BUS_ERROR_NULL;
        int r;

        if (types)
                r = sd_bus_call_method(c->bus, BUS_NAME, path, BUS_SESSION_IFACE, method, &e, NULL, types, arg);
        else
                r = sd_bus_call_method(c->bus, BUS_NAME, path, BUS_SESSION_IFACE, method, &e, NULL, NULL);
        if (r < 0) {
                r = ctl_report_error(what, r, &e);
                sd_bus_error_free(&e);
                return r;
        }
        return 0;
}

int cmd_stop(struct ctl *c, int argc, char **argv)
{
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *props_slot = NULL, *removed_slot = NULL;
        bool timed_out = false;
        int r;

        if (argc > 2) {
                ctl_err("stop takes at most one SESSION");
                return EXIT_USAGE;
        }
        r = ctl_resolve_session(c, argc == 2 ? argv[1] : NULL, &c->session_path);
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
        r = sd_bus_match_signal(c->bus, &removed_slot, BUS_NAME, BUS_ROOT_PATH,
                                "org.freedesktop.DBus.ObjectManager", "InterfacesRemoved", ctl_on_session_removed,
                                c);
        if (r < 0)
                return ctl_report_error("watching the session", r, NULL);
        c->wait = true;

        r = call_session_method(c, c->session_path, "Stop", "stop failed", NULL, 0);
        if (r)
                return r;
        ctl_progress(c, "Stopping session %s...", ctl_path_id(c->session_path));
        if (c->no_wait)
                return EXIT_OK;
        c->result = -1;                 /* no verdict yet; ctl_session_check() sets one */
        ctl_session_check(c, true);
        if (c->result < 0)
                (void) ctl_loop(c, c->timeout_usec ? c->timeout_usec : 10 * USEC_PER_SEC, &timed_out);
        if (timed_out) {
                ctl_err("session %s did not end within %" PRIu64 " s", ctl_path_id(c->session_path),
                        (c->timeout_usec ? c->timeout_usec : 10 * USEC_PER_SEC) / USEC_PER_SEC);
                return EXIT_TIMEOUT;
        }
        if (c->result < 0) {
                /* The loop ended without a verdict (a signal): say where the session stands. */
                ctl_session_check(c, true);
                if (c->result < 0) {
                        ctl_err("session %s is still %s", ctl_path_id(c->session_path), c->last_state);
                        return EXIT_FAILED;
                }
        }
        if (!c->end_reported)
                ctl_progress(c, "Session %s ended.", ctl_path_id(c->session_path));
        return c->result;
}

int cmd_simple_session(struct ctl *c, int argc, char **argv)
{
        const char *method = strcmp(argv[0], "pause") == 0    ? "Pause"
                             : strcmp(argv[0], "resume") == 0 ? "Resume"
                                                              : "RequestIdr";
        char what[64];
        int r;

        if (argc > 2) {
                ctl_err("%s takes at most one SESSION", argv[0]);
                return EXIT_USAGE;
        }
        r = ctl_resolve_session(c, argc == 2 ? argv[1] : NULL, &c->session_path);
        if (r < 0)
                return -r;
        snprintf(what, sizeof(what), "%s failed", argv[0]);
        return call_session_method(c, c->session_path, method, what, NULL, 0);
}

int cmd_bitrate(struct ctl *c, int argc, char **argv)
{
        unsigned long long bps;
        char *end;
        int r;

        if (argc < 2 || argc > 3) {
                ctl_err("bitrate wants BITS_PER_SECOND [SESSION]");
                return EXIT_USAGE;
        }
        errno = 0;
        bps = strtoull(argv[1], &end, 10);
        if (errno || end == argv[1] || bps == 0 || bps > UINT32_MAX) {
                ctl_err("\"%s\" is not a bit rate in bit/s (e.g. 8000000)", argv[1]);
                return EXIT_USAGE;
        }
        if (*end == 'k' || *end == 'K')
                bps *= 1000, end++;
        else if (*end == 'M' || *end == 'm')
                bps *= 1000000, end++;
        if (*end || bps > UINT32_MAX) {
                ctl_err("\"%s\" is not a bit rate in bit/s (e.g. 8000000, 8M)", argv[1]);
                return EXIT_USAGE;
        }
        r = ctl_resolve_session(c, argc == 3 ? argv[2] : NULL, &c->session_path);
        if (r < 0)
                return -r;
        return call_session_method(c, c->session_path, "SetBitrate", "setting the bit rate failed", "u",
                                   (uint32_t) bps);
}
