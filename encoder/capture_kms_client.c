/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kms backend as a client of the KMS helper (miracastd-kms): the stream
 * worker has no capability and never opens /dev/dri; the helper reads the
 * scan-out and hands pictures over a memfd ring (protocol/kms_ring.h).
 *
 *   open    connect (the fd given, else the helper's socket), KMS_OPEN, and
 *           grab one picture so errors show at once.
 *   update  KMS_GRAB, wait for [KMS_RING] KMS_FRAME: map a new ring on a
 *           size change, mark the frame's damage.
 *   fill    copy the stale tiles from the slot the frame named (the helper
 *           does not write it until our next GRAB, which runs under the same
 *           lock as this).
 *
 * Whatever the helper answers is checked (kms_ring_parse_*, the memfd's seals
 * and size): a wrong answer ends the capture with the reason, never a read
 * outside the ring.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "../protocol/kms_ring.h"
#include "../protocol/macro.h"
#include "capture_backend.h"
#include "kms_helper.h"

/* The helper answers a GRAB within this (a read of the scan-out takes milliseconds; the first one
 * includes opening the device, slow on an emulated machine). */
#define KMS_CLIENT_TIMEOUT_MS 10000
/* ... and the first within this: for a tiled scan-out it also sets up the GPU read-back (loads the
 * driver, compiles two shaders), which takes seconds under emulation with a software GL. */
#define KMS_CLIENT_FIRST_TIMEOUT_MS 30000

struct kms_client {
        int fd;
        uint64_t seq;            /* last GRAB */
        struct kms_ring_format format;
        uint8_t *map;
        size_t map_size;
        unsigned slot;           /* the slot of the current picture */
        uint64_t frame_seq;      /* the helper's number of the current picture (0: none) */
        int dead;                /* sticky: the helper failed or broke the protocol */
        uint8_t buf[WORKER_MSG_MAX];
        struct worker_msg msg;
};

static void client_free(struct kms_client *k)
{
        if (!k)
                return;
        if (k->map)
                munmap(k->map, k->map_size);
        if (k->fd >= 0)
                close(k->fd);
        free(k);
}

static int client_fail(struct kms_client *k, int error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int client_fail(struct kms_client *k, int error, const char *fmt, ...)
{
        char text[512];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(text, sizeof(text), fmt, ap);
        va_end(ap);
        k->dead = error;
        return capture_set_error(error, "kms: %s", text);
}

/* A new ring: the memfd must be sealed against shrinking and hold every slot. */
static int client_take_ring(struct capture *c, int mfd)
{
        struct kms_client *k = c->priv;
        struct kms_ring_format f;
        char why[256];
        struct stat st;
        int seals, r;
        void *map;

        r = kms_ring_parse_format(&k->msg, &f, why, sizeof(why));
        if (r < 0)
                return client_fail(k, -ECONNRESET, "bad answer from the KMS helper: %s", why);
        if (mfd < 0)
                return client_fail(k, -ECONNRESET, "bad answer from the KMS helper: kms-ring without its memfd");
        seals = fcntl(mfd, F_GET_SEALS);
        if (seals < 0 || !(seals & F_SEAL_SHRINK))
                return client_fail(k, -ECONNRESET, "bad answer from the KMS helper: the frame ring is not sealed "
                                   "against shrinking");
        if (fstat(mfd, &st) < 0 || (uint64_t) st.st_size < kms_ring_size(&f))
                return client_fail(k, -ECONNRESET, "bad answer from the KMS helper: the frame ring (%lld bytes) is "
                                   "smaller than %u slots of %llu", (long long) st.st_size, f.slots,
                                   (unsigned long long) f.slot_size);
        map = mmap(NULL, kms_ring_size(&f), PROT_READ, MAP_SHARED, mfd, 0);
        if (map == MAP_FAILED)
                return client_fail(k, -errno, "cannot map the KMS helper's frame ring: %m");
        if (k->map)
                munmap(k->map, k->map_size);
        k->map = map;
        k->map_size = kms_ring_size(&f);
        k->format = f;
        k->frame_seq = 0;
        return capture_set_format(c, f.width, f.height, f.stride, f.fourcc, 0);
}

static int client_update(struct capture *c, uint64_t seq)
{
        static uint8_t out[256];
        struct kms_client *k = c->priv;
        struct kms_ring_frame fr;
        struct worker_msg_writer w;
        char why[256];
        int r;

        if (k->dead)
                return capture_set_error(k->dead, "kms: the capture through the KMS helper ended");
        worker_msg_begin(&w, out, sizeof(out), WORKER_MSG_KMS_GRAB, 0);
        worker_msg_put_u64(&w, WORKER_FIELD_SEQ, ++k->seq);
        r = kms_helper_send(k->fd, &w, -1);
        if (r < 0)
                return client_fail(k, -ECONNRESET, "the KMS helper is gone: %s", strerror(-r));

        for (;;) {
                int mfd;
                ssize_t n = kms_helper_recv(k->fd, k->buf, sizeof(k->buf), &mfd,
                                            k->map ? KMS_CLIENT_TIMEOUT_MS : KMS_CLIENT_FIRST_TIMEOUT_MS);
                _cleanup_close_ int passed = mfd;

                if (n == 0)
                        return client_fail(k, -ECONNRESET, "the KMS helper exited");
                if (n < 0)
                        return client_fail(k, -ECONNRESET, "no answer from the KMS helper: %s", strerror((int) -n));
                if (worker_msg_parse(k->buf, (size_t) n, &k->msg) < 0)
                        return client_fail(k, -ECONNRESET, "malformed message from the KMS helper");
                if (k->msg.type == WORKER_MSG_KMS_RING) {
                        r = client_take_ring(c, passed);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (k->msg.type == WORKER_MSG_KMS_ERROR) {
                        int64_t e = -EIO;

                        (void) worker_msg_get_ranged(&k->msg, WORKER_FIELD_ERROR, -4095, -1, &e);
                        if (worker_msg_get_str(&k->msg, WORKER_FIELD_TEXT, why, sizeof(why)) < 0)
                                snprintf(why, sizeof(why), "%s", strerror((int) -e));
                        /* Gone or unreadable: either way this capture is over (ENODEV keeps its meaning). */
                        return client_fail(k, e == -ENODEV ? -ENODEV : -ECONNRESET, "the KMS helper failed: %s",
                                           why);
                }
                if (k->msg.type != WORKER_MSG_KMS_FRAME)
                        return client_fail(k, -ECONNRESET, "unexpected %s message from the KMS helper",
                                           worker_msg_type_to_string(k->msg.type));
                if (!k->map)
                        return client_fail(k, -ECONNRESET, "bad answer from the KMS helper: a frame before the ring");
                r = kms_ring_parse_frame(&k->msg, &k->format, &fr, why, sizeof(why));
                if (r < 0)
                        return client_fail(k, -ECONNRESET, "bad answer from the KMS helper: %s", why);
                if (fr.seq != k->seq)
                        continue; /* an answer to a GRAB that timed out */
                break;
        }
        if (k->frame_seq == 0)
                capture_mark_all(c, seq);
        else if (fr.frame_seq != k->frame_seq)
                for (unsigned i = 0; i < fr.n_damage; i++)
                        capture_mark_rect(c, fr.damage[i].x, fr.damage[i].y, fr.damage[i].w, fr.damage[i].h, seq);
        k->slot = fr.slot;
        k->frame_seq = fr.frame_seq;
        return 0;
}

static int client_fill(struct capture *c, struct capture_buffer *b)
{
        struct kms_client *k = c->priv;
        const uint8_t *src = k->map + (size_t) k->slot * k->format.slot_size;
        size_t row_bytes = (size_t) c->width * 4;

        if (!b->pixels)
                return -ENOTSUP;
        for (unsigned ty = 0; ty < c->tiles_y; ty++) {
                unsigned y0 = ty * CAPTURE_TILE_SIZE, y1 = MIN(y0 + CAPTURE_TILE_SIZE, c->height);

                for (unsigned tx = 0; tx < c->tiles_x; tx++) {
                        size_t x0 = (size_t) tx * CAPTURE_TILE_SIZE * 4;
                        size_t len = MIN((size_t) CAPTURE_TILE_SIZE * 4, row_bytes - x0);

                        if (b->content_seq != 0 && c->tile_seq[(size_t) ty * c->tiles_x + tx] <= b->content_seq)
                                continue;
                        for (unsigned y = y0; y < y1; y++)
                                memcpy(b->pixels + y * row_bytes + x0, src + (size_t) y * k->format.stride + x0, len);
                }
        }
        return 0;
}

static int client_open(struct capture *c, const struct capture_config *cfg)
{
        static uint8_t out[512];
        struct kms_client *k;
        struct worker_msg_writer w;
        const char *path = cfg->kms_helper_socket ?: KMS_HELPER_SOCKET;
        int r;

        if (c->access & CAPTURE_ACCESS_DMABUF)
                return capture_set_error(-ENOTSUP, "kms: the KMS helper hands over pictures in memory, not dma-bufs");
        k = calloc(1, sizeof(*k));
        if (!k)
                return -ENOMEM;
        k->fd = -1;
        /* Numbered from the clock: a late answer to an earlier capture on the same connection
         * (a reopen after an error) cannot pass for an answer to ours. */
        k->seq = capture_now_usec();
        c->priv = k;
        if (cfg->have_kms_helper_fd) {
                k->fd = fcntl(cfg->kms_helper_fd, F_DUPFD_CLOEXEC, 3);
                if (k->fd < 0)
                        return capture_set_error(-errno, "kms: no connection to the KMS helper: %m");
        } else {
                r = kms_helper_connect(path);
                if (r < 0)
                        /* Deliberately no fallback to opening /dev/dri here: this process parses sinks' bytes. */
                        return capture_set_error(r, "kms: cannot reach the KMS helper at %s: %s (the stream worker "
                                                 "does not open DRM devices itself; is miracastd-kms.socket "
                                                 "enabled?)", path, strerror(-r));
                k->fd = r;
        }
        /* c->device stays empty: nothing here may derive a device to open from it. */

        worker_msg_begin(&w, out, sizeof(out), WORKER_MSG_KMS_OPEN, 0);
        worker_msg_put_str(&w, WORKER_FIELD_KMS_DEVICE, cfg->device ?: "");
        worker_msg_put_str(&w, WORKER_FIELD_KMS_CONNECTOR, cfg->connector ?: "");
        worker_msg_put_u64(&w, WORKER_FIELD_NO_CURSOR, cfg->no_cursor);
        r = kms_helper_send(k->fd, &w, -1);
        if (r < 0)
                return capture_set_error(r, "kms: cannot talk to the KMS helper: %s", strerror(-r));
        /* The first picture now, so a wrong output or permission shows here. */
        r = client_update(c, c->seq + 1);
        if (r < 0)
                return r;
        return 0;
}

static void client_close(struct capture *c)
{
        client_free(c->priv);
        c->priv = NULL;
}

const struct capture_ops capture_kms_client_ops = {
        .name = "kms",
        .open = client_open,
        .update = client_update,
        .fill = client_fill,
        .close = client_close,
};
