/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The whole ownership toolkit, shared by every directory: cleanup attributes,
 * pointer stealing, array sizes. libc only.
 */
#pragma once

#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))

static inline void freep(void *p)
{
        free(*(void **) p);
}
#define _cleanup_free_ _cleanup_(freep)

static inline void closep(int *fd)
{
        if (*fd >= 0)
                close(*fd);
}
#define _cleanup_close_ _cleanup_(closep)

/* Close fd if valid; returns -EBADF so `fd = safe_close(fd);` resets it. */
static inline int safe_close(int fd)
{
        if (fd >= 0)
                close(fd);
        return -9; /* -EBADF without pulling errno.h into every includer */
}

#define steal_ptr(p)                                                             \
        ({                                                                       \
                __typeof__(p) _tmp = (p);                                        \
                (p) = NULL;                                                      \
                _tmp;                                                            \
        })

#define steal_fd(fd)                                                             \
        ({                                                                       \
                int _tmp = (fd);                                                 \
                (fd) = -1;                                                       \
                _tmp;                                                            \
        })

/* Generates fn##p() for _cleanup_(), for types whose fn() returns NULL. */
#define DEFINE_CLEANUP(type, fn)                                                 \
        static inline void fn##p(type *p)                                        \
        {                                                                        \
                if (*p)                                                          \
                        *p = fn(*p);                                             \
        }

/* A NULL-terminated array of owned strings (D-Bus "as"): frees each, then the array. Returns NULL. */
static inline char **strv_free(char **l)
{
        for (char **i = l; l && *i; i++)
                free(*i);
        free(l);
        return NULL;
}
DEFINE_CLEANUP(char **, strv_free);

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
