/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The helper copies each picture its capture produces into the next slot of
 * a sealed memfd ring and tells the client which slot and what changed. Per
 * slot it remembers which picture the slot holds, so only the tiles that
 * changed since then are copied (the capture's damage, capture.h). The
 * slot named last is never written, so the client can read it until it asks
 * again.
 */
#include <errno.h>
#include <linux/capability.h>
#include <sched.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <drm_fourcc.h>

#include "../protocol/kms_ring.h"
#include "../protocol/macro.h"
#include "capture_backend.h"
#include "kms_helper.h"

struct kms_helper {
        int fd;
        struct capture *capture;
        struct kms_ring_format format;
        bool have_ring;
        uint8_t *map;
        size_t map_size;
        uint64_t slot_seq[KMS_RING_SLOTS_MAX]; /* the capture's picture each slot holds (0: none) */
        unsigned last_slot;
        uint64_t last_sent;                    /* picture of the last frame sent (0: none) */
        uint8_t tiles[(KMS_RING_DIM_MAX / CAPTURE_TILE_SIZE) * (KMS_RING_DIM_MAX / CAPTURE_TILE_SIZE)];
        uint8_t buf[WORKER_MSG_MAX];
        struct worker_msg msg;
};

int kms_helper_send(int fd, struct worker_msg_writer *w, int pass_fd)
{
        union {
                struct cmsghdr h;
                char b[CMSG_SPACE(sizeof(int))];
        } control = {};
        struct iovec iov;
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
        size_t len;
        int r;

        r = worker_msg_finish(w, &len);
        if (r < 0)
                return r;
        iov = (struct iovec) { .iov_base = w->buf, .iov_len = len };
        if (pass_fd >= 0) {
                struct cmsghdr *c;

                mh.msg_control = &control;
                mh.msg_controllen = sizeof(control.b);
                c = CMSG_FIRSTHDR(&mh);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int));
                memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
        }
        while (sendmsg(fd, &mh, MSG_NOSIGNAL) < 0)
                if (errno != EINTR)
                        return -errno;
        return 0;
}

ssize_t kms_helper_recv(int fd, uint8_t *buf, size_t size, int *ret_fd, int timeout_ms)
{
        union {
                struct cmsghdr h;
                char b[CMSG_SPACE(sizeof(int) * 4)];
        } control;
        struct iovec iov = { .iov_base = buf, .iov_len = size };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control,
                             .msg_controllen = sizeof(control) };
        struct pollfd p = { .fd = fd, .events = POLLIN };
        ssize_t n;
        int r;

        *ret_fd = -1;
        do
                r = poll(&p, 1, timeout_ms);
        while (r < 0 && errno == EINTR);
        if (r < 0)
                return -errno;
        if (r == 0)
                return -ETIMEDOUT;
        do
                n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -errno;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
                        int *fds = (int *) CMSG_DATA(c);

                        for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
                                if (*ret_fd < 0)
                                        *ret_fd = fds[i];
                                else
                                        close(fds[i]);
                        }
                }
        if (mh.msg_flags & MSG_TRUNC) {
                if (*ret_fd >= 0)
                        close(*ret_fd);
                *ret_fd = -1;
                return -EMSGSIZE;
        }
        return n;
}

bool kms_helper_device_allowed(const char *path)
{
        const char *n = path + 13;

        if (strncmp(path, "/dev/dri/card", 13) != 0 || !*n || strlen(n) > 2)
                return false;
        for (; *n; n++)
                if (*n < '0' || *n > '9')
                        return false;
        return true;
}

static void helper_drop_ring(struct kms_helper *h)
{
        if (h->map)
                munmap(h->map, h->map_size);
        h->map = NULL;
        h->map_size = 0;
        h->have_ring = false;
        memset(h->slot_seq, 0, sizeof(h->slot_seq));
        h->last_sent = 0;
}

static void helper_close_capture(struct kms_helper *h)
{
        helper_drop_ring(h);
        h->capture = capture_unref(h->capture);
}

static int helper_send_error(struct kms_helper *h, uint16_t type, uint64_t seq, int error, const char *text)
{
        static uint8_t out[1024];
        struct worker_msg_writer w;

        worker_msg_begin(&w, out, sizeof(out), type, 0);
        worker_msg_put_u64(&w, WORKER_FIELD_SEQ, seq);
        worker_msg_put_i64(&w, WORKER_FIELD_ERROR, error);
        worker_msg_put_str(&w, WORKER_FIELD_TEXT, text);
        return kms_helper_send(h->fd, &w, -1);
}

/* A new ring for the picture's size: a sealed memfd (the client may rely on its size), sent once. */
static int helper_new_ring(struct kms_helper *h, unsigned width, unsigned height)
{
        static uint8_t out[1024];
        struct worker_msg_writer w;
        _cleanup_close_ int mfd = -1;
        struct kms_ring_format f;
        int r;

        helper_drop_ring(h);
        r = kms_ring_format_init(&f, width, height, KMS_RING_SLOTS_MAX);
        if (r < 0)
                return capture_set_error(-ENOTSUP, "kms helper: picture size %ux%u is not supported", width, height);
        mfd = memfd_create("miracastd-kms-ring", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (mfd < 0)
                return capture_set_error(-errno, "kms helper: memfd_create failed: %m");
        if (ftruncate(mfd, (off_t) kms_ring_size(&f)) < 0)
                return capture_set_error(-errno, "kms helper: cannot size the frame ring: %m");
        if (fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
                return capture_set_error(-errno, "kms helper: cannot seal the frame ring: %m");
        h->map = mmap(NULL, kms_ring_size(&f), PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
        if (h->map == MAP_FAILED) {
                h->map = NULL;
                return capture_set_error(-errno, "kms helper: cannot map the frame ring: %m");
        }
        h->map_size = kms_ring_size(&f);
        h->format = f;
        h->have_ring = true;
        h->last_slot = 0;

        worker_msg_begin(&w, out, sizeof(out), WORKER_MSG_KMS_RING, 0);
        kms_ring_put_format(&w, &f);
        return kms_helper_send(h->fd, &w, mfd);
}

/* Copy the tiles of f that the slot does not hold yet; red and blue swapped for XBGR pictures. */
static void helper_fill_slot(struct kms_helper *h, unsigned slot, const struct capture_frame *f)
{
        uint8_t *dst = h->map + (size_t) slot * h->format.slot_size;
        bool swap = f->fourcc == DRM_FORMAT_XBGR8888 || f->fourcc == DRM_FORMAT_ABGR8888;
        unsigned tx_n, ty_n;

        capture_frame_tiles(f, &tx_n, &ty_n);
        (void) capture_frame_damage(h->capture, f, h->slot_seq[slot], h->tiles, sizeof(h->tiles));
        for (unsigned ty = 0; ty < ty_n; ty++) {
                unsigned y0 = ty * CAPTURE_TILE_SIZE, y1 = MIN(y0 + CAPTURE_TILE_SIZE, f->height);

                for (unsigned tx = 0; tx < tx_n; tx++) {
                        unsigned x0 = tx * CAPTURE_TILE_SIZE, x1 = MIN(x0 + CAPTURE_TILE_SIZE, f->width);

                        if ((size_t) ty * tx_n + tx < sizeof(h->tiles) && !h->tiles[(size_t) ty * tx_n + tx])
                                continue;
                        for (unsigned y = y0; y < y1; y++) {
                                const uint32_t *s = (const uint32_t *) (f->data + (size_t) y * f->stride) + x0;
                                uint32_t *d = (uint32_t *) (dst + (size_t) y * h->format.stride) + x0;

                                if (!swap) {
                                        memcpy(d, s, (size_t) (x1 - x0) * 4);
                                        continue;
                                }
                                for (unsigned x = 0; x < x1 - x0; x++)
                                        d[x] = (s[x] & 0xff00ff00u) | (s[x] & 0xff) << 16 | (s[x] >> 16 & 0xff);
                        }
                }
        }
        h->slot_seq[slot] = f->seq;
}

/* What changed since the frame sent last: per tile row the span of changed tiles; too many: one box. */
static void helper_damage(struct kms_helper *h, const struct capture_frame *f, struct kms_ring_frame *fr)
{
        unsigned tx_n, ty_n, x_min = UINT32_MAX, x_max = 0, y_min = UINT32_MAX, y_max = 0;

        fr->n_damage = 0;
        if (h->last_sent == f->seq)
                return;
        capture_frame_tiles(f, &tx_n, &ty_n);
        (void) capture_frame_damage(h->capture, f, h->last_sent, h->tiles, sizeof(h->tiles));
        for (unsigned ty = 0; ty < ty_n; ty++) {
                unsigned first = UINT32_MAX, last = 0;

                for (unsigned tx = 0; tx < tx_n; tx++)
                        if (h->tiles[(size_t) ty * tx_n + tx]) {
                                first = MIN(first, tx);
                                last = tx;
                        }
                if (first == UINT32_MAX)
                        continue;
                x_min = MIN(x_min, first);
                x_max = MAX(x_max, last);
                y_min = MIN(y_min, ty);
                y_max = ty;
                if (fr->n_damage < KMS_RING_DAMAGE_MAX) {
                        unsigned x = first * CAPTURE_TILE_SIZE, y = ty * CAPTURE_TILE_SIZE;

                        fr->damage[fr->n_damage++] = (struct kms_ring_rect) {
                                x, y, (int) (MIN((last + 1) * CAPTURE_TILE_SIZE, f->width) - x),
                                (int) (MIN(y + CAPTURE_TILE_SIZE, f->height) - y) };
                } else
                        fr->n_damage = KMS_RING_DAMAGE_MAX + 1;
        }
        if (fr->n_damage > KMS_RING_DAMAGE_MAX) {
                unsigned x = x_min * CAPTURE_TILE_SIZE, y = y_min * CAPTURE_TILE_SIZE;

                fr->damage[0] = (struct kms_ring_rect) { x, y,
                        (int) (MIN((x_max + 1) * CAPTURE_TILE_SIZE, f->width) - x),
                        (int) (MIN((y_max + 1) * CAPTURE_TILE_SIZE, f->height) - y) };
                fr->n_damage = 1;
        }
}

static int helper_grab(struct kms_helper *h, uint64_t seq, kms_helper_notice_t notice, void *userdata)
{
        static uint8_t out[WORKER_MSG_MAX];
        _cleanup_(capture_frame_unrefp) struct capture_frame *f = NULL;
        struct kms_ring_frame fr = { .seq = seq };
        struct worker_msg_writer w;
        unsigned slot;
        int r;

        if (!h->capture)
                return helper_send_error(h, WORKER_MSG_KMS_ERROR, seq, -ENOTCONN, "kms helper: no output open");
        r = capture_grab(h->capture, 0, &f);
        if (notice) {
                char text[256];

                if (capture_take_notice(h->capture, text, sizeof(text)))
                        notice(text, userdata);
        }
        if (r >= 0 && !f->data)
                r = capture_set_error(-ENOTSUP, "kms helper: the picture has no CPU view");
        if (r >= 0 && (!h->have_ring || f->width != h->format.width || f->height != h->format.height))
                r = helper_new_ring(h, f->width, f->height);
        if (r < 0) {
                char text[512];

                snprintf(text, sizeof(text), "%s", capture_last_error()[0] ? capture_last_error() : strerror(-r));
                helper_close_capture(h);
                return helper_send_error(h, WORKER_MSG_KMS_ERROR, seq, r, text);
        }

        /* The same picture again: name the same slot, nothing changed. */
        slot = h->last_sent == f->seq && h->last_sent ? h->last_slot : (h->last_slot + 1) % h->format.slots;
        if (h->slot_seq[slot] != f->seq)
                helper_fill_slot(h, slot, f);
        helper_damage(h, f, &fr);
        fr.slot = slot;
        fr.frame_seq = f->seq;
        fr.capture_usec = f->capture_usec;
        h->last_slot = slot;
        h->last_sent = f->seq;

        worker_msg_begin(&w, out, sizeof(out), WORKER_MSG_KMS_FRAME, 0);
        kms_ring_put_frame(&w, &h->format, &fr);
        return kms_helper_send(h->fd, &w, -1);
}

static int helper_open(struct kms_helper *h, const struct worker_msg *m, kms_helper_open_t open_capture,
                       void *userdata)
{
        char device[64] = "", connector[32] = "";
        uint64_t no_cursor = 0;
        int r;

        helper_close_capture(h);
        if (worker_msg_get_str(m, WORKER_FIELD_KMS_DEVICE, device, sizeof(device)) == -ENOBUFS ||
            worker_msg_get_str(m, WORKER_FIELD_KMS_CONNECTOR, connector, sizeof(connector)) == -ENOBUFS)
                return helper_send_error(h, WORKER_MSG_KMS_ERROR, 0, -EINVAL, "kms helper: output name too long");
        (void) worker_msg_get_u64(m, WORKER_FIELD_NO_CURSOR, &no_cursor);
        /* Only a DRM card node: the helper opens nothing else on request. */
        if (device[0] && !kms_helper_device_allowed(device))
                return helper_send_error(h, WORKER_MSG_KMS_ERROR, 0, -EINVAL,
                                         "kms helper: not a DRM card node");
        r = open_capture(device[0] ? device : NULL, connector[0] ? connector : NULL, no_cursor != 0, &h->capture,
                         userdata);
        if (r < 0) {
                char text[512];

                snprintf(text, sizeof(text), "%s", capture_last_error()[0] ? capture_last_error() : strerror(-r));
                return helper_send_error(h, WORKER_MSG_KMS_ERROR, 0, r, text);
        }
        /* The first GRAB sends the ring. */
        return 0;
}

static void probe_emit(const char *line, void *ctx)
{
        worker_msg_put_str(ctx, WORKER_FIELD_TEXT, line);
}

static int helper_probe(struct kms_helper *h, const struct worker_msg *m, kms_helper_probe_t probe, void *userdata)
{
        static uint8_t out[WORKER_MSG_MAX];
        struct worker_msg_writer w;
        char spec[256];
        int r;

        worker_msg_begin(&w, out, sizeof(out), WORKER_MSG_KMS_OUTPUTS, 0);
        r = probe(worker_msg_get_str(m, WORKER_FIELD_TEXT, spec, sizeof(spec)) >= 0 ? spec : NULL, probe_emit, &w,
                  userdata);
        worker_msg_put_i64(&w, WORKER_FIELD_ERROR, r);
        return kms_helper_send(h->fd, &w, -1);
}

int kms_helper_serve(int fd, kms_helper_open_t open_capture, kms_helper_probe_t probe, kms_helper_notice_t notice,
                     void *userdata)
{
        struct kms_helper *h;
        int r = 0;

        h = calloc(1, sizeof(*h));
        if (!h)
                return -ENOMEM;
        h->fd = fd;
        for (;;) {
                int passed;
                ssize_t n = kms_helper_recv(fd, h->buf, sizeof(h->buf), &passed, -1);
                uint64_t seq = 0;

                if (passed >= 0)
                        close(passed); /* the client has no business sending fds */
                if (n == 0 || n == -ECONNRESET) {
                        r = 0;
                        break;
                }
                if (n < 0) {
                        r = (int) n;
                        break;
                }
                if (worker_msg_parse(h->buf, (size_t) n, &h->msg) < 0 || h->msg.type < WORKER_MSG_KMS_OPEN ||
                    h->msg.type >= _WORKER_MSG_KMS_REQUEST_MAX) {
                        r = -EBADMSG;
                        break;
                }
                if (h->msg.type == WORKER_MSG_KMS_OPEN)
                        r = helper_open(h, &h->msg, open_capture, userdata);
                else if (h->msg.type == WORKER_MSG_KMS_GRAB) {
                        (void) worker_msg_get_u64(&h->msg, WORKER_FIELD_SEQ, &seq);
                        r = helper_grab(h, seq, notice, userdata);
                } else
                        r = helper_probe(h, &h->msg, probe, userdata);
                if (r < 0)
                        break;
        }
        helper_close_capture(h);
        free(h);
        return r;
}

int kms_helper_connect(const char *path)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_close_ int fd = -1;

        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        memcpy(sa.sun_path, path, strlen(path));
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                return -errno;
        return steal_fd(fd);
}

int kms_helper_probe(const char *socket_path, const char *spec, void (*emit)(const char *line, void *ctx), void *ctx)
{
        static uint8_t buf[WORKER_MSG_MAX];
        static struct worker_msg m;
        const char *path = socket_path ?: KMS_HELPER_SOCKET;
        struct worker_msg_writer w;
        _cleanup_close_ int fd = -1;
        int64_t error = 0;
        ssize_t n;
        int passed, r;

        fd = kms_helper_connect(path);
        if (fd < 0)
                return fd;
        worker_msg_begin(&w, buf, sizeof(buf), WORKER_MSG_KMS_PROBE, 0);
        if (spec)
                worker_msg_put_str(&w, WORKER_FIELD_TEXT, spec);
        r = kms_helper_send(fd, &w, -1);
        if (r < 0)
                return r;
        n = kms_helper_recv(fd, buf, sizeof(buf), &passed, 5000);
        if (passed >= 0)
                close(passed);
        if (n <= 0)
                return n == 0 ? -ECONNRESET : (int) n;
        if (worker_msg_parse(buf, (size_t) n, &m) < 0 || m.type != WORKER_MSG_KMS_OUTPUTS)
                return -EBADMSG;
        for (size_t i = 0; i < m.n_fields; i++) {
                char line[512];

                if (m.fields[i].tag != WORKER_FIELD_TEXT || m.fields[i].len >= sizeof(line))
                        continue;
                memcpy(line, m.fields[i].value, m.fields[i].len);
                line[m.fields[i].len] = '\0';
                if (strncmp(line, "output ", 7) == 0 || strncmp(line, "device ", 7) == 0 ||
                    strncmp(line, "error ", 6) == 0)
                        emit(line, ctx);
        }
        (void) worker_msg_get_ranged(&m, WORKER_FIELD_ERROR, -4095, 0, &error);
        return (int) error;
}

static int keep_only_sys_admin(void)
{
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = {};
        bool other = false;

        /* Under systemd the unit's bounding set did this already (and its filter forbids capset). */
        if (syscall(SYS_capget, &h, d) < 0)
                return -errno;
        for (int i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
                other = other || (d[i].permitted & ~(i == CAP_TO_INDEX(CAP_SYS_ADMIN) ? CAP_TO_MASK(CAP_SYS_ADMIN) : 0));
        if (!other)
                return 0;
        memset(d, 0, sizeof(d));
        for (int cap = 0; cap <= 63; cap++)
                if (cap != CAP_SYS_ADMIN && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL &&
                    errno != EPERM)
                        return -errno;
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
                return -errno;
        d[CAP_TO_INDEX(CAP_SYS_ADMIN)].permitted = CAP_TO_MASK(CAP_SYS_ADMIN);
        d[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective = CAP_TO_MASK(CAP_SYS_ADMIN);
        if (syscall(SYS_capset, &h, d) < 0)
                return -errno;
        return 0;
}

int kms_helper_sandbox(void)
{
        int r;

        if (geteuid() == 0) {
                /* Nothing on the network to talk to. Best effort: under systemd PrivateNetwork= did
                 * it already and RestrictNamespaces= forbids doing it again. */
                (void) unshare(CLONE_NEWNET);
                r = keep_only_sys_admin();
                if (r < 0)
                        return r;
        }
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return -errno;
#ifndef __SANITIZE_ADDRESS__
        (void) prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
#endif
        return 0;
}

