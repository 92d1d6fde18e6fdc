/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The backend-independent half of capture: reference counting, the frame
 * pool, per-tile damage bookkeeping and sharing one picture between several
 * consumers. See capture.h for the contract and capture_backend.h for what a
 * backend provides.
 *
 * Pool buffers are reused, never freed while the format stays the same: the
 * first touch of fresh memory costs ~7 ms per 1080p frame on our machines, and
 * a reused buffer only needs the tiles that changed since the picture it
 * holds.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../protocol/macro.h"
#include "capture_backend.h"

static __thread char last_error[256];

static const char *const backend_names[_CAPTURE_BACKEND_MAX] = {
        [CAPTURE_BACKEND_TESTSRC] = "testsrc",
        [CAPTURE_BACKEND_KMS] = "kms",
        [CAPTURE_BACKEND_PIPEWIRE] = "pipewire",
};

static const char *const pattern_names[_CAPTURE_PATTERN_MAX] = {
        [CAPTURE_PATTERN_DESKTOP] = "desktop",
        [CAPTURE_PATTERN_MOTION] = "motion",
        [CAPTURE_PATTERN_STILL] = "still",
};

const char *capture_backend_to_string(enum capture_backend b)
{
        return b >= 0 && b < _CAPTURE_BACKEND_MAX ? backend_names[b] : NULL;
}

enum capture_backend capture_backend_from_string(const char *s)
{
        for (int i = 0; s && i < _CAPTURE_BACKEND_MAX; i++)
                if (strcmp(s, backend_names[i]) == 0)
                        return i;
        return _CAPTURE_BACKEND_INVALID;
}

const char *capture_pattern_to_string(enum capture_pattern p)
{
        return p >= 0 && p < _CAPTURE_PATTERN_MAX ? pattern_names[p] : NULL;
}

enum capture_pattern capture_pattern_from_string(const char *s)
{
        for (int i = 0; s && i < _CAPTURE_PATTERN_MAX; i++)
                if (strcmp(s, pattern_names[i]) == 0)
                        return i;
        return _CAPTURE_PATTERN_INVALID;
}

const char *capture_last_error(void)
{
        return last_error;
}

int capture_set_error(int error, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(last_error, sizeof(last_error), fmt, ap);
        va_end(ap);
        return error;
}

uint64_t capture_now_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

static struct capture_buffer *capture_buffer_free(struct capture_buffer *b)
{
        if (!b)
                return NULL;
        if (b->frame.dmabuf_fd >= 0)
                close(b->frame.dmabuf_fd);
        free(b->pixels);
        free(b);
        return NULL;
}

/* Drop the pool: free buffers nobody uses, mark the others stale (freed at their last unref). */
static void capture_drop_pool(struct capture *c)
{
        for (unsigned i = 0; i < CAPTURE_POOL_MAX; i++) {
                struct capture_buffer *b = c->pool[i];

                if (!b)
                        continue;
                if (b == c->latest) {
                        c->latest = NULL;
                        b->refcount--;
                }
                if (b->refcount == 0)
                        capture_buffer_free(b);
                else
                        b->stale = true;
                c->pool[i] = NULL;
        }
}

int capture_set_format(struct capture *c, unsigned width, unsigned height, unsigned stride, uint32_t fourcc,
                       uint64_t modifier)
{
        unsigned tx, ty;
        uint64_t *tiles;

        if (width == 0 || height == 0 || width > 16384 || height > 16384)
                return -EINVAL;

        tx = (width + CAPTURE_TILE_SIZE - 1) / CAPTURE_TILE_SIZE;
        ty = (height + CAPTURE_TILE_SIZE - 1) / CAPTURE_TILE_SIZE;
        if (c->width == width && c->height == height && c->stride == stride && c->fourcc == fourcc &&
            c->modifier == modifier && c->tile_seq)
                return 0;

        tiles = calloc((size_t) tx * ty, sizeof(*tiles));
        if (!tiles)
                return -ENOMEM;
        capture_drop_pool(c);
        free(c->tile_seq);
        c->tile_seq = tiles;
        c->tiles_x = tx;
        c->tiles_y = ty;
        c->width = width;
        c->height = height;
        c->stride = stride;
        c->fourcc = fourcc;
        c->modifier = modifier;
        /* Every tile counts as changed in the next picture. */
        capture_mark_all(c, c->seq + 1);
        return 0;
}

void capture_mark_rect(struct capture *c, int x, int y, int w, int h, uint64_t seq)
{
        int x1 = x + w, y1 = y + h;

        x = MAX(x, 0);
        y = MAX(y, 0);
        x1 = MIN(x1, (int) c->width);
        y1 = MIN(y1, (int) c->height);
        if (x >= x1 || y >= y1)
                return;

        for (int ty = y / CAPTURE_TILE_SIZE; ty <= (y1 - 1) / CAPTURE_TILE_SIZE; ty++)
                for (int tx = x / CAPTURE_TILE_SIZE; tx <= (x1 - 1) / CAPTURE_TILE_SIZE; tx++) {
                        uint64_t *t = &c->tile_seq[(size_t) ty * c->tiles_x + tx];

                        c->changed++;
                        *t = seq;
                }
}

void capture_mark_all(struct capture *c, uint64_t seq)
{
        size_t n = (size_t) c->tiles_x * c->tiles_y;

        for (size_t i = 0; i < n; i++)
                c->tile_seq[i] = seq;
        c->changed += n;
}

void capture_blend_cursor(struct capture *c, struct capture_buffer *b, const uint32_t *img, int x, int y, int w,
                          int h, bool rgb_swapped)
{
        int x0 = MAX(x, 0), y0 = MAX(y, 0);
        int x1 = MIN(x + w, (int) c->width), y1 = MIN(y + h, (int) c->height);

        b->overlay[2] = 0;
        if (!img || x0 >= x1 || y0 >= y1)
                return;
        for (int row = y0; row < y1; row++) {
                uint32_t *dst = (uint32_t *) (b->pixels + (size_t) row * b->frame.stride);
                const uint32_t *src = img + (size_t) (row - y) * w;

                for (int col = x0; col < x1; col++) {
                        uint32_t s = src[col - x], d = dst[col], a = s >> 24, out = 0xff000000u;

                        if (a == 0)
                                continue;
                        if (rgb_swapped)
                                s = (s & 0xff00ff00u) | (s & 0xff) << 16 | (s >> 16 & 0xff);
                        for (int sh = 0; sh < 24; sh += 8) {
                                uint32_t v = (s >> sh & 0xff) + ((d >> sh & 0xff) * (255 - a) + 127) / 255;

                                out |= MIN(v, 255u) << sh;
                        }
                        dst[col] = out;
                }
        }
        b->overlay[0] = x0;
        b->overlay[1] = y0;
        b->overlay[2] = x1 - x0;
        b->overlay[3] = y1 - y0;
}

static struct capture *capture_free(struct capture *c)
{
        if (!c)
                return NULL;
        if (c->ops && c->ops->close)
                c->ops->close(c);
        capture_drop_pool(c);
        free(c->tile_seq);
        pthread_mutex_destroy(&c->lock);
        pthread_mutex_destroy(&c->waker_lock);
        free(c);
        return NULL;
}

DEFINE_CLEANUP(struct capture *, capture_free);

int capture_new(const struct capture_config *cfg, struct capture **ret)
{
        _cleanup_(capture_freep) struct capture *c = NULL;
        int r;

        last_error[0] = 0;
        if (!cfg || !ret)
                return -EINVAL;

        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->refcount = 1;
        pthread_mutex_init(&c->lock, NULL);
        pthread_mutex_init(&c->waker_lock, NULL);
        /* Default: memory, plus the dma-buf where there is one (kms), so any encoder can use the frames. */
        c->access = cfg->access ? cfg->access
                                : CAPTURE_ACCESS_CPU |
                                  (cfg->backend == CAPTURE_BACKEND_KMS && !cfg->kms_helper ? CAPTURE_ACCESS_DMABUF : 0);
        c->backend = cfg->backend;

        switch (cfg->backend) {
        case CAPTURE_BACKEND_TESTSRC:
                c->ops = &capture_testsrc_ops;
                break;
        case CAPTURE_BACKEND_KMS:
                c->ops = cfg->kms_helper ? &capture_kms_client_ops : &capture_kms_ops;
                break;
        case CAPTURE_BACKEND_PIPEWIRE:
                c->ops = &capture_pipewire_ops;
                break;
        default:
                c->ops = NULL;
                return capture_set_error(-EINVAL, "unknown capture backend %d", (int) cfg->backend);
        }

        r = c->ops->open(c, cfg);
        if (r < 0) {
                if (!last_error[0])
                        capture_set_error(r, "%s: cannot open: %s", c->ops->name, strerror(-r));
                return r;
        }
        if (!c->tile_seq)
                return capture_set_error(-EINVAL, "%s: backend set no format", c->ops->name);

        *ret = steal_ptr(c);
        return 0;
}

struct capture *capture_ref(struct capture *c)
{
        if (c)
                __atomic_add_fetch(&c->refcount, 1, __ATOMIC_RELAXED);
        return c;
}

struct capture *capture_unref(struct capture *c)
{
        if (!c)
                return NULL;
        if (__atomic_sub_fetch(&c->refcount, 1, __ATOMIC_ACQ_REL) == 0)
                capture_free(c);
        return NULL;
}

const char *capture_get_device(const struct capture *c)
{
        return c && c->device[0] ? c->device : NULL;
}

int capture_take_notice(struct capture *c, char *buf, size_t size)
{
        int r = 0;

        if (!c || !size)
                return 0;
        pthread_mutex_lock(&c->lock);
        if (c->notice[0]) {
                snprintf(buf, size, "%s", c->notice);
                c->notice[0] = '\0';
                r = 1;
        }
        pthread_mutex_unlock(&c->lock);
        return r;
}

int capture_get_error(struct capture *c)
{
        int r;

        if (!c)
                return -EINVAL;
        pthread_mutex_lock(&c->lock);
        r = c->error;
        pthread_mutex_unlock(&c->lock);
        return r;
}

int capture_add_waker(struct capture *c, void (*fn)(void *userdata), void *userdata)
{
        int r = 0;

        if (!c || !fn)
                return -EINVAL;
        pthread_mutex_lock(&c->waker_lock);
        if (c->n_wakers == CAPTURE_WAKERS_MAX)
                r = -ENOSPC;
        else
                c->wakers[c->n_wakers++] = (struct capture_waker) { fn, userdata };
        pthread_mutex_unlock(&c->waker_lock);
        return r;
}

void capture_remove_waker(struct capture *c, void (*fn)(void *userdata), void *userdata)
{
        if (!c)
                return;
        pthread_mutex_lock(&c->waker_lock);
        for (unsigned i = 0; i < c->n_wakers; i++)
                if (c->wakers[i].fn == fn && c->wakers[i].userdata == userdata) {
                        c->wakers[i] = c->wakers[--c->n_wakers];
                        break;
                }
        pthread_mutex_unlock(&c->waker_lock);
}

void capture_wake(struct capture *c)
{
        pthread_mutex_lock(&c->waker_lock);
        for (unsigned i = 0; i < c->n_wakers; i++)
                c->wakers[i].fn(c->wakers[i].userdata);
        pthread_mutex_unlock(&c->waker_lock);
}

bool capture_has_events(const struct capture *c)
{
        return c && c->backend == CAPTURE_BACKEND_PIPEWIRE;
}

enum capture_backend capture_get_backend(const struct capture *c)
{
        return c ? c->backend : _CAPTURE_BACKEND_INVALID;
}

int capture_get_size(struct capture *c, unsigned *ret_width, unsigned *ret_height)
{
        if (!c)
                return -EINVAL;
        pthread_mutex_lock(&c->lock);
        if (ret_width)
                *ret_width = c->width;
        if (ret_height)
                *ret_height = c->height;
        pthread_mutex_unlock(&c->lock);
        return 0;
}

/*
 * A free pool buffer, preferring the one with the newest content (fewest
 * stale tiles): the latest picture itself when only the capture still holds
 * it (updated in place, so a single consumer needs a single buffer).
 */
static int capture_pick_buffer(struct capture *c, struct capture_buffer **ret)
{
        struct capture_buffer *best = NULL;
        int slot = -1;

        if (c->latest && c->latest->refcount == 1) {
                *ret = c->latest;
                return 0;
        }

        for (unsigned i = 0; i < CAPTURE_POOL_MAX; i++) {
                struct capture_buffer *b = c->pool[i];

                if (!b) {
                        if (slot < 0)
                                slot = i;
                        continue;
                }
                if (b->refcount == 0 && (!best || b->content_seq > best->content_seq))
                        best = b;
        }
        if (best) {
                *ret = best;
                return 0;
        }
        if (slot < 0)
                return -EBUSY; /* every buffer is held by a consumer */

        best = calloc(1, sizeof(*best));
        if (!best)
                return -ENOMEM;
        best->capture = c;
        best->frame.dmabuf_fd = -1;
        best->frame.drm_fd = -1;
        if (c->access & CAPTURE_ACCESS_CPU) {
                best->size = (size_t) c->width * 4 * c->height;
                best->pixels = malloc(best->size);
                if (!best->pixels) {
                        free(best);
                        return -ENOMEM;
                }
        }
        c->pool[slot] = best;
        *ret = best;
        return 0;
}

static int capture_produce(struct capture *c, struct capture_buffer **ret)
{
        struct capture_buffer *b;
        uint64_t seq = c->seq + 1;
        int r;

        c->changed = 0;
        r = c->ops->update(c, seq);
        if (r == -ENODEV || r == -ECONNRESET)
                c->error = r;
        if (r < 0)
                return r;
        seq = c->seq + 1; /* update() may have reset the format, not the sequence */

        if (c->changed == 0 && c->latest) {
                /* Nothing moved: hand out the last picture again. */
                *ret = c->latest;
                return 0;
        }

        r = capture_pick_buffer(c, &b);
        if (r < 0)
                return r;
        c->seq = seq;
        b->frame.seq = seq;
        b->frame.capture_usec = capture_now_usec();
        b->frame.width = c->width;
        b->frame.height = c->height;
        b->frame.fourcc = c->fourcc;
        b->frame.modifier = c->modifier;
        b->frame.data = b->pixels;
        b->frame.stride = b->pixels ? c->width * 4 : 0;
        r = c->ops->fill(c, b);
        if (r < 0) {
                b->content_seq = 0;
                if (b == c->latest) {
                        /* it was updated in place: it no longer shows the latest picture */
                        c->latest = NULL;
                        b->refcount--;
                }
                return r;
        }
        b->content_seq = seq;

        if (c->latest)
                c->latest->refcount--;
        c->latest = b;
        b->refcount++;
        *ret = b;
        return 0;
}

int capture_grab(struct capture *c, uint64_t max_share_usec, struct capture_frame **ret)
{
        struct capture_buffer *b = NULL;
        int r = 0;

        if (!c || !ret)
                return -EINVAL;

        pthread_mutex_lock(&c->lock);
        if (c->latest && max_share_usec > 0 &&
            capture_now_usec() - c->latest->frame.capture_usec < max_share_usec)
                b = c->latest;
        else
                r = capture_produce(c, &b);
        if (r >= 0)
                b->refcount++;
        pthread_mutex_unlock(&c->lock);
        if (r < 0)
                return r;

        capture_ref(c);
        *ret = &b->frame;
        return 0;
}

int capture_frame_damage(struct capture *c, const struct capture_frame *f, uint64_t since_seq, uint8_t *map,
                         size_t map_size)
{
        size_t n, changed = 0;

        if (!c || !f)
                return -EINVAL;

        pthread_mutex_lock(&c->lock);
        if (f->width != c->width || f->height != c->height) {
                /* The format changed since f: report everything as changed. */
                n = (size_t) ((f->width + CAPTURE_TILE_SIZE - 1) / CAPTURE_TILE_SIZE) *
                    ((f->height + CAPTURE_TILE_SIZE - 1) / CAPTURE_TILE_SIZE);
                for (size_t i = 0; map && i < MIN(n, map_size); i++)
                        map[i] = 1;
                changed = n;
        } else if (since_seq >= f->seq) {
                n = (size_t) c->tiles_x * c->tiles_y;
                if (map)
                        memset(map, 0, MIN(n, map_size));
        } else {
                n = (size_t) c->tiles_x * c->tiles_y;
                for (size_t i = 0; i < n; i++) {
                        bool ch = since_seq == 0 || c->tile_seq[i] > since_seq;

                        changed += ch;
                        if (map && i < map_size)
                                map[i] = ch;
                }
        }
        pthread_mutex_unlock(&c->lock);
        return (int) changed;
}

void capture_frame_tiles(const struct capture_frame *f, unsigned *ret_tiles_x, unsigned *ret_tiles_y)
{
        if (ret_tiles_x)
                *ret_tiles_x = (f->width + CAPTURE_TILE_SIZE - 1) / CAPTURE_TILE_SIZE;
        if (ret_tiles_y)
                *ret_tiles_y = (f->height + CAPTURE_TILE_SIZE - 1) / CAPTURE_TILE_SIZE;
}

struct capture_frame *capture_frame_ref(struct capture_frame *f)
{
        struct capture_buffer *b = (struct capture_buffer *) f;

        if (!f)
                return NULL;
        pthread_mutex_lock(&b->capture->lock);
        b->refcount++;
        pthread_mutex_unlock(&b->capture->lock);
        capture_ref(b->capture);
        return f;
}

struct capture_frame *capture_frame_unref(struct capture_frame *f)
{
        struct capture_buffer *b = (struct capture_buffer *) f;
        struct capture *c;

        if (!f)
                return NULL;
        c = b->capture;
        pthread_mutex_lock(&c->lock);
        if (--b->refcount == 0 && b->stale)
                capture_buffer_free(b);
        pthread_mutex_unlock(&c->lock);
        capture_unref(c);
        return NULL;
}
