/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The control messages between miracastd and its stream workers
 * (miracastd-stream, docs/process-model.md), one message per SOCK_SEQPACKET
 * datagram; fds (the RTSP connection, an audio input) travel beside a
 * message with SCM_RIGHTS.
 *
 *   message: Type(2) Flags(2) = 0  Session(4)  Field...      (little-endian)
 *   field:   Tag(2)  Length(2, value only)  Value
 *
 * A tag below WORKER_FIELD_FIRST_STRING carries an unsigned 64-bit number
 * (Length 8); from it on, text without NUL (Length <= WORKER_MSG_MAX_STRING);
 * from WORKER_FIELD_FIRST_BYTES on, opaque bytes (Length <= WORKER_MSG_MAX_STRING).
 * A tag may repeat (sink parameters come as name, value, name, value...).
 * The worker is the less trusted side: main parses what it sends with the
 * same bounds as anything from the network, and checks every value it uses.
 *
 * Pure: no I/O, no allocation. Parsed fields are views into the caller's buffer.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WORKER_MSG_HEADER_SIZE 8
#define WORKER_MSG_FIELD_HEADER_SIZE 4
#define WORKER_MSG_MAX 65536
#define WORKER_MSG_MAX_STRING 32768
#define WORKER_MSG_MAX_FIELDS 512

enum worker_msg_type {
        /* main -> worker; every request but SESSION_NEW is answered by one REPLY (field SEQ, ERROR) */
        WORKER_MSG_SESSION_NEW = 1,  /* + fd: the RTSP connection (+ fd: a connection to the PipeWire remote
                                        for the capture). Answered by events, not a REPLY */
        WORKER_MSG_STOP,             /* M5 TEARDOWN trigger */
        WORKER_MSG_PAUSE,
        WORKER_MSG_RESUME,
        WORKER_MSG_REQUEST_IDR,
        WORKER_MSG_SET_BITRATE,      /* BITRATE */
        WORKER_MSG_SET_INPUT,        /* ACTIVE (allow), UIBC_PORT */
        WORKER_MSG_ATTACH_AUDIO,     /* + fd */
        WORKER_MSG_END,              /* end now (ERROR, TEXT); no REPLY, the worker sends ENDED */
        WORKER_MSG_CONFIG,           /* session 0, first and once: CONTEXT_ID CAPTURE ENCODER AUDIO_SOURCE
                                        MAX_WIDTH MAX_HEIGHT FPS (max) BITRATE (max) LOG_LEVEL */
        WORKER_MSG_INPUT_STATE,      /* ACTIVE: main's answer to INPUT (the devices exist or not); no REPLY */
        WORKER_MSG_PROBE,            /* session 0, instead of CONFIG: encoders and outputs (TEXT: an output
                                        spec to look up); the REPLY has TEXT lines as --probe prints them */
        WORKER_MSG_MICE_WATCH,       /* + fd: read the sink's MS-MICE connection for this (Cast) session;
                                        END drops it. No REPLY: MICE_EVENT says what came */
        WORKER_MSG_LINK_RATE,        /* LINK_RATE: the P2P link rate main polls (ABR's ceiling); no REPLY */

        /* worker -> main */
        WORKER_MSG_REPLY = 64,       /* SEQ, ERROR */
        WORKER_MSG_STATE,            /* STATE */
        WORKER_MSG_FORMAT,           /* WIDTH HEIGHT FPS BITRATE VIDEO_CODEC AUDIO_CODEC ENCODER */
        WORKER_MSG_NEGOTIATED,       /* MONITOR_CONNECTED REDUCED_MODES SINK_PARAMETER... */
        WORKER_MSG_STATISTICS,       /* FRAMES DROPS BYTES LATENCY_* AUDIO_* QP... */
        WORKER_MSG_INPUT,            /* ACTIVE MODE_WIDTH MODE_HEIGHT TARGET_WIDTH TARGET_HEIGHT, and the
                                        geometry (protocol/uibc_msg.h): PICTURE_X/Y/WIDTH/HEIGHT (the picture
                                        in the mode), TARGET_X TARGET_Y (the cast area in the device's
                                        range), RANGE_WIDTH RANGE_HEIGHT (the pointer device's range) */
        WORKER_MSG_ENDED,            /* ERROR TEXT; the last message about this session */
        WORKER_MSG_INPUT_EVENT,      /* one parsed, mapped UIBC event for main's injector: INPUT_KIND and
                                        X Y BUTTON | KEY DOWN | VERTICAL NOTCHES | (CONTACT_ID X Y)... */
        WORKER_MSG_MICE_EVENT,       /* MICE_KIND ERROR TEXT: the sink's MS-MICE connection said something
                                        (always the end of the watch) */
        WORKER_MSG_HID_DEVICE,       /* HID_PATH HID_TYPE HID_DATA (a report descriptor the worker checked):
                                        make a uhid device for it, replacing one with the same path and
                                        type; only while input is active (INPUT_STATE) */
        WORKER_MSG_HID_REPORT,       /* HID_PATH HID_TYPE HID_DATA (one input report, keys filtered) */
        _WORKER_MSG_TYPE_MAX,

        /* stream worker -> KMS helper (miracastd-kms, protocol/kms_ring.h); never to or from main */
        WORKER_MSG_KMS_OPEN = 128,   /* KMS_DEVICE KMS_CONNECTOR NO_CURSOR: open the output (once) */
        WORKER_MSG_KMS_GRAB,         /* SEQ: the next picture; answered by [KMS_RING] KMS_FRAME or KMS_ERROR */
        WORKER_MSG_KMS_PROBE,        /* TEXT (optional): an output spec; answered by KMS_OUTPUTS */
        _WORKER_MSG_KMS_REQUEST_MAX,
        /* KMS helper -> stream worker */
        WORKER_MSG_KMS_RING = 160,   /* + fd (memfd): SLOTS SLOT_SIZE WIDTH HEIGHT STRIDE FOURCC */
        WORKER_MSG_KMS_FRAME,        /* SEQ SLOT FRAME_SEQ CAPTURE_USEC WIDTH HEIGHT STRIDE FOURCC
                                        (DAMAGE_X DAMAGE_Y DAMAGE_W DAMAGE_H)... */
        WORKER_MSG_KMS_ERROR,        /* SEQ ERROR TEXT: the capture failed (the worker ends it) */
        WORKER_MSG_KMS_OUTPUTS,      /* ERROR TEXT...: the lines --probe prints about outputs */
        _WORKER_MSG_KMS_ANSWER_MAX,
};

enum worker_field {
        WORKER_FIELD_SEQ = 1,
        WORKER_FIELD_ERROR,          /* errno as a negative number in two's complement */
        WORKER_FIELD_STATE,          /* enum source_session_state */
        WORKER_FIELD_WIDTH,
        WORKER_FIELD_HEIGHT,
        WORKER_FIELD_FPS,
        WORKER_FIELD_BITRATE,
        WORKER_FIELD_SUGGESTED_BPS,
        WORKER_FIELD_LOCAL_MAX_BPS,
        WORKER_FIELD_REMOTE_MAX_BPS,
        WORKER_FIELD_MAX_WIDTH,
        WORKER_FIELD_MAX_HEIGHT,
        WORKER_FIELD_SINK_RTSP_PORT,
        WORKER_FIELD_INPUT_ALLOWED,
        WORKER_FIELD_UIBC_PORT,
        WORKER_FIELD_ACTIVE,
        WORKER_FIELD_MODE_WIDTH,
        WORKER_FIELD_MODE_HEIGHT,
        WORKER_FIELD_TARGET_WIDTH,
        WORKER_FIELD_TARGET_HEIGHT,
        WORKER_FIELD_MONITOR_CONNECTED,
        WORKER_FIELD_REDUCED_MODES,
        WORKER_FIELD_FRAMES,
        WORKER_FIELD_DROPS,
        WORKER_FIELD_BYTES,
        WORKER_FIELD_LATENCY_P50,
        WORKER_FIELD_LATENCY_P99,
        WORKER_FIELD_AUDIO_LEVEL_MDBFS, /* dBFS x 1000, two's complement */
        WORKER_FIELD_AUDIO_UNDERRUNS,
        WORKER_FIELD_AUDIO_DROPPED,
        WORKER_FIELD_LINK_RATE,      /* bit/s, 0 unknown */
        WORKER_FIELD_CONTEXT_ID,
        WORKER_FIELD_LOG_LEVEL,
        WORKER_FIELD_INPUT_KIND,     /* enum worker_input_kind */
        WORKER_FIELD_X,              /* desktop pixels, within the cast area */
        WORKER_FIELD_Y,
        WORKER_FIELD_BUTTON,         /* BTN_LEFT down 1, up 0, unchanged -1 */
        WORKER_FIELD_KEY,            /* an evdev KEY_* */
        WORKER_FIELD_DOWN,
        WORKER_FIELD_VERTICAL,
        WORKER_FIELD_NOTCHES,        /* wheel notches, evdev's sign */
        WORKER_FIELD_CONTACT_ID,     /* a touch contact: CONTACT_ID then its X and Y */
        WORKER_FIELD_MICE_KIND,      /* enum worker_mice_kind */
        WORKER_FIELD_LATENCY_MODE,   /* enum latency_mode (protocol/latency_mode.h) */
        /* STATISTICS of the network (docs/rtcp.md) */
        WORKER_FIELD_RATE_NOW,       /* the encoder's bit rate now (ABR) */
        WORKER_FIELD_RTCP,           /* 1: our RTCP socket is open */
        WORKER_FIELD_RTCP_REPORTS,
        WORKER_FIELD_LOSS_PPM,       /* loss of the last report, percent x 10000 */
        WORKER_FIELD_PACKETS_LOST,   /* cumulative, two's complement */
        WORKER_FIELD_JITTER,
        WORKER_FIELD_RTT,
        WORKER_FIELD_NACK_ITEMS,
        WORKER_FIELD_RTX_SENT,
        WORKER_FIELD_RTX_MISSING,
        WORKER_FIELD_SEND_QUEUE,
        WORKER_FIELD_ABR_LOWERED,
        WORKER_FIELD_ABR_RAISED,
        WORKER_FIELD_NO_AUDIO,       /* SESSION_NEW: Cast(audio "none") */
        WORKER_FIELD_AUDIO_PIPEWIRE_FD, /* SESSION_NEW: which fd (1 or 2) is a PipeWire connection for
                                        audio-source pipewire; without it fd 1 is the capture's */
        WORKER_FIELD_PIPEWIRE_NODE,  /* SESSION_NEW: the PipeWire fd is the session's own stream (a desktop
                                        cast), consume this node through it, share it with no other session */
        /* STATISTICS of the fan-out (docs/media.md): */
        WORKER_FIELD_ENCODER_GROUP,  /* the shared encoder this session sends from (1, 2, ... per worker) */
        WORKER_FIELD_ENCODER_SHARED_WITH, /* sessions sending from it now, this one included */
        WORKER_FIELD_FRAMES_SHARED,  /* frames sent that another session's thread encoded */
        WORKER_FIELD_PICTURE_X,      /* INPUT: the picture's rectangle in the mode (bars excluded) */
        WORKER_FIELD_PICTURE_Y,
        WORKER_FIELD_PICTURE_WIDTH,
        WORKER_FIELD_PICTURE_HEIGHT,
        WORKER_FIELD_TARGET_X,       /* INPUT: where the cast area sits in the device's range */
        WORKER_FIELD_TARGET_Y,
        WORKER_FIELD_RANGE_WIDTH,    /* INPUT: the pointer device's coordinate range */
        WORKER_FIELD_RANGE_HEIGHT,
        WORKER_FIELD_HID_PATH,       /* HIDC: enum wfd_uibc_input_path */
        WORKER_FIELD_HID_TYPE,       /* HIDC: enum wfd_uibc_input_type */
        /* the KMS helper's frame ring (protocol/kms_ring.h) */
        WORKER_FIELD_NO_CURSOR,
        WORKER_FIELD_SLOTS,
        WORKER_FIELD_SLOT_SIZE,
        WORKER_FIELD_STRIDE,
        WORKER_FIELD_FOURCC,
        WORKER_FIELD_SLOT,
        WORKER_FIELD_FRAME_SEQ,
        WORKER_FIELD_CAPTURE_USEC,
        WORKER_FIELD_DAMAGE_X,       /* a changed rectangle: X then Y, W, H */
        WORKER_FIELD_DAMAGE_Y,
        WORKER_FIELD_DAMAGE_W,
        WORKER_FIELD_DAMAGE_H,
        /* STATISTICS: the software encoder's rate control (absent on other backends) */
        WORKER_FIELD_QP,             /* of the last picture coded */
        WORKER_FIELD_QP_AVG_CENTI,   /* mean QP of about the last second, x 100 */
        WORKER_FIELD_RATE_SKIPPED,   /* P pictures not coded: the link could not take them */
        WORKER_FIELD_QP_RANGE_SWITCHES,
        WORKER_FIELD_VBV_BUFFER_MS,  /* the decoder buffer model, two's complement (< 0: debt) */

        WORKER_FIELD_FIRST_STRING = 0x1000,
        WORKER_FIELD_TEXT = WORKER_FIELD_FIRST_STRING,
        WORKER_FIELD_DEVICE_NAME,
        WORKER_FIELD_VIDEO_CODEC,
        WORKER_FIELD_AUDIO_CODEC,
        WORKER_FIELD_ENCODER,
        WORKER_FIELD_SINK_PARAMETER,
        WORKER_FIELD_AUDIO_INPUT,
        WORKER_FIELD_AUDIO_SILENCE_REASON,
        WORKER_FIELD_CAPTURE,
        WORKER_FIELD_AUDIO_SOURCE,
        WORKER_FIELD_AUDIO_PIPEWIRE_REMOTE, /* SESSION_NEW: the PipeWire socket main tried for audio-source
                                        pipewire (with no fd: it could not connect; the worker says why) */
        WORKER_FIELD_KMS_DEVICE,     /* KMS_OPEN: "/dev/dri/card0" or "" */
        WORKER_FIELD_KMS_CONNECTOR,  /* KMS_OPEN: "HDMI-A-1" or "" */

        WORKER_FIELD_FIRST_BYTES = 0x2000,
        WORKER_FIELD_HID_DATA = WORKER_FIELD_FIRST_BYTES, /* a HID report descriptor or report */
};

enum worker_input_kind {
        WORKER_INPUT_POINTER = 1,
        WORKER_INPUT_KEY,
        WORKER_INPUT_WHEEL,
        WORKER_INPUT_TOUCH,
};

enum worker_mice_kind {
        WORKER_MICE_STOP_PROJECTION = 1, /* TEXT: the sink's friendly name */
        WORKER_MICE_REFUSED,         /* ERROR, TEXT: why the sink's message ends the cast */
        WORKER_MICE_CLOSED,          /* ERROR: the sink closed the connection */
};

struct worker_msg_field {
        uint16_t tag;
        uint16_t len;
        const uint8_t *value;        /* into the parsed buffer */
};

struct worker_msg {
        uint16_t type;               /* enum worker_msg_type */
        uint32_t session;            /* the session's id; 0 for the worker as a whole */
        size_t n_fields;
        struct worker_msg_field fields[WORKER_MSG_MAX_FIELDS];
};

/* Builds one message into a caller's buffer; the first error sticks and worker_msg_finish() returns it. */
struct worker_msg_writer {
        uint8_t *buf;
        size_t size, len;
        int error;
        size_t n_fields;
};

const char *worker_msg_type_to_string(uint16_t type);

/* Start a message of type about session in buf (size bytes, at most WORKER_MSG_MAX used). */
void worker_msg_begin(struct worker_msg_writer *w, uint8_t *buf, size_t size, uint16_t type, uint32_t session);
/* Append a number field (tag < WORKER_FIELD_FIRST_STRING; else the writer fails with -EINVAL). */
void worker_msg_put_u64(struct worker_msg_writer *w, uint16_t tag, uint64_t value);
void worker_msg_put_i64(struct worker_msg_writer *w, uint16_t tag, int64_t value);
/* Append a text field (tag >= WORKER_FIELD_FIRST_STRING); NULL is "". Text longer than
 * WORKER_MSG_MAX_STRING or holding a NUL is -EINVAL. */
void worker_msg_put_str(struct worker_msg_writer *w, uint16_t tag, const char *s);
/* Append an opaque field (tag >= WORKER_FIELD_FIRST_BYTES, len <= WORKER_MSG_MAX_STRING; else -EINVAL). */
void worker_msg_put_bytes(struct worker_msg_writer *w, uint16_t tag, const void *data, size_t len);
/* The message's length, or the first error: -ENOBUFS (does not fit), -EINVAL (a bad field). */
int worker_msg_finish(const struct worker_msg_writer *w, size_t *ret_len);

/*
 * Parse one whole datagram. Returns 0 and fills *ret, or -EBADMSG: shorter
 * than the header, flags not 0, an unknown type, a field running past len, a
 * number field not 8 bytes, a text field with a NUL or over
 * WORKER_MSG_MAX_STRING, a bytes field over WORKER_MSG_MAX_STRING, more than WORKER_MSG_MAX_FIELDS fields, or len over
 * WORKER_MSG_MAX. *ret is written only on success.
 */
int worker_msg_parse(const uint8_t *buf, size_t len, struct worker_msg *ret);

/* The first field tag as a number: 0, or -ENOENT when absent, -EINVAL when tag is a text tag. */
int worker_msg_get_u64(const struct worker_msg *m, uint16_t tag, uint64_t *ret);
int worker_msg_get_i64(const struct worker_msg *m, uint16_t tag, int64_t *ret);
/* A number that must fit in [min, max] (an errno, a size from the less trusted side): -ERANGE otherwise. */
int worker_msg_get_ranged(const struct worker_msg *m, uint16_t tag, int64_t min, int64_t max, int64_t *ret);
/* The first field tag as text, NUL-terminated into buf: 0, -ENOENT, -ENOBUFS (does not fit; buf untouched). */
int worker_msg_get_str(const struct worker_msg *m, uint16_t tag, char *buf, size_t size);
/* The first field tag as bytes (a view into the parsed buffer): 0, -ENOENT, -EINVAL (not a bytes tag). */
int worker_msg_get_bytes(const struct worker_msg *m, uint16_t tag, const uint8_t **ret, size_t *ret_len);
