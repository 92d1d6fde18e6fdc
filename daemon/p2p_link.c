/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The session's bit rate follows the P2P link (see p2p_link.h). */
#include <errno.h>

#include "p2p_link.h"

#include "../protocol/macro.h"
#include "log.h"
#include "manager.h"
#include "session.h"
#include "sink.h"

void p2p_link_init(struct p2p_link *l, unsigned poll_sec)
{
        *l = (struct p2p_link) {};
        link_rate_policy_init(&l->policy);
        l->policy.hold_usec = (uint64_t) MAX(poll_sec, 1u) * 3 * 1000000ULL;
}

static void adapt(struct p2p_link *l, struct session *s, uint64_t link_bps, uint64_t now_usec)
{
        struct link_rate_decision d;
        int r;

        if (s->id != l->session_id) {
                /* First sample of this session: what it negotiated is the ceiling. */
                l->session_id = s->id;
                l->cap_bps = s->bitrate_bps;
                l->last_change_usec = now_usec;
        }
        if (s->bitrate_bps == 0 || l->cap_bps == 0)
                return;
        r = link_rate_decide(&l->policy, link_bps, s->bitrate_bps, l->cap_bps, now_usec, l->last_change_usec, &d);
        if (r < 0 || d.action == LINK_RATE_KEEP)
                return;
        log_info("P2P: session %u: link %llu Mbit/s leaves %.1f Mbit/s for video: %s the bit rate %.1f -> %.1f Mbit/s%s",
                 s->id, (unsigned long long) (link_bps / 1000000), d.budget_bps / 1e6,
                 d.action == LINK_RATE_LOWER ? "lowering" : "raising", s->bitrate_bps / 1e6, d.bitrate_bps / 1e6,
                 d.action == LINK_RATE_RAISE && d.bitrate_bps == l->cap_bps ? " (the negotiated rate)" : "");
        r = session_set_bitrate(s, d.bitrate_bps);
        if (r < 0) {
                log_warning_errno(r, "P2P: session %u: cannot change the bit rate: %m", s->id);
                return;
        }
        l->last_change_usec = now_usec;
}

void p2p_link_sample(struct p2p_link *l, struct sink *sink, uint64_t link_bps, uint64_t now_usec)
{
        if (!sink)
                return;
        for (struct session *s = sink->manager->sessions; s; s = s->next) {
                if (s->sink_id != sink->id || s->state == SOURCE_SESSION_STATE_ENDED)
                        continue;
                session_set_link_rate(s, link_bps);
                if (s->state == SOURCE_SESSION_STATE_PLAYING && s->negotiated)
                        adapt(l, s, link_bps, now_usec);
        }
}
