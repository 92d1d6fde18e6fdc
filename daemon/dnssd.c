/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the DNS-SD backends (avahi.c, resolved.c) read alike from their replies. */
#include <systemd/sd-bus.h>

#include "dnssd.h"

int dnssd_read_txt(sd_bus_message *m, struct mice_display_txt *ret)
{
        struct mice_display_txt txt = {};
        int r;

        r = sd_bus_message_enter_container(m, 'a', "ay");
        if (r < 0)
                return r;
        for (;;) {
                const void *data;
                size_t len;

                r = sd_bus_message_read_array(m, 'y', &data, &len);
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                if (mice_display_txt_add(&txt, data, len) < 0)
                        txt.n_bad++;
        }
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        *ret = txt;
        return 0;
}
