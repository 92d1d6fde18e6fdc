/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The capture spec: one string naming what to capture, spelled the same in the
 * `capture` configuration key, `miracastd --capture`, the D-Bus cast option
 * `output` (`miracastctl cast --output`) and Manager1.CaptureOutputs:
 *
 *   testsrc                the synthetic test picture
 *   testsrc:resize=N       the same, switching size every N pictures (1..100000)
 *   testsrc:flash          the same, white once a second (A/V sync tests: the beep of
 *                          audio-source beep comes at the same instants)
 *   testsrc:motion         a test picture where every pixel moves
 *   testsrc:noise          moving noise no encoder can predict: a stream at its full bit
 *                          rate (shaped-link and bit rate adaptation tests)
 *   kms                    the first connected, active DRM output
 *   kms:DEVICE             the first active output of DEVICE ("/dev/dri/card0")
 *   kms:DEVICE:CONNECTOR   one output of one card
 *   kms::CONNECTOR         one output, on whichever card has it
 *   CONNECTOR              the same ("HDMI-A-1", "eDP-1", "Virtual-1")
 *   pipewire               the default video source of the configured PipeWire remote
 *   pipewire:NODE          one PipeWire node, by id ("42") or node.name
 *
 * Parsing is pure (libc only) and bounded, so the daemon's config, its D-Bus
 * argument checks and the capture itself share one grammar. Whether the
 * output exists is a separate question: capture_find_output() (capture.h).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "capture.h"

#define CAPTURE_SPEC_MAX 128           /* longest spec accepted */
#define CAPTURE_SPEC_DEVICE_MAX 64     /* including the NUL */
#define CAPTURE_SPEC_CONNECTOR_MAX 32  /* including the NUL */
#define CAPTURE_SPEC_RESIZE_MAX 100000
#define CAPTURE_SPEC_NODE_MAX 101      /* including the NUL */

struct capture_spec {
        enum capture_backend backend;
        unsigned resize_every;                       /* testsrc: 0 = never */
        bool flash;                                  /* testsrc: white once a second */
        bool motion;                                 /* testsrc: every pixel moves (the "motion" pattern) */
        bool noise;                                  /* testsrc: motion of noise that jumps: incompressible */
        char device[CAPTURE_SPEC_DEVICE_MAX];        /* kms: "" = any card */
        char connector[CAPTURE_SPEC_CONNECTOR_MAX];  /* kms: "" = first connected, active output */
        char node[CAPTURE_SPEC_NODE_MAX];            /* pipewire: id or node.name, "" = the default source */
};

/*
 * Parse s. Returns 0 and fills *ret, or -EINVAL when s is not one of the
 * forms above (DEVICE is a path under /dev/dri/ of [A-Za-z0-9._/-] without "..";
 * CONNECTOR is [A-Za-z0-9-] and, written alone, ends in -NUMBER so a typo of
 * "testsrc" or "kms" is an error rather than an output name).
 */
int capture_spec_parse(const char *s, struct capture_spec *ret);

static inline bool capture_spec_is_valid(const char *s)
{
        struct capture_spec spec;

        return capture_spec_parse(s, &spec) >= 0;
}

/* The kms connector name for DRM connector type name and index: "HDMI-A" 1 -> "HDMI-A-1". */
void capture_connector_name(const char *type_name, unsigned type_id, char *buf, size_t size);

/* One DRM connector, as capture_find_output() sees it. */
struct capture_output {
        char device[CAPTURE_SPEC_DEVICE_MAX];
        char connector[CAPTURE_SPEC_CONNECTOR_MAX];
        bool connected;
};

/*
 * Which of n outputs a kms spec names (pure; outputs in card order). Returns
 * the index of the first connected output matching the spec's device and
 * connector (either may be empty: any), or
 *   -ENODEV    no output with that name (on that device),
 *   -ENOTCONN  the output exists but nothing is plugged in,
 *   -EINVAL    spec is not a kms spec.
 */
int capture_spec_match(const struct capture_spec *spec, const struct capture_output *outputs, size_t n);
