/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The media pipeline's transport, as a sink sees it: testsrc -> encoder/media
 * (ts_mux + rtp + rtp_send inside) -> loopback UDP -> tests/lib/rtp-receive
 * (raw RTP/TS conformance checks, then FFmpeg's RTP/MPEG-TS demuxer and
 * H.264 decoder).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../encoder/capture.h"
#include "../../encoder/media.h"
#include "../../protocol/ts_mux.h"
#include "../lib/rtp-receive.h"
#include "../lib/test.h"

static void run(enum capture_pattern pattern, unsigned max_frames, unsigned run_ms, struct rtp_receive_result *res)
{
        struct capture *c = NULL;
        struct media *m = NULL;
        struct rtp_receive *rx = NULL;
        struct media_config cfg;

        assert_int_eq(capture_new(&(struct capture_config) { .backend = CAPTURE_BACKEND_TESTSRC, .width = 320,
                                                             .height = 240, .pattern = pattern },
                                  &c),
                      0);
        assert_int_eq(rtp_receive_start(0, true, &rx), 0);
        /* A real-time sender under ASan on a shared machine: gaps are reported, not asserted
         * (tests/unit/test-ts-mux.c checks the intervals with synthetic clocks). */
        rtp_receive_set_no_timing(rx, true);
        cfg = (struct media_config) {
                .capture = c,
                .encode = { .encoder = "x264", .width = 320, .height = 240, .fps_num = 30, .fps_den = 1,
                            .level_idc = 31, .bitrate_bps = 1000000 },
                .dest_address = "127.0.0.1",
                .dest_port = rtp_receive_get_port(rx),
                .max_frames = max_frames,
                .keepalive_fps = 2,
        };
        assert_int_eq(media_new(&cfg, &m), 0);
        assert_int_eq(media_start(m), 0);
        if (max_frames) {
                struct pollfd p = { .fd = media_get_fd(m), .events = POLLIN };
                struct media_event ev;

                assert_int_eq(poll(&p, 1, 20000), 1);
                assert_int_eq(media_read_event(m, &ev), 0);
                assert_int_eq(ev.type, MEDIA_EVENT_ENDED);
        } else
                usleep(run_ms * 1000);
        m = media_free(m);
        assert_int_eq(rtp_receive_finish(rx, 500, res), 0);
        capture_unref(c);
        if (res->check.n_errors)
                printf("  ts-check: %s\n", res->check.error);
        printf("  info: %u frames decoded, %llu PCRs, max PCR gap %llu ms, max PAT gap %llu ms, "
               "PTS lead over PCR >= %lld ms, %llu late PES\n",
               res->frames, (unsigned long long) res->check.n_pcr,
               (unsigned long long) (res->check.max_pcr_gap_27mhz / 27000),
               (unsigned long long) (res->check.max_psi_gap_90khz / 90),
               res->check.min_pts_lead_90khz == INT64_MAX ? -1LL : (long long) res->check.min_pts_lead_90khz / 90,
               (unsigned long long) res->check.n_late_pes);
}

TEST(media_transport_motion, "/rtp/media/every frame of a moving picture arrives conformant and decodes")
{
        struct rtp_receive_result *res = calloc(1, sizeof(*res));

        run(CAPTURE_PATTERN_MOTION, 30, 0, res);
        assert_int_eq(res->check.n_errors, 0);
        assert_int_eq(res->check.n_video_pes, 30);
        assert_int_ge(res->check.n_random_access, 1);
        assert_int_ge(res->check.n_pcr, 1);
        assert_int_eq(res->check.avc_level_idc, 31);
        assert_str_eq(res->codec, "h264");
        assert_int_eq(res->width, 320);
        assert_int_eq(res->height, 240);
        assert_int_eq(res->frames, 30);
        assert_int_ge(res->keyframes, 1);
        assert_int_eq(res->decode_errors, 0);
        free(res);
}

TEST(media_transport_still, "/rtp/media/a still screen keeps sending PCR and PAT/PMT between frames")
{
        struct rtp_receive_result *res = calloc(1, sizeof(*res));

        /* 2 keep-alive frames per second: PCRs only with frames would be ~3 in 1.5 s;
         * idle PCRs (every 40 ms wake-up) make dozens. */
        run(CAPTURE_PATTERN_STILL, 0, 1500, res);
        assert_int_eq(res->check.n_errors, 0);
        assert_int_ge(res->frames, 1);
        assert_int_le(res->frames, 10);
        assert_int_ge(res->check.n_pcr, res->frames + 10);
        assert_int_ge(res->check.n_pat, res->frames + 5);
        free(res);
}
