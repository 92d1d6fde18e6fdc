/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Asynchronous polkit checks for mutating method calls (system bus).
 *
 * A method handler calls polkit_check() first, before reading its arguments:
 *   1        authorized: go on;
 *   0        a CheckAuthorization call is on its way: return 1 from the
 *            handler without replying. When polkit answers, the original
 *            message is queued again (sd_bus_enqueue_for_read) and the
 *            handler runs a second time, now getting 1 or an error; so the
 *            object is looked up afresh and a vanished object gets the usual
 *            UnknownObject error;
 *   -EACCES  refused, *error is org.miracastd.Error.NotAuthorized with the reason
 *            (denied, needs interactive authentication, or polkit unreachable:
 *            an unreachable polkit never means yes);
 *   -EBUSY   too many checks pending.
 * With p == NULL (session or private bus) every call is authorized.
 */
#pragma once

#include <stdbool.h>
#include <systemd/sd-bus.h>

#define POLKIT_ACTION_CAST   "org.miracastd.cast"
#define POLKIT_ACTION_MANAGE "org.miracastd.manage"
#define POLKIT_ACTION_INPUT  "org.miracastd.input"   /* UIBC: the display may drive this desktop */
#define POLKIT_MAX_PENDING   64

struct polkit;

int polkit_new(sd_bus *bus, struct polkit **ret);
/* Drops pending checks (their callers get no reply: only at exit). Accepts NULL. */
struct polkit *polkit_free(struct polkit *p);

int polkit_check(struct polkit *p, sd_bus_message *m, const char *action, sd_bus_error *error);

/*
 * The same question about a bus name rather than a method call (e.g. the agent that said yes
 * on the person's behalf), with interactive authentication allowed. Returns 1 (authorized
 * at once: p == NULL), 0 when done() will be called with the answer (unref *ret_slot
 * first to drop it), or -errno. An unreachable polkit is a no.
 */
typedef void (*polkit_done_t)(bool authorized, const char *reason, void *userdata);
int polkit_check_name(struct polkit *p, const char *name, const char *action, polkit_done_t done, void *userdata,
                      sd_bus_slot **ret_slot);
