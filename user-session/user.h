/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * miracastd-user: the user-session component. One per user session, on the
 * session bus as org.miracastd.User at /org/miracastd/user, interface
 * org.miracastd.User1 (docs/user-session.md):
 *
 *   Cast(o sink, a{sv} options) -> (o session)   cast to a Sink1 of the system daemon
 *   Stop(o session)                              end one of our casts
 *   Sessions ao                                  the daemon's Session1 paths we run
 *
 * It owns what only the person's own session may touch (the screen-cast
 * portal, the person's PipeWire) and hands the daemon file descriptors. It
 * keeps its system-bus connection for the casts' life (Cast with
 * persistent=false), so when it dies the daemon ends its casts.
 */
#pragma once

#include <stdint.h>

#include "../protocol/macro.h"

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

struct cast;

struct user_config {
        uint64_t idle_exit_usec;   /* exit after this long without casts; 0: never */
        const char *state_dir;     /* where routing state survives a crash; NULL: $XDG_STATE_HOME/miracastd */
};

struct user {
        sd_event *event;              /* reference */
        sd_bus *bus;                  /* owned: the session bus, where User1 lives */
        sd_bus *system_bus;           /* owned: the daemon's bus; our casts live as long as this connection */
        sd_bus_slot *daemon_gone;     /* owned: NameOwnerChanged of org.miracastd */
        struct cast *casts;           /* owned list (cast.c links and unlinks) */
        sd_event_source *idle_timer;  /* owned: armed while there is no cast */
        uint64_t idle_exit_usec;
        char *state_dir;              /* owned */
        unsigned next_cast_id;
};

/* Connects both buses, restores audio routing a crash left behind, takes the name. */
int user_new(sd_event *event, const struct user_config *cfg, struct user **ret);
/* Ends every cast (restoring audio routing), releases the name; NULL ok, returns NULL. */
struct user *user_free(struct user *u);
DEFINE_CLEANUP(struct user *, user_free)

/* For cast.c: the set of casts or their sessions changed (Sessions signal, idle timer). */
void user_casts_changed(struct user *u);
struct cast *user_find_cast(struct user *u, const char *session_path);
