#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Adaptive bit rate on a shaped link (docs/rtcp.md): a 1080p30 stream of moving
# noise (testsrc:noise, which no encoder predicts) from miracastd in one network namespace to the test sink
# (receiver reports and NACKs) in another. After a few seconds at full rate
# the source's veth is shaped to 3 Mbit/s (tbf, a 30 ms queue): the receiver
# reports' loss must bring the encoder's rate under the bottleneck within a few
# seconds and keep the loss bounded there; then the shaping goes and the rate
# must climb again. The picture must never stand still longer than one IDR
# interval (2 s) at the sink. Prints the rate second by second.
. "${MIRACAST_SRCDIR:-.}/tests/lib/test-lib.sh"
. "${MIRACAST_SRCDIR:-.}/tests/lib/shaped-link.sh"

SHAPED_KBIT=${SHAPED_LINK_KBIT:-3000}
FULL_SEC=4
SHAPED_SEC=12
# 18 s, not 12: back near its last congestion point the controller probes up by only 2 % a
# second (docs/rtcp.md), so the climb to 1.5 times the settled rate takes 10-14 s; a CI run
# at 12 s saw 1.48 times.
OPEN_SEC=18
shaped_link_setup --capture testsrc:noise --max-resolution 1920x1080

# (not through shaped_link_sink: $! must be the sink itself, for the SIGTERM that ends it)
ip netns exec "$SL_SNK" "$MIRACAST_BUILD/miracast-test-sink" --connect "10.77.0.1:$SL_PORT" --nack --duration 120 \
        --timeout 30 --min-frames 60 --expect-mode 1920x1080p30 >"$SL_T/sink.out" 2>"$SL_T/sink.err" &
sink_pid=$!

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# sample T PHASE: at second T, the encoder's rate, what was sent since the last
# sample (kbit/s, from Statistics "bytes"), the last report's loss
declare -a rate sent loss
last_bytes=0
last_ms=0
sample() {
        local json b ms
        json=$("$MIRACAST_BUILD/miracastctl" status --json 2>/dev/null)
        ms=$(now_ms)
        rate[$1]=$(sl_stat_from bitrate-bps "$json")
        b=$(sl_stat_from bytes "$json")
        loss[$1]=$(sl_stat_from loss-percent "$json")
        sent[$1]=$(( (${b:-0} - last_bytes) * 8 / (ms - last_ms > 0 ? ms - last_ms : 1) ))
        last_bytes=${b:-0}
        last_ms=$ms
        printf 't=%2ds %-7s target=%5s kbit/s sent=%5s kbit/s loss=%s%%\n' "$1" "$2" \
                "$(( ${rate[$1]:-0} / 1000 ))" "${sent[$1]}" "${loss[$1]:-?}"
}

# run_phase SECONDS NAME: one sample a second by the wall clock
t=0
run_phase() {
        local end=$(( $(now_ms) + $1 * 1000 )) next
        for _ in $(seq "$1"); do
                t=$((t + 1))
                next=$(( end - ($1 - (t - phase_start)) * 1000 ))
                while [ "$(now_ms)" -lt "$next" ]; do sleep 0.05; done
                sample $t "$2"
        done
}

for _ in $(seq 100); do [ -n "$(shaped_link_stats bitrate-bps)" ] && break; sleep 0.1; done
sample 0 start
phase_start=0
run_phase $FULL_SEC full
full_rate=${rate[$t]:-0}
full_sent=$(( (${sent[$((t - 2))]:-0} + ${sent[$((t - 1))]:-0} + ${sent[$t]:-0}) / 3 ))
# The bottleneck must be under what the source sends. A slow machine (a sanitizer build beside
# other work) may encode 1080p below 30 fps and send less than 3 Mbit/s: then the link is shaped
# to half of what it sent, and the line below says so.
# to 60 % of what it sent (not under 2 Mbit/s: the lowest video rate, 1 Mbit/s, plus the audio
# and the TS/RTP around it need about 1.7), and the line below says so.
if [ "$full_sent" -lt $((SHAPED_KBIT * 3 / 2)) ]; then
        if [ "$full_sent" -lt 3300 ]; then
                echo "skipped: this machine encoded 1080p at only $full_sent kbit/s (CPU-bound): no room for a bottleneck"
                kill -TERM "$sink_pid"
                wait "$sink_pid"
                echo "$_tl_pass passed, $_tl_fail failed, 1 skipped"
                exit 0
        fi
        echo "note: the source sent only $full_sent kbit/s at full rate: shaping to $((full_sent * 6 / 10)) kbit/s instead of $SHAPED_KBIT"
        SHAPED_KBIT=$((full_sent * 6 / 10))
fi
check "the shaping starts: ${SHAPED_KBIT} kbit/s" shaped_link_rate "$SHAPED_KBIT"
shaped_start=$t
phase_start=$t
run_phase $SHAPED_SEC shaped
shaped_end=$t
check "the shaping ends" shaped_link_rate 0
phase_start=$t
run_phase $OPEN_SEC open
kill -TERM "$sink_pid"
wait "$sink_pid"
line=$(cat "$SL_T/sink.out")
echo "sink: $line"

# converged: the first second the encoder's rate is at or under the bottleneck (what goes out
# swings around it from frame to frame: an IDR, the audio, a probe up); then what went out over the
# last 5 s of the bottleneck, on average
converged=
for i in $(seq $((shaped_start + 1)) $shaped_end); do
        if [ -z "$converged" ] && [ "${rate[$i]:-0}" -le $((SHAPED_KBIT * 1000)) ]; then
                converged=$i
        fi
done
sent_avg=$(( (${sent[$((shaped_end - 4))]:-0} + ${sent[$((shaped_end - 3))]:-0} + ${sent[$((shaped_end - 2))]:-0} +
              ${sent[$((shaped_end - 1))]:-0} + ${sent[$shaped_end]:-0}) / 5 ))
loss_avg=$(python3 -c "import sys; v = [float(x or 100) for x in sys.argv[1:]]; print(round(sum(v) / len(v), 1))" \
        "${loss[@]:$((shaped_end - 4)):5}")
settled=${rate[$shaped_end]:-0}
final=${rate[$t]:-0}
gap=$(sink_field "$line" max_frame_gap_ms)
echo "ABR: target at full rate=$((full_rate / 1000)) kbit/s (sent $full_sent), bottleneck=${SHAPED_KBIT} kbit/s," \
     "converged after $(( ${converged:-999} - shaped_start )) s, target at the end of the bottleneck=$((settled / 1000))" \
     "kbit/s, over its last 5 s: sent ${sent_avg} kbit/s, report loss ${loss_avg}%;" \
     "${OPEN_SEC} s after the link came back:" \
     "$((final / 1000)) kbit/s; sink: longest freeze ${gap} ms, decode_errors=$(sink_field "$line" decode_errors)" \
     "nacked=$(sink_field "$line" nacked) recovered=$(sink_field "$line" recovered)" \
     "unrecovered=$(sink_field "$line" unrecovered)"

check "the stream played through" grep -q "^SINK result=ok " <<<"$line"
check "the source fills more than the bottleneck at full rate ($full_sent kbit/s)" test "$full_sent" -gt "$SHAPED_KBIT"
check "the rate fell under the bottleneck within 8 s (after $(( ${converged:-999} - shaped_start )) s)" \
        test -n "$converged" -a "$(( ${converged:-999} - shaped_start ))" -le 8
check "what went out fits the bottleneck ($sent_avg kbit/s over the last 5 s, 10 % slack)" \
        test "$sent_avg" -le $((SHAPED_KBIT * 11 / 10))
check "the target stays near the bottleneck, not at the floor ($((settled / 1000)) kbit/s)" \
        test "$settled" -ge $((SHAPED_KBIT * 1000 / 3))
check "the loss stays bounded under the bottleneck (${loss_avg}% over the last 5 s)" \
        python3 -c "import sys; sys.exit(0 if $loss_avg <= 10 else 1)"
check "the rate climbs again when the link comes back ($((settled / 1000)) -> $((final / 1000)) kbit/s)" \
        test "$final" -gt $((settled * 3 / 2))
check "the picture never froze longer than one IDR interval (${gap} ms)" test "${gap:-99999}" -le 2000
finish
