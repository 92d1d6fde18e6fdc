/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * RTCP for the video stream we send (RFC 3550 section 6, RFC 4585 section 6):
 * what a sender writes (SR + SDES CNAME), what it reads back from the sink
 * (receiver reports, generic NACKs, picture loss / full intra requests,
 * BYE), the round-trip time from a report's LSR/DLSR, and the bookkeeping of
 * a bounded retransmission history.
 *
 *   common header: V=2(2) P(1) RC/FMT(5) | PT(8) | length(16, 32-bit words - 1)
 *   SR  (PT 200): SSRC, NTP(64), RTP ts, packet count, octet count, RC report blocks
 *   RR  (PT 201): SSRC, RC report blocks
 *   report block: SSRC, fraction lost(8) cumulative lost(24, signed),
 *                 extended highest seq, jitter, LSR, DLSR (24 bytes)
 *   SDES(PT 202), BYE (PT 203)
 *   RTPFB (PT 205) FMT 1 generic NACK: sender SSRC, media SSRC, (PID(16) BLP(16))...
 *   PSFB  (PT 206) FMT 1 PLI, FMT 4 FIR (RFC 5104)
 *
 * Pure: no I/O, no clock (NTP times are arguments), no allocation; the
 * history works over storage the caller provides.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define RTCP_VERSION              2
#define RTCP_PT_SR                200
#define RTCP_PT_RR                201
#define RTCP_PT_SDES              202
#define RTCP_PT_BYE               203
#define RTCP_PT_APP               204
#define RTCP_PT_RTPFB             205
#define RTCP_PT_PSFB              206
#define RTCP_FMT_NACK             1
#define RTCP_FMT_PLI              1
#define RTCP_FMT_FIR              4
#define RTCP_SDES_CNAME           1

#define RTCP_HEADER_SIZE          4
#define RTCP_REPORT_BLOCK_SIZE    24
/* Bounds of what one parse keeps; more are counted and dropped. */
#define RTCP_MAX_REPORTS          31     /* the most one RR can carry (5-bit RC) */
#define RTCP_MAX_NACKS            64     /* PID/BLP items: up to 64 * 17 packets */
#define RTCP_MAX_CNAME            255

struct rtcp_report_block {
        uint32_t ssrc;                   /* the source reported on (ours) */
        uint8_t fraction_lost;           /* lost / expected since the last report, * 256 */
        int32_t cumulative_lost;         /* 24-bit signed, sign-extended */
        uint32_t highest_seq;            /* extended highest sequence number received */
        uint32_t jitter;                 /* interarrival jitter, RTP timestamp units */
        uint32_t lsr;                    /* middle 32 bits of the last SR's NTP time, 0: none yet */
        uint32_t dlsr;                   /* delay since that SR, 1/65536 s */
};

struct rtcp_nack {
        uint32_t media_ssrc;
        uint16_t pid;                    /* a lost packet */
        uint16_t blp;                    /* bit i: pid + i + 1 lost too */
};

/* Everything read from one compound packet. */
struct rtcp_info {
        unsigned n_packets;
        bool has_sr;                     /* the peer sent a sender report */
        uint32_t sr_ssrc;
        uint64_t sr_ntp;
        uint32_t sr_rtp_timestamp, sr_packet_count, sr_octet_count;
        bool has_rr;
        uint32_t rr_ssrc;                /* who sent the receiver report */
        size_t n_reports;
        unsigned n_reports_dropped;
        struct rtcp_report_block reports[RTCP_MAX_REPORTS];
        size_t n_nacks;
        unsigned n_nacks_dropped;
        struct rtcp_nack nacks[RTCP_MAX_NACKS];
        bool pli, fir;                   /* the sink asks for an IDR */
        uint32_t pli_media_ssrc, fir_media_ssrc;
        bool bye;
        unsigned n_ignored;              /* SDES, APP, XR, other feedback: skipped */
};

/*
 * Parse one compound RTCP packet (one UDP datagram; RFC 5506 reduced-size
 * packets too: a lone NACK or PLI is fine). Returns 0 and *ret, or -EBADMSG
 * when any packet has a version other than 2, a length running past the
 * datagram, padding larger than its packet, or a body too short for its type
 * and count. Nothing is written to *ret on failure.
 */
int rtcp_parse(const uint8_t *buf, size_t len, struct rtcp_info *ret);

/* ---- writers --------------------------------------------------------------------- */

struct rtcp_sender_info {
        uint32_t ssrc;
        uint64_t ntp;                    /* wall clock, NTP format (seconds since 1900 << 32 | fraction) */
        uint32_t rtp_timestamp;          /* the same instant on the RTP clock */
        uint32_t packet_count;           /* RTP packets sent so far */
        uint32_t octet_count;            /* payload octets sent so far */
};

/*
 * A compound SR (no report blocks: we receive no media) + SDES with one CNAME
 * chunk, as RFC 3550 section 6.1 wants every compound packet to carry.
 * Returns the length, or -EINVAL (empty or longer than RTCP_MAX_CNAME
 * CNAME), -ENOBUFS.
 */
ssize_t rtcp_build_sr(const struct rtcp_sender_info *sr, const char *cname, uint8_t *buf, size_t size);

/* An RR with n report blocks (n <= RTCP_MAX_REPORTS), for the test sink. -EINVAL / -ENOBUFS. */
ssize_t rtcp_build_rr(uint32_t ssrc, const struct rtcp_report_block *blocks, size_t n, uint8_t *buf, size_t size);

/*
 * A generic NACK for the lost sequence numbers seqs[0..n) (any order, repeats
 * allowed), packed into as few PID/BLP items as a greedy pass makes; for the
 * test sink. At most RTCP_MAX_NACKS items. Returns the length, or -EINVAL
 * (n == 0, too many items), -ENOBUFS.
 */
ssize_t rtcp_build_nack(uint32_t sender_ssrc, uint32_t media_ssrc, const uint16_t *seqs, size_t n, uint8_t *buf,
                        size_t size);

/* ---- times ----------------------------------------------------------------------- */

/* NTP format from microseconds since the Unix epoch (RFC 5905: the NTP era starts 1900). */
uint64_t rtcp_ntp_from_unix_usec(uint64_t unix_usec);

/* The middle 32 bits of an NTP time: what LSR echoes (RFC 3550 6.4.1). */
static inline uint32_t rtcp_ntp_middle(uint64_t ntp)
{
        return (uint32_t) (ntp >> 16);
}

/*
 * Round-trip time from a report block, received at now_ntp: now - LSR - DLSR
 * (RFC 3550 6.4.1, in 1/65536 s). Returns 0 and *ret_usec, -ENODATA when
 * LSR is 0 (the sink has no SR from us yet), -ERANGE when the result would be
 * negative (clocks or a stale report).
 */
int rtcp_rtt_usec(uint64_t now_ntp, uint32_t lsr, uint32_t dlsr, uint64_t *ret_usec);

/* Interarrival jitter in microseconds for an RTP clock of clock_hz (90000 for video); 0 for clock_hz 0. */
uint64_t rtcp_jitter_usec(uint32_t jitter, uint32_t clock_hz);

/* ---- retransmission history --------------------------------------------------------- */

/*
 * An index over the last n_slots RTP packets sent, for answering NACKs. The
 * caller owns the storage: `tags` (n_slots entries) here, and next to it its
 * own array of n_slots packet buffers, indexed by the same slot number. The
 * packet with sequence s lives in slot s mod n_slots, so a slot is reused
 * exactly n_slots packets later and a lookup is one comparison. n_slots is a
 * power of two from 16 to 32768 (half the sequence space, so "how old" is
 * never ambiguous).
 *
 *   rtcp_rtx_history_init(&h, tags, 1024);
 *   per packet sent:  slot = rtcp_rtx_history_record(&h, seq); copy the packet into bufs[slot]
 *   per NACK:         n = rtcp_rtx_history_resolve(&h, info.nacks, info.n_nacks, ours, slots, max, &missing);
 *                     resend bufs[slots[0..n)]
 */
struct rtcp_rtx_history {
        uint32_t *tags;                  /* not owned; (1 << 16 | seq) for a filled slot, 0 empty */
        size_t n_slots;
        bool any;
        uint16_t newest;                 /* sequence number recorded last */
};

/* Returns 0, or -EINVAL (NULL tags, n_slots not a power of two in range). Clears tags. */
int rtcp_rtx_history_init(struct rtcp_rtx_history *h, uint32_t *tags, size_t n_slots);

/* Record that seq was sent; returns its slot (where the caller keeps the packet). */
size_t rtcp_rtx_history_record(struct rtcp_rtx_history *h, uint16_t seq);

/* The slot holding seq: 0 and *ret_slot, or -ENOENT (never sent, too old, or overwritten). */
int rtcp_rtx_history_lookup(const struct rtcp_rtx_history *h, uint16_t seq, size_t *ret_slot);

/*
 * The packets to resend for nacks[0..n) (items whose media_ssrc is not
 * media_ssrc are ignored): slots in the order asked, each at most once, at
 * most max of them. *ret_missing (optional) counts the sequence numbers asked
 * for that the history no longer holds. Returns the number of slots written.
 */
size_t rtcp_rtx_history_resolve(const struct rtcp_rtx_history *h, const struct rtcp_nack *nacks, size_t n,
                                uint32_t media_ssrc, size_t *ret_slots, size_t max, size_t *ret_missing);
