/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../protocol/audio_stream.h"
#include "../lib/test.h"

static const struct audio_stream_header stereo48 = { 48000, 2, AUDIO_STREAM_FORMAT_S16LE };

TEST(audio_stream_header_roundtrip, "/audio-stream/header: write, parse back, every prefix is -EAGAIN") {
        uint8_t b[AUDIO_STREAM_HEADER_SIZE];
        struct audio_stream_header h = {};

        audio_stream_write_header(&stereo48, b);
        assert_true(memcmp(b, "MCA1", 4) == 0);
        for (size_t n = 0; n < sizeof(b); n++) {
                /* an exact-size copy, so ASan catches a read past the prefix */
                uint8_t *p = malloc(n ? n : 1);

                memcpy(p, b, n);
                assert_int_eq(audio_stream_parse_header(p, n, &h), -EAGAIN);
                free(p);
        }
        assert_int_eq(audio_stream_parse_header(b, sizeof(b), &h), AUDIO_STREAM_HEADER_SIZE);
        assert_int_eq(h.rate_hz, 48000);
        assert_int_eq(h.channels, 2);
        assert_int_eq(h.format, AUDIO_STREAM_FORMAT_S16LE);
}

TEST(audio_stream_header_bad, "/audio-stream/header: wrong magic at once, unsupported formats -ENOTSUP") {
        uint8_t b[AUDIO_STREAM_HEADER_SIZE];
        struct audio_stream_header h = { 1, 1, 1 }, bad;

        /* a raw PCM writer that skipped the header is caught by its first bytes */
        assert_int_eq(audio_stream_parse_header((const uint8_t *) "\x00\x01", 2, &h), -EBADMSG);
        audio_stream_write_header(&stereo48, b);
        b[12] = 1; /* reserved */
        assert_int_eq(audio_stream_parse_header(b, sizeof(b), &h), -EBADMSG);

        bad = stereo48;
        bad.format = 3; /* e.g. float */
        audio_stream_write_header(&bad, b);
        assert_int_eq(audio_stream_parse_header(b, sizeof(b), &h), -ENOTSUP);
        bad = stereo48;
        bad.channels = 9;
        audio_stream_write_header(&bad, b);
        assert_int_eq(audio_stream_parse_header(b, sizeof(b), &h), -ENOTSUP);
        bad.channels = 0;
        audio_stream_write_header(&bad, b);
        assert_int_eq(audio_stream_parse_header(b, sizeof(b), &h), -ENOTSUP);
        bad = stereo48;
        bad.rate_hz = 7999;
        audio_stream_write_header(&bad, b);
        assert_int_eq(audio_stream_parse_header(b, sizeof(b), &h), -ENOTSUP);
        bad.rate_hz = 192001;
        audio_stream_write_header(&bad, b);
        assert_int_eq(audio_stream_parse_header(b, sizeof(b), &h), -ENOTSUP);
        /* *ret untouched on failure */
        assert_int_eq(h.rate_hz, 1);
}

TEST(audio_stream_packet_roundtrip, "/audio-stream/packet: 10 ms of stereo, view into the buffer, prefixes") {
        uint8_t b[AUDIO_STREAM_PACKET_HEADER_SIZE + 1920];
        struct audio_stream_packet pkt = {};

        audio_stream_write_packet_header(1920, AUDIO_STREAM_FLAG_DISCONTINUITY, 0x0123456789abcdefULL, b);
        for (size_t i = 0; i < 1920; i++)
                b[AUDIO_STREAM_PACKET_HEADER_SIZE + i] = (uint8_t) i;
        for (size_t n = 0; n < sizeof(b); n++)
                assert_int_eq(audio_stream_parse_packet(&stereo48, b, n, &pkt), -EAGAIN);
        assert_int_eq(audio_stream_parse_packet(&stereo48, b, sizeof(b), &pkt), sizeof(b));
        assert_int_eq(pkt.len, 1920);
        assert_int_eq(pkt.frames, 480);
        assert_int_eq(pkt.flags, AUDIO_STREAM_FLAG_DISCONTINUITY);
        assert_true(pkt.time_nsec == 0x0123456789abcdefULL);
        assert_true(pkt.data == b + AUDIO_STREAM_PACKET_HEADER_SIZE);
}

TEST(audio_stream_packet_bad, "/audio-stream/packet: partial frames, empty, oversized, unknown flags") {
        static uint8_t b[AUDIO_STREAM_PACKET_HEADER_SIZE + AUDIO_STREAM_MAX_PAYLOAD + 4];
        struct audio_stream_header mono = { 44100, 1, AUDIO_STREAM_FORMAT_S16LE };
        struct audio_stream_packet pkt = {};

        audio_stream_write_packet_header(6, 0, 0, b); /* 1.5 stereo frames */
        assert_int_eq(audio_stream_parse_packet(&stereo48, b, sizeof(b), &pkt), -EBADMSG);
        assert_int_eq(audio_stream_parse_packet(&mono, b, sizeof(b), &pkt), 16 + 6); /* 3 mono frames */
        assert_int_eq(pkt.frames, 3);
        audio_stream_write_packet_header(0, 0, 0, b);
        assert_int_eq(audio_stream_parse_packet(&stereo48, b, sizeof(b), &pkt), -EBADMSG);
        audio_stream_write_packet_header(AUDIO_STREAM_MAX_PAYLOAD, 0, 0, b);
        assert_int_eq(audio_stream_parse_packet(&stereo48, b, sizeof(b), &pkt),
                      AUDIO_STREAM_PACKET_HEADER_SIZE + AUDIO_STREAM_MAX_PAYLOAD);
        audio_stream_write_packet_header(AUDIO_STREAM_MAX_PAYLOAD + 4, 0, 0, b);
        /* refused from its header alone: a flood of one huge length never makes us wait for it */
        assert_int_eq(audio_stream_parse_packet(&stereo48, b, AUDIO_STREAM_PACKET_HEADER_SIZE, &pkt), -EBADMSG);
        audio_stream_write_packet_header(4, 1u << 7, 0, b);
        assert_int_eq(audio_stream_parse_packet(&stereo48, b, sizeof(b), &pkt), -EBADMSG);
}
