/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The WFD MPEG-TS muxer (protocol/ts_mux.c), byte by byte where the layout
 * is fixed (PAT, PMT, PCR, PES headers) and through tests/lib/ts-check for
 * the stream rules (continuity, intervals, CRC, PES payloads round trip).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../protocol/macro.h"
#include "../../protocol/rtp.h"
#include "../../protocol/ts_mux.h"
#include "../lib/test.h"
#include "../lib/ts-check.h"

#define MS_27MHZ 27000ULL

static const uint8_t *ts_at(const struct rtp_mp2t_writer *w, size_t i)
{
        return rtp_mp2t_writer_packet(w, i / 7) + RTP_HEADER_SIZE + (i % 7) * TS_PACKET_SIZE;
}

static unsigned ts_pid(const uint8_t *p)
{
        return (p[1] & 0x1F) << 8 | p[2];
}

static struct ts_mux *mux_video(void)
{
        struct ts_mux *m = NULL;

        assert_int_eq(ts_mux_new(&(struct ts_mux_config) { .avc_profile_idc = 100, .avc_constraint_flags = 0x0C,
                                                           .avc_level_idc = 42 },
                                 &m),
                      0);
        return m;
}

/* Feed every packet of w into c. */
static void check_all(struct ts_check *c, const struct rtp_mp2t_writer *w)
{
        for (size_t i = 0; i < w->n_packets; i++)
                (void) ts_check_rtp(c, rtp_mp2t_writer_packet(w, i), RTP_MP2T_PACKET_SIZE);
}

TEST(ts_crc32_vector, "/ts/crc32/CRC-32/MPEG-2 check value and self-check")
{
        uint8_t buf[13] = "123456789";
        uint32_t crc = ts_crc32(buf, 9);

        assert_int_eq(crc, 0x0376E6E7);
        buf[9] = crc >> 24;
        buf[10] = crc >> 16;
        buf[11] = crc >> 8;
        buf[12] = crc;
        assert_int_eq(ts_crc32(buf, 13), 0);
}

TEST(ts_first_idr_layout, "/ts/mux/an IDR starts with PAT, PMT, PCR, then the video PES")
{
        static const uint8_t pat[] = { 0x47, 0x40, 0x00, 0x10, 0x00, 0x00, 0xB0, 0x0D, 0x00, 0x00, 0xC1, 0x00,
                                       0x00, 0x00, 0x01, 0xE1, 0x00 };
        static const uint8_t au[] = { 0, 0, 0, 1, 0x09, 0xF0, 0, 0, 0, 1, 0x65, 0x88, 0x84 };
        struct ts_mux *m = mux_video();
        struct rtp_mp2t_writer w;
        const uint8_t *p;
        uint64_t now = 1234567890123ULL;

        rtp_mp2t_writer_init(&w, 1, 1);
        assert_int_eq(ts_mux_write_video(m, au, sizeof(au), 0x1ABCDEF01ULL, true, now, &w), 0);
        assert_int_eq(w.n_packets, 1);
        assert_int_eq(w.n_ts, 0);

        /* PAT: program 1 -> 0x0100, CRC over the section. */
        p = ts_at(&w, 0);
        assert_mem_eq(p, pat, sizeof(pat));
        assert_int_eq(ts_crc32(p + 5, 16), 0);
        assert_int_eq(p[21], 0xFF);

        /* PMT on 0x0100: PCR_PID 0x1000, H.264 on 0x1011 with the AVC descriptor from the config. */
        p = ts_at(&w, 1);
        assert_int_eq(ts_pid(p), 0x0100);
        assert_int_eq(p[1] & 0x40, 0x40);
        assert_int_eq(p[5], 0x02);
        assert_int_eq((p[13] & 0x1F) << 8 | p[14], 0x1000);
        assert_int_eq(p[17], 0x1B);
        assert_int_eq((p[18] & 0x1F) << 8 | p[19], 0x1011);
        assert_int_eq(p[22], 0x28);
        assert_int_eq(p[23], 4);
        assert_int_eq(p[24], 100);
        assert_int_eq(p[25], 0x0C);
        assert_int_eq(p[26], 42);
        assert_int_eq(p[28], 0x2A);
        assert_int_eq(ts_crc32(p + 5, 3 + ((p[6] & 0x0F) << 8 | p[7])), 0);

        /* PCR on 0x1000, adaptation field only, value = now. */
        p = ts_at(&w, 2);
        assert_int_eq(ts_pid(p), 0x1000);
        assert_int_eq(p[3] & 0x30, 0x20);
        assert_int_eq(p[4], 183);
        assert_int_eq(p[5], 0x10);
        {
                uint64_t base = (uint64_t) p[6] << 25 | p[7] << 17 | p[8] << 9 | p[9] << 1 | p[10] >> 7;
                unsigned ext = (p[10] & 1) << 8 | p[11];

                assert_int_eq(base, (now / 300) & TS_PTS_MASK);
                assert_int_eq(ext, now % 300);
        }

        /* Video PES: PUSI, random access, stuffing to 188, header, PTS, the AU as given (it has an AUD). */
        p = ts_at(&w, 3);
        assert_int_eq(ts_pid(p), 0x1011);
        assert_int_eq(p[1] & 0x40, 0x40);
        assert_int_eq(p[3] & 0x30, 0x30);
        {
                size_t af = p[4], pes = 5 + af;

                assert_int_eq(p[5] & 0x40, 0x40); /* random_access_indicator */
                assert_int_eq(pes + 14 + sizeof(au), 188);
                assert_int_eq(p[pes + 3], 0xE0);
                assert_int_eq(p[pes + 4] << 8 | p[pes + 5], 8 + sizeof(au));
                assert_int_eq(p[pes + 6], 0x84);
                assert_int_eq(p[pes + 7], 0x80);
                assert_int_eq(p[pes + 8], 5);
                /* PTS 0x1ABCDEF01 -> '0011' 101 1 | 0x5E 0x6F<<1|1 ... (ISO/IEC 13818-1 §2.4.3.7) */
                assert_int_eq(p[pes + 9], 0x21 | ((0x1ABCDEF01ULL >> 29) & 0x0E));
                assert_int_eq(p[pes + 10], (0x1ABCDEF01ULL >> 22) & 0xFF);
                assert_int_eq(p[pes + 11], ((0x1ABCDEF01ULL >> 14) & 0xFE) | 1);
                assert_int_eq(p[pes + 12], (0x1ABCDEF01ULL >> 7) & 0xFF);
                assert_int_eq(p[pes + 13], ((0x1ABCDEF01ULL << 1) & 0xFE) | 1);
                assert_mem_eq(p + pes + 14, au, sizeof(au));
        }
        /* The rest of the RTP packet: null packets. */
        for (size_t i = 4; i < 7; i++)
                assert_int_eq(ts_pid(ts_at(&w, i)), 0x1FFF);

        rtp_mp2t_writer_clear(&w);
        ts_mux_free(m);
}

struct pes_log {
        unsigned n;
        uint64_t pts[64];
        bool ra[64];
        uint8_t *data[64];
        size_t len[64];
};

static void log_pes(void *userdata, uint16_t pid, uint64_t pts, bool ra, const uint8_t *payload, size_t len)
{
        struct pes_log *l = userdata;

        if (l->n >= 64)
                return;
        l->pts[l->n] = pts;
        l->ra[l->n] = ra;
        l->data[l->n] = malloc(len);
        memcpy(l->data[l->n], payload, len);
        l->len[l->n] = len;
        l->n++;
}

static void pes_log_free(struct pes_log *l)
{
        for (unsigned i = 0; i < l->n; i++)
                free(l->data[i]);
}

TEST(ts_payload_roundtrip, "/ts/mux/access units of every size come back byte-exact, AUD added when missing")
{
        static const uint8_t aud[] = { 0, 0, 0, 1, 0x09, 0xF0 };
        /* Sizes around each TS packet boundary, and above the 65535-byte PES limit. */
        static const size_t sizes[] = { 1, 2, 160, 161, 162, 163, 164, 165, 166, 167, 168, 169, 170, 171, 172,
                                        173, 174, 175, 176, 177, 178, 179, 180, 181, 182, 183, 184, 185, 345,
                                        346, 347, 348, 349, 350, 351, 352, 353, 354, 355, 356, 357, 358, 359,
                                        360, 361, 362, 363, 364, 365, 366, 367, 368, 369, 1000, 65520, 65521,
                                        65522, 65535, 100000, 1000000 };
        struct ts_mux *m = mux_video();
        struct pes_log log = {};
        struct rtp_mp2t_writer w;
        struct ts_check c;
        uint8_t *au = malloc(1000000);

        ts_check_init(&c);
        c.on_pes = log_pes;
        c.userdata = &log;
        rtp_mp2t_writer_init(&w, 7, 0);
        for (size_t i = 0; i < 1000000; i++)
                au[i] = (uint8_t) (i * 7 + (i >> 8));
        for (size_t k = 0; k < ARRAY_SIZE(sizes); k++) {
                uint64_t now = k * 10 * MS_27MHZ;

                au[0] = (uint8_t) k; /* no start code: an AUD is prepended */
                assert_int_eq(ts_mux_write_video(m, au, sizes[k], now / 300 + 900 + k, k % 5 == 0, now, &w), 0);
                check_all(&c, &w);
                rtp_mp2t_writer_reset(&w);
        }
        assert_int_eq(ts_check_finish(&c), 0);
        assert_int_eq(c.n_errors, 0);
        assert_int_eq(log.n, ARRAY_SIZE(sizes));
        for (size_t k = 0; k < log.n; k++) {
                au[0] = (uint8_t) k;
                assert_int_eq(log.len[k], sizes[k] + sizeof(aud));
                assert_mem_eq(log.data[k], aud, sizeof(aud));
                assert_mem_eq(log.data[k] + sizeof(aud), au, sizes[k]);
                assert_int_eq(log.pts[k], k * 10 * MS_27MHZ / 300 + 900 + k);
                assert_int_eq(log.ra[k], k % 5 == 0);
        }
        pes_log_free(&log);
        ts_check_clear(&c);
        rtp_mp2t_writer_clear(&w);
        ts_mux_free(m);
        free(au);
}

TEST(ts_pes_length, "/ts/mux/PES_packet_length is exact up to 65535 and 0 above")
{
        struct ts_mux *m = mux_video();
        struct rtp_mp2t_writer w;
        uint8_t *au = calloc(1, 70000);
        const uint8_t *p;
        size_t i;

        au[3] = 1;
        au[4] = 0x09; /* starts with an AUD: nothing added */
        rtp_mp2t_writer_init(&w, 7, 0);
        assert_int_eq(ts_mux_write_video(m, au, 65535 - 8, 1, false, 0, &w), 0);
        for (i = 0; ts_pid(ts_at(&w, i)) != 0x1011; i++)
                ;
        p = ts_at(&w, i);
        assert_int_eq(p[7], 0xE0);
        assert_int_eq(p[8] << 8 | p[9], 0xFFFF);
        rtp_mp2t_writer_reset(&w);
        assert_int_eq(ts_mux_write_video(m, au, 65535 - 7, 2, false, 1, &w), 0);
        p = ts_at(&w, 0);
        assert_int_eq(ts_pid(p), 0x1011);
        assert_int_eq(p[7], 0xE0);
        assert_int_eq(p[8] << 8 | p[9], 0);
        rtp_mp2t_writer_clear(&w);
        ts_mux_free(m);
        free(au);
}

TEST(ts_intervals, "/ts/mux/30 fps for 10 s: PCR and PAT/PMT within 100 ms, counters continuous")
{
        struct ts_mux *m = mux_video();
        struct rtp_mp2t_writer w;
        struct ts_check c;
        uint8_t au[3000];

        memset(au, 0x42, sizeof(au));
        ts_check_init(&c);
        rtp_mp2t_writer_init(&w, 9, 65000);
        for (unsigned i = 0; i < 300; i++) {
                uint64_t now = (uint64_t) i * TS_CLOCK_27MHZ / 30;

                assert_int_eq(ts_mux_write_video(m, au, sizeof(au) - i, now / 300 + 9000, i % 60 == 0, now, &w), 0);
                check_all(&c, &w);
                rtp_mp2t_writer_reset(&w);
        }
        assert_int_eq(ts_check_finish(&c), 0);
        assert_int_eq(c.n_errors, 0);
        assert_int_eq(c.n_video_pes, 300);
        assert_int_eq(c.n_random_access, 5);
        assert_int_eq(c.n_pcr, 300); /* one per frame at 30 fps */
        assert_int_eq(c.n_pat, 300); /* and PAT+PMT too: a sink can join at any frame */
        assert_int_le(c.max_pcr_gap_27mhz, 34 * MS_27MHZ);
        assert_int_le(c.max_psi_gap_90khz, 34 * 90);
        assert_int_eq(c.min_pts_lead_90khz, 9000); /* PTS 100 ms ahead of the PCR sent with it */
        assert_int_eq(c.n_late_pes, 0);
        ts_check_clear(&c);
        rtp_mp2t_writer_clear(&w);
        ts_mux_free(m);
}

TEST(ts_idle, "/ts/mux/a still screen at 2 fps stays valid with write_idle at the deadlines")
{
        struct ts_mux *m = mux_video(), *m_bad = mux_video();
        struct rtp_mp2t_writer w, w_bad;
        struct ts_check c, bad;
        uint8_t au[100];
        uint64_t now = 0;

        memset(au, 0x42, sizeof(au));
        ts_check_init(&c);
        ts_check_init(&bad);
        rtp_mp2t_writer_init(&w, 9, 0);
        rtp_mp2t_writer_init(&w_bad, 9, 0);
        assert_int_eq(ts_mux_next_deadline_27mhz(m), 0);
        for (unsigned i = 0; i < 10; i++) {
                uint64_t frame_at = (uint64_t) i * TS_CLOCK_27MHZ / 2;

                /* Between frames the caller wakes at each deadline. */
                while (ts_mux_next_deadline_27mhz(m) < frame_at && i > 0) {
                        now = ts_mux_next_deadline_27mhz(m);
                        assert_int_ge(ts_mux_write_idle(m, now, &w), 1);
                        check_all(&c, &w);
                        rtp_mp2t_writer_reset(&w);
                }
                now = frame_at;
                assert_int_eq(ts_mux_write_video(m, au, sizeof(au), now / 300 + 9000, i == 0, now, &w), 0);
                check_all(&c, &w);
                rtp_mp2t_writer_reset(&w);
                /* The same frames without idle writes: 500 ms gaps. */
                assert_int_eq(ts_mux_write_video(m_bad, au, sizeof(au), now / 300 + 9000, i == 0, now, &w_bad), 0);
                check_all(&bad, &w_bad);
                rtp_mp2t_writer_reset(&w_bad);
        }
        /* Nothing due right after a write. */
        assert_int_eq(ts_mux_write_idle(m, now, &w), 0);
        assert_int_eq(w.n_packets, 0);
        assert_int_eq(ts_check_finish(&c), 0);
        assert_int_le(c.max_pcr_gap_27mhz, 100 * MS_27MHZ);
        /* The checker notices the gaps without the idle writes. */
        assert_int_eq(ts_check_finish(&bad), -EBADMSG);
        assert_true(strstr(bad.error, "gap") != NULL);
        ts_check_clear(&c);
        ts_check_clear(&bad);
        rtp_mp2t_writer_clear(&w);
        rtp_mp2t_writer_clear(&w_bad);
        ts_mux_free(m);
        ts_mux_free(m_bad);
}

TEST(ts_lpcm, "/ts/mux/LPCM: PMT entry and descriptor, 0xBD PES with the WFD header, big-endian samples")
{
        struct ts_mux *m = NULL;
        struct rtp_mp2t_writer w;
        struct pes_log log = {};
        struct ts_check c;
        int16_t pcm[480 * 2];
        const uint8_t *p;

        for (unsigned i = 0; i < ARRAY_SIZE(pcm); i++)
                pcm[i] = (int16_t) (0x0102 + i);
        assert_int_eq(ts_mux_new(&(struct ts_mux_config) { .audio = TS_AUDIO_LPCM, .audio_sample_rate = 48000,
                                                           .audio_channels = 2 },
                                 &m),
                      0);
        rtp_mp2t_writer_init(&w, 9, 0);
        ts_check_init(&c);
        c.on_pes = log_pes;
        c.userdata = &log;
        assert_int_eq(ts_mux_write_audio(m, (const uint8_t *) pcm, sizeof(pcm), 4500, 0, &w), 0);

        p = ts_at(&w, 1); /* PMT: video entry (5 + 10), then audio */
        assert_int_eq(ts_pid(p), 0x0100);
        assert_int_eq(p[32], 0x83);
        assert_int_eq((p[33] & 0x1F) << 8 | p[34], 0x1100);
        assert_int_eq(p[36], 4);
        assert_int_eq(p[37], 0x83);
        assert_int_eq(p[38], 2);
        assert_int_eq(p[39], 2 << 5 | 3 << 1); /* 48 kHz, reserved, no emphasis */
        assert_int_eq(p[40], 1 << 5 | 0x0F);   /* stereo */

        check_all(&c, &w);
        assert_int_eq(ts_check_finish(&c), 0);
        assert_int_eq(c.pmt_audio_stream_type, 0x83);
        assert_int_eq(c.n_audio_pes, 1);
        assert_int_eq(log.n, 1);
        assert_int_eq(log.len[0], 4 + sizeof(pcm));
        assert_int_eq(log.data[0][0], 0xA0);
        assert_int_eq(log.data[0][1], 6); /* 480 frames = 6 x 80 */
        assert_int_eq(log.data[0][2], 0x00);
        assert_int_eq(log.data[0][3], 0x11);
        for (unsigned i = 0; i < ARRAY_SIZE(pcm); i++) {
                assert_int_eq(log.data[0][4 + 2 * i], ((uint16_t) pcm[i]) >> 8);
                assert_int_eq(log.data[0][5 + 2 * i], ((uint16_t) pcm[i]) & 0xFF);
        }
        assert_int_eq(log.pts[0], 4500);

        /* A partial sample frame is refused. */
        assert_int_eq(ts_mux_write_audio(m, (const uint8_t *) pcm, 6, 4600, 0, &w), -EINVAL);
        pes_log_free(&log);
        ts_check_clear(&c);
        rtp_mp2t_writer_clear(&w);
        ts_mux_free(m);
}

TEST(ts_aac, "/ts/mux/AAC: stream_type 0x0F, stream_id 0xC0, ADTS copied as is")
{
        static const uint8_t adts[] = { 0xFF, 0xF1, 0x50, 0x80, 0x02, 0x1F, 0xFC, 0x21, 0x00, 0x49 };
        struct ts_mux *m = NULL;
        struct rtp_mp2t_writer w;
        struct pes_log log = {};
        struct ts_check c;

        assert_int_eq(ts_mux_new(&(struct ts_mux_config) { .audio = TS_AUDIO_AAC }, &m), 0);
        rtp_mp2t_writer_init(&w, 9, 0);
        ts_check_init(&c);
        c.on_pes = log_pes;
        c.userdata = &log;
        assert_int_eq(ts_mux_write_audio(m, adts, sizeof(adts), 100, 0, &w), 0);
        check_all(&c, &w);
        assert_int_eq(ts_check_finish(&c), 0);
        assert_int_eq(c.pmt_audio_stream_type, 0x0F);
        assert_int_eq(log.n, 1);
        assert_int_eq(log.len[0], sizeof(adts));
        assert_mem_eq(log.data[0], adts, sizeof(adts));
        pes_log_free(&log);
        ts_check_clear(&c);
        rtp_mp2t_writer_clear(&w);
        ts_mux_free(m);
}

TEST(ts_errors, "/ts/mux/bad arguments and configurations are refused")
{
        struct ts_mux *m = NULL;
        struct rtp_mp2t_writer w;
        uint8_t b[4] = {};

        assert_int_eq(ts_mux_new(&(struct ts_mux_config) { .audio = TS_AUDIO_LPCM, .audio_sample_rate = 32000,
                                                           .audio_channels = 2 },
                                 &m),
                      -EINVAL);
        assert_int_eq(ts_mux_new(&(struct ts_mux_config) { .audio = TS_AUDIO_LPCM, .audio_sample_rate = 48000,
                                                           .audio_channels = 6 },
                                 &m),
                      -EINVAL);
        assert_int_eq(ts_mux_new(&(struct ts_mux_config) { .audio = 7 }, &m), -EINVAL);
        assert_null(m);
        m = mux_video();
        rtp_mp2t_writer_init(&w, 9, 0);
        assert_int_eq(ts_mux_write_video(m, b, 0, 0, false, 0, &w), -EINVAL);
        assert_int_eq(ts_mux_write_video(m, NULL, 4, 0, false, 0, &w), -EINVAL);
        assert_int_eq(ts_mux_write_video(m, b, TS_MUX_MAX_AU_SIZE + 1, 0, false, 0, &w), -E2BIG);
        assert_int_eq(ts_mux_write_audio(m, b, 4, 0, 0, &w), -EINVAL); /* no audio configured */
        assert_int_eq(w.n_packets, 0);
        assert_str_eq(ts_audio_codec_to_string(TS_AUDIO_LPCM), "lpcm");
        assert_null(ts_audio_codec_to_string(_TS_AUDIO_MAX));
        rtp_mp2t_writer_clear(&w);
        ts_mux_free(m);
        assert_null(ts_mux_free(NULL));
}

TEST(ts_set_video, "/ts/mux/format change: the new AVC descriptor under PMT version + 1 before the next frame")
{
        static const uint8_t au[] = { 0, 0, 0, 1, 0x09, 0xF0, 0, 0, 0, 1, 0x41, 0x9A, 0x02 };
        struct ts_mux *m = mux_video();
        struct rtp_mp2t_writer w;
        struct ts_check c;
        const uint8_t *p;
        uint64_t now = 27000000ULL;

        ts_check_init(&c);
        rtp_mp2t_writer_init(&w, 7, 100);
        assert_int_eq(ts_mux_write_video(m, au, sizeof(au), 90000, true, now, &w), 0);
        p = ts_at(&w, 1);
        assert_int_eq(ts_pid(p), 0x0100);
        assert_int_eq(p[10], 0xC1); /* version 0, current */
        check_all(&c, &w);
        rtp_mp2t_writer_reset(&w);

        assert_int_eq(ts_mux_set_video(m, 100, 0x0C, 42), 0); /* what the PMT already says */
        assert_int_eq(ts_mux_set_video(m, 0, 0xC0, 31), -EINVAL);
        assert_int_eq(ts_mux_set_video(NULL, 66, 0xC0, 31), -EINVAL);
        assert_int_eq(ts_mux_set_video(m, 66, 0xC0, 31), 1);

        /* Even a delta frame right after (nothing else due) starts with PAT and the new PMT. */
        assert_int_eq(ts_mux_write_video(m, au, sizeof(au), 93000, false, now + MS_27MHZ, &w), 0);
        assert_int_eq(ts_pid(ts_at(&w, 0)), 0x0000);
        p = ts_at(&w, 1);
        assert_int_eq(ts_pid(p), 0x0100);
        assert_int_eq(p[10], 0xC3); /* version 1 */
        assert_int_eq(p[24], 66);
        assert_int_eq(p[25], 0xC0);
        assert_int_eq(p[26], 31);
        assert_int_eq(ts_crc32(p + 5, 3 + ((p[6] & 0x0F) << 8 | p[7])), 0);
        check_all(&c, &w);
        rtp_mp2t_writer_reset(&w);

        /* version_number is 5 bits: 32 changes in all wrap around to 0 */
        for (int i = 0; i < 31; i++)
                assert_int_eq(ts_mux_set_video(m, 66, 0xC0, i % 2 ? 31 : 32), 1);
        assert_int_eq(ts_mux_write_video(m, au, sizeof(au), 96000, false, now + 2 * MS_27MHZ, &w), 0);
        assert_int_eq(ts_at(&w, 1)[10], 0xC1);
        rtp_mp2t_writer_clear(&w);

        /* the checker saw one stream: counters continuous, and the changed PMT came with a new version */
        assert_int_eq(ts_check_finish(&c), 0);
        assert_int_eq(c.n_errors, 0);
        assert_int_eq(c.n_pmt_versions, 2);
        ts_check_clear(&c);
        ts_mux_free(m);
}

TEST(ts_check_catches, "/ts/check/corrupted CRC, counter, PID and sequence are reported")
{
        static const uint8_t au[] = { 1, 2, 3, 4, 5 };
        struct ts_mux *m = mux_video();
        struct rtp_mp2t_writer w;
        uint8_t pk[3][RTP_MP2T_PACKET_SIZE];
        struct ts_check c;

        rtp_mp2t_writer_init(&w, 9, 0);
        assert_int_eq(ts_mux_write_video(m, au, sizeof(au), 1, true, 0, &w), 0);
        assert_int_eq(ts_mux_write_video(m, au, sizeof(au), 2, false, 1000, &w), 0);
        assert_int_eq(ts_mux_write_video(m, au, sizeof(au), 3, false, 2000, &w), 0);
        assert_int_eq(w.n_packets, 3);
        for (int i = 0; i < 3; i++)
                memcpy(pk[i], rtp_mp2t_writer_packet(&w, (size_t) i), RTP_MP2T_PACKET_SIZE);

        /* Intact: no error. */
        ts_check_init(&c);
        for (int i = 0; i < 3; i++)
                assert_int_eq(ts_check_rtp(&c, pk[i], RTP_MP2T_PACKET_SIZE), 0);
        assert_int_eq(ts_check_finish(&c), 0);
        ts_check_clear(&c);

        /* PAT CRC flipped. */
        ts_check_init(&c);
        pk[0][12 + 20] ^= 1;
        assert_int_eq(ts_check_rtp(&c, pk[0], RTP_MP2T_PACKET_SIZE), -EBADMSG);
        assert_true(strstr(c.error, "CRC") != NULL);
        pk[0][12 + 20] ^= 1;
        ts_check_clear(&c);

        /* Lost RTP packet: sequence gap (and video counter gap). */
        ts_check_init(&c);
        assert_int_eq(ts_check_rtp(&c, pk[0], RTP_MP2T_PACKET_SIZE), 0);
        assert_int_eq(ts_check_rtp(&c, pk[2], RTP_MP2T_PACKET_SIZE), -EBADMSG);
        assert_true(strstr(c.error, "sequence") != NULL);
        ts_check_clear(&c);

        /* Continuity counter of the second video packet. */
        ts_check_init(&c);
        pk[1][12 + 3] ^= 0x01; /* frame 2 (nothing due 37 us later): [video, nulls] */
        assert_int_eq(ts_check_rtp(&c, pk[0], RTP_MP2T_PACKET_SIZE), 0);
        assert_int_eq(ts_check_rtp(&c, pk[1], RTP_MP2T_PACKET_SIZE), -EBADMSG);
        assert_true(strstr(c.error, "continuity") != NULL);
        pk[1][12 + 3] ^= 0x01;
        ts_check_clear(&c);

        /* A foreign PID. */
        ts_check_init(&c);
        pk[1][12 + 2] = 0x22;
        assert_int_eq(ts_check_rtp(&c, pk[0], RTP_MP2T_PACKET_SIZE), 0);
        assert_int_eq(ts_check_rtp(&c, pk[1], RTP_MP2T_PACKET_SIZE), -EBADMSG);
        assert_true(strstr(c.error, "PID") != NULL);
        ts_check_clear(&c);

        /* Not 7 TS packets. */
        ts_check_init(&c);
        assert_int_eq(ts_check_rtp(&c, pk[0], RTP_MP2T_PACKET_SIZE - 188), -EBADMSG);
        ts_check_clear(&c);

        rtp_mp2t_writer_clear(&w);
        ts_mux_free(m);
}

TEST(ts_shared_pes, "/ts/mux/fan-out: a group's PES sent by two sessions is byte for byte what each would mux")
{
        static uint8_t au[20000], buf[200 * TS_PACKET_SIZE];
        struct ts_mux *own = mux_video(), *a = mux_video(), *b = mux_video();
        struct rtp_mp2t_writer wo, wa, wb;
        uint8_t cc = 0;
        uint64_t now = 5 * 27000000ULL;
        ssize_t n;

        for (size_t i = 0; i < sizeof(au); i++)
                au[i] = (uint8_t) (i * 7 + 1);
        memcpy(au, (const uint8_t[]) { 0, 0, 0, 1, 0x65 }, 5); /* no AUD: one is added, as by write_video */
        rtp_mp2t_writer_init(&wo, 9, 100);
        rtp_mp2t_writer_init(&wa, 9, 100);
        rtp_mp2t_writer_init(&wb, 77, 5000);
        for (int f = 0; f < 3; f++) {
                bool idr = f == 0;
                uint64_t pts = 123456 + (uint64_t) f * 3000;

                rtp_mp2t_writer_reset(&wo);
                rtp_mp2t_writer_reset(&wa);
                assert_int_eq(ts_mux_write_video(own, au, sizeof(au) - (size_t) f * 5000, pts, idr, now, &wo), 0);
                n = ts_mux_video_pes(au, sizeof(au) - (size_t) f * 5000, pts, idr, &cc, buf, sizeof(buf));
                assert_true(n > 0 && (size_t) n <= ts_mux_video_pes_max_packets(sizeof(au)));
                assert_int_eq(ts_mux_write_video_packets(a, buf, (size_t) n, idr, now, &wa), 0);
                assert_int_eq(ts_mux_write_video_packets(b, buf, (size_t) n, idr, now, &wb), 0);
                /* the same packets, RTP headers included (same SSRC and sequence) */
                assert_int_eq(wa.n_packets, wo.n_packets);
                assert_mem_eq(wa.data, wo.data, wo.n_packets * RTP_MP2T_PACKET_SIZE);
                now += 33 * MS_27MHZ;
        }
        /* b: its own SSRC and sequence numbers around the same TS */
        assert_int_eq(rtp_mp2t_writer_packet(&wb, 0)[8], 0);
        assert_int_eq(rtp_mp2t_writer_packet(&wb, 0)[11], 77);
        /* too small a buffer: refused, the counter untouched */
        cc = 5;
        assert_int_eq(ts_mux_video_pes(au, sizeof(au), 1, false, &cc, buf, 10 * TS_PACKET_SIZE), -E2BIG);
        assert_int_eq(cc, 5);
        rtp_mp2t_writer_clear(&wo);
        rtp_mp2t_writer_clear(&wa);
        rtp_mp2t_writer_clear(&wb);
        ts_mux_free(own);
        ts_mux_free(a);
        ts_mux_free(b);
}

TEST(ts_shared_pes_continuity, "/ts/mux/fan-out: a session that skips a shared PES keeps its counters continuous")
{
        static const uint8_t au[] = { 0, 0, 0, 1, 0x09, 0xF0, 0, 0, 0, 1, 0x41, 0x9a, 0x00 };
        static uint8_t buf[8 * TS_PACKET_SIZE];
        struct ts_mux *m = mux_video();
        struct rtp_mp2t_writer w;
        struct ts_check c;
        uint64_t now = 27000000ULL;
        uint8_t cc = 0;
        ssize_t n;

        ts_check_init(&c);
        rtp_mp2t_writer_init(&w, 1, 1);
        for (int f = 0; f < 40; f++) {
                n = ts_mux_video_pes(au, sizeof(au), 9000 + (uint64_t) f * 3000, f == 0, &cc, buf, sizeof(buf));
                assert_int_eq(n, 1);
                if (f % 3 == 1)
                        continue; /* this session skips it: the group's counter moved on */
                assert_int_eq(ts_mux_write_video_packets(m, buf, (size_t) n, f == 0, now, &w), 0);
                now += 33 * MS_27MHZ;
        }
        check_all(&c, &w);
        assert_int_eq(c.n_errors, 0);
        ts_check_clear(&c);
        rtp_mp2t_writer_clear(&w);
        ts_mux_free(m);
}
