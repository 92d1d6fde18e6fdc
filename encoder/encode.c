/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * H.264 encoding for Wi-Fi Display with libavcodec: choosing the backend,
 * configuring the codec the way sinks need it (docs/protocol.md, "Video formats"), the
 * picture pool, and the send/receive loop. See encode.h for the contract.
 *
 * Time base is 1/90000 (the MPEG-TS clock), so pts go straight into PES
 * headers and the rate control sees real time between pictures (ours in
 * encode_x264.c refills its buffer by pts), which matters because unchanged
 * pictures are not encoded.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>

#include "../protocol/macro.h"
#include "capture.h"
#include "encode_internal.h"

static __thread char last_error[512];

int encode_list_encoders(char ***ret)
{
        const AVCodec *codec;
        void *it = NULL;
        size_t n = 0;
        char **l;

        while ((codec = av_codec_iterate(&it)))
                n += codec->id == AV_CODEC_ID_H264 && av_codec_is_encoder(codec);
        l = calloc(n + 2, sizeof(char *));
        if (!l)
                return -ENOMEM;
        /* Our direct libx264 backend (encode_x264.c), linked in, not an FFmpeg codec: first. */
        l[0] = strdup("x264");
        if (!l[0]) {
                free(l);
                return -ENOMEM;
        }
        it = NULL;
        n = 1;
        while ((codec = av_codec_iterate(&it))) {
                if (codec->id != AV_CODEC_ID_H264 || !av_codec_is_encoder(codec))
                        continue;
                l[n] = strdup(codec->name);
                if (!l[n++]) {
                        strv_free(l);
                        return -ENOMEM;
                }
        }
        *ret = l;
        return 0;
}

const char *encode_last_error(void)
{
        return last_error;
}

int encode_set_error(int error, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(last_error, sizeof(last_error), fmt, ap);
        va_end(ap);
        return error;
}

void encode_append_error(const char *fmt, ...)
{
        size_t n = strlen(last_error);
        va_list ap;

        if (n > 0 && n + 2 < sizeof(last_error)) {
                memcpy(last_error + n, "; ", 3);
                n += 2;
        }
        va_start(ap, fmt);
        vsnprintf(last_error + n, sizeof(last_error) - n, fmt, ap);
        va_end(ap);
}

static const char *const profile_names[_ENCODE_PROFILE_MAX] = {
        [ENCODE_PROFILE_CBP] = "cbp",
        [ENCODE_PROFILE_CHP] = "chp",
};

const char *encode_profile_to_string(enum encode_profile p)
{
        return p >= 0 && p < _ENCODE_PROFILE_MAX ? profile_names[p] : NULL;
}

enum encode_profile encode_profile_from_string(const char *s)
{
        for (int i = 0; s && i < _ENCODE_PROFILE_MAX; i++)
                if (strcmp(s, profile_names[i]) == 0)
                        return i;
        return _ENCODE_PROFILE_INVALID;
}

/* VBV buffer: a quarter second by default keeps IDRs decent while bounding the sink's buffering. */
static uint64_t vbv_usec(const struct encoder *e)
{
        return e->cfg.vbv_usec ? MIN(e->cfg.vbv_usec, 10000000ULL) : 250000;
}

static int vbv_size_bits(const struct encoder *e, uint64_t bitrate_bps)
{
        uint64_t b = bitrate_bps / 1000 * vbv_usec(e) / 1000;

        return (int) MAX(MIN(b, (uint64_t) INT32_MAX), 1);
}

uint64_t encode_vbv_kbit(const struct encoder *e, uint64_t bitrate_bps)
{
        return MAX(bitrate_bps / 1000 * vbv_usec(e) / 1000000, 1);
}

static uint64_t frame_interval_usec(const struct encoder *e)
{
        return (uint64_t) 1000000 * e->cfg.fps_den / e->cfg.fps_num;
}

static uint64_t now_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

static void encoder_free_pictures(struct encoder *e)
{
        for (unsigned i = 0; i < ENCODE_PICTURES_MAX; i++) {
                struct encode_picture *p = e->pictures[i];

                if (!p)
                        continue;
                /* A caller still holding a picture after encode_free() is a bug. */
                av_frame_free(&p->frame);
                free(p->mb_map);
                free(p);
                e->pictures[i] = NULL;
        }
}

struct encoder *encode_free(struct encoder *e)
{
        if (!e)
                return NULL;
        avcodec_free_context(&e->ctx);
        av_packet_free(&e->pkt);
        av_frame_free(&e->send_frame);
        encoder_free_pictures(e);
        encode_convert_clear(e);
        e->vaapi = encode_vaapi_free(e->vaapi);
        e->x264 = encode_x264_free(e->x264);
        pthread_mutex_destroy(&e->lock);
        free(e->encoder_name);
        free(e->vaapi_device);
        free(e);
        return NULL;
}


/* Settings every backend gets: size, rate, GOP, no B-frames, CBR, colour description. */
static void encoder_configure_common(struct encoder *e, AVCodecContext *ctx)
{
        uint64_t bps = __atomic_load_n(&e->bitrate_bps, __ATOMIC_RELAXED);

        ctx->width = e->cfg.width;
        ctx->height = e->cfg.height;
        ctx->time_base = (AVRational) { 1, 90000 };
        ctx->framerate = (AVRational) { e->cfg.fps_num, e->cfg.fps_den };
        ctx->gop_size = e->cfg.idr_interval;
        ctx->keyint_min = 1;
        ctx->max_b_frames = 0;
        ctx->refs = 1;
        ctx->bit_rate = bps;
        ctx->rc_max_rate = bps;
        ctx->rc_min_rate = 0;
        ctx->rc_buffer_size = vbv_size_bits(e, bps);
        ctx->slices = e->cfg.slices > 1 ? e->cfg.slices : 0;
        /* FFmpeg 5.1's h264_vaapi has no slice size limit, only a count: low-latency's limit becomes
         * 8 slices (a lost packet then costs an eighth of a picture, not all of it); libx264 takes
         * the limit itself (x264-params). */
        if (e->cfg.slice_max_bytes && ctx->slices == 0 && strcmp(e->backend, "vaapi") == 0)
                ctx->slices = MIN(8u, (e->cfg.height + 15) / 16);
        ctx->thread_count = e->cfg.threads;
        if (e->cfg.level_idc)
                ctx->level = e->cfg.level_idc;
        /* Sinks assume BT.709 for HD; say so in the VUI, and convert with the same matrix. */
        ctx->colorspace = AVCOL_SPC_BT709;
        ctx->color_primaries = AVCOL_PRI_BT709;
        ctx->color_trc = AVCOL_TRC_BT709;
        ctx->color_range = AVCOL_RANGE_MPEG;
        ctx->sample_aspect_ratio = (AVRational) { 1, 1 };
        e->applied_bitrate = bps;
}

static int encoder_configure_x264(struct encoder *e, AVCodecContext *ctx)
{
        char params[256];

        ctx->pix_fmt = AV_PIX_FMT_NV12;
        /*
         * libx264 madvise()s its large buffers for transparent huge pages: each
         * touched buffer then costs whole 2 MB pages, ~4-6 MB more RSS at 1080p
         * (mostly its output buffers, sized for the worst case and barely
         * written). The flag is per process; the daemon has no other THP user.
         */
        (void) prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
        /*
         * Below QP 12 quality gains are invisible but an unchanged picture
         * re-sent to keep the stream alive would keep being "refined" at
         * hundreds of bytes per frame; with a floor it becomes an all-skip frame.
         */
        ctx->qmin = 12;
        (void) av_opt_set(ctx->priv_data, "preset", "ultrafast", 0);
        (void) av_opt_set(ctx->priv_data, "tune", "zerolatency", 0);
        (void) av_opt_set(ctx->priv_data, "profile", e->cfg.profile == ENCODE_PROFILE_CHP ? "high" : "baseline",
                          0);
        /* x264 treats forced I frames as IDR only with forced-idr. */
        (void) av_opt_set_int(ctx->priv_data, "forced-idr", 1, 0);
        /*
         * repeat-headers: SPS/PPS before every IDR (no global header).
         * aud: access unit delimiters help sinks' TS demuxers find picture boundaries.
         * CBP must not use CABAC or 8x8 transforms; CHP may, which is the point of High.
         */
        snprintf(params, sizeof(params), "repeat-headers=1:aud=1:ref=1:bframes=0:scenecut=0:%s:slice-max-size=%u",
                 e->cfg.profile == ENCODE_PROFILE_CHP ? "cabac=1:8x8dct=1" : "cabac=0:8x8dct=0",
                 e->cfg.slice_max_bytes);
        return av_opt_set(ctx->priv_data, "x264-params", params, 0);
}

/* Any other FFmpeg encoder: NV12 if it takes it, else its first CPU format. */
static int encoder_configure_generic(struct encoder *e, AVCodecContext *ctx)
{
        const enum AVPixelFormat *f = e->codec->pix_fmts;
        enum AVPixelFormat pick = AV_PIX_FMT_NONE;

        for (; f && *f != AV_PIX_FMT_NONE; f++) {
                if (*f == AV_PIX_FMT_NV12 || *f == AV_PIX_FMT_YUV420P) {
                        pick = *f;
                        if (*f == AV_PIX_FMT_NV12)
                                break;
                }
        }
        if (pick == AV_PIX_FMT_NONE)
                return encode_set_error(-ENOTSUP, "%s takes neither NV12 nor YUV420P from memory", e->codec->name);
        ctx->pix_fmt = pick;
        ctx->profile = e->cfg.profile == ENCODE_PROFILE_CHP ? FF_PROFILE_H264_HIGH
                                                            : FF_PROFILE_H264_CONSTRAINED_BASELINE;
        /* Best effort: not every encoder has these options. */
        (void) av_opt_set_int(ctx->priv_data, "forced-idr", 1, 0);
        (void) av_opt_set_int(ctx->priv_data, "zerolatency", 1, 0);
        (void) av_opt_set(ctx->priv_data, "rc", "cbr", 0);
        (void) av_opt_set_int(ctx->priv_data, "aud", 1, 0);
        e->reopen_on_bitrate = true;
        return 0;
}

/* Allocate and open e->ctx for e->codec with the backend's settings. */
static int encoder_open_codec(struct encoder *e)
{
        AVCodecContext *ctx;
        int r;

        ctx = avcodec_alloc_context3(e->codec);
        if (!ctx)
                return -ENOMEM;
        encoder_configure_common(e, ctx);

        if (strcmp(e->backend, "vaapi") == 0)
                r = encode_vaapi_open(e, ctx);
        else if (strcmp(e->codec->name, "libx264") == 0)
                r = encoder_configure_x264(e, ctx);
        else
                r = encoder_configure_generic(e, ctx);
        if (r < 0) {
                avcodec_free_context(&ctx);
                return r;
        }

        r = avcodec_open2(ctx, e->codec, NULL);
        if (r < 0) {
                encode_set_error(-ENOTSUP, "%s: cannot open with %ux%u %u/%u fps, level %u, %llu bit/s: %s",
                                 e->codec->name, e->cfg.width, e->cfg.height, e->cfg.fps_num, e->cfg.fps_den,
                                 e->cfg.level_idc, (unsigned long long) e->applied_bitrate, av_err2str(r));
                avcodec_free_context(&ctx);
                return -ENOTSUP;
        }
        if (ctx->pix_fmt != AV_PIX_FMT_VAAPI)
                e->sw_format = ctx->pix_fmt;
        avcodec_free_context(&e->ctx);
        e->ctx = ctx;
        return 0;
}

/* Try one backend; fills e->codec/backend and opens. */
static int encoder_try(struct encoder *e, const char *name)
{
        const char *codec_name;

        if (strcmp(name, "software") == 0 || strcmp(name, "x264") == 0) {
                /* libx264 called directly: it takes our damage as mb_info. */
                e->backend = "software";
                e->codec = NULL;
                return encode_x264_open(e);
        }
        if (strcmp(name, "libx264") == 0 || strcmp(name, "ffmpeg-x264") == 0) {
                /* The same libx264 through libavcodec (no damage hints); kept to compare and fall back. */
                e->backend = "software";
                codec_name = "libx264";
        } else if (strcmp(name, "vaapi") == 0 || strcmp(name, "h264_vaapi") == 0) {
                e->backend = "vaapi";
                codec_name = "h264_vaapi";
        } else {
                e->backend = "ffmpeg";
                codec_name = name;
        }

        e->codec = avcodec_find_encoder_by_name(codec_name);
        if (!e->codec)
                return encode_set_error(-ENOENT, "%s: no such encoder in this libavcodec", codec_name);
        if (e->codec->id != AV_CODEC_ID_H264)
                return encode_set_error(-EINVAL, "%s: not an H.264 encoder", codec_name);
        return encoder_open_codec(e);
}

int encode_new(const struct encode_config *cfg, struct encoder **ret)
{
        _cleanup_(encode_freep) struct encoder *e = NULL;
        const char *name;
        int r;

        last_error[0] = 0;
        if (!cfg || !ret)
                return -EINVAL;
        if (cfg->width < 16 || cfg->height < 16 || cfg->width > 8192 || cfg->height > 8192 || (cfg->width & 1) ||
            (cfg->height & 1))
                return encode_set_error(-EINVAL, "output size %ux%u unsupported (even, 16..8192)", cfg->width,
                                        cfg->height);
        if (cfg->profile < 0 || cfg->profile >= _ENCODE_PROFILE_MAX)
                return encode_set_error(-EINVAL, "unknown profile %d", (int) cfg->profile);
        if (cfg->level_idc && !(cfg->level_idc >= 10 && cfg->level_idc <= 62))
                return encode_set_error(-EINVAL, "level_idc %u out of range", cfg->level_idc);
        if ((cfg->fps_num == 0) != (cfg->fps_den == 0) || cfg->fps_num > 240 * cfg->fps_den)
                return encode_set_error(-EINVAL, "frame rate %u/%u unsupported", cfg->fps_num, cfg->fps_den);
        if (cfg->pictures > ENCODE_PICTURES_MAX)
                return encode_set_error(-EINVAL, "picture pool of %u unsupported (1..%u)", cfg->pictures,
                                        ENCODE_PICTURES_MAX);

        e = calloc(1, sizeof(*e));
        if (!e)
                return -ENOMEM;
        pthread_mutex_init(&e->lock, NULL);
        e->cfg = *cfg;
        if (!e->cfg.fps_num) {
                e->cfg.fps_num = 30;
                e->cfg.fps_den = 1;
        }
        if (!e->cfg.bitrate_bps)
                e->cfg.bitrate_bps = 8000000;
        if (!e->cfg.idr_interval)
                e->cfg.idr_interval = MAX(2 * e->cfg.fps_num / e->cfg.fps_den, 1u);
        if (!e->cfg.threads)
                e->cfg.threads = 1;
        e->bitrate_bps = e->cfg.bitrate_bps;
        e->sw_format = AV_PIX_FMT_NV12;
        e->last_pts = INT64_MIN;
        name = cfg->encoder && cfg->encoder[0] ? cfg->encoder : "auto";
        e->encoder_name = strdup(name);
        e->vaapi_device = strdup(cfg->vaapi_device ? cfg->vaapi_device : "/dev/dri/renderD128");
        if (!e->encoder_name || !e->vaapi_device)
                return -ENOMEM;
        e->cfg.encoder = e->encoder_name;
        e->cfg.vaapi_device = e->vaapi_device;
        e->pkt = av_packet_alloc();
        e->send_frame = av_frame_alloc();
        if (!e->pkt || !e->send_frame)
                return -ENOMEM;

        if (strcmp(name, "auto") == 0) {
                static const char *const candidates[] = { "vaapi", "software" };
                char skipped[512] = "";

                r = -ENODEV;
                for (size_t i = 0; i < ARRAY_SIZE(candidates); i++) {
                        r = encoder_try(e, candidates[i]);
                        if (r >= 0)
                                break;
                        snprintf(skipped + strlen(skipped), sizeof(skipped) - strlen(skipped), "%sskipped %s (%s)",
                                 skipped[0] ? "; " : "", candidates[i], last_error);
                        e->vaapi = encode_vaapi_free(e->vaapi);
                }
                encode_set_error(r, "%s", skipped);
        } else
                r = encoder_try(e, name);
        if (r < 0)
                return r;
        /*
         * libx264 copies a picture into its own frame inside encode_send(), so
         * one is enough for a pipeline that converts while the encoder is idle
         * (media.c); hardware encoders keep references to theirs until the
         * packet comes out.
         */
        e->n_pictures = cfg->pictures                                        ? cfg->pictures
                        : e->x264 || strcmp(e->codec->name, "libx264") == 0 ? 1
                                                                            : ENCODE_PICTURES_MAX;

        *ret = steal_ptr(e);
        return 0;
}

const char *encode_get_codec_name(const struct encoder *e)
{
        if (e && e->x264)
                return "x264";
        return e && e->codec ? e->codec->name : NULL;
}

const char *encode_get_backend_name(const struct encoder *e)
{
        return e ? e->backend : NULL;
}

/* ---- stage 1: pictures ---------------------------------------------------- */

static int encoder_alloc_picture(struct encoder *e, struct encode_picture **ret)
{
        struct encode_picture *p;
        int r;

        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->encoder = e;
        if (e->vaapi) {
                r = encode_vaapi_alloc_frame(e, &p->frame);
        } else {
                p->frame = av_frame_alloc();
                r = p->frame ? 0 : -ENOMEM;
                if (r >= 0) {
                        p->frame->format = e->sw_format;
                        p->frame->width = e->cfg.width;
                        p->frame->height = e->cfg.height;
                        r = av_frame_get_buffer(p->frame, 0);
                        r = r < 0 ? -ENOMEM : 0;
                }
        }
        if (r >= 0 && e->x264) {
                p->mb_map = calloc(encode_x264_mb_count(e), 1);
                r = p->mb_map ? 0 : -ENOMEM;
        }
        if (r < 0) {
                av_frame_free(&p->frame);
                free(p->mb_map);
                free(p);
                return r;
        }
        *ret = p;
        return 0;
}

/*
 * A picture nobody holds and the codec no longer references, preferring one
 * that already shows an earlier picture of the same source (fewest tiles to
 * convert). Called with e->lock held.
 */
static int encoder_pick_picture(struct encoder *e, const struct capture *c, struct encode_picture **ret)
{
        struct encode_picture *best = NULL;
        int slot = -1, r;

        for (unsigned i = 0; i < e->n_pictures; i++) {
                struct encode_picture *p = e->pictures[i];

                if (!p) {
                        if (slot < 0)
                                slot = i;
                        continue;
                }
                if (p->refcount > 0 || !av_frame_is_writable(p->frame))
                        continue;
                if (!best || (p->source == c && (best->source != c || p->seq > best->seq)))
                        best = p;
        }
        if (!best) {
                if (slot < 0)
                        return -EBUSY;
                r = encoder_alloc_picture(e, &best);
                if (r < 0)
                        return r;
                e->pictures[slot] = best;
        }
        best->refcount = 1;
        *ret = best;
        return 0;
}

int encode_convert(struct encoder *e, struct capture *c, struct capture_frame *f, struct encode_picture **ret)
{
        struct encode_picture *p;
        int r;

        if (!e || !f || !ret)
                return -EINVAL;

        pthread_mutex_lock(&e->lock);
        r = encoder_pick_picture(e, c, &p);
        pthread_mutex_unlock(&e->lock);
        if (r < 0)
                return r;

        /* The converter sets mb_map_valid when it knows what changed since prev_seq. */
        p->prev_seq = p->seq;
        p->mb_map_valid = false;
        if (e->vaapi)
                r = encode_vaapi_convert(e, c, f, p);
        else
                r = encode_convert_cpu(e, c, f, p);
        if (r < 0) {
                p->seq = 0; /* contents undefined now */
                encode_picture_unref(p);
                return r;
        }
        p->source = c;
        p->seq = f->seq;
        p->src_width = f->width;
        p->src_height = f->height;
        p->src_fourcc = f->fourcc;
        *ret = p;
        return 0;
}

struct encode_picture *encode_picture_ref(struct encode_picture *p)
{
        if (!p)
                return NULL;
        pthread_mutex_lock(&p->encoder->lock);
        p->refcount++;
        pthread_mutex_unlock(&p->encoder->lock);
        return p;
}

struct encode_picture *encode_picture_unref(struct encode_picture *p)
{
        if (!p)
                return NULL;
        pthread_mutex_lock(&p->encoder->lock);
        p->refcount--;
        pthread_mutex_unlock(&p->encoder->lock);
        return NULL;
}

uint64_t encode_picture_seq(const struct encode_picture *p)
{
        return p ? p->seq : 0;
}

/* ---- stage 2: encoding ---------------------------------------------------- */

/* Apply a bit rate change: libx264 reconfigures itself on the next frame; others reopen. */
static int encoder_apply_bitrate(struct encoder *e)
{
        uint64_t bps = __atomic_load_n(&e->bitrate_bps, __ATOMIC_RELAXED);

        if (bps == e->applied_bitrate)
                return 0;
        if (e->x264)
                return encode_x264_set_bitrate(e, bps);
        if (e->reopen_on_bitrate) {
                /* A fresh codec starts with an IDR; the sink sees a clean switch. */
                int r = encoder_open_codec(e);
                if (r < 0)
                        return r;
                e->last_idr_usec = 0;
                return 0;
        }
        e->ctx->bit_rate = bps;
        e->ctx->rc_max_rate = bps;
        e->ctx->rc_buffer_size = vbv_size_bits(e, bps);
        e->applied_bitrate = bps;
        return 0;
}

int encode_send(struct encoder *e, struct encode_picture *p, int64_t pts_90khz)
{
        uint64_t request;
        bool idr = false;
        int r;

        if (!e || !p)
                return -EINVAL;
        if (e->flushed)
                return -ESHUTDOWN;

        r = encoder_apply_bitrate(e);
        if (r < 0)
                return r;

        /* pts must increase strictly; the caller's clock may repeat within a tick. */
        if (e->last_pts != INT64_MIN && pts_90khz <= e->last_pts)
                pts_90khz = e->last_pts + 1;

        request = __atomic_exchange_n(&e->idr_request_usec, 0, __ATOMIC_ACQ_REL);
        if (request) {
                /* An IDR that came out less than a frame interval before the request answers it. */
                if (e->last_idr_usec == 0 || request >= e->last_idr_usec + frame_interval_usec(e))
                        idr = true;
        }

        if (e->x264) {
                r = encode_x264_send(e, p, pts_90khz, idr);
                if (r < 0)
                        return r;
                e->last_pts = pts_90khz;
                e->sent_any = true;
                return 0;
        }

        r = av_frame_ref(e->send_frame, p->frame);
        if (r < 0)
                return -ENOMEM;
        e->send_frame->pts = pts_90khz;
        e->send_frame->pict_type = idr ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE;
        e->send_frame->key_frame = idr;

        r = avcodec_send_frame(e->ctx, e->send_frame);
        av_frame_unref(e->send_frame);
        if (r == AVERROR(EAGAIN))
                return -EAGAIN;
        if (r < 0) {
                encode_set_error(-EIO, "%s: send_frame: %s", e->codec->name, av_err2str(r));
                return r == AVERROR(ENOMEM) ? -ENOMEM : -EIO;
        }
        e->last_pts = pts_90khz;
        e->sent_any = true;
        return 0;
}

/*
 * x264 never sets constraint_set4/5 (frame_mbs_only, no B slices), which is
 * what makes High "Constrained High" (§6.2). Our streams satisfy both, so say
 * so in every SPS. The flags live in a plain byte after profile_idc, which
 * stays free of emulation-prevention bytes (profile_idc 100 and a level_idc
 * > 3 around it).
 */
static void encoder_mark_constrained_high(uint8_t *data, size_t size)
{
        for (size_t i = 0; i + 6 < size; i++)
                if (data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1 && (data[i + 3] & 0x1f) == 7 &&
                    data[i + 4] == 100)
                        data[i + 5] |= 0x0c;
}

int encode_receive(struct encoder *e, struct encode_packet *ret)
{
        int r;

        if (!e || !ret)
                return -EINVAL;

        if (e->x264) {
                r = encode_x264_receive(e, ret);
                if (r < 0)
                        return r;
                /* The access unit is in x264's own output buffer, ours until the next encode call. */
                if (ret->idr && e->cfg.profile == ENCODE_PROFILE_CHP)
                        encoder_mark_constrained_high((uint8_t *) ret->data, ret->size);
                if (ret->idr)
                        e->last_idr_usec = now_usec();
                return 0;
        }

        av_packet_unref(e->pkt);
        r = avcodec_receive_packet(e->ctx, e->pkt);
        if (r == AVERROR(EAGAIN))
                return -EAGAIN;
        if (r == AVERROR_EOF)
                return -ENODATA;
        if (r < 0) {
                return encode_set_error(-EIO, "%s: receive_packet: %s", e->codec->name, av_err2str(r));
        }
        if ((e->pkt->flags & AV_PKT_FLAG_KEY) && e->cfg.profile == ENCODE_PROFILE_CHP &&
            strcmp(e->codec->name, "libx264") == 0) {
                if (av_packet_make_writable(e->pkt) < 0)
                        return -ENOMEM;
                encoder_mark_constrained_high(e->pkt->data, (size_t) e->pkt->size);
        }

        *ret = (struct encode_packet) {
                .data = e->pkt->data,
                .size = e->pkt->size,
                .pts_90khz = e->pkt->pts,
                .idr = e->pkt->flags & AV_PKT_FLAG_KEY,
        };
        if (ret->idr)
                e->last_idr_usec = now_usec();
        return 0;
}

int encode_flush(struct encoder *e)
{
        int r;

        if (!e)
                return -EINVAL;
        if (e->flushed)
                return 0;
        if (e->x264) {
                e->flushed = true;
                return 0;
        }
        /* The NULL frame: the codec returns what it still holds, then EOF. */
        r = avcodec_send_frame(e->ctx, NULL);
        if (r < 0 && r != AVERROR_EOF)
                return -EIO;
        e->flushed = true;
        return 0;
}

void encode_request_idr(struct encoder *e)
{
        uint64_t expected = 0;

        /* The first pending request keeps its time: later ones coalesce into it. */
        if (e)
                (void) __atomic_compare_exchange_n(&e->idr_request_usec, &expected, now_usec(), false,
                                                   __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
}

int encode_set_bitrate(struct encoder *e, uint64_t bitrate_bps)
{
        if (!e || bitrate_bps == 0 || bitrate_bps > 1000000000ull)
                return -EINVAL;
        __atomic_store_n(&e->bitrate_bps, bitrate_bps, __ATOMIC_RELAXED);
        return 0;
}

uint64_t encode_get_bitrate(const struct encoder *e)
{
        return e ? __atomic_load_n(&e->bitrate_bps, __ATOMIC_RELAXED) : 0;
}

int encode_get_rate_stats(struct encoder *e, struct encode_rate_stats *ret)
{
        struct encode_rate_stats st;
        uint64_t qp_sum, now, n;
        int r;

        if (!e || !ret)
                return -EINVAL;
        r = encode_x264_rate_stats(e, &st, &qp_sum);
        if (r < 0)
                return r;
        /*
         * "The QP now": the mean of the last full window, not since the start (a
         * busy minute an hour ago says nothing). Until one window has passed, the
         * mean so far; a window with no picture coded (a still screen) keeps the last.
         */
        now = now_usec();
        if (!e->rate_mark_usec) {
                e->rate_mark_usec = now;
                e->rate_mark_pictures = st.pictures;
                e->rate_mark_qp_sum = qp_sum;
        } else if (now - e->rate_mark_usec >= ENCODE_RATE_WINDOW_USEC) {
                n = st.pictures - e->rate_mark_pictures;
                if (n > 0) {
                        e->rate_qp_avg = (double) (qp_sum - e->rate_mark_qp_sum) / (double) n;
                        e->rate_have_avg = true;
                }
                e->rate_mark_usec = now;
                e->rate_mark_pictures = st.pictures;
                e->rate_mark_qp_sum = qp_sum;
        }
        if (e->rate_have_avg)
                st.qp_avg = e->rate_qp_avg;
        else
                st.qp_avg = st.pictures ? (double) qp_sum / (double) st.pictures : 0.0;
        *ret = st;
        return 0;
}
