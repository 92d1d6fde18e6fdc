/* SPDX-License-Identifier: GPL-2.0-or-later */
/* daemon/stream_worker.h: start, talk to and reap the stream workers. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../encoder/capture_spec.h"
#include "../protocol/macro.h"
#include "context.h"
#include "log.h"
#include "manager.h"
#include "observers.h"
#include "session.h"
#include "stream_worker.h"

#ifndef MIRACASTD_LIBEXECDIR
#define MIRACASTD_LIBEXECDIR "/usr/libexec/miracastd"
#endif
#define STREAM_WORKER_BINARY "miracastd-stream"
/* systemd's socket units for socket-activated workers (systemd/miracastd-stream*.socket). */
#define STREAM_WORKER_SOCKET "/run/miracastd-stream.sock"
#define STREAM_WORKER_CONTROL_FD 3
#define STREAM_WORKER_MAX_FDS 3
/* How long a closed worker gets to end its sessions and exit before it is killed (at exit only). */
#define STREAM_WORKER_REAP_USEC (5 * 1000 * 1000ULL)

struct queued_msg {
        struct queued_msg *next;
        size_t len;
        uint8_t data[];
};

struct stream_worker {
        struct context *context;     /* not owned; NULL once closed */
        sd_event *event;             /* reference */
        pid_t pid;
        int pidfd;                   /* owned */
        int fd;                      /* owned: our end of the socket pair */
        sd_event_source *io;         /* owned */
        sd_event_source *pid_io;     /* owned: the worker exited */
        sd_event_source *defer;      /* owned: handles queued messages */
        struct queued_msg *queue, **queue_tail; /* owned: arrived during stream_worker_call() */
        uint64_t seq;
        bool dead;                   /* exited or broke the protocol: no more messages */
        bool hung;                   /* a call timed out: failed from the loop (not inside the caller) */
        struct stream_worker *next;  /* the closing list */
};

/* Closed workers not yet reaped. */
static struct stream_worker *closing;

static uint64_t now_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000;
}

int stream_worker_find_binary(char *buf, size_t size)
{
        const char *env = getenv("MIRACASTD_STREAM");
        char self[PATH_MAX], *slash;
        ssize_t n;

        if (env && *env) {
                snprintf(buf, size, "%s", env);
                return access(buf, X_OK) < 0 ? -errno : 0;
        }
        /* Started from a build tree (tests, kiosk scripts): the worker built beside it; a test
         * program in BUILD/tests runs the daemon's code in-process, its worker is one up. */
        n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        if (n > 0) {
                self[n] = '\0';
                slash = strrchr(self, '/');
                if (slash) {
                        *slash = '\0';
                        snprintf(buf, size, "%s/%s", self, STREAM_WORKER_BINARY);
                        if (access(buf, X_OK) == 0)
                                return 0;
                        snprintf(buf, size, "%s/../%s", self, STREAM_WORKER_BINARY);
                        if (access(buf, X_OK) == 0)
                                return 0;
                }
        }
        snprintf(buf, size, "%s/%s", MIRACASTD_LIBEXECDIR, STREAM_WORKER_BINARY);
        return access(buf, X_OK) < 0 ? -errno : 0;
}

/* fork + exec with fd (may be -1) on STREAM_WORKER_CONTROL_FD and, for probes, stdout_fd on 1. */
static int stream_worker_spawn(char **argv, int fd, int stdout_fd, pid_t *ret_pid)
{
        sigset_t none;
        pid_t pid;

        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                if (stdout_fd >= 0 && dup2(stdout_fd, STDOUT_FILENO) < 0)
                        _exit(127);
                if (fd >= 0) {
                        if (fd == STREAM_WORKER_CONTROL_FD)
                                (void) fcntl(fd, F_SETFD, 0);
                        else if (dup2(fd, STREAM_WORKER_CONTROL_FD) < 0)
                                _exit(127);
                        (void) close_range(STREAM_WORKER_CONTROL_FD + 1, ~0U, 0);
                } else
                        (void) close_range(STDERR_FILENO + 1, ~0U, 0);
                sigemptyset(&none);
                (void) sigprocmask(SIG_SETMASK, &none, NULL);
                (void) signal(SIGPIPE, SIG_DFL);
                /* main alone speaks to the service manager */
                (void) unsetenv("NOTIFY_SOCKET");
                (void) unsetenv("WATCHDOG_PID");
                (void) unsetenv("WATCHDOG_USEC");
                execv(argv[0], argv);
                _exit(127);
        }
        *ret_pid = pid;
        return 0;
}

static void stream_worker_free_queue(struct stream_worker *w)
{
        while (w->queue) {
                struct queued_msg *q = w->queue;
                w->queue = q->next;
                free(q);
        }
        w->queue_tail = &w->queue;
}

/* The worker is gone or misbehaves: its sessions end (through the context), nothing more is read. */
static void stream_worker_fail(struct stream_worker *w, const char *why)
{
        struct context *c = w->context;

        if (w->dead)
                return;
        w->dead = true;
        w->io = sd_event_source_disable_unref(w->io);
        stream_worker_free_queue(w);
        log_error("Stream worker %d for context %u: %s", (int) w->pid, c ? c->id : 0, why);
        if (c)
                context_worker_failed(c, w, why);
}

static void stream_worker_dispatch(struct stream_worker *w, const uint8_t *data, size_t len)
{
        static struct worker_msg m;
        struct session *s;

        if (worker_msg_parse(data, len, &m) < 0 || m.type < WORKER_MSG_REPLY || m.type >= _WORKER_MSG_TYPE_MAX) {
                stream_worker_fail(w, "sent a malformed message");
                return;
        }
        if (m.type == WORKER_MSG_REPLY)
                return;         /* a late answer to a call that timed out */
        if (!w->context)
                return;
        s = manager_find_session_by_id(w->context->manager, m.session);
        /* Only about sessions it runs: a worker cannot touch another context's sessions. */
        if (!s || !session_is_on_worker(s, w))
                return;
        session_on_worker_msg(s, &m);
}

/* Receive one datagram: > 0 its length, 0 the worker closed, -EAGAIN nothing there, -errno. */
static ssize_t stream_worker_recv(struct stream_worker *w, uint8_t *buf, size_t size)
{
        union {
                struct cmsghdr h;
                char b[CMSG_SPACE(sizeof(int) * STREAM_WORKER_MAX_FDS)];
        } control;
        struct iovec iov = { .iov_base = buf, .iov_len = size };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control, .msg_controllen = sizeof(control) };
        ssize_t n;

        n = recvmsg(w->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        if (n < 0)
                return errno == EINTR ? -EAGAIN : -errno;
        /* The worker has no business sending fds: close any. */
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
                        int *p = (int *) CMSG_DATA(c);
                        for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++)
                                safe_close(p[i]);
                }
        if (n > 0 && (mh.msg_flags & MSG_TRUNC))
                return -EMSGSIZE;
        return n;
}

static int stream_worker_on_defer(sd_event_source *source, void *userdata)
{
        struct stream_worker *w = userdata;

        (void) sd_event_source_set_enabled(source, SD_EVENT_OFF);
        if (w->hung && !w->dead) {
                /* A worker that does not answer is as good as dead: its sessions end, it is killed
                 * (forked) or left to exit once it sees the closed channel (socket-activated). */
                if (w->pid > 0)
                        (void) kill(w->pid, SIGKILL);
                stream_worker_fail(w, "did not answer");
                return 0;
        }
        while (w->queue && !w->dead) {
                struct queued_msg *q = w->queue;

                w->queue = q->next;
                if (!w->queue)
                        w->queue_tail = &w->queue;
                stream_worker_dispatch(w, q->data, q->len);
                free(q);
        }
        return 0;
}

static int stream_worker_on_io(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
        static uint8_t buf[WORKER_MSG_MAX];
        struct stream_worker *w = userdata;
        ssize_t n;

        /* What arrived during a call comes first, in order. */
        if (w->queue)
                stream_worker_on_defer(w->defer, w);
        /* A bounded batch per wakeup, so one chatty worker cannot starve the loop. */
        for (int i = 0; i < 64 && !w->dead; i++) {
                n = stream_worker_recv(w, buf, sizeof(buf));
                if (n == -EAGAIN)
                        break;
                if (n == 0) {
                        stream_worker_fail(w, "exited");
                        break;
                }
                if (n < 0) {
                        stream_worker_fail(w, n == -EMSGSIZE ? "sent an oversized message" : "control channel failed");
                        break;
                }
                stream_worker_dispatch(w, buf, (size_t) n);
        }
        return 0;
}

static void stream_worker_reap(struct stream_worker *w, bool block)
{
        siginfo_t si = {};

        if (w->pid <= 0)
                return;
        if (waitid(P_PID, (id_t) w->pid, &si, WEXITED | (block ? 0 : WNOHANG)) < 0 || si.si_pid != w->pid)
                return;
        if (si.si_code == CLD_EXITED && si.si_status == 0)
                log_debug("Stream worker %d exited", (int) w->pid);
        else if (si.si_code == CLD_EXITED)
                log_warning("Stream worker %d exited with status %d", (int) w->pid, si.si_status);
        else
                log_warning("Stream worker %d killed by %s", (int) w->pid, strsignal(si.si_status));
        w->pid = 0;
}

static void stream_worker_free(struct stream_worker *w)
{
        w->io = sd_event_source_disable_unref(w->io);
        w->pid_io = sd_event_source_disable_unref(w->pid_io);
        w->defer = sd_event_source_disable_unref(w->defer);
        stream_worker_free_queue(w);
        w->fd = safe_close(w->fd);
        w->pidfd = safe_close(w->pidfd);
        sd_event_unref(w->event);
        free(w);
}

static void closing_remove(struct stream_worker *w)
{
        for (struct stream_worker **i = &closing; *i; i = &(*i)->next)
                if (*i == w) {
                        *i = w->next;
                        return;
                }
}

static int stream_worker_on_exit(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
        struct stream_worker *w = userdata;

        stream_worker_reap(w, false);
        if (w->pid > 0)
                return 0;
        if (!w->context) {
                closing_remove(w);
                stream_worker_free(w);
                return 0;
        }
        /* Exited while in use: the channel's hangup says the same; this catches a worker that
         * exits with the socket still open elsewhere. */
        w->pid_io = sd_event_source_disable_unref(w->pid_io);
        stream_worker_fail(w, "exited");
        return 0;
}

/*
 * Under systemd the workers are socket-activated services of their own
 * (miracastd-stream.socket, Accept=yes: one miracastd-stream@.service per
 * connection, started as the user miracastd with an empty capability set), so
 * main needs no CAP_SETUID; connecting is all it does. -ENOENT etc. when the
 * socket is not there (started by hand): then main forks the worker itself.
 */
static int stream_worker_connect(const char *path)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd;

        if (strlen(path) >= sizeof(sa.sun_path))
                return -EINVAL;
        memcpy(sa.sun_path, path, strlen(path));
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                int r = -errno;
                safe_close(fd);
                return r;
        }
        return fd;
}

/* The worker's configuration: the first message on every channel, however the worker was started. */
static int stream_worker_configure(struct stream_worker *w, struct context *c)
{
        static uint8_t buf[2048];
        struct config *config = c->manager->config;
        struct worker_msg_writer msg;

        worker_msg_begin(&msg, buf, sizeof(buf), WORKER_MSG_CONFIG, 0);
        worker_msg_put_u64(&msg, WORKER_FIELD_CONTEXT_ID, c->id);
        worker_msg_put_str(&msg, WORKER_FIELD_CAPTURE, c->capture);
        worker_msg_put_str(&msg, WORKER_FIELD_ENCODER, config->encoder);
        if (config->audio_source)
                worker_msg_put_str(&msg, WORKER_FIELD_AUDIO_SOURCE, config->audio_source);
        worker_msg_put_u64(&msg, WORKER_FIELD_MAX_WIDTH, config->max_width);
        worker_msg_put_u64(&msg, WORKER_FIELD_MAX_HEIGHT, config->max_height);
        worker_msg_put_u64(&msg, WORKER_FIELD_FPS, config->max_fps);
        worker_msg_put_u64(&msg, WORKER_FIELD_BITRATE, config->max_bitrate_bps);
        worker_msg_put_u64(&msg, WORKER_FIELD_LOG_LEVEL, (uint64_t) log_get_max_level());
        return stream_worker_send(w, &msg, NULL, 0);
}

int stream_worker_new(struct context *c, struct stream_worker **ret)
{
        char path[PATH_MAX];
        char *argv[4];
        const char *socket_path;
        struct capture_spec spec;
        struct stream_worker *w;
        bool kms;
        int sv[2], n = 0, r;

        /* Every worker runs without capabilities. KMS capture needs CAP_SYS_ADMIN: a forked worker
         * starts the KMS helper (miracastd-kms) before it drops root (--kms-helper); a
         * socket-activated one connects to miracastd-kms.socket. */
        kms = capture_spec_parse(c->capture, &spec) >= 0 && spec.backend == CAPTURE_BACKEND_KMS;
        socket_path = getenv("MIRACASTD_STREAM_SOCKET") ?: STREAM_WORKER_SOCKET;

        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        w->fd = w->pidfd = -1;
        w->queue_tail = &w->queue;
        w->context = c;
        w->event = sd_event_ref(c->manager->event);

        r = stream_worker_connect(socket_path);
        if (r >= 0) {
                w->fd = r;
                log_debug("Context %u: stream worker from %s", c->id, socket_path);
        } else {
                r = stream_worker_find_binary(path, sizeof(path));
                if (r < 0) {
                        log_error_errno(r, "Cannot find %s (next to miracastd or in %s): %m", STREAM_WORKER_BINARY,
                                        MIRACASTD_LIBEXECDIR);
                        goto fail;
                }
                argv[n++] = path;
                if (kms)
                        argv[n++] = (char *) "--kms-helper";
                argv[n] = NULL;
                if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
                        r = -errno;
                        goto fail;
                }
                w->fd = sv[0];
                r = stream_worker_spawn(argv, sv[1], -1, &w->pid);
                safe_close(sv[1]);
                if (r < 0)
                        goto fail;
                w->pidfd = (int) syscall(SYS_pidfd_open, w->pid, 0);
                if (w->pidfd < 0) {
                        r = -errno;
                        goto fail;
                }
                r = sd_event_add_io(w->event, &w->pid_io, w->pidfd, EPOLLIN, stream_worker_on_exit, w);
                if (r < 0)
                        goto fail;
        }
        r = sd_event_add_io(w->event, &w->io, w->fd, EPOLLIN, stream_worker_on_io, w);
        /* What the worker reported is read before D-Bus requests that ask about it. */
        if (r >= 0)
                r = sd_event_source_set_priority(w->io, SD_EVENT_PRIORITY_IMPORTANT);
        if (r >= 0)
                r = sd_event_add_defer(w->event, &w->defer, stream_worker_on_defer, w);
        if (r >= 0)
                r = sd_event_source_set_enabled(w->defer, SD_EVENT_OFF);
        if (r >= 0)
                r = stream_worker_configure(w, c);
        if (r < 0)
                goto fail;
        *ret = w;
        return 0;

fail:
        w->fd = safe_close(w->fd);
        if (w->pid > 0) {
                (void) kill(w->pid, SIGKILL);
                stream_worker_reap(w, true);
        }
        stream_worker_free(w);
        return log_error_errno(r, "Context %u: cannot start the stream worker: %m", c->id);
}

struct stream_worker *stream_worker_close(struct stream_worker *w)
{
        if (!w)
                return NULL;
        /* Closing our end is the worker's signal to end its sessions and exit. */
        w->context = NULL;
        w->dead = true;
        w->io = sd_event_source_disable_unref(w->io);
        w->defer = sd_event_source_disable_unref(w->defer);
        stream_worker_free_queue(w);
        w->fd = safe_close(w->fd);
        stream_worker_reap(w, false);
        if (w->pid <= 0) {
                stream_worker_free(w);
                return NULL;
        }
        if (!w->pid_io && sd_event_add_io(w->event, &w->pid_io, w->pidfd, EPOLLIN, stream_worker_on_exit, w) < 0)
                w->pid_io = NULL;
        w->next = closing;
        closing = w;
        return NULL;
}

void stream_worker_reap_all(void)
{
        stream_probe_cancel();
        uint64_t deadline = now_usec() + STREAM_WORKER_REAP_USEC;

        while (closing) {
                struct stream_worker *w = closing;
                struct pollfd p = { .fd = w->pidfd, .events = POLLIN };
                uint64_t now = now_usec();

                if (now < deadline && w->pidfd >= 0)
                        (void) poll(&p, 1, (int) ((deadline - now) / 1000) + 1);
                stream_worker_reap(w, false);
                if (w->pid > 0) {
                        log_warning("Stream worker %d did not exit in time, killing it", (int) w->pid);
                        (void) kill(w->pid, SIGKILL);
                        stream_worker_reap(w, true);
                }
                closing = w->next;
                stream_worker_free(w);
        }
}

bool stream_worker_is_dead(const struct stream_worker *w)
{
        return w->dead;
}

pid_t stream_worker_get_pid(const struct stream_worker *w)
{
        return w->pid;
}

int stream_worker_send(struct stream_worker *w, struct worker_msg_writer *msg, const int *fds, size_t n_fds)
{
        union {
                struct cmsghdr h;
                char b[CMSG_SPACE(sizeof(int) * STREAM_WORKER_MAX_FDS)];
        } control = {};
        struct iovec iov;
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
        size_t len;
        ssize_t n;
        int r;

        if (w->dead)
                return -ECONNRESET;
        if (n_fds > STREAM_WORKER_MAX_FDS)
                return -EINVAL;
        r = worker_msg_finish(msg, &len);
        if (r < 0)
                return r;
        iov = (struct iovec) { .iov_base = msg->buf, .iov_len = len };
        if (n_fds > 0) {
                struct cmsghdr *c;

                mh.msg_control = &control;
                mh.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
                c = CMSG_FIRSTHDR(&mh);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
                memcpy(CMSG_DATA(c), fds, sizeof(int) * n_fds);
        }
        /* Non-blocking: a worker that stops reading must not hang main; its socket buffer (200 KiB)
         * holds thousands of requests, so a full one means the worker is stuck. */
        do
                n = sendmsg(w->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -errno;
        return 0;
}

int stream_worker_call(struct stream_worker *w, struct worker_msg_writer *msg, const int *fds, size_t n_fds)
{
        static uint8_t buf[WORKER_MSG_MAX];
        static struct worker_msg m;
        uint64_t seq = ++w->seq, deadline = now_usec() + STREAM_WORKER_CALL_TIMEOUT_USEC, got;
        int64_t error;
        int r;

        worker_msg_put_u64(msg, WORKER_FIELD_SEQ, seq);
        r = stream_worker_send(w, msg, fds, n_fds);
        if (r < 0)
                return r;
        for (;;) {
                struct pollfd p = { .fd = w->fd, .events = POLLIN };
                uint64_t now = now_usec();
                ssize_t n;

                if (now >= deadline) {
                        log_warning("Stream worker %d did not answer within %llu s", (int) w->pid,
                                    STREAM_WORKER_CALL_TIMEOUT_USEC / 1000000ULL);
                        w->hung = true;
                        (void) sd_event_source_set_enabled(w->defer, SD_EVENT_ONESHOT);
                        return -ETIMEDOUT;
                }
                n = stream_worker_recv(w, buf, sizeof(buf));
                if (n == -EAGAIN) {
                        (void) poll(&p, 1, (int) ((deadline - now) / 1000) + 1);
                        continue;
                }
                if (n <= 0)
                        return -ECONNRESET;     /* the io handler sees the same and fails the worker */
                if (worker_msg_parse(buf, (size_t) n, &m) == 0 && m.type == WORKER_MSG_REPLY &&
                    worker_msg_get_u64(&m, WORKER_FIELD_SEQ, &got) == 0 && got == seq) {
                        if (worker_msg_get_ranged(&m, WORKER_FIELD_ERROR, -4095, 0, &error) < 0)
                                return -EBADMSG;
                        break;
                }
                /* Something else: handled from the loop afterwards, in order. */
                struct queued_msg *q = malloc(sizeof(*q) + (size_t) n);
                if (!q)
                        return -ENOMEM;
                q->next = NULL;
                q->len = (size_t) n;
                memcpy(q->data, buf, (size_t) n);
                *w->queue_tail = q;
                w->queue_tail = &q->next;
        }
        if (w->queue)
                (void) sd_event_source_set_enabled(w->defer, SD_EVENT_ONESHOT);
        return (int) error;
}

/* ---- probes ----------------------------------------------------------------- */

static char **probe_encoders, **probe_outputs;
static bool probed;

static void stream_probe_clear(void)
{
        probe_encoders = strv_free(probe_encoders);
        probe_outputs = strv_free(probe_outputs);
        probed = false;
}

static int strv_push(char ***l, size_t *n, const char *s)
{
        char **t = realloc(*l, (*n + 2) * sizeof(char *));

        if (!t)
                return -ENOMEM;
        *l = t;
        t[*n] = strdup(s);
        if (!t[*n])
                return -ENOMEM;
        t[++*n] = NULL;
        return 0;
}

static char **strv_copy(char **l)
{
        size_t n = 0;
        char **c;

        while (l && l[n])
                n++;
        c = calloc(n + 1, sizeof(char *));
        if (!c)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                c[i] = strdup(l[i]);
                if (!c[i])
                        return strv_free(c);
        }
        return c;
}

/*
 * Under systemd, ask a socket-activated worker (it asks the KMS helper, which has the DRM nodes
 * that main's sandbox lacks): WORKER_MSG_PROBE, the lines come back as TEXT fields of the REPLY. -ENOENT etc. when
 * there is no such socket (then the binary is run here).
 */
static int stream_probe_socket(const char *spec, int (*each)(const char *line, void *userdata), void *userdata)
{
        static uint8_t buf[WORKER_MSG_MAX];
        static struct worker_msg m;
        const char *path = getenv("MIRACASTD_STREAM_SOCKET") ?: STREAM_WORKER_SOCKET;
        uint64_t deadline = now_usec() + STREAM_WORKER_CALL_TIMEOUT_USEC, seq = 0;
        struct worker_msg_writer w;
        _cleanup_close_ int fd = -1;
        size_t len;
        int64_t error = 0;
        ssize_t n;
        int r;

        fd = stream_worker_connect(path);
        if (fd < 0)
                return fd;
        worker_msg_begin(&w, buf, sizeof(buf), WORKER_MSG_PROBE, 0);
        worker_msg_put_u64(&w, WORKER_FIELD_SEQ, 1);
        if (spec)
                worker_msg_put_str(&w, WORKER_FIELD_TEXT, spec);
        r = worker_msg_finish(&w, &len);
        if (r < 0)
                return r;
        if (send(fd, buf, len, MSG_NOSIGNAL) < 0)
                return -errno;
        for (;;) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                uint64_t now = now_usec();

                if (now >= deadline)
                        return -ETIMEDOUT;
                if (poll(&p, 1, (int) ((deadline - now) / 1000) + 1) <= 0)
                        continue;
                n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
                if (n < 0 && (errno == EAGAIN || errno == EINTR))
                        continue;
                if (n <= 0)
                        return -ECONNRESET;
                if (worker_msg_parse(buf, (size_t) n, &m) == 0 && m.type == WORKER_MSG_REPLY &&
                    worker_msg_get_u64(&m, WORKER_FIELD_SEQ, &seq) == 0 && seq == 1)
                        break;
        }
        for (size_t i = 0; i < m.n_fields; i++) {
                char line[512];

                if (m.fields[i].tag != WORKER_FIELD_TEXT || m.fields[i].len >= sizeof(line))
                        continue;
                memcpy(line, m.fields[i].value, m.fields[i].len);
                line[m.fields[i].len] = '\0';
                r = each(line, userdata);
                if (r < 0)
                        return r;
        }
        if (worker_msg_get_ranged(&m, WORKER_FIELD_ERROR, -4095, 0, &error) < 0)
                return -EBADMSG;
        return error < 0 ? -ENODEV : 0;
}

/* Run the worker binary with args, its stdout lines to each(), bounded in time and size. */
static int stream_probe_run(const char *arg1, const char *arg2, int (*each)(const char *line, void *userdata),
                            void *userdata)
{
        char path[PATH_MAX], buf[16384];
        char *argv[] = { path, (char *) arg1, (char *) arg2, NULL };
        size_t len = 0;
        int pipefd[2], r, status = 0;
        uint64_t deadline = now_usec() + STREAM_WORKER_CALL_TIMEOUT_USEC;
        pid_t pid = 0;

        r = stream_worker_find_binary(path, sizeof(path));
        if (r < 0)
                return r;
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return -errno;
        r = stream_worker_spawn(argv, -1, pipefd[1], &pid);
        safe_close(pipefd[1]);
        if (r < 0) {
                safe_close(pipefd[0]);
                return r;
        }
        for (;;) {
                struct pollfd p = { .fd = pipefd[0], .events = POLLIN };
                uint64_t now = now_usec();
                ssize_t n;

                if (now >= deadline || len >= sizeof(buf) - 1) {
                        (void) kill(pid, SIGKILL);
                        break;
                }
                if (poll(&p, 1, (int) ((deadline - now) / 1000) + 1) <= 0)
                        continue;
                n = read(pipefd[0], buf + len, sizeof(buf) - 1 - len);
                if (n <= 0)
                        break;
                len += (size_t) n;
        }
        safe_close(pipefd[0]);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        buf[len] = '\0';
        if (!WIFEXITED(status) || (WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 2))
                return -EIO;
        for (char *line = buf, *nl; *line; line = nl + 1) {
                nl = strchr(line, '\n');
                if (!nl)
                        break;          /* a last line without its end was cut off */
                *nl = '\0';
                r = each(line, userdata);
                if (r < 0)
                        return r;
        }
        return WEXITSTATUS(status) == 2 ? -ENODEV : 0;
}

struct probe_lists {
        size_t n_encoders, n_outputs;
};

static int probe_line(const char *line, void *userdata)
{
        struct probe_lists *p = userdata;

        if (strncmp(line, "encoder ", 8) == 0)
                return strv_push(&probe_encoders, &p->n_encoders, line + 8);
        if (strncmp(line, "output ", 7) == 0)
                return strv_push(&probe_outputs, &p->n_outputs, line + 7);
        return 0;
}

/*
 * The probe of encoders and outputs runs once, in the background from the start
 * (stream_probe_start()), so no D-Bus call waits for a worker to load FFmpeg; a property read
 * before it finished waits for the rest of it (bounded).
 */
struct probe_job {
        struct manager *manager;     /* not owned: told when the lists are there */
        sd_event_source *io;         /* owned */
        int fd;                      /* owned: the KMS worker's socket, or the forked probe's stdout */
        pid_t pid;                   /* forked probe, 0 for the socket */
        uint64_t deadline;
        size_t len;
        uint8_t buf[WORKER_MSG_MAX];
};
static struct probe_job *probe_job;

static void probe_job_free(void)
{
        struct probe_job *j = steal_ptr(probe_job);

        if (!j)
                return;
        j->io = sd_event_source_disable_unref(j->io);
        j->fd = safe_close(j->fd);
        if (j->pid > 0) {
                (void) kill(j->pid, SIGKILL);
                while (waitpid(j->pid, NULL, 0) < 0 && errno == EINTR)
                        ;
        }
        free(j);
}

/* The answer is complete (r == 0) or the probe failed: fill the cache or not. */
static void probe_job_finish(int r)
{
        struct probe_job *j = probe_job;
        struct probe_lists p = {};
        static struct worker_msg m;
        bool socket_reply = j->pid == 0;
        int status = 0;

        if (j->pid > 0) {
                while (waitpid(j->pid, &status, 0) < 0 && errno == EINTR)
                        ;
                j->pid = 0;
                if (r >= 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
                        r = -EIO;
        }
        stream_probe_clear();
        probe_encoders = calloc(1, sizeof(char *));   /* empty lists, not NULL, when nothing is found */
        probe_outputs = calloc(1, sizeof(char *));
        if (!probe_encoders || !probe_outputs)
                r = -ENOMEM;
        if (r >= 0 && socket_reply) {
                /* a REPLY datagram from the socket: its TEXT fields are the lines */
                if (worker_msg_parse(j->buf, j->len, &m) < 0 || m.type != WORKER_MSG_REPLY)
                        r = -EBADMSG;
                for (size_t i = 0; r >= 0 && i < m.n_fields; i++) {
                        char line[512];

                        if (m.fields[i].tag != WORKER_FIELD_TEXT || m.fields[i].len >= sizeof(line))
                                continue;
                        memcpy(line, m.fields[i].value, m.fields[i].len);
                        line[m.fields[i].len] = '\0';
                        r = probe_line(line, &p);
                }
        } else if (r >= 0) {
                /* the forked probe's stdout: whole lines */
                j->buf[MIN(j->len, sizeof(j->buf) - 1)] = '\0';
                for (char *line = (char *) j->buf, *nl; r >= 0 && *line; line = nl + 1) {
                        nl = strchr(line, '\n');
                        if (!nl)
                                break;
                        *nl = '\0';
                        r = probe_line(line, &p);
                }
        }
        if (r < 0) {
                stream_probe_clear();
                log_warning_errno(r, "Cannot ask %s for encoders and outputs: %m", STREAM_WORKER_BINARY);
        } else {
                probed = true;
                log_debug("Probe: %zu encoders, %zu outputs", p.n_encoders, p.n_outputs);
                if (j->manager)
                        observers_notify(&j->manager->observers, j->manager, MANAGER_CHANGED_OUTPUTS);
        }
        probe_job_free();
}

/* Read what is there: 1 when the job is over (finished or failed), 0 for more. */
static int probe_job_step(void)
{
        struct probe_job *j = probe_job;
        ssize_t n;

        if (j->pid == 0) {
                n = recv(j->fd, j->buf, sizeof(j->buf), MSG_DONTWAIT);
                if (n < 0 && (errno == EAGAIN || errno == EINTR))
                        return 0;
                j->len = n > 0 ? (size_t) n : 0;
                probe_job_finish(n > 0 ? 0 : -ECONNRESET);
                return 1;
        }
        if (j->len >= sizeof(j->buf) - 1) {
                probe_job_finish(-EFBIG);
                return 1;
        }
        n = read(j->fd, j->buf + j->len, sizeof(j->buf) - 1 - j->len);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return 0;
        if (n > 0) {
                j->len += (size_t) n;
                return 0;
        }
        probe_job_finish(n < 0 ? -errno : 0);
        return 1;
}

static int probe_on_io(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
        (void) probe_job_step();
        return 0;
}

/* Start the probe: ask a socket-activated worker, else fork the binary with --probe. */
static int probe_job_start(struct manager *m)
{
        static uint8_t buf[64];
        char path[PATH_MAX];
        char *argv[] = { path, (char *) "--probe", NULL };
        struct worker_msg_writer w;
        struct probe_job *j;
        int pipefd[2], fd, r;
        size_t len;

        j = calloc(1, sizeof(*j));
        if (!j)
                return -ENOMEM;
        j->manager = m;
        j->deadline = now_usec() + STREAM_WORKER_CALL_TIMEOUT_USEC;
        fd = stream_worker_connect(getenv("MIRACASTD_STREAM_SOCKET") ?: STREAM_WORKER_SOCKET);
        if (fd >= 0) {
                j->fd = fd;
                worker_msg_begin(&w, buf, sizeof(buf), WORKER_MSG_PROBE, 0);
                worker_msg_put_u64(&w, WORKER_FIELD_SEQ, 1);
                if (worker_msg_finish(&w, &len) < 0 || send(fd, buf, len, MSG_NOSIGNAL) < 0) {
                        safe_close(fd);
                        free(j);
                        return -EIO;
                }
        } else {
                r = stream_worker_find_binary(path, sizeof(path));
                if (r >= 0 && pipe2(pipefd, O_CLOEXEC | O_NONBLOCK) < 0)
                        r = -errno;
                if (r < 0) {
                        free(j);
                        return r;
                }
                r = stream_worker_spawn(argv, -1, pipefd[1], &j->pid);
                safe_close(pipefd[1]);
                if (r < 0) {
                        safe_close(pipefd[0]);
                        free(j);
                        return r;
                }
                j->fd = pipefd[0];
        }
        probe_job = j;
        return 0;
}

int stream_probe_start(struct manager *m)
{
        int r;

        if (probed || probe_job)
                return 0;
        r = probe_job_start(m);
        if (r < 0)
                return log_warning_errno(r, "Cannot start the probe of encoders and outputs: %m");
        r = sd_event_add_io(m->event, &probe_job->io, probe_job->fd, EPOLLIN, probe_on_io, NULL);
        if (r < 0)
                probe_job->io = NULL;   /* a property read will wait for it */
        return 0;
}

void stream_probe_cancel(void)
{
        probe_job_free();
}

static int stream_probe(void)
{
        int r;

        if (probed)
                return 0;
        if (!probe_job) {
                r = probe_job_start(NULL);
                if (r < 0)
                        return r;
        }
        /* Wait for the rest of it here (bounded): the caller answers a D-Bus call with it. */
        for (;;) {
                struct pollfd p = { .fd = probe_job->fd, .events = POLLIN };
                uint64_t now = now_usec();

                if (now >= probe_job->deadline) {
                        probe_job_finish(-ETIMEDOUT);
                        return -ETIMEDOUT;
                }
                (void) poll(&p, 1, (int) ((probe_job->deadline - now) / 1000) + 1);
                if (probe_job_step() > 0)
                        return probed ? 0 : -EIO;
        }
}

int stream_probe_encoders(char ***ret)
{
        char **l;
        int r = stream_probe();

        if (r < 0)
                return r;
        l = strv_copy(probe_encoders);
        if (!l)
                return -ENOMEM;
        *ret = l;
        return 0;
}

int stream_probe_outputs(char ***ret)
{
        char **l;
        int r = stream_probe();

        if (r < 0)
                return r;
        l = strv_copy(probe_outputs);
        if (!l)
                return -ENOMEM;
        *ret = l;
        return 0;
}

struct probe_find {
        char *device, *error;
        size_t device_size, error_size;
};

static int probe_find_line(const char *line, void *userdata)
{
        struct probe_find *f = userdata;

        if (strncmp(line, "device ", 7) == 0)
                snprintf(f->device, f->device_size, "%s", line + 7);
        else if (strncmp(line, "error ", 6) == 0)
                snprintf(f->error, f->error_size, "%s", line + 6);
        return 0;
}

int stream_probe_find_output(const char *spec, char *ret_device, size_t device_size, char *error_text,
                             size_t error_size)
{
        char device[256] = "", error[256] = "";
        struct probe_find f = { device, error, sizeof(device), sizeof(error) };
        int r;

        r = stream_probe_socket(spec, probe_find_line, &f);
        if (r == -ENOENT || r == -ECONNREFUSED || r == -EACCES)
                r = stream_probe_run("--probe-output", spec, probe_find_line, &f);
        if (r < 0) {
                snprintf(error_text, error_size, "%s", error[0] ? error : strerror(-r));
                return r == -EIO ? r : -ENODEV;
        }
        snprintf(ret_device, device_size, "%s", device);
        return 0;
}

/* Cached lists live until exit: LeakSanitizer would call them leaks. */
static void __attribute__((destructor)) stream_probe_fini(void)
{
        probe_job_free();
        stream_probe_clear();
}
