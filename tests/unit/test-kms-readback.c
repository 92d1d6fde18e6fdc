/* SPDX-License-Identifier: GPL-2.0-or-later */
/* protocol/kms_readback.h: which scan-outs the CPU copies, which go through the GPU, which are refused. */
#include <errno.h>

#include "../../protocol/kms_readback.h"
#include "../lib/test.h"

#define XR24 0x34325258u
#define XB24 0x34324258u
#define AR30 0x30335241u
#define NV12 0x3231564eu
/* drm_fourcc.h: I915_FORMAT_MOD_Y_TILED_GEN12_RC_CCS (2 planes), AMD GFX9 64K_S_X with DCC, NVIDIA block-linear */
#define MOD_INTEL_Y_CCS_GEN12 0x0100000000000006ull
#define MOD_INTEL_X_TILED 0x0100000000000001ull
#define MOD_AMD_DCC 0x0200000000000000ull | 0x19ull | (1ull << 13)
#define MOD_NVIDIA_BL 0x0300000000000010ull

static struct kms_readback_fb linear_fb(uint32_t fourcc)
{
        return (struct kms_readback_fb) {
                .width = 1920, .height = 1080, .fourcc = fourcc, .has_modifier = true,
                .modifier = KMS_READBACK_MOD_LINEAR, .handles = { 7 }, .pitches = { 7680 },
        };
}

TEST(test_mode_names, "kms-readback/mode names round trip; unknown is invalid")
{
        for (int m = 0; m < _KMS_READBACK_MODE_MAX; m++)
                assert_int_eq(kms_readback_mode_from_string(kms_readback_mode_to_string(m)), m);
        assert_int_eq(kms_readback_mode_from_string(NULL), KMS_READBACK_AUTO);
        assert_int_eq(kms_readback_mode_from_string(""), KMS_READBACK_AUTO);
        assert_int_eq(kms_readback_mode_from_string("va"), KMS_READBACK_VA);
        assert_int_eq(kms_readback_mode_from_string("egl"), KMS_READBACK_EGL);
        assert_int_eq(kms_readback_mode_from_string("vaapi"), _KMS_READBACK_MODE_INVALID);
        assert_int_eq(kms_readback_mode_from_string("FORCE"), _KMS_READBACK_MODE_INVALID);
        assert_int_eq(kms_readback_mode_from_string("gpu"), _KMS_READBACK_MODE_INVALID);
        assert_null(kms_readback_mode_to_string(_KMS_READBACK_MODE_MAX));
}

TEST(test_linear, "kms-readback/linear XRGB goes to the CPU, or to the GPU when forced")
{
        struct kms_readback_fb fb = linear_fb(XR24);
        struct kms_readback_plan p;

        assert_int_eq(kms_readback_plan(&fb, KMS_READBACK_AUTO, &p), 0);
        assert_int_eq(p.path, KMS_READBACK_PATH_CPU);
        assert_false(p.tiled);
        assert_false(p.rgb_swapped);
        assert_int_eq(p.n_planes, 1);
        assert_int_eq(kms_readback_plan(&fb, KMS_READBACK_OFF, &p), 0);
        assert_int_eq(p.path, KMS_READBACK_PATH_CPU);
        assert_int_eq(kms_readback_plan(&fb, KMS_READBACK_FORCE, &p), 0);
        assert_int_eq(p.path, KMS_READBACK_PATH_GPU);
        /* va and egl pin the GPU path's backend: they force like FORCE does */
        assert_int_eq(kms_readback_plan(&fb, KMS_READBACK_VA, &p), 0);
        assert_int_eq(p.path, KMS_READBACK_PATH_GPU);
        assert_int_eq(kms_readback_plan(&fb, KMS_READBACK_EGL, &p), 0);
        assert_int_eq(p.path, KMS_READBACK_PATH_GPU);

        fb = linear_fb(XB24);
        assert_int_eq(kms_readback_plan(&fb, KMS_READBACK_AUTO, &p), 0);
        assert_int_eq(p.path, KMS_READBACK_PATH_CPU);
        assert_true(p.rgb_swapped);
}

TEST(test_no_modifier, "kms-readback/an FB without modifiers (or INVALID) is linear")
{
        struct kms_readback_fb fb = linear_fb(XR24);
        struct kms_readback_plan p;

        fb.has_modifier = false;
        fb.modifier = MOD_INTEL_X_TILED; /* ignored without the flag */
        assert_int_eq(kms_readback_plan(&fb, KMS_READBACK_AUTO, &p), 0);
        assert_int_eq(p.path, KMS_READBACK_PATH_CPU);
        assert_int_eq(p.modifier, KMS_READBACK_MOD_LINEAR);
        fb.has_modifier = true;
        fb.modifier = KMS_READBACK_MOD_INVALID;
        assert_int_eq(kms_readback_plan(&fb, KMS_READBACK_AUTO, &p), 0);
        assert_int_eq(p.path, KMS_READBACK_PATH_CPU);
}

TEST(test_tiled, "kms-readback/vendor modifiers go to the GPU with every plane; off refuses them")
{
        static const uint64_t mods[] = { MOD_INTEL_X_TILED, MOD_AMD_DCC, MOD_NVIDIA_BL };
        struct kms_readback_fb fb = linear_fb(XR24);
        struct kms_readback_plan p;

        for (unsigned i = 0; i < 3; i++) {
                fb.modifier = mods[i];
                assert_int_eq(kms_readback_plan(&fb, KMS_READBACK_AUTO, &p), 0);
                assert_int_eq(p.path, KMS_READBACK_PATH_GPU);
                assert_true(p.tiled);
                assert_int_eq(p.modifier, mods[i]);
                assert_int_eq(kms_readback_plan(&fb, KMS_READBACK_OFF, &p), -ENOTSUP);
        }
        /* Intel Gen12 render compression: the main surface and its CCS plane, same BO */
        fb.modifier = MOD_INTEL_Y_CCS_GEN12;
        fb.handles[1] = fb.handles[0];
        fb.pitches[1] = 512;
        fb.offsets[1] = 8847360;
        assert_int_eq(kms_readback_plan(&fb, KMS_READBACK_AUTO, &p), 0);
        assert_int_eq(p.path, KMS_READBACK_PATH_GPU);
        assert_int_eq(p.n_planes, 2);
        /* a second plane on a linear buffer: not for the CPU's single-plane copy either */
        fb.modifier = KMS_READBACK_MOD_LINEAR;
        assert_int_eq(kms_readback_plan(&fb, KMS_READBACK_AUTO, &p), 0);
        assert_int_eq(p.path, KMS_READBACK_PATH_GPU);
}

TEST(test_formats, "kms-readback/10-bit goes to the GPU; YUV is refused everywhere")
{
        struct kms_readback_fb fb = linear_fb(AR30);
        struct kms_readback_plan p;

        assert_int_eq(kms_readback_plan(&fb, KMS_READBACK_AUTO, &p), 0);
        assert_int_eq(p.path, KMS_READBACK_PATH_GPU);
        assert_int_eq(kms_readback_plan(&fb, KMS_READBACK_OFF, &p), -ENOTSUP);
        fb = linear_fb(NV12);
        fb.handles[1] = 7;
        fb.pitches[1] = 1920;
        assert_int_eq(kms_readback_plan(&fb, KMS_READBACK_AUTO, &p), -ENOTSUP);
        assert_int_eq(kms_readback_plan(&fb, KMS_READBACK_FORCE, &p), -ENOTSUP);
        assert_true(kms_readback_cpu_format(XR24));
        assert_false(kms_readback_cpu_format(AR30));
        assert_true(kms_readback_gpu_format(AR30));
        assert_false(kms_readback_gpu_format(NV12));
}

TEST(test_malformed, "kms-readback/malformed plane tables are refused, the plan left alone")
{
        struct kms_readback_fb fb = linear_fb(XR24);
        struct kms_readback_plan p = { .n_planes = 99 };

        fb.handles[0] = 0; /* what GetFB2 returns to a caller without CAP_SYS_ADMIN */
        assert_int_eq(kms_readback_plan(&fb, KMS_READBACK_AUTO, &p), -EINVAL);
        fb = linear_fb(XR24);
        fb.handles[2] = 7; /* a gap: plane 2 without plane 1 */
        fb.pitches[2] = 64;
        assert_int_eq(kms_readback_plan(&fb, KMS_READBACK_AUTO, &p), -EINVAL);
        fb = linear_fb(XR24);
        fb.handles[1] = 7; /* an aux plane without a pitch */
        fb.modifier = MOD_INTEL_Y_CCS_GEN12;
        assert_int_eq(kms_readback_plan(&fb, KMS_READBACK_AUTO, &p), -EINVAL);
        fb = linear_fb(XR24);
        fb.pitches[0] = 1920 * 4 - 4; /* a row does not fit its pitch */
        assert_int_eq(kms_readback_plan(&fb, KMS_READBACK_AUTO, &p), -EINVAL);
        fb = linear_fb(XR24);
        fb.height = 0;
        assert_int_eq(kms_readback_plan(&fb, KMS_READBACK_AUTO, &p), -EINVAL);
        assert_int_eq(kms_readback_plan(&fb, _KMS_READBACK_MODE_MAX, &p), -EINVAL);
        assert_int_eq(p.n_planes, 99);
}
