/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Latency modes (see latency_mode.h). */
#include <errno.h>
#include <string.h>

#include "latency_mode.h"

static const char *const names[_LATENCY_MODE_MAX] = {
        [LATENCY_MODE_BALANCED] = "balanced",
        [LATENCY_MODE_LOW] = "low-latency",
        [LATENCY_MODE_QUALITY] = "quality",
};

/*
 * balanced is what the encoder and ABR did before modes existed (a 250 ms VBV,
 * abr.h's defaults). low-latency: a 100 ms VBV keeps every picture within
 * about three frame intervals of sending at 30 fps, and ABR lowers at a 50 ms
 * queue and 5 % loss instead of waiting. quality: a one-second VBV lets IDRs
 * and busy pictures be as large as they need, 30 fps at most, and ABR
 * tolerates a longer queue and more loss (repaired by NACKs) before giving up
 * bits. Slices: see latency_mode.h.
 */
static const struct latency_mode_params params[_LATENCY_MODE_MAX] = {
        [LATENCY_MODE_BALANCED] = { .vbv_usec = 250000, .max_fps = 0, .abr_queue_high_usec = 150000,
                                    .abr_loss_lower_pct = 10, .ms_latency = "normal" },
        [LATENCY_MODE_LOW] = { .vbv_usec = 100000, .slice_max_bytes = LATENCY_MODE_SLICE_MAX_BYTES, .max_fps = 0, .abr_queue_high_usec = 50000,
                               .abr_loss_lower_pct = 5, .ms_latency = "low" },
        [LATENCY_MODE_QUALITY] = { .vbv_usec = 1000000, .max_fps = 30, .abr_queue_high_usec = 300000,
                                   .abr_loss_lower_pct = 15, .ms_latency = "high" },
};

const char *latency_mode_to_string(enum latency_mode m)
{
        return m >= 0 && m < _LATENCY_MODE_MAX ? names[m] : NULL;
}

enum latency_mode latency_mode_from_string(const char *s)
{
        if (!s)
                return _LATENCY_MODE_INVALID;
        for (int i = 0; i < _LATENCY_MODE_MAX; i++)
                if (strcmp(s, names[i]) == 0 || strcmp(s, params[i].ms_latency) == 0)
                        return i;
        return _LATENCY_MODE_INVALID;
}

int latency_mode_get_params(enum latency_mode m, struct latency_mode_params *ret)
{
        if (m < 0 || m >= _LATENCY_MODE_MAX || !ret)
                return -EINVAL;
        *ret = params[m];
        return 0;
}
