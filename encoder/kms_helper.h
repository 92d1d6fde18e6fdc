/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The KMS helper's side of the frame ring (protocol/kms_ring.h): serve one
 * client over a SOCK_SEQPACKET socket from a capture opened on its request.
 * miracastd-kms (kms/main.c) runs this with the kms backend; tests run it
 * with a fake framebuffer source. The client side is the capture backend in
 * capture_kms_client.c.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../protocol/worker_msg.h"

struct capture;

/* Where an unprivileged worker finds the helper under systemd (miracastd-kms.socket). */
#define KMS_HELPER_SOCKET "/run/miracastd-kms.sock"

/* Open the picture source the client asked for (device/connector NULL: any); 0 and *ret, or -errno
 * with a sentence in capture_last_error(). */
typedef int (*kms_helper_open_t)(const char *device, const char *connector, bool no_cursor, struct capture **ret,
                                 void *userdata);
/* Answer a KMS_PROBE: the lines "output ...", or "device ..."/"error ..." for a spec; returns 0 or -ENODEV. */
typedef int (*kms_helper_probe_t)(const char *spec, void (*emit)(const char *line, void *ctx), void *ctx,
                                  void *userdata);

/* A sentence for the helper's log about its source (capture_take_notice()); may be NULL. */
typedef void (*kms_helper_notice_t)(const char *text, void *userdata);

/*
 * Serve the client on fd until it hangs up (returns 0) or breaks the
 * protocol (-EBADMSG) or the socket fails (-errno). A capture that fails is
 * answered with KMS_ERROR and closed; the client may open again.
 */
int kms_helper_serve(int fd, kms_helper_open_t open_capture, kms_helper_probe_t probe, kms_helper_notice_t notice,
                     void *userdata);

/*
 * Confine the helper before its first request: as root, keep CAP_SYS_ADMIN alone (bounding,
 * permitted, effective; nothing to do when a unit did it) and leave for an empty network
 * namespace; always no_new_privs and not dumpable. 0 or -errno.
 */
int kms_helper_sandbox(void);

/* Is path a DRM card node ("/dev/dri/cardN", N up to two digits)? The helper opens nothing else on
 * its client's word. */
bool kms_helper_device_allowed(const char *path);

/* One datagram with an optional fd (-1: none). */
int kms_helper_send(int fd, struct worker_msg_writer *w, int pass_fd);
/* Receive one datagram into buf (WORKER_MSG_MAX bytes); *ret_fd gets a passed fd or -1 (at most one is
 * kept, any other is closed). Returns its length, 0 on hang-up, -errno; waits at most timeout_ms (-1: forever). */
ssize_t kms_helper_recv(int fd, uint8_t *buf, size_t size, int *ret_fd, int timeout_ms);

/* Connects to the helper's SOCK_SEQPACKET socket at path: the fd, or a negative errno. */
int kms_helper_connect(const char *path);

/*
 * The client's probe: connect to the helper's socket (NULL: KMS_HELPER_SOCKET), send KMS_PROBE
 * (spec NULL: list the outputs) and pass each answered line that starts with "output ", "device "
 * or "error " to emit. Returns the helper's answer (0, -ENODEV) or -errno when it cannot be asked.
 */
int kms_helper_probe(const char *socket_path, const char *spec, void (*emit)(const char *line, void *ctx), void *ctx);
