#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The process model (docs/process-model.md), checked on a real cast: miracastd
# started by hand as root sets up the same separation as under systemd. While
# the test sink plays, the process holding the RTSP connection must be the
# context's stream worker, running as the miracastd user (nobody without one)
# with every capability set empty and no_new_privs; main must hold no
# connection to the sink and link no FFmpeg. Once the cast ended the worker
# exits. Prints each process's user, capabilities and RSS (the numbers the
# issue asks for); the RSS bound (all processes < 8 MB idle) is checked on
# release builds only (ASan's shadow memory makes any sanitized process big).
. "${MIRACAST_SRCDIR:-.}/tests/lib/test-lib.sh"

B=$MIRACAST_BUILD
T=$(mktemp -d /tmp/miracast-privsep.XXXXXX)
daemon_pid=
sink_pid=
cleanup() {
        [ -n "$sink_pid" ] && kill "$sink_pid" 2>/dev/null
        [ -n "$daemon_pid" ] && kill -KILL "$daemon_pid" 2>/dev/null
        wait 2>/dev/null
        [ -n "${KEEP_TMP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT

if [ "$(id -u)" != 0 ]; then
        echo "skipped: the privilege drop is tested as root only"
        echo "0 passed, 0 failed, 1 skipped"
        exit 0
fi

field() { awk -v k="$2:" '$1 == k { $1 = ""; sub(/^ /, ""); print; exit }' "/proc/$1/status"; }
describe() {
        echo "  $1 pid $2: Uid $(field "$2" Uid | awk '{print $2}') ($(id -nu "$(field "$2" Uid | awk '{print $2}')" 2>/dev/null))," \
                "CapEff $(field "$2" CapEff), CapPrm $(field "$2" CapPrm), CapBnd $(field "$2" CapBnd)," \
                "NoNewPrivs $(field "$2" NoNewPrivs), VmRSS $(field "$2" VmRSS)"
}

sanitized=
ldd "$B/miracastd" | grep -q libasan && sanitized=1
check "main links no FFmpeg, libdrm, libva or PipeWire" \
        sh -c "! ldd '$B/miracastd' | grep -Eq 'libav(codec|format|util)|libswscale|libdrm|libva|libx264|libpipewire'"

"$B/miracastd" --config /dev/null -o p2p-backend=none -o mice=no --bus none --listen 127.0.0.1:0 --capture testsrc \
        --encoder x264 --max-resolution 640x480 --log-level debug >"$T/daemon.log" 2>&1 &
daemon_pid=$!
for _ in $(seq 100); do
        grep -q "Listening for sinks on 127.0.0.1:" "$T/daemon.log" && break
        sleep 0.1
done
port=$(sed -n 's/.*Listening for sinks on .*:\([0-9]*\).*/\1/p' "$T/daemon.log" | head -n1)
if [ -z "$port" ]; then
        fail "daemon starts and listens" "$(tail -n 5 "$T/daemon.log")"
        finish
fi
pass "daemon starts and listens on 127.0.0.1:$port"
idle_main=$(field "$daemon_pid" VmRSS | awk '{print $1}')
check "idle: no stream worker runs" sh -c "! pgrep -P $daemon_pid >/dev/null"
echo "idle: main ${idle_main} kB RSS, no other process"

timeout 60 "$B/miracast-test-sink" --connect "127.0.0.1:$port" --profile small --duration 6 --timeout 20 \
        >"$T/sink.out" 2>&1 &
sink_pid=$!
worker=
for _ in $(seq 150); do
        worker=$(pgrep -P "$daemon_pid" | head -n1)
        [ -n "$worker" ] && grep -q "streaming " "$T/daemon.log" && break
        sleep 0.1
done
check "a stream worker runs while casting" test -n "$worker"
if [ -n "$worker" ]; then
        sleep 1
        echo "while casting:"
        describe miracastd "$daemon_pid"
        describe miracastd-stream "$worker"
        wuid=$(field "$worker" Uid)
        want=$(id -u miracastd 2>/dev/null || echo 65534)
        check "the worker runs as uid $want (all four ids: $wuid)" test "$wuid" = "$want $want $want $want"
        check "the worker has no supplementary groups" test -z "$(field "$worker" Groups)"
        check "the worker's CapEff is 0" test "$(field "$worker" CapEff)" = 0000000000000000
        check "the worker's CapPrm is 0" test "$(field "$worker" CapPrm)" = 0000000000000000
        check "the worker's CapInh and CapAmb are 0" \
                test "$(field "$worker" CapInh)$(field "$worker" CapAmb)" = 00000000000000000000000000000000
        check "the worker's bounding set is empty" test "$(field "$worker" CapBnd)" = 0000000000000000
        check "the worker has no_new_privs" test "$(field "$worker" NoNewPrivs)" = 1
        # Who holds the sink's RTSP connection (the established TCP socket on our port)?
        holders=$(ss -Htnp state established "( sport = :$port )" | grep -o 'pid=[0-9]*' | sort -u | tr '\n' ' ')
        echo "  RTSP connection held by: $holders"
        check "the worker holds the RTSP connection" grep -q "pid=$worker " <<<"$holders "
        check "main holds no connection to the sink" test "${holders/pid=$daemon_pid /}" = "$holders"
        check "the worker is not main's binary" test "$(readlink "/proc/$worker/exe")" != "$(readlink "/proc/$daemon_pid/exe")"
fi

wait "$sink_pid"
rc=$?
sink_pid=
check "the cast worked (sink exit $rc: $(grep -o 'result=[a-z]*' "$T/sink.out"))" grep -q "^SINK result=ok" "$T/sink.out"
for _ in $(seq 100); do pgrep -P "$daemon_pid" >/dev/null || break; sleep 0.1; done
check "the worker exits once its last session ended" sh -c "! pgrep -P $daemon_pid >/dev/null"
idle_after=$(field "$daemon_pid" VmRSS | awk '{print $1}')
echo "idle after the cast: main ${idle_after} kB RSS, no other process"
if [ -z "$sanitized" ]; then
        check "idle: all processes together under 8 MB RSS (${idle_after} kB)" test "$idle_after" -lt 8192
fi

kill -TERM "$daemon_pid"
wait "$daemon_pid"
rc=$?
daemon_pid=
check "daemon exits 0 on SIGTERM" test "$rc" = 0
check "no sanitizer report" sh -c "! grep -q 'Sanitizer' '$T/daemon.log'"
finish
