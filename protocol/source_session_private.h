/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inside the source state machine: the session struct and the helpers its three
 * files share (source_session.c the flow, source_session_output.c what goes out,
 * source_session_negotiate.c the negotiation glue). Not for use outside them.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

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
#define MAX_FRAMES_PER_CALL 64              /* interleaved frames passed on per call; more are dropped */

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
        REQUEST_UIBC,                           /* our wfd_uibc_setting (+ capability) mid-session */
};

struct pending_request {
        bool used;
        bool sent;                              /* false while the pacer holds it back */
        uint32_t cseq;
        enum request_kind kind;
        uint64_t deadline_usec;                 /* valid once sent */
};

/* One of our requests held back by the pacer (docs/rtsp-pacing.md). */
struct held_request {
        char *data;                             /* owned: the whole message */
        size_t len;
        uint32_t cseq;
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
        size_t frames_this_call;                /* FRAME actions in the current call */
        uint64_t frames_dropped;                /* interleaved frames not passed on (over the cap, wrong channel) */

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

        /* pacing: never two of our messages back to back (docs/rtsp-pacing.md) */
        uint64_t send_gap;
        uint64_t now;                           /* time of the current call */
        bool sent_any;
        uint64_t last_send;                     /* when our last message went out */
        uint32_t last_send_cseq;                /* its CSeq when it was our request, 0 for a reply */
        bool last_send_unread;                  /* the sink has not shown that it read it */
        struct held_request held[MAX_PENDING];  /* FIFO, oldest first */
        size_t n_held;

        /* UIBC (source_session_uibc.c) */
        bool uibc_allowed;
        uint16_t uibc_port;
        bool uibc_offered;                      /* an offer went out in M4 or was accepted mid-session */
        bool uibc_sink_enabled;
        bool uibc_reported_active;
        struct wfd_uibc_capability uibc_offer;

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

/* A reply being built (big: keep it off small stacks only where needed). */
struct reply {
        struct rtsp_builder b;
        char buf[MESSAGE_SIZE];
};

/* Entry-point prologue: argument check, refuse after the end, reset the call's output, note the time. */
#define BEGIN(s, now_usec, ret)                         \
        do {                                            \
                if (!(s) || !(ret))                     \
                        return -EINVAL;                 \
                if ((s)->phase == PHASE_ENDED)          \
                        return -ESHUTDOWN;              \
                source_session_begin_call(s, now_usec); \
        } while (0)

static inline void *mfree(void *p)
{
        free(p);
        return NULL;
}

/* ---- source_session_output.c ---- */

/* Peer strings for logs: printable ASCII, bounded. Returns buf. */
const char *source_session_escape(const char *in, char *buf, size_t size);
const char *source_session_request_name(enum request_kind kind);

/* Start a call (empty action list) and finish it (TIMER, STATE_CHANGED, ENDED appended; pointers fixed). */
void source_session_begin_call(struct source_session *s, uint64_t now);
int source_session_finish_call(struct source_session *s, struct source_session_actions *ret);

/* Append an action; NULL (and s->oom set) when out of memory. */
struct source_session_action *source_session_push_action(struct source_session *s,
                                                         enum source_session_action_type type);
/* A FRAME action with a copy of the bytes (dropped and counted over MAX_FRAMES_PER_CALL). */
void source_session_push_frame(struct source_session *s, uint8_t channel, const uint8_t *data, size_t len);
/* MEDIA_* actions; START and CHANGE_FORMAT carry &s->media. */
void source_session_push_media(struct source_session *s, enum source_session_action_type type);
void source_session_log(struct source_session *s, enum source_session_log_level level, unsigned status,
                        const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* End the session (once): MEDIA_STOP if media runs, phase ENDED, ENDED appended by finish_call. */
void source_session_end(struct source_session *s, enum source_session_end_reason reason, int error,
                        const char *fmt, ...) __attribute__((format(printf, 4, 5)));

enum source_session_state source_session_phase_to_state(enum phase p);
uint64_t source_session_liveness_deadline(const struct source_session *s);
bool source_session_liveness_active(const struct source_session *s);

/* Our requests: CSeq from s->next_cseq, Session after SETUP (never ";timeout="), pending entry. */
bool source_session_pending_has(const struct source_session *s, enum request_kind kind);
size_t source_session_pending_count(const struct source_session *s);
bool source_session_send_request(struct source_session *s, enum request_kind kind, const char *method,
                                 const char *uri, const char *body, size_t body_len, uint64_t now);
/* The sink answered the request with this CSeq: if it was the last message we sent, it has read it. */
void source_session_pacer_answered(struct source_session *s, uint32_t cseq);
/* Send what the pacer holds back now, gap or not (the session is about to end). */
void source_session_pacer_flush(struct source_session *s);
void source_session_send_trigger(struct source_session *s, enum request_kind kind,
                                 enum wfd_trigger_method method, uint64_t now);

/* Replies: status line, CSeq of req (if any), Session after SETUP (with timeout when non-zero). */
void source_session_reply_start(struct source_session *s, struct reply *r, const struct rtsp_message *req,
                                unsigned status, unsigned session_timeout_sec);
void source_session_send_built(struct source_session *s, struct rtsp_builder *b, const char *content_type,
                               const char *body, size_t body_len);
void source_session_reply(struct source_session *s, const struct rtsp_message *req, unsigned status);
/* Answer req with an error status and LOG why. */
void source_session_reject(struct source_session *s, const struct rtsp_message *req, unsigned status,
                           const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* ---- source_session_uibc.c ---- */

/* Append the UIBC lines to an M4 body of len bytes when input is allowed and the sink lists some.
 * Returns the new length, or a negative errno (the body is then unchanged). */
int source_session_uibc_append_m4(struct source_session *s, char *body, size_t len, size_t size);
/* The sink's wfd_uibc_setting (M15): the RTSP status to answer. */
unsigned source_session_uibc_sink_setting(struct source_session *s, bool enable);
void source_session_uibc_reply(struct source_session *s, const struct rtsp_message *m);
/* From finish_call: a UIBC action when "active" changed. */
void source_session_uibc_report(struct source_session *s);

/* ---- source_session_negotiate.c ---- */

void source_session_negotiate_send_m3(struct source_session *s, uint64_t now);
void source_session_negotiate_m3_reply(struct source_session *s, const struct rtsp_message *m, uint64_t now);
void source_session_negotiate_m4_refused(struct source_session *s, const struct rtsp_message *m, uint64_t now);
void source_session_negotiate_change_reply(struct source_session *s, const struct rtsp_message *m, uint64_t now);
