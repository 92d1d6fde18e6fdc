/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Where a session's sound comes from: PCM, signed 16-bit interleaved at the
 * session's rate and channel count, placed on CLOCK_MONOTONIC, the clock
 * video capture times come from.
 *
 * Time is counted in sample frames of that clock: frame n is the sound at
 * n / rate_hz seconds of CLOCK_MONOTONIC. The media thread reads blocks in
 * order, a little behind the present (AUDIO_SOURCE_DELAY_USEC), and the PTS
 * of a block is its time, exactly as a video frame's PTS is its capture time.
 *
 * Inputs:
 *   silence  nothing to play (no audio input attached yet).
 *   tone     a sine at tone_hz and tone_dbfs; with tone_beep only for
 *            CAPTURE_FLASH_USEC from each whole second, when the testsrc
 *            flash shows white (A/V sync tests).
 *   fd       audio_source_attach_fd(): the framed PCM of
 *            protocol/audio_stream.h, read by a thread of its own into a
 *            jitter buffer of at most jitter_ms (oldest dropped beyond).
 *
 * The source never stalls its reader: whatever is missing (no input, an
 * input that stopped, closed or misbehaved) reads as silence, and the reason
 * is in the stats (silence_reason, with reason_seq bumped on each change) so
 * the daemon can say why a session is silent.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct audio_source;

/* How far behind the present blocks are read: room for an fd input's capture and transfer latency. */
#define AUDIO_SOURCE_DELAY_USEC 50000ULL

enum audio_source_kind {
        AUDIO_SOURCE_SILENCE,
        AUDIO_SOURCE_TONE,
        _AUDIO_SOURCE_KIND_MAX,
        _AUDIO_SOURCE_KIND_INVALID = -1,
};

struct audio_source_config {
        unsigned rate_hz;          /* output rate: 44100 or 48000 */
        unsigned channels;         /* output channels: 1 or 2 */
        enum audio_source_kind kind; /* until an fd is attached */
        unsigned tone_hz;          /* 0: 1000 */
        double tone_dbfs;          /* RMS level relative to full scale (a full-scale sine is -3.01); 0: -20 */
        bool tone_beep;            /* tone only in the flash window of each second */
        unsigned jitter_ms;        /* fd input: buffer bound, 40..1000; 0: 200 */
};

struct audio_source_stats {
        char input[16];            /* "silence", "tone", "fd" */
        uint64_t frames_read;      /* sample frames handed out */
        uint64_t frames_silence;   /* of those, silence filled in for missing input (fd) */
        uint64_t frames_received;  /* from the fd */
        uint64_t frames_dropped;   /* fd frames dropped: buffer overflow, or too late to play */
        uint64_t underruns;        /* times the fd input ran dry */
        double level_dbfs;         /* RMS of the loudest 100 ms of the last second handed out; -120: silence */
        unsigned reason_seq;       /* changes whenever silence_reason does */
        char silence_reason[128];  /* why we fill silence, "" while real sound plays */
};

const char *audio_source_kind_to_string(enum audio_source_kind k);
enum audio_source_kind audio_source_kind_from_string(const char *s);

/* Returns 0 and *ret, or -EINVAL for an unsupported format or level, -ENOMEM. */
int audio_source_new(const struct audio_source_config *cfg, struct audio_source **ret);
/* Stops the fd reader, closes the fd; accepts NULL, returns NULL. */
struct audio_source *audio_source_free(struct audio_source *s);

/*
 * Take fd (owned from now on, also on failure) as the input, replacing any
 * earlier one. Thread-safe. Returns 0, or -errno when the reader could not
 * start. Format errors, EOF and floods come later, as a silence_reason.
 */
int audio_source_attach_fd(struct audio_source *s, int fd);

/*
 * Fill out with frames sample frames starting at frame first_frame of the
 * CLOCK_MONOTONIC sample clock. Never blocks on the input; thread-safe.
 */
void audio_source_read(struct audio_source *s, uint64_t first_frame, int16_t *out, unsigned frames);

void audio_source_get_stats(struct audio_source *s, struct audio_source_stats *ret);

static inline void audio_source_freep(struct audio_source **s)
{
        if (*s)
                *s = audio_source_free(*s);
}
