/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * protocol/kms_va_format.c: DRM -> VA format names (checked against libva's
 * own va.h, whose macros need no library) and the DRM PRIME descriptor
 * table built from a GetFB2-like plane list.
 */
#include <errno.h>
#include <string.h>
#include <va/va.h>
#include <va/va_drmcommon.h>

#include "../../protocol/kms_va_format.h"
#include "../lib/test.h"

#define FOURCC(a, b, c, d) ((uint32_t) (a) | (uint32_t) (b) << 8 | (uint32_t) (c) << 16 | (uint32_t) (d) << 24)

TEST(test_formats, "kms-va-format/DRM fourccs map to the VA fourcc of the same bytes and its RT format")
{
        static const struct {
                uint32_t drm, va, rt;
        } table[] = {
                { FOURCC('X', 'R', '2', '4'), VA_FOURCC_BGRX, VA_RT_FORMAT_RGB32 },
                { FOURCC('A', 'R', '2', '4'), VA_FOURCC_BGRA, VA_RT_FORMAT_RGB32 },
                { FOURCC('X', 'B', '2', '4'), VA_FOURCC_RGBX, VA_RT_FORMAT_RGB32 },
                { FOURCC('A', 'B', '2', '4'), VA_FOURCC_RGBA, VA_RT_FORMAT_RGB32 },
                { FOURCC('X', 'R', '3', '0'), VA_FOURCC_X2R10G10B10, VA_RT_FORMAT_RGB32_10 },
                { FOURCC('A', 'R', '3', '0'), VA_FOURCC_A2R10G10B10, VA_RT_FORMAT_RGB32_10 },
                { FOURCC('X', 'B', '3', '0'), VA_FOURCC_X2B10G10R10, VA_RT_FORMAT_RGB32_10 },
                { FOURCC('A', 'B', '3', '0'), VA_FOURCC_A2B10G10R10, VA_RT_FORMAT_RGB32_10 },
                { FOURCC('R', 'G', '1', '6'), VA_FOURCC_RGB565, VA_RT_FORMAT_RGB16 },
        };
        struct kms_va_format f;

        for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
                memset(&f, 0xa5, sizeof(f));
                assert_int_eq(kms_va_format_from_drm(table[i].drm, &f), 0);
                assert_int_eq(f.va_fourcc, table[i].va);
                assert_int_eq(f.rt_format, table[i].rt);
        }
        /* 16-bit float, YUV and nonsense have no VA RGB surface: the EGL path reads them */
        assert_int_eq(kms_va_format_from_drm(FOURCC('X', 'R', '4', 'H'), &f), -ENOTSUP);
        assert_int_eq(kms_va_format_from_drm(FOURCC('N', 'V', '1', '2'), &f), -ENOTSUP);
        assert_int_eq(kms_va_format_from_drm(0, &f), -ENOTSUP);
        assert_int_eq(KMS_VA_PLANES_MAX, sizeof(((VADRMPRIMESurfaceDescriptor *) 0)->objects) /
                                                 sizeof(((VADRMPRIMESurfaceDescriptor *) 0)->objects[0]));
}

TEST(test_layout_ccs, "kms-va-format/an aux plane in the main plane's buffer shares its object")
{
        /* Intel Y-tiled with render compression: main and CCS planes in one GEM object */
        const struct kms_va_plane_in planes[] = {
                { .key = 7, .offset = 0, .pitch = 7680 },
                { .key = 7, .offset = 8847360, .pitch = 512 },
        };
        struct kms_va_layout l;

        assert_int_eq(kms_va_layout_build(1920, 1080, FOURCC('X', 'R', '2', '4'), 0x0100000000000006ull, 2, planes,
                                          &l),
                      0);
        assert_int_eq(l.va_fourcc, VA_FOURCC_BGRX);
        assert_int_eq(l.rt_format, VA_RT_FORMAT_RGB32);
        assert_int_eq(l.width, 1920);
        assert_int_eq(l.height, 1080);
        assert_int_eq(l.n_objects, 1);
        assert_true(l.object_key[0] == 7);
        assert_true(l.modifier == 0x0100000000000006ull);
        assert_int_eq(l.drm_format, FOURCC('X', 'R', '2', '4'));
        assert_int_eq(l.n_planes, 2);
        assert_int_eq(l.object_index[0], 0);
        assert_int_eq(l.object_index[1], 0);
        assert_int_eq(l.offset[1], 8847360);
        assert_int_eq(l.pitch[0], 7680);
        assert_int_eq(l.pitch[1], 512);
}

TEST(test_layout_objects, "kms-va-format/planes in distinct buffers get one object each, in order")
{
        /* AMD DCC with a separate metadata buffer, then a plane back in the first one */
        const struct kms_va_plane_in planes[] = {
                { .key = 11, .offset = 0, .pitch = 8192 },
                { .key = 12, .offset = 0, .pitch = 256 },
                { .key = 11, .offset = 4096, .pitch = 64 },
        };
        struct kms_va_layout l;

        assert_int_eq(kms_va_layout_build(2048, 1152, FOURCC('A', 'R', '3', '0'), 0x0200000000000001ull, 3, planes,
                                          &l),
                      0);
        assert_int_eq(l.va_fourcc, VA_FOURCC_A2R10G10B10);
        assert_int_eq(l.n_objects, 2);
        assert_true(l.object_key[0] == 11 && l.object_key[1] == 12);
        assert_int_eq(l.object_index[0], 0);
        assert_int_eq(l.object_index[1], 1);
        assert_int_eq(l.object_index[2], 0);
        assert_int_eq(l.offset[2], 4096);
        assert_int_eq(l.pitch[2], 64);
}

TEST(test_layout_refused, "kms-va-format/malformed plane lists and formats VA lacks are refused")
{
        const struct kms_va_plane_in planes[5] = {
                { .key = 1, .pitch = 64 }, { .key = 1, .pitch = 64 }, { .key = 1, .pitch = 64 },
                { .key = 1, .pitch = 64 }, { .key = 1, .pitch = 64 },
        };
        const struct kms_va_plane_in no_pitch[] = { { .key = 1, .pitch = 64 }, { .key = 2, .pitch = 0 } };
        struct kms_va_layout l;
        uint32_t xr24 = FOURCC('X', 'R', '2', '4');

        assert_int_eq(kms_va_layout_build(16, 16, xr24, 0, 0, planes, &l), -EINVAL);
        assert_int_eq(kms_va_layout_build(16, 16, xr24, 0, 5, planes, &l), -EINVAL);
        assert_int_eq(kms_va_layout_build(16, 16, xr24, 0, 4, planes, &l), 0);
        assert_int_eq(l.n_objects, 1);
        assert_int_eq(kms_va_layout_build(0, 16, xr24, 0, 1, planes, &l), -EINVAL);
        assert_int_eq(kms_va_layout_build(16, 0, xr24, 0, 1, planes, &l), -EINVAL);
        assert_int_eq(kms_va_layout_build(16, 16, xr24, 0, 2, no_pitch, &l), -EINVAL);
        assert_int_eq(kms_va_layout_build(16, 16, xr24, 0, 1, NULL, &l), -EINVAL);
        assert_int_eq(kms_va_layout_build(16, 16, FOURCC('X', 'R', '4', 'H'), 0, 1, planes, &l), -ENOTSUP);
}
