/* SPDX-License-Identifier: GPL-2.0-or-later */
/* daemon/avahi.h: DNS-SD browsing through avahi-daemon's D-Bus API. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <systemd/sd-bus.h>

#include "../protocol/macro.h"
#include "avahi.h"
#include "log.h"

#define AVAHI_NAME          "org.freedesktop.Avahi"
#define AVAHI_SERVER        "org.freedesktop.Avahi.Server"
#define AVAHI_SERVER2       "org.freedesktop.Avahi.Server2"
#define AVAHI_BROWSER_IFACE "org.freedesktop.Avahi.ServiceBrowser"
#define AVAHI_IF_UNSPEC     (-1)
#define AVAHI_PROTO_UNSPEC  (-1)      /* browse over IPv4 and IPv6 mDNS */
#define AVAHI_PROTO_INET    0
#define AVAHI_PROTO_INET6   1
/* At most this many instances tracked; a LAN announcing more is not a meeting room. */
#define AVAHI_MAX_SERVICES  64

struct avahi_record {
        struct avahi_browser *browser; /* not owned */
        char *name;                   /* owned */
        char *type, *domain;          /* owned */
        int ifindex;
        int protocol;                 /* AVAHI_PROTO_INET/INET6: the mDNS transport it came over */
        bool resolved;                /* reported through service_found */
        bool seen;                    /* announced by the current browser */
        sd_bus_slot *resolve_slot;    /* owned: ResolveService in flight */
        struct avahi_record *next;
};

struct avahi_browser {
        sd_event *event;              /* reference */
        sd_bus *bus;                  /* owned */
        char *type;                   /* owned */
        struct dnssd_owner owner;
        bool wanted;                  /* avahi_browser_start() without stop */
        bool avahi_present;           /* org.freedesktop.Avahi has an owner */
        char *browser_path;           /* owned: avahi's browser object, NULL when none */
        sd_bus_slot *name_slot;       /* owned: NameOwnerChanged of org.freedesktop.Avahi */
        sd_bus_slot *signal_slot;     /* owned: the browser's signals */
        sd_bus_slot *call_slot;       /* owned: Prepare/Start/GetNameOwner in flight */
        struct avahi_record *records; /* owned list */
        unsigned n_records;
        bool browsing;                /* as last reported */
};

static void avahi_set_browsing(struct avahi_browser *b, bool browsing)
{
        if (b->browsing == browsing)
                return;
        b->browsing = browsing;
        if (b->owner.browsing_changed)
                b->owner.browsing_changed(b->owner.userdata, browsing);
}

static struct avahi_record *avahi_record_free(struct avahi_record *r)
{
        if (!r)
                return NULL;
        r->resolve_slot = sd_bus_slot_unref(r->resolve_slot);
        free(r->name);
        free(r->type);
        free(r->domain);
        free(r);
        return NULL;
}

static int avahi_family(int protocol)
{
        return protocol == AVAHI_PROTO_INET6 ? AF_INET6 : AF_INET;
}

/* Unlink and free r, reporting it lost when it had been reported found. */
static void avahi_record_drop(struct avahi_browser *b, struct avahi_record *r)
{
        _cleanup_free_ char *name = NULL;
        int ifindex = r->ifindex, family = avahi_family(r->protocol);
        bool report = r->resolved;

        for (struct avahi_record **p = &b->records; *p; p = &(*p)->next)
                if (*p == r) {
                        *p = r->next;
                        b->n_records--;
                        break;
                }
        name = steal_ptr(r->name);
        avahi_record_free(r);
        if (report && b->owner.service_lost)
                b->owner.service_lost(b->owner.userdata, name, ifindex, family);
}

static struct avahi_record *avahi_record_find(struct avahi_browser *b, const char *name, int ifindex, int protocol)
{
        for (struct avahi_record *r = b->records; r; r = r->next)
                if (r->ifindex == ifindex && r->protocol == protocol && strcmp(r->name, name) == 0)
                        return r;
        return NULL;
}

/* The browser object is gone (stopped, failed, avahi left). Records stay unless forget. */
static void avahi_drop_browser(struct avahi_browser *b, bool forget)
{
        b->signal_slot = sd_bus_slot_unref(b->signal_slot);
        b->call_slot = sd_bus_slot_unref(b->call_slot);
        if (b->browser_path && b->avahi_present)
                (void) sd_bus_call_method_async(b->bus, NULL, AVAHI_NAME, b->browser_path, AVAHI_BROWSER_IFACE, "Free",
                                                NULL, NULL, NULL);
        free(b->browser_path);
        b->browser_path = NULL;
        for (struct avahi_record *r = b->records; r; r = r->next)
                r->resolve_slot = sd_bus_slot_unref(r->resolve_slot);
        while (forget && b->records)
                avahi_record_drop(b, b->records);
        avahi_set_browsing(b, false);
}

/* ---- resolving ------------------------------------------------------------------- */

static int avahi_on_resolved(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct avahi_record *rec = userdata;
        struct avahi_browser *b = rec->browser;
        const char *name, *type, *domain, *host, *address;
        int32_t ifindex, protocol, aprotocol;
        struct mice_display_txt txt;
        uint16_t port;
        uint32_t flags;
        int r;

        rec->resolve_slot = sd_bus_slot_unref(rec->resolve_slot);
        if (sd_bus_message_is_method_error(m, NULL)) {
                /* Announced but not resolvable now (gone again, no A record): keep quiet, a later
                 * ItemNew retries. */
                log_debug("Avahi: cannot resolve \"%s\" on interface %d: %s", rec->name, rec->ifindex,
                          sd_bus_message_get_error(m)->message);
                return 0;
        }
        r = sd_bus_message_read(m, "iissssisq", &ifindex, &protocol, &name, &type, &domain, &host, &aprotocol,
                                &address, &port);
        if (r >= 0)
                r = dnssd_read_txt(m, &txt);
        if (r >= 0)
                r = sd_bus_message_read(m, "u", &flags);
        if (r < 0) {
                log_warning_errno(r, "Avahi: malformed ResolveService reply for \"%s\", ignoring: %m", rec->name);
                return 0;
        }
        if (aprotocol != AVAHI_PROTO_INET && aprotocol != AVAHI_PROTO_INET6) {
                log_debug("Avahi: \"%s\" resolved to an address of protocol %d, ignoring", rec->name, aprotocol);
                return 0;
        }
        rec->resolved = true;
        log_debug("Avahi: resolved \"%s\" (%s) on interface %d over %s: %s port %u, container_id %s, p2pMAC %s", rec->name,
                  host, rec->ifindex, rec->protocol == AVAHI_PROTO_INET6 ? "IPv6" : "IPv4", address, port,
                  txt.has_container_id ? txt.container_id : "-", txt.has_p2p_mac ? "yes" : "-");
        if (b->owner.service_found)
                b->owner.service_found(b->owner.userdata, &(struct dnssd_service) {
                        .name = rec->name,
                        .ifindex = rec->ifindex,
                        .family = avahi_family(rec->protocol),
                        .host = host,
                        .address = address,
                        .address_family = avahi_family(aprotocol),
                        .port = port,
                        .txt = &txt,
                });
        return 0;
}

static int avahi_resolve(struct avahi_browser *b, struct avahi_record *rec)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        rec->resolve_slot = sd_bus_slot_unref(rec->resolve_slot);
        r = sd_bus_message_new_method_call(b->bus, &m, AVAHI_NAME, "/", AVAHI_SERVER, "ResolveService");
        if (r >= 0)
                /* The address of the record's own family: an IPv6-only sink has no A record. */
                r = sd_bus_message_append(m, "iisssiu", (int32_t) rec->ifindex, (int32_t) rec->protocol, rec->name,
                                          rec->type, rec->domain, (int32_t) rec->protocol, (uint32_t) 0);
        if (r >= 0)
                r = sd_bus_message_set_auto_start(m, false);
        if (r >= 0)
                r = sd_bus_call_async(b->bus, &rec->resolve_slot, m, avahi_on_resolved, rec, 0);
        return r;
}

/* ---- browser signals --------------------------------------------------------------- */

static int avahi_on_browser_signal(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct avahi_browser *b = userdata;
        const char *member = sd_bus_message_get_member(m);
        const char *name, *type, *domain;
        int32_t ifindex, protocol;
        uint32_t flags;
        struct avahi_record *rec;
        int r;

        if (!member || !b->browser_path || strcmp(sd_bus_message_get_path(m) ?: "", b->browser_path) != 0)
                return 0;
        if (strcmp(member, "Failure") == 0) {
                const char *why = NULL;
                (void) sd_bus_message_read(m, "s", &why);
                log_warning("Avahi: browsing %s failed: %s", b->type, why ?: "unknown reason");
                avahi_drop_browser(b, false);
                return 0;
        }
        if (strcmp(member, "AllForNow") == 0) {
                /* Instances from an earlier browse that were not announced again are gone. */
                for (struct avahi_record *r2 = b->records, *next; r2; r2 = next) {
                        next = r2->next;
                        if (!r2->seen)
                                avahi_record_drop(b, r2);
                }
                return 0;
        }
        if (strcmp(member, "ItemNew") != 0 && strcmp(member, "ItemRemove") != 0)
                return 0;
        r = sd_bus_message_read(m, "iisssu", &ifindex, &protocol, &name, &type, &domain, &flags);
        if (r < 0) {
                log_warning_errno(r, "Avahi: malformed %s signal, ignoring: %m", member);
                return 0;
        }
        if (protocol != AVAHI_PROTO_INET && protocol != AVAHI_PROTO_INET6)
                return 0;
        rec = avahi_record_find(b, name, ifindex, protocol);
        if (strcmp(member, "ItemRemove") == 0) {
                log_debug("Avahi: \"%s\" on interface %d (%s) removed", name, ifindex,
                          protocol == AVAHI_PROTO_INET6 ? "IPv6" : "IPv4");
                if (rec)
                        avahi_record_drop(b, rec);
                return 0;
        }
        log_debug("Avahi: \"%s\" (%s in %s) on interface %d (%s) announced", name, type, domain, ifindex,
                  protocol == AVAHI_PROTO_INET6 ? "IPv6" : "IPv4");
        if (!rec) {
                if (b->n_records >= AVAHI_MAX_SERVICES) {
                        log_warning("Avahi: more than %d %s instances, ignoring \"%s\"", AVAHI_MAX_SERVICES, b->type,
                                    name);
                        return 0;
                }
                rec = calloc(1, sizeof(*rec));
                if (!rec || !(rec->name = strdup(name)) || !(rec->type = strdup(type)) ||
                    !(rec->domain = strdup(domain))) {
                        avahi_record_free(rec);
                        return log_warning_errno(-ENOMEM, "Avahi: out of memory, ignoring \"%s\"", name), 0;
                }
                rec->browser = b;
                rec->ifindex = ifindex;
                rec->protocol = protocol;
                rec->next = b->records;
                b->records = rec;
                b->n_records++;
        }
        rec->seen = true;
        r = avahi_resolve(b, rec);
        if (r < 0)
                log_warning_errno(r, "Avahi: cannot resolve \"%s\", ignoring: %m", name);
        return 0;
}

/* ---- browser life cycle -------------------------------------------------------------- */

static int avahi_on_started(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct avahi_browser *b = userdata;

        b->call_slot = sd_bus_slot_unref(b->call_slot);
        if (sd_bus_message_is_method_error(m, NULL)) {
                log_warning("Avahi: starting the %s browser failed: %s", b->type, sd_bus_message_get_error(m)->message);
                avahi_drop_browser(b, false);
                return 0;
        }
        log_info("Avahi: browsing for %s", b->type);
        avahi_set_browsing(b, true);
        return 0;
}

static int avahi_on_prepared(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct avahi_browser *b = userdata;
        const char *path;
        int r;

        b->call_slot = sd_bus_slot_unref(b->call_slot);
        if (sd_bus_message_is_method_error(m, NULL)) {
                const sd_bus_error *e = sd_bus_message_get_error(m);
                if (sd_bus_error_has_name(e, SD_BUS_ERROR_UNKNOWN_METHOD) ||
                    sd_bus_error_has_name(e, SD_BUS_ERROR_UNKNOWN_INTERFACE))
                        log_warning("Avahi: avahi-daemon lacks %s.ServiceBrowserPrepare (older than 0.8), "
                                    "not browsing for MS-MICE sinks", AVAHI_SERVER2);
                else
                        log_warning("Avahi: cannot browse for %s: %s", b->type, e->message);
                return 0;
        }
        r = sd_bus_message_read(m, "o", &path);
        if (r < 0 || !(b->browser_path = strdup(path))) {
                log_warning_errno(r < 0 ? r : -ENOMEM, "Avahi: bad ServiceBrowserPrepare reply: %m");
                return 0;
        }
        /* Match first, then Start: no ItemNew can slip between the two. */
        r = sd_bus_match_signal_async(b->bus, &b->signal_slot, AVAHI_NAME, b->browser_path, AVAHI_BROWSER_IFACE, NULL,
                                      avahi_on_browser_signal, NULL, b);
        if (r >= 0)
                r = sd_bus_call_method_async(b->bus, &b->call_slot, AVAHI_NAME, b->browser_path, AVAHI_BROWSER_IFACE,
                                             "Start", avahi_on_started, b, NULL);
        if (r < 0) {
                log_warning_errno(r, "Avahi: cannot start the %s browser: %m", b->type);
                avahi_drop_browser(b, false);
        }
        return 0;
}

static int avahi_create_browser(struct avahi_browser *b)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        if (b->browser_path || b->call_slot)
                return 0;
        for (struct avahi_record *rec = b->records; rec; rec = rec->next)
                rec->seen = false;
        r = sd_bus_message_new_method_call(b->bus, &m, AVAHI_NAME, "/", AVAHI_SERVER2, "ServiceBrowserPrepare");
        if (r >= 0)
                r = sd_bus_message_append(m, "iissu", (int32_t) AVAHI_IF_UNSPEC, (int32_t) AVAHI_PROTO_UNSPEC, b->type,
                                          "local", (uint32_t) 0);
        if (r >= 0)
                r = sd_bus_message_set_auto_start(m, false);
        if (r >= 0)
                r = sd_bus_call_async(b->bus, &b->call_slot, m, avahi_on_prepared, b, 0);
        return r;
}

static void avahi_set_present(struct avahi_browser *b, bool present)
{
        if (present == b->avahi_present)
                return;
        b->avahi_present = present;
        if (!present) {
                log_notice("Avahi: avahi-daemon left the bus; MS-MICE sinks are not discovered until it is back");
                /* Its objects died with it; what it announced can no longer be followed. */
                avahi_drop_browser(b, true);
                return;
        }
        log_info("Avahi: avahi-daemon is on the bus");
        if (b->wanted) {
                int r = avahi_create_browser(b);
                if (r < 0)
                        log_warning_errno(r, "Avahi: cannot browse for %s: %m", b->type);
        }
}

static int avahi_on_name_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct avahi_browser *b = userdata;
        const char *name, *old_owner, *new_owner;

        if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0 || strcmp(name, AVAHI_NAME) != 0)
                return 0;
        if (*old_owner)
                avahi_set_present(b, false);
        if (*new_owner)
                avahi_set_present(b, true);
        return 0;
}

static int avahi_on_get_name_owner(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct avahi_browser *b = userdata;

        b->call_slot = sd_bus_slot_unref(b->call_slot);
        if (sd_bus_message_is_method_error(m, NULL)) {
                log_notice("Avahi: avahi-daemon is not running; MS-MICE sinks will be discovered once it starts");
                return 0;
        }
        avahi_set_present(b, true);
        return 0;
}

int avahi_browser_new(sd_event *event, const char *bus, const char *type, const struct dnssd_owner *owner,
                      struct avahi_browser **ret)
{
        struct avahi_browser *b;
        int r;

        b = calloc(1, sizeof(*b));
        if (!b)
                return -ENOMEM;
        b->event = sd_event_ref(event);
        b->owner = *owner;
        b->type = strdup(type);
        if (!b->type) {
                avahi_browser_free(b);
                return -ENOMEM;
        }
        if (!bus || strcmp(bus, "system") == 0)
                r = sd_bus_open_system(&b->bus);
        else {
                r = sd_bus_new(&b->bus);
                if (r >= 0)
                        r = sd_bus_set_address(b->bus, bus);
                if (r >= 0)
                        r = sd_bus_set_bus_client(b->bus, true);
                if (r >= 0)
                        r = sd_bus_start(b->bus);
        }
        if (r >= 0)
                r = sd_bus_attach_event(b->bus, event, SD_EVENT_PRIORITY_NORMAL);
        if (r >= 0)
                r = sd_bus_match_signal_async(b->bus, &b->name_slot, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                              "org.freedesktop.DBus", "NameOwnerChanged", avahi_on_name_owner_changed,
                                              NULL, b);
        if (r < 0) {
                avahi_browser_free(b);
                return r;
        }
        *ret = b;
        return 0;
}

int avahi_browser_start(struct avahi_browser *b)
{
        if (b->wanted)
                return 0;
        b->wanted = true;
        if (b->avahi_present)
                return avahi_create_browser(b);
        if (b->call_slot)
                return 0;
        /* Is it there? The answer (or NameOwnerChanged later) creates the browser. */
        return sd_bus_call_method_async(b->bus, &b->call_slot, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                        "org.freedesktop.DBus", "GetNameOwner", avahi_on_get_name_owner, b, "s",
                                        AVAHI_NAME);
}

void avahi_browser_stop(struct avahi_browser *b)
{
        if (!b->wanted)
                return;
        b->wanted = false;
        avahi_drop_browser(b, false);
}

struct avahi_browser *avahi_browser_free(struct avahi_browser *b)
{
        if (!b)
                return NULL;
        b->signal_slot = sd_bus_slot_unref(b->signal_slot);
        b->call_slot = sd_bus_slot_unref(b->call_slot);
        b->name_slot = sd_bus_slot_unref(b->name_slot);
        while (b->records) {
                struct avahi_record *r = b->records;
                b->records = r->next;
                avahi_record_free(r);
        }
        free(b->browser_path);
        b->bus = sd_bus_flush_close_unref(b->bus);
        sd_event_unref(b->event);
        free(b->type);
        free(b);
        return NULL;
}
