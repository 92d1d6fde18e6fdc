/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * encoder/audio_source.h: the test tone (frequency, level, beeps on the
 * flash clock), silence, and the fd input through its jitter buffer: sound
 * placed by its timestamps, gaps and stops filled with silence, and bad
 * input (wrong format, garbage, a flood, a closed fd) ending in a reason.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../../encoder/audio_source.h"
#include "../../encoder/capture.h"
#include "../../protocol/audio_stream.h"
#include "../../protocol/macro.h"
#include "../lib/test.h"

#define RATE 48000

static struct audio_source *open_source(enum audio_source_kind kind, bool beep)
{
        struct audio_source_config cfg = { .rate_hz = RATE, .channels = 2, .kind = kind, .tone_hz = 997,
                                           .tone_dbfs = -20, .tone_beep = beep, .jitter_ms = 200 };
        struct audio_source *s = NULL;

        assert_int_eq(audio_source_new(&cfg, &s), 0);
        return s;
}

static uint64_t now_frame(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ((uint64_t) ts.tv_sec * 1000000000ULL + (uint64_t) ts.tv_nsec) / 1000 * RATE / 1000000;
}

static double rms_dbfs(const int16_t *pcm, size_t samples)
{
        double sum = 0;

        for (size_t i = 0; i < samples; i++)
                sum += (double) pcm[i] * pcm[i];
        return sum > 0 ? 10 * log10(sum / samples / (32768.0 * 32768.0)) : -120;
}

TEST(audio_source_config, "/audio-source/rejects rates, channels, levels and buffers it cannot do") {
        struct audio_source_config cfg = { .rate_hz = 48000, .channels = 2 };
        struct audio_source *s = NULL;

        cfg.rate_hz = 32000;
        assert_int_eq(audio_source_new(&cfg, &s), -EINVAL);
        cfg.rate_hz = 44100;
        cfg.channels = 6;
        assert_int_eq(audio_source_new(&cfg, &s), -EINVAL);
        cfg.channels = 2;
        cfg.tone_dbfs = 3;
        assert_int_eq(audio_source_new(&cfg, &s), -EINVAL);
        cfg.tone_dbfs = 0;
        cfg.jitter_ms = 10;
        assert_int_eq(audio_source_new(&cfg, &s), -EINVAL);
        assert_null(s);
        assert_str_eq(audio_source_kind_to_string(AUDIO_SOURCE_TONE), "tone");
        assert_int_eq(audio_source_kind_from_string("silence"), AUDIO_SOURCE_SILENCE);
        assert_int_eq(audio_source_kind_from_string("pipewire"), _AUDIO_SOURCE_KIND_INVALID);
}

TEST(audio_source_tone, "/audio-source/tone: 997 Hz at -20 dBFS RMS, continuous across reads") {
        _cleanup_(audio_source_freep) struct audio_source *s = open_source(AUDIO_SOURCE_TONE, false);
        static int16_t pcm[RATE * 2];
        unsigned crossings = 0;
        struct audio_source_stats st;

        /* one second in odd-sized blocks from an odd start: the phase must not jump between them */
        for (unsigned off = 0; off < RATE;) {
                unsigned n = MIN(333u, RATE - off);

                audio_source_read(s, 123456789 + off, pcm + (size_t) off * 2, n);
                off += n;
        }
        for (unsigned i = 1; i < RATE; i++) {
                assert_int_eq(pcm[2 * i], pcm[2 * i + 1]);
                crossings += pcm[2 * (i - 1)] < 0 && pcm[2 * i] >= 0;
                /* no jump larger than the sine's steepest step */
                assert_true(abs(pcm[2 * i] - pcm[2 * (i - 1)]) <= 4634 * 2 * M_PI * 997 / RATE + 2);
        }
        assert_int_ge(crossings, 996);
        assert_int_le(crossings, 998);
        assert_true(fabs(rms_dbfs(pcm, RATE * 2) + 20) < 0.05);
        audio_source_get_stats(s, &st);
        assert_str_eq(st.input, "tone");
        assert_str_eq(st.silence_reason, "");
        assert_int_eq(st.frames_read, RATE);
        assert_true(fabs(st.level_dbfs + 20) < 0.1);
}

TEST(audio_source_beep, "/audio-source/beep: sound exactly in the flash window of each second") {
        _cleanup_(audio_source_freep) struct audio_source *s = open_source(AUDIO_SOURCE_TONE, true);
        static int16_t pcm[RATE * 2];
        unsigned beep = CAPTURE_FLASH_USEC * RATE / 1000000, last_loud = 0, first_loud = RATE;

        audio_source_read(s, (uint64_t) RATE * 1000, pcm, RATE); /* second 1000, from its start */
        for (unsigned i = 0; i < RATE; i++)
                if (pcm[2 * i] != 0) {
                        first_loud = MIN(first_loud, i);
                        last_loud = i;
                }
        assert_int_le(first_loud, 2);
        assert_int_ge(last_loud, beep - 3);
        assert_int_le(last_loud, beep - 1);
}

TEST(audio_source_silence, "/audio-source/silence says why") {
        _cleanup_(audio_source_freep) struct audio_source *s = open_source(AUDIO_SOURCE_SILENCE, false);
        int16_t pcm[960];
        struct audio_source_stats st;

        memset(pcm, 0x55, sizeof(pcm));
        audio_source_read(s, 1000, pcm, 480);
        for (unsigned i = 0; i < 960; i++)
                assert_int_eq(pcm[i], 0);
        audio_source_get_stats(s, &st);
        assert_str_eq(st.input, "silence");
        assert_str_eq(st.silence_reason, "no audio input attached");
}

/* ---- fd input ---- */

static void write_all(int fd, const void *buf, size_t len)
{
        assert_int_eq(write(fd, buf, len), (ssize_t) len);
}

static void send_header(int fd, unsigned rate, unsigned channels)
{
        struct audio_stream_header h = { rate, channels, AUDIO_STREAM_FORMAT_S16LE };
        uint8_t b[AUDIO_STREAM_HEADER_SIZE];

        audio_stream_write_header(&h, b);
        write_all(fd, b, sizeof(b));
}

/* n stereo frames whose left sample is value + i, at sample-clock position pos. */
static void send_frames(int fd, uint64_t pos, unsigned n, int16_t value)
{
        uint8_t b[AUDIO_STREAM_PACKET_HEADER_SIZE + 4 * 4800];
        int16_t *pcm = (int16_t *) (b + AUDIO_STREAM_PACKET_HEADER_SIZE);

        assert_true(n <= 4800);
        audio_stream_write_packet_header(4 * n, 0, pos * 1000000000ULL / RATE + 1, b);
        for (unsigned i = 0; i < n; i++) {
                pcm[2 * i] = (int16_t) (value + (int16_t) i);
                pcm[2 * i + 1] = -1;
        }
        write_all(fd, b, AUDIO_STREAM_PACKET_HEADER_SIZE + 4 * n);
}

/* Like send_frames(), but a refused write (the source shut the socket) returns -errno. */
static int send_frames_nowait(int fd, uint64_t pos, unsigned n, int16_t value)
{
        uint8_t b[AUDIO_STREAM_PACKET_HEADER_SIZE + 4 * 4800];
        int16_t *pcm = (int16_t *) (b + AUDIO_STREAM_PACKET_HEADER_SIZE);
        size_t len = AUDIO_STREAM_PACKET_HEADER_SIZE + 4 * n, done = 0;

        assert_true(n <= 4800);
        audio_stream_write_packet_header(4 * n, 0, pos * 1000000000ULL / RATE + 1, b);
        for (unsigned i = 0; i < n; i++) {
                pcm[2 * i] = (int16_t) (value + (int16_t) i);
                pcm[2 * i + 1] = -1;
        }
        while (done < len) {
                ssize_t k = send(fd, b + done, len - done, MSG_NOSIGNAL);
                if (k < 0)
                        return -errno;
                done += (size_t) k;
        }
        return 0;
}

static struct audio_source_stats wait_received(struct audio_source *s, uint64_t frames)
{
        struct audio_source_stats st;

        for (int i = 0; i < 500; i++) {
                audio_source_get_stats(s, &st);
                if (st.frames_received >= frames)
                        return st;
                usleep(2000);
        }
        test_fail(__FILE__, __LINE__, "only %llu frames received", (unsigned long long) st.frames_received);
}

static struct audio_source_stats wait_reason(struct audio_source *s, const char *part)
{
        struct audio_source_stats st;

        for (int i = 0; i < 500; i++) {
                audio_source_get_stats(s, &st);
                if (strstr(st.silence_reason, part))
                        return st;
                usleep(2000);
        }
        test_fail(__FILE__, __LINE__, "reason \"%s\", expected \"%s\"", st.silence_reason, part);
}

TEST(audio_source_fd, "/audio-source/fd: sound at its timestamps, gaps and the end filled with silence") {
        _cleanup_(audio_source_freep) struct audio_source *s = open_source(AUDIO_SOURCE_TONE, false);
        int sv[2];
        int16_t pcm[2 * 960];
        uint64_t t0 = now_frame();
        struct audio_source_stats st;

        assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
        assert_int_eq(audio_source_attach_fd(s, sv[0]), 0);
        audio_source_get_stats(s, &st);
        assert_str_eq(st.input, "fd");
        assert_true(strstr(st.silence_reason, "waiting") != NULL);

        send_header(sv[1], RATE, 2);
        send_frames(sv[1], t0, 480, 100);
        send_frames(sv[1], t0 + 480, 480, 1000);       /* contiguous */
        send_frames(sv[1], t0 + 1920, 480, 5000);      /* 480 frames missing before it */
        wait_received(s, 1440);

        /* 480 frames (10 ms) before the sound starts: silence, then the first packet */
        audio_source_read(s, t0 - 480, pcm, 960);
        assert_int_eq(pcm[0], 0);
        assert_int_eq(pcm[2 * 479], 0);
        assert_int_eq(pcm[2 * 480], 100);
        assert_int_eq(pcm[2 * 959], 100 + 479);
        assert_int_eq(pcm[2 * 959 + 1], -1);
        audio_source_read(s, t0 + 480, pcm, 960);
        assert_int_eq(pcm[0], 1000);                    /* the second packet follows on */
        assert_int_eq(pcm[2 * 479], 1000 + 479);
        assert_int_eq(pcm[2 * 480], 0);                 /* the gap */
        audio_source_get_stats(s, &st);
        assert_str_eq(st.silence_reason, "");
        audio_source_read(s, t0 + 1440, pcm, 960);
        assert_int_eq(pcm[2 * 479], 0);
        assert_int_eq(pcm[2 * 480], 5000);

        /* the producer closes: silence, and why */
        close(sv[1]);
        st = wait_reason(s, "audio input closed");
        audio_source_read(s, t0 + 2400, pcm, 960);
        assert_int_eq(pcm[0], 0);
        assert_int_eq(pcm[2 * 959], 0);
}

TEST(audio_source_fd_jitter_bound, "/audio-source/fd: beyond the 200 ms buffer the oldest sound goes; late sound is dropped") {
        _cleanup_(audio_source_freep) struct audio_source *s = open_source(AUDIO_SOURCE_SILENCE, false);
        int sv[2];
        int16_t pcm[2 * 480];
        uint64_t t0 = now_frame();
        struct audio_source_stats st;

        assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
        assert_int_eq(audio_source_attach_fd(s, sv[0]), 0);
        send_header(sv[1], RATE, 2);
        for (int i = 0; i < 6; i++)                    /* 300 ms */
                send_frames(sv[1], t0 + 2400 * (uint64_t) i, 2400, (int16_t) (1000 * i));
        st = wait_received(s, 6 * 2400);
        assert_int_eq(st.frames_dropped, 4800);        /* 100 ms beyond the bound */
        audio_source_read(s, t0 + 4800, pcm, 480);     /* the oldest that is left */
        assert_int_eq(pcm[0], 2000);
        audio_source_read(s, t0 + 9600, pcm, 480);     /* skipping ahead drops what was not played */
        assert_int_eq(pcm[0], 4000);
        audio_source_get_stats(s, &st);
        assert_int_eq(st.frames_dropped, 4800 + 4320);
        close(sv[1]);
}

TEST(audio_source_fd_stall, "/audio-source/fd: a producer that stops: silence, an underrun and a reason; it comes back") {
        _cleanup_(audio_source_freep) struct audio_source *s = open_source(AUDIO_SOURCE_SILENCE, false);
        int sv[2];
        int16_t pcm[2 * 4800];
        uint64_t t0 = now_frame();
        struct audio_source_stats st;

        assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
        assert_int_eq(audio_source_attach_fd(s, sv[0]), 0);
        send_header(sv[1], RATE, 2);
        send_frames(sv[1], t0, 480, 7);
        wait_received(s, 480);
        audio_source_read(s, t0, pcm, 480);
        assert_int_eq(pcm[0], 7);
        for (int i = 1; i <= 3; i++)                   /* 300 ms of nothing */
                audio_source_read(s, t0 + 4800 * (uint64_t) i, pcm, 4800);
        audio_source_get_stats(s, &st);
        assert_int_eq(st.underruns, 1);
        assert_true(strstr(st.silence_reason, "sent nothing") != NULL);
        send_frames(sv[1], t0 + 19200, 480, 9);
        wait_received(s, 960);
        audio_source_read(s, t0 + 19200, pcm, 480);
        assert_int_eq(pcm[0], 9);
        audio_source_get_stats(s, &st);
        assert_str_eq(st.silence_reason, "");
        close(sv[1]);
}

TEST(audio_source_fd_bad, "/audio-source/fd: wrong format, garbage, a flood: a clear reason, silence goes on") {
        static const struct {
                const char *why;
                unsigned rate, channels;
                bool garbage, flood;
        } cases[] = {
                { "wrong format: 44100 Hz 2 ch, the session plays 48000 Hz 2 ch", 44100, 2, false, false },
                { "not an audio stream", 0, 0, true, false },
                { "flood", RATE, 2, false, true },
        };

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                _cleanup_(audio_source_freep) struct audio_source *s = open_source(AUDIO_SOURCE_SILENCE, false);
                int sv[2];
                int16_t pcm[2 * 480];

                assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
                assert_int_eq(audio_source_attach_fd(s, sv[0]), 0);
                if (cases[i].garbage)
                        write_all(sv[1], "RIFF....WAVEfmt ", 16);
                else
                        send_header(sv[1], cases[i].rate, cases[i].channels);
                /* 4 s of sound at once, far faster than real time; once the source has had enough it
                 * reads no more and shuts the socket, so a write fails instead of blocking. */
                for (int k = 0; cases[i].flood && k < 40; k++)
                        if (send_frames_nowait(sv[1], now_frame(), 4800, 1) < 0)
                                break;
                wait_reason(s, cases[i].why);
                audio_source_read(s, now_frame(), pcm, 480);
                assert_int_eq(pcm[0], 0);
                close(sv[1]);
        }
}

TEST(audio_source_fd_mono, "/audio-source/fd: mono input plays on both channels") {
        _cleanup_(audio_source_freep) struct audio_source *s = open_source(AUDIO_SOURCE_SILENCE, false);
        int sv[2];
        uint8_t b[AUDIO_STREAM_PACKET_HEADER_SIZE + 2 * 480];
        int16_t *in = (int16_t *) (b + AUDIO_STREAM_PACKET_HEADER_SIZE), pcm[2 * 480];
        uint64_t t0 = now_frame();

        assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
        assert_int_eq(audio_source_attach_fd(s, sv[0]), 0);
        send_header(sv[1], RATE, 1);
        audio_stream_write_packet_header(2 * 480, 0, t0 * 1000000000ULL / RATE + 1, b);
        for (int i = 0; i < 480; i++)
                in[i] = (int16_t) (i * 3);
        write_all(sv[1], b, sizeof(b));
        wait_received(s, 480);
        audio_source_read(s, t0, pcm, 480);
        assert_int_eq(pcm[2 * 100], 300);
        assert_int_eq(pcm[2 * 100 + 1], 300);
        close(sv[1]);
}
