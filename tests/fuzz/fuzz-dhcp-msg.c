/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz the DHCP parser; whatever parses must build and parse back to the same type/xid/addresses. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../protocol/dhcp_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct dhcp_msg m, again;
        uint8_t out[DHCP_MAX_LEN];
        ssize_t n;

        if (dhcp_msg_parse(data, size, &m) != 0)
                return 0;
        if (m.client_id_len > sizeof(m.client_id))
                __builtin_trap();
        n = dhcp_msg_build(&m, out, sizeof(out));
        if (n < 0 || dhcp_msg_parse(out, n, &again) != 0)
                __builtin_trap();
        if (again.xid != m.xid || again.type != m.type || memcmp(again.yiaddr, m.yiaddr, 4) != 0 ||
            again.has_server_id != m.has_server_id)
                __builtin_trap();
        return 0;
}
