/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The per-session media pipeline (see media.h): one thread that runs the
 * command queue and, at every frame tick, grabs a picture, skips it when
 * nothing changed (damage), converts the changed tiles, encodes, and hands
 * the access unit to media_output (TS -> RTP -> UDP). On a still screen it
 * re-encodes the last picture every 1/keepalive_fps seconds (an all-skip
 * frame), and between frames it keeps PCR/PAT/PMT (and the audio track)
 * flowing through media_output_idle(). After a second of stillness (an idle
 * desktop) the repeat slows to once a second: each is a whole encode, and the
 * idle cost is mostly them.
 *
 * Why one thread and not a convert and an encode stage overlapping on two
 * cores (what this file did before): at 1080p30 conversion takes ~1 ms and
 * encoding ~8 ms, so at 30 fps there is nothing to overlap. On a loaded
 * machine (make bench with two CPU hogs) a picture converted while the
 * encoder was busy waited in the hand-over slot for up to a whole encode,
 * and waking the encode thread took up to 20 ms more (p99), which is where
 * the p99 latency of 60-75 ms came from (see README). Now a picture is
 * grabbed only when the encoder is free, so it is the newest one there is,
 * and goes straight on: frame ticks that pass while encoding runs long are
 * dropped (frames_dropped), never queued. It also needs just one picture
 * buffer: the damaged tiles are patched into the picture the encoder saw
 * last (libx264 copies it during encode_send()).
 *
 * Locking: one mutex for everything shared with the control side (commands,
 * state, events, statistics) and one condition variable. Heavy work (grab,
 * convert, encode, send) runs without the lock.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../protocol/abr.h"
#include "../protocol/link_stall.h"
#include "../protocol/macro.h"
#include "audio_pipewire.h"
#include "capture.h"
#include "encode.h"
#include "media.h"
#include "media_group.h"
#include "media_output.h"

#define MEDIA_COMMANDS_MAX 32
#define MEDIA_EVENTS_MAX 8
#define MEDIA_LATENCY_SAMPLES 512
/* Sample frames per audio block: 480 (10 ms at 48 kHz; 6 x 80, the WFD LPCM unit). */
#define MEDIA_AUDIO_BLOCK MEDIA_OUTPUT_AUDIO_BLOCK
/* Blocks sent at most in one go (one send: the pacer does not hold the second back). */
#define MEDIA_AUDIO_BLOCKS_MAX 8
/* A picture unchanged this long is an idle screen: keep-alive repeats slow down to one a second. */
#define MEDIA_STILL_USEC 1000000ULL
#define MEDIA_STILL_KEEPALIVE_USEC 1000000ULL
/* Still this long: grab only when the thread wakes anyway for PCR/PSI and sound (or a capture with events
 * says something arrived), not at the frame rate. */
#define MEDIA_SLOW_TICKS_USEC 500000ULL
/* How often the thread reads RTCP (a NACK is answered within this) and samples the send queue for ABR. */
#define MEDIA_FEEDBACK_USEC 10000
#define MEDIA_ABR_SAMPLE_USEC 250000

enum media_command_type {
        MEDIA_COMMAND_START,
        MEDIA_COMMAND_PAUSE,
        MEDIA_COMMAND_RESUME,
        MEDIA_COMMAND_IDR,
        MEDIA_COMMAND_BITRATE,
        MEDIA_COMMAND_STOP,
        MEDIA_COMMAND_FORMAT,
};

struct media_command {
        enum media_command_type type;
        uint64_t value;
        struct encode_config format; /* MEDIA_COMMAND_FORMAT; its strings are not used */
};

struct media {
        struct media_config cfg;
        char *dest_address;        /* owned copy of cfg.dest_address */
        char *vaapi_device;        /* owned: the VAAPI device the encoder was opened with, or NULL */
        struct capture *capture;   /* one reference */
        struct media_group *group; /* the shared encoder (fan-out, media_group.h); this member's place: */
        unsigned member;
        uint64_t target_bps;       /* pipeline thread: this session's own target (the group runs at the
                                    * lowest of its members') */
        struct media_group_frame frame; /* pipeline thread: what the last tick produced */
        struct media_output *output; /* owned, used by the pipeline thread only */
        struct audio_source *audio;  /* owned; NULL without an audio track. Thread-safe itself */
        struct audio_pipewire *audio_pw; /* owned: cfg.audio_pipewire's capture, writing into audio's fd */
        uint64_t audio_pos;          /* pipeline thread: sample-clock frame of the next block to send */
        uint64_t audio_start_pos;    /* pipeline thread: sample-clock frame of the stream's time zero */
        unsigned audio_reason_seq;   /* pipeline thread: the last reason reported as MEDIA_EVENT_AUDIO */
        int16_t audio_block[MEDIA_AUDIO_BLOCK * MEDIA_AUDIO_BLOCKS_MAX * 2];
        uint64_t output_bitrate;   /* pipeline thread: the rate output paces for */
        bool idr_owed;             /* pipeline thread: the sender dropped a frame while the link was full;
                                    * the IDR is asked for once it takes data again */
        uint64_t sender_dropped;   /* under lock: frames the sender dropped (in stats.frames_dropped) */
        int event_fd;              /* owned */
        uint64_t interval_usec;    /* frame interval */
        uint64_t keepalive_usec;
        uint64_t last_change_usec; /* pipeline thread: when a changed picture was last encoded */
        bool capture_events;       /* the capture calls its wakers (capture_has_events()) */
        bool waker_added;
        /* pipeline thread (the config's max_bps also changes in media_run_commands(), which the thread runs) */
        struct abr_config abr_cfg;
        struct abr_state abr;
        bool abr_running;
        uint64_t abr_next_sample;
        struct link_stall link;      /* pipeline thread, under lock: media_watch_link() */

        pthread_t thread;
        bool thread_running;

        pthread_mutex_t lock;
        pthread_cond_t cond;
        /* under lock: */
        struct media_command commands[MEDIA_COMMANDS_MAX];
        unsigned command_head, command_count;
        enum media_state state;
        bool quit;
        bool format_pending;       /* format: a format change for the pipeline thread to apply */
        struct encode_config format;
        struct media_event events[MEDIA_EVENTS_MAX];
        unsigned event_head, event_count;
        struct media_stats stats;
        uint64_t convert_usec_total, encode_usec_total;
        uint64_t converted, own_encodes; /* pictures this thread converted, encodes it ran for the group */
        uint64_t cpu_usec;         /* the pipeline thread's CPU time */
        uint64_t latency[MEDIA_LATENCY_SAMPLES];
        unsigned latency_count, latency_pos;
        uint64_t start_usec;       /* stream time zero (pts 0) */
        uint64_t link_bps;         /* media_set_link_rate() */
        bool slow_ticks;           /* still screen: the thread grabs at the idle wake-ups (read without the
                                    * lock by media_capture_woke(), written under it) */
        bool capture_woke;         /* the capture has something new: grab now */
};

static const char *const state_names[_MEDIA_STATE_MAX] = {
        [MEDIA_STATE_IDLE] = "idle",
        [MEDIA_STATE_PLAYING] = "playing",
        [MEDIA_STATE_PAUSED] = "paused",
        [MEDIA_STATE_ENDED] = "ended",
};

const char *media_state_to_string(enum media_state s)
{
        return s >= 0 && s < _MEDIA_STATE_MAX ? state_names[s] : NULL;
}

const char *media_event_type_to_string(enum media_event_type t)
{
        switch (t) {
        case MEDIA_EVENT_ERROR:
                return "error";
        case MEDIA_EVENT_ENDED:
                return "ended";
        case MEDIA_EVENT_AUDIO:
                return "audio";
        case MEDIA_EVENT_CONGESTED:
                return "congested";
        case MEDIA_EVENT_LINK:
                return "link";
        default:
                return NULL;
        }
}

static uint64_t now_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

/* The CLOCK_MONOTONIC sample clock of audio_source.h: the frame at usec. */
static uint64_t usec_to_frame(uint64_t usec, unsigned rate)
{
        return usec / 1000000 * rate + usec % 1000000 * rate / 1000000;
}

static uint64_t thread_cpu_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

/* ---- events (lock held) ---------------------------------------------------- */

static void media_push_event(struct media *m, enum media_event_type type, int error, const char *fmt, ...)
{
        struct media_event *ev;
        uint64_t one = 1;
        va_list ap;

        /* ERROR and ENDED end the stream, so at most one of them comes; AUDIO, CONGESTED and LINK events
         * (informational) leave room for it and are dropped when nobody reads them. */
        if (m->event_count == MEDIA_EVENTS_MAX ||
            ((type == MEDIA_EVENT_AUDIO || type == MEDIA_EVENT_CONGESTED || type == MEDIA_EVENT_LINK) &&
             m->event_count >= MEDIA_EVENTS_MAX - 1))
                return;
        ev = &m->events[(m->event_head + m->event_count) % MEDIA_EVENTS_MAX];
        *ev = (struct media_event) { .type = type, .error = error };
        va_start(ap, fmt);
        vsnprintf(ev->reason, sizeof(ev->reason), fmt, ap);
        va_end(ap);
        m->event_count++;
        (void) !write(m->event_fd, &one, sizeof(one));
}

/* End the stream (lock held): the pipeline thread leaves its loop. */
static void media_end(struct media *m, int error, const char *reason)
{
        if (m->state == MEDIA_STATE_ENDED)
                return;
        m->state = MEDIA_STATE_ENDED;
        m->stats.state = MEDIA_STATE_ENDED;
        m->quit = true;
        if (error < 0)
                media_push_event(m, MEDIA_EVENT_ERROR, error, "%s", reason);
        else
                media_push_event(m, MEDIA_EVENT_ENDED, 0, "%s", reason);
        pthread_cond_broadcast(&m->cond);
}

static void media_fail(struct media *m, int error, const char *stage, const char *detail)
{
        char reason[160];

        snprintf(reason, sizeof(reason), "%s: %s", stage, detail && detail[0] ? detail : strerror(-error));
        media_end(m, error, reason);
}

/* ---- the pipeline thread ------------------------------------------------- */

/* (Re)start the bit rate controller under the maximum max_bps, at the encoder's rate (lock held). */
static void media_abr_reset(struct media *m, uint64_t max_bps, uint64_t now)
{
        if (!m->cfg.abr)
                return;
        struct latency_mode_params lp;

        abr_config_init(&m->abr_cfg, (uint32_t) MIN(max_bps, (uint64_t) UINT32_MAX));
        if (latency_mode_get_params(m->cfg.latency, &lp) >= 0) {
                m->abr_cfg.queue_high_usec = lp.abr_queue_high_usec;
                m->abr_cfg.loss_lower_pct = lp.abr_loss_lower_pct;
        }
        if (m->cfg.abr_min_bps)
                m->abr_cfg.min_bps = MIN(m->cfg.abr_min_bps, m->abr_cfg.max_bps);
        m->abr_running = abr_state_init(&m->abr, &m->abr_cfg, (uint32_t) MIN(m->target_bps,
                                                                               (uint64_t) UINT32_MAX),
                                        now) >= 0;
}

/* Watch the link afresh (lock held): a member left out counts again until the samples say otherwise. */
static void media_link_reset(struct media *m)
{
        if (link_stall_is_out(&m->link))
                (void) media_group_set_stalled(m->group, m->member, false);
        link_stall_reset(&m->link);
}

/* Apply queued commands (lock held). */
static void media_run_commands(struct media *m, uint64_t *next_tick)
{
        while (m->command_count > 0 && !m->quit) {
                struct media_command c = m->commands[m->command_head];

                m->command_head = (m->command_head + 1) % MEDIA_COMMANDS_MAX;
                m->command_count--;
                switch (c.type) {
                case MEDIA_COMMAND_START:
                        if (m->state == MEDIA_STATE_IDLE) {
                                m->state = MEDIA_STATE_PLAYING;
                                m->start_usec = now_usec();
                                *next_tick = m->start_usec;
                                /* the group's shared PES runs on the process's clock: so do we */
                                media_output_set_clock_offset(m->output,
                                                              m->start_usec - media_group_clock_zero());
                                media_abr_reset(m, m->target_bps, m->start_usec);
                                media_link_reset(m);
                                if (m->audio) {
                                        m->audio_start_pos = usec_to_frame(m->start_usec, m->cfg.audio_rate_hz);
                                        m->audio_pos = m->audio_start_pos;
                                }
                        }
                        break;
                case MEDIA_COMMAND_PAUSE:
                        if (m->state == MEDIA_STATE_PLAYING)
                                m->state = MEDIA_STATE_PAUSED;
                        break;
                case MEDIA_COMMAND_RESUME:
                        if (m->state == MEDIA_STATE_PAUSED) {
                                m->state = MEDIA_STATE_PLAYING;
                                *next_tick = now_usec();
                                /* Nothing from the pause is sent late; the sink may have flushed its
                                 * decoder while paused, so the first picture is an IDR. */
                                media_output_resume(m->output);
                                if (m->audio)
                                        m->audio_pos = usec_to_frame(*next_tick, m->cfg.audio_rate_hz);
                                media_group_wait_idr(m->group, m->member);
                                media_link_reset(m); /* our pause, not the link */
                        }
                        break;
                case MEDIA_COMMAND_IDR:
                        media_group_request_idr(m->group);
                        break;
                case MEDIA_COMMAND_BITRATE:
                        m->target_bps = c.value;
                        link_stall_set_bitrate(&m->link, c.value); /* a stall comes back under it */
                        media_group_set_bitrate(m->group, m->member, c.value);
                        m->stats.bitrate_bps = c.value;
                        /* the new ceiling (negotiated, SetBitrate, the link policy); adapt under it */
                        media_abr_reset(m, c.value, now_usec());
                        break;
                case MEDIA_COMMAND_STOP:
                        media_end(m, 0, "stopped");
                        break;
                case MEDIA_COMMAND_FORMAT:
                        /* applied by the pipeline thread outside the lock; the latest one wins */
                        m->format = c.format;
                        m->format_pending = true;
                        break;
                }
                m->stats.state = m->state;
        }
}

static void media_record_latency(struct media *m, uint64_t usec)
{
        m->latency[m->latency_pos] = usec;
        m->latency_pos = (m->latency_pos + 1) % MEDIA_LATENCY_SAMPLES;
        if (m->latency_count < MEDIA_LATENCY_SAMPLES)
                m->latency_count++;
}

/*
 * Send the sound up to now - AUDIO_SOURCE_DELAY_USEC, block by block, each
 * with the PTS of its place on the clock. Runs without the lock.
 */
static int media_pump_audio(struct media *m, uint64_t now)
{
        struct audio_source_stats as;
        uint64_t until, t0, frames = 0;
        int r = 0;

        if (!m->audio || now < AUDIO_SOURCE_DELAY_USEC)
                return 0;
        until = usec_to_frame(now - AUDIO_SOURCE_DELAY_USEC, m->cfg.audio_rate_hz);
        if (m->audio_pos + MEDIA_AUDIO_BLOCK > until)
                return 0;
        t0 = thread_cpu_usec();
        while (m->audio_pos + MEDIA_AUDIO_BLOCK <= until) {
                unsigned n = 0;

                /* the blocks due, read together and sent together (a wake-up every 20 ms has two) */
                while (n < MEDIA_AUDIO_BLOCKS_MAX && m->audio_pos + (n + 1) * MEDIA_AUDIO_BLOCK <= until) {
                        audio_source_read(m->audio, m->audio_pos + n * MEDIA_AUDIO_BLOCK,
                                          m->audio_block + (size_t) n * MEDIA_AUDIO_BLOCK * 2, MEDIA_AUDIO_BLOCK);
                        n++;
                }
                r = media_output_audio(m->output, m->audio_block, n * MEDIA_AUDIO_BLOCK,
                                       (int64_t) (m->audio_pos - m->audio_start_pos), now - m->start_usec);
                if (r < 0)
                        break;
                m->audio_pos += n * MEDIA_AUDIO_BLOCK;
                frames += n * MEDIA_AUDIO_BLOCK;
        }
        audio_source_get_stats(m->audio, &as);

        pthread_mutex_lock(&m->lock);
        m->stats.audio_frames += frames;
        m->stats.audio_cpu_usec += thread_cpu_usec() - t0;
        /* (copied only when they changed: this runs 50 times a second on an idle desktop) */
        if (strcmp(m->stats.audio_input, as.input) != 0)
                snprintf(m->stats.audio_input, sizeof(m->stats.audio_input), "%s", as.input);
        m->stats.audio_silence_frames = as.frames_silence;
        m->stats.audio_underruns = as.underruns;
        m->stats.audio_dropped = as.frames_dropped;
        m->stats.audio_level_dbfs = as.level_dbfs;
        if (strcmp(m->stats.audio_reason, as.silence_reason) != 0)
                snprintf(m->stats.audio_reason, sizeof(m->stats.audio_reason), "%s", as.silence_reason);
        if (as.reason_seq != m->audio_reason_seq) {
                m->audio_reason_seq = as.reason_seq;
                media_push_event(m, MEDIA_EVENT_AUDIO, 0, "%s", as.silence_reason);
        }
        pthread_mutex_unlock(&m->lock);
        return r;
}

/*
 * Has the link stalled, or taken data again (lock held)? protocol/link_stall.h
 * decides; a stalled member is left out of the group's rate
 * (media_group_set_stalled()), so the other sinks keep theirs, and its
 * controller waits while it is out (a full queue, then the backlog it drains,
 * say nothing of the link's rate). It rejoins at the rate it had before the
 * stall's queue lowered it. Its IDR comes when the link takes data (idr_owed).
 */
static void media_watch_link(struct media *m, uint64_t now, bool congested, bool closed, int queued,
                             uint64_t bytes)
{
        struct link_stall_decision d;

        if (link_stall_update(&m->link,
                              &(struct link_stall_sample) {
                                      .now_usec = now,
                                      .congested = congested,
                                      .window_closed = closed,
                                      .queued_bytes = queued > 0 ? (uint64_t) queued : 0,
                                      .bytes_sent = bytes,
                                      .bitrate_bps = m->target_bps,
                                      .queue_high_usec = m->abr_cfg.queue_high_usec,
                              },
                              &d) < 0)
                return;
        switch (d.event) {
        case LINK_STALL_NONE:
                break;
        case LINK_STALL_LEFT_OUT:
                (void) media_group_set_stalled(m->group, m->member, true);
                media_push_event(m, MEDIA_EVENT_LINK, 0,
                                 "the sink stopped reading (%s for %llu ms): left out of the shared encoder's rate",
                                 d.no_room ? "no room" : "nothing taken", (unsigned long long) (d.for_usec / 1000));
                break;
        case LINK_STALL_REJOINED:
                if (d.rejoin_bps > m->target_bps) {
                        m->target_bps = d.rejoin_bps;
                        m->stats.bitrate_bps = m->target_bps;
                        if (m->abr_running)
                                (void) abr_state_init(&m->abr, &m->abr_cfg,
                                                      (uint32_t) MIN(m->target_bps, UINT32_MAX), now);
                        media_group_set_bitrate(m->group, m->member, m->target_bps);
                }
                (void) media_group_set_stalled(m->group, m->member, false);
                media_push_event(m, MEDIA_EVENT_LINK, 0,
                                 "the sink reads again (%s in %llu ms): back in the shared encoder's rate at "
                                 "%llu bit/s",
                                 d.drained ? "drained" : "still behind", (unsigned long long) (d.drain_usec / 1000),
                                 (unsigned long long) m->target_bps);
                break;
        }
}

/*
 * Read the sink's RTCP (NACKs are answered inside), and at each receiver
 * report or every MEDIA_ABR_SAMPLE_USEC let the controller decide the bit
 * rate. Runs without the lock.
 */
static int media_feedback(struct media *m, uint64_t now)
{
        struct media_output_feedback fb;
        struct media_output_stats out;
        struct abr_decision d = {};
        bool congested, closed;
        int q, r;

        r = media_output_poll_rtcp(m->output, now - m->start_usec, &fb);
        if (r < 0)
                return r;
        if (fb.idr)
                media_group_request_idr(m->group);
        q = media_output_queued_bytes(m->output);
        media_output_get_stats(m->output, &out);
        congested = media_output_is_congested(m->output);
        closed = media_output_peer_window_closed(m->output);

        pthread_mutex_lock(&m->lock);
        media_watch_link(m, now, congested, closed, q, out.bytes_sent);
        if (m->abr_running && !link_stall_is_out(&m->link) && (fb.report || now >= m->abr_next_sample)) {
                struct abr_sample in = {
                        .now_usec = now,
                        .has_loss = fb.report,
                        .fraction_lost = fb.fraction_lost,
                        .queue_bytes = q > 0 ? (uint64_t) q : 0,
                        .link_bps = m->link_bps,
                };

                m->abr_next_sample = now + MEDIA_ABR_SAMPLE_USEC;
                if (abr_update(&m->abr, &m->abr_cfg, &in, &d) >= 0) {
                        if (d.action != ABR_KEEP) {
                                m->target_bps = d.bitrate_bps;
                                media_group_set_bitrate(m->group, m->member, d.bitrate_bps);
                                m->stats.bitrate_bps = d.bitrate_bps;
                                if (d.action == ABR_LOWER)
                                        m->stats.abr_lowered++;
                                else
                                        m->stats.abr_raised++;
                                snprintf(m->stats.abr_reason, sizeof(m->stats.abr_reason), "%s",
                                         abr_reason_to_string(d.reason) ?: "");
                        }
                        if (d.request_idr) {
                                media_group_request_idr(m->group);
                                m->stats.abr_idrs++;
                        }
                        if (d.smaller_mode)
                                media_push_event(m, MEDIA_EVENT_CONGESTED, 0,
                                                 "still congested at the lowest bit rate (%u bit/s)",
                                                 d.bitrate_bps);
                }
        }
        m->stats.rtcp = out.rtcp;
        m->stats.rtcp_reports = out.rtcp_reports;
        m->stats.loss_percent = out.fraction_lost * 100.0 / 256;
        m->stats.packets_lost = out.cumulative_lost;
        m->stats.jitter_usec = out.jitter_usec;
        m->stats.rtt_usec = out.rtt_usec;
        m->stats.nack_items = out.nack_items;
        m->stats.rtx_sent = out.rtx_sent;
        m->stats.rtx_missing = out.rtx_missing;
        m->stats.send_queue_bytes = q > 0 ? (uint64_t) q : 0;
        pthread_mutex_unlock(&m->lock);
        return 0;
}

/* Send what the last tick produced (m->frame). Runs without the lock. */
static int media_send(struct media *m, const char **ret_stage)
{
        const struct media_group_frame *fr = &m->frame;
        struct media_output_stats out;
        int64_t pts;
        uint64_t t1, sent = 0, idr = 0, bps;
        int r;

        /* Pace for the rate the shared encoder runs at (the lowest of the group's targets). */
        bps = media_group_get_bitrate(m->group);
        if (bps != m->output_bitrate) {
                media_output_set_bitrate(m->output, bps);
                m->output_bitrate = bps;
        }

        /* pts: 90 kHz since this stream started (each member has its own clock); the muxer adds
         * its own offset for PCR. An encode grabbed before this member started is not sent. */
        if (fr->grab_usec < m->start_usec)
                return 0;
        if (m->idr_owed && !media_output_is_congested(m->output)) {
                m->idr_owed = false;
                media_group_request_idr(m->group);
        }
        pts = (int64_t) ((fr->grab_usec - m->start_usec) * 9 / 100);
        for (unsigned i = 0; i < fr->n_aus; i++) {
                t1 = now_usec();
                r = media_pump_audio(m, t1);
                if (r < 0) {
                        *ret_stage = "send";
                        return r;
                }
                if (fr->au[i].ts_packets > 0)
                        /* muxed once by the group; our PCR/PAT/PMT around it */
                        r = media_output_video_packets(m->output, fr->au[i].ts, fr->au[i].ts_packets,
                                                       fr->au[i].idr, t1 - m->start_usec);
                else
                        r = media_output_video(m->output, fr->au[i].data, fr->au[i].size, pts, fr->au[i].idr,
                                               t1 - m->start_usec);
                if (r == 1) {
                        /* The link stalled and the sender dropped it; the next IDR repairs the picture.
                         * While the link stays full that IDR would be dropped too, and asked again, so
                         * every frame of the shared encoder would be an IDR, for the other sessions as
                         * well: ask once the link takes data again. */
                        if (media_output_is_congested(m->output))
                                m->idr_owed = true;
                        else
                                media_group_request_idr(m->group);
                } else if (r < 0) {
                        *ret_stage = "send";
                        return r;
                } else {
                        sent++;
                        idr += fr->au[i].idr;
                }
        }

        media_output_get_stats(m->output, &out);
        pthread_mutex_lock(&m->lock);
        m->stats.bytes_sent = out.bytes_sent;
        m->stats.rtp_packets = out.rtp_packets;
        m->stats.send_errors = out.send_errors;
        m->sender_dropped = out.frames_dropped;
        m->stats.frames_encoded++;
        m->stats.frames_repeated += fr->repeat;
        m->stats.frames_shared += fr->shared;
        m->stats.frames_sent += sent;
        m->stats.idr_frames += idr;
        if (!fr->shared) {
                m->own_encodes++;
                m->encode_usec_total += fr->encode_usec;
                m->stats.encode_usec_avg = m->encode_usec_total / m->own_encodes;
                m->stats.encode_usec_max = MAX(m->stats.encode_usec_max, fr->encode_usec);
        }
        if (sent)
                media_record_latency(m, now_usec() - fr->grab_usec);
        if (m->cfg.max_frames && m->stats.frames_sent >= m->cfg.max_frames)
                media_end(m, 0, "max_frames reached");
        pthread_mutex_unlock(&m->lock);
        return 0;
}

/*
 * One tick: the group (media_group.h) hands out what another member encoded
 * within the last frame interval, or grabs, skips an unchanged picture (a
 * keep-alive repeat when one is due), converts and encodes for everyone;
 * then send. Runs without the lock. Returns 1 when the picture was unchanged,
 * 0 when encoded (or dropped).
 */
static int media_tick(struct media *m, uint64_t *last_encode_usec, const char **ret_stage)
{
        struct media_group_frame *fr = &m->frame;
        uint64_t grab = now_usec();
        int r;

        /* Sessions sharing the capture within half a frame get the same picture (benchmarks: never). */
        /* Still for longer than MEDIA_STILL_USEC (an idle desktop): repeat only once a second. Each repeat is
         * a whole encode; PCR/PAT/PMT keep the stream alive in between. */
        /* (Not in a benchmark: its fast still run would take a second a frame.) */
        uint64_t keepalive = grab - m->last_change_usec >= MEDIA_STILL_USEC && !m->cfg.benchmark
                                     ? MAX(m->keepalive_usec, MEDIA_STILL_KEEPALIVE_USEC)
                                     : m->keepalive_usec;

        r = media_group_tick(m->group, m->member, grab, m->cfg.benchmark ? 0 : m->interval_usec, keepalive,
                             m->start_usec, fr, ret_stage);
        if (r < 0)
                return r;

        pthread_mutex_lock(&m->lock);
        if (!fr->shared)
                m->stats.frames_captured++;
        if (fr->unchanged || (fr->repeat && !fr->shared))
                m->stats.frames_skipped++;
        if (fr->converted) {
                m->convert_usec_total += fr->convert_usec;
                m->stats.convert_usec_avg = m->convert_usec_total / ++m->converted;
        }
        if (fr->dropped)
                m->stats.frames_dropped++; /* every picture is still with an encoder that keeps references */
        pthread_mutex_unlock(&m->lock);
        if (fr->unchanged)
                return 1;
        if (fr->dropped)
                return 0;
        *last_encode_usec = grab;
        if (!fr->repeat)
                m->last_change_usec = grab;
        r = media_send(m, ret_stage);
        if (r < 0)
                return r;
        return fr->repeat ? 1 : 0;
}

#ifdef MIRACAST_TEST_HOOKS
/*
 * Test-only fault hook, compiled into the sanitized test builds (make check,
 * make soak) and nowhere else: with MIRACASTD_TEST_FAIL_ENCODE_AFTER=N in the
 * environment, encoding fails with -EIO once N frames were encoded, so tests
 * drive the real daemon's mid-stream encoder failure path. Called locked.
 */
static void media_test_fault_hook(struct media *m)
{
        const char *v = getenv("MIRACASTD_TEST_FAIL_ENCODE_AFTER");
        char detail[96];

        if (!v || m->stats.frames_encoded < strtoull(v, NULL, 10))
                return;
        snprintf(detail, sizeof(detail), "test fault hook: encoder failure injected after %s frames", v);
        media_fail(m, -EIO, "encode", detail);
}
#endif

/*
 * Switch to m->format (taken from under the lock by the caller): join the
 * group of the new size, rate, profile and level (a new encoder of the same
 * backend unless another session already streams that format; either way
 * the first picture this session sends is an IDR with the new SPS/PPS),
 * leave the old one, and change the PMT's AVC descriptor; the output (SSRC,
 * sequence, continuity counters, clocks) stays. Runs without the lock.
 */
static int media_apply_format(struct media *m, const struct encode_config *format)
{
        struct encode_config ecfg = *format;
        struct media_group *g = NULL, *old;
        unsigned member, old_member;
        bool chp = ecfg.profile == ENCODE_PROFILE_CHP;
        uint64_t max_bps;
        int r;

        ecfg.encoder = media_group_codec_name(m->group); /* the backend that runs, not "auto" again */
        ecfg.vaapi_device = m->vaapi_device;
        if (!ecfg.bitrate_bps)
                ecfg.bitrate_bps = m->target_bps;
        max_bps = ecfg.bitrate_bps;
        /* While adapting (a smaller mode is ABR's last resort) the new mode starts at the adapted
         * rate, not at its maximum: the link that could not carry the old one is still there.
         * (m->abr belongs to this thread.) */
        if (m->abr_running && m->abr.bitrate_bps && m->abr.bitrate_bps < ecfg.bitrate_bps)
                ecfg.bitrate_bps = m->abr.bitrate_bps;
        if (!ecfg.vbv_usec)
                ecfg.vbv_usec = m->cfg.encode.vbv_usec; /* the latency mode's */
        if (!ecfg.slice_max_bytes)
                ecfg.slice_max_bytes = m->cfg.encode.slice_max_bytes;
        if (!ecfg.fps_num) {
                ecfg.fps_num = m->cfg.encode.fps_num;
                ecfg.fps_den = m->cfg.encode.fps_den;
        }
        r = media_group_join(m->capture, &ecfg, m->cfg.no_damage, &g, &member);
        if (r < 0)
                return r;
        r = media_output_set_video(m->output, chp ? 100 : 66, chp ? 0x0c : 0xc0,
                                   ecfg.level_idc ? (uint8_t) ecfg.level_idc : 31);
        if (r < 0) {
                media_group_leave(g, member);
                return r;
        }

        pthread_mutex_lock(&m->lock);
        old = m->group;
        old_member = m->member;
        m->group = g;
        m->member = member;
        m->target_bps = ecfg.bitrate_bps;
        ecfg.encoder = NULL;
        ecfg.vaapi_device = NULL;
        m->cfg.encode = ecfg;
        m->interval_usec = (uint64_t) 1000000 * ecfg.fps_den / ecfg.fps_num;
        m->stats.width = ecfg.width;
        m->stats.height = ecfg.height;
        m->stats.bitrate_bps = ecfg.bitrate_bps;
        m->stats.format_changes++;
        media_abr_reset(m, max_bps, now_usec());
        /* a new member of the new group, not left out; the next samples tell again */
        m->link = (struct link_stall) {};
        pthread_mutex_unlock(&m->lock);
        media_group_leave(old, old_member);
        return 0;
}

static void media_wait_until(struct media *m, uint64_t until)
{
        struct timespec ts = { .tv_sec = until / 1000000u, .tv_nsec = (until % 1000000u) * 1000 };

        pthread_cond_timedwait(&m->cond, &m->lock, &ts);
}

/* The capture's waker (its own thread): a still screen's slow ticking ends at once. */
static void media_capture_woke(void *userdata)
{
        struct media *m = userdata;

        /* At the frame rate the next tick comes soon anyway: no lock, no wake-up per buffer. */
        if (!__atomic_load_n(&m->slow_ticks, __ATOMIC_RELAXED))
                return;
        pthread_mutex_lock(&m->lock);
        m->capture_woke = true;
        pthread_cond_signal(&m->cond);
        pthread_mutex_unlock(&m->lock);
}

static void *media_thread(void *userdata)
{
        struct media *m = userdata;
        uint64_t next_tick = 0, last_encode = 0, prev_encode, last_output = 0, next_feedback = 0;
        bool feedback = m->cfg.rtcp || m->cfg.abr;
        /* PCR/PAT/PMT at least every 40 ms while nothing else goes out; with sound, its blocks every 20 ms
         * (two 10 ms blocks, or about one AAC frame, per wake-up; the sink's buffer is far longer) */
        uint64_t idle_usec = m->audio ? 20000 : 40000;
        bool idle = false;

        pthread_mutex_lock(&m->lock);
        for (;;) {
                uint64_t now;
                const char *stage = "capture";
                int r;

                media_run_commands(m, &next_tick);
                if (m->quit)
                        break;
                if (m->format_pending) {
                        struct encode_config format = m->format;

                        m->format_pending = false;
                        pthread_mutex_unlock(&m->lock);
                        r = media_apply_format(m, &format);
                        pthread_mutex_lock(&m->lock);
                        if (r < 0)
                                media_fail(m, r, "format change", encode_last_error());
                        continue;
                }
                if (m->state != MEDIA_STATE_PLAYING) {
                        pthread_cond_wait(&m->cond, &m->lock);
                        continue;
                }
                now = now_usec();
                if (feedback && now >= next_feedback) {
                        pthread_mutex_unlock(&m->lock);
                        r = media_feedback(m, now);
                        pthread_mutex_lock(&m->lock);
                        /* A still screen sends little to repair: read RTCP at the idle wake-ups (a NACK is
                         * answered within idle_usec, from a history far longer), not 100 times a second. */
                        next_feedback = m->slow_ticks ? MAX(now + MEDIA_FEEDBACK_USEC, last_output + idle_usec)
                                                      : now + MEDIA_FEEDBACK_USEC;
                        if (r < 0)
                                media_fail(m, r, "rtcp", NULL);
                        continue;
                }
                if (now >= last_output + idle_usec) {
                        uint64_t start = m->start_usec;

                        pthread_mutex_unlock(&m->lock);
                        r = media_pump_audio(m, now);
                        if (r >= 0)
                                r = media_output_idle(m->output, now - start);
                        pthread_mutex_lock(&m->lock);
                        last_output = now;
                        if (r < 0)
                                media_fail(m, r, "send", NULL);
                        continue;
                }
                if (m->capture_woke) {
                        /* something new on a still screen: grab at once, then at the frame rate */
                        m->capture_woke = false;
                        if (m->slow_ticks)
                                next_tick = MIN(next_tick, now);
                        __atomic_store_n(&m->slow_ticks, false, __ATOMIC_RELAXED);
                }
                if ((!m->cfg.benchmark || idle) && now < next_tick) {
                        media_wait_until(m, MIN(MIN(next_tick, last_output + idle_usec),
                                                feedback ? next_feedback : UINT64_MAX));
                        continue;
                }
                if (!m->cfg.benchmark) {
                        /* Fixed schedule; ticks that passed while the last frame was encoded are dropped. */
                        uint64_t missed = (now - next_tick) / m->interval_usec;

                        m->stats.frames_dropped += missed;
                        next_tick += (missed + 1) * m->interval_usec;
                } else
                        next_tick = now + m->interval_usec;
                pthread_mutex_unlock(&m->lock);

                prev_encode = last_encode;
                r = media_tick(m, &last_encode, &stage);
                /* Even a benchmark waits a frame interval when nothing changed, instead of spinning. */
                idle = r == 1;
                if (last_encode != prev_encode)
                        last_output = now_usec(); /* a frame went out, with PCR/PAT/PMT as due */

                pthread_mutex_lock(&m->lock);
                /* Still for a while (an idle desktop): the next grab waits for the next PCR/PSI or sound
                 * wake-up, or for the capture's waker, instead of the frame rate. Only with a capture that
                 * has events: polled ones (testsrc, kms) would see the first change up to idle_usec late. */
                if (m->capture_events && !m->cfg.benchmark && r == 1 &&
                    now - m->last_change_usec >= MEDIA_SLOW_TICKS_USEC) {
                        __atomic_store_n(&m->slow_ticks, true, __ATOMIC_RELAXED);
                        next_tick = MAX(next_tick, last_output + idle_usec);
                } else
                        __atomic_store_n(&m->slow_ticks, false, __ATOMIC_RELAXED);
                m->cpu_usec = thread_cpu_usec();
                if (r < 0)
                        media_fail(m, r, stage,
                                   strcmp(stage, "capture") == 0 ? capture_last_error()
                                   : strcmp(stage, "send") == 0  ? NULL
                                                                 : encode_last_error());
#ifdef MIRACAST_TEST_HOOKS
                else
                        media_test_fault_hook(m);
#endif
        }
        pthread_mutex_unlock(&m->lock);
        return NULL;
}

/* ---- control ------------------------------------------------------------- */

static void media_stop_thread(struct media *m)
{
        pthread_mutex_lock(&m->lock);
        m->quit = true;
        pthread_cond_broadcast(&m->cond);
        pthread_mutex_unlock(&m->lock);
        if (m->thread_running)
                pthread_join(m->thread, NULL);
        m->thread_running = false;
}

struct media *media_free(struct media *m)
{
        if (!m)
                return NULL;
        /* first: the capture's thread may be in media_capture_woke() until this returns */
        if (m->waker_added)
                capture_remove_waker(m->capture, media_capture_woke, m);
        media_stop_thread(m);
        m->output = media_output_free(m->output);
        m->audio_pw = audio_pipewire_free(m->audio_pw);
        m->audio = audio_source_free(m->audio);
        media_group_leave(m->group, m->member);
        m->group = NULL;
        media_group_frame_done(&m->frame);
        m->capture = capture_unref(m->capture);
        m->event_fd = safe_close(m->event_fd);
        pthread_cond_destroy(&m->cond);
        pthread_mutex_destroy(&m->lock);
        free(m->dest_address);
        free(m->vaapi_device);
        free(m);
        return NULL;
}

/*
 * audio-source = pipewire (kiosk, headless, tests): capture what the configured PipeWire's default output
 * plays, through the same fd path a user-session component's sound takes (framed PCM, jitter buffer,
 * every check). Sound is never worth failing the session for: without PipeWire the track is silence, and
 * the event says why.
 */
static void media_start_audio_pipewire(struct media *m, const char *remote, int remote_fd)
{
        int fds[2], r;

        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0) {
                media_push_event(m, MEDIA_EVENT_AUDIO, 0, "audio-source pipewire: socketpair: %s", strerror(errno));
                safe_close(remote_fd);
                return;
        }
        r = audio_pipewire_start(&(struct audio_pipewire_config) {
                                         .remote = remote,
                                         .remote_fd = remote_fd,
                                         .rate_hz = m->cfg.audio_rate_hz,
                                         .channels = 2,
                                         .name = "miracastd",
                                 },
                                 fds[0], &m->audio_pw);
        if (r < 0) {
                safe_close(fds[1]);
                media_push_event(m, MEDIA_EVENT_AUDIO, 0, "audio-source pipewire: cannot capture from PipeWire%s%s: %s",
                                 remote ? " at " : "", remote ?: "", strerror(-r));
                return;
        }
        r = audio_source_attach_fd(m->audio, fds[1]);
        if (r < 0)
                media_push_event(m, MEDIA_EVENT_AUDIO, 0, "audio-source pipewire: %s", strerror(-r));
}

int media_new(const struct media_config *cfg, struct media **ret)
{
        _cleanup_(media_freep) struct media *m = NULL;
        _cleanup_close_ int audio_pw_fd = cfg->audio_pipewire_fd > 0 ? cfg->audio_pipewire_fd : -1;
        pthread_condattr_t attr;
        const char *name;
        int r;

        if (!cfg || !ret || !cfg->capture || !cfg->dest_address || cfg->dest_port == 0)
                return -EINVAL;

        m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        m->event_fd = -1;
        pthread_mutex_init(&m->lock, NULL);
        /* timed waits use CLOCK_MONOTONIC, like every time stamp here */
        pthread_condattr_init(&attr);
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        pthread_cond_init(&m->cond, &attr);
        pthread_condattr_destroy(&attr);

        m->cfg = *cfg;
        m->dest_address = strdup(cfg->dest_address);
        if (!m->dest_address)
                return -ENOMEM;
        m->cfg.dest_address = m->dest_address;
        m->cfg.encode.encoder = NULL; /* only valid during encode_new() */
        m->cfg.encode.vaapi_device = NULL;
        m->cfg.audio_pipewire_remote = NULL;  /* only valid during media_new() */
        m->capture = capture_ref(cfg->capture);

        /* The older LPCM-silence form of the audio configuration. */
        if (m->cfg.audio_codec == TS_AUDIO_NONE && m->cfg.audio_lpcm_rate) {
                m->cfg.audio_codec = TS_AUDIO_LPCM;
                m->cfg.audio_rate_hz = m->cfg.audio_lpcm_rate;
                m->cfg.audio_source = (struct audio_source_config) { .kind = AUDIO_SOURCE_SILENCE };
        }
        if (m->cfg.audio_codec != TS_AUDIO_NONE) {
                struct audio_source_config acfg = m->cfg.audio_source;

                if (m->cfg.audio_codec == TS_AUDIO_AAC && !m->cfg.audio_rate_hz)
                        m->cfg.audio_rate_hz = 48000; /* the only AAC rate WFD has */
                acfg.rate_hz = m->cfg.audio_rate_hz;
                acfg.channels = 2;
                r = audio_source_new(&acfg, &m->audio);
                if (r < 0)
                        return r;
                snprintf(m->stats.audio_codec, sizeof(m->stats.audio_codec), "%s",
                         ts_audio_codec_to_string(m->cfg.audio_codec));
        } else
                snprintf(m->stats.audio_codec, sizeof(m->stats.audio_codec), "none");

        /* VAAPI on the GPU that scans out what we capture, unless told otherwise. */
        struct encode_config ecfg = cfg->encode;
        struct latency_mode_params lp;

        if (latency_mode_get_params(cfg->latency, &lp) >= 0) {
                if (!ecfg.vbv_usec)
                        ecfg.vbv_usec = m->cfg.encode.vbv_usec = lp.vbv_usec;
                if (!ecfg.slice_max_bytes)
                        ecfg.slice_max_bytes = m->cfg.encode.slice_max_bytes = lp.slice_max_bytes;
        }
        if (!ecfg.vaapi_device)
                ecfg.vaapi_device = capture_get_device(cfg->capture);
        if (ecfg.vaapi_device) {
                m->vaapi_device = strdup(ecfg.vaapi_device);
                if (!m->vaapi_device)
                        return -ENOMEM;
        }
        r = media_group_join(m->capture, &ecfg, m->cfg.no_damage, &m->group, &m->member);
        if (r < 0)
                return r;
        /* encode_new() filled in defaults (frame rate, bit rate): read them back through the encoder. */
        if (!m->cfg.encode.fps_num) {
                m->cfg.encode.fps_num = 30;
                m->cfg.encode.fps_den = 1;
        }
        m->interval_usec = (uint64_t) 1000000 * m->cfg.encode.fps_den / m->cfg.encode.fps_num;
        m->keepalive_usec = 1000000 / (m->cfg.keepalive_fps ? m->cfg.keepalive_fps : 5);

        m->output_bitrate = media_group_get_bitrate(m->group);
        m->target_bps = ecfg.bitrate_bps ? ecfg.bitrate_bps : m->output_bitrate;
        r = media_output_new(&(struct media_output_config) {
                                     .dest_address = m->dest_address,
                                     .dest_port = cfg->dest_port,
                                     .local_port = cfg->local_port,
                                     .dest_rtcp_port = cfg->dest_rtcp_port,
                                     .width = cfg->encode.width,
                                     .height = cfg->encode.height,
                                     .bitrate_bps = m->output_bitrate,
                                     /* §6.2: what the SPS says, for the PMT's AVC descriptor */
                                     .avc_profile_idc = cfg->encode.profile == ENCODE_PROFILE_CHP ? 100 : 66,
                                     .avc_constraint_flags = cfg->encode.profile == ENCODE_PROFILE_CHP ? 0x0c : 0xc0,
                                     .avc_level_idc = cfg->encode.level_idc ? cfg->encode.level_idc : 31,
                                     .audio = m->cfg.audio_codec,
                                     .audio_rate_hz = m->cfg.audio_rate_hz,
                                     .audio_channels = 2,
                                     .rtcp = cfg->rtcp,
                                     .tcp = cfg->tcp,
                                     .interleave = cfg->interleave,
                                     .interleave_channel = { cfg->interleave_channel[0], cfg->interleave_channel[1] },
                             },
                             &m->output);
        if (r < 0)
                return r;

        m->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (m->event_fd < 0)
                return -errno;
        /* A capture that says when something arrives lets a still screen tick slowly (media_thread()). */
        m->capture_events = capture_has_events(m->capture) && capture_add_waker(m->capture, media_capture_woke, m) >= 0;
        m->waker_added = m->capture_events;
        if (m->audio && m->cfg.audio_pipewire)
                /* after event_fd: it may report why there is no sound */
                media_start_audio_pipewire(m, cfg->audio_pipewire_remote, steal_fd(audio_pw_fd));

        m->state = MEDIA_STATE_IDLE;
        m->stats.state = MEDIA_STATE_IDLE;
        name = media_group_codec_name(m->group);
        snprintf(m->stats.encoder, sizeof(m->stats.encoder), "%s", name ? name : "");
        m->stats.width = cfg->encode.width;
        m->stats.height = cfg->encode.height;
        m->stats.bitrate_bps = m->target_bps;

        r = -pthread_create(&m->thread, NULL, media_thread, m);
        if (r < 0)
                return r;
        m->thread_running = true;

        *ret = steal_ptr(m);
        return 0;
}

static int media_queue_format(struct media *m, enum media_command_type type, uint64_t value,
                              const struct encode_config *format)
{
        int r = 0;

        if (!m)
                return -EINVAL;
        pthread_mutex_lock(&m->lock);
        if (m->state == MEDIA_STATE_ENDED || m->quit)
                r = -ESHUTDOWN;
        else if (m->command_count == MEDIA_COMMANDS_MAX)
                r = -ENOBUFS;
        else {
                m->commands[(m->command_head + m->command_count) % MEDIA_COMMANDS_MAX] =
                        (struct media_command) { type, value, format ? *format : (struct encode_config) {} };
                m->command_count++;
                pthread_cond_broadcast(&m->cond);
        }
        pthread_mutex_unlock(&m->lock);
        return r;
}

static int media_queue(struct media *m, enum media_command_type type, uint64_t value)
{
        return media_queue_format(m, type, value, NULL);
}

int media_start(struct media *m)
{
        return media_queue(m, MEDIA_COMMAND_START, 0);
}

int media_pause(struct media *m)
{
        return media_queue(m, MEDIA_COMMAND_PAUSE, 0);
}

int media_resume(struct media *m)
{
        return media_queue(m, MEDIA_COMMAND_RESUME, 0);
}

int media_request_idr(struct media *m)
{
        return media_queue(m, MEDIA_COMMAND_IDR, 0);
}

int media_set_bitrate(struct media *m, uint64_t bitrate_bps)
{
        if (bitrate_bps == 0 || bitrate_bps > 1000000000ull)
                return -EINVAL;
        return media_queue(m, MEDIA_COMMAND_BITRATE, bitrate_bps);
}

int media_set_link_rate(struct media *m, uint64_t link_bps)
{
        if (!m)
                return -EINVAL;
        pthread_mutex_lock(&m->lock);
        m->link_bps = link_bps;
        pthread_mutex_unlock(&m->lock);
        return 0;
}

int media_stop(struct media *m)
{
        return media_queue(m, MEDIA_COMMAND_STOP, 0);
}

int media_change_format(struct media *m, const struct encode_config *format)
{
        struct encode_config f;

        if (!format || format->width < 16 || format->height < 16 || format->width > 8192 ||
            format->height > 8192 || (format->width & 1) || (format->height & 1) ||
            (format->fps_num == 0) != (format->fps_den == 0))
                return -EINVAL;
        f = *format;
        f.encoder = NULL;
        f.vaapi_device = NULL;
        return media_queue_format(m, MEDIA_COMMAND_FORMAT, 0, &f);
}

int media_attach_audio_fd(struct media *m, int fd)
{
        if (!m || fd < 0) {
                safe_close(fd);
                return -EINVAL;
        }
        if (!m->audio) {
                safe_close(fd);
                return -ENOTSUP;
        }
        return audio_source_attach_fd(m->audio, fd);
}

int media_get_fd(struct media *m)
{
        return m ? m->event_fd : -EINVAL;
}

int media_read_event(struct media *m, struct media_event *ret)
{
        uint64_t counter;
        int r = 0;

        if (!m || !ret)
                return -EINVAL;
        pthread_mutex_lock(&m->lock);
        if (m->event_count == 0)
                r = -EAGAIN;
        else {
                *ret = m->events[m->event_head];
                m->event_head = (m->event_head + 1) % MEDIA_EVENTS_MAX;
                m->event_count--;
        }
        /* No more events: make the fd unreadable again. */
        if (m->event_count == 0)
                (void) !read(m->event_fd, &counter, sizeof(counter));
        pthread_mutex_unlock(&m->lock);
        return r;
}

static int cmp_u64(const void *a, const void *b)
{
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;

        return x < y ? -1 : x > y;
}

int media_get_stats(struct media *m, struct media_stats *ret)
{
        uint64_t sorted[MEDIA_LATENCY_SAMPLES];
        unsigned n;

        if (!m || !ret)
                return -EINVAL;
        pthread_mutex_lock(&m->lock);
        *ret = m->stats;
        ret->frames_dropped += m->sender_dropped;
        ret->bitrate_bps = media_group_get_bitrate(m->group);
        ret->encoder_group = media_group_id(m->group);
        ret->encoder_shared_with = media_group_members(m->group);
        ret->rate_control = media_group_get_rate_stats(m->group, &ret->rate) >= 0;
        ret->cpu_usec = m->cpu_usec;
        n = m->latency_count;
        memcpy(sorted, m->latency, n * sizeof(sorted[0]));
        pthread_mutex_unlock(&m->lock);
        if (n > 0) {
                qsort(sorted, n, sizeof(sorted[0]), cmp_u64);
                ret->latency_p50_usec = sorted[(n - 1) / 2];
                ret->latency_p99_usec = sorted[(n - 1) * 99 / 100];
        }
        return 0;
}

uint64_t media_get_pts_90khz(struct media *m)
{
        uint64_t start;

        if (!m)
                return 0;
        pthread_mutex_lock(&m->lock);
        start = m->start_usec;
        pthread_mutex_unlock(&m->lock);
        if (!start)
                return 0;
        return (now_usec() - start) * 9 / 100 + MEDIA_OUTPUT_PTS_OFFSET_90KHZ;
}

uint16_t media_get_local_port(struct media *m)
{
        return m && m->output ? media_output_local_port(m->output) : 0;
}
