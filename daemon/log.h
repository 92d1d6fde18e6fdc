/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Logging to stderr with syslog priority prefixes ("<3>..."), which journald
 * files at the right level. Each line is written with one write() so lines
 * from the media thread never interleave. libc only: encoder/ may include it.
 */
#pragma once

#include <syslog.h>

/* Lines above this priority are dropped; default LOG_INFO. */
void log_set_max_level(int level);
int log_get_max_level(void);
/* Prefix lines with "<N>" (for the journal) or not (for a terminal). */
void log_set_prefix_priority(int on);

/* Logs, sets errno = -error so "%m" works, returns error (negative) or 0. */
int log_full_errno(int level, int error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define log_debug(...)   log_full_errno(LOG_DEBUG, 0, __VA_ARGS__)
#define log_info(...)    log_full_errno(LOG_INFO, 0, __VA_ARGS__)
#define log_notice(...)  log_full_errno(LOG_NOTICE, 0, __VA_ARGS__)
#define log_warning(...) log_full_errno(LOG_WARNING, 0, __VA_ARGS__)
#define log_error(...)   log_full_errno(LOG_ERR, 0, __VA_ARGS__)

#define log_debug_errno(e, ...)   log_full_errno(LOG_DEBUG, (e), __VA_ARGS__)
#define log_info_errno(e, ...)    log_full_errno(LOG_INFO, (e), __VA_ARGS__)
#define log_warning_errno(e, ...) log_full_errno(LOG_WARNING, (e), __VA_ARGS__)
#define log_error_errno(e, ...)   log_full_errno(LOG_ERR, (e), __VA_ARGS__)
