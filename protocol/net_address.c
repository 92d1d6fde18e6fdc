/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Numeric text of a socket address (see net_address.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "net_address.h"

int net_address_format(const struct sockaddr_storage *ss, char *host, size_t host_size, uint16_t *ret_port)
{
        char text[INET6_ADDRSTRLEN];
        uint16_t port;
        size_t n;

        if (ss->ss_family == AF_INET) {
                const struct sockaddr_in *sin = (const struct sockaddr_in *) ss;

                if (!inet_ntop(AF_INET, &sin->sin_addr, text, sizeof(text)))
                        return -errno;
                port = ntohs(sin->sin_port);
        } else if (ss->ss_family == AF_INET6) {
                const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *) ss;
                struct in_addr v4;
                const char *ok;

                /* A dual-stack socket reports an IPv4 peer as ::ffff:a.b.c.d: show it as the IPv4 it is. */
                if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
                        memcpy(&v4, &sin6->sin6_addr.s6_addr[12], sizeof(v4));
                        ok = inet_ntop(AF_INET, &v4, text, sizeof(text));
                } else
                        ok = inet_ntop(AF_INET6, &sin6->sin6_addr, text, sizeof(text));
                if (!ok)
                        return -errno;
                port = ntohs(sin6->sin6_port);
        } else
                return -EAFNOSUPPORT;

        n = strlen(text);
        if (n >= host_size)
                return -ENOBUFS;
        memcpy(host, text, n + 1);
        *ret_port = port;
        return 0;
}
