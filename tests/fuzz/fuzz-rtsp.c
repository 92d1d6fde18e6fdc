/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz the RTSP codec: the input is fed to the parser in chunks whose sizes
 * come from the first byte, every message is run through the header helpers,
 * and a reply is built from what the peer sent (as the source FSM does).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../protocol/rtsp.h"

static void visit(const struct rtsp_message *m)
{
        struct rtsp_transport t;
        struct rtsp_builder b;
        char id[64], out[1024];
        unsigned timeout;
        uint32_t cseq = 0;
        const char *v;

        (void) rtsp_message_get_cseq(m, &cseq);
        (void) rtsp_message_get_session(m, id, sizeof(id), &timeout);
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct rtsp_parser *p;
        struct rtsp_message m;
        size_t chunk, pos = 0;
        int r = 0;

        if (size == 0)
                return 0;
        chunk = data[0] ? data[0] : size;
        data++;
        size--;

        p = malloc(sizeof(*p));
        if (!p)
                return 0;
        rtsp_parser_init(p);
        while (pos < size && r != -1) {
                size_t n = chunk < size - pos ? chunk : size - pos;
                n = rtsp_parser_feed(p, data + pos, n);
                pos += n;
                for (;;) {
                        r = rtsp_parser_next(p, &m);
                        if (r < 0)
                                break;
                        visit(&m);
                }
                if (r < 0 && r != -11 /* EAGAIN */) {
                        (void) rtsp_error_to_status(r);
                        break;
                }
                if (n == 0)
                        break; /* full buffer without a message: impossible, limits fire first */
        }
        free(p);
        return 0;
}
