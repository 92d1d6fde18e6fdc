/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * How the KMS helper reads a scan-out framebuffer back, decided from what
 * drmModeGetFB2() says about it (encoder/capture_kms.c does the deeds):
 *
 *   CPU  linear 32-bit RGB: mmap the dma-buf and copy (the old path).
 *   GPU  anything else a GPU can sample as RGB, i.e. a tiled or compressed
 *        layout (a vendor modifier: Intel Y/X/4-tiled, CCS; AMD DCC; NVIDIA
 *        block-linear), 10-bit or 16-bit float or RGB565: every memory plane
 *        is exported as a dma-buf, imported on the GPU with its modifier and
 *        converted into a linear XRGB8888 picture (encoder/kms_va.c where a VA
 *        driver has video processing, else encoder/kms_gpu.c). With modes
 *        FORCE, VA and EGL a linear buffer takes this path too (tests; vkms
 *        is linear); VA and EGL also pin which of the two reads it.
 *
 * Pure: no I/O, no libdrm. The numbers are the kernel's drm_fourcc.h ABI.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define KMS_READBACK_MOD_LINEAR 0ULL
#define KMS_READBACK_MOD_INVALID 0x00ffffffffffffffULL
#define KMS_READBACK_PLANES_MAX 4

enum kms_readback_mode {
        KMS_READBACK_AUTO,  /* CPU where it can read the buffer, else GPU */
        KMS_READBACK_OFF,   /* CPU only: a buffer it cannot read is refused */
        KMS_READBACK_FORCE, /* GPU for every buffer, linear ones too (tests): VA-API, else EGL */
        KMS_READBACK_VA,    /* as FORCE, through VA-API video processing only (encoder/kms_va.c) */
        KMS_READBACK_EGL,   /* as FORCE, through EGL only (encoder/kms_gpu.c) */
        _KMS_READBACK_MODE_MAX,
        _KMS_READBACK_MODE_INVALID = -1,
};

enum kms_readback_path {
        KMS_READBACK_PATH_CPU,
        KMS_READBACK_PATH_GPU,
};

/* A framebuffer as drmModeGetFB2() describes it (handles only tell which planes exist). */
struct kms_readback_fb {
        uint32_t width, height;
        uint32_t fourcc;
        bool has_modifier; /* DRM_MODE_FB_MODIFIERS: without it the layout is linear */
        uint64_t modifier;
        uint32_t handles[KMS_READBACK_PLANES_MAX];
        uint32_t pitches[KMS_READBACK_PLANES_MAX];
        uint32_t offsets[KMS_READBACK_PLANES_MAX];
};

struct kms_readback_plan {
        enum kms_readback_path path;
        uint64_t modifier;    /* the layout (LINEAR when the FB carries none) */
        unsigned n_planes;    /* memory planes, 1..KMS_READBACK_PLANES_MAX (CCS/DCC: the aux planes too) */
        bool tiled;           /* the modifier is not LINEAR: only a GPU can read it */
        bool rgb_swapped;     /* CPU path: XBGR/ABGR in memory (red and blue trade places) */
};

/* "auto", "off", "force", "va", "egl" (NULL or "": auto). */
enum kms_readback_mode kms_readback_mode_from_string(const char *s);
const char *kms_readback_mode_to_string(enum kms_readback_mode mode);

/*
 * Decide how to read fb under mode. 0 and *ret, or
 *   -EINVAL   fb is malformed: zero size, plane 0 without handle or pitch, a gap in the planes, a
 *             linear pitch shorter than a row;
 *   -ENOTSUP  mode OFF and the CPU cannot read it (tiled, or not 32-bit RGB), or a format no path
 *             turns into RGB (YUV on the primary plane).
 */
int kms_readback_plan(const struct kms_readback_fb *fb, enum kms_readback_mode mode, struct kms_readback_plan *ret);

/* Is fourcc one of the 32-bit RGB formats the CPU path copies (XR24, AR24, XB24, AB24)? */
bool kms_readback_cpu_format(uint32_t fourcc);
/* Is fourcc an RGB format the GPU path samples (the CPU ones, 10-bit, 16-bit float, RGB565)? */
bool kms_readback_gpu_format(uint32_t fourcc);
