/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * miracastctl: command-line client of the org.miracastd D-Bus API
 * (Manager1 at /org/miracastd, Sink1 and Session1 objects under it, all
 * listed by ObjectManager). Pure client: every action is a D-Bus call, every
 * number shown is a D-Bus property. Commands that wait (scan, cast, stop,
 * status --watch) run an sd-event loop with the bus attached and watch
 * PropertiesChanged / InterfacesAdded / InterfacesRemoved.
 * This file: the options, --help and the verb table; the verbs live in
 * miracastctl-*.c (listed in miracastctl.h).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../protocol/macro.h"
#include "miracastctl.h"

static void help(void)
{
        printf("Usage: %s [OPTIONS] COMMAND [ARGS]\n\n"
               "Control miracastd, the Miracast (Wi-Fi Display) source daemon, over D-Bus.\n\n"
               "Commands:\n"
               "  info                      daemon version, backend, encoders, capture outputs\n"
               "  scan                      discover sinks (for --timeout, default 10 s), then list each once\n"
               "  sinks                     list known sinks\n"
               "  cast SINK                 cast to SINK (id, address, name or path); shows progress and\n"
               "                            returns once the session plays (--wait: once it ends)\n"
               "  sessions                  list sessions\n"
               "  status [SESSION]          session properties and statistics (--watch: live)\n"
               "  stop [SESSION]            end a session (TEARDOWN) and wait until it ended\n"
               "  pause|resume|idr [SESSION] pause, resume, or ask the encoder for a keyframe\n"
               "  bitrate BPS [SESSION]     set the video bit rate (8000000, 8M, 800k)\n"
               "  listen ADDRESS[:PORT]     accept sinks that connect to ADDRESS (7236 by default)\n\n"
               "SESSION is a number from `sessions` or an object path; it may be left out when\n"
               "exactly one session is running.\n\n"
               "Options:\n"
               "  --bus system|session|ADDRESS  bus to use (default system; $MIRACASTCTL_BUS)\n"
               "  --json                    machine-readable output (one JSON document or line)\n"
               "  --output NAME             cast: capture this output (connector, e.g. HDMI-A-1)\n"
               "  --max-res WxH             cast: largest resolution to negotiate\n"
               "  --latency MODE            cast, listen: low-latency, balanced (default) or quality\n"
               "  --audio tv|mirror|none    cast: with this session's sound, through miracastd-user on the\n"
               "                            session bus: tv (the TV becomes the default output), mirror\n"
               "                            (the speakers keep playing) or none (no audio track)\n"
               "  --extend                  cast: the TV becomes a new screen next to this session's\n"
               "                            (the desktop's screen-cast portal, through miracastd-user)\n"
               "  --allow-input             cast, listen: allow input from the display (touch, mouse,\n"
               "                            keyboard) in the session(s)\n"
               "  --method pbc|pin, --pin N cast: Wi-Fi Direct provisioning; --method pin without --pin\n"
               "                            shows the PIN to enter on the TV, or asks on stdin for the\n"
               "                            PIN the TV shows (a PIN agent for the time of the cast)\n"
               "  --protocol p2p|mice       cast: the transport for a sink that offers both (PROTOCOL in\n"
               "                            scan/sinks): Wi-Fi Direct, or MS-MICE over the LAN\n"
               "  --peer IP                 listen: accept only this peer address\n"
               "  --watch                   status: refresh every --interval seconds (default 1)\n"
               "  --interval SEC            status --watch period\n"
               "  --wait                    cast: keep following the session until it ends; the cast is\n"
               "                            then bound to miracastctl (Ctrl-C stops it); without --wait it\n"
               "                            goes on after miracastctl returns (Cast option persistent)\n"
               "  --no-wait                 cast/stop: return right after the call\n"
               "  --timeout SEC             how long scan/cast/stop wait\n"
               "  -h --help, --version\n\n"
               "Exit status: 0 ok, 1 failed, 2 usage or invalid arguments, 3 miracastd not reachable,\n"
               "4 not authorized, 5 sink/session not found, 6 timeout, 7 busy, 8 sink rejected us or\n"
               "no common format.\n",
               CTL_PROGRAM);
}

static const struct {
        const char *name;
        int (*fn)(struct ctl *c, int argc, char **argv);
        int min_args, max_args;
} commands[] = {
        { "info", cmd_info, 0, 0 },          { "scan", cmd_scan, 0, 0 },
        { "sinks", cmd_sinks, 0, 0 },        { "cast", cmd_cast, 1, 1 },
        { "sessions", cmd_sessions, 0, 0 },  { "status", cmd_status, 0, 1 },
        { "stop", cmd_stop, 0, 1 },          { "pause", cmd_simple_session, 0, 1 },
        { "resume", cmd_simple_session, 0, 1 }, { "idr", cmd_simple_session, 0, 1 },
        { "bitrate", cmd_bitrate, 1, 2 },    { "listen", cmd_listen, 1, 1 },
};

static int parse_seconds(const char *arg, const char *what, double *ret)
{
        char *end;
        double v;

        errno = 0;
        v = strtod(arg, &end);
        if (errno || end == arg || *end || v <= 0 || v > 86400) {
                ctl_err("invalid %s \"%s\" (seconds, > 0)", what, arg);
                return -EINVAL;
        }
        *ret = v;
        return 0;
}

int main(int argc, char **argv)
{
        enum { ARG_BUS = 0x100, ARG_JSON, ARG_OUTPUT, ARG_MAX_RES, ARG_METHOD, ARG_PIN, ARG_PEER, ARG_WATCH,
               ARG_INTERVAL, ARG_WAIT, ARG_ALLOW_INPUT, ARG_NO_WAIT, ARG_TIMEOUT, ARG_VERSION, ARG_LATENCY,
               ARG_AUDIO, ARG_EXTEND, ARG_PROTOCOL };
        static const struct option longopts[] = {
                { "bus", required_argument, NULL, ARG_BUS },
                { "json", no_argument, NULL, ARG_JSON },
                { "output", required_argument, NULL, ARG_OUTPUT },
                { "max-res", required_argument, NULL, ARG_MAX_RES },
                { "audio", required_argument, NULL, ARG_AUDIO },
                { "extend", no_argument, NULL, ARG_EXTEND },
                { "method", required_argument, NULL, ARG_METHOD },
                { "pin", required_argument, NULL, ARG_PIN },
                { "peer", required_argument, NULL, ARG_PEER },
                { "protocol", required_argument, NULL, ARG_PROTOCOL },
                { "watch", no_argument, NULL, ARG_WATCH },
                { "interval", required_argument, NULL, ARG_INTERVAL },
                { "wait", no_argument, NULL, ARG_WAIT },
                { "allow-input", no_argument, NULL, ARG_ALLOW_INPUT },
                { "latency", required_argument, NULL, ARG_LATENCY },
                { "no-wait", no_argument, NULL, ARG_NO_WAIT },
                { "timeout", required_argument, NULL, ARG_TIMEOUT },
                { "version", no_argument, NULL, ARG_VERSION },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        struct ctl c = { .interval_sec = 1.0, .result = -1 };
        double secs;
        int opt, r;

        c.bus_spec = getenv("MIRACASTCTL_BUS") ?: "system";
        while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) >= 0) {
                switch (opt) {
                case ARG_BUS:
                        c.bus_spec = optarg;
                        break;
                case ARG_JSON:
                        c.json = true;
                        break;
                case ARG_OUTPUT:
                        c.output = optarg;
                        break;
                case ARG_MAX_RES: {
                        unsigned w, h;
                        char tail;
                        if (sscanf(optarg, "%ux%u%c", &w, &h, &tail) != 2 || w == 0 || h == 0 || w > 16384 ||
                            h > 16384) {
                                ctl_err("--max-res wants WIDTHxHEIGHT, e.g. 1280x720, got \"%s\"", optarg);
                                return EXIT_USAGE;
                        }
                        c.max_res = optarg;
                        break;
                }
                case ARG_AUDIO:
                        if (strcmp(optarg, "tv") != 0 && strcmp(optarg, "mirror") != 0 && strcmp(optarg, "none") != 0) {
                                ctl_err("--audio wants tv, mirror or none, got \"%s\"", optarg);
                                return EXIT_USAGE;
                        }
                        c.audio = optarg;
                        break;
                case ARG_EXTEND:
                        c.video = "extend";
                        break;
                case ARG_METHOD:
                        if (strcmp(optarg, "pbc") != 0 && strcmp(optarg, "pin") != 0) {
                                ctl_err("--method wants pbc or pin, got \"%s\"", optarg);
                                return EXIT_USAGE;
                        }
                        c.method = optarg;
                        break;
                case ARG_PIN:
                        c.pin = optarg;
                        break;
                case ARG_PEER:
                        c.peer = optarg;
                        break;
                case ARG_PROTOCOL:
                        if (strcmp(optarg, "p2p") != 0 && strcmp(optarg, "mice") != 0) {
                                ctl_err("--protocol wants p2p or mice, got \"%s\"", optarg);
                                return EXIT_USAGE;
                        }
                        c.protocol = optarg;
                        break;
                case ARG_WATCH:
                        c.watch = true;
                        break;
                case ARG_INTERVAL:
                        if (parse_seconds(optarg, "--interval", &c.interval_sec) < 0)
                                return EXIT_USAGE;
                        break;
                case ARG_WAIT:
                        c.wait = true;
                        break;
                case ARG_ALLOW_INPUT:
                        c.allow_input = true;
                        break;
                case ARG_LATENCY:
                        if (strcmp(optarg, "low-latency") != 0 && strcmp(optarg, "balanced") != 0 &&
                            strcmp(optarg, "quality") != 0) {
                                ctl_err("--latency wants low-latency, balanced or quality, got \"%s\"", optarg);
                                return EXIT_USAGE;
                        }
                        c.latency = optarg;
                        break;
                case ARG_NO_WAIT:
                        c.no_wait = true;
                        break;
                case ARG_TIMEOUT:
                        if (parse_seconds(optarg, "--timeout", &secs) < 0)
                                return EXIT_USAGE;
                        c.timeout_usec = (uint64_t) (secs * USEC_PER_SEC);
                        break;
                case ARG_VERSION:
                        printf("miracastctl 0.1\n");
                        return EXIT_OK;
                case 'h':
                        help();
                        return EXIT_OK;
                default:
                        fprintf(stderr, "Try '%s --help'.\n", CTL_PROGRAM);
                        return EXIT_USAGE;
                }
        }
        if (optind >= argc) {
                ctl_err("no command given (try: %s --help)", CTL_PROGRAM);
                return EXIT_USAGE;
        }

        for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
                int nargs = argc - optind - 1;

                if (strcmp(commands[i].name, argv[optind]) != 0)
                        continue;
                if (nargs < commands[i].min_args || nargs > commands[i].max_args) {
                        ctl_err("wrong number of arguments for \"%s\" (try: %s --help)", commands[i].name, CTL_PROGRAM);
                        return EXIT_USAGE;
                }
                r = ctl_open_bus(&c);
                if (r == 0)
                        r = commands[i].fn(&c, argc - optind, argv + optind);
                free(c.session_path);
                ctl_objects_free(c.scan, c.n_scan);
                ctl_agent_clear(&c);
                c.cast_reply = sd_bus_message_unref(c.cast_reply);
                free(c.pending_session);
                c.sigint = sd_event_source_unref(c.sigint);
                c.sigterm = sd_event_source_unref(c.sigterm);
                c.bus = sd_bus_flush_close_unref(c.bus);
                c.event = sd_event_unref(c.event);
                return r;
        }
        ctl_err("unknown command \"%s\" (try: %s --help)", argv[optind], CTL_PROGRAM);
        return EXIT_USAGE;
}

