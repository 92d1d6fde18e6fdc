/* SPDX-License-Identifier: GPL-2.0-or-later */
/* daemon/context.h: capture contexts and the serialized session operations. */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../protocol/macro.h"
#include "context.h"
#include "log.h"
#include "manager.h"
#include "session.h"
#include "sink.h"
#include "stream_worker.h"

int context_new(struct manager *m, const char *capture, struct context **ret)
{
        struct context *c, **tail;
        unsigned id = 1;

        unsigned n = 0;

        for (struct context *i = m->contexts; i; i = i->next) {
                if (i->id >= id)
                        id = i->id + 1;
                n++;
        }
        /* A context per capture device: a handful at most; refuse a caller inventing outputs. */
        if (n >= CONTEXT_MAX)
                return -EBUSY;
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->capture = strdup(capture);
        if (!c->capture) {
                free(c);
                return -ENOMEM;
        }
        c->manager = m;
        c->id = id;
        for (tail = &m->contexts; *tail; tail = &(*tail)->next)
                ;
        *tail = c;
        log_debug("Context %u created for capture \"%s\"", c->id, c->capture);
        *ret = c;
        return 0;
}

static int context_on_worker_idle(sd_event_source *source, void *userdata)
{
        struct context *c = userdata;

        (void) sd_event_source_set_enabled(source, SD_EVENT_OFF);
        if (c->worker_sessions == 0 && c->worker) {
                log_debug("Context %u: no session left, closing its stream worker", c->id);
                c->worker = stream_worker_close(c->worker);
        }
        return 0;
}

int context_get_worker(struct context *c, struct stream_worker **ret)
{
        int r;

        if (c->worker && stream_worker_is_dead(c->worker)) {
                /* Its sessions ended with it; a new session gets a new process. */
                c->worker = stream_worker_close(c->worker);
                c->worker_sessions = 0;
        }
        if (!c->worker) {
                if (!c->worker_idle) {
                        r = sd_event_add_defer(c->manager->event, &c->worker_idle, context_on_worker_idle, c);
                        if (r < 0)
                                return r;
                }
                r = stream_worker_new(c, &c->worker);
                if (r < 0)
                        return r;
                if (stream_worker_get_pid(c->worker) > 0)
                        log_info("Context %u: stream worker %d runs capture %s", c->id,
                                 (int) stream_worker_get_pid(c->worker), c->capture);
                else
                        log_info("Context %u: a socket-activated stream worker runs capture %s", c->id, c->capture);
        }
        (void) sd_event_source_set_enabled(c->worker_idle, SD_EVENT_OFF);
        c->worker_sessions++;
        *ret = c->worker;
        return 0;
}

void context_put_worker(struct context *c)
{
        if (c->worker_sessions == 0)
                return;
        if (--c->worker_sessions == 0 && c->worker_idle)
                (void) sd_event_source_set_enabled(c->worker_idle, SD_EVENT_ONESHOT);
}

void context_worker_failed(struct context *c, struct stream_worker *w, const char *why)
{
        char text[160];

        snprintf(text, sizeof(text), "the stream worker %s", why);
        /* session_end_full() detaches and never frees (the session lingers), so the list holds. */
        for (struct session *s = c->manager->sessions; s; s = s->next)
                if (s->context == c && session_is_on_worker(s, w))
                        session_end_full(s, -EIO, text);
}

struct context *context_free(struct context *c)
{
        struct context **p;

        if (!c)
                return NULL;
        for (struct session *s = c->manager->sessions, *next; s; s = next) {
                next = s->next;
                if (s->context == c)
                        session_free(s);
        }
        for (p = &c->manager->contexts; *p; p = &(*p)->next)
                if (*p == c) {
                        *p = c->next;
                        break;
                }
        log_debug("Context %u destroyed", c->id);
        c->worker_idle = sd_event_source_disable_unref(c->worker_idle);
        c->worker = stream_worker_close(c->worker);
        free(c->capture);
        free(c);
        return NULL;
}

/* ---- StartMiracastSession ------------------------------------------------- */

struct context_start {
        struct manager *manager;
        unsigned session_id;
        int fd;                      /* owned: our dup of the caller's socket */
        struct connection_stats stats;
        session_started_t started;
        void *userdata;
};

static void context_start_free(void *userdata)
{
        struct context_start *cs = userdata;

        safe_close(cs->fd);
        free(cs);
}

/*
 * The serialized part of a start is ours: attach the connection and send M1.
 * The rest waits for the sink (its M1 and M3 replies, up to the 5 s response
 * timeout each), so it runs on its own like the TEARDOWN exchange of a stop,
 * and a slow or silent sink never holds up other sinks' starts. started()
 * still brings the session info (or the error) once negotiation is done.
 */
static int context_run_start(struct manager_op *op, void *userdata)
{
        struct context_start *cs = userdata;
        struct session *s;
        int r;

        s = manager_find_session_by_id(cs->manager, cs->session_id);
        if (!s || s->state != SOURCE_SESSION_STATE_CONNECTING)
                return -ESTALE;        /* ended while queued (e.g. stopped or shut down) */
        /* Our dup of the caller's connection becomes the session's. */
        r = session_attach_fd(s, steal_fd(cs->fd), &cs->stats, cs->started, cs->userdata);
        if (r < 0) {
                log_warning_errno(r, "session %u: cannot start: %m", s->id);
                if (cs->started)
                        cs->started(s, r, NULL, cs->userdata);
                session_end(s, r);
                return r;
        }
        return 0;
}

int context_start_session(struct context *c, int fd, const struct connection_stats *stats,
                          struct sink *sink, struct session *existing,
                          session_started_t started, void *userdata, struct session **ret_session)
{
        struct context_start *cs;
        struct session *s = existing;
        int r;

        if (fd < 0 || !stats)
                return -EINVAL;
        if (existing && (existing->context != c || existing->state != SOURCE_SESSION_STATE_CONNECTING))
                return -EINVAL;
        if (c->manager->shutting_down)
                return -ESHUTDOWN;
        if (c->manager->n_ops >= MANAGER_MAX_QUEUED)
                return -EBUSY;

        cs = calloc(1, sizeof(*cs));
        if (!cs)
                return -ENOMEM;
        cs->manager = c->manager;
        cs->stats = *stats;
        cs->started = started;
        cs->userdata = userdata;
        cs->fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        if (cs->fd < 0) {
                r = -errno;
                free(cs);
                return r;
        }
        if (!s) {
                r = session_new(c->manager, c, sink, &s);
                if (r < 0) {
                        context_start_free(cs);
                        return r;
                }
        }
        cs->session_id = s->id;
        r = manager_op_submit(c->manager, "start session", context_run_start, cs, context_start_free);
        if (r < 0) {
                context_start_free(cs);
                if (!existing)
                        session_free(s);
                return r;
        }
        if (ret_session)
                *ret_session = s;
        return 0;
}

/* ---- StopMiracastSession -------------------------------------------------- */

struct context_stop {
        struct manager *manager;
        unsigned session_id;
};

static int context_run_stop(struct manager_op *op, void *userdata)
{
        struct context_stop *cst = userdata;
        struct session *s;

        s = manager_find_session_by_id(cst->manager, cst->session_id);
        if (!s || s->state == SOURCE_SESSION_STATE_ENDED)
                return 0;
        /* The TEARDOWN exchange runs on its own; the next operation need not wait for the sink. */
        return session_stop(s);
}

int context_stop_session(struct context *c, struct session *s)
{
        struct context_stop *cst;
        int r;

        if (s->context != c)
                return -EINVAL;
        if (s->state == SOURCE_SESSION_STATE_ENDED || s->state == SOURCE_SESSION_STATE_ENDING)
                return -EALREADY;
        cst = calloc(1, sizeof(*cst));
        if (!cst)
                return -ENOMEM;
        cst->manager = c->manager;
        cst->session_id = s->id;
        r = manager_op_submit(c->manager, "stop session", context_run_stop, cst, free);
        if (r < 0)
                free(cst);
        return r;
}
