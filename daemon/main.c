/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * miracastd: wires the layers together. Configuration, logging, the sd-event
 * loop with signals and the watchdog, the manager (daemon/), the D-Bus face
 * (dbus/), sd_notify READY/STATUS/STOPPING.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "../dbus/bus.h"
#include "../protocol/macro.h"
#include "config.h"
#include "log.h"
#include "manager.h"
#include "mice.h"
#include "p2p.h"

static int main_on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        struct manager *m = userdata;

        log_info("Received %s", strsignal(si->ssi_signo));
        manager_shutdown(m);
        return 0;
}

static int main_run(struct config *config)
{
        _cleanup_(sd_event_unrefp) sd_event *event = NULL;
        struct manager *m = NULL;
        struct bus *bus = NULL;
        struct p2p *p2p = NULL;
        struct mice *mice = NULL;
        sigset_t mask;
        int r;

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return log_error_errno(-errno, "Failed to block signals: %m");
        (void) signal(SIGPIPE, SIG_IGN);

        r = sd_event_default(&event);
        if (r < 0)
                return log_error_errno(r, "Failed to create the event loop: %m");
        /* Sends WATCHDOG=1 at half of WatchdogSec= while the loop runs. */
        r = sd_event_set_watchdog(event, true);
        if (r < 0)
                log_warning_errno(r, "Failed to enable the watchdog, ignoring: %m");

        r = manager_new(event, config, &m);
        if (r < 0)
                return log_error_errno(r, "Failed to create the manager: %m");

        r = sd_event_add_signal(event, NULL, SIGTERM, main_on_signal, m);
        if (r >= 0)
                r = sd_event_add_signal(event, NULL, SIGINT, main_on_signal, m);
        if (r < 0) {
                log_error_errno(r, "Failed to watch SIGTERM/SIGINT: %m");
                goto finish;
        }

        if (strcmp(config->bus, "none") == 0)
                log_info("D-Bus off (--bus none): only the configured listeners work");
        else {
                r = bus_open(m, config->bus, config->polkit, &bus);
                if (r < 0) {
                        if (config->bus_explicit) {
                                log_error_errno(r, "Cannot use the %s bus: %m", config->bus);
                                goto finish;
                        }
                        log_warning_errno(r, "No usable %s bus (%m): D-Bus off, only the configured listeners work",
                                          config->bus);
                }
        }

        r = manager_start(m);
        if (r < 0)
                goto finish;

        /* Wi-Fi Direct: without a usable backend the daemon runs listen-only (p2p.c logs why). */
        r = p2p_new(m, &config->p2p, &p2p);
        if (r < 0) {
                log_error_errno(r, "Failed to set up Wi-Fi Direct: %m");
                goto finish;
        }
        /* MS-MICE: sinks on the LAN, found through avahi-daemon (mice.c logs when it is off). */
        r = mice_new(m, &config->p2p, &mice);
        if (r < 0) {
                log_error_errno(r, "Failed to set up MS-MICE: %m");
                goto finish;
        }

        (void) sd_notify(false, "READY=1");
        manager_update_status(m);
        log_info("miracastd ready (capture %s, encoder %s)", config->capture, config->encoder);

        /* > 0: the exit status the manager asked for (manager_drain()). */
        r = sd_event_loop(event);
        if (r < 0)
                log_error_errno(r, "Event loop failed: %m");

finish:
        (void) sd_notify(false, "STOPPING=1");
        bus = bus_free(bus);
        p2p = p2p_free(p2p);
        mice = mice_free(mice);
        m = manager_free(m);
        return r;
}

int main(int argc, char *argv[])
{
        struct config config;
        int r;

        log_set_prefix_priority(!isatty(STDERR_FILENO) || getenv("JOURNAL_STREAM"));

        r = config_init(&config);
        if (r < 0) {
                log_error_errno(r, "Out of memory");
                return EXIT_FAILURE;
        }
        r = config_parse_argv(&config, argc, argv);
        if (r != 0) {
                config_clear(&config);
                return r > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
        }
        log_set_max_level(config.log_level);
        if (config.config_path)
                log_debug("Read configuration from %s", config.config_path);

        r = main_run(&config);
        config_clear(&config);
        return r != 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
