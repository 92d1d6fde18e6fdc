/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The test sink's UIBC client (sink-uibc.h). */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../../protocol/uibc_msg.h"
#include "../../protocol/wfd_params.h"
#include "sink-profile.h"
#include "sink-uibc.h"

#define SINK_UIBC_MAX_STEPS 256
#define SINK_UIBC_MAX_FLOOD 100000

struct step {
        uint8_t *bytes;                  /* owned */
        size_t len;
        unsigned packets;
        uint64_t sleep_usec;             /* after sending */
        int line;
};

struct sink_uibc {
        struct step steps[SINK_UIBC_MAX_STEPS];
        size_t n_steps, next_step;
        bool offered, enabled, started, connected;
        uint16_t port;
        int fd;
        sd_event_source *timer;
        unsigned packets_sent;
        char error[128];
};

static int append(struct step *st, const struct uibc_event *e)
{
        uint8_t buf[UIBC_MAX_PACKET];
        ssize_t n = uibc_msg_build(e, buf, sizeof(buf));
        uint8_t *b;

        if (n < 0)
                return (int) n;
        b = realloc(st->bytes, st->len + (size_t) n);
        if (!b)
                return -ENOMEM;
        memcpy(b + st->len, buf, (size_t) n);
        st->bytes = b;
        st->len += (size_t) n;
        st->packets++;
        return 0;
}

static int touch(struct step *st, enum uibc_event_type t, const unsigned long *v, size_t n)
{
        struct uibc_event e = { .type = t, .n_pointers = n / 2 };

        for (size_t i = 0; i < n / 2; i++)
                e.pointers[i] = (struct uibc_pointer) { .id = (uint8_t) i, .x = (uint16_t) v[2 * i],
                                                        .y = (uint16_t) v[2 * i + 1] };
        return append(st, &e);
}

static int key(struct step *st, enum uibc_event_type t, unsigned long code)
{
        struct uibc_event e = { .type = t, .key_code1 = (uint16_t) code };
        return append(st, &e);
}

static int scroll(struct step *st, enum uibc_event_type t, long n)
{
        struct uibc_event e = { .type = t, .scroll_unit = UIBC_SCROLL_UNIT_NOTCH, .scroll = (int16_t) n };
        return append(st, &e);
}

/* HID 1.11 Appendix B: the boot-protocol keyboard and mouse, as a USB dongle describes them. */
static const uint8_t boot_keyboard_desc[] = {
        0x05, 0x01, 0x09, 0x06, 0xa1, 0x01, 0x05, 0x07, 0x19, 0xe0, 0x29, 0xe7, 0x15, 0x00, 0x25, 0x01,
        0x75, 0x01, 0x95, 0x08, 0x81, 0x02, 0x95, 0x01, 0x75, 0x08, 0x81, 0x01, 0x95, 0x05, 0x75, 0x01,
        0x05, 0x08, 0x19, 0x01, 0x29, 0x05, 0x91, 0x02, 0x95, 0x01, 0x75, 0x03, 0x91, 0x01, 0x95, 0x06,
        0x75, 0x08, 0x15, 0x00, 0x25, 0x65, 0x05, 0x07, 0x19, 0x00, 0x29, 0x65, 0x81, 0x00, 0xc0,
};
static const uint8_t boot_mouse_desc[] = {
        0x05, 0x01, 0x09, 0x02, 0xa1, 0x01, 0x09, 0x01, 0xa1, 0x00, 0x05, 0x09, 0x19, 0x01, 0x29, 0x03,
        0x15, 0x00, 0x25, 0x01, 0x95, 0x03, 0x75, 0x01, 0x81, 0x02, 0x95, 0x01, 0x75, 0x05, 0x81, 0x01,
        0x05, 0x01, 0x09, 0x30, 0x09, 0x31, 0x15, 0x81, 0x25, 0x7f, 0x75, 0x08, 0x95, 0x02, 0x81, 0x06,
        0xc0, 0xc0,
};

static int hidc(struct step *st, bool keyboard, uint8_t usage, const uint8_t *hid, size_t len)
{
        struct uibc_event e = {
                .type = UIBC_EVENT_HIDC, .category = UIBC_CATEGORY_HIDC, .hidc_path = WFD_UIBC_PATH_USB,
                .hidc_type = keyboard ? WFD_UIBC_INPUT_KEYBOARD : WFD_UIBC_INPUT_MOUSE, .hidc_usage = usage,
                .hid = hid, .hid_len = len,
        };
        return append(st, &e);
}

static enum uibc_event_type touch_type(const char *w)
{
        return strcmp(w, "down") == 0 ? UIBC_EVENT_TOUCH_DOWN
               : strcmp(w, "up") == 0 ? UIBC_EVENT_TOUCH_UP
               : strcmp(w, "move") == 0 ? UIBC_EVENT_TOUCH_MOVE : UIBC_EVENT_IGNORED;
}

static int compile_line(struct step *st, char *line)
{
        char *w[8] = {};
        unsigned long v[6] = {};
        size_t n = 0;

        for (char *t = strtok(line, " \t"); t && n < 8; t = strtok(NULL, " \t"))
                w[n++] = t;
        if (n == 0)
                return 0;
        for (size_t i = 1; i < n && i <= 6; i++)
                v[i - 1] = strtoul(w[i], NULL, 0);

        if ((strcmp(w[0], "move") == 0 || strcmp(w[0], "down") == 0 || strcmp(w[0], "up") == 0) && n == 3)
                return touch(st, touch_type(w[0]), v, 2);
        if (strcmp(w[0], "touch") == 0 && n == 6 && touch_type(w[1]) != UIBC_EVENT_IGNORED) {
                for (size_t i = 0; i < 4; i++)
                        v[i] = strtoul(w[i + 2], NULL, 0);
                return touch(st, touch_type(w[1]), v, 4);
        }
        if (strcmp(w[0], "key") == 0 && n == 2)
                return key(st, UIBC_EVENT_KEY_DOWN, v[0]) ?: key(st, UIBC_EVENT_KEY_UP, v[0]);
        if (strcmp(w[0], "keydown") == 0 && n == 2)
                return key(st, UIBC_EVENT_KEY_DOWN, v[0]);
        if (strcmp(w[0], "keyup") == 0 && n == 2)
                return key(st, UIBC_EVENT_KEY_UP, v[0]);
        if ((strcmp(w[0], "scroll") == 0 || strcmp(w[0], "hscroll") == 0) && n == 2)
                return scroll(st, w[0][0] == 's' ? UIBC_EVENT_VSCROLL : UIBC_EVENT_HSCROLL, strtol(w[1], NULL, 0));
        if (strcmp(w[0], "flood") == 0 && n == 2 && v[0] <= SINK_UIBC_MAX_FLOOD) {
                for (unsigned long i = 0; i < v[0]; i++) {
                        unsigned long p[2] = { 100 + i % 200, 200 };
                        int r = touch(st, UIBC_EVENT_TOUCH_MOVE, p, 2);
                        if (r < 0)
                                return r;
                }
                return 0;
        }
        if (strcmp(w[0], "hidc-descriptor") == 0 && n == 2 && (!strcmp(w[1], "keyboard") || !strcmp(w[1], "mouse"))) {
                bool kb = strcmp(w[1], "keyboard") == 0;
                return hidc(st, kb, UIBC_HIDC_REPORT_DESCRIPTOR, kb ? boot_keyboard_desc : boot_mouse_desc,
                            kb ? sizeof(boot_keyboard_desc) : sizeof(boot_mouse_desc));
        }
        if (strcmp(w[0], "hidc") == 0 && n >= 3 && n <= 8 && strcmp(w[1], "keyboard") == 0) {
                uint8_t r[8] = { (uint8_t) strtoul(w[2], NULL, 0) };
                for (size_t i = 3; i < n; i++)
                        r[i - 1] = (uint8_t) strtoul(w[i], NULL, 0);
                return hidc(st, true, UIBC_HIDC_REPORT, r, sizeof(r));
        }
        if (strcmp(w[0], "hidc") == 0 && n == 5 && strcmp(w[1], "mouse") == 0) {
                uint8_t r[3] = { (uint8_t) strtoul(w[2], NULL, 0), (uint8_t) strtol(w[3], NULL, 0),
                                 (uint8_t) strtol(w[4], NULL, 0) };
                return hidc(st, false, UIBC_HIDC_REPORT, r, sizeof(r));
        }
        if (strcmp(w[0], "sleep") == 0 && n == 2) {
                st->sleep_usec = v[0] * 1000;
                return 0;
        }
        if (strcmp(w[0], "raw") == 0 && n == 2 && strlen(w[1]) % 2 == 0) {
                size_t k = strlen(w[1]) / 2;
                st->bytes = malloc(k);
                if (!st->bytes)
                        return -ENOMEM;
                for (size_t i = 0; i < k; i++) {
                        char hex[3] = { w[1][2 * i], w[1][2 * i + 1], 0 };
                        st->bytes[i] = (uint8_t) strtoul(hex, NULL, 16);
                }
                st->len = k;
                st->packets = 1;
                return 0;
        }
        return -EINVAL;
}

int sink_uibc_new(const char *path, struct sink_uibc **ret)
{
        struct sink_uibc *u;
        char line[512];
        int lineno = 0, r = 0;
        FILE *f;

        f = fopen(path, "re");
        if (!f)
                return -errno;
        u = calloc(1, sizeof(*u));
        if (!u) {
                fclose(f);
                return -ENOMEM;
        }
        u->fd = -1;
        while (fgets(line, sizeof(line), f)) {
                char *hash = strchr(line, '#');
                struct step *st;

                lineno++;
                if (hash)
                        *hash = 0;
                line[strcspn(line, "\r\n")] = 0;
                if (!line[strspn(line, " \t")])
                        continue;
                if (u->n_steps == SINK_UIBC_MAX_STEPS) {
                        r = -E2BIG;
                        break;
                }
                st = &u->steps[u->n_steps++];
                st->line = lineno;
                r = compile_line(st, line);
                if (r < 0) {
                        fprintf(stderr, "miracast-test-sink: %s:%d: cannot read this UIBC script line\n", path, lineno);
                        break;
                }
        }
        fclose(f);
        if (r < 0) {
                sink_uibc_free(u);
                return r;
        }
        *ret = u;
        return 0;
}

struct sink_uibc *sink_uibc_free(struct sink_uibc *u)
{
        if (!u)
                return NULL;
        u->timer = sd_event_source_disable_unref(u->timer);
        if (u->fd >= 0)
                close(u->fd);
        for (size_t i = 0; i < u->n_steps; i++)
                free(u->steps[i].bytes);
        free(u);
        return NULL;
}

void sink_uibc_params(struct sink_uibc *u, const char *body, size_t len)
{
        char value[512];
        struct wfd_uibc_capability cap;
        bool enable;

        if (!u)
                return;
        if (sink_body_get(body, len, "wfd_uibc_capability", value, sizeof(value)) == 0 &&
            wfd_uibc_capability_parse(value, strlen(value), &cap) == 0 && !cap.none && cap.has_port) {
                u->offered = true;
                u->port = cap.port;
                fprintf(stderr, "test-sink: UIBC offered: %s\n", value);
        }
        if (sink_body_get(body, len, "wfd_uibc_setting", value, sizeof(value)) == 0 &&
            wfd_uibc_setting_parse(value, strlen(value), &enable) == 0) {
                u->enabled = enable;
                fprintf(stderr, "test-sink: UIBC setting: %s\n", value);
        }
}

bool sink_uibc_ready(const struct sink_uibc *u)
{
        return u && u->offered && u->enabled && !u->started;
}

bool sink_uibc_offered(const struct sink_uibc *u)
{
        return u && u->offered;
}

static int on_step(sd_event_source *es, uint64_t usec, void *userdata)
{
        struct sink_uibc *u = userdata;

        while (u->next_step < u->n_steps) {
                struct step *st = &u->steps[u->next_step++];
                size_t off = 0;

                while (off < st->len) {
                        ssize_t n = send(u->fd, st->bytes + off, st->len - off, MSG_NOSIGNAL);
                        if (n < 0) {
                                snprintf(u->error, sizeof(u->error), "send_at_line_%d:_%s", st->line,
                                         strerror(errno));
                                return 0;
                        }
                        off += (size_t) n;
                }
                u->packets_sent += st->packets;
                if (st->sleep_usec)
                        return sd_event_source_set_time_relative(es, st->sleep_usec) ?:
                               sd_event_source_set_enabled(es, SD_EVENT_ONESHOT);
        }
        fprintf(stderr, "test-sink: UIBC script done, %u packets sent\n", u->packets_sent);
        return 0;
}

int sink_uibc_start(struct sink_uibc *u, sd_event *event, const struct sockaddr_storage *source)
{
        struct sockaddr_storage ss = *source;
        socklen_t len = ss.ss_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);

        u->started = true;
        if (ss.ss_family == AF_INET)
                ((struct sockaddr_in *) &ss)->sin_port = htons(u->port);
        else
                ((struct sockaddr_in6 *) &ss)->sin6_port = htons(u->port);
        u->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (u->fd < 0 || connect(u->fd, (struct sockaddr *) &ss, len) < 0) {
                snprintf(u->error, sizeof(u->error), "connect_to_port_%u:_%s", u->port, strerror(errno));
                return -errno;
        }
        u->connected = true;
        fprintf(stderr, "test-sink: UIBC connected to port %u, sending %zu steps\n", u->port, u->n_steps);
        return sd_event_add_time_relative(event, &u->timer, CLOCK_MONOTONIC, 0, 0, on_step, u);
}

void sink_uibc_summary(const struct sink_uibc *u, char *buf, size_t size)
{
        if (!u) {
                buf[0] = 0;
                return;
        }
        snprintf(buf, size, " uibc=%s uibc_port=%u uibc_connected=%s uibc_packets=%u uibc_steps=%zu/%zu%s%s",
                 u->offered ? "offered" : "none", u->port, u->connected ? "yes" : "no", u->packets_sent,
                 u->next_step, u->n_steps, u->error[0] ? " uibc_error=" : "", u->error);
}
