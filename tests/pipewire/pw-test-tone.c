/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A PipeWire sound producer for tests: plays a sine (default 1000 Hz at
 * -20 dBFS RMS, stereo S16 at 48 kHz) into the default output, or with
 * --beep only for the 100 ms from each whole second of CLOCK_MONOTONIC *as
 * the output plays it*: the sample time of each buffer is the graph's time
 * plus the stream's delay to the device (pw_stream_get_time_n()), so the
 * beeps line up with the daemon's testsrc:flash pictures when the capture
 * stamps its samples right. That is what tests/integration/user-session-audio.sh
 * measures as the A/V offset.
 *
 * Usage: pw-test-tone [--hz N] [--dbfs D] [--beep] [--seconds N] [--target NODE]
 * Prints "READY" once the stream is streaming; exits after --seconds (0: never).
 */
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pipewire/pipewire.h>
#include <spa/param/audio/format-utils.h>

#define TONE_RATE 48000
#define TONE_CHANNELS 2
#define TONE_BEEP_NSEC 100000000LL

struct tone {
        struct pw_main_loop *loop;
        struct pw_stream *stream;
        struct spa_hook listener;
        double hz, amplitude;
        bool beep, ready;
        uint64_t phase;          /* samples generated, for the sine's phase */
};

static void on_process(void *userdata)
{
        struct tone *t = userdata;
        struct pw_buffer *b = pw_stream_dequeue_buffer(t->stream);
        struct pw_time tm = {};
        int64_t start;
        int16_t *out;
        uint32_t frames;

        if (!b)
                return;
        struct spa_data *d = &b->buffer->datas[0];
        out = d->data;
        if (!out) {
                pw_stream_queue_buffer(t->stream, b);
                return;
        }
        frames = d->maxsize / (2 * TONE_CHANNELS);
        if (b->requested && b->requested < frames)
                frames = b->requested;
        /* When the first sample of this buffer will be played: now + delay + what is queued before it, plus
         * one cycle: an output stream's process fills the buffer the graph takes in the *next* cycle (the
         * current one already has its buffer), and a null sink's delay does not count that cycle. */
        if (pw_stream_get_time_n(t->stream, &tm, sizeof(tm)) == 0 && tm.now > 0 && tm.rate.denom > 0)
                start = tm.now + tm.delay * 1000000000LL * tm.rate.num / tm.rate.denom +
                        (int64_t) (tm.queued + tm.buffered + frames) * 1000000000LL / TONE_RATE;
        else
                start = -1;     /* no time yet (the first cycles): silence rather than a misplaced beep */
        for (uint32_t i = 0; i < frames; i++) {
                int64_t ts = start + (int64_t) i * 1000000000LL / TONE_RATE;
                bool on = !t->beep || (start >= 0 && ts % 1000000000LL < TONE_BEEP_NSEC);
                double v = on ? t->amplitude * sin(2 * M_PI * t->hz * (double) t->phase / TONE_RATE) : 0;
                int16_t s = (int16_t) lrint(v);

                t->phase++;
                out[2 * i] = s;
                out[2 * i + 1] = s;
        }
        d->chunk->offset = 0;
        d->chunk->stride = 2 * TONE_CHANNELS;
        d->chunk->size = frames * 2 * TONE_CHANNELS;
        b->size = frames;
        pw_stream_queue_buffer(t->stream, b);
}

static void on_state_changed(void *userdata, enum pw_stream_state old, enum pw_stream_state state, const char *error)
{
        struct tone *t = userdata;

        if (state == PW_STREAM_STATE_STREAMING && !t->ready) {
                t->ready = true;
                printf("READY\n");
                fflush(stdout);
        }
        if (state == PW_STREAM_STATE_ERROR) {
                fprintf(stderr, "pw-test-tone: stream error: %s\n", error ?: "?");
                pw_main_loop_quit(t->loop);
        }
}

static const struct pw_stream_events stream_events = {
        PW_VERSION_STREAM_EVENTS,
        .state_changed = on_state_changed,
        .process = on_process,
};

static void on_timeout(void *userdata, uint64_t expirations)
{
        struct tone *t = userdata;
        pw_main_loop_quit(t->loop);
}

static void on_signal(void *userdata, int signo)
{
        struct tone *t = userdata;
        pw_main_loop_quit(t->loop);
}

int main(int argc, char *argv[])
{
        static const struct option options[] = {
                { "hz", required_argument, NULL, 'f' },   { "dbfs", required_argument, NULL, 'l' },
                { "beep", no_argument, NULL, 'b' },        { "seconds", required_argument, NULL, 's' },
                { "target", required_argument, NULL, 't' }, {}
        };
        struct tone t = { .hz = 1000 };
        double dbfs = -20, seconds = 0;
        const char *target = NULL;
        uint8_t podbuf[1024];
        struct spa_pod_builder pb = SPA_POD_BUILDER_INIT(podbuf, sizeof(podbuf));
        const struct spa_pod *params[1];
        struct pw_properties *props;
        int c;

        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0) {
                switch (c) {
                case 'f': t.hz = atof(optarg); break;
                case 'l': dbfs = atof(optarg); break;
                case 'b': t.beep = true; break;
                case 's': seconds = atof(optarg); break;
                case 't': target = optarg; break;
                default: return 2;
                }
        }
        /* RMS level: a sine's peak is sqrt(2) times its RMS */
        t.amplitude = 32767.0 * pow(10, dbfs / 20) * sqrt(2);

        pw_init(&argc, &argv);
        t.loop = pw_main_loop_new(NULL);
        pw_loop_add_signal(pw_main_loop_get_loop(t.loop), SIGINT, on_signal, &t);
        pw_loop_add_signal(pw_main_loop_get_loop(t.loop), SIGTERM, on_signal, &t);
        if (seconds > 0) {
                struct spa_source *timer = pw_loop_add_timer(pw_main_loop_get_loop(t.loop), on_timeout, &t);
                struct timespec ts = { .tv_sec = (time_t) seconds,
                                       .tv_nsec = (long) ((seconds - (time_t) seconds) * 1e9) };
                pw_loop_update_timer(pw_main_loop_get_loop(t.loop), timer, &ts, NULL, false);
        }
        props = pw_properties_new(PW_KEY_MEDIA_TYPE, "Audio", PW_KEY_MEDIA_CATEGORY, "Playback",
                                  PW_KEY_MEDIA_ROLE, "Music", PW_KEY_NODE_NAME, "pw-test-tone", NULL);
        if (target)
                pw_properties_set(props, PW_KEY_TARGET_OBJECT, target);
        t.stream = pw_stream_new_simple(pw_main_loop_get_loop(t.loop), "pw-test-tone", props, &stream_events, &t);
        params[0] = spa_format_audio_raw_build(&pb, SPA_PARAM_EnumFormat,
                                               &SPA_AUDIO_INFO_RAW_INIT(.format = SPA_AUDIO_FORMAT_S16_LE,
                                                                        .channels = TONE_CHANNELS, .rate = TONE_RATE,
                                                                        .position = { SPA_AUDIO_CHANNEL_FL,
                                                                                      SPA_AUDIO_CHANNEL_FR }));
        if (pw_stream_connect(t.stream, PW_DIRECTION_OUTPUT, PW_ID_ANY,
                              PW_STREAM_FLAG_AUTOCONNECT | PW_STREAM_FLAG_MAP_BUFFERS | PW_STREAM_FLAG_RT_PROCESS,
                              params, 1) < 0) {
                fprintf(stderr, "pw-test-tone: cannot connect the stream\n");
                return 1;
        }
        pw_main_loop_run(t.loop);
        pw_stream_destroy(t.stream);
        pw_main_loop_destroy(t.loop);
        pw_deinit();
        return 0;
}
