/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * RTCP: compound packet parser, SR/SDES, RR and NACK writers, RTT, and the
 * retransmission history. See rtcp.h; RFC 3550 section 6, RFC 4585 section 6.
 */
#include <errno.h>
#include <string.h>

#include "byte_cursor.h"
#include "macro.h"
#include "rtcp.h"

/* ---- parsing ------------------------------------------------------------------------------ */

static bool read_report_block(struct byte_cursor *c, struct rtcp_report_block *b)
{
        uint32_t lost;

        if (!byte_cursor_be32(c, &b->ssrc) || !byte_cursor_be32(c, &lost) || !byte_cursor_be32(c, &b->highest_seq) ||
            !byte_cursor_be32(c, &b->jitter) || !byte_cursor_be32(c, &b->lsr) || !byte_cursor_be32(c, &b->dlsr))
                return false;
        b->fraction_lost = (uint8_t) (lost >> 24);
        lost &= 0xffffff;
        /* 24-bit two's complement (RFC 3550 6.4.1: it can go negative with duplicates) */
        b->cumulative_lost = (lost & 0x800000) ? (int32_t) lost - 0x1000000 : (int32_t) lost;
        return true;
}

static int read_report_blocks(struct byte_cursor *c, unsigned count, struct rtcp_info *info)
{
        for (unsigned i = 0; i < count; i++) {
                struct rtcp_report_block b;

                if (!read_report_block(c, &b))
                        return -EBADMSG;
                if (info->n_reports < RTCP_MAX_REPORTS)
                        info->reports[info->n_reports++] = b;
                else
                        info->n_reports_dropped++;
        }
        /* profile-specific extensions may follow (RFC 3550 6.4.1): ignored */
        return 0;
}

static int parse_one(uint8_t pt, uint8_t count, struct byte_cursor *c, struct rtcp_info *info)
{
        uint32_t ssrc, media_ssrc;

        switch (pt) {
        case RTCP_PT_SR: {
                uint32_t ntp_hi, ntp_lo;

                if (!byte_cursor_be32(c, &info->sr_ssrc) || !byte_cursor_be32(c, &ntp_hi) ||
                    !byte_cursor_be32(c, &ntp_lo) || !byte_cursor_be32(c, &info->sr_rtp_timestamp) ||
                    !byte_cursor_be32(c, &info->sr_packet_count) || !byte_cursor_be32(c, &info->sr_octet_count))
                        return -EBADMSG;
                info->has_sr = true;
                info->sr_ntp = (uint64_t) ntp_hi << 32 | ntp_lo;
                return read_report_blocks(c, count, info);
        }
        case RTCP_PT_RR:
                if (!byte_cursor_be32(c, &ssrc))
                        return -EBADMSG;
                info->has_rr = true;
                info->rr_ssrc = ssrc;
                return read_report_blocks(c, count, info);
        case RTCP_PT_BYE:
                /* count SSRCs (may be 0) and an optional reason; we only need to know it came */
                if (byte_cursor_left(c) < (size_t) count * 4)
                        return -EBADMSG;
                info->bye = true;
                return 0;
        case RTCP_PT_RTPFB:
        case RTCP_PT_PSFB:
                if (!byte_cursor_be32(c, &ssrc) || !byte_cursor_be32(c, &media_ssrc))
                        return -EBADMSG;
                if (pt == RTCP_PT_RTPFB && count == RTCP_FMT_NACK) {
                        if (byte_cursor_left(c) % 4 != 0 || byte_cursor_left(c) == 0)
                                return -EBADMSG;
                        while (byte_cursor_left(c) > 0) {
                                struct rtcp_nack n = { .media_ssrc = media_ssrc };

                                if (!byte_cursor_be16(c, &n.pid) || !byte_cursor_be16(c, &n.blp))
                                        return -EBADMSG;
                                if (info->n_nacks < RTCP_MAX_NACKS)
                                        info->nacks[info->n_nacks++] = n;
                                else
                                        info->n_nacks_dropped++;
                        }
                        return 0;
                }
                if (pt == RTCP_PT_PSFB && count == RTCP_FMT_PLI) {
                        info->pli = true;
                        info->pli_media_ssrc = media_ssrc;
                        return 0;
                }
                if (pt == RTCP_PT_PSFB && count == RTCP_FMT_FIR) {
                        uint32_t fci_ssrc;

                        /* RFC 5104 4.3.1: media SSRC is 0, the FCI names the target SSRC */
                        if (!byte_cursor_be32(c, &fci_ssrc) || !byte_cursor_skip(c, 4))
                                return -EBADMSG;
                        info->fir = true;
                        info->fir_media_ssrc = fci_ssrc;
                        return 0;
                }
                info->n_ignored++;
                return 0;
        default:
                /* SDES, APP, XR and anything newer: framed by the length, skipped */
                info->n_ignored++;
                return 0;
        }
}

int rtcp_parse(const uint8_t *buf, size_t len, struct rtcp_info *ret)
{
        struct rtcp_info info = {};
        struct byte_cursor c = byte_cursor_init(buf, len);

        if (!ret || (!buf && len > 0))
                return -EINVAL;
        if (len < RTCP_HEADER_SIZE)
                return -EBADMSG;
        while (byte_cursor_left(&c) > 0) {
                struct byte_cursor body;
                uint16_t words;
                uint8_t b0, pt;
                size_t body_len;
                int r;

                if (!byte_cursor_u8(&c, &b0) || !byte_cursor_u8(&c, &pt) || !byte_cursor_be16(&c, &words))
                        return -EBADMSG;
                if (b0 >> 6 != RTCP_VERSION)
                        return -EBADMSG;
                body_len = (size_t) words * 4;
                if (!byte_cursor_sub(&c, body_len, &body))
                        return -EBADMSG;
                if (b0 & 0x20) {
                        /* padding: the last octet counts the pad octets, itself included */
                        uint8_t pad = body_len > 0 ? body.end[-1] : 0;

                        if (pad == 0 || pad > body_len)
                                return -EBADMSG;
                        body.end -= pad;
                }
                r = parse_one(pt, b0 & 0x1f, &body, &info);
                if (r < 0)
                        return r;
                info.n_packets++;
        }
        *ret = info;
        return 0;
}

/* ---- writers ------------------------------------------------------------------------------ */

static void write_header(struct byte_writer *w, uint8_t count, uint8_t pt, size_t body_len)
{
        byte_writer_u8(w, (uint8_t) (RTCP_VERSION << 6 | (count & 0x1f)));
        byte_writer_u8(w, pt);
        byte_writer_be16(w, (uint16_t) (body_len / 4));   /* (header + body) / 4 - 1 */
}

ssize_t rtcp_build_sr(const struct rtcp_sender_info *sr, const char *cname, uint8_t *buf, size_t size)
{
        struct byte_writer w = byte_writer_init(buf, size);
        size_t cl, chunk;

        if (!sr || !cname || !buf)
                return -EINVAL;
        cl = strlen(cname);
        if (cl == 0 || cl > RTCP_MAX_CNAME)
                return -EINVAL;

        write_header(&w, 0, RTCP_PT_SR, 24);
        byte_writer_be32(&w, sr->ssrc);
        byte_writer_be32(&w, (uint32_t) (sr->ntp >> 32));
        byte_writer_be32(&w, (uint32_t) sr->ntp);
        byte_writer_be32(&w, sr->rtp_timestamp);
        byte_writer_be32(&w, sr->packet_count);
        byte_writer_be32(&w, sr->octet_count);

        /* SDES chunk: SSRC, CNAME item, at least one null octet, padded to 32 bits (RFC 3550 6.5) */
        chunk = (4 + 2 + cl + 1 + 3) / 4 * 4;
        write_header(&w, 1, RTCP_PT_SDES, chunk);
        byte_writer_be32(&w, sr->ssrc);
        byte_writer_u8(&w, RTCP_SDES_CNAME);
        byte_writer_u8(&w, (uint8_t) cl);
        byte_writer_bytes(&w, cname, cl);
        for (size_t i = 4 + 2 + cl; i < chunk; i++)
                byte_writer_u8(&w, 0);

        if (w.overflow)
                return -ENOBUFS;
        return (ssize_t) w.off;
}

ssize_t rtcp_build_rr(uint32_t ssrc, const struct rtcp_report_block *blocks, size_t n, uint8_t *buf, size_t size)
{
        struct byte_writer w = byte_writer_init(buf, size);

        if (!buf || n > RTCP_MAX_REPORTS || (!blocks && n > 0))
                return -EINVAL;
        write_header(&w, (uint8_t) n, RTCP_PT_RR, 4 + n * RTCP_REPORT_BLOCK_SIZE);
        byte_writer_be32(&w, ssrc);
        for (size_t i = 0; i < n; i++) {
                const struct rtcp_report_block *b = &blocks[i];

                byte_writer_be32(&w, b->ssrc);
                byte_writer_be32(&w, (uint32_t) b->fraction_lost << 24 | ((uint32_t) b->cumulative_lost & 0xffffff));
                byte_writer_be32(&w, b->highest_seq);
                byte_writer_be32(&w, b->jitter);
                byte_writer_be32(&w, b->lsr);
                byte_writer_be32(&w, b->dlsr);
        }
        if (w.overflow)
                return -ENOBUFS;
        return (ssize_t) w.off;
}

ssize_t rtcp_build_nack(uint32_t sender_ssrc, uint32_t media_ssrc, const uint16_t *seqs, size_t n, uint8_t *buf,
                        size_t size)
{
        struct byte_writer w = byte_writer_init(buf, size);
        struct rtcp_nack items[RTCP_MAX_NACKS];
        size_t n_items = 0;

        if (!buf || !seqs || n == 0)
                return -EINVAL;
        /* Greedy: each sequence number joins the first item whose PID+1..PID+16 covers it. */
        for (size_t i = 0; i < n; i++) {
                size_t j;

                for (j = 0; j < n_items; j++) {
                        uint16_t d = (uint16_t) (seqs[i] - items[j].pid);

                        if (d == 0)
                                break;
                        if (d <= 16) {
                                items[j].blp |= (uint16_t) (1u << (d - 1));
                                break;
                        }
                }
                if (j < n_items)
                        continue;
                if (n_items == RTCP_MAX_NACKS)
                        return -EINVAL;
                items[n_items++] = (struct rtcp_nack) { .media_ssrc = media_ssrc, .pid = seqs[i] };
        }
        write_header(&w, RTCP_FMT_NACK, RTCP_PT_RTPFB, 8 + n_items * 4);
        byte_writer_be32(&w, sender_ssrc);
        byte_writer_be32(&w, media_ssrc);
        for (size_t j = 0; j < n_items; j++) {
                byte_writer_be16(&w, items[j].pid);
                byte_writer_be16(&w, items[j].blp);
        }
        if (w.overflow)
                return -ENOBUFS;
        return (ssize_t) w.off;
}

/* ---- times ---------------------------------------------------------------------------------- */

#define NTP_UNIX_OFFSET_SEC 2208988800ULL   /* 1900-01-01 to 1970-01-01 (RFC 868) */

uint64_t rtcp_ntp_from_unix_usec(uint64_t unix_usec)
{
        uint64_t sec = unix_usec / 1000000 + NTP_UNIX_OFFSET_SEC;
        uint64_t frac = ((unix_usec % 1000000) << 32) / 1000000;

        return sec << 32 | frac;
}

int rtcp_rtt_usec(uint64_t now_ntp, uint32_t lsr, uint32_t dlsr, uint64_t *ret_usec)
{
        uint32_t a = rtcp_ntp_middle(now_ntp), since;

        if (!ret_usec)
                return -EINVAL;
        if (lsr == 0)
                return -ENODATA;
        since = a - lsr;   /* modulo 2^32: a wraps every ~18 hours */
        if (since < dlsr)
                return -ERANGE;
        *ret_usec = ((uint64_t) (since - dlsr) * 1000000) >> 16;
        return 0;
}

uint64_t rtcp_jitter_usec(uint32_t jitter, uint32_t clock_hz)
{
        if (clock_hz == 0)
                return 0;
        return (uint64_t) jitter * 1000000 / clock_hz;
}

/* ---- retransmission history ------------------------------------------------------------------- */

#define RTX_TAG_VALID (1u << 16)
#define RTX_MAX_SLOTS 32768

int rtcp_rtx_history_init(struct rtcp_rtx_history *h, uint32_t *tags, size_t n_slots)
{
        if (!h || !tags || n_slots < 16 || n_slots > RTX_MAX_SLOTS || (n_slots & (n_slots - 1)) != 0)
                return -EINVAL;
        memset(tags, 0, n_slots * sizeof(*tags));
        *h = (struct rtcp_rtx_history) { .tags = tags, .n_slots = n_slots };
        return 0;
}

size_t rtcp_rtx_history_record(struct rtcp_rtx_history *h, uint16_t seq)
{
        size_t slot = seq & (h->n_slots - 1);

        h->tags[slot] = RTX_TAG_VALID | seq;
        h->any = true;
        h->newest = seq;
        return slot;
}

int rtcp_rtx_history_lookup(const struct rtcp_rtx_history *h, uint16_t seq, size_t *ret_slot)
{
        size_t slot;
        uint16_t age;

        if (!h || !h->tags || !h->any)
                return -ENOENT;
        /* age in packets, modulo 2^16: a sequence number "after" newest has a huge age */
        age = (uint16_t) (h->newest - seq);
        if (age >= h->n_slots)
                return -ENOENT;
        slot = seq & (h->n_slots - 1);
        if (h->tags[slot] != (RTX_TAG_VALID | seq))
                return -ENOENT;
        if (ret_slot)
                *ret_slot = slot;
        return 0;
}

size_t rtcp_rtx_history_resolve(const struct rtcp_rtx_history *h, const struct rtcp_nack *nacks, size_t n,
                                uint32_t media_ssrc, size_t *ret_slots, size_t max, size_t *ret_missing)
{
        uint8_t seen[RTX_MAX_SLOTS / 8];
        size_t out = 0, missing = 0;

        if (!h || !h->tags || (!nacks && n > 0) || (!ret_slots && max > 0)) {
                if (ret_missing)
                        *ret_missing = 0;
                return 0;
        }
        memset(seen, 0, (h->n_slots + 7) / 8);
        for (size_t i = 0; i < n; i++) {
                if (nacks[i].media_ssrc != media_ssrc)
                        continue;
                for (unsigned bit = 0; bit <= 16; bit++) {
                        uint16_t seq;
                        size_t slot;

                        if (bit > 0 && !(nacks[i].blp & (1u << (bit - 1))))
                                continue;
                        seq = (uint16_t) (nacks[i].pid + bit);
                        if (rtcp_rtx_history_lookup(h, seq, &slot) < 0) {
                                missing++;
                                continue;
                        }
                        if (seen[slot / 8] & (1u << (slot % 8)))
                                continue;
                        seen[slot / 8] |= (uint8_t) (1u << (slot % 8));
                        if (out < max)
                                ret_slots[out++] = slot;
                }
        }
        if (ret_missing)
                *ret_missing = missing;
        return out;
}
