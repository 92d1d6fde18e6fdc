/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * RTP/MP2T receive and FFmpeg decode for the test sink (see sink-media.h for
 * why RTP is parsed here and TS goes to libavformat through an AVIOContext).
 *
 * Flow: event loop thread: RTP datagram -> checks -> TS bytes into the ring.
 *       decode thread: ring -> AVIOContext -> mpegts demuxer -> h264 decoder ->
 *       counters + last frame; an eventfd tells the event loop a frame arrived.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/imgutils.h>
#include <libswscale/swscale.h>

#include "../../protocol/macro.h"
#include "sink-media.h"

#define RING_SIZE (8u << 20)            /* 8 MiB: ~2 s of 1080p at 30 Mbit/s */
#define AVIO_BUFFER_SIZE 32768
#define TS_PACKET_SIZE 188
#define RTP_HEADER_SIZE 12
#define RTP_PT_MP2T 33                  /* RFC 3551 */

struct sink_media {
        pthread_t thread;
        bool thread_running;
        int frame_fd;                   /* eventfd, owned */

        pthread_mutex_t lock;           /* protects everything below */
        pthread_cond_t cond;
        uint8_t *ring;                  /* RING_SIZE bytes, owned */
        size_t ring_head, ring_len;
        bool eof;
        bool input_ended;               /* ring_read() returned EOF: what follows is a cut-off PES */
        bool have_seq;
        uint16_t last_seq;
        struct sink_media_stats stats;

        AVFrame *last_frame;            /* owned; touched by the decode thread only until joined */
        struct sink_audio *audio;       /* owned; touched by the decode thread only until joined */
};

static uint64_t now_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

void sink_media_feed_rtp(struct sink_media *m, const uint8_t *buf, size_t len)
{
        size_t off, cc, payload_len;
        uint16_t seq;

        pthread_mutex_lock(&m->lock);

        /* RFC 3550 5.1 fixed header; WFD: version 2, PT 33, whole TS packets. */
        if (len < RTP_HEADER_SIZE || (buf[0] >> 6) != 2 || (buf[1] & 0x7f) != RTP_PT_MP2T)
                goto bad;
        cc = buf[0] & 0x0f;
        off = RTP_HEADER_SIZE + 4 * cc;
        if (off > len)
                goto bad;
        if (buf[0] & 0x10) {            /* header extension */
                if (off + 4 > len)
                        goto bad;
                off += 4 + 4 * (size_t) ((buf[off + 2] << 8) | buf[off + 3]);
                if (off > len)
                        goto bad;
        }
        payload_len = len - off;
        if (buf[0] & 0x20) {            /* padding: last byte says how much */
                if (payload_len == 0 || buf[len - 1] > payload_len)
                        goto bad;
                payload_len -= buf[len - 1];
        }
        if (payload_len == 0 || payload_len % TS_PACKET_SIZE != 0 || buf[off] != 0x47)
                goto bad;

        seq = (uint16_t) ((buf[2] << 8) | buf[3]);
        if (!m->have_seq)
                m->stats.first_seq = seq;
        if (m->have_seq) {
                uint16_t gap = (uint16_t) (seq - m->last_seq - 1);
                /* A gap below 0x8000 is loss; above it a reordered/duplicate packet. */
                if (gap != 0 && gap < 0x8000)
                        m->stats.rtp_lost += gap;
        }
        if (!m->have_seq || (uint16_t) (seq - m->last_seq) < 0x8000)
                m->last_seq = seq;
        m->have_seq = true;
        m->stats.ssrc = (uint32_t) buf[8] << 24 | (uint32_t) buf[9] << 16 | (uint32_t) buf[10] << 8 | buf[11];
        m->stats.rtp_packets++;
        m->stats.rtp_bytes += payload_len;

        if (m->eof)
                goto out;
        if (RING_SIZE - m->ring_len < payload_len) {
                m->stats.ring_overflows++;
                goto out;
        }
        for (size_t i = 0; i < payload_len;) {
                size_t tail = (m->ring_head + m->ring_len) % RING_SIZE;
                size_t n = MIN(payload_len - i, RING_SIZE - tail);

                memcpy(m->ring + tail, buf + off + i, n);
                m->ring_len += n;
                i += n;
        }
        pthread_cond_signal(&m->cond);
        goto out;
bad:
        m->stats.rtp_bad++;
out:
        pthread_mutex_unlock(&m->lock);
}

/* AVIOContext read callback (decode thread): blocks until bytes or end of stream. */
static int ring_read(void *opaque, uint8_t *buf, int size)
{
        struct sink_media *m = opaque;
        size_t n;

        pthread_mutex_lock(&m->lock);
        while (m->ring_len == 0 && !m->eof)
                pthread_cond_wait(&m->cond, &m->lock);
        if (m->ring_len == 0) {
                m->input_ended = true;
                pthread_mutex_unlock(&m->lock);
                return AVERROR_EOF;
        }
        n = MIN((size_t) size, m->ring_len);
        n = MIN(n, RING_SIZE - m->ring_head);   /* one contiguous piece; FFmpeg calls again */
        memcpy(buf, m->ring + m->ring_head, n);
        m->ring_head = (m->ring_head + n) % RING_SIZE;
        m->ring_len -= n;
        pthread_mutex_unlock(&m->lock);
        return (int) n;
}

static void set_error(struct sink_media *m, const char *what, int averr)
{
        char e[AV_ERROR_MAX_STRING_SIZE];

        av_strerror(averr, e, sizeof(e));
        pthread_mutex_lock(&m->lock);
        if (!m->stats.error[0])
                snprintf(m->stats.error, sizeof(m->stats.error), "%s: %s", what, e);
        pthread_mutex_unlock(&m->lock);
}

/* Mean of every 4th luma sample of every 4th row: enough to tell a picture from black. */
static unsigned frame_mean_luma(const AVFrame *f)
{
        uint64_t sum = 0, n = 0;

        if (f->format != AV_PIX_FMT_YUV420P && f->format != AV_PIX_FMT_YUVJ420P &&
            f->format != AV_PIX_FMT_NV12)
                return 0;
        for (int y = 0; y < f->height; y += 4)
                for (int x = 0; x < f->width; x += 4, n++)
                        sum += f->data[0][(size_t) y * (size_t) f->linesize[0] + (size_t) x];
        return n ? (unsigned) (sum / n) : 0;
}

static int64_t to_90khz(int64_t ts, AVRational tb)
{
        return ts == AV_NOPTS_VALUE ? AV_NOPTS_VALUE : av_rescale_q(ts, tb, (AVRational) { 1, 90000 });
}

static void on_frame(struct sink_media *m, AVCodecContext *dec, AVFrame *frame)
{
        uint64_t one = 1;
        const char *pname;
        int64_t pts = to_90khz(frame->best_effort_timestamp, dec->pkt_timebase);
        unsigned luma = frame_mean_luma(frame);

        if (pts != AV_NOPTS_VALUE)
                sink_audio_video_frame(m->audio, pts, luma);

        pthread_mutex_lock(&m->lock);
        m->stats.frames++;
        if (m->stats.frames == 1)
                m->stats.first_frame_usec = now_usec();
        else
                m->stats.max_frame_gap_usec = MAX(m->stats.max_frame_gap_usec, now_usec() - m->stats.last_frame_usec);
        m->stats.last_frame_usec = now_usec();
        if (frame->key_frame) {
                m->stats.keyframes++;
                m->stats.last_keyframe_usec = now_usec();
        }
        if (frame->pict_type == AV_PICTURE_TYPE_B)
                m->stats.bframes++;
        if (frame->decode_error_flags)
                m->stats.decode_errors++;
        m->stats.width = (unsigned) frame->width;
        m->stats.height = (unsigned) frame->height;
        pname = avcodec_profile_name(dec->codec_id, dec->profile);
        snprintf(m->stats.h264_profile, sizeof(m->stats.h264_profile), "%s", pname ? pname : "unknown");
        m->stats.h264_level = dec->level;
        m->stats.mean_luma = luma;
        pthread_mutex_unlock(&m->lock);

        av_frame_unref(m->last_frame);
        (void) av_frame_ref(m->last_frame, frame);
        (void) !write(m->frame_fd, &one, sizeof(one));
}

/* Send one packet (NULL = flush) and take every frame the decoder has ready. */
static int decode_packet(struct sink_media *m, AVCodecContext *dec, const AVPacket *pkt, AVFrame *frame)
{
        int r;

        r = avcodec_send_packet(dec, pkt);
        if (r < 0 && r != AVERROR_EOF) {
                /* A damaged packet (lost RTP): count it and go on, like a TV would. */
                pthread_mutex_lock(&m->lock);
                m->stats.decode_errors++;
                pthread_mutex_unlock(&m->lock);
                return 0;
        }
        for (;;) {
                r = avcodec_receive_frame(dec, frame);
                if (r == AVERROR(EAGAIN) || r == AVERROR_EOF)
                        return 0;
                if (r < 0)
                        return r;
                on_frame(m, dec, frame);
                av_frame_unref(frame);
        }
}

static int open_video_decoder(struct sink_media *m, const AVStream *st, AVCodecContext **ret)
{
        const AVCodec *codec;
        AVCodecContext *dec;
        int r;

        codec = avcodec_find_decoder(st->codecpar->codec_id);
        if (!codec)
                return AVERROR_DECODER_NOT_FOUND;
        dec = avcodec_alloc_context3(codec);
        if (!dec)
                return AVERROR(ENOMEM);
        r = avcodec_parameters_to_context(dec, st->codecpar);
        if (r >= 0) {
                dec->thread_count = 1;          /* tests share two cores */
                dec->flags |= AV_CODEC_FLAG_LOW_DELAY;
                r = avcodec_open2(dec, codec, NULL);
        }
        if (r < 0) {
                avcodec_free_context(&dec);
                return r;
        }
        pthread_mutex_lock(&m->lock);
        snprintf(m->stats.video_codec, sizeof(m->stats.video_codec), "%s", codec->name);
        pthread_mutex_unlock(&m->lock);
        *ret = dec;
        return 0;
}

/* Channel 0 of decoded or parsed sound into the analysis (decode thread). */
static void on_sound(struct sink_media *m, const float *x, unsigned frames, unsigned rate, int64_t pts_90khz)
{
        sink_audio_feed(m->audio, x, frames, rate, pts_90khz);
        pthread_mutex_lock(&m->lock);
        m->stats.audio_rate = rate;
        pthread_mutex_unlock(&m->lock);
}

/* AAC (or any codec FFmpeg decodes): every frame that comes out of pkt. */
static void decode_audio(struct sink_media *m, AVCodecContext *dec, const AVPacket *pkt, AVFrame *frame)
{
        float buf[8192];

        if (avcodec_send_packet(dec, pkt) < 0) {
                pthread_mutex_lock(&m->lock);
                m->stats.audio_decode_errors++;
                pthread_mutex_unlock(&m->lock);
                return;
        }
        while (avcodec_receive_frame(dec, frame) == 0) {
                unsigned n = MIN((unsigned) frame->nb_samples, ARRAY_SIZE(buf));
                int64_t pts = to_90khz(frame->best_effort_timestamp, dec->pkt_timebase);

                for (unsigned i = 0; i < n; i++) {
                        switch (frame->format) {
                        case AV_SAMPLE_FMT_FLTP:
                                buf[i] = ((const float *) frame->data[0])[i];
                                break;
                        case AV_SAMPLE_FMT_S16:
                                buf[i] = ((const int16_t *) frame->data[0])[i * frame->ch_layout.nb_channels] / 32768.0f;
                                break;
                        case AV_SAMPLE_FMT_S16P:
                                buf[i] = ((const int16_t *) frame->data[0])[i] / 32768.0f;
                                break;
                        default:
                                buf[i] = 0;
                        }
                }
                if (pts != AV_NOPTS_VALUE)
                        on_sound(m, buf, n, (unsigned) frame->sample_rate, pts);
                av_frame_unref(frame);
        }
}

/* WFD LPCM (wfd-protocol: 4-byte header, big-endian 16-bit interleaved): channel 0 into the analysis. */
static void parse_lpcm(struct sink_media *m, const AVPacket *pkt, AVRational tb)
{
        static const unsigned rates[8] = { [1] = 44100, [2] = 48000 };
        float buf[4096];
        unsigned rate, channels, frames;

        if (pkt->size < 4 || pkt->pts == AV_NOPTS_VALUE)
                return;
        rate = rates[pkt->data[3] >> 3 & 7];
        channels = (pkt->data[3] & 7) == 1 ? 2 : 1;
        if (!rate)
                return;
        frames = MIN((unsigned) (pkt->size - 4) / (2 * channels), ARRAY_SIZE(buf));
        for (unsigned i = 0; i < frames; i++) {
                const uint8_t *p = pkt->data + 4 + (size_t) i * 2 * channels;

                buf[i] = (int16_t) (p[0] << 8 | p[1]) / 32768.0f;
        }
        on_sound(m, buf, frames, rate, to_90khz(pkt->pts, tb));
}

static int open_audio_decoder(const AVStream *st, AVCodecContext **ret)
{
        const AVCodec *codec = avcodec_find_decoder(st->codecpar->codec_id);
        AVCodecContext *dec;
        int r;

        if (!codec)
                return AVERROR_DECODER_NOT_FOUND;
        dec = avcodec_alloc_context3(codec);
        if (!dec)
                return AVERROR(ENOMEM);
        r = avcodec_parameters_to_context(dec, st->codecpar);
        if (r >= 0) {
                dec->pkt_timebase = st->time_base;
                r = avcodec_open2(dec, codec, NULL);
        }
        if (r < 0) {
                avcodec_free_context(&dec);
                return r;
        }
        *ret = dec;
        return 0;
}

static void *decode_thread(void *userdata)
{
        struct sink_media *m = userdata;
        AVFormatContext *fmt = NULL;
        AVIOContext *avio = NULL;
        AVCodecContext *dec = NULL, *adec = NULL;
        AVPacket *pkt = NULL;
        AVFrame *frame = NULL;
        uint8_t *avio_buf;
        int video_index = -1, r;
        bool ended;

        avio_buf = av_malloc(AVIO_BUFFER_SIZE);
        if (!avio_buf) {
                set_error(m, "av_malloc", AVERROR(ENOMEM));
                return NULL;
        }
        avio = avio_alloc_context(avio_buf, AVIO_BUFFER_SIZE, 0, m, ring_read, NULL, NULL);
        fmt = avformat_alloc_context();
        pkt = av_packet_alloc();
        frame = av_frame_alloc();
        if (!avio || !fmt || !pkt || !frame) {
                if (!avio)
                        av_free(avio_buf);
                set_error(m, "allocating FFmpeg contexts", AVERROR(ENOMEM));
                goto finish;
        }
        fmt->pb = avio;
        /*
         * No avformat_find_stream_info(): the mpegts demuxer creates the streams
         * from the PMT (stream_type 0x1B -> h264) while opening, and probing for
         * frame rates would hold back the first ~20 frames. The decoder learns
         * the picture size from the in-band SPS of the first IDR.
         */
        fmt->probesize = 188 * 1000;
        /*
         * WFD LPCM (stream_type 0x83 without an HDMV registration) has no codec
         * FFmpeg knows, so libavformat probes its payload, and while it does it
         * holds back every packet behind the first LPCM one, video included,
         * until probesize bytes piled up (~1 s): a TV shows pictures meanwhile.
         * One packet is enough to give up; we parse LPCM ourselves.
         */
        fmt->max_probe_packets = 1;
        r = avformat_open_input(&fmt, NULL, av_find_input_format("mpegts"), NULL);
        if (r < 0) {
                set_error(m, "opening the MPEG-TS stream", r);
                goto finish;
        }

        for (;;) {
                AVStream *st;

                r = av_read_frame(fmt, pkt);
                if (r == AVERROR_EOF)
                        break;
                if (r < 0) {
                        set_error(m, "demuxing", r);
                        break;
                }
                /* At teardown the demuxer flushes the PES that was cut off mid-way: a
                 * half picture, not a decoding problem of the stream. Skip it. */
                pthread_mutex_lock(&m->lock);
                ended = m->input_ended;
                pthread_mutex_unlock(&m->lock);
                if (ended) {
                        av_packet_unref(pkt);
                        continue;
                }
                st = fmt->streams[pkt->stream_index];
                pthread_mutex_lock(&m->lock);
                if (fmt->nb_programs > 0) {
                        m->stats.pmt_pid = fmt->programs[0]->pmt_pid;
                        m->stats.pcr_pid = fmt->programs[0]->pcr_pid;
                }
                if (st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO && m->stats.video_pid < 0)
                        m->stats.video_pid = st->id;    /* mpegts: the stream id is the PID */
                else if (st->codecpar->codec_type == AVMEDIA_TYPE_AUDIO && m->stats.audio_pid < 0)
                        m->stats.audio_pid = st->id;
                pthread_mutex_unlock(&m->lock);
                if (st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO && st->codecpar->codec_id != AV_CODEC_ID_NONE &&
                    (video_index < 0 || video_index == pkt->stream_index)) {
                        if (!dec) {
                                r = open_video_decoder(m, st, &dec);
                                if (r >= 0)
                                        dec->pkt_timebase = st->time_base;
                                if (r < 0) {
                                        set_error(m, "opening the video decoder", r);
                                        av_packet_unref(pkt);
                                        break;
                                }
                                video_index = pkt->stream_index;
                        }
                        r = decode_packet(m, dec, pkt, frame);
                        if (r < 0) {
                                set_error(m, "decoding", r);
                                av_packet_unref(pkt);
                                break;
                        }
                } else if (st->codecpar->codec_type == AVMEDIA_TYPE_AUDIO) {
                        pthread_mutex_lock(&m->lock);
                        m->stats.audio_packets++;
                        snprintf(m->stats.audio_codec, sizeof(m->stats.audio_codec), "%s",
                                 avcodec_get_name(st->codecpar->codec_id));
                        pthread_mutex_unlock(&m->lock);
                        if (!adec && open_audio_decoder(st, &adec) < 0) {
                                pthread_mutex_lock(&m->lock);
                                m->stats.audio_decode_errors++;
                                pthread_mutex_unlock(&m->lock);
                        }
                        if (adec)
                                decode_audio(m, adec, pkt, frame);
                } else if (st->codecpar->codec_tag == 0x83) {
                        /* WFD LPCM (stream_type 0x83 without an HDMV registration):
                         * FFmpeg leaves it untyped, so check the 4-byte header of
                         * docs/media.md ("LPCM audio") ourselves: sub-stream 0xA0, frame count,
                         * reserved 0, 16-bit (bits 7:6 = 0) stereo (bits 2:0 = 1)
                         * at 44.1 or 48 kHz (bits 5:3 = 1 or 2). */
                        bool ok = pkt->size >= 4 && pkt->data[0] == 0xA0 && pkt->data[1] > 0 &&
                                  pkt->data[2] == 0 && (pkt->data[3] & 0xC7) == 0x01 &&
                                  ((pkt->data[3] >> 3 & 7) == 1 || (pkt->data[3] >> 3 & 7) == 2);

                        pthread_mutex_lock(&m->lock);
                        m->stats.audio_packets++;
                        if (!ok)
                                m->stats.audio_bad++;
                        if (m->stats.audio_pid < 0)
                                m->stats.audio_pid = st->id;
                        snprintf(m->stats.audio_codec, sizeof(m->stats.audio_codec), "lpcm");
                        pthread_mutex_unlock(&m->lock);
                        if (ok)
                                parse_lpcm(m, pkt, st->time_base);
                }
                av_packet_unref(pkt);
        }
        if (dec)
                (void) decode_packet(m, dec, NULL, frame);      /* drain the decoder */

finish:
        pthread_mutex_lock(&m->lock);
        sink_audio_get_result(m->audio, &m->stats.audio);
        pthread_mutex_unlock(&m->lock);
        avcodec_free_context(&dec);
        avcodec_free_context(&adec);
        av_frame_free(&frame);
        av_packet_free(&pkt);
        avformat_close_input(&fmt);     /* custom I/O: does not free avio */
        if (avio) {
                av_freep(&avio->buffer);
                avio_context_free(&avio);
        }
        /* Wake the event loop so it notices we are done. */
        {
                uint64_t one = 1;
                (void) !write(m->frame_fd, &one, sizeof(one));
        }
        return NULL;
}

int sink_media_new(struct sink_media **ret)
{
        _cleanup_(sink_media_freep) struct sink_media *m = NULL;
        int r;

        m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        m->frame_fd = -1;
        m->stats.pmt_pid = m->stats.pcr_pid = m->stats.video_pid = m->stats.audio_pid = -1;
        pthread_mutex_init(&m->lock, NULL);
        pthread_cond_init(&m->cond, NULL);

        m->frame_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (m->frame_fd < 0)
                return -errno;
        m->ring = malloc(RING_SIZE);
        m->last_frame = av_frame_alloc();
        if (!m->ring || !m->last_frame)
                return -ENOMEM;
        r = sink_audio_new(&m->audio);
        if (r < 0)
                return r;

        av_log_set_level(AV_LOG_ERROR);
        r = pthread_create(&m->thread, NULL, decode_thread, m);
        if (r != 0)
                return -r;
        m->thread_running = true;

        *ret = steal_ptr(m);
        return 0;
}

int sink_media_frame_fd(struct sink_media *m)
{
        return m->frame_fd;
}

void sink_media_stop(struct sink_media *m)
{
        pthread_mutex_lock(&m->lock);
        m->eof = true;
        pthread_cond_broadcast(&m->cond);
        pthread_mutex_unlock(&m->lock);
        if (m->thread_running) {
                pthread_join(m->thread, NULL);
                m->thread_running = false;
        }
}

void sink_media_get_stats(struct sink_media *m, struct sink_media_stats *ret)
{
        pthread_mutex_lock(&m->lock);
        *ret = m->stats;
        pthread_mutex_unlock(&m->lock);
}

int sink_media_write_png(struct sink_media *m, const char *path)
{
        const AVFrame *src = m->last_frame;
        struct SwsContext *sws = NULL;
        AVCodecContext *enc = NULL;
        AVFrame *rgb = NULL;
        AVPacket *pkt = NULL;
        const AVCodec *codec;
        FILE *f = NULL;
        int r;

        if (m->thread_running)
                return -EBUSY;          /* the decode thread still owns last_frame */
        if (!src || !src->data[0])
                return -ENODATA;

        codec = avcodec_find_encoder(AV_CODEC_ID_PNG);
        if (!codec)
                return -ENOTSUP;
        enc = avcodec_alloc_context3(codec);
        rgb = av_frame_alloc();
        pkt = av_packet_alloc();
        if (!enc || !rgb || !pkt) {
                r = -ENOMEM;
                goto finish;
        }

        /* Decoded YUV -> RGB24, same size. */
        rgb->format = AV_PIX_FMT_RGB24;
        rgb->width = src->width;
        rgb->height = src->height;
        r = av_frame_get_buffer(rgb, 0);
        if (r < 0)
                goto finish;
        sws = sws_getContext(src->width, src->height, src->format, rgb->width, rgb->height,
                             AV_PIX_FMT_RGB24, SWS_BILINEAR, NULL, NULL, NULL);
        if (!sws) {
                r = -ENOTSUP;
                goto finish;
        }
        sws_scale(sws, (const uint8_t *const *) src->data, src->linesize, 0, src->height, rgb->data,
                  rgb->linesize);

        enc->width = rgb->width;
        enc->height = rgb->height;
        enc->pix_fmt = AV_PIX_FMT_RGB24;
        enc->time_base = (AVRational) { 1, 25 };        /* required, meaningless for one image */
        r = avcodec_open2(enc, codec, NULL);
        if (r < 0)
                goto finish;
        r = avcodec_send_frame(enc, rgb);
        if (r < 0)
                goto finish;
        r = avcodec_receive_packet(enc, pkt);
        if (r < 0)
                goto finish;

        f = fopen(path, "we");
        if (!f) {
                r = -errno;
                goto finish;
        }
        if (fwrite(pkt->data, 1, (size_t) pkt->size, f) != (size_t) pkt->size)
                r = -EIO;
        if (fclose(f) != 0 && r >= 0)
                r = -errno;
finish:
        sws_freeContext(sws);
        av_packet_free(&pkt);
        av_frame_free(&rgb);
        avcodec_free_context(&enc);
        return r < 0 ? r : 0;
}

struct sink_media *sink_media_free(struct sink_media *m)
{
        if (!m)
                return NULL;
        sink_media_stop(m);
        av_frame_free(&m->last_frame);
        m->audio = sink_audio_free(m->audio);
        free(m->ring);
        m->frame_fd = safe_close(m->frame_fd);
        pthread_cond_destroy(&m->cond);
        pthread_mutex_destroy(&m->lock);
        free(m);
        return NULL;
}
