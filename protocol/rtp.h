/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * RTP (RFC 3550) for MPEG-2 transport streams (RFC 2250), as Wi-Fi Display
 * sends them (docs/media.md, "RTP"): version 2, payload type 33, a 90 kHz
 * timestamp, one SSRC per session, sequence +1 per packet, marker unused,
 * exactly RTP_TS_PER_PACKET (7) TS packets per RTP packet: 12 + 7 * 188 =
 * 1328 bytes, which fits a 1500-byte MTU with IP and UDP headers.
 *
 * Pure code: no I/O, no clock, no randomness. The SSRC and the initial
 * sequence number are arguments (the caller draws them at random), and so is
 * every timestamp.
 *
 * struct rtp_mp2t_writer collects TS packets into RTP packets in one
 * contiguous buffer it owns and reuses (grown with realloc, bounded by
 * RTP_MP2T_MAX_PACKETS), so the TS muxer writes each TS packet straight into
 * its final place in the datagram: the sender hands writer->data to the
 * kernel without another copy.
 *
 *   rtp_mp2t_writer_init(&w, ssrc, initial_seq);
 *   per frame: ts_mux_write_video(mux, ..., &w);   (ts_mux.h; ends with a flush)
 *              send w.n_packets datagrams of RTP_MP2T_PACKET_SIZE bytes at w.data
 *              rtp_mp2t_writer_reset(&w);
 *   rtp_mp2t_writer_clear(&w);
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RTP_VERSION              2
#define RTP_HEADER_SIZE          12
#define RTP_PAYLOAD_TYPE_MP2T    33
#define RTP_CLOCK_HZ             90000
#define RTP_TS_PACKET_SIZE       188
#define RTP_TS_PER_PACKET        7
#define RTP_MP2T_PACKET_SIZE     (RTP_HEADER_SIZE + RTP_TS_PER_PACKET * RTP_TS_PACKET_SIZE) /* 1328 */
/* Bound on one batch (one access unit): 16384 * 1316 bytes of TS = 21 MB. */
#define RTP_MP2T_MAX_PACKETS     16384

struct rtp_header {
        bool padding;          /* P bit (parse only; the writer never pads) */
        bool extension;        /* X bit (parse only) */
        bool marker;           /* M bit; unused by WFD, written as given */
        uint8_t csrc_count;    /* CC (parse only) */
        uint8_t payload_type;  /* 7 bits */
        uint16_t seq;
        uint32_t timestamp;    /* 90 kHz for MP2T */
        uint32_t ssrc;
};

/* Write the fixed 12-byte header (no CSRCs, no extension, no padding) into buf. */
void rtp_header_write(const struct rtp_header *h, uint8_t buf[RTP_HEADER_SIZE]);

/*
 * Parse an RTP packet. Returns 0, fills *ret and sets *ret_payload_offset and
 * *ret_payload_len to the payload after CSRCs and header extension and
 * before padding, or
 *   -EBADMSG  shorter than the header, version != 2, or the CSRC list,
 *             extension or padding overruns the packet.
 */
int rtp_header_parse(const uint8_t *buf, size_t len, struct rtp_header *ret,
                     size_t *ret_payload_offset, size_t *ret_payload_len);

struct rtp_mp2t_writer {
        uint32_t ssrc;
        uint16_t seq;          /* sequence number of the next RTP packet */

        uint8_t *data;         /* owned: n_packets * RTP_MP2T_PACKET_SIZE bytes of complete packets */
        size_t n_packets;      /* complete RTP packets in data */
        size_t n_allocated;    /* capacity of data, in packets */
        unsigned n_ts;         /* TS packets already in the open (incomplete) packet at data[n_packets] */
        uint64_t n_null_ts;    /* statistics: null TS packets added by flushes */
};

/* Initialize w (no allocation yet). */
void rtp_mp2t_writer_init(struct rtp_mp2t_writer *w, uint32_t ssrc, uint16_t initial_seq);
/* Free the buffer; w can be initialized again. */
void rtp_mp2t_writer_clear(struct rtp_mp2t_writer *w);

/*
 * A place for the next 188-byte TS packet, inside the open RTP packet (a new
 * one is started, with its header stamped with timestamp_90khz and the next
 * sequence number, when none is open). The caller must fill all 188 bytes.
 * Returns 0 and *ret, or -ENOMEM, or -E2BIG when the batch already holds
 * RTP_MP2T_MAX_PACKETS packets. Pointers from earlier calls become invalid.
 */
int rtp_mp2t_writer_next_ts(struct rtp_mp2t_writer *w, uint32_t timestamp_90khz, uint8_t **ret);

/*
 * Complete the open RTP packet, if any, by padding it with TS null packets
 * (PID 0x1FFF), so every RTP packet carries exactly 7 TS packets. This is the
 * latency policy: the muxer flushes at the end of every access unit, so a
 * frame's last packet leaves with the frame instead of waiting for the next
 * one (cost: at most 6 * 188 bytes per frame, ~0.3 Mbit/s at 30 fps worst case).
 */
void rtp_mp2t_writer_flush(struct rtp_mp2t_writer *w);

/* Forget the complete packets (after sending them); keeps memory, SSRC and sequence. */
void rtp_mp2t_writer_reset(struct rtp_mp2t_writer *w);

/* Complete packet i (0 <= i < n_packets): RTP_MP2T_PACKET_SIZE bytes. */
static inline const uint8_t *rtp_mp2t_writer_packet(const struct rtp_mp2t_writer *w, size_t i)
{
        return w->data + i * RTP_MP2T_PACKET_SIZE;
}
