/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Capability negotiation: the sink's M3 answer + our limits + the link's
 * statistics -> the session format, mirroring Windows' Miracast DDI
 * (StartMiracastSession: MIRACAST_WFD_CONNECTION_STATS in,
 * MIRACAST_SESSION_INFO out, STATUS_INSUFFICIENT_RESOURCES when the link is
 * too slow). Pure: same input, same output.
 *
 * Eligible modes. A (mode, profile) pair is eligible when
 *   - the mode's bit is set in an h264-codec entry of the sink for that profile
 *     (wfdx_video_formats replaces wfd_video_formats when the sink sent both),
 *   - the bit is in our table for that parameter, the mode is progressive and
 *     not "avoid" (VESA bit 29 of plain wfd_video_formats),
 *   - profile is CBP or CHP and the encoder can do it (HEVC bits are ignored),
 *   - level = min(sink's highest level for that entry, encoder's max level) and
 *     the mode fits that level (H.264 Table A-1; wfd_level_fits()),
 *   - width/height/fps are within the encoder's and the configured maxima.
 * Per mode the best pair wins: CHP over CBP, then the higher level.
 *
 * Bit-rate model (also in README, "WFD parameters and capability
 * negotiation"). A mode needs
 *     needed_bps = width * height * fps * WFD_NEGOTIATE_BPP_MILLI / 1000
 * i.e. 0.1 bit per pixel (1920x1080p30 ~ 6.2 Mbit/s, 1280x720p30 ~ 2.8 Mbit/s,
 * 1024x768p60 ~ 4.7 Mbit/s), the rate at which H.264 desktop content looks
 * clean with a low-latency encoder. The available rate is the smallest
 * non-zero (known) value of {suggested, local max, remote max} of the
 * connection statistics; all zero = unknown = no bandwidth filtering.
 * Modes that need more than the available rate are removed from the usable
 * list and reduced_mode_list_due_to_bandwidth is set. Among the sink's
 * eligible modes with at least 1024x768 pixels (area >= 786432: 1280x720
 * counts), the one that needs the least sets the floor: when the available
 * rate is below that need the result is -ENOSR (INSUFFICIENT_RESOURCES); a sink
 * with no such mode gets -ENOSR only when no mode at all fits.
 * Target bit rate = min(needed_bps * WFD_NEGOTIATE_TARGET_HEADROOM, available
 * rate, configured max, the level's MaxBR for the profile, the sink's
 * microsoft_max_bitrate); with an unknown available rate it is
 * min(needed_bps, configured max, MaxBR, microsoft_max_bitrate) (start low).
 *
 * Preference (first difference decides):
 *   1. the sink's native mode (native field) when it is eligible; native 00
 *      (CEA bit 0, 640x480p60) is what sinks send when they have nothing to
 *      say (docs' own example), so it is no preference,
 *   2. when an aspect-ratio hint is given: the mode's aspect ratio is within
 *      1% of the hint (1366x768 counts as 16:9),
 *   3. larger area (width*height),
 *   4. higher fps,
 *   5. table CEA, then VESA, then HH; then the lower bit.
 * The chosen mode is usable_modes[0]; the list is in preference order.
 * When the sink sent no video formats at all (parameter missing or not
 * parseable) or nothing is eligible, the fallback is CEA bit 0 (640x480p60),
 * CBP, level 3.1, the mandatory baseline; `fallback` is set (and the
 * bit-rate model still applies to it: a link below 1.84 Mbit/s is -ENOSR).
 *
 * Audio: AAC 48 kHz stereo when the sink lists it and is not known to prefer
 * LPCM; else LPCM 48 kHz stereo when listed; else (a prefer-LPCM sink without
 * LPCM) AAC 48 kHz stereo when listed; else none. A sink that did not answer
 * wfd_audio_codecs at all gets LPCM 48 kHz stereo (the baseline every sink with
 * audio must accept); "none" or only other modes -> no audio.
 *
 * monitor_connected rule (MIRACAST_SESSION_INFO.MonitorConnected):
 *   1. a valid EDID (wfd_display_edid with >= 1 block carrying the EDID header) -> true;
 *   2. else wfd_connector_type: a connector -> true; "none" or 254 (the value
 *      for "no connector") -> false;
 *   3. else wfd_display_edid "none" / 0 blocks -> false;
 *   4. else (the sink said neither) -> true when it offered video formats, else false.
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wfd_modes.h"
#include "wfd_params.h"

/* The distinct error of wfd_negotiate(): the link cannot carry a >= 1024x768 mode. */
#define WFD_NEGOTIATE_INSUFFICIENT_RESOURCES (-ENOSR)

#define WFD_NEGOTIATE_BPP_MILLI 100u       /* 0.1 bit per pixel */
#define WFD_NEGOTIATE_TARGET_HEADROOM 2u   /* target up to 2x the model when the link allows */
#define WFD_NEGOTIATE_MIN_AREA (1024u * 768u)
#define WFD_NEGOTIATE_MAX_MODES 128        /* > every entry of the mode table */

/* Our side (encoder abilities and configuration). 0 = no limit where noted. */
struct wfd_source_limits {
        unsigned encoder_max_width, encoder_max_height, encoder_max_fps;  /* 0 = no limit */
        uint16_t encoder_profiles;     /* WFD_PROFILE_CBP | WFD_PROFILE_CHP; 0 = CBP only */
        uint8_t encoder_max_level_idc; /* e.g. 42; 0 = 42 (WFD R1's highest) */
        unsigned max_width, max_height, max_fps;   /* configured maxima; 0 = no limit */
        uint64_t max_bitrate_bps;      /* configured maximum; 0 = no limit */
        unsigned aspect_width, aspect_height;      /* framebuffer aspect hint, e.g. 16:10; 0 = none */
        bool prefer_lpcm;              /* sink known (quirk table) to prefer LPCM */
        bool no_audio;                 /* never negotiate audio */
        bool no_wfdx;                  /* ignore wfdx_video_formats (encoder cannot go past WFD R1) */
};

/* MIRACAST_WFD_CONNECTION_STATS, bit/s; 0 = unknown. */
struct wfd_connection_stats {
        uint64_t suggested_bitrate_bps;
        uint64_t local_max_bitrate_bps;
        uint64_t remote_max_bitrate_bps;
};

/* MIRACAST_SESSION_INFO. */
struct wfd_session_info {
        bool monitor_connected;
        bool reduced_mode_list_due_to_bandwidth;
};

/* One usable (mode, profile, level). */
struct wfd_usable_mode {
        const struct wfd_mode *mode;   /* entry of wfd_modes_table(); never NULL */
        uint16_t profile;              /* exactly one of WFD_PROFILE_CBP / WFD_PROFILE_CHP */
        uint8_t level_idc;             /* 31..52: what M4 announces and the SPS carries */
        uint64_t needed_bps;           /* bit-rate model */
        uint8_t latency;               /* the sink's decoder latency for that codec entry (echoed in M4) */
        uint8_t frame_rate_control;    /* what M4 sends: the sink's value & 0x0F (no explicit rate
                                        * changes). Bit 0 set: the sink tolerates skipped frames, so
                                        * the encoder may drop unchanged pictures; clear: keep the rate. */
};

struct wfd_negotiation {
        struct wfd_session_info info;
        bool wfdx;                     /* modes come from wfdx_video_formats: M4 sends wfdx_video_formats */
        bool fallback;                 /* nothing eligible / no video formats: CEA 0 CBP 3.1 */
        struct wfd_usable_mode video;  /* the chosen one (= usable_modes[0]) */
        bool audio;                    /* false: no audio */
        struct wfd_audio_codec audio_codec; /* exactly one mode bit; latency 0 */
        unsigned audio_rate_hz, audio_channels;
        uint64_t available_bps;        /* 0 = unknown */
        uint64_t target_bitrate_bps;
        size_t n_usable_modes;
        struct wfd_usable_mode usable_modes[WFD_NEGOTIATE_MAX_MODES];
};

/*
 * Negotiate. Returns 0 and fills *ret, or
 *   -ENOSR    INSUFFICIENT_RESOURCES (see the bit-rate model above),
 *   -ENOTSUP  the sink answered wfd_video_formats/wfdx_video_formats "none" (no video),
 *   -EINVAL   NULL arguments.
 * stats may be NULL (= all unknown). *ret is untouched on failure.
 */
int wfd_negotiate(const struct wfd_sink_caps *sink, const struct wfd_source_limits *src,
                  const struct wfd_connection_stats *stats, struct wfd_negotiation *ret);

/* Name of a wfd_negotiate() error for logs and D-Bus: -ENOSR -> "INSUFFICIENT_RESOURCES", ... */
const char *wfd_negotiate_error_to_string(int error);

/* The monitor_connected rule alone (see above). */
bool wfd_negotiate_monitor_connected(const struct wfd_sink_caps *sink);

/* The model's bits per second for a mode. */
uint64_t wfd_negotiate_needed_bps(const struct wfd_mode *m);

/*
 * For a later format change (link got slower or faster): the most preferred
 * entry of n->usable_modes whose needed_bps fits available_bps (0 = no limit:
 * usable_modes[0]). NULL when none fits (the caller may then treat it like
 * INSUFFICIENT_RESOURCES). Only modes of the original negotiation are
 * considered, so the sink accepted every one of them in M3.
 */
const struct wfd_usable_mode *wfd_negotiation_mode_for_bitrate(const struct wfd_negotiation *n,
                                                               uint64_t available_bps);

/*
 * The M4 video value for usable mode u of negotiation n: one h264-codec with
 * one profile bit, one level bit, one resolution bit, native/pref 00, the
 * u's latency and frame_rate_control, min-slice 0, slice-enc 0,
 * max-hres/vres none; wfdx follows n->wfdx. Fills *ret.
 */
int wfd_negotiation_video_formats(const struct wfd_negotiation *n, const struct wfd_usable_mode *u,
                                  struct wfd_video_formats *ret);

/* The M4 audio value: one codec, one mode bit; ret->none when no audio. */
int wfd_negotiation_audio_codecs(const struct wfd_negotiation *n, struct wfd_audio_codecs *ret);

/*
 * The whole M4 body: the chosen video formats (wfd_ or wfdx_ name, never both),
 * wfd_audio_codecs (only when audio), wfd_presentation_URL (url, none) and
 * wfd_client_rtp_ports (the sink's value echoed; port0 19000 when ports is NULL).
 * Returns the length or -ENOBUFS / -EINVAL.
 */
int wfd_negotiation_m4_body(const struct wfd_negotiation *n, const struct wfd_presentation_url *url,
                            const struct wfd_client_rtp_ports *ports, char *buf, size_t size);

/*
 * A mid-session format change body: video (usable mode u) and audio of n plus
 * wfd_av_format_change_timing (pts, dts). Length or -ENOBUFS / -EINVAL.
 */
int wfd_negotiation_format_change_body(const struct wfd_negotiation *n, const struct wfd_usable_mode *u,
                                       const struct wfd_av_format_change_timing *timing,
                                       char *buf, size_t size);
