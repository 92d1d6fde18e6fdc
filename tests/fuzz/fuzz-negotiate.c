/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz the negotiation: the first 24 bytes pick source limits and link
 * statistics, the rest is the sink's M3 reply. A successful negotiation must
 * obey its own rules (progressive, not "avoid", in the sink's bitmap unless
 * fallback, fits the level, within our limits, only modes the link carries)
 * and its M4 body must parse back with exactly one resolution bit.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../protocol/negotiate.h"

#define CHECK(x)                                                                 \
        do {                                                                     \
                if (!(x))                                                        \
                        __builtin_trap();                                        \
        } while (0)

static void check_m4(const struct wfd_negotiation *n)
{
        static const struct wfd_presentation_url url = { .url0 = "rtsp://192.168.49.1/wfd1.0/streamid=0" };
        static char body[4096];
        struct wfd_param_list l;
        struct wfd_video_formats v;
        const struct wfd_param *p;
        int len = wfd_negotiation_m4_body(n, &url, NULL, body, sizeof(body));

        CHECK(len > 0);
        CHECK(wfd_params_parse_body(body, (size_t) len, &l) == 0);
        p = wfd_params_find(&l, n->wfdx ? "wfdx_video_formats" : "wfd_video_formats");
        CHECK(p && p->has_value);
        CHECK(!wfd_params_find(&l, n->wfdx ? "wfd_video_formats" : "wfdx_video_formats"));
        CHECK(wfd_video_formats_parse(p->value, p->value_len, n->wfdx, &v) == 0);
        CHECK(v.n_codecs == 1);
        CHECK(__builtin_popcountll(v.codecs[0].cea) + __builtin_popcountll(v.codecs[0].vesa) +
              __builtin_popcountll(v.codecs[0].hh) == 1);
        CHECK(__builtin_popcount(v.codecs[0].profile) == 1 && __builtin_popcount(v.codecs[0].level) == 1);
        CHECK(!!wfd_params_find(&l, "wfd_audio_codecs") == n->audio);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct wfd_source_limits src = {};
        struct wfd_connection_stats st = {};
        static struct wfd_negotiation n;
        struct wfd_sink_caps c;
        int r;

        if (size < 24)
                return 0;
        src.encoder_max_width = data[0] % 5 == 0 ? 0 : 640u + 160u * data[0];
        src.encoder_max_height = data[1] % 5 == 0 ? 0 : 360u + 90u * data[1];
        src.encoder_max_fps = data[2] % 4 == 0 ? 0 : data[2] % 61;
        src.encoder_profiles = data[3] & 0x0f;
        src.encoder_max_level_idc = (const uint8_t[]) { 0, 31, 32, 40, 41, 42, 50, 51, 52, 30 }[data[4] % 10];
        src.max_fps = data[5] % 3 == 0 ? 0 : data[5] % 61;
        src.aspect_width = data[6] & 0x1f;
        src.aspect_height = data[7] & 0x1f;
        src.prefer_lpcm = data[8] & 1;
        src.no_audio = data[8] & 2;
        src.no_wfdx = data[8] & 4;
        src.max_bitrate_bps = (uint64_t) data[9] * 250000;
        st.suggested_bitrate_bps = (uint64_t) (data[10] | data[11] << 8) * 1000;
        st.local_max_bitrate_bps = (uint64_t) (data[12] | data[13] << 8) * 2000;
        st.remote_max_bitrate_bps = (uint64_t) (data[14] | data[15] << 8) * 3000;
        data += 24;
        size -= 24;

        if (wfd_sink_caps_parse((const char *) data, size, &c) < 0)
                return 0;
        r = wfd_negotiate(&c, &src, &st, &n);
        CHECK(r == 0 || r == -ENOSR || r == -ENOTSUP);
        if (r == 0) {
                CHECK(n.n_usable_modes >= 1 && n.n_usable_modes <= WFD_NEGOTIATE_MAX_MODES);
                CHECK(n.video.mode == n.usable_modes[0].mode);
                for (size_t i = 0; i < n.n_usable_modes; i++) {
                        const struct wfd_usable_mode *u = &n.usable_modes[i];
                        CHECK(u->mode && !u->mode->interlaced && !u->mode->avoid);
                        CHECK(u->profile == WFD_PROFILE_CBP || u->profile == WFD_PROFILE_CHP);
                        CHECK(wfd_level_fits(u->level_idc, u->mode->width, u->mode->height, u->mode->fps, false));
                        if (n.available_bps)
                                CHECK(u->needed_bps <= n.available_bps);
                        if (!n.fallback && src.max_fps)
                                CHECK(u->mode->fps <= src.max_fps);
                }
                CHECK(n.target_bitrate_bps > 0);
                check_m4(&n);
        }
        wfd_sink_caps_clear(&c);
        return 0;
}
