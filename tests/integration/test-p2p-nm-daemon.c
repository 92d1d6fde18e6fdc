/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The real miracastd with the nm backend on a private dbus-daemon, against a
 * FAKE NetworkManager (tests/lib/fake-nm.h; the Wi-Fi P2P device needs a
 * radio). The fake hands out a loopback address (127.x.y.1, unique per run)
 * as our group address in "go" mode, so the real C test sink can connect to
 * the group listener on this machine:
 *
 *   Backend "nm", the WFD sink peer is a Sink1, a PIN Cast is refused with why
 *   the sink ends the session (TEARDOWN; a cast of another capture) or
 *     vanishes (killed): DeactivateConnection
 *   StartDiscovery -> StartFind; Cast -> AddAndActivateConnection2 -> ACTIVATED
 *     -> listener on 127.x.y.1:7236 -> the test sink plays
 *   NetworkManager stops mid-session: the session ends with an EndReason that
 *     says so, Sink1 goes, Backend "none", Discovering false
 *   NetworkManager comes back (new device path): Backend "nm", the sink is
 *     back, discovery resumes by itself, a new cast plays to its end
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
#include <time.h>
#include <unistd.h>

#include "../lib/fake-nm.h"
#include "../lib/netns-util.h"
#include "../lib/test-bus.h"
#include "../lib/test.h"

#define SINK_PATH    "/org/miracastd/sink/42_00_00_00_01_00"
#define MANAGER_PATH "/org/miracastd"
#define MANAGER_IF   "org.miracastd.Manager1"
#define SINK_IF      "org.miracastd.Sink1"
#define SESSION_IF   "org.miracastd.Session1"

static char tmpdir[] = "/tmp/mcd-nmd-XXXXXX";
static char bus_addr[320], go_addr[32], logpath[300];
static pid_t bus_pid = -1, daemon_pid = -1, fake_pid = -1;
static int fake_report_fd = -1, fake_control_fd = -1;
static char reports[16384];
static size_t reports_len;
static sd_bus *client;
static bool ready;

static void cleanup(void)
{
        kill_wait(daemon_pid);
        kill_wait(fake_pid);
        kill_wait(bus_pid);
}

static void dump_daemon_log(void)
{
        char *text = NULL;
        if (test_read_file(logpath, &text) >= 0) {
                fprintf(stderr, "--- miracastd log:\n%s\n", text);
                free(text);
        }
}

/* Collect what the fake reported so far (non-blocking). */
static const char *fake_reports(void)
{
        ssize_t n;

        while (fake_report_fd >= 0 && reports_len < sizeof(reports) - 1 &&
               (n = read(fake_report_fd, reports + reports_len, sizeof(reports) - 1 - reports_len)) > 0)
                reports_len += (size_t) n;
        reports[reports_len] = 0;
        return reports;
}

#define WAIT_UNTIL(cond)                                                                \
        ({                                                                              \
                struct timespec _s, _n;                                                 \
                bool _ok = true;                                                        \
                clock_gettime(CLOCK_MONOTONIC, &_s);                                    \
                while (!(cond)) {                                                       \
                        clock_gettime(CLOCK_MONOTONIC, &_n);                            \
                        if (_n.tv_sec - _s.tv_sec >= 60) {                              \
                                _ok = false;                                            \
                                break;                                                  \
                        }                                                               \
                        usleep(100 * 1000);                                             \
                }                                                                       \
                _ok;                                                                    \
        })

static void fake_start(const char *dev_path)
{
        int rep[2], ctl[2];

        fake_dev_path = dev_path;
        fake_go_address = go_addr;
        assert_int_eq(pipe2(rep, O_CLOEXEC), 0);
        assert_int_eq(pipe2(ctl, O_CLOEXEC), 0);
        fake_pid = fork();
        assert_int_ge(fake_pid, 0);
        if (fake_pid == 0) {
                close(rep[0]);
                close(ctl[1]);
                _exit(fake_nm_main(bus_addr, "go", rep[1], ctl[0]));
        }
        close(rep[1]);
        close(ctl[0]);
        fake_report_fd = rep[0];
        fake_control_fd = ctl[1];
        assert_int_eq(fcntl(fake_report_fd, F_SETFL, O_NONBLOCK), 0);
        reports_len = 0;
        reports[0] = 0;
        assert_true(WAIT_UNTIL(strstr(fake_reports(), "ready\n") != NULL));
}

/* NetworkManager stops: the fake ends and leaves the bus. */
static void fake_stop(void)
{
        close(fake_control_fd);
        (void) waitpid(fake_pid, NULL, 0);
        fake_pid = -1;
        close(fake_report_fd);
        fake_report_fd = -1;
}

/* A string property, or NULL when the object or property is not there. */
static char *prop_string(const char *path, const char *iface, const char *prop)
{
        sd_bus_error e = SD_BUS_ERROR_NULL;
        char *v = NULL;

        if (sd_bus_get_property_string(client, "org.miracastd", path, iface, prop, &e, &v) < 0)
                v = NULL;
        sd_bus_error_free(&e);
        return v;
}

static bool prop_is(const char *path, const char *iface, const char *prop, const char *want)
{
        char *v = prop_string(path, iface, prop);
        bool same = v && strcmp(v, want) == 0;
        free(v);
        return same;
}

static bool prop_contains(const char *path, const char *iface, const char *prop, const char *want)
{
        char *v = prop_string(path, iface, prop);
        bool found = v && strstr(v, want) != NULL;
        free(v);
        return found;
}

static int discovering(void)
{
        sd_bus_error e = SD_BUS_ERROR_NULL;
        int b = -1;

        if (sd_bus_get_property_trivial(client, "org.miracastd", MANAGER_PATH, MANAGER_IF, "Discovering", &e, 'b',
                                        &b) < 0)
                b = -1;
        sd_bus_error_free(&e);
        return b;
}

static void setup(void)
{
        char cfg[256];
        const char *build = getenv("MIRACAST_BUILD");
        static bool tried;
        FILE *f;

        if (ready)
                return;
        assert_false(tried); /* a failed set-up is reported once, not retried */
        tried = true;
        assert_non_null(mkdtemp(tmpdir));
        test_remove_at_exit(tmpdir);
        atexit(cleanup);
        /* our "group address": a loopback address no other test run uses */
        snprintf(go_addr, sizeof(go_addr), "127.%u.%u.1", 100 + (unsigned) getpid() % 100,
                 (unsigned) (getpid() / 100) % 250);

        assert_int_eq(test_private_bus_start(tmpdir, "session", bus_addr, sizeof(bus_addr), &bus_pid), 0);

        fake_start(FAKE_NM_DEV_PATH);

        snprintf(cfg, sizeof(cfg), "%s/miracastd.conf", tmpdir);
        f = fopen(cfg, "w");
        assert_non_null(f);
        fprintf(f, "capture = testsrc\nencoder = x264\npolkit = off\nmax-resolution = 640x480\n"
                   "p2p-backend = nm\nnm-bus = %s\nlog-level = debug\n",
                bus_addr);
        fclose(f);
        char daemon_bin[300];
        snprintf(daemon_bin, sizeof(daemon_bin), "%s/miracastd", build ? build : "build");
        snprintf(logpath, sizeof(logpath), "%s/miracastd.log", tmpdir);
        daemon_pid = fork();
        assert_int_ge(daemon_pid, 0);
        if (daemon_pid == 0) {
                if (!freopen(logpath, "w", stderr))
                        _exit(127);
                execl(daemon_bin, daemon_bin, "--config", cfg, "--bus", bus_addr, (char *) NULL);
                _exit(127);
        }
        assert_int_eq(sd_bus_new(&client), 0);
        assert_int_ge(sd_bus_set_address(client, bus_addr), 0);
        assert_int_ge(sd_bus_set_bus_client(client, 1), 0);
        assert_int_ge(sd_bus_start(client), 0);
        if (!WAIT_UNTIL(prop_is(MANAGER_PATH, MANAGER_IF, "Backend", "nm") &&
                        prop_is(SINK_PATH, SINK_IF, "Name", "[TV] Living Room"))) {
                dump_daemon_log();
                assert_true(false);
        }
        ready = true;
}

/* Start the C test sink against our group address; it retries until the listener is armed. */
static pid_t sink_start(const char *name, const char *duration)
{
        const char *build = getenv("MIRACAST_BUILD");
        char bin[300], target[64], out[300];
        pid_t pid;

        snprintf(bin, sizeof(bin), "%s/miracast-test-sink", build ? build : "build");
        snprintf(target, sizeof(target), "%s:7236", go_addr);
        snprintf(out, sizeof(out), "%s/%s.out", tmpdir, name);
        pid = fork();
        assert_int_ge(pid, 0);
        if (pid == 0) {
                if (!freopen(out, "w", stdout))
                        _exit(127);
                execl(bin, bin, "--connect", target, "--profile", "small", "--duration", duration, "--timeout", "60",
                      "--min-frames", "0", (char *) NULL);
                _exit(127);
        }
        return pid;
}

/* Sink1.Cast(options): the session path, or NULL with the error in *e. */
static char *cast(const char *method, const char *pin, sd_bus_error *e)
{
        sd_bus_message *reply = NULL;
        const char *path;
        char *ret = NULL;
        int r;

        if (pin)
                r = sd_bus_call_method(client, "org.miracastd", SINK_PATH, SINK_IF, "Cast", e, &reply, "a{sv}", 2,
                                       "method", "s", method, "pin", "s", pin);
        else if (strcmp(method, "pbc") != 0)
                r = sd_bus_call_method(client, "org.miracastd", SINK_PATH, SINK_IF, "Cast", e, &reply, "a{sv}", 1,
                                       "method", "s", method);
        else
                r = sd_bus_call_method(client, "org.miracastd", SINK_PATH, SINK_IF, "Cast", e, &reply, "a{sv}", 0);
        if (r >= 0 && sd_bus_message_read(reply, "o", &path) >= 0)
                ret = strdup(path);
        sd_bus_message_unref(reply);
        return ret;
}

static void call_manager(const char *method)
{
        sd_bus_error e = SD_BUS_ERROR_NULL;
        assert_int_ge(sd_bus_call_method(client, "org.miracastd", MANAGER_PATH, MANAGER_IF, method, &e, NULL, ""), 0);
        sd_bus_error_free(&e);
}

TEST(nmd_pin, "/p2p/nm-daemon/Backend nm, the sink is listed, a PIN cast is refused saying why") {
        sd_bus_error e = SD_BUS_ERROR_NULL;
        char *path;

        setup();
        assert_true(prop_is(SINK_PATH, SINK_IF, "DeviceType", "primary-sink"));
        path = cast("pin", "12345670", &e);
        assert_null(path);
        fprintf(stderr, "Cast with a PIN: %s: %s\n", e.name, e.message);
        assert_str_eq(e.name, "org.miracastd.Error.Failed");
        assert_true(strstr(e.message, "push-button") != NULL);
        assert_true(strstr(e.message, "p2p-backend=wpas") != NULL);
        sd_bus_error_free(&e);
        /* nothing was asked of NetworkManager */
        assert_null(strstr(fake_reports(), "AddAndActivateConnection2"));
        /* without a PIN and without an agent: the same reason, not a request for a PIN */
        path = cast("pin", NULL, &e);
        assert_null(path);
        assert_true(strstr(e.message, "p2p-backend=wpas") != NULL);
        sd_bus_error_free(&e);
}

/* Forget what the fake reported so far. */
static void reports_clear(void)
{
        (void) fake_reports();
        reports_len = 0;
        reports[0] = 0;
}

/* Sink1.Cast with the output option (a capture that gets its own context); the session path. */
static char *cast_output(const char *output)
{
        sd_bus_error e = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        const char *path;
        char *ret = NULL;

        if (sd_bus_call_method(client, "org.miracastd", SINK_PATH, SINK_IF, "Cast", &e, &reply, "a{sv}", 1, "output",
                               "s", output) >= 0 &&
            sd_bus_message_read(reply, "o", &path) >= 0)
                ret = strdup(path);
        else
                fprintf(stderr, "Cast: %s: %s\n", e.name, e.message);
        sd_bus_message_unref(reply);
        sd_bus_error_free(&e);
        return ret;
}

TEST(nmd_sink_teardown, "/p2p/nm-daemon/the sink's TEARDOWN, casting another capture: the session plays it, "
                       "the connection is deactivated") {
        char *session, out[320], *text = NULL;
        pid_t sink;
        int status = -1;

        setup();
        reports_clear();
        sink = sink_start("sink-teardown", "2");
        session = cast_output("testsrc:resize=100000");
        assert_non_null(session);
        assert_int_eq(waitpid(sink, &status, 0), sink);
        snprintf(out, sizeof(out), "%s/sink-teardown.out", tmpdir);
        assert_int_ge(test_read_file(out, &text), 0);
        if (!strstr(text, "end=duration") || !WAIT_UNTIL(strstr(fake_reports(), "DeactivateConnection " FAKE_NM_AC_PATH))) {
                fprintf(stderr, "--- sink: %s\n", text);
                dump_daemon_log();
        }
        assert_true(strstr(text, "end=duration") != NULL); /* the sink's own TEARDOWN ended it */
        assert_true(strstr(fake_reports(), "DeactivateConnection " FAKE_NM_AC_PATH) != NULL);
        /* the cast's session is the one that played and ended */
        assert_true(WAIT_UNTIL(prop_is(session, SESSION_IF, "State", "ended")));
        assert_true(prop_contains(session, SESSION_IF, "EndReason", "TEARDOWN"));
        free(text);
        free(session);
}

TEST(nmd_sink_vanishes, "/p2p/nm-daemon/the sink vanishes mid-stream (killed): the connection is deactivated") {
        sd_bus_error e = SD_BUS_ERROR_NULL;
        char *session;
        pid_t sink;

        setup();
        assert_true(WAIT_UNTIL(prop_is(SINK_PATH, SINK_IF, "Name", "[TV] Living Room")));
        reports_clear();
        sink = sink_start("sink-vanish", "0");
        session = cast("pbc", NULL, &e);
        assert_non_null(session);
        assert_true(WAIT_UNTIL(prop_is(session, SESSION_IF, "State", "playing")));
        assert_null(strstr(fake_reports(), "DeactivateConnection"));
        assert_int_eq(kill(sink, SIGKILL), 0);
        assert_int_eq(waitpid(sink, NULL, 0), sink);
        if (!WAIT_UNTIL(strstr(fake_reports(), "DeactivateConnection " FAKE_NM_AC_PATH) != NULL))
                dump_daemon_log();
        assert_true(strstr(fake_reports(), "DeactivateConnection " FAKE_NM_AC_PATH) != NULL);
        assert_true(WAIT_UNTIL(prop_is(session, SESSION_IF, "State", "ended")));
        free(session);
        reports_clear();
}

TEST(nmd_restart, "/p2p/nm-daemon/NetworkManager restarts mid-session: EndReason, sinks, Backend, discovery, a new cast") {
        sd_bus_error e = SD_BUS_ERROR_NULL;
        char *session, *session2, out[320], *text = NULL;
        pid_t sink;
        int status = -1;

        setup();
        call_manager("StartDiscovery");
        assert_true(WAIT_UNTIL(strstr(fake_reports(), "StartFind") != NULL && discovering() == 1));

        sink = sink_start("sink1", "0");
        session = cast("pbc", NULL, &e);
        if (!session) {
                fprintf(stderr, "Cast: %s: %s\n", e.name, e.message);
                dump_daemon_log();
        }
        assert_non_null(session);
        assert_true(strstr(fake_reports(), "AddAndActivateConnection2 peer=" FAKE_NM_SINK " wfd-ies=00000600101c440032 "
                                           "device=" FAKE_NM_DEV_PATH) != NULL);
        assert_true(WAIT_UNTIL(prop_is(session, SESSION_IF, "State", "playing")));

        /* NetworkManager stops */
        fake_stop();
        if (!WAIT_UNTIL(prop_is(session, SESSION_IF, "State", "ended")))
                dump_daemon_log();
        assert_true(prop_is(session, SESSION_IF, "State", "ended"));
        assert_true(prop_contains(session, SESSION_IF, "EndReason", "NetworkManager left the bus"));
        assert_true(WAIT_UNTIL(prop_is(MANAGER_PATH, MANAGER_IF, "Backend", "none")));
        assert_int_eq(discovering(), 0);
        char *gone = prop_string(SINK_PATH, SINK_IF, "Name");
        assert_null(gone);
        assert_int_eq(waitpid(sink, &status, 0), sink);

        /* NetworkManager is back with a renumbered device: discovery resumes without a new StartDiscovery */
        fake_start(FAKE_NM_DEV_PATH2);
        if (!WAIT_UNTIL(prop_is(MANAGER_PATH, MANAGER_IF, "Backend", "nm") &&
                        prop_is(SINK_PATH, SINK_IF, "Name", "[TV] Living Room") && discovering() == 1 &&
                        strstr(fake_reports(), "StartFind") != NULL))
                dump_daemon_log();
        assert_true(prop_is(MANAGER_PATH, MANAGER_IF, "Backend", "nm"));
        assert_int_eq(discovering(), 1);

        /* and a cast plays to its end */
        sink = sink_start("sink2", "2");
        session2 = cast("pbc", NULL, &e);
        assert_non_null(session2);
        assert_true(strstr(fake_reports(), "device=" FAKE_NM_DEV_PATH2) != NULL);
        assert_int_eq(waitpid(sink, &status, 0), sink);
        snprintf(out, sizeof(out), "%s/sink2.out", tmpdir);
        assert_int_ge(test_read_file(out, &text), 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !strstr(text, "result=ok")) {
                fprintf(stderr, "--- sink: %s\n", text);
                dump_daemon_log();
        }
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        assert_true(strstr(text, "result=ok") != NULL);
        free(text);
        /* the session's end deactivates NetworkManager's connection */
        assert_true(WAIT_UNTIL(strstr(fake_reports(), "DeactivateConnection " FAKE_NM_AC_PATH) != NULL));
        free(session);
        free(session2);

        /* the daemon exits cleanly */
        assert_int_eq(kill(daemon_pid, SIGTERM), 0);
        assert_int_eq(waitpid(daemon_pid, &status, 0), daemon_pid);
        daemon_pid = -1;
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}
