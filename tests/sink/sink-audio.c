/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The test sink's audio analysis (see sink-audio.h).
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../../protocol/macro.h"
#include "sink-audio.h"

#define WINDOW_MS 5
#define ACTIVE_DBFS (-50.0)
#define QUIET_BEFORE_BEEP_MS 200
#define GAP_MS 40
#define FLASH_LUMA 200
#define PAIR_MS 500
#define MAX_EVENTS 4096
#define MAX_RUN_WINDOWS 2000
/* Windows this far below the loudest of their stretch are edges (onset, decay, codec pre-echo). */
#define CORE_DB 3.0
#define HYSTERESIS 0.3f

struct window {
        double ms;                 /* mean square */
        unsigned n, cross;
        double first_cross, last_cross;
};

struct sink_audio {
        unsigned rate;
        bool have_pts;
        int64_t next_pts;          /* 90 kHz: where the last block ended */
        uint64_t frames;
        unsigned gaps;
        double max_gap_ms;

        /* the current 5 ms window */
        double win_t0;             /* seconds: time of its first sample */
        unsigned win_n;
        double win_sum;
        double win_first_loud;     /* time of its first sample over the threshold; <0 none */

        /* the current window's zero crossings */
        unsigned win_cross;
        double win_first_cross, win_last_cross;

        /* the current stretch of sound, window by window */
        bool in_run;
        double quiet_since;        /* seconds: when sound was last present */
        struct window run[MAX_RUN_WINDOWS];
        unsigned run_windows;

        /* zero crossings: previous sample and its time; a Schmitt trigger, so the codec noise
         * around a beep's edges (far below the tone) adds no crossings */
        float peak, prev_peak;     /* largest |sample| of this window and of the one before */
        bool armed;                /* went below -HYSTERESIS x peak since the last crossing */
        float prev;
        double prev_t;
        bool have_prev;

        double cycles, cycle_time; /* totals over finished stretches */
        double level_sum;
        uint64_t level_n;

        int64_t beeps[MAX_EVENTS], flashes[MAX_EVENTS]; /* 90 kHz */
        int64_t before_flash[MAX_EVENTS]; /* the last dark picture before each flash */
        unsigned n_beeps, n_flashes;
        bool prev_bright, have_frame;
        int64_t prev_pts;
};

int sink_audio_new(struct sink_audio **ret)
{
        struct sink_audio *a = calloc(1, sizeof(*a));

        if (!a)
                return -ENOMEM;
        a->quiet_since = -1e9;
        a->win_first_loud = -1;
        *ret = a;
        return 0;
}

struct sink_audio *sink_audio_free(struct sink_audio *a)
{
        free(a);
        return NULL;
}

/* A stretch of sound is over (or its buffer full): measure its core windows. */
static void run_flush(struct sink_audio *a)
{
        double max = 0, seg_first = 0, seg_last = 0;
        unsigned seg_cross = 0;
        bool open = false;

        for (unsigned i = 0; i < a->run_windows; i++)
                max = MAX(max, a->run[i].ms);
        for (unsigned i = 0; i <= a->run_windows; i++) {
                const struct window *w = i < a->run_windows ? &a->run[i] : NULL;
                /* the first and last window hold the edges (and a codec's pre-echo): never core */
                bool core = w && i > 0 && i + 1 < a->run_windows && w->ms >= max * pow(10, -CORE_DB / 10);

                if (core) {
                        a->level_sum += w->ms * w->n;
                        a->level_n += w->n;
                }
                if (core && w->cross > 0) {
                        if (!open)
                                seg_first = w->first_cross;
                        seg_cross += w->cross;
                        seg_last = w->last_cross;
                        open = true;
                        continue;
                }
                if (open && seg_cross >= 2) {
                        a->cycles += seg_cross - 1;
                        a->cycle_time += seg_last - seg_first;
                }
                open = false;
                seg_cross = 0;
        }
        a->run_windows = 0;
}

static void run_end(struct sink_audio *a)
{
        if (!a->in_run)
                return;
        a->in_run = false;
        run_flush(a);
}

static void window_end(struct sink_audio *a)
{
        double thr = pow(10, ACTIVE_DBFS / 20); /* full scale is 1.0 */
        bool active = a->win_n > 0 && a->win_sum / a->win_n > thr * thr;
        double t_end = a->win_t0 + (double) a->win_n / a->rate;

        if (active) {
                if (!a->in_run) {
                        /* sound after a long enough quiet: a beep starts */
                        if (a->win_t0 - a->quiet_since >= QUIET_BEFORE_BEEP_MS / 1000.0 && a->n_beeps < MAX_EVENTS &&
                            a->win_first_loud >= 0)
                                a->beeps[a->n_beeps++] = llround(a->win_first_loud * 90000);
                        a->in_run = true;
                }
                if (a->run_windows == MAX_RUN_WINDOWS)
                        run_flush(a);
                a->run[a->run_windows++] = (struct window) {
                        .ms = a->win_sum / a->win_n,
                        .n = a->win_n,
                        .cross = a->win_cross,
                        .first_cross = a->win_first_cross,
                        .last_cross = a->win_last_cross,
                };
                a->quiet_since = t_end;
        } else
                run_end(a);
        a->win_n = 0;
        a->win_sum = 0;
        a->win_first_loud = -1;
        a->win_cross = 0;
        a->prev_peak = a->peak;
        a->peak = 0;
}

void sink_audio_feed(struct sink_audio *a, const float *x, unsigned frames, unsigned rate_hz, int64_t pts_90khz)
{
        double thr = pow(10, ACTIVE_DBFS / 20);
        double t0 = pts_90khz / 90000.0;

        if (!a || frames == 0 || rate_hz == 0)
                return;
        if (a->have_pts) {
                int64_t d = pts_90khz - a->next_pts;

                if (d > GAP_MS * 90 || d < -GAP_MS * 90) {
                        a->gaps++;
                        a->max_gap_ms = MAX(a->max_gap_ms, fabs(d / 90.0));
                        /* a discontinuity ends what was being measured */
                        window_end(a);
                        run_end(a);
                        a->have_prev = false;
                }
        }
        a->rate = rate_hz;
        a->have_pts = true;
        a->next_pts = pts_90khz + (int64_t) frames * 90000 / rate_hz;
        a->frames += frames;

        for (unsigned i = 0; i < frames; i++) {
                double t = t0 + (double) i / rate_hz;
                float v = x[i];

                if (a->win_n == 0)
                        a->win_t0 = t;
                a->win_sum += (double) v * v;
                a->win_n++;
                if (a->win_first_loud < 0 && fabs(v) > thr)
                        a->win_first_loud = t;
                a->peak = MAX(a->peak, fabsf(v));
                if (v < -HYSTERESIS * MAX(a->peak, a->prev_peak))
                        a->armed = true;
                /* upward zero crossing, interpolated */
                if (a->armed && a->have_prev && a->prev < 0 && v >= 0) {
                        a->armed = false;
                        double tc = a->prev_t + (t - a->prev_t) * (-a->prev) / (v - a->prev);

                        if (a->win_cross == 0)
                                a->win_first_cross = tc;
                        a->win_last_cross = tc;
                        a->win_cross++;
                }
                a->prev = v;
                a->prev_t = t;
                a->have_prev = true;
                if (a->win_n >= rate_hz * WINDOW_MS / 1000)
                        window_end(a);
        }
}

void sink_audio_video_frame(struct sink_audio *a, int64_t pts_90khz, unsigned mean_luma)
{
        bool bright = mean_luma >= FLASH_LUMA;

        if (!a)
                return;
        if (bright && a->have_frame && !a->prev_bright && a->n_flashes < MAX_EVENTS) {
                a->before_flash[a->n_flashes] = a->prev_pts;
                a->flashes[a->n_flashes++] = pts_90khz;
        }
        a->prev_bright = bright;
        a->prev_pts = pts_90khz;
        a->have_frame = true;
}

static int cmp_double(const void *x, const void *y)
{
        double a = *(const double *) x, b = *(const double *) y;

        return a < b ? -1 : a > b;
}

void sink_audio_get_result(struct sink_audio *a, struct sink_audio_result *ret)
{
        double offsets[MAX_EVENTS], clock_worst = 0;
        unsigned n = 0;

        window_end(a);
        run_end(a);
        *ret = (struct sink_audio_result) {
                .seconds = a->rate ? (double) a->frames / a->rate : 0,
                .freq_hz = a->cycle_time > 0 ? a->cycles / a->cycle_time : 0,
                .level_dbfs = a->level_n && a->level_sum > 0 ? 10 * log10(a->level_sum / a->level_n) : -120,
                .gaps = a->gaps,
                .max_gap_ms = a->max_gap_ms,
                .beeps = a->n_beeps,
                .flashes = a->n_flashes,
        };
        for (unsigned i = 0; i < a->n_flashes; i++) {
                double best = 1e9, clock = 0;
                int64_t beep = 0;

                for (unsigned k = 0; k < a->n_beeps; k++) {
                        double d = (a->beeps[k] - a->flashes[i]) / 90.0;

                        if (fabs(d) < fabs(best)) {
                                best = d;
                                beep = a->beeps[k];
                        }
                }
                if (fabs(best) > PAIR_MS)
                        continue;
                offsets[n++] = best;
                /* the flash began after the last dark picture and by the first white one */
                if (beep < a->before_flash[i])
                        clock = (beep - a->before_flash[i]) / 90.0;
                else if (beep > a->flashes[i])
                        clock = (beep - a->flashes[i]) / 90.0;
                if (fabs(clock) > fabs(clock_worst))
                        clock_worst = clock;
        }
        ret->pairs = n;
        if (n > 0) {
                double worst = 0;

                for (unsigned i = 0; i < n; i++)
                        if (fabs(offsets[i]) > fabs(worst))
                                worst = offsets[i];
                qsort(offsets, n, sizeof(offsets[0]), cmp_double);
                ret->av_offset_ms_median = n % 2 ? offsets[n / 2] : (offsets[n / 2 - 1] + offsets[n / 2]) / 2;
                ret->av_offset_ms_worst = worst;
                ret->av_clock_ms_worst = clock_worst;
        }
}
