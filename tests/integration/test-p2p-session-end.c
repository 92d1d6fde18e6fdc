/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The display ends the session itself, and the Wi-Fi Direct group must go
 * with it: the real miracastd on a private dbus-daemon, its wpas backend on
 * a FAKE wpa_supplicant control socket (tests/lib/fake-wpas.h), the group
 * netdev a veth pair whose far end, in a second network namespace, holds the
 * real C test sink. For each way a session can end from the sink's side
 *
 *   the sink sends TEARDOWN             (client role; GO role, casting a
 *                                        capture other than the default)
 *   the sink vanishes: its connection   (GO role)
 *     closes without TEARDOWN
 *   the sink stops answering: keep-     (client role)
 *     alive timeout
 *
 * the daemon must send P2P_GROUP_REMOVE <group> within seconds, take its
 * address off the group netdev and resume discovery (P2P_FIND) when it was
 * searching before; with p2p-persistent-group the group is kept.
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
#include <time.h>
#include <unistd.h>

#include "../lib/daemon-rig.h"
#include "../lib/fake-wpas.h"
#include "../lib/netns-util.h"
#include "../lib/test.h"

#define SINK     "42:00:00:00:01:00"
#define GROUP_IF "p2p-e2e0"
#define EV_FOUND "<3>P2P-DEVICE-FOUND " SINK " p2p_dev_addr=" SINK " pri_dev_type=7-0050F204-1 name='e2e-tv' " \
                 "config_methods=0x188 dev_capab=0x25 group_capab=0x0 wfd_dev_info=0x00111c440032 new=1"
/* The TV is group owner and gives us 192.168.49.200 in the handshake. */
#define EV_STARTED_CLIENT "<3>P2P-GROUP-STARTED " GROUP_IF " client ssid=\"DIRECT-e2\" freq=2437 psk=00 " \
                          "go_dev_addr=" SINK " ip_addr=192.168.49.200 ip_mask=255.255.255.0 go_ip_addr=192.168.49.1"
/* We are group owner: we take 192.168.173.1 (p2p-subnet) and the sink .2. */
#define EV_STARTED_GO "<3>P2P-GROUP-STARTED " GROUP_IF " GO ssid=\"DIRECT-e2\" freq=2437 passphrase=\"12345678\" " \
                      "go_dev_addr=02:00:00:00:00:00"
#define CMD_REMOVE "P2P_GROUP_REMOVE " GROUP_IF

static struct rig rig;
static sd_event *ev;          /* rig.ev and rig.fw, under the names the cases use */
static struct fake_wpas *fw;
static bool ready;
static sd_bus *client;
static char ctl_bin[300], sink_bin[300];

#define RUN_UNTIL_SEC(cond, bound_sec) RIG_RUN_UNTIL(&rig, cond, bound_sec)
#define RUN_UNTIL(cond) RUN_UNTIL_SEC(cond, 60)

static uint64_t now_ms(void)
{
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        return (uint64_t) t.tv_sec * 1000 + (uint64_t) t.tv_nsec / 1000000;
}

/* (Re)start miracastd; extra: more configuration lines. The sink is found again. */
static void daemon_start(const char *extra)
{
        char cfg[512];

        snprintf(cfg, sizeof(cfg), "max-resolution = 640x480\np2p-link-poll-seconds = 0\n%s", extra);
        rig_daemon_start(&rig, "e2e-source", cfg);
        fake_wpas_event(fw, EV_FOUND);
}

static void setup(void)
{
        const char *build = getenv("MIRACAST_BUILD");
        static bool tried;

        if (ready)
                return;
        assert_false(tried); /* a failed set-up is reported once, not retried */
        tried = true;
        snprintf(ctl_bin, sizeof(ctl_bin), "%s/miracastctl", build ? build : "build");
        snprintf(sink_bin, sizeof(sink_bin), "%s/miracast-test-sink", build ? build : "build");
        rig_setup(&rig, "/tmp/mcd-end-XXXXXX");
        ev = rig.ev;
        fw = rig.fw;
        /* the sink's side of the group: the GO's address when the TV is GO, .2 of our subnet when we are */
        assert_int_eq(netns_test_setup("mcd-end", GROUP_IF, "p2p-e2e0p"), 0);
        assert_int_eq(netns_sh("ip -n %s addr add 192.168.49.1/24 dev p2p-e2e0p", netns_name), 0);
        assert_int_eq(netns_sh("ip -n %s addr add 192.168.173.2/24 dev p2p-e2e0p", netns_name), 0);
        daemon_start("");

        assert_int_ge(sd_bus_new(&client), 0);
        assert_int_ge(sd_bus_set_address(client, rig.bus_addr), 0);
        assert_int_ge(sd_bus_set_bus_client(client, 1), 0);
        assert_int_ge(sd_bus_start(client), 0);
        ready = true;
}

static bool our_address_on_group(const char *addr)
{
        return netns_sh("ip -4 addr show dev " GROUP_IF " | grep -q ' %s/'", addr) == 0;
}

/* The daemon (another process) sends P2P_GROUP_REMOVE and then lets go of its address: the
 * fake wpa_supplicant can see the command before the address is gone, so give it a moment. */
static bool address_goes(const char *addr)
{
        return RUN_UNTIL_SEC(!our_address_on_group(addr), 5);
}

/* miracastctl cast SINK [--output OUTPUT]: the group forms (role per started_event) and the sink plays. */
static void cast_and_play(const char *name, const char *output, const char *started_event, const char *connect,
                          const char *duration, struct rig_child *sink)
{
        struct rig_child cast;
        char *out;
        char cast_name[64];

        snprintf(cast_name, sizeof(cast_name), "cast-%s", name);
        char *argv[] = { ctl_bin, "cast", SINK, "--timeout", "60", output ? "--output" : NULL, (char *) output, NULL };
        fake_wpas_event(fw, EV_FOUND);
        fake_wpas_clear_cmds(fw);
        rig_child_start(&rig, &cast, cast_name, argv);
        assert_true(RUN_UNTIL(fake_wpas_find(fw, "P2P_CONNECT " SINK " pbc go_intent=7", 0) >= 0 || cast.done));
        if (cast.done) {
                out = rig_child_output(&cast);
                fprintf(stderr, "--- cast output:\n%s\n", out);
                free(out);
                rig_dump_log(&rig);
        }
        assert_false(cast.done);
        fake_wpas_event(fw, started_event);

        char *sargv[] = { "ip", "netns", "exec", netns_name, sink_bin, "--connect", (char *) connect, "--profile", "small",
                          "--duration", (char *) duration, "--timeout", "30", "--min-frames", "0", NULL };
        rig_child_start(&rig, sink, name, sargv);
        assert_true(RUN_UNTIL(cast.done));
        out = rig_child_output(&cast);
        if (cast.status != 0 || !strstr(out, "Playing")) {
                char *sout = rig_child_output(sink);
                fprintf(stderr, "--- cast output:\n%s\n--- sink output:\n%s\n", out, sout);
                free(sout);
                rig_dump_log(&rig);
        }
        assert_int_eq(cast.status, 0);
        free(out);
        rig_child_reap(&cast);
}

/* After the session ended from the sink's side: the group goes within seconds; returns how long it took. */
static uint64_t assert_group_removed(const char *why)
{
        uint64_t t0 = now_ms();

        if (!RUN_UNTIL_SEC(fake_wpas_has(fw, CMD_REMOVE), 10)) {
                fprintf(stderr, "group not removed after %s\n", why);
                rig_dump_log(&rig);
        }
        assert_true(fake_wpas_has(fw, CMD_REMOVE));
        fprintf(stderr, "%s: P2P_GROUP_REMOVE after %llu ms\n", why, (unsigned long long) (now_ms() - t0));
        /* wpa_supplicant confirms; the daemon has let go already */
        fake_wpas_event(fw, "<3>P2P-GROUP-REMOVED " GROUP_IF " client reason=REQUESTED");
        return now_ms() - t0;
}

/* Discovery was on before the cast: P2P_FIND again after the group went. */
static void assert_discovery_resumed(void)
{
        int removed = fake_wpas_find(fw, CMD_REMOVE, 0);

        assert_int_ge(removed, 0);
        if (!RUN_UNTIL_SEC(fake_wpas_find(fw, "P2P_FIND 30", (unsigned) removed) >= 0, 10))
                rig_dump_log(&rig);
        assert_int_ge(fake_wpas_find(fw, "P2P_FIND 30", (unsigned) removed), 0);
}

static void start_discovery(void)
{
        sd_bus_error e = SD_BUS_ERROR_NULL;
        assert_int_ge(sd_bus_call_method(client, "org.miracastd", "/org/miracastd", "org.miracastd.Manager1",
                                         "StartDiscovery", &e, NULL, ""), 0);
        sd_bus_error_free(&e);
        assert_true(RUN_UNTIL(fake_wpas_has(fw, "P2P_FIND 30")));
}

TEST(teardown_client, "/p2p/session-end/client role: the sink's TEARDOWN removes the group, discovery resumes") {
        struct rig_child sink, stop;
        char *out;

        setup();
        start_discovery();
        cast_and_play("teardown-client", NULL, EV_STARTED_CLIENT, "192.168.49.200:7236", "2", &sink);
        assert_true(our_address_on_group("192.168.49.200"));
        assert_true(RUN_UNTIL(sink.done));
        out = rig_child_output(&sink);
        if (!strstr(out, "end=duration"))
                fprintf(stderr, "--- sink output:\n%s\n", out);
        assert_true(strstr(out, "end=duration") != NULL); /* the sink's own TEARDOWN */
        free(out);
        assert_group_removed("sink TEARDOWN (client)");
        assert_true(address_goes("192.168.49.200"));
        assert_discovery_resumed();
        /* nothing is left running: stop has nothing to stop */
        char *argv[] = { ctl_bin, "stop", "--timeout", "5", NULL };
        rig_child_start(&rig, &stop, "stop-after-teardown", argv);
        assert_true(RUN_UNTIL(stop.done));
        assert_int_ne(stop.status, 0);
        rig_child_reap(&stop);
        rig_child_reap(&sink);
}

TEST(teardown_go_output, "/p2p/session-end/GO role, casting another capture: the sink's TEARDOWN removes the group") {
        struct rig_child sink;
        char *out;

        setup();
        /* a capture that is not the daemon's default gets its own context */
        cast_and_play("teardown-go", "testsrc:resize=100000", EV_STARTED_GO, "192.168.173.1:7236", "2", &sink);
        assert_true(our_address_on_group("192.168.173.1"));
        assert_true(RUN_UNTIL(sink.done));
        out = rig_child_output(&sink);
        if (!strstr(out, "end=duration"))
                fprintf(stderr, "--- sink output:\n%s\n", out);
        assert_true(strstr(out, "end=duration") != NULL);
        free(out);
        assert_group_removed("sink TEARDOWN (GO, --output)");
        assert_true(address_goes("192.168.173.1"));
        assert_discovery_resumed();
        rig_child_reap(&sink);
}

TEST(vanish_go, "/p2p/session-end/GO role: the sink vanishes (connection closed, no TEARDOWN), the group goes") {
        struct rig_child sink;

        setup();
        cast_and_play("vanish-go", NULL, EV_STARTED_GO, "192.168.173.1:7236", "0", &sink);
        rig_run_for_ms(&rig, 1000);
        assert_false(fake_wpas_has(fw, CMD_REMOVE));
        assert_int_eq(kill(sink.pid, SIGKILL), 0);
        assert_true(RUN_UNTIL(sink.done));
        assert_group_removed("sink killed (GO)");
        assert_true(address_goes("192.168.173.1"));
        assert_discovery_resumed();
        rig_child_reap(&sink);
}

TEST(keepalive_client, "/p2p/session-end/client role: the sink stops answering, keep-alive timeout, the group goes") {
        struct rig_child sink;

        setup();
        cast_and_play("keepalive-client", NULL, EV_STARTED_CLIENT, "192.168.49.200:7236", "0", &sink);
        /* frozen: its socket stays open but nothing answers M16 */
        assert_int_eq(kill(sink.pid, SIGSTOP), 0);
        if (!RUN_UNTIL_SEC(rig_log_has(&rig, "no keep-alive reply"), 50))
                rig_dump_log(&rig);
        assert_true(rig_log_has(&rig, "no keep-alive reply"));
        assert_group_removed("keep-alive timeout (client)");
        assert_true(address_goes("192.168.49.200"));
        assert_discovery_resumed();
        rig_child_reap(&sink);
}

TEST(persistent, "/p2p/session-end/p2p-persistent-group: the sink's TEARDOWN ends the session, the group is kept") {
        struct rig_child sink;

        setup();
        daemon_start("p2p-persistent-group = yes\n");
        start_discovery();
        cast_and_play("persistent", NULL, EV_STARTED_CLIENT, "192.168.49.200:7236", "2", &sink);
        assert_true(RUN_UNTIL(sink.done));
        assert_true(RUN_UNTIL(rig_log_has(&rig, "keeping the group " GROUP_IF)));
        rig_run_for_ms(&rig, 1000);
        assert_false(fake_wpas_has(fw, CMD_REMOVE));
        /* the group, and our address on it, stay for the next cast */
        assert_true(our_address_on_group("192.168.49.200"));
        /* leaving does not remove it either */
        (void) rig_daemon_stop(&rig);
        rig_run_for_ms(&rig, 300);
        assert_false(fake_wpas_has(fw, CMD_REMOVE));
        rig_child_reap(&sink);
        (void) netns_sh("ip addr flush dev " GROUP_IF);
        daemon_start("");
}
