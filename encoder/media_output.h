/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The last stage of the media pipeline: H.264 access units -> WFD MPEG-TS
 * (protocol/ts_mux.h) -> RTP (protocol/rtp.h) -> UDP (encoder/rtp_send.h).
 * Used only by media.c's encode thread; not thread-safe.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct media_output;

struct media_output_stats {
        uint64_t bytes_sent;   /* UDP payload bytes handed to the kernel */
        uint64_t rtp_packets;  /* RTP packets handed to the kernel */
        uint64_t send_errors;  /* packets refused or dropped by the sender */
};

/*
 * Open the UDP socket to dest_address:dest_port from local_port (0: any) for
 * a width x height H.264 stream. bitrate_bps sizes the sender's pacing.
 * Returns 0 and *ret, -EINVAL for a bad address, -EADDRINUSE, or another
 * negative errno.
 */
int media_output_new(const char *dest_address, uint16_t dest_port, uint16_t local_port, unsigned width,
                     unsigned height, uint64_t bitrate_bps, struct media_output **ret);
struct media_output *media_output_free(struct media_output *o);

/* The local port actually bound. */
uint16_t media_output_local_port(const struct media_output *o);

/*
 * Packetize and send one access unit (Annex B) with its 90 kHz pts at
 * monotonic time now_usec (drives PAT/PMT/PCR repetition). Returns 0 when
 * handed to the network, -EAGAIN/-ENOBUFS when the sender had to drop it
 * (stalled link), another negative errno for a fatal error.
 */
int media_output_video(struct media_output *o, const uint8_t *au, size_t size, int64_t pts_90khz, bool idr,
                       uint64_t now_usec);

/* Tell the sender about a new target bit rate (pacing). */
void media_output_set_bitrate(struct media_output *o, uint64_t bitrate_bps);

void media_output_get_stats(const struct media_output *o, struct media_output_stats *ret);
