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
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavutil/channel_layout.h>
#include <libavutil/frame.h>

#include "../protocol/macro.h"
#include "audio_encode.h"

#define ADTS_HEADER_SIZE 7

struct audio_encoder {
        AVCodecContext *ctx;    /* owned */
        AVFrame *frame;         /* owned: the frame being filled */
        AVPacket *pkt;          /* owned: the last packet received */
        unsigned channels, fill;
        unsigned sfi;           /* ADTS sampling_frequency_index */
        int64_t frame_pos;      /* position of frame's first sample */
        uint8_t *adts;          /* owned: header + the last packet */
        size_t adts_size;
};

struct audio_encoder *audio_encode_free(struct audio_encoder *e)
{
        if (!e)
                return NULL;
        avcodec_free_context(&e->ctx);
        av_frame_free(&e->frame);
        av_packet_free(&e->pkt);
        free(e->adts);
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

static int audio_encode_flush_frame(struct audio_encoder *e)
{
        int r;

        e->frame->pts = e->frame_pos;
        r = avcodec_send_frame(e->ctx, e->frame);
        e->fill = 0;
        if (r == AVERROR(EAGAIN))
                return -ENOBUFS; /* receive() was not called: a caller bug */
        if (r < 0)
                return -EIO;
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

                if (e->fill == 0)
                        e->frame_pos = pos + i;
                for (unsigned c = 0; c < e->channels; c++) {
                        float *dst = (float *) e->frame->data[c] + e->fill;

                        for (unsigned k = 0; k < n; k++)
                                dst[k] = pcm[(size_t) (i + k) * e->channels + c] * (1.0f / 32768.0f);
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

int audio_encode_receive(struct audio_encoder *e, struct audio_encode_packet *ret)
{
        size_t len;
        int r;

        if (!e || !ret)
                return -EINVAL;
        av_packet_unref(e->pkt);
        r = avcodec_receive_packet(e->ctx, e->pkt);
        if (r == AVERROR(EAGAIN) || r == AVERROR_EOF)
                return -EAGAIN;
        if (r < 0)
                return -EIO;

        len = ADTS_HEADER_SIZE + (size_t) e->pkt->size;
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
        memcpy(e->adts + ADTS_HEADER_SIZE, e->pkt->data, (size_t) e->pkt->size);
        *ret = (struct audio_encode_packet) { .data = e->adts, .size = len, .pos = e->pkt->pts };
        return 0;
}
