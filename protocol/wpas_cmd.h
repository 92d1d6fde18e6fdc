/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * wpa_supplicant control interface commands we send (docs/p2p.md, "The wpas
 * backend"), built into caller buffers. daemon/wpas.c decides when to send
 * what; these functions only spell it, so every argument that reaches
 * wpa_supplicant (peer addresses, interface names, PINs, the device name)
 * is checked in one place and unit-tested.
 *
 * Every builder returns the command's length (without the NUL), -EINVAL for
 * a bad argument, or -ENOBUFS when out (size bytes) is too small; out is
 * always NUL-terminated when size > 0. Pure: no I/O, no allocation.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define WPAS_CMD_MAX          160 /* longest command we build, + NUL */
#define WPAS_CMD_LIST_MAX     12  /* commands in a wpas_cmd_list */
#define WPAS_DEVICE_NAME_MAX  32  /* P2P device name, bytes (Wi-Fi P2P spec 4.1.15, WPS Device Name) */

/* Commands without arguments. */
#define WPAS_CMD_PING          "PING"
#define WPAS_CMD_P2P_CANCEL    "P2P_CANCEL"
#define WPAS_CMD_P2P_STOP_FIND "P2P_STOP_FIND"
#define WPAS_CMD_SIGNAL_POLL   "SIGNAL_POLL"

/* A fixed list of commands, sent in order. */
struct wpas_cmd_list {
        size_t n;
        char cmd[WPAS_CMD_LIST_MAX][WPAS_CMD_MAX];
};

/* What we tell wpa_supplicant about ourselves on link up. */
struct wpas_settings {
        const char *device_name;      /* shown on the TV; control characters become '_', cut at 32 bytes */
        int go_intent;                /* 0..15 */
        bool handshake_ip;            /* in-handshake IP allocation from subnet (we .1, the sink .2) */
        uint8_t subnet[4];            /* a.b.c.0 of our /24 */
        uint16_t rtsp_port;           /* advertised in the WFD Device Information */
        uint32_t max_throughput_mbps; /* advertised in the WFD Device Information (capped at 65535) */
};

/*
 * SET wifi_display 1 and WFD_SUBELEM_SET 0 <our WFD Device Information: a
 * source, available, P2P preferred, no HDCP>. Re-sent before each P2P_FIND
 * and P2P_CONNECT (NetworkManager clears it when idle). Returns 0 or -EINVAL.
 */
int wpas_cmd_wfd(const struct wpas_settings *s, struct wpas_cmd_list *ret);
/*
 * Everything applied on link up, in order: device name and type (category
 * 1, computer), config methods, GO intent, the in-handshake IP pool when
 * asked for, then wpas_cmd_wfd(). Returns 0 or -EINVAL.
 */
int wpas_cmd_settings(const struct wpas_settings *s, struct wpas_cmd_list *ret);

/* "P2P_FIND <timeout_sec>"; timeout 1..3600. */
ssize_t wpas_cmd_p2p_find(unsigned timeout_sec, char *out, size_t size);
/* "P2P_PEER <address>" for one peer, "P2P_PEER FIRST" for address NULL. */
ssize_t wpas_cmd_p2p_peer(const char *address, char *out, size_t size);
/* "P2P_PEER NEXT-<address>": the peer after address in wpa_supplicant's table. */
ssize_t wpas_cmd_p2p_peer_next(const char *address, char *out, size_t size);

/* How P2P_CONNECT provisions (docs 3.4). */
enum wpas_wps_method {
        WPAS_WPS_PBC,            /* push button */
        WPAS_WPS_PIN_DISPLAY,    /* we show the PIN: "pin" (generated) or "<pin> display" */
        WPAS_WPS_PIN_KEYPAD,     /* we enter the PIN the sink shows: "<pin> keypad" */
};

struct wpas_connect_params {
        const char *peer;          /* P2P device address */
        enum wpas_wps_method method;
        const char *pin;           /* 4 or 8 digits, or NULL for a generated one (display only) */
        bool join;                 /* join the peer's running group */
        bool provdisc;             /* send provision discovery first */
        bool auth;                 /* only authorize the peer */
        int go_intent;             /* 0..15, or -1 to omit */
        int freq_mhz;              /* > 0 to force, 0 to omit */
};

/*
 * "P2P_CONNECT <peer> pbc|pin|<pin> display|<pin> keypad [join] [provdisc]
 * [auth] [go_intent=N] [freq=N]". -EINVAL for a bad address, PIN (4 or 8
 * digits), GO intent, or a PIN missing for keypad.
 */
ssize_t wpas_cmd_p2p_connect(const struct wpas_connect_params *p, char *out, size_t size);
/* "P2P_PROV_DISC <peer> display [join]": ask the display to show a PIN (we will enter it). */
ssize_t wpas_cmd_p2p_prov_disc_display(const char *peer, bool join, char *out, size_t size);
/* "P2P_GROUP_REMOVE <ifname>"; ifname 1..31 bytes of [A-Za-z0-9_.-]. */
ssize_t wpas_cmd_p2p_group_remove(const char *ifname, char *out, size_t size);
/* "STA <address>": hostapd's station record on a GO's group interface. */
ssize_t wpas_cmd_sta(const char *address, char *out, size_t size);
