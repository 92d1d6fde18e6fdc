/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Addresses on P2P group netdevs, over rtnetlink (wpa_supplicant never
 * configures IP). No routes are added beyond the kernel's prefix route.
 */
#pragma once

#include <stdint.h>

/* Add addr/prefixlen (with broadcast) to ifname; an existing identical address is fine. */
int p2p_netif_add_ipv4(const char *ifname, const uint8_t addr[4], unsigned prefixlen);
/* Remove it; a missing address or interface is fine (the group is gone). */
int p2p_netif_del_ipv4(const char *ifname, const uint8_t addr[4], unsigned prefixlen);
/* Hardware address of ifname. */
int p2p_netif_get_mac(const char *ifname, uint8_t ret[6]);
/* Netmask bytes -> prefix length; -EINVAL when not contiguous. */
int p2p_netif_mask_to_prefix(const uint8_t mask[4], unsigned *ret);
