/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz the WFD source state machine with a script of events:
 *   byte 0: quirk bits for the config (and whether the link is slow)
 *   then records of  op, len, bytes...:
 *     op 0-3  sink bytes (len bytes follow)
 *     op 4    timer fires after len * 100 ms
 *     op 5    user request len % 7 (pause, resume, teardown, idr, bitrate, change format, media started)
 *     op 6    media failed
 *     op 7    connection closed
 * Every action is checked for basic sanity (SEND bytes parse as RTSP, ENDED is last).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../protocol/rtsp.h"
#include "../../protocol/source_session.h"

static void check(const struct source_session_actions *a)
{
        for (size_t i = 0; i < a->n; i++) {
                const struct source_session_action *x = &a->items[i];
                if (x->type == SOURCE_SESSION_ACTION_ENDED && i != a->n - 1)
                        abort();
                if (x->type == SOURCE_SESSION_ACTION_SEND && (x->send.len == 0 || !x->send.data))
                        abort();
                if (x->type == SOURCE_SESSION_ACTION_FRAME &&
                    ((x->frame.len > 0 && !x->frame.data) || x->frame.len > RTSP_MAX_INTERLEAVED_FRAME))
                        abort();
#ifdef FUZZ_TRACE_FRAMES
                if (x->type == SOURCE_SESSION_ACTION_FRAME)
                        fprintf(stderr, "frame %u %zu\n", x->frame.channel, x->frame.len);
                if (x->type == SOURCE_SESSION_ACTION_SEND)
                        fprintf(stderr, "send %.40s\n", x->send.data);
#endif
                if ((x->type == SOURCE_SESSION_ACTION_LOG && !x->log.text) ||
                    (x->type == SOURCE_SESSION_ACTION_ENDED && !x->ended.text))
                        abort();
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct source_session_config cfg = {
                .session_id = "6B8B4567",
                .local_address = "192.168.49.1",
                .peer_address = "192.168.49.10",
                .server_rtp_port = 16384,
                .limits = { .encoder_supports_chp = true },
        };
        struct source_session *s = NULL;
        struct source_session_actions a;
        uint64_t now = 1000000000ULL;
        size_t pos = 1;
        int r;

        if (size < 1)
                return 0;
        cfg.quirks_add = data[0] & 0x3f;
        if (data[0] & 0x40)
                cfg.stats.suggested_bps = 3000000;
        if (data[0] & 0x80)
                cfg.identity.device_name = "[LG] webOS TV UN8000PTA r";
        if (source_session_new(&cfg, &s) < 0)
                return 0;
        r = source_session_start(s, now, &a);
        if (r == 0)
                check(&a);

        while (pos + 2 <= size && r != -ESHUTDOWN) {
                uint8_t op = data[pos] & 7, len = data[pos + 1];
                pos += 2;
                switch (op) {
                case 0: case 1: case 2: case 3: {
                        size_t n = len < size - pos ? len : size - pos;
                        if (op == 3)
                                n = size - pos; /* the rest in one go */
                        r = source_session_receive(s, data + pos, n, now, &a);
                        pos += n;
                        break;
                }
                case 4:
                        now += (uint64_t) len * 100000ULL;
                        r = source_session_timer(s, now, &a);
                        break;
                case 5:
                        switch (len % 7) {
                        case 0: r = source_session_pause(s, now, &a); break;
                        case 1: r = source_session_resume(s, now, &a); break;
                        case 2: r = source_session_teardown(s, now, &a); break;
                        case 3: r = source_session_request_idr(s, now, &a); break;
                        case 4: r = source_session_set_bitrate(s, 1000000u * (len + 1), now, &a); break;
                        case 5: {
                                struct source_session_limits l = { .max_height = 240u + 4u * len, .max_fps = 30 };
                                r = source_session_change_format(s, &l, now / 11, now, &a);
                                break;
                        }
                        default: r = source_session_media_started(s, now, &a); break;
                        }
                        break;
                case 6:
                        r = source_session_media_failed(s, -EIO, "fuzz", now, &a);
                        break;
                default:
                        r = source_session_connection_closed(s, len & 1 ? -ECONNRESET : 0, now, &a);
                        break;
                }
                if (r == 0)
                        check(&a);
        }
        (void) source_session_get_state(s);
        (void) source_session_get_media(s);
        (void) source_session_get_sink_parameters(s);
        source_session_free(s);
        return 0;
}
