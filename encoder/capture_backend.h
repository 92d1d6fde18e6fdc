/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a capture backend implements, and the shared state it works on. Only
 * capture*.c include this; everyone else uses capture.h.
 *
 * The common code (capture.c) owns the frame pool, the per-tile damage
 * sequence numbers and the locking; a backend only answers two questions,
 * always under the capture's lock:
 *   update(): what changed in the source since the last picture?  It marks
 *             the changed tiles with the new sequence number.
 *   fill():   bring this pool buffer (which holds the picture of an older
 *             sequence, or nothing) up to date, touching only stale tiles.
 */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "capture.h"

struct capture_buffer {
        struct capture_frame frame; /* public part, first member */
        struct capture *capture;    /* not owned; each frame reference holds a capture reference */
        unsigned refcount;          /* under capture->lock; 0 = free for reuse */
        uint8_t *pixels;            /* owned, frame.stride * frame.height bytes; NULL for dma-buf only frames */
        size_t size;
        uint64_t content_seq;       /* the picture the pixels hold (0: none yet) */
        bool stale;                 /* size/format changed: free when the last reference goes */
        int overlay[4];             /* kms: cursor rectangle x, y, w, h drawn into pixels (w = 0: none) */
};

struct capture_ops {
        const char *name;
        /* Open the source; must call capture_set_format(). cfg is only valid during the call. */
        int (*open)(struct capture *c, const struct capture_config *cfg);
        /* Look at the source for picture new_seq: mark changed tiles, may call capture_set_format(). */
        int (*update)(struct capture *c, uint64_t new_seq);
        /* Make b's pixels (or dma-buf) the picture of c->seq; b->content_seq is what it held. */
        int (*fill)(struct capture *c, struct capture_buffer *b);
        void (*close)(struct capture *c);
};

#define CAPTURE_POOL_MAX 8
#define CAPTURE_WAKERS_MAX 16

struct capture_waker {
        void (*fn)(void *userdata);
        void *userdata;
};

struct capture {
        unsigned refcount; /* atomic */
        pthread_mutex_t lock;
        const struct capture_ops *ops;
        enum capture_backend backend;
        unsigned access;
        void *priv; /* backend state, owned by the backend (freed in close) */
        char device[64]; /* kms: the DRM card opened; "" otherwise */
        int error;       /* sticky: the source is gone (capture_get_error()) */
        char notice[256]; /* a sentence for the log, taken by capture_take_notice(); "" none */

        /* current format */
        unsigned width, height, stride;
        uint32_t fourcc;
        uint64_t modifier;

        /* damage: per tile, the last sequence in which it changed */
        unsigned tiles_x, tiles_y;
        uint64_t *tile_seq;
        uint64_t seq;     /* last picture produced */
        uint64_t changed; /* tiles marked by the running update() */

        struct capture_buffer *latest; /* holds one buffer reference (no capture reference) */
        struct capture_buffer *pool[CAPTURE_POOL_MAX];

        /* consumers to wake when the source has something new (capture_add_waker()) */
        pthread_mutex_t waker_lock;
        struct capture_waker wakers[CAPTURE_WAKERS_MAX];
        unsigned n_wakers;
};

extern const struct capture_ops capture_testsrc_ops;
extern const struct capture_ops capture_kms_ops;
extern const struct capture_ops capture_kms_client_ops;
extern const struct capture_ops capture_pipewire_ops;

/* (Re)configure size and format; drops the pool and marks every tile changed. */
int capture_set_format(struct capture *c, unsigned width, unsigned height, unsigned stride, uint32_t fourcc,
                       uint64_t modifier);
/* Mark the tiles touching the rectangle (clipped to the picture) as changed in sequence seq. */
void capture_mark_rect(struct capture *c, int x, int y, int w, int h, uint64_t seq);
void capture_mark_all(struct capture *c, uint64_t seq);
/*
 * Blend a premultiplied ARGB cursor image (w x h, top-left at x, y; may lie partly outside)
 * onto b's pixels and record where in b->overlay (w = 0: nothing drawn). rgb_swapped: the
 * picture is XBGR, so the cursor's red and blue trade places. Shared by kms and pipewire.
 */
void capture_blend_cursor(struct capture *c, struct capture_buffer *b, const uint32_t *img, int x, int y, int w,
                          int h, bool rgb_swapped);
/* The source has something new (a backend's own thread: pipewire's on a buffer): call the wakers.
 * Never under c->lock. */
void capture_wake(struct capture *c);
/* printf into the thread's capture_last_error() buffer; returns error. */
int capture_set_error(int error, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
uint64_t capture_now_usec(void);
