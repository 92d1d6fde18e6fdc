/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the source state machine emits: the action list of one call, the bytes
 * of our requests and replies, the table of our requests awaiting a reply, the
 * pacer that keeps our messages apart, and the one timer (the earliest of all
 * deadlines). See source_session_private.h.
 *
 * Pacing (docs/rtsp-pacing.md): some sinks read one RTSP message per recv()
 * and lose the rest of the read. So a request of ours leaves at once only when
 * the sink has shown that it read our previous message (it answered it), or
 * when send_gap has passed since that message went out; otherwise it waits in
 * s->held and the timer sends it when the gap is over. Replies are never held:
 * the sink is blocked waiting for exactly that answer.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "source_session_private.h"

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
        [REQUEST_UIBC]        = "wfd_uibc_setting (SET_PARAMETER)",
};

const char *source_session_request_name(enum request_kind kind)
{
        if ((unsigned) kind >= ARRAY_SIZE(request_names) || !request_names[kind])
                return "request";
        return request_names[kind];
}

/* Copy a peer-controlled string for a log line: printable ASCII only, bounded. */
const char *source_session_escape(const char *in, char *buf, size_t size)
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

struct source_session_action *source_session_push_action(struct source_session *s,
                                                         enum source_session_action_type type)
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

void source_session_log(struct source_session *s, enum source_session_log_level level, unsigned status,
                        const char *fmt, ...)
{
        struct source_session_action *a = source_session_push_action(s, SOURCE_SESSION_ACTION_LOG);
        va_list ap;

        if (!a)
                return;
        a->log.level = level;
        a->log.status = status;
        va_start(ap, fmt);
        vsnprintf(action_text(s), TEXT_SIZE, fmt, ap);
        va_end(ap);
}

/* Room for n more bytes of output; on failure the session remembers -ENOMEM (s->oom). */
static int output_reserve(struct source_session *s, size_t n)
{
        size_t cap;
        char *out;

        if (s->out_len + n <= s->out_cap)
                return 0;
        cap = MAX(s->out_cap * 2, s->out_len + n + 4096);
        out = realloc(s->out, cap);
        if (!out) {
                s->oom = -ENOMEM;
                return -ENOMEM;
        }
        s->out = out;
        s->out_cap = cap;
        return 0;
}

static void send_bytes(struct source_session *s, const char *data, size_t n)
{
        struct source_session_action *a;

        if (s->phase == PHASE_ENDED)
                return; /* nothing goes out after the decision to end (ENDED is last) */
        if (s->out_len + n > MAX_OUTPUT_PER_CALL) {
                source_session_end(s, SOURCE_SESSION_END_PROTOCOL_ERROR, -EPROTO,
                                   "sink floods us with requests (more than %d bytes of replies at once)",
                                   MAX_OUTPUT_PER_CALL);
                return;
        }
        if (output_reserve(s, n) < 0)
                return;
        a = source_session_push_action(s, SOURCE_SESSION_ACTION_SEND);
        if (!a)
                return;
        memcpy(s->out + s->out_len, data, n);
        s->item_offsets[s->n_items - 1] = s->out_len;
        a->send.len = n;
        s->out_len += n;
        /* A reply, unless send_request() says otherwise right after. */
        s->sent_any = true;
        s->last_send = s->now;
        s->last_send_cseq = 0;
        s->last_send_unread = true;
}

void source_session_push_frame(struct source_session *s, uint8_t channel, const uint8_t *data, size_t len)
{
        struct source_session_action *a;

        /* a sink that floods us with frames gets the first few of each read passed on */
        if (s->phase == PHASE_ENDED || s->frames_this_call >= MAX_FRAMES_PER_CALL) {
                s->frames_dropped++;
                return;
        }
        if (output_reserve(s, len) < 0)
                return;
        a = source_session_push_action(s, SOURCE_SESSION_ACTION_FRAME);
        if (!a)
                return;
        if (len)
                memcpy(s->out + s->out_len, data, len);
        s->item_offsets[s->n_items - 1] = s->out_len;
        a->frame.channel = channel;
        a->frame.len = len;
        s->out_len += len;
        s->frames_this_call++;
}

void source_session_push_media(struct source_session *s, enum source_session_action_type type)
{
        struct source_session_action *a = source_session_push_action(s, type);
        if (a && (type == SOURCE_SESSION_ACTION_MEDIA_START || type == SOURCE_SESSION_ACTION_MEDIA_CHANGE_FORMAT))
                a->media = &s->media;
}

void source_session_begin_call(struct source_session *s, uint64_t now)
{
        s->now = now;
        s->n_items = 0;
        s->out_len = 0;
        s->oom = 0;
        s->frames_this_call = 0;
}

enum source_session_state source_session_phase_to_state(enum phase p)
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

uint64_t source_session_liveness_deadline(const struct source_session *s)
{
        return s->last_sink_activity + (uint64_t) s->timeout_sec * 1000000ULL;
}

bool source_session_liveness_active(const struct source_session *s)
{
        return s->keepalive_enabled && (s->phase == PHASE_PLAYING || s->phase == PHASE_PAUSED);
}

static uint64_t next_deadline(const struct source_session *s)
{
        uint64_t t = UINT64_MAX;

        if (s->phase == PHASE_ENDED)
                return 0;
        for (size_t i = 0; i < MAX_PENDING; i++)
                if (s->pending[i].used && s->pending[i].sent)
                        t = MIN(t, s->pending[i].deadline_usec);
        if (s->n_held > 0)
                t = MIN(t, s->last_send + s->send_gap);
        if (s->phase == PHASE_WAIT_M2)
                t = MIN(t, s->m2_deadline);
        if (s->phase == PHASE_WAIT_SETUP || s->phase == PHASE_WAIT_PLAY)
                t = MIN(t, s->wait_deadline);
        if (s->phase == PHASE_ENDING)
                t = MIN(t, s->grace_deadline);
        if (s->keepalive_enabled && (s->phase == PHASE_PLAYING || s->phase == PHASE_PAUSED))
                t = MIN(t, s->keepalive_at);
        if (source_session_liveness_active(s))
                t = MIN(t, source_session_liveness_deadline(s));
        if (s->idr_pending)
                t = MIN(t, s->idr_deadline);
        return t == UINT64_MAX ? 0 : MAX(t, 1);
}

static void pacer_release(struct source_session *s);

int source_session_finish_call(struct source_session *s, struct source_session_actions *ret)
{
        enum source_session_state st;
        struct source_session_action *a;
        uint64_t t;

        pacer_release(s);
        t = next_deadline(s);
        st = source_session_phase_to_state(s->phase);

        if (t != s->timer_armed) {
                a = source_session_push_action(s, SOURCE_SESSION_ACTION_TIMER);
                if (a)
                        a->timer_usec = t;
                s->timer_armed = t;
        }
        source_session_uibc_report(s);
        if (st != s->reported_state) {
                a = source_session_push_action(s, SOURCE_SESSION_ACTION_STATE_CHANGED);
                if (a)
                        a->state = st;
                s->reported_state = st;
        }
        if (s->ended_now) {
                a = source_session_push_action(s, SOURCE_SESSION_ACTION_ENDED);
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
                case SOURCE_SESSION_ACTION_FRAME:
                        a->frame.data = (const uint8_t *) s->out + s->item_offsets[i];
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
                source_session_push_media(s, SOURCE_SESSION_ACTION_MEDIA_STOP);
                s->media_state = MEDIA_STOPPED;
        }
}

void source_session_end(struct source_session *s, enum source_session_end_reason reason, int error,
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
        /* Requests still held back are dropped: the connection closes after ENDED. */
        for (size_t i = 0; i < s->n_held; i++)
                free(s->held[i].data);
        s->n_held = 0;
}

/* ---- sending requests and replies ------------------------------------------ */

void source_session_send_built(struct source_session *s, struct rtsp_builder *b, const char *content_type,
                               const char *body, size_t body_len)
{
        ssize_t n = rtsp_builder_finish(b, content_type, body, body_len);

        if (n < 0) {
                /* Our own bug (a buffer too small): end loudly rather than send garbage. */
                source_session_end(s, SOURCE_SESSION_END_PROTOCOL_ERROR, (int) n,
                                   "internal error: cannot build an RTSP message (%s)", strerror((int) -n));
                return;
        }
        send_bytes(s, b->buf, (size_t) n);
}

static struct pending_request *pending_add(struct source_session *s, enum request_kind kind, uint32_t cseq,
                                           bool sent, uint64_t now)
{
        for (size_t i = 0; i < MAX_PENDING; i++)
                if (!s->pending[i].used) {
                        s->pending[i] = (struct pending_request) {
                                .used = true,
                                .sent = sent,
                                .cseq = cseq,
                                .kind = kind,
                                .deadline_usec = sent ? now + s->response_timeout : 0,
                        };
                        return &s->pending[i];
                }
        return NULL;
}

/* ---- pacing ------------------------------------------------------------------- */

/* May a request of ours go out now, as far as our previous message is concerned? */
static bool pacer_may_send(const struct source_session *s)
{
        return !s->sent_any || !s->last_send_unread || s->now >= s->last_send + s->send_gap;
}

/* Send request bytes now: SEND action, response timer from now, remember it as our last message. */
static void pacer_send(struct source_session *s, const char *data, size_t len, uint32_t cseq)
{
        send_bytes(s, data, len);
        if (s->phase == PHASE_ENDED)
                return;
        s->last_send_cseq = cseq;
        for (size_t i = 0; i < MAX_PENDING; i++)
                if (s->pending[i].used && !s->pending[i].sent && s->pending[i].cseq == cseq) {
                        s->pending[i].sent = true;
                        s->pending[i].deadline_usec = s->now + s->response_timeout;
                }
}

/* Send the oldest held request if the gap allows (at most one per call: it restarts the gap). */
static void pacer_release(struct source_session *s)
{
        struct held_request h;

        if (s->n_held == 0 || s->phase == PHASE_ENDED || s->oom || !pacer_may_send(s))
                return;
        h = s->held[0];
        memmove(&s->held[0], &s->held[1], (s->n_held - 1) * sizeof(s->held[0]));
        s->n_held--;
        pacer_send(s, h.data, h.len, h.cseq);
        free(h.data);
}

void source_session_pacer_flush(struct source_session *s)
{
        for (size_t i = 0; i < s->n_held && s->phase != PHASE_ENDED; i++)
                pacer_send(s, s->held[i].data, s->held[i].len, s->held[i].cseq);
        for (size_t i = 0; i < s->n_held; i++)
                free(s->held[i].data);
        s->n_held = 0;
}

void source_session_pacer_answered(struct source_session *s, uint32_t cseq)
{
        if (s->last_send_cseq == cseq)
                s->last_send_unread = false;
}

bool source_session_pending_has(const struct source_session *s, enum request_kind kind)
{
        for (size_t i = 0; i < MAX_PENDING; i++)
                if (s->pending[i].used && s->pending[i].kind == kind)
                        return true;
        return false;
}

size_t source_session_pending_count(const struct source_session *s)
{
        size_t n = 0;
        for (size_t i = 0; i < MAX_PENDING; i++)
                n += s->pending[i].used;
        return n;
}

/* Send one request of ours. Returns false when it could not be queued (table full). */
bool source_session_send_request(struct source_session *s, enum request_kind kind, const char *method,
                                 const char *uri, const char *body, size_t body_len, uint64_t now)
{
        char buf[MESSAGE_SIZE], *held;
        struct rtsp_builder b;
        uint32_t cseq;
        ssize_t n;

        if (s->phase == PHASE_ENDED || source_session_pending_count(s) >= MAX_PENDING)
                return false;
        cseq = s->next_cseq++;
        rtsp_builder_init(&b, buf, sizeof(buf));
        rtsp_builder_request_line(&b, method, uri);
        rtsp_builder_cseq(&b, cseq);
        if (kind == REQUEST_M1)
                rtsp_builder_header(&b, "Require", WFD_OPTION);
        if (s->session_created)
                rtsp_builder_session(&b, s->session_id, 0); /* never ";timeout=" in requests */
        n = rtsp_builder_finish(&b, body_len > 0 ? "text/parameters" : NULL, body, body_len);
        if (n < 0) {
                /* Our own bug (a buffer too small): end loudly rather than send garbage. */
                source_session_end(s, SOURCE_SESSION_END_PROTOCOL_ERROR, (int) n,
                                   "internal error: cannot build an RTSP message (%s)", strerror((int) -n));
                return false;
        }
        if (s->n_held == 0 && pacer_may_send(s)) {
                (void) pending_add(s, kind, cseq, false, now);
                pacer_send(s, buf, (size_t) n, cseq);
                return s->phase != PHASE_ENDED;
        }
        /* Too soon after our last message: hold it; finish_call() or the timer sends it. */
        held = malloc((size_t) n);
        if (!held) {
                s->oom = -ENOMEM;
                return false;
        }
        memcpy(held, buf, (size_t) n);
        s->held[s->n_held++] = (struct held_request) { .data = held, .len = (size_t) n, .cseq = cseq };
        (void) pending_add(s, kind, cseq, false, now);
        return true;
}

void source_session_send_trigger(struct source_session *s, enum request_kind kind, enum wfd_trigger_method method,
                                 uint64_t now)
{
        char body[64];
        struct wfd_params_writer w;

        wfd_params_writer_init(&w, body, sizeof(body));
        wfd_params_write(&w, "wfd_trigger_method", wfd_trigger_method_to_string(method));
        (void) source_session_send_request(s, kind, "SET_PARAMETER", SOURCE_URI, body, w.len, now);
}

/* Start a reply: status line, CSeq (when the request had one), Session after SETUP. */
void source_session_reply_start(struct source_session *s, struct reply *r, const struct rtsp_message *req,
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

void source_session_reply(struct source_session *s, const struct rtsp_message *req, unsigned status)
{
        struct reply r;

        source_session_reply_start(s, &r, req, status, 0);
        source_session_send_built(s, &r.b, NULL, NULL, 0);
}

/* Answer a request with an error status and tell the daemon why. */
void source_session_reject(struct source_session *s, const struct rtsp_message *req, unsigned status,
                           const char *fmt, ...)
{
        char why[160], name[48];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(why, sizeof(why), fmt, ap);
        va_end(ap);
        source_session_reply(s, req, status);
        source_session_log(s, SOURCE_SESSION_LOG_WARNING, status, "answered %u %s to %s: %s", status,
                           rtsp_status_to_string(status),
                           source_session_escape(req->method_name, name, sizeof(name)), why);
}
