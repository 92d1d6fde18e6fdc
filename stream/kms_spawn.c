/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Started by hand as root, the worker starts its KMS helper itself, before it
 * drops root and before it reads anything from main or a sink, so the same
 * two processes exist whether or not systemd started them
 * (docs/process-model.md). The helper stays user root: the card nodes are
 * root:video and GetFB2 needs CAP_SYS_ADMIN whatever the user, so another
 * user would buy nothing but a group; what limits it is the capability set
 * (CAP_SYS_ADMIN alone, via the bounding set before exec), no_new_privs, and
 * an empty network namespace it enters itself (kms/main.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../daemon/log.h"
#include "stream.h"

#define KMS_HELPER_BINARY "miracastd-kms"
#define KMS_HELPER_FD 3

#ifndef MIRACASTD_LIBEXECDIR
#define MIRACASTD_LIBEXECDIR "/usr/libexec/miracastd"
#endif

/* MIRACASTD_KMS, else beside our own binary (a build tree), else libexecdir. */
static int kms_helper_find(char *buf, size_t size)
{
        const char *env = getenv("MIRACASTD_KMS");
        char self[PATH_MAX - 32], *slash;
        ssize_t n;

        if (env && *env) {
                snprintf(buf, size, "%s", env);
                return access(buf, X_OK) < 0 ? -errno : 0;
        }
        n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        if (n > 0) {
                self[n] = '\0';
                slash = strrchr(self, '/');
                if (slash) {
                        *slash = '\0';
                        snprintf(buf, size, "%s/%s", self, KMS_HELPER_BINARY);
                        if (access(buf, X_OK) == 0)
                                return 0;
                }
        }
        snprintf(buf, size, "%s/%s", MIRACASTD_LIBEXECDIR, KMS_HELPER_BINARY);
        return access(buf, X_OK) < 0 ? -errno : 0;
}

int stream_spawn_kms_helper(int *ret_fd)
{
        char path[PATH_MAX];
        char *argv[] = { path, NULL };
        int sv[2], r;
        pid_t pid;

        r = kms_helper_find(path, sizeof(path));
        if (r < 0)
                return log_error_errno(r, "Cannot find %s (next to miracastd-stream or in %s): %m", KMS_HELPER_BINARY,
                                       MIRACASTD_LIBEXECDIR);
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
                return -errno;
        pid = fork();
        if (pid < 0) {
                r = -errno;
                close(sv[0]);
                close(sv[1]);
                return r;
        }
        if (pid == 0) {
                /* The child: only the helper's socket, CAP_SYS_ADMIN as the only capability exec can give. */
                if (dup2(sv[1], KMS_HELPER_FD) < 0)
                        _exit(127);
                (void) close_range(KMS_HELPER_FD + 1, ~0U, 0);
                for (int cap = 0; cap <= 63; cap++)
                        if (cap != CAP_SYS_ADMIN)
                                (void) prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
                if (setgroups(0, NULL) < 0)
                        _exit(127);
                execv(argv[0], argv);
                _exit(127);
        }
        close(sv[1]);
        /* The helper exits when our end closes (we exit); it is not waited for before. */
        log_debug("KMS helper %s started (pid %d)", path, (int) pid);
        *ret_fd = sv[0];
        return 0;
}
