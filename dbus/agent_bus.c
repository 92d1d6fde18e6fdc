/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PIN agents, as bluez does them: a client implements org.miracastd.Agent1
 * on an object of its own and registers it with Manager1.RegisterAgent(o).
 * One agent per caller (a unique bus name); it is dropped when the caller
 * leaves the bus (sd_bus_track) or calls UnregisterAgent.
 *
 * During a Cast() the daemon calls the agent of the Cast() caller, else the
 * first registered one:
 *   DisplayPinCode(o sink, s pin)   the user must type pin on the TV
 *   RequestPinCode(o sink) -> s     the TV shows a PIN: what does it say?
 *   RequestInput(o session, s name) -> b   once playing, when the display offers input
 *                                   (UIBC) and the Cast() did not say: allow it?
 *   Cancel()                        the request is over (cast ended, timeout)
 *   Release()                       the daemon exits; the agent is unregistered
 * An error reply or no reply within p2p-agent-timeout ends the cast: the
 * session ends (P2P_CANCEL through the backend) and Cast() fails with
 * NotAuthorized (the agent refused) or Timeout.
 * RequestInput never ends the cast: no, an error or no answer within
 * p2p-agent-timeout leave input off. A yes is the agent speaking for the
 * person, so polkit's org.miracastd.input is still asked about the agent's
 * bus name (it may ask for the password) before session_set_input().
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../protocol/macro.h"
#include "../daemon/log.h"
#include "../daemon/manager.h"
#include "../daemon/session.h"
#include "../daemon/sink.h"
#include "bus_errors.h"
#include "bus.h"
#include "polkit.h"

/* A registered agent. */
struct bus_agent {
        struct bus_agent *next;
        struct bus *bus;             /* not owned */
        char *owner;                 /* owned: the caller's unique name */
        char *path;                  /* owned: its Agent1 object */
        sd_bus_track *track;         /* owned: drops the agent when the owner leaves the bus */
};

/* A call to an agent on behalf of one session (kept after DisplayPinCode answered, so Cancel()
 * can tell the agent to stop showing the PIN when the cast fails). */
struct bus_agent_call {
        struct bus_agent_call *next;
        struct bus *bus;             /* not owned */
        unsigned session_id;
        char *owner, *path;          /* owned: the agent called */
        enum {
                AGENT_CALL_PIN_DISPLAY,
                AGENT_CALL_PIN_REQUEST,
                AGENT_CALL_INPUT,    /* RequestInput, then (slot) polkit about the agent's owner */
        } kind;
        uint64_t start_usec;         /* CLOCK_MONOTONIC */
        sd_bus_slot *slot;           /* owned: the pending call, NULL once answered */
};

static uint64_t agent_now_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000;
}

static uint64_t agent_timeout_usec(struct bus *b)
{
        unsigned sec = b->manager->config ? b->manager->config->p2p.agent_timeout_sec : 0;

        return (uint64_t) (sec ? sec : P2P_DEFAULT_AGENT_TIMEOUT_SEC) * 1000000ULL;
}

static struct bus_agent *agent_free(struct bus_agent *a)
{
        if (!a)
                return NULL;
        for (struct bus_agent **i = &a->bus->agents; *i; i = &(*i)->next)
                if (*i == a) {
                        *i = a->next;
                        break;
                }
        sd_bus_track_unref(a->track);
        free(a->owner);
        free(a->path);
        free(a);
        return NULL;
}

static struct bus_agent_call *agent_call_free(struct bus_agent_call *c)
{
        if (!c)
                return NULL;
        for (struct bus_agent_call **i = &c->bus->agent_calls; *i; i = &(*i)->next)
                if (*i == c) {
                        *i = c->next;
                        break;
                }
        sd_bus_slot_unref(c->slot);
        free(c->owner);
        free(c->path);
        free(c);
        return NULL;
}

static struct bus_agent *agent_find_by_owner(struct bus *b, const char *owner)
{
        for (struct bus_agent *a = b->agents; a; a = a->next)
                if (strcmp(a->owner, owner) == 0)
                        return a;
        return NULL;
}

bool agent_bus_has_agent(struct bus *b, const char *caller)
{
        return caller && agent_find_by_owner(b, caller);
}

/* Fire-and-forget Agent1.Cancel()/Release(). */
static void agent_send(struct bus *b, const char *owner, const char *path, const char *method)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = sd_bus_message_new_method_call(b->bus, &m, owner, path, BUS_AGENT_IFACE, method);
        if (r >= 0)
                r = sd_bus_message_set_expect_reply(m, false);
        if (r >= 0)
                r = sd_bus_send(b->bus, m, NULL);
        if (r < 0)
                log_debug("D-Bus: cannot send %s() to agent %s on %s: %s", method, path, owner, strerror(-r));
}

/* ---- Manager1.RegisterAgent / UnregisterAgent ------------------------------------ */

static int agent_on_owner_gone(sd_bus_track *track, void *userdata)
{
        struct bus_agent *a = userdata;

        log_info("D-Bus: agent %s of %s left the bus, unregistered", a->path, a->owner);
        agent_free(a);
        return 0;
}

int agent_bus_method_register(sd_bus_message *m, struct bus *b, sd_bus_error *error)
{
        struct bus_agent *a, **tail;
        const char *path, *sender;
        int r;

        r = polkit_check(b->polkit, m, POLKIT_ACTION_CAST, error);
        if (r <= 0)
                return r < 0 ? r : 1;
        r = sd_bus_message_read(m, "o", &path);
        if (r < 0)
                return r;
        sender = sd_bus_message_get_sender(m);
        if (!sender)
                return bus_error_set(error, -EINVAL, "An agent needs a bus connection with a unique name");
        a = agent_find_by_owner(b, sender);
        if (a)
                return bus_error_set(error, -EEXIST, "This caller has already registered the agent %s", a->path);
        if (b->manager->shutting_down)
                return bus_error_set(error, -ESHUTDOWN, "The daemon is shutting down");

        a = calloc(1, sizeof(*a));
        if (!a)
                return -ENOMEM;
        a->bus = b;
        a->owner = strdup(sender);
        a->path = strdup(path);
        /* Appended: the first registered agent stays the default one. */
        for (tail = &b->agents; *tail; tail = &(*tail)->next)
                ;
        *tail = a;
        if (!a->owner || !a->path) {
                agent_free(a);
                return -ENOMEM;
        }
        r = sd_bus_track_new(b->bus, &a->track, agent_on_owner_gone, a);
        if (r >= 0)
                r = sd_bus_track_add_sender(a->track, m);
        if (r < 0) {
                agent_free(a);
                return bus_error_set(error, r, "Failed to track the caller: %m");
        }
        log_info("D-Bus: agent %s registered by %s", a->path, a->owner);
        return sd_bus_reply_method_return(m, NULL);
}

int agent_bus_method_unregister(sd_bus_message *m, struct bus *b, sd_bus_error *error)
{
        struct bus_agent *a;
        const char *path, *sender;
        int r;

        r = polkit_check(b->polkit, m, POLKIT_ACTION_CAST, error);
        if (r <= 0)
                return r < 0 ? r : 1;
        r = sd_bus_message_read(m, "o", &path);
        if (r < 0)
                return r;
        sender = sd_bus_message_get_sender(m);
        a = sender ? agent_find_by_owner(b, sender) : NULL;
        if (!a || strcmp(a->path, path) != 0)
                return bus_error_set(error, -ENOENT, "No agent %s registered by this caller", path);
        log_info("D-Bus: agent %s of %s unregistered", a->path, a->owner);
        agent_free(a);
        return sd_bus_reply_method_return(m, NULL);
}

/* ---- calls into agents ----------------------------------------------------------- */

/* The agent for session s: the one its Cast() caller registered, else the first one. */
static struct bus_agent *agent_for_session(struct bus *b, struct session *s)
{
        const char *caller = session_bus_cast_caller(b, s);
        struct bus_agent *a = caller ? agent_find_by_owner(b, caller) : NULL;

        return a ?: b->agents;
}

/* Forget the PIN calls (with input: all calls) made for session id; with cancel, tell those agents
 * with Cancel(). */
static void agent_drop_calls(struct bus *b, unsigned session_id, bool input, bool cancel)
{
        for (struct bus_agent_call *c = b->agent_calls, *next; c; c = next) {
                next = c->next;
                if (c->session_id != session_id || (c->kind == AGENT_CALL_INPUT && !input))
                        continue;
                if (cancel)
                        agent_send(b, c->owner, c->path, "Cancel");
                agent_call_free(c);
        }
}

/* Strip what people type between digit groups ("1234 5670", "1234-5670"). */
static int agent_normalize_pin(const char *in, char *out, size_t size)
{
        size_t n = 0;

        for (const char *p = in; *p; p++) {
                if (*p == ' ' || *p == '-')
                        continue;
                if (*p < '0' || *p > '9' || n + 1 >= size)
                        return -EINVAL;
                out[n++] = *p;
        }
        out[n] = 0;
        return n == 4 || n == 8 ? 0 : -EINVAL;
}

static int agent_on_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
        struct bus_agent_call *c = userdata;
        struct bus *b = c->bus;
        struct session *s = manager_find_session_by_id(b->manager, c->session_id);
        struct sink *sink = s && s->state == SOURCE_SESSION_STATE_CONNECTING ? session_get_sink(s) : NULL;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        char reason[320], pin[16];
        const char *text;
        int r;

        c->slot = sd_bus_slot_unref(c->slot);
        if (sink && sink_get_cast_session(sink) != s)
                sink = NULL;     /* no longer the sink's Cast() */
        if (!sink) {
                agent_call_free(c);
                return 0;
        }
        if (e) {
                uint64_t timeout = agent_timeout_usec(b);
                bool timed_out = sd_bus_error_has_name(e, SD_BUS_ERROR_NO_REPLY) &&
                                 agent_now_usec() - c->start_usec + 100000 >= timeout;

                if (timed_out) {
                        snprintf(reason, sizeof(reason), "the agent did not %s within %llu s",
                                 c->kind == AGENT_CALL_PIN_REQUEST ? "give the PIN" : "show the PIN",
                                 (unsigned long long) (timeout / 1000000));
                        r = -ETIMEDOUT;
                } else {
                        snprintf(reason, sizeof(reason), "the agent refused to %s: %s%s%.160s",
                                 c->kind == AGENT_CALL_PIN_REQUEST ? "give the PIN" : "show the PIN", e->name,
                                 e->message ? ": " : "", e->message ?: "");
                        r = -EACCES;
                }
                if (timed_out)
                        agent_send(b, c->owner, c->path, "Cancel");
                agent_call_free(c);
                sink_cast_abort(sink, r, reason);
                return 0;
        }
        if (c->kind == AGENT_CALL_PIN_DISPLAY) {
                log_debug("sink %s: agent %s shows the PIN", sink->address, c->path);
                return 0;       /* kept: Cancel() if the cast fails */
        }
        agent_call_free(c);
        r = sd_bus_message_read(reply, "s", &text);
        if (r < 0 || agent_normalize_pin(text, pin, sizeof(pin)) < 0) {
                sink_cast_abort(sink, -EINVAL, "the agent's PIN is not 4 or 8 digits");
                return 0;
        }
        log_info("sink %s: the agent gave the PIN, connecting with it", sink->address);
        r = sink_pin_entered(sink, pin);
        if (r < 0) {
                snprintf(reason, sizeof(reason), "cannot connect with the agent's PIN: %s", strerror(-r));
                sink_cast_abort(sink, r, reason);
        }
        return 0;
}

/* Send m to agent a for session s, tracked in b->agent_calls until answered (callback gets the
 * struct bus_agent_call) or dropped. */
static int agent_call_send(struct bus *b, struct bus_agent *a, struct session *s, int kind, sd_bus_message *m,
                           sd_bus_message_handler_t callback)
{
        struct bus_agent_call *c = calloc(1, sizeof(*c));
        int r;

        if (!c)
                return -ENOMEM;
        c->bus = b;
        c->next = b->agent_calls;
        b->agent_calls = c;
        c->session_id = s->id;
        c->kind = kind;
        c->start_usec = agent_now_usec();
        c->owner = strdup(a->owner);
        c->path = strdup(a->path);
        if (!c->owner || !c->path) {
                agent_call_free(c);
                return -ENOMEM;
        }
        r = sd_bus_call_async(b->bus, &c->slot, m, callback, c, agent_timeout_usec(b));
        if (r < 0) {
                agent_call_free(c);
                return r;
        }
        return 0;
}

static int agent_call(struct bus *b, struct sink *sink, struct session *s, const char *pin)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        struct bus_agent *a = agent_for_session(b, s);
        int r;

        if (!a)
                return -ENOKEY;
        /* One request per session at a time: a newer PIN replaces an older one. */
        agent_drop_calls(b, s->id, false, true);

        r = sd_bus_message_new_method_call(b->bus, &m, a->owner, a->path, BUS_AGENT_IFACE,
                                           pin ? "DisplayPinCode" : "RequestPinCode");
        if (r >= 0)
                r = sd_bus_message_append(m, "o", sink->path);
        if (r >= 0 && pin)
                r = sd_bus_message_append(m, "s", pin);
        if (r < 0)
                return r;
        r = agent_call_send(b, a, s, pin ? AGENT_CALL_PIN_DISPLAY : AGENT_CALL_PIN_REQUEST, m, agent_on_reply);
        if (r < 0)
                return r;
        log_info("sink %s: %s agent %s of %s", sink->address,
                 pin ? "showing the PIN through" : "asking for the PIN the display shows through", a->path, a->owner);
        return 0;
}

int agent_bus_pin_display(struct bus *b, struct sink *sink, struct session *s, const char *pin)
{
        return agent_call(b, sink, s, pin);
}

int agent_bus_pin_request(struct bus *b, struct sink *sink, struct session *s)
{
        return agent_call(b, sink, s, NULL);
}

/* ---- RequestInput ---------------------------------------------------------------- */

/* The person allowed it and polkit agreed: input on, unless the session went meanwhile. */
static void agent_input_allow(struct bus_agent_call *c)
{
        struct session *s = manager_find_session_by_id(c->bus->manager, c->session_id);
        unsigned id = c->session_id;
        int r;

        agent_call_free(c);
        if (!s || s->state == SOURCE_SESSION_STATE_ENDED)
                return;
        r = session_set_input(s, true);
        if (r < 0 && r != -EALREADY)
                log_warning_errno(r, "session %u: input from the display was allowed, but cannot be turned on: %m", id);
}

static void agent_on_input_authorized(bool authorized, const char *reason, void *userdata)
{
        struct bus_agent_call *c = userdata;

        if (!authorized) {
                log_info("session %u: the agent %s allowed input from the display, but polkit (%s) refused: %s; "
                         "input stays off", c->session_id, c->owner, POLKIT_ACTION_INPUT, reason ?: "no reason");
                agent_call_free(c);
                return;
        }
        agent_input_allow(c);
}

static int agent_on_input_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
        struct bus_agent_call *c = userdata;
        struct bus *b = c->bus;
        struct session *s = manager_find_session_by_id(b->manager, c->session_id);
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        int allow = 0, r;

        c->slot = sd_bus_slot_unref(c->slot);
        if (!s || s->state == SOURCE_SESSION_STATE_ENDED) {
                agent_call_free(c);
                return 0;
        }
        if (e) {
                uint64_t timeout = agent_timeout_usec(b);

                if (sd_bus_error_has_name(e, SD_BUS_ERROR_NO_REPLY) &&
                    agent_now_usec() - c->start_usec + 100000 >= timeout) {
                        log_info("session %u: the agent did not answer about input within %llu s; input stays off",
                                 c->session_id, (unsigned long long) (timeout / 1000000));
                        agent_send(b, c->owner, c->path, "Cancel");
                } else
                        log_info("session %u: the agent refused input from the display (%s%s%.160s); input stays off",
                                 c->session_id, e->name, e->message ? ": " : "", e->message ?: "");
                agent_call_free(c);
                return 0;
        }
        r = sd_bus_message_read(reply, "b", &allow);
        if (r < 0 || !allow) {
                log_info("session %u: input from the display declined by the agent; input stays off", c->session_id);
                agent_call_free(c);
                return 0;
        }
        log_info("session %u: the agent allowed input from the display", c->session_id);
        r = polkit_check_name(b->polkit, c->owner, POLKIT_ACTION_INPUT, agent_on_input_authorized, c, &c->slot);
        if (r == 0)
                return 0;       /* polkit answers later */
        if (r < 0) {
                log_warning_errno(r, "session %u: cannot ask polkit about input, input stays off: %m", c->session_id);
                agent_call_free(c);
                return 0;
        }
        agent_input_allow(c);
        return 0;
}

int agent_bus_input_request(struct bus *b, struct sink *sink, struct session *s)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        struct bus_agent *a = agent_for_session(b, s);
        int r;

        if (!a)
                return -ENOKEY;
        r = sd_bus_message_new_method_call(b->bus, &m, a->owner, a->path, BUS_AGENT_IFACE, "RequestInput");
        if (r >= 0)
                r = sd_bus_message_append(m, "os", s->path, sink->name && sink->name[0] ? sink->name : sink->address);
        if (r < 0)
                return r;
        r = agent_call_send(b, a, s, AGENT_CALL_INPUT, m, agent_on_input_reply);
        if (r < 0)
                return r;
        log_info("session %u: the display offers input; asking agent %s of %s whether to allow it", s->id, a->path,
                 a->owner);
        return 0;
}

static void agent_on_session_changed(void *object, unsigned change, void *userdata)
{
        struct session *s = object;
        bool removed = change == SESSION_CHANGED_REMOVED;
        bool ended = removed || s->state == SOURCE_SESSION_STATE_ENDED;

        if (change == SESSION_CHANGED_FORMAT || change == SESSION_CHANGED_INPUT || (!removed && s->state == SOURCE_SESSION_STATE_CONNECTING))
                return;
        /* Connected (the PIN did its job): forget quietly. Ended first: the agent stops asking,
         * about the PIN or about input. */
        agent_drop_calls(userdata, s->id, ended, ended);
}

void agent_bus_session_added(struct bus *b, struct session *s)
{
        int r;

        r = observers_add(&s->observers, agent_on_session_changed, b, NULL);
        if (r < 0)
                log_warning_errno(r, "Failed to follow %s for PIN agents, ignoring: %m", s->path);
}

void agent_bus_free_all(struct bus *b)
{
        while (b->agent_calls) {
                if (b->agent_calls->slot)
                        agent_send(b, b->agent_calls->owner, b->agent_calls->path, "Cancel");
                agent_call_free(b->agent_calls);
        }
        while (b->agents) {
                log_debug("D-Bus: releasing agent %s of %s", b->agents->path, b->agents->owner);
                agent_send(b, b->agents->owner, b->agents->path, "Release");
                agent_free(b->agents);
        }
}
