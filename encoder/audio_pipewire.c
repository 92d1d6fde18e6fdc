/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * encoder/audio_pipewire.h: what a PipeWire output plays, as "mca1" PCM on an fd.
 *
 *   caller thread   audio_pipewire_start(): connect, create the capture stream
 *   pw data thread  on_process(): dequeue, stamp, frame, send (non-blocking)
 *   pw loop thread  core/stream errors -> the error and the event fd
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <pipewire/pipewire.h>
#include <spa/param/audio/format-utils.h>

#include "../protocol/audio_stream.h"
#include "../protocol/macro.h"
#include "audio_pipewire.h"

/* What the reader may fall behind by before whole packets are dropped. */
#define AUDIO_PIPEWIRE_BACKLOG_MSEC 250u
/* At most this many buffers handled in one process call (they are stamped backwards from the newest). */
#define AUDIO_PIPEWIRE_MAX_BUFFERS 8

struct audio_pipewire {
        struct pw_thread_loop *loop;  /* owned */
        struct pw_context *context;   /* owned */
        struct pw_core *core;         /* owned */
        struct spa_hook core_listener;
        struct pw_stream *stream;     /* owned */
        struct spa_hook stream_listener;
        int fd;                       /* owned: the reader's socket or pipe */
        int event_fd;                 /* owned: eventfd, written on the first failure */
        unsigned rate_hz, channels, frame_bytes;

        /* data thread only */
        uint8_t *out;                 /* owned: bytes the reader has not taken yet */
        size_t out_len, out_cap;
        bool header_written;
        bool discontinuity;           /* packets were dropped: flag the next one */

        pthread_mutex_t lock;         /* guards error, error_text */
        int error;
        char error_text[160];
        atomic_bool dead;             /* stop writing: failed */
        atomic_ullong written, dropped;
};

static pthread_once_t pw_once = PTHREAD_ONCE_INIT;

static void audio_pipewire_init_library(void)
{
        pw_init(NULL, NULL);
}

static uint64_t now_nsec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000ULL + (uint64_t) ts.tv_nsec;
}

/* Any thread. The first failure is the one that counts. */
static void audio_pipewire_fail(struct audio_pipewire *p, int error, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static void audio_pipewire_fail(struct audio_pipewire *p, int error, const char *fmt, ...)
{
        uint64_t one = 1;
        va_list ap;

        pthread_mutex_lock(&p->lock);
        if (p->error) {
                pthread_mutex_unlock(&p->lock);
                return;
        }
        p->error = error < 0 ? error : -EIO;
        va_start(ap, fmt);
        vsnprintf(p->error_text, sizeof(p->error_text), fmt, ap);
        va_end(ap);
        pthread_mutex_unlock(&p->lock);
        atomic_store(&p->dead, true);
        /* The reader hears EOF at once ("closed") instead of waiting for sound that will not come. */
        (void) shutdown(p->fd, SHUT_WR);
        (void) !write(p->event_fd, &one, sizeof(one));
}

/* ---- data thread ----------------------------------------------------------------- */

static ssize_t audio_pipewire_send(int fd, const void *buf, size_t len)
{
        ssize_t n = send(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);

        if (n < 0 && errno == ENOTSOCK)
                n = write(fd, buf, len);   /* a pipe: O_NONBLOCK is set on it */
        return n;
}

/* Give the reader what it takes now; keep the rest for the next cycle. */
static void audio_pipewire_flush(struct audio_pipewire *p)
{
        while (p->out_len > 0) {
                ssize_t n = audio_pipewire_send(p->fd, p->out, p->out_len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                        return;
                if (n <= 0) {
                        audio_pipewire_fail(p, n < 0 ? -errno : -EPIPE, "the reader closed the audio fd (%s)",
                                            n < 0 ? strerror(errno) : "EOF");
                        return;
                }
                memmove(p->out, p->out + n, p->out_len - (size_t) n);
                p->out_len -= (size_t) n;
        }
}

/* Queue one packet (at most AUDIO_STREAM_MAX_PAYLOAD bytes), or drop it when the reader is too far behind. */
static void audio_pipewire_queue(struct audio_pipewire *p, const uint8_t *pcm, size_t len, uint64_t time_nsec)
{
        unsigned frames = len / p->frame_bytes;

        if (p->out_len + AUDIO_STREAM_PACKET_HEADER_SIZE + len > p->out_cap) {
                p->discontinuity = true;
                atomic_fetch_add(&p->dropped, frames);
                return;
        }
        audio_stream_write_packet_header(len, p->discontinuity ? AUDIO_STREAM_FLAG_DISCONTINUITY : 0, time_nsec,
                                         p->out + p->out_len);
        memcpy(p->out + p->out_len + AUDIO_STREAM_PACKET_HEADER_SIZE, pcm, len);
        p->out_len += AUDIO_STREAM_PACKET_HEADER_SIZE + len;
        p->discontinuity = false;
        atomic_fetch_add(&p->written, frames);
}

static void audio_pipewire_queue_buffer(struct audio_pipewire *p, struct pw_buffer *b, uint64_t time_nsec)
{
        struct spa_data *d = &b->buffer->datas[0];
        const uint8_t *pcm;
        size_t offset, size, max = AUDIO_STREAM_MAX_PAYLOAD / p->frame_bytes * p->frame_bytes;

        if (!d->data || !d->chunk)
                return;
        offset = SPA_MIN(d->chunk->offset, d->maxsize);
        size = SPA_MIN(d->chunk->size, d->maxsize - offset);
        size -= size % p->frame_bytes;
        pcm = (const uint8_t *) d->data + offset;
        while (size > 0) {
                size_t n = SPA_MIN(size, max);

                audio_pipewire_queue(p, pcm, n, time_nsec);
                time_nsec += (uint64_t) (n / p->frame_bytes) * 1000000000ULL / p->rate_hz;
                pcm += n;
                size -= n;
        }
}

static size_t audio_pipewire_buffer_frames(struct audio_pipewire *p, struct pw_buffer *b)
{
        struct spa_data *d = &b->buffer->datas[0];

        if (!d->data || !d->chunk)
                return 0;
        return SPA_MIN(d->chunk->size, d->maxsize) / p->frame_bytes;
}

static void on_process(void *userdata)
{
        struct audio_pipewire *p = userdata;
        struct pw_buffer *bufs[AUDIO_PIPEWIRE_MAX_BUFFERS];
        struct pw_time t = {};
        unsigned n = 0;
        uint64_t start;

        while (n < AUDIO_PIPEWIRE_MAX_BUFFERS && (bufs[n] = pw_stream_dequeue_buffer(p->stream)))
                n++;
        if (n == 0)
                return;
        if (atomic_load(&p->dead)) {
                for (unsigned i = 0; i < n; i++)
                        pw_stream_queue_buffer(p->stream, bufs[i]);
                return;
        }

        /* The newest buffer holds this cycle's sound: it starts at the cycle's time minus the delay to the
         * device. Without a time yet (the first cycles), the arrival time minus the buffer's length. */
        if (pw_stream_get_time_n(p->stream, &t, sizeof(t)) == 0 && t.now > 0 && t.rate.denom > 0) {
                int64_t delay_nsec = t.delay * (int64_t) 1000000000 * t.rate.num / t.rate.denom;

                start = (uint64_t) (t.now - SPA_MAX(delay_nsec, 0));
        } else
                start = now_nsec() - audio_pipewire_buffer_frames(p, bufs[n - 1]) * 1000000000ULL / p->rate_hz;
        /* Older buffers (the loop was late) end where the next one starts. */
        for (unsigned i = n - 1; i > 0; i--)
                start -= audio_pipewire_buffer_frames(p, bufs[i - 1]) * 1000000000ULL / p->rate_hz;

        audio_pipewire_flush(p);
        for (unsigned i = 0; i < n; i++) {
                struct spa_meta_header *h = spa_buffer_find_meta_data(bufs[i]->buffer, SPA_META_Header, sizeof(*h));

                if (h && (h->flags & SPA_META_HEADER_FLAG_DISCONT))
                        p->discontinuity = true;
                audio_pipewire_queue_buffer(p, bufs[i], start);
                start += audio_pipewire_buffer_frames(p, bufs[i]) * 1000000000ULL / p->rate_hz;
                pw_stream_queue_buffer(p->stream, bufs[i]);
        }
        audio_pipewire_flush(p);
}

/* ---- loop thread ------------------------------------------------------------------ */

static void on_stream_state_changed(void *userdata, enum pw_stream_state old, enum pw_stream_state state,
                                    const char *error)
{
        struct audio_pipewire *p = userdata;

        if (state == PW_STREAM_STATE_ERROR)
                audio_pipewire_fail(p, -EIO, "the PipeWire capture stream failed: %s", error ?: "?");
}

static const struct pw_stream_events stream_events = {
        PW_VERSION_STREAM_EVENTS,
        .state_changed = on_stream_state_changed,
        .process = on_process,
};

static void on_core_error(void *userdata, uint32_t id, int seq, int res, const char *message)
{
        struct audio_pipewire *p = userdata;

        if (id == PW_ID_CORE && res == -EPIPE)
                audio_pipewire_fail(p, -EPIPE, "PipeWire went away (%s)", message ?: "disconnected");
}

static const struct pw_core_events core_events = {
        PW_VERSION_CORE_EVENTS,
        .error = on_core_error,
};

/* ---- caller thread ---------------------------------------------------------------- */

static int audio_pipewire_connect_path(const char *path)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd, r;

        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        memcpy(sa.sun_path, path, strlen(path));
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                r = -errno;
                close(fd);
                return r;
        }
        return fd;
}

static void audio_pipewire_positions(unsigned channels, uint32_t *pos)
{
        static const uint32_t surround[] = { SPA_AUDIO_CHANNEL_FL, SPA_AUDIO_CHANNEL_FR, SPA_AUDIO_CHANNEL_FC,
                                             SPA_AUDIO_CHANNEL_LFE, SPA_AUDIO_CHANNEL_RL, SPA_AUDIO_CHANNEL_RR,
                                             SPA_AUDIO_CHANNEL_SL, SPA_AUDIO_CHANNEL_SR };

        if (channels == 1) {
                pos[0] = SPA_AUDIO_CHANNEL_MONO;
                return;
        }
        for (unsigned i = 0; i < channels && i < SPA_N_ELEMENTS(surround); i++)
                pos[i] = surround[i];
}

int audio_pipewire_start(const struct audio_pipewire_config *cfg, int fd, struct audio_pipewire **ret)
{
        _cleanup_close_ int owned_fd = fd, remote_fd = cfg->remote_fd > 0 ? cfg->remote_fd : -1;
        struct audio_pipewire *p;
        struct pw_properties *props;
        uint8_t podbuf[1024];
        struct spa_pod_builder pb = SPA_POD_BUILDER_INIT(podbuf, sizeof(podbuf));
        struct spa_audio_info_raw info = { .format = SPA_AUDIO_FORMAT_S16_LE };
        const struct spa_pod *params[1];
        uint8_t header[AUDIO_STREAM_HEADER_SIZE];
        int r, flags;

        if (cfg->rate_hz < AUDIO_STREAM_MIN_RATE || cfg->rate_hz > AUDIO_STREAM_MAX_RATE || cfg->channels < 1 ||
            cfg->channels > AUDIO_STREAM_MAX_CHANNELS || fd < 0)
                return -EINVAL;
        pthread_once(&pw_once, audio_pipewire_init_library);

        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        pthread_mutex_init(&p->lock, NULL);
        p->fd = steal_fd(owned_fd);
        p->rate_hz = cfg->rate_hz;
        p->channels = cfg->channels;
        p->frame_bytes = 2 * cfg->channels;
        p->out_cap = SPA_MAX((size_t) p->rate_hz * p->frame_bytes * AUDIO_PIPEWIRE_BACKLOG_MSEC / 1000,
                             (size_t) AUDIO_STREAM_MAX_PAYLOAD) + 64 * AUDIO_STREAM_PACKET_HEADER_SIZE;
        p->out = malloc(p->out_cap);
        p->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (!p->out || p->event_fd < 0) {
                r = p->out ? -errno : -ENOMEM;
                goto fail;
        }
        flags = fcntl(p->fd, F_GETFL);
        if (flags >= 0)
                (void) fcntl(p->fd, F_SETFL, flags | O_NONBLOCK);

        /* The stream header goes first, before any packet (the data thread starts with out_len > 0). */
        audio_stream_write_header(&(struct audio_stream_header) { .rate_hz = p->rate_hz, .channels = p->channels,
                                                                  .format = AUDIO_STREAM_FORMAT_S16LE },
                                  header);
        memcpy(p->out, header, sizeof(header));
        p->out_len = sizeof(header);

        p->loop = pw_thread_loop_new("miracast-audio", NULL);
        if (!p->loop) {
                r = -errno ?: -ENOMEM;
                goto fail;
        }
        p->context = pw_context_new(pw_thread_loop_get_loop(p->loop), NULL, 0);
        if (!p->context) {
                r = -errno ?: -ENOMEM;
                goto fail;
        }
        if (pw_thread_loop_start(p->loop) < 0) {
                r = -EIO;
                goto fail;
        }
        pw_thread_loop_lock(p->loop);
        if (cfg->remote_fd > 0 || cfg->remote) {
                int pfd = cfg->remote_fd > 0 ? steal_fd(remote_fd) : audio_pipewire_connect_path(cfg->remote);

                p->core = pfd >= 0 ? pw_context_connect_fd(p->context, pfd, NULL, 0) : NULL;
                if (pfd < 0)
                        errno = -pfd;
        } else
                p->core = pw_context_connect(p->context, NULL, 0);
        if (!p->core) {
                pw_thread_loop_unlock(p->loop);
                r = -EHOSTDOWN;
                goto fail;
        }
        pw_core_add_listener(p->core, &p->core_listener, &core_events, p);

        props = pw_properties_new(PW_KEY_MEDIA_TYPE, "Audio", PW_KEY_MEDIA_CATEGORY, "Capture",
                                  PW_KEY_STREAM_CAPTURE_SINK, "true", PW_KEY_NODE_NAME, "miracast-capture",
                                  PW_KEY_APP_NAME, "miracastd", NULL);
        if (props && cfg->target) {
                pw_properties_set(props, PW_KEY_TARGET_OBJECT, cfg->target);
                /* the key before PipeWire 0.3.64, for older session managers */
                pw_properties_set(props, "node.target", cfg->target);
        }
        p->stream = props ? pw_stream_new(p->core, cfg->name ?: "Miracast", props) : NULL;
        if (!p->stream) {
                pw_thread_loop_unlock(p->loop);
                r = -errno ?: -ENOMEM;
                goto fail;
        }
        pw_stream_add_listener(p->stream, &p->stream_listener, &stream_events, p);
        info.rate = p->rate_hz;
        info.channels = p->channels;
        audio_pipewire_positions(p->channels, info.position);
        params[0] = spa_format_audio_raw_build(&pb, SPA_PARAM_EnumFormat, &info);
        r = pw_stream_connect(p->stream, PW_DIRECTION_INPUT, PW_ID_ANY,
                              PW_STREAM_FLAG_AUTOCONNECT | PW_STREAM_FLAG_MAP_BUFFERS | PW_STREAM_FLAG_RT_PROCESS,
                              params, 1);
        pw_thread_loop_unlock(p->loop);
        if (r < 0)
                goto fail;
        *ret = p;
        return 0;

fail:
        audio_pipewire_free(p);
        return r < 0 ? r : -EIO;
}

struct audio_pipewire *audio_pipewire_free(struct audio_pipewire *p)
{
        if (!p)
                return NULL;
        if (p->loop) {
                pw_thread_loop_lock(p->loop);
                if (p->stream) {
                        spa_hook_remove(&p->stream_listener);
                        pw_stream_destroy(p->stream);
                }
                if (p->core) {
                        spa_hook_remove(&p->core_listener);
                        pw_core_disconnect(p->core);
                }
                pw_thread_loop_unlock(p->loop);
                pw_thread_loop_stop(p->loop);
        }
        if (p->context)
                pw_context_destroy(p->context);
        if (p->loop)
                pw_thread_loop_destroy(p->loop);
        safe_close(p->fd);
        safe_close(p->event_fd);
        pthread_mutex_destroy(&p->lock);
        free(p->out);
        free(p);
        return NULL;
}

int audio_pipewire_get_event_fd(struct audio_pipewire *p)
{
        return p->event_fd;
}

int audio_pipewire_get_error(struct audio_pipewire *p, char *reason, size_t size)
{
        int r;

        pthread_mutex_lock(&p->lock);
        r = p->error;
        if (reason && size)
                snprintf(reason, size, "%s", p->error_text);
        pthread_mutex_unlock(&p->lock);
        return r;
}

void audio_pipewire_get_counts(struct audio_pipewire *p, unsigned long long *ret_written,
                               unsigned long long *ret_dropped)
{
        if (ret_written)
                *ret_written = atomic_load(&p->written);
        if (ret_dropped)
                *ret_dropped = atomic_load(&p->dropped);
}
