/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One UDP socket for RTCP (see rtcp_channel.h). Not connected: a sink may
 * send its reports from another port than the one we send to, so datagrams
 * are accepted from any port of the sink's address and SRs go out with
 * sendto().
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../protocol/macro.h"
#include "rtcp_channel.h"
#include "rtp_send.h"
#include "rtsp_interleave.h"

/* Enough for a compound of 31 report blocks plus feedback; larger ones are not RTCP we want. */
#define RTCP_CHANNEL_MAX_DATAGRAM 2048

struct rtcp_channel {
        int fd;
        struct sockaddr_storage dest;
        socklen_t dest_len;
        char cname[RTCP_MAX_CNAME + 1];
        struct rtcp_channel_stats stats;
        struct rtsp_interleave *il;     /* borrowed: interleaved in the RTSP connection, fd -1 */
        uint8_t il_channel;
};

struct rtcp_channel *rtcp_channel_free(struct rtcp_channel *c)
{
        if (!c)
                return NULL;
        c->fd = safe_close(c->fd);
        free(c);
        return NULL;
}

int rtcp_channel_new(const struct rtcp_channel_config *cfg, struct rtcp_channel **ret)
{
        _cleanup_(rtcp_channel_freep) struct rtcp_channel *c = NULL;
        struct sockaddr_storage src = {};
        socklen_t src_len;
        int r;

        if (!cfg || !ret || !cfg->dest_address || cfg->dest_port == 0 || cfg->local_port == 0)
                return -EINVAL;
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->fd = -1;
        snprintf(c->cname, sizeof(c->cname), "%s", cfg->cname && cfg->cname[0] ? cfg->cname : "miracastd");
        r = rtp_send_parse_address(cfg->dest_address, cfg->dest_port, &c->dest, &c->dest_len);
        if (r < 0)
                return r;
        src.ss_family = c->dest.ss_family;
        if (src.ss_family == AF_INET) {
                ((struct sockaddr_in *) &src)->sin_port = htons(cfg->local_port);
                src_len = sizeof(struct sockaddr_in);
        } else {
                ((struct sockaddr_in6 *) &src)->sin6_port = htons(cfg->local_port);
                src_len = sizeof(struct sockaddr_in6);
        }
        c->fd = socket(c->dest.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (c->fd < 0)
                return -errno;
        if (bind(c->fd, (struct sockaddr *) &src, src_len) < 0)
                return -errno;
        *ret = steal_ptr(c);
        return 0;
}

int rtcp_channel_new_interleaved(struct rtsp_interleave *il, uint8_t channel, const char *cname,
                                 struct rtcp_channel **ret)
{
        struct rtcp_channel *c;

        if (!il || !ret)
                return -EINVAL;
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->fd = -1;
        c->il = il;
        c->il_channel = channel;
        snprintf(c->cname, sizeof(c->cname), "%s", cname && cname[0] ? cname : "miracastd");
        *ret = c;
        return 0;
}

int rtcp_channel_send_sr(struct rtcp_channel *c, const struct rtcp_sender_info *sr)
{
        uint8_t buf[RTCP_MAX_CNAME + 64];
        ssize_t n;

        if (!c || !sr)
                return -EINVAL;
        n = rtcp_build_sr(sr, c->cname, buf, sizeof(buf));
        if (n < 0)
                return (int) n;
        if (c->il) {
                /* never waits: a connection busy with RTSP or a cut packet gets the next SR */
                int k = rtsp_interleave_send(c->il, c->il_channel, buf, 1, (size_t) n, NULL);
                if (k <= 0) {
                        c->stats.send_errors++;
                        return k < 0 ? k : -EAGAIN;
                }
                c->stats.sr_sent++;
                return 0;
        }
        if (sendto(c->fd, buf, (size_t) n, MSG_NOSIGNAL, (struct sockaddr *) &c->dest, c->dest_len) < 0) {
                c->stats.send_errors++;
                return -errno;
        }
        c->stats.sr_sent++;
        return 0;
}

static bool same_host(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
        if (a->ss_family != b->ss_family)
                return false;
        if (a->ss_family == AF_INET)
                return ((const struct sockaddr_in *) a)->sin_addr.s_addr ==
                       ((const struct sockaddr_in *) b)->sin_addr.s_addr;
        return memcmp(&((const struct sockaddr_in6 *) a)->sin6_addr, &((const struct sockaddr_in6 *) b)->sin6_addr,
                      sizeof(struct in6_addr)) == 0;
}

int rtcp_channel_receive(struct rtcp_channel *c, struct rtcp_info *ret)
{
        uint8_t buf[RTCP_CHANNEL_MAX_DATAGRAM];
        struct sockaddr_storage from;
        socklen_t from_len = sizeof(from);
        ssize_t n;
        int r;

        if (!c || !ret)
                return -EINVAL;
        if (c->il) {
                /* the session's parser read it from the sink's RTSP connection: no address to check */
                n = rtsp_interleave_receive(c->il, buf, sizeof(buf));
                if (n == -EMSGSIZE) {
                        c->stats.bad++;
                        return -EBADMSG;
                }
                if (n < 0)
                        return (int) n;
                r = rtcp_parse(buf, (size_t) n, ret);
                if (r < 0) {
                        c->stats.bad++;
                        return r;
                }
                c->stats.received++;
                return 0;
        }
        n = recvfrom(c->fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC, (struct sockaddr *) &from, &from_len);
        if (n < 0)
                return errno == ECONNREFUSED ? -EAGAIN : -errno;
        /* Only the sink reports on our stream; a truncated datagram is not one we can trust. */
        if ((size_t) n > sizeof(buf) || !same_host(&from, &c->dest)) {
                c->stats.bad++;
                return -EBADMSG;
        }
        r = rtcp_parse(buf, (size_t) n, ret);
        if (r < 0) {
                c->stats.bad++;
                return r;
        }
        c->stats.received++;
        return 0;
}

int rtcp_channel_get_fd(const struct rtcp_channel *c)
{
        return c ? c->fd : -EINVAL;
}

void rtcp_channel_get_stats(const struct rtcp_channel *c, struct rtcp_channel_stats *ret)
{
        *ret = c->stats;
}
