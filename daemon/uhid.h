/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * HIDC injection: one /dev/uhid device per HID report descriptor a sink sent
 * (docs/uibc.md, "HIDC"). The kernel parses the descriptor and drives the
 * device with its own HID drivers (hid-generic), so a sink's keyboard,
 * mouse or touch screen appears as what it is. Beside daemon/uinput.c this
 * is the only code that opens an input device node; it takes descriptors
 * and reports that protocol/hid_desc has already checked and filtered.
 *
 * The device lives as long as its fd: uhid_device_free() or the daemon
 * dying removes it. $MIRACASTD_UHID_PATH replaces /dev/uhid (tests).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct uhid_device;

/*
 * Create a device named name with report descriptor rd (1..4096 bytes).
 * fd is an open /dev/uhid to take over (closed on failure too), or -1 to
 * open it here. Returns 0, -ENOENT/-ENODEV (no uhid: module not loaded),
 * -EACCES, -EINVAL, or the kernel's refusal of the descriptor (-EINVAL).
 */
int uhid_device_new(int fd, const char *name, const uint8_t *rd, size_t rd_len, struct uhid_device **ret);
/* Destroy the device. Accepts NULL, returns NULL. */
struct uhid_device *uhid_device_free(struct uhid_device *d);

/* The fd to watch for EPOLLIN: call uhid_device_process() when readable. */
int uhid_device_get_fd(const struct uhid_device *d);

/*
 * Read what the kernel sent (start, open, LED output reports, report
 * requests) and answer the requests (GET_REPORT/SET_REPORT: -EIO, the sink
 * cannot be asked). Returns 0, or -errno when the fd failed.
 */
int uhid_device_process(struct uhid_device *d);

/* One input report (1..4096 bytes, report id first when the descriptor uses ids). */
int uhid_device_input(struct uhid_device *d, const uint8_t *report, size_t len);
