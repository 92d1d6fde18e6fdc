/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The software encoder calling libx264 directly (backend "software", codec
 * "x264"). Same settings as FFmpeg's libx264 wrapper gets from encode.c
 * (ultrafast + zerolatency, CBP/CHP, level, GOP, slices, SPS/PPS before
 * every IDR, AUD, qmin 12, BT.709 VUI), plus what FFmpeg 5.1 cannot pass:
 * the damage we already know, as per-macroblock X264_MBINFO_CONSTANT flags.
 * x264 then encodes an unchanged macroblock as a skip without analysing it,
 * when that cannot lower quality (its reference was coded at this frame's QP
 * or better; x264 checks that itself).
 *
 * The bit rate and its quarter-second VBV are kept by our own frame-level
 * rate control (protocol/qp_control.h), which prices a picture by its
 * changed macroblocks; x264 runs at constant QP with each picture's QP
 * given. x264's own bit-rate modes first estimate every picture on a
 * half-size copy, a quarter of its time on a mostly still desktop. So that
 * the rate control knows each picture's type beforehand, we place the IDRs
 * (every idr_interval pictures, and on request), not x264.
 *
 * The damage of a picture is against the picture it held before (its
 * prev_seq); it is valid for x264 only when that is the picture x264 saw
 * last. Anything else (first picture, pool reuse out of order, scaling)
 * sends no mb_info, which is always correct.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include <stdint.h> /* x264.h uses it without including it */
#include <x264.h>

#include "../protocol/macro.h"
#include "../protocol/qp_control.h"
#include "capture.h"
#include "encode_internal.h"

struct encode_x264 {
        x264_t *enc;
        x264_param_t param;
        unsigned mb_width, mb_height;
        /* the last picture sent, to tell a repeat or a patch of it */
        const struct encode_picture *last_picture; /* identity only */
        uint64_t last_seq;
        /* output of the last x264_encoder_encode(), until encode_receive() takes it */
        uint8_t *out;
        size_t out_size;
        int64_t out_pts;
        bool out_idr, have_out;
        uint64_t constant_mbs, total_mbs; /* for tests and stats */
        struct qp_control rc;
        unsigned since_idr; /* pictures since the last IDR; UINT_MAX: none yet */
        uint64_t rate_skipped; /* pictures not encoded because the rate could not take them */
        bool high_range;       /* x264 opened for QP 29..69 (else 11..51): x264_open_range() */
        unsigned below_range;  /* pictures in a row that wanted less than the high range allows */
        uint64_t range_switches;
};

struct encode_x264 *encode_x264_free(struct encode_x264 *x)
{
        if (!x)
                return NULL;
        if (x->enc)
                x264_encoder_close(x->enc);
        free(x);
        return NULL;
}

/* The VBV holds what encode.c gives FFmpeg (a quarter second by default). */
static uint64_t x264_vbv_bits(const struct encoder *e, uint64_t bps)
{
        return encode_vbv_kbit(e, bps) * 1000;
}

/*
 * (Re)open x264 for one of two QP ranges. It takes QPs only within 20 of
 * i_qp_constant: 31 opens 11..51, all of H.264's range from our 12 (see
 * encoder_configure_x264()); 49 opens 29..69, x264's extension above 51 for
 * pictures no encoder predicts on a slow link. Reopening starts with an IDR;
 * encode_x264_send() switches rarely (up at once when the rate needs more
 * than 51, down after X264_RANGE_DOWN_PICTURES wanting less than 29).
 */
#define X264_LOW_RANGE_MAX 51
#define X264_HIGH_RANGE_MIN 29
#define X264_RANGE_DOWN_PICTURES 60

static int x264_open_range(struct encode_x264 *x, bool high)
{
        x264_t *enc;

        x->param.rc.i_qp_constant = high ? 49 : 31;
        enc = x264_encoder_open(&x->param);
        if (!enc)
                return -ENOTSUP;
        if (x->enc)
                x264_encoder_close(x->enc);
        x->enc = enc;
        x->high_range = high;
        x->below_range = 0;
        x->since_idr = UINT_MAX; /* its first picture is an IDR */
        x->last_picture = NULL;
        x->last_seq = 0;
        return 0;
}

int encode_x264_open(struct encoder *e)
{
        _cleanup_free_ struct encode_x264 *x = NULL;
        x264_param_t *p;
        uint64_t bps = __atomic_load_n(&e->bitrate_bps, __ATOMIC_RELAXED);

        x = calloc(1, sizeof(*x));
        if (!x)
                return -ENOMEM;
        p = &x->param;
        if (x264_param_default_preset(p, "ultrafast", "zerolatency") < 0)
                return encode_set_error(-ENOTSUP, "x264: no ultrafast/zerolatency preset");
        /* See encoder_configure_x264() in encode.c for why THP goes off. */
        (void) prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);

        p->i_log_level = X264_LOG_NONE;
        p->i_csp = X264_CSP_NV12;
        p->i_width = (int) e->cfg.width;
        p->i_height = (int) e->cfg.height;
        p->i_fps_num = e->cfg.fps_num;
        p->i_fps_den = e->cfg.fps_den;
        /*
         * 90 kHz pts. zerolatency's b_vfr_input = 0 stays, as FFmpeg leaves it:
         * VFR input would delay every frame by one.
         */
        p->i_timebase_num = 1;
        p->i_timebase_den = 90000;
        p->i_threads = (int) e->cfg.threads;
        p->i_slice_count = e->cfg.slices > 1 ? (int) e->cfg.slices : 0;
        /* low-latency: a lost RTP packet costs about one slice, not the picture */
        p->i_slice_max_size = (int) e->cfg.slice_max_bytes;
        /* we place the IDRs: see encode_x264_send() */
        p->i_keyint_max = X264_KEYINT_MAX_INFINITE;
        p->i_keyint_min = 1;
        p->i_scenecut_threshold = 0;
        p->i_bframe = 0;
        p->i_frame_reference = 1;
        p->b_repeat_headers = 1;
        p->b_aud = 1;
        p->b_annexb = 1;
        if (e->cfg.level_idc)
                p->i_level_idc = (int) e->cfg.level_idc;
        /*
         * Constant QP, given per picture by x->rc. In this mode x264 confines
         * a given QP to the range its I and B factors span around
         * i_qp_constant, each at most 10 (20 QP): see x264_open_range().
         */
        p->rc.i_rc_method = X264_RC_CQP;
        p->rc.i_qp_constant = 31; /* x264_param_apply_profile() refuses 0 (lossless) */
        p->rc.f_ip_factor = 10.0f;
        p->rc.f_pb_factor = 10.0f;
        p->vui.i_sar_width = 1;
        p->vui.i_sar_height = 1;
        p->vui.b_fullrange = 0;
        p->vui.i_colorprim = 1; /* BT.709 */
        p->vui.i_transfer = 1;
        p->vui.i_colmatrix = 1;
        p->b_cabac = e->cfg.profile == ENCODE_PROFILE_CHP;
        p->analyse.b_transform_8x8 = e->cfg.profile == ENCODE_PROFILE_CHP;
        p->analyse.b_mb_info = 1;
        if (x264_param_apply_profile(p, e->cfg.profile == ENCODE_PROFILE_CHP ? "high" : "baseline") < 0)
                return encode_set_error(-ENOTSUP, "x264: profile refused");

        if (x264_open_range(x, false) < 0)
                return encode_set_error(-ENOTSUP, "x264: cannot open with %ux%u %u/%u fps, level %u, %llu bit/s",
                                        e->cfg.width, e->cfg.height, e->cfg.fps_num, e->cfg.fps_den,
                                        e->cfg.level_idc, (unsigned long long) bps);
        x->mb_width = (e->cfg.width + 15) / 16;
        x->mb_height = (e->cfg.height + 15) / 16;
        if (qp_control_init(&x->rc, &(struct qp_control_config) { .bitrate_bps = MAX(bps, (uint64_t) 1000),
                                                                  .vbv_bits = x264_vbv_bits(e, bps),
                                                                  .fps_num = e->cfg.fps_num,
                                                                  .fps_den = e->cfg.fps_den,
                                                                  .mb_count = x->mb_width * x->mb_height }) < 0)
                return encode_set_error(-EINVAL, "x264: no rate control for %llu bit/s at %u/%u fps",
                                        (unsigned long long) bps, e->cfg.fps_num, e->cfg.fps_den);
        e->applied_bitrate = bps;
        e->x264 = steal_ptr(x);
        return 0;
}

unsigned encode_x264_mb_count(const struct encoder *e)
{
        return (e->cfg.width + 15) / 16 * ((e->cfg.height + 15) / 16);
}

void encode_x264_fill_mb_map(struct encoder *e, struct encode_picture *p, const uint8_t *tiles, unsigned tx,
                             unsigned ty)
{
        unsigned mbw = (e->cfg.width + 15) / 16, mbh = (e->cfg.height + 15) / 16;
        /* Tiles are CAPTURE_TILE_SIZE = 32 pixels: 2 x 2 macroblocks each. */
        unsigned per = CAPTURE_TILE_SIZE / 16;

        if (!p->mb_map)
                return;
        for (unsigned y = 0; y < mbh; y++)
                for (unsigned x = 0; x < mbw; x++) {
                        unsigned t = MIN(y / per, ty - 1) * tx + MIN(x / per, tx - 1);
                        p->mb_map[(size_t) y * mbw + x] = tiles[t] != 0;
                }
        p->mb_map_valid = true;
}

int encode_x264_stats(const struct encoder *e, uint64_t *ret_constant, uint64_t *ret_total)
{
        if (!e || !e->x264)
                return -ENOTSUP;
        *ret_constant = e->x264->constant_mbs;
        *ret_total = e->x264->total_mbs;
        return 0;
}

int encode_x264_rate_stats(const struct encoder *e, struct encode_rate_stats *ret, uint64_t *ret_qp_sum)
{
        const struct encode_x264 *x = e ? e->x264 : NULL;

        if (!x)
                return -ENOTSUP;
        *ret = (struct encode_rate_stats) {
                .qp_last = x->rc.stats.last_qp,
                .pictures = x->rc.stats.pictures,
                .pictures_rate_skipped = x->rate_skipped,
                .qp_range_switches = x->range_switches,
                .buffer_ms = x->rc.stats.buffer_bits * 1000 / (int64_t) MAX(x->rc.cfg.bitrate_bps, (uint64_t) 1),
        };
        *ret_qp_sum = x->rc.stats.qp_sum;
        return 0;
}

int encode_x264_set_bitrate(struct encoder *e, uint64_t bps)
{
        struct encode_x264 *x = e->x264;

        if (qp_control_set_rate(&x->rc, MAX(bps, (uint64_t) 1000), x264_vbv_bits(e, bps)) < 0)
                return encode_set_error(-EINVAL, "x264: cannot change the bit rate to %llu", (unsigned long long) bps);
        e->applied_bitrate = bps;
        return 0;
}

/* The QP x264 takes in its current range. */
static unsigned x264_range_qp(const struct encode_x264 *x, unsigned qp)
{
        return x->high_range ? MAX(qp, (unsigned) X264_HIGH_RANGE_MIN) : MIN(qp, (unsigned) X264_LOW_RANGE_MAX);
}

/* Keep x264's QP range around what the plan wants: 0 (plan->qp fits, maybe raised), 1 (reopened), or < 0. */
static int x264_fit_range(struct encode_x264 *x, struct qp_control_plan *plan)
{
        bool high = x->high_range;

        if (!high && plan->qp > X264_LOW_RANGE_MAX)
                high = true;
        else if (high && plan->qp < X264_HIGH_RANGE_MIN) {
                if (++x->below_range >= X264_RANGE_DOWN_PICTURES)
                        high = false;
        } else
                x->below_range = 0;
        if (high == x->high_range) {
                plan->qp = x264_range_qp(x, plan->qp);
                return 0;
        }
        if (x264_open_range(x, high) < 0)
                return encode_set_error(-EIO, "x264: cannot reopen for QP %s", high ? "29..69" : "11..51");
        x->range_switches++;
        return 1;
}

/*
 * The mb_info for p: NULL (no knowledge) or a malloc()ed map x264 frees when
 * done with the frame. A repeat of the last picture is all constant.
 * *ret_changed: the macroblocks it codes as changed (all without a map).
 */
static uint8_t *x264_mb_info(struct encode_x264 *x, const struct encode_picture *p, unsigned *ret_changed)
{
        size_t n = (size_t) x->mb_width * x->mb_height;
        bool repeat = p == x->last_picture && p->seq == x->last_seq;
        uint8_t *info;

        *ret_changed = (unsigned) n;
        if (!repeat && !(p->mb_map_valid && p->prev_seq != 0 && p->prev_seq == x->last_seq))
                return NULL;
        info = malloc(n);
        if (!info)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                info[i] = repeat || !p->mb_map[i] ? X264_MBINFO_CONSTANT : 0;
                x->constant_mbs += info[i] != 0;
                *ret_changed -= info[i] != 0;
        }
        return info;
}

int encode_x264_send(struct encoder *e, struct encode_picture *p, int64_t pts_90khz, bool idr)
{
        struct encode_x264 *x = e->x264;
        x264_picture_t in, out;
        struct qp_control_picture pic;
        struct qp_control_plan plan;
        x264_nal_t *nal;
        int n_nal, size, r;

        x264_picture_init(&in);
        in.img.i_csp = X264_CSP_NV12;
        in.img.i_plane = 2;
        for (int i = 0; i < 2; i++) {
                in.img.plane[i] = p->frame->data[i];
                in.img.i_stride[i] = p->frame->linesize[i];
        }
        in.i_pts = pts_90khz;
        idr = idr || x->since_idr >= e->cfg.idr_interval;
        in.i_type = idr ? X264_TYPE_IDR : X264_TYPE_P;
        x->total_mbs += (uint64_t) x->mb_width * x->mb_height;
        pic = (struct qp_control_picture) { .idr = idr, .pts_90khz = (uint64_t) MAX(pts_90khz, (int64_t) 0) };
        in.prop.mb_info = x264_mb_info(x, p, &pic.changed_mbs);
        in.prop.mb_info_free = free;
        if (qp_control_plan(&x->rc, &pic, &plan) < 0) {
                free(in.prop.mb_info);
                return encode_set_error(-EIO, "x264: no QP for the picture");
        }
        if (plan.skip) {
                /* the link cannot take it even at the lowest quality: the next picture carries the change */
                free(in.prop.mb_info);
                x->rate_skipped++;
                return 0;
        }
        r = x264_fit_range(x, &plan);
        if (r < 0) {
                free(in.prop.mb_info);
                return r;
        }
        if (r > 0) {
                /* reopened: this picture is its first, an IDR, and needs no mb_info */
                free(in.prop.mb_info);
                in.prop.mb_info = NULL;
                idr = true;
                in.i_type = X264_TYPE_IDR;
                pic.idr = true;
                if (qp_control_plan(&x->rc, &pic, &plan) < 0)
                        return encode_set_error(-EIO, "x264: no QP for the picture");
                plan.qp = x264_range_qp(x, plan.qp);
        }
        in.i_qpplus1 = (int) plan.qp + 1;

        size = x264_encoder_encode(x->enc, &nal, &n_nal, &in, &out);
        if (size < 0)
                return encode_set_error(-EIO, "x264: encode failed");
        /* zerolatency: the picture comes out of this call (x264 keeps no frame back) */
        x->since_idr = idr ? 1 : x->since_idr == UINT_MAX ? UINT_MAX : x->since_idr + 1;
        if (size > 0) {
                pic.idr = out.b_keyframe;
                (void) qp_control_done(&x->rc, &pic, plan.qp, (uint64_t) size * 8);
        }
        x->last_picture = p;
        x->last_seq = p->seq;
        if (size > 0) {
                /* x264 guarantees the NALs of one frame lie back to back in its buffer. */
                x->out = nal[0].p_payload;
                x->out_size = (size_t) size;
                x->out_pts = out.i_pts;
                x->out_idr = out.b_keyframe;
                x->have_out = true;
        }
        return 0;
}

int encode_x264_receive(struct encoder *e, struct encode_packet *ret)
{
        struct encode_x264 *x = e->x264;

        if (!x->have_out && e->flushed) {
                x264_picture_t out;
                x264_nal_t *nal;
                int n_nal, size;

                while (x264_encoder_delayed_frames(x->enc) > 0) {
                        size = x264_encoder_encode(x->enc, &nal, &n_nal, NULL, &out);
                        if (size < 0)
                                return encode_set_error(-EIO, "x264: flush failed");
                        if (size > 0) {
                                x->out = nal[0].p_payload;
                                x->out_size = (size_t) size;
                                x->out_pts = out.i_pts;
                                x->out_idr = out.b_keyframe;
                                x->have_out = true;
                                break;
                        }
                }
                if (!x->have_out)
                        return -ENODATA;
        }
        if (!x->have_out)
                return -EAGAIN;
        x->have_out = false;
        *ret = (struct encode_packet) {
                .data = x->out,
                .size = x->out_size,
                .pts_90khz = x->out_pts,
                .idr = x->out_idr,
        };
        return 0;
}
