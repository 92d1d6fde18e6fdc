/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A FAKE org.miracastd.User (the user-session component, miracastd-user(1)) for
 * the desktop tests, served by the test process on a bus of its own choosing
 * (header-only, like tests/lib/fake-wpas.h). It keeps the contract's shape
 * without a portal or PipeWire:
 *
 *   Cast(o sink, a{sv} options) -> (o session)
 *       records the options, then Sink1.Cast(sink) on the daemon (same bus here)
 *       with the pass-through options (method, pin, max-resolution, latency,
 *       input) and persistent=false; the daemon's answer (path or error) is passed
 *       back unchanged. video/audio/latency are only recorded: the daemon on this
 *       branch casts its own configured capture.
 *   Stop(o session)  -> Session1.Stop(session), answered once the daemon answered
 *
 * Only for tests; the real component is user-session/.
 */
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>

struct fake_user1 {
        sd_bus *bus;                 /* owned: our own connection, owning org.miracastd.User */
        sd_bus_slot *vtable;
        unsigned casts, stops;
        char last_options[512];      /* "video=extend audio=mirror ..." of the last Cast */
        char last_stop[128];
};

/* One forwarded call waiting for the daemon: answers the held call with its reply. */
struct fake_user1_call {
        struct fake_user1 *f;
        sd_bus_message *held;        /* owned ref: the caller's User1 call */
        sd_bus_slot *slot;           /* owned */
};

static inline int fake_user1_on_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
        struct fake_user1_call *c = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        const char *path = NULL;

        if (e)
                (void) sd_bus_reply_method_error(c->held, e);
        else if (sd_bus_message_has_signature(reply, "o") && sd_bus_message_read(reply, "o", &path) >= 0)
                (void) sd_bus_reply_method_return(c->held, "o", path);
        else
                (void) sd_bus_reply_method_return(c->held, NULL);
        sd_bus_message_unref(c->held);
        sd_bus_slot_unref(c->slot);
        free(c);
        return 0;
}

static inline int fake_user1_forward(struct fake_user1 *f, sd_bus_message *held, sd_bus_message *call)
{
        struct fake_user1_call *c = calloc(1, sizeof(*c));
        int r;

        if (!c)
                return -ENOMEM;
        c->f = f;
        c->held = sd_bus_message_ref(held);
        r = sd_bus_call_async(f->bus, &c->slot, call, fake_user1_on_reply, c, 150ULL * 1000 * 1000);
        if (r < 0) {
                sd_bus_message_unref(c->held);
                free(c);
                return r;
        }
        return 1;
}

static inline int fake_user1_cast(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        struct fake_user1 *f = userdata;
        sd_bus_message *call = NULL;
        const char *sink, *key;
        size_t len = 0;
        int r;

        f->last_options[0] = 0;
        r = sd_bus_message_read(m, "o", &sink);
        if (r >= 0)
                r = sd_bus_message_new_method_call(f->bus, &call, "org.miracastd", sink, "org.miracastd.Sink1", "Cast");
        if (r >= 0)
                r = sd_bus_message_open_container(call, 'a', "{sv}");
        if (r >= 0)
                r = sd_bus_message_enter_container(m, 'a', "{sv}");
        while (r >= 0 && (r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const char *contents, *s = NULL;
                int b = 0;

                r = sd_bus_message_read(m, "s", &key);
                if (r >= 0)
                        r = sd_bus_message_peek_type(m, NULL, &contents);
                if (r < 0)
                        break;
                if (strcmp(contents, "s") == 0) {
                        r = sd_bus_message_read(m, "v", "s", &s);
                        len += snprintf(f->last_options + len, sizeof(f->last_options) - len, "%s%s=%s",
                                        len ? " " : "", key, s);
                        if (r >= 0 && (strcmp(key, "method") == 0 || strcmp(key, "pin") == 0 ||
                                       strcmp(key, "max-resolution") == 0 || strcmp(key, "latency") == 0))
                                r = sd_bus_message_append(call, "{sv}", key, "s", s);
                } else if (strcmp(contents, "b") == 0) {
                        r = sd_bus_message_read(m, "v", "b", &b);
                        len += snprintf(f->last_options + len, sizeof(f->last_options) - len, "%s%s=%s",
                                        len ? " " : "", key, b ? "true" : "false");
                        if (r >= 0 && strcmp(key, "input") == 0)
                                r = sd_bus_message_append(call, "{sv}", key, "b", b);
                } else
                        r = sd_bus_message_skip(m, "v");
                if (len >= sizeof(f->last_options))
                        len = sizeof(f->last_options) - 1;
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
        }
        if (r >= 0)
                r = sd_bus_message_append(call, "{sv}", "persistent", "b", 0);
        if (r >= 0)
                r = sd_bus_message_close_container(call);
        f->casts++;
        if (r >= 0)
                r = fake_user1_forward(f, m, call);
        sd_bus_message_unref(call);
        return r;
}

static inline int fake_user1_stop(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        struct fake_user1 *f = userdata;
        sd_bus_message *call = NULL;
        const char *session;
        int r;

        r = sd_bus_message_read(m, "o", &session);
        if (r < 0)
                return r;
        snprintf(f->last_stop, sizeof(f->last_stop), "%s", session);
        f->stops++;
        r = sd_bus_message_new_method_call(f->bus, &call, "org.miracastd", session, "org.miracastd.Session1", "Stop");
        if (r >= 0)
                r = fake_user1_forward(f, m, call);
        sd_bus_message_unref(call);
        return r;
}

static const sd_bus_vtable fake_user1_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_ARGS("Cast", SD_BUS_ARGS("o", sink, "a{sv}", options), SD_BUS_RESULT("o", session),
                                fake_user1_cast, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Stop", SD_BUS_ARGS("o", session), SD_BUS_NO_RESULT, fake_user1_stop,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END
};

/* Connect to address, serve /org/miracastd/user and own org.miracastd.User; attached to e. */
static inline int fake_user1_new(sd_event *e, const char *address, struct fake_user1 **ret)
{
        struct fake_user1 *f = calloc(1, sizeof(*f));
        int r;

        if (!f)
                return -ENOMEM;
        r = sd_bus_new(&f->bus);
        if (r >= 0)
                r = sd_bus_set_address(f->bus, address);
        if (r >= 0)
                r = sd_bus_set_bus_client(f->bus, 1);
        if (r >= 0)
                r = sd_bus_start(f->bus);
        if (r >= 0)
                r = sd_bus_attach_event(f->bus, e, 0);
        if (r >= 0)
                r = sd_bus_add_object_vtable(f->bus, &f->vtable, "/org/miracastd/user", "org.miracastd.User1",
                                             fake_user1_vtable, f);
        if (r >= 0)
                r = sd_bus_request_name(f->bus, "org.miracastd.User", 0);
        if (r < 0) {
                sd_bus_slot_unref(f->vtable);
                sd_bus_flush_close_unref(f->bus);
                free(f);
                return r;
        }
        *ret = f;
        return 0;
}

static inline void fake_user1_free(struct fake_user1 *f)
{
        if (!f)
                return;
        sd_bus_slot_unref(f->vtable);
        sd_bus_flush_close_unref(f->bus);
        free(f);
}
