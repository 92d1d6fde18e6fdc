/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A test receiver for RTP/MP2T on loopback, decoding with FFmpeg as a sink
 * would: bind a UDP port, check every datagram with ts-check.h (the raw
 * conformance checks), and relay it to a second loopback port where
 * libavformat reads it through an SDP file (`m=video PORT RTP/AVP 33`,
 * `a=rtpmap:33 MP2T/90000`, protocol_whitelist file,udp,rtp) and libavcodec
 * decodes every picture.
 *
 *   struct rtp_receive *r;
 *   rtp_receive_start(0, &r);                 binds 127.0.0.1, any port
 *   port = rtp_receive_get_port(r);           send RTP there
 *   ... send ...
 *   rtp_receive_finish(r, 500, &res);         waits until 500 ms without packets, joins, frees r
 *   assert res.frames, res.width, res.check.n_errors == 0 ...
 *
 * Two threads inside (relay, decode). No assertion is timed: the idle wait
 * only decides when the stream is over.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "ts-check.h"

#define RTP_RECEIVE_MAX_FRAMES 4096

struct rtp_receive;

struct rtp_receive_result {
        char codec[32];          /* FFmpeg codec name of the video stream ("h264"), "" if none found */
        int width, height;       /* of the decoded pictures */
        unsigned frames;         /* pictures decoded */
        unsigned keyframes;      /* pictures decoded as key frames (IDR) */
        unsigned decode_errors;  /* packets the decoder rejected */
        unsigned n_pts;          /* PTS (90 kHz, as in the TS) of the first RTP_RECEIVE_MAX_FRAMES pictures */
        int64_t pts[RTP_RECEIVE_MAX_FRAMES];
        unsigned n_sizes;        /* picture sizes in decoding order: one entry per run of the same size */
        struct {
                int width, height;
                unsigned frames;
                bool first_key;  /* the run started with a key frame */
        } sizes[8];
        uint64_t packets, bytes; /* datagrams received */
        struct ts_check check;   /* raw RTP/TS conformance (PES buffers already freed) */
};

/*
 * Bind 127.0.0.1:port (0: any free port) and start the relay and decoder.
 * strict_seven: require exactly 7 TS packets per RTP packet (our sender does;
 * ffmpeg's and GStreamer's may not). Returns 0 and *ret, or negative errno
 * (FFmpeg errors are mapped to -EIO and printed).
 */
int rtp_receive_start(uint16_t port, bool strict_seven, struct rtp_receive **ret);
/* Record PCR and PAT/PMT gaps without failing on them (ts_check.no_timing): for real-time
 * senders whose timing depends on the machine's load. Call right after rtp_receive_start(). */
void rtp_receive_set_no_timing(struct rtp_receive *r, bool b);
uint16_t rtp_receive_get_port(const struct rtp_receive *r);
/*
 * Wait until no datagram arrived for idle_ms (and at least one did, or
 * 10 x idle_ms passed without any), stop, flush the decoder, fill *ret (a
 * large struct: allocate it) and free r. Returns 0 or negative errno.
 */
int rtp_receive_finish(struct rtp_receive *r, unsigned idle_ms, struct rtp_receive_result *ret);
