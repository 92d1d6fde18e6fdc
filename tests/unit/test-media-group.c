/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * encoder/media_group.h, the fan-out: members at the same capture and format
 * share one encoder (one encode per frame interval, whoever ticks first),
 * other formats get their own, a joiner starts at an IDR, the group runs at
 * the lowest member target (leaving out members whose link stalled), and the
 * last one leaving frees the encoder.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libavutil/log.h>

#include "../../encoder/capture.h"
#include "../../encoder/media_group.h"
#include "../../protocol/macro.h"
#include "../lib/test.h"

__attribute__((constructor)) static void quiet_ffmpeg(void)
{
        av_log_set_level(AV_LOG_ERROR);
}

static uint64_t now(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

static struct capture *open_testsrc(void)
{
        struct capture_config cfg = { .backend = CAPTURE_BACKEND_TESTSRC, .width = 320, .height = 240,
                                      .pattern = CAPTURE_PATTERN_MOTION };
        struct capture *c = NULL;

        assert_int_eq(capture_new(&cfg, &c), 0);
        return c;
}

static const struct encode_config fmt_a = { .encoder = "x264", .width = 320, .height = 240, .fps_num = 30,
                                             .fps_den = 1, .bitrate_bps = 2000000 };

#define INTERVAL 33333

/* The capture shares a picture with grabs within half an interval (real time): the next tick waits one. */
static uint64_t next_tick(void)
{
        usleep(INTERVAL);
        return now();
}

TEST(group_share, "/media-group/same capture and format: one encoder, the second member gets the first's encode") {
        struct capture *c = open_testsrc();
        struct media_group *g1 = NULL, *g2 = NULL;
        struct media_group_frame f1 = {}, f2 = {};
        const char *stage;
        unsigned m1, m2;
        uint64_t t;

        assert_int_eq(media_group_join(c, &fmt_a, false, &g1, &m1), 0);
        assert_int_eq(media_group_count(), 1);
        assert_int_eq(media_group_join(c, &fmt_a, false, &g2, &m2), 0);
        assert_true(g1 == g2);
        assert_int_ne(m1, m2);
        assert_int_eq(media_group_count(), 1);
        assert_int_eq(media_group_members(g1), 2);

        for (int i = 0; i < 5; i++) {
                t = next_tick();
                assert_int_eq(media_group_tick(g1, m1, t, INTERVAL, 200000, 0, &f1, &stage), 0);
                assert_false(f1.shared);
                assert_int_eq(f1.n_aus, 1);
                assert_true(f1.converted);
                /* the other member's tick, within the interval: the same access unit, no work */
                assert_int_eq(media_group_tick(g2, m2, t + 1000, INTERVAL, 200000, 0, &f2, &stage), 0);
                assert_true(f2.shared);
                assert_false(f2.converted);
                assert_int_eq(f2.n_aus, 1);
                assert_int_eq(f2.au[0].size, f1.au[0].size);
                assert_true(memcmp(f2.au[0].data, f1.au[0].data, f1.au[0].size) == 0);
                assert_int_eq(f2.grab_usec, f1.grab_usec);
                if (i == 0)
                        assert_true(f1.au[0].idr);
        }
        media_group_leave(g1, m1);
        assert_int_eq(media_group_members(g2), 1);
        assert_int_eq(media_group_count(), 1);
        media_group_leave(g2, m2);
        assert_int_eq(media_group_count(), 0);
        media_group_frame_done(&f1);
        media_group_frame_done(&f2);
        capture_unref(c);
}

TEST(group_formats, "/media-group/another size, rate or capture gets another encoder; the bit rate does not") {
        struct capture *c = open_testsrc(), *c2 = open_testsrc();
        struct encode_config fmt_b = fmt_a, fmt_r = fmt_a, fmt_rate = fmt_a;
        struct media_group *ga, *gb, *gr, *gc, *grate;
        unsigned ma, mb, mr, mc, mrate;

        fmt_b.width = 160;
        fmt_b.height = 120;
        fmt_r.fps_num = 60;
        fmt_rate.bitrate_bps = 1000000;
        assert_int_eq(media_group_join(c, &fmt_a, false, &ga, &ma), 0);
        assert_int_eq(media_group_join(c, &fmt_b, false, &gb, &mb), 0);
        assert_int_eq(media_group_join(c, &fmt_r, false, &gr, &mr), 0);
        assert_int_eq(media_group_join(c2, &fmt_a, false, &gc, &mc), 0);
        assert_int_eq(media_group_join(c, &fmt_rate, false, &grate, &mrate), 0);
        assert_true(ga != gb && ga != gr && ga != gc && gb != gr);
        assert_true(grate == ga);
        assert_int_ne(media_group_id(ga), media_group_id(gb));
        assert_int_eq(media_group_count(), 4);
        /* the group runs at the lowest target; it comes back when that member leaves */
        assert_int_eq(media_group_get_bitrate(ga), 1000000);
        media_group_set_bitrate(ga, ma, 600000);
        assert_int_eq(media_group_get_bitrate(ga), 600000);
        media_group_leave(ga, ma);
        assert_int_eq(media_group_get_bitrate(grate), 1000000);
        media_group_leave(grate, mrate);
        media_group_leave(gb, mb);
        media_group_leave(gr, mr);
        media_group_leave(gc, mc);
        assert_int_eq(media_group_count(), 0);
        capture_unref(c);
        capture_unref(c2);
}

TEST(group_stalled, "/media-group/a member whose link stalled is left out of the rate, and counts again after") {
        struct capture *c = open_testsrc();
        struct media_group *g1, *g2, *g3;
        unsigned m1, m2, m3;

        assert_int_eq(media_group_join(c, &fmt_a, false, &g1, &m1), 0);
        assert_int_eq(media_group_join(c, &fmt_a, false, &g2, &m2), 0);
        assert_true(g1 == g2);
        assert_int_eq(media_group_get_bitrate(g1), 2000000);
        /* member 2's controller went down while its sink stopped reading: the others keep the rate */
        media_group_set_bitrate(g2, m2, 1000000);
        assert_int_eq(media_group_get_bitrate(g1), 1000000);
        assert_int_eq(media_group_set_stalled(g2, m2, true), 1);
        assert_int_eq(media_group_set_stalled(g2, m2, true), 0); /* once */
        assert_int_eq(media_group_get_bitrate(g1), 2000000);
        /* a slow member (not stalled) still holds the rate down */
        media_group_set_bitrate(g1, m1, 1500000);
        assert_int_eq(media_group_get_bitrate(g1), 1500000);
        media_group_set_bitrate(g1, m1, 2000000);
        /* a joiner counts at once; the stalled one still does not */
        assert_int_eq(media_group_join(c, &(struct encode_config) { .encoder = "x264", .width = 320, .height = 240,
                                                                    .fps_num = 30, .fps_den = 1,
                                                                    .bitrate_bps = 1800000 },
                                       false, &g3, &m3), 0);
        assert_true(g3 == g1);
        assert_int_eq(media_group_get_bitrate(g1), 1800000);
        media_group_leave(g3, m3);
        assert_int_eq(media_group_get_bitrate(g1), 2000000);
        /* its link takes data again: its rate counts */
        assert_int_eq(media_group_set_stalled(g2, m2, false), 1);
        assert_int_eq(media_group_get_bitrate(g1), 1000000);
        /* every member stalled: all count (nobody else's picture to keep) */
        assert_int_eq(media_group_set_stalled(g2, m2, true), 1);
        assert_int_eq(media_group_set_stalled(g1, m1, true), 1);
        assert_int_eq(media_group_get_bitrate(g1), 1000000);
        /* the stalled one leaves: the rest, though stalled, run at their own */
        media_group_leave(g2, m2);
        assert_int_eq(media_group_get_bitrate(g1), 2000000);
        assert_int_eq(media_group_set_stalled(g1, 7, true), 0); /* not a member: nothing */
        assert_int_eq(media_group_set_stalled(g1, 99, true), -EINVAL);
        media_group_leave(g1, m1);
        assert_int_eq(media_group_count(), 0);
        capture_unref(c);
}

TEST(group_joiner_idr, "/media-group/a member joining a running encoder starts at the next IDR") {
        struct capture *c = open_testsrc();
        struct media_group *g1, *g2;
        struct media_group_frame f1 = {}, f2 = {};
        const char *stage;
        unsigned m1, m2;
        uint64_t t;
        struct encode_config fmt = fmt_a;

        fmt.idr_interval = 1000; /* no periodic IDR within the test */
        assert_int_eq(media_group_join(c, &fmt, false, &g1, &m1), 0);
        for (int i = 0; i < 4; i++) {
                t = next_tick();
                assert_int_eq(media_group_tick(g1, m1, t, INTERVAL, 200000, 0, &f1, &stage), 0);
                assert_int_eq(f1.n_aus, 1);
                assert_int_eq(f1.au[0].idr, i == 0);
        }
        assert_int_eq(media_group_join(c, &fmt, false, &g2, &m2), 0);
        assert_true(g1 == g2);
        /* the joiner's first tick: an encode it did itself (nothing fresh in the cache for it), an IDR */
        t = next_tick();
        assert_int_eq(media_group_tick(g2, m2, t, INTERVAL, 200000, 0, &f2, &stage), 0);
        assert_int_eq(f2.n_aus, 1);
        assert_true(f2.au[0].idr);
        /* the first member gets that IDR too (one IDR for all) */
        assert_int_eq(media_group_tick(g1, m1, t + 1000, INTERVAL, 200000, 0, &f1, &stage), 0);
        assert_true(f1.shared);
        assert_true(f1.au[0].idr);
        /* resume: wait_idr drops what is not an IDR and asks for one */
        t = next_tick();
        assert_int_eq(media_group_tick(g1, m1, t, INTERVAL, 200000, 0, &f1, &stage), 0);
        assert_false(f1.au[0].idr);
        media_group_wait_idr(g2, m2);
        assert_int_eq(media_group_tick(g2, m2, t + 1000, INTERVAL, 200000, 0, &f2, &stage), 0);
        assert_int_eq(f2.n_aus, 0); /* the shared P frame is not for it */
        t = next_tick();
        assert_int_eq(media_group_tick(g2, m2, t, INTERVAL, 200000, 0, &f2, &stage), 0);
        assert_int_eq(f2.n_aus, 1);
        assert_true(f2.au[0].idr);
        media_group_leave(g2, m2);

        /* A joiner whose IDR was encoded (by the other member) before its stream started: that one
         * is not for it, so it asks again and its first access unit is the next IDR. */
        for (int i = 0; i < 2; i++) /* past the encoder's coalescing of IDR requests */
                assert_int_eq(media_group_tick(g1, m1, next_tick(), INTERVAL, 200000, 0, &f1, &stage), 0);
        assert_int_eq(media_group_join(c, &fmt, false, &g2, &m2), 0);
        t = next_tick();
        assert_int_eq(media_group_tick(g1, m1, t, INTERVAL, 200000, 0, &f1, &stage), 0);
        assert_true(f1.au[0].idr);
        assert_int_eq(media_group_tick(g2, m2, t + 1000, INTERVAL, 200000, t + 500, &f2, &stage), 0);
        assert_true(f2.shared);
        assert_int_eq(f2.n_aus, 0);
        /* (the encoder answers at most one IDR request per frame interval: within a few ticks) */
        for (int i = 0; i < 3 && f2.n_aus == 0; i++) {
                uint64_t since = t + 500;

                t = next_tick();
                assert_int_eq(media_group_tick(g1, m1, t, INTERVAL, 200000, 0, &f1, &stage), 0);
                assert_int_eq(media_group_tick(g2, m2, t + 1000, INTERVAL, 200000, since, &f2, &stage), 0);
        }
        assert_int_eq(f2.n_aus, 1);
        assert_true(f2.au[0].idr);
        media_group_leave(g1, m1);
        media_group_leave(g2, m2);
        media_group_frame_done(&f1);
        media_group_frame_done(&f2);
        capture_unref(c);
}
