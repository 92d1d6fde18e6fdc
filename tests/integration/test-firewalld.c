/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * daemon/firewalld.c against a FAKE firewalld on a private dbus-daemon (no
 * firewalld runs here): the fake owns org.fedoraproject.FirewallD1 and
 * answers getZoneOfInterface, addRichRule and removeRichRule with
 * firewalld's signatures, recording each call. The client must put the rule
 * for one peer and port into the interface's zone, remove it when the hole
 * is freed, and say -EHOSTDOWN when no firewalld is on the bus.
 *
 * With FAKE_FIREWALLD_BUS=ADDRESS in the environment the binary only plays
 * the fake on that bus, printing each call on stdout, until SIGTERM
 * (tests/integration/mice-avahi.sh uses it for a whole MS-MICE cast).
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "../../daemon/firewalld.h"
#include "../../daemon/log.h"
#include "../lib/test-bus.h"
#include "../lib/test.h"

#define RULE_7236 "rule family=\"ipv4\" source address=\"10.1.2.3\" port port=\"7236\" protocol=\"tcp\" accept"

static sd_event *event;
static char address[512], tmpdir[64];
static pid_t bus_pid;
static sd_bus *fake_bus;
static char calls[4096];          /* "method(args)\n" per call the fake got */

struct outcome {
        bool done;
        int error;
        char why[256];
};

static void on_done(struct firewalld_hole *hole, int error, const char *why, void *userdata)
{
        struct outcome *o = userdata;

        o->done = true;
        o->error = error;
        snprintf(o->why, sizeof(o->why), "%s", why ?: "");
}

static bool run_until(bool (*cond)(void *), void *arg)
{
        for (int i = 0; i < 1000 && !cond(arg); i++)
                (void) sd_event_run(event, 10 * 1000);
        return cond(arg);
}

static bool outcome_done(void *arg)
{
        return ((struct outcome *) arg)->done;
}

static bool call_seen(void *arg)
{
        return strstr(calls, arg) != NULL;
}

static void record(const char *method, const char *a, const char *b)
{
        size_t n = strlen(calls);
        snprintf(calls + n, sizeof(calls) - n, "%s(%s%s%s)\n", method, a, b ? ", " : "", b ?: "");
}

static int fake_get_zone(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        const char *ifname;

        if (sd_bus_message_read(m, "s", &ifname) < 0)
                return -EINVAL;
        record("getZoneOfInterface", ifname, NULL);
        return sd_bus_reply_method_return(m, "s", strcmp(ifname, "eth7") == 0 ? "home" : "");
}

static int fake_add(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        const char *zone, *rule;
        int32_t timeout;

        if (sd_bus_message_read(m, "ssi", &zone, &rule, &timeout) < 0)
                return -EINVAL;
        record("addRichRule", zone, rule);
        if (strstr(rule, "10.6.6.6"))
                return sd_bus_error_set(error, "org.fedoraproject.FirewallD1.Exception", "INVALID_RULE: test refusal");
        return sd_bus_reply_method_return(m, "s", *zone ? zone : "public");
}

static int fake_remove(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        const char *zone, *rule;

        if (sd_bus_message_read(m, "ss", &zone, &rule) < 0)
                return -EINVAL;
        record("removeRichRule", zone, rule);
        return sd_bus_reply_method_return(m, "s", zone);
}

static const sd_bus_vtable fake_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("getZoneOfInterface", "s", "s", fake_get_zone, 0),
        SD_BUS_METHOD("addRichRule", "ssi", "s", fake_add, 0),
        SD_BUS_METHOD("removeRichRule", "ss", "s", fake_remove, 0),
        SD_BUS_VTABLE_END
};

static int fake_start(void)
{
        return test_bus_serve(event, address, "/org/fedoraproject/FirewallD1", "org.fedoraproject.FirewallD1.zone",
                              fake_vtable, NULL, "org.fedoraproject.FirewallD1", &fake_bus);
}

/* The calls not printed yet, one a line (the shell test reads them). */
static void fake_print_calls(void)
{
        static size_t printed;
        size_t n = strlen(calls);

        if (n > printed) {
                fputs(calls + printed, stdout);
                fflush(stdout);
        }
        printed = n;
        if (n > sizeof(calls) / 2) {
                calls[0] = '\0';
                printed = 0;
        }
}

/* The fake alone, for the shell test; runs before the test runner's main(). */
__attribute__((constructor)) static void fake_firewalld_serve(void)
{
        const char *addr = getenv("FAKE_FIREWALLD_BUS");

        if (!addr)
                return;
        snprintf(address, sizeof(address), "%s", addr);
        test_fake_serve_alone("firewalld", &event, fake_start, fake_print_calls);
}

static void teardown(void)
{
        test_fake_env_stop(&fake_bus, bus_pid, tmpdir);
}

static void setup(void)
{
        if (event)
                return;
        atexit(teardown);
        log_set_max_level(getenv("TEST_DEBUG") ? LOG_DEBUG : LOG_WARNING);
        assert_int_ge(test_fake_env_start("test-firewalld", tmpdir, sizeof(tmpdir), address, sizeof(address), &bus_pid,
                                          &event), 0);
}

static void start_fake(void)
{
        assert_int_eq(fake_start(), 0);
}

TEST(absent, "/firewalld/no firewalld on the bus -> -EHOSTDOWN, nothing started")
{
        struct firewalld *f = NULL;
        struct firewalld_hole *h = NULL;
        struct outcome o = {};

        setup();
        assert_int_eq(firewalld_new(event, address, &f), 0);
        assert_int_eq(firewalld_open(f, "eth7", "10.1.2.3", 7236, on_done, &o, &h), 0);
        assert_true(run_until(outcome_done, &o));
        assert_int_eq(o.error, -EHOSTDOWN);
        h = firewalld_hole_free(h);
        f = firewalld_free(f);
}

TEST(open_close, "/firewalld/open puts the peer's rule into the interface's zone; freeing removes it")
{
        struct firewalld *f = NULL;
        struct firewalld_hole *h = NULL;
        struct outcome o = {};

        setup();
        if (!fake_bus)
                start_fake();
        calls[0] = '\0';
        assert_int_eq(firewalld_new(event, address, &f), 0);
        assert_int_eq(firewalld_open(f, "eth7", "10.1.2.3", 7236, on_done, &o, &h), 0);
        assert_true(run_until(outcome_done, &o));
        assert_int_eq(o.error, 0);
        assert_str_eq(o.why, "home");
        assert_true(call_seen("getZoneOfInterface(eth7)\naddRichRule(home, " RULE_7236 ")\n"));
        assert_false(call_seen("removeRichRule"));
        h = firewalld_hole_free(h);
        assert_true(run_until(call_seen, "removeRichRule(home, " RULE_7236 ")\n"));

        /* An interface in no zone: the default zone (firewalld picks it for ""). */
        o = (struct outcome) {};
        assert_int_eq(firewalld_open(f, "eth9", "10.1.2.3", 7236, on_done, &o, &h), 0);
        assert_true(run_until(outcome_done, &o));
        assert_int_eq(o.error, 0);
        assert_str_eq(o.why, "public");
        assert_true(call_seen("addRichRule(, " RULE_7236 ")\n"));
        h = firewalld_hole_free(h);
        assert_true(run_until(call_seen, "removeRichRule(public, " RULE_7236 ")\n"));
        f = firewalld_free(f);
}

TEST(refused, "/firewalld/firewalld refusing the rule -> an error with its message; nothing to remove")
{
        struct firewalld *f = NULL;
        struct firewalld_hole *h = NULL;
        struct outcome o = {};

        setup();
        if (!fake_bus)
                start_fake();
        calls[0] = '\0';
        assert_int_eq(firewalld_new(event, address, &f), 0);
        assert_int_eq(firewalld_open(f, "eth7", "10.6.6.6", 7236, on_done, &o, &h), 0);
        assert_true(run_until(outcome_done, &o));
        assert_true(o.error < 0 && o.error != -EHOSTDOWN);
        assert_true(strstr(o.why, "INVALID_RULE") != NULL);
        h = firewalld_hole_free(h);
        for (int i = 0; i < 20; i++)
                (void) sd_event_run(event, 10 * 1000);
        assert_false(call_seen("removeRichRule"));
        assert_int_eq(firewalld_open(f, "eth7", "10.1.2.3\" accept rule family=\"ipv4", 7236, on_done, &o, &h),
                      -EINVAL);
        /* A scope has no place in a rich rule: the caller passes the bare address. */
        assert_int_eq(firewalld_open(f, "eth7", "fe80::2%eth7", 7236, on_done, &o, &h), -EINVAL);
        f = firewalld_free(f);
}

TEST(ipv6, "/firewalld/an IPv6 peer (a link-local MS-MICE sink) gets an ipv6 rule")
{
        static const char rule[] =
                "rule family=\"ipv6\" source address=\"fe80::2\" port port=\"7236\" protocol=\"tcp\" accept";
        struct firewalld *f = NULL;
        struct firewalld_hole *h = NULL;
        struct outcome o = {};
        char want[256];

        setup();
        if (!fake_bus)
                start_fake();
        calls[0] = '\0';
        assert_int_eq(firewalld_new(event, address, &f), 0);
        assert_int_eq(firewalld_open(f, "eth7", "fe80::2", 7236, on_done, &o, &h), 0);
        assert_true(run_until(outcome_done, &o));
        assert_int_eq(o.error, 0);
        snprintf(want, sizeof(want), "addRichRule(home, %s)\n", rule);
        assert_true(call_seen(want));
        h = firewalld_hole_free(h);
        snprintf(want, sizeof(want), "removeRichRule(home, %s)\n", rule);
        assert_true(run_until(call_seen, want));
        f = firewalld_free(f);
}
