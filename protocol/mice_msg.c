/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * MS-MICE control messages and the _display._tcp TXT record. See
 * mice_msg.h; message layout [MS-MICE] 2.2, TLVs 2.2.7.
 */
#include <errno.h>
#include <string.h>

#include "hex.h"
#include "byte_cursor.h"
#include "macro.h"
#include "mice_msg.h"

int mice_msg_peek(const uint8_t *buf, size_t len, uint16_t *ret_size, uint8_t *ret_version, uint8_t *ret_command)
{
        if (!buf || len < MICE_HEADER_SIZE)
                return -EAGAIN;
        if (ret_size)
                *ret_size = byte_get_be16(buf);
        if (ret_version)
                *ret_version = buf[2];
        if (ret_command)
                *ret_command = buf[3];
        return 0;
}

static int mice_tlv_once(bool *seen)
{
        if (*seen)
                return -EBADMSG;
        *seen = true;
        return 0;
}

static int mice_msg_parse_tlv(struct mice_msg *m, uint8_t type, const uint8_t *v, uint16_t vl, bool seen[8])
{
        int r;

        if (type < 8 && type != 1) {
                r = mice_tlv_once(&seen[type]);
                if (r < 0)
                        return r;
        }
        switch (type) {
        case MICE_TLV_FRIENDLY_NAME:
                if (vl % 2 != 0 || vl > MICE_MAX_FRIENDLY_NAME)
                        return -EBADMSG;
                m->friendly_name = v;
                m->friendly_name_len = vl;
                return 0;
        case MICE_TLV_RTSP_PORT:
                if (vl != 2)
                        return -EBADMSG;
                m->has_rtsp_port = true;
                m->rtsp_port = byte_get_be16(v);
                return 0;
        case MICE_TLV_SOURCE_ID:
                if (vl == 0 || vl > MICE_MAX_SOURCE_ID)
                        return -EBADMSG;
                m->source_id = v;
                m->source_id_len = vl;
                return 0;
        case MICE_TLV_SECURITY_TOKEN:
                m->has_security_token = true;
                return 0;
        case MICE_TLV_SECURITY_OPTIONS:
                if (vl != 1)
                        return -EBADMSG;
                m->has_security_options = true;
                m->security_options = v[0];
                return 0;
        case MICE_TLV_PIN_CHALLENGE:
                m->has_pin_challenge = true;
                return 0;
        case MICE_TLV_PIN_RESPONSE_REASON:
                if (vl != 1)
                        return -EBADMSG;
                m->has_pin_response_reason = true;
                m->pin_response_reason = v[0];
                return 0;
        default:
                /* Later revisions may add TLVs; skipping them is what [MS-MICE] 2.2.7 expects of a receiver. */
                m->n_unknown_tlvs++;
                return 0;
        }
}

ssize_t mice_msg_parse(const uint8_t *buf, size_t len, struct mice_msg *ret)
{
        struct mice_msg m = {};
        struct byte_cursor c, body;
        bool seen[8] = {};
        uint16_t size;

        if (!ret || (!buf && len > 0))
                return -EINVAL;
        /* Decide on Size as soon as its two bytes are here: a stranger's
         * bytes on 7250 ("GET / HTTP...") should not make us wait for 18 KB. */
        if (len < 2)
                return -EAGAIN;
        size = byte_get_be16(buf);
        if (size < MICE_HEADER_SIZE)
                return -EBADMSG;
        if (size > MICE_MAX_MESSAGE)
                return -E2BIG;
        if (len >= 3 && buf[2] != MICE_VERSION)
                return -EPROTONOSUPPORT;
        if (len < size)
                return -EAGAIN;

        m.size = size;
        m.version = buf[2];
        m.command = buf[3];
        c = byte_cursor_init(buf + MICE_HEADER_SIZE, size - MICE_HEADER_SIZE);
        while (byte_cursor_left(&c) > 0) {
                const uint8_t *v;
                uint16_t vl;
                uint8_t type;
                int r;

                if (!byte_cursor_u8(&c, &type) || !byte_cursor_be16(&c, &vl) || !byte_cursor_sub(&c, vl, &body))
                        return -EBADMSG;
                v = body.p;
                r = mice_msg_parse_tlv(&m, type, v, vl, seen);
                if (r < 0)
                        return r;
                m.n_tlvs++;
        }
        *ret = m;
        return size;
}

static const char *const command_names[] = {
        [MICE_COMMAND_SOURCE_READY] = "SOURCE_READY",
        [MICE_COMMAND_STOP_PROJECTION] = "STOP_PROJECTION",
        [MICE_COMMAND_SECURITY_HANDSHAKE] = "SECURITY_HANDSHAKE",
        [MICE_COMMAND_SESSION_REQUEST] = "SESSION_REQUEST",
        [MICE_COMMAND_PIN_CHALLENGE] = "PIN_CHALLENGE",
        [MICE_COMMAND_PIN_RESPONSE] = "PIN_RESPONSE",
};

const char *mice_command_to_string(uint8_t command)
{
        if (command >= ARRAY_SIZE(command_names))
                return NULL;
        return command_names[command];
}

bool mice_command_is_security(uint8_t command)
{
        return command >= MICE_COMMAND_SECURITY_HANDSHAKE && command <= MICE_COMMAND_PIN_RESPONSE;
}

const char *mice_msg_refusal_reason(const struct mice_msg *m)
{
        if (!m)
                return "no message";
        switch (m->command) {
        case MICE_COMMAND_STOP_PROJECTION:
                return NULL;
        case MICE_COMMAND_SECURITY_HANDSHAKE:
                return "sink started a DTLS security handshake; secured MS-MICE is not supported";
        case MICE_COMMAND_SESSION_REQUEST:
                return "sink sent SESSION_REQUEST; secured MS-MICE (DTLS/PIN) is not supported";
        case MICE_COMMAND_PIN_CHALLENGE:
        case MICE_COMMAND_PIN_RESPONSE:
                return "sink asked for a PIN; MS-MICE PIN pairing is not supported";
        case MICE_COMMAND_SOURCE_READY:
                return "sink sent SOURCE_READY, which only a source sends";
        default:
                return "sink sent an unknown MS-MICE command";
        }
}

/* ---- UTF-8 <-> UTF-16LE ---------------------------------------------------------------------- */

/* Decode one UTF-8 code point at s[*i]; strict (RFC 3629: no overlongs, no surrogates, <= U+10FFFF). */
static int utf8_next(const unsigned char *s, size_t len, size_t *i, uint32_t *ret)
{
        uint32_t cp, min;
        unsigned n;
        unsigned char b = s[*i];

        if (b < 0x80) {
                *ret = b;
                (*i)++;
                return 0;
        }
        if ((b & 0xe0) == 0xc0) {
                n = 1, cp = b & 0x1f, min = 0x80;
        } else if ((b & 0xf0) == 0xe0) {
                n = 2, cp = b & 0x0f, min = 0x800;
        } else if ((b & 0xf8) == 0xf0) {
                n = 3, cp = b & 0x07, min = 0x10000;
        } else
                return -EINVAL;
        if (len - *i - 1 < n)
                return -EINVAL;
        for (unsigned k = 1; k <= n; k++) {
                unsigned char cb = s[*i + k];

                if ((cb & 0xc0) != 0x80)
                        return -EINVAL;
                cp = cp << 6 | (cb & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                return -EINVAL;
        *i += n + 1;
        *ret = cp;
        return 0;
}

/* Write name as UTF-16LE into w (or only count when w is NULL); returns the byte count or -EINVAL. */
static ssize_t utf8_to_utf16le(const char *name, struct byte_writer *w)
{
        const unsigned char *s = (const unsigned char *) name;
        size_t len = strlen(name), i = 0, n = 0;

        while (i < len) {
                uint32_t cp;
                uint8_t u[4];
                size_t k;

                if (utf8_next(s, len, &i, &cp) < 0)
                        return -EINVAL;
                if (cp >= 0x10000) {
                        uint32_t v = cp - 0x10000;
                        uint16_t hi = (uint16_t) (0xd800 | v >> 10), lo = (uint16_t) (0xdc00 | (v & 0x3ff));

                        u[0] = (uint8_t) hi, u[1] = (uint8_t) (hi >> 8), u[2] = (uint8_t) lo, u[3] = (uint8_t) (lo >> 8);
                        k = 4;
                } else {
                        u[0] = (uint8_t) cp, u[1] = (uint8_t) (cp >> 8);
                        k = 2;
                }
                if (w)
                        byte_writer_bytes(w, u, k);
                n += k;
        }
        return (ssize_t) n;
}

static size_t utf8_put(char *out, uint32_t cp)
{
        if (cp < 0x80) {
                out[0] = (char) cp;
                return 1;
        }
        if (cp < 0x800) {
                out[0] = (char) (0xc0 | cp >> 6);
                out[1] = (char) (0x80 | (cp & 0x3f));
                return 2;
        }
        if (cp < 0x10000) {
                out[0] = (char) (0xe0 | cp >> 12);
                out[1] = (char) (0x80 | ((cp >> 6) & 0x3f));
                out[2] = (char) (0x80 | (cp & 0x3f));
                return 3;
        }
        out[0] = (char) (0xf0 | cp >> 18);
        out[1] = (char) (0x80 | ((cp >> 12) & 0x3f));
        out[2] = (char) (0x80 | ((cp >> 6) & 0x3f));
        out[3] = (char) (0x80 | (cp & 0x3f));
        return 4;
}

ssize_t mice_friendly_name_to_utf8(const uint8_t *utf16le, size_t len, char *buf, size_t size)
{
        size_t i = 0, o = 0;

        if (!buf || size == 0 || (!utf16le && len > 0))
                return -EINVAL;
        while (i < len) {
                uint32_t cp;
                char enc[4];
                size_t k;

                if (len - i < 2) {
                        cp = 0xfffd;  /* odd trailing byte */
                        i = len;
                } else {
                        uint16_t u = (uint16_t) (utf16le[i] | utf16le[i + 1] << 8);

                        i += 2;
                        if (u == 0)
                                break;
                        if (u >= 0xd800 && u <= 0xdbff && len - i >= 2) {
                                uint16_t lo = (uint16_t) (utf16le[i] | utf16le[i + 1] << 8);

                                if (lo >= 0xdc00 && lo <= 0xdfff) {
                                        i += 2;
                                        cp = 0x10000 + ((uint32_t) (u - 0xd800) << 10) + (lo - 0xdc00);
                                } else
                                        cp = 0xfffd;
                        } else if (u >= 0xd800 && u <= 0xdfff)
                                cp = 0xfffd;
                        else if (u < 0x20 || (u >= 0x7f && u < 0xa0))
                                cp = 0xfffd;  /* control characters have no place in a display name */
                        else
                                cp = u;
                }
                k = utf8_put(enc, cp);
                if (size - o < k + 1)
                        return -ENOBUFS;
                memcpy(buf + o, enc, k);
                o += k;
        }
        buf[o] = '\0';
        return (ssize_t) o;
}

/* ---- writers ---------------------------------------------------------------------------------- */

static ssize_t mice_msg_build(uint8_t command, const char *friendly_name, bool with_port, uint16_t rtsp_port,
                              const uint8_t *source_id, size_t source_id_len, uint8_t *buf, size_t size)
{
        struct byte_writer w = byte_writer_init(buf, size);
        ssize_t name_len;

        if (!friendly_name || !friendly_name[0] || !buf || !source_id || source_id_len == 0 ||
            source_id_len > MICE_MAX_SOURCE_ID || (with_port && rtsp_port == 0))
                return -EINVAL;
        name_len = utf8_to_utf16le(friendly_name, NULL);
        if (name_len < 0)
                return name_len;
        if (name_len > MICE_MAX_FRIENDLY_NAME)
                return -ENAMETOOLONG;

        byte_writer_be16(&w, 0);  /* Size, filled in below */
        byte_writer_u8(&w, MICE_VERSION);
        byte_writer_u8(&w, command);

        byte_writer_u8(&w, MICE_TLV_FRIENDLY_NAME);
        byte_writer_be16(&w, (uint16_t) name_len);
        (void) utf8_to_utf16le(friendly_name, &w);

        if (with_port) {
                byte_writer_u8(&w, MICE_TLV_RTSP_PORT);
                byte_writer_be16(&w, 2);
                byte_writer_be16(&w, rtsp_port);
        }

        byte_writer_u8(&w, MICE_TLV_SOURCE_ID);
        byte_writer_be16(&w, (uint16_t) source_id_len);
        byte_writer_bytes(&w, source_id, source_id_len);

        if (w.overflow)
                return -ENOBUFS;
        byte_put_be16(buf, (uint16_t) w.off);  /* at most 4 + 3 + 520 + 5 + 3 + 255 bytes */
        return (ssize_t) w.off;
}

ssize_t mice_msg_build_source_ready(const char *friendly_name, uint16_t rtsp_port, const uint8_t *source_id,
                                    size_t source_id_len, uint8_t *buf, size_t size)
{
        return mice_msg_build(MICE_COMMAND_SOURCE_READY, friendly_name, true, rtsp_port, source_id, source_id_len,
                              buf, size);
}

ssize_t mice_msg_build_stop_projection(const char *friendly_name, const uint8_t *source_id, size_t source_id_len,
                                       uint8_t *buf, size_t size)
{
        return mice_msg_build(MICE_COMMAND_STOP_PROJECTION, friendly_name, false, 0, source_id, source_id_len, buf,
                              size);
}

/* ---- _display._tcp TXT ------------------------------------------------------------------------ */

static bool key_is(const uint8_t *k, size_t kl, const char *name)
{
        size_t n = strlen(name);

        if (kl != n)
                return false;
        for (size_t i = 0; i < n; i++) {
                uint8_t a = k[i], b = (uint8_t) name[i];

                if (a >= 'A' && a <= 'Z')
                        a = (uint8_t) (a - 'A' + 'a');
                if (b >= 'A' && b <= 'Z')
                        b = (uint8_t) (b - 'A' + 'a');
                if (a != b)
                        return false;
        }
        return true;
}

/* A GUID, 8-4-4-4-12 hex digits, optionally in braces; written lower case without braces. */
static int parse_guid(const uint8_t *v, size_t vl, char out[MICE_CONTAINER_ID_MAX + 1])
{
        if (vl == MICE_CONTAINER_ID_MAX + 2 && v[0] == '{' && v[vl - 1] == '}') {
                v++;
                vl -= 2;
        }
        if (vl != MICE_CONTAINER_ID_MAX)
                return -EBADMSG;
        for (size_t i = 0; i < vl; i++) {
                bool dash = i == 8 || i == 13 || i == 18 || i == 23;
                int h;

                if (dash) {
                        if (v[i] != '-')
                                return -EBADMSG;
                        out[i] = '-';
                        continue;
                }
                h = hex_digit(v[i]);
                if (h < 0)
                        return -EBADMSG;
                out[i] = "0123456789abcdef"[h];
        }
        out[vl] = '\0';
        return 0;
}

static int parse_mac(const uint8_t *v, size_t vl, uint8_t out[6])
{
        bool colons = vl == 17;

        if (vl != 17 && vl != 12)
                return -EBADMSG;
        for (size_t i = 0, o = 0; o < 6; o++) {
                int hi = hex_digit(v[i]), lo = hex_digit(v[i + 1]);

                if (hi < 0 || lo < 0)
                        return -EBADMSG;
                out[o] = (uint8_t) (hi << 4 | lo);
                i += 2;
                if (colons && o < 5) {
                        if (v[i] != ':' && v[i] != '-')
                                return -EBADMSG;
                        i++;
                }
        }
        return 0;
}

int mice_display_txt_add(struct mice_display_txt *txt, const uint8_t *entry, size_t len)
{
        const uint8_t *eq, *v;
        size_t kl, vl;

        if (!txt || (!entry && len > 0))
                return -EINVAL;
        eq = len > 0 ? memchr(entry, '=', len) : NULL;
        if (!eq)
                return 0;  /* a boolean attribute or an empty string: nothing we use */
        kl = (size_t) (eq - entry);
        v = eq + 1;
        vl = len - kl - 1;

        if (key_is(entry, kl, "container_id")) {
                char id[MICE_CONTAINER_ID_MAX + 1];

                if (txt->has_container_id)
                        return 0;
                if (parse_guid(v, vl, id) < 0)
                        return -EBADMSG;
                memcpy(txt->container_id, id, sizeof(id));
                txt->has_container_id = true;
                return 1;
        }
        if (key_is(entry, kl, "p2pMAC")) {
                uint8_t mac[6];

                if (txt->has_p2p_mac)
                        return 0;
                if (parse_mac(v, vl, mac) < 0)
                        return -EBADMSG;
                memcpy(txt->p2p_mac, mac, sizeof(mac));
                txt->has_p2p_mac = true;
                return 1;
        }
        return 0;
}

int mice_display_txt_parse(const uint8_t *rdata, size_t len, struct mice_display_txt *ret)
{
        struct mice_display_txt t = {};
        struct byte_cursor c = byte_cursor_init(rdata, len);

        if (!ret || (!rdata && len > 0))
                return -EINVAL;
        while (byte_cursor_left(&c) > 0) {
                const uint8_t *e;
                uint8_t el;

                if (!byte_cursor_u8(&c, &el) || !byte_cursor_take(&c, el, &e))
                        return -EBADMSG;
                if (mice_display_txt_add(&t, e, el) < 0)
                        t.n_bad++;
        }
        *ret = t;
        return 0;
}
