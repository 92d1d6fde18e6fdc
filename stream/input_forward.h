/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The worker's end of input from the display: stream/uibc.c parses, maps and
 * filters what the sink sends, then hands each event here, and it goes to
 * main as WORKER_MSG_INPUT_EVENT; main, which alone may open /dev/uinput,
 * checks it again and injects it (daemon/uinput.h). Same calls as
 * daemon/uinput.h's injector, so the channel's code did not change shape.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct stream;

#define INPUT_FORWARD_MAX_CONTACTS 10

struct input_contact {
        uint8_t id;                  /* the sink's pointer id */
        int32_t x, y;                /* desktop pixels */
};

struct input_forward;

/*
 * A forwarder starts held: main has been asked for its devices (WORKER_MSG_INPUT) but has not
 * answered, so events are kept in order (at most INPUT_FORWARD_MAX_HELD messages; beyond that they
 * are dropped and counted) instead of being lost while the worker was busy starting the media.
 * input_forward_release() sends them once main says the devices exist; freeing a held forwarder
 * drops them (main said no).
 */
#define INPUT_FORWARD_MAX_HELD 256

int input_forward_new(struct stream *st, unsigned session_id, struct input_forward **ret);
struct input_forward *input_forward_free(struct input_forward *f);
/* Send what was held, in order, and forward directly from now on. Returns 0 or the first send error. */
int input_forward_release(struct input_forward *f);
/* Messages dropped because the hold queue was full. */
uint64_t input_forward_get_dropped(const struct input_forward *f);

/* Absolute pointer: move to (x, y), optionally with BTN_LEFT down (1), up (0) or unchanged (-1). */
int input_forward_pointer(struct input_forward *f, int32_t x, int32_t y, int left);
int input_forward_key(struct input_forward *f, uint16_t key, bool down);
int input_forward_wheel(struct input_forward *f, bool vertical, int32_t notches);
int input_forward_touch(struct input_forward *f, const struct input_contact *c, size_t n);
/* HIDC: a report descriptor checked with hid_desc_parse() (main makes a uhid device), then its input
 * reports, keys filtered (main filters again). len at most HID_MAX_DESCRIPTOR / HID_MAX_REPORT. */
int input_forward_hid_device(struct input_forward *f, uint8_t path, uint8_t type, const uint8_t *rd, size_t len);
int input_forward_hid_report(struct input_forward *f, uint8_t path, uint8_t type, const uint8_t *report,
                             size_t len);
