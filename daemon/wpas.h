/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The `wpas` P2P backend: drives wpa_supplicant's control socket for the P2P
 * management interface (p2p-dev-<wlan> or <wlan>), following
 * docs/p2p.md, "The wpas backend":
 *
 *   link up     -> SET device_name/device_type/config_methods/p2p_go_intent,
 *                  ip_addr_* (in-handshake IP allocation), SET wifi_display 1,
 *                  WFD_SUBELEM_SET 0 <our device info>; re-sync the peer table
 *   discovery   -> (re-assert WFD) P2P_FIND <secs>, again on P2P-FIND-STOPPED
 *   connect     -> P2P_STOP_FIND, (re-assert WFD), P2P_CONNECT <peer> pbc|pin
 *                  [join] go_intent=N; status 1 keeps waiting for the user,
 *                  P2P-GO-NEG-REQUEST from the peer is answered with our
 *                  P2P_CONNECT again, one retry with provdisc, P2P_CANCEL at
 *                  the timeout
 *   group up    -> GO: a.b.c.1/24 on the group netdev + our DHCP server
 *                  (the sink gets a.b.c.2); client: the handshake address or
 *                  our DHCP client; then SIGNAL_POLL and group_up()
 *   group lost  -> P2P-GROUP-REMOVED, AP-STA-DISCONNECTED of the sink,
 *                  wpa_supplicant going away: group_down()
 *   session end -> P2P_GROUP_REMOVE <ifname> (unless persistent)
 *   link down   -> everything above ends; reconnect with backoff
 */
#pragma once

#include <stdint.h>
#include <systemd/sd-event.h>

#include "p2p.h"

struct wpas;

extern const struct p2p_ops wpas_p2p_ops;

/*
 * Create the backend for the control socket at ctrl_path and start
 * connecting (a missing socket is retried with backoff; owner->state_changed
 * reports it). config and owner are borrowed and must outlive the backend.
 */
int wpas_new(sd_event *event, const struct p2p_config *config, const char *ctrl_path,
             const struct p2p_owner *owner, struct wpas **ret);
struct wpas *wpas_free(struct wpas *w);
/* Shorter command timeout and PING interval (tests; defaults in wpas_ctrl.h). */
void wpas_set_timeouts(struct wpas *w, uint64_t cmd_timeout_usec, uint64_t ping_usec);

/*
 * Resolve config->wpas_ctrl to a socket path: a socket is used as is; in a
 * directory the first p2p-dev-* socket wins, then any other socket except
 * p2p-<if>-<n> group sockets and "global". -ENOENT when there is none.
 */
int wpas_find_ctrl_path(const char *path, char **ret);

struct wpas_cmd_list;
/*
 * The commands that apply our settings on link up, in order
 * (protocol/wpas_cmd.h, from the configuration). Exposed so the test with
 * the real wpa_supplicant checks each one is accepted. 0 or -EINVAL.
 */
int wpas_settings_commands(const struct p2p_config *config, struct wpas_cmd_list *ret);
/* Just the WFD part, re-sent before each P2P_FIND and P2P_CONNECT. */
int wpas_wfd_commands(const struct p2p_config *config, struct wpas_cmd_list *ret);
