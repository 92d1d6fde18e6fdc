/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The test sink's MS-MICE side (--mice): listen on TCP 7250 like a Microsoft
 * Wireless Display adapter, take one source's SOURCE_READY (printed TLV by
 * TLV), and tell the caller where to connect for RTSP. Variants misbehave on
 * purpose so the daemon's reasons can be tested.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

enum sink_mice_variant {
        SINK_MICE_NORMAL,            /* connect back, play, print the source's STOP_PROJECTION */
        SINK_MICE_STOP,              /* connect back, send STOP_PROJECTION after --frames frames */
        SINK_MICE_GARBAGE,           /* answer SOURCE_READY with bytes that are not MS-MICE */
        SINK_MICE_SILENT,            /* never connect back */
        SINK_MICE_SECURITY,          /* answer with a PIN_CHALLENGE (secured MS-MICE) */
};

int sink_mice_variant_from_string(const char *s);

/*
 * Listen on spec ("ADDR" or "ADDR:PORT", port 7250 by default), accept one
 * connection, read SOURCE_READY within timeout_usec. Returns the connection
 * (caller owns it) and "SOURCE_IP:RTSP_PORT" in ret_connect, or -errno.
 */
int sink_mice_wait_source_ready(const char *spec, uint64_t timeout_usec, char *ret_connect, size_t size);

/* Send STOP_PROJECTION / junk / a PIN_CHALLENGE on the MS-MICE connection. */
int sink_mice_send_stop(int fd);
int sink_mice_send_garbage(int fd);
int sink_mice_send_pin_challenge(int fd);

/* Print each message the source sends until it closes or timeout_usec passes. Returns how many
 * STOP_PROJECTION messages arrived. */
int sink_mice_drain(int fd, uint64_t timeout_usec);
