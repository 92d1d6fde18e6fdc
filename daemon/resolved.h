/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * DNS-SD through systemd-resolved's D-Bus API (org.freedesktop.resolve1),
 * the second backend for MS-MICE discovery beside daemon/avahi.h.
 *
 * resolved's D-Bus API can resolve a named instance (Manager.ResolveService:
 * SRV, TXT and the host's addresses, over mDNS for ".local") but not browse:
 * systemd 252 (Debian 12) has no call that lists the instances of a service
 * type, on D-Bus or Varlink; later systemd releases added one on Varlink
 * only. So this backend resolves the instance names it is given (config
 * mice-sinks), now and every interval while started, and reports each
 * (interface, IP version) address as a record through struct dnssd_owner:
 * found when it resolves, lost when it no longer does. Never auto-starts
 * systemd-resolved.
 */
#pragma once

#include <stdint.h>
#include <systemd/sd-event.h>

#include "dnssd.h"

struct resolved_resolver;

#define RESOLVED_RESOLVE_INTERVAL_USEC (30ULL * 1000 * 1000)
#define RESOLVED_MAX_NAMES 16

/*
 * Resolve names (a copy is kept; at most RESOLVED_MAX_NAMES) of type
 * ("_display._tcp") in domain "local" on bus ("system" or a D-Bus address,
 * for tests), every interval_usec (0: RESOLVED_RESOLVE_INTERVAL_USEC) once
 * started. owner is copied. Returns 0, -EINVAL, -E2BIG, or -errno from
 * connecting to the bus.
 */
int resolved_resolver_new(sd_event *event, const char *bus, const char *type, const char *const *names,
                          size_t n_names, uint64_t interval_usec, const struct dnssd_owner *owner,
                          struct resolved_resolver **ret);
/* Resolve now and then every interval. Idempotent. */
int resolved_resolver_start(struct resolved_resolver *r);
/* Stop resolving; what was found is kept (and re-checked on the next start). */
void resolved_resolver_stop(struct resolved_resolver *r);
/* Accepts NULL, returns NULL. Reports nothing. */
struct resolved_resolver *resolved_resolver_free(struct resolved_resolver *r);
