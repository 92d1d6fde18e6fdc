/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * UIBC (User Input Back Channel, Wi-Fi Display Technical Specification
 * v1.1/v2.x section 4.11.3): the input packets a sink sends over the TCP
 * connection it opens to the port we offered in wfd_uibc_capability, and
 * the pure policy around injecting them: coordinate mapping, key mapping,
 * the VT-switch/SysRq filter and a token-bucket rate limit.
 *
 *   header (4 or 6 bytes, big-endian):
 *     b0 = Version(3 bits) = 0 | T(1) | reserved(4)
 *     b1 = reserved(4) | Input Category(4): 0 GENERIC, 1 HIDC
 *     b2..3 = Length of the whole packet, header included
 *     [b4..5 = Timestamp, when T is set]
 *   GENERIC body: IE id(1) | length(2, bytes after these 3) | data
 *   HIDC body:    input path(1) | HID type(1) | usage(1) | length(2) | HID bytes
 *
 * Real sinks disagree with the letter of the header: some put T at 0x08
 * instead of 0x10 (MediaTek's source-side code reads it there), some pad a
 * packet to an even length and count the pad in Length (MiracleCast's
 * uibcctl). So the parser decides whether a timestamp is present by which
 * choice makes the body fit, and always skips to Length.
 *
 * Key codes: in GENERIC key events they are character codes (ASCII / UTF-16
 * units, as the sinks and sources we know send them); uibc_key_from_char()
 * maps them, uibc_key_from_hid_usage() maps USB HID keyboard usages.
 *
 * Key numbers are the kernel's evdev KEY_* values from
 * <linux/input-event-codes.h>: a uapi header of #defines only (no types, no
 * functions, nothing to link), so protocol/ stays libc-only in effect while
 * the numbers cannot drift from the kernel's, as a local copy could.
 *
 * Pure: no I/O, no clock (callers pass the time), no allocation.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define UIBC_HEADER_SIZE          4
#define UIBC_TIMESTAMP_SIZE       2
#define UIBC_GENERIC_IE_HEADER    3
#define UIBC_HIDC_HEADER          5
/* HID report descriptors are at most 4096 bytes (the kernel's HID_MAX_DESCRIPTOR_SIZE). */
#define UIBC_MAX_HID_LEN          4096
/* Our bound on one packet: the largest HIDC packet with a timestamp. */
#define UIBC_MAX_PACKET           (UIBC_HEADER_SIZE + UIBC_TIMESTAMP_SIZE + UIBC_HIDC_HEADER + UIBC_MAX_HID_LEN)
/* Pointers kept per touch event; more in one packet are counted and dropped. */
#define UIBC_MAX_POINTERS         10

enum uibc_category {
        UIBC_CATEGORY_GENERIC = 0,
        UIBC_CATEGORY_HIDC = 1,
};

/* GENERIC input type ids (WFD spec table "Generic input type ID"). */
enum uibc_generic_id {
        UIBC_GENERIC_TOUCH_DOWN = 0,     /* left mouse down / touch down */
        UIBC_GENERIC_TOUCH_UP = 1,
        UIBC_GENERIC_TOUCH_MOVE = 2,
        UIBC_GENERIC_KEY_DOWN = 3,
        UIBC_GENERIC_KEY_UP = 4,
        UIBC_GENERIC_ZOOM = 5,
        UIBC_GENERIC_VSCROLL = 6,
        UIBC_GENERIC_HSCROLL = 7,
        UIBC_GENERIC_ROTATE = 8,
        UIBC_GENERIC_VENDOR = 0xff,
};

enum uibc_event_type {
        UIBC_EVENT_IGNORED,              /* parsed and skipped: vendor IE, unknown id or category */
        UIBC_EVENT_TOUCH_DOWN,
        UIBC_EVENT_TOUCH_UP,
        UIBC_EVENT_TOUCH_MOVE,
        UIBC_EVENT_KEY_DOWN,
        UIBC_EVENT_KEY_UP,
        UIBC_EVENT_ZOOM,
        UIBC_EVENT_VSCROLL,
        UIBC_EVENT_HSCROLL,
        UIBC_EVENT_ROTATE,
        UIBC_EVENT_HIDC,
        _UIBC_EVENT_MAX,
};

/* HIDC usage field. */
enum uibc_hidc_usage {
        UIBC_HIDC_REPORT = 0,
        UIBC_HIDC_REPORT_DESCRIPTOR = 1,
};

/* Scroll units (bits 15-14 of a scroll body); 2 and 3 are reserved and parse as IGNORED. */
enum uibc_scroll_unit {
        UIBC_SCROLL_UNIT_PIXEL = 0,      /* pixels of the negotiated mode */
        UIBC_SCROLL_UNIT_NOTCH = 1,      /* mouse wheel notches */
};
#define UIBC_SCROLL_MAX_COUNT     0x1fff

struct uibc_pointer {
        uint8_t id;
        uint16_t x, y;                   /* pixels of the negotiated mode, origin top-left */
};

struct uibc_event {
        enum uibc_event_type type;
        uint8_t category;                /* raw Input Category */
        uint8_t generic_id;              /* raw IE id (GENERIC) */
        bool has_timestamp;
        uint16_t timestamp;
        bool quirk_t_at_0x08;            /* timestamp flagged by bit 0x08 (or unflagged but present) */
        bool quirk_padding;              /* bytes after the body, inside Length */

        /* TOUCH_DOWN/UP/MOVE */
        size_t n_pointers;
        unsigned n_pointers_dropped;     /* beyond UIBC_MAX_POINTERS */
        struct uibc_pointer pointers[UIBC_MAX_POINTERS];
        /* KEY_DOWN/UP */
        uint16_t key_code1, key_code2;
        /* ZOOM: centre and factor int + frac/256 */
        uint16_t zoom_x, zoom_y;
        uint8_t zoom_int, zoom_frac;
        /* VSCROLL/HSCROLL: the 16-bit field is unit (bits 15-14), direction (bit 13), count (bits 12-0) */
        uint8_t scroll_unit;             /* enum uibc_scroll_unit */
        int16_t scroll;                  /* count, negative when the direction bit is set (up / left) */
        /* ROTATE: radians int + frac/256 (int is signed) */
        int8_t rotate_int;
        uint8_t rotate_frac;
        /* HIDC */
        uint8_t hidc_path;               /* enum wfd_uibc_input_path */
        uint8_t hidc_type;               /* enum wfd_uibc_input_type */
        uint8_t hidc_usage;              /* enum uibc_hidc_usage */
        const uint8_t *hid;              /* view into the caller's buffer */
        size_t hid_len;
};

/*
 * Parse one packet from the start of buf (a TCP stream). Returns the bytes
 * consumed (the packet's Length) and fills *ret, or
 *   -EAGAIN           fewer than 4 bytes, or fewer than Length;
 *   -E2BIG            Length > UIBC_MAX_PACKET (known from 4 bytes);
 *   -EPROTONOSUPPORT  Version != 0;
 *   -EBADMSG          Length < 4, a body that fits neither with nor without a
 *                     timestamp, a body too short for its type.
 * Unknown categories, the vendor IE and unknown GENERIC ids parse as
 * UIBC_EVENT_IGNORED, so the stream stays in step. *ret->hid points into buf.
 */
ssize_t uibc_msg_parse(const uint8_t *buf, size_t len, struct uibc_event *ret);

/*
 * Build a packet for e (GENERIC types, or HIDC with hid/hid_len), with the
 * timestamp flag where the specification puts it (0x10) when
 * e->has_timestamp. For the test sink and round trips. Returns the length,
 * or -EINVAL (IGNORED type, more than UIBC_MAX_POINTERS pointers,
 * hid_len > UIBC_MAX_HID_LEN), -ENOBUFS.
 */
ssize_t uibc_msg_build(const struct uibc_event *e, uint8_t *buf, size_t size);
/* (also -EINVAL for a scroll with a unit above 1 or a count above UIBC_SCROLL_MAX_COUNT) */

const char *uibc_event_type_to_string(enum uibc_event_type t);

/* ---- coordinates ------------------------------------------------------------------- */

struct uibc_rect {
        int32_t x, y;
        uint32_t width, height;
};

/*
 * Where a picture of content_w x content_h appears inside a mode of
 * mode_w x mode_h when scaled with its aspect kept and centred (bars top and
 * bottom, or left and right). Returns 0, or -EINVAL for a zero size.
 */
int uibc_letterbox(uint32_t mode_w, uint32_t mode_h, uint32_t content_w, uint32_t content_h,
                   struct uibc_rect *ret);
/*
 * The same rectangle as the encoder fills it in 4:2:0 video: position and
 * size rounded down to even numbers (at least 2), so the picture covers
 * whole chroma samples; bars under 2 pixels a side become none (the whole
 * mode). The encoder (encoder/encode_convert.c,
 * encode_vaapi.c) and the input mapping (uibc_geometry_compute()) both use
 * this one, so a touch lands where the picture is. mode_w and mode_h must
 * be even. Returns 0, or -EINVAL.
 */
int uibc_letterbox_even(uint32_t mode_w, uint32_t mode_h, uint32_t content_w, uint32_t content_h,
                        struct uibc_rect *ret);

/*
 * Map a point in negotiated-mode pixels to the desktop: `active` is the part
 * of the mode that holds the picture (the whole mode when the encoder
 * stretches, uibc_letterbox() when it keeps the aspect), `target` the cast
 * area in global desktop coordinates (a monitor, a window, the extend
 * output). Points in the bars or outside the mode are -ERANGE unless clamp
 * is set (for moves and releases that wander off the edge), in which case
 * they are pulled to the nearest picture edge. The result always lies inside
 * target. Returns 0, -ERANGE, or -EINVAL for an empty rectangle.
 */
int uibc_map_point(const struct uibc_rect *active, const struct uibc_rect *target, uint16_t x, uint16_t y,
                   bool clamp, int32_t *ret_x, int32_t *ret_y);

/*
 * Everything input mapping needs for one session, decided once when input
 * becomes active:
 *   active  the picture inside the negotiated mode (bars excluded),
 *   target  the cast area in the injector's coordinates,
 *   range   the injector's coordinate range (its ABS_X/ABS_Y span).
 */
struct uibc_geometry {
        struct uibc_rect active;
        struct uibc_rect target;
        uint32_t range_width, range_height;
};

/*
 * Compute the geometry for a content_w x content_h picture sent in a
 * mode_w x mode_h mode, scaled over the whole mode (letterboxed false) or
 * with its aspect kept between bars (true, uibc_letterbox_even(), what the
 * encoder does). source is the
 * cast area in desktop coordinates (a monitor's, a window's or the extend
 * output's rectangle) and desktop_w x desktop_h the desktop's bounding box,
 * when known: the injector then spans the whole desktop and input lands on
 * source inside it, which is what a compositor mapping an absolute device
 * onto its whole layout needs. Without them (NULL, 0) the injector spans
 * the cast area alone. source must lie inside the desktop and have the
 * content's size or not: it is what input maps onto, the content size only
 * places the bars. Returns 0, or -EINVAL for a zero size, a mode over
 * 65535, or a source outside the desktop.
 */
int uibc_geometry_compute(uint32_t mode_w, uint32_t mode_h, uint32_t content_w, uint32_t content_h,
                          bool letterboxed, const struct uibc_rect *source, uint32_t desktop_w, uint32_t desktop_h,
                          struct uibc_geometry *ret);

/* ---- keys ----------------------------------------------------------------------------- */

/*
 * A GENERIC key code taken as a character (ASCII, and Latin-1/UTF-16 units
 * we cannot type are refused): the evdev key and whether Shift is needed on
 * a US layout. Control codes: BS, TAB, LF/CR (Enter), ESC, DEL. Returns 0, or
 * -ENOENT for a code we do not map (dropped, not guessed).
 */
int uibc_key_from_char(uint16_t code, uint16_t *ret_key, bool *ret_shift);

/* A USB HID keyboard-page usage (HID Usage Tables, Keyboard/Keypad page 0x07) to an evdev key; -ENOENT. */
int uibc_key_from_hid_usage(uint16_t usage, uint16_t *ret_key);

/*
 * Keys a remote sink must not press on the local machine: SysRq (and
 * Alt+Print, which keyboards turn into SysRq), Ctrl+Alt+F1..F12 (VT switch),
 * Ctrl+Alt+Backspace and Ctrl+Alt+Delete. Feed every key event the injector
 * would emit, in order; a blocked press blocks its release too, and the
 * modifier state follows what was let through.
 */
struct uibc_key_filter {
        uint8_t down[0x300 / 8];         /* keys passed down, by KEY_* number */
        uint8_t blocked[0x300 / 8];      /* keys whose press was blocked */
};

void uibc_key_filter_init(struct uibc_key_filter *f);
/* True when the event may be injected. Codes >= 0x300 are refused. */
bool uibc_key_filter_allow(struct uibc_key_filter *f, uint16_t key, bool down);

/* ---- rate limit -------------------------------------------------------------------- */

/*
 * A token bucket: `rate` events per second on average, bursts of up to
 * `burst`. Time is the caller's (any monotonic microsecond clock); a clock
 * that goes back refills nothing. Callers should let releases (touch up, key
 * up) through regardless, so a dropped flood never leaves a key held.
 */
struct uibc_rate_limit {
        uint64_t rate_per_sec;
        uint64_t burst;
        uint64_t micro_tokens;           /* tokens * 1e6 */
        uint64_t last_usec;
};

#define UIBC_DEFAULT_RATE_PER_SEC 1000
#define UIBC_DEFAULT_BURST        200

/* Starts full. Returns -EINVAL for a zero rate or burst. */
int uibc_rate_limit_init(struct uibc_rate_limit *rl, uint32_t rate_per_sec, uint32_t burst, uint64_t now_usec);
/* Take one token: true when the event may pass. */
bool uibc_rate_limit_take(struct uibc_rate_limit *rl, uint64_t now_usec);
