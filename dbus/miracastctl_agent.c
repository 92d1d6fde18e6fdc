/* SPDX-License-Identifier: GPL-2.0-or-later */
/* miracastctl.h: the Agent1 agent miracastctl serves during cast --method pin without --pin (PINs)
 * and cast --wait without --allow-input (the "Allow input from <display>?" question). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../protocol/macro.h"
#include "miracastctl.h"

/* Our agent's object path (org.miracastd.Agent1). */
#define CTL_AGENT_PATH  BUS_ROOT_PATH "/ctl/agent"

/* "12345670" -> "1234 5670", as TVs show it. */
static void format_pin(const char *pin, char *buf, size_t size)
{
        if (strlen(pin) == 8)
                snprintf(buf, size, "%.4s %.4s", pin, pin + 4);
        else
                snprintf(buf, size, "%s", pin);
}

/*
 * Only miracastd may talk to our agent (on the system bus its D-Bus policy already says so; on
 * a session bus anyone of ours could). The methods are SD_BUS_VTABLE_UNPRIVILEGED with this
 * check instead of sd-bus's capability check, which would need the root daemon's credentials.
 */
static bool agent_caller_is_daemon(struct ctl *c, sd_bus_message *m)
{
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        const char *sender = sd_bus_message_get_sender(m), *owner;

        return sender && sd_bus_get_name_creds(c->bus, BUS_NAME, SD_BUS_CREDS_UNIQUE_NAME, &creds) >= 0 &&
               sd_bus_creds_get_unique_name(creds, &owner) >= 0 && strcmp(sender, owner) == 0;
}

#define AGENT_CHECK_CALLER(c, m)                                                                              \
        do {                                                                                                  \
                if (!agent_caller_is_daemon(c, m))                                                            \
                        return sd_bus_reply_method_errorf(m, SD_BUS_ERROR_ACCESS_DENIED,                      \
                                                          "Only " BUS_NAME " may call this agent");       \
        } while (0)

static int agent_display_pin(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        struct ctl *c = userdata;
        const char *sink, *pin;
        char shown[32];
        int r;

        AGENT_CHECK_CALLER(c, m);
        r = sd_bus_message_read(m, "os", &sink, &pin);
        if (r < 0)
                return r;
        format_pin(pin, shown, sizeof(shown));
        ctl_progress(c, "Enter PIN %s on the TV", shown);
        return sd_bus_reply_method_return(m, NULL);
}

static void agent_stop_reading(struct ctl *c)
{
        c->agent.stdin_source = sd_event_source_disable_unref(c->agent.stdin_source);
        c->agent.pin_request = sd_bus_message_unref(c->agent.pin_request);
        c->agent.pin_len = 0;
        c->agent.asking_input = false;
}

/* A whole line (or end of input) arrived: answer RequestPinCode with it. */
static void agent_answer(struct ctl *c, bool eof)
{
        struct ctl_agent *a = &c->agent;

        while (a->pin_len > 0 && (a->pin_buf[a->pin_len - 1] == '\n' || a->pin_buf[a->pin_len - 1] == '\r'))
                a->pin_len--;
        a->pin_buf[a->pin_len] = 0;
        if (a->asking_input) {
                /* Only a yes allows; an empty line or the end of input is the default, no. */
                bool yes = a->pin_buf[0] == 'y' || a->pin_buf[0] == 'Y';

                (void) sd_bus_reply_method_return(a->pin_request, "b", yes);
                ctl_progress(c, "Input from the display %s.", yes ? "allowed" : "not allowed");
        } else if (a->pin_len == 0 && eof)
                (void) sd_bus_reply_method_errorf(a->pin_request, BUS_ERROR_REJECTED, "No PIN entered (end of input)");
        else
                (void) sd_bus_reply_method_return(a->pin_request, "s", a->pin_buf);
        agent_stop_reading(c);
}

/*
 * Read what stdin has (one read per wake-up, so a terminal or pipe never blocks the loop; a
 * regular file is read to the line end at once). True when the answer went out.
 */
static bool agent_read_stdin(struct ctl *c, bool whole_line)
{
        struct ctl_agent *a = &c->agent;
        char *nl;
        ssize_t n;

        do {
                n = read(STDIN_FILENO, a->pin_buf + a->pin_len, sizeof(a->pin_buf) - 1 - a->pin_len);
                if (n < 0 && (errno == EAGAIN || errno == EINTR))
                        return false;
                if (n <= 0) {
                        agent_answer(c, true);
                        return true;
                }
                nl = memchr(a->pin_buf + a->pin_len, '\n', (size_t) n);
                a->pin_len = nl ? (size_t) (nl - a->pin_buf) : a->pin_len + (size_t) n;
                if (nl || a->pin_len + 1 >= sizeof(a->pin_buf)) {
                        agent_answer(c, false);  /* an overlong line is the daemon's to refuse */
                        return true;
                }
        } while (whole_line);
        return false;
}

static int on_stdin(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        struct ctl *c = userdata;

        if (c->agent.pin_request)
                (void) agent_read_stdin(c, false);
        return 0;
}

/* Ask on stderr and answer m with the next line of stdin (agent_answer()). */
static int agent_ask(struct ctl *c, sd_bus_message *m, bool input, const char *question)
{
        int r;

        if (c->agent.pin_request)
                return sd_bus_reply_method_errorf(m, BUS_ERROR_BUSY, "Already asking a question");
        c->agent.pin_request = sd_bus_message_ref(m);
        c->agent.pin_len = 0;
        c->agent.asking_input = input;
        fputs(question, stderr);
        fflush(stderr);
        r = sd_event_add_io(c->event, &c->agent.stdin_source, STDIN_FILENO, EPOLLIN, on_stdin, c);
        if (r == -EPERM)
                /* stdin is a regular file (scripts, tests): reading it never blocks. */
                (void) agent_read_stdin(c, true);
        else if (r < 0) {
                agent_stop_reading(c);
                return sd_bus_reply_method_errorf(m, BUS_ERROR_FAILED, "Cannot read the answer: %s",
                                                  strerror(-r));
        }
        return 1;
}

static int agent_request_pin(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        struct ctl *c = userdata;
        const char *sink;
        int r;

        AGENT_CHECK_CALLER(c, m);
        r = sd_bus_message_read(m, "o", &sink);
        if (r < 0)
                return r;
        return agent_ask(c, m, false, "The TV shows a PIN: type it and press Enter: ");
}

static int agent_request_input(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        struct ctl *c = userdata;
        const char *session, *name;
        char question[300], safe[128];
        size_t i;
        int r;

        AGENT_CHECK_CALLER(c, m);
        r = sd_bus_message_read(m, "os", &session, &name);
        if (r < 0)
                return r;
        /* The name is the display's own (from the air): printable characters only. */
        for (i = 0; name[i] && i + 1 < sizeof(safe); i++)
                safe[i] = (unsigned char) name[i] < 0x20 || name[i] == 0x7f ? '?' : name[i];
        safe[i] = 0;
        snprintf(question, sizeof(question),
                 "Allow input from \"%s\" (its touch screen, mouse or keyboard controls this computer)? [y/N] ",
                 safe);
        return agent_ask(c, m, true, question);
}

static int agent_cancel(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        struct ctl *c = userdata;

        AGENT_CHECK_CALLER(c, m);
        if (c->agent.pin_request) {
                fputc('\n', stderr);
                agent_stop_reading(c);
        }
        ctl_progress(c, "The daemon cancelled its question.");
        return sd_bus_reply_method_return(m, NULL);
}

static int agent_release(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        return sd_bus_reply_method_return(m, NULL);
}

static const sd_bus_vtable agent_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_ARGS("DisplayPinCode", SD_BUS_ARGS("o", sink, "s", pin), SD_BUS_NO_RESULT,
                                agent_display_pin, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("RequestPinCode", SD_BUS_ARGS("o", sink), SD_BUS_RESULT("s", pin),
                                agent_request_pin, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("RequestInput", SD_BUS_ARGS("o", session, "s", display_name), SD_BUS_RESULT("b", allow),
                                agent_request_input, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Cancel", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, agent_cancel, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Release", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, agent_release,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END
};

/* Serve Agent1 at CTL_AGENT_PATH and register it for the duration of the cast. */
int ctl_agent_register(struct ctl *c)
{
        sd_bus_error e = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_add_object_vtable(c->bus, &c->agent.slot, CTL_AGENT_PATH, BUS_AGENT_IFACE, agent_vtable, c);
        if (r < 0)
                return ctl_report_error("serving the PIN agent", r, NULL);
        r = sd_bus_call_method(c->bus, BUS_NAME, BUS_ROOT_PATH, BUS_MANAGER_IFACE, "RegisterAgent", &e, NULL, "o",
                               CTL_AGENT_PATH);
        if (r < 0) {
                r = ctl_report_error("registering the PIN agent", r, &e);
                sd_bus_error_free(&e);
                return r;
        }
        return 0;
}

void ctl_agent_unregister(struct ctl *c)
{
        if (!c->agent.slot)
                return;
        agent_stop_reading(c);
        (void) sd_bus_call_method(c->bus, BUS_NAME, BUS_ROOT_PATH, BUS_MANAGER_IFACE, "UnregisterAgent", NULL, NULL,
                                  "o", CTL_AGENT_PATH);
        c->agent.slot = sd_bus_slot_unref(c->agent.slot);
}

void ctl_agent_clear(struct ctl *c)
{
        agent_stop_reading(c);
        c->agent.slot = sd_bus_slot_unref(c->agent.slot);
}
