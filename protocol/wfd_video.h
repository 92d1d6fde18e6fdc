/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * wfd_video_formats, Microsoft's wfdx_video_formats and wfd_3d_video_formats.
 *
 * Conventions as in wfd_params.h (which includes this header): parsers take
 * (value, len) without the "name: " prefix and return 0 / -EBADMSG / -E2BIG,
 * leaving *ret untouched on failure; formatters return the length or
 * -ENOBUFS / -EINVAL.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WFD_MAX_H264_CODECS 8      /* h264-codec entries in one wfd_video_formats */

/* ---- wfd_video_formats / wfdx_video_formats ------------------------------- */

struct wfd_h264_codec {
        uint16_t profile;           /* WFD_PROFILE_* bitmap (normally one bit) */
        uint16_t level;             /* WFD_LEVEL_* bitmap: highest level for that profile */
        uint64_t cea, vesa, hh;     /* resolution bitmaps (wfdx CEA/VESA: 40 bits) */
        uint8_t latency;            /* decoder latency, units of 5 ms, 0 = unspecified */
        uint16_t min_slice_size;    /* macroblocks; 0 = one slice per picture */
        uint16_t slice_enc_params;
        uint8_t frame_rate_control;
        bool has_max_hres, has_max_vres; /* false = "none" */
        uint16_t max_hres, max_vres;
};

/*
 * wfd_video_formats (wfdx false: native/profile/level 2 hex digits, bitmaps 8)
 * or Microsoft's wfdx_video_formats (wfdx true: native/profile/level 4 hex
 * digits, CEA/VESA 10, HH 8). The parser accepts fewer digits than that, never
 * more. A codec entry that ends after frame-rate-control reads as max-hres/vres
 * "none". none = the value "none" (no video; n_codecs 0).
 */
struct wfd_video_formats {
        bool none;
        bool wfdx;
        uint16_t native;
        uint8_t preferred_display_mode;
        size_t n_codecs;
        struct wfd_h264_codec codecs[WFD_MAX_H264_CODECS];
};

/* -EBADMSG also for zero codec entries; -E2BIG over WFD_MAX_H264_CODECS. */
int wfd_video_formats_parse(const char *value, size_t len, bool wfdx, struct wfd_video_formats *ret);
/* Field widths follow v->wfdx. Bitmap bits above the field width give -EINVAL. */
int wfd_video_formats_format(const struct wfd_video_formats *v, char *buf, size_t size);
/* Wire name for v: "wfd_video_formats" or "wfdx_video_formats". */
const char *wfd_video_formats_name(const struct wfd_video_formats *v);

/* ---- wfd_3d_video_formats --------------------------------------------------- */

/* One codec3d entry: profile, level, 3D capability bitmap (HEX16), then the 2D entry's tail. */
struct wfd_3d_codec {
        uint8_t profile;
        uint8_t level;
        uint64_t capability;
        uint8_t latency;
        uint16_t min_slice_size;
        uint16_t slice_enc_params;
        uint8_t frame_rate_control;
        bool has_max_hres, has_max_vres;
        uint16_t max_hres, max_vres;
};

/* wfd_3d_video_formats (§5): parsed for logging and quirk detection; we never send 3D. */
struct wfd_3d_video_formats {
        bool none;
        uint8_t native;
        uint8_t preferred_display_mode;
        size_t n_codecs;
        struct wfd_3d_codec codecs[WFD_MAX_H264_CODECS];
};

int wfd_3d_video_formats_parse(const char *value, size_t len, struct wfd_3d_video_formats *ret);
int wfd_3d_video_formats_format(const struct wfd_3d_video_formats *v, char *buf, size_t size);
