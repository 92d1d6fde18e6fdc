/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A cast's sound, from the person's PipeWire to the daemon: a capture
 * stream (libpipewire-0.3, on a thread loop of its own) whose samples are
 * written as the framed "mca1" PCM of protocol/audio_stream.h to an fd the
 * daemon reads (Session1.AttachAudio), each packet stamped with the
 * CLOCK_MONOTONIC time of its first sample (docs/audio.md, "The user's sound").
 *
 * Routing:
 *   tv      a virtual output "Miracast: <TV name>" (a null sink) becomes the
 *           default for the cast's life; we capture its monitor, so the sound
 *           plays on the TV only. The previous default is written to
 *           STATE_DIR/audio-default first and put back by audio_free(), or
 *           by audio_route_recover() at the next start after a crash.
 *   mirror  capture the monitor of the current default output; the local
 *           speakers keep playing.
 */
#pragma once

#include <stdint.h>

#include <systemd/sd-event.h>

#include "../protocol/macro.h"

struct audio;

enum audio_routing {
        AUDIO_ROUTING_TV,
        AUDIO_ROUTING_MIRROR,
};

struct audio_config {
        enum audio_routing routing;
        const char *tv_name;     /* "Miracast: <tv_name>"; NULL: "TV" */
        unsigned id;             /* makes the node name unique: miracast-tv-<pid>-<id> */
        unsigned rate_hz;        /* the session's: what PipeWire is asked to resample to */
        unsigned channels;
        const char *state_dir;   /* where the previous default is kept (tv) */
};

/* Something went wrong after the start (PipeWire went away, the daemon closed the fd): in words. */
typedef void (*audio_failed_t)(struct audio *a, int error, const char *reason, void *userdata);

/*
 * Connect to the person's PipeWire (PIPEWIRE_REMOTE or the default), set up
 * the routing and start capturing into fd (owned from now on, also on
 * failure). Returns 0 and *ret, or -errno (-EHOSTDOWN: no PipeWire).
 */
int audio_start(sd_event *event, const struct audio_config *cfg, int fd, audio_failed_t failed, void *userdata,
                struct audio **ret);
/* Stops capturing, closes the fd, restores the default output (tv); NULL ok, returns NULL. */
struct audio *audio_free(struct audio *a);
DEFINE_CLEANUP(struct audio *, audio_free)

/*
 * At start-up: when STATE_DIR/audio-default exists, a run that changed the
 * default output did not restore it (it crashed): restore it now. Returns 0
 * (also when there was nothing to do), or -errno.
 */
int audio_route_recover(const char *state_dir);
