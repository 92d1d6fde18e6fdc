/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Frame-level rate control: see qp_control.h for the model. */
#include <errno.h>
#include <string.h>

#include "macro.h"
#include "qp_control.h"

/* Before the first picture of a type: a busy picture (a desktop is 100-200, fine texture 400-500), so the first IDR errs high in QP. */
#define K_IDR_DEFAULT 600.0
#define K_P_DEFAULT 300.0
/* A P picture changing fewer macroblocks than this says little about the cost per macroblock (headers, skips). */
#define LEARN_MIN_MBS 16

double qp_control_qscale(unsigned qp)
{
        /* 2^(i/6), i = 0..5: the quantiser step doubles every 6 QP */
        static const double sixth[6] = { 1.0, 1.122462048, 1.259921050, 1.414213562, 1.587401052, 1.781797436 };

        qp = MIN(qp, (unsigned) QP_CONTROL_QP_MAX);
        /* 0.85 * 2^((qp - 12) / 6) = 0.2125 * 2^(qp / 6) */
        return 0.2125 * (double) (1u << (qp / 6)) * sixth[qp % 6];
}

static uint64_t default_vbv(uint64_t bitrate_bps)
{
        return MAX(bitrate_bps / 4, (uint64_t) 1);
}

int qp_control_init(struct qp_control *q, const struct qp_control_config *cfg)
{
        if (!cfg->bitrate_bps || !cfg->fps_num || !cfg->fps_den || !cfg->mb_count)
                return -EINVAL;
        *q = (struct qp_control) { .cfg = *cfg };
        if (!q->cfg.vbv_bits)
                q->cfg.vbv_bits = default_vbv(cfg->bitrate_bps);
        if (!q->cfg.qp_min)
                q->cfg.qp_min = QP_CONTROL_QP_MIN;
        if (!q->cfg.qp_max || q->cfg.qp_max > QP_CONTROL_QP_MAX)
                q->cfg.qp_max = QP_CONTROL_QP_MAX;
        if (q->cfg.qp_min > q->cfg.qp_max)
                return -EINVAL;
        /* bounded so that every sum below stays far inside int64_t */
        q->cfg.bitrate_bps = MIN(q->cfg.bitrate_bps, (uint64_t) 1 << 40);
        q->cfg.vbv_bits = MIN(q->cfg.vbv_bits, (uint64_t) 1 << 42);
        q->buffer_bits = (int64_t) (q->cfg.vbv_bits / 4 * 3);
        q->stats.buffer_bits = q->buffer_bits;
        return 0;
}

int qp_control_set_rate(struct qp_control *q, uint64_t bitrate_bps, uint64_t vbv_bits)
{
        uint64_t old_vbv = q->cfg.vbv_bits;

        if (!bitrate_bps)
                return -EINVAL;
        q->cfg.bitrate_bps = MIN(bitrate_bps, (uint64_t) 1 << 40);
        q->cfg.vbv_bits = MIN(vbv_bits ? vbv_bits : default_vbv(bitrate_bps), (uint64_t) 1 << 42);
        /* the same fullness in proportion (a debt stays what it is: those bits are owed at any rate) */
        if (q->buffer_bits > 0)
                q->buffer_bits = (int64_t) ((double) q->buffer_bits * (double) q->cfg.vbv_bits / (double) old_vbv);
        q->stats.buffer_bits = q->buffer_bits;
        return 0;
}

static uint64_t frame_bits(const struct qp_control *q)
{
        return MAX(q->cfg.bitrate_bps * q->cfg.fps_den / q->cfg.fps_num, (uint64_t) 1);
}

/* The buffer just before picture p: refilled at the bit rate since the last picture, up to its size. */
static int64_t buffer_before(const struct qp_control *q, const struct qp_control_picture *p)
{
        uint64_t dt;
        int64_t b;

        if (!q->have_pts)
                return q->buffer_bits;
        /* PTS never goes back in a stream; if it does (a restart), count one frame interval */
        dt = p->pts_90khz > q->last_pts ? p->pts_90khz - q->last_pts
                                        : (uint64_t) 90000 * q->cfg.fps_den / q->cfg.fps_num;
        dt = MIN(dt, (uint64_t) 90000 * 3600); /* an hour refills any buffer */
        b = q->buffer_bits + (int64_t) ((double) q->cfg.bitrate_bps * (double) dt / 90000.0);
        return MIN(b, (int64_t) q->cfg.vbv_bits);
}

static unsigned weight_of(const struct qp_control *q, const struct qp_control_picture *p)
{
        if (p->idr)
                return q->cfg.mb_count;
        return MIN(MAX(p->changed_mbs, 1u), q->cfg.mb_count);
}

static double k_of(const struct qp_control *q, bool idr)
{
        if (q->have_k[idr])
                return q->k[idr];
        /* a P picture before any: priced from the IDR if one was learnt */
        if (!idr && q->have_k[1])
                return q->k[1] / 2;
        return idr ? K_IDR_DEFAULT : K_P_DEFAULT;
}

static double predict(double k, unsigned weight, unsigned qp)
{
        return k * weight / qp_control_qscale(qp);
}

/* The lowest QP in [lo, hi] whose predicted size fits budget; hi when none does. */
static unsigned qp_for_budget(double k, unsigned weight, double budget, unsigned lo, unsigned hi)
{
        for (unsigned qp = lo; qp < hi; qp++)
                if (predict(k, weight, qp) <= budget)
                        return qp;
        return hi;
}

int qp_control_plan(const struct qp_control *q, const struct qp_control_picture *p, struct qp_control_plan *ret)
{
        const struct qp_control_config *c = &q->cfg;
        int64_t buffer = buffer_before(q, p);
        double room = (double) MAX(buffer, (int64_t) 0), vbv = (double) c->vbv_bits;
        double k = k_of(q, p->idr), nominal = (double) frame_bits(q), cap, target;
        unsigned weight = weight_of(q, p), lo = c->qp_min, qp;

        if (p->idr) {
                /* a step better than the P pictures around it, within 80 % of the buffer */
                cap = room * 0.8;
                if (q->last_qp_p)
                        lo = MAX(lo, q->last_qp_p > QP_CONTROL_IDR_OFFSET ? q->last_qp_p - QP_CONTROL_IDR_OFFSET : 0);
                target = cap;
        } else {
                /* one interval's bits, scaled by how full the buffer is: x0.5 empty .. x1.5 full */
                target = nominal * (1.0 + (room - vbv / 2) / vbv);
                target = MAX(target, nominal / 4);
                cap = room / 2;
                if (q->last_qp_p > QP_CONTROL_MAX_STEP_DOWN)
                        lo = MAX(lo, q->last_qp_p - QP_CONTROL_MAX_STEP_DOWN);
                lo = MAX(lo, q->floor_qp);
        }
        lo = MIN(lo, c->qp_max);
        qp = qp_for_budget(k, weight, MIN(target, cap), lo, c->qp_max);
        *ret = (struct qp_control_plan) {
                .qp = qp,
                .planned_bits = (uint64_t) MIN(predict(k, weight, qp), 1e18),
                .buffer_bits = (uint64_t) MAX(buffer, (int64_t) 0),
                .skip = !p->idr && qp == c->qp_max && predict(k, weight, qp) > room &&
                        (buffer < 0 || room < vbv * 0.9),
        };
        return 0;
}

int qp_control_done(struct qp_control *q, const struct qp_control_picture *p, unsigned qp, uint64_t bits)
{
        unsigned weight = weight_of(q, p);
        int64_t buffer = buffer_before(q, p);

        if (qp > QP_CONTROL_QP_MAX)
                return -EINVAL;
        bits = MIN(bits, (uint64_t) 1 << 42);
        if (!p->idr) {
                /* more than twice the plan, and more than the buffer held: the model is wrong below this QP */
                if ((double) bits > 2 * predict(k_of(q, false), weight, qp) && (int64_t) bits > buffer) {
                        q->floor_qp = MIN(qp + 2, q->cfg.qp_max);
                        q->floor_age = 0;
                } else if (q->floor_qp && ++q->floor_age >= QP_CONTROL_FLOOR_PICTURES) {
                        q->floor_qp = q->floor_qp > q->cfg.qp_min ? q->floor_qp - 1 : 0;
                        q->floor_age = 0;
                }
        }
        if (p->idr || p->changed_mbs >= LEARN_MIN_MBS) {
                double seen = (double) bits * qp_control_qscale(qp) / weight;
                double *k = &q->k[p->idr];

                /* new content costing twice the estimate is taken at once, so the next picture is not as late */
                if (!q->have_k[p->idr] || seen > 2 * *k)
                        *k = seen;
                else
                        *k = (*k + seen) / 2;
                q->have_k[p->idr] = true;
        }
        if (!p->idr)
                q->last_qp_p = qp;
        else if (!q->last_qp_p)
                q->last_qp_p = qp + QP_CONTROL_IDR_OFFSET <= q->cfg.qp_max ? qp + QP_CONTROL_IDR_OFFSET : q->cfg.qp_max;

        if ((int64_t) bits > buffer)
                q->stats.underflows++;
        /* a picture larger than the buffer held is a debt the link pays at the bit rate before the next fits */
        q->buffer_bits = MAX(buffer - (int64_t) bits, -((int64_t) 1 << 42));
        q->last_pts = p->pts_90khz;
        q->have_pts = true;
        q->stats.pictures++;
        q->stats.qp_sum += qp;
        q->stats.last_qp = qp;
        q->stats.buffer_bits = q->buffer_bits;
        return 0;
}
