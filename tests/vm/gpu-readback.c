/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gpu-readback: the KMS helper's GPU read-back (encoder/kms_gpu.c) on a DRM
 * card, without the rest of the helper. Test tooling for the VM (vkms, with
 * Mesa's kms_swrast behind GBM): not part of the daemon.
 *
 *   gpu-readback [/dev/dri/card0]
 *       Fills a 320x200 dumb buffer (a gradient: each pixel different), exports
 *       it as a dma-buf, imports it through kms_gpu.c, reads it back three
 *       times and compares every pixel; then asks for an Intel Y-tiled import
 *       of the same buffer, which a driver without that layout must refuse
 *       with a sentence naming the modifier. Prints what took how long
 *       (setting EGL up and the first draw, which compiles the shaders, are
 *       the slow parts under emulation; they also warm the file and shader
 *       caches for the helper that runs next) and "GPU-READBACK ok|mismatch".
 *
 * kms_gpu.c's one outside symbol, capture_set_error(), is defined here.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <xf86drm.h>

#include "../../encoder/kms_gpu.h"

#define W 320
#define H 200
#define FOURCC_XR24 0x34325258u
#define MOD_INTEL_Y_TILED 0x0100000000000002ull

static char last_error[512];

int capture_set_error(int error, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(last_error, sizeof(last_error), fmt, ap);
        va_end(ap);
        return error;
}

static double now(void)
{
        struct timespec t;

        clock_gettime(CLOCK_MONOTONIC, &t);
        return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char *argv[])
{
        const char *device = argc > 1 ? argv[1] : "/dev/dri/card0";
        struct drm_mode_create_dumb create = { .width = W, .height = H, .bpp = 32 };
        struct drm_mode_map_dumb map = {};
        struct kms_gpu_fb fb = { .width = W, .height = H, .fourcc = FOURCC_XR24, .n_planes = 1 };
        struct kms_gpu *g = NULL;
        uint8_t *pixels, *out;
        unsigned bad = 0;
        int fd, dmabuf = -1, r;
        double t;

        fd = open(device, O_RDWR | O_CLOEXEC);
        if (fd < 0) {
                fprintf(stderr, "gpu-readback: %s: %m\n", device);
                return 1;
        }
        t = now();
        r = kms_gpu_new(fd, &g);
        if (r < 0) {
                printf("GPU-READBACK setup failed after %.2f s: %s\n", now() - t, last_error);
                return 1;
        }
        printf("GPU-READBACK setup %.2f s: %s\n", now() - t, kms_gpu_describe(g));

        if (drmIoctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &create) < 0) {
                fprintf(stderr, "gpu-readback: no dumb buffer: %m\n");
                return 1;
        }
        map.handle = create.handle;
        if (drmIoctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &map) < 0 ||
            (pixels = mmap(NULL, create.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, map.offset)) == MAP_FAILED ||
            drmPrimeHandleToFD(fd, create.handle, DRM_CLOEXEC, &dmabuf) < 0) {
                fprintf(stderr, "gpu-readback: cannot map or export the dumb buffer: %m\n");
                return 1;
        }
        for (unsigned y = 0; y < H; y++)
                for (unsigned x = 0; x < W; x++) {
                        uint8_t *p = pixels + (size_t) y * create.pitch + x * 4;

                        p[0] = (uint8_t) x;         /* B */
                        p[1] = (uint8_t) y;         /* G */
                        p[2] = (uint8_t) (x ^ y);   /* R */
                        p[3] = 0;                   /* X: the read-back makes it 0xff */
                }
        /* As the capture does: only the dma-buf (and our mapping) keeps the buffer, no GEM handle here. */
        (void) drmCloseBufferHandle(fd, create.handle);
        fb.planes[0] = (struct kms_gpu_plane) { .fd = dmabuf, .pitch = create.pitch };

        t = now();
        r = kms_gpu_import(g, &fb);
        if (r < 0) {
                printf("GPU-READBACK import failed: %s\n", last_error);
                return 1;
        }
        printf("GPU-READBACK import %.3f s\n", now() - t);
        out = malloc((size_t) W * H * 4);
        for (int i = 0; i < 3; i++) {
                t = now();
                r = kms_gpu_read(g, out);
                if (r < 0) {
                        printf("GPU-READBACK read failed: %s\n", last_error);
                        return 1;
                }
                printf("GPU-READBACK read %d: %.3f s\n", i + 1, now() - t);
        }
        for (unsigned y = 0; y < H; y++)
                for (unsigned x = 0; x < W; x++) {
                        const uint8_t *q = out + ((size_t) y * W + x) * 4;

                        if (q[0] != (uint8_t) x || q[1] != (uint8_t) y || q[2] != (uint8_t) (x ^ y) || q[3] != 0xff) {
                                if (bad++ < 5)
                                        printf("  pixel %u,%u: %02x %02x %02x %02x\n", x, y, q[0], q[1], q[2], q[3]);
                        }
                }
        printf("GPU-READBACK %u of %u pixels differ\n", bad, W * H);

        /* A layout this driver does not have: refused, with the modifier in the sentence. */
        fb.modifier = MOD_INTEL_Y_TILED;
        r = kms_gpu_import(g, &fb);
        printf("GPU-READBACK Y-tiled import: %d (%s)\n", r, r < 0 ? last_error : "accepted");
        if (r != -ENOTSUP || !strstr(last_error, "0x100000000000002"))
                bad++;
        kms_gpu_free(g);
        printf("GPU-READBACK %s\n", bad ? "mismatch" : "ok");
        return bad ? 1 : 0;
}
