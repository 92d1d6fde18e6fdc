/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz the WFD parameter parsers: the input as a text/parameters body (M3
 * reply) and as the value of every parameter. Whatever parses must format
 * (into a buffer big enough for any parsed value) and parse back to the same
 * fields; anything else is a bug (__builtin_trap).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../protocol/wfd_params.h"

#define CHECK(x)                                                                 \
        do {                                                                     \
                if (!(x))                                                        \
                        __builtin_trap();                                        \
        } while (0)

static char out[WFD_MAX_BODY + 4096];

static void video_round_trip(const struct wfd_video_formats *v)
{
        struct wfd_video_formats again;
        int n = wfd_video_formats_format(v, out, sizeof(out));

        CHECK(n >= 0);
        CHECK(wfd_video_formats_parse(out, (size_t) n, v->wfdx, &again) == 0);
        CHECK(again.none == v->none && again.native == v->native && again.n_codecs == v->n_codecs &&
              again.preferred_display_mode == v->preferred_display_mode);
        for (size_t i = 0; i < v->n_codecs; i++) {
                const struct wfd_h264_codec *a = &v->codecs[i], *b = &again.codecs[i];
                CHECK(a->profile == b->profile && a->level == b->level && a->cea == b->cea && a->vesa == b->vesa &&
                      a->hh == b->hh && a->latency == b->latency && a->min_slice_size == b->min_slice_size &&
                      a->slice_enc_params == b->slice_enc_params && a->frame_rate_control == b->frame_rate_control &&
                      a->has_max_hres == b->has_max_hres && a->has_max_vres == b->has_max_vres &&
                      (!a->has_max_hres || a->max_hres == b->max_hres) &&
                      (!a->has_max_vres || a->max_vres == b->max_vres));
        }
}

static void video_3d_round_trip(const struct wfd_3d_video_formats *v)
{
        struct wfd_3d_video_formats again;
        int n = wfd_3d_video_formats_format(v, out, sizeof(out));

        CHECK(n >= 0);
        CHECK(wfd_3d_video_formats_parse(out, (size_t) n, &again) == 0);
        CHECK(again.none == v->none && again.n_codecs == v->n_codecs);
        for (size_t i = 0; i < v->n_codecs; i++)
                CHECK(again.codecs[i].capability == v->codecs[i].capability &&
                      again.codecs[i].slice_enc_params == v->codecs[i].slice_enc_params &&
                      again.codecs[i].has_max_vres == v->codecs[i].has_max_vres);
}

static void audio_round_trip(const struct wfd_audio_codecs *a)
{
        struct wfd_audio_codecs again;
        int n = wfd_audio_codecs_format(a, out, sizeof(out));

        CHECK(n >= 0);
        CHECK(wfd_audio_codecs_parse(out, (size_t) n, &again) == 0);
        if (a->none || a->n_codecs == 0) {
                CHECK(again.none);
                return;
        }
        CHECK(again.n_codecs == a->n_codecs && again.n_unknown == 0);
        for (size_t i = 0; i < a->n_codecs; i++)
                CHECK(again.codecs[i].format == a->codecs[i].format && again.codecs[i].modes == a->codecs[i].modes &&
                      again.codecs[i].latency == a->codecs[i].latency);
}

static void edid_round_trip(const struct wfd_display_edid *e)
{
        static struct wfd_display_edid again;
        int n = wfd_display_edid_format(e, out, sizeof(out));
        char name[32];

        CHECK(n >= 0);
        CHECK(wfd_display_edid_parse(out, (size_t) n, &again) == 0);
        CHECK(again.none == e->none);
        if (!e->none)
                CHECK(again.len == e->len && memcmp(again.data, e->data, e->len) == 0);
        if (wfd_display_edid_monitor_name(e, name, sizeof(name)) == 0)
                CHECK(strlen(name) < sizeof(name));
}

static void uibc_round_trip(const struct wfd_uibc_capability *u)
{
        struct wfd_uibc_capability again;
        int n = wfd_uibc_capability_format(u, out, sizeof(out));

        CHECK(n >= 0);
        CHECK(wfd_uibc_capability_parse(out, (size_t) n, &again) == 0);
        CHECK(again.none == u->none);
        if (u->none)
                return;
        CHECK(again.categories == u->categories && again.generic_types == u->generic_types &&
              again.n_hidc == u->n_hidc && again.has_port == u->has_port && (!u->has_port || again.port == u->port));
        for (size_t i = 0; i < u->n_hidc; i++)
                CHECK(again.hidc[i].type == u->hidc[i].type && again.hidc[i].path == u->hidc[i].path);
}

static void caps_round_trips(const struct wfd_sink_caps *c)
{
        if (c->has_video_formats)
                video_round_trip(&c->video_formats);
        if (c->has_wfdx_video_formats)
                video_round_trip(&c->wfdx_video_formats);
        if (c->has_3d_video_formats)
                video_3d_round_trip(&c->video_3d_formats);
        if (c->has_audio_codecs)
                audio_round_trip(&c->audio_codecs);
        if (c->has_display_edid)
                edid_round_trip(&c->display_edid);
        if (c->has_uibc_capability)
                uibc_round_trip(&c->uibc_capability);
        if (c->has_client_rtp_ports) {
                struct wfd_client_rtp_ports again;
                int n = wfd_client_rtp_ports_format(&c->client_rtp_ports, out, sizeof(out));
                CHECK(n >= 0 && wfd_client_rtp_ports_parse(out, (size_t) n, &again) == 0);
                CHECK(again.port0 == c->client_rtp_ports.port0 && again.port1 == c->client_rtp_ports.port1 &&
                      again.transport == c->client_rtp_ports.transport);
        }
        if (c->has_content_protection) {
                struct wfd_content_protection again;
                int n = wfd_content_protection_format(&c->content_protection, out, sizeof(out));
                CHECK(n >= 0 && wfd_content_protection_parse(out, (size_t) n, &again) == 0);
                CHECK(again.hdcp == c->content_protection.hdcp && again.port == c->content_protection.port);
        }
        if (c->has_coupled_sink) {
                struct wfd_coupled_sink again;
                int n = wfd_coupled_sink_format(&c->coupled_sink, out, sizeof(out));
                CHECK(n >= 0 && wfd_coupled_sink_parse(out, (size_t) n, &again) == 0);
                CHECK(again.none == c->coupled_sink.none);
                if (!again.none)
                        CHECK(again.status == c->coupled_sink.status && again.has_mac == c->coupled_sink.has_mac &&
                              memcmp(again.mac, c->coupled_sink.mac, 6) == 0);
        }
        for (size_t i = 0; i < c->params.n; i++)
                CHECK(c->params.params[i].name_len > 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *s = (const char *) data;
        struct wfd_sink_caps c;
        struct wfd_param_list l;
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
        bool b, none;
        uint8_t u8;
        uint16_t u16;
        uint64_t u64;
        enum wfd_trigger_method tm;
        enum wfd_route route;

        if (wfd_params_parse_body(s, size, &l) == 0)
                CHECK(l.n <= WFD_MAX_PARAMS);
        if (wfd_sink_caps_parse(s, size, &c) == 0) {
                caps_round_trips(&c);
                wfd_sink_caps_clear(&c);
        }

        /* The whole input as one value of each parameter. */
        if (wfd_video_formats_parse(s, size, false, &x.v) == 0)
                video_round_trip(&x.v);
        if (wfd_video_formats_parse(s, size, true, &x.v) == 0)
                video_round_trip(&x.v);
        if (wfd_3d_video_formats_parse(s, size, &x.v3) == 0)
                video_3d_round_trip(&x.v3);
        if (wfd_audio_codecs_parse(s, size, &x.a) == 0)
                audio_round_trip(&x.a);
        if (wfd_display_edid_parse(s, size, &edid) == 0)
                edid_round_trip(&edid);
        if (wfd_uibc_capability_parse(s, size, &x.uibc) == 0)
                uibc_round_trip(&x.uibc);
        if (wfd_presentation_url_parse(s, size, &x.u) == 0) {
                CHECK(strlen(x.u.url0) < WFD_MAX_URL && strlen(x.u.url1) < WFD_MAX_URL);
                CHECK(wfd_presentation_url_format(&x.u, out, sizeof(out)) >= 0);
        }
        if (wfd_av_format_change_timing_parse(s, size, &x.t) == 0)
                CHECK(wfd_av_format_change_timing_format(&x.t, out, sizeof(out)) == 21);
        (void) wfd_client_rtp_ports_parse(s, size, &x.p);
        (void) wfd_content_protection_parse(s, size, &x.cp);
        (void) wfd_coupled_sink_parse(s, size, &x.cs);
        (void) wfd_supported_parse(s, size, &b);
        (void) wfd_idr_request_capability_parse(s, size, &b);
        (void) wfd_connector_type_parse(s, size, &none, &u8);
        (void) wfd_trigger_method_parse(s, size, &tm);
        (void) wfd_route_parse(s, size, &route);
        (void) wfd_uibc_setting_parse(s, size, &b);
        (void) wfd_i2c_parse(s, size, &none, &u16);
        if (wfd_max_bitrate_parse(s, size, &u64) == 0)
                CHECK(u64 > 0 && u64 <= 9999999999ull);
        return 0;
}
