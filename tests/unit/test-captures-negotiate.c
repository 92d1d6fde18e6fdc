/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The recorded captures (tests/data/wfd-captures/) as negotiation vectors:
 * each entry of expected_picks[] names a file holding a sink M3 reply and what
 * a correct source picks; we extract that reply, negotiate
 * with a 1080p60 CBP+CHP level 4.2 encoder and unknown link statistics, and
 * check the pick plus the invariants (progressive, in the sink's bitmap for
 * the chosen profile, fits the level, one bit in M4). A second case parses
 * every WFD parameter line of every capture file with our value parsers.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../protocol/macro.h"
#include "../../protocol/negotiate.h"
#include "../lib/test.h"

static const struct wfd_source_limits src_default = {
        .encoder_max_width = 1920,
        .encoder_max_height = 1080,
        .encoder_max_fps = 60,
        .encoder_profiles = WFD_PROFILE_CBP | WFD_PROFILE_CHP,
        .encoder_max_level_idc = 42,
};

static char *read_capture(const char *name)
{
        char rel[512], *buf = NULL;

        snprintf(rel, sizeof(rel), "wfd-captures/%s", name);
        if (test_read_file(test_data_path(rel), &buf) < 0)
                test_fail(__FILE__, __LINE__, "cannot read capture %s", test_data_path(rel));
        return buf;
}

static bool is_start_line(const char *l, size_t n)
{
        /* "RTSP/1.0 200 OK" or "METHOD uri RTSP/1.0" */
        return (n >= 9 && strncmp(l, "RTSP/1.0 ", 9) == 0) ||
               (n >= 9 && strncmp(l + n - 9, " RTSP/1.0", 9) == 0);
}

/*
 * The sink's M3 reply body of a capture file, with CRLF line ends: the first
 * response whose body carries wfd_video_formats or wfd_audio_codecs. Body
 * lines are the ones starting with a lower-case letter (RTSP headers are
 * capitalised; some logs drop the blank line between the two). "# " lines
 * are our annotations; MiracleCast's "extends.NAME=VALUE" config lines are
 * turned into "NAME: VALUE"; a file without any RTSP start line is one body.
 */
static char *extract_m3_reply(const char *file)
{
        char *text = read_capture(file);
        size_t cap = strlen(text) * 2 + 16, len = 0;
        char *out = malloc(cap), *best = NULL;
        bool in_response = false, has_rtsp = strstr(text, "RTSP/1.0") != NULL;
        bool found = false;

        for (char *line = text; line && *line;) {
                char *nl = strchr(line, '\n');
                size_t n = nl ? (size_t) (nl - line) : strlen(line);
                char *next = nl ? nl + 1 : NULL;

                /* Our "# " annotations and blank lines end a body once it has started. */
                if ((n >= 2 && line[0] == '#' && line[1] == ' ') || n == 0) {
                        if (found)
                                break;
                        line = next;
                        continue;
                }
                if (is_start_line(line, n)) {
                        if (in_response && found)
                                break;
                        in_response = strncmp(line, "RTSP/1.0 ", 9) == 0;
                        len = 0;
                        found = false;
                        line = next;
                        continue;
                }
                if ((in_response || !has_rtsp) && n > 0 && line[0] >= 'a' && line[0] <= 'z') {
                        const char *l = line;
                        size_t ln = n;

                        if (strncmp(l, "extends.", 8) == 0) {
                                const char *eq = memchr(l, '=', ln);
                                if (eq) {
                                        len += (size_t) sprintf(out + len, "%.*s: %.*s\r\n", (int) (eq - l - 8), l + 8,
                                                                (int) (ln - (size_t) (eq - l) - 1), eq + 1);
                                }
                        } else {
                                len += (size_t) sprintf(out + len, "%.*s\r\n", (int) ln, l);
                        }
                        if (strncmp(l, "wfd_video_formats:", 18) == 0 || strncmp(l, "extends.wfd_video_formats=", 26) == 0 ||
                            strncmp(l, "wfd_audio_codecs:", 17) == 0)
                                found = true;
                }
                line = next;
        }
        if (found) {
                out[len] = 0;
                best = out;
        } else
                free(out);
        free(text);
        if (!best)
                test_fail(__FILE__, __LINE__, "%s: no sink M3 reply found", file);
        return best;
}

static uint64_t bitmap_of(const struct wfd_h264_codec *h, enum wfd_mode_table t)
{
        return t == WFD_MODE_TABLE_CEA ? h->cea : t == WFD_MODE_TABLE_VESA ? h->vesa : h->hh;
}

static void check_invariants(const char *file, const struct wfd_sink_caps *c, const struct wfd_negotiation *n)
{
        const struct wfd_video_formats *vf = wfd_sink_caps_video(c);
        const struct wfd_usable_mode *u = &n->video;
        bool listed = false;
        uint8_t sink_level = 0;
        struct wfd_video_formats m4;

        assert_non_null(vf);
        assert_false(n->fallback);
        assert_false(u->mode->interlaced);
        assert_false(u->mode->avoid);
        for (size_t i = 0; i < vf->n_codecs; i++) {
                const struct wfd_h264_codec *h = &vf->codecs[i];
                if ((h->profile & u->profile) && (bitmap_of(h, u->mode->table) & (1ull << u->mode->bit))) {
                        listed = true;
                        sink_level = MAX(sink_level, wfd_level_max_idc(h->level));
                }
        }
        if (!listed)
                test_fail(__FILE__, __LINE__, "%s: pick not in the sink's bitmap for its profile", file);
        assert_int_le(u->level_idc, sink_level);
        assert_true(wfd_level_fits(u->level_idc, u->mode->width, u->mode->height, u->mode->fps, false));

        assert_int_eq(wfd_negotiation_video_formats(n, u, &m4), 0);
        assert_int_eq(m4.n_codecs, 1);
        assert_int_eq(__builtin_popcount(m4.codecs[0].profile), 1);
        assert_int_eq(__builtin_popcount(m4.codecs[0].level), 1);
        assert_int_eq(__builtin_popcountll(m4.codecs[0].cea) + __builtin_popcountll(m4.codecs[0].vesa) +
                      __builtin_popcountll(m4.codecs[0].hh), 1);
}

/* "mode=1920x1080@30|1920x1080@60" contains the picked mode? */
static bool mode_accepted(const char *spec, const struct wfd_mode *m)
{
        char want[32];

        snprintf(want, sizeof(want), "%ux%u@%u", m->width, m->height, m->fps);
        for (const char *p = spec; *p;) {
                size_t n = strcspn(p, "|");
                if (n == strlen(want) && strncmp(p, want, n) == 0)
                        return true;
                p += n;
                if (*p == '|')
                        p++;
        }
        return false;
}

static bool audio_accepted(const char *spec, const struct wfd_negotiation *n)
{
        const char *got = n->audio ? wfd_audio_format_to_string(n->audio_codec.format) : "none";

        for (const char *p = spec; *p;) {
                size_t k = strcspn(p, "|");
                if (k == strlen(got) && strncmp(p, got, k) == 0)
                        return true;
                p += k;
                if (*p == '|')
                        p++;
        }
        return false;
}

/*
 * What a correct source picks for each capture holding a sink M3 reply, with
 * a 1080p60 CBP+CHP 4.2 encoder: 1080p30 (CEA 7) when the sink lists it at a
 * sufficient level (see docs/protocol.md, "Choosing the format"), AAC 2ch
 * when offered, LPCM for the Microsoft adapters (quirk table) and for a sink
 * that publishes no audio codecs. "|" separates accepted
 * alternatives: the Windows 10 sink lists 1080p60 at level 4.2.
 */
static const struct expected_pick {
        const char *file, *mode, *audio;
} expected_picks[] = {
        { "samsung-tv-2014-sec-wdh-me29-full-session.txt", "1920x1080@30", "AAC" },
        { "microsoft-display-adapter-v1-m3-video-formats.txt", "1920x1080@30", "LPCM" },
        { "microsoft-windows10-sink-m3-exchange.txt", "1920x1080@30|1920x1080@60", "AAC" },
        { "microsoft-windows10-sink-m3-values-miraclecast-config.txt", "1920x1080@30|1920x1080@60", "AAC" },
        { "lg-webos-tv-m3-reply-m4-m5.txt", "1920x1080@30", "AAC" },
};

TEST(captures_expected_picks, "/captures/every sink M3 reply: the expected mode and audio") {
        unsigned checked = 0;

        for (size_t e = 0; e < ARRAY_SIZE(expected_picks); e++) {
                const char *file = expected_picks[e].file, *mode = expected_picks[e].mode;
                const char *audio = expected_picks[e].audio;
                char pick[32];
                struct wfd_sink_caps c;
                struct wfd_negotiation n;
                char *body;

                body = extract_m3_reply(file);
                assert_int_eq(wfd_sink_caps_parse(body, strlen(body), &c), 0);
                assert_int_eq(wfd_negotiate(&c, &src_default, NULL, &n), 0);
                wfd_mode_format(n.video.mode, pick, sizeof(pick));
                printf("  %s: %s %s %s, audio %s, %zu usable modes\n", file, pick,
                       wfd_profile_to_string(n.video.profile), wfd_level_to_string(n.video.level_idc),
                       n.audio ? wfd_audio_format_to_string(n.audio_codec.format) : "none", n.n_usable_modes);
                if (!mode_accepted(mode, n.video.mode))
                        test_fail(__FILE__, __LINE__, "%s: picked %s, expected %s", file, pick, mode);
                if (!audio_accepted(audio, &n))
                        test_fail(__FILE__, __LINE__, "%s: audio %s, expected %s", file,
                                  n.audio ? wfd_audio_format_to_string(n.audio_codec.format) : "none", audio);
                check_invariants(file, &c, &n);
                assert_true(n.info.monitor_connected);
                assert_false(n.info.reduced_mode_list_due_to_bandwidth);

                /* The same sink over slower links: every result obeys the bit-rate model. */
                size_t all = n.n_usable_modes;
                unsigned n_ok = 0, n_reduced = 0;
                for (uint64_t bps = 8000000; bps >= 1000000; bps -= 500000) {
                        struct wfd_connection_stats st = { .suggested_bitrate_bps = bps };
                        int r = wfd_negotiate(&c, &src_default, &st, &n);

                        if (r == -ENOSR)
                                continue;
                        assert_int_eq(r, 0);
                        assert_int_eq(n.info.reduced_mode_list_due_to_bandwidth, n.n_usable_modes < all);
                        n_ok++;
                        n_reduced += n.info.reduced_mode_list_due_to_bandwidth;
                        for (size_t i = 0; i < n.n_usable_modes; i++)
                                assert_int_le(n.usable_modes[i].needed_bps, bps);
                        assert_int_le(n.target_bitrate_bps, bps);
                        check_invariants(file, &c, &n);
                }
                assert_int_ge(n_ok, 5);
                assert_int_ge(n_reduced, 5);
                /* 1 Mbit/s carries none of these sinks' >= 1024x768 modes */
                struct wfd_connection_stats slow = { .suggested_bitrate_bps = 1000000 };
                assert_int_eq(wfd_negotiate(&c, &src_default, &slow, &n), -ENOSR);
                wfd_sink_caps_clear(&c);
                free(body);
                checked++;
        }
        assert_int_eq(checked, 5);
}

TEST(captures_samsung_details, "/captures/Samsung 2014: CHP 4.0, EDID name, HDCP port, native 1080p60 not in bitmap") {
        char *body = extract_m3_reply("samsung-tv-2014-sec-wdh-me29-full-session.txt");
        struct wfd_sink_caps c;
        struct wfd_negotiation n;
        char name[32];

        assert_int_eq(strlen(body), 1187); /* matches its Content-Length */
        assert_int_eq(wfd_sink_caps_parse(body, strlen(body), &c), 0);
        assert_int_eq(c.invalid_mask, 0);
        assert_int_eq(c.display_edid.block_count, 2);
        assert_int_eq(wfd_display_edid_monitor_name(&c.display_edid, name, sizeof(name)), 0);
        assert_str_eq(name, "SAMSUNG");
        assert_int_eq(c.content_protection.hdcp, WFD_HDCP_2_1);
        assert_int_eq(c.content_protection.port, 1189);
        assert_true(c.standby_resume_capability);
        assert_non_null(wfd_params_find(&c.params, "intel_sink_version"));
        assert_non_null(wfd_params_find(&c.params, "wfd_3d_video_formats"));
        assert_true(c.has_3d_video_formats);
        assert_int_eq(c.video_3d_formats.codecs[0].capability, 5);
        assert_int_eq(wfd_negotiate(&c, &src_default, NULL, &n), 0);
        assert_int_eq(n.video.mode->bit, 7);
        assert_int_eq(n.video.profile, WFD_PROFILE_CHP);
        assert_int_eq(n.video.level_idc, 40);
        /* listed but over level 4.0: never usable */
        for (size_t i = 0; i < n.n_usable_modes; i++) {
                const struct wfd_mode *m = n.usable_modes[i].mode;
                assert_false(m->table == WFD_MODE_TABLE_VESA && (m->bit == 13 || m->bit == 19 || m->bit == 21));
                assert_false(m->interlaced);
        }
        /* with a 5 Mbit/s link the list shrinks and the flag says why */
        struct wfd_connection_stats st = { .suggested_bitrate_bps = 5000000 };
        assert_int_eq(wfd_negotiate(&c, &src_default, &st, &n), 0);
        assert_true(n.info.reduced_mode_list_due_to_bandwidth);
        assert_int_le(n.video.needed_bps, 5000000);
        st.suggested_bitrate_bps = 1000000;
        assert_int_eq(wfd_negotiate(&c, &src_default, &st, &n), -ENOSR);
        wfd_sink_caps_clear(&c);
        free(body);
}

TEST(captures_windows_sink, "/captures/Windows 10 sink: truncated EDID flagged, full EDID from the config file") {
        char *body = extract_m3_reply("microsoft-windows10-sink-m3-exchange.txt");
        struct wfd_sink_caps c;
        struct wfd_negotiation n;

        assert_int_eq(wfd_sink_caps_parse(body, strlen(body), &c), 0);
        assert_false(c.has_display_edid);
        assert_int_eq(c.invalid_mask, 1u << WFD_PARAM_DISPLAY_EDID);
        assert_int_eq(c.client_rtp_ports.port0, 1028);
        assert_int_eq(wfd_negotiate(&c, &src_default, NULL, &n), 0);
        /* native CEA 8 (1080p60) is in the bitmap at level 4.2 */
        assert_int_eq(n.video.mode->bit, 8);
        assert_int_eq(n.video.level_idc, 42);
        wfd_sink_caps_clear(&c);
        free(body);

        body = extract_m3_reply("microsoft-windows10-sink-m3-values-miraclecast-config.txt");
        assert_int_eq(wfd_sink_caps_parse(body, strlen(body), &c), 0);
        assert_int_eq(c.invalid_mask, 0);
        assert_true(c.has_display_edid);
        assert_true(wfd_display_edid_valid(&c.display_edid));
        assert_true(c.has_connector_type);
        assert_int_eq(c.connector_type, 5);
        assert_true(c.has_idr_request_capability && c.idr_request_capability);
        assert_true(c.has_format_change_capability && !c.format_change_capability);
        assert_true(c.has_uibc_capability);
        assert_int_eq(c.uibc_capability.n_hidc, 5);
        /* a 1080p30-only encoder gets CEA 7 */
        struct wfd_source_limits src = src_default;
        src.encoder_max_fps = 30;
        assert_int_eq(wfd_negotiate(&c, &src, NULL, &n), 0);
        assert_int_eq(n.video.mode->bit, 7);
        assert_int_eq(n.video.profile, WFD_PROFILE_CHP);
        wfd_sink_caps_clear(&c);
        free(body);
}

/* Every "name: value" line of every capture whose name we know parses with its parser. */
TEST(captures_all_params_parse, "/captures/every known WFD parameter line in every capture parses") {
        const char *dir = test_data_path("wfd-captures");
        struct dirent **ents;
        int n = scandir(dir, &ents, NULL, alphasort);
        unsigned lines = 0, failures = 0;

        assert_int_ge(n, 1);
        for (int i = 0; i < n; i++) {
                const char *name = ents[i]->d_name;
                size_t nl = strlen(name);
                char *text;

                if (nl < 4 || strcmp(name + nl - 4, ".txt") != 0) {
                        free(ents[i]);
                        continue;
                }
                text = read_capture(name);
                for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
                        char buf[4096];
                        struct wfd_sink_caps c;
                        enum wfd_param_id id;

                        if (strncmp(line, "extends.", 8) == 0) {
                                char *eq = strchr(line, '=');
                                if (!eq)
                                        continue;
                                snprintf(buf, sizeof(buf), "%.*s: %s", (int) (eq - line - 8), line + 8, eq + 1);
                        } else
                                snprintf(buf, sizeof(buf), "%s", line);
                        char *colon = strchr(buf, ':');
                        if (!colon)
                                continue;
                        id = wfd_param_id_from_string(buf, (size_t) (colon - buf));
                        if (id == _WFD_PARAM_UNKNOWN)
                                continue;
                        lines++;
                        assert_int_eq(wfd_sink_caps_parse(buf, strlen(buf), &c), 0);
                        /* Values a source sends (M4) are not in sink caps; parse those directly. */
                        const char *v = colon + 1;
                        size_t vl = strlen(v);
                        int r = 0;
                        switch (id) {
                        case WFD_PARAM_PRESENTATION_URL: {
                                struct wfd_presentation_url u;
                                r = wfd_presentation_url_parse(v, vl, &u);
                                break;
                        }
                        case WFD_PARAM_TRIGGER_METHOD: {
                                enum wfd_trigger_method t;
                                r = wfd_trigger_method_parse(v, vl, &t);
                                break;
                        }
                        case WFD_PARAM_AV_FORMAT_CHANGE_TIMING: {
                                struct wfd_av_format_change_timing t;
                                r = wfd_av_format_change_timing_parse(v, vl, &t);
                                break;
                        }
                        default:
                                r = (c.invalid_mask & (1u << id)) ? -EBADMSG : 0;
                        }
                        if (r < 0) {
                                /* The one known-bad line: the EDID cut short in the Windows 10 exchange. */
                                if (!(id == WFD_PARAM_DISPLAY_EDID &&
                                      strcmp(name, "microsoft-windows10-sink-m3-exchange.txt") == 0))
                                        test_fail(__FILE__, __LINE__, "%s: cannot parse \"%.60s\"", name, buf);
                                failures++;
                        }
                        wfd_sink_caps_clear(&c);
                }
                free(text);
                free(ents[i]);
        }
        free(ents);
        printf("  %u parameter lines parsed, %u known-truncated\n", lines, failures);
        assert_int_ge(lines, 30);
        assert_int_eq(failures, 1);
}
