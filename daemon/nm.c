/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The `nm` P2P backend over NetworkManager's D-Bus API (see nm.h).
 * One connect or group at a time:
 *
 *   (none) --connect--> ACTIVATING --State 2--> UP --State 4 / disconnect--> (none)
 *                           |  State 4, timeout: connect_failed()
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "nm.h"

#include "../protocol/macro.h"
#include "../protocol/wfd_ie.h"
#include "../protocol/wpas_msg.h"
#include "log.h"

#define NM_DEST       "org.freedesktop.NetworkManager"
#define NM_PATH       "/org/freedesktop/NetworkManager"
#define NM_IFACE      "org.freedesktop.NetworkManager"
#define NM_DEV_IFACE  "org.freedesktop.NetworkManager.Device"
#define NM_P2P_IFACE  "org.freedesktop.NetworkManager.Device.WifiP2P"
#define NM_PEER_IFACE "org.freedesktop.NetworkManager.WifiP2PPeer"
#define NM_AC_IFACE   "org.freedesktop.NetworkManager.Connection.Active"
#define NM_IP4_IFACE  "org.freedesktop.NetworkManager.IP4Config"
#define PROPS_IFACE   "org.freedesktop.DBus.Properties"

#define NM_DEVICE_TYPE_WIFI_P2P       30
#define NM_DEVICE_STATE_UNAVAILABLE   20
#define NM_AC_STATE_ACTIVATED         2
#define NM_AC_STATE_DEACTIVATED       4

/* Looking for the P2P device again after NetworkManager came back: first try at once, then back off. */
#define NM_RESCAN_MIN_USEC            (250 * 1000ULL)
#define NM_RESCAN_MAX_USEC            (5 * 1000000ULL)
/* Our calls to NetworkManager are few and some are synchronous: a stuck NetworkManager must not
 * hold the daemon's loop for sd-bus's default 25 s. */
#define NM_CALL_TIMEOUT_USEC          (5 * 1000000ULL)

struct nm_peer {
        char *path;                   /* owned */
        char address[WPAS_ADDR_STRLEN];
        char name[WPAS_NAME_MAX];
        struct wfd_device_info info;
        bool has_wfd;
        int16_t signal_dbm;
        bool reported;
        sd_bus_slot *getall;          /* owned: pending GetAll */
        struct nm *nm;                /* not owned */
        struct nm_peer *next;
};

struct nm_conn {
        char peer[WPAS_ADDR_STRLEN];
        char *active_path;            /* owned */
        sd_bus_slot *call;            /* owned: AddAndActivateConnection2 */
        sd_bus_slot *state_match;     /* owned: StateChanged of the active connection */
        sd_bus_slot *state_get;       /* owned: initial State read */
        sd_event_source *timeout;     /* owned */
        bool up;
};

struct nm {
        sd_event *event;              /* reference */
        const struct p2p_config *config; /* not owned */
        struct p2p_owner owner;
        sd_bus *bus;                  /* owned */
        char *device;                 /* owned: the WifiP2P device path; NULL while NetworkManager is away */
        sd_bus_slot *owner_match;     /* owned: NameOwnerChanged of NetworkManager's bus name */
        sd_event_source *rescan_timer; /* owned: looks for the P2P device after NetworkManager came back */
        uint64_t rescan_usec;         /* next retry interval */
        sd_bus_slot *peer_added, *peer_removed; /* owned matches */
        sd_bus_slot *device_state, *device_removed; /* owned: the P2P device leaving service */
        sd_bus_slot *find_call;       /* owned */
        sd_event_source *find_timer;  /* owned: re-issues StartFind while wanted */
        bool discovery_wanted, discovering;
        struct nm_peer *peers;        /* owned list */
        struct nm_conn *conn;         /* owned */
        sd_event_source *ready_defer; /* owned: reports the first state_changed() */
        const char *waiting;          /* p2p-backend=nm at start-up without a usable device: why (static) */
};

/* ---- peers --------------------------------------------------------------- */

static struct nm_peer *peer_by_path(struct nm *n, const char *path)
{
        for (struct nm_peer *p = n->peers; p; p = p->next)
                if (strcmp(p->path, path) == 0)
                        return p;
        return NULL;
}

static struct nm_peer *peer_by_address(struct nm *n, const char *address)
{
        for (struct nm_peer *p = n->peers; p; p = p->next)
                if (p->address[0] && strcasecmp(p->address, address) == 0)
                        return p;
        return NULL;
}

static void peer_free(struct nm_peer *p)
{
        sd_bus_slot_unref(p->getall);
        free(p->path);
        free(p);
}

static void peer_remove(struct nm *n, const char *path)
{
        for (struct nm_peer **pp = &n->peers; *pp; pp = &(*pp)->next) {
                struct nm_peer *p = *pp;
                if (strcmp(p->path, path) != 0)
                        continue;
                *pp = p->next;
                if (p->reported && n->owner.peer_lost &&
                    !(n->conn && strcasecmp(n->conn->peer, p->address) == 0))
                        n->owner.peer_lost(n->owner.userdata, p->address);
                peer_free(p);
                return;
        }
}

static void peer_report(struct nm *n, struct nm_peer *p)
{
        if (!p->has_wfd || !wfd_device_info_is_sink(&p->info) || !p->address[0]) {
                if (p->reported && n->owner.peer_lost)
                        n->owner.peer_lost(n->owner.userdata, p->address);
                p->reported = false;
                return;
        }
        p->reported = true;
        p2p_owner_peer_changed(&n->owner, p->address, p->name, &p->info, p->signal_dbm, false);
}

/* Read one a{sv} of peer properties (GetAll reply or PropertiesChanged). */
static int peer_read_props(struct nm_peer *p, sd_bus_message *m)
{
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const char *key, *s;
                uint8_t y;

                r = sd_bus_message_read(m, "s", &key);
                if (r < 0)
                        return r;
                if (strcmp(key, "Name") == 0 || strcmp(key, "HwAddress") == 0) {
                        r = sd_bus_message_read(m, "v", "s", &s);
                        if (r < 0)
                                return r;
                        if (key[0] == 'N') {
                                snprintf(p->name, sizeof(p->name), "%s", s);
                        } else {
                                uint8_t mac[6];
                                if (wpas_parse_mac(s, strlen(s), mac) >= 0)
                                        wpas_format_mac(mac, p->address);
                        }
                } else if (strcmp(key, "Strength") == 0) {
                        r = sd_bus_message_read(m, "v", "y", &y);
                        if (r < 0)
                                return r;
                        /* NetworkManager reports 0..100 %; Sink1.Signal is dBm (rough inverse of NM's mapping). */
                        p->signal_dbm = (int16_t) (y / 2 - 100);
                } else if (strcmp(key, "WfdIEs") == 0) {
                        const void *data;
                        size_t len;
                        struct wfd_ie ie;

                        r = sd_bus_message_enter_container(m, 'v', "ay");
                        if (r < 0)
                                return r;
                        r = sd_bus_message_read_array(m, 'y', &data, &len);
                        if (r < 0)
                                return r;
                        r = sd_bus_message_exit_container(m);
                        if (r < 0)
                                return r;
                        if ((wfd_ie_parse_subelems(data, len, &ie) >= 0 || wfd_ie_parse_elements(data, len, &ie) >= 0) &&
                            ie.has_device_info) {
                                p->info = ie.device_info;
                                p->has_wfd = true;
                        } else
                                p->has_wfd = false;
                } else {
                        r = sd_bus_message_skip(m, "v");
                        if (r < 0)
                                return r;
                }
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

static int on_peer_getall(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct nm_peer *p = userdata; /* unref'ing the slot cancels the call, so p is alive */
        int r;

        p->getall = sd_bus_slot_unref(p->getall);
        if (sd_bus_message_is_method_error(m, NULL))
                return 0;
        r = peer_read_props(p, m);
        if (r < 0) {
                log_warning_errno(r, "NM: cannot read the properties of peer %s, ignoring: %m", p->path);
                return 0;
        }
        peer_report(p->nm, p);
        return 0;
}

static void peer_fetch(struct nm *n, const char *path)
{
        struct nm_peer *p = peer_by_path(n, path);
        int r;

        if (!p) {
                p = calloc(1, sizeof(*p));
                if (!p)
                        return;
                p->path = strdup(path);
                if (!p->path) {
                        free(p);
                        return;
                }
                p->nm = n;
                p->next = n->peers;
                n->peers = p;
        }
        p->getall = sd_bus_slot_unref(p->getall);
        r = sd_bus_call_method_async(n->bus, &p->getall, NM_DEST, path, PROPS_IFACE, "GetAll", on_peer_getall, p,
                                     "s", NM_PEER_IFACE);
        if (r < 0)
                log_warning_errno(r, "NM: cannot query peer %s: %m", path);
}

static int on_peer_added(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        const char *path;

        if (sd_bus_message_read(m, "o", &path) >= 0)
                peer_fetch(userdata, path);
        return 0;
}

static int on_peer_removed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        const char *path;

        if (sd_bus_message_read(m, "o", &path) >= 0)
                peer_remove(userdata, path);
        return 0;
}

/* ---- discovery ------------------------------------------------------------- */

static void set_discovering(struct nm *n, bool on)
{
        p2p_owner_set_discovering(&n->owner, &n->discovering, on);
}

static int on_find_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct nm *n = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);

        n->find_call = sd_bus_slot_unref(n->find_call);
        if (e) {
                log_warning("NM: StartFind failed: %s", e->message ? e->message : e->name);
                set_discovering(n, false);
                return 0;
        }
        set_discovering(n, n->discovery_wanted);
        return 0;
}

static void find_start(struct nm *n)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        if (!n->discovery_wanted || n->conn || !n->device)
                return;
        n->find_call = sd_bus_slot_unref(n->find_call);
        r = sd_bus_message_new_method_call(n->bus, &m, NM_DEST, n->device, NM_P2P_IFACE, "StartFind");
        if (r >= 0)
                r = sd_bus_message_append(m, "a{sv}", 1, "timeout", "i", (int32_t) n->config->find_sec);
        if (r >= 0)
                r = sd_bus_call_async(n->bus, &n->find_call, m, on_find_reply, n, 0);
        if (r < 0)
                log_warning_errno(r, "NM: cannot start P2P discovery: %m");
}

static int on_find_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct nm *n = userdata;

        /* NetworkManager ends a find after its timeout: renew it while someone wants discovery. */
        find_start(n);
        (void) sd_event_source_set_time(s, usec + (uint64_t) n->config->find_sec * 1000000ULL);
        (void) sd_event_source_set_enabled(s, n->discovery_wanted ? SD_EVENT_ON : SD_EVENT_OFF);
        return 0;
}

static int nm_start_discovery(void *backend)
{
        struct nm *n = backend;
        uint64_t now = 0;
        int r;

        n->discovery_wanted = true;
        find_start(n);
        if (!n->find_timer) {
                (void) sd_event_now(n->event, CLOCK_MONOTONIC, &now);
                r = sd_event_add_time(n->event, &n->find_timer, CLOCK_MONOTONIC,
                                      now + (uint64_t) n->config->find_sec * 1000000ULL, 0, on_find_timer, n);
                if (r < 0)
                        return r;
        } else
                (void) sd_event_source_set_enabled(n->find_timer, SD_EVENT_ON);
        return 0;
}

static int nm_stop_discovery(void *backend)
{
        struct nm *n = backend;

        n->discovery_wanted = false;
        if (n->find_timer)
                (void) sd_event_source_set_enabled(n->find_timer, SD_EVENT_OFF);
        if (n->device)
                (void) sd_bus_call_method_async(n->bus, NULL, NM_DEST, n->device, NM_P2P_IFACE, "StopFind", NULL,
                                                NULL, "");
        set_discovering(n, false);
        return 0;
}

/* ---- connection -------------------------------------------------------------- */

static struct nm_conn *conn_free(struct nm_conn *c)
{
        if (!c)
                return NULL;
        sd_bus_slot_unref(c->call);
        sd_bus_slot_unref(c->state_match);
        sd_bus_slot_unref(c->state_get);
        sd_event_source_disable_unref(c->timeout);
        free(c->active_path);
        free(c);
        return NULL;
}

static void deactivate(struct nm *n, const char *active_path)
{
        if (active_path)
                (void) sd_bus_call_method_async(n->bus, NULL, NM_DEST, NM_PATH, NM_IFACE, "DeactivateConnection", NULL,
                                                NULL, "o", active_path);
}

static void conn_end(struct nm *n, int error, const char *reason)
{
        struct nm_conn *c = steal_ptr(n->conn);
        char peer[WPAS_ADDR_STRLEN];
        bool was_up;

        if (!c)
                return;
        snprintf(peer, sizeof(peer), "%s", c->peer);
        was_up = c->up;
        conn_free(c);
        p2p_owner_connection_ended(&n->owner, "NM", peer, was_up, error, reason);
        find_start(n);
}

static int get_string(struct nm *n, const char *path, const char *iface, const char *prop, char **ret)
{
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        return sd_bus_get_property_string(n->bus, NM_DEST, path, iface, prop, &e, ret);
}

static int get_object(struct nm *n, const char *path, const char *iface, const char *prop, char **ret)
{
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *o;
        int r;

        r = sd_bus_get_property(n->bus, NM_DEST, path, iface, prop, &e, &reply, "o");
        if (r < 0)
                return r;
        r = sd_bus_message_read(reply, "o", &o);
        if (r < 0)
                return r;
        *ret = strdup(o);
        return *ret ? 0 : -ENOMEM;
}

/* First address of an IP4Config: "a.b.c.d" and prefix. */
static int get_ip4_address(struct nm *n, const char *ip4, char *addr, size_t size)
{
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_get_property(n->bus, NM_DEST, ip4, NM_IP4_IFACE, "AddressData", &e, &reply, "aa{sv}");
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "a{sv}");
        if (r <= 0)
                return r < 0 ? r : -ENOENT;
        r = sd_bus_message_enter_container(reply, 'a', "{sv}");
        if (r <= 0)
                return r < 0 ? r : -ENOENT;
        while ((r = sd_bus_message_enter_container(reply, 'e', "sv")) > 0) {
                const char *key, *s;
                r = sd_bus_message_read(reply, "s", &key);
                if (r < 0)
                        return r;
                if (strcmp(key, "address") == 0) {
                        r = sd_bus_message_read(reply, "v", "s", &s);
                        if (r < 0)
                                return r;
                        snprintf(addr, size, "%s", s);
                        return 0;
                }
                r = sd_bus_message_skip(reply, "v");
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        return r;
        }
        return r < 0 ? r : -ENOENT;
}

static void conn_activated(struct nm *n)
{
        struct nm_conn *c = n->conn;
        _cleanup_free_ char *ifname = NULL, *ip4 = NULL, *gateway = NULL;
        char local[64] = "";
        struct p2p_group g = {};
        int r;

        /* NetworkManager did the group and the addressing; read where we are. */
        r = get_string(n, n->device, NM_DEV_IFACE, "IpInterface", &ifname);
        if (r >= 0)
                r = get_object(n, c->active_path, NM_AC_IFACE, "Ip4Config", &ip4);
        if (r >= 0)
                r = get_ip4_address(n, ip4, local, sizeof(local));
        if (r < 0) {
                deactivate(n, c->active_path);
                conn_end(n, r, "the group came up without an IPv4 address");
                return;
        }
        (void) get_string(n, ip4, NM_IP4_IFACE, "Gateway", &gateway);
        c->up = true;
        c->timeout = sd_event_source_disable_unref(c->timeout);
        g = (struct p2p_group) {
                .peer = c->peer,
                .ifname = ifname,
                /* As client NetworkManager's DHCP gives the GO as gateway; as GO (shared mode) there is none. */
                .role = gateway && gateway[0] ? P2P_ROLE_CLIENT : P2P_ROLE_GO,
                .local_ip = local,
                /* The sink's address is the gateway when it is GO; as GO we accept anyone on the group
                 * netdev's subnet, which only the sink can join. */
                .peer_ip = gateway && gateway[0] ? gateway : NULL,
        };
        log_info("NM: group with %s up on %s, we are %s (%s)", c->peer, ifname, local,
                 g.role == P2P_ROLE_GO ? "group owner" : "client");
        if (n->owner.group_up)
                n->owner.group_up(n->owner.userdata, &g);
}

static void conn_state(struct nm *n, uint32_t state, uint32_t reason)
{
        char why[96];

        if (!n->conn)
                return;
        if (state == NM_AC_STATE_ACTIVATED && !n->conn->up) {
                conn_activated(n);
        } else if (state == NM_AC_STATE_DEACTIVATED) {
                snprintf(why, sizeof(why), "NetworkManager deactivated the P2P connection (reason %u)", reason);
                conn_end(n, n->conn->up ? -ECONNRESET : -EIO, why);
        }
}

static int on_state_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        uint32_t state, reason;

        if (sd_bus_message_read(m, "uu", &state, &reason) >= 0)
                conn_state(userdata, state, reason);
        return 0;
}

static int on_state_get(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct nm *n = userdata;
        uint32_t state;

        if (n->conn)
                n->conn->state_get = sd_bus_slot_unref(n->conn->state_get);
        if (!sd_bus_message_is_method_error(m, NULL) && sd_bus_message_read(m, "v", "u", &state) >= 0)
                conn_state(n, state, 0);
        return 0;
}

static int on_activate_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct nm *n = userdata;
        struct nm_conn *c = n->conn;
        const sd_bus_error *e = sd_bus_message_get_error(m);
        const char *path, *active;
        char why[256];
        int r;

        if (!c)
                return 0;
        c->call = sd_bus_slot_unref(c->call);
        if (e) {
                snprintf(why, sizeof(why), "NetworkManager refused the P2P connection: %s",
                         e->message ? e->message : e->name);
                conn_end(n, -sd_bus_message_get_errno(m) ?: -EIO, why);
                return 0;
        }
        r = sd_bus_message_read(m, "oo", &path, &active);
        if (r < 0 || !(c->active_path = strdup(active))) {
                conn_end(n, r < 0 ? r : -ENOMEM, "unexpected reply from NetworkManager");
                return 0;
        }
        r = sd_bus_match_signal(n->bus, &c->state_match, NM_DEST, active, NM_AC_IFACE, "StateChanged",
                                on_state_changed, n);
        if (r >= 0)
                r = sd_bus_call_method_async(n->bus, &c->state_get, NM_DEST, active, PROPS_IFACE, "Get", on_state_get,
                                             n, "ss", NM_AC_IFACE, "State");
        if (r < 0) {
                deactivate(n, active);
                conn_end(n, r, "cannot follow the P2P connection");
        }
        return 0;
}

static int on_conn_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct nm *n = userdata;

        if (n->conn && !n->conn->up) {
                deactivate(n, n->conn->active_path);
                conn_end(n, -ETIMEDOUT, "the display did not accept in time");
        }
        return 0;
}

static int build_connection(struct nm *n, sd_bus_message *m, const char *peer)
{
        struct wfd_ie ie = {
                .has_device_info = true,
                .device_info = { .bitmap = WFD_DEVICE_SOURCE | WFD_DEVINFO_AVAILABLE,
                                 .control_port = n->config->rtsp_port,
                                 .max_throughput_mbps = (uint16_t) MIN(n->config->max_throughput_mbps, 65535u) },
        };
        uint8_t ies[16];
        char id[64];
        ssize_t len;
        int r;

        len = wfd_ie_build_subelems(&ie, ies, sizeof(ies));
        if (len < 0)
                return (int) len;
        snprintf(id, sizeof(id), "miracastd %s", peer);
        r = sd_bus_message_open_container(m, 'a', "{sa{sv}}");
        /* With a firewall zone configured, NetworkManager puts the group netdev into it (firewalld). */
        if (r >= 0 && n->config->firewall_zone)
                r = sd_bus_message_append(m, "{sa{sv}}", "connection", 4, "id", "s", id, "type", "s", "wifi-p2p",
                                          "autoconnect", "b", 0, "zone", "s", n->config->firewall_zone);
        else if (r >= 0)
                r = sd_bus_message_append(m, "{sa{sv}}", "connection", 3, "id", "s", id, "type", "s", "wifi-p2p",
                                          "autoconnect", "b", 0);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'e', "sa{sv}");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", "wifi-p2p");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r >= 0)
                r = sd_bus_message_append(m, "{sv}", "peer", "s", peer);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'e', "sv");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", "wfd-ies");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'v', "ay");
        if (r >= 0)
                r = sd_bus_message_append_array(m, 'y', ies, (size_t) len);
        if (r >= 0)
                r = sd_bus_message_close_container(m); /* v */
        if (r >= 0)
                r = sd_bus_message_close_container(m); /* e */
        if (r >= 0)
                r = sd_bus_message_close_container(m); /* a{sv} */
        if (r >= 0)
                r = sd_bus_message_close_container(m); /* e */
        /* ipv4 "auto" is shared mode (DHCP server) when we are GO and DHCP when client; never a default route. */
        if (r >= 0)
                r = sd_bus_message_append(m, "{sa{sv}}", "ipv4", 2, "method", "s", "auto", "never-default", "b", 1);
        if (r >= 0)
                r = sd_bus_message_append(m, "{sa{sv}}", "ipv6", 2, "method", "s", "auto", "may-fail", "b", 1);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        return r;
}

/*
 * What NetworkManager can do for Wi-Fi P2P WPS (checked in its 1.4x sources,
 * nm-device-wifi-p2p.c): activation always calls wpa_supplicant's P2P Connect
 * with wps_method "pbc", no PIN, join false and GO intent 7. The wifi-p2p
 * setting's wps-method is validated but never read at connect time, and there
 * is no setting or secret for a P2P PIN. So a PIN cast cannot work through it.
 */
#define NM_PIN_REFUSAL                                                                                       \
        "The nm backend cannot cast with a PIN: NetworkManager (up to at least 1.42, Debian 12) always "       \
        "forms Wi-Fi P2P groups with push-button WPS; it ignores the wifi-p2p.wps-method setting and has no "  \
        "setting for a PIN. Cast with method \"pbc\", or set p2p-backend=wpas in miracastd.conf to use "      \
        "wpa_supplicant's control socket, which does PIN display and entry"

static const char *nm_connect_refusal(void *backend, const struct p2p_connect_options *options)
{
        if (options && options->method && strcmp(options->method, "pbc") != 0)
                return NM_PIN_REFUSAL;
        return NULL;
}

static int nm_connect(void *backend, const char *address, const struct p2p_connect_options *options)
{
        struct nm *n = backend;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        struct nm_peer *p = peer_by_address(n, address);
        struct nm_conn *c;
        uint64_t now = 0;
        int r;

        if (!n->device)
                return -ENETDOWN; /* NetworkManager is away; its peers went with it */
        if (!p)
                return -ENOENT;
        if (n->conn)
                return -EBUSY;
        if (nm_connect_refusal(n, options))
                return -EOPNOTSUPP; /* NM_PIN_REFUSAL */
        if (options && options->go_intent >= 0 && options->go_intent != 7)
                log_notice("NM: GO intent %d requested, but NetworkManager always negotiates with 7", options->go_intent);
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        snprintf(c->peer, sizeof(c->peer), "%s", p->address);

        r = sd_bus_message_new_method_call(n->bus, &m, NM_DEST, NM_PATH, NM_IFACE, "AddAndActivateConnection2");
        if (r >= 0)
                r = build_connection(n, m, c->peer);
        if (r >= 0)
                r = sd_bus_message_append(m, "oo", n->device, p->path);
        if (r >= 0)
                r = sd_bus_message_append(m, "a{sv}", 2, "persist", "s", "volatile", "bind-activation", "s",
                                          "dbus-client");
        if (r >= 0)
                r = sd_bus_call_async(n->bus, &c->call, m, on_activate_reply, n, 0);
        if (r >= 0) {
                (void) sd_event_now(n->event, CLOCK_MONOTONIC, &now);
                r = sd_event_add_time(n->event, &c->timeout, CLOCK_MONOTONIC,
                                      now + (uint64_t) n->config->connect_timeout_sec * 1000000ULL, 0, on_conn_timeout, n);
        }
        if (r < 0) {
                conn_free(c);
                return r;
        }
        n->conn = c;
        set_discovering(n, false);
        log_info("NM: connecting to %s (push button)", c->peer);
        return 0;
}

static void nm_disconnect(void *backend, const char *address)
{
        struct nm *n = backend;

        if (!n->conn || (address && strcasecmp(n->conn->peer, address) != 0))
                return;
        if (n->conn->up && n->config->persistent_group)
                return;
        deactivate(n, n->conn->active_path);
        n->conn = conn_free(n->conn);
        find_start(n);
}

/* ---- life cycle ---------------------------------------------------------------- */

static int on_ready(sd_event_source *s, void *userdata)
{
        struct nm *n = userdata;

        n->ready_defer = sd_event_source_disable_unref(n->ready_defer);
        if (n->owner.state_changed)
                n->owner.state_changed(n->owner.userdata, !!n->device, n->device ? NULL : n->waiting);
        return 0;
}

static int find_p2p_device(struct nm *n, char **ret)
{
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *path;
        int r;

        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;

        /* Never D-Bus-activate a NetworkManager that is installed but not running: we only use one that runs. */
        r = sd_bus_message_new_method_call(n->bus, &m, NM_DEST, NM_PATH, NM_IFACE, "GetDevices");
        if (r >= 0)
                r = sd_bus_message_set_auto_start(m, false);
        if (r >= 0)
                r = sd_bus_call(n->bus, m, 0, &e, &reply);
        if (r < 0)
                return sd_bus_error_has_name(&e, SD_BUS_ERROR_SERVICE_UNKNOWN) ||
                                       sd_bus_error_has_name(&e, SD_BUS_ERROR_NAME_HAS_NO_OWNER)
                               ? -EHOSTDOWN
                               : r;
        r = sd_bus_message_enter_container(reply, 'a', "o");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_read(reply, "o", &path)) > 0) {
                _cleanup_(sd_bus_error_free) sd_bus_error e2 = SD_BUS_ERROR_NULL;
                uint32_t type = 0, state = 0;

                if (sd_bus_get_property_trivial(n->bus, NM_DEST, path, NM_DEV_IFACE, "DeviceType", &e2, 'u', &type) < 0 ||
                    type != NM_DEVICE_TYPE_WIFI_P2P)
                        continue;
                if (sd_bus_get_property_trivial(n->bus, NM_DEST, path, NM_DEV_IFACE, "State", &e2, 'u', &state) < 0 ||
                    state <= NM_DEVICE_STATE_UNAVAILABLE)
                        continue;
                *ret = strdup(path);
                return *ret ? 0 : -ENOMEM;
        }
        return r < 0 ? r : -ENODEV;
}

static int read_peers(struct nm *n)
{
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *path;
        int r;

        r = sd_bus_get_property(n->bus, NM_DEST, n->device, NM_P2P_IFACE, "Peers", &e, &reply, "ao");
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "o");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_read(reply, "o", &path)) > 0)
                peer_fetch(n, path);
        return r;
}

static int on_device_state(sd_bus_message *m, void *userdata, sd_bus_error *ret_error);
static int on_device_removed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error);

/* Follow the P2P device at n->device: its state, peer signals and the current peers. */
static int nm_attach(struct nm *n)
{
        int r;

        r = sd_bus_match_signal(n->bus, &n->peer_added, NM_DEST, n->device, NM_P2P_IFACE, "PeerAdded", on_peer_added,
                                n);
        if (r >= 0)
                r = sd_bus_match_signal(n->bus, &n->device_state, NM_DEST, n->device, NM_DEV_IFACE, "StateChanged",
                                        on_device_state, n);
        if (r >= 0)
                r = sd_bus_match_signal(n->bus, &n->device_removed, NM_DEST, NM_PATH, NM_IFACE, "DeviceRemoved",
                                        on_device_removed, n);
        if (r >= 0)
                r = sd_bus_match_signal(n->bus, &n->peer_removed, NM_DEST, n->device, NM_P2P_IFACE, "PeerRemoved",
                                        on_peer_removed, n);
        if (r >= 0)
                r = read_peers(n);
        return r;
}

/*
 * NetworkManager left the bus (or was replaced): everything it held is gone.
 * A pending connect fails and a group's session ends, both with why; the
 * peers (our sinks) are dropped; discovery stops but stays wanted.
 */
static void nm_detach(struct nm *n, const char *why)
{
        char reason[160];

        if (!n->device)
                return;
        log_warning("NM: %s; Wi-Fi Direct through NetworkManager is suspended until it returns", why);
        free(steal_ptr(n->device));
        n->peer_added = sd_bus_slot_unref(n->peer_added);
        n->peer_removed = sd_bus_slot_unref(n->peer_removed);
        n->device_state = sd_bus_slot_unref(n->device_state);
        n->device_removed = sd_bus_slot_unref(n->device_removed);
        n->find_call = sd_bus_slot_unref(n->find_call);
        if (n->find_timer)
                (void) sd_event_source_set_enabled(n->find_timer, SD_EVENT_OFF);
        if (n->conn) {
                snprintf(reason, sizeof(reason), "%s (it owned the P2P %s)", why,
                         n->conn->up ? "group" : "connection attempt");
                /* Nothing to deactivate: NetworkManager tears its P2P groups down when it quits. */
                conn_end(n, -ECONNRESET, reason);
        }
        while (n->peers)
                peer_remove(n, n->peers->path);
        set_discovering(n, false);
        n->ready_defer = sd_event_source_disable_unref(n->ready_defer);
        if (n->owner.state_changed)
                n->owner.state_changed(n->owner.userdata, false, why);
}

static int on_rescan_timer(sd_event_source *s, uint64_t usec, void *userdata);

static void rescan_schedule(struct nm *n, uint64_t delay_usec);

/* NetworkManager stays but our P2P device goes out of service (its wpa_supplicant interface went,
 * the radio was unplugged): like NetworkManager leaving, then look for a usable device again. */
static void device_lost(struct nm *n, const char *why)
{
        nm_detach(n, why);
        n->rescan_usec = NM_RESCAN_MIN_USEC;
        rescan_schedule(n, NM_RESCAN_MIN_USEC);
}

static int on_device_state(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct nm *n = userdata;
        uint32_t state, old, reason;
        char why[128];

        if (sd_bus_message_read(m, "uuu", &state, &old, &reason) < 0 || state > NM_DEVICE_STATE_UNAVAILABLE)
                return 0;
        snprintf(why, sizeof(why), "the Wi-Fi P2P device became unavailable (device state %u, reason %u)", state,
                 reason);
        device_lost(n, why);
        return 0;
}

static int on_device_removed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct nm *n = userdata;
        const char *path;

        if (sd_bus_message_read(m, "o", &path) >= 0 && n->device && strcmp(path, n->device) == 0)
                device_lost(n, "NetworkManager removed the Wi-Fi P2P device");
        return 0;
}

static void rescan_schedule(struct nm *n, uint64_t delay_usec)
{
        n->rescan_timer = sd_event_source_disable_unref(n->rescan_timer);
        if (sd_event_add_time_relative(n->event, &n->rescan_timer, CLOCK_MONOTONIC, delay_usec, 0, on_rescan_timer,
                                       n) < 0)
                log_warning("NM: cannot schedule a look for the Wi-Fi P2P device; "
                            "Wi-Fi Direct stays off until NetworkManager restarts again");
}

static int on_rescan_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct nm *n = userdata;
        _cleanup_free_ char *device = NULL;
        int r;

        n->rescan_timer = sd_event_source_disable_unref(n->rescan_timer);
        if (n->device)
                return 0;
        r = find_p2p_device(n, &device);
        if (r == -EHOSTDOWN)
                return 0; /* gone again: NameOwnerChanged brings us back here */
        if (r < 0) {
                if (n->rescan_usec == NM_RESCAN_MIN_USEC)
                        log_notice("NM: NetworkManager offers no usable Wi-Fi P2P device yet (%s); checking again",
                                   strerror(-r));
                rescan_schedule(n, n->rescan_usec);
                n->rescan_usec = MIN(n->rescan_usec * 2, NM_RESCAN_MAX_USEC);
                return 0;
        }
        n->device = steal_ptr(device);
        r = nm_attach(n);
        if (r < 0) {
                log_warning_errno(r, "NM: cannot follow the Wi-Fi P2P device %s, checking again: %m", n->device);
                n->peer_added = sd_bus_slot_unref(n->peer_added);
                n->peer_removed = sd_bus_slot_unref(n->peer_removed);
                n->device_state = sd_bus_slot_unref(n->device_state);
                n->device_removed = sd_bus_slot_unref(n->device_removed);
                free(steal_ptr(n->device));
                rescan_schedule(n, n->rescan_usec);
                n->rescan_usec = MIN(n->rescan_usec * 2, NM_RESCAN_MAX_USEC);
                return 0;
        }
        log_info("NM: Wi-Fi Direct through NetworkManager is back, on its Wi-Fi P2P device %s%s", n->device,
                 n->discovery_wanted ? "; resuming discovery" : "");
        if (n->owner.state_changed)
                n->owner.state_changed(n->owner.userdata, true, NULL);
        /* Our WFD IEs travel in each wifi-p2p connection (NetworkManager clears its copy when idle),
         * so the next cast carries them again; discovery restarts where it was. */
        if (n->discovery_wanted) {
                find_start(n);
                if (n->find_timer) {
                        (void) sd_event_source_set_time_relative(n->find_timer,
                                                                 (uint64_t) n->config->find_sec * 1000000ULL);
                        (void) sd_event_source_set_enabled(n->find_timer, SD_EVENT_ON);
                }
        }
        return 0;
}

static int on_name_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct nm *n = userdata;
        const char *name, *old_owner, *new_owner;

        if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0 || strcmp(name, NM_DEST) != 0)
                return 0;
        if (!new_owner[0]) {
                nm_detach(n, "NetworkManager left the bus");
                n->rescan_timer = sd_event_source_disable_unref(n->rescan_timer);
                return 0;
        }
        /* A new NetworkManager: its objects are new (device paths are renumbered). */
        nm_detach(n, "NetworkManager was replaced on the bus");
        n->rescan_usec = NM_RESCAN_MIN_USEC;
        rescan_schedule(n, 0);
        return 0;
}

int nm_new(sd_event *event, const struct p2p_config *config, const char *bus_address,
           const struct p2p_owner *owner, struct nm **ret)
{
        struct nm *n;
        int r;

        n = calloc(1, sizeof(*n));
        if (!n)
                return -ENOMEM;
        n->event = sd_event_ref(event);
        n->config = config;
        n->rescan_usec = NM_RESCAN_MIN_USEC;
        if (owner)
                n->owner = *owner;
        if (!bus_address || strcmp(bus_address, "system") == 0)
                r = sd_bus_open_system(&n->bus);
        else {
                r = sd_bus_new(&n->bus);
                if (r >= 0)
                        r = sd_bus_set_address(n->bus, bus_address);
                if (r >= 0)
                        r = sd_bus_set_bus_client(n->bus, 1);
                if (r >= 0)
                        r = sd_bus_start(n->bus);
        }
        if (r < 0) {
                nm_free(n);
                return -EHOSTDOWN;
        }
        (void) sd_bus_set_method_call_timeout(n->bus, NM_CALL_TIMEOUT_USEC);
        /* Watch the name before looking: a restart between the two is not missed. */
        r = sd_bus_add_match(n->bus, &n->owner_match,
                             "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
                             "interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='" NM_DEST "'",
                             on_name_owner_changed, n);
        if (r >= 0)
                r = sd_bus_attach_event(n->bus, event, 0);
        if (r >= 0) {
                r = find_p2p_device(n, &n->device);
                /* Asked for by name (p2p-backend=nm): wait for NetworkManager and its device, as for a
                 * restart. "auto" reports the error so that it can fall back to wpa_supplicant. */
                if ((r == -EHOSTDOWN || r == -ENODEV) && config->backend && strcmp(config->backend, "nm") == 0) {
                        n->waiting = r == -EHOSTDOWN ? "waiting for NetworkManager to start"
                                                     : "waiting for NetworkManager's Wi-Fi P2P device";
                        log_notice("NM: %s", n->waiting);
                        if (r == -ENODEV)
                                rescan_schedule(n, n->rescan_usec);
                        r = 0;
                } else if (r >= 0) {
                        r = nm_attach(n);
                        if (r >= 0)
                                log_info("NM: using NetworkManager's Wi-Fi P2P device %s", n->device);
                }
        }
        if (r < 0) {
                nm_free(n);
                return r;
        }
        /* Report readiness from the loop: the owner is still setting up. */
        r = sd_event_add_defer(event, &n->ready_defer, on_ready, n);
        if (r < 0) {
                nm_free(n);
                return r;
        }
        *ret = n;
        return 0;
}

struct nm *nm_free(struct nm *n)
{
        if (!n)
                return NULL;
        if (n->conn && n->bus && n->device) {
                /* bind-activation=dbus-client would end it anyway when our connection closes. */
                deactivate(n, n->conn->active_path);
                (void) sd_bus_flush(n->bus);
        }
        n->conn = conn_free(n->conn);
        while (n->peers) {
                struct nm_peer *p = n->peers;
                n->peers = p->next;
                peer_free(p);
        }
        sd_bus_slot_unref(n->peer_added);
        sd_bus_slot_unref(n->peer_removed);
        sd_bus_slot_unref(n->device_state);
        sd_bus_slot_unref(n->device_removed);
        sd_bus_slot_unref(n->find_call);
        sd_event_source_disable_unref(n->find_timer);
        sd_event_source_disable_unref(n->ready_defer);
        sd_event_source_disable_unref(n->rescan_timer);
        sd_bus_slot_unref(n->owner_match);
        sd_bus_flush_close_unref(n->bus);
        free(n->device);
        sd_event_unref(n->event);
        free(n);
        return NULL;
}

static void *nm_free_backend(void *backend)
{
        return nm_free(backend);
}

const struct p2p_ops nm_p2p_ops = {
        .name = "nm",
        .start_discovery = nm_start_discovery,
        .stop_discovery = nm_stop_discovery,
        .connect = nm_connect,
        .disconnect = nm_disconnect,
        .connect_refusal = nm_connect_refusal,
        .free = nm_free_backend,
};
