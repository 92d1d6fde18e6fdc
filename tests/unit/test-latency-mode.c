/* SPDX-License-Identifier: GPL-2.0-or-later */
/* protocol/latency_mode: names both ways, and the mapping's order between the modes. */
#include <errno.h>

#include "../../protocol/latency_mode.h"
#include "../lib/test.h"

TEST(latency_names, "/latency-mode/names round-trip; [MS-WFDPE] spellings are accepted; junk is refused")
{
        for (int m = 0; m < _LATENCY_MODE_MAX; m++)
                assert_int_eq(latency_mode_from_string(latency_mode_to_string(m)), m);
        assert_int_eq(latency_mode_from_string("low"), LATENCY_MODE_LOW);
        assert_int_eq(latency_mode_from_string("normal"), LATENCY_MODE_BALANCED);
        assert_int_eq(latency_mode_from_string("high"), LATENCY_MODE_QUALITY);
        assert_int_eq(latency_mode_from_string("Low-Latency"), _LATENCY_MODE_INVALID);
        assert_int_eq(latency_mode_from_string(""), _LATENCY_MODE_INVALID);
        assert_int_eq(latency_mode_from_string(NULL), _LATENCY_MODE_INVALID);
        assert_null(latency_mode_to_string(_LATENCY_MODE_MAX));
        assert_null(latency_mode_to_string(_LATENCY_MODE_INVALID));
}

TEST(latency_params, "/latency-mode/low-latency buffers least and reacts soonest, quality the opposite")
{
        struct latency_mode_params low, bal, q, untouched = { .vbv_usec = 7 };

        assert_int_eq(latency_mode_get_params(LATENCY_MODE_LOW, &low), 0);
        assert_int_eq(latency_mode_get_params(LATENCY_MODE_BALANCED, &bal), 0);
        assert_int_eq(latency_mode_get_params(LATENCY_MODE_QUALITY, &q), 0);
        assert_true(low.vbv_usec < bal.vbv_usec && bal.vbv_usec < q.vbv_usec);
        assert_true(low.abr_queue_high_usec < bal.abr_queue_high_usec && bal.abr_queue_high_usec < q.abr_queue_high_usec);
        assert_true(low.abr_loss_lower_pct < bal.abr_loss_lower_pct && bal.abr_loss_lower_pct < q.abr_loss_lower_pct);
        /* balanced is what there was before modes: a 250 ms VBV and abr.h's defaults */
        assert_int_eq(bal.vbv_usec, 250000);
        assert_int_eq(bal.max_fps, 0);
        assert_int_eq(q.max_fps, 30);
        /* slices: low-latency's fit one RTP packet's payload; the others keep one slice per picture */
        assert_int_eq(low.slice_max_bytes, LATENCY_MODE_SLICE_MAX_BYTES);
        assert_true(low.slice_max_bytes > 0 && low.slice_max_bytes <= 7 * 184);
        assert_int_eq(bal.slice_max_bytes, 0);
        assert_int_eq(q.slice_max_bytes, 0);
        assert_str_eq(low.ms_latency, "low");
        assert_str_eq(bal.ms_latency, "normal");
        assert_str_eq(q.ms_latency, "high");
        assert_int_eq(latency_mode_get_params(_LATENCY_MODE_MAX, &untouched), -EINVAL);
        assert_int_eq(untouched.vbv_usec, 7);
}
