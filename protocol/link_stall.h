/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Tells a sink that stopped reading from one on a slow link, from samples of
 * its send side, without I/O (encoder/media.c samples every 10 ms).
 *
 * Sessions of one format share an encoder that runs at the lowest target of
 * its members (encoder/media_group.h). A slow link takes data all the time
 * and must pull that rate down, or its loss rises. A stalled one takes
 * nothing at any rate: while it stalls it is left out of the minimum, so the
 * other sinks keep their picture.
 *
 *   - stalled: the peer advertises no room (TCP window 0) for closed_usec,
 *     or the link is full and has taken nothing (bytes sent and queue both
 *     unchanged) for stall_usec;
 *   - then LEFT_OUT once; when it takes data again it drains what waited:
 *     REJOINED once its queue is short (under half of queue_high_usec of
 *     video at its rate), or after drain_usec in any case (a link still slow
 *     then lowers the rate as any slow one);
 *   - rejoin_bps: the rate it had when its queue was last short, before the
 *     queue that came with the stall lowered it.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define LINK_STALL_CLOSED_USEC 500000ull
#define LINK_STALL_NOTHING_USEC 1000000ull
#define LINK_STALL_DRAIN_USEC 2000000ull
#define LINK_STALL_QUEUE_HIGH_USEC 150000ull /* abr.h's default */

enum link_stall_state {
        LINK_STALL_OK,
        LINK_STALL_STALLED,  /* left out of the group's rate */
        LINK_STALL_DRAINING, /* reads again, still left out while it drains what waited */
};

enum link_stall_event {
        LINK_STALL_NONE,
        LINK_STALL_LEFT_OUT,
        LINK_STALL_REJOINED,
};

struct link_stall_sample {
        uint64_t now_usec;
        bool congested;          /* the next frame would be dropped (rtp_send_is_congested()) */
        bool window_closed;      /* the peer advertises no room (TCP only) */
        uint64_t queued_bytes;   /* in the send queue */
        uint64_t bytes_sent;     /* taken by the kernel so far */
        uint64_t bitrate_bps;    /* this member's target now */
        uint64_t queue_high_usec; /* the controller's queue limit; 0: LINK_STALL_QUEUE_HIGH_USEC */
};

struct link_stall_decision {
        enum link_stall_event event;
        bool no_room;            /* LEFT_OUT: for the window (else: nothing taken) */
        uint64_t for_usec;       /* LEFT_OUT: how long */
        bool drained;            /* REJOINED: the queue is short (else: drain_usec passed) */
        uint64_t drain_usec;     /* REJOINED: how long it took */
        uint64_t rejoin_bps;     /* REJOINED: the rate to come back at, at least bitrate_bps */
};

struct link_stall {
        enum link_stall_state state;
        bool started;            /* a sample was seen since link_stall_reset() */
        uint64_t progress_usec;  /* when it last took data (or had room) */
        uint64_t closed_usec;    /* since when the window is closed; 0: open */
        uint64_t bytes_sent, queued_bytes; /* at the last sample */
        uint64_t ok_bps;         /* the target when the queue was last short */
        uint64_t drain_since_usec;
};

/* Start over at the next sample (a new stream, resume, a new group): OK, no history. */
void link_stall_reset(struct link_stall *l);
/* One sample: 0 and *ret (the event, if any), or -EINVAL. Samples must not go back in time. */
int link_stall_update(struct link_stall *l, const struct link_stall_sample *in, struct link_stall_decision *ret);
/* Left out of the group's rate now (stalled or draining): its controller should wait. */
bool link_stall_is_out(const struct link_stall *l);
/* The target changed from outside (SetBitrate, a new ceiling): a stall comes back under it. */
void link_stall_set_bitrate(struct link_stall *l, uint64_t bitrate_bps);
