/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The test sink's user input back channel (--uibc-script FILE): it lists
 * GENERIC and HIDC input in its M3 reply, notes the source's offer (wfd_uibc_capability
 * with port, wfd_uibc_setting) in M4 or a later SET_PARAMETER, and once
 * playing with input enabled connects to the source's UIBC port and sends the
 * script's packets (built with protocol/uibc_msg.h).
 *
 * Script: one step a line, '#' starts a comment, numbers decimal or 0x hex:
 *   move X Y | down X Y | up X Y       GENERIC move / touch-or-left down / up, pointer 0
 *   touch down|move|up X1 Y1 X2 Y2     the same with two pointers (ids 0 and 1)
 *   key CODE | keydown CODE | keyup CODE   GENERIC key (down + up for "key")
 *   scroll N | hscroll N               wheel notches (positive: down / right)
 *   hidc-descriptor keyboard|mouse     HIDC report descriptor of a boot keyboard / mouse (USB)
 *   hidc keyboard MODS [K1 .. K6]      HIDC boot keyboard report: modifier bits, HID key usages
 *   hidc mouse BUTTONS DX DY           HIDC boot mouse report
 *   raw HEX                            bytes as they are (garbage on purpose)
 *   flood N                            N moves back to back
 *   sleep MS
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <systemd/sd-event.h>

struct sink_uibc;

/* The value of our wfd_uibc_capability in M3. */
#define SINK_UIBC_CAPABILITY \
        "input_category_list=GENERIC, HIDC;generic_cap_list=Keyboard, Mouse, SingleTouch, MultiTouch;" \
        "hidc_cap_list=Keyboard/USB, Mouse/USB;port=none"

/* Read and compile the script; -EINVAL with a message on stderr for a bad line. */
int sink_uibc_new(const char *path, struct sink_uibc **ret);
struct sink_uibc *sink_uibc_free(struct sink_uibc *u);

/* A SET_PARAMETER body from the source: its offer and setting, if any. */
void sink_uibc_params(struct sink_uibc *u, const char *body, size_t len);
/* Offered, enabled and not started yet: connect to source:port and send the script. */
bool sink_uibc_ready(const struct sink_uibc *u);
int sink_uibc_start(struct sink_uibc *u, sd_event *event, const struct sockaddr_storage *source);
/* Whether the source offered input at all. */
bool sink_uibc_offered(const struct sink_uibc *u);
/* " uibc=offered uibc_port=N uibc_connected=yes uibc_packets=N uibc_steps=N/M" for the SINK line. */
void sink_uibc_summary(const struct sink_uibc *u, char *buf, size_t size);
