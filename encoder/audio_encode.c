/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * AAC-LC with FFmpeg's native encoder, ADTS framed (see audio_encode.h).
 *
 * The encoder takes planar float frames of exactly frame_size (1024)
 * samples; PCM arrives in blocks of any size, so it is converted into the
 * pending AVFrame until that is full, then sent. FFmpeg's encoder reports
 * packet pts already shifted back by its priming delay (initial_padding),
 * so a decoder that plays every frame (as sinks do) puts the sound of input
 * position p at the packet pts p: no correction needed here.
 *
 * Silence (an idle desktop sends it all the time) is not encoded again and
 * again: once a few whole frames of digital silence went in and the encoder
 * put out the same bytes twice in a row, its overlap and look-ahead hold
 * only silence and its output no longer changes, so that packet is kept and
 * handed out again for each further silent frame, with that frame's position
 * (the encoder's own lag between frame in and packet out kept). Encoding a
 * silent frame was a third of an idle session's CPU. When sound comes back,
 * the encoder is first fed the silent frames just before it (their packets
 * were already handed out as copies and are dropped), so it starts from the
 * state it would have had after encoding all that silence.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavutil/channel_layout.h>
#include <libavutil/frame.h>
#include <libavutil/samplefmt.h>

#include "../protocol/macro.h"
#include "audio_encode.h"

#define ADTS_HEADER_SIZE 7
/* Silent frames in a row sent to the encoder before its packets can be pure silence: the
 * packet lags its frame by up to two frames, and the MDCT overlaps one more. */
#define SILENT_SETTLE_FRAMES 4
/* Copies of the silent packet waiting for receive(): one send() completes at most one frame
 * when callers send blocks of up to frame_size, as they must for the encoder itself. */
#define SILENT_QUEUE_MAX 4

struct audio_encoder {
        AVCodecContext *ctx;    /* owned */
        AVFrame *frame;         /* owned: the frame being filled */
        AVPacket *pkt;          /* owned: the last packet received */
        unsigned channels, fill;
        unsigned sfi;           /* ADTS sampling_frequency_index */
        int64_t frame_pos;      /* position of frame's first sample */
        uint8_t *adts;          /* owned: header + the last packet */
        size_t adts_size;

        bool frame_silent;      /* every sample in frame so far is 0 */
        bool cache_enabled;
        unsigned silent_run;    /* silent frames sent to the encoder in a row */
        int64_t sent_pos;       /* position of the last frame sent to the encoder */
        int64_t out_pos;        /* position of the last packet handed out or queued (INT64_MIN: none) */
        uint8_t *silent;        /* owned: a raw AAC packet of the encoder's steady silence, or NULL */
        size_t silent_size;
        bool silent_steady;     /* the encoder's last packet was silent and equal to silent */
        bool skipping;          /* silent frames go to the queue, not the encoder */
        int64_t lag;            /* frame position - its packet's position, measured while steady */
        int64_t queue[SILENT_QUEUE_MAX]; /* positions of silent copies not yet received */
        unsigned n_queue;
        AVFrame *zero;          /* owned, made on first use: a silent frame to re-prime with */
        struct audio_encode_counts counts;
};

struct audio_encoder *audio_encode_free(struct audio_encoder *e)
{
        if (!e)
                return NULL;
        avcodec_free_context(&e->ctx);
        av_frame_free(&e->frame);
        av_packet_free(&e->pkt);
        av_frame_free(&e->zero);
        free(e->adts);
        free(e->silent);
        free(e);
        return NULL;
}

static int sample_rate_index(unsigned rate)
{
        /* ISO/IEC 14496-3 sampling_frequency_index */
        return rate == 48000 ? 3 : rate == 44100 ? 4 : -1;
}

int audio_encode_new(unsigned rate_hz, unsigned channels, uint64_t bitrate_bps, struct audio_encoder **ret)
{
        _cleanup_(audio_encode_freep) struct audio_encoder *e = NULL;
        const AVCodec *codec;
        int r;

        if (!ret || sample_rate_index(rate_hz) < 0 || channels < 1 || channels > 2)
                return -EINVAL;
        codec = avcodec_find_encoder_by_name("aac");
        if (!codec)
                return -ENOENT;
        e = calloc(1, sizeof(*e));
        if (!e)
                return -ENOMEM;
        e->channels = channels;
        e->cache_enabled = true;
        e->out_pos = INT64_MIN;
        e->sfi = (unsigned) sample_rate_index(rate_hz);
        e->ctx = avcodec_alloc_context3(codec);
        e->frame = av_frame_alloc();
        e->pkt = av_packet_alloc();
        if (!e->ctx || !e->frame || !e->pkt)
                return -ENOMEM;
        e->ctx->sample_fmt = AV_SAMPLE_FMT_FLTP;
        e->ctx->sample_rate = (int) rate_hz;
        av_channel_layout_default(&e->ctx->ch_layout, (int) channels);
        e->ctx->bit_rate = (int64_t) (bitrate_bps ? bitrate_bps : 64000 * channels);
        e->ctx->profile = FF_PROFILE_AAC_LOW;
        e->ctx->time_base = (AVRational) { 1, (int) rate_hz };
        r = avcodec_open2(e->ctx, codec, NULL);
        if (r < 0)
                return r == AVERROR(ENOMEM) ? -ENOMEM : -EIO;

        e->frame->format = AV_SAMPLE_FMT_FLTP;
        e->frame->sample_rate = (int) rate_hz;
        e->frame->nb_samples = e->ctx->frame_size;
        r = av_channel_layout_copy(&e->frame->ch_layout, &e->ctx->ch_layout);
        if (r < 0 || av_frame_get_buffer(e->frame, 0) < 0)
                return -ENOMEM;
        *ret = steal_ptr(e);
        return 0;
}

/* Send one frame to the encoder (the caller receives its packet before the next). */
static int audio_encode_send_frame(struct audio_encoder *e, AVFrame *frame, int64_t pos)
{
        int r;

        frame->pts = pos;
        r = avcodec_send_frame(e->ctx, frame);
        if (r == AVERROR(EAGAIN))
                return -ENOBUFS; /* receive() was not called: a caller bug */
        if (r < 0)
                return -EIO;
        e->sent_pos = pos;
        e->counts.frames_encoded++;
        return 0;
}

/* Sound after skipped silence: feed the encoder the silent frames just before pos, so its
 * overlap and look-ahead are what they would be had it encoded the silence; their packets
 * were handed out as copies already, and receive() drops them by position. */
static int audio_encode_resume(struct audio_encoder *e, int64_t pos)
{
        int64_t n = e->lag / e->ctx->frame_size;
        int r;

        if (!e->zero) {
                e->zero = av_frame_alloc();
                if (!e->zero)
                        return -ENOMEM;
                e->zero->format = e->frame->format;
                e->zero->sample_rate = e->frame->sample_rate;
                e->zero->nb_samples = e->frame->nb_samples;
                if (av_channel_layout_copy(&e->zero->ch_layout, &e->frame->ch_layout) < 0 ||
                    av_frame_get_buffer(e->zero, 0) < 0)
                        return -ENOMEM;
        }
        e->skipping = false;
        e->silent_steady = false;
        for (int64_t k = MIN(MAX(n, 1), 3); k > 0; k--) {
                /* the encoder may still hold a reference to the last one */
                if (av_frame_make_writable(e->zero) < 0)
                        return -ENOMEM;
                av_samples_set_silence(e->zero->extended_data, 0, e->zero->nb_samples, (int) e->channels,
                                       AV_SAMPLE_FMT_FLTP);
                r = audio_encode_send_frame(e, e->zero, pos - k * e->ctx->frame_size);
                if (r < 0)
                        return r;
                for (;;) {
                        r = avcodec_receive_packet(e->ctx, e->pkt);
                        av_packet_unref(e->pkt);
                        if (r == AVERROR(EAGAIN))
                                break;
                        if (r < 0)
                                return -EIO;
                }
        }
        return 0;
}

static int audio_encode_flush_frame(struct audio_encoder *e)
{
        bool silent = e->frame_silent;
        int r;

        e->fill = 0;
        e->frame_silent = true;
        if (silent && !e->skipping && e->cache_enabled && e->silent_steady &&
            e->silent_run >= SILENT_SETTLE_FRAMES && e->frame_pos == e->sent_pos + e->ctx->frame_size && e->lag > 0)
                e->skipping = true;
        if (silent && e->skipping) {
                if (e->n_queue == SILENT_QUEUE_MAX)
                        return -ENOBUFS; /* receive() was not called */
                e->out_pos = e->frame_pos - e->lag;
                e->queue[e->n_queue++] = e->out_pos;
                e->counts.frames_copied++;
                return 0;
        }
        if (e->skipping) {
                r = audio_encode_resume(e, e->frame_pos);
                if (r < 0)
                        return r;
        }
        e->silent_run = silent ? e->silent_run + 1 : 0;
        r = audio_encode_send_frame(e, e->frame, e->frame_pos);
        if (r < 0)
                return r;
        /* the encoder keeps a reference to the buffers it was sent: fill fresh ones next */
        return av_frame_make_writable(e->frame) < 0 ? -ENOMEM : 0;
}

int audio_encode_send(struct audio_encoder *e, const int16_t *pcm, unsigned frames, int64_t pos)
{
        int r;

        if (!e || (!pcm && frames))
                return -EINVAL;
        for (unsigned i = 0; i < frames;) {
                unsigned n = MIN(frames - i, (unsigned) e->ctx->frame_size - e->fill);

                if (e->fill == 0) {
                        e->frame_pos = pos + i;
                        e->frame_silent = true;
                }
                for (unsigned c = 0; c < e->channels; c++) {
                        float *dst = (float *) e->frame->data[c] + e->fill;

                        for (unsigned k = 0; k < n; k++)
                                dst[k] = pcm[(size_t) (i + k) * e->channels + c] * (1.0f / 32768.0f);
                }
                if (e->frame_silent)
                        for (size_t k = 0; k < (size_t) n * e->channels; k++)
                                if (pcm[(size_t) i * e->channels + k]) {
                                        e->frame_silent = false;
                                        break;
                                }
                e->fill += n;
                i += n;
                if (e->fill == (unsigned) e->ctx->frame_size) {
                        r = audio_encode_flush_frame(e);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

/* Frame raw AAC as ADTS in e->adts. */
static int audio_encode_adts(struct audio_encoder *e, const uint8_t *raw, size_t size, int64_t pos,
                             struct audio_encode_packet *ret)
{
        size_t len = ADTS_HEADER_SIZE + size;

        if (len > 0x1FFF)
                return -EIO; /* cannot happen at these bit rates: frame_length has 13 bits */
        if (len > e->adts_size) {
                uint8_t *p = realloc(e->adts, len);

                if (!p)
                        return -ENOMEM;
                e->adts = p;
                e->adts_size = len;
        }
        /* ADTS fixed + variable header (ISO/IEC 14496-3 1.A.2.2), no CRC: syncword, MPEG-4,
         * layer 0, protection_absent; AAC LC (profile 1); frame_length; buffer fullness VBR. */
        e->adts[0] = 0xFF;
        e->adts[1] = 0xF1;
        e->adts[2] = (uint8_t) (1u << 6 | e->sfi << 2 | (e->channels >> 2 & 1));
        e->adts[3] = (uint8_t) ((e->channels & 3) << 6 | (len >> 11 & 3));
        e->adts[4] = (uint8_t) (len >> 3 & 0xFF);
        e->adts[5] = (uint8_t) ((len & 7) << 5 | 0x1F);
        e->adts[6] = 0xFC;
        if (raw != e->adts + ADTS_HEADER_SIZE)
                memcpy(e->adts + ADTS_HEADER_SIZE, raw, size);
        *ret = (struct audio_encode_packet) { .data = e->adts, .size = len, .pos = pos };
        return 0;
}

/* A packet from the encoder: is it the steady silence (the same bytes as the last silent one)? */
static int audio_encode_note_silence(struct audio_encoder *e)
{
        size_t size = (size_t) e->pkt->size;

        if (!e->cache_enabled || e->silent_run < SILENT_SETTLE_FRAMES) {
                e->silent_steady = false;
                return 0;
        }
        if (e->silent && e->silent_size == size && memcmp(e->silent, e->pkt->data, size) == 0) {
                e->silent_steady = true;
                e->lag = e->sent_pos - e->pkt->pts;
                return 0;
        }
        /* a new candidate; steady once the next one is the same */
        e->silent_steady = false;
        if (size > e->silent_size || !e->silent) {
                uint8_t *p = realloc(e->silent, size ? size : 1);

                if (!p)
                        return -ENOMEM;
                e->silent = p;
        }
        memcpy(e->silent, e->pkt->data, size);
        e->silent_size = size;
        return 0;
}

int audio_encode_receive(struct audio_encoder *e, struct audio_encode_packet *ret)
{
        int r;

        if (!e || !ret)
                return -EINVAL;
        if (e->n_queue > 0) {
                int64_t pos = e->queue[0];

                memmove(e->queue, e->queue + 1, --e->n_queue * sizeof(e->queue[0]));
                return audio_encode_adts(e, e->silent, e->silent_size, pos, ret);
        }
        for (;;) {
                av_packet_unref(e->pkt);
                r = avcodec_receive_packet(e->ctx, e->pkt);
                if (r == AVERROR(EAGAIN) || r == AVERROR_EOF)
                        return -EAGAIN;
                if (r < 0)
                        return -EIO;
                if (e->out_pos == INT64_MIN || e->pkt->pts > e->out_pos)
                        break;
                /* re-priming after skipped silence: this position went out as a copy */
        }
        r = audio_encode_note_silence(e);
        if (r < 0)
                return r;
        e->out_pos = e->pkt->pts;
        return audio_encode_adts(e, e->pkt->data, (size_t) e->pkt->size, e->pkt->pts, ret);
}

void audio_encode_set_silence_cache(struct audio_encoder *e, bool enabled)
{
        if (e)
                e->cache_enabled = enabled;
}

void audio_encode_get_counts(const struct audio_encoder *e, struct audio_encode_counts *ret)
{
        *ret = e ? e->counts : (struct audio_encode_counts) {};
}
