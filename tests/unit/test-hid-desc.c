/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * HID report descriptors from HIDC sinks (protocol/hid_desc.c): parsing
 * real-shaped descriptors (boot keyboard and mouse, composite with report
 * ids, NKRO bitmap), the limits, and the keyboard filter that strips SysRq
 * and the Ctrl+Alt combinations from reports before uhid sees them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../protocol/hid_desc.h"
#include "../lib/test.h"

/* HID 1.11 Appendix B.1, the boot-protocol keyboard (what Windows sinks send for a keyboard). */
static const uint8_t boot_keyboard[] = {
        0x05, 0x01, 0x09, 0x06, 0xa1, 0x01,             /* Generic Desktop, Keyboard, Application */
        0x05, 0x07, 0x19, 0xe0, 0x29, 0xe7, 0x15, 0x00, 0x25, 0x01,
        0x75, 0x01, 0x95, 0x08, 0x81, 0x02,             /* 8 modifier bits */
        0x95, 0x01, 0x75, 0x08, 0x81, 0x01,             /* reserved byte */
        0x95, 0x05, 0x75, 0x01, 0x05, 0x08, 0x19, 0x01, 0x29, 0x05, 0x91, 0x02, /* LEDs */
        0x95, 0x01, 0x75, 0x03, 0x91, 0x01,
        0x95, 0x06, 0x75, 0x08, 0x15, 0x00, 0x26, 0xff, 0x00, 0x05, 0x07, 0x19, 0x00, 0x29, 0xff,
        0x81, 0x00,                                     /* 6 key slots, array */
        0xc0,
};

/* HID 1.11 Appendix B.2, the boot-protocol mouse. */
static const uint8_t boot_mouse[] = {
        0x05, 0x01, 0x09, 0x02, 0xa1, 0x01, 0x09, 0x01, 0xa1, 0x00,
        0x05, 0x09, 0x19, 0x01, 0x29, 0x03, 0x15, 0x00, 0x25, 0x01, 0x95, 0x03, 0x75, 0x01, 0x81, 0x02,
        0x95, 0x01, 0x75, 0x05, 0x81, 0x01,
        0x05, 0x01, 0x09, 0x30, 0x09, 0x31, 0x15, 0x81, 0x25, 0x7f, 0x75, 0x08, 0x95, 0x02, 0x81, 0x06,
        0xc0, 0xc0,
};

/* A keyboard (report id 1, NKRO bitmap of usages 0..0x67) and a mouse (id 2) in one descriptor. */
static const uint8_t composite[] = {
        0x05, 0x01, 0x09, 0x06, 0xa1, 0x01, 0x85, 0x01,
        0x05, 0x07, 0x19, 0xe0, 0x29, 0xe7, 0x15, 0x00, 0x25, 0x01, 0x75, 0x01, 0x95, 0x08, 0x81, 0x02,
        0x19, 0x00, 0x29, 0x67, 0x95, 0x68, 0x81, 0x02,  /* 104 key bits */
        0xc0,
        0x05, 0x01, 0x09, 0x02, 0xa1, 0x01, 0x85, 0x02, 0x09, 0x01, 0xa1, 0x00,
        0x05, 0x09, 0x19, 0x01, 0x29, 0x03, 0x15, 0x00, 0x25, 0x01, 0x95, 0x03, 0x75, 0x01, 0x81, 0x02,
        0x95, 0x01, 0x75, 0x05, 0x81, 0x03,
        0x05, 0x01, 0x09, 0x30, 0x09, 0x31, 0x15, 0x81, 0x25, 0x7f, 0x75, 0x08, 0x95, 0x02, 0x81, 0x06,
        0xc0, 0xc0,
};

#define MOD_LCTRL  0x01
#define MOD_LSHIFT 0x02
#define MOD_LALT   0x04
#define MOD_RALT   0x40

static struct hid_desc parse_ok(const uint8_t *buf, size_t len)
{
        struct hid_desc d;
        int r = hid_desc_parse(buf, len, &d);

        if (r != 0) {
                fprintf(stderr, "hid_desc_parse: %d\n", r);
                abort();
        }
        return d;
}

/* Filter a boot-keyboard report (modifiers, keys...) and return what is left. */
static int filter_boot(struct hid_key_filter *f, const struct hid_desc *d, uint8_t mods, const uint8_t keys[6],
                       uint8_t out[8])
{
        uint8_t in[8] = { mods, 0 };

        memcpy(in + 2, keys, 6);
        return hid_key_filter_report(f, d, in, sizeof(in), out);
}

TEST(test_hid_parse_boot_keyboard, "/hid/parse/boot keyboard: modifier bitmap and a 6-key array") {
        struct hid_desc d = parse_ok(boot_keyboard, sizeof(boot_keyboard));

        assert_true(d.keyboard);
        assert_false(d.mouse);
        assert_false(d.has_report_ids);
        assert_int_eq(d.n_fields, 2);
        assert_true(d.fields[0].variable);
        assert_int_eq(d.fields[0].bit_offset, 0);
        assert_int_eq(d.fields[0].size, 1);
        assert_int_eq(d.fields[0].count, 8);
        assert_int_eq(d.fields[0].usage_min, 0xe0);
        assert_int_eq(d.fields[0].usage_max, 0xe7);
        assert_false(d.fields[1].variable);
        assert_int_eq(d.fields[1].bit_offset, 16);     /* after the modifiers and the constant byte */
        assert_int_eq(d.fields[1].count, 6);
        assert_int_eq(d.fields[1].logical_max, 255);   /* 2-byte 0x00ff read unsigned */
        assert_int_eq(d.max_input_bytes, 8);           /* the LED output report does not count */
}

TEST(test_hid_parse_boot_mouse, "/hid/parse/boot mouse: a mouse, no keyboard field, 3-byte reports") {
        struct hid_desc d = parse_ok(boot_mouse, sizeof(boot_mouse));

        assert_true(d.mouse);
        assert_false(d.keyboard);
        assert_int_eq(d.n_fields, 0);
        assert_int_eq(d.max_input_bytes, 3);
}

TEST(test_hid_parse_composite, "/hid/parse/composite keyboard + mouse with report ids") {
        struct hid_desc d = parse_ok(composite, sizeof(composite));

        assert_true(d.keyboard);
        assert_true(d.mouse);
        assert_true(d.has_report_ids);
        assert_int_eq(d.n_fields, 2);
        assert_int_eq(d.fields[1].report_id, 1);
        assert_int_eq(d.fields[1].bit_offset, 8);
        assert_int_eq(d.fields[1].count, 0x68);
        assert_int_eq(d.max_input_bytes, 1 + 1 + 13);
}

TEST(test_hid_parse_prefixes, "/hid/parse/every proper prefix of a descriptor is refused, never read past") {
        struct hid_desc d;

        for (size_t i = 0; i < sizeof(boot_keyboard); i++) {
                uint8_t *copy = malloc(i ? i : 1);
                memcpy(copy, boot_keyboard, i);
                assert_int_eq(hid_desc_parse(copy, i, &d), -EBADMSG);
                free(copy);
        }
}

TEST(test_hid_parse_limits, "/hid/parse/malformed and oversized descriptors") {
        static const uint8_t truncated[] = { 0x05, 0x01, 0x26, 0xff };
        static const uint8_t stray_end[] = { 0x75, 0x08, 0x95, 0x01, 0x81, 0x02, 0xc0 };
        static const uint8_t id_zero[] = { 0x85, 0x00, 0x75, 0x08, 0x95, 0x01, 0x81, 0x02 };
        static const uint8_t huge_size[] = { 0x76, 0x2c, 0x01, 0x95, 0x01, 0x81, 0x01 };   /* Report Size 300 */
        static const uint8_t pop_first[] = { 0xb4, 0x75, 0x08, 0x95, 0x01, 0x81, 0x02 };
        static const uint8_t no_input[] = { 0x05, 0x01, 0x09, 0x02, 0xa1, 0x01, 0xc0 };
        static const uint8_t input_before_id[] = { 0x75, 0x08, 0x95, 0x01, 0x81, 0x02, 0x85, 0x01, 0x81, 0x02 };
        static const uint8_t wide_key[] = { 0x05, 0x07, 0x75, 0x21, 0x95, 0x01, 0x81, 0x00 };   /* 33-bit keys */
        static const uint8_t long_report[] = { 0x75, 0x08, 0x96, 0x01, 0x10, 0x81, 0x01 };    /* 4097 bytes */
        uint8_t deep[2 * (HID_MAX_DEPTH + 1) + 6], many[8 + 2 * (HID_MAX_FIELDS + 1)], big[HID_MAX_DESCRIPTOR + 1];
        struct hid_desc d;
        size_t n = 0;

        assert_int_eq(hid_desc_parse(truncated, sizeof(truncated), &d), -EBADMSG);
        assert_int_eq(hid_desc_parse(stray_end, sizeof(stray_end), &d), -EBADMSG);
        assert_int_eq(hid_desc_parse(id_zero, sizeof(id_zero), &d), -EBADMSG);
        assert_int_eq(hid_desc_parse(huge_size, sizeof(huge_size), &d), -EBADMSG);
        assert_int_eq(hid_desc_parse(pop_first, sizeof(pop_first), &d), -EBADMSG);
        assert_int_eq(hid_desc_parse(no_input, sizeof(no_input), &d), -EBADMSG);
        assert_int_eq(hid_desc_parse(input_before_id, sizeof(input_before_id), &d), -EBADMSG);
        assert_int_eq(hid_desc_parse(wide_key, sizeof(wide_key), &d), -EBADMSG);
        assert_int_eq(hid_desc_parse(long_report, sizeof(long_report), &d), -EBADMSG);
        assert_int_eq(hid_desc_parse(boot_keyboard, 0, &d), -EBADMSG);

        for (size_t i = 0; i <= HID_MAX_DEPTH; i++) {
                deep[n++] = 0xa1;
                deep[n++] = 0x00;
        }
        memcpy(deep + n, (const uint8_t[]) { 0x75, 0x08, 0x95, 0x01, 0x81, 0x01 }, 6);
        assert_int_eq(hid_desc_parse(deep, sizeof(deep), &d), -E2BIG);

        n = 0;
        memcpy(many, (const uint8_t[]) { 0x05, 0x07, 0x75, 0x08, 0x95, 0x01, 0x25, 0x01 }, 8);
        n = 8;
        for (size_t i = 0; i <= HID_MAX_FIELDS; i++) {
                many[n++] = 0x81;
                many[n++] = 0x00;
        }
        assert_int_eq(hid_desc_parse(many, sizeof(many), &d), -E2BIG);
        assert_int_eq(hid_desc_parse(many, sizeof(many) - 2, &d), 0);   /* exactly the limit */
        assert_int_eq(d.n_fields, HID_MAX_FIELDS);

        memset(big, 0, sizeof(big));
        assert_int_eq(hid_desc_parse(big, sizeof(big), &d), -E2BIG);
}

TEST(test_hid_report_keys, "/hid/report/pressed keys of a boot report, short reports and unknown ids") {
        struct hid_desc d = parse_ok(boot_keyboard, sizeof(boot_keyboard)),
                        c = parse_ok(composite, sizeof(composite));
        static const uint8_t report[] = { MOD_LSHIFT, 0, 0x04, 0x05, 0, 0, 0, 0 };
        uint8_t pressed[32];

        assert_int_eq(hid_report_keys(&d, report, sizeof(report), pressed), 0);
        assert_true(pressed[0xe1 / 8] & (1u << (0xe1 % 8)));    /* left shift */
        assert_true(pressed[0] & (1u << 4));                     /* a */
        assert_true(pressed[0] & (1u << 5));                     /* b */
        assert_false(pressed[0] & 1);                            /* 0 = no key */
        /* Three bytes: the modifiers and the first key only. */
        assert_int_eq(hid_report_keys(&d, report, 3, pressed), 0);
        assert_true(pressed[0] & (1u << 4));
        assert_false(pressed[0] & (1u << 5));

        assert_int_eq(hid_report_keys(&c, (const uint8_t[]) { 3, 0, 0 }, 3, pressed), -ENOENT);
        assert_int_eq(hid_report_keys(&c, (const uint8_t[]) { 1, MOD_LCTRL, 0x01 }, 3, pressed), 0);
        assert_true(pressed[0xe0 / 8] & 1);
        assert_int_eq(pressed[0], 0);                            /* bit 0 of the bitmap is usage 0: no key */
}

TEST(test_hid_filter_boot, "/hid/filter/boot keyboard: SysRq, PrintScreen, Ctrl+Alt+F1/Backspace/Delete stripped") {
        struct hid_desc d = parse_ok(boot_keyboard, sizeof(boot_keyboard));
        struct hid_key_filter f;
        uint8_t out[8];

        hid_key_filter_init(&f);
        /* Ordinary typing passes as it is. */
        assert_int_eq(filter_boot(&f, &d, MOD_LSHIFT, (const uint8_t[6]) { 0x04, 0x3a }, out), 0);
        assert_mem_eq(out, ((const uint8_t[8]) { MOD_LSHIFT, 0, 0x04, 0x3a }), 8);
        /* Alt+PrintScreen (the SysRq chord): the Alt stays, the key goes. */
        assert_int_eq(filter_boot(&f, &d, MOD_LALT, (const uint8_t[6]) { 0x46 }, out), 1);
        assert_mem_eq(out, ((const uint8_t[8]) { MOD_LALT, 0, 0 }), 8);
        assert_int_eq(filter_boot(&f, &d, 0, (const uint8_t[6]) { 0x9a, 0x04 }, out), 1);
        assert_mem_eq(out, ((const uint8_t[8]) { 0, 0, 0, 0x04 }), 8);
        /* Ctrl+Alt+F1: stripped; Ctrl let go first, F1 still held: still stripped (no plain F1 appears). */
        assert_int_eq(filter_boot(&f, &d, MOD_LCTRL | MOD_RALT, (const uint8_t[6]) { 0x3a }, out), 1);
        assert_mem_eq(out, ((const uint8_t[8]) { MOD_LCTRL | MOD_RALT, 0, 0 }), 8);
        assert_int_eq(filter_boot(&f, &d, MOD_RALT, (const uint8_t[6]) { 0x3a }, out), 1);
        assert_int_eq(out[2], 0);
        /* F1 released, then pressed again with Alt only: allowed. */
        assert_int_eq(filter_boot(&f, &d, MOD_RALT, (const uint8_t[6]) { 0 }, out), 0);
        assert_int_eq(filter_boot(&f, &d, MOD_RALT, (const uint8_t[6]) { 0x3a }, out), 0);
        assert_int_eq(out[2], 0x3a);
        /* The zap and the salute, and F24 (usage 0x73) in any slot. */
        assert_int_eq(filter_boot(&f, &d, MOD_LCTRL | MOD_LALT, (const uint8_t[6]) { 0x17, 0x2a, 0x4c, 0, 0, 0x73 },
                                  out), 3);
        assert_mem_eq(out, ((const uint8_t[8]) { MOD_LCTRL | MOD_LALT, 0, 0x17, 0, 0, 0, 0, 0 }), 8);
        /* Ctrl+Alt+T is fine. */
        assert_int_eq(filter_boot(&f, &d, MOD_LCTRL | MOD_LALT, (const uint8_t[6]) { 0x17 }, out), 0);
        /* Bad calls. */
        assert_int_eq(hid_key_filter_report(&f, &d, out, 0, out), -EINVAL);
        assert_int_eq(hid_key_filter_report(&f, &d, out, HID_MAX_REPORT + 1, out), -EINVAL);
}

TEST(test_hid_filter_composite, "/hid/filter/NKRO bitmap keyboard with report ids; the mouse report untouched") {
        struct hid_desc d = parse_ok(composite, sizeof(composite));
        struct hid_key_filter f;
        uint8_t kb[15] = { 1, MOD_LCTRL | MOD_LALT }, out[15];
        static const uint8_t mouse[4] = { 2, 0x01, 0x05, 0xfb };

        hid_key_filter_init(&f);
        kb[2 + 0x3b / 8] |= 1u << (0x3b % 8);                    /* F2 */
        kb[2 + 0x04 / 8] |= 1u << (0x04 % 8);                    /* a */
        assert_int_eq(hid_key_filter_report(&f, &d, kb, sizeof(kb), out), 1);
        assert_false(out[2 + 0x3b / 8] & (1u << (0x3b % 8)));
        assert_true(out[2 + 0x04 / 8] & (1u << (0x04 % 8)));
        assert_int_eq(out[0], 1);
        assert_int_eq(out[1], MOD_LCTRL | MOD_LALT);

        assert_int_eq(hid_key_filter_report(&f, &d, mouse, sizeof(mouse), out), 0);
        assert_mem_eq(out, mouse, sizeof(mouse));
        assert_int_eq(hid_key_filter_report(&f, &d, (const uint8_t[]) { 9, 0 }, 2, out), -ENOENT);
}

TEST(test_hid_filter_unremovable, "/hid/filter/an array where every value names a key: the report is dropped") {
        /* Modifier bitmap, then one 8-bit array slot whose values 0..255 all name usages F1 upwards. */
        static const uint8_t desc[] = {
                0x05, 0x07, 0x19, 0xe0, 0x29, 0xe7, 0x15, 0x00, 0x25, 0x01, 0x75, 0x01, 0x95, 0x08, 0x81, 0x02,
                0x15, 0x00, 0x26, 0xff, 0x00, 0x19, 0x3a, 0x2a, 0x39, 0x01, 0x75, 0x08, 0x95, 0x01, 0x81, 0x00,
        };
        struct hid_desc d = parse_ok(desc, sizeof(desc));
        struct hid_key_filter f;
        uint8_t out[2];

        hid_key_filter_init(&f);
        assert_int_eq(hid_key_filter_report(&f, &d, (const uint8_t[]) { MOD_LCTRL, 0 }, 2, out), 0);   /* Ctrl+F1 */
        assert_int_eq(hid_key_filter_report(&f, &d, (const uint8_t[]) { MOD_LCTRL | MOD_LALT, 0 }, 2, out), -EPERM);
        /* Still held after Alt is let go: still refused, until a report without it. */
        assert_int_eq(hid_key_filter_report(&f, &d, (const uint8_t[]) { MOD_LCTRL, 0 }, 2, out), -EPERM);
        assert_int_eq(hid_key_filter_report(&f, &d, (const uint8_t[]) { 0, 0xff }, 2, out), 0);  /* usage 0x139: none */
        assert_int_eq(hid_key_filter_report(&f, &d, (const uint8_t[]) { MOD_LCTRL, 0 }, 2, out), 0);
}
