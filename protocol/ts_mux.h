/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * MPEG-2 transport stream muxer with the Wi-Fi Display layout
 * (docs/media.md, "MPEG-TS layout"; the Android layout sinks are tested with):
 *
 *   PID 0x0000  PAT: program 1 -> PMT PID 0x0100
 *   PID 0x0100  PMT: PCR_PID 0x1000; video 0x1B on 0x1011 with an AVC video
 *               descriptor (0x28) and AVC timing/HRD descriptor (0x2A);
 *               audio on 0x1100: LPCM 0x83 with the LPCM descriptor (0x83),
 *               or AAC 0x0F (ADTS)
 *   PID 0x1000  PCR only: adaptation-field-only packets
 *   PID 0x1011  H.264 PES, stream_id 0xE0
 *   PID 0x1100  audio PES: LPCM stream_id 0xBD (private_stream_1, 4-byte
 *               WFD LPCM header, big-endian samples) or AAC stream_id 0xC0
 *
 * Every write starts with a PCR packet when TS_MUX_PCR_INTERVAL has passed,
 * and with PAT + PMT when TS_MUX_PSI_INTERVAL has passed or the access unit
 * is an IDR (so a sink can start decoding at any IDR). Each PES carries one
 * access unit with a PTS, data_alignment_indicator set and
 * random_access_indicator on IDRs; PES_packet_length is 0 when the PES would
 * exceed 65535 bytes. An access unit delimiter is added when the H.264 access
 * unit does not start with one (ISO/IEC 13818-1 §2.14). Continuity counters
 * are kept per PID. Every write ends with rtp_mp2t_writer_flush(), so the
 * RTP packets of one access unit leave together (see rtp.h for the padding
 * policy).
 *
 * Times are arguments: now_27mhz is the system time clock at the moment of
 * the write (e.g. CLOCK_MONOTONIC usec * 27); it becomes the PCR and, /300,
 * the RTP timestamp. PTS values (90 kHz) should run a small constant offset
 * ahead of now_27mhz / 300 (the sink's buffering: pts = capture time + offset),
 * and both must increase.
 *
 * Since a sink needs a PCR at least every 100 ms, a caller that writes
 * nothing for a while (a still desktop sending few frames) calls
 * ts_mux_write_idle() regularly, no later than ts_mux_next_deadline_27mhz().
 *
 * Pure code: no I/O, no clock, no globals; one malloc (the struct).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct rtp_mp2t_writer;
struct ts_mux;

#define TS_PACKET_SIZE      188
#define TS_SYNC_BYTE        0x47

#define TS_PID_PAT          0x0000
#define TS_PID_PMT          0x0100
#define TS_PID_PCR          0x1000
#define TS_PID_VIDEO        0x1011
#define TS_PID_AUDIO        0x1100
#define TS_PID_NULL         0x1FFF

#define TS_STREAM_TYPE_H264 0x1B
#define TS_STREAM_TYPE_AAC  0x0F /* ISO/IEC 13818-7 ADTS */
#define TS_STREAM_TYPE_LPCM 0x83 /* WFD LPCM (private) */

#define TS_STREAM_ID_VIDEO  0xE0
#define TS_STREAM_ID_AAC    0xC0
#define TS_STREAM_ID_LPCM   0xBD /* private_stream_1 */

#define TS_PROGRAM_NUMBER   1

/* Repetition intervals (27 MHz ticks). Both below the 100 ms sinks require. */
#define TS_MUX_PCR_INTERVAL (27000000ULL / 50)  /* 20 ms: in practice one PCR per video frame */
#define TS_MUX_PSI_INTERVAL (27000000ULL * 3 / 100) /* 30 ms: with every frame at 30 fps */

/* Largest access unit accepted (bytes). */
#define TS_MUX_MAX_AU_SIZE  (8U * 1024 * 1024)

#define TS_CLOCK_27MHZ      27000000ULL
#define TS_PTS_MASK         ((1ULL << 33) - 1)

enum ts_audio_codec {
        TS_AUDIO_NONE,
        TS_AUDIO_LPCM, /* 16-bit, 44.1 or 48 kHz, 2 channels */
        TS_AUDIO_AAC,  /* ADTS frames */
        _TS_AUDIO_MAX,
        _TS_AUDIO_INVALID = -1,
};

struct ts_mux_config {
        /* For the AVC video descriptor: from the SPS the encoder writes (profile_idc
         * 66/100, constraint_set flags byte, level_idc 31..42). 0/0/0: 66, 0xC0, 31. */
        uint8_t avc_profile_idc;
        uint8_t avc_constraint_flags;
        uint8_t avc_level_idc;

        enum ts_audio_codec audio;      /* TS_AUDIO_NONE (0): video only, no audio PID in the PMT */
        unsigned audio_sample_rate;     /* LPCM: 44100 or 48000 */
        unsigned audio_channels;        /* LPCM: 2 */

        uint16_t transport_stream_id;   /* PAT; 0 is fine */
};

const char *ts_audio_codec_to_string(enum ts_audio_codec c);       /* "none", "lpcm", "aac" */

/*
 * MPEG-2 CRC32 (polynomial 0x04C11DB7, initial value 0xFFFFFFFF, no
 * reflection, no final xor), as PSI sections use. A section followed by its
 * CRC gives 0.
 */
uint32_t ts_crc32(const uint8_t *data, size_t len);

/* Returns 0 and *ret, or -EINVAL for a bad audio configuration, -ENOMEM. */
int ts_mux_new(const struct ts_mux_config *cfg, struct ts_mux **ret);
/* Accepts NULL, returns NULL. */
struct ts_mux *ts_mux_free(struct ts_mux *mux);

/*
 * Mux one H.264 access unit (Annex B byte stream) as one PES on PID 0x1011,
 * preceded by PCR/PAT/PMT as due (PAT+PMT always before an IDR), into out,
 * then flush out. Returns 0, or
 *   -EINVAL  len == 0 or data == NULL,
 *   -E2BIG   len > TS_MUX_MAX_AU_SIZE or out is full (RTP_MP2T_MAX_PACKETS),
 *   -ENOMEM.
 * On error, out may hold a part of the frame: the caller should reset out
 * and drop the frame.
 */
int ts_mux_write_video(struct ts_mux *mux, const uint8_t *data, size_t len, uint64_t pts_90khz,
                       bool is_idr, uint64_t now_27mhz, struct rtp_mp2t_writer *out);

/*
 * Fan-out (docs/media.md, "Fan-out"): the sessions of one encoder share one
 * video PES. ts_mux_video_pes() muxes an access unit as ts_mux_write_video()
 * would, but only its PID 0x1011 packets, into buf (size bytes, at most
 * ts_mux_video_pes_max_packets(len) packets needed), with the continuity
 * counter *cc the group keeps. Returns the packet count, -EINVAL, or -E2BIG
 * (AU too large or buf too small; *cc unchanged). Each session then sends
 * them with ts_mux_write_video_packets(): its own PCR/PAT/PMT as due (PAT+PMT
 * before an IDR), the packets with its own continuity counters (so a session
 * that skipped some PES, or changed groups, counts on without a gap), then a
 * flush. The PTS in them and
 * the session's now_27mhz must be on the same clock.
 */
size_t ts_mux_video_pes_max_packets(size_t len);
ssize_t ts_mux_video_pes(const uint8_t *data, size_t len, uint64_t pts_90khz, bool is_idr, uint8_t *cc,
                         uint8_t *buf, size_t size);
int ts_mux_write_video_packets(struct ts_mux *mux, const uint8_t *packets, size_t n, bool is_idr,
                               uint64_t now_27mhz, struct rtp_mp2t_writer *out);

/*
 * Mux one audio PES on PID 0x1100 (the configured codec):
 *   LPCM: data is interleaved signed 16-bit samples in host byte order
 *         (len a multiple of 2 * channels); they are written big-endian
 *         after the 4-byte WFD LPCM header (sub-stream 0xA0, frame count =
 *         sample frames / 80, as Android's 6 x 80 per 10 ms).
 *   AAC:  data is one or more ADTS frames, copied as they are.
 * Returns 0, or -EINVAL (no audio configured, empty, or a partial LPCM
 * sample frame), -E2BIG, -ENOMEM.
 */
int ts_mux_write_audio(struct ts_mux *mux, const uint8_t *data, size_t len, uint64_t pts_90khz,
                       uint64_t now_27mhz, struct rtp_mp2t_writer *out);

/*
 * Emit what is due (PCR, PAT, PMT) without media, then flush out when
 * anything was written. Returns the number of TS packets written (0: nothing
 * due), or -E2BIG/-ENOMEM.
 */
int ts_mux_write_idle(struct ts_mux *mux, uint64_t now_27mhz, struct rtp_mp2t_writer *out);

/* The latest now_27mhz at which ts_mux_write_idle() (or any write) must be called to keep the intervals. */
uint64_t ts_mux_next_deadline_27mhz(const struct ts_mux *mux);

/* Make the next write start with PCR, PAT and PMT (e.g. after a pause). */
void ts_mux_force_psi(struct ts_mux *mux);

/*
 * A mid-stream format change: the AVC video descriptor the PMT carries from
 * now on (the SPS of the next IDR). When it differs, the PMT's version_number
 * goes up by one (mod 32) and the next write starts with PCR, PAT and the new
 * PMT; continuity counters carry on. Returns 1 when the PMT changed, 0 when it
 * already said this, -EINVAL for a zero profile or level.
 */
int ts_mux_set_video(struct ts_mux *mux, uint8_t avc_profile_idc, uint8_t avc_constraint_flags,
                     uint8_t avc_level_idc);
