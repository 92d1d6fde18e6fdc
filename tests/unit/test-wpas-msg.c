/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * wpa_supplicant event/reply parsing. The event lines are the ones recorded
 * in the VM with two wpa_supplicant 2.10 over mac80211_hwsim
 * (docs/testing.md, "End-to-end in a VM"); grammar in docs/p2p.md.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../protocol/wpas_msg.h"
#include "../lib/test.h"

static int parse(const char *s, struct wpas_event *e)
{
        return wpas_event_parse(s, strlen(s), e);
}

TEST(device_found_vm, "/wpas/event/P2P-DEVICE-FOUND from the VM with WFD info") {
        struct wpas_event e;
        assert_int_eq(parse("<3>P2P-DEVICE-FOUND 42:00:00:00:01:00 p2p_dev_addr=42:00:00:00:01:00 "
                            "pri_dev_type=7-0050F204-1 name='mvm-sink' config_methods=0x188 dev_capab=0x25 "
                            "group_capab=0x0 wfd_dev_info=0x00111c440032 new=1", &e), 0);
        assert_int_eq(e.type, WPAS_EVENT_P2P_DEVICE_FOUND);
        assert_int_eq(e.level, 3);
        assert_str_eq(e.peer, "42:00:00:00:01:00");
        assert_str_eq(e.name, "mvm-sink");
        assert_str_eq(e.pri_dev_type, "7-0050F204-1");
        assert_int_eq(e.config_methods, 0x188);
        assert_int_eq(e.dev_capab, 0x25);
        assert_int_eq(e.group_capab, 0);
        assert_true(e.has_wfd_dev_info);
        assert_mem_eq(e.wfd_dev_info, "\x00\x11\x1c\x44\x00\x32", 6);
        assert_int_eq(e.is_new, 1);
}

TEST(device_found_new_fields, "/wpas/event/DEVICE-FOUND tolerates new trailing fields and spaces in names") {
        struct wpas_event e;
        assert_int_eq(parse("IFNAME=p2p-dev-wlan0 <3>P2P-DEVICE-FOUND 02:11:22:33:44:55 p2p_dev_addr=02:11:22:33:44:56 "
                            "pri_dev_type=7-0050F204-1 name='[TV] Living Room' config_methods=0x188 dev_capab=0x25 "
                            "group_capab=0x1 vendor_elems=1 new=0 pcea_cap_info=0x0000 bootstrap_methods=0x0 "
                            "pasn_type=0x0 future_flag\n", &e), 0);
        assert_str_eq(e.ifname, "p2p-dev-wlan0");
        /* p2p_dev_addr wins over the positional (interface) address. */
        assert_str_eq(e.peer, "02:11:22:33:44:56");
        assert_str_eq(e.name, "[TV] Living Room");
        assert_int_eq(e.group_capab, 1);
        assert_false(e.has_wfd_dev_info);
        assert_int_eq(e.is_new, 0);
}

TEST(device_found_quote_in_name, "/wpas/event/DEVICE-FOUND name with an embedded quote") {
        struct wpas_event e;
        assert_int_eq(parse("<3>P2P-DEVICE-FOUND 02:11:22:33:44:55 p2p_dev_addr=02:11:22:33:44:55 "
                            "name='Bob's TV' config_methods=0x188 new=1", &e), 0);
        assert_str_eq(e.name, "Bob's TV");
        assert_int_eq(e.config_methods, 0x188);
}

TEST(device_found_bad, "/wpas/event/DEVICE-FOUND with a broken address or WFD info is rejected") {
        struct wpas_event e;
        assert_int_eq(parse("<3>P2P-DEVICE-FOUND 02:11:22:33:44 name='x'", &e), -EBADMSG);
        assert_int_eq(parse("<3>P2P-DEVICE-FOUND 02:11:22:33:44:55 wfd_dev_info=0x0011", &e), -EBADMSG);
        assert_int_eq(parse("<3>P2P-DEVICE-FOUND 02:11:22:33:44:55 wfd_dev_info=0x00111c44003z", &e), -EBADMSG);
        assert_int_eq(parse("<3>P2P-DEVICE-FOUND 02:11:22:33:44:55 name='unterminated", &e), -EBADMSG);
        assert_int_eq(parse("<3>P2P-DEVICE-FOUND 02:11:22:33:44:55 config_methods=0x1ffffffff", &e), -EBADMSG);
        assert_int_eq(parse("<3>P2P-DEVICE-FOUND", &e), -EBADMSG);
}

TEST(device_lost, "/wpas/event/P2P-DEVICE-LOST") {
        struct wpas_event e;
        assert_int_eq(parse("<3>P2P-DEVICE-LOST p2p_dev_addr=42:00:00:00:01:00", &e), 0);
        assert_int_eq(e.type, WPAS_EVENT_P2P_DEVICE_LOST);
        assert_str_eq(e.peer, "42:00:00:00:01:00");
        assert_int_eq(parse("<3>P2P-DEVICE-LOST", &e), -EBADMSG);
}

TEST(go_neg_request, "/wpas/event/P2P-GO-NEG-REQUEST") {
        struct wpas_event e;
        assert_int_eq(parse("<3>P2P-GO-NEG-REQUEST 42:00:00:00:00:00 dev_passwd_id=4 go_intent=0", &e), 0);
        assert_int_eq(e.type, WPAS_EVENT_P2P_GO_NEG_REQUEST);
        assert_str_eq(e.peer, "42:00:00:00:00:00");
        assert_int_eq(e.dev_passwd_id, 4);
        assert_int_eq(e.go_intent, 0);
}

TEST(go_neg_success, "/wpas/event/P2P-GO-NEG-SUCCESS client role") {
        struct wpas_event e;
        assert_int_eq(parse("<3>P2P-GO-NEG-SUCCESS role=client freq=2437 ht40=0 peer_dev=42:00:00:00:01:00 "
                            "peer_iface=46:00:00:00:01:00 wps_method=PBC", &e), 0);
        assert_int_eq(e.role, WPAS_ROLE_CLIENT);
        assert_int_eq(e.freq_mhz, 2437);
        assert_str_eq(e.peer, "42:00:00:00:01:00");
        assert_str_eq(e.peer_iface, "46:00:00:00:01:00");
        assert_str_eq(e.wps_method, "PBC");
}

TEST(go_neg_failure, "/wpas/event/P2P-GO-NEG-FAILURE status") {
        struct wpas_event e;
        assert_int_eq(parse("<3>P2P-GO-NEG-FAILURE status=1", &e), 0);
        assert_int_eq(e.type, WPAS_EVENT_P2P_GO_NEG_FAILURE);
        assert_int_eq(e.status, 1);
        assert_str_eq(wpas_p2p_status_to_string(1), "waiting for the display to accept");
        assert_str_eq(wpas_p2p_status_to_string(99), "unknown status");
        assert_str_eq(wpas_p2p_status_to_string(-1), "unknown status");
        /* Table 8 ends at 12, "accepted by user" */
        assert_str_eq(wpas_p2p_status_to_string(WPAS_P2P_STATUS_SUCCESS_ACCEPTED_BY_USER), "accepted on the display");
        assert_str_eq(wpas_p2p_status_to_string(13), "unknown status");
        assert_int_eq(parse("<3>P2P-GO-NEG-FAILURE status=11", &e), 0);
        assert_int_eq(e.status, WPAS_P2P_STATUS_FAIL_REJECTED_BY_USER);
        assert_str_eq(wpas_p2p_status_to_string(e.status), "display rejected the request");
        assert_int_eq(parse("<3>P2P-GO-NEG-FAILURE status=x", &e), -EBADMSG);
}

TEST(group_started_client, "/wpas/event/P2P-GROUP-STARTED client with handshake IP allocation") {
        struct wpas_event e;
        assert_int_eq(parse("<3>P2P-GROUP-STARTED p2p-wlan0-0 client ssid=\"DIRECT-iO\" freq=2437 "
                            "psk=92010000000000000000000000000000000000000000000000000000000a7fdc "
                            "go_dev_addr=42:00:00:00:01:00 ip_addr=192.168.49.200 ip_mask=255.255.255.0 "
                            "go_ip_addr=192.168.49.1", &e), 0);
        assert_int_eq(e.type, WPAS_EVENT_P2P_GROUP_STARTED);
        assert_str_eq(e.group_ifname, "p2p-wlan0-0");
        assert_int_eq(e.role, WPAS_ROLE_CLIENT);
        assert_str_eq(e.ssid, "DIRECT-iO");
        assert_int_eq(e.freq_mhz, 2437);
        assert_str_eq(e.go_dev_addr, "42:00:00:00:01:00");
        assert_true(e.has_ip);
        assert_mem_eq(e.ip_addr, "\xc0\xa8\x31\xc8", 4);
        assert_mem_eq(e.ip_mask, "\xff\xff\xff\x00", 4);
        assert_mem_eq(e.go_ip_addr, "\xc0\xa8\x31\x01", 4);
        assert_false(e.persistent);
}

TEST(group_started_go, "/wpas/event/P2P-GROUP-STARTED GO, persistent, escaped SSID") {
        struct wpas_event e;
        assert_int_eq(parse("<3>P2P-GROUP-STARTED p2p-wlan1-0 GO ssid=\"DIRECT-\\\"x\\\\ \\x41\" freq=5180 "
                            "passphrase=\"pH5Y0MX8\" go_dev_addr=42:00:00:00:01:00 [PERSISTENT]", &e), 0);
        assert_int_eq(e.role, WPAS_ROLE_GO);
        assert_str_eq(e.ssid, "DIRECT-\"x\\ A");
        assert_int_eq(e.freq_mhz, 5180);
        assert_true(e.persistent);
        assert_false(e.has_ip);
}

TEST(group_started_bad, "/wpas/event/P2P-GROUP-STARTED without role or with bad IP is rejected") {
        struct wpas_event e;
        assert_int_eq(parse("<3>P2P-GROUP-STARTED p2p-wlan0-0", &e), -EBADMSG);
        assert_int_eq(parse("<3>P2P-GROUP-STARTED p2p-wlan0-0 boss ssid=\"x\"", &e), -EBADMSG);
        assert_int_eq(parse("<3>P2P-GROUP-STARTED p2p-wlan0-0 client ip_addr=192.168.49.300", &e), -EBADMSG);
        assert_int_eq(parse("<3>P2P-GROUP-STARTED p2p-wlan0-0 client ssid=\"bad\\q\"", &e), -EBADMSG);
        assert_int_eq(parse("<3>P2P-GROUP-STARTED p2p-wlan0-0 client ssid=\"bad\\x4\"", &e), -EBADMSG);
}

TEST(group_removed, "/wpas/event/P2P-GROUP-REMOVED reasons") {
        struct wpas_event e;
        assert_int_eq(parse("<3>P2P-GROUP-REMOVED p2p-wlan0-0 client reason=GO_ENDING_SESSION", &e), 0);
        assert_int_eq(e.type, WPAS_EVENT_P2P_GROUP_REMOVED);
        assert_str_eq(e.group_ifname, "p2p-wlan0-0");
        assert_int_eq(e.role, WPAS_ROLE_CLIENT);
        assert_int_eq(e.removed_reason, WPAS_GROUP_REMOVED_GO_ENDING_SESSION);
        assert_int_eq(parse("<3>P2P-GROUP-REMOVED p2p-wlan1-0 GO reason=IDLE", &e), 0);
        assert_int_eq(e.removed_reason, WPAS_GROUP_REMOVED_IDLE);
        assert_int_eq(parse("<3>P2P-GROUP-REMOVED p2p-wlan1-0 GO reason=SOMETHING_NEW", &e), 0);
        assert_int_eq(e.removed_reason, WPAS_GROUP_REMOVED_UNKNOWN);
        assert_str_eq(wpas_group_removed_reason_to_string(WPAS_GROUP_REMOVED_PSK_FAILURE), "PSK_FAILURE");
}

TEST(prov_disc, "/wpas/event/P2P-PROV-DISC-* PBC and PIN") {
        struct wpas_event e;
        assert_int_eq(parse("<3>P2P-PROV-DISC-PBC-REQ 42:00:00:00:00:00 p2p_dev_addr=42:00:00:00:00:00 "
                            "pri_dev_type=1-0050F204-1 name='mvm-source' config_methods=0x188 dev_capab=0x25 "
                            "group_capab=0x0 group=p2p-wlan1-0", &e), 0);
        assert_int_eq(e.type, WPAS_EVENT_P2P_PROV_DISC_PBC_REQ);
        assert_str_eq(e.group_ifname, "p2p-wlan1-0");
        assert_int_eq(parse("<3>P2P-PROV-DISC-PBC-RESP 42:00:00:00:01:00", &e), 0);
        assert_int_eq(e.type, WPAS_EVENT_P2P_PROV_DISC_PBC_RESP);
        assert_str_eq(e.peer, "42:00:00:00:01:00");
        assert_int_eq(parse("<3>P2P-PROV-DISC-SHOW-PIN 42:00:00:00:01:00 12345670 p2p_dev_addr=42:00:00:00:01:00 "
                            "pri_dev_type=7-0050F204-1 name='tv' config_methods=0x188", &e), 0);
        assert_int_eq(e.type, WPAS_EVENT_P2P_PROV_DISC_SHOW_PIN);
        assert_str_eq(e.pin, "12345670");
        assert_int_eq(parse("<3>P2P-PROV-DISC-ENTER-PIN 42:00:00:00:01:00 p2p_dev_addr=42:00:00:00:01:00", &e), 0);
        assert_int_eq(e.type, WPAS_EVENT_P2P_PROV_DISC_ENTER_PIN);
        assert_int_eq(parse("<3>P2P-PROV-DISC-FAILURE p2p_dev_addr=42:00:00:00:01:00 status=2", &e), 0);
        assert_int_eq(e.type, WPAS_EVENT_P2P_PROV_DISC_FAILURE);
        assert_int_eq(e.status, WPAS_PROV_DISC_REJECTED);
        assert_str_eq(wpas_prov_disc_status_to_string(e.status), "the display rejected the request");
        assert_str_eq(wpas_prov_disc_status_to_string(WPAS_PROV_DISC_TIMEOUT), "no answer from the display");
        assert_str_eq(wpas_prov_disc_status_to_string(5), "unknown status");
        assert_int_eq(parse("<3>P2P-PROV-DISC-SHOW-PIN 42:00:00:00:01:00 1234x670", &e), -EBADMSG);
}

TEST(ap_sta, "/wpas/event/AP-STA-CONNECTED with handshake IP, DISCONNECTED") {
        struct wpas_event e;
        assert_int_eq(parse("<3>AP-STA-CONNECTED 46:00:00:00:00:00 p2p_dev_addr=42:00:00:00:00:00 ip_addr=192.168.49.200", &e), 0);
        assert_int_eq(e.type, WPAS_EVENT_AP_STA_CONNECTED);
        assert_str_eq(e.peer_iface, "46:00:00:00:00:00");
        assert_str_eq(e.peer, "42:00:00:00:00:00");
        assert_true(e.has_ip);
        assert_int_eq(parse("<3>AP-STA-DISCONNECTED 46:00:00:00:00:00 p2p_dev_addr=42:00:00:00:00:00", &e), 0);
        assert_int_eq(e.type, WPAS_EVENT_AP_STA_DISCONNECTED);
        assert_false(e.has_ip);
}

TEST(misc_events, "/wpas/event/FIND-STOPPED, FORMATION, TERMINATING, unknown events") {
        struct wpas_event e;
        assert_int_eq(parse("<3>P2P-FIND-STOPPED", &e), 0);
        assert_int_eq(e.type, WPAS_EVENT_P2P_FIND_STOPPED);
        assert_int_eq(parse("<3>P2P-GROUP-FORMATION-SUCCESS", &e), 0);
        assert_int_eq(e.type, WPAS_EVENT_P2P_GROUP_FORMATION_SUCCESS);
        assert_int_eq(parse("<3>P2P-GROUP-FORMATION-FAILURE", &e), 0);
        assert_int_eq(e.type, WPAS_EVENT_P2P_GROUP_FORMATION_FAILURE);
        assert_int_eq(parse("<2>CTRL-EVENT-TERMINATING", &e), 0);
        assert_int_eq(e.type, WPAS_EVENT_CTRL_TERMINATING);
        assert_int_eq(parse("<3>P2P-FALLBACK-TO-GO-NEG reason=GO-not-found", &e), 0);
        assert_int_eq(e.type, WPAS_EVENT_P2P_FALLBACK_TO_GO_NEG);
        assert_int_eq(parse("<3>WPS-PBC-ACTIVE", &e), 0);
        assert_int_eq(e.type, WPAS_EVENT_UNKNOWN);
        assert_int_eq(parse("<3>CTRL-EVENT-DSCP-POLICY clear_all", &e), 0);
        assert_int_eq(e.type, WPAS_EVENT_UNKNOWN);
        assert_str_eq(wpas_event_type_to_string(WPAS_EVENT_P2P_GROUP_STARTED), "P2P-GROUP-STARTED");
}

TEST(line_errors, "/wpas/line/bad levels, NUL bytes, empty, oversized") {
        struct wpas_line l;
        char big[WPAS_MAX_MSG + 2];
        assert_int_eq(wpas_line_split("", 0, &l), -EBADMSG);
        assert_int_eq(wpas_line_split("<3>", 3, &l), -EBADMSG);
        assert_int_eq(wpas_line_split("<x>P2P", 6, &l), -EBADMSG);
        assert_int_eq(wpas_line_split("<3P2P", 5, &l), -EBADMSG);
        assert_int_eq(wpas_line_split("<123>P2P", 8, &l), -EBADMSG);
        assert_int_eq(wpas_line_split("<3>P2P\0x", 8, &l), -EBADMSG);
        assert_int_eq(wpas_line_split("IFNAME= <3>X", 12, &l), -EBADMSG);
        memset(big, 'A', sizeof(big));
        assert_int_eq(wpas_line_split(big, sizeof(big), &l), -E2BIG);
        /* no level is fine: replies to some commands and events on old versions */
        assert_int_eq(wpas_line_split("P2P-FIND-STOPPED\n", 17, &l), 0);
        assert_int_eq(l.level, -1);
}

TEST(line_many_words, "/wpas/line/words beyond the limit are dropped, not overflowed") {
        char buf[WPAS_MAX_MSG];
        struct wpas_line l;
        size_t n = snprintf(buf, sizeof(buf), "<3>X");
        for (int i = 0; i < WPAS_MAX_WORDS * 2; i++)
                n += snprintf(buf + n, sizeof(buf) - n, " k%d=v", i);
        assert_int_eq(wpas_line_split(buf, n, &l), 0);
        assert_int_eq(l.n_words, WPAS_MAX_WORDS);
        assert_non_null(wpas_line_get(&l, "k0"));
        assert_null(wpas_line_get(&l, "k90"));
}

TEST(prefix_overread, "/wpas/event/every prefix of an event ends at an inaccessible page") {
        const char *ev = "IFNAME=p2p-dev-wlan0 <3>P2P-GROUP-STARTED p2p-wlan0-0 client ssid=\"DIRECT-\\x41\" freq=2437 "
                         "go_dev_addr=42:00:00:00:01:00 ip_addr=192.168.49.200 ip_mask=255.255.255.0 go_ip_addr=192.168.49.1";
        long pg = sysconf(_SC_PAGESIZE);
        size_t len = strlen(ev);
        char *map = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        assert_true(map != MAP_FAILED);
        assert_int_eq(mprotect(map + pg, pg, PROT_NONE), 0);
        for (size_t i = 0; i <= len; i++) {
                struct wpas_event e;
                char *p = map + pg - i;
                memcpy(p, ev, i);
                (void) wpas_event_parse(p, i, &e);
        }
        munmap(map, 2 * pg);
}

TEST(reply_classify, "/wpas/reply/OK, FAIL-*, UNKNOWN COMMAND, PONG, data") {
        assert_int_eq(wpas_reply_classify("OK\n", 3), WPAS_REPLY_OK);
        assert_int_eq(wpas_reply_classify("PONG\n", 5), WPAS_REPLY_PONG);
        assert_int_eq(wpas_reply_classify("FAIL\n", 5), WPAS_REPLY_FAIL);
        assert_int_eq(wpas_reply_classify("FAIL-CHANNEL-UNAVAILABLE\n", 25), WPAS_REPLY_FAIL);
        assert_int_eq(wpas_reply_classify("UNKNOWN COMMAND\n", 16), WPAS_REPLY_UNKNOWN);
        assert_int_eq(wpas_reply_classify("000600101c440032", 16), WPAS_REPLY_DATA);
        assert_int_eq(wpas_reply_to_errno("FAIL-INVALID-PIN\n", 17), -EINVAL);
        assert_int_eq(wpas_reply_to_errno("FAIL-CHANNEL-UNSUPPORTED\n", 25), -EHOSTUNREACH);
        assert_int_eq(wpas_reply_to_errno("FAIL\n", 5), -EIO);
        assert_int_eq(wpas_reply_to_errno("UNKNOWN COMMAND\n", 16), -EOPNOTSUPP);
        assert_int_eq(wpas_reply_to_errno("12345670\n", 9), 0);
}

TEST(reply_get, "/wpas/reply/key=value lookup in SIGNAL_POLL and STATUS") {
        const char *sp = "RSSI=-42\nLINKSPEED=144\nNOISE=9999\nFREQUENCY=2437\n";
        const char *v;
        size_t n;
        int x;
        assert_int_eq(wpas_reply_get(sp, strlen(sp), "LINKSPEED", &v, &n), 0);
        assert_int_eq(wpas_parse_int(v, n, &x), 0);
        assert_int_eq(x, 144);
        assert_int_eq(wpas_reply_get(sp, strlen(sp), "RSSI", &v, &n), 0);
        assert_int_eq(wpas_parse_int(v, n, &x), 0);
        assert_int_eq(x, -42);
        assert_int_eq(wpas_reply_get(sp, strlen(sp), "LINK", &v, &n), -ENOENT);
        assert_int_eq(wpas_reply_get(sp, strlen(sp), "SSID", &v, &n), -ENOENT);
}

TEST(peer_parse, "/wpas/peer/P2P_PEER reply with wfd_subelems") {
        const char *r = "42:00:00:00:01:00\npri_dev_type=7-0050F204-1\ndevice_name=mvm-sink\nmanufacturer=\n"
                        "config_methods=0x188\ndev_capab=0x25\ngroup_capab=0x1\nlevel=-35\nlisten_freq=2412\n"
                        "oper_freq=2437\ninterface_addr=46:00:00:00:01:00\nage=3\nflags=[REPORTED]\n"
                        "wfd_subelems=00000600111c440032\nnew_key=1\n";
        struct wpas_peer p;
        assert_int_eq(wpas_peer_parse(r, strlen(r), &p), 0);
        assert_str_eq(p.address, "42:00:00:00:01:00");
        assert_str_eq(p.name, "mvm-sink");
        assert_int_eq(p.group_capab, 1);
        assert_int_eq(p.level, -35);
        assert_int_eq(p.oper_freq, 2437);
        assert_int_eq(p.age, 3);
        assert_str_eq(p.interface_addr, "46:00:00:00:01:00");
        assert_int_eq(p.wfd_subelems_len, 9);
        assert_mem_eq(p.wfd_subelems, "\x00\x00\x06\x00\x11\x1c\x44\x00\x32", 9);
        assert_int_eq(wpas_peer_parse("FAIL\n", 5, &p), -ENOENT);
        assert_int_eq(wpas_peer_parse("", 0, &p), -ENOENT);
        assert_int_eq(wpas_peer_parse("not-a-mac\nage=1\n", 16, &p), -EBADMSG);
        assert_int_eq(wpas_peer_parse("42:00:00:00:01:00\nwfd_subelems=0g\n", 34, &p), -EBADMSG);
}

TEST(parse_helpers, "/wpas/parse/mac, ipv4, integers") {
        uint8_t m[6], ip[4];
        uint32_t u;
        int i;
        char s[WPAS_ADDR_STRLEN];
        assert_int_eq(wpas_parse_mac("AA:bb:0C:dd:ee:ff", 17, m), 0);
        wpas_format_mac(m, s);
        assert_str_eq(s, "aa:bb:0c:dd:ee:ff");
        assert_int_eq(wpas_parse_mac("aa-bb-cc-dd-ee-ff", 17, m), -EBADMSG);
        assert_int_eq(wpas_parse_ipv4("10.42.0.1", 9, ip), 0);
        assert_mem_eq(ip, "\x0a\x2a\x00\x01", 4);
        assert_int_eq(wpas_parse_ipv4("10.42.0", 7, ip), -EBADMSG);
        assert_int_eq(wpas_parse_ipv4("10.42.0.1.", 10, ip), -EBADMSG);
        assert_int_eq(wpas_parse_ipv4("1000.1.1.1", 10, ip), -EBADMSG);
        assert_int_eq(wpas_parse_u32("0xffffffff", 10, &u), 0);
        assert_int_eq(u, 0xffffffffu);
        assert_int_eq(wpas_parse_u32("4294967296", 10, &u), -EBADMSG);
        assert_int_eq(wpas_parse_u32("", 0, &u), -EBADMSG);
        assert_int_eq(wpas_parse_int("-2147483647", 11, &i), 0);
        assert_int_eq(i, -2147483647);
        assert_int_eq(wpas_parse_int("2147483648", 10, &i), -EBADMSG);
        assert_int_eq(wpas_parse_int("-", 1, &i), -EBADMSG);
}
