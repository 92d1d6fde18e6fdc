/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * miracastd-stream: the unprivileged worker that talks to sinks
 * (docs/process-model.md). One process per context (capture) of the daemon:
 * it holds the RTSP connections main hands over, runs the source state
 * machine and the media pipelines of that context's sessions, and reports
 * state, format and statistics back over the control socket
 * (protocol/worker_msg.h). It never touches D-Bus, wpa_supplicant, uinput or
 * anything else of main's; it has no capability and runs as the miracastd
 * user once started as root.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

#include "../protocol/source_session.h"
#include "../protocol/worker_msg.h"

struct capture;
struct mice_watch;
struct session;

/* The daemon's configuration this worker needs: main sends it first (WORKER_MSG_CONFIG), so a
 * worker started by systemd's socket activation gets it the same way as one main forked. */
struct stream_config {
        bool configured;             /* CONFIG arrived; nothing else is served before */
        unsigned context_id;         /* main's context, for the log */
        char *capture;               /* owned: capture spec (encoder/capture_spec.h) */
        char *encoder;               /* owned: "auto", "x264", ... */
        char *audio_source;          /* owned: "silence", "tone", "beep" */
        unsigned max_width, max_height, max_fps;
        uint64_t max_bitrate_bps;
        /* From the command line: */
        bool kms_helper;             /* a kms context: start miracastd-kms before dropping root */
        int kms_helper_fd;           /* owned: the connection to the helper started so; -1: none (then
                                        the capture connects to miracastd-kms.socket) */
        const char *user;            /* drop to this user (default "miracastd", else nobody) */
};

struct stream {
        sd_event *event;             /* reference */
        struct stream_config *config;/* not owned */
        int control_fd;              /* owned: SOCK_SEQPACKET to main */
        sd_event_source *control_io; /* owned */
        sd_event_source *stats_timer;/* owned: pushes STATISTICS every STREAM_STATS_USEC */
        struct session *sessions;    /* owned list */
        struct mice_watch *mice_watches; /* owned list (stream/mice_watch.h) */
        bool exiting;                /* main closed the channel: end everything, then exit */

        /* The context's capture, shared by its sessions (as daemon/context.h had it). */
        struct capture *capture_handle; /* owned: open while capture_users > 0 */
        unsigned capture_users;
};

#define STREAM_STATS_USEC (500 * 1000ULL)

/* Send one message (built with worker_msg_begin/put) to main. 0 or -errno; a failure to send is
 * logged by the caller and ends the worker (main is gone or the channel is broken). */
int stream_send(struct stream *st, struct worker_msg_writer *w);

/* The capture of this worker's context (the daemon's context_acquire_capture(), moved here):
 * opened by the first session that streams, shared, closed when the last lets go. pipewire_fd
 * (-1: none) is a fresh connection to the PipeWire remote from main, used when opening. */
int stream_acquire_capture(struct stream *st, unsigned width, unsigned height, int pipewire_fd,
                           struct capture **ret);
struct capture *stream_release_capture(struct stream *st, struct capture *capture);
/* A session's own capture (a desktop cast: Sink1.Cast pipewire-fd/-node): node through the caller's
 * PipeWire connection pipewire_fd (the capture dups it), asked for width x height; not shared, released
 * with capture_unref(). -errno with capture_last_error() when the node sends nothing usable. */
int stream_open_own_capture(struct stream *st, unsigned width, unsigned height, int pipewire_fd, uint32_t node,
                            struct capture **ret);

/* The last session ended and main closed the channel: leave the loop once nothing is left. */
void stream_maybe_exit(struct stream *st);

/* Drop to the unprivileged user and clear every capability (privdrop.c). */
int stream_drop_privileges(const struct stream_config *config);
/* Fork and execute miracastd-kms with CAP_SYS_ADMIN alone, its end of a socketpair on fd 3; the other
 * end in *ret_fd. Called as root, before stream_drop_privileges() (stream/kms_spawn.c). */
int stream_spawn_kms_helper(int *ret_fd);
