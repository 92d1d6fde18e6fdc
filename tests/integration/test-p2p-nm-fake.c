/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The nm backend in process against a FAKE NetworkManager
 * (tests/lib/fake-nm.h: a forked child on a private dbus-daemon; the Wi-Fi
 * P2P device needs a radio, which cannot exist here). The test is the
 * backend's owner and checks what it reports and what the fake was asked.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include "../../daemon/nm.h"
#include "../../daemon/p2p.h"
#include "../lib/fake-nm.h"
#include "../lib/netns-util.h"
#include "../lib/test-bus.h"
#include "../lib/test.h"

#define SINK      FAKE_NM_SINK
#define PEER_PATH FAKE_NM_PEER_PATH
#define DEV_PATH  FAKE_NM_DEV_PATH
#define DEV_PATH2 FAKE_NM_DEV_PATH2
#define AC_PATH   FAKE_NM_AC_PATH

static char tmpdir[] = "/tmp/mcd-nm-XXXXXX";
static char bus_address[300];
static pid_t bus_pid = -1;

struct rig {
        sd_event *e;
        pid_t fake_pid;
        int report_fd, control_fd;
        char reports[8192];
        size_t reports_len;
        struct p2p_config config;
        struct nm *nm;
        sd_event_source *report_src;
        /* what the backend reported */
        bool up, discovering, peer_seen, lost, group_up, failed, group_down;
        char peer_name[64], peer_type[32], local_ip[32], peer_ip[32], ifname[32], why[160], reason[200];
        unsigned tput;
        int16_t signal;
        enum p2p_role role;
        bool peer_ip_null;
        int error;
};

static void o_state(void *u, bool up, const char *why)
{
        struct rig *r = u;
        r->up = up;
        snprintf(r->why, sizeof(r->why), "%s", why ? why : "");
}
static void o_disc(void *u, bool on) { ((struct rig *) u)->discovering = on; }
static void o_peer(void *u, const struct p2p_peer *p)
{
        struct rig *r = u;
        r->peer_seen = true;
        r->lost = false;
        snprintf(r->peer_name, sizeof(r->peer_name), "%s", p->name);
        snprintf(r->peer_type, sizeof(r->peer_type), "%s", p->device_type);
        r->tput = p->max_throughput_mbps;
        r->signal = p->signal_dbm;
}
static void o_lost(void *u, const char *a) { ((struct rig *) u)->lost = true; }
static void o_up(void *u, const struct p2p_group *g)
{
        struct rig *r = u;
        r->group_up = true;
        snprintf(r->local_ip, sizeof(r->local_ip), "%s", g->local_ip);
        snprintf(r->peer_ip, sizeof(r->peer_ip), "%s", g->peer_ip ? g->peer_ip : "");
        r->peer_ip_null = !g->peer_ip;
        snprintf(r->ifname, sizeof(r->ifname), "%s", g->ifname);
        r->role = g->role;
}
static void o_failed(void *u, const char *a, int error, const char *reason)
{
        struct rig *r = u;
        r->failed = true;
        r->error = error;
}
static void o_down(void *u, const char *a, int error, const char *reason)
{
        struct rig *r = u;
        r->group_down = true;
        r->error = error;
        snprintf(r->reason, sizeof(r->reason), "%s", reason ? reason : "");
}

static int on_report(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        struct rig *r = userdata;
        ssize_t n = read(fd, r->reports + r->reports_len, sizeof(r->reports) - 1 - r->reports_len);
        if (n > 0) {
                r->reports_len += n;
                r->reports[r->reports_len] = 0;
        }
        return 0;
}

#define RUN_UNTIL(rig_, cond)                                                            \
        ({                                                                              \
                struct rig *rr = (rig_);                                                \
                struct timespec _s, _n;                                                 \
                bool _ok = true;                                                        \
                clock_gettime(CLOCK_MONOTONIC, &_s);                                    \
                while (!(cond)) {                                                       \
                        clock_gettime(CLOCK_MONOTONIC, &_n);                            \
                        if (_n.tv_sec - _s.tv_sec >= 20 || sd_event_run(rr->e, 50000) < 0) { \
                                _ok = false;                                            \
                                break;                                                  \
                        }                                                               \
                }                                                                       \
                _ok;                                                                    \
        })

static void bus_stop(void)
{
        kill_wait(bus_pid);
}

static void start_bus(void)
{
        if (bus_pid > 0)
                return;
        assert_non_null(mkdtemp(tmpdir));
        test_remove_at_exit(tmpdir);
        assert_int_eq(test_private_bus_start(tmpdir, "session", bus_address, sizeof(bus_address), &bus_pid), 0);
        atexit(bus_stop);
}

/* A failed case leaves its fake running (the assertion jumps over the teardown): stop it first. */
static pid_t last_fake = -1;

/* Fork a fake NetworkManager (mode as above) and wait until it owns the bus name. */
static void fake_start(struct rig *r, const char *mode)
{
        int rep[2], ctl[2];

        assert_int_eq(pipe2(rep, O_CLOEXEC), 0);
        assert_int_eq(pipe2(ctl, O_CLOEXEC), 0);
        r->fake_pid = fork();
        assert_int_ge(r->fake_pid, 0);
        if (r->fake_pid == 0) {
                close(rep[0]);
                close(ctl[1]);
                _exit(fake_nm_main(bus_address, mode, rep[1], ctl[0]));
        }
        last_fake = r->fake_pid;
        close(rep[1]);
        close(ctl[0]);
        r->report_fd = rep[0];
        r->control_fd = ctl[1];
        r->reports_len = 0;
        r->reports[0] = 0;
        r->report_src = sd_event_source_disable_unref(r->report_src);
        assert_int_eq(sd_event_add_io(r->e, &r->report_src, r->report_fd, EPOLLIN, on_report, r), 0);
        assert_true(RUN_UNTIL(r, strstr(rr->reports, "ready\n") != NULL));
}

/* The fake NetworkManager quits: it leaves the bus. */
static void fake_stop(struct rig *r)
{
        r->report_src = sd_event_source_disable_unref(r->report_src);
        close(r->control_fd);
        (void) waitpid(r->fake_pid, NULL, 0);
        last_fake = -1;
        close(r->report_fd);
}

static void rig_setup(struct rig *r, const char *mode)
{
        kill_wait(last_fake);
        last_fake = -1;
        start_bus();
        memset(r, 0, sizeof(*r));
        fake_dev_path = DEV_PATH;
        fake_dev_state = 30;
        assert_int_eq(sd_event_new(&r->e), 0);
        fake_start(r, mode);
        assert_int_eq(p2p_config_init(&r->config), 0);
        struct p2p_owner owner = {
                .state_changed = o_state, .discovering_changed = o_disc, .peer_changed = o_peer, .peer_lost = o_lost,
                .group_up = o_up, .connect_failed = o_failed, .group_down = o_down, .userdata = r,
        };
        assert_int_eq(nm_new(r->e, &r->config, bus_address, &owner, &r->nm), 0);
        assert_false(r->up); /* never called back from inside nm_new() */
        assert_true(RUN_UNTIL(r, rr->up && rr->peer_seen));
}

static void rig_teardown(struct rig *r)
{
        r->nm = nm_free(r->nm);
        fake_stop(r);
        p2p_config_clear(&r->config);
        sd_event_unref(r->e);
}

TEST(nm_peers, "/p2p/nm/the P2P device is found, its WFD sink peer becomes a sink, find is renewed, removal") {
        struct rig r;
        rig_setup(&r, "go");
        assert_str_eq(r.peer_name, "[TV] Living Room");
        assert_str_eq(r.peer_type, "primary-sink");
        assert_int_eq(r.tput, 200);
        assert_int_eq(r.signal, -65);
        r.config.find_sec = 1;
        assert_int_eq(nm_p2p_ops.start_discovery(r.nm), 0);
        assert_true(RUN_UNTIL(&r, rr->discovering && strstr(rr->reports, "StartFind timeout=1\n") != NULL));
        /* renewed while wanted */
        assert_true(RUN_UNTIL(&r, strstr(strstr(rr->reports, "StartFind") + 1, "StartFind") != NULL));
        assert_int_eq(nm_p2p_ops.stop_discovery(r.nm), 0);
        assert_true(RUN_UNTIL(&r, strstr(rr->reports, "StopFind\n") != NULL));
        assert_int_eq(write(r.control_fd, "r", 1), 1);
        assert_true(RUN_UNTIL(&r, rr->lost));
        assert_int_eq(nm_p2p_ops.connect(r.nm, SINK, NULL), -ENOENT);
        assert_int_eq(write(r.control_fd, "a", 1), 1);
        assert_true(RUN_UNTIL(&r, !rr->lost));
        rig_teardown(&r);
}

TEST(nm_connect_go, "/p2p/nm/connect: volatile wifi-p2p connection with our WFD IEs; activated as GO") {
        struct rig r;
        rig_setup(&r, "go");
        struct p2p_connect_options pin = { .method = "pin", .pin = "12345670", .go_intent = -1 };
        assert_int_eq(nm_p2p_ops.connect(r.nm, SINK, &pin), -EOPNOTSUPP);
        /* why, in words for the D-Bus error: NetworkManager is push-button only; use the wpas backend */
        assert_true(strstr(nm_p2p_ops.connect_refusal(r.nm, &pin), "push-button") != NULL);
        assert_true(strstr(nm_p2p_ops.connect_refusal(r.nm, &pin), "p2p-backend=wpas") != NULL);
        struct p2p_connect_options pbc = { .method = "pbc", .go_intent = -1 };
        assert_null(nm_p2p_ops.connect_refusal(r.nm, &pbc));
        assert_null(nm_p2p_ops.connect_refusal(r.nm, NULL));
        assert_int_eq(nm_p2p_ops.connect(r.nm, SINK, NULL), 0);
        assert_int_eq(nm_p2p_ops.connect(r.nm, SINK, NULL), -EBUSY);
        /* the fake's report pipe and the bus are separate channels: wait for both */
        assert_true(RUN_UNTIL(&r, rr->group_up && strstr(rr->reports, "AddAndActivateConnection2 peer=42:00:00:00:01:00 "
                                                                    "wfd-ies=00000600101c440032 device=" DEV_PATH
                                                                    " peer-object=" PEER_PATH " zone=\n") != NULL));
        assert_str_eq(r.ifname, "p2p-nm0");
        assert_str_eq(r.local_ip, "10.42.0.1");
        assert_int_eq(r.role, P2P_ROLE_GO);
        assert_true(r.peer_ip_null);
        /* session over: the connection is deactivated, not reported as a loss */
        nm_p2p_ops.disconnect(r.nm, SINK);
        assert_true(RUN_UNTIL(&r, strstr(rr->reports, "DeactivateConnection " AC_PATH) != NULL));
        assert_false(r.group_down);
        rig_teardown(&r);
}

TEST(nm_connect_client, "/p2p/nm/activated as client: the gateway is the sink; losing the group ends it") {
        struct rig r;
        rig_setup(&r, "client");
        assert_int_eq(nm_p2p_ops.connect(r.nm, SINK, NULL), 0);
        assert_true(RUN_UNTIL(&r, rr->group_up));
        assert_int_eq(r.role, P2P_ROLE_CLIENT);
        assert_str_eq(r.local_ip, "192.168.88.23");
        assert_str_eq(r.peer_ip, "192.168.88.1");
        assert_int_eq(write(r.control_fd, "d", 1), 1);
        assert_true(RUN_UNTIL(&r, rr->group_down));
        assert_int_eq(r.error, -ECONNRESET);
        rig_teardown(&r);
}

TEST(nm_reject, "/p2p/nm/NetworkManager deactivates before activation: the connect fails") {
        struct rig r;
        rig_setup(&r, "reject");
        assert_int_eq(nm_p2p_ops.connect(r.nm, SINK, NULL), 0);
        assert_true(RUN_UNTIL(&r, rr->failed));
        assert_int_eq(r.error, -EIO);
        assert_false(r.group_up);
        rig_teardown(&r);
}

TEST(nm_absent, "/p2p/nm/no NetworkManager on the bus: EHOSTDOWN, so auto falls back to wpas") {
        struct p2p_config c;
        struct nm *n = NULL;
        sd_event *e = NULL;
        kill_wait(last_fake);
        last_fake = -1;
        start_bus();
        assert_int_eq(sd_event_new(&e), 0);
        assert_int_eq(p2p_config_init(&c), 0);
        assert_int_eq(nm_new(e, &c, bus_address, NULL, &n), -EHOSTDOWN);
        assert_null(n);
        p2p_config_clear(&c);
        sd_event_unref(e);
}

static unsigned count(const char *text, const char *what)
{
        unsigned n = 0;
        for (const char *p = strstr(text, what); p; p = strstr(p + 1, what))
                n++;
        return n;
}

TEST(nm_restart, "/p2p/nm/NetworkManager restarts: the group's end says why, sinks go, discovery resumes, casts work") {
        struct rig r;
        rig_setup(&r, "client");
        assert_int_eq(nm_p2p_ops.start_discovery(r.nm), 0);
        assert_true(RUN_UNTIL(&r, rr->discovering && strstr(rr->reports, "StartFind") != NULL));
        assert_int_eq(nm_p2p_ops.connect(r.nm, SINK, NULL), 0);
        assert_true(RUN_UNTIL(&r, rr->group_up));

        /* NetworkManager stops mid-session */
        fake_stop(&r);
        assert_true(RUN_UNTIL(&r, rr->group_down && rr->lost && !rr->up && !rr->discovering));
        assert_int_eq(r.error, -ECONNRESET);
        assert_true(strstr(r.reason, "NetworkManager left the bus") != NULL);
        assert_true(strstr(r.reason, "P2P group") != NULL);
        assert_true(strstr(r.why, "NetworkManager left the bus") != NULL);
        assert_int_eq(nm_p2p_ops.connect(r.nm, SINK, NULL), -ENETDOWN);

        /* it comes back with a renumbered P2P device that is not ready at first */
        fake_dev_path = DEV_PATH2;
        fake_dev_state = 20;
        r.group_up = r.group_down = r.peer_seen = false;
        fake_start(&r, "go");
        assert_true(RUN_UNTIL(&r, count(rr->reports, "GetDevices") >= 2));
        assert_false(r.up);
        assert_false(r.peer_seen);
        assert_int_eq(write(r.control_fd, "u", 1), 1);
        /* found again: ready, its sink reported, discovery resumed without being asked again */
        assert_true(RUN_UNTIL(&r, rr->up && rr->peer_seen && rr->discovering &&
                                          strstr(rr->reports, "StartFind timeout=30") != NULL));
        assert_false(r.lost);
        /* with p2p-firewall-zone, the connection carries connection.zone */
        assert_int_eq(p2p_config_set(&r.config, "p2p-firewall-zone", "trusted"), 0);
        assert_int_eq(nm_p2p_ops.connect(r.nm, SINK, NULL), 0);
        assert_true(RUN_UNTIL(&r, rr->group_up && strstr(rr->reports, "AddAndActivateConnection2 peer=42:00:00:00:01:00 "
                                                                    "wfd-ies=00000600101c440032 device=" DEV_PATH2
                                                                    " peer-object=" PEER_PATH " zone=trusted\n") != NULL));
        assert_int_eq(r.role, P2P_ROLE_GO);
        nm_p2p_ops.disconnect(r.nm, SINK);
        assert_true(RUN_UNTIL(&r, strstr(rr->reports, "DeactivateConnection " AC_PATH) != NULL));
        rig_teardown(&r);
}

TEST(nm_device_unavailable, "/p2p/nm/the P2P device goes unavailable and comes back: the group ends with why, casts work again") {
        struct rig r;
        rig_setup(&r, "client");
        assert_int_eq(nm_p2p_ops.start_discovery(r.nm), 0);
        assert_true(RUN_UNTIL(&r, rr->discovering));
        assert_int_eq(nm_p2p_ops.connect(r.nm, SINK, NULL), 0);
        assert_true(RUN_UNTIL(&r, rr->group_up));
        /* NetworkManager stays, the device goes out of service (its wpa_supplicant interface went) */
        assert_int_eq(write(r.control_fd, "x", 1), 1);
        assert_true(RUN_UNTIL(&r, rr->group_down && rr->lost && !rr->up && !rr->discovering));
        assert_true(strstr(r.reason, "the Wi-Fi P2P device became unavailable") != NULL);
        assert_true(strstr(r.why, "became unavailable") != NULL);
        r.group_up = r.peer_seen = false;
        r.reports_len = 0;
        r.reports[0] = 0;
        assert_int_eq(write(r.control_fd, "u", 1), 1);
        assert_true(RUN_UNTIL(&r, rr->up && rr->peer_seen && rr->discovering && strstr(rr->reports, "StartFind") != NULL));
        assert_int_eq(nm_p2p_ops.connect(r.nm, SINK, NULL), 0);
        assert_true(RUN_UNTIL(&r, rr->group_up));
        rig_teardown(&r);
}

TEST(nm_wait, "/p2p/nm/p2p-backend=nm waits for NetworkManager and its device; auto does not") {
        struct rig r;
        kill_wait(last_fake);
        last_fake = -1;
        start_bus();
        memset(&r, 0, sizeof(r));
        fake_dev_path = DEV_PATH;
        fake_dev_state = 20;
        assert_int_eq(sd_event_new(&r.e), 0);
        assert_int_eq(p2p_config_init(&r.config), 0);
        struct p2p_owner owner = {
                .state_changed = o_state, .discovering_changed = o_disc, .peer_changed = o_peer, .peer_lost = o_lost,
                .group_up = o_up, .connect_failed = o_failed, .group_down = o_down, .userdata = &r,
        };
        /* auto: no NetworkManager is an error (fall back to wpas) */
        assert_int_eq(nm_new(r.e, &r.config, bus_address, &owner, &r.nm), -EHOSTDOWN);
        assert_null(r.nm);
        /* nm: wait for it */
        assert_int_eq(p2p_config_set(&r.config, "p2p-backend", "nm"), 0);
        assert_int_eq(nm_new(r.e, &r.config, bus_address, &owner, &r.nm), 0);
        assert_true(RUN_UNTIL(&r, strstr(rr->why, "waiting for NetworkManager to start") != NULL));
        assert_false(r.up);
        assert_int_eq(nm_p2p_ops.start_discovery(r.nm), 0); /* kept for later */
        /* it starts, its device not ready yet */
        fake_start(&r, "go");
        assert_true(RUN_UNTIL(&r, strstr(rr->reports, "GetDevices") != NULL));
        assert_false(r.up);
        assert_int_eq(write(r.control_fd, "u", 1), 1);
        assert_true(RUN_UNTIL(&r, rr->up && rr->peer_seen && rr->discovering && strstr(rr->reports, "StartFind") != NULL));
        assert_int_eq(nm_p2p_ops.connect(r.nm, SINK, NULL), 0);
        assert_true(RUN_UNTIL(&r, rr->group_up));
        rig_teardown(&r);
}
