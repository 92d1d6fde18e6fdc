/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Every RTSP message in tests/data/wfd-captures/ goes through the RTSP codec.
 *
 * The captures are published logs (see tests/data/README.md): LF line ends, "# " lines
 * that stand in for the software peer's messages, and loggers that drop the
 * empty line after the headers. Before feeding the parser, this test rebuilds
 * the byte stream a device sent: CRLF restored, annotation lines dropped, the
 * empty line re-inserted where the header block visibly ended (a line that is
 * not an RTSP header), and lines outside any message (bodies logged without
 * their request line, config files) left out and counted. The expectations
 * table says, per file, how many complete messages it holds and whether the
 * copy ends inside a message (truncated): every message must parse, in one
 * read, byte by byte and split at every position, with start line, CSeq and
 * body length matching.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../protocol/macro.h"
#include "../../protocol/rtsp.h"
#include "../lib/test.h"

#define MAX_MSGS 64

static const struct capture_case {
        const char *file;
        size_t n_messages;      /* complete messages */
        size_t n_requests;      /* of which requests */
        bool eof_terminates;    /* the post lost the final empty line of a complete last message */
        bool truncated;         /* the copy ends inside a message */
        size_t n_loose_lines;   /* lines outside any message (logged bodies, config lines) */
} cases[] = {
        { "android-phone-source-m1-m2reply-m3-request.txt",            3,  2, false, false, 0 },
        { "hisense-vidaa-tv-m1-m2.txt",                                2,  1, true,  false, 0 },
        { "lg-webos-tv-m3-reply-m4-m5.txt",                            3,  0, true,  false, 5 },
        { "lg-webos-tv-un8000pta-m1-m2-after-m3.txt",                  2,  1, false, true,  3 },
        { "microsoft-display-adapter-v1-m3-video-formats.txt",         0,  0, false, false, 1 },
        { "microsoft-windows10-sink-m3-exchange.txt",                  1,  1, false, true,  0 },
        { "microsoft-windows10-sink-m3-values-miraclecast-config.txt", 0,  0, false, false, 16 },
        { "microsoft-wireless-display-adapter-msft-wdd-m1-m2.txt",     4,  2, true,  false, 0 },
        { "samsung-tv-2014-sec-wdh-me29-full-session.txt",             36, 18, false, false, 0 },
        { "windows-widi-4.5.53-source-teardown-trigger-before-m2.txt", 3,  2, false, true,  0 },
        { "windows10-1703-source-m1-m2reply-m3-start.txt",             2,  1, false, true,  0 },
        { "windows10-2004-source-m1-m2reply-m3-start.txt",             2,  1, false, true,  0 },
        { "windows10-build10011-source-m1-m2reply-m3-request.txt",     2,  1, false, true,  0 },
        { "xiaomi-android5-source-m4-m5-m6.txt",                       2,  1, true,  false, 4 },
};

/* What the rebuilding step saw of one message, to compare with the parser's view. */
struct expected_msg {
        bool request;
        char method[32];        /* request method or "" */
        unsigned status;        /* response status or 0 */
        char cseq[16];
        size_t body_len;
};

struct stream {
        char *bytes;
        size_t len, size;
        struct expected_msg msgs[MAX_MSGS];
        size_t n_msgs;
        size_t n_loose;
        bool open;              /* ended inside a message */
        size_t complete_len;    /* bytes up to the end of the last complete message */
};

static const char *const rtsp_headers[] = {
        "CSeq", "Require", "User-Agent", "Public", "Date", "Server", "Content-Type", "Content-Length",
        "Session", "Transport", "Range",
};

static bool is_header_line(const char *l, size_t n)
{
        const char *colon = memchr(l, ':', n);
        if (!colon)
                return false;
        for (size_t i = 0; i < ARRAY_SIZE(rtsp_headers); i++)
                if ((size_t) (colon - l) == strlen(rtsp_headers[i]) && strncasecmp(l, rtsp_headers[i], colon - l) == 0)
                        return true;
        return false;
}

/* "RTSP/1.0 200 OK" or "METHOD uri RTSP/1.0" */
static bool is_start_line(const char *l, size_t n, struct expected_msg *ret)
{
        struct expected_msg m = {};

        if (n > 12 && strncmp(l, "RTSP/1.0 ", 9) == 0) {
                m.status = strtoul(l + 9, NULL, 10);
                if (m.status < 100 || m.status > 999)
                        return false;
                *ret = m;
                return true;
        }
        if (n < 11 || strncmp(l + n - 9, " RTSP/1.0", 9) != 0)
                return false;
        size_t k = strcspn(l, " ");
        if (k == 0 || k >= sizeof(m.method))
                return false;
        for (size_t i = 0; i < k; i++)
                if (!((l[i] >= 'A' && l[i] <= 'Z') || l[i] == '_'))
                        return false;
        memcpy(m.method, l, k);
        m.request = true;
        *ret = m;
        return true;
}

static void put(struct stream *s, const char *data, size_t n)
{
        if (s->len + n + 1 > s->size) {
                s->size = (s->len + n + 1) * 2;
                s->bytes = realloc(s->bytes, s->size);
                assert_non_null(s->bytes);
        }
        memcpy(s->bytes + s->len, data, n);
        s->len += n;
        s->bytes[s->len] = 0;
}

static void rebuild(const char *text, bool eof_terminates, struct stream *s)
{
        enum { OUTSIDE, HEADERS, BODY } state = OUTSIDE;
        struct expected_msg cur = {};
        size_t content_length = 0, have = 0;
        const char *p;

        *s = (struct stream) {};
        /* Skip the "# key: value" block and the empty line after it. */
        p = strstr(text, "\n\n");
        assert_non_null(p);
        p += 2;

        while (*p) {
                const char *eol = strchr(p, '\n');
                size_t n = eol ? (size_t) (eol - p) : strlen(p);
                const char *next = eol ? eol + 1 : p + n;
                bool again = false;

                if (n >= 1 && p[0] == '#' && (n == 1 || p[1] == ' ')) {
                        p = next; /* our annotation, not device data */
                        continue;
                }
                switch (state) {
                case OUTSIDE:
                        if (n > 0 && is_start_line(p, n, &cur)) {
                                put(s, p, n);
                                put(s, "\r\n", 2);
                                content_length = 0;
                                have = 0;
                                state = HEADERS;
                        } else if (n > 0)
                                s->n_loose++;
                        break;
                case HEADERS:
                        if (n > 0 && is_header_line(p, n)) {
                                put(s, p, n);
                                put(s, "\r\n", 2);
                                if (strncasecmp(p, "Content-Length:", 15) == 0)
                                        content_length = strtoul(p + 15, NULL, 10);
                                if (strncasecmp(p, "CSeq:", 5) == 0)
                                        snprintf(cur.cseq, sizeof(cur.cseq), "%.*s", (int) (n - 6), p + 6);
                                break;
                        }
                        /* An empty line, or the logger dropped it: the header block ends here. */
                        put(s, "\r\n", 2);
                        again = n > 0;
                        if (content_length > 0)
                                state = BODY;
                        else {
                                assert_true(s->n_msgs < MAX_MSGS);
                                s->msgs[s->n_msgs++] = cur;
                                s->complete_len = s->len;
                                state = OUTSIDE;
                        }
                        break;
                case BODY:
                        /* Bodies are CRLF text; a line must not run past Content-Length. */
                        assert_int_le(have + n + 2, content_length);
                        put(s, p, n);
                        put(s, "\r\n", 2);
                        have += n + 2;
                        if (have == content_length) {
                                cur.body_len = content_length;
                                assert_true(s->n_msgs < MAX_MSGS);
                                s->msgs[s->n_msgs++] = cur;
                                s->complete_len = s->len;
                                state = OUTSIDE;
                        }
                        break;
                }
                if (!again)
                        p = next;
        }

        if (state == HEADERS && eof_terminates && content_length == 0) {
                put(s, "\r\n", 2);
                s->msgs[s->n_msgs++] = cur;
                s->complete_len = s->len;
                state = OUTSIDE;
        }
        s->open = state != OUTSIDE;
}

static void check_message(const char *file, size_t i, const struct expected_msg *want, const struct rtsp_message *m)
{
        const char *cseq = rtsp_message_get_header(m, "CSeq");

        if (want->request != (m->type == RTSP_MESSAGE_REQUEST))
                test_fail(__FILE__, __LINE__, "%s message %zu: request/response mismatch", file, i);
        if (want->request && strcmp(want->method, m->method_name) != 0)
                test_fail(__FILE__, __LINE__, "%s message %zu: method %s != %s", file, i, m->method_name, want->method);
        if (!want->request && want->status != m->status)
                test_fail(__FILE__, __LINE__, "%s message %zu: status %u != %u", file, i, m->status, want->status);
        if (!cseq || strcmp(cseq, want->cseq) != 0)
                test_fail(__FILE__, __LINE__, "%s message %zu: CSeq %s != %s", file, i, cseq ? cseq : "(none)",
                          want->cseq);
        if (m->body_len != want->body_len)
                test_fail(__FILE__, __LINE__, "%s message %zu: body %zu != %zu", file, i, m->body_len, want->body_len);
        if (m->version_major != 1 || m->version_minor != 0)
                test_fail(__FILE__, __LINE__, "%s message %zu: version", file, i);
}

/* Feed s split at `split` (0 = one read, SIZE_MAX = byte by byte); returns messages parsed. */
static size_t parse_stream(const char *file, const struct stream *s, struct rtsp_parser *p, size_t split)
{
        struct rtsp_message m;
        size_t got = 0, pos = 0;
        int r;

        rtsp_parser_init(p);
        while (pos < s->len) {
                size_t n;
                if (split == SIZE_MAX)
                        n = 1;
                else if (split > 0 && pos < split)
                        n = split - pos;
                else
                        n = s->len - pos;
                n = rtsp_parser_feed(p, s->bytes + pos, n);
                assert_true(n > 0);
                pos += n;
                while ((r = rtsp_parser_next(p, &m)) == 0) {
                        if (got >= s->n_msgs)
                                test_fail(__FILE__, __LINE__, "%s: more messages than expected", file);
                        check_message(file, got, &s->msgs[got], &m);
                        got++;
                }
                if (r != -EAGAIN)
                        test_fail(__FILE__, __LINE__, "%s: parse error %d (%s) after %zu messages", file, r,
                                  rtsp_error_to_string(r), got);
        }
        /* What is left is exactly the truncated message, if any. */
        assert_int_eq(rtsp_parser_pending(p), s->len - s->complete_len);
        return got;
}

static char *read_capture(const char *file)
{
        char rel[256], *text = NULL;
        long n;

        snprintf(rel, sizeof(rel), "wfd-captures/%s", file);
        n = test_read_file(test_data_path(rel), &text);
        if (n < 0)
                test_fail(__FILE__, __LINE__, "cannot read %s: %s", test_data_path(rel), strerror((int) -n));
        return text;
}

TEST(captures_all_listed, "/captures/every file of the corpus has an expectation here") {
        const char *dir = test_data_path("wfd-captures");
        DIR *d = opendir(dir);
        struct dirent *e;
        size_t n = 0;

        if (!d)
                test_fail(__FILE__, __LINE__, "cannot open %s", dir);
        while ((e = readdir(d))) {
                size_t l = strlen(e->d_name);
                bool found = false;
                if (l < 4 || strcmp(e->d_name + l - 4, ".txt") != 0)
                        continue;
                for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
                        found |= strcmp(cases[i].file, e->d_name) == 0;
                if (!found) {
                        closedir(d);
                        test_fail(__FILE__, __LINE__, "capture %s has no entry in cases[]", e->d_name);
                }
                n++;
        }
        closedir(d);
        assert_int_eq(n, ARRAY_SIZE(cases));
}

TEST(captures_parse, "/captures/every message of every capture parses: one read, byte by byte, every split") {
        _cleanup_free_ struct rtsp_parser *p = malloc(sizeof(*p));
        size_t total = 0;

        assert_non_null(p);
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                const struct capture_case *c = &cases[i];
                _cleanup_free_ char *text = read_capture(c->file);
                struct stream s;
                size_t requests = 0;

                rebuild(text, c->eof_terminates, &s);
                if (s.n_msgs != c->n_messages || s.open != c->truncated || s.n_loose != c->n_loose_lines)
                        test_fail(__FILE__, __LINE__, "%s: %zu messages (want %zu), truncated %d (want %d), "
                                  "%zu loose lines (want %zu)", c->file, s.n_msgs, c->n_messages, s.open,
                                  c->truncated, s.n_loose, c->n_loose_lines);
                for (size_t k = 0; k < s.n_msgs; k++)
                        requests += s.msgs[k].request;
                assert_int_eq(requests, c->n_requests);

                assert_int_eq(parse_stream(c->file, &s, p, 0), s.n_msgs);
                assert_int_eq(parse_stream(c->file, &s, p, SIZE_MAX), s.n_msgs);
                for (size_t split = 1; split < s.len; split++)
                        assert_int_eq(parse_stream(c->file, &s, p, split), s.n_msgs);
                total += s.n_msgs;
                free(s.bytes);
        }
        assert_int_eq(total, 62);
}

/* The messages whose exact content tests/data/README.md describes. */
TEST(captures_details, "/captures/documented details: Samsung and LG M3 reply lengths, CSeq 0, UA, 7 M13s") {
        _cleanup_free_ struct rtsp_parser *p = malloc(sizeof(*p));
        struct rtsp_message m;
        struct stream s;
        size_t m13 = 0, idx = 0;
        char *text;

        assert_non_null(p);

        text = read_capture("samsung-tv-2014-sec-wdh-me29-full-session.txt");
        rebuild(text, false, &s);
        free(text);
        rtsp_parser_init(p);
        assert_int_eq(rtsp_parser_feed(p, s.bytes, s.len), s.len);
        while (rtsp_parser_next(p, &m) == 0) {
                if (idx == 2)
                        assert_str_eq(rtsp_message_get_header(&m, "user-agent"), "SEC-WDH/ME29");
                if (idx == 5) {
                        assert_int_eq(m.status, 200);
                        assert_int_eq(m.body_len, 1187);
                        assert_true(strncmp(m.body, "wfd_audio_codecs: LPCM 00000003 00", 34) == 0);
                }
                if (idx == 12) {
                        struct rtsp_transport t;
                        assert_int_eq(m.method, RTSP_METHOD_SETUP);
                        assert_str_eq(m.uri, "rtsp://localhost/wfd1.0");
                        assert_int_eq(rtsp_transport_parse(rtsp_message_get_header(&m, "Transport"), &t), 0);
                        assert_int_eq(t.client_port[0], 19000);
                }
                if (idx == 13) {
                        char id[32];
                        unsigned timeout;
                        assert_int_eq(rtsp_message_get_session(&m, id, sizeof(id), &timeout), 0);
                        assert_str_eq(id, "VaMkltjy");
                        assert_int_eq(timeout, 60);
                }
                if (m.type == RTSP_MESSAGE_REQUEST && m.body_len == 17 && strcmp(m.body, "wfd_idr_request\r\n") == 0)
                        m13++;
                idx++;
        }
        assert_int_eq(m13, 7);
        free(s.bytes);

        text = read_capture("lg-webos-tv-m3-reply-m4-m5.txt");
        rebuild(text, true, &s);
        free(text);
        rtsp_parser_init(p);
        assert_int_eq(rtsp_parser_feed(p, s.bytes, s.len), s.len);
        assert_int_eq(rtsp_parser_next(p, &m), 0);
        assert_int_eq(m.body_len, 259);
        assert_true(strstr(m.body, "wfd_client_rtp_ports: RTP/AVP/UDP;unicast 53000 0 mode=play\r\n") != NULL);
        free(s.bytes);

        text = read_capture("lg-webos-tv-un8000pta-m1-m2-after-m3.txt");
        rebuild(text, false, &s);
        free(text);
        rtsp_parser_init(p);
        assert_int_eq(rtsp_parser_feed(p, s.bytes, s.len), s.len);
        assert_int_eq(rtsp_parser_next(p, &m), 0);
        assert_int_eq(rtsp_parser_next(p, &m), 0);
        {
                uint32_t cseq = 99;
                assert_int_eq(m.method, RTSP_METHOD_OPTIONS);
                assert_int_eq(rtsp_message_get_cseq(&m, &cseq), 0);
                assert_int_eq(cseq, 0);
        }
        assert_int_eq(rtsp_parser_next(p, &m), -EAGAIN);
        free(s.bytes);

        text = read_capture("microsoft-wireless-display-adapter-msft-wdd-m1-m2.txt");
        rebuild(text, true, &s);
        free(text);
        rtsp_parser_init(p);
        assert_int_eq(rtsp_parser_feed(p, s.bytes, s.len), s.len);
        assert_int_eq(rtsp_parser_next(p, &m), 0);
        assert_int_eq(rtsp_parser_next(p, &m), 0);
        assert_str_eq(rtsp_message_get_header(&m, "Date"), "Thu Jan  1 01:31:56 1970");
        assert_true(rtsp_list_contains(rtsp_message_get_header(&m, "Public"), "org.wfa.wfd1.0"));
        assert_int_eq(rtsp_parser_next(p, &m), 0);
        assert_str_eq(rtsp_message_get_header(&m, "User-Agent"), "MSFT-WDD");
        free(s.bytes);

        text = read_capture("xiaomi-android5-source-m4-m5-m6.txt");
        rebuild(text, true, &s);
        free(text);
        rtsp_parser_init(p);
        assert_int_eq(rtsp_parser_feed(p, s.bytes, s.len), s.len);
        assert_int_eq(rtsp_parser_next(p, &m), 0);
        assert_str_eq(m.body, "wfd_trigger_method: SETUP\r\n");
        assert_int_eq(rtsp_parser_next(p, &m), 0);
        {
                struct rtsp_transport t;
                assert_int_eq(rtsp_transport_parse(rtsp_message_get_header(&m, "Transport"), &t), 0);
                assert_true(t.has_server_port);
                assert_false(t.server_port_range); /* a single server_port */
                assert_int_eq(t.server_port[0], 49252);
        }
        free(s.bytes);
}
