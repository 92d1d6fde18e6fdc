/* SPDX-License-Identifier: GPL-2.0-or-later */
/* DHCPv4 codec: build/parse round trips and malformed packets (RFC 2131/2132). */
#include <errno.h>
#include <string.h>

#include "../../protocol/dhcp_msg.h"
#include "../lib/test.h"

TEST(roundtrip_offer, "/dhcp/build/OFFER round trip with mask, server id, lease, T1/T2") {
        struct dhcp_msg m = { .op = DHCP_OP_REPLY, .xid = 0x12345678, .flags = DHCP_FLAG_BROADCAST, .type = DHCP_OFFER,
                              .yiaddr = { 192, 168, 173, 2 }, .siaddr = { 192, 168, 173, 1 },
                              .chaddr = { 2, 0, 0, 0, 0, 1 }, .has_server_id = true, .server_id = { 192, 168, 173, 1 },
                              .has_subnet_mask = true, .subnet_mask = { 255, 255, 255, 0 },
                              .has_lease_time = true, .lease_time_sec = 3600 };
        uint8_t buf[DHCP_MAX_LEN];
        struct dhcp_msg p;
        ssize_t n = dhcp_msg_build(&m, buf, sizeof(buf));
        assert_int_eq(n, 300);
        assert_int_eq(dhcp_msg_parse(buf, n, &p), 0);
        assert_int_eq(p.op, DHCP_OP_REPLY);
        assert_int_eq(p.xid, 0x12345678);
        assert_int_eq(p.flags, DHCP_FLAG_BROADCAST);
        assert_int_eq(p.type, DHCP_OFFER);
        assert_mem_eq(p.yiaddr, m.yiaddr, 4);
        assert_mem_eq(p.chaddr, m.chaddr, 6);
        assert_true(p.has_server_id && p.has_subnet_mask && p.has_lease_time);
        assert_false(p.has_router);
        assert_int_eq(p.lease_time_sec, 3600);
        assert_int_eq(p.t1_sec, 1800);
        assert_int_eq(p.t2_sec, 3150);
        assert_str_eq(dhcp_type_to_string(p.type), "OFFER");
}

TEST(roundtrip_request, "/dhcp/build/REQUEST carries requested IP, server id, client id, PRL") {
        struct dhcp_msg m = { .op = DHCP_OP_REQUEST, .xid = 7, .type = DHCP_REQUEST,
                              .has_requested_ip = true, .requested_ip = { 10, 0, 0, 5 },
                              .has_server_id = true, .server_id = { 10, 0, 0, 1 },
                              .client_id = { 1, 2, 0, 0, 0, 0, 1 }, .client_id_len = 7 };
        uint8_t buf[DHCP_MAX_LEN];
        struct dhcp_msg p;
        ssize_t n = dhcp_msg_build(&m, buf, sizeof(buf));
        assert_int_ge(n, 300);
        assert_int_eq(dhcp_msg_parse(buf, n, &p), 0);
        assert_true(p.has_requested_ip);
        assert_mem_eq(p.requested_ip, m.requested_ip, 4);
        assert_int_eq(p.client_id_len, 7);
        assert_mem_eq(p.client_id, m.client_id, 7);
        /* option 55 present: find it after the cookie */
        assert_true(memmem(buf + 240, n - 240, "\x37\x04\x01\x03\x33\x36", 6) != NULL);
        assert_int_eq(dhcp_msg_build(&m, buf, 250), -ENOBUFS);
}

TEST(parse_bad, "/dhcp/parse/short, bad cookie, bad htype, truncated and malformed options") {
        struct dhcp_msg m = { .op = DHCP_OP_REQUEST, .type = DHCP_DISCOVER };
        uint8_t buf[DHCP_MAX_LEN], bad[DHCP_MAX_LEN];
        struct dhcp_msg p;
        ssize_t n = dhcp_msg_build(&m, buf, sizeof(buf));
        assert_int_eq(dhcp_msg_parse(buf, 239, &p), -EBADMSG);
        memcpy(bad, buf, n);
        bad[236] = 0;
        assert_int_eq(dhcp_msg_parse(bad, n, &p), -EBADMSG);
        memcpy(bad, buf, n);
        bad[1] = 6; /* IEEE 802 */
        assert_int_eq(dhcp_msg_parse(bad, n, &p), -EBADMSG);
        memcpy(bad, buf, n);
        bad[0] = 3;
        assert_int_eq(dhcp_msg_parse(bad, n, &p), -EBADMSG);
        /* option 53 with length 2 */
        memcpy(bad, buf, 240);
        memcpy(bad + 240, "\x35\x02\x01\x01\xff", 5);
        assert_int_eq(dhcp_msg_parse(bad, 245, &p), -EBADMSG);
        /* option running past the end */
        memcpy(bad + 240, "\x01\x04\xff\xff", 4);
        assert_int_eq(dhcp_msg_parse(bad, 244, &p), -EBADMSG);
        /* server id of 3 bytes */
        memcpy(bad + 240, "\x36\x03\x01\x02\x03\xff", 6);
        assert_int_eq(dhcp_msg_parse(bad, 246, &p), -EBADMSG);
        /* no END option and unknown options: fine */
        memcpy(bad + 240, "\x35\x01\x03\x0c\x03" "abc", 8);
        assert_int_eq(dhcp_msg_parse(bad, 248, &p), 0);
        assert_int_eq(p.type, DHCP_REQUEST);
        /* routers: several allowed, first kept; 5 bytes is not */
        memcpy(bad + 240, "\x03\x08\x0a\x00\x00\x01\x0a\x00\x00\x02\xff", 11);
        assert_int_eq(dhcp_msg_parse(bad, 251, &p), 0);
        assert_mem_eq(p.router, "\x0a\x00\x00\x01", 4);
        memcpy(bad + 240, "\x03\x05\x0a\x00\x00\x01\x0a\xff", 8);
        assert_int_eq(dhcp_msg_parse(bad, 248, &p), -EBADMSG);
}
