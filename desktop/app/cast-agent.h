/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * org.miracastd.Agent1 served by the app (dbus/org.miracastd.Agent1.xml):
 * miracastd calls it when a display shows a PIN to type here, when we must
 * show a PIN to type on the display, and to ask whether a display that offers
 * input (touch, mouse, keyboard) may drive this desktop. The object lives on the app's bus
 * connection; registering it with Manager1 is the window's job.
 */
#pragma once

#include <gio/gio.h>

#define CAST_AGENT_PATH "/org/miracastd/desktop/agent"

struct cast_agent_ops {
        /* Show pin for the display at sink_path; the call is already answered. */
        void (*display_pin)(void *userdata, const char *sink_path, const char *pin);
        /* Ask for the display's PIN; answer with cast_agent_reply_pin() or cast_agent_reject(). */
        void (*request_pin)(void *userdata, const char *sink_path);
        /* Ask "Allow input from display_name?"; answer with cast_agent_reply_input(). */
        void (*request_input)(void *userdata, const char *session_path, const char *display_name);
        /* The request in progress is over (Cancel) or the daemon dropped us (Release). */
        void (*cancel)(void *userdata);
        void (*release)(void *userdata);
};

struct cast_agent;

/* Export the agent object on bus. 0 or -errno. */
int cast_agent_new(GDBusConnection *bus, const struct cast_agent_ops *ops, void *userdata, struct cast_agent **ret);
struct cast_agent *cast_agent_free(struct cast_agent *a);

/* Answer the pending RequestPinCode; false when none is pending. */
gboolean cast_agent_reply_pin(struct cast_agent *a, const char *pin);
gboolean cast_agent_reject(struct cast_agent *a);
/* Answer the pending RequestInput; false when none is pending. */
gboolean cast_agent_reply_input(struct cast_agent *a, gboolean allow);
