#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The desktop-pipewire case of make bench (tools/bench.sh): one PipeWire video
# node, tests/pipewire/pw-test-producer at 1280x720, 30 fps (colour bars and a
# small square that changes every frame, with damage metadata: what a desktop
# with a blinking cursor or a clock sends), on a private PipeWire and
# WirePlumber; consumed for FRAMES/30 s in real time by
#   miracastd  build/bench-pipeline pipewire:NODE (our pipewire capture backend,
#              damage -> converter -> x264 with mb_info -> TS -> RTP -> UDP)
#   gstreamer  gst-launch-1.0 pipewiresrc ! videoconvert ! x264enc with GNOME
#              Network Displays' software settings (as bench-anchor) ! mpegtsmux
#              ! rtpmp2tpay ! udpsink
# Same node, same bit rate (8 Mbit/s), GOP 60. Then the idle desktop: the
# producer stops sending (SIGUSR1) and each consumer runs 10 s more:
#   BENCH case=desktop-pipewire tool=T cpu_ms_per_frame=C core_pct=P frames_...=N
# (ours: CPU per 1/30 s of the run, the damage check skips unchanged ticks;
#  GStreamer: CPU per buffer, pipewiresrc num-buffers=FRAMES, each encoded)
#   BENCH case=desktop-idle tool=T core_pct=P
# and ours as a desktop session has it, at 60 fps with an audio track of
# silence (nothing playing), the still part only (bench-pipeline idle):
#   BENCH case=desktop-idle-720p60-aac tool=miracastd core_pct=P
#   BENCH case=desktop-idle-480p60-lpcm tool=miracastd core_pct=P
#   BENCH ratio case=desktop-pipewire vs=gstreamer ratio=<ours / theirs>
# Usage: bench-desktop.sh BUILD FRAMES
set -u
build=$1
frames=${2:-150}
for t in pipewire wireplumber dbus-daemon gst-launch-1.0 /usr/bin/time; do
        command -v "$t" >/dev/null || { echo "bench-desktop: $t not installed (tools/install-deps.sh)" >&2; exit 1; }
done
[ -x "$build/tests/pw-test-producer" ] || { echo "bench-desktop: $build/tests/pw-test-producer missing" >&2; exit 1; }
T=$(mktemp -d "${BENCH_TMP:-${TMPDIR:-/tmp}}/miracast-bench-desktop.XXXXXX") || exit 1
pids=()
cleanup() {
        for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[i]}" 2>/dev/null; done
        wait 2>/dev/null
        rm -rf "$T"
}
trap cleanup EXIT
wait_for() {
        for _ in $(seq 200); do "${@:2}" >/dev/null 2>&1 && return 0; sleep 0.1; done
        echo "bench-desktop: gave up waiting for $1" >&2
        exit 1
}
export XDG_RUNTIME_DIR=$T/rt PIPEWIRE_RUNTIME_DIR=$T/rt DBUS_SESSION_BUS_ADDRESS=unix:path=$T/bus
mkdir -m 700 "$T/rt"
dbus-daemon --session --address="$DBUS_SESSION_BUS_ADDRESS" --nofork --nopidfile >/dev/null 2>&1 &
pids+=($!)
wait_for "session bus" test -S "$T/bus"
pipewire >"$T/pipewire.log" 2>&1 &
pids+=($!)
wait_for PipeWire test -S "$T/rt/pipewire-0"
wireplumber >"$T/wireplumber.log" 2>&1 &
pids+=($!)
wait_for WirePlumber sh -c "pw-cli ls Metadata 2>/dev/null | grep -q default"
export BENCH_PIPEWIRE_REMOTE=$T/rt/pipewire-0 PIPEWIRE_REMOTE=$T/rt/pipewire-0
"$build/tests/pw-test-producer" --remote "$BENCH_PIPEWIRE_REMOTE" --name desk --size 1280x720 --fps 30 \
        >"$T/producer.out" 2>"$T/producer.err" &
producer=$!
pids+=($producer)
wait_for "the producer's node" sh -c "pw-link -o 2>/dev/null | grep -q '^desk:'"
sleep 0.5

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
ours() { # ours FRAMES: one real-time run, its RESULT line
        "$build/bench-pipeline" 1280 720 pipewire:desk "$1" rt 8000000 2>"$T/ours.err" | grep '^RESULT'
}
theirs() { # theirs FRAMES: gst-launch until that many buffers came (EOS); prints "cpu_s frames"
        timeout -s INT $((3 * $1 / 30 + 10)) /usr/bin/time -f "TIME %U %S" -o "$T/gst.time" \
                gst-launch-1.0 -q pipewiresrc target-object=desk do-timestamp=true num-buffers="$1" ! videoconvert ! \
                video/x-raw,format=I420 ! x264enc tune=zerolatency speed-preset=ultrafast \
                threads=1 pass=cbr bitrate=8000 cabac=false dct8x8=false ref=1 bframes=0 key-int-max=60 ! \
                mpegtsmux ! rtpmp2tpay ! udpsink host=127.0.0.1 port=9 sync=false async=false \
                >"$T/gst.out" 2>&1
        [ $? = 0 ] || { echo "0 0"; return; }
        awk '/^TIME/ { printf "%.3f", $2 + $3 }' "$T/gst.time"
        echo " $1"
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
# idle TOOL COMMAND...: run it, the producer moving for 3 s, then still; CPU over the next 10 s
idle() {
        local tool=$1 pid t0 t1 s0 s1
        shift
        "$@" >"$T/idle-$tool.out" 2>&1 &
        pid=$!
        sleep 3
        kill -USR1 "$producer"             # still
        sleep 1
        t0=$(cpu_ticks $pid)
        s0=$(date +%s%N)
        sleep 10
        t1=$(cpu_ticks $pid)
        s1=$(date +%s%N)
        kill -INT $pid 2>/dev/null
        wait $pid 2>/dev/null
        kill -USR1 "$producer"             # moving again
        awk -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" -v ns=$((s1 - s0)) \
                'BEGIN { printf "%.2f", 100 * t / hz / (ns / 1e9) }'
}
# idle_session W H AUDIO: ours at 60 fps with silence as the sound, moving 3 s, then still;
# bench-pipeline's own CPU (without its receiving thread) from 5 s to 15 s
idle_session() {
        local pid line
        BENCH_FPS=60 BENCH_AUDIO=$3 BENCH_IDLE_FROM_S=5 "$build/bench-pipeline" "$1" "$2" pipewire:desk 900 idle \
                8000000 >"$T/idle-session.out" 2>&1 &
        pid=$!
        sleep 3
        kill -USR1 "$producer"             # still
        wait $pid
        kill -USR1 "$producer"             # moving again
        line=$(grep '^RESULT' "$T/idle-session.out")
        [ -n "$line" ] && field core_pct "$line" || echo FAILED
}

status=0
secs=$(((frames + 29) / 30))
line=$(ours "$frames")
if [ -n "$line" ]; then
        echo "  RESULT case=desktop-pipewire ${line#RESULT }"
        o_cpu=$(field cpu_ms_per_frame "$line")
        echo "BENCH case=desktop-pipewire tool=miracastd cpu_ms_per_frame=$o_cpu core_pct=$(field core_pct "$line")" \
                "frames_sent=$(field sent "$line") skipped=$(field skipped "$line") bytes=$(field bytes "$line")"
else
        echo "  RESULT case=desktop-pipewire tool=miracastd FAILED: $(tail -n 2 "$T/ours.err")"
        status=1
fi
read -r g_cpu g_frames < <(theirs "$frames")
if [ "${g_frames:-0}" -gt 0 ]; then
        g_ms=$(awk -v c="$g_cpu" -v f="$frames" 'BEGIN { printf "%.2f", c * 1000 / f }')
        echo "BENCH case=desktop-pipewire tool=gstreamer cpu_ms_per_frame=$g_ms" \
                "core_pct=$(awk -v c="$g_cpu" -v s="$secs" 'BEGIN { printf "%.2f", 100 * c / s }') frames_encoded=$g_frames"
        [ -n "${o_cpu:-}" ] && awk -v o="$o_cpu" -v t="$g_ms" \
                'BEGIN { printf "BENCH ratio case=desktop-pipewire vs=gstreamer ratio=%.2f\n", (t > 0) ? o / t : 0 }'
else
        echo "  RESULT case=desktop-pipewire tool=gstreamer FAILED: $(tail -n 3 "$T/gst.out")"
        status=1
fi

# The idle desktop: nothing new on screen for 10 s (each consumer first gets a picture).
echo "BENCH case=desktop-idle tool=miracastd core_pct=$(idle miracastd "$build/bench-pipeline" 1280 720 pipewire:desk \
        450 rt 8000000)"
echo "BENCH case=desktop-idle tool=gstreamer core_pct=$(idle gstreamer gst-launch-1.0 -q pipewiresrc target-object=desk \
        do-timestamp=true ! videoconvert ! video/x-raw,format=I420 ! x264enc tune=zerolatency speed-preset=ultrafast \
        threads=1 pass=cbr bitrate=8000 cabac=false dct8x8=false ref=1 bframes=0 key-int-max=60 ! mpegtsmux ! \
        rtpmp2tpay ! udpsink host=127.0.0.1 port=9 sync=false async=false)"
echo "BENCH case=desktop-idle-720p60-aac tool=miracastd core_pct=$(idle_session 1280 720 aac)"
echo "BENCH case=desktop-idle-480p60-lpcm tool=miracastd core_pct=$(idle_session 640 480 lpcm)"
exit $status
