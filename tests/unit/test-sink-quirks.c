/* SPDX-License-Identifier: GPL-2.0-or-later */
/* protocol/sink_quirks.c: the per-sink quirk table. */
#include <errno.h>
#include <string.h>

#include "../../protocol/macro.h"
#include "../../protocol/sink_quirks.h"
#include "../lib/test.h"

TEST(quirks_msft_wdd, "/quirks/Microsoft adapter by User-Agent MSFT-WDD prefers LPCM") {
        struct sink_identity id = { .user_agent = "MSFT-WDD" };
        const char *match = NULL;

        assert_int_eq(sink_quirks_lookup(&id, &match), SINK_QUIRK_PREFER_LPCM);
        assert_str_eq(match, "Microsoft Wireless Display Adapter");
        /* The same string in a Server header (a reply) counts too. */
        id = (struct sink_identity) { .server = "MSFT-WDD/1.0" };
        assert_int_eq(sink_quirks_lookup(&id, NULL), SINK_QUIRK_PREFER_LPCM);
}

TEST(quirks_ms_ie, "/quirks/Microsoft receiver by WFD IE (sink, port 554)") {
        struct sink_identity id = { .has_wfd_ie = true, .wfd_device_info = 0x0151, .wfd_rtsp_port = 554 };

        assert_int_eq(sink_quirks_lookup(&id, NULL), SINK_QUIRK_PREFER_LPCM);
        /* A plain TV sink on 7236 is not one. */
        id.wfd_device_info = 0x0011;
        id.wfd_rtsp_port = 7236;
        assert_int_eq(sink_quirks_lookup(&id, NULL), 0);
        /* The control port alone is enough (what the daemon's discovery keeps). */
        id = (struct sink_identity) { .wfd_rtsp_port = 554 };
        assert_int_eq(sink_quirks_lookup(&id, NULL), SINK_QUIRK_PREFER_LPCM);
        /* Unknown port: nothing. */
        id = (struct sink_identity) { .has_wfd_ie = true, .wfd_device_info = 0x0151 };
        assert_int_eq(sink_quirks_lookup(&id, NULL), 0);
}

TEST(quirks_lg, "/quirks/LG webOS TV by P2P device name sends M3 without waiting for M2") {
        struct sink_identity id = { .device_name = "[LG] webOS TV UN8000PTA r" };
        const char *match = NULL;

        assert_int_eq(sink_quirks_lookup(&id, &match), SINK_QUIRK_M3_WITHOUT_M2);
        assert_str_eq(match, "LG webOS TV");
        id.device_name = "LG TV";
        assert_int_eq(sink_quirks_lookup(&id, &match), 0);
        assert_null(match);
}

TEST(quirks_unknown, "/quirks/unknown or empty identity has no quirks") {
        struct sink_identity id = {};

        assert_int_eq(sink_quirks_lookup(&id, NULL), 0);
        id.user_agent = "SEC-WDH/ME29";
        assert_int_eq(sink_quirks_lookup(&id, NULL), 0);
}

TEST(quirks_table_sane, "/quirks/every table row has a name, a key and known quirk bits") {
        size_t n;
        const struct sink_quirk_entry *t = sink_quirks_table(&n);

        assert_int_ge(n, 3);
        for (size_t i = 0; i < n; i++) {
                assert_non_null(t[i].name);
                assert_true(t[i].user_agent_prefix || t[i].device_name_prefix || t[i].wfd_rtsp_port);
                assert_int_ne(t[i].quirks, 0);
                assert_int_eq(t[i].quirks & ~_SINK_QUIRK_ALL, 0);
        }
}

TEST(quirks_names, "/quirks/names round trip and formatting") {
        char buf[128];

        for (unsigned q = 1; q <= _SINK_QUIRK_ALL; q <<= 1) {
                assert_non_null(sink_quirk_to_string(q));
                assert_int_eq(sink_quirk_from_string(sink_quirk_to_string(q)), q);
        }
        assert_null(sink_quirk_to_string(1u << 30));
        assert_int_eq(sink_quirk_from_string("bogus"), 0);
        assert_int_eq(sink_quirks_format(SINK_QUIRK_NO_KEEPALIVE | SINK_QUIRK_PREFER_LPCM, buf, sizeof(buf)),
                      strlen("no-keepalive,prefer-lpcm"));
        assert_str_eq(buf, "no-keepalive,prefer-lpcm");
        assert_int_eq(sink_quirks_format(0, buf, sizeof(buf)), 0);
        assert_str_eq(buf, "");
        assert_int_eq(sink_quirks_format(_SINK_QUIRK_ALL, buf, 8), -ENOBUFS);
}
