/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * UDP sender for the RTP packets of one frame: paced bursts with sendmmsg(),
 * whole-frame drops instead of unbounded queueing. See rtp_send.h.
 *
 * Flow per frame: refuse a delta frame while an IDR is owed; drop the frame
 * whole when the socket already has more than max_queued_bytes waiting;
 * else send bursts, sleeping between them to keep pace_bps; on EAGAIN wait
 * (poll for POLLOUT) up to stall_usec, then give up on the rest of the frame.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../protocol/macro.h"
#include "../protocol/rtcp.h"
#include "rtsp_interleave.h"
#include "rtp_send.h"
#include "tcp_window.h"

#define RTP_SEND_MAX_BURST 64
/* The largest packet the retransmission history keeps (an RTP/MP2T packet is 1328 bytes). */
#define RTP_SEND_RTX_PACKET_MAX 1500
/* At most this many packets resent for one NACK datagram (64 items x 17 packets would be 1088). */
#define RTP_SEND_RTX_MAX_PER_CALL 512
/* The burst the resend budget allows (rtp_send_set_rtx_budget()). */
#define RTP_SEND_RTX_BURST_BYTES (64 * 1500)

struct rtp_send {
        int fd;
        uint16_t local_port;
        uint64_t pace_bps;
        unsigned burst_packets;
        unsigned max_queued_bytes;
        unsigned stall_usec;
        bool need_idr;
        uint64_t pace_next_nsec;   /* the pacer's clock: no burst leaves before this, across frames */
        struct rtp_send_stats stats;

        /* retransmission history (cfg.rtx_slots > 0), all owned: slot i holds rtx_len[i] bytes at
         * rtx_buf + i * RTP_SEND_RTX_PACKET_MAX; rtx.tags says which sequence number it is */
        struct rtcp_rtx_history rtx;
        uint32_t *rtx_tags;
        uint8_t *rtx_buf;
        uint16_t *rtx_len;
        uint64_t rtx_budget_bps;   /* 0: no limit */
        uint64_t rtx_tokens;       /* bytes that may be resent now (token bucket) */
        uint64_t rtx_refill_nsec;  /* when the bucket was last filled */

        /* TCP (cfg.tcp) */
        bool tcp;
        bool tcp_connecting;       /* connect() in progress */
        uint8_t tcp_pending[2 + 65535]; /* the unsent rest of a packet the kernel took only in part */
        size_t tcp_pending_len;

        /* interleaved in the RTSP connection (cfg.interleave) */
        struct rtsp_interleave *il;       /* borrowed */
        uint8_t il_channel;
};

static uint64_t now_nsec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000ULL + (uint64_t) ts.tv_nsec;
}

static void sleep_until_nsec(uint64_t t)
{
        struct timespec ts = { .tv_sec = (time_t) (t / 1000000000ULL), .tv_nsec = (long) (t % 1000000000ULL) };

        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
                ;
}

int rtp_send_parse_address(const char *addr, uint16_t port, struct sockaddr_storage *sa, socklen_t *len)
{
        struct sockaddr_in *in4 = (struct sockaddr_in *) sa;
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) sa;
        char buf[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
        char *scope;

        memset(sa, 0, sizeof(*sa));
        if (!addr) {
                in4->sin_family = AF_INET;
                in4->sin_port = htons(port);
                *len = sizeof(*in4);
                return 0;
        }
        if (inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
                in4->sin_family = AF_INET;
                in4->sin_port = htons(port);
                *len = sizeof(*in4);
                return 0;
        }
        if (strlen(addr) >= sizeof(buf))
                return -EINVAL;
        strcpy(buf, addr);
        scope = strchr(buf, '%');
        if (scope)
                *scope++ = 0;
        if (inet_pton(AF_INET6, buf, &in6->sin6_addr) != 1)
                return -EINVAL;
        if (scope) {
                in6->sin6_scope_id = if_nametoindex(scope);
                if (in6->sin6_scope_id == 0)
                        return -EINVAL;
        }
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(port);
        *len = sizeof(*in6);
        return 0;
}

static int send_alloc_history(struct rtp_send *s, unsigned n)
{
        if (n == 0)
                return 0;
        if (n < 16 || n > 32768 || (n & (n - 1)))
                return -EINVAL;
        s->rtx_tags = calloc(n, sizeof(*s->rtx_tags));
        s->rtx_len = calloc(n, sizeof(*s->rtx_len));
        s->rtx_buf = malloc((size_t) n * RTP_SEND_RTX_PACKET_MAX);
        if (!s->rtx_tags || !s->rtx_len || !s->rtx_buf)
                return -ENOMEM;
        return rtcp_rtx_history_init(&s->rtx, s->rtx_tags, n);
}

static struct rtp_send *send_alloc(const struct rtp_send_config *cfg, int *ret_sndbuf, int *ret_error)
{
        struct rtp_send *s;

        *ret_error = -ENOMEM;
        s = calloc(1, sizeof(*s));
        if (!s)
                return NULL;
        s->fd = -1;
        *ret_error = send_alloc_history(s, cfg->rtx_slots);
        if (*ret_error < 0)
                return rtp_send_free(s);
        s->pace_bps = cfg->pace_bps;
        s->burst_packets = cfg->burst_packets ? cfg->burst_packets : 16;
        if (s->burst_packets > RTP_SEND_MAX_BURST)
                s->burst_packets = RTP_SEND_MAX_BURST;
        *ret_sndbuf = cfg->sndbuf_bytes ? (int) cfg->sndbuf_bytes : 1 << 20;
        s->max_queued_bytes = cfg->max_queued_bytes ? cfg->max_queued_bytes : (unsigned) *ret_sndbuf / 2;
        s->stall_usec = cfg->stall_usec ? cfg->stall_usec : 20000;
        return s;
}

int rtp_send_new_from_fd(int fd, const struct rtp_send_config *cfg, struct rtp_send **ret)
{
        struct rtp_send *s;
        int sndbuf, fl, r;

        if (fd < 0 || !cfg || !ret) {
                (void) safe_close(fd);
                return -EINVAL;
        }
        s = send_alloc(cfg, &sndbuf, &r);
        if (!s) {
                (void) safe_close(fd);
                return r;
        }
        s->fd = fd;
        fl = fcntl(fd, F_GETFL);
        if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
                r = -errno;
                rtp_send_free(s);
                return r;
        }
        (void) setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
        *ret = s;
        return 0;
}

int rtp_send_new(const struct rtp_send_config *cfg, struct rtp_send **ret)
{
        struct sockaddr_storage dst, src;
        socklen_t dst_len, src_len;
        struct rtp_send *s;
        int sndbuf, r;

        if (cfg && ret && cfg->interleave) {
                if (cfg->rtx_slots)
                        return -EINVAL;
                s = send_alloc(cfg, &sndbuf, &r);
                if (!s)
                        return r;
                s->il = cfg->interleave;
                s->il_channel = cfg->interleave_channel;
                *ret = s;
                return 0;
        }
        if (!cfg || !ret || !cfg->dest_address || cfg->dest_port == 0)
                return -EINVAL;
        r = rtp_send_parse_address(cfg->dest_address, cfg->dest_port, &dst, &dst_len);
        if (r < 0)
                return r;
        if (cfg->local_address) {
                r = rtp_send_parse_address(cfg->local_address, cfg->local_port, &src, &src_len);
                if (r < 0)
                        return r;
                if (src.ss_family != dst.ss_family)
                        return -EINVAL;
        } else {
                memset(&src, 0, sizeof(src));
                src.ss_family = dst.ss_family;
                if (dst.ss_family == AF_INET) {
                        ((struct sockaddr_in *) &src)->sin_port = htons(cfg->local_port);
                        src_len = sizeof(struct sockaddr_in);
                } else {
                        ((struct sockaddr_in6 *) &src)->sin6_port = htons(cfg->local_port);
                        src_len = sizeof(struct sockaddr_in6);
                }
        }

        if (cfg->tcp && cfg->rtx_slots)
                return -EINVAL;
        s = send_alloc(cfg, &sndbuf, &r);
        if (!s)
                return r;
        s->tcp = cfg->tcp;

        s->fd = socket(dst.ss_family, (cfg->tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (s->fd < 0) {
                r = -errno;
                goto fail;
        }
        if (cfg->tcp) {
                /* the packets are small and late ones are useless: no Nagle; a port still in TIME_WAIT
                 * from the last session may be ours again */
                (void) setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &(int) { 1 }, sizeof(int));
                (void) setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &(int) { 1 }, sizeof(int));
        }
        /* No SO_REUSEADDR: it would let two sessions share one server_port (UDP has no TIME_WAIT). */
        (void) setsockopt(s->fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
        if (cfg->dscp > 0) {
                int tos = cfg->dscp << 2;

                if (dst.ss_family == AF_INET)
                        (void) setsockopt(s->fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos));
                else
                        (void) setsockopt(s->fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof(tos));
        }
        if (bind(s->fd, (struct sockaddr *) &src, src_len) < 0) {
                r = -errno;
                goto fail;
        }
        if (connect(s->fd, (struct sockaddr *) &dst, dst_len) < 0) {
                if (!cfg->tcp || errno != EINPROGRESS) {
                        r = -errno;
                        goto fail;
                }
                s->tcp_connecting = true;
        }
        src_len = sizeof(src);
        if (getsockname(s->fd, (struct sockaddr *) &src, &src_len) < 0) {
                r = -errno;
                goto fail;
        }
        s->local_port = ntohs(src.ss_family == AF_INET ? ((struct sockaddr_in *) &src)->sin_port
                                                       : ((struct sockaddr_in6 *) &src)->sin6_port);
        *ret = s;
        return 0;
fail:
        rtp_send_free(s);
        return r;
}

struct rtp_send *rtp_send_free(struct rtp_send *s)
{
        if (!s)
                return NULL;
        s->fd = safe_close(s->fd);
        free(s->rtx_tags);
        free(s->rtx_len);
        free(s->rtx_buf);
        free(s);
        return NULL;
}

uint16_t rtp_send_get_local_port(const struct rtp_send *s)
{
        return s->local_port;
}

int rtp_send_get_fd(const struct rtp_send *s)
{
        return s->fd;
}

void rtp_send_set_pace(struct rtp_send *s, uint64_t pace_bps)
{
        s->pace_bps = pace_bps;
}

void rtp_send_set_rtx_budget(struct rtp_send *s, uint64_t bps)
{
        s->rtx_budget_bps = bps;
}

void rtp_send_get_stats(const struct rtp_send *s, struct rtp_send_stats *ret)
{
        *ret = s->stats;
}

int rtp_send_get_queued_bytes(const struct rtp_send *s)
{
        int queued = 0;

        if (s->il)
                return rtsp_interleave_get_queued_bytes(s->il);
        if (ioctl(s->fd, SIOCOUTQ, &queued) < 0)
                return -errno;
        return queued;
}

bool rtp_send_is_congested(const struct rtp_send *s)
{
        struct pollfd pfd = { .fd = s->fd, .events = POLLOUT };
        int queued = rtp_send_get_queued_bytes(s);

        if (queued < 0)
                return false; /* a broken socket: the next send says so */
        if ((unsigned) queued > s->max_queued_bytes || s->tcp_connecting || s->tcp_pending_len > 0)
                return true;
        if (s->il)
                return !rtsp_interleave_wait_writable(s->il, 0);
        return poll(&pfd, 1, 0) == 0;
}

bool rtp_send_peer_window_closed(const struct rtp_send *s)
{
        if (s->il)
                return rtsp_interleave_peer_window_closed(s->il);
        return s->tcp && tcp_peer_window_closed(s->fd);
}

/* Keep a copy of packets that the kernel took, for NACKs. */
static void history_record(struct rtp_send *s, const uint8_t *packets, size_t n, size_t packet_size)
{
        if (!s->rtx_tags || packet_size < 12 || packet_size > RTP_SEND_RTX_PACKET_MAX)
                return;
        for (size_t i = 0; i < n; i++) {
                const uint8_t *p = packets + i * packet_size;
                size_t slot = rtcp_rtx_history_record(&s->rtx, (uint16_t) (p[2] << 8 | p[3]));

                memcpy(s->rtx_buf + slot * RTP_SEND_RTX_PACKET_MAX, p, packet_size);
                s->rtx_len[slot] = (uint16_t) packet_size;
        }
}

int rtp_send_retransmit(struct rtp_send *s, const struct rtcp_nack *nacks, size_t n, uint32_t ssrc)
{
        size_t slots[RTP_SEND_RTX_MAX_PER_CALL], k, missing = 0;
        int sent = 0;

        if (!s || (n > 0 && !nacks))
                return -EINVAL;
        if (!s->rtx_tags)
                return -ENOTSUP;
        for (size_t i = 0; i < n; i++)
                if (nacks[i].media_ssrc == ssrc)
                        s->stats.rtx_requested += 1 + (uint64_t) __builtin_popcount(nacks[i].blp);
        k = rtcp_rtx_history_resolve(&s->rtx, nacks, n, ssrc, slots, sizeof(slots) / sizeof(slots[0]), &missing);
        s->stats.rtx_missing += missing;
        if (s->rtx_budget_bps > 0) {
                uint64_t t = now_nsec(), dt = MIN(t - s->rtx_refill_nsec, 1000000000ULL);

                if (s->rtx_refill_nsec == 0)
                        s->rtx_tokens = RTP_SEND_RTX_BURST_BYTES;
                else
                        s->rtx_tokens = MIN((uint64_t) RTP_SEND_RTX_BURST_BYTES,
                                            s->rtx_tokens + dt * s->rtx_budget_bps / 8 / 1000000000ULL);
                s->rtx_refill_nsec = t;
        }
        for (size_t i = 0; i < k; i++) {
                if (s->rtx_budget_bps > 0 && s->rtx_tokens < s->rtx_len[slots[i]]) {
                        s->stats.rtx_over_budget += k - i;
                        break;
                }
                ssize_t w = send(s->fd, s->rtx_buf + slots[i] * RTP_SEND_RTX_PACKET_MAX, s->rtx_len[slots[i]],
                                 MSG_DONTWAIT | MSG_NOSIGNAL);

                if (w < 0) {
                        if (errno == EAGAIN || errno == ENOBUFS)
                                break; /* the link is full: the rest would only add to the congestion */
                        if (errno == ECONNREFUSED || errno == EINTR)
                                continue;
                        return -errno;
                }
                if (s->rtx_budget_bps > 0)
                        s->rtx_tokens -= MIN(s->rtx_tokens, (uint64_t) w);
                s->stats.rtx_sent++;
                s->stats.packets++;
                s->stats.bytes += (uint64_t) w;
                sent++;
        }
        return sent;
}

static int drop_frame(struct rtp_send *s, size_t n_unsent)
{
        s->stats.frames_dropped++;
        s->stats.packets_dropped += n_unsent;
        s->need_idr = true;
        return RTP_SEND_DROPPED;
}

/* Wait up to stall_usec for the socket to take more (TCP). true when it can. */
static bool tcp_wait_writable(struct rtp_send *s)
{
        struct pollfd pfd = { .fd = s->fd, .events = POLLOUT };

        s->stats.stalls++;
        return poll(&pfd, 1, (int) ((s->stall_usec + 999) / 1000)) > 0;
}

/* The connection is up (0), still coming (-EINPROGRESS), or failed (-errno). */
static int tcp_check_connected(struct rtp_send *s)
{
        int err = 0;
        socklen_t len = sizeof(err);

        if (!s->tcp_connecting)
                return 0;
        if (!tcp_wait_writable(s))
                return -EINPROGRESS;
        if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
                return -errno;
        if (err)
                return -err;
        s->tcp_connecting = false;
        return 0;
}

/* Write the rest of a packet the kernel took in part. 0 when none is left, -EAGAIN, -errno. */
static int tcp_flush_pending(struct rtp_send *s)
{
        while (s->tcp_pending_len > 0) {
                ssize_t w = send(s->fd, s->tcp_pending, s->tcp_pending_len, MSG_DONTWAIT | MSG_NOSIGNAL);

                if (w < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno != EAGAIN)
                                return -errno;
                        if (!tcp_wait_writable(s))
                                return -EAGAIN;
                        continue;
                }
                memmove(s->tcp_pending, s->tcp_pending + w, s->tcp_pending_len - (size_t) w);
                s->tcp_pending_len -= (size_t) w;
        }
        return 0;
}

/* RFC 4571 framing: [length(16)] packet, for a burst of packets. Returns packets sent whole, or -errno. */
static int tcp_send_burst(struct rtp_send *s, const uint8_t *packets, size_t n, size_t packet_size)
{
        struct iovec iov[2 * RTP_SEND_MAX_BURST];
        uint8_t hdr[2] = { (uint8_t) (packet_size >> 8), (uint8_t) packet_size };
        size_t total = n * (packet_size + 2), done;
        ssize_t w;
        int r;

        for (size_t j = 0; j < n; j++) {
                iov[2 * j] = (struct iovec) { hdr, 2 };
                iov[2 * j + 1] = (struct iovec) { (void *) (packets + j * packet_size), packet_size };
        }
        for (;;) {
                w = sendmsg(s->fd, &(struct msghdr) { .msg_iov = iov, .msg_iovlen = 2 * n }, MSG_DONTWAIT | MSG_NOSIGNAL);
                if (w >= 0 || errno != EINTR)
                        break;
        }
        if (w < 0)
                return errno == EAGAIN ? 0 : -errno;
        done = (size_t) w / (packet_size + 2);
        if ((size_t) w < total && (size_t) w % (packet_size + 2) != 0) {
                /* keep the rest of the packet cut in the middle, and try to finish it now */
                size_t off = (size_t) w % (packet_size + 2);

                memcpy(s->tcp_pending, hdr, 2);
                memcpy(s->tcp_pending + 2, packets + done * packet_size, packet_size);
                memmove(s->tcp_pending, s->tcp_pending + off, packet_size + 2 - off);
                s->tcp_pending_len = packet_size + 2 - off;
                r = tcp_flush_pending(s);
                if (r < 0 && r != -EAGAIN)
                        return r;
                done++; /* it is the kernel's now, or will be before anything else */
        }
        return (int) done;
}

static int drop_frame(struct rtp_send *s, size_t n_unsent);

/* rtp_send_frame() for TCP: the same drop policy, with the framing kept whole. */
static int tcp_send_frame(struct rtp_send *s, const uint8_t *packets, size_t n, size_t packet_size,
                          enum rtp_send_kind kind)
{
        size_t i = 0;
        int queued = 0, r;

        if (packet_size > 65535)
                return -EINVAL;
        r = tcp_check_connected(s);
        if (r == -EINPROGRESS)
                return drop_frame(s, n);
        if (r < 0)
                return r;
        r = tcp_flush_pending(s);
        if (r == -EAGAIN)
                return drop_frame(s, n);
        if (r < 0)
                return r;
        if (ioctl(s->fd, SIOCOUTQ, &queued) == 0 && (unsigned) queued > s->max_queued_bytes)
                return drop_frame(s, n);
        while (i < n) {
                size_t burst = MIN(n - i, (size_t) s->burst_packets);
                uint64_t t = now_nsec();
                int k;

                if (s->pace_bps > 0 && s->pace_next_nsec > t) {
                        sleep_until_nsec(s->pace_next_nsec);
                        s->stats.pace_usec += (s->pace_next_nsec - t) / 1000;
                        t = s->pace_next_nsec;
                }
                k = tcp_send_burst(s, packets + i * packet_size, burst, packet_size);
                if (k < 0)
                        return k;
                if (k == 0) {
                        if (!tcp_wait_writable(s))
                                return drop_frame(s, n - i);
                        continue;
                }
                s->stats.packets += (uint64_t) k;
                s->stats.bytes += (uint64_t) k * packet_size;
                if (s->pace_bps > 0)
                        s->pace_next_nsec = MAX(s->pace_next_nsec, t) +
                                            (uint64_t) k * (packet_size + 2) * 8 * 1000000000ULL / s->pace_bps;
                i += (size_t) k;
                if (s->tcp_pending_len > 0 && i < n)
                        return drop_frame(s, n - i); /* the link is full: the rest of the frame waits no longer */
        }
        s->stats.frames_sent++;
        if (kind == RTP_SEND_KIND_IDR)
                s->need_idr = false;
        return RTP_SEND_OK;
}

/* rtp_send_frame() interleaved in the RTSP connection: the TCP policy, the framing kept by rtsp_interleave. */
static int il_send_frame(struct rtp_send *s, const uint8_t *packets, size_t n, size_t packet_size,
                         enum rtp_send_kind kind)
{
        size_t i = 0;
        int queued;

        if (packet_size > 65535)
                return -EINVAL;
        queued = rtsp_interleave_get_queued_bytes(s->il);
        if (queued > 0 && (unsigned) queued > s->max_queued_bytes)
                return drop_frame(s, n);
        while (i < n) {
                size_t burst = MIN(n - i, (size_t) s->burst_packets);
                uint64_t t = now_nsec();
                bool cut = false;
                int k;

                if (s->pace_bps > 0 && s->pace_next_nsec > t) {
                        sleep_until_nsec(s->pace_next_nsec);
                        s->stats.pace_usec += (s->pace_next_nsec - t) / 1000;
                        t = s->pace_next_nsec;
                }
                k = rtsp_interleave_send(s->il, s->il_channel, packets + i * packet_size, burst, packet_size, &cut);
                if (k < 0)
                        return k;
                if (k == 0) {
                        s->stats.stalls++;
                        if (!rtsp_interleave_wait_writable(s->il, s->stall_usec))
                                return drop_frame(s, n - i);
                        continue;
                }
                s->stats.packets += (uint64_t) k;
                s->stats.bytes += (uint64_t) k * packet_size;
                if (s->pace_bps > 0)
                        s->pace_next_nsec = MAX(s->pace_next_nsec, t) +
                                            (uint64_t) k * (packet_size + 4) * 8 * 1000000000ULL / s->pace_bps;
                i += (size_t) k;
                if (cut && i < n)
                        return drop_frame(s, n - i); /* the link is full: the rest of the frame waits no longer */
        }
        s->stats.frames_sent++;
        if (kind == RTP_SEND_KIND_IDR)
                s->need_idr = false;
        return RTP_SEND_OK;
}

int rtp_send_frame(struct rtp_send *s, const uint8_t *packets, size_t n, size_t packet_size,
                   enum rtp_send_kind kind)
{
        struct mmsghdr msgs[RTP_SEND_MAX_BURST];
        struct iovec iov[RTP_SEND_MAX_BURST];
        size_t i = 0;
        int queued = 0;

        if (!s || (n > 0 && !packets) || packet_size == 0 || packet_size > 65507 || kind < 0 ||
            kind >= _RTP_SEND_KIND_MAX)
                return -EINVAL;
        if (n == 0)
                return RTP_SEND_OK;

        if (kind == RTP_SEND_KIND_DELTA && s->need_idr) {
                s->stats.frames_dropped++;
                s->stats.packets_dropped += n;
                return RTP_SEND_NEED_IDR;
        }
        if (s->il)
                return il_send_frame(s, packets, n, packet_size, kind);
        if (s->tcp)
                return tcp_send_frame(s, packets, n, packet_size, kind);
        /* The socket buffer is the queue: when it is already this full, the link is
         * behind; sending more would only add latency. */
        if (ioctl(s->fd, SIOCOUTQ, &queued) == 0 && (unsigned) queued > s->max_queued_bytes)
                return drop_frame(s, n);

        while (i < n) {
                size_t burst = n - i < s->burst_packets ? n - i : s->burst_packets;
                uint64_t t = now_nsec();
                int k;

                /* The pacer's clock carries over from one frame to the next, so many small frames
                 * sent back to back (audio, PCR) are paced like one big one. */
                if (s->pace_bps > 0 && s->pace_next_nsec > t) {
                        sleep_until_nsec(s->pace_next_nsec);
                        s->stats.pace_usec += (s->pace_next_nsec - t) / 1000;
                        t = s->pace_next_nsec;
                }
                for (size_t j = 0; j < burst; j++) {
                        iov[j] = (struct iovec) { (void *) (packets + (i + j) * packet_size), packet_size };
                        msgs[j] = (struct mmsghdr) { .msg_hdr = { .msg_iov = &iov[j], .msg_iovlen = 1 } };
                }
                k = sendmmsg(s->fd, msgs, (unsigned) burst, 0);
                if (k < 0) {
                        struct pollfd pfd = { .fd = s->fd, .events = POLLOUT };

                        switch (errno) {
                        case EINTR:
                                continue;
                        case EAGAIN:
                                s->stats.stalls++;
                                if (poll(&pfd, 1, (int) ((s->stall_usec + 999) / 1000)) > 0)
                                        continue;
                                return drop_frame(s, n - i);
                        case ECONNREFUSED:
                        case ENOBUFS:
                        case EHOSTUNREACH:
                        case ENETUNREACH:
                        case EMSGSIZE:
                                /* The datagram is lost, the socket is fine: skip it. A refused port
                                 * is the sink not listening yet (ICMP from an earlier packet). */
                                s->stats.send_errors++;
                                i++;
                                continue;
                        default:
                                return -errno;
                        }
                }
                history_record(s, packets + i * packet_size, (size_t) k, packet_size);
                s->stats.packets += (uint64_t) k;
                s->stats.bytes += (uint64_t) k * packet_size;
                if (s->pace_bps > 0)
                        s->pace_next_nsec = MAX(s->pace_next_nsec, t) +
                                            (uint64_t) k * packet_size * 8 * 1000000000ULL / s->pace_bps;
                i += (size_t) k;
        }
        s->stats.frames_sent++;
        if (kind == RTP_SEND_KIND_IDR)
                s->need_idr = false;
        return RTP_SEND_OK;
}
