/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The worker's side of one session (stream/session.c, once daemon/session.c):
 * the RTSP control connection driven by the pure source state machine
 * (protocol/source_session.h), with the media pipeline (encoder/media.h)
 * started, paused and stopped as the machine says. What main's proxy
 * (daemon/session.c) shows on D-Bus is reported as it changes.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "../protocol/source_session.h"
#include "stream.h"

/* Connection statistics given to StartMiracastSession (bit/s, 0 = unknown). */
struct connection_stats {
        uint64_t suggested_bps;
        uint64_t local_max_bps;
        uint64_t remote_max_bps;
};

struct session_private;

/* What main says about a new session (WORKER_MSG_SESSION_NEW). */
struct session_params {
        unsigned id;
        struct connection_stats stats;
        unsigned max_width, max_height; /* Cast max-resolution, 0 = config only */
        const char *device_name;     /* the sink's name, NULL for a plain listener connection */
        uint16_t sink_rtsp_port;
        bool input_allowed;          /* the worker opens the UIBC listener */
        int latency;                 /* enum latency_mode (protocol/latency_mode.h) */
        uint64_t link_rate_bps;      /* the P2P link rate main polls, 0 unknown */
        bool no_audio;               /* Cast(audio "none"): negotiate no audio where the sink allows */
        int audio_pipewire_fd;       /* taken over: -1, or a PipeWire connection for audio-source pipewire */
        const char *audio_pipewire_remote; /* the socket main tried for it (NULL: none) */
};

struct session {
        struct stream *stream;       /* parent: frees its sessions before itself */
        unsigned id;                 /* main's session id */
        enum source_session_state state;
        int end_reason;
        char *end_reason_text;       /* owned */
        char *peer;                  /* owned: "ADDR:PORT" of the sink */

        unsigned width, height, refresh_rate;
        char *video_codec;           /* owned */
        char *audio_codec;           /* owned */
        char *encoder;               /* owned */
        uint32_t bitrate_bps;
        bool monitor_connected, reduced_modes;
        char **sink_parameters;      /* owned: NULL-terminated name,value,... */
        unsigned max_width, max_height;
        char *device_name;           /* owned: NULL for a plain listener connection */
        uint16_t sink_rtsp_port;
        bool input_allowed;
        bool input_active;
        int latency;                 /* enum latency_mode: fixed for the session */
        bool no_audio;               /* Cast(audio "none"): negotiate no audio where the sink allows */
        uint64_t link_rate_bps;      /* the P2P link rate (ABR's ceiling), 0 unknown */
        int pipewire_fd;             /* owned: -1, or a PipeWire connection for opening the capture */
        int audio_pipewire_fd;       /* owned: -1, or a PipeWire connection for audio-source pipewire */
        char *audio_pipewire_remote; /* owned: the socket main tried for it, NULL: none */

        struct session *next;        /* the stream's list */
        struct session_private *priv;/* owned: connection, FSM, media */
};

/* A new session on the RTSP connection fd (taken over, also on failure): sends M1. On failure
 * (-errno) the caller reports the session ended. */
int session_new(struct stream *st, const struct session_params *params, int fd, int pipewire_fd,
                struct session **ret);
struct session *session_find(struct stream *st, unsigned id);

/* Requests from main; the return value goes back in the REPLY. */
int session_stop(struct session *s);
int session_pause(struct session *s);
int session_resume(struct session *s);
int session_request_idr(struct session *s);
int session_set_bitrate(struct session *s, uint32_t bitrate_bps);
int session_set_input(struct session *s, bool allow);
int session_attach_audio(struct session *s, int fd);
/* The P2P link rate (bit/s, 0 unknown) main polls: the media's ABR ceiling. */
void session_set_link_rate(struct session *s, uint64_t link_bps);
/* main created the input devices (active) or could not / removed them: forward input or not. */
void session_input_state(struct session *s, bool active);
/* Push STATISTICS (the stream's timer). */
void session_send_statistics(struct session *s);

/* End now (ENDED goes to main); freed from a defer source. */
void session_end(struct session *s, int reason);
void session_end_full(struct session *s, int reason, const char *text);

/* Free at once (worker exit). Accepts NULL, returns NULL. */
struct session *session_free(struct session *s);
