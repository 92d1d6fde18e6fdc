/* SPDX-License-Identifier: GPL-2.0-or-later */
/* daemon/context.h: capture contexts and the serialized session operations. */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "../encoder/capture.h"
#include "../encoder/capture_spec.h"
#include "../protocol/macro.h"
#include "context.h"
#include "log.h"
#include "manager.h"
#include "session.h"
#include "sink.h"

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

int context_acquire_capture(struct context *c, unsigned width, unsigned height, struct capture **ret)
{
        struct capture_config cfg = {};
        struct capture_spec spec;
        int r;

        if (c->capture_handle && capture_get_error(c->capture_handle) < 0) {
                /* Its source went away (PipeWire stopped, output unplugged): open it again. The
                 * sessions still using the broken one end on its error; their media keeps its
                 * own reference, and context_release_capture() ignores what is no longer ours. */
                log_info("Context %u: reopening capture \"%s\"", c->id, c->capture);
                c->capture_handle = capture_unref(c->capture_handle);
                c->capture_users = 0;
        }
        if (c->capture_handle) {
                c->capture_users++;
                *ret = c->capture_handle;
                return 0;
        }
        r = capture_spec_parse(c->capture, &spec);
        if (r < 0)
                return r;
        cfg.backend = spec.backend;
        if (spec.backend == CAPTURE_BACKEND_TESTSRC) {
                cfg.resize_every = spec.resize_every;
                cfg.flash = spec.flash;
                /* The test picture is made at the configured maximum (default 1280x720); encoders scale. */
                cfg.width = c->manager->config->max_width & ~1u;
                cfg.height = c->manager->config->max_height & ~1u;
                cfg.pattern = spec.motion ? CAPTURE_PATTERN_MOTION : CAPTURE_PATTERN_DESKTOP;
                cfg.noise = spec.noise;
        } else if (spec.backend == CAPTURE_BACKEND_PIPEWIRE) {
                cfg.pipewire_node = spec.node[0] ? spec.node : NULL;
                cfg.pipewire_remote = c->manager->config->pipewire_remote;
                /* Ask the producer for the first session's size; the encoder scales anything else. */
                cfg.width = width & ~1u;
                cfg.height = height & ~1u;
        }
        cfg.device = spec.device[0] ? spec.device : NULL;
        cfg.connector = spec.connector[0] ? spec.connector : NULL;

        r = capture_new(&cfg, &c->capture_handle);
        if (r < 0)
                return log_error_errno(r, "Context %u: cannot open capture \"%s\": %s", c->id, c->capture,
                                       capture_last_error());
        log_info("Context %u: capturing from %s", c->id, c->capture);
        c->capture_users = 1;
        *ret = c->capture_handle;
        return 0;
}

struct capture *context_release_capture(struct context *c, struct capture *capture)
{
        if (!capture || capture != c->capture_handle)
                return NULL;    /* none, or one replaced after its error (context_acquire_capture()) */
        assert(c->capture_users > 0);
        if (--c->capture_users > 0)
                return NULL;
        /* Media pipelines hold their own reference until they stop; this closes the device once they did. */
        c->capture_handle = capture_unref(c->capture_handle);
        log_info("Context %u: capture %s closed (no session uses it)", c->id, c->capture);
        return NULL;
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
        c->capture_handle = capture_unref(c->capture_handle);
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
