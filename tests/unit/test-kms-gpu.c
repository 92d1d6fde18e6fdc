/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * encoder/kms_gpu.c on Mesa's surfaceless EGL platform (llvmpipe, no DRM
 * device needed): the draw and read-back that turns an imported picture into
 * the ring's XRGB8888, row order and colours, and the errors a refused import
 * gives. Importing a real tiled dma-buf needs a GPU (and vkms, in the VM, is
 * linear: scenario capture forces a linear one through this path).
 * encoder/kms_va.c, tried first on a real GPU, has no VA driver here: it must
 * fail with a sentence naming that, and leave EGL working after it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../encoder/capture.h"
#include "../../encoder/kms_gpu.h"
#include "../../encoder/kms_va.h"
#include "../lib/test.h"

/*
 * Mesa leaks a little in eglTerminate() and unloads its driver before LeakSanitizer reports, so the
 * frames have no module to suppress by name: this binary runs without the leak check (ASan's other
 * checks stay). ASAN_OPTIONS from run-tests.sh asks for it, so we run ourselves again without it.
 */
__attribute__((constructor)) static void no_leak_check(int argc, char **argv)
{
        const char *opts = getenv("ASAN_OPTIONS");
        char buf[512];

        if (!opts || strstr(opts, "detect_leaks=0"))
                return;
        snprintf(buf, sizeof(buf), "%s:detect_leaks=0", opts);
        setenv("ASAN_OPTIONS", buf, 1);
        execv("/proc/self/exe", argv);
}

#define W 70 /* not a multiple of anything the GPU likes */
#define H 43

static struct kms_gpu *gpu_new(void)
{
        struct kms_gpu *g = NULL;
        int r = kms_gpu_new(-1, &g);

        if (r < 0)
                fprintf(stderr, "kms_gpu_new: %s\n", capture_last_error());
        assert_int_eq(r, 0);
        assert_non_null(g);
        return g;
}

/* B, G, R, X per pixel, each pixel different, so a flip, swap or shift shows. */
static void pattern(uint8_t *p)
{
        for (unsigned y = 0; y < H; y++)
                for (unsigned x = 0; x < W; x++) {
                        uint8_t *px = p + ((size_t) y * W + x) * 4;

                        px[0] = (uint8_t) (x * 3);       /* blue grows to the right */
                        px[1] = (uint8_t) (y * 5);       /* green grows downwards */
                        px[2] = (uint8_t) (200 - x - y); /* red falls along the diagonal */
                        px[3] = 0x12;                    /* X: anything */
                }
}

TEST(test_readback, "kms-gpu/read-back gives XRGB8888 rows top first, colours in place")
{
        struct kms_gpu *g = gpu_new();
        uint8_t *in = malloc(W * H * 4), *out = malloc(W * H * 4);

        assert_true(strstr(kms_gpu_describe(g), "surfaceless") != NULL);
        pattern(in);
        memset(out, 0, W * H * 4);
        assert_int_eq(kms_gpu_import_pixels(g, W, H, in, W * 4), 0);
        assert_int_eq(kms_gpu_read(g, out), 0);
        for (size_t i = 0; i < (size_t) W * H; i++) {
                if (memcmp(in + i * 4, out + i * 4, 3) != 0 || out[i * 4 + 3] != 0xff)
                        fprintf(stderr, "pixel %zu,%zu: in %02x%02x%02x out %02x%02x%02x%02x\n", i % W, i / W,
                                in[i * 4 + 2], in[i * 4 + 1], in[i * 4], out[i * 4 + 3], out[i * 4 + 2],
                                out[i * 4 + 1], out[i * 4]);
                assert_mem_eq(in + i * 4, out + i * 4, 3);
                assert_int_eq(out[i * 4 + 3], 0xff);
        }
        /* again, at another size (a mode set), from the same context */
        assert_int_eq(kms_gpu_import_pixels(g, W / 2, H / 2, in, (W / 2) * 4), 0);
        assert_int_eq(kms_gpu_read(g, out), 0);
        assert_mem_eq(in + (W / 2) * 4, out + (W / 2) * 4, 3); /* row 1 of the half-size upload */
        kms_gpu_free(g);
        free(in);
        free(out);
}

TEST(test_refused, "kms-gpu/what cannot be imported fails with a sentence and leaves the context usable")
{
        struct kms_gpu *g = gpu_new();
        uint8_t px[16 * 16 * 4] = {}, out[16 * 16 * 4];
        int memfd = memfd_create("not-a-dma-buf", MFD_CLOEXEC);
        struct kms_gpu_fb fb = {
                .width = 16, .height = 16, .fourcc = 0x34325258u /* XR24 */, .modifier = 0x0100000000000002ull,
                .n_planes = 1, .planes = { { .fd = memfd, .pitch = 64 } },
        };

        assert_int_eq(kms_gpu_read(g, out), -EINVAL); /* nothing imported yet */
        assert_true(strstr(capture_last_error(), "nothing imported") != NULL);
        assert_int_ge(memfd, 0);
        assert_int_eq(ftruncate(memfd, 4096), 0);
        /* Intel Y-tiled, and linear, from a memfd: llvmpipe's surfaceless EGL has no dma-buf import at
         * all (Mesa 22), a driver that has one refuses a memfd; either way a sentence says what */
        assert_int_eq(kms_gpu_import(g, &fb), -ENOTSUP);
        assert_true(strstr(capture_last_error(), "dma_buf_import") != NULL ||
                    strstr(capture_last_error(), "0x100000000000002") != NULL);
        fb.modifier = 0;
        assert_int_eq(kms_gpu_import(g, &fb), -ENOTSUP);
        assert_true(strstr(capture_last_error(), "dma_buf_import") != NULL ||
                    strstr(capture_last_error(), "refuses to import XR24 16x16") != NULL);
        fb.n_planes = 0;
        assert_int_eq(kms_gpu_import(g, &fb), -EINVAL);
        assert_int_eq(kms_gpu_import_pixels(g, 16, 16, px, 60), -EINVAL);
        assert_int_eq(kms_gpu_import_pixels(g, 0, 16, px, 0), -E2BIG);
        assert_int_eq(kms_gpu_import_pixels(g, 1u << 20, 16, px, 4u << 20), -E2BIG);
        /* still works after all that */
        px[0] = 0x40;
        assert_int_eq(kms_gpu_import_pixels(g, 16, 16, px, 64), 0);
        assert_int_eq(kms_gpu_read(g, out), 0);
        assert_int_eq(out[0], 0x40);
        close(memfd);
        kms_gpu_free(g);
}

TEST(test_va_unavailable, "kms-gpu/VA-API without a VA driver fails with a sentence; EGL still reads back after it")
{
        struct kms_va *v = (struct kms_va *) 0x1;
        struct kms_gpu *g;
        uint8_t in[16 * 8 * 4], out[16 * 8 * 4];
        int memfd = memfd_create("not-a-drm-device", MFD_CLOEXEC), r;

        /* a driver named by the environment would be tried instead of failing */
        unsetenv("LIBVA_DRIVER_NAME");
        unsetenv("LIBVA_DRIVERS_PATH");
        assert_int_ge(memfd, 0);
        /* the capture's way in: a DRM fd; a memfd is no DRM device, so no node to open */
        assert_int_eq(kms_va_new(memfd, &v), -ENODEV);
        assert_true(v == (struct kms_va *) 0x1);
        assert_true(strstr(capture_last_error(), "VA read-back: cannot open the GPU's node") != NULL);
        /* a device node libva loads and asks for its driver, and finds none (no DRM driver behind it) */
        r = kms_va_new_node("/dev/null", &v);
        fprintf(stderr, "kms_va_new_node(/dev/null): %d %s\n", r, capture_last_error());
        if (r == -ENOENT) {
                /* libva not installed: a sentence naming it */
                assert_true(strstr(capture_last_error(), "cannot load libva") != NULL);
        } else {
                assert_int_eq(r, -ENODEV);
                assert_true(strstr(capture_last_error(), "/dev/null") != NULL);
                assert_true(strstr(capture_last_error(), "no VA driver") != NULL ||
                            strstr(capture_last_error(), "libva has no display") != NULL);
        }
        assert_true(v == (struct kms_va *) 0x1);
        assert_int_eq(kms_va_new_node("/nonexistent/renderD128", &v), -ENOENT);
        assert_true(strstr(capture_last_error(), "cannot open /nonexistent/renderD128") != NULL);
        assert_null(kms_va_free(NULL));

        /* the fallback the capture takes next: EGL reads back as before */
        g = gpu_new();
        for (size_t i = 0; i < sizeof(in); i++)
                in[i] = (uint8_t) (i * 7 + 3);
        assert_int_eq(kms_gpu_import_pixels(g, 16, 8, in, 64), 0);
        assert_int_eq(kms_gpu_read(g, out), 0);
        for (size_t i = 0; i < 16 * 8; i++) {
                assert_mem_eq(in + i * 4, out + i * 4, 3);
                assert_int_eq(out[i * 4 + 3], 0xff);
        }
        kms_gpu_free(g);
        close(memfd);
}
