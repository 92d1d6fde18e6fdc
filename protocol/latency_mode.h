/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Latency modes: the per-cast choice between a picture that arrives soon and
 * one that looks good (docs/rtcp.md, "Latency modes"). A mode maps onto
 *   - the encoder's VBV buffer (how far one picture may exceed the average:
 *     a big IDR takes that long to leave at the video rate),
 *   - the encoder's slices (low-latency: a slice ends before it outgrows one
 *     RTP packet's payload, so a lost packet damages about one slice, not a
 *     whole picture; quality and balanced: one slice per picture, the
 *     cheapest in bits),
 *   - the highest frame rate negotiated (quality spends the bits on fewer,
 *     better pictures),
 *   - the bit rate adaptation's bounds (how long a send queue and how much
 *     loss it tolerates before lowering),
 *   - what a sink with microsoft_latency_management_capability ([MS-WFDPE])
 *     is told in M4: low, normal or high.
 * Pure: tables only.
 */
#pragma once

#include <stdint.h>

/*
 * An RTP packet carries 7 TS packets of 184 payload bytes (1288); the PES
 * header and an occasional PCR adaptation field take some: a slice of at most
 * this many bytes spans at most two RTP packets, mostly one.
 */
#define LATENCY_MODE_SLICE_MAX_BYTES 1200

enum latency_mode {
        LATENCY_MODE_BALANCED,    /* the default: today's settings */
        LATENCY_MODE_LOW,         /* "low-latency": games, pointing, typing on the big screen */
        LATENCY_MODE_QUALITY,     /* "quality": slides, video; a little later but sharper */
        _LATENCY_MODE_MAX,
        _LATENCY_MODE_INVALID = -1,
};

struct latency_mode_params {
        uint64_t vbv_usec;            /* encoder VBV buffer, as time at the video rate */
        unsigned slice_max_bytes;     /* end a slice before it exceeds this; 0: one slice per picture */
        unsigned max_fps;             /* cap on the negotiated frame rate; 0: none */
        uint64_t abr_queue_high_usec; /* abr_config.queue_high_usec */
        unsigned abr_loss_lower_pct;  /* abr_config.loss_lower_pct */
        const char *ms_latency;       /* microsoft_latency_management_capability value in M4 */
};

/* "balanced", "low-latency", "quality"; NULL for a bad value. */
const char *latency_mode_to_string(enum latency_mode m);
/* The inverse (also "low" and "normal"/"high" as [MS-WFDPE] spells them); _LATENCY_MODE_INVALID. */
enum latency_mode latency_mode_from_string(const char *s);
/* The mapping above. Returns 0, or -EINVAL for a bad mode (*ret untouched). */
int latency_mode_get_params(enum latency_mode m, struct latency_mode_params *ret);
