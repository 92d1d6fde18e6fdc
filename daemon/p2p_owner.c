/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the P2P backends (wpas.c, nm.c) report to their owner alike (p2p.h). */
#include "p2p.h"

#include "../protocol/wfd_ie.h"
#include "log.h"

void p2p_owner_peer_changed(const struct p2p_owner *owner, const char *address, const char *name,
                            const struct wfd_device_info *info, int16_t signal_dbm, bool is_group_owner)
{
        struct p2p_peer peer = {
                .address = address,
                .name = name,
                .device_type = wfd_device_type_to_string(wfd_device_info_type(info)),
                .session_available = wfd_device_info_available(info),
                .max_throughput_mbps = info->max_throughput_mbps,
                .control_port = info->control_port,
                .signal_dbm = signal_dbm,
                .is_group_owner = is_group_owner,
        };

        if (owner->peer_changed)
                owner->peer_changed(owner->userdata, &peer);
}

void p2p_owner_set_discovering(const struct p2p_owner *owner, bool *discovering, bool on)
{
        if (*discovering == on)
                return;
        *discovering = on;
        if (owner->discovering_changed)
                owner->discovering_changed(owner->userdata, on);
}

void p2p_owner_connection_ended(const struct p2p_owner *owner, const char *log_prefix, const char *peer, bool was_up,
                                int error, const char *reason)
{
        if (was_up) {
                log_info("%s: group with %s ended: %s", log_prefix, peer, reason);
                if (owner->group_down)
                        owner->group_down(owner->userdata, peer, error, reason);
        } else {
                log_warning("%s: connecting to %s failed: %s", log_prefix, peer, reason);
                if (owner->connect_failed)
                        owner->connect_failed(owner->userdata, peer, error, reason);
        }
}
