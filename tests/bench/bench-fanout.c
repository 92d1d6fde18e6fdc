/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `make bench`, fan-out case: N sessions (encoder/media.h) of one testsrc
 * capture at the same format, each sending to its own loopback UDP receiver
 * at real time (30 fps), as N sinks casting from one stream worker. They
 * share one encoder (encoder/media_group.h); each still muxes, packetizes,
 * paces and sends its own stream.
 *
 * Usage: bench-fanout WIDTH HEIGHT still|desktop|motion FRAMES SINKS BITRATE_BPS
 * Prints: RESULT sinks=N frames=F cpu_ms_per_frame=C fps_per_sink=R sent=S shared=H encoders=E rx_bytes=B
 * cpu_ms_per_frame = CPU of the process except the receiving thread, from one
 * second after the start (encoders open, first IDRs sent) to the end, per
 * frame each sink received (sent / sinks): where the machine cannot keep up
 * with 30 fps, ticks are dropped, and N threads taking turns at the encoder
 * get more frames through than one, so CPU per frame interval would compare
 * different amounts of work. sent: frames sent, all sessions (counted over
 * the same window); shared: of those, encoded by another session's thread;
 * encoders: encoders open while they ran.
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
#include "../../encoder/media_group.h"

#define SINKS_MAX 8
#define WARMUP_USEC 1000000

struct rx {
        int fd[SINKS_MAX];
        unsigned n;
        atomic_bool stop;
        uint64_t bytes;
        atomic_ullong cpu_nsec;
};

static uint64_t now_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

static double process_cpu_ms(void)
{
        struct rusage ru;

        getrusage(RUSAGE_SELF, &ru);
        return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

/* One thread drains every receiver (the sinks' side is not ours to count). */
static void *rx_main(void *userdata)
{
        struct rx *r = userdata;
        static uint8_t buf[65536];
        struct pollfd pfd[SINKS_MAX];
        struct timespec ts;

        for (unsigned i = 0; i < r->n; i++)
                pfd[i] = (struct pollfd) { .fd = r->fd[i], .events = POLLIN };
        while (!atomic_load(&r->stop)) {
                ssize_t n;

                if (poll(pfd, r->n, 50) > 0)
                        for (unsigned i = 0; i < r->n; i++)
                                while ((n = recv(r->fd[i], buf, sizeof(buf), MSG_DONTWAIT)) > 12)
                                        r->bytes += (size_t) n - 12;
                clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
                atomic_store(&r->cpu_nsec, (uint64_t) ts.tv_sec * 1000000000ULL + (uint64_t) ts.tv_nsec);
        }
        return NULL;
}

int main(int argc, char **argv)
{
        struct media *m[SINKS_MAX] = {};
        struct capture *c = NULL;
        static struct rx rx;
        pthread_t th;
        unsigned w, h, frames, sinks, encoders = 0;
        uint64_t bitrate_bps, t0, t1, sent = 0, shared = 0, sent0 = 0, shared0 = 0;
        double cpu0, rx0, cpu1, rx1;
        int r, rcvbuf = 8 << 20;

        if (argc != 7) {
                fprintf(stderr, "usage: %s WIDTH HEIGHT still|desktop|motion FRAMES SINKS BITRATE_BPS\n", argv[0]);
                return 2;
        }
        w = (unsigned) atoi(argv[1]);
        h = (unsigned) atoi(argv[2]);
        frames = (unsigned) atoi(argv[4]);
        sinks = (unsigned) atoi(argv[5]);
        bitrate_bps = strtoull(argv[6], NULL, 10);
        if (sinks < 1 || sinks > SINKS_MAX || frames < 60)
                return 2;

        r = capture_new(&(struct capture_config) { .backend = CAPTURE_BACKEND_TESTSRC, .width = w, .height = h,
                                                   .pattern = capture_pattern_from_string(argv[3]) },
                        &c);
        if (r < 0) {
                fprintf(stderr, "capture_new: %s\n", strerror(-r));
                return 1;
        }
        rx.n = sinks;
        for (unsigned i = 0; i < sinks; i++) {
                struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
                socklen_t sl = sizeof(sa);

                rx.fd[i] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
                (void) setsockopt(rx.fd[i], SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
                if (bind(rx.fd[i], (struct sockaddr *) &sa, sizeof(sa)) < 0 ||
                    getsockname(rx.fd[i], (struct sockaddr *) &sa, &sl) < 0)
                        return 1;
                r = media_new(&(struct media_config) {
                                      .capture = c,
                                      .encode = { .encoder = "software", .width = w, .height = h, .fps_num = 30,
                                                  .fps_den = 1, .level_idc = h > 720 ? 40 : 31,
                                                  .bitrate_bps = bitrate_bps, .idr_interval = 60 },
                                      .dest_address = "127.0.0.1",
                                      .dest_port = ntohs(sa.sin_port),
                              },
                              &m[i]);
                if (r < 0) {
                        fprintf(stderr, "media_new: %s\n", strerror(-r));
                        return 1;
                }
        }
        pthread_create(&th, NULL, rx_main, &rx);
        for (unsigned i = 0; i < sinks; i++)
                media_start(m[i]);
        t0 = now_usec();
        usleep(WARMUP_USEC);
        encoders = media_group_count();
        for (unsigned i = 0; i < sinks; i++) {
                struct media_stats st;

                media_get_stats(m[i], &st);
                sent0 += st.frames_sent;
                shared0 += st.frames_shared;
        }
        cpu0 = process_cpu_ms();
        rx0 = atomic_load(&rx.cpu_nsec) / 1e6;
        while (now_usec() - t0 < WARMUP_USEC + (uint64_t) frames * 1000000 / 30) {
                for (unsigned i = 0; i < sinks; i++) {
                        struct media_event ev;

                        if (media_read_event(m[i], &ev) == 0 && ev.type == MEDIA_EVENT_ERROR) {
                                fprintf(stderr, "media error: %s\n", ev.reason);
                                return 1;
                        }
                }
                usleep(20000);
        }
        cpu1 = process_cpu_ms();
        rx1 = atomic_load(&rx.cpu_nsec) / 1e6;
        t1 = now_usec();
        for (unsigned i = 0; i < sinks; i++) {
                struct media_stats st;

                media_get_stats(m[i], &st);
                sent += st.frames_sent;
                shared += st.frames_shared;
        }
        sent -= sent0;
        shared -= shared0;
        for (unsigned i = 0; i < sinks; i++)
                m[i] = media_free(m[i]);
        atomic_store(&rx.stop, true);
        pthread_join(th, NULL);
        printf("RESULT sinks=%u frames=%u cpu_ms_per_frame=%.2f fps_per_sink=%.1f sent=%llu shared=%llu encoders=%u "
               "rx_bytes=%llu\n",
               sinks, frames, sent ? ((cpu1 - cpu0) - (rx1 - rx0)) / ((double) sent / sinks) : -1.0,
               (double) sent / sinks * 1e6 / (double) (t1 - t0 - WARMUP_USEC), (unsigned long long) sent,
               (unsigned long long) shared, encoders, (unsigned long long) rx.bytes);
        for (unsigned i = 0; i < sinks; i++)
                close(rx.fd[i]);
        capture_unref(c);
        return 0;
}
