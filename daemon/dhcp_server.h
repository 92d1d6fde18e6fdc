/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A minimal DHCPv4 server for one P2P group netdev (we are GO): a UDP socket
 * on port 67 bound to the interface (SO_BINDTODEVICE), a small pool, one
 * lease per client hardware address, options subnet mask, server id and
 * lease time only: no router and no DNS, so the sink never routes its
 * Internet traffic through us (docs/p2p.md, "Addressing and DHCP"). Replies are
 * broadcast, because the client has no address yet.
 *
 * Why our own and not a supervised dnsmasq: the group lives for one
 * session and has one client; our server is ~300 lines over a fuzzed
 * codec (protocol/dhcp_msg.c), needs no extra process, binary or
 * configuration file, shares the daemon's sandbox, and tells us the sink's
 * address the moment it has one.
 */
#pragma once

#include <stdint.h>
#include <systemd/sd-event.h>

struct dhcp_server;

/* A lease was handed out (ACK sent). */
typedef void (*dhcp_server_lease_t)(struct dhcp_server *s, const uint8_t mac[6], const uint8_t ip[4], void *userdata);

/*
 * Serve on ifname: our address server_ip with netmask, leases from
 * pool_start..pool_start+pool_size-1 for lease_sec. The address must already
 * be on the interface. Returns -errno from socket/bind (-EADDRINUSE when
 * another DHCP server runs there), -EINVAL for a pool outside the subnet.
 */
int dhcp_server_new(sd_event *event, const char *ifname, const uint8_t server_ip[4], const uint8_t netmask[4],
                    const uint8_t pool_start[4], unsigned pool_size, uint32_t lease_sec,
                    dhcp_server_lease_t on_lease, void *userdata, struct dhcp_server **ret);
struct dhcp_server *dhcp_server_free(struct dhcp_server *s);
