/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The RTCP socket of one video stream (docs/rtcp.md): bound to our RTP port
 * + 1, sending sender reports to the sink's RTP port + 1, reading what the
 * sink sends back (receiver reports, generic NACKs, PLI/FIR, BYE) from any
 * port of the sink's address. Non-blocking; used by the media thread only.
 * The packet codec is protocol/rtcp.h; this file only moves datagrams.
 *
 *   rtcp_channel_new(&cfg, &c);
 *   every second:   rtcp_channel_send_sr(c, &sender_info);
 *   when it suits:  while (rtcp_channel_receive(c, &info) == 0) act on info;
 *   c = rtcp_channel_free(c);
 */
#pragma once

#include <stdint.h>

#include "../protocol/rtcp.h"

struct rtcp_channel;

struct rtcp_channel_config {
        const char *dest_address;   /* the sink's IP literal (as for RTP) */
        uint16_t dest_port;         /* the sink's RTCP port: its RTP port + 1 */
        uint16_t local_port;        /* ours: our RTP port + 1 */
        const char *cname;          /* SDES CNAME in every report; NULL: "miracastd" */
};

struct rtcp_channel_stats {
        uint64_t sr_sent;
        uint64_t received;          /* datagrams from the sink that parsed */
        uint64_t bad;               /* datagrams that did not parse, or from another address */
        uint64_t send_errors;       /* SRs the kernel refused (the sink's RTCP port closed: ICMP) */
};

/*
 * Open and bind the socket. Returns 0 and *ret, -EINVAL for a bad address
 * or port 0, -EADDRINUSE when local_port is taken, or another negative errno.
 */
int rtcp_channel_new(const struct rtcp_channel_config *cfg, struct rtcp_channel **ret);
/*
 * RTCP interleaved in the RTSP connection (encoder/rtsp_interleave.h, borrowed):
 * SRs go out as '$' frames on channel, reports come from what the session
 * delivered. cname as in the config. 0 and *ret, or a negative errno.
 */
struct rtsp_interleave;
int rtcp_channel_new_interleaved(struct rtsp_interleave *il, uint8_t channel, const char *cname,
                                 struct rtcp_channel **ret);
struct rtcp_channel *rtcp_channel_free(struct rtcp_channel *c);

/* Send an SR + SDES CNAME. 0, or a negative errno (-EAGAIN: the socket is full, try next time). */
int rtcp_channel_send_sr(struct rtcp_channel *c, const struct rtcp_sender_info *sr);

/*
 * Read one datagram from the sink: 0 and *ret, -EAGAIN when none waits,
 * -EBADMSG for one that does not parse or comes from another address
 * (counted in bad; call again for the next), or another negative errno.
 */
int rtcp_channel_receive(struct rtcp_channel *c, struct rtcp_info *ret);

/* The socket (owned by c), to poll; -1 when interleaved. */
int rtcp_channel_get_fd(const struct rtcp_channel *c);

void rtcp_channel_get_stats(const struct rtcp_channel *c, struct rtcp_channel_stats *ret);

static inline void rtcp_channel_freep(struct rtcp_channel **c)
{
        if (*c)
                *c = rtcp_channel_free(*c);
}
