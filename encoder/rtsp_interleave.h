/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * RTP and RTCP interleaved in the RTSP connection (RFC 2326 10.12): each packet
 * goes out as '$', channel, 16-bit length, packet, between the RTSP messages,
 * when the sink's SETUP asked for "RTP/AVP/TCP;interleaved=N-M".
 *
 * Two threads write to the one connection: the session's event loop (RTSP
 * messages) and the media thread (RTP, RTCP sender reports). This object is the
 * only writer, under one lock, so neither cuts into the other's bytes:
 *   - RTSP messages are queued whole (bounded) and always go out, ahead of RTP;
 *   - RTP packets go out only when no RTSP byte waits; a packet the kernel took
 *     only in part is finished (by whichever thread comes next) before anything
 *     else, so the framing holds;
 *   - nobody blocks under the lock: a full socket means "later" (RTSP: the
 *     session polls for EPOLLOUT and calls rtsp_interleave_flush()) or "drop"
 *     (RTP: the sender's drop policy, encoder/rtp_send.h).
 * Frames from the sink (its RTCP receiver reports) are read by the session's
 * RTSP parser and handed to the media thread through a datagram socket pair
 * (rtsp_interleave_deliver() -> rtsp_interleave_receive()); when it is full
 * they are dropped and counted.
 *
 *   rtsp_interleave_new(rtsp_fd, &il);            session thread, after SETUP
 *   session: rtsp_interleave_queue(il, msg, len); on EPOLLOUT rtsp_interleave_flush(il);
 *            rtsp_interleave_deliver(il, frame, len) for each frame from the sink
 *   media:   rtsp_interleave_send(il, channel, packets, n, size, &cut);
 *            rtsp_interleave_receive(il, buf, size)
 *   il = rtsp_interleave_free(il);                after the media thread is gone
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* RTSP bytes we hold for a sink that stops reading before giving up on it. */
#define RTSP_INTERLEAVE_MAX_CONTROL (256u * 1024)

struct rtsp_interleave;

struct rtsp_interleave_stats {
        uint64_t packets;           /* interleaved packets handed to the kernel */
        uint64_t busy;              /* send calls that found RTSP bytes or a cut packet still waiting */
        uint64_t frames_in;         /* frames from the sink handed to the media thread */
        uint64_t frames_in_dropped; /* ... dropped: the media thread did not keep up */
};

/*
 * fd: the RTSP connection, non-blocking (borrowed: the caller closes it after
 * freeing this). Returns 0 and *ret, or a negative errno.
 */
int rtsp_interleave_new(int fd, struct rtsp_interleave **ret);
/* Accepts NULL, returns NULL. The media thread must have stopped using it. */
struct rtsp_interleave *rtsp_interleave_free(struct rtsp_interleave *il);

/*
 * Queue RTSP bytes (whole messages) and write what the socket takes. Returns 1
 * when bytes still wait (poll for EPOLLOUT, then rtsp_interleave_flush()), 0 when
 * all went out, -ENOBUFS when more than RTSP_INTERLEAVE_MAX_CONTROL would wait
 * (nothing queued), or the socket's negative errno.
 */
int rtsp_interleave_queue(struct rtsp_interleave *il, const void *data, size_t len);
/* Write what waits: 1 when bytes still wait, 0 when none, or a negative errno. */
int rtsp_interleave_flush(struct rtsp_interleave *il);

/*
 * Send n packets of packet_size bytes (contiguous) on channel, without blocking.
 * Returns how many went out whole or are the kernel's to finish (0: the socket
 * or RTSP bytes are in the way, try after rtsp_interleave_wait_writable()), or
 * a negative errno for a broken connection. *ret_cut (may be NULL) says the
 * last one went out only in part: the link is full.
 */
int rtsp_interleave_send(struct rtsp_interleave *il, uint8_t channel, const uint8_t *packets, size_t n,
                         size_t packet_size, bool *ret_cut);
/* Wait up to timeout_usec for the socket to take more. true when it can. */
bool rtsp_interleave_wait_writable(struct rtsp_interleave *il, unsigned timeout_usec);
/* Bytes not yet sent: the socket's (SIOCOUTQ) and ours; or a negative errno. */
int rtsp_interleave_get_queued_bytes(struct rtsp_interleave *il);
/* The sink advertises no room: it does not read the connection (tcp_window.h). */
bool rtsp_interleave_peer_window_closed(struct rtsp_interleave *il);

/* A frame from the sink, for the media thread. 0, or -ENOBUFS when dropped (counted). */
int rtsp_interleave_deliver(struct rtsp_interleave *il, const void *data, size_t len);
/* The next delivered frame into buf: its length, -EAGAIN when none waits, -EMSGSIZE when it did not fit. */
ssize_t rtsp_interleave_receive(struct rtsp_interleave *il, void *buf, size_t size);

void rtsp_interleave_get_stats(struct rtsp_interleave *il, struct rtsp_interleave_stats *ret);

static inline void rtsp_interleave_freep(struct rtsp_interleave **il)
{
        if (*il)
                *il = rtsp_interleave_free(*il);
}
