/* SPDX-License-Identifier: GPL-2.0-or-later */
/* stream/mice_watch.h: what the sink says on MS-MICE, parsed away from root (was in daemon/mice.c). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../daemon/log.h"
#include "../protocol/macro.h"
#include "../protocol/mice_msg.h"
#include "../protocol/worker_msg.h"
#include "mice_watch.h"
#include "stream.h"

struct mice_watch {
        struct stream *stream;       /* not owned */
        unsigned id;                 /* main's session */
        int fd;                      /* owned: the connection to the sink's 7250 */
        sd_event_source *io;         /* owned */
        char name[80];               /* "ADDR:PORT" of the sink, for the log */
        uint16_t port;
        uint8_t in[MICE_MAX_MESSAGE];
        size_t in_len;
        struct mice_watch *next;
};

#define log_watch(w, level, error, fmt, ...) \
        log_full_errno(level, error, "MS-MICE %s: " fmt, (w)->name, ##__VA_ARGS__)

static struct mice_watch *mice_watch_free(struct mice_watch *w)
{
        for (struct mice_watch **p = &w->stream->mice_watches; *p; p = &(*p)->next)
                if (*p == w) {
                        *p = w->next;
                        break;
                }
        w->io = sd_event_source_disable_unref(w->io);
        w->fd = safe_close(w->fd);
        free(w);
        return NULL;
}

/* The one report a watch makes; the watch ends with it. */
static void mice_watch_report(struct mice_watch *w, enum worker_mice_kind kind, int error, const char *text)
{
        uint8_t buf[1024];
        struct worker_msg_writer m;
        int r;

        worker_msg_begin(&m, buf, sizeof(buf), WORKER_MSG_MICE_EVENT, w->id);
        worker_msg_put_u64(&m, WORKER_FIELD_MICE_KIND, kind);
        worker_msg_put_i64(&m, WORKER_FIELD_ERROR, error);
        worker_msg_put_str(&m, WORKER_FIELD_TEXT, text);
        r = stream_send(w->stream, &m);
        if (r < 0)
                log_watch(w, LOG_WARNING, r, "cannot report to miracastd: %m");
        mice_watch_free(w);
}

/*
 * What the sink sent so far. Every complete message ends the watch (the sink may only send
 * STOP_PROJECTION). Returns 1 when w is gone.
 */
static int mice_watch_handle_input(struct mice_watch *w)
{
        char reason[512];
        struct mice_msg msg;
        uint8_t command = 0;
        ssize_t n;

        if (w->in_len == 0)
                return 0;
        n = mice_msg_parse(w->in, w->in_len, &msg);
        if (n == -EAGAIN)
                return 0;
        if (n < 0) {
                /* A secured variant we do not parse still has a readable header. */
                if (mice_msg_peek(w->in, w->in_len, NULL, NULL, &command) == 0 && mice_command_is_security(command) &&
                    w->in[2] == MICE_VERSION) {
                        snprintf(reason, sizeof(reason),
                                 "the sink asked for secured MS-MICE (%s: PIN or DTLS), which miracastd does not support",
                                 mice_command_to_string(command));
                        mice_watch_report(w, WORKER_MICE_REFUSED, -EPROTONOSUPPORT, reason);
                } else {
                        snprintf(reason, sizeof(reason),
                                 "the sink sent bytes on port %u that are not an MS-MICE message (%s; first bytes "
                                 "%02x %02x %02x %02x)",
                                 w->port,
                                 n == -E2BIG             ? "its Size is over 4096 bytes"
                                 : n == -EPROTONOSUPPORT ? "its Version is not 1"
                                                         : "malformed TLVs",
                                 w->in[0], w->in_len > 1 ? w->in[1] : 0, w->in_len > 2 ? w->in[2] : 0,
                                 w->in_len > 3 ? w->in[3] : 0);
                        mice_watch_report(w, WORKER_MICE_REFUSED, -EBADMSG, reason);
                }
                return 1;
        }
        log_watch(w, LOG_INFO, 0, "<- %s (%u bytes, %u TLVs)", mice_command_to_string(msg.command) ?: "unknown command",
                  msg.size, msg.n_tlvs);
        if (msg.command == MICE_COMMAND_STOP_PROJECTION) {
                char name[MICE_FRIENDLY_NAME_UTF8_MAX] = "";

                if (msg.friendly_name)
                        (void) mice_friendly_name_to_utf8(msg.friendly_name, msg.friendly_name_len, name, sizeof(name));
                mice_watch_report(w, WORKER_MICE_STOP_PROJECTION, 0, name);
                return 1;
        }
        mice_watch_report(w, WORKER_MICE_REFUSED, mice_command_is_security(msg.command) ? -EPROTONOSUPPORT : -EPROTO,
                          mice_msg_refusal_reason(&msg) ?: "unexpected MS-MICE message");
        return 1;
}

static int mice_watch_on_io(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
        struct mice_watch *w = userdata;
        char reason[128];
        ssize_t n;

        if (w->in_len >= sizeof(w->in)) {
                snprintf(reason, sizeof(reason), "the sink sent more than %zu bytes without a complete message",
                         sizeof(w->in));
                mice_watch_report(w, WORKER_MICE_REFUSED, -EBADMSG, reason);
                return 0;
        }
        n = recv(fd, w->in + w->in_len, sizeof(w->in) - w->in_len, MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return 0;
        if (n <= 0) {
                mice_watch_report(w, WORKER_MICE_CLOSED, n < 0 ? -errno : -ECONNRESET, NULL);
                return 0;
        }
        w->in_len += (size_t) n;
        (void) mice_watch_handle_input(w);
        return 0;
}

int mice_watch_new(struct stream *st, unsigned id, int fd)
{
        _cleanup_close_ int owned = fd;
        struct sockaddr_storage peer = {};
        socklen_t len = sizeof(peer);
        char host[INET6_ADDRSTRLEN] = "?";
        struct mice_watch *w;
        int r;

        mice_watch_drop(st, id);
        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        w->stream = st;
        w->id = id;
        w->fd = steal_fd(owned);
        w->next = st->mice_watches;
        st->mice_watches = w;
        if (getpeername(w->fd, (struct sockaddr *) &peer, &len) == 0 && peer.ss_family == AF_INET) {
                (void) inet_ntop(AF_INET, &((struct sockaddr_in *) &peer)->sin_addr, host, sizeof(host));
                w->port = ntohs(((struct sockaddr_in *) &peer)->sin_port);
                snprintf(w->name, sizeof(w->name), "%s:%u", host, w->port);
        } else if (peer.ss_family == AF_INET6) {
                const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *) &peer;

                /* main connected it, scope and all: the name only says which link for the log */
                (void) inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
                w->port = ntohs(in6->sin6_port);
                if (in6->sin6_scope_id)
                        snprintf(w->name, sizeof(w->name), "[%s%%%u]:%u", host, (unsigned) in6->sin6_scope_id,
                                 w->port);
                else
                        snprintf(w->name, sizeof(w->name), "[%s]:%u", host, w->port);
        } else
                snprintf(w->name, sizeof(w->name), "%s:%u", host, w->port);
        r = sd_event_add_io(st->event, &w->io, w->fd, EPOLLIN | EPOLLRDHUP, mice_watch_on_io, w);
        if (r < 0) {
                mice_watch_free(w);
                return r;
        }
        log_watch(w, LOG_DEBUG, 0, "reading the sink's MS-MICE messages for session %u", id);
        return 0;
}

void mice_watch_drop(struct stream *st, unsigned id)
{
        for (struct mice_watch *w = st->mice_watches; w; w = w->next)
                if (w->id == id) {
                        mice_watch_free(w);
                        return;
                }
}

void mice_watch_drop_all(struct stream *st)
{
        while (st->mice_watches)
                mice_watch_free(st->mice_watches);
}
