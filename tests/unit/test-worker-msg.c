/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The main <-> worker control messages (protocol/worker_msg.h): byte-exact
 * layout, round trips, and every way a datagram from the less trusted side
 * can be malformed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../protocol/worker_msg.h"
#include "../lib/test.h"

/* Parse from an exact-size heap copy, so ASan catches any read past len; the copy lives until the next
 * parse (the fields are views into it). */
static uint8_t *last_copy;

static int parse_exact(const uint8_t *data, size_t len, struct worker_msg *m)
{
        free(last_copy);
        last_copy = malloc(len ? len : 1);
        memcpy(last_copy, data, len);
        return worker_msg_parse(last_copy, len, m);
}

static uint8_t *steal_last_copy(void)
{
        uint8_t *p = last_copy;

        last_copy = NULL;
        return p;
}

TEST(worker_msg_layout, "/worker-msg/build: header and fields are byte-exact little-endian") {
        static const uint8_t expect[] = {
                0x06, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00,         /* SET_BITRATE, flags 0, session 7 */
                0x07, 0x00, 0x08, 0x00, 0x40, 0x42, 0x0f, 0, 0, 0, 0, 0, /* BITRATE 1000000 */
                0x00, 0x10, 0x02, 0x00, 'h', 'i',                       /* TEXT "hi" */
        };
        uint8_t buf[64];
        struct worker_msg_writer w;
        size_t len = 0;

        worker_msg_begin(&w, buf, sizeof(buf), WORKER_MSG_SET_BITRATE, 7);
        worker_msg_put_u64(&w, WORKER_FIELD_BITRATE, 1000000);
        worker_msg_put_str(&w, WORKER_FIELD_TEXT, "hi");
        assert_int_eq(worker_msg_finish(&w, &len), 0);
        assert_int_eq(len, sizeof(expect));
        assert_mem_eq(buf, expect, sizeof(expect));
}

TEST(worker_msg_round_trip, "/worker-msg/parse: numbers, negative errno, repeated text fields come back") {
        uint8_t buf[256];
        struct worker_msg_writer w;
        struct worker_msg m;
        char s[32];
        uint64_t u;
        int64_t i;
        size_t len = 0, n_params = 0;

        worker_msg_begin(&w, buf, sizeof(buf), WORKER_MSG_NEGOTIATED, 42);
        worker_msg_put_u64(&w, WORKER_FIELD_MONITOR_CONNECTED, 1);
        worker_msg_put_i64(&w, WORKER_FIELD_ERROR, -ENOSR);
        worker_msg_put_str(&w, WORKER_FIELD_SINK_PARAMETER, "wfd_audio_codecs");
        worker_msg_put_str(&w, WORKER_FIELD_SINK_PARAMETER, "none");
        worker_msg_put_str(&w, WORKER_FIELD_ENCODER, NULL);
        assert_int_eq(worker_msg_finish(&w, &len), 0);
        assert_int_eq(parse_exact(buf, len, &m), 0);
        assert_int_eq(m.type, WORKER_MSG_NEGOTIATED);
        assert_int_eq(m.session, 42);
        assert_int_eq(m.n_fields, 5);
        assert_int_eq(worker_msg_get_u64(&m, WORKER_FIELD_MONITOR_CONNECTED, &u), 0);
        assert_int_eq(u, 1);
        assert_int_eq(worker_msg_get_i64(&m, WORKER_FIELD_ERROR, &i), 0);
        assert_int_eq(i, -ENOSR);
        assert_int_eq(worker_msg_get_ranged(&m, WORKER_FIELD_ERROR, -4095, 0, &i), 0);
        assert_int_eq(worker_msg_get_ranged(&m, WORKER_FIELD_MONITOR_CONNECTED, -4095, 0, &i), -ERANGE);
        assert_int_eq(worker_msg_get_str(&m, WORKER_FIELD_ENCODER, s, sizeof(s)), 0);
        assert_str_eq(s, "");
        /* the first of a repeated tag; too small a buffer is refused and left alone */
        assert_int_eq(worker_msg_get_str(&m, WORKER_FIELD_SINK_PARAMETER, s, 16), -ENOBUFS);
        assert_str_eq(s, "");
        assert_int_eq(worker_msg_get_str(&m, WORKER_FIELD_SINK_PARAMETER, s, 17), 0);
        assert_str_eq(s, "wfd_audio_codecs");
        for (size_t k = 0; k < m.n_fields; k++)
                if (m.fields[k].tag == WORKER_FIELD_SINK_PARAMETER)
                        n_params++;
        assert_int_eq(n_params, 2);
        assert_int_eq(worker_msg_get_u64(&m, WORKER_FIELD_WIDTH, &u), -ENOENT);
        assert_int_eq(worker_msg_get_u64(&m, WORKER_FIELD_TEXT, &u), -EINVAL);
        assert_int_eq(worker_msg_get_str(&m, WORKER_FIELD_WIDTH, s, sizeof(s)), -EINVAL);
        assert_str_eq(worker_msg_type_to_string(m.type), "negotiated");
        assert_str_eq(worker_msg_type_to_string(999), "unknown");
        free(steal_last_copy());
}

TEST(worker_msg_writer_errors, "/worker-msg/build: overflow, wrong tag kinds and unknown types fail the message") {
        uint8_t buf[WORKER_MSG_HEADER_SIZE + 12];
        static char big[WORKER_MSG_MAX_STRING + 2];
        struct worker_msg_writer w;
        size_t len = 0;

        worker_msg_begin(&w, buf, sizeof(buf), WORKER_MSG_STOP, 1);
        worker_msg_put_u64(&w, WORKER_FIELD_SEQ, 1);
        assert_int_eq(worker_msg_finish(&w, &len), 0);
        assert_int_eq(len, WORKER_MSG_HEADER_SIZE + 12);
        worker_msg_put_u64(&w, WORKER_FIELD_SEQ, 2);      /* one byte too many */
        assert_int_eq(worker_msg_finish(&w, &len), -ENOBUFS);

        worker_msg_begin(&w, buf, sizeof(buf), WORKER_MSG_STOP, 1);
        worker_msg_put_u64(&w, WORKER_FIELD_TEXT, 1);
        assert_int_eq(worker_msg_finish(&w, &len), -EINVAL);
        worker_msg_begin(&w, buf, sizeof(buf), WORKER_MSG_STOP, 1);
        worker_msg_put_str(&w, WORKER_FIELD_SEQ, "x");
        assert_int_eq(worker_msg_finish(&w, &len), -EINVAL);
        worker_msg_begin(&w, buf, sizeof(buf), 0, 1);
        assert_int_eq(worker_msg_finish(&w, &len), -EINVAL);
        worker_msg_begin(&w, buf, 4, WORKER_MSG_STOP, 1);
        assert_int_eq(worker_msg_finish(&w, &len), -ENOBUFS);

        memset(big, 'a', sizeof(big) - 1);
        {
                uint8_t *large = malloc(WORKER_MSG_MAX);
                worker_msg_begin(&w, large, WORKER_MSG_MAX, WORKER_MSG_ENDED, 1);
                worker_msg_put_str(&w, WORKER_FIELD_TEXT, big);
                assert_int_eq(worker_msg_finish(&w, &len), -EINVAL);
                free(large);
        }
}

TEST(worker_msg_malformed, "/worker-msg/parse: short, flagged, unknown, overrunning, mis-sized and NUL fields are -EBADMSG") {
        struct worker_msg m = { .type = 0xbeef };
        static const uint8_t short_header[] = { 0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00 };
        static const uint8_t flags[] = { 0x02, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00 };
        static const uint8_t unknown_type[] = { 0x20, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00 };
        static const uint8_t overrun[] = { 0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x10, 0x05, 0x00, 'a' };
        static const uint8_t half_field[] = { 0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x10, 0x05 };
        static const uint8_t short_number[] = { 0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x04, 0x00,
                                                1, 2, 3, 4 };
        static const uint8_t nul_text[] = { 0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x10, 0x03, 0x00,
                                            'a', 0, 'b' };
        static const uint8_t tag_zero[] = { 0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };
        static const uint8_t bare[] = { 0x40, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff };
        uint8_t *many;
        size_t n;

        assert_int_eq(parse_exact(short_header, sizeof(short_header), &m), -EBADMSG);
        assert_int_eq(parse_exact(flags, sizeof(flags), &m), -EBADMSG);
        assert_int_eq(parse_exact(unknown_type, sizeof(unknown_type), &m), -EBADMSG);
        assert_int_eq(parse_exact(overrun, sizeof(overrun), &m), -EBADMSG);
        assert_int_eq(parse_exact(half_field, sizeof(half_field), &m), -EBADMSG);
        assert_int_eq(parse_exact(short_number, sizeof(short_number), &m), -EBADMSG);
        assert_int_eq(parse_exact(nul_text, sizeof(nul_text), &m), -EBADMSG);
        assert_int_eq(parse_exact(tag_zero, sizeof(tag_zero), &m), -EBADMSG);
        assert_int_eq(m.type, 0xbeef);    /* untouched by every failure */
        assert_int_eq(parse_exact(bare, sizeof(bare), &m), 0);
        assert_int_eq(m.type, WORKER_MSG_REPLY);
        assert_int_eq(m.session, 0xffffffffu);
        assert_int_eq(m.n_fields, 0);

        /* more fields than WORKER_MSG_MAX_FIELDS: empty text fields, 4 bytes each */
        n = WORKER_MSG_HEADER_SIZE + (WORKER_MSG_MAX_FIELDS + 1) * WORKER_MSG_FIELD_HEADER_SIZE;
        many = calloc(1, n);
        many[0] = WORKER_MSG_STATE;
        for (size_t off = WORKER_MSG_HEADER_SIZE; off < n; off += 4)
                many[off + 1] = 0x10;
        assert_int_eq(parse_exact(many, n, &m), -EBADMSG);
        assert_int_eq(parse_exact(many, n - 4, &m), 0);
        assert_int_eq(m.n_fields, WORKER_MSG_MAX_FIELDS);
        free(many);
        free(steal_last_copy());
}

TEST(worker_msg_bytes, "/worker-msg/bytes: HID data with NULs round-trips; bytes and text tags do not mix; too long fails") {
        static const uint8_t rd[] = { 0x05, 0x01, 0x09, 0x06, 0xa1, 0x01, 0x00, 0x00, 0xc0 };
        static const uint8_t expect[] = {
                WORKER_MSG_HID_REPORT, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00,
                0x00, 0x20, 0x03, 0x00, 0x00, 0xff, 0x00,               /* HID_DATA 00 ff 00 */
        };
        static const uint8_t data3[] = { 0x00, 0xff, 0x00 };
        static uint8_t big[WORKER_MSG_MAX_STRING + 1];
        uint8_t buf[256], *large;
        struct worker_msg_writer w;
        struct worker_msg m;
        const uint8_t *b = NULL;
        char s[16];
        uint64_t u = 0;
        size_t len = 0, n = 0;

        worker_msg_begin(&w, buf, sizeof(buf), WORKER_MSG_HID_REPORT, 3);
        worker_msg_put_bytes(&w, WORKER_FIELD_HID_DATA, data3, sizeof(data3));
        assert_int_eq(worker_msg_finish(&w, &len), 0);
        assert_int_eq(len, sizeof(expect));
        assert_mem_eq(buf, expect, sizeof(expect));

        worker_msg_begin(&w, buf, sizeof(buf), WORKER_MSG_HID_DEVICE, 9);
        worker_msg_put_u64(&w, WORKER_FIELD_HID_PATH, 1);
        worker_msg_put_u64(&w, WORKER_FIELD_HID_TYPE, 0);
        worker_msg_put_bytes(&w, WORKER_FIELD_HID_DATA, rd, sizeof(rd));
        assert_int_eq(worker_msg_finish(&w, &len), 0);
        assert_int_eq(parse_exact(buf, len, &m), 0);
        assert_int_eq(m.type, WORKER_MSG_HID_DEVICE);
        assert_str_eq(worker_msg_type_to_string(m.type), "hid-device");
        assert_str_eq(worker_msg_type_to_string(WORKER_MSG_HID_REPORT), "hid-report");
        assert_int_eq(worker_msg_get_u64(&m, WORKER_FIELD_HID_PATH, &u), 0);
        assert_int_eq(u, 1);
        assert_int_eq(worker_msg_get_bytes(&m, WORKER_FIELD_HID_DATA, &b, &n), 0);
        assert_int_eq(n, sizeof(rd));
        assert_mem_eq(b, rd, sizeof(rd));
        /* a bytes field is no text (it may hold NULs), and no other kind is bytes */
        assert_int_eq(worker_msg_get_str(&m, WORKER_FIELD_HID_DATA, s, sizeof(s)), -EINVAL);
        assert_int_eq(worker_msg_get_bytes(&m, WORKER_FIELD_TEXT, &b, &n), -EINVAL);
        assert_int_eq(worker_msg_get_bytes(&m, WORKER_FIELD_HID_PATH, &b, &n), -EINVAL);
        assert_int_eq(worker_msg_get_bytes(&m, WORKER_FIELD_HID_DATA + 1, &b, &n), -ENOENT);

        worker_msg_begin(&w, buf, sizeof(buf), WORKER_MSG_HID_REPORT, 1);
        worker_msg_put_str(&w, WORKER_FIELD_HID_DATA, "x");
        assert_int_eq(worker_msg_finish(&w, &len), -EINVAL);
        worker_msg_begin(&w, buf, sizeof(buf), WORKER_MSG_HID_REPORT, 1);
        worker_msg_put_bytes(&w, WORKER_FIELD_TEXT, "x", 1);
        assert_int_eq(worker_msg_finish(&w, &len), -EINVAL);
        worker_msg_begin(&w, buf, sizeof(buf), WORKER_MSG_HID_REPORT, 1);
        worker_msg_put_bytes(&w, WORKER_FIELD_HID_DATA, NULL, 1);
        assert_int_eq(worker_msg_finish(&w, &len), -EINVAL);
        large = malloc(WORKER_MSG_MAX);
        worker_msg_begin(&w, large, WORKER_MSG_MAX, WORKER_MSG_HID_DEVICE, 1);
        worker_msg_put_bytes(&w, WORKER_FIELD_HID_DATA, big, sizeof(big));
        assert_int_eq(worker_msg_finish(&w, &len), -EINVAL);
        free(large);

        /* parsed: a bytes field over WORKER_MSG_MAX_STRING is malformed like a text one */
        large = calloc(1, WORKER_MSG_HEADER_SIZE + WORKER_MSG_FIELD_HEADER_SIZE + sizeof(big));
        large[0] = WORKER_MSG_HID_DEVICE;
        large[WORKER_MSG_HEADER_SIZE + 1] = 0x20;
        large[WORKER_MSG_HEADER_SIZE + 2] = sizeof(big) & 0xff;
        large[WORKER_MSG_HEADER_SIZE + 3] = sizeof(big) >> 8;
        assert_int_eq(parse_exact(large, WORKER_MSG_HEADER_SIZE + WORKER_MSG_FIELD_HEADER_SIZE + sizeof(big), &m),
                      -EBADMSG);
        free(large);
        free(steal_last_copy());
}
