/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * daemon/observers.h: subscriber lists.
 *
 * Removal during a notification only marks the entry (fn = NULL); the
 * outermost notification unlinks marked entries when it is done, so the
 * entry a running loop stands on is never freed under it. Each running
 * notification has a frame on its stack, linked from the list; clearing the
 * list flags every frame, and each loop returns as soon as its callback does.
 */
#include <errno.h>
#include <stdlib.h>

#include "observers.h"

struct observer {
        struct observer *next;
        unsigned id;
        observer_fn fn;              /* NULL: removed, unlinked after the running notification */
        void *userdata;              /* the observer's */
};

struct observers_dispatch {
        struct observers_dispatch *outer;
        bool cleared;
};

int observers_add(struct observers *l, observer_fn fn, void *userdata, unsigned *ret_id)
{
        struct observer *o, **tail;

        if (!fn)
                return -EINVAL;
        o = calloc(1, sizeof(*o));
        if (!o)
                return -ENOMEM;
        if (l->next_id == 0)
                l->next_id = 1;
        o->id = l->next_id++;
        o->fn = fn;
        o->userdata = userdata;
        for (tail = &l->head; *tail; tail = &(*tail)->next)
                ;
        *tail = o;
        if (ret_id)
                *ret_id = o->id;
        return 0;
}

/* Unlink and free the entries marked removed (only when no notification runs). */
static void observers_sweep(struct observers *l)
{
        for (struct observer **i = &l->head; *i;) {
                struct observer *o = *i;

                if (o->fn) {
                        i = &o->next;
                        continue;
                }
                *i = o->next;
                free(o);
        }
}

static void observers_mark(struct observers *l, unsigned id, void *userdata, bool by_userdata)
{
        for (struct observer *o = l->head; o; o = o->next)
                if (o->fn && (by_userdata ? o->userdata == userdata : o->id == id))
                        o->fn = NULL;
        if (!l->dispatch)
                observers_sweep(l);
}

void observers_remove(struct observers *l, unsigned id)
{
        if (id)
                observers_mark(l, id, NULL, false);
}

void observers_remove_userdata(struct observers *l, void *userdata)
{
        observers_mark(l, 0, userdata, true);
}

void observers_notify(struct observers *l, void *object, unsigned change)
{
        struct observers_dispatch frame = { .outer = l->dispatch };
        unsigned end = l->next_id;   /* those subscribing from here on wait for the next notification */

        l->dispatch = &frame;
        for (struct observer *o = l->head; o; o = o->next) {
                if (!o->fn || o->id >= end)
                        continue;
                o->fn(object, change, o->userdata);
                if (frame.cleared)
                        return;      /* the list (and its object, likely) is gone */
        }
        l->dispatch = frame.outer;
        if (!l->dispatch)
                observers_sweep(l);
}

void observers_clear(struct observers *l)
{
        for (struct observers_dispatch *d = l->dispatch; d; d = d->outer)
                d->cleared = true;
        l->dispatch = NULL;
        while (l->head) {
                struct observer *o = l->head;

                l->head = o->next;
                free(o);
        }
}

unsigned observers_count(const struct observers *l)
{
        unsigned n = 0;

        for (const struct observer *o = l->head; o; o = o->next)
                if (o->fn)
                        n++;
        return n;
}
