/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * wpa_supplicant control interface messages. See wpas_msg.h for the grammar.
 * Everything works on (buf, len) views through one bounds-checked cursor.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hex.h"
#include "wpas_msg.h"

#include "macro.h"
#include "wfd_ie.h"

struct cursor {
        const char *p, *end;
};

static bool cursor_eof(const struct cursor *c)
{
        return c->p >= c->end;
}

static void cursor_skip_spaces(struct cursor *c)
{
        while (c->p < c->end && *c->p == ' ')
                c->p++;
}

static bool is_key_char(char ch)
{
        return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_';
}

static bool view_eq(const char *s, size_t len, const char *lit)
{
        size_t n = strlen(lit);
        return len == n && memcmp(s, lit, n) == 0;
}

static bool view_startswith(const char *s, size_t len, const char *lit)
{
        size_t n = strlen(lit);
        return len >= n && memcmp(s, lit, n) == 0;
}

/* Read a quoted value starting after the opening quote q. Single-quoted values are
 * not escaped, so a quote only closes when followed by a space or the end. */
static int cursor_take_quoted(struct cursor *c, char q, const char **ret, size_t *ret_len)
{
        const char *start = c->p;

        while (c->p < c->end) {
                if (q == '"' && *c->p == '\\') {
                        if (c->end - c->p < 2)
                                return -EBADMSG;
                        c->p += 2;
                        continue;
                }
                if (*c->p == q && (c->p + 1 == c->end || c->p[1] == ' ')) {
                        *ret = start;
                        *ret_len = c->p - start;
                        c->p++;
                        return 0;
                }
                c->p++;
        }
        return -EBADMSG;
}

static int cursor_take_word(struct cursor *c, struct wpas_word *w)
{
        const char *start = c->p;
        const char *k = c->p;

        *w = (struct wpas_word) {};
        while (k < c->end && is_key_char(*k))
                k++;
        if (k > start && k < c->end && *k == '=') {
                w->key = start;
                w->key_len = k - start;
                c->p = k + 1;
                if (c->p < c->end && (*c->p == '\'' || *c->p == '"')) {
                        w->quote = *c->p++;
                        return cursor_take_quoted(c, w->quote, &w->value, &w->value_len);
                }
        }
        w->value = c->p;
        while (c->p < c->end && *c->p != ' ')
                c->p++;
        w->value_len = c->p - w->value;
        return 0;
}

int wpas_line_split(const char *buf, size_t len, struct wpas_line *ret)
{
        struct wpas_line l = { .level = -1 };
        struct cursor c;

        if (!buf)
                return -EINVAL;
        if (len > WPAS_MAX_MSG)
                return -E2BIG;
        if (memchr(buf, 0, len))
                return -EBADMSG;
        while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
                len--;
        c = (struct cursor) { buf, buf + len };

        if (view_startswith(c.p, c.end - c.p, "IFNAME=")) {
                c.p += 7;
                l.ifname = c.p;
                while (c.p < c.end && *c.p != ' ')
                        c.p++;
                l.ifname_len = c.p - l.ifname;
                if (l.ifname_len == 0 || l.ifname_len >= WPAS_IFNAME_MAX)
                        return -EBADMSG;
                cursor_skip_spaces(&c);
        }
        if (c.p < c.end && *c.p == '<') {
                int level = 0;
                c.p++;
                if (cursor_eof(&c) || *c.p < '0' || *c.p > '9')
                        return -EBADMSG;
                while (c.p < c.end && *c.p >= '0' && *c.p <= '9') {
                        level = level * 10 + (*c.p - '0');
                        if (level > 99)
                                return -EBADMSG;
                        c.p++;
                }
                if (cursor_eof(&c) || *c.p != '>')
                        return -EBADMSG;
                c.p++;
                l.level = level;
        }
        l.name = c.p;
        while (c.p < c.end && *c.p != ' ')
                c.p++;
        l.name_len = c.p - l.name;
        if (l.name_len == 0)
                return -EBADMSG;

        for (;;) {
                struct wpas_word w;
                int r;

                cursor_skip_spaces(&c);
                if (cursor_eof(&c))
                        break;
                r = cursor_take_word(&c, &w);
                if (r < 0)
                        return r;
                if (c.p < c.end && *c.p != ' ')
                        return -EBADMSG; /* e.g. name='a'b: closing quote glued to more text */
                if (l.n_words < WPAS_MAX_WORDS)
                        l.words[l.n_words++] = w;
        }

        *ret = l;
        return 0;
}

const struct wpas_word *wpas_line_get(const struct wpas_line *l, const char *key)
{
        for (size_t i = 0; i < l->n_words; i++)
                if (l->words[i].key && view_eq(l->words[i].key, l->words[i].key_len, key))
                        return &l->words[i];
        return NULL;
}

const struct wpas_word *wpas_line_positional(const struct wpas_line *l, size_t n)
{
        for (size_t i = 0; i < l->n_words; i++)
                if (!l->words[i].key && n-- == 0)
                        return &l->words[i];
        return NULL;
}

ssize_t wpas_word_unescape(const struct wpas_word *w, char *out, size_t size)
{
        size_t n = 0;

        if (size == 0)
                return -ENOBUFS;
        for (size_t i = 0; i < w->value_len; i++) {
                char ch = w->value[i];

                if (w->quote == '"' && ch == '\\') {
                        if (++i >= w->value_len)
                                return -EBADMSG;
                        switch (w->value[i]) {
                        case '\\': ch = '\\'; break;
                        case '"': ch = '"'; break;
                        case 'n': ch = '\n'; break;
                        case 'r': ch = '\r'; break;
                        case 't': ch = '\t'; break;
                        case 'e': ch = '\033'; break;
                        case 'x': {
                                int hi, lo;
                                if (i + 2 >= w->value_len)
                                        return -EBADMSG;
                                hi = hex_digit(w->value[i + 1]);
                                lo = hex_digit(w->value[i + 2]);
                                if (hi < 0 || lo < 0)
                                        return -EBADMSG;
                                ch = (char) (hi << 4 | lo);
                                i += 2;
                                break;
                        }
                        default:
                                return -EBADMSG;
                        }
                }
                if (ch == 0)
                        return -EBADMSG;
                if (n + 1 >= size)
                        return -ENOBUFS;
                out[n++] = ch;
        }
        out[n] = 0;
        return n;
}

int wpas_parse_mac(const char *s, size_t len, uint8_t ret[6])
{
        uint8_t mac[6];

        if (len != 17)
                return -EBADMSG;
        for (int i = 0; i < 6; i++) {
                int hi = hex_digit(s[i * 3]), lo = hex_digit(s[i * 3 + 1]);
                if (hi < 0 || lo < 0)
                        return -EBADMSG;
                if (i < 5 && s[i * 3 + 2] != ':')
                        return -EBADMSG;
                mac[i] = hi << 4 | lo;
        }
        memcpy(ret, mac, 6);
        return 0;
}

void wpas_format_mac(const uint8_t mac[6], char out[WPAS_ADDR_STRLEN])
{
        snprintf(out, WPAS_ADDR_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x",
                 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

int wpas_parse_u32(const char *s, size_t len, uint32_t *ret)
{
        uint64_t v = 0;
        unsigned base = 10;

        if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
                base = 16;
                s += 2;
                len -= 2;
        }
        if (len == 0 || len > 10)
                return -EBADMSG;
        for (size_t i = 0; i < len; i++) {
                int d = hex_digit(s[i]);
                if (d < 0 || (unsigned) d >= base)
                        return -EBADMSG;
                v = v * base + d;
        }
        if (v > UINT32_MAX)
                return -EBADMSG;
        *ret = (uint32_t) v;
        return 0;
}

int wpas_parse_int(const char *s, size_t len, int *ret)
{
        bool neg = false;
        uint32_t v;
        int r;

        if (len > 0 && s[0] == '-') {
                neg = true;
                s++;
                len--;
        }
        if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
                return -EBADMSG;
        r = wpas_parse_u32(s, len, &v);
        if (r < 0)
                return r;
        if (v > (uint32_t) INT32_MAX)
                return -EBADMSG;
        *ret = neg ? -(int) v : (int) v;
        return 0;
}

int wpas_parse_ipv4(const char *s, size_t len, uint8_t ret[4])
{
        uint8_t a[4];
        size_t i = 0;

        for (int part = 0; part < 4; part++) {
                unsigned v = 0, digits = 0;

                while (i < len && s[i] >= '0' && s[i] <= '9') {
                        v = v * 10 + (s[i] - '0');
                        if (++digits > 3 || v > 255)
                                return -EBADMSG;
                        i++;
                }
                if (digits == 0)
                        return -EBADMSG;
                a[part] = v;
                if (part < 3) {
                        if (i >= len || s[i] != '.')
                                return -EBADMSG;
                        i++;
                }
        }
        if (i != len)
                return -EBADMSG;
        memcpy(ret, a, 4);
        return 0;
}

/* Copy a plain (unescaped) view into a fixed field; -EBADMSG when too long. */
static int copy_view(char *out, size_t size, const char *s, size_t len)
{
        if (len >= size || memchr(s, 0, len))
                return -EBADMSG;
        memcpy(out, s, len);
        out[len] = 0;
        return 0;
}

static int copy_mac(char out[WPAS_ADDR_STRLEN], const struct wpas_word *w)
{
        uint8_t mac[6];
        int r;

        if (!w)
                return -EBADMSG;
        r = wpas_parse_mac(w->value, w->value_len, mac);
        if (r < 0)
                return r;
        wpas_format_mac(mac, out);
        return 0;
}

static int get_u32_opt(const struct wpas_line *l, const char *key, int64_t *ret)
{
        const struct wpas_word *w = wpas_line_get(l, key);
        uint32_t v;
        int r;

        if (!w)
                return 0;
        r = wpas_parse_u32(w->value, w->value_len, &v);
        if (r < 0)
                return r;
        *ret = v;
        return 0;
}

static int get_int_opt(const struct wpas_line *l, const char *key, int *ret)
{
        const struct wpas_word *w = wpas_line_get(l, key);

        if (!w)
                return 0;
        return wpas_parse_int(w->value, w->value_len, ret);
}

static int get_mac_opt(const struct wpas_line *l, const char *key, char out[WPAS_ADDR_STRLEN])
{
        const struct wpas_word *w = wpas_line_get(l, key);

        return w ? copy_mac(out, w) : 0;
}

static int get_string_opt(const struct wpas_line *l, const char *key, char *out, size_t size)
{
        const struct wpas_word *w = wpas_line_get(l, key);
        ssize_t n;

        if (!w)
                return 0;
        n = wpas_word_unescape(w, out, size);
        if (n < 0) {
                out[0] = 0;
                return -EBADMSG;
        }
        return 0;
}

static int get_ipv4_opt(const struct wpas_line *l, const char *key, uint8_t out[4], bool *found)
{
        const struct wpas_word *w = wpas_line_get(l, key);

        if (!w)
                return 0;
        *found = true;
        return wpas_parse_ipv4(w->value, w->value_len, out);
}

static enum wpas_role role_from_view(const char *s, size_t len)
{
        if (view_eq(s, len, "GO"))
                return WPAS_ROLE_GO;
        if (view_eq(s, len, "client"))
                return WPAS_ROLE_CLIENT;
        return WPAS_ROLE_UNKNOWN;
}

static const char *const event_names[_WPAS_EVENT_MAX] = {
        [WPAS_EVENT_UNKNOWN] = "UNKNOWN",
        [WPAS_EVENT_P2P_DEVICE_FOUND] = "P2P-DEVICE-FOUND",
        [WPAS_EVENT_P2P_DEVICE_LOST] = "P2P-DEVICE-LOST",
        [WPAS_EVENT_P2P_FIND_STOPPED] = "P2P-FIND-STOPPED",
        [WPAS_EVENT_P2P_GO_NEG_REQUEST] = "P2P-GO-NEG-REQUEST",
        [WPAS_EVENT_P2P_GO_NEG_SUCCESS] = "P2P-GO-NEG-SUCCESS",
        [WPAS_EVENT_P2P_GO_NEG_FAILURE] = "P2P-GO-NEG-FAILURE",
        [WPAS_EVENT_P2P_GROUP_FORMATION_SUCCESS] = "P2P-GROUP-FORMATION-SUCCESS",
        [WPAS_EVENT_P2P_GROUP_FORMATION_FAILURE] = "P2P-GROUP-FORMATION-FAILURE",
        [WPAS_EVENT_P2P_GROUP_STARTED] = "P2P-GROUP-STARTED",
        [WPAS_EVENT_P2P_GROUP_REMOVED] = "P2P-GROUP-REMOVED",
        [WPAS_EVENT_P2P_PROV_DISC_PBC_REQ] = "P2P-PROV-DISC-PBC-REQ",
        [WPAS_EVENT_P2P_PROV_DISC_PBC_RESP] = "P2P-PROV-DISC-PBC-RESP",
        [WPAS_EVENT_P2P_PROV_DISC_SHOW_PIN] = "P2P-PROV-DISC-SHOW-PIN",
        [WPAS_EVENT_P2P_PROV_DISC_ENTER_PIN] = "P2P-PROV-DISC-ENTER-PIN",
        [WPAS_EVENT_P2P_PROV_DISC_FAILURE] = "P2P-PROV-DISC-FAILURE",
        [WPAS_EVENT_P2P_FALLBACK_TO_GO_NEG] = "P2P-FALLBACK-TO-GO-NEG",
        [WPAS_EVENT_AP_STA_CONNECTED] = "AP-STA-CONNECTED",
        [WPAS_EVENT_AP_STA_DISCONNECTED] = "AP-STA-DISCONNECTED",
        [WPAS_EVENT_CTRL_CONNECTED] = "CTRL-EVENT-CONNECTED",
        [WPAS_EVENT_CTRL_DISCONNECTED] = "CTRL-EVENT-DISCONNECTED",
        [WPAS_EVENT_CTRL_TERMINATING] = "CTRL-EVENT-TERMINATING",
};

const char *wpas_event_type_to_string(enum wpas_event_type t)
{
        if ((unsigned) t >= _WPAS_EVENT_MAX)
                return NULL;
        return event_names[t];
}

const char *wpas_role_to_string(enum wpas_role r)
{
        switch (r) {
        case WPAS_ROLE_GO:
                return "GO";
        case WPAS_ROLE_CLIENT:
                return "client";
        default:
                return "unknown";
        }
}

static const char *const removed_reasons[_WPAS_GROUP_REMOVED_MAX] = {
        [WPAS_GROUP_REMOVED_UNKNOWN] = "UNKNOWN",
        [WPAS_GROUP_REMOVED_REQUESTED] = "REQUESTED",
        [WPAS_GROUP_REMOVED_FORMATION_FAILED] = "FORMATION_FAILED",
        [WPAS_GROUP_REMOVED_IDLE] = "IDLE",
        [WPAS_GROUP_REMOVED_UNAVAILABLE] = "UNAVAILABLE",
        [WPAS_GROUP_REMOVED_GO_ENDING_SESSION] = "GO_ENDING_SESSION",
        [WPAS_GROUP_REMOVED_PSK_FAILURE] = "PSK_FAILURE",
        [WPAS_GROUP_REMOVED_FREQ_CONFLICT] = "FREQ_CONFLICT",
};

const char *wpas_group_removed_reason_to_string(enum wpas_group_removed_reason r)
{
        if ((unsigned) r >= _WPAS_GROUP_REMOVED_MAX)
                return NULL;
        return removed_reasons[r];
}

const char *wpas_p2p_status_to_string(int status)
{
        static const char *const texts[] = {
                [WPAS_P2P_STATUS_SUCCESS] = "success",
                [WPAS_P2P_STATUS_FAIL_INFO_UNAVAILABLE] = "waiting for the display to accept",
                [WPAS_P2P_STATUS_FAIL_INCOMPATIBLE_PARAMETERS] = "incompatible parameters",
                [WPAS_P2P_STATUS_FAIL_LIMIT_REACHED] = "limit reached",
                [WPAS_P2P_STATUS_FAIL_INVALID_PARAMETERS] = "invalid parameters",
                [WPAS_P2P_STATUS_FAIL_UNABLE_TO_ACCOMMODATE] = "unable to accommodate request",
                [WPAS_P2P_STATUS_FAIL_PREVIOUS_PROTOCOL_ERROR] = "previous protocol error",
                [WPAS_P2P_STATUS_FAIL_NO_COMMON_CHANNELS] =
                        "no common channel (check 2.4/5 GHz and the current Wi-Fi connection)",
                [WPAS_P2P_STATUS_FAIL_UNKNOWN_GROUP] = "unknown P2P group",
                [WPAS_P2P_STATUS_FAIL_BOTH_GO_INTENT_15] = "both devices demand to be group owner",
                [WPAS_P2P_STATUS_FAIL_INCOMPATIBLE_PROVISIONING] =
                        "display rejected the request (incompatible provisioning method)",
                [WPAS_P2P_STATUS_FAIL_REJECTED_BY_USER] = "display rejected the request",
                [WPAS_P2P_STATUS_SUCCESS_ACCEPTED_BY_USER] = "accepted on the display",
        };

        if (status < 0 || (size_t) status >= ARRAY_SIZE(texts))
                return "unknown status";
        return texts[status];
}

const char *wpas_prov_disc_status_to_string(int status)
{
        static const char *const texts[] = {
                [WPAS_PROV_DISC_SUCCESS] = "success",
                [WPAS_PROV_DISC_TIMEOUT] = "no answer from the display",
                [WPAS_PROV_DISC_REJECTED] = "the display rejected the request",
                [WPAS_PROV_DISC_TIMEOUT_JOIN] = "no answer from the display's group",
                [WPAS_PROV_DISC_INFO_UNAVAILABLE] = "the display has no answer yet",
        };

        if (status < 0 || (size_t) status >= ARRAY_SIZE(texts))
                return "unknown status";
        return texts[status];
}

static int event_fill(const struct wpas_line *l, struct wpas_event *e)
{
        const struct wpas_word *p0 = wpas_line_positional(l, 0), *p1 = wpas_line_positional(l, 1), *w;
        int r;

        switch (e->type) {
        case WPAS_EVENT_P2P_DEVICE_FOUND:
        case WPAS_EVENT_P2P_PROV_DISC_PBC_REQ:
                /* "<addr> p2p_dev_addr=<addr> pri_dev_type=.. name='..' config_methods=.. ..." */
                r = get_mac_opt(l, "p2p_dev_addr", e->peer);
                if (r < 0)
                        return r;
                if (!e->peer[0]) {
                        r = copy_mac(e->peer, p0);
                        if (r < 0)
                                return r;
                }
                w = wpas_line_get(l, "name");
                if (w) {
                        /* Single-quoted device names are not escaped; keep printable bytes. */
                        if (w->value_len >= sizeof(e->name))
                                return -EBADMSG;
                        r = copy_view(e->name, sizeof(e->name), w->value, w->value_len);
                        if (r < 0)
                                return r;
                }
                w = wpas_line_get(l, "pri_dev_type");
                if (w && copy_view(e->pri_dev_type, sizeof(e->pri_dev_type), w->value, w->value_len) < 0)
                        return -EBADMSG;
                if ((r = get_u32_opt(l, "config_methods", &e->config_methods)) < 0 ||
                    (r = get_u32_opt(l, "dev_capab", &e->dev_capab)) < 0 ||
                    (r = get_u32_opt(l, "group_capab", &e->group_capab)) < 0 ||
                    (r = get_int_opt(l, "new", &e->is_new)) < 0)
                        return r;
                w = wpas_line_get(l, "wfd_dev_info");
                if (w) {
                        const char *h = w->value;
                        size_t hl = w->value_len;
                        size_t n;

                        if (hl >= 2 && h[0] == '0' && (h[1] == 'x' || h[1] == 'X')) {
                                h += 2;
                                hl -= 2;
                        }
                        r = wfd_hex_decode(h, hl, e->wfd_dev_info, sizeof(e->wfd_dev_info), &n);
                        if (r < 0 || n != 6)
                                return -EBADMSG;
                        e->has_wfd_dev_info = true;
                }
                w = wpas_line_get(l, "group");
                if (w && copy_view(e->group_ifname, sizeof(e->group_ifname), w->value, w->value_len) < 0)
                        return -EBADMSG;
                return 0;

        case WPAS_EVENT_P2P_DEVICE_LOST:
                return copy_mac(e->peer, wpas_line_get(l, "p2p_dev_addr"));

        case WPAS_EVENT_P2P_GO_NEG_REQUEST:
                r = copy_mac(e->peer, p0);
                if (r < 0)
                        return r;
                if ((r = get_int_opt(l, "dev_passwd_id", &e->dev_passwd_id)) < 0 ||
                    (r = get_int_opt(l, "go_intent", &e->go_intent)) < 0)
                        return r;
                return 0;

        case WPAS_EVENT_P2P_GO_NEG_SUCCESS:
                w = wpas_line_get(l, "role");
                if (w)
                        e->role = role_from_view(w->value, w->value_len);
                if ((r = get_int_opt(l, "freq", &e->freq_mhz)) < 0 ||
                    (r = get_mac_opt(l, "peer_dev", e->peer)) < 0 ||
                    (r = get_mac_opt(l, "peer_iface", e->peer_iface)) < 0)
                        return r;
                w = wpas_line_get(l, "wps_method");
                if (w && copy_view(e->wps_method, sizeof(e->wps_method), w->value, w->value_len) < 0)
                        return -EBADMSG;
                return 0;

        case WPAS_EVENT_P2P_GO_NEG_FAILURE:
        case WPAS_EVENT_P2P_GROUP_FORMATION_FAILURE:
        case WPAS_EVENT_P2P_PROV_DISC_FAILURE:
                if ((r = get_int_opt(l, "status", &e->status)) < 0 ||
                    (r = get_mac_opt(l, "p2p_dev_addr", e->peer)) < 0)
                        return r;
                return 0;

        case WPAS_EVENT_P2P_GROUP_STARTED: {
                bool a = false, m = false, g = false;

                /* "<ifname> <GO|client> ssid=".." freq=.. [psk=..|passphrase=".."] go_dev_addr=.. [[PERSISTENT]] [ip_addr=..] */
                if (!p0 || !p1)
                        return -EBADMSG;
                r = copy_view(e->group_ifname, sizeof(e->group_ifname), p0->value, p0->value_len);
                if (r < 0)
                        return r;
                e->role = role_from_view(p1->value, p1->value_len);
                if (e->role == WPAS_ROLE_UNKNOWN)
                        return -EBADMSG;
                if ((r = get_string_opt(l, "ssid", e->ssid, sizeof(e->ssid))) < 0 ||
                    (r = get_int_opt(l, "freq", &e->freq_mhz)) < 0 ||
                    (r = get_mac_opt(l, "go_dev_addr", e->go_dev_addr)) < 0 ||
                    (r = get_ipv4_opt(l, "ip_addr", e->ip_addr, &a)) < 0 ||
                    (r = get_ipv4_opt(l, "ip_mask", e->ip_mask, &m)) < 0 ||
                    (r = get_ipv4_opt(l, "go_ip_addr", e->go_ip_addr, &g)) < 0)
                        return r;
                e->has_ip = a && m && g;
                for (size_t i = 2; (w = wpas_line_positional(l, i)); i++)
                        if (view_eq(w->value, w->value_len, "[PERSISTENT]"))
                                e->persistent = true;
                return 0;
        }

        case WPAS_EVENT_P2P_GROUP_REMOVED:
                if (!p0)
                        return -EBADMSG;
                r = copy_view(e->group_ifname, sizeof(e->group_ifname), p0->value, p0->value_len);
                if (r < 0)
                        return r;
                if (p1)
                        e->role = role_from_view(p1->value, p1->value_len);
                w = wpas_line_get(l, "reason");
                if (w)
                        for (int i = 1; i < _WPAS_GROUP_REMOVED_MAX; i++)
                                if (view_eq(w->value, w->value_len, removed_reasons[i]))
                                        e->removed_reason = i;
                return 0;

        case WPAS_EVENT_P2P_PROV_DISC_PBC_RESP:
        case WPAS_EVENT_P2P_PROV_DISC_ENTER_PIN:
                return copy_mac(e->peer, p0);

        case WPAS_EVENT_P2P_PROV_DISC_SHOW_PIN:
                r = copy_mac(e->peer, p0);
                if (r < 0)
                        return r;
                if (!p1 || p1->value_len < 4 || p1->value_len > 8)
                        return -EBADMSG;
                for (size_t i = 0; i < p1->value_len; i++)
                        if (p1->value[i] < '0' || p1->value[i] > '9')
                                return -EBADMSG;
                return copy_view(e->pin, sizeof(e->pin), p1->value, p1->value_len);

        case WPAS_EVENT_AP_STA_CONNECTED:
        case WPAS_EVENT_AP_STA_DISCONNECTED: {
                bool a = false;

                r = copy_mac(e->peer_iface, p0);
                if (r < 0)
                        return r;
                if ((r = get_mac_opt(l, "p2p_dev_addr", e->peer)) < 0 ||
                    (r = get_ipv4_opt(l, "ip_addr", e->ip_addr, &a)) < 0)
                        return r;
                e->has_ip = a;
                return 0;
        }

        case WPAS_EVENT_CTRL_CONNECTED:
        case WPAS_EVENT_CTRL_DISCONNECTED:
                /* CTRL-EVENT-CONNECTED - Connection to <bssid> completed ...; CTRL-EVENT-DISCONNECTED bssid=.. reason=.. */
                return get_int_opt(l, "reason", &e->status);

        default:
                return 0;
        }
}

int wpas_event_parse(const char *buf, size_t len, struct wpas_event *ret)
{
        struct wpas_line l;
        struct wpas_event e = {
                .config_methods = -1,
                .dev_capab = -1,
                .group_capab = -1,
                .is_new = -1,
                .freq_mhz = -1,
                .status = -1,
                .dev_passwd_id = -1,
                .go_intent = -1,
        };
        int r;

        r = wpas_line_split(buf, len, &l);
        if (r < 0)
                return r;
        e.level = l.level;
        if (l.ifname) {
                r = copy_view(e.ifname, sizeof(e.ifname), l.ifname, l.ifname_len);
                if (r < 0)
                        return r;
        }
        for (int i = 1; i < _WPAS_EVENT_MAX; i++)
                if (view_eq(l.name, l.name_len, event_names[i])) {
                        e.type = i;
                        break;
                }
        r = event_fill(&l, &e);
        if (r < 0)
                return r;
        *ret = e;
        return 0;
}

enum wpas_reply wpas_reply_classify(const char *buf, size_t len)
{
        while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
                len--;
        if (view_eq(buf, len, "OK"))
                return WPAS_REPLY_OK;
        if (view_eq(buf, len, "PONG"))
                return WPAS_REPLY_PONG;
        if (view_eq(buf, len, "FAIL") || view_startswith(buf, len, "FAIL-"))
                return WPAS_REPLY_FAIL;
        if (view_eq(buf, len, "UNKNOWN COMMAND"))
                return WPAS_REPLY_UNKNOWN;
        return WPAS_REPLY_DATA;
}

int wpas_reply_to_errno(const char *buf, size_t len)
{
        while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
                len--;
        switch (wpas_reply_classify(buf, len)) {
        case WPAS_REPLY_FAIL:
                if (view_eq(buf, len, "FAIL-INVALID-PIN"))
                        return -EINVAL;
                if (view_startswith(buf, len, "FAIL-CHANNEL-"))
                        return -EHOSTUNREACH;
                if (view_eq(buf, len, "FAIL-BUSY"))
                        return -EBUSY;
                return -EIO;
        case WPAS_REPLY_UNKNOWN:
                return -EOPNOTSUPP;
        default:
                return 0;
        }
}

int wpas_reply_get(const char *buf, size_t len, const char *key, const char **ret_value, size_t *ret_len)
{
        struct cursor c = { buf, buf + len };
        size_t klen = strlen(key);

        while (!cursor_eof(&c)) {
                const char *line = c.p, *nl = memchr(c.p, '\n', c.end - c.p);
                size_t ll = nl ? (size_t) (nl - line) : (size_t) (c.end - line);

                c.p = nl ? nl + 1 : c.end;
                if (ll > 0 && line[ll - 1] == '\r')
                        ll--;
                if (ll > klen && memcmp(line, key, klen) == 0 && line[klen] == '=') {
                        *ret_value = line + klen + 1;
                        *ret_len = ll - klen - 1;
                        return 0;
                }
        }
        return -ENOENT;
}

int wpas_peer_parse(const char *buf, size_t len, struct wpas_peer *ret)
{
        struct wpas_peer p = {
                .config_methods = -1,
                .dev_capab = -1,
                .group_capab = -1,
                .listen_freq = -1,
                .oper_freq = -1,
                .age = -1,
        };
        const char *v, *nl;
        size_t vl, first;
        uint32_t u;
        int r;

        if (len > WPAS_MAX_MSG)
                return -E2BIG;
        if (len == 0 || wpas_reply_classify(buf, len) == WPAS_REPLY_FAIL)
                return -ENOENT;
        if (memchr(buf, 0, len))
                return -EBADMSG;
        nl = memchr(buf, '\n', len);
        first = nl ? (size_t) (nl - buf) : len;
        if (first > 0 && buf[first - 1] == '\r')
                first--;
        r = copy_mac(p.address, &(struct wpas_word) { .value = buf, .value_len = first });
        if (r < 0)
                return r;

        if (wpas_reply_get(buf, len, "device_name", &v, &vl) >= 0 &&
            copy_view(p.name, sizeof(p.name), v, vl) < 0)
                return -EBADMSG;
        if (wpas_reply_get(buf, len, "pri_dev_type", &v, &vl) >= 0 &&
            copy_view(p.pri_dev_type, sizeof(p.pri_dev_type), v, vl) < 0)
                return -EBADMSG;
        if (wpas_reply_get(buf, len, "config_methods", &v, &vl) >= 0) {
                if (wpas_parse_u32(v, vl, &u) < 0)
                        return -EBADMSG;
                p.config_methods = u;
        }
        if (wpas_reply_get(buf, len, "dev_capab", &v, &vl) >= 0) {
                if (wpas_parse_u32(v, vl, &u) < 0)
                        return -EBADMSG;
                p.dev_capab = u;
        }
        if (wpas_reply_get(buf, len, "group_capab", &v, &vl) >= 0) {
                if (wpas_parse_u32(v, vl, &u) < 0)
                        return -EBADMSG;
                p.group_capab = u;
        }
        if (wpas_reply_get(buf, len, "level", &v, &vl) >= 0 && wpas_parse_int(v, vl, &p.level) < 0)
                return -EBADMSG;
        if (wpas_reply_get(buf, len, "listen_freq", &v, &vl) >= 0 && wpas_parse_int(v, vl, &p.listen_freq) < 0)
                return -EBADMSG;
        if (wpas_reply_get(buf, len, "oper_freq", &v, &vl) >= 0 && wpas_parse_int(v, vl, &p.oper_freq) < 0)
                return -EBADMSG;
        if (wpas_reply_get(buf, len, "age", &v, &vl) >= 0 && wpas_parse_int(v, vl, &p.age) < 0)
                return -EBADMSG;
        if (wpas_reply_get(buf, len, "interface_addr", &v, &vl) >= 0 &&
            copy_mac(p.interface_addr, &(struct wpas_word) { .value = v, .value_len = vl }) < 0)
                return -EBADMSG;
        if (wpas_reply_get(buf, len, "wfd_subelems", &v, &vl) >= 0 &&
            wfd_hex_decode(v, vl, p.wfd_subelems, sizeof(p.wfd_subelems), &p.wfd_subelems_len) < 0)
                return -EBADMSG;

        *ret = p;
        return 0;
}
