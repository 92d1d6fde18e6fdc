/* SPDX-License-Identifier: GPL-2.0-or-later */
/* miracastctl.h: what miracastctl prints (errors, progress, sink and session lines and blocks). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../protocol/macro.h"
#include "miracastctl.h"

void ctl_err(const char *fmt, ...)
{
        va_list ap;

        fprintf(stderr, "%s: ", CTL_PROGRAM);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

/* Progress lines go to stderr so stdout stays machine-readable with --json. */
void ctl_progress(struct ctl *c, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vfprintf(c->json ? stderr : stdout, fmt, ap);
        va_end(ap);
        fputc('\n', c->json ? stderr : stdout);
        fflush(c->json ? stderr : stdout);
}

/* ---- sinks and sessions ----------------------------------------------------- */

void ctl_print_json_array(const struct ctl_object *objs, size_t n)
{
        fputc('[', stdout);
        for (size_t i = 0; i < n; i++) {
                if (i)
                        fputc(',', stdout);
                ctl_object_print_json(stdout, &objs[i]);
        }
        fputs("]\n", stdout);
}

void ctl_print_sink_line(const struct ctl_object *o)
{
        printf("%-20s %-17s %-24s %-8s %-9s %-9s %s dBm\n", ctl_path_id(o->path), ctl_prop_text(o, "Address", "-"),
               ctl_prop_text(o, "Name", "-"), ctl_prop_text(o, "Protocol", "-"), ctl_prop_text(o, "DeviceType", "-"),
               ctl_prop_text(o, "SessionAvailable", "-"), ctl_prop_text(o, "Signal", "-"));
}

void ctl_format_mode(const struct ctl_object *o, char *buf, size_t size)
{
        const char *w = ctl_prop_text(o, "Width", "0"), *h = ctl_prop_text(o, "Height", "0");

        if (strcmp(w, "0") == 0)
                snprintf(buf, size, "-");
        else
                snprintf(buf, size, "%sx%s@%s", w, h, ctl_prop_text(o, "RefreshRate", "?"));
}

void ctl_print_session_line(const struct ctl_object *o)
{
        char mode[64];

        ctl_format_mode(o, mode, sizeof(mode));
        printf("%-4s %-12s %-22s %-16s %-28s %s\n", ctl_path_id(o->path), ctl_prop_text(o, "State", "-"),
               ctl_prop_text(o, "Peer", "-"), mode, ctl_prop_text(o, "VideoCodec", "-"),
               ctl_prop_text(o, "Encoder", "-"));
}

/* Human-readable status block of one session. */
void ctl_print_session_status(const struct ctl_object *o)
{
        static const char *const order[] = {
                "State", "Sink", "Peer", "Width", "Height", "RefreshRate", "VideoCodec", "Encoder", "Bitrate",
                "AudioCodec", "MonitorConnected", "ReducedModeListDueToBandwidth", "InputEnabled", "InputActive",
                "EndReason", "Statistics",
                "SinkParameters",
        };
        char mode[64];

        ctl_format_mode(o, mode, sizeof(mode));
        printf("Session %s (%s)\n", ctl_path_id(o->path), o->path);
        printf("  %-30s %s\n", "Mode", mode);
        for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
                const struct ctl_prop *p = ctl_props_find(o, order[i]);
                if (p && *p->text)
                        printf("  %-30s %s\n", order[i], p->text);
        }
        /* Anything newer than this client, so nothing the daemon says is hidden. */
        for (size_t i = 0; i < o->n_props; i++) {
                bool known = false;
                for (size_t k = 0; k < ARRAY_SIZE(order); k++)
                        known = known || strcmp(order[k], o->props[i].name) == 0;
                if (!known && *o->props[i].text)
                        printf("  %-30s %s\n", o->props[i].name, o->props[i].text);
        }
}
