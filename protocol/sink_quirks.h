/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Per-sink interop quirks (docs/protocol.md, "Sink quirks"), looked up by what a
 * sink reveals about itself: the User-Agent of its requests, the Server header
 * of its replies, its P2P device name and the Device Information subelement of
 * its WFD IE. Behaviour every sink gets (accept any URI, tolerate a missing
 * client_port or Session, answer sink keep-alives, gap-free CSeq from 1, no
 * ";timeout=" in our requests, server_port in the SETUP reply...) is not a quirk:
 * source_session does it always. A quirk is what must differ per device.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sink_quirk {
        /* Never send M16 keep-alives to this sink (it reacts badly to them). */
        SINK_QUIRK_NO_KEEPALIVE         = 1u << 0,
        /* Send M3 right after the M1 reply without waiting for the sink's M2 (the sink sends
         * M2 only after it got M3). Without it we wait for M2, up to the M2 timeout. */
        SINK_QUIRK_M3_WITHOUT_M2        = 1u << 1,
        /* Prefer LPCM 48 kHz stereo over AAC even when AAC is offered. */
        SINK_QUIRK_PREFER_LPCM          = 1u << 2,
        /* First M16 early (10 s after PLAY): the sink resets the connection ~40 s after
         * PLAY when it has not seen a keep-alive. */
        SINK_QUIRK_EARLY_KEEPALIVE      = 1u << 3,
        /* The sink cannot send M13 reliably: ask the encoder for a periodic IDR. */
        SINK_QUIRK_PERIODIC_IDR         = 1u << 4,
        /* Give the first M4 the safe format directly (CBP, 720p30 at most, LPCM). */
        SINK_QUIRK_SAFE_FORMAT          = 1u << 5,
        _SINK_QUIRK_ALL                 = (1u << 6) - 1,
};

/* What we know about the peer; NULL/false for what is not known (yet). */
struct sink_identity {
        const char *user_agent;         /* User-Agent of a sink request */
        const char *server;             /* Server header of a sink reply */
        const char *device_name;        /* P2P device name, e.g. "[LG] webOS TV UN8000PTA r" */
        bool has_wfd_ie;                /* wfd_device_info is known (no row keys on it yet) */
        uint16_t wfd_device_info;       /* WFD IE subelement 0 bitmap */
        uint16_t wfd_rtsp_port;         /* WFD IE session management control port; 0 = unknown */
};

/* One row of the quirk table. Each non-NULL/non-zero key must match; at least one key is set. */
struct sink_quirk_entry {
        const char *name;               /* what the row is about, for logs and tests */
        const char *user_agent_prefix;  /* prefix of User-Agent or Server */
        const char *device_name_prefix; /* prefix of the P2P device name */
        uint16_t wfd_rtsp_port;         /* 0 = any */
        unsigned quirks;                /* enum sink_quirk bits */
};

/* The built-in table (read-only); *ret_n gets its length. */
const struct sink_quirk_entry *sink_quirks_table(size_t *ret_n);

/*
 * The quirks of a sink: the OR of every matching row's quirks. *ret_match (may be NULL)
 * gets the name of the first matching row, or NULL when none matched.
 */
unsigned sink_quirks_lookup(const struct sink_identity *id, const char **ret_match);

/* "no-keepalive", "m3-without-m2", ... for one bit; NULL for unknown bits. */
const char *sink_quirk_to_string(enum sink_quirk q);

/* Parse one name back (as accepted in the daemon configuration); 0 when unknown. */
unsigned sink_quirk_from_string(const char *s);

/* Write "no-keepalive,prefer-lpcm" for a bitmask into buf; returns length or -ENOBUFS. */
int sink_quirks_format(unsigned quirks, char *buf, size_t size);
