/* SPDX-License-Identifier: GPL-2.0-or-later */
/* DHCPv4 message codec (RFC 2131, RFC 2132). */
#include <errno.h>
#include <string.h>

#include "dhcp_msg.h"

static const uint8_t magic[4] = { 99, 130, 83, 99 };

static uint32_t get_be32(const uint8_t *p)
{
        return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
        p[0] = v >> 24;
        p[1] = v >> 16;
        p[2] = v >> 8;
        p[3] = v;
}

static int opt_ipv4(const uint8_t *v, size_t len, uint8_t out[4], bool *has)
{
        if (len < 4 || len % 4)   /* router may list several: keep the first */
                return -EBADMSG;
        memcpy(out, v, 4);
        *has = true;
        return 0;
}

static int opt_u32(const uint8_t *v, size_t len, uint32_t *out)
{
        if (len != 4)
                return -EBADMSG;
        *out = get_be32(v);
        return 0;
}

int dhcp_msg_parse(const uint8_t *buf, size_t len, struct dhcp_msg *ret)
{
        struct dhcp_msg m = {};
        size_t off = DHCP_MIN_LEN;
        bool seen_type = false;
        int r = 0;

        if (!buf || len < DHCP_MIN_LEN || len > 65535)
                return -EBADMSG;
        if (buf[1] != 1 || buf[2] != 6)
                return -EBADMSG;
        if (memcmp(buf + DHCP_FIXED_LEN, magic, 4) != 0)
                return -EBADMSG;
        m.op = buf[0];
        if (m.op != DHCP_OP_REQUEST && m.op != DHCP_OP_REPLY)
                return -EBADMSG;
        m.xid = get_be32(buf + 4);
        m.secs = (uint16_t) (buf[8] << 8 | buf[9]);
        m.flags = (uint16_t) (buf[10] << 8 | buf[11]);
        memcpy(m.ciaddr, buf + 12, 4);
        memcpy(m.yiaddr, buf + 16, 4);
        memcpy(m.siaddr, buf + 20, 4);
        memcpy(m.giaddr, buf + 24, 4);
        memcpy(m.chaddr, buf + 28, 6);

        while (off < len) {
                uint8_t code = buf[off++], olen;
                const uint8_t *v;

                if (code == DHCP_OPT_PAD)
                        continue;
                if (code == DHCP_OPT_END)
                        break;
                if (off >= len)
                        return -EBADMSG;
                olen = buf[off++];
                if (len - off < olen)
                        return -EBADMSG;
                v = buf + off;
                off += olen;

                switch (code) {
                case DHCP_OPT_MESSAGE_TYPE:
                        if (olen != 1 || seen_type)
                                return -EBADMSG;
                        m.type = v[0];
                        seen_type = true;
                        break;
                case DHCP_OPT_SUBNET_MASK:
                        r = olen == 4 ? opt_ipv4(v, olen, m.subnet_mask, &m.has_subnet_mask) : -EBADMSG;
                        break;
                case DHCP_OPT_ROUTER:
                        r = opt_ipv4(v, olen, m.router, &m.has_router);
                        break;
                case DHCP_OPT_REQUESTED_IP:
                        r = olen == 4 ? opt_ipv4(v, olen, m.requested_ip, &m.has_requested_ip) : -EBADMSG;
                        break;
                case DHCP_OPT_SERVER_ID:
                        r = olen == 4 ? opt_ipv4(v, olen, m.server_id, &m.has_server_id) : -EBADMSG;
                        break;
                case DHCP_OPT_LEASE_TIME:
                        r = opt_u32(v, olen, &m.lease_time_sec);
                        m.has_lease_time = r >= 0;
                        break;
                case DHCP_OPT_RENEWAL_T1:
                        r = opt_u32(v, olen, &m.t1_sec);
                        break;
                case DHCP_OPT_REBINDING_T2:
                        r = opt_u32(v, olen, &m.t2_sec);
                        break;
                case DHCP_OPT_CLIENT_ID:
                        if (olen < 2 || olen > DHCP_MAX_CLIENT_ID)
                                return -EBADMSG;
                        memcpy(m.client_id, v, olen);
                        m.client_id_len = olen;
                        break;
                default:
                        break;
                }
                if (r < 0)
                        return r;
        }
        *ret = m;
        return 0;
}

struct writer {
        uint8_t *p;
        size_t size, off;
        bool overflow;
};

static void w_opt(struct writer *w, uint8_t code, const void *data, uint8_t len)
{
        if (w->size - w->off < (size_t) len + 2) {
                w->overflow = true;
                return;
        }
        w->p[w->off++] = code;
        w->p[w->off++] = len;
        memcpy(w->p + w->off, data, len);
        w->off += len;
}

static void w_opt_u32(struct writer *w, uint8_t code, uint32_t v)
{
        uint8_t b[4];
        put_be32(b, v);
        w_opt(w, code, b, 4);
}

ssize_t dhcp_msg_build(const struct dhcp_msg *m, uint8_t *out, size_t size)
{
        struct writer w = { .p = out, .size = size };
        uint8_t type = (uint8_t) m->type;

        if (size < DHCP_MIN_LEN + 3)
                return -ENOBUFS;
        memset(out, 0, DHCP_MIN_LEN);
        out[0] = m->op;
        out[1] = 1;  /* Ethernet */
        out[2] = 6;
        put_be32(out + 4, m->xid);
        out[8] = m->secs >> 8;
        out[9] = m->secs & 0xff;
        out[10] = m->flags >> 8;
        out[11] = m->flags & 0xff;
        memcpy(out + 12, m->ciaddr, 4);
        memcpy(out + 16, m->yiaddr, 4);
        memcpy(out + 20, m->siaddr, 4);
        memcpy(out + 24, m->giaddr, 4);
        memcpy(out + 28, m->chaddr, 6);
        memcpy(out + DHCP_FIXED_LEN, magic, 4);
        w.off = DHCP_MIN_LEN;

        w_opt(&w, DHCP_OPT_MESSAGE_TYPE, &type, 1);
        if (m->has_server_id)
                w_opt(&w, DHCP_OPT_SERVER_ID, m->server_id, 4);
        if (m->has_lease_time) {
                w_opt_u32(&w, DHCP_OPT_LEASE_TIME, m->lease_time_sec);
                w_opt_u32(&w, DHCP_OPT_RENEWAL_T1, m->t1_sec ? m->t1_sec : m->lease_time_sec / 2);
                w_opt_u32(&w, DHCP_OPT_REBINDING_T2,
                          m->t2_sec ? m->t2_sec : (uint32_t) ((uint64_t) m->lease_time_sec * 7 / 8));
        }
        if (m->has_subnet_mask)
                w_opt(&w, DHCP_OPT_SUBNET_MASK, m->subnet_mask, 4);
        if (m->has_router)
                w_opt(&w, DHCP_OPT_ROUTER, m->router, 4);
        if (m->has_requested_ip)
                w_opt(&w, DHCP_OPT_REQUESTED_IP, m->requested_ip, 4);
        if (m->client_id_len >= 2 && m->client_id_len <= DHCP_MAX_CLIENT_ID)
                w_opt(&w, DHCP_OPT_CLIENT_ID, m->client_id, (uint8_t) m->client_id_len);
        if (m->op == DHCP_OP_REQUEST) {
                static const uint8_t prl[] = { DHCP_OPT_SUBNET_MASK, DHCP_OPT_ROUTER, DHCP_OPT_LEASE_TIME,
                                               DHCP_OPT_SERVER_ID };
                w_opt(&w, DHCP_OPT_PARAM_REQUEST, prl, sizeof(prl));
        }
        if (w.overflow || w.off >= size)
                return -ENOBUFS;
        out[w.off++] = DHCP_OPT_END;
        /* Pad to the 300-byte BOOTP minimum; some clients and relays drop shorter packets. */
        if (w.off < 300) {
                if (size < 300)
                        return -ENOBUFS;
                memset(out + w.off, 0, 300 - w.off);
                w.off = 300;
        }
        return w.off;
}

const char *dhcp_type_to_string(int type)
{
        static const char *const names[] = {
                [DHCP_DISCOVER] = "DISCOVER", [DHCP_OFFER] = "OFFER", [DHCP_REQUEST] = "REQUEST",
                [DHCP_DECLINE] = "DECLINE",   [DHCP_ACK] = "ACK",     [DHCP_NAK] = "NAK",
                [DHCP_RELEASE] = "RELEASE",   [DHCP_INFORM] = "INFORM",
        };
        if (type <= 0 || (size_t) type >= sizeof(names) / sizeof(names[0]))
                return "unknown";
        return names[type];
}
