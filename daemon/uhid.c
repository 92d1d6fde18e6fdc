/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * HIDC devices over /dev/uhid (see uhid.h), written against the kernel's
 * uhid events directly (UHID_CREATE2/INPUT2, kernel >= 3.18): one write per
 * event, short writes are extended with zeros by the kernel.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/input.h>
#include <linux/uhid.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../protocol/macro.h"
#include "uhid.h"

struct uhid_device {
        int fd;                          /* owned: the device lives as long as it */
};

static int write_event(int fd, const struct uhid_event *ev, size_t len)
{
        ssize_t n = write(fd, ev, len);

        if (n < 0)
                return -errno;
        return (size_t) n == len ? 0 : -EIO;
}

int uhid_device_new(int fd, const char *name, const uint8_t *rd, size_t rd_len, struct uhid_device **ret)
{
        _cleanup_free_ struct uhid_event *ev = NULL;
        struct uhid_device *d;
        const char *path;
        int r;

        if (!name || !rd || rd_len == 0 || rd_len > HID_MAX_DESCRIPTOR_SIZE || !ret) {
                safe_close(fd);
                return -EINVAL;
        }
        if (fd < 0) {
                path = getenv("MIRACASTD_UHID_PATH") ?: "/dev/uhid";
                fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
                if (fd < 0)
                        return -errno;
        }
        ev = calloc(1, sizeof(*ev));
        d = calloc(1, sizeof(*d));
        if (!ev || !d) {
                free(d);
                safe_close(fd);
                return -ENOMEM;
        }
        d->fd = fd;
        ev->type = UHID_CREATE2;
        snprintf((char *) ev->u.create2.name, sizeof(ev->u.create2.name), "%s", name);
        snprintf((char *) ev->u.create2.phys, sizeof(ev->u.create2.phys), "miracastd/uibc");
        ev->u.create2.rd_size = (uint16_t) rd_len;
        ev->u.create2.bus = BUS_VIRTUAL;
        ev->u.create2.vendor = 0x1d6b;   /* Linux Foundation, as the uinput devices */
        ev->u.create2.product = 0x0103;
        memcpy(ev->u.create2.rd_data, rd, rd_len);
        r = write_event(fd, ev, offsetof(struct uhid_event, u.create2.rd_data) + rd_len);
        if (r < 0) {
                uhid_device_free(d);
                return r;
        }
        *ret = d;
        return 0;
}

struct uhid_device *uhid_device_free(struct uhid_device *d)
{
        struct uhid_event ev = { .type = UHID_DESTROY };

        if (!d)
                return NULL;
        if (d->fd >= 0)
                (void) write_event(d->fd, &ev, sizeof(ev.type));
        safe_close(d->fd);
        free(d);
        return NULL;
}

int uhid_device_get_fd(const struct uhid_device *d)
{
        return d ? d->fd : -EBADF;
}

int uhid_device_process(struct uhid_device *d)
{
        _cleanup_free_ struct uhid_event *ev = calloc(1, sizeof(*ev));
        struct uhid_event reply = {};
        ssize_t n;

        if (!ev)
                return -ENOMEM;
        for (;;) {
                memset(ev, 0, sizeof(*ev));
                n = read(d->fd, ev, sizeof(*ev));
                if (n < 0)
                        return errno == EAGAIN || errno == EINTR ? 0 : -errno;
                if (n == 0)
                        return -EIO;
                switch (ev->type) {
                case UHID_GET_REPORT:
                        /* A driver asking for a feature report: the sink is not there to ask. */
                        reply = (struct uhid_event) { .type = UHID_GET_REPORT_REPLY };
                        reply.u.get_report_reply.id = ev->u.get_report.id;
                        reply.u.get_report_reply.err = EIO;
                        (void) write_event(d->fd, &reply,
                                           offsetof(struct uhid_event, u.get_report_reply.data));
                        break;
                case UHID_SET_REPORT:
                        reply = (struct uhid_event) { .type = UHID_SET_REPORT_REPLY };
                        reply.u.set_report_reply.id = ev->u.set_report.id;
                        reply.u.set_report_reply.err = EIO;
                        (void) write_event(d->fd, &reply,
                                           offsetof(struct uhid_event, u.set_report_reply) +
                                                   sizeof(reply.u.set_report_reply));
                        break;
                default:
                        /* START, STOP, OPEN, CLOSE, OUTPUT (keyboard LEDs): nothing to do. */
                        break;
                }
        }
}

int uhid_device_input(struct uhid_device *d, const uint8_t *report, size_t len)
{
        struct uhid_event ev = { .type = UHID_INPUT2 };

        if (!d || !report || len == 0 || len > UHID_DATA_MAX)
                return -EINVAL;
        ev.u.input2.size = (uint16_t) len;
        memcpy(ev.u.input2.data, report, len);
        return write_event(d->fd, &ev, offsetof(struct uhid_event, u.input2.data) + len);
}
