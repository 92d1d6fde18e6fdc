/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * GPU read-back of a scan-out framebuffer the CPU cannot read (tiled or
 * compressed: protocol/kms_readback.h decides), for the kms capture backend:
 * the framebuffer's planes come in as dma-bufs with their modifier, are
 * imported as one EGLImage (EGL_EXT_image_dma_buf_import_modifiers) on a GBM
 * device of the same GPU (its render node, else the card node itself, where
 * Mesa's kms_swrast serves KMS-only drivers like vkms), drawn into a linear
 * RGBA texture and read back with glReadPixels as XRGB8888 (B, G, R, X).
 *
 * libEGL, libGLESv2 and libgbm are loaded with dlopen() on first use, so the
 * helper that holds CAP_SYS_ADMIN maps no GPU driver while scan-outs are
 * linear, and runs (refusing only tiled buffers) where Mesa is not installed.
 * Every failure is a sentence in capture_last_error() naming what was
 * missing; nothing here crashes the caller.
 *
 * Not thread-safe: one caller at a time (the capture's lock). The context is
 * made current for each call and released after it, so successive calls may
 * come from different threads.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct kms_gpu;

struct kms_gpu_plane {
        int fd; /* dma-buf; not owned (EGL keeps its own reference after the import) */
        uint32_t offset, pitch;
};

struct kms_gpu_fb {
        unsigned width, height;
        uint32_t fourcc;
        uint64_t modifier; /* DRM_FORMAT_MOD_LINEAR or a vendor layout */
        unsigned n_planes;
        struct kms_gpu_plane planes[4];
};

/*
 * Set up EGL on the GPU behind DRM fd drm_fd (a card node: its render node is
 * preferred; the fd is not kept), or, with drm_fd < 0, on EGL's surfaceless
 * platform (tests without a DRM device). 0 and *ret, or -errno with a sentence
 * in capture_last_error(): -ENOENT a library is missing, -ENOTSUP an EGL/GL
 * extension is, -ENODEV no display or context.
 */
int kms_gpu_new(int drm_fd, struct kms_gpu **ret);
struct kms_gpu *kms_gpu_free(struct kms_gpu *g);

/* What reads back, for the log: "EGL 1.5 on /dev/dri/renderD128 (GBM), GL renderer llvmpipe ...". */
const char *kms_gpu_describe(const struct kms_gpu *g);

/*
 * Import fb (replacing the one imported before). -ENOTSUP with a sentence naming fourcc and
 * modifier when the driver refuses it, -E2BIG over the GL size limit.
 */
int kms_gpu_import(struct kms_gpu *g, const struct kms_gpu_fb *fb);

/*
 * Import pixels from memory instead (tests: the draw and read-back without a dma-buf):
 * width x height XRGB8888 rows of stride bytes.
 */
int kms_gpu_import_pixels(struct kms_gpu *g, unsigned width, unsigned height, const uint8_t *pixels, size_t stride);

/* Draw the imported picture and read it into dst: height rows of width * 4 bytes, XRGB8888. */
int kms_gpu_read(struct kms_gpu *g, uint8_t *dst);
