#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Latency modes (docs/rtcp.md): one miracastd, one listener per mode
# (Manager1.Listen option latency through miracastctl listen --latency), a
# 720p cast of the moving test picture to each with a test sink that offers
# microsoft_latency_management_capability. Each session must report its mode
# in Statistics, the sink must hear it in M4 (low, normal, high), quality must
# stay at 30 fps or less, and the capture-to-send latency (p50/p99) of each
# mode is printed.
. "${MIRACAST_SRCDIR:-.}/tests/lib/test-lib.sh"

B=$MIRACAST_BUILD
daemon_test_setup latency
start_daemon --capture testsrc:motion --encoder x264 --max-resolution 1280x720

check "listen --latency refuses a mode that does not exist" \
        bash -c "! '$B/miracastctl' listen --latency fast 127.0.0.1:0 2>/dev/null"

summary=
for mode in low-latency balanced quality; do
        out=$("$B/miracastctl" listen --latency "$mode" 127.0.0.1:0)
        port=${out##*:}
        "$B/miracast-test-sink" --connect "127.0.0.1:$port" --ms-latency --duration 8 --timeout 30 --min-frames 30 \
                >"$T/$mode.out" 2>"$T/$mode.err" &
        sink_pid=$!
        sleep 6
        json=$("$B/miracastctl" status --json 2>/dev/null)
        wait "$sink_pid"
        line=$(cat "$T/$mode.out")
        read -r got p50 p99 fps <<<"$(python3 -c '
import json, sys
d = [x for x in json.loads(sys.argv[1]) if x.get("State") == "playing"]
s = d[-1] if d else {"Statistics": {}}
st = s["Statistics"]
print(st.get("latency-mode", "?"), st.get("latency-p50-usec", 0), st.get("latency-p99-usec", 0), s.get("RefreshRate", 0))' "$json")"
        ms=$(sed -nE 's/.* ms_latency=([^ ]*).*/\1/p' <<<"$line")
        echo "latency mode $mode: capture-to-send p50 $((p50 / 1000)).$(( (p50 % 1000) / 100 )) ms," \
             "p99 $((p99 / 1000)).$(( (p99 % 1000) / 100 )) ms, ${fps} fps, the sink heard \"$ms\""
        summary="$summary $mode=$((p50 / 1000))/$((p99 / 1000))ms"
        check "$mode: the session plays in that mode (Statistics latency-mode $got)" test "$got" = "$mode"
        case $mode in
        low-latency) want=low ;;
        balanced) want=normal ;;
        quality) want=high ;;
        esac
        check "$mode: M4 told the sink \"$want\" ($ms)" test "$ms" = "$want"
        check "$mode: the stream decoded" grep -q "^SINK result=ok " <<<"$line"
        check "$mode: latency measured ($p50/$p99 us)" test "${p50:-0}" -gt 0 -a "${p99:-0}" -ge "${p50:-0}"
        if [ "$mode" = quality ]; then
                check "quality: at most 30 fps ($fps)" test "${fps:-99}" -le 30
        else
                check "$mode: the sink's 60 fps mode ($fps)" test "${fps:-0}" = 60
        fi
done
echo "capture-to-send p50/p99 per mode:$summary"
finish
