/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The "Cast screen" window: displays seen by org.miracastd (live, through its
 * ObjectManager; discovery runs while the window is open), a click casts, the
 * casting card shows name, mode and Stop, and the PIN agent (cast-agent.h)
 * asks or shows PINs in dialogs. Every D-Bus call is asynchronous.
 */
#pragma once

#include <adwaita.h>
#include <stdbool.h>

struct cast_window;

/* Create and present the window; bus_address NULL means the system bus. */
struct cast_window *cast_window_new(GtkApplication *app, const char *bus_address);

/* For --autotest (cast-autotest.c): what a person sees and what they can do. */
unsigned cast_window_n_displays(struct cast_window *cw);
bool cast_window_activate_display(struct cast_window *cw, const char *name);
/* "" while idle, else the state of the cast we started ("connecting" .. "playing"). */
const char *cast_window_cast_state(struct cast_window *cw);
bool cast_window_pin_dialog_open(struct cast_window *cw);
/* The "Allow input from ...?" dialog (Agent1.RequestInput). */
bool cast_window_input_dialog_open(struct cast_window *cw);
bool cast_window_input_answer(struct cast_window *cw, bool allow);
/* org.miracastd.User (miracastd-user) was found: the desktop-only choices are usable. */
bool cast_window_user1(struct cast_window *cw);
/* Press the button labelled label in the option row titled title; false when absent or disabled. */
bool cast_window_choose(struct cast_window *cw, const char *title, const char *label);
/* The casting card's second line ("" when not casting); a display row's subtitle (NULL when not listed). */
const char *cast_window_casting_text(struct cast_window *cw);
const char *cast_window_display_text(struct cast_window *cw, const char *name);
/* Give the keyboard focus to a display's row (for tests that then press real keys). */
bool cast_window_focus_display(struct cast_window *cw, const char *name);
bool cast_window_pin_type(struct cast_window *cw, const char *digits);
bool cast_window_pin_submit(struct cast_window *cw);
bool cast_window_stop(struct cast_window *cw);
const char *cast_window_page(struct cast_window *cw);
/* The error shown ("" when none): its first sentence. */
const char *cast_window_error(struct cast_window *cw);
/* Render the window, and the PIN dialog over it when open, into a PNG. 0 or -errno. */
int cast_window_save_png(struct cast_window *cw, const char *path);
