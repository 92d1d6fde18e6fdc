/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Sends the RTP packets of one frame over UDP to the sink: a socket bound to
 * a fixed local port (the server_port announced in the SETUP reply) and
 * connected to the sink's client_port, non-blocking.
 *
 * Pacing: a frame's packets go out in bursts of cfg.burst_packets with
 * sendmmsg(); between bursts the sender sleeps so the average rate stays at
 * cfg.pace_bps. The pacing clock carries over between calls: frames sent
 * back to back (say many small audio frames) are paced as one stream, never
 * as separate bursts. A large IDR sent at line rate overruns P2P links; a sensible
 * pace is 2-4x the video bit rate (and well above it, so a frame still leaves
 * within a fraction of the frame interval).
 *
 * Dropping instead of queueing: the kernel socket buffer is the only queue
 * (SO_SNDBUF = cfg.sndbuf_bytes). A frame is dropped whole when the socket
 * has more than cfg.max_queued_bytes waiting (SIOCOUTQ) before its first
 * packet, or when the socket stays full (EAGAIN) for cfg.stall_usec in the
 * middle of a frame (the rest of that frame is dropped). After any drop, the
 * sender refuses delta frames (they reference what the sink never got)
 * and rtp_send_frame() returns RTP_SEND_NEED_IDR until an IDR passes.
 * ECONNREFUSED (the sink's port is not open yet, ICMP) is counted in
 * send_errors and is not a stall.
 *
 * TCP (cfg.tcp, RTP/AVP/TCP when the sink asks for it): the socket connects
 * to the sink's port without blocking; frames wait for the connection up to
 * stall_usec (else they are dropped, as on a full socket). Each packet goes
 * out behind its 16-bit length (RFC 4571). A packet the kernel took only in
 * part is finished first on the next call, so the framing never breaks;
 * whole frames are still dropped (never cut) when the socket is too full.
 * A reset or refused connection is an error (-ECONNRESET, -ECONNREFUSED...).
 *
 * Interleaved (cfg.interleave, RTP/AVP/TCP;interleaved=N-M): no socket of its
 * own; every packet goes into the RTSP connection as a '$' frame on channel
 * cfg.interleave_channel through encoder/rtsp_interleave.h, with the TCP drop
 * policy above (RTSP messages always go first; whole frames are dropped when
 * the connection is too full).
 *
 * Repair (RTCP generic NACK, docs/rtcp.md): with cfg.rtx_slots the sender
 * keeps a copy of the last rtx_slots packets it handed to the kernel, indexed
 * by their RTP sequence number (protocol/rtcp.h's history), and
 * rtp_send_retransmit() sends the ones a NACK names again, unchanged (same
 * sequence number and timestamp: the sink's reorder buffer puts them back in
 * place). Dropped packets were never sent and are never resent.
 * rtp_send_set_rtx_budget() caps the resends' average rate: on a congested
 * link the sink NACKs a large share of the stream, and resending all of it
 * would only deepen the congestion.
 *
 *   rtp_send_new(&cfg, &s);
 *   port = rtp_send_get_local_port(s);           for server_port
 *   per frame: r = rtp_send_frame(s, w.data, w.n_packets, RTP_MP2T_PACKET_SIZE,
 *                                  idr ? RTP_SEND_KIND_IDR : RTP_SEND_KIND_DELTA);
 *              if (r > 0) encode_request_idr(...);
 *   s = rtp_send_free(s);
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct rtp_send;
struct rtsp_interleave;

struct rtp_send_config {
        const char *dest_address;   /* the sink's IPv4 or IPv6 literal (link-local "fe80::1%wlan0" works) */
        uint16_t dest_port;         /* the sink's RTP port (client_port) */
        const char *local_address;  /* address to bind; NULL: any */
        uint16_t local_port;        /* our RTP port (server_port); 0: the kernel picks */

        uint64_t pace_bps;          /* average send rate within a frame; 0: no pacing (bursts only) */
        unsigned burst_packets;     /* packets per sendmmsg burst; 0: 16 */
        unsigned sndbuf_bytes;      /* SO_SNDBUF; 0: 1 MiB */
        unsigned max_queued_bytes;  /* drop a frame when more than this waits in the socket; 0: sndbuf_bytes / 2 */
        unsigned stall_usec;        /* how long to wait for a full socket mid-frame; 0: 20000 */
        int dscp;                   /* IP DSCP for the packets (e.g. 46 EF, 34 AF41); 0: leave */
        unsigned rtx_slots;         /* packets kept for retransmission: a power of two 16..32768; 0: none */
        bool tcp;                   /* RTP/AVP/TCP: connect to dest_port and frame every packet with its
                                     * 16-bit length (RFC 4571); no retransmission history */
        struct rtsp_interleave *interleave; /* borrowed: RTP in the RTSP connection (see above); dest_*,
                                             * local_* and tcp are ignored, no retransmission history */
        uint8_t interleave_channel;
};

/* What a batch of packets holds, for the drop policy. */
enum rtp_send_kind {
        RTP_SEND_KIND_DELTA,       /* a video frame that references earlier ones (P) */
        RTP_SEND_KIND_IDR,         /* an IDR: ends the need-IDR state */
        RTP_SEND_KIND_INDEPENDENT, /* audio, or PCR/PAT/PMT only: never refused for a missing IDR */
        _RTP_SEND_KIND_MAX,
};

enum {
        RTP_SEND_OK = 0,
        RTP_SEND_DROPPED = 1,  /* the frame (or its rest) was dropped; an IDR is needed */
        RTP_SEND_NEED_IDR = 2, /* same meaning; kept distinct: this frame was refused
                                * because an earlier one was dropped */
};

struct rtp_send_stats {
        uint64_t packets;         /* RTP packets handed to the kernel */
        uint64_t bytes;           /* UDP payload bytes of those */
        uint64_t frames_sent;     /* frames sent completely */
        uint64_t frames_dropped;  /* frames dropped whole or in part */
        uint64_t packets_dropped; /* RTP packets of dropped frames never sent */
        uint64_t send_errors;     /* packets refused by the kernel (ECONNREFUSED, ENOBUFS, ...) */
        uint64_t stalls;          /* EAGAIN waits */
        uint64_t pace_usec;       /* total time slept for pacing */
        uint64_t rtx_requested;   /* sequence numbers NACKed (for our SSRC) */
        uint64_t rtx_sent;        /* packets sent again */
        uint64_t rtx_missing;     /* NACKed but no longer (or never) held: too old, dropped, not ours */
        uint64_t rtx_over_budget; /* held but not resent: over rtp_send_set_rtx_budget() */
};

/*
 * Create the socket, bind and connect it. Returns 0 and *ret, or
 *   -EINVAL      bad address, port 0 as destination,
 *   -EADDRINUSE  local_port taken,
 *   other negative errno from socket()/bind()/connect().
 */
int rtp_send_new(const struct rtp_send_config *cfg, struct rtp_send **ret);
/*
 * Take over fd, an already connected datagram socket (closed by
 * rtp_send_free(), also on failure): e.g. one end of a socketpair() in tests,
 * whose full queue makes stalls reproducible. Addresses and ports in cfg are
 * ignored; the rest applies. Returns 0 and *ret, or negative errno.
 */
int rtp_send_new_from_fd(int fd, const struct rtp_send_config *cfg, struct rtp_send **ret);
/* Close and free; accepts NULL, returns NULL. */
struct rtp_send *rtp_send_free(struct rtp_send *s);

/* The bound local port (what to announce as server_port). */
uint16_t rtp_send_get_local_port(const struct rtp_send *s);
/* The socket (owned by s), e.g. for tests or to poll. */
int rtp_send_get_fd(const struct rtp_send *s);

/* Change the pacing rate (e.g. with the encoder bit rate). */
void rtp_send_set_pace(struct rtp_send *s, uint64_t pace_bps);
/* Cap what rtp_send_retransmit() sends to bps on average (a burst of 64 packets); 0: no cap. */
void rtp_send_set_rtx_budget(struct rtp_send *s, uint64_t bps);

/*
 * Send n packets of packet_size bytes each, contiguous at packets, paced.
 * kind says what the batch holds (see enum rtp_send_kind).
 * Returns RTP_SEND_OK, RTP_SEND_DROPPED or RTP_SEND_NEED_IDR (request an IDR
 * from the encoder in both cases), or a negative errno for a broken socket
 * (-EBADF, -ENOTCONN...) or -EINVAL for bad arguments. Blocks at most for
 * the pacing of this frame plus cfg.stall_usec.
 */
int rtp_send_frame(struct rtp_send *s, const uint8_t *packets, size_t n, size_t packet_size,
                   enum rtp_send_kind kind);

/*
 * Send again the packets that the generic NACK items nacks[0..n) name for
 * ssrc (items for another SSRC are ignored), from the history, each at most
 * once per call, in the order asked, not paced (a NACK is already late) but
 * never blocking: a full socket, or the resend budget spent, ends the call. Returns the number of packets
 * sent again, -ENOTSUP without a history, or a negative errno for a broken
 * socket.
 */
struct rtcp_nack;
int rtp_send_retransmit(struct rtp_send *s, const struct rtcp_nack *nacks, size_t n, uint32_t ssrc);

/* Unsent bytes in the socket (SIOCOUTQ: the kernel buffer and the qdisc), or a negative errno. */
int rtp_send_get_queued_bytes(const struct rtp_send *s);
/*
 * Whether the link is still full: the next frame would be dropped before its
 * first packet (more than max_queued_bytes wait), or the socket takes nothing
 * now, or a TCP connection is still coming. Asking for an IDR only when this is
 * false keeps a stalled sink from turning every frame into an IDR: the IDR
 * would be dropped too, and the encoder is shared (encoder/media_group.h).
 */
bool rtp_send_is_congested(const struct rtp_send *s);
/* TCP and interleaved: the sink advertises no room, it does not read (tcp_window.h). UDP: false. */
bool rtp_send_peer_window_closed(const struct rtp_send *s);

/* A copy of the counters. Not thread-safe: call from the sending thread. */
void rtp_send_get_stats(const struct rtp_send *s, struct rtp_send_stats *ret);

/*
 * An IPv4 or IPv6 literal (IPv6 may carry %scope) and port as a socket
 * address; NULL addr: IPv4 any. 0, or -EINVAL. (Shared with rtcp_channel.c.)
 */
int rtp_send_parse_address(const char *addr, uint16_t port, struct sockaddr_storage *sa, socklen_t *len);

static inline void rtp_send_freep(struct rtp_send **s)
{
        if (*s)
                *s = (struct rtp_send *) rtp_send_free(*s);
}
