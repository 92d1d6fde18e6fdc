/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a failed call to org.miracastd means for the person at the desk: one
 * sentence saying what happened and one saying what to do next. Pure: maps
 * the D-Bus error name and the daemon's message text, no GTK.
 */
#pragma once

struct cast_error_text {
        const char *what; /* "The display refused the connection." */
        const char *next; /* "Accept the request on the TV, then try again." */
};

/*
 * Plain words for a reply error (name as in dbus/bus_names.h, message the
 * daemon's text, either may be NULL). Never fails: unknown errors get a
 * generic text; the caller shows the daemon's message as detail.
 */
struct cast_error_text cast_error_explain(const char *name, const char *message);

/* Plain words for Manager1.Backend "none" (no Wi-Fi Direct). */
struct cast_error_text cast_error_no_backend(void);
