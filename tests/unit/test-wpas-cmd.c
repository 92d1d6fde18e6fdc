/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The wpa_supplicant commands we build (protocol/wpas_cmd.h): exact text,
 * argument checks that keep a peer-supplied string from adding words to a
 * command, and buffer limits.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../../protocol/wpas_cmd.h"
#include "../lib/test.h"

TEST(connect, "/wpas/cmd/P2P_CONNECT variants") {
        char buf[128];
        struct wpas_connect_params p = { .peer = "42:00:00:00:01:00", .method = WPAS_WPS_PBC, .go_intent = 7 };
        assert_int_eq(wpas_cmd_p2p_connect(&p, buf, sizeof(buf)), (ssize_t) strlen("P2P_CONNECT 42:00:00:00:01:00 pbc go_intent=7"));
        assert_str_eq(buf, "P2P_CONNECT 42:00:00:00:01:00 pbc go_intent=7");
        p.join = true;
        assert_int_ge(wpas_cmd_p2p_connect(&p, buf, sizeof(buf)), 0);
        assert_str_eq(buf, "P2P_CONNECT 42:00:00:00:01:00 pbc join");
        p = (struct wpas_connect_params) { .peer = "42:00:00:00:01:00", .method = WPAS_WPS_PIN_KEYPAD,
                                           .pin = "12345670", .go_intent = -1, .provdisc = true };
        assert_int_ge(wpas_cmd_p2p_connect(&p, buf, sizeof(buf)), 0);
        assert_str_eq(buf, "P2P_CONNECT 42:00:00:00:01:00 12345670 keypad provdisc");
        p = (struct wpas_connect_params) { .peer = "42:00:00:00:01:00", .method = WPAS_WPS_PIN_DISPLAY,
                                           .go_intent = 15, .freq_mhz = 2437 };
        assert_int_ge(wpas_cmd_p2p_connect(&p, buf, sizeof(buf)), 0);
        assert_str_eq(buf, "P2P_CONNECT 42:00:00:00:01:00 pin go_intent=15 freq=2437");
        p.pin = "1234";
        assert_int_ge(wpas_cmd_p2p_connect(&p, buf, sizeof(buf)), 0);
        assert_str_eq(buf, "P2P_CONNECT 42:00:00:00:01:00 1234 display go_intent=15 freq=2437");
        /* upper-case addresses are written the way wpa_supplicant prints them */
        p = (struct wpas_connect_params) { .peer = "42:0A:00:00:01:00", .method = WPAS_WPS_PBC, .go_intent = -1,
                                           .auth = true };
        assert_int_ge(wpas_cmd_p2p_connect(&p, buf, sizeof(buf)), 0);
        assert_str_eq(buf, "P2P_CONNECT 42:0a:00:00:01:00 pbc auth");
}

TEST(connect_refused, "/wpas/cmd/P2P_CONNECT refuses injection and bad values") {
        char buf[128];
        struct wpas_connect_params p = { .peer = "42:00:00:00:01:00", .method = WPAS_WPS_PIN_DISPLAY, .go_intent = 7 };
        p.pin = "1234 join";
        assert_int_eq(wpas_cmd_p2p_connect(&p, buf, sizeof(buf)), -EINVAL);
        p.pin = "123456";
        assert_int_eq(wpas_cmd_p2p_connect(&p, buf, sizeof(buf)), -EINVAL);
        p.pin = NULL;
        p.go_intent = 16;
        assert_int_eq(wpas_cmd_p2p_connect(&p, buf, sizeof(buf)), -EINVAL);
        p.go_intent = -2;
        assert_int_eq(wpas_cmd_p2p_connect(&p, buf, sizeof(buf)), -EINVAL);
        p.go_intent = 7;
        p.freq_mhz = -1;
        assert_int_eq(wpas_cmd_p2p_connect(&p, buf, sizeof(buf)), -EINVAL);
        p.freq_mhz = 0;
        p.peer = "42:00:00:00:01:00 pbc";
        assert_int_eq(wpas_cmd_p2p_connect(&p, buf, sizeof(buf)), -EINVAL);
        p.peer = NULL;
        assert_int_eq(wpas_cmd_p2p_connect(&p, buf, sizeof(buf)), -EINVAL);
        p.peer = "42:00:00:00:01:00";
        p.method = WPAS_WPS_PIN_KEYPAD;
        assert_int_eq(wpas_cmd_p2p_connect(&p, buf, sizeof(buf)), -EINVAL);
        p.method = (enum wpas_wps_method) 7;
        assert_int_eq(wpas_cmd_p2p_connect(&p, buf, sizeof(buf)), -EINVAL);
        p.method = WPAS_WPS_PBC;
        assert_int_eq(wpas_cmd_p2p_connect(&p, buf, 10), -ENOBUFS);
        assert_int_eq(buf[9], 0); /* cut, but terminated */
        assert_int_eq(wpas_cmd_p2p_connect(&p, buf, 0), -ENOBUFS);
}

TEST(group_remove, "/wpas/cmd/P2P_GROUP_REMOVE takes one interface name word") {
        char buf[64];
        assert_int_eq(wpas_cmd_p2p_group_remove("p2p-wlan0-0", buf, sizeof(buf)), 28);
        assert_str_eq(buf, "P2P_GROUP_REMOVE p2p-wlan0-0");
        assert_int_ge(wpas_cmd_p2p_group_remove("p2p.wl_0", buf, sizeof(buf)), 0);
        assert_int_eq(wpas_cmd_p2p_group_remove("p2p-wlan0-0 *", buf, sizeof(buf)), -EINVAL);
        assert_int_eq(wpas_cmd_p2p_group_remove("*", buf, sizeof(buf)), -EINVAL);
        assert_int_eq(wpas_cmd_p2p_group_remove("p2p\nPING", buf, sizeof(buf)), -EINVAL);
        assert_int_eq(wpas_cmd_p2p_group_remove("", buf, sizeof(buf)), -EINVAL);
        assert_int_eq(wpas_cmd_p2p_group_remove(NULL, buf, sizeof(buf)), -EINVAL);
        assert_int_eq(wpas_cmd_p2p_group_remove("p2p-0123456789012345678901234567", buf, sizeof(buf)), -EINVAL);
        assert_int_eq(wpas_cmd_p2p_group_remove("p2p-wlan0-0", buf, 28), -ENOBUFS);
}

TEST(peer_find_sta, "/wpas/cmd/P2P_PEER, NEXT-, FIRST, P2P_FIND, STA, P2P_PROV_DISC") {
        char buf[64];
        assert_int_ge(wpas_cmd_p2p_peer(NULL, buf, sizeof(buf)), 0);
        assert_str_eq(buf, "P2P_PEER FIRST");
        assert_int_ge(wpas_cmd_p2p_peer("42:00:00:00:01:0A", buf, sizeof(buf)), 0);
        assert_str_eq(buf, "P2P_PEER 42:00:00:00:01:0a");
        assert_int_eq(wpas_cmd_p2p_peer("FIRST", buf, sizeof(buf)), -EINVAL);
        assert_int_ge(wpas_cmd_p2p_peer_next("42:00:00:00:01:00", buf, sizeof(buf)), 0);
        assert_str_eq(buf, "P2P_PEER NEXT-42:00:00:00:01:00");
        assert_int_eq(wpas_cmd_p2p_peer_next(NULL, buf, sizeof(buf)), -EINVAL);
        assert_int_ge(wpas_cmd_p2p_find(30, buf, sizeof(buf)), 0);
        assert_str_eq(buf, "P2P_FIND 30");
        assert_int_eq(wpas_cmd_p2p_find(0, buf, sizeof(buf)), -EINVAL);
        assert_int_eq(wpas_cmd_p2p_find(3601, buf, sizeof(buf)), -EINVAL);
        assert_int_ge(wpas_cmd_sta("46:00:00:00:01:00", buf, sizeof(buf)), 0);
        assert_str_eq(buf, "STA 46:00:00:00:01:00");
        assert_int_eq(wpas_cmd_sta("46:00:00:00:01", buf, sizeof(buf)), -EINVAL);
        assert_int_ge(wpas_cmd_p2p_prov_disc_display("42:00:00:00:01:00", false, buf, sizeof(buf)), 0);
        assert_str_eq(buf, "P2P_PROV_DISC 42:00:00:00:01:00 display");
        assert_int_ge(wpas_cmd_p2p_prov_disc_display("42:00:00:00:01:00", true, buf, sizeof(buf)), 0);
        assert_str_eq(buf, "P2P_PROV_DISC 42:00:00:00:01:00 display join");
        assert_int_eq(wpas_cmd_p2p_prov_disc_display("x", false, buf, sizeof(buf)), -EINVAL);
}

TEST(settings, "/wpas/cmd/settings on link up: identity, GO intent, handshake IP pool, then WFD") {
        struct wpas_settings s = {
                .device_name = "Living room\nPC",
                .go_intent = 7,
                .handshake_ip = true,
                .subnet = { 192, 168, 173, 0 },
                .rtsp_port = 7236,
                .max_throughput_mbps = 50,
        };
        struct wpas_cmd_list l;
        static const char *const want[] = {
                "SET device_name Living room_PC",
                "SET device_type 1-0050F204-1",
                "SET config_methods virtual_push_button display keypad",
                "SET p2p_go_intent 7",
                "SET ip_addr_go 192.168.173.1",
                "SET ip_addr_mask 255.255.255.0",
                "SET ip_addr_start 192.168.173.2",
                "SET ip_addr_end 192.168.173.2",
                "SET wifi_display 1",
                /* source, available (bits 4-5 = 01), port 7236 = 0x1c44, 50 Mbit/s */
                "WFD_SUBELEM_SET 0 000600101c440032",
        };

        assert_int_eq(wpas_cmd_settings(&s, &l), 0);
        assert_int_eq(l.n, sizeof(want) / sizeof(want[0]));
        for (size_t i = 0; i < l.n; i++)
                assert_str_eq(l.cmd[i], want[i]);

        /* without the handshake pool; a long name is cut at 32 bytes; no name: ours */
        s.handshake_ip = false;
        s.device_name = "0123456789012345678901234567890123456789";
        assert_int_eq(wpas_cmd_settings(&s, &l), 0);
        assert_int_eq(l.n, 6);
        assert_str_eq(l.cmd[0], "SET device_name 01234567890123456789012345678901");
        assert_str_eq(l.cmd[4], "SET wifi_display 1");
        s.device_name = NULL;
        assert_int_eq(wpas_cmd_settings(&s, &l), 0);
        assert_str_eq(l.cmd[0], "SET device_name miracastd");
        s.go_intent = 16;
        l.n = 99;
        assert_int_eq(wpas_cmd_settings(&s, &l), -EINVAL);
        assert_int_eq(l.n, 99); /* untouched on failure */
}

TEST(wfd, "/wpas/cmd/WFD device information carries the port and a capped throughput") {
        struct wpas_settings s = { .rtsp_port = 7250, .max_throughput_mbps = 70000 };
        struct wpas_cmd_list l;

        assert_int_eq(wpas_cmd_wfd(&s, &l), 0);
        assert_int_eq(l.n, 2);
        assert_str_eq(l.cmd[0], "SET wifi_display 1");
        assert_str_eq(l.cmd[1], "WFD_SUBELEM_SET 0 000600101c52ffff");
}
