/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kms-grab: one picture from the real KMS helper, the way a stream worker
 * asks for it, written as a PPM. Test tooling for the VM (scenario capture):
 * it shows what the helper puts in its ring (the read-back, the cursor
 * blended in) without the worker, whose capture gives up on a helper that
 * takes longer than a few seconds for its first answer; under emulation with
 * a software GL, setting up the GPU read-back takes tens of seconds.
 *
 *   kms-grab HELPER OUT.ppm [TIMEOUT_SEC]
 *       Starts HELPER (miracastd-kms) with one end of a socketpair on fd 3,
 *       sends KMS_OPEN (any output) and KMS_GRAB, waits up to TIMEOUT_SEC
 *       (default 300) for the ring and the frame, and writes the slot.
 *       The helper's environment is ours (MIRACASTD_KMS_GPU_READBACK=force).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../encoder/kms_helper.h"
#include "../../protocol/kms_ring.h"
#include "../../protocol/worker_msg.h"

static int die(const char *what)
{
        fprintf(stderr, "kms-grab: %s\n", what);
        return 1;
}

int main(int argc, char *argv[])
{
        static uint8_t out[256], buf[WORKER_MSG_MAX];
        struct kms_ring_format f = {};
        struct kms_ring_frame fr;
        struct worker_msg_writer w;
        struct worker_msg m;
        uint8_t *ring = NULL;
        int sv[2], timeout_ms;
        char why[256];
        struct timespec t0, t1;
        FILE *ppm;
        pid_t pid;

        if (argc < 3)
                return die("usage: kms-grab HELPER OUT.ppm [TIMEOUT_SEC]");
        timeout_ms = (argc > 3 ? atoi(argv[3]) : 300) * 1000;
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
                return die("no socketpair");
        pid = fork();
        if (pid == 0) {
                if (dup2(sv[1], 3) < 0)
                        _exit(127);
                execl(argv[1], argv[1], (char *) NULL);
                _exit(127);
        }
        close(sv[1]);
        clock_gettime(CLOCK_MONOTONIC, &t0);

        worker_msg_begin(&w, out, sizeof(out), WORKER_MSG_KMS_OPEN, 0);
        worker_msg_put_str(&w, WORKER_FIELD_KMS_DEVICE, "");
        worker_msg_put_str(&w, WORKER_FIELD_KMS_CONNECTOR, "");
        worker_msg_put_u64(&w, WORKER_FIELD_NO_CURSOR, 0);
        if (kms_helper_send(sv[0], &w, -1) < 0)
                return die("cannot send KMS_OPEN");
        worker_msg_begin(&w, out, sizeof(out), WORKER_MSG_KMS_GRAB, 0);
        worker_msg_put_u64(&w, WORKER_FIELD_SEQ, 1);
        if (kms_helper_send(sv[0], &w, -1) < 0)
                return die("cannot send KMS_GRAB");

        for (;;) {
                int mfd;
                ssize_t n = kms_helper_recv(sv[0], buf, sizeof(buf), &mfd, timeout_ms);

                if (n <= 0)
                        return die(n == 0 ? "the helper exited" : "no answer from the helper in time");
                if (worker_msg_parse(buf, (size_t) n, &m) < 0)
                        return die("malformed answer");
                if (m.type == WORKER_MSG_KMS_ERROR) {
                        if (worker_msg_get_str(&m, WORKER_FIELD_TEXT, why, sizeof(why)) < 0)
                                snprintf(why, sizeof(why), "?");
                        fprintf(stderr, "kms-grab: the helper failed: %s\n", why);
                        return 1;
                }
                if (m.type == WORKER_MSG_KMS_RING) {
                        if (kms_ring_parse_format(&m, &f, why, sizeof(why)) < 0 || mfd < 0)
                                return die("bad ring");
                        ring = mmap(NULL, kms_ring_size(&f), PROT_READ, MAP_SHARED, mfd, 0);
                        close(mfd);
                        if (ring == MAP_FAILED)
                                return die("cannot map the ring");
                        continue;
                }
                if (m.type != WORKER_MSG_KMS_FRAME || !ring || kms_ring_parse_frame(&m, &f, &fr, why, sizeof(why)) < 0)
                        return die("bad frame");
                break;
        }
        clock_gettime(CLOCK_MONOTONIC, &t1);
        printf("KMS-GRAB %ux%u slot %u after %.1f s\n", f.width, f.height, fr.slot,
               (double) (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);

        ppm = fopen(argv[2], "w");
        if (!ppm)
                return die("cannot write the picture");
        fprintf(ppm, "P6\n%u %u\n255\n", f.width, f.height);
        for (unsigned y = 0; y < f.height; y++)
                for (unsigned x = 0; x < f.width; x++) {
                        const uint8_t *p = ring + (size_t) fr.slot * f.slot_size + (size_t) y * f.stride + x * 4;

                        fputc(p[2], ppm); /* XRGB8888: B, G, R, X in memory */
                        fputc(p[1], ppm);
                        fputc(p[0], ppm);
                }
        fclose(ppm);
        close(sv[0]); /* the helper exits when its client hangs up */
        waitpid(pid, NULL, 0);
        return 0;
}
