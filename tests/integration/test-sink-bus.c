/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Sink1 and the Cast() flow, in process: the real manager, sinks, sessions
 * and D-Bus objects on a private dbus-daemon, with a FAKE P2P backend (no
 * Wi-Fi radio exists here) standing in for daemon/p2p.c: on connect it
 * either reports a failure like wpa_supplicant would, or "forms the group" by
 * opening a loopback listener limited to 127.0.0.1 for the sink and starts
 * the real C test sink (build/miracast-test-sink) against it.
 * A second bus connection in the same event loop is the D-Bus client.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "../../daemon/config.h"
#include "../../daemon/context.h"
#include "../../daemon/listener.h"
#include "../../daemon/log.h"
#include "../../daemon/manager.h"
#include "../../daemon/session.h"
#include "../../daemon/sink.h"
#include "../../dbus/bus.h"
#include "../lib/test-bus.h"
#include "../lib/test.h"

#define SINK_ADDR "02:11:22:33:44:55"
#define SINK_PATH "/org/miracastd/sink/02_11_22_33_44_55"

enum fake_mode {
        FAKE_GROUP_UP,       /* listener for the sink + start the test sink */
        FAKE_REJECTED,       /* the sink declined (P2P-GO-NEG-FAILURE status=...) */
        FAKE_TIMEOUT,        /* nobody pressed OK on the TV */
        FAKE_SILENT,         /* nothing happens (the sink goes away meanwhile) */
};

/* FAKE P2P backend: what daemon/p2p.c does, minus the radio. */
struct fake_p2p {
        enum fake_mode mode;
        const char *sink_profile;
        const char *sink_png;   /* the sink writes its last decoded picture here; NULL: none */
        unsigned starts, stops, connects, disconnects;
        struct sink *pending;
        sd_event_source *defer;
        struct listener *listener;
        pid_t sink_pid;
        char sink_log[128];
};

static char tmpdir[64];
static char bus_address[300];     /* the private bus the daemon objects are on */
static pid_t bus_pid = -1;
static sd_event *event;
static struct config config;
static struct manager *manager;
static struct bus *daemon_bus;
static sd_bus *client;
static struct fake_p2p fake;
static char signals[64 * 1024];   /* "member path interface prop=value ..." lines seen by the client */

static sd_bus_message *last_reply;   /* the reply of the last successful call() */

static void teardown(void)
{
        last_reply = sd_bus_message_unref(last_reply);
        client = sd_bus_flush_close_unref(client);
        daemon_bus = bus_free(daemon_bus);
        fake.listener = NULL;          /* the manager frees its listeners */
        manager = manager_free(manager);
        config_clear(&config);
        event = sd_event_unref(event);
        if (fake.sink_pid > 0)
                kill(fake.sink_pid, SIGKILL);
        if (bus_pid > 0)
                kill(bus_pid, SIGTERM);
        if (tmpdir[0] && !getenv("KEEP_TMP")) {
                char cmd[128];
                snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
                (void) !system(cmd);
        }
}

static int fake_on_defer(sd_event_source *s, void *userdata)
{
        struct sink *sink = fake.pending;
        char port[16], connect[32], *build = getenv("MIRACAST_BUILD"), path[512];
        int r;

        fake.defer = sd_event_source_unref(fake.defer);
        if (!sink)
                return 0;
        switch (fake.mode) {
        case FAKE_REJECTED:
                sink_cast_failed(sink, -ECONNREFUSED, NULL);
                break;
        case FAKE_TIMEOUT:
                sink_cast_failed(sink, -ETIMEDOUT, NULL);
                break;
        case FAKE_SILENT:
                break;
        case FAKE_GROUP_UP:
                r = listener_new(manager, "127.0.0.1", 0, "127.0.0.1", sink, &fake.listener);
                if (r < 0) {
                        sink_cast_failed(sink, r, NULL);
                        break;
                }
                snprintf(port, sizeof(port), "%u", listener_get_port(fake.listener));
                snprintf(connect, sizeof(connect), "127.0.0.1:%s", port);
                snprintf(path, sizeof(path), "%s/miracast-test-sink", build ?: "build");
                snprintf(fake.sink_log, sizeof(fake.sink_log), "%s/sink.log", tmpdir);
                fake.sink_pid = fork();
                if (fake.sink_pid == 0) {
                        (void) prctl(PR_SET_PDEATHSIG, SIGTERM);
                        FILE *f = freopen(fake.sink_log, "w", stdout);
                        (void) f;
                        dup2(STDOUT_FILENO, STDERR_FILENO);
                        if (fake.sink_png)      /* decode and keep a picture to check */
                                execl(path, path, "--connect", connect, "--profile", fake.sink_profile,
                                      "--duration", "0", "--timeout", "20", "--frames",
                                      getenv("MIRACAST_PW_FRAMES") ?: "20", "--png", fake.sink_png, (char *) NULL);
                        execl(path, path, "--connect", connect, "--profile", fake.sink_profile, "--duration", "0",
                              "--timeout", "20", "--min-frames", "0", (char *) NULL);
                        _exit(127);
                }
                break;
        }
        return 0;
}

static int fake_start_discovery(void *userdata)
{
        fake.starts++;
        manager_set_discovering(manager, true);
        return 0;
}

static int fake_stop_discovery(void *userdata)
{
        fake.stops++;
        manager_set_discovering(manager, false);
        return 0;
}

static int fake_connect(void *userdata, struct sink *sink, const struct cast_options *options)
{
        fake.connects++;
        fake.pending = sink;
        /* Backends never call back synchronously. */
        return sd_event_add_defer(event, &fake.defer, fake_on_defer, NULL);
}

static void fake_disconnect(void *userdata, struct sink *sink)
{
        fake.disconnects++;
        fake.pending = NULL;
        fake.listener = listener_free(fake.listener);
}

static const struct p2p_backend fake_backend = {
        .name = "fake",
        .start_discovery = fake_start_discovery,
        .stop_discovery = fake_stop_discovery,
        .connect = fake_connect,
        .disconnect = fake_disconnect,
};

/* ---- the client side ---------------------------------------------------------- */

static int on_signal(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        const char *member = sd_bus_message_get_member(m), *path = sd_bus_message_get_path(m), *iface = NULL;
        size_t len = strlen(signals);

        if (strcmp(member, "PropertiesChanged") == 0) {
                if (sd_bus_message_read(m, "s", &iface) < 0)
                        return 0;
                snprintf(signals + len, sizeof(signals) - len, "%s %s %s", member, path, iface);
                if (sd_bus_message_enter_container(m, 'a', "{sv}") < 0)
                        return 0;
                while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
                        const char *name, *contents = NULL, *s = NULL;
                        char buf[256] = "", t;
                        uint32_t u;
                        int b;

                        if (sd_bus_message_read(m, "s", &name) < 0 ||
                            sd_bus_message_peek_type(m, &t, &contents) < 0 || !contents)
                                return 0;
                        if (strcmp(contents, "s") == 0 || strcmp(contents, "o") == 0) {
                                (void) sd_bus_message_read(m, "v", contents, &s);
                                snprintf(buf, sizeof(buf), "%s", s ?: "");
                        } else if (strcmp(contents, "b") == 0) {
                                (void) sd_bus_message_read(m, "v", "b", &b);
                                snprintf(buf, sizeof(buf), "%s", b ? "true" : "false");
                        } else if (strcmp(contents, "u") == 0) {
                                (void) sd_bus_message_read(m, "v", "u", &u);
                                snprintf(buf, sizeof(buf), "%u", u);
                        } else
                                (void) sd_bus_message_skip(m, "v");
                        (void) sd_bus_message_exit_container(m);
                        len = strlen(signals);
                        snprintf(signals + len, sizeof(signals) - len, " %s=%s", name, buf);
                }
                len = strlen(signals);
                snprintf(signals + len, sizeof(signals) - len, "\n");
        } else {
                const char *obj = NULL;
                (void) sd_bus_message_read(m, "o", &obj);
                snprintf(signals + len, sizeof(signals) - len, "%s %s\n", member, obj ?: "?");
        }
        return 0;
}

/* Run the loop until cond() or the limit (a hang guard, not a timing assertion). */
static bool run_until(bool (*cond)(void *), void *arg)
{
        uint64_t start, now;

        (void) sd_event_now(event, CLOCK_MONOTONIC, &start);
        while (!cond(arg)) {
                (void) sd_event_run(event, 10 * 1000);
                (void) sd_event_now(event, CLOCK_MONOTONIC, &now);
                if (now - start > 60ULL * 1000 * 1000)     /* hang guard, not a timing assertion */
                        break;
        }
        return cond(arg);
}

static bool call_done(void *arg)
{
        return ((struct test_call_result *) arg)->done;
}

/* Call a method with one optional pre-built message filler; returns the error name or "" on success. */
static const char *call(struct test_call_result *res, const char *path, const char *iface, const char *member,
                        int (*fill)(sd_bus_message *m, void *arg), void *arg)
{
        sd_bus_message *m = NULL;

        *res = (struct test_call_result) {};
        assert_int_ge(sd_bus_message_new_method_call(client, &m, "org.miracastd", path, iface, member), 0);
        if (fill)
                assert_int_ge(fill(m, arg), 0);
        assert_int_ge(sd_bus_call_async(client, NULL, m, test_bus_on_reply, res, 60ULL * 1000 * 1000), 0);
        sd_bus_message_unref(m);
        assert_true(run_until(call_done, res));
        last_reply = sd_bus_message_unref(last_reply);
        last_reply = res->reply;       /* freed by the next call() or at exit */
        return res->error;
}

static int fill_options(sd_bus_message *m, void *arg)
{
        const char *spec = arg;   /* "" or "key=s:value" / "key=i:number" */
        int r;

        r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r < 0 || !spec || !*spec)
                return r < 0 ? r : sd_bus_message_close_container(m);
        if (strncmp(spec, "go-intent=i:", 12) == 0)
                r = sd_bus_message_append(m, "{sv}", "go-intent", "i", atoi(spec + 12));
        else {
                char key[32];
                const char *v = strstr(spec, "=s:");
                snprintf(key, sizeof(key), "%.*s", (int) (v - spec), spec);
                r = sd_bus_message_append(m, "{sv}", key, "s", v + 3);
        }
        if (r < 0)
                return r;
        return sd_bus_message_close_container(m);
}

static char *get_string(const char *path, const char *iface, const char *prop)
{
        /* Asynchronous: the daemon answers from the same event loop. */
        struct test_call_result res = {};
        const char *contents;
        sd_bus_message *m = NULL;
        char t;
        char *s = NULL;

        assert_int_ge(sd_bus_message_new_method_call(client, &m, "org.miracastd", path,
                                                     "org.freedesktop.DBus.Properties", "Get"), 0);
        assert_int_ge(sd_bus_message_append(m, "ss", iface, prop), 0);
        assert_int_ge(sd_bus_call_async(client, NULL, m, test_bus_on_reply, &res, 10ULL * 1000 * 1000), 0);
        sd_bus_message_unref(m);
        assert_true(run_until(call_done, &res));
        if (res.error[0])
                return strdup(res.error);
        assert_int_ge(sd_bus_message_enter_container(res.reply, 'v', NULL), 0);
        assert_int_ge(sd_bus_message_peek_type(res.reply, &t, &contents), 0);
        if (t == 's' || t == 'o') {
                const char *v;
                assert_int_ge(sd_bus_message_read_basic(res.reply, t, &v), 0);
                s = strdup(v);
        } else if (t == 'b') {
                int b;
                assert_int_ge(sd_bus_message_read_basic(res.reply, 'b', &b), 0);
                s = strdup(b ? "true" : "false");
        } else if (t == 'u' || t == 'q' || t == 'n') {
                uint32_t u = 0;
                uint16_t q = 0;
                int16_t n = 0;
                char buf[16];
                if (t == 'u')
                        assert_int_ge(sd_bus_message_read_basic(res.reply, 'u', &u), 0);
                else if (t == 'q') {
                        assert_int_ge(sd_bus_message_read_basic(res.reply, 'q', &q), 0);
                        u = q;
                } else
                        assert_int_ge(sd_bus_message_read_basic(res.reply, 'n', &n), 0);
                snprintf(buf, sizeof(buf), "%d", t == 'n' ? n : (int) u);
                s = strdup(buf);
        } else
                s = strdup("?");
        sd_bus_message_unref(res.reply);
        return s;
}

static bool signal_seen(void *arg)
{
        return strstr(signals, arg) != NULL;
}

static bool string_prop_is(const char *path, const char *iface, const char *prop, const char *want)
{
        char *v = get_string(path, iface, prop);
        bool ok = v && strcmp(v, want) == 0;
        free(v);
        return ok;
}

struct prop_wait {
        const char *path, *iface, *prop, *want;
};

static bool prop_reached(void *arg)
{
        struct prop_wait *w = arg;
        return string_prop_is(w->path, w->iface, w->prop, w->want);
}

#define assert_prop(path, iface, prop, want)                                           \
        do {                                                                           \
                char *_v = get_string(path, iface, prop);                              \
                assert_str_eq(_v, want);                                               \
                free(_v);                                                              \
        } while (0)

static void setup(void)
{
        char addr[300];

        if (manager)
                return;
        atexit(teardown);
        log_set_max_level(getenv("TEST_DEBUG") ? LOG_DEBUG : LOG_WARNING);
        snprintf(tmpdir, sizeof(tmpdir), "/tmp/test-sink-bus.XXXXXX");
        assert_non_null(mkdtemp(tmpdir));
        assert_int_eq(test_private_bus_start(tmpdir, "session", addr, sizeof(addr), &bus_pid), 0);
        snprintf(bus_address, sizeof(bus_address), "%s", addr);

        assert_int_ge(sd_event_new(&event), 0);
        assert_int_eq(config_init(&config), 0);
        assert_int_eq(config_set(&config, "capture", "testsrc", "test"), 0);
        assert_int_eq(config_set(&config, "encoder", "x264", "test"), 0);
        assert_int_eq(config_set(&config, "max-resolution", "640x480", "test"), 0);
        assert_int_eq(manager_new(event, &config, &manager), 0);
        assert_int_eq(bus_open(manager, addr, CONFIG_POLKIT_AUTO, &daemon_bus), 0);
        assert_int_eq(manager_start(manager), 0);
        assert_int_eq(manager_set_p2p_backend(manager, &fake_backend, NULL), 0);

        assert_int_eq(test_bus_connect(event, addr, &client), 0);
        assert_int_ge(sd_bus_match_signal(client, NULL, "org.miracastd", NULL, NULL, NULL, on_signal, NULL), 0);
        /* Make sure the match is installed before anything happens. */
        assert_int_ge(sd_bus_call_method(client, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                         "org.freedesktop.DBus", "GetId", NULL, NULL, NULL), 0);
}

static struct sink *add_sink(const char *name, uint32_t mbps)
{
        struct sink_info info = {
                .name = name, .address = SINK_ADDR, .device_type = "primary-sink", .session_available = true,
                .max_throughput_mbps = mbps, .control_port = 7236, .signal_dbm = -40,
        };
        struct sink *s = manager_find_sink(manager, SINK_ADDR);

        if (s)
                assert_int_eq(sink_update(s, &info), 0);
        else
                assert_int_eq(sink_new(manager, &info, &s), 0);
        return s;
}

static bool sink_process_done(void *arg)
{
        int status;

        if (fake.sink_pid <= 0)
                return true;
        if (waitpid(fake.sink_pid, &status, WNOHANG) == fake.sink_pid) {
                *(int *) arg = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
                fake.sink_pid = -1;
                return true;
        }
        return false;
}

static bool session_sent_frames(void *arg)
{
        struct session_statistics st = {};

        (void) session_get_statistics(arg, &st);
        return st.frames >= 90;
}

/* ---- the tests ---------------------------------------------------------------- */

TEST(sink_added, "/sink-bus/sink_new exports Sink1 with every property and InterfacesAdded")
{
        setup();
        add_sink("Living room \"TV\"", 50);
        assert_true(run_until(signal_seen, "InterfacesAdded " SINK_PATH));
        assert_prop(SINK_PATH, "org.miracastd.Sink1", "Name", "Living room \"TV\"");
        assert_prop(SINK_PATH, "org.miracastd.Sink1", "Address", SINK_ADDR);
        assert_prop(SINK_PATH, "org.miracastd.Sink1", "DeviceType", "primary-sink");
        assert_prop(SINK_PATH, "org.miracastd.Sink1", "SessionAvailable", "true");
        assert_prop(SINK_PATH, "org.miracastd.Sink1", "MaxThroughput", "50");
        assert_prop(SINK_PATH, "org.miracastd.Sink1", "ControlPort", "7236");
        assert_prop(SINK_PATH, "org.miracastd.Sink1", "Signal", "-40");
        assert_prop("/org/miracastd", "org.miracastd.Manager1", "Backend", "fake");
}

TEST(sink_updated, "/sink-bus/sink_update emits PropertiesChanged with the new values")
{
        setup();
        add_sink("Bedroom", 50);
        assert_true(run_until(signal_seen, "PropertiesChanged " SINK_PATH " org.miracastd.Sink1 Name=Bedroom"));
        assert_prop(SINK_PATH, "org.miracastd.Sink1", "Name", "Bedroom");
}

TEST(sink_protocols, "/sink-bus/Protocol: a P2P sink also found over MS-MICE is \"p2p mice\"; losing one keeps the other")
{
        static const char path[] = "/org/miracastd/sink/02_aa_bb_cc_dd_ee";
        struct sink_info p2p = { .name = "Office", .address = "02:aa:bb:cc:dd:ee", .device_type = "primary-sink" };
        struct sink_info mice = { .name = "Lobby", .address = "10.1.2.3", .object_id = "mice_0123_abc",
                                  .protocols = SINK_PROTOCOL_MICE };
        struct sink *s, *m;

        setup();
        assert_int_eq(sink_new(manager, &p2p, &s), 0);
        assert_true(run_until(signal_seen, "InterfacesAdded /org/miracastd/sink/02_aa_bb_cc_dd_ee"));
        assert_prop(path, "org.miracastd.Sink1", "Protocol", "p2p");
        sink_add_protocols(s, SINK_PROTOCOL_MICE);
        assert_true(run_until(signal_seen, "PropertiesChanged /org/miracastd/sink/02_aa_bb_cc_dd_ee org.miracastd.Sink1 "
                                           "Name=Office DeviceType=primary-sink Protocol=p2p mice"));
        assert_prop(path, "org.miracastd.Sink1", "Protocol", "p2p mice");
        /* P2P discovery loses the peer: the device is still on the LAN. */
        assert_true(sink_lost(s, SINK_PROTOCOL_P2P) == s);
        assert_prop(path, "org.miracastd.Sink1", "Protocol", "mice");
        /* The peer comes back over P2P (sink_update from daemon/p2p.c). */
        assert_int_eq(sink_update(s, &p2p), 0);
        assert_prop(path, "org.miracastd.Sink1", "Protocol", "p2p mice");
        assert_true(sink_lost(s, SINK_PROTOCOL_P2P) == s);
        assert_null(sink_lost(s, SINK_PROTOCOL_MICE));
        assert_true(run_until(signal_seen, "InterfacesRemoved /org/miracastd/sink/02_aa_bb_cc_dd_ee"));

        /* An MS-MICE sink without p2pMAC: its own path, its LAN address. */
        assert_int_eq(sink_new(manager, &mice, &m), 0);
        assert_prop("/org/miracastd/sink/mice_0123_abc", "org.miracastd.Sink1", "Address", "10.1.2.3");
        assert_prop("/org/miracastd/sink/mice_0123_abc", "org.miracastd.Sink1", "Protocol", "mice");
        mice.address = "10.1.2.4";
        mice.object_id = "mice/../x";
        assert_int_eq(sink_new(manager, &mice, &s), -EINVAL);
        mice.object_id = NULL;
        assert_int_eq(sink_new(manager, &mice, &s), -EINVAL);
        assert_null(sink_lost(m, SINK_PROTOCOL_MICE));
}

/* An MS-MICE transport that fails every attempt (what daemon/mice.c does for a silent sink). */
static struct sink *mice_pending;
static unsigned mice_connects, mice_disconnects;
static int mice_error;
static sd_event_source *mice_defer;

static int fake_mice_on_defer(sd_event_source *s, void *userdata)
{
        struct sink *sink = mice_pending;

        mice_defer = sd_event_source_unref(mice_defer);
        mice_pending = NULL;
        if (sink)
                sink_cast_failed(sink, mice_error, "the MS-MICE attempt failed (test)");
        return 0;
}

static int fake_mice_discovery(void *userdata)
{
        return 0;
}

static int fake_mice_connect(void *userdata, struct sink *sink, const struct cast_options *options)
{
        mice_connects++;
        mice_pending = sink;
        return sd_event_add_defer(event, &mice_defer, fake_mice_on_defer, NULL);
}

static void fake_mice_disconnect(void *userdata, struct sink *sink)
{
        mice_disconnects++;
        mice_pending = NULL;
}

static const struct p2p_backend fake_mice = {
        .name = "fake-mice",
        .start_discovery = fake_mice_discovery,
        .stop_discovery = fake_mice_discovery,
        .connect = fake_mice_connect,
        .disconnect = fake_mice_disconnect,
};

TEST(cast_mice_fallback, "/sink-bus/Cast to a \"p2p mice\" sink: MS-MICE first, its failure falls back to P2P; option protocol picks one")
{
        struct test_call_result res;
        struct fake_p2p saved = fake;
        struct sink *s;

        setup();
        fake.connects = 0;
        s = add_sink("Bedroom", 50);
        assert_int_eq(manager_set_mice(manager, &fake_mice, NULL), 0);
        sink_add_protocols(s, SINK_PROTOCOL_MICE);

        /* MS-MICE times out: Wi-Fi Direct is tried, and its answer is the Cast() answer. */
        mice_error = -ETIMEDOUT;
        fake.mode = FAKE_REJECTED;
        assert_str_eq(call(&res, SINK_PATH, "org.miracastd.Sink1", "Cast", fill_options, ""),
                      "org.miracastd.Error.SinkRejected");
        assert_int_eq(mice_connects, 1);
        assert_int_eq(fake.connects, 1);

        /* The sink itself said STOP_PROJECTION: no second try. */
        mice_error = -ECONNREFUSED;
        assert_str_eq(call(&res, SINK_PATH, "org.miracastd.Sink1", "Cast", fill_options, ""),
                      "org.miracastd.Error.SinkRejected");
        assert_true(strstr(res.message, "MS-MICE attempt failed") != NULL);
        assert_int_eq(mice_connects, 2);
        assert_int_eq(fake.connects, 1);

        /* protocol=p2p skips MS-MICE; protocol=mice on a P2P-only sink is refused. */
        assert_str_eq(call(&res, SINK_PATH, "org.miracastd.Sink1", "Cast", fill_options, "protocol=s:p2p"),
                      "org.miracastd.Error.SinkRejected");
        assert_int_eq(mice_connects, 2);
        assert_int_eq(fake.connects, 2);
        assert_true(sink_lost(s, SINK_PROTOCOL_MICE) == s);
        assert_str_eq(call(&res, SINK_PATH, "org.miracastd.Sink1", "Cast", fill_options, "protocol=s:mice"),
                      "org.miracastd.Error.InvalidArguments");
        assert_str_eq(call(&res, SINK_PATH, "org.miracastd.Sink1", "Cast", fill_options, "protocol=s:usb"),
                      "org.miracastd.Error.InvalidArguments");
        assert_int_eq(mice_connects, 2);
        assert_int_eq(mice_disconnects, 0);
        assert_int_eq(manager_set_mice(manager, NULL, NULL), 0);
        /* The cases after this one count from where they would have without it. */
        fake.connects = saved.connects;
        fake.mode = saved.mode;
}

TEST(discovery, "/sink-bus/StartDiscovery and StopDiscovery reach the backend, Discovering follows")
{
        struct test_call_result res;

        setup();
        assert_str_eq(call(&res, "/org/miracastd", "org.miracastd.Manager1", "StartDiscovery", NULL, NULL), "");
        assert_int_eq(fake.starts, 1);
        assert_true(run_until(signal_seen, "PropertiesChanged /org/miracastd org.miracastd.Manager1 Discovering=true"));
        /* One reference per caller: a second start is not a second backend start. */
        assert_str_eq(call(&res, "/org/miracastd", "org.miracastd.Manager1", "StartDiscovery", NULL, NULL), "");
        assert_int_eq(fake.starts, 1);
        assert_str_eq(call(&res, "/org/miracastd", "org.miracastd.Manager1", "StopDiscovery", NULL, NULL), "");
        assert_int_eq(fake.stops, 1);
        assert_true(run_until(signal_seen, "Discovering=false"));
        assert_str_eq(call(&res, "/org/miracastd", "org.miracastd.Manager1", "StopDiscovery", NULL, NULL),
                      "org.miracastd.Error.NotFound");
}

TEST(cast_bad_options, "/sink-bus/Cast with bad options -> InvalidArguments, nothing started")
{
        struct test_call_result res;

        setup();
        add_sink("Bedroom", 50);
        assert_str_eq(call(&res, SINK_PATH, "org.miracastd.Sink1", "Cast", fill_options, "colour=s:red"),
                      "org.miracastd.Error.InvalidArguments");
        assert_str_eq(call(&res, SINK_PATH, "org.miracastd.Sink1", "Cast", fill_options, "method=s:pin"),
                      "org.miracastd.Error.InvalidArguments");
        assert_str_eq(call(&res, SINK_PATH, "org.miracastd.Sink1", "Cast", fill_options, "go-intent=i:99"),
                      "org.miracastd.Error.InvalidArguments");
        assert_str_eq(call(&res, SINK_PATH, "org.miracastd.Sink1", "Cast", fill_options, "max-resolution=s:huge"),
                      "org.miracastd.Error.InvalidArguments");
        assert_str_eq(call(&res, SINK_PATH, "org.miracastd.Sink1", "Cast", fill_options, "output=s:vnc:0"),
                      "org.miracastd.Error.InvalidArguments");
        assert_str_eq(call(&res, SINK_PATH, "org.miracastd.Sink1", "Cast", fill_options, "latency=s:fast"),
                      "org.miracastd.Error.InvalidArguments");
        assert_int_eq(fake.connects, 0);
        assert_str_eq(call(&res, "/org/miracastd/sink/00_00_00_00_00_01", "org.miracastd.Sink1", "Cast",
                           fill_options, ""), "org.freedesktop.DBus.Error.UnknownObject");
}

TEST(cast_output_names, "/sink-bus/Cast output: a bare connector name is accepted; a missing output -> NotFound naming it")
{
        struct test_call_result res;

        setup();
        add_sink("Bedroom", 50);
        /* The form --help shows ("--output HDMI-A-1"): looked up across the DRM cards, not refused as
         * malformed. No machine has a DP-99, so the answer is NotFound with the name and the outputs. */
        assert_str_eq(call(&res, SINK_PATH, "org.miracastd.Sink1", "Cast", fill_options, "output=s:DP-99"),
                      "org.miracastd.Error.NotFound");
        if (!strstr(res.message, "no output named DP-99") || !strstr(res.message, "outputs:"))
                test_fail(__FILE__, __LINE__, "unclear error: %s", res.message);
        assert_str_eq(call(&res, SINK_PATH, "org.miracastd.Sink1", "Cast", fill_options, "output=s:kms::DP-99"),
                      "org.miracastd.Error.NotFound");
        /* A named card that does not exist is found missing now, not after the Wi-Fi Direct connection. */
        assert_str_eq(call(&res, SINK_PATH, "org.miracastd.Sink1", "Cast", fill_options,
                           "output=s:kms:/dev/dri/card99:HDMI-A-1"),
                      "org.miracastd.Error.NotFound");
        if (!strstr(res.message, "no output named HDMI-A-1 on /dev/dri/card99"))
                test_fail(__FILE__, __LINE__, "unclear error: %s", res.message);
        /* Typos stay malformed. */
        assert_str_eq(call(&res, SINK_PATH, "org.miracastd.Sink1", "Cast", fill_options, "output=s:HDMI"),
                      "org.miracastd.Error.InvalidArguments");
        assert_int_eq(fake.connects, 0);
}

/* Cast options for a desktop stream: pipewire-fd h, pipewire-node u, video-source s (-1 / 0 / NULL: left out). */
struct pipewire_options {
        int fd;
        uint32_t node;
        const char *video_source;
        const char *output;
};

static int fill_pipewire_options(sd_bus_message *m, void *arg)
{
        const struct pipewire_options *o = arg;
        int r;

        r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r >= 0 && o->fd >= 0)
                r = sd_bus_message_append(m, "{sv}", "pipewire-fd", "h", o->fd);
        if (r >= 0 && o->node)
                r = sd_bus_message_append(m, "{sv}", "pipewire-node", "u", o->node);
        if (r >= 0 && o->video_source)
                r = sd_bus_message_append(m, "{sv}", "video-source", "s", o->video_source);
        if (r >= 0 && o->output)
                r = sd_bus_message_append(m, "{sv}", "output", "s", o->output);
        if (r < 0)
                return r;
        return sd_bus_message_close_container(m);
}

static void expect_invalid(const struct pipewire_options *o, const char *words)
{
        struct test_call_result res;

        assert_str_eq(call(&res, SINK_PATH, "org.miracastd.Sink1", "Cast", fill_pipewire_options, (void *) o),
                      "org.miracastd.Error.InvalidArguments");
        if (!strstr(res.message, words))
                test_fail(__FILE__, __LINE__, "error without \"%s\": %s", words, res.message);
}

TEST(cast_pipewire_bad, "/sink-bus/Cast pipewire-fd/-node/video-source: a bad fd, node or pairing -> InvalidArguments with the reason")
{
        int pipefd[2], sp[2], lone;
        unsigned connects;

        setup();
        add_sink("Bedroom", 50);
        connects = fake.connects;
        assert_int_eq(pipe2(pipefd, O_CLOEXEC), 0);
        assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
        lone = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_int_ge(lone, 0);

        expect_invalid(&(struct pipewire_options) { pipefd[0], 42, "monitor", NULL }, "pipewire-fd: not a socket");
        expect_invalid(&(struct pipewire_options) { lone, 42, "monitor", NULL }, "not connected");
        expect_invalid(&(struct pipewire_options) { sp[0], 0, NULL, NULL }, "go together");
        expect_invalid(&(struct pipewire_options) { -1, 42, NULL, NULL }, "go together");
        expect_invalid(&(struct pipewire_options) { -1, 0, "window", NULL }, "needs pipewire-fd");
        expect_invalid(&(struct pipewire_options) { sp[0], 42, "tv", NULL }, "video-source must be");
        expect_invalid(&(struct pipewire_options) { sp[0], UINT32_MAX, NULL, NULL }, "not a node id");
        expect_invalid(&(struct pipewire_options) { sp[0], 42, NULL, "testsrc" }, "exclude each other");
        assert_int_eq(fake.connects, connects);         /* nothing started */
        close(pipefd[0]);
        close(pipefd[1]);
        close(sp[0]);
        close(sp[1]);
        close(lone);
}

static bool session_ended(void *arg)
{
        struct session *s = manager_find_session_by_id(manager, *(unsigned *) arg);

        return !s || s->state == SOURCE_SESSION_STATE_ENDED;
}

/*
 * A cast with the caller's PipeWire connection. With MIRACAST_PW_REMOTE (a PipeWire socket) and
 * MIRACAST_PW_NODE (a node id there), set by tests/integration/pipewire-cast.sh, the stream plays and
 * the sink keeps a picture in MIRACAST_PW_PNG for the script to check; without them the "PipeWire" is
 * a socket nobody answers on, and the session ends saying the stream never came. MIRACAST_PW_FD (an
 * inherited fd, from a real desktop portal) replaces the socket path; MIRACAST_PW_KIND the video-source.
 */
TEST(cast_pipewire_stream, "/sink-bus/Cast with pipewire-fd + node: that session's own stream, VideoSource; no picture -> ended with the reason")
{
        const char *remote = getenv("MIRACAST_PW_REMOTE"), *node = getenv("MIRACAST_PW_NODE");
        const char *kind = getenv("MIRACAST_PW_KIND") ?: "window", *inherited = getenv("MIRACAST_PW_FD");
        struct pipewire_options o = { -1, 0, kind, NULL };
        struct test_call_result res;
        int sp[2] = { -1, -1 }, status = -1;
        unsigned id, connects = fake.connects;
        const char *path;

        setup();
        add_sink("Bedroom", 50);
        fake.mode = FAKE_GROUP_UP;
        fake.sink_profile = "small";
        if (inherited && node) {
                /* A desktop portal's fd (tests/desktop/screencast-client passes it down). */
                o.fd = atoi(inherited);
                o.node = (uint32_t) atoi(node);
                fake.sink_png = getenv("MIRACAST_PW_PNG");
                remote = "(inherited fd)";
        } else if (remote && node) {
                struct sockaddr_un sa = { .sun_family = AF_UNIX };

                o.fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
                assert_int_ge(o.fd, 0);
                snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", remote);
                assert_int_eq(connect(o.fd, (struct sockaddr *) &sa, sizeof(sa)), 0);
                o.node = (uint32_t) atoi(node);
                fake.sink_png = getenv("MIRACAST_PW_PNG");
        } else {
                assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
                o.fd = sp[0];
                o.node = 4242;
        }
        assert_str_eq(call(&res, SINK_PATH, "org.miracastd.Sink1", "Cast", fill_pipewire_options, &o), "");
        /* The daemon has its own dup: ours may go at once. */
        close(o.fd);
        assert_int_ge(sd_bus_message_read(res.reply, "o", &path), 0);
        path = strdupa(path);
        id = (unsigned) atoi(path + 23);
        assert_prop(path, "org.miracastd.Session1", "VideoSource", kind);
        if (remote && node) {
                struct prop_wait w = { path, "org.miracastd.Session1", "State", "playing" };

                assert_true(run_until(prop_reached, &w));
                /* The sink leaves after 20 decoded pictures, with the last one in the PNG. */
                assert_true(run_until(sink_process_done, &status));
                assert_int_eq(status, 0);
                assert_true(run_until(session_ended, &id));
        } else {
                char *reason;

                /* Nobody speaks PipeWire on that socket: the open gives up after its 5 s with a reason. */
                assert_true(run_until(session_ended, &id));
                reason = get_string(path, "org.miracastd.Session1", "EndReason");
                if (!strstr(reason, "capture failed to start: pipewire:"))
                        test_fail(__FILE__, __LINE__, "unclear end reason: %s", reason);
                free(reason);
                close(sp[1]);
                (void) run_until(sink_process_done, &status);
        }
        fake.sink_png = NULL;
        fake.connects = connects;      /* the cases after this one count from where they would have */
        /* A desktop cast runs in the "pipewire" context (an unprivileged worker), not the default one. */
        {
                struct context *c;

                for (c = manager->contexts; c && strcmp(c->capture, "pipewire") != 0; c = c->next)
                        ;
                assert_non_null(c);
                assert_true(c != manager_default_context(manager));
        }
}

static bool user_name_owned(void *arg)
{
        return sd_bus_get_name_creds(arg, "org.miracastd.User", 0, NULL) >= 0;
}

/*
 * The whole desktop path: miracastd-user (the real user-session component) on the session bus of a
 * desktop with a ScreenCast portal (MIRACAST_USER_BUS, set by tests/desktop/sway-portal.sh), this
 * test's private bus as its "system" bus. User1.Cast asks the portal, hands the share to Sink1.Cast,
 * the sink decodes 20 pictures into MIRACAST_PW_PNG for the script to check.
 */
TEST(cast_user_session, "/sink-bus/User1.Cast through miracastd-user and the desktop's portal: the daemon's session shows that video source")
{
        const char *user_bus = getenv("MIRACAST_USER_BUS"), *kind = getenv("MIRACAST_PW_KIND") ?: "monitor";
        const char *build = getenv("MIRACAST_BUILD") ?: "build";
        struct test_call_result res = {};
        sd_bus_message *m = NULL;
        sd_bus *ubus = NULL;
        char prog[512], log[256];
        const char *path;
        int status = -1;
        unsigned connects = fake.connects;
        pid_t user_pid;

        if (!user_bus)
                test_skip("MIRACAST_USER_BUS not set (tests/desktop/sway-portal.sh sets it)");
        setup();
        add_sink("Bedroom", 50);
        fake.mode = FAKE_GROUP_UP;
        fake.sink_profile = "small";
        fake.sink_png = getenv("MIRACAST_PW_PNG");
        snprintf(prog, sizeof(prog), "%s/miracastd-user", build);
        snprintf(log, sizeof(log), "%s/miracastd-user.log", getenv("MIRACAST_USER_LOG_DIR") ?: tmpdir);
        user_pid = fork();
        if (user_pid == 0) {
                (void) prctl(PR_SET_PDEATHSIG, SIGTERM);
                FILE *f = freopen(log, "w", stderr);
                (void) f;
                setenv("DBUS_SESSION_BUS_ADDRESS", user_bus, 1);
                setenv("DBUS_SYSTEM_BUS_ADDRESS", bus_address, 1);
                execl(prog, prog, "--idle-exit", "0", "--log-level", "debug", (char *) NULL);
                _exit(127);
        }
        assert_int_ge(user_pid, 1);
        assert_int_ge(sd_bus_new(&ubus), 0);
        assert_int_ge(sd_bus_set_address(ubus, user_bus), 0);
        assert_int_ge(sd_bus_set_bus_client(ubus, true), 0);
        assert_int_ge(sd_bus_start(ubus), 0);
        assert_int_ge(sd_bus_attach_event(ubus, event, 0), 0);
        assert_true(run_until(user_name_owned, ubus));

        assert_int_ge(sd_bus_message_new_method_call(ubus, &m, "org.miracastd.User", "/org/miracastd/user",
                                                     "org.miracastd.User1", "Cast"), 0);
        assert_int_ge(sd_bus_message_append(m, "oa{sv}", SINK_PATH, 3, "video", "s", kind, "audio", "s", "mirror",
                                            "max-resolution", "s", "640x480"), 0);
        assert_int_ge(sd_bus_call_async(ubus, NULL, m, test_bus_on_reply, &res, 60ULL * 1000 * 1000), 0);
        sd_bus_message_unref(m);
        assert_true(run_until(call_done, &res));
        if (res.error[0])
                test_fail(__FILE__, __LINE__, "User1.Cast: %s: %s", res.error, res.message);
        assert_int_ge(sd_bus_message_read(res.reply, "o", &path), 0);
        path = strdupa(path);
        sd_bus_message_unref(res.reply);
        assert_prop(path, "org.miracastd.Session1", "VideoSource", kind);
        {
                struct prop_wait w = { path, "org.miracastd.Session1", "State", "playing" };

                assert_true(run_until(prop_reached, &w));
        }
        /* The sink leaves after 20 decoded pictures; the component ends its cast and the share. */
        assert_true(run_until(sink_process_done, &status));
        assert_int_eq(status, 0);
        kill(user_pid, SIGTERM);
        waitpid(user_pid, NULL, 0);
        sd_bus_flush_close_unref(ubus);
        fake.sink_png = NULL;
        fake.connects = connects;
}

TEST(cast_rejected, "/sink-bus/the sink declining the connection -> SinkRejected, session ended")
{
        struct test_call_result res;

        setup();
        add_sink("Bedroom", 50);
        fake.mode = FAKE_REJECTED;
        assert_str_eq(call(&res, SINK_PATH, "org.miracastd.Sink1", "Cast", fill_options, ""),
                      "org.miracastd.Error.SinkRejected");
        assert_int_eq(fake.connects, 1);
        assert_true(run_until(signal_seen, "State=ended"));
}

TEST(cast_timeout, "/sink-bus/group formation timing out -> Timeout")
{
        struct test_call_result res;

        setup();
        add_sink("Bedroom", 50);
        fake.mode = FAKE_TIMEOUT;
        assert_str_eq(call(&res, SINK_PATH, "org.miracastd.Sink1", "Cast", fill_options, "method=s:pbc"),
                      "org.miracastd.Error.Timeout");
}

TEST(cast_sink_lost, "/sink-bus/the sink vanishing during Cast -> NotFound, InterfacesRemoved")
{
        struct test_call_result res = {};
        sd_bus_message *m = NULL;

        setup();
        add_sink("Bedroom", 50);
        fake.mode = FAKE_SILENT;
        assert_int_ge(sd_bus_message_new_method_call(client, &m, "org.miracastd", SINK_PATH, "org.miracastd.Sink1",
                                                     "Cast"), 0);
        assert_int_ge(fill_options(m, ""), 0);
        assert_int_ge(sd_bus_call_async(client, NULL, m, test_bus_on_reply, &res, 60ULL * 1000 * 1000), 0);
        sd_bus_message_unref(m);
        /* Let the call arrive and the backend be asked, then lose the peer. */
        for (unsigned i = 0; i < 300 && !fake.pending; i++)
                (void) sd_event_run(event, 10 * 1000);
        assert_non_null(fake.pending);
        /* A second Cast while the first is pending is refused. */
        {
                struct test_call_result res2;
                assert_str_eq(call(&res2, SINK_PATH, "org.miracastd.Sink1", "Cast", fill_options, ""),
                              "org.miracastd.Error.Busy");
        }
        sink_remove(manager_find_sink(manager, SINK_ADDR));
        assert_true(run_until(call_done, &res));
        assert_str_eq(res.error, "org.miracastd.Error.NotFound");
        assert_true(run_until(signal_seen, "InterfacesRemoved " SINK_PATH));
}

TEST(cast_insufficient, "/sink-bus/a sink whose link cannot carry any mode -> InsufficientResources")
{
        struct test_call_result res;
        int status = -1;

        setup();
        add_sink("Slow TV", 1);   /* 1 Mbit/s: below 640x480p60's 1.8 Mbit/s and 800x600p30's 1.4 */
        fake.mode = FAKE_GROUP_UP;
        fake.sink_profile = "small";
        assert_str_eq(call(&res, SINK_PATH, "org.miracastd.Sink1", "Cast", fill_options, ""),
                      "org.miracastd.Error.InsufficientResources");
        assert_true(run_until(sink_process_done, &status));
}

TEST(cast_ok, "/sink-bus/Cast -> group -> sink connects -> session path; Stop tears down")
{
        struct test_call_result res;
        const char *path;
        char want[128];
        int status = -1;

        setup();
        add_sink("Bedroom", 50);
        fake.mode = FAKE_GROUP_UP;
        fake.sink_profile = "small";
        fake.disconnects = 0;
        assert_str_eq(call(&res, SINK_PATH, "org.miracastd.Sink1", "Cast", fill_options, "max-resolution=s:640x480"),
                      "");
        assert_int_ge(sd_bus_message_read(res.reply, "o", &path), 0);
        path = strdupa(path);
        assert_true(strncmp(path, "/org/miracastd/session/", 23) == 0);
        assert_prop(path, "org.miracastd.Session1", "Sink", SINK_PATH);
        assert_prop(path, "org.miracastd.Session1", "Width", "640");
        {
                struct prop_wait w = { path, "org.miracastd.Session1", "State", "playing" };
                assert_true(run_until(prop_reached, &w));
        }
        snprintf(want, sizeof(want), "PropertiesChanged %s org.miracastd.Session1 State=playing", path);
        assert_true(run_until(signal_seen, want));
        /* Let some video reach the sink before stopping, so it has something to decode. */
        assert_true(run_until(session_sent_frames, manager_find_session_by_id(manager, atoi(path + 23))));
        assert_str_eq(call(&res, path, "org.miracastd.Session1", "Stop", NULL, NULL), "");
        {
                struct prop_wait w = { path, "org.miracastd.Session1", "State", "ended" };
                assert_true(run_until(prop_reached, &w));
        }
        assert_true(run_until(sink_process_done, &status));
        if (status != 0) {
                char *log = NULL;
                if (test_read_file(fake.sink_log, &log) >= 0)
                        fprintf(stderr, "test sink output:\n%s\n", log);
                free(log);
        }
        /* The sink was told to tear down (M5) and did; whether it decoded is test-test-sink's and
         * daemon-dbus.sh's business. */
        {
                char *log = NULL;
                assert_int_ge(test_read_file(fake.sink_log, &log), 0);
                assert_true(strstr(log, "M5 trigger TEARDOWN") != NULL);
                assert_true(strstr(log, "end=source-teardown") != NULL);
                free(log);
        }
        /* The group goes away with the session. */
        assert_int_ge(fake.disconnects, 1);
}

/*
 * The introspection XML we install (dbus/org.miracastd.*.xml, documented with
 * comments) must describe what the daemon really serves: the interface block
 * of a live Introspect() equals the file's once comments and indentation are
 * dropped from both.
 */
static char *xml_interface_normalized(const char *xml, const char *iface)
{
        char open_tag[128], *out, *o;
        const char *start, *end;

        snprintf(open_tag, sizeof(open_tag), "<interface name=\"%s\">", iface);
        start = strstr(xml, open_tag);
        if (!start)
                return NULL;
        end = strstr(start, "</interface>");
        if (!end)
                return NULL;
        end += strlen("</interface>");
        out = o = calloc(1, end - start + 1);
        assert_non_null(out);
        for (const char *p = start; p < end;) {
                if (strncmp(p, "<!--", 4) == 0) {
                        const char *c = strstr(p, "-->");
                        p = c ? c + 3 : end;
                } else if (*p == '\n' || *p == ' ' || *p == '\t') {
                        /* Keep one space only between attributes inside a tag. */
                        if (o > out && o[-1] != '>' && o[-1] != ' ' && p + 1 < end && p[1] != ' ' && p[1] != '\n')
                                *o++ = ' ';
                        p++;
                } else
                        *o++ = *p++;
        }
        *o = '\0';
        return out;
}

static void check_introspection(const char *path, const char *iface)
{
        struct test_call_result res;
        const char *xml, *src = getenv("MIRACAST_SRCDIR");
        char file[512], *text = NULL, *want, *got;

        assert_str_eq(call(&res, path, "org.freedesktop.DBus.Introspectable", "Introspect", NULL, NULL), "");
        assert_int_ge(sd_bus_message_read(res.reply, "s", &xml), 0);
        got = xml_interface_normalized(xml, iface);
        assert_non_null(got);
        snprintf(file, sizeof(file), "%s/dbus/%s.xml", src ?: ".", iface);
        assert_int_ge(test_read_file(file, &text), 0);
        want = xml_interface_normalized(text, iface);
        assert_non_null(want);
        if (strcmp(want, got) != 0)
                fprintf(stderr, "%s differs from the live interface:\n  file: %s\n  live: %s\n", file, want, got);
        assert_str_eq(want, got);
        free(text);
        free(want);
        free(got);
}

TEST(introspection_files, "/sink-bus/dbus/org.miracastd.*.xml match the live introspection")
{
        struct test_call_result res;
        int status = -1;

        setup();
        check_introspection("/org/miracastd", "org.miracastd.Manager1");
        add_sink("Bedroom", 50);
        check_introspection(SINK_PATH, "org.miracastd.Sink1");
        /* A session object: a Cast that the sink rejects leaves one behind (state ended). */
        fake.mode = FAKE_REJECTED;
        assert_str_eq(call(&res, SINK_PATH, "org.miracastd.Sink1", "Cast", fill_options, ""),
                      "org.miracastd.Error.SinkRejected");
        assert_non_null(manager->sessions);
        check_introspection(manager->sessions->path, "org.miracastd.Session1");
        (void) status;
}
