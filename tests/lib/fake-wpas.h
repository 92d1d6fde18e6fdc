/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * FAKE wpa_supplicant per-interface control socket, for tests only: P2P needs
 * a Wi-Fi radio, which cannot exist here. It speaks the real transport (Unix
 * datagram socket at a path, replies to the sender's bound address, ATTACH
 * registers a monitor, PING -> PONG) and lets a test script everything else:
 * it records every command it receives, answers each with the reply the test
 * set for its prefix (default "OK"), and sends the recorded event lines the
 * test injects to every attached monitor. "Crashing" closes and unlinks the
 * socket; restarting opens a new one at the same path, like a restarted
 * wpa_supplicant (old connected clients get ECONNREFUSED).
 *
 * Header-only (the build links only tests/lib/test.c and test-util.c).
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <systemd/sd-event.h>
#include <unistd.h>

#define FAKE_WPAS_MAX_CMDS     256
#define FAKE_WPAS_MAX_REPLIES  16
#define FAKE_WPAS_MAX_MONITORS 4

struct fake_wpas {
        sd_event *event;
        char path[108];
        int fd;
        sd_event_source *io;
        char *cmds[FAKE_WPAS_MAX_CMDS];      /* every command received, in order */
        unsigned n_cmds;
        struct {
                char *prefix, *reply;
        } replies[FAKE_WPAS_MAX_REPLIES];
        unsigned n_replies;
        struct sockaddr_un monitors[FAKE_WPAS_MAX_MONITORS];
        socklen_t monitor_lens[FAKE_WPAS_MAX_MONITORS];
        unsigned n_monitors;
};

static inline int fake_wpas_on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        struct fake_wpas *f = userdata;
        struct sockaddr_un from = {};
        socklen_t fromlen = sizeof(from);
        char buf[4096];
        const char *reply = "OK\n";
        ssize_t n;

        n = recvfrom(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT, (struct sockaddr *) &from, &fromlen);
        if (n < 0)
                return 0;
        buf[n] = 0;
        if (strcmp(buf, "ATTACH") == 0) {
                if (f->n_monitors < FAKE_WPAS_MAX_MONITORS) {
                        f->monitors[f->n_monitors] = from;
                        f->monitor_lens[f->n_monitors++] = fromlen;
                }
        } else if (strcmp(buf, "DETACH") == 0) {
                f->n_monitors = 0;
                return 0;
        } else if (strcmp(buf, "PING") == 0) {
                reply = "PONG\n";
        } else {
                if (f->n_cmds < FAKE_WPAS_MAX_CMDS)
                        f->cmds[f->n_cmds++] = strdup(buf);
                for (unsigned i = f->n_replies; i > 0; i--)
                        if (strncmp(buf, f->replies[i - 1].prefix, strlen(f->replies[i - 1].prefix)) == 0) {
                                reply = f->replies[i - 1].reply;
                                break;
                        }
        }
        (void) sendto(fd, reply, strlen(reply), MSG_DONTWAIT, (struct sockaddr *) &from, fromlen);
        return 0;
}

static inline int fake_wpas_start(struct fake_wpas *f)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };

        f->n_monitors = 0;
        f->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (f->fd < 0)
                return -errno;
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->path);
        (void) unlink(f->path);
        if (bind(f->fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                return -errno;
        return sd_event_add_io(f->event, &f->io, f->fd, EPOLLIN, fake_wpas_on_io, f);
}

/* Simulate wpa_supplicant dying: the socket disappears. */
static inline void fake_wpas_crash(struct fake_wpas *f)
{
        f->io = sd_event_source_disable_unref(f->io);
        if (f->fd >= 0)
                close(f->fd);
        f->fd = -1;
        (void) unlink(f->path);
        f->n_monitors = 0;
}

static inline int fake_wpas_new(sd_event *e, const char *path, struct fake_wpas **ret)
{
        struct fake_wpas *f = calloc(1, sizeof(*f));
        int r;

        if (!f)
                return -ENOMEM;
        f->event = e;
        f->fd = -1;
        if (strlen(path) >= sizeof(f->path)) {
                free(f);
                return -ENAMETOOLONG;
        }
        memcpy(f->path, path, strlen(path) + 1);
        r = fake_wpas_start(f);
        if (r < 0) {
                free(f);
                return r;
        }
        *ret = f;
        return 0;
}

static inline void fake_wpas_clear_cmds(struct fake_wpas *f)
{
        for (unsigned i = 0; i < f->n_cmds; i++)
                free(f->cmds[i]);
        f->n_cmds = 0;
}

static inline void fake_wpas_free(struct fake_wpas *f)
{
        if (!f)
                return;
        fake_wpas_crash(f);
        fake_wpas_clear_cmds(f);
        for (unsigned i = 0; i < f->n_replies; i++) {
                free(f->replies[i].prefix);
                free(f->replies[i].reply);
        }
        free(f);
}

/* Answer commands starting with prefix with reply (later settings win). */
static inline void fake_wpas_set_reply(struct fake_wpas *f, const char *prefix, const char *reply)
{
        if (f->n_replies < FAKE_WPAS_MAX_REPLIES) {
                f->replies[f->n_replies].prefix = strdup(prefix);
                f->replies[f->n_replies++].reply = strdup(reply);
        }
}

/* Send one event line (as recorded, e.g. "<3>P2P-FIND-STOPPED") to every monitor. */
static inline void fake_wpas_event(struct fake_wpas *f, const char *line)
{
        for (unsigned i = 0; i < f->n_monitors; i++)
                (void) sendto(f->fd, line, strlen(line), MSG_DONTWAIT, (struct sockaddr *) &f->monitors[i],
                              f->monitor_lens[i]);
}

/* Index of the first recorded command equal to cmd at or after index from, or -1. */
static inline int fake_wpas_find(const struct fake_wpas *f, const char *cmd, unsigned from)
{
        for (unsigned i = from; i < f->n_cmds; i++)
                if (strcmp(f->cmds[i], cmd) == 0)
                        return (int) i;
        return -1;
}

static inline bool fake_wpas_has(const struct fake_wpas *f, const char *cmd)
{
        return fake_wpas_find(f, cmd, 0) >= 0;
}
