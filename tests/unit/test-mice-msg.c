/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * MS-MICE control messages ([MS-MICE] 2.2) and the _display._tcp TXT record:
 * byte-exact builds, parses of every prefix, malformed and secured messages.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../protocol/mice_msg.h"
#include "../lib/test.h"

static const uint8_t source_id[16] = "0123456789abcdef";

/* SOURCE_READY, name "Linux", port 7236, id "0123456789abcdef": laid out by hand from [MS-MICE] 2.2.1. */
static const uint8_t source_ready_linux[] = {
        0x00, 0x29, 0x01, 0x01,                                         /* Size 41, Version 1, SOURCE_READY */
        0x00, 0x00, 0x0a, 'L', 0, 'i', 0, 'n', 0, 'u', 0, 'x', 0,       /* FRIENDLY_NAME, 10 bytes UTF-16LE */
        0x02, 0x00, 0x02, 0x1c, 0x44,                                   /* RTSP_PORT 7236 */
        0x03, 0x00, 0x10, '0', '1', '2', '3', '4', '5', '6', '7', '8', '9',
        'a', 'b', 'c', 'd', 'e', 'f',                                   /* SOURCE_ID, 16 bytes */
};

/* STOP_PROJECTION from a sink, name "TV", same id ([MS-MICE] 2.2.2). */
static const uint8_t stop_projection_tv[] = {
        0x00, 0x1e, 0x01, 0x02,                                         /* Size 30, Version 1, STOP_PROJECTION */
        0x00, 0x00, 0x04, 'T', 0, 'V', 0,
        0x03, 0x00, 0x10, '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c', 'd', 'e', 'f',
};

/* Parse from an exact-size heap copy, so ASan catches any read past len. */
static ssize_t parse_exact(const uint8_t *data, size_t len, struct mice_msg *m)
{
        uint8_t *copy = malloc(len ? len : 1);
        ssize_t r;

        memcpy(copy, data, len);
        r = mice_msg_parse(copy, len, m);
        /* views must point into the copy: re-aim them at data before freeing */
        if (r >= 0) {
                if (m->friendly_name)
                        m->friendly_name = data + (m->friendly_name - copy);
                if (m->source_id)
                        m->source_id = data + (m->source_id - copy);
        }
        free(copy);
        return r;
}

TEST(mice_build_source_ready, "/mice/build/SOURCE_READY is byte-exact (name, RTSP port, source id)") {
        uint8_t buf[128];
        ssize_t n = mice_msg_build_source_ready("Linux", 7236, source_id, sizeof(source_id), buf, sizeof(buf));

        assert_int_eq(n, sizeof(source_ready_linux));
        assert_mem_eq(buf, source_ready_linux, sizeof(source_ready_linux));
        /* exactly enough room works, one byte less does not */
        assert_int_eq(mice_msg_build_source_ready("Linux", 7236, source_id, 16, buf, 41), 41);
        assert_int_eq(mice_msg_build_source_ready("Linux", 7236, source_id, 16, buf, 40), -ENOBUFS);
}

TEST(mice_build_stop, "/mice/build/STOP_PROJECTION carries name and source id, no port") {
        uint8_t buf[64];
        ssize_t n = mice_msg_build_stop_projection("TV", source_id, 16, buf, sizeof(buf));

        assert_int_eq(n, sizeof(stop_projection_tv));
        assert_mem_eq(buf, stop_projection_tv, sizeof(stop_projection_tv));
}

TEST(mice_build_bad, "/mice/build/invalid UTF-8, overlong, too long name, port 0, empty id are refused") {
        uint8_t buf[1024];
        char long_name[262];

        assert_int_eq(mice_msg_build_source_ready("caf\xc3\x28", 7236, source_id, 16, buf, sizeof(buf)), -EINVAL);
        assert_int_eq(mice_msg_build_source_ready("\xc0\xaf", 7236, source_id, 16, buf, sizeof(buf)), -EINVAL);
        assert_int_eq(mice_msg_build_source_ready("\xed\xa0\x80", 7236, source_id, 16, buf, sizeof(buf)), -EINVAL);
        assert_int_eq(mice_msg_build_source_ready("", 7236, source_id, 16, buf, sizeof(buf)), -EINVAL);
        assert_int_eq(mice_msg_build_source_ready("x", 0, source_id, 16, buf, sizeof(buf)), -EINVAL);
        assert_int_eq(mice_msg_build_source_ready("x", 7236, source_id, 0, buf, sizeof(buf)), -EINVAL);
        /* 260 ASCII characters = 520 bytes of UTF-16: the limit; 261 is over it */
        memset(long_name, 'a', 261);
        long_name[261] = '\0';
        assert_int_eq(mice_msg_build_source_ready(long_name, 7236, source_id, 16, buf, sizeof(buf)), -ENAMETOOLONG);
        long_name[260] = '\0';
        assert_int_eq(mice_msg_build_source_ready(long_name, 7236, source_id, 16, buf, sizeof(buf)),
                      4 + 3 + 520 + 5 + 3 + 16);
}

TEST(mice_parse_source_ready, "/mice/parse/SOURCE_READY fields, and every prefix is -EAGAIN") {
        struct mice_msg m;
        char name[MICE_FRIENDLY_NAME_UTF8_MAX];

        for (size_t i = 0; i < sizeof(source_ready_linux); i++)
                assert_int_eq(parse_exact(source_ready_linux, i, &m), -EAGAIN);
        assert_int_eq(parse_exact(source_ready_linux, sizeof(source_ready_linux), &m), 41);
        assert_int_eq(m.size, 41);
        assert_int_eq(m.version, 1);
        assert_int_eq(m.command, MICE_COMMAND_SOURCE_READY);
        assert_int_eq(m.friendly_name_len, 10);
        assert_int_eq(mice_friendly_name_to_utf8(m.friendly_name, m.friendly_name_len, name, sizeof(name)), 5);
        assert_str_eq(name, "Linux");
        assert_true(m.has_rtsp_port);
        assert_int_eq(m.rtsp_port, 7236);
        assert_int_eq(m.source_id_len, 16);
        assert_mem_eq(m.source_id, source_id, 16);
        assert_int_eq(m.n_tlvs, 3);
        assert_int_eq(m.n_unknown_tlvs, 0);
        assert_str_eq(mice_command_to_string(m.command), "SOURCE_READY");
        assert_non_null(mice_msg_refusal_reason(&m));
}

TEST(mice_parse_stream, "/mice/parse/two messages in one read: the first is consumed, then the second") {
        uint8_t two[sizeof(stop_projection_tv) + sizeof(source_ready_linux)];
        struct mice_msg m;
        ssize_t n;

        memcpy(two, stop_projection_tv, sizeof(stop_projection_tv));
        memcpy(two + sizeof(stop_projection_tv), source_ready_linux, sizeof(source_ready_linux));
        n = parse_exact(two, sizeof(two), &m);
        assert_int_eq(n, sizeof(stop_projection_tv));
        assert_int_eq(m.command, MICE_COMMAND_STOP_PROJECTION);
        assert_null(mice_msg_refusal_reason(&m));
        assert_false(m.has_rtsp_port);
        assert_int_eq(parse_exact(two + n, sizeof(two) - n, &m), sizeof(source_ready_linux));
        assert_int_eq(m.command, MICE_COMMAND_SOURCE_READY);
}

TEST(mice_parse_unknown_tlv, "/mice/parse/unknown TLVs are skipped, unknown commands parse") {
        static const uint8_t msg[] = {
                0x00, 0x12, 0x01, 0x02,
                0x42, 0x00, 0x03, 0xaa, 0xbb, 0xcc,          /* unknown type 0x42 */
                0x01, 0x00, 0x00,                            /* type 1 is unassigned: skipped too */
                0x03, 0x00, 0x02, 'i', 'd',
        };
        static const uint8_t unknown_cmd[] = { 0x00, 0x04, 0x01, 0x77 };
        struct mice_msg m;

        assert_int_eq(parse_exact(msg, sizeof(msg), &m), sizeof(msg));
        assert_int_eq(m.n_tlvs, 3);
        assert_int_eq(m.n_unknown_tlvs, 2);
        assert_int_eq(m.source_id_len, 2);
        assert_null(m.friendly_name);
        assert_int_eq(parse_exact(unknown_cmd, sizeof(unknown_cmd), &m), 4);
        assert_int_eq(m.command, 0x77);
        assert_null(mice_command_to_string(m.command));
        assert_str_eq(mice_msg_refusal_reason(&m), "sink sent an unknown MS-MICE command");
}

TEST(mice_parse_bad, "/mice/parse/bad Size, version, overruns, wrong lengths and repeats are refused") {
        static const uint8_t size3[] = { 0x00, 0x03, 0x01, 0x01 };
        static const uint8_t big[] = { 0x10, 0x01, 0x01, 0x01 };
        static const uint8_t http[] = "GET / HTTP/1.1\r\n";
        static const uint8_t v2[] = { 0x00, 0x04, 0x02, 0x01 };
        static const uint8_t overrun[] = { 0x00, 0x09, 0x01, 0x01, 0x00, 0x00, 0x04, 'x', 0 };
        static const uint8_t half_tlv[] = { 0x00, 0x06, 0x01, 0x01, 0x02, 0x00 };
        static const uint8_t port3[] = { 0x00, 0x0a, 0x01, 0x01, 0x02, 0x00, 0x03, 0x1c, 0x44, 0x00 };
        static const uint8_t odd_name[] = { 0x00, 0x0a, 0x01, 0x01, 0x00, 0x00, 0x03, 'a', 0, 'b' };
        static const uint8_t empty_id[] = { 0x00, 0x07, 0x01, 0x02, 0x03, 0x00, 0x00 };
        static const uint8_t two_ports[] = { 0x00, 0x0e, 0x01, 0x01, 0x02, 0x00, 0x02, 0x1c, 0x44,
                                             0x02, 0x00, 0x02, 0x1c, 0x45 };
        static const uint8_t opts2[] = { 0x00, 0x09, 0x01, 0x04, 0x05, 0x00, 0x02, 0x01, 0x00 };
        struct mice_msg m = { .size = 999 };

        assert_int_eq(parse_exact(size3, sizeof(size3), &m), -EBADMSG);
        assert_int_eq(parse_exact(big, 2, &m), -E2BIG);     /* known from 2 bytes */
        assert_int_eq(parse_exact(http, sizeof(http) - 1, &m), -E2BIG);
        assert_int_eq(parse_exact(v2, 3, &m), -EPROTONOSUPPORT);
        assert_int_eq(parse_exact(overrun, sizeof(overrun), &m), -EBADMSG);
        assert_int_eq(parse_exact(half_tlv, sizeof(half_tlv), &m), -EBADMSG);
        assert_int_eq(parse_exact(port3, sizeof(port3), &m), -EBADMSG);
        assert_int_eq(parse_exact(odd_name, sizeof(odd_name), &m), -EBADMSG);
        assert_int_eq(parse_exact(empty_id, sizeof(empty_id), &m), -EBADMSG);
        assert_int_eq(parse_exact(two_ports, sizeof(two_ports), &m), -EBADMSG);
        assert_int_eq(parse_exact(opts2, sizeof(opts2), &m), -EBADMSG);
        assert_int_eq(m.size, 999);  /* never written on failure */
        assert_int_eq(mice_msg_parse(NULL, 4, &m), -EINVAL);
}

TEST(mice_parse_max, "/mice/parse/a message of exactly MICE_MAX_MESSAGE parses; one byte more is -E2BIG") {
        static uint8_t buf[MICE_MAX_MESSAGE + 1];
        size_t vl = MICE_MAX_MESSAGE - 4 - 3;
        struct mice_msg m;

        memset(buf, 0, sizeof(buf));
        buf[0] = MICE_MAX_MESSAGE >> 8, buf[1] = MICE_MAX_MESSAGE & 0xff, buf[2] = 1, buf[3] = 2;
        buf[4] = 0x99, buf[5] = (uint8_t) (vl >> 8), buf[6] = (uint8_t) vl;
        assert_int_eq(parse_exact(buf, MICE_MAX_MESSAGE, &m), MICE_MAX_MESSAGE);
        assert_int_eq(m.n_unknown_tlvs, 1);
        buf[0] = (MICE_MAX_MESSAGE + 1) >> 8, buf[1] = (MICE_MAX_MESSAGE + 1) & 0xff;
        assert_int_eq(parse_exact(buf, sizeof(buf), &m), -E2BIG);
}

TEST(mice_parse_security, "/mice/parse/SESSION_REQUEST, DTLS handshake and PIN messages are recognised for refusal") {
        static const uint8_t session_req[] = {
                0x00, 0x0c, 0x01, 0x04,
                0x05, 0x00, 0x01, MICE_SECURITY_USE_DTLS | MICE_SECURITY_SINK_PIN,
                0x03, 0x00, 0x01, 'S',
        };
        static const uint8_t handshake[] = { 0x00, 0x0b, 0x01, 0x03, 0x04, 0x00, 0x04, 0x16, 0xfe, 0xfd, 0x00 };
        static const uint8_t pin[] = { 0x00, 0x0a, 0x01, 0x05, 0x06, 0x00, 0x03, 1, 2, 3 };
        static const uint8_t pin_resp[] = { 0x00, 0x08, 0x01, 0x06, 0x07, 0x00, 0x01, 0x02 };
        struct mice_msg m;
        uint16_t size;
        uint8_t version, command;

        assert_int_eq(parse_exact(session_req, sizeof(session_req), &m), sizeof(session_req));
        assert_true(mice_command_is_security(m.command));
        assert_true(m.has_security_options);
        assert_int_eq(m.security_options, 3);
        assert_true(strstr(mice_msg_refusal_reason(&m), "not supported") != NULL);

        assert_int_eq(parse_exact(handshake, sizeof(handshake), &m), sizeof(handshake));
        assert_true(m.has_security_token);
        assert_str_eq(mice_command_to_string(m.command), "SECURITY_HANDSHAKE");
        assert_true(strstr(mice_msg_refusal_reason(&m), "DTLS") != NULL);

        assert_int_eq(parse_exact(pin, sizeof(pin), &m), sizeof(pin));
        assert_true(m.has_pin_challenge);
        assert_true(strstr(mice_msg_refusal_reason(&m), "PIN") != NULL);
        assert_int_eq(parse_exact(pin_resp, sizeof(pin_resp), &m), sizeof(pin_resp));
        assert_true(m.has_pin_response_reason);
        assert_int_eq(m.pin_response_reason, 2);

        assert_false(mice_command_is_security(MICE_COMMAND_SOURCE_READY));
        assert_false(mice_command_is_security(MICE_COMMAND_STOP_PROJECTION));
        assert_false(mice_command_is_security(7));

        /* a secured message too big for us to parse can still be named from its header */
        assert_int_eq(mice_msg_peek(handshake, 3, &size, &version, &command), -EAGAIN);
        assert_int_eq(mice_msg_peek((const uint8_t[]) { 0x20, 0x00, 0x01, 0x03 }, 4, &size, &version, &command), 0);
        assert_int_eq(size, 0x2000);
        assert_int_eq(version, 1);
        assert_int_eq(command, MICE_COMMAND_SECURITY_HANDSHAKE);
}

TEST(mice_name_utf8, "/mice/name/UTF-16LE names: non-ASCII, surrogate pairs, lone surrogates, NUL, controls") {
        /* "Café 📺" built through the writer, read back through the reader */
        const char *in = "Caf\xc3\xa9 \xf0\x9f\x93\xba";
        uint8_t buf[128];
        struct mice_msg m;
        char out[MICE_FRIENDLY_NAME_UTF8_MAX];
        ssize_t n = mice_msg_build_stop_projection(in, source_id, 16, buf, sizeof(buf));

        assert_int_ge(n, 0);
        /* C a f é space = 5 units, the TV emoji = a surrogate pair */
        assert_int_eq(buf[5] << 8 | buf[6], 14);
        assert_int_eq(buf[7 + 10], 0x3d);  /* high surrogate 0xD83D, little-endian */
        assert_int_eq(buf[7 + 11], 0xd8);
        assert_int_eq(parse_exact(buf, n, &m), n);
        assert_int_eq(mice_friendly_name_to_utf8(m.friendly_name, m.friendly_name_len, out, sizeof(out)), strlen(in));
        assert_str_eq(out, in);

        /* lone low surrogate, then a BEL control, then NUL ends the name */
        static const uint8_t odd[] = { 0x00, 0xdc, 'A', 0, 0x07, 0, 0, 0, 'Z', 0 };
        assert_int_eq(mice_friendly_name_to_utf8(odd, sizeof(odd), out, sizeof(out)), 7);
        assert_str_eq(out, "\xef\xbf\xbd" "A" "\xef\xbf\xbd");
        /* high surrogate at the very end, and an odd trailing byte */
        static const uint8_t tail[] = { 'B', 0, 0x3d, 0xd8, 'x' };
        assert_int_eq(mice_friendly_name_to_utf8(tail, sizeof(tail), out, sizeof(out)), 7);
        assert_str_eq(out, "B\xef\xbf\xbd\xef\xbf\xbd");
        /* room for "Li" and NUL only */
        assert_int_eq(mice_friendly_name_to_utf8(source_ready_linux + 7, 10, out, 3), -ENOBUFS);
        assert_int_eq(mice_friendly_name_to_utf8(source_ready_linux + 7, 10, out, 6), 5);
        assert_int_eq(mice_friendly_name_to_utf8(NULL, 0, out, sizeof(out)), 0);
        assert_str_eq(out, "");
}

TEST(mice_txt, "/mice/txt/container_id and p2pMAC from TXT RDATA; case, braces, repeats, malformed") {
        static const char rdata[] =
                "\x33" "container_id={1111AAAA-2222-3333-4444-555566667777}"
                "\x0e" "p2pmac=bogus!!"
                "\x18" "P2PMAC=02:11:22:aa:bb:cc"
                "\x18" "p2pMAC=02:00:00:00:00:01"
                "\x08" "novalue="
                "\x04" "flag"
                "\x00";
        struct mice_display_txt t = { .n_bad = 77 };

        assert_int_eq(mice_display_txt_parse((const uint8_t *) rdata, sizeof(rdata) - 1, &t), 0);
        assert_true(t.has_container_id);
        assert_str_eq(t.container_id, "1111aaaa-2222-3333-4444-555566667777");
        assert_true(t.has_p2p_mac);
        assert_mem_eq(t.p2p_mac, ((const uint8_t[]) { 0x02, 0x11, 0x22, 0xaa, 0xbb, 0xcc }), 6);
        assert_int_eq(t.n_bad, 1);

        /* single entries: no braces, 12 hex digits, wrong GUID shape */
        struct mice_display_txt u = {};
        assert_int_eq(mice_display_txt_add(&u, (const uint8_t *) "container_id=11111111-2222-3333-4444-555555555555", 49), 1);
        assert_int_eq(mice_display_txt_add(&u, (const uint8_t *) "p2pMAC=0211223344FF", 19), 1);
        assert_int_eq(u.p2p_mac[5], 0xff);
        struct mice_display_txt v = {};
        assert_int_eq(mice_display_txt_add(&v, (const uint8_t *) "container_id=11111111_2222-3333-4444-555555555555", 49), -EBADMSG);
        assert_int_eq(mice_display_txt_add(&v, (const uint8_t *) "container_id={11111111-2222-3333-4444-55555555555}", 50), -EBADMSG);
        assert_false(v.has_container_id);
        assert_int_eq(mice_display_txt_add(&v, (const uint8_t *) "other=1", 7), 0);

        /* a length byte running past the record */
        assert_int_eq(mice_display_txt_parse((const uint8_t *) "\x05" "ab", 3, &t), -EBADMSG);
        assert_int_eq(mice_display_txt_parse(NULL, 0, &t), 0);
        assert_false(t.has_container_id);
}
