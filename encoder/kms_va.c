/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * VA-API read-back of a tiled/compressed scan-out (kms_va.h):
 *
 *   new     dlopen libva, libva-drm -> render node of the card (else the
 *           card node) -> vaGetDisplayDRM + vaInitialize -> VAProfileNone /
 *           VAEntrypointVideoProc config -> which memory types and pixel
 *           formats its surfaces take (vaQuerySurfaceAttributes).
 *   import  one VA surface from the dma-bufs (DRM_PRIME_2 descriptor: the
 *           objects, their modifier, one layer with every plane; built by
 *           protocol/kms_va_format.c) -> on a new size, a BGRX destination
 *           surface and a VPP context on it.
 *   read    vaBeginPicture / vaRenderPicture(pipeline: the whole source into
 *           the whole destination) / vaEndPicture / vaSyncSurface, then the
 *           destination's image (vaDeriveImage, else vaCreateImage +
 *           vaGetImage), mapped and copied row by row.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <va/va.h>
#include <va/va_drm.h>
#include <va/va_drmcommon.h>
#include <va/va_vpp.h>
#include <xf86drm.h>

#include "../protocol/kms_va_format.h"
#include "../protocol/macro.h"
#include "capture_backend.h"
#include "kms_va.h"

#define VA_FUNCS(X)                                                                                           \
        X(VAStatus (*)(VADisplay, int *, int *), Initialize, vaInitialize)                                   \
        X(VAStatus (*)(VADisplay), Terminate, vaTerminate)                                                    \
        X(const char *(*)(VAStatus), ErrorStr, vaErrorStr)                                                    \
        X(const char *(*)(VADisplay), QueryVendorString, vaQueryVendorString)                                 \
        X(int (*)(VADisplay), MaxNumEntrypoints, vaMaxNumEntrypoints)                                         \
        X(VAStatus (*)(VADisplay, VAProfile, VAEntrypoint *, int *), QueryConfigEntrypoints,                  \
          vaQueryConfigEntrypoints)                                                                           \
        X(VAStatus (*)(VADisplay, VAProfile, VAEntrypoint, VAConfigAttrib *, int, VAConfigID *), CreateConfig, \
          vaCreateConfig)                                                                                     \
        X(VAStatus (*)(VADisplay, VAConfigID), DestroyConfig, vaDestroyConfig)                                \
        X(VAStatus (*)(VADisplay, VAConfigID, VASurfaceAttrib *, unsigned *), QuerySurfaceAttributes,         \
          vaQuerySurfaceAttributes)                                                                           \
        X(VAStatus (*)(VADisplay, unsigned, unsigned, unsigned, VASurfaceID *, unsigned, VASurfaceAttrib *,   \
                       unsigned),                                                                             \
          CreateSurfaces, vaCreateSurfaces)                                                                   \
        X(VAStatus (*)(VADisplay, VASurfaceID *, int), DestroySurfaces, vaDestroySurfaces)                    \
        X(VAStatus (*)(VADisplay, VAConfigID, int, int, int, VASurfaceID *, int, VAContextID *),              \
          CreateContext, vaCreateContext)                                                                     \
        X(VAStatus (*)(VADisplay, VAContextID), DestroyContext, vaDestroyContext)                             \
        X(VAStatus (*)(VADisplay, VAContextID, VABufferType, unsigned, unsigned, void *, VABufferID *),       \
          CreateBuffer, vaCreateBuffer)                                                                       \
        X(VAStatus (*)(VADisplay, VABufferID), DestroyBuffer, vaDestroyBuffer)                                \
        X(VAStatus (*)(VADisplay, VAContextID, VASurfaceID), BeginPicture, vaBeginPicture)                    \
        X(VAStatus (*)(VADisplay, VAContextID, VABufferID *, int), RenderPicture, vaRenderPicture)            \
        X(VAStatus (*)(VADisplay, VAContextID), EndPicture, vaEndPicture)                                     \
        X(VAStatus (*)(VADisplay, VASurfaceID), SyncSurface, vaSyncSurface)                                   \
        X(VAStatus (*)(VADisplay, VASurfaceID, VAImage *), DeriveImage, vaDeriveImage)                        \
        X(VAStatus (*)(VADisplay, VAImageFormat *, int, int, VAImage *), CreateImage, vaCreateImage)          \
        X(VAStatus (*)(VADisplay, VASurfaceID, int, int, unsigned, unsigned, VAImageID), GetImage, vaGetImage) \
        X(VAStatus (*)(VADisplay, VAImageID), DestroyImage, vaDestroyImage)                                   \
        X(VAStatus (*)(VADisplay, VABufferID, void **), MapBuffer, vaMapBuffer)                               \
        X(VAStatus (*)(VADisplay, VABufferID), UnmapBuffer, vaUnmapBuffer)                                    \
        X(VAMessageCallback (*)(VADisplay, VAMessageCallback, void *), SetInfoCallback, vaSetInfoCallback)

#define DECLARE(type, member, name) __typeof__(type) member;

/* Pixel formats we remember from vaQuerySurfaceAttributes, at most. */
#define KMS_VA_FORMATS_MAX 64

struct kms_va {
        void *libva, *libva_drm; /* dlopen handles, owned */
        struct {
                VA_FUNCS(DECLARE)
                VADisplay (*GetDisplayDRM)(int fd);
        } va;

        int fd; /* render (or card) node, owned */
        VADisplay dpy;
        bool initialized;
        VAConfigID config;          /* VideoProc; VA_INVALID_ID when none */
        bool prime2;                /* the driver listed DRM_PRIME_2 (or listed no memory types at all) */
        uint32_t formats[KMS_VA_FORMATS_MAX]; /* VA fourccs its VPP surfaces take; none listed: try anyway */
        unsigned n_formats;

        VASurfaceID src;        /* the imported framebuffer; VA_INVALID_SURFACE when none */
        VASurfaceID dst;        /* BGRX, width x height */
        VAContextID ctx;        /* VPP context rendering into dst */
        unsigned width, height; /* of dst and ctx */

        char describe[256];
};

DEFINE_CLEANUP(struct kms_va *, kms_va_free);

static void *load(const char *soname, char *err, size_t size)
{
        void *h;

#ifdef MIRACAST_TEST_HOOKS
        /*
         * Test-only, in the sanitized test builds alone: MIRACASTD_TEST_LIBVA_DIR names a directory
         * holding a stand-in libva (tests/lib/fake-libva.c), loaded by path beside the real one the
         * test binary links through FFmpeg; dlsym() on its handle finds the stand-in's functions.
         */
        const char *dir = getenv("MIRACASTD_TEST_LIBVA_DIR");

        if (dir && *dir) {
                char path[512];

                snprintf(path, sizeof(path), "%s/%s", dir, soname);
                h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
                if (!h)
                        snprintf(err, size, "%.200s", dlerror() ?: path);
                return h;
        }
#endif
        h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);

        if (!h)
                snprintf(err, size, "%.200s", dlerror() ?: soname);
        return h;
}

static int load_functions(struct kms_va *v)
{
        char err[256] = "";

        v->libva = load("libva.so.2", err, sizeof(err));
        if (!v->libva)
                return capture_set_error(-ENOENT, "kms: VA read-back: cannot load libva.so.2 (%s)", err);
        v->libva_drm = load("libva-drm.so.2", err, sizeof(err));
        if (!v->libva_drm)
                return capture_set_error(-ENOENT, "kms: VA read-back: cannot load libva-drm.so.2 (%s)", err);
#define LOAD(type, member, name)                                                                              \
        v->va.member = (__typeof__(type)) dlsym(v->libva, #name);                                             \
        if (!v->va.member)                                                                                    \
                return capture_set_error(-ENOENT, "kms: VA read-back: libva.so.2 lacks %s (older than 2.3?)", \
                                         #name);
        VA_FUNCS(LOAD)
#undef LOAD
        v->va.GetDisplayDRM = (VADisplay (*)(int)) dlsym(v->libva_drm, "vaGetDisplayDRM");
        if (!v->va.GetDisplayDRM)
                return capture_set_error(-ENOENT, "kms: VA read-back: libva-drm.so.2 lacks vaGetDisplayDRM");
        return 0;
}

/* The GPU's render node (/dev/dri/renderD*), else the card node, opened again (our own GEM handles). */
static int open_gpu_node(int drm_fd, char *path, size_t size)
{
        char *name = drmGetRenderDeviceNameFromFd(drm_fd);
        int fd;

        if (!name)
                name = drmGetDeviceNameFromFd2(drm_fd);
        if (!name)
                return -ENODEV;
        fd = open(name, O_RDWR | O_CLOEXEC);
        snprintf(path, size, "%s", name);
        free(name);
        return fd < 0 ? -errno : fd;
}

/* What the VPP config's surfaces take: memory types, pixel formats. */
static int query_surface_attributes(struct kms_va *v)
{
        _cleanup_free_ VASurfaceAttrib *attrs = NULL;
        unsigned n = 0;
        bool listed_memory = false;
        VAStatus s;

        s = v->va.QuerySurfaceAttributes(v->dpy, v->config, NULL, &n);
        if (s != VA_STATUS_SUCCESS || n == 0) {
                v->prime2 = true; /* it does not say: let vaCreateSurfaces decide */
                return 0;
        }
        attrs = calloc(n, sizeof(*attrs));
        if (!attrs)
                return -ENOMEM;
        s = v->va.QuerySurfaceAttributes(v->dpy, v->config, attrs, &n);
        if (s != VA_STATUS_SUCCESS) {
                v->prime2 = true;
                return 0;
        }
        for (unsigned i = 0; i < n; i++) {
                if (attrs[i].type == VASurfaceAttribMemoryType && attrs[i].value.type == VAGenericValueTypeInteger) {
                        listed_memory = true;
                        if ((uint32_t) attrs[i].value.value.i & VA_SURFACE_ATTRIB_MEM_TYPE_DRM_PRIME_2)
                                v->prime2 = true;
                } else if (attrs[i].type == VASurfaceAttribPixelFormat &&
                           attrs[i].value.type == VAGenericValueTypeInteger && v->n_formats < KMS_VA_FORMATS_MAX)
                        v->formats[v->n_formats++] = (uint32_t) attrs[i].value.value.i;
        }
        if (!listed_memory)
                v->prime2 = true;
        return 0;
}

static bool takes_format(const struct kms_va *v, uint32_t va_fourcc)
{
        if (v->n_formats == 0)
                return true;
        for (unsigned i = 0; i < v->n_formats; i++)
                if (v->formats[i] == va_fourcc)
                        return true;
        return false;
}

static int setup(struct kms_va *v, const char *where)
{
        _cleanup_free_ VAEntrypoint *entrypoints = NULL;
        int major = 0, minor = 0, n = 0, max;
        bool vpp = false;
        const char *vendor;
        VAStatus s;

        v->dpy = v->va.GetDisplayDRM(v->fd);
        if (!v->dpy)
                return capture_set_error(-ENODEV, "kms: VA read-back: libva has no display for %s", where);
        /* libva's "info: VA-API version ..." lines would land in the journal on every capture. */
        (void) v->va.SetInfoCallback(v->dpy, NULL, NULL);
        s = v->va.Initialize(v->dpy, &major, &minor);
        if (s != VA_STATUS_SUCCESS)
                return capture_set_error(-ENODEV, "kms: VA read-back: no VA driver for %s (vaInitialize: %s)", where,
                                         v->va.ErrorStr(s));
        v->initialized = true;
        vendor = v->va.QueryVendorString(v->dpy) ?: "unknown driver";
        snprintf(v->describe, sizeof(v->describe), "VA-API %d.%d on %s, %s", major, minor, where, vendor);

        max = v->va.MaxNumEntrypoints(v->dpy);
        if (max <= 0)
                max = 32;
        entrypoints = calloc((size_t) max, sizeof(*entrypoints));
        if (!entrypoints)
                return -ENOMEM;
        s = v->va.QueryConfigEntrypoints(v->dpy, VAProfileNone, entrypoints, &n);
        for (int i = 0; s == VA_STATUS_SUCCESS && i < n && i < max; i++)
                if (entrypoints[i] == VAEntrypointVideoProc)
                        vpp = true;
        if (!vpp)
                return capture_set_error(-ENOTSUP,
                                         "kms: VA read-back: the VA driver on %s (%.80s) has no video processing "
                                         "(VAProfileNone/VAEntrypointVideoProc)",
                                         where, vendor);
        s = v->va.CreateConfig(v->dpy, VAProfileNone, VAEntrypointVideoProc, NULL, 0, &v->config);
        if (s != VA_STATUS_SUCCESS) {
                v->config = VA_INVALID_ID;
                return capture_set_error(-ENOTSUP, "kms: VA read-back: no video processing config on %s (%s)", where,
                                         v->va.ErrorStr(s));
        }
        return query_surface_attributes(v);
}

static int kms_va_open(int fd, const char *where, struct kms_va **ret)
{
        _cleanup_(kms_va_freep) struct kms_va *v = NULL;
        int r;

        v = calloc(1, sizeof(*v));
        if (!v) {
                close(fd);
                return -ENOMEM;
        }
        v->fd = fd;
        v->config = VA_INVALID_ID;
        v->src = v->dst = VA_INVALID_SURFACE;
        v->ctx = VA_INVALID_ID;
        r = load_functions(v);
        if (r < 0)
                return r;
        r = setup(v, where);
        if (r < 0)
                return r;
        *ret = steal_ptr(v);
        return 0;
}

int kms_va_new(int drm_fd, struct kms_va **ret)
{
        char where[128] = "";
        int fd = open_gpu_node(drm_fd, where, sizeof(where));

        if (fd < 0)
                return capture_set_error(fd, "kms: VA read-back: cannot open the GPU's node%s%s: %s",
                                         where[0] ? " " : "", where, strerror(-fd));
        return kms_va_open(fd, where, ret);
}

int kms_va_new_node(const char *path, struct kms_va **ret)
{
        int fd = open(path, O_RDWR | O_CLOEXEC);

        if (fd < 0)
                return capture_set_error(-errno, "kms: VA read-back: cannot open %s: %m", path);
        return kms_va_open(fd, path, ret);
}

static void drop_source(struct kms_va *v)
{
        if (v->src != VA_INVALID_SURFACE)
                (void) v->va.DestroySurfaces(v->dpy, &v->src, 1);
        v->src = VA_INVALID_SURFACE;
}

static void drop_target(struct kms_va *v)
{
        if (v->ctx != VA_INVALID_ID)
                (void) v->va.DestroyContext(v->dpy, v->ctx);
        if (v->dst != VA_INVALID_SURFACE)
                (void) v->va.DestroySurfaces(v->dpy, &v->dst, 1);
        v->ctx = VA_INVALID_ID;
        v->dst = VA_INVALID_SURFACE;
        v->width = v->height = 0;
}

struct kms_va *kms_va_free(struct kms_va *v)
{
        if (!v)
                return NULL;
        if (v->initialized) {
                drop_source(v);
                drop_target(v);
                if (v->config != VA_INVALID_ID)
                        (void) v->va.DestroyConfig(v->dpy, v->config);
                (void) v->va.Terminate(v->dpy);
        }
        if (v->fd >= 0)
                close(v->fd);
        /* No dlclose(): as with EGL, a driver may leave threads or atexit handlers behind. */
        free(v);
        return NULL;
}

const char *kms_va_describe(const struct kms_va *v)
{
        return v->describe;
}

static void fourcc_text(uint32_t fourcc, char buf[5])
{
        for (int i = 0; i < 4; i++) {
                char ch = (char) (fourcc >> (8 * i));

                buf[i] = ch >= ' ' && ch <= '~' ? ch : '?';
        }
        buf[4] = '\0';
}

/* The BGRX destination surface and the VPP context on it, for a width x height picture. */
static int prepare_target(struct kms_va *v, unsigned width, unsigned height)
{
        VASurfaceAttrib attr = {
                .type = VASurfaceAttribPixelFormat, .flags = VA_SURFACE_ATTRIB_SETTABLE,
                .value = { .type = VAGenericValueTypeInteger, .value.i = (int) VA_FOURCC_BGRX },
        };
        VAStatus s;

        if (width == v->width && height == v->height && v->ctx != VA_INVALID_ID)
                return 0;
        drop_target(v);
        s = v->va.CreateSurfaces(v->dpy, VA_RT_FORMAT_RGB32, width, height, &v->dst, 1, &attr, 1);
        if (s != VA_STATUS_SUCCESS) {
                v->dst = VA_INVALID_SURFACE;
                return capture_set_error(-ENOTSUP, "kms: VA read-back: no %ux%u BGRX surface (vaCreateSurfaces: %s)",
                                         width, height, v->va.ErrorStr(s));
        }
        s = v->va.CreateContext(v->dpy, v->config, (int) width, (int) height, VA_PROGRESSIVE, &v->dst, 1, &v->ctx);
        if (s != VA_STATUS_SUCCESS) {
                v->ctx = VA_INVALID_ID;
                drop_target(v);
                return capture_set_error(-ENOTSUP, "kms: VA read-back: no %ux%u video processing context (%s)", width,
                                         height, v->va.ErrorStr(s));
        }
        v->width = width;
        v->height = height;
        return 0;
}

int kms_va_import(struct kms_va *v, const struct kms_gpu_fb *fb)
{
        struct kms_va_plane_in in[KMS_VA_PLANES_MAX] = {};
        VADRMPRIMESurfaceDescriptor desc = {};
        struct kms_va_layout l;
        VASurfaceAttrib attrs[2] = {
                { .type = VASurfaceAttribMemoryType, .flags = VA_SURFACE_ATTRIB_SETTABLE,
                  .value = { .type = VAGenericValueTypeInteger,
                             .value.i = (int) VA_SURFACE_ATTRIB_MEM_TYPE_DRM_PRIME_2 } },
                { .type = VASurfaceAttribExternalBufferDescriptor, .flags = VA_SURFACE_ATTRIB_SETTABLE,
                  .value = { .type = VAGenericValueTypePointer, .value.p = &desc } },
        };
        char f[5];
        VAStatus s;
        int r;

        fourcc_text(fb->fourcc, f);
        drop_source(v);
        if (fb->n_planes < 1 || fb->n_planes > KMS_VA_PLANES_MAX)
                return capture_set_error(-EINVAL, "kms: VA read-back: %u planes", fb->n_planes);
        for (unsigned i = 0; i < fb->n_planes; i++)
                in[i] = (struct kms_va_plane_in) {
                        .key = fb->planes[i].fd, .offset = fb->planes[i].offset, .pitch = fb->planes[i].pitch,
                };
        r = kms_va_layout_build(fb->width, fb->height, fb->fourcc, fb->modifier, fb->n_planes, in, &l);
        if (r == -ENOTSUP)
                return capture_set_error(r, "kms: VA read-back: VA has no surface format for %s", f);
        if (r < 0)
                return capture_set_error(r, "kms: VA read-back: %s %ux%u has a plane table VA cannot describe", f,
                                         fb->width, fb->height);
        if (!v->prime2)
                return capture_set_error(-ENOTSUP, "kms: VA read-back: the VA driver imports no DRM PRIME (2) buffers");
        if (!takes_format(v, l.va_fourcc))
                return capture_set_error(-ENOTSUP, "kms: VA read-back: the VA driver's video processing does not "
                                                   "take %s",
                                         f);
        r = prepare_target(v, fb->width, fb->height);
        if (r < 0)
                return r;

        desc.fourcc = l.va_fourcc;
        desc.width = l.width;
        desc.height = l.height;
        desc.num_objects = l.n_objects;
        for (unsigned o = 0; o < l.n_objects; o++) {
                off_t size = lseek((int) l.object_key[o], 0, SEEK_END);

                desc.objects[o].fd = (int) l.object_key[o];
                /* A dma-buf knows its size; 0 (unknown) is accepted by the drivers we know of. */
                desc.objects[o].size = size > 0 && size <= UINT32_MAX ? (uint32_t) size : 0;
                desc.objects[o].drm_format_modifier = l.modifier;
        }
        desc.num_layers = 1;
        desc.layers[0].drm_format = l.drm_format;
        desc.layers[0].num_planes = l.n_planes;
        for (unsigned i = 0; i < l.n_planes; i++) {
                desc.layers[0].object_index[i] = l.object_index[i];
                desc.layers[0].offset[i] = l.offset[i];
                desc.layers[0].pitch[i] = l.pitch[i];
        }
        s = v->va.CreateSurfaces(v->dpy, l.rt_format, l.width, l.height, &v->src, 1, attrs, ARRAY_SIZE(attrs));
        if (s != VA_STATUS_SUCCESS) {
                v->src = VA_INVALID_SURFACE;
                return capture_set_error(-ENOTSUP,
                                         "kms: VA read-back: the VA driver refused %s %ux%u modifier 0x%llx (%u "
                                         "plane%s) as a surface (vaCreateSurfaces: %s)",
                                         f, fb->width, fb->height, (unsigned long long) fb->modifier, fb->n_planes,
                                         fb->n_planes == 1 ? "" : "s", v->va.ErrorStr(s));
        }
        return 0;
}

static int convert(struct kms_va *v)
{
        VAProcPipelineParameterBuffer pipeline = {
                .surface = v->src,
                .surface_color_standard = VAProcColorStandardNone,
                .output_background_color = 0xff000000,
                .output_color_standard = VAProcColorStandardNone,
                .filter_flags = VA_FILTER_SCALING_DEFAULT,
        };
        VABufferID buf = VA_INVALID_ID;
        const char *what;
        VAStatus s;

        what = "vaCreateBuffer";
        s = v->va.CreateBuffer(v->dpy, v->ctx, VAProcPipelineParameterBufferType, sizeof(pipeline), 1, &pipeline,
                               &buf);
        if (s == VA_STATUS_SUCCESS) {
                what = "vaBeginPicture";
                s = v->va.BeginPicture(v->dpy, v->ctx, v->dst);
        }
        if (s == VA_STATUS_SUCCESS) {
                what = "vaRenderPicture";
                s = v->va.RenderPicture(v->dpy, v->ctx, &buf, 1);
                /* EndPicture even after a failed render: the context must leave the picture. */
                VAStatus e = v->va.EndPicture(v->dpy, v->ctx);

                if (s == VA_STATUS_SUCCESS) {
                        what = "vaEndPicture";
                        s = e;
                }
        }
        if (buf != VA_INVALID_ID)
                (void) v->va.DestroyBuffer(v->dpy, buf);
        if (s == VA_STATUS_SUCCESS) {
                what = "vaSyncSurface";
                s = v->va.SyncSurface(v->dpy, v->dst);
        }
        if (s != VA_STATUS_SUCCESS)
                return capture_set_error(-EIO, "kms: VA read-back: video processing failed (%s: %s)", what,
                                         v->va.ErrorStr(s));
        return 0;
}

/* Copy image (BGRX or BGRA: XRGB8888 in memory) into dst. */
static int copy_image(struct kms_va *v, const VAImage *image, uint8_t *dst)
{
        size_t row = (size_t) v->width * 4;
        void *map = NULL;
        VAStatus s;

        if (image->format.fourcc != VA_FOURCC_BGRX && image->format.fourcc != VA_FOURCC_BGRA) {
                char f[5];

                fourcc_text(image->format.fourcc, f);
                return capture_set_error(-ENOTSUP, "kms: VA read-back: the driver's image is %s, not BGRX", f);
        }
        if (image->width < v->width || image->height < v->height || image->pitches[0] < row ||
            (size_t) image->offsets[0] + (size_t) image->pitches[0] * (v->height - 1) + row > image->data_size)
                return capture_set_error(-EIO, "kms: VA read-back: the driver's %ux%u image (pitch %u, %u bytes) "
                                               "does not hold %ux%u",
                                         image->width, image->height, image->pitches[0], image->data_size, v->width,
                                         v->height);
        s = v->va.MapBuffer(v->dpy, image->buf, &map);
        if (s != VA_STATUS_SUCCESS || !map)
                return capture_set_error(-EIO, "kms: VA read-back: vaMapBuffer failed (%s)", v->va.ErrorStr(s));
        for (unsigned y = 0; y < v->height; y++)
                memcpy(dst + row * y, (const uint8_t *) map + image->offsets[0] + (size_t) image->pitches[0] * y, row);
        (void) v->va.UnmapBuffer(v->dpy, image->buf);
        return 0;
}

int kms_va_read(struct kms_va *v, uint8_t *dst)
{
        VAImage image = { .image_id = VA_INVALID_ID };
        VAStatus s;
        int r;

        if (v->src == VA_INVALID_SURFACE || v->ctx == VA_INVALID_ID)
                return capture_set_error(-EINVAL, "kms: VA read-back: nothing imported");
        r = convert(v);
        if (r < 0)
                return r;
        /* The destination's own memory where the driver maps it linear as BGRX; else a copy into a VAImage. */
        s = v->va.DeriveImage(v->dpy, v->dst, &image);
        if (s == VA_STATUS_SUCCESS && image.format.fourcc != VA_FOURCC_BGRX && image.format.fourcc != VA_FOURCC_BGRA) {
                (void) v->va.DestroyImage(v->dpy, image.image_id);
                s = VA_STATUS_ERROR_INVALID_IMAGE_FORMAT;
        }
        if (s != VA_STATUS_SUCCESS) {
                VAImageFormat format = {
                        .fourcc = VA_FOURCC_BGRX, .byte_order = VA_LSB_FIRST, .bits_per_pixel = 32, .depth = 24,
                        .red_mask = 0x00ff0000, .green_mask = 0x0000ff00, .blue_mask = 0x000000ff,
                };

                s = v->va.CreateImage(v->dpy, &format, (int) v->width, (int) v->height, &image);
                if (s != VA_STATUS_SUCCESS)
                        return capture_set_error(-EIO, "kms: VA read-back: no image of the picture (vaCreateImage: %s)",
                                                 v->va.ErrorStr(s));
                s = v->va.GetImage(v->dpy, v->dst, 0, 0, v->width, v->height, image.image_id);
                if (s != VA_STATUS_SUCCESS) {
                        (void) v->va.DestroyImage(v->dpy, image.image_id);
                        return capture_set_error(-EIO, "kms: VA read-back: vaGetImage failed (%s)",
                                                 v->va.ErrorStr(s));
                }
        }
        r = copy_image(v, &image, dst);
        (void) v->va.DestroyImage(v->dpy, image.image_id);
        return r;
}
