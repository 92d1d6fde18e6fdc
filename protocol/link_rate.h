/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Encoder bit rate from the Wi-Fi link rate, decided without I/O. The daemon
 * polls the P2P link (SIGNAL_POLL LINKSPEED as client, the sink's station
 * tx rate as GO) every few seconds and asks link_rate_decide() whether the
 * session's encoder bit rate should change (Session1 SetBitrate path).
 *
 * The link rate is a PHY rate; what video can use of it is the budget:
 *   budget = link_bps * budget_pct / 100       (MAC overhead, retries, RTP/TS, audio)
 * Rules, in order:
 *   - link unknown (0): keep.
 *   - lower: the current bit rate is above the budget by more than
 *     lower_margin_pct -> the budget (never under min(min_bps, cap)), at once;
 *   - raise: the current bit rate is below the cap, the budget is at least
 *     raise_margin_pct above the current bit rate and the last change was
 *     hold_usec ago or more -> min(cap, budget);
 *   - otherwise keep.
 * The cap is the negotiated bit rate: a raise never goes above it.
 */
#pragma once

#include <stdint.h>

enum link_rate_action {
        LINK_RATE_KEEP,
        LINK_RATE_LOWER,
        LINK_RATE_RAISE,
};

struct link_rate_policy {
        unsigned budget_pct;          /* 1..100: share of the link rate video may use */
        unsigned lower_margin_pct;    /* lower when current > budget * (100 + this) / 100 */
        unsigned raise_margin_pct;    /* raise when budget >= current * (100 + this) / 100 */
        uint32_t min_bps;             /* floor of a lowered bit rate */
        uint64_t hold_usec;           /* minimum time between the last change and a raise */
};

#define LINK_RATE_DEFAULT_BUDGET_PCT       50
#define LINK_RATE_DEFAULT_LOWER_MARGIN_PCT 10
#define LINK_RATE_DEFAULT_RAISE_MARGIN_PCT 25
#define LINK_RATE_DEFAULT_MIN_BPS          1000000u
#define LINK_RATE_DEFAULT_HOLD_USEC        (10 * 1000000ULL)

struct link_rate_decision {
        enum link_rate_action action;
        uint32_t bitrate_bps;         /* the new bit rate (LOWER/RAISE), else the current one */
        uint32_t budget_bps;          /* what the link allows for video (0: link unknown) */
};

/* The defaults above. */
void link_rate_policy_init(struct link_rate_policy *p);

/*
 * Decide for one link sample: link_bps (0 unknown), the encoder's current bit
 * rate, the cap (negotiated bit rate), now and the time of the last change
 * (any clock, same unit). Fills *ret and returns 0, or -EINVAL for a policy
 * out of range or a zero current bit rate or cap.
 */
int link_rate_decide(const struct link_rate_policy *p, uint64_t link_bps, uint32_t current_bps, uint32_t cap_bps,
                     uint64_t now_usec, uint64_t last_change_usec, struct link_rate_decision *ret);

const char *link_rate_action_to_string(enum link_rate_action action);
