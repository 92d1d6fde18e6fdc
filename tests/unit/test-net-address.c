/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "../../protocol/net_address.h"
#include "../lib/test.h"

/* host "" makes an address of another family (AF_UNIX) */
static struct sockaddr_storage make(const char *host, uint16_t port, uint32_t scope)
{
        struct sockaddr_storage ss = { .ss_family = AF_UNIX };
        struct sockaddr_in *sin = (struct sockaddr_in *) &ss;
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) &ss;

        if (!*host)
                return ss;
        if (strchr(host, ':')) {
                sin6->sin6_family = AF_INET6;
                sin6->sin6_port = htons(port);
                sin6->sin6_scope_id = scope;
                assert_int_eq(inet_pton(AF_INET6, host, &sin6->sin6_addr), 1);
        } else {
                sin->sin_family = AF_INET;
                sin->sin_port = htons(port);
                assert_int_eq(inet_pton(AF_INET, host, &sin->sin_addr), 1);
        }
        return ss;
}

static const struct {
        const char *why;              /* the case, for whoever reads a failure */
        const char *host;
        uint16_t port;
        uint32_t scope;
        size_t size;                  /* of the output buffer */
        int ret;
        const char *want;             /* NULL: outputs unchanged */
} cases[] = {
        { "IPv4 and its port", "192.168.173.80", 7236, 0, INET6_ADDRSTRLEN, 0, "192.168.173.80" },
        { "IPv6 without its scope", "fe80::2", 1, 3, INET6_ADDRSTRLEN, 0, "fe80::2" },
        { "an IPv4-mapped peer as IPv4", "::ffff:10.0.0.2", 65535, 0, INET6_ADDRSTRLEN, 0, "10.0.0.2" },
        { "another family", "", 0, 0, INET6_ADDRSTRLEN, -EAFNOSUPPORT, NULL },
        { "a buffer one byte short", "192.168.173.80", 7236, 0, 14, -ENOBUFS, NULL },
        { "a buffer just large enough", "10.0.0.2", 1, 0, 9, 0, "10.0.0.2" },
};

TEST(net_address_cases, "/net-address/numeric host and port; refusals leave the outputs alone") {
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct sockaddr_storage ss = make(cases[i].host, cases[i].port, cases[i].scope);
                char host[INET6_ADDRSTRLEN] = "unchanged";
                uint16_t port = 42;

                assert_int_eq(net_address_format(&ss, host, cases[i].size, &port), cases[i].ret);
                assert_str_eq(host, cases[i].want ? cases[i].want : "unchanged");
                assert_int_eq(port, cases[i].want ? cases[i].port : 42);
        }
}
