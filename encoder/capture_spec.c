/* SPDX-License-Identifier: GPL-2.0-or-later */
/* encoder/capture_spec.h: the capture spec grammar, and picking an output by it. Pure, libc only. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture_spec.h"

static bool in_set(const char *s, size_t len, const char *set)
{
        return strspn(s, set) >= len;
}

#define CONNECTOR_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-"
#define DEVICE_CHARS CONNECTOR_CHARS "._/"

static int parse_connector(const char *s, size_t len, struct capture_spec *spec)
{
        if (len == 0 || len >= sizeof(spec->connector) || !in_set(s, len, CONNECTOR_CHARS))
                return -EINVAL;
        memcpy(spec->connector, s, len);
        spec->connector[len] = '\0';
        return 0;
}

/* A device is a path a root daemon opens read-write, named by D-Bus callers: a DRM node, nothing else. */
static int parse_device(const char *s, size_t len, struct capture_spec *spec)
{
        if (len <= 9 || len >= sizeof(spec->device) || strncmp(s, "/dev/dri/", 9) != 0 ||
            !in_set(s, len, DEVICE_CHARS) || memmem(s, len, "..", 2))
                return -EINVAL;
        memcpy(spec->device, s, len);
        spec->device[len] = '\0';
        return 0;
}

static int parse_kms(const char *s, struct capture_spec *spec)
{
        const char *colon;
        int r;

        spec->backend = CAPTURE_BACKEND_KMS;
        if (*s == '\0')
                return 0;               /* "kms" */
        if (*s++ != ':' || *s == '\0')
                return -EINVAL;         /* "kmsx", "kms:" */
        colon = strchr(s, ':');
        if (!colon)
                return parse_device(s, strlen(s), spec);
        if (colon > s) {
                r = parse_device(s, colon - s, spec);
                if (r < 0)
                        return r;
        }
        return parse_connector(colon + 1, strlen(colon + 1), spec);
}

/* A connector written alone: NAME-NUMBER, as the kernel numbers them. */
static int parse_bare_connector(const char *s, struct capture_spec *spec)
{
        size_t len = strlen(s);
        const char *dash = strrchr(s, '-');

        if (!dash || dash == s || dash[1] == '\0' || strspn(dash + 1, "0123456789") != strlen(dash + 1))
                return -EINVAL;
        spec->backend = CAPTURE_BACKEND_KMS;
        return parse_connector(s, len, spec);
}

static int parse_testsrc(const char *s, struct capture_spec *spec)
{
        size_t n;

        spec->backend = CAPTURE_BACKEND_TESTSRC;
        if (*s == '\0')
                return 0;
        if (strcmp(s, ":flash") == 0) {
                spec->flash = true;
                return 0;
        }
        if (strcmp(s, ":motion") == 0) {
                spec->motion = true;
                return 0;
        }
        if (strcmp(s, ":noise") == 0) {
                spec->motion = spec->noise = true;
                return 0;
        }
        if (strncmp(s, ":resize=", 8) != 0)
                return -EINVAL;
        s += 8;
        n = strspn(s, "0123456789");
        /* six digits at most, so atoi() cannot overflow */
        if (n == 0 || n > 6 || s[n] != '\0')
                return -EINVAL;
        spec->resize_every = (unsigned) atoi(s);
        if (spec->resize_every < 1 || spec->resize_every > CAPTURE_SPEC_RESIZE_MAX)
                return -EINVAL;
        return 0;
}

/* ":NODE" or nothing: a node id or node.name, printable, no spaces. */
static int parse_pipewire(const char *s, struct capture_spec *spec)
{
        size_t n;

        spec->backend = CAPTURE_BACKEND_PIPEWIRE;
        if (*s == '\0')
                return 0;
        if (*s++ != ':')
                return -EINVAL;
        n = strlen(s);
        if (n == 0 || n >= sizeof(spec->node))
                return -EINVAL;
        for (size_t i = 0; i < n; i++)
                if ((unsigned char) s[i] <= ' ' || (unsigned char) s[i] >= 0x7f)
                        return -EINVAL;
        memcpy(spec->node, s, n + 1);
        return 0;
}

int capture_spec_parse(const char *s, struct capture_spec *ret)
{
        struct capture_spec spec = {};
        int r;

        if (!s || !ret || strnlen(s, CAPTURE_SPEC_MAX + 1) > CAPTURE_SPEC_MAX)
                return -EINVAL;
        if (strncmp(s, "testsrc", 7) == 0)
                r = parse_testsrc(s + 7, &spec);
        else if (strncmp(s, "pipewire", 8) == 0 && (s[8] == '\0' || s[8] == ':'))
                r = parse_pipewire(s + 8, &spec);
        else if (strncmp(s, "kms", 3) == 0 && (s[3] == '\0' || s[3] == ':'))
                r = parse_kms(s + 3, &spec);
        else
                r = parse_bare_connector(s, &spec);
        if (r < 0)
                return r;
        *ret = spec;
        return 0;
}

void capture_connector_name(const char *type_name, unsigned type_id, char *buf, size_t size)
{
        snprintf(buf, size, "%s-%u", type_name ? type_name : "Unknown", type_id);
}

int capture_spec_match(const struct capture_spec *spec, const struct capture_output *outputs, size_t n)
{
        bool found = false;

        if (!spec || spec->backend != CAPTURE_BACKEND_KMS || (n > 0 && !outputs))
                return -EINVAL;
        for (size_t i = 0; i < n; i++) {
                if (spec->device[0] && strcmp(spec->device, outputs[i].device) != 0)
                        continue;
                if (spec->connector[0] && strcmp(spec->connector, outputs[i].connector) != 0)
                        continue;
                if (outputs[i].connected)
                        return (int) i;
                found = true;
        }
        return found ? -ENOTCONN : -ENODEV;
}
