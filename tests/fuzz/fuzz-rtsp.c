/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz the RTSP codec. The input (after its first byte) is parsed three ways:
 * in one feed, in chunks of data[0] bytes, and byte by byte; the messages and the
 * final result must be the same every time (a split-dependent parser is a bug).
 * Every message also goes through the header helpers and a reply is built from
 * what the peer sent, as the source state machine does. An odd first byte turns
 * on interleaved frames ('$' between messages), as after an interleaved SETUP.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../protocol/rtsp.h"

struct digest {
        uint64_t hash;
        size_t n_messages;
        int result;             /* the final rtsp_parser_next() error, -EAGAIN when input ran out */
        size_t pending;
};

static void mix(struct digest *d, const void *p, size_t n)
{
        const unsigned char *c = p;
        for (size_t i = 0; i < n; i++)
                d->hash = (d->hash ^ c[i]) * 1099511628211ULL;
}

static void mix_str(struct digest *d, const char *s)
{
        mix(d, s ? s : "(null)", s ? strlen(s) + 1 : 7);
}

static void visit(const struct rtsp_message *m, struct digest *d)
{
        struct rtsp_transport t;
        struct rtsp_builder b;
        char id[64], out[1024];
        unsigned timeout = 0;
        uint32_t cseq = 0;
        const char *v;
        int r;

        mix(d, &m->type, sizeof(m->type));
        mix(d, &m->version_major, sizeof(m->version_major));
        mix(d, &m->version_minor, sizeof(m->version_minor));
        if (m->type == RTSP_MESSAGE_REQUEST) {
                mix_str(d, m->method_name);
                mix_str(d, m->uri);
        } else {
                mix(d, &m->status, sizeof(m->status));
                mix_str(d, m->reason);
        }
        for (size_t i = 0; i < m->n_headers; i++) {
                mix_str(d, m->headers[i].name);
                mix_str(d, m->headers[i].value);
        }
        mix(d, &m->body_len, sizeof(m->body_len));
        mix(d, m->body, m->body_len);
        if (m->body[m->body_len] != 0)
                abort(); /* the body is NUL-terminated */

        r = rtsp_message_get_cseq(m, &cseq);
        mix(d, &r, sizeof(r));
        r = rtsp_message_get_session(m, id, sizeof(id), &timeout);
        mix(d, &r, sizeof(r));
        v = rtsp_message_get_header(m, "Transport");
        if (v)
                (void) rtsp_transport_parse(v, &t);
        (void) rtsp_list_contains(rtsp_message_get_header(m, "Public"), "org.wfa.wfd1.0");
        (void) rtsp_list_contains(rtsp_message_get_header(m, "Require"), "org.wfa.wfd1.0");

        rtsp_builder_init(&b, out, sizeof(out));
        rtsp_builder_status_line(&b, m->type == RTSP_MESSAGE_REQUEST ? 200 : m->status, m->reason);
        rtsp_builder_cseq(&b, cseq);
        if (m->uri)
                rtsp_builder_header(&b, "X-Uri", m->uri);
        for (size_t i = 0; i < m->n_headers; i++)
                rtsp_builder_header(&b, m->headers[i].name, m->headers[i].value);
        (void) rtsp_builder_finish(&b, "text/parameters", m->body, m->body_len);
}

static void parse(struct rtsp_parser *p, const uint8_t *data, size_t size, size_t chunk, bool interleaved,
                  struct digest *d)
{
        struct rtsp_interleaved_frame f;
        struct rtsp_message m;
        size_t pos = 0;
        int r = -EAGAIN;

        *d = (struct digest) { .hash = 14695981039346656037ULL, .result = -EAGAIN };
        rtsp_parser_init(p);
        rtsp_parser_set_interleaved(p, interleaved);
        while (pos < size) {
                size_t n = chunk < size - pos ? chunk : size - pos;
                n = rtsp_parser_feed(p, data + pos, n);
                pos += n;
                while ((r = rtsp_parser_next_item(p, &m, &f)) >= 0) {
                        if (r == RTSP_ITEM_FRAME) {
                                if (f.len > RTSP_MAX_INTERLEAVED_FRAME || (f.len && !f.data))
                                        abort();
                                mix(d, &f.channel, 1);
                                mix(d, &f.len, sizeof(f.len));
                                mix(d, f.data, f.len);
                        } else
                                visit(&m, d);
                        d->n_messages++;
                }
                if (r != -EAGAIN)
                        break;
                if (n == 0)
                        abort(); /* a full buffer always holds a message or an error */
        }
        d->result = r;
        d->pending = r == -EAGAIN ? rtsp_parser_pending(p) : 0;
        (void) rtsp_error_to_status(r);
        (void) rtsp_error_to_string(r);
}

static void same(const struct digest *a, const struct digest *b)
{
        if (a->hash != b->hash || a->n_messages != b->n_messages || a->result != b->result ||
            a->pending != b->pending)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct rtsp_parser *p;
        struct digest whole, chunked, bytes;
        bool interleaved;
        size_t chunk;

        if (size == 0)
                return 0;
        chunk = data[0] ? data[0] : size;
        interleaved = data[0] & 1;
        data++;
        size--;

        p = malloc(sizeof(*p));
        if (!p)
                return 0;
        parse(p, data, size, size ? size : 1, interleaved, &whole);
        parse(p, data, size, chunk, interleaved, &chunked);
        same(&whole, &chunked);
        if (size <= 512) { /* byte by byte is slow; chunked covers splits of bigger inputs */
                parse(p, data, size, 1, interleaved, &bytes);
                same(&whole, &bytes);
        }
        free(p);
        return 0;
}
