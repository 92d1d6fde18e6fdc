/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The session's bit rate follows the P2P link. The backend polls the link
 * rate every p2p-link-poll-seconds while a group is up (wpas: SIGNAL_POLL
 * LINKSPEED as client, the sink's STA tx rate as GO; NetworkManager exposes
 * no P2P link rate) and daemon/p2p.c hands each sample to
 * p2p_link_sample(). The sample becomes Session1.Statistics "link-rate-bps",
 * and protocol/link_rate.h decides whether to lower the encoder bit rate
 * (at once, when the link drops well below it) or raise it again (after a
 * hold of three polls, never above the negotiated rate); the change goes
 * through session_set_bitrate(), the Session1.SetBitrate path, and is logged
 * with its reason.
 */
#pragma once

#include <stdint.h>

#include "../protocol/link_rate.h"

struct sink;

struct p2p_link {
        struct link_rate_policy policy;
        unsigned session_id;          /* the session the state below belongs to (0: none yet) */
        uint32_t cap_bps;             /* its bit rate when first seen playing: the negotiated one */
        uint64_t last_change_usec;    /* CLOCK_MONOTONIC of our last change (or of the first sample) */
};

/* Default policy, with the raise hold set to three polls of poll_sec (at least 1 s). */
void p2p_link_init(struct p2p_link *l, unsigned poll_sec);

/*
 * One link rate sample (bit/s, 0 unknown) for sink's group at now_usec: recorded
 * on the sink's running sessions (link_rate_bps), and a playing session's
 * bit rate is lowered or raised per the policy.
 */
void p2p_link_sample(struct p2p_link *l, struct sink *sink, uint64_t link_bps, uint64_t now_usec);
