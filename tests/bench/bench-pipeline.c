/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `make bench`: our pipeline (encoder/media.h: testsrc capture -> damage-
 * aware convert -> libx264 -> ts_mux -> rtp -> rtp_send) sending to a
 * loopback UDP port, on the same testsrc pictures the anchors get.
 *
 * Usage: bench-pipeline WIDTH HEIGHT still|desktop|motion|pipewire:NODE FRAMES fast|rt|idle BITRATE_BPS [TS_OUT [ENCODER]]
 * (pipewire:NODE: that node of the PipeWire at $BENCH_PIPEWIRE_REMOTE, through our pipewire backend)
 * Prints: RESULT tool=miracastd mode=M frames=N fps=F cpu_ms_per_frame=C lat_p50_ms=P lat_p99_ms=Q rss_mb=R
 *         ... convert_ms_avg=A encode_ms_avg=E encode_ms_max=X (the pipeline's own stage times) bytes=B
 *         core_pct=P (CPU per wall time: the idle-desktop line)
 * TS_OUT receives the MPEG-TS as it arrived, for bench.sh's quality check;
 * ENCODER is the encode_config.encoder name (default "software").
 *
 * fast: benchmark mode (capture as fast as the pipeline takes pictures),
 * until FRAMES frames are sent. rt: 30 fps for FRAMES/30 seconds; frames the
 * damage check skips cost (almost) nothing, which is the point.
 * idle: as rt, but CPU (core_pct, cpu_ms_per_frame) is counted only from
 * $BENCH_IDLE_FROM_S (default 2) seconds in to the end, without the
 * receiving thread, and with RTCP and ABR on as the daemon's sessions have
 * them: bench-desktop.sh's idle desktop (a PipeWire producer gone still), as
 * the daemon would pay for it.
 * Environment: BENCH_FPS (default 30), BENCH_AUDIO=aac|lpcm (an audio track
 * of silence, 48 kHz stereo, as a desktop session with nothing playing).
 * cpu_ms_per_frame = CPU of the whole process except the receiving thread,
 * per source frame (fast: frames sent; rt: FRAMES offered at 30 fps). It
 * includes making the testsrc pictures: a memcpy of each picture's stale
 * tiles from layers drawn once per size, like copying a compositor's damage
 * (the anchors read whole pictures from a file in the page cache).
 * Latency: the pipeline's own capture -> last RTP packet sent (p50/p99).
 * RSS: the process's peak.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../../encoder/capture.h"
#include "../../encoder/media.h"

struct rx {
        int fd;
        atomic_bool stop;
        uint64_t packets, bytes, cpu_nsec;
        FILE *ts_out; /* received MPEG-TS, or NULL */
};

static uint64_t now_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

static void *rx_main(void *userdata)
{
        struct rx *r = userdata;
        static uint8_t buf[65536];
        struct timespec ts;

        while (!atomic_load(&r->stop)) {
                struct pollfd pfd = { .fd = r->fd, .events = POLLIN };

                if (poll(&pfd, 1, 50) <= 0)
                        continue;
                ssize_t n;

                while ((n = recv(r->fd, buf, sizeof(buf), MSG_DONTWAIT)) > 12) {
                        size_t off = 12 + 4 * (buf[0] & 0x0F);

                        r->packets++;
                        if ((size_t) n <= off)
                                continue;
                        r->bytes += (size_t) n - off;
                        if (r->ts_out)
                                fwrite(buf + off, 1, (size_t) n - off, r->ts_out);
                }
        }
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        r->cpu_nsec = (uint64_t) ts.tv_sec * 1000000000ULL + (uint64_t) ts.tv_nsec;
        return NULL;
}

/* The process's CPU minus the receiving thread's so far, in ms. */
static double own_cpu_ms(pthread_t rx_thread)
{
        struct timespec p = {}, t = {};
        clockid_t id;

        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &p);
        if (pthread_getcpuclockid(rx_thread, &id) == 0)
                clock_gettime(id, &t);
        return (p.tv_sec - t.tv_sec) * 1e3 + (p.tv_nsec - t.tv_nsec) / 1e6;
}

int main(int argc, char **argv)
{
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t sl = sizeof(sa);
        struct media_config cfg = {};
        struct capture *c = NULL;
        struct media *m = NULL;
        struct media_stats st = {};
        static struct rx rx;
        struct rusage ru;
        pthread_t th;
        unsigned w, h, frames;
        uint64_t t0, t1, bitrate_bps;
        double cpu_ms, per, idle_cpu_ms = 0;
        uint64_t idle_t0 = 0;
        const char *audio = getenv("BENCH_AUDIO");
        unsigned fps = getenv("BENCH_FPS") ? (unsigned) atoi(getenv("BENCH_FPS")) : 30;
        uint64_t idle_from_usec = (getenv("BENCH_IDLE_FROM_S") ? strtoull(getenv("BENCH_IDLE_FROM_S"), NULL, 10) : 2) *
                                  1000000;
        bool rt, idle;
        int r, rcvbuf = 8 << 20;

        if (argc < 7 || argc > 9) {
                fprintf(stderr, "usage: %s WIDTH HEIGHT still|desktop|motion|pipewire:NODE FRAMES fast|rt BITRATE_BPS "
                                "[TS_OUT [ENCODER]]\n",
                        argv[0]);
                return 2;
        }
        w = (unsigned) atoi(argv[1]);
        h = (unsigned) atoi(argv[2]);
        frames = (unsigned) atoi(argv[4]);
        if (audio && !*audio)
                audio = NULL;
        idle = strcmp(argv[5], "idle") == 0;
        rt = idle || strcmp(argv[5], "rt") == 0;
        if (fps < 1 || fps > 60)
                return 2;
        bitrate_bps = strtoull(argv[6], NULL, 10);
        if (argc >= 8 && argv[7][0] && !(rx.ts_out = fopen(argv[7], "we")))
                return 1;

        if (strncmp(argv[3], "pipewire:", 9) == 0)
                /* desktop-pipewire: a PipeWire node (bench.sh's producer) through our pipewire backend */
                r = capture_new(&(struct capture_config) { .backend = CAPTURE_BACKEND_PIPEWIRE, .width = w,
                                                           .height = h, .pipewire_node = argv[3] + 9,
                                                           .pipewire_remote = getenv("BENCH_PIPEWIRE_REMOTE") },
                                &c);
        else
                r = capture_new(&(struct capture_config) { .backend = CAPTURE_BACKEND_TESTSRC, .width = w, .height = h,
                                                           .pattern = capture_pattern_from_string(argv[3]) },
                                &c);
        if (r < 0) {
                fprintf(stderr, "capture_new: %s\n", strerror(-r));
                return 1;
        }
        rx.fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        (void) setsockopt(rx.fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
        if (bind(rx.fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 || getsockname(rx.fd, (struct sockaddr *) &sa, &sl) < 0)
                return 1;
        pthread_create(&th, NULL, rx_main, &rx);

        cfg = (struct media_config) {
                .capture = c,
                .encode = { .encoder = argc >= 9 ? argv[8] : "software", .width = w, .height = h, .fps_num = fps, .fps_den = 1,
                            .level_idc = h > 720 ? 40 : 31, .bitrate_bps = bitrate_bps, .idr_interval = 60 },
                .dest_address = "127.0.0.1",
                .dest_port = ntohs(sa.sin_port),
                .benchmark = !rt,
                .max_frames = rt ? 0 : frames,
                .rtcp = idle,
                .abr = idle,
                .audio_codec = !audio                   ? TS_AUDIO_NONE
                               : strcmp(audio, "aac") == 0 ? TS_AUDIO_AAC
                                                           : TS_AUDIO_LPCM,
                .audio_rate_hz = audio ? 48000 : 0,
                .audio_source = { .kind = AUDIO_SOURCE_SILENCE },
        };
        r = media_new(&cfg, &m);
        if (r < 0) {
                fprintf(stderr, "media_new: %s\n", strerror(-r));
                return 1;
        }
        t0 = now_usec();
        media_start(m);
        for (;;) {
                struct pollfd pfd = { .fd = media_get_fd(m), .events = POLLIN };
                struct media_event ev;

                if (idle && !idle_t0 && now_usec() - t0 >= idle_from_usec) {
                        idle_t0 = now_usec();
                        idle_cpu_ms = own_cpu_ms(th);
                }
                if (rt && now_usec() - t0 >= (uint64_t) frames * 1000000 / fps)
                        break;
                /* idle: wake seldom, this thread is not what is measured (but is counted) */
                if (poll(&pfd, 1, idle ? 200 : 10) > 0 && media_read_event(m, &ev) == 0) {
                        if (ev.type == MEDIA_EVENT_ERROR) {
                                fprintf(stderr, "media error: %s\n", ev.reason);
                                return 1;
                        }
                        if (ev.type == MEDIA_EVENT_ENDED)
                                break; /* max_frames */
                        /* AUDIO (what plays), CONGESTED: carry on */
                }
        }
        t1 = now_usec();
        if (idle_t0) {
                /* only the still part: from 2 s in to now */
                idle_cpu_ms = own_cpu_ms(th) - idle_cpu_ms;
                t0 = idle_t0;
                frames = (unsigned) ((t1 - t0) * fps / 1000000);
        }
        media_get_stats(m, &st);
        m = media_free(m);
        usleep(200000);
        atomic_store(&rx.stop, true);
        pthread_join(th, NULL);
        if (rx.ts_out)
                fclose(rx.ts_out);

        getrusage(RUSAGE_SELF, &ru);
        cpu_ms = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3 -
                 rx.cpu_nsec / 1e6;
        if (idle_t0)
                cpu_ms = idle_cpu_ms;
        per = rt ? frames : (double) st.frames_sent;
        printf("RESULT tool=miracastd mode=%s frames=%u sent=%llu skipped=%llu dropped=%llu fps=%.1f "
               "cpu_ms_per_frame=%.2f lat_p50_ms=%.1f lat_p99_ms=%.1f rss_mb=%.1f encoder=%s rx_packets=%llu "
               "convert_ms_avg=%.2f encode_ms_avg=%.2f encode_ms_max=%.1f bytes=%llu core_pct=%.2f\n",
               argv[5], frames, (unsigned long long) st.frames_sent, (unsigned long long) st.frames_skipped,
               (unsigned long long) st.frames_dropped, st.frames_sent * 1e6 / (double) (t1 - t0),
               per > 0 ? cpu_ms / per : -1.0, st.latency_p50_usec / 1e3, st.latency_p99_usec / 1e3,
               ru.ru_maxrss / 1024.0, st.encoder, (unsigned long long) rx.packets, st.convert_usec_avg / 1e3,
               st.encode_usec_avg / 1e3, st.encode_usec_max / 1e3, (unsigned long long) rx.bytes,
               cpu_ms * 100.0 / ((t1 - t0) / 1e3));
        capture_unref(c);
        close(rx.fd);
        return 0;
}
