/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * encoder/encode.h: what comes out of each encoder that can run here is
 * decoded with FFmpeg's H.264 decoder and its bitstream inspected (SPS
 * profile/level/constraints, SPS+PPS before IDRs, AUD, IDR on request,
 * coalescing, bit rate changes, damage-only conversion).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavutil/log.h>
#include <libswscale/swscale.h>

#include "../../encoder/capture.h"
#include "../../encoder/encode.h"
#include "../../encoder/encode_internal.h"
#include "../../protocol/macro.h"
#include "../../protocol/uibc_msg.h"
#include "../lib/test.h"

__attribute__((constructor)) static void quiet_ffmpeg(void)
{
        av_log_set_level(AV_LOG_ERROR);
}

struct au {
        uint8_t *data;
        size_t size;
        bool idr;
        int64_t pts;
};

struct stream {
        struct au au[256];
        unsigned n;
};

static void stream_clear(struct stream *s)
{
        for (unsigned i = 0; i < s->n; i++)
                free(s->au[i].data);
        s->n = 0;
}

static void stream_add(struct stream *s, const struct encode_packet *p)
{
        assert_true(s->n < ARRAY_SIZE(s->au));
        s->au[s->n].data = malloc(p->size);
        assert_non_null(s->au[s->n].data);
        memcpy(s->au[s->n].data, p->data, p->size);
        s->au[s->n].size = p->size;
        s->au[s->n].idr = p->idr;
        s->au[s->n].pts = p->pts_90khz;
        s->n++;
}

/* Drain the encoder into s. */
static void receive_all(struct encoder *e, struct stream *s)
{
        struct encode_packet p;
        int r;

        while ((r = encode_receive(e, &p)) == 0)
                stream_add(s, &p);
        assert_true(r == -EAGAIN || r == -ENODATA);
}

/* Grab, convert and encode one picture at frame index i. */
static void encode_one(struct encoder *e, struct capture *c, struct stream *s, int i)
{
        _cleanup_(capture_frame_unrefp) struct capture_frame *f = NULL;
        _cleanup_(encode_picture_unrefp) struct encode_picture *p = NULL;

        assert_int_eq(capture_grab(c, 0, &f), 0);
        assert_int_eq(encode_convert(e, c, f, &p), 0);
        assert_int_eq(encode_picture_seq(p), f->seq);
        assert_int_eq(encode_send(e, p, (int64_t) i * 3000), 0);
        receive_all(e, s);
}

/* Walk the Annex B NAL units of an access unit: bitmask of NAL types seen, first type, and the SPS. */
static unsigned nal_types(const struct au *a, int *ret_first, const uint8_t **ret_sps)
{
        unsigned mask = 0;
        int first = -1;

        for (size_t i = 0; i + 3 < a->size; i++) {
                if (a->data[i] == 0 && a->data[i + 1] == 0 && a->data[i + 2] == 1) {
                        int t = a->data[i + 3] & 0x1f;

                        mask |= 1u << t;
                        if (first < 0)
                                first = t;
                        if (t == 7 && ret_sps && i + 7 < a->size)
                                *ret_sps = a->data + i + 4;
                        i += 2;
                }
        }
        if (ret_first)
                *ret_first = first;
        return mask;
}

/* Decode the whole stream with FFmpeg; returns frames decoded, fills size and profile. */
static int decode_stream(const struct stream *s, int *ret_w, int *ret_h, int *ret_profile)
{
        const AVCodec *codec = avcodec_find_decoder(AV_CODEC_ID_H264);
        AVCodecContext *ctx = avcodec_alloc_context3(codec);
        AVPacket *pkt = av_packet_alloc();
        AVFrame *frame = av_frame_alloc();
        int frames = 0, r;

        assert_non_null(ctx);
        ctx->flags2 |= AV_CODEC_FLAG2_CHUNKS;
        assert_int_eq(avcodec_open2(ctx, codec, NULL), 0);
        for (unsigned i = 0; i <= s->n; i++) {
                if (i < s->n) {
                        pkt->data = s->au[i].data;
                        pkt->size = (int) s->au[i].size;
                        r = avcodec_send_packet(ctx, pkt);
                } else
                        r = avcodec_send_packet(ctx, NULL); /* flush */
                assert_int_eq(r, 0);
                while ((r = avcodec_receive_frame(ctx, frame)) == 0) {
                        frames++;
                        *ret_w = frame->width;
                        *ret_h = frame->height;
                        av_frame_unref(frame);
                }
                assert_true(r == AVERROR(EAGAIN) || r == AVERROR_EOF);
        }
        *ret_profile = ctx->profile;
        av_frame_free(&frame);
        av_packet_free(&pkt);
        avcodec_free_context(&ctx);
        return frames;
}

static struct capture *open_testsrc(enum capture_pattern pattern, unsigned w, unsigned h)
{
        struct capture_config cfg = { .backend = CAPTURE_BACKEND_TESTSRC, .width = w, .height = h, .pattern = pattern };
        struct capture *c = NULL;

        assert_int_eq(capture_new(&cfg, &c), 0);
        return c;
}

/* Noise over the motion pattern: no encoder predicts it, so what a picture costs follows the QP alone. */
static struct capture *open_noise(unsigned w, unsigned h)
{
        struct capture_config cfg = { .backend = CAPTURE_BACKEND_TESTSRC, .width = w, .height = h,
                                      .pattern = CAPTURE_PATTERN_MOTION, .noise = true };
        struct capture *c = NULL;

        assert_int_eq(capture_new(&cfg, &c), 0);
        return c;
}

static struct encoder *open_x264(unsigned w, unsigned h, enum encode_profile profile, unsigned level)
{
        struct encode_config cfg = {
                .encoder = "x264", .width = w, .height = h, .fps_num = 30, .fps_den = 1,
                .profile = profile, .level_idc = level, .bitrate_bps = 2000000,
        };
        struct encoder *e = NULL;

        assert_int_eq(encode_new(&cfg, &e), 0);
        assert_non_null(e);
        return e;
}

TEST(encode_profile_names, "/encode/profile names round trip") {
        assert_str_eq(encode_profile_to_string(ENCODE_PROFILE_CHP), "chp");
        assert_int_eq(encode_profile_from_string("cbp"), ENCODE_PROFILE_CBP);
        assert_int_eq(encode_profile_from_string("main"), _ENCODE_PROFILE_INVALID);
}

TEST(encode_bad_config, "/encode/rejects odd sizes, bad levels, unknown and non-H.264 encoders") {
        struct encode_config cfg = { .encoder = "x264", .width = 321, .height = 240 };
        struct encoder *e = NULL;

        assert_int_eq(encode_new(&cfg, &e), -EINVAL);
        cfg.width = 320;
        cfg.level_idc = 99;
        assert_int_eq(encode_new(&cfg, &e), -EINVAL);
        cfg.level_idc = 31;
        cfg.profile = 5;
        assert_int_eq(encode_new(&cfg, &e), -EINVAL);
        cfg.profile = ENCODE_PROFILE_CBP;
        cfg.pictures = ENCODE_PICTURES_MAX + 1;
        assert_int_eq(encode_new(&cfg, &e), -EINVAL);
        cfg.pictures = 0;
        cfg.encoder = "h264_no_such_encoder";
        assert_int_eq(encode_new(&cfg, &e), -ENOENT);
        assert_true(strstr(encode_last_error(), "h264_no_such_encoder") != NULL);
        cfg.encoder = "mpeg4";
        assert_int_eq(encode_new(&cfg, &e), -EINVAL);
        assert_null(e);
}

TEST(encode_x264_cbp, "/encode/x264 Constrained Baseline: decodes, SPS 66 + set0/1, level, SPS/PPS/AUD on IDR") {
        _cleanup_(capture_unrefp) struct capture *c = open_testsrc(CAPTURE_PATTERN_DESKTOP, 320, 240);
        _cleanup_(encode_freep) struct encoder *e = open_x264(320, 240, ENCODE_PROFILE_CBP, 31);
        struct stream s = {};
        const uint8_t *sps = NULL;
        int first, w = 0, h = 0, profile = 0;
        unsigned types;

        assert_str_eq(encode_get_codec_name(e), "x264");
        assert_str_eq(encode_get_backend_name(e), "software");
        for (int i = 0; i < 10; i++)
                encode_one(e, c, &s, i);
        assert_int_eq(encode_flush(e), 0);
        receive_all(e, &s);
        assert_int_eq(s.n, 10);

        assert_true(s.au[0].idr);
        types = nal_types(&s.au[0], &first, &sps);
        assert_int_eq(first, 9);                 /* AUD first */
        assert_true(types & (1u << 7));          /* SPS */
        assert_true(types & (1u << 8));          /* PPS */
        assert_true(types & (1u << 5));          /* IDR slice */
        assert_non_null(sps);
        assert_int_eq(sps[0], 66);               /* profile_idc */
        assert_int_eq(sps[1] & 0xc0, 0xc0);      /* constraint_set0 + set1: Constrained Baseline */
        assert_int_eq(sps[2], 31);               /* level_idc as negotiated */
        for (unsigned i = 1; i < s.n; i++) {
                assert_false(s.au[i].idr);
                assert_int_eq(nal_types(&s.au[i], &first, NULL) & ((1u << 7) | (1u << 5)), 0);
                assert_int_eq(first, 9);
                assert_int_eq(s.au[i].pts, (int64_t) i * 3000);
        }

        assert_int_eq(decode_stream(&s, &w, &h, &profile), 10);
        assert_int_eq(w, 320);
        assert_int_eq(h, 240);
        assert_int_eq(profile, FF_PROFILE_H264_CONSTRAINED_BASELINE);
        stream_clear(&s);
}

TEST(encode_x264_chp, "/encode/x264 Constrained High: SPS 100 with set4/5, level 4.0") {
        _cleanup_(capture_unrefp) struct capture *c = open_testsrc(CAPTURE_PATTERN_MOTION, 320, 240);
        _cleanup_(encode_freep) struct encoder *e = open_x264(320, 240, ENCODE_PROFILE_CHP, 40);
        struct stream s = {};
        const uint8_t *sps = NULL;
        int w = 0, h = 0, profile = 0;

        for (int i = 0; i < 5; i++)
                encode_one(e, c, &s, i);
        assert_int_eq(s.n, 5);
        (void) nal_types(&s.au[0], NULL, &sps);
        assert_non_null(sps);
        assert_int_eq(sps[0], 100);
        assert_int_eq(sps[1] & 0x0c, 0x0c); /* constraint_set4 + set5: no B-frames */
        assert_int_eq(sps[2], 40);
        assert_int_eq(decode_stream(&s, &w, &h, &profile), 5);
        assert_int_eq(profile & 0xff, FF_PROFILE_H264_HIGH);
        stream_clear(&s);
}

TEST(encode_x264_idr_request, "/encode/IDR on request, SPS/PPS before it; double requests give one IDR") {
        _cleanup_(capture_unrefp) struct capture *c = open_testsrc(CAPTURE_PATTERN_DESKTOP, 320, 240);
        struct encode_config cfg = {
                .encoder = "x264", .width = 320, .height = 240, .fps_num = 100, .fps_den = 1, /* 10 ms */
                .bitrate_bps = 1000000, .idr_interval = 1000,
        };
        _cleanup_(encode_freep) struct encoder *e = NULL;
        struct stream s = {};
        int w, h, profile;

        assert_int_eq(encode_new(&cfg, &e), 0);
        for (int i = 0; i < 4; i++)
                encode_one(e, c, &s, i);
        usleep(20000); /* more than a frame interval after the first IDR */
        /* two requests before one picture: one IDR */
        encode_request_idr(e);
        encode_request_idr(e);
        encode_one(e, c, &s, 4);
        encode_one(e, c, &s, 5);
        usleep(20000);
        encode_request_idr(e);
        encode_one(e, c, &s, 6);
        assert_int_eq(s.n, 7);
        for (unsigned i = 0; i < s.n; i++) {
                unsigned t = nal_types(&s.au[i], NULL, NULL);

                assert_int_eq(s.au[i].idr, i == 0 || i == 4 || i == 6);
                assert_int_eq(!!(t & (1u << 5)), s.au[i].idr);
                assert_int_eq(!!(t & (1u << 7)), s.au[i].idr);
                assert_int_eq(!!(t & (1u << 8)), s.au[i].idr);
        }
        assert_int_eq(decode_stream(&s, &w, &h, &profile), 7);
        stream_clear(&s);
}

TEST(encode_idr_coalesce, "/encode/an IDR request within a frame interval after an IDR is already answered") {
        _cleanup_(capture_unrefp) struct capture *c = open_testsrc(CAPTURE_PATTERN_DESKTOP, 320, 240);
        struct encode_config cfg = {
                .encoder = "x264", .width = 320, .height = 240, .fps_num = 1, .fps_den = 10, /* 10 s */
                .idr_interval = 1000,
        };
        _cleanup_(encode_freep) struct encoder *e = NULL;
        struct stream s = {};

        assert_int_eq(encode_new(&cfg, &e), 0);
        encode_one(e, c, &s, 0);
        encode_request_idr(e);
        encode_one(e, c, &s, 1);
        encode_request_idr(e);
        encode_one(e, c, &s, 2);
        assert_int_eq(s.n, 3);
        assert_true(s.au[0].idr);
        assert_false(s.au[1].idr);
        assert_false(s.au[2].idr);
        stream_clear(&s);
}

TEST(encode_periodic_idr, "/encode/periodic IDR every idr_interval pictures") {
        _cleanup_(capture_unrefp) struct capture *c = open_testsrc(CAPTURE_PATTERN_DESKTOP, 320, 240);
        struct encode_config cfg = { .encoder = "x264", .width = 320, .height = 240, .idr_interval = 4 };
        _cleanup_(encode_freep) struct encoder *e = NULL;
        struct stream s = {};

        assert_int_eq(encode_new(&cfg, &e), 0);
        for (int i = 0; i < 9; i++)
                encode_one(e, c, &s, i);
        assert_int_eq(s.n, 9);
        for (unsigned i = 0; i < s.n; i++)
                assert_int_eq(s.au[i].idr, i % 4 == 0);
        stream_clear(&s);
}

TEST(encode_bitrate_change, "/encode/bit rate change while running takes effect") {
        _cleanup_(capture_unrefp) struct capture *c = open_noise(320, 240);
        struct encode_config cfg = {
                .encoder = "x264", .width = 320, .height = 240, .bitrate_bps = 150000, .idr_interval = 1000,
        };
        _cleanup_(encode_freep) struct encoder *e = NULL;
        struct stream s = {};
        size_t low = 0, high = 0;
        unsigned from;

        assert_int_eq(encode_new(&cfg, &e), 0);
        assert_int_eq(encode_get_bitrate(e), 150000);

        /* at 150 kbit/s some pictures may be skipped (the rate control lowers the frame rate): count by time */
        for (int i = 0; i < 10; i++)
                encode_one(e, c, &s, i);
        from = s.n;
        for (int i = 10; i < 20; i++)
                encode_one(e, c, &s, i);
        for (unsigned i = from; i < s.n; i++)
                low += s.au[i].size;
        assert_int_eq(encode_set_bitrate(e, 0), -EINVAL);
        assert_int_eq(encode_set_bitrate(e, 6000000), 0);
        assert_int_eq(encode_get_bitrate(e), 6000000);
        for (int i = 20; i < 30; i++)
                encode_one(e, c, &s, i);
        from = s.n;
        for (int i = 30; i < 40; i++)
                encode_one(e, c, &s, i);
        /* at 6 Mbit/s every picture is coded */
        assert_int_eq(s.n - from, 10);
        for (unsigned i = from; i < s.n; i++)
                high += s.au[i].size;
        /* 10 pictures' time at 150 kbit/s ~ 6 KB; at 6 Mbit/s x264 spends far more */
        assert_int_le(low, 12000);
        assert_int_ge(high, 3 * low);
        stream_clear(&s);
}

TEST(encode_repeat_is_cheap, "/encode/sending an unchanged picture again gives a tiny all-skip frame") {
        _cleanup_(capture_unrefp) struct capture *c = open_testsrc(CAPTURE_PATTERN_DESKTOP, 320, 240);
        _cleanup_(encode_freep) struct encoder *e = open_x264(320, 240, ENCODE_PROFILE_CBP, 31);
        _cleanup_(capture_frame_unrefp) struct capture_frame *f = NULL;
        _cleanup_(encode_picture_unrefp) struct encode_picture *p = NULL;
        struct stream s = {};
        int w, h, profile;

        assert_int_eq(capture_grab(c, 0, &f), 0);
        assert_int_eq(encode_convert(e, c, f, &p), 0);
        for (int i = 0; i < 30; i++) {
                assert_int_eq(encode_send(e, p, i * 3000), 0);
                receive_all(e, &s);
        }
        assert_int_eq(s.n, 30);
        /* a few frames refine the picture, then only skips remain */
        for (unsigned i = 5; i < s.n; i++)
                assert_int_le(s.au[i].size, 64);
        assert_int_eq(decode_stream(&s, &w, &h, &profile), 30);
        stream_clear(&s);
}

/* Expected constant macroblocks of a 320x240 frame from a tile damage map (32x32 tiles = 2x2 macroblocks). */
static unsigned constant_mbs(const uint8_t *tiles, unsigned tx)
{
        unsigned n = 0;

        for (unsigned y = 0; y < 15; y++)
                for (unsigned x = 0; x < 20; x++)
                        n += !tiles[(y / 2) * tx + x / 2];
        return n;
}

TEST(encode_x264_mb_info, "/encode/x264 gets exactly the undamaged macroblocks as constant, a repeat as all constant") {
        _cleanup_(capture_unrefp) struct capture *c = open_testsrc(CAPTURE_PATTERN_DESKTOP, 320, 240);
        _cleanup_(encode_freep) struct encoder *e = open_x264(320, 240, ENCODE_PROFILE_CBP, 31);
        struct stream s = {};
        uint64_t constant = 0, total = 0, before, last_seq = 0;
        uint8_t tiles[10 * 8];
        unsigned tx, ty, expected;
        int w, h, profile;

        for (int i = 0; i < 6; i++) {
                _cleanup_(capture_frame_unrefp) struct capture_frame *f = NULL;
                _cleanup_(encode_picture_unrefp) struct encode_picture *p = NULL;
                int changed = 0;

                assert_int_eq(capture_grab(c, 0, &f), 0);
                capture_frame_tiles(f, &tx, &ty);
                assert_int_eq(tx * ty, ARRAY_SIZE(tiles));
                if (last_seq) {
                        changed = capture_frame_damage(c, f, last_seq, tiles, sizeof(tiles));
                        assert_int_ge(changed, 1);
                        assert_int_le(changed, (int) ARRAY_SIZE(tiles) / 2); /* a desktop: mostly still */
                }
                assert_int_eq(encode_x264_stats(e, &before, &total), 0);
                assert_int_eq(encode_convert(e, c, f, &p), 0);
                assert_int_eq(encode_send(e, p, (int64_t) i * 3000), 0);
                receive_all(e, &s);
                assert_int_eq(encode_x264_stats(e, &constant, &total), 0);
                assert_int_eq(total, (uint64_t) (i + 1) * 300);
                /* the first picture has nothing to compare with: no hints at all */
                expected = last_seq ? constant_mbs(tiles, tx) : 0;
                assert_int_eq(constant - before, expected);
                if (last_seq)
                        assert_int_ge(expected, 150);
                last_seq = f->seq;

                if (i == 5) {
                        /* the same picture again (keep-alive): every macroblock constant */
                        assert_int_eq(encode_send(e, p, (int64_t) (i + 1) * 3000), 0);
                        receive_all(e, &s);
                        before = constant;
                        assert_int_eq(encode_x264_stats(e, &constant, &total), 0);
                        assert_int_eq(constant - before, 300);
                }
        }
        assert_int_eq(s.n, 7);
        assert_true(s.au[0].idr);
        assert_int_le(s.au[6].size, 64); /* the repeat is an all-skip frame */
        assert_int_eq(decode_stream(&s, &w, &h, &profile), 7);
        stream_clear(&s);

        /* The FFmpeg path has no hints to count. */
        {
                struct encode_config cfg = { .encoder = "libx264", .width = 320, .height = 240 };
                _cleanup_(encode_freep) struct encoder *ff = NULL;

                assert_int_eq(encode_new(&cfg, &ff), 0);
                assert_str_eq(encode_get_codec_name(ff), "libx264");
                assert_int_eq(encode_x264_stats(ff, &constant, &total), -ENOTSUP);
        }
}

TEST(encode_rate_stats, "/encode/rate stats: QP and buffer of a normal cast, a starved link raises QP and skips") {
        _cleanup_(capture_unrefp) struct capture *c = open_testsrc(CAPTURE_PATTERN_MOTION, 320, 240);
        _cleanup_(capture_unrefp) struct capture *noise = open_noise(320, 240);
        _cleanup_(encode_freep) struct encoder *e = open_x264(320, 240, ENCODE_PROFILE_CBP, 31);
        struct encode_rate_stats st = { .qp_last = 99 };
        struct stream s = {};
        unsigned qp_normal;

        assert_int_eq(encode_get_rate_stats(e, &st), 0);
        assert_int_eq(st.qp_last, 0);
        assert_int_eq(st.pictures, 0);
        assert_true(st.qp_avg == 0.0);

        /* 2 Mbit/s for 320x240: every picture coded at an ordinary QP, the buffer about full */
        for (int i = 0; i < 10; i++)
                encode_one(e, c, &s, i);
        assert_int_eq(s.n, 10);
        assert_int_eq(encode_get_rate_stats(e, &st), 0);
        assert_int_eq(st.pictures, 10);
        assert_int_ge(st.qp_last, 12);
        assert_int_le(st.qp_last, 51);
        assert_true(st.qp_avg >= 12.0 && st.qp_avg <= 51.0);
        assert_int_eq(st.pictures_rate_skipped, 0);
        assert_int_eq(st.qp_range_switches, 0);
        /* the default VBV is a quarter second: never above it */
        assert_int_ge(st.buffer_ms, 0);
        assert_int_le(st.buffer_ms, 250);
        qp_normal = st.qp_last;

        /*
         * 30 kbit/s of noise: the first noise picture, priced like the cheap motion before it, leaves a debt
         * of seconds; then most pictures are skipped, and the rest need x264's QPs above 51.
         */
        assert_int_eq(encode_set_bitrate(e, 30000), 0);
        for (int i = 10; i < 40; i++)
                encode_one(e, noise, &s, i);
        assert_int_eq(encode_get_rate_stats(e, &st), 0);
        assert_int_le(st.buffer_ms, -1000);
        assert_int_ge(st.pictures_rate_skipped, 20);
        for (int i = 40; i < 600; i++)
                encode_one(e, noise, &s, i);
        assert_int_eq(encode_get_rate_stats(e, &st), 0);
        assert_int_ge(st.qp_range_switches, 1);
        assert_int_ge(st.qp_last, qp_normal + 20);
        assert_true(st.qp_avg >= 12.0 && st.qp_avg <= 69.0);
        assert_int_eq(st.pictures + st.pictures_rate_skipped, 600);
        assert_int_eq(st.pictures, s.n);
        assert_int_ge(st.buffer_ms, -1000);
        stream_clear(&s);

        /* FFmpeg's libx264 keeps the rate itself: nothing of ours to show */
        {
                struct encode_config cfg = { .encoder = "libx264", .width = 320, .height = 240 };
                _cleanup_(encode_freep) struct encoder *ff = NULL;

                assert_int_eq(encode_new(&cfg, &ff), 0);
                assert_int_eq(encode_get_rate_stats(ff, &st), -ENOTSUP);
        }
}

static uint64_t test_now_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

TEST(encode_rate_stats_window, "/encode/rate stats: qp-average is about the last second, not since the start") {
        _cleanup_(capture_unrefp) struct capture *c = open_testsrc(CAPTURE_PATTERN_MOTION, 320, 240);
        _cleanup_(capture_unrefp) struct capture *noise = open_noise(320, 240);
        _cleanup_(encode_freep) struct encoder *e = open_x264(320, 240, ENCODE_PROFILE_CBP, 31);
        struct encode_rate_stats st;
        struct stream s = {};
        double calm;
        uint64_t t0;

        assert_int_eq(encode_get_rate_stats(e, &st), 0); /* opens the first window */
        for (int i = 0; i < 10; i++)
                encode_one(e, c, &s, i);
        /* within the first window: the mean so far */
        assert_int_eq(encode_get_rate_stats(e, &st), 0);
        assert_true(st.qp_avg >= 12.0 && st.qp_avg <= 30.0);
        usleep(ENCODE_RATE_WINDOW_USEC + 50000);
        assert_int_eq(encode_get_rate_stats(e, &st), 0); /* closes it: the calm pictures' mean */
        calm = st.qp_avg;
        assert_true(calm >= 12.0 && calm <= 30.0);

        /* noise at a rate too low for it: QPs far above the calm ones */
        t0 = test_now_usec();
        assert_int_eq(encode_set_bitrate(e, 30000), 0);
        for (int i = 10; i < 600; i++)
                encode_one(e, noise, &s, i);
        assert_int_eq(encode_get_rate_stats(e, &st), 0);
        assert_int_ge(st.qp_last, 45);
        /* the window is not over (unless this machine took a second for it): the last mean stays */
        if (test_now_usec() - t0 < ENCODE_RATE_WINDOW_USEC * 9 / 10)
                assert_true(st.qp_avg == calm);
        usleep(ENCODE_RATE_WINDOW_USEC + 50000);
        /* the noisy window alone, not diluted by the calm start */
        assert_int_eq(encode_get_rate_stats(e, &st), 0);
        assert_true(st.qp_avg >= 45.0);
        /* a window with no picture (a still screen) keeps the last mean */
        calm = st.qp_avg;
        usleep(ENCODE_RATE_WINDOW_USEC + 50000);
        assert_int_eq(encode_get_rate_stats(e, &st), 0);
        assert_true(st.qp_avg == calm);
        stream_clear(&s);
}

/* Decode s and return the sum of squared luma errors against the pictures in ref (n frames, 320x240). */
static uint64_t luma_sse(const struct stream *s, uint8_t *const *ref, unsigned n)
{
        const AVCodec *codec = avcodec_find_decoder(AV_CODEC_ID_H264);
        AVCodecContext *ctx = avcodec_alloc_context3(codec);
        AVPacket *pkt = av_packet_alloc();
        AVFrame *frame = av_frame_alloc();
        unsigned k = 0;
        uint64_t sse = 0;

        assert_int_eq(avcodec_open2(ctx, codec, NULL), 0);
        for (unsigned i = 0; i <= s->n; i++) {
                if (i < s->n) {
                        pkt->data = s->au[i].data;
                        pkt->size = (int) s->au[i].size;
                        assert_int_eq(avcodec_send_packet(ctx, pkt), 0);
                } else
                        assert_int_eq(avcodec_send_packet(ctx, NULL), 0);
                while (avcodec_receive_frame(ctx, frame) == 0) {
                        assert_true(k < n);
                        for (int y = 0; y < 240; y++)
                                for (int x = 0; x < 320; x++) {
                                        int d = frame->data[0][y * frame->linesize[0] + x] - ref[k][y * 320 + x];
                                        sse += (uint64_t) (d * d);
                                }
                        k++;
                        av_frame_unref(frame);
                }
        }
        assert_int_eq(k, n);
        av_frame_free(&frame);
        av_packet_free(&pkt);
        avcodec_free_context(&ctx);
        return sse;
}

TEST(encode_x264_same_quality, "/encode/x264 with damage hints looks as good as libx264 through FFmpeg") {
        const char *names[2] = { "x264", "libx264" };
        uint8_t *ref[12] = {};
        uint64_t sse[2];
        size_t bytes[2];

        for (int k = 0; k < 2; k++) {
                _cleanup_(capture_unrefp) struct capture *c = open_testsrc(CAPTURE_PATTERN_DESKTOP, 320, 240);
                struct encode_config cfg = { .encoder = names[k], .width = 320, .height = 240, .bitrate_bps = 1000000 };
                _cleanup_(encode_freep) struct encoder *e = NULL;
                struct stream s = {};

                assert_int_eq(encode_new(&cfg, &e), 0);
                for (int i = 0; i < 12; i++) {
                        _cleanup_(capture_frame_unrefp) struct capture_frame *f = NULL;
                        _cleanup_(encode_picture_unrefp) struct encode_picture *p = NULL;

                        assert_int_eq(capture_grab(c, 0, &f), 0);
                        assert_int_eq(encode_convert(e, c, f, &p), 0);
                        if (k == 0) {
                                ref[i] = malloc(320 * 240);
                                assert_non_null(ref[i]);
                                for (int y = 0; y < 240; y++)
                                        memcpy(ref[i] + y * 320, p->frame->data[0] + y * p->frame->linesize[0], 320);
                        }
                        assert_int_eq(encode_send(e, p, (int64_t) i * 3000), 0);
                        receive_all(e, &s);
                }
                assert_int_eq(encode_flush(e), 0);
                receive_all(e, &s);
                sse[k] = luma_sse(&s, ref, 12);
                bytes[k] = 0;
                for (unsigned i = 0; i < s.n; i++)
                        bytes[k] += s.au[i].size;
                stream_clear(&s);
        }
        /* Same pictures, same settings: the hints may only skip work, not detail (5% slack for rate control). */
        assert_int_le(sse[0], sse[1] + sse[1] / 20 + 320 * 240);
        assert_int_le(bytes[0], bytes[1] + bytes[1] / 10);
        for (int i = 0; i < 12; i++)
                free(ref[i]);
}

TEST(encode_damage_conversion, "/encode/damage-only conversion gives the same NV12 as a full conversion") {
        _cleanup_(capture_unrefp) struct capture *c = open_testsrc(CAPTURE_PATTERN_DESKTOP, 320, 240);
        _cleanup_(encode_freep) struct encoder *patched = open_x264(320, 240, ENCODE_PROFILE_CBP, 31);
        _cleanup_(encode_freep) struct encoder *full = open_x264(320, 240, ENCODE_PROFILE_CBP, 31);
        struct encode_picture *p = NULL, *q = NULL;
        struct capture_frame *f = NULL;

        /* patched: the same picture buffer is reused, only damaged tiles are converted each time */
        for (int i = 0; i < 6; i++) {
                f = capture_frame_unref(f);
                p = encode_picture_unref(p);
                assert_int_eq(capture_grab(c, 0, &f), 0);
                assert_int_eq(encode_convert(patched, c, f, &p), 0);
        }
        assert_int_eq(patched->pictures[1], NULL); /* one buffer, reused */
        /* full: no capture given, so no damage information: everything converted */
        assert_int_eq(encode_convert(full, NULL, f, &q), 0);
        for (int y = 0; y < 240; y++)
                assert_mem_eq(p->frame->data[0] + y * p->frame->linesize[0],
                              q->frame->data[0] + y * q->frame->linesize[0], 320);
        for (int y = 0; y < 120; y++)
                assert_mem_eq(p->frame->data[1] + y * p->frame->linesize[1],
                              q->frame->data[1] + y * q->frame->linesize[1], 320);
        /* spot-check the colour matrix: the task bar (0x202228) is dark, Y near 16 + 0.8 * 33 */
        assert_int_ge(q->frame->data[0][239 * q->frame->linesize[0] + 10], 40);
        assert_int_le(q->frame->data[0][239 * q->frame->linesize[0] + 10], 50);
        p = encode_picture_unref(p);
        q = encode_picture_unref(q);
        f = capture_frame_unref(f);
}

TEST(encode_matrix_matches_swscale, "/encode/our BT.709 converter agrees with libswscale within 2 levels") {
        _cleanup_(capture_unrefp) struct capture *c = open_testsrc(CAPTURE_PATTERN_MOTION, 640, 480);
        _cleanup_(encode_freep) struct encoder *e = open_x264(640, 480, ENCODE_PROFILE_CBP, 31);
        _cleanup_(capture_frame_unrefp) struct capture_frame *f = NULL;
        struct encode_picture *p = NULL;
        struct SwsContext *sws;
        AVFrame *ref = av_frame_alloc();
        const uint8_t *src[4] = { NULL };
        int src_stride[4] = { 0 }, maxdiff = 0;

        assert_int_eq(capture_grab(c, 0, &f), 0);
        assert_int_eq(encode_convert(e, c, f, &p), 0);
        ref->format = AV_PIX_FMT_NV12;
        ref->width = 640;
        ref->height = 480;
        assert_int_eq(av_frame_get_buffer(ref, 0), 0);
        sws = sws_getContext(640, 480, AV_PIX_FMT_BGR0, 640, 480, AV_PIX_FMT_NV12,
                             SWS_POINT | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INP, NULL, NULL, NULL);
        assert_non_null(sws);
        sws_setColorspaceDetails(sws, sws_getCoefficients(SWS_CS_DEFAULT), 1, sws_getCoefficients(SWS_CS_ITU709),
                                 0, 0, 1 << 16, 1 << 16);
        src[0] = f->data;
        src[1] = f->data; /* unused by packed RGB but sws reads the pointer array */
        src_stride[0] = (int) f->stride;
        sws_scale(sws, src, src_stride, 0, 480, ref->data, ref->linesize);
        for (int y = 0; y < 480; y++)
                for (int x = 0; x < 640; x++) {
                        int d = abs(p->frame->data[0][y * p->frame->linesize[0] + x] -
                                    ref->data[0][y * ref->linesize[0] + x]);
                        maxdiff = MAX(maxdiff, d);
                }
        assert_int_le(maxdiff, 2);
        /* chroma: sws subsamples differently (no 2x2 average with SWS_POINT); compare flat areas loosely */
        maxdiff = 0;
        for (int y = 0; y < 240; y++)
                for (int x = 0; x < 640; x++) {
                        int d = abs(p->frame->data[1][y * p->frame->linesize[1] + x] -
                                    ref->data[1][y * ref->linesize[1] + x]);
                        maxdiff = MAX(maxdiff, d);
                }
        assert_int_le(maxdiff, 64); /* chroma edges of the 32-pixel checkerboard differ by sampling */
        sws_freeContext(sws);
        av_frame_free(&ref);
        p = encode_picture_unref(p);
}

/* Convert 8 desktop frames into one reused picture, then compare with a conversion into a fresh one. */
static void check_scaled_damage(unsigned sw, unsigned sh, unsigned dw, unsigned dh)
{
        _cleanup_(capture_unrefp) struct capture *c = open_testsrc(CAPTURE_PATTERN_DESKTOP, sw, sh);
        _cleanup_(encode_freep) struct encoder *patched = open_x264(dw, dh, ENCODE_PROFILE_CBP, 31);
        _cleanup_(encode_freep) struct encoder *full = open_x264(dw, dh, ENCODE_PROFILE_CBP, 31);
        struct encode_picture *p = NULL, *q = NULL;
        struct capture_frame *f = NULL;

        for (int i = 0; i < 8; i++) {
                f = capture_frame_unref(f);
                p = encode_picture_unref(p);
                assert_int_eq(capture_grab(c, 0, &f), 0);
                assert_int_eq(encode_convert(patched, c, f, &p), 0);
        }
        assert_null(patched->pictures[1]); /* one buffer, patched 8 times */
        assert_int_eq(encode_convert(full, NULL, f, &q), 0);
        for (unsigned y = 0; y < dh; y++)
                assert_mem_eq(p->frame->data[0] + y * p->frame->linesize[0],
                              q->frame->data[0] + y * q->frame->linesize[0], dw);
        for (unsigned y = 0; y < dh / 2; y++)
                assert_mem_eq(p->frame->data[1] + y * p->frame->linesize[1],
                              q->frame->data[1] + y * q->frame->linesize[1], dw);
        p = encode_picture_unref(p);
        q = encode_picture_unref(q);
        f = capture_frame_unref(f);
}

TEST(encode_scaled_reuse, "/encode/scaled conversion into a reused picture equals a fresh one") {
        check_scaled_damage(640, 480, 320, 240); /* down */
        check_scaled_damage(320, 240, 640, 480); /* up */
        check_scaled_damage(1280, 720, 640, 480); /* other aspect */
        check_scaled_damage(640, 360, 1280, 720); /* 2x up */
}

TEST(encode_scaled, "/encode/scales 320x240 capture to a 640x480 stream (libswscale)") {
        _cleanup_(capture_unrefp) struct capture *c = open_testsrc(CAPTURE_PATTERN_MOTION, 320, 240);
        _cleanup_(encode_freep) struct encoder *e = open_x264(640, 480, ENCODE_PROFILE_CBP, 31);
        struct stream s = {};
        int w = 0, h = 0, profile;

        for (int i = 0; i < 3; i++)
                encode_one(e, c, &s, i);
        assert_int_eq(decode_stream(&s, &w, &h, &profile), 3);
        assert_int_eq(w, 640);
        assert_int_eq(h, 480);
        stream_clear(&s);
}

TEST(encode_slices, "/encode/slices when the sink asks: several slice NAL units per picture") {
        _cleanup_(capture_unrefp) struct capture *c = open_testsrc(CAPTURE_PATTERN_MOTION, 320, 240);
        struct encode_config cfg = { .encoder = "x264", .width = 320, .height = 240, .slices = 4 };
        _cleanup_(encode_freep) struct encoder *e = NULL;
        struct stream s = {};
        unsigned slices = 0;

        assert_int_eq(encode_new(&cfg, &e), 0);
        encode_one(e, c, &s, 0);
        encode_one(e, c, &s, 1);
        assert_int_eq(s.n, 2);
        for (size_t i = 0; i + 3 < s.au[1].size; i++)
                if (s.au[1].data[i] == 0 && s.au[1].data[i + 1] == 0 && s.au[1].data[i + 2] == 1 &&
                    (s.au[1].data[i + 3] & 0x1f) == 1)
                        slices++;
        assert_int_eq(slices, 4);
        stream_clear(&s);
}

/* The slices of an access unit: how many, and the largest in bytes (start code to start code). */
static void count_slices(const uint8_t *d, size_t n, unsigned *ret_count, size_t *ret_max)
{
        size_t start = 0, max = 0;
        unsigned count = 0;
        bool in_slice = false;

        for (size_t i = 0; i + 3 <= n; i++) {
                if (!(d[i] == 0 && d[i + 1] == 0 && d[i + 2] == 1))
                        continue;
                if (in_slice)
                        max = MAX(max, i - start);
                in_slice = i + 3 < n && ((d[i + 3] & 0x1f) == 1 || (d[i + 3] & 0x1f) == 5);
                if (in_slice) {
                        count++;
                        start = i;
                }
        }
        if (in_slice)
                max = MAX(max, n - start);
        *ret_count = count;
        *ret_max = max;
}

TEST(encode_slice_max, "/encode/low-latency slice limit: every slice fits one RTP payload, in both x264 paths") {
        static const char *const encoders[] = { "x264", "libx264" };

        for (size_t k = 0; k < ARRAY_SIZE(encoders); k++) {
                _cleanup_(capture_unrefp) struct capture *c = open_testsrc(CAPTURE_PATTERN_MOTION, 640, 480);
                struct encode_config cfg = { .encoder = encoders[k], .width = 640, .height = 480,
                                             .bitrate_bps = 4000000, .slice_max_bytes = 1200 };
                _cleanup_(encode_freep) struct encoder *e = NULL;
                struct stream s = {};
                unsigned count;
                size_t max;
                int w = 0, h = 0, profile;

                assert_int_eq(encode_new(&cfg, &e), 0);
                for (int i = 0; i < 3; i++)
                        encode_one(e, c, &s, i);
                assert_int_eq(s.n, 3);
                count_slices(s.au[0].data, s.au[0].size, &count, &max);
                assert_true(s.au[0].size > 4 * 1200); /* the IDR is big enough to need several */
                assert_true(count >= s.au[0].size / 1200);
                /* start code + NAL header + x264's margin: the limit is on the slice's bytes */
                assert_true(max <= 1200 + 8);
                count_slices(s.au[2].data, s.au[2].size, &count, &max);
                assert_true(count >= 1 && max <= 1200 + 8);
                assert_int_eq(decode_stream(&s, &w, &h, &profile), 3);
                stream_clear(&s);
        }
}

TEST(encode_pictures_bounded, "/encode/picture pool is bounded: -EBUSY instead of growing") {
        _cleanup_(capture_unrefp) struct capture *c = open_testsrc(CAPTURE_PATTERN_DESKTOP, 320, 240);
        _cleanup_(capture_frame_unrefp) struct capture_frame *f = NULL;
        /* libx264 copies each picture while it is sent: one by default; up to ENCODE_PICTURES_MAX when asked */
        static const unsigned sizes[] = { 0, 2, 3, ENCODE_PICTURES_MAX };
        static const unsigned expect[] = { 1, 2, 3, ENCODE_PICTURES_MAX };

        assert_int_eq(capture_grab(c, 0, &f), 0);
        for (size_t k = 0; k < ARRAY_SIZE(sizes); k++) {
                struct encode_config cfg = { .encoder = "x264", .width = 320, .height = 240, .pictures = sizes[k] };
                _cleanup_(encode_freep) struct encoder *e = NULL;
                struct encode_picture *held[ENCODE_PICTURES_MAX + 1] = {};

                assert_int_eq(encode_new(&cfg, &e), 0);
                for (unsigned i = 0; i < expect[k]; i++)
                        assert_int_eq(encode_convert(e, c, f, &held[i]), 0);
                assert_int_eq(encode_convert(e, c, f, &held[expect[k]]), -EBUSY);
                /* a picture that was sent is free again once encode_send() returned (libx264 copied it) */
                assert_int_eq(encode_send(e, held[0], 0), 0);
                held[0] = encode_picture_unref(held[0]);
                assert_int_eq(encode_convert(e, c, f, &held[0]), 0);
                for (unsigned i = 0; i < expect[k]; i++)
                        held[i] = encode_picture_unref(held[i]);
        }
}

TEST(encode_vaapi_reported, "/encode/vaapi: compiled in; its absence is reported, not hidden") {
        struct encode_config cfg = { .encoder = "vaapi", .width = 320, .height = 240, .level_idc = 31 };
        _cleanup_(capture_unrefp) struct capture *c = NULL;
        _cleanup_(encode_freep) struct encoder *e = NULL;
        struct stream s = {};
        int r, w = 0, h = 0, profile;

        r = encode_new(&cfg, &e);
        if (r < 0) {
                /* no GPU here: a clear reason, never a silent fallback (nothing allocated before test_skip) */
                assert_int_eq(r, -ENODEV);
                assert_true(strstr(encode_last_error(), "vaapi") != NULL);
                assert_null(e);
                test_skip(encode_last_error());
        }
        c = open_testsrc(CAPTURE_PATTERN_DESKTOP, 320, 240);
        assert_str_eq(encode_get_codec_name(e), "h264_vaapi");
        for (int i = 0; i < 5; i++)
                encode_one(e, c, &s, i);
        assert_int_eq(encode_flush(e), 0);
        receive_all(e, &s);
        assert_int_eq(decode_stream(&s, &w, &h, &profile), 5);
        assert_int_eq(w, 320);
        stream_clear(&s);
}

TEST(encode_auto, "/encode/auto picks vaapi, else software, and says why it skipped") {
        struct encode_config cfg = { .width = 320, .height = 240 };
        _cleanup_(encode_freep) struct encoder *e = NULL;

        assert_int_eq(encode_new(&cfg, &e), 0);
        if (strcmp(encode_get_backend_name(e), "vaapi") == 0)
                return;
        assert_str_eq(encode_get_backend_name(e), "software");
        assert_true(strstr(encode_last_error(), "vaapi:") != NULL);
}

TEST(encode_letterbox, "/encode/a 5:4 capture in a 16:9 mode keeps its aspect: black bars left and right") {
        _cleanup_(capture_unrefp) struct capture *c = open_testsrc(CAPTURE_PATTERN_MOTION, 640, 512);
        _cleanup_(encode_freep) struct encoder *e = open_x264(640, 360, ENCODE_PROFILE_CBP, 31);
        _cleanup_(capture_frame_unrefp) struct capture_frame *f = NULL;
        struct encode_picture *p = NULL;
        struct uibc_rect fit;
        unsigned inside = 0;
        const AVFrame *fr;

        /* The rectangle the input mapping uses too: 450x360 at +94+0. */
        assert_int_eq(uibc_letterbox_even(640, 360, 640, 512, &fit), 0);
        assert_int_eq(fit.x, 94);
        assert_int_eq(fit.width, 450);
        assert_int_eq(capture_grab(c, 0, &f), 0);
        assert_int_eq(encode_convert(e, c, f, &p), 0);
        fr = p->frame;
        for (int y = 0; y < 360; y++) {
                const uint8_t *row = fr->data[0] + (size_t) y * fr->linesize[0];
                for (int x = 0; x < 94; x++)
                        assert_int_eq(row[x], 16);
                for (int x = 94 + 450; x < 640; x++)
                        assert_int_eq(row[x], 16);
                for (int x = 94; x < 94 + 450; x++)
                        inside += row[x] != 16;
        }
        for (int y = 0; y < 180; y++) {
                const uint8_t *row = fr->data[1] + (size_t) y * fr->linesize[1];
                assert_int_eq(row[0], 128);
                assert_int_eq(row[1], 128);
                assert_int_eq(row[638], 128);
                assert_int_eq(row[639], 128);
        }
        /* the picture itself fills its rectangle (the motion pattern has no black areas to speak of) */
        assert_int_ge(inside, 450 * 360 * 9 / 10);
        p = encode_picture_unref(p);
}
