/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * protocol/source_session.c: the WFD source state machine, driven by scripted
 * sink messages. Each case names the WFD message (M1..M16), error status,
 * timer or quirk it checks.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../protocol/macro.h"
#include "../../protocol/rtsp.h"
#include "../../protocol/latency_mode.h"
#include "../../protocol/source_session.h"
#include "../../protocol/wfd_uibc.h"
#include "../lib/test.h"

#define SEC 1000000ULL
#define T0 (1000 * SEC)
#define GAP SOURCE_SESSION_SEND_GAP_USEC

/* The LG webOS M3 reply from tests/data/wfd-captures (CRLF restored). */
static const char lg_m3_body[] =
        "wfd_audio_codecs: LPCM 00000003 00, AAC 00000001 00\r\n"
        "wfd_video_formats: 40 00 01 10 000194FF 155575DF 00000555 00 0000 0000 1F none none, "
        "02 10 000194FF 155575DF 00000555 00 0000 0000 1F none none\r\n"
        "wfd_client_rtp_ports: RTP/AVP/UDP;unicast 53000 0 mode=play\r\n";

struct harness {
        struct source_session *s;
        struct source_session_config cfg;
        uint64_t now;
        int r;                                  /* last call's return */
        /* the last call's actions, copied */
        size_t n_actions;
        enum source_session_action_type types[64];
        char sends[16][8192];
        size_t send_len[16];
        size_t n_sends;
        uint64_t timer;                         /* last TIMER value seen (any call) */
        bool timer_seen;                        /* in the last call */
        bool ended;
        enum source_session_end_reason end_reason;
        int end_error;
        char end_text[256];
        unsigned last_log_status;
        char last_log[256];
        struct source_session_media media;      /* from the last MEDIA_START/CHANGE_FORMAT */
        struct source_session_info info;
        uint32_t bitrate;
        bool uibc_active;                       /* last UIBC action seen (any call) */
        uint32_t uibc_types;
        size_t n_frames;                        /* FRAME actions in the last call */
        uint8_t frame_channel;
        size_t frame_len;
        uint8_t frame_data[64];
        uint32_t sink_cseq;                     /* the sink's own request counter */
        struct rtsp_parser parser;
        struct rtsp_message msg;                /* parsed by sent() */

        /* Pacing monitor (docs/rtsp-pacing.md), checked on every call of every test: a request of
         * ours leaves only when the sink answered our previous message or GAP has passed since it. */
        struct {
                bool any;                       /* we sent something */
                uint64_t last;                  /* when */
                uint32_t last_request_cseq;     /* its CSeq if it was a request, else 0 */
                bool answered;                  /* the sink answered it */
                struct rtsp_parser in;          /* what the sink sends, to see its replies */
        } pace;
};

/* The sink's bytes: note when it answers our last message. */
static void pace_watch_input(struct harness *h, const char *bytes, size_t n)
{
        struct rtsp_message m;
        uint32_t cseq;
        int r;

        while (n > 0) {
                size_t k = rtsp_parser_feed(&h->pace.in, bytes, n);
                bytes += k;
                n -= k;
                while ((r = rtsp_parser_next(&h->pace.in, &m)) == 0)
                        if (m.type == RTSP_MESSAGE_RESPONSE && rtsp_message_get_cseq(&m, &cseq) == 0 &&
                            h->pace.last_request_cseq && cseq == h->pace.last_request_cseq)
                                h->pace.answered = true;
                if (r != -EAGAIN) {
                        rtsp_parser_init(&h->pace.in); /* garbage on purpose: start over */
                        return;
                }
                if (k == 0)
                        return;
        }
}

/* Our message i of the current call, sent at h->now: check the rule, then remember it. */
static void pace_check_send(struct harness *h, const char *data, size_t len, bool ending)
{
        bool request = strncmp(data, "RTSP/", 5) != 0;
        uint32_t cseq = 0;

        if (request) {
                const char *c = strstr(data, "\r\nCSeq: ");
                if (c)
                        cseq = (uint32_t) strtoul(c + 8, NULL, 10);
                /* The last words before closing (ENDED in the same call) are exempt. */
                if (!ending && h->pace.any && !h->pace.answered && h->now < h->pace.last + GAP)
                        test_fail(__FILE__, __LINE__,
                                  "request (CSeq %u) only %llu us after our previous, unanswered message",
                                  cseq, (unsigned long long) (h->now - h->pace.last));
        }
        (void) len;
        h->pace.any = true;
        h->pace.last = h->now;
        h->pace.last_request_cseq = cseq;
        h->pace.answered = false;
}

static void record(struct harness *h, int r, const struct source_session_actions *a)
{
        h->r = r;
        h->n_actions = 0;
        h->n_sends = 0;
        h->timer_seen = false;
        h->last_log_status = 0;
        h->last_log[0] = 0;
        h->n_frames = 0;
        if (r < 0)
                return;
        assert_true(a->n <= ARRAY_SIZE(h->types));
        bool ending = a->n > 0 && a->items[a->n - 1].type == SOURCE_SESSION_ACTION_ENDED;
        for (size_t i = 0; i < a->n; i++) {
                const struct source_session_action *x = &a->items[i];
                h->types[h->n_actions++] = x->type;
                switch (x->type) {
                case SOURCE_SESSION_ACTION_SEND:
                        assert_true(h->n_sends < ARRAY_SIZE(h->sends));
                        assert_true(x->send.len < sizeof(h->sends[0]));
                        memcpy(h->sends[h->n_sends], x->send.data, x->send.len);
                        h->sends[h->n_sends][x->send.len] = 0;
                        pace_check_send(h, h->sends[h->n_sends], x->send.len, ending);
                        h->send_len[h->n_sends++] = x->send.len;
                        break;
                case SOURCE_SESSION_ACTION_TIMER:
                        h->timer = x->timer_usec;
                        h->timer_seen = true;
                        break;
                case SOURCE_SESSION_ACTION_ENDED:
                        assert_false(h->ended);
                        assert_int_eq(i, a->n - 1); /* nothing follows ENDED */
                        h->ended = true;
                        h->end_reason = x->ended.reason;
                        h->end_error = x->ended.error;
                        snprintf(h->end_text, sizeof(h->end_text), "%s", x->ended.text);
                        break;
                case SOURCE_SESSION_ACTION_LOG:
                        h->last_log_status = x->log.status;
                        snprintf(h->last_log, sizeof(h->last_log), "%s", x->log.text);
                        break;
                case SOURCE_SESSION_ACTION_MEDIA_START:
                case SOURCE_SESSION_ACTION_MEDIA_CHANGE_FORMAT:
                        h->media = *x->media;
                        break;
                case SOURCE_SESSION_ACTION_NEGOTIATED:
                        h->info = *x->info;
                        break;
                case SOURCE_SESSION_ACTION_MEDIA_SET_BITRATE:
                        h->bitrate = x->bitrate_bps;
                        break;
                case SOURCE_SESSION_ACTION_UIBC:
                        h->uibc_active = x->uibc.active;
                        h->uibc_types = x->uibc.generic_types;
                        break;
                case SOURCE_SESSION_ACTION_FRAME:
                        h->n_frames++;
                        h->frame_channel = x->frame.channel;
                        h->frame_len = x->frame.len;
                        memcpy(h->frame_data, x->frame.data, MIN(x->frame.len, sizeof(h->frame_data)));
                        break;
                default:
                        break;
                }
        }
}

static size_t count(const struct harness *h, enum source_session_action_type t)
{
        size_t n = 0;
        for (size_t i = 0; i < h->n_actions; i++)
                n += h->types[i] == t;
        return n;
}

/* Index of the first action of type t in the last call, or -1. */
static int index_of(const struct harness *h, enum source_session_action_type t)
{
        for (size_t i = 0; i < h->n_actions; i++)
                if (h->types[i] == t)
                        return (int) i;
        return -1;
}

static struct harness *harness_new_with(void (*tweak)(struct source_session_config *c))
{
        struct harness *h = calloc(1, sizeof(*h));

        assert_non_null(h);
        h->cfg = (struct source_session_config) {
                .session_id = "6B8B4567",
                .local_address = "192.168.49.1",
                .peer_address = "192.168.49.10",
                .server_rtp_port = 16384,
                .limits = { .encoder_supports_chp = true },
        };
        if (tweak)
                tweak(&h->cfg);
        h->now = T0;
        rtsp_parser_init(&h->pace.in);
        assert_int_eq(source_session_new(&h->cfg, &h->s), 0);
        return h;
}

static struct harness *harness_new(void)
{
        return harness_new_with(NULL);
}

static void harness_free(struct harness *h)
{
        source_session_free(h->s);
        free(h);
}

static void start(struct harness *h)
{
        struct source_session_actions a;
        record(h, source_session_start(h->s, h->now, &a), &a);
        assert_int_eq(h->r, 0);
}

static void feed(struct harness *h, const char *bytes, size_t n)
{
        struct source_session_actions a;
        pace_watch_input(h, bytes, n);
        record(h, source_session_receive(h->s, bytes, n, h->now, &a), &a);
        assert_int_eq(h->r, 0);
}

static void fire(struct harness *h, uint64_t at)
{
        struct source_session_actions a;
        h->now = at;
        record(h, source_session_timer(h->s, h->now, &a), &a);
        assert_int_eq(h->r, 0);
}

/* The sink sends a request; extra_headers are "Name: value\r\n" lines. */
static void sink_request(struct harness *h, const char *method, const char *uri, const char *extra_headers,
                         const char *body)
{
        char buf[8192];
        int n = snprintf(buf, sizeof(buf), "%s %s RTSP/1.0\r\nCSeq: %u\r\n%s", method, uri, h->sink_cseq++,
                         extra_headers ? extra_headers : "");
        if (body && *body)
                n += snprintf(buf + n, sizeof(buf) - n, "Content-Type: text/parameters\r\nContent-Length: %zu\r\n",
                              strlen(body));
        n += snprintf(buf + n, sizeof(buf) - n, "\r\n%s", body ? body : "");
        feed(h, buf, n);
}

static void sink_reply(struct harness *h, uint32_t cseq, unsigned status, const char *extra_headers,
                       const char *body)
{
        char buf[8192];
        int n = snprintf(buf, sizeof(buf), "RTSP/1.0 %u %s\r\nCSeq: %u\r\n%s", status, rtsp_status_to_string(status),
                         cseq, extra_headers ? extra_headers : "");
        if (body && *body)
                n += snprintf(buf + n, sizeof(buf) - n, "Content-Type: text/parameters\r\nContent-Length: %zu\r\n",
                              strlen(body));
        n += snprintf(buf + n, sizeof(buf) - n, "\r\n%s", body ? body : "");
        feed(h, buf, n);
}

/* Parse the i-th message the FSM sent in the last call into h->msg. */
static const struct rtsp_message *sent(struct harness *h, size_t i)
{
        if (i >= h->n_sends)
                test_fail(__FILE__, __LINE__, "only %zu messages sent, wanted #%zu", h->n_sends, i);
        rtsp_parser_init(&h->parser);
        assert_int_eq(rtsp_parser_feed(&h->parser, h->sends[i], h->send_len[i]), h->send_len[i]);
        assert_int_eq(rtsp_parser_next(&h->parser, &h->msg), 0);
        assert_int_eq(rtsp_parser_pending(&h->parser), 0); /* exactly one message per SEND */
        return &h->msg;
}

static uint32_t cseq_of(const struct rtsp_message *m)
{
        uint32_t c = 0;
        assert_int_eq(rtsp_message_get_cseq(m, &c), 0);
        return c;
}

static void expect_request(struct harness *h, size_t i, enum rtsp_method method, uint32_t cseq)
{
        const struct rtsp_message *m = sent(h, i);
        assert_int_eq(m->type, RTSP_MESSAGE_REQUEST);
        assert_int_eq(m->method, method);
        assert_int_eq(cseq_of(m), cseq);
}

static void expect_reply(struct harness *h, size_t i, unsigned status)
{
        const struct rtsp_message *m = sent(h, i);
        assert_int_eq(m->type, RTSP_MESSAGE_RESPONSE);
        if (m->status != status)
                test_fail(__FILE__, __LINE__, "reply status %u, want %u (%s)", m->status, status, h->last_log);
}

static bool body_has(const struct rtsp_message *m, const char *s)
{
        return m->body_len > 0 && strstr(m->body, s) != NULL;
}

/*
 * M1 sent; sink answers M1 and sends M2; we answer M2, and M3 follows one send gap later.
 * Starts one gap before T0, so that M3 leaves at T0 and later times read as before pacing.
 */
static void to_m3(struct harness *h)
{
        h->now = T0 - GAP;
        start(h);
        sink_reply(h, 1, 200, "Public: org.wfa.wfd1.0, GET_PARAMETER, SET_PARAMETER\r\n", NULL);
        sink_request(h, "OPTIONS", "*", "Require: org.wfa.wfd1.0\r\n", NULL);
        assert_int_eq(h->n_sends, 1);
        expect_reply(h, 0, 200);
        assert_int_eq(h->timer, T0);
        fire(h, T0);
        assert_int_eq(h->n_sends, 1);
        expect_request(h, 0, RTSP_METHOD_GET_PARAMETER, 2);
}

static void to_m4(struct harness *h)
{
        to_m3(h);
        sink_reply(h, 2, 200, NULL, lg_m3_body);
        assert_int_eq(count(h, SOURCE_SESSION_ACTION_NEGOTIATED), 1);
        expect_request(h, 0, RTSP_METHOD_SET_PARAMETER, 3);
}

static void to_setup(struct harness *h)
{
        to_m4(h);
        sink_reply(h, 3, 200, NULL, NULL);
        expect_request(h, 0, RTSP_METHOD_SET_PARAMETER, 4);
        assert_true(body_has(sent(h, 0), "wfd_trigger_method: SETUP"));
        sink_reply(h, 4, 200, NULL, NULL);
        sink_request(h, "SETUP", "rtsp://192.168.49.1/wfd1.0/streamid=0",
                     "Transport: RTP/AVP/UDP;unicast;client_port=19000\r\n", NULL);
        expect_reply(h, 0, 200);
}

/* Let one send gap pass: the sink has had time to read our last message. */
static void idle(struct harness *h)
{
        h->now += GAP;
}

static void to_playing(struct harness *h)
{
        to_setup(h);
        sink_request(h, "PLAY", "rtsp://192.168.49.1/wfd1.0/streamid=0", "Session: 6B8B4567\r\n", NULL);
        expect_reply(h, 0, 200);
        assert_int_eq(count(h, SOURCE_SESSION_ACTION_MEDIA_START), 1);
        assert_int_eq(source_session_get_state(h->s), SOURCE_SESSION_STATE_PLAYING);
}

/* ---- M1 / M2 ------------------------------------------------------------------ */

TEST(fsm_m1, "/fsm/M1 OPTIONS with Require and CSeq 1 on start, response timer armed") {
        struct harness *h = harness_new();
        const struct rtsp_message *m;

        assert_int_eq(source_session_get_state(h->s), SOURCE_SESSION_STATE_CONNECTING);
        start(h);
        assert_int_eq(h->n_sends, 1);
        m = sent(h, 0);
        assert_int_eq(m->method, RTSP_METHOD_OPTIONS);
        assert_str_eq(m->uri, "*");
        assert_int_eq(cseq_of(m), 1);
        assert_str_eq(rtsp_message_get_header(m, "Require"), "org.wfa.wfd1.0");
        assert_null(rtsp_message_get_header(m, "Session"));
        assert_true(h->timer_seen);
        assert_int_eq(h->timer, T0 + 5 * SEC);
        assert_int_eq(source_session_get_state(h->s), SOURCE_SESSION_STATE_NEGOTIATING);
        assert_int_eq(count(h, SOURCE_SESSION_ACTION_STATE_CHANGED), 1);
        {
                struct source_session_actions a;
                assert_int_eq(source_session_start(h->s, h->now, &a), -EALREADY);
        }
        harness_free(h);
}

TEST(fsm_m1_refused, "/fsm/M1 reply other than 200 ends the session (sink-refused)") {
        struct harness *h = harness_new();

        start(h);
        sink_reply(h, 1, 404, NULL, NULL);
        assert_true(h->ended);
        assert_int_eq(h->end_reason, SOURCE_SESSION_END_SINK_REFUSED);
        assert_int_eq(source_session_get_state(h->s), SOURCE_SESSION_STATE_ENDED);
        harness_free(h);
}

TEST(fsm_m1_not_wfd, "/fsm/M1 reply whose Public lacks SET_PARAMETER: not a WFD sink") {
        struct harness *h = harness_new();

        start(h);
        sink_reply(h, 1, 200, "Public: DESCRIBE, SETUP, PLAY\r\n", NULL);
        assert_true(h->ended);
        assert_int_eq(h->end_reason, SOURCE_SESSION_END_NOT_WFD);
        assert_int_eq(h->end_error, -EPROTONOSUPPORT);
        harness_free(h);
}

TEST(fsm_m2_then_m3, "/fsm/M2 answered with Public; M3 one send gap after the M2 reply") {
        struct harness *h = harness_new();
        const struct rtsp_message *m;

        start(h);
        sink_reply(h, 1, 200, "Public: org.wfa.wfd1.0, GET_PARAMETER, SET_PARAMETER\r\n", NULL);
        assert_int_eq(h->n_sends, 0); /* no M3 before M2 */
        assert_int_eq(h->timer, T0 + 5 * SEC); /* M2 wait */
        sink_request(h, "OPTIONS", "*", "Require: org.wfa.wfd1.0\r\n", NULL);
        /* Only the reply: a sink that reads one message per recv() would lose an M3 right behind it. */
        assert_int_eq(h->n_sends, 1);
        assert_true(h->timer_seen);
        assert_int_eq(h->timer, T0 + GAP);
        m = sent(h, 0);
        assert_int_eq(m->status, 200);
        assert_int_eq(cseq_of(m), 0);
        assert_true(rtsp_list_contains(rtsp_message_get_header(m, "Public"), "org.wfa.wfd1.0"));
        assert_true(rtsp_list_contains(rtsp_message_get_header(m, "Public"), "SETUP"));
        assert_true(rtsp_list_contains(rtsp_message_get_header(m, "Public"), "TEARDOWN"));
        fire(h, T0 + GAP - 1); /* early: still held */
        assert_int_eq(h->n_sends, 0);
        fire(h, T0 + GAP);
        assert_int_eq(h->n_sends, 1);
        assert_int_eq(h->timer, T0 + GAP + 5 * SEC); /* its response time counts from now */
        m = sent(h, 0);
        assert_int_eq(m->method, RTSP_METHOD_GET_PARAMETER);
        assert_str_eq(m->uri, "rtsp://localhost/wfd1.0");
        assert_int_eq(cseq_of(m), 2);
        assert_str_eq(rtsp_message_get_header(m, "Content-Type"), "text/parameters");
        assert_true(body_has(m, "wfd_video_formats\r\n"));
        assert_true(body_has(m, "wfd_audio_codecs\r\n"));
        assert_true(body_has(m, "wfd_client_rtp_ports\r\n"));
        harness_free(h);
}

TEST(fsm_m2_before_m1_reply, "/fsm/M2 before the M1 reply: M3 after the M1 reply, one gap after the M2 reply") {
        struct harness *h = harness_new();

        start(h);
        sink_request(h, "OPTIONS", "*", "Require: org.wfa.wfd1.0\r\n", NULL);
        assert_int_eq(h->n_sends, 1);
        expect_reply(h, 0, 200);
        /* The M1 reply shows the sink read M1, not our M2 reply sent after it. */
        h->now = T0 + GAP / 2;
        sink_reply(h, 1, 200, "Public: org.wfa.wfd1.0, GET_PARAMETER, SET_PARAMETER\r\n", NULL);
        assert_int_eq(h->n_sends, 0);
        assert_int_eq(h->timer, T0 + GAP);
        fire(h, T0 + GAP);
        assert_int_eq(h->n_sends, 1);
        expect_request(h, 0, RTSP_METHOD_GET_PARAMETER, 2);
        harness_free(h);

        /* Long after the M2 reply: at once. */
        h = harness_new();
        start(h);
        sink_request(h, "OPTIONS", "*", "Require: org.wfa.wfd1.0\r\n", NULL);
        h->now = T0 + GAP;
        sink_reply(h, 1, 200, "Public: org.wfa.wfd1.0, GET_PARAMETER, SET_PARAMETER\r\n", NULL);
        assert_int_eq(h->n_sends, 1);
        expect_request(h, 0, RTSP_METHOD_GET_PARAMETER, 2);
        harness_free(h);
}

TEST(fsm_m2_timeout, "/fsm/no M2 within the M2 wait: M3 is sent anyway") {
        struct harness *h = harness_new();

        start(h);
        sink_reply(h, 1, 200, "Public: org.wfa.wfd1.0, GET_PARAMETER, SET_PARAMETER\r\n", NULL);
        fire(h, T0 + 4 * SEC);
        assert_int_eq(h->n_sends, 0);
        fire(h, T0 + 5 * SEC);
        assert_int_eq(h->n_sends, 1);
        expect_request(h, 0, RTSP_METHOD_GET_PARAMETER, 2);
        assert_false(h->ended);
        /* A late M2 is still answered, and does not send M3 twice. */
        sink_request(h, "OPTIONS", "*", NULL, NULL);
        assert_int_eq(h->n_sends, 1);
        expect_reply(h, 0, 200);
        harness_free(h);
}

static void lg_identity(struct source_session_config *c)
{
        c->identity.device_name = "[LG] webOS TV UN8000PTA r";
}

TEST(fsm_quirk_m3_without_m2, "/fsm/quirk m3-without-m2 (LG webOS): M3 right after M1, late M2 with CSeq 0") {
        struct harness *h = harness_new_with(lg_identity);

        assert_int_eq(source_session_get_quirks(h->s), SINK_QUIRK_M3_WITHOUT_M2);
        start(h);
        sink_reply(h, 1, 200, NULL, NULL); /* the LG log shows no Public header */
        assert_int_eq(h->n_sends, 1);
        expect_request(h, 0, RTSP_METHOD_GET_PARAMETER, 2);
        sink_request(h, "OPTIONS", "*", NULL, NULL); /* CSeq 0, after our M3 */
        assert_int_eq(h->n_sends, 1);
        expect_reply(h, 0, 200);
        assert_int_eq(cseq_of(sent(h, 0)), 0);
        sink_reply(h, 2, 200, NULL, lg_m3_body);
        assert_int_eq(count(h, SOURCE_SESSION_ACTION_NEGOTIATED), 1);
        harness_free(h);
}

/* ---- M3 / M4 ------------------------------------------------------------------ */

TEST(fsm_m3_m4, "/fsm/M3 reply negotiated: NEGOTIATED, then M4 with one format, URL and ports") {
        struct harness *h = harness_new();
        const struct rtsp_message *m;
        const struct source_session_media *media;

        to_m3(h);
        assert_null(source_session_get_media(h->s));
        sink_reply(h, 2, 200, NULL, lg_m3_body);
        assert_int_eq(index_of(h, SOURCE_SESSION_ACTION_NEGOTIATED), 0);
        assert_true(h->info.monitor_connected);
        assert_false(h->info.reduced_mode_list_due_to_bandwidth);
        m = sent(h, 0);
        assert_int_eq(m->method, RTSP_METHOD_SET_PARAMETER);
        assert_int_eq(cseq_of(m), 3);
        assert_true(body_has(m, "wfd_presentation_URL: rtsp://192.168.49.1/wfd1.0/streamid=0 none\r\n"));
        assert_true(body_has(m, "wfd_client_rtp_ports: RTP/AVP/UDP;unicast 53000 0 mode=play\r\n"));
        assert_true(body_has(m, "00000080 00000000 00000000")); /* CEA bit 7: 1080p30 */
        assert_true(body_has(m, "wfd_audio_codecs: AAC 00000001 00"));
        assert_false(body_has(m, "wfd_content_protection"));
        media = source_session_get_media(h->s);
        assert_non_null(media);
        assert_int_eq(media->format.width, 1920);
        assert_int_eq(media->format.height, 1080);
        assert_int_eq(media->format.fps, 30);
        assert_int_eq(media->format.h264_profile_idc, 100);
        assert_int_eq(media->format.h264_constraint_flags, 0x0C);
        assert_int_eq(media->format.audio_codec, SOURCE_SESSION_AUDIO_AAC);
        assert_int_eq(media->format.audio_sample_rate_hz, 48000);
        assert_int_eq(media->format.audio_channels, 2);
        assert_int_eq(media->peer_rtp_port, 53000);
        assert_str_eq(source_session_get_sink_parameters(h->s), lg_m3_body);
        harness_free(h);
}

TEST(fsm_m3_303, "/fsm/303 to M3: ask once more for the mandatory names only, a second 303 ends") {
        struct harness *h = harness_new();
        const struct rtsp_message *m;

        to_m3(h);
        sink_reply(h, 2, 303, NULL, "microsoft_format_change_capability: 404\r\n");
        assert_false(h->ended);
        assert_int_eq(h->last_log_status, 303);
        m = sent(h, 0);
        assert_int_eq(m->method, RTSP_METHOD_GET_PARAMETER);
        assert_int_eq(cseq_of(m), 3);
        assert_str_eq(m->body, "wfd_video_formats\r\nwfd_audio_codecs\r\nwfd_client_rtp_ports\r\n");
        sink_reply(h, 3, 200, NULL, lg_m3_body);
        assert_int_eq(count(h, SOURCE_SESSION_ACTION_NEGOTIATED), 1);
        expect_request(h, 0, RTSP_METHOD_SET_PARAMETER, 4);
        harness_free(h);

        h = harness_new();
        to_m3(h);
        sink_reply(h, 2, 303, NULL, NULL);
        sink_reply(h, 3, 303, NULL, NULL);
        assert_true(h->ended);
        assert_int_eq(h->end_reason, SOURCE_SESSION_END_SINK_REFUSED);
        harness_free(h);
}

TEST(fsm_m3_refused, "/fsm/M3 reply other than 200 ends the session") {
        struct harness *h = harness_new();

        to_m3(h);
        sink_reply(h, 2, 500, NULL, NULL);
        assert_true(h->ended);
        assert_int_eq(h->end_reason, SOURCE_SESSION_END_SINK_REFUSED);
        harness_free(h);
}

static void slow_link(struct source_session_config *c)
{
        c->stats.suggested_bps = 1000000; /* 1 Mbit/s cannot carry 1024x768 */
}

TEST(fsm_insufficient_resources, "/fsm/M3 negotiation -ENOSR ends with INSUFFICIENT_RESOURCES") {
        struct harness *h = harness_new_with(slow_link);

        to_m3(h);
        sink_reply(h, 2, 200, NULL, lg_m3_body);
        assert_true(h->ended);
        assert_int_eq(h->end_reason, SOURCE_SESSION_END_INSUFFICIENT_RESOURCES);
        assert_int_eq(h->end_error, -ENOSR);
        assert_true(strstr(h->end_text, "INSUFFICIENT_RESOURCES") != NULL);
        assert_int_eq(h->n_sends, 0);
        assert_int_eq(source_session_end_reason_to_errno(SOURCE_SESSION_END_INSUFFICIENT_RESOURCES), -ENOSR);
        harness_free(h);
}

static void medium_link(struct source_session_config *c)
{
        c->stats.suggested_bps = 5000000; /* 720p30 (2.8M) fits, 1080p30 (6.2M) does not */
}

TEST(fsm_reduced_modes, "/fsm/M3 negotiation reports the reduced mode list due to bandwidth") {
        struct harness *h = harness_new_with(medium_link);

        to_m3(h);
        sink_reply(h, 2, 200, NULL, lg_m3_body);
        assert_false(h->ended);
        assert_true(h->info.reduced_mode_list_due_to_bandwidth);
        {
                const struct source_session_format *f = &source_session_get_media(h->s)->format;
                /* negotiate.h's model: 0.1 bit per pixel must fit the 5 Mbit/s link */
                assert_int_le((uint64_t) f->width * f->height * f->fps / 10, 5000000);
        }
        harness_free(h);
}

TEST(fsm_m4_m5, "/fsm/M4 200 sends M5 trigger SETUP with CSeq 4") {
        struct harness *h = harness_new();
        const struct rtsp_message *m;

        to_m4(h);
        sink_reply(h, 3, 200, NULL, NULL);
        m = sent(h, 0);
        assert_int_eq(cseq_of(m), 4);
        assert_str_eq(m->uri, "rtsp://localhost/wfd1.0");
        assert_str_eq(m->body, "wfd_trigger_method: SETUP\r\n");
        assert_null(rtsp_message_get_header(m, "Session"));
        harness_free(h);
}

TEST(fsm_m4_303_retry, "/fsm/303 to M4: one retry with a safer format, a second 303 ends") {
        struct harness *h = harness_new();
        const struct rtsp_message *m;
        const struct source_session_media *media;

        to_m4(h);
        sink_reply(h, 3, 303, NULL, "wfd_video_formats: 415, 457\r\n");
        assert_false(h->ended);
        assert_int_eq(h->last_log_status, 303);
        m = sent(h, 0);
        assert_int_eq(m->method, RTSP_METHOD_SET_PARAMETER);
        assert_int_eq(cseq_of(m), 4);
        assert_true(body_has(m, "wfd_video_formats: 00 00 01 ")); /* CBP */
        assert_true(body_has(m, "wfd_audio_codecs: LPCM 00000002 00"));
        media = source_session_get_media(h->s);
        assert_int_le(media->format.height, 1079);
        assert_int_eq(media->format.h264_profile_idc, 66);
        assert_int_eq(media->format.audio_codec, SOURCE_SESSION_AUDIO_LPCM);
        sink_reply(h, 4, 303, NULL, "wfd_video_formats: 415\r\n");
        assert_true(h->ended);
        assert_int_eq(h->end_reason, SOURCE_SESSION_END_NEGOTIATION_FAILED);
        harness_free(h);
}

TEST(fsm_m4_refused, "/fsm/M4 reply other than 200/303 ends the session") {
        struct harness *h = harness_new();

        to_m4(h);
        sink_reply(h, 3, 457, NULL, NULL);
        assert_true(h->ended);
        assert_int_eq(h->end_reason, SOURCE_SESSION_END_SINK_REFUSED);
        harness_free(h);
}

/* ---- M5 / M6 / M7 --------------------------------------------------------------- */

TEST(fsm_m6_setup, "/fsm/M6 SETUP reply: Session with timeout, Transport with client_port and server_port") {
        struct harness *h = harness_new();
        const struct rtsp_message *m;
        char id[64];
        unsigned t;

        to_setup(h);
        m = sent(h, 0);
        assert_int_eq(rtsp_message_get_session(m, id, sizeof(id), &t), 0);
        assert_str_eq(id, "6B8B4567");
        assert_int_eq(t, 30);
        assert_str_eq(rtsp_message_get_header(m, "Transport"),
                      "RTP/AVP/UDP;unicast;client_port=19000;server_port=16384-16385");
        assert_int_eq(source_session_get_media(h->s)->peer_rtp_port, 19000);
        assert_int_eq(source_session_get_state(h->s), SOURCE_SESSION_STATE_NEGOTIATING);
        harness_free(h);
}

TEST(fsm_m6_no_client_port, "/fsm/M6 SETUP without client_port uses wfd_client_rtp_ports") {
        struct harness *h = harness_new();

        to_m4(h);
        sink_reply(h, 3, 200, NULL, NULL);
        sink_reply(h, 4, 200, NULL, NULL);
        /* Samsung sends SETUP to rtsp://localhost/wfd1.0: any URI is fine. */
        sink_request(h, "SETUP", "rtsp://localhost/wfd1.0", "Transport: RTP/AVP/UDP;unicast\r\n", NULL);
        expect_reply(h, 0, 200);
        assert_str_eq(rtsp_message_get_header(sent(h, 0), "Transport"),
                      "RTP/AVP/UDP;unicast;client_port=53000;server_port=16384-16385");
        harness_free(h);
}

TEST(fsm_m6_no_transport, "/fsm/M6 SETUP without any Transport header is tolerated") {
        struct harness *h = harness_new();

        to_m4(h);
        sink_reply(h, 3, 200, NULL, NULL);
        sink_reply(h, 4, 200, NULL, NULL);
        sink_request(h, "SETUP", "rtsp://192.168.49.1/wfd1.0/streamid=0", NULL, NULL);
        expect_reply(h, 0, 200);
        harness_free(h);
}

TEST(fsm_m6_range, "/fsm/M6 SETUP with a client_port range echoes the range") {
        struct harness *h = harness_new();

        to_m4(h);
        sink_reply(h, 3, 200, NULL, NULL);
        sink_reply(h, 4, 200, NULL, NULL);
        sink_request(h, "SETUP", "rtsp://x/wfd1.0/streamid=0", "Transport: RTP/AVP;unicast;client_port=1028-1029\r\n",
                     NULL);
        assert_str_eq(rtsp_message_get_header(sent(h, 0), "Transport"),
                      "RTP/AVP/UDP;unicast;client_port=1028-1029;server_port=16384-16385");
        assert_int_eq(source_session_get_media(h->s)->peer_rtcp_port, 1029);
        harness_free(h);
}

static void setup_with(struct harness *h, const char *uri, const char *transport, unsigned want_status)
{
        char hdr[256];

        to_m4(h);
        sink_reply(h, 3, 200, NULL, NULL);
        sink_reply(h, 4, 200, NULL, NULL);
        snprintf(hdr, sizeof(hdr), "Transport: %s\r\n", transport);
        sink_request(h, "SETUP", uri, hdr, NULL);
        expect_reply(h, 0, want_status);
        assert_int_eq(h->last_log_status, want_status);
        assert_false(h->ended);
}

TEST(fsm_m6_tcp, "/fsm/M6 SETUP with RTP/AVP/TCP (not interleaved): 200, echoed, media over TCP") {
        struct harness *h = harness_new();
        const struct rtsp_message *m;

        to_m4(h);
        sink_reply(h, 3, 200, NULL, NULL);
        sink_reply(h, 4, 200, NULL, NULL);
        assert_false(source_session_get_media(h->s)->tcp);
        sink_request(h, "SETUP", "rtsp://x/wfd1.0/streamid=0", "Transport: RTP/AVP/TCP;unicast;client_port=1030\r\n",
                     NULL);
        m = sent(h, 0);
        assert_int_eq(m->status, 200);
        assert_str_eq(rtsp_message_get_header(m, "Transport"), "RTP/AVP/TCP;unicast;client_port=1030;server_port=16384");
        assert_true(source_session_get_media(h->s)->tcp);
        assert_int_eq(source_session_get_media(h->s)->peer_rtp_port, 1030);
        harness_free(h);
}

TEST(fsm_m6_interleaved, "/fsm/M6 SETUP with interleaved=0-1: 200, echoed; RTCP frames pass, RTSP goes on") {
        struct harness *h = harness_new();
        const struct rtsp_message *m;
        char buf[512];
        size_t n = 0;

        to_m4(h);
        sink_reply(h, 3, 200, NULL, NULL);
        sink_reply(h, 4, 200, NULL, NULL);
        sink_request(h, "SETUP", "rtsp://x/wfd1.0/streamid=0", "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n",
                     NULL);
        m = sent(h, 0);
        assert_int_eq(m->status, 200);
        assert_str_eq(rtsp_message_get_header(m, "Transport"), "RTP/AVP/TCP;unicast;interleaved=0-1");
        assert_true(source_session_get_media(h->s)->tcp);
        assert_true(source_session_get_media(h->s)->interleaved);
        assert_int_eq(source_session_get_media(h->s)->interleaved_channel[1], 1);

        /* an RR on channel 1 right before PLAY, in one read: both come out */
        memcpy(buf, "$\001\000\010\201\311\000\001abcd", 12);
        n = 12;
        n += (size_t) snprintf(buf + n, sizeof(buf) - n,
                               "PLAY rtsp://x/wfd1.0/streamid=0 RTSP/1.0\r\nCSeq: %u\r\nSession: 6B8B4567\r\n\r\n",
                               h->sink_cseq++);
        feed(h, buf, n);
        assert_int_eq(h->n_frames, 1);
        assert_int_eq(h->frame_channel, 1);
        assert_int_eq(h->frame_len, 8);
        assert_int_eq(h->frame_data[0], 0x81);
        assert_int_eq(h->frame_data[7], 'd');
        expect_reply(h, 0, 200);
        assert_int_eq(count(h, SOURCE_SESSION_ACTION_MEDIA_START), 1);
        assert_true(h->media.interleaved);

        /* frames on other channels are dropped; a flood is capped per read */
        feed(h, "$\011\000\001x", 5);
        assert_int_eq(h->n_frames, 0);
        n = 0;
        for (int i = 0; i < 100; i++) {
                memcpy(buf + n, "$\001\000\000", 4);
                n += 4;
        }
        feed(h, buf, n);
        assert_int_eq(h->n_frames, 64);
        /* keep-alives still work in between */
        sink_request(h, "GET_PARAMETER", "rtsp://localhost/wfd1.0", "Session: 6B8B4567\r\n", NULL);
        expect_reply(h, 0, 200);
        assert_false(h->ended);
        harness_free(h);
}

TEST(fsm_m6_461, "/fsm/M6 SETUP with interleaved UDP, multicast or non-RTP transport: 461") {
        struct harness *h;

        h = harness_new();
        setup_with(h, "rtsp://x/wfd1.0/streamid=0", "RTP/AVP/UDP;unicast;interleaved=0-1", 461);
        harness_free(h);
        h = harness_new();
        setup_with(h, "rtsp://x/wfd1.0/streamid=0", "RTP/AVP/UDP;multicast;client_port=19000", 461);
        harness_free(h);
        h = harness_new();
        setup_with(h, "rtsp://x/wfd1.0/streamid=0", "RAW/RAW/UDP;unicast", 461);
        harness_free(h);
}

TEST(fsm_m6_400, "/fsm/M6 SETUP with a malformed client_port: 400") {
        struct harness *h = harness_new();
        setup_with(h, "rtsp://x/wfd1.0/streamid=0", "RTP/AVP/UDP;unicast;client_port=99999", 400);
        harness_free(h);
}

TEST(fsm_m6_459, "/fsm/M6 SETUP on the \"*\" URI: 459") {
        struct harness *h = harness_new();
        setup_with(h, "*", "RTP/AVP/UDP;unicast;client_port=19000", 459);
        harness_free(h);
}

TEST(fsm_m6_455, "/fsm/M6 SETUP twice or before negotiation: 455") {
        struct harness *h = harness_new();

        to_m3(h);
        sink_request(h, "SETUP", "rtsp://x/wfd1.0/streamid=0", "Transport: RTP/AVP/UDP;unicast;client_port=1\r\n", NULL);
        expect_reply(h, 0, 455);
        harness_free(h);

        h = harness_new();
        to_setup(h);
        sink_request(h, "SETUP", "rtsp://x/wfd1.0/streamid=0", "Transport: RTP/AVP/UDP;unicast;client_port=1\r\n", NULL);
        expect_reply(h, 0, 455);
        harness_free(h);
}

TEST(fsm_m7_play, "/fsm/M7 PLAY: 200 with Session and Range first, then MEDIA_START") {
        struct harness *h = harness_new();
        const struct rtsp_message *m;

        to_setup(h);
        sink_request(h, "PLAY", "rtsp://192.168.49.1/wfd1.0/streamid=0", "Session: 6B8B4567\r\n", NULL);
        assert_true(index_of(h, SOURCE_SESSION_ACTION_SEND) < index_of(h, SOURCE_SESSION_ACTION_MEDIA_START));
        m = sent(h, 0);
        assert_int_eq(m->status, 200);
        assert_str_eq(rtsp_message_get_header(m, "Session"), "6B8B4567;timeout=30");
        assert_str_eq(rtsp_message_get_header(m, "Range"), "npt=now-");
        assert_str_eq(h->media.peer_address, "192.168.49.10");
        assert_int_eq(h->media.peer_rtp_port, 19000);
        assert_int_eq(h->media.server_rtp_port, 16384);
        assert_int_eq(h->media.format.width, 1920);
        assert_int_eq(count(h, SOURCE_SESSION_ACTION_STATE_CHANGED), 1);
        assert_int_eq(source_session_get_state(h->s), SOURCE_SESSION_STATE_PLAYING);
        /* Idempotent. */
        sink_request(h, "PLAY", "rtsp://192.168.49.1/wfd1.0/streamid=0", "Session: 6B8B4567\r\n", NULL);
        expect_reply(h, 0, 200);
        assert_int_eq(count(h, SOURCE_SESSION_ACTION_MEDIA_START), 0);
        harness_free(h);
}

TEST(fsm_m7_before_setup, "/fsm/M7 PLAY before SETUP: 455, or 454 when it names a session") {
        struct harness *h = harness_new();

        to_m4(h);
        sink_request(h, "PLAY", "rtsp://x/wfd1.0/streamid=0", NULL, NULL);
        expect_reply(h, 0, 455);
        sink_request(h, "PLAY", "rtsp://x/wfd1.0/streamid=0", "Session: 12345678\r\n", NULL);
        expect_reply(h, 0, 454);
        assert_false(h->ended);
        harness_free(h);
}

TEST(fsm_m7_wrong_session, "/fsm/M7 PLAY with a wrong or missing Session id uses the only session") {
        struct harness *h = harness_new();

        to_setup(h);
        sink_request(h, "PLAY", "rtsp://x/wfd1.0/streamid=0", "Session: DEADBEEF\r\n", NULL);
        expect_reply(h, 0, 200);
        assert_int_eq(count(h, SOURCE_SESSION_ACTION_MEDIA_START), 1);
        harness_free(h);

        h = harness_new();
        to_setup(h);
        sink_request(h, "PLAY", "rtsp://x/wfd1.0/streamid=0", NULL, NULL);
        expect_reply(h, 0, 200);
        assert_int_eq(count(h, SOURCE_SESSION_ACTION_MEDIA_START), 1);
        harness_free(h);
}

/* ---- M8 / M9 / M5 triggers --------------------------------------------------------- */

TEST(fsm_m9_pause_play, "/fsm/M9 PAUSE pauses media, M7 PLAY resumes it") {
        struct harness *h = harness_new();

        to_playing(h);
        sink_request(h, "PAUSE", "rtsp://x/wfd1.0/streamid=0", "Session: 6B8B4567\r\n", NULL);
        expect_reply(h, 0, 200);
        assert_int_eq(count(h, SOURCE_SESSION_ACTION_MEDIA_PAUSE), 1);
        assert_int_eq(source_session_get_state(h->s), SOURCE_SESSION_STATE_PAUSED);
        sink_request(h, "PAUSE", "rtsp://x/wfd1.0/streamid=0", "Session: 6B8B4567\r\n", NULL);
        expect_reply(h, 0, 200);
        assert_int_eq(count(h, SOURCE_SESSION_ACTION_MEDIA_PAUSE), 0);
        sink_request(h, "PLAY", "rtsp://x/wfd1.0/streamid=0", "Session: 6B8B4567\r\n", NULL);
        expect_reply(h, 0, 200);
        assert_int_eq(count(h, SOURCE_SESSION_ACTION_MEDIA_RESUME), 1);
        assert_int_eq(source_session_get_state(h->s), SOURCE_SESSION_STATE_PLAYING);
        harness_free(h);
}

TEST(fsm_m9_before_play, "/fsm/M9 PAUSE before PLAY: 455") {
        struct harness *h = harness_new();

        to_setup(h);
        sink_request(h, "PAUSE", "rtsp://x/wfd1.0/streamid=0", "Session: 6B8B4567\r\n", NULL);
        expect_reply(h, 0, 455);
        harness_free(h);
}

TEST(fsm_m8_by_sink, "/fsm/M8 TEARDOWN from the sink: 200, MEDIA_STOP, ended") {
        struct harness *h = harness_new();
        struct source_session_actions a;
        const char *text;

        to_playing(h);
        sink_request(h, "TEARDOWN", "rtsp://x/wfd1.0/streamid=0", "Session: 6B8B4567\r\n", NULL);
        expect_reply(h, 0, 200);
        assert_int_eq(count(h, SOURCE_SESSION_ACTION_MEDIA_STOP), 1);
        assert_true(h->ended);
        assert_int_eq(h->end_reason, SOURCE_SESSION_END_TEARDOWN_BY_SINK);
        assert_int_eq(h->end_error, 0);
        assert_int_eq(h->timer, 0); /* disarmed */
        assert_int_eq(source_session_get_end_reason(h->s, &text), SOURCE_SESSION_END_TEARDOWN_BY_SINK);
        assert_true(strlen(text) > 0);
        /* Everything after the end is refused. */
        assert_int_eq(source_session_receive(h->s, "x", 1, h->now, &a), -ESHUTDOWN);
        assert_int_eq(source_session_timer(h->s, h->now, &a), -ESHUTDOWN);
        assert_int_eq(source_session_teardown(h->s, h->now, &a), -ESHUTDOWN);
        harness_free(h);
}

TEST(fsm_m8_during_negotiation, "/fsm/M8 TEARDOWN during negotiation ends cleanly") {
        struct harness *h = harness_new();

        to_m4(h);
        sink_request(h, "TEARDOWN", "rtsp://localhost/wfd1.0", NULL, NULL);
        expect_reply(h, 0, 200);
        assert_true(h->ended);
        assert_int_eq(h->end_reason, SOURCE_SESSION_END_TEARDOWN_BY_SINK);
        assert_int_eq(count(h, SOURCE_SESSION_ACTION_MEDIA_STOP), 0);
        harness_free(h);
}

TEST(fsm_m5_teardown, "/fsm/M5 trigger TEARDOWN by the user, then the sink's M8") {
        struct harness *h = harness_new();
        struct source_session_actions a;
        const struct rtsp_message *m;

        to_playing(h);
        idle(h);
        record(h, source_session_teardown(h->s, h->now, &a), &a);
        assert_int_eq(h->r, 0);
        m = sent(h, 0);
        assert_int_eq(m->method, RTSP_METHOD_SET_PARAMETER);
        assert_str_eq(m->body, "wfd_trigger_method: TEARDOWN\r\n");
        assert_str_eq(rtsp_message_get_header(m, "Session"), "6B8B4567"); /* no ";timeout=" in requests */
        assert_int_eq(source_session_get_state(h->s), SOURCE_SESSION_STATE_ENDING);
        assert_int_eq(h->timer, h->now + 2 * SEC);
        assert_int_eq(source_session_teardown(h->s, h->now, &a), -EALREADY);
        sink_reply(h, cseq_of(m), 200, NULL, NULL);
        assert_false(h->ended);
        sink_request(h, "TEARDOWN", "rtsp://x/wfd1.0/streamid=0", "Session: 6B8B4567\r\n", NULL);
        expect_reply(h, 0, 200);
        assert_true(h->ended);
        assert_int_eq(h->end_reason, SOURCE_SESSION_END_TEARDOWN_BY_USER);
        assert_int_eq(count(h, SOURCE_SESSION_ACTION_MEDIA_STOP), 1);
        harness_free(h);
}

TEST(fsm_m5_teardown_grace, "/fsm/M5 trigger TEARDOWN: no M8 within 2 s closes anyway") {
        struct harness *h = harness_new();
        struct source_session_actions a;

        to_playing(h);
        record(h, source_session_teardown(h->s, h->now, &a), &a);
        fire(h, h->now + SEC);
        assert_false(h->ended);
        fire(h, h->now + SEC);
        assert_true(h->ended);
        assert_int_eq(h->end_reason, SOURCE_SESSION_END_TEARDOWN_BY_USER);
        assert_int_eq(count(h, SOURCE_SESSION_ACTION_MEDIA_STOP), 1);
        harness_free(h);
}

TEST(fsm_teardown_early, "/fsm/teardown before SETUP ends at once without a trigger") {
        struct harness *h = harness_new();
        struct source_session_actions a;

        to_m3(h);
        record(h, source_session_teardown(h->s, h->now, &a), &a);
        assert_int_eq(h->n_sends, 0);
        assert_true(h->ended);
        assert_int_eq(h->end_reason, SOURCE_SESSION_END_TEARDOWN_BY_USER);
        harness_free(h);
}

TEST(fsm_m5_pause_play, "/fsm/M5 triggers PAUSE and PLAY by the user; state errors") {
        struct harness *h = harness_new();
        struct source_session_actions a;

        to_m4(h);
        assert_int_eq(source_session_pause(h->s, h->now, &a), -ENOTCONN);
        assert_int_eq(source_session_resume(h->s, h->now, &a), -ENOTCONN);
        harness_free(h);

        h = harness_new();
        to_playing(h);
        assert_int_eq(source_session_resume(h->s, h->now, &a), -EALREADY);
        idle(h);
        record(h, source_session_pause(h->s, h->now, &a), &a);
        assert_int_eq(h->r, 0);
        assert_str_eq(sent(h, 0)->body, "wfd_trigger_method: PAUSE\r\n");
        assert_int_eq(cseq_of(sent(h, 0)), 5);
        assert_int_eq(source_session_pause(h->s, h->now, &a), -EALREADY);
        sink_reply(h, 5, 200, NULL, NULL);
        sink_request(h, "PAUSE", "rtsp://x/wfd1.0/streamid=0", "Session: 6B8B4567\r\n", NULL);
        assert_int_eq(count(h, SOURCE_SESSION_ACTION_MEDIA_PAUSE), 1);
        idle(h);
        record(h, source_session_resume(h->s, h->now, &a), &a);
        assert_int_eq(h->r, 0);
        assert_str_eq(sent(h, 0)->body, "wfd_trigger_method: PLAY\r\n");
        assert_int_eq(cseq_of(sent(h, 0)), 6);
        sink_reply(h, 6, 200, NULL, NULL);
        sink_request(h, "PLAY", "rtsp://x/wfd1.0/streamid=0", "Session: 6B8B4567\r\n", NULL);
        assert_int_eq(count(h, SOURCE_SESSION_ACTION_MEDIA_RESUME), 1);
        harness_free(h);
}

/* ---- M10-M15 ------------------------------------------------------------------------- */

static void sink_set(struct harness *h, const char *body, unsigned want)
{
        sink_request(h, "SET_PARAMETER", "rtsp://localhost/wfd1.0", "Session: 6B8B4567\r\n", body);
        expect_reply(h, 0, want);
        assert_false(h->ended);
}

TEST(fsm_m10, "/fsm/M10 wfd_route: primary 200, secondary 501") {
        struct harness *h = harness_new();

        to_playing(h);
        sink_set(h, "wfd_route: primary\r\n", 200);
        sink_set(h, "wfd_route: secondary\r\n", 501);
        assert_int_eq(h->last_log_status, 501);
        sink_set(h, "wfd_route: sideways\r\n", 400);
        harness_free(h);
}

TEST(fsm_m11_m12, "/fsm/M11 wfd_connector_type 200; M12 wfd_standby pauses media") {
        struct harness *h = harness_new();

        to_playing(h);
        sink_set(h, "wfd_connector_type: 05\r\n", 200);
        sink_set(h, "wfd_standby\r\n", 200);
        assert_int_eq(count(h, SOURCE_SESSION_ACTION_MEDIA_PAUSE), 1);
        assert_int_eq(source_session_get_state(h->s), SOURCE_SESSION_STATE_PAUSED);
        harness_free(h);
}

TEST(fsm_m13_coalesced, "/fsm/M13 IDR requests: always 200, a storm becomes one IDR per window") {
        struct harness *h = harness_new();

        to_playing(h);
        sink_set(h, "wfd_idr_request\r\n", 200);
        assert_int_eq(count(h, SOURCE_SESSION_ACTION_MEDIA_REQUEST_IDR), 1);
        for (int i = 0; i < 6; i++) {
                h->now += 10000;
                sink_set(h, "wfd_idr_request\r\n", 200);
                assert_int_eq(count(h, SOURCE_SESSION_ACTION_MEDIA_REQUEST_IDR), 0);
        }
        assert_int_eq(h->timer, T0 + 300000); /* the window's end */
        fire(h, T0 + 300000);
        assert_int_eq(count(h, SOURCE_SESSION_ACTION_MEDIA_REQUEST_IDR), 1);
        fire(h, T0 + 600000);
        assert_int_eq(count(h, SOURCE_SESSION_ACTION_MEDIA_REQUEST_IDR), 0);
        /* Before PLAY (or while paused): 200 but no IDR. */
        harness_free(h);
        h = harness_new();
        to_setup(h);
        sink_set(h, "wfd_idr_request\r\n", 200);
        assert_int_eq(count(h, SOURCE_SESSION_ACTION_MEDIA_REQUEST_IDR), 0);
        harness_free(h);
}

TEST(fsm_m14_m15, "/fsm/M14 UIBC capability ignored with 200; input not allowed: M15 enable 406, disable 200") {
        struct harness *h = harness_new();

        to_playing(h);
        sink_set(h, "wfd_uibc_capability: none\r\n", 200);
        sink_set(h, "wfd_uibc_setting: enable\r\n", 406);
        sink_set(h, "wfd_uibc_setting: disable\r\n", 200);
        assert_int_eq(count(h, SOURCE_SESSION_ACTION_UIBC), 0);
        harness_free(h);
}

/* ---- UIBC (docs/uibc.md) ------------------------------------------------------- */

static const char uibc_m3_body[] =
        "wfd_audio_codecs: LPCM 00000003 00\r\n"
        "wfd_video_formats: 40 00 01 10 000194FF 155575DF 00000555 00 0000 0000 1F none none\r\n"
        "wfd_client_rtp_ports: RTP/AVP/UDP;unicast 19000 0 mode=play\r\n"
        "wfd_uibc_capability: input_category_list=GENERIC, HIDC;generic_cap_list=Mouse, MultiTouch, "
        "Joystick;hidc_cap_list=Keyboard/USB;port=none\r\n";

static void allow_input(struct source_session_config *c)
{
        c->input_allowed = true;
        c->uibc_port = 7239;
}

/* Like to_playing(), with a sink that lists UIBC in M3; returns M4's body in buf. */
static void to_playing_uibc(struct harness *h, char *m4, size_t size)
{
        to_m3(h);
        sink_reply(h, 2, 200, NULL, uibc_m3_body);
        expect_request(h, 0, RTSP_METHOD_SET_PARAMETER, 3);
        snprintf(m4, size, "%.*s", (int) sent(h, 0)->body_len, sent(h, 0)->body);
        sink_reply(h, 3, 200, NULL, NULL);
        sink_reply(h, 4, 200, NULL, NULL);
        sink_request(h, "SETUP", "rtsp://192.168.49.1/wfd1.0/streamid=0",
                     "Transport: RTP/AVP/UDP;unicast;client_port=19000\r\n", NULL);
        expect_reply(h, 0, 200);
        assert_int_eq(count(h, SOURCE_SESSION_ACTION_UIBC), 0); /* not before PLAY */
        sink_request(h, "PLAY", "rtsp://192.168.49.1/wfd1.0/streamid=0", "Session: 6B8B4567\r\n", NULL);
        expect_reply(h, 0, 200);
}

TEST(fsm_uibc_m3_asks, "/fsm/uibc/M3 always asks wfd_uibc_capability (asking reveals nothing)") {
        struct harness *h = harness_new();

        to_m3(h);
        assert_true(body_has(sent(h, 0), "wfd_uibc_capability"));
        harness_free(h);
}

TEST(fsm_uibc_not_allowed, "/fsm/uibc/input not allowed: a UIBC sink gets no offer in M4, M15 enable 406") {
        struct harness *h = harness_new();
        struct source_session_uibc u;
        char m4[4096];

        to_playing_uibc(h, m4, sizeof(m4));
        assert_null(strstr(m4, "wfd_uibc"));
        assert_int_eq(count(h, SOURCE_SESSION_ACTION_UIBC), 0);
        source_session_get_uibc(h->s, &u);
        assert_false(u.allowed || u.offered || u.active);
        sink_set(h, "wfd_uibc_setting: enable\r\n", 406);
        assert_int_eq(count(h, SOURCE_SESSION_ACTION_UIBC), 0);
        harness_free(h);
}

TEST(fsm_uibc_offer_m4, "/fsm/uibc/allowed: M4 offers the GENERIC intersection with our port, active on PLAY") {
        struct harness *h = harness_new_with(allow_input);
        struct source_session_uibc u;
        char m4[4096];

        to_playing_uibc(h, m4, sizeof(m4));
        /* Joystick is the sink's, not ours; Keyboard is ours in GENERIC, not the sink's; its HIDC
         * keyboard is in both lists (uhid). */
        assert_non_null(strstr(m4, "wfd_uibc_capability: input_category_list=GENERIC, HIDC;generic_cap_list=Mouse, "
                                   "MultiTouch;hidc_cap_list=Keyboard/USB;port=7239\r\n"));
        assert_non_null(strstr(m4, "wfd_uibc_setting: enable\r\n"));
        assert_int_eq(count(h, SOURCE_SESSION_ACTION_UIBC), 1);
        assert_true(h->uibc_active);
        assert_int_eq(h->uibc_types, (1u << WFD_UIBC_INPUT_MOUSE) | (1u << WFD_UIBC_INPUT_MULTI_TOUCH));
        source_session_get_uibc(h->s, &u);
        assert_true(u.allowed && u.offered && u.sink_enabled && u.active);
        assert_int_eq(u.port, 7239);
        harness_free(h);
}

TEST(fsm_uibc_sink_without_uibc, "/fsm/uibc/allowed, but the sink lists no UIBC: no offer, never active") {
        struct harness *h = harness_new_with(allow_input);
        struct source_session_uibc u;

        to_playing(h); /* LG reply: no wfd_uibc_capability */
        assert_int_eq(count(h, SOURCE_SESSION_ACTION_UIBC), 0);
        source_session_get_uibc(h->s, &u);
        assert_false(u.offered);
        sink_set(h, "wfd_uibc_setting: enable\r\n", 406);
        harness_free(h);
}

TEST(fsm_uibc_m15_both_ways, "/fsm/uibc/M15 disable from the sink stops input, enable resumes; media plays on") {
        struct harness *h = harness_new_with(allow_input);
        char m4[4096];

        to_playing_uibc(h, m4, sizeof(m4));
        assert_true(h->uibc_active);
        sink_set(h, "wfd_uibc_setting: disable\r\n", 200);
        assert_int_eq(count(h, SOURCE_SESSION_ACTION_UIBC), 1);
        assert_false(h->uibc_active);
        assert_int_eq(count(h, SOURCE_SESSION_ACTION_MEDIA_PAUSE), 0);
        assert_int_eq(source_session_get_state(h->s), SOURCE_SESSION_STATE_PLAYING);
        sink_set(h, "wfd_uibc_setting: disable\r\n", 200); /* again: nothing new */
        assert_int_eq(count(h, SOURCE_SESSION_ACTION_UIBC), 0);
        sink_set(h, "wfd_uibc_setting: enable\r\n", 200);
        assert_int_eq(count(h, SOURCE_SESSION_ACTION_UIBC), 1);
        assert_true(h->uibc_active);
        sink_set(h, "wfd_uibc_setting: maybe\r\n", 400);
        harness_free(h);
}

TEST(fsm_uibc_pause_teardown, "/fsm/uibc/pause (M9) and standby deactivate, PLAY reactivates, end deactivates") {
        struct harness *h = harness_new_with(allow_input);
        char m4[4096];
        int i;

        to_playing_uibc(h, m4, sizeof(m4));
        sink_request(h, "PAUSE", "rtsp://192.168.49.1/wfd1.0/streamid=0", "Session: 6B8B4567\r\n", NULL);
        assert_int_eq(count(h, SOURCE_SESSION_ACTION_UIBC), 1);
        assert_false(h->uibc_active);
        sink_request(h, "PLAY", "rtsp://192.168.49.1/wfd1.0/streamid=0", "Session: 6B8B4567\r\n", NULL);
        assert_true(h->uibc_active);
        sink_set(h, "wfd_standby\r\n", 200);
        assert_false(h->uibc_active);
        sink_request(h, "PLAY", "rtsp://192.168.49.1/wfd1.0/streamid=0", "Session: 6B8B4567\r\n", NULL);
        assert_true(h->uibc_active);
        sink_request(h, "TEARDOWN", "rtsp://192.168.49.1/wfd1.0/streamid=0", "Session: 6B8B4567\r\n", NULL);
        assert_true(h->ended);
        assert_false(h->uibc_active);
        i = index_of(h, SOURCE_SESSION_ACTION_UIBC);
        assert_true(i >= 0 && i < index_of(h, SOURCE_SESSION_ACTION_ENDED));
        harness_free(h);
}

TEST(fsm_uibc_set_input, "/fsm/uibc/allowed mid-session: our SET_PARAMETER offer; 200 activates; withdrawn: disable") {
        struct harness *h = harness_new();
        struct source_session_actions a;
        const struct rtsp_message *m;
        char m4[4096];
        uint32_t cseq;

        to_playing_uibc(h, m4, sizeof(m4));
        idle(h);
        assert_int_eq(source_session_set_input(h->s, true, 0, h->now, &a), -EINVAL);
        record(h, source_session_set_input(h->s, true, 7240, h->now, &a), &a);
        assert_int_eq(h->r, 0);
        m = sent(h, 0);
        assert_int_eq(m->method, RTSP_METHOD_SET_PARAMETER);
        assert_true(body_has(m, "wfd_uibc_capability: input_category_list=GENERIC, HIDC;generic_cap_list=Mouse, "
                                "MultiTouch;hidc_cap_list=Keyboard/USB;port=7240\r\n"));
        assert_true(body_has(m, "wfd_uibc_setting: enable\r\n"));
        assert_int_eq(count(h, SOURCE_SESSION_ACTION_UIBC), 0); /* not before the sink's 200 */
        cseq = cseq_of(m);
        assert_int_eq(source_session_set_input(h->s, true, 7240, h->now, &a), -EALREADY);
        sink_reply(h, cseq, 200, NULL, NULL);
        assert_int_eq(count(h, SOURCE_SESSION_ACTION_UIBC), 1);
        assert_true(h->uibc_active);

        idle(h);
        record(h, source_session_set_input(h->s, false, 0, h->now, &a), &a);
        assert_int_eq(h->r, 0);
        assert_true(body_has(sent(h, 0), "wfd_uibc_setting: disable\r\n"));
        assert_false(body_has(sent(h, 0), "wfd_uibc_capability"));
        assert_int_eq(count(h, SOURCE_SESSION_ACTION_UIBC), 1); /* at once, not after the reply */
        assert_false(h->uibc_active);
        sink_reply(h, cseq_of(sent(h, 0)), 200, NULL, NULL);
        sink_set(h, "wfd_uibc_setting: enable\r\n", 406); /* withdrawn: the sink cannot re-enable */
        assert_false(h->uibc_active);

        /* Allowed again at the same port: "enable" alone. */
        idle(h);
        record(h, source_session_set_input(h->s, true, 7240, h->now, &a), &a);
        assert_int_eq(h->r, 0);
        assert_true(body_has(sent(h, 0), "wfd_uibc_setting: enable\r\n"));
        assert_false(body_has(sent(h, 0), "wfd_uibc_capability"));
        sink_reply(h, cseq_of(sent(h, 0)), 200, NULL, NULL);
        assert_true(h->uibc_active);
        harness_free(h);
}

TEST(fsm_uibc_set_input_refused, "/fsm/uibc/mid-session offer refused by the sink (406) or no UIBC sink: no input") {
        struct harness *h = harness_new();
        struct source_session_actions a;
        char m4[4096];

        to_playing_uibc(h, m4, sizeof(m4));
        idle(h);
        record(h, source_session_set_input(h->s, true, 7240, h->now, &a), &a);
        sink_reply(h, cseq_of(sent(h, 0)), 406, NULL, NULL);
        assert_int_eq(h->last_log_status, 406);
        assert_int_eq(count(h, SOURCE_SESSION_ACTION_UIBC), 0);
        assert_false(h->uibc_active);
        assert_false(h->ended);
        harness_free(h);

        h = harness_new();
        to_playing(h);
        assert_int_eq(source_session_set_input(h->s, true, 7240, h->now, &a), -ENOTSUP);
        harness_free(h);

        /* Between M4 and PLAY: -EBUSY; before M4: it only changes M4. */
        h = harness_new();
        to_m3(h);
        record(h, source_session_set_input(h->s, true, 7241, h->now, &a), &a);
        assert_int_eq(h->r, 0);
        assert_int_eq(h->n_sends, 0);
        sink_reply(h, 2, 200, NULL, uibc_m3_body);
        assert_true(body_has(sent(h, 0), "port=7241"));
        assert_int_eq(source_session_set_input(h->s, false, 0, h->now, &a), -EBUSY);
        harness_free(h);
}

TEST(fsm_sink_trigger, "/fsm/wfd_trigger_method from the sink: 406") {
        struct harness *h = harness_new();

        to_playing(h);
        sink_set(h, "wfd_trigger_method: PAUSE\r\n", 406);
        assert_int_eq(count(h, SOURCE_SESSION_ACTION_MEDIA_PAUSE), 0);
        harness_free(h);
}

TEST(fsm_vendor_params, "/fsm/SET_PARAMETER with vendor lines only: 200") {
        struct harness *h = harness_new();

        to_playing(h);
        sink_set(h, "intel_sigma_pipeline_params: PlaybackDelay=50;\r\nmicrosoft_foo: 1\r\n", 200);
        harness_free(h);
}

TEST(fsm_415, "/fsm/SET_PARAMETER with a body that is not text/parameters: 415") {
        struct harness *h = harness_new();
        static const char req[] = "SET_PARAMETER rtsp://localhost/wfd1.0 RTSP/1.0\r\nCSeq: 9\r\n"
                                  "Content-Type: application/sdp\r\nContent-Length: 4\r\n\r\nv=0\n";

        to_playing(h);
        feed(h, req, strlen(req));
        expect_reply(h, 0, 415);
        harness_free(h);
}

TEST(fsm_sink_keepalive, "/fsm/sink keep-alives (GET/SET_PARAMETER, empty) get 200 with Session") {
        struct harness *h = harness_new();

        to_playing(h);
        sink_request(h, "GET_PARAMETER", "rtsp://localhost/wfd1.0", "Session: 6B8B4567\r\n", NULL);
        expect_reply(h, 0, 200);
        assert_str_eq(rtsp_message_get_header(sent(h, 0), "Session"), "6B8B4567");
        sink_request(h, "SET_PARAMETER", "rtsp://localhost/wfd1.0", NULL, NULL);
        expect_reply(h, 0, 200);
        harness_free(h);
}

/* ---- M16 and timers --------------------------------------------------------------------- */

TEST(fsm_m16, "/fsm/M16 keep-alive 20 s after PLAY, then every 25 s, with Session and no timeout") {
        struct harness *h = harness_new();
        const struct rtsp_message *m;

        to_playing(h);
        assert_int_eq(h->timer, T0 + 20 * SEC);
        fire(h, T0 + 20 * SEC);
        m = sent(h, 0);
        assert_int_eq(m->method, RTSP_METHOD_GET_PARAMETER);
        assert_str_eq(m->uri, "rtsp://localhost/wfd1.0");
        assert_int_eq(cseq_of(m), 5);
        assert_str_eq(rtsp_message_get_header(m, "Session"), "6B8B4567");
        assert_int_eq(m->body_len, 0);
        h->now += SEC;
        sink_reply(h, 5, 200, NULL, NULL);
        assert_int_eq(h->timer, T0 + 45 * SEC);
        fire(h, T0 + 45 * SEC);
        expect_request(h, 0, RTSP_METHOD_GET_PARAMETER, 6);
        harness_free(h);
}

TEST(fsm_m16_non200, "/fsm/M16 answered with non-200: keep-alives stop, the session stays") {
        struct harness *h = harness_new();

        to_playing(h);
        fire(h, T0 + 20 * SEC);
        sink_reply(h, 5, 501, NULL, NULL);
        assert_false(h->ended);
        assert_int_eq(h->last_log_status, 501);
        assert_int_eq(h->timer, 0); /* nothing left to wait for */
        fire(h, T0 + 200 * SEC);
        assert_int_eq(h->n_sends, 0);
        assert_false(h->ended);
        harness_free(h);
}

TEST(fsm_keepalive_timeout, "/fsm/sink silent for the session timeout: keepalive-timeout") {
        struct harness *h = harness_new();

        to_playing(h);
        fire(h, T0 + 20 * SEC); /* M16, never answered */
        assert_int_eq(h->n_sends, 1);
        fire(h, T0 + 25 * SEC); /* its response timeout: not fatal */
        assert_false(h->ended);
        fire(h, T0 + 30 * SEC);
        assert_true(h->ended);
        assert_int_eq(h->end_reason, SOURCE_SESSION_END_KEEPALIVE_TIMEOUT);
        assert_int_eq(h->end_error, -ETIMEDOUT);
        assert_int_eq(count(h, SOURCE_SESSION_ACTION_MEDIA_STOP), 1);
        harness_free(h);
}

TEST(fsm_response_timeout, "/fsm/no reply to M1, M3 or M4 within 5 s: response-timeout") {
        struct harness *h = harness_new();

        start(h);
        fire(h, T0 + 5 * SEC - 1);
        assert_false(h->ended);
        fire(h, T0 + 5 * SEC);
        assert_true(h->ended);
        assert_int_eq(h->end_reason, SOURCE_SESSION_END_RESPONSE_TIMEOUT);
        assert_true(strstr(h->end_text, "M1") != NULL);
        harness_free(h);

        h = harness_new();
        to_m3(h);
        fire(h, T0 + 5 * SEC);
        assert_true(h->ended);
        assert_true(strstr(h->end_text, "M3") != NULL);
        harness_free(h);

        h = harness_new();
        to_m4(h);
        fire(h, T0 + 5 * SEC);
        assert_true(h->ended);
        assert_true(strstr(h->end_text, "M4") != NULL);
        harness_free(h);
}

TEST(fsm_setup_timeout, "/fsm/no SETUP after the trigger, or no PLAY after SETUP: sink-timeout") {
        struct harness *h = harness_new();

        to_m4(h);
        sink_reply(h, 3, 200, NULL, NULL);
        sink_reply(h, 4, 200, NULL, NULL);
        assert_int_eq(h->timer, T0 + 10 * SEC);
        fire(h, T0 + 10 * SEC);
        assert_true(h->ended);
        assert_int_eq(h->end_reason, SOURCE_SESSION_END_SINK_TIMEOUT);
        harness_free(h);

        h = harness_new();
        to_setup(h);
        fire(h, T0 + 10 * SEC);
        assert_true(h->ended);
        assert_int_eq(h->end_reason, SOURCE_SESSION_END_SINK_TIMEOUT);
        assert_true(strstr(h->end_text, "PLAY") != NULL);
        harness_free(h);
}

/* ---- pacing (docs/rtsp-pacing.md) -------------------------------------------------------- */

TEST(fsm_pacing_user_request, "/fsm/pacing/a user request right after our PLAY reply waits one gap, then times out from then") {
        struct harness *h = harness_new();
        struct source_session_actions a;
        const struct rtsp_message *m;

        to_playing(h);                          /* PLAY answered at T0 */
        h->now = T0 + 10000;
        record(h, source_session_pause(h->s, h->now, &a), &a);
        assert_int_eq(h->r, 0);
        assert_int_eq(h->n_sends, 0);           /* held */
        assert_int_eq(h->timer, T0 + GAP);
        assert_int_eq(source_session_pause(h->s, h->now, &a), -EALREADY);
        fire(h, T0 + GAP);
        m = sent(h, 0);
        assert_str_eq(m->body, "wfd_trigger_method: PAUSE\r\n");
        assert_int_eq(cseq_of(m), 5);
        assert_int_eq(h->timer, T0 + GAP + 5 * SEC); /* response timeout from sending, not from asking */
        fire(h, T0 + GAP + 5 * SEC - 1);
        assert_int_eq(h->n_sends, 0);
        harness_free(h);
}

TEST(fsm_pacing_order, "/fsm/pacing/held requests leave in order, one gap apart") {
        struct harness *h = harness_new();
        struct source_session_actions a;

        to_playing(h);
        record(h, source_session_pause(h->s, h->now, &a), &a);
        assert_int_eq(h->n_sends, 0);
        record(h, source_session_teardown(h->s, h->now, &a), &a);
        assert_int_eq(h->n_sends, 0);
        assert_int_eq(source_session_get_state(h->s), SOURCE_SESSION_STATE_ENDING);
        fire(h, T0 + GAP);
        assert_int_eq(h->n_sends, 1);
        assert_str_eq(sent(h, 0)->body, "wfd_trigger_method: PAUSE\r\n");
        assert_int_eq(h->timer, T0 + 2 * GAP);
        fire(h, T0 + 2 * GAP);
        assert_int_eq(h->n_sends, 1);
        assert_str_eq(sent(h, 0)->body, "wfd_trigger_method: TEARDOWN\r\n");
        assert_int_eq(cseq_of(sent(h, 0)), 6);
        harness_free(h);
}

TEST(fsm_pacing_answered, "/fsm/pacing/once the sink answered our last message, our next request goes at once") {
        struct harness *h = harness_new();

        to_m4(h);                               /* M4 right after the M3 reply: no wait */
        sink_reply(h, 3, 200, NULL, NULL);
        expect_request(h, 0, RTSP_METHOD_SET_PARAMETER, 4);     /* M5 SETUP, at once */
        harness_free(h);

        /* A sink request in between: our reply is now the last message, and unanswered. */
        h = harness_new();
        to_m3(h);
        sink_request(h, "GET_PARAMETER", "rtsp://localhost/wfd1.0", NULL, NULL);
        expect_reply(h, 0, 200);
        sink_reply(h, 2, 200, NULL, lg_m3_body);
        assert_int_eq(count(h, SOURCE_SESSION_ACTION_NEGOTIATED), 1);
        assert_int_eq(h->n_sends, 0);           /* M4 held */
        fire(h, T0 + GAP);
        expect_request(h, 0, RTSP_METHOD_SET_PARAMETER, 3);
        harness_free(h);
}

TEST(fsm_pacing_keepalive, "/fsm/pacing/M16 due right after we answered the sink's own keep-alive waits one gap") {
        struct harness *h = harness_new();

        to_playing(h);
        h->now = T0 + 20 * SEC - 1000;
        sink_request(h, "GET_PARAMETER", "rtsp://localhost/wfd1.0", "Session: 6B8B4567\r\n", NULL);
        expect_reply(h, 0, 200);
        fire(h, T0 + 20 * SEC);
        assert_int_eq(h->n_sends, 0);
        assert_int_eq(h->timer, T0 + 20 * SEC - 1000 + GAP);
        fire(h, T0 + 20 * SEC - 1000 + GAP);
        expect_request(h, 0, RTSP_METHOD_GET_PARAMETER, 5);
        harness_free(h);
}

TEST(fsm_pacing_held_cseq, "/fsm/pacing/a reply naming the CSeq of a request not sent yet answers nothing") {
        struct harness *h = harness_new();

        start(h);
        sink_reply(h, 1, 200, "Public: org.wfa.wfd1.0, GET_PARAMETER, SET_PARAMETER\r\n", NULL);
        sink_request(h, "OPTIONS", "*", NULL, NULL);
        assert_int_eq(h->n_sends, 1);           /* M3 (CSeq 2) held */
        sink_reply(h, 2, 200, NULL, lg_m3_body);
        assert_int_eq(count(h, SOURCE_SESSION_ACTION_NEGOTIATED), 0);
        assert_false(h->ended);
        fire(h, T0 + GAP);
        expect_request(h, 0, RTSP_METHOD_GET_PARAMETER, 2);
        harness_free(h);
}

TEST(fsm_pacing_end_drops, "/fsm/pacing/a request still held when the session ends is dropped") {
        struct harness *h = harness_new();

        start(h);
        sink_reply(h, 1, 200, "Public: org.wfa.wfd1.0, GET_PARAMETER, SET_PARAMETER\r\n", NULL);
        sink_request(h, "OPTIONS", "*", NULL, NULL);
        sink_request(h, "TEARDOWN", "rtsp://localhost/wfd1.0", NULL, NULL);
        assert_int_eq(h->n_sends, 1);
        expect_reply(h, 0, 200);                /* only the reply, no M3 */
        assert_true(h->ended);
        assert_int_eq(h->timer, 0);
        harness_free(h);
}

TEST(fsm_pacing_media_failed, "/fsm/pacing/media failed right after a reply: the TEARDOWN trigger goes out with the end") {
        struct harness *h = harness_new();
        struct source_session_actions a;

        to_playing(h);
        record(h, source_session_pause(h->s, h->now, &a), &a);          /* held */
        record(h, source_session_media_failed(h->s, -EIO, "gone", h->now, &a), &a);
        assert_int_eq(h->n_sends, 2);           /* we close right after: nothing is left to pace */
        assert_str_eq(sent(h, 0)->body, "wfd_trigger_method: PAUSE\r\n");
        assert_str_eq(sent(h, 1)->body, "wfd_trigger_method: TEARDOWN\r\n");
        assert_true(h->ended);
        harness_free(h);
}

static void long_gap(struct source_session_config *c)
{
        c->send_gap_usec = 2 * SEC;
}

TEST(fsm_pacing_config, "/fsm/pacing/send_gap_usec sets the gap") {
        struct harness *h = harness_new_with(long_gap);

        start(h);
        sink_reply(h, 1, 200, "Public: org.wfa.wfd1.0, GET_PARAMETER, SET_PARAMETER\r\n", NULL);
        sink_request(h, "OPTIONS", "*", NULL, NULL);
        assert_int_eq(h->timer, T0 + 2 * SEC);
        fire(h, T0 + 2 * SEC);
        expect_request(h, 0, RTSP_METHOD_GET_PARAMETER, 2);
        harness_free(h);
}

/* ---- RTSP error statuses ---------------------------------------------------------------- */

static void raw_request_status(const char *raw, unsigned want)
{
        struct harness *h = harness_new();

        to_playing(h);
        feed(h, raw, strlen(raw));
        expect_reply(h, 0, want);
        assert_int_eq(h->last_log_status, want);
        assert_false(h->ended);
        assert_true(strlen(h->last_log) > 0);
        harness_free(h);
}

TEST(fsm_400_no_cseq, "/fsm/request without CSeq: 400") {
        raw_request_status("OPTIONS * RTSP/1.0\r\n\r\n", 400);
}

TEST(fsm_505, "/fsm/request with RTSP/2.0: 505") {
        raw_request_status("OPTIONS * RTSP/2.0\r\nCSeq: 3\r\n\r\n", 505);
}

TEST(fsm_551, "/fsm/Require with an unknown option: 551 with Unsupported") {
        struct harness *h = harness_new();

        to_playing(h);
        sink_request(h, "OPTIONS", "*", "Require: org.wfa.wfd1.0, com.example.magic\r\n", NULL);
        expect_reply(h, 0, 551);
        assert_str_eq(rtsp_message_get_header(sent(h, 0), "Unsupported"), "com.example.magic");
        harness_free(h);
}

TEST(fsm_405, "/fsm/DESCRIBE/RECORD: 405 with Allow") {
        raw_request_status("DESCRIBE rtsp://x/ RTSP/1.0\r\nCSeq: 3\r\n\r\n", 405);
        raw_request_status("RECORD rtsp://x/ RTSP/1.0\r\nCSeq: 3\r\n\r\n", 405);
}

TEST(fsm_501, "/fsm/unknown method: 501") {
        raw_request_status("FLUSH rtsp://x/ RTSP/1.0\r\nCSeq: 3\r\n\r\n", 501);
}

static void raw_fatal(const char *raw, size_t len, unsigned want)
{
        struct harness *h = harness_new();

        to_playing(h);
        feed(h, raw, len);
        expect_reply(h, 0, want);
        assert_true(h->ended);
        assert_int_eq(h->end_reason, SOURCE_SESSION_END_PROTOCOL_ERROR);
        assert_int_eq(count(h, SOURCE_SESSION_ACTION_MEDIA_STOP), 1);
        harness_free(h);
}

TEST(fsm_fatal_parse, "/fsm/unparseable bytes: 400/413/505 then protocol-error") {
        char big[128];

        raw_fatal("GARBAGE\r\n\r\n", 11, 400);
        raw_fatal("GET / HTTP/1.1\r\nHost: x\r\n\r\n", 27, 505);
        snprintf(big, sizeof(big), "SET_PARAMETER * RTSP/1.0\r\nCSeq: 1\r\nContent-Length: %d\r\n\r\n",
                 RTSP_MAX_BODY + 1);
        raw_fatal(big, strlen(big), 413);
}

TEST(fsm_unknown_reply, "/fsm/reply with an unknown CSeq is ignored; one without CSeq matches the only request") {
        struct harness *h = harness_new();

        start(h);
        sink_reply(h, 77, 200, NULL, NULL);
        assert_false(h->ended);
        assert_int_eq(h->n_sends, 0);
        {
                static const char r[] = "RTSP/1.0 200 OK\r\nPublic: org.wfa.wfd1.0, GET_PARAMETER, SET_PARAMETER\r\n\r\n";
                feed(h, r, strlen(r));
        }
        /* that was M1's reply: we now wait for M2 */
        sink_request(h, "OPTIONS", "*", NULL, NULL);
        expect_reply(h, 0, 200);
        fire(h, T0 + GAP);
        expect_request(h, 0, RTSP_METHOD_GET_PARAMETER, 2);
        harness_free(h);
}

/* ---- connection and media events --------------------------------------------------------- */

TEST(fsm_connection_closed, "/fsm/connection closed: MEDIA_STOP and connection-closed") {
        struct harness *h = harness_new();
        struct source_session_actions a;

        to_playing(h);
        record(h, source_session_connection_closed(h->s, -ECONNRESET, h->now, &a), &a);
        assert_int_eq(h->r, 0);
        assert_int_eq(count(h, SOURCE_SESSION_ACTION_MEDIA_STOP), 1);
        assert_true(h->ended);
        assert_int_eq(h->end_reason, SOURCE_SESSION_END_CONNECTION_CLOSED);
        assert_int_eq(h->end_error, -ECONNRESET);
        harness_free(h);
}

TEST(fsm_media_failed, "/fsm/media failed: TEARDOWN trigger to the sink, media-failed") {
        struct harness *h = harness_new();
        struct source_session_actions a;

        to_playing(h);
        record(h, source_session_media_started(h->s, h->now, &a), &a);
        assert_int_eq(h->r, 0);
        record(h, source_session_media_failed(h->s, -ENODEV, "no encoder", h->now, &a), &a);
        assert_int_eq(h->r, 0);
        assert_str_eq(sent(h, 0)->body, "wfd_trigger_method: TEARDOWN\r\n");
        assert_int_eq(count(h, SOURCE_SESSION_ACTION_MEDIA_STOP), 0); /* it is gone already */
        assert_true(h->ended);
        assert_int_eq(h->end_reason, SOURCE_SESSION_END_MEDIA_FAILED);
        assert_int_eq(h->end_error, -ENODEV);
        assert_true(strstr(h->end_text, "no encoder") != NULL);
        harness_free(h);
}

TEST(fsm_user_idr_bitrate, "/fsm/user IDR and bitrate requests") {
        struct harness *h = harness_new();
        struct source_session_actions a;

        to_m4(h);
        assert_int_eq(source_session_request_idr(h->s, h->now, &a), -ENOTCONN);
        record(h, source_session_set_bitrate(h->s, 3000000, h->now, &a), &a);
        assert_int_eq(h->r, 0);
        assert_int_eq(count(h, SOURCE_SESSION_ACTION_MEDIA_SET_BITRATE), 0); /* no media yet */
        assert_int_eq(source_session_get_media(h->s)->format.bitrate_bps, 3000000);
        assert_int_eq(source_session_set_bitrate(h->s, 0, h->now, &a), -EINVAL);
        harness_free(h);

        h = harness_new();
        to_playing(h);
        record(h, source_session_request_idr(h->s, h->now, &a), &a);
        assert_int_eq(count(h, SOURCE_SESSION_ACTION_MEDIA_REQUEST_IDR), 1);
        record(h, source_session_set_bitrate(h->s, 4000000, h->now, &a), &a);
        assert_int_eq(count(h, SOURCE_SESSION_ACTION_MEDIA_SET_BITRATE), 1);
        assert_int_eq(h->bitrate, 4000000);
        harness_free(h);
}

TEST(fsm_change_format, "/fsm/mid-session M4 format change, then MEDIA_CHANGE_FORMAT on 200") {
        struct harness *h = harness_new();
        struct source_session_actions a;
        struct source_session_limits l = { .max_height = 720, .max_fps = 30, .encoder_supports_chp = true };
        const struct rtsp_message *m;

        to_playing(h);
        idle(h);
        record(h, source_session_change_format(h->s, &l, 0x123456, h->now, &a), &a);
        assert_int_eq(h->r, 0);
        m = sent(h, 0);
        assert_int_eq(m->method, RTSP_METHOD_SET_PARAMETER);
        assert_true(body_has(m, "wfd_av_format_change_timing: 0000123456 0000123456"));
        assert_true(body_has(m, "00000020 00000000 00000000")); /* 720p30 */
        assert_int_eq(source_session_change_format(h->s, &l, 0, h->now, &a), -EBUSY);
        sink_reply(h, cseq_of(m), 200, NULL, NULL);
        assert_int_eq(count(h, SOURCE_SESSION_ACTION_MEDIA_CHANGE_FORMAT), 1);
        assert_int_eq(h->media.format.height, 720);
        assert_int_eq(h->media.peer_rtp_port, 19000);
        harness_free(h);
}

TEST(fsm_change_format_ms, "/fsm/format change without M4 when the sink has microsoft_format_change_capability") {
        struct harness *h = harness_new();
        struct source_session_actions a;
        struct source_session_limits l = { .max_height = 720, .max_fps = 30, .encoder_supports_chp = true };
        char body[1024];

        to_m3(h);
        snprintf(body, sizeof(body), "%smicrosoft_format_change_capability: supported\r\n", lg_m3_body);
        sink_reply(h, 2, 200, NULL, body);
        sink_reply(h, 3, 200, NULL, NULL);
        sink_reply(h, 4, 200, NULL, NULL);
        sink_request(h, "SETUP", "rtsp://x/wfd1.0/streamid=0", "Transport: RTP/AVP/UDP;unicast;client_port=1028\r\n",
                     NULL);
        sink_request(h, "PLAY", "rtsp://x/wfd1.0/streamid=0", NULL, NULL);
        assert_int_eq(count(h, SOURCE_SESSION_ACTION_MEDIA_START), 1);
        record(h, source_session_change_format(h->s, &l, 0, h->now, &a), &a);
        assert_int_eq(h->r, 0);
        assert_int_eq(h->n_sends, 0);
        assert_int_eq(count(h, SOURCE_SESSION_ACTION_MEDIA_CHANGE_FORMAT), 1);
        assert_int_eq(h->media.format.height, 720);
        assert_int_eq(h->media.peer_rtp_port, 1028);
        harness_free(h);
}

static void low_latency(struct source_session_config *c)
{
        c->latency_mode = LATENCY_MODE_LOW;
}

TEST(fsm_ms_latency, "/fsm/M4 tells a sink with microsoft_latency_management_capability the latency mode, no other") {
        struct harness *h = harness_new_with(low_latency);
        char body[1024];

        to_m3(h);
        /* the M3 request asks for it */
        assert_true(body_has(sent(h, 0), "microsoft_latency_management_capability"));
        snprintf(body, sizeof(body), "%smicrosoft_latency_management_capability: supported\r\n", lg_m3_body);
        sink_reply(h, 2, 200, NULL, body);
        assert_true(body_has(sent(h, 0), "microsoft_latency_management_capability: low\r\n"));
        harness_free(h);

        h = harness_new_with(low_latency);
        to_m3(h);
        snprintf(body, sizeof(body), "%smicrosoft_latency_management_capability: none\r\n", lg_m3_body);
        sink_reply(h, 2, 200, NULL, body);
        assert_int_eq(sent(h, 0)->method, RTSP_METHOD_SET_PARAMETER);
        assert_true(!body_has(sent(h, 0), "microsoft_latency_management_capability"));
        harness_free(h);

        h = harness_new(); /* balanced by default: normal */
        to_m3(h);
        snprintf(body, sizeof(body), "%smicrosoft_latency_management_capability: supported\r\n", lg_m3_body);
        sink_reply(h, 2, 200, NULL, body);
        assert_true(body_has(sent(h, 0), "microsoft_latency_management_capability: normal\r\n"));
        harness_free(h);
}

/* ---- quirks ------------------------------------------------------------------------------ */

TEST(fsm_quirk_prefer_lpcm, "/fsm/quirk prefer-lpcm from the M2 User-Agent (MSFT-WDD): LPCM audio") {
        struct harness *h = harness_new();

        start(h);
        sink_reply(h, 1, 200, "Public: org.wfa.wfd1.0, GET_PARAMETER, SET_PARAMETER\r\n", NULL);
        sink_request(h, "OPTIONS", "*", "Require: org.wfa.wfd1.0\r\nUser-Agent: MSFT-WDD\r\n", NULL);
        assert_int_eq(source_session_get_quirks(h->s), SINK_QUIRK_PREFER_LPCM);
        assert_str_eq(source_session_get_sink_user_agent(h->s), "MSFT-WDD");
        fire(h, T0 + GAP); /* M3 */
        sink_reply(h, 2, 200, NULL, lg_m3_body);
        assert_true(body_has(sent(h, 0), "wfd_audio_codecs: LPCM 00000002 00"));
        assert_int_eq(source_session_get_media(h->s)->format.audio_codec, SOURCE_SESSION_AUDIO_LPCM);
        harness_free(h);
}

TEST(fsm_quirk_server_header, "/fsm/quirks also come from the Server header of a sink reply") {
        struct harness *h = harness_new();

        start(h);
        sink_reply(h, 1, 200, "Server: MSFT-WDD/2.0\r\nPublic: org.wfa.wfd1.0, GET_PARAMETER, SET_PARAMETER\r\n", NULL);
        assert_int_eq(source_session_get_quirks(h->s), SINK_QUIRK_PREFER_LPCM);
        assert_str_eq(source_session_get_sink_user_agent(h->s), "MSFT-WDD/2.0");
        /* A later User-Agent does not lose what the Server header said. */
        sink_request(h, "OPTIONS", "*", "User-Agent: SomethingElse/1.0\r\n", NULL);
        assert_int_eq(source_session_get_quirks(h->s), SINK_QUIRK_PREFER_LPCM);
        assert_str_eq(source_session_get_sink_user_agent(h->s), "SomethingElse/1.0");
        harness_free(h);
}

static void no_keepalive(struct source_session_config *c)
{
        c->quirks_add = SINK_QUIRK_NO_KEEPALIVE;
}

TEST(fsm_quirk_no_keepalive, "/fsm/quirk no-keepalive: no M16 and no liveness timeout") {
        struct harness *h = harness_new_with(no_keepalive);

        to_playing(h);
        assert_int_eq(h->timer, 0);
        fire(h, T0 + 100 * SEC);
        assert_int_eq(h->n_sends, 0);
        assert_false(h->ended);
        harness_free(h);
}

static void early_keepalive(struct source_session_config *c)
{
        c->quirks_add = SINK_QUIRK_EARLY_KEEPALIVE;
}

TEST(fsm_quirk_early_keepalive, "/fsm/quirk early-keepalive: first M16 10 s after PLAY") {
        struct harness *h = harness_new_with(early_keepalive);

        to_playing(h);
        assert_int_eq(h->timer, T0 + 10 * SEC);
        fire(h, T0 + 10 * SEC);
        expect_request(h, 0, RTSP_METHOD_GET_PARAMETER, 5);
        harness_free(h);
}

static void periodic_idr(struct source_session_config *c)
{
        c->quirks_add = SINK_QUIRK_PERIODIC_IDR;
}

TEST(fsm_quirk_periodic_idr, "/fsm/quirk periodic-idr and wfd_idr_request_capability 0 ask for periodic IDRs") {
        struct harness *h = harness_new_with(periodic_idr);

        to_playing(h);
        assert_true(h->media.format.periodic_idr);
        harness_free(h);

        h = harness_new();
        to_m3(h);
        {
                char body[1024];
                snprintf(body, sizeof(body), "%swfd_idr_request_capability: 0\r\n", lg_m3_body);
                sink_reply(h, 2, 200, NULL, body);
        }
        assert_false(source_session_get_media(h->s)->format.sink_sends_idr_requests);
        assert_true(source_session_get_media(h->s)->format.periodic_idr);
        harness_free(h);

        h = harness_new();
        to_playing(h);
        assert_false(h->media.format.periodic_idr);
        harness_free(h);
}

static void safe_format(struct source_session_config *c)
{
        c->quirks_add = SINK_QUIRK_SAFE_FORMAT;
}

TEST(fsm_quirk_safe_format, "/fsm/quirk safe-format: first M4 is CBP, at most 720p30, LPCM") {
        struct harness *h = harness_new_with(safe_format);
        const struct source_session_media *m;

        to_m4(h);
        m = source_session_get_media(h->s);
        assert_int_le(m->format.height, 720);
        assert_int_le(m->format.fps, 30);
        assert_int_eq(m->format.h264_profile_idc, 66);
        assert_int_eq(m->format.audio_codec, SOURCE_SESSION_AUDIO_LPCM);
        harness_free(h);
}

static void remove_quirk(struct source_session_config *c)
{
        c->identity.device_name = "[LG] webOS TV UN8000PTA r";
        c->quirks_remove = SINK_QUIRK_M3_WITHOUT_M2;
}

TEST(fsm_quirk_remove, "/fsm/quirks_remove wins over the table") {
        struct harness *h = harness_new_with(remove_quirk);

        assert_int_eq(source_session_get_quirks(h->s), 0);
        harness_free(h);
}

TEST(fsm_hdcp_never, "/fsm/a sink offering HDCP never gets content protection from us") {
        struct harness *h = harness_new();
        char body[1024];

        to_m3(h);
        snprintf(body, sizeof(body), "%swfd_content_protection: HDCP2.1 port=1189\r\n", lg_m3_body);
        sink_reply(h, 2, 200, NULL, body);
        assert_false(body_has(sent(h, 0), "wfd_content_protection"));
        assert_false(body_has(sent(h, 0), "HDCP"));
        harness_free(h);
}

TEST(fsm_video_none, "/fsm/M3 reply with wfd_video_formats: none ends with negotiation-failed") {
        struct harness *h = harness_new();

        to_m3(h);
        sink_reply(h, 2, 200, NULL,
                   "wfd_video_formats: none\r\nwfd_audio_codecs: LPCM 00000002 00\r\n"
                   "wfd_client_rtp_ports: RTP/AVP/UDP;unicast 19000 0 mode=play\r\n");
        assert_true(h->ended);
        assert_int_eq(h->end_reason, SOURCE_SESSION_END_NEGOTIATION_FAILED);
        assert_int_eq(h->n_sends, 0);
        harness_free(h);
}

TEST(fsm_audio_none, "/fsm/M3 reply with wfd_audio_codecs: none gives a video-only M4") {
        struct harness *h = harness_new();

        to_m3(h);
        sink_reply(h, 2, 200, NULL,
                   "wfd_video_formats: 00 00 01 01 00000001 00000000 00000000 00 0000 0000 00 none none\r\n"
                   "wfd_audio_codecs: none\r\n"
                   "wfd_client_rtp_ports: RTP/AVP/UDP;unicast 19000 0 mode=play\r\n");
        assert_false(h->ended);
        assert_false(body_has(sent(h, 0), "wfd_audio_codecs"));
        assert_int_eq(source_session_get_media(h->s)->format.audio_codec, SOURCE_SESSION_AUDIO_NONE);
        assert_int_eq(source_session_get_media(h->s)->format.width, 640);
        harness_free(h);
}

TEST(fsm_setup_before_m5_reply, "/fsm/M6 SETUP that overtakes the M5 reply is served") {
        struct harness *h = harness_new();

        to_m4(h);
        sink_reply(h, 3, 200, NULL, NULL);
        sink_request(h, "SETUP", "rtsp://192.168.49.1/wfd1.0/streamid=0",
                     "Transport: RTP/AVP/UDP;unicast;client_port=19000\r\n", NULL);
        expect_reply(h, 0, 200);
        sink_reply(h, 4, 200, NULL, NULL);
        assert_false(h->ended);
        sink_request(h, "PLAY", "rtsp://192.168.49.1/wfd1.0/streamid=0", NULL, NULL);
        assert_int_eq(count(h, SOURCE_SESSION_ACTION_MEDIA_START), 1);
        harness_free(h);
}

TEST(fsm_sink_get_parameter_body, "/fsm/sink GET_PARAMETER asking for names: 200 with an empty body") {
        struct harness *h = harness_new();

        to_playing(h);
        sink_request(h, "GET_PARAMETER", "rtsp://localhost/wfd1.0", NULL, "wfd_video_formats\r\n");
        expect_reply(h, 0, 200);
        assert_int_eq(sent(h, 0)->body_len, 0);
        harness_free(h);
}

TEST(fsm_flood, "/fsm/a sink pipelining thousands of requests in one read is cut off") {
        struct harness *h = harness_new();
        static const char one[] = "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n";
        size_t n = 12000, len = strlen(one);
        char *buf = malloc(n * len);

        assert_non_null(buf);
        to_playing(h);
        for (size_t i = 0; i < n; i++)
                memcpy(buf + i * len, one, len);
        {
                struct source_session_actions a;
                int r = source_session_receive(h->s, buf, n * len, h->now, &a);
                assert_int_eq(r, 0);
                assert_true(a.n > 0);
                assert_int_eq(a.items[a.n - 1].type, SOURCE_SESSION_ACTION_ENDED);
                assert_int_eq(a.items[a.n - 1].ended.reason, SOURCE_SESSION_END_PROTOCOL_ERROR);
        }
        free(buf);
        harness_free(h);
}

static void ipv6_local(struct source_session_config *c)
{
        c->local_address = "fe80::1";
        c->local_rtsp_port = 7236;
}

TEST(fsm_url_ipv6, "/fsm/M4 presentation URL: port when configured, IPv6 literal in brackets") {
        struct harness *h = harness_new_with(ipv6_local);

        to_m4(h);
        assert_true(body_has(sent(h, 0), "wfd_presentation_URL: rtsp://[fe80::1]:7236/wfd1.0/streamid=0 none\r\n"));
        harness_free(h);
}

/* ---- misc ---------------------------------------------------------------------------------- */

TEST(fsm_cseq_sequence, "/fsm/our CSeq is gap-free from 1: M1=1 M3=2 M4=3 M5=4 M16=5") {
        struct harness *h = harness_new();

        to_playing(h); /* the helpers assert 1..4 */
        fire(h, T0 + 20 * SEC);
        expect_request(h, 0, RTSP_METHOD_GET_PARAMETER, 5);
        harness_free(h);
}

TEST(fsm_byte_by_byte, "/fsm/the sink's messages fed one byte at a time give the same result") {
        struct harness *h = harness_new();
        char buf[1024];
        size_t total_sends = 0;
        int n;

        start(h);
        n = snprintf(buf, sizeof(buf),
                     "RTSP/1.0 200 OK\r\nCSeq: 1\r\nPublic: org.wfa.wfd1.0, GET_PARAMETER, SET_PARAMETER\r\n\r\n"
                     "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nRequire: org.wfa.wfd1.0\r\n\r\n");
        for (int i = 0; i < n; i++) {
                feed(h, buf + i, 1);
                total_sends += h->n_sends;
        }
        fire(h, T0 + GAP); /* M3 */
        total_sends += h->n_sends;
        n = snprintf(buf, sizeof(buf),
                     "RTSP/1.0 200 OK\r\nCSeq: 2\r\nContent-Type: text/parameters\r\nContent-Length: %zu\r\n\r\n%s",
                     strlen(lg_m3_body), lg_m3_body);
        for (int i = 0; i < n; i++) {
                feed(h, buf + i, 1);
                total_sends += h->n_sends;
        }
        assert_int_eq(total_sends, 3); /* M2 reply, M3, M4 */
        assert_int_eq(source_session_get_media(h->s)->format.width, 1920);
        harness_free(h);
}

TEST(fsm_strings, "/fsm/state and end-reason names, errno mapping") {
        for (int i = 0; i < _SOURCE_SESSION_STATE_MAX; i++)
                assert_non_null(source_session_state_to_string(i));
        assert_null(source_session_state_to_string(_SOURCE_SESSION_STATE_MAX));
        for (int i = 0; i < _SOURCE_SESSION_END_MAX; i++)
                assert_non_null(source_session_end_reason_to_string(i));
        assert_str_eq(source_session_state_to_string(SOURCE_SESSION_STATE_PLAYING), "playing");
        assert_str_eq(source_session_end_reason_to_string(SOURCE_SESSION_END_INSUFFICIENT_RESOURCES),
                      "insufficient-resources");
        assert_int_eq(source_session_end_reason_to_errno(SOURCE_SESSION_END_TEARDOWN_BY_SINK), 0);
        assert_int_eq(source_session_end_reason_to_errno(SOURCE_SESSION_END_KEEPALIVE_TIMEOUT), -ETIMEDOUT);
}

TEST(fsm_new_invalid, "/fsm/new refuses a bad config") {
        struct source_session_config c = {
                .session_id = "6B8B4567", .local_address = "192.168.49.1",
                .peer_address = "192.168.49.10", .server_rtp_port = 16384,
        };
        struct source_session *s = NULL;

        c.session_id = "has space";
        assert_int_eq(source_session_new(&c, &s), -EINVAL);
        c.session_id = "a;b";
        assert_int_eq(source_session_new(&c, &s), -EINVAL);
        c.session_id = "6B8B4567";
        c.server_rtp_port = 0;
        assert_int_eq(source_session_new(&c, &s), -EINVAL);
        c.server_rtp_port = 16384;
        c.local_address = NULL;
        assert_int_eq(source_session_new(&c, &s), -EINVAL);
        assert_null(s);
        assert_null(source_session_free(NULL));
}

/* ---- golden transcripts (tests/data/rtsp/<profile>/transcript.txt) -----------------------
 *
 * One file per sink profile: the exchange with such a sink and, after every event, what
 * the state machine must do. Lines:
 *   # ...                         why the case exists (comments)
 *   @config KEY=VALUE             before @start: device_name, quirks (names, comma-separated),
 *                                 suggested_bps, local_max_bps, remote_max_bps, chp (0/1),
 *                                 max_height, max_fps, ie_info (hex), ie_port
 *   @start | @time S | @timer S | @user pause|resume|teardown|idr|bitrate N | @closed | @media-failed
 *                                 events; S = seconds since start (absolute)
 *   <<  ... .                     the sink sends this message (CRLF added, Content-Length computed
 *                                 when there is a body after the empty line)
 *   >>  ... .                     we send the next message: same start line, these header lines,
 *                                 these body lines ("~x": a body line contains x, "-x": none does)
 *   >>= ... .                     we send exactly these bytes
 *   !negotiated | !media start WxH@FPS PORT | !media pause|resume|stop|idr|change | !media bitrate N
 *   !ended REASON | !state STATE | !timer S|off | !log STATUS
 * Every message we send must be matched by a >> line, and every NEGOTIATED, MEDIA_* and
 * ENDED action by a ! line, before the next event.
 */

struct golden {
        const char *file;
        int line;
        struct harness *h;
        struct source_session_config cfg;
        char device_name[128];
        size_t sends_matched;
        bool expected[64];              /* per action of the last event: matched by a ! line */
        struct source_session_action_copy {
                enum source_session_action_type type;
                struct source_session_media media;
                enum source_session_end_reason reason;
                enum source_session_state state;
                uint64_t timer;
                unsigned status;
                uint32_t bitrate;
        } acts[64];
        size_t n_acts;
};

#define golden_fail(g, ...)                                                                      \
        do {                                                                                     \
                char _m[20000];                                                                    \
                snprintf(_m, sizeof(_m), __VA_ARGS__);                                           \
                test_fail((g)->file, (g)->line, "%s", _m);                                       \
        } while (0)

static void golden_record(struct golden *g, int r, const struct source_session_actions *a)
{
        record(g->h, r, a);
        if (r < 0)
                golden_fail(g, "event failed: %s", strerror(-r));
        g->sends_matched = 0;
        g->n_acts = a->n;
        for (size_t i = 0; i < a->n; i++) {
                const struct source_session_action *x = &a->items[i];
                struct source_session_action_copy *c = &g->acts[i];
                *c = (struct source_session_action_copy) { .type = x->type };
                g->expected[i] = false;
                switch (x->type) {
                case SOURCE_SESSION_ACTION_MEDIA_START:
                case SOURCE_SESSION_ACTION_MEDIA_CHANGE_FORMAT:
                        c->media = *x->media;
                        break;
                case SOURCE_SESSION_ACTION_ENDED:
                        c->reason = x->ended.reason;
                        break;
                case SOURCE_SESSION_ACTION_STATE_CHANGED:
                        c->state = x->state;
                        break;
                case SOURCE_SESSION_ACTION_TIMER:
                        c->timer = x->timer_usec;
                        break;
                case SOURCE_SESSION_ACTION_LOG:
                        c->status = x->log.status;
                        break;
                case SOURCE_SESSION_ACTION_MEDIA_SET_BITRATE:
                        c->bitrate = x->bitrate_bps;
                        break;
                default:
                        break;
                }
        }
}

/* Before the next event: everything that must be expected was. */
static void golden_settle(struct golden *g)
{
        if (!g->h)
                return;
        if (g->sends_matched != g->h->n_sends)
                golden_fail(g, "%zu message(s) sent but only %zu expected; next: %.200s", g->h->n_sends,
                            g->sends_matched, g->h->sends[g->sends_matched]);
        for (size_t i = 0; i < g->n_acts; i++) {
                enum source_session_action_type t = g->acts[i].type;
                if (g->expected[i] || t == SOURCE_SESSION_ACTION_SEND || t == SOURCE_SESSION_ACTION_TIMER ||
                    t == SOURCE_SESSION_ACTION_STATE_CHANGED || t == SOURCE_SESSION_ACTION_LOG)
                        continue;
                golden_fail(g, "unexpected action #%zu (type %d)%s%s", i, t,
                            t == SOURCE_SESSION_ACTION_ENDED ? ": ended " : "",
                            t == SOURCE_SESSION_ACTION_ENDED ? g->h->end_text : "");
        }
        g->n_acts = 0;
}

static bool golden_take(struct golden *g, enum source_session_action_type t, size_t *ret)
{
        for (size_t i = 0; i < g->n_acts; i++)
                if (g->acts[i].type == t && !g->expected[i]) {
                        g->expected[i] = true;
                        *ret = i;
                        return true;
                }
        return false;
}

static uint64_t golden_time(struct golden *g, const char *s)
{
        char *end;
        double v = strtod(s, &end);
        if (end == s || v < 0)
                golden_fail(g, "bad time \"%s\"", s);
        return T0 + (uint64_t) (v * 1e6 + 0.5);
}

static void golden_config(struct golden *g, const char *kv)
{
        const char *eq = strchr(kv, '=');
        const char *v = eq ? eq + 1 : "";
        size_t k = eq ? (size_t) (eq - kv) : strlen(kv);

        if (g->h)
                golden_fail(g, "@config after @start");
        if (k == 11 && strncmp(kv, "device_name", k) == 0) {
                snprintf(g->device_name, sizeof(g->device_name), "%s", v);
                g->cfg.identity.device_name = g->device_name;
        } else if (k == 6 && strncmp(kv, "quirks", k) == 0) {
                char buf[256], *save = NULL;
                snprintf(buf, sizeof(buf), "%s", v);
                for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                        unsigned q = sink_quirk_from_string(t);
                        if (!q)
                                golden_fail(g, "unknown quirk %s", t);
                        g->cfg.quirks_add |= q;
                }
        } else if (k == 13 && strncmp(kv, "suggested_bps", k) == 0)
                g->cfg.stats.suggested_bps = strtoull(v, NULL, 10);
        else if (k == 13 && strncmp(kv, "local_max_bps", k) == 0)
                g->cfg.stats.local_max_bps = strtoull(v, NULL, 10);
        else if (k == 14 && strncmp(kv, "remote_max_bps", k) == 0)
                g->cfg.stats.remote_max_bps = strtoull(v, NULL, 10);
        else if (k == 3 && strncmp(kv, "chp", k) == 0)
                g->cfg.limits.encoder_supports_chp = strtoul(v, NULL, 10) != 0;
        else if (k == 10 && strncmp(kv, "max_height", k) == 0)
                g->cfg.limits.max_height = strtoul(v, NULL, 10);
        else if (k == 7 && strncmp(kv, "max_fps", k) == 0)
                g->cfg.limits.max_fps = strtoul(v, NULL, 10);
        else if (k == 7 && strncmp(kv, "ie_info", k) == 0) {
                g->cfg.identity.has_wfd_ie = true;
                g->cfg.identity.wfd_device_info = strtoul(v, NULL, 16);
        } else if (k == 7 && strncmp(kv, "ie_port", k) == 0)
                g->cfg.identity.wfd_rtsp_port = strtoul(v, NULL, 10);
        else
                golden_fail(g, "unknown @config %s", kv);
}

/* Lines of a << / >> block up to ".", as a message: head CRLF-joined, then body. */
static size_t golden_message(struct golden *g, char **lines, size_t n, char *out, size_t size)
{
        size_t head = 0, len = 0, body_len = 0;
        bool has_cl = false, has_body;

        while (head < n && lines[head][0])
                head++;
        has_body = head + 1 < n;
        for (size_t i = head + 1; i < n; i++)
                body_len += strlen(lines[i]) + 2;
        for (size_t i = 0; i < head; i++) {
                has_cl |= strncasecmp(lines[i], "Content-Length:", 15) == 0;
                len += snprintf(out + len, size - len, "%s\r\n", lines[i]);
        }
        if (has_body && !has_cl)
                len += snprintf(out + len, size - len, "Content-Length: %zu\r\n", body_len);
        len += snprintf(out + len, size - len, "\r\n");
        for (size_t i = head + 1; i < n; i++)
                len += snprintf(out + len, size - len, "%s\r\n", lines[i]);
        if (len >= size)
                golden_fail(g, "message too long");
        return len;
}

static bool line_in(const char *text, size_t len, const char *line, bool substring)
{
        const char *p = text, *end = text + len;

        while (p < end) {
                const char *eol = memchr(p, '\n', end - p);
                size_t n = eol ? (size_t) (eol - p) : (size_t) (end - p);
                size_t m = n > 0 && p[n - 1] == '\r' ? n - 1 : n;
                if (substring ? memmem(p, m, line, strlen(line)) != NULL
                              : (m == strlen(line) && memcmp(p, line, m) == 0))
                        return true;
                p = eol ? eol + 1 : end;
        }
        return false;
}

static void golden_expect_send(struct golden *g, char **lines, size_t n, bool exact)
{
        const char *got;
        size_t got_len, head = 0;
        const struct rtsp_message *m;
        char want[8192];

        if (g->sends_matched >= g->h->n_sends)
                golden_fail(g, "expected a message \"%s\", nothing (more) was sent", n ? lines[0] : "");
        got = g->h->sends[g->sends_matched];
        got_len = g->h->send_len[g->sends_matched];
        m = sent(g->h, g->sends_matched);
        g->sends_matched++;

        if (exact) {
                size_t len = golden_message(g, lines, n, want, sizeof(want));
                if (len != got_len || memcmp(want, got, len) != 0)
                        golden_fail(g, "sent bytes differ:\n--- want\n%s--- got\n%s", want, got);
                return;
        }
        if (n == 0 || strncmp(got, lines[0], strlen(lines[0])) != 0 || got[strlen(lines[0])] != '\r')
                golden_fail(g, "sent \"%.80s\", want start line \"%s\"", got, n ? lines[0] : "");
        while (head < n && lines[head][0])
                head++;
        for (size_t i = 1; i < head; i++)
                if (!line_in(got, got_len - m->body_len, lines[i], false))
                        golden_fail(g, "header line \"%s\" missing in:\n%s", lines[i], got);
        for (size_t i = head + 1; i < n; i++) {
                const char *l = lines[i];
                bool ok;
                if (l[0] == '~')
                        ok = line_in(m->body, m->body_len, l + 1, true);
                else if (l[0] == '-')
                        ok = !line_in(m->body, m->body_len, l + 1, true);
                else
                        ok = line_in(m->body, m->body_len, l, false);
                if (!ok)
                        golden_fail(g, "body line \"%s\" not satisfied by:\n%s", l, m->body);
        }
}

static void golden_expect_action(struct golden *g, const char *what)
{
        size_t i;
        char a[64] = "", b[64] = "", c[64] = "";

        (void) sscanf(what, "%63s %63s %63s", a, b, c);
        if (strcmp(a, "negotiated") == 0) {
                if (!golden_take(g, SOURCE_SESSION_ACTION_NEGOTIATED, &i))
                        golden_fail(g, "no NEGOTIATED");
        } else if (strcmp(a, "media") == 0) {
                static const struct {
                        const char *name;
                        enum source_session_action_type type;
                } kinds[] = {
                        { "start", SOURCE_SESSION_ACTION_MEDIA_START },
                        { "pause", SOURCE_SESSION_ACTION_MEDIA_PAUSE },
                        { "resume", SOURCE_SESSION_ACTION_MEDIA_RESUME },
                        { "stop", SOURCE_SESSION_ACTION_MEDIA_STOP },
                        { "idr", SOURCE_SESSION_ACTION_MEDIA_REQUEST_IDR },
                        { "change", SOURCE_SESSION_ACTION_MEDIA_CHANGE_FORMAT },
                        { "bitrate", SOURCE_SESSION_ACTION_MEDIA_SET_BITRATE },
                };
                size_t k;
                for (k = 0; k < ARRAY_SIZE(kinds); k++)
                        if (strcmp(b, kinds[k].name) == 0)
                                break;
                if (k == ARRAY_SIZE(kinds))
                        golden_fail(g, "unknown media action %s", b);
                if (!golden_take(g, kinds[k].type, &i))
                        golden_fail(g, "no MEDIA %s", b);
                if (kinds[k].type == SOURCE_SESSION_ACTION_MEDIA_START && c[0]) {
                        const struct source_session_media *md = &g->acts[i].media;
                        char got[64];
                        unsigned port = 0;
                        (void) sscanf(what, "%*s %*s %*s %u", &port);
                        snprintf(got, sizeof(got), "%ux%u@%u", md->format.width, md->format.height, md->format.fps);
                        if (strcmp(got, c) != 0 || (port && port != md->peer_rtp_port))
                                golden_fail(g, "media start %s port %u, want %s port %u", got, md->peer_rtp_port, c,
                                            port);
                }
                if (kinds[k].type == SOURCE_SESSION_ACTION_MEDIA_SET_BITRATE && c[0] &&
                    g->acts[i].bitrate != strtoul(c, NULL, 10))
                        golden_fail(g, "bitrate %u, want %s", g->acts[i].bitrate, c);
        } else if (strcmp(a, "ended") == 0) {
                if (!golden_take(g, SOURCE_SESSION_ACTION_ENDED, &i))
                        golden_fail(g, "not ended");
                if (strcmp(source_session_end_reason_to_string(g->acts[i].reason), b) != 0)
                        golden_fail(g, "ended %s (%s), want %s", source_session_end_reason_to_string(g->acts[i].reason),
                                    g->h->end_text, b);
        } else if (strcmp(a, "state") == 0) {
                if (!golden_take(g, SOURCE_SESSION_ACTION_STATE_CHANGED, &i) ||
                    strcmp(source_session_state_to_string(g->acts[i].state), b) != 0)
                        golden_fail(g, "no state change to %s", b);
        } else if (strcmp(a, "timer") == 0) {
                uint64_t want = strcmp(b, "off") == 0 ? 0 : golden_time(g, b);
                if (!golden_take(g, SOURCE_SESSION_ACTION_TIMER, &i) || g->acts[i].timer != want)
                        golden_fail(g, "no timer at %s", b);
        } else if (strcmp(a, "log") == 0) {
                unsigned st = strtoul(b, NULL, 10);
                bool found = false;
                for (i = 0; i < g->n_acts && !found; i++)
                        if (g->acts[i].type == SOURCE_SESSION_ACTION_LOG && g->acts[i].status == st) {
                                g->expected[i] = true;
                                found = true;
                        }
                if (!found)
                        golden_fail(g, "no log with status %u", st);
        } else
                golden_fail(g, "unknown expectation !%s", what);
}

static void golden_event(struct golden *g, const char *ev)
{
        struct source_session_actions a;
        char cmd[32] = "", arg[64] = "";

        golden_settle(g);
        (void) sscanf(ev, "%31s %63s", cmd, arg);
        if (strcmp(cmd, "start") == 0) {
                if (!g->h) {
                        g->h = calloc(1, sizeof(*g->h));
                        assert_non_null(g->h);
                        g->h->cfg = g->cfg;
                        g->h->now = T0;
                        rtsp_parser_init(&g->h->pace.in);
                        assert_int_eq(source_session_new(&g->cfg, &g->h->s), 0);
                }
                golden_record(g, source_session_start(g->h->s, T0, &a), &a);
                return;
        }
        if (!g->h)
                golden_fail(g, "@%s before @start", cmd);
        if (strcmp(cmd, "time") == 0) {
                g->h->now = golden_time(g, arg);
                g->n_acts = 0;
                g->h->n_sends = 0;
                g->sends_matched = 0;
        } else if (strcmp(cmd, "timer") == 0) {
                g->h->now = golden_time(g, arg);
                golden_record(g, source_session_timer(g->h->s, g->h->now, &a), &a);
        } else if (strcmp(cmd, "closed") == 0)
                golden_record(g, source_session_connection_closed(g->h->s, 0, g->h->now, &a), &a);
        else if (strcmp(cmd, "media-failed") == 0)
                golden_record(g, source_session_media_failed(g->h->s, -EIO, "encoder died", g->h->now, &a), &a);
        else if (strcmp(cmd, "user") == 0) {
                char what[32] = "";
                unsigned long n = 0;
                (void) sscanf(ev, "%*s %31s %lu", what, &n);
                if (strcmp(what, "pause") == 0)
                        golden_record(g, source_session_pause(g->h->s, g->h->now, &a), &a);
                else if (strcmp(what, "resume") == 0)
                        golden_record(g, source_session_resume(g->h->s, g->h->now, &a), &a);
                else if (strcmp(what, "teardown") == 0)
                        golden_record(g, source_session_teardown(g->h->s, g->h->now, &a), &a);
                else if (strcmp(what, "idr") == 0)
                        golden_record(g, source_session_request_idr(g->h->s, g->h->now, &a), &a);
                else if (strcmp(what, "bitrate") == 0)
                        golden_record(g, source_session_set_bitrate(g->h->s, (uint32_t) n, g->h->now, &a), &a);
                else
                        golden_fail(g, "unknown @user %s", what);
        } else
                golden_fail(g, "unknown event @%s", cmd);
}

static void run_transcript(const char *profile)
{
        char rel[256];
        _cleanup_free_ char *text = NULL;
        struct golden g = {};
        char *lines[512];
        size_t n_lines = 0;
        long r;

        snprintf(rel, sizeof(rel), "rtsp/%s/transcript.txt", profile);
        g.file = test_data_path(rel);
        r = test_read_file(g.file, &text);
        if (r < 0)
                test_fail(__FILE__, __LINE__, "cannot read %s", g.file);
        g.file = strdup(g.file);
        g.cfg = (struct source_session_config) {
                .session_id = "6B8B4567",
                .local_address = "192.168.49.1",
                .peer_address = "192.168.49.10",
                .server_rtp_port = 16384,
                .limits = { .encoder_supports_chp = true },
        };

        for (char *p = text; *p;) {
                char *eol = strchr(p, '\n');
                if (eol)
                        *eol = 0;
                assert_true(n_lines < ARRAY_SIZE(lines));
                lines[n_lines++] = p;
                p = eol ? eol + 1 : p + strlen(p);
        }

        for (size_t i = 0; i < n_lines; i++) {
                char *l = lines[i];
                g.line = (int) i + 1;
                if (l[0] == '#' || l[0] == 0)
                        continue;
                if (strncmp(l, "@config ", 8) == 0)
                        golden_config(&g, l + 8);
                else if (l[0] == '@')
                        golden_event(&g, l + 1);
                else if (l[0] == '!')
                        golden_expect_action(&g, l + 1);
                else if (strcmp(l, "<<") == 0 || strcmp(l, ">>") == 0 || strcmp(l, ">>=") == 0) {
                        size_t start = i + 1, end = start;
                        while (end < n_lines && strcmp(lines[end], ".") != 0)
                                end++;
                        if (end == n_lines)
                                golden_fail(&g, "block without its closing \".\"");
                        if (l[0] == '<') {
                                char msg[8192];
                                size_t len = golden_message(&g, lines + start, end - start, msg, sizeof(msg));
                                struct source_session_actions a;
                                golden_settle(&g);
                                if (!g.h)
                                        golden_fail(&g, "<< before @start");
                                pace_watch_input(g.h, msg, len);
                                golden_record(&g, source_session_receive(g.h->s, msg, len, g.h->now, &a), &a);
                        } else
                                golden_expect_send(&g, lines + start, end - start, l[2] == '=');
                        i = end;
                } else
                        golden_fail(&g, "cannot read line \"%s\"", l);
        }
        golden_settle(&g);
        if (g.h)
                harness_free(g.h);
        free((char *) g.file);
}

#define TRANSCRIPT(name, profile, why)                                                           \
        TEST(transcript_##name, "/fsm/transcript/" profile ": " why) {                          \
                run_transcript(profile);                                                         \
        }

TRANSCRIPT(lg, "lg-like", "M3 before M2, CSeq 0, port 53000, keep-alives, sink TEARDOWN")
TRANSCRIPT(samsung, "samsung-like", "SETUP to localhost, HDCP offered, M13 storm, user teardown")
TRANSCRIPT(dongle, "rigid-dongle", "303 to M4, no client_port, M16 refused, pause/resume, grace expiry")
TRANSCRIPT(windows, "windows-like", "CSeq-last headers, client_port range, sink keep-alives")
TRANSCRIPT(msadapter, "microsoft-adapter", "MSFT-WDD prefers LPCM, standby, keep-alive timeout")

TEST(transcript_all_listed, "/fsm/transcript/every profile directory has a test") {
        static const char *const known[] = {
                "lg-like", "samsung-like", "rigid-dongle", "windows-like", "microsoft-adapter",
        };
        const char *dir = test_data_path("rtsp");
        DIR *d = opendir(dir);
        struct dirent *e;
        size_t n = 0;

        if (!d)
                test_fail(__FILE__, __LINE__, "cannot open %s", dir);
        while ((e = readdir(d))) {
                bool found = false;
                if (e->d_name[0] == '.')
                        continue;
                for (size_t i = 0; i < ARRAY_SIZE(known); i++)
                        found |= strcmp(known[i], e->d_name) == 0;
                if (!found) {
                        closedir(d);
                        test_fail(__FILE__, __LINE__, "profile %s has no TRANSCRIPT()", e->d_name);
                }
                n++;
        }
        closedir(d);
        assert_int_eq(n, ARRAY_SIZE(known));
}

TEST(fsm_uibc_sink_can_input, "/fsm/uibc/M3 wfd_uibc_capability: is there input to ask the person about") {
        static const struct {
                const char *value;
                bool can;
        } cases[] = {
                /* GENERIC mouse and touch: ours */
                { "input_category_list=GENERIC;generic_cap_list=Mouse, MultiTouch;hidc_cap_list=none;port=none", true },
                { "input_category_list=GENERIC, HIDC;generic_cap_list=Keyboard;hidc_cap_list=Mouse/USB;port=none", true },
                /* HIDC keyboards and mice: forwarded through uhid */
                { "input_category_list=HIDC;generic_cap_list=none;hidc_cap_list=Keyboard/USB;port=none", true },
                /* HIDC of a kind we do not forward, or only a joystick: nothing we inject */
                { "input_category_list=HIDC;generic_cap_list=none;hidc_cap_list=Joystick/USB;port=none", false },
                { "input_category_list=GENERIC;generic_cap_list=Joystick;hidc_cap_list=none;port=none", false },
                { "none", false },
                { "input_category_list=GENERIC;generic_cap_list=", false },
                { "", false },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                if (source_session_uibc_sink_can_input(cases[i].value, strlen(cases[i].value)) != cases[i].can)
                        test_fail(__FILE__, __LINE__, "case %zu \"%s\": expected %d", i, cases[i].value, cases[i].can);
        }
        assert_false(source_session_uibc_sink_can_input(NULL, 0));
}
