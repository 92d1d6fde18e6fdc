/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * wfd_uibc_capability (the sink's user input back channel).
 *
 * Conventions as in wfd_params.h (which includes this header): parsers take
 * (value, len) without the "name: " prefix and return 0 / -EBADMSG / -E2BIG,
 * leaving *ret untouched on failure; formatters return the length or
 * -ENOBUFS / -EINVAL.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WFD_MAX_UIBC_HIDC 16       /* hidc_cap_list entries */

/* ---- wfd_uibc_capability ---------------------------------------------------- */

enum {
        WFD_UIBC_CATEGORY_GENERIC = 1u << 0,
        WFD_UIBC_CATEGORY_HIDC = 1u << 1,
};

/* Input types (bit positions of wfd_uibc_capability.generic_types). */
enum wfd_uibc_input_type {
        WFD_UIBC_INPUT_KEYBOARD,
        WFD_UIBC_INPUT_MOUSE,
        WFD_UIBC_INPUT_SINGLE_TOUCH,
        WFD_UIBC_INPUT_MULTI_TOUCH,
        WFD_UIBC_INPUT_JOYSTICK,
        WFD_UIBC_INPUT_CAMERA,
        WFD_UIBC_INPUT_GESTURE,
        WFD_UIBC_INPUT_REMOTE_CONTROL,
        _WFD_UIBC_INPUT_MAX,
};

enum wfd_uibc_input_path {
        WFD_UIBC_PATH_INFRARED,
        WFD_UIBC_PATH_USB,
        WFD_UIBC_PATH_BT,
        WFD_UIBC_PATH_ZIGBEE,
        WFD_UIBC_PATH_WIFI,
        WFD_UIBC_PATH_NO_SP,
        _WFD_UIBC_PATH_MAX,
};

struct wfd_uibc_hidc {
        enum wfd_uibc_input_type type;
        enum wfd_uibc_input_path path;
};

struct wfd_uibc_capability {
        bool none;
        uint32_t categories;     /* WFD_UIBC_CATEGORY_* */
        uint32_t generic_types;  /* 1 << enum wfd_uibc_input_type */
        size_t n_hidc;
        struct wfd_uibc_hidc hidc[WFD_MAX_UIBC_HIDC];
        bool has_port;           /* false = "port=none" */
        uint16_t port;
};

/* "Keyboard", "USB", ... as in wfd_uibc_capability; NULL for an unknown value. */
const char *wfd_uibc_input_type_to_string(unsigned t);
const char *wfd_uibc_input_path_to_string(unsigned p);

int wfd_uibc_capability_parse(const char *value, size_t len, struct wfd_uibc_capability *ret);
int wfd_uibc_capability_format(const struct wfd_uibc_capability *u, char *buf, size_t size);

/*
 * What we offer in M4 (or M14): the categories, GENERIC types and HIDC
 * type/path pairs both ours and the sink's capability list, with our TCP
 * port. GENERIC is kept only with a GENERIC type in common, HIDC only with a
 * pair in common. Returns 0 and *ret, -ENOENT when nothing is in common
 * (offer nothing), -EINVAL for a NULL argument or port 0.
 */
int wfd_uibc_capability_intersect(const struct wfd_uibc_capability *ours, const struct wfd_uibc_capability *sink,
                                  uint16_t port, struct wfd_uibc_capability *ret);

/* "enable" / "disable" (the wfd_uibc_setting value); returns the length or -ENOBUFS / -EINVAL. */
int wfd_uibc_setting_format(bool enable, char *buf, size_t size);

/*
 * The two M4 lines, CRLF-terminated:
 *   wfd_uibc_capability: <u>\r\n
 *   wfd_uibc_setting: enable|disable\r\n
 * Returns the length or -ENOBUFS / -EINVAL.
 */
int wfd_uibc_format_m4(const struct wfd_uibc_capability *u, bool enable, char *buf, size_t size);
