/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The test sink's ears (tests/sink/sink-audio.c, compiled in here: it is
 * test code, not part of a library): tone frequency and level of exact and
 * of AAC-coded beeps, gaps, and the A/V offset between flashes and beeps.
 * Also the AAC path itself: audio_encode's ADTS frames decode with FFmpeg's
 * decoder, at the positions their PTS say.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>

#include "../../encoder/audio_encode.h"
#include "../../encoder/audio_source.h"
#include "../lib/test.h"
#include "../sink/sink-audio.c"

#define RATE 48000

/* 5 s of the beeping test tone from second 1000, through AAC when aac, into the analysis. */
static void feed_beeps(struct sink_audio *a, bool aac, bool beep)
{
        struct audio_source_config cfg = { .rate_hz = RATE, .channels = 2, .kind = AUDIO_SOURCE_TONE, .tone_hz = 1000,
                                           .tone_dbfs = -20, .tone_beep = beep };
        _cleanup_(audio_source_freep) struct audio_source *s = NULL;
        _cleanup_(audio_encode_freep) struct audio_encoder *e = NULL;
        const AVCodec *codec = avcodec_find_decoder(AV_CODEC_ID_AAC);
        AVCodecContext *d = avcodec_alloc_context3(codec);
        AVPacket *p = av_packet_alloc();
        AVFrame *f = av_frame_alloc();
        uint64_t pos0 = (uint64_t) RATE * 1000;
        int16_t block[960];
        float x[1024];

        assert_int_eq(audio_source_new(&cfg, &s), 0);
        assert_int_eq(audio_encode_new(RATE, 2, 0, &e), 0);
        assert_int_eq(avcodec_open2(d, codec, NULL), 0);
        for (uint64_t pos = pos0; pos < pos0 + 5 * RATE; pos += 480) {
                struct audio_encode_packet pkt;

                audio_source_read(s, pos, block, 480);
                if (!aac) {
                        for (int i = 0; i < 480; i++)
                                x[i] = block[2 * i] / 32768.0f;
                        /* the PTS of the sample clock: 90 kHz since second 1000 */
                        sink_audio_feed(a, x, 480, RATE, (int64_t) (pos - pos0) * 90000 / RATE);
                        continue;
                }
                assert_int_eq(audio_encode_send(e, block, 480, (int64_t) (pos - pos0)), 0);
                while (audio_encode_receive(e, &pkt) == 0) {
                        /* ADTS: sync word, MPEG-4 AAC LC, 48 kHz, stereo, frame_length = the packet */
                        assert_int_eq(pkt.data[0], 0xFF);
                        assert_int_eq(pkt.data[1] & 0xF6, 0xF0);
                        assert_int_eq(pkt.data[2] >> 6, 1);
                        assert_int_eq(pkt.data[2] >> 2 & 0xF, 3);
                        assert_int_eq((pkt.data[3] >> 6) | (pkt.data[2] & 1) << 2, 2);
                        assert_int_eq((pkt.data[3] & 3) << 11 | pkt.data[4] << 3 | pkt.data[5] >> 5, pkt.size);
                        assert_int_eq(av_new_packet(p, (int) pkt.size), 0);
                        memcpy(p->data, pkt.data, pkt.size);
                        p->pts = pkt.pos;
                        assert_int_eq(avcodec_send_packet(d, p), 0);
                        av_packet_unref(p);
                        while (avcodec_receive_frame(d, f) == 0) {
                                assert_int_eq(f->format, AV_SAMPLE_FMT_FLTP);
                                memcpy(x, f->data[0], sizeof(float) * (size_t) f->nb_samples);
                                sink_audio_feed(a, x, (unsigned) f->nb_samples, RATE, f->pts * 90000 / RATE);
                                av_frame_unref(f);
                        }
                }
        }
        av_frame_free(&f);
        av_packet_free(&p);
        avcodec_free_context(&d);
}

TEST(sink_audio_exact, "/sink-audio/exact beeps: 1000 Hz, -20 dBFS, five beeps on the second, no gaps") {
        struct sink_audio *a = NULL;
        struct sink_audio_result r;

        assert_int_eq(sink_audio_new(&a), 0);
        feed_beeps(a, false, true);
        sink_audio_get_result(a, &r);
        a = sink_audio_free(a);
        assert_true(fabs(r.freq_hz - 1000) < 0.5);
        assert_true(fabs(r.level_dbfs + 20) < 0.1);
        assert_int_eq(r.gaps, 0);
        assert_int_eq(r.beeps, 5);
        assert_true(fabs(r.seconds - 5) < 0.01);
}

TEST(sink_audio_aac, "/sink-audio/AAC round trip: the beeps keep frequency, level and timing") {
        struct sink_audio *a = NULL;
        struct sink_audio_result r;

        assert_int_eq(sink_audio_new(&a), 0);
        feed_beeps(a, true, true);
        /* a flash on every second: the beeps must line up with it within a millisecond */
        for (int k = 0; k < 5; k++) {
                sink_audio_video_frame(a, k * 90000 - 3000, 120);
                sink_audio_video_frame(a, k * 90000, 235);
        }
        sink_audio_get_result(a, &r);
        a = sink_audio_free(a);
        assert_true(fabs(r.freq_hz - 1000) < 2);
        assert_true(fabs(r.level_dbfs + 20) < 0.3);
        assert_int_eq(r.gaps, 0);
        assert_int_ge(r.beeps, 4); /* the first beep starts the stream: no quiet before it */
        assert_int_ge(r.pairs, 4);
        assert_true(fabs(r.av_offset_ms_median) < 2);
        assert_true(fabs(r.av_offset_ms_worst) < 2);
}

TEST(sink_audio_offsets, "/sink-audio/A/V offsets: median and signed worst, far flashes unpaired") {
        struct sink_audio *a = NULL;
        struct sink_audio_result r;

        assert_int_eq(sink_audio_new(&a), 0);
        feed_beeps(a, false, true);
        /* flashes 10 ms before, 20 ms after, exactly on, 30 ms after the beeps; one with no beep near */
        sink_audio_video_frame(a, -9000, 16);
        sink_audio_video_frame(a, 1 * 90000 - 900, 235);
        sink_audio_video_frame(a, 1 * 90000 + 9000, 16);
        sink_audio_video_frame(a, 2 * 90000 + 1800, 235);
        sink_audio_video_frame(a, 2 * 90000 + 9000, 16);
        sink_audio_video_frame(a, 3 * 90000, 235);
        sink_audio_video_frame(a, 3 * 90000 + 9000, 16);
        sink_audio_video_frame(a, 4 * 90000 + 2700, 235);
        sink_audio_video_frame(a, 4 * 90000 + 9000, 16);
        sink_audio_video_frame(a, 4 * 90000 + 54000, 235);
        sink_audio_get_result(a, &r);
        a = sink_audio_free(a);
        assert_int_eq(r.flashes, 5);
        assert_int_eq(r.pairs, 4);
        /* offsets (beep - flash): +10, -20, 0, -30 -> median -10, worst -30 */
        assert_true(fabs(r.av_offset_ms_median + 10) < 0.1);
        assert_true(fabs(r.av_offset_ms_worst + 30) < 0.1);
        /* clock error: a beep between the last dark and the first white picture is 0; only the
         * beep 10 ms after its white picture is outside that interval */
        assert_true(fabs(r.av_clock_ms_worst - 10) < 0.1);
}

TEST(sink_audio_gaps, "/sink-audio/a PTS jump over 40 ms is a gap; 30 ms is jitter") {
        struct sink_audio *a = NULL;
        struct sink_audio_result r;
        float x[480] = {};

        assert_int_eq(sink_audio_new(&a), 0);
        sink_audio_feed(a, x, 480, RATE, 0);
        sink_audio_feed(a, x, 480, RATE, 900);                 /* contiguous */
        sink_audio_feed(a, x, 480, RATE, 1800 + 30 * 90);      /* 30 ms late */
        sink_audio_feed(a, x, 480, RATE, 2700 + 30 * 90 + 45 * 90); /* 45 ms late */
        sink_audio_get_result(a, &r);
        a = sink_audio_free(a);
        assert_int_eq(r.gaps, 1);
        assert_true(fabs(r.max_gap_ms - 45) < 0.1);
        assert_true(r.level_dbfs < -100);
        assert_true(r.freq_hz == 0);
}
