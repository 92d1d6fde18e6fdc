/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Audio inputs on the CLOCK_MONOTONIC sample clock (see audio_source.h):
 * silence, a test tone, or PCM from an fd through a bounded jitter buffer.
 *
 * The jitter buffer is a ring of sample frames whose first frame sits at
 * head_pos on the sample clock. A packet whose time continues the buffer
 * (within JITTER_SLACK) is appended as if contiguous, so a producer's
 * timestamp noise does not tear the sound; a gap inserts silence, a jump
 * back or a gap longer than the buffer starts over at the new time. Reads
 * drop what is older than the block asked for (too late to play) and fill
 * silence for what has not arrived; beyond jitter_ms the oldest frames go.
 *
 * Locking: one mutex for the buffer, the stats and the reason; the reader
 * thread holds it only to push parsed frames.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "../protocol/audio_stream.h"
#include "../protocol/macro.h"
#include "audio_source.h"
#include "capture.h"

#define READ_BUFFER_SIZE (2 * (AUDIO_STREAM_PACKET_HEADER_SIZE + AUDIO_STREAM_MAX_PAYLOAD))
/* A producer sending more than this many seconds of sound per second is flooding us. */
#define FLOOD_FACTOR 3
/* Reads this long without any input sound say so (silence_reason). */
#define STARVED_USEC 200000ULL

struct audio_source {
        struct audio_source_config cfg;
        int16_t tone_amplitude;
        unsigned slack;                /* frames: JITTER_SLACK, 5 ms */

        pthread_mutex_t lock;
        /* under lock: */
        int16_t *ring;                 /* capacity * channels samples */
        unsigned capacity, head, count;
        uint64_t head_pos;             /* sample-clock position of the ring's first frame */
        bool fd_attached;              /* an fd was attached: read the buffer, not the tone */
        bool fd_live;                  /* its reader still runs (no EOF or error yet) */
        bool got_data;                 /* the current fd delivered sound */
        uint64_t starved;              /* consecutive frames read without input sound */
        double level_sum;              /* squares over level_frames, for level_dbfs */
        unsigned level_frames;
        double level_ms[10];           /* mean squares of the last ten 100 ms stretches */
        unsigned level_pos;
        struct audio_source_stats stats;

        /* the fd reader; changed only by attach/free (the control side) */
        int fd;                        /* owned, -1 none */
        int stop_fd;                   /* owned eventfd: wakes the reader to quit */
        pthread_t reader;
        bool reader_running;
        uint8_t *rbuf;                 /* owned: READ_BUFFER_SIZE */
};

static const char *const kind_names[_AUDIO_SOURCE_KIND_MAX] = {
        [AUDIO_SOURCE_SILENCE] = "silence",
        [AUDIO_SOURCE_TONE] = "tone",
};

const char *audio_source_kind_to_string(enum audio_source_kind k)
{
        return k >= 0 && k < _AUDIO_SOURCE_KIND_MAX ? kind_names[k] : NULL;
}

enum audio_source_kind audio_source_kind_from_string(const char *s)
{
        for (int k = 0; s && k < _AUDIO_SOURCE_KIND_MAX; k++)
                if (strcmp(s, kind_names[k]) == 0)
                        return k;
        return _AUDIO_SOURCE_KIND_INVALID;
}

static uint64_t now_nsec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000ULL + (uint64_t) ts.tv_nsec;
}

/* lock held */
static void set_reason(struct audio_source *s, const char *fmt, ...)
{
        char buf[sizeof(s->stats.silence_reason)];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        if (strcmp(buf, s->stats.silence_reason) == 0)
                return;
        memcpy(s->stats.silence_reason, buf, sizeof(buf));
        s->stats.reason_seq++;
}

/* ---- the jitter buffer (lock held) ---------------------------------------- */

static void ring_drop(struct audio_source *s, unsigned n)
{
        n = MIN(n, s->count);
        s->head = (s->head + n) % s->capacity;
        s->count -= n;
        s->head_pos += n;
}

static void ring_append(struct audio_source *s, const int16_t *pcm, unsigned in_channels, unsigned n)
{
        unsigned ch = s->cfg.channels;

        if (n > s->capacity) {
                /* only the newest capacity frames can stay */
                unsigned skip = n - s->capacity;

                s->stats.frames_dropped += skip;
                if (pcm)
                        pcm += (size_t) skip * in_channels;
                s->head_pos += s->count + skip;
                s->head = 0;
                s->count = 0;
                n = s->capacity;
        }
        if (s->count + n > s->capacity) {
                unsigned over = s->count + n - s->capacity;

                s->stats.frames_dropped += over;
                ring_drop(s, over);
        }
        for (unsigned i = 0; i < n; i++) {
                int16_t *dst = s->ring + (size_t) ((s->head + s->count + i) % s->capacity) * ch;

                for (unsigned c = 0; c < ch; c++)
                        /* mono input plays on every channel */
                        dst[c] = pcm ? pcm[(size_t) i * in_channels + (in_channels == 1 ? 0 : c)] : 0;
        }
        s->count += n;
}

/* Frames from the fd at sample-clock position pos (NULL pcm: silence). */
static void ring_push(struct audio_source *s, uint64_t pos, const int16_t *pcm, unsigned in_channels, unsigned n)
{
        if (s->count == 0)
                s->head_pos = pos;
        else {
                uint64_t end = s->head_pos + s->count;

                if (pos > end + s->slack && pos - end < s->capacity)
                        ring_append(s, NULL, 1, (unsigned) (pos - end)); /* a gap: silence in between */
                else if (pos + s->slack < end || pos > end + s->slack) {
                        /* back in time or far ahead: start over at the new time */
                        s->head_pos = pos;
                        s->head = 0;
                        s->count = 0;
                }
        }
        ring_append(s, pcm, in_channels, n);
}

/* ---- the fd reader thread ------------------------------------------------- */

/* The input ends: silence from now on, why in the reason. Sound already buffered plays out only after
 * a clean end (EOF); after bad input it is dropped with the rest. */
static void reader_end(struct audio_source *s, bool flush, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void reader_end(struct audio_source *s, bool flush, const char *fmt, ...)
{
        char buf[sizeof(s->stats.silence_reason)];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        /* Bad input: we read no more, so tell the producer at once (its writes fail with EPIPE)
         * instead of letting it block on a full socket. Not a close: the fd is closed by
         * reader_stop() after this thread is joined. A pipe has no shutdown(); its writer
         * sees EPIPE when we close. */
        if (flush)
                (void) shutdown(s->fd, SHUT_RDWR);
        pthread_mutex_lock(&s->lock);
        s->fd_live = false;
        if (flush) {
                s->stats.frames_dropped += s->count;
                ring_drop(s, s->count);
        }
        set_reason(s, "%s", buf);
        pthread_mutex_unlock(&s->lock);
}

static void *reader_thread(void *userdata)
{
        struct audio_source *s = userdata;
        struct audio_stream_header h = {};
        bool have_header = false;
        size_t len = 0;
        uint64_t window_start = now_nsec(), window_frames = 0;
        uint64_t total = 0;

        for (;;) {
                struct pollfd p[2] = { { .fd = s->fd, .events = POLLIN }, { .fd = s->stop_fd, .events = POLLIN } };
                size_t off = 0;
                ssize_t n;

                if (poll(p, 2, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        reader_end(s, true, "audio input: poll failed: %s", strerror(errno));
                        return NULL;
                }
                if (p[1].revents)
                        return NULL;
                n = read(s->fd, s->rbuf + len, READ_BUFFER_SIZE - len);
                if (n < 0 && (errno == EAGAIN || errno == EINTR))
                        continue;
                if (n < 0) {
                        reader_end(s, true, "audio input: read failed: %s", strerror(errno));
                        return NULL;
                }
                if (n == 0) {
                        reader_end(s, false, "audio input closed after %llu bytes", (unsigned long long) total);
                        return NULL;
                }
                len += (size_t) n;
                total += (uint64_t) n;

                while (off < len) {
                        struct audio_stream_packet pkt;
                        uint64_t now = now_nsec(), pos;
                        ssize_t k;

                        if (!have_header) {
                                k = audio_stream_parse_header(s->rbuf + off, len - off, &h);
                                if (k == -EAGAIN)
                                        break;
                                if (k == -ENOTSUP) {
                                        reader_end(s, true, "audio input: unsupported format (not S16LE, or rate/channels out of range)");
                                        return NULL;
                                }
                                if (k < 0) {
                                        reader_end(s, true, "audio input: not an audio stream (no MCA1 header)");
                                        return NULL;
                                }
                                if (h.rate_hz != s->cfg.rate_hz || (h.channels != 1 && h.channels != s->cfg.channels)) {
                                        reader_end(s, true, "audio input: wrong format: %u Hz %u ch, the session plays %u Hz %u ch",
                                                   h.rate_hz, h.channels, s->cfg.rate_hz, s->cfg.channels);
                                        return NULL;
                                }
                                have_header = true;
                                off += (size_t) k;
                                continue;
                        }
                        k = audio_stream_parse_packet(&h, s->rbuf + off, len - off, &pkt);
                        if (k == -EAGAIN)
                                break;
                        if (k < 0) {
                                reader_end(s, true, "audio input: malformed packet at byte %llu",
                                           (unsigned long long) (total - len + off));
                                return NULL;
                        }
                        off += (size_t) k;

                        /* A producer may run ahead a little (prebuffering), never for long. */
                        if (now - window_start > 1000000000ULL) {
                                window_start = now;
                                window_frames = 0;
                        }
                        window_frames += pkt.frames;
                        if (window_frames > (uint64_t) FLOOD_FACTOR * h.rate_hz) {
                                reader_end(s, true, "audio input: flood: more than %u s of sound within 1 s, input dropped",
                                           FLOOD_FACTOR);
                                return NULL;
                        }
                        /* No time, or a time far from now (another clock): the arrival time. */
                        if (pkt.time_nsec == 0 || pkt.time_nsec > now + 1000000000ULL ||
                            pkt.time_nsec + 2000000000ULL < now)
                                pkt.time_nsec = now - (uint64_t) pkt.frames * 1000000000ULL / h.rate_hz;
                        /* nearest sample frame, without overflowing 64 bits */
                        pos = pkt.time_nsec / 1000000000ULL * h.rate_hz +
                              (pkt.time_nsec % 1000000000ULL * h.rate_hz + 500000000ULL) / 1000000000ULL;

                        pthread_mutex_lock(&s->lock);
                        /* Samples are S16LE; we run on little-endian hosts only (x86-64, arm64). */
                        ring_push(s, pos, (const int16_t *) (const void *) pkt.data, h.channels, pkt.frames);
                        s->stats.frames_received += pkt.frames;
                        pthread_mutex_unlock(&s->lock);
                }
                memmove(s->rbuf, s->rbuf + off, len - off);
                len -= off;
        }
}

static void reader_stop(struct audio_source *s)
{
        uint64_t one = 1;

        if (s->reader_running) {
                (void) !write(s->stop_fd, &one, sizeof(one));
                pthread_join(s->reader, NULL);
                (void) !read(s->stop_fd, &one, sizeof(one));
                s->reader_running = false;
        }
        s->fd = safe_close(s->fd);
}

/* ---- life cycle ------------------------------------------------------------ */

struct audio_source *audio_source_free(struct audio_source *s)
{
        if (!s)
                return NULL;
        reader_stop(s);
        s->stop_fd = safe_close(s->stop_fd);
        pthread_mutex_destroy(&s->lock);
        free(s->ring);
        free(s->rbuf);
        free(s);
        return NULL;
}

int audio_source_new(const struct audio_source_config *cfg, struct audio_source **ret)
{
        _cleanup_(audio_source_freep) struct audio_source *s = NULL;
        double dbfs;

        if (!cfg || !ret || (cfg->rate_hz != 44100 && cfg->rate_hz != 48000) || cfg->channels < 1 ||
            cfg->channels > 2 || cfg->kind < 0 || cfg->kind >= _AUDIO_SOURCE_KIND_MAX ||
            (cfg->jitter_ms && (cfg->jitter_ms < 40 || cfg->jitter_ms > 1000)) || cfg->tone_hz >= cfg->rate_hz / 2 ||
            cfg->tone_dbfs > 0 || cfg->tone_dbfs < -100)
                return -EINVAL;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->fd = -1;
        s->stop_fd = -1;
        pthread_mutex_init(&s->lock, NULL);
        s->cfg = *cfg;
        if (!s->cfg.tone_hz)
                s->cfg.tone_hz = 1000;
        if (!s->cfg.jitter_ms)
                s->cfg.jitter_ms = 200;
        dbfs = s->cfg.tone_dbfs ? s->cfg.tone_dbfs : -20;
        s->cfg.tone_dbfs = dbfs;
        /* RMS relative to full scale: a sine of amplitude A has RMS A / sqrt(2) */
        s->tone_amplitude = (int16_t) lrint(MIN(32767.0, 32768.0 * pow(10, dbfs / 20) * sqrt(2)));
        s->slack = s->cfg.rate_hz / 200;
        s->capacity = s->cfg.rate_hz * s->cfg.jitter_ms / 1000;
        s->ring = calloc((size_t) s->capacity * s->cfg.channels, sizeof(int16_t));
        s->rbuf = malloc(READ_BUFFER_SIZE);
        if (!s->ring || !s->rbuf)
                return -ENOMEM;
        s->stop_fd = eventfd(0, EFD_CLOEXEC);
        if (s->stop_fd < 0)
                return -errno;
        snprintf(s->stats.input, sizeof(s->stats.input), "%s", audio_source_kind_to_string(s->cfg.kind));
        s->stats.level_dbfs = -120;
        if (s->cfg.kind == AUDIO_SOURCE_SILENCE)
                set_reason(s, "no audio input attached");
        *ret = steal_ptr(s);
        return 0;
}

int audio_source_attach_fd(struct audio_source *s, int fd)
{
        int r, flags;

        if (!s || fd < 0) {
                safe_close(fd);
                return -EINVAL;
        }
        reader_stop(s);
        s->fd = fd;
        flags = fcntl(fd, F_GETFL);
        if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
                r = -errno;
                s->fd = safe_close(s->fd);
                return r;
        }
        pthread_mutex_lock(&s->lock);
        s->fd_attached = true;
        s->fd_live = true;
        s->got_data = false;
        s->count = 0;
        s->head = 0;
        s->starved = 0;
        snprintf(s->stats.input, sizeof(s->stats.input), "fd");
        set_reason(s, "audio input attached, waiting for its first PCM");
        pthread_mutex_unlock(&s->lock);
        r = -pthread_create(&s->reader, NULL, reader_thread, s);
        if (r < 0) {
                pthread_mutex_lock(&s->lock);
                s->fd_live = false;
                set_reason(s, "audio input: no reader thread: %s", strerror(-r));
                pthread_mutex_unlock(&s->lock);
                s->fd = safe_close(s->fd);
                return r;
        }
        s->reader_running = true;
        return 0;
}

/* ---- reading (lock held) --------------------------------------------------- */

static void read_tone(struct audio_source *s, uint64_t first, int16_t *out, unsigned frames)
{
        unsigned rate = s->cfg.rate_hz, ch = s->cfg.channels;
        unsigned beep_frames = (unsigned) (CAPTURE_FLASH_USEC * rate / 1000000);

        for (unsigned i = 0; i < frames; i++) {
                /* the tone's period divides a second (whole hertz): the phase only needs n mod rate */
                unsigned n = (unsigned) ((first + i) % rate);
                bool on = !s->cfg.tone_beep || n < beep_frames;
                int16_t v = on ? (int16_t) lrint(s->tone_amplitude *
                                                 sin(2 * M_PI * (double) ((uint64_t) n * s->cfg.tone_hz % rate) / rate))
                               : 0;

                for (unsigned c = 0; c < ch; c++)
                        out[(size_t) i * ch + c] = v;
        }
}

static void read_fd(struct audio_source *s, uint64_t first, int16_t *out, unsigned frames)
{
        unsigned ch = s->cfg.channels, done = 0, copied = 0;

        /* A few frames either way are timestamp noise: play on as if aligned. */
        if (s->count > 0 && s->head_pos < first) {
                if (first - s->head_pos <= s->slack)
                        s->head_pos = first;
                else {
                        uint64_t late = MIN(first - s->head_pos, (uint64_t) s->count);

                        s->stats.frames_dropped += late;
                        ring_drop(s, (unsigned) late);
                }
        }
        if (s->count > 0 && s->head_pos > first && s->head_pos - first <= s->slack)
                s->head_pos = first;
        if (s->count > 0 && s->head_pos > first) {
                /* not there yet: silence until it starts */
                done = (unsigned) MIN(s->head_pos - first, (uint64_t) frames);
                memset(out, 0, (size_t) done * ch * sizeof(int16_t));
        }
        while (done < frames && s->count > 0 && s->head_pos == first + done) {
                unsigned n = MIN(frames - done, MIN(s->count, s->capacity - s->head));

                memcpy(out + (size_t) done * ch, s->ring + (size_t) s->head * ch, (size_t) n * ch * sizeof(int16_t));
                ring_drop(s, n);
                done += n;
                copied += n;
        }
        if (done < frames) {
                memset(out + (size_t) done * ch, 0, (size_t) (frames - done) * ch * sizeof(int16_t));
                s->stats.frames_silence += frames - done;
        }

        if (copied > 0) {
                s->starved = 0;
                s->got_data = true;
                if (s->fd_live)
                        set_reason(s, "%s", "");
        } else {
                if (s->starved < STARVED_USEC * s->cfg.rate_hz / 1000000 &&
                    s->starved + frames >= STARVED_USEC * s->cfg.rate_hz / 1000000 && s->fd_live && s->got_data) {
                        s->stats.underruns++;
                        set_reason(s, "audio input sent nothing for %llu ms: filling silence",
                                   (unsigned long long) (STARVED_USEC / 1000));
                }
                s->starved += frames;
        }
}

void audio_source_read(struct audio_source *s, uint64_t first_frame, int16_t *out, unsigned frames)
{
        unsigned ch = s->cfg.channels;

        pthread_mutex_lock(&s->lock);
        if (s->fd_attached)
                read_fd(s, first_frame, out, frames);
        else if (s->cfg.kind == AUDIO_SOURCE_TONE)
                read_tone(s, first_frame, out, frames);
        else
                memset(out, 0, (size_t) frames * ch * sizeof(int16_t));
        s->stats.frames_read += frames;

        for (size_t i = 0; i < (size_t) frames * ch; i++)
                s->level_sum += (double) out[i] * out[i];
        s->level_frames += frames;
        if (s->level_frames >= s->cfg.rate_hz / 10) {
                double max = 0;

                s->level_ms[s->level_pos] = s->level_sum / ((double) s->level_frames * ch) / (32768.0 * 32768.0);
                s->level_pos = (s->level_pos + 1) % ARRAY_SIZE(s->level_ms);
                for (size_t i = 0; i < ARRAY_SIZE(s->level_ms); i++)
                        max = MAX(max, s->level_ms[i]);
                s->stats.level_dbfs = max > 1e-12 ? 10 * log10(max) : -120;
                s->level_sum = 0;
                s->level_frames = 0;
        }
        pthread_mutex_unlock(&s->lock);
}

void audio_source_get_stats(struct audio_source *s, struct audio_source_stats *ret)
{
        pthread_mutex_lock(&s->lock);
        *ret = s->stats;
        pthread_mutex_unlock(&s->lock);
}
