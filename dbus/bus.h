/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's D-Bus connection: bus name org.miracastd, ObjectManager at
 * /org/miracastd, and the three object types (manager_bus.c, sink_bus.c,
 * session_bus.c), plus the clients' PIN agents (agent_bus.c). bus_open()
 * subscribes to the manager's observers (and, through them, to every sink
 * and session), so daemon/ reports changes without knowing sd-bus.
 */
#pragma once

#include <stdbool.h>
#include <systemd/sd-bus.h>

#include "../daemon/config.h"
#include "bus_names.h"

struct manager;
struct sink;
struct session;
struct polkit;
struct bus_discovery_client;
struct bus_pending_cast;
struct bus_agent;
struct bus_cast_owner;
struct bus_agent_call;

struct bus {
        sd_bus *bus;                 /* reference */
        struct manager *manager;     /* not owned */
        struct polkit *polkit;       /* owned; NULL = no polkit (session/private bus) */
        struct bus_discovery_client *discovery_clients; /* owned: StartDiscovery callers */
        struct bus_pending_cast *pending_casts;         /* owned: Cast() calls awaiting negotiation */
        struct bus_agent *agents;                       /* owned: registered PIN agents, first = default */
        struct bus_agent_call *agent_calls;             /* owned: calls into agents */
        struct bus_cast_owner *cast_owners;             /* owned: callers non-persistent casts are bound to */
        sd_event_source *exit_source;                   /* owned: releases the agents when the loop exits */
};

/*
 * Connect to spec ("system", "session" or an address), register every
 * object, take the name org.miracastd. polkit_mode CONFIG_POLKIT_AUTO asks
 * polkit on the system bus only. Returns -EEXIST when the name is taken.
 */
int bus_open(struct manager *m, const char *spec, enum config_polkit polkit_mode, struct bus **ret);
/* Removes the hooks, releases the name, closes. Accepts NULL, returns NULL. */
struct bus *bus_free(struct bus *b);

/*
 * For the node enumerators (ObjectManager): append a copy of path to the NULL-terminated
 * list *l of *n entries (NULL or an empty list, and 0, to start). Returns 0, or -ENOMEM with *l
 * unchanged and still the caller's to free (strv_free()).
 */
int bus_node_list_add(char ***l, size_t *n, const char *path);

/* Registration, one per object type (each in its *-bus.c). */
int manager_bus_register(struct bus *b);
int sink_bus_register(struct bus *b);
int session_bus_register(struct bus *b);
/* A manager change (enum manager_change), a new sink, a new session: emit and follow it. */
void manager_bus_changed(struct bus *b, int change);
void sink_bus_added(struct bus *b, struct sink *sink);
void session_bus_added(struct bus *b, struct session *s);
/* Answer Cast() call m once session s negotiated (its path) or ended (the
 * error of its end reason). session_bus.c; takes a reference on m. */
int session_bus_add_pending_cast(struct bus *b, struct session *s, sd_bus_message *m);
/* Answer every pending Cast() with Failed, forget the bound callers (exit). */
void session_bus_free_pending_casts(struct bus *b);
/* Bind s to the bus connection that sent Cast() m: when it leaves the bus, s is
 * stopped (a connect in progress is cancelled). session_bus.c. */
int session_bus_bind_to_caller(struct bus *b, struct session *s, sd_bus_message *m);
/* The unique name of the caller whose Cast() created s and waits for it, or NULL. */
const char *session_bus_cast_caller(struct bus *b, struct session *s);

/* agent_bus.c: Manager1.RegisterAgent(o) / UnregisterAgent(o) handlers. */
int agent_bus_method_register(sd_bus_message *m, struct bus *b, sd_bus_error *error);
int agent_bus_method_unregister(sd_bus_message *m, struct bus *b, sd_bus_error *error);
/* Whether caller registered an agent. */
bool agent_bus_has_agent(struct bus *b, const char *caller);
/* The manager's pin_display / pin_request hooks: Agent1.DisplayPinCode / RequestPinCode of the
 * agent of s's Cast() caller, else the first registered one; -ENOKEY when there is none. */
int agent_bus_pin_display(struct bus *b, struct sink *sink, struct session *s, const char *pin);
int agent_bus_pin_request(struct bus *b, struct sink *sink, struct session *s);
/* Agent1.RequestInput for the playing session s; a yes (and polkit org.miracastd.input for the
 * agent's owner) turns input on with session_set_input(). -ENOKEY without an agent. */
int agent_bus_input_request(struct bus *b, struct sink *sink, struct session *s);
/* Follow session s: once it connected or ended, the agent calls made for it end
 * (Agent1.Cancel() when it ended). */
void agent_bus_session_added(struct bus *b, struct session *s);
/* Exit: Cancel() pending calls, Release() every agent, forget them. */
void agent_bus_free_all(struct bus *b);
/* Forget the StartDiscovery callers (manager_bus.c). */
void manager_bus_free_clients(struct bus *b);
