/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * daemon/resolved.c against a FAKE systemd-resolved on a private dbus-daemon
 * (none runs here): the fake owns org.freedesktop.resolve1 and answers
 * Manager.ResolveService with resolved's signature. The resolver must report
 * each address of a named instance as a record (interface, IP version) with
 * port and TXT, report records lost when the instance stops resolving or
 * loses an address, keep what it found while resolved is absent, and stop
 * asking when stopped.
 *
 * With FAKE_RESOLVED_BUS=ADDRESS and FAKE_RESOLVED_RECORD="NAME|ADDRESS|IFNAME|TXT"
 * in the environment the binary only plays the fake on that bus (one
 * instance, port 7250), until SIGTERM (tests/integration/mice-avahi.sh).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "../../daemon/log.h"
#include "../../protocol/macro.h"
#include "../../daemon/resolved.h"
#include "../lib/test-bus.h"
#include "../lib/test.h"

static sd_event *event;
static char address[512], tmpdir[64];
static pid_t bus_pid;
static sd_bus *fake_bus;

/* What the fake answers: one instance with up to two addresses. */
static struct {
        char name[64];
        unsigned n_addrs;
        int ifindex[2], family[2];
        uint8_t addr[2][16];
        char txt[128];
        unsigned calls;
        char asked[64];                  /* the last name asked for */
} fake;

static int fake_resolve_service(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *name, *type, *domain;
        int32_t ifindex, family;
        uint64_t flags;
        int r;

        if (sd_bus_message_read(m, "isssit", &ifindex, &name, &type, &domain, &family, &flags) < 0)
                return -EINVAL;
        fake.calls++;
        snprintf(fake.asked, sizeof(fake.asked), "%s", name);
        if (strcmp(name, fake.name) != 0 || fake.n_addrs == 0 || strcmp(type, "_display._tcp") != 0 ||
            strcmp(domain, "local") != 0)
                return sd_bus_error_setf(error, "org.freedesktop.resolve1.NoSuchService",
                                         "'%s' does not have any RR of the requested type", name);
        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(qqqsa(iiay)s)");
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'r', "qqqsa(iiay)s");
        if (r >= 0)
                r = sd_bus_message_append(reply, "qqqs", 0, 0, 7250, "sink.local");
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(iiay)");
        for (unsigned i = 0; r >= 0 && i < fake.n_addrs; i++) {
                r = sd_bus_message_open_container(reply, 'r', "iiay");
                if (r >= 0)
                        r = sd_bus_message_append(reply, "ii", fake.ifindex[i], fake.family[i]);
                if (r >= 0)
                        r = sd_bus_message_append_array(reply, 'y', fake.addr[i], fake.family[i] == AF_INET ? 4 : 16);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_message_append(reply, "s", "sink.local");
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "ay");
        if (r >= 0)
                r = sd_bus_message_append_array(reply, 'y', fake.txt, strlen(fake.txt));
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_message_append(reply, "ssst", name, type, domain, (uint64_t) 0);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static const sd_bus_vtable fake_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("ResolveService", "isssit", "a(qqqsa(iiay)s)aayssst", fake_resolve_service, 0),
        SD_BUS_VTABLE_END
};

static int fake_start(void)
{
        return test_bus_serve(event, address, "/org/freedesktop/resolve1", "org.freedesktop.resolve1.Manager",
                              fake_vtable, NULL, "org.freedesktop.resolve1", &fake_bus);
}

static void fake_set_addr(unsigned i, int ifindex, const char *a)
{
        fake.ifindex[i] = ifindex;
        fake.family[i] = strchr(a, ':') ? AF_INET6 : AF_INET;
        if (inet_pton(fake.family[i], a, fake.addr[i]) != 1)
                abort();
}

/* The last call, when one came since the last look (the shell test reads it). */
static void fake_print_call(void)
{
        static unsigned printed;

        if (fake.calls != printed) {
                printf("ResolveService(%s)\n", fake.asked);
                fflush(stdout);
                printed = fake.calls;
        }
}

/* The fake alone, for the shell test; runs before the test runner's main(). */
__attribute__((constructor)) static void fake_resolved_serve(void)
{
        const char *addr = getenv("FAKE_RESOLVED_BUS"), *rec = getenv("FAKE_RESOLVED_RECORD");
        char buf[512], *f[4] = {};

        if (!addr)
                return;
        snprintf(buf, sizeof(buf), "%s", rec ?: "");
        f[0] = buf;
        for (int i = 1; i < 4 && f[i - 1]; i++) {
                f[i] = strchr(f[i - 1], '|');
                if (f[i])
                        *f[i]++ = '\0';
        }
        if (!f[3] || !if_nametoindex(f[2]) || strlen(f[0]) >= sizeof(fake.name)) {
                fprintf(stderr, "fake resolved: FAKE_RESOLVED_RECORD wants NAME|ADDRESS|IFNAME|TXT (NAME under %zu bytes)\n",
                        sizeof(fake.name));
                exit(1);
        }
        memcpy(fake.name, f[0], strlen(f[0]) + 1);
        fake_set_addr(0, (int) if_nametoindex(f[2]), f[1]);
        fake.n_addrs = 1;
        snprintf(fake.txt, sizeof(fake.txt), "%s", f[3]);
        snprintf(address, sizeof(address), "%s", addr);
        test_fake_serve_alone("resolved", &event, fake_start, fake_print_call);
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
        assert_int_ge(test_fake_env_start("test-resolved", tmpdir, sizeof(tmpdir), address, sizeof(address), &bus_pid,
                                          &event), 0);
}

/* What the resolver reported. */
struct seen {
        unsigned found, lost, browsing_on, browsing_off;
        char last[512];
        char lost_last[128];
};

static void on_found(void *userdata, const struct dnssd_service *s)
{
        struct seen *w = userdata;

        w->found++;
        snprintf(w->last, sizeof(w->last), "%s if=%d family=%s addr=%s port=%u host=%s container_id=%s", s->name,
                 s->ifindex, s->family == AF_INET6 ? "6" : "4", s->address, s->port, s->host,
                 s->txt->has_container_id ? s->txt->container_id : "-");
}

static void on_lost(void *userdata, const char *name, int ifindex, int family)
{
        struct seen *w = userdata;

        w->lost++;
        snprintf(w->lost_last, sizeof(w->lost_last), "%s if=%d family=%s", name, ifindex,
                 family == AF_INET6 ? "6" : "4");
}

static void on_browsing(void *userdata, bool on)
{
        struct seen *w = userdata;

        if (on)
                w->browsing_on++;
        else
                w->browsing_off++;
}

static void run_for_usec(uint64_t usec)
{
        for (uint64_t i = 0; i < usec / 10000; i++)
                (void) sd_event_run(event, 10 * 1000);
}

/* Up to 2 s until *counter reaches n (the first round also sets up the bus connection). */
static bool run_until_count(const unsigned *counter, unsigned n)
{
        for (int i = 0; i < 200 && *counter < n; i++)
                (void) sd_event_run(event, 10 * 1000);
        return *counter >= n;
}

static struct resolved_resolver *resolver_new(struct seen *w, const char *const *names, size_t n)
{
        struct resolved_resolver *r = NULL;

        assert_int_eq(resolved_resolver_new(event, address, "_display._tcp", names, n, 100 * 1000,
                                            &(struct dnssd_owner) {
                                                    .service_found = on_found,
                                                    .service_lost = on_lost,
                                                    .browsing_changed = on_browsing,
                                                    .userdata = w,
                                            },
                                            &r),
                      0);
        return r;
}

TEST(absent, "/resolved/no systemd-resolved on the bus: nothing found, nothing lost, no busy loop")
{
        static const char *const names[] = { "Living Room" };
        struct resolved_resolver *r;
        struct seen w = {};

        setup();
        r = resolver_new(&w, names, 1);
        assert_int_eq(resolved_resolver_start(r), 0);
        assert_int_eq(w.browsing_on, 1);
        run_for_usec(300 * 1000);
        assert_int_eq(w.found, 0);
        assert_int_eq(w.lost, 0);
        resolved_resolver_stop(r);
        assert_int_eq(w.browsing_off, 1);
        r = resolved_resolver_free(r);
}

TEST(found_lost, "/resolved/a named instance: each address a record; losing one, then all, reports them lost")
{
        static const char *const names[] = { "Living Room", "Kitchen" };
        struct resolved_resolver *r;
        struct seen w = {};
        unsigned calls;

        setup();
        if (!fake_bus)
                assert_int_ge(fake_start(), 0);
        snprintf(fake.name, sizeof(fake.name), "Living Room");
        fake_set_addr(0, 3, "192.168.1.20");
        fake_set_addr(1, 3, "fe80::20");
        fake.n_addrs = 2;
        snprintf(fake.txt, sizeof(fake.txt), "container_id={11111111-2222-3333-4444-555555555555}");

        r = resolver_new(&w, names, 2);
        assert_int_eq(resolved_resolver_start(r), 0);
        assert_int_eq(resolved_resolver_start(r), 0);     /* idempotent */
        assert_int_eq(w.browsing_on, 1);
        assert_true(run_until_count(&w.found, 2));
        assert_str_eq(w.last, "Living Room if=3 family=6 addr=fe80::20 port=7250 host=sink.local "
                              "container_id=11111111-2222-3333-4444-555555555555");
        assert_int_eq(w.lost, 0);                         /* "Kitchen" never resolved: nothing to lose */

        /* Every round re-reports (found again, with possibly new data). */
        run_for_usec(150 * 1000);
        assert_true(w.found >= 4);

        /* The IPv6 address goes: that record is lost, the IPv4 one stays. */
        fake.n_addrs = 1;
        assert_true(run_until_count(&w.lost, 1));
        run_for_usec(150 * 1000);
        assert_int_eq(w.lost, 1);
        assert_str_eq(w.lost_last, "Living Room if=3 family=6");
        /* The instance goes: the rest is lost, once. */
        fake.n_addrs = 0;
        assert_true(run_until_count(&w.lost, 2));
        run_for_usec(250 * 1000);
        assert_int_eq(w.lost, 2);
        assert_str_eq(w.lost_last, "Living Room if=3 family=4");

        /* Stopped: no more questions (those already sent still arrive). */
        resolved_resolver_stop(r);
        run_for_usec(100 * 1000);
        calls = fake.calls;
        run_for_usec(250 * 1000);
        assert_int_eq(fake.calls, calls);
        r = resolved_resolver_free(r);
}

TEST(limits, "/resolved/bad arguments and too many names are refused; no names: start does nothing")
{
        static const char *const empty[] = { "" };
        const char *many[RESOLVED_MAX_NAMES + 1];
        struct resolved_resolver *r = NULL;
        struct seen w = {};
        struct dnssd_owner o = { .userdata = &w, .browsing_changed = on_browsing };

        setup();
        for (size_t i = 0; i <= RESOLVED_MAX_NAMES; i++)
                many[i] = "x";
        assert_int_eq(resolved_resolver_new(event, address, "_display._tcp", many, RESOLVED_MAX_NAMES + 1, 0, &o, &r),
                      -E2BIG);
        assert_int_eq(resolved_resolver_new(event, address, "_display._tcp", empty, 1, 0, &o, &r), -EINVAL);
        assert_int_eq(resolved_resolver_new(event, address, "_display._tcp", NULL, 0, 0, &o, &r), 0);
        assert_int_eq(resolved_resolver_start(r), 0);
        assert_int_eq(w.browsing_on, 0);
        r = resolved_resolver_free(r);
}
