/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz the audio input fd's stream parser as the daemon's reader uses it: a
 * header, then packets until the bytes run out or are refused. Every packet
 * accepted must lie inside the input and be whole sample frames.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "../../protocol/audio_stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct audio_stream_header h;
        ssize_t n;
        size_t off;

        n = audio_stream_parse_header(data, size, &h);
        if (n < 0)
                return 0;
        if (n != AUDIO_STREAM_HEADER_SIZE)
                abort();
        for (off = (size_t) n; off < size; off += (size_t) n) {
                struct audio_stream_packet p;

                n = audio_stream_parse_packet(&h, data + off, size - off, &p);
                if (n == -EAGAIN || n == -EBADMSG)
                        break;
                if (n <= 0 || (size_t) n > size - off || p.data != data + off + AUDIO_STREAM_PACKET_HEADER_SIZE ||
                    p.len == 0 || p.len > AUDIO_STREAM_MAX_PAYLOAD || p.len != (size_t) p.frames * 2 * h.channels)
                        abort();
                /* touch the payload's ends: ASan checks they are inside the input */
                volatile uint8_t ends = p.data[0] ^ p.data[p.len - 1];
                (void) ends;
        }
        return 0;
}
