/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * miracastd-kms: the KMS helper (docs/process-model.md). It reads the
 * scan-out framebuffer, which needs CAP_SYS_ADMIN, for one unprivileged
 * stream worker and hands the pictures over a memfd ring
 * (protocol/kms_ring.h). It links libdrm and nothing of FFmpeg, D-Bus or
 * the network, and parses only its client's small requests.
 *
 *   miracastd-kms            the client's SOCK_SEQPACKET connection on fd 3
 *                            (forked by the stream worker before it drops
 *                            root, or socket-activated: miracastd-kms.socket)
 *
 *   MIRACASTD_KMS_GPU_READBACK=auto|off|force|va|egl
 *                            how a scan-out the CPU cannot read (tiled,
 *                            compressed) is read: on the GPU (auto: VA-API
 *                            video processing where the GPU has a VA driver,
 *                            else EGL), not at all (off), or every scan-out
 *                            on the GPU, linear ones too (force: tests on
 *                            vkms), through VA-API only (va) or EGL only (egl)
 *
 * Started as root it keeps CAP_SYS_ADMIN alone (bounding, permitted and
 * effective sets), leaves the network namespace for an empty one, sets
 * no_new_privs and is not dumpable before it reads the first request.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../daemon/log.h"
#include "../encoder/capture.h"
#include "../encoder/capture_spec.h"
#include "../encoder/kms_helper.h"
#include "../protocol/kms_readback.h"
#include "../protocol/macro.h"

#define KMS_CLIENT_FD 3

static int open_kms(const char *device, const char *connector, bool no_cursor, struct capture **ret, void *userdata)
{
        const enum kms_readback_mode *readback = userdata;
        struct capture_config cfg = {
                .backend = CAPTURE_BACKEND_KMS,
                .access = CAPTURE_ACCESS_CPU, /* the ring carries linear pixels; tiled ones the GPU reads back */
                .device = device,
                .connector = connector,
                .no_cursor = no_cursor,
                .kms_readback = *readback,
        };

        int r;

        r = capture_new(&cfg, ret);
        if (r < 0)
                log_error_errno(r, "%s", capture_last_error());
        else
                log_info("Capturing %s%s%s for the stream worker", capture_get_device(*ret) ?: "?",
                         connector ? ":" : "", connector ?: "");
        return r;
}

static int probe_kms(const char *spec_text, void (*emit)(const char *line, void *ctx), void *ctx, void *userdata)
{
        _cleanup_(strv_freep) char **outputs = NULL;
        char device[CAPTURE_SPEC_DEVICE_MAX] = "", line[512];
        struct capture_spec spec;

        if (spec_text) {
                if (capture_spec_parse(spec_text, &spec) < 0) {
                        snprintf(line, sizeof(line), "error invalid output \"%.200s\"", spec_text);
                        emit(line, ctx);
                        return -ENODEV;
                }
                if (spec.backend != CAPTURE_BACKEND_KMS ||
                    (spec.device[0] && !kms_helper_device_allowed(spec.device))) {
                        emit("error the KMS helper looks at DRM card nodes (/dev/dri/cardN) only", ctx);
                        return -ENODEV;
                }
                if (capture_find_output(&spec, device, sizeof(device)) < 0) {
                        snprintf(line, sizeof(line), "error %s", capture_last_error());
                        emit(line, ctx);
                        return -ENODEV;
                }
                snprintf(line, sizeof(line), "device %s", device);
                emit(line, ctx);
                return 0;
        }
        if (capture_list_outputs(&outputs) >= 0)
                for (char **o = outputs; *o; o++) {
                        snprintf(line, sizeof(line), "output %s", *o);
                        emit(line, ctx);
                }
        return 0;
}

static void notice_kms(const char *text, void *userdata)
{
        log_notice("%s", text);
}

int main(int argc, char *argv[])
{
        const char *readback_text = getenv("MIRACASTD_KMS_GPU_READBACK");
        enum kms_readback_mode readback = kms_readback_mode_from_string(readback_text);
        int type = 0, r;
        socklen_t len = sizeof(type);

        log_set_prefix_priority(!isatty(STDERR_FILENO) || getenv("JOURNAL_STREAM"));
        if (argc != 1) {
                fprintf(stderr, "%s is started by the stream worker or miracastd-kms.socket, not by hand\n", argv[0]);
                return EXIT_FAILURE;
        }
        if (readback < 0) {
                log_error("MIRACASTD_KMS_GPU_READBACK=%s: expected auto, off, force, va or egl", readback_text);
                return EXIT_FAILURE;
        }
        if (readback != KMS_READBACK_AUTO)
                log_info("GPU read-back of scan-outs: %s", kms_readback_mode_to_string(readback));
        if (getsockopt(KMS_CLIENT_FD, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || type != SOCK_SEQPACKET) {
                log_error("No client socket on fd %d", KMS_CLIENT_FD);
                return EXIT_FAILURE;
        }
        (void) fcntl(KMS_CLIENT_FD, F_SETFD, FD_CLOEXEC);
        (void) signal(SIGPIPE, SIG_IGN);
        r = kms_helper_sandbox();
        if (r < 0) {
                log_error_errno(r, "Cannot confine the KMS helper (CAP_SYS_ADMIN alone, no_new_privs): %m");
                return EXIT_FAILURE;
        }
        r = kms_helper_serve(KMS_CLIENT_FD, open_kms, probe_kms, notice_kms, &readback);
        if (r < 0)
                log_error_errno(r, "KMS helper ends: %m");
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
