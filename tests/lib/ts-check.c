/* SPDX-License-Identifier: GPL-2.0-or-later */
/* RTP/MPEG-TS conformance checker for WFD streams. See ts-check.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../protocol/rtp.h"
#include "../../protocol/ts_mux.h"
#include "ts-check.h"

#define MAX_GAP_27MHZ (TS_CLOCK_27MHZ / 10) /* 100 ms */
#define MAX_GAP_90KHZ 9000
#define MAX_PES_SIZE (TS_MUX_MAX_AU_SIZE + 1024)

__attribute__((format(printf, 2, 3))) static int check_fail(struct ts_check *c, const char *fmt, ...)
{
        va_list ap;

        if (c->n_errors++ == 0) {
                va_start(ap, fmt);
                vsnprintf(c->error, sizeof(c->error), fmt, ap);
                va_end(ap);
        }
        return -EBADMSG;
}

void ts_check_init(struct ts_check *c)
{
        *c = (struct ts_check) { .strict_seven = true, .min_pts_lead_90khz = INT64_MAX };
        memset(c->cc, -1, sizeof(c->cc));
}

void ts_check_clear(struct ts_check *c)
{
        for (size_t i = 0; i < 2; i++) {
                free(c->pes[i].data);
                c->pes[i] = (struct ts_check_pes_buf) {};
        }
}

static uint64_t read_pts(const uint8_t *p)
{
        return ((uint64_t) (p[0] >> 1) & 0x07) << 30 | (uint64_t) p[1] << 22 | (uint64_t) (p[2] >> 1) << 15 |
               (uint64_t) p[3] << 7 | p[4] >> 1;
}

static int check_psi(struct ts_check *c, uint16_t pid, const uint8_t *p, size_t len)
{
        size_t ptr, section_length, n;
        const uint8_t *s;

        if (len < 1)
                return check_fail(c, "PSI on PID 0x%04x without pointer_field", pid);
        ptr = p[0];
        if (1 + ptr + 3 > len)
                return check_fail(c, "PSI on PID 0x%04x: pointer_field %zu overruns", pid, ptr);
        s = p + 1 + ptr;
        n = len - 1 - ptr;
        section_length = (size_t) (s[1] & 0x0F) << 8 | s[2];
        if ((s[1] & 0x80) == 0)
                return check_fail(c, "PSI on PID 0x%04x: section_syntax_indicator 0", pid);
        /* Our sections always fit one packet; sinks handle that best too. */
        if (3 + section_length > n || section_length < 9)
                return check_fail(c, "PSI on PID 0x%04x: section_length %zu does not fit one packet", pid,
                                  section_length);
        if (ts_crc32(s, 3 + section_length) != 0)
                return check_fail(c, "PSI on PID 0x%04x: CRC32 mismatch", pid);

        if (pid == TS_PID_PAT) {
                size_t nprog = (section_length - 9) / 4;
                bool found = false;

                if (s[0] != 0x00)
                        return check_fail(c, "PAT table_id 0x%02x", s[0]);
                for (size_t i = 0; i < nprog; i++) {
                        const uint8_t *e = s + 8 + 4 * i;
                        unsigned prog = e[0] << 8 | e[1], ppid = (e[2] & 0x1F) << 8 | e[3];

                        if (prog == TS_PROGRAM_NUMBER && ppid == TS_PID_PMT)
                                found = true;
                }
                if (!found)
                        return check_fail(c, "PAT does not map program 1 to PID 0x0100");
                c->n_pat++;
        } else {
                size_t pinfo, off, end = 3 + section_length - 4;
                unsigned pcr_pid;
                bool video = false;

                if (s[0] != 0x02)
                        return check_fail(c, "PMT table_id 0x%02x", s[0]);
                pcr_pid = (s[8] & 0x1F) << 8 | s[9];
                if (pcr_pid != TS_PID_PCR)
                        return check_fail(c, "PMT PCR_PID 0x%04x, expected 0x1000", pcr_pid);
                pinfo = (size_t) (s[10] & 0x0F) << 8 | s[11];
                off = 12 + pinfo;
                c->pmt_audio_stream_type = 0;
                while (off + 5 <= end) {
                        unsigned type = s[off], epid = (s[off + 1] & 0x1F) << 8 | s[off + 2];
                        size_t esl = (size_t) (s[off + 3] & 0x0F) << 8 | s[off + 4];
                        size_t d = off + 5;

                        if (d + esl > end)
                                return check_fail(c, "PMT ES_info_length overruns");
                        if (epid == TS_PID_VIDEO) {
                                bool avc_desc = false;

                                if (type != TS_STREAM_TYPE_H264)
                                        return check_fail(c, "PMT video stream_type 0x%02x", type);
                                while (d + 2 <= off + 5 + esl) {
                                        if (s[d] == 0x28 && s[d + 1] >= 4 && d + 2 + 4 <= off + 5 + esl) {
                                                avc_desc = true;
                                                c->avc_profile_idc = s[d + 2];
                                                c->avc_level_idc = s[d + 4];
                                        }
                                        d += 2 + s[d + 1];
                                }
                                if (!avc_desc)
                                        return check_fail(c, "PMT video without AVC video descriptor");
                                video = true;
                        } else if (epid == TS_PID_AUDIO) {
                                if (type != TS_STREAM_TYPE_LPCM && type != TS_STREAM_TYPE_AAC)
                                        return check_fail(c, "PMT audio stream_type 0x%02x", type);
                                c->pmt_audio_stream_type = (uint8_t) type;
                        } else
                                return check_fail(c, "PMT lists unexpected PID 0x%04x", epid);
                        off += 5 + esl;
                }
                if (off != end)
                        return check_fail(c, "PMT ES loop does not end at the CRC");
                if (!video)
                        return check_fail(c, "PMT without the H.264 stream on 0x1011");
                {
                        /* A PMT whose content changed must carry a new version_number, or demuxers ignore it. */
                        uint32_t crc = (uint32_t) s[end] << 24 | (uint32_t) s[end + 1] << 16 |
                                       (uint32_t) s[end + 2] << 8 | s[end + 3];
                        uint8_t version = (s[5] >> 1) & 0x1F;

                        if (c->n_pmt > 0 && crc != c->pmt_crc && version == c->pmt_version)
                                return check_fail(c, "PMT changed without a new version_number (%u)", version);
                        if (c->n_pmt == 0 || version != c->pmt_version)
                                c->n_pmt_versions++;
                        c->pmt_crc = crc;
                        c->pmt_version = version;
                }
                c->n_pmt++;
        }
        if (c->have_rtp) {
                if (c->have_psi_ts && pid == TS_PID_PAT) {
                        uint32_t gap = c->rtp_ts - c->last_psi_rtp_ts;

                        if (gap > c->max_psi_gap_90khz)
                                c->max_psi_gap_90khz = gap;
                        if (gap > MAX_GAP_90KHZ && !c->no_timing)
                                return check_fail(c, "PAT/PMT gap %u ms > 100 ms", gap / 90);
                }
                if (pid == TS_PID_PAT) {
                        c->have_psi_ts = true;
                        c->last_psi_rtp_ts = c->rtp_ts;
                }
        }
        return 0;
}

static int pes_deliver(struct ts_check *c, int which, uint16_t pid)
{
        struct ts_check_pes_buf *b = &c->pes[which];
        const uint8_t *p = b->data;
        size_t hlen;
        uint64_t pts;

        if (!b->active)
                return 0;
        b->active = false;
        if (b->len < 9 || p[0] != 0 || p[1] != 0 || p[2] != 1)
                return check_fail(c, "PID 0x%04x: PES without start code", pid);
        if (which == 0 && p[3] != TS_STREAM_ID_VIDEO)
                return check_fail(c, "video PES stream_id 0x%02x", p[3]);
        if (which == 1 && p[3] != TS_STREAM_ID_LPCM && p[3] != TS_STREAM_ID_AAC)
                return check_fail(c, "audio PES stream_id 0x%02x", p[3]);
        if (b->declared_len == 0 && which != 0)
                return check_fail(c, "audio PES with PES_packet_length 0");
        if (b->declared_len != 0 && b->declared_len != b->len - 6)
                return check_fail(c, "PID 0x%04x: PES_packet_length %u but %zu bytes follow", pid,
                                  b->declared_len, b->len - 6);
        if ((p[6] & 0xC0) != 0x80)
                return check_fail(c, "PID 0x%04x: PES header marker bits", pid);
        if ((p[6] & 0x04) == 0)
                return check_fail(c, "PID 0x%04x: data_alignment_indicator not set", pid);
        if ((p[7] & 0x80) == 0)
                return check_fail(c, "PID 0x%04x: PES without PTS", pid);
        hlen = 9 + (size_t) p[8];
        if (p[8] < 5 || hlen > b->len)
                return check_fail(c, "PID 0x%04x: PES_header_data_length %u", pid, p[8]);
        if ((p[9] & 0xF1) != 0x21 && (p[9] & 0xF1) != 0x31)
                return check_fail(c, "PID 0x%04x: PTS prefix/marker bits", pid);
        pts = read_pts(p + 9);
        if (c->have_pts[which] && pts <= c->last_pts[which] && !c->no_pts_order)
                return check_fail(c, "PID 0x%04x: PTS %llu not after %llu", pid, (unsigned long long) pts,
                                  (unsigned long long) c->last_pts[which]);
        c->have_pts[which] = true;
        c->last_pts[which] = pts;
        if (p[3] == TS_STREAM_ID_LPCM && (hlen >= b->len || p[hlen] != 0xA0))
                return check_fail(c, "LPCM PES without the 0xA0 sub-stream header");
        if (which == 0)
                c->n_video_pes++;
        else
                c->n_audio_pes++;
        if (c->on_pes)
                c->on_pes(c->userdata, pid, pts, b->random_access, p + hlen, b->len - hlen);
        return 0;
}

static int pes_append(struct ts_check *c, int which, const uint8_t *p, size_t len)
{
        struct ts_check_pes_buf *b = &c->pes[which];

        if (b->len + len > b->allocated) {
                size_t m = b->allocated ? b->allocated : 4096;
                uint8_t *d;

                while (m < b->len + len)
                        m *= 2;
                if (m > MAX_PES_SIZE)
                        return check_fail(c, "PES over %u bytes", MAX_PES_SIZE);
                d = realloc(b->data, m);
                if (!d)
                        return check_fail(c, "out of memory");
                b->data = d;
                b->allocated = m;
        }
        memcpy(b->data + b->len, p, len);
        b->len += len;
        return 0;
}

int ts_check_ts(struct ts_check *c, const uint8_t *p)
{
        unsigned pid, afc, cc;
        size_t off = 4;
        bool pusi, has_payload, random_access = false;
        int r;

        c->n_ts++;
        if (p[0] != TS_SYNC_BYTE)
                return check_fail(c, "TS packet %llu: sync byte 0x%02x", (unsigned long long) c->n_ts, p[0]);
        if (p[1] & 0x80)
                return check_fail(c, "TS packet %llu: transport_error_indicator", (unsigned long long) c->n_ts);
        pusi = p[1] & 0x40;
        pid = (p[1] & 0x1F) << 8 | p[2];
        if ((p[3] & 0xC0) != 0)
                return check_fail(c, "PID 0x%04x: scrambled", pid);
        afc = (p[3] >> 4) & 3;
        cc = p[3] & 0x0F;
        if (afc == 0)
                return check_fail(c, "PID 0x%04x: adaptation_field_control 00", pid);
        has_payload = afc & 1;

        if (pid == TS_PID_NULL) {
                c->n_null++;
                return 0;
        }
        if (pid != TS_PID_PAT && pid != TS_PID_PMT && pid != TS_PID_PCR && pid != TS_PID_VIDEO &&
            pid != TS_PID_AUDIO)
                return check_fail(c, "unexpected PID 0x%04x", pid);

        /* Continuity: +1 mod 16 with payload, unchanged without (ISO/IEC 13818-1 §2.4.3.3). */
        if (c->cc[pid] >= 0) {
                unsigned want = has_payload ? (unsigned) ((c->cc[pid] + 1) & 0x0F) : (unsigned) c->cc[pid];

                if (cc != want)
                        return check_fail(c, "PID 0x%04x: continuity counter %u, expected %u", pid, cc, want);
        }
        c->cc[pid] = (int8_t) cc;

        if (afc & 2) {
                unsigned af_len = p[4];

                off = 5 + af_len;
                if (off > TS_PACKET_SIZE || (has_payload && af_len > 182) || (!has_payload && af_len != 183))
                        return check_fail(c, "PID 0x%04x: adaptation_field_length %u", pid, af_len);
                if (af_len > 0) {
                        random_access = p[5] & 0x40;
                        if (p[5] & 0x10) {
                                uint64_t base, pcr;

                                if (pid != TS_PID_PCR)
                                        return check_fail(c, "PCR on PID 0x%04x, expected 0x1000", pid);
                                if (af_len < 7)
                                        return check_fail(c, "PCR in a short adaptation field");
                                base = (uint64_t) p[6] << 25 | (uint64_t) p[7] << 17 | (uint64_t) p[8] << 9 |
                                       (uint64_t) p[9] << 1 | p[10] >> 7;
                                pcr = base * 300 + ((p[10] & 1) << 8 | p[11]);
                                if (c->have_pcr) {
                                        uint64_t gap;

                                        if (pcr <= c->last_pcr)
                                                return check_fail(c, "PCR not increasing");
                                        gap = pcr - c->last_pcr;
                                        if (gap > c->max_pcr_gap_27mhz)
                                                c->max_pcr_gap_27mhz = gap;
                                        if (gap > MAX_GAP_27MHZ && !c->no_timing)
                                                return check_fail(c, "PCR gap %llu ms > 100 ms",
                                                                  (unsigned long long) (gap / 27000));
                                }
                                c->have_pcr = true;
                                c->last_pcr = pcr;
                                c->n_pcr++;
                        }
                }
        }
        if (pid == TS_PID_PCR) {
                if (has_payload)
                        return check_fail(c, "PCR PID carries payload");
                return 0;
        }
        if (!has_payload)
                return 0;

        if (pid == TS_PID_PAT || pid == TS_PID_PMT) {
                if (!pusi)
                        return check_fail(c, "PSI on PID 0x%04x continues over packets", pid);
                return check_psi(c, (uint16_t) pid, p + off, TS_PACKET_SIZE - off);
        }

        {
                int which = pid == TS_PID_VIDEO ? 0 : 1;
                struct ts_check_pes_buf *b = &c->pes[which];

                if (pusi) {
                        r = pes_deliver(c, which, (uint16_t) pid);
                        if (r < 0)
                                return r;
                        b->active = true;
                        b->len = 0;
                        b->random_access = random_access;
                        if (random_access)
                                c->n_random_access++;
                        if (TS_PACKET_SIZE - off < 6)
                                return check_fail(c, "PID 0x%04x: PES header split over packets", pid);
                        b->declared_len = (unsigned) p[off + 4] << 8 | p[off + 5];
                        if (c->have_pcr && TS_PACKET_SIZE - off >= 14 && (p[off + 7] & 0x80)) {
                                /* Signed distance on the 33-bit clock. */
                                uint64_t d = (read_pts(p + off + 9) - c->last_pcr / 300) & TS_PTS_MASK;
                                int64_t lead = d >= (1ULL << 32) ? (int64_t) d - (int64_t) (1ULL << 33) : (int64_t) d;

                                if (lead < c->min_pts_lead_90khz)
                                        c->min_pts_lead_90khz = lead;
                                if (lead < 0)
                                        c->n_late_pes++;
                        }
                } else if (!b->active)
                        return 0; /* joined mid-PES (or after an error): skip to the next start */
                r = pes_append(c, which, p + off, TS_PACKET_SIZE - off);
                if (r < 0)
                        return r;
                /* A bounded PES is complete as soon as its bytes are in. */
                if (b->declared_len != 0 && b->len >= (size_t) b->declared_len + 6) {
                        if (b->len > (size_t) b->declared_len + 6)
                                return check_fail(c, "PID 0x%04x: PES longer than PES_packet_length", pid);
                        return pes_deliver(c, which, (uint16_t) pid);
                }
        }
        return 0;
}

int ts_check_rtp(struct ts_check *c, const uint8_t *buf, size_t len)
{
        struct rtp_header h;
        size_t off, plen;
        int r = 0;

        c->n_rtp++;
        if (rtp_header_parse(buf, len, &h, &off, &plen) < 0)
                return check_fail(c, "RTP packet %llu: bad header", (unsigned long long) c->n_rtp);
        if (h.payload_type != RTP_PAYLOAD_TYPE_MP2T)
                return check_fail(c, "RTP payload type %u, expected 33", h.payload_type);
        if (c->have_rtp) {
                if (h.seq != (uint16_t) (c->rtp_seq + 1))
                        return check_fail(c, "RTP sequence %u after %u", h.seq, c->rtp_seq);
                if (h.ssrc != c->rtp_ssrc)
                        return check_fail(c, "RTP SSRC changed");
                if ((int32_t) (h.timestamp - c->rtp_ts) < 0)
                        return check_fail(c, "RTP timestamp going backwards");
        }
        c->have_rtp = true;
        c->rtp_seq = h.seq;
        c->rtp_ssrc = h.ssrc;
        c->rtp_ts = h.timestamp;
        if (plen == 0 || plen % TS_PACKET_SIZE != 0)
                return check_fail(c, "RTP payload of %zu bytes is not whole TS packets", plen);
        if (c->strict_seven && plen != RTP_TS_PER_PACKET * TS_PACKET_SIZE)
                return check_fail(c, "RTP payload of %zu TS packets, expected 7", plen / TS_PACKET_SIZE);
        for (size_t i = 0; i < plen; i += TS_PACKET_SIZE) {
                int q = ts_check_ts(c, buf + off + i);

                if (q < 0 && r == 0)
                        r = q;
        }
        return r;
}

int ts_check_finish(struct ts_check *c)
{
        int r = 0;

        if (c->pes[0].active && pes_deliver(c, 0, TS_PID_VIDEO) < 0)
                r = -EBADMSG;
        if (c->pes[1].active && pes_deliver(c, 1, TS_PID_AUDIO) < 0)
                r = -EBADMSG;
        if (c->n_pat == 0)
                r = check_fail(c, "no PAT");
        if (c->n_pmt == 0)
                r = check_fail(c, "no PMT");
        if (c->n_pcr == 0)
                r = check_fail(c, "no PCR");
        return c->n_errors ? -EBADMSG : r;
}
