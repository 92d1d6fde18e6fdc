/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * MS-MICE (Miracast over Infrastructure Connection Establishment) control
 * messages on TCP port 7250, and the _display._tcp DNS-SD TXT record a MICE
 * sink announces. [MS-MICE] section 2.2 (messages), 2.2.7 (TLVs).
 *
 *   message: Size(2, big-endian, whole message incl. these 4 bytes)
 *            Version(1) = 1  Command(1)  TLV...
 *   TLV:     Type(1)  Length(2, big-endian, value only)  Value
 *
 * The source sends SOURCE_READY (friendly name, RTSP port, source id) and
 * STOP_PROJECTION (friendly name, source id); the sink may send
 * STOP_PROJECTION at any time. The security variants (SESSION_REQUEST,
 * SECURITY_HANDSHAKE carrying DTLS records, PIN challenge/response) are
 * recognised by their command and TLV types only, so the caller can refuse
 * them with a clear reason; we implement neither DTLS nor the PIN hash.
 *
 * Pure: no I/O, no allocation. Parsed strings are views into the caller's
 * buffer.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define MICE_PORT                  7250
#define MICE_VERSION               1
#define MICE_HEADER_SIZE           4
#define MICE_TLV_HEADER_SIZE       3
/* Our bound on one message. The 16-bit Size allows 65535; the baseline
 * messages are far below 1 KiB (name <= 520 + port + id), and the security
 * ones we refuse are recognised from the header alone (mice_msg_peek()). */
#define MICE_MAX_MESSAGE           4096
/* [MS-MICE] 2.2.7.1: the friendly name is at most 520 bytes of UTF-16. */
#define MICE_MAX_FRIENDLY_NAME     520
/* Enough UTF-8 for any name within MICE_MAX_FRIENDLY_NAME, plus NUL:
 * one UTF-16 unit becomes at most 3 bytes (a pair of units, 4). */
#define MICE_FRIENDLY_NAME_UTF8_MAX (MICE_MAX_FRIENDLY_NAME / 2 * 3 + 1)
/* The source id is opaque; we accept up to this many bytes from a peer. */
#define MICE_MAX_SOURCE_ID         255

enum mice_command {
        MICE_COMMAND_SOURCE_READY = 1,
        MICE_COMMAND_STOP_PROJECTION = 2,
        MICE_COMMAND_SECURITY_HANDSHAKE = 3,
        MICE_COMMAND_SESSION_REQUEST = 4,
        MICE_COMMAND_PIN_CHALLENGE = 5,
        MICE_COMMAND_PIN_RESPONSE = 6,
};

enum mice_tlv_type {
        MICE_TLV_FRIENDLY_NAME = 0,
        MICE_TLV_RTSP_PORT = 2,
        MICE_TLV_SOURCE_ID = 3,
        MICE_TLV_SECURITY_TOKEN = 4,
        MICE_TLV_SECURITY_OPTIONS = 5,
        MICE_TLV_PIN_CHALLENGE = 6,
        MICE_TLV_PIN_RESPONSE_REASON = 7,
};

/* SECURITY_OPTIONS value bits ([MS-MICE] 2.2.7.5). */
#define MICE_SECURITY_USE_DTLS     0x01
#define MICE_SECURITY_SINK_PIN     0x02

struct mice_msg {
        uint16_t size;                  /* == bytes consumed */
        uint8_t version;
        uint8_t command;                /* enum mice_command, or an unknown value */

        const uint8_t *friendly_name;   /* UTF-16LE bytes (view), NULL if absent */
        size_t friendly_name_len;       /* even, <= MICE_MAX_FRIENDLY_NAME */
        bool has_rtsp_port;
        uint16_t rtsp_port;
        const uint8_t *source_id;       /* view, NULL if absent */
        size_t source_id_len;           /* 1..MICE_MAX_SOURCE_ID */
        bool has_security_options;
        uint8_t security_options;       /* MICE_SECURITY_* */
        bool has_security_token;        /* DTLS records: recognised, not read */
        bool has_pin_challenge;
        bool has_pin_response_reason;
        uint8_t pin_response_reason;

        unsigned n_tlvs;                /* all TLVs, known or not */
        unsigned n_unknown_tlvs;        /* skipped */
};

/*
 * Read the 4-byte header only: lets the caller name a message it will not
 * parse (too big, a security command). Returns 0, or -EAGAIN for fewer than
 * 4 bytes. Writes only the non-NULL out-parameters.
 */
int mice_msg_peek(const uint8_t *buf, size_t len, uint16_t *ret_size, uint8_t *ret_version, uint8_t *ret_command);

/*
 * Parse one message from the start of buf (a TCP stream: buf may hold the
 * start of a message or more than one). Returns the bytes consumed (the
 * message's Size) and fills *ret, or
 *   -EAGAIN           buf holds only the start of a message; read more,
 *   -E2BIG            Size > MICE_MAX_MESSAGE (known from the first 2 bytes),
 *   -EPROTONOSUPPORT  Version != 1,
 *   -EBADMSG          Size < 4, a TLV overruns the message, a known TLV has
 *                     a wrong length (port != 2, options != 1, odd or too
 *                     long name, empty or too long source id) or repeats.
 * Unknown TLV types are skipped (counted in n_unknown_tlvs); unknown commands
 * parse (the caller decides). *ret holds views into buf.
 */
ssize_t mice_msg_parse(const uint8_t *buf, size_t len, struct mice_msg *ret);

/* "SOURCE_READY", ..., or NULL for an unknown command. */
const char *mice_command_to_string(uint8_t command);

/* True for the commands of the secured variants (DTLS, PIN) we refuse. */
bool mice_command_is_security(uint8_t command);

/*
 * What a source does with a message from the sink, as a sentence for the
 * log/D-Bus: NULL for STOP_PROJECTION (end the cast cleanly), otherwise why
 * the attempt ends (security negotiation not supported, unexpected
 * SOURCE_READY, unknown command).
 */
const char *mice_msg_refusal_reason(const struct mice_msg *m);

/*
 * Build SOURCE_READY: FRIENDLY_NAME (friendly_name, UTF-8, converted to
 * UTF-16LE), RTSP_PORT, SOURCE_ID. Returns the message length, or
 *   -EINVAL        NULL/invalid UTF-8 name, empty name, port 0, source id
 *                  empty or longer than MICE_MAX_SOURCE_ID,
 *   -ENAMETOOLONG  the name needs more than MICE_MAX_FRIENDLY_NAME bytes,
 *   -ENOBUFS       size too small.
 */
ssize_t mice_msg_build_source_ready(const char *friendly_name, uint16_t rtsp_port, const uint8_t *source_id,
                                    size_t source_id_len, uint8_t *buf, size_t size);

/* Build STOP_PROJECTION ([MS-MICE] 2.2.2): FRIENDLY_NAME, SOURCE_ID. Errors as above. */
ssize_t mice_msg_build_stop_projection(const char *friendly_name, const uint8_t *source_id, size_t source_id_len,
                                       uint8_t *buf, size_t size);

/*
 * Convert a FRIENDLY_NAME value (UTF-16LE) to NUL-terminated UTF-8 for logs
 * and D-Bus. Stops at a U+0000 unit (some peers terminate the name); a lone
 * surrogate, an odd trailing byte or a control character becomes U+FFFD.
 * Returns the UTF-8 length (without NUL), or -ENOBUFS (size too small;
 * MICE_FRIENDLY_NAME_UTF8_MAX always fits a parsed name), -EINVAL.
 */
ssize_t mice_friendly_name_to_utf8(const uint8_t *utf16le, size_t len, char *buf, size_t size);

/* ---- _display._tcp TXT record (DNS-SD, RFC 6763 §6) ------------------------- */

#define MICE_CONTAINER_ID_MAX      36   /* GUID without braces: 8-4-4-4-12 */

struct mice_display_txt {
        bool has_container_id;
        char container_id[MICE_CONTAINER_ID_MAX + 1];   /* lower case, no braces */
        bool has_p2p_mac;
        uint8_t p2p_mac[6];                             /* the sink's P2P device address */
        unsigned n_bad;                                 /* known keys with malformed values, ignored */
};

/*
 * Fold one TXT string ("key=value", no length byte) into *txt: the keys
 * container_id (a GUID, braces optional) and p2pMAC (aa:bb:cc:dd:ee:ff, or
 * 12 hex digits), matched case-insensitively. Per RFC 6763 §6.4 the first
 * occurrence of a key wins. Returns 1 when the entry set a field, 0 when it
 * was ignored (unknown key, a repeat, no '='), -EBADMSG for a malformed
 * value of a known key (*txt unchanged).
 */
int mice_display_txt_add(struct mice_display_txt *txt, const uint8_t *entry, size_t len);

/*
 * Parse TXT RDATA (a sequence of length-prefixed strings, RFC 1035 §3.3.14)
 * into *ret; malformed values of known keys are counted in n_bad and
 * ignored. Returns 0, or -EBADMSG when a length byte overruns the data.
 */
int mice_display_txt_parse(const uint8_t *rdata, size_t len, struct mice_display_txt *ret);
