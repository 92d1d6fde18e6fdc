/* SPDX-License-Identifier: GPL-2.0-or-later */
/* How a scan-out framebuffer is read back: see kms_readback.h. */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "kms_readback.h"
#include "macro.h"

#define FOURCC(a, b, c, d) ((uint32_t) (a) | (uint32_t) (b) << 8 | (uint32_t) (c) << 16 | (uint32_t) (d) << 24)

static const char *const mode_names[_KMS_READBACK_MODE_MAX] = {
        [KMS_READBACK_AUTO] = "auto",
        [KMS_READBACK_OFF] = "off",
        [KMS_READBACK_FORCE] = "force",
        [KMS_READBACK_VA] = "va",
        [KMS_READBACK_EGL] = "egl",
};

enum kms_readback_mode kms_readback_mode_from_string(const char *s)
{
        if (!s || !*s)
                return KMS_READBACK_AUTO;
        for (int i = 0; i < _KMS_READBACK_MODE_MAX; i++)
                if (strcmp(s, mode_names[i]) == 0)
                        return i;
        return _KMS_READBACK_MODE_INVALID;
}

const char *kms_readback_mode_to_string(enum kms_readback_mode mode)
{
        return mode >= 0 && mode < _KMS_READBACK_MODE_MAX ? mode_names[mode] : NULL;
}

bool kms_readback_cpu_format(uint32_t fourcc)
{
        return fourcc == FOURCC('X', 'R', '2', '4') || fourcc == FOURCC('A', 'R', '2', '4') ||
               fourcc == FOURCC('X', 'B', '2', '4') || fourcc == FOURCC('A', 'B', '2', '4');
}

bool kms_readback_gpu_format(uint32_t fourcc)
{
        static const uint32_t gpu[] = {
                FOURCC('X', 'R', '3', '0'), FOURCC('A', 'R', '3', '0'), /* 10-bit: HDR-capable desktops */
                FOURCC('X', 'B', '3', '0'), FOURCC('A', 'B', '3', '0'),
                FOURCC('X', 'R', '4', 'H'), FOURCC('A', 'R', '4', 'H'), /* 16-bit float */
                FOURCC('X', 'B', '4', 'H'), FOURCC('A', 'B', '4', 'H'),
                FOURCC('R', 'G', '1', '6'),                             /* RGB565: small panels */
        };

        if (kms_readback_cpu_format(fourcc))
                return true;
        for (size_t i = 0; i < ARRAY_SIZE(gpu); i++)
                if (gpu[i] == fourcc)
                        return true;
        return false;
}

int kms_readback_plan(const struct kms_readback_fb *fb, enum kms_readback_mode mode, struct kms_readback_plan *ret)
{
        struct kms_readback_plan plan = {};
        bool cpu_can;

        if (!fb || !ret || mode < 0 || mode >= _KMS_READBACK_MODE_MAX)
                return -EINVAL;
        if (fb->width == 0 || fb->height == 0 || fb->handles[0] == 0 || fb->pitches[0] == 0)
                return -EINVAL;
        /* Planes are 0..n-1 without a gap; an aux plane (CCS, DCC) has its own pitch, maybe the same handle. */
        plan.n_planes = 1;
        while (plan.n_planes < KMS_READBACK_PLANES_MAX && fb->handles[plan.n_planes] != 0)
                plan.n_planes++;
        for (unsigned i = plan.n_planes; i < KMS_READBACK_PLANES_MAX; i++)
                if (fb->handles[i] != 0)
                        return -EINVAL;
        for (unsigned i = 1; i < plan.n_planes; i++)
                if (fb->pitches[i] == 0)
                        return -EINVAL;

        /* The legacy "implicit" layout (INVALID) is what GetFB2 reports without modifiers: linear as far
         * as the kernel lets anyone else see it. */
        plan.modifier = fb->has_modifier && fb->modifier != KMS_READBACK_MOD_INVALID ? fb->modifier
                                                                                    : KMS_READBACK_MOD_LINEAR;
        plan.tiled = plan.modifier != KMS_READBACK_MOD_LINEAR;
        if (!plan.tiled && fb->pitches[0] / 4 < fb->width && kms_readback_cpu_format(fb->fourcc))
                return -EINVAL;

        cpu_can = !plan.tiled && plan.n_planes == 1 && kms_readback_cpu_format(fb->fourcc);
        /* FORCE, VA and EGL send even what the CPU could read to the GPU. */
        if (cpu_can && (mode == KMS_READBACK_AUTO || mode == KMS_READBACK_OFF)) {
                plan.path = KMS_READBACK_PATH_CPU;
                plan.rgb_swapped = fb->fourcc == FOURCC('X', 'B', '2', '4') || fb->fourcc == FOURCC('A', 'B', '2', '4');
        } else if (mode != KMS_READBACK_OFF && kms_readback_gpu_format(fb->fourcc))
                plan.path = KMS_READBACK_PATH_GPU;
        else
                return -ENOTSUP;
        *ret = plan;
        return 0;
}
