/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * WFD parameters: the text/parameters body (name lists and "name: value"
 * lines) and every wfd_* value a source meets, parsed into structs and
 * serialized back (docs/protocol.md, "WFD parameters" and "Audio"; [MS-WFDPE] for the
 * Microsoft names).
 *
 * The value codecs of video, audio and UIBC live in wfd_video.h, wfd_audio.h
 * and wfd_uibc.h, included here, so this header is the one to include.
 *
 * Conventions of these files:
 *   - parsers take (value, len) without the "name: " prefix, accept either hex
 *     case, any run of spaces/tabs between fields and around commas, trailing
 *     white space, and "none" wherever the grammar allows it; they return 0 and
 *     fill *ret, or -EBADMSG (peer sent garbage) / -E2BIG (over a WFD_MAX_*
 *     limit), leaving *ret untouched on failure;
 *   - formatters write the canonical spelling (fixed widths, single spaces;
 *     upper-case hex, except the byte strings EDID, MAC and timestamps, which
 *     are lower case as sinks write them) into (buf, size) and return the
 *     length like snprintf; -ENOBUFS when it does not fit (the contents of buf
 *     are then unspecified), -EINVAL for a struct that cannot be written;
 *   - nothing here does I/O or keeps state; the only allocation is the body
 *     copy a struct wfd_sink_caps owns.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "wfd_audio.h"
#include "wfd_modes.h"
#include "wfd_uibc.h"
#include "wfd_video.h"

/* Hard limits (named and tested; per-value ones in wfd_video.h, wfd_audio.h, wfd_uibc.h). */
#define WFD_MAX_PARAMS 64          /* lines in one text/parameters body */
#define WFD_MAX_BODY 65536         /* bytes in one body */
#define WFD_MAX_EDID_BLOCKS 8      /* 128-byte EDID blocks kept (a larger count is -E2BIG) */
#define WFD_MAX_URL 256            /* bytes of one presentation URL, NUL included */

/* ---- the text/parameters body ------------------------------------------ */

/*
 * One line of a body. Views into the parsed buffer: name is never empty;
 * value is NULL (has_value false) for a bare name (GET_PARAMETER lists,
 * wfd_idr_request, wfd_standby), else the text after the first ':' with the
 * surrounding white space trimmed (may be empty).
 */
struct wfd_param {
        const char *name;
        size_t name_len;
        const char *value;
        size_t value_len;
        bool has_value;
};

struct wfd_param_list {
        struct wfd_param params[WFD_MAX_PARAMS];
        size_t n;
        size_t n_invalid;  /* lines skipped: empty name, control characters, white space inside the name */
};

/*
 * Split a text/parameters body into lines ("\r\n" or "\n"; a last line
 * without a line end counts). Empty lines are skipped; malformed lines are
 * skipped and counted in n_invalid, so one odd line never loses a whole M3
 * reply. Returns 0, or -E2BIG when the body has more than WFD_MAX_PARAMS lines
 * or len > WFD_MAX_BODY, -EINVAL when body is NULL with len > 0.
 * Views point into body: keep it unchanged while *ret is in use.
 */
int wfd_params_parse_body(const char *body, size_t len, struct wfd_param_list *ret);

/* The first line named `name` (exact, case-sensitive, as the stacks match). NULL if none. */
const struct wfd_param *wfd_params_find(const struct wfd_param_list *l, const char *name);

/* True when a line's name equals the NUL-terminated `name`. */
bool wfd_param_is(const struct wfd_param *p, const char *name);

/*
 * Builder for a body into a caller-owned buffer: every call appends one line
 * ending in "\r\n". The first failure (-ENOBUFS) sticks in w->error and later
 * calls do nothing; check it once at the end. w->buf stays NUL-terminated.
 */
struct wfd_params_writer {
        char *buf;
        size_t size;
        size_t len;
        int error;
};

void wfd_params_writer_init(struct wfd_params_writer *w, char *buf, size_t size);
/* "name\r\n" (GET_PARAMETER lists, wfd_idr_request). */
int wfd_params_write_name(struct wfd_params_writer *w, const char *name);
/* "name: value\r\n". */
int wfd_params_write(struct wfd_params_writer *w, const char *name, const char *value);
/* "name: <printf>\r\n". */
int wfd_params_writef(struct wfd_params_writer *w, const char *name, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* ---- parameter names ------------------------------------------------------ */

/* The parameters this file understands. */
enum wfd_param_id {
        WFD_PARAM_AUDIO_CODECS,
        WFD_PARAM_VIDEO_FORMATS,
        WFD_PARAM_WFDX_VIDEO_FORMATS,
        WFD_PARAM_3D_VIDEO_FORMATS,
        WFD_PARAM_CLIENT_RTP_PORTS,
        WFD_PARAM_PRESENTATION_URL,
        WFD_PARAM_CONTENT_PROTECTION,
        WFD_PARAM_DISPLAY_EDID,
        WFD_PARAM_COUPLED_SINK,
        WFD_PARAM_UIBC_CAPABILITY,
        WFD_PARAM_UIBC_SETTING,
        WFD_PARAM_STANDBY_RESUME_CAPABILITY,
        WFD_PARAM_STANDBY,
        WFD_PARAM_CONNECTOR_TYPE,
        WFD_PARAM_IDR_REQUEST,
        WFD_PARAM_IDR_REQUEST_CAPABILITY,
        WFD_PARAM_MS_FORMAT_CHANGE_CAPABILITY, /* microsoft_format_change_capability */
        WFD_PARAM_TRIGGER_METHOD,
        WFD_PARAM_ROUTE,
        WFD_PARAM_I2C,
        WFD_PARAM_AV_FORMAT_CHANGE_TIMING,
        WFD_PARAM_MS_MAX_BITRATE,              /* microsoft_max_bitrate */
        WFD_PARAM_MS_LATENCY_MANAGEMENT,       /* microsoft_latency_management_capability */
        _WFD_PARAM_MAX,
        _WFD_PARAM_UNKNOWN = -1,
};

/* Spelling on the wire ("wfd_presentation_URL", "wfd_I2C"...); NULL when out of range. */
const char *wfd_param_id_to_string(enum wfd_param_id id);
/* Exact match of (name, len); _WFD_PARAM_UNKNOWN for every other name (vendor names included). */
enum wfd_param_id wfd_param_id_from_string(const char *name, size_t len);

/* ---- wfd_client_rtp_ports -------------------------------------------------- */

enum wfd_rtp_lower_transport {
        WFD_RTP_UDP,
        WFD_RTP_TCP,
};

struct wfd_client_rtp_ports {
        enum wfd_rtp_lower_transport transport; /* "RTP/AVP/UDP;unicast" or "RTP/AVP/TCP;unicast" */
        uint16_t port0;  /* primary sink RTP port */
        uint16_t port1;  /* coupled sink port, 0 = none (not RTCP); echo unchanged */
        bool mode_play;  /* "mode=play" present (it always should be) */
};

int wfd_client_rtp_ports_parse(const char *value, size_t len, struct wfd_client_rtp_ports *ret);
/* Always writes "mode=play". */
int wfd_client_rtp_ports_format(const struct wfd_client_rtp_ports *p, char *buf, size_t size);

/* ---- wfd_presentation_URL --------------------------------------------------- */

/* Empty string = "none". */
struct wfd_presentation_url {
        char url0[WFD_MAX_URL];
        char url1[WFD_MAX_URL];
};

/* -E2BIG for a URL of WFD_MAX_URL bytes or more; -EBADMSG unless "rtsp://" or "none". */
int wfd_presentation_url_parse(const char *value, size_t len, struct wfd_presentation_url *ret);
int wfd_presentation_url_format(const struct wfd_presentation_url *u, char *buf, size_t size);
/*
 * The URL we announce: url0 = "rtsp://<host>[:<port>]/wfd1.0/streamid=0" (":port"
 * only when port is non-zero), url1 = none. -EINVAL for an empty host or one
 * with characters outside A-Z a-z 0-9 . : [ ] - (IPv6 hosts come bracketed), -E2BIG if too long.
 */
int wfd_presentation_url_make(const char *host, uint16_t port, struct wfd_presentation_url *ret);

/* ---- wfd_content_protection ------------------------------------------------ */

enum wfd_hdcp {
        WFD_HDCP_NONE,
        WFD_HDCP_2_0,
        WFD_HDCP_2_1,
};

struct wfd_content_protection {
        enum wfd_hdcp hdcp;
        uint16_t port;      /* TCP port of the sink's HDCP receiver; 0 with WFD_HDCP_NONE */
};

int wfd_content_protection_parse(const char *value, size_t len, struct wfd_content_protection *ret);
int wfd_content_protection_format(const struct wfd_content_protection *c, char *buf, size_t size);

/* ---- wfd_display_edid ------------------------------------------------------- */

struct wfd_display_edid {
        bool none;             /* "none" or a zero block count */
        uint16_t block_count;  /* as sent (2 or 4 hex digits, both accepted) */
        size_t len;            /* bytes in data = 128 * block_count */
        uint8_t data[WFD_MAX_EDID_BLOCKS * 128];
};

/*
 * Block count of 2 or 4 hex digits (some sinks send "02"), then exactly
 * 256 hex digits per block: a length mismatch (truncated or padded EDID)
 * is -EBADMSG, more than WFD_MAX_EDID_BLOCKS is -E2BIG.
 */
int wfd_display_edid_parse(const char *value, size_t len, struct wfd_display_edid *ret);
int wfd_display_edid_format(const struct wfd_display_edid *e, char *buf, size_t size);
/* True when data holds at least one block starting with the EDID header 00 FF FF FF FF FF FF 00. */
bool wfd_display_edid_valid(const struct wfd_display_edid *e);
/*
 * Monitor name (descriptor tag 0xFC of the base block) as printable ASCII,
 * NUL-terminated, trailing newline/spaces removed. -ENOENT when absent.
 */
int wfd_display_edid_monitor_name(const struct wfd_display_edid *e, char *buf, size_t size);

/* ---- wfd_coupled_sink ------------------------------------------------------- */

struct wfd_coupled_sink {
        bool none;
        uint8_t status;    /* bits 1:0: 0 not coupled, 1 coupled, 2 teardown coupling */
        bool has_mac;      /* false = "none" */
        uint8_t mac[6];
};

int wfd_coupled_sink_parse(const char *value, size_t len, struct wfd_coupled_sink *ret);
int wfd_coupled_sink_format(const struct wfd_coupled_sink *c, char *buf, size_t size);

/* ---- small parameters -------------------------------------------------------- */

/* wfd_standby_resume_capability, microsoft_format_change_capability: "supported" | "none". */
int wfd_supported_parse(const char *value, size_t len, bool *ret);
const char *wfd_supported_to_string(bool supported);

/* wfd_idr_request_capability: "0" | "1". */
int wfd_idr_request_capability_parse(const char *value, size_t len, bool *ret);

/* wfd_connector_type values with a meaning beyond a connector name. */
enum {
        WFD_CONNECTOR_TYPE_HDMI = 5,
        WFD_CONNECTOR_TYPE_NONE = 254,   /* no display connected */
        WFD_CONNECTOR_TYPE_OTHER = 255,  /* a physical connector not in the table */
};

/* wfd_connector_type: HEX2 | "none" (ret_none set, *ret_type 0). */
int wfd_connector_type_parse(const char *value, size_t len, bool *ret_none, uint8_t *ret_type);
/* "VGA", "HDMI", "LVDS", "DisplayPort", "none" (254), "other" (255)...; NULL for reserved values. */
const char *wfd_connector_type_to_string(uint8_t type);

enum wfd_trigger_method {
        WFD_TRIGGER_SETUP,
        WFD_TRIGGER_PAUSE,
        WFD_TRIGGER_TEARDOWN,
        WFD_TRIGGER_PLAY,
        _WFD_TRIGGER_MAX,
};
int wfd_trigger_method_parse(const char *value, size_t len, enum wfd_trigger_method *ret);
const char *wfd_trigger_method_to_string(enum wfd_trigger_method t);

enum wfd_route {
        WFD_ROUTE_PRIMARY,
        WFD_ROUTE_SECONDARY,
        _WFD_ROUTE_MAX,
};
int wfd_route_parse(const char *value, size_t len, enum wfd_route *ret);
const char *wfd_route_to_string(enum wfd_route r);

/* wfd_uibc_setting: "enable" | "disable". */
int wfd_uibc_setting_parse(const char *value, size_t len, bool *ret_enable);

/* wfd_I2C: decimal port | "none" (ret_none set, *ret_port 0). */
int wfd_i2c_parse(const char *value, size_t len, bool *ret_none, uint16_t *ret_port);

/* microsoft_max_bitrate ([MS-WFDPE] 2.10.1.1): 1..10 decimal digits, bit/s, > 0. */
int wfd_max_bitrate_parse(const char *value, size_t len, uint64_t *ret_bps);

/* wfd_av_format_change_timing: pts:HEX10 SP dts:HEX10 (40-bit fields; 33-bit timestamps). */
struct wfd_av_format_change_timing {
        uint64_t pts;
        uint64_t dts;
};
int wfd_av_format_change_timing_parse(const char *value, size_t len, struct wfd_av_format_change_timing *ret);
int wfd_av_format_change_timing_format(const struct wfd_av_format_change_timing *t, char *buf, size_t size);

/* ---- a whole M3 reply ---------------------------------------------------------- */

/*
 * Everything a sink said in its M3 reply. has_* says the sink answered that
 * name and it parsed; invalid_mask has bit (1 << enum wfd_param_id) for a
 * known name whose value did not parse (it is then treated as absent, and the
 * raw line stays in params). Every line, unknown vendor names included, is in
 * params (views into the owned body copy).
 */
struct wfd_sink_caps {
        char *body;                       /* owned copy of the body; params point into it */
        struct wfd_param_list params;
        uint32_t invalid_mask;

        bool has_video_formats;
        struct wfd_video_formats video_formats;
        bool has_wfdx_video_formats;
        struct wfd_video_formats wfdx_video_formats;
        bool has_3d_video_formats;
        struct wfd_3d_video_formats video_3d_formats;
        bool has_audio_codecs;
        struct wfd_audio_codecs audio_codecs;
        bool has_client_rtp_ports;
        struct wfd_client_rtp_ports client_rtp_ports;
        bool has_content_protection;
        struct wfd_content_protection content_protection;
        bool has_display_edid;
        struct wfd_display_edid display_edid;
        bool has_coupled_sink;
        struct wfd_coupled_sink coupled_sink;
        bool has_uibc_capability;
        struct wfd_uibc_capability uibc_capability;
        bool has_standby_resume_capability;
        bool standby_resume_capability;
        bool has_connector_type;
        bool connector_type_none;
        uint8_t connector_type;
        bool has_idr_request_capability;
        bool idr_request_capability;
        bool has_format_change_capability;
        bool format_change_capability;    /* microsoft_format_change_capability: supported */
        bool has_latency_management;
        bool latency_management;          /* microsoft_latency_management_capability: supported ([MS-WFDPE]:
                                           * M4 may then tell it low, normal or high) */
        bool has_max_bitrate;
        uint64_t max_bitrate_bps;         /* microsoft_max_bitrate: we must encode at or below it */
        bool has_i2c;
        bool i2c_none;
        uint16_t i2c_port;
};

/*
 * Parse an M3 reply body. Returns 0 (even when some known values were
 * invalid: see invalid_mask), -E2BIG (body over the limits), -ENOMEM.
 * Call wfd_sink_caps_clear() on the result.
 */
int wfd_sink_caps_parse(const char *body, size_t len, struct wfd_sink_caps *ret);
/* Frees the body copy and zeroes *caps; safe on a zeroed or cleared struct. */
void wfd_sink_caps_clear(struct wfd_sink_caps *caps);
/*
 * The video formats the negotiation must use: wfdx_video_formats when present
 * ([MS-WFDPE]: it replaces wfd_video_formats), else wfd_video_formats, else NULL.
 */
const struct wfd_video_formats *wfd_sink_caps_video(const struct wfd_sink_caps *caps);

/* ---- M3 request ------------------------------------------------------------------- */

/*
 * The names we ask for in M3, in order (mandatory ones first, then the useful
 * optional and Microsoft ones; §5.1, §11). *ret_n gets the count.
 */
const char *const *wfd_m3_request_names(size_t *ret_n);
/* The M3 request body: those names, one per line, CRLF. Length or -ENOBUFS. */
int wfd_m3_request_body(char *buf, size_t size);
