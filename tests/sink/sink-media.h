/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The media side of the test sink: an RTP/MP2T receiver and an FFmpeg decoder.
 *
 * How the stream gets to FFmpeg (our choice, see README "Test sink"): the sink
 * parses RTP itself (version 2, payload type 33, sequence numbers for loss
 * counting, payload = whole 188-byte TS packets) on the event loop thread and
 * pushes the TS bytes into a bounded ring buffer. A decode thread reads that
 * ring through a custom AVIOContext into libavformat's "mpegts" demuxer and
 * decodes video with libavcodec. Doing RTP ourselves keeps the counters honest
 * (FFmpeg's RTP demuxer hides losses and payload types) and needs no SDP file.
 *
 *   sink_media_new() -> sink_media_feed_rtp() per datagram (event loop) ->
 *   sink_media_frame_fd() readable after each decoded frame ->
 *   sink_media_stop() -> sink_media_get_stats() / sink_media_write_png() ->
 *   sink_media_free()
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../protocol/macro.h"
#include "sink-audio.h"

struct sink_media;

struct sink_media_stats {
        /* RTP, counted on the event loop */
        uint64_t rtp_packets;
        uint64_t rtp_bytes;             /* payload bytes (TS) */
        uint64_t rtp_lost;              /* sequence gaps */
        uint64_t rtp_bad;               /* not RTP v2 / not PT 33 / payload not n*188 */
        uint64_t ring_overflows;        /* TS bytes dropped because the decoder lagged */
        uint32_t ssrc;
        uint16_t first_seq;         /* RTP sequence number of the first packet received */
        /* decoding, counted by the decode thread */
        char video_codec[32];           /* "h264", "" when no video stream yet */
        char audio_codec[32];           /* "aac", "pcm_bluray", "" when none */
        char h264_profile[32];          /* "Constrained Baseline", "High", ... */
        int h264_level;                 /* level_idc, e.g. 31 */
        unsigned width, height;         /* of the last decoded frame */
        uint64_t frames;                /* decoded video frames */
        uint64_t keyframes;             /* decoded IDR/key frames */
        uint64_t bframes;               /* B pictures: WFD's CBP/CHP allow none */
        uint64_t audio_packets;         /* audio PES packets */
        uint64_t audio_bad;             /* LPCM PES with a header that is not WFD's */
        int pmt_pid, pcr_pid;           /* of the first program, -1 until known */
        int video_pid, audio_pid;       /* -1 until seen */
        uint64_t decode_errors;
        uint64_t first_frame_usec;      /* CLOCK_MONOTONIC of the first decoded frame, 0 = none */
        uint64_t last_keyframe_usec;
        uint64_t last_frame_usec;
        uint64_t max_frame_gap_usec;    /* the longest time between two decoded frames (a freeze) */
        unsigned mean_luma;             /* 0..255 of the last frame (a black screen is ~16) */
        unsigned audio_rate;            /* of the decoded sound, 0 before any */
        uint64_t audio_decode_errors;   /* audio packets the decoder rejected */
        struct sink_audio_result audio; /* what the sound was (sink-audio.h); final after sink_media_stop() */
        char error[128];                /* why the demuxer/decoder gave up, "" if it did not */
};

/* Start the decode thread. Returns 0 or -errno. */
int sink_media_new(struct sink_media **ret);

/*
 * Hand one received UDP datagram to the receiver. Malformed datagrams are
 * counted (rtp_bad) and dropped. Never blocks.
 */
void sink_media_feed_rtp(struct sink_media *m, const uint8_t *buf, size_t len);

/* An fd (eventfd) that becomes readable when frames were decoded; read 8 bytes to clear. */
int sink_media_frame_fd(struct sink_media *m);

/* Signal end of stream and join the decode thread (idempotent). */
void sink_media_stop(struct sink_media *m);

/* Copy the counters (thread-safe). */
void sink_media_get_stats(struct sink_media *m, struct sink_media_stats *ret);

/*
 * Write the last decoded frame as an RGB24 PNG (libswscale + libavcodec's png
 * encoder). Returns 0, -ENODATA when no frame was decoded, or -errno.
 */
int sink_media_write_png(struct sink_media *m, const char *path);

/* Stops if needed and frees everything; returns NULL. */
struct sink_media *sink_media_free(struct sink_media *m);
DEFINE_CLEANUP(struct sink_media *, sink_media_free);
