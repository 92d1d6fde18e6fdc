/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * encoder/media.h media_change_format(): a running pipeline switches format
 * in place (a WFD mid-session format change). On loopback, what arrives is
 * checked packet by packet (tests/lib/ts-check.h: one SSRC, a continuous RTP
 * sequence, TS continuity counters, a PMT whose change carries a new
 * version_number) and decoded by FFmpeg, which must show both sizes, the
 * second starting with an IDR.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libavutil/log.h>

#include "../../encoder/capture.h"
#include "../../encoder/media.h"
#include "../../protocol/macro.h"
#include "../lib/rtp-receive.h"
#include "../lib/test.h"

__attribute__((constructor)) static void quiet_ffmpeg(void)
{
        av_log_set_level(AV_LOG_ERROR);
}

static struct capture *open_testsrc(unsigned w, unsigned h)
{
        struct capture_config cfg = { .backend = CAPTURE_BACKEND_TESTSRC, .width = w, .height = h,
                                      .pattern = CAPTURE_PATTERN_MOTION };
        struct capture *c = NULL;

        assert_int_eq(capture_new(&cfg, &c), 0);
        return c;
}

/* Poll the statistics until cond(st) holds; fails on an event or after 10 s. */
static void wait_until(struct media *m, bool (*cond)(const struct media_stats *st, uint64_t arg), uint64_t arg,
                       struct media_stats *st)
{
        struct media_event ev;

        for (int i = 0; i < 1000; i++) {
                assert_int_eq(media_get_stats(m, st), 0);
                if (cond(st, arg))
                        return;
                if (media_read_event(m, &ev) == 0)
                        test_fail(__FILE__, __LINE__, "unexpected event %s: %s",
                                  media_event_type_to_string(ev.type), ev.reason);
                usleep(10000);
        }
        test_fail(__FILE__, __LINE__, "timed out: %llu frames sent, %llu format changes",
                  (unsigned long long) st->frames_sent, (unsigned long long) st->format_changes);
}

static bool sent_at_least(const struct media_stats *st, uint64_t n)
{
        return st->frames_sent >= n;
}

static bool changed(const struct media_stats *st, uint64_t n)
{
        return st->format_changes >= n;
}

static bool changed_and_sent(const struct media_stats *st, uint64_t n)
{
        return st->format_changes == 1 && st->frames_sent >= n;
}

static struct media_event wait_event(struct media *m)
{
        struct pollfd p = { .fd = media_get_fd(m), .events = POLLIN };
        struct media_event ev;

        assert_int_eq(poll(&p, 1, 5000), 1);
        assert_int_eq(media_read_event(m, &ev), 0);
        return ev;
}

TEST(media_format_change, "/media/format change in place: 640x480 CBP -> 320x240 CHP, one RTP stream, both sizes decode") {
        _cleanup_(capture_unrefp) struct capture *c = open_testsrc(640, 480);
        _cleanup_(media_freep) struct media *m = NULL;
        struct rtp_receive *rx = NULL;
        struct rtp_receive_result *res = calloc(1, sizeof(*res));
        struct media_stats st, before;
        struct media_config cfg = {
                .capture = c,
                .encode = { .encoder = "x264", .width = 640, .height = 480, .fps_num = 30, .fps_den = 1,
                            .level_idc = 31, .bitrate_bps = 1500000, .idr_interval = 1000 },
                .dest_address = "127.0.0.1",
        };
        struct encode_config next = { .width = 320, .height = 240, .profile = ENCODE_PROFILE_CHP, .level_idc = 32 };

        assert_non_null(res);
        assert_int_eq(rtp_receive_start(0, true, &rx), 0);
        rtp_receive_set_no_timing(rx, true);
        cfg.dest_port = rtp_receive_get_port(rx);
        assert_int_eq(media_new(&cfg, &m), 0);
        assert_int_eq(media_start(m), 0);
        wait_until(m, sent_at_least, 10, &before);
        assert_int_eq(before.width, 640);

        assert_int_eq(media_change_format(m, &next), 0);
        /* Count from when the pipeline applied it, not from the request: on a loaded machine several
         * old-size frames can go out in between (seen: 9 new-size frames of 10 waited for). Two more
         * for a frame still in flight through the encoder. */
        wait_until(m, changed, 1, &st);
        wait_until(m, changed_and_sent, st.frames_sent + 12, &st);
        assert_int_eq(media_stop(m), 0);
        assert_int_eq(wait_event(m).type, MEDIA_EVENT_ENDED);
        assert_int_eq(rtp_receive_finish(rx, 300, res), 0);
        assert_int_eq(media_get_stats(m, &st), 0);
        if (res->check.n_errors)
                printf("  conformance: %u errors, first: %s\n", res->check.n_errors, res->check.error);

        /* one RTP stream: same SSRC, no sequence gap, TS continuity counters carry on */
        assert_int_eq(res->check.n_errors, 0);
        assert_int_eq(st.width, 320);
        assert_int_eq(st.height, 240);
        assert_int_eq(st.format_changes, 1);
        /* the PMT now describes Constrained High level 3.2, under a new version */
        assert_int_eq(res->check.avc_profile_idc, 100);
        assert_int_eq(res->check.avc_level_idc, 32);
        assert_int_eq(res->check.n_pmt_versions, 2);
        /* FFmpeg decoded every frame: first the old size, then the new one starting with an IDR */
        assert_int_eq(res->decode_errors, 0);
        assert_int_eq(res->frames, st.frames_sent);
        assert_int_eq(res->n_sizes, 2);
        assert_int_eq(res->sizes[0].width, 640);
        assert_int_eq(res->sizes[0].height, 480);
        assert_int_ge(res->sizes[0].frames, 10);
        assert_true(res->sizes[0].first_key);
        assert_int_eq(res->sizes[1].width, 320);
        assert_int_eq(res->sizes[1].height, 240);
        assert_int_ge(res->sizes[1].frames, 10);
        assert_true(res->sizes[1].first_key);
        /* idr_interval 1000: the only IDRs are the first picture and the one after the change */
        assert_int_eq(st.idr_frames, 2);
        assert_int_eq(res->keyframes, 2);
        free(res);
}

TEST(media_format_change_same_pmt, "/media/format change that keeps profile and level: the PMT keeps its version") {
        _cleanup_(capture_unrefp) struct capture *c = open_testsrc(320, 240);
        _cleanup_(media_freep) struct media *m = NULL;
        struct rtp_receive *rx = NULL;
        struct rtp_receive_result *res = calloc(1, sizeof(*res));
        struct media_stats st;
        struct media_config cfg = {
                .capture = c,
                .encode = { .encoder = "x264", .width = 320, .height = 240, .level_idc = 31,
                            .bitrate_bps = 1000000 },
                .dest_address = "127.0.0.1",
        };
        struct encode_config next = { .width = 256, .height = 192, .level_idc = 31 };

        assert_non_null(res);
        assert_int_eq(rtp_receive_start(0, true, &rx), 0);
        rtp_receive_set_no_timing(rx, true);
        cfg.dest_port = rtp_receive_get_port(rx);
        assert_int_eq(media_new(&cfg, &m), 0);
        assert_int_eq(media_start(m), 0);
        wait_until(m, sent_at_least, 5, &st);
        assert_int_eq(media_change_format(m, &next), 0);
        wait_until(m, changed, 1, &st);
        wait_until(m, changed_and_sent, st.frames_sent + 5, &st);
        assert_int_eq(media_stop(m), 0);
        assert_int_eq(wait_event(m).type, MEDIA_EVENT_ENDED);
        assert_int_eq(rtp_receive_finish(rx, 300, res), 0);

        assert_int_eq(res->check.n_errors, 0);
        assert_int_eq(res->check.n_pmt_versions, 1);
        assert_int_eq(res->check.avc_profile_idc, 66);
        assert_int_eq(res->n_sizes, 2);
        assert_int_eq(res->sizes[1].width, 256);
        assert_true(res->sizes[1].first_key);
        free(res);
}

TEST(media_format_change_errors, "/media/format change: bad sizes are refused; an ended pipeline says so") {
        _cleanup_(capture_unrefp) struct capture *c = open_testsrc(320, 240);
        _cleanup_(media_freep) struct media *m = NULL;
        struct media_config cfg = {
                .capture = c,
                .encode = { .encoder = "x264", .width = 320, .height = 240 },
                .dest_address = "127.0.0.1",
                .dest_port = 9, /* discard: nothing listens, send errors are only counted */
        };
        struct encode_config odd = { .width = 321, .height = 240 }, tiny = { .width = 8, .height = 8 },
                             rate = { .width = 320, .height = 240, .fps_num = 30 };

        assert_int_eq(media_new(&cfg, &m), 0);
        assert_int_eq(media_change_format(m, NULL), -EINVAL);
        assert_int_eq(media_change_format(m, &odd), -EINVAL);
        assert_int_eq(media_change_format(m, &tiny), -EINVAL);
        assert_int_eq(media_change_format(m, &rate), -EINVAL);
        assert_int_eq(media_change_format(NULL, &odd), -EINVAL);
        assert_int_eq(media_stop(m), 0);
        assert_int_eq(wait_event(m).type, MEDIA_EVENT_ENDED);
        odd.width = 320;
        assert_int_eq(media_change_format(m, &odd), -ESHUTDOWN);
}

TEST(media_format_change_refused, "/media/format change the encoder refuses ends the pipeline with the reason") {
        _cleanup_(capture_unrefp) struct capture *c = open_testsrc(320, 240);
        _cleanup_(media_freep) struct media *m = NULL;
        struct media_config cfg = {
                .capture = c,
                .encode = { .encoder = "x264", .width = 320, .height = 240 },
                .dest_address = "127.0.0.1",
                .dest_port = 9,
        };
        /* passes media's size check, but encode_new() rejects level_idc 99 */
        struct encode_config bad = { .width = 320, .height = 240, .level_idc = 99 };
        struct media_event ev;

        assert_int_eq(media_new(&cfg, &m), 0);
        assert_int_eq(media_start(m), 0);
        assert_int_eq(media_change_format(m, &bad), 0);
        ev = wait_event(m);
        assert_int_eq(ev.type, MEDIA_EVENT_ERROR);
        assert_int_eq(ev.error, -EINVAL);
        assert_true(strstr(ev.reason, "format change") != NULL);
        assert_true(strstr(ev.reason, "level_idc 99") != NULL);
}
