#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The KMS helper in the process model (docs/process-model.md), on the host,
# which has no DRM device: a FAKE helper (tests/kms/fake-kms-helper.c: the
# helper's real serving code over a test picture) stands in for
# miracastd-kms, started the way the real one is (MIRACASTD_KMS). miracastd
# started by hand as root with --capture kms: the worker starts the helper
# before dropping root; while the test sink plays, the worker holding the
# RTSP connection has CapEff 0, the helper has CAP_SYS_ADMIN alone, no
# socket but its unix one, and lives in a network namespace of its own. A
# helper that answers with a slot outside its ring or a picture of the wrong
# size ends the session with a clear reason. The real helper without a DRM
# device says so (the worker's error names it). Root only.
. "${MIRACAST_SRCDIR:-.}/tests/lib/test-lib.sh"

B=$MIRACAST_BUILD
T=$(mktemp -d /tmp/miracast-kms-helper.XXXXXX)
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
        echo "skipped: the KMS helper's privileges are tested as root only"
        echo "0 passed, 0 failed, 1 skipped"
        exit 0
fi

field() { awk -v k="$2:" '$1 == k { $1 = ""; sub(/^ /, ""); print; exit }' "/proc/$1/status"; }
describe() {
        echo "  $1 pid $2: Uid $(field "$2" Uid | awk '{print $2}'), CapEff $(field "$2" CapEff)," \
                "CapPrm $(field "$2" CapPrm), CapBnd $(field "$2" CapBnd), NoNewPrivs $(field "$2" NoNewPrivs)," \
                "VmRSS $(field "$2" VmRSS)"
}
SYS_ADMIN=0000000000200000

# start_daemon LOG [ENV...]: miracastd with --capture kms, the fake (or real) helper per ENV.
start_daemon() {
        local log=$1
        shift
        env "$@" "$B/miracastd" --config /dev/null -o p2p-backend=none -o mice=no --bus none --listen 127.0.0.1:0 \
                --capture kms --encoder x264 --max-resolution 640x480 --log-level debug >"$log" 2>&1 &
        daemon_pid=$!
        port=
        for _ in $(seq 100); do
                grep -q "Listening for sinks on 127.0.0.1:" "$log" && break
                sleep 0.1
        done
        port=$(sed -n 's/.*Listening for sinks on .*:\([0-9]*\).*/\1/p' "$log" | head -n1)
}
stop_daemon() {
        kill -TERM "$daemon_pid" 2>/dev/null
        wait "$daemon_pid" 2>/dev/null
        daemon_pid=
}

check "the helper links no FFmpeg, PipeWire, libsystemd or libva" \
        sh -c "! ldd '$B/miracastd-kms' | grep -Eq 'libav(codec|format|util)|libswscale|libva|libx264|libpipewire|libsystemd'"
check "the helper links libdrm" sh -c "ldd '$B/miracastd-kms' | grep -q libdrm"

# ---- a cast through the (fake) helper -------------------------------------------------------
start_daemon "$T/daemon.log" MIRACASTD_KMS="$B/tests/fake-kms-helper"
check "daemon starts with --capture kms" test -n "$port"
timeout 60 "$B/miracast-test-sink" --connect "127.0.0.1:$port" --profile small --duration 6 --timeout 20 \
        >"$T/sink.out" 2>&1 &
sink_pid=$!
worker=
helper=
for _ in $(seq 150); do
        worker=$(pgrep -P "$daemon_pid" | head -n1)
        [ -n "$worker" ] && helper=$(pgrep -f "^$B/tests/fake-kms-helper" | head -n1)
        [ -n "$helper" ] && grep -q "streaming " "$T/daemon.log" && break
        sleep 0.1
done
check "a stream worker runs while casting" test -n "$worker"
check "the worker started the helper" test -n "$helper"
if [ -n "$worker" ] && [ -n "$helper" ]; then
        sleep 1
        echo "while casting from kms:"
        describe miracastd "$daemon_pid"
        describe miracastd-stream "$worker"
        describe "miracastd-kms (fake)" "$helper"
        check "the worker's CapEff is 0" test "$(field "$worker" CapEff)" = 0000000000000000
        check "the worker's CapPrm and CapBnd are 0" \
                test "$(field "$worker" CapPrm)$(field "$worker" CapBnd)" = 00000000000000000000000000000000
        check "the worker does not run as root" test "$(field "$worker" Uid | awk '{print $2}')" != 0
        holders=$(ss -Htnp state established "( sport = :$port )" | grep -o 'pid=[0-9]*' | sort -u | tr '\n' ' ')
        check "the worker holds the RTSP connection ($holders)" grep -q "pid=$worker " <<<"$holders "
        check "the worker has no DRM device open" sh -c "! ls -l /proc/$worker/fd | grep -q /dev/dri"
        check "the helper's CapEff is CAP_SYS_ADMIN alone" test "$(field "$helper" CapEff)" = $SYS_ADMIN
        check "the helper's CapPrm is CAP_SYS_ADMIN alone" test "$(field "$helper" CapPrm)" = $SYS_ADMIN
        check "the helper's bounding set is CAP_SYS_ADMIN alone" test "$(field "$helper" CapBnd)" = $SYS_ADMIN
        check "the helper has no_new_privs" test "$(field "$helper" NoNewPrivs)" = 1
        check "the helper is in a network namespace of its own" \
                test "$(readlink /proc/$helper/ns/net)" != "$(readlink /proc/$worker/ns/net)"
        socks=$(ls -l /proc/$helper/fd 2>/dev/null | grep -c 'socket:')
        inet=$(ss -Htanp 2>/dev/null | grep -c "pid=$helper,"; ss -Huanp 2>/dev/null | grep -c "pid=$helper,")
        check "the helper holds one socket (its unix one: $socks)" test "$socks" = 1
        check "the helper holds no TCP/UDP socket" test "$(echo "$inet" | paste -sd+ | bc)" = 0
fi
wait "$sink_pid"
sink_pid=
check "the cast through the helper worked ($(grep -o 'result=[a-z]*' "$T/sink.out"))" \
        grep -q "^SINK result=ok" "$T/sink.out"
for _ in $(seq 100); do pgrep -f "^$B/tests/fake-kms-helper" >/dev/null || break; sleep 0.1; done
check "the helper exits with its worker" sh -c "! pgrep -f '^$B/tests/fake-kms-helper' >/dev/null"
stop_daemon
check "no sanitizer report" sh -c "! grep -q 'Sanitizer' '$T/daemon.log'"

# ---- a helper that lies ------------------------------------------------------------------
for bad in bad-slot bad-size; do
        start_daemon "$T/$bad.log" MIRACASTD_KMS="$B/tests/fake-kms-helper" FAKE_KMS_HELPER=$bad
        timeout 30 "$B/miracast-test-sink" --connect "127.0.0.1:$port" --profile small --frames 5 --timeout 10 \
                >"$T/$bad.out" 2>&1
        case $bad in
        bad-slot) words="names slot 9 of a ring of 3" ;;
        bad-size) words="size mismatch" ;;
        esac
        check "$bad: the capture ends with a clear error ($words)" grep -q "bad answer from the KMS helper: .*$words" \
                "$T/$bad.log"
        check "$bad: the cast did not play" sh -c "! grep -q '^SINK result=ok' '$T/$bad.out'"
        check "$bad: main is still running" kill -0 "$daemon_pid"
        stop_daemon
        check "$bad: no sanitizer report" sh -c "! grep -q 'Sanitizer' '$T/$bad.log'"
done

# ---- the real helper on a machine without DRM devices -------------------------------------
if ! ls /dev/dri/card* >/dev/null 2>&1; then
        start_daemon "$T/real.log" MIRACASTD_KMS="$B/miracastd-kms"
        timeout 30 "$B/miracast-test-sink" --connect "127.0.0.1:$port" --profile small --frames 5 --timeout 10 \
                >"$T/real.out" 2>&1
        check "real helper, no DRM: the worker's error comes from the helper" \
                grep -q "the KMS helper failed: kms: no DRM device" "$T/real.log"
        stop_daemon
else
        echo "skip: this machine has DRM devices; the real helper is exercised in tests/vm (scenario capture)"
fi
finish
