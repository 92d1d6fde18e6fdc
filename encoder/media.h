/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The per-session media pipeline: capture -> convert -> H.264 encode ->
 * MPEG-TS -> RTP -> UDP to the sink, in its own thread.
 *
 * The thread grabs from the shared capture at the frame rate, skips
 * unchanged pictures, converts the damaged tiles, encodes and sends. A
 * picture is grabbed only when the encoder is free, so what goes out is the
 * newest picture there is: when encoding or sending falls behind, frame ticks
 * are dropped, never queued (media.c explains why this beats two overlapping
 * stages).
 *
 * Control is asynchronous: media_start/pause/resume/request_idr/set_bitrate/
 * stop only queue a command and return at once (safe from the daemon's
 * sd-event loop). The pipeline reports asynchronous events (an error with
 * its reason, the end of the stream) through media_get_fd(): poll it for
 * EPOLLIN, then media_read_event() until -EAGAIN.
 *
 *   media_new(&cfg, &m);           opens encoder + socket, thread idle
 *   media_start(m);                streaming (an IDR first)
 *   media_pause(m); media_resume(m);
 *   media_request_idr(m);          e.g. on M13 or a decode error report
 *   media_set_bitrate(m, bps);
 *   media_change_format(m, &fmt);  new size/profile/level, same RTP stream
 *   media_get_stats(m, &st);       any time, any thread
 *   m = media_free(m);             stops, joins the thread, closes everything
 *
 * Audio (docs/audio.md): a session that negotiated audio gets an
 * audio_source (silence, the test tone, or an fd attached later with
 * media_attach_audio_fd()) read on the same CLOCK_MONOTONIC clock as the
 * pictures, encoded as LPCM or AAC on PID 0x1100. The track never stalls:
 * missing sound is silence, and MEDIA_EVENT_AUDIO says why whenever that
 * reason changes.
 *
 * Fan-out (docs/media.md): pipelines of one process on the same capture at
 * the same format share one encoder (media_group.h); each keeps its own
 * thread, output (RTP sequence, SSRC, RTCP, pacing) and audio. The shared
 * encoder runs at the lowest of their bit rates; an IDR asked by one is
 * one for all.
 *
 * The network (docs/rtcp.md): with cfg.rtcp the pipeline sends RTCP sender
 * reports, reads the sink's receiver reports and answers its generic NACKs
 * from a bounded history; with cfg.abr it adapts the encoder's bit rate
 * (protocol/abr.h) to the loss the sink reports, the local send queue and
 * the Wi-Fi link rate (media_set_link_rate()), never above the rate set by
 * media_set_bitrate() (the negotiated one at first). When even the lowest
 * rate is too much, MEDIA_EVENT_CONGESTED asks the session for a smaller
 * mode.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "../protocol/latency_mode.h"
#include "../protocol/ts_mux.h"
#include "audio_source.h"
#include "encode.h"

struct capture;
struct media;

enum media_state {
        MEDIA_STATE_IDLE,    /* created, not started */
        MEDIA_STATE_PLAYING,
        MEDIA_STATE_PAUSED,
        MEDIA_STATE_ENDED,   /* stopped or failed; the thread finished */
        _MEDIA_STATE_MAX,
        _MEDIA_STATE_INVALID = -1,
};

struct rtsp_interleave;

struct media_config {
        struct capture *capture;     /* required; shared, media takes its own reference */
        struct encode_config encode; /* negotiated format; encode.fps_* is also the capture rate */

        const char *dest_address;    /* the sink's IP address (IPv4 or IPv6 literal) */
        uint16_t dest_port;          /* the sink's RTP port (client_port from SETUP) */
        uint16_t local_port;         /* our RTP port (server_port); 0: any */
        uint16_t dest_rtcp_port;     /* the sink's RTCP port (SETUP client_port=RTP-RTCP); 0: its RTP port + 1 */

        unsigned keepalive_fps;      /* still screen: frames per second to keep the stream alive; 0: 5.
                                      * After a second without change: at most one a second */
        enum ts_audio_codec audio_codec; /* negotiated audio: LPCM (44.1/48 kHz) or AAC (48 kHz), 2 channels */
        unsigned audio_rate_hz;
        struct audio_source_config audio_source; /* kind and tone; rate and channels are filled in */
        bool audio_pipewire;         /* sound from a PipeWire instance's default output (audio-source pipewire) */
        const char *audio_pipewire_remote; /* its socket; NULL: libpipewire's default */
        int audio_pipewire_fd;       /* > 0: a connection to that socket made for us (taken over by media_new();
                                      * the stream worker cannot open the socket itself); 0: none */
        unsigned audio_lpcm_rate;    /* older form: with audio_codec NONE, 44100 or 48000 means LPCM
                                      * stereo at that rate from a silence source; 0: video only */
        bool no_damage;              /* encode every frame even when unchanged (benchmarks, debugging) */
        unsigned max_frames;         /* end (MEDIA_EVENT_ENDED) after this many frames sent; 0: never */
        bool benchmark;              /* no frame-rate pacing: capture as fast as the pipeline allows */
        bool rtcp;                   /* RTCP (SR, RR, NACK repair) on the RTP ports + 1 (UDP only) */
        bool tcp;                    /* RTP/AVP/TCP: connect to dest_port, RFC 4571 framing */
        struct rtsp_interleave *interleave; /* borrowed, outlives the pipeline: RTP (and RTCP with rtcp)
                                             * in the RTSP connection (encoder/rtsp_interleave.h) */
        uint8_t interleave_channel[2];      /* RTP, RTCP */
        bool abr;                    /* adapt the bit rate to loss, send queue and link rate */
        uint32_t abr_min_bps;        /* the lowest rate ABR goes to; 0: ABR_DEFAULT_MIN_BPS */
        enum latency_mode latency;   /* VBV size (unless encode.vbv_usec is set) and ABR bounds
                                      * (protocol/latency_mode.h); the session caps the frame rate */
};

enum media_event_type {
        MEDIA_EVENT_ERROR, /* the pipeline failed and stopped; error + reason say why */
        MEDIA_EVENT_ENDED, /* the stream ended (media_stop() or max_frames reached) */
        MEDIA_EVENT_AUDIO, /* not an error: the audio input changed; reason says what plays or why
                            * silence does ("" reason: real sound plays again) */
        MEDIA_EVENT_CONGESTED, /* not an error: still congested at the lowest bit rate; a smaller mode
                                * would help (the session may change format); repeated while it lasts */
        MEDIA_EVENT_LINK,      /* not an error: the link stalled (left out of the shared encoder's rate)
                                * or takes data again; reason says which, once each */
        _MEDIA_EVENT_MAX,
};

struct media_event {
        enum media_event_type type;
        int error;       /* negative errno for MEDIA_EVENT_ERROR, else 0 */
        char reason[160];
};

struct media_stats {
        enum media_state state;
        char encoder[32];          /* FFmpeg encoder name */
        unsigned width, height;    /* encoded size */
        uint64_t bitrate_bps;      /* current target */

        uint64_t frames_captured;  /* pictures grabbed */
        uint64_t frames_skipped;   /* grabbed but unchanged: not converted or encoded */
        uint64_t frames_encoded;   /* pictures encoded (including keep-alive repeats) */
        uint64_t frames_repeated;  /* keep-alive re-encodes of an unchanged picture */
        uint64_t frames_shared;    /* of frames_encoded, encoded by another session of the same group */
        unsigned encoder_group;    /* the fan-out group (shared encoder) this session sends from: 1, 2, ... */
        unsigned encoder_shared_with; /* sessions sending from that encoder now, this one included */
        uint64_t format_changes;   /* media_change_format() applied */
        uint64_t frames_dropped;   /* frame ticks skipped because the previous frame was still being
                                    * encoded/sent, plus frames the sender dropped (stalled link) */
        uint64_t frames_sent;      /* access units handed to the network */
        uint64_t idr_frames;
        uint64_t bytes_sent;       /* UDP payload bytes (RTP headers + TS packets) */
        uint64_t rtp_packets;
        uint64_t send_errors;      /* RTP packets the kernel refused (ECONNREFUSED, ENOBUFS...) */

        uint64_t convert_usec_avg; /* per converted picture */
        uint64_t encode_usec_avg;  /* per encoded picture */
        uint64_t encode_usec_max;
        uint64_t latency_p50_usec; /* capture -> last RTP packet of the frame sent, recent frames */
        uint64_t latency_p99_usec;
        uint64_t cpu_usec;         /* CPU time used by the pipeline thread */

        /* network feedback (RTCP; all zero without) and adaptation */
        bool rtcp;                 /* the RTCP socket is open */
        uint64_t rtcp_reports;     /* receiver report blocks about our stream */
        double loss_percent;       /* of the last report */
        int64_t packets_lost;      /* cumulative, of the last report */
        uint64_t jitter_usec;      /* of the last report */
        uint64_t rtt_usec;         /* of the last report with an LSR; 0 unknown */
        uint64_t nack_items;       /* generic NACK items received */
        uint64_t rtx_sent;         /* packets sent again */
        uint64_t rtx_missing;      /* NACKed but no longer held */
        uint64_t send_queue_bytes; /* SIOCOUTQ at the last sample */
        uint64_t abr_lowered;      /* ABR decisions */
        uint64_t abr_raised;
        uint64_t abr_idrs;
        char abr_reason[16];       /* of the last change: loss, queue, link, probe, ceiling; "" none */

        /* the software encoder's own rate control (encode_get_rate_stats(); all zero on other backends) */
        bool rate_control;         /* rate is valid: the software encoder's own rate control */
        struct encode_rate_stats rate; /* QP, pictures skipped for the link, its buffer (encode.h) */

        /* audio (all zero without) */
        char audio_codec[8];       /* "lpcm", "aac", "none" */
        char audio_input[16];      /* "silence", "tone", "fd" */
        uint64_t audio_frames;     /* sample frames sent */
        uint64_t audio_silence_frames; /* of those, silence filled in for a missing fd input */
        uint64_t audio_underruns;  /* the fd input ran dry */
        uint64_t audio_dropped;    /* fd frames dropped (jitter buffer full, or too late) */
        double audio_level_dbfs;   /* RMS of the loudest 100 ms of the last second sent */
        uint64_t audio_cpu_usec;   /* pipeline thread CPU time spent reading and encoding sound */
        char audio_reason[128];    /* why the track is silent; "" while sound plays */
};

const char *media_state_to_string(enum media_state s);
const char *media_event_type_to_string(enum media_event_type t);

/*
 * Create a pipeline: opens the encoder (encode_new(), so -ENODEV/-ENOENT/
 * -EINVAL come back here with encode_last_error() telling why), the UDP
 * socket (-EADDRINUSE for a taken local_port, -EINVAL for a bad address) and
 * the event fd, and starts the thread in MEDIA_STATE_IDLE. Returns 0 and *ret.
 */
int media_new(const struct media_config *cfg, struct media **ret);
/* Stop (if running), join the thread, free everything. Accepts NULL, returns NULL. */
struct media *media_free(struct media *m);

/* Queue a command; 0, or -ESHUTDOWN once the pipeline has ended. Never blocks. */
int media_start(struct media *m);
int media_pause(struct media *m);
int media_resume(struct media *m);
int media_request_idr(struct media *m);
int media_set_bitrate(struct media *m, uint64_t bitrate_bps);
int media_stop(struct media *m);
/* The Wi-Fi link rate (bit/s, 0 unknown) for the ABR's ceiling; thread-safe, never blocks. */
int media_set_link_rate(struct media *m, uint64_t link_bps);
/*
 * Switch the running stream to a new format in place (a WFD mid-session
 * format change, M4 with wfd_av_format_change_timing): width, height, frame
 * rate (0/0: keep), profile, level, bit rate (0: keep) and the other encode
 * fields of format; format->encoder and vaapi_device are ignored (the running
 * backend stays). The stream goes on: same RTP SSRC and sequence, TS
 * continuity counters, PCR/PTS clock; the next picture is an IDR with the new
 * SPS/PPS, preceded by PAT and a PMT with a new version when its AVC
 * descriptor changes. Queued like the other commands: 0, -EINVAL for a bad
 * size or rate, -ESHUTDOWN, -ENOBUFS. If the encoder refuses the new format,
 * the pipeline ends with MEDIA_EVENT_ERROR ("format change: ...").
 */
int media_change_format(struct media *m, const struct encode_config *format);

/*
 * Play the PCM stream on fd (protocol/audio_stream.h) from now on, instead
 * of the configured audio source; fd is taken over, also on failure.
 * Thread-safe, never blocks. 0, -ENOTSUP without an audio track, or
 * -errno. What goes wrong later (format, EOF, flood) comes as
 * MEDIA_EVENT_AUDIO, and the track goes on with silence.
 */
int media_attach_audio_fd(struct media *m, int fd);

/* The fd to poll (EPOLLIN) for events; owned by m. */
int media_get_fd(struct media *m);
/* Pop the next event: 0 and *ret, or -EAGAIN when none is pending. */
int media_read_event(struct media *m, struct media_event *ret);

/* A consistent snapshot of the statistics; thread-safe. */
int media_get_stats(struct media *m, struct media_stats *ret);
/*
 * The PTS (90 kHz, as the stream carries it) of a picture captured now
 * (for wfd_av_format_change_timing); 0 before media_start(). Thread-safe.
 */
uint64_t media_get_pts_90khz(struct media *m);
/* The local RTP port actually bound (for server_port in the SETUP reply). */
uint16_t media_get_local_port(struct media *m);

static inline void media_freep(struct media **m)
{
        if (*m)
                *m = media_free(*m);
}
