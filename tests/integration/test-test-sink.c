/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The C test sink (build/miracast-test-sink) against a scripted source: this
 * file plays the source side of M1-M16 over a real TCP socket with the
 * project's RTSP codec and streams real RTP/MP2T H.264 from the ffmpeg CLI
 * (testsrc, libx264, rtp_mpegts muxer). It checks that the sink negotiates,
 * decodes, asks for IDRs, answers keep-alives, tears down, writes a PNG and
 * reports failures (device quirks, bad M4) with a non-zero exit.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../protocol/rtsp.h"
#include "../lib/test.h"

extern char **environ;

#define IO_TIMEOUT_MS 15000

static struct {
        int listen_fd, fd, out_fd;
        pid_t sink_pid, ffmpeg_pid;
        struct rtsp_parser parser;
        uint32_t cseq;
        unsigned rtp_port;
} src = { -1, -1, -1, 0, 0 };

static void src_cleanup(void)
{
        if (src.ffmpeg_pid > 0) {
                kill(src.ffmpeg_pid, SIGKILL);
                waitpid(src.ffmpeg_pid, NULL, 0);
        }
        if (src.sink_pid > 0) {
                kill(src.sink_pid, SIGKILL);
                waitpid(src.sink_pid, NULL, 0);
        }
        src.ffmpeg_pid = src.sink_pid = 0;
        if (src.fd >= 0)
                close(src.fd);
        if (src.listen_fd >= 0)
                close(src.listen_fd);
        if (src.out_fd >= 0)
                close(src.out_fd);
        src.fd = src.listen_fd = src.out_fd = -1;
}

static const char *sink_binary(void)
{
        static char path[4096];
        const char *b = getenv("MIRACAST_BUILD");

        snprintf(path, sizeof(path), "%s/miracast-test-sink", b ? b : "build");
        return path;
}

/* Listen on 127.0.0.1:0, start the sink with args, accept its connection. */
static void src_start(const char *const *args)
{
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t sl = sizeof(sa);
        char connect_arg[64];
        const char *argv[32];
        posix_spawn_file_actions_t fa;
        struct pollfd pfd;
        int pipefd[2], n = 0;

        src_cleanup();
        rtsp_parser_init(&src.parser);
        src.cseq = 1;

        src.listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_int_ge(src.listen_fd, 0);
        assert_int_eq(bind(src.listen_fd, (struct sockaddr *) &sa, sizeof(sa)), 0);
        assert_int_eq(listen(src.listen_fd, 1), 0);
        assert_int_eq(getsockname(src.listen_fd, (struct sockaddr *) &sa, &sl), 0);
        snprintf(connect_arg, sizeof(connect_arg), "127.0.0.1:%u", ntohs(sa.sin_port));

        argv[n++] = sink_binary();
        argv[n++] = "--connect";
        argv[n++] = connect_arg;
        argv[n++] = "--timeout";
        argv[n++] = "20";
        for (; *args && n < 30; args++)
                argv[n++] = *args;
        argv[n] = NULL;

        assert_int_eq(pipe2(pipefd, O_CLOEXEC), 0);
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
        assert_int_eq(posix_spawn(&src.sink_pid, argv[0], &fa, NULL, (char **) argv, environ), 0);
        posix_spawn_file_actions_destroy(&fa);
        close(pipefd[1]);
        src.out_fd = pipefd[0];

        pfd = (struct pollfd) { .fd = src.listen_fd, .events = POLLIN };
        assert_int_eq(poll(&pfd, 1, IO_TIMEOUT_MS), 1);
        src.fd = accept4(src.listen_fd, NULL, NULL, SOCK_CLOEXEC);
        assert_int_ge(src.fd, 0);
}

static void src_send(const char *buf, size_t len)
{
        assert_int_eq(send(src.fd, buf, len, MSG_NOSIGNAL), (ssize_t) len);
}

/* Send a request with optional extra header and text/parameters body; returns its CSeq. */
static uint32_t src_request(const char *method, const char *uri, const char *hname, const char *hvalue,
                            const char *body)
{
        char buf[4096];
        struct rtsp_builder b;
        ssize_t n;

        rtsp_builder_init(&b, buf, sizeof(buf));
        rtsp_builder_request_line(&b, method, uri);
        rtsp_builder_cseq(&b, src.cseq);
        if (hname)
                rtsp_builder_header(&b, hname, hvalue);
        n = rtsp_builder_finish(&b, body ? "text/parameters" : NULL, body, body ? strlen(body) : 0);
        assert_int_ge(n, 0);
        src_send(buf, (size_t) n);
        return src.cseq++;
}

static void src_reply(const struct rtsp_message *req, unsigned status, const char *h1, const char *v1,
                      const char *h2, const char *v2)
{
        char buf[4096];
        struct rtsp_builder b;
        uint32_t cseq;
        ssize_t n;

        assert_int_eq(rtsp_message_get_cseq(req, &cseq), 0);
        rtsp_builder_init(&b, buf, sizeof(buf));
        rtsp_builder_status_line(&b, status, NULL);
        rtsp_builder_cseq(&b, cseq);
        if (h1)
                rtsp_builder_header(&b, h1, v1);
        if (h2)
                rtsp_builder_header(&b, h2, v2);
        n = rtsp_builder_finish(&b, NULL, NULL, 0);
        assert_int_ge(n, 0);
        src_send(buf, (size_t) n);
}

/* Next message from the sink; returns 0, or -ECONNRESET when the sink closed the connection. */
static int src_read(struct rtsp_message *ret)
{
        for (;;) {
                struct pollfd pfd = { .fd = src.fd, .events = POLLIN };
                char buf[4096];
                ssize_t n;
                int r;

                r = rtsp_parser_next(&src.parser, ret);
                if (r == 0)
                        return 0;
                assert_int_eq(r, -EAGAIN);
                assert_int_eq(poll(&pfd, 1, IO_TIMEOUT_MS), 1);
                n = recv(src.fd, buf, sizeof(buf), 0);
                if (n <= 0)
                        return -ECONNRESET;
                assert_int_eq(rtsp_parser_feed(&src.parser, buf, (size_t) n), (size_t) n);
        }
}

static void expect_reply(uint32_t cseq, unsigned status, struct rtsp_message *ret)
{
        uint32_t c;

        assert_int_eq(src_read(ret), 0);
        assert_int_eq(ret->type, RTSP_MESSAGE_RESPONSE);
        assert_int_eq(rtsp_message_get_cseq(ret, &c), 0);
        assert_int_eq(c, cseq);
        assert_int_eq(ret->status, status);
}

static void expect_request(enum rtsp_method method, struct rtsp_message *ret)
{
        assert_int_eq(src_read(ret), 0);
        assert_int_eq(ret->type, RTSP_MESSAGE_REQUEST);
        assert_str_eq(ret->method_name, rtsp_method_to_string(method));
}

/* Wait for the sink to exit; returns its exit status and its SINK line in line. */
static int src_wait_sink(char *line, size_t size)
{
        size_t len = 0;
        int status;

        line[0] = '\0';
        for (;;) {
                struct pollfd pfd = { .fd = src.out_fd, .events = POLLIN };
                ssize_t n;

                assert_int_eq(poll(&pfd, 1, IO_TIMEOUT_MS), 1);
                n = read(src.out_fd, line + len, size - 1 - len);
                if (n <= 0)
                        break;
                len += (size_t) n;
                line[len] = '\0';
                assert_true(len < size - 1);
        }
        assert_int_eq(waitpid(src.sink_pid, &status, 0), src.sink_pid);
        src.sink_pid = 0;
        fprintf(stderr, "sink said: %s", line);
        assert_true(WIFEXITED(status));
        return WEXITSTATUS(status);
}

/* Value of key=VALUE in the SINK line as a number, -1 when absent. */
static long long field(const char *line, const char *key)
{
        char pat[64];
        const char *p;

        snprintf(pat, sizeof(pat), " %s=", key);
        p = strstr(line, pat);
        return p ? strtoll(p + strlen(pat), NULL, 10) : -1;
}

static bool has(const char *line, const char *token)
{
        return strstr(line, token) != NULL;
}

/* M1/M2 both ways: our M1, the sink's reply and its M2 (any order), our M2 reply. */
static void src_options(bool answer_m2)
{
        struct rtsp_message m;
        uint32_t m1 = src_request("OPTIONS", "*", "Require", "org.wfa.wfd1.0", NULL);
        bool got_reply = false, got_m2 = false;

        while (!got_reply || !got_m2) {
                uint32_t c;

                assert_int_eq(src_read(&m), 0);
                if (m.type == RTSP_MESSAGE_RESPONSE) {
                        assert_int_eq(rtsp_message_get_cseq(&m, &c), 0);
                        assert_int_eq(c, m1);
                        assert_int_eq(m.status, 200);
                        assert_true(rtsp_list_contains(rtsp_message_get_header(&m, "Public"), "org.wfa.wfd1.0"));
                        got_reply = true;
                } else {
                        assert_int_eq(m.method, RTSP_METHOD_OPTIONS);
                        assert_true(rtsp_list_contains(rtsp_message_get_header(&m, "Require"), "org.wfa.wfd1.0"));
                        if (answer_m2)
                                src_reply(&m, 200, "Public",
                                          "org.wfa.wfd1.0, SETUP, TEARDOWN, PLAY, PAUSE, GET_PARAMETER, SET_PARAMETER",
                                          NULL, NULL);
                        got_m2 = true;
                }
        }
}

/* M3: returns the sink's RTP port from wfd_client_rtp_ports. */
static unsigned src_m3(void)
{
        struct rtsp_message m;
        uint32_t c = src_request("GET_PARAMETER", "rtsp://localhost/wfd1.0", NULL, NULL,
                                 "wfd_video_formats\r\nwfd_audio_codecs\r\nwfd_client_rtp_ports\r\n"
                                 "wfd_idr_request_capability\r\nintel_unknown_thing\r\n");
        const char *p;
        unsigned port = 0;

        expect_reply(c, 200, &m);
        assert_true(strstr(m.body, "wfd_video_formats: ") != NULL);
        assert_true(strstr(m.body, "intel_unknown_thing") == NULL);
        p = strstr(m.body, "wfd_client_rtp_ports: RTP/AVP/UDP;unicast ");
        assert_non_null(p);
        assert_int_eq(sscanf(p, "wfd_client_rtp_ports: RTP/AVP/UDP;unicast %u 0 mode=play", &port), 1);
        assert_true(port > 0);
        return port;
}

static void src_m4(const char *video, unsigned expect_status)
{
        char body[1024];
        struct rtsp_message m;
        uint32_t c;

        snprintf(body, sizeof(body),
                 "wfd_video_formats: %s\r\nwfd_audio_codecs: LPCM 00000002 00\r\n"
                 "wfd_presentation_URL: rtsp://127.0.0.1/wfd1.0/streamid=0 none\r\n"
                 "wfd_client_rtp_ports: RTP/AVP/UDP;unicast %u 0 mode=play\r\n",
                 video, src.rtp_port);
        c = src_request("SET_PARAMETER", "rtsp://localhost/wfd1.0", NULL, NULL, body);
        expect_reply(c, expect_status, &m);
}

#define VGA "00 00 01 01 00000001 00000000 00000000 00 0000 0000 00 none none"

/* Everything up to the PLAY reply with M4 naming video; returns with the sink playing. */
static void src_negotiate_to_play_video(const char *video)
{
        struct rtsp_message m;
        struct rtsp_transport tr;
        char transport[128];
        uint32_t c;

        src_options(true);
        src.rtp_port = src_m3();
        src_m4(video, 200);
        c = src_request("SET_PARAMETER", "rtsp://localhost/wfd1.0", NULL, NULL, "wfd_trigger_method: SETUP\r\n");
        expect_reply(c, 200, &m);

        expect_request(RTSP_METHOD_SETUP, &m);
        assert_str_eq(m.uri, "rtsp://127.0.0.1/wfd1.0/streamid=0");
        assert_int_eq(rtsp_transport_parse(rtsp_message_get_header(&m, "Transport"), &tr), 0);
        assert_true(tr.has_client_port);
        assert_int_eq(tr.client_port[0], src.rtp_port);
        snprintf(transport, sizeof(transport), "RTP/AVP/UDP;unicast;client_port=%u;server_port=16384-16385",
                 src.rtp_port);
        src_reply(&m, 200, "Session", "6B8B4567;timeout=30", "Transport", transport);

        expect_request(RTSP_METHOD_PLAY, &m);
        assert_str_eq(rtsp_message_get_header(&m, "Session"), "6B8B4567");
        src_reply(&m, 200, "Session", "6B8B4567;timeout=30", "Range", "npt=now-");
}

static void src_negotiate_to_play(void)
{
        src_negotiate_to_play_video(VGA);
}

/* Real H.264 in MPEG-TS over RTP (PT 33) from the ffmpeg CLI, for seconds s, with profile and B frames. */
static void src_start_ffmpeg_with(unsigned seconds, const char *profile, const char *bframes)
{
        char url[64], dur[16];
        const char *argv[] = {
                "ffmpeg", "-nostdin", "-loglevel", "error", "-re", "-f", "lavfi", "-i",
                "testsrc=size=640x480:rate=30", "-t", dur, "-c:v", "libx264", "-profile:v", profile,
                "-preset", "veryfast", "-pix_fmt", "yuv420p", "-g", "15", "-bf", bframes,
                "-f", "rtp_mpegts", url, NULL,
        };

        snprintf(url, sizeof(url), "rtp://127.0.0.1:%u", src.rtp_port);
        snprintf(dur, sizeof(dur), "%u", seconds);
        assert_int_eq(posix_spawnp(&src.ffmpeg_pid, "ffmpeg", NULL, NULL, (char **) argv, environ), 0);
}

static void src_start_ffmpeg(unsigned seconds)
{
        src_start_ffmpeg_with(seconds, "baseline", "0");
}

TEST(sink_full_session, "/sink/full session: negotiates, decodes 640x480, M13, M16, TEARDOWN, PNG")
{
        char png[64];
        /* per process: other checkouts may run this test at the same time */
        snprintf(png, sizeof(png), "/tmp/miracast-test-sink-test-%d.png", (int) getpid());
        const char *args[] = { "--profile", "vga", "--frames", "30", "--idr-after", "10", "--png", png,
                               "--expect-mode", "640x480p60", "--duration", "30", NULL };
        struct rtsp_message m;
        char line[4096], magic[8] = "";
        bool m16_done = false;
        uint32_t m16 = 0;
        FILE *f;

        unlink(png);
        src_start(args);
        src_negotiate_to_play();
        src_start_ffmpeg(20);

        /* Keep-alive right away; then serve the sink until it tears down. */
        m16 = src_request("GET_PARAMETER", "rtsp://localhost/wfd1.0", "Session", "6B8B4567", NULL);
        for (;;) {
                uint32_t c;

                assert_int_eq(src_read(&m), 0);
                if (m.type == RTSP_MESSAGE_RESPONSE) {
                        assert_int_eq(rtsp_message_get_cseq(&m, &c), 0);
                        assert_int_eq(c, m16);
                        assert_int_eq(m.status, 200);
                        m16_done = true;
                        continue;
                }
                if (m.method == RTSP_METHOD_SET_PARAMETER) {
                        assert_true(strstr(m.body, "wfd_idr_request") != NULL);
                        src_reply(&m, 200, "Session", "6B8B4567", NULL, NULL);
                        continue;
                }
                assert_int_eq(m.method, RTSP_METHOD_TEARDOWN);
                src_reply(&m, 200, "Session", "6B8B4567", NULL, NULL);
                break;
        }
        assert_true(m16_done);

        assert_int_eq(src_wait_sink(line, sizeof(line)), 0);
        assert_true(has(line, "SINK result=ok "));
        assert_true(has(line, " mode=640x480p60 "));
        assert_true(has(line, " codec=h264 "));
        assert_true(has(line, " width=640 height=480 "));
        assert_true(has(line, " profile=CBP level=3.1 "));
        assert_int_ge(field(line, "frames"), 30);
        assert_int_ge(field(line, "keyframes"), 1);
        assert_int_eq(field(line, "idr_requests"), 1);
        assert_int_ge(field(line, "idr_keyframes"), 1);
        assert_int_eq(field(line, "keepalives"), 1);
        assert_int_eq(field(line, "rtp_bad"), 0);
        assert_int_ge(field(line, "mean_luma"), 40);     /* testsrc is colourful, not black */
        assert_true(has(line, " end=frames"));

        f = fopen(png, "re");
        assert_non_null(f);
        assert_int_eq(fread(magic, 1, 8, f), 8);
        fclose(f);
        assert_mem_eq(magic, "\x89PNG\r\n\x1a\n", 8);
        unlink(png);
        src_cleanup();
}

TEST(sink_source_teardown, "/sink/M5 TEARDOWN trigger: sink sends TEARDOWN and exits 0")
{
        const char *args[] = { "--profile", "generic", "--duration", "0", "--min-frames", "5", NULL };
        struct rtsp_message m;
        char line[4096];
        uint32_t c;

        src_start(args);
        src_negotiate_to_play();
        src_start_ffmpeg(3);
        /* Let the sink decode something; ffmpeg -re runs 3 s. */
        waitpid(src.ffmpeg_pid, NULL, 0);
        src.ffmpeg_pid = 0;

        c = src_request("SET_PARAMETER", "rtsp://localhost/wfd1.0", "Session", "6B8B4567",
                        "wfd_trigger_method: TEARDOWN\r\n");
        expect_reply(c, 200, &m);
        expect_request(RTSP_METHOD_TEARDOWN, &m);
        src_reply(&m, 200, "Session", "6B8B4567", NULL, NULL);

        assert_int_eq(src_wait_sink(line, sizeof(line)), 0);
        assert_true(has(line, "SINK result=ok "));
        assert_true(has(line, " end=source-teardown"));
        assert_int_ge(field(line, "frames"), 5);
        src_cleanup();
}

TEST(sink_dongle_m3_before_m2, "/sink/dongle profile drops TCP when M3 precedes the M2 reply")
{
        const char *args[] = { "--profile", "dongle", NULL };
        struct rtsp_message m;
        char line[4096];

        src_start(args);
        src_options(false);             /* leave the sink's M2 unanswered */
        (void) src_request("GET_PARAMETER", "rtsp://localhost/wfd1.0", NULL, NULL, "wfd_video_formats\r\n");
        assert_int_eq(src_read(&m), -ECONNRESET);

        assert_int_eq(src_wait_sink(line, sizeof(line)), 1);
        assert_true(has(line, "SINK result=fail "));
        assert_true(has(line, "M3_arrived_before"));
        src_cleanup();
}

TEST(sink_bad_m4, "/sink/M4 naming two resolutions gets 303 and fails the sink")
{
        const char *args[] = { "--profile", "vga", NULL };
        char line[4096];

        src_start(args);
        src_options(true);
        src.rtp_port = src_m3();
        src_m4("00 00 01 01 00000003 00000000 00000000 00 0000 0000 00 none none", 303);

        assert_int_eq(src_wait_sink(line, sizeof(line)), 1);
        assert_true(has(line, "SINK result=fail "));
        assert_true(has(line, "wfd_video_formats"));
        src_cleanup();
}

TEST(sink_usage, "/sink/bad usage exits 2 with a message")
{
        const char *argv[] = { sink_binary(), "--profile", "nosuch", "--connect", "127.0.0.1:1", NULL };
        pid_t pid;
        int status;

        assert_int_eq(posix_spawn(&pid, argv[0], NULL, NULL, (char **) argv, environ), 0);
        assert_int_eq(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_eq(WEXITSTATUS(status), 2);
}

TEST(sink_sigterm, "/sink/SIGTERM while playing sends TEARDOWN (M8) and exits 0 after the reply")
{
        const char *args[] = { "--profile", "vga", "--duration", "0", NULL };
        struct rtsp_message m;
        char line[4096];

        src_start(args);
        src_negotiate_to_play();
        src_start_ffmpeg(3);
        waitpid(src.ffmpeg_pid, NULL, 0);
        src.ffmpeg_pid = 0;

        assert_int_eq(kill(src.sink_pid, SIGTERM), 0);
        expect_request(RTSP_METHOD_TEARDOWN, &m);
        assert_str_eq(rtsp_message_get_header(&m, "Session"), "6B8B4567");
        src_reply(&m, 200, "Session", "6B8B4567", NULL, NULL);

        assert_int_eq(src_wait_sink(line, sizeof(line)), 0);
        assert_true(has(line, "SINK result=ok "));
        assert_true(has(line, " end=signal"));
        src_cleanup();
}

TEST(sink_teardown_unanswered, "/sink/a source that closes the connection instead of answering SETUP fails the sink")
{
        const char *args[] = { "--profile", "vga", NULL };
        struct rtsp_message m;
        char line[4096];
        uint32_t c;

        src_start(args);
        src_options(true);
        src.rtp_port = src_m3();
        src_m4(VGA, 200);
        c = src_request("SET_PARAMETER", "rtsp://localhost/wfd1.0", NULL, NULL, "wfd_trigger_method: SETUP\r\n");
        expect_reply(c, 200, &m);
        expect_request(RTSP_METHOD_SETUP, &m);
        /* Source dies without answering SETUP. */
        close(src.fd);
        src.fd = -1;

        assert_int_eq(src_wait_sink(line, sizeof(line)), 1);
        assert_true(has(line, "SINK result=fail "));
        assert_true(has(line, "source_closed_the_RTSP_connection_in_state_setup-sent"));
        src_cleanup();
}

TEST(sink_bframes, "/sink/B pictures in a CHP stream fail the sink (WFD allows none)")
{
        const char *args[] = { "--profile", "generic", "--frames", "20", "--duration", "30", NULL };
        struct rtsp_message m;
        char line[4096];

        src_start(args);
        src_negotiate_to_play_video("00 00 02 10 00000001 00000000 00000000 00 0000 0000 00 none none");
        src_start_ffmpeg_with(10, "high", "2");
        expect_request(RTSP_METHOD_TEARDOWN, &m);
        src_reply(&m, 200, "Session", "6B8B4567", NULL, NULL);

        assert_int_eq(src_wait_sink(line, sizeof(line)), 1);
        assert_true(has(line, "SINK result=fail "));
        assert_true(has(line, " profile=CHP level=4.2 "));
        assert_int_ge(field(line, "bframes"), 1);
        assert_true(has(line, "B_pictures"));
        src_cleanup();
}

TEST(sink_profile_mismatch, "/sink/a High-profile stream after M4 chose CBP fails the sink")
{
        const char *args[] = { "--profile", "vga", "--frames", "10", "--duration", "30", NULL };
        struct rtsp_message m;
        char line[4096];

        src_start(args);
        src_negotiate_to_play();
        src_start_ffmpeg_with(10, "high", "0");
        expect_request(RTSP_METHOD_TEARDOWN, &m);
        src_reply(&m, 200, "Session", "6B8B4567", NULL, NULL);

        assert_int_eq(src_wait_sink(line, sizeof(line)), 1);
        assert_true(has(line, "M4_chose_CBP_but_the_stream_is_H.264_High"));
        src_cleanup();
}

TEST(sink_wfd_ts, "/sink/--expect-wfd-ts rejects a TS with FFmpeg's default PIDs")
{
        const char *args[] = { "--profile", "vga", "--frames", "10", "--duration", "30", "--expect-wfd-ts", NULL };
        struct rtsp_message m;
        char line[4096];

        src_start(args);
        src_negotiate_to_play();
        src_start_ffmpeg(10);
        expect_request(RTSP_METHOD_TEARDOWN, &m);
        src_reply(&m, 200, "Session", "6B8B4567", NULL, NULL);

        assert_int_eq(src_wait_sink(line, sizeof(line)), 1);
        assert_true(has(line, "reason=TS_layout_PMT_0x1000_PCR_0x0100_video_0x0100"));
        assert_true(has(line, " pids=0x1000/0x100/0x100/"));
        src_cleanup();
}

TEST(sink_expect_audio, "/sink/--expect-audio fails when M4 chose LPCM and no audio arrives")
{
        const char *args[] = { "--profile", "vga", "--frames", "10", "--duration", "30", "--expect-audio", NULL };
        struct rtsp_message m;
        char line[4096];

        src_start(args);
        src_negotiate_to_play();        /* M4: LPCM 00000002 00 */
        src_start_ffmpeg(10);           /* video only */
        expect_request(RTSP_METHOD_TEARDOWN, &m);
        src_reply(&m, 200, "Session", "6B8B4567", NULL, NULL);

        assert_int_eq(src_wait_sink(line, sizeof(line)), 1);
        assert_true(has(line, " m4_audio=LPCM audio=none "));
        assert_true(has(line, "reason=M4_chose_LPCM_audio_but_the_stream_carries_none"));
        src_cleanup();
}
