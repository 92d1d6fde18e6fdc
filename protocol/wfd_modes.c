/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The WFD mode table and H.264 level arithmetic. See wfd_modes.h.
 */
#include <errno.h>
#include <stdio.h>

#include "macro.h"
#include "wfd_modes.h"

#define CEA WFD_MODE_TABLE_CEA
#define VESA WFD_MODE_TABLE_VESA
#define HH WFD_MODE_TABLE_HH
#define BOTH WFD_MODE_SCOPE_BOTH
#define PLAIN WFD_MODE_SCOPE_PLAIN_ONLY
#define WFDX WFD_MODE_SCOPE_WFDX_ONLY

#define P(t, b, w, h, f, lvl, sc) { t, b, w, h, f, false, sc, false, lvl }
#define I(t, b, w, h, f, lvl, sc) { t, b, w, h, f, true, sc, false, lvl }

/*
 * WFD tables 5-10/5-11/5-12 (docs/protocol.md, "Video formats") and [MS-WFDPE]
 * 2.7.1.1.1. The last column before the scope is the minimum level_idc, checked
 * against wfd_level_min_for() by tests/unit/test-wfd-modes.c.
 */
static const struct wfd_mode modes[] = {
        /* CEA */
        P(CEA, 0, 640, 480, 60, 31, BOTH),
        P(CEA, 1, 720, 480, 60, 31, BOTH),
        I(CEA, 2, 720, 480, 60, 31, BOTH),
        P(CEA, 3, 720, 576, 50, 31, BOTH),
        I(CEA, 4, 720, 576, 50, 31, BOTH),
        P(CEA, 5, 1280, 720, 30, 31, BOTH),
        P(CEA, 6, 1280, 720, 60, 32, BOTH),
        P(CEA, 7, 1920, 1080, 30, 40, BOTH),
        P(CEA, 8, 1920, 1080, 60, 42, BOTH),
        I(CEA, 9, 1920, 1080, 60, 40, BOTH),
        P(CEA, 10, 1280, 720, 25, 31, BOTH),
        P(CEA, 11, 1280, 720, 50, 32, BOTH),
        P(CEA, 12, 1920, 1080, 25, 40, BOTH),
        P(CEA, 13, 1920, 1080, 50, 42, BOTH),
        I(CEA, 14, 1920, 1080, 50, 40, BOTH),
        P(CEA, 15, 1280, 720, 24, 31, BOTH),
        P(CEA, 16, 1920, 1080, 24, 40, BOTH),
        P(CEA, 17, 3840, 2160, 30, 51, WFDX),
        P(CEA, 18, 3840, 2160, 60, 52, WFDX),
        P(CEA, 19, 4096, 2160, 30, 52, WFDX),
        P(CEA, 20, 4096, 2160, 60, 52, WFDX),
        P(CEA, 21, 3840, 2160, 25, 51, WFDX),
        P(CEA, 22, 3840, 2160, 50, 52, WFDX),
        P(CEA, 23, 4096, 2160, 25, 51, WFDX),
        P(CEA, 24, 4096, 2160, 50, 52, WFDX),
        P(CEA, 25, 3840, 2160, 24, 51, WFDX),
        P(CEA, 26, 4096, 2160, 24, 51, WFDX),
        /* VESA */
        P(VESA, 0, 800, 600, 30, 31, BOTH),
        P(VESA, 1, 800, 600, 60, 32, BOTH),
        P(VESA, 2, 1024, 768, 30, 31, BOTH),
        P(VESA, 3, 1024, 768, 60, 32, BOTH),
        P(VESA, 4, 1152, 864, 30, 32, BOTH),
        P(VESA, 5, 1152, 864, 60, 40, BOTH),
        P(VESA, 6, 1280, 768, 30, 32, BOTH),
        P(VESA, 7, 1280, 768, 60, 40, BOTH),
        P(VESA, 8, 1280, 800, 30, 32, BOTH),
        P(VESA, 9, 1280, 800, 60, 40, BOTH),
        P(VESA, 10, 1360, 768, 30, 32, BOTH),
        P(VESA, 11, 1360, 768, 60, 40, BOTH),
        P(VESA, 12, 1366, 768, 30, 32, BOTH),
        P(VESA, 13, 1366, 768, 60, 42, BOTH),
        P(VESA, 14, 1280, 1024, 30, 32, BOTH),
        P(VESA, 15, 1280, 1024, 60, 42, BOTH),
        P(VESA, 16, 1400, 1050, 30, 40, BOTH),
        P(VESA, 17, 1400, 1050, 60, 42, BOTH),
        P(VESA, 18, 1440, 900, 30, 40, BOTH),
        P(VESA, 19, 1440, 900, 60, 42, BOTH),
        P(VESA, 20, 1600, 900, 30, 40, BOTH),
        P(VESA, 21, 1600, 900, 60, 42, BOTH),
        P(VESA, 22, 1600, 1200, 30, 40, BOTH),
        P(VESA, 23, 1600, 1200, 60, 42, BOTH),
        P(VESA, 24, 1680, 1024, 30, 40, BOTH),
        P(VESA, 25, 1680, 1024, 60, 42, BOTH),
        P(VESA, 26, 1680, 1050, 30, 40, BOTH),
        P(VESA, 27, 1680, 1050, 60, 42, BOTH),
        P(VESA, 28, 1920, 1200, 30, 50, BOTH),
        /* Android's table reads plain VESA 29 as 1920x1200p60, others as reserved: never pick it. */
        { VESA, 29, 1920, 1200, 60, false, PLAIN, true, 50 },
        P(VESA, 29, 2560, 1440, 30, 50, WFDX),
        P(VESA, 30, 2560, 1440, 60, 51, WFDX),
        P(VESA, 31, 2560, 1600, 30, 50, WFDX),
        P(VESA, 32, 2560, 1600, 60, 51, WFDX),
        /* HH */
        P(HH, 0, 800, 480, 30, 31, BOTH),
        P(HH, 1, 800, 480, 60, 31, BOTH),
        P(HH, 2, 854, 480, 30, 31, BOTH),
        P(HH, 3, 854, 480, 60, 31, BOTH),
        P(HH, 4, 864, 480, 30, 31, BOTH),
        P(HH, 5, 864, 480, 60, 31, BOTH),
        P(HH, 6, 640, 360, 30, 31, BOTH),
        P(HH, 7, 640, 360, 60, 31, BOTH),
        P(HH, 8, 960, 540, 30, 31, BOTH),
        P(HH, 9, 960, 540, 60, 32, BOTH),
        P(HH, 10, 848, 480, 30, 31, BOTH),
        P(HH, 11, 848, 480, 60, 31, BOTH),
};

/* H.264 Table A-1: MaxMBPS, MaxFS (macroblocks), MaxBR (kbit/s, VCL, Baseline/Main). */
struct level_limits {
        uint8_t idc;
        uint16_t bit;
        uint32_t max_mbps;
        uint32_t max_fs;
        uint32_t max_br_kbps;
        const char *name;
};

static const struct level_limits levels[] = {
        { 31, WFD_LEVEL_3_1, 108000, 3600, 14000, "3.1" },
        { 32, WFD_LEVEL_3_2, 216000, 5120, 20000, "3.2" },
        { 40, WFD_LEVEL_4, 245760, 8192, 20000, "4" },
        { 41, WFD_LEVEL_4_1, 245760, 8192, 50000, "4.1" },
        { 42, WFD_LEVEL_4_2, 522240, 8704, 50000, "4.2" },
        { 50, WFD_LEVEL_5, 589824, 22080, 135000, "5" },
        { 51, WFD_LEVEL_5_1, 983040, 36864, 240000, "5.1" },
        { 52, WFD_LEVEL_5_2, 2073600, 36864, 240000, "5.2" },
};

static const struct level_limits *level_find(uint8_t idc)
{
        for (size_t i = 0; i < ARRAY_SIZE(levels); i++)
                if (levels[i].idc == idc)
                        return &levels[i];
        return NULL;
}

const struct wfd_mode *wfd_modes_table(size_t *ret_n)
{
        if (ret_n)
                *ret_n = ARRAY_SIZE(modes);
        return modes;
}

const struct wfd_mode *wfd_mode_lookup(enum wfd_mode_table table, unsigned bit, bool wfdx)
{
        for (size_t i = 0; i < ARRAY_SIZE(modes); i++) {
                const struct wfd_mode *m = &modes[i];

                if (m->table != table || m->bit != bit)
                        continue;
                if (m->scope == WFD_MODE_SCOPE_BOTH ||
                    (m->scope == WFD_MODE_SCOPE_WFDX_ONLY && wfdx) ||
                    (m->scope == WFD_MODE_SCOPE_PLAIN_ONLY && !wfdx))
                        return m;
        }
        return NULL;
}

const struct wfd_mode *wfd_mode_from_native(uint16_t native, bool wfdx)
{
        unsigned table = native & 0x7;
        unsigned index = wfdx ? (native >> 3) & 0x3f : (native >> 3) & 0x1f;

        if (table >= _WFD_MODE_TABLE_MAX)
                return NULL;
        /* Bits above the index field are reserved: a value using them is not a mode. */
        if (native >> (wfdx ? 9 : 8))
                return NULL;
        return wfd_mode_lookup(table, index, wfdx);
}

uint16_t wfd_mode_to_native(const struct wfd_mode *m)
{
        return (uint16_t) ((m->bit << 3) | (m->table & 0x7));
}

const char *wfd_mode_table_to_string(enum wfd_mode_table t)
{
        switch (t) {
        case WFD_MODE_TABLE_CEA:
                return "CEA";
        case WFD_MODE_TABLE_VESA:
                return "VESA";
        case WFD_MODE_TABLE_HH:
                return "HH";
        default:
                return NULL;
        }
}

int wfd_mode_format(const struct wfd_mode *m, char *buf, size_t size)
{
        int n = snprintf(buf, size, "%ux%u%c%u", m->width, m->height, m->interlaced ? 'i' : 'p', m->fps);

        if (n < 0 || (size_t) n >= size)
                return -ENOBUFS;
        return n;
}

bool wfd_level_fits(uint8_t level_idc, unsigned width, unsigned height, unsigned fps, bool interlaced)
{
        const struct level_limits *l = level_find(level_idc);
        uint64_t w_mbs, h_mbs, fs, frames;

        if (!l || width == 0 || height == 0 || fps == 0)
                return false;

        w_mbs = (width + 15) / 16;
        if (interlaced) {
                /* Two fields of ceil(h/2) lines each, in MB pairs: 2 * ceil(h / 32) MB rows. */
                h_mbs = 2 * ((height + 31) / 32);
                frames = (fps + 1) / 2;
        } else {
                h_mbs = (height + 15) / 16;
                frames = fps;
        }
        fs = w_mbs * h_mbs;
        if (fs > l->max_fs)
                return false;
        /* A.3.1: neither dimension may exceed sqrt(8 * MaxFS) macroblocks. */
        if (w_mbs * w_mbs > 8ull * l->max_fs || h_mbs * h_mbs > 8ull * l->max_fs)
                return false;
        return fs * frames <= l->max_mbps;
}

uint8_t wfd_level_min_for(unsigned width, unsigned height, unsigned fps, bool interlaced)
{
        for (size_t i = 0; i < ARRAY_SIZE(levels); i++)
                if (wfd_level_fits(levels[i].idc, width, height, fps, interlaced))
                        return levels[i].idc;
        return 0;
}

uint8_t wfd_level_bit_to_idc(uint16_t level_bit)
{
        for (size_t i = 0; i < ARRAY_SIZE(levels); i++)
                if (levels[i].bit == level_bit)
                        return levels[i].idc;
        return 0;
}

uint16_t wfd_level_idc_to_bit(uint8_t level_idc)
{
        const struct level_limits *l = level_find(level_idc);

        return l ? l->bit : 0;
}

uint8_t wfd_level_max_idc(uint16_t level_bitmap)
{
        uint8_t best = 0;

        for (size_t i = 0; i < ARRAY_SIZE(levels); i++)
                if (level_bitmap & levels[i].bit)
                        best = levels[i].idc;
        return best;
}

uint64_t wfd_level_max_bitrate_bps(uint8_t level_idc, bool high)
{
        const struct level_limits *l = level_find(level_idc);
        uint64_t bps;

        if (!l)
                return 0;
        bps = (uint64_t) l->max_br_kbps * 1000;
        /* Table A-2: cpbBrVclFactor 1250 for High vs 1000 for Baseline/Main. */
        return high ? bps * 5 / 4 : bps;
}

const char *wfd_level_to_string(uint8_t level_idc)
{
        const struct level_limits *l = level_find(level_idc);

        return l ? l->name : NULL;
}

const char *wfd_profile_to_string(uint16_t profile_bit)
{
        switch (profile_bit) {
        case WFD_PROFILE_CBP:
                return "CBP";
        case WFD_PROFILE_CHP:
                return "CHP";
        case WFD_PROFILE_HEVC_MAIN:
                return "HEVC-Main";
        case WFD_PROFILE_HEVC_MAIN10:
                return "HEVC-Main10";
        default:
                return NULL;
        }
}
