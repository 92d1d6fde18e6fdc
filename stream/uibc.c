/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The UIBC channel of one session (see uibc.h): listener, the one connection,
 * and the policy between protocol/uibc_msg and main's injector (through
 * stream/input_forward.h). Once daemon/uibc.c: it moved into the stream
 * worker with the process split, so main parses no UIBC byte.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/input-event-codes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../daemon/log.h"
#include "../protocol/hid_desc.h"
#include "../protocol/macro.h"
#include "../protocol/uibc_msg.h"
#include "../protocol/wfd_uibc.h"
#include "input_forward.h"
#include "uibc.h"

#define log_uibc(c, level, error, fmt, ...) \
        log_full_errno(level, error, "session %u: UIBC: " fmt, (c)->session_id, ##__VA_ARGS__)

/* Bad packets logged one by one; beyond this only counted (a sink sending garbage floods no log). */
#define UIBC_MAX_LOGGED_BAD 10
/* Pixels of scroll per wheel notch, for sinks that scroll in pixels (unit 0). */
#define UIBC_PIXELS_PER_NOTCH 40
#define UIBC_READ_BUFFER (2 * UIBC_MAX_PACKET)
/* HIDC devices per session: a keyboard, a mouse, and room for a sink that sends a few more. */
#define UIBC_MAX_HID_DEVICES 4

/*
 * One HID device a sink described in HIDC: the descriptor is kept for the
 * whole connection (sinks send it once, possibly before input is active);
 * main has a uhid device for it only while input is active (it destroys its
 * devices whenever input goes off), so it is announced again each time.
 */
struct uibc_hid {
        uint8_t path, type;              /* the key: input path and HID type of the HIDC packets */
        uint8_t *rd;                     /* owned: the report descriptor as the sink sent it */
        size_t rd_len;
        struct hid_desc desc;
        struct hid_key_filter filter;
        bool announced;                  /* main has it (sent while active) */
};

struct uibc_channel {
        sd_event *event;                 /* not owned (a reference is held) */
        struct stream *stream;           /* not owned: where events go */
        unsigned session_id;
        struct sockaddr_storage peer;
        int listen_fd;                   /* owned; closed once the connection is accepted */
        sd_event_source *listen_io;      /* owned */
        sd_event_source *accept_timer;   /* owned */
        int fd;                          /* owned: the sink's connection */
        sd_event_source *io;             /* owned */
        uint16_t port;

        uint8_t buf[UIBC_READ_BUFFER];
        size_t len;

        bool active;
        struct uibc_geometry geometry;   /* while active */
        struct input_forward *injector;  /* owned; only while active: main injects */
        struct uibc_rate_limit rate;
        struct uibc_key_filter keys;
        struct input_contact contacts[INPUT_FORWARD_MAX_CONTACTS]; /* touch contacts now down */
        size_t n_contacts;
        struct uibc_hid *hid[UIBC_MAX_HID_DEVICES]; /* owned */

        struct {
                uint64_t packets, injected, inactive, rate_limited, bad, out_of_picture, keys_blocked,
                        keys_unmapped, ignored, refused_peers, hid_reports;
        } n;
};

static uint64_t now_usec(struct uibc_channel *c)
{
        uint64_t t = 0;

        (void) sd_event_now(c->event, CLOCK_MONOTONIC, &t);
        return t;
}

static bool same_host(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
        struct in6_addr a6, b6;

        /* Compare as IPv6, IPv4 as v4-mapped, so an AF_INET6 socket accepting v4 still matches. */
        for (int i = 0; i < 2; i++) {
                const struct sockaddr_storage *s = i ? b : a;
                struct in6_addr *o = i ? &b6 : &a6;
                if (s->ss_family == AF_INET) {
                        memset(o, 0, sizeof(*o));
                        o->s6_addr[10] = o->s6_addr[11] = 0xff;
                        memcpy(&o->s6_addr[12], &((const struct sockaddr_in *) s)->sin_addr, 4);
                } else if (s->ss_family == AF_INET6)
                        *o = ((const struct sockaddr_in6 *) s)->sin6_addr;
                else
                        return false;
        }
        return memcmp(&a6, &b6, sizeof(a6)) == 0;
}

static void format_host(const struct sockaddr_storage *s, char *buf, size_t size)
{
        if (s->ss_family == AF_INET)
                inet_ntop(AF_INET, &((const struct sockaddr_in *) s)->sin_addr, buf, size);
        else if (s->ss_family == AF_INET6)
                inet_ntop(AF_INET6, &((const struct sockaddr_in6 *) s)->sin6_addr, buf, size);
        else
                snprintf(buf, size, "?");
}

static void stop_listening(struct uibc_channel *c)
{
        c->accept_timer = sd_event_source_disable_unref(c->accept_timer);
        c->listen_io = sd_event_source_disable_unref(c->listen_io);
        c->listen_fd = safe_close(c->listen_fd);
}

static void close_connection(struct uibc_channel *c)
{
        c->io = sd_event_source_disable_unref(c->io);
        c->fd = safe_close(c->fd);
        c->len = 0;
}

static void bad_input(struct uibc_channel *c, const char *why)
{
        c->n.bad++;
        if (c->n.bad <= UIBC_MAX_LOGGED_BAD)
                log_uibc(c, LOG_WARNING, 0, "bad packet from the sink (%s), skipped%s", why,
                         c->n.bad == UIBC_MAX_LOGGED_BAD ? "; further bad packets are only counted" : "");
}

/* ---- events -> injector --------------------------------------------------------------- */

static int inject_key(struct uibc_channel *c, uint16_t code, bool down)
{
        uint16_t key;
        bool shift;
        int r;

        if (uibc_key_from_char(code, &key, &shift) < 0) {
                c->n.keys_unmapped++;
                log_uibc(c, LOG_DEBUG, 0, "key code 0x%04x has no evdev key, dropped", code);
                return 0;
        }
        /* Shift around the key as a US keyboard would type the character. */
        if (shift && down && uibc_key_filter_allow(&c->keys, KEY_LEFTSHIFT, true)) {
                r = input_forward_key(c->injector, KEY_LEFTSHIFT, true);
                if (r < 0)
                        return r;
        }
        if (!uibc_key_filter_allow(&c->keys, key, down)) {
                c->n.keys_blocked++;
                log_uibc(c, LOG_NOTICE, 0, "key %u %s blocked (SysRq / VT switch / zap combination)", key,
                         down ? "press" : "release");
        } else {
                r = input_forward_key(c->injector, key, down);
                if (r < 0)
                        return r;
        }
        if (shift && !down && uibc_key_filter_allow(&c->keys, KEY_LEFTSHIFT, false))
                return input_forward_key(c->injector, KEY_LEFTSHIFT, false);
        return 0;
}

static void contact_set(struct uibc_channel *c, uint8_t id, int32_t x, int32_t y)
{
        for (size_t i = 0; i < c->n_contacts; i++)
                if (c->contacts[i].id == id) {
                        c->contacts[i].x = x;
                        c->contacts[i].y = y;
                        return;
                }
        if (c->n_contacts < INPUT_FORWARD_MAX_CONTACTS)
                c->contacts[c->n_contacts++] = (struct input_contact) { .id = id, .x = x, .y = y };
}

static void contact_remove(struct uibc_channel *c, uint8_t id)
{
        for (size_t i = 0; i < c->n_contacts; i++)
                if (c->contacts[i].id == id) {
                        c->contacts[i] = c->contacts[--c->n_contacts];
                        return;
                }
}

/*
 * GENERIC down/up/move: one pointer drives the absolute pointer and the left
 * button (a mouse, or a single finger, is a click on the desktop); two or
 * more drive the touch device, which keeps them until all are lifted.
 */
static int inject_pointers(struct uibc_channel *c, const struct uibc_event *e)
{
        int32_t x[UIBC_MAX_POINTERS], y[UIBC_MAX_POINTERS];
        bool ok[UIBC_MAX_POINTERS];
        size_t n = 0;

        for (size_t i = 0; i < e->n_pointers; i++) {
                /* A press must land on the picture; a move or release off it is pulled to its edge. */
                ok[i] = uibc_map_point(&c->geometry.active, &c->geometry.target, e->pointers[i].x, e->pointers[i].y,
                                       e->type != UIBC_EVENT_TOUCH_DOWN, &x[i], &y[i]) >= 0;
                if (!ok[i]) {
                        c->n.out_of_picture++;
                        log_uibc(c, LOG_DEBUG, 0, "%s at %u,%u is outside the picture, dropped",
                                 uibc_event_type_to_string(e->type), e->pointers[i].x, e->pointers[i].y);
                        continue;
                }
                n++;
        }
        if (n == 0)
                return 0;

        if (e->n_pointers == 1 && c->n_contacts == 0)
                return input_forward_pointer(c->injector, x[0], y[0],
                                               e->type == UIBC_EVENT_TOUCH_DOWN ? 1
                                               : e->type == UIBC_EVENT_TOUCH_UP ? 0 : -1);
        for (size_t i = 0; i < e->n_pointers; i++) {
                if (!ok[i])
                        continue;
                if (e->type == UIBC_EVENT_TOUCH_UP)
                        contact_remove(c, e->pointers[i].id);
                else
                        contact_set(c, e->pointers[i].id, x[i], y[i]);
        }
        return input_forward_touch(c->injector, c->contacts, c->n_contacts);
}

static int inject_scroll(struct uibc_channel *c, const struct uibc_event *e)
{
        int32_t notches = e->scroll;

        if (e->scroll_unit == UIBC_SCROLL_UNIT_PIXEL) {
                notches = e->scroll / UIBC_PIXELS_PER_NOTCH;
                if (notches == 0 && e->scroll != 0)
                        notches = e->scroll < 0 ? -1 : 1;
        }
        if (notches == 0)
                return 0;
        /* UIBC counts down/right as positive; evdev's REL_WHEEL counts up as positive. */
        return input_forward_wheel(c->injector, e->type == UIBC_EVENT_VSCROLL,
                                     e->type == UIBC_EVENT_VSCROLL ? -notches : notches);
}

/* ---- HIDC -> main's uhid -------------------------------------------------------------- */

static const char *hid_type_name(uint8_t type)
{
        return wfd_uibc_input_type_to_string(type) ?: "HID";
}

static struct uibc_hid *hid_free(struct uibc_hid *h)
{
        if (!h)
                return NULL;
        free(h->rd);
        free(h);
        return NULL;
}

/* Hand a kept descriptor to main, which makes the uhid device (the channel is active). */
static void hid_start(struct uibc_channel *c, struct uibc_hid *h)
{
        int r;

        if (h->announced || !c->active || !c->injector)
                return;
        hid_key_filter_init(&h->filter);
        r = input_forward_hid_device(c->injector, h->path, h->type, h->rd, h->rd_len);
        if (r < 0) {
                log_uibc(c, LOG_ERR, r, "Failed to hand the HIDC %s device to main: %m; its reports are dropped",
                         hid_type_name(h->type));
                return;
        }
        h->announced = true;
        log_uibc(c, LOG_DEBUG, 0, "HIDC %s device handed to main (%zu-byte report descriptor%s%s)",
                 hid_type_name(h->type), h->rd_len, h->desc.keyboard ? ", keyboard keys filtered" : "",
                 h->desc.mouse ? ", mouse" : "");
}

static struct uibc_hid **hid_find(struct uibc_channel *c, uint8_t path, uint8_t type)
{
        for (size_t i = 0; i < UIBC_MAX_HID_DEVICES; i++)
                if (c->hid[i] && c->hid[i]->path == path && c->hid[i]->type == type)
                        return &c->hid[i];
        return NULL;
}

/* A report descriptor: checked, kept, and a device made for it now or when input becomes active. */
static void hid_descriptor(struct uibc_channel *c, const struct uibc_event *e)
{
        struct uibc_hid **slot = hid_find(c, e->hidc_path, e->hidc_type), *h;
        struct hid_desc desc;
        char why[64];
        int r;

        r = hid_desc_parse(e->hid, e->hid_len, &desc);
        if (r < 0) {
                snprintf(why, sizeof(why), "HID report descriptor refused: %s", r == -E2BIG ? "too large" : "malformed");
                bad_input(c, why);
                return;
        }
        if (slot) {
                /* A new descriptor for the same device replaces it (the sink re-plugged it). */
                *slot = hid_free(*slot);
        } else {
                for (size_t i = 0; i < UIBC_MAX_HID_DEVICES && !slot; i++)
                        if (!c->hid[i])
                                slot = &c->hid[i];
                if (!slot) {
                        bad_input(c, "more HIDC devices than we keep");
                        return;
                }
        }
        h = calloc(1, sizeof(*h));
        if (!h || !(h->rd = malloc(e->hid_len))) {
                free(h);
                log_uibc(c, LOG_ERR, -ENOMEM, "cannot keep a HID report descriptor: %m");
                return;
        }
        memcpy(h->rd, e->hid, e->hid_len);
        h->rd_len = e->hid_len;
        h->path = e->hidc_path;
        h->type = e->hidc_type;
        h->desc = desc;
        hid_key_filter_init(&h->filter);
        *slot = h;
        log_uibc(c, LOG_DEBUG, 0, "HIDC %s/%s report descriptor (%zu bytes)", hid_type_name(h->type),
                 wfd_uibc_input_path_to_string(h->path) ?: "?", h->rd_len);
        hid_start(c, h);
}

static void hid_report(struct uibc_channel *c, const struct uibc_event *e)
{
        struct uibc_hid **slot = hid_find(c, e->hidc_path, e->hidc_type), *h;
        uint8_t out[HID_MAX_REPORT];
        int r;

        if (!slot) {
                c->n.ignored++;
                log_uibc(c, LOG_DEBUG, 0, "HIDC report before its report descriptor, dropped");
                return;
        }
        h = *slot;
        if (!c->active || !h->announced) {
                c->n.inactive++;
                return;
        }
        /* HID reports carry the whole state (keys held, buttons down), so a dropped one heals with the next. */
        if (!uibc_rate_limit_take(&c->rate, now_usec(c))) {
                if (c->n.rate_limited++ == 0)
                        log_uibc(c, LOG_WARNING, 0, "the sink sends more than %u events/s; dropping the excess",
                                 UIBC_DEFAULT_RATE_PER_SEC);
                return;
        }
        if (e->hid_len == 0 || e->hid_len > HID_MAX_REPORT) {
                bad_input(c, "empty HID report");
                return;
        }
        r = hid_key_filter_report(&h->filter, &h->desc, e->hid, e->hid_len, out);
        if (r == -ENOENT) {
                bad_input(c, "HID report id not in its descriptor");
                return;
        }
        if (r == -EPERM || r > 0) {
                c->n.keys_blocked++;
                log_uibc(c, LOG_NOTICE, 0, "HIDC %s report: SysRq / VT switch / zap key %s",
                         hid_type_name(h->type), r > 0 ? "removed" : "held, report dropped");
                if (r < 0)
                        return;
        } else if (r < 0) {
                bad_input(c, "HID report");
                return;
        }
        /* main checks it again (its own filter and rate limit) and writes it to its uhid device */
        r = input_forward_hid_report(c->injector, h->path, h->type, out, e->hid_len);
        if (r < 0) {
                log_uibc(c, LOG_WARNING, r, "HIDC %s report not forwarded: %m", hid_type_name(h->type));
                return;
        }
        c->n.hid_reports++;
        c->n.injected++;
}

static bool is_release(const struct uibc_event *e)
{
        return e->type == UIBC_EVENT_TOUCH_UP || e->type == UIBC_EVENT_KEY_UP;
}

static void handle_event(struct uibc_channel *c, const struct uibc_event *e)
{
        int r = 0;

        c->n.packets++;
        if (e->type == UIBC_EVENT_IGNORED || e->type == UIBC_EVENT_ZOOM || e->type == UIBC_EVENT_ROTATE) {
                c->n.ignored++;
                return;
        }
        if (e->type == UIBC_EVENT_HIDC) {
                if (e->hidc_usage == UIBC_HIDC_REPORT_DESCRIPTOR)
                        hid_descriptor(c, e);
                else if (e->hidc_usage == UIBC_HIDC_REPORT)
                        hid_report(c, e);
                else
                        c->n.ignored++;
                return;
        }
        if (!c->active || !c->injector) {
                c->n.inactive++;
                return;
        }
        /* Releases always pass, so a flood that gets cut never leaves a key or button held. */
        if (!is_release(e) && !uibc_rate_limit_take(&c->rate, now_usec(c))) {
                if (c->n.rate_limited++ == 0)
                        log_uibc(c, LOG_WARNING, 0, "the sink sends more than %u events/s; dropping the excess",
                                 UIBC_DEFAULT_RATE_PER_SEC);
                return;
        }
        switch (e->type) {
        case UIBC_EVENT_TOUCH_DOWN:
        case UIBC_EVENT_TOUCH_UP:
        case UIBC_EVENT_TOUCH_MOVE:
                r = inject_pointers(c, e);
                break;
        case UIBC_EVENT_KEY_DOWN:
        case UIBC_EVENT_KEY_UP:
                r = inject_key(c, e->key_code1 ? e->key_code1 : e->key_code2, e->type == UIBC_EVENT_KEY_DOWN);
                break;
        case UIBC_EVENT_VSCROLL:
        case UIBC_EVENT_HSCROLL:
                r = inject_scroll(c, e);
                break;
        default:
                break;
        }
        if (r < 0) {
                log_uibc(c, LOG_WARNING, r, "injecting %s failed: %m; input off", uibc_event_type_to_string(e->type));
                (void) uibc_channel_set_active(c, false, NULL);
                return;
        }
        c->n.injected++;
}

/* ---- bytes -> events ------------------------------------------------------------------- */

/* Returns false when the stream cannot be framed any more. */
static bool process_buffer(struct uibc_channel *c)
{
        size_t off = 0;

        while (off < c->len) {
                struct uibc_event e;
                ssize_t n = uibc_msg_parse(c->buf + off, c->len - off, &e);
                size_t length;

                if (n == -EAGAIN)
                        break;
                if (n > 0) {
                        handle_event(c, &e);
                        off += (size_t) n;
                        continue;
                }
                length = c->len - off >= 4 ? ((size_t) c->buf[off + 2] << 8) | c->buf[off + 3] : 0;
                if (n != -E2BIG && length >= UIBC_HEADER_SIZE && length <= UIBC_MAX_PACKET && length > c->len - off)
                        break; /* refused from its header already: skip it once it is all here */
                if (n == -E2BIG || length < UIBC_HEADER_SIZE || length > c->len - off) {
                        c->n.bad++;
                        log_uibc(c, LOG_WARNING, (int) n,
                                 "unframeable data from the sink (length %zu: %m); closing the UIBC connection, "
                                 "the stream goes on", length);
                        return false;
                }
                bad_input(c, n == -EPROTONOSUPPORT ? "UIBC version is not 0" : "body does not fit its length");
                off += length;
        }
        memmove(c->buf, c->buf + off, c->len - off);
        c->len -= off;
        return true;
}

static int on_io(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
        struct uibc_channel *c = userdata;
        ssize_t n;

        n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return 0;
        if (n <= 0) {
                log_uibc(c, LOG_INFO, n < 0 ? -errno : 0, "the sink closed the UIBC connection%s",
                         n < 0 ? " (%m)" : "");
                close_connection(c);
                return 0;
        }
        c->len += (size_t) n;
        if (!process_buffer(c))
                close_connection(c);
        return 0;
}

static int on_accept(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
        struct uibc_channel *c = userdata;
        struct sockaddr_storage from = {};
        socklen_t len = sizeof(from);
        char host[INET6_ADDRSTRLEN];
        int cfd, r;

        cfd = accept4(c->listen_fd, (struct sockaddr *) &from, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (cfd < 0)
                return 0;
        format_host(&from, host, sizeof(host));
        if (!same_host(&from, &c->peer)) {
                c->n.refused_peers++;
                log_uibc(c, LOG_WARNING, 0, "refused a connection from %s: not the sink", host);
                safe_close(cfd);
                return 0;
        }
        stop_listening(c); /* one connection per session */
        c->fd = cfd;
        r = sd_event_add_io(c->event, &c->io, c->fd, EPOLLIN | EPOLLRDHUP, on_io, c);
        if (r < 0) {
                log_uibc(c, LOG_ERR, r, "cannot watch the connection: %m");
                close_connection(c);
                return 0;
        }
        log_uibc(c, LOG_INFO, 0, "the sink (%s) connected to port %u", host, c->port);
        return 0;
}

static int on_accept_timeout(sd_event_source *source, uint64_t usec, void *userdata)
{
        struct uibc_channel *c = userdata;

        log_uibc(c, LOG_WARNING, 0, "the sink did not connect to port %u in time; no input for this session",
                 c->port);
        stop_listening(c);
        return 0;
}

/* ---- life cycle --------------------------------------------------------------------------- */

int uibc_channel_new(sd_event *event, struct stream *st, const struct uibc_channel_config *cfg,
                     struct uibc_channel **ret)
{
        struct uibc_channel *c;
        struct sockaddr_storage ss;
        socklen_t len;
        int r;

        if (!event || !cfg || !cfg->local || !cfg->peer || !ret ||
            (cfg->local->ss_family != AF_INET && cfg->local->ss_family != AF_INET6))
                return -EINVAL;
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->event = sd_event_ref(event);
        c->stream = st;
        c->session_id = cfg->session_id;
        c->peer = *cfg->peer;
        c->fd = -1;
        uibc_key_filter_init(&c->keys);

        ss = *cfg->local;
        if (ss.ss_family == AF_INET)
                ((struct sockaddr_in *) &ss)->sin_port = 0;
        else
                ((struct sockaddr_in6 *) &ss)->sin6_port = 0;
        len = ss.ss_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
        c->listen_fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (c->listen_fd < 0 || bind(c->listen_fd, (struct sockaddr *) &ss, len) < 0 || listen(c->listen_fd, 1) < 0 ||
            getsockname(c->listen_fd, (struct sockaddr *) &ss, &len) < 0) {
                r = -errno;
                uibc_channel_free(c);
                return r;
        }
        c->port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *) &ss)->sin_port
                                                : ((struct sockaddr_in6 *) &ss)->sin6_port);
        r = sd_event_add_io(event, &c->listen_io, c->listen_fd, EPOLLIN, on_accept, c);
        if (r >= 0)
                r = sd_event_add_time_relative(event, &c->accept_timer, CLOCK_MONOTONIC,
                                               cfg->accept_timeout_usec ?: UIBC_CHANNEL_ACCEPT_TIMEOUT_USEC, 0,
                                               on_accept_timeout, c);
        if (r < 0) {
                uibc_channel_free(c);
                return r;
        }
        log_uibc(c, LOG_DEBUG, 0, "listening on port %u", c->port);
        *ret = c;
        return 0;
}

struct uibc_channel *uibc_channel_free(struct uibc_channel *c)
{
        if (!c)
                return NULL;
        c->injector = input_forward_free(c->injector);
        for (size_t i = 0; i < UIBC_MAX_HID_DEVICES; i++)
                c->hid[i] = hid_free(c->hid[i]);
        if (c->n.packets || c->n.bad || c->n.refused_peers)
                log_uibc(c, LOG_INFO, 0,
                         "closed: %llu packets, %llu injected, %llu while inactive, %llu rate-limited, %llu bad, "
                         "%llu outside the picture, %llu keys blocked, %llu keys unmapped, %llu ignored, "
                         "%llu connections refused, %llu HID reports",
                         (unsigned long long) c->n.packets, (unsigned long long) c->n.injected,
                         (unsigned long long) c->n.inactive, (unsigned long long) c->n.rate_limited,
                         (unsigned long long) c->n.bad, (unsigned long long) c->n.out_of_picture,
                         (unsigned long long) c->n.keys_blocked, (unsigned long long) c->n.keys_unmapped,
                         (unsigned long long) c->n.ignored, (unsigned long long) c->n.refused_peers,
                         (unsigned long long) c->n.hid_reports);
        close_connection(c);
        stop_listening(c);
        sd_event_unref(c->event);
        free(c);
        return NULL;
}

uint16_t uibc_channel_get_port(const struct uibc_channel *c)
{
        return c ? c->port : 0;
}

int uibc_channel_set_active(struct uibc_channel *c, bool active, const struct uibc_geometry *g)
{
        int r;

        if (!c)
                return -EINVAL;
        if (!active) {
                c->injector = input_forward_free(c->injector);
                for (size_t i = 0; i < UIBC_MAX_HID_DEVICES; i++)
                        if (c->hid[i])
                                c->hid[i]->announced = false; /* main removes its devices */
                c->n_contacts = 0;
                uibc_key_filter_init(&c->keys);
                c->active = false;
                return 0;
        }
        if (!g || g->active.width == 0 || g->active.height == 0 || g->target.width == 0 || g->target.height == 0 ||
            g->range_width == 0 || g->range_height == 0)
                return -EINVAL;
        c->geometry = *g;
        if (!c->injector) {
                /* main creates the devices (it got the same geometry in WORKER_MSG_INPUT) and logs it */
                r = input_forward_new(c->stream, c->session_id, &c->injector);
                if (r < 0) {
                        c->active = false;
                        return r;
                }
                (void) uibc_rate_limit_init(&c->rate, UIBC_DEFAULT_RATE_PER_SEC, UIBC_DEFAULT_BURST, now_usec(c));
        }
        c->active = true;
        /* HIDC devices described while input was off appear now. */
        for (size_t i = 0; i < UIBC_MAX_HID_DEVICES; i++)
                if (c->hid[i])
                        hid_start(c, c->hid[i]);
        return 0;
}

int uibc_channel_release(struct uibc_channel *c)
{
        uint64_t dropped;
        int r;

        if (!c || !c->active || !c->injector)
                return 0;       /* withdrawn meanwhile: nothing to send */
        dropped = input_forward_get_dropped(c->injector);
        r = input_forward_release(c->injector);
        if (dropped)
                log_uibc(c, LOG_WARNING, 0, "%llu events dropped while main made the devices (hold queue full)",
                         (unsigned long long) dropped);
        return r;
}
