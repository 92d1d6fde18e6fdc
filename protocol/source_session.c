/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Wi-Fi Display source state machine. Pure: bytes, time and user requests
 * in; actions out (see source_session.h). This file holds the flow: the public
 * entry points, the sink's requests and the replies to ours. What goes out
 * (actions, messages, timers) is in source_session_output.c, the capability
 * negotiation glue (M3 reply -> M4, 303 retries, format change) in
 * source_session_negotiate.c; all three share source_session_private.h.
 *
 * Transition table (phase = internal state; "200" = a 200 reply to our request):
 *
 *   phase        event                           -> actions                        next phase
 *   INIT         start                           -> M1 OPTIONS (CSeq 1)            M1
 *   M1           M1 200, M2 already answered     -> M3 GET_PARAMETER               M3
 *   M1           M1 200, quirk m3-without-m2     -> M3                             M3
 *   M1           M1 200, no M2 yet               -> arm M2 wait                    WAIT_M2
 *   WAIT_M2      sink OPTIONS (M2)               -> 200 Public, M3 held (pacing)   M3
 *   WAIT_M2      M2 wait expired                 -> M3 anyway (logged)             M3
 *   M3           M3 200                          -> negotiate, NEGOTIATED, M4      M4
 *   M3           M3 303 (first time)             -> M3 with the mandatory names    M3
 *   M3           negotiate: -ENOSR               -> ENDED insufficient-resources   ENDED
 *   M4           M4 200                          -> M5 trigger SETUP               M5_SETUP
 *   M4           M4 303 (first time)             -> safer format, M4 again         M4
 *   M5_SETUP     M5 200                          -> arm SETUP wait                 WAIT_SETUP
 *   M4..WAIT_SETUP  sink SETUP (M6)              -> 200 Session/Transport          WAIT_PLAY
 *   WAIT_PLAY    sink PLAY (M7)                  -> 200, MEDIA_START, arm M16      PLAYING
 *   PLAYING      sink PAUSE (M9) / wfd_standby   -> 200, MEDIA_PAUSE               PAUSED
 *   PAUSED       sink PLAY (M7)                  -> 200, MEDIA_RESUME              PLAYING
 *   PLAYING/PAUSED  user pause/resume            -> M5 PAUSE / M5 PLAY             (sink acts)
 *   any          sink TEARDOWN (M8)              -> 200, MEDIA_STOP, ENDED         ENDED
 *   >= WAIT_PLAY user teardown                   -> M5 TEARDOWN, arm 2 s grace     ENDING
 *   ENDING       M8 or grace expired             -> MEDIA_STOP, ENDED              ENDED
 *   any          our request unanswered in 5 s   -> ENDED response-timeout         ENDED
 *   any          unparseable bytes               -> 400/413/505, ENDED             ENDED
 *   PLAYING/PAUSED  keep-alive time              -> M16 GET_PARAMETER + Session    (same)
 *   PLAYING/PAUSED  sink silent for the timeout  -> ENDED keepalive-timeout        ENDED
 *   any          sink M13 wfd_idr_request        -> 200, MEDIA_REQUEST_IDR (coalesced)
 *   any          sink GET/SET_PARAMETER keep-alive -> 200 + Session
 *   any          our request while our last message is unanswered and younger than the
 *                send gap                        -> held; sent by the timer when the gap is over
 *
 * Pacing (docs/rtsp-pacing.md): two of our messages never follow each other within the send
 * gap (100 ms) unless the sink answered the first; replies are never held.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "rtsp.h"
#include "source_session.h"
#include "source_session_private.h"

DEFINE_CLEANUP(struct source_session *, source_session_free);

/* ---- strings --------------------------------------------------------------- */

const char *source_session_state_to_string(enum source_session_state state)
{
        static const char *const names[_SOURCE_SESSION_STATE_MAX] = {
                [SOURCE_SESSION_STATE_CONNECTING]  = "connecting",
                [SOURCE_SESSION_STATE_NEGOTIATING] = "negotiating",
                [SOURCE_SESSION_STATE_PLAYING]     = "playing",
                [SOURCE_SESSION_STATE_PAUSED]      = "paused",
                [SOURCE_SESSION_STATE_ENDING]      = "ending",
                [SOURCE_SESSION_STATE_ENDED]       = "ended",
        };
        if ((unsigned) state >= _SOURCE_SESSION_STATE_MAX)
                return NULL;
        return names[state];
}

const char *source_session_end_reason_to_string(enum source_session_end_reason reason)
{
        static const char *const names[_SOURCE_SESSION_END_MAX] = {
                [SOURCE_SESSION_END_NONE]                   = "none",
                [SOURCE_SESSION_END_TEARDOWN_BY_SINK]       = "teardown-by-sink",
                [SOURCE_SESSION_END_TEARDOWN_BY_USER]       = "teardown-by-user",
                [SOURCE_SESSION_END_CONNECTION_CLOSED]      = "connection-closed",
                [SOURCE_SESSION_END_RESPONSE_TIMEOUT]       = "response-timeout",
                [SOURCE_SESSION_END_SINK_TIMEOUT]           = "sink-timeout",
                [SOURCE_SESSION_END_KEEPALIVE_TIMEOUT]      = "keepalive-timeout",
                [SOURCE_SESSION_END_SINK_REFUSED]           = "sink-refused",
                [SOURCE_SESSION_END_NOT_WFD]                = "not-wfd",
                [SOURCE_SESSION_END_PROTOCOL_ERROR]         = "protocol-error",
                [SOURCE_SESSION_END_NEGOTIATION_FAILED]     = "negotiation-failed",
                [SOURCE_SESSION_END_INSUFFICIENT_RESOURCES] = "insufficient-resources",
                [SOURCE_SESSION_END_MEDIA_FAILED]           = "media-failed",
        };
        if ((unsigned) reason >= _SOURCE_SESSION_END_MAX)
                return NULL;
        return names[reason];
}

int source_session_end_reason_to_errno(enum source_session_end_reason reason)
{
        switch (reason) {
        case SOURCE_SESSION_END_NONE:
        case SOURCE_SESSION_END_TEARDOWN_BY_SINK:
        case SOURCE_SESSION_END_TEARDOWN_BY_USER:
                return 0;
        case SOURCE_SESSION_END_CONNECTION_CLOSED:
                return -ECONNRESET;
        case SOURCE_SESSION_END_RESPONSE_TIMEOUT:
        case SOURCE_SESSION_END_SINK_TIMEOUT:
        case SOURCE_SESSION_END_KEEPALIVE_TIMEOUT:
                return -ETIMEDOUT;
        case SOURCE_SESSION_END_SINK_REFUSED:
                return -ECONNREFUSED;
        case SOURCE_SESSION_END_NOT_WFD:
                return -EPROTONOSUPPORT;
        case SOURCE_SESSION_END_PROTOCOL_ERROR:
                return -EPROTO;
        case SOURCE_SESSION_END_NEGOTIATION_FAILED:
                return -ENOTSUP;
        case SOURCE_SESSION_END_INSUFFICIENT_RESOURCES:
                return -ENOSR;
        case SOURCE_SESSION_END_MEDIA_FAILED:
                return -EIO;
        default:
                return -EINVAL;
        }
}

/* ---- keep-alive and IDR ----------------------------------------------------- */

static uint64_t keepalive_interval(const struct source_session *s)
{
        /* docs/protocol.md, "Keep-alive": the interval must be shorter than timeout - 5 s. */
        uint64_t t = (uint64_t) s->timeout_sec * 1000000ULL;
        return t > 10000000ULL ? t - 5000000ULL : t / 2;
}

static void request_idr(struct source_session *s, uint64_t now)
{
        if (s->phase != PHASE_PLAYING || s->media_state != MEDIA_RUNNING)
                return; /* a resume starts with an IDR anyway */
        if (!s->idr_ever || now >= s->last_idr + s->idr_coalesce) {
                source_session_push_media(s, SOURCE_SESSION_ACTION_MEDIA_REQUEST_IDR);
                s->idr_ever = true;
                s->last_idr = now;
                return;
        }
        if (!s->idr_pending) {
                s->idr_pending = true;
                s->idr_deadline = s->last_idr + s->idr_coalesce;
        }
}

/* ---- the flow ---------------------------------------------------------------- */

/* Remember the first User-Agent (requests) and Server (replies) and look the sink up again. */
static void update_identity(struct source_session *s, const struct rtsp_message *m)
{
        const char *ua = rtsp_message_get_header(m, "User-Agent");
        const char *server = rtsp_message_get_header(m, "Server");
        const char *match = NULL;
        struct sink_identity id;
        unsigned quirks;
        bool changed = false;

        if (ua && !s->user_agent) {
                s->user_agent = strdup(ua);
                changed = true;
        }
        if (server && !s->server) {
                s->server = strdup(server);
                changed = true;
        }
        if (!changed)
                return;
        if ((ua && !s->user_agent) || (server && !s->server)) {
                s->oom = -ENOMEM;
                return;
        }
        id = s->config.identity;
        id.device_name = s->device_name;
        id.user_agent = s->user_agent;
        id.server = s->server;
        quirks = (sink_quirks_lookup(&id, &match) | s->config.quirks_add) & ~s->config.quirks_remove;
        if (quirks != s->quirks) {
                char q[128], name[64];
                (void) sink_quirks_format(quirks, q, sizeof(q));
                source_session_log(s, SOURCE_SESSION_LOG_INFO, 0, "sink \"%s\" matches \"%s\": quirks %s",
                                   source_session_escape(s->user_agent ? s->user_agent : s->server, name, sizeof(name)),
                                   match ? match : "(config)", q);
                s->quirks = quirks;
                if (quirks & SINK_QUIRK_NO_KEEPALIVE)
                        s->keepalive_enabled = false;
        }
}

static void handle_m1_reply(struct source_session *s, const struct rtsp_message *m, uint64_t now)
{
        const char *pub = rtsp_message_get_header(m, "Public");

        if (m->status != RTSP_STATUS_OK) {
                source_session_end(s, SOURCE_SESSION_END_SINK_REFUSED, -ECONNREFUSED,
                                   "sink answered M1 (OPTIONS) with %u", m->status);
                return;
        }
        if (pub && (!rtsp_list_contains(pub, "GET_PARAMETER") || !rtsp_list_contains(pub, "SET_PARAMETER"))) {
                char p[128];
                source_session_end(s, SOURCE_SESSION_END_NOT_WFD, -EPROTONOSUPPORT,
                                   "peer is not a WFD sink: Public \"%s\" lacks GET_PARAMETER/SET_PARAMETER",
                                   source_session_escape(pub, p, sizeof(p)));
                return;
        }
        if (!pub)
                source_session_log(s, SOURCE_SESSION_LOG_DEBUG, 0, "M1 reply without Public header, going on");
        else if (!rtsp_list_contains(pub, WFD_OPTION))
                source_session_log(s, SOURCE_SESSION_LOG_WARNING, 0, "M1 reply Public lacks %s, going on", WFD_OPTION);

        s->m1_done = true;
        if (s->m2_done || (s->quirks & SINK_QUIRK_M3_WITHOUT_M2))
                source_session_negotiate_send_m3(s, now);
        else {
                s->phase = PHASE_WAIT_M2;
                s->m2_deadline = now + s->m2_timeout;
        }
}

static void handle_m4_reply(struct source_session *s, const struct rtsp_message *m, uint64_t now)
{
        if (m->status == RTSP_STATUS_SEE_OTHER) {
                source_session_negotiate_m4_refused(s, m, now);
                return;
        }
        if (m->status != RTSP_STATUS_OK) {
                source_session_end(s, SOURCE_SESSION_END_SINK_REFUSED, -ECONNREFUSED,
                                   "sink answered M4 (SET_PARAMETER) with %u", m->status);
                return;
        }
        if (s->phase == PHASE_M4) {
                source_session_send_trigger(s, REQUEST_M5_SETUP, WFD_TRIGGER_SETUP, now);
                if (s->phase == PHASE_M4)
                        s->phase = PHASE_M5_SETUP;
        }
}

static void handle_response(struct source_session *s, const struct rtsp_message *m, uint64_t now)
{
        struct pending_request *p = NULL, req;
        uint32_t cseq;

        if (rtsp_message_get_cseq(m, &cseq) >= 0) {
                for (size_t i = 0; i < MAX_PENDING; i++)
                        if (s->pending[i].used && s->pending[i].sent && s->pending[i].cseq == cseq)
                                p = &s->pending[i];
        } else if (source_session_pending_count(s) == 1) {
                /* A reply without CSeq: with one request in flight it can only be that one. */
                for (size_t i = 0; i < MAX_PENDING; i++)
                        if (s->pending[i].used && s->pending[i].sent)
                                p = &s->pending[i];
                if (p)
                        source_session_log(s, SOURCE_SESSION_LOG_DEBUG, 0, "reply without CSeq taken for %s",
                                           source_session_request_name(p->kind));
        }
        if (!p) {
                source_session_log(s, SOURCE_SESSION_LOG_DEBUG, 0,
                                   "ignoring a %u reply that answers no request of ours",
                                   m->status);
                return;
        }
        req = *p;
        p->used = false;
        source_session_pacer_answered(s, req.cseq);

        switch (req.kind) {
        case REQUEST_M1:
                handle_m1_reply(s, m, now);
                break;
        case REQUEST_M3:
                source_session_negotiate_m3_reply(s, m, now);
                break;
        case REQUEST_M4:
                handle_m4_reply(s, m, now);
                break;
        case REQUEST_M4_CHANGE:
                source_session_negotiate_change_reply(s, m, now);
                break;
        case REQUEST_M5_SETUP:
                if (m->status != RTSP_STATUS_OK) {
                        source_session_end(s, SOURCE_SESSION_END_SINK_REFUSED, -ECONNREFUSED,
                                           "sink answered M5 trigger SETUP with %u", m->status);
                        break;
                }
                if (s->phase == PHASE_M5_SETUP) {
                        s->phase = PHASE_WAIT_SETUP;
                        s->wait_deadline = now + s->setup_timeout;
                }
                break;
        case REQUEST_M5_PLAY:
        case REQUEST_M5_PAUSE:
                if (req.kind == REQUEST_M5_PLAY)
                        s->resume_requested = false;
                else
                        s->pause_requested = false;
                if (m->status != RTSP_STATUS_OK)
                        source_session_log(s, SOURCE_SESSION_LOG_WARNING, m->status, "sink answered %s with %u",
                                           source_session_request_name(req.kind), m->status);
                break;
        case REQUEST_M5_TEARDOWN:
                if (m->status != RTSP_STATUS_OK)
                        source_session_log(s, SOURCE_SESSION_LOG_WARNING, m->status,
                                           "sink answered M5 trigger TEARDOWN with %u; closing after the grace time",
                                           m->status);
                break;
        case REQUEST_UIBC:
                source_session_uibc_reply(s, m);
                break;
        case REQUEST_M16:
                if (m->status != RTSP_STATUS_OK && s->keepalive_enabled) {
                        /* docs/protocol.md, "Keep-alive": stop M16 for this sink, keep the session. */
                        s->keepalive_enabled = false;
                        source_session_log(s, SOURCE_SESSION_LOG_WARNING, m->status,
                                           "sink answered M16 keep-alive with %u; no more keep-alives to this sink",
                                           m->status);
                }
                break;
        }
}

/* ---- sink requests ------------------------------------------------------------ */

/* True when the request may go on; else it has been answered (454/455). */
static bool check_session(struct source_session *s, const struct rtsp_message *m)
{
        char id[SOURCE_SESSION_MAX_SESSION_ID], e[80];
        int r = rtsp_message_get_session(m, id, sizeof(id), NULL);

        if (!s->session_created) {
                if (r >= 0 || r == -EBADMSG)
                        source_session_reject(s, m, RTSP_STATUS_SESSION_NOT_FOUND, "no session exists yet (no SETUP)");
                else
                        source_session_reject(s, m, RTSP_STATUS_METHOD_NOT_VALID_IN_STATE,
                                              "no session exists yet (no SETUP)");
                return false;
        }
        /* Tolerate a missing or wrong Session header, use the only session (docs/protocol.md, "Sink quirks"). */
        if (r >= 0 && strcmp(id, s->session_id) != 0)
                source_session_log(s, SOURCE_SESSION_LOG_DEBUG, 0, "sink used session id \"%s\", ours is %s; accepted",
                                   source_session_escape(id, e, sizeof(e)), s->session_id);
        return true;
}

static void handle_options(struct source_session *s, const struct rtsp_message *m, uint64_t now)
{
        struct reply r;

        source_session_reply_start(s, &r, m, RTSP_STATUS_OK, 0);
        rtsp_builder_header(&r.b, "Public", PUBLIC_METHODS);
        source_session_send_built(s, &r.b, NULL, NULL, 0);
        if (s->phase == PHASE_ENDED)
                return;

        if (!s->m2_done) {
                s->m2_done = true;
                if (s->phase == PHASE_WAIT_M2)
                        source_session_negotiate_send_m3(s, now);
        }
}

static void handle_setup(struct source_session *s, const struct rtsp_message *m, uint64_t now)
{
        const char *value = rtsp_message_get_header(m, "Transport");
        struct rtsp_transport t = {};
        struct reply r;
        char tr[160];
        int k;

        if (s->session_created) {
                source_session_reject(s, m, RTSP_STATUS_METHOD_NOT_VALID_IN_STATE,
                                      "a session exists already (one per connection)");
                return;
        }
        if (!s->negotiated || s->phase < PHASE_M4 || s->phase > PHASE_WAIT_SETUP) {
                source_session_reject(s, m, RTSP_STATUS_METHOD_NOT_VALID_IN_STATE,
                                      "SETUP before capability negotiation");
                return;
        }
        if (strcmp(m->uri, "*") == 0) {
                source_session_reject(s, m, RTSP_STATUS_AGGREGATE_NOT_ALLOWED, "SETUP needs the stream URI, not \"*\"");
                return;
        }
        if (value) {
                k = rtsp_transport_parse(value, &t);
                if (k == -EPROTONOSUPPORT) {
                        source_session_reject(s, m, RTSP_STATUS_UNSUPPORTED_TRANSPORT,
                                              "transport \"%s\" is not RTP/AVP",
                                              source_session_escape(value, tr, sizeof(tr)));
                        return;
                }
                if (k < 0) {
                        source_session_reject(s, m, RTSP_STATUS_BAD_REQUEST, "malformed Transport \"%s\"",
                                              source_session_escape(value, tr, sizeof(tr)));
                        return;
                }
                if (!t.unicast || (t.interleaved && t.lower != RTSP_LOWER_TRANSPORT_TCP)) {
                        source_session_reject(s, m, RTSP_STATUS_UNSUPPORTED_TRANSPORT,
                                              "only RTP/AVP/UDP or RTP/AVP/TCP unicast (interleaved over TCP "
                                              "only) is supported, got \"%s\"",
                                              source_session_escape(value, tr, sizeof(tr)));
                        return;
                }
                s->media.tcp = t.lower == RTSP_LOWER_TRANSPORT_TCP;
                /* RTP in this connection: '$' frames from here on, both ways (RFC 2326 10.12) */
                s->media.interleaved = t.interleaved;
                s->media.interleaved_channel[0] = t.interleaved_channel[0];
                s->media.interleaved_channel[1] = t.interleaved_channel[1];
        }
        if (t.has_client_port) {
                s->media.peer_rtp_port = t.client_port[0];
                s->media.peer_rtcp_port = t.client_port_range ? t.client_port[1] : 0;
        } else if (!s->media.interleaved)
                /* No client_port: use wfd_client_rtp_ports (already in media) or 19000 (docs/protocol.md, "SETUP"). */
                source_session_log(s, SOURCE_SESSION_LOG_DEBUG, 0, "SETUP without client_port; using port %u",
                                   s->media.peer_rtp_port);

        s->session_created = true;
        source_session_reply_start(s, &r, m, RTSP_STATUS_OK, s->timeout_sec);
        if (s->media.interleaved)
                rtsp_builder_headerf(&r.b, "Transport", "RTP/AVP/TCP;unicast;interleaved=%u-%u",
                                     s->media.interleaved_channel[0], s->media.interleaved_channel[1]);
        else if (s->media.tcp)
                rtsp_builder_headerf(&r.b, "Transport", "RTP/AVP/TCP;unicast;client_port=%u;server_port=%u",
                                     s->media.peer_rtp_port, s->media.server_rtp_port);
        else if (s->media.peer_rtcp_port)
                rtsp_builder_headerf(&r.b, "Transport", "RTP/AVP/UDP;unicast;client_port=%u-%u;server_port=%u-%u",
                                     s->media.peer_rtp_port, s->media.peer_rtcp_port, s->media.server_rtp_port,
                                     s->media.server_rtp_port + 1u);
        else
                rtsp_builder_headerf(&r.b, "Transport", "RTP/AVP/UDP;unicast;client_port=%u;server_port=%u-%u",
                                     s->media.peer_rtp_port, s->media.server_rtp_port,
                                     s->media.server_rtp_port + 1u);
        source_session_send_built(s, &r.b, NULL, NULL, 0);
        if (s->phase == PHASE_ENDED)
                return;
        if (s->media.interleaved)
                rtsp_parser_set_interleaved(&s->parser, true);
        s->phase = PHASE_WAIT_PLAY;
        s->wait_deadline = now + s->setup_timeout;
}

static void handle_play(struct source_session *s, const struct rtsp_message *m, uint64_t now)
{
        struct reply r;

        if (!check_session(s, m))
                return;
        if (strcmp(m->uri, "*") == 0) {
                source_session_reject(s, m, RTSP_STATUS_AGGREGATE_NOT_ALLOWED, "PLAY needs the stream URI, not \"*\"");
                return;
        }
        if (s->phase == PHASE_ENDING) {
                source_session_reject(s, m, RTSP_STATUS_METHOD_NOT_VALID_IN_STATE, "the session is being torn down");
                return;
        }
        source_session_reply_start(s, &r, m, RTSP_STATUS_OK, s->timeout_sec);
        rtsp_builder_header(&r.b, "Range", "npt=now-");
        source_session_send_built(s, &r.b, NULL, NULL, 0);
        if (s->phase == PHASE_ENDED)
                return;

        s->resume_requested = false;
        if (s->phase == PHASE_WAIT_PLAY) {
                s->phase = PHASE_PLAYING;
                source_session_push_media(s, SOURCE_SESSION_ACTION_MEDIA_START);
                s->media_state = MEDIA_RUNNING;
                s->idr_ever = false;
                s->last_sink_activity = now;
                s->keepalive_at = now + MIN(s->first_keepalive, keepalive_interval(s));
                if (s->quirks & SINK_QUIRK_EARLY_KEEPALIVE)
                        s->keepalive_at = now + MIN(s->first_keepalive, 10 * 1000000ULL);
        } else if (s->phase == PHASE_PAUSED) {
                s->phase = PHASE_PLAYING;
                source_session_push_media(s, SOURCE_SESSION_ACTION_MEDIA_RESUME);
                s->media_state = MEDIA_RUNNING;
                s->idr_ever = true;
                s->last_idr = now; /* resume starts with an IDR */
        }
        /* PLAYING: idempotent 200. */
}

static void handle_pause(struct source_session *s, const struct rtsp_message *m, uint64_t now)
{
        if (!check_session(s, m))
                return;
        if (s->phase == PHASE_WAIT_PLAY) {
                source_session_reject(s, m, RTSP_STATUS_METHOD_NOT_VALID_IN_STATE, "PAUSE before PLAY");
                return;
        }
        if (s->phase == PHASE_ENDING) {
                source_session_reject(s, m, RTSP_STATUS_METHOD_NOT_VALID_IN_STATE, "the session is being torn down");
                return;
        }
        source_session_reply(s, m, RTSP_STATUS_OK);
        s->pause_requested = false;
        if (s->phase == PHASE_PLAYING) {
                s->phase = PHASE_PAUSED;
                source_session_push_media(s, SOURCE_SESSION_ACTION_MEDIA_PAUSE);
                s->media_state = MEDIA_PAUSED;
                s->idr_pending = false;
        }
}

static void handle_teardown(struct source_session *s, const struct rtsp_message *m, uint64_t now)
{
        bool ours = s->phase == PHASE_ENDING;

        source_session_reply(s, m, RTSP_STATUS_OK);
        if (ours)
                source_session_end(s, SOURCE_SESSION_END_TEARDOWN_BY_USER, 0,
                                   "stopped: the sink sent TEARDOWN as asked");
        else
                source_session_end(s, SOURCE_SESSION_END_TEARDOWN_BY_SINK, 0, "the sink ended the session (TEARDOWN)");
}

static void handle_get_parameter(struct source_session *s, const struct rtsp_message *m, uint64_t now)
{
        /* A sink keep-alive (empty body) or a question we have no parameters for: 200, empty. */
        if (m->body_len > 0)
                source_session_log(s, SOURCE_SESSION_LOG_DEBUG, 0, "sink asked for parameters; we have none to report");
        source_session_reply(s, m, RTSP_STATUS_OK);
}

static void handle_set_parameter(struct source_session *s, const struct rtsp_message *m, uint64_t now)
{
        struct wfd_param_list *l;
        const struct wfd_param *p;
        const char *ct = rtsp_message_get_header(m, "Content-Type");
        bool idr = false, standby = false;
        int r;

        if (m->body_len == 0) {
                source_session_reply(s, m, RTSP_STATUS_OK); /* keep-alive */
                return;
        }
        if (ct && strncmp(ct, "text/parameters", 15) != 0) {
                char e[64];
                source_session_reject(s, m, RTSP_STATUS_UNSUPPORTED_MEDIA_TYPE,
                                      "Content-Type \"%s\" is not text/parameters",
                                      source_session_escape(ct, e, sizeof(e)));
                return;
        }
        l = malloc(sizeof(*l));
        if (!l) {
                s->oom = -ENOMEM;
                return;
        }
        r = wfd_params_parse_body(m->body, m->body_len, l);
        if (r < 0) {
                free(l);
                source_session_reject(s, m, RTSP_STATUS_BAD_REQUEST, "unreadable SET_PARAMETER body (%s)",
                                      strerror(-r));
                return;
        }

        for (size_t i = 0; i < l->n; i++) {
                p = &l->params[i];
                switch (wfd_param_id_from_string(p->name, p->name_len)) {
                case WFD_PARAM_IDR_REQUEST:                                     /* M13 */
                        idr = true;
                        break;
                case WFD_PARAM_STANDBY:                                         /* M12 */
                        standby = true;
                        break;
                case WFD_PARAM_ROUTE: {                                         /* M10 */
                        enum wfd_route route;
                        if (!p->has_value || wfd_route_parse(p->value, p->value_len, &route) < 0) {
                                free(l);
                                source_session_reject(s, m, RTSP_STATUS_BAD_REQUEST, "malformed wfd_route");
                                return;
                        }
                        if (route != WFD_ROUTE_PRIMARY) {
                                free(l);
                                source_session_reject(s, m, RTSP_STATUS_NOT_IMPLEMENTED,
                                                      "audio routing to a secondary (coupled) sink is not supported");
                                return;
                        }
                        break;
                }
                case WFD_PARAM_CONNECTOR_TYPE:                                  /* M11 */
                        source_session_log(s, SOURCE_SESSION_LOG_INFO, 0, "sink changed its connector type");
                        break;
                case WFD_PARAM_UIBC_CAPABILITY:                                 /* M14 */
                        source_session_log(s, SOURCE_SESSION_LOG_DEBUG, 0,
                                           "sink's mid-session wfd_uibc_capability ignored; the M3 one counts");
                        break;
                case WFD_PARAM_UIBC_SETTING: {                                  /* M15 */
                        bool enable;
                        if (!p->has_value || wfd_uibc_setting_parse(p->value, p->value_len, &enable) < 0) {
                                free(l);
                                source_session_reject(s, m, RTSP_STATUS_BAD_REQUEST, "malformed wfd_uibc_setting");
                                return;
                        }
                        if (source_session_uibc_sink_setting(s, enable) != RTSP_STATUS_OK) {
                                free(l);
                                source_session_reject(s, m, RTSP_STATUS_NOT_ACCEPTABLE,
                                                      "wfd_uibc_setting: enable, but input is not allowed for "
                                                      "this session");
                                return;
                        }
                        break;
                }
                case WFD_PARAM_TRIGGER_METHOD:
                        free(l);
                        source_session_reject(s, m, RTSP_STATUS_NOT_ACCEPTABLE,
                                              "trigger methods go from source to sink only");
                        return;
                default:
                        break; /* unknown and vendor lines are ignored (docs/protocol.md, "RTSP framing") */
                }
        }
        free(l);

        source_session_reply(s, m, RTSP_STATUS_OK);
        if (idr)
                request_idr(s, now);
        if (standby && s->phase == PHASE_PLAYING) {
                s->phase = PHASE_PAUSED;
                source_session_push_media(s, SOURCE_SESSION_ACTION_MEDIA_PAUSE);
                s->media_state = MEDIA_PAUSED;
                s->idr_pending = false;
        }
}

static void handle_request(struct source_session *s, const struct rtsp_message *m, uint64_t now)
{
        const char *require = rtsp_message_get_header(m, "Require");
        uint32_t cseq;
        char e[64];

        if (rtsp_message_get_cseq(m, &cseq) < 0) {
                source_session_reject(s, m, RTSP_STATUS_BAD_REQUEST, "missing or malformed CSeq");
                return;
        }
        if (m->version_major != 1 || m->version_minor != 0) {
                source_session_reject(s, m, RTSP_STATUS_VERSION_NOT_SUPPORTED, "RTSP/%u.%u", m->version_major,
                                      m->version_minor);
                return;
        }
        if (require) {
                /* Every option other than org.wfa.wfd1.0 is unsupported (551). */
                char opt[128];
                const char *c = require;
                while (*c) {
                        size_t n = strcspn(c, ",");
                        const char *x = c;
                        size_t xn = n;
                        while (xn > 0 && (*x == ' ' || *x == '\t')) {
                                x++;
                                xn--;
                        }
                        while (xn > 0 && (x[xn - 1] == ' ' || x[xn - 1] == '\t'))
                                xn--;
                        if (xn > 0 && !(xn == strlen(WFD_OPTION) && memcmp(x, WFD_OPTION, xn) == 0)) {
                                struct reply r;
                                snprintf(opt, sizeof(opt), "%.*s", (int) MIN(xn, sizeof(opt) - 1), x);
                                source_session_reply_start(s, &r, m, RTSP_STATUS_OPTION_NOT_SUPPORTED, 0);
                                rtsp_builder_header(&r.b, "Unsupported", source_session_escape(opt, e, sizeof(e)));
                                source_session_send_built(s, &r.b, NULL, NULL, 0);
                                source_session_log(s, SOURCE_SESSION_LOG_WARNING, RTSP_STATUS_OPTION_NOT_SUPPORTED,
                                                   "answered 551 Option not supported: Require \"%s\"", e);
                                return;
                        }
                        c += n;
                        if (*c == ',')
                                c++;
                }
        }

        switch (m->method) {
        case RTSP_METHOD_OPTIONS:
                handle_options(s, m, now);
                break;
        case RTSP_METHOD_GET_PARAMETER:
                handle_get_parameter(s, m, now);
                break;
        case RTSP_METHOD_SET_PARAMETER:
                handle_set_parameter(s, m, now);
                break;
        case RTSP_METHOD_SETUP:
                handle_setup(s, m, now);
                break;
        case RTSP_METHOD_PLAY:
                handle_play(s, m, now);
                break;
        case RTSP_METHOD_PAUSE:
                handle_pause(s, m, now);
                break;
        case RTSP_METHOD_TEARDOWN:
                handle_teardown(s, m, now);
                break;
        case RTSP_METHOD_UNKNOWN:
                source_session_reject(s, m, RTSP_STATUS_NOT_IMPLEMENTED, "unknown method");
                break;
        default: {
                /* DESCRIBE, ANNOUNCE, RECORD, REDIRECT: real RTSP methods a WFD source does not take. */
                struct reply r;
                source_session_reply_start(s, &r, m, RTSP_STATUS_METHOD_NOT_ALLOWED, 0);
                rtsp_builder_header(&r.b, "Allow", PUBLIC_METHODS);
                source_session_send_built(s, &r.b, NULL, NULL, 0);
                source_session_log(s, SOURCE_SESSION_LOG_WARNING, RTSP_STATUS_METHOD_NOT_ALLOWED,
                                   "answered 405 Method Not Allowed to %s", m->method_name);
                break;
        }
        }
}

static void handle_message(struct source_session *s, const struct rtsp_message *m, uint64_t now)
{
        s->last_sink_activity = now; /* every valid sink message is a life sign */
        update_identity(s, m);
        if (m->type == RTSP_MESSAGE_REQUEST)
                handle_request(s, m, now);
        else
                handle_response(s, m, now);
}

/* ---- public entry points --------------------------------------------------------- */

static bool is_token(const char *s)
{
        if (!s || !*s)
                return false;
        for (; *s; s++)
                if ((unsigned char) *s <= 32 || (unsigned char) *s >= 127 || strchr("()<>@,;:\\\"/[]?={}", *s))
                        return false;
        return true;
}

int source_session_new(const struct source_session_config *config, struct source_session **ret)
{
        _cleanup_(source_session_freep) struct source_session *s = NULL;

        if (!config || !ret || !is_token(config->session_id) ||
            strlen(config->session_id) >= SOURCE_SESSION_MAX_SESSION_ID ||
            !config->local_address || !*config->local_address || !config->peer_address ||
            !*config->peer_address || strlen(config->peer_address) >= sizeof(s->media.peer_address) ||
            config->server_rtp_port == 0 || config->server_rtp_port == 65535)
                return -EINVAL;

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->config = *config;
        s->session_id = strdup(config->session_id);
        s->local_address = strdup(config->local_address);
        s->peer_address = strdup(config->peer_address);
        if (config->identity.device_name)
                s->device_name = strdup(config->identity.device_name);
        if (!s->session_id || !s->local_address || !s->peer_address ||
            (config->identity.device_name && !s->device_name))
                return -ENOMEM;
        /* The copied config must not point at the caller's strings. */
        s->config.session_id = s->session_id;
        s->config.local_address = s->local_address;
        s->config.peer_address = s->peer_address;
        s->config.identity.device_name = s->device_name;
        s->config.identity.user_agent = NULL;
        s->config.identity.server = NULL;

        s->timeout_sec = config->session_timeout_sec ? config->session_timeout_sec : SOURCE_SESSION_TIMEOUT_SEC;
        s->response_timeout = config->response_timeout_usec ?: SOURCE_SESSION_RESPONSE_TIMEOUT_USEC;
        s->m2_timeout = config->m2_timeout_usec ?: SOURCE_SESSION_M2_TIMEOUT_USEC;
        s->setup_timeout = config->setup_timeout_usec ?: SOURCE_SESSION_SETUP_TIMEOUT_USEC;
        s->first_keepalive = config->first_keepalive_usec ?: SOURCE_SESSION_FIRST_KEEPALIVE_USEC;
        s->grace = config->teardown_grace_usec ?: SOURCE_SESSION_TEARDOWN_GRACE_USEC;
        s->idr_coalesce = config->idr_coalesce_usec ?: SOURCE_SESSION_IDR_COALESCE_USEC;
        s->send_gap = config->send_gap_usec ?: SOURCE_SESSION_SEND_GAP_USEC;

        rtsp_parser_init(&s->parser);
        s->phase = PHASE_INIT;
        s->reported_state = SOURCE_SESSION_STATE_CONNECTING;
        s->next_cseq = 1;
        s->keepalive_enabled = true;
        s->uibc_allowed = config->input_allowed && config->uibc_port != 0;
        s->uibc_port = config->uibc_port;

        {
                struct sink_identity id = s->config.identity;
                s->quirks = (sink_quirks_lookup(&id, NULL) | config->quirks_add) & ~config->quirks_remove;
                if (s->quirks & SINK_QUIRK_NO_KEEPALIVE)
                        s->keepalive_enabled = false;
        }
        snprintf(s->media.peer_address, sizeof(s->media.peer_address), "%s", s->peer_address);
        s->media.peer_rtp_port = SOURCE_SESSION_DEFAULT_RTP_PORT;
        s->media.server_rtp_port = config->server_rtp_port;

        *ret = steal_ptr(s);
        return 0;
}

struct source_session *source_session_free(struct source_session *s)
{
        if (!s)
                return NULL;
        free(s->session_id);
        free(s->local_address);
        free(s->peer_address);
        free(s->device_name);
        free(s->user_agent);
        free(s->server);
        if (s->has_caps)
                wfd_sink_caps_clear(&s->caps);
        free(s->sink_parameters);
        free(s->negotiation);
        free(s->next_negotiation);
        for (size_t i = 0; i < s->n_held; i++)
                free(s->held[i].data);
        free(s->items);
        free(s->item_offsets);
        free(s->item_texts);
        free(s->out);
        free(s);
        return NULL;
}


int source_session_start(struct source_session *s, uint64_t now_usec, struct source_session_actions *ret)
{
        BEGIN(s, now_usec, ret);
        if (s->phase != PHASE_INIT)
                return -EALREADY;
        s->phase = PHASE_M1;
        s->last_sink_activity = now_usec;
        (void) source_session_send_request(s, REQUEST_M1, "OPTIONS", "*", NULL, 0, now_usec);
        return source_session_finish_call(s, ret);
}

int source_session_receive(struct source_session *s, const void *data, size_t len, uint64_t now_usec,
                           struct source_session_actions *ret)
{
        const char *p = data;
        struct rtsp_interleaved_frame f;
        struct rtsp_message m;
        int r;

        BEGIN(s, now_usec, ret);
        if (len > 0 && !data)
                return -EINVAL;
        if (s->phase == PHASE_INIT)
                return -ENOTCONN;

        while (len > 0 && s->phase != PHASE_ENDED) {
                size_t n = rtsp_parser_feed(&s->parser, p, len);
                p += n;
                len -= n;
                for (;;) {
                        r = rtsp_parser_next_item(&s->parser, &m, &f);
                        if (r == -EAGAIN)
                                break;
                        if (r == RTSP_ITEM_FRAME) {
                                /* RTCP from the sink (or anything on its channels): the media's business */
                                if (s->media.interleaved && (f.channel == s->media.interleaved_channel[0] ||
                                                             f.channel == s->media.interleaved_channel[1]))
                                        source_session_push_frame(s, f.channel, f.data, f.len);
                                else
                                        s->frames_dropped++;
                                if (s->oom)
                                        break;
                                continue;
                        }
                        if (r < 0) {
                                unsigned status = rtsp_error_to_status(r);
                                struct reply rp;
                                source_session_reply_start(s, &rp, NULL, status, 0);
                                source_session_send_built(s, &rp.b, NULL, NULL, 0);
                                source_session_log(s, SOURCE_SESSION_LOG_WARNING, status, "answered %u %s: %s", status,
                                                   rtsp_status_to_string(status), rtsp_error_to_string(r));
                                source_session_end(s, SOURCE_SESSION_END_PROTOCOL_ERROR, -EPROTO,
                                                   "sink sent an invalid RTSP message: %s", rtsp_error_to_string(r));
                                break;
                        }
                        handle_message(s, &m, now_usec);
                        if (s->phase == PHASE_ENDED || s->oom)
                                break;
                }
                if (s->oom)
                        break;
                if (n == 0 && s->phase != PHASE_ENDED)
                        break; /* cannot happen: a full parser buffer always holds a message or an error */
        }
        return source_session_finish_call(s, ret);
}

int source_session_timer(struct source_session *s, uint64_t now, struct source_session_actions *ret)
{
        BEGIN(s, now, ret);

        for (size_t i = 0; i < MAX_PENDING && s->phase != PHASE_ENDED; i++) {
                struct pending_request *p = &s->pending[i];
                if (!p->used || !p->sent || p->deadline_usec > now)
                        continue;
                p->used = false;
                if (p->kind == REQUEST_M16)
                        continue; /* liveness decides, below */
                if (p->kind == REQUEST_M5_TEARDOWN)
                        continue; /* the grace timer decides */
                if (p->kind == REQUEST_UIBC) {
                        source_session_log(s, SOURCE_SESSION_LOG_WARNING, 0,
                                           "no reply to our wfd_uibc_setting; input stays as it was");
                        continue;
                }
                if (p->kind == REQUEST_M4_CHANGE) {
                        source_session_log(s, SOURCE_SESSION_LOG_WARNING, 0,
                                           "no reply to the format change; keeping the format");
                        s->next_negotiation = mfree(s->next_negotiation);
                        continue;
                }
                source_session_end(s, SOURCE_SESSION_END_RESPONSE_TIMEOUT, -ETIMEDOUT, "no reply to %s within %llu ms",
                                   source_session_request_name(p->kind),
                                   (unsigned long long) (s->response_timeout / 1000));
        }
        if (s->phase == PHASE_WAIT_M2 && now >= s->m2_deadline) {
                source_session_log(s, SOURCE_SESSION_LOG_WARNING, 0,
                                   "sink sent no M2 (OPTIONS) in time; sending M3 anyway");
                source_session_negotiate_send_m3(s, now);
        }
        if ((s->phase == PHASE_WAIT_SETUP || s->phase == PHASE_WAIT_PLAY) && now >= s->wait_deadline)
                source_session_end(s, SOURCE_SESSION_END_SINK_TIMEOUT, -ETIMEDOUT, "sink sent no %s in time",
                                   s->phase == PHASE_WAIT_SETUP ? "SETUP (M6) after the trigger"
                                                                : "PLAY (M7) after SETUP");
        if (s->phase == PHASE_ENDING && now >= s->grace_deadline)
                source_session_end(s, SOURCE_SESSION_END_TEARDOWN_BY_USER, 0,
                                   "stopped: the sink sent no TEARDOWN within the grace time, closing");
        if (source_session_liveness_active(s) && now >= source_session_liveness_deadline(s))
                source_session_end(s, SOURCE_SESSION_END_KEEPALIVE_TIMEOUT, -ETIMEDOUT,
                                   "sink silent for %u s (no keep-alive reply)", s->timeout_sec);
        if (s->keepalive_enabled && (s->phase == PHASE_PLAYING || s->phase == PHASE_PAUSED) &&
            now >= s->keepalive_at) {
                if (!source_session_pending_has(s, REQUEST_M16))
                        (void) source_session_send_request(s, REQUEST_M16, "GET_PARAMETER", SOURCE_URI, NULL, 0, now);
                s->keepalive_at = now + keepalive_interval(s);
        }
        if (s->idr_pending && now >= s->idr_deadline) {
                s->idr_pending = false;
                if (s->phase == PHASE_PLAYING && s->media_state == MEDIA_RUNNING) {
                        source_session_push_media(s, SOURCE_SESSION_ACTION_MEDIA_REQUEST_IDR);
                        s->last_idr = now;
                }
        }
        return source_session_finish_call(s, ret);
}

int source_session_connection_closed(struct source_session *s, int error, uint64_t now,
                                     struct source_session_actions *ret)
{
        BEGIN(s, now, ret);
        if (s->phase == PHASE_ENDING)
                source_session_end(s, SOURCE_SESSION_END_TEARDOWN_BY_USER, 0,
                                   "stopped: the sink closed the connection");
        else if (error < 0)
                source_session_end(s, SOURCE_SESSION_END_CONNECTION_CLOSED, error, "connection to the sink failed: %s",
                                   strerror(-error));
        else
                source_session_end(s, SOURCE_SESSION_END_CONNECTION_CLOSED, -ECONNRESET,
                                   "the sink closed the connection");
        return source_session_finish_call(s, ret);
}

int source_session_media_started(struct source_session *s, uint64_t now, struct source_session_actions *ret)
{
        BEGIN(s, now, ret);
        source_session_log(s, SOURCE_SESSION_LOG_DEBUG, 0, "media flowing");
        return source_session_finish_call(s, ret);
}

int source_session_media_failed(struct source_session *s, int error, const char *text, uint64_t now,
                                struct source_session_actions *ret)
{
        char e[128];

        BEGIN(s, now, ret);
        s->media_state = MEDIA_STOPPED; /* it is gone already, no MEDIA_STOP */
        if (s->session_created && s->phase != PHASE_ENDING) {
                /* Tell the sink, politely. We close right after, so nothing is held back: the sink
                 * reads what is there, then the end of the connection. */
                source_session_send_trigger(s, REQUEST_M5_TEARDOWN, WFD_TRIGGER_TEARDOWN, now);
                source_session_pacer_flush(s);
        }
        source_session_end(s, SOURCE_SESSION_END_MEDIA_FAILED, error < 0 ? error : -EIO, "media failed: %s",
                           source_session_escape(text ? text : strerror(error < 0 ? -error : EIO), e, sizeof(e)));
        return source_session_finish_call(s, ret);
}

int source_session_pause(struct source_session *s, uint64_t now, struct source_session_actions *ret)
{
        BEGIN(s, now, ret);
        if (s->phase == PHASE_ENDING)
                return -ESHUTDOWN;
        if (s->phase == PHASE_PAUSED || s->pause_requested)
                return -EALREADY;
        if (s->phase != PHASE_PLAYING)
                return -ENOTCONN;
        s->pause_requested = true;
        source_session_send_trigger(s, REQUEST_M5_PAUSE, WFD_TRIGGER_PAUSE, now);
        return source_session_finish_call(s, ret);
}

int source_session_resume(struct source_session *s, uint64_t now, struct source_session_actions *ret)
{
        BEGIN(s, now, ret);
        if (s->phase == PHASE_ENDING)
                return -ESHUTDOWN;
        if (s->phase == PHASE_PLAYING || s->resume_requested)
                return -EALREADY;
        if (s->phase != PHASE_PAUSED)
                return -ENOTCONN;
        s->resume_requested = true;
        source_session_send_trigger(s, REQUEST_M5_PLAY, WFD_TRIGGER_PLAY, now);
        return source_session_finish_call(s, ret);
}

int source_session_teardown(struct source_session *s, uint64_t now, struct source_session_actions *ret)
{
        BEGIN(s, now, ret);
        if (s->phase == PHASE_ENDING)
                return -EALREADY;
        if (!s->session_created)
                /* Nothing set up on the sink yet: just go. */
                source_session_end(s, SOURCE_SESSION_END_TEARDOWN_BY_USER, 0, "stopped before the session was set up");
        else {
                source_session_send_trigger(s, REQUEST_M5_TEARDOWN, WFD_TRIGGER_TEARDOWN, now);
                if (s->phase != PHASE_ENDED) {
                        s->phase = PHASE_ENDING;
                        s->grace_deadline = now + s->grace;
                }
        }
        return source_session_finish_call(s, ret);
}

int source_session_request_idr(struct source_session *s, uint64_t now, struct source_session_actions *ret)
{
        BEGIN(s, now, ret);
        if (s->phase == PHASE_ENDING)
                return -ESHUTDOWN;
        if (s->phase != PHASE_PLAYING && s->phase != PHASE_PAUSED)
                return -ENOTCONN;
        request_idr(s, now);
        return source_session_finish_call(s, ret);
}

int source_session_set_bitrate(struct source_session *s, uint32_t bitrate_bps, uint64_t now,
                               struct source_session_actions *ret)
{
        struct source_session_action *a;

        BEGIN(s, now, ret);
        if (bitrate_bps == 0)
                return -EINVAL;
        if (s->phase == PHASE_ENDING)
                return -ESHUTDOWN;
        s->bitrate_override = bitrate_bps;
        if (s->negotiated)
                s->media.format.bitrate_bps = bitrate_bps;
        if (s->media_state != MEDIA_STOPPED) {
                a = source_session_push_action(s, SOURCE_SESSION_ACTION_MEDIA_SET_BITRATE);
                if (a)
                        a->bitrate_bps = bitrate_bps;
        }
        return source_session_finish_call(s, ret);
}

enum source_session_state source_session_get_state(const struct source_session *s)
{
        return source_session_phase_to_state(s->phase);
}

enum source_session_end_reason source_session_get_end_reason(const struct source_session *s,
                                                             const char **ret_text)
{
        if (ret_text)
                *ret_text = s->end_reason == SOURCE_SESSION_END_NONE ? "" : s->end_text;
        return s->end_reason;
}

int source_session_get_info(const struct source_session *s, struct source_session_info *ret)
{
        if (!s->negotiated)
                return -ENODATA;
        *ret = s->info;
        return 0;
}

const struct source_session_media *source_session_get_media(const struct source_session *s)
{
        return s->negotiated ? &s->media : NULL;
}

const char *source_session_get_sink_parameters(const struct source_session *s)
{
        return s->sink_parameters;
}

const char *source_session_get_sink_user_agent(const struct source_session *s)
{
        return s->user_agent ? s->user_agent : s->server;
}

unsigned source_session_get_quirks(const struct source_session *s)
{
        return s->quirks;
}
