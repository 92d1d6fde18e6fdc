/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The real wpa_supplicant binary (Debian's wpasupplicant), no radio: it is
 * started with a private global control socket, and a veth interface is
 * added with the "wired" driver, which gives a real per-interface control
 * socket. Checks that every command the backend sends that needs no radio
 * is accepted (identity, GO intent, in-handshake IP pool, the WFD device
 * information subelement read back with WFD_SUBELEM_GET; wifi_display on the
 * global socket, because the per-interface SET needs P2P, i.e. a radio),
 * and that the backend notices wpa_supplicant terminating and reconnects
 * and re-applies everything when it comes back. Runs as root (CI does).
 *
 * What needs a radio (P2P_FIND, P2P_CONNECT, groups) is covered by the fake
 * socket test and the VM end-to-end.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../daemon/p2p.h"
#include "../../daemon/wpas.h"
#include "../../daemon/wpas_ctrl.h"
#include "../../protocol/wfd_ie.h"
#include "../../protocol/wpas_cmd.h"
#include "../lib/netns-util.h"
#include "../lib/test.h"

static char tmpdir[] = "/tmp/mcd-wreal-XXXXXX";
static char global_path[128], ctrl_dir[128], iface_path[160];
static pid_t wpas_pid = -1;
static bool ready;

struct reply {
        bool done;
        int error;
        char text[4096];
};

static void on_reply(struct wpas_ctrl *c, int error, const char *reply, size_t len, void *userdata)
{
        struct reply *r = userdata;
        r->error = error;
        snprintf(r->text, sizeof(r->text), "%.*s", (int) len, reply ? reply : "");
        r->done = true;
}

/* Send one command on a fresh client and wait for its reply. */
static int command(sd_event *e, const char *path, const char *cmd, char *out, size_t size)
{
        struct wpas_ctrl *c = NULL;
        struct reply r = {};
        int k;

        k = wpas_ctrl_new(e, path, tmpdir, NULL, NULL, NULL, &c);
        if (k >= 0)
                k = wpas_ctrl_open(c);
        if (k >= 0)
                k = wpas_ctrl_send(c, cmd, on_reply, &r);
        if (k >= 0) {
                event_run_until(e, &r.done, 10);
                k = r.done ? r.error : -ETIMEDOUT;
        }
        if (k >= 0)
                snprintf(out, size, "%s", r.text);
        wpas_ctrl_free(c);
        return k;
}

static void start_wpas(sd_event *e)
{
        char *argv[] = { "wpa_supplicant", "-g", global_path, "-K", NULL };
        char out[256], add[256];
        struct stat st;

        wpas_pid = spawn_argv(argv);
        assert_int_ge(wpas_pid, 1);
        for (int i = 0; i < 100 && stat(global_path, &st) < 0; i++)
                usleep(50 * 1000);
        assert_int_eq(stat(global_path, &st), 0);
        snprintf(add, sizeof(add), "INTERFACE_ADD mcdw0\t\twired\t%s", ctrl_dir);
        assert_int_eq(command(e, global_path, add, out, sizeof(out)), 0);
        assert_str_eq(out, "OK\n");
        assert_int_eq(stat(iface_path, &st), 0);
}

static void stop_wpas(void)
{
        kill_wait(wpas_pid);
        wpas_pid = -1;
}

static void setup(sd_event *e)
{
        if (!ready) {
                assert_non_null(mkdtemp(tmpdir));
                test_remove_at_exit(tmpdir);
                snprintf(global_path, sizeof(global_path), "%s/global", tmpdir);
                snprintf(ctrl_dir, sizeof(ctrl_dir), "%s/ctrl", tmpdir);
                snprintf(iface_path, sizeof(iface_path), "%s/mcdw0", ctrl_dir);
                assert_int_eq(netns_test_setup("mcd-wreal", "mcdw0", "mcdw0p"), 0);
                ready = true;
        }
        if (wpas_pid < 0)
                start_wpas(e);
}

TEST(settings_accepted, "/p2p/wpas-real/every radio-less setting the backend sends is accepted") {
        struct p2p_config cfg;
        struct wpas_cmd_list cmds;
        char out[4096];
        sd_event *e = NULL;

        assert_int_eq(sd_event_new(&e), 0);
        setup(e);
        assert_int_eq(p2p_config_init(&cfg), 0);
        cfg.device_name = strdup("miracastd test");
        assert_int_eq(wpas_settings_commands(&cfg, &cmds), 0);
        for (size_t i = 0; i < cmds.n; i++) {
                const char *cmd = cmds.cmd[i];
                /* SET wifi_display is process-wide: on an interface it needs P2P (a radio); the global socket takes it. */
                const char *path = strcmp(cmd, "SET wifi_display 1") == 0 ? global_path : iface_path;
                assert_int_eq(command(e, path, cmd, out, sizeof(out)), 0);
                if (strcmp(out, "OK\n") != 0)
                        test_fail(__FILE__, __LINE__, "\"%s\" -> \"%s\"", cmd, out);
        }
        assert_int_ge(cmds.n, 9);
        assert_int_eq(command(e, iface_path, "WFD_SUBELEM_GET 0", out, sizeof(out)), 0);
        assert_str_eq(out, "000600101c440032");
        assert_int_eq(command(e, global_path, "STATUS", out, sizeof(out)), 0);
        assert_true(strstr(out, "wifi_display=1") != NULL);
        /* not everything is accepted: the check can fail */
        assert_int_eq(command(e, iface_path, "SET p2p_go_intent 16", out, sizeof(out)), 0);
        assert_str_eq(out, "FAIL\n");
        p2p_config_clear(&cfg);
        sd_event_unref(e);
}

TEST(wfd_port_throughput, "/p2p/wpas-real/the WFD IE carries the configured port and throughput") {
        struct p2p_config cfg;
        struct wpas_cmd_list cmds;
        char out[256];
        sd_event *e = NULL;
        uint8_t body[16];
        size_t n;
        struct wfd_device_info d;

        assert_int_eq(sd_event_new(&e), 0);
        setup(e);
        assert_int_eq(p2p_config_init(&cfg), 0);
        cfg.rtsp_port = 7250;
        cfg.max_throughput_mbps = 300;
        assert_int_eq(wpas_wfd_commands(&cfg, &cmds), 0);
        assert_int_eq(command(e, iface_path, cmds.cmd[1], out, sizeof(out)), 0);
        assert_str_eq(out, "OK\n");
        assert_int_eq(command(e, iface_path, "WFD_SUBELEM_GET 0", out, sizeof(out)), 0);
        assert_int_eq(wfd_subelem_parse_get(out, strlen(out), body, sizeof(body), &n), 0);
        assert_int_eq(wfd_device_info_parse(body, n, &d), 0);
        assert_int_eq(wfd_device_info_type(&d), WFD_DEVICE_SOURCE);
        assert_true(wfd_device_info_available(&d));
        assert_false(d.bitmap & WFD_DEVINFO_CONTENT_PROTECTION); /* no HDCP claimed */
        assert_int_eq(d.control_port, 7250);
        assert_int_eq(d.max_throughput_mbps, 300);
        p2p_config_clear(&cfg);
        sd_event_unref(e);
}

struct state_log {
        bool up, down;
        unsigned ups;
};

static void on_state(void *u, bool available, const char *why)
{
        struct state_log *s = u;
        if (available) {
                s->up = true;
                s->ups++;
        } else
                s->down = true;
}

TEST(backend_restart, "/p2p/wpas-real/the backend applies its IE, sees wpa_supplicant terminate, reconnects, re-applies") {
        struct p2p_config cfg;
        struct state_log st = {};
        struct p2p_owner owner = { .state_changed = on_state, .userdata = &st };
        struct wpas *w = NULL;
        sd_event *e = NULL;
        char out[256];

        assert_int_eq(sd_event_new(&e), 0);
        setup(e);
        assert_int_eq(p2p_config_init(&cfg), 0);
        free(cfg.runtime_dir);
        cfg.runtime_dir = strdup(tmpdir);
        cfg.max_throughput_mbps = 100;
        assert_int_eq(command(e, iface_path, "WFD_SUBELEM_SET 0 ", out, sizeof(out)), 0); /* clear */
        assert_int_eq(wpas_new(e, &cfg, iface_path, &owner, &w), 0);
        assert_true(event_run_until(e, &st.up, 10));
        /* let the queued settings go through, then read the IE back */
        for (int i = 0; i < 20; i++)
                (void) sd_event_run(e, 20 * 1000);
        assert_int_eq(command(e, iface_path, "WFD_SUBELEM_GET 0", out, sizeof(out)), 0);
        assert_str_eq(out, "000600101c440064");

        /* wpa_supplicant exits (CTRL-EVENT-TERMINATING to monitors) */
        stop_wpas();
        assert_true(event_run_until(e, &st.down, 10));
        st.up = false;
        start_wpas(e);
        assert_int_eq(command(e, iface_path, "WFD_SUBELEM_GET 0", out, sizeof(out)), 0);
        assert_str_eq(out, ""); /* a fresh process has no IE */
        assert_true(event_run_until(e, &st.up, 20));
        for (int i = 0; i < 20; i++)
                (void) sd_event_run(e, 20 * 1000);
        assert_int_eq(command(e, iface_path, "WFD_SUBELEM_GET 0", out, sizeof(out)), 0);
        assert_str_eq(out, "000600101c440064");
        assert_int_eq(st.ups, 2);

        wpas_free(w);
        p2p_config_clear(&cfg);
        sd_event_unref(e);
        stop_wpas();
}
