/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz the stalled-sink watch (protocol/link_stall.h) with arbitrary sample
 * sequences; after every sample its promises must hold:
 *   - LEFT_OUT and REJOINED alternate, LEFT_OUT first, and is_out() follows;
 *   - LEFT_OUT only after 500 ms of a closed window or 1 s of a full link
 *     that took nothing (for_usec says which, at least that long);
 *   - REJOINED at a rate no lower than the one it had, within 2 s of draining
 *     once the queue is short;
 *   - a reset (resume) leaves it not out.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../protocol/link_stall.h"

struct fuzz_sample {
        uint16_t dt_msec;
        uint8_t flags;           /* 1 congested, 2 window closed, 4 reset before, 8 set bitrate before */
        uint32_t queued_bytes;
        uint32_t bytes_delta;
        uint32_t bitrate_bps;
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct link_stall l = {};
        uint64_t now = 0, bytes = 0;
        bool out = false;

        for (size_t off = 0; off + sizeof(struct fuzz_sample) <= size; off += sizeof(struct fuzz_sample)) {
                struct fuzz_sample fs;
                struct link_stall_decision d;
                uint64_t bps;

                memcpy(&fs, data + off, sizeof(fs));
                now += (uint64_t) fs.dt_msec * 1000;
                bytes += fs.bytes_delta;
                bps = fs.bitrate_bps ? fs.bitrate_bps : 1;
                if (fs.flags & 4) {
                        link_stall_reset(&l);
                        out = false;
                        if (link_stall_is_out(&l))
                                __builtin_trap();
                }
                if (fs.flags & 8)
                        link_stall_set_bitrate(&l, bps);
                if (link_stall_update(&l,
                                      &(struct link_stall_sample) { .now_usec = now,
                                                                    .congested = fs.flags & 1,
                                                                    .window_closed = fs.flags & 2,
                                                                    .queued_bytes = fs.queued_bytes,
                                                                    .bytes_sent = bytes,
                                                                    .bitrate_bps = bps },
                                      &d) < 0)
                        __builtin_trap(); /* time never goes back here */
                switch (d.event) {
                case LINK_STALL_NONE:
                        break;
                case LINK_STALL_LEFT_OUT:
                        if (out || d.for_usec < (d.no_room ? LINK_STALL_CLOSED_USEC : LINK_STALL_NOTHING_USEC) ||
                            (d.no_room && !(fs.flags & 2)))
                                __builtin_trap();
                        out = true;
                        break;
                case LINK_STALL_REJOINED:
                        if (!out || d.rejoin_bps < bps || d.drain_usec > LINK_STALL_DRAIN_USEC + 65535000ull ||
                            (!d.drained && d.drain_usec < LINK_STALL_DRAIN_USEC))
                                __builtin_trap();
                        out = false;
                        break;
                default:
                        __builtin_trap();
                }
                if (link_stall_is_out(&l) != out)
                        __builtin_trap();
        }
        return 0;
}
