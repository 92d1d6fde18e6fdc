/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A cast's own picture source: the desktop stream the user session hands over
 * with Sink1.Cast ("pipewire-fd" h, "pipewire-node" u, "video-source" s). The
 * fd is a connection to the person's PipeWire that their portal restricted to
 * the shared node; it belongs to that one session and is never shared through
 * the context's capture (which other casts may use), so the next cast cannot
 * see this person's screen and this one ends when its stream ends.
 *
 * Main only checks and keeps the fd: it goes to the stream worker with the
 * session's connection (WORKER_FIELD_PIPEWIRE_NODE says it is the session's
 * own stream), and the worker opens the capture (stream/capture.c,
 * stream_open_own_capture()). Sessions without one use their context's capture.
 * Such casts go to the context "pipewire" (an unprivileged worker) whatever the
 * daemon's capture is.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct session;

enum session_video_kind {
        SESSION_VIDEO_MONITOR,  /* a monitor the person picked in the portal */
        SESSION_VIDEO_WINDOW,   /* one window */
        SESSION_VIDEO_EXTEND,   /* a virtual monitor at the negotiated size */
        SESSION_VIDEO_PIPEWIRE, /* a node without saying what it shows */
        _SESSION_VIDEO_KIND_MAX,
        _SESSION_VIDEO_KIND_INVALID = -1,
};

struct session_video {
        enum session_video_kind kind;
        int pipewire_fd;        /* owned: the connection to the user's PipeWire */
        uint32_t pipewire_node; /* the node to consume (the portal's stream) */
};

const char *session_video_kind_to_string(enum session_video_kind k);
/* "monitor", "window", "extend" (the D-Bus option's values; "pipewire" is not one), else _INVALID. */
enum session_video_kind session_video_kind_from_string(const char *s);

/*
 * Is fd usable as a PipeWire remote (a connected AF_UNIX stream socket)? 0, or
 * -EBADF/-ENOTSOCK/-EPROTOTYPE/-ENOTCONN with a sentence in ret_why for the caller.
 */
int session_video_check_fd(int fd, const char **ret_why);

/* A source for one session; fd is dup()ed (the caller keeps its own). kind NULL: "pipewire". */
int session_video_new(const char *kind, int pipewire_fd, uint32_t pipewire_node, struct session_video **ret);
struct session_video *session_video_free(struct session_video *v);

#define SESSION_VIDEO_CONTEXT "pipewire" /* the capture spec of the context desktop casts run in */

/* Session1.VideoSource: monitor, window, extend, pipewire (a cast's stream) or the context's backend (kms,
 * testsrc, pipewire). */
const char *session_video_source_name(const struct session *s);
