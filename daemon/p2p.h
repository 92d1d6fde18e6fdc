/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Wi-Fi Direct for the daemon: configuration, the interface every P2P
 * backend implements (struct p2p_ops: wpa_supplicant control socket in
 * daemon/wpas.c, NetworkManager in daemon/nm.c) and the reports a backend
 * sends to its owner (struct p2p_owner). daemon/p2p.c is that owner in the
 * daemon: it turns peers into sinks, group-up into a listener limited to the
 * group peer, and group loss into the end of the session (manager.h,
 * sink.h, listener.h). Tests can be the owner themselves.
 *
 * Backends never call back synchronously from an ops function.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#define P2P_DEFAULT_GO_INTENT            7
#define P2P_DEFAULT_MAX_THROUGHPUT_MBPS  50
#define P2P_DEFAULT_CONNECT_TIMEOUT_SEC  120
#define P2P_DEFAULT_FIND_SEC             30
#define P2P_DEFAULT_LINK_POLL_SEC        3
#define P2P_DEFAULT_AGENT_TIMEOUT_SEC    60
#define P2P_DEFAULT_SUBNET               "192.168.173.0"
#define P2P_DEFAULT_WPAS_CTRL_DIR        "/run/wpa_supplicant"
#define P2P_DEFAULT_RUNTIME_DIR          "/run/miracastd"

/* Configuration keys (config file / flags), see p2p_config_set(). */
struct p2p_config {
        char *backend;                /* p2p-backend: "auto" (default), "wpas", "nm", "none" */
        char *wpas_ctrl;              /* wpas-ctrl: P2P management interface socket path, or a
                                         directory to probe (p2p-dev-* first); default /run/wpa_supplicant */
        char *nm_bus;                 /* nm-bus: where NetworkManager is: "system" (default) or a D-Bus address */
        char *runtime_dir;            /* p2p-runtime-dir: where our client sockets go;
                                         default $RUNTIME_DIRECTORY, then /run/miracastd */
        char *device_name;            /* p2p-device-name: shown on the TV; default: host name */
        int go_intent;                /* p2p-go-intent 0..15 */
        unsigned max_throughput_mbps; /* p2p-max-throughput: advertised in the WFD IE */
        uint16_t rtsp_port;           /* the control port we advertise (our listener's port) */
        unsigned connect_timeout_sec; /* p2p-connect-timeout: user-wait limit, then P2P_CANCEL */
        unsigned find_sec;            /* p2p-find-seconds: P2P_FIND timeout, re-issued while wanted */
        char *subnet;                 /* p2p-subnet: /24 used when we are GO, "a.b.c.0" */
        bool persistent_group;        /* p2p-persistent-group: keep the group when a session ends */
        bool handshake_ip;            /* p2p-handshake-ip: in-handshake IP allocation (default on) */
        char *firewall_zone;          /* p2p-firewall-zone: firewalld zone for the group netdev (nm backend:
                                         the connection's connection.zone); NULL: none */
        unsigned link_poll_sec;       /* p2p-link-poll-seconds: poll the link rate this often while a group
                                         is up and adapt the session's bit rate (daemon/p2p_link.h); 0 off */
        unsigned agent_timeout_sec;   /* p2p-agent-timeout: how long an Agent1 may take to show or
                                         ask for a PIN, then the connect is cancelled (default 60) */
        bool mice;                    /* mice: MS-MICE discovery (Avahi) and casts over the LAN (daemon/mice.h) */
        char *mice_discovery;         /* mice-discovery: "auto" (default), "avahi", "resolved" */
        char *mice_sinks;             /* mice-sinks: instance names systemd-resolved resolves, comma-separated;
                                         NULL: none (daemon/resolved.h) */
};

int p2p_config_init(struct p2p_config *c);
void p2p_config_clear(struct p2p_config *c);
/*
 * Apply one key (see struct p2p_config; '-' and '_' equal, case ignored).
 * Returns 0, -ENOENT for a key that is not ours, -EINVAL for a bad value.
 */
int p2p_config_set(struct p2p_config *c, const char *key, const char *value);

/* What a backend knows of a discovered WFD sink. */
struct p2p_peer {
        const char *address;          /* P2P device address, lower case */
        const char *name;
        const char *device_type;      /* "primary-sink", ... (wfd_device_type_to_string) */
        bool session_available;
        uint32_t max_throughput_mbps;
        uint16_t control_port;
        int16_t signal_dbm;           /* 0 unknown */
        bool is_group_owner;          /* runs a group now: we will join it */
};

enum p2p_role {
        P2P_ROLE_GO,
        P2P_ROLE_CLIENT,
};

/* A group that is ready for the sink's RTSP connection. */
struct p2p_group {
        const char *peer;             /* P2P device address of the sink */
        const char *ifname;           /* group netdev */
        enum p2p_role role;
        int freq_mhz;
        const char *local_ip;         /* our address on ifname: bind the listener here */
        const char *peer_ip;          /* the only address allowed to connect */
        uint64_t link_max_bps;        /* our link rate (SIGNAL_POLL LINKSPEED), 0 unknown */
};

/* Reports from a backend to its owner; any may be NULL. */
struct p2p_owner {
        void (*state_changed)(void *userdata, bool available, const char *why);
        void (*discovering_changed)(void *userdata, bool discovering);
        void (*peer_changed)(void *userdata, const struct p2p_peer *peer);   /* added or updated */
        void (*peer_lost)(void *userdata, const char *address);
        /* Progress of a connect, for logs and the D-Bus client ("waiting for the display to accept"). */
        void (*connect_progress)(void *userdata, const char *address, const char *what);
        /* We must show this PIN to the user (the sink asks for it). */
        void (*show_pin)(void *userdata, const char *address, const char *pin);
        /*
         * The sink shows a PIN and the connect has none: ask the user. Returns 0
         * when the PIN will come through ops->provide_pin() (or the connect is
         * cancelled through ops->disconnect()), -errno when nobody can answer
         * (the backend then fails the connect). Must not call into the backend
         * before returning.
         */
        int (*request_pin)(void *userdata, const char *address);
        /* Group formed and addressed; arm the listener now. */
        void (*group_up)(void *userdata, const struct p2p_group *group);
        /* The link rate became known after group_up (GO role: the sink's station record), or changed:
         * backends that can poll it do so every link_poll_sec while the group is up. */
        void (*link_rate)(void *userdata, const char *address, uint64_t link_max_bps);
        /* The connect failed before a group came up (error: -ETIMEDOUT, -ECONNREFUSED, ...). */
        void (*connect_failed)(void *userdata, const char *address, int error, const char *reason);
        /* The group of address is gone (error < 0 unless we removed it on request). */
        void (*group_down)(void *userdata, const char *address, int error, const char *reason);
        void *userdata;
};

/*
 * What every backend tells its owner the same way (daemon/p2p_owner.c):
 *   p2p_owner_peer_changed()      a WFD sink seen or updated, from its WFD device information;
 *   p2p_owner_set_discovering()   *discovering becomes on, reported on a change only;
 *   p2p_owner_connection_ended()  a connect that failed before its group came up (was_up false:
 *                                 connect_failed) or a group that went down (group_down), logged
 *                                 with the backend's prefix ("NM", "P2P").
 */
struct wfd_device_info;
void p2p_owner_peer_changed(const struct p2p_owner *owner, const char *address, const char *name,
                            const struct wfd_device_info *info, int16_t signal_dbm, bool is_group_owner);
void p2p_owner_set_discovering(const struct p2p_owner *owner, bool *discovering, bool on);
void p2p_owner_connection_ended(const struct p2p_owner *owner, const char *log_prefix, const char *peer, bool was_up,
                                int error, const char *reason);

/* Options of one connect (from Sink1.Cast). */
struct p2p_connect_options {
        const char *method;           /* "pbc" (default), "pin": enter `pin` (the sink shows it); without
                                         `pin`, a sink that can display a PIN is asked to show one and
                                         owner->request_pin() asks the user, else we show a generated one */
        const char *pin;              /* the sink's PIN to enter (keypad), or ours to display */
        int go_intent;                /* -1: config */
};

struct p2p_ops {
        const char *name;             /* "wpas", "nm" */
        int (*start_discovery)(void *backend);
        int (*stop_discovery)(void *backend);
        /* -EBUSY while another connect/group exists, -ENOENT for an unknown peer. */
        int (*connect)(void *backend, const char *address, const struct p2p_connect_options *options);
        /* Cancel a pending connect or remove the group (unless persistent). */
        void (*disconnect)(void *backend, const char *address);
        /* Optional: why connect() would refuse these options (for the user), or NULL. */
        const char *(*connect_refusal)(void *backend, const struct p2p_connect_options *options);
        /*
         * The PIN the user read on the sink, after owner->request_pin(): connect
         * with it. -ENOENT when no connect to address waits for a PIN, -EINVAL
         * for a PIN that is not 4 or 8 digits. NULL in backends without PIN flows.
         */
        int (*provide_pin)(void *backend, const char *address, const char *pin);
        void *(*free)(void *backend);
};

struct manager;
struct p2p;

/*
 * The daemon's P2P glue (daemon/p2p.c): creates the backend the
 * configuration asks for and plugs it into the manager
 * (manager_set_p2p_backend), so Manager1.Backend shows it and
 * StartDiscovery/Sink1.Cast reach it; peers become sinks (sink_new,
 * sink_update, sink_remove), a group that is up gets a listener on our group
 * address limited to the sink's address (listener_new), a failed connect
 * ends the pending cast (sink_cast_failed), and a lost group ends the
 * sink's session (session_end). Without a usable backend the daemon runs
 * listen-only: Backend stays "none" and the reason is logged.
 * config must outlive the glue.
 */
int p2p_new(struct manager *m, const struct p2p_config *config, struct p2p **ret);
struct p2p *p2p_free(struct p2p *p);
/* Why there is no backend (listen-only), or NULL when there is one. */
const char *p2p_unavailable_reason(const struct p2p *p);

/*
 * Pick and create the backend the configuration asks for ("auto": NM when it
 * manages the Wi-Fi device, else wpa_supplicant's control socket). Returns
 * 0 with *ret_ops NULL when none is usable (listen-only; *ret_why says why).
 */
int p2p_backend_create(sd_event *event, const struct p2p_config *config, const struct p2p_owner *owner,
                       const struct p2p_ops **ret_ops, void **ret_backend, char **ret_why);
