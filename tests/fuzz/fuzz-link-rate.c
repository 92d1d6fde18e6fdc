/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz the link-rate bit-rate policy with arbitrary policies, rates and
 * times; every accepted decision must keep the policy's promises:
 *   keep    -> the current bit rate;
 *   lower   -> below the current rate, not below min(floor, cap) and not above
 *              what the link allows unless that is under the floor;
 *   raise   -> above the current rate and never above the cap, only after the hold.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../protocol/link_rate.h"

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct {
                uint16_t budget_pct, lower_pct, raise_pct;
                uint32_t min_bps;
                uint64_t hold_usec, link_bps;
                uint32_t current_bps, cap_bps;
                uint64_t now_usec, last_usec;
        } in = {};
        struct link_rate_policy p;
        struct link_rate_decision d;
        uint64_t floor;

        memcpy(&in, data, MIN(size, sizeof(in)));
        p = (struct link_rate_policy) {
                .budget_pct = in.budget_pct,
                .lower_margin_pct = in.lower_pct,
                .raise_margin_pct = in.raise_pct,
                .min_bps = in.min_bps,
                .hold_usec = in.hold_usec,
        };
        if (link_rate_decide(&p, in.link_bps, in.current_bps, in.cap_bps, in.now_usec, in.last_usec, &d) < 0)
                return 0;
        if (in.link_bps == 0 && (d.action != LINK_RATE_KEEP || d.budget_bps != 0))
                __builtin_trap();
        switch (d.action) {
        case LINK_RATE_KEEP:
                if (d.bitrate_bps != in.current_bps)
                        __builtin_trap();
                break;
        case LINK_RATE_LOWER:
                floor = MIN((uint64_t) p.min_bps, (uint64_t) in.cap_bps);
                if (d.bitrate_bps >= in.current_bps || d.bitrate_bps < floor ||
                    d.bitrate_bps > MAX((uint64_t) d.budget_bps, floor))
                        __builtin_trap();
                break;
        case LINK_RATE_RAISE:
                if (d.bitrate_bps <= in.current_bps || d.bitrate_bps > in.cap_bps || d.bitrate_bps > d.budget_bps ||
                    in.now_usec < in.last_usec || in.now_usec - in.last_usec < p.hold_usec)
                        __builtin_trap();
                break;
        default:
                __builtin_trap();
        }
        if (!link_rate_action_to_string(d.action))
                __builtin_trap();
        return 0;
}
