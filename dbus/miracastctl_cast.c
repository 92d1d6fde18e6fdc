/* SPDX-License-Identifier: GPL-2.0-or-later */
/* miracastctl.h: cast: the Sink1.Cast() call, its progress, Ctrl-C before it answers. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../protocol/macro.h"
#include "miracastctl.h"

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
                if (strcmp(iface, BUS_SESSION_IFACE) == 0 && ctl_read_props(m, &o.props, &o.n_props) >= 0 &&
                    is_our_pending_session(c, &o)) {
                        c->pending_session = strdup(path);
                        ctl_progress(c, "Session %s created, connecting (Ctrl-C cancels).", ctl_path_id(path));
                } else if (strcmp(iface, BUS_SESSION_IFACE) != 0)
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

                if (ctl_get_objects(c, BUS_SESSION_IFACE, &objs, &n) == 0) {
                        for (size_t i = 0; i < n && !c->pending_session; i++)
                                if (is_our_pending_session(c, &objs[i]))
                                        c->pending_session = strdup(objs[i].path);
                        ctl_objects_free(objs, n);
                }
        }
        if (c->pending_session) {
                ctl_progress(c, "Interrupted: stopping session %s.", ctl_path_id(c->pending_session));
                (void) sd_bus_call_method(c->bus, BUS_NAME, c->pending_session, BUS_SESSION_IFACE, "Stop", NULL,
                                          NULL, NULL);
        }
        return sd_event_exit(c->event, EXIT_FAILED);
}

/* PropertiesChanged of any object: follow ours until it plays (or, with --wait, ends). */
static int on_session_changed_cast(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct ctl *c = userdata;

        if (c->session_path && strcmp(sd_bus_message_get_path(m), c->session_path) == 0)
                ctl_session_check(c, c->wait);
        return 0;
}

static int on_cast_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct ctl *c = userdata;

        c->cast_reply = sd_bus_message_ref(m);
        return 0;
}

int cmd_cast(struct ctl *c, int argc, char **argv)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *props_slot = NULL, *removed_slot = NULL, *cast_slot = NULL,
                                          *added_slot = NULL;
        _cleanup_(sd_event_source_unrefp) sd_event_source *int_source = NULL, *term_source = NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *user_bus = NULL;
        _cleanup_free_ char *sink = NULL;
        const char *session;
        bool timed_out = false, ask_input;
        int r;

        if (argc != 2) {
                ctl_err("cast wants one SINK (id, address, name or object path; see: miracastctl sinks)");
                return EXIT_USAGE;
        }
        if (c->audio && c->output) {
                ctl_err("--audio casts through miracastd-user, which takes the daemon's configured capture: "
                        "--output does not go with it");
                return EXIT_USAGE;
        }
        if (c->video && c->output) {
                ctl_err("--extend shares a new screen of this desktop: --output does not go with it");
                return EXIT_USAGE;
        }
        r = ctl_resolve_sink(c, argv[1], &sink);
        if (r < 0)
                return -r;
        if (c->audio || c->video) {
                /* The sound and the screen are the person's: miracastd-user (started by activation) captures
                 * them and casts for us; its cast lives as long as it does, whether or not we stay. */
                r = sd_bus_open_user(&user_bus);
                if (r < 0)
                        return ctl_report_error(c->video ? "connecting to the session bus (needed for --extend)"
                                                         : "connecting to the session bus (needed for --audio)",
                                                r, NULL);
        }
        r = ctl_attach_event(c);
        if (r)
                return r;
        r = sd_bus_match_signal(c->bus, &props_slot, BUS_NAME, NULL, "org.freedesktop.DBus.Properties",
                                "PropertiesChanged", on_session_changed_cast, c);
        if (r >= 0)
                r = sd_bus_match_signal(c->bus, &removed_slot, BUS_NAME, BUS_ROOT_PATH,
                                        "org.freedesktop.DBus.ObjectManager", "InterfacesRemoved",
                                        ctl_on_session_removed, c);
        if (r >= 0)
                r = sd_bus_match_signal(c->bus, &added_slot, BUS_NAME, BUS_ROOT_PATH,
                                        "org.freedesktop.DBus.ObjectManager", "InterfacesAdded", on_session_added_cast,
                                        c);
        if (r < 0)
                return ctl_report_error("watching the session", r, NULL);
        c->cast_sink = sink;
        /* Until Cast() answers, an interrupt stops the session (see on_cast_interrupt). */
        c->sigint = sd_event_source_disable_unref(c->sigint);
        c->sigterm = sd_event_source_disable_unref(c->sigterm);
        r = sd_event_add_signal(c->event, &int_source, SIGINT, on_cast_interrupt, c);
        if (r >= 0)
                r = sd_event_add_signal(c->event, &term_source, SIGTERM, on_cast_interrupt, c);
        if (r < 0)
                return ctl_report_error("watching signals", r, NULL);

        if (user_bus) {
                r = sd_bus_attach_event(user_bus, c->event, 0);
                if (r >= 0)
                        r = sd_bus_message_new_method_call(user_bus, &call, BUS_USER_NAME, BUS_USER_PATH,
                                                           BUS_USER_IFACE, "Cast");
                if (r >= 0)
                        r = sd_bus_message_append(call, "o", sink);
                if (r >= 0)
                        r = sd_bus_message_open_container(call, 'a', "{sv}");
                /* --extend: the portal's new screen; else the daemon's configured capture. Without --audio
                 * miracastd-user's default sound routing (tv) goes with a screen of the desktop. */
                if (r >= 0)
                        r = sd_bus_message_append(call, "{sv}", "video", "s", c->video ?: "daemon");
                if (r >= 0 && c->audio)
                        r = sd_bus_message_append(call, "{sv}", "audio", "s", c->audio);
        } else {
                r = sd_bus_message_new_method_call(c->bus, &call, BUS_NAME, sink, BUS_SINK_IFACE, "Cast");
                if (r >= 0)
                        r = sd_bus_message_open_container(call, 'a', "{sv}");
        }
        if (r >= 0 && c->output)
                r = sd_bus_message_append(call, "{sv}", "output", "s", c->output);
        if (r >= 0 && c->max_res)
                r = sd_bus_message_append(call, "{sv}", "max-resolution", "s", c->max_res);
        if (r >= 0 && c->allow_input)
                r = sd_bus_message_append(call, "{sv}", "input", "b", 1);
        if (r >= 0 && c->latency)
                r = sd_bus_message_append(call, "{sv}", "latency", "s", c->latency);
        if (r >= 0 && c->method)
                r = sd_bus_message_append(call, "{sv}", "method", "s", c->method);
        if (r >= 0 && c->pin)
                r = sd_bus_message_append(call, "{sv}", "pin", "s", c->pin);
        if (r >= 0 && c->protocol)
                r = sd_bus_message_append(call, "{sv}", "protocol", "s", c->protocol);
        /* We exit once it plays: the cast outlives us. With --wait it ends with us (Ctrl-C stops it).
         * miracastd-user always casts as its own (not persistent) cast. */
        if (r >= 0 && !c->wait && !user_bus)
                r = sd_bus_message_append(call, "{sv}", "persistent", "b", 1);
        if (r >= 0)
                r = sd_bus_message_close_container(call);
        if (r >= 0)
                r = sd_bus_message_set_allow_interactive_authorization(call, isatty(STDIN_FILENO));
        if (r < 0)
                return ctl_report_error("building the Cast call", r, NULL);

        /* PIN without a PIN: we are the agent that shows ours or asks for the TV's. With --wait and
         * no --allow-input we stay and are asked whether to allow input, should the display offer it. */
        ask_input = c->wait && !c->allow_input;
        if ((c->method && strcmp(c->method, "pin") == 0 && !c->pin) || ask_input) {
                r = ctl_agent_register(c);
                if (r)
                        return r;
        }

        ctl_progress(c, "Casting to %s...", argv[1]);
        /* Asynchronous, so the loop serves the agent while the group forms. */
        r = sd_bus_call_async(user_bus ?: c->bus, &cast_slot, call, on_cast_reply, c, 120 * USEC_PER_SEC);
        if (r < 0) {
                ctl_agent_unregister(c);
                return ctl_report_error("cast failed", r, NULL);
        }
        while (!c->cast_reply) {
                r = sd_event_run(c->event, UINT64_MAX);
                if (r < 0 || sd_event_get_state(c->event) == SD_EVENT_FINISHED)
                        break;
        }
        if (!ask_input || !c->cast_reply || sd_bus_message_is_method_error(c->cast_reply, NULL))
                ctl_agent_unregister(c);
        reply = steal_ptr(c->cast_reply);
        if (!reply) {
                ctl_err("cast interrupted before the daemon answered%s",
                        c->pending_session ? "; the session was stopped" : "");
                return EXIT_FAILED;
        }
        /* From here on an interrupt just leaves (the session, persistent unless --wait, goes on). */
        int_source = sd_event_source_disable_unref(int_source);
        term_source = sd_event_source_disable_unref(term_source);
        (void) sd_event_add_signal(c->event, &c->sigint, SIGINT, NULL, NULL);
        (void) sd_event_add_signal(c->event, &c->sigterm, SIGTERM, NULL, NULL);
        if (sd_bus_message_is_method_error(reply, NULL))
                return ctl_report_error("cast failed", sd_bus_message_get_errno(reply),
                                        sd_bus_message_get_error(reply));
        r = sd_bus_message_read(reply, "o", &session);
        if (r < 0)
                return ctl_report_error("reading the Cast reply", r, NULL);
        free(c->session_path);
        c->session_path = strdup(session);
        if (!c->session_path)
                return EXIT_FAILED;
        ctl_progress(c, "Session %s created (%s).", ctl_path_id(session), session);
        if (c->no_wait)
                return EXIT_OK;

        c->result = -1;                 /* no verdict yet; ctl_session_check() sets one */
        ctl_session_check(c, c->wait);
        if (c->result < 0)
                (void) ctl_loop(c, c->timeout_usec ? c->timeout_usec : 90 * USEC_PER_SEC, &timed_out);
        /* --wait through miracastd-user: the cast is not bound to us, so Ctrl-C stops it explicitly. */
        if (user_bus && c->wait && c->result != EXIT_OK && !timed_out && strcmp(c->last_state, "ended") != 0)
                (void) sd_bus_call_method(user_bus, BUS_USER_NAME, BUS_USER_PATH, BUS_USER_IFACE, "Stop", NULL, NULL,
                                          "o", session);
        if (timed_out) {
                ctl_err("session %s still %s after %" PRIu64 " s; it keeps running (miracastctl stop %s ends it)",
                        ctl_path_id(session), c->last_state[0] ? c->last_state : "starting",
                        (c->timeout_usec ? c->timeout_usec : 90 * USEC_PER_SEC) / USEC_PER_SEC, ctl_path_id(session));
                return EXIT_TIMEOUT;
        }
        return c->result < 0 ? EXIT_FAILED : c->result;
}
