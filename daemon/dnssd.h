/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a DNS-SD backend reports about the instances of one service type
 * (daemon/avahi.h browses through avahi-daemon, daemon/resolved.h resolves
 * named instances through systemd-resolved): one record per instance,
 * interface and IP version, found (again, possibly with new data) or lost.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

#include "../protocol/mice_msg.h"

/* One resolved instance; views valid during the callback only. */
struct dnssd_service {
        const char *name;             /* instance name (UTF-8 from the network: sanitize before showing) */
        int ifindex;                  /* also the scope of a link-local address */
        int family;                   /* AF_INET or AF_INET6: the mDNS transport, part of the record's key */
        const char *host;             /* "tv.local" */
        const char *address;          /* numeric, without scope */
        int address_family;           /* AF_INET or AF_INET6 */
        uint16_t port;
        const struct mice_display_txt *txt;
};

struct dnssd_owner {
        /* Resolved for the first time, or resolved again with changed data. */
        void (*service_found)(void *userdata, const struct dnssd_service *service);
        void (*service_lost)(void *userdata, const char *name, int ifindex, int family);
        /* The backend discovers now (true) or not (stopped, its daemon gone, a browser failed). */
        void (*browsing_changed)(void *userdata, bool browsing);
        void *userdata;
};

/*
 * Read the TXT strings of a resolved instance (D-Bus "aay", as Avahi's and
 * systemd-resolved's ResolveService both reply) into *ret. An entry
 * mice_display_txt_add() refuses counts in ret->n_bad, not as an error;
 * errors are the bus message's own (a reply of the wrong shape).
 */
int dnssd_read_txt(sd_bus_message *m, struct mice_display_txt *ret);
