/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Wi-Fi Display source state machine (M1-M16), pure: no I/O, no clock, no
 * randomness. The daemon feeds it events and carries out the actions it returns.
 *
 *   events in                               actions out (kinds; a call returns them in order)
 *   source_session_start()       ----\      SEND          bytes to write to the RTSP connection
 *   source_session_receive()          \     NEGOTIATED    session info + format are known
 *   source_session_timer()             >--> MEDIA_START   stream media->format to media->peer
 *   source_session_connection_closed() /    MEDIA_PAUSE / MEDIA_RESUME (resume starts with an IDR)
 *   source_session_media_started()/failed() MEDIA_REQUEST_IDR / MEDIA_SET_BITRATE
 *   source_session_pause()/resume()/        MEDIA_CHANGE_FORMAT / MEDIA_STOP
 *     teardown()/request_idr()/             TIMER         (re)arm THE one timer at an absolute time
 *     set_bitrate()/change_format()         STATE_CHANGED LOG  ENDED
 *
 * Actions must be carried out in array order: bytes queued before media starts
 * (reply to PLAY first, then RTP), and ENDED is always last: flush the queued
 * bytes, then close the connection. Time is CLOCK_MONOTONIC usec given by the caller.
 *
 * Each SEND is one whole RTSP message; write it when it comes. Two of our
 * messages never come in one call unless the first is a reply (several requests
 * in one read) or the session ends: a request of ours that would follow our
 * previous message too closely is held back and comes with a later call, usually
 * the TIMER (docs/rtsp-pacing.md). Fire the timer within a few ms of its time.
 *
 * Flow (docs/protocol.md, "Message flow"):
 *   start -> M1 OPTIONS -> (M1 200 + M2 answered) -> M3 GET_PARAMETER -> negotiate ->
 *   M4 SET_PARAMETER -> M5 trigger SETUP -> sink SETUP (M6) -> sink PLAY (M7) -> playing
 *   playing: M16 keep-alives, M13 IDR requests, M9 PAUSE, M7 PLAY, M8 TEARDOWN,
 *            M10-M15 SET_PARAMETERs, our M5 PAUSE/PLAY/TEARDOWN triggers, mid-session M4.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sink_quirks.h"

struct source_session;

/* Defaults (docs/protocol.md, "Keep-alive"), used when a config field is 0. */
#define SOURCE_SESSION_RESPONSE_TIMEOUT_USEC  (5 * 1000000ULL)   /* per request */
#define SOURCE_SESSION_M2_TIMEOUT_USEC        (5 * 1000000ULL)   /* wait for M2 before M3 anyway */
#define SOURCE_SESSION_SETUP_TIMEOUT_USEC     (10 * 1000000ULL)  /* M5 SETUP acked -> M6; M6 -> M7 */
#define SOURCE_SESSION_TIMEOUT_SEC            30                 /* Session: id;timeout=30 */
#define SOURCE_SESSION_FIRST_KEEPALIVE_USEC   (20 * 1000000ULL)  /* first M16 after PLAY */
#define SOURCE_SESSION_TEARDOWN_GRACE_USEC    (2 * 1000000ULL)   /* M5 TEARDOWN -> close */
#define SOURCE_SESSION_IDR_COALESCE_USEC      (300 * 1000ULL)    /* M13 storms -> one IDR per window */
#define SOURCE_SESSION_SEND_GAP_USEC          (100 * 1000ULL)    /* our request after an unanswered message
                                                                    of ours (docs/rtsp-pacing.md) */
#define SOURCE_SESSION_DEFAULT_RTP_PORT       19000              /* when the sink names none */
#define SOURCE_SESSION_MAX_SESSION_ID         64                 /* bytes incl. NUL */

/* What D-Bus shows (Session1.State). */
enum source_session_state {
        SOURCE_SESSION_STATE_CONNECTING,        /* created, source_session_start() not called */
        SOURCE_SESSION_STATE_NEGOTIATING,       /* M1 .. M7 */
        SOURCE_SESSION_STATE_PLAYING,
        SOURCE_SESSION_STATE_PAUSED,
        SOURCE_SESSION_STATE_ENDING,            /* TEARDOWN triggered, waiting for M8 or the grace time */
        SOURCE_SESSION_STATE_ENDED,
        _SOURCE_SESSION_STATE_MAX,
};

enum source_session_end_reason {
        SOURCE_SESSION_END_NONE,                        /* still running */
        SOURCE_SESSION_END_TEARDOWN_BY_SINK,            /* sink sent TEARDOWN (M8) on its own */
        SOURCE_SESSION_END_TEARDOWN_BY_USER,            /* source_session_teardown(): M8 or grace expired */
        SOURCE_SESSION_END_CONNECTION_CLOSED,           /* peer closed / reset the TCP connection */
        SOURCE_SESSION_END_RESPONSE_TIMEOUT,            /* no reply to one of our requests in time */
        SOURCE_SESSION_END_SINK_TIMEOUT,                /* no SETUP/PLAY after the trigger, or no M2 */
        SOURCE_SESSION_END_KEEPALIVE_TIMEOUT,           /* sink silent for the session timeout */
        SOURCE_SESSION_END_SINK_REFUSED,                /* non-200 reply to M1/M3/M4/M5 */
        SOURCE_SESSION_END_NOT_WFD,                     /* peer is not a WFD sink */
        SOURCE_SESSION_END_PROTOCOL_ERROR,              /* unparseable bytes, RTSP limits exceeded */
        SOURCE_SESSION_END_NEGOTIATION_FAILED,          /* M3 reply unusable, or 303 to M4 twice */
        SOURCE_SESSION_END_INSUFFICIENT_RESOURCES,      /* wfd_negotiate(): -ENOSR, bandwidth too low */
        SOURCE_SESSION_END_MEDIA_FAILED,                /* source_session_media_failed() */
        _SOURCE_SESSION_END_MAX,
};

enum source_session_audio_codec {
        SOURCE_SESSION_AUDIO_NONE,
        SOURCE_SESSION_AUDIO_LPCM,
        SOURCE_SESSION_AUDIO_AAC,
        SOURCE_SESSION_AUDIO_AC3,
};

/* The negotiated stream format: everything the encoder and muxer need. */
struct source_session_format {
        unsigned width, height, fps;            /* progressive always */
        unsigned h264_profile_idc;              /* 66 Constrained Baseline, 100 Constrained High */
        unsigned h264_constraint_flags;         /* 0xC0 for CBP, 0x0C for CHP (docs/protocol.md, "Video formats") */
        unsigned h264_level_idc;                /* 31, 32, 40, 41, 42 */
        bool single_slice;                      /* sink's min-slice-size is 0 */
        enum source_session_audio_codec audio_codec;
        unsigned audio_sample_rate_hz;          /* 48000 or 44100; 0 without audio */
        unsigned audio_channels;                /* 2 .. 8; 0 without audio */
        uint32_t bitrate_bps;                   /* starting bitrate */
        bool sink_sends_idr_requests;           /* wfd_idr_request_capability: 1 (or unknown) */
        bool periodic_idr;                      /* sink cannot be trusted to send M13: IDR every 1-2 s */
};

/* Where and how to stream: given with MEDIA_START and MEDIA_CHANGE_FORMAT. */
struct source_session_media {
        struct source_session_format format;
        char peer_address[64];                  /* config.peer_address */
        uint16_t peer_rtp_port;                 /* sink's client_port (RTP) */
        uint16_t peer_rtcp_port;                /* second port of a client_port range, 0 if none */
        uint16_t server_rtp_port;               /* our UDP source port (config) */
        bool tcp;                               /* RTP/AVP/TCP: we connect to peer_rtp_port and send the
                                                 * packets framed by their length (RFC 4571), no RTCP */
        bool interleaved;                       /* with tcp: RTP in the RTSP connection itself, '$'
                                                 * frames (RFC 2326 10.12); no connection of our own */
        uint8_t interleaved_channel[2];         /* RTP, RTCP channel */
};

/* What StartMiracastSession reports once the M3 reply is negotiated. */
struct source_session_info {
        bool monitor_connected;                 /* the sink reports a display (EDID/connector) */
        bool reduced_mode_list_due_to_bandwidth;
};

/* Source limits the negotiation honours (negotiate.h's wfd_source_limits). 0 = no limit / default. */
struct source_session_limits {
        unsigned max_width, max_height, max_fps;                        /* configured maxima */
        unsigned encoder_max_width, encoder_max_height, encoder_max_fps;/* what the encoder can do */
        unsigned encoder_max_level_idc;         /* 0 = 42 (level 4.2) */
        bool encoder_supports_chp;              /* Constrained High available */
        uint64_t max_bitrate_bps;               /* configured maximum */
        unsigned aspect_width, aspect_height;   /* framebuffer aspect hint, e.g. 16:9 */
        bool no_audio;                          /* offer video only */
};

/* Windows' MIRACAST_WFD_CONNECTION_STATS, bit/s; 0 = unknown. */
struct source_session_connection_stats {
        uint64_t suggested_bps;
        uint64_t local_max_bps;
        uint64_t remote_max_bps;
};

struct source_session_config {
        const char *session_id;                 /* opaque random id, token chars, < 64 bytes (required) */
        const char *local_address;              /* our IP on the link, for wfd_presentation_URL (required) */
        uint16_t local_rtsp_port;               /* put in the URL when non-zero */
        const char *peer_address;               /* the sink's IP, media destination (required) */
        uint16_t server_rtp_port;               /* our UDP port, announced as server_port (required) */
        struct source_session_limits limits;
        struct source_session_connection_stats stats;
        struct sink_identity identity;          /* what P2P knows: device name, WFD IE (strings copied) */
        unsigned quirks_add;                    /* forced on (daemon config), enum sink_quirk bits */
        unsigned quirks_remove;                 /* forced off, wins over the table and quirks_add */

        /* UIBC (docs/uibc.md): offered in M4 only when input_allowed and the sink lists input in M3. */
        bool input_allowed;                     /* the person allowed input from the display */
        uint16_t uibc_port;                     /* our UIBC TCP listener (required with input_allowed) */

        int latency_mode;                       /* enum latency_mode (latency_mode.h): a sink with
                                                 * microsoft_latency_management_capability: supported
                                                 * hears it in M4 as low, normal or high */

        unsigned session_timeout_sec;           /* 0 = SOURCE_SESSION_TIMEOUT_SEC */
        uint64_t response_timeout_usec;         /* 0 = default; likewise the others */
        uint64_t m2_timeout_usec;
        uint64_t setup_timeout_usec;
        uint64_t first_keepalive_usec;
        uint64_t teardown_grace_usec;
        uint64_t idr_coalesce_usec;
        uint64_t send_gap_usec;
};

enum source_session_action_type {
        SOURCE_SESSION_ACTION_SEND,             /* .send: write these bytes */
        SOURCE_SESSION_ACTION_NEGOTIATED,       /* .info, and source_session_get_media() has the format */
        SOURCE_SESSION_ACTION_MEDIA_START,      /* .media */
        SOURCE_SESSION_ACTION_MEDIA_PAUSE,
        SOURCE_SESSION_ACTION_MEDIA_RESUME,     /* start again with an IDR (SPS/PPS first) */
        SOURCE_SESSION_ACTION_MEDIA_REQUEST_IDR,
        SOURCE_SESSION_ACTION_MEDIA_SET_BITRATE,/* .bitrate_bps */
        SOURCE_SESSION_ACTION_MEDIA_CHANGE_FORMAT, /* .media: new format from the next IDR on */
        SOURCE_SESSION_ACTION_MEDIA_STOP,
        SOURCE_SESSION_ACTION_TIMER,            /* .timer_usec: arm at this absolute time; 0 = disarm */
        SOURCE_SESSION_ACTION_STATE_CHANGED,    /* .state */
        SOURCE_SESSION_ACTION_LOG,              /* .log: something odd happened, for the daemon's log */
        SOURCE_SESSION_ACTION_UIBC,             /* .uibc: inject input from now on, or stop (destroy the device) */
        SOURCE_SESSION_ACTION_ENDED,            /* .ended: flush SEND bytes, close; nothing follows */
        SOURCE_SESSION_ACTION_FRAME,            /* .frame: an interleaved frame from the sink (RTCP on
                                                 * media.interleaved_channel[1], typically) */
};

enum source_session_log_level {
        SOURCE_SESSION_LOG_DEBUG,
        SOURCE_SESSION_LOG_INFO,
        SOURCE_SESSION_LOG_WARNING,             /* e.g. we answered a sink request with an error status */
};

struct source_session_action {
        enum source_session_action_type type;
        union {
                struct {
                        const char *data;
                        size_t len;
                } send;
                const struct source_session_info *info;
                const struct source_session_media *media;
                uint32_t bitrate_bps;
                uint64_t timer_usec;
                enum source_session_state state;
                struct {
                        bool active;            /* allowed, offered, enabled by the sink, and playing */
                        uint32_t generic_types; /* 1 << enum wfd_uibc_input_type agreed with the sink */
                } uibc;
                struct {
                        enum source_session_log_level level;
                        unsigned status;        /* RTSP status we answered, 0 if none */
                        const char *text;       /* peer strings in it are escaped */
                } log;
                struct {
                        uint8_t channel;
                        const uint8_t *data;
                        size_t len;             /* at most RTSP_MAX_INTERLEAVED_FRAME */
                } frame;
                struct {
                        enum source_session_end_reason reason;
                        int error;              /* matching -errno, 0 for a clean TEARDOWN */
                        const char *text;       /* human-readable, e.g. "no reply to M3 within 5 s" */
                } ended;
        };
};

/*
 * The actions of one call, valid (with every pointer in them) until the next call
 * on the session. Never NULL after a successful call; n may be 0.
 */
struct source_session_actions {
        const struct source_session_action *items;
        size_t n;
};

/*
 * Create a session from config (strings are copied). Returns 0, -EINVAL when a
 * required field is missing or the session id is not a token, -ENOMEM.
 */
int source_session_new(const struct source_session_config *config, struct source_session **ret);

/* Free everything. Accepts NULL, returns NULL. */
struct source_session *source_session_free(struct source_session *s);

/*
 * The sink has connected: send M1 (OPTIONS * with Require: org.wfa.wfd1.0, CSeq 1) and
 * arm the response timer. -EALREADY when called twice.
 *
 * Every event function below returns 0 and fills *ret with the actions (possibly
 * ending the session: see ENDED), or -ESHUTDOWN once the session has ended, -EINVAL
 * on bad arguments, -ENOMEM. Bad input from the sink never gives an error return:
 * it is answered with the right RTSP status (LOG action) or ends the session.
 */
int source_session_start(struct source_session *s, uint64_t now_usec,
                         struct source_session_actions *ret);

/* Bytes read from the RTSP connection, in any split. -ENOTCONN before source_session_start(). */
int source_session_receive(struct source_session *s, const void *data, size_t len,
                           uint64_t now_usec, struct source_session_actions *ret);

/* The timer armed by the last TIMER action fired (calling it early is harmless). */
int source_session_timer(struct source_session *s, uint64_t now_usec,
                         struct source_session_actions *ret);

/* EOF (error 0) or a read/write error (-errno) on the RTSP connection: the session ends. */
int source_session_connection_closed(struct source_session *s, int error, uint64_t now_usec,
                                     struct source_session_actions *ret);

/* The media thread reports the stream is flowing (after MEDIA_START). */
int source_session_media_started(struct source_session *s, uint64_t now_usec,
                                 struct source_session_actions *ret);

/* The media thread failed (error -errno, text for EndReason): the session ends. */
int source_session_media_failed(struct source_session *s, int error, const char *text,
                                uint64_t now_usec, struct source_session_actions *ret);

/*
 * User requests. -ENOTCONN before streaming started (negotiating), -EALREADY when
 * already in (or going to) that state, -ESHUTDOWN once ending/ended.
 *   pause:    M5 wfd_trigger_method: PAUSE (the sink answers with PAUSE, M9)
 *   resume:   M5 wfd_trigger_method: PLAY (the sink answers with PLAY, M7)
 *   teardown: M5 wfd_trigger_method: TEARDOWN, then M8 or after the grace time the
 *             session ends; before SETUP it ends at once. Allowed while negotiating.
 *   request_idr:  MEDIA_REQUEST_IDR (coalesced like M13)
 *   set_bitrate:  MEDIA_SET_BITRATE (bitrate_bps > 0; also while paused)
 *   change_format: negotiate again with new limits; when the mode changes, send M4
 *             (mid-session format change with wfd_av_format_change_timing: pts_90khz is
 *             the PTS the first frame in the new format will carry) and, on its 200,
 *             MEDIA_CHANGE_FORMAT. A sink with microsoft_format_change_capability: supported
 *             gets MEDIA_CHANGE_FORMAT at once, without M4, when the audio stays the same.
 *             -ENOSR when the new limits leave no mode, -EBUSY while a change is in flight.
 */
int source_session_pause(struct source_session *s, uint64_t now_usec, struct source_session_actions *ret);
int source_session_resume(struct source_session *s, uint64_t now_usec, struct source_session_actions *ret);
int source_session_teardown(struct source_session *s, uint64_t now_usec, struct source_session_actions *ret);
int source_session_request_idr(struct source_session *s, uint64_t now_usec, struct source_session_actions *ret);
int source_session_set_bitrate(struct source_session *s, uint32_t bitrate_bps, uint64_t now_usec,
                               struct source_session_actions *ret);
int source_session_change_format(struct source_session *s, const struct source_session_limits *limits,
                                 uint64_t pts_90khz, uint64_t now_usec, struct source_session_actions *ret);

/*
 * Input from the display (UIBC) allowed or withdrawn by the person, mid-session
 * (port: our listener, required when allowing). Before M4 it only changes what
 * M4 will offer. While playing or paused: allowing sends SET_PARAMETER with
 * wfd_uibc_capability (the offer) and wfd_uibc_setting: enable; withdrawing sends
 * wfd_uibc_setting: disable, and the UIBC action goes inactive at once.
 * -EALREADY when nothing changes, -ENOTSUP when the sink listed no input type
 * we can inject, -EBUSY between M4 and PLAY, -ESHUTDOWN once ending.
 */
int source_session_set_input(struct source_session *s, bool allow, uint16_t port, uint64_t now_usec,
                             struct source_session_actions *ret);

/* ---- queries (for D-Bus properties and logs) ---- */

/* UIBC as it stands (all false before negotiation). */
struct source_session_uibc {
        bool allowed;                           /* the person's consent (config, then set_input) */
        bool offered;                           /* we offered input to the sink */
        bool sink_enabled;                      /* the sink's last wfd_uibc_setting (enable when it never said) */
        bool active;                            /* the last UIBC action */
        uint32_t generic_types;                 /* what was offered */
        uint16_t port;
};
void source_session_get_uibc(const struct source_session *s, struct source_session_uibc *ret);

/* Whether a sink's wfd_uibc_capability value (from its M3 reply; len bytes, no CRLF) lists input
 * we can inject, i.e. whether allowing input would make an offer: something to ask the person. */
bool source_session_uibc_sink_can_input(const char *capability, size_t len);

enum source_session_state source_session_get_state(const struct source_session *s);

/* Why it ended (SOURCE_SESSION_END_NONE while running), and the text of ENDED. */
enum source_session_end_reason source_session_get_end_reason(const struct source_session *s,
                                                             const char **ret_text);

/* Negotiated info; -ENODATA before the M3 reply was negotiated. */
int source_session_get_info(const struct source_session *s, struct source_session_info *ret);

/* Format, ports and peer; NULL before negotiation (ports are final after SETUP). */
const struct source_session_media *source_session_get_media(const struct source_session *s);

/* The sink's M3 reply body as received ("name: value" lines), NULL before it. */
const char *source_session_get_sink_parameters(const struct source_session *s);

/* The first User-Agent the sink sent, else its first Server header (NULL if neither); the quirks in effect. */
const char *source_session_get_sink_user_agent(const struct source_session *s);
unsigned source_session_get_quirks(const struct source_session *s);

const char *source_session_state_to_string(enum source_session_state state);
const char *source_session_end_reason_to_string(enum source_session_end_reason reason);
/* -ECONNRESET, -ETIMEDOUT, -ENOSR, -EPROTO, ... (0 for the two TEARDOWN reasons). */
int source_session_end_reason_to_errno(enum source_session_end_reason reason);
