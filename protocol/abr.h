/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Adaptive bit rate for one stream, decided without I/O. Each time the
 * daemon has news (an RTCP receiver report, a link-rate poll, a send-queue
 * sample) it calls abr_update() with everything it knows and applies the
 * decision: a new encoder bit rate, an IDR, or, as a last resort, a format
 * change to a smaller mode (M4).
 *
 * Signals and what they do:
 *   - loss (RR fraction lost) above loss_lower_pct: lower at once to
 *     rate * (1 - loss / 2), the loss-based rule of Google Congestion Control
 *     (draft-ietf-rmcat-gcc section 6);
 *   - send queue (SIOCOUTQ) holding more than queue_high_usec of video at
 *     the current rate: lower at once by queue_lower_pct;
 *   - Wi-Fi link rate: the ceiling is what link_rate_decide() allows for video
 *     (link_rate.h), so a collapsing link lowers at once, like today;
 *   - the ceiling is never above max_bps (the sink's / negotiated maximum)
 *     and a rate never goes under min_bps;
 *   - raise by increase_pct only when the last sample was clean (loss under
 *     loss_clean_pct, queue short), raise_hold_usec after any change and
 *     decrease_hold_usec after the last decrease, never above the ceiling;
 *   - loss at or above heavy_loss_pct asks for an IDR (the picture is broken
 *     anyway), at most once per idr_min_interval_usec;
 *   - congestion while already at min_bps for floor_hold_usec asks for a
 *     smaller mode (once per floor_hold_usec).
 *   - loss between loss_clean_pct and loss_lower_pct holds the rate, and
 *     lowers it by moderate_lower_pct when it persists decrease_hold_usec
 *     after the last change (a sustained 5-10% loss is not a picture);
 *   - near the rate where loss or a long queue last made us lower (within
 *     15% under it), raises take near_increase_pct steps instead, so the
 *     rate settles just under a bottleneck instead of bouncing off it; once
 *     a clean raise passes that rate, it is forgotten.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "link_rate.h"

enum abr_action {
        ABR_KEEP,
        ABR_LOWER,
        ABR_RAISE,
};

enum abr_reason {
        ABR_REASON_NONE,
        ABR_REASON_LOSS,
        ABR_REASON_QUEUE,
        ABR_REASON_LINK,
        ABR_REASON_PROBE,       /* raise: clean samples, below the ceiling */
        ABR_REASON_CEILING,     /* lower: the sink's maximum went down */
};

struct abr_config {
        uint32_t min_bps;
        uint32_t max_bps;                 /* sink's max / negotiated bit rate */
        unsigned loss_lower_pct;          /* lower above this loss */
        unsigned loss_clean_pct;          /* a sample under this loss (and a short queue) is clean */
        unsigned heavy_loss_pct;          /* IDR at or above this loss */
        unsigned increase_pct;            /* raise step */
        unsigned near_increase_pct;       /* raise step close under the last congestion point */
        unsigned moderate_lower_pct;      /* lower step for sustained moderate loss */
        unsigned queue_lower_pct;         /* lower step for a long send queue */
        uint64_t queue_high_usec;         /* queue length, as time at the current rate, that is too long */
        uint64_t raise_hold_usec;         /* min time from any change to a raise */
        uint64_t decrease_hold_usec;      /* min time from a decrease to a raise */
        uint64_t idr_min_interval_usec;
        uint64_t floor_hold_usec;         /* congested at min_bps this long: smaller mode */
        struct link_rate_policy link;
};

#define ABR_DEFAULT_MIN_BPS               LINK_RATE_DEFAULT_MIN_BPS
#define ABR_DEFAULT_LOSS_LOWER_PCT        10
#define ABR_DEFAULT_LOSS_CLEAN_PCT        2
#define ABR_DEFAULT_HEAVY_LOSS_PCT        20
#define ABR_DEFAULT_INCREASE_PCT          10
#define ABR_DEFAULT_NEAR_INCREASE_PCT     2
#define ABR_DEFAULT_MODERATE_LOWER_PCT    5
#define ABR_DEFAULT_QUEUE_LOWER_PCT       15
#define ABR_DEFAULT_QUEUE_HIGH_USEC       (150 * 1000ULL)
#define ABR_DEFAULT_RAISE_HOLD_USEC       (1000 * 1000ULL)
#define ABR_DEFAULT_DECREASE_HOLD_USEC    (3000 * 1000ULL)
#define ABR_DEFAULT_IDR_MIN_INTERVAL_USEC (1000 * 1000ULL)
#define ABR_DEFAULT_FLOOR_HOLD_USEC       (5000 * 1000ULL)

/* What the daemon knows at now_usec; unknown parts stay false/0. */
struct abr_sample {
        uint64_t now_usec;
        bool has_loss;
        uint8_t fraction_lost;            /* RTCP RR: lost / expected * 256 since the last report */
        uint64_t queue_bytes;             /* unsent bytes in the socket (SIOCOUTQ) */
        uint64_t link_bps;                /* Wi-Fi PHY rate, 0 unknown */
};

struct abr_state {
        uint32_t bitrate_bps;             /* what the encoder runs at now */
        uint64_t last_change_usec;
        bool decreased;                   /* last_decrease_usec is set */
        uint64_t last_decrease_usec;
        bool idr_sent;
        uint64_t last_idr_usec;
        uint32_t congested_bps;           /* the rate loss/queue last lowered us from, 0 none */
        bool at_floor;                    /* congested at min_bps since floor_since_usec */
        uint64_t floor_since_usec;
};

struct abr_decision {
        enum abr_action action;
        enum abr_reason reason;
        uint32_t bitrate_bps;             /* new rate (LOWER/RAISE) or the current one */
        uint32_t ceiling_bps;             /* min(max_bps, what the link allows) */
        bool request_idr;
        bool smaller_mode;
};

/* The defaults above with the given maximum. */
void abr_config_init(struct abr_config *c, uint32_t max_bps);

/* Start at initial_bps (clamped to the config's range). -EINVAL for a bad config. */
int abr_state_init(struct abr_state *s, const struct abr_config *c, uint32_t initial_bps, uint64_t now_usec);

/*
 * Decide for one sample; updates *s as if the decision is applied (the
 * caller applies it, or calls abr_state_init() again after a mode change).
 * Returns 0 and *ret, or -EINVAL (a bad config: min > max, zero max, a
 * percentage out of range).
 */
int abr_update(struct abr_state *s, const struct abr_config *c, const struct abr_sample *in,
               struct abr_decision *ret);

const char *abr_action_to_string(enum abr_action a);
const char *abr_reason_to_string(enum abr_reason r);
