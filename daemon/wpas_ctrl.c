/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * wpa_supplicant control socket client: command socket (queue, one command
 * in flight, timeout), event socket (ATTACH, datagrams to on_event), PING.
 * Callbacks may send and close, but must not free the client.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "wpas_ctrl.h"

#include "../protocol/macro.h"
#include "../protocol/wpas_msg.h"
#include "log.h"

struct wpas_cmd {
        char *text;
        wpas_ctrl_reply_t cb;
        void *userdata;
        struct wpas_cmd *next;
};

struct wpas_ctrl {
        sd_event *event;                 /* reference */
        char *server_path;               /* owned */
        char *local_dir;                 /* owned */
        wpas_ctrl_event_t on_event;
        wpas_ctrl_down_t on_down;
        void *userdata;

        int cmd_fd, ev_fd;               /* owned */
        char cmd_path[sizeof(((struct sockaddr_un *) 0)->sun_path)];
        char ev_path[sizeof(((struct sockaddr_un *) 0)->sun_path)];
        sd_event_source *cmd_io;         /* owned: replies on cmd_fd */
        sd_event_source *ev_io;          /* owned: events on ev_fd */
        sd_event_source *cmd_timer;      /* owned: timeout of the command in flight */
        sd_event_source *ping_timer;     /* owned: periodic PING */

        struct wpas_cmd *queue, *queue_tail; /* owned; head is in flight when in_flight */
        unsigned n_queued;
        bool in_flight;
        bool attach_pending;
        bool open;
        uint64_t cmd_timeout_usec, ping_usec;
        unsigned generation;             /* names our socket files, new at every open */
};

/* Counter naming our socket files; the daemon is single-threaded. */
static unsigned wpas_ctrl_sockets;

static void cmd_free(struct wpas_cmd *cmd)
{
        if (!cmd)
                return;
        free(cmd->text);
        free(cmd);
}

static uint64_t now_usec(struct wpas_ctrl *c)
{
        uint64_t t = 0;
        (void) sd_event_now(c->event, CLOCK_MONOTONIC, &t);
        return t;
}

static void fail_queue(struct wpas_ctrl *c, int error)
{
        /* Detach the queue first: callbacks may queue new commands (which fail: closed). */
        struct wpas_cmd *q = steal_ptr(c->queue);

        c->queue_tail = NULL;
        c->n_queued = 0;
        c->in_flight = false;
        while (q) {
                struct wpas_cmd *next = q->next;
                if (q->cb)
                        q->cb(c, error, NULL, 0, q->userdata);
                cmd_free(q);
                q = next;
        }
}

static void close_sockets(struct wpas_ctrl *c)
{
        c->cmd_io = sd_event_source_disable_unref(c->cmd_io);
        c->ev_io = sd_event_source_disable_unref(c->ev_io);
        c->cmd_timer = sd_event_source_disable_unref(c->cmd_timer);
        c->ping_timer = sd_event_source_disable_unref(c->ping_timer);
        if (c->ev_fd >= 0 && c->open && !c->attach_pending)
                (void) send(c->ev_fd, "DETACH", 6, MSG_DONTWAIT | MSG_NOSIGNAL);
        c->cmd_fd = safe_close(c->cmd_fd);
        c->ev_fd = safe_close(c->ev_fd);
        if (c->cmd_path[0])
                (void) unlink(c->cmd_path);
        if (c->ev_path[0])
                (void) unlink(c->ev_path);
        c->cmd_path[0] = c->ev_path[0] = 0;
        c->open = false;
        c->attach_pending = false;
}

void wpas_ctrl_close(struct wpas_ctrl *c)
{
        if (!c)
                return;
        close_sockets(c);
        fail_queue(c, -ECONNRESET);
}

/* The link failed: close, fail the queue, tell the owner once. */
static void link_down(struct wpas_ctrl *c, int error)
{
        if (!c->open)
                return;
        log_debug("wpa_supplicant %s: link down: %s", c->server_path, strerror(-error));
        close_sockets(c);
        fail_queue(c, error);
        if (c->on_down)
                c->on_down(c, error, c->userdata);
}

static int send_head(struct wpas_ctrl *c);

static int on_cmd_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct wpas_ctrl *c = userdata;

        log_warning("wpa_supplicant %s: no reply to \"%s\" in time", c->server_path,
                    c->queue ? c->queue->text : "?");
        link_down(c, -ETIMEDOUT);
        return 0;
}

static int send_head(struct wpas_ctrl *c)
{
        struct wpas_cmd *cmd = c->queue;
        int r;

        if (!cmd || c->in_flight || !c->open)
                return 0;
        if (send(c->cmd_fd, cmd->text, strlen(cmd->text), MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
                r = -errno;
                link_down(c, r);
                return r;
        }
        c->in_flight = true;
        c->cmd_timer = sd_event_source_disable_unref(c->cmd_timer);
        r = sd_event_add_time(c->event, &c->cmd_timer, CLOCK_MONOTONIC, now_usec(c) + c->cmd_timeout_usec, 0,
                              on_cmd_timeout, c);
        if (r < 0) {
                link_down(c, r);
                return r;
        }
        return 0;
}

static int on_cmd_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        struct wpas_ctrl *c = userdata;
        char buf[WPAS_MAX_MSG + 1];
        struct wpas_cmd *cmd;
        ssize_t n;

        n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
        if (n < 0) {
                if (errno == EAGAIN || errno == EINTR)
                        return 0;
                link_down(c, -errno);
                return 0;
        }
        buf[n] = 0;
        if (!c->in_flight || !c->queue) {
                log_debug("wpa_supplicant %s: unexpected reply, ignoring", c->server_path);
                return 0;
        }
        cmd = c->queue;
        c->queue = cmd->next;
        if (!c->queue)
                c->queue_tail = NULL;
        c->n_queued--;
        c->in_flight = false;
        c->cmd_timer = sd_event_source_disable_unref(c->cmd_timer);

        if (cmd->cb)
                cmd->cb(c, 0, buf, n, cmd->userdata);
        else if (wpas_reply_to_errno(buf, n) < 0)
                log_debug("wpa_supplicant: \"%s\" -> %.*s", cmd->text, (int) strcspn(buf, "\n"), buf);
        cmd_free(cmd);
        (void) send_head(c);
        return 0;
}

static int on_ev_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        struct wpas_ctrl *c = userdata;
        char buf[WPAS_MAX_MSG + 1];
        ssize_t n;

        n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
        if (n < 0) {
                if (errno == EAGAIN || errno == EINTR)
                        return 0;
                link_down(c, -errno);
                return 0;
        }
        buf[n] = 0;
        if (c->attach_pending) {
                if (wpas_reply_classify(buf, n) == WPAS_REPLY_OK) {
                        c->attach_pending = false;
                        return 0;
                }
                if (wpas_reply_classify(buf, n) != WPAS_REPLY_DATA) {
                        log_error("wpa_supplicant %s: ATTACH refused: %.*s", c->server_path,
                                  (int) strcspn(buf, "\n"), buf);
                        link_down(c, -EPERM);
                        return 0;
                }
        }
        if (strstr(buf, "CTRL-EVENT-TERMINATING")) {
                struct wpas_event e;
                if (wpas_event_parse(buf, n, &e) == 0 && e.type == WPAS_EVENT_CTRL_TERMINATING) {
                        if (c->on_event)
                                c->on_event(c, buf, n, c->userdata);
                        link_down(c, -ESHUTDOWN);
                        return 0;
                }
        }
        if (c->on_event)
                c->on_event(c, buf, n, c->userdata);
        return 0;
}

static void on_pong(struct wpas_ctrl *c, int error, const char *reply, size_t len, void *userdata)
{
        if (error < 0)
                return; /* the link is already down */
        if (wpas_reply_classify(reply, len) != WPAS_REPLY_PONG) {
                log_warning("wpa_supplicant %s: PING answered \"%.*s\"", c->server_path, (int) strcspn(reply, "\n"),
                            reply);
                link_down(c, -EPROTO);
        }
}

static int on_ping_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct wpas_ctrl *c = userdata;
        int r;

        r = wpas_ctrl_send(c, "PING", on_pong, NULL);
        if (r < 0 && r != -ENOBUFS) {
                link_down(c, r);
                return 0;
        }
        (void) sd_event_source_set_time(s, usec + c->ping_usec);
        (void) sd_event_source_set_enabled(s, SD_EVENT_ON);
        return 0;
}

static int open_one(struct wpas_ctrl *c, const char *suffix, char *path_out, size_t path_size, int *ret_fd)
{
        struct sockaddr_un local = { .sun_family = AF_UNIX }, remote = { .sun_family = AF_UNIX };
        _cleanup_close_ int fd = -1;
        int n;

        n = snprintf(path_out, path_size, "%s/wpas-%d-%u-%s", c->local_dir, (int) getpid(), c->generation, suffix);
        if (n < 0 || (size_t) n >= sizeof(local.sun_path) || (size_t) n >= path_size) {
                path_out[0] = 0;
                return -ENAMETOOLONG;
        }
        if (strlen(c->server_path) >= sizeof(remote.sun_path)) {
                path_out[0] = 0;
                return -ENAMETOOLONG;
        }
        strcpy(local.sun_path, path_out);
        strcpy(remote.sun_path, c->server_path);

        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0) {
                path_out[0] = 0;
                return -errno;
        }
        (void) unlink(path_out); /* stale file from an earlier run with the same pid */
        if (bind(fd, (struct sockaddr *) &local, sizeof(local)) < 0) {
                path_out[0] = 0;
                return -errno;
        }
        if (connect(fd, (struct sockaddr *) &remote, sizeof(remote)) < 0)
                return -errno;
        *ret_fd = steal_fd(fd);
        return 0;
}

int wpas_ctrl_open(struct wpas_ctrl *c)
{
        int r, rcvbuf = 1 << 20;

        if (c->open)
                return -EALREADY;
        /* Unique per process: several clients (main, group, tests) share one directory. */
        c->generation = ++wpas_ctrl_sockets;
        r = open_one(c, "cmd", c->cmd_path, sizeof(c->cmd_path), &c->cmd_fd);
        if (r < 0)
                goto fail;
        r = open_one(c, "ev", c->ev_path, sizeof(c->ev_path), &c->ev_fd);
        if (r < 0)
                goto fail;
        /* A monitor that cannot keep up is dropped by wpa_supplicant: give events room. */
        (void) setsockopt(c->ev_fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));

        r = sd_event_add_io(c->event, &c->cmd_io, c->cmd_fd, EPOLLIN, on_cmd_io, c);
        if (r < 0)
                goto fail;
        r = sd_event_add_io(c->event, &c->ev_io, c->ev_fd, EPOLLIN, on_ev_io, c);
        if (r < 0)
                goto fail;
        r = sd_event_add_time(c->event, &c->ping_timer, CLOCK_MONOTONIC, now_usec(c) + c->ping_usec, 0,
                              on_ping_timer, c);
        if (r < 0)
                goto fail;
        if (send(c->ev_fd, "ATTACH", 6, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
                r = -errno;
                goto fail;
        }
        c->attach_pending = true;
        c->open = true;
        /* ATTACH must be confirmed; PING right away also proves the command socket. */
        (void) wpas_ctrl_send(c, "PING", on_pong, NULL);
        return 0;
fail:
        close_sockets(c);
        return r;
}

bool wpas_ctrl_is_open(const struct wpas_ctrl *c)
{
        return c && c->open;
}

const char *wpas_ctrl_server_path(const struct wpas_ctrl *c)
{
        return c->server_path;
}

int wpas_ctrl_send(struct wpas_ctrl *c, const char *text, wpas_ctrl_reply_t cb, void *userdata)
{
        struct wpas_cmd *cmd;

        if (!c->open)
                return -ENOTCONN;
        if (c->n_queued >= WPAS_CTRL_MAX_QUEUE)
                return -ENOBUFS;
        cmd = calloc(1, sizeof(*cmd));
        if (!cmd)
                return -ENOMEM;
        cmd->text = strdup(text);
        if (!cmd->text) {
                free(cmd);
                return -ENOMEM;
        }
        cmd->cb = cb;
        cmd->userdata = userdata;
        if (c->queue_tail)
                c->queue_tail->next = cmd;
        else
                c->queue = cmd;
        c->queue_tail = cmd;
        c->n_queued++;
        /* Sending now cannot call back: a send error only schedules link_down() via the io. */
        if (!c->in_flight && c->queue == cmd) {
                if (send(c->cmd_fd, cmd->text, strlen(cmd->text), MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
                        /* Leave it queued; report the failure from the timer so cb never runs re-entrantly. */
                        log_debug("wpa_supplicant %s: send failed: %m", c->server_path);
                        c->in_flight = true;
                        c->cmd_timer = sd_event_source_disable_unref(c->cmd_timer);
                        (void) sd_event_add_time(c->event, &c->cmd_timer, CLOCK_MONOTONIC, 0, 0, on_cmd_timeout, c);
                        return 0;
                }
                c->in_flight = true;
                c->cmd_timer = sd_event_source_disable_unref(c->cmd_timer);
                (void) sd_event_add_time(c->event, &c->cmd_timer, CLOCK_MONOTONIC,
                                         now_usec(c) + c->cmd_timeout_usec, 0, on_cmd_timeout, c);
        }
        return 0;
}

void wpas_ctrl_cancel_userdata(struct wpas_ctrl *c, void *userdata)
{
        for (struct wpas_cmd *q = c ? c->queue : NULL; q; q = q->next)
                if (q->userdata == userdata)
                        q->cb = NULL;
}

void wpas_ctrl_set_timeouts(struct wpas_ctrl *c, uint64_t cmd_timeout_usec, uint64_t ping_usec)
{
        c->cmd_timeout_usec = cmd_timeout_usec;
        c->ping_usec = ping_usec;
        if (c->ping_timer) {
                (void) sd_event_source_set_time(c->ping_timer, now_usec(c) + ping_usec);
                (void) sd_event_source_set_enabled(c->ping_timer, SD_EVENT_ON);
        }
}

int wpas_ctrl_new(sd_event *event, const char *server_path, const char *local_dir,
                  wpas_ctrl_event_t on_event, wpas_ctrl_down_t on_down, void *userdata,
                  struct wpas_ctrl **ret)
{
        struct wpas_ctrl *c;

        if (!event || !server_path || !local_dir)
                return -EINVAL;
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->cmd_fd = c->ev_fd = -1;
        c->event = sd_event_ref(event);
        c->server_path = strdup(server_path);
        c->local_dir = strdup(local_dir);
        c->on_event = on_event;
        c->on_down = on_down;
        c->userdata = userdata;
        c->cmd_timeout_usec = WPAS_CTRL_CMD_TIMEOUT_USEC;
        c->ping_usec = WPAS_CTRL_PING_USEC;
        if (!c->server_path || !c->local_dir) {
                wpas_ctrl_free(c);
                return -ENOMEM;
        }
        *ret = c;
        return 0;
}

struct wpas_ctrl *wpas_ctrl_free(struct wpas_ctrl *c)
{
        if (!c)
                return NULL;
        close_sockets(c);
        fail_queue(c, -ECANCELED);
        sd_event_unref(c->event);
        free(c->server_path);
        free(c->local_dir);
        free(c);
        return NULL;
}
