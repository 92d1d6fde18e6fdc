/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Loopback RTP/MP2T receiver decoding with FFmpeg. See rtp-receive.h. */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

#include "rtp-receive.h"

struct rtp_receive {
        int fd;        /* the port the sender sends to */
        int relay_fd;  /* sends to 127.0.0.1:ffmpeg_port */
        uint16_t port, ffmpeg_port;
        char sdp_path[64];

        AVFormatContext *fmt;
        pthread_t relay_thread, decode_thread;
        bool relay_started, decode_started;

        atomic_bool stop_relay;
        atomic_bool stop_decode;
        atomic_llong last_rx_usec;   /* relay: last datagram */
        atomic_llong last_read_usec; /* decoder: last packet from libavformat */

        struct rtp_receive_result *res; /* owned until finish */
};

static long long now_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int bind_udp(uint16_t port, uint16_t *ret_port)
{
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
                                  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t sl = sizeof(sa);
        int fd, rcvbuf = 4 << 20;

        fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        (void) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
        if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 || getsockname(fd, (struct sockaddr *) &sa, &sl) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        if (ret_port)
                *ret_port = ntohs(sa.sin_port);
        return fd;
}

/* An even port whose odd neighbour (RTCP) is free too, for FFmpeg to bind. */
static int pick_rtp_port(uint16_t *ret)
{
        /* Other test processes may be picking at the same time: seed per process and call. */
        unsigned seed = (unsigned) getpid() * 2654435761u ^ (unsigned) now_usec();

        for (int i = 0; i < 200; i++) {
                uint16_t p = (uint16_t) (20000 + 2 * (rand_r(&seed) % 20000));
                int a, b;

                a = bind_udp(p, NULL);
                if (a < 0)
                        continue;
                b = bind_udp(p + 1, NULL);
                close(a);
                if (b < 0)
                        continue;
                close(b);
                *ret = p;
                return 0;
        }
        return -EADDRINUSE;
}

static void *relay_main(void *userdata)
{
        struct rtp_receive *r = userdata;
        struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(r->ffmpeg_port),
                                  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        static __thread uint8_t buf[65536];

        while (!atomic_load(&r->stop_relay)) {
                struct pollfd pfd = { .fd = r->fd, .events = POLLIN };
                ssize_t n;

                if (poll(&pfd, 1, 20) <= 0)
                        continue;
                n = recv(r->fd, buf, sizeof(buf), MSG_DONTWAIT);
                if (n < 0)
                        continue;
                atomic_store(&r->last_rx_usec, now_usec());
                r->res->packets++;
                r->res->bytes += (uint64_t) n;
                (void) ts_check_rtp(&r->res->check, buf, (size_t) n);
                /* FFmpeg reads slower than loopback can deliver a burst: wait rather than lose. */
                while (sendto(r->relay_fd, buf, (size_t) n, 0, (struct sockaddr *) &to, sizeof(to)) < 0 &&
                       (errno == EAGAIN || errno == ENOBUFS || errno == EINTR))
                        usleep(100);
        }
        return NULL;
}

static int decode_interrupt(void *userdata)
{
        struct rtp_receive *r = userdata;

        /* Stop once told to and libavformat has had nothing new for 300 ms. */
        return atomic_load(&r->stop_decode) && now_usec() - atomic_load(&r->last_read_usec) > 300000;
}

static void count_frame(struct rtp_receive *r, const AVFrame *f)
{
        struct rtp_receive_result *res = r->res;

        res->width = f->width;
        res->height = f->height;
        if (res->n_sizes == 0 || res->sizes[res->n_sizes - 1].width != f->width ||
            res->sizes[res->n_sizes - 1].height != f->height) {
                if (res->n_sizes < sizeof(res->sizes) / sizeof(res->sizes[0])) {
                        res->sizes[res->n_sizes].width = f->width;
                        res->sizes[res->n_sizes].height = f->height;
                        res->sizes[res->n_sizes].first_key = f->key_frame;
                        res->n_sizes++;
                }
        }
        res->sizes[res->n_sizes - 1].frames++;
        if (f->key_frame)
                res->keyframes++;
        if (res->n_pts < RTP_RECEIVE_MAX_FRAMES)
                res->pts[res->n_pts++] = f->pts;
        res->frames++;
}

static void decode_drain(struct rtp_receive *r, AVCodecContext *dec, AVFrame *frame)
{
        for (;;) {
                int ret = avcodec_receive_frame(dec, frame);

                if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF)
                        return;
                if (ret < 0) {
                        r->res->decode_errors++;
                        return;
                }
                count_frame(r, frame);
                av_frame_unref(frame);
        }
}

static void *decode_main(void *userdata)
{
        struct rtp_receive *r = userdata;
        AVCodecContext *dec = NULL;
        AVFrame *frame = av_frame_alloc();
        AVPacket *pkt = av_packet_alloc();
        int video = -1;

        if (!frame || !pkt)
                goto out;

        /* No avformat_find_stream_info(): it would swallow the first packets.
         * MP2T over RTP adds its streams as the PMT arrives; open the decoder
         * when the video stream shows up. */
        for (;;) {
                int ret = av_read_frame(r->fmt, pkt);

                if (ret < 0)
                        break;
                atomic_store(&r->last_read_usec, now_usec());
                if (video < 0 && r->fmt->streams[pkt->stream_index]->codecpar->codec_type == AVMEDIA_TYPE_VIDEO) {
                        AVStream *st = r->fmt->streams[pkt->stream_index];
                        const AVCodec *codec = avcodec_find_decoder(st->codecpar->codec_id);

                        if (codec) {
                                dec = avcodec_alloc_context3(codec);
                                if (dec && avcodec_parameters_to_context(dec, st->codecpar) >= 0 &&
                                    avcodec_open2(dec, codec, NULL) >= 0) {
                                        video = pkt->stream_index;
                                        snprintf(r->res->codec, sizeof(r->res->codec), "%s", codec->name);
                                        dec->pkt_timebase = st->time_base;
                                } else
                                        avcodec_free_context(&dec);
                        }
                }
                if (pkt->stream_index == video) {
                        /* The RTP demuxer rebases timestamps; undo nothing: the TS PTS are in the
                         * 90 kHz stream time base, and pts_wrap handling keeps them as sent. */
                        if (avcodec_send_packet(dec, pkt) < 0)
                                r->res->decode_errors++;
                        decode_drain(r, dec, frame);
                }
                av_packet_unref(pkt);
        }
        if (dec) {
                (void) avcodec_send_packet(dec, NULL);
                decode_drain(r, dec, frame);
        }
out:
        avcodec_free_context(&dec);
        av_packet_free(&pkt);
        av_frame_free(&frame);
        return NULL;
}

static void receive_free(struct rtp_receive *r)
{
        if (!r)
                return;
        atomic_store(&r->stop_relay, true);
        atomic_store(&r->stop_decode, true);
        atomic_store(&r->last_read_usec, 0);
        if (r->relay_started)
                pthread_join(r->relay_thread, NULL);
        if (r->decode_started)
                pthread_join(r->decode_thread, NULL);
        avformat_close_input(&r->fmt);
        if (r->fd >= 0)
                close(r->fd);
        if (r->relay_fd >= 0)
                close(r->relay_fd);
        if (r->sdp_path[0])
                unlink(r->sdp_path);
        if (r->res)
                ts_check_clear(&r->res->check);
        free(r->res);
        free(r);
}

static int open_ffmpeg(struct rtp_receive *r)
{
        AVDictionary *opts = NULL;
        FILE *f;
        int fd, q;

        q = pick_rtp_port(&r->ffmpeg_port);
        if (q < 0)
                return q;
        if (r->sdp_path[0])
                unlink(r->sdp_path);
        snprintf(r->sdp_path, sizeof(r->sdp_path), "/tmp/miracast-rtp-XXXXXX.sdp");
        fd = mkstemps(r->sdp_path, 4);
        if (fd < 0) {
                r->sdp_path[0] = 0;
                return -errno;
        }
        f = fdopen(fd, "w");
        if (!f) {
                q = -errno;
                close(fd);
                return q;
        }
        fprintf(f, "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=miracastd test\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                   "m=video %u RTP/AVP 33\r\na=rtpmap:33 MP2T/90000\r\n",
                r->ffmpeg_port);
        fclose(f);

        r->fmt = avformat_alloc_context();
        if (!r->fmt)
                return -ENOMEM;
        r->fmt->interrupt_callback = (AVIOInterruptCB) { decode_interrupt, r };
        av_dict_set(&opts, "protocol_whitelist", "file,udp,rtp", 0);
        av_dict_set(&opts, "buffer_size", "4194304", 0);
        av_dict_set(&opts, "reorder_queue_size", "0", 0);
        /* Opening the SDP binds FFmpeg's socket, so the relay cannot lose the first packets. */
        q = avformat_open_input(&r->fmt, r->sdp_path, av_find_input_format("sdp"), &opts);
        av_dict_free(&opts);
        if (q < 0) {
                /* avformat_open_input() freed the context on failure. */
                fprintf(stderr, "rtp-receive: opening %s (port %u): %s\n", r->sdp_path, r->ffmpeg_port,
                        av_err2str(q));
                return q == AVERROR(EADDRINUSE) ? -EADDRINUSE : -EIO;
        }
        return 0;
}

int rtp_receive_start(uint16_t port, bool strict_seven, struct rtp_receive **ret)
{
        struct rtp_receive *r;
        int q;

        r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        r->fd = r->relay_fd = -1;
        r->res = calloc(1, sizeof(*r->res));
        if (!r->res) {
                receive_free(r);
                return -ENOMEM;
        }
        ts_check_init(&r->res->check);
        r->res->check.strict_seven = strict_seven;

        q = bind_udp(port, &r->port);
        if (q < 0)
                goto fail;
        r->fd = q;
        r->relay_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (r->relay_fd < 0) {
                q = -errno;
                goto fail;
        }
        /* The port FFmpeg binds was free a moment ago; another process may take it
         * in between, so try a few. */
        for (int attempt = 0;; attempt++) {
                q = open_ffmpeg(r);
                if (q != -EADDRINUSE || attempt == 4)
                        break;
        }
        if (q < 0)
                goto fail;

        atomic_store(&r->last_read_usec, now_usec());
        if (pthread_create(&r->decode_thread, NULL, decode_main, r) != 0) {
                q = -EAGAIN;
                goto fail;
        }
        r->decode_started = true;
        if (pthread_create(&r->relay_thread, NULL, relay_main, r) != 0) {
                q = -EAGAIN;
                goto fail;
        }
        r->relay_started = true;
        *ret = r;
        return 0;
fail:
        receive_free(r);
        return q;
}

void rtp_receive_set_no_timing(struct rtp_receive *r, bool b)
{
        r->res->check.no_timing = b;
}

uint16_t rtp_receive_get_port(const struct rtp_receive *r)
{
        return r->port;
}

int rtp_receive_finish(struct rtp_receive *r, unsigned idle_ms, struct rtp_receive_result *ret)
{
        long long start = now_usec(), idle = (long long) idle_ms * 1000;

        for (;;) {
                long long last = atomic_load(&r->last_rx_usec), now = now_usec();

                if (last != 0 && now - last > idle)
                        break;
                if (last == 0 && now - start > 10 * idle)
                        break;
                usleep(10000);
        }
        atomic_store(&r->stop_relay, true);
        pthread_join(r->relay_thread, NULL);
        r->relay_started = false;
        atomic_store(&r->stop_decode, true);
        pthread_join(r->decode_thread, NULL);
        r->decode_started = false;

        (void) ts_check_finish(&r->res->check);
        ts_check_clear(&r->res->check);
        r->res->check.on_pes = NULL;
        memcpy(ret, r->res, sizeof(*ret));
        receive_free(r);
        return 0;
}
