/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `make bench` anchor runner. Two jobs:
 *
 *   bench-anchor dump WIDTH HEIGHT still|desktop|motion FRAMES FILE
 *       writes testsrc pictures 1..FRAMES (the very pictures our pipeline
 *       captures, encoder/capture_testsrc.c) as raw BGRA into FILE, the
 *       source clip the anchors read and the quality check compares against.
 *
 *   bench-anchor TOOL WIDTH HEIGHT FILE FRAMES fast|rt BITRATE_BPS [TS_OUT]
 *       runs an anchor tool on that clip, reading it from the file (which
 *       bench.sh has put in the page cache: the cheapest way to hand a tool
 *       raw frames), receives the RTP/MP2T it sends to loopback, writes the
 *       received MPEG-TS to TS_OUT for the quality check, and reports cost:
 *   ffmpeg     the ffmpeg CLI: rawvideo bgra -> libx264 ultrafast zerolatency
 *              -> rtp_mpegts
 *   gstreamer  gst-launch-1.0 with GNOME Network Displays' software settings:
 *              filesrc ! rawvideoparse ! videoconvert ! x264enc (ultrafast,
 *              zerolatency, threads=1, CBR, no CABAC, no 8x8dct, 1 ref, no
 *              B-frames) ! mpegtsmux ! rtpmp2tpay ! udpsink
 *
 * Prints: RESULT tool=T mode=M frames=N received=R fps=F cpu_ms_per_frame=C late_p50_ms=P late_p99_ms=Q
 *         rss_mb=R bytes=B exit=X
 *
 * fast: the tool reads the file as fast as it can. rt: the tool paces itself
 * to 30 fps (ffmpeg -re; GStreamer's clock at udpsink), like a live capture.
 * CPU and peak RSS are the tool's own (wait4() rusage of the child).
 * Latency cannot be taken from outside a tool that reads a file by itself;
 * "late" is each frame's arrival (last RTP packet of its PES, found by PTS:
 * frame i has PTS first + 3000 i) against the 30 fps schedule anchored at
 * the earliest frame: jitter plus added delay, not end-to-end latency.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../encoder/capture.h"
#include "../../protocol/macro.h"

#define MAX_FRAMES 2000

struct rx {
        int fd;
        atomic_bool stop;
        uint16_t pmt_pid, video_pid;
        bool have_first;
        uint64_t first_pts;
        long cur;                      /* frame index of the PES being received, -1 none */
        uint64_t arrival[MAX_FRAMES];  /* usec of the last packet carrying frame i */
        uint64_t packets, bytes;
        FILE *ts_out;                  /* received MPEG-TS, or NULL */
};

static uint64_t now_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

static void rx_ts(struct rx *r, const uint8_t *p, uint64_t t)
{
        unsigned pid = (p[1] & 0x1F) << 8 | p[2], afc = (p[3] >> 4) & 3;
        bool pusi = p[1] & 0x40;
        size_t off = 4;

        if (p[0] != 0x47 || !(afc & 1))
                return;
        if (afc & 2)
                off = 5 + p[4];
        if (off >= 188)
                return;
        if (pid == 0 && pusi) {
                const uint8_t *s = p + off + 1 + p[off];
                if (s + 16 <= p + 188 && s[0] == 0)
                        r->pmt_pid = (s[10] & 0x1F) << 8 | s[11];
                return;
        }
        if (r->pmt_pid && pid == r->pmt_pid && pusi && !r->video_pid) {
                const uint8_t *s = p + off + 1 + p[off];
                size_t slen, i, pinfo;

                if (s + 12 > p + 188 || s[0] != 2)
                        return;
                slen = (size_t) (s[1] & 0x0F) << 8 | s[2];
                pinfo = (size_t) (s[10] & 0x0F) << 8 | s[11];
                for (i = 12 + pinfo; i + 5 <= 3 + slen - 4 && s + i + 5 <= p + 188;) {
                        if (s[i] == 0x1B) {
                                r->video_pid = (s[i + 1] & 0x1F) << 8 | s[i + 2];
                                break;
                        }
                        i += 5 + ((size_t) (s[i + 3] & 0x0F) << 8 | s[i + 4]);
                }
                return;
        }
        if (!r->video_pid || pid != r->video_pid)
                return;
        if (pusi) {
                const uint8_t *h = p + off;
                uint64_t pts;

                r->cur = -1;
                if (off + 14 > 188 || h[0] || h[1] || h[2] != 1 || !(h[7] & 0x80))
                        return;
                pts = ((uint64_t) (h[9] >> 1) & 7) << 30 | (uint64_t) h[10] << 22 | (uint64_t) (h[11] >> 1) << 15 |
                      (uint64_t) h[12] << 7 | h[13] >> 1;
                if (!r->have_first) {
                        r->have_first = true;
                        r->first_pts = pts;
                }
                r->cur = (long) (((int64_t) (pts - r->first_pts) + 1500) / 3000);
        }
        if (r->cur >= 0 && r->cur < MAX_FRAMES)
                r->arrival[r->cur] = t;
}

static void *rx_main(void *userdata)
{
        struct rx *r = userdata;
        static uint8_t buf[65536];

        while (!atomic_load(&r->stop)) {
                struct pollfd pfd = { .fd = r->fd, .events = POLLIN };
                ssize_t n;
                uint64_t t;

                if (poll(&pfd, 1, 50) <= 0)
                        continue;
                while ((n = recv(r->fd, buf, sizeof(buf), MSG_DONTWAIT)) > 12) {
                        size_t off = 12 + 4 * (buf[0] & 0x0F);

                        t = now_usec();
                        r->packets++;
                        r->bytes += (size_t) n - off;
                        if (r->ts_out && (size_t) n > off)
                                fwrite(buf + off, 1, (size_t) n - off, r->ts_out);
                        for (; off + 188 <= (size_t) n; off += 188)
                                rx_ts(r, buf + off, t);
                }
        }
        return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
        return x < y ? -1 : x > y;
}

static pid_t spawn(char *const argv[])
{
        pid_t pid;

        pid = fork();
        if (pid == 0) {
                int devnull = open("/dev/null", O_RDWR);

                if (devnull >= 0) {
                        dup2(devnull, 0);
                        dup2(devnull, 1);
                }
                execvp(argv[0], argv);
                _exit(127);
        }
        return pid;
}

/* Write testsrc pictures 1..frames as raw BGRA. */
static int dump(unsigned w, unsigned h, const char *pattern, unsigned frames, const char *path)
{
        struct capture *c = NULL;
        FILE *out;
        int r;

        r = capture_new(&(struct capture_config) { .backend = CAPTURE_BACKEND_TESTSRC, .width = w, .height = h,
                                                   .pattern = capture_pattern_from_string(pattern) },
                        &c);
        if (r < 0) {
                fprintf(stderr, "capture_new: %s\n", strerror(-r));
                return 1;
        }
        out = fopen(path, "we");
        if (!out)
                return 1;
        for (unsigned i = 0; i < frames; i++) {
                struct capture_frame *f = NULL;

                if (capture_grab(c, 0, &f) < 0)
                        return 1;
                for (unsigned y = 0; y < h; y++)
                        fwrite(f->data + (size_t) y * f->stride, 1, (size_t) w * 4, out);
                capture_frame_unref(f);
        }
        capture_unref(c);
        return fclose(out) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
        static uint64_t late[MAX_FRAMES];
        static struct rx rx;
        char size[32], port[16], url[64], blocksize[32], wstr[32], bitrate[32], kbps[32], hstr[32], loc[4200];
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t sl = sizeof(sa);
        struct rusage ru;
        pthread_t th;
        unsigned w, h, frames, n_late = 0;
        uint64_t bitrate_bps, t0, t1, base = UINT64_MAX;
        bool rt;
        int status;
        pid_t pid;

        if (argc == 7 && strcmp(argv[1], "dump") == 0)
                return dump((unsigned) atoi(argv[2]), (unsigned) atoi(argv[3]), argv[4], (unsigned) atoi(argv[5]),
                            argv[6]);
        if (argc != 8 && argc != 9) {
                fprintf(stderr, "usage: %s ffmpeg|gstreamer WIDTH HEIGHT FILE FRAMES fast|rt BITRATE_BPS [TS_OUT]\n"
                                "       %s dump WIDTH HEIGHT still|desktop|motion FRAMES FILE\n",
                        argv[0], argv[0]);
                return 2;
        }
        w = (unsigned) atoi(argv[2]);
        h = (unsigned) atoi(argv[3]);
        frames = (unsigned) atoi(argv[5]);
        rt = strcmp(argv[6], "rt") == 0;
        bitrate_bps = strtoull(argv[7], NULL, 10);
        if (frames == 0 || frames > MAX_FRAMES || w == 0 || h == 0)
                return 2;
        if (argc == 9 && !(rx.ts_out = fopen(argv[8], "we")))
                return 1;

        rx.fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        {
                int rcvbuf = 8 << 20;
                (void) setsockopt(rx.fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
        }
        if (bind(rx.fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 || getsockname(rx.fd, (struct sockaddr *) &sa, &sl) < 0)
                return 1;
        rx.cur = -1;
        pthread_create(&th, NULL, rx_main, &rx);

        snprintf(size, sizeof(size), "%ux%u", w, h);
        snprintf(port, sizeof(port), "port=%u", ntohs(sa.sin_port));
        snprintf(url, sizeof(url), "rtp://127.0.0.1:%u", ntohs(sa.sin_port));
        snprintf(blocksize, sizeof(blocksize), "blocksize=%u", w * h * 4);
        snprintf(wstr, sizeof(wstr), "width=%u", w);
        snprintf(bitrate, sizeof(bitrate), "%llu", (unsigned long long) bitrate_bps);
        snprintf(kbps, sizeof(kbps), "bitrate=%llu", (unsigned long long) (bitrate_bps / 1000));
        snprintf(hstr, sizeof(hstr), "height=%u", h);
        snprintf(loc, sizeof(loc), "location=%s", argv[4]);
        t0 = now_usec();
        if (strcmp(argv[1], "ffmpeg") == 0) {
                /* -re paces reading to the input's 30 fps; fast runs put the harmless -y in its place. */
                char *const a[] = { "ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", rt ? "-re" : "-y",
                                    "-f", "rawvideo", "-pix_fmt", "bgra", "-video_size", size, "-framerate", "30",
                                    "-i", argv[4], "-c:v", "libx264", "-preset", "ultrafast", "-tune",
                                    "zerolatency", "-pix_fmt", "yuv420p", "-b:v", bitrate, "-maxrate", bitrate,
                                    "-bufsize", bitrate, "-g", "60", "-f", "rtp_mpegts", url, NULL };
                pid = spawn(a);
        } else {
                char *const a[] = { "gst-launch-1.0", "-q", "filesrc", loc, blocksize, "!", "rawvideoparse",
                                    wstr, hstr, "format=bgra", "framerate=30/1", "!", "videoconvert", "!",
                                    "video/x-raw,format=I420", "!", "x264enc", "tune=zerolatency",
                                    "speed-preset=ultrafast", "threads=1", "pass=cbr", kbps, "cabac=false",
                                    "dct8x8=false", "ref=1", "bframes=0", "key-int-max=60", "!", "mpegtsmux",
                                    "!", "rtpmp2tpay", "!", "udpsink", "host=127.0.0.1", port,
                                    rt ? "sync=true" : "sync=false", "async=false", NULL };
                pid = spawn(a);
        }
        if (pid < 0)
                return 1;
        if (wait4(pid, &status, 0, &ru) < 0)
                return 1;
        t1 = now_usec();
        usleep(300000);
        atomic_store(&rx.stop, true);
        pthread_join(th, NULL);
        if (rx.ts_out)
                fclose(rx.ts_out);

        for (unsigned i = 0; i < frames; i++)
                if (rx.arrival[i])
                        base = MIN(base, rx.arrival[i] - (uint64_t) i * 1000000 / 30);
        for (unsigned i = 0; i < frames; i++)
                if (rx.arrival[i])
                        late[n_late++] = rx.arrival[i] - (uint64_t) i * 1000000 / 30 - base;
        qsort(late, n_late, sizeof(late[0]), cmp_u64);
        {
                double cpu_ms = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
                                (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;

                printf("RESULT tool=%s mode=%s frames=%u received=%u fps=%.1f cpu_ms_per_frame=%.2f late_p50_ms=%.1f "
                       "late_p99_ms=%.1f rss_mb=%.1f bytes=%llu exit=%d\n",
                       argv[1], argv[6], frames, n_late, frames * 1e6 / (double) (t1 - t0), cpu_ms / frames,
                       n_late ? late[(n_late - 1) / 2] / 1e3 : -1.0, n_late ? late[(n_late - 1) * 99 / 100] / 1e3 : -1.0,
                       ru.ru_maxrss / 1024.0, (unsigned long long) rx.bytes, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        }
        close(rx.fd);
        return 0;
}
