/* SPDX-License-Identifier: GPL-2.0-or-later */
/* org.miracastd.User1 at /org/miracastd/user on the session bus (user.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../daemon/log.h"
#include "../dbus/bus_names.h"
#include "../protocol/macro.h"
#include "audio.h"
#include "cast.h"
#include "user.h"

static int method_cast(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        return cast_new(userdata, m, error);
}

static int method_stop(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        struct user *u = userdata;
        const char *path;
        struct cast *c;
        int r;

        r = sd_bus_message_read(m, "o", &path);
        if (r < 0)
                return r;
        c = user_find_cast(u, path);
        if (!c)
                return sd_bus_error_setf(error, BUS_ERROR_NOT_FOUND, "No cast of this user has session %s", path);
        return cast_stop(c, m, error);
}

static int property_get_sessions(sd_bus *bus, const char *path, const char *interface, const char *property,
                                 sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        struct user *u = userdata;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "o");
        if (r < 0)
                return r;
        for (struct cast *c = u->casts; c; c = c->next) {
                if (!c->session_path)
                        continue;
                r = sd_bus_message_append(reply, "o", c->session_path);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

static const sd_bus_vtable user_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_ARGS("Cast", SD_BUS_ARGS("o", sink, "a{sv}", options), SD_BUS_RESULT("o", session),
                                method_cast, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Stop", SD_BUS_ARGS("o", session), SD_BUS_NO_RESULT, method_stop,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_PROPERTY("Sessions", "ao", property_get_sessions, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_VTABLE_END
};

struct cast *user_find_cast(struct user *u, const char *session_path)
{
        for (struct cast *c = u->casts; c; c = c->next)
                if (c->session_path && strcmp(c->session_path, session_path) == 0)
                        return c;
        return NULL;
}

static int user_on_idle(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct user *u = userdata;

        log_info("No cast for %llu s, exiting (D-Bus activation starts us again)",
                 (unsigned long long) (u->idle_exit_usec / 1000000));
        /* Give the name back first, so a call arriving now activates a new instance instead of
         * reaching one that is leaving. */
        (void) sd_bus_release_name(u->bus, BUS_USER_NAME);
        return sd_event_exit(u->event, 0);
}

void user_casts_changed(struct user *u)
{
        int r;

        r = sd_bus_emit_properties_changed(u->bus, BUS_USER_PATH, BUS_USER_IFACE, "Sessions", NULL);
        if (r < 0)
                log_warning_errno(r, "Failed to emit Sessions changed, ignoring: %m");
        if (!u->idle_timer)
                return;
        if (u->casts) {
                (void) sd_event_source_set_enabled(u->idle_timer, SD_EVENT_OFF);
                return;
        }
        (void) sd_event_source_set_time_relative(u->idle_timer, u->idle_exit_usec);
        (void) sd_event_source_set_enabled(u->idle_timer, SD_EVENT_ONESHOT);
}

/* The daemon left the system bus (stopped, crashed, restarted): its sessions are gone with it. */
static int user_on_daemon_owner(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        struct user *u = userdata;
        const char *name, *old_owner, *new_owner;

        if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0 || strcmp(name, BUS_NAME) != 0 ||
            new_owner[0])
                return 0;
        for (struct cast *c = u->casts; c; c = c->next) {
                c->session_over = true;
                cast_end(c, "miracastd left the system bus");
        }
        return 0;
}

static char *user_default_state_dir(void)
{
        const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
        char *p = NULL;

        if (state && state[0] == '/') {
                if (asprintf(&p, "%s/miracastd", state) < 0)
                        return NULL;
        } else if (home && home[0] == '/') {
                if (asprintf(&p, "%s/.local/state/miracastd", home) < 0)
                        return NULL;
        }
        return p;
}

int user_new(sd_event *event, const struct user_config *cfg, struct user **ret)
{
        _cleanup_(user_freep) struct user *u = NULL;
        int r;

        u = calloc(1, sizeof(*u));
        if (!u)
                return -ENOMEM;
        u->event = sd_event_ref(event);
        u->idle_exit_usec = cfg->idle_exit_usec;
        u->state_dir = cfg->state_dir ? strdup(cfg->state_dir) : user_default_state_dir();
        if (!u->state_dir)
                return log_error_errno(-ENOENT, "Neither XDG_STATE_HOME nor HOME is set: nowhere to keep state");

        /* Left behind by a crash: put the person's speakers back before anything else. */
        r = audio_route_recover(u->state_dir);
        if (r < 0)
                log_warning_errno(r, "Cannot restore the audio output a previous run changed, ignoring: %m");

        r = sd_bus_open_system(&u->system_bus);
        if (r < 0)
                return log_error_errno(r, "Cannot connect to the system bus: %m");
        r = sd_bus_attach_event(u->system_bus, event, 0);
        if (r < 0)
                return r;
        r = sd_bus_add_match_async(u->system_bus, &u->daemon_gone,
                                   "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
                                   "interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='" BUS_NAME "'",
                                   user_on_daemon_owner, NULL, u);
        if (r < 0)
                return r;

        r = sd_bus_open_user(&u->bus);
        if (r < 0)
                return log_error_errno(r, "Cannot connect to the session bus: %m");
        r = sd_bus_attach_event(u->bus, event, 0);
        if (r < 0)
                return r;
        r = sd_bus_add_object_vtable(u->bus, NULL, BUS_USER_PATH, BUS_USER_IFACE, user_vtable, u);
        if (r < 0)
                return r;
        r = sd_bus_add_object_manager(u->bus, NULL, BUS_USER_PATH);
        if (r < 0)
                return r;
        r = sd_bus_request_name(u->bus, BUS_USER_NAME, 0);
        if (r < 0)
                return log_error_errno(r, "Cannot own %s on the session bus (already running?): %m", BUS_USER_NAME);

        if (u->idle_exit_usec > 0) {
                r = sd_event_add_time_relative(event, &u->idle_timer, CLOCK_MONOTONIC, u->idle_exit_usec, 0,
                                               user_on_idle, u);
                if (r < 0)
                        return r;
        }
        *ret = steal_ptr(u);
        return 0;
}

struct user *user_free(struct user *u)
{
        if (!u)
                return NULL;
        /* each cast unlinks itself */
        while (u->casts)
                cast_free(u->casts);
        u->idle_timer = sd_event_source_disable_unref(u->idle_timer);
        u->daemon_gone = sd_bus_slot_unref(u->daemon_gone);
        if (u->bus)
                sd_bus_flush_close_unref(u->bus);
        if (u->system_bus)
                sd_bus_flush_close_unref(u->system_bus);
        sd_event_unref(u->event);
        free(u->state_dir);
        free(u);
        return NULL;
}
