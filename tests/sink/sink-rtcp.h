/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The test sink's RTCP (--rtcp, --nack): receiver reports about the source's
 * stream, and with --nack a reorder buffer that asks for lost packets again
 * with generic NACKs (protocol/rtcp.h builds both) and hands the packets to
 * sink-media in sequence order.
 *
 * Every RTP datagram goes through sink_rtcp_feed() instead of straight to
 * sink_media_feed_rtp(). Without --nack it is passed on at once (and counted
 * for the reports). With --nack a gap holds the later packets back: the
 * missing sequence numbers are NACKed at once and once more after
 * SINK_RTCP_NACK_RETRY_USEC; a packet that arrives fills its place; what is
 * still missing after hold_usec is given up (counted as unrecovered) and the
 * held packets go on. sink_rtcp_tick() (every few ms) runs those timers and
 * sends a receiver report every report_usec (RFC 3550 A.3 loss, A.8 jitter,
 * LSR/DLSR from the source's last SR).
 *
 * The source's RTCP port is learnt from the first RTP datagram: its source
 * port + 1 (the source's RTP port is its server_port).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct sink_media;
struct sink_rtcp;

struct sink_rtcp_stats {
        uint64_t rr_sent;
        uint64_t sr_received;
        uint64_t nack_packets;   /* NACK datagrams sent */
        uint64_t nacked;         /* sequence numbers asked for (a retry counts again) */
        uint64_t recovered;      /* missing packets that came after all, in time */
        uint64_t late;           /* packets that came after their place was given up, or twice */
        uint64_t unrecovered;    /* missing packets given up */
        uint64_t max_hold_usec;  /* the longest a packet waited in the reorder buffer */
};

/*
 * rtcp_fd: our RTCP socket (bound to our RTP port + 1), owned by the caller.
 * nack: reorder and NACK; else only reports. 0 and *ret, or -errno.
 */
int sink_rtcp_new(struct sink_media *media, int rtcp_fd, bool nack, uint64_t hold_usec, struct sink_rtcp **ret);
struct sink_rtcp *sink_rtcp_free(struct sink_rtcp *r);

/* One RTP datagram that arrived at now_usec (CLOCK_MONOTONIC) from from. */
void sink_rtcp_feed(struct sink_rtcp *r, const uint8_t *buf, size_t len, const struct sockaddr_storage *from,
                    uint64_t now_usec);
/* Send reports and NACKs through send(data, ...) instead of the socket (RTCP interleaved in RTSP). */
void sink_rtcp_set_sender(struct sink_rtcp *r, void (*send)(void *data, const uint8_t *buf, size_t len),
                          void *data);
/* One RTCP packet from the source (its SR) that came another way than our socket. */
void sink_rtcp_feed_rtcp(struct sink_rtcp *r, const uint8_t *buf, size_t len, uint64_t now_usec);
/* Read what the source sent to our RTCP socket (its SRs). */
void sink_rtcp_receive(struct sink_rtcp *r, uint64_t now_usec);
/* Timers: give up on old gaps, NACK retries, the periodic RR. */
void sink_rtcp_tick(struct sink_rtcp *r, uint64_t now_usec);

void sink_rtcp_get_stats(const struct sink_rtcp *r, struct sink_rtcp_stats *ret);
