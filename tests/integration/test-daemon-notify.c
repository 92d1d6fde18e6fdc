/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * build/miracastd talks to its service manager: run it as systemd would,
 * with NOTIFY_SOCKET (a datagram socket this test reads) and a watchdog, and
 * check READY=1, STATUS=..., WATCHDOG=1 pings, and STOPPING=1 plus exit 0 on
 * SIGTERM. No bus (--bus none), a loopback listener on a free port.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/test.h"

static char seen[16384];

/* Read notifications until one contains want (or the hang guard trips). */
static bool wait_notify(int fd, const char *want)
{
        for (unsigned i = 0; i < 300 && !strstr(seen, want); i++) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                char buf[1024];
                ssize_t n;

                if (poll(&p, 1, 100) <= 0)
                        continue;
                n = recv(fd, buf, sizeof(buf) - 1, 0);
                if (n <= 0)
                        continue;
                buf[n] = '\0';
                if (strlen(seen) + n + 2 < sizeof(seen)) {
                        strcat(seen, buf);
                        strcat(seen, "\n");
                }
        }
        return strstr(seen, want) != NULL;
}

TEST(notify, "/daemon/sd_notify READY, STATUS, WATCHDOG, then STOPPING and exit 0 on SIGTERM")
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        const char *build = getenv("MIRACAST_BUILD");
        char path[512], dir[] = "/tmp/test-notify.XXXXXX";
        int fd, status;
        pid_t pid;

        assert_non_null(mkdtemp(dir));
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/notify", dir);
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        assert_int_ge(fd, 0);
        assert_int_eq(bind(fd, (struct sockaddr *) &sa, sizeof(sa)), 0);
        snprintf(path, sizeof(path), "%s/miracastd", build ?: "build");

        pid = fork();
        assert_int_ge(pid, 0);
        if (pid == 0) {
                char wpid[32];

                (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
                snprintf(wpid, sizeof(wpid), "%d", (int) getpid());
                setenv("NOTIFY_SOCKET", sa.sun_path, 1);
                setenv("WATCHDOG_USEC", "200000", 1);     /* pings every 100 ms */
                setenv("WATCHDOG_PID", wpid, 1);
                execl(path, path, "--config", "/dev/null", "--bus", "none", "-o", "p2p-backend=none",
                      "--capture", "testsrc", "--listen", "127.0.0.1:0", (char *) NULL);
                _exit(127);
        }
        assert_true(wait_notify(fd, "READY=1"));
        assert_true(wait_notify(fd, "STATUS=0 session(s), 1 listener(s)"));
        assert_true(wait_notify(fd, "WATCHDOG=1"));
        assert_int_eq(kill(pid, SIGTERM), 0);
        assert_true(wait_notify(fd, "STOPPING=1"));
        assert_int_eq(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_eq(WEXITSTATUS(status), 0);
        close(fd);
        unlink(sa.sun_path);
        rmdir(dir);
}
