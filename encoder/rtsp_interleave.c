/* SPDX-License-Identifier: GPL-2.0-or-later */
/* RTP interleaved in the RTSP connection (see rtsp_interleave.h). */
#include <errno.h>
#include <linux/sockios.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "../protocol/macro.h"
#include "rtsp_interleave.h"
#include "tcp_window.h"

/* Packets per sendmsg(); the sender's bursts are smaller. */
#define RTSP_INTERLEAVE_MAX_BURST 64
/* Frames from the sink waiting for the media thread (it reads every 10 ms). */
#define RTSP_INTERLEAVE_RX_BUFFER (64u * 1024)

struct rtsp_interleave {
        pthread_mutex_t lock;       /* guards everything below but rx */
        int fd;                     /* borrowed: the RTSP connection */
        uint8_t *control;           /* owned: RTSP bytes not yet written, whole messages */
        size_t control_len;
        uint8_t cut[4 + 65535];     /* the unsent rest of a packet the kernel took only in part */
        size_t cut_len;
        struct rtsp_interleave_stats stats;
        int rx[2];                  /* owned: [0] the session writes frames, [1] the media thread reads */
};

int rtsp_interleave_new(int fd, struct rtsp_interleave **ret)
{
        _cleanup_(rtsp_interleave_freep) struct rtsp_interleave *il = NULL;
        int sz = RTSP_INTERLEAVE_RX_BUFFER;

        if (fd < 0 || !ret)
                return -EINVAL;
        il = calloc(1, sizeof(*il));
        if (!il)
                return -ENOMEM;
        il->rx[0] = il->rx[1] = -1;
        il->fd = fd;
        if (pthread_mutex_init(&il->lock, NULL) != 0) {
                free(steal_ptr(il));
                return -ENOMEM;
        }
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, il->rx) < 0)
                return -errno;
        (void) setsockopt(il->rx[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
        *ret = steal_ptr(il);
        return 0;
}

struct rtsp_interleave *rtsp_interleave_free(struct rtsp_interleave *il)
{
        if (!il)
                return NULL;
        il->rx[0] = safe_close(il->rx[0]);
        il->rx[1] = safe_close(il->rx[1]);
        pthread_mutex_destroy(&il->lock);
        free(il->control);
        free(il);
        return NULL;
}

/* Write n bytes at buf, without blocking. Returns bytes written (maybe 0) or -errno. */
static ssize_t write_some(int fd, const uint8_t *buf, size_t n)
{
        for (;;) {
                ssize_t w = send(fd, buf, n, MSG_DONTWAIT | MSG_NOSIGNAL);

                if (w >= 0)
                        return w;
                if (errno == EINTR)
                        continue;
                return errno == EAGAIN ? 0 : -errno;
        }
}

/* The cut packet first (it is in the middle of the stream), then RTSP. 1 when bytes still wait. */
static int flush_locked(struct rtsp_interleave *il)
{
        ssize_t w;

        while (il->cut_len > 0) {
                w = write_some(il->fd, il->cut, il->cut_len);
                if (w < 0)
                        return (int) w;
                if (w == 0)
                        return 1;
                memmove(il->cut, il->cut + w, il->cut_len - (size_t) w);
                il->cut_len -= (size_t) w;
        }
        while (il->control_len > 0) {
                w = write_some(il->fd, il->control, il->control_len);
                if (w < 0)
                        return (int) w;
                if (w == 0)
                        return 1;
                memmove(il->control, il->control + w, il->control_len - (size_t) w);
                il->control_len -= (size_t) w;
        }
        return 0;
}

int rtsp_interleave_queue(struct rtsp_interleave *il, const void *data, size_t len)
{
        uint8_t *n;
        int r;

        if (!il || (len > 0 && !data))
                return -EINVAL;
        pthread_mutex_lock(&il->lock);
        if (il->control_len + len > RTSP_INTERLEAVE_MAX_CONTROL) {
                r = -ENOBUFS;
                goto out;
        }
        n = realloc(il->control, il->control_len + len + 1);
        if (!n) {
                r = -ENOMEM;
                goto out;
        }
        memcpy(n + il->control_len, data, len);
        il->control = n;
        il->control_len += len;
        r = flush_locked(il);
out:
        pthread_mutex_unlock(&il->lock);
        return r;
}

int rtsp_interleave_flush(struct rtsp_interleave *il)
{
        int r;

        if (!il)
                return -EINVAL;
        pthread_mutex_lock(&il->lock);
        r = flush_locked(il);
        pthread_mutex_unlock(&il->lock);
        return r;
}

int rtsp_interleave_send(struct rtsp_interleave *il, uint8_t channel, const uint8_t *packets, size_t n,
                         size_t packet_size, bool *ret_cut)
{
        struct iovec iov[2 * RTSP_INTERLEAVE_MAX_BURST];
        uint8_t hdr[4] = { '$', channel, (uint8_t) (packet_size >> 8), (uint8_t) packet_size };
        size_t frame = packet_size + 4, done;
        ssize_t w;
        int r;

        if (!il || (n > 0 && !packets) || packet_size == 0 || packet_size > 65535)
                return -EINVAL;
        if (ret_cut)
                *ret_cut = false;
        n = MIN(n, (size_t) RTSP_INTERLEAVE_MAX_BURST);
        if (n == 0)
                return 0;
        for (size_t j = 0; j < n; j++) {
                iov[2 * j] = (struct iovec) { hdr, 4 };
                iov[2 * j + 1] = (struct iovec) { (void *) (packets + j * packet_size), packet_size };
        }

        pthread_mutex_lock(&il->lock);
        r = flush_locked(il);
        if (r != 0) {
                /* RTSP first, and never into the middle of a cut packet */
                if (r > 0)
                        il->stats.busy++;
                r = r > 0 ? 0 : r;
                goto out;
        }
        for (;;) {
                w = sendmsg(il->fd, &(struct msghdr) { .msg_iov = iov, .msg_iovlen = 2 * n },
                            MSG_DONTWAIT | MSG_NOSIGNAL);
                if (w >= 0 || errno != EINTR)
                        break;
        }
        if (w < 0) {
                r = errno == EAGAIN ? 0 : -errno;
                goto out;
        }
        done = (size_t) w / frame;
        if ((size_t) w < n * frame && (size_t) w % frame != 0) {
                /* keep the rest of the packet cut in the middle; it goes before anything else */
                size_t off = (size_t) w % frame;

                memcpy(il->cut, hdr, 4);
                memcpy(il->cut + 4, packets + done * packet_size, packet_size);
                memmove(il->cut, il->cut + off, frame - off);
                il->cut_len = frame - off;
                r = flush_locked(il);
                if (r < 0)
                        goto out;
                if (ret_cut)
                        *ret_cut = il->cut_len > 0;
                done++;
        }
        il->stats.packets += done;
        r = (int) done;
out:
        pthread_mutex_unlock(&il->lock);
        return r;
}

bool rtsp_interleave_wait_writable(struct rtsp_interleave *il, unsigned timeout_usec)
{
        struct pollfd pfd = { .fd = il->fd, .events = POLLOUT };

        /* not under the lock: the session must be able to queue RTSP meanwhile */
        return poll(&pfd, 1, (int) ((timeout_usec + 999) / 1000)) > 0;
}

int rtsp_interleave_get_queued_bytes(struct rtsp_interleave *il)
{
        int queued = 0;

        if (ioctl(il->fd, SIOCOUTQ, &queued) < 0)
                return -errno;
        pthread_mutex_lock(&il->lock);
        queued += (int) (il->cut_len + il->control_len);
        pthread_mutex_unlock(&il->lock);
        return queued;
}

int rtsp_interleave_deliver(struct rtsp_interleave *il, const void *data, size_t len)
{
        if (!il || (len > 0 && !data))
                return -EINVAL;
        if (send(il->rx[0], data, len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
                pthread_mutex_lock(&il->lock);
                il->stats.frames_in_dropped++;
                pthread_mutex_unlock(&il->lock);
                return -ENOBUFS;
        }
        pthread_mutex_lock(&il->lock);
        il->stats.frames_in++;
        pthread_mutex_unlock(&il->lock);
        return 0;
}

ssize_t rtsp_interleave_receive(struct rtsp_interleave *il, void *buf, size_t size)
{
        ssize_t n;

        if (!il || !buf)
                return -EINVAL;
        n = recv(il->rx[1], buf, size, MSG_DONTWAIT | MSG_TRUNC);
        if (n < 0)
                return errno == EINTR ? -EAGAIN : -errno;
        if ((size_t) n > size)
                return -EMSGSIZE;
        return n;
}

void rtsp_interleave_get_stats(struct rtsp_interleave *il, struct rtsp_interleave_stats *ret)
{
        pthread_mutex_lock(&il->lock);
        *ret = il->stats;
        pthread_mutex_unlock(&il->lock);
}

bool rtsp_interleave_peer_window_closed(struct rtsp_interleave *il)
{
        return tcp_peer_window_closed(il->fd); /* fd is fixed for il's life: no lock */
}
