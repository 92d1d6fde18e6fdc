/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * RTP: header codec and MP2T packet writer (protocol/rtp.c), the UDP sender
 * (encoder/rtp_send.c) over socketpair() and loopback, and the whole way
 * round: libx264 access units -> ts_mux -> rtp -> rtp_send -> loopback UDP ->
 * FFmpeg's RTP/MPEG-TS demuxer and H.264 decoder (tests/lib/rtp-receive.h).
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavutil/opt.h>

#include "../../encoder/rtp_send.h"
#include "../../protocol/rtp.h"
#include "../../protocol/ts_mux.h"
#include "../lib/rtp-receive.h"
#include "../lib/test.h"

TEST(rtp_header_roundtrip, "/rtp/header/write then parse gives the same fields")
{
        struct rtp_header h = { .marker = true, .payload_type = 33, .seq = 0xBEEF, .timestamp = 0x89ABCDEF,
                                .ssrc = 0x01234567 }, p;
        uint8_t buf[RTP_HEADER_SIZE + 4] = {};
        size_t off, len;

        rtp_header_write(&h, buf);
        assert_int_eq(buf[0], 0x80);
        assert_int_eq(buf[1], 0x80 | 33);
        assert_int_eq(buf[2], 0xBE);
        assert_int_eq(buf[3], 0xEF);
        assert_int_eq(buf[4], 0x89);
        assert_int_eq(buf[11], 0x67);
        assert_int_eq(rtp_header_parse(buf, sizeof(buf), &p, &off, &len), 0);
        assert_true(p.marker);
        assert_int_eq(p.payload_type, 33);
        assert_int_eq(p.seq, 0xBEEF);
        assert_int_eq(p.timestamp, 0x89ABCDEF);
        assert_int_eq(p.ssrc, 0x01234567);
        assert_int_eq(off, 12);
        assert_int_eq(len, 4);
}

TEST(rtp_header_parse_bad, "/rtp/header/parse rejects short, wrong version and overruns")
{
        uint8_t buf[32] = { 0x80, 33 };
        struct rtp_header h = { .seq = 7 };
        size_t off, len;

        assert_int_eq(rtp_header_parse(buf, 11, &h, &off, &len), -EBADMSG);
        buf[0] = 0x40; /* version 1 */
        assert_int_eq(rtp_header_parse(buf, sizeof(buf), &h, &off, &len), -EBADMSG);
        buf[0] = 0x80 | 6; /* 6 CSRCs = 24 bytes: 12 + 24 > 32 */
        assert_int_eq(rtp_header_parse(buf, sizeof(buf), &h, &off, &len), -EBADMSG);
        buf[0] = 0x80 | 0x10; /* extension of 5 words: 12 + 4 + 20 > 32 */
        buf[14] = 0;
        buf[15] = 5;
        assert_int_eq(rtp_header_parse(buf, sizeof(buf), &h, &off, &len), -EBADMSG);
        buf[0] = 0x80 | 0x20; /* padding longer than the payload */
        buf[31] = 30;
        assert_int_eq(rtp_header_parse(buf, sizeof(buf), &h, &off, &len), -EBADMSG);
        assert_int_eq(h.seq, 7); /* untouched on failure */

        /* CSRC + extension + padding that fit. */
        buf[0] = 0x80 | 0x20 | 0x10 | 1;
        buf[16] = 0;
        buf[17] = 0;
        buf[18] = 0;
        buf[19] = 1; /* one extension word */
        buf[31] = 4;
        assert_int_eq(rtp_header_parse(buf, sizeof(buf), &h, &off, &len), 0);
        assert_int_eq(off, 12 + 4 + 4 + 4);
        assert_int_eq(len, 32 - 24 - 4);
        assert_int_eq(h.csrc_count, 1);
}

static void fill_ts(struct rtp_mp2t_writer *w, uint32_t ts, unsigned n, uint8_t tag)
{
        for (unsigned i = 0; i < n; i++) {
                uint8_t *p;

                assert_int_eq(rtp_mp2t_writer_next_ts(w, ts, &p), 0);
                memset(p, tag, RTP_TS_PACKET_SIZE);
                p[0] = 0x47;
        }
}

TEST(rtp_writer_seven, "/rtp/writer/7 TS packets per RTP packet, sequence +1 with wrap")
{
        struct rtp_mp2t_writer w;
        struct rtp_header h;
        size_t off, len;

        rtp_mp2t_writer_init(&w, 0xCAFEF00D, 0xFFFF);
        fill_ts(&w, 1000, 6, 0xAA);
        assert_int_eq(w.n_packets, 0);
        fill_ts(&w, 2000, 1, 0xAA);
        assert_int_eq(w.n_packets, 1);
        fill_ts(&w, 3000, 7, 0xBB);
        assert_int_eq(w.n_packets, 2);
        assert_int_eq(rtp_header_parse(rtp_mp2t_writer_packet(&w, 0), RTP_MP2T_PACKET_SIZE, &h, &off, &len), 0);
        assert_int_eq(h.seq, 0xFFFF);
        assert_int_eq(h.ssrc, 0xCAFEF00D);
        assert_int_eq(h.timestamp, 1000); /* the time of the packet's first TS packet */
        assert_int_eq(h.payload_type, 33);
        assert_int_eq(len, 7 * 188);
        assert_int_eq(rtp_header_parse(rtp_mp2t_writer_packet(&w, 1), RTP_MP2T_PACKET_SIZE, &h, &off, &len), 0);
        assert_int_eq(h.seq, 0);
        assert_int_eq(rtp_mp2t_writer_packet(&w, 1)[12 + 188 * 6 + 1], 0xBB);
        rtp_mp2t_writer_clear(&w);
}

TEST(rtp_writer_flush, "/rtp/writer/flush pads the open packet with null TS packets")
{
        struct rtp_mp2t_writer w;
        const uint8_t *p;

        rtp_mp2t_writer_init(&w, 1, 10);
        rtp_mp2t_writer_flush(&w); /* nothing open: nothing to do */
        assert_int_eq(w.n_packets, 0);
        fill_ts(&w, 0, 2, 0x11);
        rtp_mp2t_writer_flush(&w);
        assert_int_eq(w.n_packets, 1);
        assert_int_eq(w.n_ts, 0);
        assert_int_eq(w.n_null_ts, 5);
        p = rtp_mp2t_writer_packet(&w, 0);
        assert_int_eq(p[12 + 188 + 1], 0x11);
        for (unsigned i = 2; i < 7; i++) {
                const uint8_t *ts = p + 12 + 188 * i;

                assert_int_eq(ts[0], 0x47);
                assert_int_eq((ts[1] & 0x1F) << 8 | ts[2], 0x1FFF);
                assert_int_eq(ts[3] & 0x30, 0x10);
        }
        rtp_mp2t_writer_reset(&w);
        assert_int_eq(w.n_packets, 0);
        fill_ts(&w, 0, 7, 0x22);
        assert_int_eq(rtp_mp2t_writer_packet(&w, 0)[3], 11); /* sequence kept across reset */
        rtp_mp2t_writer_clear(&w);
}

TEST(rtp_writer_limit, "/rtp/writer/a batch is bounded by RTP_MP2T_MAX_PACKETS")
{
        struct rtp_mp2t_writer w;
        uint8_t *p;
        int r = 0;

        rtp_mp2t_writer_init(&w, 1, 0);
        for (unsigned i = 0; i < RTP_MP2T_MAX_PACKETS * RTP_TS_PER_PACKET + 1 && r == 0; i++) {
                r = rtp_mp2t_writer_next_ts(&w, 0, &p);
                if (r == 0)
                        memset(p, 0x47, 188);
        }
        assert_int_eq(r, -E2BIG);
        assert_int_eq(w.n_packets, RTP_MP2T_MAX_PACKETS);
        rtp_mp2t_writer_clear(&w);
}

/* ---- rtp_send ---------------------------------------------------------------- */

static void make_packets(uint8_t *buf, size_t n, uint8_t tag)
{
        for (size_t i = 0; i < n; i++) {
                memset(buf + i * RTP_MP2T_PACKET_SIZE, tag, RTP_MP2T_PACKET_SIZE);
                buf[i * RTP_MP2T_PACKET_SIZE] = (uint8_t) i;
        }
}

TEST(rtp_send_socketpair, "/rtp_send/sends every packet of a frame in order")
{
        static uint8_t pk[40 * RTP_MP2T_PACKET_SIZE], rx[2048];
        struct rtp_send_stats st;
        struct rtp_send *s = NULL;
        int sv[2];

        assert_int_eq(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv), 0);
        assert_int_eq(rtp_send_new_from_fd(sv[0], &(struct rtp_send_config) { .sndbuf_bytes = 1 << 20 }, &s), 0);
        make_packets(pk, 40, 0x5A);
        assert_int_eq(rtp_send_frame(s, pk, 40, RTP_MP2T_PACKET_SIZE, RTP_SEND_KIND_IDR), RTP_SEND_OK);
        for (unsigned i = 0; i < 40; i++) {
                ssize_t n = recv(sv[1], rx, sizeof(rx), MSG_DONTWAIT);

                assert_int_eq(n, RTP_MP2T_PACKET_SIZE);
                assert_int_eq(rx[0], i);
                assert_mem_eq(rx, pk + i * RTP_MP2T_PACKET_SIZE, RTP_MP2T_PACKET_SIZE);
        }
        assert_int_eq(recv(sv[1], rx, sizeof(rx), MSG_DONTWAIT), -1);
        rtp_send_get_stats(s, &st);
        assert_int_eq(st.packets, 40);
        assert_int_eq(st.bytes, 40 * RTP_MP2T_PACKET_SIZE);
        assert_int_eq(st.frames_sent, 1);
        assert_int_eq(st.frames_dropped, 0);
        assert_int_eq(rtp_send_frame(s, pk, 1, 0, RTP_SEND_KIND_IDR), -EINVAL);
        assert_int_eq(rtp_send_frame(s, pk, 0, RTP_MP2T_PACKET_SIZE, RTP_SEND_KIND_DELTA), RTP_SEND_OK);
        rtp_send_free(s);
        close(sv[1]);
}

static unsigned drain(int fd)
{
        uint8_t rx[2048];
        unsigned n = 0;

        while (recv(fd, rx, sizeof(rx), MSG_DONTWAIT) > 0)
                n++;
        return n;
}

TEST(rtp_send_stall_drops, "/rtp_send/a stalled socket drops whole frames and owes an IDR")
{
        static uint8_t pk[8 * RTP_MP2T_PACKET_SIZE];
        struct rtp_send_stats st;
        struct rtp_send *s = NULL;
        int sv[2], r = RTP_SEND_OK;
        unsigned frames = 0, got;

        assert_int_eq(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv), 0);
        assert_int_eq(rtp_send_new_from_fd(sv[0],
                                           &(struct rtp_send_config) { .sndbuf_bytes = 64 * 1024,
                                                                       .stall_usec = 1000 },
                                           &s),
                      0);
        make_packets(pk, 8, 0x33);
        /* Nobody reads sv[1]: the queue fills and a frame must be dropped, not queued. */
        while (r == RTP_SEND_OK && frames < 10000) {
                r = rtp_send_frame(s, pk, 8, RTP_MP2T_PACKET_SIZE,
                                   frames == 0 ? RTP_SEND_KIND_IDR : RTP_SEND_KIND_DELTA);
                frames++;
        }
        assert_int_eq(r, RTP_SEND_DROPPED);
        rtp_send_get_stats(s, &st);
        assert_int_eq(st.frames_dropped, 1);
        assert_int_ge(st.packets_dropped, 1);
        assert_int_eq(st.frames_sent, frames - 1);
        /* an IDR asked for now would be dropped as well: encoder/media.c waits */
        assert_true(rtp_send_is_congested(s));

        /* Until an IDR passes, delta frames are refused without touching the socket. */
        got = drain(sv[1]);
        assert_false(rtp_send_is_congested(s));
        assert_int_eq(got, st.packets);
        assert_int_eq(rtp_send_frame(s, pk, 8, RTP_MP2T_PACKET_SIZE, RTP_SEND_KIND_DELTA), RTP_SEND_NEED_IDR);
        assert_int_eq(drain(sv[1]), 0);
        /* Audio and PSI-only batches still go. */
        assert_int_eq(rtp_send_frame(s, pk, 1, RTP_MP2T_PACKET_SIZE, RTP_SEND_KIND_INDEPENDENT), RTP_SEND_OK);
        assert_int_eq(drain(sv[1]), 1);
        assert_int_eq(rtp_send_frame(s, pk, 8, RTP_MP2T_PACKET_SIZE, RTP_SEND_KIND_IDR), RTP_SEND_OK);
        assert_int_eq(rtp_send_frame(s, pk, 8, RTP_MP2T_PACKET_SIZE, RTP_SEND_KIND_DELTA), RTP_SEND_OK);
        assert_int_eq(drain(sv[1]), 16);
        rtp_send_get_stats(s, &st);
        assert_int_eq(st.frames_dropped, 2);
        rtp_send_free(s);
        close(sv[1]);
}

TEST(rtp_send_pacing, "/rtp_send/pacing spreads a frame's bursts")
{
        static uint8_t pk[32 * RTP_MP2T_PACKET_SIZE];
        struct rtp_send_stats st;
        struct rtp_send *s = NULL;
        int sv[2];

        assert_int_eq(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv), 0);
        /* 2 bursts of 16 packets at 10 Mbit/s: the second waits ~17 ms. */
        assert_int_eq(rtp_send_new_from_fd(sv[0],
                                           &(struct rtp_send_config) { .pace_bps = 10000000, .burst_packets = 16 },
                                           &s),
                      0);
        make_packets(pk, 32, 1);
        assert_int_eq(rtp_send_frame(s, pk, 32, RTP_MP2T_PACKET_SIZE, RTP_SEND_KIND_IDR), RTP_SEND_OK);
        rtp_send_get_stats(s, &st);
        assert_int_eq(st.packets, 32);
        assert_int_ge(st.pace_usec, 1);
        assert_int_eq(drain(sv[1]), 32);
        rtp_send_free(s);
        close(sv[1]);
}

TEST(rtp_send_pacing_across_frames, "/rtp_send/many small frames back to back are paced as one stream")
{
        static uint8_t pk[RTP_MP2T_PACKET_SIZE];
        struct rtp_send_stats st;
        struct rtp_send *s = NULL;
        struct timespec t0, t1;
        uint64_t usec;
        int sv[2];

        assert_int_eq(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv), 0);
        assert_int_eq(rtp_send_new_from_fd(sv[0],
                                           &(struct rtp_send_config) { .pace_bps = 10000000, .sndbuf_bytes = 1 << 20 },
                                           &s),
                      0);
        make_packets(pk, 1, 1);
        /* 60 one-packet frames (say, audio caught up in one go): 60 x 10624 bits at 10 Mbit/s is
         * 64 ms; the pacer must spread them, not let each through at once as its own "first burst" */
        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (int i = 0; i < 60; i++)
                assert_int_eq(rtp_send_frame(s, pk, 1, RTP_MP2T_PACKET_SIZE, RTP_SEND_KIND_INDEPENDENT), RTP_SEND_OK);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        usec = (uint64_t) (t1.tv_sec - t0.tv_sec) * 1000000 + (uint64_t) (t1.tv_nsec - t0.tv_nsec) / 1000;
        rtp_send_get_stats(s, &st);
        assert_int_eq(st.packets, 60);
        assert_int_ge(usec, 59 * 1062); /* the last packet leaves 59 packet times after the first */
        assert_int_ge(st.pace_usec, 20000); /* most of it asleep (the rest: our own work, under ASan) */
        assert_int_eq(drain(sv[1]), 60);
        rtp_send_free(s);
        close(sv[1]);
}

TEST(rtp_send_udp, "/rtp_send/UDP: fixed local port, connected to the sink, bad addresses refused")
{
        static uint8_t pk[3 * RTP_MP2T_PACKET_SIZE], rx[2048];
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) }, from;
        socklen_t sl = sizeof(sa);
        struct rtp_send *s = NULL, *s2 = NULL;
        struct rtp_send_stats st;
        uint16_t local;
        int rx_fd;

        rx_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        assert_int_ge(rx_fd, 0);
        assert_int_eq(bind(rx_fd, (struct sockaddr *) &sa, sizeof(sa)), 0);
        assert_int_eq(getsockname(rx_fd, (struct sockaddr *) &sa, &sl), 0);

        assert_int_eq(rtp_send_new(&(struct rtp_send_config) { .dest_address = "127.0.0.1", .dest_port = 0 }, &s),
                      -EINVAL);
        assert_int_eq(rtp_send_new(&(struct rtp_send_config) { .dest_address = "not-an-ip", .dest_port = 5 }, &s),
                      -EINVAL);
        assert_int_eq(rtp_send_new(&(struct rtp_send_config) { .dest_address = "fe80::1%nosuchif0", .dest_port = 5 },
                                   &s),
                      -EINVAL);
        assert_int_eq(rtp_send_new(&(struct rtp_send_config) { .dest_address = "127.0.0.1",
                                                               .dest_port = ntohs(sa.sin_port),
                                                               .local_address = "127.0.0.1" },
                                   &s),
                      0);
        local = rtp_send_get_local_port(s);
        assert_int_ne(local, 0);
        /* The announced server_port is ours alone. */
        assert_int_eq(rtp_send_new(&(struct rtp_send_config) { .dest_address = "127.0.0.1",
                                                               .dest_port = ntohs(sa.sin_port),
                                                               .local_address = "127.0.0.1",
                                                               .local_port = local },
                                   &s2),
                      -EADDRINUSE);

        make_packets(pk, 3, 9);
        assert_int_eq(rtp_send_frame(s, pk, 3, RTP_MP2T_PACKET_SIZE, RTP_SEND_KIND_IDR), RTP_SEND_OK);
        for (unsigned i = 0; i < 3; i++) {
                struct pollfd pfd = { .fd = rx_fd, .events = POLLIN };

                assert_int_eq(poll(&pfd, 1, 5000), 1);
                sl = sizeof(from);
                assert_int_eq(recvfrom(rx_fd, rx, sizeof(rx), 0, (struct sockaddr *) &from, &sl),
                              RTP_MP2T_PACKET_SIZE);
                assert_int_eq(ntohs(from.sin_port), local);
                assert_int_eq(rx[0], i);
        }
        close(rx_fd);
        /* Nobody listens any more: ICMP port unreachable comes back as ECONNREFUSED on a
         * later send; it is counted, not fatal. */
        for (unsigned i = 0; i < 3; i++)
                assert_int_eq(rtp_send_frame(s, pk, 3, RTP_MP2T_PACKET_SIZE, RTP_SEND_KIND_IDR), RTP_SEND_OK);
        rtp_send_get_stats(s, &st);
        assert_int_ge(st.send_errors, 1);
        rtp_send_free(s);
}

/* ---- the whole way: x264 -> ts_mux -> rtp -> UDP -> FFmpeg ------------------- */

struct x264 {
        AVCodecContext *ctx;
        AVFrame *frame;
        AVPacket *pkt;
};

static void x264_open(struct x264 *x, int w, int h)
{
        const AVCodec *codec = avcodec_find_encoder_by_name("libx264");
        AVDictionary *o = NULL;

        assert_non_null(codec);
        x->ctx = avcodec_alloc_context3(codec);
        x->ctx->width = w;
        x->ctx->height = h;
        x->ctx->pix_fmt = AV_PIX_FMT_YUV420P;
        x->ctx->time_base = (AVRational) { 1, 90000 };
        x->ctx->framerate = (AVRational) { 30, 1 };
        x->ctx->gop_size = 30;
        x->ctx->max_b_frames = 0;
        x->ctx->bit_rate = 1000000;
        x->ctx->thread_count = 1;
        av_dict_set(&o, "preset", "ultrafast", 0);
        av_dict_set(&o, "tune", "zerolatency", 0);
        av_dict_set(&o, "x264-params", "aud=1:repeat-headers=1", 0);
        assert_int_eq(avcodec_open2(x->ctx, codec, &o), 0);
        av_dict_free(&o);
        x->frame = av_frame_alloc();
        x->frame->format = AV_PIX_FMT_YUV420P;
        x->frame->width = w;
        x->frame->height = h;
        assert_int_eq(av_frame_get_buffer(x->frame, 0), 0);
        x->pkt = av_packet_alloc();
}

static void x264_close(struct x264 *x)
{
        av_packet_free(&x->pkt);
        av_frame_free(&x->frame);
        avcodec_free_context(&x->ctx);
}

/* Encode picture i (a moving gradient), return the access unit in x->pkt. */
static void x264_encode(struct x264 *x, int i, int64_t pts)
{
        assert_int_eq(av_frame_make_writable(x->frame), 0);
        for (int y = 0; y < x->frame->height; y++)
                for (int xx = 0; xx < x->frame->width; xx++)
                        x->frame->data[0][y * x->frame->linesize[0] + xx] = (uint8_t) (xx + y + i * 3);
        for (int y = 0; y < x->frame->height / 2; y++)
                for (int xx = 0; xx < x->frame->width / 2; xx++) {
                        x->frame->data[1][y * x->frame->linesize[1] + xx] = (uint8_t) (128 + y);
                        x->frame->data[2][y * x->frame->linesize[2] + xx] = (uint8_t) (64 + xx + i);
                }
        x->frame->pts = pts;
        x->frame->pict_type = AV_PICTURE_TYPE_NONE;
        assert_int_eq(avcodec_send_frame(x->ctx, x->frame), 0);
        assert_int_eq(avcodec_receive_packet(x->ctx, x->pkt), 0); /* zerolatency: one in, one out */
}

TEST(rtp_roundtrip_ffmpeg, "/rtp/roundtrip/x264 -> ts_mux -> rtp_send -> FFmpeg decodes every frame")
{
        const unsigned n_frames = 75; /* 2.5 s: IDRs at 0, 30, 60 */
        struct rtp_receive_result *res = calloc(1, sizeof(*res));
        struct rtp_mp2t_writer w;
        struct rtp_receive *rx = NULL;
        struct rtp_send *s = NULL;
        struct ts_mux *mux = NULL;
        struct x264 x = {};
        unsigned idrs = 0;
        /* Start near the 33-bit PTS wrap? No: FFmpeg would unwrap it; start at 10 s. */
        const uint64_t t0_27mhz = 10ULL * TS_CLOCK_27MHZ;

        assert_non_null(res);
        assert_int_eq(rtp_receive_start(0, true, &rx), 0);
        assert_int_eq(rtp_send_new(&(struct rtp_send_config) { .dest_address = "127.0.0.1",
                                                               .dest_port = rtp_receive_get_port(rx),
                                                               .pace_bps = 50000000 },
                                   &s),
                      0);
        assert_int_eq(ts_mux_new(&(struct ts_mux_config) { .avc_profile_idc = 66, .avc_constraint_flags = 0xC0,
                                                           .avc_level_idc = 31 },
                                 &mux),
                      0);
        rtp_mp2t_writer_init(&w, 0x11223344, 40000);
        x264_open(&x, 320, 240);

        for (unsigned i = 0; i < n_frames; i++) {
                uint64_t now = t0_27mhz + (uint64_t) i * TS_CLOCK_27MHZ / 30;
                uint64_t pts = now / 300 + 9000; /* 100 ms ahead of the PCR */
                bool idr;
                int r;

                x264_encode(&x, (int) i, (int64_t) pts);
                idr = x.pkt->flags & AV_PKT_FLAG_KEY;
                idrs += idr;
                assert_int_eq(ts_mux_write_video(mux, x.pkt->data, (size_t) x.pkt->size, pts, idr, now, &w), 0);
                assert_int_eq(w.n_ts, 0); /* the frame's last RTP packet is complete: it leaves now */
                r = rtp_send_frame(s, w.data, w.n_packets, RTP_MP2T_PACKET_SIZE,
                                   idr ? RTP_SEND_KIND_IDR : RTP_SEND_KIND_DELTA);
                assert_int_eq(r, RTP_SEND_OK);
                rtp_mp2t_writer_reset(&w);
                av_packet_unref(x.pkt);
                /* Loopback has no pacing of its own; give FFmpeg's reader a moment per frame. */
                usleep(2000);
        }
        assert_int_eq(idrs, 3);
        assert_int_eq(rtp_receive_finish(rx, 700, res), 0);

        if (res->check.n_errors)
                printf("  ts-check: %s\n", res->check.error);
        assert_int_eq(res->check.n_errors, 0);
        assert_int_eq(res->check.n_video_pes, n_frames);
        assert_int_eq(res->check.n_random_access, 3);
        assert_int_eq(res->check.avc_profile_idc, 66);
        assert_int_le(res->check.max_pcr_gap_27mhz, TS_CLOCK_27MHZ / 10);
        assert_int_eq(res->check.min_pts_lead_90khz, 9000);
        assert_str_eq(res->codec, "h264");
        assert_int_eq(res->width, 320);
        assert_int_eq(res->height, 240);
        assert_int_eq(res->frames, n_frames);
        assert_int_eq(res->keyframes, 3);
        assert_int_eq(res->decode_errors, 0);
        /* PTS come out as they went in, one frame (3000 ticks) apart. */
        assert_int_eq(res->n_pts, n_frames);
        for (unsigned i = 0; i < n_frames; i++)
                assert_int_eq(res->pts[i], (int64_t) ((t0_27mhz + (uint64_t) i * TS_CLOCK_27MHZ / 30) / 300 + 9000));

        x264_close(&x);
        rtp_mp2t_writer_clear(&w);
        ts_mux_free(mux);
        rtp_send_free(s);
        free(res);
}
