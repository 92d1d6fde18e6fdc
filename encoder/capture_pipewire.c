/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The pipewire capture backend: consume a PipeWire video node (a compositor's
 * screen-cast stream, a portal stream, a camera, a test producer).
 *
 *   open    connect to PipeWire through the fd we were given (a portal's
 *           OpenPipeWireRemote fd, handed over by the user session) or, for
 *           kiosk systems and tests, to the configured socket path; create
 *           an input pw_stream aimed at the node (id or node.name, or
 *           whatever the session manager links us to), offer the packed
 *           32-bit RGB formats we can read in memory (MemFd/MemPtr) at the
 *           preferred size, and wait for the first picture so a missing
 *           node or a format we cannot use fails the open, not the stream.
 *   pw thread  (pw_thread_loop) on each new buffer: keep only the newest
 *           one, give the older back at once (never a queue), take its crop
 *           (SPA_META_VideoCrop: GNOME's window streams are the size of the
 *           monitor with the window in a corner; the picture is the crop),
 *           add its damage
 *           (SPA_META_VideoDamage; the whole picture without it) to the
 *           pending damage, take the cursor (SPA_META_Cursor) position and
 *           bitmap. Format changes, pauses, errors, the peer node going away
 *           and the connection dropping are recorded for the next update.
 *   update  (media thread, at the session's frame rate) under the loop's
 *           lock: apply a new format; copy the pending damaged tiles of the
 *           held buffer into our shadow picture where they really differ,
 *           marking them; give the buffer back; report a recorded error.
 *           No new buffer: nothing changes, the media thread skips the
 *           frame and the session stays alive on the last picture.
 *   fill    copy stale tiles from the shadow into the pool buffer and
 *           blend the cursor on top (as kms does).
 *
 * dma-buf (the zero-copy VAAPI path): only when the consumer asked for
 * CAPTURE_ACCESS_DMABUF (the worker does when the encoder is "vaapi") do we
 * also offer the 32-bit RGB formats with modifiers (linear, or the driver's
 * implicit one), first; a producer that gives dma-bufs then has its buffer
 * handed to the encoder as the frame's dmabuf_fd (no CPU copy, no tile
 * compare: the damage metadata marks the tiles), and the buffer goes back
 * to the producer when a newer one is shown. Without a GPU here this path
 * is compiled and reviewed, not run; memory buffers stay the tested path.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <pipewire/pipewire.h>
#include <spa/buffer/meta.h>
#include <spa/param/video/format-utils.h>
#include <spa/utils/result.h>

#include "../protocol/macro.h"
#include "capture_backend.h"

/* How long open() waits for the first picture (a node to link to and a format both sides accept). */
#define PIPEWIRE_OPEN_TIMEOUT_SEC 5
/* How long open() waits for the first buffer of a stream that runs with an agreed format, before it
 * opens showing black until that buffer comes. */
#define PIPEWIRE_FIRST_PICTURE_USEC 500000ull
#define PIPEWIRE_MAX_DAMAGE_RECTS 16
/* Mutter (GNOME 48) offers cursor metadata room for exactly 384x384: a smaller maximum here and the
 * two sides share no size, so no cursor metadata at all. */
#define PIPEWIRE_CURSOR_MAX 384
#define PIPEWIRE_FORMATS_TEXT "BGRx/RGBx/BGRA/RGBA/xRGB/xBGR/ARGB/ABGR in memory"

struct pipewire {
        struct capture *capture; /* not owned: the capture this is the backend of */
        struct pw_thread_loop *loop;
        struct pw_context *context;
        struct pw_core *core;
        struct spa_hook core_listener;
        struct pw_registry *registry;
        struct spa_hook registry_listener;
        struct pw_stream *stream;
        struct spa_hook stream_listener;
        char target[128]; /* what we asked for, for messages ("(default)": no node named) */
        bool target_named;

        /* Everything below is shared with the pw thread: touched only under the loop's lock. */
        int error;           /* sticky: the stream is dead */
        char error_text[200];
        uint32_t own_node;   /* our stream's node id, SPA_ID_INVALID until known */
        uint32_t peer_node;  /* the node linked to us, SPA_ID_INVALID until a link shows up */
        uint32_t target_node; /* the node we named, once seen (a portal's remote shows its node but not the link) */
        bool target_seen;    /* a node with the id or node.name we target exists */
        enum pw_stream_state state;

        /* negotiated format (pw side) */
        unsigned fmt_gen;    /* increases with each negotiated format or picture rectangle */
        unsigned width, height;  /* the buffers' size */
        unsigned pic_x, pic_y, pic_w, pic_h; /* the picture in them: the crop, else all of it */
        uint32_t spa_format;
        bool dmabuf_offer;   /* set at open: we offered dma-buf formats (the encoder can import them) */
        bool dmabuf;         /* the negotiated format has a modifier: buffers are dma-bufs */
        uint64_t modifier;
        struct pw_buffer *shown; /* dma-buf: the buffer the latest frame points at, back when a newer one shows */

        struct pw_buffer *held; /* the newest buffer not yet copied (one at most) */
        unsigned tiles_x, tiles_y;
        uint8_t *pending;    /* per tile of the pw format: damaged since the last update */
        bool got_picture;    /* a buffer with pixels arrived since open */
        uint64_t buffers, buffers_empty;

        /* cursor, from the newest buffer that had cursor metadata */
        bool cursor_gen_changed;
        bool cursor_visible;
        int cursor_x, cursor_y; /* top-left of the bitmap (position - hotspot) */
        int cursor_w, cursor_h;
        uint32_t *cursor_img; /* premultiplied, XRGB word order with alpha on top */

        /* media-thread side (under the capture lock) */
        unsigned applied_gen;
        uint8_t *shadow;     /* the latest picture, width * 4 per row, in c->fourcc */
        bool shadow_fresh;
        bool shown_cursor_visible;
        int shown_cursor[4]; /* cursor rectangle in the current shadow-based pictures */
        uint32_t *shown_img;
        int shown_w, shown_h;
};

static pthread_once_t pw_once = PTHREAD_ONCE_INIT;

static void pipewire_init_library(void)
{
        pw_init(NULL, NULL);
}

/* Called with the loop's lock held (or from the pw thread). */
static void pipewire_fail(struct pipewire *p, int error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void pipewire_fail(struct pipewire *p, int error, const char *fmt, ...)
{
        va_list ap;

        if (p->error)
                return; /* the first reason is the one that counts */
        p->error = error;
        va_start(ap, fmt);
        vsnprintf(p->error_text, sizeof(p->error_text), fmt, ap);
        va_end(ap);
        pw_thread_loop_signal(p->loop, false);
}

/* The SPA video formats we read, and the DRM fourcc the shadow holds them in. */
static bool spa_format_to_fourcc(uint32_t f, uint32_t *ret_fourcc, bool *ret_shift)
{
        /* SPA names bytes in memory order, DRM names little-endian words. The x/A-first formats are
         * shifted down by 8 bits while copying, which turns them into the word order on the right. */
        switch (f) {
        case SPA_VIDEO_FORMAT_BGRx:
        case SPA_VIDEO_FORMAT_BGRA:
                *ret_fourcc = DRM_FORMAT_XRGB8888;
                *ret_shift = false;
                return true;
        case SPA_VIDEO_FORMAT_RGBx:
        case SPA_VIDEO_FORMAT_RGBA:
                *ret_fourcc = DRM_FORMAT_XBGR8888;
                *ret_shift = false;
                return true;
        case SPA_VIDEO_FORMAT_xRGB:
        case SPA_VIDEO_FORMAT_ARGB:
                *ret_fourcc = DRM_FORMAT_XBGR8888;
                *ret_shift = true;
                return true;
        case SPA_VIDEO_FORMAT_xBGR:
        case SPA_VIDEO_FORMAT_ABGR:
                *ret_fourcc = DRM_FORMAT_XRGB8888;
                *ret_shift = true;
                return true;
        default:
                return false;
        }
}

/* ---- pw thread ------------------------------------------------------------ */

/* Mark a rectangle given in buffer coordinates, as tiles of the picture. */
static void pending_mark_rect(struct pipewire *p, int x, int y, int w, int h)
{
        int x1, y1;

        x -= (int) p->pic_x;
        y -= (int) p->pic_y;
        x1 = MIN(x + w, (int) p->pic_w);
        y1 = MIN(y + h, (int) p->pic_h);
        x = MAX(x, 0);
        y = MAX(y, 0);
        if (!p->pending || x >= x1 || y >= y1)
                return;
        for (int ty = y / CAPTURE_TILE_SIZE; ty <= (y1 - 1) / CAPTURE_TILE_SIZE; ty++)
                memset(p->pending + (size_t) ty * p->tiles_x + x / CAPTURE_TILE_SIZE, 1,
                       (x1 - 1) / CAPTURE_TILE_SIZE - x / CAPTURE_TILE_SIZE + 1);
}

static void pending_mark_all(struct pipewire *p)
{
        if (p->pending)
                memset(p->pending, 1, (size_t) p->tiles_x * p->tiles_y);
}

/* Premultiply a cursor bitmap into XRGB word order with alpha. */
static void pipewire_take_cursor_bitmap(struct pipewire *p, const struct spa_meta_bitmap *bm, size_t avail)
{
        uint32_t fourcc;
        bool shift;
        uint32_t *img;
        size_t need;

        if (bm->offset == 0 || bm->size.width == 0 || bm->size.height == 0) {
                p->cursor_w = p->cursor_h = 0; /* no image: invisible */
                return;
        }
        if (!spa_format_to_fourcc(bm->format, &fourcc, &shift) || bm->size.width > PIPEWIRE_CURSOR_MAX ||
            bm->size.height > PIPEWIRE_CURSOR_MAX || bm->stride < (int32_t) bm->size.width * 4)
                return; /* a cursor we cannot draw: keep the last one */
        need = (size_t) bm->offset + (size_t) bm->stride * (bm->size.height - 1) + bm->size.width * 4;
        if (need > avail)
                return;
        img = malloc((size_t) bm->size.width * bm->size.height * 4);
        if (!img)
                return;
        for (unsigned y = 0; y < bm->size.height; y++) {
                const uint8_t *row = (const uint8_t *) bm + bm->offset + (size_t) y * bm->stride;

                for (unsigned x = 0; x < bm->size.width; x++) {
                        uint32_t w, a, px;

                        memcpy(&w, row + x * 4, 4);
                        /* alpha: the top byte for BGRA/RGBA, the bottom one for ARGB/ABGR; xRGB-style has none */
                        a = shift ? w & 0xff : w >> 24;
                        if (bm->format == SPA_VIDEO_FORMAT_BGRx || bm->format == SPA_VIDEO_FORMAT_RGBx ||
                            bm->format == SPA_VIDEO_FORMAT_xRGB || bm->format == SPA_VIDEO_FORMAT_xBGR)
                                a = 0xff;
                        if (shift)
                                w >>= 8;
                        if (fourcc == DRM_FORMAT_XBGR8888)
                                w = (w & 0x0000ff00u) | (w & 0xff) << 16 | (w >> 16 & 0xff);
                        /* straight alpha in PipeWire cursor bitmaps: premultiply for the blend */
                        px = a << 24;
                        for (int sh = 0; sh < 24; sh += 8)
                                px |= (((w >> sh & 0xff) * a + 127) / 255) << sh;
                        img[(size_t) y * bm->size.width + x] = px;
                }
        }
        free(p->cursor_img);
        p->cursor_img = img;
        p->cursor_w = bm->size.width;
        p->cursor_h = bm->size.height;
}

static void pipewire_take_cursor(struct pipewire *p, struct spa_buffer *buf)
{
        struct spa_meta *m = spa_buffer_find_meta(buf, SPA_META_Cursor);
        struct spa_meta_cursor *cur;
        bool visible;

        if (!m || m->size < sizeof(*cur))
                return;
        cur = m->data;
        if (!spa_meta_cursor_is_valid(cur))
                return; /* no news about the cursor */
        if (cur->bitmap_offset >= sizeof(*cur) && cur->bitmap_offset + sizeof(struct spa_meta_bitmap) <= m->size) {
                pipewire_take_cursor_bitmap(p, SPA_PTROFF(cur, cur->bitmap_offset, struct spa_meta_bitmap),
                                            m->size - cur->bitmap_offset);
                p->cursor_gen_changed = true; /* a new image, maybe the same: redraw once */
        }
        visible = p->cursor_img && p->cursor_w > 0;
        /* Producers repeat the cursor in every buffer: only a move or a new image is damage. */
        if (visible != p->cursor_visible || p->cursor_x != cur->position.x - cur->hotspot.x - (int) p->pic_x ||
            p->cursor_y != cur->position.y - cur->hotspot.y - (int) p->pic_y)
                p->cursor_gen_changed = true;
        p->cursor_x = cur->position.x - cur->hotspot.x - (int) p->pic_x;
        p->cursor_y = cur->position.y - cur->hotspot.y - (int) p->pic_y;
        p->cursor_visible = visible;
}

/* Add this buffer's damage to the pending damage. */
static void pipewire_take_damage(struct pipewire *p, struct spa_buffer *buf)
{
        struct spa_meta *m = spa_buffer_find_meta(buf, SPA_META_VideoDamage);
        struct spa_meta_region *r;
        size_t n = 0;

        if (!m) {
                pending_mark_all(p);
                return;
        }
        spa_meta_for_each(r, m) {
                if (!spa_meta_region_is_valid(r))
                        break;
                /* Mutter 48 gives a virtual monitor's damage in desktop coordinates (x from 1280 for one
                 * right of a 1280 wide monitor), outside the buffer: not ours to mend, take it all. */
                if (r->region.position.x < 0 || r->region.position.y < 0 ||
                    (uint64_t) r->region.position.x >= p->width || (uint64_t) r->region.position.y >= p->height) {
                        pending_mark_all(p);
                        return;
                }
                pending_mark_rect(p, r->region.position.x, r->region.position.y, (int) r->region.size.width,
                                  (int) r->region.size.height);
                n++;
        }
        /* No region at all, or every slot used (there may have been more than fit): take the whole picture. */
        if (n == 0 || n == m->size / sizeof(*r))
                pending_mark_all(p);
}

/* Does the buffer hold a whole picture in memory? */
static bool pipewire_buffer_has_picture(struct pipewire *p, struct pw_buffer *b)
{
        struct spa_buffer *buf = b->buffer;
        struct spa_data *d = &buf->datas[0];
        struct spa_meta_header *h = spa_buffer_find_meta_data(buf, SPA_META_Header, sizeof(*h));
        uint32_t stride;

        if (buf->n_datas < 1 || !d->chunk)
                return false;
        if (p->dmabuf)
                /* Nothing to map or measure: the encoder imports it with the negotiated modifier. */
                return d->type == SPA_DATA_DmaBuf && d->fd >= 0 && !(d->chunk->flags & SPA_CHUNK_FLAG_CORRUPTED) &&
                       !(h && (h->flags & SPA_META_HEADER_FLAG_CORRUPTED)) && d->chunk->size > 0;
        if (!d->data)
                return false;
        if (h && (h->flags & SPA_META_HEADER_FLAG_CORRUPTED))
                return false;
        if (d->chunk->flags & SPA_CHUNK_FLAG_CORRUPTED)
                return false;
        stride = d->chunk->stride > 0 ? (uint32_t) d->chunk->stride : p->width * 4;
        /* An empty chunk is a cursor-only update (Mutter sends those); a short one is broken. */
        return stride >= p->width * 4 && d->chunk->size > 0 &&
               (uint64_t) d->chunk->offset + d->chunk->size <= d->maxsize &&
               d->chunk->size >= (uint64_t) stride * (p->height - 1) + p->width * 4;
}

/* The picture is now x,y w x h of the buffers: tiles for it, all pending, a new format for the media thread. */
static int pipewire_set_picture(struct pipewire *p, unsigned x, unsigned y, unsigned w, unsigned h)
{
        unsigned tx = (w + CAPTURE_TILE_SIZE - 1) / CAPTURE_TILE_SIZE, ty = (h + CAPTURE_TILE_SIZE - 1) / CAPTURE_TILE_SIZE;
        uint8_t *pending = calloc((size_t) tx * ty, 1);

        if (!pending)
                return -ENOMEM;
        free(p->pending);
        p->pending = pending;
        p->tiles_x = tx;
        p->tiles_y = ty;
        p->pic_x = x;
        p->pic_y = y;
        p->pic_w = w;
        p->pic_h = h;
        p->fmt_gen++;
        pending_mark_all(p);
        return 0;
}

/*
 * The buffer's crop region, where it has one inside the buffer, else the whole buffer. Even sizes: the
 * encoders take 4:2:0. Not for dma-bufs: the encoder imports those whole.
 */
static void pipewire_take_crop(struct pipewire *p, struct spa_buffer *buf)
{
        struct spa_meta_region *crop = spa_buffer_find_meta_data(buf, SPA_META_VideoCrop, sizeof(*crop));
        unsigned x = 0, y = 0, w = p->width, h = p->height;

        if (!p->dmabuf && crop && spa_meta_region_is_valid(crop) && crop->region.position.x >= 0 &&
            crop->region.position.y >= 0 && crop->region.size.width >= 16 && crop->region.size.height >= 16 &&
            (uint64_t) crop->region.position.x + crop->region.size.width <= p->width &&
            (uint64_t) crop->region.position.y + crop->region.size.height <= p->height) {
                x = (unsigned) crop->region.position.x;
                y = (unsigned) crop->region.position.y;
                w = crop->region.size.width & ~1u;
                h = crop->region.size.height & ~1u;
        }
        if ((x != p->pic_x || y != p->pic_y || w != p->pic_w || h != p->pic_h) &&
            pipewire_set_picture(p, x, y, w, h) < 0)
                pipewire_fail(p, -ENOMEM, "pipewire: out of memory");
}

static void on_stream_process(void *userdata)
{
        struct pipewire *p = userdata;
        struct pw_buffer *b;
        bool new_picture = false;

        /* Drain: keep the newest picture, give every older buffer back at once. */
        while ((b = pw_stream_dequeue_buffer(p->stream))) {
                p->buffers++;
                pipewire_take_cursor(p, b->buffer);
                if (!pipewire_buffer_has_picture(p, b)) {
                        p->buffers_empty++;
                        pw_stream_queue_buffer(p->stream, b);
                        continue;
                }
                pipewire_take_crop(p, b->buffer);
                pipewire_take_damage(p, b->buffer);
                if (p->held)
                        pw_stream_queue_buffer(p->stream, p->held);
                p->held = b;
                p->got_picture = true;
                new_picture = true;
        }
        pw_thread_loop_signal(p->loop, false);
        /* a consumer ticking slowly on a still screen takes it at once */
        if (new_picture || p->cursor_gen_changed)
                capture_wake(p->capture);
}

static void on_stream_remove_buffer(void *userdata, struct pw_buffer *b)
{
        struct pipewire *p = userdata;

        if (p->held == b)
                p->held = NULL;
        if (p->shown == b)
                p->shown = NULL;
}

static void on_stream_param_changed(void *userdata, uint32_t id, const struct spa_pod *param)
{
        struct pipewire *p = userdata;
        struct spa_video_info_raw info = {};
        const struct spa_pod *params[5];
        uint8_t buf[1024];
        struct spa_pod_builder pb = SPA_POD_BUILDER_INIT(buf, sizeof(buf));
        uint32_t fourcc;
        bool shift;

        if (id != SPA_PARAM_Format || !param)
                return;
        if (spa_format_video_raw_parse(param, &info) < 0 || !spa_format_to_fourcc(info.format, &fourcc, &shift) ||
            info.size.width == 0 || info.size.height == 0 || info.size.width > 16384 || info.size.height > 16384) {
                pipewire_fail(p, -ENOTSUP, "pipewire: node %s negotiated a format we cannot read", p->target);
                return;
        }
        p->width = info.size.width;
        p->height = info.size.height;
        p->spa_format = info.format;
        /* A modifier in the format: the producer took our dma-buf offer. */
        p->dmabuf = p->dmabuf_offer && spa_pod_find_prop(param, NULL, SPA_FORMAT_VIDEO_modifier) != NULL;
        p->modifier = p->dmabuf ? info.modifier : DRM_FORMAT_MOD_LINEAR;
        /* The whole buffer until a crop says otherwise. */
        if (pipewire_set_picture(p, 0, 0, p->width, p->height) < 0) {
                pipewire_fail(p, -ENOMEM, "pipewire: out of memory");
                return;
        }

        /* Buffers in memory (or dma-bufs), 2..8 of them (we hold two at most); damage and cursor metadata
         * if offered. */
        params[0] = spa_pod_builder_add_object(&pb, SPA_TYPE_OBJECT_ParamBuffers, SPA_PARAM_Buffers,
                SPA_PARAM_BUFFERS_buffers, SPA_POD_CHOICE_RANGE_Int(4, 2, 8),
                SPA_PARAM_BUFFERS_blocks, SPA_POD_Int(1),
                SPA_PARAM_BUFFERS_dataType, SPA_POD_CHOICE_FLAGS_Int(p->dmabuf ? 1 << SPA_DATA_DmaBuf
                                                                                : (1 << SPA_DATA_MemFd) |
                                                                                  (1 << SPA_DATA_MemPtr)));
        params[1] = spa_pod_builder_add_object(&pb, SPA_TYPE_OBJECT_ParamMeta, SPA_PARAM_Meta,
                SPA_PARAM_META_type, SPA_POD_Id(SPA_META_Header),
                SPA_PARAM_META_size, SPA_POD_Int(sizeof(struct spa_meta_header)));
        params[2] = spa_pod_builder_add_object(&pb, SPA_TYPE_OBJECT_ParamMeta, SPA_PARAM_Meta,
                SPA_PARAM_META_type, SPA_POD_Id(SPA_META_VideoDamage),
                SPA_PARAM_META_size, SPA_POD_CHOICE_RANGE_Int(
                        sizeof(struct spa_meta_region) * PIPEWIRE_MAX_DAMAGE_RECTS,
                        sizeof(struct spa_meta_region) * 1,
                        sizeof(struct spa_meta_region) * PIPEWIRE_MAX_DAMAGE_RECTS));
        params[3] = spa_pod_builder_add_object(&pb, SPA_TYPE_OBJECT_ParamMeta, SPA_PARAM_Meta,
                SPA_PARAM_META_type, SPA_POD_Id(SPA_META_Cursor),
                SPA_PARAM_META_size, SPA_POD_CHOICE_RANGE_Int(
                        sizeof(struct spa_meta_cursor) + sizeof(struct spa_meta_bitmap) + 64 * 64 * 4,
                        sizeof(struct spa_meta_cursor) + sizeof(struct spa_meta_bitmap) + 1 * 1 * 4,
                        sizeof(struct spa_meta_cursor) + sizeof(struct spa_meta_bitmap) +
                                PIPEWIRE_CURSOR_MAX * PIPEWIRE_CURSOR_MAX * 4));
        params[4] = spa_pod_builder_add_object(&pb, SPA_TYPE_OBJECT_ParamMeta, SPA_PARAM_Meta,
                SPA_PARAM_META_type, SPA_POD_Id(SPA_META_VideoCrop),
                SPA_PARAM_META_size, SPA_POD_Int(sizeof(struct spa_meta_region)));
        (void) pw_stream_update_params(p->stream, params, ARRAY_SIZE(params));
        pw_thread_loop_signal(p->loop, false);
}

static void on_stream_state_changed(void *userdata, enum pw_stream_state old, enum pw_stream_state state,
                                    const char *error)
{
        struct pipewire *p = userdata;

        p->state = state;
        if (p->own_node == SPA_ID_INVALID && state >= PW_STREAM_STATE_PAUSED)
                p->own_node = pw_stream_get_node_id(p->stream);
        if (state == PW_STREAM_STATE_ERROR)
                pipewire_fail(p, -EIO, "pipewire: stream from node %s failed: %s", p->target, error ?: "unknown error");
        else if (state == PW_STREAM_STATE_UNCONNECTED && old != PW_STREAM_STATE_UNCONNECTED && !p->got_picture) {
                /* WirePlumber drops a stream it cannot link (we asked it not to pick another node) */
                if (p->target_seen)
                        pipewire_fail(p, -ENOTSUP, "pipewire: node %s exists but could not be linked to us (no "
                                      "common format? we read " PIPEWIRE_FORMATS_TEXT ")", p->target);
                else
                        pipewire_fail(p, -ENODEV, "pipewire: no node %s to link to", p->target);
        }
        else if (state == PW_STREAM_STATE_UNCONNECTED && old != PW_STREAM_STATE_UNCONNECTED)
                pipewire_fail(p, -ENODEV, "pipewire: stream from node %s was disconnected", p->target);
        /* PAUSED (the producer paused, or no link yet): keep showing the last picture. */
        pw_thread_loop_signal(p->loop, false);
}

static const struct pw_stream_events stream_events = {
        PW_VERSION_STREAM_EVENTS,
        .state_changed = on_stream_state_changed,
        .param_changed = on_stream_param_changed,
        .remove_buffer = on_stream_remove_buffer,
        .process = on_stream_process,
};

static void on_core_error(void *userdata, uint32_t id, int seq, int res, const char *message)
{
        struct pipewire *p = userdata;

        if (id != PW_ID_CORE)
                return; /* errors about other objects come back through the stream's state */
        if (res == -EPIPE)
                pipewire_fail(p, -ECONNRESET, "pipewire: the connection to PipeWire was lost");
        else
                pipewire_fail(p, res < 0 ? res : -EIO, "pipewire: %s", message ?: spa_strerror(res));
}

static const struct pw_core_events core_events = {
        PW_VERSION_CORE_EVENTS,
        .error = on_core_error,
};

/* Follow the links into our node: the node on the other end is our producer. */
static void on_registry_global(void *userdata, uint32_t id, uint32_t permissions, const char *type,
                               uint32_t version, const struct spa_dict *props)
{
        struct pipewire *p = userdata;
        const char *in, *out;

        if (props && p->target_named && strcmp(type, PW_TYPE_INTERFACE_Node) == 0) {
                const char *name = spa_dict_lookup(props, PW_KEY_NODE_NAME);
                char idbuf[16];

                snprintf(idbuf, sizeof(idbuf), "%u", id);
                if ((name && strcmp(name, p->target) == 0) || strcmp(idbuf, p->target) == 0) {
                        p->target_seen = true;
                        p->target_node = id;
                }
        }
        if (!props || strcmp(type, PW_TYPE_INTERFACE_Link) != 0)
                return;
        if (p->own_node == SPA_ID_INVALID && p->stream)
                p->own_node = pw_stream_get_node_id(p->stream);
        in = spa_dict_lookup(props, PW_KEY_LINK_INPUT_NODE);
        out = spa_dict_lookup(props, PW_KEY_LINK_OUTPUT_NODE);
        if (in && out && p->own_node != SPA_ID_INVALID && strtoul(in, NULL, 10) == p->own_node)
                p->peer_node = (uint32_t) strtoul(out, NULL, 10);
}

static void on_registry_global_remove(void *userdata, uint32_t id)
{
        struct pipewire *p = userdata;

        if (id != SPA_ID_INVALID && (id == p->peer_node || id == p->target_node))
                pipewire_fail(p, -ENODEV, "pipewire: node %s (id %u) went away", p->target, id);
}

static const struct pw_registry_events registry_events = {
        PW_VERSION_REGISTRY_EVENTS,
        .global = on_registry_global,
        .global_remove = on_registry_global_remove,
};

/* ---- open/close (daemon thread) ------------------------------------------ */

/* A connected socket to the configured PipeWire remote (kiosk systems, tests). */
static int pipewire_connect_path(const char *path)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd, r;

        if (strlen(path) >= sizeof(sa.sun_path))
                return capture_set_error(-ENAMETOOLONG, "pipewire: remote path \"%s\" too long", path);
        memcpy(sa.sun_path, path, strlen(path));
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                r = -errno;
                close(fd);
                return capture_set_error(r, "pipewire: cannot connect to %s: %s", path, strerror(-r));
        }
        return fd;
}

static void pipewire_free(struct pipewire *p)
{
        if (!p)
                return;
        if (p->loop) {
                pw_thread_loop_lock(p->loop);
                if (p->stream) {
                        /* the held and shown buffers go back with the stream */
                        p->held = NULL;
                        p->shown = NULL;
                        spa_hook_remove(&p->stream_listener);
                        pw_stream_destroy(p->stream);
                }
                if (p->registry) {
                        spa_hook_remove(&p->registry_listener);
                        pw_proxy_destroy((struct pw_proxy *) p->registry);
                }
                if (p->core) {
                        spa_hook_remove(&p->core_listener);
                        pw_core_disconnect(p->core);
                }
                pw_thread_loop_unlock(p->loop);
                pw_thread_loop_stop(p->loop);
        }
        if (p->context)
                pw_context_destroy(p->context);
        if (p->loop)
                pw_thread_loop_destroy(p->loop);
        free(p->pending);
        free(p->cursor_img);
        free(p->shadow);
        free(p->shown_img);
        free(p);
}

/* The formats with modifiers an importing encoder takes: linear, or the driver's implicit layout. */
static const struct spa_pod *pipewire_build_dmabuf_format(const struct capture_config *cfg,
                                                          struct spa_pod_builder *pb)
{
        struct spa_rectangle want = { cfg->width ?: 1280, cfg->height ?: 720 };
        struct spa_rectangle min = { 16, 16 }, max = { 8192, 8192 };
        struct spa_fraction rate = { 30, 1 }, rate_min = { 0, 1 }, rate_max = { 240, 1 };
        struct spa_pod_frame f, ch;

        spa_pod_builder_push_object(pb, &f, SPA_TYPE_OBJECT_Format, SPA_PARAM_EnumFormat);
        spa_pod_builder_add(pb, SPA_FORMAT_mediaType, SPA_POD_Id(SPA_MEDIA_TYPE_video),
                            SPA_FORMAT_mediaSubtype, SPA_POD_Id(SPA_MEDIA_SUBTYPE_raw),
                            /* the byte orders VAAPI imports as XRGB8888/XBGR8888 without a shift */
                            SPA_FORMAT_VIDEO_format, SPA_POD_CHOICE_ENUM_Id(5, SPA_VIDEO_FORMAT_BGRx,
                                                                           SPA_VIDEO_FORMAT_BGRx, SPA_VIDEO_FORMAT_RGBx,
                                                                           SPA_VIDEO_FORMAT_BGRA, SPA_VIDEO_FORMAT_RGBA),
                            0);
        spa_pod_builder_prop(pb, SPA_FORMAT_VIDEO_modifier, SPA_POD_PROP_FLAG_MANDATORY | SPA_POD_PROP_FLAG_DONT_FIXATE);
        spa_pod_builder_push_choice(pb, &ch, SPA_CHOICE_Enum, 0);
        spa_pod_builder_long(pb, (int64_t) DRM_FORMAT_MOD_LINEAR);
        spa_pod_builder_long(pb, (int64_t) DRM_FORMAT_MOD_LINEAR);
        spa_pod_builder_long(pb, (int64_t) DRM_FORMAT_MOD_INVALID);
        spa_pod_builder_pop(pb, &ch);
        spa_pod_builder_add(pb, SPA_FORMAT_VIDEO_size, SPA_POD_CHOICE_RANGE_Rectangle(&want, &min, &max),
                            SPA_FORMAT_VIDEO_framerate, SPA_POD_CHOICE_RANGE_Fraction(&rate, &rate_min, &rate_max), 0);
        return spa_pod_builder_pop(pb, &f);
}

/* One memory format object: the packed 32-bit RGB orders we read, at exactly want or within min..max. */
static const struct spa_pod *pipewire_build_format(struct spa_pod_builder *pb, const struct spa_rectangle *want,
                                                   bool exact)
{
        struct spa_rectangle min = { 16, 16 }, max = { 8192, 8192 };
        struct spa_fraction rate = { 30, 1 }, rate_min = { 0, 1 }, rate_max = { 240, 1 };

        struct spa_pod_frame f;

        spa_pod_builder_push_object(pb, &f, SPA_TYPE_OBJECT_Format, SPA_PARAM_EnumFormat);
        spa_pod_builder_add(pb, SPA_FORMAT_mediaType, SPA_POD_Id(SPA_MEDIA_TYPE_video),
                            SPA_FORMAT_mediaSubtype, SPA_POD_Id(SPA_MEDIA_SUBTYPE_raw),
                            SPA_FORMAT_VIDEO_format, SPA_POD_CHOICE_ENUM_Id(9,
                                    SPA_VIDEO_FORMAT_BGRx, SPA_VIDEO_FORMAT_BGRx, SPA_VIDEO_FORMAT_RGBx,
                                    SPA_VIDEO_FORMAT_BGRA, SPA_VIDEO_FORMAT_RGBA, SPA_VIDEO_FORMAT_xRGB,
                                    SPA_VIDEO_FORMAT_xBGR, SPA_VIDEO_FORMAT_ARGB, SPA_VIDEO_FORMAT_ABGR),
                            SPA_FORMAT_VIDEO_framerate, SPA_POD_CHOICE_RANGE_Fraction(&rate, &rate_min, &rate_max),
                            0);
        if (exact)
                spa_pod_builder_add(pb, SPA_FORMAT_VIDEO_size, SPA_POD_Rectangle(want), 0);
        else
                spa_pod_builder_add(pb, SPA_FORMAT_VIDEO_size, SPA_POD_CHOICE_RANGE_Rectangle(want, &min, &max), 0);
        return spa_pod_builder_pop(pb, &f);
}

/*
 * Ask for the session's size, first exactly, then any: a producer whose size is free (Mutter's
 * virtual monitor) fixates its own default when both sides offer a range (GNOME 48 made its
 * virtual monitor 1280x720 for a 640x480 session), so the exact size has to come first; a
 * producer of a fixed size (a monitor, a window) takes the range.
 */
static int pipewire_build_formats(const struct capture_config *cfg, struct spa_pod_builder *pb,
                                  const struct spa_pod **params, unsigned *n_params)
{
        struct spa_rectangle want = { cfg->width ?: 1280, cfg->height ?: 720 };

        if (cfg->width && cfg->height) {
                params[*n_params] = pipewire_build_format(pb, &want, true);
                if (!params[*n_params])
                        return -ENOMEM;
                (*n_params)++;
        }
        params[*n_params] = pipewire_build_format(pb, &want, false);
        if (!params[*n_params])
                return -ENOMEM;
        (*n_params)++;
        return 0;
}

static int pipewire_apply_format(struct capture *c, uint64_t seq);

static const char *stream_state_name(enum pw_stream_state s)
{
        return pw_stream_state_as_string(s);
}

static int pipewire_open(struct capture *c, const struct capture_config *cfg)
{
        struct pipewire *p;
        struct pw_properties *props;
        const struct spa_pod *params[3];
        unsigned n_params = 0;
        uint8_t buf[3072];
        struct spa_pod_builder pb = SPA_POD_BUILDER_INIT(buf, sizeof(buf));
        uint32_t target_id = PW_ID_ANY;
        char *end;
        int fd, r;
        uint64_t deadline, black_after = 0;
        bool black = false;

        if (c->access & CAPTURE_ACCESS_DMABUF && !(c->access & CAPTURE_ACCESS_CPU))
                return capture_set_error(-ENOTSUP, "pipewire: dma-buf only capture is not supported yet; the "
                                                   "backend reads buffers in memory");
        if (!cfg->have_pipewire_fd && !cfg->pipewire_remote)
                return capture_set_error(-EINVAL, "pipewire: no PipeWire connection: set pipewire-remote (a socket "
                                                  "path) or pass an fd from the user session");
        if (cfg->pipewire_node && strlen(cfg->pipewire_node) >= sizeof(((struct pipewire *) 0)->target))
                return capture_set_error(-EINVAL, "pipewire: node name too long");

        (void) pthread_once(&pw_once, pipewire_init_library);

        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        c->priv = p;
        p->capture = c;
        p->own_node = SPA_ID_INVALID;
        p->peer_node = SPA_ID_INVALID;
        p->target_node = SPA_ID_INVALID;
        snprintf(p->target, sizeof(p->target), "%s", cfg->pipewire_node ?: "(default)");
        p->target_named = cfg->pipewire_node != NULL;

        if (cfg->have_pipewire_fd) {
                /* pw_context_connect_fd() owns what it gets: give it a dup, the caller keeps its fd. */
                fd = fcntl(cfg->pipewire_fd, F_DUPFD_CLOEXEC, 3);
                if (fd < 0)
                        return capture_set_error(-errno, "pipewire: cannot duplicate the remote fd: %m");
        } else {
                fd = pipewire_connect_path(cfg->pipewire_remote);
                if (fd < 0)
                        return fd;
        }

        p->loop = pw_thread_loop_new("miracastd-pw", NULL);
        if (!p->loop) {
                close(fd);
                return -ENOMEM;
        }
        p->context = pw_context_new(pw_thread_loop_get_loop(p->loop), NULL, 0);
        if (!p->context) {
                close(fd);
                return capture_set_error(-errno ?: -ENOMEM, "pipewire: cannot create a context: %m");
        }
        if (pw_thread_loop_start(p->loop) < 0) {
                close(fd);
                return capture_set_error(-EIO, "pipewire: cannot start the loop thread");
        }

        pw_thread_loop_lock(p->loop);
        p->core = pw_context_connect_fd(p->context, fd, NULL, 0); /* owns fd, also on failure */
        if (!p->core) {
                r = -errno ?: -EIO;
                pw_thread_loop_unlock(p->loop);
                return capture_set_error(r, "pipewire: cannot connect: %s", strerror(-r));
        }
        pw_core_add_listener(p->core, &p->core_listener, &core_events, p);
        p->registry = pw_core_get_registry(p->core, PW_VERSION_REGISTRY, 0);
        if (p->registry)
                pw_registry_add_listener(p->registry, &p->registry_listener, &registry_events, p);

        props = pw_properties_new(PW_KEY_MEDIA_TYPE, "Video", PW_KEY_MEDIA_CATEGORY, "Capture",
                                  PW_KEY_MEDIA_ROLE, "Screen", PW_KEY_NODE_NAME, "miracastd",
                                  PW_KEY_NODE_DESCRIPTION, "Miracast source", NULL);
        if (props && cfg->pipewire_node) {
                unsigned long id = strtoul(cfg->pipewire_node, &end, 10);

                /* A number is a node id (a portal hands those out), anything else a node.name. An id goes
                 * only as the connect target: session managers read a numeric target.object as an
                 * object.serial, which is another number, and would refuse the link. */
                if (*cfg->pipewire_node && !*end && id < SPA_ID_INVALID)
                        target_id = (uint32_t) id;
                else
                        pw_properties_set(props, PW_KEY_TARGET_OBJECT, cfg->pipewire_node);
        }
        /* Do not follow the session manager to another node when ours goes away. */
        if (props)
                pw_properties_set(props, PW_KEY_NODE_DONT_RECONNECT, "true");
        p->stream = props ? pw_stream_new(p->core, "miracastd", props) : NULL;
        if (!p->stream) {
                pw_thread_loop_unlock(p->loop);
                return capture_set_error(-ENOMEM, "pipewire: cannot create a stream");
        }
        pw_stream_add_listener(p->stream, &p->stream_listener, &stream_events, p);
        /* dma-buf first, where the consumer can import it: a producer prefers what comes first. */
        p->dmabuf_offer = c->access & CAPTURE_ACCESS_DMABUF;
        if (p->dmabuf_offer) {
                params[n_params] = pipewire_build_dmabuf_format(cfg, &pb);
                if (params[n_params])
                        n_params++;
        }
        r = pipewire_build_formats(cfg, &pb, params, &n_params);
        if (r >= 0)
                r = pw_stream_connect(p->stream, PW_DIRECTION_INPUT, target_id,
                                      PW_STREAM_FLAG_AUTOCONNECT | PW_STREAM_FLAG_MAP_BUFFERS, params, n_params);
        if (r < 0) {
                pw_thread_loop_unlock(p->loop);
                return capture_set_error(r, "pipewire: cannot connect a stream to node %s: %s", p->target,
                                         spa_strerror(r));
        }

        /* Wait for the first picture: no node, no link or no common format fails here, with a reason. A
         * stream that runs with an agreed format but has had no buffer at all yet (a compositor slow to draw
         * a new, empty output: sway's headless output for extend, at times) opens after
         * PIPEWIRE_FIRST_PICTURE_USEC anyway, showing black until its first buffer: the person casting
         * sees the TV come up at once. A producer that sends only empty buffers still fails here, and so
         * does a dma-buf stream (nothing to show until a buffer is there). */
        deadline = capture_now_usec() + PIPEWIRE_OPEN_TIMEOUT_SEC * 1000000ull;
        while (!p->error && !p->got_picture) {
                uint64_t now = capture_now_usec(), until = deadline;
                struct timespec abstime;

                if (now >= deadline)
                        break;
                if (p->fmt_gen > 0 && p->buffers == 0 && p->state == PW_STREAM_STATE_STREAMING && !p->dmabuf) {
                        if (!black_after)
                                black_after = now + PIPEWIRE_FIRST_PICTURE_USEC;
                        if (now >= black_after) {
                                black = true;
                                break;
                        }
                        until = MIN(until, black_after);
                } else
                        black_after = 0;
                pw_thread_loop_get_time(p->loop, &abstime, (int64_t) (until - now) * 1000);
                (void) pw_thread_loop_timed_wait_full(p->loop, &abstime);
        }
        if (!p->error && !p->got_picture && !black) {
                if (p->fmt_gen == 0)
                        r = capture_set_error(-ENOTSUP,
                                              "pipewire: no picture from node %s within %d s: no format agreed "
                                              "(stream %s, %s); we read " PIPEWIRE_FORMATS_TEXT,
                                              p->target, PIPEWIRE_OPEN_TIMEOUT_SEC, stream_state_name(p->state),
                                              p->peer_node == SPA_ID_INVALID ? "not linked to any node"
                                                                            : "linked, but the producer's formats "
                                                                              "do not match");
                else
                        r = capture_set_error(-ETIMEDOUT, "pipewire: node %s sent no picture within %d s",
                                              p->target, PIPEWIRE_OPEN_TIMEOUT_SEC);
                pw_thread_loop_unlock(p->loop);
                return r;
        }
        if (p->error)
                r = capture_set_error(p->error, "%s", p->error_text);
        else
                r = pipewire_apply_format(c, c->seq + 1); /* the first picture's size is the capture's */
        pw_thread_loop_unlock(p->loop);
        return r;
}

static void pipewire_close(struct capture *c)
{
        pipewire_free(c->priv);
        c->priv = NULL;
}

/* ---- update/fill (media thread, capture lock held) ------------------------ */

/* Copy the pending tiles of the held buffer into the shadow where they differ; mark them. */
static void pipewire_copy_held(struct capture *c, uint64_t seq)
{
        struct pipewire *p = c->priv;
        struct spa_data *d = &p->held->buffer->datas[0];
        size_t src_stride = d->chunk->stride > 0 ? (size_t) d->chunk->stride : (size_t) p->width * 4;
        const uint8_t *src = SPA_PTROFF(d->data, d->chunk->offset + p->pic_y * src_stride + p->pic_x * 4,
                                        const uint8_t);
        size_t row_bytes = (size_t) c->width * 4;
        uint32_t fourcc;
        bool shift = false;
        uint32_t tmp[CAPTURE_TILE_SIZE];

        (void) spa_format_to_fourcc(p->spa_format, &fourcc, &shift);
        for (unsigned ty = 0; ty < c->tiles_y; ty++) {
                unsigned y0 = ty * CAPTURE_TILE_SIZE, y1 = MIN(y0 + CAPTURE_TILE_SIZE, c->height);

                for (unsigned tx = 0; tx < c->tiles_x; tx++) {
                        size_t x0 = (size_t) tx * CAPTURE_TILE_SIZE * 4;
                        size_t len = MIN((size_t) CAPTURE_TILE_SIZE * 4, row_bytes - x0);
                        bool differs = p->shadow_fresh;

                        if (!p->pending[(size_t) ty * p->tiles_x + tx])
                                continue;
                        for (unsigned y = y0; y < y1; y++) {
                                const uint8_t *s = src + (size_t) y * src_stride + x0;
                                uint8_t *dst = p->shadow + y * row_bytes + x0;

                                if (shift) {
                                        memcpy(tmp, s, len);
                                        for (size_t i = 0; i < len / 4; i++)
                                                tmp[i] >>= 8;
                                        s = (const uint8_t *) tmp;
                                }
                                if (!differs && memcmp(dst, s, len) == 0)
                                        continue;
                                differs = true;
                                memcpy(dst, s, len);
                        }
                        if (differs)
                                capture_mark_rect(c, tx * CAPTURE_TILE_SIZE, y0, CAPTURE_TILE_SIZE, y1 - y0, seq);
                }
        }
        p->shadow_fresh = false;
        memset(p->pending, 0, (size_t) p->tiles_x * p->tiles_y);
}

static int pipewire_apply_format(struct capture *c, uint64_t seq)
{
        struct pipewire *p = c->priv;
        uint32_t fourcc;
        bool shift;
        uint8_t *shadow;
        int r;

        if (!spa_format_to_fourcc(p->spa_format, &fourcc, &shift))
                return -ENOTSUP;
        shadow = calloc((size_t) p->pic_w * 4, p->pic_h);
        if (!shadow)
                return -ENOMEM;
        /* Drops the pool and marks every tile of the next picture as changed (a mode set). */
        r = capture_set_format(c, p->pic_w, p->pic_h, p->pic_w * 4, fourcc, p->modifier);
        if (r < 0) {
                free(shadow);
                return r;
        }
        free(p->shadow);
        p->shadow = shadow;
        p->shadow_fresh = true;
        p->shown_cursor_visible = false;
        p->cursor_gen_changed = true; /* draw it again on the new picture */
        p->applied_gen = p->fmt_gen;
        capture_mark_all(c, seq);
        return 0;
}

/* Cursor moved, changed or appeared/vanished: mark the old and the new rectangle. */
static int pipewire_update_cursor(struct capture *c, uint64_t seq)
{
        struct pipewire *p = c->priv;

        if (!p->cursor_gen_changed)
                return 0;
        p->cursor_gen_changed = false;
        if (p->shown_cursor_visible)
                capture_mark_rect(c, p->shown_cursor[0], p->shown_cursor[1], p->shown_cursor[2], p->shown_cursor[3],
                                  seq);
        p->shown_cursor_visible = p->cursor_visible && p->cursor_img;
        if (!p->shown_cursor_visible)
                return 0;
        if (p->shown_w != p->cursor_w || p->shown_h != p->cursor_h || !p->shown_img) {
                uint32_t *img = realloc(p->shown_img, (size_t) p->cursor_w * p->cursor_h * 4);

                if (!img) {
                        p->shown_cursor_visible = false;
                        return -ENOMEM;
                }
                p->shown_img = img;
                p->shown_w = p->cursor_w;
                p->shown_h = p->cursor_h;
        }
        memcpy(p->shown_img, p->cursor_img, (size_t) p->cursor_w * p->cursor_h * 4);
        p->shown_cursor[0] = p->cursor_x;
        p->shown_cursor[1] = p->cursor_y;
        p->shown_cursor[2] = p->cursor_w;
        p->shown_cursor[3] = p->cursor_h;
        capture_mark_rect(c, p->cursor_x, p->cursor_y, p->cursor_w, p->cursor_h, seq);
        return 0;
}

static int pipewire_update(struct capture *c, uint64_t seq)
{
        struct pipewire *p = c->priv;
        int r = 0;

        pw_thread_loop_lock(p->loop);
        if (p->error) {
                c->error = p->error; /* the stream is dead for good: the context opens a new one */
                r = capture_set_error(p->error, "%s", p->error_text);
                goto out;
        }
        if (p->applied_gen != p->fmt_gen && p->held) {
                r = pipewire_apply_format(c, seq);
                if (r < 0)
                        goto out;
        }
        if (p->held && p->applied_gen == p->fmt_gen && p->dmabuf) {
                /* No pixels to compare: the damage metadata says which tiles changed. The buffer stays
                 * ours while frames point at it; the one before goes back (its frame was encoded). */
                for (unsigned ty = 0; ty < p->tiles_y; ty++)
                        for (unsigned tx = 0; tx < p->tiles_x; tx++)
                                if (p->pending[(size_t) ty * p->tiles_x + tx])
                                        capture_mark_rect(c, tx * CAPTURE_TILE_SIZE, ty * CAPTURE_TILE_SIZE,
                                                          CAPTURE_TILE_SIZE, CAPTURE_TILE_SIZE, seq);
                memset(p->pending, 0, (size_t) p->tiles_x * p->tiles_y);
                if (p->shown)
                        pw_stream_queue_buffer(p->stream, p->shown);
                p->shown = p->held;
                p->held = NULL;
        } else if (p->held && p->applied_gen == p->fmt_gen) {
                pipewire_copy_held(c, seq);
                pw_stream_queue_buffer(p->stream, p->held);
                p->held = NULL;
        }
        r = pipewire_update_cursor(c, seq);
out:
        pw_thread_loop_unlock(p->loop);
        return r;
}

static bool rect_touches_tile(const int r[4], unsigned tx, unsigned ty)
{
        int x = tx * CAPTURE_TILE_SIZE, y = ty * CAPTURE_TILE_SIZE;

        return r[2] > 0 && r[0] < x + CAPTURE_TILE_SIZE && r[0] + r[2] > x && r[1] < y + CAPTURE_TILE_SIZE &&
               r[1] + r[3] > y;
}

/* Blend the premultiplied cursor onto the picture; remember where (b->overlay). */
static void pipewire_draw_cursor(struct capture *c, struct capture_buffer *b)
{
        struct pipewire *p = c->priv;
        const int *cr = p->shown_cursor;

        capture_blend_cursor(c, b, p->shown_cursor_visible ? p->shown_img : NULL, cr[0], cr[1], cr[2], cr[3],
                             c->fourcc == DRM_FORMAT_XBGR8888);
}

static int pipewire_fill(struct capture *c, struct capture_buffer *b)
{
        struct pipewire *p = c->priv;
        size_t row_bytes = (size_t) c->width * 4;

        if (p->dmabuf) {
                struct spa_data *d;
                int fd = -1;

                /* The pw thread may drop the buffer (remove_buffer): look at it under the loop's lock. */
                pw_thread_loop_lock(p->loop);
                if (p->shown) {
                        d = &p->shown->buffer->datas[0];
                        fd = fcntl((int) d->fd, F_DUPFD_CLOEXEC, 3);
                        b->frame.dmabuf_offset = d->chunk->offset;
                        b->frame.dmabuf_pitch = d->chunk->stride > 0 ? (uint32_t) d->chunk->stride : c->width * 4;
                }
                pw_thread_loop_unlock(p->loop);
                if (fd < 0)
                        return -EIO;
                if (b->frame.dmabuf_fd >= 0)
                        close(b->frame.dmabuf_fd);
                b->frame.dmabuf_fd = fd;
                b->frame.drm_fd = -1;   /* not a DRM device's buffer: the encoder opens a render node */
                b->frame.data = NULL;   /* only an importing encoder can use it (the cursor is not drawn) */
                b->frame.stride = 0;
                return 0;
        }
        if (!p->shadow || !b->pixels)
                return -EIO;
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
                                memcpy(b->pixels + y * row_bytes + x0, p->shadow + y * row_bytes + x0, len);
                }
        }
        pipewire_draw_cursor(c, b);
        return 0;
}

const struct capture_ops capture_pipewire_ops = {
        .name = "pipewire",
        .open = pipewire_open,
        .update = pipewire_update,
        .fill = pipewire_fill,
        .close = pipewire_close,
};
