/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Minimal DHCPv4 client (see dhcp_client.h):
 *
 *   SELECTING  --OFFER-->  REQUESTING  --ACK-->  BOUND  --T1-->  RENEWING --ACK--> BOUND
 *      DISCOVER retransmitted 1, 2, 4, 4... s     NAK -> error        lease end -> error
 *
 * A UDP socket on port 68 bound to the interface with SO_BINDTODEVICE; we
 * always set the broadcast flag so the server's replies reach us before the
 * interface has an address. The callback may free the client.
 */
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dhcp_client.h"

#include "../protocol/dhcp_msg.h"
#include "../protocol/macro.h"
#include "log.h"
#include "p2p_netif.h"

#define DHCP_CLIENT_DEFAULT_TIMEOUT_USEC (30 * 1000000ULL)
#define DHCP_CLIENT_MAX_RETRANSMIT_USEC  (4 * 1000000ULL)

enum client_state {
        CLIENT_SELECTING,
        CLIENT_REQUESTING,
        CLIENT_BOUND,
        CLIENT_RENEWING,
};

struct dhcp_client {
        sd_event *event;                 /* reference */
        char ifname[IF_NAMESIZE];
        uint8_t mac[6];
        int fd;                          /* owned */
        sd_event_source *io;             /* owned */
        sd_event_source *resend_timer;   /* owned: retransmission */
        sd_event_source *deadline_timer; /* owned: first lease timeout, then T1 / lease end */
        enum client_state state;
        uint32_t xid;
        uint64_t resend_usec, timeout_usec;
        struct dhcp_msg offer;
        struct dhcp_lease lease;
        dhcp_client_cb_t cb;
        void *userdata;
};

static uint32_t random_xid(struct dhcp_client *c)
{
        uint32_t x;

        if (getrandom(&x, sizeof(x), GRND_NONBLOCK) != sizeof(x))
                x = (uint32_t) (c->xid * 1103515245u + 12345u + c->mac[5]);
        return x;
}

static uint64_t now_usec(struct dhcp_client *c)
{
        uint64_t t = 0;
        (void) sd_event_now(c->event, CLOCK_MONOTONIC, &t);
        return t;
}

static void client_send(struct dhcp_client *c)
{
        struct dhcp_msg m = {
                .op = DHCP_OP_REQUEST,
                .xid = c->xid,
                .flags = DHCP_FLAG_BROADCAST,
                .type = c->state == CLIENT_SELECTING ? DHCP_DISCOVER : DHCP_REQUEST,
        };
        struct sockaddr_in to = {
                .sin_family = AF_INET,
                .sin_port = htons(DHCP_SERVER_PORT),
                .sin_addr.s_addr = htonl(INADDR_BROADCAST),
        };
        uint8_t buf[DHCP_MAX_LEN];
        ssize_t n;

        memcpy(m.chaddr, c->mac, 6);
        m.client_id[0] = 1; /* hardware type Ethernet, then the MAC (RFC 2132 9.14) */
        memcpy(m.client_id + 1, c->mac, 6);
        m.client_id_len = 7;
        if (c->state == CLIENT_REQUESTING) {
                memcpy(m.requested_ip, c->offer.yiaddr, 4);
                m.has_requested_ip = true;
                memcpy(m.server_id, c->offer.server_id, 4);
                m.has_server_id = true;
        } else if (c->state == CLIENT_RENEWING || c->state == CLIENT_BOUND) {
                memcpy(m.ciaddr, c->lease.address, 4);
        }
        n = dhcp_msg_build(&m, buf, sizeof(buf));
        if (n < 0)
                return;
        if (sendto(c->fd, buf, n, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *) &to, sizeof(to)) < 0)
                log_debug("DHCP client on %s: send failed: %m", c->ifname);
}

static int on_resend(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct dhcp_client *c = userdata;

        client_send(c);
        c->resend_usec = MIN(c->resend_usec * 2, DHCP_CLIENT_MAX_RETRANSMIT_USEC);
        (void) sd_event_source_set_time(s, usec + c->resend_usec);
        (void) sd_event_source_set_enabled(s, SD_EVENT_ON);
        return 0;
}

static int start_sending(struct dhcp_client *c)
{
        c->resend_usec = 1000000ULL;
        c->resend_timer = sd_event_source_disable_unref(c->resend_timer);
        client_send(c);
        return sd_event_add_time(c->event, &c->resend_timer, CLOCK_MONOTONIC, now_usec(c) + c->resend_usec, 0,
                                 on_resend, c);
}

/* Stop and report an error; the callback may free c, so nothing touches c afterwards. */
static void client_fail(struct dhcp_client *c, int error)
{
        c->resend_timer = sd_event_source_disable_unref(c->resend_timer);
        c->deadline_timer = sd_event_source_disable_unref(c->deadline_timer);
        c->io = sd_event_source_disable_unref(c->io);
        c->fd = safe_close(c->fd);
        c->cb(c, error, NULL, c->userdata);
}

static int on_deadline(sd_event_source *s, uint64_t usec, void *userdata);

static void arm_deadline(struct dhcp_client *c, uint64_t at)
{
        c->deadline_timer = sd_event_source_disable_unref(c->deadline_timer);
        (void) sd_event_add_time(c->event, &c->deadline_timer, CLOCK_MONOTONIC, at, 0, on_deadline, c);
}

static int on_deadline(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct dhcp_client *c = userdata;

        switch (c->state) {
        case CLIENT_SELECTING:
        case CLIENT_REQUESTING:
                log_warning("DHCP client on %s: no lease from any server", c->ifname);
                client_fail(c, -ETIMEDOUT);
                return 0;
        case CLIENT_BOUND:
                /* T1: renew; the rest of the lease is the deadline. */
                c->state = CLIENT_RENEWING;
                c->xid = random_xid(c);
                arm_deadline(c, usec + (uint64_t) (c->lease.lease_sec - c->lease.lease_sec / 2) * 1000000ULL);
                (void) start_sending(c);
                return 0;
        case CLIENT_RENEWING:
                log_warning("DHCP client on %s: lease expired", c->ifname);
                client_fail(c, -ENOLINK);
                return 0;
        }
        return 0;
}

static void handle(struct dhcp_client *c, const struct dhcp_msg *m)
{
        if (m->op != DHCP_OP_REPLY || m->xid != c->xid || memcmp(m->chaddr, c->mac, 6) != 0)
                return;

        if (c->state == CLIENT_SELECTING && m->type == DHCP_OFFER) {
                if (!m->has_server_id)
                        return;
                c->offer = *m;
                c->state = CLIENT_REQUESTING;
                (void) start_sending(c);
                return;
        }
        if ((c->state == CLIENT_REQUESTING || c->state == CLIENT_RENEWING) && m->type == DHCP_NAK) {
                log_warning("DHCP client on %s: server refused the address (NAK)", c->ifname);
                client_fail(c, -ECONNREFUSED);
                return;
        }
        if ((c->state == CLIENT_REQUESTING || c->state == CLIENT_RENEWING) && m->type == DHCP_ACK) {
                struct dhcp_lease l = { .lease_sec = m->has_lease_time ? m->lease_time_sec : 3600 };

                if (l.lease_sec < 60)
                        l.lease_sec = 60;
                memcpy(l.address, m->yiaddr, 4);
                if (m->has_subnet_mask)
                        memcpy(l.netmask, m->subnet_mask, 4);
                else
                        memcpy(l.netmask, (const uint8_t[]) { 255, 255, 255, 0 }, 4);
                if (m->has_server_id)
                        memcpy(l.server_id, m->server_id, 4);
                else
                        memcpy(l.server_id, c->offer.server_id, 4);
                if (m->has_router) {
                        memcpy(l.router, m->router, 4);
                        l.has_router = true;
                }
                c->lease = l;
                c->state = CLIENT_BOUND;
                c->resend_timer = sd_event_source_disable_unref(c->resend_timer);
                arm_deadline(c, now_usec(c) + (uint64_t) (l.lease_sec / 2) * 1000000ULL);
                log_info("DHCP client on %s: got %u.%u.%u.%u from %u.%u.%u.%u for %u s", c->ifname, l.address[0],
                         l.address[1], l.address[2], l.address[3], l.server_id[0], l.server_id[1], l.server_id[2],
                         l.server_id[3], l.lease_sec);
                c->cb(c, 0, &c->lease, c->userdata); /* may free c */
                return;
        }
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        struct dhcp_client *c = userdata;
        uint8_t buf[DHCP_MAX_LEN * 2];
        struct dhcp_msg m;
        ssize_t n;

        n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (n < 0 || dhcp_msg_parse(buf, n, &m) < 0)
                return 0;
        handle(c, &m);
        return 0;
}

void dhcp_client_set_timeout(struct dhcp_client *c, uint64_t usec)
{
        c->timeout_usec = usec;
        if (c->state == CLIENT_SELECTING || c->state == CLIENT_REQUESTING)
                arm_deadline(c, now_usec(c) + usec);
}

int dhcp_client_new(sd_event *event, const char *ifname, dhcp_client_cb_t cb, void *userdata,
                    struct dhcp_client **ret)
{
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(DHCP_CLIENT_PORT) };
        struct dhcp_client *c;
        int r, one = 1;

        if (!ifname || strlen(ifname) >= IF_NAMESIZE || !cb)
                return -EINVAL;
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->fd = -1;
        c->event = sd_event_ref(event);
        strcpy(c->ifname, ifname);
        c->cb = cb;
        c->userdata = userdata;
        c->timeout_usec = DHCP_CLIENT_DEFAULT_TIMEOUT_USEC;
        r = p2p_netif_get_mac(ifname, c->mac);
        if (r < 0)
                goto fail;
        c->xid = random_xid(c);

        c->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (c->fd < 0) {
                r = -errno;
                goto fail;
        }
        if (setsockopt(c->fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, strlen(ifname)) < 0 ||
            setsockopt(c->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
            setsockopt(c->fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) < 0 ||
            bind(c->fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                r = -errno;
                goto fail;
        }
        r = sd_event_add_io(event, &c->io, c->fd, EPOLLIN, on_io, c);
        if (r < 0)
                goto fail;
        arm_deadline(c, now_usec(c) + c->timeout_usec);
        r = start_sending(c);
        if (r < 0)
                goto fail;
        *ret = c;
        return 0;
fail:
        dhcp_client_free(c);
        return r;
}

int dhcp_client_release(struct dhcp_client *c)
{
        struct dhcp_msg m = {
                .op = DHCP_OP_REQUEST,
                .type = DHCP_RELEASE,
                .has_server_id = true,
        };
        struct sockaddr_in to = {
                .sin_family = AF_INET,
                .sin_port = htons(DHCP_SERVER_PORT),
        };
        uint8_t buf[DHCP_MAX_LEN];
        ssize_t n;

        if (!c || c->fd < 0 || (c->state != CLIENT_BOUND && c->state != CLIENT_RENEWING))
                return -ENOLINK;
        c->resend_timer = sd_event_source_disable_unref(c->resend_timer);
        c->deadline_timer = sd_event_source_disable_unref(c->deadline_timer);
        c->io = sd_event_source_disable_unref(c->io);
        c->state = CLIENT_SELECTING; /* no lease any more */
        m.xid = random_xid(c);
        memcpy(m.chaddr, c->mac, 6);
        memcpy(m.ciaddr, c->lease.address, 4);
        memcpy(m.server_id, c->lease.server_id, 4);
        m.client_id[0] = 1;
        memcpy(m.client_id + 1, c->mac, 6);
        m.client_id_len = 7;
        memcpy(&to.sin_addr.s_addr, c->lease.server_id, 4);
        n = dhcp_msg_build(&m, buf, sizeof(buf));
        if (n < 0)
                return (int) n;
        if (sendto(c->fd, buf, n, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *) &to, sizeof(to)) < 0)
                return log_debug_errno(-errno, "DHCP client on %s: cannot send RELEASE: %m", c->ifname);
        log_info("DHCP client on %s: released %u.%u.%u.%u to %u.%u.%u.%u", c->ifname, c->lease.address[0],
                 c->lease.address[1], c->lease.address[2], c->lease.address[3], c->lease.server_id[0],
                 c->lease.server_id[1], c->lease.server_id[2], c->lease.server_id[3]);
        return 0;
}

struct dhcp_client *dhcp_client_free(struct dhcp_client *c)
{
        if (!c)
                return NULL;
        c->resend_timer = sd_event_source_disable_unref(c->resend_timer);
        c->deadline_timer = sd_event_source_disable_unref(c->deadline_timer);
        c->io = sd_event_source_disable_unref(c->io);
        c->fd = safe_close(c->fd);
        sd_event_unref(c->event);
        free(c);
        return NULL;
}
