/* SPDX-License-Identifier: GPL-2.0-or-later */
/* daemon/manager.h: the daemon's root object, operation queue, shutdown. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <systemd/sd-daemon.h>

#include "../protocol/macro.h"
#include "context.h"
#include "listener.h"
#include "log.h"
#include "manager.h"
#include "session.h"
#include "sink.h"
#include "stream_worker.h"

/* How long a graceful shutdown may wait for sinks to answer TEARDOWN. */
#define MANAGER_SHUTDOWN_USEC (5ULL * 1000 * 1000)

struct manager_op {
        struct manager_op *next;
        const char *what;            /* static string, for logs */
        manager_op_run_t run;
        void *userdata;
        manager_op_free_t free_userdata;
        bool running;
};

int manager_new(sd_event *event, struct config *config, struct manager **ret)
{
        struct manager *m;

        m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        m->event = sd_event_ref(event);
        m->config = config;
        m->next_sink_id = 1;
        m->next_session_id = 1;
        m->next_listener_id = 1;
        *ret = m;
        return 0;
}

static struct manager_op *manager_op_free(struct manager_op *op)
{
        if (!op)
                return NULL;
        if (op->free_userdata)
                op->free_userdata(op->userdata);
        free(op);
        return NULL;
}

struct manager *manager_free(struct manager *m)
{
        if (!m)
                return NULL;

        m->shutdown_timer = sd_event_source_disable_unref(m->shutdown_timer);
        m->op_defer = sd_event_source_disable_unref(m->op_defer);
        while (m->ops) {
                struct manager_op *op = m->ops;
                m->ops = op->next;
                manager_op_free(op);
        }
        while (m->listeners)
                listener_free(m->listeners);
        while (m->sessions)
                session_free(m->sessions);
        while (m->sinks)
                sink_remove(m->sinks);
        while (m->contexts)
                context_free(m->contexts);
        /* The stream workers end their sessions and exit; wait for them (bounded), so none outlives us. */
        stream_worker_reap_all();
        observers_clear(&m->observers);
        sd_event_unref(m->event);
        free(m);
        return NULL;
}

int manager_start(struct manager *m)
{
        struct context *c;
        int r;

        r = context_new(m, m->config->capture, &c);
        if (r < 0)
                return log_error_errno(r, "Failed to create the context for capture \"%s\": %m", m->config->capture);

        for (unsigned i = 0; i < m->config->n_listen; i++) {
                struct listener *l;

                r = listener_new_from_string(m, m->config->listen[i], NULL, &l);
                if (r < 0)
                        return log_error_errno(r, "Failed to listen on \"%s\": %m", m->config->listen[i]);
        }
        if (!m->listeners)
                log_info("Not listening for sinks (no --listen, no listen= and no Manager1.Listen call yet)");
        /* Encoders and CaptureOutputs come from a worker (main links no FFmpeg/libdrm): ask now, in
         * the background, so no D-Bus call waits for it. */
        (void) stream_probe_start(m);
        manager_update_status(m);
        return 0;
}

static void manager_notify(struct manager *m, enum manager_change change)
{
        observers_notify(&m->observers, m, change);
}

void manager_update_status(struct manager *m)
{
        unsigned n_sessions = 0, n_listeners = 0;
        char buf[256];

        for (struct session *s = m->sessions; s; s = s->next)
                if (s->state != SOURCE_SESSION_STATE_ENDED)
                        n_sessions++;
        for (struct listener *l = m->listeners; l; l = l->next)
                n_listeners++;
        snprintf(buf, sizeof(buf), "STATUS=%s%u session(s), %u listener(s)%s%s",
                 m->shutting_down ? "Shutting down: " : m->draining ? "Exiting after the last session: " : "",
                 n_sessions, n_listeners, manager_is_discovering(m) ? ", discovering" : "",
                 !m->p2p ? ", no P2P backend" : m->p2p_unavailable ? ", P2P backend unavailable" : "");
        (void) sd_notify(false, buf);
}

static int manager_on_shutdown_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct manager *m = userdata;

        log_warning("Sessions did not end within %llu s, exiting anyway",
                    (unsigned long long) (MANAGER_SHUTDOWN_USEC / 1000000));
        return sd_event_exit(m->event, 0);
}

/* Called whenever a session went away while shutting down. */
static void manager_check_shutdown_done(struct manager *m)
{
        if (!m->shutting_down && !m->draining)
                return;
        for (struct session *s = m->sessions; s; s = s->next)
                if (s->state != SOURCE_SESSION_STATE_ENDED)
                        return;
        log_info("All sessions ended, exiting%s", m->shutting_down ? "" : " with failure status (for a restart)");
        (void) sd_event_exit(m->event, m->shutting_down ? 0 : m->drain_exit_status);
}

void manager_shutdown(struct manager *m)
{
        int r;

        if (m->shutting_down) {
                log_info("Second termination request, exiting now");
                (void) sd_event_exit(m->event, 0);
                return;
        }
        m->shutting_down = true;
        (void) sd_notify(false, "STOPPING=1");
        log_info("Shutting down: tearing down sessions");

        /* No new sinks during shutdown. */
        while (m->listeners)
                listener_free(m->listeners);

        r = sd_event_add_time_relative(m->event, &m->shutdown_timer, CLOCK_MONOTONIC, MANAGER_SHUTDOWN_USEC, 0,
                                       manager_on_shutdown_timeout, m);
        if (r < 0) {
                log_warning_errno(r, "Failed to arm the shutdown timer, exiting now: %m");
                (void) sd_event_exit(m->event, 0);
                return;
        }

        /* Stop directly, not through the queue: a queued start must not delay the exit. */
        for (struct session *s = m->sessions; s; s = s->next)
                if (s->state != SOURCE_SESSION_STATE_ENDED && s->state != SOURCE_SESSION_STATE_ENDING)
                        (void) session_stop(s);
        manager_update_status(m);
        manager_check_shutdown_done(m);
}

void manager_drain(struct manager *m, int exit_status)
{
        if (m->shutting_down || m->draining)
                return;
        m->draining = true;
        m->drain_exit_status = exit_status;
        while (m->listeners)
                listener_free(m->listeners);
        manager_update_status(m);
        manager_check_shutdown_done(m);
}

void manager_session_gone(struct manager *m)
{
        manager_update_status(m);
        manager_check_shutdown_done(m);
}

int manager_set_p2p_backend(struct manager *m, const struct p2p_backend *backend, void *userdata)
{
        if (backend && (!backend->name || !backend->start_discovery || !backend->stop_discovery ||
                        !backend->connect || !backend->disconnect))
                return -EINVAL;
        m->p2p = backend;
        m->p2p_userdata = userdata;
        m->discovery_refs = 0;
        m->p2p_unavailable = false;
        if (!backend)
                manager_set_discovering(m, false);
        manager_notify(m, MANAGER_CHANGED_BACKEND);
        manager_update_status(m);
        return 0;
}

int manager_start_discovery(struct manager *m)
{
        int r;

        if (!m->p2p && !m->mice)
                return -ENOTSUP;
        if (m->discovery_refs == 0) {
                if (m->p2p) {
                        r = m->p2p->start_discovery(m->p2p_userdata);
                        if (r < 0 && !m->mice)
                                return r;
                        if (r < 0)
                                log_warning_errno(r, "P2P discovery failed to start, browsing for MS-MICE only: %m");
                }
                if (m->mice) {
                        r = m->mice->start_discovery(m->mice_userdata);
                        if (r < 0)
                                log_warning_errno(r, "MS-MICE discovery failed to start, ignoring: %m");
                }
        }
        m->discovery_refs++;
        return 0;
}

int manager_stop_discovery(struct manager *m)
{
        int r;

        if (!m->p2p && !m->mice)
                return -ENOTSUP;
        if (m->discovery_refs == 0)
                return -EALREADY;
        if (m->discovery_refs == 1) {
                if (m->mice)
                        (void) m->mice->stop_discovery(m->mice_userdata);
                if (m->p2p) {
                        r = m->p2p->stop_discovery(m->p2p_userdata);
                        if (r < 0)
                                return r;
                }
        }
        m->discovery_refs--;
        return 0;
}

int manager_set_mice(struct manager *m, const struct p2p_backend *mice, void *userdata)
{
        int r;

        if (mice && (!mice->name || !mice->start_discovery || !mice->stop_discovery || !mice->connect ||
                     !mice->disconnect))
                return -EINVAL;
        if (m->mice && m->discovery_refs > 0)
                (void) m->mice->stop_discovery(m->mice_userdata);
        m->mice = mice;
        m->mice_userdata = userdata;
        if (!mice)
                manager_set_mice_discovering(m, false);
        else if (m->discovery_refs > 0) {
                r = mice->start_discovery(userdata);
                if (r < 0)
                        log_warning_errno(r, "MS-MICE discovery failed to start, ignoring: %m");
        }
        return 0;
}

void manager_set_mice_discovering(struct manager *m, bool discovering)
{
        bool before = manager_is_discovering(m);

        m->mice_discovering = discovering;
        if (before != manager_is_discovering(m)) {
                manager_notify(m, MANAGER_CHANGED_DISCOVERING);
                manager_update_status(m);
        }
}

bool manager_is_discovering(const struct manager *m)
{
        return m->discovering || m->mice_discovering;
}

void manager_set_discovering(struct manager *m, bool discovering)
{
        bool before = manager_is_discovering(m);

        if (m->discovering == discovering)
                return;
        m->discovering = discovering;
        log_debug("Discovery %s", discovering ? "started" : "stopped");
        if (before != manager_is_discovering(m))
                manager_notify(m, MANAGER_CHANGED_DISCOVERING);
        manager_update_status(m);
}

void manager_set_p2p_available(struct manager *m, bool available)
{
        if (!m->p2p || m->p2p_unavailable == !available)
                return;
        m->p2p_unavailable = !available;
        if (!available)
                manager_set_discovering(m, false);
        manager_notify(m, MANAGER_CHANGED_BACKEND);
        manager_update_status(m);
}

const char *manager_cast_refusal(const struct manager *m, const struct cast_options *options)
{
        static const struct cast_options defaults = { .go_intent = -1, .latency = -1 };

        if (!m->p2p || !m->p2p->cast_refusal)
                return NULL;
        return m->p2p->cast_refusal(m->p2p_userdata, options ?: &defaults);
}

const char *manager_p2p_backend_name(const struct manager *m)
{
        return m->p2p && !m->p2p_unavailable ? m->p2p->name : "none";
}

struct sink *manager_find_sink(struct manager *m, const char *address)
{
        if (!address)
                return NULL;
        for (struct sink *s = m->sinks; s; s = s->next)
                if (strcasecmp(s->address, address) == 0)
                        return s;
        return NULL;
}

struct sink *manager_find_sink_by_id(struct manager *m, unsigned id)
{
        for (struct sink *s = m->sinks; s; s = s->next)
                if (s->id == id)
                        return s;
        return NULL;
}

struct session *manager_find_session_by_id(struct manager *m, unsigned id)
{
        for (struct session *s = m->sessions; s; s = s->next)
                if (s->id == id)
                        return s;
        return NULL;
}

struct listener *manager_find_listener_by_id(struct manager *m, unsigned id)
{
        for (struct listener *l = m->listeners; l; l = l->next)
                if (l->id == id)
                        return l;
        return NULL;
}

struct context *manager_default_context(struct manager *m)
{
        return m->contexts;
}

/* ---- serialized operations ------------------------------------------------ */

static void manager_op_schedule(struct manager *m);

static int manager_on_op_defer(sd_event_source *source, void *userdata)
{
        struct manager *m = userdata;
        struct manager_op *op = m->ops;
        int r;

        (void) sd_event_source_set_enabled(m->op_defer, SD_EVENT_OFF);
        if (!op || op->running)
                return 0;

        op->running = true;
        log_debug("Running queued operation: %s", op->what);
        r = op->run(op, op->userdata);
        if (r < 0)
                log_debug_errno(r, "Operation %s failed: %m", op->what);
        if (r != 1)
                manager_op_done(m, op);
        return 0;
}

static void manager_op_schedule(struct manager *m)
{
        int r;

        if (!m->ops || m->ops->running)
                return;
        if (!m->op_defer) {
                r = sd_event_add_defer(m->event, &m->op_defer, manager_on_op_defer, m);
                if (r < 0) {
                        log_error_errno(r, "Failed to schedule queued operation: %m");
                        return;
                }
        }
        (void) sd_event_source_set_enabled(m->op_defer, SD_EVENT_ONESHOT);
}

int manager_op_submit(struct manager *m, const char *what, manager_op_run_t run, void *userdata,
                      manager_op_free_t free_userdata)
{
        struct manager_op *op, **tail;

        if (m->n_ops >= MANAGER_MAX_QUEUED)
                return -EBUSY;
        op = calloc(1, sizeof(*op));
        if (!op)
                return -ENOMEM;
        op->what = what;
        op->run = run;
        op->userdata = userdata;
        op->free_userdata = free_userdata;
        for (tail = &m->ops; *tail; tail = &(*tail)->next)
                ;
        *tail = op;
        m->n_ops++;
        manager_op_schedule(m);
        return 0;
}

void manager_op_done(struct manager *m, struct manager_op *op)
{
        struct manager_op **p;

        for (p = &m->ops; *p; p = &(*p)->next)
                if (*p == op) {
                        *p = op->next;
                        m->n_ops--;
                        manager_op_free(op);
                        break;
                }
        manager_op_schedule(m);
}
