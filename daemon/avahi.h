/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * DNS-SD browsing through Avahi's D-Bus API on the system bus: one service
 * type (for us "_display._tcp", MS-MICE sinks), IPv4 and IPv6, every
 * interface. An instance is one record per (interface, IP version); each is
 * resolved to an address of its own version, so a sink announced over IPv6
 * only is found with its (often link-local) IPv6 address and the interface
 * that gives it its scope.
 * We never answer or send mDNS ourselves; avahi-daemon does, and shares its
 * cache with every other client on the machine.
 *
 * Per instance: org.freedesktop.Avahi.Server2.ServiceBrowserPrepare, then
 * Start on the browser object once our signal match is in place (the
 * race-free form of ServiceBrowserNew, avahi >= 0.8); each ItemNew is
 * resolved with Server.ResolveService (address, port, TXT), each ItemRemove
 * reported. Avahi absent, stopping or restarting: the browser waits for the
 * name org.freedesktop.Avahi to come back (NameOwnerChanged) and browses
 * again; services it knew are reported lost when it leaves. Nothing auto-
 * starts avahi-daemon on our behalf.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "dnssd.h"

struct avahi_browser;

/*
 * Create the browser for type ("_display._tcp") on bus ("system" or a D-Bus
 * address, for tests). Connects to the bus at once (-errno when it cannot);
 * browsing starts with avahi_browser_start(). owner is copied.
 */
int avahi_browser_new(sd_event *event, const char *bus, const char *type, const struct dnssd_owner *owner,
                      struct avahi_browser **ret);
/* Browse from now on (now, or when avahi-daemon appears). Idempotent. */
int avahi_browser_start(struct avahi_browser *b);
/* Stop browsing; services already found are kept (and re-checked on the next start). */
void avahi_browser_stop(struct avahi_browser *b);
/* Accepts NULL, returns NULL. Reports nothing. */
struct avahi_browser *avahi_browser_free(struct avahi_browser *b);
