/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Wi-Fi Display IE subelements: parse and build (docs/protocol.md, "WFD IE"). */
#include <errno.h>
#include <string.h>

#include "hex.h"
#include "wfd_ie.h"

#define WFD_SUBELEM_HDR 3  /* id(1) + length(2) */

static const uint8_t wfa_oui[3] = { 0x50, 0x6f, 0x9a };

static uint16_t get_be16(const uint8_t *p)
{
        return (uint16_t) (p[0] << 8 | p[1]);
}

static void put_be16(uint8_t *p, uint16_t v)
{
        p[0] = v >> 8;
        p[1] = v & 0xff;
}

enum wfd_device_type wfd_device_info_type(const struct wfd_device_info *d)
{
        return (enum wfd_device_type) (d->bitmap & WFD_DEVINFO_TYPE_MASK);
}

bool wfd_device_info_available(const struct wfd_device_info *d)
{
        return (d->bitmap & WFD_DEVINFO_AVAILABILITY_MASK) == WFD_DEVINFO_AVAILABLE;
}

bool wfd_device_info_is_sink(const struct wfd_device_info *d)
{
        return wfd_device_info_type(d) != WFD_DEVICE_SOURCE;
}

const char *wfd_device_type_to_string(enum wfd_device_type t)
{
        switch (t) {
        case WFD_DEVICE_SOURCE:
                return "source";
        case WFD_DEVICE_PRIMARY_SINK:
                return "primary-sink";
        case WFD_DEVICE_SECONDARY_SINK:
                return "secondary-sink";
        case WFD_DEVICE_DUAL_ROLE:
                return "dual-role";
        }
        return "unknown";
}

int wfd_device_info_parse(const uint8_t *body, size_t len, struct wfd_device_info *ret)
{
        if (len != WFD_DEVICE_INFO_LEN)
                return -EBADMSG;
        *ret = (struct wfd_device_info) {
                .bitmap = get_be16(body),
                .control_port = get_be16(body + 2),
                .max_throughput_mbps = get_be16(body + 4),
        };
        return 0;
}

void wfd_device_info_build(const struct wfd_device_info *d, uint8_t out[WFD_DEVICE_INFO_LEN])
{
        put_be16(out, d->bitmap);
        put_be16(out + 2, d->control_port);
        put_be16(out + 4, d->max_throughput_mbps);
}

static int parse_coupled(const uint8_t *b, struct wfd_coupled_sink *ret)
{
        ret->status = b[0];
        memcpy(ret->mac, b + 1, 6);
        return 0;
}

static int parse_session_info(const uint8_t *b, size_t len, struct wfd_ie *ie)
{
        /* A list of records, each: length(1) = 23, device address(6), BSSID(6),
         * device info bitmap(2), max throughput(2), coupled sink status(1), MAC(6). */
        while (len > 0) {
                struct wfd_session_info *s;

                if (b[0] != WFD_SESSION_INFO_REC_LEN - 1 || len < WFD_SESSION_INFO_REC_LEN)
                        return -EBADMSG;
                if (ie->n_sessions < WFD_MAX_SESSION_INFO) {
                        s = &ie->sessions[ie->n_sessions++];
                        memcpy(s->device_address, b + 1, 6);
                        memcpy(s->associated_bssid, b + 7, 6);
                        s->info = (struct wfd_device_info) {
                                .bitmap = get_be16(b + 13),
                                .max_throughput_mbps = get_be16(b + 15),
                        };
                        parse_coupled(b + 17, &s->coupled);
                }
                b += WFD_SESSION_INFO_REC_LEN;
                len -= WFD_SESSION_INFO_REC_LEN;
        }
        return 0;
}

int wfd_ie_parse_subelems(const uint8_t *buf, size_t len, struct wfd_ie *ret)
{
        struct wfd_ie ie = {};
        bool seen[256] = {};
        size_t off = 0;
        int r;

        while (off < len) {
                uint8_t id;
                uint16_t blen;
                const uint8_t *body;

                if (len - off < WFD_SUBELEM_HDR)
                        return -EBADMSG;
                id = buf[off];
                blen = get_be16(buf + off + 1);
                off += WFD_SUBELEM_HDR;
                if (len - off < blen)
                        return -EBADMSG;
                body = buf + off;
                off += blen;
                if (seen[id])
                        continue;
                seen[id] = true;

                switch (id) {
                case WFD_SUBELEM_DEVICE_INFO:
                        r = wfd_device_info_parse(body, blen, &ie.device_info);
                        if (r < 0)
                                return r;
                        ie.has_device_info = true;
                        break;
                case WFD_SUBELEM_ASSOCIATED_BSSID:
                        if (blen != 6)
                                return -EBADMSG;
                        memcpy(ie.bssid, body, 6);
                        ie.has_bssid = true;
                        break;
                case WFD_SUBELEM_COUPLED_SINK:
                        /* 7 bytes: status + MAC; some devices send only the status byte. */
                        if (blen == 1) {
                                ie.coupled_sink.status = body[0];
                        } else if (blen == 7) {
                                parse_coupled(body, &ie.coupled_sink);
                        } else
                                return -EBADMSG;
                        ie.has_coupled_sink = true;
                        break;
                case WFD_SUBELEM_EXT_CAPABILITY:
                        if (blen != 2)
                                return -EBADMSG;
                        ie.ext_capability = get_be16(body);
                        ie.has_ext_capability = true;
                        break;
                case WFD_SUBELEM_LOCAL_IP:
                        /* version(1) = 1 + IPv4(4); see docs/protocol.md on the doubtful size. */
                        if (blen < 5)
                                return -EBADMSG;
                        ie.local_ip_version = body[0];
                        memcpy(ie.local_ip, body + 1, 4);
                        ie.has_local_ip = true;
                        break;
                case WFD_SUBELEM_SESSION_INFO:
                        r = parse_session_info(body, blen, &ie);
                        if (r < 0)
                                return r;
                        break;
                case WFD_SUBELEM_ALT_MAC:
                        if (blen != 6)
                                return -EBADMSG;
                        memcpy(ie.alt_mac, body, 6);
                        ie.has_alt_mac = true;
                        break;
                default:
                        /* Formats (2-5), R2 info and anything newer: not needed for discovery. */
                        break;
                }
        }
        *ret = ie;
        return 0;
}

int wfd_ie_parse_elements(const uint8_t *buf, size_t len, struct wfd_ie *ret)
{
        uint8_t subs[2048];
        size_t n = 0, off = 0;
        bool found = false;

        while (off < len) {
                uint8_t id, elen;

                if (len - off < 2)
                        return -EBADMSG;
                id = buf[off];
                elen = buf[off + 1];
                if (len - off - 2 < elen)
                        return -EBADMSG;
                if (id == 0xdd && elen >= 4 && memcmp(buf + off + 2, wfa_oui, 3) == 0 &&
                    buf[off + 5] == WFD_IE_OUI_TYPE) {
                        size_t sl = elen - 4;
                        if (n + sl > sizeof(subs))
                                return -EBADMSG;
                        memcpy(subs + n, buf + off + 6, sl);
                        n += sl;
                        found = true;
                }
                off += 2 + elen;
        }
        if (!found)
                return -ENOENT;
        return wfd_ie_parse_subelems(subs, n, ret);
}

/* Append one subelement; advances *off. */
static int put_subelem(uint8_t *out, size_t size, size_t *off, uint8_t id, const uint8_t *body, size_t blen)
{
        if (blen > UINT16_MAX || *off > size || size - *off < WFD_SUBELEM_HDR + blen)
                return -ENOBUFS;
        out[*off] = id;
        put_be16(out + *off + 1, (uint16_t) blen);
        if (blen)
                memcpy(out + *off + WFD_SUBELEM_HDR, body, blen);
        *off += WFD_SUBELEM_HDR + blen;
        return 0;
}

ssize_t wfd_ie_build_subelems(const struct wfd_ie *ie, uint8_t *out, size_t size)
{
        uint8_t b[WFD_SESSION_INFO_REC_LEN * WFD_MAX_SESSION_INFO];
        size_t off = 0;
        int r;

        if (ie->has_device_info) {
                wfd_device_info_build(&ie->device_info, b);
                if ((r = put_subelem(out, size, &off, WFD_SUBELEM_DEVICE_INFO, b, 6)) < 0)
                        return r;
        }
        if (ie->has_bssid && (r = put_subelem(out, size, &off, WFD_SUBELEM_ASSOCIATED_BSSID, ie->bssid, 6)) < 0)
                return r;
        if (ie->has_coupled_sink) {
                b[0] = ie->coupled_sink.status;
                memcpy(b + 1, ie->coupled_sink.mac, 6);
                if ((r = put_subelem(out, size, &off, WFD_SUBELEM_COUPLED_SINK, b, 7)) < 0)
                        return r;
        }
        if (ie->has_ext_capability) {
                put_be16(b, ie->ext_capability);
                if ((r = put_subelem(out, size, &off, WFD_SUBELEM_EXT_CAPABILITY, b, 2)) < 0)
                        return r;
        }
        if (ie->has_local_ip) {
                b[0] = ie->local_ip_version;
                memcpy(b + 1, ie->local_ip, 4);
                if ((r = put_subelem(out, size, &off, WFD_SUBELEM_LOCAL_IP, b, 5)) < 0)
                        return r;
        }
        if (ie->n_sessions > 0) {
                size_t n = ie->n_sessions < WFD_MAX_SESSION_INFO ? ie->n_sessions : WFD_MAX_SESSION_INFO;
                for (size_t i = 0; i < n; i++) {
                        const struct wfd_session_info *s = &ie->sessions[i];
                        uint8_t *rec = b + i * WFD_SESSION_INFO_REC_LEN;

                        rec[0] = WFD_SESSION_INFO_REC_LEN - 1;
                        memcpy(rec + 1, s->device_address, 6);
                        memcpy(rec + 7, s->associated_bssid, 6);
                        put_be16(rec + 13, s->info.bitmap);
                        put_be16(rec + 15, s->info.max_throughput_mbps);
                        rec[17] = s->coupled.status;
                        memcpy(rec + 18, s->coupled.mac, 6);
                }
                if ((r = put_subelem(out, size, &off, WFD_SUBELEM_SESSION_INFO, b, n * WFD_SESSION_INFO_REC_LEN)) < 0)
                        return r;
        }
        if (ie->has_alt_mac && (r = put_subelem(out, size, &off, WFD_SUBELEM_ALT_MAC, ie->alt_mac, 6)) < 0)
                return r;
        return off;
}

ssize_t wfd_hex_encode(const uint8_t *buf, size_t len, char *out, size_t size)
{
        static const char digits[] = "0123456789abcdef";

        if (size == 0 || len > (size - 1) / 2)
                return -ENOBUFS;
        for (size_t i = 0; i < len; i++) {
                out[2 * i] = digits[buf[i] >> 4];
                out[2 * i + 1] = digits[buf[i] & 0xf];
        }
        out[2 * len] = 0;
        return 2 * len;
}

int wfd_hex_decode(const char *hex, size_t len, uint8_t *out, size_t size, size_t *ret_len)
{
        if (len % 2)
                return -EBADMSG;
        if (len / 2 > size)
                return -ENOBUFS;
        for (size_t i = 0; i < len; i += 2) {
                int hi = hex_digit(hex[i]), lo = hex_digit(hex[i + 1]);
                if (hi < 0 || lo < 0)
                        return -EBADMSG;
                out[i / 2] = (uint8_t) (hi << 4 | lo);
        }
        *ret_len = len / 2;
        return 0;
}

ssize_t wfd_subelem_format_set(const uint8_t *body, size_t len, char *out, size_t size)
{
        uint8_t hdr[2];
        ssize_t n, m;

        if (len > UINT16_MAX)
                return -EINVAL;
        put_be16(hdr, (uint16_t) len);
        n = wfd_hex_encode(hdr, 2, out, size);
        if (n < 0)
                return n;
        m = wfd_hex_encode(body, len, out + n, size - n);
        if (m < 0)
                return m;
        return n + m;
}

int wfd_subelem_parse_get(const char *hex, size_t len, uint8_t *body, size_t size, size_t *ret_len)
{
        uint8_t hdr[2];
        size_t n;
        int r;

        while (len > 0 && (hex[len - 1] == '\n' || hex[len - 1] == '\r'))
                len--;
        if (len < 4)
                return -EBADMSG;
        r = wfd_hex_decode(hex, 4, hdr, sizeof(hdr), &n);
        if (r < 0)
                return r;
        if ((len - 4) / 2 != get_be16(hdr))
                return -EBADMSG;
        return wfd_hex_decode(hex + 4, len - 4, body, size, ret_len);
}
