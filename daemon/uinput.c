/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The input injector over /dev/uinput (see uinput.h). Written against the
 * kernel's uinput ioctls directly (UI_DEV_SETUP, UI_ABS_SETUP, kernel >= 4.5):
 * two devices, a handful of events, no library needed.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/uinput.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../protocol/macro.h"
#include "uinput.h"

struct uinput_injector {
        int pointer_fd;                  /* owned: the pointer + keyboard device */
        int touch_fd;                    /* owned: the multitouch device */
        uint32_t width, height;
        uint8_t keys_down[KEY_CNT / 8];  /* released on free, so nothing stays held */
        bool slot_used[UINPUT_MAX_CONTACTS];
        uint8_t slot_id[UINPUT_MAX_CONTACTS];
        int32_t next_tracking_id;
};

static int emit(int fd, uint16_t type, uint16_t code, int32_t value)
{
        struct input_event ev = { .type = type, .code = code, .value = value };

        if (write(fd, &ev, sizeof(ev)) != (ssize_t) sizeof(ev))
                return -errno ?: -EIO;
        return 0;
}

static int syn(int fd)
{
        return emit(fd, EV_SYN, SYN_REPORT, 0);
}

static int abs_setup(int fd, uint16_t code, int32_t max)
{
        struct uinput_abs_setup a = { .code = code, .absinfo = { .minimum = 0, .maximum = max } };

        return ioctl(fd, UI_ABS_SETUP, &a) < 0 ? -errno : 0;
}

static int device_create(int fd, const char *name, const char *suffix, uint16_t product)
{
        struct uinput_setup setup = {
                .id = { .bustype = BUS_VIRTUAL, .vendor = 0x1d6b /* Linux Foundation */, .product = product },
        };

        snprintf(setup.name, sizeof(setup.name), "%s %s", name, suffix);
        if (ioctl(fd, UI_DEV_SETUP, &setup) < 0 || ioctl(fd, UI_DEV_CREATE) < 0)
                return -errno;
        return 0;
}

static int open_uinput(int fd)
{
        /* Tests point this at a path that is not uinput, so a host that has uinput never gets
         * devices (or a remote pointer) from `make check`. */
        const char *path = getenv("MIRACASTD_UINPUT_PATH") ?: "/dev/uinput";

        if (fd >= 0)
                return fd;
        fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

static int setup_pointer(struct uinput_injector *inj, const char *name)
{
        int fd = inj->pointer_fd, r;

        if (ioctl(fd, UI_SET_EVBIT, EV_KEY) < 0 || ioctl(fd, UI_SET_EVBIT, EV_ABS) < 0 ||
            ioctl(fd, UI_SET_EVBIT, EV_REL) < 0 || ioctl(fd, UI_SET_EVBIT, EV_SYN) < 0 ||
            ioctl(fd, UI_SET_RELBIT, REL_WHEEL) < 0 || ioctl(fd, UI_SET_RELBIT, REL_HWHEEL) < 0)
                return -errno;
        for (int k = BTN_LEFT; k <= BTN_MIDDLE; k++)
                if (ioctl(fd, UI_SET_KEYBIT, k) < 0)
                        return -errno;
        /* Every key a keyboard has (KEY_ESC .. KEY_MICMUTE); the filter decides what may be pressed. */
        for (int k = KEY_ESC; k <= KEY_MICMUTE; k++)
                if (ioctl(fd, UI_SET_KEYBIT, k) < 0)
                        return -errno;
        r = abs_setup(fd, ABS_X, (int32_t) inj->width - 1);
        if (r < 0)
                return r;
        r = abs_setup(fd, ABS_Y, (int32_t) inj->height - 1);
        if (r < 0)
                return r;
        return device_create(fd, name, "pointer", 0x0101);
}

static int setup_touch(struct uinput_injector *inj, const char *name)
{
        int fd = inj->touch_fd, r;

        if (ioctl(fd, UI_SET_EVBIT, EV_KEY) < 0 || ioctl(fd, UI_SET_EVBIT, EV_ABS) < 0 ||
            ioctl(fd, UI_SET_EVBIT, EV_SYN) < 0 || ioctl(fd, UI_SET_KEYBIT, BTN_TOUCH) < 0 ||
            ioctl(fd, UI_SET_PROPBIT, INPUT_PROP_DIRECT) < 0)
                return -errno;
        if ((r = abs_setup(fd, ABS_X, (int32_t) inj->width - 1)) < 0 ||
            (r = abs_setup(fd, ABS_Y, (int32_t) inj->height - 1)) < 0 ||
            (r = abs_setup(fd, ABS_MT_SLOT, UINPUT_MAX_CONTACTS - 1)) < 0 ||
            (r = abs_setup(fd, ABS_MT_TRACKING_ID, 65535)) < 0 ||
            (r = abs_setup(fd, ABS_MT_POSITION_X, (int32_t) inj->width - 1)) < 0 ||
            (r = abs_setup(fd, ABS_MT_POSITION_Y, (int32_t) inj->height - 1)) < 0)
                return r;
        return device_create(fd, name, "touch", 0x0102);
}

int uinput_injector_new(int pointer_fd, int touch_fd, const char *name, uint32_t width, uint32_t height,
                        struct uinput_injector **ret)
{
        struct uinput_injector *inj;
        int r;

        if (!name || !ret || width == 0 || height == 0 || width > 65536 || height > 65536) {
                safe_close(pointer_fd);
                safe_close(touch_fd);
                return -EINVAL;
        }
        inj = calloc(1, sizeof(*inj));
        if (!inj) {
                safe_close(pointer_fd);
                safe_close(touch_fd);
                return -ENOMEM;
        }
        inj->width = width;
        inj->height = height;
        inj->pointer_fd = open_uinput(pointer_fd);
        inj->touch_fd = inj->pointer_fd >= 0 ? open_uinput(touch_fd) : safe_close(touch_fd);
        r = inj->pointer_fd < 0 ? inj->pointer_fd : inj->touch_fd;
        if (r >= 0)
                r = setup_pointer(inj, name);
        if (r >= 0)
                r = setup_touch(inj, name);
        if (r < 0) {
                uinput_injector_free(inj);
                return r;
        }
        *ret = inj;
        return 0;
}

struct uinput_injector *uinput_injector_free(struct uinput_injector *inj)
{
        if (!inj)
                return NULL;
        if (inj->pointer_fd >= 0) {
                /* Release what is held, so the desktop sees no stuck key when the device goes. */
                for (int k = 0; k < KEY_CNT; k++)
                        if (inj->keys_down[k / 8] & (1u << (k % 8)))
                                (void) emit(inj->pointer_fd, EV_KEY, k, 0);
                (void) syn(inj->pointer_fd);
                (void) ioctl(inj->pointer_fd, UI_DEV_DESTROY);
        }
        if (inj->touch_fd >= 0) {
                (void) uinput_injector_touch(inj, NULL, 0);
                (void) ioctl(inj->touch_fd, UI_DEV_DESTROY);
        }
        safe_close(inj->pointer_fd);
        safe_close(inj->touch_fd);
        free(inj);
        return NULL;
}

static bool in_area(const struct uinput_injector *inj, int32_t x, int32_t y)
{
        return x >= 0 && y >= 0 && (uint32_t) x < inj->width && (uint32_t) y < inj->height;
}

int uinput_injector_pointer(struct uinput_injector *inj, int32_t x, int32_t y, int left)
{
        int r;

        if (!inj || !in_area(inj, x, y) || left < -1 || left > 1)
                return -EINVAL;
        if ((r = emit(inj->pointer_fd, EV_ABS, ABS_X, x)) < 0 || (r = emit(inj->pointer_fd, EV_ABS, ABS_Y, y)) < 0)
                return r;
        if (left >= 0) {
                /* Position first, in its own frame, so the click lands where the finger is. */
                if ((r = syn(inj->pointer_fd)) < 0)
                        return r;
                return uinput_injector_key(inj, BTN_LEFT, left);
        }
        return syn(inj->pointer_fd);
}

int uinput_injector_key(struct uinput_injector *inj, uint16_t key, bool down)
{
        int r;

        if (!inj || !((key >= KEY_ESC && key <= KEY_MICMUTE) || (key >= BTN_LEFT && key <= BTN_MIDDLE)))
                return -EINVAL;
        r = emit(inj->pointer_fd, EV_KEY, key, down);
        if (r < 0)
                return r;
        if (down)
                inj->keys_down[key / 8] |= 1u << (key % 8);
        else
                inj->keys_down[key / 8] &= ~(1u << (key % 8));
        return syn(inj->pointer_fd);
}

int uinput_injector_wheel(struct uinput_injector *inj, bool vertical, int32_t notches)
{
        int r;

        if (!inj || notches == 0 || notches < -1000 || notches > 1000)
                return -EINVAL;
        r = emit(inj->pointer_fd, EV_REL, vertical ? REL_WHEEL : REL_HWHEEL, notches);
        if (r < 0)
                return r;
        return syn(inj->pointer_fd);
}

int uinput_injector_touch(struct uinput_injector *inj, const struct uinput_contact *c, size_t n)
{
        bool keep[UINPUT_MAX_CONTACTS] = {}, was_down = false, now_down = n > 0;
        int fd, r;

        if (!inj || n > UINPUT_MAX_CONTACTS || (n > 0 && !c))
                return -EINVAL;
        for (size_t i = 0; i < n; i++)
                if (!in_area(inj, c[i].x, c[i].y))
                        return -EINVAL;
        fd = inj->touch_fd;
        for (size_t s = 0; s < UINPUT_MAX_CONTACTS; s++)
                was_down |= inj->slot_used[s];

        for (size_t i = 0; i < n; i++) {
                size_t s, free_slot = UINPUT_MAX_CONTACTS;
                for (s = 0; s < UINPUT_MAX_CONTACTS; s++) {
                        if (inj->slot_used[s] && inj->slot_id[s] == c[i].id)
                                break;
                        if (!inj->slot_used[s] && !keep[s] && free_slot == UINPUT_MAX_CONTACTS)
                                free_slot = s;
                }
                if (s == UINPUT_MAX_CONTACTS) {
                        s = free_slot;
                        if (s == UINPUT_MAX_CONTACTS)
                                continue; /* duplicate ids: the slots are taken */
                        if ((r = emit(fd, EV_ABS, ABS_MT_SLOT, (int32_t) s)) < 0 ||
                            (r = emit(fd, EV_ABS, ABS_MT_TRACKING_ID, inj->next_tracking_id++ & 0xffff)) < 0)
                                return r;
                        inj->slot_used[s] = true;
                        inj->slot_id[s] = c[i].id;
                } else if ((r = emit(fd, EV_ABS, ABS_MT_SLOT, (int32_t) s)) < 0)
                        return r;
                keep[s] = true;
                if ((r = emit(fd, EV_ABS, ABS_MT_POSITION_X, c[i].x)) < 0 ||
                    (r = emit(fd, EV_ABS, ABS_MT_POSITION_Y, c[i].y)) < 0)
                        return r;
                if (i == 0 && ((r = emit(fd, EV_ABS, ABS_X, c[i].x)) < 0 || (r = emit(fd, EV_ABS, ABS_Y, c[i].y)) < 0))
                        return r;
        }
        for (size_t s = 0; s < UINPUT_MAX_CONTACTS; s++)
                if (inj->slot_used[s] && !keep[s]) {
                        if ((r = emit(fd, EV_ABS, ABS_MT_SLOT, (int32_t) s)) < 0 ||
                            (r = emit(fd, EV_ABS, ABS_MT_TRACKING_ID, -1)) < 0)
                                return r;
                        inj->slot_used[s] = false;
                }
        if (was_down != now_down && (r = emit(fd, EV_KEY, BTN_TOUCH, now_down)) < 0)
                return r;
        return syn(fd);
}
