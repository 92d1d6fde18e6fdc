/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A context's capture is shared by the sessions that stream from it and
 * closed when the last of them lets go (daemon/context.h), so the device is
 * not held between casts and the next cast opens it anew, seeing the world as
 * it is then. The test source stands in for a DRM card: its picture size is
 * read from the configuration at open, the way kms finds its outputs at open.
 */
#include <errno.h>
#include <systemd/sd-event.h>

#include "../../daemon/config.h"
#include "../../daemon/context.h"
#include "../../daemon/manager.h"
#include "../../encoder/capture.h"
#include "../lib/test.h"

struct fixture {
        sd_event *event;
        struct config config;
        struct manager *manager;
        struct context *context;
};

static void fixture_init(struct fixture *f, unsigned width, unsigned height)
{
        *f = (struct fixture) {};
        assert_int_eq(sd_event_new(&f->event), 0);
        assert_int_eq(config_init(&f->config), 0);
        f->config.max_width = width;
        f->config.max_height = height;
        assert_int_eq(manager_new(f->event, &f->config, &f->manager), 0);
        assert_int_eq(context_new(f->manager, "testsrc", &f->context), 0);
}

static void fixture_clear(struct fixture *f)
{
        f->manager = manager_free(f->manager);
        config_clear(&f->config);
        f->event = sd_event_unref(f->event);
}

TEST(shared_then_closed, "/context/capture: shared by two users, closed when the last one lets go")
{
        struct capture *a = NULL, *b = NULL;
        struct fixture f;

        fixture_init(&f, 320, 240);
        assert_null(f.context->capture_handle);
        assert_int_eq(context_acquire_capture(f.context, 0, 0, &a), 0);
        assert_int_eq(context_acquire_capture(f.context, 0, 0, &b), 0);
        assert_true(a == b);
        assert_int_eq(f.context->capture_users, 2);

        a = context_release_capture(f.context, a);
        assert_null(a);
        assert_true(f.context->capture_handle == b);     /* the other session still streams */
        b = context_release_capture(f.context, b);
        assert_null(f.context->capture_handle);          /* the last cast ended: closed */
        assert_int_eq(f.context->capture_users, 0);
        fixture_clear(&f);
}

TEST(reopened_anew, "/context/capture: the next open sees what changed meanwhile (a new output, a new size)")
{
        struct capture *c = NULL;
        unsigned w, h;
        struct fixture f;

        fixture_init(&f, 320, 240);
        assert_int_eq(context_acquire_capture(f.context, 0, 0, &c), 0);
        assert_int_eq(capture_get_size(c, &w, &h), 0);
        assert_int_eq(w, 320);
        c = context_release_capture(f.context, c);

        /* Between two casts the world changed; the second cast must not get the first one's capture. */
        f.config.max_width = 640;
        f.config.max_height = 480;
        assert_int_eq(context_acquire_capture(f.context, 0, 0, &c), 0);
        assert_int_eq(capture_get_size(c, &w, &h), 0);
        assert_int_eq(w, 640);
        assert_int_eq(h, 480);
        c = context_release_capture(f.context, c);
        fixture_clear(&f);
}

TEST(context_free_closes, "/context/capture: destroying the context closes a capture still in use")
{
        struct capture *c = NULL;
        struct fixture f;

        fixture_init(&f, 320, 240);
        assert_int_eq(context_acquire_capture(f.context, 0, 0, &c), 0);
        /* manager_free() -> context_free(): no leak under ASan even with a user left. */
        fixture_clear(&f);
}
