/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Sink profiles of the test sink: what it answers to M3 (GET_PARAMETER) and
 * which quirks of real devices it imitates, plus the little WFD parsing a sink
 * needs to know what the source chose in M4 (one h264-codec entry with one
 * resolution bit, one audio codec).
 *
 * The profiles come from tests/data/wfd-captures/ (see tests/data/README.md):
 *   generic  1080p30/720p60/720p30/640x480p60, CBP+CHP 4.1, LPCM+AAC
 *   small    640x480p60 (CEA 0) and 800x600p30 (VESA 0), CBP 3.1, LPCM (the VM)
 *   vga      640x480p60 only, CBP 3.1, LPCM (fast deterministic tests)
 *   lg       LG webOS TV M3 reply, RTP port 53000, CSeq from 0
 *   samsung  Samsung TV 2014 (SEC-WDH/ME29) M3 reply with EDID, HDCP2.1 port,
 *            3D formats, intel_* names; SETUP/PLAY to rtsp://localhost/wfd1.0
 *   dongle   Microsoft Wireless Display Adapter: gen-1 video bitmaps, LPCM only,
 *            closes the connection when M3 comes before its M2 was answered
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sink_param {
        const char *name;
        const char *value;      /* "%u" is replaced by the sink's RTP port */
};

struct sink_profile {
        const char *name;
        const char *description;
        const char *user_agent;                 /* NULL: no User-Agent header */
        uint32_t first_cseq;                    /* the sink's first request CSeq (1; LG uses 0) */
        bool setup_to_localhost;                /* SETUP/PLAY to rtsp://localhost/wfd1.0 */
        bool strict_m2_before_m3;               /* drop TCP when M3 arrives before M2's reply */
        uint16_t default_rtp_port;              /* the port the device announces; 0 = any */
        const struct sink_param *params;        /* M3 answers, NULL-terminated */
};

/* The profile named name, or NULL. */
const struct sink_profile *sink_profile_find(const char *name);

/* All profiles, NULL-terminated (for --help). */
const struct sink_profile *const *sink_profile_list(void);

/* The value the profile answers for parameter name, or NULL when it does not know it. */
const char *sink_profile_get(const struct sink_profile *p, const char *name);

/* A video mode as a sink sees it in M4. */
struct sink_video_mode {
        unsigned width, height, fps;
        bool interlaced;
        unsigned profile_bits;                  /* 1 CBP, 2 CHP */
        unsigned level_bits;                    /* 1 3.1, 2 3.2, 4 4.0, 8 4.1, 16 4.2 */
        char table[5];                          /* "CEA", "VESA", "HH" */
        unsigned bit;
};

/*
 * Parse an M4 wfd_video_formats value, which names exactly one mode:
 * "00 00 02 04 00000080 00000000 00000000 00 0000 0000 00 none none".
 * Returns 0, -EBADMSG when malformed, -ENOTUNIQ when the three bitmaps do not
 * hold exactly one bit in total, -ENOENT when the bit is reserved.
 */
int sink_parse_video_format(const char *value, struct sink_video_mode *ret);

/* "1920x1080p30" */
void sink_video_mode_to_string(const struct sink_video_mode *m, char *buf, size_t size);

/* "CBP"/"CHP"/"?" and "3.1".."4.2"/"?" */
const char *sink_profile_bits_to_string(unsigned bits);
const char *sink_level_bits_to_string(unsigned bits);
/* H.264 level_idc of a WFD level bit (docs/protocol.md, "Video formats"): 1 -> 31 .. 16 -> 42, else 0. */
int sink_level_bits_to_idc(unsigned bits);

/*
 * Find "name: value" in a text/parameters body (name compared exactly). Copies the
 * trimmed value into buf. Returns 0, -ENOENT when absent, -ENOBUFS when too long.
 * A line that is just the name (e.g. "wfd_idr_request") gives an empty value.
 */
int sink_body_get(const char *body, size_t len, const char *name, char *buf, size_t size);
