/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Minimal DHCPv4 server for one group netdev (see dhcp_server.h). Leases
 * last as long as the group (which lives for one session); RELEASE and
 * DECLINE free them. All replies are broadcast on the interface.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dhcp_server.h"

#include "../protocol/dhcp_msg.h"
#include "../protocol/macro.h"
#include "log.h"

struct dhcp_lease_entry {
        bool in_use;
        bool acked;
        uint8_t mac[6];
};

struct dhcp_server {
        sd_event *event;                 /* reference */
        char ifname[IF_NAMESIZE];
        int fd;                          /* owned */
        sd_event_source *io;             /* owned */
        uint8_t server_ip[4], netmask[4], pool_start[4];
        unsigned pool_size;
        uint32_t lease_sec;
        struct dhcp_lease_entry *leases; /* owned, pool_size entries */
        dhcp_server_lease_t on_lease;
        void *userdata;
};

static void pool_addr(const struct dhcp_server *s, unsigned i, uint8_t out[4])
{
        uint32_t a;

        memcpy(&a, s->pool_start, 4);
        a = htonl(ntohl(a) + i);
        memcpy(out, &a, 4);
}

static int pool_index(const struct dhcp_server *s, const uint8_t ip[4])
{
        uint32_t a, start;

        memcpy(&a, ip, 4);
        memcpy(&start, s->pool_start, 4);
        a = ntohl(a);
        start = ntohl(start);
        if (a < start || a - start >= s->pool_size)
                return -1;
        return (int) (a - start);
}

static int lease_find(const struct dhcp_server *s, const uint8_t mac[6])
{
        for (unsigned i = 0; i < s->pool_size; i++)
                if (s->leases[i].in_use && memcmp(s->leases[i].mac, mac, 6) == 0)
                        return (int) i;
        return -1;
}

/* The lease of mac, or a free address (preferring the one it asks for). */
static int lease_pick(struct dhcp_server *s, const uint8_t mac[6], const struct dhcp_msg *req)
{
        int i = lease_find(s, mac);

        if (i >= 0)
                return i;
        if (req->has_requested_ip) {
                i = pool_index(s, req->requested_ip);
                if (i >= 0 && !s->leases[i].in_use)
                        return i;
        }
        for (unsigned j = 0; j < s->pool_size; j++)
                if (!s->leases[j].in_use)
                        return (int) j;
        return -1;
}

static void send_reply(struct dhcp_server *s, const struct dhcp_msg *req, int type, const uint8_t yiaddr[4])
{
        struct dhcp_msg m = {
                .op = DHCP_OP_REPLY,
                .xid = req->xid,
                .flags = req->flags,
                .type = type,
                .has_server_id = true,
        };
        struct sockaddr_in to = {
                .sin_family = AF_INET,
                .sin_port = htons(DHCP_CLIENT_PORT),
                .sin_addr.s_addr = htonl(INADDR_BROADCAST),
        };
        uint8_t buf[DHCP_MAX_LEN];
        ssize_t n;

        memcpy(m.chaddr, req->chaddr, 6);
        memcpy(m.giaddr, req->giaddr, 4);
        memcpy(m.server_id, s->server_ip, 4);
        if (type != DHCP_NAK) {
                memcpy(m.yiaddr, yiaddr, 4);
                memcpy(m.siaddr, s->server_ip, 4);
                memcpy(m.subnet_mask, s->netmask, 4);
                m.has_subnet_mask = true;
                m.lease_time_sec = s->lease_sec;
                m.has_lease_time = true;
                /* No router and no DNS on purpose: the sink must not route through us. */
        }
        n = dhcp_msg_build(&m, buf, sizeof(buf));
        if (n < 0)
                return;
        if (sendto(s->fd, buf, n, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *) &to, sizeof(to)) < 0)
                log_warning_errno(-errno, "DHCP server on %s: cannot send %s: %m", s->ifname, dhcp_type_to_string(type));
}

static void handle(struct dhcp_server *s, const struct dhcp_msg *req)
{
        char mac[18];
        uint8_t ip[4];
        int i;

        snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", req->chaddr[0], req->chaddr[1], req->chaddr[2],
                 req->chaddr[3], req->chaddr[4], req->chaddr[5]);
        if (req->op != DHCP_OP_REQUEST)
                return;

        switch (req->type) {
        case DHCP_DISCOVER:
                i = lease_pick(s, req->chaddr, req);
                if (i < 0) {
                        log_warning("DHCP server on %s: no free address for %s", s->ifname, mac);
                        return;
                }
                s->leases[i].in_use = true;
                memcpy(s->leases[i].mac, req->chaddr, 6);
                pool_addr(s, i, ip);
                log_debug("DHCP server on %s: OFFER %u.%u.%u.%u to %s", s->ifname, ip[0], ip[1], ip[2], ip[3], mac);
                send_reply(s, req, DHCP_OFFER, ip);
                return;

        case DHCP_REQUEST: {
                const uint8_t *want = req->has_requested_ip ? req->requested_ip : req->ciaddr;

                /* Addressed to another server (SELECTING state): not ours to answer. */
                if (req->has_server_id && memcmp(req->server_id, s->server_ip, 4) != 0) {
                        i = lease_find(s, req->chaddr);
                        if (i >= 0 && !s->leases[i].acked)
                                s->leases[i].in_use = false;
                        return;
                }
                i = pool_index(s, want);
                if (i < 0 || (s->leases[i].in_use && memcmp(s->leases[i].mac, req->chaddr, 6) != 0)) {
                        log_info("DHCP server on %s: NAK for %s (asked for %u.%u.%u.%u)", s->ifname, mac, want[0], want[1],
                                 want[2], want[3]);
                        send_reply(s, req, DHCP_NAK, NULL);
                        return;
                }
                /* Drop another lease this client held. */
                int old = lease_find(s, req->chaddr);
                if (old >= 0 && old != i)
                        s->leases[old].in_use = false;
                s->leases[i].in_use = true;
                s->leases[i].acked = true;
                memcpy(s->leases[i].mac, req->chaddr, 6);
                pool_addr(s, i, ip);
                log_info("DHCP server on %s: %u.%u.%u.%u leased to %s", s->ifname, ip[0], ip[1], ip[2], ip[3], mac);
                send_reply(s, req, DHCP_ACK, ip);
                if (s->on_lease)
                        s->on_lease(s, req->chaddr, ip, s->userdata);
                return;
        }
        case DHCP_RELEASE:
        case DHCP_DECLINE:
                i = lease_find(s, req->chaddr);
                if (i >= 0) {
                        log_info("DHCP server on %s: %s %s its address", s->ifname, mac,
                                 req->type == DHCP_RELEASE ? "released" : "declined");
                        s->leases[i] = (struct dhcp_lease_entry) {};
                }
                return;
        default:
                return;
        }
}

static int on_io(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
        struct dhcp_server *s = userdata;
        uint8_t buf[DHCP_MAX_LEN * 2];
        struct dhcp_msg m;
        ssize_t n;
        int r;

        n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (n < 0)
                return 0;
        r = dhcp_msg_parse(buf, n, &m);
        if (r < 0) {
                log_debug("DHCP server on %s: ignoring a malformed packet of %zd bytes", s->ifname, n);
                return 0;
        }
        handle(s, &m);
        return 0;
}

int dhcp_server_new(sd_event *event, const char *ifname, const uint8_t server_ip[4], const uint8_t netmask[4],
                    const uint8_t pool_start[4], unsigned pool_size, uint32_t lease_sec,
                    dhcp_server_lease_t on_lease, void *userdata, struct dhcp_server **ret)
{
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(DHCP_SERVER_PORT) };
        struct dhcp_server *s;
        int r, one = 1;

        if (!ifname || strlen(ifname) >= IF_NAMESIZE || pool_size == 0 || pool_size > 256)
                return -EINVAL;
        for (int i = 0; i < 4; i++)
                if ((pool_start[i] & netmask[i]) != (server_ip[i] & netmask[i]))
                        return -EINVAL;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->fd = -1;
        s->event = sd_event_ref(event);
        strcpy(s->ifname, ifname);
        memcpy(s->server_ip, server_ip, 4);
        memcpy(s->netmask, netmask, 4);
        memcpy(s->pool_start, pool_start, 4);
        s->pool_size = pool_size;
        s->lease_sec = lease_sec;
        s->on_lease = on_lease;
        s->userdata = userdata;
        s->leases = calloc(pool_size, sizeof(*s->leases));
        if (!s->leases) {
                r = -ENOMEM;
                goto fail;
        }
        s->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (s->fd < 0) {
                r = -errno;
                goto fail;
        }
        if (setsockopt(s->fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, strlen(ifname)) < 0 ||
            setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
            setsockopt(s->fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) < 0 ||
            bind(s->fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                r = -errno;
                goto fail;
        }
        r = sd_event_add_io(event, &s->io, s->fd, EPOLLIN, on_io, s);
        if (r < 0)
                goto fail;
        log_info("DHCP server on %s: serving %u.%u.%u.%u (+%u) for %u s", ifname, pool_start[0], pool_start[1],
                 pool_start[2], pool_start[3], pool_size - 1, lease_sec);
        *ret = s;
        return 0;
fail:
        dhcp_server_free(s);
        return r;
}

struct dhcp_server *dhcp_server_free(struct dhcp_server *s)
{
        if (!s)
                return NULL;
        s->io = sd_event_source_disable_unref(s->io);
        s->fd = safe_close(s->fd);
        free(s->leases);
        sd_event_unref(s->event);
        free(s);
        return NULL;
}
