/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The software encoder calling libx264 directly (backend "software", codec
 * "x264"). Same settings as FFmpeg's libx264 wrapper gets from encode.c
 * (ultrafast + zerolatency, CBP/CHP, level, CBR with a quarter-second VBV,
 * GOP, slices, SPS/PPS before every IDR, AUD, qmin 12, BT.709 VUI), plus
 * what FFmpeg 5.1 cannot pass: the damage we already know, as per-macroblock
 * X264_MBINFO_CONSTANT flags. x264 then encodes an unchanged macroblock as a
 * skip without analysing it, when that cannot lower quality (its reference
 * was coded at this frame's QP or better; x264 checks that itself).
 *
 * The damage of a picture is against the picture it held before (its
 * prev_seq); it is valid for x264 only when that is the picture x264 saw
 * last. Anything else (first picture, pool reuse out of order, scaling)
 * sends no mb_info, which is always correct.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include <stdint.h> /* x264.h uses it without including it */
#include <x264.h>

#include "../protocol/macro.h"
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

static void x264_apply_rate(const struct encoder *e, x264_param_t *p, uint64_t bps)
{
        /* x264 counts kbit/s; the VBV holds what encode.c gives FFmpeg (a quarter second by default). */
        p->rc.i_rc_method = X264_RC_ABR;
        p->rc.i_bitrate = (int) MAX(bps / 1000, (uint64_t) 1);
        p->rc.i_vbv_max_bitrate = p->rc.i_bitrate;
        p->rc.i_vbv_buffer_size = (int) MIN(encode_vbv_kbit(e, bps), (uint64_t) INT32_MAX);
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
        p->i_keyint_max = (int) e->cfg.idr_interval;
        p->i_keyint_min = 1;
        p->i_scenecut_threshold = 0;
        p->i_bframe = 0;
        p->i_frame_reference = 1;
        p->b_repeat_headers = 1;
        p->b_aud = 1;
        p->b_annexb = 1;
        if (e->cfg.level_idc)
                p->i_level_idc = (int) e->cfg.level_idc;
        x264_apply_rate(e, p, bps);
        p->rc.f_vbv_buffer_init = 0.75f; /* libavcodec's default initial occupancy */
        p->rc.i_qp_min = 12;             /* see encoder_configure_x264() */
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

        x->enc = x264_encoder_open(p);
        if (!x->enc)
                return encode_set_error(-ENOTSUP, "x264: cannot open with %ux%u %u/%u fps, level %u, %llu bit/s",
                                        e->cfg.width, e->cfg.height, e->cfg.fps_num, e->cfg.fps_den,
                                        e->cfg.level_idc, (unsigned long long) bps);
        x->mb_width = (e->cfg.width + 15) / 16;
        x->mb_height = (e->cfg.height + 15) / 16;
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

int encode_x264_set_bitrate(struct encoder *e, uint64_t bps)
{
        struct encode_x264 *x = e->x264;

        x264_apply_rate(e, &x->param, bps);
        if (x264_encoder_reconfig(x->enc, &x->param) < 0)
                return encode_set_error(-EIO, "x264: cannot change the bit rate to %llu", (unsigned long long) bps);
        e->applied_bitrate = bps;
        return 0;
}

/*
 * The mb_info for p: NULL (no knowledge) or a malloc()ed map x264 frees when
 * done with the frame. A repeat of the last picture is all constant.
 */
static uint8_t *x264_mb_info(struct encode_x264 *x, const struct encode_picture *p)
{
        size_t n = (size_t) x->mb_width * x->mb_height;
        bool repeat = p == x->last_picture && p->seq == x->last_seq;
        uint8_t *info;

        if (!repeat && !(p->mb_map_valid && p->prev_seq != 0 && p->prev_seq == x->last_seq))
                return NULL;
        info = malloc(n);
        if (!info)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                info[i] = repeat || !p->mb_map[i] ? X264_MBINFO_CONSTANT : 0;
                x->constant_mbs += info[i] != 0;
        }
        return info;
}

int encode_x264_send(struct encoder *e, struct encode_picture *p, int64_t pts_90khz, bool idr)
{
        struct encode_x264 *x = e->x264;
        x264_picture_t in, out;
        x264_nal_t *nal;
        int n_nal, size;

        x264_picture_init(&in);
        in.img.i_csp = X264_CSP_NV12;
        in.img.i_plane = 2;
        for (int i = 0; i < 2; i++) {
                in.img.plane[i] = p->frame->data[i];
                in.img.i_stride[i] = p->frame->linesize[i];
        }
        in.i_pts = pts_90khz;
        in.i_type = idr ? X264_TYPE_IDR : X264_TYPE_AUTO;
        x->total_mbs += (uint64_t) x->mb_width * x->mb_height;
        in.prop.mb_info = x264_mb_info(x, p);
        in.prop.mb_info_free = free;

        size = x264_encoder_encode(x->enc, &nal, &n_nal, &in, &out);
        if (size < 0)
                return encode_set_error(-EIO, "x264: encode failed");
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
