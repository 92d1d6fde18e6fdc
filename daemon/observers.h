/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Subscriber lists: any number of observers follow an object (the manager, a
 * sink, a session) and hear about its changes, each through its own
 * subscription. The object embeds a struct observers and calls
 * observers_notify() when something changed; observers subscribe with
 * observers_add() and keep the id to unsubscribe.
 *
 *   r = observers_add(&s->observers, on_session_changed, userdata, &id);
 *   ...
 *   observers_remove(&s->observers, id);
 *
 * Observers are called in the order they subscribed. A callback may
 * subscribe or unsubscribe anyone (itself included) and may notify again;
 * removed observers are not called any more, new ones only from the next
 * notification on. A callback may also clear the list (its object is being
 * freed): the notification then stops at once and touches nothing after.
 * An object that reports its own end ("removed") clears the list right
 * after that last notification, so no observer is left pointing at it.
 *
 * The list owns its entries; userdata is the observer's and never freed here.
 * Pure: no I/O, no globals (iwd's watchlist is the model).
 */
#pragma once

#include <stdbool.h>

/* object: the object that changed (see its header for which one per change). */
typedef void (*observer_fn)(void *object, unsigned change, void *userdata);

struct observer;
struct observers_dispatch;

struct observers {
        struct observer *head;               /* owned list, in subscription order */
        unsigned next_id;                    /* ids start at 1; 0 means "no subscription" */
        struct observers_dispatch *dispatch; /* innermost observers_notify() running, or NULL */
};

/* Subscribe fn(object, change, userdata). *ret_id identifies the subscription
 * (never 0). Returns -ENOMEM. */
int observers_add(struct observers *l, observer_fn fn, void *userdata, unsigned *ret_id);

/* Unsubscribe; id 0 or an id no longer subscribed is a no-op. Safe inside a notification. */
void observers_remove(struct observers *l, unsigned id);

/* Unsubscribe every subscription made with userdata (an observer going away). */
void observers_remove_userdata(struct observers *l, void *userdata);

/* Call every observer with (object, change). */
void observers_notify(struct observers *l, void *object, unsigned change);

/* Drop every subscription (the object is being freed). Safe inside a notification. */
void observers_clear(struct observers *l);

/* Number of subscriptions (for tests and logs). */
unsigned observers_count(const struct observers *l);
