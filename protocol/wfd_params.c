/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * WFD text/parameters bodies and every wfd_* value: parse and format.
 * See wfd_params.h for the contract; grammar in docs/wfd-protocol.md §5.
 *
 * All value parsers walk one bounds-checked cursor over (value, len); none of
 * them needs a NUL terminator, so they can run straight on a received body.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "wfd_params.h"

/* ---- cursor ------------------------------------------------------------------ */

struct cursor {
        const char *p, *end;
};

static bool is_ws(char c)
{
        return c == ' ' || c == '\t';
}

static void cursor_skip_ws(struct cursor *c)
{
        while (c->p < c->end && is_ws(*c->p))
                c->p++;
}

static bool cursor_at_end(struct cursor *c)
{
        cursor_skip_ws(c);
        return c->p >= c->end;
}

/* Next run of characters that are neither white space nor any of `stops`. */
static bool cursor_take_token(struct cursor *c, const char *stops, const char **ret, size_t *ret_len)
{
        const char *start;

        cursor_skip_ws(c);
        start = c->p;
        while (c->p < c->end && !is_ws(*c->p) && !strchr(stops, *c->p))
                c->p++;
        if (c->p == start)
                return false;
        *ret = start;
        *ret_len = (size_t) (c->p - start);
        return true;
}

/* Consume `ch` after optional white space. */
static bool cursor_expect_char(struct cursor *c, char ch)
{
        cursor_skip_ws(c);
        if (c->p < c->end && *c->p == ch) {
                c->p++;
                return true;
        }
        return false;
}

static bool token_eq(const char *t, size_t len, const char *word)
{
        return strlen(word) == len && strncasecmp(t, word, len) == 0;
}

static int hex_digit(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* 1..max_digits hex digits, nothing else. */
static bool parse_hex(const char *t, size_t len, size_t max_digits, uint64_t *ret)
{
        uint64_t v = 0;

        if (len == 0 || len > max_digits || max_digits > 16)
                return false;
        for (size_t i = 0; i < len; i++) {
                int d = hex_digit(t[i]);
                if (d < 0)
                        return false;
                v = (v << 4) | (uint64_t) d;
        }
        *ret = v;
        return true;
}

static bool cursor_take_hex(struct cursor *c, const char *stops, size_t max_digits, uint64_t *ret)
{
        const char *t;
        size_t len;

        return cursor_take_token(c, stops, &t, &len) && parse_hex(t, len, max_digits, ret);
}

/* Decimal 0..max, at most 10 digits. */
static bool parse_dec(const char *t, size_t len, uint64_t max, uint64_t *ret)
{
        uint64_t v = 0;

        if (len == 0 || len > 10)
                return false;
        for (size_t i = 0; i < len; i++) {
                if (t[i] < '0' || t[i] > '9')
                        return false;
                v = v * 10 + (uint64_t) (t[i] - '0');
        }
        if (v > max)
                return false;
        *ret = v;
        return true;
}

/* The whole value (trimmed) is exactly `word`, case-insensitively. */
static bool value_is(const char *value, size_t len, const char *word)
{
        struct cursor c = { value, value + len };
        const char *t;
        size_t tl;

        if (!cursor_take_token(&c, "", &t, &tl))
                return false;
        return token_eq(t, tl, word) && cursor_at_end(&c);
}

/* snprintf that reports truncation as -ENOBUFS. */
static int format_into(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int format_into(char *buf, size_t size, const char *fmt, ...)
{
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(buf, size, fmt, ap);
        va_end(ap);
        if (n < 0 || (size_t) n >= size)
                return -ENOBUFS;
        return n;
}

/* Appends to (buf, size) at *pos; sticky error in the return value of the last call. */
struct out {
        char *buf;
        size_t size;
        size_t pos;
        int error;
};

static void out_printf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out_printf(struct out *o, const char *fmt, ...)
{
        va_list ap;
        int n;

        if (o->error < 0)
                return;
        if (o->pos >= o->size) {
                o->error = -ENOBUFS;
                return;
        }
        va_start(ap, fmt);
        n = vsnprintf(o->buf + o->pos, o->size - o->pos, fmt, ap);
        va_end(ap);
        if (n < 0 || (size_t) n >= o->size - o->pos) {
                o->error = -ENOBUFS;
                return;
        }
        o->pos += (size_t) n;
}

static int out_finish(struct out *o)
{
        if (o->error < 0)
                return o->error;
        if (o->size == 0)
                return -ENOBUFS;
        return (int) o->pos;
}

/* ---- the text/parameters body ------------------------------------------------ */

static bool name_char_ok(char c)
{
        return c > 0x20 && c < 0x7f && c != ':';
}

static bool value_chars_ok(const char *v, size_t len)
{
        for (size_t i = 0; i < len; i++) {
                unsigned char ch = (unsigned char) v[i];
                if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
                        return false;
        }
        return true;
}

static void trim(const char **s, size_t *len)
{
        while (*len > 0 && (is_ws(**s) || **s == '\r')) {
                (*s)++;
                (*len)--;
        }
        while (*len > 0 && (is_ws((*s)[*len - 1]) || (*s)[*len - 1] == '\r'))
                (*len)--;
}

int wfd_params_parse_body(const char *body, size_t len, struct wfd_param_list *ret)
{
        struct wfd_param_list l = {};
        const char *p, *end;

        if (!ret || (!body && len > 0))
                return -EINVAL;
        if (len > WFD_MAX_BODY)
                return -E2BIG;

        p = body;
        end = body ? body + len : NULL;
        while (p && p < end) {
                const char *nl = memchr(p, '\n', (size_t) (end - p));
                const char *line_end = nl ? nl : end;
                const char *line = p, *colon, *name, *value = NULL;
                size_t line_len = (size_t) (line_end - line), name_len, value_len = 0;
                bool ok = true;

                p = nl ? nl + 1 : end;

                trim(&line, &line_len);
                if (line_len == 0)
                        continue;

                colon = memchr(line, ':', line_len);
                name = line;
                name_len = colon ? (size_t) (colon - line) : line_len;
                trim(&name, &name_len);
                if (colon) {
                        value = colon + 1;
                        value_len = (size_t) (line + line_len - value);
                        trim(&value, &value_len);
                        ok = value_chars_ok(value, value_len);
                }
                if (name_len == 0)
                        ok = false;
                for (size_t i = 0; ok && i < name_len; i++)
                        ok = name_char_ok(name[i]);
                if (!ok) {
                        l.n_invalid++;
                        continue;
                }
                if (l.n >= WFD_MAX_PARAMS)
                        return -E2BIG;
                l.params[l.n++] = (struct wfd_param) {
                        .name = name,
                        .name_len = name_len,
                        .value = colon ? value : NULL,
                        .value_len = value_len,
                        .has_value = colon != NULL,
                };
        }

        *ret = l;
        return 0;
}

bool wfd_param_is(const struct wfd_param *p, const char *name)
{
        size_t n = strlen(name);

        return p && p->name_len == n && memcmp(p->name, name, n) == 0;
}

const struct wfd_param *wfd_params_find(const struct wfd_param_list *l, const char *name)
{
        if (!l || !name)
                return NULL;
        for (size_t i = 0; i < l->n && i < WFD_MAX_PARAMS; i++)
                if (wfd_param_is(&l->params[i], name))
                        return &l->params[i];
        return NULL;
}

void wfd_params_writer_init(struct wfd_params_writer *w, char *buf, size_t size)
{
        *w = (struct wfd_params_writer) { .buf = buf, .size = size };
        if (buf && size > 0)
                buf[0] = 0;
        else
                w->error = -ENOBUFS;
}

static int writer_append(struct wfd_params_writer *w, const char *fmt, va_list ap)
{
        int n;

        if (w->error < 0)
                return w->error;
        n = vsnprintf(w->buf + w->len, w->size - w->len, fmt, ap);
        if (n < 0 || (size_t) n >= w->size - w->len) {
                w->buf[w->len] = 0; /* drop the partial line */
                return (w->error = -ENOBUFS);
        }
        w->len += (size_t) n;
        return 0;
}

static int writer_printf(struct wfd_params_writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int writer_printf(struct wfd_params_writer *w, const char *fmt, ...)
{
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = writer_append(w, fmt, ap);
        va_end(ap);
        return r;
}

int wfd_params_write_name(struct wfd_params_writer *w, const char *name)
{
        if (!name || !*name)
                return (w->error = w->error < 0 ? w->error : -EINVAL);
        return writer_printf(w, "%s\r\n", name);
}

int wfd_params_write(struct wfd_params_writer *w, const char *name, const char *value)
{
        if (!name || !*name)
                return (w->error = w->error < 0 ? w->error : -EINVAL);
        if (!value)
                return wfd_params_write_name(w, name);
        return writer_printf(w, "%s: %s\r\n", name, value);
}

int wfd_params_writef(struct wfd_params_writer *w, const char *name, const char *fmt, ...)
{
        size_t start = w->len;
        va_list ap;
        int r;

        if (!name || !*name)
                return (w->error = w->error < 0 ? w->error : -EINVAL);
        r = writer_printf(w, "%s: ", name);
        if (r < 0)
                return r;
        va_start(ap, fmt);
        r = writer_append(w, fmt, ap);
        va_end(ap);
        if (r >= 0)
                r = writer_printf(w, "\r\n");
        if (r < 0) {
                w->len = start;
                w->buf[start] = 0;
        }
        return r;
}

/* ---- parameter names ------------------------------------------------------------ */

static const char *const param_names[_WFD_PARAM_MAX] = {
        [WFD_PARAM_AUDIO_CODECS] = "wfd_audio_codecs",
        [WFD_PARAM_VIDEO_FORMATS] = "wfd_video_formats",
        [WFD_PARAM_WFDX_VIDEO_FORMATS] = "wfdx_video_formats",
        [WFD_PARAM_3D_VIDEO_FORMATS] = "wfd_3d_video_formats",
        [WFD_PARAM_CLIENT_RTP_PORTS] = "wfd_client_rtp_ports",
        [WFD_PARAM_PRESENTATION_URL] = "wfd_presentation_URL",
        [WFD_PARAM_CONTENT_PROTECTION] = "wfd_content_protection",
        [WFD_PARAM_DISPLAY_EDID] = "wfd_display_edid",
        [WFD_PARAM_COUPLED_SINK] = "wfd_coupled_sink",
        [WFD_PARAM_UIBC_CAPABILITY] = "wfd_uibc_capability",
        [WFD_PARAM_UIBC_SETTING] = "wfd_uibc_setting",
        [WFD_PARAM_STANDBY_RESUME_CAPABILITY] = "wfd_standby_resume_capability",
        [WFD_PARAM_STANDBY] = "wfd_standby",
        [WFD_PARAM_CONNECTOR_TYPE] = "wfd_connector_type",
        [WFD_PARAM_IDR_REQUEST] = "wfd_idr_request",
        [WFD_PARAM_IDR_REQUEST_CAPABILITY] = "wfd_idr_request_capability",
        [WFD_PARAM_MS_FORMAT_CHANGE_CAPABILITY] = "microsoft_format_change_capability",
        [WFD_PARAM_TRIGGER_METHOD] = "wfd_trigger_method",
        [WFD_PARAM_ROUTE] = "wfd_route",
        [WFD_PARAM_I2C] = "wfd_I2C",
        [WFD_PARAM_AV_FORMAT_CHANGE_TIMING] = "wfd_av_format_change_timing",
};

const char *wfd_param_id_to_string(enum wfd_param_id id)
{
        if (id < 0 || id >= _WFD_PARAM_MAX)
                return NULL;
        return param_names[id];
}

enum wfd_param_id wfd_param_id_from_string(const char *name, size_t len)
{
        if (!name)
                return _WFD_PARAM_UNKNOWN;
        for (int i = 0; i < _WFD_PARAM_MAX; i++)
                if (strlen(param_names[i]) == len && memcmp(param_names[i], name, len) == 0)
                        return (enum wfd_param_id) i;
        return _WFD_PARAM_UNKNOWN;
}

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

/* ---- wfd_audio_codecs -------------------------------------------------------------- */

static const char *const audio_format_names[_WFD_AUDIO_FORMAT_MAX] = {
        [WFD_AUDIO_FORMAT_LPCM] = "LPCM",
        [WFD_AUDIO_FORMAT_AAC] = "AAC",
        [WFD_AUDIO_FORMAT_AC3] = "AC3",
};

const char *wfd_audio_format_to_string(enum wfd_audio_format f)
{
        if ((int) f < 0 || f >= _WFD_AUDIO_FORMAT_MAX)
                return NULL;
        return audio_format_names[f];
}

int wfd_audio_codecs_parse(const char *value, size_t len, struct wfd_audio_codecs *ret)
{
        struct wfd_audio_codecs a = {};
        struct cursor c = { value, value + len };

        if (!ret || (!value && len > 0))
                return -EINVAL;
        if (value_is(value, len, "none")) {
                a.none = true;
                *ret = a;
                return 0;
        }

        for (;;) {
                const char *t;
                size_t tl;
                uint64_t modes, latency;
                int format = -1;

                if (!cursor_take_token(&c, ",", &t, &tl))
                        return -EBADMSG;
                for (int i = 0; i < _WFD_AUDIO_FORMAT_MAX; i++)
                        if (token_eq(t, tl, audio_format_names[i]))
                                format = i;
                if (!cursor_take_hex(&c, ",", 8, &modes) || !cursor_take_hex(&c, ",", 2, &latency))
                        return -EBADMSG;
                if (format < 0) {
                        a.n_unknown++;
                } else {
                        if (a.n_codecs >= WFD_MAX_AUDIO_CODECS)
                                return -E2BIG;
                        a.codecs[a.n_codecs++] = (struct wfd_audio_codec) {
                                .format = (enum wfd_audio_format) format,
                                .modes = (uint32_t) modes,
                                .latency = (uint8_t) latency,
                        };
                }
                if (cursor_at_end(&c))
                        break;
                if (!cursor_expect_char(&c, ','))
                        return -EBADMSG;
                if (cursor_at_end(&c))
                        break;
        }

        *ret = a;
        return 0;
}

int wfd_audio_codecs_format(const struct wfd_audio_codecs *a, char *buf, size_t size)
{
        struct out o = { buf, size, 0, 0 };

        if (!a || !buf)
                return -EINVAL;
        if (a->none || a->n_codecs == 0)
                return format_into(buf, size, "none");
        if (a->n_codecs > WFD_MAX_AUDIO_CODECS)
                return -EINVAL;
        for (size_t i = 0; i < a->n_codecs; i++) {
                const char *name = wfd_audio_format_to_string(a->codecs[i].format);
                if (!name)
                        return -EINVAL;
                out_printf(&o, "%s%s %08X %02X", i ? ", " : "", name, (unsigned) a->codecs[i].modes,
                           a->codecs[i].latency);
        }
        return out_finish(&o);
}

const struct wfd_audio_codec *wfd_audio_codecs_find(const struct wfd_audio_codecs *a, enum wfd_audio_format f)
{
        if (!a || a->none)
                return NULL;
        for (size_t i = 0; i < a->n_codecs && i < WFD_MAX_AUDIO_CODECS; i++)
                if (a->codecs[i].format == f)
                        return &a->codecs[i];
        return NULL;
}

int wfd_audio_mode_info(enum wfd_audio_format f, uint32_t mode_bit, unsigned *ret_rate_hz, unsigned *ret_channels)
{
        unsigned rate, ch;

        switch (f) {
        case WFD_AUDIO_FORMAT_LPCM:
                if (mode_bit == WFD_AUDIO_LPCM_44K1_2CH)
                        rate = 44100, ch = 2;
                else if (mode_bit == WFD_AUDIO_LPCM_48K_2CH)
                        rate = 48000, ch = 2;
                else
                        return -EINVAL;
                break;
        case WFD_AUDIO_FORMAT_AAC:
                if (mode_bit == WFD_AUDIO_AAC_48K_2CH)
                        ch = 2;
                else if (mode_bit == WFD_AUDIO_AAC_48K_4CH)
                        ch = 4;
                else if (mode_bit == WFD_AUDIO_AAC_48K_6CH)
                        ch = 6;
                else if (mode_bit == WFD_AUDIO_AAC_48K_8CH)
                        ch = 8;
                else
                        return -EINVAL;
                rate = 48000;
                break;
        case WFD_AUDIO_FORMAT_AC3:
                if (mode_bit == WFD_AUDIO_AC3_48K_2CH)
                        ch = 2;
                else if (mode_bit == WFD_AUDIO_AC3_48K_4CH)
                        ch = 4;
                else if (mode_bit == WFD_AUDIO_AC3_48K_6CH)
                        ch = 6;
                else
                        return -EINVAL;
                rate = 48000;
                break;
        default:
                return -EINVAL;
        }
        if (ret_rate_hz)
                *ret_rate_hz = rate;
        if (ret_channels)
                *ret_channels = ch;
        return 0;
}

/* ---- wfd_client_rtp_ports ---------------------------------------------------------- */

int wfd_client_rtp_ports_parse(const char *value, size_t len, struct wfd_client_rtp_ports *ret)
{
        struct wfd_client_rtp_ports p = {};
        struct cursor c = { value, value + len };
        const char *t;
        size_t tl;
        uint64_t port;

        if (!ret || (!value && len > 0))
                return -EINVAL;
        if (!cursor_take_token(&c, "", &t, &tl))
                return -EBADMSG;
        if (token_eq(t, tl, "RTP/AVP/UDP;unicast") || token_eq(t, tl, "RTP/AVP;unicast"))
                p.transport = WFD_RTP_UDP;
        else if (token_eq(t, tl, "RTP/AVP/TCP;unicast"))
                p.transport = WFD_RTP_TCP;
        else
                return -EBADMSG;

        if (!cursor_take_token(&c, "", &t, &tl) || !parse_dec(t, tl, 65535, &port))
                return -EBADMSG;
        p.port0 = (uint16_t) port;
        if (!cursor_take_token(&c, "", &t, &tl) || !parse_dec(t, tl, 65535, &port))
                return -EBADMSG;
        p.port1 = (uint16_t) port;

        if (cursor_take_token(&c, "", &t, &tl)) {
                if (!token_eq(t, tl, "mode=play"))
                        return -EBADMSG;
                p.mode_play = true;
        }
        if (!cursor_at_end(&c))
                return -EBADMSG;

        *ret = p;
        return 0;
}

int wfd_client_rtp_ports_format(const struct wfd_client_rtp_ports *p, char *buf, size_t size)
{
        if (!p || !buf)
                return -EINVAL;
        return format_into(buf, size, "%s %u %u mode=play",
                           p->transport == WFD_RTP_TCP ? "RTP/AVP/TCP;unicast" : "RTP/AVP/UDP;unicast",
                           p->port0, p->port1);
}

/* ---- wfd_presentation_URL ------------------------------------------------------------ */

static int take_url(struct cursor *c, char *dst)
{
        const char *t;
        size_t tl;

        if (!cursor_take_token(c, "", &t, &tl))
                return -EBADMSG;
        if (token_eq(t, tl, "none")) {
                dst[0] = 0;
                return 0;
        }
        if (tl < 7 || strncasecmp(t, "rtsp://", 7) != 0)
                return -EBADMSG;
        if (tl >= WFD_MAX_URL)
                return -E2BIG;
        memcpy(dst, t, tl);
        dst[tl] = 0;
        return 0;
}

int wfd_presentation_url_parse(const char *value, size_t len, struct wfd_presentation_url *ret)
{
        struct wfd_presentation_url u = {};
        struct cursor c = { value, value + len };
        int r;

        if (!ret || (!value && len > 0))
                return -EINVAL;
        r = take_url(&c, u.url0);
        if (r < 0)
                return r;
        if (!cursor_at_end(&c)) {
                r = take_url(&c, u.url1);
                if (r < 0)
                        return r;
        }
        if (!cursor_at_end(&c))
                return -EBADMSG;
        *ret = u;
        return 0;
}

int wfd_presentation_url_format(const struct wfd_presentation_url *u, char *buf, size_t size)
{
        if (!u || !buf)
                return -EINVAL;
        return format_into(buf, size, "%s %s", u->url0[0] ? u->url0 : "none", u->url1[0] ? u->url1 : "none");
}

int wfd_presentation_url_make(const char *host, uint16_t port, struct wfd_presentation_url *ret)
{
        struct wfd_presentation_url u = {};
        int n;

        if (!host || !*host || !ret)
                return -EINVAL;
        for (const char *s = host; *s; s++)
                if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
                      strchr(".:[]-", *s)))
                        return -EINVAL;
        if (port)
                n = snprintf(u.url0, sizeof(u.url0), "rtsp://%s:%u/wfd1.0/streamid=0", host, port);
        else
                n = snprintf(u.url0, sizeof(u.url0), "rtsp://%s/wfd1.0/streamid=0", host);
        if (n < 0 || (size_t) n >= sizeof(u.url0))
                return -E2BIG;
        *ret = u;
        return 0;
}

/* ---- wfd_content_protection --------------------------------------------------------- */

int wfd_content_protection_parse(const char *value, size_t len, struct wfd_content_protection *ret)
{
        struct wfd_content_protection cp = {};
        struct cursor c = { value, value + len };
        const char *t;
        size_t tl;
        uint64_t port;

        if (!ret || (!value && len > 0))
                return -EINVAL;
        if (!cursor_take_token(&c, "", &t, &tl))
                return -EBADMSG;
        if (token_eq(t, tl, "none")) {
                if (!cursor_at_end(&c))
                        return -EBADMSG;
                *ret = cp;
                return 0;
        }
        if (token_eq(t, tl, "HDCP2.0"))
                cp.hdcp = WFD_HDCP_2_0;
        else if (token_eq(t, tl, "HDCP2.1"))
                cp.hdcp = WFD_HDCP_2_1;
        else
                return -EBADMSG;
        if (!cursor_take_token(&c, "", &t, &tl) || tl < 5 || strncasecmp(t, "port=", 5) != 0 ||
            !parse_dec(t + 5, tl - 5, 65535, &port) || port == 0)
                return -EBADMSG;
        cp.port = (uint16_t) port;
        if (!cursor_at_end(&c))
                return -EBADMSG;
        *ret = cp;
        return 0;
}

int wfd_content_protection_format(const struct wfd_content_protection *cp, char *buf, size_t size)
{
        if (!cp || !buf)
                return -EINVAL;
        switch (cp->hdcp) {
        case WFD_HDCP_NONE:
                return format_into(buf, size, "none");
        case WFD_HDCP_2_0:
                return format_into(buf, size, "HDCP2.0 port=%u", cp->port);
        case WFD_HDCP_2_1:
                return format_into(buf, size, "HDCP2.1 port=%u", cp->port);
        default:
                return -EINVAL;
        }
}

/* ---- wfd_display_edid ---------------------------------------------------------------- */

int wfd_display_edid_parse(const char *value, size_t len, struct wfd_display_edid *ret)
{
        struct cursor c = { value, value + len };
        const char *t;
        size_t tl;
        uint64_t count;

        if (!ret || (!value && len > 0))
                return -EINVAL;
        if (!cursor_take_token(&c, "", &t, &tl))
                return -EBADMSG;
        if (token_eq(t, tl, "none")) {
                if (!cursor_at_end(&c))
                        return -EBADMSG;
                *ret = (struct wfd_display_edid) { .none = true };
                return 0;
        }
        /* The grammar says 4 hex digits; some sinks send 2. */
        if (!parse_hex(t, tl, 4, &count))
                return -EBADMSG;
        if (count == 0) {
                /* "0000" alone or "0000 none": no EDID. */
                if (!cursor_at_end(&c) && !(cursor_take_token(&c, "", &t, &tl) && token_eq(t, tl, "none") &&
                                            cursor_at_end(&c)))
                        return -EBADMSG;
                *ret = (struct wfd_display_edid) { .none = true };
                return 0;
        }
        if (!cursor_take_token(&c, "", &t, &tl))
                return -EBADMSG;
        if (!cursor_at_end(&c))
                return -EBADMSG;
        if (count > WFD_MAX_EDID_BLOCKS)
                return -E2BIG;
        if (tl != count * 256)
                return -EBADMSG;  /* truncated or padded: the count must match */

        /* Decode into a local first: *ret stays untouched on error. */
        uint8_t data[WFD_MAX_EDID_BLOCKS * 128];
        for (size_t i = 0; i < tl / 2; i++) {
                int hi = hex_digit(t[2 * i]), lo = hex_digit(t[2 * i + 1]);
                if (hi < 0 || lo < 0)
                        return -EBADMSG;
                data[i] = (uint8_t) (hi << 4 | lo);
        }
        ret->none = false;
        ret->block_count = (uint16_t) count;
        ret->len = tl / 2;
        memcpy(ret->data, data, ret->len);
        memset(ret->data + ret->len, 0, sizeof(ret->data) - ret->len);
        return 0;
}

int wfd_display_edid_format(const struct wfd_display_edid *e, char *buf, size_t size)
{
        struct out o = { buf, size, 0, 0 };

        if (!e || !buf)
                return -EINVAL;
        if (e->none || e->len == 0)
                return format_into(buf, size, "none");
        if (e->len % 128 || e->len > sizeof(e->data))
                return -EINVAL;
        out_printf(&o, "%04zX ", e->len / 128);
        for (size_t i = 0; i < e->len; i++)
                out_printf(&o, "%02x", e->data[i]);
        return out_finish(&o);
}

bool wfd_display_edid_valid(const struct wfd_display_edid *e)
{
        static const uint8_t header[8] = { 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00 };

        return e && !e->none && e->len >= 128 && memcmp(e->data, header, sizeof(header)) == 0;
}

int wfd_display_edid_monitor_name(const struct wfd_display_edid *e, char *buf, size_t size)
{
        if (!buf || size == 0)
                return -EINVAL;
        if (!wfd_display_edid_valid(e))
                return -ENOENT;
        /* Four 18-byte descriptors at 54, 72, 90, 108; a display descriptor starts 00 00 00 <tag> 00. */
        for (size_t off = 54; off + 18 <= 126; off += 18) {
                const uint8_t *d = e->data + off;
                size_t n = 0;

                if (d[0] || d[1] || d[2] || d[3] != 0xfc)
                        continue;
                for (size_t i = 5; i < 18 && d[i] != 0x0a && n + 1 < size; i++)
                        buf[n++] = (d[i] >= 0x20 && d[i] < 0x7f) ? (char) d[i] : '?';
                while (n > 0 && buf[n - 1] == ' ')
                        n--;
                buf[n] = 0;
                return n > 0 ? 0 : -ENOENT;
        }
        return -ENOENT;
}

/* ---- wfd_coupled_sink ---------------------------------------------------------------- */

int wfd_coupled_sink_parse(const char *value, size_t len, struct wfd_coupled_sink *ret)
{
        struct wfd_coupled_sink cs = {};
        struct cursor c = { value, value + len };
        const char *t;
        size_t tl;
        uint64_t v;

        if (!ret || (!value && len > 0))
                return -EINVAL;
        if (value_is(value, len, "none")) {
                cs.none = true;
                *ret = cs;
                return 0;
        }
        if (!cursor_take_hex(&c, "", 2, &v))
                return -EBADMSG;
        cs.status = (uint8_t) v;
        if (!cursor_take_token(&c, "", &t, &tl))
                return -EBADMSG;
        if (!token_eq(t, tl, "none")) {
                if (tl != 12 || !parse_hex(t, tl, 12, &v))
                        return -EBADMSG;
                cs.has_mac = true;
                for (int i = 0; i < 6; i++)
                        cs.mac[i] = (uint8_t) (v >> (8 * (5 - i)));
        }
        if (!cursor_at_end(&c))
                return -EBADMSG;
        *ret = cs;
        return 0;
}

int wfd_coupled_sink_format(const struct wfd_coupled_sink *cs, char *buf, size_t size)
{
        if (!cs || !buf)
                return -EINVAL;
        if (cs->none)
                return format_into(buf, size, "none");
        if (!cs->has_mac)
                return format_into(buf, size, "%02X none", cs->status);
        return format_into(buf, size, "%02X %02x%02x%02x%02x%02x%02x", cs->status, cs->mac[0], cs->mac[1],
                           cs->mac[2], cs->mac[3], cs->mac[4], cs->mac[5]);
}

/* ---- wfd_uibc_capability --------------------------------------------------------------- */

static const char *const uibc_type_names[_WFD_UIBC_INPUT_MAX] = {
        [WFD_UIBC_INPUT_KEYBOARD] = "Keyboard",
        [WFD_UIBC_INPUT_MOUSE] = "Mouse",
        [WFD_UIBC_INPUT_SINGLE_TOUCH] = "SingleTouch",
        [WFD_UIBC_INPUT_MULTI_TOUCH] = "MultiTouch",
        [WFD_UIBC_INPUT_JOYSTICK] = "Joystick",
        [WFD_UIBC_INPUT_CAMERA] = "Camera",
        [WFD_UIBC_INPUT_GESTURE] = "Gesture",
        [WFD_UIBC_INPUT_REMOTE_CONTROL] = "RemoteControl",
};

static const char *const uibc_path_names[_WFD_UIBC_PATH_MAX] = {
        [WFD_UIBC_PATH_INFRARED] = "Infrared",
        [WFD_UIBC_PATH_USB] = "USB",
        [WFD_UIBC_PATH_BT] = "BT",
        [WFD_UIBC_PATH_ZIGBEE] = "Zigbee",
        [WFD_UIBC_PATH_WIFI] = "Wi-Fi",
        [WFD_UIBC_PATH_NO_SP] = "No-SP",
};

static int lookup_name(const char *const *names, int n, const char *t, size_t tl)
{
        for (int i = 0; i < n; i++)
                if (token_eq(t, tl, names[i]))
                        return i;
        return -1;
}

/* One "key=list" section value (between '=' and ';'): items split at ','. */
static int uibc_parse_list(const char *v, size_t vl, int which, struct wfd_uibc_capability *u)
{
        struct cursor c = { v, v + vl };

        if (value_is(v, vl, "none"))
                return 0;
        for (;;) {
                const char *t;
                size_t tl;

                if (!cursor_take_token(&c, ",", &t, &tl))
                        return -EBADMSG;
                if (which == 0) {
                        if (token_eq(t, tl, "GENERIC"))
                                u->categories |= WFD_UIBC_CATEGORY_GENERIC;
                        else if (token_eq(t, tl, "HIDC"))
                                u->categories |= WFD_UIBC_CATEGORY_HIDC;
                } else if (which == 1) {
                        int i = lookup_name(uibc_type_names, _WFD_UIBC_INPUT_MAX, t, tl);
                        if (i >= 0)
                                u->generic_types |= 1u << i;
                } else {
                        const char *slash = memchr(t, '/', tl);
                        int ty, pa;

                        if (!slash)
                                return -EBADMSG;
                        ty = lookup_name(uibc_type_names, _WFD_UIBC_INPUT_MAX, t, (size_t) (slash - t));
                        pa = lookup_name(uibc_path_names, _WFD_UIBC_PATH_MAX, slash + 1,
                                         tl - (size_t) (slash - t) - 1);
                        /* Unknown types or paths are skipped, not fatal. */
                        if (ty >= 0 && pa >= 0) {
                                if (u->n_hidc >= WFD_MAX_UIBC_HIDC)
                                        return -E2BIG;
                                u->hidc[u->n_hidc++] = (struct wfd_uibc_hidc) { ty, pa };
                        }
                }
                if (cursor_at_end(&c))
                        return 0;
                if (!cursor_expect_char(&c, ','))
                        return -EBADMSG;
        }
}

int wfd_uibc_capability_parse(const char *value, size_t len, struct wfd_uibc_capability *ret)
{
        struct wfd_uibc_capability u = {};
        const char *p = value, *end = value + len;
        bool seen_port = false;

        if (!ret || (!value && len > 0))
                return -EINVAL;
        if (value_is(value, len, "none")) {
                u.none = true;
                *ret = u;
                return 0;
        }
        while (p < end) {
                const char *semi = memchr(p, ';', (size_t) (end - p));
                const char *sec_end = semi ? semi : end;
                const char *sec = p, *eq, *k, *v;
                size_t sl = (size_t) (sec_end - sec), kl, vl;
                int r = 0;

                p = semi ? semi + 1 : end;
                trim(&sec, &sl);
                if (sl == 0)
                        continue;
                eq = memchr(sec, '=', sl);
                if (!eq)
                        return -EBADMSG;
                k = sec;
                kl = (size_t) (eq - sec);
                v = eq + 1;
                vl = sl - kl - 1;
                trim(&k, &kl);
                trim(&v, &vl);
                if (token_eq(k, kl, "input_category_list"))
                        r = uibc_parse_list(v, vl, 0, &u);
                else if (token_eq(k, kl, "generic_cap_list"))
                        r = uibc_parse_list(v, vl, 1, &u);
                else if (token_eq(k, kl, "hidc_cap_list"))
                        r = uibc_parse_list(v, vl, 2, &u);
                else if (token_eq(k, kl, "port")) {
                        uint64_t port;

                        seen_port = true;
                        if (token_eq(v, vl, "none"))
                                u.has_port = false;
                        else if (parse_dec(v, vl, 65535, &port)) {
                                u.has_port = true;
                                u.port = (uint16_t) port;
                        } else
                                r = -EBADMSG;
                }
                /* Unknown keys: ignored (later spec revisions may add some). */
                if (r < 0)
                        return r;
        }
        if (!seen_port && u.categories == 0 && u.generic_types == 0 && u.n_hidc == 0)
                return -EBADMSG;  /* nothing we recognise at all */
        *ret = u;
        return 0;
}

int wfd_uibc_capability_format(const struct wfd_uibc_capability *u, char *buf, size_t size)
{
        struct out o = { buf, size, 0, 0 };
        bool first;

        if (!u || !buf)
                return -EINVAL;
        if (u->none)
                return format_into(buf, size, "none");
        if (u->n_hidc > WFD_MAX_UIBC_HIDC)
                return -EINVAL;

        out_printf(&o, "input_category_list=");
        if (!(u->categories & (WFD_UIBC_CATEGORY_GENERIC | WFD_UIBC_CATEGORY_HIDC)))
                out_printf(&o, "none");
        else if ((u->categories & WFD_UIBC_CATEGORY_GENERIC) && (u->categories & WFD_UIBC_CATEGORY_HIDC))
                out_printf(&o, "GENERIC, HIDC");
        else
                out_printf(&o, "%s", (u->categories & WFD_UIBC_CATEGORY_GENERIC) ? "GENERIC" : "HIDC");

        out_printf(&o, ";generic_cap_list=");
        first = true;
        for (int i = 0; i < _WFD_UIBC_INPUT_MAX; i++)
                if (u->generic_types & (1u << i)) {
                        out_printf(&o, "%s%s", first ? "" : ", ", uibc_type_names[i]);
                        first = false;
                }
        if (first)
                out_printf(&o, "none");

        out_printf(&o, ";hidc_cap_list=");
        for (size_t i = 0; i < u->n_hidc; i++) {
                if ((int) u->hidc[i].type < 0 || u->hidc[i].type >= _WFD_UIBC_INPUT_MAX ||
                    (int) u->hidc[i].path < 0 || u->hidc[i].path >= _WFD_UIBC_PATH_MAX)
                        return -EINVAL;
                out_printf(&o, "%s%s/%s", i ? ", " : "", uibc_type_names[u->hidc[i].type],
                           uibc_path_names[u->hidc[i].path]);
        }
        if (u->n_hidc == 0)
                out_printf(&o, "none");

        if (u->has_port)
                out_printf(&o, ";port=%u", u->port);
        else
                out_printf(&o, ";port=none");
        return out_finish(&o);
}

/* ---- small parameters --------------------------------------------------------------------- */

int wfd_supported_parse(const char *value, size_t len, bool *ret)
{
        if (!ret || (!value && len > 0))
                return -EINVAL;
        if (value_is(value, len, "supported"))
                *ret = true;
        else if (value_is(value, len, "none"))
                *ret = false;
        else
                return -EBADMSG;
        return 0;
}

const char *wfd_supported_to_string(bool supported)
{
        return supported ? "supported" : "none";
}

int wfd_idr_request_capability_parse(const char *value, size_t len, bool *ret)
{
        if (!ret || (!value && len > 0))
                return -EINVAL;
        if (value_is(value, len, "1"))
                *ret = true;
        else if (value_is(value, len, "0"))
                *ret = false;
        else
                return -EBADMSG;
        return 0;
}

int wfd_connector_type_parse(const char *value, size_t len, bool *ret_none, uint8_t *ret_type)
{
        struct cursor c = { value, value + len };
        uint64_t v;

        if (!ret_none || !ret_type || (!value && len > 0))
                return -EINVAL;
        if (value_is(value, len, "none")) {
                *ret_none = true;
                *ret_type = 0;
                return 0;
        }
        if (!cursor_take_hex(&c, "", 2, &v) || !cursor_at_end(&c))
                return -EBADMSG;
        *ret_none = false;
        *ret_type = (uint8_t) v;
        return 0;
}

const char *wfd_connector_type_to_string(uint8_t type)
{
        /* WFD connector type table (verify: values 6, 11 and 13..254 are reserved). */
        switch (type) {
        case 0:
                return "VGA";
        case 1:
                return "S-Video";
        case 2:
                return "Composite";
        case 3:
                return "Component";
        case 4:
                return "DVI";
        case 5:
                return "HDMI";
        case 7:
                return "WFD";
        case 8:
                return "Japanese-D";
        case 9:
                return "SDI";
        case 10:
                return "DisplayPort";
        case 12:
                return "UDI";
        case 255:
                return "Other";
        default:
                return NULL;
        }
}

static const char *const trigger_names[_WFD_TRIGGER_MAX] = {
        [WFD_TRIGGER_SETUP] = "SETUP",
        [WFD_TRIGGER_PAUSE] = "PAUSE",
        [WFD_TRIGGER_TEARDOWN] = "TEARDOWN",
        [WFD_TRIGGER_PLAY] = "PLAY",
};

int wfd_trigger_method_parse(const char *value, size_t len, enum wfd_trigger_method *ret)
{
        if (!ret || (!value && len > 0))
                return -EINVAL;
        for (int i = 0; i < _WFD_TRIGGER_MAX; i++)
                if (value_is(value, len, trigger_names[i])) {
                        *ret = (enum wfd_trigger_method) i;
                        return 0;
                }
        return -EBADMSG;
}

const char *wfd_trigger_method_to_string(enum wfd_trigger_method t)
{
        if ((int) t < 0 || t >= _WFD_TRIGGER_MAX)
                return NULL;
        return trigger_names[t];
}

int wfd_route_parse(const char *value, size_t len, enum wfd_route *ret)
{
        if (!ret || (!value && len > 0))
                return -EINVAL;
        if (value_is(value, len, "primary"))
                *ret = WFD_ROUTE_PRIMARY;
        else if (value_is(value, len, "secondary"))
                *ret = WFD_ROUTE_SECONDARY;
        else
                return -EBADMSG;
        return 0;
}

const char *wfd_route_to_string(enum wfd_route r)
{
        switch (r) {
        case WFD_ROUTE_PRIMARY:
                return "primary";
        case WFD_ROUTE_SECONDARY:
                return "secondary";
        default:
                return NULL;
        }
}

int wfd_uibc_setting_parse(const char *value, size_t len, bool *ret_enable)
{
        if (!ret_enable || (!value && len > 0))
                return -EINVAL;
        if (value_is(value, len, "enable"))
                *ret_enable = true;
        else if (value_is(value, len, "disable"))
                *ret_enable = false;
        else
                return -EBADMSG;
        return 0;
}

int wfd_i2c_parse(const char *value, size_t len, bool *ret_none, uint16_t *ret_port)
{
        struct cursor c = { value, value + len };
        const char *t;
        size_t tl;
        uint64_t port;

        if (!ret_none || !ret_port || (!value && len > 0))
                return -EINVAL;
        if (value_is(value, len, "none")) {
                *ret_none = true;
                *ret_port = 0;
                return 0;
        }
        if (!cursor_take_token(&c, "", &t, &tl) || !parse_dec(t, tl, 65535, &port) || port == 0 ||
            !cursor_at_end(&c))
                return -EBADMSG;
        *ret_none = false;
        *ret_port = (uint16_t) port;
        return 0;
}

int wfd_av_format_change_timing_parse(const char *value, size_t len, struct wfd_av_format_change_timing *ret)
{
        struct cursor c = { value, value + len };
        uint64_t pts, dts;

        if (!ret || (!value && len > 0))
                return -EINVAL;
        if (!cursor_take_hex(&c, "", 10, &pts) || !cursor_take_hex(&c, "", 10, &dts) || !cursor_at_end(&c))
                return -EBADMSG;
        ret->pts = pts;
        ret->dts = dts;
        return 0;
}

int wfd_av_format_change_timing_format(const struct wfd_av_format_change_timing *t, char *buf, size_t size)
{
        if (!t || !buf)
                return -EINVAL;
        if (t->pts > 0xFFFFFFFFFFull || t->dts > 0xFFFFFFFFFFull)
                return -EINVAL;
        return format_into(buf, size, "%010llx %010llx", (unsigned long long) t->pts,
                           (unsigned long long) t->dts);
}

/* ---- a whole M3 reply ------------------------------------------------------------------- */

static int sink_caps_apply(struct wfd_sink_caps *s, enum wfd_param_id id, const char *v, size_t vl)
{
        switch (id) {
        case WFD_PARAM_VIDEO_FORMATS:
                if (s->has_video_formats)
                        return 0;
                if (wfd_video_formats_parse(v, vl, false, &s->video_formats) < 0)
                        return -EBADMSG;
                s->has_video_formats = true;
                return 0;
        case WFD_PARAM_WFDX_VIDEO_FORMATS:
                if (s->has_wfdx_video_formats)
                        return 0;
                if (wfd_video_formats_parse(v, vl, true, &s->wfdx_video_formats) < 0)
                        return -EBADMSG;
                s->has_wfdx_video_formats = true;
                return 0;
        case WFD_PARAM_3D_VIDEO_FORMATS:
                if (s->has_3d_video_formats)
                        return 0;
                if (wfd_3d_video_formats_parse(v, vl, &s->video_3d_formats) < 0)
                        return -EBADMSG;
                s->has_3d_video_formats = true;
                return 0;
        case WFD_PARAM_AUDIO_CODECS:
                if (s->has_audio_codecs)
                        return 0;
                if (wfd_audio_codecs_parse(v, vl, &s->audio_codecs) < 0)
                        return -EBADMSG;
                s->has_audio_codecs = true;
                return 0;
        case WFD_PARAM_CLIENT_RTP_PORTS:
                if (s->has_client_rtp_ports)
                        return 0;
                if (wfd_client_rtp_ports_parse(v, vl, &s->client_rtp_ports) < 0)
                        return -EBADMSG;
                s->has_client_rtp_ports = true;
                return 0;
        case WFD_PARAM_CONTENT_PROTECTION:
                if (s->has_content_protection)
                        return 0;
                if (wfd_content_protection_parse(v, vl, &s->content_protection) < 0)
                        return -EBADMSG;
                s->has_content_protection = true;
                return 0;
        case WFD_PARAM_DISPLAY_EDID:
                if (s->has_display_edid)
                        return 0;
                if (wfd_display_edid_parse(v, vl, &s->display_edid) < 0)
                        return -EBADMSG;
                s->has_display_edid = true;
                return 0;
        case WFD_PARAM_COUPLED_SINK:
                if (s->has_coupled_sink)
                        return 0;
                if (wfd_coupled_sink_parse(v, vl, &s->coupled_sink) < 0)
                        return -EBADMSG;
                s->has_coupled_sink = true;
                return 0;
        case WFD_PARAM_UIBC_CAPABILITY:
                if (s->has_uibc_capability)
                        return 0;
                if (wfd_uibc_capability_parse(v, vl, &s->uibc_capability) < 0)
                        return -EBADMSG;
                s->has_uibc_capability = true;
                return 0;
        case WFD_PARAM_STANDBY_RESUME_CAPABILITY:
                if (s->has_standby_resume_capability)
                        return 0;
                if (wfd_supported_parse(v, vl, &s->standby_resume_capability) < 0)
                        return -EBADMSG;
                s->has_standby_resume_capability = true;
                return 0;
        case WFD_PARAM_CONNECTOR_TYPE:
                if (s->has_connector_type)
                        return 0;
                if (wfd_connector_type_parse(v, vl, &s->connector_type_none, &s->connector_type) < 0)
                        return -EBADMSG;
                s->has_connector_type = true;
                return 0;
        case WFD_PARAM_IDR_REQUEST_CAPABILITY:
                if (s->has_idr_request_capability)
                        return 0;
                if (wfd_idr_request_capability_parse(v, vl, &s->idr_request_capability) < 0)
                        return -EBADMSG;
                s->has_idr_request_capability = true;
                return 0;
        case WFD_PARAM_MS_FORMAT_CHANGE_CAPABILITY:
                if (s->has_format_change_capability)
                        return 0;
                if (wfd_supported_parse(v, vl, &s->format_change_capability) < 0)
                        return -EBADMSG;
                s->has_format_change_capability = true;
                return 0;
        case WFD_PARAM_I2C:
                if (s->has_i2c)
                        return 0;
                if (wfd_i2c_parse(v, vl, &s->i2c_none, &s->i2c_port) < 0)
                        return -EBADMSG;
                s->has_i2c = true;
                return 0;
        default:
                /* Known names that do not belong in an M3 reply (or kept as text): nothing to decode. */
                return 0;
        }
}

int wfd_sink_caps_parse(const char *body, size_t len, struct wfd_sink_caps *ret)
{
        struct wfd_sink_caps *s;
        int r;

        if (!ret || (!body && len > 0))
                return -EINVAL;
        if (len > WFD_MAX_BODY)
                return -E2BIG;

        /* The struct is large (EDID buffer): build it on the heap, copy on success. */
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->body = malloc(len + 1);
        if (!s->body) {
                free(s);
                return -ENOMEM;
        }
        if (len)
                memcpy(s->body, body, len);
        s->body[len] = 0;

        r = wfd_params_parse_body(s->body, len, &s->params);
        if (r < 0) {
                free(s->body);
                free(s);
                return r;
        }

        for (size_t i = 0; i < s->params.n; i++) {
                const struct wfd_param *p = &s->params.params[i];
                enum wfd_param_id id = wfd_param_id_from_string(p->name, p->name_len);

                if (id == _WFD_PARAM_UNKNOWN)
                        continue;
                if (!p->has_value || sink_caps_apply(s, id, p->value, p->value_len) < 0)
                        s->invalid_mask |= 1u << id;
        }

        *ret = *s;
        free(s);
        return 0;
}

void wfd_sink_caps_clear(struct wfd_sink_caps *caps)
{
        if (!caps)
                return;
        free(caps->body);
        memset(caps, 0, sizeof(*caps));
}

const struct wfd_video_formats *wfd_sink_caps_video(const struct wfd_sink_caps *caps)
{
        if (!caps)
                return NULL;
        if (caps->has_wfdx_video_formats)
                return &caps->wfdx_video_formats;
        if (caps->has_video_formats)
                return &caps->video_formats;
        return NULL;
}

/* ---- M3 request ------------------------------------------------------------------------------ */

static const char *const m3_names[] = {
        "wfd_video_formats",
        "wfd_audio_codecs",
        "wfd_client_rtp_ports",
        "wfd_content_protection",
        "wfd_display_edid",
        "wfd_connector_type",
        "wfd_coupled_sink",
        "wfd_uibc_capability",
        "wfd_standby_resume_capability",
        "wfd_idr_request_capability",
        "microsoft_format_change_capability",
        "wfdx_video_formats",
};

const char *const *wfd_m3_request_names(size_t *ret_n)
{
        if (ret_n)
                *ret_n = ARRAY_SIZE(m3_names);
        return m3_names;
}

int wfd_m3_request_body(char *buf, size_t size)
{
        struct wfd_params_writer w;

        wfd_params_writer_init(&w, buf, size);
        for (size_t i = 0; i < ARRAY_SIZE(m3_names); i++)
                wfd_params_write_name(&w, m3_names[i]);
        if (w.error < 0)
                return w.error;
        return (int) w.len;
}
