/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The source state machine (protocol/source_session) against the real C test
 * sink (build/miracast-test-sink) over a real TCP connection on 127.0.0.1.
 * This file is a minimal event loop doing what daemon/session.c does with the
 * actions: write SEND bytes, arm the timer, and on MEDIA_START stream real
 * H.264 in MPEG-TS over RTP to the sink's client_port with the ffmpeg CLI at
 * the negotiated size and rate. The sink checks what it decodes against the
 * M4 it got, so a pass means both sides agreed on M1-M8 and on the format.
 * No timing is asserted; the deadlines only stop a hung run.
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../protocol/macro.h"
#include "../../protocol/source_session.h"
#include "../lib/test.h"

extern char **environ;

#define RUN_TIMEOUT_USEC (60 * 1000000ULL)

struct run {
        int listen_fd, fd, out_fd;
        pid_t sink_pid, ffmpeg_pid;
        struct source_session *s;
        uint64_t timer;
        bool ended, playing, stop_sent, stop_on_play;
        enum source_session_end_reason reason;
        char end_text[256];
        char mode[32];
        unsigned media_starts;
        char sink_line[2048];
};

static uint64_t now_usec(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + ts.tv_nsec / 1000;
}

static void run_cleanup(struct run *r)
{
        if (r->ffmpeg_pid > 0) {
                kill(r->ffmpeg_pid, SIGKILL);
                waitpid(r->ffmpeg_pid, NULL, 0);
        }
        if (r->sink_pid > 0) {
                kill(r->sink_pid, SIGKILL);
                waitpid(r->sink_pid, NULL, 0);
        }
        r->ffmpeg_pid = r->sink_pid = 0;
        if (r->fd >= 0)
                close(r->fd);
        if (r->listen_fd >= 0)
                close(r->listen_fd);
        if (r->out_fd >= 0)
                close(r->out_fd);
        r->fd = r->listen_fd = r->out_fd = -1;
        r->s = source_session_free(r->s);
}

static const char *sink_binary(void)
{
        static char path[4096];
        const char *b = getenv("MIRACAST_BUILD");

        snprintf(path, sizeof(path), "%s/miracast-test-sink", b ? b : "build");
        return path;
}

static void start_ffmpeg(struct run *r, const struct source_session_media *m)
{
        char src[128], url[128];
        const char *argv[] = {
                "ffmpeg", "-nostdin", "-loglevel", "error", "-re", "-f", "lavfi", "-i", src,
                "-t", "4", "-c:v", "libx264", "-profile:v", "baseline", "-preset", "ultrafast",
                "-tune", "zerolatency", "-pix_fmt", "yuv420p", "-g", "10", "-bf", "0",
                "-f", "rtp_mpegts", url, NULL,
        };

        snprintf(src, sizeof(src), "testsrc=size=%ux%u:rate=%u", m->format.width, m->format.height, m->format.fps);
        /* ffmpeg picks its own source port: binding server_rtp_port (and +1 for RTCP) races with
         * everything else on the machine, and the sink does not check the source port. */
        snprintf(url, sizeof(url), "rtp://%s:%u", m->peer_address, m->peer_rtp_port);
        assert_int_eq(posix_spawnp(&r->ffmpeg_pid, "ffmpeg", NULL, NULL, (char **) argv, environ), 0);
}

static void carry_out(struct run *r, int ret, const struct source_session_actions *a)
{
        if (ret == -ESHUTDOWN)
                return;
        assert_int_eq(ret, 0);
        for (size_t i = 0; i < a->n; i++) {
                const struct source_session_action *x = &a->items[i];
                switch (x->type) {
                case SOURCE_SESSION_ACTION_SEND: {
                        size_t off = 0;
                        while (off < x->send.len) {
                                ssize_t n = write(r->fd, x->send.data + off, x->send.len - off);
                                if (n < 0 && errno == EINTR)
                                        continue;
                                if (n <= 0)
                                        break; /* the sink went away; the read side will tell */
                                off += n;
                        }
                        break;
                }
                case SOURCE_SESSION_ACTION_MEDIA_START:
                        r->media_starts++;
                        snprintf(r->mode, sizeof(r->mode), "%ux%up%u", x->media->format.width,
                                 x->media->format.height, x->media->format.fps);
                        start_ffmpeg(r, x->media);
                        break;
                case SOURCE_SESSION_ACTION_MEDIA_STOP:
                        if (r->ffmpeg_pid > 0) {
                                kill(r->ffmpeg_pid, SIGTERM);
                                waitpid(r->ffmpeg_pid, NULL, 0);
                                r->ffmpeg_pid = 0;
                        }
                        break;
                case SOURCE_SESSION_ACTION_TIMER:
                        r->timer = x->timer_usec;
                        break;
                case SOURCE_SESSION_ACTION_STATE_CHANGED:
                        r->playing = x->state == SOURCE_SESSION_STATE_PLAYING;
                        break;
                case SOURCE_SESSION_ACTION_LOG:
                        if (getenv("MIRACAST_TEST_VERBOSE"))
                                fprintf(stderr, "fsm: %s\n", x->log.text);
                        break;
                case SOURCE_SESSION_ACTION_ENDED:
                        r->ended = true;
                        r->reason = x->ended.reason;
                        snprintf(r->end_text, sizeof(r->end_text), "%s", x->ended.text);
                        break;
                default:
                        break;
                }
        }
}

/* Run one session with the sink started with extra args; the sink's stdout line lands in r->sink_line. */
static void run_session(struct run *r, const char *const *sink_args, bool stop_on_play)
{
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t sl = sizeof(sa);
        struct source_session_config cfg = {
                .session_id = "1A2B3C4D",
                .local_address = "127.0.0.1",
                .peer_address = "127.0.0.1",
                .server_rtp_port = 40000,       /* announced only; see start_ffmpeg() */
                .limits = { .encoder_supports_chp = false },
        };
        struct source_session_actions a;
        posix_spawn_file_actions_t fa;
        const char *argv[32];
        char connect_arg[64];
        int pipefd[2], n = 0, one = 1;
        uint64_t deadline = now_usec() + RUN_TIMEOUT_USEC;
        char buf[4096];
        size_t line_len = 0;

        *r = (struct run) { .listen_fd = -1, .fd = -1, .out_fd = -1, .stop_on_play = stop_on_play };
        r->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_int_ge(r->listen_fd, 0);
        (void) setsockopt(r->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        assert_int_eq(bind(r->listen_fd, (struct sockaddr *) &sa, sizeof(sa)), 0);
        assert_int_eq(listen(r->listen_fd, 1), 0);
        assert_int_eq(getsockname(r->listen_fd, (struct sockaddr *) &sa, &sl), 0);
        snprintf(connect_arg, sizeof(connect_arg), "127.0.0.1:%u", ntohs(sa.sin_port));

        argv[n++] = sink_binary();
        argv[n++] = "--connect";
        argv[n++] = connect_arg;
        for (size_t i = 0; sink_args[i]; i++)
                argv[n++] = sink_args[i];
        argv[n] = NULL;
        assert_int_eq(pipe2(pipefd, O_CLOEXEC), 0);
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
        assert_int_eq(posix_spawn(&r->sink_pid, argv[0], &fa, NULL, (char **) argv, environ), 0);
        posix_spawn_file_actions_destroy(&fa);
        close(pipefd[1]);
        r->out_fd = pipefd[0];

        {
                struct pollfd p = { .fd = r->listen_fd, .events = POLLIN };
                assert_int_eq(poll(&p, 1, 20000), 1);
        }
        r->fd = accept4(r->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        assert_int_ge(r->fd, 0);

        assert_int_eq(source_session_new(&cfg, &r->s), 0);
        carry_out(r, source_session_start(r->s, now_usec(), &a), &a);

        while (!r->ended) {
                uint64_t now = now_usec();
                int timeout_ms = 200;
                struct pollfd p = { .fd = r->fd, .events = POLLIN };

                if (now > deadline)
                        test_fail(__FILE__, __LINE__, "session did not end in time");
                if (r->timer && r->timer <= now) {
                        r->timer = 0;
                        carry_out(r, source_session_timer(r->s, now, &a), &a);
                        continue;
                }
                if (r->timer)
                        timeout_ms = (int) MIN((r->timer - now) / 1000 + 1, 200ULL);
                if (r->stop_on_play && r->playing && !r->stop_sent) {
                        /* Let some frames through, then stop from our side (M5 TEARDOWN). */
                        usleep(1500 * 1000);
                        r->stop_sent = true;
                        carry_out(r, source_session_teardown(r->s, now_usec(), &a), &a);
                        continue;
                }
                if (poll(&p, 1, timeout_ms) <= 0)
                        continue;
                ssize_t k = read(r->fd, buf, sizeof(buf));
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        carry_out(r, source_session_connection_closed(r->s, k < 0 ? -errno : 0, now_usec(), &a), &a);
                else
                        carry_out(r, source_session_receive(r->s, buf, (size_t) k, now_usec(), &a), &a);
        }

        close(r->fd);
        r->fd = -1;
        /* The sink's verdict: one line on stdout, then it exits. */
        for (;;) {
                struct pollfd p = { .fd = r->out_fd, .events = POLLIN };
                if (poll(&p, 1, 30000) <= 0)
                        test_fail(__FILE__, __LINE__, "the sink printed no result");
                ssize_t k = read(r->out_fd, r->sink_line + line_len, sizeof(r->sink_line) - 1 - line_len);
                if (k <= 0)
                        break;
                line_len += k;
                if (line_len >= sizeof(r->sink_line) - 1)
                        break;
        }
        r->sink_line[line_len] = 0;
        {
                int status = 0;
                waitpid(r->sink_pid, &status, 0);
                r->sink_pid = 0;
                if (!strstr(r->sink_line, "result=ok") || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
                        test_fail(__FILE__, __LINE__, "sink failed: %s (we ended: %s)", r->sink_line, r->end_text);
        }
}

static void expect_mode(struct run *r, const char *mode)
{
        char want[64];

        assert_str_eq(r->mode, mode);
        snprintf(want, sizeof(want), "mode=%s ", mode);
        if (!strstr(r->sink_line, want))
                test_fail(__FILE__, __LINE__, "sink line lacks %s: %s", want, r->sink_line);
        assert_true(strstr(r->sink_line, "server_port=yes") != NULL);
        assert_int_eq(r->media_starts, 1);
}

static void sink_profile_case(const char *profile, const char *mode, enum source_session_end_reason want)
{
        struct run r;
        const char *args[] = { "--profile", profile, "--frames", "5", "--duration", "30", "--timeout", "30", NULL };

        run_session(&r, args, false);
        expect_mode(&r, mode);
        if (r.reason != want)
                test_fail(__FILE__, __LINE__, "ended %s (%s)", source_session_end_reason_to_string(r.reason),
                          r.end_text);
        run_cleanup(&r);
}

TEST(sink_vga, "/fsm+sink/vga profile: 640x480p60, the sink tears down after 5 frames") {
        sink_profile_case("vga", "640x480p60", SOURCE_SESSION_END_TEARDOWN_BY_SINK);
}

TEST(sink_small, "/fsm+sink/small profile: the larger 800x600p30 wins over 640x480p60") {
        sink_profile_case("small", "800x600p30", SOURCE_SESSION_END_TEARDOWN_BY_SINK);
}

TEST(sink_dongle, "/fsm+sink/dongle profile (drops TCP on M3 before M2): M2 ordering holds") {
        sink_profile_case("dongle", "1920x1080p30", SOURCE_SESSION_END_TEARDOWN_BY_SINK);
}

TEST(sink_lg, "/fsm+sink/lg profile: CSeq from 0, RTP port 53000 from M3") {
        sink_profile_case("lg", "1920x1080p30", SOURCE_SESSION_END_TEARDOWN_BY_SINK);
}

TEST(sink_samsung, "/fsm+sink/samsung profile: SETUP/PLAY to localhost, HDCP offered") {
        sink_profile_case("samsung", "1920x1080p30", SOURCE_SESSION_END_TEARDOWN_BY_SINK);
}

TEST(sink_user_stop, "/fsm+sink/our M5 TEARDOWN: the sink answers with M8, teardown-by-user") {
        struct run r;
        const char *args[] = { "--profile", "vga", "--duration", "0", "--timeout", "30", NULL };

        run_session(&r, args, true);
        expect_mode(&r, "640x480p60");
        assert_true(r.stop_sent);
        if (r.reason != SOURCE_SESSION_END_TEARDOWN_BY_USER)
                test_fail(__FILE__, __LINE__, "ended %s (%s)", source_session_end_reason_to_string(r.reason),
                          r.end_text);
        run_cleanup(&r);
}
