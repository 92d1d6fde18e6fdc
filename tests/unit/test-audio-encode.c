/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * encoder/audio_encode.c's silent-frame cache: digital silence is answered
 * with the kept silent packet instead of an encode, the positions stay
 * contiguous through silence -> sound -> silence, and what a decoder makes
 * of it is the same as with every frame encoded (sound after silence starts
 * cleanly).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>

#include "../../encoder/audio_encode.h"
#include "../../protocol/macro.h"
#include "../lib/test.h"

#define RATE  48000
#define BLOCK 480 /* what the media thread sends */

/* The test signal at sample frame n: silence, then a 440 Hz tone from 1.5 s to 2.5 s
 * (starting mid-frame, at full amplitude at once: the hardest onset), then silence,
 * then a quiet 3 kHz tone from 4 s to 4.2 s, then silence to the end. */
static int16_t signal_at(uint64_t n)
{
        if (n >= RATE * 3 / 2 && n < RATE * 5 / 2)
                return (int16_t) lrint(12000 * sin(2 * M_PI * 440.0 * (double) n / RATE));
        if (n >= RATE * 4 && n < RATE * 42 / 10)
                return (int16_t) lrint(300 * sin(2 * M_PI * 3000.0 * (double) n / RATE));
        return 0;
}

struct run {
        float *pcm;          /* decoded left channel, indexed by position */
        size_t len;
        unsigned packets;
        int64_t first_pos, last_pos;
        bool gap;            /* two packets not exactly one frame apart */
        struct audio_encode_counts counts;
};

/* Encode seconds of signal_at() with the cache on or off, decode every packet with FFmpeg. */
static void run_encode(bool cache, double seconds, struct run *ret)
{
        _cleanup_(audio_encode_freep) struct audio_encoder *e = NULL;
        const AVCodec *codec = avcodec_find_decoder(AV_CODEC_ID_AAC);
        AVCodecContext *d = avcodec_alloc_context3(codec);
        AVPacket *p = av_packet_alloc();
        AVFrame *f = av_frame_alloc();
        uint64_t total = (uint64_t) (seconds * RATE);
        int16_t block[BLOCK * 2];
        struct run r = { .len = total + 4096, .first_pos = INT64_MIN };

        r.pcm = calloc(r.len, sizeof(float));
        assert_non_null(r.pcm);
        assert_int_eq(audio_encode_new(RATE, 2, 0, &e), 0);
        audio_encode_set_silence_cache(e, cache);
        assert_int_eq(avcodec_open2(d, codec, NULL), 0);
        for (uint64_t pos = 0; pos + BLOCK <= total; pos += BLOCK) {
                struct audio_encode_packet pkt;

                for (unsigned i = 0; i < BLOCK; i++)
                        block[2 * i] = block[2 * i + 1] = signal_at(pos + i);
                assert_int_eq(audio_encode_send(e, block, BLOCK, (int64_t) pos), 0);
                while (audio_encode_receive(e, &pkt) == 0) {
                        if (r.first_pos != INT64_MIN && pkt.pos != r.last_pos + 1024)
                                r.gap = true;
                        if (r.first_pos == INT64_MIN)
                                r.first_pos = pkt.pos;
                        r.last_pos = pkt.pos;
                        r.packets++;
                        /* ADTS frame_length is the packet */
                        assert_int_eq((pkt.data[3] & 3) << 11 | pkt.data[4] << 3 | pkt.data[5] >> 5, pkt.size);
                        assert_int_eq(av_new_packet(p, (int) pkt.size), 0);
                        memcpy(p->data, pkt.data, pkt.size);
                        p->pts = pkt.pos;
                        assert_int_eq(avcodec_send_packet(d, p), 0);
                        av_packet_unref(p);
                        while (avcodec_receive_frame(d, f) == 0) {
                                for (int i = 0; i < f->nb_samples; i++) {
                                        int64_t at = f->pts + i;

                                        if (at >= 0 && (size_t) at < r.len)
                                                r.pcm[at] = ((const float *) f->data[0])[i];
                                }
                                av_frame_unref(f);
                        }
                }
        }
        audio_encode_get_counts(e, &r.counts);
        av_frame_free(&f);
        av_packet_free(&p);
        avcodec_free_context(&d);
        *ret = r;
}

/* RMS of a over [from, to) seconds, and of a - b over it */
static void rms(const struct run *a, const struct run *b, double from, double to, double *ret_a, double *ret_diff)
{
        double sa = 0, sd = 0;
        size_t i0 = (size_t) (from * RATE), i1 = (size_t) (to * RATE);

        for (size_t i = i0; i < i1; i++) {
                sa += (double) a->pcm[i] * a->pcm[i];
                sd += ((double) a->pcm[i] - b->pcm[i]) * ((double) a->pcm[i] - b->pcm[i]);
        }
        *ret_a = sqrt(sa / (double) (i1 - i0));
        *ret_diff = sqrt(sd / (double) (i1 - i0));
}

TEST(audio_encode_silence_cache, "/audio-encode/silence: copies instead of encodes, contiguous positions, "
                                 "the same sound as encoding everything") {
        struct run on, off;
        double level, diff;

        run_encode(true, 6, &on);
        run_encode(false, 6, &off);
        _cleanup_free_ float *on_pcm = on.pcm, *off_pcm = off.pcm;

        /* every frame's packet, one frame apart, with or without the cache */
        assert_false(on.gap);
        assert_false(off.gap);
        assert_int_eq(on.packets, off.packets);
        assert_int_eq(on.first_pos, off.first_pos);
        assert_int_eq(on.last_pos, off.last_pos);
        assert_int_eq(off.counts.frames_copied, 0);
        /* 6 s is 281 frames, 1.2 s of them sound (with a few frames each side for the encoder's
         * overlap, look-ahead and settling): most of the rest must be copies */
        assert_int_eq(on.counts.frames_encoded + on.counts.frames_copied >= 281, true);
        assert_int_ge(on.counts.frames_copied, 180);
        assert_int_le(on.counts.frames_encoded, 100);

        /* the loud tone: there, at its level, and the same decoded sound as without the cache,
         * including its onset right after skipped silence (within the coder's own noise) */
        rms(&on, &off, 1.45, 2.55, &level, &diff);
        assert_true(level > 0.2 && level < 0.3); /* 12000/32768/sqrt(2) = 0.26 */
        assert_true(diff < level * 0.01);
        rms(&on, &off, 1.49, 1.52, &level, &diff);
        assert_true(level > 0.15);
        assert_true(diff < level * 0.01);
        /* the quiet tone after the second silence */
        rms(&on, &off, 3.99, 4.21, &level, &diff);
        assert_true(level > 0.004 && level < 0.008); /* 300/32768/sqrt(2) = 0.0065 */
        assert_true(diff < level * 0.05);
        /* the silences decode to silence */
        rms(&on, &off, 0.1, 1.4, &level, &diff);
        assert_true(level < 1e-6);
        rms(&on, &off, 2.7, 3.9, &level, &diff);
        assert_true(level < 1e-6);
        rms(&on, &off, 4.4, 5.9, &level, &diff);
        assert_true(level < 1e-6);
}

TEST(audio_encode_no_silence, "/audio-encode/silence: sound is always encoded, never copied") {
        _cleanup_(audio_encode_freep) struct audio_encoder *e = NULL;
        struct audio_encode_counts c;
        struct audio_encode_packet pkt;
        int16_t block[BLOCK * 2];
        unsigned packets = 0;

        assert_int_eq(audio_encode_new(RATE, 2, 0, &e), 0);
        for (uint64_t pos = 0; pos < RATE; pos += BLOCK) {
                /* one quiet LSB in each block is not silence */
                memset(block, 0, sizeof(block));
                block[(pos / BLOCK % BLOCK) * 2] = 1;
                assert_int_eq(audio_encode_send(e, block, BLOCK, (int64_t) pos), 0);
                while (audio_encode_receive(e, &pkt) == 0)
                        packets++;
        }
        audio_encode_get_counts(e, &c);
        assert_int_eq(c.frames_copied, 0);
        assert_int_eq(c.frames_encoded, RATE / 1024);
        assert_int_ge(packets, RATE / 1024 - 2);
}

TEST(audio_encode_bad, "/audio-encode: bad arguments") {
        struct audio_encoder *e = NULL;
        struct audio_encode_counts c;

        assert_int_eq(audio_encode_new(32000, 2, 0, &e), -EINVAL);
        assert_int_eq(audio_encode_new(48000, 3, 0, &e), -EINVAL);
        assert_null(e);
        assert_int_eq(audio_encode_send(NULL, NULL, 0, 0), -EINVAL);
        audio_encode_get_counts(NULL, &c);
        assert_int_eq(c.frames_encoded, 0);
}
