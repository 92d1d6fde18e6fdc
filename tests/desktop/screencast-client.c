/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Test driver for user-session/screencast_portal.c against a real desktop
 * portal: asks for a share (KIND monitor, window or extend, restore key KEY),
 * prints "ready node=N" or "error=-ERRNO (name)", then runs COMMAND... with
 * the PipeWire fd inherited as MIRACAST_PW_FD and the node as
 * MIRACAST_PW_NODE, staying on the session bus meanwhile (the portal session
 * lives as long as its client). Prints "closed: REASON" when the portal side
 * ends the share. Exits with COMMAND's status (or 0 without one, after
 * --hold seconds), 2 on a portal error, 3 when the share was closed first.
 *
 *   screencast-client [--size WxH] [--hold SEC] KIND KEY [COMMAND...]
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "../../daemon/log.h"
#include "../../user-session/screencast.h"

static sd_event *event;
static char **command;
static pid_t child = -1;
static int exit_code;
static unsigned hold_sec;

static int on_child(sd_event_source *s, const siginfo_t *si, void *userdata)
{
        exit_code = si->si_code == CLD_EXITED ? si->si_status : 128 + si->si_status;
        printf("command exited %d\n", exit_code);
        return sd_event_exit(event, exit_code);
}

static int on_hold(sd_event_source *s, uint64_t usec, void *userdata)
{
        return sd_event_exit(event, 0);
}

static void on_ready(struct screencast *sc, int error, int fd, uint32_t node, void *userdata)
{
        char nbuf[16], fbuf[16];

        if (error < 0) {
                printf("error=%d (%s)\n", error, strerror(-error));
                sd_event_exit(event, 2);
                return;
        }
        printf("ready node=%u\n", node);
        fflush(stdout);
        if (!command) {
                close(fd);
                (void) sd_event_add_time_relative(event, NULL, CLOCK_MONOTONIC, hold_sec * 1000000ULL, 0, on_hold,
                                                  NULL);
                return;
        }
        snprintf(nbuf, sizeof(nbuf), "%u", node);
        snprintf(fbuf, sizeof(fbuf), "%d", fd);
        child = fork();
        if (child == 0) {
                (void) fcntl(fd, F_SETFD, 0);   /* inherited by COMMAND */
                setenv("MIRACAST_PW_FD", fbuf, 1);
                setenv("MIRACAST_PW_NODE", nbuf, 1);
                sigset_t all;
                sigemptyset(&all);
                sigprocmask(SIG_SETMASK, &all, NULL);
                execvp(command[0], command);
                _exit(127);
        }
        close(fd);
        if (child < 0 || sd_event_add_child(event, NULL, child, WEXITED, on_child, NULL) < 0)
                sd_event_exit(event, 1);
}

static void on_closed(struct screencast *sc, const char *reason, void *userdata)
{
        printf("closed: %s\n", reason);
        fflush(stdout);
        if (child <= 0)
                sd_event_exit(event, 3);
        /* with a command running, let it see the stream end and exit on its own */
}

int main(int argc, char **argv)
{
        struct screencast_request req = {};
        struct screencast *sc = NULL;
        sd_bus *bus = NULL;
        sigset_t mask;
        int r, i = 1;

        setvbuf(stdout, NULL, _IOLBF, 0);
        log_set_max_level(LOG_DEBUG);   /* the portal client's steps, for the test's logs */
        for (; i < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
                if (i + 1 >= argc)
                        return 64;
                if (strcmp(argv[i], "--size") == 0)
                        (void) sscanf(argv[i + 1], "%ux%u", &req.width, &req.height);
                else if (strcmp(argv[i], "--hold") == 0)
                        hold_sec = (unsigned) atoi(argv[i + 1]);
                else
                        return 64;
        }
        if (argc - i < 2) {
                fprintf(stderr, "usage: %s [--size WxH] [--hold SEC] KIND KEY [COMMAND...]\n", argv[0]);
                return 64;
        }
        req.kind = argv[i];
        req.restore_key = argv[i + 1];
        command = argc - i > 2 ? argv + i + 2 : NULL;

        sigemptyset(&mask);
        sigaddset(&mask, SIGCHLD);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        if (sd_event_default(&event) < 0 || sd_bus_open_user(&bus) < 0 || sd_bus_attach_event(bus, event, 0) < 0) {
                fprintf(stderr, "no session bus\n");
                return 1;
        }
        r = screencast_start(bus, &req, on_ready, on_closed, NULL, &sc);
        if (r < 0) {
                printf("error=%d (%s)\n", r, strerror(-r));
                return 2;
        }
        r = sd_event_loop(event);
        if (child > 0 && kill(child, 0) == 0) {
                kill(child, SIGTERM);
                waitpid(child, NULL, 0);
        }
        sc = screencast_free(sc);
        sd_bus_flush_close_unref(bus);
        sd_event_unref(event);
        return r < 0 ? 1 : r;
}
