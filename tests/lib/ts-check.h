/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A conformance checker for the RTP/MPEG-TS stream a Wi-Fi Display source
 * sends (docs/media.md, "MPEG-TS layout"), for tests and fuzz targets. libc only (it is
 * also compiled into the libFuzzer binaries, which link protocol/ alone).
 *
 * Feed it every received datagram with ts_check_rtp() (or raw 188-byte TS
 * packets with ts_check_ts()), then call ts_check_finish(). Each violation
 * is counted in n_errors and the first one is described in error[]:
 *   RTP: version 2, payload type 33, payload exactly 7 x 188 bytes
 *        (strict_seven) or a multiple of 188, sequence +1 per packet,
 *        constant SSRC, timestamps not going backwards;
 *   TS:  sync byte 0x47, no transport_error, only the WFD PIDs (0x0000,
 *        0x0100, 0x1000, 0x1011, 0x1100, 0x1FFF), continuity counters per
 *        PID (+1 on payload, unchanged without), valid adaptation fields;
 *   PSI: PAT/PMT table ids, CRC32, program 1 -> PMT 0x0100, PCR_PID 0x1000,
 *        H.264 0x1B on 0x1011 with an AVC video descriptor, audio 0x83/0x0F
 *        on 0x1100, PAT/PMT repeated within 100 ms (RTP timestamps);
 *   PCR: only on 0x1000 in adaptation-only packets, increasing, at most
 *        100 ms apart;
 *   PES: start code, stream id (0xE0 video, 0xBD/0xC0 audio), PTS on every
 *        PES, data_alignment_indicator, PES_packet_length matching the data
 *        (0 allowed for video only), LPCM payload starting with 0xA0,
 *        PTS increasing per PID.
 * With on_pes set, each complete PES payload (after the PES header) is
 * passed to it: round-trip tests compare it with what went in.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ts_check_pes_buf {
        uint8_t *data;   /* owned, grown as needed */
        size_t len, allocated;
        bool active;     /* a PES started and not yet delivered */
        uint64_t pts;
        bool random_access;
        unsigned declared_len; /* PES_packet_length, 0 = unbounded */
};

struct ts_check {
        /* settings (set after ts_check_init) */
        bool strict_seven;       /* every RTP packet carries exactly 7 TS packets (default true) */
        bool no_pts_order;       /* accept PTS that do not increase (fuzzing arbitrary timestamps) */
        bool no_timing;          /* record PCR and PAT/PMT gaps but do not count gaps > 100 ms as errors:
                                  * for streams from a real-time sender on a loaded test machine
                                  * (tests assert behaviour, not timing) */
        void (*on_pes)(void *userdata, uint16_t pid, uint64_t pts_90khz, bool random_access,
                       const uint8_t *payload, size_t len);
        void *userdata;

        /* results */
        unsigned n_errors;
        char error[256];         /* the first error */
        uint64_t n_rtp, n_ts, n_null, n_pat, n_pmt, n_pcr;
        uint64_t n_video_pes, n_audio_pes, n_random_access;
        uint64_t max_pcr_gap_27mhz, max_psi_gap_90khz;
        /* PTS minus the latest PCR (90 kHz) when each PES started: how early it arrived.
         * A statistic, not an error (timing on a loaded test machine varies);
         * INT64_MAX until a PES follows a PCR. n_late_pes: PES whose PTS had passed. */
        int64_t min_pts_lead_90khz;
        uint64_t n_late_pes;
        uint8_t pmt_audio_stream_type; /* 0 if the PMT lists no audio */
        uint8_t avc_profile_idc, avc_level_idc;
        uint8_t pmt_version;     /* version_number of the latest PMT */
        uint64_t n_pmt_versions; /* PMT versions seen (1 for a stream whose PMT never changes) */
        uint32_t pmt_crc;        /* state: CRC32 of the latest PMT; a new one needs a new version */

        /* state */
        bool have_rtp;
        uint16_t rtp_seq;
        uint32_t rtp_ssrc, rtp_ts;
        int8_t cc[8192];         /* last CC per PID, -1 none yet */
        bool have_pcr;
        uint64_t last_pcr;
        bool have_psi_ts;
        uint32_t last_psi_rtp_ts;
        bool have_pts[2];
        uint64_t last_pts[2];
        struct ts_check_pes_buf pes[2]; /* 0 video, 1 audio */
};

void ts_check_init(struct ts_check *c);
/* Frees the PES buffers. */
void ts_check_clear(struct ts_check *c);

/* Check one RTP datagram and the TS packets in it. Returns 0 or -EBADMSG (see c->error). */
int ts_check_rtp(struct ts_check *c, const uint8_t *buf, size_t len);
/* Check one 188-byte TS packet. Returns 0 or -EBADMSG. */
int ts_check_ts(struct ts_check *c, const uint8_t *pkt);
/* End of stream: delivers the last PES, checks a PAT, PMT and PCR were seen. Returns 0 or -EBADMSG. */
int ts_check_finish(struct ts_check *c);
