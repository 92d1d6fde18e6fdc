/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * miracastctl: command-line client of the org.miracastd D-Bus API. Its files:
 *   miracastctl.c          main: options, --help, the verb table
 *   miracastctl_bus.c      connect, run the event loop, find sinks and sessions, explain failed calls
 *   miracastctl_print.c    errors, progress lines, sink and session lines and blocks
 *   miracastctl_props.c    D-Bus properties read as text and JSON (miracastctl_props.h)
 *   miracastctl_scan.c     scan, sinks, listen
 *   miracastctl_cast.c     cast
 *   miracastctl_session.c  follow a session's State; stop, pause, resume, idr, bitrate
 *   miracastctl_status.c   info, sessions, status [--watch]
 *   miracastctl_agent.c    the Agent1 PIN agent served during cast --method pin
 * A pure client: it includes libsystemd, bus_names.h and protocol/macro.h, no daemon header.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "bus_names.h"
#include "miracastctl_props.h"

#define CTL_PROGRAM "miracastctl"
#define USEC_PER_SEC ((uint64_t) 1000000)

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

/* The Agent1 server of cast --method pin without --pin (miracastctl_agent.c owns it). */
struct ctl_agent {
        sd_bus_slot *slot;              /* the Agent1 vtable, NULL when no agent is registered */
        sd_bus_message *pin_request;    /* RequestPinCode or RequestInput waiting for a line on stdin */
        bool asking_input;              /* pin_request is a RequestInput: the line is y or n */
        sd_event_source *stdin_source;
        char pin_buf[64];
        size_t pin_len;
};

struct ctl {
        const char *bus_spec;
        bool json;
        bool watch;
        bool wait;                      /* cast: keep watching until the session ends */
        bool allow_input;               /* cast: Cast option input (UIBC) */
        const char *latency;            /* cast, listen: option latency (low-latency, balanced, quality) */
        bool no_wait;                   /* stop/cast: return right after the call */
        double interval_sec;
        uint64_t timeout_usec;          /* 0 = command default */
        const char *output;
        const char *max_res;
        const char *audio;              /* cast: tv|mirror|none, through miracastd-user on the session bus */
        const char *video;              /* cast: "extend" (--extend), through miracastd-user; NULL: the daemon's */
        const char *method;
        const char *pin;
        const char *peer;
        const char *protocol;           /* cast: Cast option protocol (p2p, mice) */

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
        struct ctl_agent agent;
};

/* ---- miracastctl_print.c ---- */

/* "miracastctl: MESSAGE" on stderr. */
void ctl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A progress line: stdout, or stderr with --json so stdout stays machine-readable. */
void ctl_progress(struct ctl *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* objs as one JSON array line on stdout. */
void ctl_print_json_array(const struct ctl_object *objs, size_t n);
/* One line of the sink table (sinks, scan) and one of the session table (sessions). */
void ctl_print_sink_line(const struct ctl_object *o);
void ctl_print_session_line(const struct ctl_object *o);
/* "WxH@RATE" of a session's properties, "-" before a mode is chosen. */
void ctl_format_mode(const struct ctl_object *o, char *buf, size_t size);
/* The human-readable status block of one session. */
void ctl_print_session_status(const struct ctl_object *o);

/* ---- miracastctl_bus.c ---- */

/*
 * Report a failed call: "miracastctl: WHAT: explanation (daemon's message)", from the error
 * name in e, else from r (a negative errno). Returns the exit code for it.
 */
int ctl_report_error(const char *what, int r, const sd_bus_error *e);
/* Connect c->bus to c->bus_spec. Returns 0 or an exit code. */
int ctl_open_bus(struct ctl *c);
/* Create c->event, attach the bus, exit the loop on SIGINT/SIGTERM. Returns 0 or an exit code. */
int ctl_attach_event(struct ctl *c);
/* Run the loop until a callback calls sd_event_exit(), a signal, or timeout_usec (0 = none). */
int ctl_loop(struct ctl *c, uint64_t timeout_usec, bool *timed_out);
/* The objects implementing iface. Returns 0 or -exit code (the error is reported). */
int ctl_get_objects(struct ctl *c, const char *iface, struct ctl_object **ret, size_t *ret_n);
/* The session named by arg (number or path), or with arg NULL the only one not ended;
 * the sink named by arg (path, id, name or address). malloc'd path; 0 or -exit code. */
int ctl_resolve_session(struct ctl *c, const char *arg, char **ret);
int ctl_resolve_sink(struct ctl *c, const char *arg, char **ret);

/* ---- miracastctl_session.c ---- */

/* Re-read c->session_path, print its state changes, and exit the loop with a verdict in
 * c->result once it plays (until_ended false) or ended. */
void ctl_session_check(struct ctl *c, bool until_ended);
/* InterfacesRemoved handler: checks c->session_path when that is the object removed. */
int ctl_on_session_removed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error);

/* ---- miracastctl_agent.c ---- */

/* Serve Agent1 and register it with the daemon. Returns 0 or an exit code. */
int ctl_agent_register(struct ctl *c);
/* Unregister and stop serving it; no-op when not registered. */
void ctl_agent_unregister(struct ctl *c);
/* Exit: drop what is left of the agent without calling the daemon. */
void ctl_agent_clear(struct ctl *c);

/* ---- the verbs: argv[0] is the verb; each returns an exit code ---- */

int cmd_info(struct ctl *c, int argc, char **argv);          /* miracastctl_status.c */
int cmd_sessions(struct ctl *c, int argc, char **argv);
int cmd_status(struct ctl *c, int argc, char **argv);
int cmd_scan(struct ctl *c, int argc, char **argv);          /* miracastctl_scan.c */
int cmd_sinks(struct ctl *c, int argc, char **argv);
int cmd_listen(struct ctl *c, int argc, char **argv);
int cmd_cast(struct ctl *c, int argc, char **argv);          /* miracastctl_cast.c */
int cmd_stop(struct ctl *c, int argc, char **argv);          /* miracastctl_session.c */
int cmd_simple_session(struct ctl *c, int argc, char **argv); /* pause, resume, idr */
int cmd_bitrate(struct ctl *c, int argc, char **argv);
