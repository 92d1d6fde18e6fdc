/* SPDX-License-Identifier: GPL-2.0-or-later */
/* daemon/resolved.h: named DNS-SD instances resolved through systemd-resolved. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <systemd/sd-bus.h>

#include "../protocol/macro.h"
#include "dnssd.h"
#include "log.h"
#include "resolved.h"

#define RESOLVED_NAME       "org.freedesktop.resolve1"
#define RESOLVED_PATH       "/org/freedesktop/resolve1"
#define RESOLVED_MANAGER    "org.freedesktop.resolve1.Manager"
#define RESOLVED_CALL_USEC  (10ULL * 1000 * 1000)   /* mDNS may take a few seconds to answer */
/* Addresses remembered per instance (interfaces x IP versions); more are not reported. */
#define RESOLVED_MAX_RECORDS 8

struct resolved_record {
        int ifindex;
        int family;
};

struct resolved_instance {
        struct resolved_resolver *resolver;      /* not owned */
        char *name;                              /* owned */
        sd_bus_slot *slot;                       /* owned: ResolveService in flight */
        size_t n_reported;
        struct resolved_record reported[RESOLVED_MAX_RECORDS];
};

struct resolved_resolver {
        sd_event *event;                         /* reference */
        sd_bus *bus;                             /* owned */
        char *type;                              /* owned */
        struct dnssd_owner owner;
        uint64_t interval_usec;
        bool started;
        bool warned_absent;                      /* "not running" logged once */
        sd_event_source *timer;                  /* owned: the next round */
        size_t n_instances;
        struct resolved_instance instances[RESOLVED_MAX_NAMES];
};

static void resolved_report_lost(struct resolved_instance *in, const struct resolved_record *keep, size_t n_keep)
{
        struct resolved_resolver *r = in->resolver;
        size_t kept = 0;

        for (size_t i = 0; i < in->n_reported; i++) {
                bool still = false;

                for (size_t k = 0; k < n_keep && !still; k++)
                        still = keep[k].ifindex == in->reported[i].ifindex && keep[k].family == in->reported[i].family;
                if (still) {
                        in->reported[kept++] = in->reported[i];
                        continue;
                }
                if (r->owner.service_lost)
                        r->owner.service_lost(r->owner.userdata, in->name, in->reported[i].ifindex,
                                              in->reported[i].family);
        }
        in->n_reported = kept;
}

/*
 * Reply: a(qqqsa(iiay)s) srv_data, aay txt_data, s name, s type, s domain, t flags.
 * The SRV entries come first, the TXT after them, so the addresses are collected and
 * reported once the TXT is read.
 */
static int resolved_on_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct resolved_instance *in = userdata;
        struct resolved_resolver *r = in->resolver;
        struct {
                int ifindex, family;
                char address[INET6_ADDRSTRLEN];
                uint16_t port;
                char host[256];
        } found[RESOLVED_MAX_RECORDS];
        struct resolved_record now[RESOLVED_MAX_RECORDS];
        struct mice_display_txt txt;
        size_t n = 0;
        int k;

        in->slot = sd_bus_slot_unref(in->slot);
        if (sd_bus_message_is_method_error(m, NULL)) {
                const sd_bus_error *e = sd_bus_message_get_error(m);

                if (sd_bus_error_has_name(e, SD_BUS_ERROR_SERVICE_UNKNOWN) ||
                    sd_bus_error_has_name(e, SD_BUS_ERROR_NAME_HAS_NO_OWNER)) {
                        if (!r->warned_absent)
                                log_notice("systemd-resolved is not running: MS-MICE sinks named in mice-sinks are "
                                           "not resolved");
                        r->warned_absent = true;
                        return 0;        /* nothing known changed: keep what was found */
                }
                log_debug("resolved: \"%s\" does not resolve (%s); %s", in->name, e->message,
                          in->n_reported ? "reporting it lost" : "not found");
                resolved_report_lost(in, NULL, 0);
                return 0;
        }
        r->warned_absent = false;

        k = sd_bus_message_enter_container(m, 'a', "(qqqsa(iiay)s)");
        while (k >= 0 && sd_bus_message_enter_container(m, 'r', "qqqsa(iiay)s") > 0) {
                uint16_t priority, weight, port;
                const char *host, *canonical;

                k = sd_bus_message_read(m, "qqqs", &priority, &weight, &port, &host);
                if (k >= 0)
                        k = sd_bus_message_enter_container(m, 'a', "(iiay)");
                while (k >= 0 && sd_bus_message_enter_container(m, 'r', "iiay") > 0) {
                        int32_t ifindex, family;
                        const void *addr;
                        size_t len;

                        k = sd_bus_message_read(m, "ii", &ifindex, &family);
                        if (k >= 0)
                                k = sd_bus_message_read_array(m, 'y', &addr, &len);
                        if (k >= 0)
                                k = sd_bus_message_exit_container(m);
                        if (k < 0)
                                break;
                        if (!((family == AF_INET && len == 4) || (family == AF_INET6 && len == 16)) || ifindex < 0 ||
                            n >= RESOLVED_MAX_RECORDS)
                                continue;
                        found[n].ifindex = ifindex;
                        found[n].family = family;
                        found[n].port = port;
                        (void) inet_ntop(family, addr, found[n].address, sizeof(found[n].address));
                        snprintf(found[n].host, sizeof(found[n].host), "%s", host);
                        n++;
                }
                if (k >= 0)
                        k = sd_bus_message_exit_container(m);
                if (k >= 0)
                        k = sd_bus_message_read(m, "s", &canonical);
                if (k >= 0)
                        k = sd_bus_message_exit_container(m);
        }
        if (k >= 0)
                k = sd_bus_message_exit_container(m);
        if (k >= 0)
                k = dnssd_read_txt(m, &txt);
        if (k < 0) {
                log_warning_errno(k, "resolved: malformed ResolveService reply for \"%s\", ignoring: %m", in->name);
                return 0;
        }

        for (size_t i = 0; i < n; i++) {
                now[i] = (struct resolved_record) { found[i].ifindex, found[i].family };
                log_debug("resolved: \"%s\" (%s) on interface %d: %s port %u, container_id %s", in->name,
                          found[i].host, found[i].ifindex, found[i].address, found[i].port,
                          txt.has_container_id ? txt.container_id : "-");
        }
        resolved_report_lost(in, now, n);
        for (size_t i = 0; i < n; i++) {
                bool known = false;

                for (size_t j = 0; j < in->n_reported && !known; j++)
                        known = in->reported[j].ifindex == now[i].ifindex && in->reported[j].family == now[i].family;
                if (!known && in->n_reported < RESOLVED_MAX_RECORDS)
                        in->reported[in->n_reported++] = now[i];
                if (r->owner.service_found)
                        r->owner.service_found(r->owner.userdata, &(struct dnssd_service) {
                                .name = in->name,
                                .ifindex = found[i].ifindex,
                                .family = found[i].family,
                                .host = found[i].host,
                                .address = found[i].address,
                                .address_family = found[i].family,
                                .port = found[i].port,
                                .txt = &txt,
                        });
        }
        return 0;
}

static int resolved_resolve(struct resolved_instance *in)
{
        struct resolved_resolver *r = in->resolver;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int k;

        if (in->slot)
                return 0;        /* the last round has not answered yet */
        k = sd_bus_message_new_method_call(r->bus, &m, RESOLVED_NAME, RESOLVED_PATH, RESOLVED_MANAGER,
                                           "ResolveService");
        /* any interface, both IP versions, default flags (".local" goes to mDNS) */
        if (k >= 0)
                k = sd_bus_message_append(m, "isssit", (int32_t) 0, in->name, r->type, "local", (int32_t) AF_UNSPEC,
                                          (uint64_t) 0);
        if (k >= 0)
                k = sd_bus_message_set_auto_start(m, false);
        if (k >= 0)
                k = sd_bus_call_async(r->bus, &in->slot, m, resolved_on_reply, in, RESOLVED_CALL_USEC);
        return k;
}

static int resolved_on_timer(sd_event_source *source, uint64_t usec, void *userdata)
{
        struct resolved_resolver *r = userdata;
        int k;

        for (size_t i = 0; i < r->n_instances; i++) {
                k = resolved_resolve(&r->instances[i]);
                if (k < 0)
                        log_warning_errno(k, "resolved: cannot resolve \"%s\": %m", r->instances[i].name);
        }
        k = sd_event_source_set_time_relative(source, r->interval_usec);
        if (k >= 0)
                k = sd_event_source_set_enabled(source, SD_EVENT_ONESHOT);
        if (k < 0)
                log_warning_errno(k, "resolved: cannot schedule the next round: %m");
        return 0;
}

int resolved_resolver_new(sd_event *event, const char *bus, const char *type, const char *const *names,
                          size_t n_names, uint64_t interval_usec, const struct dnssd_owner *owner,
                          struct resolved_resolver **ret)
{
        struct resolved_resolver *r;
        int k;

        if (!event || !bus || !type || (!names && n_names) || !owner || !ret)
                return -EINVAL;
        if (n_names > RESOLVED_MAX_NAMES)
                return -E2BIG;
        r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        r->event = sd_event_ref(event);
        r->owner = *owner;
        r->interval_usec = interval_usec ?: RESOLVED_RESOLVE_INTERVAL_USEC;
        r->type = strdup(type);
        if (!r->type) {
                resolved_resolver_free(r);
                return -ENOMEM;
        }
        for (size_t i = 0; i < n_names; i++) {
                if (!names[i] || !names[i][0]) {
                        resolved_resolver_free(r);
                        return -EINVAL;
                }
                r->instances[i].resolver = r;
                r->instances[i].name = strdup(names[i]);
                if (!r->instances[i].name) {
                        resolved_resolver_free(r);
                        return -ENOMEM;
                }
                r->n_instances++;
        }
        if (strcmp(bus, "system") == 0)
                k = sd_bus_open_system(&r->bus);
        else {
                k = sd_bus_new(&r->bus);
                if (k >= 0)
                        k = sd_bus_set_address(r->bus, bus);
                if (k >= 0)
                        k = sd_bus_set_bus_client(r->bus, true);
                if (k >= 0)
                        k = sd_bus_start(r->bus);
        }
        if (k >= 0)
                k = sd_bus_attach_event(r->bus, event, SD_EVENT_PRIORITY_NORMAL);
        if (k < 0) {
                resolved_resolver_free(r);
                return k;
        }
        *ret = r;
        return 0;
}

int resolved_resolver_start(struct resolved_resolver *r)
{
        int k;

        if (!r)
                return -EINVAL;
        if (r->started)
                return 0;
        if (r->n_instances == 0)
                return 0;        /* nothing to resolve: not discovering either */
        k = sd_event_add_time_relative(r->event, &r->timer, CLOCK_MONOTONIC, 0, 0, resolved_on_timer, r);
        if (k < 0)
                return k;
        r->started = true;
        log_info("resolved: resolving %zu %s instance%s through systemd-resolved", r->n_instances, r->type,
                 r->n_instances == 1 ? "" : "s");
        if (r->owner.browsing_changed)
                r->owner.browsing_changed(r->owner.userdata, true);
        return 0;
}

void resolved_resolver_stop(struct resolved_resolver *r)
{
        if (!r || !r->started)
                return;
        r->timer = sd_event_source_disable_unref(r->timer);
        for (size_t i = 0; i < r->n_instances; i++)
                r->instances[i].slot = sd_bus_slot_unref(r->instances[i].slot);
        r->started = false;
        if (r->owner.browsing_changed)
                r->owner.browsing_changed(r->owner.userdata, false);
}

struct resolved_resolver *resolved_resolver_free(struct resolved_resolver *r)
{
        if (!r)
                return NULL;
        r->timer = sd_event_source_disable_unref(r->timer);
        for (size_t i = 0; i < r->n_instances; i++) {
                r->instances[i].slot = sd_bus_slot_unref(r->instances[i].slot);
                free(r->instances[i].name);
        }
        r->bus = sd_bus_flush_close_unref(r->bus);
        sd_event_unref(r->event);
        free(r->type);
        free(r);
        return NULL;
}
