/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * daemon/session.h: main's proxy of a session whose connection, state
 * machine and media run in the context's stream worker (stream/session.c).
 * Requests go to the worker and wait for its answer; what the worker
 * reports arrives as messages (session_on_worker_msg()), every value
 * checked before it reaches D-Bus. Input from the display is parsed in the
 * worker (stream/uibc.c); main injects the parsed events (daemon/uinput.h,
 * HIDC through daemon/hid_inject.h),
 * checking them again: the worker's word is no better than the sink's.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../encoder/capture_spec.h"
#include "../protocol/macro.h"
#include "../protocol/net_address.h"
#include "../protocol/owned_str.h"
#include "../protocol/uibc_msg.h"
#include "../protocol/worker_msg.h"
#include "context.h"
#include "hid_inject.h"
#include "log.h"
#include "manager.h"
#include "session.h"
#include "session_video.h"
#include "sink.h"
#include "stream_worker.h"
#include "uinput.h"

/* How long an ended session stays visible (State "ended", EndReason) on D-Bus. */
#define SESSION_LINGER_USEC (30ULL * 1000 * 1000)
/* Bounds on what a worker may report (it parses sinks' bytes: main trusts nothing it says). */
#define SESSION_MAX_DIMENSION 16384
/* the rate control's buffer model: a quarter second full; a debt of seconds at most on a slow link */
#define SESSION_MAX_VBV_MS 60000
#define SESSION_MAX_FPS 1000
#define SESSION_MAX_PROPERTY 128

#define log_session_full_errno(s, level, error, fmt, ...) \
        log_full_errno(level, error, "session %u (%s): " fmt, (s)->id, session_log_name(s), ##__VA_ARGS__)
#define log_session_debug(s, ...) log_session_full_errno(s, LOG_DEBUG, 0, __VA_ARGS__)
#define log_session_info(s, ...) log_session_full_errno(s, LOG_INFO, 0, __VA_ARGS__)
#define log_session_warning_errno(s, e, ...) log_session_full_errno(s, LOG_WARNING, e, __VA_ARGS__)
#define log_session_error_errno(s, e, ...) log_session_full_errno(s, LOG_ERR, e, __VA_ARGS__)

struct session_private {
        struct stream_worker *worker;    /* the context's, while attached (counted by context_get_worker()) */
        struct stream_worker *mice_worker; /* the context's, while it reads the sink's MS-MICE connection
                                              (counted too) */
        sd_event_source *linger;         /* owned: frees the ended session */
        sd_event_source *connect_timer;  /* owned: Cast() waiting for the sink's connection */
        /* Input from the display: the devices, while the worker says input is active. */
        struct uinput_injector *injector;/* owned */
        struct hid_inject hid;           /* HIDC devices (uhid), only while the injector exists */
        uint32_t input_width, input_height; /* the pointer device's range */
        struct uibc_rect input_target;   /* the cast area in that range: events must land inside */
        struct uibc_key_filter keys;     /* main's own SysRq / VT switch / zap filter */
        struct uibc_rate_limit rate;     /* and its own rate limit */
        uint64_t input_dropped;

        session_started_t started;       /* pending StartMiracastSession answer */
        void *started_userdata;

        uint64_t attach_usec;            /* when the connection was attached (uptime) */
        struct session_statistics stats; /* the worker's last report */
};

static void session_send_input_state(struct session *s);

struct sink *session_get_sink(struct session *s)
{
        return s->sink_id ? manager_find_sink_by_id(s->manager, s->sink_id) : NULL;
}

/* The peer's address once connected, else the sink's, for log lines. */
static const char *session_log_name(struct session *s)
{
        struct sink *sink;

        if (s->peer && *s->peer)
                return s->peer;
        sink = session_get_sink(s);
        return sink ? sink->address : "-";
}

static uint64_t session_now(struct session *s)
{
        uint64_t now = 0;

        (void) sd_event_now(s->manager->event, CLOCK_MONOTONIC, &now);
        return now;
}

static void session_notify(struct session *s, enum session_change change)
{
        observers_notify(&s->observers, s, change);
}

static void session_set_state(struct session *s, enum source_session_state state)
{
        if (s->state == state)
                return;
        log_session_debug(s, "%s -> %s", source_session_state_to_string(s->state),
                          source_session_state_to_string(state));
        s->state = state;
        session_notify(s, SESSION_CHANGED_STATE);
}

int session_new(struct manager *m, struct context *context, struct sink *sink, struct session **ret)
{
        struct session *s, **tail;

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->priv = calloc(1, sizeof(*s->priv));
        if (!s->priv) {
                free(s);
                return -ENOMEM;
        }
        s->manager = m;
        s->context = context;
        s->sink_id = sink ? sink->id : 0;
        s->latency = m->config->latency;
        s->id = m->next_session_id++;
        hid_inject_init(&s->priv->hid, m->event, s->id);
        s->state = SOURCE_SESSION_STATE_CONNECTING;
        if (asprintf(&s->path, "/org/miracastd/session/%u", s->id) < 0) {
                s->path = NULL;
                goto fail;
        }
        if (owned_str_set(&s->end_reason_text, "") < 0 || owned_str_set(&s->peer, "") < 0 ||
            owned_str_set(&s->video_codec, "") < 0 || owned_str_set(&s->audio_codec, "") < 0 ||
            owned_str_set(&s->encoder, "") < 0)
                goto fail;

        for (tail = &m->sessions; *tail; tail = &(*tail)->next)
                ;
        *tail = s;
        context->n_sessions++;
        log_session_debug(s, "created on context %u", context->id);
        observers_notify(&m->observers, s, MANAGER_CHANGED_SESSION_ADDED);
        manager_update_status(m);
        *ret = s;
        return 0;

fail:
        free(s->path);
        free(s->end_reason_text);
        free(s->peer);
        free(s->video_codec);
        free(s->audio_codec);
        free(s->encoder);
        free(s->priv);
        free(s);
        return -ENOMEM;
}

static void session_free_sink_parameters(struct session *s)
{
        for (char **p = s->sink_parameters; p && *p; p++)
                free(*p);
        free(s->sink_parameters);
        s->sink_parameters = NULL;
}

bool session_is_on_worker(const struct session *s, const struct stream_worker *w)
{
        return w && (s->priv->worker == w || s->priv->mice_worker == w);
}

int session_watch_mice(struct session *s, int fd)
{
        uint8_t buf[64];
        struct session_private *p = s->priv;
        struct worker_msg_writer w;
        struct stream_worker *worker;
        int r;

        if (p->mice_worker || s->state == SOURCE_SESSION_STATE_ENDED)
                return -EBUSY;
        r = context_get_worker(s->context, &worker);
        if (r < 0)
                return r;
        worker_msg_begin(&w, buf, sizeof(buf), WORKER_MSG_MICE_WATCH, s->id);
        r = stream_worker_send(worker, &w, &fd, 1);
        if (r < 0) {
                context_put_worker(s->context);
                return r;
        }
        p->mice_worker = worker;
        return 0;
}

/* The MS-MICE watch is over (reported, or the session ended: then the worker drops it). */
static void session_unwatch_mice(struct session *s, bool tell)
{
        uint8_t buf[64];
        struct session_private *p = s->priv;
        struct worker_msg_writer w;

        if (!p->mice_worker)
                return;
        /* Without a session there, END only drops the watch; with one, session_detach() says it too. */
        if (tell && p->mice_worker != p->worker && !stream_worker_is_dead(p->mice_worker)) {
                worker_msg_begin(&w, buf, sizeof(buf), WORKER_MSG_END, s->id);
                (void) stream_worker_send(p->mice_worker, &w, NULL, 0);
        }
        p->mice_worker = NULL;
        context_put_worker(s->context);
}

/* The session no longer runs on the worker (ended on either side); the last one lets it go. When
 * tell, the worker hears END (reason, text) and ends its side (best effort). */
static void session_detach(struct session *s, bool tell, int reason, const char *text)
{
        static uint8_t buf[512];
        struct session_private *p = s->priv;
        struct worker_msg_writer w;

        if (!p->worker)
                return;
        if (tell && !stream_worker_is_dead(p->worker)) {
                worker_msg_begin(&w, buf, sizeof(buf), WORKER_MSG_END, s->id);
                worker_msg_put_i64(&w, WORKER_FIELD_ERROR, reason);
                worker_msg_put_str(&w, WORKER_FIELD_TEXT, text && strlen(text) < 256 ? text : NULL);
                (void) stream_worker_send(p->worker, &w, NULL, 0);
        }
        p->worker = NULL;
        context_put_worker(s->context);
}

/* Input off: every device goes (uinput and uhid), anything held is released. */
static void session_input_devices_free(struct session *s)
{
        struct session_private *p = s->priv;

        if (p->injector)
                log_session_info(s, "UIBC: input off; virtual input devices removed");
        p->injector = uinput_injector_free(p->injector);
        hid_inject_clear(&p->hid);
}

static void session_stop_io(struct session *s)
{
        struct session_private *p = s->priv;

        p->connect_timer = sd_event_source_disable_unref(p->connect_timer);
        session_input_devices_free(s);
}

struct session *session_free(struct session *s)
{
        struct session **i;

        if (!s)
                return NULL;
        session_notify(s, SESSION_CHANGED_REMOVED);
        observers_clear(&s->observers);
        for (i = &s->manager->sessions; *i; i = &(*i)->next)
                if (*i == s) {
                        *i = s->next;
                        break;
                }
        session_unwatch_mice(s, true);
        session_detach(s, true, -ESHUTDOWN, NULL);
        if (s->context)
                s->context->n_sessions--;

        session_stop_io(s);
        s->priv->linger = sd_event_source_disable_unref(s->priv->linger);
        session_free_sink_parameters(s);
        s->video = session_video_free(s->video);
        free(s->priv);
        free(s->path);
        free(s->end_reason_text);
        free(s->peer);
        free(s->video_codec);
        free(s->audio_codec);
        free(s->encoder);
        free(s);
        return NULL;
}

static int session_on_linger(sd_event_source *source, uint64_t usec, void *userdata)
{
        struct session *s = userdata;
        struct manager *m = s->manager;

        session_free(s);
        manager_update_status(m);
        return 0;
}

void session_end(struct session *s, int reason)
{
        session_end_full(s, reason, NULL);
}

void session_end_full(struct session *s, int reason, const char *text)
{
        struct session_private *p = s->priv;
        session_started_t started;
        int r;

        if (s->state == SOURCE_SESSION_STATE_ENDED)
                return;
        if (text && *text)
                (void) owned_str_set(&s->end_reason_text, text);

        /* The worker ends its side: what the machine queued last (a TEARDOWN reply) goes out before
         * the close there. */
        session_unwatch_mice(s, true);
        session_detach(s, true, reason, text);
        session_stop_io(s);
        /* The desktop's PipeWire connection ends with the cast: kept while the ended object lingers, it
         * kept our consumer node in the person's PipeWire graph (seen in GNOME 48's pw-dump). */
        if (s->video)
                s->video->pipewire_fd = safe_close(s->video->pipewire_fd);

        s->end_reason = reason;
        if (!s->end_reason_text || !*s->end_reason_text) {
                char buf[160];
                if (reason < 0)
                        snprintf(buf, sizeof(buf), "%s", strerror(-reason));
                else
                        snprintf(buf, sizeof(buf), "ended");
                (void) owned_str_set(&s->end_reason_text, buf);
        }
        if (reason < 0)
                log_session_warning_errno(s, reason, "ended: %s", s->end_reason_text);
        else
                log_session_info(s, "ended: %s", s->end_reason_text);
        s->input_active = false;
        session_set_state(s, SOURCE_SESSION_STATE_ENDED);

        started = steal_ptr(p->started);
        if (started)
                started(s, reason < 0 ? reason : -ECONNRESET, NULL, p->started_userdata);

        /* Freed later from the event loop, never under a caller's feet. */
        r = sd_event_add_time_relative(s->manager->event, &p->linger, CLOCK_MONOTONIC,
                                       s->manager->shutting_down ? 0 : SESSION_LINGER_USEC, 0, session_on_linger, s);
        if (r < 0)
                log_session_warning_errno(s, r, "Failed to schedule freeing, keeping it until exit: %m");
        manager_session_gone(s->manager);
}

/* ---- what the worker reports -------------------------------------------------- */

/* A text property from the worker: bounded, printable ASCII only (it goes to D-Bus as UTF-8). */
static int session_take_text(const struct worker_msg *m, uint16_t tag, char **field)
{
        char buf[SESSION_MAX_PROPERTY];
        int r;

        r = worker_msg_get_str(m, tag, buf, sizeof(buf));
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return -EBADMSG;
        for (char *c = buf; *c; c++)
                if (*c < 0x20 || *c > 0x7e)
                        return -EBADMSG;
        return owned_str_set(field, buf);
}

static int session_get_ranged(const struct worker_msg *m, uint16_t tag, int64_t max, unsigned *ret)
{
        int64_t v;
        int r = worker_msg_get_ranged(m, tag, 0, max, &v);

        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return -EBADMSG;
        *ret = (unsigned) v;
        return 0;
}

static int session_on_format(struct session *s, const struct worker_msg *m)
{
        unsigned w = s->width, h = s->height, fps = s->refresh_rate, bitrate = s->bitrate_bps;
        int r;

        if (session_get_ranged(m, WORKER_FIELD_WIDTH, SESSION_MAX_DIMENSION, &w) < 0 ||
            session_get_ranged(m, WORKER_FIELD_HEIGHT, SESSION_MAX_DIMENSION, &h) < 0 ||
            session_get_ranged(m, WORKER_FIELD_FPS, SESSION_MAX_FPS, &fps) < 0 ||
            session_get_ranged(m, WORKER_FIELD_BITRATE, UINT32_MAX, &bitrate) < 0)
                return -EBADMSG;
        r = session_take_text(m, WORKER_FIELD_VIDEO_CODEC, &s->video_codec);
        if (r >= 0)
                r = session_take_text(m, WORKER_FIELD_AUDIO_CODEC, &s->audio_codec);
        if (r >= 0)
                r = session_take_text(m, WORKER_FIELD_ENCODER, &s->encoder);
        if (r < 0)
                return r;
        s->width = w;
        s->height = h;
        s->refresh_rate = fps;
        s->bitrate_bps = bitrate;
        session_notify(s, SESSION_CHANGED_FORMAT);
        return 0;
}

/* SinkParameters: the sink's M3 reply as name,value,... as the worker's parser split it. */
static int session_on_negotiated(struct session *s, const struct worker_msg *m)
{
        struct session_private *p = s->priv;
        session_started_t started;
        unsigned monitor = 0, reduced = 0;
        size_t n = 0, k = 0;
        char **v;

        if (session_get_ranged(m, WORKER_FIELD_MONITOR_CONNECTED, 1, &monitor) < 0 ||
            session_get_ranged(m, WORKER_FIELD_REDUCED_MODES, 1, &reduced) < 0)
                return -EBADMSG;
        for (size_t i = 0; i < m->n_fields; i++)
                if (m->fields[i].tag == WORKER_FIELD_SINK_PARAMETER)
                        n++;
        n &= ~(size_t) 1;       /* a name without its value (a cut-off list) is left out */
        session_free_sink_parameters(s);
        v = calloc(n + 1, sizeof(char *));
        if (!v)
                return -ENOMEM;
        s->sink_parameters = v;
        for (size_t i = 0; i < m->n_fields && k < n; i++) {
                const struct worker_msg_field *f = &m->fields[i];

                if (f->tag != WORKER_FIELD_SINK_PARAMETER)
                        continue;
                v[k] = strndup((const char *) f->value, f->len);
                if (!v[k])
                        return -ENOMEM;
                k++;
        }

        s->negotiated = true;
        s->info.monitor_connected = monitor;
        s->info.reduced_mode_list_due_to_bandwidth = reduced;
        session_notify(s, SESSION_CHANGED_FORMAT);
        started = steal_ptr(p->started);
        if (started)
                started(s, 0, &s->info, p->started_userdata);
        return 0;
}

static int session_on_statistics(struct session *s, const struct worker_msg *m)
{
        struct session_statistics st = {};
        uint64_t v;
        int64_t level;

        if (worker_msg_get_u64(m, WORKER_FIELD_FRAMES, &v) >= 0)
                st.frames = v;
        if (worker_msg_get_u64(m, WORKER_FIELD_DROPS, &v) >= 0)
                st.drops = v;
        if (worker_msg_get_u64(m, WORKER_FIELD_BYTES, &v) >= 0)
                st.bytes = v;
        if (worker_msg_get_u64(m, WORKER_FIELD_LATENCY_P50, &v) >= 0)
                st.latency_p50_usec = v;
        if (worker_msg_get_u64(m, WORKER_FIELD_LATENCY_P99, &v) >= 0)
                st.latency_p99_usec = v;
        if (worker_msg_get_u64(m, WORKER_FIELD_RATE_NOW, &v) >= 0)
                st.bitrate_bps = v;
        if (worker_msg_get_u64(m, WORKER_FIELD_RTCP, &v) >= 0)
                st.rtcp = v != 0;
        if (worker_msg_get_u64(m, WORKER_FIELD_RTCP_REPORTS, &v) >= 0)
                st.rtcp_reports = v;
        if (worker_msg_get_ranged(m, WORKER_FIELD_LOSS_PPM, 0, 1000000, &level) >= 0)
                st.loss_percent = (double) level / 10000.0;
        if (worker_msg_get_i64(m, WORKER_FIELD_PACKETS_LOST, &level) >= 0)
                st.packets_lost = level;
        if (worker_msg_get_u64(m, WORKER_FIELD_JITTER, &v) >= 0)
                st.jitter_usec = v;
        if (worker_msg_get_u64(m, WORKER_FIELD_RTT, &v) >= 0)
                st.rtt_usec = v;
        if (worker_msg_get_u64(m, WORKER_FIELD_NACK_ITEMS, &v) >= 0)
                st.nack_items = v;
        if (worker_msg_get_u64(m, WORKER_FIELD_RTX_SENT, &v) >= 0)
                st.rtx_sent = v;
        if (worker_msg_get_u64(m, WORKER_FIELD_RTX_MISSING, &v) >= 0)
                st.rtx_missing = v;
        if (worker_msg_get_u64(m, WORKER_FIELD_SEND_QUEUE, &v) >= 0)
                st.send_queue_bytes = v;
        if (worker_msg_get_u64(m, WORKER_FIELD_ABR_LOWERED, &v) >= 0)
                st.abr_lowered = v;
        if (worker_msg_get_u64(m, WORKER_FIELD_ABR_RAISED, &v) >= 0)
                st.abr_raised = v;
        /* QP is H.264's 0..51 plus x264's extension to 69; the buffer a few seconds either way at most */
        if (worker_msg_get_ranged(m, WORKER_FIELD_QP, 0, 69, &level) >= 0) {
                st.rate_control = true;
                st.qp = (unsigned) level;
                if (worker_msg_get_ranged(m, WORKER_FIELD_QP_AVG_CENTI, 0, 6900, &level) >= 0)
                        st.qp_average = (double) level / 100.0;
                if (worker_msg_get_u64(m, WORKER_FIELD_RATE_SKIPPED, &v) >= 0)
                        st.frames_rate_skipped = v;
                if (worker_msg_get_u64(m, WORKER_FIELD_QP_RANGE_SWITCHES, &v) >= 0)
                        st.qp_range_switches = v;
                if (worker_msg_get_ranged(m, WORKER_FIELD_VBV_BUFFER_MS, -SESSION_MAX_VBV_MS, SESSION_MAX_VBV_MS,
                                          &level) >= 0)
                        st.vbv_buffer_ms = level;
        }
        /* a worker has at most a few encoders and sessions: anything else is a lie */
        if (worker_msg_get_ranged(m, WORKER_FIELD_ENCODER_GROUP, 0, 1 << 24, &level) >= 0)
                st.encoder_group = (unsigned) level;
        if (worker_msg_get_ranged(m, WORKER_FIELD_ENCODER_SHARED_WITH, 0, 1024, &level) >= 0)
                st.encoder_shared_with = (unsigned) level;
        if (worker_msg_get_u64(m, WORKER_FIELD_FRAMES_SHARED, &v) >= 0)
                st.frames_shared = v;
        if (worker_msg_get_str(m, WORKER_FIELD_AUDIO_INPUT, st.audio_input, sizeof(st.audio_input)) == -ENOBUFS)
                return -EBADMSG;
        if (worker_msg_get_ranged(m, WORKER_FIELD_AUDIO_LEVEL_MDBFS, -1000000, 1000000, &level) >= 0)
                st.audio_level_dbfs = (double) level / 1000.0;
        if (worker_msg_get_u64(m, WORKER_FIELD_AUDIO_UNDERRUNS, &v) >= 0)
                st.audio_underruns = v;
        if (worker_msg_get_u64(m, WORKER_FIELD_AUDIO_DROPPED, &v) >= 0)
                st.audio_dropped = v;
        if (worker_msg_get_str(m, WORKER_FIELD_AUDIO_SILENCE_REASON, st.audio_silence_reason,
                               sizeof(st.audio_silence_reason)) == -ENOBUFS)
                return -EBADMSG;
        s->priv->stats = st;
        /* Session1.AudioState follows the worker's reason for silence (the journal line came from the worker) */
        if (s->audio_silent != (st.audio_silence_reason[0] != 0)) {
                s->audio_silent = st.audio_silence_reason[0] != 0;
                session_notify(s, SESSION_CHANGED_AUDIO);
        }
        return 0;
}

/*
 * The state machine says inject or stop: create or destroy the devices (main holds /dev/uinput and
 * /dev/uhid). The worker computed the geometry (uibc_geometry_compute()): the pointer device spans
 * RANGE, the cast area is TARGET inside it; without them (an older worker) the target is the range.
 */
static int session_on_input(struct session *s, const struct worker_msg *m)
{
        struct session_private *p = s->priv;
        unsigned active = 0, mw = 0, mh = 0, tw = 0, th = 0, tx = 0, ty = 0, rw = 0, rh = 0;
        unsigned px = 0, py = 0, pw = 0, ph = 0;
        char name[64];
        int r = 0;

        if (session_get_ranged(m, WORKER_FIELD_ACTIVE, 1, &active) < 0 ||
            session_get_ranged(m, WORKER_FIELD_MODE_WIDTH, SESSION_MAX_DIMENSION, &mw) < 0 ||
            session_get_ranged(m, WORKER_FIELD_MODE_HEIGHT, SESSION_MAX_DIMENSION, &mh) < 0 ||
            session_get_ranged(m, WORKER_FIELD_TARGET_WIDTH, SESSION_MAX_DIMENSION, &tw) < 0 ||
            session_get_ranged(m, WORKER_FIELD_TARGET_HEIGHT, SESSION_MAX_DIMENSION, &th) < 0 ||
            session_get_ranged(m, WORKER_FIELD_TARGET_X, SESSION_MAX_DIMENSION, &tx) < 0 ||
            session_get_ranged(m, WORKER_FIELD_TARGET_Y, SESSION_MAX_DIMENSION, &ty) < 0 ||
            session_get_ranged(m, WORKER_FIELD_PICTURE_X, SESSION_MAX_DIMENSION, &px) < 0 ||
            session_get_ranged(m, WORKER_FIELD_PICTURE_Y, SESSION_MAX_DIMENSION, &py) < 0 ||
            session_get_ranged(m, WORKER_FIELD_PICTURE_WIDTH, SESSION_MAX_DIMENSION, &pw) < 0 ||
            session_get_ranged(m, WORKER_FIELD_PICTURE_HEIGHT, SESSION_MAX_DIMENSION, &ph) < 0)
                return -EBADMSG;
        rw = tx + tw;
        rh = ty + th;
        if (session_get_ranged(m, WORKER_FIELD_RANGE_WIDTH, SESSION_MAX_DIMENSION, &rw) < 0 ||
            session_get_ranged(m, WORKER_FIELD_RANGE_HEIGHT, SESSION_MAX_DIMENSION, &rh) < 0 ||
            tx + tw > rw || ty + th > rh || (pw && px + pw > mw) || (ph && py + ph > mh))
                return -EBADMSG;
        if (!s->input_allowed)
                active = false;         /* the person withdrew it: whatever the worker says */
        if (!active || tw == 0 || th == 0) {
                session_input_devices_free(s);
        } else if (!p->injector || rw != p->input_width || rh != p->input_height) {
                /* a new range is a new pointer device; the HIDC devices do not depend on it */
                p->injector = uinput_injector_free(p->injector);
                snprintf(name, sizeof(name), "miracastd session %u", s->id);
                r = uinput_injector_new(-1, -1, name, rw, rh, &p->injector);
                if (r < 0) {
                        log_session_error_errno(s, r, "Failed to create the input devices (/dev/uinput: %m); "
                                                "input from the display stays off");
                        hid_inject_clear(&p->hid);
                } else {
                        p->input_width = rw;
                        p->input_height = rh;
                        uibc_key_filter_init(&p->keys);
                        (void) uibc_rate_limit_init(&p->rate, UIBC_DEFAULT_RATE_PER_SEC, UIBC_DEFAULT_BURST,
                                                    session_now(s));
                }
        }
        if (p->injector && active && tw > 0 && th > 0) {
                if (p->input_target.width != tw || p->input_target.height != th ||
                    p->input_target.x != (int32_t) tx || p->input_target.y != (int32_t) ty || !s->input_active)
                        log_session_info(s, "UIBC: input on: the picture at %ux%u%+d%+d of the display's mode "
                                         "mapped to %ux%u%+d%+d (device range %ux%u)", pw ?: mw, ph ?: mh, px, py,
                                         tw, th, tx, ty, rw, rh);
                p->input_target = (struct uibc_rect) { (int32_t) tx, (int32_t) ty, tw, th };
        }
        s->input_active = p->injector != NULL;
        session_notify(s, SESSION_CHANGED_INPUT);
        session_send_input_state(s);
        return 0;
}

/* Tell the worker whether the devices exist: it forwards input only then. */
static void session_send_input_state(struct session *s)
{
        uint8_t buf[64];
        struct worker_msg_writer w;

        if (!s->priv->worker)
                return;
        worker_msg_begin(&w, buf, sizeof(buf), WORKER_MSG_INPUT_STATE, s->id);
        worker_msg_put_u64(&w, WORKER_FIELD_ACTIVE, s->input_active);
        (void) stream_worker_send(s->priv->worker, &w, NULL, 0);
}

/* A number in [lo, lo + n): a coordinate inside the cast area, a contact id. */
static int session_get_coordinate(const struct worker_msg_field *f, int32_t lo, uint32_t n, int32_t *ret)
{
        uint64_t v = 0;

        if (f->len != 8)
                return -EBADMSG;
        for (int i = 7; i >= 0; i--)
                v = v << 8 | f->value[i];
        if (v < (uint64_t) lo || v - (uint64_t) lo >= n)   /* also negative numbers: huge as unsigned */
                return -ERANGE;
        *ret = (int32_t) v;
        return 0;
}

/* One event the worker parsed from the sink: checked again, limited again, injected. */
static int session_on_input_event(struct session *s, const struct worker_msg *m)
{
        struct session_private *p = s->priv;
        struct uinput_contact contacts[UINPUT_MAX_CONTACTS];
        unsigned kind = 0, key = 0, down = 0, vertical = 0;
        int64_t button = -1, notches = 0;
        size_t n = 0;
        int32_t x = 0, y = 0;
        bool release = false;
        int r;

        if (session_get_ranged(m, WORKER_FIELD_INPUT_KIND, WORKER_INPUT_TOUCH, &kind) < 0 || kind == 0)
                return -EBADMSG;
        if (!p->injector) {
                p->input_dropped++;
                return 0;
        }
        switch (kind) {
        case WORKER_INPUT_POINTER:
                for (size_t i = 0; i < m->n_fields; i++) {
                        const struct worker_msg_field *f = &m->fields[i];
                        if ((f->tag == WORKER_FIELD_X &&
                             session_get_coordinate(f, p->input_target.x, p->input_target.width, &x) < 0) ||
                            (f->tag == WORKER_FIELD_Y &&
                             session_get_coordinate(f, p->input_target.y, p->input_target.height, &y) < 0))
                                return -EBADMSG;
                }
                if (worker_msg_get_ranged(m, WORKER_FIELD_BUTTON, -1, 1, &button) == -ERANGE)
                        return -EBADMSG;
                release = button == 0;
                break;
        case WORKER_INPUT_KEY:
                if (session_get_ranged(m, WORKER_FIELD_KEY, 0x2ff, &key) < 0 ||
                    session_get_ranged(m, WORKER_FIELD_DOWN, 1, &down) < 0)
                        return -EBADMSG;
                release = !down;
                if (!uibc_key_filter_allow(&p->keys, (uint16_t) key, down)) {
                        log_session_full_errno(s, LOG_NOTICE, 0, "UIBC: key %u %s blocked (SysRq / VT switch / zap "
                                               "combination)", key, down ? "press" : "release");
                        return 0;
                }
                break;
        case WORKER_INPUT_WHEEL:
                if (session_get_ranged(m, WORKER_FIELD_VERTICAL, 1, &vertical) < 0 ||
                    worker_msg_get_ranged(m, WORKER_FIELD_NOTCHES, -1000, 1000, &notches) < 0)
                        return -EBADMSG;
                break;
        case WORKER_INPUT_TOUCH:
                /* CONTACT_ID X Y, in that order, per contact */
                for (size_t i = 0; i < m->n_fields; i++) {
                        const struct worker_msg_field *f = &m->fields[i];
                        unsigned id;

                        if (f->tag != WORKER_FIELD_CONTACT_ID)
                                continue;
                        if (n >= UINPUT_MAX_CONTACTS || i + 2 >= m->n_fields || m->fields[i + 1].tag != WORKER_FIELD_X ||
                            m->fields[i + 2].tag != WORKER_FIELD_Y ||
                            session_get_coordinate(f, 0, 256, &(int32_t) { 0 }) < 0 ||
                            session_get_coordinate(&m->fields[i + 1], p->input_target.x, p->input_target.width,
                                                   &contacts[n].x) < 0 ||
                            session_get_coordinate(&m->fields[i + 2], p->input_target.y, p->input_target.height,
                                                   &contacts[n].y) < 0)
                                return -EBADMSG;
                        id = f->value[0];
                        contacts[n++].id = (uint8_t) id;
                }
                release = n == 0;
                break;
        }
        /* Releases always pass, so a cut flood never leaves anything held. */
        if (!release && !uibc_rate_limit_take(&p->rate, session_now(s))) {
                if (p->input_dropped++ == 0)
                        log_session_full_errno(s, LOG_WARNING, 0, "UIBC: more than %u events/s from the stream worker; "
                                               "dropping the excess", UIBC_DEFAULT_RATE_PER_SEC);
                return 0;
        }
        switch (kind) {
        case WORKER_INPUT_POINTER:
                r = uinput_injector_pointer(p->injector, x, y, (int) button);
                break;
        case WORKER_INPUT_KEY:
                r = uinput_injector_key(p->injector, (uint16_t) key, down);
                break;
        case WORKER_INPUT_WHEEL:
                r = uinput_injector_wheel(p->injector, vertical, (int32_t) notches);
                break;
        default:
                r = uinput_injector_touch(p->injector, contacts, n);
                break;
        }
        if (r < 0) {
                log_session_warning_errno(s, r, "UIBC: injecting failed: %m; input off");
                session_input_devices_free(s);
                s->input_active = false;
                session_notify(s, SESSION_CHANGED_INPUT);
                session_send_input_state(s);
        }
        return 0;
}

/* HIDC from the worker: a report descriptor (a uhid device) or one report; checked again here. */
static int session_on_hid(struct session *s, const struct worker_msg *m)
{
        struct session_private *p = s->priv;
        int64_t path = 0, type = 0;
        const uint8_t *data = NULL;
        size_t len = 0;
        int r;

        if (worker_msg_get_ranged(m, WORKER_FIELD_HID_PATH, 0, 255, &path) < 0 ||
            worker_msg_get_ranged(m, WORKER_FIELD_HID_TYPE, 0, 255, &type) < 0 ||
            worker_msg_get_bytes(m, WORKER_FIELD_HID_DATA, &data, &len) < 0 || len == 0 ||
            len > (m->type == WORKER_MSG_HID_DEVICE ? HID_MAX_DESCRIPTOR : HID_MAX_REPORT))
                return -EBADMSG;
        if (!p->injector) {
                /* input went off meanwhile: the worker hears it (INPUT_STATE) and announces again */
                p->input_dropped++;
                return 0;
        }
        if (m->type == WORKER_MSG_HID_DEVICE) {
                r = hid_inject_device(&p->hid, (uint8_t) path, (uint8_t) type, data, len);
                if (r == -EBADMSG || r == -E2BIG || r == -EINVAL)
                        return -EBADMSG;
                if (r < 0)
                        log_session_error_errno(s, r, "UIBC: Failed to create a HIDC device (/dev/uhid: %m); its "
                                                "reports are dropped");
                return 0;
        }
        /* HID reports carry the whole state (keys held, buttons down): a dropped one heals with the next. */
        if (!uibc_rate_limit_take(&p->rate, session_now(s))) {
                if (p->input_dropped++ == 0)
                        log_session_full_errno(s, LOG_WARNING, 0, "UIBC: more than %u events/s from the stream worker; "
                                               "dropping the excess", UIBC_DEFAULT_RATE_PER_SEC);
                return 0;
        }
        r = hid_inject_report(&p->hid, (uint8_t) path, (uint8_t) type, data, len);
        if (r > 0 || r == -EPERM)
                log_session_full_errno(s, LOG_NOTICE, 0, "UIBC: HIDC report: SysRq / VT switch / zap key %s",
                                       r > 0 ? "removed" : "held, report dropped");
        else if (r == -ENOENT || r == -ENODEV)
                p->input_dropped++;     /* no such device or report id: nothing reaches the kernel */
        else if (r < 0)
                log_session_warning_errno(s, r, "UIBC: HIDC report not accepted by uhid: %m");
        return 0;
}

/* What the sink said on MS-MICE (read and parsed in the worker): to the MS-MICE backend. */
static int session_on_mice_event(struct session *s, const struct worker_msg *m)
{
        struct manager *mgr = s->manager;
        struct sink *sink = session_get_sink(s);
        char text[512] = "";
        unsigned kind = 0;
        int64_t e = 0;

        if (!s->priv->mice_worker)
                return 0;
        if (session_get_ranged(m, WORKER_FIELD_MICE_KIND, WORKER_MICE_CLOSED, &kind) < 0 || kind == 0 ||
            worker_msg_get_ranged(m, WORKER_FIELD_ERROR, -4095, 0, &e) == -ERANGE ||
            worker_msg_get_str(m, WORKER_FIELD_TEXT, text, sizeof(text)) == -ENOBUFS)
                return -EBADMSG;
        for (char *c = text; *c; c++)
                if ((unsigned char) *c < 0x20 || *c == 0x7f)
                        *c = ' ';
        session_unwatch_mice(s, false);         /* a report ends the watch */
        if (sink && mgr->mice && mgr->mice->control_event)
                mgr->mice->control_event(mgr->mice_userdata, sink, kind, (int) e, text);
        return 0;
}

static int session_on_ended(struct session *s, const struct worker_msg *m)
{
        char text[160] = "";
        int64_t e = 0;

        if (worker_msg_get_ranged(m, WORKER_FIELD_ERROR, -4095, 0, &e) == -ERANGE ||
            worker_msg_get_str(m, WORKER_FIELD_TEXT, text, sizeof(text)) == -ENOBUFS)
                text[0] = '\0';
        for (char *c = text; *c; c++)
                if ((unsigned char) *c < 0x20)
                        *c = ' ';
        /* Its side is over already: nothing to tell it. */
        session_detach(s, false, 0, NULL);
        session_end_full(s, (int) e, text[0] ? text : NULL);
        return 0;
}

void session_on_worker_msg(struct session *s, const struct worker_msg *m)
{
        unsigned state;
        int r = 0;

        if (s->state == SOURCE_SESSION_STATE_ENDED)
                return;
        switch (m->type) {
        case WORKER_MSG_STATE:
                /* "ended" only comes with ENDED (and its reason) */
                state = s->state;
                r = session_get_ranged(m, WORKER_FIELD_STATE, SOURCE_SESSION_STATE_ENDED - 1, &state);
                if (r >= 0)
                        session_set_state(s, (enum source_session_state) state);
                break;
        case WORKER_MSG_FORMAT:
                r = session_on_format(s, m);
                break;
        case WORKER_MSG_NEGOTIATED:
                r = session_on_negotiated(s, m);
                break;
        case WORKER_MSG_STATISTICS:
                r = session_on_statistics(s, m);
                break;
        case WORKER_MSG_INPUT:
                r = session_on_input(s, m);
                break;
        case WORKER_MSG_INPUT_EVENT:
                r = session_on_input_event(s, m);
                break;
        case WORKER_MSG_MICE_EVENT:
                r = session_on_mice_event(s, m);
                break;
        case WORKER_MSG_HID_DEVICE:
        case WORKER_MSG_HID_REPORT:
                r = session_on_hid(s, m);
                break;
        case WORKER_MSG_ENDED:
                r = session_on_ended(s, m);
                break;
        default:
                break;
        }
        if (r < 0)
                log_session_warning_errno(s, r, "Ignoring a bad %s report from the stream worker",
                                          worker_msg_type_to_string(m->type));
}

/* ---- connecting ---------------------------------------------------------------- */

static int session_on_connect_timeout(sd_event_source *source, uint64_t usec, void *userdata)
{
        struct session *s = userdata;

        (void) owned_str_set(&s->end_reason_text, "the sink did not connect in time");
        session_end(s, -ETIMEDOUT);
        return 0;
}

int session_arm_connect_timeout(struct session *s, uint64_t usec)
{
        struct session_private *p = s->priv;

        if (s->state != SOURCE_SESSION_STATE_CONNECTING)
                return -EBUSY;
        p->connect_timer = sd_event_source_disable_unref(p->connect_timer);
        return sd_event_add_time_relative(s->manager->event, &p->connect_timer, CLOCK_MONOTONIC, usec, 0,
                                          session_on_connect_timeout, s);
}

/*
 * A connection to the PipeWire remote for the worker's capture: the worker runs as
 * another user and may not reach the socket (a private runtime directory), so main
 * connects and hands the connection over. -1 when the capture is not PipeWire.
 */
/* A connection to the PipeWire socket at remote, for the worker (which may not reach it); -1 on failure. */
static int session_connect_pipewire_socket(struct session *s, const char *remote)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd;

        if (!remote || strlen(remote) >= sizeof(sa.sun_path))
                return -1;
        memcpy(sa.sun_path, remote, strlen(remote));
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -1;
        if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                log_session_warning_errno(s, -errno, "Cannot connect to the PipeWire remote %s: %m", remote);
                return safe_close(fd);
        }
        return fd;
}

static int session_connect_pipewire(struct session *s)
{
        struct capture_spec spec;

        if (capture_spec_parse(s->context->capture, &spec) < 0 || spec.backend != CAPTURE_BACKEND_PIPEWIRE)
                return -1;
        return session_connect_pipewire_socket(s, s->manager->config->pipewire_remote);
}

/*
 * audio-source pipewire (kiosks): the PipeWire whose default output plays is
 * pipewire-remote, else libpipewire's own default ($PIPEWIRE_RUNTIME_DIR or
 * $XDG_RUNTIME_DIR, then $PIPEWIRE_REMOTE or "pipewire-0"), resolved here in
 * main's environment. Without it the track is silence and the worker says why.
 */
static int session_connect_audio_pipewire(struct session *s, char *path, size_t size)
{
        const struct config *config = s->manager->config;
        const char *dir, *name;

        path[0] = '\0';
        if (!config->audio_source || strcmp(config->audio_source, "pipewire") != 0 || s->no_audio)
                return -1;
        name = config->pipewire_remote ?: getenv("PIPEWIRE_REMOTE") ?: "pipewire-0";
        if (name[0] == '/')
                snprintf(path, size, "%s", name);
        else {
                dir = getenv("PIPEWIRE_RUNTIME_DIR") ?: getenv("XDG_RUNTIME_DIR");
                if (!dir || snprintf(path, size, "%s/%s", dir, name) >= (int) size) {
                        snprintf(path, size, "%s", name);
                        return -1;      /* the worker says why the sound is silence */
                }
        }
        return session_connect_pipewire_socket(s, path);
}

int session_attach_fd(struct session *s, int fd, const struct connection_stats *stats,
                      session_started_t started, void *userdata)
{
        static uint8_t buf[1024];
        struct session_private *p = s->priv;
        struct sockaddr_storage peer = {};
        socklen_t peer_len = sizeof(peer);
        char peer_host[INET6_ADDRSTRLEN] = "", addr[96];
        uint16_t peer_port = 0;
        _cleanup_close_ int owned = fd, pw_fd = -1, audio_pw_fd = -1;
        struct worker_msg_writer w;
        struct stream_worker *worker;
        struct sink *sink;
        int fds[3], r;
        size_t n_fds;
        char audio_pw_path[sizeof(((struct sockaddr_un *) NULL)->sun_path)];

        if (s->state != SOURCE_SESSION_STATE_CONNECTING || p->worker || p->attach_usec)
                return -EBUSY;

        p->connect_timer = sd_event_source_disable_unref(p->connect_timer);
        if (getpeername(fd, (struct sockaddr *) &peer, &peer_len) < 0)
                return -errno;
        r = net_address_format(&peer, peer_host, sizeof(peer_host), &peer_port);
        if (r < 0)
                return r;
        snprintf(addr, sizeof(addr), strchr(peer_host, ':') ? "[%s]:%u" : "%s:%u", peer_host, peer_port);
        r = owned_str_set(&s->peer, addr);
        if (r < 0)
                return r;

        worker_msg_begin(&w, buf, sizeof(buf), WORKER_MSG_SESSION_NEW, s->id);
        if (stats) {
                worker_msg_put_u64(&w, WORKER_FIELD_SUGGESTED_BPS, stats->suggested_bps);
                worker_msg_put_u64(&w, WORKER_FIELD_LOCAL_MAX_BPS, stats->local_max_bps);
                worker_msg_put_u64(&w, WORKER_FIELD_REMOTE_MAX_BPS, stats->remote_max_bps);
        }
        worker_msg_put_u64(&w, WORKER_FIELD_MAX_WIDTH, s->max_width);
        worker_msg_put_u64(&w, WORKER_FIELD_MAX_HEIGHT, s->max_height);
        sink = session_get_sink(s);
        if (sink) {
                worker_msg_put_str(&w, WORKER_FIELD_DEVICE_NAME, sink->name && strlen(sink->name) < 256 ? sink->name : "");
                worker_msg_put_u64(&w, WORKER_FIELD_SINK_RTSP_PORT, sink->control_port);
        }
        /* The worker opens the UIBC listener (and parses what arrives there). */
        if (s->input_allowed)
                worker_msg_put_u64(&w, WORKER_FIELD_INPUT_ALLOWED, 1);
        if (s->latency >= 0)
                worker_msg_put_u64(&w, WORKER_FIELD_LATENCY_MODE, (uint64_t) s->latency);
        if (s->link_rate_bps)
                worker_msg_put_u64(&w, WORKER_FIELD_LINK_RATE, s->link_rate_bps);
        if (s->no_audio)
                worker_msg_put_u64(&w, WORKER_FIELD_NO_AUDIO, 1);

        r = context_get_worker(s->context, &worker);
        if (r < 0)
                return r;
        p->worker = worker;
        n_fds = 0;
        fds[n_fds++] = fd;
        audio_pw_fd = session_connect_audio_pipewire(s, audio_pw_path, sizeof(audio_pw_path));
        if (audio_pw_path[0])
                worker_msg_put_str(&w, WORKER_FIELD_AUDIO_PIPEWIRE_REMOTE, audio_pw_path);
        if (audio_pw_fd >= 0) {
                worker_msg_put_u64(&w, WORKER_FIELD_AUDIO_PIPEWIRE_FD, n_fds);
                fds[n_fds++] = audio_pw_fd;
        }
        if (s->video) {
                /* The cast's own desktop stream (Sink1.Cast pipewire-fd): the worker consumes that node
                 * through it for this session alone. */
                worker_msg_put_u64(&w, WORKER_FIELD_PIPEWIRE_NODE, s->video->pipewire_node);
                pw_fd = fcntl(s->video->pipewire_fd, F_DUPFD_CLOEXEC, 3);
                if (pw_fd < 0)
                        return -errno;
        } else
                pw_fd = session_connect_pipewire(s);
        if (pw_fd >= 0)
                fds[n_fds++] = pw_fd;
        r = stream_worker_send(worker, &w, fds, n_fds);
        if (r < 0) {
                session_detach(s, false, 0, NULL);
                return log_session_error_errno(s, r, "Cannot hand the connection to the stream worker: %m");
        }

        p->attach_usec = session_now(s);
        session_notify(s, SESSION_CHANGED_FORMAT);    /* Peer */
        log_session_debug(s, "RTSP connection from %s handed to stream worker %d", s->peer,
                          (int) stream_worker_get_pid(worker));
        /* From here on started() is always called exactly once: with the session info, or with an
         * error when the session ends first. */
        p->started = started;
        p->started_userdata = userdata;
        return 0;
}

/* ---- user requests ---------------------------------------------------------- */

/* One request to the worker and its answer. */
static int session_call(struct session *s, uint16_t type, uint16_t tag, uint64_t value, int fd)
{
        uint8_t buf[128];
        struct worker_msg_writer w;

        if (s->state == SOURCE_SESSION_STATE_ENDED)
                return -ESHUTDOWN;
        if (!s->priv->worker)
                return -ENOTCONN;
        worker_msg_begin(&w, buf, sizeof(buf), type, s->id);
        if (tag)
                worker_msg_put_u64(&w, tag, value);
        return stream_worker_call(s->priv->worker, &w, fd >= 0 ? &fd : NULL, fd >= 0 ? 1 : 0);
}

int session_stop(struct session *s)
{
        if (s->state == SOURCE_SESSION_STATE_ENDED)
                return -EALREADY;
        if (s->state == SOURCE_SESSION_STATE_CONNECTING && !s->priv->worker) {
                /* A Cast() still forming the group: nothing to tear down on RTSP. */
                session_end(s, 0);
                return 0;
        }
        log_session_info(s, "stopping (M5 TEARDOWN trigger)");
        return session_call(s, WORKER_MSG_STOP, 0, 0, -1);
}

int session_set_input(struct session *s, bool allow)
{
        static uint8_t buf[128];
        struct session_private *p = s->priv;
        struct worker_msg_writer w;
        int r;

        if (s->state == SOURCE_SESSION_STATE_ENDED)
                return -ESHUTDOWN;
        if (allow == s->input_allowed)
                return -EALREADY;
        if (p->worker) {
                worker_msg_begin(&w, buf, sizeof(buf), WORKER_MSG_SET_INPUT, s->id);
                worker_msg_put_u64(&w, WORKER_FIELD_ACTIVE, allow);
                r = stream_worker_call(p->worker, &w, NULL, 0);
                if (r < 0)
                        return r;
                if (!allow) {
                        /* At once, whatever the worker does next. */
                        session_input_devices_free(s);
                        s->input_active = false;
                }
        }
        s->input_allowed = allow;
        log_session_info(s, "input from the display %s", allow ? "allowed" : "withdrawn");
        session_notify(s, SESSION_CHANGED_INPUT);
        return 0;
}

int session_pause(struct session *s)
{
        return session_call(s, WORKER_MSG_PAUSE, 0, 0, -1);
}

int session_resume(struct session *s)
{
        return session_call(s, WORKER_MSG_RESUME, 0, 0, -1);
}

int session_request_idr(struct session *s)
{
        return session_call(s, WORKER_MSG_REQUEST_IDR, 0, 0, -1);
}

int session_set_bitrate(struct session *s, uint32_t bitrate_bps)
{
        return session_call(s, WORKER_MSG_SET_BITRATE, WORKER_FIELD_BITRATE, bitrate_bps, -1);
}

int session_attach_audio(struct session *s, int fd)
{
        _cleanup_close_ int owned = fd;
        int r;

        /* The fd goes to the worker (a copy crosses with SCM_RIGHTS; ours closes here). */
        r = session_call(s, WORKER_MSG_ATTACH_AUDIO, 0, 0, fd);
        if (r == -ESHUTDOWN)
                r = -ENOTCONN;
        if (r >= 0) {
                log_session_info(s, "audio input attached");
                s->audio_attached = true;
                session_notify(s, SESSION_CHANGED_AUDIO);
        }
        return r;
}

void session_set_link_rate(struct session *s, uint64_t link_bps)
{
        uint8_t buf[64];
        struct worker_msg_writer w;

        if (s->link_rate_bps == link_bps)
                return;
        s->link_rate_bps = link_bps;
        if (!s->priv->worker || s->state == SOURCE_SESSION_STATE_ENDED)
                return;        /* SESSION_NEW carries it */
        /* The worker's ABR takes it as a ceiling; no answer is needed, so none is awaited. */
        worker_msg_begin(&w, buf, sizeof(buf), WORKER_MSG_LINK_RATE, s->id);
        worker_msg_put_u64(&w, WORKER_FIELD_LINK_RATE, link_bps);
        (void) stream_worker_send(s->priv->worker, &w, NULL, 0);
}

int session_get_statistics(struct session *s, struct session_statistics *ret)
{
        struct session_private *p = s->priv;
        struct session_statistics st = {};

        /* Pushed by the worker every 500 ms, so this stays synchronous and never waits for it. */
        if (s->state != SOURCE_SESSION_STATE_ENDED)
                st = p->stats;
        if (p->attach_usec && s->state != SOURCE_SESSION_STATE_ENDED)
                st.uptime_usec = session_now(s) - p->attach_usec;
        *ret = st;
        return 0;
}
