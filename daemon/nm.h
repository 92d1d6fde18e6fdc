/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The `nm` P2P backend: NetworkManager's Wi-Fi P2P device over D-Bus
 * (docs/p2p.md, "The nm backend"). NetworkManager owns wpa_supplicant, the group,
 * addressing (shared mode when GO, DHCP when client) and the firewall zone;
 * we only ask:
 *
 *   discovery -> Device.WifiP2P.StartFind({timeout}) re-issued while wanted,
 *                Peers / PeerAdded / PeerRemoved; peers whose WfdIEs say
 *                "sink" become sinks (Name, HwAddress, Strength)
 *   connect   -> AddAndActivateConnection2 with a volatile wifi-p2p
 *                connection (peer, our wfd-ies, ipv4 auto, never-default),
 *                bound to our D-Bus client; Connection.Active state
 *                ACTIVATED -> group up (IpInterface, Ip4Config address and
 *                gateway), DEACTIVATED -> failed / group down
 *   end       -> DeactivateConnection
 *
 * NetworkManager restarting: its bus name is watched. When it leaves, a
 * pending connect fails and a group's session ends (reason "NetworkManager
 * left the bus ..."), its peers are reported lost, discovery stops and
 * state_changed(false) says why. When a new owner appears, the Wi-Fi P2P
 * device is looked up again (device paths are renumbered; retried with
 * backoff up to 5 s until the device is available), state_changed(true),
 * peers are read again and discovery resumes if it was wanted. Our WFD IEs
 * travel in each wifi-p2p connection, so the next cast carries them again.
 * The same happens when NetworkManager stays but the P2P device goes out of
 * service (its State drops to unavailable, or DeviceRemoved): detach with
 * the reason, then look for a usable device again.
 *
 * p2p-firewall-zone sets the connection's connection.zone, so NetworkManager
 * puts the group netdev into that firewalld zone.
 *
 * NetworkManager (up to at least 1.42) only does push-button with GO intent 7
 * and never joins a running group: it ignores wifi-p2p.wps-method and has no
 * PIN setting. A PIN cast is refused with -EOPNOTSUPP, and connect_refusal()
 * says so and points to p2p-backend=wpas (Sink1.Cast's D-Bus error message).
 */
#pragma once

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "p2p.h"

struct nm;

extern const struct p2p_ops nm_p2p_ops;

/*
 * Use the NetworkManager on bus_address ("system" or a D-Bus address); an
 * installed NetworkManager that does not run is never D-Bus-activated.
 * Returns -ENODEV when NetworkManager runs but manages no Wi-Fi P2P device,
 * -EHOSTDOWN when it does not run (so "auto" falls back to wpas). With
 * config->backend "nm" those two are waited for instead: 0, then
 * state_changed(false, "waiting for ...") and state_changed(true) once the
 * device is usable (as after a restart).
 */
int nm_new(sd_event *event, const struct p2p_config *config, const char *bus_address,
           const struct p2p_owner *owner, struct nm **ret);
struct nm *nm_free(struct nm *n);
