/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dbus/bus_errors.h: errno -> org.miracastd.Error.* */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bus_errors.h"

const char *bus_error_name_from_errno(int error)
{
        switch (-error) {
        case ENOSR:
                return BUS_ERROR_INSUFFICIENT_RESOURCES;
        case EACCES:
        case EPERM:
                return BUS_ERROR_NOT_AUTHORIZED;
        case EBUSY:
        case EALREADY:
        case EINPROGRESS:
                return BUS_ERROR_BUSY;
        case ENOENT:
        case ENODEV:
        case ESRCH:
        case EHOSTUNREACH:
                return BUS_ERROR_NOT_FOUND;
        case ETIMEDOUT:
                return BUS_ERROR_TIMEOUT;
        case ECONNREFUSED:
                return BUS_ERROR_SINK_REJECTED;
        case EINVAL:
        case ERANGE:
                return BUS_ERROR_INVALID_ARGUMENTS;
        case EEXIST:
                return BUS_ERROR_ALREADY_EXISTS;
        default:
                return BUS_ERROR_FAILED;
        }
}

int bus_error_set(sd_bus_error *e, int error, const char *fmt, ...)
{
        char msg[512];
        va_list ap;

        if (error >= 0)
                error = -EIO;
        errno = -error;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        (void) sd_bus_error_set(e, bus_error_name_from_errno(error), msg);
        return error;
}
