/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The audio path's CPU cost: the test tone read from its audio_source in
 * 10 ms blocks, as the media thread does, then encoded (AAC-LC, or WFD LPCM
 * as it is), muxed into MPEG-TS, packed into RTP and sent over UDP to a
 * loopback socket nobody reads. SECONDS of sound go through as fast as the
 * path allows; the thread's CPU time per second of sound is the cost.
 *
 *   bench-audio aac|lpcm SECONDS
 * Prints: RESULT codec=C seconds=S cpu_ms_per_s=M core_pct=P source_ms_per_s=T
 * (source_ms_per_s: the part spent making the test tone, which a real
 * input, copying PCM out of its jitter buffer, does not cost.)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libavutil/log.h>

#include "../../encoder/audio_source.h"
#include "../../encoder/media_output.h"
#include "../../protocol/macro.h"

#define RATE 48000
#define BLOCK 480

static uint64_t cpu_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

int main(int argc, char **argv)
{
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t sl = sizeof(sa);
        struct audio_source *src = NULL;
        struct media_output *out = NULL;
        int16_t block[BLOCK * 2];
        enum ts_audio_codec codec;
        uint64_t t0, t1, source_usec = 0, pos0 = (uint64_t) RATE * 1000;
        unsigned seconds;
        double ms_per_s;
        int fd, r;

        if (argc != 3 || (strcmp(argv[1], "aac") != 0 && strcmp(argv[1], "lpcm") != 0) || atoi(argv[2]) <= 0) {
                fprintf(stderr, "usage: %s aac|lpcm SECONDS\n", argv[0]);
                return 2;
        }
        codec = strcmp(argv[1], "aac") == 0 ? TS_AUDIO_AAC : TS_AUDIO_LPCM;
        seconds = (unsigned) atoi(argv[2]);
        av_log_set_level(AV_LOG_ERROR);

        /* a socket that swallows what arrives (the kernel drops it once the buffer is full) */
        fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 || getsockname(fd, (struct sockaddr *) &sa, &sl) < 0)
                return 1;
        r = audio_source_new(&(struct audio_source_config) { .rate_hz = RATE, .channels = 2, .kind = AUDIO_SOURCE_TONE },
                             &src);
        if (r >= 0)
                r = media_output_new(&(struct media_output_config) {
                                             .dest_address = "127.0.0.1",
                                             .dest_port = ntohs(sa.sin_port),
                                             .width = 1280,
                                             .height = 720,
                                             /* no video: pace fast, so pacing sleeps do not shape the run */
                                             .bitrate_bps = 250000000,
                                             .audio = codec,
                                             .audio_rate_hz = RATE,
                                             .audio_channels = 2,
                                     },
                                     &out);
        if (r < 0) {
                fprintf(stderr, "bench-audio: setup failed: %s\n", strerror(-r));
                return 1;
        }
        t0 = cpu_usec();
        for (uint64_t pos = pos0; pos < pos0 + (uint64_t) seconds * RATE; pos += BLOCK) {
                t1 = cpu_usec();
                audio_source_read(src, pos, block, BLOCK);
                source_usec += cpu_usec() - t1;
                r = media_output_audio(out, block, BLOCK, (int64_t) (pos - pos0), (pos - pos0) * 1000000 / RATE);
                if (r < 0) {
                        fprintf(stderr, "bench-audio: send failed: %s\n", strerror(-r));
                        return 1;
                }
        }
        ms_per_s = (double) (cpu_usec() - t0) / 1000.0 / seconds;
        printf("RESULT codec=%s seconds=%u cpu_ms_per_s=%.2f core_pct=%.3f source_ms_per_s=%.2f\n", argv[1], seconds,
               ms_per_s, ms_per_s / 10, (double) source_usec / 1000.0 / seconds);
        media_output_free(out);
        audio_source_free(src);
        close(fd);
        return 0;
}
