/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Polkit authorization for real: the daemon's D-Bus face in process on a
 * private system-type dbus-daemon with polkit required, and a FAKE polkit
 * authority (polkitd cannot run on a private bus) that owns
 * org.freedesktop.PolicyKit1 and answers CheckAuthorization as each test
 * says. Checks that an allowed call runs after the asynchronous answer (the
 * message is dispatched again), a denied or challenged call gets NotAuthorized
 * and has no effect, the request carries the caller's bus name and the right
 * action, and reading properties never asks. polkit_check_name() (the input an agent allowed
 * for the person) asks about the given bus name, interactively, and answers once.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "../../daemon/config.h"
#include "../../daemon/listener.h"
#include "../../daemon/log.h"
#include "../../daemon/manager.h"
#include "../../dbus/bus.h"
#include "../../dbus/polkit.h"
#include "../lib/test-bus.h"
#include "../lib/test.h"

enum answer {
        ANSWER_YES,
        ANSWER_NO,
        ANSWER_CHALLENGE,     /* is_authorized false, is_challenge true */
        ANSWER_ERROR,         /* polkit fails the call */
};

static char tmpdir[64];
static pid_t bus_pid = -1;
static sd_event *event;
static struct config config;
static struct manager *manager;
static struct bus *daemon_bus;
static sd_bus *client, *authority;
static enum answer answer;
static unsigned checks;
static char last_action[128], last_subject_kind[64], last_subject_name[128];
static uint32_t last_flags;
static sd_bus_message *last_reply;

static void teardown(void)
{
        last_reply = sd_bus_message_unref(last_reply);
        client = sd_bus_flush_close_unref(client);
        authority = sd_bus_flush_close_unref(authority);
        daemon_bus = bus_free(daemon_bus);
        manager = manager_free(manager);
        config_clear(&config);
        event = sd_event_unref(event);
        if (bus_pid > 0)
                kill(bus_pid, SIGTERM);
        if (tmpdir[0]) {
                char cmd[128];
                snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
                (void) !system(cmd);
        }
}

/* The FAKE authority: CheckAuthorization((sa{sv}) subject, s action, a{ss}, u flags, s cancel). */
static int fake_check_authorization(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        const char *kind, *action, *cancel;
        uint32_t flags;
        int r;

        checks++;
        r = sd_bus_message_enter_container(m, 'r', "sa{sv}");
        if (r < 0)
                return r;
        r = sd_bus_message_read(m, "s", &kind);
        if (r < 0)
                return r;
        snprintf(last_subject_kind, sizeof(last_subject_kind), "%s", kind);
        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const char *key, *name;
                r = sd_bus_message_read(m, "s", &key);
                if (r < 0)
                        return r;
                if (strcmp(key, "name") == 0) {
                        r = sd_bus_message_read(m, "v", "s", &name);
                        if (r < 0)
                                return r;
                        snprintf(last_subject_name, sizeof(last_subject_name), "%s", name);
                } else if ((r = sd_bus_message_skip(m, "v")) < 0)
                        return r;
                if ((r = sd_bus_message_exit_container(m)) < 0)
                        return r;
        }
        if (r < 0 || (r = sd_bus_message_exit_container(m)) < 0 || (r = sd_bus_message_exit_container(m)) < 0)
                return r;
        r = sd_bus_message_read(m, "s", &action);
        if (r < 0)
                return r;
        snprintf(last_action, sizeof(last_action), "%s", action);
        r = sd_bus_message_skip(m, "a{ss}");
        if (r < 0)
                return r;
        r = sd_bus_message_read(m, "us", &flags, &cancel);
        if (r < 0)
                return r;
        last_flags = flags;

        switch (answer) {
        case ANSWER_YES:
                return sd_bus_reply_method_return(m, "(bba{ss})", 1, 0, 0);
        case ANSWER_NO:
                return sd_bus_reply_method_return(m, "(bba{ss})", 0, 0, 0);
        case ANSWER_CHALLENGE:
                return sd_bus_reply_method_return(m, "(bba{ss})", 0, 1, 0);
        default:
                return sd_bus_error_set(error, "org.freedesktop.PolicyKit1.Error.Failed", "fake failure");
        }
}

static const sd_bus_vtable fake_authority_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("CheckAuthorization", "(sa{sv})sa{ss}us", "(bba{ss})", fake_check_authorization, 0),
        SD_BUS_VTABLE_END
};

static const char *call(struct test_call_result *res, const char *path, const char *iface, const char *member,
                        const char *listen_address)
{
        sd_bus_message *m = NULL;

        *res = (struct test_call_result) {};
        assert_int_ge(sd_bus_message_new_method_call(client, &m, "org.miracastd", path, iface, member), 0);
        if (listen_address)
                assert_int_ge(sd_bus_message_append(m, "sa{sv}", listen_address, 0), 0);
        else if (strcmp(member, "Get") == 0)
                assert_int_ge(sd_bus_message_append(m, "ss", "org.miracastd.Manager1", "Version"), 0);
        else if (strcmp(member, "RegisterAgent") == 0)
                assert_int_ge(sd_bus_message_append(m, "o", "/test/agent"), 0);
        assert_int_ge(sd_bus_call_async(client, NULL, m, test_bus_on_reply, res, 30ULL * 1000 * 1000), 0);
        sd_bus_message_unref(m);
        for (unsigned i = 0; i < 3000 && !res->done; i++)
                (void) sd_event_run(event, 10 * 1000);
        assert_true(res->done);
        last_reply = sd_bus_message_unref(last_reply);
        last_reply = res->reply;       /* freed by the next call() or at exit */
        return res->error;
}

static unsigned count_listeners(void)
{
        unsigned n = 0;

        for (struct listener *l = manager->listeners; l; l = l->next)
                n++;
        return n;
}

static void setup(void)
{
        char addr[300];

        if (manager)
                return;
        atexit(teardown);
        log_set_max_level(getenv("TEST_DEBUG") ? LOG_DEBUG : LOG_ERR);
        snprintf(tmpdir, sizeof(tmpdir), "/tmp/test-polkit.XXXXXX");
        assert_non_null(mkdtemp(tmpdir));
        assert_int_eq(test_private_bus_start(tmpdir, "system", addr, sizeof(addr), &bus_pid), 0);

        assert_int_ge(sd_event_new(&event), 0);
        assert_int_eq(config_init(&config), 0);
        assert_int_eq(config_set(&config, "capture", "testsrc", "test"), 0);
        assert_int_eq(manager_new(event, &config, &manager), 0);
        assert_int_eq(bus_open(manager, addr, CONFIG_POLKIT_REQUIRED, &daemon_bus), 0);
        assert_int_eq(manager_start(manager), 0);

        assert_int_eq(test_bus_serve(event, addr, "/org/freedesktop/PolicyKit1/Authority",
                                     "org.freedesktop.PolicyKit1.Authority", fake_authority_vtable, NULL,
                                     "org.freedesktop.PolicyKit1", &authority), 0);
        assert_int_eq(test_bus_connect(event, addr, &client), 0);
}

TEST(polkit_yes, "/polkit/an allowed Listen runs after the asynchronous answer, with the caller as subject")
{
        struct test_call_result res;
        const char *unique;

        setup();
        answer = ANSWER_YES;
        checks = 0;
        assert_str_eq(call(&res, "/org/miracastd", "org.miracastd.Manager1", "Listen", "127.0.0.1:0"), "");
        assert_int_eq(checks, 1);
        assert_str_eq(last_action, "org.miracastd.manage");
        assert_str_eq(last_subject_kind, "system-bus-name");
        assert_int_ge(sd_bus_get_unique_name(client, &unique), 0);
        assert_str_eq(last_subject_name, unique);
        assert_int_eq(last_flags, 0);   /* the client did not allow interactive authorization */
        assert_int_eq(count_listeners(), 1);
}

TEST(polkit_no, "/polkit/a denied Listen -> NotAuthorized and no listener")
{
        struct test_call_result res;
        unsigned before;

        setup();
        before = count_listeners();
        answer = ANSWER_NO;
        assert_str_eq(call(&res, "/org/miracastd", "org.miracastd.Manager1", "Listen", "127.0.0.1:0"),
                      "org.miracastd.Error.NotAuthorized");
        assert_int_eq(count_listeners(), before);
}

TEST(polkit_agent, "/polkit/RegisterAgent asks for org.miracastd.cast: denied registers nothing, allowed registers")
{
        struct test_call_result res;

        setup();
        answer = ANSWER_NO;
        assert_str_eq(call(&res, "/org/miracastd", "org.miracastd.Manager1", "RegisterAgent", NULL),
                      "org.miracastd.Error.NotAuthorized");
        assert_null(daemon_bus->agents);
        answer = ANSWER_YES;
        checks = 0;
        assert_str_eq(call(&res, "/org/miracastd", "org.miracastd.Manager1", "RegisterAgent", NULL), "");
        assert_int_eq(checks, 1);
        assert_str_eq(last_action, "org.miracastd.cast");
        assert_non_null(daemon_bus->agents);
}

TEST(polkit_challenge, "/polkit/a challenge (authentication needed) is a no, and the message says why")
{
        struct test_call_result res;

        setup();
        answer = ANSWER_CHALLENGE;
        assert_str_eq(call(&res, "/org/miracastd", "org.miracastd.Manager1", "StartDiscovery", NULL),
                      "org.miracastd.Error.NotAuthorized");
        assert_str_eq(last_action, "org.miracastd.cast");
        assert_true(strstr(res.message, "interactive authentication required") != NULL);
}

TEST(polkit_error, "/polkit/polkit failing the check -> NotAuthorized, never allowed")
{
        struct test_call_result res;
        unsigned before;

        setup();
        before = count_listeners();
        answer = ANSWER_ERROR;
        assert_str_eq(call(&res, "/org/miracastd", "org.miracastd.Manager1", "Listen", "127.0.0.1:0"),
                      "org.miracastd.Error.NotAuthorized");
        assert_int_eq(count_listeners(), before);
}

TEST(polkit_interactive, "/polkit/a caller allowing interactive authorization gets flag 1")
{
        struct test_call_result res = {};
        sd_bus_message *m = NULL;

        setup();
        answer = ANSWER_YES;
        assert_int_ge(sd_bus_message_new_method_call(client, &m, "org.miracastd", "/org/miracastd",
                                                     "org.miracastd.Manager1", "Listen"), 0);
        assert_int_ge(sd_bus_message_append(m, "sa{sv}", "127.0.0.1:0", 0), 0);
        assert_int_ge(sd_bus_message_set_allow_interactive_authorization(m, true), 0);
        assert_int_ge(sd_bus_call_async(client, NULL, m, test_bus_on_reply, &res, 30ULL * 1000 * 1000), 0);
        sd_bus_message_unref(m);
        for (unsigned i = 0; i < 3000 && !res.done; i++)
                (void) sd_event_run(event, 10 * 1000);
        assert_str_eq(res.error, "");
        sd_bus_message_unref(res.reply);
        assert_int_eq(last_flags, 1);
}

TEST(polkit_read, "/polkit/reading a property never asks polkit")
{
        struct test_call_result res;

        setup();
        checks = 0;
        answer = ANSWER_NO;
        assert_str_eq(call(&res, "/org/miracastd", "org.freedesktop.DBus.Properties", "Get", NULL), "");
        assert_int_eq(checks, 0);
}

/* ---- polkit_check_name(): the question about an agent's bus name (Agent1.RequestInput) ---------- */

struct name_result {
        unsigned calls;
        bool authorized;
        char reason[160];
};

static void on_name_done(bool authorized, const char *reason, void *userdata)
{
        struct name_result *res = userdata;

        res->calls++;
        res->authorized = authorized;
        snprintf(res->reason, sizeof(res->reason), "%s", reason ?: "");
}

/* Ask about name; returns once answered (or after a bound, for the dropped case). */
static void check_name(enum answer a, struct name_result *res, bool drop)
{
        sd_bus_slot *slot = NULL;
        unsigned before = checks;

        *res = (struct name_result) {};
        answer = a;
        assert_int_eq(polkit_check_name(daemon_bus->polkit, ":1.4242", POLKIT_ACTION_INPUT, on_name_done, res, &slot),
                      0);
        assert_non_null(slot);
        if (drop)
                slot = sd_bus_slot_unref(slot);
        for (unsigned i = 0; i < 300 && !res->calls && !(drop && checks > before && i > 50); i++)
                (void) sd_event_run(event, 10 * 1000);
        sd_bus_slot_unref(slot);
}

TEST(polkit_name, "/polkit/polkit_check_name asks org.miracastd.input about the agent's name, interactively") {
        struct name_result res;

        setup();
        check_name(ANSWER_YES, &res, false);
        assert_int_eq(res.calls, 1);
        assert_true(res.authorized);
        assert_str_eq(last_subject_kind, "system-bus-name");
        assert_str_eq(last_subject_name, ":1.4242");
        assert_str_eq(last_action, "org.miracastd.input");
        assert_int_eq(last_flags, 1); /* the person answers the password prompt */

        check_name(ANSWER_NO, &res, false);
        assert_int_eq(res.calls, 1);
        assert_false(res.authorized);
        assert_str_eq(res.reason, "not authorized");
        check_name(ANSWER_CHALLENGE, &res, false);
        assert_false(res.authorized);
        check_name(ANSWER_ERROR, &res, false);
        assert_int_eq(res.calls, 1);
        assert_false(res.authorized);  /* an unreachable or failing polkit is never a yes */
        assert_true(strstr(res.reason, "polkit unavailable") != NULL);
}

TEST(polkit_name_dropped, "/polkit/polkit_check_name whose slot is dropped (the session ended) never calls back") {
        struct name_result res;

        setup();
        check_name(ANSWER_YES, &res, true);
        assert_int_eq(res.calls, 0);
        /* without polkit (a private bus) the answer is yes at once, no callback */
        assert_int_eq(polkit_check_name(NULL, ":1.1", POLKIT_ACTION_INPUT, on_name_done, &res, NULL), 1);
}
