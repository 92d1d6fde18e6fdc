/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * VA-API read-back of a scan-out framebuffer the CPU cannot read, tried
 * before the EGL one (kms_gpu.h) where the GPU has a VA driver with video
 * processing: the framebuffer's planes are imported as one VA surface
 * (VA_SURFACE_ATTRIB_MEM_TYPE_DRM_PRIME_2, its modifier), converted by the
 * driver's VPP into a BGRX surface (XRGB8888 in memory: B, G, R, X), and that
 * surface's image is mapped and copied row by row. Same input (struct
 * kms_gpu_fb) and output (height rows of width * 4 bytes, XRGB8888) as
 * kms_gpu, so the capture swaps one for the other.
 *
 * libva.so.2 and libva-drm.so.2 are loaded with dlopen() on first use (the
 * helper links no libva). Every failure is -errno with a sentence in
 * capture_last_error() naming what failed; the caller falls back to EGL.
 * The display, the VPP context and the destination surface are kept across
 * pictures and made again when the size changes. Not thread-safe.
 */
#pragma once

#include <stdint.h>

#include "kms_gpu.h"

struct kms_va;

/*
 * Open VA on the GPU behind DRM fd drm_fd (its render node, else the card node; the fd is not
 * kept). 0 and *ret, or -ENOENT libva is not installed, -ENODEV no VA driver for the device,
 * -ENOTSUP the driver has no video processing entrypoint.
 */
int kms_va_new(int drm_fd, struct kms_va **ret);
/* The same on the device node at path (tests: a node without a VA driver). */
int kms_va_new_node(const char *path, struct kms_va **ret);
struct kms_va *kms_va_free(struct kms_va *v);

/* What reads back, for the log: "VA-API 1.17 on /dev/dri/renderD128, Intel iHD driver ...". */
const char *kms_va_describe(const struct kms_va *v);

/*
 * Import fb (replacing the one imported before). -ENOTSUP with a sentence naming fourcc and
 * modifier when VA has no such format or the driver refuses the buffer.
 */
int kms_va_import(struct kms_va *v, const struct kms_gpu_fb *fb);

/* Convert the imported picture and copy it into dst: height rows of width * 4 bytes, XRGB8888. */
int kms_va_read(struct kms_va *v, uint8_t *dst);
