/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The VAAPI path: h264_vaapi fed with NV12 VA surfaces.
 *
 *   open     a DRM device (the capture's card or a render node), derive a
 *            VAAPI device from it, allocate an NV12 surface pool at the
 *            output size, set up h264_vaapi (profile/level as negotiated,
 *            CAVLC for Constrained Baseline, CBR, AUD, one frame in flight).
 *   convert  dma-buf frame (kms): describe it as an AV_PIX_FMT_DRM_PRIME
 *            frame, av_hwframe_map() it to a VA surface (no copy), then one
 *            VA video-processing pass scales and converts it into the NV12
 *            picture (what scale_vaapi does, without libavfilter);
 *            CPU frame (testsrc, or kms when only the CPU view exists):
 *            convert to NV12 in memory (damage-aware) and upload.
 *
 * The cursor is composited on the CPU path only; on the zero-copy path the
 * scan-out buffer is encoded as is.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libavutil/hwcontext_drm.h>
#include <libavutil/hwcontext_vaapi.h>
#include <libavutil/opt.h>
#include <va/va.h>
#include <va/va_vpp.h>

#include "../protocol/macro.h"
#include "../protocol/uibc_msg.h"
#include "capture.h"
#include "encode_internal.h"

struct encode_vaapi {
        AVBufferRef *drm_device; /* the DRM device we import dma-bufs on */
        AVBufferRef *device;     /* VAAPI, derived from drm_device */
        AVBufferRef *frames;     /* NV12 surfaces at the output size: pictures + encoder input */
        VADisplay display;       /* not owned: belongs to device */

        /* the capture's buffers as DRM_PRIME frames and their VAAPI mapping, per source format */
        AVBufferRef *drm_frames;
        AVBufferRef *mapped_frames;
        unsigned src_width, src_height;
        uint32_t src_fourcc;
        uint64_t src_modifier;

        /* video processing (scale + RGB -> NV12) */
        VAConfigID vpp_config;
        VAContextID vpp_context;
        bool vpp_ready;

        /* CPU frames: converted here, then uploaded */
        struct encode_picture upload;
};

struct encode_vaapi *encode_vaapi_free(struct encode_vaapi *va)
{
        if (!va)
                return NULL;
        if (va->vpp_ready) {
                vaDestroyContext(va->display, va->vpp_context);
                vaDestroyConfig(va->display, va->vpp_config);
        }
        av_frame_free(&va->upload.frame);
        av_buffer_unref(&va->mapped_frames);
        av_buffer_unref(&va->drm_frames);
        av_buffer_unref(&va->frames);
        av_buffer_unref(&va->device);
        av_buffer_unref(&va->drm_device);
        free(va);
        return NULL;
}

int encode_vaapi_open(struct encoder *e, AVCodecContext *ctx)
{
        struct encode_vaapi *va;
        AVHWFramesContext *fc;
        int r;

        e->vaapi = encode_vaapi_free(e->vaapi);
        va = calloc(1, sizeof(*va));
        if (!va)
                return -ENOMEM;
        e->vaapi = va;

        r = av_hwdevice_ctx_create(&va->drm_device, AV_HWDEVICE_TYPE_DRM, e->vaapi_device, NULL, 0);
        if (r < 0)
                return encode_set_error(-ENODEV, "vaapi: cannot open DRM device %s: %s", e->vaapi_device,
                                        av_err2str(r));
        r = av_hwdevice_ctx_create_derived(&va->device, AV_HWDEVICE_TYPE_VAAPI, va->drm_device, 0);
        if (r < 0)
                return encode_set_error(-ENODEV, "vaapi: no VAAPI driver for %s: %s", e->vaapi_device,
                                        av_err2str(r));
        va->display = ((AVVAAPIDeviceContext *) ((AVHWDeviceContext *) va->device->data)->hwctx)->display;

        va->frames = av_hwframe_ctx_alloc(va->device);
        if (!va->frames)
                return -ENOMEM;
        fc = (AVHWFramesContext *) va->frames->data;
        fc->format = AV_PIX_FMT_VAAPI;
        fc->sw_format = AV_PIX_FMT_NV12;
        fc->width = e->cfg.width;
        fc->height = e->cfg.height;
        fc->initial_pool_size = ENCODE_PICTURES_MAX + 4; /* our pictures + what the encoder holds */
        r = av_hwframe_ctx_init(va->frames);
        if (r < 0)
                return encode_set_error(-ENODEV, "vaapi: cannot allocate %ux%u NV12 surfaces: %s", e->cfg.width,
                                        e->cfg.height, av_err2str(r));

        ctx->pix_fmt = AV_PIX_FMT_VAAPI;
        ctx->hw_frames_ctx = av_buffer_ref(va->frames);
        if (!ctx->hw_frames_ctx)
                return -ENOMEM;
        ctx->profile = e->cfg.profile == ENCODE_PROFILE_CHP ? FF_PROFILE_H264_HIGH
                                                            : FF_PROFILE_H264_CONSTRAINED_BASELINE;
        (void) av_opt_set(ctx->priv_data, "rc_mode", "CBR", 0);
        (void) av_opt_set(ctx->priv_data, "coder", e->cfg.profile == ENCODE_PROFILE_CHP ? "cabac" : "cavlc", 0);
        (void) av_opt_set_int(ctx->priv_data, "aud", 1, 0);
        (void) av_opt_set_int(ctx->priv_data, "sei", 0, 0);
        /* One frame in flight: latency over throughput. */
        (void) av_opt_set_int(ctx->priv_data, "async_depth", 1, 0);
        e->reopen_on_bitrate = true;
        return 0;
}

int encode_vaapi_alloc_frame(struct encoder *e, AVFrame **ret)
{
        AVFrame *f = av_frame_alloc();
        int r;

        if (!f)
                return -ENOMEM;
        r = av_hwframe_get_buffer(e->vaapi->frames, f, 0);
        if (r < 0) {
                av_frame_free(&f);
                return -ENOMEM;
        }
        *ret = f;
        return 0;
}

static int vaapi_setup_vpp(struct encoder *e)
{
        struct encode_vaapi *va = e->vaapi;
        VAStatus s;

        if (va->vpp_ready)
                return 0;
        s = vaCreateConfig(va->display, VAProfileNone, VAEntrypointVideoProc, NULL, 0, &va->vpp_config);
        if (s != VA_STATUS_SUCCESS)
                return encode_set_error(-ENOTSUP, "vaapi: no video processing entry point: %s", vaErrorStr(s));
        s = vaCreateContext(va->display, va->vpp_config, e->cfg.width, e->cfg.height, VA_PROGRESSIVE, NULL, 0,
                            &va->vpp_context);
        if (s != VA_STATUS_SUCCESS) {
                vaDestroyConfig(va->display, va->vpp_config);
                return encode_set_error(-ENOTSUP, "vaapi: cannot create video processing context: %s",
                                        vaErrorStr(s));
        }
        va->vpp_ready = true;
        return 0;
}

/* (Re)describe the capture's buffers as DRM_PRIME frames and derive their VAAPI mapping. */
static int vaapi_setup_source(struct encoder *e, const struct capture_frame *f)
{
        struct encode_vaapi *va = e->vaapi;
        AVHWFramesContext *fc;
        enum AVPixelFormat sw = encode_fourcc_to_pix_fmt(f->fourcc);
        int r;

        if (va->drm_frames && va->src_width == f->width && va->src_height == f->height &&
            va->src_fourcc == f->fourcc && va->src_modifier == f->modifier)
                return 0;
        if (sw == AV_PIX_FMT_NONE)
                return encode_set_error(-ENOTSUP, "vaapi: scan-out format 0x%08x not supported", f->fourcc);

        av_buffer_unref(&va->mapped_frames);
        av_buffer_unref(&va->drm_frames);
        va->drm_frames = av_hwframe_ctx_alloc(va->drm_device);
        if (!va->drm_frames)
                return -ENOMEM;
        fc = (AVHWFramesContext *) va->drm_frames->data;
        fc->format = AV_PIX_FMT_DRM_PRIME;
        fc->sw_format = sw;
        fc->width = f->width;
        fc->height = f->height;
        r = av_hwframe_ctx_init(va->drm_frames);
        if (r < 0)
                return encode_set_error(-ENOTSUP, "vaapi: DRM frames context: %s", av_err2str(r));
        r = av_hwframe_ctx_create_derived(&va->mapped_frames, AV_PIX_FMT_VAAPI, va->device, va->drm_frames, 0);
        if (r < 0)
                return encode_set_error(-ENOTSUP, "vaapi: cannot map DRM frames to VAAPI: %s", av_err2str(r));
        va->src_width = f->width;
        va->src_height = f->height;
        va->src_fourcc = f->fourcc;
        va->src_modifier = f->modifier;
        return 0;
}

static void drm_descriptor_free(void *opaque, uint8_t *data)
{
        av_free(data);
}

/* Wrap the frame's dma-buf (still owned by the capture frame) in an AV_PIX_FMT_DRM_PRIME AVFrame. */
static int vaapi_wrap_dmabuf(struct encoder *e, const struct capture_frame *f, AVFrame **ret)
{
        AVDRMFrameDescriptor *desc;
        AVFrame *drm;
        off_t size;

        desc = av_mallocz(sizeof(*desc));
        if (!desc)
                return -ENOMEM;
        size = lseek(f->dmabuf_fd, 0, SEEK_END);
        desc->nb_objects = 1;
        desc->objects[0].fd = f->dmabuf_fd;
        desc->objects[0].size = size > 0 ? (size_t) size : (size_t) f->dmabuf_pitch * f->height + f->dmabuf_offset;
        desc->objects[0].format_modifier = f->modifier;
        desc->nb_layers = 1;
        desc->layers[0].format = f->fourcc;
        desc->layers[0].nb_planes = 1;
        desc->layers[0].planes[0].object_index = 0;
        desc->layers[0].planes[0].offset = f->dmabuf_offset;
        desc->layers[0].planes[0].pitch = f->dmabuf_pitch;

        drm = av_frame_alloc();
        if (!drm) {
                av_free(desc);
                return -ENOMEM;
        }
        drm->format = AV_PIX_FMT_DRM_PRIME;
        drm->width = f->width;
        drm->height = f->height;
        drm->data[0] = (uint8_t *) desc;
        drm->buf[0] = av_buffer_create((uint8_t *) desc, sizeof(*desc), drm_descriptor_free, NULL, 0);
        drm->hw_frames_ctx = av_buffer_ref(e->vaapi->drm_frames);
        if (!drm->buf[0] || !drm->hw_frames_ctx) {
                if (!drm->buf[0])
                        av_free(desc);
                av_frame_free(&drm);
                return -ENOMEM;
        }
        *ret = drm;
        return 0;
}

/*
 * One VPP pass: src surface (src_w x src_h, RGB) -> dst surface (output size, NV12), the
 * aspect kept: the picture goes into uibc_letterbox_even()'s rectangle, the rest is the
 * black background (the input mapping uses the same rectangle).
 */
static int vaapi_process(struct encoder *e, VASurfaceID src, unsigned src_w, unsigned src_h, VASurfaceID dst)
{
        struct encode_vaapi *va = e->vaapi;
        struct uibc_rect fit;
        VARectangle region;
        VAProcPipelineParameterBuffer params = {
                .surface = src,
                .output_background_color = 0xff000000,
                .filter_flags = VA_FILTER_SCALING_DEFAULT,
                .surface_color_standard = VAProcColorStandardSRGB,
                .output_color_standard = VAProcColorStandardBT709,
        };
        VABufferID buf;
        VAStatus s;

        if (uibc_letterbox_even(e->cfg.width, e->cfg.height, src_w, src_h, &fit) == 0 &&
            (fit.width != e->cfg.width || fit.height != e->cfg.height)) {
                region = (VARectangle) { .x = (int16_t) fit.x, .y = (int16_t) fit.y, .width = (uint16_t) fit.width,
                                         .height = (uint16_t) fit.height };
                params.output_region = &region;
        }
        s = vaBeginPicture(va->display, va->vpp_context, dst);
        if (s != VA_STATUS_SUCCESS)
                return encode_set_error(-EIO, "vaapi: vaBeginPicture: %s", vaErrorStr(s));
        s = vaCreateBuffer(va->display, va->vpp_context, VAProcPipelineParameterBufferType, sizeof(params), 1,
                           &params, &buf);
        if (s == VA_STATUS_SUCCESS) {
                s = vaRenderPicture(va->display, va->vpp_context, &buf, 1);
                vaDestroyBuffer(va->display, buf);
        }
        if (s != VA_STATUS_SUCCESS) {
                vaEndPicture(va->display, va->vpp_context);
                return encode_set_error(-EIO, "vaapi: video processing: %s", vaErrorStr(s));
        }
        s = vaEndPicture(va->display, va->vpp_context);
        if (s == VA_STATUS_SUCCESS)
                s = vaSyncSurface(va->display, dst); /* the mapping of src goes away right after */
        return s == VA_STATUS_SUCCESS ? 0 : encode_set_error(-EIO, "vaapi: vaEndPicture: %s", vaErrorStr(s));
}

static int vaapi_convert_dmabuf(struct encoder *e, struct capture_frame *f, struct encode_picture *p)
{
        struct encode_vaapi *va = e->vaapi;
        AVFrame *drm = NULL, *mapped = NULL;
        int r;

        r = vaapi_setup_vpp(e);
        if (r < 0)
                return r;
        r = vaapi_setup_source(e, f);
        if (r < 0)
                return r;
        r = vaapi_wrap_dmabuf(e, f, &drm);
        if (r < 0)
                return r;

        mapped = av_frame_alloc();
        if (!mapped) {
                av_frame_free(&drm);
                return -ENOMEM;
        }
        mapped->format = AV_PIX_FMT_VAAPI;
        mapped->hw_frames_ctx = av_buffer_ref(va->mapped_frames);
        r = mapped->hw_frames_ctx ? av_hwframe_map(mapped, drm, AV_HWFRAME_MAP_READ) : AVERROR(ENOMEM);
        if (r < 0)
                r = encode_set_error(-ENOTSUP, "vaapi: cannot import the %ux%u dma-buf (modifier 0x%llx): %s",
                                     f->width, f->height, (unsigned long long) f->modifier, av_err2str(r));
        else
                r = vaapi_process(e, (VASurfaceID) (uintptr_t) mapped->data[3], f->width, f->height,
                                  (VASurfaceID) (uintptr_t) p->frame->data[3]);
        av_frame_free(&mapped);
        av_frame_free(&drm);
        return r;
}

static int vaapi_convert_cpu(struct encoder *e, struct capture *c, struct capture_frame *f, struct encode_picture *p)
{
        struct encode_vaapi *va = e->vaapi;
        int r;

        if (!va->upload.frame) {
                va->upload.encoder = e;
                va->upload.frame = av_frame_alloc();
                if (!va->upload.frame)
                        return -ENOMEM;
                va->upload.frame->format = AV_PIX_FMT_NV12;
                va->upload.frame->width = e->cfg.width;
                va->upload.frame->height = e->cfg.height;
                if (av_frame_get_buffer(va->upload.frame, 0) < 0)
                        return -ENOMEM;
        }
        /* The upload buffer keeps the last picture, so only damaged tiles are converted. */
        r = encode_convert_cpu(e, c, f, &va->upload);
        if (r < 0) {
                va->upload.seq = 0;
                return r;
        }
        va->upload.source = c;
        va->upload.seq = f->seq;
        va->upload.src_width = f->width;
        va->upload.src_height = f->height;
        va->upload.src_fourcc = f->fourcc;

        r = av_hwframe_transfer_data(p->frame, va->upload.frame, 0);
        return r < 0 ? encode_set_error(-EIO, "vaapi: upload: %s", av_err2str(r)) : 0;
}

int encode_vaapi_convert(struct encoder *e, struct capture *c, struct capture_frame *f, struct encode_picture *p)
{
        if (f->dmabuf_fd >= 0)
                return vaapi_convert_dmabuf(e, f, p);
        return vaapi_convert_cpu(e, c, f, p);
}
