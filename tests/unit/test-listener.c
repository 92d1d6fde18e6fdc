/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "../../daemon/listener.h"
#include "../../daemon/sink.h"
#include "../lib/test.h"

static uint16_t port_of(const struct sockaddr_storage *ss)
{
        return ntohs(ss->ss_family == AF_INET ? ((const struct sockaddr_in *) ss)->sin_port
                                              : ((const struct sockaddr_in6 *) ss)->sin6_port);
}

TEST(listener_parse_ok, "/listener/parse: IPv4, IPv6 with and without brackets, default port")
{
        struct sockaddr_storage ss;
        socklen_t len;

        assert_int_eq(listener_parse_address("127.0.0.1", 7236, &ss, &len), 0);
        assert_int_eq(ss.ss_family, AF_INET);
        assert_int_eq(port_of(&ss), 7236);
        assert_int_eq(len, sizeof(struct sockaddr_in));
        assert_int_eq(listener_parse_address("0.0.0.0:9000", 7236, &ss, &len), 0);
        assert_int_eq(port_of(&ss), 9000);
        assert_int_eq(listener_parse_address("[::1]:7000", 7236, &ss, &len), 0);
        assert_int_eq(ss.ss_family, AF_INET6);
        assert_int_eq(port_of(&ss), 7000);
        assert_int_eq(listener_parse_address("::1", 7236, &ss, &len), 0);
        assert_int_eq(port_of(&ss), 7236);
        assert_int_eq(listener_parse_address("[fe80::1]", 7236, &ss, &len), 0);
        assert_int_eq(listener_parse_address("127.0.0.1:0", 7236, &ss, &len), 0);
        assert_int_eq(port_of(&ss), 0);
}

TEST(listener_parse_bad, "/listener/parse: names, bad ports, bracketed IPv4 and garbage are -EINVAL")
{
        static const char *const bad[] = {
                "", "tv.local", "tv.local:7236", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1",
                "127.0.0.1:72x", "[127.0.0.1]:7236", "[::1", "[::1]x", "[::1]:", "1.2.3", "1.2.3.4.5",
                "[]:7236", ":7236",
        };
        struct sockaddr_storage ss;
        socklen_t len;

        for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                if (listener_parse_address(bad[i], 7236, &ss, &len) != -EINVAL)
                        test_fail(__FILE__, __LINE__, "\"%s\" was accepted", bad[i]);
        assert_int_eq(listener_parse_address(NULL, 7236, &ss, &len), -EINVAL);
}

TEST(sink_address_id, "/sink/address to D-Bus id: lower case, '_' separators, only MAC addresses")
{
        char id[18];

        assert_int_eq(sink_address_to_id("AA:bb:0C:dd:EE:ff", id, sizeof(id)), 0);
        assert_str_eq(id, "aa_bb_0c_dd_ee_ff");
        assert_int_eq(sink_address_to_id("aa:bb:cc:dd:ee", id, sizeof(id)), -EINVAL);
        assert_int_eq(sink_address_to_id("aa-bb-cc-dd-ee-ff", id, sizeof(id)), -EINVAL);
        assert_int_eq(sink_address_to_id("gg:bb:cc:dd:ee:ff", id, sizeof(id)), -EINVAL);
        assert_int_eq(sink_address_to_id("aa:bb:cc:dd:ee:ff", id, 10), -EINVAL);
        assert_int_eq(sink_address_to_id(NULL, id, sizeof(id)), -EINVAL);
}
