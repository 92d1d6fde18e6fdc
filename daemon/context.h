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
struct capture;

#define CONTEXT_MAX 8

struct context {
        struct manager *manager;     /* not owned */
        unsigned id;
        char *capture;               /* owned: "kms[:DEVICE[:CONNECTOR]]" or "testsrc" */
        struct capture *capture_handle; /* owned: open while capture_users > 0 */
        unsigned capture_users;      /* sessions holding the capture (context_acquire_capture()) */
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
 * The context's capture, shared by its sessions: the first session that
 * streams opens it (capture_new() errors: -ENODEV, -EACCES, ...), the others
 * get the same one. The context owns it; each successful call counts one
 * user, and context_release_capture() closes it when the last user lets go,
 * so the device is not held between casts and the next open finds the
 * outputs as they are then (an output plugged in meanwhile). *ret is valid
 * until the caller's context_release_capture(). width x height is the size a
 * scaling source (pipewire) is asked for. A capture that failed (its source
 * went away) is opened anew.
 */
int context_acquire_capture(struct context *c, unsigned width, unsigned height, struct capture **ret);
/* Drop one user of the capture (a session ended). Returns NULL. */
struct capture *context_release_capture(struct context *c, struct capture *capture);

/* StopMiracastSession, queued: M5 TEARDOWN, wait for M8 (or grace), ended.
 * Never closes a socket the caller owns (the session only closes its dup). */
int context_stop_session(struct context *c, struct session *s);
