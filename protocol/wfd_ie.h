/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Wi-Fi Display information element (docs/protocol.md, "WFD IE"):
 * parse the subelements a peer advertises and build the ones we advertise.
 *
 *   element:    DD len 50-6F-9A 0A subelements...
 *   subelement: id(1) length(2, big-endian, body only) body
 *
 * wpa_supplicant speaks hex: `WFD_SUBELEM_SET <id> <len(2) body>`, the
 * `wfd_dev_info=0x<6 bytes>` of P2P-DEVICE-FOUND, and `wfd_subelems=<id len
 * body ...>` of P2P_PEER. Pure: no I/O, no allocation.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define WFD_IE_OUI_TYPE          0x0a        /* after OUI 50:6F:9A */
#define WFD_MAX_SESSION_INFO     8           /* session info records we keep */
#define WFD_DEVICE_INFO_LEN      6
#define WFD_SESSION_INFO_REC_LEN 24          /* incl. its own length byte (23) */

enum wfd_subelem_id {
        WFD_SUBELEM_DEVICE_INFO = 0,
        WFD_SUBELEM_ASSOCIATED_BSSID = 1,
        WFD_SUBELEM_AUDIO_FORMATS = 2,
        WFD_SUBELEM_VIDEO_FORMATS = 3,
        WFD_SUBELEM_3D_VIDEO_FORMATS = 4,
        WFD_SUBELEM_CONTENT_PROTECTION = 5,
        WFD_SUBELEM_COUPLED_SINK = 6,
        WFD_SUBELEM_EXT_CAPABILITY = 7,
        WFD_SUBELEM_LOCAL_IP = 8,
        WFD_SUBELEM_SESSION_INFO = 9,
        WFD_SUBELEM_ALT_MAC = 10,
        WFD_SUBELEM_R2_DEVICE_INFO = 11,
};

enum wfd_device_type {
        WFD_DEVICE_SOURCE = 0,
        WFD_DEVICE_PRIMARY_SINK = 1,
        WFD_DEVICE_SECONDARY_SINK = 2,
        WFD_DEVICE_DUAL_ROLE = 3,
};

/* Device Information bitmap bits (docs/protocol.md, "WFD IE"). */
#define WFD_DEVINFO_TYPE_MASK                0x0003
#define WFD_DEVINFO_COUPLED_SINK_AT_SOURCE   0x0004
#define WFD_DEVINFO_COUPLED_SINK_AT_SINK     0x0008
#define WFD_DEVINFO_AVAILABILITY_MASK        0x0030
#define WFD_DEVINFO_AVAILABLE                0x0010
#define WFD_DEVINFO_SERVICE_DISCOVERY        0x0040
#define WFD_DEVINFO_PREFER_TDLS              0x0080
#define WFD_DEVINFO_CONTENT_PROTECTION       0x0100
#define WFD_DEVINFO_TIME_SYNC                0x0200
#define WFD_DEVINFO_NO_AUDIO_AT_PRIMARY_SINK 0x0400
#define WFD_DEVINFO_AUDIO_ONLY_SOURCE        0x0800
#define WFD_DEVINFO_TDLS_PERSISTENT          0x1000
#define WFD_DEVINFO_TDLS_PERSISTENT_REINVOKE 0x2000

/* Extended Capability (id 7) bits. */
#define WFD_EXT_CAPAB_UIBC                   0x0001
#define WFD_EXT_CAPAB_I2C                    0x0002
#define WFD_EXT_CAPAB_PREFERRED_DISPLAY_MODE 0x0004
#define WFD_EXT_CAPAB_STANDBY_RESUME         0x0008
#define WFD_EXT_CAPAB_TDLS_PERSISTENT        0x0010
#define WFD_EXT_CAPAB_TDLS_PERSISTENT_BSSID  0x0020

struct wfd_device_info {
        uint16_t bitmap;                /* raw bitmap, see WFD_DEVINFO_* */
        uint16_t control_port;          /* RTSP port the source listens on (7236) */
        uint16_t max_throughput_mbps;
};

struct wfd_coupled_sink {
        uint8_t status;                 /* bits 1:0: 0 not coupled, 1 coupled, 2 teardown */
        uint8_t mac[6];
};

/* One record of Session Information (id 9). */
struct wfd_session_info {
        uint8_t device_address[6];
        uint8_t associated_bssid[6];
        struct wfd_device_info info;    /* control_port is 0: not in the record */
        struct wfd_coupled_sink coupled;
};

/* Everything we understand of a peer's WFD IE; has_* say which subelements were present. */
struct wfd_ie {
        bool has_device_info;
        struct wfd_device_info device_info;
        bool has_bssid;
        uint8_t bssid[6];
        bool has_coupled_sink;
        struct wfd_coupled_sink coupled_sink;
        bool has_ext_capability;
        uint16_t ext_capability;
        bool has_local_ip;
        uint8_t local_ip_version;
        uint8_t local_ip[4];
        bool has_alt_mac;
        uint8_t alt_mac[6];
        size_t n_sessions;              /* records kept (at most WFD_MAX_SESSION_INFO) */
        struct wfd_session_info sessions[WFD_MAX_SESSION_INFO];
};

/* Accessors for the Device Information bitmap. */
enum wfd_device_type wfd_device_info_type(const struct wfd_device_info *d);
bool wfd_device_info_available(const struct wfd_device_info *d);
/* true for primary sink, secondary sink and dual role: something we can cast to. */
bool wfd_device_info_is_sink(const struct wfd_device_info *d);
/* "source", "primary-sink", "secondary-sink", "dual-role" (the Sink1.DeviceType strings). */
const char *wfd_device_type_to_string(enum wfd_device_type t);

/* Parse a 6-byte Device Information body. Returns 0 or -EBADMSG (wrong length). */
int wfd_device_info_parse(const uint8_t *body, size_t len, struct wfd_device_info *ret);
/* Write the 6-byte body. */
void wfd_device_info_build(const struct wfd_device_info *d, uint8_t out[WFD_DEVICE_INFO_LEN]);

/*
 * Parse a list of subelements (id len body ...). Unknown ids are skipped; a
 * known id with a wrong body length, or a length running past the end,
 * gives -EBADMSG. A repeated id keeps the first. Returns 0 and fills *ret.
 */
int wfd_ie_parse_subelems(const uint8_t *buf, size_t len, struct wfd_ie *ret);
/*
 * Parse one or more whole vendor IEs (DD len 50 6F 9A 0A ...); other IEs in
 * buf are skipped; the subelements of several WFD IEs are concatenated
 * first (a long IE may be split). -ENOENT when there is no WFD IE.
 */
int wfd_ie_parse_elements(const uint8_t *buf, size_t len, struct wfd_ie *ret);

/*
 * Build the subelements of ie we advertise (device info, BSSID, coupled
 * sink, extended capability, local IP, alternative MAC, session info) as
 * "id len body ..." into out. Returns the length or -ENOBUFS.
 */
ssize_t wfd_ie_build_subelems(const struct wfd_ie *ie, uint8_t *out, size_t size);

/*
 * Lower-case hex of bytes into out (size >= 2*len+1). Returns the number of
 * hex digits or -ENOBUFS.
 */
ssize_t wfd_hex_encode(const uint8_t *buf, size_t len, char *out, size_t size);
/* Hex (even length, either case) to bytes. -EBADMSG for odd length or a bad digit, -ENOBUFS when too long. */
int wfd_hex_decode(const char *hex, size_t len, uint8_t *out, size_t size, size_t *ret_len);

/*
 * The argument of `WFD_SUBELEM_SET <id> <hex>` for one subelement: the
 * 2-byte length and body, in hex ("000600101c440032" for device info).
 * Returns the string length or -ENOBUFS/-EINVAL (body over 65535 bytes).
 */
ssize_t wfd_subelem_format_set(const uint8_t *body, size_t len, char *out, size_t size);
/* Parse the reply of `WFD_SUBELEM_GET <id>` (hex "len body") into the body. */
int wfd_subelem_parse_get(const char *hex, size_t len, uint8_t *body, size_t size, size_t *ret_len);
