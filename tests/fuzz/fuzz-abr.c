/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz the adaptive bit rate controller with arbitrary configurations and
 * sample sequences (time, loss, queue, link rate); after every accepted
 * decision the controller's promises must hold:
 *   - the rate stays within [min_bps, max_bps];
 *   - lower goes down, raise goes up (never above the ceiling, never sooner
 *     than raise_hold_usec after the previous change), keep keeps;
 *   - an IDR is asked for at most once per idr_min_interval_usec.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../protocol/abr.h"

#define MIN(a, b) ((a) < (b) ? (a) : (b))

struct fuzz_sample {
        uint32_t dt_usec;
        uint8_t has_loss, fraction_lost;
        uint32_t queue_bytes;
        uint32_t link_kbps;
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct {
                uint32_t min_bps, max_bps, initial_bps;
                uint8_t loss_lower, loss_clean, heavy, inc, near_inc, moderate, queue_lower;
                uint32_t queue_high_usec, raise_hold, decrease_hold, idr_interval, floor_hold;
                uint8_t budget_pct, link_lower, link_raise;
        } in = {};
        struct abr_config c;
        struct abr_state s;
        uint64_t now = 0, last_idr = 0;
        bool idr_seen = false;
        size_t off;

        memcpy(&in, data, MIN(size, sizeof(in)));
        abr_config_init(&c, in.max_bps);
        c.min_bps = in.min_bps;
        c.loss_lower_pct = in.loss_lower;
        c.loss_clean_pct = in.loss_clean;
        c.heavy_loss_pct = in.heavy;
        c.increase_pct = in.inc;
        c.near_increase_pct = in.near_inc;
        c.moderate_lower_pct = in.moderate;
        c.queue_lower_pct = in.queue_lower;
        c.queue_high_usec = in.queue_high_usec;
        c.raise_hold_usec = in.raise_hold;
        c.decrease_hold_usec = in.decrease_hold;
        c.idr_min_interval_usec = in.idr_interval;
        c.floor_hold_usec = in.floor_hold;
        c.link.budget_pct = in.budget_pct;
        c.link.lower_margin_pct = in.link_lower;
        c.link.raise_margin_pct = in.link_raise;
        if (abr_state_init(&s, &c, in.initial_bps, 0) < 0)
                return 0;

        for (off = sizeof(in); off + sizeof(struct fuzz_sample) <= size; off += sizeof(struct fuzz_sample)) {
                struct fuzz_sample fs;
                struct abr_sample smp;
                struct abr_decision d;
                uint32_t before = s.bitrate_bps;
                uint64_t last_change = s.last_change_usec;

                memcpy(&fs, data + off, sizeof(fs));
                now += fs.dt_usec;
                smp = (struct abr_sample) { .now_usec = now, .has_loss = fs.has_loss & 1,
                                            .fraction_lost = fs.fraction_lost, .queue_bytes = fs.queue_bytes,
                                            .link_bps = (uint64_t) fs.link_kbps * 1000 };
                if (abr_update(&s, &c, &smp, &d) < 0)
                        return 0;   /* the link policy may be invalid; then nothing else is decided */
                if (d.bitrate_bps < c.min_bps || d.bitrate_bps > c.max_bps || s.bitrate_bps != d.bitrate_bps ||
                    d.ceiling_bps < c.min_bps || d.ceiling_bps > c.max_bps)
                        __builtin_trap();
                switch (d.action) {
                case ABR_KEEP:
                        if (d.bitrate_bps != before)
                                __builtin_trap();
                        break;
                case ABR_LOWER:
                        if (d.bitrate_bps >= before)
                                __builtin_trap();
                        break;
                case ABR_RAISE:
                        if (d.bitrate_bps <= before || d.bitrate_bps > d.ceiling_bps || now < last_change ||
                            now - last_change < c.raise_hold_usec)
                                __builtin_trap();
                        break;
                default:
                        __builtin_trap();
                }
                if (d.request_idr) {
                        if (idr_seen && now - last_idr < c.idr_min_interval_usec)
                                __builtin_trap();
                        idr_seen = true;
                        last_idr = now;
                }
                if (!abr_action_to_string(d.action) || !abr_reason_to_string(d.reason))
                        __builtin_trap();
        }
        return 0;
}
