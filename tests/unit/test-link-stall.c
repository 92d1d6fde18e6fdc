/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * protocol/link_stall.h: a sink that stops reading is left out of the shared
 * encoder's rate, a slow one never; it rejoins once drained, at the rate it
 * had before the stall's queue lowered it; one event each way.
 */
#include <errno.h>

#include "../../protocol/link_stall.h"
#include "../lib/test.h"

#define MS 1000ull
#define M 1000000ull

struct link {
        struct link_stall l;
        uint64_t now, bytes, queued, bps;
        bool congested, closed;
};

/* Advance by dt and sample; returns the event. */
static enum link_stall_event step(struct link *k, uint64_t dt, struct link_stall_decision *ret)
{
        struct link_stall_decision d = { .event = 99 };

        k->now += dt;
        assert_int_eq(link_stall_update(&k->l,
                                        &(struct link_stall_sample) { .now_usec = k->now,
                                                                      .congested = k->congested,
                                                                      .window_closed = k->closed,
                                                                      .queued_bytes = k->queued,
                                                                      .bytes_sent = k->bytes,
                                                                      .bitrate_bps = k->bps },
                                        &d),
                      0);
        if (ret)
                *ret = d;
        return d.event;
}

/* n samples 10 ms apart; how many of them had event e */
static unsigned run(struct link *k, unsigned n, enum link_stall_event e)
{
        unsigned c = 0;

        for (unsigned i = 0; i < n; i++)
                c += step(k, 10 * MS, NULL) == e;
        return c;
}

TEST(link_stall_slow_link, "/link-stall/a slow link (full, but taking data) is never left out, for any time") {
        struct link k = { .now = 5 * M, .bps = 2 * M, .congested = true, .queued = 500000 };

        for (unsigned i = 0; i < 1000; i++) { /* 10 s */
                /* it takes a little every 50 ms: the queue goes down, new bytes go in */
                if (i % 5 == 0) {
                        k.bytes += 1316;
                        k.queued -= i % 10 == 0 ? 1316 : 0;
                }
                assert_int_eq(step(&k, 10 * MS, NULL), LINK_STALL_NONE);
                assert_false(link_stall_is_out(&k.l));
        }
        /* a window closed for less than 500 ms now and then is a slow reader, not a stall */
        for (unsigned j = 0; j < 5; j++) {
                k.closed = true;
                assert_int_eq(run(&k, 40, LINK_STALL_NONE), 40);
                k.closed = false;
                k.bytes += 1316;
                assert_int_eq(run(&k, 5, LINK_STALL_NONE), 5);
        }
        assert_false(link_stall_is_out(&k.l));
}

TEST(link_stall_window, "/link-stall/no room for 500 ms: left out once; drained: back once at the rate before the stall") {
        struct link k = { .now = 1 * M, .bps = 1843200, .queued = 2000 };
        struct link_stall_decision d;

        assert_int_eq(run(&k, 100, LINK_STALL_NONE), 100);
        /* it stops reading: the queue grows (the controller lowers the rate meanwhile), the window closes */
        k.queued = 200000;
        k.bps = 1566720;
        k.bytes += 100000;
        k.closed = true;
        assert_int_eq(run(&k, 50, LINK_STALL_NONE), 50);
        assert_int_eq(step(&k, 10 * MS, &d), LINK_STALL_LEFT_OUT);
        assert_true(d.no_room);
        assert_int_eq(d.for_usec, 500 * MS);
        assert_true(link_stall_is_out(&k.l));
        /* once, for all of the stall */
        k.congested = true;
        k.queued = 520000;
        assert_int_eq(run(&k, 1000, LINK_STALL_NONE), 1000);
        /* it reads again: the backlog drains, out until the queue is short */
        k.closed = false;
        k.queued = 300000;
        k.bytes += 5000;
        assert_int_eq(step(&k, 10 * MS, NULL), LINK_STALL_NONE);
        assert_true(link_stall_is_out(&k.l));
        k.congested = false;
        k.queued = 100000; /* 0.43 s at 1.57 Mbit/s: not short yet */
        assert_int_eq(step(&k, 10 * MS, NULL), LINK_STALL_NONE);
        k.queued = 1000;
        assert_int_eq(step(&k, 10 * MS, &d), LINK_STALL_REJOINED);
        assert_true(d.drained);
        assert_int_eq(d.drain_usec, 20 * MS);
        assert_int_eq(d.rejoin_bps, 1843200); /* not the 1566720 the filling queue made */
        assert_false(link_stall_is_out(&k.l));
        k.bps = d.rejoin_bps;
        assert_int_eq(run(&k, 500, LINK_STALL_NONE), 500);
}

TEST(link_stall_nothing_taken, "/link-stall/full and nothing taken for 1 s (UDP, no window): left out; a stall again while draining") {
        struct link k = { .now = 1 * M, .bps = 4 * M };
        struct link_stall_decision d;

        assert_int_eq(run(&k, 10, LINK_STALL_NONE), 10);
        k.congested = true;
        k.queued = 400000;
        k.bytes += 400000;
        assert_int_eq(run(&k, 100, LINK_STALL_NONE), 100);
        assert_int_eq(step(&k, 10 * MS, &d), LINK_STALL_LEFT_OUT);
        assert_false(d.no_room);
        assert_int_eq(d.for_usec, 1000 * MS);
        /* it takes a little (draining), then nothing again: still out, no second event */
        k.queued -= 1316;
        assert_int_eq(step(&k, 10 * MS, NULL), LINK_STALL_NONE);
        assert_true(link_stall_is_out(&k.l));
        assert_int_eq(run(&k, 300, LINK_STALL_NONE), 300);
        assert_true(link_stall_is_out(&k.l));
        /* a link that takes data but stays behind rejoins after 2 s anyway, at its rate */
        for (unsigned i = 0; i < 200; i++) {
                k.queued -= 100;
                assert_int_eq(step(&k, 10 * MS, NULL), LINK_STALL_NONE);
        }
        k.queued -= 100;
        assert_int_eq(step(&k, 10 * MS, &d), LINK_STALL_REJOINED);
        assert_false(d.drained);
        assert_int_eq(d.drain_usec, 2000 * MS);
        assert_int_eq(d.rejoin_bps, 4 * M);
}

TEST(link_stall_resume, "/link-stall/reset (resume): no history, not out; a new ceiling caps the rejoin; bad input") {
        struct link k = { .now = 1 * M, .bps = 4 * M, .closed = true };
        struct link_stall_decision d;

        assert_int_eq(run(&k, 50, LINK_STALL_NONE), 50);
        assert_int_eq(step(&k, 10 * MS, NULL), LINK_STALL_LEFT_OUT);
        link_stall_reset(&k.l);
        assert_false(link_stall_is_out(&k.l));
        /* the closed window counts from the first sample after the reset */
        assert_int_eq(run(&k, 50, LINK_STALL_NONE), 50);
        assert_int_eq(step(&k, 10 * MS, NULL), LINK_STALL_LEFT_OUT);
        /* SetBitrate to 2 Mbit/s while out */
        link_stall_set_bitrate(&k.l, 2 * M);
        k.bps = 1 * M;
        k.closed = false;
        assert_int_eq(step(&k, 10 * MS, NULL), LINK_STALL_NONE);
        assert_int_eq(step(&k, 10 * MS, &d), LINK_STALL_REJOINED);
        assert_int_eq(d.rejoin_bps, 2 * M);

        assert_int_eq(link_stall_update(&k.l, NULL, &d), -EINVAL);
        assert_int_eq(link_stall_update(&k.l, &(struct link_stall_sample) { .now_usec = 1 }, &d), -EINVAL);
}
