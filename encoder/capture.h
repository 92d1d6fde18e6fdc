/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Screen capture: one interface, several backends.
 *
 *   testsrc  a synthetic picture of any size: "desktop" (a still desktop with
 *            moving text, a small moving box and a burnt-in frame counter) or
 *            "motion" (every pixel moves every frame). Deterministic: frame N
 *            always looks the same.
 *   pipewire a PipeWire video node (screen cast, portal stream, camera), through
 *            an fd from the user session or a configured socket; buffers in
 *            memory, damage and cursor metadata used where the producer
 *            sends them.
 *   kms      the scan-out framebuffer of a DRM/KMS output (libdrm): GetFB2 ->
 *            PRIME dma-buf; mapped and copied for the CPU path, or handed over
 *            as a dma-buf for the GPU path. Needs CAP_SYS_ADMIN (or DRM master).
 *
 * One capture is shared by any number of consumers (sessions): it is
 * reference counted, thread-safe, and capture_grab() returns the frame
 * another consumer grabbed moments ago instead of capturing twice (one
 * producer, several consumers).
 *
 * Damage: the picture is divided into CAPTURE_TILE_SIZE x CAPTURE_TILE_SIZE
 * tiles. Every frame has a sequence number; the capture remembers, per tile,
 * the last sequence in which that tile changed, so each consumer can ask "what
 * changed since the frame I used last?" (capture_frame_damage()) and skip
 * conversion and encoding of an unchanged picture.
 *
 * Typical consumer:
 *
 *   r = capture_grab(c, &f);
 *   n = capture_frame_damage(c, f, last_seq, map, map_size);   (0: nothing changed)
 *   ... read f->data / f->stride (CPU) or f->dmabuf_fd (GPU) ...
 *   last_seq = f->seq;
 *   f = capture_frame_unref(f);
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct capture;
struct capture_spec;

/* Damage granularity in pixels (even, so 4:2:0 chroma tiles line up). */
#define CAPTURE_TILE_SIZE 32

enum capture_backend {
        CAPTURE_BACKEND_TESTSRC,
        CAPTURE_BACKEND_KMS,
        CAPTURE_BACKEND_PIPEWIRE,
        _CAPTURE_BACKEND_MAX,
        _CAPTURE_BACKEND_INVALID = -1,
};

enum capture_pattern {
        CAPTURE_PATTERN_DESKTOP, /* mostly still: moving text, small moving box, frame counter */
        CAPTURE_PATTERN_MOTION,  /* full motion: every pixel changes every frame */
        CAPTURE_PATTERN_STILL,   /* the desktop with nothing moving at all (no counter either) */
        _CAPTURE_PATTERN_MAX,
        _CAPTURE_PATTERN_INVALID = -1,
};

/*
 * Which views of a frame the consumer needs (bit mask). CPU alone: every
 * frame has f->data, and a buffer the CPU cannot read (tiled, compressed) is
 * an error. CPU | DMABUF: f->data where the CPU can read the buffer, else
 * NULL (then only a GPU encoder can use the frame).
 */
enum capture_access {
        CAPTURE_ACCESS_CPU = 1 << 0,    /* f->data: linear packed 32-bit pixels in memory */
        CAPTURE_ACCESS_DMABUF = 1 << 1, /* f->dmabuf_fd: the scan-out buffer (kms only) */
};

/* testsrc flash: white from each whole second of CLOCK_MONOTONIC for this long (audio_source.h beeps along). */
#define CAPTURE_FLASH_USEC 100000ULL

struct capture_config {
        enum capture_backend backend;
        unsigned access; /* enum capture_access mask; 0: CPU, plus DMABUF for kms */

        /* testsrc */
        unsigned width, height; /* 0: 1280x720 */
        enum capture_pattern pattern;
        unsigned resize_every;  /* every N pictures switch between width x height and half of it, as a
                                 * mode set would (tests the size-change path); 0: never. Needs >= 128x128 */
        bool flash;             /* the whole picture white for CAPTURE_FLASH_USEC from every whole second
                                 * of CLOCK_MONOTONIC (A/V sync tests: the tone source beeps then) */
        bool noise;             /* motion: a noise texture that jumps to a random place every picture, so
                                 * neither prediction helps and the encoder needs its whole bit rate
                                 * (network tests: a stream that really fills what it was given) */

        /* kms */
        const char *device;    /* "/dev/dri/card0"; NULL: the first card with an active CRTC */
        const char *connector; /* "HDMI-A-1", "eDP-1", "Virtual-1"; NULL: first connected, active.
                                * Without a device: on whichever card has it */
        bool no_cursor;        /* do not composite the cursor plane */
        int kms_readback;      /* enum kms_readback_mode (protocol/kms_readback.h), for the CPU view: 0 auto
                                * (a tiled/compressed scan-out is read back on the GPU), off, force, va, egl */
        /* kms through the KMS helper (miracastd-kms, docs/process-model.md) instead of opening the
         * device here: the stream worker always sets it. The connection is kms_helper_fd when
         * have_kms_helper_fd (dup'ed, the caller keeps it), else the socket kms_helper_socket
         * (NULL: KMS_HELPER_SOCKET, encoder/kms_helper.h) */
        bool kms_helper;
        bool have_kms_helper_fd;
        int kms_helper_fd;
        const char *kms_helper_socket;

        /* pipewire: connect through pipewire_fd (when have_pipewire_fd; dup'ed, the caller keeps it) or to the
         * socket at pipewire_remote; consume node pipewire_node (id or node.name; NULL: whatever
         * the session manager links us to). width x height is the size asked of the producer. */
        bool have_pipewire_fd;
        int pipewire_fd;
        const char *pipewire_remote;
        const char *pipewire_node;
};

/*
 * One captured picture. Immutable and reference counted; the pixels stay
 * valid until the last reference is dropped.
 */
struct capture_frame {
        uint64_t seq;          /* 1, 2, ...: per capture, increases by one per new picture */
        uint64_t capture_usec; /* CLOCK_MONOTONIC time the picture was taken */
        unsigned width, height;
        uint32_t fourcc;       /* DRM_FORMAT_XRGB8888, _ARGB8888 or _XBGR8888 (little-endian words) */
        uint64_t modifier;     /* DRM format modifier; 0 (linear) for CPU frames */

        /* CPU view (CAPTURE_ACCESS_CPU); NULL otherwise */
        const uint8_t *data;
        unsigned stride; /* bytes per row */

        /* GPU view (CAPTURE_ACCESS_DMABUF, kms only); -1 otherwise. Owned by the frame. */
        int dmabuf_fd;
        uint32_t dmabuf_offset, dmabuf_pitch;
        int drm_fd; /* the DRM device the buffer lives on (not owned), to derive a VAAPI device */
};

/* Backend and pattern names ("testsrc", "kms", "pipewire"; "desktop", "motion", "still"). */
const char *capture_backend_to_string(enum capture_backend b);
enum capture_backend capture_backend_from_string(const char *s);
const char *capture_pattern_to_string(enum capture_pattern p);
enum capture_pattern capture_pattern_from_string(const char *s);

/*
 * Open a capture. Returns 0 and *ret (one reference), or
 *   -EINVAL   bad configuration (zero/odd/huge testsrc size, unknown backend),
 *   -ENODEV   kms: no DRM device, no such connector, or no active output,
 *   -EACCES   kms: the framebuffer cannot be read without CAP_SYS_ADMIN (or DRM master),
 *   -ENOTSUP  kms: the buffer is tiled/compressed and only the CPU view was asked for,
 *   -ENOMEM.
 * A kms capture reads one frame while opening, so these errors come early.
 * capture_last_error() has a sentence explaining a failure of the last
 * capture_new() in this thread (for logs and D-Bus errors).
 */
int capture_new(const struct capture_config *cfg, struct capture **ret);
const char *capture_last_error(void);

/*
 * What this machine can capture, for Manager1.CaptureOutputs: "testsrc", then
 * "kms:/dev/dri/cardN:CONNECTOR" for every connected connector of every card
 * we can open. NULL-terminated; free with strv_free() (protocol/macro.h).
 */
int capture_list_outputs(char ***ret);

/*
 * Does the output a capture spec (capture_spec.h) names exist? Returns 0 (and
 * for kms the card that has it in ret_device, when given), or -ENODEV with a
 * sentence in capture_last_error() naming the outputs there are. testsrc
 * always exists; a bare "kms" names the first connected output of any card.
 * Whether the output is active and readable shows only when it is opened.
 */
int capture_find_output(const struct capture_spec *spec, char *ret_device, size_t size);

/*
 * Something the log should say about the source that is no error (kms: an overlay plane
 * shows content the capture misses). Copies it to buf and returns 1 once per change, else 0.
 */
int capture_take_notice(struct capture *c, char *buf, size_t size);

/* Reference counting; thread-safe. unref returns NULL. */
struct capture *capture_ref(struct capture *c);
struct capture *capture_unref(struct capture *c);

/* Backend of an open capture, and its current size (may change on mode sets). */
enum capture_backend capture_get_backend(const struct capture *c);
/* kms: the DRM device in use ("/dev/dri/card0"), e.g. to derive a VAAPI device from; NULL otherwise. */
const char *capture_get_device(const struct capture *c);
int capture_get_size(struct capture *c, unsigned *ret_width, unsigned *ret_height);
/* The error that ended the source (-ENODEV output or node gone, -ECONNRESET PipeWire gone), 0 while
 * it works: a capture that failed so stays failed and should be opened anew. */
int capture_get_error(struct capture *c);

/*
 * Have fn(userdata) called, from the capture's own thread, whenever the source
 * has something new: a consumer that polls slowly while nothing changes (an
 * idle desktop) comes back at once. Only backends with events call it
 * (pipewire: each buffer); testsrc and kms are polled. fn runs with the
 * capture's waker lock held: it must be short and must not call into the
 * capture. After capture_remove_waker() returns, fn is not running and is not
 * called again. 0, -ENOSPC (CAPTURE_WAKERS_MAX consumers) or -EINVAL.
 */
int capture_add_waker(struct capture *c, void (*fn)(void *userdata), void *userdata);
void capture_remove_waker(struct capture *c, void (*fn)(void *userdata), void *userdata);
/* Does this capture call its wakers (else a consumer must poll)? */
bool capture_has_events(const struct capture *c);

/*
 * Grab the current picture. Returns 0 and a new frame reference in *ret.
 * When another consumer grabbed less than max_share_usec ago the same frame
 * is returned (0: always a fresh picture). Thread-safe.
 * Errors: -EACCES/-ENOTSUP as for capture_new() (e.g. after a mode change to
 * a tiled buffer), -ENODEV when the output went away, -EIO, -ENOMEM.
 */
int capture_grab(struct capture *c, uint64_t max_share_usec, struct capture_frame **ret);

/*
 * Damage of frame f relative to the earlier frame with sequence since_seq (0:
 * no earlier frame, everything counts as changed). Returns the number of
 * changed tiles (0: the pictures are identical), and when map is non-NULL
 * writes one byte per tile (row-major, 1 = changed) for the first map_size
 * tiles. May overstate (never understate) what changed. Tiles per row/column:
 * capture_frame_tiles().
 */
int capture_frame_damage(struct capture *c, const struct capture_frame *f, uint64_t since_seq,
                         uint8_t *map, size_t map_size);
void capture_frame_tiles(const struct capture_frame *f, unsigned *ret_tiles_x, unsigned *ret_tiles_y);

struct capture_frame *capture_frame_ref(struct capture_frame *f);
struct capture_frame *capture_frame_unref(struct capture_frame *f);

static inline void capture_unrefp(struct capture **c)
{
        if (*c)
                *c = capture_unref(*c);
}
static inline void capture_frame_unrefp(struct capture_frame **f)
{
        if (*f)
                *f = capture_frame_unref(*f);
}
