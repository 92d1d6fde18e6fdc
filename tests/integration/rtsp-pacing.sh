#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Receivers that read one RTSP message per recv() (lazycast-style, common on
# single-board computers) lose the second of two messages that reach them
# together and then wait for it forever. miracastd must never let two of its
# messages arrive back to back where the exchange lets it wait: the M3 request
# after our M2 reply was the field case (docs/rtsp-pacing.md).
#
# The test sink's --one-message-per-read waits 5 ms after each wake-up before it
# reads (a slow receiver) and fails when one read holds two messages. Twenty
# casts over loopback, each to 10 decoded frames and TEARDOWN, must all pass;
# before pacing, M3 followed the M2 reply within ~50 us and every run failed.
. "${MIRACAST_SRCDIR:-.}/tests/lib/test-lib.sh"

B=$MIRACAST_BUILD
RUNS=${PACING_RUNS:-20}
daemon_test_setup pacing
start_daemon_listener --capture testsrc --encoder x264 --max-resolution 640x480 --log-level debug

ok=0
failed=()
for i in $(seq "$RUNS"); do
        line=$("$B/miracast-test-sink" --connect "127.0.0.1:$port" --profile small --one-message-per-read \
                --frames 10 --duration 30 --timeout 20 2>"$T/sink-$i.log")
        rc=$?
        if [ "$rc" = 0 ] && grep -q "^SINK result=ok " <<<"$line" && grep -q " end=frames" <<<"$line"; then
                ok=$((ok + 1))
        else
                failed+=("run $i: exit $rc: ${line##* reason=}")
        fi
done
echo "one-message-per-read sink: $ok of $RUNS casts completed"
for f in "${failed[@]}"; do echo "  $f"; done
check "$RUNS of $RUNS casts to a one-message-per-read sink complete ($ok did)" test "$ok" = "$RUNS"

stop_daemon "daemon exits 0 on SIGTERM after the casts"
finish
