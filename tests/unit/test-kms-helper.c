/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The KMS helper's frame ring end to end without a DRM device: the helper's
 * serving code (encoder/kms_helper.c) runs in a thread on one end of a
 * socketpair with a FAKE framebuffer source (a testsrc capture standing in
 * for the scan-out), the worker's kms backend (capture_kms_client.c) on the
 * other. Then a hand-written bad helper: a wrong slot, a size mismatch, an
 * unsealed ring, which must end the capture with a clear error. And the
 * worker's kms backend without a helper refuses instead of opening /dev/dri.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <drm_fourcc.h>

#include "../../encoder/capture_backend.h" /* capture_set_error() for the fake source */
#include "../../encoder/kms_helper.h"
#include "../../protocol/kms_ring.h"
#include "../../protocol/macro.h"
#include "../../protocol/worker_msg.h"
#include "../lib/test.h"

/* The fake framebuffer source: a testsrc capture the helper "scans out". */
struct fake_fb {
        unsigned width, height, resize_every;
        int fail;                 /* open fails with this (0: opens) */
        struct capture *capture;  /* the last one opened (a reference; the helper holds its own) */
        char last_connector[32];
        char notice[256];         /* what the helper passed to its log */
};

static void fake_fb_notice(const char *text, void *userdata)
{
        struct fake_fb *fb = userdata;

        snprintf(fb->notice, sizeof(fb->notice), "%s", text);
}

static int fake_fb_open(const char *device, const char *connector, bool no_cursor, struct capture **ret, void *userdata)
{
        struct fake_fb *fb = userdata;
        struct capture_config cfg = { .backend = CAPTURE_BACKEND_TESTSRC, .width = fb->width, .height = fb->height,
                                      .pattern = CAPTURE_PATTERN_DESKTOP, .resize_every = fb->resize_every };
        int r;

        snprintf(fb->last_connector, sizeof(fb->last_connector), "%s", connector ?: "");
        if (fb->fail)
                return capture_set_error(fb->fail, "fake framebuffer: no output named %s", connector ?: "?");
        r = capture_new(&cfg, ret);
        if (r < 0)
                return r;
        capture_unref(fb->capture);
        fb->capture = capture_ref(*ret);
        return 0;
}

static int fake_fb_probe(const char *spec, void (*emit)(const char *line, void *ctx), void *ctx, void *userdata)
{
        if (spec) {
                emit("error fake framebuffer: no such output", ctx);
                return -ENODEV;
        }
        emit("output testsrc", ctx);
        emit("output kms:/dev/dri/card0:Virtual-1", ctx);
        emit("bogus line the worker must drop", ctx);
        return 0;
}

struct helper_thread {
        pthread_t thread;
        int fd;
        struct fake_fb *fb;
        int result;
};

static void *helper_main(void *p)
{
        struct helper_thread *t = p;

        t->result = kms_helper_serve(t->fd, fake_fb_open, fake_fb_probe, fake_fb_notice, t->fb);
        close(t->fd);
        return NULL;
}

/* Start the helper on one end; the other end in *ret_fd. */
static void helper_start(struct helper_thread *t, struct fake_fb *fb, int *ret_fd)
{
        int sv[2];

        assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
        *t = (struct helper_thread) { .fd = sv[1], .fb = fb };
        assert_int_eq(pthread_create(&t->thread, NULL, helper_main, t), 0);
        *ret_fd = sv[0];
}

static int open_client(int fd, const char *connector, struct capture **ret)
{
        struct capture_config cfg = { .backend = CAPTURE_BACKEND_KMS, .kms_helper = true,
                                      .have_kms_helper_fd = true, .kms_helper_fd = fd, .connector = connector };

        return capture_new(&cfg, ret);
}

/* The worker's picture must be the source's, pixel for pixel. */
static void assert_same_picture(const struct capture_frame *a, const struct capture_frame *b)
{
        assert_int_eq(a->width, b->width);
        assert_int_eq(a->height, b->height);
        for (unsigned y = 0; y < a->height; y++)
                if (memcmp(a->data + (size_t) y * a->stride, b->data + (size_t) y * b->stride, (size_t) a->width * 4))
                        test_fail(__FILE__, __LINE__, "row %u differs", y);
}

static void run_frames(struct fake_fb *fb, unsigned n, bool expect_size_change)
{
        struct helper_thread t;
        struct capture *c = NULL;
        unsigned first_width = 0;
        bool size_changed = false;
        uint64_t last_seq = 0;
        int fd;

        helper_start(&t, fb, &fd);
        assert_int_eq(open_client(fd, "Virtual-1", &c), 0);
        assert_str_eq(fb->last_connector, "Virtual-1");
        assert_true(capture_get_device(c) == NULL); /* nothing for the worker to open */
        for (unsigned i = 0; i < n; i++) {
                _cleanup_(capture_frame_unrefp) struct capture_frame *f = NULL, *src = NULL;

                assert_int_eq(capture_grab(c, 0, &f), 0);
                assert_int_eq(f->fourcc, DRM_FORMAT_XRGB8888);
                assert_int_eq(f->stride, f->width * 4);
                if (last_seq)
                        assert_true(f->seq >= last_seq);
                last_seq = f->seq;
                /* The helper is waiting for our next GRAB: the source's latest picture is the one it sent. */
                assert_int_eq(capture_grab(fb->capture, UINT64_MAX, &src), 0);
                assert_same_picture(f, src);
                if (!first_width)
                        first_width = f->width;
                size_changed = size_changed || f->width != first_width;
        }
        assert_int_eq(size_changed, expect_size_change);
        c = capture_unref(c);
        close(fd);
        assert_int_eq(pthread_join(t.thread, NULL), 0);
        assert_int_eq(t.result, 0);
        fb->capture = capture_unref(fb->capture);
}

TEST(test_frames_match_source, "kms-helper/frames-match-fake-source")
{
        struct fake_fb fb = { .width = 640, .height = 360 };

        run_frames(&fb, 12, false);
}

TEST(test_mode_change, "kms-helper/mode-change-renegotiates-ring")
{
        /* Every 3rd picture the fake scan-out switches between 256x256 and 128x128, as a mode set would. */
        struct fake_fb fb = { .width = 256, .height = 256, .resize_every = 3 };

        run_frames(&fb, 10, true);
}

TEST(test_notice, "kms-helper/source-notice-reaches-helper-log")
{
        struct fake_fb fb = { .width = 128, .height = 128 };
        _cleanup_(capture_frame_unrefp) struct capture_frame *f = NULL;
        struct helper_thread t;
        struct capture *c = NULL;
        int fd;

        helper_start(&t, &fb, &fd);
        assert_int_eq(open_client(fd, NULL, &c), 0);
        assert_str_eq(fb.notice, "");
        /* What the kms backend says about an overlay plane, said by the fake source. */
        pthread_mutex_lock(&fb.capture->lock);
        snprintf(fb.capture->notice, sizeof(fb.capture->notice), "kms: overlay plane 41 (NV12 1920x1080) not captured");
        pthread_mutex_unlock(&fb.capture->lock);
        assert_int_eq(capture_grab(c, 0, &f), 0);
        assert_str_eq(fb.notice, "kms: overlay plane 41 (NV12 1920x1080) not captured");
        fb.notice[0] = '\0';
        f = capture_frame_unref(f);
        assert_int_eq(capture_grab(c, 0, &f), 0);
        assert_str_eq(fb.notice, ""); /* once per change */
        f = capture_frame_unref(f);
        c = capture_unref(c);
        close(fd);
        assert_int_eq(pthread_join(t.thread, NULL), 0);
        fb.capture = capture_unref(fb.capture);
}

TEST(test_open_error, "kms-helper/open-error-reaches-worker")
{
        struct fake_fb fb = { .width = 64, .height = 64, .fail = -ENODEV };
        struct helper_thread t;
        struct capture *c = NULL;
        int fd;

        helper_start(&t, &fb, &fd);
        assert_int_eq(open_client(fd, "HDMI-A-9", &c), -ENODEV);
        assert_null(c);
        assert_non_null(strstr(capture_last_error(), "no output named HDMI-A-9"));
        close(fd);
        assert_int_eq(pthread_join(t.thread, NULL), 0);
}

TEST(test_no_helper, "kms-helper/worker-refuses-dev-dri-without-helper")
{
        struct capture_config cfg = { .backend = CAPTURE_BACKEND_KMS, .kms_helper = true,
                                      .kms_helper_socket = "/nonexistent/miracastd-kms.sock",
                                      .device = "/dev/null" /* would open fine if it tried */ };
        struct capture *c = NULL;

        assert_int_eq(capture_new(&cfg, &c), -ENOENT);
        assert_non_null(strstr(capture_last_error(), "does not open DRM devices itself"));
        assert_non_null(strstr(capture_last_error(), "/nonexistent/miracastd-kms.sock"));
}

TEST(test_device_allowed, "kms-helper/only-card-nodes")
{
        assert_true(kms_helper_device_allowed("/dev/dri/card0"));
        assert_true(kms_helper_device_allowed("/dev/dri/card15"));
        assert_false(kms_helper_device_allowed("/dev/dri/card"));
        assert_false(kms_helper_device_allowed("/dev/dri/card123"));
        assert_false(kms_helper_device_allowed("/dev/dri/renderD128"));
        assert_false(kms_helper_device_allowed("/dev/dri/card0/../../sda"));
        assert_false(kms_helper_device_allowed("/dev/sda"));
        assert_false(kms_helper_device_allowed(""));
}

TEST(test_open_refuses_other_paths, "kms-helper/open-refuses-non-card-paths")
{
        struct fake_fb fb = { .width = 64, .height = 64 };
        struct capture_config cfg = { .backend = CAPTURE_BACKEND_KMS, .kms_helper = true, .have_kms_helper_fd = true,
                                      .device = "/etc/shadow" };
        struct helper_thread t;
        struct capture *c = NULL;
        int fd;

        helper_start(&t, &fb, &fd);
        cfg.kms_helper_fd = fd;
        assert_true(capture_new(&cfg, &c) < 0);
        assert_non_null(strstr(capture_last_error(), "not a DRM card node"));
        assert_str_eq(fb.last_connector, ""); /* the source was never asked */
        close(fd);
        assert_int_eq(pthread_join(t.thread, NULL), 0);
}

/* ---- a bad helper, by hand ---------------------------------------------- */

enum bad_kind { BAD_SLOT, BAD_SIZE, BAD_UNSEALED, BAD_SHORT_RING };

struct bad_helper {
        pthread_t thread;
        int fd;
        enum bad_kind kind;
};

/* The worker may hang up after any message it refuses: a failed send is no failure here. */
static void bad_send(int fd, struct worker_msg_writer *w, int pass_fd)
{
        (void) kms_helper_send(fd, w, pass_fd);
}

static void *bad_main(void *p)
{
        static uint8_t buf[WORKER_MSG_MAX], out[4096];
        struct bad_helper *b = p;
        struct kms_ring_format f;
        struct kms_ring_frame fr = { .seq = 1, .slot = 0, .frame_seq = 1 };
        struct worker_msg_writer w;
        int passed, mfd;

        /* OPEN, then the first GRAB */
        for (int i = 0; i < 2; i++)
                if (kms_helper_recv(b->fd, buf, sizeof(buf), &passed, 5000) <= 0)
                        return NULL;
        assert_int_eq(kms_ring_format_init(&f, 320, 240, 3), 0);
        mfd = memfd_create("bad-ring", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        assert_true(mfd >= 0);
        assert_int_eq(ftruncate(mfd, (off_t) (b->kind == BAD_SHORT_RING ? 4096 : kms_ring_size(&f))), 0);
        if (b->kind != BAD_UNSEALED)
                assert_int_eq(fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL), 0);
        worker_msg_begin(&w, out, sizeof(out), WORKER_MSG_KMS_RING, 0);
        kms_ring_put_format(&w, &f);
        bad_send(b->fd, &w, mfd);
        close(mfd);

        if (b->kind == BAD_SLOT)
                fr.slot = 7;
        if (b->kind == BAD_SIZE)
                f.width = 640; /* the frame claims another size than the ring */
        worker_msg_begin(&w, out, sizeof(out), WORKER_MSG_KMS_FRAME, 0);
        kms_ring_put_frame(&w, &f, &fr);
        bad_send(b->fd, &w, -1);
        /* Wait for the worker to hang up. */
        (void) kms_helper_recv(b->fd, buf, sizeof(buf), &passed, 5000);
        return NULL;
}

static void expect_bad(enum bad_kind kind, int error, const char *words)
{
        struct bad_helper b = { .kind = kind };
        struct capture *c = NULL;
        int sv[2];

        assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
        b.fd = sv[1];
        assert_int_eq(pthread_create(&b.thread, NULL, bad_main, &b), 0);
        assert_int_eq(open_client(sv[0], NULL, &c), error);
        assert_null(c);
        if (!strstr(capture_last_error(), words))
                test_fail(__FILE__, __LINE__, "error \"%s\" does not say \"%s\"", capture_last_error(), words);
        close(sv[0]);
        assert_int_eq(pthread_join(b.thread, NULL), 0);
        close(sv[1]);
}

TEST(test_bad_slot, "kms-helper/bad-slot-ends-capture")
{
        expect_bad(BAD_SLOT, -ECONNRESET, "slot 7 of a ring of 3");
}

TEST(test_bad_size, "kms-helper/size-mismatch-ends-capture")
{
        expect_bad(BAD_SIZE, -ECONNRESET, "size mismatch");
}

TEST(test_unsealed, "kms-helper/unsealed-ring-refused")
{
        expect_bad(BAD_UNSEALED, -ECONNRESET, "not sealed");
}

TEST(test_short_ring, "kms-helper/short-ring-refused")
{
        expect_bad(BAD_SHORT_RING, -ECONNRESET, "smaller than 3 slots");
}

/* ---- the probe through the helper's socket ------------------------------ */

struct probe_server {
        pthread_t thread;
        int listen_fd;
        struct fake_fb *fb;
};

static void *probe_server_main(void *p)
{
        struct probe_server *s = p;
        int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);

        if (fd >= 0) {
                (void) kms_helper_serve(fd, fake_fb_open, fake_fb_probe, NULL, s->fb);
                close(fd);
        }
        return NULL;
}

static void collect(const char *line, void *ctx)
{
        char *buf = ctx;

        strcat(buf, line);
        strcat(buf, "\n");
}

TEST(test_probe, "kms-helper/probe-lists-outputs-drops-junk")
{
        char dir[] = "/tmp/test-kms-helper-XXXXXX", path[96], got[1024] = "";
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        struct fake_fb fb = { .width = 64, .height = 64 };
        struct probe_server s = { .fb = &fb };

        assert_non_null(mkdtemp(dir));
        test_remove_at_exit(dir);
        snprintf(path, sizeof(path), "%s/kms.sock", dir);
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
        s.listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        assert_int_eq(bind(s.listen_fd, (struct sockaddr *) &sa, sizeof(sa)), 0);
        assert_int_eq(listen(s.listen_fd, 1), 0);
        assert_int_eq(pthread_create(&s.thread, NULL, probe_server_main, &s), 0);
        assert_int_eq(kms_helper_probe(path, NULL, collect, got), 0);
        assert_str_eq(got, "output testsrc\noutput kms:/dev/dri/card0:Virtual-1\n");
        assert_int_eq(pthread_join(s.thread, NULL), 0);
        close(s.listen_fd);
}
