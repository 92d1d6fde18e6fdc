/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Wi-Fi Display resolution/refresh-rate tables (CEA, VESA, HH) in ONE
 * table, plus the H.264 profile and level bitmaps of wfd_video_formats.
 *
 * Bit meanings come from the WFD spec tables (docs/protocol.md, "Video formats") and,
 * for wfdx_video_formats, from [MS-WFDPE] 2.7.1.1.1 (CEA 17-26, VESA 29-32,
 * level bits 5-7). A few bits mean different things in the two parameters
 * (VESA 29 is 1920x1200p60 in Android's plain table but 2560x1440p30 in wfdx),
 * so each entry carries a scope and lookups say which parameter they decode.
 *
 * Every entry carries the minimum H.264 level whose MaxFS (frame size in
 * macroblocks) and MaxMBPS (macroblocks per second) hold the mode (ITU-T H.264
 * Table A-1); interlaced modes are counted as fps/2 frames of 2*ceil(h/32) MB
 * rows. Pure data and arithmetic, libc only.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Widest bitmap we decode: wfdx CEA/VESA are 10 hex digits = 40 bits. */
#define WFD_MODE_BITS_MAX 40

enum wfd_mode_table {
        WFD_MODE_TABLE_CEA = 0,  /* same numbers as the low 3 bits of `native` */
        WFD_MODE_TABLE_VESA = 1,
        WFD_MODE_TABLE_HH = 2,
        _WFD_MODE_TABLE_MAX,
};

/* Which parameter gives a bit this meaning. */
enum wfd_mode_scope {
        WFD_MODE_SCOPE_BOTH,       /* wfd_video_formats and wfdx_video_formats */
        WFD_MODE_SCOPE_PLAIN_ONLY, /* only wfd_video_formats (VESA 29 as Android reads it) */
        WFD_MODE_SCOPE_WFDX_ONLY,  /* only wfdx_video_formats ([MS-WFDPE] extension bits) */
};

/* H.264 profile bitmap (wfd_video_formats `profile`); wfdx adds HEVC bits 2-3. */
enum {
        WFD_PROFILE_CBP = 1u << 0,       /* Constrained Baseline, profile_idc 66 */
        WFD_PROFILE_CHP = 1u << 1,       /* Constrained High, profile_idc 100 */
        WFD_PROFILE_HEVC_MAIN = 1u << 2, /* wfdx only; we never choose it */
        WFD_PROFILE_HEVC_MAIN10 = 1u << 3,
};

/* H.264 level bitmap (`level`): the highest level supported for that profile. */
enum {
        WFD_LEVEL_3_1 = 1u << 0,
        WFD_LEVEL_3_2 = 1u << 1,
        WFD_LEVEL_4 = 1u << 2,
        WFD_LEVEL_4_1 = 1u << 3,
        WFD_LEVEL_4_2 = 1u << 4,
        WFD_LEVEL_5 = 1u << 5,   /* wfdx only */
        WFD_LEVEL_5_1 = 1u << 6, /* wfdx only */
        WFD_LEVEL_5_2 = 1u << 7, /* wfdx only */
};

struct wfd_mode {
        enum wfd_mode_table table;
        uint8_t bit;              /* bit index inside the table's bitmap */
        uint16_t width, height;   /* pixels */
        uint8_t fps;              /* as the mode is named: 60 for p60, 60 (fields) for i60 */
        bool interlaced;          /* never chosen by the negotiation */
        enum wfd_mode_scope scope;
        bool avoid;               /* listed but never chosen (VESA 29 of plain wfd_video_formats) */
        uint8_t min_level_idc;    /* smallest level_idc (31,32,40,41,42,50,51,52) that fits */
};

/* The whole table (every scope), ordered CEA, VESA, HH by bit. *ret_n gets the entry count. */
const struct wfd_mode *wfd_modes_table(size_t *ret_n);

/*
 * The mode that `bit` of `table` means in wfd_video_formats (wfdx false) or in
 * wfdx_video_formats (wfdx true). NULL for reserved/out-of-table bits.
 */
const struct wfd_mode *wfd_mode_lookup(enum wfd_mode_table table, unsigned bit, bool wfdx);

/*
 * Decode the `native` field: bits 2:0 select the table, the bits above are the
 * index (bits 7:3 in wfd_video_formats, bits 8:3 in wfdx). NULL when the
 * table or index is reserved/out of table (native is only a hint).
 */
const struct wfd_mode *wfd_mode_from_native(uint16_t native, bool wfdx);

/* The `native` value naming mode m (inverse of wfd_mode_from_native). */
uint16_t wfd_mode_to_native(const struct wfd_mode *m);

/* "CEA", "VESA", "HH"; NULL when out of range. */
const char *wfd_mode_table_to_string(enum wfd_mode_table t);

/*
 * Write "1920x1080p30" (or "1920x1080i60") into buf. Returns the length (as
 * snprintf), or -ENOBUFS when it does not fit.
 */
int wfd_mode_format(const struct wfd_mode *m, char *buf, size_t size);

/* True when the mode's resolution at its frame rate fits H.264 level `level_idc` (31..52). */
bool wfd_level_fits(uint8_t level_idc, unsigned width, unsigned height, unsigned fps, bool interlaced);

/* Smallest level_idc among 31,32,40,41,42,50,51,52 that fits; 0 when none does. */
uint8_t wfd_level_min_for(unsigned width, unsigned height, unsigned fps, bool interlaced);

/* level bitmap bit (WFD_LEVEL_*, exactly one bit) -> level_idc; 0 when not exactly one known bit. */
uint8_t wfd_level_bit_to_idc(uint16_t level_bit);

/* level_idc -> WFD_LEVEL_* bit; 0 when the level has no WFD bit. */
uint16_t wfd_level_idc_to_bit(uint8_t level_idc);

/* Highest level_idc named in a level bitmap (sinks should set one bit; some set several). 0 if none. */
uint8_t wfd_level_max_idc(uint16_t level_bitmap);

/*
 * H.264 MaxBR for the level in bit/s (Table A-1, VCL, Baseline/Main; High
 * gets 1.25x when `high` is set). 0 for an unknown level.
 */
uint64_t wfd_level_max_bitrate_bps(uint8_t level_idc, bool high);

/* "3.1", "4", "5.2"...; NULL for unknown. */
const char *wfd_level_to_string(uint8_t level_idc);

/* "CBP", "CHP", "HEVC-Main", "HEVC-Main10" for one profile bit; NULL otherwise. */
const char *wfd_profile_to_string(uint16_t profile_bit);
