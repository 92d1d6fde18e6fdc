/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A minimal DHCPv4 client for a P2P group netdev (the sink is GO):
 * DISCOVER, OFFER, REQUEST, ACK with the broadcast flag set (we have no
 * address yet, so replies must be broadcast), retransmission with backoff,
 * renewal at T1, RELEASE when the group ends. It does not configure the interface: the owner adds the
 * address (p2p_netif) when the lease arrives, without a default route.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

struct dhcp_client;

struct dhcp_lease {
        uint8_t address[4];
        uint8_t netmask[4];
        uint8_t server_id[4];        /* the GO: where the sink lives */
        uint8_t router[4];
        bool has_router;
        uint32_t lease_sec;
};

/*
 * error == 0: a lease was acquired or renewed (lease set).
 * error < 0: gave up (-ETIMEDOUT: no server answered, -ECONNREFUSED: NAK,
 * -ENOLINK: the lease expired). The client stops after an error.
 */
typedef void (*dhcp_client_cb_t)(struct dhcp_client *c, int error, const struct dhcp_lease *lease, void *userdata);

/* Start on ifname (hardware address read from the interface). */
int dhcp_client_new(sd_event *event, const char *ifname, dhcp_client_cb_t cb, void *userdata,
                    struct dhcp_client **ret);
/*
 * Give the lease back: when bound (or renewing), send DHCPRELEASE (RFC 2131
 * 4.4.6: unicast to the server, our address in ciaddr, the server id) and
 * stop; the callback is not called. Call it while our address is still on
 * the interface, before the group goes. Returns 0 when a RELEASE was sent,
 * -ENOLINK without a lease, -errno when sending failed. NULL-safe (-ENOLINK).
 */
int dhcp_client_release(struct dhcp_client *c);
/* Stop (sends no RELEASE) and free. NULL-safe. */
struct dhcp_client *dhcp_client_free(struct dhcp_client *c);
/* Total time to wait for the first lease before -ETIMEDOUT (default 30 s). */
void dhcp_client_set_timeout(struct dhcp_client *c, uint64_t usec);
