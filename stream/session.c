/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * stream/session.h: one RTSP control connection driven by the pure source
 * state machine (protocol/source_session.h), with the media pipeline
 * (encoder/media.h) started, paused and stopped as the machine says. This was
 * daemon/session.c before the process split (docs/process-model.md): it runs
 * in the unprivileged worker, and what used to change the D-Bus object now
 * goes to main as a message (session_notify()).
 *
 * Re-entrancy: the machine's actions are valid only until the next call into
 * it, so actions are never carried out while calling it again. Events that
 * arise while carrying out actions (media started, media failed) are queued
 * in priv->pending and fed in after the action list is done.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <linux/tcp.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../daemon/log.h"
#include "../encoder/capture.h"
#include "../encoder/media.h"
#include "../encoder/rtsp_interleave.h"
#include "../protocol/latency_mode.h"
#include "../protocol/macro.h"
#include "../protocol/net_address.h"
#include "../protocol/owned_str.h"
#include "../protocol/source_session.h"
#include "../protocol/wfd_params.h"
#include "../protocol/worker_msg.h"
#include "session.h"
#include "uibc.h"

/* A sink that stops reading: drop it rather than buffer without bound. */
#define SESSION_MAX_OUTPUT (256u * 1024)
/* The machine's timer also releases requests held back for pacing (docs/rtsp-pacing.md), so
 * it must fire close to its time: sd-event's default accuracy (0 = 250 ms) would stretch the
 * 100 ms send gap to up to 350 ms. */
#define SESSION_TIMER_ACCURACY_USEC 1000ULL

#define log_session_full_errno(s, level, error, fmt, ...) \
        log_full_errno(level, error, "session %u (%s): " fmt, (s)->id, session_log_name(s), ##__VA_ARGS__)
#define log_session_debug(s, ...) log_session_full_errno(s, LOG_DEBUG, 0, __VA_ARGS__)
#define log_session_info(s, ...) log_session_full_errno(s, LOG_INFO, 0, __VA_ARGS__)
#define log_session_warning_errno(s, e, ...) log_session_full_errno(s, LOG_WARNING, e, __VA_ARGS__)
#define log_session_error_errno(s, e, ...) log_session_full_errno(s, LOG_ERR, e, __VA_ARGS__)

struct session_private {
        int fd;                          /* owned: our dup of the RTSP connection */
        sd_event_source *io;             /* owned: EPOLLIN (+EPOLLOUT while output waits) on fd */
        sd_event_source *timer;          /* owned: the machine's one timer */
        sd_event_source *media_io;       /* owned: EPOLLIN on the media event fd */
        sd_event_source *linger;         /* owned: frees the ended session */
        struct source_session *fsm;      /* owned */
        struct uibc_channel *uibc;       /* owned: while input is allowed (stream/uibc.h) */
        struct uibc_geometry input_geometry; /* what main was told in WORKER_MSG_INPUT */
        struct media *media;             /* owned */
        struct capture *capture;         /* a use of the worker's capture (stream_acquire_capture()), from the
                                            first media start until the session ends */
        enum ts_audio_codec media_audio; /* the running pipeline's audio track */
        unsigned media_audio_rate;
        char *out;                       /* owned: bytes not yet written */
        size_t out_len;
        struct rtsp_interleave *il;      /* owned: RTP interleaved in fd (SETUP "interleaved="): from the
                                            first media start on, every write to fd goes through it */
        bool il_waiting;                 /* il holds bytes for fd: poll for EPOLLOUT */
        uint8_t il_rtcp_channel;

        uint64_t attach_usec;            /* when the connection was attached (uptime) */
        bool dispatching;                /* inside session_dispatch(): no nested FSM calls */
        bool pending_media_started;
        int pending_media_error;
        char pending_media_text[160];
};

/* What changed, for main's copy of the session (daemon/session.h has the same list). */
enum session_change {
        SESSION_CHANGED_STATE,
        SESSION_CHANGED_FORMAT,
        SESSION_CHANGED_INPUT,
};

/* The peer's address for log lines. */
static const char *session_log_name(struct session *s)
{
        return s->peer && *s->peer ? s->peer : "-";
}

static uint64_t session_now(struct session *s)
{
        uint64_t now = 0;

        (void) sd_event_now(s->stream->event, CLOCK_MONOTONIC, &now);
        return now;
}

/* Send one message about this session; a broken channel is logged (the stream exits on its hangup). */
static void session_send(struct session *s, struct worker_msg_writer *w)
{
        int r = stream_send(s->stream, w);

        if (r < 0)
                log_session_warning_errno(s, r, "Cannot report to miracastd: %m");
}

/* Main keeps the D-Bus object: tell it what changed. */
static void session_notify(struct session *s, enum session_change change)
{
        static uint8_t buf[WORKER_MSG_MAX];
        struct worker_msg_writer w;

        switch (change) {
        case SESSION_CHANGED_STATE:
                worker_msg_begin(&w, buf, sizeof(buf), WORKER_MSG_STATE, s->id);
                worker_msg_put_u64(&w, WORKER_FIELD_STATE, s->state);
                break;
        case SESSION_CHANGED_FORMAT:
                worker_msg_begin(&w, buf, sizeof(buf), WORKER_MSG_FORMAT, s->id);
                worker_msg_put_u64(&w, WORKER_FIELD_WIDTH, s->width);
                worker_msg_put_u64(&w, WORKER_FIELD_HEIGHT, s->height);
                worker_msg_put_u64(&w, WORKER_FIELD_FPS, s->refresh_rate);
                worker_msg_put_u64(&w, WORKER_FIELD_BITRATE, s->bitrate_bps);
                worker_msg_put_str(&w, WORKER_FIELD_VIDEO_CODEC, s->video_codec);
                worker_msg_put_str(&w, WORKER_FIELD_AUDIO_CODEC, s->audio_codec);
                worker_msg_put_str(&w, WORKER_FIELD_ENCODER, s->encoder);
                break;
        case SESSION_CHANGED_INPUT:
        default:
                return;         /* sent by session_input_activate() with the sizes */
        }
        session_send(s, &w);
}

static void session_set_state(struct session *s, enum source_session_state state)
{
        if (s->state == state)
                return;
        log_session_debug(s, "%s -> %s", source_session_state_to_string(s->state),
                          source_session_state_to_string(state));
        s->state = state;
        session_notify(s, SESSION_CHANGED_STATE);
}

static void session_free_sink_parameters(struct session *s)
{
        for (char **p = s->sink_parameters; p && *p; p++)
                free(*p);
        free(s->sink_parameters);
        s->sink_parameters = NULL;
}

static void session_stop_media(struct session *s)
{
        struct session_private *p = s->priv;

        p->media_io = sd_event_source_disable_unref(p->media_io);
        p->media = media_free(p->media);
}

/* The session is over: its use of the shared capture ends (the last user closes it). */
static void session_release_capture(struct session *s)
{
        struct session_private *p = s->priv;

        session_stop_media(s);
        if (s->own_node)
                p->capture = capture_unref(p->capture); /* its own: closing it ends the desktop's share */
        else
                p->capture = stream_release_capture(s->stream, p->capture);
}

static void session_stop_io(struct session *s)
{
        struct session_private *p = s->priv;

        p->timer = sd_event_source_disable_unref(p->timer);
        p->io = sd_event_source_disable_unref(p->io);
        p->uibc = uibc_channel_free(p->uibc);
        p->il = rtsp_interleave_free(p->il);    /* the media thread is gone: session_stop_media() */
        p->fd = safe_close(p->fd);
        free(p->out);
        p->out = NULL;
        p->out_len = 0;
}

struct session *session_free(struct session *s)
{
        struct session **i;

        if (!s)
                return NULL;
        for (i = &s->stream->sessions; *i; i = &(*i)->next)
                if (*i == s) {
                        *i = s->next;
                        break;
                }
        session_release_capture(s);
        session_stop_io(s);
        s->pipewire_fd = safe_close(s->pipewire_fd);
        s->audio_pipewire_fd = safe_close(s->audio_pipewire_fd);
        s->priv->linger = sd_event_source_disable_unref(s->priv->linger);
        s->priv->fsm = source_session_free(s->priv->fsm);
        session_free_sink_parameters(s);
        free(s->priv);
        free(s->end_reason_text);
        free(s->peer);
        free(s->video_codec);
        free(s->audio_codec);
        free(s->encoder);
        free(s->device_name);
        free(s->audio_pipewire_remote);
        free(s);
        return NULL;
}

static int session_on_linger(sd_event_source *source, void *userdata)
{
        struct session *s = userdata;
        struct stream *st = s->stream;

        session_free(s);
        stream_maybe_exit(st);
        return 0;
}

void session_end(struct session *s, int reason)
{
        session_end_full(s, reason, NULL);
}

void session_end_full(struct session *s, int reason, const char *text)
{
        static uint8_t msg[WORKER_MSG_MAX];
        struct session_private *p = s->priv;
        struct worker_msg_writer w;
        int r;

        if (s->state == SOURCE_SESSION_STATE_ENDED)
                return;
        if (text && *text)
                (void) owned_str_set(&s->end_reason_text, text);

        session_release_capture(s);
        /* Best effort: what the machine queued last (a TEARDOWN reply) goes out before the close. */
        if (p->il)
                (void) rtsp_interleave_flush(p->il);
        else if (p->fd >= 0 && p->out_len > 0)
                (void) !write(p->fd, p->out, p->out_len);
        session_stop_io(s);

        s->end_reason = reason;
        if (!s->end_reason_text || !*s->end_reason_text) {
                char buf[160];
                if (reason < 0)
                        snprintf(buf, sizeof(buf), "%s", strerror(-reason));
                else
                        snprintf(buf, sizeof(buf), "ended");
                (void) owned_str_set(&s->end_reason_text, buf);
        }
        /* main logs the end ("ended: ..."), once, with what D-Bus shows */
        log_session_debug(s, "connection closed: %s", s->end_reason_text);
        s->state = SOURCE_SESSION_STATE_ENDED;
        /* The last word about this session: main ends its object with this reason (and answers a
         * pending start with it). */
        worker_msg_begin(&w, msg, sizeof(msg), WORKER_MSG_ENDED, s->id);
        worker_msg_put_i64(&w, WORKER_FIELD_ERROR, reason);
        worker_msg_put_str(&w, WORKER_FIELD_TEXT, s->end_reason_text);
        session_send(s, &w);

        /* Freed later from the event loop, never under a caller's feet. */
        r = sd_event_add_defer(s->stream->event, &p->linger, session_on_linger, s);
        if (r < 0)
                log_session_warning_errno(s, r, "Failed to schedule freeing, keeping it until exit: %m");
}

/* ---- output -------------------------------------------------------------- */

static int session_update_io_events(struct session *s)
{
        struct session_private *p = s->priv;

        if (!p->io)
                return 0;
        return sd_event_source_set_io_events(p->io, EPOLLIN | EPOLLRDHUP |
                                                             (p->out_len || p->il_waiting ? EPOLLOUT : 0));
}

static int session_flush(struct session *s)
{
        struct session_private *p = s->priv;
        ssize_t n;

        if (p->il) {
                /* the media thread may have flushed it already: then this finds nothing to do */
                int r = rtsp_interleave_flush(p->il);
                if (r < 0)
                        return r;
                p->il_waiting = r > 0;
                return session_update_io_events(s);
        }

        while (p->out_len > 0) {
                n = send(p->fd, p->out, p->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);
                if (n < 0) {
                        if (errno == EAGAIN || errno == EINTR)
                                break;
                        return -errno;
                }
                memmove(p->out, p->out + n, p->out_len - n);
                p->out_len -= n;
        }
        return session_update_io_events(s);
}

static int session_queue_output(struct session *s, const char *data, size_t len)
{
        struct session_private *p = s->priv;
        char *n;
        int r;

        if (p->il) {
                r = rtsp_interleave_queue(p->il, data, len);
                if (r < 0)
                        return r;
                p->il_waiting = r > 0;
                return session_update_io_events(s);
        }
        if (p->out_len + len > SESSION_MAX_OUTPUT)
                return -ENOBUFS;
        n = realloc(p->out, p->out_len + len);
        if (!n)
                return -ENOMEM;
        memcpy(n + p->out_len, data, len);
        p->out = n;
        p->out_len += len;
        return session_flush(s);
}

/* ---- carrying out the machine's actions ------------------------------------ */

/*
 * Bytes we sent that a sink which stopped reading has not taken (ours still queued and the
 * kernel's, SIOCOUTQ), or 0 when it has not stopped: its receive window is open (it reads, or the
 * link is gone, which TCP cannot tell apart from a slow link), or the kernel does not say.
 */
static int session_unread_bytes(struct session *s)
{
        struct session_private *p = s->priv;
        struct tcp_info info = { .tcpi_snd_wnd = UINT32_MAX };
        socklen_t len = sizeof(info);
        int queued = 0;

        if (p->fd < 0 || getsockopt(p->fd, IPPROTO_TCP, TCP_INFO, &info, &len) < 0 ||
            len < offsetof(struct tcp_info, tcpi_snd_wnd) + sizeof(info.tcpi_snd_wnd) || info.tcpi_snd_wnd != 0)
                return 0;
        if (p->il)
                return MAX(rtsp_interleave_get_queued_bytes(p->il), 0);
        if (ioctl(p->fd, SIOCOUTQ, &queued) < 0)
                return 0;
        return queued + (int) p->out_len;
}

/*
 * The machine's reason, and for a sink that went silent with its receive window closed, that it
 * stopped reading (a busy TV): "silent" alone reads as if it had gone away.
 */
static void session_set_end_text(struct session *s, enum source_session_end_reason reason, const char *text)
{
        int unread = 0;
        char buf[256];

        if (reason == SOURCE_SESSION_END_KEEPALIVE_TIMEOUT || reason == SOURCE_SESSION_END_RESPONSE_TIMEOUT)
                unread = session_unread_bytes(s);
        if (unread > 0) {
                snprintf(buf, sizeof(buf), "%s; it stopped reading, %d bytes we sent wait for it",
                         text ?: "ended", unread);
                (void) owned_str_set(&s->end_reason_text, buf);
        } else
                (void) owned_str_set(&s->end_reason_text, text);
}

static void session_dispatch(struct session *s, int r, const struct source_session_actions *actions);
static void session_send_negotiated(struct session *s);

/*
 * SinkParameters: the sink's M3 reply as name,value,... The body was parsed by
 * the state machine already; split it with the same parser (protocol/wfd_params.h),
 * so D-Bus shows exactly the lines the negotiation read. Bare names are left out.
 */
static int session_take_sink_parameters(struct session *s, const char *body)
{
        struct wfd_param_list l;
        char **v;
        size_t n = 0;
        int r;

        session_free_sink_parameters(s);
        if (!body)
                return 0;
        r = wfd_params_parse_body(body, strlen(body), &l);
        if (r < 0)
                return r;
        v = calloc(2 * l.n + 1, sizeof(char *));
        if (!v)
                return -ENOMEM;
        /* Stored now and NULL-terminated at every step: on -ENOMEM it keeps the pairs so far. */
        s->sink_parameters = v;
        for (size_t i = 0; i < l.n; i++) {
                const struct wfd_param *p = &l.params[i];

                if (!p->has_value)
                        continue;
                v[n] = strndup(p->name, p->name_len);
                if (!v[n])
                        return -ENOMEM;
                v[++n] = strndup(p->value, p->value_len);
                if (!v[n])
                        return -ENOMEM;
                n++;
        }
        return 0;
}

static void session_take_format(struct session *s, const struct source_session_media *media)
{
        const struct source_session_format *f = &media->format;
        char buf[64];

        s->width = f->width;
        s->height = f->height;
        s->refresh_rate = f->fps;
        s->bitrate_bps = f->bitrate_bps;
        snprintf(buf, sizeof(buf), "H.264 %s %u.%u", f->h264_profile_idc == 100 ? "CHP" : "CBP",
                 f->h264_level_idc / 10, f->h264_level_idc % 10);
        (void) owned_str_set(&s->video_codec, buf);
        switch (f->audio_codec) {
        case SOURCE_SESSION_AUDIO_LPCM:
                snprintf(buf, sizeof(buf), "LPCM %u/%u", f->audio_sample_rate_hz, f->audio_channels);
                break;
        case SOURCE_SESSION_AUDIO_AAC:
                snprintf(buf, sizeof(buf), "AAC %u/%u", f->audio_sample_rate_hz, f->audio_channels);
                break;
        case SOURCE_SESSION_AUDIO_AC3:
                snprintf(buf, sizeof(buf), "AC3 %u/%u", f->audio_sample_rate_hz, f->audio_channels);
                break;
        default:
                buf[0] = '\0';
        }
        (void) owned_str_set(&s->audio_codec, buf);
}

/* What the configuration and Cast(max-resolution) allow. */
static void session_limits(struct session *s, struct source_session_limits *ret)
{
        const struct stream_config *config = s->stream->config;
        struct latency_mode_params lp;

        *ret = (struct source_session_limits) {
                .max_width = config->max_width,
                .max_height = config->max_height,
                .max_fps = config->max_fps,
                .max_bitrate_bps = config->max_bitrate_bps,
                .encoder_supports_chp = true,
        };
        if (s->max_width && s->max_height &&
            (!ret->max_width || s->max_width * s->max_height < ret->max_width * ret->max_height)) {
                ret->max_width = s->max_width;    /* Cast(max-resolution) */
                ret->max_height = s->max_height;
        }
        if (latency_mode_get_params(s->latency, &lp) >= 0 && lp.max_fps && (!ret->max_fps || ret->max_fps > lp.max_fps))
                ret->max_fps = lp.max_fps;        /* quality: fewer, better pictures */
}

/*
 * The media's bit rate adaptation is at its floor and the link still cannot
 * carry it: ask for a smaller mode (M4 format change, or in place with
 * microsoft_format_change_capability), under 3/4 of the current size.
 */
static void session_media_congested(struct session *s, const char *reason)
{
        struct session_private *p = s->priv;
        struct source_session_actions actions = {};
        struct source_session_limits l;
        int r;

        log_session_warning_errno(s, 0, "network: %s", reason);
        if (!p->fsm || !p->media || s->width <= 640)
                return;
        session_limits(s, &l);
        l.max_width = s->width * 3 / 4;
        l.max_height = s->height * 3 / 4;
        /* the new format starts a little after the M4 round trip */
        r = source_session_change_format(p->fsm, &l, media_get_pts_90khz(p->media) + 9000, session_now(s),
                                         &actions);
        if (r < 0) {
                log_session_warning_errno(s, r, "network: no smaller mode to change to: %m");
                return;
        }
        log_session_info(s, "network: asking for a mode within %ux%u", l.max_width, l.max_height);
        session_dispatch(s, r, &actions);
}

static int session_on_media_event(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
        struct session *s = userdata;
        struct session_private *p = s->priv;
        struct source_session_actions actions = {};
        struct media_event ev;
        int r;

        while (p->media && media_read_event(p->media, &ev) == 0) {
                if (ev.type == MEDIA_EVENT_ENDED)
                        continue;      /* we asked for it (MEDIA_STOP) */
                if (ev.type == MEDIA_EVENT_CONGESTED) {
                        /* ABR is at its floor and the link still cannot carry it (docs/rtcp.md) */
                        session_media_congested(s, ev.reason);
                        return 0;      /* actions ran: read the rest next time (the fd stays readable) */
                }
                if (ev.type == MEDIA_EVENT_LINK) {
                        log_session_info(s, "network: %s", ev.reason);
                        continue;
                }
                if (ev.type == MEDIA_EVENT_AUDIO) {
                        /* the audio track goes on (silence if need be); say what plays or why it is silent.
                         * main's AudioState follows the statistics: push them now, before the journal line */
                        session_send_statistics(s);
                        if (ev.reason[0])
                                log_session_info(s, "audio: silent: %s", ev.reason);
                        else
                                log_session_info(s, "audio: playing sound from its input");
                        continue;
                }
                log_session_error_errno(s, ev.error ?: -EIO, "media pipeline failed: %s", ev.reason);
                r = source_session_media_failed(p->fsm, ev.error ?: -EIO, ev.reason, session_now(s), &actions);
                session_dispatch(s, r, &actions);
                return 0;      /* the session may be ended now; touch nothing */
        }
        return 0;
}

/* The negotiated audio track and where its sound comes from (config audio-source; an fd may follow). */
static void session_media_audio(struct session *s, const struct source_session_format *f, struct media_config *cfg)
{
        const char *src = s->stream->config->audio_source;

        cfg->audio_codec = f->audio_codec == SOURCE_SESSION_AUDIO_LPCM ? TS_AUDIO_LPCM
                           : f->audio_codec == SOURCE_SESSION_AUDIO_AAC ? TS_AUDIO_AAC
                                                                        : TS_AUDIO_NONE;
        cfg->audio_rate_hz = cfg->audio_codec != TS_AUDIO_NONE ? f->audio_sample_rate_hz : 0;
        cfg->audio_source = (struct audio_source_config) {
                .kind = src && (strcmp(src, "tone") == 0 || strcmp(src, "beep") == 0) ? AUDIO_SOURCE_TONE
                                                                                       : AUDIO_SOURCE_SILENCE,
                .tone_beep = src && strcmp(src, "beep") == 0,
        };
        /* audio-source pipewire: main connected to that PipeWire for us (we may not reach its socket) */
        cfg->audio_pipewire = src && strcmp(src, "pipewire") == 0;
        if (cfg->audio_pipewire && cfg->audio_codec != TS_AUDIO_NONE && s->audio_pipewire_fd >= 0)
                cfg->audio_pipewire_fd = steal_fd(s->audio_pipewire_fd);
        /* Without the fd (main could not connect) media tries the path itself and says why it is silent. */
        cfg->audio_pipewire_remote = s->audio_pipewire_remote;
}

/* From now on every write to the RTSP connection goes through p->il, what still waits first. */
static int session_start_interleave(struct session *s, const struct source_session_media *m)
{
        struct session_private *p = s->priv;
        int r;

        p->il_rtcp_channel = m->interleaved_channel[1];
        if (p->il)
                return 0;
        r = rtsp_interleave_new(p->fd, &p->il);
        if (r < 0)
                return r;
        if (p->out_len > 0) {
                r = rtsp_interleave_queue(p->il, p->out, p->out_len);
                if (r < 0)
                        return r;
                p->il_waiting = r > 0;
        }
        free(p->out);
        p->out = NULL;
        p->out_len = 0;
        return session_update_io_events(s);
}

static int session_media_open(struct session *s, const struct source_session_media *m)
{
        struct session_private *p = s->priv;
        const struct source_session_format *f = &m->format;
        struct media_config cfg = {};
        struct media_stats st;
        int r;

        if (m->interleaved) {
                r = session_start_interleave(s, m);
                if (r < 0) {
                        snprintf(p->pending_media_text, sizeof(p->pending_media_text),
                                 "interleaved RTP failed to start: %s", strerror(-r));
                        return r;
                }
        }

        if (!p->capture) {
                if (s->own_node)
                        r = stream_open_own_capture(s->stream, f->width, f->height, s->pipewire_fd, s->own_node,
                                                    &p->capture);
                else
                        r = stream_acquire_capture(s->stream, f->width, f->height, s->pipewire_fd, &p->capture);
                s->pipewire_fd = safe_close(s->pipewire_fd);    /* one connection per capture open */
                if (r < 0) {
                        /* The capture's reason (no such node, no common format) is what the user needs to see. */
                        snprintf(p->pending_media_text, sizeof(p->pending_media_text), "capture failed to start: %s",
                                 capture_last_error()[0] ? capture_last_error() : strerror(-r));
                        return r;
                }
        }

        cfg.capture = p->capture;
        cfg.encode.encoder = s->stream->config->encoder;
        cfg.encode.width = f->width;
        cfg.encode.height = f->height;
        cfg.encode.fps_num = f->fps;
        cfg.encode.fps_den = 1;
        cfg.encode.profile = f->h264_profile_idc == 100 ? ENCODE_PROFILE_CHP : ENCODE_PROFILE_CBP;
        cfg.encode.level_idc = f->h264_level_idc;
        cfg.encode.bitrate_bps = f->bitrate_bps;
        cfg.encode.slices = 1;
        /* A sink that cannot be trusted to ask for IDRs gets one every second. */
        cfg.encode.idr_interval = f->periodic_idr ? f->fps : 0;
        session_media_audio(s, f, &cfg);
        p->media_audio = cfg.audio_codec;
        p->media_audio_rate = cfg.audio_rate_hz;
        cfg.dest_address = m->peer_address;
        /* unused when interleaved, but media_new() wants one */
        cfg.dest_port = m->interleaved && !m->peer_rtp_port ? 1 : m->peer_rtp_port;
        cfg.dest_rtcp_port = m->peer_rtcp_port;
        cfg.local_port = m->server_rtp_port;
        /* RTCP on the RTP ports + 1 (or the connection's RTCP channel) and the bit rate adapted to what
         * it and the link say */
        cfg.rtcp = !m->tcp || m->interleaved;
        cfg.tcp = m->tcp;
        if (m->interleaved) {
                cfg.interleave = p->il;
                cfg.interleave_channel[0] = m->interleaved_channel[0];
                cfg.interleave_channel[1] = m->interleaved_channel[1];
        }
        cfg.abr = true;
        cfg.latency = s->latency;

        r = media_new(&cfg, &p->media);
        if (r < 0) {
                log_session_error_errno(s, r, "Failed to open the media pipeline (%s): %m", encode_last_error());
                /* The encoder's reason (no such encoder, no VAAPI driver) is what the user needs on D-Bus. */
                snprintf(p->pending_media_text, sizeof(p->pending_media_text),
                         "media pipeline failed to start: %s",
                         encode_last_error()[0] ? encode_last_error() : strerror(-r));
                return r;
        }
        if (s->link_rate_bps)
                (void) media_set_link_rate(p->media, s->link_rate_bps);
        r = sd_event_add_io(s->stream->event, &p->media_io, media_get_fd(p->media), EPOLLIN,
                            session_on_media_event, s);
        if (r < 0)
                return r;
        r = media_start(p->media);
        if (r < 0)
                return r;
        if (media_get_stats(p->media, &st) >= 0 && st.encoder[0])
                (void) owned_str_set(&s->encoder, st.encoder);
        /* "auto" says which candidates it skipped and why (no VAAPI driver: software fallback). */
        if (cfg.encode.encoder && strcmp(cfg.encode.encoder, "auto") == 0 && encode_last_error()[0])
                log_session_info(s, "encoder auto: %s, using %s", encode_last_error(), s->encoder ?: "?");
        log_session_info(s, "streaming %ux%u@%u %s to %s:%u%s with %s at %u bit/s", f->width, f->height, f->fps,
                         s->video_codec, m->peer_address, m->peer_rtp_port,
                         m->interleaved ? " (RTP interleaved in RTSP)" : m->tcp ? " (RTP over TCP)" : "",
                         s->encoder, f->bitrate_bps);
        session_notify(s, SESSION_CHANGED_FORMAT);
        return 0;
}

/*
 * A format change with the same audio: the running pipeline switches in place
 * (media_change_format(): same RTP stream, the next picture an IDR with the
 * new SPS). -ENOTSUP when it cannot (no pipeline, the audio track changes).
 */
static int session_media_change(struct session *s, const struct source_session_media *m)
{
        struct session_private *p = s->priv;
        const struct source_session_format *f = &m->format;
        struct encode_config e = {
                .width = f->width,
                .height = f->height,
                .fps_num = f->fps,
                .fps_den = 1,
                .profile = f->h264_profile_idc == 100 ? ENCODE_PROFILE_CHP : ENCODE_PROFILE_CBP,
                .level_idc = f->h264_level_idc,
                .bitrate_bps = f->bitrate_bps,
                .slices = 1,
                .idr_interval = f->periodic_idr ? f->fps : 0,
        };
        struct media_config a = {};
        int r;

        session_media_audio(s, f, &a);
        if (!p->media || a.audio_codec != p->media_audio || a.audio_rate_hz != p->media_audio_rate)
                return -ENOTSUP;
        r = media_change_format(p->media, &e);
        if (r < 0)
                return r;
        /* The mode's maximum: while adapting, the pipeline starts the new mode at the adapted rate
         * (media_apply_format()), which Statistics' bitrate-bps then shows. */
        log_session_info(s, "format change in place: %ux%u@%u %s, up to %u bit/s", f->width, f->height, f->fps,
                         s->video_codec, f->bitrate_bps);
        session_notify(s, SESSION_CHANGED_FORMAT);
        return 0;
}

static int session_on_timer(sd_event_source *source, uint64_t usec, void *userdata);

static int session_arm_timer(struct session *s, uint64_t usec)
{
        struct session_private *p = s->priv;
        int r;

        if (usec == 0)
                return sd_event_source_set_enabled(p->timer, SD_EVENT_OFF);
        if (!p->timer)
                return sd_event_add_time(s->stream->event, &p->timer, CLOCK_MONOTONIC, usec,
                                         SESSION_TIMER_ACCURACY_USEC, session_on_timer, s);
        r = sd_event_source_set_time(p->timer, usec);
        if (r < 0)
                return r;
        return sd_event_source_set_enabled(p->timer, SD_EVENT_ONESHOT);
}

/* ---- input from the display (UIBC) ------------------------------------------- */

static int session_input_listen(struct session *s, const struct sockaddr_storage *local,
                                const struct sockaddr_storage *peer)
{
        struct uibc_channel_config cfg = { .session_id = s->id, .local = local, .peer = peer };
        int r;

        if (s->priv->uibc)
                return 0;
        r = uibc_channel_new(s->stream->event, s->stream, &cfg, &s->priv->uibc);
        if (r < 0)
                return log_session_error_errno(s, r, "Failed to open the UIBC listener, no input: %m");
        return 0;
}

/* The state machine says inject or stop: main (which alone holds /dev/uinput and /dev/uhid) creates
 * or destroys the devices, the channel here forwards what it parsed or stops. */
static void session_input_activate(struct session *s, bool active)
{
        static uint8_t buf[512];
        struct session_private *p = s->priv;
        struct worker_msg_writer w;
        struct uibc_geometry g = {};
        unsigned tw = s->width, th = s->height;
        int r = 0;

        if (!p->uibc)
                return;
        /* Coordinates land on what is cast: the capture's size (the KMS output, the test picture),
         * held by the session since its media started. The encoder keeps its aspect (bars where the
         * shapes differ, the same rectangle); no capture knows its place in the desktop yet
         * (docs/uibc.md). */
        if (active && p->capture)
                (void) capture_get_size(p->capture, &tw, &th);
        if (active) {
                r = uibc_geometry_compute(s->width, s->height, tw, th, true, NULL, 0, 0, &g);
                if (r < 0) {
                        log_session_error_errno(s, r, "No input geometry for %ux%u in %ux%u: %m; input stays off",
                                                tw, th, s->width, s->height);
                        active = false;
                }
        }
        s->input_active = active;
        worker_msg_begin(&w, buf, sizeof(buf), WORKER_MSG_INPUT, s->id);
        worker_msg_put_u64(&w, WORKER_FIELD_ACTIVE, active);
        worker_msg_put_u64(&w, WORKER_FIELD_MODE_WIDTH, s->width);
        worker_msg_put_u64(&w, WORKER_FIELD_MODE_HEIGHT, s->height);
        worker_msg_put_u64(&w, WORKER_FIELD_TARGET_WIDTH, g.target.width);
        worker_msg_put_u64(&w, WORKER_FIELD_TARGET_HEIGHT, g.target.height);
        worker_msg_put_u64(&w, WORKER_FIELD_PICTURE_X, (uint32_t) g.active.x);
        worker_msg_put_u64(&w, WORKER_FIELD_PICTURE_Y, (uint32_t) g.active.y);
        worker_msg_put_u64(&w, WORKER_FIELD_PICTURE_WIDTH, g.active.width);
        worker_msg_put_u64(&w, WORKER_FIELD_PICTURE_HEIGHT, g.active.height);
        worker_msg_put_u64(&w, WORKER_FIELD_TARGET_X, (uint32_t) g.target.x);
        worker_msg_put_u64(&w, WORKER_FIELD_TARGET_Y, (uint32_t) g.target.y);
        worker_msg_put_u64(&w, WORKER_FIELD_RANGE_WIDTH, g.range_width);
        worker_msg_put_u64(&w, WORKER_FIELD_RANGE_HEIGHT, g.range_height);
        session_send(s, &w);
        /* Off at once. On: the channel maps and filters from now on, but what it forwards is held
         * until main says its devices exist (session_input_state()), so nothing reaches main that it
         * could not inject, and nothing read while this loop was busy starting the media is lost. */
        p->input_geometry = g;
        r = uibc_channel_set_active(p->uibc, active, active ? &p->input_geometry : NULL);
        if (r < 0)
                log_session_error_errno(s, r, "Failed to %s forwarding input from the display: %m",
                                        active ? "start" : "stop");
}

void session_input_state(struct session *s, bool active)
{
        struct session_private *p = s->priv;
        int r;

        if (!p->uibc || (active && !s->input_active))
                return;
        r = active ? uibc_channel_release(p->uibc) : uibc_channel_set_active(p->uibc, false, NULL);
        if (r < 0)
                log_session_error_errno(s, r, "Failed to forward input from the display: %m");
}

/* Carry out one list of actions. Returns 1 when the session ended (do not touch it after the caller's
 * cleanup), 0 otherwise. */
static int session_run_actions(struct session *s, const struct source_session_actions *actions)
{
        struct session_private *p = s->priv;
        int r;

        for (size_t i = 0; i < actions->n; i++) {
                const struct source_session_action *a = &actions->items[i];

                switch (a->type) {
                case SOURCE_SESSION_ACTION_SEND:
                        r = session_queue_output(s, a->send.data, a->send.len);
                        if (r < 0) {
                                log_session_warning_errno(s, r, "Failed to send to the sink: %m");
                                p->pending_media_error = 0;
                                session_end(s, r == -ENOBUFS ? -ETIMEDOUT : r);
                                return 1;
                        }
                        break;

                case SOURCE_SESSION_ACTION_NEGOTIATED: {
                        const struct source_session_media *m = source_session_get_media(p->fsm);

                        s->monitor_connected = a->info->monitor_connected;
                        s->reduced_modes = a->info->reduced_mode_list_due_to_bandwidth;
                        if (m)
                                session_take_format(s, m);
                        (void) session_take_sink_parameters(s, source_session_get_sink_parameters(p->fsm));
                        /* The format first: main answers StartMiracastSession on NEGOTIATED. */
                        session_notify(s, SESSION_CHANGED_FORMAT);
                        session_send_negotiated(s);
                        break;
                }

                case SOURCE_SESSION_ACTION_MEDIA_START:
                        session_take_format(s, a->media);
                        p->pending_media_text[0] = 0;
                        r = session_media_open(s, a->media);
                        if (r < 0) {
                                session_stop_media(s);
                                p->pending_media_error = r;
                                if (!p->pending_media_text[0])
                                        snprintf(p->pending_media_text, sizeof(p->pending_media_text),
                                                 "media pipeline failed to start: %s", strerror(-r));
                        } else
                                p->pending_media_started = true;
                        break;

                case SOURCE_SESSION_ACTION_MEDIA_CHANGE_FORMAT:
                        session_take_format(s, a->media);
                        if (s->input_active)
                                session_input_activate(s, true); /* input arrives in the new mode's pixels */
                        if (session_media_change(s, a->media) >= 0)
                                break;
                        /* A new audio track (or no pipeline): start a new pipeline (IDR first). */
                        session_stop_media(s);
                        r = session_media_open(s, a->media);
                        if (r < 0) {
                                session_stop_media(s);
                                p->pending_media_error = r;
                                snprintf(p->pending_media_text, sizeof(p->pending_media_text),
                                         "media pipeline failed on format change: %s", strerror(-r));
                        }
                        break;

                case SOURCE_SESSION_ACTION_MEDIA_PAUSE:
                        if (p->media)
                                (void) media_pause(p->media);
                        break;
                case SOURCE_SESSION_ACTION_MEDIA_RESUME:
                        if (p->media)
                                (void) media_resume(p->media);
                        break;
                case SOURCE_SESSION_ACTION_MEDIA_REQUEST_IDR:
                        if (p->media)
                                (void) media_request_idr(p->media);
                        break;
                case SOURCE_SESSION_ACTION_MEDIA_SET_BITRATE:
                        if (p->media)
                                (void) media_set_bitrate(p->media, a->bitrate_bps);
                        s->bitrate_bps = a->bitrate_bps;
                        session_notify(s, SESSION_CHANGED_FORMAT);
                        break;
                case SOURCE_SESSION_ACTION_MEDIA_STOP:
                        session_stop_media(s);
                        break;

                case SOURCE_SESSION_ACTION_TIMER:
                        r = session_arm_timer(s, a->timer_usec);
                        if (r < 0) {
                                log_session_error_errno(s, r, "Failed to arm the session timer: %m");
                                session_end(s, r);
                                return 1;
                        }
                        break;

                case SOURCE_SESSION_ACTION_STATE_CHANGED:
                        /* "ended" is set by session_end() on the ENDED action that always follows. */
                        if (a->state != SOURCE_SESSION_STATE_ENDED)
                                session_set_state(s, a->state);
                        break;

                case SOURCE_SESSION_ACTION_LOG: {
                        int level = a->log.level == SOURCE_SESSION_LOG_WARNING ? LOG_WARNING
                                    : a->log.level == SOURCE_SESSION_LOG_INFO  ? LOG_INFO
                                                                               : LOG_DEBUG;
                        if (a->log.status)
                                log_session_full_errno(s, level, 0, "%s (answered %u)", a->log.text ?: "",
                                                       a->log.status);
                        else
                                log_session_full_errno(s, level, 0, "%s", a->log.text ?: "");
                        break;
                }

                case SOURCE_SESSION_ACTION_UIBC:
                        session_input_activate(s, a->uibc.active);
                        break;

                case SOURCE_SESSION_ACTION_FRAME:
                        /* the sink's RTCP, for the media thread (dropped before media starts) */
                        if (p->il && a->frame.channel == p->il_rtcp_channel)
                                (void) rtsp_interleave_deliver(p->il, a->frame.data, a->frame.len);
                        break;

                case SOURCE_SESSION_ACTION_ENDED:
                        session_set_end_text(s, a->ended.reason, a->ended.text);
                        session_end(s, a->ended.error);
                        return 1;
                }
        }
        return 0;
}

/*
 * Carry out the result of one machine call (r its return value), then feed
 * in the events that arose meanwhile. Returns with the session possibly
 * ended (state ENDED, freed later from the event loop, never here).
 */
static void session_dispatch(struct session *s, int r, const struct source_session_actions *actions)
{
        struct session_private *p = s->priv;
        struct source_session_actions more = {};

        if (r < 0) {
                if (r != -ESHUTDOWN)
                        log_session_warning_errno(s, r, "State machine refused an event, ignoring: %m");
                return;
        }
        if (p->dispatching) {
                /* Cannot happen: every nested event is queued. Guard anyway. */
                log_session_error_errno(s, -EDEADLK, "Nested state machine call, ending session");
                session_end(s, -EDEADLK);
                return;
        }
        p->dispatching = true;
        for (;;) {
                if (session_run_actions(s, actions) > 0 || s->state == SOURCE_SESSION_STATE_ENDED)
                        break;
                if (p->pending_media_error < 0) {
                        int e = p->pending_media_error;
                        p->pending_media_error = 0;
                        r = source_session_media_failed(p->fsm, e, p->pending_media_text, session_now(s), &more);
                } else if (p->pending_media_started) {
                        p->pending_media_started = false;
                        r = source_session_media_started(p->fsm, session_now(s), &more);
                } else
                        break;
                if (r < 0) {
                        if (r != -ESHUTDOWN)
                                log_session_warning_errno(s, r, "State machine refused a media event: %m");
                        break;
                }
                actions = &more;
        }
        p->dispatching = false;
}

/* ---- events from the world ----------------------------------------------- */

static int session_on_timer(sd_event_source *source, uint64_t usec, void *userdata)
{
        struct session *s = userdata;
        struct source_session_actions actions = {};
        int r;

        r = source_session_timer(s->priv->fsm, session_now(s), &actions);
        session_dispatch(s, r, &actions);
        return 0;
}

static int session_on_io(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
        struct session *s = userdata;
        struct session_private *p = s->priv;
        struct source_session_actions actions = {};
        char buf[16384];
        ssize_t n;
        int r;

        if (revents & EPOLLOUT) {
                r = session_flush(s);
                if (r < 0) {
                        r = source_session_connection_closed(p->fsm, r, session_now(s), &actions);
                        session_dispatch(s, r, &actions);
                        return 0;
                }
        }
        if (!(revents & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP)))
                return 0;

        /* One read per wakeup keeps a chatty sink from starving the others. */
        n = recv(p->fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (n < 0) {
                if (errno == EAGAIN || errno == EINTR)
                        return 0;
                r = source_session_connection_closed(p->fsm, -errno, session_now(s), &actions);
        } else if (n == 0)
                r = source_session_connection_closed(p->fsm, 0, session_now(s), &actions);
        else
                r = source_session_receive(p->fsm, buf, n, session_now(s), &actions);
        session_dispatch(s, r, &actions);
        return 0;
}

/* Reserve a UDP port for our RTP source (server_port): bind to any port on local, read it back. The media
 * pipeline binds it again right after SETUP. */
static int session_pick_rtp_port(const struct sockaddr_storage *local, uint16_t *ret)
{
        struct sockaddr_storage ss = *local;
        socklen_t len = sizeof(ss);
        _cleanup_close_ int fd = -1;
        uint16_t port;
        char host[INET6_ADDRSTRLEN];
        int r;

        fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (ss.ss_family == AF_INET)
                ((struct sockaddr_in *) &ss)->sin_port = 0;
        else
                ((struct sockaddr_in6 *) &ss)->sin6_port = 0;
        if (bind(fd, (struct sockaddr *) &ss, ss.ss_family == AF_INET ? sizeof(struct sockaddr_in)
                                                                      : sizeof(struct sockaddr_in6)) < 0)
                return -errno;
        if (getsockname(fd, (struct sockaddr *) &ss, &len) < 0)
                return -errno;
        r = net_address_format(&ss, host, sizeof(host), &port);
        if (r < 0)
                return r;        /* not IPv4/IPv6: port would be unset */
        *ret = port;
        return 0;
}

/* The negotiation's result for main, which answers StartMiracastSession with it. */
static void session_send_negotiated(struct session *s)
{
        static uint8_t buf[WORKER_MSG_MAX];
        struct worker_msg_writer w;
        size_t len;

        worker_msg_begin(&w, buf, sizeof(buf), WORKER_MSG_NEGOTIATED, s->id);
        worker_msg_put_u64(&w, WORKER_FIELD_MONITOR_CONNECTED, s->monitor_connected);
        worker_msg_put_u64(&w, WORKER_FIELD_REDUCED_MODES, s->reduced_modes);
        for (char **v = s->sink_parameters; v && *v; v++) {
                struct worker_msg_writer saved = w;

                worker_msg_put_str(&w, WORKER_FIELD_SINK_PARAMETER, *v);
                if (worker_msg_finish(&w, &len) < 0) {
                        /* More than fits in one message (the RTSP body limit is smaller, so only in
                         * theory): what fitted goes; main drops a name left without its value. */
                        w = saved;
                        break;
                }
        }
        session_send(s, &w);
}

static void session_free_partial(struct session *s)
{
        free(s->priv);
        free(s->end_reason_text);
        free(s->peer);
        free(s->video_codec);
        free(s->audio_codec);
        free(s->encoder);
        free(s->device_name);
        safe_close(s->pipewire_fd);
        safe_close(s->audio_pipewire_fd);
        free(s->audio_pipewire_remote);
        free(s);
}

struct session *session_find(struct stream *st, unsigned id)
{
        for (struct session *s = st->sessions; s; s = s->next)
                if (s->id == id)
                        return s;
        return NULL;
}

int session_new(struct stream *st, const struct session_params *params, int fd, int pipewire_fd,
                struct session **ret)
{
        struct session_private *p;
        struct source_session_actions actions = {};
        struct source_session_config cfg = {};
        struct sockaddr_storage peer = {}, local = {};
        socklen_t peer_len = sizeof(peer), local_len = sizeof(local);
        char peer_host[INET6_ADDRSTRLEN + IF_NAMESIZE + 1] = "", local_host[INET6_ADDRSTRLEN] = "", buf[96], sid[17];
        uint16_t peer_port = 0, local_port = 0, rtp_port = 0;
        uint8_t rnd[8];
        _cleanup_close_ int owned = fd, owned_pw = pipewire_fd, owned_audio_pw = params->audio_pipewire_fd;
        struct session *s, **tail;
        int r;

        if (session_find(st, params->id))
                return -EEXIST;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->pipewire_fd = steal_fd(owned_pw);
        s->audio_pipewire_fd = steal_fd(owned_audio_pw);
        s->priv = p = calloc(1, sizeof(*s->priv));
        if (!p) {
                session_free_partial(s);
                return -ENOMEM;
        }
        p->fd = -1;
        s->stream = st;
        s->id = params->id;
        s->state = SOURCE_SESSION_STATE_CONNECTING;
        s->max_width = params->max_width;
        s->max_height = params->max_height;
        s->latency = params->latency;
        s->no_audio = params->no_audio;
        if (params->audio_pipewire_remote && owned_str_set(&s->audio_pipewire_remote, params->audio_pipewire_remote) < 0) {
                session_free_partial(s);
                return -ENOMEM;
        }
        s->link_rate_bps = params->link_rate_bps;
        s->sink_rtsp_port = params->sink_rtsp_port;
        s->input_allowed = params->input_allowed;
        s->own_node = params->own_node;
        if (owned_str_set(&s->end_reason_text, "") < 0 || owned_str_set(&s->peer, "") < 0 ||
            owned_str_set(&s->video_codec, "") < 0 || owned_str_set(&s->audio_codec, "") < 0 ||
            owned_str_set(&s->encoder, "") < 0 ||
            (params->device_name && owned_str_set(&s->device_name, params->device_name) < 0)) {
                session_free_partial(s);
                return -ENOMEM;
        }
        for (tail = &st->sessions; *tail; tail = &(*tail)->next)
                ;
        *tail = s;
        /* From here on session_free() cleans up. */

        p->fd = steal_fd(owned);
        /* O_NONBLOCK lives in the shared file description; recv/send use MSG_DONTWAIT anyway. */
        if (getpeername(p->fd, (struct sockaddr *) &peer, &peer_len) < 0 ||
            getsockname(p->fd, (struct sockaddr *) &local, &local_len) < 0) {
                r = -errno;
                goto fail;
        }
        r = net_address_format(&peer, peer_host, sizeof(peer_host), &peer_port);
        if (r < 0)
                goto fail;
        /* A link-local sink (MS-MICE over IPv6) is reached only through its interface: the media needs it. */
        if (peer.ss_family == AF_INET6 && ((struct sockaddr_in6 *) &peer)->sin6_scope_id &&
            IN6_IS_ADDR_LINKLOCAL(&((struct sockaddr_in6 *) &peer)->sin6_addr)) {
                size_t n = strlen(peer_host);
                char ifname[IF_NAMESIZE];

                if (if_indextoname(((struct sockaddr_in6 *) &peer)->sin6_scope_id, ifname))
                        snprintf(peer_host + n, sizeof(peer_host) - n, "%%%s", ifname);
        }
        r = net_address_format(&local, local_host, sizeof(local_host), &local_port);
        if (r < 0)
                goto fail;
        snprintf(buf, sizeof(buf), strchr(peer_host, ':') ? "[%s]:%u" : "%s:%u", peer_host, peer_port);
        r = owned_str_set(&s->peer, buf);
        if (r < 0)
                goto fail;
        r = session_pick_rtp_port(&local, &rtp_port);
        if (r < 0)
                goto fail;
        if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd)) {
                r = -EIO;
                goto fail;
        }
        for (unsigned i = 0; i < sizeof(rnd); i++)
                snprintf(sid + 2 * i, 3, "%02X", rnd[i]);

        cfg.session_id = sid;
        cfg.local_address = local_host;
        cfg.local_rtsp_port = local_port;
        cfg.peer_address = peer_host;
        cfg.server_rtp_port = rtp_port;
        session_limits(s, &cfg.limits);
        cfg.limits.no_audio = s->no_audio;          /* Cast(audio "none") */
        cfg.latency_mode = s->latency;
        cfg.stats.suggested_bps = params->stats.suggested_bps;
        cfg.stats.local_max_bps = params->stats.local_max_bps;
        cfg.stats.remote_max_bps = params->stats.remote_max_bps;
        if (s->device_name) {
                cfg.identity.device_name = s->device_name;
                cfg.identity.wfd_rtsp_port = s->sink_rtsp_port;
        }
        if (s->input_allowed && session_input_listen(s, &local, &peer) >= 0) {
                cfg.input_allowed = true;
                cfg.uibc_port = uibc_channel_get_port(p->uibc);
        }
        r = source_session_new(&cfg, &p->fsm);
        if (r < 0)
                goto fail;

        r = sd_event_add_io(st->event, &p->io, p->fd, EPOLLIN | EPOLLRDHUP, session_on_io, s);
        if (r < 0)
                goto fail;

        p->attach_usec = session_now(s);
        log_session_info(s, "RTSP connection from %s (RTP port %u), sending M1", s->peer, rtp_port);

        r = source_session_start(p->fsm, session_now(s), &actions);
        if (r < 0)
                goto fail;
        *ret = s;
        /* The session may end already inside this dispatch (ENDED goes to main); it is freed later. */
        session_dispatch(s, r, &actions);
        return 0;

fail:
        session_free(s);
        return r;
}

/* ---- user requests ---------------------------------------------------------- */

typedef int (*session_fsm_call_t)(struct source_session *fsm, uint64_t now, struct source_session_actions *ret);

static int session_user_request(struct session *s, session_fsm_call_t call)
{
        struct source_session_actions actions = {};
        int r;

        if (s->state == SOURCE_SESSION_STATE_ENDED)
                return -ESHUTDOWN;
        if (!s->priv->fsm)
                return -ENOTCONN;
        r = call(s->priv->fsm, session_now(s), &actions);
        if (r < 0)
                return r;
        session_dispatch(s, r, &actions);
        return 0;
}

int session_stop(struct session *s)
{
        if (s->state == SOURCE_SESSION_STATE_ENDED)
                return -EALREADY;
        log_session_info(s, "stopping (M5 TEARDOWN trigger)");
        return session_user_request(s, source_session_teardown);
}

int session_set_input(struct session *s, bool allow)
{
        struct session_private *p = s->priv;
        struct source_session_actions actions = {};
        struct sockaddr_storage local = {}, peer = {};
        socklen_t local_len = sizeof(local), peer_len = sizeof(peer);
        int r;

        if (s->state == SOURCE_SESSION_STATE_ENDED)
                return -ESHUTDOWN;
        if (allow == s->input_allowed)
                return -EALREADY;
        if (p->fsm) {
                if (allow) {
                        if (getsockname(p->fd, (struct sockaddr *) &local, &local_len) < 0 ||
                            getpeername(p->fd, (struct sockaddr *) &peer, &peer_len) < 0)
                                return -errno;
                        r = session_input_listen(s, &local, &peer);
                        if (r < 0)
                                return r;
                }
                r = source_session_set_input(p->fsm, allow, uibc_channel_get_port(p->uibc), session_now(s), &actions);
                if (r < 0) {
                        if (allow)
                                p->uibc = uibc_channel_free(p->uibc);
                        return r;
                }
                s->input_allowed = allow;
                session_dispatch(s, r, &actions);
                if (!allow)
                        p->uibc = uibc_channel_free(p->uibc);
        }
        s->input_allowed = allow;
        return 0;
}

int session_pause(struct session *s)
{
        return session_user_request(s, source_session_pause);
}

int session_resume(struct session *s)
{
        return session_user_request(s, source_session_resume);
}

int session_request_idr(struct session *s)
{
        return session_user_request(s, source_session_request_idr);
}

int session_set_bitrate(struct session *s, uint32_t bitrate_bps)
{
        struct source_session_actions actions = {};
        int r;

        if (s->state == SOURCE_SESSION_STATE_ENDED)
                return -ESHUTDOWN;
        if (!s->priv->fsm)
                return -ENOTCONN;
        r = source_session_set_bitrate(s->priv->fsm, bitrate_bps, session_now(s), &actions);
        if (r < 0)
                return r;
        session_dispatch(s, r, &actions);
        return 0;
}

void session_set_link_rate(struct session *s, uint64_t link_bps)
{
        s->link_rate_bps = link_bps;
        if (s->priv->media)
                (void) media_set_link_rate(s->priv->media, link_bps);
}

int session_attach_audio(struct session *s, int fd)
{
        struct session_private *p = s->priv;
        int r;

        if (!p->media) {
                safe_close(fd);
                return -ENOTCONN;
        }
        r = media_attach_audio_fd(p->media, fd);
        if (r >= 0)
                log_session_info(s, "audio input attached");
        return r;
}

/* Session1.Statistics lives in main: it gets the numbers every STREAM_STATS_USEC. */
void session_send_statistics(struct session *s)
{
        static uint8_t buf[1024];
        struct session_private *p = s->priv;
        struct worker_msg_writer w;
        struct media_stats ms;

        if (!p->media || media_get_stats(p->media, &ms) < 0)
                return;
        worker_msg_begin(&w, buf, sizeof(buf), WORKER_MSG_STATISTICS, s->id);
        worker_msg_put_u64(&w, WORKER_FIELD_FRAMES, ms.frames_sent);
        worker_msg_put_u64(&w, WORKER_FIELD_DROPS, ms.frames_dropped);
        worker_msg_put_u64(&w, WORKER_FIELD_BYTES, ms.bytes_sent);
        worker_msg_put_u64(&w, WORKER_FIELD_LATENCY_P50, ms.latency_p50_usec);
        worker_msg_put_u64(&w, WORKER_FIELD_LATENCY_P99, ms.latency_p99_usec);
        worker_msg_put_u64(&w, WORKER_FIELD_RATE_NOW, ms.bitrate_bps);
        worker_msg_put_u64(&w, WORKER_FIELD_RTCP, ms.rtcp);
        worker_msg_put_u64(&w, WORKER_FIELD_RTCP_REPORTS, ms.rtcp_reports);
        worker_msg_put_u64(&w, WORKER_FIELD_LOSS_PPM, (uint64_t) (ms.loss_percent * 10000.0 + 0.5));
        worker_msg_put_i64(&w, WORKER_FIELD_PACKETS_LOST, ms.packets_lost);
        worker_msg_put_u64(&w, WORKER_FIELD_JITTER, ms.jitter_usec);
        worker_msg_put_u64(&w, WORKER_FIELD_RTT, ms.rtt_usec);
        worker_msg_put_u64(&w, WORKER_FIELD_NACK_ITEMS, ms.nack_items);
        worker_msg_put_u64(&w, WORKER_FIELD_RTX_SENT, ms.rtx_sent);
        worker_msg_put_u64(&w, WORKER_FIELD_RTX_MISSING, ms.rtx_missing);
        worker_msg_put_u64(&w, WORKER_FIELD_SEND_QUEUE, ms.send_queue_bytes);
        worker_msg_put_u64(&w, WORKER_FIELD_ABR_LOWERED, ms.abr_lowered);
        worker_msg_put_u64(&w, WORKER_FIELD_ABR_RAISED, ms.abr_raised);
        worker_msg_put_u64(&w, WORKER_FIELD_ENCODER_GROUP, ms.encoder_group);
        worker_msg_put_u64(&w, WORKER_FIELD_ENCODER_SHARED_WITH, ms.encoder_shared_with);
        worker_msg_put_u64(&w, WORKER_FIELD_FRAMES_SHARED, ms.frames_shared);
        if (ms.rate_control) {
                worker_msg_put_u64(&w, WORKER_FIELD_QP, ms.rate.qp_last);
                worker_msg_put_u64(&w, WORKER_FIELD_QP_AVG_CENTI, (uint64_t) (ms.rate.qp_avg * 100.0 + 0.5));
                worker_msg_put_u64(&w, WORKER_FIELD_RATE_SKIPPED, ms.rate.pictures_rate_skipped);
                worker_msg_put_u64(&w, WORKER_FIELD_QP_RANGE_SWITCHES, ms.rate.qp_range_switches);
                worker_msg_put_i64(&w, WORKER_FIELD_VBV_BUFFER_MS, ms.rate.buffer_ms);
        }
        if (strcmp(ms.audio_codec, "none") != 0) {
                worker_msg_put_str(&w, WORKER_FIELD_AUDIO_INPUT, ms.audio_input);
                worker_msg_put_i64(&w, WORKER_FIELD_AUDIO_LEVEL_MDBFS, (int64_t) (ms.audio_level_dbfs * 1000.0));
                worker_msg_put_u64(&w, WORKER_FIELD_AUDIO_UNDERRUNS, ms.audio_underruns);
                worker_msg_put_u64(&w, WORKER_FIELD_AUDIO_DROPPED, ms.audio_dropped);
                worker_msg_put_str(&w, WORKER_FIELD_AUDIO_SILENCE_REASON, ms.audio_reason);
        }
        session_send(s, &w);
}
