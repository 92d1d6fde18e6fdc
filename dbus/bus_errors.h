/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one place where negative errno values become D-Bus error names:
 *   -ENOSR                          org.miracastd.Error.InsufficientResources
 *   -EACCES, -EPERM                 org.miracastd.Error.NotAuthorized
 *   -EBUSY, -EALREADY, -EINPROGRESS org.miracastd.Error.Busy
 *   -ENOENT, -ENODEV, -ESRCH,
 *   -EHOSTUNREACH                   org.miracastd.Error.NotFound
 *   -ETIMEDOUT                      org.miracastd.Error.Timeout
 *   -ECONNREFUSED                   org.miracastd.Error.SinkRejected
 *   -EINVAL, -ERANGE                org.miracastd.Error.InvalidArguments
 *   -EEXIST                         org.miracastd.Error.AlreadyExists
 *   anything else                   org.miracastd.Error.Failed
 * (Wrong argument types never reach us: sd-bus answers those with the
 * standard org.freedesktop.DBus.Error.InvalidArgs.)
 */
#pragma once

#include <systemd/sd-bus.h>

#include "bus_names.h"

/* The error name for a negative errno (table above). */
const char *bus_error_name_from_errno(int error);

/* Fill *e with the mapped name and a printf message ("%m" is error's text).
 * Returns the (negative) error, so a handler can `return bus_error_set(...)`. */
int bus_error_set(sd_bus_error *e, int error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
