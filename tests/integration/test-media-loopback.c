/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * encoder/media.h end to end on loopback: testsrc -> convert -> x264 ->
 * MPEG-TS -> RTP -> UDP to a socket of ours; what arrives is checked
 * packet by packet (RTP version, PT 33, sequence, 7 x 188-byte TS packets,
 * PIDs, continuity) and decoded with libavformat/libavcodec (codec, size,
 * frame count, IDRs). Also: commands, events on the fd, statistics,
 * damage (a still screen is not re-encoded), and 100 start/stop cycles with a
 * stable fd count (ASan/LSan catch leaks).
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/log.h>

#include "../../encoder/capture.h"
#include "../../encoder/media.h"
#include "../../protocol/macro.h"
#include "../../protocol/ts_mux.h"
#include "../lib/rtp-receive.h"
#include "../lib/test.h"

__attribute__((constructor)) static void quiet_ffmpeg(void)
{
        av_log_set_level(AV_LOG_ERROR);
}

/* ---- receiving: tests/lib/rtp-receive.h checks every datagram and decodes with FFmpeg ---- */

struct receiver {
        struct rtp_receive *rx;
        uint16_t port;
        struct rtp_receive_result *res; /* large: allocated */
};

static void receiver_start(struct receiver *r)
{
        *r = (struct receiver) {};
        assert_int_eq(rtp_receive_start(0, true, &r->rx), 0);
        /* Real-time sender under ASan on a shared machine: interval gaps are recorded, not errors. */
        rtp_receive_set_no_timing(r->rx, true);
        r->port = rtp_receive_get_port(r->rx);
}

/* Stop once no datagram came for 300 ms; the results land in r->res. */
static void receiver_stop(struct receiver *r)
{
        r->res = calloc(1, sizeof(*r->res));
        assert_non_null(r->res);
        assert_int_eq(rtp_receive_finish(r->rx, 300, r->res), 0);
        r->rx = NULL;
        if (r->res->check.n_errors > 0)
                printf("  conformance: %u errors, first: %s\n", r->res->check.n_errors, r->res->check.error);
}

static void receiver_clear(struct receiver *r)
{
        free(r->res);
        r->res = NULL;
}

/* ---- helpers --------------------------------------------------------------------- */

static struct capture *open_testsrc(enum capture_pattern pattern, unsigned w, unsigned h)
{
        struct capture_config cfg = { .backend = CAPTURE_BACKEND_TESTSRC, .width = w, .height = h, .pattern = pattern };
        struct capture *c = NULL;

        assert_int_eq(capture_new(&cfg, &c), 0);
        return c;
}

static struct media_config config_for(struct capture *c, uint16_t port)
{
        return (struct media_config) {
                .capture = c,
                .encode = { .encoder = "x264", .width = 320, .height = 240, .fps_num = 30, .fps_den = 1,
                            .level_idc = 31, .bitrate_bps = 1000000 },
                .dest_address = "127.0.0.1",
                .dest_port = port,
        };
}

/* Wait (poll on the media fd) for the next event, AUDIO ones included; fails the test after timeout_ms. */
static struct media_event wait_event_any(struct media *m, int timeout_ms)
{
        struct pollfd p = { .fd = media_get_fd(m), .events = POLLIN };
        struct media_event ev;

        assert_int_eq(poll(&p, 1, timeout_ms), 1);
        assert_int_eq(media_read_event(m, &ev), 0);
        if (ev.type == MEDIA_EVENT_ERROR)
                fprintf(stdout, "  media error event: %s\n", ev.reason);
        return ev;
}

/* The next ERROR or ENDED event: AUDIO events (what the audio input does) are passed over. */
static struct media_event wait_event(struct media *m, int timeout_ms)
{
        struct media_event ev;

        do
                ev = wait_event_any(m, timeout_ms);
        while (ev.type == MEDIA_EVENT_AUDIO);
        return ev;
}

static void wait_stats(struct media *m, uint64_t frames_sent, struct media_stats *st)
{
        struct media_event ev;

        for (int i = 0; i < 1000; i++) {
                assert_int_eq(media_get_stats(m, st), 0);
                if (st->frames_sent >= frames_sent)
                        return;
                if (media_read_event(m, &ev) == 0 && ev.type != MEDIA_EVENT_AUDIO)
                        test_fail(__FILE__, __LINE__, "unexpected event %s: %s",
                                  media_event_type_to_string(ev.type), ev.reason);
                usleep(10000);
        }
        test_fail(__FILE__, __LINE__, "only %llu frames sent (%llu captured, %llu skipped, %llu encoded, %llu dropped, state %s)",
                  (unsigned long long) st->frames_sent, (unsigned long long) st->frames_captured,
                  (unsigned long long) st->frames_skipped, (unsigned long long) st->frames_encoded,
                  (unsigned long long) st->frames_dropped, media_state_to_string(st->state));
}

static unsigned count_fds(void)
{
        DIR *d = opendir("/proc/self/fd");
        unsigned n = 0;

        assert_non_null(d);
        while (readdir(d))
                n++;
        closedir(d);
        return n;
}

/* ---- tests ------------------------------------------------------------------------------ */

TEST(media_names, "/media/state and event names") {
        assert_str_eq(media_state_to_string(MEDIA_STATE_PAUSED), "paused");
        assert_str_eq(media_event_type_to_string(MEDIA_EVENT_ENDED), "ended");
        assert_null(media_state_to_string(_MEDIA_STATE_MAX));
}

TEST(media_bad_config, "/media/rejects a bad address, port, encoder; reports why") {
        _cleanup_(capture_unrefp) struct capture *c = open_testsrc(CAPTURE_PATTERN_DESKTOP, 320, 240);
        struct media_config cfg = config_for(c, 5004);
        struct media *m = NULL;

        cfg.dest_address = "not-an-address";
        assert_int_eq(media_new(&cfg, &m), -EINVAL);
        cfg.dest_address = "127.0.0.1";
        cfg.dest_port = 0;
        assert_int_eq(media_new(&cfg, &m), -EINVAL);
        cfg.dest_port = 5004;
        cfg.encode.encoder = "h264_no_such_encoder";
        assert_int_eq(media_new(&cfg, &m), -ENOENT);
        cfg.encode.encoder = "x264";
        cfg.capture = NULL;
        assert_int_eq(media_new(&cfg, &m), -EINVAL);
        assert_null(m);
}

TEST(media_loopback_x264, "/media/x264 320x240 over RTP/MP2T on loopback: 30 frames decode, RTP/TS conform") {
        _cleanup_(capture_unrefp) struct capture *c = open_testsrc(CAPTURE_PATTERN_DESKTOP, 320, 240);
        struct receiver rx;
        struct media_config cfg;
        _cleanup_(media_freep) struct media *m = NULL;
        struct media_stats st;
        struct media_event ev;

        receiver_start(&rx);
        cfg = config_for(c, rx.port);
        cfg.max_frames = 30;
        assert_int_eq(media_new(&cfg, &m), 0);
        assert_int_ge(media_get_local_port(m), 1);
        assert_int_eq(media_get_stats(m, &st), 0);
        assert_int_eq(st.state, MEDIA_STATE_IDLE);
        assert_str_eq(st.encoder, "x264");
        /* our rate control, before any picture */
        assert_true(st.rate_control);
        assert_int_eq(st.rate.qp_last, 0);
        assert_int_eq(media_read_event(m, &ev), -EAGAIN);
        assert_int_eq(media_start(m), 0);

        ev = wait_event(m, 20000);
        assert_int_eq(ev.type, MEDIA_EVENT_ENDED);
        assert_int_eq(ev.error, 0);
        assert_true(strstr(ev.reason, "max_frames") != NULL);
        assert_int_eq(media_read_event(m, &ev), -EAGAIN);
        assert_int_eq(media_start(m), -ESHUTDOWN);
        receiver_stop(&rx);

        assert_int_eq(media_get_stats(m, &st), 0);
        assert_int_eq(st.state, MEDIA_STATE_ENDED);
        assert_int_eq(st.frames_sent, 30);
        assert_int_ge(st.frames_encoded, 30);
        assert_int_ge(st.frames_captured, 30);
        assert_int_ge(st.idr_frames, 1);
        assert_int_eq(st.send_errors, 0);
        assert_int_ge(st.latency_p99_usec, st.latency_p50_usec);
        assert_int_ge(st.latency_p50_usec, 1);
        assert_int_ge(st.cpu_usec, 1);
        assert_int_eq(st.rtp_packets, rx.res->packets);
        assert_int_eq(st.bytes_sent, rx.res->bytes);
        /* a desktop at 1 Mbit/s for 320x240: an ordinary QP, every picture coded, the buffer within its 250 ms */
        assert_true(st.rate_control);
        assert_int_ge(st.rate.qp_last, 12);
        assert_int_le(st.rate.qp_last, 51);
        assert_true(st.rate.qp_avg >= 12.0 && st.rate.qp_avg <= 51.0);
        assert_int_eq(st.rate.pictures_rate_skipped, 0);
        assert_int_eq(st.rate.qp_range_switches, 0);
        assert_int_ge(st.rate.buffer_ms, 0);
        assert_int_le(st.rate.buffer_ms, 250);

        /* RTP/TS/PSI/PCR/PES conformance as sinks are tested (tests/lib/ts-check.h) */
        assert_int_eq(rx.res->check.n_errors, 0);
        assert_int_eq(rx.res->check.avc_profile_idc, 66);
        assert_int_eq(rx.res->check.avc_level_idc, 31);
        assert_int_ge(rx.res->check.n_pat, 1);
        assert_int_ge(rx.res->check.n_pcr, 1);
        assert_int_eq(rx.res->check.n_video_pes, 30);
        assert_int_eq(rx.res->check.pmt_audio_stream_type, 0);

        assert_str_eq(rx.res->codec, "h264");
        assert_int_eq(rx.res->width, 320);
        assert_int_eq(rx.res->height, 240);
        assert_int_eq(rx.res->frames, 30);
        assert_int_ge(rx.res->keyframes, 1);
        assert_int_eq(rx.res->decode_errors, 0);
        receiver_clear(&rx);
}

TEST(media_rate_stats_ffmpeg, "/media/libx264 through FFmpeg keeps its own rate: no rate-control numbers") {
        _cleanup_(capture_unrefp) struct capture *c = open_testsrc(CAPTURE_PATTERN_DESKTOP, 320, 240);
        struct media_config cfg = config_for(c, 9);
        _cleanup_(media_freep) struct media *m = NULL;
        struct media_stats st;

        cfg.encode.encoder = "libx264";
        assert_int_eq(media_new(&cfg, &m), 0);
        assert_int_eq(media_get_stats(m, &st), 0);
        assert_str_eq(st.encoder, "libx264");
        assert_false(st.rate_control);
        assert_int_eq(st.rate.qp_last, 0);
}

TEST(media_loopback_chp, "/media/x264 Constrained High 640x480 level 3.2: PMT and SPS agree, stream conforms") {
        _cleanup_(capture_unrefp) struct capture *c = open_testsrc(CAPTURE_PATTERN_MOTION, 640, 480);
        struct receiver rx;
        struct media_config cfg;
        _cleanup_(media_freep) struct media *m = NULL;

        receiver_start(&rx);
        cfg = config_for(c, rx.port);
        cfg.encode.width = 640;
        cfg.encode.height = 480;
        cfg.encode.profile = ENCODE_PROFILE_CHP;
        cfg.encode.level_idc = 32;
        cfg.max_frames = 10;
        assert_int_eq(media_new(&cfg, &m), 0);
        assert_int_eq(media_start(m), 0);
        assert_int_eq(wait_event(m, 20000).type, MEDIA_EVENT_ENDED);
        receiver_stop(&rx);
        assert_int_eq(rx.res->check.n_errors, 0);
        assert_int_eq(rx.res->check.avc_profile_idc, 100);
        assert_int_eq(rx.res->check.avc_level_idc, 32);
        assert_int_eq(rx.res->frames, 10);
        assert_int_eq(rx.res->width, 640);
        assert_int_eq(rx.res->height, 480);
        receiver_clear(&rx);
}

TEST(media_lpcm_silence, "/media/LPCM 48 kHz silence track: PMT lists LPCM, audio PES flow, stream conforms") {
        _cleanup_(capture_unrefp) struct capture *c = open_testsrc(CAPTURE_PATTERN_DESKTOP, 320, 240);
        struct receiver rx;
        struct media_config cfg;
        _cleanup_(media_freep) struct media *m = NULL;

        receiver_start(&rx);
        cfg = config_for(c, rx.port);
        cfg.audio_lpcm_rate = 44000; /* not a WFD rate */
        assert_int_eq(media_new(&cfg, &m), -EINVAL);
        cfg.audio_lpcm_rate = 48000;
        cfg.max_frames = 15; /* half a second */
        assert_int_eq(media_new(&cfg, &m), 0);
        assert_int_eq(media_start(m), 0);
        assert_int_eq(wait_event(m, 20000).type, MEDIA_EVENT_ENDED);
        receiver_stop(&rx);
        assert_int_eq(rx.res->check.n_errors, 0);
        assert_int_eq(rx.res->check.pmt_audio_stream_type, 0x83);
        /* 10 ms per PES: about 50 in half a second (timing-independent lower bound) */
        assert_int_ge(rx.res->check.n_audio_pes, 10);
        assert_int_eq(rx.res->frames, 15);
        receiver_clear(&rx);
}

TEST(media_aac_tone, "/media/AAC 48 kHz tone: PMT lists ADTS AAC, ADTS frames flow every ~21 ms, stream conforms") {
        _cleanup_(capture_unrefp) struct capture *c = open_testsrc(CAPTURE_PATTERN_DESKTOP, 320, 240);
        struct receiver rx;
        struct media_config cfg;
        _cleanup_(media_freep) struct media *m = NULL;
        struct media_stats st;

        receiver_start(&rx);
        cfg = config_for(c, rx.port);
        cfg.audio_codec = TS_AUDIO_AAC;
        cfg.audio_source = (struct audio_source_config) { .kind = AUDIO_SOURCE_TONE, .tone_hz = 1000 };
        cfg.max_frames = 30;
        assert_int_eq(media_new(&cfg, &m), 0);
        assert_int_eq(media_start(m), 0);
        assert_int_eq(wait_event(m, 20000).type, MEDIA_EVENT_ENDED);
        receiver_stop(&rx);
        assert_int_eq(media_get_stats(m, &st), 0);
        assert_str_eq(st.audio_codec, "aac");
        assert_str_eq(st.audio_input, "tone");
        assert_str_eq(st.audio_reason, "");
        assert_true(st.audio_level_dbfs > -20.5 && st.audio_level_dbfs < -19.5);
        assert_int_ge(st.audio_frames, 480 * 20);
        assert_int_eq(rx.res->check.n_errors, 0);
        assert_int_eq(rx.res->check.pmt_audio_stream_type, 0x0F);
        /* one PES per 1024-frame AAC frame: about as many as 21 ms steps in the sound sent */
        assert_int_ge(rx.res->check.n_audio_pes, st.audio_frames / 1024 - 2);
        assert_int_le(rx.res->check.n_audio_pes, st.audio_frames / 1024 + 1);
        assert_int_eq(rx.res->frames, 30);
        receiver_clear(&rx);
}

TEST(media_audio_fd_attach, "/media/an fd attached mid-stream plays; its end is an AUDIO event, not an error") {
        _cleanup_(capture_unrefp) struct capture *c = open_testsrc(CAPTURE_PATTERN_DESKTOP, 320, 240);
        struct receiver rx;
        struct media_config cfg;
        _cleanup_(media_freep) struct media *m = NULL;
        struct media_stats st;
        struct media_event ev;
        int sv[2];

        receiver_start(&rx);
        cfg = config_for(c, rx.port);
        cfg.audio_codec = TS_AUDIO_LPCM;
        cfg.audio_rate_hz = 48000;
        assert_int_eq(media_new(&cfg, &m), 0);
        assert_int_eq(media_start(m), 0);
        /* a silence source says why it is silent */
        ev = wait_event_any(m, 5000);
        assert_int_eq(ev.type, MEDIA_EVENT_AUDIO);
        assert_str_eq(ev.reason, "no audio input attached");
        assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
        assert_int_eq(media_attach_audio_fd(m, sv[0]), 0);
        ev = wait_event_any(m, 5000);
        assert_int_eq(ev.type, MEDIA_EVENT_AUDIO);
        assert_true(strstr(ev.reason, "waiting") != NULL);
        assert_int_eq(write(sv[1], "garbage garbage!", 16), 16);
        ev = wait_event_any(m, 5000);
        assert_int_eq(ev.type, MEDIA_EVENT_AUDIO);
        assert_true(strstr(ev.reason, "not an audio stream") != NULL);
        close(sv[1]);
        wait_stats(m, 10, &st);
        assert_int_eq(st.state, MEDIA_STATE_PLAYING);
        assert_str_eq(st.audio_input, "fd");
        assert_int_eq(media_stop(m), 0);
        assert_int_eq(wait_event(m, 5000).type, MEDIA_EVENT_ENDED);
        receiver_stop(&rx);
        assert_int_eq(rx.res->check.n_errors, 0);
        assert_int_ge(rx.res->check.n_audio_pes, 10);
        receiver_clear(&rx);
        assert_int_eq(media_attach_audio_fd(m, -1), -EINVAL);
}

TEST(media_idr_request, "/media/IDR on request reaches the sink") {
        _cleanup_(capture_unrefp) struct capture *c = open_testsrc(CAPTURE_PATTERN_MOTION, 320, 240);
        struct receiver rx;
        struct media_config cfg;
        _cleanup_(media_freep) struct media *m = NULL;
        struct media_stats st;
        struct media_event ev;

        receiver_start(&rx);
        cfg = config_for(c, rx.port);
        cfg.encode.idr_interval = 1000; /* no periodic IDR in this test */
        cfg.max_frames = 20;
        assert_int_eq(media_new(&cfg, &m), 0);
        assert_int_eq(media_start(m), 0);
        wait_stats(m, 8, &st);
        assert_int_eq(st.idr_frames, 1);
        assert_int_eq(media_request_idr(m), 0);
        assert_int_eq(media_request_idr(m), 0); /* usually coalesces with the first (test-encode checks that) */
        ev = wait_event(m, 20000);
        assert_int_eq(ev.type, MEDIA_EVENT_ENDED);
        receiver_stop(&rx);
        assert_int_eq(media_get_stats(m, &st), 0);
        assert_int_ge(st.idr_frames, 2);
        assert_int_le(st.idr_frames, 3);
        assert_int_eq(rx.res->check.n_errors, 0);
        assert_int_eq(rx.res->frames, 20);
        assert_int_eq(rx.res->keyframes, st.idr_frames);
        assert_int_eq(rx.res->check.n_random_access, st.idr_frames);
        receiver_clear(&rx);
}

TEST(media_still_screen, "/media/a still screen is not re-encoded, only kept alive") {
        _cleanup_(capture_unrefp) struct capture *c = open_testsrc(CAPTURE_PATTERN_STILL, 320, 240);
        struct receiver rx;
        struct media_config cfg;
        _cleanup_(media_freep) struct media *m = NULL;
        struct media_stats st;

        receiver_start(&rx);
        cfg = config_for(c, rx.port);
        cfg.keepalive_fps = 4;
        assert_int_eq(media_new(&cfg, &m), 0);
        assert_int_eq(media_start(m), 0);
        /* wait until 30 pictures were grabbed (1 s at 30 fps) */
        for (int i = 0; i < 500; i++) {
                assert_int_eq(media_get_stats(m, &st), 0);
                if (st.frames_captured >= 30)
                        break;
                usleep(10000);
        }
        assert_int_eq(media_stop(m), 0);
        assert_int_eq(wait_event(m, 5000).type, MEDIA_EVENT_ENDED);
        receiver_stop(&rx);
        assert_int_eq(media_get_stats(m, &st), 0);
        assert_int_ge(st.frames_captured, 30);
        /* one real picture; everything else skipped, with keep-alive repeats at ~4/s */
        assert_int_eq(st.frames_encoded - st.frames_repeated, 1);
        assert_int_ge(st.frames_skipped, st.frames_captured - 1);
        assert_int_ge(st.frames_repeated, 2); /* >= 1 s at 4/s; lower bound only, never timed tightly */
        assert_int_le(st.frames_repeated, st.frames_captured / 2);
        /* PCR/PAT/PMT keep flowing between the keep-alive frames */
        assert_int_eq(rx.res->check.n_errors, 0);
        /* idle wake-ups add PCRs between the keep-alive frames (the gap itself is load-dependent) */
        assert_int_ge(rx.res->check.n_pcr, st.frames_sent + 1);
        assert_int_eq(rx.res->frames, st.frames_sent);
        assert_int_eq(rx.res->width, 320);
        receiver_clear(&rx);
}

TEST(media_idle_backoff, "/media/an idle screen: after a second, keep-alive repeats slow to one a second") {
        _cleanup_(capture_unrefp) struct capture *c = open_testsrc(CAPTURE_PATTERN_STILL, 320, 240);
        struct receiver rx;
        struct media_config cfg;
        _cleanup_(media_freep) struct media *m = NULL;
        struct media_stats st;

        receiver_start(&rx);
        cfg = config_for(c, rx.port);
        cfg.keepalive_fps = 10;
        assert_int_eq(media_new(&cfg, &m), 0);
        assert_int_eq(media_start(m), 0);
        usleep(4000000);
        assert_int_eq(media_stop(m), 0);
        assert_int_eq(wait_event(m, 5000).type, MEDIA_EVENT_ENDED);
        receiver_stop(&rx);
        assert_int_eq(media_get_stats(m, &st), 0);
        /* 4 s still: ~10 repeats in the first second, then ~1 a second (~13); at a steady 10/s it
         * would be ~40. Bounds leave room for a loaded machine on both sides. */
        assert_int_eq(st.frames_encoded - st.frames_repeated, 1);
        assert_int_ge(st.frames_repeated, 4);
        assert_int_le(st.frames_repeated, 20);
        assert_int_eq(rx.res->check.n_errors, 0);
        assert_int_eq(rx.res->frames, st.frames_sent);
        receiver_clear(&rx);
}

TEST(media_pause_resume, "/media/pause stops frames, resume restarts them with an IDR; bit rate changes") {
        _cleanup_(capture_unrefp) struct capture *c = open_testsrc(CAPTURE_PATTERN_DESKTOP, 320, 240);
        struct receiver rx;
        struct media_config cfg;
        _cleanup_(media_freep) struct media *m = NULL;
        struct media_stats st, st2;

        receiver_start(&rx);
        cfg = config_for(c, rx.port);
        cfg.encode.idr_interval = 1000;
        assert_int_eq(media_new(&cfg, &m), 0);
        assert_int_eq(media_start(m), 0);
        wait_stats(m, 5, &st);
        assert_int_eq(media_pause(m), 0);
        for (int i = 0; i < 500; i++) {
                assert_int_eq(media_get_stats(m, &st), 0);
                if (st.state == MEDIA_STATE_PAUSED)
                        break;
                usleep(10000);
        }
        assert_int_eq(st.state, MEDIA_STATE_PAUSED);
        /* The pipeline thread itself switched to PAUSED between ticks, after sending its last frame:
         * nothing more is captured or sent (no picture waits anywhere to be sent later). */
        usleep(200000);
        assert_int_eq(media_get_stats(m, &st2), 0);
        assert_int_eq(st2.frames_captured, st.frames_captured);
        assert_int_eq(st2.frames_sent, st.frames_sent);
        st = st2;

        assert_int_eq(media_set_bitrate(m, 0), -EINVAL);
        assert_int_eq(media_set_bitrate(m, 3000000), 0);
        assert_int_eq(media_resume(m), 0);
        wait_stats(m, st.frames_sent + 3, &st2);
        assert_int_eq(st2.state, MEDIA_STATE_PLAYING);
        assert_int_ge(st2.idr_frames, 2); /* the first, and one after resume */
        assert_int_eq(st2.bitrate_bps, 3000000);
        assert_int_eq(media_stop(m), 0);
        assert_int_eq(wait_event(m, 5000).type, MEDIA_EVENT_ENDED);
        receiver_stop(&rx);
        receiver_clear(&rx);
}

/* ---- resume after a pause: what reaches the sink in the first moments --------------------- */

#define RESUME_MAX_DGRAMS 20000

struct dgram_log {
        int fd;
        uint16_t port;
        pthread_t thread;
        volatile bool stop;
        unsigned n;
        uint64_t usec[RESUME_MAX_DGRAMS];
        uint16_t len[RESUME_MAX_DGRAMS];
        uint8_t data[RESUME_MAX_DGRAMS][1328];
};

static uint64_t mono_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

/* Records every datagram with its arrival time until stopped and 300 ms pass without one. */
static void *dgram_log_thread(void *userdata)
{
        struct dgram_log *l = userdata;

        for (;;) {
                struct pollfd p = { .fd = l->fd, .events = POLLIN };
                ssize_t k;

                if (poll(&p, 1, 300) <= 0) {
                        if (l->stop)
                                return NULL;
                        continue;
                }
                k = recv(l->fd, l->data[l->n < RESUME_MAX_DGRAMS ? l->n : 0], sizeof(l->data[0]), 0);
                if (k < 0 || l->n >= RESUME_MAX_DGRAMS)
                        continue;
                l->usec[l->n] = mono_usec();
                l->len[l->n] = (uint16_t) k;
                l->n++;
        }
}

static struct dgram_log *dgram_log_start(void)
{
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t sl = sizeof(sa);
        struct dgram_log *l = calloc(1, sizeof(*l));
        int big = 8 << 20;

        assert_non_null(l);
        l->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        assert_int_ge(l->fd, 0);
        /* A big buffer (SO_RCVBUFFORCE needs root; SO_RCVBUF is capped): we count what was sent, not what fit. */
        if (setsockopt(l->fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)) < 0)
                (void) setsockopt(l->fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
        assert_int_eq(bind(l->fd, (struct sockaddr *) &sa, sizeof(sa)), 0);
        assert_int_eq(getsockname(l->fd, (struct sockaddr *) &sa, &sl), 0);
        l->port = ntohs(sa.sin_port);
        assert_int_eq(pthread_create(&l->thread, NULL, dgram_log_thread, l), 0);
        return l;
}

static void dgram_log_stop(struct dgram_log *l)
{
        l->stop = true;
        pthread_join(l->thread, NULL);
        close(l->fd);
}

static uint64_t pes_pts(const uint8_t *pes)
{
        return ((uint64_t) (pes[9] >> 1 & 7) << 30) | (uint64_t) pes[10] << 22 | (uint64_t) (pes[11] >> 1) << 15 |
               (uint64_t) pes[12] << 7 | pes[13] >> 1;
}

TEST(media_resume_no_burst, "/media/resume after a 2 s pause: no stale audio burst, first video an IDR, fresh PTS") {
        _cleanup_(capture_unrefp) struct capture *c = open_testsrc(CAPTURE_PATTERN_MOTION, 320, 240);
        struct media_config cfg;
        _cleanup_(media_freep) struct media *m = NULL;
        struct dgram_log *l = dgram_log_start();
        struct media_stats st;
        uint64_t resume, bytes_50ms = 0, packets_50ms = 0, video_pts = 0, audio_pts = 0;
        bool have_video = false, have_audio = false, video_rai = false;

        cfg = config_for(c, l->port);
        cfg.audio_lpcm_rate = 48000;
        cfg.encode.idr_interval = 1000;
        assert_int_eq(media_new(&cfg, &m), 0);
        assert_int_eq(media_start(m), 0);
        wait_stats(m, 10, &st);
        assert_int_eq(media_pause(m), 0);
        usleep(2000000);
        resume = mono_usec();
        assert_int_eq(media_resume(m), 0);
        wait_stats(m, st.frames_sent + 10, &st);
        assert_int_eq(media_stop(m), 0);
        assert_int_eq(wait_event(m, 5000).type, MEDIA_EVENT_ENDED);
        dgram_log_stop(l);

        for (unsigned i = 0; i < l->n; i++) {
                if (l->usec[i] < resume)
                        continue;
                if (l->usec[i] < resume + 50000) {
                        packets_50ms++;
                        bytes_50ms += l->len[i];
                }
                for (unsigned off = 12; off + TS_PACKET_SIZE <= l->len[i]; off += TS_PACKET_SIZE) {
                        const uint8_t *ts = l->data[i] + off;
                        unsigned pid = (ts[1] & 0x1f) << 8 | ts[2], afc = ts[3] >> 4 & 3, hdr = 4;
                        bool rai = false;

                        if (!(ts[1] & 0x40) || (pid != 0x1011 && pid != 0x1100))
                                continue;
                        if (afc & 2) {
                                rai = ts[4] > 0 && (ts[5] & 0x40);
                                hdr += 1 + ts[4];
                        }
                        if (hdr + 14 > TS_PACKET_SIZE)
                                continue;
                        if (pid == 0x1011 && !have_video) {
                                have_video = true;
                                video_rai = rai;
                                video_pts = pes_pts(ts + hdr);
                        } else if (pid == 0x1100 && !have_audio) {
                                have_audio = true;
                                audio_pts = pes_pts(ts + hdr);
                        }
                }
        }
        printf("  first 50 ms after resume: %llu packets, %llu bytes; first video PTS %llu (RAI %d), audio PTS %llu\n",
               (unsigned long long) packets_50ms, (unsigned long long) bytes_50ms, (unsigned long long) video_pts,
               video_rai, (unsigned long long) audio_pts);
        assert_true(have_video && have_audio);
        /* The first picture after resume is an IDR (random_access_indicator on its first TS packet). */
        assert_true(video_rai);
        /* 50 ms of 1 Mbit/s video plus 48 kHz stereo LPCM is ~20 kB; two seconds of stale audio would be ~400 kB. */
        assert_int_le(bytes_50ms, 100000);
        /* Audio resumes at the present: its first PTS is not seconds behind the first picture's. */
        assert_int_ge(audio_pts + 9000, video_pts);
        assert_int_le(audio_pts, video_pts + 9000);
        free(l);
}

TEST(media_shared_capture, "/media/two sessions share one capture") {
        _cleanup_(capture_unrefp) struct capture *c = open_testsrc(CAPTURE_PATTERN_DESKTOP, 320, 240);
        struct receiver rx1, rx2;
        struct media_config cfg;
        _cleanup_(media_freep) struct media *a = NULL;
        _cleanup_(media_freep) struct media *b = NULL;
        receiver_start(&rx1);
        receiver_start(&rx2);
        cfg = config_for(c, rx1.port);
        cfg.max_frames = 10;
        assert_int_eq(media_new(&cfg, &a), 0);
        cfg.dest_port = rx2.port;
        cfg.encode.width = 640; /* the second sink negotiated another size */
        cfg.encode.height = 480;
        assert_int_eq(media_new(&cfg, &b), 0);
        assert_int_eq(media_start(a), 0);
        assert_int_eq(media_start(b), 0);
        assert_int_eq(wait_event(a, 20000).type, MEDIA_EVENT_ENDED);
        assert_int_eq(wait_event(b, 20000).type, MEDIA_EVENT_ENDED);
        receiver_stop(&rx1);
        receiver_stop(&rx2);
        a = media_free(a);
        assert_int_eq(rx1.res->check.n_errors, 0);
        assert_int_eq(rx2.res->check.n_errors, 0);
        assert_int_eq(rx1.res->frames, 10);
        assert_int_eq(rx1.res->width, 320);
        assert_int_eq(rx2.res->frames, 10);
        assert_int_eq(rx2.res->width, 640);
        receiver_clear(&rx1);
        receiver_clear(&rx2);
}

TEST(media_error_event, "/media/a send failure is not fatal; a port nobody listens on only counts errors") {
        _cleanup_(capture_unrefp) struct capture *c = open_testsrc(CAPTURE_PATTERN_DESKTOP, 320, 240);
        struct receiver rx;
        struct media_config cfg;
        _cleanup_(media_freep) struct media *m = NULL;
        struct media_stats st;
        uint16_t port;

        /* find a free port, then close it: the sink "went away" */
        receiver_start(&rx);
        port = rx.port;
        receiver_stop(&rx);
        receiver_clear(&rx);
        cfg = config_for(c, port);
        cfg.max_frames = 10;
        assert_int_eq(media_new(&cfg, &m), 0);
        assert_int_eq(media_start(m), 0);
        assert_int_eq(wait_event(m, 20000).type, MEDIA_EVENT_ENDED);
        assert_int_eq(media_get_stats(m, &st), 0);
        assert_int_eq(st.frames_sent, 10);
        /* ICMP port unreachable makes some sends fail; they are counted, never fatal */
        assert_int_ge(st.send_errors + st.rtp_packets, 10);
}

TEST(media_start_stop_cycles, "/media/100 start/stop cycles: stable fd count, no leaks") {
        _cleanup_(capture_unrefp) struct capture *c = open_testsrc(CAPTURE_PATTERN_DESKTOP, 320, 240);
        struct receiver rx;
        unsigned fds_before, fds_after;

        receiver_start(&rx);
        fds_before = count_fds();
        for (int i = 0; i < 100; i++) {
                struct media_config cfg = config_for(c, rx.port);
                struct media *m = NULL;
                struct media_stats st;

                cfg.encode.width = 160;
                cfg.encode.height = 120;
                assert_int_eq(media_new(&cfg, &m), 0);
                /* most cycles start, some never do; some wait for a frame, most stop mid-flight */
                if (i % 3 != 2)
                        assert_int_eq(media_start(m), 0);
                if (i % 3 != 2 && i % 10 == 0)
                        wait_stats(m, 1, &st);
                if (i % 2 == 0)
                        assert_int_eq(media_stop(m), 0);
                m = media_free(m);
        }
        fds_after = count_fds();
        assert_int_eq(fds_after, fds_before);
        receiver_stop(&rx);
        receiver_clear(&rx);
}
