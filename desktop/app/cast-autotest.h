/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --autotest SCRIPT: drive the window the way a person would, for the
 * screenshot test (tests/integration/test-desktop-app.c). One step a line:
 *   wait-page NAME          the "main" or "missing" page is shown
 *   wait-displays N         at least N displays are listed
 *   cast NAME               activate that display's row (what Enter does)
 *   wait-pin                the PIN dialog is open
 *   type-pin DIGITS         type into it
 *   submit-pin              press Enter in it
 *   wait-state STATE        our cast is in STATE ("" = idle)
 *   wait-error TEXT         the error shown contains TEXT
 *   stop                    press Stop
 *   shot FILE               write the window as a PNG and print "screenshot: FILE"
 *   sleep MSEC
 * A wait gives up after 60 s. The app exits 0 after the last step, 1 at the first failure.
 */
#pragma once

#include "cast-window.h"

/* Start running script (a file) against cw. 0 or -errno. */
int cast_autotest_start(GApplication *app, struct cast_window *cw, const char *script);
