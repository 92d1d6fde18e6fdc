/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * wpa_supplicant control interface messages: events ("<3>P2P-DEVICE-FOUND
 * aa:.. key=value ..."), command replies ("OK", "FAIL-...", key=value lists,
 * the P2P_PEER record) and the status codes they carry. The commands we
 * send are built in wpas_cmd.h.
 *
 * Grammar (docs/p2p.md, "The wpas backend"): an optional "IFNAME=<if> " prefix
 * (global control socket), an optional "<level>", the event name, then words
 * separated by spaces. A word is "key=value" when it starts with
 * [A-Za-z0-9_]+ followed by '='; otherwise it is positional. Values may be
 * quoted with ' (device names, not escaped) or " (SSIDs, printf_encode()d:
 * \" \\ \n \xNN). Unknown keys and extra words are ignored, so newer
 * wpa_supplicant versions that append fields still parse.
 *
 * Pure: no I/O, no allocation. Parsed events copy what they keep into
 * fixed-size fields, so they outlive the input buffer. Every bad length or
 * character gives -EBADMSG, never a crash.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define WPAS_MAX_WORDS      48   /* words per event; extra words are ignored */
#define WPAS_MAX_MSG        4096 /* longest event/reply we accept */
#define WPAS_ADDR_STRLEN    18   /* "aa:bb:cc:dd:ee:ff" + NUL */
#define WPAS_IFNAME_MAX     32   /* ifname + NUL (IFNAMSIZ is 16; tolerate longer names) */
#define WPAS_NAME_MAX       128  /* device name / SSID after unescaping, + NUL */
#define WPAS_PIN_MAX        9    /* 8 digits + NUL */
#define WPAS_WFD_SUBELEMS_MAX 256 /* raw bytes of wfd_subelems kept from P2P_PEER */

/* One word of an event: key == NULL for positional words. Views into the input. */
struct wpas_word {
        const char *key;
        size_t key_len;
        const char *value;      /* without the quotes; still escaped */
        size_t value_len;
        char quote;             /* 0, '\'' or '"' */
};

/* The generic split of an event line. Views into the input buffer. */
struct wpas_line {
        int level;              /* the <N> level, -1 when absent */
        const char *ifname;     /* IFNAME= prefix, NULL when absent */
        size_t ifname_len;
        const char *name;       /* event name, e.g. "P2P-DEVICE-FOUND" */
        size_t name_len;
        struct wpas_word words[WPAS_MAX_WORDS];
        size_t n_words;
};

/*
 * Split one event datagram (len bytes, need not be NUL-terminated; one
 * trailing newline is ignored). Returns 0 and fills *ret, or -EBADMSG for an
 * empty/malformed line (unterminated quote, bad level, NUL byte), -E2BIG when
 * longer than WPAS_MAX_MSG. Words beyond WPAS_MAX_WORDS are dropped.
 */
int wpas_line_split(const char *buf, size_t len, struct wpas_line *ret);

/* First word with this key, or NULL. */
const struct wpas_word *wpas_line_get(const struct wpas_line *l, const char *key);
/* The n-th positional word (0-based), or NULL. */
const struct wpas_word *wpas_line_positional(const struct wpas_line *l, size_t n);

/*
 * Copy a word's value into out (size bytes incl. NUL), undoing printf_encode
 * escapes for "-quoted values. Returns the length, -ENOBUFS when it does not
 * fit, -EBADMSG for a bad escape or an embedded NUL.
 */
ssize_t wpas_word_unescape(const struct wpas_word *w, char *out, size_t size);

/* Parse helpers shared with the daemon. All return 0 or -EBADMSG. */
/* "aa:bb:cc:dd:ee:ff" (case-insensitive) -> 6 bytes. */
int wpas_parse_mac(const char *s, size_t len, uint8_t ret[6]);
/* 6 bytes -> lower-case "aa:bb:cc:dd:ee:ff" (out must hold WPAS_ADDR_STRLEN). */
void wpas_format_mac(const uint8_t mac[6], char out[WPAS_ADDR_STRLEN]);
/* Decimal or 0x-hex unsigned, no sign, fits 32 bits. */
int wpas_parse_u32(const char *s, size_t len, uint32_t *ret);
/* Signed decimal that fits an int. */
int wpas_parse_int(const char *s, size_t len, int *ret);
/* Dotted IPv4 "a.b.c.d" -> bytes in network order. */
int wpas_parse_ipv4(const char *s, size_t len, uint8_t ret[4]);

enum wpas_event_type {
        WPAS_EVENT_UNKNOWN,                /* valid line, an event we do not use */
        WPAS_EVENT_P2P_DEVICE_FOUND,
        WPAS_EVENT_P2P_DEVICE_LOST,
        WPAS_EVENT_P2P_FIND_STOPPED,
        WPAS_EVENT_P2P_GO_NEG_REQUEST,
        WPAS_EVENT_P2P_GO_NEG_SUCCESS,
        WPAS_EVENT_P2P_GO_NEG_FAILURE,
        WPAS_EVENT_P2P_GROUP_FORMATION_SUCCESS,
        WPAS_EVENT_P2P_GROUP_FORMATION_FAILURE,
        WPAS_EVENT_P2P_GROUP_STARTED,
        WPAS_EVENT_P2P_GROUP_REMOVED,
        WPAS_EVENT_P2P_PROV_DISC_PBC_REQ,
        WPAS_EVENT_P2P_PROV_DISC_PBC_RESP,
        WPAS_EVENT_P2P_PROV_DISC_SHOW_PIN,
        WPAS_EVENT_P2P_PROV_DISC_ENTER_PIN,
        WPAS_EVENT_P2P_PROV_DISC_FAILURE,
        WPAS_EVENT_P2P_FALLBACK_TO_GO_NEG,
        WPAS_EVENT_AP_STA_CONNECTED,
        WPAS_EVENT_AP_STA_DISCONNECTED,
        WPAS_EVENT_CTRL_CONNECTED,
        WPAS_EVENT_CTRL_DISCONNECTED,
        WPAS_EVENT_CTRL_TERMINATING,
        _WPAS_EVENT_MAX,
};

enum wpas_role {
        WPAS_ROLE_UNKNOWN,
        WPAS_ROLE_GO,
        WPAS_ROLE_CLIENT,
};

/* P2P-GROUP-REMOVED reason=, as wpa_supplicant 2.10 prints it. */
enum wpas_group_removed_reason {
        WPAS_GROUP_REMOVED_UNKNOWN,        /* absent or a value we do not know */
        WPAS_GROUP_REMOVED_REQUESTED,
        WPAS_GROUP_REMOVED_FORMATION_FAILED,
        WPAS_GROUP_REMOVED_IDLE,
        WPAS_GROUP_REMOVED_UNAVAILABLE,
        WPAS_GROUP_REMOVED_GO_ENDING_SESSION,
        WPAS_GROUP_REMOVED_PSK_FAILURE,
        WPAS_GROUP_REMOVED_FREQ_CONFLICT,
        _WPAS_GROUP_REMOVED_MAX,
};

/*
 * A decoded event. Only the fields of its type are set; strings are empty
 * and numbers -1 when the event did not carry them. Secrets (psk=,
 * passphrase=) are deliberately not kept.
 */
struct wpas_event {
        enum wpas_event_type type;
        int level;                          /* <N>, -1 if absent */
        char ifname[WPAS_IFNAME_MAX];       /* IFNAME= prefix of the global socket, "" if absent */

        char peer[WPAS_ADDR_STRLEN];        /* the peer's P2P device address */
        char peer_iface[WPAS_ADDR_STRLEN];  /* GO-NEG-SUCCESS peer_iface=, AP-STA-* station MAC */
        char name[WPAS_NAME_MAX];           /* device name (DEVICE-FOUND, PBC-REQ) */
        char pri_dev_type[32];
        int64_t config_methods, dev_capab, group_capab;   /* -1 if absent */
        bool has_wfd_dev_info;
        uint8_t wfd_dev_info[6];            /* the 6-byte WFD Device Information body */
        int is_new;                         /* DEVICE-FOUND new=, -1 if absent */

        char group_ifname[WPAS_IFNAME_MAX]; /* GROUP-STARTED/REMOVED ifname, PBC-REQ group= */
        enum wpas_role role;                /* GROUP-STARTED/REMOVED, GO-NEG-SUCCESS */
        char ssid[WPAS_NAME_MAX];           /* GROUP-STARTED ssid=, unescaped */
        int freq_mhz;                       /* GO-NEG-SUCCESS, GROUP-STARTED; -1 if absent */
        char go_dev_addr[WPAS_ADDR_STRLEN];
        bool persistent;
        bool has_ip;                        /* GROUP-STARTED ip_addr/ip_mask/go_ip_addr, or AP-STA-CONNECTED ip_addr */
        uint8_t ip_addr[4], ip_mask[4], go_ip_addr[4];

        enum wpas_group_removed_reason removed_reason;
        int status;                         /* GO-NEG-FAILURE, PROV-DISC-FAILURE status=; -1 if absent */
        char pin[WPAS_PIN_MAX];             /* PROV-DISC-SHOW-PIN */
        int dev_passwd_id, go_intent;       /* GO-NEG-REQUEST; -1 if absent */
        char wps_method[16];                /* GO-NEG-SUCCESS */
};

/*
 * Parse one event datagram into *ret (see wpas_line_split() for errors).
 * An unknown event name gives type WPAS_EVENT_UNKNOWN and returns 0.
 * A known event missing a mandatory field (e.g. the peer address) or with a
 * malformed value gives -EBADMSG.
 */
int wpas_event_parse(const char *buf, size_t len, struct wpas_event *ret);

const char *wpas_event_type_to_string(enum wpas_event_type t);
const char *wpas_role_to_string(enum wpas_role r);
const char *wpas_group_removed_reason_to_string(enum wpas_group_removed_reason r);

/*
 * P2P Status attribute codes: Wi-Fi P2P Technical Specification 4.1.2,
 * Table 8 "Status codes". wpa_supplicant reports them in
 * P2P-GO-NEG-FAILURE status= and P2P-INVITATION-RESULT status=.
 */
enum wpas_p2p_status {
        WPAS_P2P_STATUS_SUCCESS = 0,
        WPAS_P2P_STATUS_FAIL_INFO_UNAVAILABLE = 1,        /* the peer's user has not accepted yet */
        WPAS_P2P_STATUS_FAIL_INCOMPATIBLE_PARAMETERS = 2,
        WPAS_P2P_STATUS_FAIL_LIMIT_REACHED = 3,
        WPAS_P2P_STATUS_FAIL_INVALID_PARAMETERS = 4,
        WPAS_P2P_STATUS_FAIL_UNABLE_TO_ACCOMMODATE = 5,
        WPAS_P2P_STATUS_FAIL_PREVIOUS_PROTOCOL_ERROR = 6, /* or disruptive behaviour */
        WPAS_P2P_STATUS_FAIL_NO_COMMON_CHANNELS = 7,
        WPAS_P2P_STATUS_FAIL_UNKNOWN_GROUP = 8,
        WPAS_P2P_STATUS_FAIL_BOTH_GO_INTENT_15 = 9,
        WPAS_P2P_STATUS_FAIL_INCOMPATIBLE_PROVISIONING = 10,
        WPAS_P2P_STATUS_FAIL_REJECTED_BY_USER = 11,
        WPAS_P2P_STATUS_SUCCESS_ACCEPTED_BY_USER = 12,
};

/*
 * P2P-PROV-DISC-FAILURE status=: not a spec code but wpa_supplicant's own
 * enum p2p_prov_disc_status (src/p2p/p2p.h).
 */
enum wpas_prov_disc_status {
        WPAS_PROV_DISC_SUCCESS = 0,
        WPAS_PROV_DISC_TIMEOUT = 1,
        WPAS_PROV_DISC_REJECTED = 2,
        WPAS_PROV_DISC_TIMEOUT_JOIN = 3,
        WPAS_PROV_DISC_INFO_UNAVAILABLE = 4,
};

/* A P2P status code (enum wpas_p2p_status) as a short text for the user; "unknown status" otherwise. */
const char *wpas_p2p_status_to_string(int status);
/* A provision discovery status (enum wpas_prov_disc_status) as a short text; "unknown status" otherwise. */
const char *wpas_prov_disc_status_to_string(int status);

/* Kind of a command reply. */
enum wpas_reply {
        WPAS_REPLY_OK,           /* "OK" */
        WPAS_REPLY_FAIL,         /* "FAIL" or "FAIL-<REASON>" */
        WPAS_REPLY_UNKNOWN,      /* "UNKNOWN COMMAND" */
        WPAS_REPLY_PONG,         /* "PONG" */
        WPAS_REPLY_DATA,         /* anything else: a data blob */
};

/* Classify a reply (trailing newline ignored). */
enum wpas_reply wpas_reply_classify(const char *buf, size_t len);
/* Map a reply to 0 (OK/PONG/DATA) or -errno: FAIL -> -EIO (FAIL-INVALID-PIN -EINVAL,
 * FAIL-CHANNEL-* -EHOSTUNREACH, FAIL-BUSY -EBUSY), UNKNOWN COMMAND -> -EOPNOTSUPP. */
int wpas_reply_to_errno(const char *buf, size_t len);

/*
 * Find "key=value" on its own line in a multi-line reply (STATUS,
 * SIGNAL_POLL, P2P_PEER). Sets the value view (to end of line, \r dropped)
 * and returns 0, or -ENOENT.
 */
int wpas_reply_get(const char *buf, size_t len, const char *key, const char **ret_value, size_t *ret_len);

/* The P2P_PEER <addr> reply. */
struct wpas_peer {
        char address[WPAS_ADDR_STRLEN];     /* first line: P2P device address */
        char name[WPAS_NAME_MAX];           /* device_name= */
        char pri_dev_type[32];
        int64_t config_methods, dev_capab, group_capab; /* -1 if absent */
        int level;                          /* RSSI dBm; 0 if absent */
        int listen_freq, oper_freq;         /* -1 if absent */
        char interface_addr[WPAS_ADDR_STRLEN];
        int age;                            /* seconds, -1 if absent */
        uint8_t wfd_subelems[WPAS_WFD_SUBELEMS_MAX];
        size_t wfd_subelems_len;            /* 0 when the peer has none */
};

/*
 * Parse a P2P_PEER reply. Returns 0, -ENOENT for "FAIL" (no such peer) or an
 * empty reply (end of a P2P_PEER NEXT- iteration), -EBADMSG when the first
 * line is not a MAC address or a known field is malformed.
 */
int wpas_peer_parse(const char *buf, size_t len, struct wpas_peer *ret);
