/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tests/sink/sink-mice.h: the MS-MICE side of the test sink. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../../protocol/macro.h"
#include "../../protocol/mice_msg.h"
#include "sink-mice.h"

static uint64_t mice_now_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int sink_mice_variant_from_string(const char *s)
{
        static const char *const names[] = {
                [SINK_MICE_NORMAL] = "normal", [SINK_MICE_STOP] = "stop",         [SINK_MICE_GARBAGE] = "garbage",
                [SINK_MICE_SILENT] = "silent", [SINK_MICE_SECURITY] = "security",
        };
        for (size_t i = 0; i < ARRAY_SIZE(names); i++)
                if (strcmp(s, names[i]) == 0)
                        return (int) i;
        return -EINVAL;
}

/* Reads into buf until one message parses; returns its length (message in *ret). */
static ssize_t mice_read_message(int fd, uint8_t *buf, size_t size, uint64_t deadline, struct mice_msg *ret)
{
        size_t len = 0;

        for (;;) {
                ssize_t n = mice_msg_parse(buf, len, ret);
                uint64_t now = mice_now_usec();
                struct pollfd p = { .fd = fd, .events = POLLIN };

                if (n != -EAGAIN)
                        return n;
                if (len >= size)
                        return -E2BIG;
                if (now >= deadline)
                        return -ETIMEDOUT;
                if (poll(&p, 1, (int) ((deadline - now) / 1000) + 1) <= 0)
                        continue;
                n = recv(fd, buf + len, size - len, 0);
                if (n <= 0)
                        return n < 0 ? -errno : -ECONNRESET;
                len += n;
        }
}

static void mice_print(const char *dir, const struct mice_msg *m)
{
        char name[MICE_FRIENDLY_NAME_UTF8_MAX] = "";
        char id[2 * MICE_MAX_SOURCE_ID + 1] = "";

        if (m->friendly_name)
                (void) mice_friendly_name_to_utf8(m->friendly_name, m->friendly_name_len, name, sizeof(name));
        for (size_t i = 0; m->source_id && i < m->source_id_len; i++)
                snprintf(id + 2 * i, 3, "%02x", m->source_id[i]);
        printf("MICE %s %s size=%u version=%u tlvs=%u friendly_name=\"%s\"", dir,
               mice_command_to_string(m->command) ?: "unknown", m->size, m->version, m->n_tlvs, name);
        if (m->has_rtsp_port)
                printf(" rtsp_port=%u", m->rtsp_port);
        printf(" source_id=%s\n", id);
        fflush(stdout);
}

int sink_mice_wait_source_ready(const char *spec, uint64_t timeout_usec, char *ret_connect, size_t size)
{
        struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE,
                                  .ai_socktype = SOCK_STREAM }, *ai = NULL;
        struct sockaddr_storage peer = {};
        socklen_t peer_len = sizeof(peer);
        uint8_t buf[MICE_MAX_MESSAGE];
        char host[128], port[16] = "7250", ip[NI_MAXHOST];
        const char *colon = strrchr(spec, ':');
        _cleanup_close_ int lfd = -1;
        int fd, r;
        struct mice_msg m;
        struct pollfd p;
        ssize_t n;

        /* ADDR, ADDR:PORT, an IPv6 ADDR (with %scope for link-local), or [ADDR]:PORT */
        if (spec[0] == '[') {
                const char *close = strchr(spec, ']');
                if (!close)
                        return -EINVAL;
                snprintf(host, sizeof(host), "%.*s", (int) (close - spec - 1), spec + 1);
                if (close[1] == ':')
                        snprintf(port, sizeof(port), "%s", close + 2);
        } else if (colon && colon == strchr(spec, ':')) {
                snprintf(host, sizeof(host), "%.*s", (int) (colon - spec), spec);
                snprintf(port, sizeof(port), "%s", colon + 1);
        } else
                snprintf(host, sizeof(host), "%s", spec);
        if (getaddrinfo(host, port, &hints, &ai) != 0 || !ai)
                return -EINVAL;
        lfd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (lfd < 0) {
                freeaddrinfo(ai);
                return -errno;
        }
        (void) setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &(int) { 1 }, sizeof(int));
        r = bind(lfd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(lfd, 1) < 0 ? -errno : 0;
        freeaddrinfo(ai);
        if (r < 0)
                return r;
        printf("MICE listening on %s port %s\n", host, port);
        fflush(stdout);
        p = (struct pollfd) { .fd = lfd, .events = POLLIN };
        r = poll(&p, 1, (int) (timeout_usec / 1000));
        if (r <= 0)
                return r < 0 ? -errno : -ETIMEDOUT;
        fd = accept4(lfd, (struct sockaddr *) &peer, &peer_len, SOCK_CLOEXEC);
        if (fd < 0)
                return -errno;
        /* The source's address as seen here, with the scope of a link-local one: where to connect back. */
        if (getnameinfo((struct sockaddr *) &peer, peer_len, ip, sizeof(ip), NULL, 0, NI_NUMERICHOST) != 0)
                snprintf(ip, sizeof(ip), "?");
        n = mice_read_message(fd, buf, sizeof(buf), mice_now_usec() + timeout_usec, &m);
        if (n < 0) {
                close(fd);
                return (int) n;
        }
        mice_print("<-", &m);
        if (m.command != MICE_COMMAND_SOURCE_READY || !m.has_rtsp_port || !m.friendly_name || !m.source_id) {
                printf("MICE SOURCE_READY incomplete\n");
                close(fd);
                return -EBADMSG;
        }
        snprintf(ret_connect, size, strchr(ip, ':') ? "[%s]:%u" : "%s:%u", ip, m.rtsp_port);
        return fd;
}

int sink_mice_send_stop(int fd)
{
        static const uint8_t id[16] = "TestMiceSinkId!!";
        uint8_t buf[MICE_MAX_MESSAGE];
        ssize_t n = mice_msg_build_stop_projection("Test MICE sink", id, sizeof(id), buf, sizeof(buf));

        if (n < 0)
                return (int) n;
        printf("MICE -> STOP_PROJECTION size=%zd\n", n);
        fflush(stdout);
        return send(fd, buf, n, MSG_NOSIGNAL) == n ? 0 : -errno;
}

int sink_mice_send_garbage(int fd)
{
        static const char junk[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

        printf("MICE -> garbage (%zu bytes)\n", sizeof(junk) - 1);
        fflush(stdout);
        return send(fd, junk, sizeof(junk) - 1, MSG_NOSIGNAL) > 0 ? 0 : -errno;
}

int sink_mice_send_pin_challenge(int fd)
{
        /* Size 11, version 1, PIN_CHALLENGE, TLV 6 (PIN challenge) of 4 bytes. */
        static const uint8_t msg[] = { 0x00, 0x0b, 0x01, MICE_COMMAND_PIN_CHALLENGE, MICE_TLV_PIN_CHALLENGE, 0x00, 0x04,
                                       0xde, 0xad, 0xbe, 0xef };

        printf("MICE -> PIN_CHALLENGE size=%zu\n", sizeof(msg));
        fflush(stdout);
        return send(fd, msg, sizeof(msg), MSG_NOSIGNAL) == (ssize_t) sizeof(msg) ? 0 : -errno;
}

int sink_mice_drain(int fd, uint64_t timeout_usec)
{
        uint64_t deadline = mice_now_usec() + timeout_usec;
        uint8_t buf[MICE_MAX_MESSAGE];
        int stops = 0;

        for (;;) {
                struct mice_msg m;
                ssize_t n = mice_read_message(fd, buf, sizeof(buf), deadline, &m);

                if (n == -ECONNRESET) {
                        printf("MICE source closed the MS-MICE connection\n");
                        break;
                }
                if (n < 0) {
                        printf("MICE drain: %s\n", strerror((int) -n));
                        break;
                }
                mice_print("<-", &m);
                stops += m.command == MICE_COMMAND_STOP_PROJECTION;
                /* One message per read buffer is all a source sends; the rest would be junk. */
        }
        fflush(stdout);
        return stops;
}
