/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The worker gives up everything root could do before it reads a byte from
 * a sink (docs/process-model.md): every capability set emptied (bounding set
 * where CAP_SETPCAP allows, permitted/effective/inheritable/ambient always),
 * the user and groups of "miracastd" (nobody when that user does not exist),
 * no_new_privs, not dumpable. Not root: nothing to drop but no_new_privs.
 */
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../daemon/log.h"
#include "stream.h"

#define STREAM_DEFAULT_USER "miracastd"
#define STREAM_NOBODY 65534

static int cap_last_cap(void)
{
        FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
        int last = CAP_LAST_CAP;

        if (f) {
                if (fscanf(f, "%d", &last) != 1 || last < 0 || last > 63)
                        last = CAP_LAST_CAP;
                fclose(f);
        }
        return last;
}

static int capabilities_clear(void)
{
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = {};

        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
                return -errno;
        if (syscall(SYS_capset, &h, d) < 0)
                return -errno;
        return 0;
}

int stream_drop_privileges(const struct stream_config *config)
{
        const char *user = config->user ?: STREAM_DEFAULT_USER;
        uid_t uid = STREAM_NOBODY;
        gid_t gid = STREAM_NOBODY;
        struct passwd *pw;
        int last, dropped = 0, r;

        if (geteuid() != 0) {
                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                        return log_error_errno(-errno, "PR_SET_NO_NEW_PRIVS failed: %m");
                return 0;
        }

        pw = getpwnam(user);
        if (pw) {
                uid = pw->pw_uid;
                gid = pw->pw_gid;
        } else
                log_debug("No user \"%s\", the stream worker runs as nobody (%u)", user, STREAM_NOBODY);
        if (uid == 0)
                return log_error_errno(-EPERM, "User \"%s\" is root: refusing to run the stream worker as root", user);

        /* The bounding set needs CAP_SETPCAP, which a unit may have removed already (then its
         * bounding set is what main's is, and no_new_privs keeps it from mattering). */
        last = cap_last_cap();
        for (int cap = 0; cap <= last; cap++)
                if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) >= 0)
                        dropped++;
        if (setgroups(0, NULL) < 0)
                return log_error_errno(-errno, "setgroups() failed: %m");
        if (setresgid(gid, gid, gid) < 0)
                return log_error_errno(-errno, "setresgid(%u) failed: %m", gid);
        if (setresuid(uid, uid, uid) < 0)
                return log_error_errno(-errno, "setresuid(%u) failed: %m", uid);
        r = capabilities_clear();
        if (r < 0)
                return log_error_errno(r, "Failed to clear the capability sets: %m");
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return log_error_errno(-errno, "PR_SET_NO_NEW_PRIVS failed: %m");
#ifndef __SANITIZE_ADDRESS__
        /* No core dumps or ptrace by the user: the process holds the sink's stream. (Not under
         * ASan: LeakSanitizer's check at exit needs a dumpable process.) */
        (void) prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
#endif
        /* Belt and braces: there must be no way back. */
        if (setuid(0) == 0 || seteuid(0) == 0)
                return log_error_errno(-EPERM, "Could regain root after dropping privileges: refusing to run");
        log_debug("Stream worker runs as %s (%u:%u), %d bounding capabilities dropped", pw ? user : "nobody",
                  uid, gid, dropped);
        return 0;
}
