/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The audio input fd's stream format: parse and write (see audio_stream.h).
 */
#include <errno.h>
#include <string.h>

#include "audio_stream.h"

static uint16_t get_le16(const uint8_t *p)
{
        return (uint16_t) (p[0] | p[1] << 8);
}

static uint32_t get_le32(const uint8_t *p)
{
        return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

static uint64_t get_le64(const uint8_t *p)
{
        return (uint64_t) get_le32(p) | (uint64_t) get_le32(p + 4) << 32;
}

static void put_le16(uint8_t *p, uint16_t v)
{
        p[0] = (uint8_t) v;
        p[1] = (uint8_t) (v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v)
{
        put_le16(p, (uint16_t) v);
        put_le16(p + 2, (uint16_t) (v >> 16));
}

static void put_le64(uint8_t *p, uint64_t v)
{
        put_le32(p, (uint32_t) v);
        put_le32(p + 4, (uint32_t) (v >> 32));
}

ssize_t audio_stream_parse_header(const uint8_t *buf, size_t len, struct audio_stream_header *ret)
{
        unsigned rate, channels, format;

        if (!buf || !ret)
                return -EINVAL;
        /* Reject a wrong magic as soon as its bytes are there, not only after 16. */
        if (memcmp(buf, AUDIO_STREAM_MAGIC, len < 4 ? len : 4) != 0)
                return -EBADMSG;
        if (len < AUDIO_STREAM_HEADER_SIZE)
                return -EAGAIN;
        if (get_le32(buf + 12) != 0)
                return -EBADMSG;
        rate = get_le32(buf + 4);
        channels = get_le16(buf + 8);
        format = get_le16(buf + 10);
        if (rate < AUDIO_STREAM_MIN_RATE || rate > AUDIO_STREAM_MAX_RATE || channels < 1 ||
            channels > AUDIO_STREAM_MAX_CHANNELS || format != AUDIO_STREAM_FORMAT_S16LE)
                return -ENOTSUP;
        *ret = (struct audio_stream_header) { .rate_hz = rate, .channels = channels, .format = format };
        return AUDIO_STREAM_HEADER_SIZE;
}

ssize_t audio_stream_parse_packet(const struct audio_stream_header *h, const uint8_t *buf, size_t len,
                                  struct audio_stream_packet *ret)
{
        size_t frame_bytes;
        uint32_t plen, flags;

        if (!h || !buf || !ret || h->channels < 1 || h->channels > AUDIO_STREAM_MAX_CHANNELS)
                return -EINVAL;
        if (len < AUDIO_STREAM_PACKET_HEADER_SIZE)
                return -EAGAIN;
        frame_bytes = 2 * (size_t) h->channels;
        plen = get_le32(buf);
        flags = get_le32(buf + 4);
        if (plen == 0 || plen > AUDIO_STREAM_MAX_PAYLOAD || plen % frame_bytes != 0 ||
            (flags & ~(uint32_t) _AUDIO_STREAM_FLAGS_KNOWN))
                return -EBADMSG;
        if (len - AUDIO_STREAM_PACKET_HEADER_SIZE < plen)
                return -EAGAIN;
        *ret = (struct audio_stream_packet) {
                .time_nsec = get_le64(buf + 8),
                .flags = flags,
                .data = buf + AUDIO_STREAM_PACKET_HEADER_SIZE,
                .len = plen,
                .frames = (unsigned) (plen / frame_bytes),
        };
        return AUDIO_STREAM_PACKET_HEADER_SIZE + (ssize_t) plen;
}

void audio_stream_write_header(const struct audio_stream_header *h, uint8_t out[AUDIO_STREAM_HEADER_SIZE])
{
        memcpy(out, AUDIO_STREAM_MAGIC, 4);
        put_le32(out + 4, h->rate_hz);
        put_le16(out + 8, (uint16_t) h->channels);
        put_le16(out + 10, (uint16_t) h->format);
        put_le32(out + 12, 0);
}

void audio_stream_write_packet_header(uint32_t payload_len, uint32_t flags, uint64_t time_nsec,
                                      uint8_t out[AUDIO_STREAM_PACKET_HEADER_SIZE])
{
        put_le32(out, payload_len);
        put_le32(out + 4, flags);
        put_le64(out + 8, time_nsec);
}
