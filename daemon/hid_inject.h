/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Main's side of HIDC (docs/uibc.md, "HIDC"): the uhid devices of one session.
 * The stream worker parses the sink's HIDC packets and forwards report
 * descriptors and reports (WORKER_MSG_HID_DEVICE / HID_REPORT); main trusts
 * them no more than the sink's bytes, so every descriptor is parsed again
 * (protocol/hid_desc: size and structure bounds) before the kernel sees it,
 * and every keyboard report goes through main's own key filter. Devices are
 * made only while the session's input is active and all go when it ends
 * (hid_inject_clear()).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "../protocol/hid_desc.h"

/* A keyboard, a mouse, and room for a sink that sends a few more (the worker keeps as many). */
#define HID_INJECT_MAX_DEVICES 4

struct hid_inject_device;

struct hid_inject {
        sd_event *event;                 /* not owned */
        unsigned session_id;             /* for the log and the device names */
        struct hid_inject_device *dev[HID_INJECT_MAX_DEVICES]; /* owned */
};

void hid_inject_init(struct hid_inject *h, sd_event *event, unsigned session_id);
/* Destroy every device (input off, the session or its worker gone). */
void hid_inject_clear(struct hid_inject *h);
size_t hid_inject_count(const struct hid_inject *h);

/*
 * A device for the descriptor rd of the sink's (path, type), replacing one
 * with the same key. Returns 0, -EBADMSG / -E2BIG (hid_desc_parse() refuses
 * it), -ENOSPC (HID_INJECT_MAX_DEVICES already), -EINVAL, or uhid's error.
 */
int hid_inject_device(struct hid_inject *h, uint8_t path, uint8_t type, const uint8_t *rd, size_t len);

/*
 * One input report for (path, type), keys filtered (hid_key_filter_report())
 * and written to the device. Returns the number of keys removed (0: as sent),
 * -ENODEV (no such device), -ENOENT (a report id not in its descriptor),
 * -EPERM (a blocked key could not be removed: dropped), -EINVAL (len 0 or
 * over HID_MAX_REPORT), or uhid's error.
 */
int hid_inject_report(struct hid_inject *h, uint8_t path, uint8_t type, const uint8_t *report, size_t len);
