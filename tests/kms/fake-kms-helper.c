/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A FAKE miracastd-kms for tests/integration/kms-helper.sh (the host has no
 * DRM device): the helper's real serving code (encoder/kms_helper.c) over a
 * testsrc picture standing in for the scan-out, started by the stream worker
 * exactly as the real helper is (MIRACASTD_KMS points here). With
 * FAKE_KMS_HELPER=bad-slot or bad-size it answers the first picture wrongly
 * instead, as a broken helper would.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../encoder/capture.h"
#include "../../encoder/kms_helper.h"
#include "../../protocol/kms_ring.h"

#define CLIENT_FD 3

static int fake_open(const char *device, const char *connector, bool no_cursor, struct capture **ret, void *userdata)
{
        struct capture_config cfg = { .backend = CAPTURE_BACKEND_TESTSRC, .width = 640, .height = 480,
                                      .pattern = CAPTURE_PATTERN_DESKTOP };

        fprintf(stderr, "fake-kms-helper: opening a fake framebuffer for %s\n", connector ?: "any output");
        return capture_new(&cfg, ret);
}

static int fake_probe(const char *spec, void (*emit)(const char *line, void *ctx), void *ctx, void *userdata)
{
        if (spec) {
                emit("device /dev/dri/card0", ctx);
                return 0;
        }
        emit("output testsrc", ctx);
        emit("output kms:/dev/dri/card0:Virtual-1", ctx);
        return 0;
}

static int serve_bad(const char *mode)
{
        static uint8_t buf[WORKER_MSG_MAX], out[4096];
        struct kms_ring_frame fr = { .slot = 0, .frame_seq = 1 };
        struct kms_ring_format f;
        struct worker_msg_writer w;
        struct worker_msg *m = calloc(1, sizeof(*m));
        int passed, mfd;
        ssize_t n;

        if (!m)
                return 1;
        for (;;) {
                n = kms_helper_recv(CLIENT_FD, buf, sizeof(buf), &passed, -1);
                if (n <= 0)
                        return 0;
                if (worker_msg_parse(buf, (size_t) n, m) == 0 && m->type == WORKER_MSG_KMS_GRAB)
                        break;
        }
        (void) worker_msg_get_u64(m, WORKER_FIELD_SEQ, &fr.seq);
        if (kms_ring_format_init(&f, 640, 480, 3) < 0)
                return 1;
        mfd = memfd_create("fake-ring", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (mfd < 0 || ftruncate(mfd, (off_t) kms_ring_size(&f)) < 0 ||
            fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
                return 1;
        worker_msg_begin(&w, out, sizeof(out), WORKER_MSG_KMS_RING, 0);
        kms_ring_put_format(&w, &f);
        (void) kms_helper_send(CLIENT_FD, &w, mfd);
        if (strcmp(mode, "bad-slot") == 0)
                fr.slot = 9;
        else
                f.height = 240;
        worker_msg_begin(&w, out, sizeof(out), WORKER_MSG_KMS_FRAME, 0);
        kms_ring_put_frame(&w, &f, &fr);
        (void) kms_helper_send(CLIENT_FD, &w, -1);
        fprintf(stderr, "fake-kms-helper: sent a %s answer\n", mode);
        /* Until the worker hangs up. */
        while (kms_helper_recv(CLIENT_FD, buf, sizeof(buf), &passed, -1) > 0)
                ;
        free(m);
        return 0;
}

int main(void)
{
        const char *mode = getenv("FAKE_KMS_HELPER");

        /* The same confinement as the real helper, so the test can check it. */
        if (kms_helper_sandbox() < 0)
                return 1;

        if (mode && *mode)
                return serve_bad(mode);
        return kms_helper_serve(CLIENT_FD, fake_open, fake_probe, NULL, NULL) < 0 ? 1 : 0;
}
