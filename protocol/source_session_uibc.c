/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The source state machine's side of UIBC (docs/uibc.md, "Negotiation"): the
 * offer in M4, the sink's wfd_uibc_setting (M15), the person allowing or
 * withdrawing input mid-session, and when the daemon should inject.
 *
 *   allowed  = the person's consent (config.input_allowed, source_session_set_input())
 *   offered  = our wfd_uibc_capability (the intersection, with our port) went to the sink
 *   enabled  = the sink's last wfd_uibc_setting; our own enable counts until it says otherwise
 *   active   = allowed && offered && enabled && PLAYING   -> UIBC action on every change
 *
 * The M3 request always names wfd_uibc_capability: asking reveals nothing and
 * costs nothing, and without the answer input allowed mid-session could not be
 * offered without another GET_PARAMETER. Nothing is *offered* unless allowed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "source_session_private.h"

/*
 * What the daemon can inject: GENERIC pointer, touch and keys through uinput;
 * HIDC keyboards and mice through uhid, whatever path the sink's device is on
 * (the kernel's HID drivers see only the descriptor and reports).
 */
#define HIDC(t) { t, WFD_UIBC_PATH_INFRARED }, { t, WFD_UIBC_PATH_USB }, { t, WFD_UIBC_PATH_BT }, \
                { t, WFD_UIBC_PATH_ZIGBEE }, { t, WFD_UIBC_PATH_WIFI }, { t, WFD_UIBC_PATH_NO_SP }
static const struct wfd_uibc_capability ours = {
        .categories = WFD_UIBC_CATEGORY_GENERIC | WFD_UIBC_CATEGORY_HIDC,
        .generic_types = (1u << WFD_UIBC_INPUT_KEYBOARD) | (1u << WFD_UIBC_INPUT_MOUSE) |
                         (1u << WFD_UIBC_INPUT_SINGLE_TOUCH) | (1u << WFD_UIBC_INPUT_MULTI_TOUCH),
        .n_hidc = 2 * _WFD_UIBC_PATH_MAX,
        .hidc = { HIDC(WFD_UIBC_INPUT_KEYBOARD), HIDC(WFD_UIBC_INPUT_MOUSE) },
};

static int make_offer(const struct source_session *s, struct wfd_uibc_capability *ret)
{
        if (!s->has_caps || !s->caps.has_uibc_capability)
                return -ENOENT;
        return wfd_uibc_capability_intersect(&ours, &s->caps.uibc_capability, s->uibc_port, ret);
}

int source_session_uibc_append_m4(struct source_session *s, char *body, size_t len, size_t size)
{
        struct wfd_uibc_capability offer;
        int r;

        if (!s->uibc_allowed)
                return (int) len;
        r = make_offer(s, &offer);
        if (r < 0) {
                source_session_log(s, SOURCE_SESSION_LOG_INFO, 0,
                                   "input allowed, but the sink lists no input type we can inject; no UIBC offer");
                return (int) len;
        }
        r = wfd_uibc_format_m4(&offer, true, body + len, size - len);
        if (r < 0)
                return r;
        s->uibc_offer = offer;
        s->uibc_offered = true;
        s->uibc_sink_enabled = true;
        return (int) len + r;
}

unsigned source_session_uibc_sink_setting(struct source_session *s, bool enable)
{
        if (enable && !(s->uibc_allowed && s->uibc_offered))
                return RTSP_STATUS_NOT_ACCEPTABLE;   /* never enabled by a sink alone */
        if (s->uibc_sink_enabled != enable)
                source_session_log(s, SOURCE_SESSION_LOG_INFO, 0, "sink %s input (wfd_uibc_setting)",
                                   enable ? "enabled" : "disabled");
        s->uibc_sink_enabled = enable;
        return RTSP_STATUS_OK;
}

void source_session_uibc_reply(struct source_session *s, const struct rtsp_message *m)
{
        if (m->status != RTSP_STATUS_OK) {
                source_session_log(s, SOURCE_SESSION_LOG_WARNING, m->status,
                                   "sink answered our wfd_uibc_setting with %u", m->status);
                if (s->uibc_allowed && !s->uibc_offered)
                        s->uibc_allowed = false; /* the offer was refused: nothing to inject */
                return;
        }
        if (s->uibc_allowed) {
                s->uibc_offered = true;
                s->uibc_sink_enabled = true;
        }
}

void source_session_uibc_report(struct source_session *s)
{
        struct source_session_action *a;
        bool active = s->uibc_allowed && s->uibc_offered && s->uibc_sink_enabled && s->phase == PHASE_PLAYING;

        if (active == s->uibc_reported_active)
                return;
        a = source_session_push_action(s, SOURCE_SESSION_ACTION_UIBC);
        if (!a)
                return;
        a->uibc.active = active;
        a->uibc.generic_types = s->uibc_offer.generic_types;
        s->uibc_reported_active = active;
}

int source_session_set_input(struct source_session *s, bool allow, uint16_t port, uint64_t now,
                             struct source_session_actions *ret)
{
        struct wfd_uibc_capability offer;
        char body[1200];
        int r;

        BEGIN(s, now, ret);
        if (allow && port == 0)
                return -EINVAL;
        if (s->phase == PHASE_ENDING)
                return -ESHUTDOWN;
        if (allow == s->uibc_allowed)
                return -EALREADY;

        switch (s->phase) {
        case PHASE_INIT:
        case PHASE_M1:
        case PHASE_WAIT_M2:
        case PHASE_M3:
                /* M4 has not gone out: it will carry the offer, or not. */
                s->uibc_allowed = allow;
                s->uibc_port = port;
                return source_session_finish_call(s, ret);
        case PHASE_PLAYING:
        case PHASE_PAUSED:
                break;
        default:
                return -EBUSY;
        }

        if (!allow) {
                s->uibc_allowed = false;
                if (s->uibc_offered) {
                        snprintf(body, sizeof(body), "wfd_uibc_setting: disable\r\n");
                        (void) source_session_send_request(s, REQUEST_UIBC, "SET_PARAMETER", SOURCE_URI, body,
                                                           strlen(body), now);
                }
                return source_session_finish_call(s, ret);
        }

        if (s->uibc_offered && s->uibc_port == port) {
                /* Offered before at this port: enabling again is enough. */
                snprintf(body, sizeof(body), "wfd_uibc_setting: enable\r\n");
                r = (int) strlen(body);
        } else {
                s->uibc_port = port;
                r = make_offer(s, &offer);
                if (r < 0)
                        return -ENOTSUP;
                r = wfd_uibc_format_m4(&offer, true, body, sizeof(body));
                if (r < 0)
                        return r;
                s->uibc_offer = offer;
                s->uibc_offered = false; /* until the sink says 200 */
        }
        s->uibc_allowed = true;
        (void) source_session_send_request(s, REQUEST_UIBC, "SET_PARAMETER", SOURCE_URI, body, (size_t) r, now);
        return source_session_finish_call(s, ret);
}

void source_session_get_uibc(const struct source_session *s, struct source_session_uibc *ret)
{
        if (!ret)
                return;
        *ret = (struct source_session_uibc) {};
        if (!s)
                return;
        *ret = (struct source_session_uibc) {
                .allowed = s->uibc_allowed,
                .offered = s->uibc_offered,
                .sink_enabled = s->uibc_sink_enabled,
                .active = s->uibc_reported_active,
                .generic_types = s->uibc_offer.generic_types,
                .port = s->uibc_port,
        };
}

bool source_session_uibc_sink_can_input(const char *capability, size_t len)
{
        struct wfd_uibc_capability sink, offer;

        /* Any port: only whether the intersection is empty matters here. */
        return capability && wfd_uibc_capability_parse(capability, len, &sink) >= 0 &&
               wfd_uibc_capability_intersect(&ours, &sink, 1, &offer) >= 0;
}
