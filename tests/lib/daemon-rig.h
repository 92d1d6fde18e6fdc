/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The rig most integration tests of the Wi-Fi Direct path share: a temporary
 * directory, a private dbus-daemon, a FAKE wpa_supplicant control socket
 * (fake-wpas.h) served by this process's sd-event loop, the real miracastd
 * with its wpas backend on that socket, and children (miracastctl, the test
 * sink, the desktop app) watched by the same loop.
 *
 *   static struct rig rig;
 *   rig_setup(&rig, "/tmp/mcd-x-XXXXXX");                 temp dir, loop, bus, fake
 *   rig_daemon_start(&rig, "x-source", "max-resolution = 640x480\n");
 *   RIG_RUN_UNTIL(&rig, fake_wpas_has(rig.fw, "P2P_FIND 30"), 60);
 *
 * Everything asserts (tests/lib/test.h): a rig that cannot be built fails the case.
 * The daemon and the bus are killed at exit. Children get SIGCHLD through the loop,
 * so SIGCHLD stays blocked in this process (rig_setup()).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <systemd/sd-event.h>
#include <time.h>

struct fake_wpas;

struct rig {
        char dir[64];                /* the temporary directory, removed at exit */
        char bus_addr[320];          /* "unix:path=DIR/bus"; also in $MIRACASTCTL_BUS */
        char cfg_path[300];          /* DIR/miracastd.conf */
        char log_path[300];          /* DIR/miracastd.log: the daemon's stderr */
        char wpas_path[300];         /* DIR/p2p-dev-wlan0: the fake's socket */
        pid_t bus_pid, daemon_pid;   /* -1 when not running */
        sd_event *ev;                /* the loop serving the fake and watching children */
        struct fake_wpas *fw;
};

/* A child process whose stdout+stderr go to DIR/NAME.out. */
struct rig_child {
        pid_t pid;
        bool done;
        int status;                  /* exit status, or 128 + signal */
        char out_path[300];
        sd_event_source *src;
};

/* Run rig's loop until cond holds or bound_sec passed (a bound against hangs, not a timing
 * assertion); evaluates to whether cond held. */
#define RIG_RUN_UNTIL(rig, cond, bound_sec)                                                       \
        ({                                                                                        \
                struct timespec _s, _n;                                                           \
                bool _ok = true;                                                                  \
                clock_gettime(CLOCK_MONOTONIC, &_s);                                              \
                while (!(cond)) {                                                                 \
                        clock_gettime(CLOCK_MONOTONIC, &_n);                                      \
                        if (_n.tv_sec - _s.tv_sec >= (bound_sec) || sd_event_run((rig)->ev, 50000) < 0) { \
                                _ok = false;                                                      \
                                break;                                                            \
                        }                                                                         \
                }                                                                                 \
                _ok;                                                                              \
        })

/* Keep the loop serving the fake and the children while ms milliseconds pass (a pause, not an assertion). */
void rig_run_for_ms(struct rig *rig, unsigned ms);

/* Another private dbus-daemon, socket DIR/name, config DIR/name.conf, nobody on it; servicedir: where
 * it finds service files for D-Bus activation (NULL: none). *ret_pid is killed by the caller (kill_wait). */
void rig_bus_start(const struct rig *rig, const char *name, const char *servicedir, pid_t *ret_pid, char *ret_addr,
                   size_t size);

/* mkdtemp(dir_template), block SIGCHLD, the loop, the private bus (setting
 * $MIRACASTCTL_BUS) and the fake wpa_supplicant. */
void rig_setup(struct rig *rig, const char *dir_template);

/*
 * (Re)start miracastd (from $MIRACAST_BUILD, else build/) on the bus: testsrc capture, x264,
 * no polkit, the wpas backend on the fake, device_name, debug log, then the lines of extra.
 * The fake's command list is cleared first; returns once the backend configured the fake
 * (device name and WFD subelements set).
 */
void rig_daemon_start(struct rig *rig, const char *device_name, const char *extra);
/* SIGTERM and wait; returns the wait status (-1 when it was not running). */
int rig_daemon_stop(struct rig *rig);

bool rig_log_has(const struct rig *rig, const char *what);
void rig_dump_log(const struct rig *rig);

/* Start argv (execvp) with stdout+stderr into DIR/name.out, watched by the loop. */
void rig_child_start(struct rig *rig, struct rig_child *c, const char *name, char *const argv[]);
/* The same with stdin reading input (kept in DIR/name.in). */
void rig_child_start_input(struct rig *rig, struct rig_child *c, const char *name, char *const argv[],
                           const char *input);
/* Its output so far (malloc'd, "" when none). */
char *rig_child_output(const struct rig_child *c);
bool rig_child_says(const struct rig_child *c, const char *what);
/* Kill (when still running) and forget the child. */
void rig_child_reap(struct rig_child *c);
