/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <string.h>
#include <systemd/sd-bus.h>

#include "../../dbus/bus_errors.h"
#include "../lib/test.h"

TEST(bus_errors_names, "/bus-errors/every errno class maps to its org.miracastd.Error name")
{
        assert_str_eq(bus_error_name_from_errno(-ENOSR), "org.miracastd.Error.InsufficientResources");
        assert_str_eq(bus_error_name_from_errno(-EACCES), "org.miracastd.Error.NotAuthorized");
        assert_str_eq(bus_error_name_from_errno(-EBUSY), "org.miracastd.Error.Busy");
        assert_str_eq(bus_error_name_from_errno(-EALREADY), "org.miracastd.Error.Busy");
        assert_str_eq(bus_error_name_from_errno(-ENOENT), "org.miracastd.Error.NotFound");
        assert_str_eq(bus_error_name_from_errno(-EHOSTUNREACH), "org.miracastd.Error.NotFound");
        assert_str_eq(bus_error_name_from_errno(-ETIMEDOUT), "org.miracastd.Error.Timeout");
        assert_str_eq(bus_error_name_from_errno(-ECONNREFUSED), "org.miracastd.Error.SinkRejected");
        assert_str_eq(bus_error_name_from_errno(-EINVAL), "org.miracastd.Error.InvalidArguments");
        assert_str_eq(bus_error_name_from_errno(-EEXIST), "org.miracastd.Error.AlreadyExists");
        assert_str_eq(bus_error_name_from_errno(-EIO), "org.miracastd.Error.Failed");
        assert_str_eq(bus_error_name_from_errno(-ENOTSUP), "org.miracastd.Error.Failed");
}

TEST(bus_errors_set, "/bus-errors/bus_error_set fills name and formatted message, returns the error")
{
        sd_bus_error e = SD_BUS_ERROR_NULL;

        assert_int_eq(bus_error_set(&e, -ETIMEDOUT, "sink %s: %m", "tv"), -ETIMEDOUT);
        assert_str_eq(e.name, "org.miracastd.Error.Timeout");
        assert_true(strstr(e.message, "sink tv: ") == e.message);
        assert_true(strstr(e.message, strerror(ETIMEDOUT)) != NULL);
        sd_bus_error_free(&e);

        /* A non-negative "error" is a caller bug; it still yields Failed rather than success. */
        assert_int_eq(bus_error_set(&e, 0, "odd"), -EIO);
        assert_str_eq(e.name, "org.miracastd.Error.Failed");
        sd_bus_error_free(&e);
}
