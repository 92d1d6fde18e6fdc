/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The manager: one per daemon. It owns the sd-event loop reference, the
 * configuration, the contexts (one per capture device / DRM adapter), the
 * discovered sinks, all sessions and all listeners, and the plugged-in P2P
 * backend. dbus/ exports it as org.miracastd.Manager1 at /org/miracastd.
 *
 * Arrows go one way: daemon/ never calls sd-bus. Changes go out through
 * subscriber lists (m->observers here, sink->observers, s->observers) that
 * dbus/ and anyone else subscribe to; the PIN requests of a cast go to the
 * one party that can answer them through struct manager_hooks.
 *
 * Serialization (the "seed contract"): create context, destroy context,
 * start session and stop session run one at a time. Requests are queued in
 * arrival order (at most MANAGER_MAX_QUEUED waiting); a request beyond that
 * gets -EBUSY (D-Bus org.miracastd.Error.Busy). See manager_op_submit().
 * An op holds the queue for the daemon's own work, not while it waits for a
 * sink (see context.h).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "config.h"
#include "observers.h"

struct sink;
struct session;
struct listener;
struct context;
struct manager;

#define MANAGER_MAX_QUEUED 16

/* What m->observers hear; the object passed is the manager unless said otherwise. */
enum manager_change {
        MANAGER_CHANGED_DISCOVERING,
        MANAGER_CHANGED_BACKEND,
        MANAGER_CHANGED_OUTPUTS,     /* Encoders / CaptureOutputs */
        MANAGER_CHANGED_SINK_ADDED,  /* object: the new sink; subscribe to sink->observers here */
        MANAGER_CHANGED_SESSION_ADDED, /* object: the new session; subscribe to s->observers here */
};

/* Options of Sink1.Cast(a{sv}); all optional (NULL / 0 / -1 = default). */
struct cast_options {
        const char *method;          /* "pbc" (default) or "pin" */
        const char *pin;             /* 8 digits when method is "pin" */
        int go_intent;               /* 0..15, -1 = backend default */
        const char *output;          /* capture output (connector name), NULL = context default */
        unsigned max_width, max_height; /* 0 = no extra limit */
        const char *protocol;        /* "p2p", "mice", NULL = MS-MICE when the sink offers it */
        bool input;                  /* allow input from the display (UIBC); polkit org.miracastd.input */
        /* The picture from the caller's desktop (daemon/session_video.h): a connection to its PipeWire
         * (not owned: the session dups it) and the node; video_source "monitor", "window", "extend". */
        bool have_pipewire_fd;
        int pipewire_fd;
        uint32_t pipewire_node;
        const char *video_source;
        bool input_set;              /* the caller said yes or no to input; unset: the agent is asked
                                        (manager_hooks.input_request) when the display offers input */
        int latency;                 /* enum latency_mode; -1 (_LATENCY_MODE_INVALID): the config's */
        bool no_audio;               /* negotiate no audio where the sink allows (Cast audio "none") */
};

/*
 * A P2P backend (daemon/p2p*.c: wpa_supplicant control socket or
 * NetworkManager). Plug it in with manager_set_p2p_backend(). Every
 * function returns 0 or -errno and must not call back synchronously.
 */
struct p2p_backend {
        const char *name;            /* "wpas", "nm": Manager1.Backend */
        int (*start_discovery)(void *userdata);
        int (*stop_discovery)(void *userdata);
        /*
         * Connect to sink (form the P2P group). On success the backend later
         * creates the group listener with listener_new(m, addr, port,
         * peer, sink, ...) so the sink's RTSP connection goes to the session
         * of its Cast() (sink_get_cast_session()); on failure it calls sink_cast_failed().
         */
        int (*connect)(void *userdata, struct sink *sink, const struct cast_options *options);
        /* Abort a pending connect or remove the group of sink (session over). */
        void (*disconnect)(void *userdata, struct sink *sink);
        /* Optional: why this backend cannot cast with these options (a sentence for the
         * user, e.g. "no PIN through NetworkManager ..."), or NULL when it can. */
        const char *(*cast_refusal)(void *userdata, const struct cast_options *options);
        /* The PIN the user read on the sink (after sink_pin_request()): connect with it.
         * -EOPNOTSUPP when the backend has no PIN flows, -ENOENT when nothing waits for one. */
        int (*provide_pin)(void *userdata, struct sink *sink, const char *pin);
        /* Optional (MS-MICE): what the stream worker read on sink's control connection for its Cast()
         * session (daemon/session.h session_watch_mice()): kind is enum worker_mice_kind, text a
         * checked, printable sentence or name. */
        void (*control_event)(void *userdata, struct sink *sink, unsigned kind, int error, const char *text);
};

/* Requests that exactly one party answers (not notifications: those go to the observers). */
struct manager_hooks {
        /*
         * PIN flows of the pending Cast() session s (dbus/agent_bus.c calls the
         * caller's org.miracastd.Agent1). -errno when no agent can take it. The
         * answer to pin_request comes back as sink_pin_entered(); a refusal or
         * timeout as sink_cast_failed().
         */
        int (*pin_display)(struct sink *sink, struct session *s, const char *pin);
        int (*pin_request)(struct sink *sink, struct session *s);
        /*
         * The display of the playing Cast() session s offers input (UIBC) and the cast did not
         * say whether to allow it: ask the person ("Allow input from <display>?"). A yes comes
         * back as session_set_input(s, true); no, no answer or no agent leave input off.
         */
        int (*input_request)(struct sink *sink, struct session *s);
        void *userdata;              /* the party's (dbus/: its struct bus) */
};

struct manager_op;

struct manager {
        sd_event *event;             /* reference */
        struct config *config;       /* not owned (main.c) */

        struct context *contexts;    /* owned list */
        struct sink *sinks;          /* owned list */
        struct session *sessions;    /* owned list (each also linked to its context) */
        struct listener *listeners;  /* owned list */
        unsigned next_sink_id, next_session_id, next_listener_id;

        const struct p2p_backend *p2p;
        void *p2p_userdata;
        unsigned discovery_refs;     /* StartDiscovery calls not yet stopped */
        bool discovering;            /* as reported by the backend */
        bool p2p_unavailable;        /* the backend's service (NetworkManager, wpa_supplicant) is away */
        /* MS-MICE (daemon/mice.h): discovery over Avahi and casts over the LAN, in the same
         * shape as a P2P backend; NULL when off. */
        const struct p2p_backend *mice;
        void *mice_userdata;
        bool mice_discovering;       /* as reported by daemon/mice.c */

        struct manager_op *ops;      /* queued serialized operations, head runs */
        unsigned n_ops;
        sd_event_source *op_defer;   /* owned: starts the next op */

        bool shutting_down;
        sd_event_source *shutdown_timer; /* owned: hard limit on graceful shutdown */
        bool draining;               /* manager_drain(): exit once the last session ended */
        int drain_exit_status;

        struct observers observers;  /* owned: who follows the manager (enum manager_change) */
        struct manager_hooks hooks;  /* installed by dbus/, empty when D-Bus is off */
};

/* Create the manager for event (referenced) and config (borrowed). */
int manager_new(sd_event *event, struct config *config, struct manager **ret);
/* Free everything (sessions ended without waiting). Accepts NULL, returns NULL. */
struct manager *manager_free(struct manager *m);

/* Create the contexts and listeners the configuration asks for. */
int manager_start(struct manager *m);

/*
 * Graceful shutdown (SIGTERM): every session is stopped (M5 TEARDOWN trigger,
 * waits for M8 or the grace timer), then sd_event_exit(event, 0). A second
 * call or the hard limit exits at once.
 */
void manager_shutdown(struct manager *m);
/*
 * Stop taking new sinks (every listener closes) but let running sessions go
 * on; once none is left, sd_event_exit(event, exit_status). Used when the
 * D-Bus connection is lost: the cast on screen is not cut, and the service
 * manager (Restart=on-failure) starts a fresh daemon afterwards. A later
 * manager_shutdown() still tears down and exits 0.
 */
void manager_drain(struct manager *m, int exit_status);

/* Plug in (or with NULL remove) the P2P backend; emits Backend change. */
int manager_set_p2p_backend(struct manager *m, const struct p2p_backend *backend, void *userdata);
/* Plug in (or with NULL remove) MS-MICE; discovery references already taken start it. */
int manager_set_mice(struct manager *m, const struct p2p_backend *mice, void *userdata);
/* MS-MICE reports whether it browses now. */
void manager_set_mice_discovering(struct manager *m, bool discovering);
/* Manager1.Discovering: P2P or MS-MICE discovery runs. */
bool manager_is_discovering(const struct manager *m);

/* Reference-counted discovery of P2P peers and MS-MICE sinks: -ENOTSUP without either. */
int manager_start_discovery(struct manager *m);
int manager_stop_discovery(struct manager *m);
/* The backend reports the radio's real discovery state. */
void manager_set_discovering(struct manager *m, bool discovering);
/*
 * The backend reports whether its service is there. While it is away
 * Manager1.Backend reads "none" (Backend change emitted); the backend stays
 * plugged in, so discovery references are kept and take effect when it returns.
 */
void manager_set_p2p_available(struct manager *m, bool available);
/* Manager1.Backend: the backend's name, or "none" without one or while it is away. */
const char *manager_p2p_backend_name(const struct manager *m);

/* Why the backend refuses a cast with options (sink_cast() then fails with -EOPNOTSUPP), or NULL. */
const char *manager_cast_refusal(const struct manager *m, const struct cast_options *options);

/* Sink lookup by P2P device address (case-insensitive), or NULL. */
struct sink *manager_find_sink(struct manager *m, const char *address);
struct sink *manager_find_sink_by_id(struct manager *m, unsigned id);
struct session *manager_find_session_by_id(struct manager *m, unsigned id);
struct listener *manager_find_listener_by_id(struct manager *m, unsigned id);

/* The default context (first configured capture), or NULL. */
struct context *manager_default_context(struct manager *m);

/* A session ended or was freed: updates STATUS, finishes a shutdown. */
void manager_session_gone(struct manager *m);

/* One line for sd_notify STATUS=. */
void manager_update_status(struct manager *m);

/*
 * Serialized operations: run(op) starts the operation and returns 0 when it
 * completed synchronously, 1 when it will call manager_op_done() later, or
 * -errno (then it is done). Returns -EBUSY when MANAGER_MAX_QUEUED ops wait.
 * The op struct is allocated by the caller with manager_op_new() and owned by
 * the queue after a successful submit.
 */
typedef int (*manager_op_run_t)(struct manager_op *op, void *userdata);
typedef void (*manager_op_free_t)(void *userdata);
int manager_op_submit(struct manager *m, const char *what, manager_op_run_t run, void *userdata,
                      manager_op_free_t free_userdata);
/* The running op finished; the next one starts from a defer source. */
void manager_op_done(struct manager *m, struct manager_op *op);
