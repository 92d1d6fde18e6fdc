/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A Miracast context: one per capture device (DRM adapter, or the test
 * source). Sessions on one context share its capture. The four operations of
 * the seed contract (CreateMiracastContext = context_new, DestroyMiracastContext
 * = context_free, StartMiracastSession = context_start_session,
 * StopMiracastSession = context_stop_session) run one at a time: the
 * context_*_async() forms queue through manager_op_submit(), and a caller
 * beyond MANAGER_MAX_QUEUED gets -EBUSY. What runs one at a time is the
 * daemon's own part of each: a start's turn ends once the connection is
 * attached and M1 sent, a stop's once the M5 trigger is sent; the exchanges
 * with the sink that follow run on their own, so a slow sink delays nobody.
 */
#pragma once

#include <stdbool.h>

#include "session.h"

struct manager;
struct stream_worker;

#define CONTEXT_MAX 8

struct context {
        struct manager *manager;     /* not owned */
        unsigned id;
        char *capture;               /* owned: "kms[:DEVICE[:CONNECTOR]]" or "testsrc" */
        /* The context's stream worker (daemon/stream_worker.h): it opens the capture and runs the
         * sessions' connections and media, so sessions sharing a capture share a process. */
        struct stream_worker *worker;/* owned: while worker_sessions > 0 */
        unsigned worker_sessions;    /* sessions attached to it (context_get_worker()) */
        sd_event_source *worker_idle;/* owned: closes an idle worker from the event loop */
        unsigned n_sessions;
        struct context *next;        /* manager's list */
};

/* CreateMiracastContext: a context for capture spec (config syntax). */
int context_new(struct manager *m, const char *capture, struct context **ret);
/* DestroyMiracastContext: ends its sessions (without waiting) and frees it. */
struct context *context_free(struct context *c);

/*
 * StartMiracastSession, queued: fd (an accepted RTSP connection) is dup()ed
 * right away, so the caller closes its own copy whenever it likes; the
 * session (returned at once in *ret_session, state "negotiating" once its
 * turn comes) calls started() with the session info or -ENOSR
 * (InsufficientResources) / another error once the sink's capabilities are
 * negotiated (the queue moves on as soon as M1 is sent). sink may be NULL. With
 * existing != NULL (a Cast() session in "connecting") that session gets the
 * connection instead of a new one.
 */
int context_start_session(struct context *c, int fd, const struct connection_stats *stats,
                          struct sink *sink, struct session *existing,
                          session_started_t started, void *userdata, struct session **ret_session);

/*
 * The context's stream worker for one more session: started when there is
 * none (or the last one died), counted until context_put_worker(). The last
 * put closes it from the event loop (its process exits, so an idle daemon
 * holds no encoder). -errno when it cannot be started.
 */
int context_get_worker(struct context *c, struct stream_worker **ret);
void context_put_worker(struct context *c);
/* The worker w exited or broke the protocol: its sessions end with why. */
void context_worker_failed(struct context *c, struct stream_worker *w, const char *why);

/* StopMiracastSession, queued: M5 TEARDOWN, wait for M8 (or grace), ended.
 * Never closes a socket the caller owns (the session only closes its dup). */
int context_stop_session(struct context *c, struct session *s);
