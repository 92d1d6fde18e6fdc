/* SPDX-License-Identifier: GPL-2.0-or-later */
/* daemon/sink.h: discovered sinks and casting to them. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../protocol/macro.h"
#include "context.h"
#include "listener.h"
#include "log.h"
#include "manager.h"
#include "session.h"
#include "sink.h"

/* Group formation (with a user pressing OK on the TV) plus the sink connecting to us. */
#define SINK_CAST_TIMEOUT_USEC (90ULL * 1000 * 1000)

#define log_sink_full_errno(sink, level, error, fmt, ...) \
        log_full_errno(level, error, "sink %s (\"%s\"): " fmt, (sink)->address, (sink)->name, ##__VA_ARGS__)

static bool sink_address_valid(const char *a)
{
        if (!a || strlen(a) != 17)
                return false;
        for (int i = 0; i < 17; i++) {
                if (i % 3 == 2) {
                        if (a[i] != ':')
                                return false;
                } else if (!isxdigit((unsigned char) a[i]))
                        return false;
        }
        return true;
}

int sink_address_to_id(const char *address, char *ret, unsigned size)
{
        if (!sink_address_valid(address) || size < 18)
                return -EINVAL;
        for (int i = 0; i < 17; i++)
                ret[i] = address[i] == ':' ? '_' : tolower((unsigned char) address[i]);
        ret[17] = '\0';
        return 0;
}

/* Sink names come from the air: keep printable UTF-8-ish bytes, drop control characters. */
static char *sink_sanitize_name(const char *name)
{
        char *copy = strndup(name ?: "", 64);

        if (!copy)
                return NULL;
        for (char *p = copy; *p; p++)
                if ((unsigned char) *p < 0x20 || *p == 0x7f)
                        *p = '?';
        return copy;
}

static struct sink *sink_free(struct sink *sink)
{
        if (!sink)
                return NULL;
        free(sink->name);
        free(sink->address);
        free(sink->device_type);
        free(sink->path);
        free(sink);
        return NULL;
}
DEFINE_CLEANUP(struct sink *, sink_free);

static int sink_apply(struct sink *sink, const struct sink_info *info, bool *ret_changed)
{
        _cleanup_free_ char *name = NULL, *type = NULL;
        bool changed;

        name = sink_sanitize_name(info->name);
        type = strdup(info->device_type ?: "unknown");
        if (!name || !type)
                return -ENOMEM;
        changed = !sink->name || strcmp(sink->name, name) != 0 || !sink->device_type ||
                  strcmp(sink->device_type, type) != 0 || sink->session_available != info->session_available ||
                  sink->max_throughput_mbps != info->max_throughput_mbps ||
                  sink->control_port != info->control_port || sink->signal_dbm != info->signal_dbm;
        free(sink->name);
        sink->name = steal_ptr(name);
        free(sink->device_type);
        sink->device_type = steal_ptr(type);
        sink->session_available = info->session_available;
        sink->max_throughput_mbps = info->max_throughput_mbps;
        sink->control_port = info->control_port;
        sink->signal_dbm = info->signal_dbm;
        *ret_changed = changed;
        return 0;
}

int sink_new(struct manager *m, const struct sink_info *info, struct sink **ret)
{
        _cleanup_(sink_freep) struct sink *sink = NULL;
        char id[18];
        bool changed;
        int r;

        if (!info || sink_address_to_id(info->address, id, sizeof(id)) < 0)
                return -EINVAL;
        if (manager_find_sink(m, info->address))
                return -EEXIST;

        sink = calloc(1, sizeof(*sink));
        if (!sink)
                return -ENOMEM;
        sink->address = strdup(info->address);
        if (!sink->address || asprintf(&sink->path, "/org/miracastd/sink/%s", id) < 0)
                return -ENOMEM;
        for (char *p = sink->address; *p; p++)
                *p = tolower((unsigned char) *p);
        r = sink_apply(sink, info, &changed);
        if (r < 0)
                return r;

        sink->manager = m;
        sink->id = m->next_sink_id++;
        sink->next = m->sinks;
        m->sinks = sink;
        log_sink_full_errno(sink, LOG_INFO, 0, "found (%s, %s)", sink->device_type,
                            sink->session_available ? "available" : "busy");
        if (m->hooks.sink_added)
                m->hooks.sink_added(sink);
        *ret = steal_ptr(sink);
        return 0;
}

int sink_update(struct sink *sink, const struct sink_info *info)
{
        bool changed;
        int r;

        if (!info || !info->address || strcasecmp(info->address, sink->address) != 0)
                return -EINVAL;
        r = sink_apply(sink, info, &changed);
        if (r < 0)
                return r;
        if (changed && sink->notify)
                sink->notify(sink, SINK_CHANGED_PROPERTIES);
        return 0;
}

struct sink *sink_remove(struct sink *sink)
{
        struct sink **p;

        if (!sink)
                return NULL;
        if (sink->cast_session)
                sink_cast_failed(sink, -EHOSTUNREACH, "the sink is gone (no longer seen by Wi-Fi Direct discovery)");
        /* Sessions keep a pointer to their sink for Session1.Sink. */
        for (struct session *s = sink->manager->sessions; s; s = s->next)
                if (s->sink == sink)
                        s->sink = NULL;
        for (struct listener *l = sink->manager->listeners; l; l = l->next)
                if (l->sink == sink)
                        l->sink = NULL;
        if (sink->notify)
                sink->notify(sink, SINK_CHANGED_REMOVED);
        for (p = &sink->manager->sinks; *p; p = &(*p)->next)
                if (*p == sink) {
                        *p = sink->next;
                        break;
                }
        log_sink_full_errno(sink, LOG_INFO, 0, "gone");
        return sink_free(sink);
}

int sink_cast(struct sink *sink, const struct cast_options *options, struct session **ret_session)
{
        struct manager *m = sink->manager;
        static const struct cast_options defaults = { .go_intent = -1 };
        struct context *c;
        struct session *s;
        int r;

        if (!m->p2p)
                return -ENOTSUP;
        if (sink->cast_session)
                return -EBUSY;
        if (manager_cast_refusal(m, options))
                return -EOPNOTSUPP; /* the caller asks manager_cast_refusal() for the words */
        c = manager_default_context(m);
        if (options && options->output) {
                /* One context per capture device: reuse the one for this output, or create it. */
                for (c = m->contexts; c; c = c->next)
                        if (strcmp(c->capture, options->output) == 0)
                                break;
                if (!c) {
                        r = context_new(m, options->output, &c);
                        if (r < 0)
                                return r;
                }
        }
        if (!c)
                return -ENODEV;

        r = session_new(m, c, sink, &s);
        if (r < 0)
                return r;
        if (options) {
                s->max_width = options->max_width;
                s->max_height = options->max_height;
                s->input_allowed = options->input;
        }
        sink->cast_session = s;
        r = session_arm_connect_timeout(s, SINK_CAST_TIMEOUT_USEC);
        if (r < 0) {
                sink->cast_session = NULL;
                session_end(s, r);
                return r;
        }
        r = m->p2p->connect(m->p2p_userdata, sink, options ?: &defaults);
        if (r < 0) {
                log_sink_full_errno(sink, LOG_ERR, r, "P2P backend %s failed to connect: %m", m->p2p->name);
                sink->cast_session = NULL;
                session_end(s, r);
                return r;
        }
        log_sink_full_errno(sink, LOG_INFO, 0, "connecting for session %u", s->id);
        *ret_session = s;
        return 0;
}

void sink_pin_display(struct sink *sink, const char *pin)
{
        struct manager *m = sink->manager;
        int r = -ENOKEY;

        if (sink->cast_session && m->hooks.pin_display)
                r = m->hooks.pin_display(sink, sink->cast_session, pin);
        if (r < 0)
                /* No agent: the journal is where the user can read it. */
                log_sink_full_errno(sink, LOG_NOTICE, 0, "enter PIN %s on the display", pin);
}

int sink_pin_request(struct sink *sink)
{
        struct manager *m = sink->manager;

        if (!sink->cast_session)
                return -ENOENT;
        if (!m->hooks.pin_request)
                return -ENOKEY;
        return m->hooks.pin_request(sink, sink->cast_session);
}

int sink_pin_entered(struct sink *sink, const char *pin)
{
        struct manager *m = sink->manager;

        if (!sink->cast_session)
                return -ENOENT;
        if (!m->p2p || !m->p2p->provide_pin)
                return -EOPNOTSUPP;
        return m->p2p->provide_pin(m->p2p_userdata, sink, pin);
}

void sink_cast_abort(struct sink *sink, int error, const char *reason)
{
        struct session *s = sink->cast_session;

        if (!s)
                return;
        log_sink_full_errno(sink, LOG_ERR, error < 0 ? error : -ECANCELED, "connecting cancelled: %s", reason);
        /* Still the cast session: ending it makes the backend cancel the connect. */
        session_end_full(s, error < 0 ? error : -ECANCELED, reason);
}

void sink_cast_failed(struct sink *sink, int error, const char *reason)
{
        struct session *s = sink->cast_session;

        if (!s)
                return;
        sink->cast_session = NULL;
        if (reason && *reason)
                log_sink_full_errno(sink, LOG_ERR, error < 0 ? error : -EIO, "connecting failed: %s", reason);
        else
                log_sink_full_errno(sink, LOG_ERR, error < 0 ? error : -EIO, "connecting failed: %m");
        session_end_full(s, error < 0 ? error : -EIO, reason);
}
