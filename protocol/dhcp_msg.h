/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * DHCPv4 messages (RFC 2131 BOOTP layout + RFC 2132 options): parse what a
 * client or server sends and build the few messages our minimal server and
 * client need. Pure: no I/O, no allocation, no clock.
 *
 *   op htype hlen hops | xid | secs flags | ciaddr | yiaddr | siaddr | giaddr
 *   chaddr(16) sname(64) file(128) | magic 63 82 53 63 | options... 255
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define DHCP_SERVER_PORT   67
#define DHCP_CLIENT_PORT   68
#define DHCP_FIXED_LEN     236        /* BOOTP header up to the magic cookie */
#define DHCP_MIN_LEN       (DHCP_FIXED_LEN + 4)
#define DHCP_MAX_LEN       1500       /* what we build and accept */
#define DHCP_FLAG_BROADCAST 0x8000
#define DHCP_MAX_CLIENT_ID 64

enum dhcp_op {
        DHCP_OP_REQUEST = 1,          /* BOOTREQUEST: client to server */
        DHCP_OP_REPLY = 2,            /* BOOTREPLY */
};

enum dhcp_type {                      /* option 53 */
        DHCP_DISCOVER = 1,
        DHCP_OFFER = 2,
        DHCP_REQUEST = 3,
        DHCP_DECLINE = 4,
        DHCP_ACK = 5,
        DHCP_NAK = 6,
        DHCP_RELEASE = 7,
        DHCP_INFORM = 8,
};

enum dhcp_option {
        DHCP_OPT_PAD = 0,
        DHCP_OPT_SUBNET_MASK = 1,
        DHCP_OPT_ROUTER = 3,
        DHCP_OPT_HOST_NAME = 12,
        DHCP_OPT_REQUESTED_IP = 50,
        DHCP_OPT_LEASE_TIME = 51,
        DHCP_OPT_OVERLOAD = 52,
        DHCP_OPT_MESSAGE_TYPE = 53,
        DHCP_OPT_SERVER_ID = 54,
        DHCP_OPT_PARAM_REQUEST = 55,
        DHCP_OPT_RENEWAL_T1 = 58,
        DHCP_OPT_REBINDING_T2 = 59,
        DHCP_OPT_CLIENT_ID = 61,
        DHCP_OPT_END = 255,
};

/* A parsed message: the fields we use. Addresses are network byte order bytes. */
struct dhcp_msg {
        uint8_t op;
        uint32_t xid;
        uint16_t secs, flags;
        uint8_t ciaddr[4], yiaddr[4], siaddr[4], giaddr[4];
        uint8_t chaddr[6];            /* Ethernet only (htype 1, hlen 6) */
        int type;                     /* option 53, 0 if absent */
        bool has_subnet_mask, has_router, has_requested_ip, has_server_id, has_lease_time;
        uint8_t subnet_mask[4], router[4], requested_ip[4], server_id[4];
        uint32_t lease_time_sec, t1_sec, t2_sec; /* t1/t2 0 if absent */
        uint8_t client_id[DHCP_MAX_CLIENT_ID];
        size_t client_id_len;
};

/*
 * Parse one UDP payload. Returns 0, or -EBADMSG for a short packet, wrong
 * magic cookie, non-Ethernet hardware type, an option running past the end
 * or a malformed known option (wrong length). Options in sname/file
 * (overload) are not used and ignored.
 */
int dhcp_msg_parse(const uint8_t *buf, size_t len, struct dhcp_msg *ret);

/*
 * Build a message from m: the BOOTP header from its fields, then option 53
 * (m->type), and each option whose has_* flag is set (server id, lease
 * time with T1 = lease/2 and T2 = lease*7/8 when t1/t2 are 0, subnet mask,
 * router, requested IP, client id), then for requests a parameter request
 * list (1, 3, 51, 54). Returns the length (at least 300, padded as BOOTP
 * relays expect) or -ENOBUFS.
 */
ssize_t dhcp_msg_build(const struct dhcp_msg *m, uint8_t *out, size_t size);

const char *dhcp_type_to_string(int type);
