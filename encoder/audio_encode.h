/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * AAC-LC encoding for the WFD audio track: S16 interleaved PCM in, ADTS
 * frames out (TS stream_type 0x0F), with FFmpeg's native "aac" encoder.
 *
 * Positions are in sample frames on the caller's clock (contiguous input:
 * each send continues where the last one ended). A packet's position is the
 * time of the sound it decodes to: the encoder's priming delay (1024 frames)
 * is already taken off, so PTS = position keeps A/V sync.
 *
 *   audio_encode_new(48000, 2, 0, &e);
 *   per block: audio_encode_send(e, pcm, frames, pos);
 *              while (audio_encode_receive(e, &pkt) == 0) mux pkt.data/pkt.size at pkt.pos
 *   e = audio_encode_free(e);
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct audio_encoder;

struct audio_encode_counts {
        uint64_t frames_encoded; /* frames the AAC encoder was given (re-priming included) */
        uint64_t frames_copied;  /* silent frames answered with the kept silent packet instead */
};

struct audio_encode_packet {
        const uint8_t *data; /* one ADTS frame (7-byte header + raw AAC); valid until the next call */
        size_t size;
        int64_t pos;         /* sample frames, the caller's clock */
};

/* rate_hz 44100 or 48000, channels 1 or 2, bitrate_bps 0: 128000 for stereo, 64000 for mono.
 * Returns 0 and *ret, -EINVAL, -ENOENT (no aac encoder in this FFmpeg), -ENOMEM or -EIO. */
int audio_encode_new(unsigned rate_hz, unsigned channels, uint64_t bitrate_bps, struct audio_encoder **ret);
struct audio_encoder *audio_encode_free(struct audio_encoder *e);

/* Queue frames sample frames starting at pos. Returns 0 or a negative errno (-EIO: the encoder failed). */
int audio_encode_send(struct audio_encoder *e, const int16_t *pcm, unsigned frames, int64_t pos);
/* The next ADTS frame: 0 and *ret, or -EAGAIN when none is ready. */
int audio_encode_receive(struct audio_encoder *e, struct audio_encode_packet *ret);

/* Whole frames of digital silence, once the encoder's output settled, are not encoded: the kept
 * silent packet goes out again at their positions (on by default; off: every frame is encoded,
 * for comparisons). */
void audio_encode_set_silence_cache(struct audio_encoder *e, bool enabled);
void audio_encode_get_counts(const struct audio_encoder *e, struct audio_encode_counts *ret);

static inline void audio_encode_freep(struct audio_encoder **e)
{
        if (*e)
                *e = audio_encode_free(*e);
}
