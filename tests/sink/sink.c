/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * miracast-test-sink: a real Wi-Fi Display sink for tests and the demo.
 *
 * It connects to a source's RTSP port, runs the sink half of M1-M16 with one of
 * the profiles of sink-profile.c, receives RTP/MP2T on its UDP port and decodes
 * it with FFmpeg (sink-media.c), then prints one machine-readable line:
 *
 *   SINK result=ok mode=640x480p60 codec=h264 profile=CBP level=3.1 ... frames=N
 *
 * The exit status is 0 only when result=ok. RTSP framing uses protocol/rtsp.h,
 * the project's codec; only the sink's side of the conversation lives here.
 *
 * Sink state (what we wait for next):
 *
 *   WAIT_M1 --M1 answered, M2 sent--> CAPS --M4 ok--> READY --M5 SETUP--> SETUP_SENT
 *   SETUP_SENT --200--> PLAY_SENT --200--> PLAYING <--PLAY/PAUSE--> PAUSED
 *   PLAYING --duration/--frames/SIGTERM/M5 TEARDOWN--> TEARDOWN_SENT --200--> DONE
 *   any state --error, timeout, TCP closed--> DONE (result=fail)
 */
#include <errno.h>
#include <math.h>
#include <getopt.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-event.h>

#include "../../protocol/macro.h"
#include "../../protocol/rtsp.h"
#include "sink-media.h"
#include "sink-mice.h"
#include "sink-profile.h"
#include "sink-rtcp.h"
#include "sink-uibc.h"

#define USEC_PER_SEC 1000000ULL
#define REPLY_TIMEOUT_USEC (5 * USEC_PER_SEC)
#define MAX_PENDING 16
#define OUT_BUFFER_SIZE (64 * 1024)

enum sink_state {
        SINK_STATE_WAIT_M1,
        SINK_STATE_CAPS,
        SINK_STATE_READY,
        SINK_STATE_SETUP_SENT,
        SINK_STATE_PLAY_SENT,
        SINK_STATE_PLAYING,
        SINK_STATE_PAUSED,
        SINK_STATE_TEARDOWN_SENT,
        SINK_STATE_DONE,
};

static const char *const sink_state_names[] = {
        [SINK_STATE_WAIT_M1] = "wait-m1",         [SINK_STATE_CAPS] = "capabilities",
        [SINK_STATE_READY] = "ready",             [SINK_STATE_SETUP_SENT] = "setup-sent",
        [SINK_STATE_PLAY_SENT] = "play-sent",     [SINK_STATE_PLAYING] = "playing",
        [SINK_STATE_PAUSED] = "paused",           [SINK_STATE_TEARDOWN_SENT] = "teardown-sent",
        [SINK_STATE_DONE] = "done",
};

struct pending_request {
        uint32_t cseq;
        enum rtsp_method method;
        bool idr;                               /* SET_PARAMETER wfd_idr_request (M13) */
        uint64_t sent_usec;
};

struct sink_options {
        const char *connect;                    /* HOST:PORT */
        const struct sink_profile *profile;
        unsigned rtp_port;
        uint64_t duration_usec;                 /* of PLAYING; 0 = until the source ends it */
        uint64_t timeout_usec;                  /* connect + negotiate */
        uint64_t stop_after_frames;             /* 0 = no limit */
        uint64_t min_frames;
        uint64_t idr_after;                     /* send M13 after this many frames; 0 = never */
        const char *png_path;
        const char *expect_mode;                /* "640x480p60" */
        bool expect_wfd_ts;                     /* PMT 0x0100, PCR 0x1000, video 0x1011, audio 0x1100 */
        bool expect_audio;                      /* audio chosen in M4 must arrive, in that codec */
        bool one_message_per_read;              /* fail when one recv() holds two RTSP messages */
        double expect_tone_hz;                  /* 0: any; else the tone within 2% */
        bool have_expect_level;
        double expect_level_dbfs;               /* the tone's RMS level within 1 dB */
        double max_av_offset_ms;                /* 0: not checked; else |median| and |worst| within */
        int64_t max_audio_gaps;                 /* -1: not checked */
        const char *uibc_script;                /* list UIBC in M3, send this script once enabled */
        int expect_uibc;                        /* -1 don't care, 0 fail when offered, 1 fail unless offered */
        bool verbose;
        const char *mice;                       /* --mice ADDR[:PORT]: wait for SOURCE_READY there first */
        int mice_variant;                       /* enum sink_mice_variant */
        bool rtcp;                              /* --rtcp: receiver reports to the source's RTP port + 1 */
        bool nack;                              /* --nack: also reorder and ask for lost packets again */
        uint64_t nack_hold_usec;                /* how long a gap may hold the stream back */
        bool ms_latency;                        /* --ms-latency: microsoft_latency_management_capability */
        bool tcp;                               /* --tcp: ask for RTP/AVP/TCP, accept on our RTP port */
        bool interleaved;                       /* --interleaved: RTP/AVP/TCP;interleaved=0-1, RTP and RTCP
                                                 * in the RTSP connection (implies tcp for M3) */
        uint64_t stall_usec;                    /* --stall-read SEC@AFTER: stop reading the RTSP connection
                                                 * for SEC (0: never stall) ... */
        uint64_t stall_after_usec;              /* ... from AFTER into PLAYING on */
};

/* --stall-read: our receive buffer (the kernel doubles it), so a stall fills the path quickly. */
#define STALL_RCVBUF_BYTES (16 * 1024)

/* --one-message-per-read: how long a slow receiver takes from wake-up to recv(). */
#define ONE_MESSAGE_READ_DELAY_USEC 5000

struct sink {
        struct sink_options opt;
        sd_event *event;
        int mice_fd;                            /* owned: the source's MS-MICE connection (--mice) */
        char mice_connect[80];                  /* where SOURCE_READY said to connect */

        int tcp_fd;                             /* owned */
        sd_event_source *tcp_io;                /* owned: EPOLLIN (+EPOLLOUT while out_len > 0) */
        int udp_fd;                             /* owned */
        sd_event_source *udp_io;                /* owned */
        sd_event_source *frame_io;              /* owned: sink_media_frame_fd() */
        sd_event_source *deadline_timer;        /* owned: negotiation / teardown deadline */
        sd_event_source *duration_timer;        /* owned: armed in PLAYING */
        struct sink_media *media;               /* owned */
        struct sink_uibc *uibc;                 /* owned; with --uibc-script */
        struct sink_rtcp *rtcp;                 /* owned; with --rtcp / --nack */
        int rtcp_fd;                            /* owned: our RTP port + 1 */
        sd_event_source *rtcp_io;               /* owned */
        sd_event_source *rtcp_timer;            /* owned: sink_rtcp_tick() every few ms */
        int rtp_listen_fd;                      /* owned: --tcp, our RTP port */
        sd_event_source *rtp_listen_io;         /* owned */
        int rtp_tcp_fd;                         /* owned: the source's RTP connection */
        sd_event_source *rtp_tcp_io;            /* owned */
        uint8_t rtp_tcp_buf[2 + 65535 + 65536]; /* RFC 4571 frames not yet complete */
        size_t rtp_tcp_len;
        bool rtp_tcp_seen;                      /* the source connected */
        bool rtp_tcp_bad;                       /* a frame shorter than an RTP header: framing lost */
        uint64_t il_rtp, il_rtcp, il_other;     /* --interleaved: frames per channel (0, 1, other) */
        sd_event_source *stall_timer;           /* owned: --stall-read, starts and then ends the stall */
        bool stalled;                           /* not reading the RTSP connection now */
        unsigned stalls_done;                   /* stalls started (at most one) */
        uint64_t stall_start_usec, stall_end_usec;
        struct sink_media_stats stall_start_st; /* at the start of the stall */
        struct sink_media_stats stall_end_st;   /* when it ended */
        unsigned stall_keepalives;              /* M16 answered before the stall ended */
        uint64_t stall_first_frame_usec;        /* the first picture decoded after it, 0 = none yet */
        uint64_t stall_first_key_usec;          /* the first keyframe decoded after it, 0 = none yet */
        uint16_t udp_port;

        struct rtsp_parser parser;
        char out[OUT_BUFFER_SIZE];
        size_t out_len;

        enum sink_state state;
        uint32_t next_cseq;
        struct pending_request pending[MAX_PENDING];
        size_t n_pending;
        bool m2_answered;

        char session_id[128];
        char presentation_url[512];
        char audio_format[512];
        char ms_latency[16];                    /* what M4 said for microsoft_latency_management_capability */
        struct sink_video_mode mode;
        bool have_mode;
        bool server_port_seen;

        uint64_t start_usec, play_usec;
        unsigned keepalives;                    /* M16 answered */
        unsigned m4_count;
        unsigned idr_requests;                  /* M13 sent */
        unsigned idr_replies;                   /* 200 to M13 */
        uint64_t idr_sent_keyframes;            /* keyframes decoded when the last M13 went out */
        bool idr_sent;

        const char *end;                        /* why the session ended */
        char failure[256];                      /* first failure, "" = none */
};

static uint64_t now_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000u;
}

static bool verbose;

__attribute__((format(printf, 1, 2))) static void sink_log(const char *fmt, ...)
{
        char line[1024];
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(line, sizeof(line), fmt, ap);
        va_end(ap);
        if (n < 0)
                return;
        fprintf(stderr, "sink: %s\n", line);
}

#define sink_debug(...)                                                          \
        do {                                                                     \
                if (verbose)                                                     \
                        sink_log(__VA_ARGS__);                                   \
        } while (0)

static void sink_uibc_maybe_start(struct sink *s)
{
        struct sockaddr_storage source = {};
        socklen_t len = sizeof(source);

        if (s->state != SINK_STATE_PLAYING || !sink_uibc_ready(s->uibc))
                return;
        if (getpeername(s->tcp_fd, (struct sockaddr *) &source, &len) < 0 ||
            sink_uibc_start(s->uibc, s->event, &source) < 0)
                sink_log("UIBC: cannot connect to the source's UIBC port");
}

static void sink_set_state(struct sink *s, enum sink_state state)
{
        if (s->state == state)
                return;
        sink_debug("state %s -> %s", sink_state_names[s->state], sink_state_names[state]);
        s->state = state;
        sink_uibc_maybe_start(s);
}

/* Record the first failure and end the session. */
__attribute__((format(printf, 2, 3))) static void sink_fail(struct sink *s, const char *fmt, ...)
{
        va_list ap;

        if (!s->failure[0]) {
                va_start(ap, fmt);
                vsnprintf(s->failure, sizeof(s->failure), fmt, ap);
                va_end(ap);
                sink_log("failed: %s", s->failure);
        }
        if (!s->end)
                s->end = "error";
        sink_set_state(s, SINK_STATE_DONE);
        (void) sd_event_exit(s->event, 1);
}

static void sink_done(struct sink *s, const char *end)
{
        if (!s->end)
                s->end = end;
        sink_set_state(s, SINK_STATE_DONE);
        (void) sd_event_exit(s->event, 0);
}

/* ---- output ---------------------------------------------------------------- */

static void sink_update_io(struct sink *s)
{
        uint32_t events = (s->stalled ? 0 : EPOLLIN) | (s->out_len > 0 ? EPOLLOUT : 0);

        if (!s->tcp_io)
                return;
        /* A stalled reader with nothing to write waits for nothing (not even a hang-up: it does not look). */
        (void) sd_event_source_set_enabled(s->tcp_io, events ? SD_EVENT_ON : SD_EVENT_OFF);
        if (events)
                (void) sd_event_source_set_io_events(s->tcp_io, events);
}

static int sink_flush(struct sink *s)
{
        while (s->out_len > 0) {
                ssize_t n = send(s->tcp_fd, s->out, s->out_len, MSG_NOSIGNAL);

                if (n < 0) {
                        if (errno == EAGAIN || errno == EINTR)
                                break;
                        return -errno;
                }
                memmove(s->out, s->out + n, s->out_len - (size_t) n);
                s->out_len -= (size_t) n;
        }
        sink_update_io(s);
        return 0;
}

static void sink_queue(struct sink *s, const char *buf, size_t len)
{
        int r;

        if (s->tcp_fd < 0)
                return;
        if (len > sizeof(s->out) - s->out_len) {
                sink_fail(s, "RTSP output buffer full (source not reading)");
                return;
        }
        if (verbose)
                fprintf(stderr, "sink: >>>\n%.*s\n", (int) len, buf);
        memcpy(s->out + s->out_len, buf, len);
        s->out_len += len;
        r = sink_flush(s);
        if (r < 0)
                sink_fail(s, "sending on the RTSP connection: %s", strerror(-r));
}

static void sink_reply(struct sink *s, const struct rtsp_message *req, unsigned status, const char *content_type,
                       const char *body, size_t body_len)
{
        char buf[8192];
        struct rtsp_builder b;
        uint32_t cseq = 0;
        ssize_t n;

        (void) rtsp_message_get_cseq(req, &cseq);
        rtsp_builder_init(&b, buf, sizeof(buf));
        rtsp_builder_status_line(&b, status, NULL);
        rtsp_builder_cseq(&b, cseq);
        if (s->session_id[0])
                rtsp_builder_session(&b, s->session_id, 0);
        if (s->opt.profile->user_agent)
                rtsp_builder_header(&b, "User-Agent", s->opt.profile->user_agent);
        if (req->method == RTSP_METHOD_OPTIONS)
                rtsp_builder_header(&b, "Public", "org.wfa.wfd1.0, GET_PARAMETER, SET_PARAMETER");
        n = rtsp_builder_finish(&b, content_type, body, body_len);
        if (n < 0) {
                sink_fail(s, "building a reply: %s", strerror((int) -n));
                return;
        }
        sink_queue(s, buf, (size_t) n);
}

/* Send a request; idr marks an M13. Body is text/parameters when non-NULL. */
static void sink_request(struct sink *s, enum rtsp_method method, const char *uri, const char *extra_name,
                         const char *extra_value, const char *body, bool idr)
{
        char buf[4096];
        struct rtsp_builder b;
        ssize_t n;

        if (s->n_pending >= MAX_PENDING) {
                sink_fail(s, "too many unanswered requests");
                return;
        }
        rtsp_builder_init(&b, buf, sizeof(buf));
        rtsp_builder_request_line(&b, rtsp_method_to_string(method), uri);
        rtsp_builder_cseq(&b, s->next_cseq);
        if (s->session_id[0] && method != RTSP_METHOD_OPTIONS && method != RTSP_METHOD_SETUP)
                rtsp_builder_session(&b, s->session_id, 0);
        if (extra_name)
                rtsp_builder_header(&b, extra_name, extra_value);
        if (s->opt.profile->user_agent)
                rtsp_builder_header(&b, "User-Agent", s->opt.profile->user_agent);
        n = rtsp_builder_finish(&b, body ? "text/parameters" : NULL, body, body ? strlen(body) : 0);
        if (n < 0) {
                sink_fail(s, "building a %s request: %s", rtsp_method_to_string(method), strerror((int) -n));
                return;
        }
        s->pending[s->n_pending++] = (struct pending_request) {
                .cseq = s->next_cseq, .method = method, .idr = idr, .sent_usec = now_usec(),
        };
        s->next_cseq++;
        sink_queue(s, buf, (size_t) n);
}

static const char *sink_stream_uri(struct sink *s)
{
        if (s->opt.profile->setup_to_localhost || !s->presentation_url[0])
                return "rtsp://localhost/wfd1.0";
        return s->presentation_url;
}

static void sink_send_setup(struct sink *s)
{
        char transport[128];

        if (s->opt.interleaved) {
                snprintf(transport, sizeof(transport), "RTP/AVP/TCP;unicast;interleaved=0-1");
                /* the source may put frames between its messages from its SETUP reply on */
                rtsp_parser_set_interleaved(&s->parser, true);
        } else
                snprintf(transport, sizeof(transport), "RTP/AVP/%s;unicast;client_port=%u",
                         s->opt.tcp ? "TCP" : "UDP", s->udp_port);
        sink_request(s, RTSP_METHOD_SETUP, sink_stream_uri(s), "Transport", transport, NULL, false);
        sink_set_state(s, SINK_STATE_SETUP_SENT);
}

static void sink_send_teardown(struct sink *s, const char *end)
{
        if (s->state == SINK_STATE_TEARDOWN_SENT || s->state == SINK_STATE_DONE)
                return;
        if (!s->end)
                s->end = end;
        sink_log("tearing down (%s)", end);
        sink_request(s, RTSP_METHOD_TEARDOWN, sink_stream_uri(s), NULL, NULL, NULL, false);
        if (s->state == SINK_STATE_DONE)
                return;
        sink_set_state(s, SINK_STATE_TEARDOWN_SENT);
        /* Wait for the reply (or the source closing) at most this long. */
        (void) sd_event_source_set_time_relative(s->deadline_timer, REPLY_TIMEOUT_USEC);
        (void) sd_event_source_set_enabled(s->deadline_timer, SD_EVENT_ONESHOT);
}

static void sink_send_idr_request(struct sink *s)
{
        struct sink_media_stats st;

        sink_media_get_stats(s->media, &st);
        s->idr_sent_keyframes = st.keyframes;
        s->idr_sent = true;
        s->idr_requests++;
        sink_log("sending M13 IDR request after %" PRIu64 " frames", st.frames);
        sink_request(s, RTSP_METHOD_SET_PARAMETER, sink_stream_uri(s), NULL, NULL, "wfd_idr_request\r\n", true);
}

/* ---- incoming requests ------------------------------------------------------ */

static void sink_handle_m3(struct sink *s, const struct rtsp_message *req)
{
        char body[8192];
        size_t len = 0;
        const char *p = req->body, *end = req->body + req->body_len;

        if (s->opt.profile->strict_m2_before_m3 && !s->m2_answered) {
                /* MS adapters drop the connection when M3 comes before M2 was answered. */
                sink_fail(s, "M3 arrived before the source answered M2 (profile %s drops the connection)",
                          s->opt.profile->name);
                return;
        }

        while (p < end) {
                const char *eol = memchr(p, '\n', (size_t) (end - p));
                const char *le = eol ? eol : end;
                char name[128];
                const char *value;
                size_t nl;

                while (le > p && (le[-1] == '\r' || le[-1] == ' '))
                        le--;
                nl = (size_t) (le - p);
                p = eol ? eol + 1 : end;
                if (nl == 0 || nl >= sizeof(name))
                        continue;
                memcpy(name, le - nl, nl);
                name[nl] = '\0';
                value = s->uibc && strcmp(name, "wfd_uibc_capability") == 0 ? SINK_UIBC_CAPABILITY
                        : s->opt.ms_latency && strcmp(name, "microsoft_latency_management_capability") == 0
                                ? "supported"
                                : sink_profile_get(s->opt.profile, name);
                if (!value) {
                        sink_debug("M3 asks for %s, profile %s omits it", name, s->opt.profile->name);
                        continue;
                }
                if (strcmp(name, "wfd_client_rtp_ports") == 0)
                        len += (size_t) snprintf(body + len, sizeof(body) - len,
                                                 "%s: RTP/AVP/%s;unicast %u 0 mode=play\r\n", name,
                                                 s->opt.tcp ? "TCP" : "UDP", s->udp_port);
                else
                        len += (size_t) snprintf(body + len, sizeof(body) - len, "%s: %s\r\n", name, value);
                if (len >= sizeof(body)) {
                        sink_reply(s, req, RTSP_STATUS_INTERNAL_SERVER_ERROR, NULL, NULL, 0);
                        return;
                }
        }
        sink_reply(s, req, RTSP_STATUS_OK, "text/parameters", body, len);
}

static void sink_handle_m4(struct sink *s, const struct rtsp_message *req)
{
        char value[512], port_value[128];
        struct sink_video_mode mode;
        char mode_str[32];
        int r;

        r = sink_body_get(req->body, req->body_len, "wfd_video_formats", value, sizeof(value));
        if (r == 0) {
                r = sink_parse_video_format(value, &mode);
                if (r < 0) {
                        static const char bad[] = "wfd_video_formats: 457\r\n";
                        sink_reply(s, req, RTSP_STATUS_SEE_OTHER, "text/parameters", bad, sizeof(bad) - 1);
                        sink_fail(s, "M4 wfd_video_formats is not exactly one known mode (%s): \"%s\"",
                                  r == -ENOTUNIQ ? "not one bit" : "malformed", value);
                        return;
                }
                if (mode.interlaced) {
                        sink_fail(s, "M4 picked an interlaced mode");
                        return;
                }
                s->mode = mode;
                s->have_mode = true;
                sink_video_mode_to_string(&mode, mode_str, sizeof(mode_str));
                sink_log("M4: video %s %s %s (%s bit %u)", mode_str, sink_profile_bits_to_string(mode.profile_bits),
                         sink_level_bits_to_string(mode.level_bits), mode.table, mode.bit);
        }
        if (sink_body_get(req->body, req->body_len, "microsoft_latency_management_capability", value,
                          sizeof(value)) == 0) {
                snprintf(s->ms_latency, sizeof(s->ms_latency), "%.15s", value);
                sink_log("M4: latency mode %s", value);
        }
        if (sink_body_get(req->body, req->body_len, "wfd_audio_codecs", value, sizeof(value)) == 0) {
                snprintf(s->audio_format, sizeof(s->audio_format), "%s", value);
                sink_log("M4: audio %s", value);
        }
        if (sink_body_get(req->body, req->body_len, "wfd_presentation_URL", value, sizeof(value)) == 0) {
                char *sp = strchr(value, ' ');
                if (sp)
                        *sp = '\0';
                snprintf(s->presentation_url, sizeof(s->presentation_url), "%s", value);
        }
        if (sink_body_get(req->body, req->body_len, "wfd_client_rtp_ports", value, sizeof(value)) == 0) {
                snprintf(port_value, sizeof(port_value), "RTP/AVP/%s;unicast %u 0 mode=play",
                         s->opt.tcp ? "TCP" : "UDP", s->udp_port);
                if (strcmp(value, port_value) != 0) {
                        sink_fail(s, "M4 wfd_client_rtp_ports \"%s\" is not our \"%s\"", value, port_value);
                        return;
                }
        }
        if (!s->have_mode) {
                sink_fail(s, "M4 without wfd_video_formats");
                return;
        }
        s->m4_count++;
        sink_reply(s, req, RTSP_STATUS_OK, NULL, NULL, 0);
        if (s->state == SINK_STATE_CAPS)
                sink_set_state(s, SINK_STATE_READY);
}

static void sink_handle_trigger(struct sink *s, const struct rtsp_message *req, const char *method)
{
        sink_reply(s, req, RTSP_STATUS_OK, NULL, NULL, 0);
        sink_log("M5 trigger %s", method);
        if (strcmp(method, "SETUP") == 0) {
                if (s->state != SINK_STATE_READY) {
                        sink_fail(s, "M5 SETUP trigger in state %s", sink_state_names[s->state]);
                        return;
                }
                sink_send_setup(s);
        } else if (strcmp(method, "PLAY") == 0) {
                if (s->state == SINK_STATE_PAUSED) {
                        sink_request(s, RTSP_METHOD_PLAY, sink_stream_uri(s), NULL, NULL, NULL, false);
                        sink_set_state(s, SINK_STATE_PLAY_SENT);
                }
        } else if (strcmp(method, "PAUSE") == 0) {
                if (s->state == SINK_STATE_PLAYING)
                        sink_request(s, RTSP_METHOD_PAUSE, sink_stream_uri(s), NULL, NULL, NULL, false);
        } else if (strcmp(method, "TEARDOWN") == 0) {
                if (s->state < SINK_STATE_SETUP_SENT)
                        sink_done(s, "source-teardown");
                else
                        sink_send_teardown(s, "source-teardown");
        } else
                sink_fail(s, "unknown wfd_trigger_method \"%s\"", method);
}

static void sink_handle_request(struct sink *s, const struct rtsp_message *req)
{
        char value[64];

        switch (req->method) {
        case RTSP_METHOD_OPTIONS: {
                const char *require = rtsp_message_get_header(req, "Require");

                if (!require || !rtsp_list_contains(require, "org.wfa.wfd1.0")) {
                        sink_reply(s, req, RTSP_STATUS_OPTION_NOT_SUPPORTED, NULL, NULL, 0);
                        sink_fail(s, "M1 without \"Require: org.wfa.wfd1.0\"");
                        return;
                }
                sink_reply(s, req, RTSP_STATUS_OK, NULL, NULL, 0);
                if (s->state == SINK_STATE_WAIT_M1) {
                        /* M2: our OPTIONS, right after answering M1. */
                        sink_request(s, RTSP_METHOD_OPTIONS, "*", "Require", "org.wfa.wfd1.0", NULL, false);
                        sink_set_state(s, SINK_STATE_CAPS);
                }
                return;
        }
        case RTSP_METHOD_GET_PARAMETER:
                if (req->body_len == 0) {
                        /* M16 keep-alive */
                        s->keepalives++;
                        sink_debug("M16 keep-alive #%u", s->keepalives);
                        sink_reply(s, req, RTSP_STATUS_OK, NULL, NULL, 0);
                } else
                        sink_handle_m3(s, req);
                return;
        case RTSP_METHOD_SET_PARAMETER:
                sink_uibc_params(s->uibc, req->body, req->body_len);
                sink_uibc_maybe_start(s);
                if (sink_body_get(req->body, req->body_len, "wfd_trigger_method", value, sizeof(value)) == 0) {
                        sink_handle_trigger(s, req, value);
                        return;
                }
                if (sink_body_get(req->body, req->body_len, "wfd_video_formats", value, sizeof(value)) != -ENOENT) {
                        sink_handle_m4(s, req);
                        return;
                }
                /* Other parameters (M4 without video, vendor ones): accept and ignore. */
                sink_reply(s, req, RTSP_STATUS_OK, NULL, NULL, 0);
                return;
        default:
                sink_reply(s, req, RTSP_STATUS_NOT_IMPLEMENTED, NULL, NULL, 0);
                return;
        }
}

/* ---- incoming responses ----------------------------------------------------- */

static void sink_handle_response(struct sink *s, const struct rtsp_message *rsp)
{
        struct pending_request req;
        uint32_t cseq;
        size_t i;
        int r;

        r = rtsp_message_get_cseq(rsp, &cseq);
        if (r < 0) {
                sink_fail(s, "reply without a valid CSeq");
                return;
        }
        for (i = 0; i < s->n_pending; i++)
                if (s->pending[i].cseq == cseq)
                        break;
        if (i == s->n_pending) {
                sink_fail(s, "reply with CSeq %u that matches no request of ours", cseq);
                return;
        }
        req = s->pending[i];
        memmove(&s->pending[i], &s->pending[i + 1], (s->n_pending - i - 1) * sizeof(s->pending[0]));
        s->n_pending--;

        if (rsp->status != RTSP_STATUS_OK && !(req.method == RTSP_METHOD_TEARDOWN)) {
                sink_fail(s, "source answered our %s with %u %s", req.idr ? "M13" : rtsp_method_to_string(req.method),
                          rsp->status, rsp->reason);
                return;
        }

        switch (req.method) {
        case RTSP_METHOD_OPTIONS: {
                static const char *const needed[] = {
                        "org.wfa.wfd1.0", "SETUP", "TEARDOWN", "PLAY", "PAUSE", "GET_PARAMETER", "SET_PARAMETER",
                };
                const char *pub = rtsp_message_get_header(rsp, "Public");

                for (size_t k = 0; k < ARRAY_SIZE(needed); k++)
                        if (!pub || !rtsp_list_contains(pub, needed[k])) {
                                sink_fail(s, "M2 reply's Public lacks %s", needed[k]);
                                return;
                        }
                s->m2_answered = true;
                return;
        }
        case RTSP_METHOD_SETUP: {
                const char *t = rtsp_message_get_header(rsp, "Transport");
                struct rtsp_transport tr;
                unsigned timeout = 0;

                r = rtsp_message_get_session(rsp, s->session_id, sizeof(s->session_id), &timeout);
                if (r < 0) {
                        sink_fail(s, "SETUP reply without a usable Session header");
                        return;
                }
                if (!t || rtsp_transport_parse(t, &tr) < 0) {
                        sink_fail(s, "SETUP reply without a usable Transport header");
                        return;
                }
                if (s->opt.interleaved && (!tr.interleaved || tr.interleaved_channel[0] != 0 ||
                                           tr.interleaved_channel[1] != 1)) {
                        sink_fail(s, "SETUP reply Transport \"%s\" is not interleaved=0-1", t);
                        return;
                }
                if (!s->opt.interleaved && (!tr.has_client_port || tr.client_port[0] != s->udp_port)) {
                        sink_fail(s, "SETUP reply Transport does not echo client_port=%u", s->udp_port);
                        return;
                }
                if (s->opt.tcp != (tr.lower == RTSP_LOWER_TRANSPORT_TCP)) {
                        sink_fail(s, "SETUP reply Transport \"%s\" is not RTP/AVP/%s", t, s->opt.tcp ? "TCP" : "UDP");
                        return;
                }
                s->server_port_seen = tr.has_server_port;
                sink_log("SETUP: session %s timeout %u server_port %s", s->session_id, timeout,
                         tr.has_server_port ? "present" : "missing");
                sink_request(s, RTSP_METHOD_PLAY, sink_stream_uri(s), NULL, NULL, NULL, false);
                sink_set_state(s, SINK_STATE_PLAY_SENT);
                return;
        }
        case RTSP_METHOD_PLAY:
                if (s->state != SINK_STATE_PLAY_SENT)
                        return;
                sink_set_state(s, SINK_STATE_PLAYING);
                if (!s->play_usec) {
                        s->play_usec = now_usec();
                        (void) sd_event_source_set_enabled(s->deadline_timer, SD_EVENT_OFF);
                        if (s->opt.duration_usec > 0) {
                                (void) sd_event_source_set_time_relative(s->duration_timer, s->opt.duration_usec);
                                (void) sd_event_source_set_enabled(s->duration_timer, SD_EVENT_ONESHOT);
                        }
                        if (s->stall_timer) {
                                (void) sd_event_source_set_time_relative(s->stall_timer, s->opt.stall_after_usec);
                                (void) sd_event_source_set_enabled(s->stall_timer, SD_EVENT_ONESHOT);
                        }
                }
                sink_log("PLAY accepted, streaming");
                return;
        case RTSP_METHOD_PAUSE:
                if (s->state == SINK_STATE_PLAYING)
                        sink_set_state(s, SINK_STATE_PAUSED);
                return;
        case RTSP_METHOD_TEARDOWN:
                if (rsp->status != RTSP_STATUS_OK)
                        sink_fail(s, "source answered TEARDOWN with %u", rsp->status);
                else
                        sink_done(s, s->end ? s->end : "teardown");
                return;
        case RTSP_METHOD_SET_PARAMETER:
                if (req.idr)
                        s->idr_replies++;
                return;
        default:
                return;
        }
}

/* --interleaved: RTP on channel 0, the source's SRs on channel 1. */
static void sink_interleaved_frame(struct sink *s, const struct rtsp_interleaved_frame *f)
{
        if (f->channel == 0) {
                s->il_rtp++;
                if (f->len < 12)
                        s->rtp_tcp_bad = true;
                if (s->rtcp)
                        sink_rtcp_feed(s->rtcp, f->data, f->len, NULL, now_usec());
                else
                        sink_media_feed_rtp(s->media, f->data, f->len);
        } else if (f->channel == 1) {
                s->il_rtcp++;
                if (s->rtcp)
                        sink_rtcp_feed_rtcp(s->rtcp, f->data, f->len, now_usec());
        } else
                s->il_other++;
}

/* --interleaved --rtcp: our reports go to the source as '$' frames on channel 1. */
static void sink_send_interleaved_rtcp(void *data, const uint8_t *buf, size_t len)
{
        struct sink *s = data;
        char frame[4 + 2048];

        if (len > sizeof(frame) - 4)
                return;
        frame[0] = '$';
        frame[1] = 1;
        frame[2] = (char) (len >> 8);
        frame[3] = (char) len;
        memcpy(frame + 4, buf, len);
        sink_queue(s, frame, 4 + len);
}

/* ---- event callbacks -------------------------------------------------------- */

static int on_tcp(sd_event_source *es, int fd, uint32_t revents, void *userdata)
{
        struct sink *s = userdata;
        char buf[16384];
        ssize_t n;
        int r;

        if (revents & EPOLLOUT) {
                r = sink_flush(s);
                if (r < 0) {
                        sink_fail(s, "sending on the RTSP connection: %s", strerror(-r));
                        return 0;
                }
        }
        if (!(revents & (EPOLLIN | EPOLLHUP | EPOLLERR)) || s->stalled)
                return 0;

        /* A receiver on a small board does not call recv() the instant data arrives. */
        if (s->opt.one_message_per_read)
                (void) usleep(ONE_MESSAGE_READ_DELAY_USEC);
        n = recv(fd, buf, sizeof(buf), 0);
        if (n < 0) {
                if (errno == EAGAIN || errno == EINTR)
                        return 0;
                sink_fail(s, "reading the RTSP connection: %m");
                return 0;
        }
        if (n == 0) {
                if (s->state == SINK_STATE_TEARDOWN_SENT)
                        sink_done(s, s->end ? s->end : "teardown");
                else
                        sink_fail(s, "source closed the RTSP connection in state %s", sink_state_names[s->state]);
                return 0;
        }

        unsigned messages = 0;
        for (size_t off = 0; off < (size_t) n;) {
                struct rtsp_interleaved_frame f;
                struct rtsp_message msg;

                off += rtsp_parser_feed(&s->parser, buf + off, (size_t) n - off);
                for (;;) {
                        r = rtsp_parser_next_item(&s->parser, &msg, &f);
                        if (r == -EAGAIN)
                                break;
                        if (r == RTSP_ITEM_FRAME) {
                                sink_interleaved_frame(s, &f);
                                continue;
                        }
                        if (r < 0) {
                                sink_fail(s, "bad RTSP from the source: %s", rtsp_error_to_string(r));
                                return 0;
                        }
                        /* Such a receiver handles the first message of a read and loses the rest,
                         * then waits forever for what it lost (docs/rtsp-pacing.md). */
                        if (s->opt.one_message_per_read && ++messages > 1) {
                                sink_fail(s, "two RTSP messages from the source in one read (in state %s, "
                                          "the second %s %s): a one-message-per-read receiver stalls here",
                                          sink_state_names[s->state],
                                          msg.type == RTSP_MESSAGE_REQUEST ? msg.method_name : "reply",
                                          msg.type == RTSP_MESSAGE_REQUEST ? msg.uri : msg.reason);
                                return 0;
                        }
                        if (verbose)
                                fprintf(stderr, "sink: <<< %s %s (%zu body bytes)\n%.*s\n",
                                        msg.type == RTSP_MESSAGE_REQUEST ? msg.method_name : "reply",
                                        msg.type == RTSP_MESSAGE_REQUEST ? msg.uri : msg.reason, msg.body_len,
                                        (int) msg.body_len, msg.body);
                        if (msg.type == RTSP_MESSAGE_REQUEST)
                                sink_handle_request(s, &msg);
                        else
                                sink_handle_response(s, &msg);
                        if (s->state == SINK_STATE_DONE)
                                return 0;
                }
        }
        return 0;
}

static int on_udp(sd_event_source *es, int fd, uint32_t revents, void *userdata)
{
        struct sink *s = userdata;
        uint8_t buf[65536];

        for (int i = 0; i < 256; i++) {
                struct sockaddr_storage from;
                socklen_t fl = sizeof(from);
                ssize_t n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *) &from, &fl);

                if (n < 0)
                        break;
                if (s->rtcp)
                        sink_rtcp_feed(s->rtcp, buf, (size_t) n, &from, now_usec());
                else
                        sink_media_feed_rtp(s->media, buf, (size_t) n);
        }
        return 0;
}

/* --tcp: RFC 4571 frames from the source's connection, each an RTP packet. */
static int on_rtp_tcp(sd_event_source *es, int fd, uint32_t revents, void *userdata)
{
        struct sink *s = userdata;
        size_t off = 0;
        ssize_t n;

        n = recv(fd, s->rtp_tcp_buf + s->rtp_tcp_len, sizeof(s->rtp_tcp_buf) - s->rtp_tcp_len, MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
                s->rtp_tcp_io = sd_event_source_disable_unref(s->rtp_tcp_io);
                s->rtp_tcp_fd = safe_close(s->rtp_tcp_fd);
                return 0;
        }
        if (n < 0)
                return 0;
        s->rtp_tcp_len += (size_t) n;
        while (s->rtp_tcp_len - off >= 2) {
                size_t len = (size_t) s->rtp_tcp_buf[off] << 8 | s->rtp_tcp_buf[off + 1];

                if (len < 12)
                        s->rtp_tcp_bad = true;
                if (s->rtp_tcp_len - off < 2 + len)
                        break;
                sink_media_feed_rtp(s->media, s->rtp_tcp_buf + off + 2, len);
                off += 2 + len;
        }
        memmove(s->rtp_tcp_buf, s->rtp_tcp_buf + off, s->rtp_tcp_len - off);
        s->rtp_tcp_len -= off;
        return 0;
}

static int on_rtp_listen(sd_event_source *es, int fd, uint32_t revents, void *userdata)
{
        struct sink *s = userdata;
        int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

        if (c < 0)
                return 0;
        if (s->rtp_tcp_fd >= 0) {
                close(c); /* one RTP connection per session */
                return 0;
        }
        s->rtp_tcp_fd = c;
        s->rtp_tcp_seen = true;
        sink_log("RTP over TCP: the source connected");
        return sd_event_add_io(s->event, &s->rtp_tcp_io, c, EPOLLIN, on_rtp_tcp, s);
}

/* --tcp: listen on our RTP port number (TCP), where SETUP tells the source to connect. */
static int sink_open_rtp_tcp(struct sink *s)
{
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);
        int fd, r;

        if (getsockname(s->udp_fd, (struct sockaddr *) &ss, &sl) < 0)
                return -errno;
        fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        (void) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &(int) { 4 << 20 }, sizeof(int));
        if (bind(fd, (struct sockaddr *) &ss, sl) < 0 || listen(fd, 2) < 0) {
                r = -errno;
                close(fd);
                return r;
        }
        s->rtp_listen_fd = fd;
        return sd_event_add_io(s->event, &s->rtp_listen_io, fd, EPOLLIN, on_rtp_listen, s);
}

static int on_rtcp(sd_event_source *es, int fd, uint32_t revents, void *userdata)
{
        struct sink *s = userdata;

        sink_rtcp_receive(s->rtcp, now_usec());
        return 0;
}

#define RTCP_TICK_USEC 5000ULL

static int on_rtcp_timer(sd_event_source *es, uint64_t usec, void *userdata)
{
        struct sink *s = userdata;

        sink_rtcp_tick(s->rtcp, now_usec());
        return sd_event_source_set_time(es, usec + RTCP_TICK_USEC);
}

/* Our RTCP socket: the RTP socket's address, port + 1. */
static int sink_open_rtcp(struct sink *s)
{
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);
        int fd, r;

        if (getsockname(s->udp_fd, (struct sockaddr *) &ss, &sl) < 0)
                return -errno;
        if (ss.ss_family == AF_INET)
                ((struct sockaddr_in *) &ss)->sin_port = htons((uint16_t) (s->udp_port + 1));
        else
                ((struct sockaddr_in6 *) &ss)->sin6_port = htons((uint16_t) (s->udp_port + 1));
        fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        if (bind(fd, (struct sockaddr *) &ss, sl) < 0) {
                r = -errno;
                close(fd);
                return r;
        }
        s->rtcp_fd = fd;
        r = sink_rtcp_new(s->media, fd, s->opt.nack, s->opt.nack_hold_usec, &s->rtcp);
        if (r >= 0 && s->opt.interleaved)
                sink_rtcp_set_sender(s->rtcp, sink_send_interleaved_rtcp, s);
        if (r >= 0)
                r = sd_event_add_io(s->event, &s->rtcp_io, fd, EPOLLIN, on_rtcp, s);
        if (r >= 0)
                r = sd_event_add_time_relative(s->event, &s->rtcp_timer, CLOCK_MONOTONIC, RTCP_TICK_USEC, 1000,
                                               on_rtcp_timer, s);
        if (r >= 0)
                r = sd_event_source_set_enabled(s->rtcp_timer, SD_EVENT_ON);
        return r;
}

static int on_frame(sd_event_source *es, int fd, uint32_t revents, void *userdata)
{
        struct sink *s = userdata;
        struct sink_media_stats st;
        uint64_t v;

        (void) !read(fd, &v, sizeof(v));
        sink_media_get_stats(s->media, &st);
        if (st.error[0] && s->state != SINK_STATE_TEARDOWN_SENT && s->state != SINK_STATE_DONE) {
                sink_fail(s, "decoder: %s", st.error);
                return 0;
        }
        if (s->stall_end_usec && !s->stall_first_frame_usec && st.frames > s->stall_end_st.frames)
                s->stall_first_frame_usec = now_usec();
        if (s->stall_end_usec && !s->stall_first_key_usec && st.keyframes > s->stall_end_st.keyframes)
                s->stall_first_key_usec = now_usec();
        if (s->state != SINK_STATE_PLAYING)
                return 0;
        if (s->opt.idr_after > 0 && !s->idr_sent && st.frames >= s->opt.idr_after)
                sink_send_idr_request(s);
        if (s->opt.stop_after_frames > 0 && st.frames >= s->opt.stop_after_frames &&
            s->opt.mice_variant == SINK_MICE_STOP && s->mice_fd >= 0) {
                /* MS-MICE: the sink ends the projection on 7250, the source closes RTSP. */
                (void) sink_mice_send_stop(s->mice_fd);
                s->mice_fd = safe_close(s->mice_fd);
                s->opt.stop_after_frames = 0;
                return 0;
        }
        if (s->opt.stop_after_frames > 0 && st.frames >= s->opt.stop_after_frames &&
            (!s->idr_sent || st.keyframes > s->idr_sent_keyframes))
                sink_send_teardown(s, "frames");
        return 0;
}

static int on_deadline(sd_event_source *es, uint64_t usec, void *userdata)
{
        struct sink *s = userdata;

        if (s->state == SINK_STATE_TEARDOWN_SENT)
                sink_fail(s, "no reply to TEARDOWN within %llu s", REPLY_TIMEOUT_USEC / USEC_PER_SEC);
        else
                sink_fail(s, "timeout in state %s", sink_state_names[s->state]);
        return 0;
}

/* --stall-read: the first call stops reading the RTSP connection, the second reads again. */
static int on_stall(sd_event_source *es, uint64_t usec, void *userdata)
{
        struct sink *s = userdata;

        if (!s->stalled && s->stalls_done == 0) {
                if (s->state != SINK_STATE_PLAYING)
                        return 0; /* not playing (ended, paused): nothing to stall */
                s->stalled = true;
                s->stalls_done++;
                s->stall_start_usec = now_usec();
                sink_media_get_stats(s->media, &s->stall_start_st);
                sink_log("stalling: not reading the RTSP connection for %.1f s",
                         (double) s->opt.stall_usec / USEC_PER_SEC);
                sink_update_io(s);
                (void) sd_event_source_set_time_relative(es, s->opt.stall_usec);
                return sd_event_source_set_enabled(es, SD_EVENT_ONESHOT);
        }
        if (!s->stalled)
                return 0;
        s->stalled = false;
        s->stall_end_usec = now_usec();
        sink_media_get_stats(s->media, &s->stall_end_st);
        s->stall_keepalives = s->keepalives;
        sink_log("stall over after %.1f s: reading again",
                 (double) (s->stall_end_usec - s->stall_start_usec) / USEC_PER_SEC);
        sink_update_io(s);
        return 0;
}

static int on_duration(sd_event_source *es, uint64_t usec, void *userdata)
{
        sink_send_teardown(userdata, "duration");
        return 0;
}

static int on_signal(sd_event_source *es, const struct signalfd_siginfo *si, void *userdata)
{
        struct sink *s = userdata;

        sink_log("got %s", strsignal((int) si->ssi_signo));
        if (s->state >= SINK_STATE_SETUP_SENT && s->state < SINK_STATE_TEARDOWN_SENT)
                sink_send_teardown(s, "signal");
        else if (s->state != SINK_STATE_TEARDOWN_SENT) {
                s->end = "signal";
                sink_fail(s, "interrupted in state %s", sink_state_names[s->state]);
        }
        return 0;
}

/* ---- set-up ----------------------------------------------------------------- */

static int parse_host_port(const char *arg, char *host, size_t host_size, char *port, size_t port_size)
{
        const char *colon;

        if (arg[0] == '[') {            /* [v6]:port */
                const char *close = strchr(arg, ']');
                if (!close || close[1] != ':')
                        return -EINVAL;
                snprintf(host, host_size, "%.*s", (int) (close - arg - 1), arg + 1);
                snprintf(port, port_size, "%s", close + 2);
                return 0;
        }
        colon = strrchr(arg, ':');
        if (!colon || colon == arg || !colon[1])
                return -EINVAL;
        snprintf(host, host_size, "%.*s", (int) (colon - arg), arg);
        snprintf(port, port_size, "%s", colon + 1);
        return 0;
}

/* Connect, retrying until the deadline: the source may still be starting. */
static int sink_connect(struct sink *s)
{
        char host[256], port[16];
        struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
        uint64_t deadline = now_usec() + s->opt.timeout_usec;
        int r, last = 0;

        if (parse_host_port(s->opt.connect, host, sizeof(host), port, sizeof(port)) < 0) {
                sink_log("--connect wants HOST:PORT, got \"%s\"", s->opt.connect);
                return -EINVAL;
        }
        r = getaddrinfo(host, port, &hints, &ai);
        if (r != 0) {
                sink_log("cannot resolve %s: %s", s->opt.connect, gai_strerror(r));
                return -EADDRNOTAVAIL;
        }
        for (;;) {
                for (struct addrinfo *a = ai; a; a = a->ai_next) {
                        int fd = socket(a->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
                        if (fd < 0) {
                                last = -errno;
                                continue;
                        }
                        /* before connect(): the window the source sees follows it (and stops autotuning) */
                        if (s->opt.stall_usec > 0)
                                (void) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &(int) { STALL_RCVBUF_BYTES },
                                                  sizeof(int));
                        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
                                freeaddrinfo(ai);
                                s->tcp_fd = fd;
                                return 0;
                        }
                        last = -errno;
                        close(fd);
                }
                if (now_usec() >= deadline)
                        break;
                usleep(100 * 1000);
        }
        freeaddrinfo(ai);
        sink_log("cannot connect to %s: %s", s->opt.connect, strerror(-last));
        return last;
}

/* UDP socket on the address the TCP connection uses locally, so netns/veth setups work. */
static int sink_open_udp(struct sink *s)
{
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);
        int fd, bufsize = 4 << 20;

        if (getsockname(s->tcp_fd, (struct sockaddr *) &ss, &sl) < 0)
                return -errno;
        if (ss.ss_family == AF_INET)
                ((struct sockaddr_in *) &ss)->sin_port = htons((uint16_t) s->opt.rtp_port);
        else if (ss.ss_family == AF_INET6)
                ((struct sockaddr_in6 *) &ss)->sin6_port = htons((uint16_t) s->opt.rtp_port);
        else
                return -EAFNOSUPPORT;

        fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        /* A 1080p IDR is hundreds of packets at once; give the kernel room. */
        (void) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsize, sizeof(bufsize));
        if (bind(fd, (struct sockaddr *) &ss, sl) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        sl = sizeof(ss);
        if (getsockname(fd, (struct sockaddr *) &ss, &sl) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        s->udp_port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *) &ss)->sin_port
                                                     : ((struct sockaddr_in6 *) &ss)->sin6_port);
        s->udp_fd = fd;
        return 0;
}

static void sink_free(struct sink *s)
{
        s->duration_timer = sd_event_source_disable_unref(s->duration_timer);
        s->stall_timer = sd_event_source_disable_unref(s->stall_timer);
        s->deadline_timer = sd_event_source_disable_unref(s->deadline_timer);
        s->frame_io = sd_event_source_disable_unref(s->frame_io);
        s->udp_io = sd_event_source_disable_unref(s->udp_io);
        s->rtcp_io = sd_event_source_disable_unref(s->rtcp_io);
        s->rtcp_timer = sd_event_source_disable_unref(s->rtcp_timer);
        s->rtcp = sink_rtcp_free(s->rtcp);
        s->rtcp_fd = safe_close(s->rtcp_fd);
        s->rtp_tcp_io = sd_event_source_disable_unref(s->rtp_tcp_io);
        s->rtp_listen_io = sd_event_source_disable_unref(s->rtp_listen_io);
        s->rtp_tcp_fd = safe_close(s->rtp_tcp_fd);
        s->rtp_listen_fd = safe_close(s->rtp_listen_fd);
        s->tcp_io = sd_event_source_disable_unref(s->tcp_io);
        s->media = sink_media_free(s->media);
        s->uibc = sink_uibc_free(s->uibc);
        s->udp_fd = safe_close(s->udp_fd);
        s->tcp_fd = safe_close(s->tcp_fd);
        s->event = sd_event_unref(s->event);
        free(s);
}

/*
 * --stall-read: " stall=STATE" (none: never started, ongoing: the session ended during it, done) and
 * what was decoded before it, during it (what the kernel buffers held) and after it, the keyframes
 * after it, how long after it the first picture and the first keyframe came (-1: none), the
 * keep-alives answered after it.
 */
static void sink_stall_summary(struct sink *s, const struct sink_media_stats *st, char *buf, size_t size)
{
        const struct sink_media_stats *a = &s->stall_start_st, *b = &s->stall_end_st;
        bool done = s->stall_end_usec > 0;

        buf[0] = 0;
        if (!s->opt.stall_usec)
                return;
        if (!s->stalls_done) {
                snprintf(buf, size, " stall=none");
                return;
        }
        if (!done)
                b = st;
        snprintf(buf, size,
                 " stall=%s stall_ms=%" PRIu64 " stall_frames_before=%" PRIu64 " stall_frames_during=%" PRIu64
                 " stall_frames_after=%" PRIu64 " stall_keyframes_after=%" PRIu64 " stall_first_frame_after_ms=%lld"
                 " stall_first_keyframe_after_ms=%lld stall_keepalives_after=%u",
                 done ? "done" : "ongoing", ((done ? s->stall_end_usec : now_usec()) - s->stall_start_usec) / 1000,
                 a->frames, b->frames - a->frames, done ? st->frames - b->frames : 0,
                 done ? st->keyframes - b->keyframes : 0,
                 s->stall_first_frame_usec ? (long long) (s->stall_first_frame_usec - s->stall_end_usec) / 1000 : -1LL,
                 s->stall_first_key_usec ? (long long) (s->stall_first_key_usec - s->stall_end_usec) / 1000 : -1LL,
                 done ? s->keepalives - s->stall_keepalives : 0);
}

/* Compare what we got with what was negotiated and print the SINK line. Returns the exit status. */
static int sink_report(struct sink *s)
{
        struct sink_media_stats st;
        struct sink_rtcp_stats rs = {};
        char mode[32] = "none", why[300] = "", m4_audio[16] = "none", uibc[256], stall[512];
        bool decoded;
        int r;

        /* The codec name of the M4 audio choice ("LPCM 00000002 00" -> "LPCM"). */
        if (s->audio_format[0] && strcmp(s->audio_format, "none") != 0)
                snprintf(m4_audio, sizeof(m4_audio), "%.*s", (int) strcspn(s->audio_format, " "), s->audio_format);

        sink_media_stop(s->media);
        sink_media_get_stats(s->media, &st);
        if (s->rtcp)
                sink_rtcp_get_stats(s->rtcp, &rs);
        decoded = st.frames > 0 || s->opt.min_frames > 0;
        if (s->have_mode)
                sink_video_mode_to_string(&s->mode, mode, sizeof(mode));

        if (s->failure[0])
                snprintf(why, sizeof(why), "%s", s->failure);
        else if (!s->play_usec)
                snprintf(why, sizeof(why), "never reached PLAYING");
        else if (st.frames < s->opt.min_frames)
                snprintf(why, sizeof(why), "decoded %" PRIu64 " frames, wanted at least %" PRIu64 "%s%s",
                         st.frames, s->opt.min_frames, st.error[0] ? "; decoder: " : "", st.error);
        /* --min-frames 0 and nothing decoded: there is no picture to judge, only the rest. */
        else if (decoded && strcmp(st.video_codec, "h264") != 0)
                snprintf(why, sizeof(why), "video codec is \"%s\", not h264", st.video_codec);
        else if (decoded && (st.width != s->mode.width || st.height != s->mode.height))
                snprintf(why, sizeof(why), "decoded %ux%u but M4 said %s", st.width, st.height, mode);
        else if (decoded && st.h264_level > sink_level_bits_to_idc(s->mode.level_bits))
                snprintf(why, sizeof(why), "stream level_idc %d above the M4 level %s", st.h264_level,
                         sink_level_bits_to_string(s->mode.level_bits));
        else if (decoded && s->mode.profile_bits == 1 && strcmp(st.h264_profile, "Constrained Baseline") != 0)
                snprintf(why, sizeof(why), "M4 chose CBP but the stream is H.264 %s", st.h264_profile);
        else if (st.bframes > 0)
                snprintf(why, sizeof(why), "%" PRIu64 " B pictures (WFD CBP/CHP allow none)", st.bframes);
        else if (s->opt.expect_wfd_ts &&
                 (st.pmt_pid != 0x0100 || st.pcr_pid != 0x1000 || st.video_pid != 0x1011 ||
                  (st.audio_pid >= 0 && st.audio_pid != 0x1100)))
                snprintf(why, sizeof(why), "TS layout PMT 0x%04x PCR 0x%04x video 0x%04x audio 0x%04x is not WFD's "
                         "0x0100/0x1000/0x1011/0x1100", (unsigned) st.pmt_pid, (unsigned) st.pcr_pid,
                         (unsigned) st.video_pid, (unsigned) st.audio_pid);
        else if (st.audio_bad > 0)
                snprintf(why, sizeof(why), "%" PRIu64 " LPCM packets without WFD's 4-byte header", st.audio_bad);
        else if (s->opt.expect_audio && strcmp(m4_audio, "none") != 0 &&
                 (st.audio_packets == 0 || strcasecmp(st.audio_codec, m4_audio) != 0))
                snprintf(why, sizeof(why), "M4 chose %s audio but the stream carries %s (%" PRIu64 " packets)",
                         m4_audio, st.audio_codec[0] ? st.audio_codec : "none", st.audio_packets);
        else if (s->opt.expect_tone_hz > 0 && fabs(st.audio.freq_hz - s->opt.expect_tone_hz) > s->opt.expect_tone_hz * 0.02)
                snprintf(why, sizeof(why), "heard a %.1f Hz tone, expected %.1f Hz +-2%%", st.audio.freq_hz,
                         s->opt.expect_tone_hz);
        else if (s->opt.have_expect_level && fabs(st.audio.level_dbfs - s->opt.expect_level_dbfs) > 1.0)
                snprintf(why, sizeof(why), "tone level %.2f dBFS, expected %.2f +-1 dB", st.audio.level_dbfs,
                         s->opt.expect_level_dbfs);
        else if (s->opt.max_audio_gaps >= 0 && st.audio.gaps > s->opt.max_audio_gaps)
                snprintf(why, sizeof(why), "%u gaps in the sound (longest %.0f ms), at most %lld allowed", st.audio.gaps,
                         st.audio.max_gap_ms, (long long) s->opt.max_audio_gaps);
        else if (s->opt.max_av_offset_ms > 0 && st.audio.pairs == 0)
                snprintf(why, sizeof(why), "no flash/beep pairs to measure A/V sync (%u flashes, %u beeps)",
                         st.audio.flashes, st.audio.beeps);
        else if (s->opt.max_av_offset_ms > 0 && (fabs(st.audio.av_offset_ms_median) > s->opt.max_av_offset_ms ||
                                                 fabs(st.audio.av_clock_ms_worst) > s->opt.max_av_offset_ms))
                snprintf(why, sizeof(why), "A/V offset median %.1f ms, clock error up to %.1f ms, beyond %.0f ms",
                         st.audio.av_offset_ms_median, st.audio.av_clock_ms_worst, s->opt.max_av_offset_ms);
        else if (s->opt.expect_mode && strcmp(s->opt.expect_mode, mode) != 0)
                snprintf(why, sizeof(why), "negotiated %s, expected %s", mode, s->opt.expect_mode);
        else if (s->opt.expect_uibc >= 0 && sink_uibc_offered(s->uibc) != s->opt.expect_uibc)
                snprintf(why, sizeof(why), "the source %s input (UIBC), expected %s",
                         sink_uibc_offered(s->uibc) ? "offered" : "did not offer",
                         s->opt.expect_uibc ? "an offer" : "none");
        else if (s->idr_sent && s->idr_replies == 0)
                snprintf(why, sizeof(why), "M13 IDR request never answered");
        else if (s->idr_sent && st.keyframes <= s->idr_sent_keyframes && s->opt.stop_after_frames)
                snprintf(why, sizeof(why), "no keyframe after the M13 IDR request");

        if (s->opt.png_path && st.frames > 0) {
                r = sink_media_write_png(s->media, s->opt.png_path);
                if (r < 0 && !why[0])
                        snprintf(why, sizeof(why), "writing %s: %s", s->opt.png_path, strerror(-r));
                else if (r >= 0)
                        sink_log("wrote %s", s->opt.png_path);
        }

        sink_uibc_summary(s->uibc, uibc, sizeof(uibc));
        sink_stall_summary(s, &st, stall, sizeof(stall));
        for (char *p = why; *p; p++)        /* one token per value in the summary */
                if (*p == ' ')
                        *p = '_';
        for (char *p = st.h264_profile; *p; p++)
                if (*p == ' ')
                        *p = '_';
        printf("SINK result=%s mode=%s codec=%s profile=%s level=%s h264_profile=%s h264_level=%d "
               "width=%u height=%u m4_audio=%s audio=%s audio_packets=%" PRIu64 " frames=%" PRIu64 " keyframes=%" PRIu64
               " bframes=%" PRIu64 " idr_requests=%u idr_keyframes=%" PRIu64 " keepalives=%u m4=%u rtp_packets=%" PRIu64
               " rtp_lost=%" PRIu64 " rtp_bad=%" PRIu64 " decode_errors=%" PRIu64 " mean_luma=%u"
               " rtcp_rr=%" PRIu64 " rtcp_sr=%" PRIu64 " nacked=%" PRIu64 " recovered=%" PRIu64
               " unrecovered=%" PRIu64 " late=%" PRIu64 " max_hold_ms=%" PRIu64 " max_frame_gap_ms=%" PRIu64
               " rx_kbps=%" PRIu64 " ms_latency=%s transport=%s"
               " ssrc=%08x first_seq=%u first_frame_ms=%lld server_port=%s pids=%#x/%#x/%#x/%#x"
               " audio_seconds=%.2f audio_rate=%u audio_freq_hz=%.2f audio_level_dbfs=%.2f audio_gaps=%u"
               " audio_max_gap_ms=%.0f audio_decode_errors=%" PRIu64 " av_pairs=%u av_offset_ms_median=%.1f"
               " av_offset_ms_worst=%.1f av_clock_ms_worst=%.1f%s%s end=%s%s%s\n",
               why[0] ? "fail" : "ok", mode, st.video_codec[0] ? st.video_codec : "none",
               s->have_mode ? sink_profile_bits_to_string(s->mode.profile_bits) : "none",
               s->have_mode ? sink_level_bits_to_string(s->mode.level_bits) : "none",
               st.h264_profile[0] ? st.h264_profile : "none", st.h264_level, st.width, st.height,
               m4_audio, st.audio_codec[0] ? st.audio_codec : "none", st.audio_packets, st.frames, st.keyframes,
               st.bframes, s->idr_requests, s->idr_sent && st.keyframes > s->idr_sent_keyframes
                                        ? st.keyframes - s->idr_sent_keyframes : 0,
               s->keepalives, s->m4_count, st.rtp_packets, st.rtp_lost, st.rtp_bad, st.decode_errors,
               st.mean_luma, rs.rr_sent, rs.sr_received, rs.nacked, rs.recovered, rs.unrecovered, rs.late,
               rs.max_hold_usec / 1000, st.max_frame_gap_usec / 1000,
               s->play_usec && now_usec() > s->play_usec ? st.rtp_bytes * 8000 / (now_usec() - s->play_usec) : 0,
               s->ms_latency[0] ? s->ms_latency : "none",
               !s->opt.tcp           ? "udp"
               : s->rtp_tcp_bad      ? "tcp-bad-framing"
               : s->opt.interleaved  ? (s->il_rtp ? "interleaved" : "interleaved-none")
               : s->rtp_tcp_seen     ? "tcp"
                                     : "tcp-never-connected",
               st.ssrc, (unsigned) st.first_seq,
               st.first_frame_usec && s->play_usec ? (long long) (st.first_frame_usec - s->play_usec) / 1000 : -1LL,
               s->server_port_seen ? "yes" : "no", (unsigned) st.pmt_pid, (unsigned) st.pcr_pid,
               (unsigned) st.video_pid, (unsigned) st.audio_pid, st.audio.seconds, st.audio_rate, st.audio.freq_hz,
               st.audio.level_dbfs, st.audio.gaps, st.audio.max_gap_ms, st.audio_decode_errors, st.audio.pairs,
               st.audio.av_offset_ms_median, st.audio.av_offset_ms_worst, st.audio.av_clock_ms_worst, uibc, stall,
               s->end ? s->end : "none",
               why[0] ? " reason=" : "", why);
        fflush(stdout);
        return why[0] ? 1 : 0;
}

static void help(void)
{
        printf("Usage: miracast-test-sink --connect HOST:PORT [OPTIONS]\n\n"
               "A Wi-Fi Display sink for tests: runs the sink side of RTSP M1-M16 against a source,\n"
               "receives RTP/MP2T, decodes it with FFmpeg and prints one \"SINK result=...\" line.\n\n"
               "  -c --connect HOST:PORT   the source's RTSP port (retried until --timeout)\n"
               "  -p --profile NAME        sink capabilities and quirks (default generic)\n"
               "  -r --rtp-port PORT       local UDP port for RTP (default: any free port)\n"
               "  -d --duration SEC        play this long, then send TEARDOWN (default 10; 0 = until the\n"
               "                           source ends the session)\n"
               "  -f --frames N            send TEARDOWN after N decoded frames\n"
               "  -m --min-frames N        fail unless at least N frames were decoded (default 1)\n"
               "  -i --idr-after N         send one M13 IDR request after N frames\n"
               "  -t --timeout SEC         connect + negotiate deadline (default 15)\n"
               "  -o --png PATH            write the last decoded frame as PNG\n"
               "  -e --expect-mode MODE    fail unless M4 picks MODE, e.g. 640x480p60\n"
               "     --expect-wfd-ts       fail unless the TS uses WFD's PIDs: PMT 0x0100, PCR 0x1000,\n"
               "                           video 0x1011, audio 0x1100\n"
               "     --expect-audio        fail unless the audio codec chosen in M4 arrives\n"
               "     --one-message-per-read  act like receivers that read one RTSP message per recv()\n"
               "                           (lazycast-style): wait 5 ms before each read and fail when\n"
               "                           a read holds more than one message from the source\n"
               "     --expect-tone HZ      fail unless the sound is a tone of HZ (+-2%%)\n"
               "     --expect-level DBFS   fail unless the tone's RMS level is DBFS (+-1 dB; full-scale sine -3)\n"
               "     --max-audio-gaps N    fail if the sound's PTS jump more than 40 ms more than N times\n"
               "     --max-av-offset MS    fail unless white flashes and beeps (testsrc:flash, tone beep) pair\n"
               "                           up within MS: the median offset, and the worst clock error (the\n"
               "                           beep outside the frames around the flash, frame drops aside)\n"
               "     --mice ADDR[:PORT]    act as an MS-MICE sink: listen on ADDR:7250 ([ADDR]:PORT for IPv6,\n"
               "                           ADDR%%IF for link-local), take SOURCE_READY, then connect to\n"
               "                           the RTSP port it names (--connect not needed)\n"
               "     --mice-variant V      normal, stop (STOP_PROJECTION after --frames), garbage, silent\n"
               "                           (never connect back), security (answer with PIN_CHALLENGE)\n"
               "     --uibc-script FILE    list GENERIC and HIDC input (UIBC) in M3; once the source offers and\n"
               "                           enables it and the session plays, connect to its UIBC port\n"
               "                           and send FILE's steps (see tests/sink/sink-uibc.h)\n"
               "     --expect-uibc yes|no  fail unless the source offers input (yes) or does not (no)\n"
               "     --rtcp                send RTCP receiver reports to the source's RTP port + 1\n"
               "                           (from our RTP port + 1)\n"
               "     --nack[=MS]           --rtcp, and hold packets after a gap up to MS ms (default\n"
               "                           150) while asking for the missing ones with generic NACKs\n"
               "     --tcp                 list only RTP/AVP/TCP in M3 and SETUP; accept the source's\n"
               "                           RTP connection on our RTP port (RFC 4571 framing)\n"
               "     --interleaved         list only RTP/AVP/TCP in M3; SETUP with interleaved=0-1: RTP\n"
               "                           (and with --rtcp our reports) in the RTSP connection\n"
               "     --stall-read SEC@AFTER  AFTER seconds into PLAYING, stop reading the RTSP connection\n"
               "                           for SEC seconds (a busy TV), then read again; the receive\n"
               "                           buffer is made small (16 KiB) so the stall reaches the source\n"
               "                           at once. The SINK line adds stall_* values: frames and\n"
               "                           keyframes decoded before, during and after it\n"
               "     --ms-latency          answer microsoft_latency_management_capability: supported\n"
               "                           in M3; the SINK line says what M4 set (ms_latency=)\n"
               "  -v --verbose             log RTSP messages and state changes to stderr\n"
               "  -h --help\n\nProfiles:\n");
        for (const struct sink_profile *const *p = sink_profile_list(); *p; p++)
                printf("  %-9s %s\n", (*p)->name, (*p)->description);
        printf("\nExit status: 0 when result=ok, 1 when the session failed, 2 on bad usage.\n");
}

static int parse_uint(const char *arg, const char *what, uint64_t max, uint64_t *ret)
{
        char *end;
        unsigned long long v;

        errno = 0;
        v = strtoull(arg, &end, 10);
        if (errno || end == arg || *end || v > max || arg[0] == '-') {
                fprintf(stderr, "miracast-test-sink: invalid %s \"%s\"\n", what, arg);
                return -EINVAL;
        }
        *ret = v;
        return 0;
}

static int parse_args(int argc, char **argv, struct sink_options *o)
{
        static const struct option longopts[] = {
                { "connect", required_argument, NULL, 'c' },  { "profile", required_argument, NULL, 'p' },
                { "rtp-port", required_argument, NULL, 'r' }, { "duration", required_argument, NULL, 'd' },
                { "frames", required_argument, NULL, 'f' },   { "min-frames", required_argument, NULL, 'm' },
                { "idr-after", required_argument, NULL, 'i' }, { "timeout", required_argument, NULL, 't' },
                { "png", required_argument, NULL, 'o' },      { "expect-mode", required_argument, NULL, 'e' },
                { "verbose", no_argument, NULL, 'v' },        { "help", no_argument, NULL, 'h' },
                { "expect-wfd-ts", no_argument, NULL, 'W' },
                { "expect-audio", no_argument, NULL, 'A' },
                { "one-message-per-read", no_argument, NULL, 'O' },
                { "expect-tone", required_argument, NULL, 'T' },
                { "expect-level", required_argument, NULL, 'L' },
                { "max-audio-gaps", required_argument, NULL, 'G' },
                { "max-av-offset", required_argument, NULL, 'S' },
                { "mice", required_argument, NULL, 'M' },
                { "mice-variant", required_argument, NULL, 'V' },
                { "uibc-script", required_argument, NULL, 'U' },
                { "expect-uibc", required_argument, NULL, 'X' },
                { "rtcp", no_argument, NULL, 'R' },
                { "nack", optional_argument, NULL, 'N' },
                { "ms-latency", no_argument, NULL, 'Y' },
                { "tcp", no_argument, NULL, 'Z' },
                { "interleaved", no_argument, NULL, 'I' },
                { "stall-read", required_argument, NULL, 'K' },
                {}
        };
        uint64_t v;
        int c;

        *o = (struct sink_options) {
                .profile = sink_profile_find("generic"), .duration_usec = 10 * USEC_PER_SEC,
                .timeout_usec = 15 * USEC_PER_SEC, .min_frames = 1, .max_audio_gaps = -1, .expect_uibc = -1,
                .nack_hold_usec = 150000,
        };
        while ((c = getopt_long(argc, argv, "c:p:r:d:f:m:i:t:o:e:vhWA", longopts, NULL)) >= 0) {
                switch (c) {
                case 'c':
                        o->connect = optarg;
                        break;
                case 'p':
                        o->profile = sink_profile_find(optarg);
                        if (!o->profile) {
                                fprintf(stderr, "miracast-test-sink: unknown profile \"%s\" (see --help)\n", optarg);
                                return -EINVAL;
                        }
                        break;
                case 'r':
                        if (parse_uint(optarg, "RTP port", 65535, &v) < 0)
                                return -EINVAL;
                        o->rtp_port = (unsigned) v;
                        break;
                case 'd':
                        if (parse_uint(optarg, "duration", 86400, &v) < 0)
                                return -EINVAL;
                        o->duration_usec = v * USEC_PER_SEC;
                        break;
                case 'f':
                        if (parse_uint(optarg, "frame count", UINT32_MAX, &o->stop_after_frames) < 0)
                                return -EINVAL;
                        break;
                case 'm':
                        if (parse_uint(optarg, "frame count", UINT32_MAX, &o->min_frames) < 0)
                                return -EINVAL;
                        break;
                case 'i':
                        if (parse_uint(optarg, "frame count", UINT32_MAX, &o->idr_after) < 0)
                                return -EINVAL;
                        break;
                case 't':
                        if (parse_uint(optarg, "timeout", 3600, &v) < 0 || v == 0)
                                return -EINVAL;
                        o->timeout_usec = v * USEC_PER_SEC;
                        break;
                case 'o':
                        o->png_path = optarg;
                        break;
                case 'e':
                        o->expect_mode = optarg;
                        break;
                case 'v':
                        o->verbose = true;
                        break;
                case 'W':
                        o->expect_wfd_ts = true;
                        break;
                case 'A':
                        o->expect_audio = true;
                        break;
                case 'U':
                        o->uibc_script = optarg;
                        break;
                case 'R':
                        o->rtcp = true;
                        break;
                case 'Y':
                        o->ms_latency = true;
                        break;
                case 'Z':
                        o->tcp = true;
                        break;
                case 'I':
                        o->tcp = o->interleaved = true;
                        break;
                case 'K': {
                        char sec[32];
                        const char *at = strchr(optarg, '@');

                        if (!at || (size_t) (at - optarg) >= sizeof(sec)) {
                                fprintf(stderr, "miracast-test-sink: --stall-read takes SEC@AFTER, got \"%s\"\n",
                                        optarg);
                                return -EINVAL;
                        }
                        snprintf(sec, sizeof(sec), "%.*s", (int) (at - optarg), optarg);
                        if (parse_uint(sec, "stall time", 3600, &v) < 0)
                                return -EINVAL;
                        if (v == 0) {
                                fprintf(stderr, "miracast-test-sink: --stall-read needs a stall of 1 s or more\n");
                                return -EINVAL;
                        }
                        o->stall_usec = v * USEC_PER_SEC;
                        if (parse_uint(at + 1, "stall start", 3600, &v) < 0)
                                return -EINVAL;
                        o->stall_after_usec = v * USEC_PER_SEC;
                        break;
                }
                case 'N':
                        o->rtcp = o->nack = true;
                        if (optarg) {
                                if (parse_uint(optarg, "NACK hold", 10000, &v) < 0 || v == 0)
                                        return -EINVAL;
                                o->nack_hold_usec = v * 1000;
                        }
                        break;
                case 'X':
                        if (strcmp(optarg, "yes") != 0 && strcmp(optarg, "no") != 0) {
                                fprintf(stderr, "miracast-test-sink: --expect-uibc takes yes or no\n");
                                return -EINVAL;
                        }
                        o->expect_uibc = strcmp(optarg, "yes") == 0;
                        break;
                case 'O':
                        o->one_message_per_read = true;
                        break;
                case 'T':
                        if (parse_uint(optarg, "tone frequency", 24000, &v) < 0 || v == 0)
                                return -EINVAL;
                        o->expect_tone_hz = (double) v;
                        break;
                case 'L': {
                        char *end;

                        o->expect_level_dbfs = strtod(optarg, &end);
                        if (end == optarg || *end || o->expect_level_dbfs > 0 || o->expect_level_dbfs < -120) {
                                fprintf(stderr, "miracast-test-sink: invalid level \"%s\" (dBFS, <= 0)\n", optarg);
                                return -EINVAL;
                        }
                        o->have_expect_level = true;
                        break;
                }
                case 'G':
                        if (parse_uint(optarg, "gap count", UINT32_MAX, &v) < 0)
                                return -EINVAL;
                        o->max_audio_gaps = (int64_t) v;
                        break;
                case 'S':
                        if (parse_uint(optarg, "A/V offset", 10000, &v) < 0 || v == 0)
                                return -EINVAL;
                        o->max_av_offset_ms = (double) v;
                        break;
                case 'M':
                        o->mice = optarg;
                        break;
                case 'V':
                        o->mice_variant = sink_mice_variant_from_string(optarg);
                        if (o->mice_variant < 0) {
                                fprintf(stderr, "miracast-test-sink: unknown --mice-variant \"%s\"\n", optarg);
                                return -EINVAL;
                        }
                        break;
                case 'h':
                        help();
                        exit(0);
                default:
                        return -EINVAL;
                }
        }
        if (optind < argc) {
                fprintf(stderr, "miracast-test-sink: unexpected argument \"%s\"\n", argv[optind]);
                return -EINVAL;
        }
        if (!o->connect && !o->mice) {
                fprintf(stderr, "miracast-test-sink: --connect HOST:PORT is required (see --help)\n");
                return -EINVAL;
        }
        return 0;
}

/*
 * --mice: take SOURCE_READY, then act out the variant. Returns 1 to go on with the RTSP
 * session (s->opt.connect set), 0 when the variant is done (its lines printed), -errno.
 */
static int sink_mice_run(struct sink *s)
{
        int r;

        r = sink_mice_wait_source_ready(s->opt.mice, s->opt.timeout_usec, s->mice_connect, sizeof(s->mice_connect));
        if (r < 0) {
                printf("SINK result=fail end=mice reason=%s\n", strerror(-r));
                return r;
        }
        s->mice_fd = r;
        switch (s->opt.mice_variant) {
        case SINK_MICE_GARBAGE:
                r = sink_mice_send_garbage(s->mice_fd);
                break;
        case SINK_MICE_SECURITY:
                r = sink_mice_send_pin_challenge(s->mice_fd);
                break;
        case SINK_MICE_SILENT:
                r = 0;
                break;
        default:
                s->opt.connect = s->mice_connect;
                printf("MICE connecting back to %s\n", s->mice_connect);
                fflush(stdout);
                return 1;
        }
        if (r < 0)
                return r;
        /* The source ends the attempt: it closes 7250 (after STOP_PROJECTION when it gave up waiting). */
        (void) sink_mice_drain(s->mice_fd, s->opt.timeout_usec);
        printf("SINK result=ok end=mice-%s\n", s->opt.mice_variant == SINK_MICE_GARBAGE    ? "garbage"
                                              : s->opt.mice_variant == SINK_MICE_SECURITY ? "security"
                                                                                           : "silent");
        return 0;
}

int main(int argc, char **argv)
{
        struct sink *s;
        sigset_t mask;
        int r;

        s = calloc(1, sizeof(*s));
        if (!s)
                return 1;
        s->tcp_fd = s->udp_fd = s->mice_fd = s->rtcp_fd = s->rtp_listen_fd = s->rtp_tcp_fd = -1;
        if (parse_args(argc, argv, &s->opt) < 0) {
                free(s);
                return 2;
        }
        verbose = s->opt.verbose;
        s->next_cseq = s->opt.profile->first_cseq;
        rtsp_parser_init(&s->parser);

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        signal(SIGPIPE, SIG_IGN);

        s->start_usec = now_usec();
        r = sd_event_new(&s->event);
        if (r < 0)
                goto fail;
        r = sink_media_new(&s->media);
        if (r < 0)
                goto fail;
        if (s->opt.mice) {
                r = sink_mice_run(s);
                if (r <= 0) {
                        safe_close(s->mice_fd);
                        sink_free(s);
                        return r < 0 ? 1 : 0;
                }
        }
        if (s->opt.uibc_script) {
                r = sink_uibc_new(s->opt.uibc_script, &s->uibc);
                if (r < 0)
                        goto fail;
        }
        r = sink_connect(s);
        if (r < 0)
                goto fail;
        (void) setsockopt(s->tcp_fd, IPPROTO_TCP, TCP_NODELAY, &(int) { 1 }, sizeof(int));
        r = sink_open_udp(s);
        if (r < 0) {
                sink_log("cannot open the RTP socket: %s", strerror(-r));
                goto fail;
        }
        sink_log("connected to %s, profile %s, RTP port %u", s->opt.connect, s->opt.profile->name, s->udp_port);

        r = sd_event_add_io(s->event, &s->tcp_io, s->tcp_fd, EPOLLIN, on_tcp, s);
        if (r >= 0)
                r = sd_event_add_io(s->event, &s->udp_io, s->udp_fd, EPOLLIN, on_udp, s);
        if (r >= 0 && s->opt.rtcp)
                r = sink_open_rtcp(s);
        if (r >= 0 && s->opt.tcp && !s->opt.interleaved)
                r = sink_open_rtp_tcp(s);
        if (r >= 0)
                r = sd_event_add_io(s->event, &s->frame_io, sink_media_frame_fd(s->media), EPOLLIN, on_frame, s);
        if (r >= 0)
                r = sd_event_add_time_relative(s->event, &s->deadline_timer, CLOCK_MONOTONIC, s->opt.timeout_usec,
                                               0, on_deadline, s);
        if (r >= 0)
                r = sd_event_add_time_relative(s->event, &s->duration_timer, CLOCK_MONOTONIC, UINT64_MAX / 2, 0,
                                               on_duration, s);
        if (r >= 0)
                r = sd_event_source_set_enabled(s->duration_timer, SD_EVENT_OFF);
        if (r >= 0 && s->opt.stall_usec > 0)
                r = sd_event_add_time_relative(s->event, &s->stall_timer, CLOCK_MONOTONIC, UINT64_MAX / 2, 1000,
                                               on_stall, s);
        if (r >= 0 && s->stall_timer)
                r = sd_event_source_set_enabled(s->stall_timer, SD_EVENT_OFF);
        if (r >= 0)
                r = sd_event_add_signal(s->event, NULL, SIGTERM, on_signal, s);
        if (r >= 0)
                r = sd_event_add_signal(s->event, NULL, SIGINT, on_signal, s);
        if (r < 0)
                goto fail;

        (void) sd_event_loop(s->event);
        if (s->mice_fd >= 0)
                (void) sink_mice_drain(s->mice_fd, 3 * USEC_PER_SEC);
        s->mice_fd = safe_close(s->mice_fd);
        r = sink_report(s);
        sink_free(s);
        return r;
fail:
        if (r < 0)
                sink_log("setting up: %s", strerror(-r));
        snprintf(s->failure, sizeof(s->failure), "setup: %s", strerror(-r));
        s->end = "error";
        if (s->media)
                (void) sink_report(s);
        else
                printf("SINK result=fail end=error reason=setup:_%s\n", strerror(-r));
        sink_free(s);
        return 1;
}
