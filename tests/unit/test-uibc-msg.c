/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * UIBC (WFD spec 4.11.3): packet parse/build with the quirks of real sinks,
 * coordinate mapping, key mapping, the VT-switch/SysRq filter, the rate
 * limit, and the wfd_uibc_capability offer (intersection + M4 lines).
 */
#include <errno.h>
#include <linux/input-event-codes.h>
#include <stdlib.h>
#include <string.h>

#include "../../protocol/uibc_msg.h"
#include "../../protocol/wfd_uibc.h"
#include "../lib/test.h"

/* Laid out by hand from the header and GENERIC/HIDC body tables. */
static const uint8_t touch_down[] = {           /* one pointer, id 0, at (960, 540); no timestamp */
        0x00, 0x00, 0x00, 0x0d, 0x00, 0x00, 0x06, 0x01, 0x00, 0x03, 0xc0, 0x02, 0x1c,
};
static const uint8_t touch_down_ts[] = {        /* the same with T where the spec puts it (0x10) */
        0x10, 0x00, 0x00, 0x0f, 0x12, 0x34, 0x00, 0x00, 0x06, 0x01, 0x00, 0x03, 0xc0, 0x02, 0x1c,
};
static const uint8_t key_down_a[] = {           /* key down 'A' (0x0041), code2 0 */
        0x00, 0x00, 0x00, 0x0c, 0x03, 0x00, 0x05, 0x00, 0x00, 0x41, 0x00, 0x00,
};
static const uint8_t hidc_report[] = {          /* HIDC, USB keyboard, report: 'a' pressed (boot report) */
        0x00, 0x01, 0x00, 0x11, 0x01, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00,
};

static ssize_t parse_exact(const uint8_t *data, size_t len, struct uibc_event *e)
{
        uint8_t *copy = malloc(len ? len : 1);
        ssize_t r;

        memcpy(copy, data, len);
        r = uibc_msg_parse(copy, len, e);
        if (r >= 0 && e->hid)
                e->hid = data + (e->hid - copy);
        free(copy);
        return r;
}

TEST(test_uibc_parse_touch, "/uibc/parse/GENERIC touch down, every prefix -EAGAIN, byte-exact rebuild") {
        struct uibc_event e;
        uint8_t out[64];

        for (size_t i = 0; i < sizeof(touch_down); i++)
                assert_int_eq(parse_exact(touch_down, i, &e), -EAGAIN);
        assert_int_eq(parse_exact(touch_down, sizeof(touch_down), &e), sizeof(touch_down));
        assert_int_eq(e.type, UIBC_EVENT_TOUCH_DOWN);
        assert_str_eq(uibc_event_type_to_string(e.type), "touch-down");
        assert_false(e.has_timestamp);
        assert_false(e.quirk_padding);
        assert_int_eq(e.n_pointers, 1);
        assert_int_eq(e.pointers[0].id, 0);
        assert_int_eq(e.pointers[0].x, 960);
        assert_int_eq(e.pointers[0].y, 540);
        assert_int_eq(uibc_msg_build(&e, out, sizeof(out)), sizeof(touch_down));
        assert_mem_eq(out, touch_down, sizeof(touch_down));
        assert_int_eq(uibc_msg_build(&e, out, sizeof(touch_down) - 1), -ENOBUFS);
}

TEST(test_uibc_parse_timestamp, "/uibc/parse/timestamp flagged at 0x10 (spec), at 0x08 (MediaTek), unflagged, or flagged but absent") {
        uint8_t mtk[sizeof(touch_down_ts)], unflagged[sizeof(touch_down_ts)], absent[sizeof(touch_down)];
        struct uibc_event e;
        uint8_t out[64];

        assert_int_eq(parse_exact(touch_down_ts, sizeof(touch_down_ts), &e), sizeof(touch_down_ts));
        assert_true(e.has_timestamp);
        assert_int_eq(e.timestamp, 0x1234);
        assert_false(e.quirk_t_at_0x08);
        assert_int_eq(e.pointers[0].x, 960);
        assert_int_eq(uibc_msg_build(&e, out, sizeof(out)), sizeof(touch_down_ts));
        assert_mem_eq(out, touch_down_ts, sizeof(touch_down_ts));

        memcpy(mtk, touch_down_ts, sizeof(mtk));
        mtk[0] = 0x08;
        assert_int_eq(parse_exact(mtk, sizeof(mtk), &e), sizeof(mtk));
        assert_true(e.has_timestamp && e.quirk_t_at_0x08);
        assert_int_eq(e.timestamp, 0x1234);
        assert_int_eq(e.pointers[0].y, 540);

        memcpy(unflagged, touch_down_ts, sizeof(unflagged));
        unflagged[0] = 0x00;
        assert_int_eq(parse_exact(unflagged, sizeof(unflagged), &e), sizeof(unflagged));
        assert_true(e.has_timestamp);
        assert_int_eq(e.type, UIBC_EVENT_TOUCH_DOWN);
        assert_int_eq(e.pointers[0].x, 960);

        memcpy(absent, touch_down, sizeof(absent));
        absent[0] = 0x10;
        assert_int_eq(parse_exact(absent, sizeof(absent), &e), sizeof(absent));
        assert_false(e.has_timestamp);
        assert_int_eq(e.type, UIBC_EVENT_TOUCH_DOWN);
        assert_int_eq(e.pointers[0].y, 540);
}

TEST(test_uibc_parse_padding, "/uibc/parse/MiracleCast pads to an even length: the pad is skipped, the stream stays in step") {
        static const uint8_t padded_then_key[] = {
                0x00, 0x00, 0x00, 0x0e, 0x02, 0x00, 0x06, 0x01, 0x07, 0x00, 0x0a, 0x00, 0x14, 0x00,   /* move + pad */
                0x00, 0x00, 0x00, 0x0c, 0x04, 0x00, 0x05, 0x00, 0x00, 0x0d, 0x00, 0x00,               /* key up CR */
        };
        struct uibc_event e;
        ssize_t n = parse_exact(padded_then_key, sizeof(padded_then_key), &e);

        assert_int_eq(n, 14);
        assert_int_eq(e.type, UIBC_EVENT_TOUCH_MOVE);
        assert_true(e.quirk_padding);
        assert_int_eq(e.pointers[0].id, 7);
        assert_int_eq(e.pointers[0].x, 10);
        assert_int_eq(e.pointers[0].y, 20);
        assert_int_eq(parse_exact(padded_then_key + n, sizeof(padded_then_key) - n, &e), 12);
        assert_int_eq(e.type, UIBC_EVENT_KEY_UP);
        assert_int_eq(e.key_code1, 0x0d);

        /* T set, timestamp 0, vscroll -3, two pad bytes: read at offset 4 the bytes would also make a
         * (zero-pointer) touch down that fills Length exactly; the flag decides, not the exact fit */
        static const uint8_t ts_padded[] = { 0x10, 0x00, 0x00, 0x0d, 0x00, 0x00, 0x06, 0x00, 0x02, 0x60, 0x03, 0x00, 0x00 };
        assert_int_eq(parse_exact(ts_padded, sizeof(ts_padded), &e), sizeof(ts_padded));
        assert_int_eq(e.type, UIBC_EVENT_VSCROLL);
        assert_int_eq(e.scroll, -3);
        assert_true(e.has_timestamp);
        assert_true(e.quirk_padding);
}

TEST(test_uibc_parse_multi, "/uibc/parse/two-finger move, and more pointers than UIBC_MAX_POINTERS") {
        static const uint8_t two[] = {
                0x00, 0x00, 0x00, 0x12, 0x02, 0x00, 0x0b, 0x02,
                0x00, 0x00, 0x64, 0x00, 0xc8, 0x01, 0x07, 0x80, 0x04, 0x38,
        };
        uint8_t many[4 + 3 + 1 + 12 * 5];
        struct uibc_event e;

        assert_int_eq(parse_exact(two, sizeof(two), &e), sizeof(two));
        assert_int_eq(e.type, UIBC_EVENT_TOUCH_MOVE);
        assert_int_eq(e.n_pointers, 2);
        assert_int_eq(e.pointers[1].id, 1);
        assert_int_eq(e.pointers[1].x, 1920);
        assert_int_eq(e.pointers[1].y, 1080);

        memset(many, 0, sizeof(many));
        many[3] = sizeof(many);
        many[4] = UIBC_GENERIC_TOUCH_DOWN;
        many[6] = 1 + 12 * 5;
        many[7] = 12;
        for (int i = 0; i < 12; i++)
                many[8 + i * 5] = (uint8_t) i;
        assert_int_eq(parse_exact(many, sizeof(many), &e), sizeof(many));
        assert_int_eq(e.n_pointers, UIBC_MAX_POINTERS);
        assert_int_eq(e.n_pointers_dropped, 2);
        assert_int_eq(e.pointers[9].id, 9);
        /* the count claims 13 pointers, the bytes hold 12 */
        many[7] = 13;
        assert_int_eq(parse_exact(many, sizeof(many), &e), -EBADMSG);
        /* zero pointers: nothing to do */
        many[7] = 0;
        assert_int_eq(parse_exact(many, sizeof(many), &e), sizeof(many));
        assert_int_eq(e.type, UIBC_EVENT_IGNORED);
}

TEST(test_uibc_parse_other_generic, "/uibc/parse/key, zoom, scroll both ways, rotate: fields and rebuild") {
        static const uint8_t zoom[] = { 0x00, 0x00, 0x00, 0x0d, 0x05, 0x00, 0x06, 0x01, 0x00, 0x00, 0x80, 0x01, 0x80 };
        /* scroll: unit (B15-14), direction (B13), count (B12-0): 3 notches up, 2 pixels right */
        static const uint8_t vscroll[] = { 0x00, 0x00, 0x00, 0x09, 0x06, 0x00, 0x02, 0x60, 0x03 };
        static const uint8_t hscroll[] = { 0x00, 0x00, 0x00, 0x09, 0x07, 0x00, 0x02, 0x00, 0x02 };
        static const uint8_t reserved_unit[] = { 0x00, 0x00, 0x00, 0x09, 0x06, 0x00, 0x02, 0x80, 0x01 };
        static const uint8_t rotate[] = { 0x00, 0x00, 0x00, 0x09, 0x08, 0x00, 0x02, 0xff, 0x80 };
        const struct { const uint8_t *b; size_t n; } all[] = {
                { key_down_a, sizeof(key_down_a) }, { zoom, sizeof(zoom) }, { vscroll, sizeof(vscroll) },
                { hscroll, sizeof(hscroll) }, { rotate, sizeof(rotate) },
        };
        struct uibc_event e;
        uint8_t out[64];

        assert_int_eq(parse_exact(key_down_a, sizeof(key_down_a), &e), sizeof(key_down_a));
        assert_int_eq(e.type, UIBC_EVENT_KEY_DOWN);
        assert_int_eq(e.key_code1, 'A');
        assert_int_eq(e.key_code2, 0);
        assert_int_eq(parse_exact(zoom, sizeof(zoom), &e), sizeof(zoom));
        assert_int_eq(e.type, UIBC_EVENT_ZOOM);
        assert_int_eq(e.zoom_x, 256);
        assert_int_eq(e.zoom_y, 128);
        assert_int_eq(e.zoom_int, 1);
        assert_int_eq(e.zoom_frac, 0x80);
        assert_int_eq(parse_exact(vscroll, sizeof(vscroll), &e), sizeof(vscroll));
        assert_int_eq(e.type, UIBC_EVENT_VSCROLL);
        assert_int_eq(e.scroll_unit, UIBC_SCROLL_UNIT_NOTCH);
        assert_int_eq(e.scroll, -3);
        assert_int_eq(parse_exact(hscroll, sizeof(hscroll), &e), sizeof(hscroll));
        assert_int_eq(e.type, UIBC_EVENT_HSCROLL);
        assert_int_eq(e.scroll_unit, UIBC_SCROLL_UNIT_PIXEL);
        assert_int_eq(e.scroll, 2);
        assert_int_eq(parse_exact(reserved_unit, sizeof(reserved_unit), &e), sizeof(reserved_unit));
        assert_int_eq(e.type, UIBC_EVENT_IGNORED);
        /* the largest count both ways; one more cannot be written */
        e = (struct uibc_event) { .type = UIBC_EVENT_HSCROLL, .scroll = -UIBC_SCROLL_MAX_COUNT };
        assert_int_eq(uibc_msg_build(&e, out, sizeof(out)), 9);
        assert_int_eq(out[7], 0x3f);
        assert_int_eq(out[8], 0xff);
        e.scroll = UIBC_SCROLL_MAX_COUNT + 1;
        assert_int_eq(uibc_msg_build(&e, out, sizeof(out)), -EINVAL);
        e.scroll = 1, e.scroll_unit = 2;
        assert_int_eq(uibc_msg_build(&e, out, sizeof(out)), -EINVAL);
        assert_int_eq(parse_exact(rotate, sizeof(rotate), &e), sizeof(rotate));
        assert_int_eq(e.type, UIBC_EVENT_ROTATE);
        assert_int_eq(e.rotate_int, -1);
        assert_int_eq(e.rotate_frac, 0x80);
        for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
                assert_int_eq(parse_exact(all[i].b, all[i].n, &e), all[i].n);
                assert_int_eq(uibc_msg_build(&e, out, sizeof(out)), all[i].n);
                assert_mem_eq(out, all[i].b, all[i].n);
        }
}

TEST(test_uibc_parse_hidc, "/uibc/parse/HIDC report: path, type, usage and the HID bytes as a view") {
        struct uibc_event e;
        uint8_t out[64];

        assert_int_eq(parse_exact(hidc_report, sizeof(hidc_report), &e), sizeof(hidc_report));
        assert_int_eq(e.type, UIBC_EVENT_HIDC);
        assert_int_eq(e.hidc_path, WFD_UIBC_PATH_USB);
        assert_int_eq(e.hidc_type, WFD_UIBC_INPUT_KEYBOARD);
        assert_int_eq(e.hidc_usage, UIBC_HIDC_REPORT);
        assert_int_eq(e.hid_len, 8);
        assert_true(e.hid == hidc_report + 9);
        assert_int_eq(e.hid[2], 0x04);
        assert_int_eq(uibc_msg_build(&e, out, sizeof(out)), sizeof(hidc_report));
        assert_mem_eq(out, hidc_report, sizeof(hidc_report));
}

TEST(test_uibc_parse_ignored, "/uibc/parse/vendor IE, unknown GENERIC id and unknown category are skipped whole") {
        static const uint8_t vendor[] = { 0x00, 0x00, 0x00, 0x09, 0xff, 0x00, 0x02, 0xab, 0xcd };
        static const uint8_t unknown_id[] = { 0x00, 0x00, 0x00, 0x08, 0x09, 0x00, 0x01, 0x00 };
        static const uint8_t category5[] = { 0x00, 0x05, 0x00, 0x06, 0xde, 0xad };
        struct uibc_event e;
        uint8_t out[16];

        assert_int_eq(parse_exact(vendor, sizeof(vendor), &e), sizeof(vendor));
        assert_int_eq(e.type, UIBC_EVENT_IGNORED);
        assert_int_eq(e.generic_id, 0xff);
        assert_int_eq(parse_exact(unknown_id, sizeof(unknown_id), &e), sizeof(unknown_id));
        assert_int_eq(e.type, UIBC_EVENT_IGNORED);
        assert_int_eq(parse_exact(category5, sizeof(category5), &e), sizeof(category5));
        assert_int_eq(e.type, UIBC_EVENT_IGNORED);
        assert_int_eq(e.category, 5);
        assert_int_eq(uibc_msg_build(&e, out, sizeof(out)), -EINVAL);
}

TEST(test_uibc_parse_bad, "/uibc/parse/version, short and long Length, bodies that do not fit or are too short") {
        static const uint8_t v1[] = { 0x20, 0x00, 0x00, 0x04 };
        static const uint8_t len3[] = { 0x00, 0x00, 0x00, 0x03 };
        static const uint8_t huge[] = { 0x00, 0x00, 0xff, 0xff };
        static const uint8_t overrun[] = { 0x00, 0x00, 0x00, 0x08, 0x06, 0x00, 0x05, 0x00 };
        static const uint8_t short_key[] = { 0x00, 0x00, 0x00, 0x09, 0x03, 0x00, 0x02, 0x00, 0x41 };
        static const uint8_t short_hidc[] = { 0x00, 0x01, 0x00, 0x08, 0x01, 0x00, 0x00, 0x00 };
        static const uint8_t header_only[] = { 0x00, 0x00, 0x00, 0x04 };
        struct uibc_event e = { .key_code1 = 4242 };

        assert_int_eq(parse_exact(v1, sizeof(v1), &e), -EPROTONOSUPPORT);
        assert_int_eq(parse_exact(len3, sizeof(len3), &e), -EBADMSG);
        assert_int_eq(parse_exact(huge, sizeof(huge), &e), -E2BIG);
        assert_int_eq(parse_exact(overrun, sizeof(overrun), &e), -EBADMSG);
        assert_int_eq(parse_exact(short_key, sizeof(short_key), &e), -EBADMSG);
        assert_int_eq(parse_exact(short_hidc, sizeof(short_hidc), &e), -EBADMSG);
        assert_int_eq(parse_exact(header_only, sizeof(header_only), &e), -EBADMSG);
        assert_int_eq(e.key_code1, 4242);
}

TEST(test_uibc_build_limits, "/uibc/build/a packet of UIBC_MAX_PACKET parses; more pointers than the struct holds are refused") {
        static uint8_t hid[UIBC_MAX_HID_LEN], out[UIBC_MAX_PACKET];
        struct uibc_event e = { .type = UIBC_EVENT_HIDC, .has_timestamp = true, .timestamp = 1,
                                .hidc_usage = UIBC_HIDC_REPORT_DESCRIPTOR, .hid = hid, .hid_len = sizeof(hid) };
        struct uibc_event p;

        assert_int_eq(uibc_msg_build(&e, out, sizeof(out)), UIBC_MAX_PACKET);
        assert_int_eq(parse_exact(out, UIBC_MAX_PACKET, &p), UIBC_MAX_PACKET);
        assert_int_eq(p.hid_len, UIBC_MAX_HID_LEN);
        e.hid_len++;
        assert_int_eq(uibc_msg_build(&e, out, sizeof(out)), -EINVAL);
        e = (struct uibc_event) { .type = UIBC_EVENT_TOUCH_DOWN, .n_pointers = UIBC_MAX_POINTERS + 1 };
        assert_int_eq(uibc_msg_build(&e, out, sizeof(out)), -EINVAL);
}

TEST(test_uibc_letterbox, "/uibc/map/letterbox and pillarbox rectangles of the picture inside the mode") {
        struct uibc_rect r;

        assert_int_eq(uibc_letterbox(1920, 1080, 1280, 720, &r), 0);
        assert_int_eq(r.x, 0);
        assert_int_eq(r.y, 0);
        assert_int_eq(r.width, 1920);
        assert_int_eq(r.height, 1080);
        /* 5:4 in 16:9: bars left and right */
        assert_int_eq(uibc_letterbox(1920, 1080, 1280, 1024, &r), 0);
        assert_int_eq(r.width, 1350);
        assert_int_eq(r.height, 1080);
        assert_int_eq(r.x, 285);
        assert_int_eq(r.y, 0);
        /* 21:9 in 16:9: bars top and bottom */
        assert_int_eq(uibc_letterbox(1920, 1080, 2560, 1080, &r), 0);
        assert_int_eq(r.width, 1920);
        assert_int_eq(r.height, 810);
        assert_int_eq(r.y, 135);
        assert_int_eq(uibc_letterbox(1920, 0, 1, 1, &r), -EINVAL);
}

TEST(test_uibc_geometry, "/uibc/map/geometry: stretched or letterboxed picture, cast area alone or in a desktop") {
        const struct uibc_rect right = { 1920, 0, 1280, 1024 };
        struct uibc_geometry g;
        int32_t x = -1, y = -1;

        /* The encoder stretches, no desktop known: the injector spans the cast area. */
        assert_int_eq(uibc_geometry_compute(1920, 1080, 1280, 720, false, NULL, 0, 0, &g), 0);
        assert_int_eq(g.active.width, 1920);
        assert_int_eq(g.active.height, 1080);
        assert_int_eq(g.target.x, 0);
        assert_int_eq(g.target.width, 1280);
        assert_int_eq(g.range_width, 1280);
        assert_int_eq(g.range_height, 720);

        /* A 5:4 monitor right of a 1920x1080 one, letterboxed into 1080p: bars of 284 and 286 px (even,
         * for 4:2:0), the injector spans the 3200x1080 desktop and input lands on the right monitor. */
        assert_int_eq(uibc_geometry_compute(1920, 1080, 1280, 1024, true, &right, 3200, 1080, &g), 0);
        assert_int_eq(g.active.x, 284);
        assert_int_eq(g.active.width, 1350);
        assert_int_eq(g.range_width, 3200);
        assert_int_eq(g.range_height, 1080);
        assert_int_eq(g.target.x, 1920);
        /* a touch in the left bar: nowhere */
        assert_int_eq(uibc_map_point(&g.active, &g.target, 200, 540, false, &x, &y), -ERANGE);
        /* the picture's first column and centre */
        assert_int_eq(uibc_map_point(&g.active, &g.target, 283, 0, false, &x, &y), -ERANGE);
        assert_int_eq(uibc_map_point(&g.active, &g.target, 284, 0, false, &x, &y), 0);
        assert_int_eq(x, 1920);
        assert_int_eq(y, 0);
        assert_int_eq(uibc_map_point(&g.active, &g.target, 960, 540, false, &x, &y), 0);
        assert_int_eq(x, 1920 + 641);           /* the mode's centre is 1.5 px right of the picture's */
        assert_int_eq(y, 512);
        /* the last column of the picture is the monitor's last column, inside the range */
        assert_int_eq(uibc_map_point(&g.active, &g.target, 284 + 1349, 1079, false, &x, &y), 0);
        assert_int_eq(x, 3199);
        assert_int_eq(y, 1023);
        assert_int_eq(uibc_map_point(&g.active, &g.target, 284 + 1350, 1079, false, &x, &y), -ERANGE);

        /* A source outside the desktop, zero sizes, a mode over 16 bits: refused. */
        assert_int_eq(uibc_geometry_compute(1920, 1080, 1280, 1024, true, &right, 3000, 1080, &g), -EINVAL);
        assert_int_eq(uibc_geometry_compute(1920, 1080, 0, 1024, false, NULL, 0, 0, &g), -EINVAL);
        assert_int_eq(uibc_geometry_compute(70000, 1080, 1280, 1024, false, NULL, 0, 0, &g), -EINVAL);
        /* A desktop without a source (or the reverse) is the cast area alone. */
        assert_int_eq(uibc_geometry_compute(1920, 1080, 1280, 1024, false, NULL, 3200, 1080, &g), 0);
        assert_int_eq(g.range_width, 1280);
        assert_int_eq(uibc_geometry_compute(1920, 1080, 1280, 1024, false, &right, 0, 0, &g), 0);
        assert_int_eq(g.target.x, 0);
}

TEST(test_uibc_letterbox_even, "/uibc/map/the encoder's letterbox: even position and size inside the mode") {
        struct uibc_rect r;

        assert_int_eq(uibc_letterbox_even(1920, 1080, 1280, 1024, &r), 0);
        assert_int_eq(r.x, 284);
        assert_int_eq(r.width, 1350);
        assert_int_eq(r.y, 0);
        assert_int_eq(r.height, 1080);
        /* 16:10 in 16:9 (a laptop on a TV): 1728x1080, 96 px bars */
        assert_int_eq(uibc_letterbox_even(1920, 1080, 1920, 1200, &r), 0);
        assert_int_eq(r.x, 96);
        assert_int_eq(r.width, 1728);
        /* 1366x768 is 16:9 within a pixel: no bars */
        assert_int_eq(uibc_letterbox_even(1920, 1080, 1366, 768, &r), 0);
        assert_int_eq(r.x, 0);
        assert_int_eq(r.y, 0);
        assert_int_eq(r.width, 1920);
        assert_int_eq(r.height, 1080);
        /* a sliver stays 2 wide */
        assert_int_eq(uibc_letterbox_even(640, 480, 1, 10000, &r), 0);
        assert_int_eq(r.width, 2);
        assert_int_eq(r.x, 318);
        assert_int_eq(uibc_letterbox_even(641, 480, 1, 1, &r), -EINVAL);
}

TEST(test_uibc_map_point, "/uibc/map/1920x1080 mode to a 1280x720 monitor at +1920+0; bars ignored or clamped") {
        const struct uibc_rect full = { 0, 0, 1920, 1080 }, target = { 1920, 0, 1280, 720 };
        const struct uibc_rect boxed = { 285, 0, 1350, 1080 };
        int32_t x = -1, y = -1;

        assert_int_eq(uibc_map_point(&full, &target, 960, 540, false, &x, &y), 0);
        assert_int_eq(x, 2560);
        assert_int_eq(y, 360);
        assert_int_eq(uibc_map_point(&full, &target, 0, 0, false, &x, &y), 0);
        assert_int_eq(x, 1920);
        assert_int_eq(y, 0);
        assert_int_eq(uibc_map_point(&full, &target, 1919, 1079, false, &x, &y), 0);
        assert_int_eq(x, 1920 + 1279);
        assert_int_eq(y, 719);
        /* off the mode: refused, or pulled to the edge */
        assert_int_eq(uibc_map_point(&full, &target, 1920, 10, false, &x, &y), -ERANGE);
        assert_int_eq(uibc_map_point(&full, &target, 65535, 65535, true, &x, &y), 0);
        assert_int_eq(x, 1920 + 1279);
        assert_int_eq(y, 719);
        /* a touch in the left bar is ignored; a drag into it stays on the picture's left edge */
        x = y = -7;
        assert_int_eq(uibc_map_point(&boxed, &target, 100, 500, false, &x, &y), -ERANGE);
        assert_int_eq(x, -7);
        assert_int_eq(uibc_map_point(&boxed, &target, 100, 500, true, &x, &y), 0);
        assert_int_eq(x, 1920);
        assert_int_eq(uibc_map_point(&boxed, &target, 285 + 675, 540, false, &x, &y), 0);
        assert_int_eq(x, 2560);
        assert_int_eq(uibc_map_point(&(struct uibc_rect) { 0, 0, 0, 1 }, &target, 0, 0, true, &x, &y), -EINVAL);
}

TEST(test_uibc_keys, "/uibc/keys/characters and HID usages to evdev keys; unknown codes refused") {
        uint16_t k = 0;
        bool shift = true;

        assert_int_eq(uibc_key_from_char('a', &k, &shift), 0);
        assert_int_eq(k, KEY_A);
        assert_false(shift);
        assert_int_eq(uibc_key_from_char('Q', &k, &shift), 0);
        assert_int_eq(k, KEY_Q);
        assert_true(shift);
        assert_int_eq(uibc_key_from_char('@', &k, &shift), 0);
        assert_int_eq(k, KEY_2);
        assert_true(shift);
        assert_int_eq(uibc_key_from_char('0', &k, &shift), 0);
        assert_int_eq(k, KEY_0);
        assert_false(shift);
        assert_int_eq(uibc_key_from_char('\r', &k, &shift), 0);
        assert_int_eq(k, KEY_ENTER);
        assert_int_eq(uibc_key_from_char(0x08, &k, &shift), 0);
        assert_int_eq(k, KEY_BACKSPACE);
        assert_int_eq(uibc_key_from_char('~', &k, &shift), 0);
        assert_int_eq(k, KEY_GRAVE);
        assert_true(shift);
        k = 999;
        assert_int_eq(uibc_key_from_char(0xe9, &k, &shift), -ENOENT);
        assert_int_eq(uibc_key_from_char(0x01, &k, &shift), -ENOENT);
        assert_int_eq(k, 999);
        /* every printable ASCII character maps */
        for (uint16_t c = 0x20; c < 0x7f; c++)
                assert_int_eq(uibc_key_from_char(c, &k, &shift), 0);

        assert_int_eq(uibc_key_from_hid_usage(0x04, &k), 0);
        assert_int_eq(k, KEY_A);
        assert_int_eq(uibc_key_from_hid_usage(0x1d, &k), 0);
        assert_int_eq(k, KEY_Z);
        assert_int_eq(uibc_key_from_hid_usage(0x1e, &k), 0);
        assert_int_eq(k, KEY_1);
        assert_int_eq(uibc_key_from_hid_usage(0x27, &k), 0);
        assert_int_eq(k, KEY_0);
        assert_int_eq(uibc_key_from_hid_usage(0x3a, &k), 0);
        assert_int_eq(k, KEY_F1);
        assert_int_eq(uibc_key_from_hid_usage(0x45, &k), 0);
        assert_int_eq(k, KEY_F12);
        assert_int_eq(uibc_key_from_hid_usage(0x46, &k), 0);
        assert_int_eq(k, KEY_SYSRQ);
        assert_int_eq(uibc_key_from_hid_usage(0x52, &k), 0);
        assert_int_eq(k, KEY_UP);
        assert_int_eq(uibc_key_from_hid_usage(0x62, &k), 0);
        assert_int_eq(k, KEY_KP0);
        assert_int_eq(uibc_key_from_hid_usage(0x65, &k), 0);
        assert_int_eq(k, KEY_COMPOSE);
        assert_int_eq(uibc_key_from_hid_usage(0xe0, &k), 0);
        assert_int_eq(k, KEY_LEFTCTRL);
        assert_int_eq(uibc_key_from_hid_usage(0xe7, &k), 0);
        assert_int_eq(k, KEY_RIGHTMETA);
        assert_int_eq(uibc_key_from_hid_usage(0x66, &k), -ENOENT);
        assert_int_eq(uibc_key_from_hid_usage(0x00, &k), -ENOENT);
        assert_int_eq(uibc_key_from_hid_usage(0xe8, &k), -ENOENT);
}

TEST(test_uibc_key_filter, "/uibc/filter/Ctrl+Alt+Fn, Ctrl+Alt+Del/Backspace, SysRq, Alt+Print blocked with their releases") {
        struct uibc_key_filter f;

        uibc_key_filter_init(&f);
        assert_true(uibc_key_filter_allow(&f, KEY_F2, true));       /* F2 alone is fine */
        assert_true(uibc_key_filter_allow(&f, KEY_F2, false));
        assert_false(uibc_key_filter_allow(&f, KEY_F2, false));     /* a second release: noise */

        assert_true(uibc_key_filter_allow(&f, KEY_LEFTCTRL, true));
        assert_true(uibc_key_filter_allow(&f, KEY_RIGHTALT, true));
        assert_false(uibc_key_filter_allow(&f, KEY_F2, true));      /* VT switch */
        assert_false(uibc_key_filter_allow(&f, KEY_F2, true));      /* its auto-repeat */
        assert_false(uibc_key_filter_allow(&f, KEY_F12, true));
        assert_false(uibc_key_filter_allow(&f, KEY_DELETE, true));
        assert_false(uibc_key_filter_allow(&f, KEY_BACKSPACE, true));
        assert_true(uibc_key_filter_allow(&f, KEY_T, true));        /* Ctrl+Alt+T: a terminal */
        assert_true(uibc_key_filter_allow(&f, KEY_T, false));
        assert_false(uibc_key_filter_allow(&f, KEY_F2, false));     /* blocked press, blocked release */
        assert_false(uibc_key_filter_allow(&f, KEY_F12, false));
        assert_true(uibc_key_filter_allow(&f, KEY_RIGHTALT, false));
        assert_true(uibc_key_filter_allow(&f, KEY_F2, true));       /* Ctrl+F2 alone is fine */
        assert_true(uibc_key_filter_allow(&f, KEY_F2, false));
        assert_true(uibc_key_filter_allow(&f, KEY_LEFTCTRL, false));

        assert_false(uibc_key_filter_allow(&f, KEY_SYSRQ, true));   /* always */
        assert_false(uibc_key_filter_allow(&f, KEY_SYSRQ, false));
        assert_true(uibc_key_filter_allow(&f, KEY_PRINT, true));
        assert_true(uibc_key_filter_allow(&f, KEY_PRINT, false));
        assert_true(uibc_key_filter_allow(&f, KEY_LEFTALT, true));
        assert_false(uibc_key_filter_allow(&f, KEY_PRINT, true));   /* Alt+Print = SysRq */
        assert_true(uibc_key_filter_allow(&f, KEY_LEFTALT, false));
        assert_false(uibc_key_filter_allow(&f, KEY_PRINT, false));

        assert_false(uibc_key_filter_allow(&f, 0x300, true));
        assert_false(uibc_key_filter_allow(&f, KEY_RESERVED, true));
}

TEST(test_uibc_rate_limit, "/uibc/rate/a burst passes, a flood is cut to the rate, a pause refills to the burst only") {
        struct uibc_rate_limit rl;
        unsigned n = 0;

        assert_int_eq(uibc_rate_limit_init(&rl, 0, 10, 0), -EINVAL);
        assert_int_eq(uibc_rate_limit_init(&rl, 1000, 200, 5000000), 0);
        while (uibc_rate_limit_take(&rl, 5000000))
                n++;
        assert_int_eq(n, 200);
        assert_false(uibc_rate_limit_take(&rl, 5000999));          /* 0.999 tokens */
        assert_true(uibc_rate_limit_take(&rl, 5001000));
        assert_false(uibc_rate_limit_take(&rl, 5001000));
        /* a flood for one second at 10000 events/s: 1000 pass (the rate), +/- one */
        n = 0;
        for (uint64_t t = 5001100; t < 6001100; t += 100)
                n += uibc_rate_limit_take(&rl, t);
        assert_int_ge(n, 999);
        assert_int_le(n, 1001);
        /* an hour of quiet refills to the burst, not beyond */
        n = 0;
        while (uibc_rate_limit_take(&rl, 3600ULL * 1000000 + 6001100))
                n++;
        assert_int_eq(n, 200);
        /* a clock that goes back refills nothing */
        assert_false(uibc_rate_limit_take(&rl, 1));
        /* slow rate: 10/s, burst 1 */
        assert_int_eq(uibc_rate_limit_init(&rl, 10, 1, 0), 0);
        assert_true(uibc_rate_limit_take(&rl, 0));
        assert_false(uibc_rate_limit_take(&rl, 50000));
        assert_true(uibc_rate_limit_take(&rl, 100000));
}

TEST(test_uibc_offer, "/uibc/capability/intersection with the sink's list and the M4 lines with our port") {
        static const char sink_str[] = "input_category_list=GENERIC, HIDC;generic_cap_list=Mouse, SingleTouch, "
                                       "Joystick;hidc_cap_list=Keyboard/USB, Camera/USB;port=none";
        const struct wfd_uibc_capability ours = {
                .categories = WFD_UIBC_CATEGORY_GENERIC | WFD_UIBC_CATEGORY_HIDC,
                .generic_types = 1u << WFD_UIBC_INPUT_KEYBOARD | 1u << WFD_UIBC_INPUT_MOUSE |
                                 1u << WFD_UIBC_INPUT_SINGLE_TOUCH | 1u << WFD_UIBC_INPUT_MULTI_TOUCH,
                .n_hidc = 4,
                .hidc = { { WFD_UIBC_INPUT_KEYBOARD, WFD_UIBC_PATH_USB }, { WFD_UIBC_INPUT_MOUSE, WFD_UIBC_PATH_USB },
                          { WFD_UIBC_INPUT_KEYBOARD, WFD_UIBC_PATH_BT }, { WFD_UIBC_INPUT_MOUSE, WFD_UIBC_PATH_BT } },
        };
        struct wfd_uibc_capability sink, offer = { .port = 1 }, other;
        char buf[512];

        assert_int_eq(wfd_uibc_capability_parse(sink_str, strlen(sink_str), &sink), 0);
        assert_int_eq(wfd_uibc_capability_intersect(&ours, &sink, 7239, &offer), 0);
        assert_int_eq(offer.port, 7239);
        assert_int_eq(wfd_uibc_capability_format(&offer, buf, sizeof(buf)), strlen(buf));
        assert_str_eq(buf, "input_category_list=GENERIC, HIDC;generic_cap_list=Mouse, SingleTouch;"
                           "hidc_cap_list=Keyboard/USB;port=7239");
        assert_int_ge(wfd_uibc_format_m4(&offer, true, buf, sizeof(buf)), 0);
        assert_str_eq(buf, "wfd_uibc_capability: input_category_list=GENERIC, HIDC;generic_cap_list=Mouse, "
                           "SingleTouch;hidc_cap_list=Keyboard/USB;port=7239\r\nwfd_uibc_setting: enable\r\n");
        assert_int_eq(wfd_uibc_format_m4(&offer, false, buf, 20), -ENOBUFS);
        assert_int_eq(wfd_uibc_setting_format(false, buf, sizeof(buf)), 7);
        assert_str_eq(buf, "disable");
        assert_int_eq(wfd_uibc_setting_format(true, buf, 6), -ENOBUFS);

        /* the sink offers GENERIC only, with nothing we take: HIDC pairs are not enough without the category */
        static const char joystick[] = "input_category_list=GENERIC;generic_cap_list=Joystick;"
                                       "hidc_cap_list=Keyboard/USB;port=none";
        offer.port = 1;
        assert_int_eq(wfd_uibc_capability_parse(joystick, strlen(joystick), &other), 0);
        assert_int_eq(wfd_uibc_capability_intersect(&ours, &other, 7239, &offer), -ENOENT);
        assert_int_eq(offer.port, 1);
        /* HIDC only: the common pair alone */
        static const char hidc_only[] = "input_category_list=HIDC;generic_cap_list=none;"
                                        "hidc_cap_list=Mouse/BT, Mouse/Zigbee;port=none";
        assert_int_eq(wfd_uibc_capability_parse(hidc_only, strlen(hidc_only), &other), 0);
        assert_int_eq(wfd_uibc_capability_intersect(&ours, &other, 7239, &offer), 0);
        assert_int_eq(offer.categories, WFD_UIBC_CATEGORY_HIDC);
        assert_int_eq(offer.generic_types, 0);
        assert_int_eq(offer.n_hidc, 1);
        assert_int_eq(offer.hidc[0].path, WFD_UIBC_PATH_BT);
        assert_int_eq(wfd_uibc_capability_parse("none", 4, &other), 0);
        assert_int_eq(wfd_uibc_capability_intersect(&ours, &other, 7239, &offer), -ENOENT);
        assert_int_eq(wfd_uibc_capability_intersect(&ours, &sink, 0, &offer), -EINVAL);
}
