/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The names of the org.miracastd D-Bus API, once, for both ends: the daemon's
 * objects (bus.c, *-bus.c, bus_errors.c) and the miracastctl client. Plain
 * strings, no includes, so a client can use it without any daemon header.
 * The interfaces themselves are described in dbus/org.miracastd.*.xml.
 */
#pragma once

/* Well-known bus name, and the ObjectManager that lists every object. */
#define BUS_NAME            "org.miracastd"
#define BUS_ROOT_PATH       "/org/miracastd"

/* Objects: the manager at BUS_ROOT_PATH, BUS_SINK_PREFIX "/<id>", BUS_SESSION_PREFIX "/<n>". */
#define BUS_SINK_PREFIX     BUS_ROOT_PATH "/sink"
#define BUS_SESSION_PREFIX  BUS_ROOT_PATH "/session"

#define BUS_MANAGER_IFACE   "org.miracastd.Manager1"
#define BUS_SINK_IFACE      "org.miracastd.Sink1"
#define BUS_SESSION_IFACE   "org.miracastd.Session1"
#define BUS_AGENT_IFACE     "org.miracastd.Agent1"    /* implemented by clients */

/* The user-session component (miracastd-user) on each user's session bus. */
#define BUS_USER_NAME       "org.miracastd.User"
#define BUS_USER_PATH       "/org/miracastd/user"
#define BUS_USER_IFACE      "org.miracastd.User1"

/* Error names of the daemon's replies (errno mapping: bus_errors.h). */
#define BUS_ERROR_INSUFFICIENT_RESOURCES "org.miracastd.Error.InsufficientResources"
#define BUS_ERROR_NOT_AUTHORIZED         "org.miracastd.Error.NotAuthorized"
#define BUS_ERROR_BUSY                   "org.miracastd.Error.Busy"
#define BUS_ERROR_NOT_FOUND              "org.miracastd.Error.NotFound"
#define BUS_ERROR_TIMEOUT                "org.miracastd.Error.Timeout"
#define BUS_ERROR_SINK_REJECTED          "org.miracastd.Error.SinkRejected"
#define BUS_ERROR_INVALID_ARGUMENTS      "org.miracastd.Error.InvalidArguments"
#define BUS_ERROR_ALREADY_EXISTS         "org.miracastd.Error.AlreadyExists"
#define BUS_ERROR_FAILED                 "org.miracastd.Error.Failed"
/* An agent's reply to RequestPinCode when the user declines (Agent1.xml). */
#define BUS_ERROR_REJECTED               "org.miracastd.Error.Rejected"
/* User1.Cast: the person cancelled the screen chooser; the desktop cannot share the screen that way. */
#define BUS_ERROR_CANCELLED              "org.miracastd.Error.Cancelled"
#define BUS_ERROR_NOT_SUPPORTED          "org.miracastd.Error.NotSupported"
