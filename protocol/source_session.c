/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Wi-Fi Display source state machine. Pure: bytes, time and user requests
 * in; actions out (see source_session.h).
 *
 * Transition table (phase = internal state; "200" = a 200 reply to our request):
 *
 *   phase        event                           -> actions                        next phase
 *   INIT         start                           -> M1 OPTIONS (CSeq 1)            M1
 *   M1           M1 200, M2 already answered     -> M3 GET_PARAMETER               M3
 *   M1           M1 200, quirk m3-without-m2     -> M3                             M3
 *   M1           M1 200, no M2 yet               -> arm M2 wait                    WAIT_M2
 *   WAIT_M2      sink OPTIONS (M2)               -> 200 Public, M3                 M3
 *   WAIT_M2      M2 wait expired                 -> M3 anyway (logged)             M3
 *   M3           M3 200                          -> negotiate, NEGOTIATED, M4      M4
 *   M3           M3 303 (first time)             -> M3 with the mandatory names    M3
 *   M3           negotiate: -ENOSR               -> ENDED insufficient-resources   ENDED
 *   M4           M4 200                          -> M5 trigger SETUP               M5_SETUP
 *   M4           M4 303 (first time)             -> safer format, M4 again         M4
 *   M5_SETUP     M5 200                          -> arm SETUP wait                 WAIT_SETUP
 *   M4..WAIT_SETUP  sink SETUP (M6)              -> 200 Session/Transport          WAIT_PLAY
 *   WAIT_PLAY    sink PLAY (M7)                  -> 200, MEDIA_START, arm M16      PLAYING
 *   PLAYING      sink PAUSE (M9) / wfd_standby   -> 200, MEDIA_PAUSE               PAUSED
 *   PAUSED       sink PLAY (M7)                  -> 200, MEDIA_RESUME              PLAYING
 *   PLAYING/PAUSED  user pause/resume            -> M5 PAUSE / M5 PLAY             (sink acts)
 *   any          sink TEARDOWN (M8)              -> 200, MEDIA_STOP, ENDED         ENDED
 *   >= WAIT_PLAY user teardown                   -> M5 TEARDOWN, arm 2 s grace     ENDING
 *   ENDING       M8 or grace expired             -> MEDIA_STOP, ENDED              ENDED
 *   any          our request unanswered in 5 s   -> ENDED response-timeout         ENDED
 *   any          unparseable bytes               -> 400/413/505, ENDED             ENDED
 *   PLAYING/PAUSED  keep-alive time              -> M16 GET_PARAMETER + Session    (same)
 *   PLAYING/PAUSED  sink silent for the timeout  -> ENDED keepalive-timeout        ENDED
 *   any          sink M13 wfd_idr_request        -> 200, MEDIA_REQUEST_IDR (coalesced)
 *   any          sink GET/SET_PARAMETER keep-alive -> 200 + Session
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "negotiate.h"
#include "rtsp.h"
#include "source_session.h"
#include "wfd_params.h"

#define PUBLIC_METHODS "org.wfa.wfd1.0, SETUP, TEARDOWN, PLAY, PAUSE, GET_PARAMETER, SET_PARAMETER"
#define WFD_OPTION "org.wfa.wfd1.0"
#define SOURCE_URI "rtsp://localhost/wfd1.0"
#define MAX_PENDING 8
#define MAX_OUTPUT_PER_CALL (1024 * 1024)   /* more replies than this in one read: a flood */
#define TEXT_SIZE 256
#define MESSAGE_SIZE (RTSP_MAX_HEADER_BYTES + 8192)

enum phase {
        PHASE_INIT,
        PHASE_M1,
        PHASE_WAIT_M2,
        PHASE_M3,
        PHASE_M4,
        PHASE_M5_SETUP,
        PHASE_WAIT_SETUP,
        PHASE_WAIT_PLAY,
        PHASE_PLAYING,
        PHASE_PAUSED,
        PHASE_ENDING,
        PHASE_ENDED,
};

enum request_kind {
        REQUEST_M1,
        REQUEST_M3,
        REQUEST_M4,
        REQUEST_M4_CHANGE,
        REQUEST_M5_SETUP,
        REQUEST_M5_PLAY,
        REQUEST_M5_PAUSE,
        REQUEST_M5_TEARDOWN,
        REQUEST_M16,
};

static const char *const request_names[] = {
        [REQUEST_M1]          = "M1 (OPTIONS)",
        [REQUEST_M3]          = "M3 (GET_PARAMETER)",
        [REQUEST_M4]          = "M4 (SET_PARAMETER)",
        [REQUEST_M4_CHANGE]   = "M4 format change (SET_PARAMETER)",
        [REQUEST_M5_SETUP]    = "M5 trigger SETUP",
        [REQUEST_M5_PLAY]     = "M5 trigger PLAY",
        [REQUEST_M5_PAUSE]    = "M5 trigger PAUSE",
        [REQUEST_M5_TEARDOWN] = "M5 trigger TEARDOWN",
        [REQUEST_M16]         = "M16 keep-alive (GET_PARAMETER)",
};

struct pending_request {
        bool used;
        uint32_t cseq;
        enum request_kind kind;
        uint64_t deadline_usec;
};

enum media_state {
        MEDIA_STOPPED,
        MEDIA_RUNNING,
        MEDIA_PAUSED,
};

struct source_session {
        /* configuration (strings owned) */
        struct source_session_config config;
        char *session_id;
        char *local_address;
        char *peer_address;
        char *device_name;
        unsigned timeout_sec;
        uint64_t response_timeout, m2_timeout, setup_timeout, first_keepalive, grace, idr_coalesce;

        struct rtsp_parser parser;
        enum phase phase;
        enum source_session_state reported_state;
        uint32_t next_cseq;
        struct pending_request pending[MAX_PENDING];

        bool m1_done, m2_done;
        uint64_t m2_deadline;
        uint64_t wait_deadline;                 /* WAIT_SETUP / WAIT_PLAY */
        bool session_created;                   /* SETUP answered */

        /* sink identity and quirks */
        char *user_agent;                       /* owned; first User-Agent seen */
        char *server;                           /* owned; first Server seen */
        unsigned quirks;

        /* negotiation */
        bool has_caps;
        struct wfd_sink_caps caps;
        char *sink_parameters;                  /* owned, NUL-terminated M3 reply body */
        struct wfd_negotiation *negotiation;    /* owned; current */
        struct wfd_negotiation *next_negotiation; /* owned; M4 in flight (retry or change) */
        bool negotiated;
        unsigned m3_attempts, m4_attempts;
        struct source_session_info info;
        struct source_session_media media;
        struct source_session_media next_media; /* with next_negotiation */
        uint32_t bitrate_override;

        /* keep-alive */
        bool keepalive_enabled;
        uint64_t keepalive_at;
        uint64_t last_sink_activity;

        uint64_t grace_deadline;

        /* IDR coalescing */
        bool idr_ever;
        uint64_t last_idr;
        bool idr_pending;
        uint64_t idr_deadline;

        enum media_state media_state;
        bool pause_requested, resume_requested;

        uint64_t timer_armed;
        bool ended_now;                         /* ENDED still to be appended in this call */
        enum source_session_end_reason end_reason;
        int end_error;
        char end_text[TEXT_SIZE];

        /* output of the current call */
        struct source_session_action *items;
        size_t *item_offsets;                   /* SEND: offset into out */
        char (*item_texts)[TEXT_SIZE];
        size_t n_items, cap_items;
        char *out;
        size_t out_len, out_cap;
        int oom;
};

DEFINE_CLEANUP(struct source_session *, source_session_free);

static void end_session(struct source_session *s, enum source_session_end_reason reason, int error,
                        const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void log_action(struct source_session *s, enum source_session_log_level level, unsigned status,
                       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void *mfree(void *p)
{
        free(p);
        return NULL;
}

/* ---- strings --------------------------------------------------------------- */

const char *source_session_state_to_string(enum source_session_state state)
{
        static const char *const names[_SOURCE_SESSION_STATE_MAX] = {
                [SOURCE_SESSION_STATE_CONNECTING]  = "connecting",
                [SOURCE_SESSION_STATE_NEGOTIATING] = "negotiating",
                [SOURCE_SESSION_STATE_PLAYING]     = "playing",
                [SOURCE_SESSION_STATE_PAUSED]      = "paused",
                [SOURCE_SESSION_STATE_ENDING]      = "ending",
                [SOURCE_SESSION_STATE_ENDED]       = "ended",
        };
        if ((unsigned) state >= _SOURCE_SESSION_STATE_MAX)
                return NULL;
        return names[state];
}

const char *source_session_end_reason_to_string(enum source_session_end_reason reason)
{
        static const char *const names[_SOURCE_SESSION_END_MAX] = {
                [SOURCE_SESSION_END_NONE]                   = "none",
                [SOURCE_SESSION_END_TEARDOWN_BY_SINK]       = "teardown-by-sink",
                [SOURCE_SESSION_END_TEARDOWN_BY_USER]       = "teardown-by-user",
                [SOURCE_SESSION_END_CONNECTION_CLOSED]      = "connection-closed",
                [SOURCE_SESSION_END_RESPONSE_TIMEOUT]       = "response-timeout",
                [SOURCE_SESSION_END_SINK_TIMEOUT]           = "sink-timeout",
                [SOURCE_SESSION_END_KEEPALIVE_TIMEOUT]      = "keepalive-timeout",
                [SOURCE_SESSION_END_SINK_REFUSED]           = "sink-refused",
                [SOURCE_SESSION_END_NOT_WFD]                = "not-wfd",
                [SOURCE_SESSION_END_PROTOCOL_ERROR]         = "protocol-error",
                [SOURCE_SESSION_END_NEGOTIATION_FAILED]     = "negotiation-failed",
                [SOURCE_SESSION_END_INSUFFICIENT_RESOURCES] = "insufficient-resources",
                [SOURCE_SESSION_END_MEDIA_FAILED]           = "media-failed",
        };
        if ((unsigned) reason >= _SOURCE_SESSION_END_MAX)
                return NULL;
        return names[reason];
}

int source_session_end_reason_to_errno(enum source_session_end_reason reason)
{
        switch (reason) {
        case SOURCE_SESSION_END_NONE:
        case SOURCE_SESSION_END_TEARDOWN_BY_SINK:
        case SOURCE_SESSION_END_TEARDOWN_BY_USER:
                return 0;
        case SOURCE_SESSION_END_CONNECTION_CLOSED:
                return -ECONNRESET;
        case SOURCE_SESSION_END_RESPONSE_TIMEOUT:
        case SOURCE_SESSION_END_SINK_TIMEOUT:
        case SOURCE_SESSION_END_KEEPALIVE_TIMEOUT:
                return -ETIMEDOUT;
        case SOURCE_SESSION_END_SINK_REFUSED:
                return -ECONNREFUSED;
        case SOURCE_SESSION_END_NOT_WFD:
                return -EPROTONOSUPPORT;
        case SOURCE_SESSION_END_PROTOCOL_ERROR:
                return -EPROTO;
        case SOURCE_SESSION_END_NEGOTIATION_FAILED:
                return -ENOTSUP;
        case SOURCE_SESSION_END_INSUFFICIENT_RESOURCES:
                return -ENOSR;
        case SOURCE_SESSION_END_MEDIA_FAILED:
                return -EIO;
        default:
                return -EINVAL;
        }
}

/* Copy a peer-controlled string for a log line: printable ASCII only, bounded. */
static const char *escape(const char *in, char *buf, size_t size)
{
        size_t j = 0;

        if (!in)
                in = "(null)";
        for (size_t i = 0; in[i] && j + 5 < size; i++) {
                unsigned char c = in[i];
                if (c >= 0x20 && c < 0x7f && c != '\\')
                        buf[j++] = c;
                else
                        j += snprintf(buf + j, size - j, "\\x%02x", c);
        }
        buf[j] = 0;
        return buf;
}

/* ---- output ---------------------------------------------------------------- */

static struct source_session_action *push_action(struct source_session *s, enum source_session_action_type type)
{
        if (s->n_items == s->cap_items) {
                size_t cap = s->cap_items ? s->cap_items * 2 : 16;
                struct source_session_action *items = realloc(s->items, cap * sizeof(*items));
                if (items)
                        s->items = items;
                size_t *offs = realloc(s->item_offsets, cap * sizeof(*offs));
                if (offs)
                        s->item_offsets = offs;
                char (*texts)[TEXT_SIZE] = realloc(s->item_texts, cap * sizeof(*texts));
                if (texts)
                        s->item_texts = texts;
                if (!items || !offs || !texts) {
                        s->oom = -ENOMEM;
                        return NULL;
                }
                s->cap_items = cap;
        }
        struct source_session_action *a = &s->items[s->n_items];
        *a = (struct source_session_action) { .type = type };
        s->item_offsets[s->n_items] = 0;
        s->item_texts[s->n_items][0] = 0;
        s->n_items++;
        return a;
}

static char *action_text(struct source_session *s)
{
        return s->item_texts[s->n_items - 1];
}

static void log_action(struct source_session *s, enum source_session_log_level level, unsigned status,
                       const char *fmt, ...)
{
        struct source_session_action *a = push_action(s, SOURCE_SESSION_ACTION_LOG);
        va_list ap;

        if (!a)
                return;
        a->log.level = level;
        a->log.status = status;
        va_start(ap, fmt);
        vsnprintf(action_text(s), TEXT_SIZE, fmt, ap);
        va_end(ap);
}

static void send_bytes(struct source_session *s, const char *data, size_t n)
{
        struct source_session_action *a;

        if (s->phase == PHASE_ENDED)
                return; /* nothing goes out after the decision to end (ENDED is last) */
        if (s->out_len + n > MAX_OUTPUT_PER_CALL) {
                end_session(s, SOURCE_SESSION_END_PROTOCOL_ERROR, -EPROTO,
                            "sink floods us with requests (more than %d bytes of replies at once)",
                            MAX_OUTPUT_PER_CALL);
                return;
        }
        if (s->out_len + n > s->out_cap) {
                size_t cap = MAX(s->out_cap * 2, s->out_len + n + 4096);
                char *out = realloc(s->out, cap);
                if (!out) {
                        s->oom = -ENOMEM;
                        return;
                }
                s->out = out;
                s->out_cap = cap;
        }
        a = push_action(s, SOURCE_SESSION_ACTION_SEND);
        if (!a)
                return;
        memcpy(s->out + s->out_len, data, n);
        s->item_offsets[s->n_items - 1] = s->out_len;
        a->send.len = n;
        s->out_len += n;
}

static void push_media(struct source_session *s, enum source_session_action_type type)
{
        struct source_session_action *a = push_action(s, type);
        if (a && (type == SOURCE_SESSION_ACTION_MEDIA_START || type == SOURCE_SESSION_ACTION_MEDIA_CHANGE_FORMAT))
                a->media = &s->media;
}

static void begin_call(struct source_session *s)
{
        s->n_items = 0;
        s->out_len = 0;
        s->oom = 0;
}

static enum source_session_state phase_to_state(enum phase p)
{
        switch (p) {
        case PHASE_INIT:
                return SOURCE_SESSION_STATE_CONNECTING;
        case PHASE_PLAYING:
                return SOURCE_SESSION_STATE_PLAYING;
        case PHASE_PAUSED:
                return SOURCE_SESSION_STATE_PAUSED;
        case PHASE_ENDING:
                return SOURCE_SESSION_STATE_ENDING;
        case PHASE_ENDED:
                return SOURCE_SESSION_STATE_ENDED;
        default:
                return SOURCE_SESSION_STATE_NEGOTIATING;
        }
}

static uint64_t liveness_deadline(const struct source_session *s)
{
        return s->last_sink_activity + (uint64_t) s->timeout_sec * 1000000ULL;
}

static bool liveness_active(const struct source_session *s)
{
        return s->keepalive_enabled && (s->phase == PHASE_PLAYING || s->phase == PHASE_PAUSED);
}

static uint64_t next_deadline(const struct source_session *s)
{
        uint64_t t = UINT64_MAX;

        if (s->phase == PHASE_ENDED)
                return 0;
        for (size_t i = 0; i < MAX_PENDING; i++)
                if (s->pending[i].used)
                        t = MIN(t, s->pending[i].deadline_usec);
        if (s->phase == PHASE_WAIT_M2)
                t = MIN(t, s->m2_deadline);
        if (s->phase == PHASE_WAIT_SETUP || s->phase == PHASE_WAIT_PLAY)
                t = MIN(t, s->wait_deadline);
        if (s->phase == PHASE_ENDING)
                t = MIN(t, s->grace_deadline);
        if (s->keepalive_enabled && (s->phase == PHASE_PLAYING || s->phase == PHASE_PAUSED))
                t = MIN(t, s->keepalive_at);
        if (liveness_active(s))
                t = MIN(t, liveness_deadline(s));
        if (s->idr_pending)
                t = MIN(t, s->idr_deadline);
        return t == UINT64_MAX ? 0 : MAX(t, 1);
}

static int finish_call(struct source_session *s, struct source_session_actions *ret)
{
        uint64_t t = next_deadline(s);
        enum source_session_state st = phase_to_state(s->phase);
        struct source_session_action *a;

        if (t != s->timer_armed) {
                a = push_action(s, SOURCE_SESSION_ACTION_TIMER);
                if (a)
                        a->timer_usec = t;
                s->timer_armed = t;
        }
        if (st != s->reported_state) {
                a = push_action(s, SOURCE_SESSION_ACTION_STATE_CHANGED);
                if (a)
                        a->state = st;
                s->reported_state = st;
        }
        if (s->ended_now) {
                a = push_action(s, SOURCE_SESSION_ACTION_ENDED);
                if (a) {
                        a->ended.reason = s->end_reason;
                        a->ended.error = s->end_error;
                        snprintf(action_text(s), TEXT_SIZE, "%s", s->end_text);
                }
                s->ended_now = false;
        }
        if (s->oom)
                return s->oom;

        for (size_t i = 0; i < s->n_items; i++) {
                a = &s->items[i];
                switch (a->type) {
                case SOURCE_SESSION_ACTION_SEND:
                        a->send.data = s->out + s->item_offsets[i];
                        break;
                case SOURCE_SESSION_ACTION_LOG:
                        a->log.text = s->item_texts[i];
                        break;
                case SOURCE_SESSION_ACTION_ENDED:
                        a->ended.text = s->item_texts[i];
                        break;
                case SOURCE_SESSION_ACTION_NEGOTIATED:
                        a->info = &s->info;
                        break;
                default:
                        break;
                }
        }
        ret->items = s->items;
        ret->n = s->n_items;
        return 0;
}

/* ---- ending ---------------------------------------------------------------- */

static void stop_media(struct source_session *s)
{
        if (s->media_state != MEDIA_STOPPED) {
                push_media(s, SOURCE_SESSION_ACTION_MEDIA_STOP);
                s->media_state = MEDIA_STOPPED;
        }
}

static void end_session(struct source_session *s, enum source_session_end_reason reason, int error,
                        const char *fmt, ...)
{
        va_list ap;

        if (s->phase == PHASE_ENDED)
                return;
        stop_media(s);
        s->phase = PHASE_ENDED;
        s->end_reason = reason;
        s->end_error = error;
        va_start(ap, fmt);
        vsnprintf(s->end_text, sizeof(s->end_text), fmt, ap);
        va_end(ap);
        s->ended_now = true;
        s->idr_pending = false;
        for (size_t i = 0; i < MAX_PENDING; i++)
                s->pending[i].used = false;
}

/* ---- sending requests and replies ------------------------------------------ */

static void send_built(struct source_session *s, struct rtsp_builder *b, const char *content_type,
                       const char *body, size_t body_len)
{
        ssize_t n = rtsp_builder_finish(b, content_type, body, body_len);

        if (n < 0) {
                /* Our own bug (a buffer too small): end loudly rather than send garbage. */
                end_session(s, SOURCE_SESSION_END_PROTOCOL_ERROR, (int) n,
                            "internal error: cannot build an RTSP message (%s)", strerror((int) -n));
                return;
        }
        send_bytes(s, b->buf, (size_t) n);
}

static struct pending_request *pending_add(struct source_session *s, enum request_kind kind, uint32_t cseq,
                                           uint64_t now)
{
        for (size_t i = 0; i < MAX_PENDING; i++)
                if (!s->pending[i].used) {
                        s->pending[i] = (struct pending_request) {
                                .used = true,
                                .cseq = cseq,
                                .kind = kind,
                                .deadline_usec = now + s->response_timeout,
                        };
                        return &s->pending[i];
                }
        return NULL;
}

static bool pending_has(const struct source_session *s, enum request_kind kind)
{
        for (size_t i = 0; i < MAX_PENDING; i++)
                if (s->pending[i].used && s->pending[i].kind == kind)
                        return true;
        return false;
}

static size_t pending_count(const struct source_session *s)
{
        size_t n = 0;
        for (size_t i = 0; i < MAX_PENDING; i++)
                n += s->pending[i].used;
        return n;
}

/* Send one request of ours. Returns false when it could not be queued (table full). */
static bool send_request(struct source_session *s, enum request_kind kind, const char *method,
                         const char *uri, const char *body, size_t body_len, uint64_t now)
{
        char buf[MESSAGE_SIZE];
        struct rtsp_builder b;
        uint32_t cseq;

        if (pending_count(s) >= MAX_PENDING)
                return false;
        cseq = s->next_cseq++;
        rtsp_builder_init(&b, buf, sizeof(buf));
        rtsp_builder_request_line(&b, method, uri);
        rtsp_builder_cseq(&b, cseq);
        if (kind == REQUEST_M1)
                rtsp_builder_header(&b, "Require", WFD_OPTION);
        if (s->session_created)
                rtsp_builder_session(&b, s->session_id, 0); /* never ";timeout=" in requests */
        send_built(s, &b, body_len > 0 ? "text/parameters" : NULL, body, body_len);
        if (s->phase == PHASE_ENDED)
                return false;
        (void) pending_add(s, kind, cseq, now);
        return true;
}

static void send_trigger(struct source_session *s, enum request_kind kind, enum wfd_trigger_method method,
                         uint64_t now)
{
        char body[64];
        struct wfd_params_writer w;

        wfd_params_writer_init(&w, body, sizeof(body));
        wfd_params_write(&w, "wfd_trigger_method", wfd_trigger_method_to_string(method));
        (void) send_request(s, kind, "SET_PARAMETER", SOURCE_URI, body, w.len, now);
}

struct reply {
        struct rtsp_builder b;
        char buf[MESSAGE_SIZE];
};

/* Start a reply: status line, CSeq (when the request had one), Session after SETUP. */
static void reply_start(struct source_session *s, struct reply *r, const struct rtsp_message *req,
                        unsigned status, unsigned session_timeout_sec)
{
        uint32_t cseq;

        rtsp_builder_init(&r->b, r->buf, sizeof(r->buf));
        rtsp_builder_status_line(&r->b, status, NULL);
        if (req && rtsp_message_get_cseq(req, &cseq) >= 0)
                rtsp_builder_cseq(&r->b, cseq);
        if (s->session_created)
                rtsp_builder_session(&r->b, s->session_id, session_timeout_sec);
}

static void reply_simple(struct source_session *s, const struct rtsp_message *req, unsigned status)
{
        struct reply r;

        reply_start(s, &r, req, status, 0);
        send_built(s, &r.b, NULL, NULL, 0);
}

/* Answer a request with an error status and tell the daemon why. */
static void reject(struct source_session *s, const struct rtsp_message *req, unsigned status,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void reject(struct source_session *s, const struct rtsp_message *req, unsigned status,
                   const char *fmt, ...)
{
        char why[160], name[48];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(why, sizeof(why), fmt, ap);
        va_end(ap);
        reply_simple(s, req, status);
        log_action(s, SOURCE_SESSION_LOG_WARNING, status, "answered %u %s to %s: %s", status,
                   rtsp_status_to_string(status), escape(req->method_name, name, sizeof(name)), why);
}

/* ---- keep-alive and IDR ----------------------------------------------------- */

static uint64_t keepalive_interval(const struct source_session *s)
{
        /* wfd-protocol.md 9: the interval must be shorter than timeout - 5 s. */
        uint64_t t = (uint64_t) s->timeout_sec * 1000000ULL;
        return t > 10000000ULL ? t - 5000000ULL : t / 2;
}

static void request_idr(struct source_session *s, uint64_t now)
{
        if (s->phase != PHASE_PLAYING || s->media_state != MEDIA_RUNNING)
                return; /* a resume starts with an IDR anyway */
        if (!s->idr_ever || now >= s->last_idr + s->idr_coalesce) {
                push_media(s, SOURCE_SESSION_ACTION_MEDIA_REQUEST_IDR);
                s->idr_ever = true;
                s->last_idr = now;
                return;
        }
        if (!s->idr_pending) {
                s->idr_pending = true;
                s->idr_deadline = s->last_idr + s->idr_coalesce;
        }
}

/* ---- negotiation -------------------------------------------------------------- */

static void limits_to_wfd(const struct source_session *s, const struct source_session_limits *l, bool safe,
                          const struct source_session_format *current, struct wfd_source_limits *ret)
{
        *ret = (struct wfd_source_limits) {
                .encoder_max_width = l->encoder_max_width,
                .encoder_max_height = l->encoder_max_height,
                .encoder_max_fps = l->encoder_max_fps,
                .encoder_profiles = WFD_PROFILE_CBP | (l->encoder_supports_chp ? WFD_PROFILE_CHP : 0),
                .encoder_max_level_idc = l->encoder_max_level_idc,
                .max_width = l->max_width,
                .max_height = l->max_height,
                .max_fps = l->max_fps,
                .max_bitrate_bps = l->max_bitrate_bps,
                .aspect_width = l->aspect_width,
                .aspect_height = l->aspect_height,
                .prefer_lpcm = !!(s->quirks & SINK_QUIRK_PREFER_LPCM),
                .no_audio = l->no_audio,
        };
        if (safe || (s->quirks & SINK_QUIRK_SAFE_FORMAT)) {
                /* wfd-protocol.md 10: next-lower mode, CBP, LPCM. */
                ret->encoder_profiles = WFD_PROFILE_CBP;
                ret->prefer_lpcm = true;
                if (!safe) {
                        ret->max_width = ret->max_width ? MIN(ret->max_width, 1280u) : 1280u;
                        ret->max_height = ret->max_height ? MIN(ret->max_height, 720u) : 720u;
                        ret->max_fps = ret->max_fps ? MIN(ret->max_fps, 30u) : 30u;
                }
        }
        if (safe && current && current->height > 480) {
                unsigned h = current->height - 1;
                ret->max_height = ret->max_height ? MIN(ret->max_height, h) : h;
        }
}

static struct wfd_connection_stats connection_stats(const struct source_session *s)
{
        return (struct wfd_connection_stats) {
                .suggested_bitrate_bps = s->config.stats.suggested_bps,
                .local_max_bitrate_bps = s->config.stats.local_max_bps,
                .remote_max_bitrate_bps = s->config.stats.remote_max_bps,
        };
}

static void negotiation_to_media(struct source_session *s, const struct wfd_negotiation *n,
                                 struct source_session_media *ret)
{
        struct source_session_format *f = &ret->format;
        const struct wfd_mode *mode = n->video.mode;
        uint16_t port = SOURCE_SESSION_DEFAULT_RTP_PORT;

        *f = (struct source_session_format) {
                .width = mode->width,
                .height = mode->height,
                .fps = mode->fps,
                .h264_profile_idc = n->video.profile == WFD_PROFILE_CHP ? 100 : 66,
                .h264_constraint_flags = n->video.profile == WFD_PROFILE_CHP ? 0x0C : 0xC0,
                .h264_level_idc = n->video.level_idc,
                .single_slice = true, /* M4 always says min-slice-size 0 */
        };
        if (n->audio) {
                switch (n->audio_codec.format) {
                case WFD_AUDIO_FORMAT_LPCM:
                        f->audio_codec = SOURCE_SESSION_AUDIO_LPCM;
                        break;
                case WFD_AUDIO_FORMAT_AAC:
                        f->audio_codec = SOURCE_SESSION_AUDIO_AAC;
                        break;
                default:
                        f->audio_codec = SOURCE_SESSION_AUDIO_AC3;
                        break;
                }
                f->audio_sample_rate_hz = n->audio_rate_hz;
                f->audio_channels = n->audio_channels;
        }
        f->bitrate_bps = s->bitrate_override ? s->bitrate_override :
                         (uint32_t) MIN(n->target_bitrate_bps, (uint64_t) UINT32_MAX);
        f->sink_sends_idr_requests = s->caps.has_idr_request_capability ? s->caps.idr_request_capability : true;
        f->periodic_idr = !f->sink_sends_idr_requests || (s->quirks & SINK_QUIRK_PERIODIC_IDR);

        if (s->caps.has_client_rtp_ports && s->caps.client_rtp_ports.port0 != 0)
                port = s->caps.client_rtp_ports.port0;
        snprintf(ret->peer_address, sizeof(ret->peer_address), "%s", s->peer_address);
        ret->peer_rtp_port = port;
        ret->peer_rtcp_port = 0;
        ret->server_rtp_port = s->config.server_rtp_port;
}

/* Build and send M4 for negotiation n (initial, retry). */
static void send_m4(struct source_session *s, const struct wfd_negotiation *n, uint64_t now)
{
        char body[4096], host[80];
        struct wfd_presentation_url url;
        int r;

        /* An IPv6 literal goes into the URL in brackets. */
        if (strchr(s->local_address, ':') && s->local_address[0] != '[')
                snprintf(host, sizeof(host), "[%s]", s->local_address);
        else
                snprintf(host, sizeof(host), "%s", s->local_address);
        r = wfd_presentation_url_make(host, s->config.local_rtsp_port, &url);
        if (r < 0) {
                end_session(s, SOURCE_SESSION_END_NEGOTIATION_FAILED, r,
                            "cannot make the presentation URL for local address \"%s\"", s->local_address);
                return;
        }
        r = wfd_negotiation_m4_body(n, &url, s->caps.has_client_rtp_ports ? &s->caps.client_rtp_ports : NULL,
                                    body, sizeof(body));
        if (r < 0) {
                end_session(s, SOURCE_SESSION_END_NEGOTIATION_FAILED, r, "cannot write the M4 body (%s)",
                            strerror(-r));
                return;
        }
        s->m4_attempts++;
        (void) send_request(s, REQUEST_M4, "SET_PARAMETER", SOURCE_URI, body, (size_t) r, now);
        s->phase = PHASE_M4;
}

static void retry_m3(struct source_session *s, const struct rtsp_message *m, uint64_t now);

static void handle_m3_reply(struct source_session *s, const struct rtsp_message *m, uint64_t now)
{
        _cleanup_free_ struct wfd_negotiation *n = NULL;
        struct wfd_source_limits limits;
        struct wfd_connection_stats stats;
        char *body;
        int r;

        if (m->status == RTSP_STATUS_SEE_OTHER) {
                retry_m3(s, m, now);
                return;
        }
        if (m->status != RTSP_STATUS_OK) {
                end_session(s, SOURCE_SESSION_END_SINK_REFUSED, -ECONNREFUSED,
                            "sink answered M3 (GET_PARAMETER) with %u", m->status);
                return;
        }

        body = malloc(m->body_len + 1);
        if (!body) {
                s->oom = -ENOMEM;
                return;
        }
        memcpy(body, m->body, m->body_len);
        body[m->body_len] = 0;
        free(s->sink_parameters);
        s->sink_parameters = body;

        if (s->has_caps)
                wfd_sink_caps_clear(&s->caps);
        s->has_caps = false;
        r = wfd_sink_caps_parse(m->body, m->body_len, &s->caps);
        if (r < 0) {
                end_session(s, SOURCE_SESSION_END_NEGOTIATION_FAILED, r,
                            "cannot parse the sink's M3 reply (%s)", strerror(-r));
                return;
        }
        s->has_caps = true;
        if (s->caps.has_content_protection && s->caps.content_protection.hdcp != WFD_HDCP_NONE)
                log_action(s, SOURCE_SESSION_LOG_INFO, 0,
                           "sink offers HDCP (port %u); we never use content protection",
                           s->caps.content_protection.port);

        n = malloc(sizeof(*n));
        if (!n) {
                s->oom = -ENOMEM;
                return;
        }
        limits_to_wfd(s, &s->config.limits, false, NULL, &limits);
        stats = connection_stats(s);
        r = wfd_negotiate(&s->caps, &limits, &stats, n);
        if (r == -ENOSR) {
                end_session(s, SOURCE_SESSION_END_INSUFFICIENT_RESOURCES, -ENOSR,
                            "INSUFFICIENT_RESOURCES: the link (suggested %llu, local max %llu, remote max %llu bit/s) "
                            "cannot carry any sink mode of 1024x768 or more",
                            (unsigned long long) stats.suggested_bitrate_bps,
                            (unsigned long long) stats.local_max_bitrate_bps,
                            (unsigned long long) stats.remote_max_bitrate_bps);
                return;
        }
        if (r < 0) {
                end_session(s, SOURCE_SESSION_END_NEGOTIATION_FAILED, r, "negotiation failed: %s",
                            wfd_negotiate_error_to_string(r));
                return;
        }
        if (n->fallback)
                log_action(s, SOURCE_SESSION_LOG_WARNING, 0,
                           "no usable mode in the sink's wfd_video_formats; falling back to 640x480p60 CBP 3.1");

        free(s->negotiation);
        s->negotiation = steal_ptr(n);
        negotiation_to_media(s, s->negotiation, &s->media);
        s->info = (struct source_session_info) {
                .monitor_connected = s->negotiation->info.monitor_connected,
                .reduced_mode_list_due_to_bandwidth = s->negotiation->info.reduced_mode_list_due_to_bandwidth,
        };
        s->negotiated = true;
        (void) push_action(s, SOURCE_SESSION_ACTION_NEGOTIATED);
        send_m4(s, s->negotiation, now);
}

/* 303 to M4: retry once with a safer format (wfd-protocol.md 10). */
static void retry_m4(struct source_session *s, const struct rtsp_message *m, uint64_t now)
{
        _cleanup_free_ struct wfd_negotiation *n = NULL;
        struct wfd_source_limits limits;
        struct wfd_connection_stats stats;
        char why[128];
        int r;

        escape(m->body_len > 0 ? m->body : "", why, sizeof(why));
        if (s->m4_attempts >= 2) {
                end_session(s, SOURCE_SESSION_END_NEGOTIATION_FAILED, -ENOTSUP,
                            "sink refused M4 twice (303: %s)", why);
                return;
        }
        n = malloc(sizeof(*n));
        if (!n) {
                s->oom = -ENOMEM;
                return;
        }
        limits_to_wfd(s, &s->config.limits, true, &s->media.format, &limits);
        stats = connection_stats(s);
        r = wfd_negotiate(&s->caps, &limits, &stats, n);
        if (r < 0) {
                end_session(s, SOURCE_SESSION_END_NEGOTIATION_FAILED, r,
                            "sink refused M4 (303: %s) and no safer format is left", why);
                return;
        }
        log_action(s, SOURCE_SESSION_LOG_WARNING, 303, "sink refused M4 (303: %s); retrying with %ux%up%u CBP",
                   why, n->video.mode->width, n->video.mode->height, n->video.mode->fps);
        free(s->negotiation);
        s->negotiation = steal_ptr(n);
        negotiation_to_media(s, s->negotiation, &s->media);
        send_m4(s, s->negotiation, now);
}

/* ---- the flow ---------------------------------------------------------------- */

static void send_m3(struct source_session *s, uint64_t now)
{
        char body[2048];
        int r = wfd_m3_request_body(body, sizeof(body));

        if (r < 0) {
                end_session(s, SOURCE_SESSION_END_PROTOCOL_ERROR, r, "internal error: cannot write the M3 body");
                return;
        }
        (void) send_request(s, REQUEST_M3, "GET_PARAMETER", SOURCE_URI, body, (size_t) r, now);
        s->phase = PHASE_M3;
        s->m3_attempts++;
}

/*
 * 303 to M3: the sink refuses some names it was asked for (it should just leave them out).
 * Ask once more for the mandatory three only (wfd-protocol.md 5.1).
 */
static void retry_m3(struct source_session *s, const struct rtsp_message *m, uint64_t now)
{
        static const char *const mandatory[] = { "wfd_video_formats", "wfd_audio_codecs", "wfd_client_rtp_ports" };
        struct wfd_params_writer w;
        char body[128], why[128];

        escape(m->body_len > 0 ? m->body : "", why, sizeof(why));
        if (s->m3_attempts >= 2) {
                end_session(s, SOURCE_SESSION_END_SINK_REFUSED, -ECONNREFUSED,
                            "sink refused M3 twice (303: %s)", why);
                return;
        }
        log_action(s, SOURCE_SESSION_LOG_WARNING, 303,
                   "sink refused M3 (303: %s); asking for the mandatory parameters only", why);
        wfd_params_writer_init(&w, body, sizeof(body));
        for (size_t i = 0; i < ARRAY_SIZE(mandatory); i++)
                wfd_params_write_name(&w, mandatory[i]);
        (void) send_request(s, REQUEST_M3, "GET_PARAMETER", SOURCE_URI, body, w.len, now);
        s->m3_attempts++;
}

/* Remember the first User-Agent (requests) and Server (replies) and look the sink up again. */
static void update_identity(struct source_session *s, const struct rtsp_message *m)
{
        const char *ua = rtsp_message_get_header(m, "User-Agent");
        const char *server = rtsp_message_get_header(m, "Server");
        const char *match = NULL;
        struct sink_identity id;
        unsigned quirks;
        bool changed = false;

        if (ua && !s->user_agent) {
                s->user_agent = strdup(ua);
                changed = true;
        }
        if (server && !s->server) {
                s->server = strdup(server);
                changed = true;
        }
        if (!changed)
                return;
        if ((ua && !s->user_agent) || (server && !s->server)) {
                s->oom = -ENOMEM;
                return;
        }
        id = s->config.identity;
        id.device_name = s->device_name;
        id.user_agent = s->user_agent;
        id.server = s->server;
        quirks = (sink_quirks_lookup(&id, &match) | s->config.quirks_add) & ~s->config.quirks_remove;
        if (quirks != s->quirks) {
                char q[128], name[64];
                (void) sink_quirks_format(quirks, q, sizeof(q));
                log_action(s, SOURCE_SESSION_LOG_INFO, 0, "sink \"%s\" matches \"%s\": quirks %s",
                           escape(s->user_agent ? s->user_agent : s->server, name, sizeof(name)),
                           match ? match : "(config)", q);
                s->quirks = quirks;
                if (quirks & SINK_QUIRK_NO_KEEPALIVE)
                        s->keepalive_enabled = false;
        }
}

static void handle_m1_reply(struct source_session *s, const struct rtsp_message *m, uint64_t now)
{
        const char *pub = rtsp_message_get_header(m, "Public");

        if (m->status != RTSP_STATUS_OK) {
                end_session(s, SOURCE_SESSION_END_SINK_REFUSED, -ECONNREFUSED,
                            "sink answered M1 (OPTIONS) with %u", m->status);
                return;
        }
        if (pub && (!rtsp_list_contains(pub, "GET_PARAMETER") || !rtsp_list_contains(pub, "SET_PARAMETER"))) {
                char p[128];
                end_session(s, SOURCE_SESSION_END_NOT_WFD, -EPROTONOSUPPORT,
                            "peer is not a WFD sink: Public \"%s\" lacks GET_PARAMETER/SET_PARAMETER",
                            escape(pub, p, sizeof(p)));
                return;
        }
        if (!pub)
                log_action(s, SOURCE_SESSION_LOG_DEBUG, 0, "M1 reply without Public header, going on");
        else if (!rtsp_list_contains(pub, WFD_OPTION))
                log_action(s, SOURCE_SESSION_LOG_WARNING, 0, "M1 reply Public lacks %s, going on", WFD_OPTION);

        s->m1_done = true;
        if (s->m2_done || (s->quirks & SINK_QUIRK_M3_WITHOUT_M2))
                send_m3(s, now);
        else {
                s->phase = PHASE_WAIT_M2;
                s->m2_deadline = now + s->m2_timeout;
        }
}

static void handle_m4_reply(struct source_session *s, const struct rtsp_message *m, uint64_t now)
{
        if (m->status == RTSP_STATUS_SEE_OTHER) {
                retry_m4(s, m, now);
                return;
        }
        if (m->status != RTSP_STATUS_OK) {
                end_session(s, SOURCE_SESSION_END_SINK_REFUSED, -ECONNREFUSED,
                            "sink answered M4 (SET_PARAMETER) with %u", m->status);
                return;
        }
        if (s->phase == PHASE_M4) {
                send_trigger(s, REQUEST_M5_SETUP, WFD_TRIGGER_SETUP, now);
                if (s->phase == PHASE_M4)
                        s->phase = PHASE_M5_SETUP;
        }
}

static void handle_m4_change_reply(struct source_session *s, const struct rtsp_message *m, uint64_t now)
{
        if (!s->next_negotiation)
                return;
        if (m->status != RTSP_STATUS_OK) {
                log_action(s, SOURCE_SESSION_LOG_WARNING, m->status,
                           "sink refused the format change (%u); keeping %ux%up%u", m->status,
                           s->media.format.width, s->media.format.height, s->media.format.fps);
                s->next_negotiation = mfree(s->next_negotiation);
                return;
        }
        free(s->negotiation);
        s->negotiation = steal_ptr(s->next_negotiation);
        s->next_media.peer_rtp_port = s->media.peer_rtp_port;
        s->next_media.peer_rtcp_port = s->media.peer_rtcp_port;
        s->media = s->next_media;
        if (s->media_state != MEDIA_STOPPED)
                push_media(s, SOURCE_SESSION_ACTION_MEDIA_CHANGE_FORMAT);
}

static void handle_response(struct source_session *s, const struct rtsp_message *m, uint64_t now)
{
        struct pending_request *p = NULL, req;
        uint32_t cseq;

        if (rtsp_message_get_cseq(m, &cseq) >= 0) {
                for (size_t i = 0; i < MAX_PENDING; i++)
                        if (s->pending[i].used && s->pending[i].cseq == cseq)
                                p = &s->pending[i];
        } else if (pending_count(s) == 1) {
                /* A reply without CSeq: with one request in flight it can only be that one. */
                for (size_t i = 0; i < MAX_PENDING; i++)
                        if (s->pending[i].used)
                                p = &s->pending[i];
                log_action(s, SOURCE_SESSION_LOG_DEBUG, 0, "reply without CSeq taken for %s",
                           request_names[p->kind]);
        }
        if (!p) {
                log_action(s, SOURCE_SESSION_LOG_DEBUG, 0, "ignoring a %u reply that answers no request of ours",
                           m->status);
                return;
        }
        req = *p;
        p->used = false;

        switch (req.kind) {
        case REQUEST_M1:
                handle_m1_reply(s, m, now);
                break;
        case REQUEST_M3:
                handle_m3_reply(s, m, now);
                break;
        case REQUEST_M4:
                handle_m4_reply(s, m, now);
                break;
        case REQUEST_M4_CHANGE:
                handle_m4_change_reply(s, m, now);
                break;
        case REQUEST_M5_SETUP:
                if (m->status != RTSP_STATUS_OK) {
                        end_session(s, SOURCE_SESSION_END_SINK_REFUSED, -ECONNREFUSED,
                                    "sink answered M5 trigger SETUP with %u", m->status);
                        break;
                }
                if (s->phase == PHASE_M5_SETUP) {
                        s->phase = PHASE_WAIT_SETUP;
                        s->wait_deadline = now + s->setup_timeout;
                }
                break;
        case REQUEST_M5_PLAY:
        case REQUEST_M5_PAUSE:
                if (req.kind == REQUEST_M5_PLAY)
                        s->resume_requested = false;
                else
                        s->pause_requested = false;
                if (m->status != RTSP_STATUS_OK)
                        log_action(s, SOURCE_SESSION_LOG_WARNING, m->status, "sink answered %s with %u",
                                   request_names[req.kind], m->status);
                break;
        case REQUEST_M5_TEARDOWN:
                if (m->status != RTSP_STATUS_OK)
                        log_action(s, SOURCE_SESSION_LOG_WARNING, m->status,
                                   "sink answered M5 trigger TEARDOWN with %u; closing after the grace time",
                                   m->status);
                break;
        case REQUEST_M16:
                if (m->status != RTSP_STATUS_OK && s->keepalive_enabled) {
                        /* wfd-protocol.md 9: stop M16 for this sink, keep the session. */
                        s->keepalive_enabled = false;
                        log_action(s, SOURCE_SESSION_LOG_WARNING, m->status,
                                   "sink answered M16 keep-alive with %u; no more keep-alives to this sink",
                                   m->status);
                }
                break;
        }
}

/* ---- sink requests ------------------------------------------------------------ */

/* True when the request may go on; else it has been answered (454/455). */
static bool check_session(struct source_session *s, const struct rtsp_message *m)
{
        char id[SOURCE_SESSION_MAX_SESSION_ID], e[80];
        int r = rtsp_message_get_session(m, id, sizeof(id), NULL);

        if (!s->session_created) {
                if (r >= 0 || r == -EBADMSG)
                        reject(s, m, RTSP_STATUS_SESSION_NOT_FOUND, "no session exists yet (no SETUP)");
                else
                        reject(s, m, RTSP_STATUS_METHOD_NOT_VALID_IN_STATE, "no session exists yet (no SETUP)");
                return false;
        }
        /* wfd-protocol.md 12: tolerate a missing or wrong Session header, use the only session. */
        if (r >= 0 && strcmp(id, s->session_id) != 0)
                log_action(s, SOURCE_SESSION_LOG_DEBUG, 0, "sink used session id \"%s\", ours is %s; accepted",
                           escape(id, e, sizeof(e)), s->session_id);
        return true;
}

static void handle_options(struct source_session *s, const struct rtsp_message *m, uint64_t now)
{
        struct reply r;

        reply_start(s, &r, m, RTSP_STATUS_OK, 0);
        rtsp_builder_header(&r.b, "Public", PUBLIC_METHODS);
        send_built(s, &r.b, NULL, NULL, 0);
        if (s->phase == PHASE_ENDED)
                return;

        if (!s->m2_done) {
                s->m2_done = true;
                if (s->phase == PHASE_WAIT_M2)
                        send_m3(s, now);
        }
}

static void handle_setup(struct source_session *s, const struct rtsp_message *m, uint64_t now)
{
        const char *value = rtsp_message_get_header(m, "Transport");
        struct rtsp_transport t = {};
        struct reply r;
        char tr[160];
        int k;

        if (s->session_created) {
                reject(s, m, RTSP_STATUS_METHOD_NOT_VALID_IN_STATE, "a session exists already (one per connection)");
                return;
        }
        if (!s->negotiated || s->phase < PHASE_M4 || s->phase > PHASE_WAIT_SETUP) {
                reject(s, m, RTSP_STATUS_METHOD_NOT_VALID_IN_STATE, "SETUP before capability negotiation");
                return;
        }
        if (strcmp(m->uri, "*") == 0) {
                reject(s, m, RTSP_STATUS_AGGREGATE_NOT_ALLOWED, "SETUP needs the stream URI, not \"*\"");
                return;
        }
        if (value) {
                k = rtsp_transport_parse(value, &t);
                if (k == -EPROTONOSUPPORT) {
                        reject(s, m, RTSP_STATUS_UNSUPPORTED_TRANSPORT, "transport \"%s\" is not RTP/AVP",
                               escape(value, tr, sizeof(tr)));
                        return;
                }
                if (k < 0) {
                        reject(s, m, RTSP_STATUS_BAD_REQUEST, "malformed Transport \"%s\"",
                               escape(value, tr, sizeof(tr)));
                        return;
                }
                if (t.lower != RTSP_LOWER_TRANSPORT_UDP || !t.unicast || t.interleaved) {
                        reject(s, m, RTSP_STATUS_UNSUPPORTED_TRANSPORT,
                               "only RTP/AVP/UDP unicast is supported, got \"%s\"", escape(value, tr, sizeof(tr)));
                        return;
                }
        }
        if (t.has_client_port) {
                s->media.peer_rtp_port = t.client_port[0];
                s->media.peer_rtcp_port = t.client_port_range ? t.client_port[1] : 0;
        } else
                /* wfd-protocol.md 4.4: no client_port, use wfd_client_rtp_ports (already in media) or 19000. */
                log_action(s, SOURCE_SESSION_LOG_DEBUG, 0, "SETUP without client_port; using port %u",
                           s->media.peer_rtp_port);

        s->session_created = true;
        reply_start(s, &r, m, RTSP_STATUS_OK, s->timeout_sec);
        if (s->media.peer_rtcp_port)
                rtsp_builder_headerf(&r.b, "Transport", "RTP/AVP/UDP;unicast;client_port=%u-%u;server_port=%u-%u",
                                     s->media.peer_rtp_port, s->media.peer_rtcp_port, s->media.server_rtp_port,
                                     s->media.server_rtp_port + 1u);
        else
                rtsp_builder_headerf(&r.b, "Transport", "RTP/AVP/UDP;unicast;client_port=%u;server_port=%u-%u",
                                     s->media.peer_rtp_port, s->media.server_rtp_port,
                                     s->media.server_rtp_port + 1u);
        send_built(s, &r.b, NULL, NULL, 0);
        if (s->phase == PHASE_ENDED)
                return;
        s->phase = PHASE_WAIT_PLAY;
        s->wait_deadline = now + s->setup_timeout;
}

static void handle_play(struct source_session *s, const struct rtsp_message *m, uint64_t now)
{
        struct reply r;

        if (!check_session(s, m))
                return;
        if (strcmp(m->uri, "*") == 0) {
                reject(s, m, RTSP_STATUS_AGGREGATE_NOT_ALLOWED, "PLAY needs the stream URI, not \"*\"");
                return;
        }
        if (s->phase == PHASE_ENDING) {
                reject(s, m, RTSP_STATUS_METHOD_NOT_VALID_IN_STATE, "the session is being torn down");
                return;
        }
        reply_start(s, &r, m, RTSP_STATUS_OK, s->timeout_sec);
        rtsp_builder_header(&r.b, "Range", "npt=now-");
        send_built(s, &r.b, NULL, NULL, 0);
        if (s->phase == PHASE_ENDED)
                return;

        s->resume_requested = false;
        if (s->phase == PHASE_WAIT_PLAY) {
                s->phase = PHASE_PLAYING;
                push_media(s, SOURCE_SESSION_ACTION_MEDIA_START);
                s->media_state = MEDIA_RUNNING;
                s->idr_ever = false;
                s->last_sink_activity = now;
                s->keepalive_at = now + MIN(s->first_keepalive, keepalive_interval(s));
                if (s->quirks & SINK_QUIRK_EARLY_KEEPALIVE)
                        s->keepalive_at = now + MIN(s->first_keepalive, 10 * 1000000ULL);
        } else if (s->phase == PHASE_PAUSED) {
                s->phase = PHASE_PLAYING;
                push_media(s, SOURCE_SESSION_ACTION_MEDIA_RESUME);
                s->media_state = MEDIA_RUNNING;
                s->idr_ever = true;
                s->last_idr = now; /* resume starts with an IDR */
        }
        /* PLAYING: idempotent 200. */
}

static void handle_pause(struct source_session *s, const struct rtsp_message *m, uint64_t now)
{
        if (!check_session(s, m))
                return;
        if (s->phase == PHASE_WAIT_PLAY) {
                reject(s, m, RTSP_STATUS_METHOD_NOT_VALID_IN_STATE, "PAUSE before PLAY");
                return;
        }
        if (s->phase == PHASE_ENDING) {
                reject(s, m, RTSP_STATUS_METHOD_NOT_VALID_IN_STATE, "the session is being torn down");
                return;
        }
        reply_simple(s, m, RTSP_STATUS_OK);
        s->pause_requested = false;
        if (s->phase == PHASE_PLAYING) {
                s->phase = PHASE_PAUSED;
                push_media(s, SOURCE_SESSION_ACTION_MEDIA_PAUSE);
                s->media_state = MEDIA_PAUSED;
                s->idr_pending = false;
        }
}

static void handle_teardown(struct source_session *s, const struct rtsp_message *m, uint64_t now)
{
        bool ours = s->phase == PHASE_ENDING;

        reply_simple(s, m, RTSP_STATUS_OK);
        if (ours)
                end_session(s, SOURCE_SESSION_END_TEARDOWN_BY_USER, 0, "stopped: the sink sent TEARDOWN as asked");
        else
                end_session(s, SOURCE_SESSION_END_TEARDOWN_BY_SINK, 0, "the sink ended the session (TEARDOWN)");
}

static void handle_get_parameter(struct source_session *s, const struct rtsp_message *m, uint64_t now)
{
        /* A sink keep-alive (empty body) or a question we have no parameters for: 200, empty. */
        if (m->body_len > 0)
                log_action(s, SOURCE_SESSION_LOG_DEBUG, 0, "sink asked for parameters; we have none to report");
        reply_simple(s, m, RTSP_STATUS_OK);
}

static void handle_set_parameter(struct source_session *s, const struct rtsp_message *m, uint64_t now)
{
        struct wfd_param_list *l;
        const struct wfd_param *p;
        const char *ct = rtsp_message_get_header(m, "Content-Type");
        bool idr = false, standby = false;
        int r;

        if (m->body_len == 0) {
                reply_simple(s, m, RTSP_STATUS_OK); /* keep-alive */
                return;
        }
        if (ct && strncmp(ct, "text/parameters", 15) != 0) {
                char e[64];
                reject(s, m, RTSP_STATUS_UNSUPPORTED_MEDIA_TYPE, "Content-Type \"%s\" is not text/parameters",
                       escape(ct, e, sizeof(e)));
                return;
        }
        l = malloc(sizeof(*l));
        if (!l) {
                s->oom = -ENOMEM;
                return;
        }
        r = wfd_params_parse_body(m->body, m->body_len, l);
        if (r < 0) {
                free(l);
                reject(s, m, RTSP_STATUS_BAD_REQUEST, "unreadable SET_PARAMETER body (%s)", strerror(-r));
                return;
        }

        for (size_t i = 0; i < l->n; i++) {
                p = &l->params[i];
                switch (wfd_param_id_from_string(p->name, p->name_len)) {
                case WFD_PARAM_IDR_REQUEST:                                     /* M13 */
                        idr = true;
                        break;
                case WFD_PARAM_STANDBY:                                         /* M12 */
                        standby = true;
                        break;
                case WFD_PARAM_ROUTE: {                                         /* M10 */
                        enum wfd_route route;
                        if (!p->has_value || wfd_route_parse(p->value, p->value_len, &route) < 0) {
                                free(l);
                                reject(s, m, RTSP_STATUS_BAD_REQUEST, "malformed wfd_route");
                                return;
                        }
                        if (route != WFD_ROUTE_PRIMARY) {
                                free(l);
                                reject(s, m, RTSP_STATUS_NOT_IMPLEMENTED,
                                       "audio routing to a secondary (coupled) sink is not supported");
                                return;
                        }
                        break;
                }
                case WFD_PARAM_CONNECTOR_TYPE:                                  /* M11 */
                        log_action(s, SOURCE_SESSION_LOG_INFO, 0, "sink changed its connector type");
                        break;
                case WFD_PARAM_UIBC_CAPABILITY:                                 /* M14 */
                        log_action(s, SOURCE_SESSION_LOG_DEBUG, 0, "UIBC not implemented; capability ignored");
                        break;
                case WFD_PARAM_UIBC_SETTING: {                                  /* M15 */
                        bool enable;
                        if (!p->has_value || wfd_uibc_setting_parse(p->value, p->value_len, &enable) < 0) {
                                free(l);
                                reject(s, m, RTSP_STATUS_BAD_REQUEST, "malformed wfd_uibc_setting");
                                return;
                        }
                        if (enable) {
                                free(l);
                                reject(s, m, RTSP_STATUS_NOT_ACCEPTABLE, "UIBC is not implemented");
                                return;
                        }
                        break;
                }
                case WFD_PARAM_TRIGGER_METHOD:
                        free(l);
                        reject(s, m, RTSP_STATUS_NOT_ACCEPTABLE, "trigger methods go from source to sink only");
                        return;
                default:
                        break; /* unknown and vendor lines are ignored (wfd-protocol.md 3) */
                }
        }
        free(l);

        reply_simple(s, m, RTSP_STATUS_OK);
        if (idr)
                request_idr(s, now);
        if (standby && s->phase == PHASE_PLAYING) {
                s->phase = PHASE_PAUSED;
                push_media(s, SOURCE_SESSION_ACTION_MEDIA_PAUSE);
                s->media_state = MEDIA_PAUSED;
                s->idr_pending = false;
        }
}

static void handle_request(struct source_session *s, const struct rtsp_message *m, uint64_t now)
{
        const char *require = rtsp_message_get_header(m, "Require");
        uint32_t cseq;
        char e[64];

        if (rtsp_message_get_cseq(m, &cseq) < 0) {
                reject(s, m, RTSP_STATUS_BAD_REQUEST, "missing or malformed CSeq");
                return;
        }
        if (m->version_major != 1 || m->version_minor != 0) {
                reject(s, m, RTSP_STATUS_VERSION_NOT_SUPPORTED, "RTSP/%u.%u", m->version_major, m->version_minor);
                return;
        }
        if (require) {
                /* Every option other than org.wfa.wfd1.0 is unsupported (551). */
                char opt[128];
                const char *c = require;
                while (*c) {
                        size_t n = strcspn(c, ",");
                        const char *x = c;
                        size_t xn = n;
                        while (xn > 0 && (*x == ' ' || *x == '\t')) {
                                x++;
                                xn--;
                        }
                        while (xn > 0 && (x[xn - 1] == ' ' || x[xn - 1] == '\t'))
                                xn--;
                        if (xn > 0 && !(xn == strlen(WFD_OPTION) && memcmp(x, WFD_OPTION, xn) == 0)) {
                                struct reply r;
                                snprintf(opt, sizeof(opt), "%.*s", (int) MIN(xn, sizeof(opt) - 1), x);
                                reply_start(s, &r, m, RTSP_STATUS_OPTION_NOT_SUPPORTED, 0);
                                rtsp_builder_header(&r.b, "Unsupported", escape(opt, e, sizeof(e)));
                                send_built(s, &r.b, NULL, NULL, 0);
                                log_action(s, SOURCE_SESSION_LOG_WARNING, RTSP_STATUS_OPTION_NOT_SUPPORTED,
                                           "answered 551 Option not supported: Require \"%s\"", e);
                                return;
                        }
                        c += n;
                        if (*c == ',')
                                c++;
                }
        }

        switch (m->method) {
        case RTSP_METHOD_OPTIONS:
                handle_options(s, m, now);
                break;
        case RTSP_METHOD_GET_PARAMETER:
                handle_get_parameter(s, m, now);
                break;
        case RTSP_METHOD_SET_PARAMETER:
                handle_set_parameter(s, m, now);
                break;
        case RTSP_METHOD_SETUP:
                handle_setup(s, m, now);
                break;
        case RTSP_METHOD_PLAY:
                handle_play(s, m, now);
                break;
        case RTSP_METHOD_PAUSE:
                handle_pause(s, m, now);
                break;
        case RTSP_METHOD_TEARDOWN:
                handle_teardown(s, m, now);
                break;
        case RTSP_METHOD_UNKNOWN:
                reject(s, m, RTSP_STATUS_NOT_IMPLEMENTED, "unknown method");
                break;
        default: {
                /* DESCRIBE, ANNOUNCE, RECORD, REDIRECT: real RTSP methods a WFD source does not take. */
                struct reply r;
                reply_start(s, &r, m, RTSP_STATUS_METHOD_NOT_ALLOWED, 0);
                rtsp_builder_header(&r.b, "Allow", PUBLIC_METHODS);
                send_built(s, &r.b, NULL, NULL, 0);
                log_action(s, SOURCE_SESSION_LOG_WARNING, RTSP_STATUS_METHOD_NOT_ALLOWED,
                           "answered 405 Method Not Allowed to %s", m->method_name);
                break;
        }
        }
}

static void handle_message(struct source_session *s, const struct rtsp_message *m, uint64_t now)
{
        s->last_sink_activity = now; /* every valid sink message is a life sign */
        update_identity(s, m);
        if (m->type == RTSP_MESSAGE_REQUEST)
                handle_request(s, m, now);
        else
                handle_response(s, m, now);
}

/* ---- public entry points --------------------------------------------------------- */

static bool is_token(const char *s)
{
        if (!s || !*s)
                return false;
        for (; *s; s++)
                if ((unsigned char) *s <= 32 || (unsigned char) *s >= 127 || strchr("()<>@,;:\\\"/[]?={}", *s))
                        return false;
        return true;
}

int source_session_new(const struct source_session_config *config, struct source_session **ret)
{
        _cleanup_(source_session_freep) struct source_session *s = NULL;

        if (!config || !ret || !is_token(config->session_id) ||
            strlen(config->session_id) >= SOURCE_SESSION_MAX_SESSION_ID ||
            !config->local_address || !*config->local_address || !config->peer_address ||
            !*config->peer_address || strlen(config->peer_address) >= sizeof(s->media.peer_address) ||
            config->server_rtp_port == 0 || config->server_rtp_port == 65535)
                return -EINVAL;

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->config = *config;
        s->session_id = strdup(config->session_id);
        s->local_address = strdup(config->local_address);
        s->peer_address = strdup(config->peer_address);
        if (config->identity.device_name)
                s->device_name = strdup(config->identity.device_name);
        if (!s->session_id || !s->local_address || !s->peer_address ||
            (config->identity.device_name && !s->device_name))
                return -ENOMEM;
        /* The copied config must not point at the caller's strings. */
        s->config.session_id = s->session_id;
        s->config.local_address = s->local_address;
        s->config.peer_address = s->peer_address;
        s->config.identity.device_name = s->device_name;
        s->config.identity.user_agent = NULL;
        s->config.identity.server = NULL;

        s->timeout_sec = config->session_timeout_sec ? config->session_timeout_sec : SOURCE_SESSION_TIMEOUT_SEC;
        s->response_timeout = config->response_timeout_usec ?: SOURCE_SESSION_RESPONSE_TIMEOUT_USEC;
        s->m2_timeout = config->m2_timeout_usec ?: SOURCE_SESSION_M2_TIMEOUT_USEC;
        s->setup_timeout = config->setup_timeout_usec ?: SOURCE_SESSION_SETUP_TIMEOUT_USEC;
        s->first_keepalive = config->first_keepalive_usec ?: SOURCE_SESSION_FIRST_KEEPALIVE_USEC;
        s->grace = config->teardown_grace_usec ?: SOURCE_SESSION_TEARDOWN_GRACE_USEC;
        s->idr_coalesce = config->idr_coalesce_usec ?: SOURCE_SESSION_IDR_COALESCE_USEC;

        rtsp_parser_init(&s->parser);
        s->phase = PHASE_INIT;
        s->reported_state = SOURCE_SESSION_STATE_CONNECTING;
        s->next_cseq = 1;
        s->keepalive_enabled = true;

        {
                struct sink_identity id = s->config.identity;
                s->quirks = (sink_quirks_lookup(&id, NULL) | config->quirks_add) & ~config->quirks_remove;
                if (s->quirks & SINK_QUIRK_NO_KEEPALIVE)
                        s->keepalive_enabled = false;
        }
        snprintf(s->media.peer_address, sizeof(s->media.peer_address), "%s", s->peer_address);
        s->media.peer_rtp_port = SOURCE_SESSION_DEFAULT_RTP_PORT;
        s->media.server_rtp_port = config->server_rtp_port;

        *ret = steal_ptr(s);
        return 0;
}

struct source_session *source_session_free(struct source_session *s)
{
        if (!s)
                return NULL;
        free(s->session_id);
        free(s->local_address);
        free(s->peer_address);
        free(s->device_name);
        free(s->user_agent);
        free(s->server);
        if (s->has_caps)
                wfd_sink_caps_clear(&s->caps);
        free(s->sink_parameters);
        free(s->negotiation);
        free(s->next_negotiation);
        free(s->items);
        free(s->item_offsets);
        free(s->item_texts);
        free(s->out);
        free(s);
        return NULL;
}

#define BEGIN(s, ret)                                   \
        do {                                            \
                if (!(s) || !(ret))                     \
                        return -EINVAL;                 \
                if ((s)->phase == PHASE_ENDED)          \
                        return -ESHUTDOWN;              \
                begin_call(s);                          \
        } while (0)

int source_session_start(struct source_session *s, uint64_t now_usec, struct source_session_actions *ret)
{
        BEGIN(s, ret);
        if (s->phase != PHASE_INIT)
                return -EALREADY;
        s->phase = PHASE_M1;
        s->last_sink_activity = now_usec;
        (void) send_request(s, REQUEST_M1, "OPTIONS", "*", NULL, 0, now_usec);
        return finish_call(s, ret);
}

int source_session_receive(struct source_session *s, const void *data, size_t len, uint64_t now_usec,
                           struct source_session_actions *ret)
{
        const char *p = data;
        struct rtsp_message m;
        int r;

        BEGIN(s, ret);
        if (len > 0 && !data)
                return -EINVAL;
        if (s->phase == PHASE_INIT)
                return -ENOTCONN;

        while (len > 0 && s->phase != PHASE_ENDED) {
                size_t n = rtsp_parser_feed(&s->parser, p, len);
                p += n;
                len -= n;
                for (;;) {
                        r = rtsp_parser_next(&s->parser, &m);
                        if (r == -EAGAIN)
                                break;
                        if (r < 0) {
                                unsigned status = rtsp_error_to_status(r);
                                struct reply rp;
                                reply_start(s, &rp, NULL, status, 0);
                                send_built(s, &rp.b, NULL, NULL, 0);
                                log_action(s, SOURCE_SESSION_LOG_WARNING, status, "answered %u %s: %s", status,
                                           rtsp_status_to_string(status), rtsp_error_to_string(r));
                                end_session(s, SOURCE_SESSION_END_PROTOCOL_ERROR, -EPROTO,
                                            "sink sent an invalid RTSP message: %s", rtsp_error_to_string(r));
                                break;
                        }
                        handle_message(s, &m, now_usec);
                        if (s->phase == PHASE_ENDED || s->oom)
                                break;
                }
                if (s->oom)
                        break;
                if (n == 0 && s->phase != PHASE_ENDED)
                        break; /* cannot happen: a full parser buffer always holds a message or an error */
        }
        return finish_call(s, ret);
}

int source_session_timer(struct source_session *s, uint64_t now, struct source_session_actions *ret)
{
        BEGIN(s, ret);

        for (size_t i = 0; i < MAX_PENDING && s->phase != PHASE_ENDED; i++) {
                struct pending_request *p = &s->pending[i];
                if (!p->used || p->deadline_usec > now)
                        continue;
                p->used = false;
                if (p->kind == REQUEST_M16)
                        continue; /* liveness decides, below */
                if (p->kind == REQUEST_M5_TEARDOWN)
                        continue; /* the grace timer decides */
                if (p->kind == REQUEST_M4_CHANGE) {
                        log_action(s, SOURCE_SESSION_LOG_WARNING, 0, "no reply to the format change; keeping the format");
                        s->next_negotiation = mfree(s->next_negotiation);
                        continue;
                }
                end_session(s, SOURCE_SESSION_END_RESPONSE_TIMEOUT, -ETIMEDOUT, "no reply to %s within %llu ms",
                            request_names[p->kind], (unsigned long long) (s->response_timeout / 1000));
        }
        if (s->phase == PHASE_WAIT_M2 && now >= s->m2_deadline) {
                log_action(s, SOURCE_SESSION_LOG_WARNING, 0, "sink sent no M2 (OPTIONS) in time; sending M3 anyway");
                send_m3(s, now);
        }
        if ((s->phase == PHASE_WAIT_SETUP || s->phase == PHASE_WAIT_PLAY) && now >= s->wait_deadline)
                end_session(s, SOURCE_SESSION_END_SINK_TIMEOUT, -ETIMEDOUT, "sink sent no %s in time",
                            s->phase == PHASE_WAIT_SETUP ? "SETUP (M6) after the trigger" : "PLAY (M7) after SETUP");
        if (s->phase == PHASE_ENDING && now >= s->grace_deadline)
                end_session(s, SOURCE_SESSION_END_TEARDOWN_BY_USER, 0,
                            "stopped: the sink sent no TEARDOWN within the grace time, closing");
        if (liveness_active(s) && now >= liveness_deadline(s))
                end_session(s, SOURCE_SESSION_END_KEEPALIVE_TIMEOUT, -ETIMEDOUT,
                            "sink silent for %u s (no keep-alive reply)", s->timeout_sec);
        if (s->keepalive_enabled && (s->phase == PHASE_PLAYING || s->phase == PHASE_PAUSED) &&
            now >= s->keepalive_at) {
                if (!pending_has(s, REQUEST_M16))
                        (void) send_request(s, REQUEST_M16, "GET_PARAMETER", SOURCE_URI, NULL, 0, now);
                s->keepalive_at = now + keepalive_interval(s);
        }
        if (s->idr_pending && now >= s->idr_deadline) {
                s->idr_pending = false;
                if (s->phase == PHASE_PLAYING && s->media_state == MEDIA_RUNNING) {
                        push_media(s, SOURCE_SESSION_ACTION_MEDIA_REQUEST_IDR);
                        s->last_idr = now;
                }
        }
        return finish_call(s, ret);
}

int source_session_connection_closed(struct source_session *s, int error, uint64_t now,
                                     struct source_session_actions *ret)
{
        BEGIN(s, ret);
        if (s->phase == PHASE_ENDING)
                end_session(s, SOURCE_SESSION_END_TEARDOWN_BY_USER, 0, "stopped: the sink closed the connection");
        else if (error < 0)
                end_session(s, SOURCE_SESSION_END_CONNECTION_CLOSED, error, "connection to the sink failed: %s",
                            strerror(-error));
        else
                end_session(s, SOURCE_SESSION_END_CONNECTION_CLOSED, -ECONNRESET,
                            "the sink closed the connection");
        return finish_call(s, ret);
}

int source_session_media_started(struct source_session *s, uint64_t now, struct source_session_actions *ret)
{
        BEGIN(s, ret);
        log_action(s, SOURCE_SESSION_LOG_DEBUG, 0, "media flowing");
        return finish_call(s, ret);
}

int source_session_media_failed(struct source_session *s, int error, const char *text, uint64_t now,
                                struct source_session_actions *ret)
{
        char e[128];

        BEGIN(s, ret);
        s->media_state = MEDIA_STOPPED; /* it is gone already, no MEDIA_STOP */
        if (s->session_created && s->phase != PHASE_ENDING)
                send_trigger(s, REQUEST_M5_TEARDOWN, WFD_TRIGGER_TEARDOWN, now); /* tell the sink, politely */
        end_session(s, SOURCE_SESSION_END_MEDIA_FAILED, error < 0 ? error : -EIO, "media failed: %s",
                    escape(text ? text : strerror(error < 0 ? -error : EIO), e, sizeof(e)));
        return finish_call(s, ret);
}

int source_session_pause(struct source_session *s, uint64_t now, struct source_session_actions *ret)
{
        BEGIN(s, ret);
        if (s->phase == PHASE_ENDING)
                return -ESHUTDOWN;
        if (s->phase == PHASE_PAUSED || s->pause_requested)
                return -EALREADY;
        if (s->phase != PHASE_PLAYING)
                return -ENOTCONN;
        s->pause_requested = true;
        send_trigger(s, REQUEST_M5_PAUSE, WFD_TRIGGER_PAUSE, now);
        return finish_call(s, ret);
}

int source_session_resume(struct source_session *s, uint64_t now, struct source_session_actions *ret)
{
        BEGIN(s, ret);
        if (s->phase == PHASE_ENDING)
                return -ESHUTDOWN;
        if (s->phase == PHASE_PLAYING || s->resume_requested)
                return -EALREADY;
        if (s->phase != PHASE_PAUSED)
                return -ENOTCONN;
        s->resume_requested = true;
        send_trigger(s, REQUEST_M5_PLAY, WFD_TRIGGER_PLAY, now);
        return finish_call(s, ret);
}

int source_session_teardown(struct source_session *s, uint64_t now, struct source_session_actions *ret)
{
        BEGIN(s, ret);
        if (s->phase == PHASE_ENDING)
                return -EALREADY;
        if (!s->session_created)
                /* Nothing set up on the sink yet: just go. */
                end_session(s, SOURCE_SESSION_END_TEARDOWN_BY_USER, 0, "stopped before the session was set up");
        else {
                send_trigger(s, REQUEST_M5_TEARDOWN, WFD_TRIGGER_TEARDOWN, now);
                if (s->phase != PHASE_ENDED) {
                        s->phase = PHASE_ENDING;
                        s->grace_deadline = now + s->grace;
                }
        }
        return finish_call(s, ret);
}

int source_session_request_idr(struct source_session *s, uint64_t now, struct source_session_actions *ret)
{
        BEGIN(s, ret);
        if (s->phase == PHASE_ENDING)
                return -ESHUTDOWN;
        if (s->phase != PHASE_PLAYING && s->phase != PHASE_PAUSED)
                return -ENOTCONN;
        request_idr(s, now);
        return finish_call(s, ret);
}

int source_session_set_bitrate(struct source_session *s, uint32_t bitrate_bps, uint64_t now,
                               struct source_session_actions *ret)
{
        struct source_session_action *a;

        BEGIN(s, ret);
        if (bitrate_bps == 0)
                return -EINVAL;
        if (s->phase == PHASE_ENDING)
                return -ESHUTDOWN;
        s->bitrate_override = bitrate_bps;
        if (s->negotiated)
                s->media.format.bitrate_bps = bitrate_bps;
        if (s->media_state != MEDIA_STOPPED) {
                a = push_action(s, SOURCE_SESSION_ACTION_MEDIA_SET_BITRATE);
                if (a)
                        a->bitrate_bps = bitrate_bps;
        }
        return finish_call(s, ret);
}

int source_session_change_format(struct source_session *s, const struct source_session_limits *limits,
                                 uint64_t pts_90khz, uint64_t now, struct source_session_actions *ret)
{
        _cleanup_free_ struct wfd_negotiation *n = NULL;
        struct wfd_source_limits l;
        struct wfd_connection_stats stats;
        struct wfd_av_format_change_timing timing;
        char body[4096];
        int r;

        BEGIN(s, ret);
        if (!limits)
                return -EINVAL;
        if (s->phase == PHASE_ENDING)
                return -ESHUTDOWN;
        if (s->phase != PHASE_PLAYING && s->phase != PHASE_PAUSED)
                return -ENOTCONN;
        if (s->next_negotiation)
                return -EBUSY;

        n = malloc(sizeof(*n));
        if (!n)
                return -ENOMEM;
        limits_to_wfd(s, limits, false, NULL, &l);
        stats = connection_stats(s);
        r = wfd_negotiate(&s->caps, &l, &stats, n);
        if (r < 0)
                return r;
        s->config.limits = *limits;
        if (n->video.mode == s->negotiation->video.mode && n->video.profile == s->negotiation->video.profile &&
            n->video.level_idc == s->negotiation->video.level_idc)
                return finish_call(s, ret); /* same format: nothing to do */

        if (s->caps.has_format_change_capability && s->caps.format_change_capability &&
            n->audio == s->negotiation->audio &&
            (!n->audio || (n->audio_codec.format == s->negotiation->audio_codec.format &&
                           n->audio_codec.modes == s->negotiation->audio_codec.modes))) {
                /* [MS-WFDPE] microsoft_format_change_capability: the sink follows new SPS/PPS
                 * in the stream by itself (a mode it listed); no M4 round trip. */
                struct source_session_media next;
                negotiation_to_media(s, n, &next);
                next.peer_rtp_port = s->media.peer_rtp_port;
                next.peer_rtcp_port = s->media.peer_rtcp_port;
                s->media = next;
                free(s->negotiation);
                s->negotiation = steal_ptr(n);
                log_action(s, SOURCE_SESSION_LOG_INFO, 0,
                           "format change to %ux%up%u without M4 (microsoft_format_change_capability)",
                           s->media.format.width, s->media.format.height, s->media.format.fps);
                if (s->media_state != MEDIA_STOPPED)
                        push_media(s, SOURCE_SESSION_ACTION_MEDIA_CHANGE_FORMAT);
                return finish_call(s, ret);
        }

        timing = (struct wfd_av_format_change_timing) {
                .pts = pts_90khz & ((1ULL << 33) - 1),
                .dts = pts_90khz & ((1ULL << 33) - 1), /* no B-frames: DTS == PTS */
        };
        r = wfd_negotiation_format_change_body(n, &n->video, &timing, body, sizeof(body));
        if (r < 0)
                return r;
        negotiation_to_media(s, n, &s->next_media);
        s->next_negotiation = steal_ptr(n);
        (void) send_request(s, REQUEST_M4_CHANGE, "SET_PARAMETER", SOURCE_URI, body, (size_t) r, now);
        return finish_call(s, ret);
}

enum source_session_state source_session_get_state(const struct source_session *s)
{
        return phase_to_state(s->phase);
}

enum source_session_end_reason source_session_get_end_reason(const struct source_session *s,
                                                             const char **ret_text)
{
        if (ret_text)
                *ret_text = s->end_reason == SOURCE_SESSION_END_NONE ? "" : s->end_text;
        return s->end_reason;
}

int source_session_get_info(const struct source_session *s, struct source_session_info *ret)
{
        if (!s->negotiated)
                return -ENODATA;
        *ret = s->info;
        return 0;
}

const struct source_session_media *source_session_get_media(const struct source_session *s)
{
        return s->negotiated ? &s->media : NULL;
}

const char *source_session_get_sink_parameters(const struct source_session *s)
{
        return s->sink_parameters;
}

const char *source_session_get_sink_user_agent(const struct source_session *s)
{
        return s->user_agent ? s->user_agent : s->server;
}

unsigned source_session_get_quirks(const struct source_session *s)
{
        return s->quirks;
}
