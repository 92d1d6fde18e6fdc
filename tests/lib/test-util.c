/* SPDX-License-Identifier: GPL-2.0-or-later */
/* File helpers for tests: where test data lives, reading whole files. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"

static char path_buf[4096];

static const char *source_root(void)
{
        const char *e = getenv("MIRACAST_SRCDIR");
        return e ? e : ".";
}

const char *test_data_path(const char *rel)
{
        const char *e = getenv("MIRACAST_TEST_DATA");
        if (e)
                snprintf(path_buf, sizeof(path_buf), "%s/%s", e, rel);
        else
                snprintf(path_buf, sizeof(path_buf), "%s/tests/data/%s", source_root(), rel);
        return path_buf;
}

long test_read_file(const char *path, char **ret)
{
        struct stat st;
        char *buf;
        ssize_t n;
        int fd;

        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0) {
                close(fd);
                return -errno;
        }
        buf = malloc(st.st_size + 1);
        if (!buf) {
                close(fd);
                return -ENOMEM;
        }
        n = read(fd, buf, st.st_size);
        close(fd);
        if (n < 0) {
                free(buf);
                return -errno;
        }
        buf[n] = 0;
        *ret = buf;
        return n;
}


#define TMPDIRS_MAX 8
static char tmpdirs[TMPDIRS_MAX][256];
static unsigned n_tmpdirs;
static pid_t tmpdirs_owner;

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        (void) st, (void) flag, (void) ftw;
        remove(path);
        return 0;
}

static void remove_tmpdirs(void)
{
        /* forked children (daemons, fake servers) exit too: only the creator cleans up */
        if (getpid() != tmpdirs_owner || getenv("MIRACAST_KEEP_TMP"))
                return;
        for (unsigned i = 0; i < n_tmpdirs; i++)
                nftw(tmpdirs[i], remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void test_remove_at_exit(const char *dir)
{
        if (n_tmpdirs == TMPDIRS_MAX || strlen(dir) >= sizeof(tmpdirs[0]))
                return;
        if (n_tmpdirs == 0) {
                tmpdirs_owner = getpid();
                atexit(remove_tmpdirs);
        }
        snprintf(tmpdirs[n_tmpdirs++], sizeof(tmpdirs[0]), "%s", dir);
}
