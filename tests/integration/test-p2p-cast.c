/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Whole-product Wi-Fi Direct path without a radio: the real miracastd on a
 * private dbus-daemon, driven by the real miracastctl, its wpas backend
 * talking to a FAKE wpa_supplicant control socket (tests/lib/fake-wpas.h,
 * replaying VM-recorded events; P2P needs a radio), the group netdev a real
 * veth pair whose far end lives in a second network namespace where the real
 * C test sink connects to the address the daemon armed its listener on.
 *
 *   miracastctl scan  -> StartDiscovery -> P2P_FIND; DEVICE-FOUND -> Sink1 listed
 *   miracastctl cast  -> Sink1.Cast -> P2P_CONNECT; GROUP-STARTED (client,
 *                        handshake IP) -> listener on 192.168.49.200:7236 only for
 *                        192.168.49.1 -> test sink plays -> cast returns
 *   session ends      -> P2P_GROUP_REMOVE
 *   cast --wait, Ctrl-C while playing -> the session stops, the group goes
 *   second cast, P2P-GROUP-REMOVED mid-session -> the session ends, its
 *                        EndReason names wpa_supplicant's reason
 *   SIGTERM mid-session -> TEARDOWN, the group goes, the daemon exits 0 (last:
 *                        it ends the daemon)
 *
 * Runs as root (CI does).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include "../lib/daemon-rig.h"
#include "../lib/fake-wpas.h"
#include "../lib/netns-util.h"
#include "../lib/test.h"

#define SINK "42:00:00:00:01:00"
#define GROUP_IF "p2p-e2e0"
#define EV_FOUND "<3>P2P-DEVICE-FOUND " SINK " p2p_dev_addr=" SINK " pri_dev_type=7-0050F204-1 name='e2e-tv' " \
                 "config_methods=0x188 dev_capab=0x25 group_capab=0x0 wfd_dev_info=0x00111c440032 new=1"
#define EV_STARTED "<3>P2P-GROUP-STARTED " GROUP_IF " client ssid=\"DIRECT-e2\" freq=2437 psk=00 go_dev_addr=" SINK \
                   " ip_addr=192.168.49.200 ip_mask=255.255.255.0 go_ip_addr=192.168.49.1"

static struct rig rig;
static sd_event *ev;          /* rig.ev and rig.fw, under the names the cases use */
static struct fake_wpas *fw;
static bool ready;

#define RUN_UNTIL(cond) RIG_RUN_UNTIL(&rig, cond, 60)

static bool file_has(const char *path, const char *what)
{
        char *text = NULL;
        bool found;

        if (test_read_file(path, &text) < 0)
                return false;
        found = strstr(text, what) != NULL;
        free(text);
        return found;
}

static void setup(void)
{
        static bool tried;

        if (ready)
                return;
        assert_false(tried); /* a failed set-up is reported once, not retried */
        tried = true;
        rig_setup(&rig, "/tmp/mcd-cast-XXXXXX");
        ev = rig.ev;
        fw = rig.fw;
        assert_int_eq(netns_test_setup("mcd-cast", GROUP_IF, "p2p-e2e0p"), 0);
        assert_int_eq(netns_sh("ip -n %s addr add 192.168.49.1/24 dev p2p-e2e0p", netns_name), 0);
        rig_daemon_start(&rig, "e2e-source", "max-resolution = 640x480\np2p-link-poll-seconds = 1\n");
        ready = true;
}

static char ctl_bin[300], sink_bin[300];

static void bins(void)
{
        const char *build = getenv("MIRACAST_BUILD");
        snprintf(ctl_bin, sizeof(ctl_bin), "%s/miracastctl", build ? build : "build");
        snprintf(sink_bin, sizeof(sink_bin), "%s/miracast-test-sink", build ? build : "build");
}

TEST(scan, "/p2p/cast/miracastctl scan: discovery reaches wpa_supplicant, the sink is listed with its properties") {
        struct rig_child scan;
        char *out;

        setup();
        bins();
        char *argv[] = { ctl_bin, "scan", "--timeout", "4", NULL };
        rig_child_start(&rig, &scan, "scan", argv);
        assert_true(RUN_UNTIL(fake_wpas_has(fw, "P2P_FIND 30")));
        fake_wpas_event(fw, EV_FOUND);
        assert_true(RUN_UNTIL(scan.done));
        out = rig_child_output(&scan);
        if (scan.status != 0 || !strstr(out, "e2e-tv") || !strstr(out, SINK)) {
                fprintf(stderr, "--- scan output:\n%s\n", out);
                rig_dump_log(&rig);
        }
        assert_int_eq(scan.status, 0);
        assert_true(strstr(out, "e2e-tv") != NULL);
        assert_true(strstr(out, SINK) != NULL);
        free(out);
        rig_child_reap(&scan);
}

static unsigned count(const char *text, const char *what)
{
        unsigned n = 0;
        for (const char *p = strstr(text, what); p; p = strstr(p + 1, what))
                n++;
        return n;
}

TEST(scan_once, "/p2p/cast/miracastctl scan lists a sink once, with its latest name, after it was lost and found again") {
        struct rig_child scan;
        char *out;

        setup();
        bins();
        fake_wpas_clear_cmds(fw);
        char *argv[] = { ctl_bin, "scan", "--timeout", "4", NULL };
        rig_child_start(&rig, &scan, "scan-once", argv);
        /* the events come once the scan listens and has listed what was known */
        assert_true(RUN_UNTIL(fake_wpas_has(fw, "P2P_FIND 30") && rig_child_says(&scan, "Discovering Miracast sinks")));
        fake_wpas_event(fw, "<3>P2P-DEVICE-FOUND 42:00:00:00:02:00 p2p_dev_addr=42:00:00:00:02:00 "
                            "pri_dev_type=7-0050F204-1 name='old-name' config_methods=0x188 dev_capab=0x25 "
                            "group_capab=0x0 wfd_dev_info=0x00111c440032 new=1");
        fake_wpas_event(fw, "<3>P2P-DEVICE-LOST p2p_dev_addr=42:00:00:00:02:00");
        fake_wpas_event(fw, "<3>P2P-DEVICE-FOUND 42:00:00:00:02:00 p2p_dev_addr=42:00:00:00:02:00 "
                            "pri_dev_type=7-0050F204-1 name='mid-name' config_methods=0x188 dev_capab=0x25 "
                            "group_capab=0x0 wfd_dev_info=0x00111c440032 new=1");
        fake_wpas_event(fw, "<3>P2P-DEVICE-FOUND 42:00:00:00:02:00 p2p_dev_addr=42:00:00:00:02:00 "
                            "pri_dev_type=7-0050F204-1 name='new-name' config_methods=0x188 dev_capab=0x25 "
                            "group_capab=0x0 wfd_dev_info=0x00111c440032 new=0");
        assert_true(RUN_UNTIL(scan.done));
        out = rig_child_output(&scan);
        if (scan.status != 0 || count(out, "42:00:00:00:02:00 ") != 1 || !strstr(out, "new-name") ||
            count(out, "Found old-name (42:00:00:00:02:00)") != 1) {
                fprintf(stderr, "--- scan output:\n%s\n", out);
                rig_dump_log(&rig);
        }
        assert_int_eq(scan.status, 0);
        /* one table line for it (the "Found" progress line names it in parentheses) */
        assert_int_eq(count(out, "42:00:00:00:02:00 "), 1);
        assert_int_eq(count(out, "Found old-name (42:00:00:00:02:00)"), 1);
        /* the table line carries the latest name */
        const char *line = strstr(out, "42:00:00:00:02:00 ");
        assert_non_null(line);
        assert_true(strncmp(line + 18, "new-name", 8) == 0);
        free(out);
        rig_child_reap(&scan);
}

TEST(cast, "/p2p/cast/miracastctl cast: P2P_CONNECT, group up, the sink plays over the group, group removed at the end") {
        struct rig_child cast, sink;
        char *out;

        setup();
        bins();
        fake_wpas_event(fw, EV_FOUND);
        fake_wpas_clear_cmds(fw);
        char *argv[] = { ctl_bin, "cast", SINK, "--timeout", "60", NULL };
        rig_child_start(&rig, &cast, "cast", argv);
        assert_true(RUN_UNTIL(fake_wpas_has(fw, "P2P_CONNECT " SINK " pbc go_intent=7") || cast.done));
        if (cast.done) {
                out = rig_child_output(&cast);
                fprintf(stderr, "--- cast output:\n%s\n", out);
                free(out);
                rig_dump_log(&rig);
        }
        assert_false(cast.done);
        fake_wpas_event(fw, "<3>P2P-GO-NEG-SUCCESS role=client freq=2437 ht40=0 peer_dev=" SINK
                            " peer_iface=46:00:00:00:01:00 wps_method=PBC");
        fake_wpas_event(fw, "<3>P2P-GROUP-FORMATION-SUCCESS");
        fake_wpas_event(fw, EV_STARTED);

        char *sargv[] = { "ip", "netns", "exec", netns_name, sink_bin, "--connect", "192.168.49.200:7236",
                          "--profile", "small", "--duration", "3", "--timeout", "30", NULL };
        rig_child_start(&rig, &sink, "sink", sargv);
        assert_true(RUN_UNTIL(cast.done && sink.done));
        out = rig_child_output(&cast);
        char *sout = rig_child_output(&sink);
        if (cast.status != 0 || sink.status != 0) {
                fprintf(stderr, "--- cast output:\n%s\n--- sink output:\n%s\n", out, sout);
                rig_dump_log(&rig);
        }
        assert_int_eq(cast.status, 0);
        assert_int_eq(sink.status, 0);
        assert_true(strstr(sout, "result=ok") != NULL);
        free(out);
        free(sout);
        /* the sink tore the session down: the group goes */
        assert_true(RUN_UNTIL(fake_wpas_has(fw, "P2P_GROUP_REMOVE " GROUP_IF)));
        fake_wpas_event(fw, "<3>P2P-GROUP-REMOVED " GROUP_IF " client reason=REQUESTED");
        rig_child_reap(&cast);
        rig_child_reap(&sink);
}

TEST(cast_output, "/p2p/cast/miracastctl cast --output CONNECTOR, as --help shows it: looked up, a missing one is named") {
        struct rig_child cast;
        char *out;

        setup();
        bins();
        fake_wpas_event(fw, EV_FOUND);
        fake_wpas_clear_cmds(fw);
        /* No machine has a DP-99: exit 5 (not found) with the name, before any radio work. It used to be
         * refused as malformed (exit 2), though --help and miracastctl(1) show this form. */
        char *argv[] = { ctl_bin, "cast", SINK, "--output", "DP-99", "--timeout", "20", NULL };
        rig_child_start(&rig, &cast, "cast-output", argv);
        assert_true(RUN_UNTIL(cast.done));
        out = rig_child_output(&cast);
        if (cast.status != 5 || !strstr(out, "no output named DP-99"))
                fprintf(stderr, "--- cast output (exit %d):\n%s\n", cast.status, out);
        assert_int_eq(cast.status, 5);
        assert_true(strstr(out, "no output named DP-99") != NULL);
        assert_false(fake_wpas_has(fw, "P2P_CONNECT"));
        free(out);
        rig_child_reap(&cast);
}

TEST(group_lost, "/p2p/cast/the group disappears mid-session: the session ends with a reason") {
        struct rig_child cast, sink, status;
        char *out;

        setup();
        bins();
        fake_wpas_event(fw, EV_FOUND);
        fake_wpas_clear_cmds(fw);
        char *argv[] = { ctl_bin, "cast", SINK, "--wait", "--timeout", "60", NULL };
        rig_child_start(&rig, &cast, "cast2", argv);
        assert_true(RUN_UNTIL(fake_wpas_has(fw, "P2P_CONNECT " SINK " pbc go_intent=7")));
        fake_wpas_event(fw, EV_STARTED);
        char *sargv[] = { "ip", "netns", "exec", netns_name, sink_bin, "--connect", "192.168.49.200:7236",
                          "--profile", "small", "--duration", "0", "--timeout", "30", "--min-frames", "0", NULL };
        rig_child_start(&rig, &sink, "sink2", sargv);
        /* wait until playing */
        bool playing = false;
        for (int i = 0; i < 60 && !playing; i++) {
                char *sa[] = { ctl_bin, "sessions", NULL };
                rig_child_start(&rig, &status, "sessions", sa);
                assert_true(RUN_UNTIL(status.done));
                out = rig_child_output(&status);
                playing = strstr(out, "playing") != NULL;
                free(out);
                rig_child_reap(&status);
                if (!playing)
                        rig_run_for_ms(&rig, 500);
        }
        if (!playing)
                rig_dump_log(&rig);
        assert_true(playing);
        fake_wpas_clear_cmds(fw);
        fake_wpas_event(fw, "<3>P2P-GROUP-REMOVED " GROUP_IF " client reason=GO_ENDING_SESSION");
        /* the daemon ends the session with the reason (its log is the only place that keeps it once the
         * session object is gone) */
        assert_true(RUN_UNTIL(rig_log_has(&rig, "P2P: ending session") &&
                              rig_log_has(&rig, "the P2P group was removed (GO_ENDING_SESSION)")));
        /* Session1.EndReason carries the P2P layer's reason (miracastctl cast --wait prints it when the
         * session ends), not just the errno's text */
        assert_true(RUN_UNTIL(cast.done));
        out = rig_child_output(&cast);
        if (!strstr(out, "Session ended: the P2P group was removed (GO_ENDING_SESSION)"))
                fprintf(stderr, "--- cast output:\n%s\n", out);
        assert_true(strstr(out, "Session ended: the P2P group was removed (GO_ENDING_SESSION)") != NULL);
        free(out);
        /* the group is already gone: nothing to remove, and our address went with it */
        rig_run_for_ms(&rig, 300);
        assert_false(fake_wpas_has(fw, "P2P_GROUP_REMOVE " GROUP_IF));
        assert_int_ne(netns_sh("ip -4 addr show dev " GROUP_IF " | grep -q 192.168.49.200"), 0);
        rig_child_reap(&cast);
        rig_child_reap(&sink);
}

/* A u property of a session over our own client connection, or -1. */
static int64_t session_u(sd_bus *bus, const char *path, const char *prop)
{
        sd_bus_error e = SD_BUS_ERROR_NULL;
        uint32_t v = 0;
        int r = sd_bus_get_property_trivial(bus, "org.miracastd", path, "org.miracastd.Session1", prop, &e, 'u', &v);
        sd_bus_error_free(&e);
        return r < 0 ? -1 : (int64_t) v;
}

/* Session1.Statistics "link-rate-bps", or -1. */
static int64_t session_link_rate(sd_bus *bus, const char *path)
{
        sd_bus_error e = SD_BUS_ERROR_NULL;
        sd_bus_message *m = NULL;
        int64_t ret = -1;
        const char *key;

        if (sd_bus_get_property(bus, "org.miracastd", path, "org.miracastd.Session1", "Statistics", &e, &m, "a{sv}") < 0)
                goto out;
        if (sd_bus_message_enter_container(m, 'a', "{sv}") < 0)
                goto out;
        while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
                uint64_t v;
                if (sd_bus_message_read(m, "s", &key) < 0)
                        goto out;
                if (strcmp(key, "link-rate-bps") == 0) {
                        if (sd_bus_message_read(m, "v", "t", &v) >= 0)
                                ret = (int64_t) v;
                        goto out;
                }
                if (sd_bus_message_skip(m, "v") < 0 || sd_bus_message_exit_container(m) < 0)
                        goto out;
        }
out:
        sd_bus_message_unref(m);
        sd_bus_error_free(&e);
        return ret;
}

TEST(link_adapt, "/p2p/cast/the link rate is polled during the session; the bit rate follows it down and back up") {
        struct rig_child cast, sink;
        struct fake_wpas *g = NULL;
        sd_bus *bus = NULL;
        char path[300], session[128] = "";
        char *out, *p;
        int64_t negotiated;

        setup();
        bins();
        /* the group netdev's control socket: SIGNAL_POLL answers LINKSPEED (Mbit/s) */
        snprintf(path, sizeof(path), "%s/" GROUP_IF, rig.dir);
        assert_int_eq(fake_wpas_new(ev, path, &g), 0);
        fake_wpas_set_reply(g, "SIGNAL_POLL", "RSSI=-40\nLINKSPEED=144\nNOISE=9999\nFREQUENCY=2437\n");
        fake_wpas_event(fw, EV_FOUND);
        fake_wpas_clear_cmds(fw);
        char *argv[] = { ctl_bin, "cast", SINK, "--timeout", "60", NULL };
        rig_child_start(&rig, &cast, "cast-link", argv);
        assert_true(RUN_UNTIL(fake_wpas_has(fw, "P2P_CONNECT " SINK " pbc go_intent=7")));
        fake_wpas_event(fw, EV_STARTED);
        char *sargv[] = { "ip", "netns", "exec", netns_name, sink_bin, "--connect", "192.168.49.200:7236",
                          "--profile", "small", "--duration", "0", "--timeout", "30", "--min-frames", "0", NULL };
        rig_child_start(&rig, &sink, "sink-link", sargv);
        assert_true(RUN_UNTIL(cast.done));
        out = rig_child_output(&cast);
        p = strstr(out, "/org/miracastd/session/");
        if (cast.status != 0 || !p) {
                fprintf(stderr, "--- cast output:\n%s\n", out);
                rig_dump_log(&rig);
        }
        assert_int_eq(cast.status, 0);
        assert_non_null(p);
        snprintf(session, sizeof(session), "%.*s", (int) strspn(p, "/abcdefghijklmnopqrstuvwxyz0123456789"), p);
        free(out);

        assert_int_ge(sd_bus_new(&bus), 0);
        assert_int_ge(sd_bus_set_address(bus, rig.bus_addr), 0);
        assert_int_ge(sd_bus_set_bus_client(bus, 1), 0);
        assert_int_ge(sd_bus_start(bus), 0);
        negotiated = session_u(bus, session, "Bitrate");
        /* 640x480p60 on a fast link: about 3.7 Mbit/s; the link allows 72 */
        assert_int_ge(negotiated, 2300000);
        assert_true(RUN_UNTIL(session_link_rate(bus, session) == 144000000));
        assert_int_eq(session_u(bus, session, "Bitrate"), negotiated);
        /* miracastctl status --watch shows the link rate and the bit rate */
        struct rig_child watch;
        char *wargv[] = { ctl_bin, "status", session + strlen("/org/miracastd/session/"), "--watch", "--interval", "1",
                          NULL };
        rig_child_start(&rig, &watch, "watch-link", wargv);
        assert_true(RUN_UNTIL(file_has(watch.out_path, "link=144 Mbit/s bitrate=")));
        rig_child_reap(&watch);

        /* the link drops to 4 Mbit/s: video gets 2 Mbit/s */
        fake_wpas_set_reply(g, "SIGNAL_POLL", "RSSI=-85\nLINKSPEED=4\nNOISE=9999\nFREQUENCY=2437\n");
        assert_true(RUN_UNTIL(session_u(bus, session, "Bitrate") == 2000000));
        assert_int_eq(session_link_rate(bus, session), 4000000);
        /* it recovers: back to the negotiated rate (not the 72 Mbit/s the link would allow) */
        fake_wpas_set_reply(g, "SIGNAL_POLL", "RSSI=-40\nLINKSPEED=144\nNOISE=9999\nFREQUENCY=2437\n");
        assert_true(RUN_UNTIL(session_u(bus, session, "Bitrate") == negotiated));
        assert_true(rig_log_has(&rig, "lowering the bit rate"));
        assert_true(rig_log_has(&rig, "raising the bit rate"));

        /* end it: Stop -> TEARDOWN; the group goes */
        char *stop[] = { ctl_bin, "stop", session + strlen("/org/miracastd/session/"), NULL };
        struct rig_child st;
        rig_child_start(&rig, &st, "stop-link", stop);
        assert_true(RUN_UNTIL(st.done));
        assert_true(RUN_UNTIL(fake_wpas_has(fw, "P2P_GROUP_REMOVE " GROUP_IF)));
        fake_wpas_event(fw, "<3>P2P-GROUP-REMOVED " GROUP_IF " client reason=REQUESTED");
        rig_child_reap(&st);
        rig_child_reap(&cast);
        rig_child_reap(&sink);
        sd_bus_flush_close_unref(bus);
        fake_wpas_free(g);
}

/* A string property of the manager or a sink, or NULL when absent. */
static char *bus_prop_string(sd_bus *bus, const char *path, const char *iface, const char *prop)
{
        sd_bus_error e = SD_BUS_ERROR_NULL;
        char *v = NULL;

        if (sd_bus_get_property_string(bus, "org.miracastd", path, iface, prop, &e, &v) < 0)
                v = NULL;
        sd_bus_error_free(&e);
        return v;
}

static bool bus_prop_is(sd_bus *bus, const char *path, const char *iface, const char *prop, const char *want)
{
        char *v = bus_prop_string(bus, path, iface, prop);
        bool same = v && strcmp(v, want) == 0;
        free(v);
        return same;
}

TEST(wpas_restart, "/p2p/cast/wpa_supplicant goes away: Backend none, its sinks go; back: wpas, settings re-applied") {
        sd_bus *bus = NULL;
        char *name;

        setup();
        assert_int_ge(sd_bus_new(&bus), 0);
        assert_int_ge(sd_bus_set_address(bus, rig.bus_addr), 0);
        assert_int_ge(sd_bus_set_bus_client(bus, 1), 0);
        assert_int_ge(sd_bus_start(bus), 0);
        fake_wpas_event(fw, EV_FOUND);
        assert_true(RUN_UNTIL(bus_prop_is(bus, "/org/miracastd/sink/42_00_00_00_01_00", "org.miracastd.Sink1", "Name",
                                          "e2e-tv")));
        assert_true(bus_prop_is(bus, "/org/miracastd", "org.miracastd.Manager1", "Backend", "wpas"));

        /* wpa_supplicant dies: noticed at the next PING at the latest */
        fake_wpas_crash(fw);
        assert_true(RUN_UNTIL(bus_prop_is(bus, "/org/miracastd", "org.miracastd.Manager1", "Backend", "none")));
        name = bus_prop_string(bus, "/org/miracastd/sink/42_00_00_00_01_00", "org.miracastd.Sink1", "Name");
        assert_null(name);

        /* it comes back: reconnected, settings and WFD IE re-applied, Backend wpas again */
        fake_wpas_clear_cmds(fw);
        assert_int_eq(fake_wpas_start(fw), 0);
        assert_true(RUN_UNTIL(bus_prop_is(bus, "/org/miracastd", "org.miracastd.Manager1", "Backend", "wpas") &&
                              fake_wpas_has(fw, "WFD_SUBELEM_SET 0 000600101c440032")));
        fake_wpas_event(fw, EV_FOUND);
        assert_true(RUN_UNTIL(bus_prop_is(bus, "/org/miracastd/sink/42_00_00_00_01_00", "org.miracastd.Sink1", "Name",
                                          "e2e-tv")));
        sd_bus_flush_close_unref(bus);
}

TEST(wait_interrupt, "/p2p/cast/Ctrl-C on miracastctl cast --wait stops the playing session it is bound to") {
        struct rig_child cast, sink;

        setup();
        bins();
        fake_wpas_event(fw, EV_FOUND);
        fake_wpas_clear_cmds(fw);
        char *argv[] = { ctl_bin, "cast", SINK, "--wait", "--timeout", "60", NULL };
        rig_child_start(&rig, &cast, "cast3", argv);
        assert_true(RUN_UNTIL(fake_wpas_has(fw, "P2P_CONNECT " SINK " pbc go_intent=7")));
        fake_wpas_event(fw, EV_STARTED);
        char *sargv[] = { "ip", "netns", "exec", netns_name, sink_bin, "--connect", "192.168.49.200:7236",
                          "--profile", "small", "--duration", "0", "--timeout", "30", "--min-frames", "0", NULL };
        rig_child_start(&rig, &sink, "sink3", sargv);
        assert_true(RUN_UNTIL(rig_child_says(&cast, "Playing:") || cast.done));
        if (cast.done)
                rig_dump_log(&rig);
        assert_false(cast.done);
        kill(cast.pid, SIGINT);
        /* miracastctl leaves the bus: the daemon stops the session (TEARDOWN), the sink ends, the group goes */
        assert_true(RUN_UNTIL(cast.done && sink.done));
        assert_true(RUN_UNTIL(fake_wpas_has(fw, "P2P_GROUP_REMOVE " GROUP_IF)));
        assert_true(rig_log_has(&rig, "the client that started the cast left the bus, stopping it"));
        /* ended by our M5 TEARDOWN trigger (it may come before the first decoded frame: no result=ok) */
        assert_true(rig_child_says(&sink, "end=source-teardown"));
        fake_wpas_event(fw, "<3>P2P-GROUP-REMOVED " GROUP_IF " client reason=REQUESTED");
        rig_child_reap(&cast);
        rig_child_reap(&sink);
}

/* Last: it ends the daemon. The manager closes every listener on SIGTERM, the P2P glue's group
 * listener included; the glue must not free it a second time when the session then ends. */
TEST(sigterm_mid_session, "/p2p/cast/SIGTERM mid-session: TEARDOWN, the group is removed, the daemon exits 0") {
        struct rig_child cast, sink;
        int status = -1;
        pid_t r;

        setup();
        bins();
        fake_wpas_event(fw, EV_FOUND);
        fake_wpas_clear_cmds(fw);
        char *argv[] = { ctl_bin, "cast", SINK, "--timeout", "60", NULL };
        rig_child_start(&rig, &cast, "cast4", argv);
        assert_true(RUN_UNTIL(fake_wpas_has(fw, "P2P_CONNECT " SINK " pbc go_intent=7")));
        fake_wpas_event(fw, EV_STARTED);
        char *sargv[] = { "ip", "netns", "exec", netns_name, sink_bin, "--connect", "192.168.49.200:7236",
                          "--profile", "small", "--duration", "30", "--timeout", "60", "--min-frames", "0", NULL };
        rig_child_start(&rig, &sink, "sink4", sargv);
        /* cast returns once the session is negotiated */
        assert_true(RUN_UNTIL(cast.done));
        if (cast.status != 0)
                rig_dump_log(&rig);
        assert_int_eq(cast.status, 0);

        kill(rig.daemon_pid, SIGTERM);
        assert_true(RUN_UNTIL((r = waitpid(rig.daemon_pid, &status, WNOHANG)) == rig.daemon_pid));
        rig.daemon_pid = -1;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                rig_dump_log(&rig);
        assert_true(WIFEXITED(status));
        assert_int_eq(WEXITSTATUS(status), 0);
        assert_true(fake_wpas_has(fw, "P2P_GROUP_REMOVE " GROUP_IF));
        assert_true(RUN_UNTIL(sink.done));
        assert_true(rig_child_says(&sink, "end=source-teardown"));
        rig_child_reap(&cast);
        rig_child_reap(&sink);
}
