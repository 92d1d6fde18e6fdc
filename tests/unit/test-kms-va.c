/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * encoder/kms_va.c against a stand-in libva (tests/lib/fake-libva.c, loaded
 * by path through the MIRACASTD_TEST_LIBVA_DIR hook of sanitized builds): the calls it makes in their order, the
 * DRM PRIME descriptor it passes, the picture it copies out of a padded
 * image (derived, or through vaGetImage), the surfaces it keeps, makes again
 * on a new size and frees, and the sentence for each refusal. What a real
 * driver does with a tiled buffer needs a GPU; test-kms-gpu checks the
 * real libva's clean failure here.
 */
#include <dlfcn.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <va/va.h>
#include <va/va_drmcommon.h>

#include "../../encoder/capture.h"
#include "../../encoder/kms_va.h"
#include "../lib/test.h"

static char fake_dir[4200];

/* The stand-in sits next to this binary; kms_va.c loads it by path (a test hook of sanitized builds). */
__attribute__((constructor)) static void use_fake_libva(void)
{
        char exe[4096];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

        if (n <= 0)
                return;
        exe[n] = '\0';
        snprintf(fake_dir, sizeof(fake_dir), "%s/fake-libva", dirname(exe));
        setenv("MIRACASTD_TEST_LIBVA_DIR", fake_dir, 1);
}

struct fake_va_stats {
        unsigned live_surfaces, live_images, live_buffers, dst_created, src_imported, conversions;
        bool initialized, config_alive, context_alive;
        VADRMPRIMESurfaceDescriptor last_desc;
};

static struct fake_va_stats stats(void)
{
        char path[4300];
        void *h;

        snprintf(path, sizeof(path), "%s/libva.so.2", fake_dir);
        h = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
        void (*get)(struct fake_va_stats *) = h ? (void (*)(struct fake_va_stats *)) dlsym(h, "fake_va_stats") : NULL;
        struct fake_va_stats s = {};

        assert_non_null(get); /* the stand-in, not the real libva */
        get(&s);
        dlclose(h);
        return s;
}

#define W 70
#define H 43
#define OFFSET 256
#define PITCH (W * 4 + 40)
#define XR24 0x34325258u

/* A linear XR24 scan-out in a memfd (the dma-buf's stand-in), at OFFSET with PITCH: B, G, R, X. */
static int scanout(void)
{
        int fd = memfd_create("scan-out", MFD_CLOEXEC);
        size_t size = OFFSET + (size_t) PITCH * H;
        uint8_t *p;

        assert_int_ge(fd, 0);
        assert_int_eq(ftruncate(fd, (off_t) size), 0);
        p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        assert_true(p != MAP_FAILED);
        for (unsigned y = 0; y < H; y++)
                for (unsigned x = 0; x < W; x++) {
                        uint8_t *px = p + OFFSET + (size_t) y * PITCH + x * 4;

                        px[0] = (uint8_t) (x * 3);
                        px[1] = (uint8_t) (y * 5);
                        px[2] = (uint8_t) (200 - x - y);
                        px[3] = 0x12;
                }
        munmap(p, size);
        return fd;
}

static void check_picture(const uint8_t *out, unsigned w, unsigned h)
{
        for (unsigned y = 0; y < h; y++)
                for (unsigned x = 0; x < w; x++) {
                        const uint8_t *px = out + ((size_t) y * w + x) * 4;

                        assert_int_eq(px[0], (uint8_t) (x * 3));
                        assert_int_eq(px[1], (uint8_t) (y * 5));
                        assert_int_eq(px[2], (uint8_t) (200 - x - y));
                        assert_int_eq(px[3], 0xff);
                }
}

/* Without the hook (a build without SANITIZE=1) kms_va.c would load the real libva. */
static void need_hook(void)
{
#ifndef MIRACAST_TEST_HOOKS
        test_skip("needs the test hooks of a sanitized build (MIRACASTD_TEST_LIBVA_DIR)");
#endif
}

static struct kms_va *va_new(void)
{
        struct kms_va *v = NULL;
        int r;

        need_hook();
        r = kms_va_new_node("/dev/null", &v);

        if (r < 0)
                fprintf(stderr, "kms_va_new_node: %s\n", capture_last_error());
        assert_int_eq(r, 0);
        assert_non_null(v);
        return v;
}

static struct kms_gpu_fb fb_of(int fd, unsigned w, unsigned h)
{
        return (struct kms_gpu_fb) {
                .width = w, .height = h, .fourcc = XR24, .modifier = 0, .n_planes = 1,
                .planes = { { .fd = fd, .offset = OFFSET, .pitch = PITCH } },
        };
}

TEST(test_read, "kms-va/imports the dma-buf as described, converts, copies rows; keeps and remakes the target")
{
        int fd = scanout();
        struct kms_va *v;
        struct kms_gpu_fb fb = fb_of(fd, W, H);
        uint8_t *out = calloc(W * H, 4);
        struct fake_va_stats s;

        unsetenv("FAKE_VA");
        v = va_new();
        assert_true(strstr(kms_va_describe(v), "VA-API 1.17 on /dev/null, fake VA driver") != NULL);
        assert_int_eq(kms_va_import(v, &fb), 0);
        s = stats();
        assert_int_eq(s.last_desc.fourcc, VA_FOURCC_BGRX);
        assert_int_eq(s.last_desc.width, W);
        assert_int_eq(s.last_desc.height, H);
        assert_int_eq(s.last_desc.num_objects, 1);
        assert_int_eq(s.last_desc.objects[0].fd, fd);
        assert_int_eq(s.last_desc.objects[0].size, OFFSET + PITCH * H);
        assert_true(s.last_desc.objects[0].drm_format_modifier == 0);
        assert_int_eq(s.last_desc.num_layers, 1);
        assert_int_eq(s.last_desc.layers[0].drm_format, XR24);
        assert_int_eq(s.last_desc.layers[0].num_planes, 1);
        assert_int_eq(s.last_desc.layers[0].object_index[0], 0);
        assert_int_eq(s.last_desc.layers[0].offset[0], OFFSET);
        assert_int_eq(s.last_desc.layers[0].pitch[0], PITCH);

        assert_int_eq(kms_va_read(v, out), 0);
        check_picture(out, W, H);
        memset(out, 0, W * H * 4);
        assert_int_eq(kms_va_read(v, out), 0);
        check_picture(out, W, H);
        s = stats();
        assert_int_eq(s.conversions, 2);
        assert_int_eq(s.dst_created, 1);
        assert_int_eq(s.live_images, 0);  /* each read's image is destroyed */
        assert_int_eq(s.live_buffers, 0); /* and its pipeline buffer */

        /* the next flip: a new source, the same target */
        assert_int_eq(kms_va_import(v, &fb), 0);
        s = stats();
        assert_int_eq(s.src_imported, 2);
        assert_int_eq(s.dst_created, 1);
        assert_int_eq(s.live_surfaces, 2);

        /* a mode set: the target is made again at the new size */
        fb = fb_of(fd, W / 2, H / 2);
        assert_int_eq(kms_va_import(v, &fb), 0);
        assert_int_eq(kms_va_read(v, out), 0);
        check_picture(out, W / 2, H / 2);
        s = stats();
        assert_int_eq(s.dst_created, 2);
        assert_int_eq(s.live_surfaces, 2);
        assert_true(s.context_alive);

        kms_va_free(v);
        s = stats();
        assert_int_eq(s.live_surfaces, 0);
        assert_int_eq(s.live_images, 0);
        assert_false(s.context_alive);
        assert_false(s.config_alive);
        assert_false(s.initialized);
        free(out);
        close(fd);
}

TEST(test_get_image, "kms-va/without vaDeriveImage the picture comes through vaGetImage, offset and pitch honoured")
{
        int fd = scanout();
        struct kms_gpu_fb fb = fb_of(fd, W, H);
        uint8_t *out = calloc(W * H, 4);
        struct kms_va *v;

        setenv("FAKE_VA", "noderive", 1);
        v = va_new();
        assert_int_eq(kms_va_import(v, &fb), 0);
        assert_int_eq(kms_va_read(v, out), 0);
        check_picture(out, W, H);
        assert_int_eq(stats().live_images, 0);
        kms_va_free(v);
        unsetenv("FAKE_VA");
        free(out);
        close(fd);
}

TEST(test_refused, "kms-va/each refusal is a sentence naming it, and the next good buffer still reads")
{
        int fd = scanout();
        struct kms_gpu_fb fb = fb_of(fd, W, H);
        uint8_t *out = calloc(W * H, 4);
        struct kms_va *v;

        unsetenv("FAKE_VA");
        v = va_new();
        assert_int_eq(kms_va_read(v, out), -EINVAL);
        assert_true(strstr(capture_last_error(), "nothing imported") != NULL);

        fb.modifier = 0x0100000000000002ull; /* Intel Y-tiled: this driver takes LINEAR only */
        assert_int_eq(kms_va_import(v, &fb), -ENOTSUP);
        assert_true(strstr(capture_last_error(), "refused XR24 70x43 modifier 0x100000000000002 (1 plane)") != NULL);
        assert_int_eq(kms_va_read(v, out), -EINVAL); /* the refused buffer is not half-imported */

        fb = fb_of(fd, W, H);
        fb.fourcc = 0x34324241u; /* AB24 = VA RGBA, which this driver does not list */
        assert_int_eq(kms_va_import(v, &fb), -ENOTSUP);
        assert_true(strstr(capture_last_error(), "does not take AB24") != NULL);
        fb.fourcc = 0x48345258u; /* XR4H: VA has no 16-bit float RGB */
        assert_int_eq(kms_va_import(v, &fb), -ENOTSUP);
        assert_true(strstr(capture_last_error(), "no surface format for XR4H") != NULL);
        fb = fb_of(fd, W, H);
        fb.n_planes = 0;
        assert_int_eq(kms_va_import(v, &fb), -EINVAL);

        fb = fb_of(fd, W, H);
        assert_int_eq(kms_va_import(v, &fb), 0);
        setenv("FAKE_VA", "nomap", 1);
        assert_int_eq(kms_va_read(v, out), -EIO);
        assert_true(strstr(capture_last_error(), "vaMapBuffer failed") != NULL);
        assert_int_eq(stats().live_images, 0);
        unsetenv("FAKE_VA");
        assert_int_eq(kms_va_read(v, out), 0);
        check_picture(out, W, H);
        kms_va_free(v);
        assert_int_eq(stats().live_surfaces, 0);
        free(out);
        close(fd);
}

TEST(test_no_driver, "kms-va/no VA driver, or one without video processing, fails with that sentence")
{
        struct kms_va *v = NULL;

        need_hook();
        setenv("FAKE_VA", "noinit", 1);
        assert_int_eq(kms_va_new_node("/dev/null", &v), -ENODEV);
        assert_null(v);
        assert_true(strstr(capture_last_error(), "no VA driver for /dev/null (vaInitialize: unknown libva error)") !=
                    NULL);
        setenv("FAKE_VA", "novpp", 1);
        assert_int_eq(kms_va_new_node("/dev/null", &v), -ENOTSUP);
        assert_null(v);
        assert_true(strstr(capture_last_error(), "has no video processing (VAProfileNone/VAEntrypointVideoProc)") !=
                    NULL);
        assert_false(stats().initialized); /* terminated on the way out */
        unsetenv("FAKE_VA");
}
