/* SPDX-License-Identifier: GPL-2.0-or-later */
/* See tcp_window.h. Its own file: linux/tcp.h (tcpi_snd_wnd) clashes with netinet/tcp.h. */
#include <linux/tcp.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "tcp_window.h"

bool tcp_peer_window_closed(int fd)
{
        struct tcp_info info = { .tcpi_snd_wnd = UINT32_MAX };
        socklen_t len = sizeof(info);

        if (fd < 0 || getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) < 0 ||
            len < offsetof(struct tcp_info, tcpi_snd_wnd) + sizeof(info.tcpi_snd_wnd))
                return false;
        return info.tcpi_snd_wnd == 0;
}
