/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * RTP interleaved in the RTSP connection (encoder/rtsp_interleave.c with
 * rtp_send and rtcp_channel on top): RTSP messages and '$' frames come out
 * whole and in order, byte for byte; a sink that stops reading makes the
 * sender drop whole frames while RTSP still queues (bounded) and, once the
 * sink reads again, every byte parses: no frame or message is cut into.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../encoder/rtcp_channel.h"
#include "../../encoder/rtp_send.h"
#include "../../encoder/rtsp_interleave.h"
#include "../../protocol/macro.h"
#include "../../protocol/rtcp.h"
#include "../../protocol/rtsp.h"
#include "../lib/test.h"

#define SSRC 0x11223344u
#define PKT 1328

static void make_packet(uint8_t *p, uint16_t seq)
{
        memset(p, (uint8_t) seq, PKT);
        p[0] = 0x80;
        p[1] = 33;
        p[2] = (uint8_t) (seq >> 8);
        p[3] = (uint8_t) seq;
        p[8] = SSRC >> 24, p[9] = (SSRC >> 16) & 0xff, p[10] = (SSRC >> 8) & 0xff, p[11] = SSRC & 0xff;
}

static const char options_msg[] = "OPTIONS * RTSP/1.0\r\nCSeq: 7\r\n\r\n";

/* What the sink parsed out of the connection. */
struct seen {
        size_t messages, rtp, rtcp, bad_rtp;
        uint16_t last_seq;
        bool have_seq;
        bool seq_gap;                   /* a jump in sequence numbers (a dropped frame) */
        uint32_t sr_ssrc;
};

static void sink_drain(int fd, struct rtsp_parser *p, struct seen *seen)
{
        char buf[65536];
        ssize_t n;

        while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
                for (size_t off = 0; off < (size_t) n;) {
                        struct rtsp_interleaved_frame f;
                        struct rtsp_message m;
                        int r;

                        off += rtsp_parser_feed(p, buf + off, (size_t) n - off);
                        while ((r = rtsp_parser_next_item(p, &m, &f)) >= 0) {
                                if (r == RTSP_ITEM_MESSAGE) {
                                        assert_int_eq(m.type, RTSP_MESSAGE_REQUEST);
                                        assert_str_eq(m.method_name, "OPTIONS");
                                        seen->messages++;
                                } else if (f.channel == 0) {
                                        uint8_t want[PKT];
                                        uint16_t seq;

                                        assert_int_eq(f.len, PKT);
                                        seq = (uint16_t) (f.data[2] << 8 | f.data[3]);
                                        make_packet(want, seq);
                                        if (memcmp(f.data, want, PKT) != 0)
                                                seen->bad_rtp++;
                                        if (seen->have_seq && seq != (uint16_t) (seen->last_seq + 1))
                                                seen->seq_gap = true;
                                        seen->last_seq = seq;
                                        seen->have_seq = true;
                                        seen->rtp++;
                                } else {
                                        struct rtcp_info info;

                                        assert_int_eq(f.channel, 1);
                                        assert_int_eq(rtcp_parse(f.data, f.len, &info), 0);
                                        assert_true(info.has_sr);
                                        seen->sr_ssrc = info.sr_ssrc;
                                        seen->rtcp++;
                                }
                        }
                        assert_int_eq(r, -EAGAIN); /* never a broken frame or message */
                }
        }
}

TEST(interleave_order, "/rtsp-interleave/RTSP, RTP frames and an SR come out whole, in order, byte for byte") {
        static struct rtsp_parser parser;
        struct rtsp_interleave *il = NULL;
        struct rtp_send *s = NULL;
        struct rtcp_channel *c = NULL;
        struct seen seen = {};
        uint8_t pk[3 * PKT];
        int sv[2];

        assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv), 0);
        assert_int_eq(rtsp_interleave_new(sv[0], &il), 0);
        assert_int_eq(rtp_send_new(&(struct rtp_send_config) { .interleave = il, .interleave_channel = 0 }, &s), 0);
        assert_int_eq(rtcp_channel_new_interleaved(il, 1, "test", &c), 0);
        rtsp_parser_init(&parser);
        rtsp_parser_set_interleaved(&parser, true);

        assert_int_eq(rtsp_interleave_queue(il, options_msg, strlen(options_msg)), 0);
        for (int i = 0; i < 3; i++)
                make_packet(pk + i * PKT, (uint16_t) (65534 + i));
        assert_int_eq(rtp_send_frame(s, pk, 3, PKT, RTP_SEND_KIND_IDR), RTP_SEND_OK);
        assert_int_eq(rtcp_channel_send_sr(c, &(struct rtcp_sender_info) { .ssrc = SSRC, .packet_count = 3 }), 0);
        assert_int_eq(rtsp_interleave_queue(il, options_msg, strlen(options_msg)), 0);
        sink_drain(sv[1], &parser, &seen);
        assert_int_eq(seen.messages, 2);
        assert_int_eq(seen.rtp, 3);
        assert_int_eq(seen.bad_rtp, 0);
        assert_false(seen.seq_gap);
        assert_int_eq(seen.rtcp, 1);
        assert_int_eq(seen.sr_ssrc, SSRC);
        assert_int_eq(rtp_send_get_queued_bytes(s), 0);

        /* a report the session delivered reaches the RTCP channel; nothing else waits */
        {
                struct rtcp_report_block b = { .ssrc = SSRC, .fraction_lost = 26 };
                struct rtcp_info info;
                uint8_t rr[64];
                ssize_t n = rtcp_build_rr(0x5151, &b, 1, rr, sizeof(rr));

                assert_true(n > 0);
                assert_int_eq(rtsp_interleave_deliver(il, rr, (size_t) n), 0);
                assert_int_eq(rtcp_channel_receive(c, &info), 0);
                assert_int_eq(info.n_reports, 1);
                assert_int_eq(info.reports[0].fraction_lost, 26);
                assert_int_eq(rtcp_channel_receive(c, &info), -EAGAIN);
        }
        c = rtcp_channel_free(c);
        s = rtp_send_free(s);
        il = rtsp_interleave_free(il);
        close(sv[0]);
        close(sv[1]);
}

TEST(interleave_slow_sink, "/rtsp-interleave/a sink that stops reading: whole frames dropped, RTSP still goes out, "
                           "framing intact") {
        static struct rtsp_parser parser;
        static uint8_t frame[16 * PKT];
        static char big[RTSP_INTERLEAVE_MAX_CONTROL];
        struct rtsp_interleave *il = NULL;
        struct rtp_send *s = NULL;
        struct rtp_send_stats st;
        struct rtsp_interleave_stats ist;
        struct seen seen = {};
        uint16_t seq = 1;
        int sv[2], sndbuf = 16384, r, dropped = 0, sent = 0;

        assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv), 0);
        assert_int_eq(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)), 0);
        assert_int_eq(rtsp_interleave_new(sv[0], &il), 0);
        assert_int_eq(rtp_send_new(&(struct rtp_send_config) { .interleave = il, .stall_usec = 1000,
                                                                .max_queued_bytes = 1u << 30 },
                                   &s),
                      0);
        rtsp_parser_init(&parser);
        rtsp_parser_set_interleaved(&parser, true);
        assert_false(rtp_send_is_congested(s));

        /* nobody reads: the socket fills, then frames are dropped whole (IDRs only, so each is tried) */
        for (int i = 0; i < 200; i++) {
                for (int k = 0; k < 16; k++)
                        make_packet(frame + k * PKT, seq++);
                r = rtp_send_frame(s, frame, 16, PKT, RTP_SEND_KIND_IDR);
                assert_true(r == RTP_SEND_OK || r == RTP_SEND_DROPPED);
                if (r == RTP_SEND_DROPPED)
                        dropped++;
                else
                        sent++;
        }
        rtp_send_get_stats(s, &st);
        assert_true(dropped > 150);
        assert_int_eq(st.frames_dropped, (uint64_t) dropped);
        /* an IDR asked for now would be dropped too (encoder/media.c waits for this to clear) */
        assert_true(rtp_send_is_congested(s));

        /* RTSP still queues while the link is full, and a flood beyond the bound is refused */
        r = rtsp_interleave_queue(il, options_msg, strlen(options_msg));
        assert_int_eq(r, 1);
        memset(big, 'x', sizeof(big));
        assert_int_eq(rtsp_interleave_queue(il, big, sizeof(big)), -ENOBUFS);
        /* the RTP sender now finds RTSP in the way: it waits, then drops, never cuts in */
        for (int k = 0; k < 16; k++)
                make_packet(frame + k * PKT, seq++);
        assert_int_eq(rtp_send_frame(s, frame, 16, PKT, RTP_SEND_KIND_IDR), RTP_SEND_DROPPED);
        rtsp_interleave_get_stats(il, &ist);
        assert_true(ist.busy > 0);

        /* the sink reads again: everything parses, the RTSP message is there once */
        for (int i = 0; i < 100 && (seen.messages == 0 || rtsp_interleave_flush(il) > 0); i++) {
                sink_drain(sv[1], &parser, &seen);
                (void) rtsp_interleave_flush(il);
        }
        sink_drain(sv[1], &parser, &seen);
        assert_int_eq(rtsp_interleave_flush(il), 0);
        assert_false(rtp_send_is_congested(s));
        assert_int_eq(seen.messages, 1);
        assert_int_eq(seen.bad_rtp, 0);
        assert_true(seen.rtp > 0);
        (void) sent;

        /* and the stream goes on */
        for (int k = 0; k < 16; k++)
                make_packet(frame + k * PKT, seq++);
        assert_int_eq(rtp_send_frame(s, frame, 16, PKT, RTP_SEND_KIND_IDR), RTP_SEND_OK);
        sink_drain(sv[1], &parser, &seen);
        assert_int_eq(seen.last_seq, (uint16_t) (seq - 1));
        assert_true(seen.seq_gap); /* packets were dropped, never cut */
        assert_int_eq(seen.bad_rtp, 0);

        s = rtp_send_free(s);
        il = rtsp_interleave_free(il);
        close(sv[0]);
        close(sv[1]);
}
