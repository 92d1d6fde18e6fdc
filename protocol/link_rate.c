/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Encoder bit rate from the Wi-Fi link rate (see link_rate.h). */
#include <errno.h>

#include "link_rate.h"

#include "macro.h"

#define LINK_RATE_MAX_LINK_BPS 1000000000000ULL

void link_rate_policy_init(struct link_rate_policy *p)
{
        *p = (struct link_rate_policy) {
                .budget_pct = LINK_RATE_DEFAULT_BUDGET_PCT,
                .lower_margin_pct = LINK_RATE_DEFAULT_LOWER_MARGIN_PCT,
                .raise_margin_pct = LINK_RATE_DEFAULT_RAISE_MARGIN_PCT,
                .min_bps = LINK_RATE_DEFAULT_MIN_BPS,
                .hold_usec = LINK_RATE_DEFAULT_HOLD_USEC,
        };
}

int link_rate_decide(const struct link_rate_policy *p, uint64_t link_bps, uint32_t current_bps, uint32_t cap_bps,
                     uint64_t now_usec, uint64_t last_change_usec, struct link_rate_decision *ret)
{
        struct link_rate_decision d = { .action = LINK_RATE_KEEP, .bitrate_bps = current_bps };
        uint64_t budget, floor;

        if (!p || !ret || p->budget_pct == 0 || p->budget_pct > 100 || p->lower_margin_pct > 1000 ||
            p->raise_margin_pct > 1000 || current_bps == 0 || cap_bps == 0)
                return -EINVAL;
        if (link_bps == 0) {
                *ret = d;
                return 0;
        }
        /* Above 1 Tbit/s is no radio; clamping keeps every product below in 64 bits. */
        budget = MIN(link_bps, LINK_RATE_MAX_LINK_BPS) * p->budget_pct / 100;
        d.budget_bps = budget > UINT32_MAX ? UINT32_MAX : (uint32_t) budget;

        if ((uint64_t) current_bps * 100 > budget * (100 + p->lower_margin_pct)) {
                floor = MIN(p->min_bps, cap_bps);
                d.action = LINK_RATE_LOWER;
                d.bitrate_bps = (uint32_t) MAX(MIN(budget, (uint64_t) current_bps), floor);
                if (d.bitrate_bps >= current_bps) {
                        /* Already at the floor: nothing lower to go to. */
                        d.action = LINK_RATE_KEEP;
                        d.bitrate_bps = current_bps;
                }
        } else if (current_bps < cap_bps && budget * 100 >= (uint64_t) current_bps * (100 + p->raise_margin_pct) &&
                   now_usec >= last_change_usec && now_usec - last_change_usec >= p->hold_usec) {
                d.action = LINK_RATE_RAISE;
                d.bitrate_bps = (uint32_t) MIN(budget, (uint64_t) cap_bps);
                if (d.bitrate_bps <= current_bps) {
                        /* A zero raise margin: the budget only equals the current rate. */
                        d.action = LINK_RATE_KEEP;
                        d.bitrate_bps = current_bps;
                }
        }
        *ret = d;
        return 0;
}

const char *link_rate_action_to_string(enum link_rate_action action)
{
        switch (action) {
        case LINK_RATE_KEEP:
                return "keep";
        case LINK_RATE_LOWER:
                return "lower";
        case LINK_RATE_RAISE:
                return "raise";
        }
        return "unknown";
}
