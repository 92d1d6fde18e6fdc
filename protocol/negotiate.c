/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Capability negotiation (M3 reply -> session format). The rules, the bit-rate
 * model and the monitor_connected rule are documented in negotiate.h; this
 * file follows them top to bottom:
 *   1. pick the video formats parameter (wfdx over plain),
 *   2. collect the eligible (mode, profile, level) per table entry,
 *   3. apply the bit-rate model (INSUFFICIENT_RESOURCES, reduced list),
 *   4. sort by preference, pick the first, set the target bit rate,
 *   5. pick audio.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "negotiate.h"

const char *wfd_negotiate_error_to_string(int error)
{
        switch (error) {
        case 0:
                return "SUCCESS";
        case -ENOSR:
                return "INSUFFICIENT_RESOURCES";
        case -ENOTSUP:
                return "SINK_HAS_NO_VIDEO";
        case -EINVAL:
                return "INVALID_ARGUMENT";
        default:
                return "NEGOTIATION_FAILED";
        }
}

uint64_t wfd_negotiate_needed_bps(const struct wfd_mode *m)
{
        if (!m)
                return 0;
        return (uint64_t) m->width * m->height * m->fps * WFD_NEGOTIATE_BPP_MILLI / 1000;
}

static const struct wfd_video_formats *pick_video_formats(const struct wfd_sink_caps *sink,
                                                          const struct wfd_source_limits *src)
{
        /* [MS-WFDPE] 2.7.1.1: with both present the source must not use wfd_video_formats.
         * A wfdx "none" carries no modes, so it does not hide a usable plain value. */
        if (!src->no_wfdx && sink->has_wfdx_video_formats && !sink->wfdx_video_formats.none)
                return &sink->wfdx_video_formats;
        if (sink->has_video_formats)
                return &sink->video_formats;
        if (!src->no_wfdx && sink->has_wfdx_video_formats)
                return &sink->wfdx_video_formats; /* "none" */
        return NULL;
}

bool wfd_negotiate_monitor_connected(const struct wfd_sink_caps *sink)
{
        const struct wfd_video_formats *v;

        if (!sink)
                return false;
        if (sink->has_display_edid && wfd_display_edid_valid(&sink->display_edid))
                return true;
        if (sink->has_connector_type)
                return !sink->connector_type_none && sink->connector_type != WFD_CONNECTOR_TYPE_NONE;
        if (sink->has_display_edid && sink->display_edid.none)
                return false;
        v = wfd_sink_caps_video(sink);
        return v && !v->none;
}

static uint64_t codec_bitmap(const struct wfd_h264_codec *h, enum wfd_mode_table t)
{
        switch (t) {
        case WFD_MODE_TABLE_CEA:
                return h->cea;
        case WFD_MODE_TABLE_VESA:
                return h->vesa;
        case WFD_MODE_TABLE_HH:
                return h->hh;
        default:
                return 0;
        }
}

static bool within(unsigned value, unsigned limit)
{
        return limit == 0 || value <= limit;
}

static bool source_allows(const struct wfd_source_limits *src, const struct wfd_mode *m)
{
        return within(m->width, src->encoder_max_width) && within(m->height, src->encoder_max_height) &&
               within(m->fps, src->encoder_max_fps) && within(m->width, src->max_width) &&
               within(m->height, src->max_height) && within(m->fps, src->max_fps);
}

/* Best (profile, level) the sink offers for m, or false. CHP beats CBP, then the higher level. */
static bool best_pair(const struct wfd_video_formats *vf, const struct wfd_mode *m, uint16_t enc_profiles,
                      uint8_t enc_level, struct wfd_usable_mode *ret)
{
        static const uint16_t profiles[] = { WFD_PROFILE_CHP, WFD_PROFILE_CBP };
        bool found = false;
        struct wfd_usable_mode best = {};

        for (size_t i = 0; i < vf->n_codecs && i < WFD_MAX_H264_CODECS; i++) {
                const struct wfd_h264_codec *h = &vf->codecs[i];
                /* Levels 5.x exist only in wfdx; in a plain value those bits are reserved. */
                uint16_t level_bits = vf->wfdx ? h->level : (h->level & 0x1f);
                uint8_t level;

                if (m->bit >= 64 || !(codec_bitmap(h, m->table) & (1ull << m->bit)))
                        continue;
                level = MIN(wfd_level_max_idc(level_bits), enc_level);
                if (level == 0 || !wfd_level_fits(level, m->width, m->height, m->fps, m->interlaced))
                        continue;
                for (size_t j = 0; j < ARRAY_SIZE(profiles); j++) {
                        uint16_t p = profiles[j];

                        if (!(h->profile & p) || !(enc_profiles & p))
                                continue;
                        if (found && (best.profile == WFD_PROFILE_CHP && p != WFD_PROFILE_CHP))
                                continue;
                        if (found && best.profile == p && best.level_idc >= level)
                                continue;
                        best = (struct wfd_usable_mode) {
                                .mode = m,
                                .profile = p,
                                .level_idc = level,
                                .needed_bps = wfd_negotiate_needed_bps(m),
                                .latency = h->latency,
                                .frame_rate_control = h->frame_rate_control & 0x0f,
                        };
                        found = true;
                }
        }
        if (found)
                *ret = best;
        return found;
}

struct sort_ctx {
        const struct wfd_mode *native;
        unsigned aspect_w, aspect_h;
};

static bool aspect_matches(const struct wfd_mode *m, unsigned aw, unsigned ah)
{
        uint64_t a = (uint64_t) m->width * ah, b = (uint64_t) m->height * aw;
        uint64_t diff = a > b ? a - b : b - a;

        /* Within 1%: 1366x768 counts as 16:9. */
        return diff * 100 <= b;
}

/* < 0 when a is preferred over b. */
static int compare_modes(const struct wfd_usable_mode *a, const struct wfd_usable_mode *b, const struct sort_ctx *ctx)
{
        const struct wfd_mode *ma = a->mode, *mb = b->mode;
        uint64_t area_a = (uint64_t) ma->width * ma->height, area_b = (uint64_t) mb->width * mb->height;

        if ((ma == ctx->native) != (mb == ctx->native))
                return ma == ctx->native ? -1 : 1;
        if (ctx->aspect_w && ctx->aspect_h) {
                bool xa = aspect_matches(ma, ctx->aspect_w, ctx->aspect_h);
                bool xb = aspect_matches(mb, ctx->aspect_w, ctx->aspect_h);
                if (xa != xb)
                        return xa ? -1 : 1;
        }
        if (area_a != area_b)
                return area_a > area_b ? -1 : 1;
        if (ma->fps != mb->fps)
                return ma->fps > mb->fps ? -1 : 1;
        if (ma->table != mb->table)
                return ma->table < mb->table ? -1 : 1;
        if (ma->bit != mb->bit)
                return ma->bit < mb->bit ? -1 : 1;
        return 0;
}

/* Insertion sort: at most ~80 entries, and no qsort context pointer in C11. */
static void sort_modes(struct wfd_usable_mode *v, size_t n, const struct sort_ctx *ctx)
{
        for (size_t i = 1; i < n; i++) {
                struct wfd_usable_mode x = v[i];
                size_t j = i;

                while (j > 0 && compare_modes(&x, &v[j - 1], ctx) < 0) {
                        v[j] = v[j - 1];
                        j--;
                }
                v[j] = x;
        }
}

static uint64_t min_known(uint64_t a, uint64_t b)
{
        if (a == 0)
                return b;
        if (b == 0)
                return a;
        return MIN(a, b);
}

static bool audio_has(const struct wfd_audio_codecs *a, enum wfd_audio_format f, uint32_t bit)
{
        for (size_t i = 0; i < a->n_codecs && i < WFD_MAX_AUDIO_CODECS; i++)
                if (a->codecs[i].format == f && (a->codecs[i].modes & bit))
                        return true;
        return false;
}

static void pick_audio(const struct wfd_sink_caps *sink, const struct wfd_source_limits *src,
                       struct wfd_negotiation *n)
{
        enum wfd_audio_format f;
        uint32_t bit;

        n->audio = false;
        if (src->no_audio)
                return;
        if (!sink->has_audio_codecs) {
                /* Not answered: LPCM 48 kHz stereo is the baseline every sink with audio takes. */
                f = WFD_AUDIO_FORMAT_LPCM;
                bit = WFD_AUDIO_LPCM_48K_2CH;
        } else if (sink->audio_codecs.none) {
                return;
        } else {
                bool aac = audio_has(&sink->audio_codecs, WFD_AUDIO_FORMAT_AAC, WFD_AUDIO_AAC_48K_2CH);
                bool lpcm = audio_has(&sink->audio_codecs, WFD_AUDIO_FORMAT_LPCM, WFD_AUDIO_LPCM_48K_2CH);

                if (aac && !src->prefer_lpcm) {
                        f = WFD_AUDIO_FORMAT_AAC;
                        bit = WFD_AUDIO_AAC_48K_2CH;
                } else if (lpcm) {
                        f = WFD_AUDIO_FORMAT_LPCM;
                        bit = WFD_AUDIO_LPCM_48K_2CH;
                } else if (aac) {
                        f = WFD_AUDIO_FORMAT_AAC;
                        bit = WFD_AUDIO_AAC_48K_2CH;
                } else
                        return;
        }
        n->audio = true;
        n->audio_codec = (struct wfd_audio_codec) { .format = f, .modes = bit, .latency = 0 };
        (void) wfd_audio_mode_info(f, bit, &n->audio_rate_hz, &n->audio_channels);
}

static uint64_t target_bitrate(const struct wfd_usable_mode *u, uint64_t available, uint64_t cfg_max,
                               uint64_t sink_max)
{
        uint64_t t = u->needed_bps;
        uint64_t level_max = wfd_level_max_bitrate_bps(u->level_idc, u->profile == WFD_PROFILE_CHP);

        if (available)
                t = MIN(t * WFD_NEGOTIATE_TARGET_HEADROOM, available);
        t = min_known(t, cfg_max);
        t = min_known(t, level_max);
        t = min_known(t, sink_max);
        return t;
}

int wfd_negotiate(const struct wfd_sink_caps *sink, const struct wfd_source_limits *src,
                  const struct wfd_connection_stats *stats, struct wfd_negotiation *ret)
{
        _cleanup_free_ struct wfd_negotiation *n = NULL;
        const struct wfd_video_formats *vf;
        const struct wfd_connection_stats no_stats = {};
        uint16_t enc_profiles;
        uint8_t enc_level;
        size_t n_table;
        const struct wfd_mode *table;
        struct sort_ctx ctx = {};

        if (!sink || !src || !ret)
                return -EINVAL;
        if (!stats)
                stats = &no_stats;

        vf = pick_video_formats(sink, src);
        if (vf && vf->none)
                return -ENOTSUP;

        n = calloc(1, sizeof(*n));
        if (!n)
                return -ENOMEM;

        enc_profiles = src->encoder_profiles & (WFD_PROFILE_CBP | WFD_PROFILE_CHP);
        if (!enc_profiles)
                enc_profiles = WFD_PROFILE_CBP;
        enc_level = src->encoder_max_level_idc ? src->encoder_max_level_idc : 42;

        n->info.monitor_connected = wfd_negotiate_monitor_connected(sink);
        n->available_bps = min_known(min_known(stats->suggested_bitrate_bps, stats->local_max_bitrate_bps),
                                     stats->remote_max_bitrate_bps);

        /* 2. eligible (mode, profile, level) */
        table = wfd_modes_table(&n_table);
        if (vf) {
                n->wfdx = vf->wfdx;
                for (size_t i = 0; i < n_table; i++) {
                        const struct wfd_mode *m = &table[i];
                        struct wfd_usable_mode u;

                        if (m->interlaced || m->avoid)
                                continue;
                        if (wfd_mode_lookup(m->table, m->bit, vf->wfdx) != m)
                                continue; /* this entry is the other parameter's meaning of the bit */
                        if (!source_allows(src, m))
                                continue;
                        if (!best_pair(vf, m, enc_profiles, enc_level, &u))
                                continue;
                        if (n->n_usable_modes < WFD_NEGOTIATE_MAX_MODES)
                                n->usable_modes[n->n_usable_modes++] = u;
                }
                /* native 00 (CEA bit 0) is what sinks send when they have nothing to say. */
                ctx.native = vf->native ? wfd_mode_from_native(vf->native, vf->wfdx) : NULL;
        }

        if (n->n_usable_modes == 0) {
                /* The mandatory baseline: CEA bit 0, 640x480p60, CBP 3.1. */
                const struct wfd_mode *m = wfd_mode_lookup(WFD_MODE_TABLE_CEA, 0, false);

                n->fallback = true;
                n->wfdx = false;
                n->usable_modes[0] = (struct wfd_usable_mode) {
                        .mode = m,
                        .profile = WFD_PROFILE_CBP,
                        .level_idc = 31,
                        .needed_bps = wfd_negotiate_needed_bps(m),
                };
                n->n_usable_modes = 1;
        }

        /* 3. bit-rate model */
        if (n->available_bps) {
                uint64_t floor = 0;
                size_t kept = 0;

                for (size_t i = 0; i < n->n_usable_modes; i++) {
                        const struct wfd_mode *m = n->usable_modes[i].mode;

                        if ((uint64_t) m->width * m->height >= WFD_NEGOTIATE_MIN_AREA)
                                floor = floor ? MIN(floor, n->usable_modes[i].needed_bps)
                                              : n->usable_modes[i].needed_bps;
                }
                if (floor && n->available_bps < floor)
                        return -ENOSR;
                for (size_t i = 0; i < n->n_usable_modes; i++)
                        if (n->usable_modes[i].needed_bps <= n->available_bps)
                                n->usable_modes[kept++] = n->usable_modes[i];
                if (kept == 0)
                        return -ENOSR;
                if (kept < n->n_usable_modes)
                        n->info.reduced_mode_list_due_to_bandwidth = true;
                n->n_usable_modes = kept;
        }

        /* 4. preference */
        ctx.aspect_w = src->aspect_width;
        ctx.aspect_h = src->aspect_height;
        sort_modes(n->usable_modes, n->n_usable_modes, &ctx);
        n->video = n->usable_modes[0];
        n->target_bitrate_bps = target_bitrate(&n->video, n->available_bps, src->max_bitrate_bps,
                                               sink->has_max_bitrate ? sink->max_bitrate_bps : 0);

        /* 5. audio */
        pick_audio(sink, src, n);

        memcpy(ret, n, sizeof(*n));
        return 0;
}

const struct wfd_usable_mode *wfd_negotiation_mode_for_bitrate(const struct wfd_negotiation *n,
                                                               uint64_t available_bps)
{
        if (!n)
                return NULL;
        for (size_t i = 0; i < n->n_usable_modes && i < WFD_NEGOTIATE_MAX_MODES; i++)
                if (available_bps == 0 || n->usable_modes[i].needed_bps <= available_bps)
                        return &n->usable_modes[i];
        return NULL;
}

/* ---- M4 pieces ------------------------------------------------------------------- */

int wfd_negotiation_video_formats(const struct wfd_negotiation *n, const struct wfd_usable_mode *u,
                                  struct wfd_video_formats *ret)
{
        struct wfd_video_formats v = {};
        struct wfd_h264_codec *h = &v.codecs[0];
        uint16_t level_bit;

        if (!n || !u || !u->mode || !ret)
                return -EINVAL;
        level_bit = wfd_level_idc_to_bit(u->level_idc);
        if (!level_bit || (!n->wfdx && level_bit > WFD_LEVEL_4_2))
                return -EINVAL;
        if (u->profile != WFD_PROFILE_CBP && u->profile != WFD_PROFILE_CHP)
                return -EINVAL;
        if (wfd_mode_lookup(u->mode->table, u->mode->bit, n->wfdx) != u->mode)
                return -EINVAL;

        v.wfdx = n->wfdx;
        v.n_codecs = 1;
        h->profile = u->profile;
        h->level = level_bit;
        switch (u->mode->table) {
        case WFD_MODE_TABLE_CEA:
                h->cea = 1ull << u->mode->bit;
                break;
        case WFD_MODE_TABLE_VESA:
                h->vesa = 1ull << u->mode->bit;
                break;
        case WFD_MODE_TABLE_HH:
                h->hh = 1ull << u->mode->bit;
                break;
        default:
                return -EINVAL;
        }
        h->latency = u->latency;
        h->frame_rate_control = u->frame_rate_control;
        *ret = v;
        return 0;
}

int wfd_negotiation_audio_codecs(const struct wfd_negotiation *n, struct wfd_audio_codecs *ret)
{
        if (!n || !ret)
                return -EINVAL;
        if (!n->audio) {
                *ret = (struct wfd_audio_codecs) { .none = true };
                return 0;
        }
        *ret = (struct wfd_audio_codecs) { .n_codecs = 1, .codecs = { n->audio_codec } };
        return 0;
}

static int write_media(struct wfd_params_writer *w, const struct wfd_negotiation *n, const struct wfd_usable_mode *u)
{
        struct wfd_video_formats v;
        struct wfd_audio_codecs a;
        char value[512];
        int r;

        r = wfd_negotiation_video_formats(n, u, &v);
        if (r < 0)
                return r;
        r = wfd_video_formats_format(&v, value, sizeof(value));
        if (r < 0)
                return r;
        wfd_params_write(w, wfd_video_formats_name(&v), value);

        if (n->audio) {
                r = wfd_negotiation_audio_codecs(n, &a);
                if (r < 0)
                        return r;
                r = wfd_audio_codecs_format(&a, value, sizeof(value));
                if (r < 0)
                        return r;
                wfd_params_write(w, "wfd_audio_codecs", value);
        }
        return w->error;
}

int wfd_negotiation_m4_body(const struct wfd_negotiation *n, const struct wfd_presentation_url *url,
                            const struct wfd_client_rtp_ports *ports, char *buf, size_t size)
{
        const struct wfd_client_rtp_ports default_ports = { .transport = WFD_RTP_UDP, .port0 = 19000,
                                                            .mode_play = true };
        struct wfd_params_writer w;
        char value[2 * WFD_MAX_URL + 16];
        int r;

        if (!n || !url || !buf)
                return -EINVAL;
        wfd_params_writer_init(&w, buf, size);
        r = write_media(&w, n, &n->video);
        if (r < 0)
                return r;

        r = wfd_presentation_url_format(url, value, sizeof(value));
        if (r < 0)
                return r;
        wfd_params_write(&w, "wfd_presentation_URL", value);

        r = wfd_client_rtp_ports_format(ports ? ports : &default_ports, value, sizeof(value));
        if (r < 0)
                return r;
        wfd_params_write(&w, "wfd_client_rtp_ports", value);

        if (w.error < 0)
                return w.error;
        return (int) w.len;
}

int wfd_negotiation_format_change_body(const struct wfd_negotiation *n, const struct wfd_usable_mode *u,
                                       const struct wfd_av_format_change_timing *timing,
                                       char *buf, size_t size)
{
        struct wfd_params_writer w;
        char value[64];
        int r;

        if (!n || !u || !timing || !buf)
                return -EINVAL;
        wfd_params_writer_init(&w, buf, size);
        r = write_media(&w, n, u);
        if (r < 0)
                return r;
        r = wfd_av_format_change_timing_format(timing, value, sizeof(value));
        if (r < 0)
                return r;
        wfd_params_write(&w, "wfd_av_format_change_timing", value);
        if (w.error < 0)
                return w.error;
        return (int) w.len;
}
