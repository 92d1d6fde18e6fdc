/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Network namespace helpers for integration tests (header-only: the build
 * links only tests/lib/test.c and test-util.c). Needs root (CI runs as root).
 *
 *   netns_test_setup("mcd-x", "va", "vb"): this process moves into a fresh
 *   private network namespace, a named namespace NAME is created for the peer,
 *   and a veth pair joins them: A here, B in NAME, both up.
 *   netns_test_cleanup() deletes the named namespace.
 *
 * The event loop helper runs sd-event until a condition holds or a generous
 * bound passes; the bound only stops a broken run, it asserts no timing.
 */
#pragma once

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <systemd/sd-event.h>
#include <time.h>
#include <unistd.h>

static char netns_name[64];

static inline int netns_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline int netns_sh(const char *fmt, ...)
{
        char cmd[1024];
        va_list ap;
        int r;

        va_start(ap, fmt);
        vsnprintf(cmd, sizeof(cmd), fmt, ap);
        va_end(ap);
        r = system(cmd);
        if (r != 0)
                fprintf(stderr, "command failed (%d): %s\n", r, cmd);
        return r == 0 ? 0 : -EIO;
}

static inline void netns_test_cleanup(void)
{
        if (netns_name[0]) {
                (void) netns_sh("ip netns pids %s 2>/dev/null | xargs -r kill -9 2>/dev/null; ip netns del %s 2>/dev/null",
                                netns_name, netns_name);
                netns_name[0] = 0;
        }
}

static inline int netns_test_setup(const char *prefix, const char *a, const char *b)
{
        if (unshare(CLONE_NEWNET) < 0) {
                fprintf(stderr, "unshare(CLONE_NEWNET): %m (integration tests need root)\n");
                return -errno;
        }
        snprintf(netns_name, sizeof(netns_name), "%s-%d", prefix, (int) getpid());
        if (netns_sh("ip link set lo up") < 0 || netns_sh("ip netns add %s", netns_name) < 0)
                return -EIO;
        atexit(netns_test_cleanup);
        if (netns_sh("ip link add %s type veth peer name %s", a, b) < 0 ||
            netns_sh("ip link set %s netns %s", b, netns_name) < 0 || netns_sh("ip link set %s up", a) < 0 ||
            netns_sh("ip -n %s link set %s up && ip -n %s link set lo up", netns_name, b, netns_name) < 0)
                return -EIO;
        return 0;
}

/* Run the loop until *done or bound_sec passed; returns *done. */
static inline bool event_run_until(sd_event *e, const bool *done, unsigned bound_sec)
{
        struct timespec start, now;

        clock_gettime(CLOCK_MONOTONIC, &start);
        while (!*done) {
                clock_gettime(CLOCK_MONOTONIC, &now);
                if (now.tv_sec - start.tv_sec >= (time_t) bound_sec)
                        break;
                if (sd_event_run(e, 100 * 1000) < 0)
                        break;
        }
        return *done;
}

/* fork+exec argv (NULL-terminated); returns the pid or -errno. */
static inline pid_t spawn_argv(char *const argv[])
{
        pid_t pid = fork();

        if (pid < 0)
                return -errno;
        if (pid == 0) {
                execvp(argv[0], argv);
                _exit(127);
        }
        return pid;
}

static inline void kill_wait(pid_t pid)
{
        if (pid > 0) {
                kill(pid, SIGTERM);
                (void) waitpid(pid, NULL, 0);
        }
}
