/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz the MS-MICE message parser as a TCP stream (message after message,
 * as the daemon reads port 7250), the friendly-name conversion, the
 * SOURCE_READY writer (rebuilt from what was parsed, then parsed again) and
 * the _display._tcp TXT parser. Promises checked:
 *   - a parse consumes its Size, within len, and every view stays inside it;
 *   - every prefix of a parsed message is -EAGAIN;
 *   - a rebuilt SOURCE_READY parses back to the same port and source id.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../protocol/mice_msg.h"

static void check_view(const uint8_t *v, size_t vl, const uint8_t *buf, size_t n)
{
        if (v && (v < buf || v + vl > buf + n))
                __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        size_t off = 0;
        struct mice_display_txt txt;

        while (off < size) {
                struct mice_msg m, again;
                char name[MICE_FRIENDLY_NAME_UTF8_MAX];
                uint8_t out[MICE_MAX_MESSAGE];
                ssize_t n = mice_msg_parse(data + off, size - off, &m), k;

                if (n < 0)
                        break;
                if (n < MICE_HEADER_SIZE || (size_t) n > size - off || n != m.size || m.version != MICE_VERSION)
                        __builtin_trap();
                check_view(m.friendly_name, m.friendly_name_len, data + off, (size_t) n);
                check_view(m.source_id, m.source_id_len, data + off, (size_t) n);
                if (m.friendly_name_len % 2 || m.friendly_name_len > MICE_MAX_FRIENDLY_NAME ||
                    m.source_id_len > MICE_MAX_SOURCE_ID || m.n_unknown_tlvs > m.n_tlvs)
                        __builtin_trap();
                /* every proper prefix is "need more" (checked on the first message only: cost) */
                if (off == 0)
                        for (size_t p = 0; p < (size_t) n; p++)
                                if (mice_msg_parse(data, p, &again) != -EAGAIN)
                                        __builtin_trap();

                if (mice_friendly_name_to_utf8(m.friendly_name, m.friendly_name_len, name, sizeof(name)) < 0)
                        __builtin_trap();
                (void) mice_command_to_string(m.command);
                (void) mice_msg_refusal_reason(&m);

                k = mice_msg_build_source_ready(name, m.has_rtsp_port ? m.rtsp_port : 7236, m.source_id,
                                                m.source_id_len, out, sizeof(out));
                if (k >= 0) {
                        if (mice_msg_parse(out, (size_t) k, &again) != k || !again.has_rtsp_port ||
                            again.source_id_len != m.source_id_len ||
                            memcmp(again.source_id, m.source_id, m.source_id_len) != 0 ||
                            again.rtsp_port != (m.has_rtsp_port ? m.rtsp_port : 7236))
                                __builtin_trap();
                }
                off += (size_t) n;
        }

        if (mice_display_txt_parse(data, size, &txt) == 0) {
                if (txt.has_container_id && strlen(txt.container_id) != MICE_CONTAINER_ID_MAX)
                        __builtin_trap();
        }
        return 0;
}
