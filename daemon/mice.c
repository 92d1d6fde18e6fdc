/* SPDX-License-Identifier: GPL-2.0-or-later */
/* daemon/mice.h: MS-MICE discovery glue and casts over the LAN. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <systemd/sd-id128.h>

#include "../protocol/macro.h"
#include "../protocol/mice_msg.h"
#include "../protocol/worker_msg.h"
#include "avahi.h"
#include "context.h"
#include "firewalld.h"
#include "log.h"
#include "manager.h"
#include "mice.h"
#include "p2p.h"
#include "resolved.h"
#include "session.h"
#include "sink.h"

/* Salt for the source id: sd_id128_get_machine_app_specific() hashes /etc/machine-id with it,
 * so the id is stable per install and does not reveal the machine id. */
#define MICE_SOURCE_ID_APP SD_ID128_MAKE(ed, 6a, 95, 50, 83, 60, 41, cb, 98, 47, d8, 2e, b5, 9a, fe, 19)
#define MICE_SOURCE_ID_LEN 16
/* An address as we show it: IPv4, or IPv6 with "%interface" when link-local. */
#define MICE_ADDRSTRLEN (INET6_ADDRSTRLEN + IF_NAMESIZE + 1)

/* Which DNS-SD backend reported a service. */
enum mice_origin {
        MICE_ORIGIN_AVAHI,
        MICE_ORIGIN_RESOLVED,
};

/* One resolved _display._tcp instance on one interface, over one IP version, from one backend. */
struct mice_service {
        enum mice_origin origin;      /* part of the key: each backend loses only what it found */
        char *name;                   /* owned: instance name */
        int ifindex;
        int family;                   /* the record's IP version (AF_INET, AF_INET6): part of the key */
        struct sockaddr_storage sa;   /* the sink's 7250, with the scope of a link-local IPv6 address */
        char address[MICE_ADDRSTRLEN];
        char *key;                    /* owned: container_id, else the name: one device */
        unsigned sink_id;             /* the sink it feeds (manager_find_sink_by_id) */
        struct mice_service *next;
};

enum mice_cast_phase {
        MICE_CAST_CONNECTING,         /* TCP connect to the sink's 7250 in flight */
        MICE_CAST_WAITING,            /* SOURCE_READY sent, listener open, waiting for the sink's RTSP */
        MICE_CAST_STREAMING,          /* the RTSP connection is the session's */
};

struct mice_cast {
        struct mice *mice;            /* not owned */
        unsigned sink_id;
        enum mice_cast_phase phase;
        struct sockaddr_storage sink_sa; /* the only address that may connect to our listener */
        char sink_ip[MICE_ADDRSTRLEN + 2]; /* for logs and reasons; IPv6 in brackets, so "%s:%u" reads well */
        uint16_t sink_port;
        struct sockaddr_storage local_sa;
        char local_ip[MICE_ADDRSTRLEN + 2]; /* the same */
        uint16_t rtsp_port;
        int ctrl_fd;                  /* owned: TCP to the sink's 7250 */
        sd_event_source *ctrl_io;     /* owned */
        int listen_fd;                /* owned: our RTSP listener on local_ip, WAITING only */
        sd_event_source *listen_io;   /* owned */
        sd_event_source *timer;       /* owned: connect / connect-back limit */
        bool sent_ready;              /* SOURCE_READY went out */
        bool stopped_by_sink;         /* no STOP_PROJECTION back */
        struct firewalld_hole *hole;  /* owned: TCP rtsp_port from sink_ip, for the cast's duration */
        unsigned n_refused;           /* RTSP connections from other addresses */
        char refused_from[MICE_ADDRSTRLEN];
        struct mice_cast *next;
};

struct mice {
        struct manager *manager;      /* not owned */
        const struct p2p_config *config; /* not owned */
        struct avahi_browser *avahi;  /* owned; NULL with mice-discovery = resolved */
        struct resolved_resolver *resolved; /* owned; only with mice-sinks (and not mice-discovery = avahi) */
        bool avahi_browsing, resolved_browsing;
        struct firewalld *firewalld;  /* owned: NULL without a system bus */
        struct p2p_backend backend;   /* what the manager calls */
        struct mice_service *services;/* owned list */
        struct mice_cast *casts;      /* owned list */
        uint8_t source_id[MICE_SOURCE_ID_LEN];
        char friendly_name[128];
};

#define log_cast(c, level, error, fmt, ...) \
        log_full_errno(level, error, "MS-MICE %s:%u: " fmt, (c)->sink_ip, (c)->sink_port, ##__VA_ARGS__)

/* ---- addresses (IPv4, IPv6 with the scope of a link-local address) -------------------- */

static socklen_t mice_sockaddr_len(const struct sockaddr_storage *sa)
{
        return sa->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

static uint16_t mice_sockaddr_port(const struct sockaddr_storage *sa)
{
        return ntohs(sa->ss_family == AF_INET6 ? ((const struct sockaddr_in6 *) sa)->sin6_port
                                               : ((const struct sockaddr_in *) sa)->sin_port);
}

static void mice_sockaddr_set_port(struct sockaddr_storage *sa, uint16_t port)
{
        if (sa->ss_family == AF_INET6)
                ((struct sockaddr_in6 *) sa)->sin6_port = htons(port);
        else
                ((struct sockaddr_in *) sa)->sin_port = htons(port);
}

/* The numeric address alone (what a firewall rule may hold). */
static void mice_sockaddr_host(const struct sockaddr_storage *sa, char *buf, size_t size)
{
        if (!inet_ntop(sa->ss_family, sa->ss_family == AF_INET6 ? (const void *) &((const struct sockaddr_in6 *) sa)->sin6_addr
                                                               : (const void *) &((const struct sockaddr_in *) sa)->sin_addr,
                       buf, size))
                snprintf(buf, size, "?");
}

/* For logs and Sink1.Address: "10.0.0.2", "2001:db8::2", "fe80::2%eth0". */
static void mice_sockaddr_format(const struct sockaddr_storage *sa, char *buf, size_t size)
{
        char ifname[IF_NAMESIZE];
        size_t n;

        mice_sockaddr_host(sa, buf, size);
        if (sa->ss_family != AF_INET6 || ((const struct sockaddr_in6 *) sa)->sin6_scope_id == 0)
                return;
        n = strlen(buf);
        if (if_indextoname(((const struct sockaddr_in6 *) sa)->sin6_scope_id, ifname))
                snprintf(buf + n, size - n, "%%%s", ifname);
        else
                snprintf(buf + n, size - n, "%%%u", ((const struct sockaddr_in6 *) sa)->sin6_scope_id);
}

/* The same in brackets when IPv6, for "ADDR:PORT" in logs. */
static void mice_sockaddr_format_host(const struct sockaddr_storage *sa, char *buf, size_t size)
{
        char a[MICE_ADDRSTRLEN];

        mice_sockaddr_format(sa, a, sizeof(a));
        snprintf(buf, size, sa->ss_family == AF_INET6 ? "[%s]" : "%s", a);
}

/* address as Avahi reports it (numeric, no scope) on interface ifindex. */
static int mice_sockaddr_make(int family, const char *address, int ifindex, uint16_t port,
                              struct sockaddr_storage *ret)
{
        struct sockaddr_storage sa = { .ss_family = family };

        if (family == AF_INET) {
                if (inet_pton(AF_INET, address, &((struct sockaddr_in *) &sa)->sin_addr) != 1)
                        return -EINVAL;
        } else if (family == AF_INET6) {
                struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) &sa;
                if (inet_pton(AF_INET6, address, &in6->sin6_addr) != 1)
                        return -EINVAL;
                /* A link-local address means nothing without its interface. */
                if (IN6_IS_ADDR_LINKLOCAL(&in6->sin6_addr)) {
                        if (ifindex <= 0)
                                return -EINVAL;
                        in6->sin6_scope_id = (uint32_t) ifindex;
                }
        } else
                return -EAFNOSUPPORT;
        mice_sockaddr_set_port(&sa, port);
        *ret = sa;
        return 0;
}

/* The same host (ports ignored): the same family, address and, for link-local IPv6, interface. */
static bool mice_sockaddr_same_host(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
        if (a->ss_family != b->ss_family)
                return false;
        if (a->ss_family == AF_INET)
                return ((const struct sockaddr_in *) a)->sin_addr.s_addr ==
                       ((const struct sockaddr_in *) b)->sin_addr.s_addr;
        if (a->ss_family == AF_INET6) {
                const struct sockaddr_in6 *x = (const struct sockaddr_in6 *) a, *y = (const struct sockaddr_in6 *) b;
                return IN6_ARE_ADDR_EQUAL(&x->sin6_addr, &y->sin6_addr) &&
                       (!IN6_IS_ADDR_LINKLOCAL(&x->sin6_addr) || x->sin6_scope_id == y->sin6_scope_id);
        }
        return false;
}

/* ---- discovery: services -> sinks ------------------------------------------------ */

static struct mice_cast *mice_find_cast(struct mice *mc, unsigned sink_id)
{
        for (struct mice_cast *c = mc->casts; c; c = c->next)
                if (c->sink_id == sink_id)
                        return c;
        return NULL;
}

static struct mice_service *mice_service_free(struct mice_service *sv)
{
        if (!sv)
                return NULL;
        free(sv->name);
        free(sv->key);
        free(sv);
        return NULL;
}

/* "mice_" + the container id ('-' -> '_'), or the name with every other byte as _XX. */
static void mice_object_id(const char *key, bool is_guid, char *buf, size_t size)
{
        size_t n = snprintf(buf, size, "mice_");

        for (const unsigned char *p = (const unsigned char *) key; *p && n + 4 < size; p++) {
                if (isalnum(*p))
                        buf[n++] = *p;
                else if (is_guid)
                        buf[n++] = '_';
                else
                        n += snprintf(buf + n, size - n, "_%02x", *p);
        }
        buf[n] = '\0';
}

static void mice_service_found(struct mice *mc, enum mice_origin origin, const struct dnssd_service *svc)
{
        struct manager *m = mc->manager;
        const char *key = svc->txt->has_container_id ? svc->txt->container_id : svc->name;
        struct mice_service *sv = NULL;
        struct sink *sink = NULL;
        char mac[18], object_id[200];
        int r;

        struct sockaddr_storage sa;
        char address[MICE_ADDRSTRLEN];

        r = mice_sockaddr_make(svc->address_family, svc->address, svc->ifindex, svc->port ?: MICE_PORT, &sa);
        if (r < 0) {
                log_warning("MS-MICE: \"%s\" resolved to an unusable address \"%s\" (interface %d), ignoring",
                            svc->name, svc->address, svc->ifindex);
                return;
        }
        mice_sockaddr_format(&sa, address, sizeof(address));
        for (sv = mc->services; sv; sv = sv->next)
                if (sv->origin == origin && sv->ifindex == svc->ifindex && sv->family == svc->family &&
                    strcmp(sv->name, svc->name) == 0)
                        break;
        if (!sv) {
                sv = calloc(1, sizeof(*sv));
                if (!sv || !(sv->name = strdup(svc->name))) {
                        mice_service_free(sv);
                        log_warning("MS-MICE: out of memory, ignoring \"%s\"", svc->name);
                        return;
                }
                sv->origin = origin;
                sv->ifindex = svc->ifindex;
                sv->family = svc->family;
                sv->next = mc->services;
                mc->services = sv;
        }
        sv->sa = sa;
        snprintf(sv->address, sizeof(sv->address), "%s", address);
        free(sv->key);
        sv->key = strdup(key);

        /* The same device: its P2P address, or another interface's record with the same key. */
        if (svc->txt->has_p2p_mac) {
                const uint8_t *a = svc->txt->p2p_mac;
                snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", a[0], a[1], a[2], a[3], a[4], a[5]);
                sink = manager_find_sink(m, mac);
        }
        if (!sink)
                sink = manager_find_sink_by_id(m, sv->sink_id);
        for (struct mice_service *o = mc->services; !sink && o; o = o->next)
                if (o != sv && o->key && sv->key && strcmp(o->key, sv->key) == 0)
                        sink = manager_find_sink_by_id(m, o->sink_id);
        if (sink) {
                sv->sink_id = sink->id;
                sink_add_protocols(sink, SINK_PROTOCOL_MICE);
                return;
        }

        mice_object_id(key, svc->txt->has_container_id, object_id, sizeof(object_id));
        r = sink_new(m,
                     &(struct sink_info) {
                             .name = svc->name,
                             /* With p2pMAC the P2P peer, when it shows up, lands on this sink. */
                             .address = svc->txt->has_p2p_mac ? mac : address,
                             .object_id = svc->txt->has_p2p_mac ? NULL : object_id,
                             .device_type = "primary-sink",
                             .session_available = true,
                             .control_port = 7236,
                             .protocols = SINK_PROTOCOL_MICE,
                     },
                     &sink);
        if (r < 0) {
                log_warning_errno(r, "MS-MICE: cannot publish \"%s\" at %s as a sink, ignoring: %m", svc->name,
                                  address);
                return;
        }
        sv->sink_id = sink->id;
        log_info(strchr(address, ':') ? "MS-MICE: sink \"%s\" at [%s]:%u (interface %d, container_id %s%s%s) is %s"
                                       : "MS-MICE: sink \"%s\" at %s:%u (interface %d, container_id %s%s%s) is %s",
                 sink->name, address, mice_sockaddr_port(&sa), svc->ifindex, svc->txt->has_container_id ? svc->txt->container_id : "-",
                 svc->txt->has_p2p_mac ? ", p2pMAC " : "", svc->txt->has_p2p_mac ? mac : "", sink->path);
}

static void mice_service_lost(struct mice *mc, enum mice_origin origin, const char *name, int ifindex, int family)
{
        struct mice_service *sv = NULL;
        unsigned sink_id;

        for (struct mice_service **p = &mc->services; *p; p = &(*p)->next)
                if ((*p)->origin == origin && (*p)->ifindex == ifindex && (*p)->family == family &&
                    strcmp((*p)->name, name) == 0) {
                        sv = *p;
                        *p = sv->next;
                        break;
                }
        if (!sv)
                return;
        sink_id = sv->sink_id;
        mice_service_free(sv);
        for (struct mice_service *o = mc->services; o; o = o->next)
                if (o->sink_id == sink_id)
                        return;         /* still announced elsewhere */
        /* A sink we cast to stays until the cast ends: the session owns the path to it. */
        if (mice_find_cast(mc, sink_id))
                return;
        log_info("MS-MICE: \"%s\" is no longer announced", name);
        (void) sink_lost(manager_find_sink_by_id(mc->manager, sink_id), SINK_PROTOCOL_MICE);
}

static void mice_on_avahi_found(void *userdata, const struct dnssd_service *svc)
{
        mice_service_found(userdata, MICE_ORIGIN_AVAHI, svc);
}

static void mice_on_avahi_lost(void *userdata, const char *name, int ifindex, int family)
{
        mice_service_lost(userdata, MICE_ORIGIN_AVAHI, name, ifindex, family);
}

static void mice_on_resolved_found(void *userdata, const struct dnssd_service *svc)
{
        mice_service_found(userdata, MICE_ORIGIN_RESOLVED, svc);
}

static void mice_on_resolved_lost(void *userdata, const char *name, int ifindex, int family)
{
        mice_service_lost(userdata, MICE_ORIGIN_RESOLVED, name, ifindex, family);
}

/* Discovering while either backend does. */
static void mice_on_avahi_browsing(void *userdata, bool browsing)
{
        struct mice *mc = userdata;

        mc->avahi_browsing = browsing;
        manager_set_mice_discovering(mc->manager, mc->avahi_browsing || mc->resolved_browsing);
}

static void mice_on_resolved_browsing(void *userdata, bool browsing)
{
        struct mice *mc = userdata;

        mc->resolved_browsing = browsing;
        manager_set_mice_discovering(mc->manager, mc->avahi_browsing || mc->resolved_browsing);
}

/* ---- a cast ---------------------------------------------------------------------- */

static struct mice_cast *mice_cast_free(struct mice_cast *c)
{
        if (!c)
                return NULL;
        for (struct mice_cast **p = &c->mice->casts; *p; p = &(*p)->next)
                if (*p == c) {
                        *p = c->next;
                        break;
                }
        c->hole = firewalld_hole_free(c->hole);
        c->timer = sd_event_source_disable_unref(c->timer);
        c->listen_io = sd_event_source_disable_unref(c->listen_io);
        c->ctrl_io = sd_event_source_disable_unref(c->ctrl_io);
        c->listen_fd = safe_close(c->listen_fd);
        c->ctrl_fd = safe_close(c->ctrl_fd);
        free(c);
        return NULL;
}

static void mice_hex(const uint8_t *p, size_t n, char *buf, size_t size)
{
        size_t o = 0;

        buf[0] = '\0';
        for (size_t i = 0; i < n && o + 3 <= size; i++)
                o += snprintf(buf + o, size - o, "%02x", p[i]);
}

/* Best effort: the sink learns we stopped; nothing waits for it to read. */
static void mice_cast_send_stop(struct mice_cast *c)
{
        uint8_t buf[MICE_MAX_MESSAGE];
        ssize_t n;

        if (c->ctrl_fd < 0 || !c->sent_ready || c->stopped_by_sink)
                return;
        n = mice_msg_build_stop_projection(c->mice->friendly_name, c->mice->source_id, MICE_SOURCE_ID_LEN, buf,
                                           sizeof(buf));
        if (n < 0 || send(c->ctrl_fd, buf, n, MSG_NOSIGNAL | MSG_DONTWAIT) != n)
                log_cast(c, LOG_DEBUG, 0, "could not send STOP_PROJECTION");
        else
                log_cast(c, LOG_INFO, 0, "-> STOP_PROJECTION (%zd bytes: FRIENDLY_NAME, SOURCE_ID)", n);
}

/*
 * The attempt or the cast is over for reason (error < 0 with words, or 0 when the sink
 * stopped a running cast). Frees c: the caller returns right after.
 */
static void mice_cast_end(struct mice_cast *c, int error, const char *reason)
{
        struct mice *mc = c->mice;
        struct sink *sink = manager_find_sink_by_id(mc->manager, c->sink_id);
        struct session *s = sink ? sink_get_cast_session(sink) : NULL;

        if (c->phase != MICE_CAST_STREAMING || !s || s->state == SOURCE_SESSION_STATE_CONNECTING) {
                /* Before the session has its connection: the cast failed. sink_cast_failed() does not
                 * call disconnect, so clean up first. */
                if (error < 0)
                        mice_cast_send_stop(c);
                mice_cast_free(c);
                if (sink)
                        sink_cast_failed(sink, error < 0 ? error : -ECONNREFUSED, reason);
                return;
        }
        /* A running session: ending it calls disconnect, which frees c. */
        session_end_full(s, error, reason);
}

static void mice_cast_fail_errno(struct mice_cast *c, int error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void mice_cast_fail_errno(struct mice_cast *c, int error, const char *fmt, ...)
{
        char reason[512];
        va_list ap;

        errno = -error;
        va_start(ap, fmt);
        vsnprintf(reason, sizeof(reason), fmt, ap);
        va_end(ap);
        log_cast(c, error < 0 ? LOG_WARNING : LOG_INFO, 0, "%s", reason);
        mice_cast_end(c, error, reason);
}

static int mice_cast_arm_timer(struct mice_cast *c, uint64_t usec, sd_event_time_handler_t handler)
{
        c->timer = sd_event_source_disable_unref(c->timer);
        return sd_event_add_time_relative(c->mice->manager->event, &c->timer, CLOCK_MONOTONIC, usec, 0, handler, c);
}

static void mice_on_session_started(struct session *s, int error, const struct session_info *info, void *userdata)
{
        if (error < 0)
                log_warning_errno(error, "MS-MICE: session %u: negotiation with %s failed: %m", s->id, s->peer);
        else
                log_info("MS-MICE: session %u: negotiated with %s", s->id, s->peer);
}

static int mice_on_accept(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
        struct mice_cast *c = userdata;
        struct mice *mc = c->mice;
        struct sockaddr_storage peer = {};
        socklen_t peer_len = sizeof(peer);
        struct connection_stats stats = {};
        char peer_ip[MICE_ADDRSTRLEN] = "?";
        _cleanup_close_ int conn = -1;
        struct sink *sink;
        struct session *s;
        unsigned sink_id = c->sink_id;
        int r;

        conn = accept4(c->listen_fd, (struct sockaddr *) &peer, &peer_len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (conn < 0)
                return 0;
        mice_sockaddr_format(&peer, peer_ip, sizeof(peer_ip));
        if (!mice_sockaddr_same_host(&peer, &c->sink_sa)) {
                /* Only the sink we sent SOURCE_READY to; keep waiting for it. */
                c->n_refused++;
                snprintf(c->refused_from, sizeof(c->refused_from), "%s", peer_ip);
                log_cast(c, LOG_WARNING, 0, "refusing an RTSP connection from %s port %u: only the invited sink may connect",
                         peer_ip, mice_sockaddr_port(&peer));
                return 0;
        }
        log_cast(c, LOG_INFO, 0, "the sink connected to our RTSP port %u on %s from port %u", c->rtsp_port, c->local_ip,
                 mice_sockaddr_port(&peer));
        (void) setsockopt(conn, IPPROTO_TCP, TCP_NODELAY, &(int) { 1 }, sizeof(int));

        /* Exactly one connection: the listener goes now. */
        c->listen_io = sd_event_source_disable_unref(c->listen_io);
        c->listen_fd = safe_close(c->listen_fd);
        c->timer = sd_event_source_disable_unref(c->timer);
        c->phase = MICE_CAST_STREAMING;

        sink = manager_find_sink_by_id(mc->manager, sink_id);
        s = sink ? sink_get_cast_session(sink) : NULL;
        if (!s || s->state != SOURCE_SESSION_STATE_CONNECTING || !s->context) {
                mice_cast_fail_errno(c, -ECANCELED, "the cast was cancelled before the sink connected");
                return 0;
        }
        stats.local_max_bps = mc->manager->config->max_bitrate_bps;
        stats.suggested_bps = stats.local_max_bps;
        r = context_start_session(s->context, conn, &stats, sink, s, mice_on_session_started, NULL, NULL);
        if (r < 0) {
                /* c may be gone if the session ended already. */
                c = mice_find_cast(mc, sink_id);
                if (c)
                        mice_cast_fail_errno(c, r, "cannot start the session on the sink's connection: %s",
                                             strerror(-r));
        }
        return 0;
}

static int mice_on_connect_back_timeout(sd_event_source *source, uint64_t usec, void *userdata)
{
        struct mice_cast *c = userdata;

        if (c->n_refused)
                mice_cast_fail_errno(c, -ETIMEDOUT,
                                     "the sink did not connect to our RTSP port %s:%u within %llu s of SOURCE_READY; "
                                     "refused %u connection(s) from %s (only the sink's address %s may connect)",
                                     c->local_ip, c->rtsp_port, MICE_CONNECT_BACK_USEC / 1000000ULL, c->n_refused,
                                     c->refused_from, c->sink_ip);
        else
                mice_cast_fail_errno(c, -ETIMEDOUT,
                                     "the sink did not connect to our RTSP port %s:%u within %llu s of SOURCE_READY "
                                     "(a firewall on this host must let TCP %u in from %s)",
                                     c->local_ip, c->rtsp_port, MICE_CONNECT_BACK_USEC / 1000000ULL, c->rtsp_port,
                                     c->sink_ip);
        return 0;
}

static int mice_cast_open_listener(struct mice_cast *c)
{
        /* The address (and for link-local IPv6 the interface) the sink reaches us at. */
        struct sockaddr_storage a = c->local_sa;
        socklen_t len = sizeof(a);
        int fd, r;

        fd = socket(a.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
        if (fd < 0)
                return -errno;
        (void) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &(int) { 1 }, sizeof(int));
        /* 7236 when free (what firewall rules for Miracast open); a --listen on it takes precedence. */
        mice_sockaddr_set_port(&a, c->mice->config->rtsp_port);
        if (bind(fd, (struct sockaddr *) &a, mice_sockaddr_len(&a)) < 0) {
                mice_sockaddr_set_port(&a, 0);
                if (bind(fd, (struct sockaddr *) &a, mice_sockaddr_len(&a)) < 0) {
                        r = -errno;
                        safe_close(fd);
                        return r;
                }
        }
        if (listen(fd, 4) < 0 || getsockname(fd, (struct sockaddr *) &a, &len) < 0) {
                r = -errno;
                safe_close(fd);
                return r;
        }
        c->listen_fd = fd;
        c->rtsp_port = mice_sockaddr_port(&a);
        return sd_event_add_io(c->mice->manager->event, &c->listen_io, fd, EPOLLIN, mice_on_accept, c);
}

static void mice_cast_send_ready(struct mice_cast *c)
{
        struct mice *mc = c->mice;
        uint8_t buf[MICE_MAX_MESSAGE];
        char id[2 * MICE_SOURCE_ID_LEN + 1];
        ssize_t n;
        int r;

        n = mice_msg_build_source_ready(mc->friendly_name, c->rtsp_port, mc->source_id, MICE_SOURCE_ID_LEN, buf,
                                        sizeof(buf));
        if (n < 0)
                return mice_cast_fail_errno(c, (int) n, "cannot build SOURCE_READY: %s", strerror((int) -n));
        /* A fresh connection's send buffer takes a few hundred bytes at once. */
        if (send(c->ctrl_fd, buf, n, MSG_NOSIGNAL | MSG_DONTWAIT) != n)
                return mice_cast_fail_errno(c, -errno ?: -EIO, "cannot send SOURCE_READY to the sink: %m");
        c->sent_ready = true;
        mice_hex(mc->source_id, MICE_SOURCE_ID_LEN, id, sizeof(id));
        log_cast(c, LOG_INFO, 0, "-> SOURCE_READY (%zd bytes): FRIENDLY_NAME \"%s\", RTSP_PORT %u, SOURCE_ID %s", n,
                 mc->friendly_name, c->rtsp_port, id);
        log_cast(c, LOG_INFO, 0, "waiting for the sink to connect to %s:%u", c->local_ip, c->rtsp_port);
        r = mice_cast_arm_timer(c, MICE_CONNECT_BACK_USEC, mice_on_connect_back_timeout);
        if (r < 0)
                return mice_cast_fail_errno(c, r, "cannot wait for the sink: %s", strerror(-r));
}

static void mice_on_firewall(struct firewalld_hole *hole, int error, const char *why, void *userdata)
{
        struct mice_cast *c = userdata;

        if (error == 0)
                log_cast(c, LOG_INFO, 0, "firewalld: TCP %u open from %s in zone %s for this cast", c->rtsp_port,
                         c->sink_ip, why);
        else if (error == -EHOSTDOWN)
                log_cast(c, LOG_INFO, 0, "firewalld is not running: if another firewall runs, it must let TCP %u in "
                         "from %s", c->rtsp_port, c->sink_ip);
        else
                log_cast(c, LOG_WARNING, error, "firewalld refused to open TCP %u from %s (%s); the sink may not reach us",
                         c->rtsp_port, c->sink_ip, why ?: "no reason given");
        /* Either way: the sink may still get through. */
        mice_cast_send_ready(c);
}

/* The interface holding our address sa, for the firewall zone. */
static int mice_ifname_of(const struct sockaddr_storage *sa, char *buf, size_t size)
{
        struct ifaddrs *ifa = NULL;
        int r = -ENODEV;

        if (sa->ss_family == AF_INET6 && ((const struct sockaddr_in6 *) sa)->sin6_scope_id)
                return if_indextoname(((const struct sockaddr_in6 *) sa)->sin6_scope_id, buf) ? 0 : -ENODEV;
        if (getifaddrs(&ifa) < 0)
                return -errno;
        for (struct ifaddrs *i = ifa; i; i = i->ifa_next)
                if (i->ifa_addr && (i->ifa_addr->sa_family == AF_INET || i->ifa_addr->sa_family == AF_INET6) &&
                    mice_sockaddr_same_host((const struct sockaddr_storage *) i->ifa_addr, sa)) {
                        snprintf(buf, size, "%s", i->ifa_name);
                        r = 0;
                        break;
                }
        freeifaddrs(ifa);
        return r;
}

/* Connected to 7250: open the listener where the sink can reach us, the firewall for the
 * sink, then SOURCE_READY. */
static void mice_cast_connected(struct mice_cast *c)
{
        struct mice *mc = c->mice;
        struct sink *sink;
        struct session *s;
        socklen_t len = sizeof(c->local_sa);
        char ifname[IF_NAMESIZE + 1], peer[INET6_ADDRSTRLEN];
        int r;

        if (getsockname(c->ctrl_fd, (struct sockaddr *) &c->local_sa, &len) < 0)
                return mice_cast_fail_errno(c, -errno, "cannot read our address towards the sink: %m");
        mice_sockaddr_format_host(&c->local_sa, c->local_ip, sizeof(c->local_ip));
        r = mice_cast_open_listener(c);
        if (r < 0)
                return mice_cast_fail_errno(c, r, "cannot listen for the sink's RTSP connection on %s: %s",
                                            c->local_ip, strerror(-r));
        /* From now on only messages from the sink (none is expected before our SOURCE_READY): the
         * cast's stream worker reads and parses them; main only writes here. */
        c->phase = MICE_CAST_WAITING;
        c->ctrl_io = sd_event_source_disable_unref(c->ctrl_io);
        sink = manager_find_sink_by_id(mc->manager, c->sink_id);
        s = sink ? sink_get_cast_session(sink) : NULL;
        r = s ? session_watch_mice(s, c->ctrl_fd) : -ECANCELED;
        if (r < 0)
                return mice_cast_fail_errno(c, r, "cannot read the sink's MS-MICE connection: %s", strerror(-r));

        mice_sockaddr_host(&c->sink_sa, peer, sizeof(peer));
        if (mc->firewalld && mice_ifname_of(&c->local_sa, ifname, sizeof(ifname)) >= 0 &&
            firewalld_open(mc->firewalld, ifname, peer, c->rtsp_port, mice_on_firewall, c, &c->hole) >= 0)
                return;         /* SOURCE_READY once firewalld answered */
        log_cast(c, LOG_INFO, 0, "a firewall on this host must let TCP %u in from %s", c->rtsp_port, c->sink_ip);
        mice_cast_send_ready(c);
}

/*
 * What the sink said on the control connection, read and parsed by the context's stream
 * worker (stream/mice_watch.c): main parses nothing a sink sends on 7250. Every report ends
 * the watch; what it means depends on where the cast is.
 */
static void mice_control_event(void *userdata, struct sink *sink, unsigned kind, int error, const char *text)
{
        struct mice *mc = userdata;
        struct mice_cast *c = mice_find_cast(mc, sink->id);

        if (!c)
                return;
        switch (kind) {
        case WORKER_MICE_STOP_PROJECTION:
                c->stopped_by_sink = true;
                mice_cast_fail_errno(c, c->phase == MICE_CAST_STREAMING ? 0 : -ECONNREFUSED,
                                     "the sink \"%s\" stopped the projection (MS-MICE STOP_PROJECTION)%s", text,
                                     c->phase == MICE_CAST_STREAMING ? "" : " before connecting to us");
                return;
        case WORKER_MICE_CLOSED:
                if (c->phase == MICE_CAST_STREAMING) {
                        /* The RTSP connection carries the session; its keep-alive decides. */
                        log_cast(c, LOG_INFO, 0, "the sink closed the MS-MICE connection; the session goes on");
                        c->ctrl_fd = safe_close(c->ctrl_fd);
                        return;
                }
                mice_cast_fail_errno(c, error < 0 ? error : -ECONNRESET,
                                     "the sink closed the MS-MICE connection before connecting to us%s%s",
                                     error < 0 && error != -ECONNRESET ? ": " : "",
                                     error < 0 && error != -ECONNRESET ? strerror(-error) : "");
                return;
        default:
                mice_cast_fail_errno(c, error < 0 ? error : -EPROTO, "%s", text[0] ? text : "unexpected MS-MICE message");
                return;
        }
}

/* The connect to the sink's 7250 completed (or failed). Reading what the sink sends is the stream
 * worker's (mice_cast_connected()), so this watches the connect only. */
static int mice_on_ctrl_io(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
        struct mice_cast *c = userdata;
        socklen_t len = sizeof(int);
        int error = 0;

        if (c->phase != MICE_CAST_CONNECTING)
                return 0;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) < 0)
                error = errno;
        if (error) {
                mice_cast_fail_errno(c, -error, "cannot connect to the sink's MS-MICE port %s:%u: %s", c->sink_ip,
                                     c->sink_port, strerror(error));
                return 0;
        }
        mice_cast_connected(c);
        return 0;
}

static int mice_on_connect_timeout(sd_event_source *source, uint64_t usec, void *userdata)
{
        struct mice_cast *c = userdata;

        mice_cast_fail_errno(c, -ETIMEDOUT, "connecting to the sink's MS-MICE port %s:%u timed out after %llu s",
                             c->sink_ip, c->sink_port, MICE_CONNECT_USEC / 1000000ULL);
        return 0;
}

/* ---- manager -> MS-MICE ------------------------------------------------------------ */

static int mice_start_discovery(void *userdata)
{
        struct mice *mc = userdata;
        int r = 0;

        if (mc->avahi)
                r = avahi_browser_start(mc->avahi);
        if (r >= 0 && mc->resolved)
                r = resolved_resolver_start(mc->resolved);
        return r;
}

static int mice_stop_discovery(void *userdata)
{
        struct mice *mc = userdata;

        if (mc->avahi)
                avahi_browser_stop(mc->avahi);
        if (mc->resolved)
                resolved_resolver_stop(mc->resolved);
        return 0;
}

static int mice_connect(void *userdata, struct sink *sink, const struct cast_options *options)
{
        struct mice *mc = userdata;
        struct mice_service *sv = NULL;
        struct mice_cast *c;
        int r;

        /* IPv4 where the sink has it (what every sink we know of serves), else its IPv6 address. */
        for (struct mice_service *o = mc->services; o; o = o->next)
                if (o->sink_id == sink->id && (!sv || (sv->sa.ss_family != AF_INET && o->sa.ss_family == AF_INET)))
                        sv = o;
        if (!sv)
                return -EHOSTUNREACH;
        if (mice_find_cast(mc, sink->id))
                return -EBUSY;

        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->mice = mc;
        c->sink_id = sink->id;
        c->ctrl_fd = c->listen_fd = -1;
        c->sink_sa = sv->sa;
        mice_sockaddr_format_host(&sv->sa, c->sink_ip, sizeof(c->sink_ip));
        c->sink_port = mice_sockaddr_port(&sv->sa);
        c->next = mc->casts;
        mc->casts = c;

        c->ctrl_fd = socket(c->sink_sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
        if (c->ctrl_fd < 0) {
                r = -errno;
                mice_cast_free(c);
                return r;
        }
        if (connect(c->ctrl_fd, (struct sockaddr *) &c->sink_sa, mice_sockaddr_len(&c->sink_sa)) < 0 &&
            errno != EINPROGRESS) {
                r = -errno;
                log_cast(c, LOG_WARNING, r, "cannot connect to the sink's MS-MICE port: %m");
                mice_cast_free(c);
                return r;
        }
        r = sd_event_add_io(mc->manager->event, &c->ctrl_io, c->ctrl_fd, EPOLLOUT, mice_on_ctrl_io, c);
        if (r >= 0)
                r = mice_cast_arm_timer(c, MICE_CONNECT_USEC, mice_on_connect_timeout);
        if (r < 0) {
                mice_cast_free(c);
                return r;
        }
        log_cast(c, LOG_INFO, 0, "casting to \"%s\" over the LAN: connecting to its MS-MICE port", sink->name);
        return 0;
}

static void mice_disconnect(void *userdata, struct sink *sink)
{
        struct mice *mc = userdata;
        struct mice_cast *c = mice_find_cast(mc, sink->id);

        if (!c)
                return;
        mice_cast_send_stop(c);
        log_cast(c, LOG_DEBUG, 0, "cast over, closing the MS-MICE connection");
        mice_cast_free(c);
}

/* ---- life cycle -------------------------------------------------------------------- */

static void mice_init_identity(struct mice *mc)
{
        sd_id128_t id;
        int r;

        if (mc->config->device_name && *mc->config->device_name)
                snprintf(mc->friendly_name, sizeof(mc->friendly_name), "%s", mc->config->device_name);
        else if (gethostname(mc->friendly_name, sizeof(mc->friendly_name) - 1) < 0 || !mc->friendly_name[0])
                snprintf(mc->friendly_name, sizeof(mc->friendly_name), "miracastd");

        r = sd_id128_get_machine_app_specific(MICE_SOURCE_ID_APP, &id);
        if (r < 0) {
                log_warning_errno(r, "MS-MICE: no /etc/machine-id (%m); using a source id that changes at every start");
                r = sd_id128_randomize(&id);
                if (r < 0)
                        memset(&id, 0x42, sizeof(id));
        }
        memcpy(mc->source_id, id.bytes, MICE_SOURCE_ID_LEN);
}

/* mice-sinks split at commas, blanks around each name dropped (p2p_config_set() checked it). */
static size_t mice_split_names(const char *list, char names[][64], size_t max)
{
        size_t n = 0;

        for (const char *p = list; p && *p && n < max;) {
                size_t len = strcspn(p, ","), lead = strspn(p, " \t");

                while (len > lead && (p[len - 1] == ' ' || p[len - 1] == '\t'))
                        len--;
                if (len > lead)
                        snprintf(names[n++], 64, "%.*s", (int) (len - lead), p + lead);
                p += strcspn(p, ",");
                if (*p == ',')
                        p++;
        }
        return n;
}

/*
 * The discovery backends mice-discovery asks for: Avahi browses (auto, avahi); systemd-resolved
 * resolves the instances mice-sinks names (auto, resolved): it cannot browse (daemon/resolved.h).
 */
static int mice_discovery_new(struct mice *mc)
{
        const char *mode = mc->config->mice_discovery ?: "auto";
        char names[RESOLVED_MAX_NAMES][64];
        const char *ptrs[RESOLVED_MAX_NAMES];
        size_t n = mice_split_names(mc->config->mice_sinks, names, RESOLVED_MAX_NAMES);
        int r;

        if (strcmp(mode, "resolved") != 0) {
                r = avahi_browser_new(mc->manager->event, "system", "_display._tcp",
                                      &(struct dnssd_owner) {
                                              .service_found = mice_on_avahi_found,
                                              .service_lost = mice_on_avahi_lost,
                                              .browsing_changed = mice_on_avahi_browsing,
                                              .userdata = mc,
                                      },
                                      &mc->avahi);
                if (r < 0)
                        return r;
        }
        if (strcmp(mode, "avahi") == 0)
                return 0;
        if (n == 0) {
                if (strcmp(mode, "resolved") == 0)
                        log_warning("MS-MICE: mice-discovery = resolved without mice-sinks: nothing can be "
                                    "discovered (systemd-resolved resolves named instances, it cannot browse)");
                return 0;
        }
        for (size_t i = 0; i < n; i++)
                ptrs[i] = names[i];
        r = resolved_resolver_new(mc->manager->event, "system", "_display._tcp",
                                  ptrs, n, 0,
                                  &(struct dnssd_owner) {
                                          .service_found = mice_on_resolved_found,
                                          .service_lost = mice_on_resolved_lost,
                                          .browsing_changed = mice_on_resolved_browsing,
                                          .userdata = mc,
                                  },
                                  &mc->resolved);
        if (r < 0)
                return r;
        log_info("MS-MICE: discovery through %s; %zu named instance%s asked for",
                 mc->avahi ? "avahi-daemon and systemd-resolved" : "systemd-resolved", n, n == 1 ? "" : "s");
        return 0;
}

int mice_new(struct manager *m, const struct p2p_config *config, struct mice **ret)
{
        struct mice *mc;
        int r;

        *ret = NULL;
        if (!config->mice) {
                log_info("MS-MICE: off (mice = no)");
                return 0;
        }
        mc = calloc(1, sizeof(*mc));
        if (!mc)
                return -ENOMEM;
        mc->manager = m;
        mc->config = config;
        mice_init_identity(mc);
        r = firewalld_new(m->event, "system", &mc->firewalld);
        if (r < 0)
                log_debug_errno(r, "MS-MICE: no firewalld client (%m)");
        r = mice_discovery_new(mc);
        if (r < 0) {
                log_notice("MS-MICE: no system bus (%s): sinks on the LAN are not discovered", strerror(-r));
                mc->avahi = avahi_browser_free(mc->avahi);
                mc->firewalld = firewalld_free(mc->firewalld);
                free(mc);
                return 0;
        }
        mc->backend = (struct p2p_backend) {
                .name = "MS-MICE",
                .start_discovery = mice_start_discovery,
                .stop_discovery = mice_stop_discovery,
                .connect = mice_connect,
                .disconnect = mice_disconnect,
                .control_event = mice_control_event,
        };
        r = manager_set_mice(m, &mc->backend, mc);
        if (r < 0) {
                mc->avahi = avahi_browser_free(mc->avahi);
                mc->resolved = resolved_resolver_free(mc->resolved);
                mc->firewalld = firewalld_free(mc->firewalld);
                free(mc);
                return r;
        }
        *ret = mc;
        return 0;
}

struct mice *mice_free(struct mice *mc)
{
        if (!mc)
                return NULL;
        if (mc->manager->mice == &mc->backend)
                (void) manager_set_mice(mc->manager, NULL, NULL);
        while (mc->casts) {
                mice_cast_send_stop(mc->casts);
                mice_cast_free(mc->casts);
        }
        while (mc->services) {
                struct mice_service *sv = mc->services;
                mc->services = sv->next;
                mice_service_free(sv);
        }
        mc->avahi = avahi_browser_free(mc->avahi);
        mc->resolved = resolved_resolver_free(mc->resolved);
        mc->firewalld = firewalld_free(mc->firewalld);
        free(mc);
        return NULL;
}
