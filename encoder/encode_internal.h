/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared between encode.c (codec set-up, send/receive), encode_convert.c
 * (CPU colour conversion) and encode_vaapi.c (GPU path). Not a public header.
 */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>
#include <libavutil/hwcontext.h>

#include "encode.h"

#define ENCODE_PICTURES_MAX 4

struct encode_vaapi;
struct encode_x264;
struct SwsContext;

struct encode_picture {
        struct encoder *encoder; /* not owned */
        unsigned refcount;       /* under encoder->lock; 0 = free for reuse */
        AVFrame *frame;          /* owned: NV12/I420 in memory, or a VAAPI surface */
        /* what the pixels show, for damage-only conversion on reuse */
        const struct capture *source; /* identity only, never dereferenced */
        uint64_t seq;            /* 0: nothing valid */
        unsigned src_width, src_height;
        uint32_t src_fourcc;
        /* x264 backend: which macroblocks changed since prev_seq, the picture it held before */
        uint64_t prev_seq;
        uint8_t *mb_map;        /* owned; 1 = changed; NULL on other backends */
        bool mb_map_valid;      /* set by the tile converter; false: unknown (all changed) */
};

struct encoder {
        struct encode_config cfg;
        char *encoder_name; /* owned copy of cfg.encoder */
        char *vaapi_device; /* owned copy of cfg.vaapi_device */
        const char *backend; /* "software", "vaapi", "ffmpeg" */
        const AVCodec *codec;
        AVCodecContext *ctx;
        AVPacket *pkt;
        AVFrame *send_frame;        /* reused: a reference to the picture being sent */
        enum AVPixelFormat sw_format; /* NV12 or YUV420P: what CPU pictures hold */
        bool reopen_on_bitrate;     /* the codec cannot change bit rate while open */

        pthread_mutex_t lock; /* pictures[] and their refcounts */
        struct encode_picture *pictures[ENCODE_PICTURES_MAX];
        unsigned n_pictures;  /* pool size in use, <= ENCODE_PICTURES_MAX */

        /* stage 1 (convert thread only) */
        struct SwsContext *sws;
        uint8_t *damage_map;
        size_t damage_map_size;
        struct encode_vaapi *vaapi; /* owned; NULL unless backend "vaapi" */
        struct encode_x264 *x264;   /* owned; NULL unless codec "x264" (libx264 called directly) */

        /* stage 2 (encode thread only) */
        int64_t last_pts;
        uint64_t last_idr_usec; /* CLOCK_MONOTONIC when the last IDR came out; 0: none yet */
        bool sent_any;
        bool flushed;
        uint64_t applied_bitrate;
        /* encode_get_rate_stats()'s qp_avg window: where the current one started, the last one's mean */
        uint64_t rate_mark_usec, rate_mark_pictures, rate_mark_qp_sum;
        double rate_qp_avg;
        bool rate_have_avg;     /* a window with pictures has closed */

        /* any thread */
        uint64_t idr_request_usec; /* atomic: CLOCK_MONOTONIC of a pending IDR request; 0: none */
        uint64_t bitrate_bps;   /* atomic */
};

/* encode_convert.c: CPU conversion of a captured frame into a software picture. */
int encode_convert_cpu(struct encoder *e, struct capture *c, struct capture_frame *f, struct encode_picture *p);
void encode_convert_clear(struct encoder *e);
/* The VBV buffer in kbit for bitrate_bps (encode_config.vbv_usec; x264 counts kbit). */
uint64_t encode_vbv_kbit(const struct encoder *e, uint64_t bitrate_bps);
/* AVPixelFormat of a capture fourcc (AV_PIX_FMT_NONE when not a packed 32-bit RGB format). */
enum AVPixelFormat encode_fourcc_to_pix_fmt(uint32_t fourcc);

/* encode_vaapi.c: the GPU path. */
int encode_vaapi_open(struct encoder *e, AVCodecContext *ctx);
int encode_vaapi_convert(struct encoder *e, struct capture *c, struct capture_frame *f, struct encode_picture *p);
/* A VAAPI surface AVFrame of the output size for the picture pool. */
int encode_vaapi_alloc_frame(struct encoder *e, AVFrame **ret);
struct encode_vaapi *encode_vaapi_free(struct encode_vaapi *va);

/* encode_x264.c: libx264 called directly, with our damage as mb_info. */
int encode_x264_open(struct encoder *e);
struct encode_x264 *encode_x264_free(struct encode_x264 *x);
unsigned encode_x264_mb_count(const struct encoder *e);
/* Fill p->mb_map from the converter's tile damage map (tx * ty tiles, nonzero = changed). */
void encode_x264_fill_mb_map(struct encoder *e, struct encode_picture *p, const uint8_t *tiles, unsigned tx,
                             unsigned ty);
int encode_x264_set_bitrate(struct encoder *e, uint64_t bps);
int encode_x264_send(struct encoder *e, struct encode_picture *p, int64_t pts_90khz, bool idr);
int encode_x264_receive(struct encoder *e, struct encode_packet *ret);
/* The rate control's numbers (qp_avg left 0: encode.c keeps its window); -ENOTSUP without x264. */
int encode_x264_rate_stats(const struct encoder *e, struct encode_rate_stats *ret, uint64_t *ret_qp_sum);

int encode_set_error(int error, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void encode_append_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
