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
T=$(mktemp -d /tmp/miracast-pacing.XXXXXX)
bus_pid=
daemon_pid=
cleanup() {
        [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null
        [ -n "$bus_pid" ] && kill "$bus_pid" 2>/dev/null
        wait 2>/dev/null
        [ -n "${KEEP_TMP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT

private_bus "$T/bus"
bus_pid=$private_bus_pid
export MIRACASTCTL_BUS="unix:path=$T/bus"

"$B/miracastd" --config /dev/null -o p2p-backend=none --capture testsrc --encoder x264 \
        --max-resolution 640x480 --bus "$MIRACASTCTL_BUS" --log-level debug >"$T/daemon.log" 2>&1 &
daemon_pid=$!
for _ in $(seq 300); do "$B/miracastctl" info >/dev/null 2>&1 && break; sleep 0.1; done
out=$("$B/miracastctl" listen 127.0.0.1:0)
port=${out##*:}
check "listening on a kernel-chosen port ($out)" test -n "$port"

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

kill -TERM "$daemon_pid"
wait "$daemon_pid"
rc=$?
daemon_pid=
check "daemon exits 0 on SIGTERM after the casts" test "$rc" = 0
finish
