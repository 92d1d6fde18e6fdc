/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Numeric text of a socket address, for the RTSP session's peer and local
 * ends (main's session and the stream worker's use the same form).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/*
 * The numeric host of ss ("10.0.0.2", "2001:db8::2"; an IPv4-mapped IPv6
 * address as its IPv4 form, no scope) into host, and its port. Returns 0, or
 *   -EAFNOSUPPORT  ss is neither AF_INET nor AF_INET6,
 *   -ENOBUFS       host_size is too small (INET6_ADDRSTRLEN always fits).
 * host and *ret_port are written on success only.
 */
int net_address_format(const struct sockaddr_storage *ss, char *host, size_t host_size, uint16_t *ret_port);
