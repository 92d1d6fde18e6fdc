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
#include "session_video.h"
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

static bool sink_object_id_valid(const char *id)
{
        return id && *id && strlen(id) < 200 &&
               strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == strlen(id);
}

const char *sink_protocol_to_string(unsigned protocols)
{
        switch (protocols & (SINK_PROTOCOL_P2P | SINK_PROTOCOL_MICE)) {
        case SINK_PROTOCOL_P2P:
                return "p2p";
        case SINK_PROTOCOL_MICE:
                return "mice";
        case SINK_PROTOCOL_P2P | SINK_PROTOCOL_MICE:
                return "p2p mice";
        default:
                return "";
        }
}

static struct sink *sink_free(struct sink *sink)
{
        if (!sink)
                return NULL;
        free(sink->name);
        free(sink->address);
        free(sink->device_type);
        free(sink->path);
        observers_clear(&sink->observers);
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

        if (!info || !info->address)
                return -EINVAL;
        /* A MICE sink without p2pMAC has no MAC: its path comes from its own id. */
        if (sink_address_to_id(info->address, id, sizeof(id)) < 0 &&
            (!sink_object_id_valid(info->object_id) || strlen(info->address) > 64))
                return -EINVAL;
        if (manager_find_sink(m, info->address))
                return -EEXIST;

        sink = calloc(1, sizeof(*sink));
        if (!sink)
                return -ENOMEM;
        sink->address = strdup(info->address);
        if (!sink->address ||
            asprintf(&sink->path, "/org/miracastd/sink/%s", sink_object_id_valid(info->object_id) ? info->object_id : id) < 0)
                return -ENOMEM;
        sink->protocols = info->protocols ?: SINK_PROTOCOL_P2P;
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
        observers_notify(&m->observers, sink, MANAGER_CHANGED_SINK_ADDED);
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
        if ((sink->protocols | (info->protocols ?: SINK_PROTOCOL_P2P)) != sink->protocols) {
                sink->protocols |= info->protocols ?: SINK_PROTOCOL_P2P;
                changed = true;
        }
        if (changed)
                observers_notify(&sink->observers, sink, SINK_CHANGED_PROPERTIES);
        return 0;
}

struct session *sink_get_cast_session(struct sink *sink)
{
        return sink->cast_session_id ? manager_find_session_by_id(sink->manager, sink->cast_session_id) : NULL;
}

struct sink *sink_remove(struct sink *sink)
{
        struct sink **p;

        if (!sink)
                return NULL;
        if (sink_get_cast_session(sink))
                sink_cast_failed(sink, -EHOSTUNREACH, "the sink is gone (no longer seen by Wi-Fi Direct discovery)");
        /* Sessions and listeners know the sink by id: they find it gone. */
        observers_notify(&sink->observers, sink, SINK_CHANGED_REMOVED);
        for (p = &sink->manager->sinks; *p; p = &(*p)->next)
                if (*p == sink) {
                        *p = sink->next;
                        break;
                }
        log_sink_full_errno(sink, LOG_INFO, 0, "gone");
        return sink_free(sink);
}

void sink_add_protocols(struct sink *sink, unsigned protocols)
{
        if ((sink->protocols | protocols) == sink->protocols)
                return;
        sink->protocols |= protocols;
        log_sink_full_errno(sink, LOG_INFO, 0, "now reachable over %s", sink_protocol_to_string(sink->protocols));
        observers_notify(&sink->observers, sink, SINK_CHANGED_PROPERTIES);
}

struct sink *sink_lost(struct sink *sink, unsigned protocol)
{
        if (!sink)
                return NULL;
        if (sink->protocols & ~protocol) {
                if (sink->protocols & protocol) {
                        sink->protocols &= ~protocol;
                        observers_notify(&sink->observers, sink, SINK_CHANGED_PROPERTIES);
                }
                return sink;
        }
        return sink_remove(sink);
}

/* The transport a cast uses: MS-MICE when the device offers it (no radio to retune, works
 * where the Wi-Fi driver has no P2P), else Wi-Fi Direct. */
static const struct p2p_backend *sink_cast_transport(struct sink *sink, unsigned protocol, void **ret_userdata)
{
        struct manager *m = sink->manager;

        if (protocol == SINK_PROTOCOL_MICE) {
                *ret_userdata = m->mice_userdata;
                return m->mice;
        }
        *ret_userdata = m->p2p_userdata;
        return m->p2p;
}

void sink_cast_disconnect(struct sink *sink)
{
        const struct p2p_backend *b;
        void *userdata;

        b = sink_cast_transport(sink, sink->cast_protocol, &userdata);
        if (b)
                b->disconnect(userdata, sink);
}

/*
 * The sink follows the session of its Cast(): when it ends, the cast is over
 * and the backend removes the group (or cancels the connect). A failed connect
 * (sink_cast_failed()) clears cast_session_id first: the backend knows already.
 */
/* The display's M3 reply (Session1.SinkParameters) lists input we can inject: there is something to allow. */
static bool sink_session_offers_input(const struct session *s)
{
        for (char **p = s->sink_parameters; p && p[0] && p[1]; p += 2)
                if (strcmp(p[0], "wfd_uibc_capability") == 0)
                        return source_session_uibc_sink_can_input(p[1], strlen(p[1]));
        return false;
}

/* First PLAYING of a Cast() that left input unset, to a display that offers input: ask the person, once. */
static void sink_cast_ask_input(struct sink *sink, struct session *s)
{
        struct manager *m = sink->manager;
        int r;

        if (!sink->cast_ask_input)
                return;
        sink->cast_ask_input = false;
        if (s->input_allowed || !sink_session_offers_input(s))
                return;
        r = m->hooks.input_request ? m->hooks.input_request(sink, s) : -ENOKEY;
        if (r < 0)
                log_sink_full_errno(sink, LOG_INFO, r, "the display offers input, but nobody can be asked "
                                    "(no agent: %m); input stays off");
}

static void sink_on_cast_session_changed(void *object, unsigned change, void *userdata)
{
        struct session *s = object;
        struct manager *m = userdata;
        struct sink *sink = manager_find_sink_by_id(m, s->sink_id);

        if (!sink || sink->cast_session_id != s->id)
                return;
        if (change == SESSION_CHANGED_REMOVED) {
                sink->cast_session_id = 0;      /* freed without ending (daemon exit): nothing to tell */
                return;
        }
        if (change == SESSION_CHANGED_STATE && s->state == SOURCE_SESSION_STATE_PLAYING)
                sink_cast_ask_input(sink, s);
        if (change != SESSION_CHANGED_STATE || s->state != SOURCE_SESSION_STATE_ENDED)
                return;
        sink->cast_session_id = 0;
        sink_cast_disconnect(sink);
}

int sink_cast(struct sink *sink, const struct cast_options *options, struct session **ret_session)
{
        struct manager *m = sink->manager;
        static const struct cast_options defaults = { .go_intent = -1, .latency = -1 };
        const struct p2p_backend *transport;
        const char *output = options ? options->output : NULL;
        void *transport_userdata;
        unsigned protocol;
        struct context *c;
        struct session *s;
        int r;

        if (options && options->protocol)
                protocol = strcmp(options->protocol, "mice") == 0 ? SINK_PROTOCOL_MICE : SINK_PROTOCOL_P2P;
        else
                protocol = (sink->protocols & SINK_PROTOCOL_MICE) && m->mice ? SINK_PROTOCOL_MICE : SINK_PROTOCOL_P2P;
        transport = sink_cast_transport(sink, protocol, &transport_userdata);
        if (!transport || !(sink->protocols & protocol))
                return -ENOTSUP;
        if (sink_get_cast_session(sink))
                return -EBUSY;
        if (protocol == SINK_PROTOCOL_P2P && manager_cast_refusal(m, options))
                return -EOPNOTSUPP; /* the caller asks manager_cast_refusal() for the words */
        c = manager_default_context(m);
        if (options && options->have_pipewire_fd)
                /* A desktop stream: an unprivileged worker of its own kind, whatever the daemon captures. */
                output = SESSION_VIDEO_CONTEXT;
        if (output) {
                /* One context per capture device: reuse the one for this output, or create it. */
                for (c = m->contexts; c; c = c->next)
                        if (strcmp(c->capture, output) == 0)
                                break;
                if (!c) {
                        r = context_new(m, output, &c);
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
                if (options->latency >= 0)
                        s->latency = options->latency;
                s->no_audio = options->no_audio;
        }
        if (options && options->have_pipewire_fd) {
                r = session_video_new(options->video_source, options->pipewire_fd, options->pipewire_node,
                                      &s->video);
                if (r < 0) {
                        session_end(s, r);
                        return r;
                }
        }
        r = observers_add(&s->observers, sink_on_cast_session_changed, m, NULL);
        if (r < 0) {
                session_end(s, r);
                return r;
        }
        sink->cast_session_id = s->id;
        sink->cast_protocol = protocol;
        sink->cast_ask_input = !options || !options->input_set;
        r = session_arm_connect_timeout(s, SINK_CAST_TIMEOUT_USEC);
        if (r < 0) {
                sink->cast_session_id = 0;
                session_end(s, r);
                return r;
        }
        r = transport->connect(transport_userdata, sink, options ?: &defaults);
        if (r < 0) {
                log_sink_full_errno(sink, LOG_ERR, r, "%s failed to connect: %m", transport->name);
                sink->cast_session_id = 0;
                session_end(s, r);
                return r;
        }
        log_sink_full_errno(sink, LOG_INFO, 0, "connecting over %s for session %u", transport->name, s->id);
        *ret_session = s;
        return 0;
}

void sink_pin_display(struct sink *sink, const char *pin)
{
        struct manager *m = sink->manager;
        struct session *s = sink_get_cast_session(sink);
        int r = -ENOKEY;

        if (s && m->hooks.pin_display)
                r = m->hooks.pin_display(sink, s, pin);
        if (r < 0)
                /* No agent: the journal is where the user can read it. */
                log_sink_full_errno(sink, LOG_NOTICE, 0, "enter PIN %s on the display", pin);
}

int sink_pin_request(struct sink *sink)
{
        struct manager *m = sink->manager;
        struct session *s = sink_get_cast_session(sink);

        if (!s)
                return -ENOENT;
        if (!m->hooks.pin_request)
                return -ENOKEY;
        return m->hooks.pin_request(sink, s);
}

int sink_pin_entered(struct sink *sink, const char *pin)
{
        struct manager *m = sink->manager;

        if (!sink_get_cast_session(sink))
                return -ENOENT;
        if (!m->p2p || !m->p2p->provide_pin)
                return -EOPNOTSUPP;
        return m->p2p->provide_pin(m->p2p_userdata, sink, pin);
}

void sink_cast_abort(struct sink *sink, int error, const char *reason)
{
        struct session *s = sink_get_cast_session(sink);

        if (!s)
                return;
        log_sink_full_errno(sink, LOG_ERR, error < 0 ? error : -ECANCELED, "connecting cancelled: %s", reason);
        /* Still the cast session: ending it makes the backend cancel the connect. */
        session_end_full(s, error < 0 ? error : -ECANCELED, reason);
}

/*
 * An MS-MICE attempt failed before the sink's RTSP connection: a device that is also a
 * Wi-Fi Direct peer gets a second try over P2P ([MS-MICE] 3.2.5.8 falls back to P2P), with
 * default options (push button). Not when the sink said stop, the user cancelled or the
 * sink is being removed (-EHOSTUNREACH from sink_remove()).
 */
static bool sink_cast_fall_back(struct sink *sink, int error, const char *reason)
{
        static const struct cast_options defaults = { .go_intent = -1, .latency = -1 };
        struct manager *m = sink->manager;
        int r;

        if (sink->cast_protocol != SINK_PROTOCOL_MICE || !(sink->protocols & SINK_PROTOCOL_P2P) || !m->p2p ||
            m->p2p_unavailable || error == -ECONNREFUSED || error == -ECANCELED || error == -EHOSTUNREACH ||
            !sink_get_cast_session(sink) || sink_get_cast_session(sink)->state != SOURCE_SESSION_STATE_CONNECTING ||
            manager_cast_refusal(m, &defaults))
                return false;
        sink->cast_protocol = SINK_PROTOCOL_P2P;
        r = m->p2p->connect(m->p2p_userdata, sink, &defaults);
        if (r < 0) {
                log_sink_full_errno(sink, LOG_WARNING, r, "falling back to Wi-Fi Direct failed too: %m");
                return false;
        }
        log_sink_full_errno(sink, LOG_NOTICE, 0, "MS-MICE failed (%s); trying Wi-Fi Direct", reason ?: "no reason");
        return true;
}

void sink_cast_failed(struct sink *sink, int error, const char *reason)
{
        struct session *s = sink_get_cast_session(sink);

        if (!s)
                return;
        if (sink_cast_fall_back(sink, error, reason))
                return;
        sink->cast_session_id = 0;
        if (reason && *reason)
                log_sink_full_errno(sink, LOG_ERR, error < 0 ? error : -EIO, "connecting failed: %s", reason);
        else
                log_sink_full_errno(sink, LOG_ERR, error < 0 ? error : -EIO, "connecting failed: %m");
        session_end_full(s, error < 0 ? error : -EIO, reason);
}
