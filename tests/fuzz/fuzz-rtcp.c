/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz the RTCP compound parser, and feed what it accepts to the sender's
 * side: RTT from every report block, the NACKs against a retransmission
 * history filled from the input, and RR/NACK writers whose output must
 * parse back to the same values. Promises checked:
 *   - bounded arrays never overflow, dropped counts add up;
 *   - every slot the history returns holds the sequence number asked for;
 *   - rebuilt RR report blocks and NACK sequence numbers survive a round trip.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../protocol/rtcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static uint32_t tags[1024];
        static uint8_t out[2048];
        struct rtcp_info info, again;
        struct rtcp_rtx_history h;
        size_t slots[RTCP_MAX_NACKS * 17], missing, n;
        uint16_t newest = 0;
        ssize_t k;

        if (rtcp_parse(data, size, &info) < 0)
                return 0;
        if (info.n_reports > RTCP_MAX_REPORTS || info.n_nacks > RTCP_MAX_NACKS || info.n_packets == 0)
                __builtin_trap();

        for (size_t i = 0; i < info.n_reports; i++) {
                uint64_t rtt;

                (void) rtcp_rtt_usec(info.sr_ntp, info.reports[i].lsr, info.reports[i].dlsr, &rtt);
                (void) rtcp_jitter_usec(info.reports[i].jitter, 90000);
                if (info.reports[i].cumulative_lost < -8388608 || info.reports[i].cumulative_lost > 8388607)
                        __builtin_trap();
        }
        k = rtcp_build_rr(info.rr_ssrc, info.reports, info.n_reports, out, sizeof(out));
        if (k < 0 || rtcp_parse(out, (size_t) k, &again) < 0 || again.n_reports != info.n_reports ||
            memcmp(again.reports, info.reports, info.n_reports * sizeof(info.reports[0])) != 0)
                __builtin_trap();

        /* history: pretend we sent the 700 packets up to the first NACK's PID + 300 */
        if (rtcp_rtx_history_init(&h, tags, 1024) < 0)
                __builtin_trap();
        if (info.n_nacks > 0)
                newest = (uint16_t) (info.nacks[0].pid + 300);
        for (uint16_t i = 0; i < 700; i++)
                (void) rtcp_rtx_history_record(&h, (uint16_t) (newest - 699 + i));
        n = rtcp_rtx_history_resolve(&h, info.nacks, info.n_nacks, info.n_nacks ? info.nacks[0].media_ssrc : 0,
                                     slots, sizeof(slots) / sizeof(slots[0]), &missing);
        for (size_t i = 0; i < n; i++) {
                size_t s;
                uint16_t seq = (uint16_t) (tags[slots[i]] & 0xffff);

                if (slots[i] >= 1024 || rtcp_rtx_history_lookup(&h, seq, &s) < 0 || s != slots[i])
                        __builtin_trap();
                for (size_t j = 0; j < i; j++)
                        if (slots[j] == slots[i])
                                __builtin_trap();
        }

        /* NACK writer: the sequence numbers of the first items, rebuilt and parsed back */
        if (info.n_nacks > 0) {
                uint16_t seqs[64];
                size_t m = 0;

                for (size_t i = 0; i < info.n_nacks && m + 17 <= 64; i++)
                        for (unsigned bit = 0; bit <= 16; bit++)
                                if (bit == 0 || (info.nacks[i].blp & (1u << (bit - 1))))
                                        seqs[m++] = (uint16_t) (info.nacks[i].pid + bit);
                k = rtcp_build_nack(1, 2, seqs, m, out, sizeof(out));
                if (k >= 0) {
                        if (rtcp_parse(out, (size_t) k, &again) < 0)
                                __builtin_trap();
                        for (size_t i = 0; i < m; i++) {
                                bool found = false;

                                for (size_t j = 0; j < again.n_nacks && !found; j++) {
                                        uint16_t d = (uint16_t) (seqs[i] - again.nacks[j].pid);

                                        found = d == 0 || (d <= 16 && (again.nacks[j].blp & (1u << (d - 1))));
                                }
                                if (!found)
                                        __builtin_trap();
                        }
                }
        }
        return 0;
}
