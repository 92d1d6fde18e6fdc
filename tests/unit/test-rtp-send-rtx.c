/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NACK repair in the sender (encoder/rtp_send.c) and the RTCP socket
 * (encoder/rtcp_channel.c): packets kept by sequence number across the
 * 16-bit wrap, resent byte for byte on a NACK, only for our SSRC, never once
 * overwritten; an SR reaches the sink's RTCP port, a report from the sink's
 * address parses and one from another address is refused.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../encoder/rtcp_channel.h"
#include "../../encoder/rtp_send.h"
#include "../../protocol/rtcp.h"
#include "../lib/test.h"

#define SSRC 0x11223344u
#define PKT 200

static void make_packet(uint8_t *p, uint16_t seq)
{
        memset(p, (uint8_t) seq, PKT);
        p[0] = 0x80;
        p[1] = 33;
        p[2] = (uint8_t) (seq >> 8);
        p[3] = (uint8_t) seq;
        p[8] = SSRC >> 24, p[9] = (SSRC >> 16) & 0xff, p[10] = (SSRC >> 8) & 0xff, p[11] = SSRC & 0xff;
}

/* Send n packets from first_seq as one frame; the peer end reads them all. */
static void send_frame(struct rtp_send *s, int peer, uint16_t first_seq, size_t n)
{
        uint8_t buf[64 * PKT], rx[PKT + 1];

        assert_true(n <= 64);
        for (size_t i = 0; i < n; i++)
                make_packet(buf + i * PKT, (uint16_t) (first_seq + i));
        assert_int_eq(rtp_send_frame(s, buf, n, PKT, RTP_SEND_KIND_IDR), RTP_SEND_OK);
        for (size_t i = 0; i < n; i++)
                assert_int_eq(recv(peer, rx, sizeof(rx), MSG_DONTWAIT), PKT);
}

static uint16_t recv_seq(int peer)
{
        uint8_t rx[PKT + 1], want[PKT];
        uint16_t seq;

        assert_int_eq(recv(peer, rx, sizeof(rx), MSG_DONTWAIT), PKT);
        seq = (uint16_t) (rx[2] << 8 | rx[3]);
        make_packet(want, seq);
        assert_true(memcmp(rx, want, PKT) == 0);
        return seq;
}

TEST(rtx_resend, "/rtp-send/rtx/NACKed packets go out again unchanged, across the sequence wrap, only for our SSRC")
{
        struct rtp_send *s = NULL;
        struct rtp_send_stats st;
        int sv[2];

        assert_int_eq(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv), 0);
        assert_int_eq(rtp_send_new_from_fd(sv[0], &(struct rtp_send_config) { .rtx_slots = 64 }, &s), 0);
        send_frame(s, sv[1], 65520, 40); /* 65520 .. 65535, 0 .. 23 */

        /* 65534 and, by the BLP, 65535 and 1 (bits 0 and 2); an item for another SSRC is ignored */
        struct rtcp_nack nacks[] = {
                { .media_ssrc = SSRC, .pid = 65534, .blp = 0x5 },
                { .media_ssrc = SSRC + 1, .pid = 3, .blp = 0 },
        };
        assert_int_eq(rtp_send_retransmit(s, nacks, 2, SSRC), 3);
        assert_int_eq(recv_seq(sv[1]), 65534);
        assert_int_eq(recv_seq(sv[1]), 65535);
        assert_int_eq(recv_seq(sv[1]), 1);
        assert_int_eq(recv(sv[1], (char[8]) {}, 8, MSG_DONTWAIT), -1);

        /* 100 was never sent: nothing goes out, it counts as missing */
        assert_int_eq(rtp_send_retransmit(s, &(struct rtcp_nack) { .media_ssrc = SSRC, .pid = 100 }, 1, SSRC), 0);
        rtp_send_get_stats(s, &st);
        assert_int_eq(st.rtx_requested, 4);
        assert_int_eq(st.rtx_sent, 3);
        assert_int_eq(st.rtx_missing, 1);
        assert_int_eq(st.packets, 43);
        rtp_send_free(s);
        close(sv[1]);
}

TEST(rtx_bounded, "/rtp-send/rtx/the history holds rtx_slots packets; without one, retransmit says -ENOTSUP")
{
        struct rtp_send *s = NULL;
        int sv[2];

        assert_int_eq(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv), 0);
        assert_int_eq(rtp_send_new_from_fd(sv[0], &(struct rtp_send_config) { .rtx_slots = 16 }, &s), 0);
        send_frame(s, sv[1], 1000, 40);
        /* 1000 was overwritten by 1016; 1039 is still there */
        assert_int_eq(rtp_send_retransmit(s, &(struct rtcp_nack) { .media_ssrc = SSRC, .pid = 1000 }, 1, SSRC), 0);
        assert_int_eq(rtp_send_retransmit(s, &(struct rtcp_nack) { .media_ssrc = SSRC, .pid = 1039 }, 1, SSRC), 1);
        assert_int_eq(recv_seq(sv[1]), 1039);
        rtp_send_free(s);
        close(sv[1]);

        assert_int_eq(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv), 0);
        assert_int_eq(rtp_send_new_from_fd(sv[0], &(struct rtp_send_config) {}, &s), 0);
        send_frame(s, sv[1], 7, 2);
        assert_int_eq(rtp_send_retransmit(s, &(struct rtcp_nack) { .media_ssrc = SSRC, .pid = 7 }, 1, SSRC), -ENOTSUP);
        rtp_send_free(s);
        close(sv[1]);

        /* not a power of two */
        assert_int_eq(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv), 0);
        assert_int_eq(rtp_send_new_from_fd(sv[0], &(struct rtp_send_config) { .rtx_slots = 100 }, &s), -EINVAL);
        close(sv[1]);
}

TEST(rtx_budget, "/rtp-send/rtx/resends stop at the budget's burst; the budget refills with time")
{
        struct rtp_send *s = NULL;
        struct rtp_send_stats st;
        struct rtcp_nack nacks[64];
        size_t n = 0;
        int sv[2];

        assert_int_eq(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv), 0);
        (void) setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &(int) { 4 << 20 }, sizeof(int));
        assert_int_eq(rtp_send_new_from_fd(sv[0], &(struct rtp_send_config) { .rtx_slots = 1024 }, &s), 0);
        for (uint16_t seq = 0; seq < 1024; seq += 64)
                send_frame(s, sv[1], seq, 64);
        /* every packet, 1024 x 200 bytes; the burst is 64 x 1500 bytes = 480 of them */
        for (uint16_t pid = 0; pid < 1024; pid += 17)
                nacks[n++] = (struct rtcp_nack) { .media_ssrc = SSRC, .pid = pid, .blp = 0xffff };
        rtp_send_set_rtx_budget(s, 8000); /* 1000 bytes a second */
        assert_int_eq(rtp_send_retransmit(s, nacks, n, SSRC), 480);
        rtp_send_get_stats(s, &st);
        assert_int_eq(st.rtx_over_budget, 32); /* 512 resolved per call at most */
        usleep(250000); /* 250 bytes more: one packet */
        assert_int_eq(rtp_send_retransmit(s, nacks, 1, SSRC), 1);
        rtp_send_free(s);
        close(sv[1]);
}

static int udp_socket(const char *addr, uint16_t port, uint16_t *ret_port)
{
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
        socklen_t len = sizeof(a);
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

        assert_true(fd >= 0);
        assert_int_eq(inet_pton(AF_INET, addr, &a.sin_addr), 1);
        assert_int_eq(bind(fd, (struct sockaddr *) &a, sizeof(a)), 0);
        assert_int_eq(getsockname(fd, (struct sockaddr *) &a, &len), 0);
        *ret_port = ntohs(a.sin_port);
        return fd;
}

TEST(rtcp_channel, "/rtcp-channel/an SR reaches the sink's port; its report parses, another host's is refused")
{
        struct rtcp_channel *c = NULL;
        struct rtcp_channel_stats st;
        struct rtcp_info info;
        struct rtcp_report_block b = { .ssrc = SSRC, .fraction_lost = 26, .cumulative_lost = 5 };
        struct sockaddr_in to = { .sin_family = AF_INET };
        uint8_t buf[512];
        uint16_t sink_port, local_port, other_port;
        int sink, other;
        ssize_t n;

        sink = udp_socket("127.0.0.1", 0, &sink_port);
        /* our port: let the kernel find a free one, then give it to the channel */
        close(udp_socket("127.0.0.1", 0, &local_port));
        assert_int_eq(rtcp_channel_new(&(struct rtcp_channel_config) { .dest_address = "127.0.0.1",
                                                                       .dest_port = sink_port,
                                                                       .local_port = local_port,
                                                                       .cname = "test" },
                                       &c),
                      0);
        assert_int_eq(rtcp_channel_receive(c, &info), -EAGAIN);
        assert_int_eq(rtcp_channel_send_sr(c, &(struct rtcp_sender_info) { .ssrc = SSRC, .packet_count = 9 }), 0);
        n = recv(sink, buf, sizeof(buf), 0);
        assert_true(n > 0);
        assert_int_eq(rtcp_parse(buf, (size_t) n, &info), 0);
        assert_true(info.has_sr);
        assert_int_eq(info.sr_ssrc, SSRC);
        assert_int_eq(info.sr_packet_count, 9);

        to.sin_port = htons(local_port);
        inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
        n = rtcp_build_rr(0x5151, &b, 1, buf, sizeof(buf));
        assert_true(n > 0);
        assert_int_eq(sendto(sink, buf, (size_t) n, 0, (struct sockaddr *) &to, sizeof(to)), n);
        assert_int_eq(rtcp_channel_receive(c, &info), 0);
        assert_int_eq(info.n_reports, 1);
        assert_int_eq(info.reports[0].fraction_lost, 26);

        /* 127.0.0.2 is loopback too, but not the sink */
        other = udp_socket("127.0.0.2", 0, &other_port);
        assert_int_eq(sendto(other, buf, (size_t) n, 0, (struct sockaddr *) &to, sizeof(to)), n);
        assert_int_eq(rtcp_channel_receive(c, &info), -EBADMSG);
        /* garbage from the sink */
        assert_int_eq(sendto(sink, "junk", 4, 0, (struct sockaddr *) &to, sizeof(to)), 4);
        assert_int_eq(rtcp_channel_receive(c, &info), -EBADMSG);
        rtcp_channel_get_stats(c, &st);
        assert_int_eq(st.sr_sent, 1);
        assert_int_eq(st.received, 1);
        assert_int_eq(st.bad, 2);
        rtcp_channel_free(c);
        close(sink);
        close(other);
}


TEST(tcp_framing, "/rtp-send/tcp/RTP/AVP/TCP: connects, every packet behind its 16-bit length (RFC 4571)")
{
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof(a);
        struct rtp_send *s = NULL;
        uint8_t buf[5 * PKT], rx[5 * (PKT + 2)], want[PKT];
        size_t got = 0;
        int l, c;

        l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_true(l >= 0);
        assert_int_eq(bind(l, (struct sockaddr *) &a, sizeof(a)), 0);
        assert_int_eq(listen(l, 1), 0);
        assert_int_eq(getsockname(l, (struct sockaddr *) &a, &len), 0);
        /* a history makes no sense over TCP */
        assert_int_eq(rtp_send_new(&(struct rtp_send_config) { .dest_address = "127.0.0.1",
                                                                .dest_port = ntohs(a.sin_port), .tcp = true,
                                                                .rtx_slots = 64 },
                                   &s),
                      -EINVAL);
        assert_int_eq(rtp_send_new(&(struct rtp_send_config) { .dest_address = "127.0.0.1",
                                                                .dest_port = ntohs(a.sin_port), .tcp = true },
                                   &s),
                      0);
        c = accept(l, NULL, NULL);
        assert_true(c >= 0);
        for (size_t i = 0; i < 5; i++)
                make_packet(buf + i * PKT, (uint16_t) (500 + i));
        assert_int_eq(rtp_send_frame(s, buf, 5, PKT, RTP_SEND_KIND_IDR), RTP_SEND_OK);
        while (got < sizeof(rx)) {
                ssize_t n = recv(c, rx + got, sizeof(rx) - got, 0);

                assert_true(n > 0);
                got += (size_t) n;
        }
        for (size_t i = 0; i < 5; i++) {
                const uint8_t *f = rx + i * (PKT + 2);

                assert_int_eq(f[0] << 8 | f[1], PKT);
                make_packet(want, (uint16_t) (500 + i));
                assert_true(memcmp(f + 2, want, PKT) == 0);
        }
        rtp_send_free(s);
        /* nothing more than the five frames, then the end of the stream */
        assert_int_eq(recv(c, rx, 1, 0), 0);
        close(c);
        close(l);
}
