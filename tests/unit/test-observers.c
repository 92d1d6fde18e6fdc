/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>

#include "../../daemon/observers.h"
#include "../lib/test.h"

/* What each observer saw, in order: "a1 b1 ..." (observer letter, change number). */
static char seen[256];

struct watcher {
        char name;
        struct observers *list;
        unsigned id;
        /* What to do when notified: */
        unsigned remove_id;          /* unsubscribe this one (0: none) */
        bool remove_self, clear, add_one, renotify;
        struct watcher *added;       /* subscribed from the callback when add_one */
        void *object_to_free;        /* freed (with its list) after clear */
};

static void record(struct watcher *w, unsigned change)
{
        size_t n = strlen(seen);

        if (n + 4 < sizeof(seen)) {
                seen[n] = w->name;
                seen[n + 1] = (char) ('0' + change);
                seen[n + 2] = ' ';
                seen[n + 3] = '\0';
        }
}

static void on_change(void *object, unsigned change, void *userdata)
{
        struct watcher *w = userdata;

        record(w, change);
        if (w->remove_id)
                observers_remove(w->list, w->remove_id);
        if (w->remove_self)
                observers_remove(w->list, w->id);
        if (w->add_one) {
                w->add_one = false;
                assert_int_eq(observers_add(w->list, on_change, w->added, &w->added->id), 0);
        }
        if (w->renotify) {
                w->renotify = false;
                observers_notify(w->list, object, change + 1);
        }
        if (w->clear) {
                observers_clear(w->list);
                free(w->object_to_free);
        }
}

static void reset(void)
{
        seen[0] = '\0';
}

TEST(order, "/observers/every observer, in subscription order; ids are distinct and never 0")
{
        struct observers l = {};
        struct watcher a = { 'a', &l }, b = { 'b', &l }, c = { 'c', &l };

        reset();
        assert_int_eq(observers_add(&l, on_change, &a, &a.id), 0);
        assert_int_eq(observers_add(&l, on_change, &b, &b.id), 0);
        assert_int_eq(observers_add(&l, on_change, &c, &c.id), 0);
        assert_true(a.id && b.id && c.id && a.id != b.id && b.id != c.id);
        assert_int_eq(observers_count(&l), 3);
        observers_notify(&l, NULL, 1);
        assert_str_eq(seen, "a1 b1 c1 ");
        assert_int_eq(observers_add(&l, NULL, &a, NULL), -EINVAL);
        observers_clear(&l);
        assert_int_eq(observers_count(&l), 0);
}

TEST(remove, "/observers/unsubscribed observers are not called; unknown ids and 0 are no-ops")
{
        struct observers l = {};
        struct watcher a = { 'a', &l }, b = { 'b', &l };

        reset();
        assert_int_eq(observers_add(&l, on_change, &a, &a.id), 0);
        assert_int_eq(observers_add(&l, on_change, &b, &b.id), 0);
        observers_remove(&l, a.id);
        observers_remove(&l, a.id);
        observers_remove(&l, 0);
        observers_remove(&l, 999);
        observers_notify(&l, NULL, 1);
        assert_str_eq(seen, "b1 ");
        assert_int_eq(observers_count(&l), 1);
        observers_remove_userdata(&l, &b);
        assert_int_eq(observers_count(&l), 0);
        assert_null(l.head);
}

TEST(remove_in_callback, "/observers/an observer unsubscribing itself or a later one while notified")
{
        struct observers l = {};
        struct watcher a = { 'a', &l }, b = { 'b', &l }, c = { 'c', &l };

        reset();
        assert_int_eq(observers_add(&l, on_change, &a, &a.id), 0);
        assert_int_eq(observers_add(&l, on_change, &b, &b.id), 0);
        assert_int_eq(observers_add(&l, on_change, &c, &c.id), 0);
        a.remove_self = true;
        a.remove_id = b.id;          /* b is not called any more, not even in this round */
        observers_notify(&l, NULL, 1);
        assert_str_eq(seen, "a1 c1 ");
        observers_notify(&l, NULL, 2);
        assert_str_eq(seen, "a1 c1 c2 ");
        assert_int_eq(observers_count(&l), 1);
        observers_clear(&l);
}

TEST(add_in_callback, "/observers/an observer subscribed while notifying hears from the next notification on")
{
        struct observers l = {};
        struct watcher b = { 'b', &l }, a = { 'a', &l, .add_one = true, .added = &b };

        reset();
        assert_int_eq(observers_add(&l, on_change, &a, &a.id), 0);
        observers_notify(&l, NULL, 1);
        assert_str_eq(seen, "a1 ");
        observers_notify(&l, NULL, 2);
        assert_str_eq(seen, "a1 a2 b2 ");
        observers_clear(&l);
}

TEST(nested, "/observers/a notification from inside a notification; removal waits for the outer one")
{
        struct observers l = {};
        struct watcher a = { 'a', &l, .renotify = true }, b = { 'b', &l }, c = { 'c', &l };

        reset();
        assert_int_eq(observers_add(&l, on_change, &a, &a.id), 0);
        assert_int_eq(observers_add(&l, on_change, &b, &b.id), 0);
        assert_int_eq(observers_add(&l, on_change, &c, &c.id), 0);
        b.remove_self = true;        /* during the inner round */
        observers_notify(&l, NULL, 1);
        /* a1 starts the inner round (a2, b2 removes b, c2); the outer round goes on with c1 only. */
        assert_str_eq(seen, "a1 a2 b2 c2 c1 ");
        assert_int_eq(observers_count(&l), 2);
        observers_clear(&l);
}

TEST(clear_in_callback, "/observers/an observer freeing the object (and its list) while notified")
{
        struct object {
                struct observers observers;
        } *obj = calloc(1, sizeof(*obj));
        struct watcher a = { 'a', &obj->observers }, b = { 'b', &obj->observers, .clear = true, .object_to_free = obj },
                       c = { 'c', &obj->observers };

        reset();
        assert_int_eq(observers_add(&obj->observers, on_change, &a, &a.id), 0);
        assert_int_eq(observers_add(&obj->observers, on_change, &b, &b.id), 0);
        assert_int_eq(observers_add(&obj->observers, on_change, &c, &c.id), 0);
        /* ASan reports any touch of obj after b freed it. */
        observers_notify(&obj->observers, obj, 1);
        assert_str_eq(seen, "a1 b1 ");
}

TEST(clear_in_nested, "/observers/freeing the object inside a nested notification ends both rounds")
{
        struct object {
                struct observers observers;
        } *obj = calloc(1, sizeof(*obj));
        struct watcher a = { 'a', &obj->observers, .renotify = true },
                       b = { 'b', &obj->observers, .clear = true, .object_to_free = obj }, c = { 'c', &obj->observers };

        reset();
        assert_int_eq(observers_add(&obj->observers, on_change, &a, &a.id), 0);
        assert_int_eq(observers_add(&obj->observers, on_change, &b, &b.id), 0);
        assert_int_eq(observers_add(&obj->observers, on_change, &c, &c.id), 0);
        observers_notify(&obj->observers, obj, 1);
        assert_str_eq(seen, "a1 a2 b2 ");
}
