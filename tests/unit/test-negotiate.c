/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../../protocol/negotiate.h"
#include "../lib/test.h"

#define S(x) x, strlen(x)

/* An encoder like x264/VAAPI on a desktop: 1080p60, CBP+CHP, level 4.2. */
static const struct wfd_source_limits src_default = {
        .encoder_max_width = 1920,
        .encoder_max_height = 1080,
        .encoder_max_fps = 60,
        .encoder_profiles = WFD_PROFILE_CBP | WFD_PROFILE_CHP,
        .encoder_max_level_idc = 42,
};

static void caps(const char *body, struct wfd_sink_caps *ret)
{
        assert_int_eq(wfd_sink_caps_parse(body, strlen(body), ret), 0);
}

static void assert_mode(const struct wfd_usable_mode *u, enum wfd_mode_table t, unsigned bit)
{
        char a[32];

        if (u->mode->table != t || u->mode->bit != bit) {
                wfd_mode_format(u->mode, a, sizeof(a));
                test_fail(__FILE__, __LINE__, "picked %s bit %u (%s), wanted %s bit %u",
                          wfd_mode_table_to_string(u->mode->table), u->mode->bit, a, wfd_mode_table_to_string(t), bit);
        }
}

#define LG_BODY                                                                                          \
        "wfd_audio_codecs: LPCM 00000003 00, AAC 00000001 00\r\n"                                        \
        "wfd_video_formats: 40 00 01 10 000194FF 155575DF 00000555 00 0000 0000 1F none none, "           \
        "02 10 000194FF 155575DF 00000555 00 0000 0000 1F none none\r\n"                                 \
        "wfd_client_rtp_ports: RTP/AVP/UDP;unicast 53000 0 mode=play\r\n"

/* CBP only, 3.2: 640x480p60 (0), 1280x720p30 (5), 1280x720p60 (6), 1080p30 (7), 1080i60 (9) */
#define SMALL_BODY(native, cea, vesa)                                                                    \
        "wfd_video_formats: " native " 00 01 02 " cea " " vesa " 00000000 00 0000 0000 00 none none\r\n"

TEST(neg_native_outside_bitmap, "/negotiate/native mode outside the bitmap is ignored (LG): largest progressive") {
        struct wfd_sink_caps c;
        struct wfd_negotiation n;

        caps(LG_BODY, &c);
        assert_int_eq(wfd_negotiate(&c, &src_default, NULL, &n), 0);
        assert_mode(&n.video, WFD_MODE_TABLE_CEA, 7);
        assert_int_eq(n.video.profile, WFD_PROFILE_CHP);
        assert_int_eq(n.video.level_idc, 42);
        assert_false(n.fallback);
        assert_false(n.wfdx);
        wfd_sink_caps_clear(&c);
}

TEST(neg_native_preferred, "/negotiate/native mode wins when eligible, even over a larger one") {
        struct wfd_sink_caps c;
        struct wfd_negotiation n;

        /* native 0x28 = CEA 5 (720p30); bitmap has 0, 5, 7 at level 4 CBP */
        caps("wfd_video_formats: 28 00 01 04 000000A1 00000000 00000000 00 0000 0000 00 none none\r\n", &c);
        assert_int_eq(wfd_negotiate(&c, &src_default, NULL, &n), 0);
        assert_mode(&n.video, WFD_MODE_TABLE_CEA, 5);
        assert_mode(&n.usable_modes[1], WFD_MODE_TABLE_CEA, 7);
        assert_mode(&n.usable_modes[2], WFD_MODE_TABLE_CEA, 0);
        assert_int_eq(n.n_usable_modes, 3);
        wfd_sink_caps_clear(&c);
}

TEST(neg_area_then_fps, "/negotiate/largest area first, then fps") {
        struct wfd_sink_caps c;
        struct wfd_negotiation n;

        /* CEA 5 720p30, 6 720p60, 10 720p25, 15 720p24; VESA 2 1024x768p30; level 3.2 */
        caps(SMALL_BODY("00", "00008460", "00000004"), &c);
        assert_int_eq(wfd_negotiate(&c, &src_default, NULL, &n), 0);
        assert_mode(&n.usable_modes[0], WFD_MODE_TABLE_CEA, 6);
        assert_mode(&n.usable_modes[1], WFD_MODE_TABLE_CEA, 5);
        assert_mode(&n.usable_modes[2], WFD_MODE_TABLE_CEA, 10);
        assert_mode(&n.usable_modes[3], WFD_MODE_TABLE_CEA, 15);
        assert_mode(&n.usable_modes[4], WFD_MODE_TABLE_VESA, 2);
        wfd_sink_caps_clear(&c);
}

TEST(neg_never_interlaced, "/negotiate/interlaced modes are never picked") {
        struct wfd_sink_caps c;
        struct wfd_negotiation n;

        /* only 1080i60 (9), 1080i50 (14) and 480p (1), at a level (4.2) every one of them fits */
        caps(SMALL_BODY("48", "00004202", "00000000"), &c);
        c.video_formats.codecs[0].level = WFD_LEVEL_4_2;
        assert_true(wfd_level_fits(42, 1920, 1080, 60, true));
        assert_int_eq(wfd_negotiate(&c, &src_default, NULL, &n), 0);
        assert_int_eq(n.n_usable_modes, 1);
        assert_mode(&n.video, WFD_MODE_TABLE_CEA, 1);
        wfd_sink_caps_clear(&c);
}

TEST(neg_never_vesa29, "/negotiate/VESA bit 29 of plain wfd_video_formats and out-of-table bits are ignored") {
        struct wfd_sink_caps c;
        struct wfd_negotiation n;
        const struct wfd_source_limits big = { .encoder_profiles = WFD_PROFILE_CBP, .encoder_max_level_idc = 52 };

        /* VESA 0x3FFFFFFF: bits 0-29; level 4.2 CBP. 1920x1200 (28) needs level 5: not eligible.
         * CEA bits 17+ are reserved in plain wfd_video_formats. */
        caps("wfd_video_formats: 00 00 01 10 FFFE0000 3FFFFFFF 00000000 00 0000 0000 00 none none\r\n", &c);
        assert_int_eq(wfd_negotiate(&c, &big, NULL, &n), 0);
        for (size_t i = 0; i < n.n_usable_modes; i++) {
                assert_false(n.usable_modes[i].mode->avoid);
                assert_false(n.usable_modes[i].mode->table == WFD_MODE_TABLE_VESA && n.usable_modes[i].mode->bit >= 28);
                assert_false(n.usable_modes[i].mode->table == WFD_MODE_TABLE_CEA);
        }
        /* 1600x1200p60 (23) is the largest that fits 4.2 */
        assert_mode(&n.video, WFD_MODE_TABLE_VESA, 23);
        assert_int_eq(n.video.level_idc, 42);
        wfd_sink_caps_clear(&c);
}

TEST(neg_over_level, "/negotiate/modes above the sink's level are not eligible (Samsung: 1366x768p60 at 4.0)") {
        struct wfd_sink_caps c;
        struct wfd_negotiation n;

        /* VESA 12 1366x768p30 and 13 1366x768p60 at level 4.0 */
        caps(SMALL_BODY("00", "00000000", "00003000"), &c);
        c.video_formats.codecs[0].level = WFD_LEVEL_4;
        assert_int_eq(wfd_negotiate(&c, &src_default, NULL, &n), 0);
        assert_int_eq(n.n_usable_modes, 1);
        assert_mode(&n.video, WFD_MODE_TABLE_VESA, 12);
        assert_int_eq(n.video.level_idc, 40);
        wfd_sink_caps_clear(&c);
}

TEST(neg_encoder_level, "/negotiate/level = min(sink, encoder); the mode must fit it") {
        struct wfd_sink_caps c;
        struct wfd_negotiation n;
        struct wfd_source_limits src = src_default;

        caps(LG_BODY, &c);
        src.encoder_max_level_idc = 32;
        assert_int_eq(wfd_negotiate(&c, &src, NULL, &n), 0);
        assert_int_eq(n.video.level_idc, 32);
        /* 1080p30 needs 4: the best at 3.2 is 1280x1024p30 */
        assert_mode(&n.video, WFD_MODE_TABLE_VESA, 14);
        for (size_t i = 0; i < n.n_usable_modes; i++)
                assert_true(wfd_level_fits(n.usable_modes[i].level_idc, n.usable_modes[i].mode->width,
                                           n.usable_modes[i].mode->height, n.usable_modes[i].mode->fps, false));
        wfd_sink_caps_clear(&c);
}

TEST(neg_profile, "/negotiate/CHP only when the sink lists the mode under CHP and the encoder can") {
        struct wfd_sink_caps c;
        struct wfd_negotiation n;
        struct wfd_source_limits src = src_default;

        /* CHP entry lists only 720p30; CBP entry lists 720p30 and 1080p30 */
        caps("wfd_video_formats: 00 00 02 04 00000020 00000000 00000000 00 0000 0000 00 none none, "
             "01 04 000000A0 00000000 00000000 00 0000 0000 00 none none\r\n", &c);
        assert_int_eq(wfd_negotiate(&c, &src, NULL, &n), 0);
        assert_mode(&n.video, WFD_MODE_TABLE_CEA, 7);
        assert_int_eq(n.video.profile, WFD_PROFILE_CBP);
        assert_mode(&n.usable_modes[1], WFD_MODE_TABLE_CEA, 5);
        assert_int_eq(n.usable_modes[1].profile, WFD_PROFILE_CHP);
        /* an encoder without CHP gets CBP for every mode */
        src.encoder_profiles = WFD_PROFILE_CBP;
        assert_int_eq(wfd_negotiate(&c, &src, NULL, &n), 0);
        assert_int_eq(n.usable_modes[1].profile, WFD_PROFILE_CBP);
        wfd_sink_caps_clear(&c);
}

TEST(neg_source_limits, "/negotiate/encoder and configured maxima remove modes") {
        struct wfd_sink_caps c;
        struct wfd_negotiation n;
        struct wfd_source_limits src = src_default;

        caps(LG_BODY, &c);
        src.max_width = 1280;
        src.max_height = 720;
        assert_int_eq(wfd_negotiate(&c, &src, NULL, &n), 0);
        assert_mode(&n.video, WFD_MODE_TABLE_CEA, 6);
        src.max_fps = 30;
        assert_int_eq(wfd_negotiate(&c, &src, NULL, &n), 0);
        assert_mode(&n.video, WFD_MODE_TABLE_CEA, 5);
        for (size_t i = 0; i < n.n_usable_modes; i++) {
                assert_int_le(n.usable_modes[i].mode->width, 1280);
                assert_int_le(n.usable_modes[i].mode->fps, 30);
        }
        wfd_sink_caps_clear(&c);
}

TEST(neg_aspect_hint, "/negotiate/framebuffer aspect hint prefers matching modes over larger ones") {
        struct wfd_sink_caps c;
        struct wfd_negotiation n;
        struct wfd_source_limits src = src_default;

        caps(LG_BODY, &c);
        src.aspect_width = 16;
        src.aspect_height = 10;
        assert_int_eq(wfd_negotiate(&c, &src, NULL, &n), 0);
        /* 16:10 in LG's list: 1680x1050p30 (VESA 26), 1440x900p30, 1280x800p30 */
        assert_mode(&n.video, WFD_MODE_TABLE_VESA, 26);
        wfd_sink_caps_clear(&c);
}

TEST(neg_fallback, "/negotiate/no video formats or nothing eligible: CEA 0 CBP 3.1") {
        struct wfd_sink_caps c;
        struct wfd_negotiation n;

        caps("wfd_audio_codecs: LPCM 00000002 00\r\n", &c);
        assert_int_eq(wfd_negotiate(&c, &src_default, NULL, &n), 0);
        assert_true(n.fallback);
        assert_mode(&n.video, WFD_MODE_TABLE_CEA, 0);
        assert_int_eq(n.video.profile, WFD_PROFILE_CBP);
        assert_int_eq(n.video.level_idc, 31);
        /* the model applies to the fallback too: 640x480p60 needs 1843200 bit/s */
        struct wfd_connection_stats st = { .suggested_bitrate_bps = 1843200 };
        assert_int_eq(wfd_negotiate(&c, &src_default, &st, &n), 0);
        assert_true(n.fallback);
        st.suggested_bitrate_bps = 1843199;
        assert_int_eq(wfd_negotiate(&c, &src_default, &st, &n), -ENOSR);
        wfd_sink_caps_clear(&c);

        /* only a mode the encoder cannot do */
        caps(SMALL_BODY("00", "00000100", "00000000"), &c);
        c.video_formats.codecs[0].level = WFD_LEVEL_4_2;
        struct wfd_source_limits src = src_default;
        src.encoder_max_fps = 30;
        assert_int_eq(wfd_negotiate(&c, &src, NULL, &n), 0);
        assert_true(n.fallback);
        assert_int_eq(n.n_usable_modes, 1);
        wfd_sink_caps_clear(&c);
}

TEST(neg_video_none, "/negotiate/wfd_video_formats: none is -ENOTSUP") {
        struct wfd_sink_caps c;
        struct wfd_negotiation n = { .target_bitrate_bps = 7 };

        caps("wfd_video_formats: none\r\nwfd_audio_codecs: AAC 00000001 00\r\n", &c);
        assert_int_eq(wfd_negotiate(&c, &src_default, NULL, &n), -ENOTSUP);
        assert_int_eq(n.target_bitrate_bps, 7);
        assert_str_eq(wfd_negotiate_error_to_string(-ENOTSUP), "SINK_HAS_NO_VIDEO");
        wfd_sink_caps_clear(&c);
}

TEST(neg_bandwidth_reduced, "/negotiate/bit-rate model removes modes and sets reduced_mode_list_due_to_bandwidth") {
        struct wfd_sink_caps c;
        struct wfd_negotiation n;
        struct wfd_connection_stats st = { .suggested_bitrate_bps = 4000000 };

        caps(LG_BODY, &c);
        assert_int_eq(wfd_negotiate(&c, &src_default, NULL, &n), 0);
        assert_false(n.info.reduced_mode_list_due_to_bandwidth);
        size_t all = n.n_usable_modes;

        assert_int_eq(wfd_negotiate(&c, &src_default, &st, &n), 0);
        assert_true(n.info.reduced_mode_list_due_to_bandwidth);
        assert_int_le(n.n_usable_modes, all - 1);
        for (size_t i = 0; i < n.n_usable_modes; i++)
                assert_int_le(n.usable_modes[i].needed_bps, 4000000);
        /* 1280x1024p30 = 3.93 Mbit/s fits, 1280x720p60 = 5.5 does not */
        assert_mode(&n.video, WFD_MODE_TABLE_VESA, 14);
        for (size_t i = 0; i < n.n_usable_modes; i++)
                assert_false(n.usable_modes[i].mode->table == WFD_MODE_TABLE_CEA && n.usable_modes[i].mode->bit == 6);
        assert_int_le(n.target_bitrate_bps, 4000000);
        assert_int_eq(n.available_bps, 4000000);

        /* plenty of bandwidth: nothing removed */
        st.suggested_bitrate_bps = 100000000;
        assert_int_eq(wfd_negotiate(&c, &src_default, &st, &n), 0);
        assert_false(n.info.reduced_mode_list_due_to_bandwidth);
        assert_int_eq(n.n_usable_modes, all);
        wfd_sink_caps_clear(&c);
}

TEST(neg_insufficient_resources, "/negotiate/INSUFFICIENT_RESOURCES when even the lowest >=1024x768 mode does not fit") {
        struct wfd_sink_caps c;
        struct wfd_negotiation n = { .target_bitrate_bps = 7 };
        struct wfd_connection_stats st = {};

        caps(LG_BODY, &c);
        /* LG's cheapest mode with >= 1024x768 pixels: 1280x720p24 = 2211840 bit/s */
        st.suggested_bitrate_bps = 2211840;
        assert_int_eq(wfd_negotiate(&c, &src_default, &st, &n), 0);
        assert_mode(&n.video, WFD_MODE_TABLE_CEA, 15);
        assert_true(n.info.reduced_mode_list_due_to_bandwidth);
        st.suggested_bitrate_bps = 2211839;
        n.target_bitrate_bps = 7;
        assert_int_eq(wfd_negotiate(&c, &src_default, &st, &n), -ENOSR);
        assert_int_eq(n.target_bitrate_bps, 7);
        assert_int_eq(WFD_NEGOTIATE_INSUFFICIENT_RESOURCES, -ENOSR);
        assert_str_eq(wfd_negotiate_error_to_string(WFD_NEGOTIATE_INSUFFICIENT_RESOURCES), "INSUFFICIENT_RESOURCES");
        /* the smallest known link rate counts: local/remote maxima too */
        st = (struct wfd_connection_stats) { .suggested_bitrate_bps = 50000000, .remote_max_bitrate_bps = 1000000 };
        assert_int_eq(wfd_negotiate(&c, &src_default, &st, &n), -ENOSR);
        st = (struct wfd_connection_stats) { .local_max_bitrate_bps = 1000000 };
        assert_int_eq(wfd_negotiate(&c, &src_default, &st, &n), -ENOSR);
        wfd_sink_caps_clear(&c);
}

TEST(neg_insufficient_small_sink, "/negotiate/a sink without >=1024x768 modes fails only when nothing fits") {
        struct wfd_sink_caps c;
        struct wfd_negotiation n;
        struct wfd_connection_stats st = { .suggested_bitrate_bps = 2000000 };

        /* 640x480p60 (1.84 Mbit/s) and 720x480p60 (2.07 Mbit/s) */
        caps(SMALL_BODY("00", "00000003", "00000000"), &c);
        assert_int_eq(wfd_negotiate(&c, &src_default, &st, &n), 0);
        assert_mode(&n.video, WFD_MODE_TABLE_CEA, 0);
        assert_true(n.info.reduced_mode_list_due_to_bandwidth);
        st.suggested_bitrate_bps = 1000000;
        assert_int_eq(wfd_negotiate(&c, &src_default, &st, &n), -ENOSR);
        wfd_sink_caps_clear(&c);
}

TEST(neg_target_bitrate, "/negotiate/target bit rate: model when unknown, capped by link, config and level") {
        struct wfd_sink_caps c;
        struct wfd_negotiation n;
        struct wfd_source_limits src = src_default;
        struct wfd_connection_stats st = { .suggested_bitrate_bps = 10000000 };

        caps(LG_BODY, &c);
        assert_int_eq(wfd_negotiate(&c, &src, NULL, &n), 0);
        assert_int_eq(n.video.needed_bps, 1920ull * 1080 * 30 / 10);
        assert_int_eq(n.target_bitrate_bps, n.video.needed_bps);
        assert_int_eq(wfd_negotiate(&c, &src, &st, &n), 0);
        assert_int_eq(n.target_bitrate_bps, 10000000);
        st.suggested_bitrate_bps = 100000000;
        assert_int_eq(wfd_negotiate(&c, &src, &st, &n), 0);
        assert_int_eq(n.target_bitrate_bps, 2 * n.video.needed_bps);
        src.max_bitrate_bps = 5000000;
        assert_int_eq(wfd_negotiate(&c, &src, &st, &n), 0);
        assert_int_eq(n.target_bitrate_bps, 5000000);
        wfd_sink_caps_clear(&c);

        /* a sink's microsoft_max_bitrate caps the target (the source MUST stay at or below it) */
        caps(LG_BODY "microsoft_max_bitrate: 3000000\r\n", &c);
        assert_int_eq(wfd_negotiate(&c, &src_default, NULL, &n), 0);
        assert_int_eq(n.target_bitrate_bps, 3000000);
        assert_false(n.info.reduced_mode_list_due_to_bandwidth);
        wfd_sink_caps_clear(&c);
}

TEST(neg_audio, "/negotiate/audio: AAC, LPCM for prefer-LPCM sinks, LPCM when unanswered, none") {
        struct wfd_sink_caps c;
        struct wfd_negotiation n;
        struct wfd_source_limits src = src_default;

        caps(LG_BODY, &c);
        assert_int_eq(wfd_negotiate(&c, &src, NULL, &n), 0);
        assert_true(n.audio);
        assert_int_eq(n.audio_codec.format, WFD_AUDIO_FORMAT_AAC);
        assert_int_eq(n.audio_codec.modes, WFD_AUDIO_AAC_48K_2CH);
        assert_int_eq(n.audio_rate_hz, 48000);
        assert_int_eq(n.audio_channels, 2);
        src.prefer_lpcm = true;
        assert_int_eq(wfd_negotiate(&c, &src, NULL, &n), 0);
        assert_int_eq(n.audio_codec.format, WFD_AUDIO_FORMAT_LPCM);
        assert_int_eq(n.audio_codec.modes, WFD_AUDIO_LPCM_48K_2CH);
        src.no_audio = true;
        assert_int_eq(wfd_negotiate(&c, &src, NULL, &n), 0);
        assert_false(n.audio);
        wfd_sink_caps_clear(&c);

        caps(SMALL_BODY("00", "00000001", "00000000"), &c);
        assert_int_eq(wfd_negotiate(&c, &src_default, NULL, &n), 0);
        assert_true(n.audio);
        assert_int_eq(n.audio_codec.format, WFD_AUDIO_FORMAT_LPCM);
        wfd_sink_caps_clear(&c);

        caps("wfd_audio_codecs: none\r\n", &c);
        assert_int_eq(wfd_negotiate(&c, &src_default, NULL, &n), 0);
        assert_false(n.audio);
        wfd_sink_caps_clear(&c);

        /* only LPCM 44.1 and AC3: nothing we send */
        caps("wfd_audio_codecs: LPCM 00000001 00, AC3 00000001 00\r\n", &c);
        assert_int_eq(wfd_negotiate(&c, &src_default, NULL, &n), 0);
        assert_false(n.audio);
        wfd_sink_caps_clear(&c);

        /* prefer-LPCM sink that has only AAC still gets audio */
        caps("wfd_audio_codecs: AAC 00000003 00\r\n", &c);
        src = src_default;
        src.prefer_lpcm = true;
        assert_int_eq(wfd_negotiate(&c, &src, NULL, &n), 0);
        assert_int_eq(n.audio_codec.format, WFD_AUDIO_FORMAT_AAC);
        assert_int_eq(n.audio_codec.modes, 1);
        wfd_sink_caps_clear(&c);
}

TEST(neg_monitor_connected, "/negotiate/monitor_connected rule: EDID, connector type, edid none, video offered") {
        struct wfd_sink_caps c;

        char body[512];
        int len = sprintf(body, "wfd_display_edid: 0001 00ffffffffffff00");
        for (int i = 8; i < 128; i++)
                len += sprintf(body + len, "00");
        sprintf(body + len, "\r\nwfd_connector_type: none\r\n");
        caps(body, &c);
        assert_true(c.has_display_edid);
        assert_true(wfd_negotiate_monitor_connected(&c));
        wfd_sink_caps_clear(&c);

        caps("wfd_display_edid: none\r\nwfd_connector_type: 05\r\n", &c);
        assert_true(wfd_negotiate_monitor_connected(&c));
        wfd_sink_caps_clear(&c);

        caps("wfd_connector_type: none\r\n" SMALL_BODY("00", "00000001", "00000000"), &c);
        assert_false(wfd_negotiate_monitor_connected(&c));
        wfd_sink_caps_clear(&c);

        /* 254 = "no connector" */
        caps("wfd_connector_type: FE\r\n" SMALL_BODY("00", "00000001", "00000000"), &c);
        assert_false(wfd_negotiate_monitor_connected(&c));
        wfd_sink_caps_clear(&c);
        caps("wfd_connector_type: ff\r\n", &c);
        assert_true(wfd_negotiate_monitor_connected(&c));
        wfd_sink_caps_clear(&c);

        caps("wfd_display_edid: none\r\n" SMALL_BODY("00", "00000001", "00000000"), &c);
        assert_false(wfd_negotiate_monitor_connected(&c));
        wfd_sink_caps_clear(&c);

        caps(LG_BODY, &c);
        assert_true(wfd_negotiate_monitor_connected(&c));
        struct wfd_negotiation n;
        assert_int_eq(wfd_negotiate(&c, &src_default, NULL, &n), 0);
        assert_true(n.info.monitor_connected);
        wfd_sink_caps_clear(&c);

        caps("wfd_audio_codecs: none\r\n", &c);
        assert_false(wfd_negotiate_monitor_connected(&c));
        wfd_sink_caps_clear(&c);
}

TEST(neg_wfdx, "/negotiate/wfdx_video_formats replaces wfd_video_formats; 4K needs level 5.1") {
        struct wfd_sink_caps c;
        struct wfd_negotiation n;
        struct wfd_source_limits src = { .encoder_profiles = WFD_PROFILE_CBP | WFD_PROFILE_CHP, .encoder_max_level_idc = 51 };
        char body[512];

        caps("wfd_video_formats: 00 00 01 10 000001ff 00000000 00000000 00 0000 0000 00 none none\r\n"
             "wfdx_video_formats: 0000 00 0001 0040 0000020080 0000000000 00000000 00 0000 0000 11 none none\r\n", &c);
        assert_int_eq(wfd_negotiate(&c, &src, NULL, &n), 0);
        assert_true(n.wfdx);
        assert_mode(&n.video, WFD_MODE_TABLE_CEA, 17); /* 3840x2160p30 */
        assert_int_eq(n.video.level_idc, 51);
        assert_int_ge(wfd_negotiation_m4_body(&n, &(struct wfd_presentation_url) { .url0 = "rtsp://h/wfd1.0/streamid=0" },
                                              NULL, body, sizeof(body)), 0);
        assert_non_null(strstr(body, "wfdx_video_formats: 0000 00 0001 0040 0000020000 0000000000 00000000 00 0000 0000 01 none none\r\n"));
        assert_null(strstr(body, "wfd_video_formats"));
        /* an R1-only encoder ignores wfdx */
        src.no_wfdx = true;
        assert_int_eq(wfd_negotiate(&c, &src, NULL, &n), 0);
        assert_false(n.wfdx);
        assert_mode(&n.video, WFD_MODE_TABLE_CEA, 8);
        wfd_sink_caps_clear(&c);
}

TEST(neg_m4_body, "/negotiate/M4 body: one codec, one profile/level/resolution bit, audio, URL, ports echoed") {
        struct wfd_sink_caps c;
        struct wfd_negotiation n;
        struct wfd_presentation_url url;
        char body[1024];
        int len;

        caps(LG_BODY, &c);
        assert_int_eq(wfd_negotiate(&c, &src_default, NULL, &n), 0);
        assert_int_eq(wfd_presentation_url_make("192.168.49.1", 0, &url), 0);
        len = wfd_negotiation_m4_body(&n, &url, &c.client_rtp_ports, body, sizeof(body));
        assert_int_ge(len, 0);
        assert_int_eq(len, strlen(body));
        assert_str_eq(body,
                      "wfd_video_formats: 00 00 02 10 00000080 00000000 00000000 00 0000 0000 0F none none\r\n"
                      "wfd_audio_codecs: AAC 00000001 00\r\n"
                      "wfd_presentation_URL: rtsp://192.168.49.1/wfd1.0/streamid=0 none\r\n"
                      "wfd_client_rtp_ports: RTP/AVP/UDP;unicast 53000 0 mode=play\r\n");
        assert_int_eq(wfd_negotiation_m4_body(&n, &url, &c.client_rtp_ports, body, 40), -ENOBUFS);
        wfd_sink_caps_clear(&c);

        /* no audio, default ports */
        caps(SMALL_BODY("00", "00000001", "00000000") "wfd_audio_codecs: none\r\n", &c);
        assert_int_eq(wfd_negotiate(&c, &src_default, NULL, &n), 0);
        assert_int_ge(wfd_negotiation_m4_body(&n, &url, NULL, body, sizeof(body)), 0);
        assert_str_eq(body,
                      "wfd_video_formats: 00 00 01 02 00000001 00000000 00000000 00 0000 0000 00 none none\r\n"
                      "wfd_presentation_URL: rtsp://192.168.49.1/wfd1.0/streamid=0 none\r\n"
                      "wfd_client_rtp_ports: RTP/AVP/UDP;unicast 19000 0 mode=play\r\n");
        wfd_sink_caps_clear(&c);
}

TEST(neg_format_change, "/negotiate/format change body carries wfd_av_format_change_timing") {
        struct wfd_sink_caps c;
        struct wfd_negotiation n;
        struct wfd_av_format_change_timing t = { .pts = 0xbb800, .dts = 0x5dc00 };
        char body[512];

        caps(LG_BODY, &c);
        assert_int_eq(wfd_negotiate(&c, &src_default, NULL, &n), 0);
        assert_int_ge(n.n_usable_modes, 2);
        assert_int_ge(wfd_negotiation_format_change_body(&n, &n.usable_modes[1], &t, body, sizeof(body)), 0);
        assert_non_null(strstr(body, "wfd_av_format_change_timing: 00000bb800 000005dc00\r\n"));
        assert_non_null(strstr(body, "wfd_audio_codecs: AAC 00000001 00\r\n"));
        /* parse back: exactly one resolution bit */
        struct wfd_param_list l;
        struct wfd_video_formats v;
        const struct wfd_param *p;
        assert_int_eq(wfd_params_parse_body(body, strlen(body), &l), 0);
        p = wfd_params_find(&l, "wfd_video_formats");
        assert_int_eq(wfd_video_formats_parse(p->value, p->value_len, false, &v), 0);
        assert_int_eq(__builtin_popcountll(v.codecs[0].cea) + __builtin_popcountll(v.codecs[0].vesa) +
                      __builtin_popcountll(v.codecs[0].hh), 1);
        wfd_sink_caps_clear(&c);
}

TEST(neg_mode_for_bitrate, "/negotiate/format change on a slower link: the preferred usable mode that fits") {
        struct wfd_sink_caps c;
        struct wfd_negotiation n;
        const struct wfd_usable_mode *u;

        caps(LG_BODY, &c);
        assert_int_eq(wfd_negotiate(&c, &src_default, NULL, &n), 0);
        u = wfd_negotiation_mode_for_bitrate(&n, 0);
        assert_true(u == &n.usable_modes[0]);
        u = wfd_negotiation_mode_for_bitrate(&n, 4000000);
        assert_non_null(u);
        assert_mode(u, WFD_MODE_TABLE_VESA, 14); /* 1280x1024p30, as a fresh negotiation at 4 Mbit/s */
        u = wfd_negotiation_mode_for_bitrate(&n, 100000);
        assert_null(u);
        assert_null(wfd_negotiation_mode_for_bitrate(NULL, 0));
        wfd_sink_caps_clear(&c);
}

TEST(neg_einval, "/negotiate/NULL arguments are -EINVAL") {
        struct wfd_sink_caps c = {};
        struct wfd_negotiation n;

        assert_int_eq(wfd_negotiate(NULL, &src_default, NULL, &n), -EINVAL);
        assert_int_eq(wfd_negotiate(&c, NULL, NULL, &n), -EINVAL);
        assert_int_eq(wfd_negotiate(&c, &src_default, NULL, NULL), -EINVAL);
        assert_str_eq(wfd_negotiate_error_to_string(0), "SUCCESS");
}
