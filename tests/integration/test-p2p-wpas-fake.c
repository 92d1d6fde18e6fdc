/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The wpas backend against a FAKE per-interface control socket
 * (tests/lib/fake-wpas.h) replaying event sequences recorded with two real
 * wpa_supplicant 2.10 over mac80211_hwsim (docs/testing.md, "End-to-end in a VM"), checking the
 * commands the backend sends in answer and what it reports to its owner.
 * The group netdev is a real veth pair in private network namespaces, so
 * addressing and DHCP (our server with busybox udhcpc, our client with
 * dnsmasq) run for real. Runs as root (CI does).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../../daemon/p2p.h"
#include "../../daemon/wpas.h"
#include "../lib/fake-wpas.h"
#include "../lib/netns-util.h"
#include "../lib/test.h"

#define SINK "42:00:00:00:01:00"
#define SINK_IFACE "46:00:00:00:01:00"
#define GROUP_IF "p2p-fk0"
#define EV_FOUND "<3>P2P-DEVICE-FOUND " SINK " p2p_dev_addr=" SINK " pri_dev_type=7-0050F204-1 name='mvm-sink' " \
                 "config_methods=0x188 dev_capab=0x25 group_capab=0x0 wfd_dev_info=0x00111c440032 new=1"
#define EV_FOUND_GO "<3>P2P-DEVICE-FOUND " SINK " p2p_dev_addr=" SINK " pri_dev_type=7-0050F204-1 name='mvm-sink' " \
                    "config_methods=0x188 dev_capab=0x25 group_capab=0x1 wfd_dev_info=0x00111c440032 new=0"

static bool ns_ready;
static bool rig_pin_owner;      /* rig_setup(): the owner answers request_pin() (tests set it first) */
static char tmpdir[] = "/tmp/mcd-wpas-XXXXXX";

/* What the backend reported to us, its owner. */
struct owner_log {
        bool up_seen, down_seen;
        bool discovering;
        unsigned peer_changes;
        char peer_name[64], peer_type[32];
        bool peer_available;
        unsigned peer_tput, peer_port;
        int peer_signal;
        bool peer_is_go;
        bool lost;
        char pin[16];
        unsigned pin_requests;
        int pin_request_answer;       /* what request_pin() returns */
        bool group_up;
        char local_ip[16], peer_ip[16], ifname[32];
        enum p2p_role role;
        uint64_t link_bps;
        bool failed;
        int fail_error;
        char fail_reason[160];
        bool group_down;
        int down_error;
        char down_reason[160];
        char progress[160];
};

static void o_state(void *u, bool available, const char *why)
{
        struct owner_log *o = u;
        if (available)
                o->up_seen = true;
        else
                o->down_seen = true;
}
static void o_disc(void *u, bool on) { ((struct owner_log *) u)->discovering = on; }
static void o_peer(void *u, const struct p2p_peer *p)
{
        struct owner_log *o = u;
        o->peer_changes++;
        snprintf(o->peer_name, sizeof(o->peer_name), "%s", p->name);
        snprintf(o->peer_type, sizeof(o->peer_type), "%s", p->device_type);
        o->peer_available = p->session_available;
        o->peer_tput = p->max_throughput_mbps;
        o->peer_port = p->control_port;
        o->peer_signal = p->signal_dbm;
        o->peer_is_go = p->is_group_owner;
        o->lost = false;
}
static void o_lost(void *u, const char *a) { ((struct owner_log *) u)->lost = true; }
static void o_progress(void *u, const char *a, const char *what)
{
        snprintf(((struct owner_log *) u)->progress, 160, "%s", what);
}
static void o_pin(void *u, const char *a, const char *pin) { snprintf(((struct owner_log *) u)->pin, 16, "%s", pin); }
static int o_request_pin(void *u, const char *a)
{
        struct owner_log *o = u;
        o->pin_requests++;
        return o->pin_request_answer;
}
static void o_up(void *u, const struct p2p_group *g)
{
        struct owner_log *o = u;
        o->group_up = true;
        snprintf(o->local_ip, 16, "%s", g->local_ip);
        snprintf(o->peer_ip, 16, "%s", g->peer_ip);
        snprintf(o->ifname, 32, "%s", g->ifname);
        o->role = g->role;
        o->link_bps = g->link_max_bps;
}
static void o_link(void *u, const char *a, uint64_t bps) { ((struct owner_log *) u)->link_bps = bps; }
static void o_failed(void *u, const char *a, int error, const char *reason)
{
        struct owner_log *o = u;
        o->failed = true;
        o->fail_error = error;
        snprintf(o->fail_reason, 160, "%s", reason);
}
static void o_down(void *u, const char *a, int error, const char *reason)
{
        struct owner_log *o = u;
        o->group_down = true;
        o->down_error = error;
        snprintf(o->down_reason, 160, "%s", reason);
}

struct rig {
        sd_event *e;
        struct fake_wpas *f;
        struct p2p_config config;
        struct owner_log log;
        struct p2p_owner owner;
        struct wpas *w;
        char ctrl[128];
};

/* Run the loop until cond holds; the 20 s bound only stops a broken run, it asserts no timing. */
#define RUN_UNTIL(r, cond)                                                              \
        ({                                                                              \
                struct rig *rr = (r);                                                   \
                struct timespec _start, _now;                                           \
                bool _ok = true;                                                        \
                clock_gettime(CLOCK_MONOTONIC, &_start);                                \
                while (!(cond)) {                                                       \
                        clock_gettime(CLOCK_MONOTONIC, &_now);                          \
                        if (_now.tv_sec - _start.tv_sec >= 20 ||                        \
                            sd_event_run(rr->e, 50 * 1000) < 0) {                       \
                                _ok = false;                                            \
                                break;                                                  \
                        }                                                               \
                }                                                                       \
                _ok;                                                                    \
        })

static void rig_setup(struct rig *r)
{
        if (!ns_ready) {
                assert_non_null(mkdtemp(tmpdir));
                test_remove_at_exit(tmpdir);
                assert_int_eq(netns_test_setup("mcd-wpas", GROUP_IF, "p2p-fk0p"), 0);
                ns_ready = true;
        }
        memset(r, 0, sizeof(*r));
        assert_int_eq(sd_event_new(&r->e), 0);
        snprintf(r->ctrl, sizeof(r->ctrl), "%s/p2p-dev-wlan0", tmpdir);
        assert_int_eq(fake_wpas_new(r->e, r->ctrl, &r->f), 0);
        assert_int_eq(p2p_config_init(&r->config), 0);
        free(r->config.runtime_dir);
        r->config.runtime_dir = strdup(tmpdir);
        r->config.device_name = strdup("test-source");
        r->owner = (struct p2p_owner) {
                .state_changed = o_state, .discovering_changed = o_disc, .peer_changed = o_peer,
                .peer_lost = o_lost, .connect_progress = o_progress, .show_pin = o_pin, .group_up = o_up, .link_rate = o_link,
                .connect_failed = o_failed, .group_down = o_down, .userdata = &r->log,
        };
        if (rig_pin_owner)
                r->owner.request_pin = o_request_pin;
        assert_int_eq(wpas_new(r->e, &r->config, r->ctrl, &r->owner, &r->w), 0);
        assert_false(r->log.up_seen); /* never called back from inside wpas_new() */
        assert_true(RUN_UNTIL(r, rr->log.up_seen && fake_wpas_has(rr->f, "P2P_PEER FIRST")));
}

static void rig_teardown(struct rig *r)
{
        r->w = wpas_free(r->w);
        /* let the last commands reach the fake */
        for (int i = 0; i < 5; i++)
                (void) sd_event_run(r->e, 10 * 1000);
        fake_wpas_free(r->f);
        p2p_config_clear(&r->config);
        sd_event_unref(r->e);
}

/* Found as a sink, then connect with options; waits for the P2P_CONNECT command. */
static void rig_found_and_connect(struct rig *r, const char *found, const struct p2p_connect_options *o,
                                  const char *expect_connect)
{
        fake_wpas_event(r->f, found);
        assert_true(RUN_UNTIL(r, rr->log.peer_changes > 0));
        assert_int_eq(wpas_p2p_ops.connect(r->w, SINK, o), 0);
        assert_true(RUN_UNTIL(r, fake_wpas_has(rr->f, expect_connect)));
}

TEST(link_settings, "/p2p/wpas/link up: identity, WFD source IE with our port, handshake IP pool") {
        struct rig r;
        rig_setup(&r);
        assert_true(fake_wpas_has(r.f, "SET device_name test-source"));
        assert_true(fake_wpas_has(r.f, "SET device_type 1-0050F204-1"));
        assert_true(fake_wpas_has(r.f, "SET p2p_go_intent 7"));
        assert_true(fake_wpas_has(r.f, "SET ip_addr_go 192.168.173.1"));
        assert_true(fake_wpas_has(r.f, "SET ip_addr_start 192.168.173.2"));
        assert_true(fake_wpas_has(r.f, "SET ip_addr_end 192.168.173.2"));
        assert_true(fake_wpas_has(r.f, "SET wifi_display 1"));
        assert_true(fake_wpas_has(r.f, "WFD_SUBELEM_SET 0 000600101c440032"));
        rig_teardown(&r);
}

TEST(discovery, "/p2p/wpas/discovery: P2P_FIND after WFD, sinks reported, re-find, lost, non-sinks ignored") {
        struct rig r;
        rig_setup(&r);
        fake_wpas_set_reply(r.f, "P2P_PEER " SINK,
                            SINK "\npri_dev_type=7-0050F204-1\ndevice_name=mvm-sink\nconfig_methods=0x188\n"
                                 "group_capab=0x0\nlevel=-35\nwfd_subelems=00000600111c440032\n");
        fake_wpas_clear_cmds(r.f);
        assert_int_eq(wpas_p2p_ops.start_discovery(r.w), 0);
        assert_true(RUN_UNTIL(&r, rr->log.discovering));
        int wfd = fake_wpas_find(r.f, "WFD_SUBELEM_SET 0 000600101c440032", 0);
        int find = fake_wpas_find(r.f, "P2P_FIND 30", 0);
        assert_int_ge(wfd, 0);
        assert_int_ge(find, wfd);

        fake_wpas_event(r.f, EV_FOUND);
        assert_true(RUN_UNTIL(&r, rr->log.peer_signal == -35));
        assert_str_eq(r.log.peer_name, "mvm-sink");
        assert_str_eq(r.log.peer_type, "primary-sink");
        assert_true(r.log.peer_available);
        assert_int_eq(r.log.peer_tput, 50);
        assert_int_eq(r.log.peer_port, 7236);

        /* a plain P2P device (no WFD) and a WFD source are not sinks */
        unsigned changes = r.log.peer_changes;
        fake_wpas_event(r.f, "<3>P2P-DEVICE-FOUND 02:00:00:00:09:00 p2p_dev_addr=02:00:00:00:09:00 "
                             "pri_dev_type=10-0050F204-5 name='phone' config_methods=0x188 dev_capab=0x25 group_capab=0x0 new=1");
        fake_wpas_event(r.f, "<3>P2P-DEVICE-FOUND 02:00:00:00:08:00 p2p_dev_addr=02:00:00:00:08:00 "
                             "pri_dev_type=1-0050F204-1 name='laptop' wfd_dev_info=0x00101c440032 new=1");
        /* garbage from a broken supplicant is logged and ignored */
        fake_wpas_event(r.f, "<3>P2P-DEVICE-FOUND 02:00 name='unterminated");
        fake_wpas_event(r.f, "<3>P2P-FIND-STOPPED");
        assert_true(RUN_UNTIL(&r, fake_wpas_find(rr->f, "P2P_FIND 30", find + 1) > find));
        assert_int_eq(r.log.peer_changes, changes);

        fake_wpas_event(r.f, "<3>P2P-DEVICE-LOST p2p_dev_addr=" SINK);
        assert_true(RUN_UNTIL(&r, rr->log.lost));
        assert_int_eq(wpas_p2p_ops.connect(r.w, SINK, NULL), -ENOENT);

        assert_int_eq(wpas_p2p_ops.stop_discovery(r.w), 0);
        assert_true(RUN_UNTIL(&r, fake_wpas_has(rr->f, "P2P_STOP_FIND")));
        assert_false(r.log.discovering);
        rig_teardown(&r);
}

TEST(pbc_go, "/p2p/wpas/push button, we are GO: address, DHCP to the sink, listener info, group removed at the end") {
        struct rig r;
        char cmd[1024], script[256], out[256], *text = NULL;
        rig_setup(&r);
        assert_int_eq(wpas_p2p_ops.start_discovery(r.w), 0);
        rig_found_and_connect(&r, EV_FOUND, NULL, "P2P_CONNECT " SINK " pbc go_intent=7");
        int stop = fake_wpas_find(r.f, "P2P_STOP_FIND", 0);
        int conn = fake_wpas_find(r.f, "P2P_CONNECT " SINK " pbc go_intent=7", 0);
        assert_int_ge(stop, 0);
        assert_int_ge(conn, stop);
        /* WFD re-asserted between the stop and the connect */
        assert_int_ge(fake_wpas_find(r.f, "WFD_SUBELEM_SET 0 000600101c440032", stop), stop);
        assert_int_eq(wpas_p2p_ops.connect(r.w, SINK, NULL), -EBUSY);

        fake_wpas_event(r.f, "<3>P2P-GO-NEG-SUCCESS role=GO freq=2437 ht40=0 peer_dev=" SINK " peer_iface=" SINK_IFACE
                             " wps_method=PBC");
        fake_wpas_event(r.f, "<3>P2P-GROUP-FORMATION-SUCCESS");
        fake_wpas_event(r.f, "<3>P2P-GROUP-STARTED " GROUP_IF " GO ssid=\"DIRECT-iO\" freq=2437 passphrase=\"pH5Y0MX8\" "
                             "go_dev_addr=42:00:00:00:00:00");
        assert_true(RUN_UNTIL(&r, rr->log.group_up));
        assert_str_eq(r.log.ifname, GROUP_IF);
        assert_int_eq(r.log.role, P2P_ROLE_GO);
        assert_str_eq(r.log.local_ip, "192.168.173.1");
        assert_str_eq(r.log.peer_ip, "192.168.173.2");
        assert_int_eq(netns_sh("ip -4 addr show dev " GROUP_IF " | grep -q 'inet 192.168.173.1/24'"), 0);

        /* The sink's DHCP client (busybox udhcpc in the peer namespace) gets .2 from our server. */
        snprintf(out, sizeof(out), "%s/pbc-go.out", tmpdir);
        snprintf(script, sizeof(script), "%s/pbc-go.sh", tmpdir);
        FILE *f = fopen(script, "w");
        assert_non_null(f);
        fprintf(f, "#!/bin/sh\n[ \"$1\" = bound ] && echo \"ip=$ip\" > %s\nexit 0\n", out);
        fclose(f);
        chmod(script, 0755);
        snprintf(cmd, sizeof(cmd), "ip netns exec %s busybox udhcpc -i p2p-fk0p -f -q -n -t 10 -T 1 -s %s >/dev/null 2>&1 &",
                 netns_name, script);
        assert_int_eq(system(cmd), 0);
        assert_true(RUN_UNTIL(&r, access(out, F_OK) == 0));
        assert_int_ge(test_read_file(out, &text), 1);
        assert_str_eq(text, "ip=192.168.173.2\n");
        free(text);

        fake_wpas_event(r.f, "<3>AP-STA-CONNECTED " SINK_IFACE " p2p_dev_addr=" SINK);
        /* The session ends: the backend removes the group and our address. */
        wpas_p2p_ops.disconnect(r.w, SINK);
        assert_true(RUN_UNTIL(&r, fake_wpas_has(rr->f, "P2P_GROUP_REMOVE " GROUP_IF)));
        assert_int_ne(netns_sh("ip -4 addr show dev " GROUP_IF " | grep -q 'inet 192.168.173.1/24'"), 0);
        assert_false(r.log.group_down); /* we asked for it: not reported as a loss */
        /* discovery resumes */
        int n = (int) r.f->n_cmds;
        assert_true(RUN_UNTIL(&r, fake_wpas_find(rr->f, "P2P_FIND 30", n - 1) >= 0));
        rig_teardown(&r);
}

TEST(pin_keypad, "/p2p/wpas/PIN entry: P2P_CONNECT <addr> <pin> keypad") {
        struct rig r;
        struct p2p_connect_options o = { .method = "pin", .pin = "12345670", .go_intent = 15 };
        rig_setup(&r);
        rig_found_and_connect(&r, EV_FOUND, &o, "P2P_CONNECT " SINK " 12345670 keypad go_intent=15");
        /* The sink asks for a PIN after provision discovery: we already have it, connect again. */
        fake_wpas_clear_cmds(r.f);
        fake_wpas_event(r.f, "<3>P2P-PROV-DISC-ENTER-PIN " SINK " p2p_dev_addr=" SINK);
        assert_true(RUN_UNTIL(&r, fake_wpas_has(rr->f, "P2P_CONNECT " SINK " 12345670 keypad go_intent=15")));
        assert_false(r.log.failed);
        rig_teardown(&r);
}

TEST(pin_display, "/p2p/wpas/PIN display: the generated PIN is shown to the user") {
        struct rig r;
        struct p2p_connect_options o = { .method = "pin", .go_intent = -1 };
        rig_setup(&r);
        fake_wpas_set_reply(r.f, "P2P_CONNECT", "87654321\n");
        rig_found_and_connect(&r, EV_FOUND, &o, "P2P_CONNECT " SINK " pin go_intent=7");
        assert_true(RUN_UNTIL(&r, strcmp(rr->log.pin, "87654321") == 0));
        fake_wpas_event(r.f, "<3>P2P-PROV-DISC-SHOW-PIN " SINK " 11112222 p2p_dev_addr=" SINK);
        assert_true(RUN_UNTIL(&r, strcmp(rr->log.pin, "11112222") == 0));
        /* the PIN the display will ask for is the one we connect with */
        assert_true(RUN_UNTIL(&r, fake_wpas_has(rr->f, "P2P_CONNECT " SINK " 11112222 display go_intent=7")));
        rig_teardown(&r);
}

TEST(pin_show_pbc, "/p2p/wpas/a push-button cast the display answers with SHOW-PIN: the PIN is shown, "
                   "P2P_CONNECT <pin> display") {
        struct rig r;
        rig_setup(&r);
        rig_found_and_connect(&r, EV_FOUND, NULL, "P2P_CONNECT " SINK " pbc go_intent=7");
        fake_wpas_event(r.f, "<3>P2P-PROV-DISC-SHOW-PIN " SINK " 33334444 p2p_dev_addr=" SINK);
        assert_true(RUN_UNTIL(&r, strcmp(rr->log.pin, "33334444") == 0));
        assert_true(RUN_UNTIL(&r, fake_wpas_has(rr->f, "P2P_CONNECT " SINK " 33334444 display go_intent=7")));
        /* the same event again changes nothing */
        fake_wpas_clear_cmds(r.f);
        fake_wpas_event(r.f, "<3>P2P-PROV-DISC-SHOW-PIN " SINK " 33334444 p2p_dev_addr=" SINK);
        for (int i = 0; i < 5; i++)
                (void) sd_event_run(r.e, 10 * 1000);
        assert_false(fake_wpas_find(r.f, "P2P_CONNECT " SINK " 33334444 display go_intent=7", 0) >= 0);
        assert_false(r.log.failed);
        rig_teardown(&r);
}

TEST(pin_request, "/p2p/wpas/method pin without a PIN to a display: P2P_PROV_DISC display, ENTER-PIN asks the owner, "
                  "provide_pin connects") {
        struct rig r;
        struct p2p_connect_options o = { .method = "pin", .go_intent = -1 };
        rig_pin_owner = true;
        rig_setup(&r);
        rig_pin_owner = false;
        rig_found_and_connect(&r, EV_FOUND, &o, "P2P_PROV_DISC " SINK " display");
        /* nothing asked for yet: a PIN is not welcome */
        assert_int_eq(wpas_p2p_ops.provide_pin(r.w, SINK, "12345670"), -ENOENT);
        fake_wpas_event(r.f, "<3>P2P-PROV-DISC-ENTER-PIN " SINK " p2p_dev_addr=" SINK);
        assert_true(RUN_UNTIL(&r, rr->log.pin_requests == 1));
        /* the sink answering GO negotiation meanwhile must not make us connect without the PIN */
        fake_wpas_event(r.f, "<3>P2P-GO-NEG-REQUEST " SINK " dev_passwd_id=5 go_intent=7");
        fake_wpas_event(r.f, "<3>P2P-PROV-DISC-ENTER-PIN " SINK " p2p_dev_addr=" SINK);
        for (int i = 0; i < 5; i++)
                (void) sd_event_run(r.e, 10 * 1000);
        assert_int_eq(r.log.pin_requests, 1);
        assert_false(fake_wpas_find(r.f, "P2P_CONNECT " SINK " pin go_intent=7", 0) >= 0);
        assert_int_eq(wpas_p2p_ops.provide_pin(r.w, "42:00:00:00:09:09", "12345670"), -ENOENT);
        assert_int_eq(wpas_p2p_ops.provide_pin(r.w, SINK, "1234567"), -EINVAL);
        assert_int_eq(wpas_p2p_ops.provide_pin(r.w, SINK, "1234567a"), -EINVAL);
        assert_int_eq(wpas_p2p_ops.provide_pin(r.w, SINK, "12345670"), 0);
        assert_true(RUN_UNTIL(&r, fake_wpas_has(rr->f, "P2P_CONNECT " SINK " 12345670 keypad go_intent=7")));
        assert_false(r.log.failed);
        rig_teardown(&r);
}

TEST(pin_request_refused, "/p2p/wpas/ENTER-PIN during push button with an owner that cannot ask: -ENOKEY, P2P_CANCEL") {
        struct rig r;
        rig_pin_owner = true;
        rig_setup(&r);
        rig_pin_owner = false;
        r.log.pin_request_answer = -ENOKEY;
        rig_found_and_connect(&r, EV_FOUND, NULL, "P2P_CONNECT " SINK " pbc go_intent=7");
        fake_wpas_event(r.f, "<3>P2P-PROV-DISC-ENTER-PIN " SINK " p2p_dev_addr=" SINK);
        assert_true(RUN_UNTIL(&r, rr->log.failed));
        assert_int_eq(r.log.pin_requests, 1);
        assert_int_eq(r.log.fail_error, -ENOKEY);
        assert_true(RUN_UNTIL(&r, fake_wpas_has(rr->f, "P2P_CANCEL")));
        rig_teardown(&r);
}

TEST(pin_needed, "/p2p/wpas/the sink shows a PIN but the user chose push button: clear failure, P2P_CANCEL") {
        struct rig r;
        rig_setup(&r);
        rig_found_and_connect(&r, EV_FOUND, NULL, "P2P_CONNECT " SINK " pbc go_intent=7");
        fake_wpas_event(r.f, "<3>P2P-PROV-DISC-ENTER-PIN " SINK " p2p_dev_addr=" SINK);
        assert_true(RUN_UNTIL(&r, rr->log.failed));
        assert_int_eq(r.log.fail_error, -ENOKEY);
        assert_true(RUN_UNTIL(&r, fake_wpas_has(rr->f, "P2P_CANCEL")));
        rig_teardown(&r);
}

TEST(user_wait_accept, "/p2p/wpas/status 1 waits for the user, the sink's GO-NEG-REQUEST is answered, client role") {
        struct rig r;
        rig_setup(&r);
        rig_found_and_connect(&r, EV_FOUND, NULL, "P2P_CONNECT " SINK " pbc go_intent=7");
        fake_wpas_event(r.f, "<3>P2P-GO-NEG-FAILURE status=1");
        assert_true(RUN_UNTIL(&r, strcmp(rr->log.progress, "waiting for the display to accept") == 0));
        assert_false(r.log.failed);
        fake_wpas_clear_cmds(r.f);
        fake_wpas_event(r.f, "<3>P2P-GO-NEG-REQUEST " SINK " dev_passwd_id=4 go_intent=15");
        assert_true(RUN_UNTIL(&r, fake_wpas_has(rr->f, "P2P_CONNECT " SINK " pbc go_intent=7")));
        fake_wpas_event(r.f, "<3>P2P-GO-NEG-SUCCESS role=client freq=2437 ht40=0 peer_dev=" SINK " peer_iface=" SINK_IFACE
                             " wps_method=PBC");
        fake_wpas_event(r.f, "<3>P2P-GROUP-FORMATION-SUCCESS");
        fake_wpas_event(r.f, "<3>P2P-GROUP-STARTED " GROUP_IF " client ssid=\"DIRECT-iO\" freq=2437 psk=9201aa7fdc "
                             "go_dev_addr=" SINK " ip_addr=192.168.49.200 ip_mask=255.255.255.0 go_ip_addr=192.168.49.1");
        assert_true(RUN_UNTIL(&r, rr->log.group_up));
        assert_int_eq(r.log.role, P2P_ROLE_CLIENT);
        assert_str_eq(r.log.local_ip, "192.168.49.200");
        assert_str_eq(r.log.peer_ip, "192.168.49.1");
        assert_int_eq(netns_sh("ip -4 addr show dev " GROUP_IF " | grep -q 'inet 192.168.49.200/24'"), 0);

        /* The sink (GO) ends the group: the session ends with the reason, our address goes. */
        fake_wpas_event(r.f, "<3>P2P-GROUP-REMOVED " GROUP_IF " client reason=GO_ENDING_SESSION");
        assert_true(RUN_UNTIL(&r, rr->log.group_down));
        assert_int_eq(r.log.down_error, -ECONNRESET);
        assert_true(strstr(r.log.down_reason, "GO_ENDING_SESSION") != NULL);
        assert_int_ne(netns_sh("ip -4 addr show dev " GROUP_IF " | grep -q 'inet 192.168.49.200/24'"), 0);
        rig_teardown(&r);
}

TEST(rejected, "/p2p/wpas/the display rejects: status 11 and provision discovery status 2 fail with ECONNREFUSED") {
        struct rig r;
        rig_setup(&r);
        rig_found_and_connect(&r, EV_FOUND, NULL, "P2P_CONNECT " SINK " pbc go_intent=7");
        fake_wpas_event(r.f, "<3>P2P-GO-NEG-FAILURE status=11");
        assert_true(RUN_UNTIL(&r, rr->log.failed));
        assert_int_eq(r.log.fail_error, -ECONNREFUSED);
        r.log.failed = false;
        fake_wpas_clear_cmds(r.f);
        assert_int_eq(wpas_p2p_ops.connect(r.w, SINK, NULL), 0);
        assert_true(RUN_UNTIL(&r, fake_wpas_has(rr->f, "P2P_CONNECT " SINK " pbc go_intent=7")));
        fake_wpas_event(r.f, "<3>P2P-PROV-DISC-FAILURE p2p_dev_addr=" SINK " status=2");
        assert_true(RUN_UNTIL(&r, rr->log.failed));
        assert_int_eq(r.log.fail_error, -ECONNREFUSED);
        rig_teardown(&r);
}

TEST(provdisc_retry, "/p2p/wpas/no reaction: one retry with provdisc, then the failure is reported") {
        struct rig r;
        rig_setup(&r);
        rig_found_and_connect(&r, EV_FOUND, NULL, "P2P_CONNECT " SINK " pbc go_intent=7");
        fake_wpas_event(r.f, "<3>P2P-GO-NEG-FAILURE status=5");
        assert_true(RUN_UNTIL(&r, fake_wpas_has(rr->f, "P2P_CONNECT " SINK " pbc provdisc go_intent=7")));
        assert_false(r.log.failed);
        fake_wpas_event(r.f, "<3>P2P-GO-NEG-FAILURE status=5");
        assert_true(RUN_UNTIL(&r, rr->log.failed));
        assert_int_eq(r.log.fail_error, -EIO);
        assert_true(strstr(r.log.fail_reason, "unable to accommodate") != NULL);
        rig_teardown(&r);
}

TEST(refused_connect, "/p2p/wpas/P2P_CONNECT answered FAIL-CHANNEL-UNAVAILABLE fails the connect") {
        struct rig r;
        rig_setup(&r);
        fake_wpas_set_reply(r.f, "P2P_CONNECT", "FAIL-CHANNEL-UNAVAILABLE\n");
        rig_found_and_connect(&r, EV_FOUND, NULL, "P2P_CONNECT " SINK " pbc go_intent=7");
        assert_true(RUN_UNTIL(&r, rr->log.failed));
        assert_int_eq(r.log.fail_error, -EHOSTUNREACH);
        rig_teardown(&r);
}

TEST(timeout, "/p2p/wpas/the user never accepts: P2P_CANCEL and ETIMEDOUT at the configured timeout") {
        struct rig r;
        rig_setup(&r);
        r.config.connect_timeout_sec = 1;
        rig_found_and_connect(&r, EV_FOUND, NULL, "P2P_CONNECT " SINK " pbc go_intent=7");
        fake_wpas_event(r.f, "<3>P2P-GO-NEG-FAILURE status=1");
        assert_true(RUN_UNTIL(&r, rr->log.failed));
        assert_int_eq(r.log.fail_error, -ETIMEDOUT);
        assert_str_eq(r.log.fail_reason, "the display did not accept in time");
        assert_true(RUN_UNTIL(&r, fake_wpas_has(rr->f, "P2P_CANCEL")));
        rig_teardown(&r);
}

TEST(late_group, "/p2p/wpas/a group that comes up just after the user cancelled is removed, not kept") {
        struct rig r;
        rig_setup(&r);
        rig_found_and_connect(&r, EV_FOUND, NULL, "P2P_CONNECT " SINK " pbc go_intent=7");
        wpas_p2p_ops.disconnect(r.w, SINK);
        assert_true(RUN_UNTIL(&r, fake_wpas_has(rr->f, "P2P_CANCEL")));
        fake_wpas_event(r.f, "<3>P2P-GROUP-STARTED " GROUP_IF " GO ssid=\"DIRECT-iO\" freq=2437 passphrase=\"x\" "
                             "go_dev_addr=42:00:00:00:00:00");
        assert_true(RUN_UNTIL(&r, fake_wpas_has(rr->f, "P2P_GROUP_REMOVE " GROUP_IF)));
        assert_false(r.log.group_up);
        assert_false(r.log.failed); /* the owner asked for the cancel: no failure report */
        rig_teardown(&r);
}

TEST(join, "/p2p/wpas/a sink already running a group is joined") {
        struct rig r;
        rig_setup(&r);
        rig_found_and_connect(&r, EV_FOUND_GO, NULL, "P2P_CONNECT " SINK " pbc join");
        assert_true(r.log.peer_is_go);
        rig_teardown(&r);
}

TEST(sta_left, "/p2p/wpas/GO: the sink leaving the group ends it and removes the group") {
        struct rig r;
        rig_setup(&r);
        rig_found_and_connect(&r, EV_FOUND, NULL, "P2P_CONNECT " SINK " pbc go_intent=7");
        fake_wpas_event(r.f, "<3>P2P-GO-NEG-SUCCESS role=GO freq=2437 ht40=0 peer_dev=" SINK " peer_iface=" SINK_IFACE
                             " wps_method=PBC");
        fake_wpas_event(r.f, "<3>P2P-GROUP-STARTED " GROUP_IF " GO ssid=\"DIRECT-iO\" freq=2437 passphrase=\"x\" "
                             "go_dev_addr=42:00:00:00:00:00");
        assert_true(RUN_UNTIL(&r, rr->log.group_up));
        fake_wpas_event(r.f, "<3>AP-STA-DISCONNECTED " SINK_IFACE " p2p_dev_addr=" SINK);
        assert_true(RUN_UNTIL(&r, rr->log.group_down));
        assert_int_eq(r.log.down_error, -ECONNRESET);
        assert_true(RUN_UNTIL(&r, fake_wpas_has(rr->f, "P2P_GROUP_REMOVE " GROUP_IF)));
        rig_teardown(&r);
}

TEST(link_speed, "/p2p/wpas/SIGNAL_POLL on the group socket gives the link rate") {
        struct rig r;
        struct fake_wpas *g = NULL;
        char path[160];
        rig_setup(&r);
        snprintf(path, sizeof(path), "%s/" GROUP_IF, tmpdir);
        assert_int_eq(fake_wpas_new(r.e, path, &g), 0);
        fake_wpas_set_reply(g, "SIGNAL_POLL", "RSSI=-40\nLINKSPEED=144\nNOISE=9999\nFREQUENCY=2437\n");
        rig_found_and_connect(&r, EV_FOUND, NULL, "P2P_CONNECT " SINK " pbc go_intent=7");
        fake_wpas_event(r.f, "<3>P2P-GROUP-STARTED " GROUP_IF " client ssid=\"DIRECT-iO\" freq=2437 psk=00 "
                             "go_dev_addr=" SINK " ip_addr=192.168.49.200 ip_mask=255.255.255.0 go_ip_addr=192.168.49.1");
        assert_true(RUN_UNTIL(&r, rr->log.group_up));
        assert_int_eq(r.log.link_bps, 144000000);
        assert_true(fake_wpas_has(g, "SIGNAL_POLL"));
        rig_teardown(&r);
        fake_wpas_free(g);
}

TEST(link_speed_go, "/p2p/wpas/GO: the sink's station record gives the link rate after it associates") {
        struct rig r;
        struct fake_wpas *g = NULL;
        char path[160];
        rig_setup(&r);
        snprintf(path, sizeof(path), "%s/" GROUP_IF, tmpdir);
        assert_int_eq(fake_wpas_new(r.e, path, &g), 0);
        fake_wpas_set_reply(g, "SIGNAL_POLL", "FAIL\n");
        fake_wpas_set_reply(g, "STA " SINK_IFACE, SINK_IFACE "\nflags=[AUTH][ASSOC][AUTHORIZED]\nrx_rate_info=60\n"
                                                  "tx_rate_info=650 mcs 7\nsignal=-30\n");
        rig_found_and_connect(&r, EV_FOUND, NULL, "P2P_CONNECT " SINK " pbc go_intent=7");
        fake_wpas_event(r.f, "<3>P2P-GROUP-STARTED " GROUP_IF " GO ssid=\"DIRECT-iO\" freq=2437 passphrase=\"x\" "
                             "go_dev_addr=42:00:00:00:00:00");
        assert_true(RUN_UNTIL(&r, rr->log.group_up));
        assert_int_eq(r.log.link_bps, 0); /* no station yet */
        fake_wpas_event(g, "<3>AP-STA-CONNECTED " SINK_IFACE " p2p_dev_addr=" SINK);
        assert_true(RUN_UNTIL(&r, rr->log.link_bps == 65000000));
        rig_teardown(&r);
        fake_wpas_free(g);
}

static unsigned count_cmds(const struct fake_wpas *f, const char *prefix)
{
        unsigned n = 0;
        for (unsigned i = 0; i < f->n_cmds; i++)
                n += strncmp(f->cmds[i], prefix, strlen(prefix)) == 0;
        return n;
}

TEST(link_poll, "/p2p/wpas/client: SIGNAL_POLL every p2p-link-poll-seconds while the group is up, each LINKSPEED reported") {
        struct rig r;
        struct fake_wpas *g = NULL;
        char path[160];
        rig_setup(&r);
        r.config.link_poll_sec = 1;
        snprintf(path, sizeof(path), "%s/" GROUP_IF, tmpdir);
        assert_int_eq(fake_wpas_new(r.e, path, &g), 0);
        fake_wpas_set_reply(g, "SIGNAL_POLL", "RSSI=-40\nLINKSPEED=144\nNOISE=9999\nFREQUENCY=2437\n");
        rig_found_and_connect(&r, EV_FOUND, NULL, "P2P_CONNECT " SINK " pbc go_intent=7");
        fake_wpas_event(r.f, "<3>P2P-GROUP-STARTED " GROUP_IF " client ssid=\"DIRECT-iO\" freq=2437 psk=00 "
                             "go_dev_addr=" SINK " ip_addr=192.168.49.200 ip_mask=255.255.255.0 go_ip_addr=192.168.49.1");
        assert_true(RUN_UNTIL(&r, rr->log.group_up));
        /* the link degrades, then partly recovers: every poll's value reaches the owner */
        fake_wpas_set_reply(g, "SIGNAL_POLL", "RSSI=-80\nLINKSPEED=6\nNOISE=9999\nFREQUENCY=2437\n");
        assert_true(RUN_UNTIL(&r, rr->log.link_bps == 6000000));
        fake_wpas_set_reply(g, "SIGNAL_POLL", "RSSI=-60\nLINKSPEED=54\nNOISE=9999\nFREQUENCY=2437\n");
        assert_true(RUN_UNTIL(&r, rr->log.link_bps == 54000000));
        assert_int_ge(count_cmds(g, "SIGNAL_POLL"), 3);
        /* a failed poll changes nothing */
        fake_wpas_set_reply(g, "SIGNAL_POLL", "FAIL\n");
        unsigned polls = count_cmds(g, "SIGNAL_POLL");
        assert_true(RUN_UNTIL(&r, count_cmds(g, "SIGNAL_POLL") >= polls + 2));
        assert_int_eq(r.log.link_bps, 54000000);
        /* the group goes: no more polls */
        fake_wpas_event(r.f, "<3>P2P-GROUP-REMOVED " GROUP_IF " client reason=GO_ENDING_SESSION");
        assert_true(RUN_UNTIL(&r, rr->log.group_down));
        polls = count_cmds(g, "SIGNAL_POLL");
        for (int i = 0; i < 30; i++)
                (void) sd_event_run(r.e, 100 * 1000);
        assert_int_eq(count_cmds(g, "SIGNAL_POLL"), polls);
        rig_teardown(&r);
        fake_wpas_free(g);
}

TEST(link_poll_go, "/p2p/wpas/GO: the sink's STA record is polled while the group is up") {
        struct rig r;
        struct fake_wpas *g = NULL;
        char path[160];
        rig_setup(&r);
        r.config.link_poll_sec = 1;
        snprintf(path, sizeof(path), "%s/" GROUP_IF, tmpdir);
        assert_int_eq(fake_wpas_new(r.e, path, &g), 0);
        fake_wpas_set_reply(g, "SIGNAL_POLL", "FAIL\n");
        fake_wpas_set_reply(g, "STA " SINK_IFACE, SINK_IFACE "\nflags=[AUTH][ASSOC][AUTHORIZED]\ntx_rate_info=650 mcs 7\n");
        rig_found_and_connect(&r, EV_FOUND, NULL, "P2P_CONNECT " SINK " pbc go_intent=7");
        fake_wpas_event(r.f, "<3>P2P-GROUP-STARTED " GROUP_IF " GO ssid=\"DIRECT-iO\" freq=2437 passphrase=\"x\" "
                             "go_dev_addr=42:00:00:00:00:00");
        assert_true(RUN_UNTIL(&r, rr->log.group_up));
        fake_wpas_event(g, "<3>AP-STA-CONNECTED " SINK_IFACE " p2p_dev_addr=" SINK);
        assert_true(RUN_UNTIL(&r, rr->log.link_bps == 65000000));
        fake_wpas_set_reply(g, "STA " SINK_IFACE, SINK_IFACE "\nflags=[AUTH][ASSOC][AUTHORIZED]\ntx_rate_info=60\n");
        assert_true(RUN_UNTIL(&r, rr->log.link_bps == 6000000));
        rig_teardown(&r);
        fake_wpas_free(g);
}

TEST(client_dhcp, "/p2p/wpas/client role without a handshake address: our DHCP client against dnsmasq on the GO") {
        struct rig r;
        char pidfile[256];
        rig_setup(&r);
        snprintf(pidfile, sizeof(pidfile), "%s/dnsmasq-wpas.pid", tmpdir);
        assert_int_eq(netns_sh("ip -n %s addr add 192.168.77.1/24 dev p2p-fk0p", netns_name), 0);
        assert_int_eq(netns_sh("ip netns exec %s dnsmasq --port=0 --interface=p2p-fk0p --bind-interfaces "
                               "--dhcp-range=192.168.77.50,192.168.77.60,255.255.255.0,1h --dhcp-leasefile=%s/wpas.leases "
                               "--pid-file=%s --no-resolv --no-hosts --conf-file=/dev/null",
                               netns_name, tmpdir, pidfile), 0);
        rig_found_and_connect(&r, EV_FOUND, NULL, "P2P_CONNECT " SINK " pbc go_intent=7");
        fake_wpas_event(r.f, "<3>P2P-GROUP-STARTED " GROUP_IF " client ssid=\"DIRECT-iO\" freq=2437 psk=00 go_dev_addr=" SINK);
        assert_true(RUN_UNTIL(&r, rr->log.group_up));
        assert_str_eq(r.log.peer_ip, "192.168.77.1");
        assert_true(strncmp(r.log.local_ip, "192.168.77.5", 12) == 0 || strcmp(r.log.local_ip, "192.168.77.60") == 0);
        assert_int_eq(netns_sh("busybox ping -c 1 -W 5 192.168.77.1 >/dev/null"), 0);
        (void) netns_sh("kill $(cat %s) 2>/dev/null; ip -n %s addr flush dev p2p-fk0p", pidfile, netns_name);
        rig_teardown(&r);
}

TEST(restart, "/p2p/wpas/wpa_supplicant dies: the session ends, peers go, the backend reconnects and re-applies") {
        struct rig r;
        rig_setup(&r);
        assert_int_eq(wpas_p2p_ops.start_discovery(r.w), 0);
        rig_found_and_connect(&r, EV_FOUND, NULL, "P2P_CONNECT " SINK " pbc go_intent=7");
        fake_wpas_event(r.f, "<3>P2P-GROUP-STARTED " GROUP_IF " client ssid=\"DIRECT-iO\" freq=2437 psk=00 "
                             "go_dev_addr=" SINK " ip_addr=192.168.49.200 ip_mask=255.255.255.0 go_ip_addr=192.168.49.1");
        assert_true(RUN_UNTIL(&r, rr->log.group_up));

        fake_wpas_event(r.f, "<2>CTRL-EVENT-TERMINATING");
        fake_wpas_crash(r.f);
        assert_true(RUN_UNTIL(&r, rr->log.group_down && rr->log.down_seen && rr->log.lost));
        assert_int_eq(r.log.down_error, -ECONNRESET);
        assert_str_eq(r.log.down_reason, "wpa_supplicant terminated");
        assert_int_eq(wpas_p2p_ops.connect(r.w, SINK, NULL), -EHOSTDOWN);

        fake_wpas_clear_cmds(r.f);
        r.log.up_seen = false;
        assert_int_eq(fake_wpas_start(r.f), 0);
        assert_true(RUN_UNTIL(&r, rr->log.up_seen && fake_wpas_has(rr->f, "P2P_FIND 30")));
        assert_true(fake_wpas_has(r.f, "SET wifi_display 1"));
        assert_true(fake_wpas_has(r.f, "WFD_SUBELEM_SET 0 000600101c440032"));
        assert_true(fake_wpas_has(r.f, "P2P_PEER FIRST"));
        rig_teardown(&r);
}

TEST(silent_death, "/p2p/wpas/wpa_supplicant vanishes without a word: the PING notices") {
        struct rig r;
        rig_setup(&r);
        wpas_set_timeouts(r.w, 1000000, 300000);
        fake_wpas_crash(r.f);
        assert_true(RUN_UNTIL(&r, rr->log.down_seen));
        assert_int_eq(fake_wpas_start(r.f), 0);
        r.log.up_seen = false;
        assert_true(RUN_UNTIL(&r, rr->log.up_seen));
        rig_teardown(&r);
}
