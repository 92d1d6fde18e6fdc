/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * desktop/app/cast-errors.c: every error the daemon documents gets its own
 * plain sentence, the daemon's text wins where it names the cause
 * (NetworkManager, a firewall, no Wi-Fi Direct), unknown errors get the
 * generic text. Pure C, so it is compiled into this test directly.
 */
#include <string.h>

#include "../../desktop/app/cast-errors.c"
#include "../lib/test.h"

static const char *what(const char *name, const char *message)
{
        return cast_error_explain(name, message).what;
}

TEST(names, "/cast-errors/each documented error name has its own sentence") {
        static const char *const names[] = {
                BUS_ERROR_NOT_AUTHORIZED, BUS_ERROR_SINK_REJECTED, BUS_ERROR_INSUFFICIENT_RESOURCES,
                BUS_ERROR_TIMEOUT,        BUS_ERROR_NOT_FOUND,     BUS_ERROR_BUSY,
                BUS_ERROR_INVALID_ARGUMENTS,
        };
        const char *generic = what("org.example.Unknown", "whatever");

        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
                assert_true(strcmp(what(names[i], "x"), generic) != 0);
                for (size_t j = 0; j < i; j++)
                        assert_true(strcmp(what(names[i], "x"), what(names[j], "x")) != 0);
                assert_true(strlen(cast_error_explain(names[i], NULL).next) > 10);
        }
        assert_str_eq(what(BUS_ERROR_SINK_REJECTED, NULL), "The display refused the connection.");
}

TEST(message, "/cast-errors/the daemon's text names NetworkManager, a firewall or no Wi-Fi Direct") {
        assert_true(strstr(what(BUS_ERROR_FAILED, "NetworkManager refused the P2P connection: x"), "NetworkManager"));
        assert_true(strstr(what(BUS_ERROR_TIMEOUT, "still waiting (check a firewall on the group interface)"),
                           "firewall"));
        assert_str_eq(what(BUS_ERROR_FAILED, "No P2P backend: Wi-Fi Direct discovery is not available"),
                      cast_error_no_backend().what);
        /* Timeout without a firewall hint stays a timeout */
        assert_str_eq(what(BUS_ERROR_TIMEOUT, "group formation timed out"), "The display did not answer in time.");
}

TEST(unknown, "/cast-errors/unknown or missing names get the generic text, never NULL") {
        assert_str_eq(what(NULL, NULL), "Casting failed.");
        assert_str_eq(what("", ""), "Casting failed.");
        assert_non_null(cast_error_explain(NULL, NULL).next);
}
