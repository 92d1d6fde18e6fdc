/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Access units -> MPEG-TS -> RTP -> UDP, for one session.
 *
 * Interim transport until protocol/ts_mux.h + protocol/rtp.h +
 * encoder/rtp_send.h (issue #2 item 3, the ts-rtp engineer) land: FFmpeg's
 * "mpegts" muxer, configured for the Wi-Fi Display layout it can express
 * (PMT on PID 0x0100, H.264 on PID 0x1011 with PCR on the video PID, which
 * wfd-protocol.md §8.2 allows, PAT/PMT every 100 ms), writing into a custom
 * AVIOContext whose buffer holds exactly 7 TS packets: every flush becomes one
 * RTP packet (version 2, payload type 33, 90 kHz timestamp, random SSRC and
 * initial sequence) sent on our own non-blocking UDP socket. The muxer
 * flushes after each access unit, so a frame's last TS packets leave with
 * the frame (a short RTP packet) instead of waiting for the next frame, which
 * FFmpeg's rtp_mpegts muxer would do. We know the local port, count packets
 * and bytes, and drop instead of blocking when the kernel's buffer is full.
 *
 * The interface (media_output.h) is what the TS/RTP writers will implement.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <libavformat/avformat.h>
#include <libavutil/dict.h>
#include <libavutil/opt.h>

#include "../protocol/macro.h"
#include "media_output.h"

#define TS_PACKET 188
#define TS_PER_RTP 7
#define RTP_HEADER 12

struct media_output {
        int fd;                 /* owned: connected UDP socket */
        uint16_t local_port;
        AVFormatContext *oc;    /* owned: mpegts muxer */
        AVIOContext *pb;        /* owned: hands up to 7 TS packets at a time to media_output_write() */
        AVPacket *pkt;
        bool header_written;
        unsigned width, height;
        int64_t first_pts;      /* the muxer wants non-negative, increasing timestamps */
        uint16_t seq;           /* RTP sequence number of the next packet */
        uint32_t ssrc;
        uint32_t timestamp;     /* RTP timestamp (90 kHz) of the access unit being sent */
        struct media_output_stats stats;
};

/* Up to 7 TS packets from the muxer: put an RTP header in front and send them. */
static int media_output_write(void *opaque, uint8_t *buf, int size)
{
        struct media_output *o = opaque;
        uint8_t hdr[RTP_HEADER] = {
                0x80, 33, (uint8_t) (o->seq >> 8), (uint8_t) o->seq,
                (uint8_t) (o->timestamp >> 24), (uint8_t) (o->timestamp >> 16), (uint8_t) (o->timestamp >> 8),
                (uint8_t) o->timestamp,
                (uint8_t) (o->ssrc >> 24), (uint8_t) (o->ssrc >> 16), (uint8_t) (o->ssrc >> 8), (uint8_t) o->ssrc,
        };
        struct iovec iov[2] = { { hdr, sizeof(hdr) }, { buf, (size_t) size } };
        struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };
        ssize_t n;

        if (size <= 0)
                return 0;
        o->seq++;
        n = sendmsg(o->fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n < 0) {
                /* A full socket buffer or a sink that is not listening (ICMP): drop, keep going. */
                o->stats.send_errors++;
                return size;
        }
        o->stats.rtp_packets++;
        o->stats.bytes_sent += (uint64_t) n;
        return size;
}

struct media_output *media_output_free(struct media_output *o)
{
        if (!o)
                return NULL;
        if (o->oc) {
                if (o->header_written)
                        (void) av_write_trailer(o->oc);
                avformat_free_context(o->oc);
        }
        if (o->pb) {
                av_freep(&o->pb->buffer);
                avio_context_free(&o->pb);
        }
        av_packet_free(&o->pkt);
        o->fd = safe_close(o->fd);
        free(o);
        return NULL;
}

DEFINE_CLEANUP(struct media_output *, media_output_free);

static int media_output_open_socket(struct media_output *o, const char *address, uint16_t port,
                                    uint16_t local_port)
{
        struct sockaddr_storage ss = {}, local = {};
        socklen_t len, local_len = sizeof(local);
        int family, sndbuf = 1 << 20;

        if (inet_pton(AF_INET, address, &((struct sockaddr_in *) &ss)->sin_addr) == 1) {
                struct sockaddr_in *sin = (struct sockaddr_in *) &ss;

                family = AF_INET;
                sin->sin_family = AF_INET;
                sin->sin_port = htons(port);
                len = sizeof(*sin);
                ((struct sockaddr_in *) &local)->sin_family = AF_INET;
                ((struct sockaddr_in *) &local)->sin_port = htons(local_port);
        } else if (inet_pton(AF_INET6, address, &((struct sockaddr_in6 *) &ss)->sin6_addr) == 1) {
                struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) &ss;

                family = AF_INET6;
                sin6->sin6_family = AF_INET6;
                sin6->sin6_port = htons(port);
                len = sizeof(*sin6);
                ((struct sockaddr_in6 *) &local)->sin6_family = AF_INET6;
                ((struct sockaddr_in6 *) &local)->sin6_port = htons(local_port);
        } else
                return -EINVAL;

        o->fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (o->fd < 0)
                return -errno;
        /* An IDR at 1080p is ~150 packets: let the kernel hold a burst. */
        (void) setsockopt(o->fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
        if (bind(o->fd, (struct sockaddr *) &local, len) < 0)
                return -errno;
        if (connect(o->fd, (struct sockaddr *) &ss, len) < 0)
                return -errno;
        if (getsockname(o->fd, (struct sockaddr *) &local, &local_len) < 0)
                return -errno;
        o->local_port = ntohs(family == AF_INET ? ((struct sockaddr_in *) &local)->sin_port
                                                : ((struct sockaddr_in6 *) &local)->sin6_port);
        return 0;
}

int media_output_new(const struct media_output_config *cfg, struct media_output **ret)
{
        _cleanup_(media_output_freep) struct media_output *o = NULL;
        uint8_t *buf;
        uint32_t rnd[2];
        int r;

        if (!cfg || !cfg->dest_address || cfg->dest_port == 0 || !ret)
                return -EINVAL;
        o = calloc(1, sizeof(*o));
        if (!o)
                return -ENOMEM;
        o->fd = -1;
        o->first_pts = AV_NOPTS_VALUE;
        o->width = cfg->width;
        o->height = cfg->height;
        /* RFC 3550: random SSRC and initial sequence number */
        if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
                return -errno;
        o->ssrc = rnd[0];
        o->seq = (uint16_t) rnd[1];

        r = media_output_open_socket(o, cfg->dest_address, cfg->dest_port, cfg->local_port);
        if (r < 0)
                return r;

        o->pkt = av_packet_alloc();
        buf = av_malloc(TS_PACKET * TS_PER_RTP);
        if (!o->pkt || !buf) {
                av_free(buf);
                return -ENOMEM;
        }
        /* A full buffer (7 TS packets) is flushed as one RTP packet. */
        o->pb = avio_alloc_context(buf, TS_PACKET * TS_PER_RTP, 1, o, NULL, media_output_write, NULL);
        if (!o->pb) {
                av_free(buf);
                return -ENOMEM;
        }

        r = avformat_alloc_output_context2(&o->oc, NULL, "mpegts", NULL);
        if (r < 0 || !o->oc)
                return -ENOMEM;
        o->oc->pb = o->pb;
        o->oc->flags |= AVFMT_FLAG_CUSTOM_IO | AVFMT_FLAG_FLUSH_PACKETS;
        *ret = steal_ptr(o);
        return 0;
}

/* The stream's parameters are known from the first access unit's size only; the header waits for it. */
static int media_output_write_header(struct media_output *o)
{
        AVDictionary *ts = NULL;
        AVStream *st;
        int r;

        st = avformat_new_stream(o->oc, NULL);
        if (!st)
                return -ENOMEM;
        st->codecpar->codec_type = AVMEDIA_TYPE_VIDEO;
        st->codecpar->codec_id = AV_CODEC_ID_H264;
        st->codecpar->width = o->width;
        st->codecpar->height = o->height;
        st->time_base = (AVRational) { 1, 90000 };

        /* §8.2: PMT 0x0100, video 0x1011, PAT/PMT at least every 100 ms. */
        av_dict_set(&ts, "mpegts_pmt_start_pid", "256", 0);
        av_dict_set(&ts, "mpegts_start_pid", "4113", 0);
        av_dict_set(&ts, "pat_period", "0.1", 0);
        av_dict_set(&ts, "sdt_period", "1", 0);
        av_dict_set(&ts, "pcr_period", "40", 0);
        r = avformat_write_header(o->oc, &ts);
        av_dict_free(&ts);
        if (r < 0)
                return -EIO;
        o->header_written = true;
        return 0;
}

int media_output_video(struct media_output *o, const uint8_t *au, size_t size, int64_t pts_90khz, bool idr,
                       uint64_t now_usec)
{
        int r;

        if (!o || !au || size == 0 || size > INT32_MAX)
                return -EINVAL;
        if (!o->header_written) {
                r = media_output_write_header(o);
                if (r < 0)
                        return r;
        }
        if (o->first_pts == AV_NOPTS_VALUE)
                o->first_pts = pts_90khz;

        /* The muxer only reads the data: point the packet at it, no copy. */
        av_packet_unref(o->pkt);
        o->pkt->data = (uint8_t *) au;
        o->pkt->size = (int) size;
        o->pkt->stream_index = 0;
        o->pkt->pts = o->pkt->dts = av_rescale_q(pts_90khz - o->first_pts, (AVRational) { 1, 90000 },
                                                 o->oc->streams[0]->time_base);
        o->pkt->flags = idr ? AV_PKT_FLAG_KEY : 0;
        o->timestamp = (uint32_t) pts_90khz;
        /* With AVFMT_FLAG_FLUSH_PACKETS the muxer flushes pb at the end: the frame's tail leaves now. */
        r = av_write_frame(o->oc, o->pkt);
        o->pkt->data = NULL;
        o->pkt->size = 0;
        (void) now_usec;
        return r < 0 ? -EIO : 0;
}

int media_output_idle(struct media_output *o, uint64_t now_usec)
{
        /* FFmpeg's muxer writes PCR/PAT/PMT only with packets: the keep-alive frames carry them. */
        (void) o;
        (void) now_usec;
        return 0;
}

void media_output_set_bitrate(struct media_output *o, uint64_t bitrate_bps)
{
        (void) o;
        (void) bitrate_bps; /* no pacing in this transport */
}

uint16_t media_output_local_port(const struct media_output *o)
{
        return o ? o->local_port : 0;
}

void media_output_get_stats(const struct media_output *o, struct media_output_stats *ret)
{
        *ret = o->stats;
}
