/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz the TS muxer and RTP writer: arbitrary access units, audio and idle
 * calls at arbitrary times go in; every RTP packet that comes out must pass
 * the conformance checker (tests/lib/ts-check.c, compiled in here because
 * the libFuzzer build links protocol/ only), and every PES must carry
 * exactly what was written.
 *
 * Input: byte 0 = configuration (bits 0-1 audio: none, LPCM, AAC, none;
 * bit 2: LPCM at 44.1 kHz; bit 3: arbitrary PTS). Then records: op (bits
 * 0-1: video, audio, idle, force PSI; bit 2: IDR), 2 bytes time step in
 * 100 us units, 2 bytes length, then that many data bytes (fewer at the end
 * of the input). With arbitrary PTS, each PTS is the record's first 5 data
 * bytes (any 40-bit value, of which the muxer keeps 33) instead of the clock
 * plus 100 ms, and the checker does not require PTS to increase.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../protocol/rtp.h"
#include "../../protocol/ts_mux.h"
#include "../lib/ts-check.c"

#define MAX_PENDING 8

struct expect {
        const uint8_t *data;
        size_t len;
        int kind; /* 0 video, 1 LPCM, 2 AAC */
        uint64_t pts;
};

struct fuzz_state {
        struct expect pending[2][MAX_PENDING];
        unsigned n_pending[2];
};

static void die(const char *what)
{
        fprintf(stderr, "fuzz-ts-mux: %s\n", what);
        abort();
}

static void on_pes(void *userdata, uint16_t pid, uint64_t pts, bool ra, const uint8_t *payload, size_t len)
{
        struct fuzz_state *st = userdata;
        int which = pid == TS_PID_VIDEO ? 0 : 1;
        struct expect e;
        size_t off = 0;

        if (st->n_pending[which] == 0)
                die("PES nobody wrote");
        e = st->pending[which][0];
        memmove(&st->pending[which][0], &st->pending[which][1], --st->n_pending[which] * sizeof(e));
        if (pts != (e.pts & TS_PTS_MASK))
                die("PTS differs");
        if (e.kind == 0) {
                bool has_aud = (e.len >= 4 && e.data[0] == 0 && e.data[1] == 0 && e.data[2] == 1 &&
                                (e.data[3] & 0x1F) == 9) ||
                               (e.len >= 5 && e.data[0] == 0 && e.data[1] == 0 && e.data[2] == 0 &&
                                e.data[3] == 1 && (e.data[4] & 0x1F) == 9);
                if (!has_aud)
                        off = 6;
        } else if (e.kind == 1)
                off = 4;
        if (len != e.len + off)
                die("PES length differs");
        if (e.kind == 1) {
                for (size_t i = 0; i < e.len; i++)
                        if (payload[off + i] != e.data[i ^ (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)])
                                die("LPCM sample differs");
        } else if (memcmp(payload + off, e.data, e.len) != 0)
                die("PES payload differs");
        (void) ra;
}

static void check_out(struct ts_check *c, struct rtp_mp2t_writer *w)
{
        if (w->n_ts != 0)
                die("RTP packet left open after a write");
        for (size_t i = 0; i < w->n_packets; i++)
                if (ts_check_rtp(c, rtp_mp2t_writer_packet(w, i), RTP_MP2T_PACKET_SIZE) < 0) {
                        fprintf(stderr, "fuzz-ts-mux: %s\n", c->error);
                        abort();
                }
        rtp_mp2t_writer_reset(w);
}

static void expect_push(struct fuzz_state *st, int which, struct expect e, struct ts_check *c)
{
        if (st->n_pending[which] == MAX_PENDING)
                die("too many PES pending");
        st->pending[which][st->n_pending[which]++] = e;
        (void) c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const enum ts_audio_codec codecs[4] = { TS_AUDIO_NONE, TS_AUDIO_LPCM, TS_AUDIO_AAC, TS_AUDIO_NONE };
        struct fuzz_state st = {};
        struct ts_mux_config cfg = {};
        struct ts_mux *mux = NULL;
        struct rtp_mp2t_writer w;
        struct ts_check c;
        uint64_t now = 0;
        size_t pos = 1;

        if (size < 1)
                return 0;
        cfg.audio = codecs[data[0] & 3];
        cfg.audio_sample_rate = (data[0] & 4) ? 44100 : 48000;
        cfg.audio_channels = 2;
        cfg.avc_profile_idc = data[0];
        if (ts_mux_new(&cfg, &mux) < 0)
                die("ts_mux_new");
        rtp_mp2t_writer_init(&w, 0x12345678, (uint16_t) (data[0] * 257));
        ts_check_init(&c);
        c.on_pes = on_pes;
        c.userdata = &st;
        c.no_pts_order = data[0] & 8;

        while (pos + 5 <= size) {
                unsigned op = data[pos], step = (unsigned) data[pos + 1] << 8 | data[pos + 2];
                size_t len = (size_t) data[pos + 3] << 8 | data[pos + 4];
                const uint8_t *d = data + pos + 5;
                uint64_t target, pts;
                int r = 0;

                pos += 5;
                if (len > size - pos)
                        len = size - pos;
                pos += len;
                /* At least 100 us per record so PTS strictly increase. */
                target = now + (step ? step : 1) * 2700ULL;
                while (ts_mux_next_deadline_27mhz(mux) < target) {
                        uint64_t t = ts_mux_next_deadline_27mhz(mux);

                        if (t <= now)
                                t = now + 1;
                        now = t;
                        if (ts_mux_write_idle(mux, now, &w) < 0)
                                die("idle write failed");
                        check_out(&c, &w);
                }
                now = target;
                pts = now / 300 + 9000;
                if ((data[0] & 8) && len >= 5)
                        pts = (uint64_t) d[0] << 32 | (uint64_t) d[1] << 24 | (uint64_t) d[2] << 16 |
                              (uint64_t) d[3] << 8 | d[4];

                switch (op & 3) {
                case 0:
                        r = ts_mux_write_video(mux, d, len, pts, op & 4, now, &w);
                        if (r == 0)
                                expect_push(&st, 0, (struct expect) { d, len, 0, pts }, &c);
                        else if (!(r == -EINVAL && len == 0))
                                die("video write failed");
                        break;
                case 1:
                        r = ts_mux_write_audio(mux, d, len, pts, now, &w);
                        if (r == 0)
                                expect_push(&st, 1,
                                            (struct expect) { d, len, cfg.audio == TS_AUDIO_LPCM ? 1 : 2, pts },
                                            &c);
                        else if (r != -EINVAL)
                                die("audio write failed");
                        break;
                case 2:
                        if (ts_mux_write_idle(mux, now, &w) < 0)
                                die("idle write failed");
                        break;
                case 3:
                        ts_mux_force_psi(mux);
                        break;
                }
                if (r != 0 && w.n_packets != 0)
                        die("a refused write produced output");
                check_out(&c, &w);
        }
        if (ts_mux_write_idle(mux, now + 1, &w) < 0)
                die("idle write failed");
        check_out(&c, &w);
        (void) ts_check_finish(&c);
        if (c.n_errors) {
                fprintf(stderr, "fuzz-ts-mux: %s\n", c.error);
                abort();
        }
        if (st.n_pending[0] || st.n_pending[1])
                die("PES written but never seen");

        ts_check_clear(&c);
        rtp_mp2t_writer_clear(&w);
        ts_mux_free(mux);
        return 0;
}
