/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What VA-API needs to import a scan-out framebuffer for video processing
 * (encoder/kms_va.c): the VA fourcc and render-target format for its DRM
 * fourcc, and the object/plane table of a VADRMPRIMESurfaceDescriptor
 * (VA_SURFACE_ATTRIB_MEM_TYPE_DRM_PRIME_2, one layer) built from what
 * drmModeGetFB2() says: one object per distinct buffer, every plane pointing
 * at its object with its offset and pitch, the modifier on each object.
 *
 * Pure: no libva, no libdrm. The numbers are libva's va.h ABI (a VA fourcc is
 * spelled like a DRM one; tests/unit/test-kms-va-format.c checks them against
 * va.h).
 */
#pragma once

#include <stdint.h>

#define KMS_VA_PLANES_MAX 4

/* libva's VA_RT_FORMAT_* for the RGB surfaces we create. */
#define KMS_VA_RT_FORMAT_RGB16 0x00010000u
#define KMS_VA_RT_FORMAT_RGB32 0x00020000u
#define KMS_VA_RT_FORMAT_RGB32_10 0x00200000u

struct kms_va_format {
        uint32_t va_fourcc; /* VA_FOURCC_* of the same memory layout */
        uint32_t rt_format; /* VA_RT_FORMAT_* of a surface holding it */
};

/* The VA names of DRM fourcc drm: 0, or -ENOTSUP when VA has none (16-bit float, YUV, unknown). */
int kms_va_format_from_drm(uint32_t drm, struct kms_va_format *ret);

/* One memory plane of the framebuffer: key tells which buffer it is in (a GEM handle or a dma-buf fd). */
struct kms_va_plane_in {
        int64_t key;
        uint32_t offset, pitch;
};

/* The descriptor's content, field for field (encoder/kms_va.c copies it and adds fds and sizes). */
struct kms_va_layout {
        uint32_t va_fourcc, rt_format;
        uint32_t width, height;
        unsigned n_objects;
        int64_t object_key[KMS_VA_PLANES_MAX]; /* the plane key that stands for each object */
        uint64_t modifier;                     /* the same for every object */
        uint32_t drm_format;                   /* layer 0 */
        unsigned n_planes;
        uint32_t object_index[KMS_VA_PLANES_MAX], offset[KMS_VA_PLANES_MAX], pitch[KMS_VA_PLANES_MAX];
};

/*
 * Build the one-layer descriptor for a width x height framebuffer of DRM fourcc with n_planes memory
 * planes (1..4: a compressed layout's aux planes count) and modifier. 0 and *ret, or -EINVAL (no planes,
 * too many, zero size or pitch), -ENOTSUP (a format VA has no name for).
 */
int kms_va_layout_build(uint32_t width, uint32_t height, uint32_t fourcc, uint64_t modifier, unsigned n_planes,
                        const struct kms_va_plane_in *planes, struct kms_va_layout *ret);
