/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A stalled sink told from a slow one (see link_stall.h). */
#include <errno.h>

#include "link_stall.h"
#include "macro.h"

void link_stall_reset(struct link_stall *l)
{
        uint64_t ok_bps = l->ok_bps;

        *l = (struct link_stall) { .ok_bps = ok_bps };
}

bool link_stall_is_out(const struct link_stall *l)
{
        return l->state != LINK_STALL_OK;
}

void link_stall_set_bitrate(struct link_stall *l, uint64_t bitrate_bps)
{
        l->ok_bps = bitrate_bps;
}

int link_stall_update(struct link_stall *l, const struct link_stall_sample *in, struct link_stall_decision *ret)
{
        uint64_t high_usec, now;
        bool stalled, no_room, short_queue;

        if (!l || !in || !ret || (l->started && in->now_usec < l->progress_usec))
                return -EINVAL;
        *ret = (struct link_stall_decision) {};
        now = in->now_usec;
        high_usec = in->queue_high_usec ?: LINK_STALL_QUEUE_HIGH_USEC;

        if (!l->started || !in->congested || in->bytes_sent != l->bytes_sent || in->queued_bytes < l->queued_bytes)
                l->progress_usec = now;
        if (!in->window_closed)
                l->closed_usec = 0;
        else if (!l->closed_usec || !l->started)
                l->closed_usec = now;
        l->started = true;
        l->bytes_sent = in->bytes_sent;
        l->queued_bytes = in->queued_bytes;
        no_room = l->closed_usec && now - l->closed_usec >= LINK_STALL_CLOSED_USEC;
        stalled = no_room || now - l->progress_usec >= LINK_STALL_NOTHING_USEC;
        /* under half the controller's limit: the link keeps up with this rate (no overflow: queues are
         * bytes of a socket, rates under 2^32, limits of seconds) */
        short_queue = !in->window_closed && in->queued_bytes * 8 * 1000000 * 2 <= in->bitrate_bps * high_usec;

        switch (l->state) {
        case LINK_STALL_OK:
                if (!stalled) {
                        if (short_queue || !l->ok_bps)
                                l->ok_bps = in->bitrate_bps;
                        return 0;
                }
                l->state = LINK_STALL_STALLED;
                ret->event = LINK_STALL_LEFT_OUT;
                ret->no_room = no_room;
                ret->for_usec = now - (no_room ? l->closed_usec : l->progress_usec);
                return 0;
        case LINK_STALL_STALLED:
                if (!stalled) {
                        l->state = LINK_STALL_DRAINING;
                        l->drain_since_usec = now;
                }
                return 0;
        case LINK_STALL_DRAINING:
                if (stalled) {
                        l->state = LINK_STALL_STALLED; /* stopped again before it drained */
                        return 0;
                }
                if (!short_queue && now - l->drain_since_usec < LINK_STALL_DRAIN_USEC)
                        return 0;
                break;
        }
        l->state = LINK_STALL_OK;
        ret->event = LINK_STALL_REJOINED;
        ret->drained = short_queue;
        ret->drain_usec = now - l->drain_since_usec;
        ret->rejoin_bps = MAX(l->ok_bps, in->bitrate_bps);
        l->ok_bps = ret->rejoin_bps;
        return 0;
}
