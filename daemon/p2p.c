/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's P2P glue: a backend (struct p2p_ops) on one side, the
 * manager, sinks, listeners and sessions on the other (see p2p.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "p2p.h"

#include "../protocol/macro.h"
#include "listener.h"
#include "log.h"
#include "manager.h"
#include "p2p_link.h"
#include "session.h"
#include "sink.h"

struct p2p {
        struct manager *manager;          /* not owned */
        const struct p2p_config *config;  /* not owned */
        struct p2p_owner owner;
        const struct p2p_ops *ops;
        void *backend;                    /* owned, freed with ops->free */
        struct p2p_backend manager_backend; /* what the manager calls */
        char *why;                        /* owned: listen-only reason */
        unsigned listener_id;             /* the group listener (the manager owns it), 0 = none */
        char group_peer[32];              /* sink address of that listener */
        sd_event_source *slow_sink_timer; /* owned: warns when the sink does not connect soon after group up */
        struct p2p_link link;             /* the session's bit rate follows the link rate */
};

/* docs/protocol.md, "Sink quirks": some firmware waits; say so loudly when the sink is slow to dial in. */
#define P2P_SLOW_SINK_USEC (7 * 1000000ULL)

static struct sink *find_sink(struct p2p *p, const char *address)
{
        return manager_find_sink(p->manager, address);
}

/* ---- manager -> backend -------------------------------------------------- */

static int mb_start_discovery(void *userdata)
{
        struct p2p *p = userdata;
        return p->ops->start_discovery(p->backend);
}

static int mb_stop_discovery(void *userdata)
{
        struct p2p *p = userdata;
        return p->ops->stop_discovery(p->backend);
}

static int mb_connect(void *userdata, struct sink *sink, const struct cast_options *options)
{
        struct p2p *p = userdata;
        struct p2p_connect_options o = { .go_intent = -1 };

        if (options) {
                o.method = options->method;
                o.pin = options->pin;
                o.go_intent = options->go_intent;
        }
        return p->ops->connect(p->backend, sink->address, &o);
}

static const char *mb_cast_refusal(void *userdata, const struct cast_options *options)
{
        struct p2p *p = userdata;
        struct p2p_connect_options o = { .method = options->method, .pin = options->pin, .go_intent = options->go_intent };

        return p->ops->connect_refusal ? p->ops->connect_refusal(p->backend, &o) : NULL;
}

/* The manager may have closed it already (shutdown, lost bus): look it up, never keep a pointer. */
static void drop_listener(struct p2p *p)
{
        p->slow_sink_timer = sd_event_source_disable_unref(p->slow_sink_timer);
        if (p->listener_id)
                (void) listener_free(manager_find_listener_by_id(p->manager, p->listener_id));
        p->listener_id = 0;
        p->group_peer[0] = 0;
}

static int mb_provide_pin(void *userdata, struct sink *sink, const char *pin)
{
        struct p2p *p = userdata;

        if (!p->ops->provide_pin)
                return -EOPNOTSUPP;
        return p->ops->provide_pin(p->backend, sink->address, pin);
}

static void mb_disconnect(void *userdata, struct sink *sink)
{
        struct p2p *p = userdata;

        if (p->listener_id && strcasecmp(p->group_peer, sink->address) == 0)
                drop_listener(p);
        p->ops->disconnect(p->backend, sink->address);
}

/* ---- backend -> manager -------------------------------------------------- */

static void on_state(void *userdata, bool available, const char *why)
{
        struct p2p *p = userdata;

        if (available)
                log_info("P2P: backend %s ready", p->ops->name);
        else
                log_warning("P2P: backend %s unavailable: %s", p->ops->name, why ? why : "unknown reason");
        manager_set_p2p_available(p->manager, available);
        manager_update_status(p->manager);
}

static void on_discovering(void *userdata, bool discovering)
{
        struct p2p *p = userdata;
        manager_set_discovering(p->manager, discovering);
}

static void on_peer(void *userdata, const struct p2p_peer *peer)
{
        struct p2p *p = userdata;
        struct sink_info info = {
                .name = peer->name,
                .address = peer->address,
                .device_type = peer->device_type,
                .session_available = peer->session_available,
                .max_throughput_mbps = peer->max_throughput_mbps,
                .control_port = peer->control_port,
                .signal_dbm = peer->signal_dbm,
        };
        struct sink *sink = find_sink(p, peer->address);
        int r;

        r = sink ? sink_update(sink, &info) : sink_new(p->manager, &info, &sink);
        if (r < 0)
                log_warning_errno(r, "P2P: cannot publish sink %s, ignoring: %m", peer->address);
}

static void on_peer_lost(void *userdata, const char *address)
{
        struct p2p *p = userdata;
        struct sink *sink = find_sink(p, address);

        if (!sink)
                return;
        /* A sink we are casting to keeps its object until the cast ends; P2P discovery
         * stops seeing peers during group formation. */
        if (sink_get_cast_session(sink) || (p->listener_id && strcasecmp(p->group_peer, address) == 0))
                return;
        /* A device also announced over MS-MICE stays, reachable over the LAN. */
        (void) sink_lost(sink, SINK_PROTOCOL_P2P);
}

static void on_progress(void *userdata, const char *address, const char *what)
{
        /* The backend already logged it; the D-Bus client sees the session state. */
}

static void on_show_pin(void *userdata, const char *address, const char *pin)
{
        struct p2p *p = userdata;
        struct sink *sink = find_sink(p, address);

        if (sink)
                sink_pin_display(sink, pin);
        else
                log_notice("P2P: enter PIN %s on the display %s", pin, address);
}

static int on_request_pin(void *userdata, const char *address)
{
        struct p2p *p = userdata;
        struct sink *sink = find_sink(p, address);

        return sink ? sink_pin_request(sink) : -ENOENT;
}

static int on_slow_sink(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct p2p *p = userdata;
        struct sink *sink = find_sink(p, p->group_peer);
        struct session *cast = sink ? sink_get_cast_session(sink) : NULL;

        p->slow_sink_timer = sd_event_source_disable_unref(p->slow_sink_timer);
        if (cast && cast->state == SOURCE_SESSION_STATE_CONNECTING)
                log_warning("P2P: %s has not connected to our RTSP port %u %llu s after the group came up; "
                            "still waiting (check a firewall on the group interface)",
                            sink->address, p->config->rtsp_port, (unsigned long long) (P2P_SLOW_SINK_USEC / 1000000));
        return 0;
}

static void on_group_up(void *userdata, const struct p2p_group *g)
{
        struct p2p *p = userdata;
        struct sink *sink = find_sink(p, g->peer);
        struct listener *l;
        int r;

        drop_listener(p);
        if (!sink) {
                log_warning("P2P: group with %s is up but the sink is gone; removing the group", g->peer);
                p->ops->disconnect(p->backend, g->peer);
                return;
        }
        /* Armed before the sink can connect: bound to our group address, only the sink may connect. */
        r = listener_new(p->manager, g->local_ip, p->config->rtsp_port, g->peer_ip, sink, &l);
        if (r < 0) {
                log_error_errno(r, "P2P: cannot listen on %s:%u for %s: %m", g->local_ip, p->config->rtsp_port, g->peer);
                p->ops->disconnect(p->backend, g->peer);
                sink_cast_failed(sink, r, "cannot listen for the sink on the group");
                return;
        }
        l->link_max_bps = g->link_max_bps;
        p->listener_id = l->id;
        snprintf(p->group_peer, sizeof(p->group_peer), "%s", g->peer);
        log_info("P2P: waiting for %s to connect to %s:%u", g->peer, g->local_ip, p->config->rtsp_port);
        (void) sd_event_add_time_relative(p->manager->event, &p->slow_sink_timer, CLOCK_MONOTONIC, P2P_SLOW_SINK_USEC,
                                          0, on_slow_sink, p);
}

static void on_link_rate(void *userdata, const char *address, uint64_t link_max_bps)
{
        struct p2p *p = userdata;

        struct listener *l = p->listener_id ? manager_find_listener_by_id(p->manager, p->listener_id) : NULL;
        uint64_t now = 0;

        /* Read by the listener when the sink connects (connection statistics, local max). */
        if (l && strcasecmp(p->group_peer, address) == 0)
                l->link_max_bps = link_max_bps;
        (void) sd_event_now(p->manager->event, CLOCK_MONOTONIC, &now);
        p2p_link_sample(&p->link, find_sink(p, address), link_max_bps, now);
}

static void on_connect_failed(void *userdata, const char *address, int error, const char *reason)
{
        struct p2p *p = userdata;
        struct sink *sink = find_sink(p, address);

        if (sink)
                sink_cast_failed(sink, error, reason);
}

static void on_group_down(void *userdata, const char *address, int error, const char *reason)
{
        struct p2p *p = userdata;
        struct sink *sink = find_sink(p, address);
        struct session *cast = sink ? sink_get_cast_session(sink) : NULL;

        if (p->listener_id && strcasecmp(p->group_peer, address) == 0)
                drop_listener(p);
        if (!sink)
                return;
        if (cast && cast->state == SOURCE_SESSION_STATE_CONNECTING) {
                /* The group went before the sink connected to our listener. */
                sink_cast_failed(sink, error, reason);
                return;
        }
        /* The group carried the session: end it with the reason (session_end may call back
         * into disconnect(), which finds nothing left to do). */
        for (struct session *s = p->manager->sessions, *next; s; s = next) {
                next = s->next;
                if (s->sink_id == sink->id && s->state != SOURCE_SESSION_STATE_ENDED) {
                        log_info("P2P: ending session %u: %s", s->id, reason);
                        session_end_full(s, error < 0 ? error : -ECONNRESET, reason);
                }
        }
}

/* ---- session end -------------------------------------------------------------- */

/* ---- life cycle -------------------------------------------------------------- */

int p2p_new(struct manager *m, const struct p2p_config *config, struct p2p **ret)
{
        struct p2p *p;
        int r;

        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->manager = m;
        p->config = config;
        p2p_link_init(&p->link, config->link_poll_sec);
        p->owner = (struct p2p_owner) {
                .state_changed = on_state,
                .discovering_changed = on_discovering,
                .peer_changed = on_peer,
                .peer_lost = on_peer_lost,
                .connect_progress = on_progress,
                .show_pin = on_show_pin,
                .request_pin = on_request_pin,
                .group_up = on_group_up,
                .link_rate = on_link_rate,
                .connect_failed = on_connect_failed,
                .group_down = on_group_down,
                .userdata = p,
        };
        r = p2p_backend_create(m->event, config, &p->owner, &p->ops, &p->backend, &p->why);
        if (r < 0) {
                free(p);
                return r;
        }
        if (!p->ops) {
                log_notice("P2P: no Wi-Fi Direct backend, running listen-only: %s",
                           p->why ? p->why : "none configured");
                *ret = p;
                return 0;
        }
        p->manager_backend = (struct p2p_backend) {
                .name = p->ops->name,
                .start_discovery = mb_start_discovery,
                .stop_discovery = mb_stop_discovery,
                .connect = mb_connect,
                .disconnect = mb_disconnect,
                .cast_refusal = mb_cast_refusal,
                .provide_pin = mb_provide_pin,
        };
        r = manager_set_p2p_backend(m, &p->manager_backend, p);
        if (r < 0) {
                p->ops->free(p->backend);
                free(p);
                return r;
        }
        *ret = p;
        return 0;
}

struct p2p *p2p_free(struct p2p *p)
{
        if (!p)
                return NULL;
        if (p->ops) {
                if (p->manager->p2p == &p->manager_backend)
                        (void) manager_set_p2p_backend(p->manager, NULL, NULL);
                drop_listener(p);
                p->ops->free(p->backend);
        }
        free(p->why);
        free(p);
        return NULL;
}

const char *p2p_unavailable_reason(const struct p2p *p)
{
        return p && !p->ops ? (p->why ? p->why : "no P2P backend") : NULL;
}
