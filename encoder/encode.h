/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * H.264 encoding with FFmpeg's libavcodec, as Wi-Fi Display sinks need it:
 * no B-frames, one reference, SPS+PPS in front of every IDR, access unit
 * delimiters, constant bit rate with a small VBV buffer, profile and level as
 * negotiated (docs/protocol.md, "Video formats"), IDR on request.
 *
 * Backends (encode_config.encoder):
 *   "vaapi"     h264_vaapi. dma-buf frames from kms capture are mapped to VA
 *               surfaces without copying (DRM_PRIME -> VAAPI, av_hwframe_map)
 *               and scaled/converted to NV12 on the GPU (VA video processing);
 *               CPU frames are converted with libswscale and uploaded.
 *   "software"  libx264 called directly ("x264" is an alias; codec name
 *               "x264"): ultrafast + zerolatency, from NV12 made by our own
 *               damage-aware converter (same size) or libswscale (scaling).
 *               The converter's tile damage goes to x264 as per-macroblock
 *               mb_info (X264_MBINFO_CONSTANT for unchanged macroblocks), so
 *               x264 skips them without analysis (encode_x264.c).
 *   "libx264"   the same libx264 through FFmpeg ("ffmpeg-x264" is an alias),
 *               same settings, without damage hints (FFmpeg 5.1 cannot pass them).
 *   NAME        any FFmpeg H.264 encoder by name (e.g. "h264_nvenc",
 *               "h264_qsv"), fed NV12 from the CPU.
 *   "auto"      (or NULL) vaapi, then software; why each candidate was skipped
 *               is in encode_last_error() afterwards, for the caller to log
 *               (encoder/ does not log: the daemon decides what to say).
 *
 * The work is split in two stages so they can run on two threads (two cores):
 *   stage 1  encode_convert(): capture frame -> encoder picture (colour
 *            conversion/scaling, only the damaged tiles when possible)
 *   stage 2  encode_send() + encode_receive(): picture -> H.264 access units
 * encode_convert() may run concurrently with encode_send()/encode_receive();
 * each stage itself is single-threaded. encode_request_idr() and
 * encode_set_bitrate() may be called from any thread at any time.
 *
 * Memory (software, 1080p): libx264 keeps four frames of its own (two input
 * frames with their half-size planes for rate control, the reference and the
 * picture being reconstructed, ~20 MB), plus our pool of NV12 pictures
 * (3 MB each; one for libx264 by default). libx264 asks for transparent
 * huge pages for its buffers, which rounds each one it touches up to 2 MB
 * (its 11 MB of output buffers, mostly never written, become 4 MB resident);
 * opening libx264 therefore turns THP off for this process (prctl
 * PR_SET_THP_DISABLE). The price: 0-5% more CPU per 1080p frame in our
 * (noisy) A/B runs, as libx264's frames lose their huge pages too.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct capture;
struct capture_frame;
struct encoder;
struct encode_picture;

enum encode_profile {
        ENCODE_PROFILE_CBP, /* Constrained Baseline: profile_idc 66, constraint_set0+1 */
        ENCODE_PROFILE_CHP, /* Constrained High: profile_idc 100, constraint_set4+5, no B-frames */
        _ENCODE_PROFILE_MAX,
        _ENCODE_PROFILE_INVALID = -1,
};

struct encode_config {
        const char *encoder;       /* "auto" (NULL), "vaapi", "software"/"x264", "libx264", or an FFmpeg encoder name */
        unsigned width, height;    /* negotiated output size (even) */
        unsigned fps_num, fps_den; /* negotiated frame rate; 0/0: 30/1 */
        enum encode_profile profile;
        unsigned level_idc;        /* 31, 32, 40, 41, 42 (§6.2); 0: the encoder picks */
        uint64_t bitrate_bps;      /* CBR target; 0: 8 Mbit/s */
        unsigned slices;           /* slices per picture when the sink asks for them; 0 or 1: one */
        unsigned slice_max_bytes;  /* latency mode: end a slice before it exceeds this many bytes (x264
                                    * slice-max-size; VAAPI, which has no such option in FFmpeg 5.1:
                                    * a fixed number of slices instead); 0: none */
        unsigned idr_interval;     /* frames between periodic IDRs; 0: every 2 s */
        uint64_t vbv_usec;         /* VBV buffer as time at the bit rate (latency modes); 0: 250 ms */
        unsigned threads;          /* encoder threads; 0: 1 (the other core converts) */
        unsigned pictures;         /* picture pool size, 1..4; 0: 1 for libx264 (it copies each picture
                                    * during encode_send()), 4 for encoders that keep references */
        const char *vaapi_device;  /* DRM node for vaapi with CPU frames; NULL: /dev/dri/renderD128 */
};

/* One encoded access unit (Annex B byte stream, with AUD, SPS/PPS before IDRs). */
struct encode_packet {
        const uint8_t *data; /* valid until the next encode_receive() or encode_free() */
        size_t size;
        int64_t pts_90khz;   /* the pts given to encode_send() */
        bool idr;
};

const char *encode_profile_to_string(enum encode_profile p);      /* "cbp", "chp" */
enum encode_profile encode_profile_from_string(const char *s);

/*
 * Open an encoder. Returns 0 and *ret, or
 *   -EINVAL  bad configuration (odd or zero size, unknown profile, bad level),
 *   -ENOENT  the named FFmpeg encoder does not exist in this libavcodec,
 *   -ENODEV  vaapi: no VAAPI device (no GPU, no driver) — see encode_last_error(),
 *   -ENOTSUP the encoder refused the settings,
 *   -ENOMEM.
 * With "auto", the first candidate that opens wins; the error of the last
 * candidate is returned when none does.
 */
int encode_new(const struct encode_config *cfg, struct encoder **ret);
struct encoder *encode_free(struct encoder *e);
/*
 * Why the last encode_new() in this thread failed, or after a successful
 * "auto", which candidates it skipped and why ("" if none). Also set by
 * encode_send()/encode_receive()/encode_convert() failures.
 */
const char *encode_last_error(void);

/*
 * The H.264 encoders we can use: "x264" (our direct libx264 path) first, then those this FFmpeg
 * offers ("libx264", "h264_vaapi", ...), for
 * Manager1.Encoders. NULL-terminated; free with strv_free() (protocol/macro.h).
 */
int encode_list_encoders(char ***ret);

/* The encoder in use ("x264" direct, "libx264", "h264_vaapi", ...) and the backend chosen ("software", "vaapi", "ffmpeg"). */
const char *encode_get_codec_name(const struct encoder *e);
const char *encode_get_backend_name(const struct encoder *e);

/*
 * Stage 1: turn a captured frame into a picture the encoder takes, scaled to
 * the configured size. Converts only the tiles that changed since the picture
 * a reused buffer held, when capture c has damage data. Returns 0 and a
 * picture reference in *ret, or -EBUSY when all pictures are still in use
 * (the caller should drop the frame), -ENOTSUP for a frame format this
 * backend cannot take (e.g. a tiled dma-buf on the software path), -ENOMEM.
 */
int encode_convert(struct encoder *e, struct capture *c, struct capture_frame *f, struct encode_picture **ret);
struct encode_picture *encode_picture_ref(struct encode_picture *p);
struct encode_picture *encode_picture_unref(struct encode_picture *p);
/* The capture sequence number a picture shows. */
uint64_t encode_picture_seq(const struct encode_picture *p);

/*
 * Stage 2: submit a picture with its presentation time (90 kHz clock). The
 * same picture may be sent again (an unchanged screen: the encoder produces a
 * tiny all-skip frame). An IDR is produced when requested, periodically, and
 * for the first picture. Returns 0, or -EAGAIN when encode_receive() must be
 * called first, or a negative errno from the encoder.
 */
int encode_send(struct encoder *e, struct encode_picture *p, int64_t pts_90khz);
/*
 * Fetch the next access unit: 0 and *ret, -EAGAIN (send more pictures) or
 * -ENODATA (flushed, no more output).
 */
int encode_receive(struct encoder *e, struct encode_packet *ret);
/* Signal the end of input (the NULL flush); encode_receive() then drains to -ENODATA. */
int encode_flush(struct encoder *e);

/*
 * Ask for an IDR in the next picture sent. Thread-safe. Requests made while
 * one is pending, or within one frame interval after an IDR was produced,
 * coalesce into that IDR.
 */
void encode_request_idr(struct encoder *e);
/* Change the target bit rate; takes effect with the next picture. Thread-safe. -EINVAL for 0. */
int encode_set_bitrate(struct encoder *e, uint64_t bitrate_bps);
uint64_t encode_get_bitrate(const struct encoder *e);

/*
 * x264 backend: macroblocks passed as constant (unchanged) and macroblocks
 * sent in total since encode_new(). -ENOTSUP on other backends.
 */
int encode_x264_stats(const struct encoder *e, uint64_t *ret_constant, uint64_t *ret_total);

/*
 * Our frame-level rate control (protocol/qp_control.h), for a person asking
 * why a cast looks blocky or choppy.
 */
struct encode_rate_stats {
        unsigned qp_last;             /* QP of the last picture coded; 0: none yet */
        double qp_avg;                /* mean QP over the pictures of the last ENCODE_RATE_WINDOW_USEC
                                       * (the pictures so far until one window has passed); 0: none */
        uint64_t pictures;            /* pictures coded since encode_new() */
        uint64_t pictures_rate_skipped; /* P pictures not coded: even the highest QP would not fit the link */
        uint64_t qp_range_switches;   /* libx264 reopened for QPs above 51 or back */
        int64_t buffer_ms;            /* the sink's decoder buffer (VBV model) now, in ms at the current rate;
                                       * negative: the debt of a picture larger than it held */
};

#define ENCODE_RATE_WINDOW_USEC 1000000ull

/*
 * Fill *ret for the "software" backend (libx264 called directly); -ENOTSUP
 * for backends whose rate control is the encoder's own (FFmpeg, VAAPI).
 * Stage 2 state: call it from the thread that runs encode_send(), or under
 * the lock that keeps encode_send() out. Not const: the reading closes a
 * qp_avg window when one has passed.
 */
int encode_get_rate_stats(struct encoder *e, struct encode_rate_stats *ret);

static inline void encode_freep(struct encoder **e)
{
        if (*e)
                *e = encode_free(*e);
}
static inline void encode_picture_unrefp(struct encode_picture **p)
{
        if (*p)
                *p = encode_picture_unref(*p);
}
