/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * RTCP (RFC 3550 section 6, RFC 4585 section 6): byte vectors laid out from
 * the RFCs' packet diagrams, compound packets, malformed ones, the RTT
 * example of RFC 3550 6.4.1, and the retransmission history.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../protocol/rtcp.h"
#include "../lib/test.h"

#define SINK 0x11223344u
#define OURS 0xdeadbeefu

/* RR from the sink about our stream: 25% lost lately, 258 in all, highest 0x10005, jitter 900 (10 ms). */
static const uint8_t rr[] = {
        0x81, 0xc9, 0x00, 0x07, 0x11, 0x22, 0x33, 0x44,
        0xde, 0xad, 0xbe, 0xef, 0x40, 0x00, 0x01, 0x02, 0x00, 0x01, 0x00, 0x05,
        0x00, 0x00, 0x03, 0x84, 0x12, 0x34, 0x56, 0x78, 0x00, 0x01, 0x80, 0x00,
};
/* SDES CNAME "TV1" from the sink */
static const uint8_t sdes[] = {
        0x81, 0xca, 0x00, 0x03, 0x11, 0x22, 0x33, 0x44, 0x01, 0x03, 'T', 'V', '1', 0x00, 0x00, 0x00,
};
/* generic NACK: PID 100, BLP 0b101 -> 100, 101, 103 lost */
static const uint8_t nack[] = {
        0x81, 0xcd, 0x00, 0x03, 0x11, 0x22, 0x33, 0x44, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x64, 0x00, 0x05,
};
/* PLI */
static const uint8_t pli[] = { 0x81, 0xce, 0x00, 0x02, 0x11, 0x22, 0x33, 0x44, 0xde, 0xad, 0xbe, 0xef };

static int parse_exact(const uint8_t *data, size_t len, struct rtcp_info *info)
{
        uint8_t *copy = malloc(len ? len : 1);
        int r;

        memcpy(copy, data, len);
        r = rtcp_parse(copy, len, info);
        free(copy);
        return r;
}

TEST(test_rtcp_rr, "/rtcp/parse/RR report block: fraction, cumulative, highest seq, jitter, LSR, DLSR") {
        struct rtcp_info info;

        assert_int_eq(parse_exact(rr, sizeof(rr), &info), 0);
        assert_int_eq(info.n_packets, 1);
        assert_true(info.has_rr);
        assert_false(info.has_sr);
        assert_int_eq(info.rr_ssrc, SINK);
        assert_int_eq(info.n_reports, 1);
        assert_int_eq(info.reports[0].ssrc, OURS);
        assert_int_eq(info.reports[0].fraction_lost, 0x40);
        assert_int_eq(info.reports[0].cumulative_lost, 258);
        assert_int_eq(info.reports[0].highest_seq, 0x10005);
        assert_int_eq(info.reports[0].jitter, 900);
        assert_int_eq(rtcp_jitter_usec(info.reports[0].jitter, 90000), 10000);
        assert_int_eq(info.reports[0].lsr, 0x12345678);
        assert_int_eq(info.reports[0].dlsr, 0x18000);
        /* and the writer produces the same bytes */
        uint8_t out[64];
        assert_int_eq(rtcp_build_rr(SINK, info.reports, 1, out, sizeof(out)), sizeof(rr));
        assert_mem_eq(out, rr, sizeof(rr));
        assert_int_eq(rtcp_build_rr(SINK, info.reports, 1, out, sizeof(rr) - 1), -ENOBUFS);
}

TEST(test_rtcp_negative_lost, "/rtcp/parse/cumulative lost is 24-bit signed (duplicates make it negative)") {
        uint8_t b[sizeof(rr)];
        struct rtcp_info info;

        memcpy(b, rr, sizeof(b));
        b[13] = 0xff, b[14] = 0xff, b[15] = 0xff;
        assert_int_eq(parse_exact(b, sizeof(b), &info), 0);
        assert_int_eq(info.reports[0].cumulative_lost, -1);
        b[13] = 0x80, b[14] = 0x00, b[15] = 0x00;
        assert_int_eq(parse_exact(b, sizeof(b), &info), 0);
        assert_int_eq(info.reports[0].cumulative_lost, -8388608);
        b[13] = 0x7f, b[14] = 0xff, b[15] = 0xff;
        assert_int_eq(parse_exact(b, sizeof(b), &info), 0);
        assert_int_eq(info.reports[0].cumulative_lost, 8388607);
}

TEST(test_rtcp_compound, "/rtcp/parse/compound RR + SDES + NACK + PLI + BYE") {
        static const uint8_t bye[] = { 0x81, 0xcb, 0x00, 0x01, 0x11, 0x22, 0x33, 0x44 };
        uint8_t buf[sizeof(rr) + sizeof(sdes) + sizeof(nack) + sizeof(pli) + sizeof(bye)];
        struct rtcp_info info;
        size_t o = 0;

        memcpy(buf + o, rr, sizeof(rr)), o += sizeof(rr);
        memcpy(buf + o, sdes, sizeof(sdes)), o += sizeof(sdes);
        memcpy(buf + o, nack, sizeof(nack)), o += sizeof(nack);
        memcpy(buf + o, pli, sizeof(pli)), o += sizeof(pli);
        memcpy(buf + o, bye, sizeof(bye)), o += sizeof(bye);
        assert_int_eq(parse_exact(buf, o, &info), 0);
        assert_int_eq(info.n_packets, 5);
        assert_int_eq(info.n_reports, 1);
        assert_int_eq(info.n_ignored, 1);   /* SDES */
        assert_int_eq(info.n_nacks, 1);
        assert_int_eq(info.nacks[0].media_ssrc, OURS);
        assert_int_eq(info.nacks[0].pid, 100);
        assert_int_eq(info.nacks[0].blp, 5);
        assert_true(info.pli);
        assert_int_eq(info.pli_media_ssrc, OURS);
        assert_false(info.fir);
        assert_true(info.bye);
        /* every truncation of the compound is refused, none reads past the end */
        for (size_t i = 0; i < o; i++)
                if (i != sizeof(rr) && i != sizeof(rr) + sizeof(sdes) && i != sizeof(rr) + sizeof(sdes) + sizeof(nack) &&
                    i != o - sizeof(bye) && i != 0)
                        assert_int_eq(parse_exact(buf, i, &info), -EBADMSG);
        /* reduced-size RTCP (RFC 5506): a lone NACK */
        assert_int_eq(parse_exact(nack, sizeof(nack), &info), 0);
        assert_false(info.has_rr);
        assert_int_eq(info.n_nacks, 1);
}

TEST(test_rtcp_fir_sr, "/rtcp/parse/FIR (RFC 5104) and a sink's SR with a report block") {
        static const uint8_t fir[] = {
                0x84, 0xce, 0x00, 0x04, 0x11, 0x22, 0x33, 0x44, 0x00, 0x00, 0x00, 0x00,
                0xde, 0xad, 0xbe, 0xef, 0x07, 0x00, 0x00, 0x00,
        };
        uint8_t sr[28 + 24];
        struct rtcp_info info;

        assert_int_eq(parse_exact(fir, sizeof(fir), &info), 0);
        assert_true(info.fir);
        assert_int_eq(info.fir_media_ssrc, OURS);
        assert_false(info.pli);

        sr[0] = 0x81, sr[1] = 0xc8, sr[2] = 0x00, sr[3] = 0x0c;
        memcpy(sr + 4, "\x11\x22\x33\x44" "\x83\xaa\x7e\x80\x80\x00\x00\x00" "\x00\x01\x5f\x90"
                        "\x00\x00\x00\x01" "\x00\x00\x00\x02", 24);
        memcpy(sr + 28, rr + 8, 24);
        assert_int_eq(parse_exact(sr, sizeof(sr), &info), 0);
        assert_true(info.has_sr);
        assert_int_eq(info.sr_ssrc, SINK);
        assert_int_eq(info.sr_ntp, 0x83aa7e8080000000ULL);
        assert_int_eq(info.sr_rtp_timestamp, 90000);
        assert_int_eq(info.sr_packet_count, 1);
        assert_int_eq(info.sr_octet_count, 2);
        assert_int_eq(info.n_reports, 1);
        assert_int_eq(info.reports[0].jitter, 900);
}

TEST(test_rtcp_bad, "/rtcp/parse/version, overruns, padding, counts larger than the body are refused") {
        uint8_t b[64];
        struct rtcp_info info = { .n_packets = 77 };

        assert_int_eq(parse_exact(rr, 3, &info), -EBADMSG);
        assert_int_eq(parse_exact(rr, 0, &info), -EBADMSG);
        memcpy(b, rr, sizeof(rr));
        b[0] = 0x41;                                         /* version 1 */
        assert_int_eq(parse_exact(b, sizeof(rr), &info), -EBADMSG);
        memcpy(b, rr, sizeof(rr));
        b[3] = 0x08;                                         /* one word past the datagram */
        assert_int_eq(parse_exact(b, sizeof(rr), &info), -EBADMSG);
        memcpy(b, rr, sizeof(rr));
        b[0] = 0x82;                                         /* RC 2, one block present */
        assert_int_eq(parse_exact(b, sizeof(rr), &info), -EBADMSG);
        memcpy(b, nack, 12);
        b[3] = 0x02;                                         /* NACK without an FCI item */
        assert_int_eq(parse_exact(b, 12, &info), -EBADMSG);
        memcpy(b, pli, sizeof(pli));
        b[3] = 0x01;                                         /* PLI without media SSRC */
        assert_int_eq(parse_exact(b, 8, &info), -EBADMSG);
        /* padding: a pad count of 0, or larger than the packet */
        memcpy(b, rr, sizeof(rr));
        b[0] |= 0x20;
        b[sizeof(rr) - 1] = 0;
        assert_int_eq(parse_exact(b, sizeof(rr), &info), -EBADMSG);
        b[sizeof(rr) - 1] = 29;
        assert_int_eq(parse_exact(b, sizeof(rr), &info), -EBADMSG);
        assert_int_eq(info.n_packets, 77);
        /* valid packet followed by 2 stray bytes */
        memcpy(b, pli, sizeof(pli));
        b[12] = 0x80, b[13] = 0xc9;
        assert_int_eq(parse_exact(b, 14, &info), -EBADMSG);
}

TEST(test_rtcp_padding, "/rtcp/parse/a padded RR: the pad is not read as a report") {
        uint8_t b[sizeof(nack) + 4];
        struct rtcp_info info;

        memcpy(b, nack, sizeof(nack));
        b[0] |= 0x20;
        b[3] = 0x04;
        memcpy(b + sizeof(nack), "\x00\x00\x00\x04", 4);
        assert_int_eq(parse_exact(b, sizeof(b), &info), 0);
        assert_int_eq(info.n_nacks, 1);
        assert_int_eq(info.nacks[0].pid, 100);
}

TEST(test_rtcp_sr_build, "/rtcp/build/SR + SDES CNAME is byte-exact and parses back") {
        static const uint8_t expect[] = {
                0x80, 0xc8, 0x00, 0x06, 0xde, 0xad, 0xbe, 0xef, 0x83, 0xaa, 0x7e, 0x80, 0x80, 0x00, 0x00, 0x00,
                0x00, 0x01, 0x5f, 0x90, 0x00, 0x00, 0x00, 0x64, 0x00, 0x02, 0x02, 0x10,
                0x81, 0xca, 0x00, 0x06, 0xde, 0xad, 0xbe, 0xef, 0x01, 0x0e,
                'm', 'i', 'r', 'a', 'c', 'a', 's', 't', 'd', '@', 'h', 'o', 's', 't', 0x00, 0x00, 0x00, 0x00,
        };
        const struct rtcp_sender_info si = { .ssrc = OURS, .ntp = 0x83aa7e8080000000ULL, .rtp_timestamp = 90000,
                                             .packet_count = 100, .octet_count = 131600 };
        uint8_t buf[128];
        struct rtcp_info info;
        char long_cname[257];

        assert_int_eq(rtcp_build_sr(&si, "miracastd@host", buf, sizeof(buf)), sizeof(expect));
        assert_mem_eq(buf, expect, sizeof(expect));
        assert_int_eq(parse_exact(buf, sizeof(expect), &info), 0);
        assert_true(info.has_sr);
        assert_int_eq(info.sr_ssrc, OURS);
        assert_int_eq(info.sr_ntp, si.ntp);
        assert_int_eq(info.sr_octet_count, 131600);
        assert_int_eq(info.n_ignored, 1);
        /* a CNAME whose item ends on a word boundary still gets a null word */
        assert_int_eq(rtcp_build_sr(&si, "ab", buf, sizeof(buf)), 28 + 4 + 12);
        assert_int_eq(buf[28 + 3], 3);
        assert_int_eq(buf[28 + 4 + 4 + 2 + 2], 0);
        assert_int_eq(rtcp_build_sr(&si, "miracastd@host", buf, sizeof(expect) - 1), -ENOBUFS);
        assert_int_eq(rtcp_build_sr(&si, "", buf, sizeof(buf)), -EINVAL);
        memset(long_cname, 'x', 256);
        long_cname[256] = '\0';
        assert_int_eq(rtcp_build_sr(&si, long_cname, buf, sizeof(buf)), -EINVAL);
}

TEST(test_rtcp_nack_build, "/rtcp/build/NACK packs sequence numbers into PID/BLP items, across the wrap") {
        static const uint16_t lost[] = { 100, 101, 103, 116, 117, 100 };
        static const uint16_t wrap[] = { 65534, 65535, 0, 1 };
        uint8_t buf[64];
        struct rtcp_info info;
        ssize_t n = rtcp_build_nack(SINK, OURS, lost, 6, buf, sizeof(buf));

        assert_int_eq(n, 20);
        assert_int_eq(parse_exact(buf, n, &info), 0);
        assert_int_eq(info.n_nacks, 2);
        assert_int_eq(info.nacks[0].pid, 100);
        assert_int_eq(info.nacks[0].blp, 1u << 0 | 1u << 2 | 1u << 15);   /* 101, 103, 116 */
        assert_int_eq(info.nacks[1].pid, 117);
        assert_int_eq(info.nacks[1].blp, 0);
        /* the first three items match the RFC 4585 layout byte by byte */
        assert_mem_eq(buf, "\x81\xcd\x00\x04\x11\x22\x33\x44\xde\xad\xbe\xef\x00\x64\x80\x05", 16);

        n = rtcp_build_nack(SINK, OURS, wrap, 4, buf, sizeof(buf));
        assert_int_eq(n, 16);
        assert_int_eq(parse_exact(buf, n, &info), 0);
        assert_int_eq(info.nacks[0].pid, 65534);
        assert_int_eq(info.nacks[0].blp, 0x7);
        assert_int_eq(rtcp_build_nack(SINK, OURS, wrap, 0, buf, sizeof(buf)), -EINVAL);
}

TEST(test_rtcp_rtt, "/rtcp/rtt/the RFC 3550 6.4.1 example: 6.125 s; no SR yet; a negative result") {
        uint64_t rtt = 42;

        /* A = 0xb710:8000, LSR = 0xb705:2000, DLSR = 0x0005:4000 -> 0x0006:2000 = 6.125 s */
        assert_int_eq(rtcp_rtt_usec(0x0000b71080000000ULL, 0xb7052000, 0x00054000, &rtt), 0);
        assert_int_eq(rtt, 6125000);
        assert_int_eq(rtcp_rtt_usec(0x0000b71080000000ULL, 0, 0x00054000, &rtt), -ENODATA);
        assert_int_eq(rtcp_rtt_usec(0x0000b71080000000ULL, 0xb7052000, 0x00100000, &rtt), -ERANGE);
        assert_int_eq(rtt, 6125000);
        /* across the wrap of the middle 32 bits */
        assert_int_eq(rtcp_rtt_usec(0x0000000100000000ULL, 0xffff0000, 0x00010000, &rtt), 0);
        assert_int_eq(rtt, 1000000);

        assert_int_eq(rtcp_ntp_from_unix_usec(0), 2208988800ULL << 32);
        assert_int_eq(rtcp_ntp_from_unix_usec(1500000), (2208988801ULL << 32) | 0x80000000u);
        assert_int_eq(rtcp_ntp_middle(0x0123456789abcdefULL), 0x456789ab);
        assert_int_eq(rtcp_jitter_usec(45, 90000), 500);
        assert_int_eq(rtcp_jitter_usec(45, 0), 0);
}

TEST(test_rtcp_history, "/rtcp/history/1024 slots: lookups, overwrite, never-sent, wrap, NACK resolution") {
        static uint32_t tags[1024];
        struct rtcp_rtx_history h;
        size_t slot = 9999, slots[64], missing = 99;
        struct rtcp_nack nk[3];

        assert_int_eq(rtcp_rtx_history_init(&h, tags, 1000), -EINVAL);
        assert_int_eq(rtcp_rtx_history_init(&h, tags, 8), -EINVAL);
        assert_int_eq(rtcp_rtx_history_init(&h, tags, 1024), 0);
        assert_int_eq(rtcp_rtx_history_lookup(&h, 0, &slot), -ENOENT);   /* nothing sent yet */

        for (uint32_t s = 0; s < 2048; s++)
                assert_int_eq(rtcp_rtx_history_record(&h, (uint16_t) s), s % 1024);
        assert_int_eq(rtcp_rtx_history_lookup(&h, 1023, &slot), -ENOENT);  /* overwritten by 2047 */
        assert_int_eq(rtcp_rtx_history_lookup(&h, 1024, &slot), 0);
        assert_int_eq(slot, 0);
        assert_int_eq(rtcp_rtx_history_lookup(&h, 2047, &slot), 0);
        assert_int_eq(slot, 1023);
        assert_int_eq(rtcp_rtx_history_lookup(&h, 2048, &slot), -ENOENT);  /* not sent yet */
        /* a jump in the sequence leaves old tags behind: they are too old all the same */
        (void) rtcp_rtx_history_record(&h, 2047 + 1500);
        assert_int_eq(rtcp_rtx_history_lookup(&h, 2000, &slot), -ENOENT);
        assert_int_eq(rtcp_rtx_history_lookup(&h, 2047 + 1500, &slot), 0);

        /* across the 16-bit wrap */
        assert_int_eq(rtcp_rtx_history_init(&h, tags, 1024), 0);
        for (uint32_t s = 65000; s < 65536 + 100; s++)
                (void) rtcp_rtx_history_record(&h, (uint16_t) s);
        nk[0] = (struct rtcp_nack) { .media_ssrc = OURS, .pid = 65534, .blp = 0x7 };     /* 65534..1 */
        nk[1] = (struct rtcp_nack) { .media_ssrc = OURS, .pid = 65535, .blp = 0x3 };     /* 65535, 0, 1: again */
        nk[2] = (struct rtcp_nack) { .media_ssrc = 0x1, .pid = 50, .blp = 0 };           /* another stream */
        assert_int_eq(rtcp_rtx_history_resolve(&h, nk, 3, OURS, slots, 64, &missing), 4);
        assert_int_eq(slots[0], 65534 % 1024);
        assert_int_eq(slots[1], 65535 % 1024);
        assert_int_eq(slots[2], 0);
        assert_int_eq(slots[3], 1);
        assert_int_eq(missing, 0);
        /* capped at max */
        assert_int_eq(rtcp_rtx_history_resolve(&h, nk, 1, OURS, slots, 2, NULL), 2);
        /* too old (more than 1024 back) and not yet sent count as missing */
        nk[0] = (struct rtcp_nack) { .media_ssrc = OURS, .pid = 64000, .blp = 0 };
        nk[1] = (struct rtcp_nack) { .media_ssrc = OURS, .pid = 99, .blp = 0x3 };        /* 99 sent; 100, 101 not */
        assert_int_eq(rtcp_rtx_history_resolve(&h, nk, 2, OURS, slots, 64, &missing), 1);
        assert_int_eq(slots[0], 99);
        assert_int_eq(missing, 3);
}

TEST(test_rtcp_limits, "/rtcp/parse/more NACK items than RTCP_MAX_NACKS are counted, not stored") {
        uint8_t buf[12 + 70 * 4];
        struct rtcp_info info;

        memset(buf, 0, sizeof(buf));
        buf[0] = 0x81, buf[1] = 0xcd, buf[2] = 0, buf[3] = (uint8_t) (sizeof(buf) / 4 - 1);
        for (int i = 0; i < 70; i++)
                buf[12 + i * 4 + 1] = (uint8_t) i;
        assert_int_eq(parse_exact(buf, sizeof(buf), &info), 0);
        assert_int_eq(info.n_nacks, RTCP_MAX_NACKS);
        assert_int_eq(info.n_nacks_dropped, 6);
        assert_int_eq(info.nacks[63].pid, 63);
}
