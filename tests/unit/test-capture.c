/* SPDX-License-Identifier: GPL-2.0-or-later */
/* encoder/capture.h: testsrc pictures, damage tracking, sharing, and the kms backend where a DRM device exists. */
#include <errno.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <drm_fourcc.h>

#include "../../encoder/capture.h"
#include "../../protocol/macro.h"
#include "../lib/test.h"

static struct capture *open_testsrc(enum capture_pattern pattern, unsigned w, unsigned h)
{
        struct capture_config cfg = { .backend = CAPTURE_BACKEND_TESTSRC, .width = w, .height = h, .pattern = pattern };
        struct capture *c = NULL;

        assert_int_eq(capture_new(&cfg, &c), 0);
        assert_non_null(c);
        return c;
}

/* Is tile (tx, ty) of a and b pixel-identical? */
static bool tile_equal(const struct capture_frame *a, const struct capture_frame *b, unsigned tx, unsigned ty)
{
        unsigned x0 = tx * CAPTURE_TILE_SIZE, y0 = ty * CAPTURE_TILE_SIZE;
        unsigned x1 = MIN(x0 + CAPTURE_TILE_SIZE, a->width), y1 = MIN(y0 + CAPTURE_TILE_SIZE, a->height);

        for (unsigned y = y0; y < y1; y++)
                if (memcmp(a->data + (size_t) y * a->stride + x0 * 4, b->data + (size_t) y * b->stride + x0 * 4,
                           (x1 - x0) * 4) != 0)
                        return false;
        return true;
}

/* Damage must never understate: every tile that differs between old and f is marked. Returns changed tiles. */
static int check_damage(struct capture *c, const struct capture_frame *old, const struct capture_frame *f)
{
        unsigned tx, ty;
        uint8_t map[4096];
        int n;

        capture_frame_tiles(f, &tx, &ty);
        assert_true(tx * ty <= sizeof(map));
        n = capture_frame_damage(c, f, old->seq, map, sizeof(map));
        assert_int_ge(n, 0);
        for (unsigned y = 0; y < ty; y++)
                for (unsigned x = 0; x < tx; x++)
                        if (!map[y * tx + x] && !tile_equal(old, f, x, y))
                                test_fail(__FILE__, __LINE__, "tile %u,%u changed between %llu and %llu but is "
                                          "not marked", x, y, (unsigned long long) old->seq,
                                          (unsigned long long) f->seq);
        return n;
}

TEST(capture_names, "/capture/names round trip") {
        assert_str_eq(capture_backend_to_string(CAPTURE_BACKEND_KMS), "kms");
        assert_int_eq(capture_backend_from_string("testsrc"), CAPTURE_BACKEND_TESTSRC);
        assert_int_eq(capture_backend_from_string("x11"), _CAPTURE_BACKEND_INVALID);
        assert_int_eq(capture_pattern_from_string("motion"), CAPTURE_PATTERN_MOTION);
        assert_str_eq(capture_pattern_to_string(CAPTURE_PATTERN_STILL), "still");
        assert_null(capture_pattern_to_string(_CAPTURE_PATTERN_MAX));
}

TEST(capture_bad_config, "/capture/testsrc rejects odd, tiny and huge sizes and unknown backends") {
        struct capture_config cfg = { .backend = CAPTURE_BACKEND_TESTSRC, .width = 321, .height = 240 };
        struct capture *c = NULL;

        assert_int_eq(capture_new(&cfg, &c), -EINVAL);
        assert_null(c);
        assert_true(strstr(capture_last_error(), "321x240") != NULL);
        cfg.width = 16;
        assert_int_eq(capture_new(&cfg, &c), -EINVAL);
        cfg.width = 20000;
        assert_int_eq(capture_new(&cfg, &c), -EINVAL);
        cfg.width = 320;
        cfg.backend = 7;
        assert_int_eq(capture_new(&cfg, &c), -EINVAL);
        cfg.backend = CAPTURE_BACKEND_TESTSRC;
        cfg.access = CAPTURE_ACCESS_DMABUF;
        assert_int_eq(capture_new(&cfg, &c), -ENOTSUP);
        assert_null(c);
}

TEST(capture_testsrc_first_frame, "/capture/testsrc first frame: size, format, all tiles damaged") {
        _cleanup_(capture_unrefp) struct capture *c = open_testsrc(CAPTURE_PATTERN_DESKTOP, 320, 240);
        _cleanup_(capture_frame_unrefp) struct capture_frame *f = NULL;
        unsigned w = 0, h = 0, tx, ty;

        assert_int_eq(capture_get_size(c, &w, &h), 0);
        assert_int_eq(w, 320);
        assert_int_eq(h, 240);
        assert_int_eq(capture_get_backend(c), CAPTURE_BACKEND_TESTSRC);
        assert_null(capture_get_device(c));
        assert_int_eq(capture_grab(c, 0, &f), 0);
        assert_int_eq(f->seq, 1);
        assert_int_eq(f->width, 320);
        assert_int_eq(f->height, 240);
        assert_int_eq(f->fourcc, DRM_FORMAT_XRGB8888);
        assert_int_eq(f->stride, 320 * 4);
        assert_int_eq(f->dmabuf_fd, -1);
        assert_non_null(f->data);
        capture_frame_tiles(f, &tx, &ty);
        assert_int_eq(tx, 10);
        assert_int_eq(ty, 8);
        assert_int_eq(capture_frame_damage(c, f, 0, NULL, 0), 80);
        /* Relative to itself nothing changed. */
        assert_int_eq(capture_frame_damage(c, f, f->seq, NULL, 0), 0);
}

TEST(capture_testsrc_desktop_damage, "/capture/testsrc desktop: small, exact damage between frames") {
        _cleanup_(capture_unrefp) struct capture *c = open_testsrc(CAPTURE_PATTERN_DESKTOP, 640, 480);
        struct capture_frame *prev = NULL, *f = NULL;

        assert_int_eq(capture_grab(c, 0, &prev), 0);
        for (int i = 0; i < 20; i++) {
                int n;

                assert_int_eq(capture_grab(c, 0, &f), 0);
                assert_int_eq(f->seq, prev->seq + 1);
                n = check_damage(c, prev, f);
                /* counter + text band + box: something moves, but most of the desktop is still */
                assert_int_ge(n, 3);
                assert_int_le(n, 300 / 4);
                assert_false(memcmp(prev->data, f->data, (size_t) f->stride * f->height) == 0);
                prev = capture_frame_unref(prev);
                prev = f;
        }
        prev = capture_frame_unref(prev);
}

TEST(capture_testsrc_motion_damage, "/capture/testsrc motion: every tile changes") {
        _cleanup_(capture_unrefp) struct capture *c = open_testsrc(CAPTURE_PATTERN_MOTION, 320, 240);
        _cleanup_(capture_frame_unrefp) struct capture_frame *a = NULL;
        _cleanup_(capture_frame_unrefp) struct capture_frame *b = NULL;
        unsigned changed = 0;

        assert_int_eq(capture_grab(c, 0, &a), 0);
        assert_int_eq(capture_grab(c, 0, &b), 0);
        assert_int_eq(check_damage(c, a, b), 80);
        for (unsigned ty = 0; ty < 8; ty++)
                for (unsigned tx = 0; tx < 10; tx++)
                        changed += !tile_equal(a, b, tx, ty);
        assert_int_ge(changed, 70);
}

TEST(capture_testsrc_still, "/capture/testsrc still: the same frame comes back, no damage") {
        _cleanup_(capture_unrefp) struct capture *c = open_testsrc(CAPTURE_PATTERN_STILL, 320, 240);
        _cleanup_(capture_frame_unrefp) struct capture_frame *a = NULL;
        _cleanup_(capture_frame_unrefp) struct capture_frame *b = NULL;

        assert_int_eq(capture_grab(c, 0, &a), 0);
        assert_int_eq(capture_grab(c, 0, &b), 0);
        assert_int_eq(a->seq, b->seq);
        assert_true(a == b);
        assert_int_eq(capture_frame_damage(c, b, a->seq, NULL, 0), 0);
}

TEST(capture_testsrc_deterministic, "/capture/testsrc frame N is the same whether drawn fresh or patched") {
        _cleanup_(capture_unrefp) struct capture *patched = open_testsrc(CAPTURE_PATTERN_DESKTOP, 320, 240);
        _cleanup_(capture_unrefp) struct capture *fresh = open_testsrc(CAPTURE_PATTERN_DESKTOP, 320, 240);
        struct capture_frame *held[7] = {};
        _cleanup_(capture_frame_unrefp) struct capture_frame *p = NULL;

        /* patched: each frame released, so buffers are reused and only stale tiles redrawn */
        for (int i = 0; i < 7; i++) {
                p = capture_frame_unref(p);
                assert_int_eq(capture_grab(patched, 0, &p), 0);
        }
        /* fresh: every frame held, so frame 7 lands in a never-used buffer and is drawn whole */
        for (int i = 0; i < 7; i++)
                assert_int_eq(capture_grab(fresh, 0, &held[i]), 0);
        assert_int_eq(p->seq, 7);
        assert_int_eq(held[6]->seq, 7);
        assert_true(held[6]->data != held[5]->data);
        assert_mem_eq(p->data, held[6]->data, (size_t) 320 * 4 * 240);
        for (int i = 0; i < 7; i++)
                held[i] = capture_frame_unref(held[i]);
}

/* Fail naming the first pixel where two frames of the same size differ. */
static void check_same_picture(const struct capture_frame *a, const struct capture_frame *b)
{
        assert_int_eq(a->seq, b->seq);
        assert_int_eq(a->width, b->width);
        assert_int_eq(a->height, b->height);
        for (unsigned y = 0; y < a->height; y++) {
                const uint32_t *ra = (const uint32_t *) (a->data + (size_t) y * a->stride);
                const uint32_t *rb = (const uint32_t *) (b->data + (size_t) y * b->stride);

                for (unsigned x = 0; x < a->width; x++)
                        if (ra[x] != rb[x])
                                test_fail(__FILE__, __LINE__, "%ux%u picture %llu: pixel %u,%u is %08x patched, "
                                          "%08x drawn whole", a->width, a->height, (unsigned long long) a->seq,
                                          x, y, ra[x], rb[x]);
        }
}

/*
 * Picture n drawn whole: one consumer releasing each picture before the next has the only
 * buffer updated in place; holding picture n-1 then makes picture n land in a new buffer.
 */
static struct capture_frame *grab_whole(unsigned w, unsigned h, uint64_t n)
{
        _cleanup_(capture_unrefp) struct capture *c = open_testsrc(CAPTURE_PATTERN_DESKTOP, w, h);
        _cleanup_(capture_frame_unrefp) struct capture_frame *last = NULL;
        struct capture_frame *f = NULL;

        for (uint64_t i = 1; i < n; i++) {
                last = capture_frame_unref(last);
                assert_int_eq(capture_grab(c, 0, &last), 0);
        }
        assert_int_eq(capture_grab(c, 0, &f), 0);
        assert_int_eq(f->seq, n);
        assert_true(!last || f->data != last->data);
        return f; /* keeps the capture alive */
}

TEST(capture_testsrc_patched_stale, "/capture/testsrc a buffer k pictures old, patched to picture n, equals n drawn whole") {
        /* The text band's period is 216 columns per unit of scale, scrolled by 2 per picture: 108 wraps. */
        static const uint64_t check_at[] = { 9, 50, 107, 108, 110, 131 };
        static const unsigned sizes[][2] = { { 320, 240 }, { 642, 360 }, { 578, 540 } };
        static const unsigned holds[] = { 0, 2, 5 };

        for (size_t si = 0; si < ARRAY_SIZE(sizes); si++) {
                unsigned w = sizes[si][0], h = sizes[si][1];
                struct capture_frame *whole[ARRAY_SIZE(check_at)];

                for (size_t i = 0; i < ARRAY_SIZE(check_at); i++)
                        whole[i] = grab_whole(w, h, check_at[i]);

                /* Patched: the consumer holds the last k pictures, so a reused buffer is k+1 pictures old. */
                for (size_t hi = 0; hi < ARRAY_SIZE(holds); hi++) {
                        _cleanup_(capture_unrefp) struct capture *c = open_testsrc(CAPTURE_PATTERN_DESKTOP, w, h);
                        struct capture_frame *held[8] = {};
                        unsigned k = holds[hi];
                        size_t next = 0;

                        for (uint64_t n = 1; next < ARRAY_SIZE(check_at); n++) {
                                struct capture_frame *f = NULL;

                                assert_int_eq(capture_grab(c, 0, &f), 0);
                                if (n == check_at[next])
                                        check_same_picture(f, whole[next++]);
                                if (k == 0) {
                                        capture_frame_unref(f);
                                        continue;
                                }
                                if (held[n % k])
                                        capture_frame_unref(held[n % k]);
                                held[n % k] = f;
                        }
                        for (unsigned i = 0; i < k; i++)
                                if (held[i])
                                        held[i] = capture_frame_unref(held[i]);
                }
                for (size_t i = 0; i < ARRAY_SIZE(check_at); i++)
                        whole[i] = capture_frame_unref(whole[i]);
        }
}

TEST(capture_damage_since_older, "/capture/damage since an older frame covers every change in between") {
        _cleanup_(capture_unrefp) struct capture *c = open_testsrc(CAPTURE_PATTERN_DESKTOP, 640, 480);
        struct capture_frame *first = NULL, *f = NULL;

        assert_int_eq(capture_grab(c, 0, &first), 0);
        for (int i = 0; i < 12; i++) {
                f = capture_frame_unref(f);
                assert_int_eq(capture_grab(c, 0, &f), 0);
        }
        (void) check_damage(c, first, f);
        first = capture_frame_unref(first);
        f = capture_frame_unref(f);
}

TEST(capture_shared, "/capture/shared by two consumers: one producer, frames outlive the capture") {
        struct capture *c = open_testsrc(CAPTURE_PATTERN_DESKTOP, 320, 240);
        struct capture *second = capture_ref(c);
        struct capture_frame *a = NULL, *b = NULL, *d = NULL;

        assert_int_eq(capture_grab(c, 0, &a), 0);
        /* the second consumer within the sharing window gets the same picture */
        assert_int_eq(capture_grab(second, 10 * 1000000ull, &b), 0);
        assert_true(a == b);
        assert_int_eq(a->seq, b->seq);
        /* without sharing, a new picture */
        assert_int_eq(capture_grab(second, 0, &d), 0);
        assert_int_eq(d->seq, a->seq + 1);

        c = capture_unref(c);
        second = capture_unref(second);
        /* frames keep the capture alive; reading them is still fine (ASan would complain otherwise) */
        assert_int_eq(a->data[0], a->data[0]);
        assert_int_eq(d->width, 320);
        a = capture_frame_unref(a);
        b = capture_frame_unref(b);
        d = capture_frame_unref(d);
}

TEST(capture_testsrc_resize, "/capture/testsrc resize_every: the size flips to half and back, old frames stay valid") {
        struct capture_config cfg = { .backend = CAPTURE_BACKEND_TESTSRC, .width = 320, .height = 240,
                                      .resize_every = 3 };
        _cleanup_(capture_unrefp) struct capture *c = NULL;
        struct capture_frame *held = NULL;
        static const unsigned want_w[] = { 320, 320, 320, 160, 160, 160, 320, 320 };
        unsigned w, h;

        assert_int_eq(capture_new(&cfg, &c), 0);
        for (size_t i = 0; i < ARRAY_SIZE(want_w); i++) {
                _cleanup_(capture_frame_unrefp) struct capture_frame *f = NULL;

                assert_int_eq(capture_grab(c, 0, &f), 0);
                assert_int_eq(f->width, want_w[i]);
                assert_int_eq(f->height, want_w[i] * 3 / 4);
                assert_int_eq(f->stride, want_w[i] * 4);
                assert_int_eq(capture_get_size(c, &w, &h), 0);
                assert_int_eq(w, want_w[i]);
                if (held) {
                        /* Against a frame of the other size, everything counts as changed. */
                        unsigned tx, ty;
                        capture_frame_tiles(f, &tx, &ty);
                        assert_int_eq(tx * ty, (f->width + 31) / 32 * ((f->height + 31) / 32));
                        if (held->width != f->width)
                                assert_int_eq(capture_frame_damage(c, held, held->seq, NULL, 0),
                                              (int) ((held->width + 31) / 32 * ((held->height + 31) / 32)));
                        /* the older frame is still readable at its own size */
                        assert_int_eq(held->data[(size_t) held->stride * (held->height - 1) + held->width * 4 - 1],
                                      held->data[(size_t) held->stride * (held->height - 1) + held->width * 4 - 1]);
                        held = capture_frame_unref(held);
                }
                held = capture_frame_ref(f);
        }
        held = capture_frame_unref(held);
        /* Too small to halve: refused with the reason. */
        cfg.width = 64;
        cfg.height = 64;
        c = capture_unref(c);
        assert_int_eq(capture_new(&cfg, &c), -EINVAL);
        assert_true(strstr(capture_last_error(), "128x128") != NULL);
}

TEST(capture_pool_bounded, "/capture/pool is bounded: -EBUSY when consumers hold every buffer") {
        _cleanup_(capture_unrefp) struct capture *c = open_testsrc(CAPTURE_PATTERN_MOTION, 320, 240);
        struct capture_frame *held[16] = {};
        int r = 0, n = 0;

        while (n < 16) {
                r = capture_grab(c, 0, &held[n]);
                if (r < 0)
                        break;
                n++;
        }
        assert_int_eq(r, -EBUSY);
        assert_int_ge(n, 2);
        assert_int_le(n, 8);
        held[0] = capture_frame_unref(held[0]);
        assert_int_eq(capture_grab(c, 0, &held[0]), 0);
        for (int i = 0; i < n; i++)
                held[i] = capture_frame_unref(held[i]);
}

static bool have_dri_card(void)
{
        glob_t g;
        bool any;

        if (glob("/dev/dri/card*", 0, NULL, &g) != 0)
                return false;
        any = g.gl_pathc > 0;
        globfree(&g);
        return any;
}

TEST(capture_pipewire_no_remote, "/capture/pipewire without a connection, or with a dead socket, says why") {
        struct capture_config cfg = { .backend = CAPTURE_BACKEND_PIPEWIRE, .pipewire_node = "42" };
        struct capture *c = NULL;

        /* no fd and no socket path: the daemon does not go looking for one */
        assert_int_eq(capture_new(&cfg, &c), -EINVAL);
        assert_null(c);
        assert_true(strstr(capture_last_error(), "pipewire-remote") != NULL);

        cfg.pipewire_remote = "/nonexistent/pipewire-0";
        assert_int_eq(capture_new(&cfg, &c), -ENOENT);
        assert_null(c);
        assert_true(strstr(capture_last_error(), "/nonexistent/pipewire-0") != NULL);

        /* the CPU path reads memory; a dma-buf only consumer is refused, not half served */
        cfg.access = CAPTURE_ACCESS_DMABUF;
        assert_int_eq(capture_new(&cfg, &c), -ENOTSUP);
        assert_true(strstr(capture_last_error(), "dma-buf") != NULL);
        assert_str_eq(capture_backend_to_string(CAPTURE_BACKEND_PIPEWIRE), "pipewire");
        assert_int_eq(capture_backend_from_string("pipewire"), CAPTURE_BACKEND_PIPEWIRE);
}

/*
 * A consumer that can import dma-bufs (the worker with encoder vaapi) offers them first, next to the
 * memory formats; a producer that only has memory must still give CPU frames. Needs a PipeWire with a
 * memory producer: MIRACAST_PW_REMOTE and MIRACAST_PW_NODE (tests/integration/pipewire-cast.sh).
 */
TEST(capture_pipewire_dmabuf_offer, "/capture/pipewire offering dma-buf too: a memory-only producer still gives CPU frames") {
        struct capture_config cfg = { .backend = CAPTURE_BACKEND_PIPEWIRE, .width = 640, .height = 360,
                                      .access = CAPTURE_ACCESS_CPU | CAPTURE_ACCESS_DMABUF };
        _cleanup_(capture_unrefp) struct capture *c = NULL;
        _cleanup_(capture_frame_unrefp) struct capture_frame *f = NULL;

        cfg.pipewire_remote = getenv("MIRACAST_PW_REMOTE");
        cfg.pipewire_node = getenv("MIRACAST_PW_NODE");
        if (!cfg.pipewire_remote || !cfg.pipewire_node)
                test_skip("MIRACAST_PW_REMOTE/MIRACAST_PW_NODE not set (pipewire-cast.sh sets them)");
        if (capture_new(&cfg, &c) < 0)
                test_fail(__FILE__, __LINE__, "capture_new: %s", capture_last_error());
        assert_int_eq(capture_grab(c, 0, &f), 0);
        assert_non_null(f->data);
        assert_int_eq(f->dmabuf_fd, -1);
        assert_true(f->modifier == DRM_FORMAT_MOD_LINEAR);
        assert_true(f->width > 0 && f->height > 0);
}

TEST(capture_kms_absent, "/capture/kms without a DRM device says so") {
        struct capture_config cfg = { .backend = CAPTURE_BACKEND_KMS };
        struct capture *c = NULL;

        if (have_dri_card())
                test_skip("a DRM device exists here; /capture/kms/read covers it");
        assert_int_eq(capture_new(&cfg, &c), -ENODEV);
        assert_null(c);
        assert_true(strstr(capture_last_error(), "/dev/dri") != NULL);

        cfg.device = "/dev/dri/card9";
        assert_int_eq(capture_new(&cfg, &c), -ENODEV);
        assert_true(strstr(capture_last_error(), "card9") != NULL);
}

TEST(capture_kms_read, "/capture/kms reads the scan-out buffer, follows it, composites nothing unexpected") {
        struct capture_config cfg = { .backend = CAPTURE_BACKEND_KMS };
        _cleanup_(capture_unrefp) struct capture *c = NULL;
        struct capture_frame *a = NULL, *b = NULL;
        int r;

        if (!have_dri_card())
                test_skip("no DRM device (/dev/dri/card*) on this machine; runs in the VM (vkms)");
        r = capture_new(&cfg, &c);
        if (r == -EACCES) {
                assert_true(strstr(capture_last_error(), "CAP_SYS_ADMIN") != NULL);
                test_skip("not allowed to read the framebuffer here (needs CAP_SYS_ADMIN)");
        }
        if (r == -ENODEV && geteuid() != 0)
                test_skip(capture_last_error());
        assert_int_eq(r, 0);
        assert_true(strncmp(capture_get_device(c), "/dev/dri/card", 13) == 0);
        assert_int_eq(capture_grab(c, 0, &a), 0);
        assert_int_ge(a->width, 64);
        assert_int_ge(a->height, 64);
        /* default access: the linear vkms buffer in memory and as a dma-buf for GPU encoders */
        assert_non_null(a->data);
        assert_int_ge(a->dmabuf_fd, 0);
        assert_int_ge(a->dmabuf_pitch, a->width * 4);
        assert_int_eq(capture_frame_damage(c, a, 0, NULL, 0) > 0, 1);
        assert_int_eq(capture_grab(c, 0, &b), 0);
        (void) check_damage(c, a, b);
        a = capture_frame_unref(a);
        b = capture_frame_unref(b);

        struct capture *c2 = NULL;
        cfg.connector = "NoSuchConnector-7";
        assert_int_eq(capture_new(&cfg, &c2), -ENODEV);
        assert_null(c2);
        assert_true(strstr(capture_last_error(), "NoSuchConnector-7") != NULL);
}

TEST(capture_testsrc_flash, "/capture/testsrc flash: white exactly in the first 100 ms of each CLOCK_MONOTONIC second") {
        struct capture_config cfg = { .backend = CAPTURE_BACKEND_TESTSRC, .width = 160, .height = 120,
                                      .pattern = CAPTURE_PATTERN_DESKTOP, .flash = true };
        _cleanup_(capture_unrefp) struct capture *c = NULL;
        unsigned white = 0, other = 0;

        assert_int_eq(capture_new(&cfg, &c), 0);
        for (int i = 0; i < 130; i++) {
                _cleanup_(capture_frame_unrefp) struct capture_frame *f = NULL;
                uint64_t in_second;
                bool is_white;

                assert_int_eq(capture_grab(c, 0, &f), 0);
                in_second = f->capture_usec % 1000000;
                is_white = memcmp(f->data + (size_t) 60 * f->stride + 80 * 4, "\xff\xff\xff", 3) == 0 &&
                           memcmp(f->data, "\xff\xff\xff", 3) == 0;
                white += is_white;
                other += !is_white;
                /* the picture is decided a few µs before capture_usec is stamped: allow 2 ms at the edges */
                if (is_white)
                        assert_true(in_second < CAPTURE_FLASH_USEC + 2000);
                else
                        assert_true(in_second >= CAPTURE_FLASH_USEC || in_second < 2000);
                usleep(10000);
        }
        /* 1.3 s (or more, under load) covers at least one flash */
        assert_int_ge(white, 3);
        assert_int_ge(other, 3 * white);
}

static void count_wake(void *userdata)
{
        __atomic_add_fetch((unsigned *) userdata, 1, __ATOMIC_RELAXED);
}

TEST(capture_wakers_testsrc, "/capture/wakers: a polled capture has no events; add, remove, at most CAPTURE_WAKERS_MAX") {
        _cleanup_(capture_unrefp) struct capture *c = NULL;
        unsigned n[17] = {};

        assert_int_eq(capture_new(&(struct capture_config) { .backend = CAPTURE_BACKEND_TESTSRC, .width = 64,
                                                             .height = 64 }, &c), 0);
        assert_false(capture_has_events(c));
        assert_false(capture_has_events(NULL));
        assert_int_eq(capture_add_waker(c, NULL, n), -EINVAL);
        for (unsigned i = 0; i < 16; i++)
                assert_int_eq(capture_add_waker(c, count_wake, &n[i]), 0);
        assert_int_eq(capture_add_waker(c, count_wake, &n[16]), -ENOSPC);
        capture_remove_waker(c, count_wake, &n[3]);
        assert_int_eq(capture_add_waker(c, count_wake, &n[16]), 0);
        for (unsigned i = 0; i < 17; i++)
                capture_remove_waker(c, count_wake, &n[i]);
        capture_remove_waker(c, count_wake, &n[0]); /* not there: nothing happens */
}

/* A PipeWire capture calls its wakers for each new buffer, and never after capture_remove_waker(). Needs a
 * moving producer: MIRACAST_PW_REMOTE and MIRACAST_PW_NODE (tests/integration/pipewire-cast.sh). */
TEST(capture_pipewire_wakers, "/capture/pipewire wakes its consumers on each buffer, not after they left") {
        struct capture_config cfg = { .backend = CAPTURE_BACKEND_PIPEWIRE, .width = 640, .height = 360 };
        _cleanup_(capture_unrefp) struct capture *c = NULL;
        unsigned woke = 0, after;

        cfg.pipewire_remote = getenv("MIRACAST_PW_REMOTE");
        cfg.pipewire_node = getenv("MIRACAST_PW_NODE");
        if (!cfg.pipewire_remote || !cfg.pipewire_node)
                test_skip("MIRACAST_PW_REMOTE/MIRACAST_PW_NODE not set (pipewire-cast.sh sets them)");
        if (capture_new(&cfg, &c) < 0)
                test_fail(__FILE__, __LINE__, "capture_new: %s", capture_last_error());
        assert_true(capture_has_events(c));
        assert_int_eq(capture_add_waker(c, count_wake, &woke), 0);
        /* the producer sends 30 a second; a loaded machine may give it less */
        for (int i = 0; i < 100 && __atomic_load_n(&woke, __ATOMIC_RELAXED) < 5; i++)
                usleep(50000);
        capture_remove_waker(c, count_wake, &woke);
        after = __atomic_load_n(&woke, __ATOMIC_RELAXED);
        assert_int_ge(after, 5);
        usleep(200000);
        assert_int_eq(__atomic_load_n(&woke, __ATOMIC_RELAXED), after);
}
