/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The last stage of the media pipeline: H.264 access units -> WFD MPEG-TS
 * -> RTP -> UDP. Used only by media.c's encode thread; not thread-safe.
 *
 * Times are relative to the start of the stream (media_start()): pts in the
 * 90 kHz clock, "now" in microseconds on CLOCK_MONOTONIC. The output turns
 * them into PCR (now) and PTS (pts plus the sink's buffering offset).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../protocol/ts_mux.h"

struct media_output;

/* PTS = capture time + this. 100 ms: above the capture-to-send p99 we measure at 1080p30 on 2 cores,
 * with margin for the link. */
#define MEDIA_OUTPUT_PTS_OFFSET_90KHZ 9000

struct rtsp_interleave;

struct media_output_config {
        const char *dest_address;    /* the sink's IP literal */
        uint16_t dest_port;          /* the sink's RTP port */
        uint16_t local_port;         /* 0: any */
        uint16_t dest_rtcp_port;     /* the sink's RTCP port; 0: dest_port + 1 */
        unsigned width, height;      /* the H.264 stream's size */
        uint64_t bitrate_bps;        /* video target, for pacing */
        uint8_t avc_profile_idc;     /* 66 or 100: for the PMT's AVC descriptor */
        uint8_t avc_constraint_flags;/* 0xC0 (CBP) or 0x0C (CHP) */
        uint8_t avc_level_idc;       /* 31..42 */
        enum ts_audio_codec audio;   /* TS_AUDIO_NONE: video only; LPCM or AAC on PID 0x1100 */
        unsigned audio_rate_hz;      /* LPCM: 44100 or 48000; AAC: 48000 */
        unsigned audio_channels;     /* 2 (1 for AAC mono) */
        bool rtcp;                   /* RTCP on our RTP port + 1 to the sink's RTP port + 1, and NACK repair
                                      * from a history of MEDIA_OUTPUT_RTX_SLOTS packets (docs/rtcp.md) */
        bool tcp;                    /* RTP/AVP/TCP to dest_port (RFC 4571 framing); no RTCP then */
        struct rtsp_interleave *interleave; /* borrowed: RTP (and with rtcp, RTCP SR/RR without NACK
                                             * repair) in the RTSP connection; dest_*, tcp ignored */
        uint8_t interleave_channel[2];      /* RTP, RTCP */
};

/* Android's source keeps 1024 packets for NACKs: 1.3 MB, 0.9 s of a 12 Mbit/s stream. */
#define MEDIA_OUTPUT_RTX_SLOTS 1024

struct media_output_stats {
        uint64_t bytes_sent;   /* UDP payload bytes handed to the kernel */
        uint64_t rtp_packets;  /* RTP packets handed to the kernel */
        uint64_t send_errors;  /* packets refused by the kernel (ECONNREFUSED, ENOBUFS...) */
        uint64_t frames_dropped; /* frames the sender dropped (stalled link) */

        /* RTCP (all zero without): what the sink's receiver reports said last, and the repair */
        bool rtcp;               /* the RTCP socket is open */
        uint64_t rtcp_reports;   /* report blocks about our stream received */
        uint64_t sr_sent;
        uint8_t fraction_lost;   /* of the last report: lost / expected * 256 */
        int64_t cumulative_lost; /* of the last report */
        uint64_t jitter_usec;    /* of the last report */
        uint64_t rtt_usec;       /* from the last report with an LSR; 0 unknown */
        uint64_t nack_items;     /* generic NACK items received for our SSRC */
        uint64_t rtx_requested;  /* packets asked for again */
        uint64_t rtx_sent;       /* packets sent again */
        uint64_t rtx_missing;    /* asked for but no longer held */
        uint64_t idr_requests;   /* PLI / FIR received */
};

/* What one media_output_poll_rtcp() call read. */
struct media_output_feedback {
        bool report;             /* a receiver report about our stream came */
        uint8_t fraction_lost;   /* its loss, lost / expected * 256 */
        bool idr;                /* the sink asked for a key frame (PLI, FIR) */
        unsigned rtx_sent;       /* packets sent again for its NACKs */
};

/*
 * Open the UDP socket and the muxer. Returns 0 and *ret, -EINVAL for a bad
 * address, -EADDRINUSE, or another negative errno.
 */
int media_output_new(const struct media_output_config *cfg, struct media_output **ret);
struct media_output *media_output_free(struct media_output *o);

/* The local port actually bound. */
uint16_t media_output_local_port(const struct media_output *o);

/*
 * Packetize and send one access unit (Annex B). Returns 0 when sent, 1 when
 * the sender dropped it (stalled link: ask the encoder for an IDR), or a
 * negative errno for a fatal error.
 */
int media_output_video(struct media_output *o, const uint8_t *au, size_t size, int64_t pts_90khz, bool idr,
                       uint64_t now_usec);
/*
 * The same for an access unit a fan-out group muxed once (ts_mux_video_pes(),
 * its PTS on the group clock): our PCR/PAT/PMT as due, then the n packets
 * unchanged, in our RTP stream. Same returns.
 */
int media_output_video_packets(struct media_output *o, const uint8_t *packets, size_t n, bool idr,
                               uint64_t now_usec);

/*
 * Put this stream on a clock that started offset_usec before it (a fan-out
 * group's clock, which the group's shared PES packets use): from now on every
 * PCR, PTS and RTP timestamp is the caller's stream time plus offset_usec.
 * Set it before the first write.
 */
void media_output_set_clock_offset(struct media_output *o, uint64_t offset_usec);

/*
 * Sound (S16 interleaved, the configured rate and channels) whose first
 * frame is pos sample frames after the stream's start (its PTS is pos / rate
 * plus the same offset as video), in blocks of MEDIA_OUTPUT_AUDIO_BLOCK
 * frames (the last may be shorter). LPCM: one PES per block; AAC: encoded
 * block by block, one PES per ADTS frame that comes out. All of it leaves in
 * one send, so a few blocks at once cost one wake of the pacer, not one each.
 * 0 or negative errno.
 */
#define MEDIA_OUTPUT_AUDIO_BLOCK 480
int media_output_audio(struct media_output *o, const int16_t *pcm, unsigned frames, int64_t pos, uint64_t now_usec);

/*
 * Nothing to send for a while (still screen): emit PCR/PAT/PMT if they are
 * due. 0 or negative errno.
 */
int media_output_idle(struct media_output *o, uint64_t now_usec);

/*
 * The stream resumes after a pause: the next write starts with PCR, PAT and
 * PMT. (The caller's audio clock moves on to the present: the pause's worth
 * of sound is never sent, it would arrive as a burst of stale packets.)
 */
void media_output_resume(struct media_output *o);

/*
 * A new video format from the next IDR on: the PMT's AVC descriptor changes
 * (new PMT version, sent before that IDR). SSRC, RTP sequence, continuity
 * counters and the clocks carry on. 0 or -EINVAL.
 */
int media_output_set_video(struct media_output *o, uint8_t avc_profile_idc, uint8_t avc_constraint_flags,
                           uint8_t avc_level_idc);

/* Tell the sender about a new target bit rate (pacing). */
void media_output_set_bitrate(struct media_output *o, uint64_t bitrate_bps);

/*
 * RTCP: read what the sink sent (answering NACKs at once from the history)
 * and send our SR when one is due (every second). now_usec is stream time,
 * as for the other calls. Without RTCP a no-op. 0 and *ret, or a negative
 * errno for a broken socket.
 */
int media_output_poll_rtcp(struct media_output *o, uint64_t now_usec, struct media_output_feedback *ret);

/* Unsent bytes in the RTP socket (SIOCOUTQ), or a negative errno. */
int media_output_queued_bytes(const struct media_output *o);
/* The link is still full: an IDR asked for now would be dropped as well (rtp_send_is_congested()). */
bool media_output_is_congested(const struct media_output *o);
/* TCP or interleaved: the sink advertises no room, it does not read (rtp_send_peer_window_closed()). */
bool media_output_peer_window_closed(const struct media_output *o);

/* The RTCP socket, or -1 without RTCP (to poll for readability). */
int media_output_rtcp_fd(const struct media_output *o);

void media_output_get_stats(const struct media_output *o, struct media_output_stats *ret);
