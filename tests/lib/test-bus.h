/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A private dbus-daemon for integration tests. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/*
 * Start `dbus-daemon --nofork --config-file CONF` as a child (it gets SIGTERM
 * when the test dies) and return once it accepts connections: dbus-daemon
 * prints its address only after it listens, so waiting for the socket file
 * is not enough (connect() races listen() and fails with ECONNREFUSED).
 * Fills *ret_pid and, when ret_address is given, the address it printed.
 * Returns 0 or a negative errno (-ETIMEDOUT after 10 s).
 */
int test_dbus_daemon_start(const char *conf, char *ret_address, size_t size, pid_t *ret_pid);
