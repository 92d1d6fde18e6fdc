/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * STUB: the ScreenCast portal client is not written yet (the portal work
 * replaces this file). Until then every request fails with -EOPNOTSUPP, so
 * User1.Cast answers org.miracastd.Error.NotSupported for "monitor",
 * "window" and "extend", and only "video" "daemon" casts.
 */
#include <errno.h>
#include <stddef.h>

#include "screencast.h"

int screencast_start(sd_bus *session_bus, const struct screencast_request *req, screencast_ready_t ready,
                     screencast_closed_t closed, void *userdata, struct screencast **ret)
{
        return -EOPNOTSUPP;
}

struct screencast *screencast_free(struct screencast *sc)
{
        return NULL;
}
