/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A discovered Miracast sink (TV, dongle, PC). The P2P code (daemon/p2p*)
 * creates, updates and removes sinks as wpa_supplicant reports peers; the
 * manager owns them; dbus/sink_bus.c exports each one as an
 * org.miracastd.Sink1 object at /org/miracastd/sink/<address with '_'>.
 *
 * Casting: Sink1.Cast() -> sink_cast() creates a session in state
 * "connecting" bound to the sink and asks the P2P backend
 * (struct p2p_backend in manager.h) to connect. The backend forms the group,
 * opens a listener limited to the sink's address (listener_new(..., sink)),
 * and when the sink connects to it that session gets the RTSP connection.
 * If group formation fails the backend calls sink_cast_failed().
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "observers.h"

struct manager;
struct session;
struct listener;

/* How a sink can be reached (Sink1.Protocol); a bit set, one device may offer both. */
enum sink_protocol {
        SINK_PROTOCOL_P2P = 1 << 0,   /* Wi-Fi Direct peer (daemon/p2p.c) */
        SINK_PROTOCOL_MICE = 1 << 1,  /* MS-MICE over the LAN, found by mDNS (daemon/mice.c) */
};

/* What sink->observers hear (the object passed is the sink). */
enum sink_change {
        SINK_CHANGED_PROPERTIES,  /* any of the sink_info fields */
        SINK_CHANGED_REMOVED,     /* about to be freed; the list is cleared right after */
};

/* What discovery knows about a sink; sink_new()/sink_update() copy it. */
struct sink_info {
        const char *name;            /* device name from the P2P IE, UTF-8, may be NULL */
        const char *address;         /* P2P device address "aa:bb:cc:dd:ee:ff", the sink's identity; required */
        const char *device_type;     /* "primary-sink", "secondary-sink", "dual-role", "source"; NULL = "unknown" */
        bool session_available;      /* WFD Device Info bit "available for WFD session" */
        uint32_t max_throughput_mbps;/* WFD Device Info max throughput, Mbit/s, 0 = unknown */
        uint16_t control_port;       /* WFD Device Info session management control port (7236) */
        int16_t signal_dbm;          /* last seen RSSI in dBm, 0 = unknown */
        unsigned protocols;          /* SINK_PROTOCOL_* bits; 0 = SINK_PROTOCOL_P2P */
        /* D-Bus path element when address is not a MAC (a MICE sink that announces no p2pMAC:
         * address is then its LAN address); [A-Za-z0-9_] only. NULL otherwise. */
        const char *object_id;
};

struct sink {
        struct manager *manager;     /* not owned */
        unsigned id;                 /* stable number, unique within the manager */
        char *name;                  /* owned */
        char *address;               /* owned */
        char *device_type;           /* owned */
        bool session_available;
        uint32_t max_throughput_mbps;
        uint16_t control_port;
        int16_t signal_dbm;
        unsigned protocols;          /* SINK_PROTOCOL_* bits */
        unsigned cast_protocol;      /* the SINK_PROTOCOL_* the pending/running Cast() uses */
        bool cast_ask_input;         /* the Cast() left input unset: ask once it plays (manager_hooks.input_request) */
        char *path;                  /* owned: D-Bus object path */

        unsigned cast_session_id;    /* the session of this sink's Cast() from sink_cast() until it ends, 0 = none;
                                        written by sink.c only, read through sink_get_cast_session() */
        struct sink *next;           /* manager's list */

        struct observers observers;  /* owned: who follows the sink (dbus/sink_bus.c) */
};

/*
 * Create a sink from info and add it to the manager (and D-Bus, which emits
 * InterfacesAdded). Returns -EEXIST if a sink with that address exists
 * (use manager_find_sink() + sink_update()), -EINVAL if info->address is
 * missing or not a MAC address, -ENOMEM. On success *ret belongs to the
 * manager; the caller keeps the pointer until it calls sink_remove().
 */
int sink_new(struct manager *m, const struct sink_info *info, struct sink **ret);

/* Sink1.Protocol: "p2p", "mice", "p2p mice". */
const char *sink_protocol_to_string(unsigned protocols);

/* Another discovery (MS-MICE beside P2P) reached the same device: add protocol bits.
 * Emits PropertiesChanged when they changed. */
void sink_add_protocols(struct sink *sink, unsigned protocols);

/* One discovery lost the sink: drop protocol; when no protocol is left the sink is
 * removed (sink_remove()). Returns NULL when it was removed, else sink. */
struct sink *sink_lost(struct sink *sink, unsigned protocol);

/* The cast session ended: let the transport it used (P2P backend or MS-MICE) clean up. */
void sink_cast_disconnect(struct sink *sink);

/* Replace the sink's properties with info (address must match: -EINVAL).
 * Emits PropertiesChanged for what changed. */
int sink_update(struct sink *sink, const struct sink_info *info);

/* Remove the sink (peer lost): ends a pending Cast() with -EHOSTUNREACH,
 * emits InterfacesRemoved and frees it. Accepts NULL, returns NULL. */
struct sink *sink_remove(struct sink *sink);

/*
 * Start a cast to the sink: creates a session in state "connecting" and asks
 * the transport to connect: MS-MICE when the sink offers it (manager->mice),
 * else the P2P backend. options may be NULL. Returns -ENOTSUP without
 * that transport, -EBUSY when a cast to this sink is already pending or
 * running, or the backend's error. *ret_session is owned by the manager.
 */
struct cast_options;
int sink_cast(struct sink *sink, const struct cast_options *options, struct session **ret_session);

/* The P2P backend reports that connecting to the sink failed (error < 0,
 * e.g. -ETIMEDOUT, -ECONNREFUSED when the sink rejected us; reason in words
 * or NULL): the pending session ends with them (EndReason, Cast() error).
 * No-op without a pending cast. */
void sink_cast_failed(struct sink *sink, int error, const char *reason);

/*
 * PIN flows of a pending cast (the P2P glue calls these):
 * sink_pin_display(): the user must enter pin on the sink; shown through the
 * manager's pin_display hook (Agent1.DisplayPinCode), else logged.
 * sink_pin_request(): the sink shows a PIN; asks through the pin_request hook
 * (Agent1.RequestPinCode). Returns 0 when asked, -ENOENT without a pending
 * cast, -ENOKEY when no agent can ask.
 * sink_pin_entered(): the user's answer; hands it to the P2P backend.
 * Returns its error (the caller then fails the cast), -ENOENT without a
 * pending cast.
 */
void sink_pin_display(struct sink *sink, const char *pin);
int sink_pin_request(struct sink *sink);
int sink_pin_entered(struct sink *sink, const char *pin);

/* The user's side of a pending cast failed (the PIN agent refused, timed out
 * or gave a bad PIN): the backend cancels its connect (P2P_CANCEL) and the
 * session ends with error/reason. No-op without a pending cast. */
void sink_cast_abort(struct sink *sink, int error, const char *reason);

/* The session of the sink's Cast() (connecting or running), or NULL. Owned by the manager. */
struct session *sink_get_cast_session(struct sink *sink);

/* Derive the D-Bus id from a MAC ("aa:bb:.." -> "aa_bb_.."), for paths. */
int sink_address_to_id(const char *address, char *ret, unsigned size);
