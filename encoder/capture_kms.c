/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kms capture backend: read the scan-out framebuffer of one DRM/KMS
 * output, the way the compositor's own buffers are shown.
 *
 *   open    pick the card (given, or the first with an active CRTC) and the
 *           output (connector name like HDMI-A-1, or the first connected and
 *           active one), its CRTC, primary and cursor planes (universal
 *           planes), and read one frame so permission and format problems
 *           show up at once.
 *   update  primary plane's fb id; on a page flip (new id): drmModeGetFB2
 *           (fallback drmModeGetFB) -> drmPrimeHandleToFD -> close the GEM
 *           handles -> mmap the dma-buf. CPU path: compare the mapped
 *           picture with our shadow copy tile by tile, inside
 *           DMA_BUF_IOCTL_SYNC, copying and marking only what changed.
 *           Cursor plane: position and image, marked when they change.
 *   fill    CPU: copy stale tiles from the shadow into the pool buffer and
 *           blend the cursor on top; GPU: hand out a dup of the dma-buf.
 *
 * Reading another client's framebuffer needs CAP_SYS_ADMIN (or DRM master):
 * without it the kernel returns the FB with no buffer handle.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <linux/dma-buf.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "../protocol/kms_readback.h"
#include "../protocol/macro.h"
#include "capture_backend.h"
#include "capture_spec.h"
#include "kms_gpu.h"
#include "kms_va.h"

/* Cards looked at when none is named: /dev/dri/card0 .. card15. */
#define KMS_MAX_CARDS 16
/* Outputs listed across all cards, at most. */
#define KMS_MAX_OUTPUTS 64

struct kms_fb {
        uint32_t fb_id;
        int dmabuf_fd;
        uint8_t *map; /* NULL when not mapped (dma-buf only, or read back on the GPU) */
        bool gpu;     /* imported on the GPU: kms_va_read() (va) or kms_gpu_read() gives the linear picture */
        bool va;      /* imported on k->va rather than k->gpu */
        size_t map_size;
        unsigned width, height, pitch, offset;
        uint32_t fourcc;
        uint64_t modifier;
};

struct kms {
        int fd;
        char path[64];
        char connector[32];
        uint32_t connector_id, crtc_id, primary_id, cursor_id;
        uint32_t prop_crtc_x, prop_crtc_y; /* cursor plane property ids */
        bool want_cpu, want_dmabuf, with_cursor;

        struct kms_fb fb;  /* the primary plane's current framebuffer */
        uint8_t *shadow;   /* CPU view: last picture, width * 4 bytes per row; NULL without a CPU view */
        bool shadow_fresh; /* shadow holds nothing yet */

        /* GPU read-back (fb.gpu) of what the CPU cannot read: a tiled/compressed scan-out */
        enum kms_readback_mode readback_mode;
        struct kms_gpu *gpu; /* owned; set up on the first such framebuffer, kept */
        struct kms_va *va;   /* owned; tried before gpu (unless mode EGL), kept */
        bool va_unavailable; /* VA failed to start or to read: EGL from now on (va_why says why) */
        char va_why[200];
        bool va_refused; /* VA refused this layout: its next buffers (every flip) go to EGL directly */
        uint32_t va_refused_fourcc;
        uint64_t va_refused_modifier;
        uint8_t *readback;   /* owned: the picture kms_gpu_read() gives, width * 4 bytes per row */
        size_t readback_size;
        unsigned gpu_setup_msec, va_setup_msec;
        bool gpu_noticed;
        uint32_t gpu_noticed_fourcc;
        uint64_t gpu_noticed_modifier;
        char gpu_notice[256]; /* for c->notice at the next update */

        /* cursor */
        uint32_t cursor_fb_id;
        uint32_t *cursor;  /* premultiplied ARGB, cursor_w * cursor_h */
        int cursor_w, cursor_h, cursor_x, cursor_y;
        bool cursor_visible;

        /* overlay planes on our CRTC: what the picture misses (reported, not composited) */
        char overlays[192];
        unsigned overlay_countdown;
};

/* Look at the overlay planes this often (in pictures): a video player may start one any time. */
#define KMS_OVERLAY_CHECK_EVERY 30

static void kms_fb_clear(struct kms_fb *fb)
{
        if (fb->map)
                munmap(fb->map, fb->map_size);
        if (fb->dmabuf_fd >= 0)
                close(fb->dmabuf_fd);
        *fb = (struct kms_fb) { .dmabuf_fd = -1 };
}

static void kms_free(struct kms *k)
{
        if (!k)
                return;
        kms_fb_clear(&k->fb);
        kms_gpu_free(k->gpu);
        kms_va_free(k->va);
        free(k->readback);
        free(k->shadow);
        free(k->cursor);
        if (k->fd >= 0)
                close(k->fd);
        free(k);
}

static void dma_buf_sync(int fd, uint64_t flags)
{
        struct dma_buf_sync s = { .flags = flags };

        /* Best effort: a driver without the ioctl has coherent mappings. */
        while (ioctl(fd, DMA_BUF_IOCTL_SYNC, &s) < 0 && (errno == EINTR || errno == EAGAIN))
                ;
}

static uint32_t plane_prop_id(int fd, uint32_t plane_id, const char *name, uint64_t *ret_value)
{
        drmModeObjectPropertiesPtr props = drmModeObjectGetProperties(fd, plane_id, DRM_MODE_OBJECT_PLANE);
        uint32_t id = 0;

        for (uint32_t i = 0; props && i < props->count_props && !id; i++) {
                drmModePropertyPtr p = drmModeGetProperty(fd, props->props[i]);

                if (p && strcmp(p->name, name) == 0) {
                        id = p->prop_id;
                        if (ret_value)
                                *ret_value = props->prop_values[i];
                }
                drmModeFreeProperty(p);
        }
        drmModeFreeObjectProperties(props);
        return id;
}

static int plane_prop_value(int fd, uint32_t plane_id, uint32_t prop_id, int64_t *ret)
{
        drmModeObjectPropertiesPtr props = drmModeObjectGetProperties(fd, plane_id, DRM_MODE_OBJECT_PLANE);
        int r = -ENOENT;

        for (uint32_t i = 0; props && i < props->count_props; i++)
                if (props->props[i] == prop_id) {
                        *ret = (int64_t) props->prop_values[i];
                        r = 0;
                        break;
                }
        drmModeFreeObjectProperties(props);
        return r;
}

/* "HDMI-A-1": the name capture specs and Manager1.CaptureOutputs use (capture_spec.c). */
static void connector_name(const drmModeConnector *conn, char *buf, size_t size)
{
        capture_connector_name(drmModeGetConnectorTypeName(conn->connector_type), conn->connector_type_id, buf, size);
}

/* The CRTC driving a connector, 0 when the output is off. */
static uint32_t connector_crtc(int fd, const drmModeConnector *conn)
{
        drmModeEncoderPtr enc;
        drmModeCrtcPtr crtc;
        uint32_t id = 0;

        if (conn->connection != DRM_MODE_CONNECTED || !conn->encoder_id)
                return 0;
        enc = drmModeGetEncoder(fd, conn->encoder_id);
        if (!enc)
                return 0;
        crtc = enc->crtc_id ? drmModeGetCrtc(fd, enc->crtc_id) : NULL;
        if (crtc && crtc->mode_valid)
                id = crtc->crtc_id;
        drmModeFreeCrtc(crtc);
        drmModeFreeEncoder(enc);
        return id;
}

/* Find the output on an open card. want: connector name or NULL. */
static int kms_find_output(struct kms *k, const char *want)
{
        drmModeResPtr res = drmModeGetResources(k->fd);
        char names[256] = "";
        int r = -ENODEV;

        if (!res)
                return capture_set_error(-ENODEV, "kms: %s is not a KMS device: %m", k->path);

        for (int i = 0; i < res->count_connectors; i++) {
                drmModeConnectorPtr conn = drmModeGetConnector(k->fd, res->connectors[i]);
                char name[32];
                uint32_t crtc;

                if (!conn)
                        continue;
                connector_name(conn, name, sizeof(name));
                snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s%s", names[0] ? ", " : "",
                         name, conn->connection == DRM_MODE_CONNECTED ? "" : " (disconnected)");
                if (r == 0 || (want && strcmp(want, name) != 0)) {
                        drmModeFreeConnector(conn);
                        continue;
                }
                crtc = connector_crtc(k->fd, conn);
                if (crtc) {
                        k->connector_id = conn->connector_id;
                        k->crtc_id = crtc;
                        snprintf(k->connector, sizeof(k->connector), "%s", name);
                        r = 0;
                } else if (want)
                        r = capture_set_error(-ENODEV, "kms: output %s on %s is %s", name, k->path,
                                              conn->connection == DRM_MODE_CONNECTED ? "not active (no CRTC/mode)"
                                                                                     : "disconnected");
                drmModeFreeConnector(conn);
        }
        drmModeFreeResources(res);
        if (r == -ENODEV && !capture_last_error()[0])
                capture_set_error(-ENODEV, "kms: %s%s%s on %s (outputs: %s)", want ? "no output named " : "",
                                  want ? want : "no connected, active output", "", k->path,
                                  names[0] ? names : "none");
        return r;
}

/* Primary and cursor planes currently on our CRTC. */
static int kms_find_planes(struct kms *k)
{
        drmModePlaneResPtr pr = drmModeGetPlaneResources(k->fd);

        if (!pr)
                return capture_set_error(-ENODEV, "kms: %s: cannot list planes: %m", k->path);
        for (uint32_t i = 0; i < pr->count_planes; i++) {
                drmModePlanePtr p = drmModeGetPlane(k->fd, pr->planes[i]);
                uint64_t type = 0;

                if (!p)
                        continue;
                if (p->crtc_id == k->crtc_id && plane_prop_id(k->fd, p->plane_id, "type", &type)) {
                        if (type == DRM_PLANE_TYPE_PRIMARY && !k->primary_id)
                                k->primary_id = p->plane_id;
                        else if (type == DRM_PLANE_TYPE_CURSOR && !k->cursor_id)
                                k->cursor_id = p->plane_id;
                }
                drmModeFreePlane(p);
        }
        drmModeFreePlaneResources(pr);
        if (k->cursor_id) {
                k->prop_crtc_x = plane_prop_id(k->fd, k->cursor_id, "CRTC_X", NULL);
                k->prop_crtc_y = plane_prop_id(k->fd, k->cursor_id, "CRTC_Y", NULL);
        }
        /* Without a primary plane on the CRTC we fall back to the CRTC's legacy buffer id. */
        return 0;
}

/* The framebuffer id the output shows now (0: none, output blank). */
static uint32_t kms_current_fb(struct kms *k)
{
        uint32_t id = 0;

        if (k->primary_id) {
                drmModePlanePtr p = drmModeGetPlane(k->fd, k->primary_id);

                if (p && p->crtc_id == k->crtc_id)
                        id = p->fb_id;
                drmModeFreePlane(p);
        } else {
                drmModeCrtcPtr crtc = drmModeGetCrtc(k->fd, k->crtc_id);

                if (crtc)
                        id = crtc->buffer_id;
                drmModeFreeCrtc(crtc);
        }
        return id;
}

static void close_handles(int fd, const uint32_t handles[4])
{
        for (int i = 0; i < 4; i++) {
                bool dup = false;

                if (!handles[i])
                        continue;
                for (int j = 0; j < i; j++)
                        dup = dup || handles[j] == handles[i];
                if (!dup)
                        (void) drmCloseBufferHandle(fd, handles[i]);
        }
}

/* "XR24 modifier 0x100000000000006 (INTEL Y_TILED_GEN12_RC_CCS)": a layout as libdrm knows it, for the log. */
static void describe_layout(uint32_t fourcc, uint64_t mod, char *buf, size_t size)
{
        char *vendor = drmGetFormatModifierVendor(mod), *name = drmGetFormatModifierName(mod);
        char f[5] = { fourcc, fourcc >> 8, fourcc >> 16, fourcc >> 24, 0 };

        for (int i = 0; i < 4; i++)
                if (f[i] < ' ' || f[i] > '~')
                        f[i] = '?';
        snprintf(buf, size, "%s modifier 0x%llx (%s %s)", f, (unsigned long long) mod, vendor ?: "unknown vendor",
                 name ?: "unknown layout");
        free(vendor);
        free(name);
}

/* VA-API is out for this capture: later framebuffers go to EGL; why is kept for the notice. */
static void kms_va_give_up(struct kms *k, const char *why)
{
        k->va = kms_va_free(k->va);
        k->va_unavailable = true;
        k->gpu_noticed = false; /* the next framebuffer's notice names the new path */
        snprintf(k->va_why, sizeof(k->va_why), "%s", why);
}

/* va_why without the "kms: VA read-back: " every such sentence starts with (the notice is short). */
static const char *va_why_short(const struct kms *k)
{
        static const char prefix[] = "kms: VA read-back: ";

        return strncmp(k->va_why, prefix, strlen(prefix)) == 0 ? k->va_why + strlen(prefix) : k->va_why;
}

/*
 * Try VA-API (set up on first use) for gfb: 0 and fb->va, or -errno with k->va_why saying why
 * (once VA cannot start it is not tried again in this capture; a layout it refused is not tried again
 * either, as every flip brings another buffer of it).
 */
static int kms_import_va(struct kms *k, struct kms_fb *fb, const struct kms_gpu_fb *gfb)
{
        int r;

        if (k->va_unavailable)
                return -ENODEV;
        if (k->va_refused && k->va_refused_fourcc == gfb->fourcc && k->va_refused_modifier == gfb->modifier)
                return -ENOTSUP;
        if (!k->va) {
                uint64_t t0 = capture_now_usec();

                r = kms_va_new(k->fd, &k->va);
                k->va_setup_msec = (unsigned) ((capture_now_usec() - t0) / 1000);
                if (r < 0) {
                        kms_va_give_up(k, capture_last_error());
                        return r;
                }
        }
        r = kms_va_import(k->va, gfb);
        if (r < 0) {
                snprintf(k->va_why, sizeof(k->va_why), "%s", capture_last_error());
                k->va_refused = true;
                k->va_refused_fourcc = gfb->fourcc;
                k->va_refused_modifier = gfb->modifier;
                return r;
        }
        fb->va = true;
        return 0;
}

/*
 * GPU path: export every plane of the framebuffer (an aux plane of a compressed
 * layout may share the main plane's buffer) and import them on the GPU, set up
 * on first use. plane 0's dma-buf is fb->dmabuf_fd; the others are closed here.
 */
static int kms_import_gpu(struct kms *k, struct kms_fb *fb, const struct kms_readback_fb *desc,
                          const struct kms_readback_plan *plan)
{
        struct kms_gpu_fb gfb = {
                .width = fb->width, .height = fb->height, .fourcc = fb->fourcc, .modifier = plan->modifier,
                .n_planes = plan->n_planes,
        };
        int fds[KMS_READBACK_PLANES_MAX] = { fb->dmabuf_fd, -1, -1, -1 };
        char layout[160], why[256];
        int r = 0;

        describe_layout(fb->fourcc, plan->modifier, layout, sizeof(layout));
        for (unsigned i = 1; i < plan->n_planes && r >= 0; i++) {
                if (desc->handles[i] == desc->handles[0])
                        continue;
                if (drmPrimeHandleToFD(k->fd, desc->handles[i], DRM_CLOEXEC, &fds[i]) < 0)
                        r = capture_set_error(-errno ?: -EIO, "kms: cannot export plane %u of %s as dma-buf: %m", i,
                                              layout);
        }
        for (unsigned i = 0; i < plan->n_planes; i++)
                gfb.planes[i] = (struct kms_gpu_plane) {
                        .fd = fds[i] >= 0 ? fds[i] : fds[0], .offset = desc->offsets[i], .pitch = desc->pitches[i],
                };
        fb->va = false;
        if (r >= 0 && k->readback_mode != KMS_READBACK_EGL) {
                r = kms_import_va(k, fb, &gfb);
                if (r < 0 && k->readback_mode == KMS_READBACK_VA)
                        r = capture_set_error(r, "kms: scan-out %s: MIRACASTD_KMS_GPU_READBACK=va, but %s", layout,
                                              k->va_why);
                else
                        r = 0; /* EGL reads it (the notice says why not VA) */
        }
        if (r >= 0 && !fb->va && !k->gpu) {
                uint64_t t0 = capture_now_usec();

                r = kms_gpu_new(k->fd, &k->gpu);
                k->gpu_setup_msec = (unsigned) ((capture_now_usec() - t0) / 1000);
                if (r < 0) {
                        snprintf(why, sizeof(why), "%s", capture_last_error());
                        /* Both paths failed: the sentence names both reasons, EGL's first. */
                        r = capture_set_error(r,
                                              "kms: scan-out %.70s needs the GPU read-back, which cannot start: "
                                              "%.100s%s%.70s",
                                              layout, why, k->va_why[0] ? "; VA-API: " : "", va_why_short(k));
                }
        }
        if (r >= 0 && !fb->va)
                r = kms_gpu_import(k->gpu, &gfb);
        for (unsigned i = 1; i < KMS_READBACK_PLANES_MAX; i++)
                if (fds[i] >= 0)
                        close(fds[i]);
        if (r < 0)
                return r;
        fb->gpu = true;
        /* Once per layout: which framebuffers take this path, on which GPU. */
        if (!k->gpu_noticed || k->gpu_noticed_fourcc != fb->fourcc || k->gpu_noticed_modifier != plan->modifier) {
                k->gpu_noticed = true;
                k->gpu_noticed_fourcc = fb->fourcc;
                k->gpu_noticed_modifier = plan->modifier;
                if (fb->va)
                        snprintf(k->gpu_notice, sizeof(k->gpu_notice),
                                 "kms: scan-out %.80s%s read back on the GPU through VA-API: %.90s (set up in %u ms)",
                                 layout, plan->tiled ? "" : ", forced", kms_va_describe(k->va), k->va_setup_msec);
                else
                        snprintf(k->gpu_notice, sizeof(k->gpu_notice),
                                 "kms: scan-out %.50s%s read back on the GPU through EGL: %.50s "
                                 "(set up in %u ms)%s%.60s",
                                 layout, plan->tiled ? "" : ", forced", kms_gpu_describe(k->gpu), k->gpu_setup_msec,
                                 k->va_why[0] ? "; not VA-API: " : "", va_why_short(k));
        }
        return 0;
}

/*
 * Import framebuffer fb_id: metadata, a dma-buf fd, and (map) the CPU view: a
 * read-only mapping of a linear buffer, or the buffer imported on the GPU for
 * kms_gpu_read() (gpu_ok; protocol/kms_readback.h decides which). With
 * map_optional the dma-buf alone is enough when the CPU cannot read it (the
 * vaapi encoder takes it in-process). GEM handles are closed before returning:
 * only the dma-buf keeps the buffer.
 */
static int kms_import_fb(struct kms *k, uint32_t fb_id, bool map, bool map_optional, bool gpu_ok, struct kms_fb *ret)
{
        struct kms_fb fb = { .fb_id = fb_id, .dmabuf_fd = -1 };
        struct kms_readback_fb desc = {};
        struct kms_readback_plan plan;
        enum kms_readback_mode mode;
        drmModeFB2Ptr fb2;
        int r;

        fb2 = drmModeGetFB2(k->fd, fb_id);
        if (fb2) {
                desc = (struct kms_readback_fb) {
                        .width = fb2->width, .height = fb2->height, .fourcc = fb2->pixel_format,
                        .has_modifier = fb2->flags & DRM_MODE_FB_MODIFIERS, .modifier = fb2->modifier,
                };
                memcpy(desc.handles, fb2->handles, sizeof(desc.handles));
                memcpy(desc.pitches, fb2->pitches, sizeof(desc.pitches));
                memcpy(desc.offsets, fb2->offsets, sizeof(desc.offsets));
                fb.width = fb2->width;
                fb.height = fb2->height;
                fb.pitch = fb2->pitches[0];
                fb.offset = fb2->offsets[0];
                fb.fourcc = fb2->pixel_format;
                fb.modifier = (fb2->flags & DRM_MODE_FB_MODIFIERS) ? fb2->modifier : DRM_FORMAT_MOD_LINEAR;
                drmModeFreeFB2(fb2);
        } else {
                /* Kernels before 5.7: legacy GetFB, depth/bpp only, always linear here. */
                drmModeFBPtr legacy = drmModeGetFB(k->fd, fb_id);

                if (!legacy)
                        return capture_set_error(-errno ?: -EIO, "kms: cannot get framebuffer %u: %m", fb_id);
                desc.handles[0] = legacy->handle;
                desc.pitches[0] = legacy->pitch;
                fb.width = desc.width = legacy->width;
                fb.height = desc.height = legacy->height;
                fb.pitch = legacy->pitch;
                fb.fourcc = legacy->depth == 32 ? DRM_FORMAT_ARGB8888 : DRM_FORMAT_XRGB8888;
                fb.modifier = DRM_FORMAT_MOD_LINEAR;
                if (legacy->bpp != 32)
                        fb.fourcc = 0;
                desc.fourcc = fb.fourcc;
                drmModeFreeFB(legacy);
        }

        if (!desc.handles[0]) {
                close_handles(k->fd, desc.handles);
                return capture_set_error(-EACCES,
                                         "kms: reading the screen needs CAP_SYS_ADMIN (or DRM master): %s returned "
                                         "framebuffer %u without a buffer handle",
                                         k->path, fb_id);
        }
        r = drmPrimeHandleToFD(k->fd, desc.handles[0], DRM_CLOEXEC | DRM_RDWR, &fb.dmabuf_fd);
        if (r < 0)
                r = drmPrimeHandleToFD(k->fd, desc.handles[0], DRM_CLOEXEC, &fb.dmabuf_fd);
        if (r < 0) {
                close_handles(k->fd, desc.handles);
                return capture_set_error(-errno ?: -EIO, "kms: cannot export framebuffer %u as dma-buf: %m", fb_id);
        }
        if (!map) {
                close_handles(k->fd, desc.handles);
                *ret = fb;
                return 0;
        }

        /* With the dma-buf view wanted too, a buffer the CPU cannot read just has no CPU view: the GPU
         * encoder reads it, no read-back needed. */
        mode = map_optional || !gpu_ok ? KMS_READBACK_OFF : k->readback_mode;
        r = kms_readback_plan(&desc, mode, &plan);
        if (r >= 0 && plan.path == KMS_READBACK_PATH_GPU)
                r = kms_import_gpu(k, &fb, &desc, &plan);
        close_handles(k->fd, desc.handles);
        if (r == -ENOTSUP && map_optional) {
                *ret = fb;
                return 0;
        }
        if (r == -EINVAL)
                r = capture_set_error(-EBADMSG, "kms: framebuffer %u has a plane table we cannot read", fb_id);
        else if (r == -ENOTSUP && !kms_readback_gpu_format(fb.fourcc)) {
                char f[5] = { fb.fourcc, fb.fourcc >> 8, fb.fourcc >> 16, fb.fourcc >> 24, 0 };

                r = capture_set_error(-ENOTSUP,
                                      "kms: scan-out format %s is not RGB; the CPU path reads XRGB8888/ARGB8888/"
                                      "XBGR8888/ABGR8888, the GPU read-back 10-bit, 16-bit float and RGB565 too "
                                      "(use the vaapi encoder)",
                                      f[0] ? f : "?");
        } else if (r == -ENOTSUP && mode == KMS_READBACK_OFF) {
                char layout[160];

                /* Named as libdrm knows it (e.g. INTEL / Y_TILED_CCS, AMD / GFX9,64KB_S_X,DCC). */
                describe_layout(fb.fourcc, fb.modifier, layout, sizeof(layout));
                r = capture_set_error(-ENOTSUP,
                                      "kms: scan-out %s is tiled, compressed or not 32-bit; the CPU path reads linear "
                                      "32-bit RGB only and the GPU read-back is off",
                                      layout);
        }
        if (r < 0) {
                kms_fb_clear(&fb);
                return r;
        }
        if (plan.path == KMS_READBACK_PATH_CPU) {
                fb.map_size = (size_t) fb.pitch * fb.height + fb.offset;
                fb.map = mmap(NULL, fb.map_size, PROT_READ, MAP_SHARED, fb.dmabuf_fd, 0);
                if (fb.map == MAP_FAILED && map_optional)
                        fb.map = NULL;
                else if (fb.map == MAP_FAILED) {
                        fb.map = NULL;
                        r = -errno;
                        kms_fb_clear(&fb);
                        return capture_set_error(r, "kms: cannot map framebuffer %u: %s", fb_id, strerror(-r));
                }
        }
        *ret = fb;
        return 0;
}

/*
 * Overlay planes showing something on our CRTC (a video player's or a game's buffer the
 * compositor put on the hardware directly): the scan-out we read lacks it. Composited they
 * are not (that needs the GPU path); named in the log, once per change, through c->notice.
 */
static void kms_check_overlays(struct capture *c)
{
        struct kms *k = c->priv;
        drmModePlaneResPtr pr = drmModeGetPlaneResources(k->fd);
        char now[sizeof(k->overlays)] = "";

        for (uint32_t i = 0; pr && i < pr->count_planes; i++) {
                drmModePlanePtr p = drmModeGetPlane(k->fd, pr->planes[i]);
                uint64_t type = 0;

                if (p && p->crtc_id == k->crtc_id && p->fb_id &&
                    plane_prop_id(k->fd, p->plane_id, "type", &type) && type == DRM_PLANE_TYPE_OVERLAY) {
                        drmModeFB2Ptr fb = drmModeGetFB2(k->fd, p->fb_id);
                        char f[5] = "?";

                        if (fb) {
                                uint32_t cc = fb->pixel_format;

                                snprintf(f, sizeof(f), "%c%c%c%c", cc & 0xff, cc >> 8 & 0xff, cc >> 16 & 0xff,
                                         cc >> 24 & 0xff);
                                close_handles(k->fd, fb->handles);
                                snprintf(now + strlen(now), sizeof(now) - strlen(now), "%splane %u (%s %ux%u)",
                                         now[0] ? ", " : "", p->plane_id, f, fb->width, fb->height);
                                drmModeFreeFB2(fb);
                        } else
                                snprintf(now + strlen(now), sizeof(now) - strlen(now), "%splane %u",
                                         now[0] ? ", " : "", p->plane_id);
                }
                drmModeFreePlane(p);
        }
        drmModeFreePlaneResources(pr);
        if (strcmp(now, k->overlays) == 0)
                return;
        if (now[0])
                snprintf(c->notice, sizeof(c->notice),
                         "kms: overlay %s on %s not captured: what it shows (a video, a game) is missing from the "
                         "picture", now, k->connector);
        else
                snprintf(c->notice, sizeof(c->notice), "kms: no overlay plane in use on %s any more", k->connector);
        snprintf(k->overlays, sizeof(k->overlays), "%s", now);
}

/* Follow page flips: import the new framebuffer when the plane shows another one. */
static int kms_follow_flip(struct capture *c, uint64_t seq)
{
        struct kms *k = c->priv;
        struct kms_fb fb = { .dmabuf_fd = -1 };
        uint32_t id = kms_current_fb(k), fourcc;
        uint64_t modifier;
        bool cpu_view;
        int r;

        if (id == 0 || id == k->fb.fb_id)
                return 0; /* blank output keeps the last picture */

        r = kms_import_fb(k, id, k->want_cpu, k->want_dmabuf, true, &fb);
        if (r < 0)
                return r;
        kms_fb_clear(&k->fb);
        k->fb = fb;

        /* What the GPU reads back is linear XRGB8888 whatever the scan-out's layout. */
        fourcc = fb.gpu ? DRM_FORMAT_XRGB8888 : fb.fourcc;
        modifier = fb.gpu ? DRM_FORMAT_MOD_LINEAR : fb.modifier;
        cpu_view = fb.map || fb.gpu;
        if (fb.gpu && k->readback_size != (size_t) fb.width * 4 * fb.height) {
                free(k->readback);
                k->readback_size = (size_t) fb.width * 4 * fb.height;
                k->readback = malloc(k->readback_size);
                if (!k->readback) {
                        k->readback_size = 0;
                        return -ENOMEM;
                }
        }
        if (fb.width != c->width || fb.height != c->height || fourcc != c->fourcc || modifier != c->modifier ||
            cpu_view != !!k->shadow) {
                uint8_t *shadow = NULL;

                /* The CPU view compares against (and copies from) a shadow of the last picture. */
                if (cpu_view) {
                        shadow = calloc((size_t) fb.width * 4, fb.height);
                        if (!shadow)
                                return -ENOMEM;
                }
                r = capture_set_format(c, fb.width, fb.height, fb.width * 4, fourcc, modifier);
                if (r < 0) {
                        free(shadow);
                        return r;
                }
                free(k->shadow);
                k->shadow = shadow;
                /* A fresh shadow must be fully copied: compare against nothing. */
                k->shadow_fresh = shadow != NULL;
                capture_mark_all(c, seq);
        }
        return 0;
}

/* Compare the mapped picture with the shadow tile by tile; copy and mark what differs. */
static void kms_diff_into_shadow(struct capture *c, uint64_t seq, bool copy_all)
{
        struct kms *k = c->priv;
        const uint8_t *src = k->fb.gpu ? k->readback : k->fb.map + k->fb.offset;
        size_t row_bytes = (size_t) c->width * 4, pitch = k->fb.gpu ? row_bytes : k->fb.pitch;

        if (k->fb.map)
                dma_buf_sync(k->fb.dmabuf_fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
        for (unsigned ty = 0; ty < c->tiles_y; ty++) {
                unsigned y0 = ty * CAPTURE_TILE_SIZE, y1 = MIN(y0 + CAPTURE_TILE_SIZE, c->height);

                for (unsigned tx = 0; tx < c->tiles_x; tx++) {
                        size_t x0 = (size_t) tx * CAPTURE_TILE_SIZE * 4;
                        size_t len = MIN((size_t) CAPTURE_TILE_SIZE * 4, row_bytes - x0);
                        bool differs = copy_all || c->tile_seq[(size_t) ty * c->tiles_x + tx] == seq;

                        for (unsigned y = y0; y < y1 && !differs; y++)
                                differs = memcmp(src + (size_t) y * pitch + x0,
                                                 k->shadow + y * row_bytes + x0, len) != 0;
                        if (!differs)
                                continue;
                        for (unsigned y = y0; y < y1; y++)
                                memcpy(k->shadow + y * row_bytes + x0, src + (size_t) y * pitch + x0, len);
                        capture_mark_rect(c, tx * CAPTURE_TILE_SIZE, y0, CAPTURE_TILE_SIZE, y1 - y0, seq);
                }
        }
        if (k->fb.map)
                dma_buf_sync(k->fb.dmabuf_fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
}

/* Read the cursor image of framebuffer fb_id (ARGB8888, linear) into k->cursor. */
static int kms_load_cursor(struct kms *k, uint32_t fb_id)
{
        struct kms_fb fb;
        uint32_t *img;
        int r;

        /* Cursor planes are linear ARGB on the GPUs we know; one that is not is left out. */
        r = kms_import_fb(k, fb_id, true, false, false, &fb);
        if (r < 0)
                return r;
        if (fb.width > 512 || fb.height > 512) {
                kms_fb_clear(&fb);
                return -E2BIG;
        }
        img = malloc((size_t) fb.width * fb.height * 4);
        if (!img) {
                kms_fb_clear(&fb);
                return -ENOMEM;
        }
        dma_buf_sync(fb.dmabuf_fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
        for (unsigned y = 0; y < fb.height; y++) {
                const uint32_t *row = (const uint32_t *) (fb.map + fb.offset + (size_t) y * fb.pitch);

                for (unsigned x = 0; x < fb.width; x++) {
                        uint32_t p = row[x];

                        if (fb.fourcc == DRM_FORMAT_XRGB8888)
                                p |= 0xff000000u;
                        else if (fb.fourcc == DRM_FORMAT_ABGR8888 || fb.fourcc == DRM_FORMAT_XBGR8888)
                                p = (p & 0xff00ff00u) | (p & 0xff) << 16 | (p >> 16 & 0xff) |
                                    (fb.fourcc == DRM_FORMAT_XBGR8888 ? 0xff000000u : 0);
                        img[(size_t) y * fb.width + x] = p;
                }
        }
        dma_buf_sync(fb.dmabuf_fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
        free(k->cursor);
        k->cursor = img;
        k->cursor_w = fb.width;
        k->cursor_h = fb.height;
        k->cursor_fb_id = fb_id;
        kms_fb_clear(&fb);
        return 0;
}

/* Cursor plane: mark old and new rectangles when it moved, changed image, or appeared/vanished. */
static void kms_update_cursor(struct capture *c, uint64_t seq)
{
        struct kms *k = c->priv;
        drmModePlanePtr p;
        bool visible = false;
        int64_t x = 0, y = 0;
        uint32_t fb_id = 0;

        if (!k->cursor_id || !k->with_cursor)
                return;
        p = drmModeGetPlane(k->fd, k->cursor_id);
        if (p && p->crtc_id == k->crtc_id && p->fb_id) {
                fb_id = p->fb_id;
                visible = plane_prop_value(k->fd, k->cursor_id, k->prop_crtc_x, &x) >= 0 &&
                          plane_prop_value(k->fd, k->cursor_id, k->prop_crtc_y, &y) >= 0;
        }
        drmModeFreePlane(p);

        if (visible && fb_id != k->cursor_fb_id && kms_load_cursor(k, fb_id) < 0)
                visible = false; /* unreadable cursor: show the screen without it */

        if (visible == k->cursor_visible && (!visible || (x == k->cursor_x && y == k->cursor_y &&
                                                          fb_id == k->cursor_fb_id)))
                return;
        if (k->cursor_visible)
                capture_mark_rect(c, k->cursor_x, k->cursor_y, k->cursor_w, k->cursor_h, seq);
        k->cursor_visible = visible;
        k->cursor_x = (int) x;
        k->cursor_y = (int) y;
        if (visible)
                capture_mark_rect(c, k->cursor_x, k->cursor_y, k->cursor_w, k->cursor_h, seq);
}

static int kms_update(struct capture *c, uint64_t seq)
{
        struct kms *k = c->priv;
        int r;

        r = kms_follow_flip(c, seq);
        if (r < 0)
                return r;
        if (!k->fb.fb_id)
                return capture_set_error(-ENODEV, "kms: output %s shows no framebuffer", k->connector);

        if (!k->fb.map && !k->fb.gpu) {
                /* dma-buf only (the vaapi encoder reads it): no cheap way to compare; every picture is new. */
                capture_mark_all(c, seq);
                return 0;
        }
        if (k->fb.gpu && k->fb.va) {
                r = kms_va_read(k->va, k->readback);
                if (r < 0 && k->readback_mode != KMS_READBACK_VA) {
                        /* The driver imported but cannot convert: import this framebuffer again, on EGL. */
                        kms_va_give_up(k, capture_last_error());
                        kms_fb_clear(&k->fb);
                        r = kms_follow_flip(c, seq);
                        if (r < 0)
                                return r;
                        if (!k->fb.fb_id)
                                return capture_set_error(-ENODEV, "kms: output %s shows no framebuffer", k->connector);
                }
                if (r < 0)
                        return r;
        }
        if (k->fb.gpu && !k->fb.va) {
                r = kms_gpu_read(k->gpu, k->readback);
                if (r < 0)
                        return r;
        }
        if (k->fb.gpu) {
                /* The GPU drew the scan-out linear; from here on it is the CPU path's picture. */
                if (k->gpu_notice[0]) {
                        snprintf(c->notice, sizeof(c->notice), "%s", k->gpu_notice);
                        k->gpu_notice[0] = '\0';
                }
        }
        kms_diff_into_shadow(c, seq, k->shadow_fresh);
        k->shadow_fresh = false;
        kms_update_cursor(c, seq);
        if (k->overlay_countdown-- == 0) {
                k->overlay_countdown = KMS_OVERLAY_CHECK_EVERY;
                kms_check_overlays(c);
        }
        return 0;
}

/* Blend the premultiplied ARGB cursor onto the picture; remember where. */
static void kms_draw_cursor(struct capture *c, struct capture_buffer *b)
{
        struct kms *k = c->priv;

        capture_blend_cursor(c, b, k->cursor_visible ? k->cursor : NULL, k->cursor_x, k->cursor_y, k->cursor_w,
                             k->cursor_h, c->fourcc == DRM_FORMAT_XBGR8888 || c->fourcc == DRM_FORMAT_ABGR8888);
}

static bool rect_touches_tile(const int r[4], unsigned tx, unsigned ty)
{
        int x = tx * CAPTURE_TILE_SIZE, y = ty * CAPTURE_TILE_SIZE;

        return r[2] > 0 && r[0] < x + CAPTURE_TILE_SIZE && r[0] + r[2] > x && r[1] < y + CAPTURE_TILE_SIZE &&
               r[1] + r[3] > y;
}

static int kms_fill(struct capture *c, struct capture_buffer *b)
{
        struct kms *k = c->priv;
        size_t row_bytes = (size_t) c->width * 4;

        if (k->want_dmabuf) {
                int fd = fcntl(k->fb.dmabuf_fd, F_DUPFD_CLOEXEC, 3);

                if (fd < 0)
                        return -errno;
                if (b->frame.dmabuf_fd >= 0)
                        close(b->frame.dmabuf_fd);
                b->frame.dmabuf_fd = fd;
                b->frame.dmabuf_offset = k->fb.offset;
                b->frame.dmabuf_pitch = k->fb.pitch;
                b->frame.drm_fd = k->fd;
        }
        if ((!k->fb.map && !k->fb.gpu) || !b->pixels) {
                b->frame.data = NULL; /* dma-buf only: tiled, compressed or not mappable */
                b->frame.stride = 0;
                return 0;
        }

        /* Stale tiles, and the tiles under the cursor this buffer showed last time, come from the shadow. */
        for (unsigned ty = 0; ty < c->tiles_y; ty++) {
                unsigned y0 = ty * CAPTURE_TILE_SIZE, y1 = MIN(y0 + CAPTURE_TILE_SIZE, c->height);

                for (unsigned tx = 0; tx < c->tiles_x; tx++) {
                        size_t x0 = (size_t) tx * CAPTURE_TILE_SIZE * 4;
                        size_t len = MIN((size_t) CAPTURE_TILE_SIZE * 4, row_bytes - x0);

                        if (b->content_seq != 0 && c->tile_seq[(size_t) ty * c->tiles_x + tx] <= b->content_seq &&
                            !rect_touches_tile(b->overlay, tx, ty))
                                continue;
                        for (unsigned y = y0; y < y1; y++)
                                memcpy(b->pixels + y * row_bytes + x0, k->shadow + y * row_bytes + x0, len);
                }
        }
        kms_draw_cursor(c, b);
        return 0;
}

/* Does this card drive an active CRTC? (for picking the default card) */
static bool card_has_active_crtc(int fd)
{
        drmModeResPtr res = drmModeGetResources(fd);
        bool active = false;

        for (int i = 0; res && i < res->count_crtcs && !active; i++) {
                drmModeCrtcPtr crtc = drmModeGetCrtc(fd, res->crtcs[i]);

                active = crtc && crtc->mode_valid && crtc->buffer_id;
                drmModeFreeCrtc(crtc);
        }
        drmModeFreeResources(res);
        return active;
}

/* Append the connectors of the open card at path to out[*n..max). */
static void kms_list_card(int fd, const char *path, struct capture_output *out, size_t max, size_t *n)
{
        drmModeResPtr res = drmModeGetResources(fd);

        for (int i = 0; res && i < res->count_connectors && *n < max; i++) {
                drmModeConnectorPtr conn = drmModeGetConnector(fd, res->connectors[i]);

                if (!conn)
                        continue;
                snprintf(out[*n].device, sizeof(out[*n].device), "%s", path);
                connector_name(conn, out[*n].connector, sizeof(out[*n].connector));
                out[*n].connected = conn->connection == DRM_MODE_CONNECTED;
                (*n)++;
                drmModeFreeConnector(conn);
        }
        drmModeFreeResources(res);
}

/* Every connector of every card we can open, in card order. A card we cannot open is not ours to capture. */
static size_t kms_list_outputs(const char *device, struct capture_output *out, size_t max)
{
        size_t n = 0;

        for (int i = 0; i < KMS_MAX_CARDS && n < max; i++) {
                char path[CAPTURE_SPEC_DEVICE_MAX];
                _cleanup_close_ int fd = -1;

                if (device)
                        snprintf(path, sizeof(path), "%s", device);
                else
                        snprintf(path, sizeof(path), "/dev/dri/card%d", i);
                fd = open(path, O_RDWR | O_CLOEXEC | O_NONBLOCK);
                if (fd >= 0)
                        kms_list_card(fd, path, out, max, &n);
                if (device)
                        break;
        }
        return n;
}

/* "a, b (disconnected), c" for error messages. */
static void kms_output_names(const struct capture_output *out, size_t n, char *buf, size_t size)
{
        buf[0] = '\0';
        for (size_t i = 0; i < n; i++)
                snprintf(buf + strlen(buf), size - strlen(buf), "%skms:%s:%s%s", i ? ", " : "", out[i].device,
                         out[i].connector, out[i].connected ? "" : " (disconnected)");
        if (!buf[0])
                snprintf(buf, size, "none");
}

int capture_find_output(const struct capture_spec *spec, char *ret_device, size_t size)
{
        struct capture_output *out;
        char names[512];
        size_t n;
        int r;

        capture_set_error(0, "%s", "");
        if (!spec)
                return -EINVAL;
        if (spec->backend == CAPTURE_BACKEND_TESTSRC) {
                if (ret_device && size)
                        ret_device[0] = '\0';
                return 0;
        }
        if (spec->backend != CAPTURE_BACKEND_KMS)
                return capture_set_error(-EINVAL, "unknown capture backend %d", (int) spec->backend);

        out = calloc(KMS_MAX_OUTPUTS, sizeof(*out));
        if (!out)
                return -ENOMEM;
        n = kms_list_outputs(spec->device[0] ? spec->device : NULL, out, KMS_MAX_OUTPUTS);
        r = capture_spec_match(spec, out, n);
        if (r >= 0) {
                if (ret_device)
                        snprintf(ret_device, size, "%s", out[r].device);
                free(out);
                return 0;
        }
        kms_output_names(out, n, names, sizeof(names));
        free(out);
        if (r == -ENOTCONN)
                return capture_set_error(-ENODEV, "output %s%s%s is disconnected", spec->device,
                                         spec->device[0] ? ":" : "", spec->connector);
        if (spec->connector[0])
                return capture_set_error(-ENODEV, "no output named %s%s%s (outputs: %s)", spec->connector,
                                         spec->device[0] ? " on " : "", spec->device, names);
        if (spec->device[0])
                return capture_set_error(-ENODEV, "%s has no connected output (outputs: %s)", spec->device, names);
        return capture_set_error(-ENODEV, "no connected output on any DRM card (outputs: %s)", names);
}

int capture_list_outputs(char ***ret)
{
        _cleanup_free_ struct capture_output *out = NULL;
        char **l;
        size_t n, j = 0;

        out = calloc(KMS_MAX_OUTPUTS, sizeof(*out));
        if (!out)
                return -ENOMEM;
        n = kms_list_outputs(NULL, out, KMS_MAX_OUTPUTS);
        l = calloc(n + 2, sizeof(char *));
        if (!l)
                return -ENOMEM;
        l[j] = strdup("testsrc");
        if (!l[j++]) {
                strv_free(l);
                return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++) {
                if (!out[i].connected)
                        continue;
                if (asprintf(&l[j], "kms:%s:%s", out[i].device, out[i].connector) < 0) {
                        l[j] = NULL;
                        strv_free(l);
                        return -ENOMEM;
                }
                j++;
        }
        *ret = l;
        return 0;
}

static int kms_open_card(struct kms *k, const char *device, const char *connector)
{
        char found[CAPTURE_SPEC_DEVICE_MAX];
        bool any = false;
        int open_errno = 0;

        if (!device && connector) {
                /* A connector without a card: the card that has it. */
                struct capture_spec spec = { .backend = CAPTURE_BACKEND_KMS };
                int r;

                snprintf(spec.connector, sizeof(spec.connector), "%s", connector);
                r = capture_find_output(&spec, found, sizeof(found));
                if (r < 0) {
                        char why[256];

                        snprintf(why, sizeof(why), "%s", capture_last_error());
                        return capture_set_error(r, "kms: %s", why);
                }
                device = found;
        }
        if (device) {
                k->fd = open(device, O_RDWR | O_CLOEXEC);
                if (k->fd < 0)
                        return capture_set_error(errno == ENOENT ? -ENODEV : -errno, "kms: cannot open %s: %m",
                                                 device);
                snprintf(k->path, sizeof(k->path), "%s", device);
                return 0;
        }
        for (int i = 0; i < KMS_MAX_CARDS; i++) {
                char path[64];
                int fd;

                snprintf(path, sizeof(path), "/dev/dri/card%d", i);
                fd = open(path, O_RDWR | O_CLOEXEC);
                if (fd < 0) {
                        if (errno != ENOENT && !open_errno)
                                open_errno = errno;
                        continue;
                }
                any = true;
                if (card_has_active_crtc(fd)) {
                        k->fd = fd;
                        snprintf(k->path, sizeof(k->path), "%s", path);
                        return 0;
                }
                close(fd);
        }
        if (!any && open_errno)
                return capture_set_error(-open_errno, "kms: cannot open /dev/dri/card*: %s (needs root, the "
                                                      "video group, or a seat)", strerror(open_errno));
        return capture_set_error(-ENODEV, "kms: %s", any ? "no DRM card has an active output"
                                                          : "no DRM device (/dev/dri/card* missing)");
}

static int kms_open(struct capture *c, const struct capture_config *cfg)
{
        struct kms *k;
        int r;

        k = calloc(1, sizeof(*k));
        if (!k)
                return -ENOMEM;
        k->fd = -1;
        k->fb.dmabuf_fd = -1;
        k->want_cpu = c->access & CAPTURE_ACCESS_CPU;
        k->want_dmabuf = c->access & CAPTURE_ACCESS_DMABUF;
        k->with_cursor = !cfg->no_cursor;
        k->readback_mode = cfg->kms_readback;
        if (!kms_readback_mode_to_string(k->readback_mode))
                return capture_set_error(-EINVAL, "kms: unknown read-back mode %d", cfg->kms_readback);
        c->priv = k;

        r = kms_open_card(k, cfg->device, cfg->connector);
        if (r < 0)
                return r;
        snprintf(c->device, sizeof(c->device), "%s", k->path);
        if (drmSetClientCap(k->fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1) < 0)
                return capture_set_error(-ENOTSUP, "kms: %s does not support universal planes", k->path);
        /* Only atomic clients see the planes' CRTC_X/CRTC_Y (the cursor position); best effort. */
        (void) drmSetClientCap(k->fd, DRM_CLIENT_CAP_ATOMIC, 1);
        r = kms_find_output(k, cfg->connector);
        if (r < 0)
                return r;
        r = kms_find_planes(k);
        if (r < 0)
                return r;

        /* Read the current framebuffer now: no permission or format surprise later. */
        r = kms_follow_flip(c, c->seq + 1);
        if (r < 0)
                return r;
        if (!k->fb.fb_id)
                return capture_set_error(-ENODEV, "kms: output %s on %s shows no framebuffer", k->connector,
                                         k->path);
        return 0;
}

static void kms_close(struct capture *c)
{
        kms_free(c->priv);
        c->priv = NULL;
}

const struct capture_ops capture_kms_ops = {
        .name = "kms",
        .open = kms_open,
        .update = kms_update,
        .fill = kms_fill,
        .close = kms_close,
};
