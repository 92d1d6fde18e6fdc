/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A stand-in for libva.so.2 and libva-drm.so.2 (built twice from this file,
 * one soname each) for tests/unit/test-kms-va.c: encoder/kms_va.c dlopen()s
 * them from the directory MIRACASTD_TEST_LIBVA_DIR names (a test hook). It takes any fd as a DRM device and has one
 * "driver" whose video processing copies a linear BGRX/BGRA source surface
 * (the dma-buf: here a memfd, mapped) into the BGRX destination, X = 0xff.
 * It refuses what a real driver could refuse: any modifier but LINEAR,
 * formats it does not list. FAKE_VA in the environment breaks one step:
 * "novpp" no VideoProc entrypoint, "noinit" vaInitialize fails, "nomap"
 * vaMapBuffer fails, "noderive" vaDeriveImage fails (vaGetImage then).
 * fake_va_stats() tells the test what is alive and what was made.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <va/va.h>
#include <va/va_drmcommon.h>
#include <va/va_vpp.h>

#define EXPORT __attribute__((visibility("default")))
#define MAX_OBJ 16
#define DST_PAD 64 /* destination rows are this much longer than the picture: a pitch to honour */
#define IMG_OFF 16 /* and start this far into the image's buffer */

struct surface {
        bool used;
        unsigned w, h;
        uint32_t fourcc;
        uint8_t *pixels; /* destination: malloc'ed, pitch w * 4 + DST_PAD; source: the mapped memfd */
        size_t map_size;
        uint32_t offset, pitch;
        bool imported;
};

struct image {
        bool used;
        VAImage image;
        uint8_t *data; /* owned for vaCreateImage, else the surface's (derived) */
        bool owned;
};

static struct surface surfaces[MAX_OBJ];
static struct image images[MAX_OBJ];
static VAProcPipelineParameterBuffer buffers[MAX_OBJ];
static bool buffer_used[MAX_OBJ];
static int display = 1;
static bool initialized, config_alive, context_alive;
static VASurfaceID context_target = VA_INVALID_SURFACE, picture_target = VA_INVALID_SURFACE;
static VASurfaceID rendered_src = VA_INVALID_SURFACE;
static unsigned dst_created, src_imported, conversions;
static VADRMPRIMESurfaceDescriptor last_desc;

static bool broken(const char *what)
{
        const char *f = getenv("FAKE_VA");

        return f && strcmp(f, what) == 0;
}

struct fake_va_stats {
        unsigned live_surfaces, live_images, live_buffers, dst_created, src_imported, conversions;
        bool initialized, config_alive, context_alive;
        VADRMPRIMESurfaceDescriptor last_desc;
};

EXPORT void fake_va_stats(struct fake_va_stats *s)
{
        *s = (struct fake_va_stats) {
                .dst_created = dst_created, .src_imported = src_imported, .conversions = conversions,
                .initialized = initialized, .config_alive = config_alive, .context_alive = context_alive,
                .last_desc = last_desc,
        };
        for (int i = 0; i < MAX_OBJ; i++) {
                s->live_surfaces += surfaces[i].used;
                s->live_images += images[i].used;
                s->live_buffers += buffer_used[i];
        }
}

EXPORT VADisplay vaGetDisplayDRM(int fd)
{
        return fd >= 0 ? &display : NULL;
}

EXPORT VAMessageCallback vaSetInfoCallback(VADisplay dpy, VAMessageCallback cb, void *ctx)
{
        return NULL;
}

EXPORT VAStatus vaInitialize(VADisplay dpy, int *major, int *minor)
{
        if (broken("noinit"))
                return VA_STATUS_ERROR_UNKNOWN;
        *major = 1;
        *minor = 17;
        initialized = true;
        return VA_STATUS_SUCCESS;
}

EXPORT VAStatus vaTerminate(VADisplay dpy)
{
        initialized = false;
        return VA_STATUS_SUCCESS;
}

EXPORT const char *vaErrorStr(VAStatus s)
{
        switch (s) {
        case VA_STATUS_SUCCESS: return "success (no error)";
        case VA_STATUS_ERROR_UNSUPPORTED_MEMORY_TYPE: return "the requested memory type is not supported";
        case VA_STATUS_ERROR_OPERATION_FAILED: return "operation failed";
        default: return "unknown libva error";
        }
}

EXPORT const char *vaQueryVendorString(VADisplay dpy)
{
        return "fake VA driver";
}

EXPORT int vaMaxNumEntrypoints(VADisplay dpy)
{
        return 4;
}

EXPORT VAStatus vaQueryConfigEntrypoints(VADisplay dpy, VAProfile profile, VAEntrypoint *list, int *n)
{
        *n = 0;
        if (profile == VAProfileNone && !broken("novpp"))
                list[(*n)++] = VAEntrypointVideoProc;
        return VA_STATUS_SUCCESS;
}

EXPORT VAStatus vaCreateConfig(VADisplay dpy, VAProfile p, VAEntrypoint e, VAConfigAttrib *a, int n, VAConfigID *id)
{
        if (p != VAProfileNone || e != VAEntrypointVideoProc || config_alive)
                return VA_STATUS_ERROR_UNSUPPORTED_ENTRYPOINT;
        config_alive = true;
        *id = 1;
        return VA_STATUS_SUCCESS;
}

EXPORT VAStatus vaDestroyConfig(VADisplay dpy, VAConfigID id)
{
        if (id != 1 || !config_alive)
                return VA_STATUS_ERROR_INVALID_CONFIG;
        config_alive = false;
        return VA_STATUS_SUCCESS;
}

EXPORT VAStatus vaQuerySurfaceAttributes(VADisplay dpy, VAConfigID id, VASurfaceAttrib *list, unsigned *n)
{
        static const uint32_t formats[] = { VA_FOURCC_BGRX, VA_FOURCC_BGRA };
        unsigned want = 1 + sizeof(formats) / sizeof(formats[0]);

        if (!list) {
                *n = want;
                return VA_STATUS_SUCCESS;
        }
        if (*n < want)
                return VA_STATUS_ERROR_MAX_NUM_EXCEEDED;
        list[0] = (VASurfaceAttrib) { .type = VASurfaceAttribMemoryType,
                                      .value = { .type = VAGenericValueTypeInteger,
                                                 .value.i = VA_SURFACE_ATTRIB_MEM_TYPE_VA |
                                                            VA_SURFACE_ATTRIB_MEM_TYPE_DRM_PRIME_2 } };
        for (unsigned i = 0; i < want - 1; i++)
                list[1 + i] = (VASurfaceAttrib) { .type = VASurfaceAttribPixelFormat,
                                                  .value = { .type = VAGenericValueTypeInteger,
                                                             .value.i = (int) formats[i] } };
        *n = want;
        return VA_STATUS_SUCCESS;
}

static int new_surface(void)
{
        for (int i = 0; i < MAX_OBJ; i++)
                if (!surfaces[i].used)
                        return i;
        return -1;
}

EXPORT VAStatus vaCreateSurfaces(VADisplay dpy, unsigned format, unsigned w, unsigned h, VASurfaceID *out,
                                 unsigned n, VASurfaceAttrib *attrs, unsigned n_attrs)
{
        const VADRMPRIMESurfaceDescriptor *desc = NULL;
        uint32_t fourcc = 0, memtype = VA_SURFACE_ATTRIB_MEM_TYPE_VA;
        int i = new_surface();

        if (n != 1 || i < 0 || w == 0 || h == 0)
                return VA_STATUS_ERROR_INVALID_PARAMETER;
        for (unsigned a = 0; a < n_attrs; a++) {
                if (attrs[a].type == VASurfaceAttribPixelFormat)
                        fourcc = (uint32_t) attrs[a].value.value.i;
                else if (attrs[a].type == VASurfaceAttribMemoryType)
                        memtype = (uint32_t) attrs[a].value.value.i;
                else if (attrs[a].type == VASurfaceAttribExternalBufferDescriptor)
                        desc = attrs[a].value.value.p;
        }
        if (memtype == VA_SURFACE_ATTRIB_MEM_TYPE_VA) {
                if (format != VA_RT_FORMAT_RGB32 || fourcc != VA_FOURCC_BGRX)
                        return VA_STATUS_ERROR_UNSUPPORTED_RT_FORMAT;
                surfaces[i] = (struct surface) { .used = true, .w = w, .h = h, .fourcc = fourcc,
                                                 .pitch = w * 4 + DST_PAD };
                surfaces[i].pixels = calloc(h, surfaces[i].pitch);
                if (!surfaces[i].pixels)
                        return VA_STATUS_ERROR_ALLOCATION_FAILED;
                dst_created++;
        } else if (memtype == VA_SURFACE_ATTRIB_MEM_TYPE_DRM_PRIME_2 && desc) {
                off_t size;
                void *map;

                last_desc = *desc;
                if (desc->num_objects != 1 || desc->num_layers != 1 || desc->layers[0].num_planes != 1 ||
                    desc->objects[0].drm_format_modifier != 0 || desc->width != w || desc->height != h)
                        return VA_STATUS_ERROR_UNSUPPORTED_MEMORY_TYPE; /* linear single-plane only */
                if (format != VA_RT_FORMAT_RGB32 ||
                    (desc->fourcc != VA_FOURCC_BGRX && desc->fourcc != VA_FOURCC_BGRA))
                        return VA_STATUS_ERROR_UNSUPPORTED_RT_FORMAT;
                size = lseek(desc->objects[0].fd, 0, SEEK_END);
                if (size <= 0 || (uint32_t) size != desc->objects[0].size ||
                    desc->layers[0].offset[0] + (uint64_t) desc->layers[0].pitch[0] * h > (uint64_t) size)
                        return VA_STATUS_ERROR_INVALID_PARAMETER;
                map = mmap(NULL, (size_t) size, PROT_READ, MAP_SHARED, desc->objects[0].fd, 0);
                if (map == MAP_FAILED)
                        return VA_STATUS_ERROR_INVALID_PARAMETER;
                surfaces[i] = (struct surface) { .used = true, .w = w, .h = h, .fourcc = desc->fourcc,
                                                 .pixels = map, .map_size = (size_t) size, .imported = true,
                                                 .offset = desc->layers[0].offset[0],
                                                 .pitch = desc->layers[0].pitch[0] };
                src_imported++;
        } else
                return VA_STATUS_ERROR_UNSUPPORTED_MEMORY_TYPE;
        *out = (VASurfaceID) i;
        return VA_STATUS_SUCCESS;
}

static struct surface *surface(VASurfaceID id)
{
        return id < MAX_OBJ && surfaces[id].used ? &surfaces[id] : NULL;
}

EXPORT VAStatus vaDestroySurfaces(VADisplay dpy, VASurfaceID *ids, int n)
{
        for (int k = 0; k < n; k++) {
                struct surface *s = surface(ids[k]);

                if (!s)
                        return VA_STATUS_ERROR_INVALID_SURFACE;
                if (s->imported)
                        munmap(s->pixels, s->map_size);
                else
                        free(s->pixels);
                *s = (struct surface) {};
        }
        return VA_STATUS_SUCCESS;
}

EXPORT VAStatus vaCreateContext(VADisplay dpy, VAConfigID config, int w, int h, int flag, VASurfaceID *targets,
                                int n, VAContextID *ctx)
{
        if (!config_alive || context_alive || n != 1 || !surface(targets[0]))
                return VA_STATUS_ERROR_INVALID_PARAMETER;
        context_alive = true;
        context_target = targets[0];
        *ctx = 1;
        return VA_STATUS_SUCCESS;
}

EXPORT VAStatus vaDestroyContext(VADisplay dpy, VAContextID ctx)
{
        if (!context_alive)
                return VA_STATUS_ERROR_INVALID_CONTEXT;
        context_alive = false;
        return VA_STATUS_SUCCESS;
}

EXPORT VAStatus vaCreateBuffer(VADisplay dpy, VAContextID ctx, VABufferType type, unsigned size, unsigned n,
                               void *data, VABufferID *id)
{
        if (!context_alive || type != VAProcPipelineParameterBufferType ||
            size != sizeof(VAProcPipelineParameterBuffer) || n != 1)
                return VA_STATUS_ERROR_INVALID_PARAMETER;
        for (int i = 0; i < MAX_OBJ; i++)
                if (!buffer_used[i]) {
                        buffer_used[i] = true;
                        memcpy(&buffers[i], data, size);
                        *id = (VABufferID) i;
                        return VA_STATUS_SUCCESS;
                }
        return VA_STATUS_ERROR_ALLOCATION_FAILED;
}

EXPORT VAStatus vaDestroyBuffer(VADisplay dpy, VABufferID id)
{
        if (id < MAX_OBJ && buffer_used[id]) {
                buffer_used[id] = false;
                return VA_STATUS_SUCCESS;
        }
        /* an image's buffer lives as long as the image */
        return VA_STATUS_ERROR_INVALID_BUFFER;
}

EXPORT VAStatus vaBeginPicture(VADisplay dpy, VAContextID ctx, VASurfaceID target)
{
        if (!context_alive || target != context_target || picture_target != VA_INVALID_SURFACE)
                return VA_STATUS_ERROR_INVALID_PARAMETER;
        picture_target = target;
        rendered_src = VA_INVALID_SURFACE;
        return VA_STATUS_SUCCESS;
}

EXPORT VAStatus vaRenderPicture(VADisplay dpy, VAContextID ctx, VABufferID *ids, int n)
{
        if (picture_target == VA_INVALID_SURFACE || n != 1 || ids[0] >= MAX_OBJ || !buffer_used[ids[0]])
                return VA_STATUS_ERROR_INVALID_PARAMETER;
        /* whole picture to whole picture: no regions, no filters */
        if (buffers[ids[0]].surface_region || buffers[ids[0]].output_region || buffers[ids[0]].num_filters)
                return VA_STATUS_ERROR_INVALID_PARAMETER;
        rendered_src = buffers[ids[0]].surface;
        return surface(rendered_src) ? VA_STATUS_SUCCESS : VA_STATUS_ERROR_INVALID_SURFACE;
}

EXPORT VAStatus vaEndPicture(VADisplay dpy, VAContextID ctx)
{
        struct surface *src = surface(rendered_src), *dst = surface(picture_target);

        picture_target = VA_INVALID_SURFACE;
        if (!src || !dst || src->w != dst->w || src->h != dst->h)
                return VA_STATUS_ERROR_INVALID_PARAMETER;
        for (unsigned y = 0; y < dst->h; y++)
                for (unsigned x = 0; x < dst->w; x++) {
                        const uint8_t *p = src->pixels + src->offset + (size_t) y * src->pitch + x * 4;
                        uint8_t *q = dst->pixels + (size_t) y * dst->pitch + x * 4;

                        q[0] = p[0];
                        q[1] = p[1];
                        q[2] = p[2];
                        q[3] = 0xff;
                }
        conversions++;
        return VA_STATUS_SUCCESS;
}

EXPORT VAStatus vaSyncSurface(VADisplay dpy, VASurfaceID id)
{
        return surface(id) ? VA_STATUS_SUCCESS : VA_STATUS_ERROR_INVALID_SURFACE;
}

static int new_image(void)
{
        for (int i = 0; i < MAX_OBJ; i++)
                if (!images[i].used)
                        return i;
        return -1;
}

static void fill_image(int i, unsigned w, unsigned h, uint32_t pitch, uint32_t offset, uint32_t size)
{
        images[i].used = true;
        images[i].image = (VAImage) {
                .image_id = (VAImageID) i, .buf = (VABufferID) (100 + i), .width = (uint16_t) w,
                .height = (uint16_t) h, .data_size = size, .num_planes = 1,
        };
        images[i].image.format = (VAImageFormat) { .fourcc = VA_FOURCC_BGRX, .byte_order = VA_LSB_FIRST,
                                                   .bits_per_pixel = 32 };
        images[i].image.pitches[0] = pitch;
        images[i].image.offsets[0] = offset;
}

EXPORT VAStatus vaDeriveImage(VADisplay dpy, VASurfaceID id, VAImage *out)
{
        struct surface *s = surface(id);
        int i = new_image();

        if (broken("noderive"))
                return VA_STATUS_ERROR_OPERATION_FAILED;
        if (!s || s->imported || i < 0)
                return VA_STATUS_ERROR_INVALID_SURFACE;
        fill_image(i, s->w, s->h, s->pitch, 0, s->pitch * s->h);
        images[i].data = s->pixels;
        *out = images[i].image;
        return VA_STATUS_SUCCESS;
}

EXPORT VAStatus vaCreateImage(VADisplay dpy, VAImageFormat *format, int w, int h, VAImage *out)
{
        int i = new_image();
        uint32_t pitch = (uint32_t) w * 4 + 32;

        if (i < 0 || format->fourcc != VA_FOURCC_BGRX)
                return VA_STATUS_ERROR_INVALID_IMAGE_FORMAT;
        fill_image(i, (unsigned) w, (unsigned) h, pitch, IMG_OFF, IMG_OFF + pitch * (uint32_t) h);
        images[i].data = calloc(1, IMG_OFF + (size_t) pitch * (size_t) h);
        images[i].owned = true;
        *out = images[i].image;
        return images[i].data ? VA_STATUS_SUCCESS : VA_STATUS_ERROR_ALLOCATION_FAILED;
}

EXPORT VAStatus vaGetImage(VADisplay dpy, VASurfaceID id, int x, int y, unsigned w, unsigned h, VAImageID img)
{
        struct surface *s = surface(id);

        if (!s || img >= MAX_OBJ || !images[img].used || x || y || w != s->w || h != s->h)
                return VA_STATUS_ERROR_INVALID_PARAMETER;
        for (unsigned r = 0; r < h; r++)
                memcpy(images[img].data + IMG_OFF + (size_t) r * images[img].image.pitches[0],
                       s->pixels + (size_t) r * s->pitch, (size_t) w * 4);
        return VA_STATUS_SUCCESS;
}

EXPORT VAStatus vaDestroyImage(VADisplay dpy, VAImageID img)
{
        if (img >= MAX_OBJ || !images[img].used)
                return VA_STATUS_ERROR_INVALID_IMAGE;
        if (images[img].owned)
                free(images[img].data);
        images[img] = (struct image) {};
        return VA_STATUS_SUCCESS;
}

EXPORT VAStatus vaMapBuffer(VADisplay dpy, VABufferID id, void **p)
{
        if (broken("nomap"))
                return VA_STATUS_ERROR_OPERATION_FAILED;
        if (id < 100 || id >= 100 + MAX_OBJ || !images[id - 100].used)
                return VA_STATUS_ERROR_INVALID_BUFFER;
        *p = images[id - 100].data;
        return VA_STATUS_SUCCESS;
}

EXPORT VAStatus vaUnmapBuffer(VADisplay dpy, VABufferID id)
{
        return VA_STATUS_SUCCESS;
}
