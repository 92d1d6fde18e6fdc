/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One Miracast session: one RTSP control connection to one sink.
 *
 * The connection, the source state machine (protocol/source_session.h) and
 * the media pipeline run in the context's unprivileged stream worker
 * (stream/session.c, daemon/stream_worker.h, docs/process-model.md); this is
 * main's proxy: it hands the accepted connection over, forwards the
 * requests below and keeps what the worker reports (state, format,
 * statistics), plus the UIBC channel and its input devices, which need
 * /dev/uinput. It reports state and property changes to s->observers: dbus/session_bus.c
 * (org.miracastd.Session1 at /org/miracastd/session/<id>), the PIN agents
 * (dbus/agent_bus.c), the sink of a Cast() (daemon/sink.c).
 *
 * Life cycle: sessions belong to the manager (list) and to a context.
 * A session that ends stays visible in state "ended" (with EndReason) until
 * its end is reported, then it is freed from a defer source, so a callback
 * that ends its own session never frees the memory under its caller.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

#include "../protocol/source_session.h"
#include "observers.h"

struct manager;
struct context;
struct sink;
struct session;
struct session_video;

/* What s->observers hear (the object passed is the session). */
enum session_change {
        SESSION_CHANGED_STATE,       /* State, EndReason */
        SESSION_CHANGED_FORMAT,      /* Width, Height, RefreshRate, VideoCodec, AudioCodec, Encoder, Bitrate,
                                        MonitorConnected, ReducedModeListDueToBandwidth, SinkParameters, Peer */
        SESSION_CHANGED_INPUT,       /* InputEnabled */
        SESSION_CHANGED_AUDIO,       /* AudioSource, AudioState */
        SESSION_CHANGED_REMOVED,     /* about to be freed; the list is cleared right after */
};

/* Connection statistics given to StartMiracastSession (bit/s, 0 = unknown). */
struct connection_stats {
        uint64_t suggested_bps;
        uint64_t local_max_bps;
        uint64_t remote_max_bps;
};

/* The answer of StartMiracastSession once the sink's capabilities are known. */
struct session_info {
        bool monitor_connected;
        bool reduced_mode_list_due_to_bandwidth;
};

/* Live numbers for Session1.Statistics. */
struct session_statistics {
        uint64_t frames, drops, bytes;
        uint64_t latency_p50_usec, latency_p99_usec;
        uint64_t uptime_usec;
        /* the network (docs/rtcp.md): what the sink's RTCP receiver reports said, the repair, ABR */
        uint64_t bitrate_bps;        /* the encoder's rate now (ABR moves it under Bitrate) */
        bool rtcp;                   /* our RTCP socket is open */
        uint64_t rtcp_reports;       /* receiver report blocks about our stream; 0: the sink sends none */
        double loss_percent;         /* of the last report */
        int64_t packets_lost;        /* cumulative, of the last report */
        uint64_t jitter_usec, rtt_usec; /* of the last report; rtt 0 unknown */
        uint64_t nack_items, rtx_sent, rtx_missing; /* NACK items received, packets resent, no longer held */
        uint64_t send_queue_bytes;   /* unsent bytes in the RTP socket (SIOCOUTQ) */
        uint64_t abr_lowered, abr_raised; /* bit rate changes ABR made */
        /* the software encoder's rate control (docs/media.md); rate_control false on other backends */
        bool rate_control;
        unsigned qp;                 /* of the last picture coded, 0..69 */
        double qp_average;           /* over about the last second */
        uint64_t frames_rate_skipped; /* P pictures not coded: the link could not take them at any QP */
        uint64_t qp_range_switches;  /* libx264 reopened for QPs above 51 or back */
        int64_t vbv_buffer_ms;       /* the sink's decoder buffer model; < 0: debt */
        /* fan-out (docs/media.md): sessions of one worker at the same format share one encoder */
        unsigned encoder_group;      /* that encoder's id in the worker; 0 unknown */
        unsigned encoder_shared_with; /* sessions sending from it, this one included */
        uint64_t frames_shared;      /* frames sent that another session's thread encoded */
        /* audio: what plays and how (all zero/empty without an audio track) */
        char audio_input[16];        /* "silence", "tone", "fd" */
        double audio_level_dbfs;     /* RMS of the loudest 100 ms of the last second sent */
        uint64_t audio_underruns;    /* the attached input ran dry */
        uint64_t audio_dropped;      /* input frames dropped (jitter buffer full or late) */
        char audio_silence_reason[128]; /* why the track is silent, "" while sound plays */
};

/* Called once when negotiation produced the session info (error == 0) or
 * failed (error < 0: -ENOSR InsufficientResources, -ETIMEDOUT, ...). */
typedef void (*session_started_t)(struct session *s, int error, const struct session_info *info, void *userdata);

struct session_private;

struct session {
        struct manager *manager;     /* not owned */
        struct context *context;     /* parent: the context frees its sessions before itself */
        unsigned sink_id;            /* the sink cast to (session_get_sink()), 0 for a plain listener connection */
        unsigned id;
        char *path;                  /* owned: D-Bus object path */
        /* The state machine's state (Session1.State, source_session_state_to_string()); CONNECTING
         * also covers a Cast() with no RTSP connection (and no machine) yet. */
        enum source_session_state state;
        int end_reason;              /* 0 while running, then -errno (0 after a clean M8) */
        char *end_reason_text;       /* owned: EndReason, "" while running */
        char *peer;                  /* owned: "ADDR:PORT" of the sink, "" before connecting */

        /* Negotiated format; zero until known. */
        unsigned width, height, refresh_rate;
        char *video_codec;           /* owned: e.g. "H.264 CBP 3.1" */
        char *audio_codec;           /* owned: e.g. "AAC 48000/2", "" = none */
        char *encoder;               /* owned: encoder actually used */
        uint32_t bitrate_bps;
        uint64_t link_rate_bps;      /* the P2P link rate, polled (daemon/p2p_link.h); 0 unknown */
        struct session_info info;
        bool negotiated;             /* info and format are final (StartMiracastSession answered) */
        char **sink_parameters;      /* owned: NULL-terminated name,value,name,value,... */
        unsigned max_width, max_height; /* per-session limit (Cast max-resolution), 0 = config only */
        uid_t owner_uid;             /* who may attach audio: the Cast() caller; root for listener sessions */
        bool input_allowed;          /* Session1.InputEnabled: the person allowed input from the display */
        bool input_active;           /* input is being injected now (offered, enabled by the sink, playing) */
        struct session_video *video; /* owned: the cast's own desktop stream (daemon/session_video.h), NULL:
                                        the context's capture */
        int latency;                 /* enum latency_mode (protocol/latency_mode.h): the config's, or the Cast /
                                        Listen option; fixed once the stream starts */
        bool no_audio;               /* Cast(audio "none"): negotiate no audio where the sink allows */
        char audio_routing[8];       /* AttachAudio(routing): "tv", "mirror"; "" none given */
        bool audio_attached;         /* an audio fd was attached */
        bool audio_silent;           /* the track plays silence (the reason is in the statistics) */

        struct session *next;        /* manager's list */
        struct session_private *priv;/* owned: connection, FSM, media */

        struct observers observers;  /* owned: who follows the session (enum session_change) */
};

/* The sink this session casts to, or NULL (a plain listener connection, or the sink is gone). */
struct sink *session_get_sink(struct session *s);

/*
 * Create a session bound to context (and sink, may be NULL) and add it to the
 * manager. Without an fd it waits in "connecting" for session_attach_fd().
 */
int session_new(struct manager *m, struct context *context, struct sink *sink, struct session **ret);

/*
 * Give the session its RTSP connection and send M1: fd becomes the
 * session's, also when this fails (hand it over with steal_fd()).
 * On success started is called exactly once, with the session info or an
 * error when the session ends before negotiating; this may already happen
 * before session_attach_fd() returns (e.g. the peer is gone). On failure
 * (-errno) started is not called and the caller ends the session.
 */
int session_attach_fd(struct session *s, int fd, const struct connection_stats *stats,
                      session_started_t started, void *userdata);

/* A Cast() session: end with -ETIMEDOUT unless the sink's connection arrives within usec. */
int session_arm_connect_timeout(struct session *s, uint64_t usec);

/* User requests (Session1 methods). -ENOTCONN/-EBUSY when the state forbids. */
int session_stop(struct session *s);     /* M5 TEARDOWN, M8 or grace timer, then ended */
int session_pause(struct session *s);    /* M5 PAUSE */
int session_resume(struct session *s);   /* M5 PLAY */
int session_request_idr(struct session *s);
int session_set_bitrate(struct session *s, uint32_t bitrate_bps);
int session_get_statistics(struct session *s, struct session_statistics *ret);
/* The P2P link rate (bit/s, 0 unknown): Statistics link-rate-bps and the media's ABR ceiling. */
void session_set_link_rate(struct session *s, uint64_t link_bps);
/*
 * Play the PCM on fd (protocol/audio_stream.h) in this session's audio track
 * from now on; fd is taken over, also on failure. -ENOTCONN before the
 * stream plays, -ENOTSUP without an audio track.
 */
int session_attach_audio(struct session *s, int fd);

/* Allow or withdraw input from the display (UIBC, docs/uibc.md); logged. -EALREADY, -ENOTSUP (the sink
 * offers no input), -EBUSY (between M4 and PLAY), -errno from the listener. */
int session_set_input(struct session *s, bool allow);

/* End now with reason (error < 0, or 0 = normal end): stops media, closes the
 * connection, state "ended"; the session is freed from a defer source.
 * EndReason is the text the state machine gave, else strerror(reason). */
void session_end(struct session *s, int reason);
/* session_end() with the reason in words from the layer that knows it (the
 * P2P backend: "the P2P group was removed (GO_ENDING_SESSION)"): text
 * becomes EndReason (and the Cast() error message) and is logged; the errno
 * still picks the D-Bus error name. text NULL behaves like session_end(). */
void session_end_full(struct session *s, int reason, const char *text);

/* Free at once (manager teardown). Accepts NULL, returns NULL. */
struct session *session_free(struct session *s);

/* The stream worker's side (daemon/stream_worker.h): is s one of w's, and a message about it. */
struct stream_worker;
struct worker_msg;
bool session_is_on_worker(const struct session *s, const struct stream_worker *w);
/* MS-MICE: the context's stream worker reads what the sink sends on fd (a copy crosses; the caller
 * keeps fd for writing) until the session ends; what it read goes to the MS-MICE backend's
 * control_event(). */
int session_watch_mice(struct session *s, int fd);
void session_on_worker_msg(struct session *s, const struct worker_msg *m);
