/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * miracastd-stream: the stream worker (stream.h, docs/process-model.md).
 * Started with the control socket on fd 3, either forked by miracastd or by
 * systemd's socket activation (miracastd-stream.socket, Accept=yes, which
 * also puts the connection on fd 3):
 *
 *   miracastd-stream [--user NAME] [--kms-helper]
 *
 * It drops its privileges first (when started as root), then takes its
 * configuration from main's first message and serves main's requests until
 * main closes the socket, and exits 0 (1 when it could not start).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../daemon/log.h"
#include "../encoder/capture.h"
#include "../encoder/capture_spec.h"
#include "../encoder/kms_helper.h"
#include "../encoder/encode.h"
#include "../protocol/latency_mode.h"
#include "../protocol/macro.h"
#include "../protocol/owned_str.h"
#include "../protocol/worker_msg.h"
#include "mice_watch.h"
#include "session.h"
#include "stream.h"

#define STREAM_CONTROL_FD 3
#define STREAM_MAX_FDS 3

int stream_send(struct stream *st, struct worker_msg_writer *w)
{
        size_t len;
        ssize_t n;
        int r;

        if (st->control_fd < 0)
                return -ENOTCONN;
        r = worker_msg_finish(w, &len);
        if (r < 0)
                return r;
        /* Blocking: main always reads, also while it waits for a reply, so this cannot deadlock. */
        do
                n = send(st->control_fd, w->buf, len, MSG_NOSIGNAL);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -errno;
        return 0;
}

void stream_maybe_exit(struct stream *st)
{
        if (st->exiting && !st->sessions)
                (void) sd_event_exit(st->event, 0);
}

static void stream_reply(struct stream *st, uint32_t session, uint64_t seq, int error)
{
        uint8_t buf[64];
        struct worker_msg_writer w;
        int r;

        worker_msg_begin(&w, buf, sizeof(buf), WORKER_MSG_REPLY, session);
        worker_msg_put_u64(&w, WORKER_FIELD_SEQ, seq);
        worker_msg_put_i64(&w, WORKER_FIELD_ERROR, error);
        r = stream_send(st, &w);
        if (r < 0)
                log_warning_errno(r, "Cannot answer miracastd: %m");
}

/* A session main asked for could not start: tell main it ended, with why. */
static void stream_report_failed_start(struct stream *st, uint32_t id, int error)
{
        uint8_t buf[256];
        struct worker_msg_writer w;
        char text[160];

        snprintf(text, sizeof(text), "cannot start: %s", strerror(-error));
        worker_msg_begin(&w, buf, sizeof(buf), WORKER_MSG_ENDED, id);
        worker_msg_put_i64(&w, WORKER_FIELD_ERROR, error);
        worker_msg_put_str(&w, WORKER_FIELD_TEXT, text);
        (void) stream_send(st, &w);
}

static int stream_get_u16(const struct worker_msg *m, uint16_t tag, uint16_t *ret)
{
        int64_t v;

        if (worker_msg_get_ranged(m, tag, 0, UINT16_MAX, &v) < 0)
                return -EBADMSG;
        *ret = (uint16_t) v;
        return 0;
}

static void stream_session_new(struct stream *st, const struct worker_msg *m, int *fds, size_t n_fds)
{
        struct session_params params = { .id = m->session, .audio_pipewire_fd = -1 };
        size_t video_pw = 1;
        char audio_remote[256];
        char device_name[256];
        uint64_t v;
        struct session *s;
        int r;

        if (n_fds < 1) {
                log_error("Session %u: no connection came with the request", m->session);
                stream_report_failed_start(st, m->session, -EBADF);
                return;
        }
        if (worker_msg_get_u64(m, WORKER_FIELD_SUGGESTED_BPS, &v) >= 0)
                params.stats.suggested_bps = v;
        if (worker_msg_get_u64(m, WORKER_FIELD_LOCAL_MAX_BPS, &v) >= 0)
                params.stats.local_max_bps = v;
        if (worker_msg_get_u64(m, WORKER_FIELD_REMOTE_MAX_BPS, &v) >= 0)
                params.stats.remote_max_bps = v;
        if (worker_msg_get_u64(m, WORKER_FIELD_MAX_WIDTH, &v) >= 0 && v <= 16384)
                params.max_width = (unsigned) v;
        if (worker_msg_get_u64(m, WORKER_FIELD_MAX_HEIGHT, &v) >= 0 && v <= 16384)
                params.max_height = (unsigned) v;
        if (worker_msg_get_str(m, WORKER_FIELD_DEVICE_NAME, device_name, sizeof(device_name)) >= 0)
                params.device_name = device_name;
        (void) stream_get_u16(m, WORKER_FIELD_SINK_RTSP_PORT, &params.sink_rtsp_port);
        if (worker_msg_get_u64(m, WORKER_FIELD_INPUT_ALLOWED, &v) >= 0)
                params.input_allowed = v != 0;
        if (worker_msg_get_u64(m, WORKER_FIELD_LATENCY_MODE, &v) >= 0 && v < _LATENCY_MODE_MAX)
                params.latency = (int) v;
        if (worker_msg_get_u64(m, WORKER_FIELD_LINK_RATE, &v) >= 0)
                params.link_rate_bps = v;
        if (worker_msg_get_str(m, WORKER_FIELD_AUDIO_PIPEWIRE_REMOTE, audio_remote, sizeof(audio_remote)) >= 0)
                params.audio_pipewire_remote = audio_remote;
        if (worker_msg_get_u64(m, WORKER_FIELD_NO_AUDIO, &v) >= 0)
                params.no_audio = v != 0;
        if (worker_msg_get_u64(m, WORKER_FIELD_AUDIO_PIPEWIRE_FD, &v) >= 0 && v >= 1 && v < n_fds) {
                params.audio_pipewire_fd = steal_fd(fds[v]);
                if (v == 1)
                        video_pw = 2;   /* the capture's connection, if any, comes after it */
        }
        if (worker_msg_get_u64(m, WORKER_FIELD_PIPEWIRE_NODE, &v) >= 0 && v > 0 && v < UINT32_MAX)
                params.own_node = (uint32_t) v;

        r = session_new(st, &params, steal_fd(fds[0]), n_fds > video_pw ? steal_fd(fds[video_pw]) : -1, &s);
        if (r < 0) {
                log_error_errno(r, "Session %u: cannot start: %m", m->session);
                stream_report_failed_start(st, m->session, r);
        }
}

static void stream_hangup(struct stream *st);
static int stream_configure(struct stream *st, const struct worker_msg *m);
static void stream_probe_reply(struct stream *st, const struct worker_msg *m);

static void stream_handle(struct stream *st, const struct worker_msg *m, int *fds, size_t n_fds)
{
        struct session *s;
        uint64_t seq = 0, v = 0;
        int64_t e;
        char text[160] = "";
        int r;

        if (m->type == WORKER_MSG_PROBE && !st->config->configured) {
                stream_probe_reply(st, m);
                return;
        }
        if (m->type == WORKER_MSG_CONFIG || !st->config->configured) {
                r = m->type == WORKER_MSG_CONFIG ? stream_configure(st, m) : -ENOTCONN;
                if (r < 0) {
                        /* Nothing sensible to do without it: main sees the hangup. */
                        log_error_errno(r, "Bad or missing configuration from miracastd (%s), exiting: %m",
                                        worker_msg_type_to_string(m->type));
                        stream_hangup(st);
                }
                return;
        }
        if (m->type == WORKER_MSG_SESSION_NEW) {
                stream_session_new(st, m, fds, n_fds);
                return;
        }
        if (m->type == WORKER_MSG_MICE_WATCH) {
                r = n_fds > 0 ? mice_watch_new(st, m->session, steal_fd(fds[0])) : -EBADF;
                if (r < 0)
                        log_error_errno(r, "Session %u: cannot read the sink's MS-MICE connection: %m", m->session);
                return;
        }
        s = session_find(st, m->session);
        if (m->type == WORKER_MSG_INPUT_STATE) {
                if (s && worker_msg_get_u64(m, WORKER_FIELD_ACTIVE, &v) >= 0)
                        session_input_state(s, v != 0);
                return;
        }
        if (m->type == WORKER_MSG_LINK_RATE) {
                if (s && worker_msg_get_u64(m, WORKER_FIELD_LINK_RATE, &v) >= 0)
                        session_set_link_rate(s, v);
                return;
        }
        if (m->type == WORKER_MSG_END) {
                mice_watch_drop(st, m->session);
                if (!s)
                        return;
                if (worker_msg_get_ranged(m, WORKER_FIELD_ERROR, -4095, 0, &e) < 0)
                        e = 0;
                (void) worker_msg_get_str(m, WORKER_FIELD_TEXT, text, sizeof(text));
                session_end_full(s, (int) e, text[0] ? text : NULL);
                return;
        }
        if (m->type >= WORKER_MSG_REPLY) {
                log_warning("Ignoring a %s message from miracastd", worker_msg_type_to_string(m->type));
                return;
        }
        (void) worker_msg_get_u64(m, WORKER_FIELD_SEQ, &seq);
        if (!s || s->state == SOURCE_SESSION_STATE_ENDED) {
                stream_reply(st, m->session, seq, -ESHUTDOWN);
                return;
        }
        switch (m->type) {
        case WORKER_MSG_STOP:
                r = session_stop(s);
                break;
        case WORKER_MSG_PAUSE:
                r = session_pause(s);
                break;
        case WORKER_MSG_RESUME:
                r = session_resume(s);
                break;
        case WORKER_MSG_REQUEST_IDR:
                r = session_request_idr(s);
                break;
        case WORKER_MSG_SET_BITRATE:
                r = worker_msg_get_u64(m, WORKER_FIELD_BITRATE, &v);
                if (r >= 0)
                        r = v <= UINT32_MAX ? session_set_bitrate(s, (uint32_t) v) : -EINVAL;
                break;
        case WORKER_MSG_SET_INPUT:
                r = worker_msg_get_u64(m, WORKER_FIELD_ACTIVE, &v);
                if (r >= 0)
                        r = session_set_input(s, v != 0);
                break;
        case WORKER_MSG_ATTACH_AUDIO:
                r = n_fds > 0 ? session_attach_audio(s, steal_fd(fds[0])) : -EBADF;
                break;
        default:
                r = -EOPNOTSUPP;
        }
        /* The session may have ended meanwhile; the reply still answers the request. */
        stream_reply(st, m->session, seq, r);
}

/* Main is gone or closed the channel: end what runs (no one to report to) and leave. */
static void stream_hangup(struct stream *st)
{
        st->exiting = true;
        st->control_io = sd_event_source_disable_unref(st->control_io);
        st->control_fd = safe_close(st->control_fd);
        mice_watch_drop_all(st);
        while (st->sessions)
                session_free(st->sessions);
        stream_maybe_exit(st);
}

static int stream_on_control(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
        static uint8_t buf[WORKER_MSG_MAX];
        static struct worker_msg m;
        struct stream *st = userdata;
        union {
                struct cmsghdr h;
                char b[CMSG_SPACE(sizeof(int) * STREAM_MAX_FDS)];
        } control;
        struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control, .msg_controllen = sizeof(control) };
        int fds[STREAM_MAX_FDS] = { -1, -1, -1 };
        size_t n_fds = 0;
        ssize_t n;

        n = recvmsg(st->control_fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        if (n < 0) {
                if (errno == EAGAIN || errno == EINTR)
                        return 0;
                log_error_errno(-errno, "Control channel failed: %m");
                stream_hangup(st);
                return 0;
        }
        if (n == 0) {
                log_debug("miracastd closed the control channel, exiting");
                stream_hangup(st);
                return 0;
        }
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
                if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
                        continue;
                size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                int *p = (int *) CMSG_DATA(c);
                for (size_t i = 0; i < k; i++) {
                        if (n_fds < STREAM_MAX_FDS)
                                fds[n_fds++] = p[i];
                        else
                                safe_close(p[i]);
                }
        }
        if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
                log_warning("Truncated message from miracastd, ignoring it");
        else if (worker_msg_parse(buf, (size_t) n, &m) < 0)
                log_warning("Malformed message from miracastd, ignoring it");
        else
                stream_handle(st, &m, fds, n_fds);
        for (size_t i = 0; i < n_fds; i++)
                safe_close(fds[i]);
        return 0;
}

static int stream_on_stats(sd_event_source *source, uint64_t usec, void *userdata)
{
        struct stream *st = userdata;

        for (struct session *s = st->sessions; s; s = s->next)
                if (s->state != SOURCE_SESSION_STATE_ENDED)
                        session_send_statistics(s);
        (void) sd_event_source_set_time(source, usec + STREAM_STATS_USEC);
        return 0;
}

static int stream_on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        /* main ends us by closing the channel; a signal (the service stopping) means the same. */
        stream_hangup(userdata);
        return 0;
}

/*
 * miracastd links no FFmpeg or libdrm, so it asks here: "encoder NAME" and
 * "output NAME" lines (Manager1.Encoders, CaptureOutputs), or for an output
 * spec "device CARD" (0) or "error TEXT" (-ENODEV). Asked with --probe /
 * --probe-output SPEC (forked by main: the lines on stdout, exit 0 or 2) or
 * with WORKER_MSG_PROBE (a socket-activated KMS worker, which has the DRM
 * nodes main's sandbox lacks). Reads no sink's bytes.
 */
struct probe_relay {
        void (*emit)(const char *line, void *userdata);
        void *userdata;
};

/* The helper lists "output testsrc" too: we said that already. */
static void stream_probe_emit_kms(const char *line, void *ctx)
{
        struct probe_relay *p = ctx;

        if (strcmp(line, "output testsrc") != 0)
                p->emit(line, p->userdata);
}

/* The sink-facing worker runs without the capability to read DRM: unprivileged, the outputs come
 * from the KMS helper's socket; as root (forked by main for a probe, reading no sink's bytes)
 * from the devices directly. */
static bool stream_probe_via_helper(void)
{
        return geteuid() != 0;
}

static int stream_probe_lines(const char *output_spec, void (*emit)(const char *line, void *userdata), void *userdata)
{
        _cleanup_(strv_freep) char **encoders = NULL, **outputs = NULL;
        struct capture_spec spec;
        char device[CAPTURE_SPEC_DEVICE_MAX] = "", line[512];
        int r;

        if (output_spec && stream_probe_via_helper() && capture_spec_parse(output_spec, &spec) >= 0 &&
            spec.backend == CAPTURE_BACKEND_KMS) {
                r = kms_helper_probe(getenv("MIRACASTD_KMS_SOCKET"), output_spec, emit, userdata);
                if (r == 0 || r == -ENODEV)
                        return r;
                snprintf(line, sizeof(line), "error cannot ask the KMS helper about %s: %s", output_spec,
                         strerror(-r));
                emit(line, userdata);
                return -ENODEV;
        }

        if (output_spec) {
                if (capture_spec_parse(output_spec, &spec) < 0) {
                        snprintf(line, sizeof(line), "error invalid output \"%s\"", output_spec);
                        emit(line, userdata);
                        return -ENODEV;
                }
                if (capture_find_output(&spec, device, sizeof(device)) < 0) {
                        snprintf(line, sizeof(line), "error %s", capture_last_error());
                        emit(line, userdata);
                        return -ENODEV;
                }
                snprintf(line, sizeof(line), "device %s", device);
                emit(line, userdata);
                return 0;
        }
        if (encode_list_encoders(&encoders) >= 0)
                for (char **e = encoders; *e; e++) {
                        snprintf(line, sizeof(line), "encoder %s", *e);
                        emit(line, userdata);
                }
        if (stream_probe_via_helper()) {
                /* testsrc is always there; no helper socket: no kms outputs. */
                emit("output testsrc", userdata);
                r = kms_helper_probe(getenv("MIRACASTD_KMS_SOCKET"), NULL, stream_probe_emit_kms, &(struct probe_relay) {
                                             emit, userdata });
                if (r < 0)
                        log_debug_errno(r, "No KMS outputs from the KMS helper: %m");
        } else if (capture_list_outputs(&outputs) >= 0)
                for (char **o = outputs; *o; o++) {
                        snprintf(line, sizeof(line), "output %s", *o);
                        emit(line, userdata);
                }
        return 0;
}

static void stream_probe_print(const char *line, void *userdata)
{
        printf("%s\n", line);
}

static int stream_probe(const char *output_spec)
{
        return stream_probe_lines(output_spec, stream_probe_print, NULL) < 0 ? 2 : 0;
}

static void stream_probe_add(const char *line, void *userdata)
{
        worker_msg_put_str(userdata, WORKER_FIELD_TEXT, line);
}

/* WORKER_MSG_PROBE: the same lines in the REPLY. */
static void stream_probe_reply(struct stream *st, const struct worker_msg *m)
{
        static uint8_t buf[WORKER_MSG_MAX];
        char spec[256];
        struct worker_msg_writer w;
        uint64_t seq = 0;
        int r;

        (void) worker_msg_get_u64(m, WORKER_FIELD_SEQ, &seq);
        worker_msg_begin(&w, buf, sizeof(buf), WORKER_MSG_REPLY, 0);
        worker_msg_put_u64(&w, WORKER_FIELD_SEQ, seq);
        r = stream_probe_lines(worker_msg_get_str(m, WORKER_FIELD_TEXT, spec, sizeof(spec)) >= 0 ? spec : NULL,
                               stream_probe_add, &w);
        worker_msg_put_i64(&w, WORKER_FIELD_ERROR, r);
        r = stream_send(st, &w);
        if (r < 0)
                log_warning_errno(r, "Cannot answer miracastd's probe: %m");
}

static int stream_parse_argv(struct stream_config *c, int argc, char *argv[])
{
        enum { ARG_USER = 0x100, ARG_KMS_HELPER };
        static const struct option options[] = {
                { "user", required_argument, NULL, ARG_USER },
                { "kms-helper", no_argument, NULL, ARG_KMS_HELPER },
                {}
        };
        int o;

        while ((o = getopt_long(argc, argv, "", options, NULL)) >= 0) {
                switch (o) {
                case ARG_USER:
                        c->user = optarg;
                        break;
                case ARG_KMS_HELPER:
                        c->kms_helper = true;
                        break;
                default:
                        return -EINVAL;
                }
        }
        return optind < argc ? -EINVAL : 0;
}

static int stream_take_string(const struct worker_msg *m, uint16_t tag, char **field)
{
        char buf[256];
        int r;

        r = worker_msg_get_str(m, tag, buf, sizeof(buf));
        if (r < 0)
                return r;
        return owned_str_set(field, buf);
}

/* main's first message: what this worker captures and how it encodes. */
static int stream_configure(struct stream *st, const struct worker_msg *m)
{
        struct stream_config *c = st->config;
        int64_t v;
        int r;

        if (c->configured)
                return -EALREADY;
        r = stream_take_string(m, WORKER_FIELD_CAPTURE, &c->capture);
        if (r < 0)
                return r;
        (void) stream_take_string(m, WORKER_FIELD_ENCODER, &c->encoder);
        (void) stream_take_string(m, WORKER_FIELD_AUDIO_SOURCE, &c->audio_source);
        if (!c->encoder) {
                c->encoder = strdup("auto");
                if (!c->encoder)
                        return -ENOMEM;
        }
        if (worker_msg_get_ranged(m, WORKER_FIELD_CONTEXT_ID, 0, UINT32_MAX, &v) >= 0)
                c->context_id = (unsigned) v;
        if (worker_msg_get_ranged(m, WORKER_FIELD_MAX_WIDTH, 0, 16384, &v) >= 0)
                c->max_width = (unsigned) v;
        if (worker_msg_get_ranged(m, WORKER_FIELD_MAX_HEIGHT, 0, 16384, &v) >= 0)
                c->max_height = (unsigned) v;
        if (worker_msg_get_ranged(m, WORKER_FIELD_FPS, 0, 1000, &v) >= 0)
                c->max_fps = (unsigned) v;
        if (worker_msg_get_ranged(m, WORKER_FIELD_BITRATE, 0, INT64_MAX, &v) >= 0)
                c->max_bitrate_bps = (uint64_t) v;
        if (worker_msg_get_ranged(m, WORKER_FIELD_LOG_LEVEL, LOG_EMERG, LOG_DEBUG, &v) >= 0)
                log_set_max_level((int) v);
        c->configured = true;
        log_debug("Stream worker for context %u (capture %s, encoder %s) ready", c->context_id, c->capture,
                  c->encoder ?: "auto");
        return 0;
}

int main(int argc, char *argv[])
{
        struct stream_config config = { .kms_helper_fd = -1 };
        struct stream st = { .config = &config, .control_fd = -1 };
        sigset_t mask;
        int type = 0, r;
        socklen_t len = sizeof(type);

        log_set_prefix_priority(!isatty(STDERR_FILENO) || getenv("JOURNAL_STREAM"));
        if (argc == 2 && strcmp(argv[1], "--probe") == 0)
                return stream_probe(NULL);
        if (argc == 3 && strcmp(argv[1], "--probe-output") == 0)
                return stream_probe(argv[2]);
        if (stream_parse_argv(&config, argc, argv) < 0) {
                fprintf(stderr, "%s is started by miracastd, not by hand (bad arguments)\n", argv[0]);
                return EXIT_FAILURE;
        }
        if (getsockopt(STREAM_CONTROL_FD, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || type != SOCK_SEQPACKET) {
                log_error("No control socket on fd %d: miracastd-stream is started by miracastd", STREAM_CONTROL_FD);
                return EXIT_FAILURE;
        }
        st.control_fd = STREAM_CONTROL_FD;
        (void) fcntl(st.control_fd, F_SETFD, FD_CLOEXEC);

        /* The KMS helper gets the one capability KMS needs; this process keeps none. Both before
         * anything reads from a sink. Not root: the capture connects to miracastd-kms.socket. */
        if (config.kms_helper && geteuid() == 0) {
                r = stream_spawn_kms_helper(&config.kms_helper_fd);
                if (r < 0)
                        log_error_errno(r, "Cannot start the KMS helper: %m (kms capture will fail)");
        }
        r = stream_drop_privileges(&config);
        if (r < 0)
                return EXIT_FAILURE;

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return EXIT_FAILURE;
        (void) signal(SIGPIPE, SIG_IGN);

        r = sd_event_new(&st.event);
        if (r < 0)
                goto finish;
        r = sd_event_add_signal(st.event, NULL, SIGTERM, stream_on_signal, &st);
        if (r >= 0)
                r = sd_event_add_signal(st.event, NULL, SIGINT, stream_on_signal, &st);
        if (r >= 0)
                r = sd_event_add_io(st.event, &st.control_io, st.control_fd, EPOLLIN, stream_on_control, &st);
        if (r >= 0)
                r = sd_event_add_time_relative(st.event, &st.stats_timer, CLOCK_MONOTONIC, STREAM_STATS_USEC, 0,
                                               stream_on_stats, &st);
        if (r >= 0)
                r = sd_event_source_set_enabled(st.stats_timer, SD_EVENT_ON);
        if (r < 0) {
                log_error_errno(r, "Failed to set up the event loop: %m");
                goto finish;
        }
        r = sd_event_loop(st.event);
        if (r < 0)
                log_error_errno(r, "Event loop failed: %m");

finish:
        mice_watch_drop_all(&st);
        while (st.sessions)
                session_free(st.sessions);
        st.capture_handle = NULL; /* released by its last session */
        st.stats_timer = sd_event_source_disable_unref(st.stats_timer);
        st.control_io = sd_event_source_disable_unref(st.control_io);
        safe_close(st.control_fd);
        safe_close(config.kms_helper_fd);
        st.event = sd_event_unref(st.event);
        free(config.capture);
        free(config.encoder);
        free(config.audio_source);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
