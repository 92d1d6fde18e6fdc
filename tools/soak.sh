#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Soak (issue #6 item 4): SOAK_SESSIONS (default 1000) back-to-back sessions
# against ONE miracastd built with ASan/LSan (make soak builds build/check),
# driven by tools/soak.py: connect, negotiate, stream SOAK_STREAM_SECONDS
# (default 1), then TEARDOWN, RST or a plain close, picked at random with the
# fixed seed SOAK_SEED (default 6). Every SOAK_SAMPLE_EVERY (default 50)
# sessions the C test sink must decode frames and the daemon's fd count and
# RSS are printed. Fails when a session fails, the fd count rises more than 2
# over the first sample or RSS more than 32 MiB over it (bounds in soak.py),
# or the daemon does not exit 0 on SIGTERM with no sanitizer report (a leak
# found by LeakSanitizer at exit is a non-zero exit).
# SOAK_MINUTES=N instead: one continuous 1080p30 session for N minutes (the
# daemon at --max-resolution 1920x1080), RSS and fd count sampled every
# SOAK_SAMPLE_SECONDS (60), RTP timestamps and PCR checked against the wall
# clock (drift at most 100 ms), RSS at most 32 MiB over the first sample.
# Usage: tools/soak.sh BUILD_DIR    (tests/integration/soak-short.sh runs 12)
. "${MIRACAST_SRCDIR:-.}/tests/lib/test-lib.sh"
B=${1:-${MIRACAST_BUILD:-build/check}}
S=${MIRACAST_SRCDIR:-.}
SESSIONS=${SOAK_SESSIONS:-1000}
SEED=${SOAK_SEED:-6}
EVERY=${SOAK_SAMPLE_EVERY:-50}
STREAM=${SOAK_STREAM_SECONDS:-1}
T=$(mktemp -d /tmp/miracast-soak.XXXXXX)
daemon_pid=
cleanup() {
        [ -n "$daemon_pid" ] && kill -KILL "$daemon_pid" 2>/dev/null
        [ -n "${KEEP_TMP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT

# A small quarantine keeps ASan's RSS about what the daemon really uses, so growth shows.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}:quarantine_size_mb=16
if [ -n "${SOAK_MINUTES:-}" ]; then
        size=(--max-resolution 1920x1080 --max-fps 30)
else
        size=(--max-resolution 320x240 --max-fps 15)
fi
MIRACAST_BUILD=$B start_daemon_without_bus --config /dev/null -o p2p-backend=none --capture testsrc --encoder x264 \
        "${size[@]}" --log-level info
if [ -n "${SOAK_MINUTES:-}" ]; then
        echo "soak: one continuous session for $SOAK_MINUTES min, sample every ${SOAK_SAMPLE_SECONDS:-60} s"
        python3 "$S/tools/soak.py" continuous "$port" "$daemon_pid" "$SOAK_MINUTES" "${SOAK_SAMPLE_SECONDS:-60}" |
                tee "$T/soak.out" | grep --line-buffered -v '^CHECK '
        py_rc=${PIPESTATUS[0]}
else
        echo "soak: $SESSIONS sessions, seed $SEED, sample every $EVERY, stream ${STREAM} s each"
        python3 "$S/tools/soak.py" "$port" "$daemon_pid" "$SESSIONS" "$SEED" "$EVERY" "$STREAM" \
                "$B/miracast-test-sink" | tee "$T/soak.out" | grep --line-buffered -v '^CHECK '
        py_rc=${PIPESTATUS[0]}
fi
[ "$py_rc" = 0 ] || fail "soak driver ran to the end" "$(tail -n 3 "$T/soak.out")"
while read -r _ verdict text; do
        if [ "$verdict" = ok ]; then pass "$text"; else fail "$text"; fi
done < <(grep '^CHECK ' "$T/soak.out")

check "the daemon is still running" kill -0 "$daemon_pid"
stop_daemon "the daemon exits 0 on SIGTERM (LeakSanitizer found no leak)"
check_no_sanitizer_report "no sanitizer report in the daemon log" "$T/daemon.log"
[ "$daemon_status" = 0 ] || tail -n 20 "$T/daemon.log"
finish
