#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The last resort of the bit rate adaptation (docs/rtcp.md): a link too narrow
# even for the lowest bit rate (700 kbit/s under a 1080p30 stream of
# testsrc:noise, with the test sink's receiver reports). Once the rate sits at
# its floor and the loss goes on, miracastd changes to a smaller mode with a
# mid-session format change (M4): the session's Width must drop and the sink
# must decode the new, smaller size.
. "${MIRACAST_SRCDIR:-.}/tests/lib/test-lib.sh"
. "${MIRACAST_SRCDIR:-.}/tests/lib/shaped-link.sh"

shaped_link_setup --capture testsrc:noise --max-resolution 1920x1080
ip netns exec "$SL_SNK" "$MIRACAST_BUILD/miracast-test-sink" --connect "10.77.0.1:$SL_PORT" --rtcp --duration 120 \
        --timeout 30 --min-frames 30 >"$SL_T/sink.out" 2>"$SL_T/sink.err" &
sink_pid=$!

width() {
        "$MIRACAST_BUILD/miracastctl" status --json 2>/dev/null |
                python3 -c 'import json, sys; d = json.load(sys.stdin); print(d[-1]["Width"] if d else 0)' 2>/dev/null
}

for _ in $(seq 100); do [ "$(width)" = 1920 ] && break; sleep 0.1; done
check "the stream starts at 1920 wide" test "$(width)" = 1920
sleep 2
check "the link narrows to 700 kbit/s" shaped_link_rate 700
start=$SECONDS
w=1920
while [ $((SECONDS - start)) -lt 40 ]; do
        w=$(width)
        [ -n "$w" ] && [ "$w" -lt 1920 ] && [ "$w" -gt 0 ] && break
        sleep 0.5
done
took=$((SECONDS - start))
echo "mode change: 1920 -> $w wide after $took s at 700 kbit/s"
check "a smaller mode within 40 s ($w wide after $took s)" test -n "$w" -a "${w:-1920}" -lt 1920 -a "${w:-0}" -gt 0
grep -E "network:|format change" "$SL_T/daemon.log" | sed 's/^/  daemon: /'
# The smaller mode starts at the adapted rate (the controller's floor, 1 Mbit/s), still above
# this 700 kbit/s link: its first IDR can need a few seconds and a repeat to get through whole.
sleep 8
kill -TERM "$sink_pid"
wait "$sink_pid"
line=$(cat "$SL_T/sink.out")
echo "sink: $line"
check "the sink took the change (M4 after the first) and plays on" \
        test "$(sink_field "$line" m4)" -ge 2 -a "$(sink_field "$line" end)" = signal
check "it decoded the smaller size at the end ($(sink_field "$line" width) wide)" \
        test "$(sink_field "$line" width)" -lt 1920
finish
