/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>

#include "../../protocol/wfd_modes.h"
#include "../lib/test.h"

static void check_mode(enum wfd_mode_table t, unsigned bit, bool wfdx, unsigned w, unsigned h, unsigned fps,
                       bool interlaced)
{
        const struct wfd_mode *m = wfd_mode_lookup(t, bit, wfdx);

        assert_non_null(m);
        assert_int_eq(m->width, w);
        assert_int_eq(m->height, h);
        assert_int_eq(m->fps, fps);
        assert_int_eq(m->interlaced, interlaced);
}

TEST(modes_cea, "/modes/CEA table bits 0-16 (WFD table 5-10)") {
        check_mode(WFD_MODE_TABLE_CEA, 0, false, 640, 480, 60, false);
        check_mode(WFD_MODE_TABLE_CEA, 1, false, 720, 480, 60, false);
        check_mode(WFD_MODE_TABLE_CEA, 2, false, 720, 480, 60, true);
        check_mode(WFD_MODE_TABLE_CEA, 3, false, 720, 576, 50, false);
        check_mode(WFD_MODE_TABLE_CEA, 4, false, 720, 576, 50, true);
        check_mode(WFD_MODE_TABLE_CEA, 5, false, 1280, 720, 30, false);
        check_mode(WFD_MODE_TABLE_CEA, 6, false, 1280, 720, 60, false);
        check_mode(WFD_MODE_TABLE_CEA, 7, false, 1920, 1080, 30, false);
        check_mode(WFD_MODE_TABLE_CEA, 8, false, 1920, 1080, 60, false);
        check_mode(WFD_MODE_TABLE_CEA, 9, false, 1920, 1080, 60, true);
        check_mode(WFD_MODE_TABLE_CEA, 10, false, 1280, 720, 25, false);
        check_mode(WFD_MODE_TABLE_CEA, 11, false, 1280, 720, 50, false);
        check_mode(WFD_MODE_TABLE_CEA, 12, false, 1920, 1080, 25, false);
        check_mode(WFD_MODE_TABLE_CEA, 13, false, 1920, 1080, 50, false);
        check_mode(WFD_MODE_TABLE_CEA, 14, false, 1920, 1080, 50, true);
        check_mode(WFD_MODE_TABLE_CEA, 15, false, 1280, 720, 24, false);
        check_mode(WFD_MODE_TABLE_CEA, 16, false, 1920, 1080, 24, false);
        assert_null(wfd_mode_lookup(WFD_MODE_TABLE_CEA, 17, false));
        assert_null(wfd_mode_lookup(WFD_MODE_TABLE_CEA, 31, false));
}

TEST(modes_vesa, "/modes/VESA table bits 0-28, bit 29 plain is avoid-only") {
        static const unsigned wh[][3] = {
                { 800, 600, 30 },   { 800, 600, 60 },   { 1024, 768, 30 },  { 1024, 768, 60 },
                { 1152, 864, 30 },  { 1152, 864, 60 },  { 1280, 768, 30 },  { 1280, 768, 60 },
                { 1280, 800, 30 },  { 1280, 800, 60 },  { 1360, 768, 30 },  { 1360, 768, 60 },
                { 1366, 768, 30 },  { 1366, 768, 60 },  { 1280, 1024, 30 }, { 1280, 1024, 60 },
                { 1400, 1050, 30 }, { 1400, 1050, 60 }, { 1440, 900, 30 },  { 1440, 900, 60 },
                { 1600, 900, 30 },  { 1600, 900, 60 },  { 1600, 1200, 30 }, { 1600, 1200, 60 },
                { 1680, 1024, 30 }, { 1680, 1024, 60 }, { 1680, 1050, 30 }, { 1680, 1050, 60 },
                { 1920, 1200, 30 },
        };
        for (unsigned b = 0; b < sizeof(wh) / sizeof(wh[0]); b++) {
                check_mode(WFD_MODE_TABLE_VESA, b, false, wh[b][0], wh[b][1], wh[b][2], false);
                check_mode(WFD_MODE_TABLE_VESA, b, true, wh[b][0], wh[b][1], wh[b][2], false);
                assert_false(wfd_mode_lookup(WFD_MODE_TABLE_VESA, b, false)->avoid);
        }
        const struct wfd_mode *m = wfd_mode_lookup(WFD_MODE_TABLE_VESA, 29, false);
        assert_non_null(m);
        assert_true(m->avoid);
        assert_null(wfd_mode_lookup(WFD_MODE_TABLE_VESA, 30, false));
        assert_null(wfd_mode_lookup(WFD_MODE_TABLE_VESA, 32, false));
}

TEST(modes_hh, "/modes/HH table bits 0-11") {
        static const unsigned wh[][3] = {
                { 800, 480, 30 }, { 800, 480, 60 }, { 854, 480, 30 }, { 854, 480, 60 },
                { 864, 480, 30 }, { 864, 480, 60 }, { 640, 360, 30 }, { 640, 360, 60 },
                { 960, 540, 30 }, { 960, 540, 60 }, { 848, 480, 30 }, { 848, 480, 60 },
        };
        for (unsigned b = 0; b < 12; b++)
                check_mode(WFD_MODE_TABLE_HH, b, false, wh[b][0], wh[b][1], wh[b][2], false);
        assert_null(wfd_mode_lookup(WFD_MODE_TABLE_HH, 12, false));
        assert_null(wfd_mode_lookup(WFD_MODE_TABLE_HH, 12, true));
}

TEST(modes_wfdx, "/modes/wfdx extension bits CEA 17-26, VESA 29-32 ([MS-WFDPE] 2.7.1.1.1)") {
        check_mode(WFD_MODE_TABLE_CEA, 17, true, 3840, 2160, 30, false);
        check_mode(WFD_MODE_TABLE_CEA, 18, true, 3840, 2160, 60, false);
        check_mode(WFD_MODE_TABLE_CEA, 19, true, 4096, 2160, 30, false);
        check_mode(WFD_MODE_TABLE_CEA, 20, true, 4096, 2160, 60, false);
        check_mode(WFD_MODE_TABLE_CEA, 21, true, 3840, 2160, 25, false);
        check_mode(WFD_MODE_TABLE_CEA, 22, true, 3840, 2160, 50, false);
        check_mode(WFD_MODE_TABLE_CEA, 23, true, 4096, 2160, 25, false);
        check_mode(WFD_MODE_TABLE_CEA, 24, true, 4096, 2160, 50, false);
        check_mode(WFD_MODE_TABLE_CEA, 25, true, 3840, 2160, 24, false);
        check_mode(WFD_MODE_TABLE_CEA, 26, true, 4096, 2160, 24, false);
        assert_null(wfd_mode_lookup(WFD_MODE_TABLE_CEA, 27, true));
        check_mode(WFD_MODE_TABLE_VESA, 29, true, 2560, 1440, 30, false);
        check_mode(WFD_MODE_TABLE_VESA, 30, true, 2560, 1440, 60, false);
        check_mode(WFD_MODE_TABLE_VESA, 31, true, 2560, 1600, 30, false);
        check_mode(WFD_MODE_TABLE_VESA, 32, true, 2560, 1600, 60, false);
        assert_null(wfd_mode_lookup(WFD_MODE_TABLE_VESA, 33, true));
        assert_false(wfd_mode_lookup(WFD_MODE_TABLE_VESA, 29, true)->avoid);
}

TEST(modes_levels_consistent, "/modes/every entry's min level equals the H.264 Table A-1 computation") {
        size_t n;
        const struct wfd_mode *t = wfd_modes_table(&n);

        assert_int_ge(n, 17 + 10 + 30 + 4 + 12);
        for (size_t i = 0; i < n; i++) {
                assert_int_eq(t[i].min_level_idc, wfd_level_min_for(t[i].width, t[i].height, t[i].fps, t[i].interlaced));
                assert_true(wfd_level_fits(t[i].min_level_idc, t[i].width, t[i].height, t[i].fps, t[i].interlaced));
        }
}

TEST(modes_levels_known, "/modes/levels: captures README's examples (1366x768p60 and 1080p60 need 4.2)") {
        assert_int_eq(wfd_level_min_for(1280, 720, 30, false), 31);
        assert_int_eq(wfd_level_min_for(1280, 720, 60, false), 32);
        assert_int_eq(wfd_level_min_for(1920, 1080, 30, false), 40);
        assert_int_eq(wfd_level_min_for(1920, 1080, 60, false), 42);
        assert_int_eq(wfd_level_min_for(1366, 768, 60, false), 42);
        assert_int_eq(wfd_level_min_for(1440, 900, 60, false), 42);
        assert_int_eq(wfd_level_min_for(1600, 900, 60, false), 42);
        /* 1920x1200 = 9000 MBs > 8704: no WFD R1 level. */
        assert_false(wfd_level_fits(42, 1920, 1200, 30, false));
        assert_int_eq(wfd_level_min_for(1920, 1200, 30, false), 50);
        assert_int_eq(wfd_level_min_for(3840, 2160, 30, false), 51);
        assert_int_eq(wfd_level_min_for(7680, 4320, 30, false), 0);
        assert_false(wfd_level_fits(40, 1366, 768, 60, false));
        assert_true(wfd_level_fits(42, 1366, 768, 60, false));
        assert_false(wfd_level_fits(33, 640, 480, 60, false));
        /* the edges of Table A-1: MaxFS 8704 (4.2) and 3600 / MaxMBPS 108000 (3.1) */
        assert_true(wfd_level_fits(42, 2048, 1088, 30, false));   /* 128 x 68 = 8704 MBs */
        assert_false(wfd_level_fits(42, 2048, 1089, 30, false));
        assert_false(wfd_level_fits(41, 2048, 1088, 30, false));
        assert_true(wfd_level_fits(31, 1280, 720, 30, false));    /* 3600 MBs x 30 = 108000 */
        assert_false(wfd_level_fits(31, 1280, 720, 31, false));
        assert_false(wfd_level_fits(31, 1280, 721, 30, false));
        assert_true(wfd_level_fits(32, 1280, 720, 60, false));    /* 216000 */
        assert_false(wfd_level_fits(32, 1280, 720, 61, false));
        assert_true(wfd_level_fits(40, 2048, 1024, 30, false));   /* 8192 MBs, 245760 MB/s */
        assert_false(wfd_level_fits(40, 2048, 1024, 31, false));
        assert_true(wfd_level_fits(42, 1920, 1088, 64, false));   /* 8160 x 64 = 522240 */
        assert_false(wfd_level_fits(42, 1920, 1088, 65, false));
        /* A.3.1: no dimension over sqrt(8 * MaxFS) MBs: 3.1 allows 169 MBs wide even when the area fits */
        assert_false(wfd_level_fits(31, 16 * 170, 16 * 4, 1, false));
        assert_true(wfd_level_fits(31, 16 * 169, 16 * 4, 1, false));
        /* interlaced: 1080i60 = 30 frames of 120 x 68 MBs */
        assert_true(wfd_level_fits(40, 1920, 1080, 60, true));
        assert_false(wfd_level_fits(32, 1920, 1080, 60, true));
        assert_false(wfd_level_fits(31, 0, 480, 60, false));
}

TEST(modes_level_bits, "/modes/level bitmap <-> level_idc") {
        assert_int_eq(wfd_level_bit_to_idc(WFD_LEVEL_3_1), 31);
        assert_int_eq(wfd_level_bit_to_idc(WFD_LEVEL_3_2), 32);
        assert_int_eq(wfd_level_bit_to_idc(WFD_LEVEL_4), 40);
        assert_int_eq(wfd_level_bit_to_idc(WFD_LEVEL_4_1), 41);
        assert_int_eq(wfd_level_bit_to_idc(WFD_LEVEL_4_2), 42);
        assert_int_eq(wfd_level_bit_to_idc(WFD_LEVEL_5_2), 52);
        assert_int_eq(wfd_level_bit_to_idc(0x03), 0);
        assert_int_eq(wfd_level_bit_to_idc(0x100), 0);
        assert_int_eq(wfd_level_idc_to_bit(42), 0x10);
        assert_int_eq(wfd_level_idc_to_bit(40), 0x04);
        assert_int_eq(wfd_level_idc_to_bit(30), 0);
        assert_int_eq(wfd_level_max_idc(0x10), 42);
        assert_int_eq(wfd_level_max_idc(0x07), 40);
        assert_int_eq(wfd_level_max_idc(0x00), 0);
        assert_int_eq(wfd_level_max_idc(0x100), 0);
        assert_str_eq(wfd_level_to_string(31), "3.1");
        assert_str_eq(wfd_level_to_string(40), "4");
        assert_null(wfd_level_to_string(33));
}

TEST(modes_level_bitrate, "/modes/level MaxBR, High x1.25") {
        assert_int_eq(wfd_level_max_bitrate_bps(31, false), 14000000);
        assert_int_eq(wfd_level_max_bitrate_bps(31, true), 17500000);
        assert_int_eq(wfd_level_max_bitrate_bps(42, false), 50000000);
        assert_int_eq(wfd_level_max_bitrate_bps(42, true), 62500000);
        assert_int_eq(wfd_level_max_bitrate_bps(12, false), 0);
}

TEST(modes_native, "/modes/native field decoding (hint only)") {
        const struct wfd_mode *m = wfd_mode_from_native(0x40, false);

        assert_non_null(m);
        assert_int_eq(m->table, WFD_MODE_TABLE_CEA);
        assert_int_eq(m->bit, 8);
        assert_int_eq(wfd_mode_to_native(m), 0x40);
        /* LG M4 from FluxCast: 0x28 = CEA bit 5 */
        m = wfd_mode_from_native(0x28, false);
        assert_int_eq(m->bit, 5);
        /* VESA bit 12 = 0x61 */
        m = wfd_mode_from_native(0x61, false);
        assert_int_eq(m->table, WFD_MODE_TABLE_VESA);
        assert_int_eq(m->width, 1366);
        /* reserved table 3..7 */
        assert_null(wfd_mode_from_native(0x03, false));
        assert_null(wfd_mode_from_native(0x07, false));
        /* out-of-table index */
        assert_null(wfd_mode_from_native(0xF8, false));
        /* wfdx: 6-bit index, VESA 32 */
        m = wfd_mode_from_native((32 << 3) | 1, true);
        assert_non_null(m);
        assert_int_eq(m->width, 2560);
        assert_null(wfd_mode_from_native((32 << 3) | 1, false));
        assert_null(wfd_mode_from_native(0x8000, true));
}

TEST(modes_strings, "/modes/to_string and format") {
        char buf[32];

        assert_str_eq(wfd_mode_table_to_string(WFD_MODE_TABLE_CEA), "CEA");
        assert_str_eq(wfd_mode_table_to_string(WFD_MODE_TABLE_VESA), "VESA");
        assert_str_eq(wfd_mode_table_to_string(WFD_MODE_TABLE_HH), "HH");
        assert_null(wfd_mode_table_to_string(_WFD_MODE_TABLE_MAX));
        assert_int_eq(wfd_mode_format(wfd_mode_lookup(WFD_MODE_TABLE_CEA, 7, false), buf, sizeof(buf)), 12);
        assert_str_eq(buf, "1920x1080p30");
        wfd_mode_format(wfd_mode_lookup(WFD_MODE_TABLE_CEA, 9, false), buf, sizeof(buf));
        assert_str_eq(buf, "1920x1080i60");
        assert_int_eq(wfd_mode_format(wfd_mode_lookup(WFD_MODE_TABLE_CEA, 7, false), buf, 12), -ENOBUFS);
        assert_str_eq(wfd_profile_to_string(WFD_PROFILE_CBP), "CBP");
        assert_str_eq(wfd_profile_to_string(WFD_PROFILE_CHP), "CHP");
        assert_null(wfd_profile_to_string(3));
}
