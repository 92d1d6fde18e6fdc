/* SPDX-License-Identifier: GPL-2.0-or-later */
/* daemon/log.h: stderr logging with syslog priority prefixes. */
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

/* Process-wide settings, written once at start-up by main.c. */
static atomic_int max_level = LOG_INFO;
static atomic_int prefix_priority = 1;

void log_set_max_level(int level)
{
        max_level = level;
}

int log_get_max_level(void)
{
        return max_level;
}

void log_set_prefix_priority(int on)
{
        prefix_priority = !!on;
}

int log_full_errno(int level, int error, const char *fmt, ...)
{
        char line[2048];
        int n = 0, saved = errno;
        va_list ap;

        if (error < 0)
                errno = -error;
        if ((level & LOG_PRIMASK) > max_level) {
                errno = error < 0 ? -error : saved;
                return error;
        }
        if (prefix_priority)
                n = snprintf(line, sizeof(line), "<%d>", level & LOG_PRIMASK);
        va_start(ap, fmt);
        n += vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
        va_end(ap);
        if (n > (int) sizeof(line) - 2)
                n = sizeof(line) - 2;
        line[n++] = '\n';
        (void) !write(STDERR_FILENO, line, n);
        errno = error < 0 ? -error : saved;
        return error;
}
