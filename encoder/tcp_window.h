/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Whether a TCP peer has closed its receive window (TCP_INFO tcpi_snd_wnd):
 * it is there (it acknowledges) but its application does not read. A slow
 * link keeps the window open and is limited by loss and the congestion
 * window instead, so this tells a stalled sink from a slow one.
 */
#pragma once

#include <stdbool.h>

/* true when fd is a TCP socket whose peer advertises no room; false otherwise or when the kernel does not say. */
bool tcp_peer_window_closed(int fd);
