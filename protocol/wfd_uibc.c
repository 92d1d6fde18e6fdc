/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * wfd_uibc_capability: parse and format (docs/protocol.md, "WFD parameters"). See
 * wfd_uibc.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "wfd_cursor.h"
#include "wfd_uibc.h"

/* ---- wfd_uibc_capability --------------------------------------------------------------- */

static const char *const uibc_type_names[_WFD_UIBC_INPUT_MAX] = {
        [WFD_UIBC_INPUT_KEYBOARD] = "Keyboard",
        [WFD_UIBC_INPUT_MOUSE] = "Mouse",
        [WFD_UIBC_INPUT_SINGLE_TOUCH] = "SingleTouch",
        [WFD_UIBC_INPUT_MULTI_TOUCH] = "MultiTouch",
        [WFD_UIBC_INPUT_JOYSTICK] = "Joystick",
        [WFD_UIBC_INPUT_CAMERA] = "Camera",
        [WFD_UIBC_INPUT_GESTURE] = "Gesture",
        [WFD_UIBC_INPUT_REMOTE_CONTROL] = "RemoteControl",
};

static const char *const uibc_path_names[_WFD_UIBC_PATH_MAX] = {
        [WFD_UIBC_PATH_INFRARED] = "Infrared",
        [WFD_UIBC_PATH_USB] = "USB",
        [WFD_UIBC_PATH_BT] = "BT",
        [WFD_UIBC_PATH_ZIGBEE] = "Zigbee",
        [WFD_UIBC_PATH_WIFI] = "Wi-Fi",
        [WFD_UIBC_PATH_NO_SP] = "No-SP",
};

const char *wfd_uibc_input_type_to_string(unsigned t)
{
        return t < _WFD_UIBC_INPUT_MAX ? uibc_type_names[t] : NULL;
}

const char *wfd_uibc_input_path_to_string(unsigned p)
{
        return p < _WFD_UIBC_PATH_MAX ? uibc_path_names[p] : NULL;
}

static int lookup_name(const char *const *names, int n, const char *t, size_t tl)
{
        for (int i = 0; i < n; i++)
                if (token_eq(t, tl, names[i]))
                        return i;
        return -1;
}

/* One "key=list" section value (between '=' and ';'): items split at ','. */
static int uibc_parse_list(const char *v, size_t vl, int which, struct wfd_uibc_capability *u)
{
        struct cursor c = { v, v + vl };

        if (value_is(v, vl, "none"))
                return 0;
        for (;;) {
                const char *t;
                size_t tl;

                if (!cursor_take_token(&c, ",", &t, &tl))
                        return -EBADMSG;
                if (which == 0) {
                        if (token_eq(t, tl, "GENERIC"))
                                u->categories |= WFD_UIBC_CATEGORY_GENERIC;
                        else if (token_eq(t, tl, "HIDC"))
                                u->categories |= WFD_UIBC_CATEGORY_HIDC;
                } else if (which == 1) {
                        int i = lookup_name(uibc_type_names, _WFD_UIBC_INPUT_MAX, t, tl);
                        if (i >= 0)
                                u->generic_types |= 1u << i;
                } else {
                        const char *slash = memchr(t, '/', tl);
                        int ty, pa;

                        if (!slash)
                                return -EBADMSG;
                        ty = lookup_name(uibc_type_names, _WFD_UIBC_INPUT_MAX, t, (size_t) (slash - t));
                        pa = lookup_name(uibc_path_names, _WFD_UIBC_PATH_MAX, slash + 1,
                                         tl - (size_t) (slash - t) - 1);
                        /* Unknown types or paths are skipped, not fatal. */
                        if (ty >= 0 && pa >= 0) {
                                if (u->n_hidc >= WFD_MAX_UIBC_HIDC)
                                        return -E2BIG;
                                u->hidc[u->n_hidc++] = (struct wfd_uibc_hidc) { ty, pa };
                        }
                }
                if (cursor_at_end(&c))
                        return 0;
                if (!cursor_expect_char(&c, ','))
                        return -EBADMSG;
        }
}

int wfd_uibc_capability_parse(const char *value, size_t len, struct wfd_uibc_capability *ret)
{
        struct wfd_uibc_capability u = {};
        const char *p = value, *end = value + len;
        bool seen_port = false;

        if (!ret || (!value && len > 0))
                return -EINVAL;
        if (value_is(value, len, "none")) {
                u.none = true;
                *ret = u;
                return 0;
        }
        while (p < end) {
                /* p < end, so p is not NULL; clang-analyzer 14 takes NULL < NULL + 0 for true. */
                /* NOLINTNEXTLINE(clang-analyzer-core.NonNullParamChecker) */
                const char *semi = memchr(p, ';', (size_t) (end - p));
                const char *sec_end = semi ? semi : end;
                const char *sec = p, *eq, *k, *v;
                size_t sl = (size_t) (sec_end - sec), kl, vl;
                int r = 0;

                p = semi ? semi + 1 : end;
                trim(&sec, &sl);
                if (sl == 0)
                        continue;
                eq = memchr(sec, '=', sl);
                if (!eq)
                        return -EBADMSG;
                k = sec;
                kl = (size_t) (eq - sec);
                v = eq + 1;
                vl = sl - kl - 1;
                trim(&k, &kl);
                trim(&v, &vl);
                if (token_eq(k, kl, "input_category_list"))
                        r = uibc_parse_list(v, vl, 0, &u);
                else if (token_eq(k, kl, "generic_cap_list"))
                        r = uibc_parse_list(v, vl, 1, &u);
                else if (token_eq(k, kl, "hidc_cap_list"))
                        r = uibc_parse_list(v, vl, 2, &u);
                else if (token_eq(k, kl, "port")) {
                        uint64_t port;

                        seen_port = true;
                        if (token_eq(v, vl, "none"))
                                u.has_port = false;
                        else if (parse_dec(v, vl, 65535, &port)) {
                                u.has_port = true;
                                u.port = (uint16_t) port;
                        } else
                                r = -EBADMSG;
                }
                /* Unknown keys: ignored (later spec revisions may add some). */
                if (r < 0)
                        return r;
        }
        if (!seen_port && u.categories == 0 && u.generic_types == 0 && u.n_hidc == 0)
                return -EBADMSG;  /* nothing we recognise at all */
        *ret = u;
        return 0;
}

int wfd_uibc_capability_format(const struct wfd_uibc_capability *u, char *buf, size_t size)
{
        struct out o = { buf, size, 0, 0 };
        bool first;

        if (!u || !buf)
                return -EINVAL;
        if (u->none)
                return format_into(buf, size, "none");
        if (u->n_hidc > WFD_MAX_UIBC_HIDC)
                return -EINVAL;

        out_printf(&o, "input_category_list=");
        if (!(u->categories & (WFD_UIBC_CATEGORY_GENERIC | WFD_UIBC_CATEGORY_HIDC)))
                out_printf(&o, "none");
        else if ((u->categories & WFD_UIBC_CATEGORY_GENERIC) && (u->categories & WFD_UIBC_CATEGORY_HIDC))
                out_printf(&o, "GENERIC, HIDC");
        else
                out_printf(&o, "%s", (u->categories & WFD_UIBC_CATEGORY_GENERIC) ? "GENERIC" : "HIDC");

        out_printf(&o, ";generic_cap_list=");
        first = true;
        for (int i = 0; i < _WFD_UIBC_INPUT_MAX; i++)
                if (u->generic_types & (1u << i)) {
                        out_printf(&o, "%s%s", first ? "" : ", ", uibc_type_names[i]);
                        first = false;
                }
        if (first)
                out_printf(&o, "none");

        out_printf(&o, ";hidc_cap_list=");
        for (size_t i = 0; i < u->n_hidc; i++) {
                if ((int) u->hidc[i].type < 0 || u->hidc[i].type >= _WFD_UIBC_INPUT_MAX ||
                    (int) u->hidc[i].path < 0 || u->hidc[i].path >= _WFD_UIBC_PATH_MAX)
                        return -EINVAL;
                out_printf(&o, "%s%s/%s", i ? ", " : "", uibc_type_names[u->hidc[i].type],
                           uibc_path_names[u->hidc[i].path]);
        }
        if (u->n_hidc == 0)
                out_printf(&o, "none");

        if (u->has_port)
                out_printf(&o, ";port=%u", u->port);
        else
                out_printf(&o, ";port=none");
        return out_finish(&o);
}

/* ---- our offer ---------------------------------------------------------------------------------- */

int wfd_uibc_capability_intersect(const struct wfd_uibc_capability *ours, const struct wfd_uibc_capability *sink,
                                  uint16_t port, struct wfd_uibc_capability *ret)
{
        struct wfd_uibc_capability u = {};

        if (!ours || !sink || !ret || port == 0 || ours->n_hidc > WFD_MAX_UIBC_HIDC ||
            sink->n_hidc > WFD_MAX_UIBC_HIDC)
                return -EINVAL;
        if (ours->none || sink->none)
                return -ENOENT;

        if ((ours->categories & sink->categories & WFD_UIBC_CATEGORY_GENERIC)) {
                u.generic_types = ours->generic_types & sink->generic_types & ((1u << _WFD_UIBC_INPUT_MAX) - 1);
                if (u.generic_types)
                        u.categories |= WFD_UIBC_CATEGORY_GENERIC;
        }
        if ((ours->categories & sink->categories & WFD_UIBC_CATEGORY_HIDC)) {
                for (size_t i = 0; i < ours->n_hidc; i++)
                        for (size_t j = 0; j < sink->n_hidc; j++)
                                if (ours->hidc[i].type == sink->hidc[j].type &&
                                    ours->hidc[i].path == sink->hidc[j].path) {
                                        u.hidc[u.n_hidc++] = ours->hidc[i];
                                        break;
                                }
                if (u.n_hidc)
                        u.categories |= WFD_UIBC_CATEGORY_HIDC;
        }
        if (!u.categories)
                return -ENOENT;
        u.has_port = true;
        u.port = port;
        *ret = u;
        return 0;
}

int wfd_uibc_setting_format(bool enable, char *buf, size_t size)
{
        if (!buf)
                return -EINVAL;
        return format_into(buf, size, "%s", enable ? "enable" : "disable");
}

int wfd_uibc_format_m4(const struct wfd_uibc_capability *u, bool enable, char *buf, size_t size)
{
        char cap[1024];   /* 16 HIDC pairs of at most 24 characters, 8 types, the rest: < 700 */
        int r;

        if (!u || !buf)
                return -EINVAL;
        r = wfd_uibc_capability_format(u, cap, sizeof(cap));
        if (r < 0)
                return r;
        return format_into(buf, size, "wfd_uibc_capability: %s\r\nwfd_uibc_setting: %s\r\n", cap,
                           enable ? "enable" : "disable");
}
