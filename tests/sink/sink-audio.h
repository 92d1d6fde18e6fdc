/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the test sink hears: the decoded sound's tone frequency, level and
 * continuity, and, with the flash/beep test pattern (testsrc:flash + tone
 * beep), the A/V offset between each white flash and its beep.
 *
 *   sink_audio_feed()        every decoded block of sound (channel 0), with its PTS
 *   sink_audio_video_frame() every decoded picture: PTS and mean luma
 *   sink_audio_get_result()  at the end
 *
 * Tone: upward zero crossings, interpolated between samples, counted over
 * the stretches where sound is present (5 ms windows above -50 dBFS);
 * frequency = cycles / time between the first and last crossing of each
 * stretch. Level: RMS relative to full scale (a full-scale sine is -3 dBFS)
 * over those stretches without their first and last window (edges).
 * Gaps: the next block's PTS more than 40 ms after the previous one ended.
 * A/V: a beep starts where sound follows >= 200 ms of quiet (to the first
 * sample over the threshold); a flash starts at the first picture with a
 * mean luma >= 200 after a darker one; each flash is paired with the
 * nearest beep within 500 ms, offset = beep - flash (positive: sound late).
 * That offset is what a viewer gets, frame timing included: when the
 * source drops frames under load, the first white picture comes late. The
 * clock error separates the two: 0 when the beep falls between the last
 * dark picture and the first white one (the clocks agree within the
 * picture spacing), else its distance from that interval.
 * Pure computation, no threads; not thread-safe.
 */
#pragma once

#include <stdint.h>

struct sink_audio;

struct sink_audio_result {
        double seconds;            /* sound received (sample frames / rate) */
        double freq_hz;            /* 0: no tone found */
        double level_dbfs;         /* -120: silence */
        unsigned gaps;             /* PTS gaps > 40 ms */
        double max_gap_ms;
        unsigned beeps, flashes, pairs;
        double av_offset_ms_median; /* valid when pairs > 0 */
        double av_offset_ms_worst; /* the offset of largest magnitude, signed */
        double av_clock_ms_worst;  /* the clock error of largest magnitude, signed */
};

int sink_audio_new(struct sink_audio **ret);
struct sink_audio *sink_audio_free(struct sink_audio *a);

void sink_audio_feed(struct sink_audio *a, const float *samples, unsigned frames, unsigned rate_hz, int64_t pts_90khz);
void sink_audio_video_frame(struct sink_audio *a, int64_t pts_90khz, unsigned mean_luma);
void sink_audio_get_result(struct sink_audio *a, struct sink_audio_result *ret);
