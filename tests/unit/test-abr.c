/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Adaptive bit rate controller: each signal alone, the holds, and a simulated 3 Mbit/s bottleneck. */
#include <errno.h>

#include "../../protocol/abr.h"
#include "../lib/test.h"

#define M 1000000u
#define SEC 1000000ULL

static struct abr_decision step(struct abr_state *s, const struct abr_config *c, uint64_t now, int lost_256,
                                uint64_t queue, uint64_t link)
{
        struct abr_sample in = { .now_usec = now, .has_loss = lost_256 >= 0,
                                 .fraction_lost = (uint8_t) (lost_256 < 0 ? 0 : lost_256),
                                 .queue_bytes = queue, .link_bps = link };
        struct abr_decision d = { .action = 99 };

        assert_int_eq(abr_update(s, c, &in, &d), 0);
        return d;
}

TEST(test_abr_config, "/abr/config/defaults, clamped start, invalid configs refused") {
        struct abr_config c;
        struct abr_state s;
        struct abr_decision d;
        struct abr_sample in = { 0 };

        abr_config_init(&c, 12 * M);
        assert_int_eq(c.min_bps, 1 * M);
        assert_int_eq(abr_state_init(&s, &c, 50 * M, 0), 0);
        assert_int_eq(s.bitrate_bps, 12 * M);
        assert_int_eq(abr_state_init(&s, &c, 1, 0), 0);
        assert_int_eq(s.bitrate_bps, 1 * M);
        abr_config_init(&c, 500000);
        assert_int_eq(c.min_bps, 500000);
        c.min_bps = 600000;
        assert_int_eq(abr_state_init(&s, &c, 1, 0), -EINVAL);
        assert_int_eq(abr_update(&s, &c, &in, &d), -EINVAL);
        abr_config_init(&c, 12 * M);
        c.loss_clean_pct = 20;   /* above loss_lower_pct */
        assert_int_eq(abr_update(&s, &c, &in, &d), -EINVAL);
        abr_config_init(&c, 12 * M);
        c.link.budget_pct = 0;
        in.link_bps = 100 * M;
        assert_int_eq(abr_update(&s, &c, &in, &d), -EINVAL);
}

TEST(test_abr_raise, "/abr/raise/clean samples raise by 10% after the hold, never above the maximum") {
        struct abr_config c;
        struct abr_state s;
        struct abr_decision d;

        abr_config_init(&c, 12 * M);
        assert_int_eq(abr_state_init(&s, &c, 10 * M, 0), 0);
        d = step(&s, &c, SEC / 2, 0, 0, 0);
        assert_int_eq(d.action, ABR_KEEP);                    /* hold: 0.5 s since the start */
        d = step(&s, &c, SEC, 0, 0, 0);
        assert_int_eq(d.action, ABR_RAISE);
        assert_int_eq(d.bitrate_bps, 11 * M);
        assert_str_eq(abr_reason_to_string(d.reason), "probe");
        d = step(&s, &c, 2 * SEC, -1, 0, 0);                  /* no report: a short queue is enough */
        assert_int_eq(d.action, ABR_RAISE);
        assert_int_eq(d.bitrate_bps, 12 * M);                 /* 12.1 capped */
        d = step(&s, &c, 10 * SEC, 0, 0, 0);
        assert_int_eq(d.action, ABR_KEEP);
        assert_int_eq(d.bitrate_bps, 12 * M);
}

TEST(test_abr_loss, "/abr/loss/lower at once by half the loss; IDR on heavy loss, not more than once a second; hold zone") {
        struct abr_config c;
        struct abr_state s;
        struct abr_decision d;

        abr_config_init(&c, 12 * M);
        assert_int_eq(abr_state_init(&s, &c, 8 * M, 0), 0);
        d = step(&s, &c, 100, 64, 0, 0);                      /* 25% lost */
        assert_int_eq(d.action, ABR_LOWER);
        assert_str_eq(abr_action_to_string(d.action), "lower");
        assert_int_eq(d.reason, ABR_REASON_LOSS);
        assert_int_eq(d.bitrate_bps, 7 * M);                  /* 8 * (1 - 0.125) */
        assert_true(d.request_idr);
        d = step(&s, &c, 200, 64, 0, 0);
        assert_int_eq(d.bitrate_bps, 7 * M - 7 * M / 8);
        assert_false(d.request_idr);                          /* 0.1 ms after the last one */
        d = step(&s, &c, SEC + 100, 64, 0, 0);
        assert_true(d.request_idr);
        /* 15% lost: lower, no IDR */
        d = step(&s, &c, SEC + 200, 38, 0, 0);
        assert_int_eq(d.action, ABR_LOWER);
        assert_false(d.request_idr);
        /* 5% lost: between clean and lower: hold for 3 s after the last change, then 5% down */
        uint32_t r = d.bitrate_bps;
        d = step(&s, &c, 2 * SEC, 13, 0, 0);
        assert_int_eq(d.action, ABR_KEEP);
        assert_int_eq(d.reason, ABR_REASON_NONE);
        d = step(&s, &c, 4 * SEC + 199, 13, 0, 0);
        assert_int_eq(d.action, ABR_KEEP);
        d = step(&s, &c, 4 * SEC + 200, 13, 0, 0);
        assert_int_eq(d.action, ABR_LOWER);
        assert_int_eq(d.reason, ABR_REASON_LOSS);
        assert_int_eq(d.bitrate_bps, (uint64_t) r * 95 / 100);
}

TEST(test_abr_decrease_hold, "/abr/raise/no raise within 3 s of a decrease") {
        struct abr_config c;
        struct abr_state s;
        struct abr_decision d;

        abr_config_init(&c, 12 * M);
        assert_int_eq(abr_state_init(&s, &c, 8 * M, 0), 0);
        d = step(&s, &c, 10 * SEC, 64, 0, 0);
        assert_int_eq(d.action, ABR_LOWER);
        assert_int_eq(step(&s, &c, 11 * SEC, 0, 0, 0).action, ABR_KEEP);
        assert_int_eq(step(&s, &c, 12 * SEC, 0, 0, 0).action, ABR_KEEP);
        d = step(&s, &c, 13 * SEC, 0, 0, 0);
        assert_int_eq(d.action, ABR_RAISE);
        assert_int_eq(d.bitrate_bps, 7 * M + 140000);   /* 2%: within 15% under the 8 Mbit/s that lost */
        assert_int_eq(step(&s, &c, 13 * SEC + SEC / 2, 0, 0, 0).action, ABR_KEEP);   /* raise hold */
        assert_int_eq(step(&s, &c, 14 * SEC, 0, 0, 0).action, ABR_RAISE);
        /* a clock that went back never raises */
        assert_int_eq(step(&s, &c, 1 * SEC, 0, 0, 0).action, ABR_KEEP);
}

TEST(test_abr_queue, "/abr/queue/a send queue above 150 ms of video lowers by 15%; a half-full one blocks raises") {
        struct abr_config c;
        struct abr_state s;
        struct abr_decision d;

        abr_config_init(&c, 12 * M);
        assert_int_eq(abr_state_init(&s, &c, 12 * M, 0), 0);
        d = step(&s, &c, 10 * SEC, -1, 300000, 0);            /* 300 kB at 12 Mbit/s = 200 ms */
        assert_int_eq(d.action, ABR_LOWER);
        assert_int_eq(d.reason, ABR_REASON_QUEUE);
        assert_int_eq(d.bitrate_bps, 10200000);
        d = step(&s, &c, 20 * SEC, -1, 150000, 0);            /* 118 ms: no lowering, not clean either */
        assert_int_eq(d.action, ABR_KEEP);
        d = step(&s, &c, 21 * SEC, -1, 50000, 0);             /* 39 ms: clean */
        assert_int_eq(d.action, ABR_RAISE);
        /* an absurd queue size does not overflow */
        d = step(&s, &c, 30 * SEC, -1, UINT64_MAX, 0);
        assert_int_eq(d.action, ABR_LOWER);
}

TEST(test_abr_link, "/abr/link/a slow link lowers at once to its budget and caps raises there") {
        struct abr_config c;
        struct abr_state s;
        struct abr_decision d;

        abr_config_init(&c, 12 * M);
        assert_int_eq(abr_state_init(&s, &c, 12 * M, 0), 0);
        d = step(&s, &c, 100 * SEC, 0, 0, 6 * M);             /* budget 3 Mbit/s */
        assert_int_eq(d.action, ABR_LOWER);
        assert_int_eq(d.reason, ABR_REASON_LINK);
        assert_int_eq(d.bitrate_bps, 3 * M);
        assert_int_eq(d.ceiling_bps, 3 * M);
        for (uint64_t t = 101; t < 130; t++)
                assert_int_le(step(&s, &c, t * SEC, 0, 0, 6 * M).bitrate_bps, 3 * M);
        /* the link comes back: raises resume up to the maximum */
        for (uint64_t t = 130; t < 160; t++)
                d = step(&s, &c, t * SEC, 0, 0, 144 * M);
        assert_int_eq(d.bitrate_bps, 12 * M);
        assert_int_eq(d.ceiling_bps, 12 * M);
}

TEST(test_abr_floor, "/abr/floor/congestion at the minimum for 5 s asks for a smaller mode, then again 5 s later") {
        struct abr_config c;
        struct abr_state s;
        struct abr_decision d;
        unsigned n_smaller = 0;

        abr_config_init(&c, 12 * M);
        assert_int_eq(abr_state_init(&s, &c, 1 * M, 0), 0);
        for (uint64_t t = 1; t <= 11; t++) {
                d = step(&s, &c, t * SEC, 64, 0, 0);
                assert_int_eq(d.bitrate_bps, 1 * M);
                assert_false(d.action == ABR_LOWER);
                n_smaller += d.smaller_mode;
                if (t == 6 || t == 11)
                        assert_true(d.smaller_mode);
        }
        assert_int_eq(n_smaller, 2);
        /* a clean sample resets the timer */
        d = step(&s, &c, 12 * SEC, 0, 0, 0);
        d = step(&s, &c, 13 * SEC, 64, 0, 0);
        assert_false(d.smaller_mode);
}

TEST(test_abr_ceiling, "/abr/ceiling/a lower sink maximum (new mode) lowers at once without counting as congestion") {
        struct abr_config c;
        struct abr_state s;
        struct abr_decision d;

        abr_config_init(&c, 12 * M);
        assert_int_eq(abr_state_init(&s, &c, 12 * M, 0), 0);
        c.max_bps = 8 * M;
        d = step(&s, &c, SEC, 0, 0, 0);
        assert_int_eq(d.action, ABR_LOWER);
        assert_int_eq(d.reason, ABR_REASON_CEILING);
        assert_int_eq(d.bitrate_bps, 8 * M);
        assert_false(d.smaller_mode);
}

/* A bottleneck of cap_bps that drops what exceeds it: loss = (rate - cap) / rate. */
static int bottleneck_loss(uint32_t rate, uint32_t cap)
{
        return rate <= cap ? 0 : (int) ((uint64_t) (rate - cap) * 256 / rate);
}

TEST(test_abr_bottleneck, "/abr/sim/1080p at 12 Mbit/s into a 3 Mbit/s bottleneck converges in seconds; recovers after") {
        struct abr_config c;
        struct abr_state s;
        struct abr_decision d = { 0 };
        uint32_t rate = 12 * M;
        unsigned converged_at = 0, idrs = 0;
        int worst_late_loss = 0, sum_late_loss = 0;
        uint32_t late_min = UINT32_MAX, late_max = 0;

        abr_config_init(&c, 12 * M);
        assert_int_eq(abr_state_init(&s, &c, rate, 0), 0);
        /* one receiver report per second */
        for (unsigned t = 1; t <= 60; t++) {
                int loss = bottleneck_loss(rate, 3 * M);

                d = step(&s, &c, t * SEC, loss, 0, 144 * M);
                rate = d.bitrate_bps;
                idrs += d.request_idr;
                if (!converged_at && rate <= 3300000)
                        converged_at = t;
                if (t > 20) {
                        worst_late_loss = loss > worst_late_loss ? loss : worst_late_loss;
                        sum_late_loss += loss;
                        late_min = rate < late_min ? rate : late_min;
                        late_max = rate > late_max ? rate : late_max;
                }
                assert_false(d.smaller_mode);
        }
        assert_int_ne(converged_at, 0);
        assert_int_le(converged_at, 6);
        /* once settled, loss stays under the lowering threshold (10% = 25.6/256) */
        assert_int_le(worst_late_loss, 26);
        /* and it settles just under the bottleneck: 2.5..3.2 Mbit/s, average loss under 3% */
        assert_int_ge(late_min, 2500000);
        assert_int_le(late_max, 3200000);
        assert_int_le(sum_late_loss * 100 / 40, 3 * 256);
        assert_int_le(idrs, 5);
        /* the bottleneck goes away: back to 12 Mbit/s within 30 s (2% steps near the old bottleneck, then 10%) */
        for (unsigned t = 61; t <= 90; t++) {
                d = step(&s, &c, t * SEC, bottleneck_loss(rate, 100 * M), 0, 144 * M);
                rate = d.bitrate_bps;
        }
        assert_int_eq(rate, 12 * M);
}
