/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../protocol/wfd_params.h"
#include "../lib/test.h"

#define S(x) x, strlen(x)

/* ---- body ---- */

TEST(params_body_names, "/params/body/GET_PARAMETER name list (M3 request)") {
        static const char body[] = "wfd_video_formats\r\nwfd_audio_codecs\r\nwfd_client_rtp_ports\r\n";
        struct wfd_param_list l;

        assert_int_eq(wfd_params_parse_body(S(body), &l), 0);
        assert_int_eq(l.n, 3);
        assert_true(wfd_param_is(&l.params[0], "wfd_video_formats"));
        assert_false(l.params[0].has_value);
        assert_null(l.params[0].value);
        assert_true(wfd_param_is(&l.params[2], "wfd_client_rtp_ports"));
        assert_int_eq(l.n_invalid, 0);
}

TEST(params_body_values, "/params/body/name: value lines, LF only, extra spaces, no final line end") {
        static const char body[] = "wfd_audio_codecs:   LPCM 00000002 00  \n"
                                   "\n"
                                   "wfd_presentation_URL:rtsp://1.2.3.4/wfd1.0/streamid=0 none\r\n"
                                   "wfd_idr_request\r\n"
                                   "intel_sink_version: product_ID=x hw_version=1";
        struct wfd_param_list l;
        const struct wfd_param *p;

        assert_int_eq(wfd_params_parse_body(S(body), &l), 0);
        assert_int_eq(l.n, 4);
        p = wfd_params_find(&l, "wfd_audio_codecs");
        assert_non_null(p);
        assert_true(p->has_value);
        assert_int_eq(p->value_len, strlen("LPCM 00000002 00"));
        assert_mem_eq(p->value, "LPCM 00000002 00", p->value_len);
        p = wfd_params_find(&l, "wfd_presentation_URL");
        assert_mem_eq(p->value, "rtsp://1.2.3.4/wfd1.0/streamid=0 none", p->value_len);
        p = wfd_params_find(&l, "wfd_idr_request");
        assert_false(p->has_value);
        p = wfd_params_find(&l, "intel_sink_version");
        assert_mem_eq(p->value, "product_ID=x hw_version=1", p->value_len);
        assert_null(wfd_params_find(&l, "WFD_AUDIO_CODECS"));
}

TEST(params_body_invalid_lines, "/params/body/malformed lines are skipped and counted, not fatal") {
        static const char body[] = ": novalue\r\nbad name: x\r\nok: 1\r\nctl\x01: y\r\nv: a\x02" "b\r\n";
        struct wfd_param_list l;

        assert_int_eq(wfd_params_parse_body(S(body), &l), 0);
        assert_int_eq(l.n, 1);
        assert_true(wfd_param_is(&l.params[0], "ok"));
        assert_int_eq(l.n_invalid, 4);
}

TEST(params_body_limits, "/params/body/WFD_MAX_PARAMS and WFD_MAX_BODY") {
        char body[WFD_MAX_PARAMS * 8 + 16];
        struct wfd_param_list l = { .n = 99 };
        size_t len = 0;

        for (int i = 0; i < WFD_MAX_PARAMS; i++)
                len += (size_t) sprintf(body + len, "p%d\n", i);
        assert_int_eq(wfd_params_parse_body(body, len, &l), 0);
        assert_int_eq(l.n, WFD_MAX_PARAMS);
        len += (size_t) sprintf(body + len, "one_more\n");
        l.n = 99;
        assert_int_eq(wfd_params_parse_body(body, len, &l), -E2BIG);
        assert_int_eq(l.n, 99); /* untouched on failure */
        assert_int_eq(wfd_params_parse_body(body, WFD_MAX_BODY + 1, &l), -E2BIG);
        assert_int_eq(wfd_params_parse_body(NULL, 3, &l), -EINVAL);
        assert_int_eq(wfd_params_parse_body(NULL, 0, &l), 0);
        assert_int_eq(l.n, 0);
}

TEST(params_body_guard_page, "/params/body/input ending at an inaccessible page is not over-read") {
        long pg = sysconf(_SC_PAGESIZE);
        char *map = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        static const char body[] = "wfd_video_formats: 00 00 01 01 00000001 00000000 00000000 00 0000 0000 00 none none";
        struct wfd_video_formats v;
        struct wfd_param_list l;
        char *start;

        assert_true(map != MAP_FAILED);
        assert_int_eq(mprotect(map + pg, pg, PROT_NONE), 0);
        start = map + pg - strlen(body);
        memcpy(start, body, strlen(body));
        assert_int_eq(wfd_params_parse_body(start, strlen(body), &l), 0);
        assert_int_eq(l.n, 1);
        assert_int_eq(wfd_video_formats_parse(l.params[0].value, l.params[0].value_len, false, &v), 0);
        assert_int_eq(v.codecs[0].cea, 1);
        /* a value cut in the middle of a token, right at the page end */
        assert_int_eq(wfd_video_formats_parse(start + 19, strlen(body) - 19 - 10, false, &v), 0);
        assert_false(v.codecs[0].has_max_vres);
        munmap(map, 2 * pg);
}

TEST(params_writer, "/params/writer/name lines, value lines, sticky -ENOBUFS") {
        char buf[64];
        struct wfd_params_writer w;

        wfd_params_writer_init(&w, buf, sizeof(buf));
        assert_int_eq(wfd_params_write_name(&w, "wfd_video_formats"), 0);
        assert_int_eq(wfd_params_write(&w, "wfd_trigger_method", "SETUP"), 0);
        assert_int_eq(wfd_params_writef(&w, "x", "%d", 5), 0);
        assert_str_eq(buf, "wfd_video_formats\r\nwfd_trigger_method: SETUP\r\nx: 5\r\n");
        assert_int_eq(w.len, strlen(buf));
        assert_int_eq(wfd_params_write(&w, "wfd_presentation_URL", "rtsp://a.very.long.host/wfd1.0"), -ENOBUFS);
        assert_int_eq(w.error, -ENOBUFS);
        assert_str_eq(buf, "wfd_video_formats\r\nwfd_trigger_method: SETUP\r\nx: 5\r\n");
        assert_int_eq(wfd_params_write_name(&w, "y"), -ENOBUFS);
        assert_int_eq(w.len, strlen(buf));
}

TEST(params_ids, "/params/names: every known id round-trips, vendor names are unknown") {
        for (int i = 0; i < _WFD_PARAM_MAX; i++) {
                const char *n = wfd_param_id_to_string(i);
                assert_non_null(n);
                assert_int_eq(wfd_param_id_from_string(n, strlen(n)), i);
        }
        assert_int_eq(wfd_param_id_from_string(S("wfd_presentation_url")), _WFD_PARAM_UNKNOWN);
        assert_int_eq(wfd_param_id_from_string(S("intel_friendly_name")), _WFD_PARAM_UNKNOWN);
        assert_str_eq(wfd_param_id_to_string(WFD_PARAM_I2C), "wfd_I2C");
        assert_null(wfd_param_id_to_string(_WFD_PARAM_MAX));
}

/* ---- wfd_video_formats ---- */

TEST(params_video_samsung, "/params/wfd_video_formats/Samsung 2014: two codec entries, all fields") {
        static const char v[] = "40 00 02 04 0001DEFF 053C7FFF 00000FFF 00 0000 0000 11 none none, "
                                "01 04 0001DEFF 053C7FFF 00000FFF 00 0000 0000 11 none none";
        struct wfd_video_formats f;
        char out[512];

        assert_int_eq(wfd_video_formats_parse(S(v), false, &f), 0);
        assert_false(f.none);
        assert_int_eq(f.native, 0x40);
        assert_int_eq(f.preferred_display_mode, 0);
        assert_int_eq(f.n_codecs, 2);
        assert_int_eq(f.codecs[0].profile, WFD_PROFILE_CHP);
        assert_int_eq(f.codecs[0].level, WFD_LEVEL_4);
        assert_int_eq(f.codecs[0].cea, 0x1DEFF);
        assert_int_eq(f.codecs[0].vesa, 0x053C7FFF);
        assert_int_eq(f.codecs[0].hh, 0xFFF);
        assert_int_eq(f.codecs[0].frame_rate_control, 0x11);
        assert_false(f.codecs[0].has_max_hres);
        assert_int_eq(f.codecs[1].profile, WFD_PROFILE_CBP);
        assert_int_eq(wfd_video_formats_format(&f, out, sizeof(out)), strlen(v));
        assert_str_eq(out, v);
}

TEST(params_video_windows, "/params/wfd_video_formats/Windows 10 sink: lowercase hex, latency, slice-enc, max-res") {
        static const char v[] = "40 00 01 10 0001bdeb 051557ff 00000fff 10 0000 001f 11 0780 0438, "
                                "02 10 0001bdeb 155557ff 00000fff 10 0000 001f 11 0780 0438";
        struct wfd_video_formats f;
        char out[512];

        assert_int_eq(wfd_video_formats_parse(S(v), false, &f), 0);
        assert_int_eq(f.n_codecs, 2);
        assert_int_eq(f.codecs[0].latency, 0x10);
        assert_int_eq(f.codecs[0].slice_enc_params, 0x1f);
        assert_true(f.codecs[0].has_max_hres);
        assert_int_eq(f.codecs[0].max_hres, 1920);
        assert_int_eq(f.codecs[0].max_vres, 1080);
        assert_int_eq(f.codecs[1].vesa, 0x155557ff);
        assert_int_ge(wfd_video_formats_format(&f, out, sizeof(out)), 0);
        assert_str_eq(out, "40 00 01 10 0001BDEB 051557FF 00000FFF 10 0000 001F 11 0780 0438, "
                           "02 10 0001BDEB 155557FF 00000FFF 10 0000 001F 11 0780 0438");
}

TEST(params_video_sloppy, "/params/wfd_video_formats/odd spacing, tabs, no max-res, trailing comma") {
        struct wfd_video_formats f;

        assert_int_eq(wfd_video_formats_parse(S("  00  00 01\t01 00000001 00000000 00000000 00 0000 0000 00 ,"), false, &f), 0);
        assert_int_eq(f.n_codecs, 1);
        assert_int_eq(f.codecs[0].cea, 1);
        assert_false(f.codecs[0].has_max_hres);
        assert_int_eq(wfd_video_formats_parse(S("00 00 01 01 00000001 00000000 00000000 00 0000 0000 00 NONE None"), false, &f), 0);
        assert_false(f.codecs[0].has_max_vres);
}

TEST(params_video_commas, "/params/wfd_video_formats/entries split by a bare comma or spaced commas") {
        struct wfd_video_formats f;

        assert_int_eq(wfd_video_formats_parse(S("40 00 02 04 0001DEFF 053C7FFF 00000FFF 00 0000 0000 11 none none,"
                                                "01 04 0001deff 053c7fff 00000fff 00 0000 0000 11 none none"), false, &f), 0);
        assert_int_eq(f.n_codecs, 2);
        assert_int_eq(f.codecs[1].profile, WFD_PROFILE_CBP);
        assert_int_eq(f.codecs[1].vesa, 0x053C7FFF);
        assert_int_eq(wfd_video_formats_parse(S("40 00 02 04 0001DEFF 053C7FFF 00000FFF 00 0000 0000 11 0780 0438  ,  "
                                                "01 04 0001DEFF 053C7FFF 00000FFF 00 0000 0000 11 none none"), false, &f), 0);
        assert_int_eq(f.n_codecs, 2);
        assert_int_eq(f.codecs[0].max_vres, 0x438);
        /* an entry cut after frame-rate-control, followed by another entry */
        assert_int_eq(wfd_video_formats_parse(S("00 00 01 01 00000001 00000000 00000000 00 0000 0000 00, "
                                                "02 01 00000001 00000000 00000000 00 0000 0000 00 none none"), false, &f), 0);
        assert_int_eq(f.n_codecs, 2);
        assert_false(f.codecs[0].has_max_hres);
        /* but not one cut in the middle */
        assert_int_eq(wfd_video_formats_parse(S("00 00 01 01 00000001 00000000 00000000 00 0000"), false, &f), -EBADMSG);
        assert_int_eq(wfd_video_formats_parse(S("00 00 01 01 00000001 00000000 00000000 00 0000 0000 00 none"), false, &f), -EBADMSG);
}

TEST(params_video_none, "/params/wfd_video_formats/none") {
        struct wfd_video_formats f;
        char out[16];

        assert_int_eq(wfd_video_formats_parse(S(" none "), false, &f), 0);
        assert_true(f.none);
        assert_int_eq(f.n_codecs, 0);
        assert_int_eq(wfd_video_formats_format(&f, out, sizeof(out)), 4);
        assert_str_eq(out, "none");
}

TEST(params_video_bad, "/params/wfd_video_formats/garbage is -EBADMSG, too many codecs -E2BIG, ret untouched") {
        struct wfd_video_formats f = { .native = 0x77 };
        char big[2048];
        size_t len;

        assert_int_eq(wfd_video_formats_parse(S(""), false, &f), -EBADMSG);
        assert_int_eq(wfd_video_formats_parse(S("40 00"), false, &f), -EBADMSG);
        assert_int_eq(wfd_video_formats_parse(S("40 00 02 04 0001DEFG 053C7FFF 00000FFF 00 0000 0000 11 none none"), false, &f), -EBADMSG);
        assert_int_eq(wfd_video_formats_parse(S("40 00 02 04 0001DEFF 053C7FFF 00000FFF 00 0000 0000 11 none none x"), false, &f), -EBADMSG);
        assert_int_eq(wfd_video_formats_parse(S("400 00 02 04 0001DEFF 053C7FFF 00000FFF 00 0000 0000 11 none none"), false, &f), -EBADMSG);
        assert_int_eq(wfd_video_formats_parse(S("40 00 02 04 0001DEFF 053C7FFF 00000FFF 00 0000 0000 11 none none,, 01"), false, &f), -EBADMSG);
        assert_int_eq(wfd_video_formats_parse(S("40 00 02 04 00000000000000001 0 0 00 0000 0000 11 none none"), false, &f), -EBADMSG);
        len = (size_t) sprintf(big, "00 00");
        for (int i = 0; i < WFD_MAX_H264_CODECS + 1; i++)
                len += (size_t) sprintf(big + len, "%s01 01 00000001 00000000 00000000 00 0000 0000 00 none none",
                                        i ? ", " : " ");
        assert_int_eq(wfd_video_formats_parse(big, len, false, &f), -E2BIG);
        assert_int_eq(f.native, 0x77);
}

TEST(params_wfdx_video, "/params/wfdx_video_formats/[MS-WFDPE] example, 4-digit fields and 40-bit bitmaps") {
        static const char v[] = "0040 00 0001 0001 0000500001 0010000000 00000000 00 0000 0000 11 none none";
        struct wfd_video_formats f;
        char out[256];

        assert_int_eq(wfd_video_formats_parse(S(v), true, &f), 0);
        assert_true(f.wfdx);
        assert_int_eq(f.native, 0x40);
        assert_int_eq(f.codecs[0].profile, WFD_PROFILE_CBP);
        assert_int_eq(f.codecs[0].cea, 0x500001);   /* bits 0, 20, 22 */
        assert_int_eq(f.codecs[0].vesa, 0x10000000);
        assert_int_ge(wfd_video_formats_format(&f, out, sizeof(out)), 0);
        assert_str_eq(out, "0040 00 0001 0001 0000500001 0010000000 00000000 00 0000 0000 11 none none");
        assert_str_eq(wfd_video_formats_name(&f), "wfdx_video_formats");
        /* a 33-bit VESA bitmap (bit 32 = 2560x1600p60) */
        assert_int_eq(wfd_video_formats_parse(S("0000 00 0002 0040 0000000000 0100000000 00000000 00 0000 0000 00 none none"), true, &f), 0);
        assert_int_eq(f.codecs[0].vesa, 1ull << 32);
        assert_int_eq(f.codecs[0].level, WFD_LEVEL_5_1);
        /* such a bitmap cannot be written as plain wfd_video_formats */
        f.wfdx = false;
        f.native = 0;
        f.codecs[0].level = 1;
        assert_int_eq(wfd_video_formats_format(&f, out, sizeof(out)), -EINVAL);
}

TEST(params_video_format_nobufs, "/params/wfd_video_formats/format into a short buffer is -ENOBUFS") {
        struct wfd_video_formats f;
        char out[20];

        assert_int_eq(wfd_video_formats_parse(S("00 00 01 01 00000001 00000000 00000000 00 0000 0000 00 none none"), false, &f), 0);
        assert_int_eq(wfd_video_formats_format(&f, out, sizeof(out)), -ENOBUFS);
        assert_int_eq(wfd_video_formats_format(&f, out, 0), -ENOBUFS);
}

/* ---- wfd_3d_video_formats ---- */

TEST(params_3d_video, "/params/wfd_3d_video_formats/Samsung 2014 value, none, garbage") {
        static const char v[] = "80 00 03 0F 0000000000000005 00 0001 1401 13 none none";
        struct wfd_3d_video_formats f;
        char out[256];

        assert_int_eq(wfd_3d_video_formats_parse(S(v), &f), 0);
        assert_false(f.none);
        assert_int_eq(f.native, 0x80);
        assert_int_eq(f.n_codecs, 1);
        assert_int_eq(f.codecs[0].profile, 3);
        assert_int_eq(f.codecs[0].level, 0x0f);
        assert_int_eq(f.codecs[0].capability, 5);
        assert_int_eq(f.codecs[0].min_slice_size, 1);
        assert_int_eq(f.codecs[0].slice_enc_params, 0x1401);
        assert_int_eq(f.codecs[0].frame_rate_control, 0x13);
        assert_false(f.codecs[0].has_max_hres);
        assert_int_ge(wfd_3d_video_formats_format(&f, out, sizeof(out)), 0);
        assert_str_eq(out, v);
        assert_int_eq(wfd_3d_video_formats_parse(S("none"), &f), 0);
        assert_true(f.none);
        assert_int_eq(wfd_3d_video_formats_format(&f, out, sizeof(out)), 4);
        assert_int_eq(wfd_3d_video_formats_parse(S("80 00 03 0F 00000000000000050 00 0001 1401 13 none none"), &f), -EBADMSG);
        assert_int_eq(wfd_3d_video_formats_parse(S("80 00 03 0F"), &f), -EBADMSG);
}

/* ---- wfd_audio_codecs ---- */

TEST(params_audio, "/params/wfd_audio_codecs/LPCM, AAC, AC3 with modes and latency") {
        static const char v[] = "LPCM 00000003 00, AAC 0000000f 00, AC3 00000007 02";
        struct wfd_audio_codecs a;
        const struct wfd_audio_codec *c;
        char out[128];
        unsigned rate, ch;

        assert_int_eq(wfd_audio_codecs_parse(S(v), &a), 0);
        assert_int_eq(a.n_codecs, 3);
        c = wfd_audio_codecs_find(&a, WFD_AUDIO_FORMAT_AAC);
        assert_non_null(c);
        assert_int_eq(c->modes, 0xf);
        c = wfd_audio_codecs_find(&a, WFD_AUDIO_FORMAT_AC3);
        assert_int_eq(c->latency, 2);
        assert_int_ge(wfd_audio_codecs_format(&a, out, sizeof(out)), 0);
        assert_str_eq(out, "LPCM 00000003 00, AAC 0000000F 00, AC3 00000007 02");
        assert_int_eq(wfd_audio_mode_info(WFD_AUDIO_FORMAT_LPCM, WFD_AUDIO_LPCM_48K_2CH, &rate, &ch), 0);
        assert_int_eq(rate, 48000);
        assert_int_eq(ch, 2);
        assert_int_eq(wfd_audio_mode_info(WFD_AUDIO_FORMAT_LPCM, WFD_AUDIO_LPCM_44K1_2CH, &rate, &ch), 0);
        assert_int_eq(rate, 44100);
        assert_int_eq(wfd_audio_mode_info(WFD_AUDIO_FORMAT_AAC, WFD_AUDIO_AAC_48K_6CH, &rate, &ch), 0);
        assert_int_eq(ch, 6);
        assert_int_eq(wfd_audio_mode_info(WFD_AUDIO_FORMAT_AC3, 1u << 3, &rate, &ch), -EINVAL);
        assert_int_eq(wfd_audio_mode_info(WFD_AUDIO_FORMAT_AAC, 3, &rate, &ch), -EINVAL);
}

TEST(params_audio_sloppy, "/params/wfd_audio_codecs/bare commas, tabs, lower case names, trailing comma") {
        struct wfd_audio_codecs a;

        assert_int_eq(wfd_audio_codecs_parse(S("LPCM 00000003 00,AAC\t00000001 00"), &a), 0);
        assert_int_eq(a.n_codecs, 2);
        assert_int_eq(a.codecs[1].format, WFD_AUDIO_FORMAT_AAC);
        assert_int_eq(wfd_audio_codecs_parse(S("aac 00000001 00 ,"), &a), 0);
        assert_int_eq(a.n_codecs, 1);
        assert_int_eq(wfd_audio_codecs_parse(S("NONE"), &a), 0);
        assert_true(a.none);
}

TEST(params_audio_none_unknown, "/params/wfd_audio_codecs/none, unknown codec names skipped, garbage rejected") {
        struct wfd_audio_codecs a;
        char out[16];

        assert_int_eq(wfd_audio_codecs_parse(S("none"), &a), 0);
        assert_true(a.none);
        assert_null(wfd_audio_codecs_find(&a, WFD_AUDIO_FORMAT_LPCM));
        assert_int_eq(wfd_audio_codecs_format(&a, out, sizeof(out)), 4);
        assert_str_eq(out, "none");
        assert_int_eq(wfd_audio_codecs_parse(S("EAC3 00000001 00, lpcm 00000002 00"), &a), 0);
        assert_int_eq(a.n_codecs, 1);
        assert_int_eq(a.n_unknown, 1);
        assert_int_eq(a.codecs[0].format, WFD_AUDIO_FORMAT_LPCM);
        assert_int_eq(wfd_audio_codecs_parse(S("LPCM 00000002"), &a), -EBADMSG);
        assert_int_eq(wfd_audio_codecs_parse(S("LPCM 000000002 00"), &a), -EBADMSG);
        assert_int_eq(wfd_audio_codecs_parse(S("LPCM 00000002 00 AAC"), &a), -EBADMSG);
        assert_int_eq(wfd_audio_codecs_parse(S(""), &a), -EBADMSG);
}

/* ---- wfd_client_rtp_ports ---- */

TEST(params_rtp_ports, "/params/wfd_client_rtp_ports/UDP, TCP, missing mode, bad ports") {
        struct wfd_client_rtp_ports p;
        char out[64];

        assert_int_eq(wfd_client_rtp_ports_parse(S("RTP/AVP/UDP;unicast 19000 0 mode=play"), &p), 0);
        assert_int_eq(p.transport, WFD_RTP_UDP);
        assert_int_eq(p.port0, 19000);
        assert_int_eq(p.port1, 0);
        assert_true(p.mode_play);
        assert_int_ge(wfd_client_rtp_ports_format(&p, out, sizeof(out)), 0);
        assert_str_eq(out, "RTP/AVP/UDP;unicast 19000 0 mode=play");
        assert_int_eq(wfd_client_rtp_ports_parse(S("RTP/AVP/TCP;unicast  1028  1030"), &p), 0);
        assert_int_eq(p.transport, WFD_RTP_TCP);
        assert_int_eq(p.port1, 1030);
        assert_false(p.mode_play);
        assert_int_ge(wfd_client_rtp_ports_format(&p, out, sizeof(out)), 0);
        assert_str_eq(out, "RTP/AVP/TCP;unicast 1028 1030 mode=play");
        assert_int_eq(wfd_client_rtp_ports_parse(S("RTP/AVP/UDP;unicast 65536 0 mode=play"), &p), -EBADMSG);
        assert_int_eq(wfd_client_rtp_ports_parse(S("RTP/AVP/UDP;unicast -1 0 mode=play"), &p), -EBADMSG);
        assert_int_eq(wfd_client_rtp_ports_parse(S("RTP/AVP/UDP;unicast 19000 0 mode=record"), &p), -EBADMSG);
        assert_int_eq(wfd_client_rtp_ports_parse(S("RTP/SAVP;unicast 19000 0 mode=play"), &p), -EBADMSG);
        assert_int_eq(wfd_client_rtp_ports_parse(S("RTP/AVP/UDP;unicast 19000"), &p), -EBADMSG);
}

/* ---- wfd_presentation_URL ---- */

TEST(params_url, "/params/wfd_presentation_URL/parse, none, make, limits") {
        struct wfd_presentation_url u;
        char out[600];
        char longurl[WFD_MAX_URL + 16];

        assert_int_eq(wfd_presentation_url_parse(S("rtsp://192.168.173.1/wfd1.0/streamid=0 none"), &u), 0);
        assert_str_eq(u.url0, "rtsp://192.168.173.1/wfd1.0/streamid=0");
        assert_str_eq(u.url1, "");
        assert_int_ge(wfd_presentation_url_format(&u, out, sizeof(out)), 0);
        assert_str_eq(out, "rtsp://192.168.173.1/wfd1.0/streamid=0 none");
        assert_int_eq(wfd_presentation_url_parse(S("none none"), &u), 0);
        assert_str_eq(u.url0, "");
        assert_int_eq(wfd_presentation_url_parse(S("http://x/ none"), &u), -EBADMSG);
        memset(longurl, 'a', sizeof(longurl));
        memcpy(longurl, "rtsp://", 7);
        assert_int_eq(wfd_presentation_url_parse(longurl, sizeof(longurl), &u), -E2BIG);
        assert_int_eq(wfd_presentation_url_make("192.168.49.1", 0, &u), 0);
        assert_str_eq(u.url0, "rtsp://192.168.49.1/wfd1.0/streamid=0");
        assert_int_eq(wfd_presentation_url_make("192.168.49.10", 7236, &u), 0);
        assert_str_eq(u.url0, "rtsp://192.168.49.10:7236/wfd1.0/streamid=0");
        assert_int_eq(wfd_presentation_url_make("bad host", 0, &u), -EINVAL);
        assert_int_eq(wfd_presentation_url_make("", 0, &u), -EINVAL);
}

/* ---- wfd_content_protection ---- */

TEST(params_content_protection, "/params/wfd_content_protection/none, HDCP2.0, HDCP2.1 port") {
        struct wfd_content_protection c;
        char out[32];

        assert_int_eq(wfd_content_protection_parse(S("none"), &c), 0);
        assert_int_eq(c.hdcp, WFD_HDCP_NONE);
        assert_int_eq(wfd_content_protection_parse(S("HDCP2.1 port=1189"), &c), 0);
        assert_int_eq(c.hdcp, WFD_HDCP_2_1);
        assert_int_eq(c.port, 1189);
        assert_int_ge(wfd_content_protection_format(&c, out, sizeof(out)), 0);
        assert_str_eq(out, "HDCP2.1 port=1189");
        assert_int_eq(wfd_content_protection_parse(S("HDCP2.0 port=5000"), &c), 0);
        assert_int_eq(c.hdcp, WFD_HDCP_2_0);
        assert_int_eq(wfd_content_protection_parse(S("HDCP2.1"), &c), -EBADMSG);
        assert_int_eq(wfd_content_protection_parse(S("HDCP2.1 port=0"), &c), -EBADMSG);
        assert_int_eq(wfd_content_protection_parse(S("HDCP3.0 port=1"), &c), -EBADMSG);
}

/* ---- wfd_display_edid ---- */

static char *edid_value(const char *count, unsigned blocks, bool header)
{
        size_t n = strlen(count) + 1 + blocks * 256 + 1;
        char *s = malloc(n), *p;

        p = s + sprintf(s, "%s ", count);
        for (unsigned b = 0; b < blocks; b++)
                for (unsigned i = 0; i < 128; i++)
                        p += sprintf(p, "%02x", (b == 0 && header && i >= 1 && i <= 6) ? 0xffu : 0u);
        return s;
}

TEST(params_edid, "/params/wfd_display_edid/2- and 4-digit block counts, length verified, none") {
        struct wfd_display_edid e = { .block_count = 77 };
        char *v;
        char out[600];

        v = edid_value("0001", 1, true);
        assert_int_eq(wfd_display_edid_parse(v, strlen(v), &e), 0);
        assert_int_eq(e.block_count, 1);
        assert_int_eq(e.len, 128);
        assert_true(wfd_display_edid_valid(&e));
        assert_int_ge(wfd_display_edid_format(&e, out, sizeof(out)), 0);
        assert_str_eq(out, v);
        free(v);

        v = edid_value("02", 2, true);
        assert_int_eq(wfd_display_edid_parse(v, strlen(v), &e), 0);
        assert_int_eq(e.block_count, 2);
        assert_int_eq(e.len, 256);
        /* claims 2 blocks, carries one block: truncated */
        v[strlen(v) - 256] = 0;
        e.block_count = 77;
        assert_int_eq(wfd_display_edid_parse(v, strlen(v), &e), -EBADMSG);
        assert_int_eq(e.block_count, 77);
        free(v);

        v = edid_value("0001", 1, false);
        assert_int_eq(wfd_display_edid_parse(v, strlen(v), &e), 0);
        assert_false(wfd_display_edid_valid(&e));
        free(v);

        v = edid_value("0009", 9, true);
        assert_int_eq(wfd_display_edid_parse(v, strlen(v), &e), -E2BIG);
        free(v);

        assert_int_eq(wfd_display_edid_parse(S("none"), &e), 0);
        assert_true(e.none);
        assert_false(wfd_display_edid_valid(&e));
        assert_int_eq(wfd_display_edid_parse(S("0000 none"), &e), 0);
        assert_true(e.none);
        assert_int_eq(wfd_display_edid_parse(S("0000"), &e), 0);
        assert_int_eq(wfd_display_edid_parse(S("0001"), &e), -EBADMSG);
        assert_int_eq(wfd_display_edid_parse(S("00001 00"), &e), -EBADMSG);
        assert_int_eq(wfd_display_edid_format(&e, out, sizeof(out)), 4);
        assert_str_eq(out, "none");
}

TEST(params_edid_name, "/params/wfd_display_edid/monitor name from the Windows 10 sink EDID") {
        static const char v[] =
                "0001 00ffffffffffff0051f38f50010000000e100104a51d10ff2f0000a057499b2610484f000000010101010101"
                "010101010101010101011a36809c70381f403020350025a510000018000000fc00496e7465726e616c204c43440a"
                "000000fd003c3c9a9a0e00000000000000000000000000000000000000000000000000000030";
        struct wfd_display_edid e;
        char name[32];

        assert_int_eq(wfd_display_edid_parse(S(v), &e), 0);
        assert_true(wfd_display_edid_valid(&e));
        assert_int_eq(wfd_display_edid_monitor_name(&e, name, sizeof(name)), 0);
        assert_str_eq(name, "Internal LCD");
        e.data[75] = 0xfd; /* no 0xFC descriptor any more */
        assert_int_eq(wfd_display_edid_monitor_name(&e, name, sizeof(name)), -ENOENT);
}

/* ---- wfd_coupled_sink ---- */

TEST(params_coupled_sink, "/params/wfd_coupled_sink/none, status + MAC, status + none") {
        struct wfd_coupled_sink c;
        char out[32];

        assert_int_eq(wfd_coupled_sink_parse(S("none"), &c), 0);
        assert_true(c.none);
        assert_int_eq(wfd_coupled_sink_parse(S("01 0a1b2c3d4e5f"), &c), 0);
        assert_false(c.none);
        assert_int_eq(c.status, 1);
        assert_true(c.has_mac);
        assert_int_eq(c.mac[0], 0x0a);
        assert_int_eq(c.mac[5], 0x5f);
        assert_int_ge(wfd_coupled_sink_format(&c, out, sizeof(out)), 0);
        assert_str_eq(out, "01 0a1b2c3d4e5f");
        assert_int_eq(wfd_coupled_sink_parse(S("00 none"), &c), 0);
        assert_false(c.has_mac);
        assert_int_ge(wfd_coupled_sink_format(&c, out, sizeof(out)), 0);
        assert_str_eq(out, "00 none");
        assert_int_eq(wfd_coupled_sink_parse(S("00 0a1b2c3d4e"), &c), -EBADMSG);
        assert_int_eq(wfd_coupled_sink_parse(S("00"), &c), -EBADMSG);
}

/* ---- wfd_uibc_capability ---- */

TEST(params_uibc, "/params/wfd_uibc_capability/Windows 10 HIDC list, none, round trip") {
        static const char v[] = "input_category_list=GENERIC, HIDC;generic_cap_list=Keyboard;"
                                "hidc_cap_list=Keyboard/USB, Mouse/USB, MultiTouch/USB, Gesture/USB, RemoteControl/USB;port=none";
        struct wfd_uibc_capability u;
        char out[256];

        assert_int_eq(wfd_uibc_capability_parse(S(v), &u), 0);
        assert_false(u.none);
        assert_int_eq(u.categories, WFD_UIBC_CATEGORY_GENERIC | WFD_UIBC_CATEGORY_HIDC);
        assert_int_eq(u.generic_types, 1u << WFD_UIBC_INPUT_KEYBOARD);
        assert_int_eq(u.n_hidc, 5);
        assert_int_eq(u.hidc[2].type, WFD_UIBC_INPUT_MULTI_TOUCH);
        assert_int_eq(u.hidc[2].path, WFD_UIBC_PATH_USB);
        assert_false(u.has_port);
        assert_int_ge(wfd_uibc_capability_format(&u, out, sizeof(out)), 0);
        assert_str_eq(out, v);

        assert_int_eq(wfd_uibc_capability_parse(S("none"), &u), 0);
        assert_true(u.none);
        assert_int_eq(wfd_uibc_capability_parse(S("input_category_list=GENERIC;generic_cap_list=Mouse, SingleTouch;hidc_cap_list=none;port=7239"), &u), 0);
        assert_true(u.has_port);
        assert_int_eq(u.port, 7239);
        assert_int_eq(u.n_hidc, 0);
        assert_int_ge(wfd_uibc_capability_format(&u, out, sizeof(out)), 0);
        assert_str_eq(out, "input_category_list=GENERIC;generic_cap_list=Mouse, SingleTouch;hidc_cap_list=none;port=7239");
        assert_int_eq(wfd_uibc_capability_parse(S("input_category_list=GENERIC;port=x"), &u), -EBADMSG);
        assert_int_eq(wfd_uibc_capability_parse(S("garbage"), &u), -EBADMSG);
        assert_int_eq(wfd_uibc_capability_parse(S("hidc_cap_list=KeyboardUSB;port=none"), &u), -EBADMSG);
}

/* ---- the small ones ---- */

TEST(params_standby_resume, "/params/wfd_standby_resume_capability/supported, none") {
        bool b = false;

        assert_int_eq(wfd_supported_parse(S("supported"), &b), 0);
        assert_true(b);
        assert_int_eq(wfd_supported_parse(S(" none"), &b), 0);
        assert_false(b);
        assert_int_eq(wfd_supported_parse(S("yes"), &b), -EBADMSG);
        assert_str_eq(wfd_supported_to_string(true), "supported");
        assert_str_eq(wfd_supported_to_string(false), "none");
}

TEST(params_ms_format_change, "/params/microsoft_format_change_capability/supported, none") {
        struct wfd_sink_caps c;

        assert_int_eq(wfd_sink_caps_parse(S("microsoft_format_change_capability: supported\r\n"), &c), 0);
        assert_true(c.has_format_change_capability);
        assert_true(c.format_change_capability);
        wfd_sink_caps_clear(&c);
        assert_int_eq(wfd_sink_caps_parse(S("microsoft_format_change_capability: none\r\n"), &c), 0);
        assert_true(c.has_format_change_capability);
        assert_false(c.format_change_capability);
        wfd_sink_caps_clear(&c);
}

TEST(params_idr_request_capability, "/params/wfd_idr_request_capability/0 and 1") {
        bool b = false;

        assert_int_eq(wfd_idr_request_capability_parse(S("1"), &b), 0);
        assert_true(b);
        assert_int_eq(wfd_idr_request_capability_parse(S("0"), &b), 0);
        assert_false(b);
        assert_int_eq(wfd_idr_request_capability_parse(S("2"), &b), -EBADMSG);
        assert_int_eq(wfd_idr_request_capability_parse(S(""), &b), -EBADMSG);
}

TEST(params_idr_request, "/params/wfd_idr_request/M13 body is a bare name") {
        static const char body[] = "wfd_idr_request\r\n";
        struct wfd_param_list l;
        const struct wfd_param *p;

        assert_int_eq(wfd_params_parse_body(S(body), &l), 0);
        p = wfd_params_find(&l, wfd_param_id_to_string(WFD_PARAM_IDR_REQUEST));
        assert_non_null(p);
        assert_false(p->has_value);
        assert_int_eq(wfd_param_id_from_string(p->name, p->name_len), WFD_PARAM_IDR_REQUEST);
}

TEST(params_connector_type, "/params/wfd_connector_type/HEX2 and none") {
        bool none = true;
        uint8_t t = 9;

        assert_int_eq(wfd_connector_type_parse(S("05"), &none, &t), 0);
        assert_false(none);
        assert_int_eq(t, 5);
        assert_str_eq(wfd_connector_type_to_string(t), "HDMI");
        assert_int_eq(wfd_connector_type_parse(S("none"), &none, &t), 0);
        assert_true(none);
        assert_int_eq(wfd_connector_type_parse(S("0x5"), &none, &t), -EBADMSG);
        assert_int_eq(wfd_connector_type_parse(S("105"), &none, &t), -EBADMSG);
        assert_str_eq(wfd_connector_type_to_string(10), "DisplayPort");
        assert_str_eq(wfd_connector_type_to_string(6), "LVDS");
        assert_str_eq(wfd_connector_type_to_string(254), "none");
        assert_str_eq(wfd_connector_type_to_string(255), "other");
        assert_null(wfd_connector_type_to_string(7));
        assert_null(wfd_connector_type_to_string(11));
        assert_null(wfd_connector_type_to_string(13));
        assert_null(wfd_connector_type_to_string(253));
}

TEST(params_trigger_method, "/params/wfd_trigger_method/SETUP PAUSE TEARDOWN PLAY") {
        enum wfd_trigger_method t;

        for (int i = 0; i < _WFD_TRIGGER_MAX; i++) {
                const char *s = wfd_trigger_method_to_string(i);
                assert_int_eq(wfd_trigger_method_parse(s, strlen(s), &t), 0);
                assert_int_eq(t, i);
        }
        assert_int_eq(wfd_trigger_method_parse(S("setup "), &t), 0);
        assert_int_eq(t, WFD_TRIGGER_SETUP);
        assert_int_eq(wfd_trigger_method_parse(S("RECORD"), &t), -EBADMSG);
        assert_null(wfd_trigger_method_to_string(_WFD_TRIGGER_MAX));
}

TEST(params_route, "/params/wfd_route/primary secondary") {
        enum wfd_route r;

        assert_int_eq(wfd_route_parse(S("primary"), &r), 0);
        assert_int_eq(r, WFD_ROUTE_PRIMARY);
        assert_int_eq(wfd_route_parse(S("secondary"), &r), 0);
        assert_int_eq(r, WFD_ROUTE_SECONDARY);
        assert_str_eq(wfd_route_to_string(r), "secondary");
        assert_int_eq(wfd_route_parse(S("tertiary"), &r), -EBADMSG);
}

TEST(params_uibc_setting, "/params/wfd_uibc_setting/enable disable") {
        bool b = false;

        assert_int_eq(wfd_uibc_setting_parse(S("enable"), &b), 0);
        assert_true(b);
        assert_int_eq(wfd_uibc_setting_parse(S("disable"), &b), 0);
        assert_false(b);
        assert_int_eq(wfd_uibc_setting_parse(S("on"), &b), -EBADMSG);
}

TEST(params_i2c, "/params/wfd_I2C/port and none") {
        bool none = true;
        uint16_t port = 0;

        assert_int_eq(wfd_i2c_parse(S("7240"), &none, &port), 0);
        assert_false(none);
        assert_int_eq(port, 7240);
        assert_int_eq(wfd_i2c_parse(S("none"), &none, &port), 0);
        assert_true(none);
        assert_int_eq(wfd_i2c_parse(S("0"), &none, &port), -EBADMSG);
        assert_int_eq(wfd_i2c_parse(S("70000"), &none, &port), -EBADMSG);
}

TEST(params_ms_max_bitrate, "/params/microsoft_max_bitrate/decimal bit/s, zero and garbage rejected") {
        uint64_t bps = 7;
        struct wfd_sink_caps c;

        assert_int_eq(wfd_max_bitrate_parse(S("20000000"), &bps), 0);
        assert_int_eq(bps, 20000000);
        assert_int_eq(wfd_max_bitrate_parse(S(" 9999999999 "), &bps), 0);
        assert_int_eq(bps, 9999999999ull);
        bps = 7;
        assert_int_eq(wfd_max_bitrate_parse(S("0"), &bps), -EBADMSG);
        assert_int_eq(wfd_max_bitrate_parse(S("12345678901"), &bps), -EBADMSG);
        assert_int_eq(wfd_max_bitrate_parse(S("20M"), &bps), -EBADMSG);
        assert_int_eq(wfd_max_bitrate_parse(S("none"), &bps), -EBADMSG);
        assert_int_eq(bps, 7);
        assert_int_eq(wfd_sink_caps_parse(S("microsoft_max_bitrate: 8000000\r\n"), &c), 0);
        assert_true(c.has_max_bitrate);
        assert_int_eq(c.max_bitrate_bps, 8000000);
        wfd_sink_caps_clear(&c);
}

TEST(params_av_format_change_timing, "/params/wfd_av_format_change_timing/Samsung capture value round trip") {
        struct wfd_av_format_change_timing t;
        char out[32];

        assert_int_eq(wfd_av_format_change_timing_parse(S("00000bb800 000005dc00"), &t), 0);
        assert_int_eq(t.pts, 0xbb800);
        assert_int_eq(t.dts, 0x5dc00);
        assert_int_ge(wfd_av_format_change_timing_format(&t, out, sizeof(out)), 0);
        assert_str_eq(out, "00000bb800 000005dc00");
        assert_int_eq(wfd_av_format_change_timing_parse(S("00000bb800"), &t), -EBADMSG);
        assert_int_eq(wfd_av_format_change_timing_parse(S("00000bb8000 00"), &t), -EBADMSG);
        t.pts = 1ull << 40;
        assert_int_eq(wfd_av_format_change_timing_format(&t, out, sizeof(out)), -EINVAL);
}

/* ---- whole M3 reply ---- */

TEST(params_sink_caps_lg, "/params/sink caps/LG webOS M3 reply") {
        static const char body[] =
                "wfd_audio_codecs: LPCM 00000003 00, AAC 00000001 00\r\n"
                "wfd_video_formats: 40 00 01 10 000194FF 155575DF 00000555 00 0000 0000 1F none none, "
                "02 10 000194FF 155575DF 00000555 00 0000 0000 1F none none\r\n"
                "wfd_client_rtp_ports: RTP/AVP/UDP;unicast 53000 0 mode=play\r\n";
        struct wfd_sink_caps c;

        assert_int_eq(strlen(body), 259);
        assert_int_eq(wfd_sink_caps_parse(S(body), &c), 0);
        assert_true(c.has_video_formats);
        assert_true(c.has_audio_codecs);
        assert_true(c.has_client_rtp_ports);
        assert_int_eq(c.client_rtp_ports.port0, 53000);
        assert_false(c.has_display_edid);
        assert_int_eq(c.invalid_mask, 0);
        assert_true(wfd_sink_caps_video(&c) == &c.video_formats);
        wfd_sink_caps_clear(&c);
        assert_null(c.body);
        wfd_sink_caps_clear(&c);
}

TEST(params_sink_caps_unknown_invalid, "/params/sink caps/unknown names kept, invalid known values flagged, wfdx preferred") {
        static const char body[] =
                "intel_friendly_name: my tv\r\n"
                "wfd_video_formats: 00 00 01 01 00000001 00000000 00000000 00 0000 0000 00 none none\r\n"
                "wfdx_video_formats: 0000 00 0001 0001 0000000020 0000000000 00000000 00 0000 0000 00 none none\r\n"
                "wfd_display_edid: 0002 00ff\r\n"
                "wfd_connector_type\r\n"
                "wfd_content_protection: none\r\n";
        struct wfd_sink_caps c;
        const struct wfd_param *p;

        assert_int_eq(wfd_sink_caps_parse(S(body), &c), 0);
        p = wfd_params_find(&c.params, "intel_friendly_name");
        assert_non_null(p);
        assert_mem_eq(p->value, "my tv", 5);
        assert_false(c.has_display_edid);
        assert_true(c.invalid_mask & (1u << WFD_PARAM_DISPLAY_EDID));
        assert_true(c.invalid_mask & (1u << WFD_PARAM_CONNECTOR_TYPE));
        assert_false(c.invalid_mask & (1u << WFD_PARAM_VIDEO_FORMATS));
        assert_true(c.has_content_protection);
        assert_true(wfd_sink_caps_video(&c) == &c.wfdx_video_formats);
        assert_int_eq(wfd_sink_caps_video(&c)->codecs[0].cea, 0x20);
        wfd_sink_caps_clear(&c);
}

TEST(params_sink_caps_all_fields, "/params/sink caps/every M3 field of the Samsung reply") {
        static const char body[] =
                "wfd_content_protection: HDCP2.1 port=1189\n"
                "wfd_coupled_sink: none\n"
                "wfd_client_rtp_ports: RTP/AVP/UDP;unicast 19000 0 mode=play\n"
                "wfd_uibc_capability: none\n"
                "wfd_connector_type: 05\n"
                "wfd_standby_resume_capability: supported\n"
                "wfd_idr_request_capability: 1\n"
                "wfd_I2C: 404\n";
        struct wfd_sink_caps c;

        assert_int_eq(wfd_sink_caps_parse(S(body), &c), 0);
        assert_int_eq(c.content_protection.hdcp, WFD_HDCP_2_1);
        assert_true(c.has_coupled_sink && c.coupled_sink.none);
        assert_true(c.has_uibc_capability && c.uibc_capability.none);
        assert_true(c.has_connector_type);
        assert_int_eq(c.connector_type, 5);
        assert_true(c.has_standby_resume_capability && c.standby_resume_capability);
        assert_true(c.has_idr_request_capability && c.idr_request_capability);
        assert_true(c.has_i2c);
        assert_int_eq(c.i2c_port, 404);
        assert_false(c.has_video_formats);
        assert_null(wfd_sink_caps_video(&c));
        assert_int_eq(c.invalid_mask, 0);
        wfd_sink_caps_clear(&c);
}

TEST(params_m3_request, "/params/M3 request body: mandatory names first, CRLF lines") {
        char buf[1024];
        size_t n;
        const char *const *names = wfd_m3_request_names(&n);
        struct wfd_param_list l;
        int len;

        assert_int_ge(n, 3);
        assert_str_eq(names[0], "wfd_video_formats");
        assert_str_eq(names[1], "wfd_audio_codecs");
        assert_str_eq(names[2], "wfd_client_rtp_ports");
        len = wfd_m3_request_body(buf, sizeof(buf));
        assert_int_ge(len, 0);
        assert_int_eq(len, strlen(buf));
        assert_true(strncmp(buf, "wfd_video_formats\r\nwfd_audio_codecs\r\nwfd_client_rtp_ports\r\n", 57) == 0);
        assert_int_eq(wfd_params_parse_body(buf, (size_t) len, &l), 0);
        assert_int_eq(l.n, n);
        for (size_t i = 0; i < n; i++)
                assert_false(l.params[i].has_value);
        assert_int_eq(wfd_m3_request_body(buf, 10), -ENOBUFS);
}

/* Every parser over every prefix of a real value, the prefix ending at an unmapped page. */
static int parse_any(int which, const char *v, size_t n)
{
        union {
                struct wfd_video_formats v;
                struct wfd_3d_video_formats v3;
                struct wfd_audio_codecs a;
                struct wfd_client_rtp_ports p;
                struct wfd_presentation_url u;
                struct wfd_content_protection cp;
                struct wfd_coupled_sink cs;
                struct wfd_uibc_capability uibc;
                struct wfd_av_format_change_timing t;
        } x;
        static struct wfd_display_edid edid;
        static struct wfd_sink_caps caps;
        struct wfd_param_list l;
        bool b, none;
        uint8_t u8;
        uint16_t u16;
        uint64_t u64;
        enum wfd_trigger_method tm;
        enum wfd_route route;
        int r;

        switch (which) {
        case 0: return wfd_video_formats_parse(v, n, false, &x.v);
        case 1: return wfd_video_formats_parse(v, n, true, &x.v);
        case 2: return wfd_3d_video_formats_parse(v, n, &x.v3);
        case 3: return wfd_audio_codecs_parse(v, n, &x.a);
        case 4: return wfd_client_rtp_ports_parse(v, n, &x.p);
        case 5: return wfd_presentation_url_parse(v, n, &x.u);
        case 6: return wfd_content_protection_parse(v, n, &x.cp);
        case 7: return wfd_display_edid_parse(v, n, &edid);
        case 8: return wfd_coupled_sink_parse(v, n, &x.cs);
        case 9: return wfd_uibc_capability_parse(v, n, &x.uibc);
        case 10: return wfd_av_format_change_timing_parse(v, n, &x.t);
        case 11: return wfd_supported_parse(v, n, &b);
        case 12: return wfd_idr_request_capability_parse(v, n, &b);
        case 13: return wfd_connector_type_parse(v, n, &none, &u8);
        case 14: return wfd_trigger_method_parse(v, n, &tm);
        case 15: return wfd_route_parse(v, n, &route);
        case 16: return wfd_uibc_setting_parse(v, n, &b);
        case 17: return wfd_i2c_parse(v, n, &none, &u16);
        case 20: return wfd_max_bitrate_parse(v, n, &u64);
        case 18: return wfd_params_parse_body(v, n, &l);
        case 19:
                r = wfd_sink_caps_parse(v, n, &caps);
                if (r == 0)
                        wfd_sink_caps_clear(&caps);
                return r;
        default: return -EINVAL;
        }
}

TEST(params_prefixes_guard_page, "/params/every parser, every prefix of real values, input ends at a PROT_NONE page") {
        static const char *const values[] = {
                "40 00 02 04 0001DEFF 053C7FFF 00000FFF 00 0000 0000 11 none none, 01 04 0001DEFF 053C7FFF 00000FFF 00 0000 0000 11 0780 0438",
                "0040 00 0001 0001 0000500001 0010000000 00000000 00 0000 0000 11 none none",
                "80 00 03 0F 0000000000000005 00 0001 1401 13 none none",
                "LPCM 00000003 00, AAC 0000000f 00, AC3 00000007 00",
                "RTP/AVP/UDP;unicast 19000 0 mode=play",
                "rtsp://192.168.173.1/wfd1.0/streamid=0 none",
                "HDCP2.1 port=1189",
                "01 0a1b2c3d4e5f",
                "input_category_list=GENERIC, HIDC;generic_cap_list=Keyboard;hidc_cap_list=Keyboard/USB, Mouse/USB;port=1234",
                "00000bb800 000005dc00",
                "supported", "1", "05", "TEARDOWN", "secondary", "disable", "7240", "none", "20000000",
                "wfd_audio_codecs: LPCM 00000003 00\r\nwfd_video_formats: 00 00 01 01 00000001 00000000 00000000 00 0000 0000 00 none none\r\nwfd_idr_request\r\n",
        };
        long pg = sysconf(_SC_PAGESIZE);
        char *map = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        unsigned ok = 0;

        assert_true(map != MAP_FAILED);
        assert_int_eq(mprotect(map + pg, pg, PROT_NONE), 0);
        for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
                size_t len = strlen(values[i]);
                for (size_t n = 0; n <= len; n++) {
                        char *start = map + pg - n;
                        memcpy(start, values[i], n);
                        for (int which = 0; which < 21; which++) {
                                int r = parse_any(which, start, n);
                                assert_true(r == 0 || r == -EBADMSG || r == -E2BIG);
                                ok += r == 0 && n == len;
                        }
                }
        }
        /* each full value parses with at least its own parser */
        assert_int_ge(ok, sizeof(values) / sizeof(values[0]));
        munmap(map, 2 * pg);
}
