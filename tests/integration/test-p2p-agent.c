/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PIN agents (org.miracastd.Agent1, Manager1.RegisterAgent) end to end: the
 * real miracastd on a private dbus-daemon, its wpas backend talking to a
 * FAKE wpa_supplicant control socket (tests/lib/fake-wpas.h; P2P needs a
 * radio), and agents served by this test on their own bus connections (the
 * Cast() caller's connection, as a desktop client would), plus the real
 * miracastctl as an agent reading the PIN from stdin.
 *
 *   RegisterAgent twice                          -> AlreadyExists
 *   sink can only type a PIN, Cast(method=pin)   -> P2P_CONNECT <sink> pin, the generated
 *                                                   PIN reaches the caller's DisplayPinCode
 *   sink displays a PIN, Cast(method=pin)        -> P2P_PROV_DISC <sink> display,
 *                                                   ENTER-PIN -> RequestPinCode -> P2P_CONNECT <pin> keypad
 *   push-button Cast, the sink asks for a PIN    -> RequestPinCode instead of failing
 *   agent never answers                          -> Timeout, P2P_CANCEL, Cancel()
 *   agent refuses                                -> NotAuthorized, P2P_CANCEL
 *   agent's owner leaves the bus                 -> unregistered: no agent is asked
 *   miracastctl cast --method pin                -> prompts and sends the PIN / prints ours
 *   the Cast() caller leaves while connecting    -> P2P_CANCEL, unless the cast was persistent
 *   Ctrl-C on miracastctl cast while connecting  -> it stops the session it created: P2P_CANCEL
 *   the daemon exits                             -> Release() to every agent
 *
 * Input consent (RequestInput), with the real C test sink listing UIBC input, in
 * a second network namespace across a veth "group" netdev:
 *   a Cast() that did not say "input", playing   -> RequestInput(session, "pin-tv");
 *                                                   yes: the sink gets the offer, InputEnabled
 *                                                   no / no answer: no offer, input stays off
 *   Cast(input=false)                            -> nobody is asked
 *   miracastctl cast --wait, "y" on stdin         -> its agent asks [y/N]; y allows
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
#include <unistd.h>

#include <systemd/sd-bus.h>

#include "../lib/daemon-rig.h"
#include "../lib/fake-wpas.h"
#include "../lib/netns-util.h"
#include "../lib/test.h"

#define FOUND_FMT "<3>P2P-DEVICE-FOUND %s p2p_dev_addr=%s pri_dev_type=7-0050F204-1 name='pin-tv' " \
                  "config_methods=%s dev_capab=0x25 group_capab=0x0 wfd_dev_info=0x00111c440032 new=1"
/* WPS config methods: 0x0008 display, 0x0080 push button, 0x0100 keypad */
#define CM_DISPLAY "0x188"
#define CM_KEYPAD  "0x180"
#define GROUP_IF "p2p-agt0"

static struct rig rig;
static sd_event *ev;          /* rig.ev and rig.fw, under the names the cases use */
static struct fake_wpas *fw;
static bool ready;

#define RUN_UNTIL(cond) RIG_RUN_UNTIL(&rig, cond, 40)

static void setup(void)
{
        static bool tried;

        if (ready)
                return;
        assert_false(tried); /* a failed set-up is reported once, not retried */
        tried = true;
        rig_setup(&rig, "/tmp/mcd-agent-XXXXXX");
        ev = rig.ev;
        fw = rig.fw;
        /* the group netdev of the input cases; the test sink sits at its far end */
        assert_int_eq(netns_test_setup("mcd-agent", GROUP_IF, "p2p-agt0p"), 0);
        assert_int_eq(netns_sh("ip -n %s addr add 192.168.49.1/24 dev p2p-agt0p", netns_name), 0);
        /* No uinput: allowed input is offered and enabled, but never injected into this host. */
        setenv("MIRACASTD_UINPUT_PATH", "/nonexistent/uinput", 1);
        /* A short agent timeout so the silent-agent case ends quickly (no timing is asserted). */
        rig_daemon_start(&rig, "pin-source", "p2p-agent-timeout = 2\n");
        ready = true;
}

/* A sink with its own address per test, so no test sees another's state. */
static void sink_appears(const char *addr, const char *config_methods)
{
        char line[512], what[64];

        snprintf(line, sizeof(line), FOUND_FMT, addr, addr, config_methods);
        fake_wpas_event(fw, line);
        snprintf(what, sizeof(what), "found sink %s", addr);
        if (!RUN_UNTIL(rig_log_has(&rig, what)))
                rig_dump_log(&rig);
        assert_true(rig_log_has(&rig, what));
}

static void sink_path(const char *addr, char *buf, size_t size)
{
        snprintf(buf, size, "/org/miracastd/sink/%s", addr);
        for (char *p = buf; *p; p++)
                if (*p == ':')
                        *p = '_';
}

/* ---- an agent served by the test on its own connection ---------------------------- */

enum agent_mode {
        AGENT_ANSWER,
        AGENT_REFUSE,
        AGENT_SILENT,
};

struct agent {
        sd_bus *bus;
        sd_bus_slot *vtable;
        const char *path;
        enum agent_mode mode;
        const char *answer;            /* RequestPinCode's reply */
        int input_answer;              /* RequestInput: 1 allow, 0 deny, -1 never answer */
        unsigned input_requests;
        char input_session[128], input_name[128];
        char shown_pin[32], shown_sink[128], asked_sink[128];
        unsigned displays, requests, cancels, releases;
        sd_bus_message *held;          /* AGENT_SILENT: the request never answered */
};

struct cast {
        sd_bus_slot *slot;
        bool done;
        char error[128], message[256];
};

static int agent_display(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        struct agent *a = userdata;
        const char *sink, *pin;

        assert_int_ge(sd_bus_message_read(m, "os", &sink, &pin), 0);
        snprintf(a->shown_sink, sizeof(a->shown_sink), "%s", sink);
        snprintf(a->shown_pin, sizeof(a->shown_pin), "%s", pin);
        a->displays++;
        return sd_bus_reply_method_return(m, NULL);
}

static int agent_request(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        struct agent *a = userdata;
        const char *sink;

        assert_int_ge(sd_bus_message_read(m, "o", &sink), 0);
        snprintf(a->asked_sink, sizeof(a->asked_sink), "%s", sink);
        a->requests++;
        switch (a->mode) {
        case AGENT_ANSWER:
                return sd_bus_reply_method_return(m, "s", a->answer);
        case AGENT_REFUSE:
                return sd_bus_reply_method_errorf(m, "org.miracastd.Error.Rejected", "the user said no");
        case AGENT_SILENT:
                a->held = sd_bus_message_ref(m);
                return 1;
        }
        return 1;
}

static int agent_request_input(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        struct agent *a = userdata;
        const char *session, *name;

        assert_int_ge(sd_bus_message_read(m, "os", &session, &name), 0);
        snprintf(a->input_session, sizeof(a->input_session), "%s", session);
        snprintf(a->input_name, sizeof(a->input_name), "%s", name);
        a->input_requests++;
        if (a->input_answer < 0) {
                sd_bus_message_unref(a->held);
                a->held = sd_bus_message_ref(m);
                return 1;
        }
        return sd_bus_reply_method_return(m, "b", a->input_answer > 0);
}

static int agent_cancel(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        ((struct agent *) userdata)->cancels++;
        return sd_bus_reply_method_return(m, NULL);
}

static int agent_release(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        ((struct agent *) userdata)->releases++;
        return sd_bus_reply_method_return(m, NULL);
}

static const sd_bus_vtable agent_vtable[] = {
        SD_BUS_VTABLE_START(0),
        /* UNPRIVILEGED: else sd-bus asks the bus for the caller's credentials first, which fails
         * once the caller is gone (Release() from an exiting daemon). */
        SD_BUS_METHOD_WITH_ARGS("DisplayPinCode", SD_BUS_ARGS("o", sink, "s", pin), SD_BUS_NO_RESULT, agent_display,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("RequestPinCode", SD_BUS_ARGS("o", sink), SD_BUS_RESULT("s", pin), agent_request,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("RequestInput", SD_BUS_ARGS("o", session, "s", display_name), SD_BUS_RESULT("b", allow),
                                agent_request_input, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Cancel", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, agent_cancel, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Release", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, agent_release, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END
};

/* Connect (attached to the loop); with a path, serve Agent1 there and register it. */
static void agent_open(struct agent *a, const char *path)
{
        sd_bus_error e = SD_BUS_ERROR_NULL;

        memset(a, 0, sizeof(*a));
        a->path = path;
        assert_int_ge(sd_bus_new(&a->bus), 0);
        assert_int_ge(sd_bus_set_address(a->bus, rig.bus_addr), 0);
        assert_int_ge(sd_bus_set_bus_client(a->bus, 1), 0);
        assert_int_ge(sd_bus_start(a->bus), 0);
        assert_int_ge(sd_bus_attach_event(a->bus, ev, 0), 0);
        if (!path)
                return;
        assert_int_ge(sd_bus_add_object_vtable(a->bus, &a->vtable, path, "org.miracastd.Agent1", agent_vtable, a), 0);
        if (sd_bus_call_method(a->bus, "org.miracastd", "/org/miracastd", "org.miracastd.Manager1", "RegisterAgent",
                               &e, NULL, "o", path) < 0)
                fprintf(stderr, "RegisterAgent: %s: %s\n", e.name, e.message);
        assert_false(sd_bus_error_is_set(&e));
        sd_bus_error_free(&e);
}

static void agent_close(struct agent *a)
{
        a->held = sd_bus_message_unref(a->held);
        a->vtable = sd_bus_slot_unref(a->vtable);
        a->bus = sd_bus_flush_close_unref(a->bus);
}

static int on_cast_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct cast *c = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);

        if (e) {
                snprintf(c->error, sizeof(c->error), "%s", e->name);
                snprintf(c->message, sizeof(c->message), "%s", e->message ?: "");
        }
        c->done = true;
        return 0;
}

/* Sink1.Cast from a's connection, answered into c; method "pin" or NULL (push button). */
static void cast_start(struct agent *a, const char *addr, const char *method, struct cast *c)
{
        char path[128];

        memset(c, 0, sizeof(*c));
        sink_path(addr, path, sizeof(path));
        if (method && strcmp(method, "persistent") == 0)
                assert_int_ge(sd_bus_call_method_async(a->bus, &c->slot, "org.miracastd", path, "org.miracastd.Sink1",
                                                       "Cast", on_cast_reply, c, "a{sv}", 1, "persistent", "b", 1),
                              0);
        else if (method)
                assert_int_ge(sd_bus_call_method_async(a->bus, &c->slot, "org.miracastd", path, "org.miracastd.Sink1",
                                                       "Cast", on_cast_reply, c, "a{sv}", 1, "method", "s", method),
                              0);
        else
                assert_int_ge(sd_bus_call_method_async(a->bus, &c->slot, "org.miracastd", path, "org.miracastd.Sink1",
                                                       "Cast", on_cast_reply, c, "a{sv}", 0),
                              0);
}

/* Wait for a recorded command; on failure show what happened. */
static void expect_cmd(const char *cmd)
{
        if (!RUN_UNTIL(fake_wpas_has(fw, cmd))) {
                fprintf(stderr, "command never sent: %s\n--- commands:\n", cmd);
                for (unsigned i = 0; i < fw->n_cmds; i++)
                        fprintf(stderr, "  %s\n", fw->cmds[i]);
                rig_dump_log(&rig);
        }
        assert_true(fake_wpas_has(fw, cmd));
}

/* The display rejects us: the pending cast ends (SinkRejected). */
static void sink_rejects(struct cast *c)
{
        fake_wpas_event(fw, "<3>P2P-GO-NEG-FAILURE status=11");
        assert_true(RUN_UNTIL(c->done));
        assert_str_eq(c->error, "org.miracastd.Error.SinkRejected");
        c->slot = sd_bus_slot_unref(c->slot);
}

static void cast_wait_finished(struct cast *c)
{
        assert_true(RUN_UNTIL(c->done));
        c->slot = sd_bus_slot_unref(c->slot);
}

TEST(register_twice, "/p2p/agent/RegisterAgent twice is AlreadyExists; UnregisterAgent of another path is NotFound") {
        struct agent a;
        sd_bus_error e = SD_BUS_ERROR_NULL;

        setup();
        agent_open(&a, "/test/agent");
        assert_int_le(sd_bus_call_method(a.bus, "org.miracastd", "/org/miracastd", "org.miracastd.Manager1",
                                         "RegisterAgent", &e, NULL, "o", "/test/agent2"),
                      -1);
        assert_str_eq(e.name, "org.miracastd.Error.AlreadyExists");
        sd_bus_error_free(&e);
        assert_int_le(sd_bus_call_method(a.bus, "org.miracastd", "/org/miracastd", "org.miracastd.Manager1",
                                         "UnregisterAgent", &e, NULL, "o", "/test/other"),
                      -1);
        assert_str_eq(e.name, "org.miracastd.Error.NotFound");
        sd_bus_error_free(&e);
        /* unregistering for real frees the slot: registering again works */
        assert_int_ge(sd_bus_call_method(a.bus, "org.miracastd", "/org/miracastd", "org.miracastd.Manager1",
                                         "UnregisterAgent", &e, NULL, "o", "/test/agent"),
                      0);
        assert_int_ge(sd_bus_call_method(a.bus, "org.miracastd", "/org/miracastd", "org.miracastd.Manager1",
                                         "RegisterAgent", &e, NULL, "o", "/test/agent"),
                      0);
        agent_close(&a);
}

TEST(display, "/p2p/agent/we show a PIN: the generated PIN goes to the Cast caller's agent, not the default one") {
        struct agent other, a;
        struct cast c;
        char path[128];

        setup();
        sink_appears("42:00:00:00:0a:01", CM_KEYPAD);
        agent_open(&other, "/test/default");   /* registered first: the default agent */
        agent_open(&a, "/test/agent");
        fake_wpas_set_reply(fw, "P2P_CONNECT 42:00:00:00:0a:01 pin", "87654321\n");
        cast_start(&a, "42:00:00:00:0a:01", "pin", &c);
        expect_cmd("P2P_CONNECT 42:00:00:00:0a:01 pin go_intent=7");
        assert_true(RUN_UNTIL(a.displays > 0));
        assert_str_eq(a.shown_pin, "87654321");
        sink_path("42:00:00:00:0a:01", path, sizeof(path));
        assert_str_eq(a.shown_sink, path);
        assert_int_eq(other.displays, 0);
        /* the cast fails: the agent is told to stop showing the PIN */
        sink_rejects(&c);
        assert_true(RUN_UNTIL(a.cancels > 0));
        agent_close(&other);
        agent_close(&a);
}

TEST(request, "/p2p/agent/the display shows a PIN: provision discovery, RequestPinCode, P2P_CONNECT <pin> keypad") {
        struct agent a;
        struct cast c;
        char path[128];

        setup();
        sink_appears("42:00:00:00:0a:02", CM_DISPLAY);
        agent_open(&a, "/test/agent");
        a.answer = "1234 5670"; /* as the TV shows it */
        cast_start(&a, "42:00:00:00:0a:02", "pin", &c);
        expect_cmd("P2P_PROV_DISC 42:00:00:00:0a:02 display");
        assert_false(fake_wpas_find(fw, "P2P_CONNECT 42:00:00:00:0a:02 pin go_intent=7", 0) >= 0);
        fake_wpas_event(fw, "<3>P2P-PROV-DISC-ENTER-PIN 42:00:00:00:0a:02 p2p_dev_addr=42:00:00:00:0a:02");
        expect_cmd("P2P_CONNECT 42:00:00:00:0a:02 12345670 keypad go_intent=7");
        assert_int_eq(a.requests, 1);
        sink_path("42:00:00:00:0a:02", path, sizeof(path));
        assert_str_eq(a.asked_sink, path);
        assert_false(c.done);
        sink_rejects(&c);
        agent_close(&a);
}

TEST(request_pbc, "/p2p/agent/a push-button cast whose display demands a PIN asks the agent instead of failing") {
        struct agent a;
        struct cast c;

        setup();
        sink_appears("42:00:00:00:0a:03", CM_DISPLAY);
        agent_open(&a, "/test/agent");
        a.answer = "11112222";
        cast_start(&a, "42:00:00:00:0a:03", NULL, &c);
        expect_cmd("P2P_CONNECT 42:00:00:00:0a:03 pbc go_intent=7");
        fake_wpas_event(fw, "<3>P2P-PROV-DISC-ENTER-PIN 42:00:00:00:0a:03 p2p_dev_addr=42:00:00:00:0a:03");
        expect_cmd("P2P_CONNECT 42:00:00:00:0a:03 11112222 keypad go_intent=7");
        assert_false(fake_wpas_has(fw, "P2P_CANCEL"));
        sink_rejects(&c);
        agent_close(&a);
}

TEST(timeout, "/p2p/agent/an agent that never answers: Timeout, P2P_CANCEL, and Cancel() to the agent") {
        struct agent a;
        struct cast c;

        setup();
        sink_appears("42:00:00:00:0a:04", CM_DISPLAY);
        agent_open(&a, "/test/agent");
        a.mode = AGENT_SILENT;
        fake_wpas_clear_cmds(fw);
        cast_start(&a, "42:00:00:00:0a:04", "pin", &c);
        expect_cmd("P2P_PROV_DISC 42:00:00:00:0a:04 display");
        fake_wpas_event(fw, "<3>P2P-PROV-DISC-ENTER-PIN 42:00:00:00:0a:04 p2p_dev_addr=42:00:00:00:0a:04");
        cast_wait_finished(&c);
        if (strcmp(c.error, "org.miracastd.Error.Timeout") != 0)
                fprintf(stderr, "Cast: %s: %s\n", c.error, c.message);
        assert_str_eq(c.error, "org.miracastd.Error.Timeout");
        assert_true(strstr(c.message, "agent") != NULL);
        assert_int_eq(a.requests, 1);
        expect_cmd("P2P_CANCEL");
        assert_true(RUN_UNTIL(a.cancels > 0));
        agent_close(&a);
}

TEST(refuse, "/p2p/agent/an agent that refuses: NotAuthorized and P2P_CANCEL") {
        struct agent a;
        struct cast c;

        setup();
        sink_appears("42:00:00:00:0a:05", CM_DISPLAY);
        agent_open(&a, "/test/agent");
        a.mode = AGENT_REFUSE;
        fake_wpas_clear_cmds(fw);
        cast_start(&a, "42:00:00:00:0a:05", "pin", &c);
        expect_cmd("P2P_PROV_DISC 42:00:00:00:0a:05 display");
        fake_wpas_event(fw, "<3>P2P-PROV-DISC-ENTER-PIN 42:00:00:00:0a:05 p2p_dev_addr=42:00:00:00:0a:05");
        cast_wait_finished(&c);
        assert_str_eq(c.error, "org.miracastd.Error.NotAuthorized");
        assert_true(strstr(c.message, "the user said no") != NULL);
        expect_cmd("P2P_CANCEL");
        assert_false(fake_wpas_find(fw, "P2P_CONNECT 42:00:00:00:0a:05 pin go_intent=7", 0) >= 0);
        agent_close(&a);
}

TEST(owner_leaves, "/p2p/agent/an agent whose owner leaves the bus is unregistered and never asked") {
        struct agent gone, caster;
        struct cast c;

        setup();
        sink_appears("42:00:00:00:0a:06", CM_DISPLAY);
        agent_open(&gone, "/test/gone");
        agent_close(&gone);
        assert_true(RUN_UNTIL(rig_log_has(&rig, "agent /test/gone of") && rig_log_has(&rig, "left the bus, unregistered")));
        /* no agent left: a PIN cast without a PIN is refused up front ... */
        agent_open(&caster, NULL);
        cast_start(&caster, "42:00:00:00:0a:06", "pin", &c);
        cast_wait_finished(&c);
        assert_str_eq(c.error, "org.miracastd.Error.InvalidArguments");
        /* ... and a display that demands a PIN during a push-button cast fails with the reason */
        fake_wpas_clear_cmds(fw);
        cast_start(&caster, "42:00:00:00:0a:06", NULL, &c);
        expect_cmd("P2P_CONNECT 42:00:00:00:0a:06 pbc go_intent=7");
        fake_wpas_event(fw, "<3>P2P-PROV-DISC-ENTER-PIN 42:00:00:00:0a:06 p2p_dev_addr=42:00:00:00:0a:06");
        cast_wait_finished(&c);
        assert_str_eq(c.error, "org.miracastd.Error.Failed");
        assert_true(strstr(c.message, "no agent") != NULL);
        expect_cmd("P2P_CANCEL");
        agent_close(&caster);
}

/* ---- miracastctl as the agent ------------------------------------------------------ */

/* miracastctl cast ADDR --method pin (method NULL: push button), stdin from input. */
static void ctl_cast_start_method(struct rig_child *c, const char *name, const char *addr, const char *method,
                                  const char *input)
{
        const char *build = getenv("MIRACAST_BUILD");
        char ctl[300];

        snprintf(ctl, sizeof(ctl), "%s/miracastctl", build ? build : "build");
        char *argv[] = { ctl, "cast", (char *) addr, "--timeout", "30", method ? "--method" : NULL, (char *) method,
                         NULL };
        rig_child_start_input(&rig, c, name, argv, input);
}

static void ctl_cast_start(struct rig_child *c, const char *name, const char *addr, const char *input)
{
        ctl_cast_start_method(c, name, addr, "pin", input);
}

static bool child_has(struct rig_child *c, const char *what, bool show_if_missing)
{
        char *text = rig_child_output(c);
        bool found = strstr(text, what) != NULL;

        if (!found && show_if_missing && c->done)
                fprintf(stderr, "--- miracastctl output (no \"%s\"):\n%s\n", what, text);
        free(text);
        return found;
}

static bool child_says(struct rig_child *c, const char *what)
{
        return child_has(c, what, true);
}

static void child_finish(struct rig_child *c)
{
        assert_true(RUN_UNTIL(c->done));
        c->src = sd_event_source_unref(c->src);
}

TEST(ctl_request, "/p2p/agent/miracastctl cast --method pin: prompts for the TV's PIN and sends what stdin says") {
        struct rig_child c;

        setup();
        sink_appears("42:00:00:00:0a:07", CM_DISPLAY);
        ctl_cast_start(&c, "ctl-request", "42:00:00:00:0a:07", "8765 4321\n");
        expect_cmd("P2P_PROV_DISC 42:00:00:00:0a:07 display");
        fake_wpas_event(fw, "<3>P2P-PROV-DISC-ENTER-PIN 42:00:00:00:0a:07 p2p_dev_addr=42:00:00:00:0a:07");
        expect_cmd("P2P_CONNECT 42:00:00:00:0a:07 87654321 keypad go_intent=7");
        assert_true(child_says(&c, "The TV shows a PIN"));
        fake_wpas_event(fw, "<3>P2P-GO-NEG-FAILURE status=11");
        child_finish(&c);
        assert_int_eq(c.status, 8); /* the display rejected us */
}

TEST(ctl_display, "/p2p/agent/miracastctl cast --method pin: prints the PIN to enter on the TV") {
        struct rig_child c;

        setup();
        sink_appears("42:00:00:00:0a:08", CM_KEYPAD);
        fake_wpas_set_reply(fw, "P2P_CONNECT 42:00:00:00:0a:08 pin", "13572468\n");
        ctl_cast_start(&c, "ctl-display", "42:00:00:00:0a:08", "");
        expect_cmd("P2P_CONNECT 42:00:00:00:0a:08 pin go_intent=7");
        assert_true(RUN_UNTIL(child_says(&c, "Enter PIN 1357 2468 on the TV") || c.done));
        assert_true(child_says(&c, "Enter PIN 1357 2468 on the TV"));
        /* only miracastd may talk to miracastctl's agent: another client is refused */
        {
                char *log = NULL, *p, name[64] = "";
                const char *key = "agent /org/miracastd/ctl/agent registered by ";
                struct agent other;
                sd_bus_error e = SD_BUS_ERROR_NULL;

                assert_int_ge(test_read_file(rig.log_path, &log), 0);
                for (p = strstr(log, key); p; p = strstr(p + 1, key))
                        snprintf(name, sizeof(name), "%.*s", (int) strcspn(p + strlen(key), "\n"), p + strlen(key));
                free(log);
                assert_true(name[0] == ':');
                agent_open(&other, NULL);
                assert_true(sd_bus_call_method(other.bus, name, "/org/miracastd/ctl/agent", "org.miracastd.Agent1",
                                               "DisplayPinCode", &e, NULL, "os", "/", "99999999") < 0);
                assert_str_eq(e.name, "org.freedesktop.DBus.Error.AccessDenied");
                sd_bus_error_free(&e);
                agent_close(&other);
                assert_false(child_has(&c, "9999 9999", false));
        }
        fake_wpas_event(fw, "<3>P2P-GO-NEG-FAILURE status=11");
        child_finish(&c);
        assert_int_eq(c.status, 8);
}

TEST(ctl_no_input, "/p2p/agent/miracastctl cast --method pin with nothing on stdin declines: not authorized, P2P_CANCEL") {
        struct rig_child c;

        setup();
        sink_appears("42:00:00:00:0a:09", CM_DISPLAY);
        fake_wpas_clear_cmds(fw);
        ctl_cast_start(&c, "ctl-eof", "42:00:00:00:0a:09", "");
        expect_cmd("P2P_PROV_DISC 42:00:00:00:0a:09 display");
        fake_wpas_event(fw, "<3>P2P-PROV-DISC-ENTER-PIN 42:00:00:00:0a:09 p2p_dev_addr=42:00:00:00:0a:09");
        child_finish(&c);
        assert_int_eq(c.status, 4);
        assert_true(child_says(&c, "the agent refused to give the PIN"));
        assert_true(child_says(&c, "No PIN entered"));
        assert_false(child_has(&c, "polkit", false));
        expect_cmd("P2P_CANCEL");
}

/* ---- the Cast() caller leaving the bus ------------------------------------------------ */

/* Close a's connection and return once miracastd has surely seen its NameOwnerChanged: the
 * bus answers NameHasOwner false only after it sent that signal, and a later call to miracastd
 * reaches it after the signal. */
static void client_leave(struct agent *a)
{
        struct agent b;
        const char *u = NULL;
        char name[64];
        int has = 1;

        assert_int_ge(sd_bus_get_unique_name(a->bus, &u), 0);
        snprintf(name, sizeof(name), "%s", u);
        agent_close(a);
        agent_open(&b, NULL);
        for (int i = 0; i < 200 && has; i++) {
                sd_bus_message *reply = NULL;
                assert_int_ge(sd_bus_call_method(b.bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                                 "org.freedesktop.DBus", "NameHasOwner", NULL, &reply, "s", name),
                              0);
                assert_int_ge(sd_bus_message_read(reply, "b", &has), 0);
                sd_bus_message_unref(reply);
                if (has)
                        (void) sd_event_run(ev, 10000);
        }
        assert_false(has);
        assert_int_ge(sd_bus_get_property_trivial(b.bus, "org.miracastd", "/org/miracastd", "org.miracastd.Manager1",
                                                  "Discovering", NULL, 'b', &has),
                      0);
        agent_close(&b);
}

TEST(caller_leaves, "/p2p/agent/the Cast() caller leaves the bus while connecting: the connect is cancelled") {
        struct agent a;
        struct cast c;

        setup();
        sink_appears("42:00:00:00:0a:0a", CM_DISPLAY);
        agent_open(&a, NULL);
        fake_wpas_clear_cmds(fw);
        cast_start(&a, "42:00:00:00:0a:0a", NULL, &c);
        expect_cmd("P2P_CONNECT 42:00:00:00:0a:0a pbc go_intent=7");
        c.slot = sd_bus_slot_unref(c.slot);
        client_leave(&a);
        expect_cmd("P2P_CANCEL");
        assert_true(RUN_UNTIL(rig_log_has(&rig, "the client that started the cast left the bus")));
}

TEST(caller_leaves_persistent, "/p2p/agent/a persistent cast goes on after its caller left the bus") {
        struct agent a;
        struct cast c;

        setup();
        sink_appears("42:00:00:00:0a:0b", CM_DISPLAY);
        agent_open(&a, NULL);
        fake_wpas_clear_cmds(fw);
        cast_start(&a, "42:00:00:00:0a:0b", "persistent", &c);
        expect_cmd("P2P_CONNECT 42:00:00:00:0a:0b pbc go_intent=7");
        c.slot = sd_bus_slot_unref(c.slot);
        client_leave(&a);
        for (int i = 0; i < 5; i++)
                (void) sd_event_run(ev, 10000);
        assert_false(fake_wpas_has(fw, "P2P_CANCEL"));
        /* still connecting: the display's refusal is what ends it */
        fake_wpas_event(fw, "<3>P2P-GO-NEG-FAILURE status=11");
        assert_true(RUN_UNTIL(rig_log_has(&rig, "sink 42:00:00:00:0a:0b (\"pin-tv\"): connecting failed: GO negotiation failed")));
}

TEST(ctl_interrupt, "/p2p/agent/Ctrl-C on miracastctl cast while connecting stops the (persistent) cast: P2P_CANCEL") {
        struct rig_child c;

        setup();
        sink_appears("42:00:00:00:0a:0c", CM_DISPLAY);
        fake_wpas_clear_cmds(fw);
        ctl_cast_start_method(&c, "ctl-int", "42:00:00:00:0a:0c", NULL, "");
        expect_cmd("P2P_CONNECT 42:00:00:00:0a:0c pbc go_intent=7");
        assert_true(RUN_UNTIL(child_says(&c, "connecting (Ctrl-C cancels)") || c.done));
        assert_false(c.done);
        assert_false(fake_wpas_has(fw, "P2P_CANCEL"));
        kill(c.pid, SIGINT);
        child_finish(&c);
        assert_int_eq(c.status, 1);
        assert_true(child_says(&c, "Interrupted: stopping session"));
        expect_cmd("P2P_CANCEL");
}

/* ---- input consent: RequestInput ------------------------------------------------------ */

/* Cast to addr from a's connection (input: -1 unset, else the option), the group comes up and the
 * test sink, listing UIBC input, plays for a few seconds; returns once the sink finished. */
static void cast_and_play_uibc(struct agent *a, const char *addr, int input, const char *expect_uibc,
                               struct rig_child *sink)
{
        const char *build = getenv("MIRACAST_BUILD");
        char path[128], sink_bin[300], script[300], started[512];
        struct cast c;

        memset(&c, 0, sizeof(c));
        sink_path(addr, path, sizeof(path));
        fake_wpas_clear_cmds(fw);
        if (input >= 0)
                assert_int_ge(sd_bus_call_method_async(a->bus, &c.slot, "org.miracastd", path, "org.miracastd.Sink1",
                                                       "Cast", on_cast_reply, &c, "a{sv}", 1, "input", "b", input),
                              0);
        else
                assert_int_ge(sd_bus_call_method_async(a->bus, &c.slot, "org.miracastd", path, "org.miracastd.Sink1",
                                                       "Cast", on_cast_reply, &c, "a{sv}", 0),
                              0);
        snprintf(started, sizeof(started), "P2P_CONNECT %s pbc go_intent=7", addr);
        expect_cmd(started);
        snprintf(started, sizeof(started),
                 "<3>P2P-GROUP-STARTED " GROUP_IF " client ssid=\"DIRECT-ag\" freq=2437 psk=00 go_dev_addr=%s "
                 "ip_addr=192.168.49.200 ip_mask=255.255.255.0 go_ip_addr=192.168.49.1",
                 addr);
        fake_wpas_event(fw, started);
        snprintf(sink_bin, sizeof(sink_bin), "%s/miracast-test-sink", build ? build : "build");
        snprintf(script, sizeof(script), "%s", test_data_path("uibc/script.txt"));
        char *sargv[] = { "ip", "netns", "exec", netns_name, sink_bin, "--connect", "192.168.49.200:7236",
                          "--profile", "small", "--duration", "4", "--timeout", "30", "--min-frames", "0",
                          "--uibc-script", script, "--expect-uibc", (char *) expect_uibc, NULL };
        rig_child_start(&rig, sink, "sink-input", sargv);
        assert_true(RUN_UNTIL(c.done));
        if (c.error[0])
                fprintf(stderr, "Cast: %s: %s\n", c.error, c.message);
        assert_false(c.error[0]);
        c.slot = sd_bus_slot_unref(c.slot);
        if (!RUN_UNTIL(sink->done) || sink->status != 0) {
                char *out = rig_child_output(sink);
                fprintf(stderr, "--- sink output (exit %d):\n%s\n", sink->status, out);
                free(out);
                rig_dump_log(&rig);
        }
        assert_int_eq(sink->status, 0);
        /* the sink's TEARDOWN ended the session: the group goes */
        expect_cmd("P2P_GROUP_REMOVE " GROUP_IF);
        fake_wpas_event(fw, "<3>P2P-GROUP-REMOVED " GROUP_IF " client reason=REQUESTED");
}

TEST(input_allow, "/p2p/agent/input: the display offers input, the agent allows it: the sink gets the offer") {
        struct rig_child sink;
        struct agent a;

        setup();
        sink_appears("42:00:00:00:0a:10", CM_DISPLAY);
        agent_open(&a, "/test/agent");
        a.input_answer = 1;
        cast_and_play_uibc(&a, "42:00:00:00:0a:10", -1, "yes", &sink);
        assert_int_eq(a.input_requests, 1);
        assert_str_eq(a.input_name, "pin-tv");
        assert_true(strncmp(a.input_session, "/org/miracastd/session/", 23) == 0);
        assert_true(rig_child_says(&sink, "uibc=offered"));
        assert_true(rig_log_has(&rig, "the agent allowed input from the display"));
        assert_true(rig_log_has(&rig, "input from the display allowed"));
        rig_child_reap(&sink);
        agent_close(&a);
}

TEST(input_deny, "/p2p/agent/input: the agent says no: no offer, input stays off, the cast plays on") {
        struct rig_child sink;
        struct agent a;

        setup();
        sink_appears("42:00:00:00:0a:11", CM_DISPLAY);
        agent_open(&a, "/test/agent");
        a.input_answer = 0;
        cast_and_play_uibc(&a, "42:00:00:00:0a:11", -1, "no", &sink);
        assert_int_eq(a.input_requests, 1);
        assert_true(rig_child_says(&sink, "result=ok"));
        assert_true(rig_child_says(&sink, "uibc=none"));
        assert_true(rig_log_has(&rig, "input from the display declined by the agent; input stays off"));
        rig_child_reap(&sink);
        agent_close(&a);
}

TEST(input_timeout, "/p2p/agent/input: the agent never answers: after p2p-agent-timeout input stays off, Cancel()") {
        struct rig_child sink;
        struct agent a;

        setup();
        sink_appears("42:00:00:00:0a:12", CM_DISPLAY);
        agent_open(&a, "/test/agent");
        a.input_answer = -1;
        /* the sink plays 4 s; the agent's 2 s run out while it does */
        cast_and_play_uibc(&a, "42:00:00:00:0a:12", -1, "no", &sink);
        assert_int_eq(a.input_requests, 1);
        assert_true(rig_log_has(&rig, "the agent did not answer about input within 2 s; input stays off"));
        assert_true(RUN_UNTIL(a.cancels > 0));
        assert_true(rig_child_says(&sink, "uibc=none"));
        rig_child_reap(&sink);
        agent_close(&a);
}

TEST(input_said_no, "/p2p/agent/input: a Cast() with input=false: nobody is asked") {
        struct rig_child sink;
        struct agent a;

        setup();
        sink_appears("42:00:00:00:0a:13", CM_DISPLAY);
        agent_open(&a, "/test/agent");
        a.input_answer = 1;
        cast_and_play_uibc(&a, "42:00:00:00:0a:13", 0, "no", &sink);
        assert_int_eq(a.input_requests, 0);
        assert_true(rig_child_says(&sink, "uibc=none"));
        rig_child_reap(&sink);
        agent_close(&a);
}

TEST(input_ctl, "/p2p/agent/input: miracastctl cast --wait asks \"Allow input from ...? [y/N]\"; y allows it") {
        const char *build = getenv("MIRACAST_BUILD");
        char ctl[300], sink_bin[300], script[300];
        struct rig_child cast, sink;

        setup();
        sink_appears("42:00:00:00:0a:14", CM_DISPLAY);
        fake_wpas_clear_cmds(fw);
        snprintf(ctl, sizeof(ctl), "%s/miracastctl", build ? build : "build");
        char *argv[] = { ctl, "cast", "42:00:00:00:0a:14", "--wait", "--timeout", "30", NULL };
        rig_child_start_input(&rig, &cast, "ctl-input", argv, "y\n");
        expect_cmd("P2P_CONNECT 42:00:00:00:0a:14 pbc go_intent=7");
        fake_wpas_event(fw, "<3>P2P-GROUP-STARTED " GROUP_IF " client ssid=\"DIRECT-ag\" freq=2437 psk=00 "
                            "go_dev_addr=42:00:00:00:0a:14 ip_addr=192.168.49.200 ip_mask=255.255.255.0 "
                            "go_ip_addr=192.168.49.1");
        snprintf(sink_bin, sizeof(sink_bin), "%s/miracast-test-sink", build ? build : "build");
        snprintf(script, sizeof(script), "%s", test_data_path("uibc/script.txt"));
        char *sargv[] = { "ip", "netns", "exec", netns_name, sink_bin, "--connect", "192.168.49.200:7236",
                          "--profile", "small", "--duration", "4", "--timeout", "30", "--min-frames", "0",
                          "--uibc-script", script, "--expect-uibc", "yes", NULL };
        rig_child_start(&rig, &sink, "sink-ctl-input", sargv);
        /* --wait: miracastctl ends with the session, which the sink ends after its 4 s */
        if (!RUN_UNTIL(sink.done && cast.done) || sink.status != 0 ||
            !rig_child_says(&cast, "Allow input from \"pin-tv\"")) {
                char *out = rig_child_output(&cast), *sout = rig_child_output(&sink);
                fprintf(stderr, "--- miracastctl:\n%s\n--- sink (exit %d):\n%s\n", out, sink.status, sout);
                free(out);
                free(sout);
                rig_dump_log(&rig);
        }
        assert_int_eq(sink.status, 0);
        assert_true(rig_child_says(&cast, "Allow input from \"pin-tv\""));
        assert_true(rig_child_says(&cast, "Input from the display allowed."));
        assert_true(rig_child_says(&sink, "uibc=offered"));
        expect_cmd("P2P_GROUP_REMOVE " GROUP_IF);
        fake_wpas_event(fw, "<3>P2P-GROUP-REMOVED " GROUP_IF " client reason=REQUESTED");
        rig_child_reap(&cast);
        rig_child_reap(&sink);
}

/* Last: it stops the daemon every other case shares. */
TEST(release, "/p2p/agent/the daemon exiting calls Release() on every registered agent") {
        struct agent a;
        int status = -1;

        setup();
        agent_open(&a, "/test/agent");
        assert_int_eq(kill(rig.daemon_pid, SIGTERM), 0);
        assert_true(RUN_UNTIL(a.releases > 0));
        assert_int_eq(waitpid(rig.daemon_pid, &status, 0), rig.daemon_pid);
        rig.daemon_pid = -1;
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        agent_close(&a);
}
