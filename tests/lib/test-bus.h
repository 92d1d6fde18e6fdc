/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A private dbus-daemon for integration tests, and the connections tests make to it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

/*
 * Start `dbus-daemon --nofork --config-file CONF` as a child (it gets SIGTERM
 * when the test dies) and return once it accepts connections: dbus-daemon
 * prints its address only after it listens, so waiting for the socket file
 * is not enough (connect() races listen() and fails with ECONNREFUSED).
 * Fills *ret_pid and, when ret_address is given, the address it printed.
 * Returns 0 or a negative errno (-ETIMEDOUT after 10 s).
 */
int test_dbus_daemon_start(const char *conf, char *ret_address, size_t size, pid_t *ret_pid);

/*
 * The private bus most tests want: writes DIR/bus.conf, a TYPE bus ("session" or "system") on
 * which anyone may connect, own any name, send, receive and eavesdrop, and starts dbus-daemon on
 * the socket DIR/bus as test_dbus_daemon_start() does. dir exists already (the test's mkdtemp()).
 * Fills ret_address with "unix:path=DIR/bus" and *ret_pid (the caller kills it).
 * Returns 0 or a negative errno.
 */
int test_private_bus_start(const char *dir, const char *type, char *ret_address, size_t size, pid_t *ret_pid);

/*
 * What a test of one fake service needs around it: a fresh /tmp/NAME.XXXXXX directory (its name in
 * dir, dir_size >= 32), a private session bus there (address, *bus_pid) and an event loop (*event).
 * test_fake_env_stop() closes fake_bus, stops that bus and removes the directory.
 */
int test_fake_env_start(const char *name, char *dir, size_t dir_size, char *address, size_t address_size,
                        pid_t *bus_pid, sd_event **event);
void test_fake_env_stop(sd_bus **fake_bus, pid_t bus_pid, const char *dir);

/* A client connection to the bus at address, attached to event. Returns 0 or a negative errno. */
int test_bus_connect(sd_event *event, const char *address, sd_bus **ret);

/*
 * A FAKE service on the bus at address: a test_bus_connect() connection serving vtable (with
 * userdata) at path under interface, then owning name. Returns 0 or a negative errno.
 */
int test_bus_serve(sd_event *event, const char *address, const char *path, const char *interface,
                   const sd_bus_vtable *vtable, void *userdata, const char *name, sd_bus **ret);

/* An asynchronous call's outcome, filled by test_bus_on_reply() (pass the struct as userdata). */
struct test_call_result {
        bool done;
        sd_bus_message *reply;        /* on success, a reference the test drops */
        char error[256];              /* the error name; "" on success */
        char message[512];
};
int test_bus_on_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error);

/*
 * A fake service alone, for a shell test (called from a constructor when the test's environment
 * asks for it): *event becomes a loop that ends on SIGTERM, start() puts the fake on it, "fake
 * WHAT ready" goes to stdout, and after each loop iteration report() may print what the fake saw.
 * Exits the process: 0 on SIGTERM, 1 when start() fails.
 */
__attribute__((noreturn)) void test_fake_serve_alone(const char *what, sd_event **event, int (*start)(void),
                                                     void (*report)(void));
