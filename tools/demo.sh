#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# `make demo`: the whole product on one machine, no Wi-Fi and no display.
#   1. a private dbus-daemon (so nothing on the system bus is touched),
#   2. miracastd on it: test pattern capture, software (x264) encoder, and a
#      test beep (1000 Hz) in step with a white flash of the picture each second,
#   3. Manager1.Listen on 127.0.0.1 (port chosen by the kernel) via miracastctl,
#   4. the C test sink connects like a TV would, negotiates, decodes,
#   5. miracastctl shows the negotiated mode, encoder and live statistics,
#   6. after ~10 s Session1.Stop (RTSP TEARDOWN), the sink writes a PNG of a
#      frame it decoded and says what it heard (tone, level, A/V offset),
#      everything is shut down and reaped.
# Usage: tools/demo.sh [BUILD_DIR]   (make demo builds first)
# Environment: DEMO_SECONDS (default 10), DEMO_PROFILE (sink profile, default generic),
#              DEMO_DIR (where logs and the PNG go; default a new /tmp/miracastd-demo.*).
set -u

build=${1:-build}
seconds=${DEMO_SECONDS:-10}
profile=${DEMO_PROFILE:-generic}
dir=${DEMO_DIR:-$(mktemp -d /tmp/miracastd-demo.XXXXXX)}
mkdir -p "$dir"
daemon="$build/miracastd"
ctl="$build/miracastctl"
sinkbin="$build/miracast-test-sink"

bus_pid=
daemon_pid=
sink_pid=
status=1

say() { printf '\n==> %s\n' "$*"; }
die() {
        echo "demo: FAILED: $*" >&2
        for log in daemon.log sink.log; do
                [ -s "$dir/$log" ] && { echo "--- last lines of $dir/$log:" >&2; tail -n 15 "$dir/$log" >&2; }
        done
        exit 1
}

# Stop what we started, by pid, and reap it.
stop_pid() {
        local pid=$1 sig=${2:-TERM}
        [ -n "$pid" ] || return 0
        kill -s "$sig" "$pid" 2>/dev/null || return 0
        for _ in $(seq 50); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.1
        done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
}
cleanup() {
        stop_pid "$sink_pid"
        stop_pid "$daemon_pid"
        stop_pid "$bus_pid"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for f in "$daemon" "$ctl" "$sinkbin"; do
        [ -x "$f" ] || die "$f is missing (run make first)"
done
command -v dbus-daemon >/dev/null || die "dbus-daemon is not installed (tools/install-deps.sh installs it)"

say "Private D-Bus bus"
cat >"$dir/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=$dir/bus</listen>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF
dbus-daemon --config-file="$dir/bus.conf" --nofork >"$dir/bus.log" 2>&1 &
bus_pid=$!
for _ in $(seq 50); do [ -S "$dir/bus" ] && break; sleep 0.1; done
[ -S "$dir/bus" ] || die "dbus-daemon did not start"
address="unix:path=$dir/bus"
echo "bus: $address"
export MIRACASTCTL_BUS=$address

# --config /dev/null: an installed /etc/miracastd/miracastd.conf must not change
# the demo; p2p-backend=none: never touch this machine's Wi-Fi.
say "miracastd --capture testsrc:flash --audio-source beep --encoder x264 --bus $address"
"$daemon" --config /dev/null -o p2p-backend=none --capture testsrc:flash --audio-source beep --encoder x264 --bus "$address" \
        >"$dir/daemon.log" 2>&1 &
daemon_pid=$!
for _ in $(seq 100); do
        "$ctl" info >/dev/null 2>&1 && break
        kill -0 "$daemon_pid" 2>/dev/null || die "miracastd exited during start-up"
        sleep 0.1
done
"$ctl" info || die "miracastd is not answering on D-Bus"

say "miracastctl listen 127.0.0.1:0   (Manager1.Listen)"
listening=$("$ctl" listen 127.0.0.1:0) || die "Manager1.Listen failed"
echo "$listening"
port=${listening##*:}
case "$port" in
''|*[!0-9]*) die "cannot read the port from \"$listening\"" ;;
esac

say "Test sink ($profile profile) connects to 127.0.0.1:$port"
"$sinkbin" --connect "127.0.0.1:$port" --profile "$profile" --duration 0 --timeout 20 --expect-wfd-ts --expect-audio \
        --png "$dir/frame.png" >"$dir/sink.out" 2>"$dir/sink.log" &
sink_pid=$!

# Wait for the session to reach "playing" (progress as it changes state).
last=
for _ in $(seq 200); do
        line=$("$ctl" sessions 2>/dev/null | awk 'NR > 1 && $1 ~ /^[0-9]+$/ { print $1, $2; exit }')
        state=${line#* }
        session=${line%% *}
        if [ -n "$line" ] && [ "$state" != "$last" ]; then
                echo "session $session: $state"
                last=$state
        fi
        [ "$state" = playing ] && break
        [ "$state" = ended ] && die "the session ended before it played: $("$ctl" status "$session" | grep EndReason)"
        kill -0 "$sink_pid" 2>/dev/null || die "the test sink exited early: $(cat "$dir/sink.out")"
        sleep 0.1
done
[ "$state" = playing ] || die "no session reached playing within 20 s"

say "Negotiated session (miracastctl status $session)"
"$ctl" status "$session" || die "status failed"

say "Live statistics for $seconds s (miracastctl status --watch)"
"$ctl" status "$session" --watch --interval 2 --timeout "$seconds"

say "miracastctl stop $session   (Session1.Stop: RTSP TEARDOWN)"
"$ctl" stop "$session" || die "stop failed"

# The sink answers the TEARDOWN trigger, decodes what is left and reports.
for _ in $(seq 100); do
        kill -0 "$sink_pid" 2>/dev/null || break
        sleep 0.1
done
wait "$sink_pid"
sink_status=$?
sink_pid=
say "Test sink result"
cat "$dir/sink.out"
[ "$sink_status" = 0 ] || die "the test sink reported a failure (exit $sink_status)"
grep -q '^SINK result=ok ' "$dir/sink.out" || die "the test sink did not report result=ok"

say "Shutting down miracastd (SIGTERM)"
kill -TERM "$daemon_pid"
wait "$daemon_pid"
daemon_status=$?
daemon_pid=
[ "$daemon_status" = 0 ] || die "miracastd exited with status $daemon_status"
echo "miracastd exited cleanly"
stop_pid "$bus_pid"
bus_pid=

mode=$(sed -n 's/.* mode=\([^ ]*\).*/\1/p' "$dir/sink.out")
frames=$(sed -n 's/.* frames=\([0-9]*\).*/\1/p' "$dir/sink.out")
heard() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" "$dir/sink.out"; }
say "Done"
echo "negotiated mode: $mode, frames decoded by the sink: $frames"
echo "heard: $(heard audio) $(heard audio_rate) Hz, a $(heard audio_freq_hz) Hz tone at $(heard audio_level_dbfs) dBFS," \
     "$(heard audio_gaps) gaps; flash to beep $(heard av_offset_ms_median) ms (median of $(heard av_pairs))"
echo "decoded frame written to: $dir/frame.png"
echo "logs: $dir/daemon.log $dir/sink.log"
echo "demo: OK"
status=0
exit $status
