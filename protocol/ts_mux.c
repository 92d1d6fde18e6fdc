/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * MPEG-2 transport stream muxer, Wi-Fi Display layout. See ts_mux.h.
 *
 * Each write: [PAT PMT] [PCR] PES... then a flush of the RTP writer.
 * A PES is written from a list of segments (PES header, AUD, LPCM header,
 * payload) so the payload is copied exactly once, from the encoder's buffer
 * into its final place in the RTP datagram.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rtp.h"
#include "ts_mux.h"

/* Longest gap between two writes the deadline allows; leaves room under 100 ms. */
#define TS_MUX_MAX_GAP (TS_CLOCK_27MHZ * 80 / 1000)

#define PSI_MAX_SECTION 64

struct ts_mux {
        struct ts_mux_config cfg;

        uint8_t cc_pat, cc_pmt, cc_video, cc_audio;
        uint8_t pmt_version;        /* 0..31, +1 whenever the PMT's content changes */

        bool pcr_sent, psi_sent;
        uint64_t last_pcr_27mhz;
        uint64_t last_psi_27mhz;

        uint8_t pat[PSI_MAX_SECTION];
        size_t pat_len;
        uint8_t pmt[PSI_MAX_SECTION];
        size_t pmt_len;
};

/* A piece of the PES byte stream; swap16: copy 16-bit words byte-swapped. */
struct pes_segment {
        const uint8_t *data;
        size_t len;
        bool swap16;
};

const char *ts_audio_codec_to_string(enum ts_audio_codec c)
{
        switch (c) {
        case TS_AUDIO_NONE:
                return "none";
        case TS_AUDIO_LPCM:
                return "lpcm";
        case TS_AUDIO_AAC:
                return "aac";
        default:
                return NULL;
        }
}

/* CRC-32/MPEG-2 four bits at a time: the table is the polynomial 0x04C11DB7
 * applied to each nibble. Sixteen entries keep it small, and it is a quarter
 * of the work of the bitwise loop (the conformance checker runs it on every
 * PSI packet it reads, which made it the fuzzer's hottest function). */
static const uint32_t crc32_nibble[16] = {
        0x00000000, 0x04c11db7, 0x09823b6e, 0x0d4326d9, 0x130476dc, 0x17c56b6b, 0x1a864db2, 0x1e475005,
        0x2608edb8, 0x22c9f00f, 0x2f8ad6d6, 0x2b4bcb61, 0x350c9b64, 0x31cd86d3, 0x3c8ea00a, 0x384fbdbd,
};

uint32_t ts_crc32(const uint8_t *data, size_t len)
{
        uint32_t crc = 0xFFFFFFFF;

        for (size_t i = 0; i < len; i++) {
                crc ^= (uint32_t) data[i] << 24;
                crc = crc << 4 ^ crc32_nibble[crc >> 28];
                crc = crc << 4 ^ crc32_nibble[crc >> 28];
        }
        return crc;
}

static size_t psi_finish(uint8_t *s, size_t len)
{
        /* len = bytes so far; section_length counts from after its field through the CRC. */
        size_t section_length = len - 3 + 4;
        uint32_t crc;

        s[1] = 0xB0 | ((section_length >> 8) & 0x0F);
        s[2] = section_length & 0xFF;
        crc = ts_crc32(s, len);
        s[len++] = crc >> 24;
        s[len++] = (crc >> 16) & 0xFF;
        s[len++] = (crc >> 8) & 0xFF;
        s[len++] = crc & 0xFF;
        return len;
}

static void build_pat(struct ts_mux *mux)
{
        uint8_t *s = mux->pat;
        size_t n = 0;

        s[n++] = 0x00; /* table_id: program_association_section */
        n += 2;        /* section_length, below */
        s[n++] = mux->cfg.transport_stream_id >> 8;
        s[n++] = mux->cfg.transport_stream_id & 0xFF;
        s[n++] = 0xC1; /* reserved, version 0, current_next_indicator */
        s[n++] = 0x00; /* section_number */
        s[n++] = 0x00; /* last_section_number */
        s[n++] = TS_PROGRAM_NUMBER >> 8;
        s[n++] = TS_PROGRAM_NUMBER & 0xFF;
        s[n++] = 0xE0 | (TS_PID_PMT >> 8);
        s[n++] = TS_PID_PMT & 0xFF;
        mux->pat_len = psi_finish(s, n);
}

static void build_pmt(struct ts_mux *mux)
{
        uint8_t *s = mux->pmt;
        size_t n = 0;

        s[n++] = 0x02; /* table_id: TS_program_map_section */
        n += 2;
        s[n++] = TS_PROGRAM_NUMBER >> 8;
        s[n++] = TS_PROGRAM_NUMBER & 0xFF;
        s[n++] = 0xC1 | (uint8_t) (mux->pmt_version << 1); /* reserved, version, current_next_indicator */
        s[n++] = 0x00;
        s[n++] = 0x00;
        s[n++] = 0xE0 | (TS_PID_PCR >> 8);
        s[n++] = TS_PID_PCR & 0xFF;
        s[n++] = 0xF0; /* program_info_length 0 */
        s[n++] = 0x00;

        /* H.264 with the AVC video descriptor (ISO/IEC 13818-1 §2.6.64) and the
         * AVC timing and HRD descriptor (§2.6.66), as Android writes them. */
        s[n++] = TS_STREAM_TYPE_H264;
        s[n++] = 0xE0 | (TS_PID_VIDEO >> 8);
        s[n++] = TS_PID_VIDEO & 0xFF;
        s[n++] = 0xF0;
        s[n++] = 6 + 4;
        s[n++] = 0x28;
        s[n++] = 4;
        s[n++] = mux->cfg.avc_profile_idc;
        s[n++] = mux->cfg.avc_constraint_flags;
        s[n++] = mux->cfg.avc_level_idc;
        s[n++] = 0x3F; /* no still pictures, no 24-hour pictures, no frame packing SEI, reserved */
        s[n++] = 0x2A;
        s[n++] = 2;
        s[n++] = 0x7E; /* hrd_management_valid 0, reserved, picture_and_timing_info_present 0 */
        s[n++] = 0x1F; /* fixed_frame_rate 0, temporal_poc 0, picture_to_display_conversion 0, reserved */

        if (mux->cfg.audio == TS_AUDIO_LPCM) {
                /* WFD LPCM descriptor (docs/media.md, "MPEG-TS layout"). */
                uint8_t freq = mux->cfg.audio_sample_rate == 44100 ? 1 : 2;

                s[n++] = TS_STREAM_TYPE_LPCM;
                s[n++] = 0xE0 | (TS_PID_AUDIO >> 8);
                s[n++] = TS_PID_AUDIO & 0xFF;
                s[n++] = 0xF0;
                s[n++] = 4;
                s[n++] = 0x83;
                s[n++] = 2;
                s[n++] = (uint8_t) (freq << 5 | 0x3 << 1 | 0 /* emphasis off */);
                s[n++] = 1 << 5 | 0x0F; /* channels: stereo */
        } else if (mux->cfg.audio == TS_AUDIO_AAC) {
                s[n++] = TS_STREAM_TYPE_AAC;
                s[n++] = 0xE0 | (TS_PID_AUDIO >> 8);
                s[n++] = TS_PID_AUDIO & 0xFF;
                s[n++] = 0xF0;
                s[n++] = 0;
        }
        mux->pmt_len = psi_finish(s, n);
}

int ts_mux_new(const struct ts_mux_config *cfg, struct ts_mux **ret)
{
        struct ts_mux *mux;

        if (!cfg || !ret)
                return -EINVAL;
        switch (cfg->audio) {
        case TS_AUDIO_NONE:
        case TS_AUDIO_AAC:
                break;
        case TS_AUDIO_LPCM:
                if (cfg->audio_sample_rate != 44100 && cfg->audio_sample_rate != 48000)
                        return -EINVAL;
                if (cfg->audio_channels != 2)
                        return -EINVAL;
                break;
        default:
                return -EINVAL;
        }

        mux = calloc(1, sizeof(*mux));
        if (!mux)
                return -ENOMEM;
        mux->cfg = *cfg;
        if (mux->cfg.avc_profile_idc == 0) {
                mux->cfg.avc_profile_idc = 66;
                mux->cfg.avc_constraint_flags = 0xC0;
        }
        if (mux->cfg.avc_level_idc == 0)
                mux->cfg.avc_level_idc = 31;
        build_pat(mux);
        build_pmt(mux);
        *ret = mux;
        return 0;
}

struct ts_mux *ts_mux_free(struct ts_mux *mux)
{
        free(mux);
        return NULL;
}

static uint32_t rtp_time(uint64_t now_27mhz)
{
        return (uint32_t) (now_27mhz / 300);
}

static int write_psi(struct ts_mux *mux, uint16_t pid, uint8_t *cc, const uint8_t *section, size_t len,
                     uint64_t now_27mhz, struct rtp_mp2t_writer *out)
{
        uint8_t *p;
        int r;

        r = rtp_mp2t_writer_next_ts(out, rtp_time(now_27mhz), &p);
        if (r < 0)
                return r;
        p[0] = TS_SYNC_BYTE;
        p[1] = 0x40 | (pid >> 8); /* payload_unit_start_indicator */
        p[2] = pid & 0xFF;
        p[3] = 0x10 | (*cc & 0x0F); /* payload only */
        *cc = (*cc + 1) & 0x0F;
        p[4] = 0x00; /* pointer_field */
        memcpy(p + 5, section, len);
        memset(p + 5 + len, 0xFF, TS_PACKET_SIZE - 5 - len);
        return 0;
}

static int write_pcr(uint64_t now_27mhz, struct rtp_mp2t_writer *out)
{
        uint64_t base = (now_27mhz / 300) & TS_PTS_MASK;
        unsigned ext = now_27mhz % 300;
        uint8_t *p;
        int r;

        r = rtp_mp2t_writer_next_ts(out, rtp_time(now_27mhz), &p);
        if (r < 0)
                return r;
        p[0] = TS_SYNC_BYTE;
        p[1] = TS_PID_PCR >> 8;
        p[2] = TS_PID_PCR & 0xFF;
        p[3] = 0x20; /* adaptation field only; CC does not advance without payload */
        p[4] = 183;  /* adaptation_field_length */
        p[5] = 0x10; /* PCR_flag */
        p[6] = base >> 25;
        p[7] = (base >> 17) & 0xFF;
        p[8] = (base >> 9) & 0xFF;
        p[9] = (base >> 1) & 0xFF;
        p[10] = (uint8_t) ((base & 1) << 7 | 0x7E | (ext >> 8));
        p[11] = ext & 0xFF;
        memset(p + 12, 0xFF, TS_PACKET_SIZE - 12);
        return 0;
}

/* PCR, PAT and PMT as due; returns the number of TS packets written. */
static int write_due(struct ts_mux *mux, uint64_t now_27mhz, bool force_psi, struct rtp_mp2t_writer *out)
{
        int r, n = 0;

        if (force_psi || !mux->psi_sent || now_27mhz - mux->last_psi_27mhz >= TS_MUX_PSI_INTERVAL ||
            now_27mhz < mux->last_psi_27mhz) {
                r = write_psi(mux, TS_PID_PAT, &mux->cc_pat, mux->pat, mux->pat_len, now_27mhz, out);
                if (r < 0)
                        return r;
                r = write_psi(mux, TS_PID_PMT, &mux->cc_pmt, mux->pmt, mux->pmt_len, now_27mhz, out);
                if (r < 0)
                        return r;
                mux->psi_sent = true;
                mux->last_psi_27mhz = now_27mhz;
                n += 2;
        }
        if (!mux->pcr_sent || now_27mhz - mux->last_pcr_27mhz >= TS_MUX_PCR_INTERVAL ||
            now_27mhz < mux->last_pcr_27mhz) {
                r = write_pcr(now_27mhz, out);
                if (r < 0)
                        return r;
                mux->pcr_sent = true;
                mux->last_pcr_27mhz = now_27mhz;
                n++;
        }
        return n;
}

static void write_pts(uint8_t *p, uint64_t pts)
{
        pts &= TS_PTS_MASK;
        p[0] = (uint8_t) (0x21 | ((pts >> 29) & 0x0E)); /* '0010' PTS[32..30] marker */
        p[1] = (pts >> 22) & 0xFF;
        p[2] = (uint8_t) (((pts >> 14) & 0xFE) | 1);
        p[3] = (pts >> 7) & 0xFF;
        p[4] = (uint8_t) (((pts << 1) & 0xFE) | 1);
}

/* Copy n bytes of the segmented stream starting at logical offset off. */
static void segments_copy(uint8_t *dst, const struct pes_segment *seg, size_t n_seg, size_t off, size_t n)
{
        size_t i = 0;

        while (i < n_seg && off >= seg[i].len) {
                off -= seg[i].len;
                i++;
        }
        while (n > 0 && i < n_seg) {
                size_t take = seg[i].len - off;

                if (take > n)
                        take = n;
                if (seg[i].swap16) {
                        /* Byte k of the big-endian stream is byte k^1 of the host's (little-endian)
                         * samples; segments have even length, so this works at any split. */
                        for (size_t k = 0; k < take; k++)
                                dst[k] = seg[i].data[(off + k) ^ 1];
                } else
                        memcpy(dst, seg[i].data + off, take);
                dst += take;
                n -= take;
                off = 0;
                i++;
        }
}

/* Where write_pes() puts its packets: the RTP writer, or a flat buffer (a fan-out group's shared PES). */
struct pes_out {
        struct rtp_mp2t_writer *writer;
        uint32_t rtp_ts;
        uint8_t *buf;
        size_t size, n;
};

static int pes_next_packet(struct pes_out *o, uint8_t **ret)
{
        if (o->writer)
                return rtp_mp2t_writer_next_ts(o->writer, o->rtp_ts, ret);
        if ((o->n + 1) * TS_PACKET_SIZE > o->size)
                return -E2BIG;
        *ret = o->buf + o->n++ * TS_PACKET_SIZE;
        return 0;
}

static int write_pes(uint16_t pid, uint8_t *cc, bool random_access, const struct pes_segment *seg, size_t n_seg,
                     struct pes_out *out)
{
        size_t total = 0, off = 0;
        bool first = true;
        int r;

        for (size_t i = 0; i < n_seg; i++)
                total += seg[i].len;

        while (off < total) {
                size_t remaining = total - off, room, af_len = 0, chunk;
                bool want_af = first && random_access;
                uint8_t *p;

                r = pes_next_packet(out, &p);
                if (r < 0)
                        return r;

                room = TS_PACKET_SIZE - 4 - (want_af ? 2 : 0);
                if (remaining < room) {
                        /* Fill the packet with adaptation field stuffing. */
                        af_len = TS_PACKET_SIZE - 4 - remaining; /* including its length byte */
                        want_af = true;
                } else if (want_af)
                        af_len = 2;
                chunk = TS_PACKET_SIZE - 4 - af_len;

                p[0] = TS_SYNC_BYTE;
                p[1] = (uint8_t) ((first ? 0x40 : 0) | (pid >> 8));
                p[2] = pid & 0xFF;
                p[3] = (uint8_t) ((want_af ? 0x30 : 0x10) | (*cc & 0x0F));
                *cc = (*cc + 1) & 0x0F;
                if (want_af) {
                        p[4] = (uint8_t) (af_len - 1);
                        if (af_len >= 2) {
                                p[5] = (first && random_access) ? 0x40 : 0x00;
                                memset(p + 6, 0xFF, af_len - 2);
                        }
                }
                segments_copy(p + 4 + af_len, seg, n_seg, off, chunk);
                off += chunk;
                first = false;
        }
        return 0;
}

static size_t pes_header(uint8_t *h, uint8_t stream_id, size_t payload_len, uint64_t pts_90khz)
{
        size_t pes_len = 3 + 5 + payload_len; /* flags, header length, PTS, payload */

        h[0] = 0x00;
        h[1] = 0x00;
        h[2] = 0x01;
        h[3] = stream_id;
        if (pes_len > 0xFFFF)
                pes_len = 0; /* unbounded: allowed for video elementary streams only */
        h[4] = pes_len >> 8;
        h[5] = pes_len & 0xFF;
        h[6] = 0x84; /* '10', not scrambled, no priority, data_alignment_indicator, no copyright, copy */
        h[7] = 0x80; /* PTS only */
        h[8] = 5;    /* PES_header_data_length */
        write_pts(h + 9, pts_90khz);
        return 14;
}

/* Does the Annex B access unit start with an access unit delimiter (NAL type 9)? */
static bool starts_with_aud(const uint8_t *d, size_t len)
{
        if (len >= 4 && d[0] == 0 && d[1] == 0 && d[2] == 1)
                return (d[3] & 0x1F) == 9;
        if (len >= 5 && d[0] == 0 && d[1] == 0 && d[2] == 0 && d[3] == 1)
                return (d[4] & 0x1F) == 9;
        return false;
}

/* The PES of one access unit, AUD added where missing (as ts_mux_write_video() does). */
static size_t video_segments(const uint8_t *data, size_t len, uint64_t pts_90khz, uint8_t hdr[14],
                             struct pes_segment seg[3])
{
        /* primary_pic_type 7: any slice type; followed by rbsp stop bit. */
        static const uint8_t aud[] = { 0x00, 0x00, 0x00, 0x01, 0x09, 0xF0 };
        bool add_aud = !starts_with_aud(data, len);
        size_t n_seg = 0, payload = len + (add_aud ? sizeof(aud) : 0);

        seg[n_seg++] = (struct pes_segment) { hdr, pes_header(hdr, TS_STREAM_ID_VIDEO, payload, pts_90khz), false };
        if (add_aud)
                seg[n_seg++] = (struct pes_segment) { aud, sizeof(aud), false };
        seg[n_seg++] = (struct pes_segment) { data, len, false };
        return n_seg;
}

int ts_mux_write_video(struct ts_mux *mux, const uint8_t *data, size_t len, uint64_t pts_90khz,
                       bool is_idr, uint64_t now_27mhz, struct rtp_mp2t_writer *out)
{
        struct pes_segment seg[3];
        uint8_t hdr[14];
        size_t n_seg;
        int r;

        if (!mux || !data || len == 0 || !out)
                return -EINVAL;
        if (len > TS_MUX_MAX_AU_SIZE)
                return -E2BIG;

        r = write_due(mux, now_27mhz, is_idr, out);
        if (r < 0)
                return r;
        n_seg = video_segments(data, len, pts_90khz, hdr, seg);

        r = write_pes(TS_PID_VIDEO, &mux->cc_video, is_idr, seg, n_seg,
                      &(struct pes_out) { .writer = out, .rtp_ts = rtp_time(now_27mhz) });
        if (r < 0)
                return r;
        rtp_mp2t_writer_flush(out);
        return 0;
}

size_t ts_mux_video_pes_max_packets(size_t len)
{
        /* header + AUD + data, at least 2 bytes of adaptation field in the first packet */
        return (14 + 6 + len + 2 + TS_PACKET_SIZE - 4 - 1) / (TS_PACKET_SIZE - 4) + 1;
}

ssize_t ts_mux_video_pes(const uint8_t *data, size_t len, uint64_t pts_90khz, bool is_idr, uint8_t *cc,
                         uint8_t *buf, size_t size)
{
        struct pes_out o = { .buf = buf, .size = size };
        struct pes_segment seg[3];
        uint8_t hdr[14];
        uint8_t saved;
        size_t n_seg;
        int r;

        if (!data || len == 0 || !cc || !buf)
                return -EINVAL;
        if (len > TS_MUX_MAX_AU_SIZE)
                return -E2BIG;
        n_seg = video_segments(data, len, pts_90khz, hdr, seg);
        saved = *cc;
        r = write_pes(TS_PID_VIDEO, cc, is_idr, seg, n_seg, &o);
        if (r < 0) {
                *cc = saved;
                return r;
        }
        return (ssize_t) o.n;
}

int ts_mux_write_video_packets(struct ts_mux *mux, const uint8_t *packets, size_t n, bool is_idr,
                               uint64_t now_27mhz, struct rtp_mp2t_writer *out)
{
        uint8_t *p;
        int r;

        if (!mux || !packets || n == 0 || !out)
                return -EINVAL;
        r = write_due(mux, now_27mhz, is_idr, out);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                r = rtp_mp2t_writer_next_ts(out, rtp_time(now_27mhz), &p);
                if (r < 0)
                        return r;
                memcpy(p, packets + i * TS_PACKET_SIZE, TS_PACKET_SIZE);
                /* our own continuity on the video PID: a session that skipped a PES (paused, joined
                 * late, changed groups) still counts on without a gap */
                if (((p[1] & 0x1F) << 8 | p[2]) == TS_PID_VIDEO && (p[3] & 0x10)) {
                        p[3] = (uint8_t) ((p[3] & 0xF0) | (mux->cc_video & 0x0F));
                        mux->cc_video = (mux->cc_video + 1) & 0x0F;
                }
        }
        rtp_mp2t_writer_flush(out);
        return 0;
}

int ts_mux_write_audio(struct ts_mux *mux, const uint8_t *data, size_t len, uint64_t pts_90khz,
                       uint64_t now_27mhz, struct rtp_mp2t_writer *out)
{
        struct pes_segment seg[3];
        uint8_t hdr[14], lpcm[4];
        size_t n_seg = 0, payload;
        uint8_t stream_id;
        int r;

        if (!mux || !data || len == 0 || !out)
                return -EINVAL;
        /* An audio PES must fit PES_packet_length (0 is only for video). */
        if (len > 0xFFFF - 3 - 5 - sizeof(lpcm))
                return -E2BIG;

        switch (mux->cfg.audio) {
        case TS_AUDIO_LPCM: {
                size_t frames;

                if (len % (2 * mux->cfg.audio_channels) != 0)
                        return -EINVAL;
                frames = len / (2 * mux->cfg.audio_channels);
                stream_id = TS_STREAM_ID_LPCM;
                /* WFD LPCM header (docs/media.md, "LPCM audio"). */
                lpcm[0] = 0xA0;
                lpcm[1] = (uint8_t) (frames / 80 > 0 ? (frames / 80 > 255 ? 255 : frames / 80) : 1);
                lpcm[2] = 0x00;
                lpcm[3] = (uint8_t) (0 << 6 | (mux->cfg.audio_sample_rate == 44100 ? 1 : 2) << 3 | 1);
                payload = sizeof(lpcm) + len;
                seg[1] = (struct pes_segment) { lpcm, sizeof(lpcm), false };
                seg[2] = (struct pes_segment) { data, len, __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ };
                n_seg = 3;
                break;
        }
        case TS_AUDIO_AAC:
                stream_id = TS_STREAM_ID_AAC;
                payload = len;
                seg[1] = (struct pes_segment) { data, len, false };
                n_seg = 2;
                break;
        default:
                return -EINVAL;
        }
        seg[0] = (struct pes_segment) { hdr, pes_header(hdr, stream_id, payload, pts_90khz), false };

        r = write_due(mux, now_27mhz, false, out);
        if (r < 0)
                return r;
        r = write_pes(TS_PID_AUDIO, &mux->cc_audio, true, seg, n_seg,
                      &(struct pes_out) { .writer = out, .rtp_ts = rtp_time(now_27mhz) });
        if (r < 0)
                return r;
        rtp_mp2t_writer_flush(out);
        return 0;
}

int ts_mux_write_idle(struct ts_mux *mux, uint64_t now_27mhz, struct rtp_mp2t_writer *out)
{
        int r;

        if (!mux || !out)
                return -EINVAL;
        r = write_due(mux, now_27mhz, false, out);
        if (r > 0)
                rtp_mp2t_writer_flush(out);
        return r;
}

uint64_t ts_mux_next_deadline_27mhz(const struct ts_mux *mux)
{
        uint64_t oldest;

        if (!mux->pcr_sent || !mux->psi_sent)
                return 0;
        oldest = mux->last_pcr_27mhz < mux->last_psi_27mhz ? mux->last_pcr_27mhz : mux->last_psi_27mhz;
        return oldest + TS_MUX_MAX_GAP;
}

void ts_mux_force_psi(struct ts_mux *mux)
{
        mux->psi_sent = false;
        mux->pcr_sent = false;
}

int ts_mux_set_video(struct ts_mux *mux, uint8_t avc_profile_idc, uint8_t avc_constraint_flags,
                     uint8_t avc_level_idc)
{
        if (!mux || avc_profile_idc == 0 || avc_level_idc == 0)
                return -EINVAL;
        if (mux->cfg.avc_profile_idc == avc_profile_idc && mux->cfg.avc_constraint_flags == avc_constraint_flags &&
            mux->cfg.avc_level_idc == avc_level_idc)
                return 0;
        mux->cfg.avc_profile_idc = avc_profile_idc;
        mux->cfg.avc_constraint_flags = avc_constraint_flags;
        mux->cfg.avc_level_idc = avc_level_idc;
        mux->pmt_version = (mux->pmt_version + 1) & 0x1F;
        build_pmt(mux);
        ts_mux_force_psi(mux);
        return 1;
}
