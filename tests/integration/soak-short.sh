#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The short soak for make check: 12 back-to-back sessions (TEARDOWN, RST or a
# plain close at random, fixed seed) against one sanitized miracastd, the C
# test sink decoding every 4th, fd count and RSS sampled and bounded, no leak
# at exit. `make soak` runs the long one (1000 sessions); see tools/soak.sh.
export SOAK_SESSIONS=${SOAK_SESSIONS:-12} SOAK_SAMPLE_EVERY=${SOAK_SAMPLE_EVERY:-4}
export SOAK_STREAM_SECONDS=${SOAK_STREAM_SECONDS:-0.5}
exec bash "${MIRACAST_SRCDIR:-.}/tools/soak.sh" "$MIRACAST_BUILD"
