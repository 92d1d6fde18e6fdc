/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gcc build of a libFuzzer target: run LLVMFuzzerTestOneInput over every
 * file of the given corpus directories (or files), so `make check` replays
 * each seed under ASan/UBSan. One case per file.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../lib/test.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned n_files;

static void replay_file(const char *path)
{
        char *buf = NULL;
        long n = test_read_file(path, &buf);

        if (n < 0) {
                printf("FAIL %s: cannot read\n", path);
                exit(1);
        }
        /* Copy into an exact-size heap block so ASan sees over-reads. */
        uint8_t *exact = malloc(n ? n : 1);
        memcpy(exact, buf, n);
        LLVMFuzzerTestOneInput(exact, n);
        free(exact);
        free(buf);
        printf("ok   %s\n", path);
        n_files++;
}

static void replay_path(const char *path)
{
        struct stat st;

        if (stat(path, &st) < 0) {
                printf("FAIL %s: missing\n", path);
                exit(1);
        }
        if (!S_ISDIR(st.st_mode)) {
                replay_file(path);
                return;
        }
        struct dirent **ents;
        int n = scandir(path, &ents, NULL, alphasort);
        for (int i = 0; i < n; i++) {
                if (ents[i]->d_name[0] != '.') {
                        char p[4096];
                        snprintf(p, sizeof(p), "%s/%s", path, ents[i]->d_name);
                        replay_path(p);
                }
                free(ents[i]);
        }
        free(ents);
}

int main(int argc, char **argv)
{
        setvbuf(stdout, NULL, _IOLBF, 0);
        for (int i = 1; i < argc; i++)
                replay_path(argv[i]);
        if (n_files == 0) {
                printf("0 passed, 1 failed\n");
                return 1;
        }
        printf("%u passed, 0 failed\n", n_files);
        return 0;
}
