/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * WFD text/parameters bodies and the WFD values that are not video, audio
 * or UIBC: parse and format; a whole M3 reply as struct wfd_sink_caps; the
 * M3 request. See wfd_params.h; notes in docs/protocol.md, "WFD parameters".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "wfd_cursor.h"
#include "wfd_params.h"

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
        [WFD_PARAM_MS_MAX_BITRATE] = "microsoft_max_bitrate",
        [WFD_PARAM_MS_LATENCY_MANAGEMENT] = "microsoft_latency_management_capability",
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

/* ---- small parameters --------------------------------------------------------------------- */

/* A value that is one of two keywords: `yes` gives true, `no` false. */
static int parse_keyword_bool(const char *value, size_t len, const char *yes, const char *no, bool *ret)
{
        if (!ret || (!value && len > 0))
                return -EINVAL;
        if (value_is(value, len, yes))
                *ret = true;
        else if (value_is(value, len, no))
                *ret = false;
        else
                return -EBADMSG;
        return 0;
}

int wfd_supported_parse(const char *value, size_t len, bool *ret)
{
        return parse_keyword_bool(value, len, "supported", "none", ret);
}

const char *wfd_supported_to_string(bool supported)
{
        return supported ? "supported" : "none";
}

int wfd_idr_request_capability_parse(const char *value, size_t len, bool *ret)
{
        return parse_keyword_bool(value, len, "1", "0", ret);
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
        /* WFD connector types as two independent WFD stacks number them; 7, 11 and 13..253 are reserved. */
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
        case 6:
                return "LVDS";
        case 8:
                return "Japanese-D";
        case 9:
                return "SDI";
        case 10:
                return "DisplayPort";
        case 12:
                return "UDI";
        case WFD_CONNECTOR_TYPE_NONE:
                return "none";
        case WFD_CONNECTOR_TYPE_OTHER:
                return "other";
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
        bool primary;
        int r;

        if (!ret)
                return -EINVAL;
        r = parse_keyword_bool(value, len, "primary", "secondary", &primary);
        if (r < 0)
                return r;
        *ret = primary ? WFD_ROUTE_PRIMARY : WFD_ROUTE_SECONDARY;
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
        return parse_keyword_bool(value, len, "enable", "disable", ret_enable);
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

int wfd_max_bitrate_parse(const char *value, size_t len, uint64_t *ret_bps)
{
        struct cursor c = { value, value + len };
        const char *t;
        size_t tl;
        uint64_t v;

        if (!ret_bps || (!value && len > 0))
                return -EINVAL;
        if (!cursor_take_token(&c, "", &t, &tl) || !parse_dec(t, tl, 9999999999ull, &v) || v == 0 ||
            !cursor_at_end(&c))
                return -EBADMSG;
        *ret_bps = v;
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
        case WFD_PARAM_MS_LATENCY_MANAGEMENT:
                if (s->has_latency_management)
                        return 0;
                if (wfd_supported_parse(v, vl, &s->latency_management) < 0)
                        return -EBADMSG;
                s->has_latency_management = true;
                return 0;
        case WFD_PARAM_MS_MAX_BITRATE:
                if (s->has_max_bitrate)
                        return 0;
                if (wfd_max_bitrate_parse(v, vl, &s->max_bitrate_bps) < 0)
                        return -EBADMSG;
                s->has_max_bitrate = true;
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
        "microsoft_latency_management_capability",
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
