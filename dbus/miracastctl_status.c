/* SPDX-License-Identifier: GPL-2.0-or-later */
/* miracastctl.h: the verbs that only read: info, sessions, status [--watch]. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../protocol/macro.h"
#include "miracastctl.h"

int cmd_info(struct ctl *c, int argc, char **argv)
{
        sd_bus_error e = SD_BUS_ERROR_NULL;
        struct ctl_object o = {};
        int r;

        r = ctl_object_get_all(c->bus, BUS_ROOT_PATH, BUS_MANAGER_IFACE, &o, &e);
        if (r < 0) {
                r = ctl_report_error("reading the manager", r, &e);
                sd_bus_error_free(&e);
                return r;
        }
        if (c->json) {
                ctl_object_print_json(stdout, &o);
                fputc('\n', stdout);
        } else
                for (size_t i = 0; i < o.n_props; i++)
                        printf("%-16s %s\n", o.props[i].name, o.props[i].text);
        ctl_object_clear(&o);
        return EXIT_OK;
}

int cmd_sessions(struct ctl *c, int argc, char **argv)
{
        struct ctl_object *objs = NULL;
        size_t n = 0;
        int r;

        r = ctl_get_objects(c, BUS_SESSION_IFACE, &objs, &n);
        if (r < 0)
                return -r;
        if (c->json)
                ctl_print_json_array(objs, n);
        else {
                printf("%-4s %-12s %-22s %-16s %-28s %s\n", "ID", "STATE", "PEER", "MODE", "VIDEO", "ENCODER");
                for (size_t i = 0; i < n; i++)
                        ctl_print_session_line(&objs[i]);
                if (n == 0)
                        printf("(no sessions)\n");
        }
        ctl_objects_free(objs, n);
        return EXIT_OK;
}

/* status --watch: one line per interval with rates computed from Statistics. */
struct watch_state {
        struct ctl *c;
        sd_event_source *timer;
        uint64_t last_frames, last_bytes, last_usec;
        bool have_last;
};

static uint64_t prop_u64(const struct ctl_object *o, const char *stat)
{
        const struct ctl_prop *p = ctl_props_find(o, "Statistics");
        const char *s;
        char pat[64];

        if (!p)
                return 0;
        snprintf(pat, sizeof(pat), "%s=", stat);
        s = strstr(p->text, pat);
        return s ? strtoull(s + strlen(pat), NULL, 10) : 0;
}

static uint64_t now_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000u;
}

static int on_watch_tick(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct watch_state *w = userdata;
        struct ctl *c = w->c;
        sd_bus_error e = SD_BUS_ERROR_NULL;
        struct ctl_object o = {};
        uint64_t frames, bytes, t = now_usec();
        double fps = 0, mbps = 0;
        char mode[64];
        int r;

        r = ctl_object_get_all(c->bus, c->session_path, BUS_SESSION_IFACE, &o, &e);
        sd_bus_error_free(&e);
        if (r < 0) {
                ctl_progress(c, "Session %s is gone.", ctl_path_id(c->session_path));
                c->result = EXIT_OK;
                return sd_event_exit(c->event, 0);
        }
        frames = prop_u64(&o, "frames");
        bytes = prop_u64(&o, "bytes");
        if (w->have_last && t > w->last_usec) {
                double dt = (double) (t - w->last_usec) / USEC_PER_SEC;
                fps = (double) (frames - w->last_frames) / dt;
                mbps = (double) (bytes - w->last_bytes) * 8 / dt / 1e6;
        }
        w->last_frames = frames, w->last_bytes = bytes, w->last_usec = t, w->have_last = true;

        if (c->json) {
                ctl_object_print_json(stdout, &o);
                fputc('\n', stdout);
        } else {
                ctl_format_mode(&o, mode, sizeof(mode));
                printf("%-8s %-14s frames=%-7" PRIu64 " fps=%5.1f rate=%6.2f Mbit/s drops=%" PRIu64
                       " latency p50=%.1f ms p99=%.1f ms uptime=%.1f s\n",
                       ctl_prop_text(&o, "State", "?"), mode, frames, fps, mbps, prop_u64(&o, "drops"),
                       (double) prop_u64(&o, "latency-p50-usec") / 1000, (double) prop_u64(&o, "latency-p99-usec") / 1000,
                       (double) prop_u64(&o, "uptime-usec") / USEC_PER_SEC);
                /* sessions with audio: what plays, how loud, and whether the input keeps up */
                {
                        const char *st = ctl_prop_text(&o, "Statistics", ""), *in = strstr(st, "audio-input="),
                                   *lvl = strstr(st, "audio-level-dbfs=");

                        if (in && in[strlen("audio-input=")] != ' ' && lvl)
                                printf("         audio=%.*s level=%.1f dBFS underruns=%" PRIu64 "\n",
                                       (int) strcspn(in + strlen("audio-input="), " "), in + strlen("audio-input="),
                                       strtod(lvl + strlen("audio-level-dbfs="), NULL), prop_u64(&o, "audio-underruns"));
                }
                /* the software encoder's rate control: blocky (high QP) or choppy (skipped pictures), and why */
                {
                        const char *st = ctl_prop_text(&o, "Statistics", ""), *avg = strstr(st, "qp-average="),
                                   *buf = strstr(st, "vbv-buffer-ms=");

                        if (strstr(st, "qp=") && avg && buf)
                                printf("         qp=%" PRIu64 " qp-average=%.1f skipped=%" PRIu64 " vbv=%lld ms"
                                       " range-switches=%" PRIu64 "\n",
                                       prop_u64(&o, "qp"), strtod(avg + strlen("qp-average="), NULL),
                                       prop_u64(&o, "frames-rate-skipped"), strtoll(buf + strlen("vbv-buffer-ms="), NULL, 10),
                                       prop_u64(&o, "qp-range-switches"));
                }
                /* Wi-Fi Direct sessions: the polled link rate and the bit rate that follows it */
                if (prop_u64(&o, "link-rate-bps") > 0)
                        printf("         link=%.0f Mbit/s bitrate=%.2f Mbit/s\n", (double) prop_u64(&o, "link-rate-bps") / 1e6,
                               (double) strtoull(ctl_prop_text(&o, "Bitrate", "0"), NULL, 10) / 1e6);
        }
        fflush(stdout);
        if (strcmp(ctl_prop_text(&o, "State", ""), "ended") == 0) {
                const char *why = ctl_prop_text(&o, "EndReason", "");
                ctl_progress(c, "Session ended%s%s", *why ? ": " : ".", why);
                ctl_object_clear(&o);
                c->result = EXIT_OK;
                return sd_event_exit(c->event, 0);
        }
        ctl_object_clear(&o);
        return sd_event_source_set_time_relative(s, (uint64_t) (c->interval_sec * USEC_PER_SEC));
}

int cmd_status(struct ctl *c, int argc, char **argv)
{
        struct ctl_object *objs = NULL;
        size_t n = 0;
        int r;

        if (argc > 2) {
                ctl_err("status takes at most one SESSION");
                return EXIT_USAGE;
        }
        if (c->watch) {
                struct watch_state w = { .c = c };

                r = ctl_resolve_session(c, argc == 2 ? argv[1] : NULL, &c->session_path);
                if (r < 0)
                        return -r;
                r = ctl_attach_event(c);
                if (r)
                        return r;
                r = sd_event_add_time_relative(c->event, &w.timer, CLOCK_MONOTONIC, 0, 0, on_watch_tick, &w);
                if (r >= 0)
                        r = sd_event_source_set_enabled(w.timer, SD_EVENT_ON);
                if (r < 0)
                        return ctl_report_error("arming a timer", r, NULL);
                (void) ctl_loop(c, c->timeout_usec, NULL);
                sd_event_source_disable_unref(w.timer);
                return c->result == EXIT_TIMEOUT ? EXIT_OK : c->result < 0 ? EXIT_OK : c->result;
        }

        if (argc == 2) {
                sd_bus_error e = SD_BUS_ERROR_NULL;
                struct ctl_object o = {};

                r = ctl_resolve_session(c, argv[1], &c->session_path);
                if (r < 0)
                        return -r;
                r = ctl_object_get_all(c->bus, c->session_path, BUS_SESSION_IFACE, &o, &e);
                if (r < 0) {
                        char what[128];
                        snprintf(what, sizeof(what), "session %s", argv[1]);
                        r = ctl_report_error(what, r, &e);
                        sd_bus_error_free(&e);
                        return r;
                }
                if (c->json) {
                        ctl_object_print_json(stdout, &o);
                        fputc('\n', stdout);
                } else
                        ctl_print_session_status(&o);
                ctl_object_clear(&o);
                return EXIT_OK;
        }

        /* No session named: the manager and every session. */
        r = ctl_get_objects(c, BUS_SESSION_IFACE, &objs, &n);
        if (r < 0)
                return -r;
        if (c->json)
                ctl_print_json_array(objs, n);
        else {
                r = cmd_info(c, 1, argv);
                if (r) {
                        ctl_objects_free(objs, n);
                        return r;
                }
                if (n == 0)
                        printf("\nNo sessions.\n");
                for (size_t i = 0; i < n; i++) {
                        putchar('\n');
                        ctl_print_session_status(&objs[i]);
                }
        }
        ctl_objects_free(objs, n);
        return EXIT_OK;
}
