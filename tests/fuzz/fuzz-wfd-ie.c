/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz the WFD IE parsers: the input as subelements, as whole IEs, and as
 * hex; whatever parses must build back and parse to the same fields.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../protocol/wfd_ie.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct wfd_ie ie, again;
        uint8_t out[1024], bytes[512];
        size_t n;
        ssize_t built;

        if (wfd_ie_parse_subelems(data, size, &ie) == 0) {
                built = wfd_ie_build_subelems(&ie, out, sizeof(out));
                if (built < 0 || wfd_ie_parse_subelems(out, built, &again) != 0)
                        __builtin_trap();
                if (again.has_device_info != ie.has_device_info ||
                    memcmp(&again.device_info, &ie.device_info, sizeof(ie.device_info)) != 0 ||
                    again.n_sessions != ie.n_sessions)
                        __builtin_trap();
        }
        (void) wfd_ie_parse_elements(data, size, &ie);
        (void) wfd_subelem_parse_get((const char *) data, size, bytes, sizeof(bytes), &n);
        if (wfd_hex_decode((const char *) data, size, bytes, sizeof(bytes), &n) == 0 && n > sizeof(bytes))
                __builtin_trap();
        return 0;
}
