/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz the wpa_supplicant message parsers: the whole input as one event, as a
 * P2P_PEER reply and as a reply to classify/search; an event that parses must
 * be internally consistent (NUL-terminated strings within their fields).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../protocol/wpas_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *buf = (const char *) data;
        struct wpas_event e;
        struct wpas_peer p;
        const char *v;
        size_t vl;

        if (wpas_event_parse(buf, size, &e) == 0) {
                if (strnlen(e.name, sizeof(e.name)) >= sizeof(e.name) ||
                    strnlen(e.ssid, sizeof(e.ssid)) >= sizeof(e.ssid) ||
                    strnlen(e.peer, sizeof(e.peer)) >= sizeof(e.peer) ||
                    !wpas_event_type_to_string(e.type))
                        __builtin_trap();
        }
        if (wpas_peer_parse(buf, size, &p) == 0 && p.wfd_subelems_len > sizeof(p.wfd_subelems))
                __builtin_trap();
        (void) wpas_reply_classify(buf, size);
        (void) wpas_reply_to_errno(buf, size);
        if (wpas_reply_get(buf, size, "LINKSPEED", &v, &vl) == 0 && (v < buf || v + vl > buf + size))
                __builtin_trap();
        return 0;
}
