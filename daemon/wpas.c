/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The `wpas` P2P backend (see wpas.h for the sequence). One connect or group
 * at a time (struct wpas_conn):
 *
 *   CONNECTING --GROUP-STARTED--> ADDRESSING --address known--> UP
 *       |  GO-NEG-FAILURE 1: stay, "waiting for the display"
 *       |  GO-NEG-REQUEST from the peer: P2P_CONNECT again
 *       |  other failure: one retry with provdisc, then connect_failed()
 *       |  timeout: P2P_CANCEL, connect_failed(-ETIMEDOUT)
 *   ADDRESSING/UP --GROUP-REMOVED, AP-STA-DISCONNECTED, link down--> group_down()
 */
#include <dirent.h>
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "wpas.h"

#include "../protocol/macro.h"
#include "../protocol/wfd_ie.h"
#include "../protocol/wpas_cmd.h"
#include "../protocol/wpas_msg.h"
#include "dhcp_client.h"
#include "dhcp_server.h"
#include "log.h"
#include "p2p_netif.h"
#include "wpas_ctrl.h"

#define WPAS_RECONNECT_MIN_USEC (1 * 1000000ULL)
#define WPAS_RECONNECT_MAX_USEC (30 * 1000000ULL)
#define WPAS_DHCP_LEASE_SEC     3600
#define WPAS_LATE_GROUP_USEC    (15 * 1000000ULL)

enum conn_state {
        CONN_CONNECTING,
        CONN_ADDRESSING,
        CONN_UP,
};

struct wpas_peer_entry {
        char address[WPAS_ADDR_STRLEN];
        char name[WPAS_NAME_MAX];
        struct wfd_device_info info;
        bool is_go;
        int64_t config_methods;       /* WPS config methods, -1 unknown */
        int16_t signal_dbm;
        bool reported;                /* told the owner (it is a WFD sink) */
        struct wpas_peer_entry *next;
};

struct wpas_conn {
        struct wpas *w;               /* not owned */
        char peer[WPAS_ADDR_STRLEN];
        enum wpas_wps_method method;
        char pin[WPAS_PIN_MAX];       /* "" = none */
        int go_intent;
        bool join;
        bool provdisc_retried;
        bool user_wait;
        bool pin_wanted;              /* the display shows a PIN: the owner asks the user (provide_pin) */
        enum conn_state state;
        sd_event_source *timeout;     /* owned: overall connect timeout */
        sd_event_source *again;       /* owned: re-reports a kept (persistent) group */

        char ifname[WPAS_IFNAME_MAX];
        enum wpas_role role;
        int freq_mhz;
        char peer_iface[WPAS_ADDR_STRLEN];
        uint8_t local_ip[4], peer_ip[4];
        unsigned prefixlen;
        bool address_added;
        struct dhcp_server *dhcp_server; /* owned (GO) */
        struct dhcp_client *dhcp_client; /* owned (client without handshake address) */
        struct wpas_ctrl *group_ctrl;    /* owned: the group netdev's socket (SIGNAL_POLL, AP-STA-*) */
        uint64_t link_max_bps;
        sd_event_source *link_timer;     /* owned: polls the link rate while the group is up */
        bool reported_up;
};

struct wpas {
        sd_event *event;              /* reference */
        const struct p2p_config *config; /* not owned */
        struct p2p_owner owner;
        char *ctrl_path;              /* owned */
        char *ctrl_dir;               /* owned: where group sockets appear */
        struct wpas_ctrl *ctrl;       /* owned */
        sd_event_source *reconnect_timer; /* owned */
        uint64_t reconnect_usec;
        bool up;
        bool discovery_wanted, discovering;
        struct wpas_peer_entry *peers;   /* owned list */
        struct wpas_conn *conn;       /* owned: the connect/group in progress, or NULL */
        char *peer_iter;              /* owned: next P2P_PEER NEXT- address during re-sync */
        uint64_t cancelled_usec;      /* when we last cancelled a connect (a late group is ours to remove) */
};

static void conn_send_connect(struct wpas_conn *c, bool provdisc);
static void group_report_up(struct wpas_conn *c);
static void link_poll_start(struct wpas_conn *c);

static char *mfree_str(char *p)
{
        free(p);
        return NULL;
}

/* ---- commands ----------------------------------------------------------- */

/* host: room for the host name, the default device name */
static void settings_from_config(const struct p2p_config *config, char host[static 256], struct wpas_settings *ret)
{
        *ret = (struct wpas_settings) {
                .device_name = config->device_name,
                .go_intent = config->go_intent,
                .handshake_ip = config->handshake_ip,
                .rtsp_port = config->rtsp_port,
                .max_throughput_mbps = config->max_throughput_mbps,
        };
        if (!ret->device_name) {
                /* Default: the host name (wpas_cmd_settings() makes it safe for the command line). */
                host[0] = host[255] = 0;
                (void) gethostname(host, 255);
                ret->device_name = host;
        }
        if (config->subnet)
                (void) wpas_parse_ipv4(config->subnet, strlen(config->subnet), ret->subnet);
}

int wpas_settings_commands(const struct p2p_config *config, struct wpas_cmd_list *ret)
{
        struct wpas_settings s;
        char host[256];

        if (config->handshake_ip && (!config->subnet || wpas_parse_ipv4(config->subnet, strlen(config->subnet),
                                                                        (uint8_t[4]) {}) < 0))
                return -EINVAL;
        settings_from_config(config, host, &s);
        return wpas_cmd_settings(&s, ret);
}

int wpas_wfd_commands(const struct p2p_config *config, struct wpas_cmd_list *ret)
{
        struct wpas_settings s;
        char host[256];

        settings_from_config(config, host, &s);
        return wpas_cmd_wfd(&s, ret);
}

static void on_setting_reply(struct wpas_ctrl *ctrl, int error, const char *reply, size_t len, void *userdata)
{
        const char *cmd = userdata; /* a string literal tag, not owned */

        if (error >= 0 && wpas_reply_to_errno(reply, len) < 0)
                log_warning("wpa_supplicant refused %s: %.*s, continuing", cmd, (int) strcspn(reply, "\n"), reply);
}

static void send_commands(struct wpas *w, const struct wpas_cmd_list *cmds)
{
        for (size_t i = 0; i < cmds->n; i++)
                (void) wpas_ctrl_send(w->ctrl, cmds->cmd[i], on_setting_reply, (void *) "a setting");
}

static void reassert_wfd(struct wpas *w)
{
        struct wpas_cmd_list cmds;

        /* Other users of this wpa_supplicant (NetworkManager) clear WFD when idle (docs 3.1). */
        if (wpas_wfd_commands(w->config, &cmds) >= 0)
                send_commands(w, &cmds);
}

/* ---- peers -------------------------------------------------------------- */

static struct wpas_peer_entry *peer_find(struct wpas *w, const char *address)
{
        for (struct wpas_peer_entry *p = w->peers; p; p = p->next)
                if (strcasecmp(p->address, address) == 0)
                        return p;
        return NULL;
}

static void peer_report(struct wpas *w, struct wpas_peer_entry *p)
{
        p->reported = true;
        p2p_owner_peer_changed(&w->owner, p->address, p->name, &p->info, p->signal_dbm, p->is_go);
}

static void peer_remove(struct wpas *w, const char *address)
{
        for (struct wpas_peer_entry **pp = &w->peers; *pp; pp = &(*pp)->next) {
                struct wpas_peer_entry *p = *pp;
                if (strcasecmp(p->address, address) != 0)
                        continue;
                *pp = p->next;
                if (p->reported && w->owner.peer_lost)
                        w->owner.peer_lost(w->owner.userdata, p->address);
                free(p);
                return;
        }
}

static void peers_clear(struct wpas *w)
{
        while (w->peers)
                peer_remove(w, w->peers->address);
}

/* A peer seen with (or without) WFD information: add, update or drop it. */
static void peer_update(struct wpas *w, const char *address, const char *name, bool has_wfd,
                        const struct wfd_device_info *info, int64_t group_capab, int64_t config_methods,
                        int signal_dbm)
{
        struct wpas_peer_entry *p = peer_find(w, address);

        if (!has_wfd || !wfd_device_info_is_sink(info)) {
                /* Not (or no longer) a Miracast sink: sources and plain P2P devices are not sinks. */
                if (p)
                        peer_remove(w, address);
                return;
        }
        if (!p) {
                p = calloc(1, sizeof(*p));
                if (!p)
                        return;
                snprintf(p->address, sizeof(p->address), "%s", address);
                p->config_methods = -1;
                p->next = w->peers;
                w->peers = p;
                log_info("P2P: found sink %s (%s)", address, name && name[0] ? name : "no name");
        }
        if (name && name[0])
                snprintf(p->name, sizeof(p->name), "%s", name);
        p->info = *info;
        if (group_capab >= 0)
                p->is_go = group_capab & 1; /* P2P Group Capability bit 0: group owner */
        if (config_methods >= 0)
                p->config_methods = config_methods;
        if (signal_dbm)
                p->signal_dbm = signal_dbm;
        peer_report(w, p);
}

static void on_peer_reply(struct wpas_ctrl *ctrl, int error, const char *reply, size_t len, void *userdata)
{
        struct wpas *w = userdata;
        struct wpas_peer pe;
        struct wfd_ie ie = {};
        char next[WPAS_CMD_MAX];

        if (error < 0)
                return;
        if (wpas_peer_parse(reply, len, &pe) < 0) {
                w->peer_iter = mfree_str(w->peer_iter);
                return;
        }
        if (pe.wfd_subelems_len > 0)
                (void) wfd_ie_parse_subelems(pe.wfd_subelems, pe.wfd_subelems_len, &ie);
        peer_update(w, pe.address, pe.name, ie.has_device_info, &ie.device_info, pe.group_capab, pe.config_methods,
                    pe.level);

        /* Re-sync iteration after (re)connecting: P2P_PEER FIRST, NEXT-<addr>, ... */
        if (w->peer_iter) {
                free(w->peer_iter);
                w->peer_iter = strdup(pe.address);
                if (wpas_cmd_p2p_peer_next(pe.address, next, sizeof(next)) >= 0)
                        (void) wpas_ctrl_send(w->ctrl, next, on_peer_reply, w);
        }
}

static void peer_query(struct wpas *w, const char *address)
{
        char cmd[WPAS_CMD_MAX];

        if (wpas_cmd_p2p_peer(address, cmd, sizeof(cmd)) >= 0)
                (void) wpas_ctrl_send(w->ctrl, cmd, on_peer_reply, w);
}

/* ---- discovery ---------------------------------------------------------- */

static void set_discovering(struct wpas *w, bool on)
{
        p2p_owner_set_discovering(&w->owner, &w->discovering, on);
}

static void on_find_reply(struct wpas_ctrl *ctrl, int error, const char *reply, size_t len, void *userdata)
{
        struct wpas *w = userdata;
        int r = error < 0 ? error : wpas_reply_to_errno(reply, len);

        if (r < 0) {
                log_warning_errno(r, "P2P: P2P_FIND failed: %.*s", reply ? (int) strcspn(reply, "\n") : 0, reply ?: "");
                set_discovering(w, false);
                return;
        }
        if (w->discovery_wanted)
                set_discovering(w, true);
}

static void find_start(struct wpas *w)
{
        char cmd[WPAS_CMD_MAX];

        if (!w->up || !w->discovery_wanted || w->conn)
                return;
        reassert_wfd(w);
        if (wpas_cmd_p2p_find(w->config->find_sec, cmd, sizeof(cmd)) < 0) {
                log_warning("P2P: cannot search for %u s, ignoring", w->config->find_sec);
                return;
        }
        (void) wpas_ctrl_send(w->ctrl, cmd, on_find_reply, w);
}

static int wpas_start_discovery(void *backend)
{
        struct wpas *w = backend;

        if (!w->up)
                return -EHOSTDOWN;
        w->discovery_wanted = true;
        find_start(w);
        return 0;
}

static int wpas_stop_discovery(void *backend)
{
        struct wpas *w = backend;

        w->discovery_wanted = false;
        if (w->up)
                (void) wpas_ctrl_send(w->ctrl, WPAS_CMD_P2P_STOP_FIND, NULL, NULL);
        set_discovering(w, false);
        return 0;
}

/* ---- connection and group ------------------------------------------------ */

static void conn_progress(struct wpas_conn *c, const char *what)
{
        log_info("P2P: %s: %s", c->peer, what);
        if (c->w->owner.connect_progress)
                c->w->owner.connect_progress(c->w->owner.userdata, c->peer, what);
}

/* Undo addressing and free; does not talk to wpa_supplicant. */
static struct wpas_conn *conn_free(struct wpas_conn *c)
{
        if (!c)
                return NULL;
        c->timeout = sd_event_source_disable_unref(c->timeout);
        c->again = sd_event_source_disable_unref(c->again);
        c->dhcp_server = dhcp_server_free(c->dhcp_server);
        c->dhcp_client = dhcp_client_free(c->dhcp_client);
        c->group_ctrl = wpas_ctrl_free(c->group_ctrl);
        c->link_timer = sd_event_source_disable_unref(c->link_timer);
        if (c->address_added)
                (void) p2p_netif_del_ipv4(c->ifname, c->local_ip, c->prefixlen);
        if (c->w && c->w->ctrl)
                wpas_ctrl_cancel_userdata(c->w->ctrl, c);
        free(c);
        return NULL;
}

/* End the connection: report (error/reason) to the owner, then free. */
static void conn_end(struct wpas *w, int error, const char *reason)
{
        struct wpas_conn *c = steal_ptr(w->conn);
        char peer[WPAS_ADDR_STRLEN];
        bool was_up;

        if (!c)
                return;
        snprintf(peer, sizeof(peer), "%s", c->peer);
        was_up = c->state != CONN_CONNECTING;
        conn_free(c);
        p2p_owner_connection_ended(&w->owner, "P2P", peer, was_up, error, reason);
        find_start(w);
}

static void remove_group(struct wpas *w, const char *ifname)
{
        char cmd[WPAS_CMD_MAX];

        /* Our lease from the display's DHCP server goes back while the group still carries it. */
        if (w->conn && w->conn->dhcp_client && strcmp(w->conn->ifname, ifname) == 0)
                (void) dhcp_client_release(w->conn->dhcp_client);

        if (wpas_cmd_p2p_group_remove(ifname, cmd, sizeof(cmd)) < 0) {
                log_warning("P2P: cannot remove a group with the interface name \"%s\", ignoring", ifname);
                return;
        }
        (void) wpas_ctrl_send(w->ctrl, cmd, NULL, NULL);
}

static void on_connect_reply(struct wpas_ctrl *ctrl, int error, const char *reply, size_t len, void *userdata)
{
        struct wpas_conn *c = userdata;
        struct wpas *w = c->w;
        int r;

        if (error < 0 || w->conn != c)
                return; /* link down handles the connection */
        r = wpas_reply_to_errno(reply, len);
        if (r < 0) {
                char why[128];
                snprintf(why, sizeof(why), "wpa_supplicant refused %s: %.*s",
                         c->method == WPAS_WPS_PIN_KEYPAD && !c->pin[0] ? "P2P_PROV_DISC" : "P2P_CONNECT",
                         (int) strcspn(reply, "\n"), reply);
                conn_end(w, r, why);
                return;
        }
        if (wpas_reply_classify(reply, len) == WPAS_REPLY_DATA) {
                /* "pin": wpa_supplicant generated the PIN we must show. */
                snprintf(c->pin, sizeof(c->pin), "%.*s", (int) strcspn(reply, "\n"), reply);
                if (w->owner.show_pin)
                        w->owner.show_pin(w->owner.userdata, c->peer, c->pin);
        }
}

static void conn_send_connect(struct wpas_conn *c, bool provdisc)
{
        struct wpas_connect_params p = {
                .peer = c->peer,
                .method = c->method,
                .pin = c->pin[0] ? c->pin : NULL,
                .join = c->join,
                .provdisc = provdisc,
                .go_intent = c->go_intent,
        };
        char cmd[WPAS_CMD_MAX];

        if (c->method == WPAS_WPS_PIN_KEYPAD && !c->pin[0]) {
                /* The display is to show a PIN we do not know yet: provision discovery asks it to
                 * ("display": the peer displays); its answer, P2P-PROV-DISC-ENTER-PIN, makes the
                 * owner ask the user, and provide_pin() then sends P2P_CONNECT <pin> keypad. */
                if (c->pin_wanted)
                        return;
                if (wpas_cmd_p2p_prov_disc_display(c->peer, c->join, cmd, sizeof(cmd)) < 0) {
                        conn_end(c->w, -EINVAL, "invalid connect parameters");
                        return;
                }
                reassert_wfd(c->w);
                (void) wpas_ctrl_send(c->w->ctrl, cmd, on_connect_reply, c);
                return;
        }
        if (wpas_cmd_p2p_connect(&p, cmd, sizeof(cmd)) < 0) {
                conn_end(c->w, -EINVAL, "invalid connect parameters");
                return;
        }
        reassert_wfd(c->w);
        (void) wpas_ctrl_send(c->w->ctrl, cmd, on_connect_reply, c);
}

static int on_conn_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct wpas_conn *c = userdata;
        struct wpas *w = c->w;

        if (c->state == CONN_CONNECTING) {
                (void) wpas_ctrl_send(w->ctrl, WPAS_CMD_P2P_CANCEL, NULL, NULL);
                (void) sd_event_now(w->event, CLOCK_MONOTONIC, &w->cancelled_usec);
                conn_end(w, -ETIMEDOUT, c->user_wait ? "the display did not accept in time" : "no answer from the display");
        } else {
                /* A group came up but we could not address it in time. */
                remove_group(w, c->ifname);
                conn_end(w, -ETIMEDOUT, "no IP address on the group in time");
        }
        return 0;
}

static int on_group_again(sd_event_source *s, void *userdata)
{
        struct wpas_conn *c = userdata;

        c->again = sd_event_source_disable_unref(c->again);
        group_report_up(c);
        return 0;
}

static int wpas_connect(void *backend, const char *address, const struct p2p_connect_options *options)
{
        struct wpas *w = backend;
        struct wpas_peer_entry *p;
        struct wpas_conn *c;
        uint64_t now = 0;
        int r;

        if (!w->up)
                return -EHOSTDOWN;
        p = peer_find(w, address);
        if (!p)
                return -ENOENT;
        if (w->conn) {
                /* A persistent group with this sink is still up: reuse it. */
                if (w->conn->state == CONN_UP && strcasecmp(w->conn->peer, address) == 0 && !w->conn->again) {
                        w->conn->reported_up = false;
                        return sd_event_add_defer(w->event, &w->conn->again, on_group_again, w->conn);
                }
                return -EBUSY;
        }
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->w = w;
        snprintf(c->peer, sizeof(c->peer), "%s", p->address);
        c->go_intent = options && options->go_intent >= 0 ? options->go_intent : w->config->go_intent;
        c->method = WPAS_WPS_PBC;
        if (options && options->method && strcmp(options->method, "pin") == 0)
                /* Without a PIN: a sink that can display one (WPS config method Display, 0x0008) shows
                 * it and the user types it here (the usual TV flow); else we show a generated one. */
                c->method = options->pin || (w->owner.request_pin && p->config_methods >= 0 &&
                                             (p->config_methods & 0x0008))
                                    ? WPAS_WPS_PIN_KEYPAD
                                    : WPAS_WPS_PIN_DISPLAY;
        else if (options && options->method && strcmp(options->method, "pbc") != 0) {
                free(c);
                return -EINVAL;
        }
        if (options && options->pin) {
                size_t n = strlen(options->pin);
                if ((n != 4 && n != 8) || strspn(options->pin, "0123456789") != n) {
                        free(c);
                        return -EINVAL;
                }
                snprintf(c->pin, sizeof(c->pin), "%s", options->pin);
        }
        c->join = p->is_go;
        (void) sd_event_now(w->event, CLOCK_MONOTONIC, &now);
        r = sd_event_add_time(w->event, &c->timeout, CLOCK_MONOTONIC,
                              now + (uint64_t) w->config->connect_timeout_sec * 1000000ULL, 0, on_conn_timeout, c);
        if (r < 0) {
                free(c);
                return r;
        }
        w->conn = c;

        if (w->discovering || w->discovery_wanted)
                (void) wpas_ctrl_send(w->ctrl, WPAS_CMD_P2P_STOP_FIND, NULL, NULL);
        set_discovering(w, false);
        conn_send_connect(c, false);
        log_info("P2P: connecting to %s (%s%s, GO intent %d)", c->peer,
                 c->method == WPAS_WPS_PBC ? "push button" : c->method == WPAS_WPS_PIN_KEYPAD ? "PIN entry" : "PIN display",
                 c->join ? ", joining its group" : "", c->go_intent);
        return 0;
}

static int wpas_provide_pin(void *backend, const char *address, const char *pin)
{
        struct wpas *w = backend;
        struct wpas_conn *c = w->conn;
        size_t n = strlen(pin);

        if (!c || !c->pin_wanted || c->state != CONN_CONNECTING || strcasecmp(c->peer, address) != 0)
                return -ENOENT;
        if ((n != 4 && n != 8) || strspn(pin, "0123456789") != n)
                return -EINVAL;
        c->pin_wanted = false;
        snprintf(c->pin, sizeof(c->pin), "%s", pin);
        conn_progress(c, "connecting with the PIN the user entered");
        conn_send_connect(c, false);
        return 0;
}

static void wpas_disconnect(void *backend, const char *address)
{
        struct wpas *w = backend;
        struct wpas_conn *c = w->conn;

        if (!c || (address && strcasecmp(c->peer, address) != 0))
                return;
        if (c->state == CONN_CONNECTING) {
                (void) wpas_ctrl_send(w->ctrl, WPAS_CMD_P2P_CANCEL, NULL, NULL);
                (void) sd_event_now(w->event, CLOCK_MONOTONIC, &w->cancelled_usec);
        } else {
                if (w->config->persistent_group) {
                        log_info("P2P: keeping the group %s with %s (persistent)", c->ifname, c->peer);
                        return;
                }
                remove_group(w, c->ifname);
        }
        w->conn = conn_free(steal_ptr(w->conn));
        find_start(w);
}

static void group_report_up(struct wpas_conn *c)
{
        struct wpas *w = c->w;
        char local[16], peer[16];
        struct p2p_group g = {
                .peer = c->peer,
                .ifname = c->ifname,
                .role = c->role == WPAS_ROLE_GO ? P2P_ROLE_GO : P2P_ROLE_CLIENT,
                .freq_mhz = c->freq_mhz,
                .local_ip = local,
                .peer_ip = peer,
                .link_max_bps = c->link_max_bps,
        };

        if (c->reported_up)
                return;
        snprintf(local, sizeof(local), "%u.%u.%u.%u", c->local_ip[0], c->local_ip[1], c->local_ip[2], c->local_ip[3]);
        snprintf(peer, sizeof(peer), "%u.%u.%u.%u", c->peer_ip[0], c->peer_ip[1], c->peer_ip[2], c->peer_ip[3]);
        c->reported_up = true;
        c->state = CONN_UP;
        c->timeout = sd_event_source_disable_unref(c->timeout);
        log_info("P2P: group %s up as %s on %d MHz: we are %s, the sink is %s, link %llu Mbit/s", c->ifname,
                 wpas_role_to_string(c->role), c->freq_mhz, local, peer,
                 (unsigned long long) (c->link_max_bps / 1000000));
        if (w->owner.group_up)
                w->owner.group_up(w->owner.userdata, &g);
        if (w->conn == c)
                link_poll_start(c);
}

static void on_signal_poll(struct wpas_ctrl *ctrl, int error, const char *reply, size_t len, void *userdata)
{
        struct wpas_conn *c = userdata;
        const char *v;
        size_t vl;
        int mbps;

        if (error == -ECANCELED)
                return; /* conn freed */
        if (error >= 0 && wpas_reply_get(reply, len, "LINKSPEED", &v, &vl) >= 0 && wpas_parse_int(v, vl, &mbps) >= 0 &&
            mbps > 0) {
                c->link_max_bps = (uint64_t) mbps * 1000000ULL;
                /* Polls after the group came up (link_poll_start) report every answer. */
                if (c->reported_up && c->w->conn == c && c->w->owner.link_rate)
                        c->w->owner.link_rate(c->w->owner.userdata, c->peer, c->link_max_bps);
        }
        if (c->state == CONN_ADDRESSING && c->w->conn == c)
                group_report_up(c);
}

/* Addresses are known: configure ours, then SIGNAL_POLL and report. */
static int group_address_ready(struct wpas_conn *c)
{
        int r;

        r = p2p_netif_add_ipv4(c->ifname, c->local_ip, c->prefixlen);
        if (r < 0)
                return log_error_errno(r, "P2P: cannot add our address to %s: %m", c->ifname);
        c->address_added = true;
        if (c->group_ctrl && wpas_ctrl_send(c->group_ctrl, WPAS_CMD_SIGNAL_POLL, on_signal_poll, c) >= 0)
                return 0;
        group_report_up(c);
        return 0;
}

static void on_dhcp_lease(struct dhcp_client *dc, int error, const struct dhcp_lease *lease, void *userdata)
{
        struct wpas_conn *c = userdata;
        struct wpas *w = c->w;
        unsigned prefix;
        int r;

        if (error < 0) {
                remove_group(w, c->ifname);
                conn_end(w, error, "no address from the display's DHCP server");
                return;
        }
        if (c->address_added)
                return; /* renewal */
        if (p2p_netif_mask_to_prefix(lease->netmask, &prefix) < 0)
                prefix = 24;
        memcpy(c->local_ip, lease->address, 4);
        memcpy(c->peer_ip, lease->server_id, 4);
        c->prefixlen = prefix;
        r = group_address_ready(c);
        if (r < 0) {
                remove_group(w, c->ifname);
                conn_end(w, r, "cannot configure the group address");
        }
}

static void on_group_event(struct wpas_ctrl *ctrl, const char *msg, size_t len, void *userdata);
static void on_group_ctrl_down(struct wpas_ctrl *ctrl, int error, void *userdata)
{
        /* The group socket goes away with the group; P2P-GROUP-REMOVED on the main socket ends it. */
}

static void group_open_ctrl(struct wpas_conn *c)
{
        struct wpas *w = c->w;
        _cleanup_free_ char *path = NULL;
        const char *rt = w->config->runtime_dir;

        if (!w->ctrl_dir || asprintf(&path, "%s/%s", w->ctrl_dir, c->ifname) < 0)
                return;
        if (wpas_ctrl_new(w->event, path, rt, on_group_event, on_group_ctrl_down, c, &c->group_ctrl) < 0)
                return;
        if (wpas_ctrl_open(c->group_ctrl) < 0) {
                log_debug("P2P: no control socket %s for the group, link speed unknown", path);
                c->group_ctrl = wpas_ctrl_free(c->group_ctrl);
        }
}

static void group_started(struct wpas *w, const struct wpas_event *e)
{
        struct wpas_conn *c = w->conn;
        uint8_t subnet[4];
        int r;

        if (!c || c->state != CONN_CONNECTING) {
                uint64_t now = 0;

                (void) sd_event_now(w->event, CLOCK_MONOTONIC, &now);
                if (!c && w->cancelled_usec && now - w->cancelled_usec < WPAS_LATE_GROUP_USEC) {
                        /* Formation finished just after we gave up on it: do not leave the group behind. */
                        log_info("P2P: group %s of a cancelled connect came up late, removing it", e->group_ifname);
                        remove_group(w, e->group_ifname);
                        return;
                }
                log_info("P2P: group %s started that we did not ask for, ignoring", e->group_ifname);
                return;
        }
        snprintf(c->ifname, sizeof(c->ifname), "%s", e->group_ifname);
        c->role = e->role;
        c->freq_mhz = e->freq_mhz;
        c->state = CONN_ADDRESSING;
        conn_progress(c, c->role == WPAS_ROLE_GO ? "group started, we are group owner"
                                                 : "group started, the display is group owner");
        group_open_ctrl(c);

        if (c->role == WPAS_ROLE_GO) {
                (void) wpas_parse_ipv4(w->config->subnet, strlen(w->config->subnet), subnet);
                memcpy(c->local_ip, subnet, 4);
                c->local_ip[3] = 1;
                memcpy(c->peer_ip, subnet, 4);
                c->peer_ip[3] = 2;
                c->prefixlen = 24;
                r = group_address_ready(c);
                if (r >= 0)
                        r = dhcp_server_new(w->event, c->ifname, c->local_ip, (const uint8_t[]) { 255, 255, 255, 0 },
                                            c->peer_ip, 1, WPAS_DHCP_LEASE_SEC, NULL, NULL, &c->dhcp_server);
                if (r < 0) {
                        log_error_errno(r, "P2P: cannot serve addresses on %s: %m", c->ifname);
                        remove_group(w, c->ifname);
                        conn_end(w, r, "cannot serve DHCP on the group");
                }
                return;
        }

        if (e->has_ip) {
                unsigned prefix;
                memcpy(c->local_ip, e->ip_addr, 4);
                memcpy(c->peer_ip, e->go_ip_addr, 4);
                c->prefixlen = p2p_netif_mask_to_prefix(e->ip_mask, &prefix) >= 0 ? prefix : 24;
                r = group_address_ready(c);
        } else {
                conn_progress(c, "asking the display for an address (DHCP)");
                r = dhcp_client_new(w->event, c->ifname, on_dhcp_lease, c, &c->dhcp_client);
        }
        if (r < 0) {
                remove_group(w, c->ifname);
                conn_end(w, r, "cannot configure the group address");
        }
}

static void on_sta_reply(struct wpas_ctrl *ctrl, int error, const char *reply, size_t len, void *userdata)
{
        struct wpas_conn *c = userdata;
        const char *v;
        size_t vl;
        uint32_t rate;

        if (error < 0 || c->w->conn != c)
                return;
        /* tx_rate_info=<100 kbit/s units>[ mcs ...] (hostapd's STA record) */
        if (wpas_reply_get(reply, len, "tx_rate_info", &v, &vl) < 0)
                return;
        vl = strcspn(v, " \n");
        if (wpas_parse_u32(v, vl, &rate) < 0 || rate == 0)
                return;
        if (c->link_max_bps != (uint64_t) rate * 100000ULL)
                log_info("P2P: link to %s: %llu Mbit/s", c->peer, (unsigned long long) (rate / 10));
        c->link_max_bps = (uint64_t) rate * 100000ULL;
        if (c->reported_up && c->w->owner.link_rate)
                c->w->owner.link_rate(c->w->owner.userdata, c->peer, c->link_max_bps);
}

static int on_link_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct wpas_conn *c = userdata;
        char cmd[WPAS_CMD_MAX];

        /* Client: our SIGNAL_POLL; GO: the sink's station record (SIGNAL_POLL has no link there). */
        if (c->role == WPAS_ROLE_GO) {
                if (c->peer_iface[0] && wpas_cmd_sta(c->peer_iface, cmd, sizeof(cmd)) >= 0)
                        (void) wpas_ctrl_send(c->group_ctrl, cmd, on_sta_reply, c);
        } else
                (void) wpas_ctrl_send(c->group_ctrl, WPAS_CMD_SIGNAL_POLL, on_signal_poll, c);
        (void) sd_event_source_set_time(s, usec + (uint64_t) c->w->config->link_poll_sec * 1000000ULL);
        (void) sd_event_source_set_enabled(s, SD_EVENT_ON);
        return 0;
}

/* Poll the link rate every link_poll_sec while the group is up; each answer goes to owner.link_rate(). */
static void link_poll_start(struct wpas_conn *c)
{
        if (!c->group_ctrl || c->w->config->link_poll_sec == 0 || c->link_timer)
                return;
        if (sd_event_add_time_relative(c->w->event, &c->link_timer, CLOCK_MONOTONIC,
                                       (uint64_t) c->w->config->link_poll_sec * 1000000ULL, 0, on_link_timer, c) < 0)
                log_warning("P2P: cannot poll the link rate of %s; the bit rate will not follow the link", c->ifname);
}

static bool event_is_conn_peer(const struct wpas_conn *c, const struct wpas_event *e)
{
        return c && ((e->peer[0] && strcasecmp(e->peer, c->peer) == 0) ||
                     (e->peer_iface[0] && c->peer_iface[0] && strcasecmp(e->peer_iface, c->peer_iface) == 0));
}

static void handle_conn_event(struct wpas *w, const struct wpas_event *e)
{
        struct wpas_conn *c = w->conn;
        char why[160];

        switch (e->type) {
        case WPAS_EVENT_P2P_GO_NEG_REQUEST:
                if (!c || c->state != CONN_CONNECTING || !event_is_conn_peer(c, e)) {
                        log_info("P2P: %s wants to negotiate, but we are not connecting to it, ignoring", e->peer);
                        return;
                }
                /* The display's user accepted: our request is answered with our P2P_CONNECT again. */
                conn_progress(c, "the display accepted, negotiating");
                conn_send_connect(c, false);
                return;
        case WPAS_EVENT_P2P_GO_NEG_FAILURE:
                if (!c || c->state != CONN_CONNECTING)
                        return;
                if (e->status == WPAS_P2P_STATUS_FAIL_INFO_UNAVAILABLE) {
                        /* The display asks its user; it sends GO-NEG-REQUEST when they accept. */
                        c->user_wait = true;
                        conn_progress(c, wpas_p2p_status_to_string(e->status));
                        return;
                }
                snprintf(why, sizeof(why), "GO negotiation failed: %s (status %d)", wpas_p2p_status_to_string(e->status),
                         e->status);
                if (e->status == WPAS_P2P_STATUS_FAIL_INCOMPATIBLE_PROVISIONING ||
                    e->status == WPAS_P2P_STATUS_FAIL_REJECTED_BY_USER) {
                        conn_end(w, -ECONNREFUSED, why);
                        return;
                }
                /* A retry cannot help without a common channel or with two devices insisting on GO. */
                if (!c->provdisc_retried && e->status != WPAS_P2P_STATUS_FAIL_NO_COMMON_CHANNELS &&
                    e->status != WPAS_P2P_STATUS_FAIL_BOTH_GO_INTENT_15) {
                        c->provdisc_retried = true;
                        conn_progress(c, "retrying with provision discovery");
                        conn_send_connect(c, true);
                        return;
                }
                conn_end(w, e->status == WPAS_P2P_STATUS_FAIL_NO_COMMON_CHANNELS ? -EHOSTUNREACH : -EIO, why);
                return;
        case WPAS_EVENT_P2P_PROV_DISC_FAILURE:
                if (!c || c->state != CONN_CONNECTING || (e->peer[0] && !event_is_conn_peer(c, e)))
                        return;
                if (e->status == WPAS_PROV_DISC_REJECTED) {
                        conn_end(w, -ECONNREFUSED, "the display rejected the request");
                        return;
                }
                if (!c->provdisc_retried) {
                        c->provdisc_retried = true;
                        conn_progress(c, "no answer to provision discovery, retrying");
                        conn_send_connect(c, true);
                        return;
                }
                snprintf(why, sizeof(why), "provision discovery failed: %s (status %d)",
                         wpas_prov_disc_status_to_string(e->status), e->status);
                conn_end(w, e->status == WPAS_PROV_DISC_TIMEOUT ? -ETIMEDOUT : -EIO, why);
                return;
        case WPAS_EVENT_P2P_PROV_DISC_SHOW_PIN: {
                bool again;

                if (!c || !event_is_conn_peer(c, e))
                        return;
                /* The display asked us to show a PIN it will have its user type (wpa_supplicant
                 * generated it): show it, and connect with it as the displaying side, as
                 * wpa_supplicant expects after this event, unless that is our connect already. */
                again = c->state == CONN_CONNECTING &&
                        (c->method != WPAS_WPS_PIN_DISPLAY || strcmp(c->pin, e->pin) != 0);
                snprintf(c->pin, sizeof(c->pin), "%s", e->pin);
                c->method = WPAS_WPS_PIN_DISPLAY;
                c->pin_wanted = false;
                if (w->owner.show_pin)
                        w->owner.show_pin(w->owner.userdata, c->peer, e->pin);
                if (again && w->conn == c)
                        conn_send_connect(c, false);
                return;
        }
        case WPAS_EVENT_P2P_PROV_DISC_ENTER_PIN:
                if (!c || !event_is_conn_peer(c, e) || c->state != CONN_CONNECTING)
                        return;
                if (c->method == WPAS_WPS_PIN_KEYPAD && c->pin[0]) {
                        conn_send_connect(c, false);
                        return;
                }
                if (c->pin_wanted)
                        return; /* the user is being asked already */
                if (w->owner.request_pin && w->owner.request_pin(w->owner.userdata, c->peer) >= 0 && w->conn == c) {
                        c->pin_wanted = true;
                        c->method = WPAS_WPS_PIN_KEYPAD;
                        c->pin[0] = 0;
                        conn_progress(c, "the display shows a PIN: asking the user for it");
                        return;
                }
                (void) wpas_ctrl_send(w->ctrl, WPAS_CMD_P2P_CANCEL, NULL, NULL);
                conn_end(w, -ENOKEY, "the display shows a PIN and no agent can ask for it: "
                                     "cast again with method \"pin\" and that PIN");
                return;
        case WPAS_EVENT_P2P_PROV_DISC_PBC_RESP:
                if (c && event_is_conn_peer(c, e))
                        conn_progress(c, "the display answered the push-button request");
                return;
        case WPAS_EVENT_P2P_GO_NEG_SUCCESS:
                if (!c || c->state != CONN_CONNECTING || (e->peer[0] && !event_is_conn_peer(c, e)))
                        return;
                snprintf(c->peer_iface, sizeof(c->peer_iface), "%s", e->peer_iface);
                conn_progress(c, e->role == WPAS_ROLE_GO ? "negotiated: we will be group owner"
                                                         : "negotiated: the display will be group owner");
                return;
        case WPAS_EVENT_P2P_GROUP_FORMATION_FAILURE:
                if (c && c->state == CONN_CONNECTING)
                        conn_end(w, -EIO, "group formation failed");
                return;
        case WPAS_EVENT_P2P_GROUP_STARTED:
                group_started(w, e);
                return;
        case WPAS_EVENT_P2P_GROUP_REMOVED:
                if (!c || c->state == CONN_CONNECTING || strcmp(c->ifname, e->group_ifname) != 0)
                        return;
                snprintf(why, sizeof(why), "the P2P group was removed (%s)",
                         wpas_group_removed_reason_to_string(e->removed_reason));
                conn_end(w, e->removed_reason == WPAS_GROUP_REMOVED_REQUESTED ? -ECONNABORTED : -ECONNRESET, why);
                return;
        case WPAS_EVENT_AP_STA_CONNECTED:
                if (!c || c->state == CONN_CONNECTING || !event_is_conn_peer(c, e))
                        return;
                if (e->has_ip && memcmp(e->ip_addr, c->peer_ip, 4) != 0)
                        log_warning("P2P: the sink took %u.%u.%u.%u in the handshake, expected the configured address",
                                    e->ip_addr[0], e->ip_addr[1], e->ip_addr[2], e->ip_addr[3]);
                if (c->role == WPAS_ROLE_GO && c->group_ctrl && e->peer_iface[0]) {
                        /* As GO, SIGNAL_POLL has no link; the sink's station record has its rate. */
                        char cmd[WPAS_CMD_MAX];
                        snprintf(c->peer_iface, sizeof(c->peer_iface), "%s", e->peer_iface);
                        if (wpas_cmd_sta(e->peer_iface, cmd, sizeof(cmd)) >= 0)
                                (void) wpas_ctrl_send(c->group_ctrl, cmd, on_sta_reply, c);
                }
                return;
        case WPAS_EVENT_AP_STA_DISCONNECTED:
                if (!c || c->state == CONN_CONNECTING || c->role != WPAS_ROLE_GO || !event_is_conn_peer(c, e))
                        return;
                remove_group(w, c->ifname);
                conn_end(w, -ECONNRESET, "the display left the group");
                return;
        default:
                return;
        }
}

static void handle_event(struct wpas *w, const char *msg, size_t len)
{
        struct wpas_event e;
        int r;

        r = wpas_event_parse(msg, len, &e);
        if (r < 0) {
                log_warning("P2P: unparsable event from wpa_supplicant (%s), ignoring: \"%.*s\"", strerror(-r),
                            (int) MIN(len, 200), msg);
                return;
        }
        switch (e.type) {
        case WPAS_EVENT_P2P_DEVICE_FOUND: {
                struct wfd_device_info info = {};
                if (e.has_wfd_dev_info)
                        (void) wfd_device_info_parse(e.wfd_dev_info, 6, &info);
                peer_update(w, e.peer, e.name, e.has_wfd_dev_info, &info, e.group_capab, e.config_methods, 0);
                if (e.has_wfd_dev_info && e.is_new != 0)
                        peer_query(w, e.peer); /* signal level and the full WFD subelements */
                return;
        }
        case WPAS_EVENT_P2P_DEVICE_LOST:
                if (w->conn && strcasecmp(w->conn->peer, e.peer) == 0 && w->conn->state != CONN_CONNECTING)
                        return; /* in a group with it: P2P discovery no longer sees it, that is normal */
                peer_remove(w, e.peer);
                return;
        case WPAS_EVENT_P2P_FIND_STOPPED:
                set_discovering(w, false);
                find_start(w); /* a find runs at most find_sec: re-issue while wanted */
                return;
        case WPAS_EVENT_UNKNOWN:
        case WPAS_EVENT_CTRL_TERMINATING: /* wpas_ctrl brings the link down */
                return;
        default:
                handle_conn_event(w, &e);
                return;
        }
}

static void on_event(struct wpas_ctrl *ctrl, const char *msg, size_t len, void *userdata)
{
        handle_event(userdata, msg, len);
}

static void on_group_event(struct wpas_ctrl *ctrl, const char *msg, size_t len, void *userdata)
{
        struct wpas_conn *c = userdata;
        struct wpas_event e;

        /* Only station events matter here; P2P events arrive on the main socket too. */
        if (wpas_event_parse(msg, len, &e) < 0)
                return;
        if (e.type == WPAS_EVENT_AP_STA_DISCONNECTED || e.type == WPAS_EVENT_AP_STA_CONNECTED)
                handle_conn_event(c->w, &e);
}

/* ---- link ----------------------------------------------------------------- */

static int on_reconnect_timer(sd_event_source *s, uint64_t usec, void *userdata);

static void schedule_reconnect(struct wpas *w)
{
        uint64_t now = 0;

        w->reconnect_timer = sd_event_source_disable_unref(w->reconnect_timer);
        (void) sd_event_now(w->event, CLOCK_MONOTONIC, &now);
        (void) sd_event_add_time(w->event, &w->reconnect_timer, CLOCK_MONOTONIC, now + w->reconnect_usec, 0,
                                 on_reconnect_timer, w);
        w->reconnect_usec = MIN(w->reconnect_usec * 2, WPAS_RECONNECT_MAX_USEC);
}

static void set_state(struct wpas *w, bool up, const char *why)
{
        w->up = up;
        if (w->owner.state_changed)
                w->owner.state_changed(w->owner.userdata, up, why);
}

static void wpas_link_up(struct wpas *w)
{
        struct wpas_cmd_list cmds;
        char cmd[WPAS_CMD_MAX];

        w->reconnect_usec = WPAS_RECONNECT_MIN_USEC;
        log_info("P2P: connected to wpa_supplicant at %s", w->ctrl_path);
        if (wpas_settings_commands(w->config, &cmds) >= 0)
                send_commands(w, &cmds);
        /* Re-sync the peer table: P2P_PEER FIRST, then NEXT-<addr> until it ends. */
        free(w->peer_iter);
        w->peer_iter = strdup("");
        if (wpas_cmd_p2p_peer(NULL, cmd, sizeof(cmd)) >= 0)
                (void) wpas_ctrl_send(w->ctrl, cmd, on_peer_reply, w);
        set_state(w, true, NULL);
        find_start(w);
}

static void wpas_link_down(struct wpas *w, int error)
{
        bool was_up = w->up;

        w->up = false;
        w->peer_iter = mfree_str(w->peer_iter);
        if (w->conn)
                conn_end(w, -ECONNRESET, error == -ESHUTDOWN ? "wpa_supplicant terminated" : "lost wpa_supplicant");
        peers_clear(w);
        set_discovering(w, false);
        if (was_up) {
                log_warning_errno(error, "P2P: lost wpa_supplicant at %s (%m), reconnecting", w->ctrl_path);
                set_state(w, false, "wpa_supplicant went away; reconnecting");
        }
        schedule_reconnect(w);
}

static void on_link_down(struct wpas_ctrl *ctrl, int error, void *userdata)
{
        wpas_link_down(userdata, error);
}

static int wpas_try_connect(struct wpas *w)
{
        int r = wpas_ctrl_open(w->ctrl);

        if (r < 0) {
                if (w->reconnect_usec == WPAS_RECONNECT_MIN_USEC)
                        log_notice("P2P: wpa_supplicant %s is not reachable (%s); retrying in the background",
                                   w->ctrl_path, strerror(-r));
                else
                        log_debug("P2P: wpa_supplicant %s not reachable: %s", w->ctrl_path, strerror(-r));
                schedule_reconnect(w);
                return r;
        }
        wpas_link_up(w);
        return 0;
}

static int on_reconnect_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct wpas *w = userdata;

        w->reconnect_timer = sd_event_source_disable_unref(w->reconnect_timer);
        (void) wpas_try_connect(w);
        return 0;
}

/* ---- life cycle ------------------------------------------------------------ */

static char *dirname_dup(const char *path)
{
        const char *slash = strrchr(path, '/');

        if (!slash)
                return strdup(".");
        return strndup(path, slash == path ? 1 : (size_t) (slash - path));
}

int wpas_new(sd_event *event, const struct p2p_config *config, const char *ctrl_path,
             const struct p2p_owner *owner, struct wpas **ret)
{
        struct wpas *w;
        int r;

        if (!event || !config || !ctrl_path || !config->runtime_dir)
                return -EINVAL;
        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        w->event = sd_event_ref(event);
        w->config = config;
        if (owner)
                w->owner = *owner;
        w->reconnect_usec = WPAS_RECONNECT_MIN_USEC;
        w->ctrl_path = strdup(ctrl_path);
        w->ctrl_dir = dirname_dup(ctrl_path);
        if (!w->ctrl_path || !w->ctrl_dir) {
                wpas_free(w);
                return -ENOMEM;
        }
        (void) mkdir(config->runtime_dir, 0755);
        r = wpas_ctrl_new(event, ctrl_path, config->runtime_dir, on_event, on_link_down, w, &w->ctrl);
        if (r < 0) {
                wpas_free(w);
                return r;
        }
        /* Connect from the loop, never from here: the owner is still setting up and must not be called back. */
        r = sd_event_add_time(event, &w->reconnect_timer, CLOCK_MONOTONIC, 0, 0, on_reconnect_timer, w);
        if (r < 0) {
                wpas_free(w);
                return r;
        }
        *ret = w;
        return 0;
}

struct wpas *wpas_free(struct wpas *w)
{
        if (!w)
                return NULL;
        w->owner = (struct p2p_owner) {};      /* no reports while tearing down */
        if (w->conn && w->ctrl && wpas_ctrl_is_open(w->ctrl)) {
                /* Best effort: do not leave a group or a pending connect behind. */
                if (w->conn->state == CONN_CONNECTING)
                        (void) wpas_ctrl_send(w->ctrl, WPAS_CMD_P2P_CANCEL, NULL, NULL);
                else if (!w->config->persistent_group)
                        remove_group(w, w->conn->ifname);
        }
        w->conn = conn_free(w->conn);
        peers_clear(w);
        w->reconnect_timer = sd_event_source_disable_unref(w->reconnect_timer);
        w->ctrl = wpas_ctrl_free(w->ctrl);
        free(w->peer_iter);
        free(w->ctrl_path);
        free(w->ctrl_dir);
        sd_event_unref(w->event);
        free(w);
        return NULL;
}

void wpas_set_timeouts(struct wpas *w, uint64_t cmd_timeout_usec, uint64_t ping_usec)
{
        wpas_ctrl_set_timeouts(w->ctrl, cmd_timeout_usec, ping_usec);
}

static void *wpas_free_backend(void *backend)
{
        return wpas_free(backend);
}

const struct p2p_ops wpas_p2p_ops = {
        .name = "wpas",
        .start_discovery = wpas_start_discovery,
        .stop_discovery = wpas_stop_discovery,
        .connect = wpas_connect,
        .disconnect = wpas_disconnect,
        .provide_pin = wpas_provide_pin,
        .free = wpas_free_backend,
};

static bool is_socket(const char *path)
{
        struct stat st;
        return stat(path, &st) >= 0 && S_ISSOCK(st.st_mode);
}

int wpas_find_ctrl_path(const char *path, char **ret)
{
        struct stat st;
        _cleanup_free_ char *best = NULL;
        DIR *d;
        struct dirent *de;
        int best_rank = 0;

        if (stat(path, &st) < 0)
                return -errno;
        if (S_ISSOCK(st.st_mode)) {
                *ret = strdup(path);
                return *ret ? 0 : -ENOMEM;
        }
        if (!S_ISDIR(st.st_mode))
                return -ENOTSOCK;
        d = opendir(path);
        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                _cleanup_free_ char *full = NULL;
                int rank;

                if (de->d_name[0] == '.' || strcmp(de->d_name, "global") == 0)
                        continue;
                /* p2p-<if>-<n> are group interfaces, not the P2P management interface. */
                if (strncmp(de->d_name, "p2p-", 4) == 0 && strncmp(de->d_name, "p2p-dev-", 8) != 0)
                        continue;
                rank = strncmp(de->d_name, "p2p-dev-", 8) == 0 ? 2 : 1;
                if (rank <= best_rank || asprintf(&full, "%s/%s", path, de->d_name) < 0 || !is_socket(full))
                        continue;
                free(best);
                best = steal_ptr(full);
                best_rank = rank;
        }
        closedir(d);
        if (!best)
                return -ENOENT;
        *ret = steal_ptr(best);
        return 0;
}
