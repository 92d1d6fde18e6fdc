/* SPDX-License-Identifier: GPL-2.0-or-later */
/* protocol/rtsp.c: incremental parser, limits, helpers, builder. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../protocol/macro.h"
#include "../../protocol/rtsp.h"
#include "../lib/test.h"

/* Messages shaped like those real sinks/sources send (see tests/data/wfd-captures). */
static const char m1_request[] =
        "OPTIONS * RTSP/1.0\r\n"
        "CSeq: 1\r\n"
        "Require: org.wfa.wfd1.0\r\n"
        "\r\n";

static const char m1_reply_bare_lf[] =
        "RTSP/1.0 200 OK\n"
        "CSeq: 1\n"
        "Date: Thu Jan  1 01:31:56 1970\n"
        "Public: org.wfa.wfd1.0, GET_PARAMETER, SET_PARAMETER\n"
        "\n";

static const char m3_reply[] =
        "RTSP/1.0 200 OK\r\n"
        "CSeq: 2\r\n"
        "Content-Type: text/parameters\r\n"
        "Content-Length: 127\r\n"
        "\r\n"
        "wfd_audio_codecs: LPCM 00000002 00\r\n"
        "wfd_client_rtp_ports: RTP/AVP/UDP;unicast 19000 0 mode=play\r\n"
        "wfd_content_protection: none\r\n";

static const char m6_setup_sloppy[] =
        "SETUP   rtsp://192.168.49.1/wfd1.0/streamid=0    RTSP/1.0  \n"
        "cseq:3\r\n"
        "TRANSPORT :   RTP/AVP/UDP;unicast;client_port=19000   \r\n"
        "User-Agent: SEC-WDH/ME29\n"
        "\r\n";

static const char m13_request[] =
        "SET_PARAMETER rtsp://localhost/wfd1.0 RTSP/1.0\r\n"
        "CSeq: 7\r\n"
        "Session: 6B8B4567\r\n"
        "Content-Type: text/parameters\r\n"
        "Content-Length: 17\r\n"
        "\r\n"
        "wfd_idr_request\r\n";

static const char *const valid_messages[] = {
        m1_request, m1_reply_bare_lf, m3_reply, m6_setup_sloppy, m13_request,
};

static struct rtsp_parser *parser_new(void)
{
        struct rtsp_parser *p = malloc(sizeof(*p));
        assert_non_null(p);
        rtsp_parser_init(p);
        return p;
}

/* Feed all of s (copied into an exact-size heap block so ASan sees over-reads). */
static void feed_all(struct rtsp_parser *p, const char *s, size_t n)
{
        char *copy = malloc(n ? n : 1);
        memcpy(copy, s, n);
        assert_int_eq(rtsp_parser_feed(p, copy, n), n);
        free(copy);
}

static int parse_one(struct rtsp_parser *p, const char *s, struct rtsp_message *m)
{
        rtsp_parser_init(p);
        feed_all(p, s, strlen(s));
        return rtsp_parser_next(p, m);
}

TEST(rtsp_parse_m1, "/rtsp/parse/M1 OPTIONS request") {
        _cleanup_free_ struct rtsp_parser *p = parser_new();
        struct rtsp_message m;
        uint32_t cseq;

        assert_int_eq(parse_one(p, m1_request, &m), 0);
        assert_int_eq(m.type, RTSP_MESSAGE_REQUEST);
        assert_int_eq(m.method, RTSP_METHOD_OPTIONS);
        assert_str_eq(m.method_name, "OPTIONS");
        assert_str_eq(m.uri, "*");
        assert_int_eq(m.version_major, 1);
        assert_int_eq(m.version_minor, 0);
        assert_int_eq(m.n_headers, 2);
        assert_str_eq(m.headers[0].name, "CSeq");
        assert_str_eq(m.headers[0].value, "1");
        assert_str_eq(rtsp_message_get_header(&m, "require"), "org.wfa.wfd1.0");
        assert_int_eq(rtsp_message_get_cseq(&m, &cseq), 0);
        assert_int_eq(cseq, 1);
        assert_int_eq(m.body_len, 0);
        assert_str_eq(m.body, "");
        assert_int_eq(rtsp_parser_next(p, &m), -EAGAIN);
        assert_int_eq(rtsp_parser_pending(p), 0);
}

TEST(rtsp_parse_bare_lf, "/rtsp/parse/M1 reply with bare LF line ends and asctime Date") {
        _cleanup_free_ struct rtsp_parser *p = parser_new();
        struct rtsp_message m;

        assert_int_eq(parse_one(p, m1_reply_bare_lf, &m), 0);
        assert_int_eq(m.type, RTSP_MESSAGE_RESPONSE);
        assert_int_eq(m.status, 200);
        assert_str_eq(m.reason, "OK");
        assert_str_eq(rtsp_message_get_header(&m, "Date"), "Thu Jan  1 01:31:56 1970");
        assert_true(rtsp_list_contains(rtsp_message_get_header(&m, "public"), "GET_PARAMETER"));
}

TEST(rtsp_parse_body, "/rtsp/parse/M3 reply body by Content-Length") {
        _cleanup_free_ struct rtsp_parser *p = parser_new();
        struct rtsp_message m;

        assert_int_eq(parse_one(p, m3_reply, &m), 0);
        assert_int_eq(m.body_len, 127);
        assert_true(strncmp(m.body, "wfd_audio_codecs: LPCM", 22) == 0);
        assert_int_eq(m.body[m.body_len], 0);
        assert_str_eq(rtsp_message_get_header(&m, "CONTENT-TYPE"), "text/parameters");
}

TEST(rtsp_parse_sloppy, "/rtsp/parse/SETUP with extra spaces, lowercase names, mixed line ends") {
        _cleanup_free_ struct rtsp_parser *p = parser_new();
        struct rtsp_message m;
        struct rtsp_transport t;
        uint32_t cseq;

        assert_int_eq(parse_one(p, m6_setup_sloppy, &m), 0);
        assert_int_eq(m.method, RTSP_METHOD_SETUP);
        assert_str_eq(m.uri, "rtsp://192.168.49.1/wfd1.0/streamid=0");
        assert_int_eq(rtsp_message_get_cseq(&m, &cseq), 0);
        assert_int_eq(cseq, 3);
        assert_str_eq(m.headers[1].name, "TRANSPORT");
        assert_str_eq(rtsp_message_get_header(&m, "Transport"), "RTP/AVP/UDP;unicast;client_port=19000");
        assert_int_eq(rtsp_transport_parse(rtsp_message_get_header(&m, "transport"), &t), 0);
        assert_int_eq(t.client_port[0], 19000);
}

TEST(rtsp_parse_every_prefix, "/rtsp/parse/every prefix of every valid message needs more") {
        _cleanup_free_ struct rtsp_parser *p = parser_new();
        struct rtsp_message m;

        for (size_t k = 0; k < ARRAY_SIZE(valid_messages); k++) {
                const char *s = valid_messages[k];
                size_t n = strlen(s);

                for (size_t i = 0; i < n; i++) {
                        rtsp_parser_init(p);
                        feed_all(p, s, i);
                        if (rtsp_parser_next(p, &m) != -EAGAIN)
                                test_fail(__FILE__, __LINE__, "message %zu: prefix %zu/%zu not -EAGAIN", k, i, n);
                        feed_all(p, s + i, n - i);
                        if (rtsp_parser_next(p, &m) != 0)
                                test_fail(__FILE__, __LINE__, "message %zu split at %zu not parsed", k, i);
                        assert_int_eq(rtsp_parser_next(p, &m), -EAGAIN);
                }
        }
}

TEST(rtsp_parse_byte_by_byte_pipelined, "/rtsp/parse/pipelined messages fed one byte at a time") {
        _cleanup_free_ struct rtsp_parser *p = parser_new();
        struct rtsp_message m;
        char stream[4096] = "";
        size_t got = 0;

        for (size_t k = 0; k < ARRAY_SIZE(valid_messages); k++)
                strcat(stream, valid_messages[k]);

        rtsp_parser_init(p);
        for (size_t i = 0; stream[i]; i++) {
                assert_int_eq(rtsp_parser_feed(p, stream + i, 1), 1);
                while (rtsp_parser_next(p, &m) == 0) {
                        assert_true(got < ARRAY_SIZE(valid_messages));
                        got++;
                }
        }
        assert_int_eq(got, ARRAY_SIZE(valid_messages));
}

TEST(rtsp_parse_one_read, "/rtsp/parse/several messages in one read keep bytes after each body") {
        _cleanup_free_ struct rtsp_parser *p = parser_new();
        struct rtsp_message m;
        char stream[4096];

        /* The byte after M13's body is the 'O' of the next OPTIONS: must survive the NUL. */
        snprintf(stream, sizeof(stream), "%s%s%s", m13_request, m1_request, m3_reply);
        rtsp_parser_init(p);
        feed_all(p, stream, strlen(stream));
        assert_int_eq(rtsp_parser_next(p, &m), 0);
        assert_int_eq(m.method, RTSP_METHOD_SET_PARAMETER);
        assert_str_eq(m.body, "wfd_idr_request\r\n");
        assert_int_eq(rtsp_parser_next(p, &m), 0);
        assert_int_eq(m.method, RTSP_METHOD_OPTIONS);
        assert_int_eq(rtsp_parser_next(p, &m), 0);
        assert_int_eq(m.status, 200);
        assert_int_eq(m.body_len, 127);
        assert_int_eq(rtsp_parser_next(p, &m), -EAGAIN);
}

TEST(rtsp_parse_random_splits, "/rtsp/parse/pipelined stream in pseudo-random splits") {
        _cleanup_free_ struct rtsp_parser *p = parser_new();
        struct rtsp_message m;
        char stream[4096] = "";
        unsigned seed = 12345;

        for (size_t k = 0; k < ARRAY_SIZE(valid_messages); k++)
                strcat(stream, valid_messages[k]);
        for (int round = 0; round < 200; round++) {
                size_t pos = 0, n = strlen(stream), got = 0;
                rtsp_parser_init(p);
                while (pos < n) {
                        seed = seed * 1103515245 + 12345;
                        size_t chunk = MIN(n - pos, 1 + (seed >> 16) % 97);
                        feed_all(p, stream + pos, chunk);
                        pos += chunk;
                        while (rtsp_parser_next(p, &m) == 0)
                                got++;
                }
                assert_int_eq(got, ARRAY_SIZE(valid_messages));
        }
}

TEST(rtsp_parse_blank_lines_between, "/rtsp/parse/blank lines before and between messages are skipped") {
        _cleanup_free_ struct rtsp_parser *p = parser_new();
        struct rtsp_message m;
        char stream[1024];

        snprintf(stream, sizeof(stream), "\r\n\n%s\r\n\r\n%s", m1_request, m1_reply_bare_lf);
        rtsp_parser_init(p);
        feed_all(p, stream, strlen(stream));
        assert_int_eq(rtsp_parser_next(p, &m), 0);
        assert_int_eq(m.method, RTSP_METHOD_OPTIONS);
        assert_int_eq(rtsp_parser_next(p, &m), 0);
        assert_int_eq(m.status, 200);
        assert_int_eq(rtsp_parser_next(p, &m), -EAGAIN);
        assert_int_eq(rtsp_parser_pending(p), 0);
}

TEST(rtsp_parse_folded, "/rtsp/parse/folded header line is joined to the previous value") {
        _cleanup_free_ struct rtsp_parser *p = parser_new();
        struct rtsp_message m;

        assert_int_eq(parse_one(p, "RTSP/1.0 200 OK\r\nCSeq: 1\r\nPublic: org.wfa.wfd1.0,\r\n"
                                   "  GET_PARAMETER, SET_PARAMETER\r\n\r\n", &m), 0);
        assert_int_eq(m.n_headers, 2);
        assert_true(rtsp_list_contains(rtsp_message_get_header(&m, "Public"), "SET_PARAMETER"));
        assert_true(rtsp_list_contains(rtsp_message_get_header(&m, "Public"), "org.wfa.wfd1.0"));
        /* A continuation line right after the start line has nothing to continue. */
        assert_int_eq(parse_one(p, "RTSP/1.0 200 OK\r\n CSeq: 1\r\n\r\n", &m), -EBADMSG);
}

TEST(rtsp_parse_reason, "/rtsp/parse/reason phrases: empty, with spaces, 303") {
        _cleanup_free_ struct rtsp_parser *p = parser_new();
        struct rtsp_message m;

        assert_int_eq(parse_one(p, "RTSP/1.0 200\r\nCSeq: 1\r\n\r\n", &m), 0);
        assert_int_eq(m.status, 200);
        assert_str_eq(m.reason, "");
        assert_int_eq(parse_one(p, "RTSP/1.0 454 Session Not Found  \r\nCSeq: 1\r\n\r\n", &m), 0);
        assert_int_eq(m.status, 454);
        assert_str_eq(m.reason, "Session Not Found");
        assert_int_eq(parse_one(p, "RTSP/1.0 303 See Other\r\nCSeq: 3\r\nContent-Length: 28\r\n\r\n"
                                   "wfd_video_formats: 415, 457\n", &m), 0);
        assert_int_eq(m.status, 303);
        assert_int_eq(m.body_len, 28);
}

TEST(rtsp_parse_unknown_method, "/rtsp/parse/unknown method is returned, not an error") {
        _cleanup_free_ struct rtsp_parser *p = parser_new();
        struct rtsp_message m;

        assert_int_eq(parse_one(p, "FLUSH rtsp://x/ RTSP/1.0\r\nCSeq: 4\r\n\r\n", &m), 0);
        assert_int_eq(m.method, RTSP_METHOD_UNKNOWN);
        assert_str_eq(m.method_name, "FLUSH");
        /* Methods are case-sensitive. */
        assert_int_eq(parse_one(p, "options * RTSP/1.0\r\nCSeq: 4\r\n\r\n", &m), 0);
        assert_int_eq(m.method, RTSP_METHOD_UNKNOWN);
}

TEST(rtsp_parse_version, "/rtsp/parse/other RTSP versions parse, other protocols are 505") {
        _cleanup_free_ struct rtsp_parser *p = parser_new();
        struct rtsp_message m;

        assert_int_eq(parse_one(p, "OPTIONS * RTSP/2.0\r\nCSeq: 1\r\n\r\n", &m), 0);
        assert_int_eq(m.version_major, 2);
        assert_int_eq(m.version_minor, 0);
        assert_int_eq(parse_one(p, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", &m), -EPROTONOSUPPORT);
        assert_int_eq(rtsp_error_to_status(-EPROTONOSUPPORT), 505);
        assert_int_eq(parse_one(p, "HTTP/1.1 200 OK\r\n\r\n", &m), -EPROTONOSUPPORT);
        assert_int_eq(parse_one(p, "OPTIONS * RTSP/x\r\n\r\n", &m), -EBADMSG);
}

static const struct {
        const char *text;
        int error;
        unsigned status;
} bad_messages[] = {
        { "OPTIONS *\r\n\r\n",                                  -EBADMSG, 400 },
        { "OPTIONS * RTSP/1.0 extra\r\n\r\n",                   -EBADMSG, 400 },
        { "OPTIONS * RTSP/1.0\r\nno colon here\r\n\r\n",        -EBADMSG, 400 },
        { "OPTIONS * RTSP/1.0\r\n: empty name\r\n\r\n",         -EBADMSG, 400 },
        { "OPTIONS * RTSP/1.0\r\nBad Name: x\r\n\r\n",          -EBADMSG, 400 },
        { "OPTIONS * RTSP/1.0\r\nContent-Length: abc\r\n\r\n",  -EBADMSG, 400 },
        { "OPTIONS * RTSP/1.0\r\nContent-Length: -1\r\n\r\n",   -EBADMSG, 400 },
        { "OPTIONS * RTSP/1.0\r\nContent-Length:\r\n\r\n",      -EBADMSG, 400 },
        { "OPTIONS * RTSP/1.0\r\nContent-Length: 1\r\ncontent-length: 2\r\n\r\nab", -EBADMSG, 400 },
        { "OPTIONS * RTSP/1.0\r\nContent-Length: 99999999999999999999\r\n\r\n", -EFBIG, 413 },
        { "RTSP/1.0 20 OK\r\n\r\n",                             -EBADMSG, 400 },
        { "RTSP/1.0 2000 OK\r\n\r\n",                           -EBADMSG, 400 },
        { "RTSP/1.0 099 OK\r\n\r\n",                            -EBADMSG, 400 },
        { "RTSP/1.0\r\n\r\n",                                   -EBADMSG, 400 },
        { "   \r\nOPTIONS * RTSP/1.0\r\n\r\n",                  -EBADMSG, 400 },
        { "OPTIONS * RTSP/1.0\r\nCSeq: 1\rX\r\n\r\n",           -EBADMSG, 400 },
        { "OP(TIONS * RTSP/1.0\r\n\r\n",                        -EBADMSG, 400 },
};

TEST(rtsp_parse_bad, "/rtsp/parse/malformed messages: distinct error and the status to answer") {
        _cleanup_free_ struct rtsp_parser *p = parser_new();
        struct rtsp_message m;

        for (size_t i = 0; i < ARRAY_SIZE(bad_messages); i++) {
                int r = parse_one(p, bad_messages[i].text, &m);
                if (r != bad_messages[i].error)
                        test_fail(__FILE__, __LINE__, "case %zu: got %d, want %d", i, r, bad_messages[i].error);
                assert_int_eq(rtsp_error_to_status(r), bad_messages[i].status);
                /* Errors are sticky. */
                assert_int_eq(rtsp_parser_next(p, &m), r);
                assert_true(strlen(rtsp_error_to_string(r)) > 0);
        }
}

/* A bad first line fails as soon as its LF is in, without the blank line that ends a header block. */
static const struct {
        const char *text;
        int error;
} bad_first_lines[] = {
        { "\x16\x03\x01\x02\x05\x01 junk\n",                 -EBADMSG },
        { "GET / HTTP/1.1\r\nHost: x\r\n",                     -EPROTONOSUPPORT },
        { "HTTP/1.1 200 OK\r\n",                                 -EPROTONOSUPPORT },
        { "OPTIONS * RTSP/1.0 trailing\r\nCSeq: 1\r\n",          -EBADMSG },
        { "RTSP/1.0 2000 OK\r\n",                                -EBADMSG },
        { "OPTIONS *\rX RTSP/1.0\r\n",                           -EBADMSG },
        { "OPTIONS * RTSP/1.0\r\n",                              -EAGAIN },  /* good: waits */
        { "RTSP/1.0 200 OK\r\nCSeq: 1\r\n",                      -EAGAIN },
        { "OPTIONS * RTSP/1.0",                                  -EAGAIN },  /* no LF yet */
};

TEST(rtsp_parse_bad_first_line_early, "/rtsp/parse/a bad start line fails at its LF, not at the blank line") {
        _cleanup_free_ struct rtsp_parser *p = parser_new();
        struct rtsp_message m;

        for (size_t i = 0; i < ARRAY_SIZE(bad_first_lines); i++) {
                const char *t = bad_first_lines[i].text;
                int r = parse_one(p, t, &m);

                if (r != bad_first_lines[i].error)
                        test_fail(__FILE__, __LINE__, "case %zu: got %d, want %d", i, r, bad_first_lines[i].error);
                /* The same one byte at a time. */
                rtsp_parser_init(p);
                r = -EAGAIN;
                for (size_t j = 0; t[j] && r == -EAGAIN; j++) {
                        feed_all(p, t + j, 1);
                        r = rtsp_parser_next(p, &m);
                }
                if (r != bad_first_lines[i].error)
                        test_fail(__FILE__, __LINE__, "case %zu byte by byte: got %d, want %d", i, r,
                                  bad_first_lines[i].error);
        }
}

TEST(rtsp_parse_nul_in_header, "/rtsp/parse/NUL byte in the header block is malformed") {
        _cleanup_free_ struct rtsp_parser *p = parser_new();
        struct rtsp_message m;
        static const char s[] = "OPTIONS * RTSP/1.0\r\nCSeq: 1\0x\r\n\r\n";

        rtsp_parser_init(p);
        feed_all(p, s, sizeof(s) - 1);
        assert_int_eq(rtsp_parser_next(p, &m), -EBADMSG);
}

TEST(rtsp_parse_binary_body, "/rtsp/parse/body may hold NUL bytes") {
        _cleanup_free_ struct rtsp_parser *p = parser_new();
        struct rtsp_message m;
        static const char s[] = "SET_PARAMETER * RTSP/1.0\r\nContent-Length: 3\r\n\r\na\0b";

        rtsp_parser_init(p);
        feed_all(p, s, sizeof(s) - 1);
        assert_int_eq(rtsp_parser_next(p, &m), 0);
        assert_int_eq(m.body_len, 3);
        assert_mem_eq(m.body, "a\0b", 3);
}

/* Build "OPTIONS * RTSP/1.0\r\n" + headers into a heap buffer. */
static char *make_message(size_t n_headers, size_t value_len, size_t body_len)
{
        size_t size = 64 + n_headers * (value_len + 16) + body_len + 64;
        char *s = malloc(size), *q = s;

        q += sprintf(q, "SET_PARAMETER * RTSP/1.0\r\n");
        for (size_t i = 0; i < n_headers; i++) {
                q += sprintf(q, "X%02zu: ", i % 100);
                memset(q, 'v', value_len);
                q += value_len;
                q += sprintf(q, "\r\n");
        }
        if (body_len > 0)
                q += sprintf(q, "Content-Length: %zu\r\n", body_len);
        q += sprintf(q, "\r\n");
        memset(q, 'b', body_len);
        q[body_len] = 0;
        return s;
}

TEST(rtsp_limit_line, "/rtsp/limit/RTSP_MAX_LINE: at the limit parses, one more is -EMSGSIZE") {
        _cleanup_free_ struct rtsp_parser *p = parser_new();
        struct rtsp_message m;
        /* "X00: " is 5 bytes. */
        _cleanup_free_ char *ok = make_message(1, RTSP_MAX_LINE - 5, 0);
        _cleanup_free_ char *bad = make_message(1, RTSP_MAX_LINE - 4, 0);

        assert_int_eq(parse_one(p, ok, &m), 0);
        assert_int_eq(strlen(m.headers[0].value), RTSP_MAX_LINE - 5);
        assert_int_eq(parse_one(p, bad, &m), -EMSGSIZE);
        assert_int_eq(rtsp_error_to_status(-EMSGSIZE), 400);

        /* Detected before the line ends: an endless line never waits for more. */
        rtsp_parser_init(p);
        feed_all(p, bad, 26 + RTSP_MAX_LINE + 1);
        assert_int_eq(rtsp_parser_next(p, &m), -EMSGSIZE);
}

TEST(rtsp_limit_headers, "/rtsp/limit/RTSP_MAX_HEADERS: at the limit parses, one more is -E2BIG") {
        _cleanup_free_ struct rtsp_parser *p = parser_new();
        struct rtsp_message m;
        _cleanup_free_ char *ok = make_message(RTSP_MAX_HEADERS, 3, 0);
        _cleanup_free_ char *bad = make_message(RTSP_MAX_HEADERS + 1, 3, 0);

        assert_int_eq(parse_one(p, ok, &m), 0);
        assert_int_eq(m.n_headers, RTSP_MAX_HEADERS);
        assert_int_eq(parse_one(p, bad, &m), -E2BIG);
        assert_int_eq(rtsp_error_to_status(-E2BIG), 400);
}

/* A header block of exactly total bytes: start line, "X: vvv" lines, empty line. */
static char *make_header_block(size_t total)
{
        char *s = malloc(total + 1), *q = s;
        size_t left;

        q += sprintf(q, "SET_PARAMETER * RTSP/1.0\r\n");
        left = total - (q - s) - 2;
        while (left > 0) {
                /* "X: " + value + CRLF, value at least 1 byte, at most 500 */
                size_t line = MIN(left, 506);
                if (left - line > 0 && left - line < 6)
                        line = left - 6;
                q += sprintf(q, "X: ");
                memset(q, 'v', line - 5);
                q += line - 5;
                q += sprintf(q, "\r\n");
                left -= line;
        }
        q += sprintf(q, "\r\n");
        return s;
}

TEST(rtsp_limit_header_bytes, "/rtsp/limit/RTSP_MAX_HEADER_BYTES: at the limit parses, one more is -ENOBUFS") {
        _cleanup_free_ struct rtsp_parser *p = parser_new();
        struct rtsp_message m;
        _cleanup_free_ char *ok = make_header_block(RTSP_MAX_HEADER_BYTES);
        _cleanup_free_ char *bad = make_header_block(RTSP_MAX_HEADER_BYTES + 1);

        assert_int_eq(strlen(ok), RTSP_MAX_HEADER_BYTES);
        assert_int_eq(strlen(bad), RTSP_MAX_HEADER_BYTES + 1);
        assert_int_eq(parse_one(p, ok, &m), 0);
        assert_int_le(m.n_headers, RTSP_MAX_HEADERS);
        assert_int_eq(parse_one(p, bad, &m), -ENOBUFS);
        assert_int_eq(rtsp_error_to_status(-ENOBUFS), 400);

        /* Decided when the line that crosses the limit ends, whatever the split. */
        rtsp_parser_init(p);
        feed_all(p, ok, RTSP_MAX_HEADER_BYTES - 2);
        assert_int_eq(rtsp_parser_next(p, &m), -EAGAIN);
        feed_all(p, "X: abc", 6);
        assert_int_eq(rtsp_parser_next(p, &m), -EAGAIN);
        feed_all(p, "\r\n", 2);
        assert_int_eq(rtsp_parser_next(p, &m), -ENOBUFS);
}

TEST(rtsp_limit_body, "/rtsp/limit/RTSP_MAX_BODY: at the limit parses, one more is -EFBIG (413)") {
        _cleanup_free_ struct rtsp_parser *p = parser_new();
        struct rtsp_message m;
        _cleanup_free_ char *ok = make_message(1, 3, RTSP_MAX_BODY);
        char bad[128];

        assert_int_eq(parse_one(p, ok, &m), 0);
        assert_int_eq(m.body_len, RTSP_MAX_BODY);
        assert_int_eq(m.body[RTSP_MAX_BODY - 1], 'b');
        /* Refused as soon as the header line is seen, without waiting for the body. */
        snprintf(bad, sizeof(bad), "SET_PARAMETER * RTSP/1.0\r\nContent-Length: %d\r\n", RTSP_MAX_BODY + 1);
        assert_int_eq(parse_one(p, bad, &m), -EFBIG);
        assert_int_eq(rtsp_error_to_status(-EFBIG), 413);
}

TEST(rtsp_feed_full, "/rtsp/parse/feed takes what fits, the rest after draining") {
        _cleanup_free_ struct rtsp_parser *p = parser_new();
        struct rtsp_message m;
        size_t one = strlen(m13_request), count = RTSP_PARSER_BUFFER_SIZE / one + 10;
        _cleanup_free_ char *stream = malloc(count * one + 1);
        size_t pos = 0, got = 0;

        for (size_t i = 0; i < count; i++)
                memcpy(stream + i * one, m13_request, one);
        rtsp_parser_init(p);
        while (pos < count * one) {
                size_t n = rtsp_parser_feed(p, stream + pos, count * one - pos);
                assert_true(n > 0);
                pos += n;
                while (rtsp_parser_next(p, &m) == 0) {
                        assert_int_eq(m.body_len, 17);
                        got++;
                }
        }
        assert_int_eq(got, count);
}

TEST(rtsp_cseq, "/rtsp/header/CSeq: absent, malformed, out of range, blanks") {
        _cleanup_free_ struct rtsp_parser *p = parser_new();
        struct rtsp_message m;
        uint32_t c = 77;

        assert_int_eq(parse_one(p, "OPTIONS * RTSP/1.0\r\n\r\n", &m), 0);
        assert_int_eq(rtsp_message_get_cseq(&m, &c), -ENODATA);
        assert_int_eq(parse_one(p, "OPTIONS * RTSP/1.0\r\nCSeq: 1a\r\n\r\n", &m), 0);
        assert_int_eq(rtsp_message_get_cseq(&m, &c), -EBADMSG);
        assert_int_eq(parse_one(p, "OPTIONS * RTSP/1.0\r\nCSeq: 4294967296\r\n\r\n", &m), 0);
        assert_int_eq(rtsp_message_get_cseq(&m, &c), -EBADMSG);
        assert_int_eq(c, 77); /* untouched on failure */
        assert_int_eq(parse_one(p, "OPTIONS * RTSP/1.0\r\nCSeq: 0\r\n\r\n", &m), 0);
        assert_int_eq(rtsp_message_get_cseq(&m, &c), 0);
        assert_int_eq(c, 0);
        assert_int_eq(parse_one(p, "OPTIONS * RTSP/1.0\r\nCSeq:4294967295\r\n\r\n", &m), 0);
        assert_int_eq(rtsp_message_get_cseq(&m, &c), 0);
        assert_int_eq(c, 4294967295u);
}

TEST(rtsp_session_header, "/rtsp/header/Session id and timeout") {
        _cleanup_free_ struct rtsp_parser *p = parser_new();
        struct rtsp_message m;
        char id[16];
        unsigned t = 5;

        assert_int_eq(parse_one(p, "RTSP/1.0 200 OK\r\nSession: 6B8B4567;timeout=30\r\n\r\n", &m), 0);
        assert_int_eq(rtsp_message_get_session(&m, id, sizeof(id), &t), 0);
        assert_str_eq(id, "6B8B4567");
        assert_int_eq(t, 30);
        assert_int_eq(parse_one(p, "RTSP/1.0 200 OK\r\nSession:  VaMkltjy \r\n\r\n", &m), 0);
        assert_int_eq(rtsp_message_get_session(&m, id, sizeof(id), &t), 0);
        assert_str_eq(id, "VaMkltjy");
        assert_int_eq(t, 0);
        assert_int_eq(parse_one(p, "RTSP/1.0 200 OK\r\nSession: 607778589 ; Timeout = 60\r\n\r\n", &m), 0);
        assert_int_eq(rtsp_message_get_session(&m, id, sizeof(id), &t), 0);
        assert_str_eq(id, "607778589");
        assert_int_eq(t, 60);
        assert_int_eq(parse_one(p, "RTSP/1.0 200 OK\r\nSession: ;timeout=60\r\n\r\n", &m), 0);
        assert_int_eq(rtsp_message_get_session(&m, id, sizeof(id), &t), -EBADMSG);
        assert_int_eq(parse_one(p, "RTSP/1.0 200 OK\r\nSession: abc;timeout=x\r\n\r\n", &m), 0);
        assert_int_eq(rtsp_message_get_session(&m, id, sizeof(id), &t), -EBADMSG);
        assert_int_eq(parse_one(p, "RTSP/1.0 200 OK\r\nSession: 0123456789abcdefXYZ\r\n\r\n", &m), 0);
        assert_int_eq(rtsp_message_get_session(&m, id, sizeof(id), &t), -EBADMSG);
        assert_int_eq(parse_one(p, "RTSP/1.0 200 OK\r\n\r\n", &m), 0);
        assert_int_eq(rtsp_message_get_session(&m, id, sizeof(id), &t), -ENODATA);
}

TEST(rtsp_list, "/rtsp/header/Public and Require lists match whole elements") {
        assert_true(rtsp_list_contains("org.wfa.wfd1.0, GET_PARAMETER, SET_PARAMETER", "SET_PARAMETER"));
        assert_true(rtsp_list_contains("org.wfa.wfd1.0,GET_PARAMETER", "GET_PARAMETER"));
        assert_true(rtsp_list_contains("\"org.wfa.wfd1.0, GET_PARAMETER, SET_PARAMETER\"", "org.wfa.wfd1.0"));
        assert_true(rtsp_list_contains("\"org.wfa.wfd1.0, GET_PARAMETER, SET_PARAMETER\"", "SET_PARAMETER"));
        assert_false(rtsp_list_contains("org.wfa.wfd1.0, GET_PARAMETER", "SET_PARAMETER"));
        assert_false(rtsp_list_contains("org.wfa.wfd1.0, GET_PARAMETERS", "GET_PARAMETER"));
        assert_false(rtsp_list_contains("get_parameter", "GET_PARAMETER"));
        assert_false(rtsp_list_contains("", "SETUP"));
        assert_false(rtsp_list_contains(NULL, "SETUP"));
}

TEST(rtsp_transport, "/rtsp/header/Transport variants real sinks send") {
        struct rtsp_transport t;

        assert_int_eq(rtsp_transport_parse("RTP/AVP/UDP;unicast;client_port=19000", &t), 0);
        assert_int_eq(t.lower, RTSP_LOWER_TRANSPORT_UDP);
        assert_true(t.unicast);
        assert_true(t.has_client_port);
        assert_false(t.client_port_range);
        assert_int_eq(t.client_port[0], 19000);
        assert_int_eq(t.client_port[1], 19000);
        assert_false(t.has_server_port);

        assert_int_eq(rtsp_transport_parse("RTP/AVP;unicast;client_port=1028-1029", &t), 0);
        assert_true(t.client_port_range);
        assert_int_eq(t.client_port[0], 1028);
        assert_int_eq(t.client_port[1], 1029);

        assert_int_eq(rtsp_transport_parse("RTP/AVP/UDP;unicast", &t), 0);
        assert_false(t.has_client_port);

        assert_int_eq(rtsp_transport_parse("RTP/AVP/UDP;unicast;client_port=1991;server_port=49252", &t), 0);
        assert_true(t.has_server_port);
        assert_int_eq(t.server_port[0], 49252);

        assert_int_eq(rtsp_transport_parse("RTP/AVP/TCP;interleaved=0-1", &t), 0);
        assert_int_eq(t.lower, RTSP_LOWER_TRANSPORT_TCP);
        assert_true(t.interleaved);
        assert_int_eq(t.interleaved_channel[0], 0);
        assert_int_eq(t.interleaved_channel[1], 1);
        assert_int_eq(rtsp_transport_parse("RTP/AVP/TCP;unicast;interleaved=4", &t), 0);
        assert_int_eq(t.interleaved_channel[0], 4);
        assert_int_eq(t.interleaved_channel[1], 5);
        assert_int_eq(rtsp_transport_parse("RTP/AVP/TCP;unicast;interleaved=256-257", &t), -EBADMSG);
        assert_int_eq(rtsp_transport_parse("RTP/AVP/TCP;unicast;interleaved=3-2", &t), -EBADMSG);
        assert_int_eq(rtsp_transport_parse("RTP/AVP/TCP;unicast;interleaved=", &t), -EBADMSG);

        assert_int_eq(rtsp_transport_parse("rtp/avp/udp ; unicast ; client_port = 19000 ; mode=play", &t), 0);
        assert_int_eq(t.client_port[0], 19000);

        assert_int_eq(rtsp_transport_parse("RAW/RAW/UDP;unicast", &t), -EPROTONOSUPPORT);
        assert_int_eq(rtsp_transport_parse("RTP/AVP/UDP;unicast;client_port=0", &t), -EBADMSG);
        assert_int_eq(rtsp_transport_parse("RTP/AVP/UDP;unicast;client_port=70000", &t), -EBADMSG);
        assert_int_eq(rtsp_transport_parse("RTP/AVP/UDP;unicast;client_port=200-100", &t), -EBADMSG);
        assert_int_eq(rtsp_transport_parse("RTP/AVP/UDP;unicast;client_port=x", &t), -EBADMSG);
        assert_int_eq(rtsp_transport_parse("", &t), -EBADMSG);
}

/* Feed all of in (in pieces of split bytes) and collect what comes out: "M<method>" per message,
 * "F<channel>:<len>" per frame, "E" for an error. */
static void interleaved_collect(const char *in, size_t len, size_t split, char *out, size_t out_size)
{
        static struct rtsp_parser p;
        struct rtsp_message m;
        struct rtsp_interleaved_frame f;
        size_t off = 0, o = 0;
        int r;

        rtsp_parser_init(&p);
        rtsp_parser_set_interleaved(&p, true);
        out[0] = 0;
        while (off < len) {
                off += rtsp_parser_feed(&p, in + off, MIN(split, len - off));
                while ((r = rtsp_parser_next_item(&p, &m, &f)) >= 0 && o + 32 < out_size) {
                        if (r == RTSP_ITEM_FRAME)
                                o += snprintf(out + o, out_size - o, "F%u:%zu:%c ", f.channel, f.len,
                                              f.len ? f.data[0] : '-');
                        else
                                o += snprintf(out + o, out_size - o, "M%s ", m.method_name ?: "reply");
                }
                if (r != -EAGAIN) {
                        o += snprintf(out + o, out_size - o, "E");
                        return;
                }
        }
}

TEST(rtsp_interleaved, "/rtsp/parse/interleaved frames between messages, any split, oversized skipped") {
        static char in[16384];
        char got[512], first[512];
        size_t n = 0;

#define PUT(lit) (memcpy(in + n, lit, sizeof(lit) - 1), n += sizeof(lit) - 1)
        PUT("$\001\000\003abc");
        /* a '$' in a body is body */
        PUT("GET_PARAMETER rtsp://localhost/wfd1.0 RTSP/1.0\r\nCSeq: 2\r\nContent-Length: 5\r\n\r\n$\001\000\001z");
        PUT("$\007\000\000");                   /* an empty frame on channel 7 */
        PUT("$\001\023\210");                   /* 5000 bytes: over the limit, skipped */
        memset(in + n, 'R', 5000);              /* a message inside it does not count */
        memcpy(in + n + 10, "OPTIONS * RTSP/1.0\r\n\r\n", 22);
        n += 5000;
        PUT("\r\nOPTIONS * RTSP/1.0\r\nCSeq: 3\r\n\r\n$\000\000\002xy");
#undef PUT

        interleaved_collect(in, n, n, first, sizeof(first));
        assert_str_eq(first, "F1:3:a MGET_PARAMETER F7:0:- MOPTIONS F0:2:x ");
        for (size_t split = 1; split < 64; split++) {
                interleaved_collect(in, n, split, got, sizeof(got));
                assert_str_eq(got, first);
        }

        /* without interleaving a '$' is a bad request line */
        {
                static struct rtsp_parser p;
                struct rtsp_message m;
                struct rtsp_interleaved_frame f;

                rtsp_parser_init(&p);
                rtsp_parser_feed(&p, "$\001\000\003abc\r\n\r\n", 11);
                assert_true(rtsp_parser_next_item(&p, &m, &f) < 0);
                assert_int_eq(p.frames_skipped, 0);
        }
}

TEST(rtsp_method_strings, "/rtsp/method/names round trip") {
        for (int i = 1; i < _RTSP_METHOD_MAX; i++)
                assert_int_eq(rtsp_method_from_string(rtsp_method_to_string(i)), i);
        assert_int_eq(rtsp_method_from_string("BOGUS"), RTSP_METHOD_UNKNOWN);
        assert_str_eq(rtsp_method_to_string(RTSP_METHOD_UNKNOWN), "UNKNOWN");
        assert_str_eq(rtsp_status_to_string(454), "Session Not Found");
        assert_str_eq(rtsp_status_to_string(551), "Option not supported");
        assert_str_eq(rtsp_status_to_string(999), "Unknown");
        assert_int_eq(rtsp_error_to_status(-ENOMEM), 500);
}

TEST(rtsp_build_m1, "/rtsp/build/M1 OPTIONS byte-exact") {
        char buf[256];
        struct rtsp_builder b;

        rtsp_builder_init(&b, buf, sizeof(buf));
        rtsp_builder_request_line(&b, "OPTIONS", "*");
        rtsp_builder_cseq(&b, 1);
        rtsp_builder_header(&b, "Require", "org.wfa.wfd1.0");
        assert_int_eq(rtsp_builder_finish(&b, NULL, NULL, 0), strlen(m1_request));
        assert_str_eq(buf, m1_request);
}

TEST(rtsp_build_m2_reply, "/rtsp/build/M2 reply with Public byte-exact") {
        char buf[256];
        struct rtsp_builder b;
        static const char want[] =
                "RTSP/1.0 200 OK\r\n"
                "CSeq: 0\r\n"
                "Public: org.wfa.wfd1.0, SETUP, TEARDOWN, PLAY, PAUSE, GET_PARAMETER, SET_PARAMETER\r\n"
                "\r\n";

        rtsp_builder_init(&b, buf, sizeof(buf));
        rtsp_builder_status_line(&b, 200, NULL);
        rtsp_builder_cseq(&b, 0);
        rtsp_builder_header(&b, "Public", "org.wfa.wfd1.0, SETUP, TEARDOWN, PLAY, PAUSE, GET_PARAMETER, SET_PARAMETER");
        assert_int_eq(rtsp_builder_finish(&b, NULL, NULL, 0), strlen(want));
        assert_str_eq(buf, want);
}

TEST(rtsp_build_m5, "/rtsp/build/M5 trigger with text/parameters body byte-exact") {
        char buf[256];
        struct rtsp_builder b;
        static const char body[] = "wfd_trigger_method: SETUP\r\n";
        static const char want[] =
                "SET_PARAMETER rtsp://localhost/wfd1.0 RTSP/1.0\r\n"
                "CSeq: 4\r\n"
                "Content-Type: text/parameters\r\n"
                "Content-Length: 27\r\n"
                "\r\n"
                "wfd_trigger_method: SETUP\r\n";

        rtsp_builder_init(&b, buf, sizeof(buf));
        rtsp_builder_request_line(&b, "SET_PARAMETER", "rtsp://localhost/wfd1.0");
        rtsp_builder_cseq(&b, 4);
        assert_int_eq(rtsp_builder_finish(&b, "text/parameters", body, strlen(body)), strlen(want));
        assert_str_eq(buf, want);
}

TEST(rtsp_build_m6_reply, "/rtsp/build/M6 SETUP reply with Session timeout and Transport") {
        char buf[512];
        struct rtsp_builder b;
        static const char want[] =
                "RTSP/1.0 200 OK\r\n"
                "CSeq: 2\r\n"
                "Session: 6B8B4567;timeout=30\r\n"
                "Transport: RTP/AVP/UDP;unicast;client_port=19000;server_port=16384-16385\r\n"
                "\r\n";
        static const char m16[] =
                "GET_PARAMETER rtsp://localhost/wfd1.0 RTSP/1.0\r\n"
                "CSeq: 5\r\n"
                "Session: 6B8B4567\r\n"
                "\r\n";

        rtsp_builder_init(&b, buf, sizeof(buf));
        rtsp_builder_status_line(&b, 200, NULL);
        rtsp_builder_cseq(&b, 2);
        rtsp_builder_session(&b, "6B8B4567", 30);
        rtsp_builder_headerf(&b, "Transport", "RTP/AVP/UDP;unicast;client_port=%u;server_port=%u-%u",
                             19000u, 16384u, 16385u);
        assert_int_eq(rtsp_builder_finish(&b, NULL, NULL, 0), strlen(want));
        assert_str_eq(buf, want);

        rtsp_builder_init(&b, buf, sizeof(buf));
        rtsp_builder_request_line(&b, "GET_PARAMETER", "rtsp://localhost/wfd1.0");
        rtsp_builder_cseq(&b, 5);
        rtsp_builder_session(&b, "6B8B4567", 0);
        assert_int_eq(rtsp_builder_finish(&b, NULL, NULL, 0), strlen(m16));
        assert_str_eq(buf, m16);
}

TEST(rtsp_build_errors, "/rtsp/build/errors: small buffer, header injection, bad tokens, huge body") {
        char buf[64], big[256];
        struct rtsp_builder b;

        rtsp_builder_init(&b, buf, 20);
        rtsp_builder_request_line(&b, "OPTIONS", "*");
        rtsp_builder_cseq(&b, 1);
        assert_int_eq(rtsp_builder_finish(&b, NULL, NULL, 0), -ENOBUFS);

        rtsp_builder_init(&b, buf, sizeof(buf));
        rtsp_builder_request_line(&b, "OPTIONS", "*");
        rtsp_builder_header(&b, "X", "a\r\nInjected: yes");
        assert_int_eq(rtsp_builder_finish(&b, NULL, NULL, 0), -EINVAL);

        rtsp_builder_init(&b, buf, sizeof(buf));
        rtsp_builder_request_line(&b, "BAD METHOD", "*");
        assert_int_eq(rtsp_builder_finish(&b, NULL, NULL, 0), -EINVAL);

        rtsp_builder_init(&b, buf, sizeof(buf));
        rtsp_builder_request_line(&b, "OPTIONS", "a b");
        assert_int_eq(rtsp_builder_finish(&b, NULL, NULL, 0), -EINVAL);

        rtsp_builder_init(&b, buf, sizeof(buf));
        rtsp_builder_status_line(&b, 200, NULL);
        rtsp_builder_session(&b, "a;b", 0);
        assert_int_eq(rtsp_builder_finish(&b, NULL, NULL, 0), -EINVAL);

        rtsp_builder_init(&b, buf, sizeof(buf));
        rtsp_builder_status_line(&b, 99, NULL);
        assert_int_eq(rtsp_builder_finish(&b, NULL, NULL, 0), -EINVAL);

        rtsp_builder_init(&b, big, sizeof(big));
        rtsp_builder_status_line(&b, 200, NULL);
        assert_int_eq(rtsp_builder_finish(&b, NULL, big, RTSP_MAX_BODY + 1), -EFBIG);

        rtsp_builder_init(&b, buf, sizeof(buf));
        assert_int_eq(rtsp_builder_finish(&b, NULL, NULL, 0), -EINVAL);
}

TEST(rtsp_build_round_trip, "/rtsp/build/built messages parse back to the same fields") {
        _cleanup_free_ struct rtsp_parser *p = parser_new();
        struct rtsp_message m;
        char buf[512];
        struct rtsp_builder b;
        static const char body[] = "wfd_video_formats\r\nwfd_audio_codecs\r\nwfd_client_rtp_ports\r\n";
        uint32_t cseq;
        ssize_t n;

        rtsp_builder_init(&b, buf, sizeof(buf));
        rtsp_builder_request_line(&b, "GET_PARAMETER", "rtsp://localhost/wfd1.0");
        rtsp_builder_cseq(&b, 2);
        n = rtsp_builder_finish(&b, "text/parameters", body, strlen(body));
        assert_int_ge(n, 0);
        rtsp_parser_init(p);
        feed_all(p, buf, n);
        assert_int_eq(rtsp_parser_next(p, &m), 0);
        assert_int_eq(m.method, RTSP_METHOD_GET_PARAMETER);
        assert_int_eq(rtsp_message_get_cseq(&m, &cseq), 0);
        assert_int_eq(cseq, 2);
        assert_int_eq(m.body_len, strlen(body));
        assert_str_eq(m.body, body);

        rtsp_builder_init(&b, buf, sizeof(buf));
        rtsp_builder_status_line(&b, 459, NULL);
        rtsp_builder_cseq(&b, 9);
        n = rtsp_builder_finish(&b, NULL, NULL, 0);
        assert_int_ge(n, 0);
        rtsp_parser_init(p);
        feed_all(p, buf, n);
        assert_int_eq(rtsp_parser_next(p, &m), 0);
        assert_int_eq(m.status, 459);
        assert_str_eq(m.reason, "Aggregate operation not allowed");
}

/* Copy s so that its last byte is the last readable byte before a PROT_NONE page. */
static char *guarded_copy(const char *s, size_t n, void **ret_map, size_t *ret_size)
{
        size_t page = (size_t) sysconf(_SC_PAGESIZE), size = ((n + page - 1) / page + 1) * page;
        char *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

        assert_true(map != MAP_FAILED);
        assert_int_eq(mprotect(map + size - page, page, PROT_NONE), 0);
        memcpy(map + size - page - n, s, n);
        *ret_map = map;
        *ret_size = size;
        return map + size - page - n;
}

TEST(rtsp_guard_page, "/rtsp/parse/input ending at an inaccessible page is never over-read") {
        _cleanup_free_ struct rtsp_parser *p = parser_new();
        struct rtsp_message m;
        struct rtsp_transport t;
        void *map;
        size_t size;

        for (size_t k = 0; k < ARRAY_SIZE(valid_messages); k++) {
                size_t n = strlen(valid_messages[k]);
                for (size_t i = 1; i <= n; i++) {
                        const char *g = guarded_copy(valid_messages[k], i, &map, &size);
                        rtsp_parser_init(p);
                        assert_int_eq(rtsp_parser_feed(p, g, i), i);
                        assert_int_eq(rtsp_parser_next(p, &m), i == n ? 0 : -EAGAIN);
                        munmap(map, size);
                }
        }
        /* The string helpers stop at the NUL. */
        {
                static const char v[] = "RTP/AVP/UDP;unicast;client_port=19000-19001;server_port=5";
                const char *g = guarded_copy(v, sizeof(v), &map, &size);
                assert_int_eq(rtsp_transport_parse(g, &t), 0);
                assert_int_eq(t.server_port[0], 5);
                munmap(map, size);
                static const char l[] = "org.wfa.wfd1.0,GET_PARAMETER";
                g = guarded_copy(l, sizeof(l), &map, &size);
                assert_true(rtsp_list_contains(g, "GET_PARAMETER"));
                assert_false(rtsp_list_contains(g, "SET_PARAMETER"));
                munmap(map, size);
        }
}
