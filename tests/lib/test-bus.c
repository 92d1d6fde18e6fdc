/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test-bus.h"

int test_dbus_daemon_start(const char *conf, char *ret_address, size_t size, pid_t *ret_pid)
{
        char line[512], arg[64];
        size_t n = 0;
        int p[2], r = 0;
        pid_t pid;

        if (!conf || !ret_pid)
                return -EINVAL;
        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        pid = fork();
        if (pid < 0) {
                r = -errno;
                close(p[0]);
                close(p[1]);
                return r;
        }
        if (pid == 0) {
                (void) prctl(PR_SET_PDEATHSIG, SIGTERM);
                if (dup2(p[1], 3) < 0)
                        _exit(127);
                snprintf(arg, sizeof(arg), "--print-address=3");
                execlp("dbus-daemon", "dbus-daemon", "--nofork", "--nopidfile", "--config-file", conf, arg,
                       (char *) NULL);
                _exit(127);
        }
        close(p[1]);
        while (n < sizeof(line) - 1 && !memchr(line, '\n', n)) {
                struct pollfd pfd = { .fd = p[0], .events = POLLIN };
                ssize_t k;

                r = poll(&pfd, 1, 10000);
                if (r <= 0) {
                        r = r == 0 ? -ETIMEDOUT : -errno;
                        break;
                }
                k = read(p[0], line + n, sizeof(line) - 1 - n);
                if (k <= 0) {
                        r = k == 0 ? -EPIPE : -errno; /* it exited: bad config, no binary */
                        break;
                }
                n += (size_t) k;
                line[n] = 0;
                r = 0;
        }
        close(p[0]);
        if (r < 0) {
                kill(pid, SIGTERM);
                (void) waitpid(pid, NULL, 0);
                return r;
        }
        line[strcspn(line, "\n")] = 0;
        if (ret_address)
                snprintf(ret_address, size, "%s", line);
        *ret_pid = pid;
        return 0;
}
