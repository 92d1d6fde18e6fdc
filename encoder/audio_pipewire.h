/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Capture what a PipeWire output plays and write it to an fd as the framed
 * "mca1" PCM of protocol/audio_stream.h: S16LE at the requested rate and
 * channels (PipeWire converts), each packet stamped with the CLOCK_MONOTONIC
 * time of its first sample.
 *
 * Used twice: by the daemon for `audio-source = pipewire` (kiosk and
 * headless systems, the other end of the fd goes to audio_source), and by
 * the user-session component for the person's own sound (the other end goes
 * to Session1.AttachAudio). One pw_thread_loop per capture; the samples are
 * written from PipeWire's data thread with non-blocking sends: a reader that
 * falls behind loses whole packets (the next carries the discontinuity
 * flag), never the capture's timing.
 *
 * Time: PipeWire's graph runs on CLOCK_MONOTONIC. In the data thread,
 * pw_stream_get_time_n() gives the monotonic time of the current graph cycle
 * (now) and the delay to the device in samples; the buffer we dequeue holds
 * the sound of that cycle, so its first sample is at now - delay. That is the
 * moment a player's sound reaches the (virtual) output, which is when a
 * player that keeps its own picture in sync with its sound shows the
 * matching picture. docs/audio.md, "The user's sound".
 */
#pragma once

#include <stddef.h>

struct audio_pipewire;

struct audio_pipewire_config {
        const char *remote;        /* PipeWire socket path; NULL: libpipewire's default (PIPEWIRE_REMOTE, ...) */
        int remote_fd;             /* > 0: a connection to the PipeWire socket opened for us (the stream worker
                                    * cannot reach it); taken over, remote is then unused. 0: none */
        const char *target;        /* node.name of the output whose sound to take; NULL: the default output */
        unsigned rate_hz;          /* 8000..192000 */
        unsigned channels;         /* 1..8 */
        const char *name;          /* the stream's name in PipeWire (pw-top, pavucontrol); NULL: "Miracast" */
};

/*
 * Connect and start capturing into fd (owned from now on, also on failure).
 * Returns 0 and *ret, or -errno: -EINVAL (a bad format), -EHOSTDOWN (no
 * PipeWire at remote). Later failures: audio_pipewire_get_error().
 */
int audio_pipewire_start(const struct audio_pipewire_config *cfg, int fd, struct audio_pipewire **ret);
/* Stops, disconnects, closes the fd; NULL ok; returns NULL. */
struct audio_pipewire *audio_pipewire_free(struct audio_pipewire *p);

/*
 * An fd that becomes readable when the capture failed (PipeWire went away,
 * the stream errored, the reader closed its end); for an event loop.
 */
int audio_pipewire_get_event_fd(struct audio_pipewire *p);
/* 0 while capturing, else the -errno and *reason (in words) of the failure. Thread-safe. */
int audio_pipewire_get_error(struct audio_pipewire *p, char *reason, size_t size);
/* Sample frames written to the fd, and dropped because the reader fell behind. Thread-safe. */
void audio_pipewire_get_counts(struct audio_pipewire *p, unsigned long long *ret_written,
                               unsigned long long *ret_dropped);
