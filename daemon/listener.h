/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * RTSP listeners: TCP sockets sinks connect to (WFD: the sink opens the
 * control connection to the source's port, 7236 by default). Each accepted
 * connection becomes a session on the manager's default context through
 * context_start_session() (queued, see context.h).
 *
 * Nothing listens unless configured (--listen, listen= in the config file),
 * asked over D-Bus (Manager1.Listen) or created by the P2P code for a group.
 * A listener may be limited to one peer address: connections from any other
 * address are closed at once and logged.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <systemd/sd-event.h>

struct manager;
struct sink;

struct listener {
        struct manager *manager;     /* not owned */
        int fd;                      /* owned */
        sd_event_source *io;         /* owned: EPOLLIN on fd */
        struct sockaddr_storage address; /* bound address (port filled in when 0 was asked) */
        socklen_t address_len;
        struct sockaddr_storage allowed_peer; /* ss_family AF_UNSPEC = anyone */
        unsigned id;                 /* unique within the manager (manager_find_listener_by_id()) */
        unsigned sink_id;            /* P2P group listener: the sink cast to (manager_find_sink_by_id()), 0 = none */
        bool input;                  /* sessions it accepts have input from the display allowed (Listen input) */
        int latency;                 /* enum latency_mode of its sessions (Listen latency); -1: the config's */
        uint64_t link_max_bps;       /* P2P group link rate (SIGNAL_POLL LINKSPEED), 0 = unknown; set by
                                        daemon/p2p.c, caps local_max_bps of the connection statistics */
        char *description;           /* owned: "127.0.0.1:7236" */
        struct listener *next;       /* manager's list */
};

/*
 * Parse "ADDR[:PORT]" ("127.0.0.1", "0.0.0.0:7236", "[::1]:7236", "::1")
 * into a socket address; a missing port means default_port.
 * Returns -EINVAL for anything else.
 */
int listener_parse_address(const char *s, uint16_t default_port, struct sockaddr_storage *ret, socklen_t *ret_len);

/*
 * Bind and listen on address:port (address: a numeric IPv4 or IPv6 string)
 * and add the listener to the manager.
 *   allowed_peer: numeric IP; only connections from it are accepted; NULL = any.
 *   sink: for a P2P group listener the sink being cast to: its connection
 *         goes to the sink's Cast() session; NULL for plain listeners.
 * port 0 binds an ephemeral port (see listener_get_port()).
 * Returns -EINVAL for a bad address, -EADDRINUSE etc. from bind().
 * The listener belongs to the manager; free it with listener_free() when the
 * group goes away.
 */
int listener_new(struct manager *m, const char *address, uint16_t port, const char *allowed_peer,
                 struct sink *sink, struct listener **ret);

/* Same, from an "ADDR[:PORT]" string (default port 7236). */
int listener_new_from_string(struct manager *m, const char *spec, const char *allowed_peer,
                             struct listener **ret);

uint16_t listener_get_port(const struct listener *l);

/* Close and remove from the manager. Accepts NULL, returns NULL. */
struct listener *listener_free(struct listener *l);
