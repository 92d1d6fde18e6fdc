/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The input injector: the only code that touches /dev/uinput. It takes
 * parsed, already clamped events (desktop pixels, evdev key numbers) and
 * writes them to two virtual devices per session:
 *
 *   pointer: EV_ABS ABS_X/ABS_Y (0..width-1, 0..height-1), BTN_LEFT/RIGHT/MIDDLE,
 *            REL_WHEEL/REL_HWHEEL, the keyboard keys (KEY_ESC .. KEY_MICMUTE)
 *   touch:   INPUT_PROP_DIRECT, ABS_MT_SLOT/TRACKING_ID/POSITION_X/Y (10 slots), BTN_TOUCH
 *
 * Each device lives as long as its fd: uinput_injector_free() (or the process
 * dying) makes both vanish. The fd comes from the caller (-1: open
 * /dev/uinput here), so a future privileged helper can open it and pass it
 * to an unprivileged injector (docs/uibc.md, "Where injection runs").
 * $MIRACASTD_UINPUT_PATH replaces /dev/uinput (tests).
 * Every call re-checks its arguments and refuses (-EINVAL) what is out of
 * range: the injector trusts no caller.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UINPUT_MAX_CONTACTS 10

struct uinput_injector;

struct uinput_contact {
        uint8_t id;                  /* the sink's pointer id */
        int32_t x, y;                /* desktop pixels */
};

/*
 * Create the two devices, named "<name> pointer" and "<name> touch", for a
 * cast area of width x height. pointer_fd and touch_fd are open /dev/uinput
 * fds to take over (closed on failure too), or -1 to open /dev/uinput.
 * Returns 0, -ENOENT/-ENODEV (no uinput: module not loaded or no such
 * device node), -EACCES, -EINVAL.
 */
int uinput_injector_new(int pointer_fd, int touch_fd, const char *name, uint32_t width, uint32_t height,
                        struct uinput_injector **ret);
/* Destroy both devices (releases anything held first). Accepts NULL, returns NULL. */
struct uinput_injector *uinput_injector_free(struct uinput_injector *inj);

/* Absolute pointer: move to (x, y), optionally with BTN_LEFT down (1), up (0) or unchanged (-1). */
int uinput_injector_pointer(struct uinput_injector *inj, int32_t x, int32_t y, int left);
/* A KEY_* or BTN_LEFT/RIGHT/MIDDLE press or release. */
int uinput_injector_key(struct uinput_injector *inj, uint16_t key, bool down);
/* Wheel notches: vertical (REL_WHEEL, up positive) or horizontal (REL_HWHEEL, right positive). */
int uinput_injector_wheel(struct uinput_injector *inj, bool vertical, int32_t notches);
/* One multitouch frame: the contacts now down (0 = all lifted). Contacts absent from it are lifted. */
int uinput_injector_touch(struct uinput_injector *inj, const struct uinput_contact *c, size_t n);
