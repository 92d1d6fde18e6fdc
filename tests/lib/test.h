/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A tiny test runner: each test binary registers cases with TEST(), main()
 * is provided by test.c. A failed assertion ends the case (longjmp), is
 * reported with file:line, and the next case runs. The binary ends with the
 * line "N passed, N failed" and exits non-zero when any case failed;
 * tests/run-tests.sh adds those lines up for `make check`.
 *
 *   TEST(rtsp_parse_options, "/rtsp/parse/M1 OPTIONS request") {
 *           assert_int_eq(rtsp_parse(...), 0);
 *   }
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef void (*test_fn)(void);

void test_register(const char *name, test_fn fn);
void test_fail(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4), noreturn));
/* Skipping counts as neither pass nor fail and must say why; use only for hardware that cannot exist here. */
void test_skip(const char *why) __attribute__((noreturn));
/* Path of a data file: $MIRACAST_TEST_DATA or the source tree's tests/data, joined with rel. */
const char *test_data_path(const char *rel);
/* Read a whole file into a malloc'd NUL-terminated buffer; returns length or -errno. */
long test_read_file(const char *path, char **ret);
/* Remove the directory tree `dir` (a mkdtemp result) when this process exits
 * (not in forked children); kept when $MIRACAST_KEEP_TMP is set, for debugging. */
void test_remove_at_exit(const char *dir);

#define TEST(fn, name)                                                           \
        static void fn(void);                                                    \
        __attribute__((constructor)) static void fn##_register(void)             \
        {                                                                        \
                test_register(name, fn);                                         \
        }                                                                        \
        static void fn(void)

#define assert_true(x)                                                           \
        do {                                                                     \
                if (!(x))                                                        \
                        test_fail(__FILE__, __LINE__, "expected true: %s", #x);  \
        } while (0)

#define assert_false(x)                                                          \
        do {                                                                     \
                if (x)                                                           \
                        test_fail(__FILE__, __LINE__, "expected false: %s", #x); \
        } while (0)

#define assert_int_eq(a, b)                                                      \
        do {                                                                     \
                long long _a = (long long) (a), _b = (long long) (b);            \
                if (_a != _b)                                                    \
                        test_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld",  \
                                  #a, #b, _a, _b);                               \
        } while (0)

#define assert_int_ne(a, b)                                                      \
        do {                                                                     \
                long long _a = (long long) (a), _b = (long long) (b);            \
                if (_a == _b)                                                    \
                        test_fail(__FILE__, __LINE__, "%s != %s: both %lld",     \
                                  #a, #b, _a);                                   \
        } while (0)

#define assert_int_ge(a, b)                                                      \
        do {                                                                     \
                long long _a = (long long) (a), _b = (long long) (b);            \
                if (_a < _b)                                                     \
                        test_fail(__FILE__, __LINE__, "%s >= %s: %lld < %lld",   \
                                  #a, #b, _a, _b);                               \
        } while (0)

#define assert_int_le(a, b)                                                      \
        do {                                                                     \
                long long _a = (long long) (a), _b = (long long) (b);            \
                if (_a > _b)                                                     \
                        test_fail(__FILE__, __LINE__, "%s <= %s: %lld > %lld",   \
                                  #a, #b, _a, _b);                               \
        } while (0)

#define assert_str_eq(a, b)                                                      \
        do {                                                                     \
                const char *_a = (a), *_b = (b);                                 \
                if (!_a || !_b || strcmp(_a, _b) != 0)                           \
                        test_fail(__FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", \
                                  #a, #b, _a ? _a : "(null)", _b ? _b : "(null)"); \
        } while (0)

#define assert_mem_eq(a, b, n)                                                   \
        do {                                                                     \
                if (memcmp((a), (b), (n)) != 0)                                  \
                        test_fail(__FILE__, __LINE__, "%s == %s (%zu bytes) differ", \
                                  #a, #b, (size_t) (n));                         \
        } while (0)

#define assert_null(x)     assert_true((x) == NULL)
#define assert_non_null(x) assert_true((x) != NULL)
