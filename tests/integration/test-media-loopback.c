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
#include "../lib/test.h"

__attribute__((constructor)) static void quiet_ffmpeg(void)
{
        av_log_set_level(AV_LOG_ERROR);
}

/* ---- a UDP receiver thread collecting RTP payloads ------------------------- */

struct receiver {
        int fd;
        uint16_t port;
        pthread_t thread;
        volatile bool stop;
        uint8_t *ts;    /* concatenated RTP payloads */
        size_t ts_size, ts_alloc;
        unsigned packets;
        unsigned bad_version, bad_pt, bad_seq, bad_size;
        uint16_t last_seq;
        uint32_t ssrc;
        bool ssrc_changed;
};

static void *receiver_thread(void *userdata)
{
        struct receiver *rx = userdata;
        uint8_t buf[2048];

        while (!rx->stop) {
                struct pollfd p = { .fd = rx->fd, .events = POLLIN };
                ssize_t n;

                if (poll(&p, 1, 20) <= 0)
                        continue;
                n = recv(rx->fd, buf, sizeof(buf), 0);
                if (n < 12)
                        continue;
                if ((buf[0] >> 6) != 2)
                        rx->bad_version++;
                if ((buf[1] & 0x7f) != 33)
                        rx->bad_pt++;
                if ((n - 12) % 188 != 0 || n - 12 > 7 * 188)
                        rx->bad_size++;
                uint16_t seq = (uint16_t) (buf[2] << 8 | buf[3]);
                uint32_t ssrc = (uint32_t) buf[8] << 24 | buf[9] << 16 | buf[10] << 8 | buf[11];
                if (rx->packets > 0 && seq != (uint16_t) (rx->last_seq + 1))
                        rx->bad_seq++;
                if (rx->packets > 0 && ssrc != rx->ssrc)
                        rx->ssrc_changed = true;
                rx->last_seq = seq;
                rx->ssrc = ssrc;
                rx->packets++;
                if (rx->ts_size + (size_t) n > rx->ts_alloc) {
                        rx->ts_alloc = (rx->ts_alloc + (size_t) n) * 2;
                        rx->ts = realloc(rx->ts, rx->ts_alloc);
                        if (!rx->ts)
                                abort();
                }
                memcpy(rx->ts + rx->ts_size, buf + 12, (size_t) n - 12);
                rx->ts_size += (size_t) n - 12;
        }
        return NULL;
}

static void receiver_start(struct receiver *rx)
{
        struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof(sin);
        int rcvbuf = 4 << 20;

        *rx = (struct receiver) {};
        rx->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        assert_int_ge(rx->fd, 0);
        (void) setsockopt(rx->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
        assert_int_eq(bind(rx->fd, (struct sockaddr *) &sin, sizeof(sin)), 0);
        assert_int_eq(getsockname(rx->fd, (struct sockaddr *) &sin, &len), 0);
        rx->port = ntohs(sin.sin_port);
        assert_int_eq(pthread_create(&rx->thread, NULL, receiver_thread, rx), 0);
}

static void receiver_stop(struct receiver *rx)
{
        usleep(50000); /* let the last datagrams in */
        rx->stop = true;
        pthread_join(rx->thread, NULL);
        close(rx->fd);
}

static void receiver_clear(struct receiver *rx)
{
        free(rx->ts);
        rx->ts = NULL;
}

/* ---- TS checks --------------------------------------------------------------- */

struct ts_summary {
        unsigned pat, pmt, video, other, cc_errors;
};

static void ts_check(const uint8_t *ts, size_t size, struct ts_summary *ret)
{
        int cc[8192];

        *ret = (struct ts_summary) {};
        memset(cc, -1, sizeof(cc));
        for (size_t off = 0; off + 188 <= size; off += 188) {
                const uint8_t *p = ts + off;
                unsigned pid = (p[1] & 0x1f) << 8 | p[2];
                bool payload = p[3] & 0x10;

                assert_int_eq(p[0], 0x47);
                if (pid == 0)
                        ret->pat++;
                else if (pid == 0x100)
                        ret->pmt++;
                else if (pid == 0x1011)
                        ret->video++;
                else
                        ret->other++;
                if (payload && pid != 0x1fff) {
                        int c = p[3] & 0x0f;
                        if (cc[pid] >= 0 && c != ((cc[pid] + 1) & 0x0f))
                                ret->cc_errors++;
                        cc[pid] = c;
                }
        }
}

/* ---- decoding what arrived ----------------------------------------------------- */

struct mem_reader {
        const uint8_t *data;
        size_t size, pos;
};

static int mem_read(void *opaque, uint8_t *buf, int size)
{
        struct mem_reader *m = opaque;
        size_t n = MIN((size_t) size, m->size - m->pos);

        if (n == 0)
                return AVERROR_EOF;
        memcpy(buf, m->data + m->pos, n);
        m->pos += n;
        return (int) n;
}

struct decoded {
        int frames, keyframes, width, height;
        enum AVCodecID codec;
};

static void decode_ts(const uint8_t *ts, size_t size, struct decoded *ret)
{
        struct mem_reader mr = { ts, size, 0 };
        AVFormatContext *fc = avformat_alloc_context();
        uint8_t *iobuf = av_malloc(65536);
        AVIOContext *pb = avio_alloc_context(iobuf, 65536, 0, &mr, mem_read, NULL, NULL);
        const AVCodec *codec;
        AVCodecContext *dec;
        AVPacket *pkt = av_packet_alloc();
        AVFrame *frame = av_frame_alloc();
        int r, vi;

        *ret = (struct decoded) {};
        fc->pb = pb;
        assert_int_eq(avformat_open_input(&fc, NULL, av_find_input_format("mpegts"), NULL), 0);
        assert_int_ge(avformat_find_stream_info(fc, NULL), 0);
        vi = av_find_best_stream(fc, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
        assert_int_ge(vi, 0);
        ret->codec = fc->streams[vi]->codecpar->codec_id;
        assert_int_eq(fc->streams[vi]->id, 0x1011);
        codec = avcodec_find_decoder(ret->codec);
        dec = avcodec_alloc_context3(codec);
        assert_int_eq(avcodec_parameters_to_context(dec, fc->streams[vi]->codecpar), 0);
        assert_int_eq(avcodec_open2(dec, codec, NULL), 0);

        while (av_read_frame(fc, pkt) >= 0) {
                if (pkt->stream_index == vi) {
                        ret->keyframes += !!(pkt->flags & AV_PKT_FLAG_KEY);
                        r = avcodec_send_packet(dec, pkt);
                        assert_true(r == 0 || r == AVERROR_INVALIDDATA);
                }
                av_packet_unref(pkt);
                while (avcodec_receive_frame(dec, frame) == 0) {
                        ret->frames++;
                        ret->width = frame->width;
                        ret->height = frame->height;
                        av_frame_unref(frame);
                }
        }
        /* the NULL flush: the decoder returns what it still holds */
        assert_int_eq(avcodec_send_packet(dec, NULL), 0);
        while (avcodec_receive_frame(dec, frame) == 0) {
                ret->frames++;
                av_frame_unref(frame);
        }
        av_frame_free(&frame);
        av_packet_free(&pkt);
        avcodec_free_context(&dec);
        avformat_close_input(&fc);
        av_freep(&pb->buffer);
        avio_context_free(&pb);
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

/* Wait (poll on the media fd) for the next event; fails the test after timeout_ms. */
static struct media_event wait_event(struct media *m, int timeout_ms)
{
        struct pollfd p = { .fd = media_get_fd(m), .events = POLLIN };
        struct media_event ev;

        assert_int_eq(poll(&p, 1, timeout_ms), 1);
        assert_int_eq(media_read_event(m, &ev), 0);
        if (ev.type == MEDIA_EVENT_ERROR)
                fprintf(stdout, "  media error event: %s\n", ev.reason);
        return ev;
}

static void wait_stats(struct media *m, uint64_t frames_sent, struct media_stats *st)
{
        struct media_event ev;

        for (int i = 0; i < 1000; i++) {
                assert_int_eq(media_get_stats(m, st), 0);
                if (st->frames_sent >= frames_sent)
                        return;
                if (media_read_event(m, &ev) == 0)
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
        struct ts_summary ts;
        struct decoded d;

        receiver_start(&rx);
        cfg = config_for(c, rx.port);
        cfg.max_frames = 30;
        assert_int_eq(media_new(&cfg, &m), 0);
        assert_int_ge(media_get_local_port(m), 1);
        assert_int_eq(media_get_stats(m, &st), 0);
        assert_int_eq(st.state, MEDIA_STATE_IDLE);
        assert_str_eq(st.encoder, "libx264");
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
        assert_int_eq(st.rtp_packets, rx.packets);
        assert_int_eq(st.bytes_sent, rx.ts_size + 12 * rx.packets);

        assert_int_eq(rx.bad_version, 0);
        assert_int_eq(rx.bad_pt, 0);
        assert_int_eq(rx.bad_seq, 0);
        assert_int_eq(rx.bad_size, 0);
        assert_false(rx.ssrc_changed);
        ts_check(rx.ts, rx.ts_size, &ts);
        assert_int_ge(ts.pat, 1);
        assert_int_ge(ts.pmt, 1);
        assert_int_ge(ts.video, 30);
        assert_int_eq(ts.cc_errors, 0);

        decode_ts(rx.ts, rx.ts_size, &d);
        assert_int_eq(d.codec, AV_CODEC_ID_H264);
        assert_int_eq(d.width, 320);
        assert_int_eq(d.height, 240);
        assert_int_eq(d.frames, 30);
        assert_int_ge(d.keyframes, 1);
        receiver_clear(&rx);
}

TEST(media_idr_request, "/media/IDR on request reaches the sink") {
        _cleanup_(capture_unrefp) struct capture *c = open_testsrc(CAPTURE_PATTERN_MOTION, 320, 240);
        struct receiver rx;
        struct media_config cfg;
        _cleanup_(media_freep) struct media *m = NULL;
        struct media_stats st;
        struct media_event ev;
        struct decoded d;

        receiver_start(&rx);
        cfg = config_for(c, rx.port);
        cfg.encode.idr_interval = 1000; /* no periodic IDR in this test */
        cfg.max_frames = 20;
        assert_int_eq(media_new(&cfg, &m), 0);
        assert_int_eq(media_start(m), 0);
        wait_stats(m, 8, &st);
        assert_int_eq(st.idr_frames, 1);
        assert_int_eq(media_request_idr(m), 0);
        assert_int_eq(media_request_idr(m), 0); /* coalesces with the first */
        ev = wait_event(m, 20000);
        assert_int_eq(ev.type, MEDIA_EVENT_ENDED);
        receiver_stop(&rx);
        assert_int_eq(media_get_stats(m, &st), 0);
        assert_int_eq(st.idr_frames, 2);
        decode_ts(rx.ts, rx.ts_size, &d);
        assert_int_eq(d.frames, 20);
        assert_int_eq(d.keyframes, 2);
        receiver_clear(&rx);
}

TEST(media_still_screen, "/media/a still screen is not re-encoded, only kept alive") {
        _cleanup_(capture_unrefp) struct capture *c = open_testsrc(CAPTURE_PATTERN_STILL, 320, 240);
        struct receiver rx;
        struct media_config cfg;
        _cleanup_(media_freep) struct media *m = NULL;
        struct media_stats st;
        struct decoded d;

        receiver_start(&rx);
        cfg = config_for(c, rx.port);
        cfg.keepalive_fps = 10;
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
        /* one real picture; everything else skipped, with keep-alive repeats at ~10/s */
        assert_int_eq(st.frames_encoded - st.frames_repeated, 1);
        assert_int_ge(st.frames_skipped, st.frames_captured - 1);
        assert_int_ge(st.frames_repeated, 3);
        assert_int_le(st.frames_repeated, st.frames_captured / 2);
        decode_ts(rx.ts, rx.ts_size, &d);
        assert_int_eq(d.frames, (int) st.frames_sent);
        assert_int_eq(d.width, 320);
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
        usleep(100000); /* a picture in flight may still go out */
        assert_int_eq(media_get_stats(m, &st), 0);
        usleep(200000);
        assert_int_eq(media_get_stats(m, &st2), 0);
        assert_int_eq(st2.frames_captured, st.frames_captured);
        assert_int_eq(st2.frames_sent, st.frames_sent);

        assert_int_eq(media_set_bitrate(m, 0), -EINVAL);
        assert_int_eq(media_set_bitrate(m, 3000000), 0);
        assert_int_eq(media_resume(m), 0);
        wait_stats(m, st.frames_sent + 3, &st2);
        assert_int_eq(st2.state, MEDIA_STATE_PLAYING);
        assert_int_eq(st2.idr_frames, 2);
        assert_int_eq(st2.bitrate_bps, 3000000);
        assert_int_eq(media_stop(m), 0);
        assert_int_eq(wait_event(m, 5000).type, MEDIA_EVENT_ENDED);
        receiver_stop(&rx);
        receiver_clear(&rx);
}

TEST(media_shared_capture, "/media/two sessions share one capture") {
        _cleanup_(capture_unrefp) struct capture *c = open_testsrc(CAPTURE_PATTERN_DESKTOP, 320, 240);
        struct receiver rx1, rx2;
        struct media_config cfg;
        _cleanup_(media_freep) struct media *a = NULL;
        _cleanup_(media_freep) struct media *b = NULL;
        struct decoded d1, d2;

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
        decode_ts(rx1.ts, rx1.ts_size, &d1);
        decode_ts(rx2.ts, rx2.ts_size, &d2);
        assert_int_eq(d1.frames, 10);
        assert_int_eq(d1.width, 320);
        assert_int_eq(d2.frames, 10);
        assert_int_eq(d2.width, 640);
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
