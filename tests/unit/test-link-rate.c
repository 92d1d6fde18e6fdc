/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>

#include "../../protocol/link_rate.h"
#include "../lib/test.h"

#define M 1000000ULL
#define S 1000000ULL

static struct link_rate_decision decide(uint64_t link, uint32_t cur, uint32_t cap, uint64_t now, uint64_t last)
{
        struct link_rate_policy p;
        struct link_rate_decision d = { .action = 99 };

        link_rate_policy_init(&p);
        assert_int_eq(link_rate_decide(&p, link, cur, cap, now, last, &d), 0);
        return d;
}

TEST(link_rate_unknown, "/link-rate/an unknown link keeps the bit rate") {
        struct link_rate_decision d = decide(0, 8 * M, 8 * M, 100 * S, 0);
        assert_int_eq(d.action, LINK_RATE_KEEP);
        assert_int_eq(d.bitrate_bps, 8 * M);
        assert_int_eq(d.budget_bps, 0);
}

TEST(link_rate_ample, "/link-rate/a fast link keeps a session already at its negotiated rate") {
        struct link_rate_decision d = decide(144 * M, 8 * M, 8 * M, 100 * S, 0);
        assert_int_eq(d.action, LINK_RATE_KEEP);
        assert_int_eq(d.budget_bps, 72 * M);
}

TEST(link_rate_lower, "/link-rate/a link dropping well below the bit rate lowers it to the budget at once") {
        /* 6 Mbit/s PHY -> 3 Mbit/s for video; a change 1 s ago does not hold a lowering back */
        struct link_rate_decision d = decide(6 * M, 8 * M, 8 * M, 11 * S, 10 * S);
        assert_int_eq(d.action, LINK_RATE_LOWER);
        assert_int_eq(d.bitrate_bps, 3 * M);
        assert_int_eq(d.budget_bps, 3 * M);
        assert_str_eq(link_rate_action_to_string(d.action), "lower");
}

TEST(link_rate_margin, "/link-rate/within the lower margin nothing changes (no flapping)") {
        /* budget 7.5 Mbit/s, current 8: 8 <= 7.5 * 1.10 */
        assert_int_eq(decide(15 * M, 8 * M, 8 * M, 100 * S, 0).action, LINK_RATE_KEEP);
        /* budget 7 Mbit/s: 8 > 7.7 -> lower */
        assert_int_eq(decide(14 * M, 8 * M, 8 * M, 100 * S, 0).action, LINK_RATE_LOWER);
}

TEST(link_rate_floor, "/link-rate/a lowered rate never goes under the floor; at the floor it keeps") {
        struct link_rate_decision d = decide(1 * M, 8 * M, 8 * M, 100 * S, 0);
        assert_int_eq(d.action, LINK_RATE_LOWER);
        assert_int_eq(d.bitrate_bps, LINK_RATE_DEFAULT_MIN_BPS);
        d = decide(1 * M, LINK_RATE_DEFAULT_MIN_BPS, 8 * M, 100 * S, 0);
        assert_int_eq(d.action, LINK_RATE_KEEP);
        assert_int_eq(d.bitrate_bps, LINK_RATE_DEFAULT_MIN_BPS);
        /* a cap under the floor is the floor */
        d = decide(100000, 800000, 800000, 100 * S, 0);
        assert_int_eq(d.action, LINK_RATE_KEEP);
}

TEST(link_rate_raise, "/link-rate/a recovered link raises again, capped at the negotiated rate, after the hold time") {
        struct link_rate_decision d;

        /* recovered but changed 5 s ago: hold */
        d = decide(144 * M, 3 * M, 8 * M, 15 * S, 10 * S);
        assert_int_eq(d.action, LINK_RATE_KEEP);
        /* 10 s later: up to the cap, not to the 72 Mbit/s budget */
        d = decide(144 * M, 3 * M, 8 * M, 20 * S, 10 * S);
        assert_int_eq(d.action, LINK_RATE_RAISE);
        assert_int_eq(d.bitrate_bps, 8 * M);
        /* partly recovered: to the budget */
        d = decide(10 * M, 3 * M, 8 * M, 20 * S, 10 * S);
        assert_int_eq(d.action, LINK_RATE_RAISE);
        assert_int_eq(d.bitrate_bps, 5 * M);
        assert_str_eq(link_rate_action_to_string(d.action), "raise");
        /* budget only a little above the current rate: keep (raise margin) */
        assert_int_eq(decide(7 * M, 3 * M, 8 * M, 20 * S, 10 * S).action, LINK_RATE_KEEP);
        /* clock behind the last change: no raise */
        assert_int_eq(decide(144 * M, 3 * M, 8 * M, 5 * S, 10 * S).action, LINK_RATE_KEEP);
}

TEST(link_rate_zero_margin, "/link-rate/with no raise margin a budget equal to the bit rate keeps it") {
        struct link_rate_policy p;
        struct link_rate_decision d;

        link_rate_policy_init(&p);
        p.raise_margin_pct = 0;
        p.lower_margin_pct = 0;
        p.budget_pct = 100;
        assert_int_eq(link_rate_decide(&p, 3 * M, 3 * M, 8 * M, 100 * S, 0, &d), 0);
        assert_int_eq(d.action, LINK_RATE_KEEP);
        assert_int_eq(d.bitrate_bps, 3 * M);
}

TEST(link_rate_huge, "/link-rate/absurd link rates saturate instead of wrapping") {
        struct link_rate_decision d = decide(UINT64_MAX, 3 * M, 8 * M, 20 * S, 0);
        assert_int_eq(d.action, LINK_RATE_RAISE);
        assert_int_eq(d.bitrate_bps, 8 * M);
        assert_int_eq(d.budget_bps, UINT32_MAX);
}

TEST(link_rate_invalid, "/link-rate/bad policies and zero rates are refused") {
        struct link_rate_policy p;
        struct link_rate_decision d = { .action = LINK_RATE_RAISE, .bitrate_bps = 7 };

        link_rate_policy_init(&p);
        assert_int_eq(link_rate_decide(&p, 10 * M, 0, 8 * M, 0, 0, &d), -EINVAL);
        assert_int_eq(link_rate_decide(&p, 10 * M, 8 * M, 0, 0, 0, &d), -EINVAL);
        p.budget_pct = 0;
        assert_int_eq(link_rate_decide(&p, 10 * M, 8 * M, 8 * M, 0, 0, &d), -EINVAL);
        p.budget_pct = 101;
        assert_int_eq(link_rate_decide(&p, 10 * M, 8 * M, 8 * M, 0, 0, &d), -EINVAL);
        assert_int_eq(link_rate_decide(NULL, 10 * M, 8 * M, 8 * M, 0, 0, &d), -EINVAL);
        /* untouched on failure */
        assert_int_eq(d.action, LINK_RATE_RAISE);
        assert_int_eq(d.bitrate_bps, 7);
}
