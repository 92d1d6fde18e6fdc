/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The PCM stream format of an audio input fd (Session1.AttachAudio(), see
 * docs/audio.md): what a user-session component (e.g. a PipeWire client)
 * writes, and the daemon reads. The bytes come from another user's process,
 * so they are parsed here, bounded, and fuzzed.
 *
 * All integers little-endian. One stream header, then packets:
 *
 *   header, 16 bytes:
 *     0  "MCA1"          magic and version
 *     4  u32 rate_hz     sample rate (8000..192000)
 *     8  u16 channels    interleaved channels (1..8)
 *    10  u16 format      1: signed 16-bit (S16LE)
 *    12  u32 reserved    0
 *
 *   packet, 16 bytes + payload:
 *     0  u32 length      payload bytes: a whole number of sample frames,
 *                        at most AUDIO_STREAM_MAX_PAYLOAD
 *     4  u32 flags       AUDIO_STREAM_FLAG_*; unknown bits must be 0
 *     8  u64 time_nsec   CLOCK_MONOTONIC time the first sample was captured;
 *                        0: unknown (the reader then uses the arrival time)
 *    16  payload         interleaved samples
 *
 * Parsing is incremental: -EAGAIN until the whole header or packet is there.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define AUDIO_STREAM_MAGIC           "MCA1"
#define AUDIO_STREAM_HEADER_SIZE     16
#define AUDIO_STREAM_PACKET_HEADER_SIZE 16
/* 100 ms of 48 kHz stereo 16-bit is 19200 bytes; allow more, but bounded. */
#define AUDIO_STREAM_MAX_PAYLOAD     65536
#define AUDIO_STREAM_MIN_RATE        8000
#define AUDIO_STREAM_MAX_RATE        192000
#define AUDIO_STREAM_MAX_CHANNELS    8

enum audio_stream_format {
        AUDIO_STREAM_FORMAT_S16LE = 1,
};

enum {
        AUDIO_STREAM_FLAG_DISCONTINUITY = 1u << 0, /* samples were lost before this packet (e.g. an xrun) */
        _AUDIO_STREAM_FLAGS_KNOWN = AUDIO_STREAM_FLAG_DISCONTINUITY,
};

struct audio_stream_header {
        unsigned rate_hz;
        unsigned channels;
        enum audio_stream_format format;
};

struct audio_stream_packet {
        uint64_t time_nsec;   /* 0: unknown */
        uint32_t flags;
        const uint8_t *data;  /* points into the parsed buffer */
        size_t len;           /* bytes */
        unsigned frames;      /* sample frames: len / (2 * channels) */
};

/*
 * Parse the stream header at buf. Returns AUDIO_STREAM_HEADER_SIZE and *ret, or
 *   -EAGAIN   fewer than 16 bytes,
 *   -EBADMSG  not this format (magic, reserved bits),
 *   -ENOTSUP  a well-formed header with a rate, channel count or sample
 *             format outside what we take.
 */
ssize_t audio_stream_parse_header(const uint8_t *buf, size_t len, struct audio_stream_header *ret);

/*
 * Parse one packet at buf for a stream with header h. Returns the bytes
 * consumed (header + payload) and *ret (a view into buf), or
 *   -EAGAIN   the packet is not complete yet,
 *   -EBADMSG  a length that is not whole sample frames or over
 *             AUDIO_STREAM_MAX_PAYLOAD, an empty payload, unknown flags.
 */
ssize_t audio_stream_parse_packet(const struct audio_stream_header *h, const uint8_t *buf, size_t len,
                                  struct audio_stream_packet *ret);

/* Writers, for producers and tests: fill exactly 16 bytes. */
void audio_stream_write_header(const struct audio_stream_header *h, uint8_t out[AUDIO_STREAM_HEADER_SIZE]);
void audio_stream_write_packet_header(uint32_t payload_len, uint32_t flags, uint64_t time_nsec,
                                      uint8_t out[AUDIO_STREAM_PACKET_HEADER_SIZE]);
