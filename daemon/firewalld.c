/* SPDX-License-Identifier: GPL-2.0-or-later */
/* daemon/firewalld.h: per-cast firewalld rich rules over D-Bus. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>

#include "../protocol/macro.h"
#include "firewalld.h"
#include "log.h"

#define FIREWALLD_NAME      "org.fedoraproject.FirewallD1"
#define FIREWALLD_PATH      "/org/fedoraproject/FirewallD1"
#define FIREWALLD_ZONE      "org.fedoraproject.FirewallD1.zone"
/* firewalld answers at once or not at all; a cast must not wait on it for long. */
#define FIREWALLD_CALL_USEC (3ULL * 1000 * 1000)

struct firewalld {
        sd_bus *bus;                  /* owned */
};

struct firewalld_hole {
        struct firewalld *firewalld;  /* not owned */
        char rule[200];
        char *zone;                   /* owned: where the rule went, NULL until added */
        sd_bus_slot *slot;            /* owned: call in flight */
        firewalld_done_t done;
        void *userdata;
};

int firewalld_new(sd_event *event, const char *bus, struct firewalld **ret)
{
        struct firewalld *f;
        int r;

        f = calloc(1, sizeof(*f));
        if (!f)
                return -ENOMEM;
        if (!bus || strcmp(bus, "system") == 0)
                r = sd_bus_open_system(&f->bus);
        else {
                r = sd_bus_new(&f->bus);
                if (r >= 0)
                        r = sd_bus_set_address(f->bus, bus);
                if (r >= 0)
                        r = sd_bus_set_bus_client(f->bus, true);
                if (r >= 0)
                        r = sd_bus_start(f->bus);
        }
        if (r >= 0)
                r = sd_bus_attach_event(f->bus, event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0) {
                firewalld_free(f);
                return r;
        }
        *ret = f;
        return 0;
}

struct firewalld *firewalld_free(struct firewalld *f)
{
        if (!f)
                return NULL;
        /* Flush: removeRichRule calls of holes freed just before go out. */
        f->bus = sd_bus_flush_close_unref(f->bus);
        free(f);
        return NULL;
}

static void firewalld_finish(struct firewalld_hole *h, int error, const char *why)
{
        firewalld_done_t done = steal_ptr(h->done);

        if (done)
                done(h, error, why, h->userdata);
}

static int firewalld_error(const sd_bus_error *e)
{
        if (sd_bus_error_has_name(e, SD_BUS_ERROR_SERVICE_UNKNOWN) || sd_bus_error_has_name(e, SD_BUS_ERROR_NAME_HAS_NO_OWNER))
                return -EHOSTDOWN;
        return sd_bus_error_get_errno(e) > 0 ? -sd_bus_error_get_errno(e) : -EIO;
}

static int firewalld_on_added(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct firewalld_hole *h = userdata;
        const char *zone = NULL;

        h->slot = sd_bus_slot_unref(h->slot);
        if (sd_bus_message_is_method_error(m, NULL)) {
                const sd_bus_error *e = sd_bus_message_get_error(m);
                firewalld_finish(h, firewalld_error(e), e->message);
                return 0;
        }
        if (sd_bus_message_read(m, "s", &zone) < 0 || !(h->zone = strdup(zone))) {
                firewalld_finish(h, -EIO, "bad addRichRule reply");
                return 0;
        }
        firewalld_finish(h, 0, h->zone);
        return 0;
}

static int firewalld_on_zone(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct firewalld_hole *h = userdata;
        const char *zone = "";
        int r;

        h->slot = sd_bus_slot_unref(h->slot);
        if (sd_bus_message_is_method_error(m, NULL)) {
                const sd_bus_error *e = sd_bus_message_get_error(m);
                firewalld_finish(h, firewalld_error(e), e->message);
                return 0;
        }
        (void) sd_bus_message_read(m, "s", &zone);
        /* "" = the interface is in no zone: addRichRule("") puts the rule into the default zone. */
        r = sd_bus_call_method_async(h->firewalld->bus, &h->slot, FIREWALLD_NAME, FIREWALLD_PATH, FIREWALLD_ZONE,
                                     "addRichRule", firewalld_on_added, h, "ssi", zone ?: "", h->rule, (int32_t) 0);
        if (r < 0)
                firewalld_finish(h, r, "cannot call addRichRule");
        return 0;
}

int firewalld_open(struct firewalld *f, const char *ifname, const char *peer, uint16_t port, firewalld_done_t done,
                   void *userdata, struct firewalld_hole **ret)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        struct firewalld_hole *h;
        struct in6_addr a;
        bool v6;
        int r;

        /* peer goes into the rule text: only a numeric address may (IPv6 without a scope: rich rules
         * have none, the zone of ifname confines it). */
        if (!f || !ifname || !peer || !port)
                return -EINVAL;
        v6 = inet_pton(AF_INET6, peer, &a) == 1;
        if (!v6 && inet_pton(AF_INET, peer, &a) != 1)
                return -EINVAL;
        h = calloc(1, sizeof(*h));
        if (!h)
                return -ENOMEM;
        h->firewalld = f;
        h->done = done;
        h->userdata = userdata;
        snprintf(h->rule, sizeof(h->rule),
                 "rule family=\"%s\" source address=\"%s\" port port=\"%u\" protocol=\"tcp\" accept",
                 v6 ? "ipv6" : "ipv4", peer, port);
        r = sd_bus_message_new_method_call(f->bus, &m, FIREWALLD_NAME, FIREWALLD_PATH, FIREWALLD_ZONE,
                                           "getZoneOfInterface");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", ifname);
        if (r >= 0)
                r = sd_bus_message_set_auto_start(m, false);   /* never start a firewall for a cast */
        if (r >= 0)
                r = sd_bus_call_async(f->bus, &h->slot, m, firewalld_on_zone, h, FIREWALLD_CALL_USEC);
        if (r < 0) {
                free(h);
                return r;
        }
        *ret = h;
        return 0;
}

struct firewalld_hole *firewalld_hole_free(struct firewalld_hole *h)
{
        if (!h)
                return NULL;
        h->slot = sd_bus_slot_unref(h->slot);
        if (h->zone) {
                int r = sd_bus_call_method_async(h->firewalld->bus, NULL, FIREWALLD_NAME, FIREWALLD_PATH, FIREWALLD_ZONE,
                                                 "removeRichRule", NULL, NULL, "ss", h->zone, h->rule);
                if (r < 0)
                        log_warning_errno(r, "firewalld: cannot remove the rule '%s' from zone %s: %m", h->rule, h->zone);
                else
                        log_info("firewalld: removed '%s' from zone %s", h->rule, h->zone);
        }
        free(h->zone);
        free(h);
        return NULL;
}
