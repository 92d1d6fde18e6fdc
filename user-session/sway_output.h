/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Extend on wlroots compositors (sway): their portal has no virtual source,
 * so a headless output is created for the cast through sway's IPC socket
 * ($SWAYSOCK; "create_output", then "output NAME mode --custom WxH@30Hz") and
 * unplugged after it. Synchronous: sway answers its IPC at once.
 */
#pragma once

/* Create a headless output of width x height (0: 1920x1080). Returns 0 and its name (free()), or
 * -ENOENT (no $SWAYSOCK: not sway), -EIO (sway refused), -errno. */
int sway_output_create(unsigned width, unsigned height, char **ret_name);
/* Unplug an output made by sway_output_create() (sway < 1.8: switch it off; it stays listed, inactive). */
int sway_output_remove(const char *name);
