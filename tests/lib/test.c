/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The runner behind tests/lib/test.h: registration, fail/skip, main(). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"

#define MAX_TESTS 1024

struct test_case {
        const char *name;
        test_fn fn;
};

static struct test_case tests[MAX_TESTS];
static unsigned n_tests;
static jmp_buf test_jmp;

void test_register(const char *name, test_fn fn)
{
        if (n_tests >= MAX_TESTS) {
                fprintf(stderr, "too many tests, raise MAX_TESTS\n");
                abort();
        }
        tests[n_tests++] = (struct test_case) { name, fn };
}

void test_fail(const char *file, int line, const char *fmt, ...)
{
        va_list ap;

        fprintf(stdout, "  %s:%d: ", file, line);
        va_start(ap, fmt);
        vfprintf(stdout, fmt, ap);
        va_end(ap);
        fputc('\n', stdout);
        fflush(stdout);
        longjmp(test_jmp, 1);
}

void test_skip(const char *why)
{
        fprintf(stdout, "  skipped: %s\n", why);
        fflush(stdout);
        longjmp(test_jmp, 2);
}

/* Runs one case; 0 passed, 1 failed, 2 skipped. Kept apart from main() so
 * no local of the loop lives across setjmp(). */
static int run_case(const struct test_case *t)
{
        int r = setjmp(test_jmp);

        if (r == 0) {
                t->fn();
                printf("ok   %s\n", t->name);
                return 0;
        }
        printf("%s %s\n", r == 2 ? "skip" : "FAIL", t->name);
        return r == 2 ? 2 : 1;
}

int main(int argc, char **argv)
{
        unsigned passed = 0, failed = 0, skipped = 0;
        const char *filter = argc > 1 ? argv[1] : NULL;

        setvbuf(stdout, NULL, _IOLBF, 0);
        for (unsigned i = 0; i < n_tests; i++) {
                if (filter && !strstr(tests[i].name, filter))
                        continue;
                switch (run_case(&tests[i])) {
                case 0: passed++; break;
                case 2: skipped++; break;
                default: failed++; break;
                }
        }
        if (skipped)
                printf("%u passed, %u failed, %u skipped\n", passed, failed, skipped);
        else
                printf("%u passed, %u failed\n", passed, failed);
        return failed ? 1 : 0;
}
