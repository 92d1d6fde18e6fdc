/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Main's side of HIDC (daemon/hid_inject.c): what a stream worker forwards is
 * checked again before uhid sees it. A FIFO stands in for /dev/uhid
 * ($MIRACASTD_UHID_PATH), so the test reads back exactly the uhid events
 * main wrote: the descriptor parsed again (a malformed one never reaches
 * the kernel), main's own key filter on reports, the device limit, and every
 * device gone on hid_inject_clear() (UHID_DESTROY).
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <linux/uhid.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../daemon/hid_inject.h"
#include "../../protocol/wfd_uibc.h"
#include "../lib/test.h"

/* HID 1.11 Appendix B.1, the boot-protocol keyboard (LEDs left out). */
static const uint8_t boot_keyboard[] = {
        0x05, 0x01, 0x09, 0x06, 0xa1, 0x01,
        0x05, 0x07, 0x19, 0xe0, 0x29, 0xe7, 0x15, 0x00, 0x25, 0x01,
        0x75, 0x01, 0x95, 0x08, 0x81, 0x02,             /* 8 modifier bits */
        0x95, 0x01, 0x75, 0x08, 0x81, 0x01,             /* reserved byte */
        0x95, 0x06, 0x75, 0x08, 0x15, 0x00, 0x26, 0xff, 0x00, 0x05, 0x07, 0x19, 0x00, 0x29, 0xff,
        0x81, 0x00,                                     /* 6 key slots, array */
        0xc0,
};

static char dir[64], fifo[96];
static int reader = -1;

static void setup(void)
{
        snprintf(dir, sizeof(dir), "/tmp/test-hid-inject.XXXXXX");
        if (!mkdtemp(dir))
                abort();
        snprintf(fifo, sizeof(fifo), "%s/uhid", dir);
        if (mkfifo(fifo, 0600) < 0)
                abort();
        reader = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (reader < 0)
                abort();
        setenv("MIRACASTD_UHID_PATH", fifo, 1);
}

static void teardown(void)
{
        close(reader);
        unlink(fifo);
        rmdir(dir);
}

static bool read_exact(void *buf, size_t len)
{
        return len == 0 || read(reader, buf, len) == (ssize_t) len;
}

/* The next uhid event main wrote, its type, or -1. A FIFO keeps no write boundaries: each event is read
 * by the length its type gives (what daemon/uhid.c writes: the header and the used part of the data). */
static int next_event(struct uhid_event *ev, size_t *ret_len)
{
        uint8_t *p = (uint8_t *) ev;
        size_t len = sizeof(ev->type);

        memset(ev, 0, sizeof(*ev));
        if (!read_exact(p, sizeof(ev->type)))
                return -1;
        switch (ev->type) {
        case UHID_CREATE2:
                if (!read_exact(p + len, offsetof(struct uhid_event, u.create2.rd_data) - len))
                        return -2;
                len = offsetof(struct uhid_event, u.create2.rd_data);
                if (ev->u.create2.rd_size > sizeof(ev->u.create2.rd_data) ||
                    !read_exact(p + len, ev->u.create2.rd_size))
                        return -2;
                len += ev->u.create2.rd_size;
                break;
        case UHID_INPUT2:
                if (!read_exact(p + len, sizeof(ev->u.input2.size)))
                        return -2;
                len = offsetof(struct uhid_event, u.input2.data);
                if (ev->u.input2.size > sizeof(ev->u.input2.data) || !read_exact(p + len, ev->u.input2.size))
                        return -2;
                len += ev->u.input2.size;
                break;
        case UHID_DESTROY:
                break;
        default:
                return -2;
        }
        if (ret_len)
                *ret_len = len;
        return (int) ev->type;
}

TEST(hid_inject_checks, "/hid-inject: descriptors parsed again, keys filtered again, at most 4 devices, all destroyed") {
        static struct uhid_event ev;
        struct hid_inject h;
        sd_event *e = NULL;
        uint8_t bad[sizeof(boot_keyboard)];
        uint8_t report[8] = { 0x05, 0, 0x3a, 0x04 };    /* Ctrl+Alt+F1 and 'a' */
        size_t len = 0;

        setup();
        assert_int_eq(sd_event_new(&e), 0);
        hid_inject_init(&h, e, 7);

        /* A descriptor with an unbalanced collection: refused before any write. */
        memcpy(bad, boot_keyboard, sizeof(bad));
        bad[sizeof(bad) - 1] = 0x00;
        assert_true(hid_inject_device(&h, WFD_UIBC_PATH_USB, WFD_UIBC_INPUT_KEYBOARD, bad, sizeof(bad)) < 0);
        assert_int_eq(next_event(&ev, NULL), -1);
        assert_int_eq(hid_inject_device(&h, WFD_UIBC_PATH_USB, WFD_UIBC_INPUT_KEYBOARD, boot_keyboard, 0), -EBADMSG);
        assert_int_eq(hid_inject_device(&h, 200, WFD_UIBC_INPUT_KEYBOARD, boot_keyboard, sizeof(boot_keyboard)),
                      -EINVAL);
        assert_int_eq(hid_inject_count(&h), 0);

        /* A good one: CREATE2 with the descriptor unchanged. */
        assert_int_eq(hid_inject_device(&h, WFD_UIBC_PATH_USB, WFD_UIBC_INPUT_KEYBOARD, boot_keyboard,
                                        sizeof(boot_keyboard)), 0);
        assert_int_eq(next_event(&ev, NULL), UHID_CREATE2);
        assert_int_eq(ev.u.create2.rd_size, sizeof(boot_keyboard));
        assert_mem_eq(ev.u.create2.rd_data, boot_keyboard, sizeof(boot_keyboard));
        assert_true(strstr((const char *) ev.u.create2.name, "session 7 HIDC Keyboard") != NULL);

        /* A report the worker should have filtered but did not: main strips F1, 'a' stays. */
        assert_int_eq(hid_inject_report(&h, WFD_UIBC_PATH_USB, WFD_UIBC_INPUT_KEYBOARD, report, sizeof(report)), 1);
        assert_int_eq(next_event(&ev, &len), UHID_INPUT2);
        assert_int_eq(ev.u.input2.size, 8);
        assert_mem_eq(ev.u.input2.data, ((const uint8_t[8]) { 0x05, 0, 0, 0x04 }), 8);
        /* Ctrl let go, F1 still held: still stripped (sticky). */
        report[0] = 0x04;
        assert_int_eq(hid_inject_report(&h, WFD_UIBC_PATH_USB, WFD_UIBC_INPUT_KEYBOARD, report, sizeof(report)), 1);
        assert_int_eq(next_event(&ev, NULL), UHID_INPUT2);
        assert_int_eq(ev.u.input2.data[2], 0);
        /* A plain report passes as sent. */
        memset(report, 0, sizeof(report));
        report[2] = 0x05;
        assert_int_eq(hid_inject_report(&h, WFD_UIBC_PATH_USB, WFD_UIBC_INPUT_KEYBOARD, report, sizeof(report)), 0);
        assert_int_eq(next_event(&ev, NULL), UHID_INPUT2);
        assert_mem_eq(ev.u.input2.data, report, 8);
        /* No such device, an empty or oversized report: nothing written. */
        assert_int_eq(hid_inject_report(&h, WFD_UIBC_PATH_BT, WFD_UIBC_INPUT_KEYBOARD, report, sizeof(report)),
                      -ENODEV);
        assert_int_eq(hid_inject_report(&h, WFD_UIBC_PATH_USB, WFD_UIBC_INPUT_KEYBOARD, report, 0), -EINVAL);
        assert_int_eq(hid_inject_report(&h, WFD_UIBC_PATH_USB, WFD_UIBC_INPUT_KEYBOARD, report, HID_MAX_REPORT + 1),
                      -EINVAL);
        assert_int_eq(next_event(&ev, NULL), -1);

        /* The same key again replaces the device (DESTROY, CREATE2); three more fit, a fifth does not. */
        assert_int_eq(hid_inject_device(&h, WFD_UIBC_PATH_USB, WFD_UIBC_INPUT_KEYBOARD, boot_keyboard,
                                        sizeof(boot_keyboard)), 0);
        assert_int_eq(next_event(&ev, NULL), UHID_DESTROY);
        assert_int_eq(next_event(&ev, NULL), UHID_CREATE2);
        for (unsigned p = WFD_UIBC_PATH_BT; p < WFD_UIBC_PATH_BT + 3; p++) {
                assert_int_eq(hid_inject_device(&h, (uint8_t) p, WFD_UIBC_INPUT_KEYBOARD, boot_keyboard,
                                                sizeof(boot_keyboard)), 0);
                assert_int_eq(next_event(&ev, NULL), UHID_CREATE2);
        }
        assert_int_eq(hid_inject_count(&h), HID_INJECT_MAX_DEVICES);
        assert_int_eq(hid_inject_device(&h, WFD_UIBC_PATH_INFRARED, WFD_UIBC_INPUT_KEYBOARD, boot_keyboard,
                                        sizeof(boot_keyboard)), -ENOSPC);
        assert_int_eq(next_event(&ev, NULL), -1);

        /* Input off: every device destroyed. */
        hid_inject_clear(&h);
        assert_int_eq(hid_inject_count(&h), 0);
        for (unsigned i = 0; i < HID_INJECT_MAX_DEVICES; i++)
                assert_int_eq(next_event(&ev, NULL), UHID_DESTROY);
        assert_int_eq(next_event(&ev, NULL), -1);
        assert_int_eq(hid_inject_report(&h, WFD_UIBC_PATH_USB, WFD_UIBC_INPUT_KEYBOARD, report, sizeof(report)),
                      -ENODEV);

        sd_event_unref(e);
        teardown();
}
