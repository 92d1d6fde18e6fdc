/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The desktop app (desktop/app, miracast-cast) end to end, with screenshots:
 * the real miracastd on a private dbus-daemon, its wpas backend talking to a
 * FAKE wpa_supplicant control socket (tests/lib/fake-wpas.h; P2P needs a
 * radio), the real C test sink in a second network namespace, and the app
 * under Xvfb, driven by its --autotest script the way a person would:
 *
 *   window opens      -> StartDiscovery -> P2P_FIND; two DEVICE-FOUND -> two rows   [list.png]
 *   Enter on a row    -> Sink1.Cast -> P2P_CONNECT pbc; the display asks for a PIN
 *                        -> Agent1.RequestPinCode -> PIN dialog, typed              [pin.png]
 *   Enter in dialog   -> P2P_CONNECT <pin> keypad; group up; the sink plays          [casting.png]
 *   Stop              -> Session1.Stop -> the sink's session ends, group removed
 *   a display refuses -> Cast fails SinkRejected -> "The display refused the connection."  [error.png]
 *   no daemon on the bus -> the "not installed" page                                 [missing.png]
 *   installed, not running -> StartServiceByName starts it (D-Bus activation); the main page
 *   (without miracastd-user: Extend/window/sound/delay disabled; rows say "Wi-Fi Direct")
 *
 * With a FAKE org.miracastd.User (tests/desktop/fake-user1.h) on the session bus:
 *   the choices are usable; Show Extend, Sound On Both, Delay Low   [options.png]
 *   a real Return (xdotool) on the focused row -> User1.Cast(sink, video=extend audio=mirror
 *   latency=low-latency) -> Sink1.Cast; the sink lists UIBC input -> Agent1.RequestInput ->
 *   "Allow input from Office Display?"                                [input.png]
 *   real Tab, Return (xdotool) -> allowed: the sink gets the UIBC offer; Stop -> User1.Stop
 * With the real miracastd-user (no ScreenCast portal here):
 *   Duplicate -> User1.Cast(video=monitor) NotSupported -> again with video=daemon -> the
 *   daemon's own capture plays; Stop -> User1.Stop ends the session
 *
 * PNGs go to $MIRACAST_SCREENSHOT_DIR (make screenshots), else a temporary
 * directory. Runs as root (CI does); needs Xvfb (tools/install-deps.sh).
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
#include "../lib/test-bus.h"
#include "../lib/test.h"
#include "../desktop/fake-user1.h"

#define TV     "42:00:00:00:0d:01"
#define OFFICE "42:00:00:00:0d:02"
#define GROUP_IF "p2p-app0"
#define FOUND(addr, name) "<3>P2P-DEVICE-FOUND " addr " p2p_dev_addr=" addr " pri_dev_type=7-0050F204-1 name='" name \
                          "' config_methods=0x188 dev_capab=0x25 group_capab=0x0 wfd_dev_info=0x00111c440032 new=1"

static struct rig rig;
static sd_event *ev;          /* rig.ev and rig.fw, under the names the cases use */
static struct fake_wpas *fw;
static char shots[256], display[16];
static pid_t xvfb_pid = -1;
static bool ready;

#define RUN_UNTIL(cond) RIG_RUN_UNTIL(&rig, cond, 60)

static void cleanup(void)
{
        kill_wait(xvfb_pid);
}

static void dump(struct rig_child *app)
{
        char path[300], *text = NULL;

        if (app) {
                text = rig_child_output(app);
                fprintf(stderr, "--- app output (exit %d):\n%s\n", app->done ? app->status : -1, text);
                free(text);
        }
        rig_dump_log(&rig);
        snprintf(path, sizeof(path), "%s/xvfb.log", rig.dir);
        if (test_read_file(path, &text) >= 0) {
                fprintf(stderr, "--- Xvfb log (display %s):\n%s\n", display, text);
                free(text);
        }
}

/* Xvfb on a display of our own; it writes the number to the pipe once it listens (-displayfd). */
static void xvfb_start(void)
{
        int p[2];
        char buf[16] = "";
        ssize_t n;

        assert_int_eq(pipe(p), 0);
        xvfb_pid = fork();
        assert_int_ge(xvfb_pid, 0);
        if (xvfb_pid == 0) {
                char fd[16];
                close(p[0]);
                snprintf(fd, sizeof(fd), "%d", p[1]);
                char log[300];
                snprintf(log, sizeof(log), "%s/xvfb.log", rig.dir);
                if (!freopen(log, "w", stderr))
                        _exit(127);
                /* Not :0 and up, which other X servers on this machine (in other network namespaces,
                 * sharing /tmp/.X11-unix) take first; -displayfd says when it is ready. */
                char num[16];
                snprintf(num, sizeof(num), ":%d", 300 + (int) (getpid() % 600));
                execlp("Xvfb", "Xvfb", num, "-displayfd", fd, "-screen", "0", "1280x800x24", "-nolisten", "tcp",
                       (char *) NULL);
                _exit(127);
        }
        close(p[1]);
        n = read(p[0], buf, sizeof(buf) - 1);
        /* p[0] stays open: Xvfb may write the number again, and dies if nobody can read it (EPIPE). */
        if (n <= 0)
                fprintf(stderr, "Xvfb did not start (is it installed? tools/install-deps.sh)\n");
        assert_int_ge(n, 1);
        buf[strcspn(buf, "\n")] = 0;
        snprintf(display, sizeof(display), ":%s", buf);
}

static void setup(void)
{
        const char *dir = getenv("MIRACAST_SCREENSHOT_DIR");
        static bool tried;

        if (ready)
                return;
        assert_false(tried);
        tried = true;
        rig_setup(&rig, "/tmp/mcd-app-XXXXXX");
        ev = rig.ev;
        fw = rig.fw;
        snprintf(shots, sizeof(shots), "%s", dir && *dir ? dir : rig.dir);
        assert_int_eq(netns_test_setup("mcd-app", GROUP_IF, "p2p-app0p"), 0);
        assert_int_eq(netns_sh("ip -n %s addr add 192.168.49.1/24 dev p2p-app0p", netns_name), 0);
        atexit(cleanup);
        xvfb_start();

        rig_daemon_start(&rig, "app-source", "max-resolution = 640x480\n");
        ready = true;
}

/* Start the app on bus with the autotest script text. */
static void app_start(struct rig_child *app, const char *name, const char *bus, const char *script)
{
        char script_path[300], app_bin[300], runtime[300];
        const char *build = getenv("MIRACAST_BUILD");
        FILE *f;

        snprintf(script_path, sizeof(script_path), "%s/%s.script", rig.dir, name);
        f = fopen(script_path, "w");
        assert_non_null(f);
        fputs(script, f);
        fclose(f);
        snprintf(app_bin, sizeof(app_bin), "%s/miracast-cast", build ? build : "build");
        snprintf(runtime, sizeof(runtime), "%s/runtime", rig.dir);
        (void) mkdir(runtime, 0700);
        setenv("DISPLAY", display, 1);
        setenv("GDK_BACKEND", "x11", 1);
        /* The cairo renderer draws the same pixels on every machine, GPU or not. */
        setenv("GSK_RENDERER", "cairo", 1);
        setenv("XDG_RUNTIME_DIR", runtime, 1);
        /* GApplication looks for a session bus; give it ours rather than have it spawn dbus-launch. */
        setenv("DBUS_SESSION_BUS_ADDRESS", bus, 1);
        setenv("GTK_A11Y", "none", 1);
        /* GTK and fontconfig keep caches until exit by design; leak reports would be theirs, not ours. */
        setenv("ASAN_OPTIONS", "detect_leaks=0", 1);
        char *argv[] = { app_bin, "--bus", (char *) bus, "--autotest", script_path, NULL };
        rig_child_start(&rig, app, name, argv);
}

/* Whether some Session1 on the bus says "latency-mode" mode in its Statistics. */
static bool session_latency_is(const char *mode)
{
        sd_bus *bus = NULL;
        bool found = false;

        if (sd_bus_new(&bus) < 0 || sd_bus_set_address(bus, rig.bus_addr) < 0 || sd_bus_set_bus_client(bus, 1) < 0 ||
            sd_bus_start(bus) < 0) {
                sd_bus_unref(bus);
                return false;
        }
        for (unsigned id = 1; id < 16 && !found; id++) {
                sd_bus_message *m = NULL;
                char path[64];
                const char *key, *v;

                snprintf(path, sizeof(path), "/org/miracastd/session/%u", id);
                if (sd_bus_get_property(bus, "org.miracastd", path, "org.miracastd.Session1", "Statistics", NULL, &m,
                                        "a{sv}") < 0 ||
                    sd_bus_message_enter_container(m, 'a', "{sv}") < 0) {
                        sd_bus_message_unref(m);
                        continue;
                }
                while (!found && sd_bus_message_enter_container(m, 'e', "sv") > 0) {
                        if (sd_bus_message_read(m, "s", &key) < 0)
                                break;
                        if (strcmp(key, "latency-mode") == 0 && sd_bus_message_read(m, "v", "s", &v) >= 0)
                                found = strcmp(v, mode) == 0;
                        else if (sd_bus_message_skip(m, "v") < 0)
                                break;
                        if (sd_bus_message_exit_container(m) < 0)
                                break;
                }
                sd_bus_message_unref(m);
        }
        sd_bus_flush_close_unref(bus);
        return found;
}

/* A PNG of the window's size: signature, IHDR width and height. */
static void assert_png(const char *path, unsigned min_w, unsigned min_h)
{
        char *data = NULL;
        long n = test_read_file(path, &data);
        const unsigned char *u = (const unsigned char *) data;

        if (n < 0)
                fprintf(stderr, "no screenshot at %s\n", path);
        assert_int_ge(n, 2000);
        assert_int_eq(memcmp(data, "\x89PNG\r\n\x1a\n", 8), 0);
        unsigned w = (unsigned) u[16] << 24 | u[17] << 16 | u[18] << 8 | u[19];
        unsigned h = (unsigned) u[20] << 24 | u[21] << 16 | u[22] << 8 | u[23];
        assert_int_ge(w, min_w);
        assert_int_ge(h, min_h);
        free(data);
}

TEST(cast, "/desktop/app/lists two displays, casts to one with a PIN, shows the cast, stops; screenshots") {
        struct rig_child app, sink;
        char script[2048], sink_bin[300], path[300];
        const char *build = getenv("MIRACAST_BUILD");

        setup();
        snprintf(script, sizeof(script),
                 "wait-page main\n"
                 "wait-displays 2\n"
                 "wait-display-text Office Display|Wi-Fi Direct\n"
                 /* no miracastd-user on this bus: only what the daemon can do alone */
                 "refuse-choose Show|Extend\n"
                 "refuse-choose Sound|On Both\n"
                 /* the delay is the daemon's own Cast option: usable without miracastd-user */
                 "choose Delay|Low Delay\n"
                 "sleep 300\n"
                 "shot %s/list.png\n"
                 "cast Office Display\n"
                 "wait-pin\n"
                 "type-pin 1234 5670\n"
                 "sleep 300\n"
                 "shot %s/pin.png\n"
                 "submit-pin\n"
                 "wait-state playing\n"
                 "sleep 500\n"
                 "shot %s/casting.png\n"
                 "stop\n"
                 "wait-state \n",
                 shots, shots, shots);
        app_start(&app, "app", rig.bus_addr, script);

        /* the open window starts discovery; two displays answer */
        if (!RUN_UNTIL(fake_wpas_has(fw, "P2P_FIND 30") || app.done)) {
                dump(&app);
                assert_true(false);
        }
        assert_false(app.done);
        fake_wpas_event(fw, FOUND(TV, "Living Room TV"));
        fake_wpas_event(fw, FOUND(OFFICE, "Office Display"));

        /* the row casts with a push button; the display asks for its PIN instead */
        if (!RUN_UNTIL(fake_wpas_has(fw, "P2P_CONNECT " OFFICE " pbc go_intent=7") || app.done))
                dump(&app);
        assert_true(fake_wpas_has(fw, "P2P_CONNECT " OFFICE " pbc go_intent=7"));
        fake_wpas_event(fw, "<3>P2P-PROV-DISC-ENTER-PIN " OFFICE " p2p_dev_addr=" OFFICE);

        /* what was typed in the dialog reaches wpa_supplicant, spaces dropped */
        if (!RUN_UNTIL(fake_wpas_has(fw, "P2P_CONNECT " OFFICE " 12345670 keypad go_intent=7") || app.done))
                dump(&app);
        assert_true(fake_wpas_has(fw, "P2P_CONNECT " OFFICE " 12345670 keypad go_intent=7"));
        assert_true(rig_child_says(&app, "screenshot: "));
        fake_wpas_event(fw, "<3>P2P-GROUP-STARTED " GROUP_IF " client ssid=\"DIRECT-ap\" freq=2437 psk=00 go_dev_addr="
                            OFFICE " ip_addr=192.168.49.200 ip_mask=255.255.255.0 go_ip_addr=192.168.49.1");
        snprintf(sink_bin, sizeof(sink_bin), "%s/miracast-test-sink", build ? build : "build");
        char *sargv[] = { "ip", "netns", "exec", netns_name, sink_bin, "--connect", "192.168.49.200:7236",
                          "--profile", "small", "--duration", "0", "--timeout", "60", "--min-frames", "0", NULL };
        rig_child_start(&rig, &sink, "sink", sargv);
        /* Low Delay reached the daemon through Sink1.Cast (Session1.Statistics "latency-mode") */
        if (!RUN_UNTIL(session_latency_is("low-latency") || app.done))
                dump(&app);
        assert_true(session_latency_is("low-latency"));

        /* the app saw it play, took its picture, pressed Stop and saw the cast end */
        if (!RUN_UNTIL(app.done && sink.done) || app.status != 0 || sink.status != 0) {
                char *s = rig_child_output(&sink);
                fprintf(stderr, "--- sink output (exit %d):\n%s\n", sink.status, s);
                free(s);
                dump(&app);
        }
        assert_int_eq(app.status, 0);
        assert_int_eq(sink.status, 0);
        assert_true(rig_child_says(&app, "autotest: all steps passed"));
        /* the session ended by our Stop: the group goes */
        assert_true(RUN_UNTIL(fake_wpas_has(fw, "P2P_GROUP_REMOVE " GROUP_IF)));
        fake_wpas_event(fw, "<3>P2P-GROUP-REMOVED " GROUP_IF " client reason=REQUESTED");

        snprintf(path, sizeof(path), "%s/list.png", shots);
        assert_png(path, 400, 400);
        snprintf(path, sizeof(path), "%s/pin.png", shots);
        assert_png(path, 400, 400);
        snprintf(path, sizeof(path), "%s/casting.png", shots);
        assert_png(path, 400, 400);
        rig_child_reap(&app);
        rig_child_reap(&sink);
}

/* Press real keys in the app's X display (keyboard navigation, not a test hook). */
static void press_keys(const char *keys)
{
        assert_int_eq(netns_sh("DISPLAY=%s xdotool key --delay 150 %s", display, keys), 0);
}

TEST(user1_cast, "/desktop/app/with miracastd-user: desktop choices, User1.Cast by keyboard, the input question, Stop") {
        struct rig_child app, sink;
        struct fake_user1 *user1 = NULL;
        char script[2048], sink_bin[300], path[300], uibc[300];
        const char *build = getenv("MIRACAST_BUILD");

        setup();
        assert_int_eq(fake_user1_new(ev, rig.bus_addr, &user1), 0);
        snprintf(script, sizeof(script),
                 "wait-page main\n"
                 "wait-user1 yes\n"
                 "wait-displays 2\n"
                 "choose Show|Extend\n"
                 "choose Sound|On Both\n"
                 "choose Delay|Low Delay\n"
                 "sleep 300\n"
                 "shot %s/options.png\n"
                 "focus-display Office Display\n"
                 "say press Return\n"
                 "wait-state playing\n"
                 "wait-input\n"
                 "sleep 300\n"
                 "shot %s/input.png\n"
                 "say press Tab Return\n"
                 "wait-input-closed\n"
                 "sleep 1500\n"
                 "stop\n"
                 "wait-state \n",
                 shots, shots);
        fake_wpas_clear_cmds(fw);
        app_start(&app, "app-user1", rig.bus_addr, script);
        if (!RUN_UNTIL(fake_wpas_has(fw, "P2P_FIND 30") || app.done))
                dump(&app);
        assert_false(app.done);
        fake_wpas_event(fw, FOUND(TV, "Living Room TV"));
        fake_wpas_event(fw, FOUND(OFFICE, "Office Display"));

        /* Return on the focused row casts, through miracastd-user with the chosen options */
        if (!RUN_UNTIL(rig_child_says(&app, "autotest: press Return") || app.done))
                dump(&app);
        assert_false(app.done);
        press_keys("Return");
        if (!RUN_UNTIL(fake_wpas_has(fw, "P2P_CONNECT " OFFICE " pbc go_intent=7") || app.done))
                dump(&app);
        assert_true(fake_wpas_has(fw, "P2P_CONNECT " OFFICE " pbc go_intent=7"));
        assert_int_eq(user1->casts, 1);
        if (strcmp(user1->last_options, "method=pbc latency=low-latency video=extend audio=mirror") != 0)
                fprintf(stderr, "User1.Cast options: %s\n", user1->last_options);
        assert_str_eq(user1->last_options, "method=pbc latency=low-latency video=extend audio=mirror");

        fake_wpas_event(fw, "<3>P2P-GROUP-STARTED " GROUP_IF " client ssid=\"DIRECT-ap\" freq=2437 psk=00 go_dev_addr="
                            OFFICE " ip_addr=192.168.49.200 ip_mask=255.255.255.0 go_ip_addr=192.168.49.1");
        snprintf(sink_bin, sizeof(sink_bin), "%s/miracast-test-sink", build ? build : "build");
        snprintf(uibc, sizeof(uibc), "%s", test_data_path("uibc/script.txt"));
        char *sargv[] = { "ip", "netns", "exec", netns_name, sink_bin, "--connect", "192.168.49.200:7236",
                          "--profile", "small", "--duration", "0", "--timeout", "60", "--min-frames", "0",
                          "--uibc-script", uibc, "--expect-uibc", "yes", NULL };
        rig_child_start(&rig, &sink, "sink-user1", sargv);

        /* the display offers input: the app asks; Tab to Allow, Return */
        if (!RUN_UNTIL(rig_child_says(&app, "autotest: press Tab Return") || app.done))
                dump(&app);
        assert_false(app.done);
        press_keys("Tab Return");
        if (!RUN_UNTIL(rig_log_has(&rig, "input from the display allowed") || app.done))
                dump(&app);
        assert_true(rig_log_has(&rig, "the agent allowed input from the display"));

        /* Stop goes to miracastd-user, which stops the daemon's session */
        if (!RUN_UNTIL((app.done && sink.done)) || app.status != 0 || sink.status != 0) {
                char *s = rig_child_output(&sink);
                fprintf(stderr, "--- sink output (exit %d):\n%s\n", sink.status, s);
                free(s);
                dump(&app);
        }
        assert_int_eq(app.status, 0);
        assert_int_eq(sink.status, 0);
        assert_int_eq(user1->stops, 1);
        assert_true(strncmp(user1->last_stop, "/org/miracastd/session/", 23) == 0);
        assert_true(rig_child_says(&sink, "uibc=offered"));
        assert_true(RUN_UNTIL(fake_wpas_has(fw, "P2P_GROUP_REMOVE " GROUP_IF)));
        fake_wpas_event(fw, "<3>P2P-GROUP-REMOVED " GROUP_IF " client reason=REQUESTED");

        snprintf(path, sizeof(path), "%s/options.png", shots);
        assert_png(path, 400, 400);
        snprintf(path, sizeof(path), "%s/input.png", shots);
        assert_png(path, 400, 400);
        rig_child_reap(&app);
        rig_child_reap(&sink);
        fake_user1_free(user1);
}

TEST(user1_real, "/desktop/app/the real miracastd-user: Duplicate without a portal falls back to the daemon's capture; Stop") {
        struct rig_child app, sink, user;
        char script[1024], sink_bin[300], user_bin[300], sys_env[400], sess_env[400];
        const char *build = getenv("MIRACAST_BUILD");

        setup();
        /* miracastd-user finds the daemon on the "system" bus and serves User1 on the "session" bus:
         * both are the rig's bus here. */
        snprintf(user_bin, sizeof(user_bin), "%s/miracastd-user", build ? build : "build");
        snprintf(sys_env, sizeof(sys_env), "DBUS_SYSTEM_BUS_ADDRESS=%s", rig.bus_addr);
        snprintf(sess_env, sizeof(sess_env), "DBUS_SESSION_BUS_ADDRESS=%s", rig.bus_addr);
        char *uargv[] = { "env", sys_env, sess_env, user_bin, "--idle-exit", "0", NULL };
        rig_child_start(&rig, &user, "miracastd-user", uargv);
        snprintf(script, sizeof(script),
                 "wait-page main\n"
                 "wait-user1 yes\n"
                 "wait-displays 2\n"
                 "cast Living Room TV\n"
                 "wait-state playing\n"
                 "sleep 500\n"
                 "stop\n"
                 "wait-state \n");
        fake_wpas_clear_cmds(fw);
        app_start(&app, "app-user1-real", rig.bus_addr, script);
        if (!RUN_UNTIL(fake_wpas_has(fw, "P2P_FIND 30") || app.done || user.done))
                dump(&app);
        assert_false(app.done);
        fake_wpas_event(fw, FOUND(TV, "Living Room TV"));
        fake_wpas_event(fw, FOUND(OFFICE, "Office Display"));
        /* no ScreenCast portal here: "monitor" is NotSupported, the app asks for "daemon" */
        if (!RUN_UNTIL(fake_wpas_has(fw, "P2P_CONNECT " TV " pbc go_intent=7") || app.done || user.done)) {
                char *u = rig_child_output(&user);
                fprintf(stderr, "--- miracastd-user:\n%s\n", u);
                free(u);
                dump(&app);
        }
        assert_true(fake_wpas_has(fw, "P2P_CONNECT " TV " pbc go_intent=7"));
        fake_wpas_event(fw, "<3>P2P-GROUP-STARTED " GROUP_IF " client ssid=\"DIRECT-ap\" freq=2437 psk=00 go_dev_addr="
                            TV " ip_addr=192.168.49.200 ip_mask=255.255.255.0 go_ip_addr=192.168.49.1");
        snprintf(sink_bin, sizeof(sink_bin), "%s/miracast-test-sink", build ? build : "build");
        char *sargv[] = { "ip", "netns", "exec", netns_name, sink_bin, "--connect", "192.168.49.200:7236",
                          "--profile", "small", "--duration", "0", "--timeout", "60", "--min-frames", "0", NULL };
        rig_child_start(&rig, &sink, "sink-user1-real", sargv);
        if (!RUN_UNTIL(app.done && sink.done) || app.status != 0 || sink.status != 0) {
                char *u = rig_child_output(&user), *s = rig_child_output(&sink);
                fprintf(stderr, "--- miracastd-user:\n%s\n--- sink (exit %d):\n%s\n", u, sink.status, s);
                free(u);
                free(s);
                dump(&app);
        }
        assert_int_eq(app.status, 0);
        assert_int_eq(sink.status, 0);
        /* the daemon's session came from miracastd-user's connection, and its Stop ended it */
        assert_true(rig_child_says(&sink, "end=source-teardown"));
        assert_true(RUN_UNTIL(fake_wpas_has(fw, "P2P_GROUP_REMOVE " GROUP_IF)));
        fake_wpas_event(fw, "<3>P2P-GROUP-REMOVED " GROUP_IF " client reason=REQUESTED");
        assert_true(rig_child_says(&user, "(video daemon, audio tv)"));
        assert_true(RUN_UNTIL(rig_child_says(&user, "stopped (User1.Stop)")));
        assert_false(user.done); /* still serving */
        rig_child_reap(&app);
        rig_child_reap(&sink);
        rig_child_reap(&user);
}

TEST(refused, "/desktop/app/a display that refuses: the error in plain words, and the window idle again") {
        struct rig_child app;
        char script[1024], path[300];

        setup();
        snprintf(script, sizeof(script),
                 "wait-page main\n"
                 "wait-displays 2\n"
                 "cast Living Room TV\n"
                 "wait-error The display refused the connection.\n"
                 "wait-state \n"
                 "sleep 300\n"
                 "shot %s/error.png\n",
                 shots);
        fake_wpas_clear_cmds(fw);
        app_start(&app, "app-refused", rig.bus_addr, script);
        if (!RUN_UNTIL(fake_wpas_has(fw, "P2P_FIND 30") || app.done))
                dump(&app);
        assert_false(app.done);
        fake_wpas_event(fw, FOUND(TV, "Living Room TV"));
        fake_wpas_event(fw, FOUND(OFFICE, "Office Display"));
        if (!RUN_UNTIL(fake_wpas_has(fw, "P2P_CONNECT " TV " pbc go_intent=7") || app.done))
                dump(&app);
        assert_true(fake_wpas_has(fw, "P2P_CONNECT " TV " pbc go_intent=7"));
        /* status 11: the display declined (Wi-Fi P2P spec, "rejected by user") */
        fake_wpas_event(fw, "<3>P2P-GO-NEG-FAILURE status=11");
        if (!RUN_UNTIL(app.done) || app.status != 0)
                dump(&app);
        assert_int_eq(app.status, 0);
        snprintf(path, sizeof(path), "%s/error.png", shots);
        assert_png(path, 400, 400);
        rig_child_reap(&app);
}

TEST(missing, "/desktop/app/no miracastd on the bus and none to activate: the \"not installed\" page") {
        struct rig_child app;
        char script[512], addr[320], path[300];
        pid_t empty_bus = -1;

        setup();
        /* a second bus with nobody on it and no service files */
        rig_bus_start(&rig, "empty-bus", NULL, &empty_bus, addr, sizeof(addr));
        snprintf(script, sizeof(script), "wait-page missing\nsleep 200\nshot %s/missing.png\n", shots);
        app_start(&app, "app-missing", addr, script);
        if (!RUN_UNTIL(app.done) || app.status != 0)
                dump(&app);
        kill_wait(empty_bus);
        assert_int_eq(app.status, 0);
        snprintf(path, sizeof(path), "%s/missing.png", shots);
        assert_png(path, 400, 400);
        rig_child_reap(&app);
}

TEST(activation, "/desktop/app/miracastd installed but not running: the window starts it (D-Bus activation) and lists it") {
        struct rig_child app;
        char script[256], services[200], path[300], cfg[300], log[300], addr[320];
        const char *build = getenv("MIRACAST_BUILD");
        pid_t bus = -1;
        FILE *f;

        setup();
        /* a bus whose only service is miracastd, started by dbus-daemon on the first call to it; the
         * daemon finds its bus in $DBUS_STARTER_ADDRESS, as a bus-activated service does */
        snprintf(services, sizeof(services), "%s/services", rig.dir);
        assert_int_eq(mkdir(services, 0755), 0);
        snprintf(cfg, sizeof(cfg), "%s/activated.conf", rig.dir);
        snprintf(log, sizeof(log), "%s/activated.log", rig.dir);
        f = fopen(cfg, "w");
        assert_non_null(f);
        fprintf(f, "capture = testsrc\nencoder = x264\npolkit = off\np2p-backend = none\nlog-level = debug\n");
        fclose(f);
        snprintf(path, sizeof(path), "%s/org.miracastd.service", services);
        f = fopen(path, "w");
        assert_non_null(f);
        fprintf(f, "[D-BUS Service]\nName=org.miracastd\n"
                   "Exec=/bin/sh -c 'exec %s/miracastd --config %s --bus \"$DBUS_STARTER_ADDRESS\" 2>%s'\n",
                build ? build : "build", cfg, log);
        fclose(f);
        rig_bus_start(&rig, "activation-bus", services, &bus, addr, sizeof(addr));
        snprintf(script, sizeof(script), "wait-page main\nwait-error no Wi-Fi Direct\n");
        app_start(&app, "app-activation", addr, script);
        if (!RUN_UNTIL(app.done) || app.status != 0) {
                char *text = NULL;
                if (test_read_file(log, &text) >= 0)
                        fprintf(stderr, "--- activated miracastd:\n%s\n", text);
                free(text);
                dump(&app);
        }
        assert_int_eq(app.status, 0);
        /* it was the bus that started it, for the window */
        char *text = NULL;
        assert_int_ge(test_read_file(log, &text), 0);
        assert_non_null(strstr(text, "miracastd ready"));
        free(text);
        kill_wait(bus);
        rig_child_reap(&app);
}
