/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Adaptive bit rate controller (see abr.h). */
#include <errno.h>

#include "abr.h"
#include "macro.h"

/* A send queue above a terabyte is no socket; clamping keeps bytes * 8e6 in 64 bits. */
#define ABR_MAX_QUEUE_BYTES (1ULL << 40)

void abr_config_init(struct abr_config *c, uint32_t max_bps)
{
        *c = (struct abr_config) {
                .min_bps = MIN((uint32_t) ABR_DEFAULT_MIN_BPS, max_bps),
                .max_bps = max_bps,
                .loss_lower_pct = ABR_DEFAULT_LOSS_LOWER_PCT,
                .loss_clean_pct = ABR_DEFAULT_LOSS_CLEAN_PCT,
                .heavy_loss_pct = ABR_DEFAULT_HEAVY_LOSS_PCT,
                .increase_pct = ABR_DEFAULT_INCREASE_PCT,
                .near_increase_pct = ABR_DEFAULT_NEAR_INCREASE_PCT,
                .moderate_lower_pct = ABR_DEFAULT_MODERATE_LOWER_PCT,
                .queue_lower_pct = ABR_DEFAULT_QUEUE_LOWER_PCT,
                .queue_high_usec = ABR_DEFAULT_QUEUE_HIGH_USEC,
                .raise_hold_usec = ABR_DEFAULT_RAISE_HOLD_USEC,
                .decrease_hold_usec = ABR_DEFAULT_DECREASE_HOLD_USEC,
                .idr_min_interval_usec = ABR_DEFAULT_IDR_MIN_INTERVAL_USEC,
                .floor_hold_usec = ABR_DEFAULT_FLOOR_HOLD_USEC,
        };
        link_rate_policy_init(&c->link);
}

static bool abr_config_valid(const struct abr_config *c)
{
        return c && c->max_bps > 0 && c->min_bps > 0 && c->min_bps <= c->max_bps && c->loss_lower_pct <= 100 &&
               c->loss_clean_pct <= c->loss_lower_pct && c->heavy_loss_pct > 0 && c->increase_pct > 0 &&
               c->increase_pct <= 100 && c->near_increase_pct > 0 && c->near_increase_pct <= c->increase_pct &&
               c->moderate_lower_pct > 0 && c->moderate_lower_pct < 100 && c->queue_lower_pct > 0 &&
               c->queue_lower_pct < 100;
}

int abr_state_init(struct abr_state *s, const struct abr_config *c, uint32_t initial_bps, uint64_t now_usec)
{
        if (!s || !abr_config_valid(c))
                return -EINVAL;
        *s = (struct abr_state) {
                .bitrate_bps = MAX(MIN(initial_bps, c->max_bps), c->min_bps),
                .last_change_usec = now_usec,
        };
        return 0;
}

/* now - then >= hold, with a clock that went back counting as "not yet" */
static bool elapsed(uint64_t now, uint64_t then, uint64_t hold)
{
        return now >= then && now - then >= hold;
}

int abr_update(struct abr_state *s, const struct abr_config *c, const struct abr_sample *in,
               struct abr_decision *ret)
{
        struct abr_decision d = {};
        uint64_t now, cur, target, ceiling, queue_usec = 0;
        bool congested = false, clean;
        int r;

        if (!s || !in || !ret || !abr_config_valid(c))
                return -EINVAL;
        now = in->now_usec;
        cur = MAX(MIN((uint64_t) s->bitrate_bps, c->max_bps), c->min_bps);
        target = cur;

        ceiling = c->max_bps;
        if (s->bitrate_bps > c->max_bps) {
                /* the sink's maximum went down (a new mode): follow it, no congestion */
                d.reason = ABR_REASON_CEILING;
                cur = s->bitrate_bps;
                target = c->max_bps;
        }
        if (in->link_bps > 0) {
                struct link_rate_decision ld;

                r = link_rate_decide(&c->link, in->link_bps, (uint32_t) cur, c->max_bps, now, s->last_change_usec,
                                     &ld);
                if (r < 0)
                        return r;
                ceiling = MIN(ceiling, MAX((uint64_t) ld.budget_bps, c->min_bps));
                if (ld.action == LINK_RATE_LOWER && MAX((uint64_t) ld.bitrate_bps, c->min_bps) < target) {
                        target = MAX((uint64_t) ld.bitrate_bps, c->min_bps);
                        d.reason = ABR_REASON_LINK;
                }
                congested |= ld.action == LINK_RATE_LOWER;
        }
        if (in->has_loss && (uint64_t) in->fraction_lost * 100 > (uint64_t) c->loss_lower_pct * 256) {
                /* GCC: A = A * (1 - 0.5 * loss) */
                uint64_t t = cur - cur * in->fraction_lost / 512;

                congested = true;
                if (t < target) {
                        target = t;
                        d.reason = ABR_REASON_LOSS;
                }
        }
        if (in->has_loss && (uint64_t) in->fraction_lost * 100 >= (uint64_t) c->loss_clean_pct * 256 &&
            (uint64_t) in->fraction_lost * 100 <= (uint64_t) c->loss_lower_pct * 256 &&
            elapsed(now, s->last_change_usec, c->decrease_hold_usec)) {
                uint64_t t = cur * (100 - c->moderate_lower_pct) / 100;

                congested = true;
                if (t < target) {
                        target = t;
                        d.reason = ABR_REASON_LOSS;
                }
        }
        queue_usec = MIN(in->queue_bytes, ABR_MAX_QUEUE_BYTES) * 8 * 1000000 / cur;
        if (queue_usec > c->queue_high_usec) {
                uint64_t t = cur * (100 - c->queue_lower_pct) / 100;

                congested = true;
                if (t < target) {
                        target = t;
                        d.reason = ABR_REASON_QUEUE;
                }
        }
        target = MAX(target, c->min_bps);

        d.ceiling_bps = (uint32_t) ceiling;
        d.action = ABR_KEEP;
        d.bitrate_bps = (uint32_t) cur;
        if (target < cur) {
                if (d.reason == ABR_REASON_LOSS || d.reason == ABR_REASON_QUEUE)
                        s->congested_bps = (uint32_t) cur;
                d.action = ABR_LOWER;
                d.bitrate_bps = (uint32_t) target;
                s->last_change_usec = now;
                s->last_decrease_usec = now;
                s->decreased = true;
        }

        /* Last resort: congestion while the encoder is already at the floor. */
        if (congested && d.bitrate_bps <= c->min_bps) {
                if (!s->at_floor) {
                        s->at_floor = true;
                        s->floor_since_usec = now;
                } else if (elapsed(now, s->floor_since_usec, c->floor_hold_usec)) {
                        d.smaller_mode = true;
                        s->floor_since_usec = now;   /* ask again only after another hold */
                }
        } else if (!congested)
                s->at_floor = false;

        clean = !congested && (!in->has_loss || (uint64_t) in->fraction_lost * 100 < (uint64_t) c->loss_clean_pct * 256) &&
                queue_usec * 2 <= c->queue_high_usec;
        if (d.action == ABR_KEEP && d.reason == ABR_REASON_NONE && clean && cur < ceiling &&
            elapsed(now, s->last_change_usec, c->raise_hold_usec) &&
            (!s->decreased || elapsed(now, s->last_decrease_usec, c->decrease_hold_usec))) {
                bool near = s->congested_bps && cur <= s->congested_bps &&
                            cur * 100 >= (uint64_t) s->congested_bps * 85;
                uint64_t up = cur + MAX(cur * (near ? c->near_increase_pct : c->increase_pct) / 100, 1);

                d.action = ABR_RAISE;
                d.reason = ABR_REASON_PROBE;
                d.bitrate_bps = (uint32_t) MIN(up, ceiling);
                s->last_change_usec = now;
        } else if (clean && s->congested_bps && cur > s->congested_bps)
                s->congested_bps = 0;   /* clean above the old congestion point: it moved */

        if (in->has_loss && (uint64_t) in->fraction_lost * 100 >= (uint64_t) c->heavy_loss_pct * 256 &&
            (!s->idr_sent || elapsed(now, s->last_idr_usec, c->idr_min_interval_usec))) {
                d.request_idr = true;
                s->idr_sent = true;
                s->last_idr_usec = now;
        }

        if (d.action == ABR_KEEP && d.reason != ABR_REASON_NONE)
                d.reason = ABR_REASON_NONE;   /* a lowering that was already in effect */
        s->bitrate_bps = d.bitrate_bps;
        *ret = d;
        return 0;
}

const char *abr_action_to_string(enum abr_action a)
{
        switch (a) {
        case ABR_KEEP:
                return "keep";
        case ABR_LOWER:
                return "lower";
        case ABR_RAISE:
                return "raise";
        }
        return NULL;
}

const char *abr_reason_to_string(enum abr_reason r)
{
        switch (r) {
        case ABR_REASON_NONE:
                return "none";
        case ABR_REASON_LOSS:
                return "loss";
        case ABR_REASON_QUEUE:
                return "queue";
        case ABR_REASON_LINK:
                return "link";
        case ABR_REASON_PROBE:
                return "probe";
        case ABR_REASON_CEILING:
                return "ceiling";
        }
        return NULL;
}
