/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The source state machine's side of capability negotiation: M3 request and
 * reply, wfd_negotiate() with our limits and the link statistics, M4, the 303
 * retries of M3 and M4, and the mid-session format change. The choosing itself
 * is negotiate.c's. See source_session_private.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "latency_mode.h"
#include "macro.h"
#include "source_session_private.h"

/* ---- negotiation -------------------------------------------------------------- */

static void limits_to_wfd(const struct source_session *s, const struct source_session_limits *l, bool safe,
                          const struct source_session_format *current, struct wfd_source_limits *ret)
{
        *ret = (struct wfd_source_limits) {
                .encoder_max_width = l->encoder_max_width,
                .encoder_max_height = l->encoder_max_height,
                .encoder_max_fps = l->encoder_max_fps,
                .encoder_profiles = WFD_PROFILE_CBP | (l->encoder_supports_chp ? WFD_PROFILE_CHP : 0),
                .encoder_max_level_idc = l->encoder_max_level_idc,
                .max_width = l->max_width,
                .max_height = l->max_height,
                .max_fps = l->max_fps,
                .max_bitrate_bps = l->max_bitrate_bps,
                .aspect_width = l->aspect_width,
                .aspect_height = l->aspect_height,
                .prefer_lpcm = !!(s->quirks & SINK_QUIRK_PREFER_LPCM),
                .no_audio = l->no_audio,
        };
        if (safe || (s->quirks & SINK_QUIRK_SAFE_FORMAT)) {
                /* docs/protocol.md, "Errors and fallbacks": next-lower mode, CBP, LPCM. */
                ret->encoder_profiles = WFD_PROFILE_CBP;
                ret->prefer_lpcm = true;
                if (!safe) {
                        ret->max_width = ret->max_width ? MIN(ret->max_width, 1280u) : 1280u;
                        ret->max_height = ret->max_height ? MIN(ret->max_height, 720u) : 720u;
                        ret->max_fps = ret->max_fps ? MIN(ret->max_fps, 30u) : 30u;
                }
        }
        if (safe && current && current->height > 480) {
                unsigned h = current->height - 1;
                ret->max_height = ret->max_height ? MIN(ret->max_height, h) : h;
        }
}

static struct wfd_connection_stats connection_stats(const struct source_session *s)
{
        return (struct wfd_connection_stats) {
                .suggested_bitrate_bps = s->config.stats.suggested_bps,
                .local_max_bitrate_bps = s->config.stats.local_max_bps,
                .remote_max_bitrate_bps = s->config.stats.remote_max_bps,
        };
}

static void negotiation_to_media(struct source_session *s, const struct wfd_negotiation *n,
                                 struct source_session_media *ret)
{
        struct source_session_format *f = &ret->format;
        const struct wfd_mode *mode = n->video.mode;
        uint16_t port = SOURCE_SESSION_DEFAULT_RTP_PORT;

        *f = (struct source_session_format) {
                .width = mode->width,
                .height = mode->height,
                .fps = mode->fps,
                .h264_profile_idc = n->video.profile == WFD_PROFILE_CHP ? 100 : 66,
                .h264_constraint_flags = n->video.profile == WFD_PROFILE_CHP ? 0x0C : 0xC0,
                .h264_level_idc = n->video.level_idc,
                .single_slice = true, /* M4 always says min-slice-size 0 */
        };
        if (n->audio) {
                switch (n->audio_codec.format) {
                case WFD_AUDIO_FORMAT_LPCM:
                        f->audio_codec = SOURCE_SESSION_AUDIO_LPCM;
                        break;
                case WFD_AUDIO_FORMAT_AAC:
                        f->audio_codec = SOURCE_SESSION_AUDIO_AAC;
                        break;
                default:
                        f->audio_codec = SOURCE_SESSION_AUDIO_AC3;
                        break;
                }
                f->audio_sample_rate_hz = n->audio_rate_hz;
                f->audio_channels = n->audio_channels;
        }
        f->bitrate_bps = s->bitrate_override ? s->bitrate_override :
                         (uint32_t) MIN(n->target_bitrate_bps, (uint64_t) UINT32_MAX);
        f->sink_sends_idr_requests = s->caps.has_idr_request_capability ? s->caps.idr_request_capability : true;
        f->periodic_idr = !f->sink_sends_idr_requests || (s->quirks & SINK_QUIRK_PERIODIC_IDR);

        if (s->caps.has_client_rtp_ports && s->caps.client_rtp_ports.port0 != 0)
                port = s->caps.client_rtp_ports.port0;
        snprintf(ret->peer_address, sizeof(ret->peer_address), "%s", s->peer_address);
        ret->peer_rtp_port = port;
        ret->peer_rtcp_port = 0;
        ret->server_rtp_port = s->config.server_rtp_port;
        /* a sink that lists only TCP in wfd_client_rtp_ports (M4 echoes it); SETUP may say again */
        ret->tcp = s->caps.has_client_rtp_ports && s->caps.client_rtp_ports.transport == WFD_RTP_TCP;
}

/* Build and send M4 for negotiation n (initial, retry). */
static void send_m4(struct source_session *s, const struct wfd_negotiation *n, uint64_t now)
{
        char body[4096], host[80];
        struct wfd_presentation_url url;
        int r;

        /* An IPv6 literal goes into the URL in brackets. */
        if (strchr(s->local_address, ':') && s->local_address[0] != '[')
                snprintf(host, sizeof(host), "[%s]", s->local_address);
        else
                snprintf(host, sizeof(host), "%s", s->local_address);
        r = wfd_presentation_url_make(host, s->config.local_rtsp_port, &url);
        if (r < 0) {
                source_session_end(s, SOURCE_SESSION_END_NEGOTIATION_FAILED, r,
                                   "cannot make the presentation URL for local address \"%s\"", s->local_address);
                return;
        }
        r = wfd_negotiation_m4_body(n, &url, s->caps.has_client_rtp_ports ? &s->caps.client_rtp_ports : NULL,
                                    body, sizeof(body));
        if (r < 0) {
                source_session_end(s, SOURCE_SESSION_END_NEGOTIATION_FAILED, r, "cannot write the M4 body (%s)",
                                   strerror(-r));
                return;
        }
        r = source_session_uibc_append_m4(s, body, (size_t) r, sizeof(body));
        if (r < 0) {
                source_session_end(s, SOURCE_SESSION_END_NEGOTIATION_FAILED, r, "cannot write the M4 UIBC lines (%s)",
                                   strerror(-r));
                return;
        }
        if (s->caps.has_latency_management && s->caps.latency_management) {
                struct latency_mode_params lp;
                int k;

                /* [MS-WFDPE] 2.2.2: latency-mode = "low" / "normal" / "high" */
                if (latency_mode_get_params(s->config.latency_mode, &lp) < 0)
                        (void) latency_mode_get_params(LATENCY_MODE_BALANCED, &lp);
                k = snprintf(body + r, sizeof(body) - (size_t) r, "microsoft_latency_management_capability: %s\r\n",
                             lp.ms_latency);
                if (k < 0 || (size_t) k >= sizeof(body) - (size_t) r) {
                        source_session_end(s, SOURCE_SESSION_END_NEGOTIATION_FAILED, -ENOBUFS,
                                           "cannot write the M4 latency line");
                        return;
                }
                r += k;
        }
        s->m4_attempts++;
        (void) source_session_send_request(s, REQUEST_M4, "SET_PARAMETER", SOURCE_URI, body, (size_t) r, now);
        s->phase = PHASE_M4;
}

static void retry_m3(struct source_session *s, const struct rtsp_message *m, uint64_t now);

void source_session_negotiate_m3_reply(struct source_session *s, const struct rtsp_message *m, uint64_t now)
{
        _cleanup_free_ struct wfd_negotiation *n = NULL;
        struct wfd_source_limits limits;
        struct wfd_connection_stats stats;
        char *body;
        int r;

        if (m->status == RTSP_STATUS_SEE_OTHER) {
                retry_m3(s, m, now);
                return;
        }
        if (m->status != RTSP_STATUS_OK) {
                source_session_end(s, SOURCE_SESSION_END_SINK_REFUSED, -ECONNREFUSED,
                                   "sink answered M3 (GET_PARAMETER) with %u", m->status);
                return;
        }

        body = malloc(m->body_len + 1);
        if (!body) {
                s->oom = -ENOMEM;
                return;
        }
        memcpy(body, m->body, m->body_len);
        body[m->body_len] = 0;
        free(s->sink_parameters);
        s->sink_parameters = body;

        if (s->has_caps)
                wfd_sink_caps_clear(&s->caps);
        s->has_caps = false;
        r = wfd_sink_caps_parse(m->body, m->body_len, &s->caps);
        if (r < 0) {
                source_session_end(s, SOURCE_SESSION_END_NEGOTIATION_FAILED, r,
                                   "cannot parse the sink's M3 reply (%s)", strerror(-r));
                return;
        }
        s->has_caps = true;
        if (s->caps.has_content_protection && s->caps.content_protection.hdcp != WFD_HDCP_NONE)
                source_session_log(s, SOURCE_SESSION_LOG_INFO, 0,
                                   "sink offers HDCP (port %u); we never use content protection",
                                   s->caps.content_protection.port);

        n = malloc(sizeof(*n));
        if (!n) {
                s->oom = -ENOMEM;
                return;
        }
        limits_to_wfd(s, &s->config.limits, false, NULL, &limits);
        stats = connection_stats(s);
        r = wfd_negotiate(&s->caps, &limits, &stats, n);
        if (r == -ENOSR) {
                source_session_end(s, SOURCE_SESSION_END_INSUFFICIENT_RESOURCES, -ENOSR,
                                   "INSUFFICIENT_RESOURCES: the link (suggested %llu, local max %llu, "
                                   "remote max %llu bit/s) cannot carry any sink mode of 1024x768 or more",
                                   (unsigned long long) stats.suggested_bitrate_bps,
                                   (unsigned long long) stats.local_max_bitrate_bps,
                                   (unsigned long long) stats.remote_max_bitrate_bps);
                return;
        }
        if (r < 0) {
                source_session_end(s, SOURCE_SESSION_END_NEGOTIATION_FAILED, r, "negotiation failed: %s",
                                   wfd_negotiate_error_to_string(r));
                return;
        }
        if (n->fallback)
                source_session_log(s, SOURCE_SESSION_LOG_WARNING, 0,
                                   "no usable mode in the sink's wfd_video_formats; "
                                   "falling back to 640x480p60 CBP 3.1");

        free(s->negotiation);
        s->negotiation = steal_ptr(n);
        negotiation_to_media(s, s->negotiation, &s->media);
        s->info = (struct source_session_info) {
                .monitor_connected = s->negotiation->info.monitor_connected,
                .reduced_mode_list_due_to_bandwidth = s->negotiation->info.reduced_mode_list_due_to_bandwidth,
        };
        s->negotiated = true;
        (void) source_session_push_action(s, SOURCE_SESSION_ACTION_NEGOTIATED);
        send_m4(s, s->negotiation, now);
}

/* 303 to M4: retry once with a safer format (docs/protocol.md, "Errors and fallbacks"). */
void source_session_negotiate_m4_refused(struct source_session *s, const struct rtsp_message *m, uint64_t now)
{
        _cleanup_free_ struct wfd_negotiation *n = NULL;
        struct wfd_source_limits limits;
        struct wfd_connection_stats stats;
        char why[128];
        int r;

        source_session_escape(m->body_len > 0 ? m->body : "", why, sizeof(why));
        if (s->m4_attempts >= 2) {
                source_session_end(s, SOURCE_SESSION_END_NEGOTIATION_FAILED, -ENOTSUP,
                                   "sink refused M4 twice (303: %s)", why);
                return;
        }
        n = malloc(sizeof(*n));
        if (!n) {
                s->oom = -ENOMEM;
                return;
        }
        limits_to_wfd(s, &s->config.limits, true, &s->media.format, &limits);
        stats = connection_stats(s);
        r = wfd_negotiate(&s->caps, &limits, &stats, n);
        if (r < 0) {
                source_session_end(s, SOURCE_SESSION_END_NEGOTIATION_FAILED, r,
                                   "sink refused M4 (303: %s) and no safer format is left", why);
                return;
        }
        source_session_log(s, SOURCE_SESSION_LOG_WARNING, 303, "sink refused M4 (303: %s); retrying with %ux%up%u CBP",
                           why, n->video.mode->width, n->video.mode->height, n->video.mode->fps);
        free(s->negotiation);
        s->negotiation = steal_ptr(n);
        negotiation_to_media(s, s->negotiation, &s->media);
        send_m4(s, s->negotiation, now);
}

void source_session_negotiate_send_m3(struct source_session *s, uint64_t now)
{
        char body[2048];
        int r = wfd_m3_request_body(body, sizeof(body));

        if (r < 0) {
                source_session_end(s, SOURCE_SESSION_END_PROTOCOL_ERROR, r, "internal error: cannot write the M3 body");
                return;
        }
        (void) source_session_send_request(s, REQUEST_M3, "GET_PARAMETER", SOURCE_URI, body, (size_t) r, now);
        s->phase = PHASE_M3;
        s->m3_attempts++;
}

/*
 * 303 to M3: the sink refuses some names it was asked for (it should just leave them out).
 * Ask once more for the mandatory three only (docs/protocol.md, "WFD parameters").
 */
static void retry_m3(struct source_session *s, const struct rtsp_message *m, uint64_t now)
{
        static const char *const mandatory[] = { "wfd_video_formats", "wfd_audio_codecs", "wfd_client_rtp_ports" };
        struct wfd_params_writer w;
        char body[128], why[128];

        source_session_escape(m->body_len > 0 ? m->body : "", why, sizeof(why));
        if (s->m3_attempts >= 2) {
                source_session_end(s, SOURCE_SESSION_END_SINK_REFUSED, -ECONNREFUSED,
                                   "sink refused M3 twice (303: %s)", why);
                return;
        }
        source_session_log(s, SOURCE_SESSION_LOG_WARNING, 303,
                           "sink refused M3 (303: %s); asking for the mandatory parameters only", why);
        wfd_params_writer_init(&w, body, sizeof(body));
        for (size_t i = 0; i < ARRAY_SIZE(mandatory); i++)
                wfd_params_write_name(&w, mandatory[i]);
        (void) source_session_send_request(s, REQUEST_M3, "GET_PARAMETER", SOURCE_URI, body, w.len, now);
        s->m3_attempts++;
}

void source_session_negotiate_change_reply(struct source_session *s, const struct rtsp_message *m, uint64_t now)
{
        if (!s->next_negotiation)
                return;
        if (m->status != RTSP_STATUS_OK) {
                source_session_log(s, SOURCE_SESSION_LOG_WARNING, m->status,
                                   "sink refused the format change (%u); keeping %ux%up%u", m->status,
                                   s->media.format.width, s->media.format.height, s->media.format.fps);
                s->next_negotiation = mfree(s->next_negotiation);
                return;
        }
        free(s->negotiation);
        s->negotiation = steal_ptr(s->next_negotiation);
        s->next_media.peer_rtp_port = s->media.peer_rtp_port;
        s->next_media.peer_rtcp_port = s->media.peer_rtcp_port;
        s->next_media.tcp = s->media.tcp;
        s->next_media.interleaved = s->media.interleaved;
        memcpy(s->next_media.interleaved_channel, s->media.interleaved_channel, 2);
        s->media = s->next_media;
        if (s->media_state != MEDIA_STOPPED)
                source_session_push_media(s, SOURCE_SESSION_ACTION_MEDIA_CHANGE_FORMAT);
}

int source_session_change_format(struct source_session *s, const struct source_session_limits *limits,
                                 uint64_t pts_90khz, uint64_t now, struct source_session_actions *ret)
{
        _cleanup_free_ struct wfd_negotiation *n = NULL;
        struct wfd_source_limits l;
        struct wfd_connection_stats stats;
        struct wfd_av_format_change_timing timing;
        char body[4096];
        int r;

        BEGIN(s, now, ret);
        if (!limits)
                return -EINVAL;
        if (s->phase == PHASE_ENDING)
                return -ESHUTDOWN;
        if (s->phase != PHASE_PLAYING && s->phase != PHASE_PAUSED)
                return -ENOTCONN;
        if (s->next_negotiation)
                return -EBUSY;

        n = malloc(sizeof(*n));
        if (!n)
                return -ENOMEM;
        limits_to_wfd(s, limits, false, NULL, &l);
        stats = connection_stats(s);
        r = wfd_negotiate(&s->caps, &l, &stats, n);
        if (r < 0)
                return r;
        s->config.limits = *limits;
        if (n->video.mode == s->negotiation->video.mode && n->video.profile == s->negotiation->video.profile &&
            n->video.level_idc == s->negotiation->video.level_idc)
                return source_session_finish_call(s, ret); /* same format: nothing to do */

        if (s->caps.has_format_change_capability && s->caps.format_change_capability &&
            n->audio == s->negotiation->audio &&
            (!n->audio || (n->audio_codec.format == s->negotiation->audio_codec.format &&
                           n->audio_codec.modes == s->negotiation->audio_codec.modes))) {
                /* [MS-WFDPE] microsoft_format_change_capability: the sink follows new SPS/PPS
                 * in the stream by itself (a mode it listed); no M4 round trip. */
                struct source_session_media next;
                negotiation_to_media(s, n, &next);
                next.peer_rtp_port = s->media.peer_rtp_port;
                next.peer_rtcp_port = s->media.peer_rtcp_port;
                next.tcp = s->media.tcp;
                next.interleaved = s->media.interleaved;
                memcpy(next.interleaved_channel, s->media.interleaved_channel, 2);
                s->media = next;
                free(s->negotiation);
                s->negotiation = steal_ptr(n);
                source_session_log(s, SOURCE_SESSION_LOG_INFO, 0,
                                   "format change to %ux%up%u without M4 (microsoft_format_change_capability)",
                                   s->media.format.width, s->media.format.height, s->media.format.fps);
                if (s->media_state != MEDIA_STOPPED)
                        source_session_push_media(s, SOURCE_SESSION_ACTION_MEDIA_CHANGE_FORMAT);
                return source_session_finish_call(s, ret);
        }

        timing = (struct wfd_av_format_change_timing) {
                .pts = pts_90khz & ((1ULL << 33) - 1),
                .dts = pts_90khz & ((1ULL << 33) - 1), /* no B-frames: DTS == PTS */
        };
        r = wfd_negotiation_format_change_body(n, &n->video, &timing, body, sizeof(body));
        if (r < 0)
                return r;
        negotiation_to_media(s, n, &s->next_media);
        s->next_negotiation = steal_ptr(n);
        (void) source_session_send_request(s, REQUEST_M4_CHANGE, "SET_PARAMETER", SOURCE_URI, body, (size_t) r, now);
        return source_session_finish_call(s, ret);
}
