/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "../../protocol/net_address.h"
#include "../lib/test.h"

static struct sockaddr_storage v4(const char *host, uint16_t port)
{
        struct sockaddr_storage ss = {};
        struct sockaddr_in *sin = (struct sockaddr_in *) &ss;

        sin->sin_family = AF_INET;
        sin->sin_port = htons(port);
        assert_int_eq(inet_pton(AF_INET, host, &sin->sin_addr), 1);
        return ss;
}

static struct sockaddr_storage v6(const char *host, uint16_t port, uint32_t scope)
{
        struct sockaddr_storage ss = {};
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) &ss;

        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(port);
        sin6->sin6_scope_id = scope;
        assert_int_eq(inet_pton(AF_INET6, host, &sin6->sin6_addr), 1);
        return ss;
}

TEST(net_address_ipv4, "/net-address/an IPv4 address and its port") {
        struct sockaddr_storage ss = v4("192.168.173.80", 7236);
        char host[INET6_ADDRSTRLEN];
        uint16_t port = 0;

        assert_int_eq(net_address_format(&ss, host, sizeof(host), &port), 0);
        assert_str_eq(host, "192.168.173.80");
        assert_int_eq(port, 7236);
}

TEST(net_address_ipv6, "/net-address/an IPv6 address without its scope") {
        struct sockaddr_storage ss = v6("fe80::2", 1, 3);
        char host[INET6_ADDRSTRLEN];
        uint16_t port = 0;

        assert_int_eq(net_address_format(&ss, host, sizeof(host), &port), 0);
        assert_str_eq(host, "fe80::2");
        assert_int_eq(port, 1);
}

TEST(net_address_mapped, "/net-address/an IPv4-mapped IPv6 peer reads as its IPv4 address") {
        struct sockaddr_storage ss = v6("::ffff:10.0.0.2", 65535, 0);
        char host[INET6_ADDRSTRLEN];
        uint16_t port = 0;

        assert_int_eq(net_address_format(&ss, host, sizeof(host), &port), 0);
        assert_str_eq(host, "10.0.0.2");
        assert_int_eq(port, 65535);
}

TEST(net_address_family, "/net-address/another family is refused and leaves the outputs alone") {
        struct sockaddr_storage ss = { .ss_family = AF_UNIX };
        char host[INET6_ADDRSTRLEN] = "unchanged";
        uint16_t port = 42;

        assert_int_eq(net_address_format(&ss, host, sizeof(host), &port), -EAFNOSUPPORT);
        assert_str_eq(host, "unchanged");
        assert_int_eq(port, 42);
}

TEST(net_address_short, "/net-address/a buffer too small is refused, not truncated") {
        struct sockaddr_storage ss = v4("192.168.173.80", 7236);
        char host[14] = "unchanged";    /* "192.168.173.80" needs 15 */
        uint16_t port = 42;

        assert_int_eq(net_address_format(&ss, host, sizeof(host), &port), -ENOBUFS);
        assert_str_eq(host, "unchanged");
        assert_int_eq(port, 42);
        ss = v4("10.0.0.2", 1);
        assert_int_eq(net_address_format(&ss, host, sizeof(host), &port), 0);
        assert_str_eq(host, "10.0.0.2");
}
