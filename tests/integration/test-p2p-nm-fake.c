/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The nm backend against a FAKE NetworkManager on a private dbus-daemon.
 * NetworkManager's Wi-Fi P2P device needs a Wi-Fi radio, which cannot exist
 * here, so a forked child plays NetworkManager's D-Bus objects (manager,
 * WifiP2P device, one peer with a sink WFD IE, active connection, IP4Config)
 * with the property and signal names of the NetworkManager API, reports every
 * call it gets on a pipe, and plays one scripted outcome per activation:
 * "go" (activated, no gateway), "client" (activated, gateway = the sink),
 * "reject" (deactivated). A byte on its control pipe deactivates the active
 * connection (the group is lost), removes or re-adds the peer, or makes the
 * P2P device available; closing the pipe ends it (NetworkManager stops), and
 * a new one can take the bus name with another device path (a restart).
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
#include "../lib/netns-util.h"
#include "../lib/test-bus.h"
#include "../lib/test.h"

#define SINK "42:00:00:00:01:00"
#define PEER_PATH "/org/freedesktop/NetworkManager/WifiP2PPeer/1"
#define DEV_PATH "/org/freedesktop/NetworkManager/Devices/7"
#define DEV_PATH2 "/org/freedesktop/NetworkManager/Devices/12"
#define AC_PATH "/org/freedesktop/NetworkManager/ActiveConnection/1"
#define IP4_PATH "/org/freedesktop/NetworkManager/IP4Config/1"

/* ---- the FAKE NetworkManager (child process) ------------------------------------ */

/* Inherited by the forked fake: its P2P device path and initial device state (30 disconnected, 20 unavailable). */
static const char *fake_dev_path = DEV_PATH;
static uint32_t fake_dev_state = 30;

struct fake_nm {
        sd_bus *bus;
        uint32_t dev_state;
        int report_fd;
        const char *mode;
        uint32_t ac_state;
        bool active, peer_present;
        char ifname[16];
};

static void fake_report(struct fake_nm *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fake_report(struct fake_nm *f, const char *fmt, ...)
{
        char line[512];
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
        va_end(ap);
        if (n < 0)
                return;
        if ((size_t) n > sizeof(line) - 2)
                n = sizeof(line) - 2;
        line[n++] = '\n';
        (void) !write(f->report_fd, line, n);
}

static int fake_get_devices(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        fake_report(userdata, "GetDevices");
        return sd_bus_reply_method_return(m, "ao", 2, "/org/freedesktop/NetworkManager/Devices/1", fake_dev_path);
}

static void fake_set_state(struct fake_nm *f, uint32_t state, uint32_t reason)
{
        f->ac_state = state;
        f->active = state == 1 || state == 2;
        snprintf(f->ifname, sizeof(f->ifname), "%s", state == 2 ? "p2p-nm0" : "");
        (void) sd_bus_emit_signal(f->bus, AC_PATH, "org.freedesktop.NetworkManager.Connection.Active", "StateChanged",
                                  "uu", state, reason);
}

static int fake_activate(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        struct fake_nm *f = userdata;
        const char *group, *key, *peer = "", *dev, *specific;
        const void *ies = NULL;
        size_t ies_len = 0;
        char hex[64] = "";
        int r;

        /* a{sa{sv}}: record wifi-p2p.peer and wifi-p2p.wfd-ies */
        r = sd_bus_message_enter_container(m, 'a', "{sa{sv}}");
        while (r >= 0 && sd_bus_message_enter_container(m, 'e', "sa{sv}") > 0) {
                (void) sd_bus_message_read(m, "s", &group);
                (void) sd_bus_message_enter_container(m, 'a', "{sv}");
                while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
                        (void) sd_bus_message_read(m, "s", &key);
                        if (strcmp(group, "wifi-p2p") == 0 && strcmp(key, "peer") == 0)
                                (void) sd_bus_message_read(m, "v", "s", &peer);
                        else if (strcmp(group, "wifi-p2p") == 0 && strcmp(key, "wfd-ies") == 0) {
                                (void) sd_bus_message_enter_container(m, 'v', "ay");
                                (void) sd_bus_message_read_array(m, 'y', &ies, &ies_len);
                                (void) sd_bus_message_exit_container(m);
                        } else
                                (void) sd_bus_message_skip(m, "v");
                        (void) sd_bus_message_exit_container(m);
                }
                (void) sd_bus_message_exit_container(m);
                (void) sd_bus_message_exit_container(m);
        }
        (void) sd_bus_message_exit_container(m);
        r = sd_bus_message_read(m, "oo", &dev, &specific);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ies_len && i < 30; i++)
                sprintf(hex + 2 * i, "%02x", ((const uint8_t *) ies)[i]);
        fake_report(f, "AddAndActivateConnection2 peer=%s wfd-ies=%s device=%s peer-object=%s", peer, hex, dev, specific);
        r = sd_bus_reply_method_return(m, "ooa{sv}", "/org/freedesktop/NetworkManager/Settings/9", AC_PATH, 0);
        if (r < 0)
                return r;
        fake_set_state(f, 1, 0);
        if (strcmp(f->mode, "reject") == 0)
                fake_set_state(f, 4, 10);
        else
                fake_set_state(f, 2, 0);
        return 1;
}

static int fake_deactivate(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        struct fake_nm *f = userdata;
        const char *path;
        int r = sd_bus_message_read(m, "o", &path);
        if (r < 0)
                return r;
        fake_report(f, "DeactivateConnection %s", path);
        r = sd_bus_reply_method_return(m, "");
        if (f->active)
                fake_set_state(f, 4, 2);
        return r;
}

static int fake_start_find(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        struct fake_nm *f = userdata;
        const char *key;
        int32_t timeout = -1;

        (void) sd_bus_message_enter_container(m, 'a', "{sv}");
        while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
                (void) sd_bus_message_read(m, "s", &key);
                if (strcmp(key, "timeout") == 0)
                        (void) sd_bus_message_read(m, "v", "i", &timeout);
                else
                        (void) sd_bus_message_skip(m, "v");
                (void) sd_bus_message_exit_container(m);
        }
        fake_report(f, "StartFind timeout=%d", timeout);
        return sd_bus_reply_method_return(m, "");
}

static int fake_stop_find(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        fake_report(userdata, "StopFind");
        return sd_bus_reply_method_return(m, "");
}

static int fake_prop_peers(sd_bus *bus, const char *path, const char *iface, const char *prop, sd_bus_message *reply,
                           void *userdata, sd_bus_error *error)
{
        struct fake_nm *f = userdata;
        return f->peer_present ? sd_bus_message_append(reply, "ao", 1, PEER_PATH) : sd_bus_message_append(reply, "ao", 0);
}

static int fake_prop_u(sd_bus *bus, const char *path, const char *iface, const char *prop, sd_bus_message *reply,
                       void *userdata, sd_bus_error *error)
{
        struct fake_nm *f = userdata;
        uint32_t v = 0;

        if (strcmp(prop, "DeviceType") == 0)
                v = strcmp(path, fake_dev_path) == 0 ? 30 : 2; /* Devices/1 is a plain Wi-Fi device */
        else if (strcmp(prop, "State") == 0)
                v = strcmp(path, fake_dev_path) == 0 ? f->dev_state : 100;
        return sd_bus_message_append(reply, "u", v);
}

static int fake_prop_s(sd_bus *bus, const char *path, const char *iface, const char *prop, sd_bus_message *reply,
                       void *userdata, sd_bus_error *error)
{
        struct fake_nm *f = userdata;

        if (strcmp(prop, "IpInterface") == 0)
                return sd_bus_message_append(reply, "s", f->ifname);
        if (strcmp(prop, "Name") == 0)
                return sd_bus_message_append(reply, "s", "[TV] Living Room");
        if (strcmp(prop, "HwAddress") == 0)
                return sd_bus_message_append(reply, "s", "42:00:00:00:01:00");
        if (strcmp(prop, "Gateway") == 0)
                return sd_bus_message_append(reply, "s", strcmp(f->mode, "client") == 0 ? "192.168.88.1" : "");
        return sd_bus_message_append(reply, "s", "");
}

static int fake_prop_strength(sd_bus *bus, const char *path, const char *iface, const char *prop, sd_bus_message *reply,
                              void *userdata, sd_bus_error *error)
{
        return sd_bus_message_append(reply, "y", (uint8_t) 70);
}

static int fake_prop_wfdies(sd_bus *bus, const char *path, const char *iface, const char *prop, sd_bus_message *reply,
                            void *userdata, sd_bus_error *error)
{
        static const uint8_t ies[] = { 0x00, 0x00, 0x06, 0x00, 0x11, 0x1c, 0x44, 0x00, 0xc8 };
        return sd_bus_message_append_array(reply, 'y', ies, sizeof(ies));
}

static int fake_prop_ac_state(sd_bus *bus, const char *path, const char *iface, const char *prop, sd_bus_message *reply,
                              void *userdata, sd_bus_error *error)
{
        return sd_bus_message_append(reply, "u", ((struct fake_nm *) userdata)->ac_state);
}

static int fake_prop_ip4(sd_bus *bus, const char *path, const char *iface, const char *prop, sd_bus_message *reply,
                         void *userdata, sd_bus_error *error)
{
        return sd_bus_message_append(reply, "o", IP4_PATH);
}

static int fake_prop_addrdata(sd_bus *bus, const char *path, const char *iface, const char *prop, sd_bus_message *reply,
                              void *userdata, sd_bus_error *error)
{
        struct fake_nm *f = userdata;
        const char *a = strcmp(f->mode, "client") == 0 ? "192.168.88.23" : "10.42.0.1";
        return sd_bus_message_append(reply, "aa{sv}", 1, 2, "address", "s", a, "prefix", "u", 24);
}

static const sd_bus_vtable fake_manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("GetDevices", "", "ao", fake_get_devices, 0),
        SD_BUS_METHOD("AddAndActivateConnection2", "a{sa{sv}}ooa{sv}", "ooa{sv}", fake_activate, 0),
        SD_BUS_METHOD("DeactivateConnection", "o", "", fake_deactivate, 0),
        SD_BUS_VTABLE_END
};

static const sd_bus_vtable fake_device_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("DeviceType", "u", fake_prop_u, 0, 0),
        SD_BUS_PROPERTY("State", "u", fake_prop_u, 0, 0),
        SD_BUS_PROPERTY("IpInterface", "s", fake_prop_s, 0, 0),
        SD_BUS_VTABLE_END
};

static const sd_bus_vtable fake_p2p_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("StartFind", "a{sv}", "", fake_start_find, 0),
        SD_BUS_METHOD("StopFind", "", "", fake_stop_find, 0),
        SD_BUS_PROPERTY("Peers", "ao", fake_prop_peers, 0, 0),
        SD_BUS_SIGNAL("PeerAdded", "o", 0),
        SD_BUS_SIGNAL("PeerRemoved", "o", 0),
        SD_BUS_VTABLE_END
};

static const sd_bus_vtable fake_peer_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Name", "s", fake_prop_s, 0, 0),
        SD_BUS_PROPERTY("HwAddress", "s", fake_prop_s, 0, 0),
        SD_BUS_PROPERTY("Strength", "y", fake_prop_strength, 0, 0),
        SD_BUS_PROPERTY("WfdIEs", "ay", fake_prop_wfdies, 0, 0),
        SD_BUS_VTABLE_END
};

static const sd_bus_vtable fake_ac_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("State", "u", fake_prop_ac_state, 0, 0),
        SD_BUS_PROPERTY("Ip4Config", "o", fake_prop_ip4, 0, 0),
        SD_BUS_SIGNAL("StateChanged", "uu", 0),
        SD_BUS_VTABLE_END
};

static const sd_bus_vtable fake_ip4_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("AddressData", "aa{sv}", fake_prop_addrdata, 0, 0),
        SD_BUS_PROPERTY("Gateway", "s", fake_prop_s, 0, 0),
        SD_BUS_VTABLE_END
};

static int fake_on_control(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        struct fake_nm *f = userdata;
        char c;

        if (read(fd, &c, 1) != 1) {
                sd_event_exit(sd_event_source_get_event(s), 0);
                return 0;
        }
        if (c == 'd' && f->active)
                fake_set_state(f, 4, 3); /* the group went away */
        else if (c == 'r') {
                f->peer_present = false;
                (void) sd_bus_emit_signal(f->bus, fake_dev_path, "org.freedesktop.NetworkManager.Device.WifiP2P",
                                          "PeerRemoved", "o", PEER_PATH);
        } else if (c == 'a') {
                f->peer_present = true;
                (void) sd_bus_emit_signal(f->bus, fake_dev_path, "org.freedesktop.NetworkManager.Device.WifiP2P",
                                          "PeerAdded", "o", PEER_PATH);
        } else if (c == 'u')
                f->dev_state = 30; /* the device became available (its wpa_supplicant interface is ready) */
        return 0;
}

static int fake_nm_main(const char *address, const char *mode, int report_fd, int control_fd)
{
        struct fake_nm f = { .report_fd = report_fd, .mode = mode, .peer_present = true, .dev_state = fake_dev_state };
        sd_event *e = NULL;

        if (sd_event_new(&e) < 0 || sd_bus_new(&f.bus) < 0 || sd_bus_set_address(f.bus, address) < 0 ||
            sd_bus_set_bus_client(f.bus, 1) < 0 || sd_bus_start(f.bus) < 0)
                return 1;
        if (sd_bus_add_object_vtable(f.bus, NULL, "/org/freedesktop/NetworkManager", "org.freedesktop.NetworkManager",
                                     fake_manager_vtable, &f) < 0 ||
            sd_bus_add_object_vtable(f.bus, NULL, fake_dev_path, "org.freedesktop.NetworkManager.Device",
                                     fake_device_vtable, &f) < 0 ||
            sd_bus_add_object_vtable(f.bus, NULL, "/org/freedesktop/NetworkManager/Devices/1",
                                     "org.freedesktop.NetworkManager.Device", fake_device_vtable, &f) < 0 ||
            sd_bus_add_object_vtable(f.bus, NULL, fake_dev_path, "org.freedesktop.NetworkManager.Device.WifiP2P",
                                     fake_p2p_vtable, &f) < 0 ||
            sd_bus_add_object_vtable(f.bus, NULL, PEER_PATH, "org.freedesktop.NetworkManager.WifiP2PPeer",
                                     fake_peer_vtable, &f) < 0 ||
            sd_bus_add_object_vtable(f.bus, NULL, AC_PATH, "org.freedesktop.NetworkManager.Connection.Active",
                                     fake_ac_vtable, &f) < 0 ||
            sd_bus_add_object_vtable(f.bus, NULL, IP4_PATH, "org.freedesktop.NetworkManager.IP4Config",
                                     fake_ip4_vtable, &f) < 0 ||
            sd_bus_request_name(f.bus, "org.freedesktop.NetworkManager", 0) < 0 ||
            sd_bus_attach_event(f.bus, e, 0) < 0 ||
            sd_event_add_io(e, NULL, control_fd, EPOLLIN, fake_on_control, &f) < 0)
                return 1;
        fake_report(&f, "ready");
        sd_event_loop(e);
        return 0;
}

/* ---- the test (parent) ------------------------------------------------------- */

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
        char conf[256], sock[256];
        FILE *f;

        if (bus_pid > 0)
                return;
        assert_non_null(mkdtemp(tmpdir));
        test_remove_at_exit(tmpdir);
        snprintf(conf, sizeof(conf), "%s/bus.conf", tmpdir);
        snprintf(sock, sizeof(sock), "%s/bus", tmpdir);
        f = fopen(conf, "w");
        assert_non_null(f);
        fprintf(f, "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\" "
                   "\"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
                   "<busconfig><type>session</type><listen>unix:path=%s</listen>"
                   "<policy context=\"default\"><allow send_destination=\"*\"/><allow receive_sender=\"*\"/><allow own=\"*\"/></policy></busconfig>\n",
                sock);
        fclose(f);
        assert_int_eq(test_dbus_daemon_start(conf, NULL, 0, &bus_pid), 0);
        atexit(bus_stop);
        snprintf(bus_address, sizeof(bus_address), "unix:path=%s", sock);
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
        assert_int_eq(nm_p2p_ops.connect(r.nm, SINK, NULL), 0);
        assert_int_eq(nm_p2p_ops.connect(r.nm, SINK, NULL), -EBUSY);
        /* the fake's report pipe and the bus are separate channels: wait for both */
        assert_true(RUN_UNTIL(&r, rr->group_up && strstr(rr->reports, "AddAndActivateConnection2 peer=42:00:00:00:01:00 "
                                                                    "wfd-ies=00000600101c440032 device=" DEV_PATH
                                                                    " peer-object=" PEER_PATH) != NULL));
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
        assert_int_eq(nm_p2p_ops.connect(r.nm, SINK, NULL), 0);
        assert_true(RUN_UNTIL(&r, rr->group_up && strstr(rr->reports, "AddAndActivateConnection2 peer=42:00:00:00:01:00 "
                                                                    "wfd-ies=00000600101c440032 device=" DEV_PATH2
                                                                    " peer-object=" PEER_PATH) != NULL));
        assert_int_eq(r.role, P2P_ROLE_GO);
        nm_p2p_ops.disconnect(r.nm, SINK);
        assert_true(RUN_UNTIL(&r, strstr(rr->reports, "DeactivateConnection " AC_PATH) != NULL));
        rig_teardown(&r);
}
