/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * MS-MICE (Miracast over Infrastructure): casting to a sink over the LAN the
 * source already shares with it, no Wi-Fi Direct. See docs/mice.md.
 *
 * Discovery: daemon/avahi.h browses "_display._tcp"; each resolved
 * instance becomes a sink (Sink1.Protocol "mice"), or adds "mice" to the
 * Wi-Fi Direct sink whose device address the TXT key p2pMAC names.
 *
 * Cast (the manager calls it like a P2P backend, struct p2p_backend in
 * manager.h): TCP to the sink's port 7250; once connected, an RTSP listener
 * on the local address of that connection (7236, else an ephemeral port),
 * SOURCE_READY (friendly name, that port, our source id); the sink must
 * connect to the listener from its own address within MICE_CONNECT_BACK_USEC
 * (anyone else is refused), and that connection runs the usual session
 * (context_start_session()). The listener closes after that one connection.
 * STOP_PROJECTION ends the cast in both directions; any other message, bytes
 * that are not MS-MICE, or a silent sink end the attempt with the reason.
 */
#pragma once

#include <stdint.h>

struct manager;
struct p2p_config;
struct mice;

#define MICE_CONNECT_USEC       (10ULL * 1000 * 1000)  /* TCP connect to 7250 */
#define MICE_CONNECT_BACK_USEC  (10ULL * 1000 * 1000)  /* SOURCE_READY -> the sink's RTSP connection */

/*
 * Set up MS-MICE for the manager when config->mice is on: an Avahi client on
 * the system bus (a missing or restarting avahi-daemon is waited for) and
 * the cast transport (manager_set_mice()). *ret is NULL when off.
 * config must outlive it.
 */
int mice_new(struct manager *m, const struct p2p_config *config, struct mice **ret);
/* Ends casts (STOP_PROJECTION sent), unplugs from the manager. Accepts NULL, returns NULL. */
struct mice *mice_free(struct mice *mc);
