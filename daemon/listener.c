/* SPDX-License-Identifier: GPL-2.0-or-later */
/* daemon/listener.h: TCP listeners for sinks' RTSP control connections. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../protocol/macro.h"
#include "context.h"
#include "listener.h"
#include "log.h"
#include "manager.h"
#include "session.h"
#include "sink.h"

static int listener_parse_port(const char *s, uint16_t *ret)
{
        unsigned long v;
        char *end;

        if (!*s || *s < '0' || *s > '9')
                return -EINVAL;
        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno || *end || v > 65535)
                return -EINVAL;
        *ret = v;
        return 0;
}

static int listener_make_sockaddr(const char *host, uint16_t port, struct sockaddr_storage *ret, socklen_t *ret_len)
{
        struct sockaddr_storage ss = {};

        if (inet_pton(AF_INET, host, &((struct sockaddr_in *) &ss)->sin_addr) == 1) {
                struct sockaddr_in *sin = (struct sockaddr_in *) &ss;
                sin->sin_family = AF_INET;
                sin->sin_port = htons(port);
                *ret = ss;
                *ret_len = sizeof(struct sockaddr_in);
                return 0;
        }
        if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *) &ss)->sin6_addr) == 1) {
                struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) &ss;
                sin6->sin6_family = AF_INET6;
                sin6->sin6_port = htons(port);
                *ret = ss;
                *ret_len = sizeof(struct sockaddr_in6);
                return 0;
        }
        return -EINVAL;
}

int listener_parse_address(const char *s, uint16_t default_port, struct sockaddr_storage *ret, socklen_t *ret_len)
{
        char host[INET6_ADDRSTRLEN + 1];
        uint16_t port = default_port;
        const char *colon;
        size_t n;

        if (!s || !*s)
                return -EINVAL;
        if (s[0] == '[') {
                const char *close = strchr(s, ']');
                if (!close)
                        return -EINVAL;
                n = close - s - 1;
                if (n == 0 || n >= sizeof(host))
                        return -EINVAL;
                memcpy(host, s + 1, n);
                host[n] = '\0';
                if (close[1] == ':') {
                        if (listener_parse_port(close + 2, &port) < 0)
                                return -EINVAL;
                } else if (close[1] != '\0')
                        return -EINVAL;
                if (!strchr(host, ':'))
                        return -EINVAL;     /* brackets are for IPv6 only */
        } else {
                colon = strchr(s, ':');
                if (colon && strchr(colon + 1, ':'))
                        colon = NULL;      /* bare IPv6 address, no port */
                n = colon ? (size_t) (colon - s) : strlen(s);
                if (n == 0 || n >= sizeof(host))
                        return -EINVAL;
                memcpy(host, s, n);
                host[n] = '\0';
                if (colon && listener_parse_port(colon + 1, &port) < 0)
                        return -EINVAL;
        }
        return listener_make_sockaddr(host, port, ret, ret_len);
}

static int listener_format(const struct sockaddr_storage *ss, char *buf, size_t size)
{
        char host[INET6_ADDRSTRLEN];

        if (ss->ss_family == AF_INET) {
                const struct sockaddr_in *sin = (const struct sockaddr_in *) ss;
                inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
                snprintf(buf, size, "%s:%u", host, ntohs(sin->sin_port));
        } else if (ss->ss_family == AF_INET6) {
                const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *) ss;
                inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
                snprintf(buf, size, "[%s]:%u", host, ntohs(sin6->sin6_port));
        } else {
                snprintf(buf, size, "(unknown address family %d)", ss->ss_family);
                return -EAFNOSUPPORT;
        }
        return 0;
}

/* Same host (ports ignored); an IPv4-mapped IPv6 peer matches its IPv4 form. */
static bool listener_peer_allowed(const struct listener *l, const struct sockaddr_storage *peer)
{
        const struct sockaddr_storage *a = &l->allowed_peer;
        struct in_addr v4;

        if (a->ss_family == AF_UNSPEC)
                return true;
        if (peer->ss_family == AF_INET6 && a->ss_family == AF_INET) {
                const struct in6_addr *p6 = &((const struct sockaddr_in6 *) peer)->sin6_addr;
                if (!IN6_IS_ADDR_V4MAPPED(p6))
                        return false;
                memcpy(&v4, &p6->s6_addr[12], 4);
                return v4.s_addr == ((const struct sockaddr_in *) a)->sin_addr.s_addr;
        }
        if (peer->ss_family != a->ss_family)
                return false;
        if (a->ss_family == AF_INET)
                return ((const struct sockaddr_in *) a)->sin_addr.s_addr ==
                       ((const struct sockaddr_in *) peer)->sin_addr.s_addr;
        return memcmp(&((const struct sockaddr_in6 *) a)->sin6_addr,
                      &((const struct sockaddr_in6 *) peer)->sin6_addr, sizeof(struct in6_addr)) == 0;
}

static void listener_on_session_started(struct session *s, int error, const struct session_info *info, void *userdata)
{
        if (error < 0)
                log_warning_errno(error, "session %u: negotiation with %s failed: %m", s->id, s->peer);
        else
                log_info("session %u: sink %s: monitor %s, reduced mode list due to bandwidth: %s", s->id, s->peer,
                         info->monitor_connected ? "connected" : "not connected",
                         info->reduced_mode_list_due_to_bandwidth ? "yes" : "no");
}

static int listener_on_io(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
        struct listener *l = userdata;
        struct manager *m = l->manager;
        struct sockaddr_storage peer = {};
        socklen_t peer_len = sizeof(peer);
        struct connection_stats stats = {};
        struct session *existing = NULL, *cast, *started = NULL;
        struct sink *sink = l->sink_id ? manager_find_sink_by_id(m, l->sink_id) : NULL;
        struct context *c;
        char peer_str[80];
        _cleanup_close_ int conn = -1;
        int r;

        conn = accept4(l->fd, (struct sockaddr *) &peer, &peer_len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (conn < 0) {
                if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED)
                        return 0;
                log_warning_errno(-errno, "listener %s: accept() failed, ignoring: %m", l->description);
                return 0;
        }
        (void) listener_format(&peer, peer_str, sizeof(peer_str));

        if (!listener_peer_allowed(l, &peer)) {
                log_warning("listener %s: refusing connection from %s: only the allowed peer may connect",
                            l->description, peer_str);
                return 0;
        }
        (void) setsockopt(conn, IPPROTO_TCP, TCP_NODELAY, &(int) { 1 }, sizeof(int));

        if (!sink) {
                unsigned n = 0;

                for (struct session *s = m->sessions; s; s = s->next)
                        if (s->state != SOURCE_SESSION_STATE_ENDED)
                                n++;
                if (n >= m->config->max_sessions) {
                        log_warning("listener %s: refusing connection from %s: %u sessions already running (max-sessions)",
                                    l->description, peer_str, n);
                        return 0;
                }
        }

        /* The sink's cast waits for this connection: it takes it, with the capture the cast asked for
         * (Cast option output); any other connection gets a new session on the default capture. */
        cast = sink ? sink_get_cast_session(sink) : NULL;
        if (cast && cast->state == SOURCE_SESSION_STATE_CONNECTING)
                existing = cast;
        c = existing ? existing->context : manager_default_context(m);
        if (!c) {
                log_error("listener %s: no capture context, closing connection from %s", l->description, peer_str);
                return 0;
        }

        /* Connection statistics: our limit, and what the sink announced over P2P if known. */
        stats.local_max_bps = m->config->max_bitrate_bps;
        if (l->link_max_bps && (!stats.local_max_bps || l->link_max_bps < stats.local_max_bps))
                stats.local_max_bps = l->link_max_bps;
        if (sink)
                stats.remote_max_bps = (uint64_t) sink->max_throughput_mbps * 1000 * 1000;
        stats.suggested_bps = stats.local_max_bps && stats.remote_max_bps ? MIN(stats.local_max_bps, stats.remote_max_bps)
                                                                         : MAX(stats.local_max_bps, stats.remote_max_bps);

        r = context_start_session(c, conn, &stats, sink, existing, listener_on_session_started, NULL, &started);
        if (r < 0) {
                log_warning_errno(r, "listener %s: cannot start a session for %s, closing: %m", l->description, peer_str);
                return 0;
        }
        if (l->latency >= 0)
                started->latency = l->latency;
        /* Before the queued start attaches the connection, so M4 can offer input. */
        if (l->input && !started->input_allowed) {
                started->input_allowed = true;
                log_info("listener %s: input from the display allowed for session %u (Listen option input)",
                         l->description, started->id);
        }
        log_info("listener %s: sink %s connected", l->description, peer_str);
        /* conn is closed here: the session works on its own dup. */
        return 0;
}

int listener_new(struct manager *m, const char *address, uint16_t port, const char *allowed_peer,
                 struct sink *sink, struct listener **ret)
{
        struct listener *l;
        char desc[80];
        int r;

        if (!address)
                return -EINVAL;
        l = calloc(1, sizeof(*l));
        if (!l)
                return -ENOMEM;
        l->manager = m;
        l->fd = -1;
        l->latency = -1;
        l->sink_id = sink ? sink->id : 0;

        r = listener_make_sockaddr(address, port, &l->address, &l->address_len);
        if (r < 0)
                goto fail;
        if (allowed_peer) {
                socklen_t len;
                r = listener_make_sockaddr(allowed_peer, 0, &l->allowed_peer, &len);
                if (r < 0)
                        goto fail;
        }

        l->fd = socket(l->address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
        if (l->fd < 0) {
                r = -errno;
                goto fail;
        }
        (void) setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &(int) { 1 }, sizeof(int));
        if (l->address.ss_family == AF_INET6)
                (void) setsockopt(l->fd, IPPROTO_IPV6, IPV6_V6ONLY, &(int) { 0 }, sizeof(int));
        if (bind(l->fd, (struct sockaddr *) &l->address, l->address_len) < 0 || listen(l->fd, 8) < 0) {
                r = -errno;
                goto fail;
        }
        l->address_len = sizeof(l->address);
        if (getsockname(l->fd, (struct sockaddr *) &l->address, &l->address_len) < 0) {
                r = -errno;
                goto fail;
        }
        r = sd_event_add_io(m->event, &l->io, l->fd, EPOLLIN, listener_on_io, l);
        if (r < 0)
                goto fail;

        (void) listener_format(&l->address, desc, sizeof(desc));
        l->description = strdup(desc);
        if (!l->description) {
                r = -ENOMEM;
                goto fail;
        }
        l->id = m->next_listener_id++;
        l->next = m->listeners;
        m->listeners = l;
        log_info("Listening for sinks on %s%s%s%s", l->description, allowed_peer ? " (only from " : "",
                 allowed_peer ?: "", allowed_peer ? ")" : "");
        manager_update_status(m);
        if (ret)
                *ret = l;
        return 0;

fail:
        l->io = sd_event_source_disable_unref(l->io);
        l->fd = safe_close(l->fd);
        free(l->description);
        free(l);
        return r;
}

int listener_new_from_string(struct manager *m, const char *spec, const char *allowed_peer, struct listener **ret)
{
        struct sockaddr_storage ss;
        socklen_t len;
        char host[INET6_ADDRSTRLEN];
        uint16_t port;
        int r;

        r = listener_parse_address(spec, CONFIG_DEFAULT_RTSP_PORT, &ss, &len);
        if (r < 0)
                return r;
        if (ss.ss_family == AF_INET) {
                inet_ntop(AF_INET, &((struct sockaddr_in *) &ss)->sin_addr, host, sizeof(host));
                port = ntohs(((struct sockaddr_in *) &ss)->sin_port);
        } else {
                inet_ntop(AF_INET6, &((struct sockaddr_in6 *) &ss)->sin6_addr, host, sizeof(host));
                port = ntohs(((struct sockaddr_in6 *) &ss)->sin6_port);
        }
        return listener_new(m, host, port, allowed_peer, NULL, ret);
}

uint16_t listener_get_port(const struct listener *l)
{
        if (l->address.ss_family == AF_INET)
                return ntohs(((const struct sockaddr_in *) &l->address)->sin_port);
        return ntohs(((const struct sockaddr_in6 *) &l->address)->sin6_port);
}

struct listener *listener_free(struct listener *l)
{
        struct listener **p;

        if (!l)
                return NULL;
        for (p = &l->manager->listeners; *p; p = &(*p)->next)
                if (*p == l) {
                        *p = l->next;
                        break;
                }
        l->io = sd_event_source_disable_unref(l->io);
        l->fd = safe_close(l->fd);
        if (l->description)
                log_info("Stopped listening on %s", l->description);
        free(l->description);
        free(l);
        return NULL;
}
