#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# RTP interleaved in the RTSP connection (docs/rtcp.md, "RTP over TCP"): a test
# sink that lists only RTP/AVP/TCP and asks for interleaved=0-1 in SETUP. The
# RTP packets (channel 0) and our sender reports (channel 1) must come as '$'
# frames between the RTSP messages, the sink must decode the picture, and the
# RTSP traffic must go on beside it: the sink's M13 IDR request answered, the
# sink's receiver reports (channel 1) read (Statistics rtcp-reports), our M16
# keep-alive (20 s after PLAY) answered, TEARDOWN at the end.
. "${MIRACAST_SRCDIR:-.}/tests/lib/test-lib.sh"

B=$MIRACAST_BUILD
T=$(mktemp -d /tmp/miracast-rtp-il.XXXXXX)
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
"$B/miracastd" --config /dev/null -o p2p-backend=none --capture testsrc:motion --encoder x264 \
        --max-resolution 640x480 --bus "$MIRACASTCTL_BUS" >"$T/daemon.log" 2>&1 &
daemon_pid=$!
for _ in $(seq 300); do "$B/miracastctl" info >/dev/null 2>&1 && break; sleep 0.1; done
out=$("$B/miracastctl" listen 127.0.0.1:0)
port=${out##*:}
check "listening ($out)" test -n "$port"

"$B/miracast-test-sink" --connect "127.0.0.1:$port" --interleaved --rtcp --frames 100000 --idr-after 10 \
        --duration 23 --timeout 40 --expect-mode 640x480p60 --expect-wfd-ts >"$T/il.out" 2>"$T/il.log" &
sink_pid=$!
sleep 8
json=$("$B/miracastctl" status --json 2>/dev/null)
wait "$sink_pid"
rc=$?
line=$(cat "$T/il.out")
echo "interleaved: $line"
reports=$(python3 -c '
import json, sys
d = [x for x in json.loads(sys.argv[1]) if x.get("State") == "playing"]
print(d[-1]["Statistics"].get("rtcp-reports", 0) if d else 0)' "$json")
check "interleaved: negotiated, decoded, WFD TS, TEARDOWN (exit $rc)" \
        test "$rc" = 0 -a -n "$(grep "^SINK result=ok " <<<"$line" | grep " end=duration")"
check "RTP came as '\$' frames on channel 0, framing whole" grep -q " transport=interleaved " <<<"$line"
check "nothing lost or malformed" grep -q " rtp_lost=0 rtp_bad=0 " <<<"$line"
check "an M13 IDR request was answered between the frames" grep -qE " idr_keyframes=[1-9]" <<<"$line"
check "our M16 keep-alive came and was answered" grep -qE " keepalives=[1-9]" <<<"$line"
check "our sender reports came on channel 1" grep -qE " rtcp_sr=[1-9]" <<<"$line"
check "the sink's receiver reports on channel 1 were read (rtcp-reports $reports)" test "${reports:-0}" -gt 0
check "the daemon says so" grep -q "(RTP interleaved in RTSP)" "$T/daemon.log"

line=$("$B/miracast-test-sink" --connect "127.0.0.1:$port" --frames 20 --duration 30 --timeout 30 2>"$T/udp.log")
echo "udp: $line"
check "the next sink over UDP still plays" grep -q "^SINK result=ok .* transport=udp " <<<"$line"
finish
