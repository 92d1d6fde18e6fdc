/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * CPU colour conversion of captured RGB frames into the encoder's NV12 or
 * I420 pictures (stage 1 of the software pipeline).
 *
 * Two paths:
 *   - same size, NV12 out, packed 8-bit RGB in: our own BT.709 converter runs
 *     over the damaged tiles only, so a still desktop with a blinking cursor
 *     converts a few 32x32 tiles instead of two million pixels;
 *   - anything else (scaling, I420 out): libswscale over the whole frame,
 *     with the same BT.709 limited-range matrix, the aspect kept (black bars
 *     when the capture's shape differs from the mode's).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <drm_fourcc.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

#include "../protocol/macro.h"
#include "../protocol/uibc_msg.h"
#include "capture.h"
#include "encode_internal.h"

enum AVPixelFormat encode_fourcc_to_pix_fmt(uint32_t fourcc)
{
        /* DRM fourccs name little-endian words; FFmpeg names bytes in memory order. */
        switch (fourcc) {
        case DRM_FORMAT_XRGB8888:
                return AV_PIX_FMT_BGR0;
        case DRM_FORMAT_ARGB8888:
                return AV_PIX_FMT_BGRA;
        case DRM_FORMAT_XBGR8888:
                return AV_PIX_FMT_RGB0;
        case DRM_FORMAT_ABGR8888:
                return AV_PIX_FMT_RGBA;
        default:
                return AV_PIX_FMT_NONE;
        }
}

void encode_convert_clear(struct encoder *e)
{
        sws_freeContext(e->sws);
        e->sws = NULL;
        free(e->damage_map);
        e->damage_map = NULL;
        e->damage_map_size = 0;
}

/*
 * BT.709 limited range in 8.8 fixed point:
 *   Y  =  16 + ( 47 R + 157 G +  16 B) / 256
 *   Cb = 128 + (-26 R -  87 G + 113 B) / 256
 *   Cr = 128 + (113 R - 103 G -  10 B) / 256
 * Written as plain loops over 32-bit pixels (channel = shift and mask) so the
 * compiler vectorizes them; target_clones adds an AVX2 build picked at run
 * time. ri is the bit shift of R in the pixel word (16 for XRGB, 0 for XBGR).
 */
#define CONVERT_TARGETS __attribute__((target_clones("avx2", "default"), optimize("O3")))

static inline __attribute__((always_inline, optimize("O3"))) void luma_row(const uint32_t *src, uint8_t *dst, int w, int ri)
{
        int bi = 16 - ri;

        for (int x = 0; x < w; x++) {
                uint32_t p = src[x];
                uint16_t r = (p >> ri) & 0xff, g = (p >> 8) & 0xff, b = (p >> bi) & 0xff;

                dst[x] = (uint8_t) (16 + (uint16_t) (47 * r + 157 * g + 16 * b + 128) / 256);
        }
}

static inline __attribute__((always_inline, optimize("O3"))) void chroma_row(const uint32_t *s0, const uint32_t *s1, uint8_t *uv,
                                                             int w, int ri)
{
        int bi = 16 - ri;

        for (int x = 0; x < w / 2; x++) {
                uint32_t a = s0[2 * x], b = s0[2 * x + 1], c = s1[2 * x], d = s1[2 * x + 1];
                int32_t r = ((a >> ri) & 0xff) + ((b >> ri) & 0xff) + ((c >> ri) & 0xff) + ((d >> ri) & 0xff);
                int32_t g = ((a >> 8) & 0xff) + ((b >> 8) & 0xff) + ((c >> 8) & 0xff) + ((d >> 8) & 0xff);
                int32_t bl = ((a >> bi) & 0xff) + ((b >> bi) & 0xff) + ((c >> bi) & 0xff) + ((d >> bi) & 0xff);

                /* r, g, bl are sums of four: divide by 4 * 256 */
                uv[2 * x] = (uint8_t) (128 + ((-26 * r - 87 * g + 113 * bl + 512) >> 10));
                uv[2 * x + 1] = (uint8_t) (128 + ((113 * r - 103 * g - 10 * bl + 512) >> 10));
        }
}

/* Convert the rectangle (x, y, w, h), all even, of packed 32-bit RGB src to NV12. */
CONVERT_TARGETS static void convert_rect_xrgb(const uint8_t *src, unsigned src_stride, AVFrame *dst, int x0,
                                              int y0, int w, int h)
{
        for (int y = y0; y < y0 + h; y += 2) {
                const uint32_t *s0 = (const uint32_t *) (src + (size_t) y * src_stride) + x0;
                const uint32_t *s1 = (const uint32_t *) ((const uint8_t *) s0 + src_stride);
                uint8_t *d0 = dst->data[0] + (size_t) y * dst->linesize[0] + x0;

                luma_row(s0, d0, w, 16);
                luma_row(s1, d0 + dst->linesize[0], w, 16);
                chroma_row(s0, s1, dst->data[1] + (size_t) (y / 2) * dst->linesize[1] + x0, w, 16);
        }
}

CONVERT_TARGETS static void convert_rect_xbgr(const uint8_t *src, unsigned src_stride, AVFrame *dst, int x0,
                                              int y0, int w, int h)
{
        for (int y = y0; y < y0 + h; y += 2) {
                const uint32_t *s0 = (const uint32_t *) (src + (size_t) y * src_stride) + x0;
                const uint32_t *s1 = (const uint32_t *) ((const uint8_t *) s0 + src_stride);
                uint8_t *d0 = dst->data[0] + (size_t) y * dst->linesize[0] + x0;

                luma_row(s0, d0, w, 0);
                luma_row(s1, d0 + dst->linesize[0], w, 0);
                chroma_row(s0, s1, dst->data[1] + (size_t) (y / 2) * dst->linesize[1] + x0, w, 0);
        }
}

/* Damage map of f against the picture p holds (all 1 when p cannot be patched); -errno or changed tiles. */
static int picture_damage(struct encoder *e, struct capture *c, struct capture_frame *f, struct encode_picture *p,
                          size_t n)
{
        if (e->damage_map_size < n) {
                uint8_t *m = realloc(e->damage_map, n);
                if (!m)
                        return -ENOMEM;
                e->damage_map = m;
                e->damage_map_size = n;
        }
        /* The picture can be patched only if it shows an earlier frame of the same source and format. */
        if (!c || p->seq == 0 || p->source != c || p->src_width != f->width || p->src_height != f->height ||
            p->src_fourcc != f->fourcc || p->seq > f->seq) {
                memset(e->damage_map, 1, n);
                return (int) n;
        }
        return capture_frame_damage(c, f, p->seq, e->damage_map, n);
}

/*
 * Black (BT.709 limited range: Y 16, Cb Cr 128) around fit in an NV12 or I420 picture. After the
 * scaling, because libswscale writes a few pixels past an output width that is not a multiple
 * of 8 (into the right bar).
 */
static void picture_fill_bars(AVFrame *frame, const struct uibc_rect *fit)
{
        bool nv12 = frame->format == AV_PIX_FMT_NV12;

        for (int plane = 0; plane < (nv12 ? 2 : 3); plane++) {
                /* bytes per row and rows of this plane, and fit in its units */
                int sub = plane > 0, width = nv12 || !sub ? frame->width : frame->width / 2;
                int rows = sub ? frame->height / 2 : frame->height;
                int x0 = nv12 || !sub ? fit->x : fit->x / 2, w = nv12 || !sub ? (int) fit->width : (int) fit->width / 2;
                int y0 = sub ? fit->y / 2 : fit->y, h = sub ? (int) fit->height / 2 : (int) fit->height;
                uint8_t value = plane ? 128 : 16;

                for (int y = 0; y < rows; y++) {
                        uint8_t *row = frame->data[plane] + (size_t) y * frame->linesize[plane];

                        if (y < y0 || y >= y0 + h) {
                                memset(row, value, width);
                                continue;
                        }
                        memset(row, value, x0);
                        memset(row + x0 + w, value, width - x0 - w);
                }
        }
}

/*
 * Scaling with libswscale, over the whole frame: vertical filters make a
 * damaged band reach rows outside it, and swscale's slice output is not
 * meant for patching bands into an earlier picture. An unchanged frame is
 * still skipped. The aspect is kept: a picture of another shape goes into
 * uibc_letterbox_even()'s rectangle between black bars (the input mapping
 * uses the same rectangle, so touches on the bars are ignored).
 */
static int convert_sws(struct encoder *e, struct capture *c, struct capture_frame *f, struct encode_picture *p,
                       enum AVPixelFormat fmt)
{
        const uint8_t *src[4] = { f->data };
        int src_stride[4] = { (int) f->stride };
        uint8_t *dst[4] = { p->frame->data[0], p->frame->data[1], p->frame->data[2] };
        struct uibc_rect fit = { 0, 0, (uint32_t) p->frame->width, (uint32_t) p->frame->height };
        unsigned tx, ty;
        int r;

        capture_frame_tiles(f, &tx, &ty);
        r = picture_damage(e, c, f, p, (size_t) tx * ty);
        if (r <= 0)
                return r; /* 0: the picture already shows this frame */

        if (uibc_letterbox_even((uint32_t) p->frame->width, (uint32_t) p->frame->height, f->width, f->height, &fit) < 0)
                fit = (struct uibc_rect) { 0, 0, (uint32_t) p->frame->width, (uint32_t) p->frame->height };
        if (fit.width != (uint32_t) p->frame->width || fit.height != (uint32_t) p->frame->height) {
                /* Even offsets (uibc_letterbox_even()): whole chroma samples in both formats. */
                dst[0] += (size_t) fit.y * p->frame->linesize[0] + fit.x;
                if (p->frame->format == AV_PIX_FMT_NV12)
                        dst[1] += (size_t) (fit.y / 2) * p->frame->linesize[1] + fit.x;
                else
                        for (int plane = 1; plane < 3; plane++)
                                dst[plane] += (size_t) (fit.y / 2) * p->frame->linesize[plane] + fit.x / 2;
        }
        e->sws = sws_getCachedContext(e->sws, f->width, f->height, fmt, (int) fit.width, (int) fit.height,
                                      p->frame->format, SWS_BILINEAR, NULL, NULL, NULL);
        if (!e->sws)
                return encode_set_error(-ENOTSUP, "swscale: cannot convert %ux%u %s to %dx%d %s", f->width,
                                        f->height, av_get_pix_fmt_name(fmt), p->frame->width, p->frame->height,
                                        av_get_pix_fmt_name(p->frame->format));
        /* Full-range RGB in, BT.709 limited-range YUV out (matches the VUI encode.c writes). */
        (void) sws_setColorspaceDetails(e->sws, sws_getCoefficients(SWS_CS_DEFAULT), 1,
                                        sws_getCoefficients(SWS_CS_ITU709), 0, 0, 1 << 16, 1 << 16);
        r = sws_scale(e->sws, src, src_stride, 0, f->height, dst, p->frame->linesize);
        if (r > 0 && (fit.width != (uint32_t) p->frame->width || fit.height != (uint32_t) p->frame->height))
                picture_fill_bars(p->frame, &fit);
        return r > 0 ? 0 : -EIO;
}

static int convert_tiles(struct encoder *e, struct capture *c, struct capture_frame *f, struct encode_picture *p)
{
        enum AVPixelFormat fmt = encode_fourcc_to_pix_fmt(f->fourcc);
        bool xrgb = fmt == AV_PIX_FMT_BGR0 || fmt == AV_PIX_FMT_BGRA;
        unsigned tx, ty;
        int changed;

        capture_frame_tiles(f, &tx, &ty);
        changed = picture_damage(e, c, f, p, (size_t) tx * ty);
        if (changed < 0)
                return changed;
        if (e->x264)
                encode_x264_fill_mb_map(e, p, e->damage_map, tx, ty);
        if (changed == 0)
                return 0;

        for (unsigned y = 0; y < ty; y++) {
                const uint8_t *row = e->damage_map + (size_t) y * tx;

                for (unsigned x = 0; x < tx;) {
                        unsigned end = x;
                        int rx, ry, rw, rh;

                        if (!row[x]) {
                                x++;
                                continue;
                        }
                        while (end < tx && row[end])
                                end++;
                        rx = x * CAPTURE_TILE_SIZE;
                        ry = y * CAPTURE_TILE_SIZE;
                        rw = MIN(end * CAPTURE_TILE_SIZE, f->width) - rx;
                        rh = MIN((y + 1) * CAPTURE_TILE_SIZE, f->height) - ry;
                        if (xrgb)
                                convert_rect_xrgb(f->data, f->stride, p->frame, rx, ry, rw, rh);
                        else
                                convert_rect_xbgr(f->data, f->stride, p->frame, rx, ry, rw, rh);
                        x = end;
                }
        }
        return 0;
}

int encode_convert_cpu(struct encoder *e, struct capture *c, struct capture_frame *f, struct encode_picture *p)
{
        enum AVPixelFormat fmt = encode_fourcc_to_pix_fmt(f->fourcc);

        if (!f->data)
                return encode_set_error(-ENOTSUP, "the %s path needs frames in memory; got a dma-buf only "
                                                  "(tiled or compressed scan-out needs the vaapi encoder)",
                                        e->backend);
        if (fmt == AV_PIX_FMT_NONE)
                return encode_set_error(-ENOTSUP, "capture format 0x%08x is not packed 8-bit RGB", f->fourcc);

        if (f->width == (unsigned) p->frame->width && f->height == (unsigned) p->frame->height &&
            p->frame->format == AV_PIX_FMT_NV12 && !(f->width & 1) && !(f->height & 1))
                return convert_tiles(e, c, f, p);
        return convert_sws(e, c, f, p, fmt);
}
