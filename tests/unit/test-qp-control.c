/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * protocol/qp_control.h against a model encoder whose picture costs
 * k * coded macroblocks / qscale(qp) bits plus a header: full motion settles
 * at the bit rate without overflowing the buffer, a desktop that changes a
 * little sits at the lowest QP, new content costing four times more breaks
 * the buffer at most once and the rate comes back, a lower rate is followed
 * within a second, pictures not sent leave room, QP falls by at most 4,
 * noise on a slow link goes above QP 51, a picture too large for the link
 * even at QP 69 lowers the frame rate, and content whose cost jumps at a QP
 * (x264 on noise at 51) is not pushed over that edge again and again.
 */
#include <errno.h>

#include "../../protocol/qp_control.h"
#include "../lib/test.h"

#define MB_1080P 8160u /* 120 x 68 */
#define RATE 12000000ull

struct sim {
        struct qp_control q;
        double k_true;        /* the content's real cost per macroblock */
        bool cliff;           /* above QP 51 a picture costs almost nothing (x264 on noise) */
        unsigned late;        /* pictures larger than the buffer held, over the last run */
        unsigned changed;     /* P pictures: changed macroblocks */
        unsigned n;           /* pictures so far */
        uint64_t pts;
        unsigned idr_every;   /* 0: only the first */
        /* over the last window */
        uint64_t bits, pictures, underflows_before, skipped;
        unsigned qp_min_seen, qp_max_seen, p_qp_max_seen, last_p_qp, max_p_drop, idr_qp, p_qp_before_idr;
};

static void sim_init(struct sim *s, uint64_t rate, double k_true, unsigned changed)
{
        *s = (struct sim) { .k_true = k_true, .changed = changed, .idr_every = 60 };
        assert_int_eq(qp_control_init(&s->q, &(struct qp_control_config) { .bitrate_bps = rate, .fps_num = 30,
                                                                             .fps_den = 1, .mb_count = MB_1080P }),
                      0);
}

static uint64_t cost(const struct sim *s, bool idr, unsigned qp)
{
        unsigned w = idr ? MB_1080P : s->changed;

        if (s->cliff && qp > 51)
                return 1500;

        return (uint64_t) (s->k_true * (idr ? 1.5 : 1.0) * w / qp_control_qscale(qp)) + 400;
}

/* n pictures at 30 fps (each step pts advances by gap pictures' time) */
static void run(struct sim *s, unsigned n, unsigned gap)
{
        s->bits = s->pictures = s->skipped = 0;
        s->late = 0;
        s->underflows_before = s->q.stats.underflows;
        s->qp_min_seen = 99;
        s->qp_max_seen = s->p_qp_max_seen = 0;
        for (unsigned i = 0; i < n; i++) {
                bool idr = s->n == 0 || (s->idr_every && s->n % s->idr_every == 0);
                struct qp_control_picture p = { .idr = idr, .changed_mbs = s->changed, .pts_90khz = s->pts };
                struct qp_control_plan plan;
                uint64_t b;

                assert_int_eq(qp_control_plan(&s->q, &p, &plan), 0);
                assert_int_ge(plan.qp, QP_CONTROL_QP_MIN);
                assert_int_le(plan.qp, QP_CONTROL_QP_MAX);
                if (plan.skip) {
                        assert_false(idr);
                        s->skipped++;
                        s->n++;
                        s->pts += 3000ull * gap;
                        continue;
                }
                if (!idr && s->last_p_qp && plan.qp < s->last_p_qp && s->last_p_qp - plan.qp > s->max_p_drop)
                        s->max_p_drop = s->last_p_qp - plan.qp;
                if (idr && s->n) {
                        s->idr_qp = plan.qp;
                        s->p_qp_before_idr = s->last_p_qp;
                }
                if (!idr) {
                        s->last_p_qp = plan.qp;
                        s->p_qp_max_seen = plan.qp > s->p_qp_max_seen ? plan.qp : s->p_qp_max_seen;
                }
                b = cost(s, idr, plan.qp);
                s->late += b > plan.buffer_bits;
                assert_int_eq(qp_control_done(&s->q, &p, plan.qp, b), 0);
                s->bits += b;
                s->pictures++;
                s->qp_min_seen = plan.qp < s->qp_min_seen ? plan.qp : s->qp_min_seen;
                s->qp_max_seen = plan.qp > s->qp_max_seen ? plan.qp : s->qp_max_seen;
                s->n++;
                s->pts += 3000ull * gap;
        }
}

/* bit/s over the last run (30 fps) */
static uint64_t rate_of(const struct sim *s)
{
        return s->bits * 30 / (s->pictures + s->skipped);
}

TEST(qp_motion_settles, "/qp-control/full motion settles at the bit rate, never overflows the buffer once settled") {
        struct sim s;

        sim_init(&s, RATE, 300, MB_1080P);
        run(&s, 90, 1);                     /* 3 s to learn */
        run(&s, 300, 1);                    /* 10 s, with IDRs every 2 s */
        assert_int_ge(rate_of(&s), RATE * 85 / 100);
        assert_int_le(rate_of(&s), RATE * 105 / 100);
        assert_int_eq(s.q.stats.underflows - s.underflows_before, 0);
        /* a busy picture at 12 Mbit/s is neither at the floor nor at the ceiling */
        assert_int_ge(s.qp_min_seen, (QP_CONTROL_QP_MIN) + 1);
        assert_int_le(s.qp_max_seen, (QP_CONTROL_QP_MAX) - 1);
        /* the IDR does not drop quality: at most its buffer share forces it above the P pictures */
        assert_int_ge(s.idr_qp + QP_CONTROL_IDR_OFFSET, s.p_qp_before_idr);
        assert_int_le(s.max_p_drop, QP_CONTROL_MAX_STEP_DOWN);
}

TEST(qp_desktop_floor, "/qp-control/a desktop changing 2 % of its macroblocks sits at the lowest QP, far under the rate") {
        struct sim s;

        sim_init(&s, RATE, 100, 200);
        run(&s, 60, 1);
        run(&s, 150, 1);
        assert_int_eq(s.p_qp_max_seen, QP_CONTROL_QP_MIN);
        assert_int_le(rate_of(&s), (RATE / 2) - 1);
        assert_int_eq(s.q.stats.underflows - s.underflows_before, 0);
}

TEST(qp_step, "/qp-control/content costing 4x more at once: at most one late picture, then back to the rate") {
        struct sim s;

        sim_init(&s, RATE, 300, MB_1080P);
        s.idr_every = 0;
        run(&s, 150, 1);
        assert_int_eq(s.q.stats.underflows, 0);
        s.k_true = 1200;
        run(&s, 3, 1);
        assert_int_le(s.q.stats.underflows, 1);
        run(&s, 30, 1);                     /* the next second */
        assert_int_le(s.q.stats.underflows - s.underflows_before, 0);
        assert_int_le(rate_of(&s), RATE * 115 / 100);
        assert_int_ge(rate_of(&s), RATE * 70 / 100);
}

TEST(qp_step_down_gently, "/qp-control/content getting cheap: QP falls at most 4 per picture, then uses the rate") {
        struct sim s;

        sim_init(&s, RATE, 1200, MB_1080P);
        s.idr_every = 0;
        run(&s, 90, 1);
        s.k_true = 150;
        s.max_p_drop = 0;
        run(&s, 90, 1);
        assert_int_le(s.max_p_drop, QP_CONTROL_MAX_STEP_DOWN);
        assert_int_ge(s.max_p_drop, (0) + 1);
        run(&s, 90, 1);
        assert_int_ge(rate_of(&s), RATE * 85 / 100);
}

TEST(qp_lower_rate, "/qp-control/a rate cut to a quarter is followed within a second") {
        struct sim s;

        sim_init(&s, RATE, 300, MB_1080P);
        run(&s, 150, 1);
        assert_int_eq(qp_control_set_rate(&s.q, RATE / 4, 0), 0);
        run(&s, 30, 1);
        run(&s, 60, 1);
        assert_int_le(rate_of(&s), RATE / 4 * 110 / 100);
        assert_int_ge(rate_of(&s), RATE / 4 * 80 / 100);
        assert_int_le(s.q.stats.underflows, 1);
        assert_int_eq(qp_control_set_rate(&s.q, 0, 0), -EINVAL);
}

TEST(qp_gaps, "/qp-control/pictures not sent leave room: after a still second the buffer is full") {
        struct sim s;
        struct qp_control_plan plan;

        sim_init(&s, RATE, 300, MB_1080P);
        run(&s, 150, 1);
        assert_int_le(s.q.stats.buffer_bits, ((int64_t) (RATE / 4)) - 1);
        assert_int_eq(qp_control_plan(&s.q,
                                      &(struct qp_control_picture) { .changed_mbs = MB_1080P, .pts_90khz = s.pts + 90000 },
                                      &plan),
                      0);
        assert_int_eq(plan.buffer_bits, RATE / 4);
        /* the plan alone changes nothing */
        assert_int_le(s.q.stats.buffer_bits, ((int64_t) (RATE / 4)) - 1);
        /* PTS going back (a restart) counts one interval, and breaks nothing */
        assert_int_eq(qp_control_plan(&s.q, &(struct qp_control_picture) { .changed_mbs = 1, .pts_90khz = 0 }, &plan), 0);
        assert_int_ge(plan.qp, QP_CONTROL_QP_MIN);
}

TEST(qp_bad_input, "/qp-control/zero rate, fps or size, and a QP out of range, are refused") {
        struct qp_control q;

        assert_int_eq(qp_control_init(&q, &(struct qp_control_config) { .fps_num = 30, .fps_den = 1, .mb_count = 1 }),
                      -EINVAL);
        assert_int_eq(qp_control_init(&q, &(struct qp_control_config) { .bitrate_bps = 1, .fps_den = 1, .mb_count = 1 }),
                      -EINVAL);
        assert_int_eq(qp_control_init(&q, &(struct qp_control_config) { .bitrate_bps = 1, .fps_num = 1, .fps_den = 1 }),
                      -EINVAL);
        assert_int_eq(qp_control_init(&q, &(struct qp_control_config) { .bitrate_bps = 1, .fps_num = 1, .fps_den = 1,
                                                                        .mb_count = 1, .qp_min = 40, .qp_max = 30 }),
                      -EINVAL);
        assert_int_eq(qp_control_init(&q, &(struct qp_control_config) { .bitrate_bps = 1, .fps_num = 1, .fps_den = 1,
                                                                        .mb_count = 1 }),
                      0);
        assert_int_eq(qp_control_done(&q, &(struct qp_control_picture) { .idr = true }, 70, 100), -EINVAL);
        assert_int_eq(qp_control_done(&q, &(struct qp_control_picture) { .idr = true }, 69, 100), 0);
        /* qscale doubles every 6 QP */
        assert_true(qp_control_qscale(18) > 1.69 && qp_control_qscale(18) < 1.71);
        assert_true(qp_control_qscale(12) > 0.849 && qp_control_qscale(12) < 0.851);
}

TEST(qp_noise, "/qp-control/noise on a slow link goes above QP 51, keeps the rate and every picture") {
        struct sim s;

        /* 1080p noise at QP 51 costs about 700 kbit (measured), far more than a picture's 100 kbit at 3 Mbit/s */
        sim_init(&s, 3000000, 6500, MB_1080P);
        run(&s, 90, 1);                     /* includes paying for a first IDR 15 times larger than guessed */
        run(&s, 300, 1);
        assert_int_ge(s.qp_min_seen, 52);
        assert_int_eq(s.skipped, 0);
        assert_int_le(rate_of(&s), 3000000 * 110 / 100);
        assert_int_ge(rate_of(&s), 3000000 * 80 / 100);
}

TEST(qp_too_large, "/qp-control/even QP 69 is too large for the link: pictures are skipped, the rate holds") {
        struct sim s;

        /* about 400 kbit at QP 69, more than the 250 kbit buffer of 1 Mbit/s: 2.5 pictures a second */
        sim_init(&s, 1000000, 30000, MB_1080P);
        s.idr_every = 0;
        run(&s, 450, 1);                    /* a first IDR 75 times the guess takes 10 s to go through */
        run(&s, 300, 1);                    /* 10 s, IDR every 60 pictures (sent or not) */
        assert_int_eq(s.qp_max_seen, QP_CONTROL_QP_MAX);
        assert_int_ge(s.skipped, s.pictures);     /* most pictures wait */
        assert_int_ge(s.pictures, 10);            /* but the picture moves: one a second or more */
        assert_int_le(rate_of(&s), 1000000 * 115 / 100);
        assert_int_ge(rate_of(&s), 1000000 * 70 / 100);
        /* the link comes back: no more skipping once the rate fits a picture */
        assert_int_eq(qp_control_set_rate(&s.q, 40000000, 0), 0);
        run(&s, 30, 1);
        run(&s, 60, 1);
        assert_int_eq(s.skipped, 0);
}

TEST(qp_cliff, "/qp-control/noise that costs nothing above QP 51 and too much at 51: no burst after burst") {
        struct sim s;

        /* at QP 51 about 700 kbit (x264 on 1080p noise), above it nearly nothing; 1 Mbit/s holds 250 kbit */
        sim_init(&s, 1000000, 6500, MB_1080P);
        s.cliff = true;
        s.idr_every = 0;
        run(&s, 150, 1);
        run(&s, 300, 1);
        /* walking down to 51 every few pictures would be a late burst each time; the floor makes it rare */
        assert_int_le(s.late, 6);
        assert_int_le(rate_of(&s), 1000000);
}
