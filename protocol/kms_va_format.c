/* SPDX-License-Identifier: GPL-2.0-or-later */
/* VA-API names and descriptor layout for a scan-out: see kms_va_format.h. */
#include <errno.h>
#include <stddef.h>

#include "kms_va_format.h"
#include "macro.h"

#define FOURCC(a, b, c, d) ((uint32_t) (a) | (uint32_t) (b) << 8 | (uint32_t) (c) << 16 | (uint32_t) (d) << 24)

/*
 * DRM names a packed format by its bits in a little-endian word (XRGB8888: B in byte 0), VA by
 * its bytes in memory (BGRX: B in byte 0); the 10-bit and 565 ones VA spells as DRM does.
 */
static const struct {
        uint32_t drm, va, rt;
} formats[] = {
        { FOURCC('X', 'R', '2', '4'), FOURCC('B', 'G', 'R', 'X'), KMS_VA_RT_FORMAT_RGB32 },
        { FOURCC('A', 'R', '2', '4'), FOURCC('B', 'G', 'R', 'A'), KMS_VA_RT_FORMAT_RGB32 },
        { FOURCC('X', 'B', '2', '4'), FOURCC('R', 'G', 'B', 'X'), KMS_VA_RT_FORMAT_RGB32 },
        { FOURCC('A', 'B', '2', '4'), FOURCC('R', 'G', 'B', 'A'), KMS_VA_RT_FORMAT_RGB32 },
        { FOURCC('X', 'R', '3', '0'), FOURCC('X', 'R', '3', '0'), KMS_VA_RT_FORMAT_RGB32_10 },
        { FOURCC('A', 'R', '3', '0'), FOURCC('A', 'R', '3', '0'), KMS_VA_RT_FORMAT_RGB32_10 },
        { FOURCC('X', 'B', '3', '0'), FOURCC('X', 'B', '3', '0'), KMS_VA_RT_FORMAT_RGB32_10 },
        { FOURCC('A', 'B', '3', '0'), FOURCC('A', 'B', '3', '0'), KMS_VA_RT_FORMAT_RGB32_10 },
        { FOURCC('R', 'G', '1', '6'), FOURCC('R', 'G', '1', '6'), KMS_VA_RT_FORMAT_RGB16 },
};

int kms_va_format_from_drm(uint32_t drm, struct kms_va_format *ret)
{
        for (size_t i = 0; i < ARRAY_SIZE(formats); i++)
                if (formats[i].drm == drm) {
                        *ret = (struct kms_va_format) { .va_fourcc = formats[i].va, .rt_format = formats[i].rt };
                        return 0;
                }
        return -ENOTSUP;
}

int kms_va_layout_build(uint32_t width, uint32_t height, uint32_t fourcc, uint64_t modifier, unsigned n_planes,
                        const struct kms_va_plane_in *planes, struct kms_va_layout *ret)
{
        struct kms_va_layout l = {
                .width = width, .height = height, .modifier = modifier, .drm_format = fourcc, .n_planes = n_planes,
        };
        struct kms_va_format f;
        int r;

        if (!planes || !ret || n_planes < 1 || n_planes > KMS_VA_PLANES_MAX || width == 0 || height == 0)
                return -EINVAL;
        r = kms_va_format_from_drm(fourcc, &f);
        if (r < 0)
                return r;
        l.va_fourcc = f.va_fourcc;
        l.rt_format = f.rt_format;
        for (unsigned i = 0; i < n_planes; i++) {
                unsigned o = 0;

                if (planes[i].pitch == 0)
                        return -EINVAL;
                /* An aux plane (CCS, DCC) often lives in the main plane's buffer: one object for both. */
                while (o < l.n_objects && l.object_key[o] != planes[i].key)
                        o++;
                if (o == l.n_objects)
                        l.object_key[l.n_objects++] = planes[i].key;
                l.object_index[i] = o;
                l.offset[i] = planes[i].offset;
                l.pitch[i] = planes[i].pitch;
        }
        *ret = l;
        return 0;
}
