/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The UIBC channel of one session (docs/uibc.md): a TCP listener on the
 * address the RTSP connection uses, one connection accepted, only from the
 * sink's address, only within a timeout; bytes read from it go through
 * protocol/uibc_msg (parse, rate limit, coordinate clamping, key filter) and
 * the surviving events to main's injector (stream/input_forward.h; main owns
 * /dev/uinput and /dev/uhid), only while the channel is active (allowed,
 * enabled by the sink, playing). HIDC report descriptors are checked
 * (protocol/hid_desc) and kept for the connection; main gets them while the
 * channel is active, and their reports with the keys filtered. Runs in the
 * stream worker (docs/process-model.md).
 *
 * Bad input is logged with the reason and skipped; the session is never
 * ended by anything that arrives here. A stream that cannot be framed any
 * more (a length field out of range) closes this connection only.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <systemd/sd-event.h>

#include "../protocol/uibc_msg.h"

struct uibc_channel;
struct stream;

#define UIBC_CHANNEL_ACCEPT_TIMEOUT_USEC (60 * 1000000ULL)

struct uibc_channel_config {
        unsigned session_id;                    /* for the log */
        const struct sockaddr_storage *local;   /* bind here (port ignored) */
        const struct sockaddr_storage *peer;    /* the only address accepted (port ignored) */
        uint64_t accept_timeout_usec;           /* 0 = UIBC_CHANNEL_ACCEPT_TIMEOUT_USEC */
};

/* Listen; events go to main through st. Returns 0, or -errno from socket/bind/listen. */
int uibc_channel_new(sd_event *event, struct stream *st, const struct uibc_channel_config *cfg,
                     struct uibc_channel **ret);
/* Close everything; the injector's devices vanish. Logs the counters. Accepts NULL, returns NULL. */
struct uibc_channel *uibc_channel_free(struct uibc_channel *c);

uint16_t uibc_channel_get_port(const struct uibc_channel *c);

/*
 * Forward from now on (main creates the devices: coordinates arrive in the
 * negotiated mode and are mapped as g says, uibc_geometry_compute(); main got
 * the same geometry in WORKER_MSG_INPUT) or stop (g may be NULL). Until
 * uibc_channel_release() what is forwarded is held (main has not said yet
 * that its devices exist), so events read meanwhile are not lost. HIDC
 * descriptors kept while off go to main when forwarding starts. Returns 0,
 * or -errno (the channel then stays inactive and drops what arrives),
 * -EINVAL for a missing or empty geometry.
 */
int uibc_channel_set_active(struct uibc_channel *c, bool active, const struct uibc_geometry *g);
/* main said its devices exist (INPUT_STATE): send what was held, forward directly from now on. */
int uibc_channel_release(struct uibc_channel *c);
