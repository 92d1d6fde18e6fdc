/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz the HID report descriptor parser and the keyboard filter: the input
 * is a descriptor (its length in the first two bytes, little-endian, taken
 * modulo what is there) followed by reports, each prefixed by a length byte.
 * Checks: the parser stays inside its limits; a filtered report is the same
 * length, never holds SysRq or PrintScreen, never Ctrl+Alt with F1..F24,
 * Backspace or Delete; filtering the output again removes nothing new.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../protocol/hid_desc.h"

static bool has(const uint8_t p[32], unsigned u)
{
        return p[u / 8] & (1u << (u % 8));
}

static void check_clean(const struct hid_desc *d, const uint8_t *out, size_t len)
{
        uint8_t p[32];
        bool ctrl, alt;

        if (hid_report_keys(d, out, len, p) < 0)
                __builtin_trap();
        if (has(p, 0x46) || has(p, 0x9a))
                __builtin_trap();
        ctrl = has(p, 0xe0) || has(p, 0xe4);
        alt = has(p, 0xe2) || has(p, 0xe6);
        if (ctrl && alt)
                for (unsigned u = 0; u < 256; u++)
                        if (has(p, u) && ((u >= 0x3a && u <= 0x45) || (u >= 0x68 && u <= 0x73) || u == 0x2a ||
                                          u == 0x4c || u == 0x63))
                                __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static struct hid_desc d;
        static struct hid_key_filter f, g;
        static uint8_t out[HID_MAX_REPORT], again[HID_MAX_REPORT];
        size_t dlen, off;
        int r;

        if (size < 2)
                return 0;
        dlen = (size_t) (data[0] | data[1] << 8) % (size - 1);
        r = hid_desc_parse(data + 2, dlen, &d);
        if (r != 0 && r != -EBADMSG && r != -E2BIG)
                __builtin_trap();
        if (r < 0)
                return 0;
        if (d.n_fields > HID_MAX_FIELDS || d.max_input_bytes > HID_MAX_REPORT || (d.n_fields > 0 && !d.keyboard))
                __builtin_trap();
        for (size_t i = 0; i < d.n_fields; i++)
                if (d.fields[i].size == 0 || d.fields[i].size > 32 ||
                    d.fields[i].bit_offset + (uint64_t) d.fields[i].size * d.fields[i].count > HID_MAX_REPORT * 8)
                        __builtin_trap();

        hid_key_filter_init(&f);
        off = 2 + dlen;
        while (off < size) {
                size_t n = data[off++];

                if (n > size - off)
                        n = size - off;
                r = hid_key_filter_report(&f, &d, data + off, n, out);
                if (r >= 0) {
                        check_clean(&d, out, n);
                        /* A fresh filter finds nothing more to strip in a filtered report. */
                        hid_key_filter_init(&g);
                        if (hid_key_filter_report(&g, &d, out, n, again) != 0 || memcmp(out, again, n) != 0)
                                __builtin_trap();
                } else if (r != -ENOENT && r != -EPERM && r != -EINVAL)
                        __builtin_trap();
                off += n;
        }
        return 0;
}
