/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * wfd_video_formats, wfdx_video_formats and wfd_3d_video_formats: parse and
 * format. See wfd_video.h; notes in docs/protocol.md, "WFD parameters", and [MS-WFDPE]
 * 2.7.1.1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "wfd_cursor.h"
#include "wfd_video.h"

/* ---- wfd_video_formats / wfdx_video_formats ------------------------------------- */

static bool take_none_or_hex4(struct cursor *c, bool *ret_has, uint16_t *ret)
{
        const char *t;
        size_t len;
        uint64_t v;

        if (!cursor_take_token(c, ",", &t, &len))
                return false;
        if (token_eq(t, len, "none")) {
                *ret_has = false;
                *ret = 0;
                return true;
        }
        if (!parse_hex(t, len, 4, &v))
                return false;
        *ret_has = true;
        *ret = (uint16_t) v;
        return true;
}

/* The fields every codec entry ends with: latency .. max-vres (shared by the 2D and 3D grammars). */
struct codec_tail {
        uint8_t latency;
        uint16_t min_slice_size;
        uint16_t slice_enc_params;
        uint8_t frame_rate_control;
        bool has_max_hres, has_max_vres;
        uint16_t max_hres, max_vres;
};

static int parse_codec_tail(struct cursor *c, struct codec_tail *t)
{
        uint64_t v;

        if (!cursor_take_hex(c, ",", 2, &v))
                return -EBADMSG;
        t->latency = (uint8_t) v;
        if (!cursor_take_hex(c, ",", 4, &v))
                return -EBADMSG;
        t->min_slice_size = (uint16_t) v;
        if (!cursor_take_hex(c, ",", 4, &v))
                return -EBADMSG;
        t->slice_enc_params = (uint16_t) v;
        if (!cursor_take_hex(c, ",", 2, &v))
                return -EBADMSG;
        t->frame_rate_control = (uint8_t) v;

        /* Some early sinks end the entry after frame-rate-control: read that as "none none". */
        t->has_max_hres = t->has_max_vres = false;
        t->max_hres = t->max_vres = 0;
        cursor_skip_ws(c);
        if (c->p < c->end && *c->p != ',') {
                if (!take_none_or_hex4(c, &t->has_max_hres, &t->max_hres) ||
                    !take_none_or_hex4(c, &t->has_max_vres, &t->max_vres))
                        return -EBADMSG;
        }
        return 0;
}

/* Field widths: plain wfd_video_formats vs wfdx ([MS-WFDPE] 2.7.1.1). Fewer digits are accepted. */
static int parse_h264_codec(struct cursor *c, bool wfdx, struct wfd_h264_codec *ret)
{
        const size_t small = wfdx ? 4 : 2, bitmap = wfdx ? 10 : 8;
        struct wfd_h264_codec h = {};
        struct codec_tail t;
        uint64_t v;
        int r;

        if (!cursor_take_hex(c, ",", small, &v))
                return -EBADMSG;
        h.profile = (uint16_t) v;
        if (!cursor_take_hex(c, ",", small, &v))
                return -EBADMSG;
        h.level = (uint16_t) v;
        if (!cursor_take_hex(c, ",", bitmap, &h.cea) ||
            !cursor_take_hex(c, ",", bitmap, &h.vesa) ||
            !cursor_take_hex(c, ",", 8, &h.hh))
                return -EBADMSG;
        r = parse_codec_tail(c, &t);
        if (r < 0)
                return r;
        h.latency = t.latency;
        h.min_slice_size = t.min_slice_size;
        h.slice_enc_params = t.slice_enc_params;
        h.frame_rate_control = t.frame_rate_control;
        h.has_max_hres = t.has_max_hres;
        h.max_hres = t.max_hres;
        h.has_max_vres = t.has_max_vres;
        h.max_vres = t.max_vres;

        *ret = h;
        return 0;
}

int wfd_video_formats_parse(const char *value, size_t len, bool wfdx, struct wfd_video_formats *ret)
{
        struct wfd_video_formats v = { .wfdx = wfdx };
        struct cursor c = { value, value + len };
        uint64_t x;

        if (!ret || (!value && len > 0))
                return -EINVAL;
        if (value_is(value, len, "none")) {
                v.none = true;
                *ret = v;
                return 0;
        }

        if (!cursor_take_hex(&c, ",", wfdx ? 4 : 2, &x))
                return -EBADMSG;
        v.native = (uint16_t) x;
        if (!cursor_take_hex(&c, ",", 2, &x))
                return -EBADMSG;
        v.preferred_display_mode = (uint8_t) x;

        for (;;) {
                int r;

                if (v.n_codecs >= WFD_MAX_H264_CODECS)
                        return -E2BIG;
                r = parse_h264_codec(&c, wfdx, &v.codecs[v.n_codecs]);
                if (r < 0)
                        return r;
                v.n_codecs++;
                if (cursor_at_end(&c))
                        break;
                if (!cursor_expect_char(&c, ','))
                        return -EBADMSG;
                /* Tolerate a trailing comma. */
                if (cursor_at_end(&c))
                        break;
        }

        *ret = v;
        return 0;
}

static int format_none_or_hex4(struct out *o, bool has, uint16_t v)
{
        if (has)
                out_printf(o, "%04X", v);
        else
                out_printf(o, "none");
        return o->error;
}

int wfd_video_formats_format(const struct wfd_video_formats *v, char *buf, size_t size)
{
        struct out o = { buf, size, 0, 0 };
        uint64_t cea_max;

        if (!v || !buf)
                return -EINVAL;
        cea_max = v->wfdx ? 0xFFFFFFFFFFull : 0xFFFFFFFFull;
        if (v->none || v->n_codecs == 0)
                return format_into(buf, size, "none");
        if (v->n_codecs > WFD_MAX_H264_CODECS)
                return -EINVAL;
        if (!v->wfdx && v->native > 0xFF)
                return -EINVAL;

        if (v->wfdx)
                out_printf(&o, "%04X %02X", v->native, v->preferred_display_mode);
        else
                out_printf(&o, "%02X %02X", v->native, v->preferred_display_mode);

        for (size_t i = 0; i < v->n_codecs; i++) {
                const struct wfd_h264_codec *h = &v->codecs[i];

                if (h->cea > cea_max || h->vesa > cea_max || h->hh > 0xFFFFFFFFull)
                        return -EINVAL;
                if (!v->wfdx && (h->profile > 0xFF || h->level > 0xFF))
                        return -EINVAL;
                out_printf(&o, "%s", i == 0 ? " " : ", ");
                if (v->wfdx)
                        out_printf(&o, "%04X %04X %010llX %010llX %08llX", h->profile, h->level,
                                   (unsigned long long) h->cea, (unsigned long long) h->vesa,
                                   (unsigned long long) h->hh);
                else
                        out_printf(&o, "%02X %02X %08llX %08llX %08llX", h->profile, h->level,
                                   (unsigned long long) h->cea, (unsigned long long) h->vesa,
                                   (unsigned long long) h->hh);
                out_printf(&o, " %02X %04X %04X %02X ", h->latency, h->min_slice_size, h->slice_enc_params,
                           h->frame_rate_control);
                format_none_or_hex4(&o, h->has_max_hres, h->max_hres);
                out_printf(&o, " ");
                format_none_or_hex4(&o, h->has_max_vres, h->max_vres);
        }
        return out_finish(&o);
}

const char *wfd_video_formats_name(const struct wfd_video_formats *v)
{
        return v && v->wfdx ? "wfdx_video_formats" : "wfd_video_formats";
}

/* ---- wfd_3d_video_formats ----------------------------------------------------------- */

int wfd_3d_video_formats_parse(const char *value, size_t len, struct wfd_3d_video_formats *ret)
{
        struct wfd_3d_video_formats v = {};
        struct cursor c = { value, value + len };
        uint64_t x;

        if (!ret || (!value && len > 0))
                return -EINVAL;
        if (value_is(value, len, "none")) {
                v.none = true;
                *ret = v;
                return 0;
        }
        if (!cursor_take_hex(&c, ",", 2, &x))
                return -EBADMSG;
        v.native = (uint8_t) x;
        if (!cursor_take_hex(&c, ",", 2, &x))
                return -EBADMSG;
        v.preferred_display_mode = (uint8_t) x;

        for (;;) {
                struct wfd_3d_codec *d;
                struct codec_tail t;
                int r;

                if (v.n_codecs >= WFD_MAX_H264_CODECS)
                        return -E2BIG;
                d = &v.codecs[v.n_codecs];
                if (!cursor_take_hex(&c, ",", 2, &x))
                        return -EBADMSG;
                d->profile = (uint8_t) x;
                if (!cursor_take_hex(&c, ",", 2, &x))
                        return -EBADMSG;
                d->level = (uint8_t) x;
                if (!cursor_take_hex(&c, ",", 16, &d->capability))
                        return -EBADMSG;
                r = parse_codec_tail(&c, &t);
                if (r < 0)
                        return r;
                d->latency = t.latency;
                d->min_slice_size = t.min_slice_size;
                d->slice_enc_params = t.slice_enc_params;
                d->frame_rate_control = t.frame_rate_control;
                d->has_max_hres = t.has_max_hres;
                d->max_hres = t.max_hres;
                d->has_max_vres = t.has_max_vres;
                d->max_vres = t.max_vres;
                v.n_codecs++;
                if (cursor_at_end(&c))
                        break;
                if (!cursor_expect_char(&c, ','))
                        return -EBADMSG;
                if (cursor_at_end(&c))
                        break;
        }
        *ret = v;
        return 0;
}

int wfd_3d_video_formats_format(const struct wfd_3d_video_formats *v, char *buf, size_t size)
{
        struct out o = { buf, size, 0, 0 };

        if (!v || !buf)
                return -EINVAL;
        if (v->none || v->n_codecs == 0)
                return format_into(buf, size, "none");
        if (v->n_codecs > WFD_MAX_H264_CODECS)
                return -EINVAL;
        out_printf(&o, "%02X %02X", v->native, v->preferred_display_mode);
        for (size_t i = 0; i < v->n_codecs; i++) {
                const struct wfd_3d_codec *d = &v->codecs[i];

                out_printf(&o, "%s%02X %02X %016llX %02X %04X %04X %02X ", i == 0 ? " " : ", ", d->profile,
                           d->level, (unsigned long long) d->capability, d->latency, d->min_slice_size,
                           d->slice_enc_params, d->frame_rate_control);
                format_none_or_hex4(&o, d->has_max_hres, d->max_hres);
                out_printf(&o, " ");
                format_none_or_hex4(&o, d->has_max_vres, d->max_vres);
        }
        return out_finish(&o);
}
