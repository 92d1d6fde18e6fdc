/* SPDX-License-Identifier: GPL-2.0-or-later */
/* WFD IE subelements (docs/protocol.md, "WFD IE"; values from real devices and the VM). */
#include <errno.h>
#include <string.h>

#include "../../protocol/wfd_ie.h"
#include "../lib/test.h"

TEST(devinfo_sink, "/wfd-ie/device-info/plain TV sink 0x0011 on 7236") {
        struct wfd_device_info d;
        assert_int_eq(wfd_device_info_parse((const uint8_t *) "\x00\x11\x1c\x44\x00\x32", 6, &d), 0);
        assert_int_eq(d.bitmap, 0x0011);
        assert_int_eq(d.control_port, 7236);
        assert_int_eq(d.max_throughput_mbps, 50);
        assert_int_eq(wfd_device_info_type(&d), WFD_DEVICE_PRIMARY_SINK);
        assert_true(wfd_device_info_available(&d));
        assert_true(wfd_device_info_is_sink(&d));
        assert_str_eq(wfd_device_type_to_string(wfd_device_info_type(&d)), "primary-sink");
}

TEST(devinfo_ms, "/wfd-ie/device-info/Microsoft receiver 0x0151 on port 554") {
        struct wfd_device_info d;
        assert_int_eq(wfd_device_info_parse((const uint8_t *) "\x01\x51\x02\x2a\x01\x2c", 6, &d), 0);
        assert_int_eq(wfd_device_info_type(&d), WFD_DEVICE_PRIMARY_SINK);
        assert_true(wfd_device_info_available(&d));
        assert_true(d.bitmap & WFD_DEVINFO_SERVICE_DISCOVERY);
        assert_true(d.bitmap & WFD_DEVINFO_CONTENT_PROTECTION);
        assert_int_eq(d.control_port, 554);
        assert_int_eq(d.max_throughput_mbps, 300);
}

TEST(devinfo_unavailable, "/wfd-ie/device-info/busy sink and a source are not castable") {
        struct wfd_device_info d = { .bitmap = 0x0001 };
        assert_false(wfd_device_info_available(&d));
        d.bitmap = 0x0031; /* availability 11b is reserved: not available */
        assert_false(wfd_device_info_available(&d));
        d.bitmap = 0x0010;
        assert_false(wfd_device_info_is_sink(&d));
        d.bitmap = 0x0013;
        assert_str_eq(wfd_device_type_to_string(wfd_device_info_type(&d)), "dual-role");
        assert_int_eq(wfd_device_info_parse((const uint8_t *) "\x00\x11\x1c\x44\x00", 5, &d), -EBADMSG);
}

TEST(build_ours, "/wfd-ie/build/our advertisement is 000600101c440032") {
        struct wfd_ie ie = { .has_device_info = true,
                             .device_info = { .bitmap = WFD_DEVICE_SOURCE | WFD_DEVINFO_AVAILABLE,
                                              .control_port = 7236, .max_throughput_mbps = 50 } };
        uint8_t buf[64];
        char hex[64];
        ssize_t n = wfd_ie_build_subelems(&ie, buf, sizeof(buf));
        assert_int_eq(n, 9);
        assert_mem_eq(buf, "\x00\x00\x06\x00\x10\x1c\x44\x00\x32", 9);
        /* WFD_SUBELEM_SET 0 <hex>: without the id byte */
        assert_int_eq(wfd_subelem_format_set(buf + 3, 6, hex, sizeof(hex)), 16);
        assert_str_eq(hex, "000600101c440032");
        assert_int_eq(wfd_subelem_format_set(buf + 3, 6, hex, 16), -ENOBUFS);
        assert_int_eq(wfd_ie_build_subelems(&ie, buf, 8), -ENOBUFS);
}

TEST(parse_get, "/wfd-ie/hex/WFD_SUBELEM_GET reply round trip") {
        uint8_t body[16];
        size_t n;
        assert_int_eq(wfd_subelem_parse_get("000600101c440032", 16, body, sizeof(body), &n), 0);
        assert_int_eq(n, 6);
        assert_mem_eq(body, "\x00\x10\x1c\x44\x00\x32", 6);
        assert_int_eq(wfd_subelem_parse_get("000700101c440032", 16, body, sizeof(body), &n), -EBADMSG);
        assert_int_eq(wfd_subelem_parse_get("00", 2, body, sizeof(body), &n), -EBADMSG);
        assert_int_eq(wfd_subelem_parse_get("000600101c44003", 15, body, sizeof(body), &n), -EBADMSG);
        assert_int_eq(wfd_hex_decode("0G", 2, body, sizeof(body), &n), -EBADMSG);
        assert_int_eq(wfd_hex_decode("00112233", 8, body, 3, &n), -ENOBUFS);
}

TEST(roundtrip_all, "/wfd-ie/build/all subelements round trip") {
        struct wfd_ie ie = {
                .has_device_info = true,
                .device_info = { .bitmap = 0x0011 | WFD_DEVINFO_COUPLED_SINK_AT_SINK, .control_port = 7236,
                                 .max_throughput_mbps = 300 },
                .has_bssid = true, .bssid = { 1, 2, 3, 4, 5, 6 },
                .has_coupled_sink = true, .coupled_sink = { .status = 1, .mac = { 9, 8, 7, 6, 5, 4 } },
                .has_ext_capability = true, .ext_capability = WFD_EXT_CAPAB_UIBC | WFD_EXT_CAPAB_STANDBY_RESUME,
                .has_local_ip = true, .local_ip_version = 1, .local_ip = { 192, 168, 49, 1 },
                .has_alt_mac = true, .alt_mac = { 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff },
                .n_sessions = 2,
                .sessions = { { .device_address = { 1, 1, 1, 1, 1, 1 }, .info = { .bitmap = 0x11, .max_throughput_mbps = 10 } },
                              { .device_address = { 2, 2, 2, 2, 2, 2 }, .coupled = { .status = 2 } } },
        };
        struct wfd_ie out;
        uint8_t buf[256];
        ssize_t n = wfd_ie_build_subelems(&ie, buf, sizeof(buf));
        assert_int_eq(n, 9 + 9 + 10 + 5 + 8 + 9 + 3 + 48);
        assert_int_eq(wfd_ie_parse_subelems(buf, n, &out), 0);
        assert_true(memcmp(&ie, &out, sizeof(ie)) == 0);
        /* truncated anywhere: an error, never a crash */
        for (ssize_t i = 0; i < n; i++) {
                int r = wfd_ie_parse_subelems(buf, i, &out);
                assert_true(r == 0 || r == -EBADMSG);
        }
}

TEST(parse_subelems_errors, "/wfd-ie/parse/bad lengths rejected, unknown ids skipped") {
        struct wfd_ie ie;
        /* video formats (3) and an unknown id 200 are skipped */
        const uint8_t ok[] = { 3, 0, 2, 0xaa, 0xbb, 200, 0, 1, 0, 0, 0, 6, 0, 0x11, 0x1c, 0x44, 0, 0x32 };
        assert_int_eq(wfd_ie_parse_subelems(ok, sizeof(ok), &ie), 0);
        assert_true(ie.has_device_info);
        assert_int_eq(ie.device_info.control_port, 7236);
        const uint8_t short_dev[] = { 0, 0, 5, 0, 0x11, 0x1c, 0x44, 0 };
        assert_int_eq(wfd_ie_parse_subelems(short_dev, sizeof(short_dev), &ie), -EBADMSG);
        const uint8_t overrun[] = { 0, 0, 6, 0, 0x11 };
        assert_int_eq(wfd_ie_parse_subelems(overrun, sizeof(overrun), &ie), -EBADMSG);
        const uint8_t bad_session[] = { 9, 0, 24, 22 };
        assert_int_eq(wfd_ie_parse_subelems(bad_session, sizeof(bad_session), &ie), -EBADMSG);
        const uint8_t hdr_only[] = { 0, 0 };
        assert_int_eq(wfd_ie_parse_subelems(hdr_only, sizeof(hdr_only), &ie), -EBADMSG);
        assert_int_eq(wfd_ie_parse_subelems(NULL, 0, &ie), 0);
        assert_false(ie.has_device_info);
}

TEST(parse_elements, "/wfd-ie/parse/whole vendor IEs, split IE, other IEs skipped") {
        struct wfd_ie ie;
        /* a P2P IE (OUI type 9) first, then the WFD IE split over two elements */
        const uint8_t ies[] = { 0xdd, 6, 0x50, 0x6f, 0x9a, 0x09, 0x02, 0x00,
                                0xdd, 8, 0x50, 0x6f, 0x9a, 0x0a, 0, 0, 6, 0x00,
                                0xdd, 9, 0x50, 0x6f, 0x9a, 0x0a, 0x11, 0x1c, 0x44, 0x00, 0xc8 };
        assert_int_eq(wfd_ie_parse_elements(ies, sizeof(ies), &ie), 0);
        assert_true(ie.has_device_info);
        assert_int_eq(ie.device_info.bitmap, 0x0011);
        assert_int_eq(ie.device_info.max_throughput_mbps, 200);
        assert_int_eq(wfd_ie_parse_elements(ies, 8, &ie), -ENOENT);
        assert_int_eq(wfd_ie_parse_elements(ies, 7, &ie), -EBADMSG);
}
