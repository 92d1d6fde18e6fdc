/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * miracastd-user: the user-session component of miracastd (user.h). Started
 * by D-Bus activation on the session bus (org.miracastd.User, through the
 * systemd --user unit miracastd-user.service); exits when it has had no cast
 * for --idle-exit seconds.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "../daemon/log.h"
#include "../protocol/macro.h"
#include "user.h"

#ifndef MIRACASTD_VERSION
#define MIRACASTD_VERSION "0.1"
#endif

static void main_help(void)
{
        printf("miracastd-user [OPTIONS]\n\n"
               "The user-session component of miracastd: casts the screen and the sound of this\n"
               "session for org.miracastd.User1 on the session bus.\n\n"
               "  -h --help              Show this help\n"
               "     --version           Show the version\n"
               "     --idle-exit SEC     Exit after SEC seconds without a cast (default 30, 0: never)\n"
               "     --state-dir DIR     Where audio routing state survives a crash\n"
               "                         (default $XDG_STATE_HOME/miracastd)\n"
               "     --log-level LEVEL   err, warning, info (default) or debug\n");
}

static int main_on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        log_info("Received %s, ending the casts", strsignal(si->ssi_signo));
        return sd_event_exit(sd_event_source_get_event(s), 0);
}

int main(int argc, char *argv[])
{
        enum { ARG_VERSION = 0x100, ARG_IDLE_EXIT, ARG_STATE_DIR, ARG_LOG_LEVEL };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "idle-exit", required_argument, NULL, ARG_IDLE_EXIT },
                { "state-dir", required_argument, NULL, ARG_STATE_DIR },
                { "log-level", required_argument, NULL, ARG_LOG_LEVEL },
                {}
        };
        _cleanup_(sd_event_unrefp) sd_event *event = NULL;
        struct user_config cfg = { .idle_exit_usec = 30ULL * 1000000ULL };
        struct user *u = NULL;
        sigset_t mask;
        char *end;
        int c, r;

        log_set_prefix_priority(!isatty(STDERR_FILENO) || getenv("JOURNAL_STREAM"));
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
                switch (c) {
                case 'h':
                        main_help();
                        return 0;
                case ARG_VERSION:
                        printf("miracastd-user %s\n", MIRACASTD_VERSION);
                        return 0;
                case ARG_IDLE_EXIT: {
                        unsigned long v;

                        errno = 0;
                        v = strtoul(optarg, &end, 10);
                        if (errno || end == optarg || *end || v > 86400) {
                                fprintf(stderr, "--idle-exit: \"%s\" is not 0..86400 seconds\n", optarg);
                                return 2;
                        }
                        cfg.idle_exit_usec = v * 1000000ULL;
                        break;
                }
                case ARG_STATE_DIR:
                        cfg.state_dir = optarg;
                        break;
                case ARG_LOG_LEVEL:
                        if (strcmp(optarg, "err") == 0)
                                log_set_max_level(LOG_ERR);
                        else if (strcmp(optarg, "warning") == 0)
                                log_set_max_level(LOG_WARNING);
                        else if (strcmp(optarg, "info") == 0)
                                log_set_max_level(LOG_INFO);
                        else if (strcmp(optarg, "debug") == 0)
                                log_set_max_level(LOG_DEBUG);
                        else {
                                fprintf(stderr, "--log-level: \"%s\" is not err, warning, info or debug\n", optarg);
                                return 2;
                        }
                        break;
                default:
                        return 2;
                }
        }
        if (optind < argc) {
                fprintf(stderr, "Unexpected argument \"%s\" (see --help)\n", argv[optind]);
                return 2;
        }

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return log_error_errno(-errno, "Failed to block signals: %m"), 1;
        (void) signal(SIGPIPE, SIG_IGN);

        r = sd_event_default(&event);
        if (r < 0)
                return log_error_errno(r, "Failed to create the event loop: %m"), 1;
        (void) sd_event_add_signal(event, NULL, SIGTERM, main_on_signal, NULL);
        (void) sd_event_add_signal(event, NULL, SIGINT, main_on_signal, NULL);

        r = user_new(event, &cfg, &u);
        if (r < 0)
                return 1;
        (void) sd_notify(0, "READY=1\nSTATUS=Waiting for casts");
        log_info("miracastd-user %s ready on the session bus", MIRACASTD_VERSION);
        r = sd_event_loop(event);
        (void) sd_notify(0, "STOPPING=1");
        user_free(u);
        return r < 0 ? 1 : 0;
}
