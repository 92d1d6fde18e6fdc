/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dbus/polkit.h: CheckAuthorization over D-Bus, asynchronously. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../daemon/log.h"
#include "../protocol/macro.h"
#include "bus_errors.h"
#include "polkit.h"

/* polkit's CheckAuthorizationFlags: AllowUserInteraction. */
#define POLKIT_FLAG_ALLOW_USER_INTERACTION 1u

struct polkit_query {
        struct polkit_query *next;
        struct polkit *polkit;       /* not owned */
        sd_bus_message *request;     /* reference: the call waiting for the answer */
        char *action;                /* owned */
        sd_bus_slot *slot;           /* owned: the pending CheckAuthorization */
        bool done;
        bool authorized;
        char *reason;                /* owned: why not, when !authorized */
};

struct polkit {
        sd_bus *bus;                 /* reference */
        struct polkit_query *queries;/* owned list */
        unsigned n_queries;
};

int polkit_new(sd_bus *bus, struct polkit **ret)
{
        struct polkit *p = calloc(1, sizeof(*p));

        if (!p)
                return -ENOMEM;
        p->bus = sd_bus_ref(bus);
        *ret = p;
        return 0;
}

static struct polkit_query *polkit_query_free(struct polkit_query *q)
{
        struct polkit_query **i;

        if (!q)
                return NULL;
        for (i = &q->polkit->queries; *i; i = &(*i)->next)
                if (*i == q) {
                        *i = q->next;
                        q->polkit->n_queries--;
                        break;
                }
        sd_bus_slot_unref(q->slot);
        sd_bus_message_unref(q->request);
        free(q->action);
        free(q->reason);
        free(q);
        return NULL;
}

struct polkit *polkit_free(struct polkit *p)
{
        if (!p)
                return NULL;
        while (p->queries)
                polkit_query_free(p->queries);
        sd_bus_unref(p->bus);
        free(p);
        return NULL;
}

/* Keep a refusal's text for the caller; out of memory leaves none (the generic error is used). */
__attribute__((format(printf, 2, 3)))
static void polkit_query_set_reason(struct polkit_query *q, const char *fmt, ...)
{
        va_list ap;

        free(q->reason);
        va_start(ap, fmt);
        if (vasprintf(&q->reason, fmt, ap) < 0)
                q->reason = NULL;
        va_end(ap);
}

static int polkit_on_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
        struct polkit_query *q = userdata;
        const sd_bus_error *e;
        int authorized = 0, challenge = 0, r;

        q->slot = sd_bus_slot_unref(q->slot);
        q->done = true;

        e = sd_bus_message_get_error(reply);
        if (e) {
                /* Not running, not installed, or it failed: never treat that as a yes. */
                log_warning("polkit check for %s failed (%s: %s): refusing", q->action, e->name,
                            e->message ?: "no message");
                polkit_query_set_reason(q, "Authorization check failed, polkit unavailable (%s)", e->name);
        } else {
                /* (is_authorized, is_challenge, details): the details are not needed. */
                r = sd_bus_message_enter_container(reply, 'r', "bba{ss}");
                if (r >= 0)
                        r = sd_bus_message_read(reply, "bb", &authorized, &challenge);
                if (r < 0) {
                        log_warning_errno(r, "polkit sent an unreadable answer for %s, refusing: %m", q->action);
                        polkit_query_set_reason(q, "Authorization check failed: bad answer from polkit");
                        authorized = 0;
                } else if (!authorized)
                        polkit_query_set_reason(q, challenge
                                        ? "Not authorized for %s: interactive authentication required"
                                        : "Not authorized for %s", q->action);
        }
        q->authorized = authorized;

        /* Run the original method call again; the handler finds this answer. */
        r = sd_bus_enqueue_for_read(q->polkit->bus, q->request);
        if (r < 0) {
                log_error_errno(r, "Failed to requeue the call waiting for polkit: %m");
                (void) sd_bus_reply_method_errorf(q->request, BUS_ERROR_FAILED, "Internal error after authorization");
                polkit_query_free(q);
        }
        return 0;
}

int polkit_check(struct polkit *p, sd_bus_message *m, const char *action, sd_bus_error *error)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        struct polkit_query *q;
        const char *sender;
        int r;

        if (!p)
                return 1;

        for (q = p->queries; q; q = q->next)
                if (q->request == m && strcmp(q->action, action) == 0)
                        break;
        if (q) {
                if (!q->done)
                        return 0;      /* still waiting; should not happen, harmless */
                if (q->authorized) {
                        polkit_query_free(q);
                        return 1;
                }
                sd_bus_error_set(error, BUS_ERROR_NOT_AUTHORIZED, q->reason ?: "Not authorized");
                polkit_query_free(q);
                return -EACCES;
        }

        sender = sd_bus_message_get_sender(m);
        if (!sender) {
                sd_bus_error_set(error, BUS_ERROR_NOT_AUTHORIZED, "Caller without a bus name cannot be authorized");
                return -EACCES;
        }
        if (p->n_queries >= POLKIT_MAX_PENDING) {
                sd_bus_error_set(error, BUS_ERROR_BUSY, "Too many authorization checks pending");
                return -EBUSY;
        }

        q = calloc(1, sizeof(*q));
        if (!q)
                return -ENOMEM;
        q->polkit = p;
        q->request = sd_bus_message_ref(m);
        q->action = strdup(action);
        q->next = p->queries;
        p->queries = q;
        p->n_queries++;
        if (!q->action) {
                polkit_query_free(q);
                return -ENOMEM;
        }

        r = sd_bus_message_new_method_call(p->bus, &call, "org.freedesktop.PolicyKit1",
                                           "/org/freedesktop/PolicyKit1/Authority",
                                           "org.freedesktop.PolicyKit1.Authority", "CheckAuthorization");
        if (r >= 0)
                r = sd_bus_message_append(call, "(sa{sv})sa{ss}us", "system-bus-name", 1, "name", "s", sender,
                                          action, 0,
                                          sd_bus_message_get_allow_interactive_authorization(m)
                                                  ? POLKIT_FLAG_ALLOW_USER_INTERACTION : 0,
                                          "");
        if (r >= 0)
                /* Interactive authentication may take the user a while. */
                r = sd_bus_call_async(p->bus, &q->slot, call, polkit_on_reply, q, 120ULL * 1000 * 1000);
        if (r < 0) {
                polkit_query_free(q);
                sd_bus_error_set(error, BUS_ERROR_NOT_AUTHORIZED, "Authorization check could not be started");
                return log_warning_errno(-EACCES, "Failed to ask polkit about %s, refusing: %s", action, strerror(-r));
        }
        log_debug("Asked polkit whether %s may do %s", sender, action);
        return 0;
}

/* ---- polkit_check_name() --------------------------------------------------------- */

struct polkit_name_query {
        polkit_done_t done;
        void *userdata;
        char action[64];
};

static int polkit_name_on_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
        struct polkit_name_query *q = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        int authorized = 0, challenge = 0, r;
        char reason[160];

        if (e) {
                log_warning("polkit check for %s failed (%s: %s): refusing", q->action, e->name,
                            e->message ?: "no message");
                snprintf(reason, sizeof(reason), "polkit unavailable (%s)", e->name);
        } else {
                r = sd_bus_message_enter_container(reply, 'r', "bba{ss}");
                if (r >= 0)
                        r = sd_bus_message_read(reply, "bb", &authorized, &challenge);
                if (r < 0)
                        authorized = 0;
                snprintf(reason, sizeof(reason), "%s", r < 0 ? "bad answer from polkit" : "not authorized");
        }
        q->done(authorized, authorized ? NULL : reason, q->userdata);
        return 0;
}

int polkit_check_name(struct polkit *p, const char *name, const char *action, polkit_done_t done, void *userdata,
                      sd_bus_slot **ret_slot)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        struct polkit_name_query *q;
        int r;

        if (!p)
                return 1;
        if (!name || !action || !done || !ret_slot || strlen(action) >= sizeof(q->action))
                return -EINVAL;
        q = calloc(1, sizeof(*q));
        if (!q)
                return -ENOMEM;
        q->done = done;
        q->userdata = userdata;
        snprintf(q->action, sizeof(q->action), "%s", action);

        r = sd_bus_message_new_method_call(p->bus, &call, "org.freedesktop.PolicyKit1",
                                           "/org/freedesktop/PolicyKit1/Authority",
                                           "org.freedesktop.PolicyKit1.Authority", "CheckAuthorization");
        if (r >= 0)
                r = sd_bus_message_append(call, "(sa{sv})sa{ss}us", "system-bus-name", 1, "name", "s", name,
                                          action, 0, POLKIT_FLAG_ALLOW_USER_INTERACTION, "");
        if (r >= 0)
                r = sd_bus_call_async(p->bus, ret_slot, call, polkit_name_on_reply, q, 120ULL * 1000 * 1000);
        if (r >= 0)
                /* q goes with the slot: answered, or dropped by the caller. */
                r = sd_bus_slot_set_destroy_callback(*ret_slot, free);
        if (r < 0) {
                *ret_slot = sd_bus_slot_unref(*ret_slot);
                free(q);
                return r;
        }
        log_debug("Asked polkit whether %s may do %s", name, action);
        return 0;
}
