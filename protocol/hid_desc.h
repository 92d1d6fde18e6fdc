/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * HID report descriptors and reports that a UIBC sink sends in HIDC packets
 * (docs/uibc.md, "HIDC"). The kernel parses the descriptor for real once we
 * hand it to /dev/uhid; this parser exists for two decisions the daemon has
 * to make before that:
 *
 *   - whether a descriptor is sane enough to create a device from (bounded:
 *     item count, collection depth, report sizes), and
 *   - where the keyboard keys sit in each input report, so that SysRq and
 *     the VT-switch / zap combinations can be stripped from a report before
 *     the kernel sees it (the same policy as uibc_key_filter_allow() for
 *     GENERIC keys).
 *
 * Only Input main items on the keyboard page are kept (the rest only move the
 * bit offsets on); Output and Feature reports are never read. Reports are little-endian bit fields (HID 1.11, 5.8 and 6.2.2.7):
 * field i of a main item starts at bit offset + i * size of its report, after
 * the Report ID byte when the descriptor uses report ids.
 *
 * Pure: no I/O, no allocation; views are not kept, what is needed is copied.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The kernel's HID_MAX_DESCRIPTOR_SIZE, and uhid's UHID_DATA_MAX for one report. */
#define HID_MAX_DESCRIPTOR   4096
#define HID_MAX_REPORT       4096
/* Keyboard-page Input items kept (a boot keyboard has 2, an NKRO one 3 or 4). */
#define HID_MAX_FIELDS       64
/* Explicit Usage items remembered per main item; further ones are counted as the last. */
#define HID_MAX_USAGES       16
#define HID_MAX_DEPTH        16         /* collections and Push nesting */

#define HID_PAGE_GENERIC_DESKTOP 0x01
#define HID_PAGE_KEYBOARD        0x07

struct hid_field {
        uint8_t report_id;               /* 0 when the descriptor uses no report ids */
        uint32_t bit_offset;             /* from the start of the report's data, after the id byte */
        uint8_t size;                    /* bits per value, 1..32 */
        uint16_t count;
        bool variable;                   /* one usage per value; else an array of usage indices */
        bool constant;                   /* padding */
        uint16_t usage_page;
        int32_t logical_min, logical_max;
        /* Usages: the explicit list if n_usages > 0, else usage_min..usage_max. */
        uint8_t n_usages;
        uint16_t usages[HID_MAX_USAGES];
        uint16_t usage_min, usage_max;
};

struct hid_desc {
        bool has_report_ids;
        bool keyboard;                   /* an Input field on the keyboard page */
        bool mouse;                      /* an application collection Generic Desktop / Mouse or Pointer */
        size_t n_fields;
        struct hid_field fields[HID_MAX_FIELDS];
        uint16_t max_input_bytes;        /* the longest input report, id byte included */
        uint8_t input_ids[32];           /* bit n: report id n has Input items (id 0: no ids used) */
};

/*
 * Parse a report descriptor (short items; long items are skipped). Returns 0
 * and fills *ret, or
 *   -EBADMSG  an item running past the end, Report Size over 256 (the
 *             kernel's limit) or a keyboard field with values over 32 bits
 *             or of size 0, unbalanced collections or Push/Pop, an input
 *             report longer than HID_MAX_REPORT, Report ID 0, len 0 or no
 *             Input item at all;
 *   -E2BIG    len > HID_MAX_DESCRIPTOR, more than HID_MAX_FIELDS
 *             keyboard items, nesting deeper than HID_MAX_DEPTH.
 */
int hid_desc_parse(const uint8_t *buf, size_t len, struct hid_desc *ret);

/*
 * The keyboard usages (page 7) pressed in an input report: bit u of
 * ret_pressed (32 bytes) for usage u. Fields the report is too short for
 * count as not pressed (the kernel pads short reports with zeros). Returns
 * 0, or -ENOENT when the report's id is not an input report of desc.
 */
int hid_report_keys(const struct hid_desc *desc, const uint8_t *report, size_t len, uint8_t ret_pressed[32]);

/*
 * Strips from keyboard input reports what a remote display must not press on
 * this machine: SysRq (usage 0x9A) and PrintScreen (0x46, which the kernel
 * turns into KEY_SYSRQ), and with Ctrl and Alt held F1..F24, Backspace and
 * Delete (VT switch, X zap, the reboot salute). A key stripped once stays
 * stripped until a report shows it released, so letting go of Ctrl first
 * never turns a blocked F1 into a plain one. One filter per device.
 */
struct hid_key_filter {
        uint8_t blocked[256][32];        /* per report id: usages being stripped */
};

void hid_key_filter_init(struct hid_key_filter *f);

/*
 * Copy report (len bytes, id byte included when desc has report ids) to out
 * (at least len bytes) with the blocked keys removed: a variable (bitmap)
 * field's bit cleared, an array entry set to a value that names no usage.
 * Returns the number of keys removed (0: out is a copy), or -ENOENT for an
 * unknown report id, -EPERM when a key could not be removed (an array
 * whose every value names a usage: drop the whole report), -EINVAL for
 * len 0 or len > HID_MAX_REPORT.
 */
int hid_key_filter_report(struct hid_key_filter *f, const struct hid_desc *desc, const uint8_t *report,
                          size_t len, uint8_t *out);
