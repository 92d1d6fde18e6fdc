/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * RTP headers and the MP2T packet writer (RFC 3550, RFC 2250). See rtp.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rtp.h"

void rtp_header_write(const struct rtp_header *h, uint8_t buf[RTP_HEADER_SIZE])
{
        buf[0] = RTP_VERSION << 6;
        buf[1] = (h->marker ? 0x80 : 0) | (h->payload_type & 0x7F);
        buf[2] = h->seq >> 8;
        buf[3] = h->seq & 0xFF;
        buf[4] = h->timestamp >> 24;
        buf[5] = (h->timestamp >> 16) & 0xFF;
        buf[6] = (h->timestamp >> 8) & 0xFF;
        buf[7] = h->timestamp & 0xFF;
        buf[8] = h->ssrc >> 24;
        buf[9] = (h->ssrc >> 16) & 0xFF;
        buf[10] = (h->ssrc >> 8) & 0xFF;
        buf[11] = h->ssrc & 0xFF;
}

int rtp_header_parse(const uint8_t *buf, size_t len, struct rtp_header *ret,
                     size_t *ret_payload_offset, size_t *ret_payload_len)
{
        struct rtp_header h = {};
        size_t off, end;

        if (!buf || len < RTP_HEADER_SIZE)
                return -EBADMSG;
        if ((buf[0] >> 6) != RTP_VERSION)
                return -EBADMSG;

        h.padding = buf[0] & 0x20;
        h.extension = buf[0] & 0x10;
        h.csrc_count = buf[0] & 0x0F;
        h.marker = buf[1] & 0x80;
        h.payload_type = buf[1] & 0x7F;
        h.seq = (uint16_t) (buf[2] << 8 | buf[3]);
        h.timestamp = (uint32_t) buf[4] << 24 | (uint32_t) buf[5] << 16 | (uint32_t) buf[6] << 8 | buf[7];
        h.ssrc = (uint32_t) buf[8] << 24 | (uint32_t) buf[9] << 16 | (uint32_t) buf[10] << 8 | buf[11];

        off = RTP_HEADER_SIZE + 4 * (size_t) h.csrc_count;
        if (off > len)
                return -EBADMSG;
        if (h.extension) {
                size_t words;

                if (len - off < 4)
                        return -EBADMSG;
                words = (size_t) buf[off + 2] << 8 | buf[off + 3];
                off += 4;
                if (len - off < words * 4)
                        return -EBADMSG;
                off += words * 4;
        }
        end = len;
        if (h.padding) {
                uint8_t pad = buf[len - 1];

                if (pad == 0 || pad > end - off)
                        return -EBADMSG;
                end -= pad;
        }

        *ret = h;
        if (ret_payload_offset)
                *ret_payload_offset = off;
        if (ret_payload_len)
                *ret_payload_len = end - off;
        return 0;
}

void rtp_mp2t_writer_init(struct rtp_mp2t_writer *w, uint32_t ssrc, uint16_t initial_seq)
{
        *w = (struct rtp_mp2t_writer) {
                .ssrc = ssrc,
                .seq = initial_seq,
        };
}

void rtp_mp2t_writer_clear(struct rtp_mp2t_writer *w)
{
        free(w->data);
        *w = (struct rtp_mp2t_writer) {};
}

static int writer_reserve(struct rtp_mp2t_writer *w, size_t n)
{
        size_t m;
        uint8_t *p;

        if (n <= w->n_allocated)
                return 0;
        if (n > RTP_MP2T_MAX_PACKETS)
                return -E2BIG;
        m = w->n_allocated ? w->n_allocated : 64;
        while (m < n)
                m *= 2;
        if (m > RTP_MP2T_MAX_PACKETS)
                m = RTP_MP2T_MAX_PACKETS;
        p = realloc(w->data, m * RTP_MP2T_PACKET_SIZE);
        if (!p)
                return -ENOMEM;
        w->data = p;
        w->n_allocated = m;
        return 0;
}

int rtp_mp2t_writer_next_ts(struct rtp_mp2t_writer *w, uint32_t timestamp_90khz, uint8_t **ret)
{
        uint8_t *pkt;
        int r;

        if (w->n_ts == 0) {
                r = writer_reserve(w, w->n_packets + 1);
                if (r < 0)
                        return r;
                rtp_header_write(&(struct rtp_header) {
                                         .payload_type = RTP_PAYLOAD_TYPE_MP2T,
                                         .seq = w->seq++,
                                         .timestamp = timestamp_90khz,
                                         .ssrc = w->ssrc,
                                 },
                                 w->data + w->n_packets * RTP_MP2T_PACKET_SIZE);
        }
        pkt = w->data + w->n_packets * RTP_MP2T_PACKET_SIZE + RTP_HEADER_SIZE + w->n_ts * RTP_TS_PACKET_SIZE;
        if (++w->n_ts == RTP_TS_PER_PACKET) {
                w->n_ts = 0;
                w->n_packets++;
        }
        *ret = pkt;
        return 0;
}

void rtp_mp2t_writer_flush(struct rtp_mp2t_writer *w)
{
        if (w->n_ts == 0)
                return;
        while (w->n_ts > 0) {
                uint8_t *ts = w->data + w->n_packets * RTP_MP2T_PACKET_SIZE + RTP_HEADER_SIZE +
                              w->n_ts * RTP_TS_PACKET_SIZE;

                /* ISO/IEC 13818-1 null packet: PID 0x1FFF, payload only, CC 0. */
                ts[0] = 0x47;
                ts[1] = 0x1F;
                ts[2] = 0xFF;
                ts[3] = 0x10;
                memset(ts + 4, 0xFF, RTP_TS_PACKET_SIZE - 4);
                w->n_null_ts++;
                if (++w->n_ts == RTP_TS_PER_PACKET) {
                        w->n_ts = 0;
                        w->n_packets++;
                }
        }
}

void rtp_mp2t_writer_reset(struct rtp_mp2t_writer *w)
{
        /* An open packet (the caller did not flush) moves to the front. */
        if (w->n_ts > 0 && w->n_packets > 0)
                memmove(w->data, w->data + w->n_packets * RTP_MP2T_PACKET_SIZE,
                        RTP_HEADER_SIZE + w->n_ts * RTP_TS_PACKET_SIZE);
        w->n_packets = 0;
}
