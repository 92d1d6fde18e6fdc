#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Scenario "capture" (runs in the VM): a known moving pattern with a cursor is
# shown on vkms; miracastd captures it with the kms backend, encodes it and
# streams to the C test sink on loopback; the sink decodes and writes a PNG,
# which is compared block by block with the pattern (colours, orientation,
# stride, cursor position). The pictures come through the KMS helper: the
# worker (no capability) starts miracastd-kms (CAP_SYS_ADMIN alone) before it
# drops root, and only the helper opens the DRM device.
. /payload/run/guest-lib.sh
t0=$(now)
modprobe vkms && pass "vkms loaded" || fail "modprobe vkms"
hostrun $B/vm/kms-pattern show --mode 1024x768 >/tmp/pattern.log 2>&1 &
PAT=$!
if wait_for /tmp/pattern.log '^READY' 20 >/dev/null; then
        pass "pattern on screen: $(grep -E '^(READY|CURSOR)' /tmp/pattern.log | tr '\n' ' ')"
else
        fail "pattern program did not start"; cat /tmp/pattern.log
fi

hostrun $B/miracastd --bus none --listen 127.0.0.1:7236 --capture kms --encoder x264 \
        --log-level debug >/tmp/daemon.log 2>&1 &
DAEMON=$!
wait_for /tmp/daemon.log 'istening|READY' 20 >/dev/null || true
t1=$(now)
# --timeout: more than the sink's 15 s per step; the daemon's start-up probe starts a KMS helper
# that opens the DRM device, slow under emulation, while this cast begins (a first run failed so).
hostrun $B/miracast-test-sink --connect 127.0.0.1:7236 --profile small --duration 12 --timeout 45 \
        --png $OUT/capture.png >/tmp/sink.log 2>&1 &
SINK=$!
# find_pid TEXT: a process whose command line contains TEXT (the guest has no pgrep)
find_pid() {
        for d in /proc/[0-9]*; do
                case "$(tr '\0' ' ' <"$d/cmdline" 2>/dev/null)" in *"$1"*) echo "${d#/proc/}"; return ;; esac
        done
}
HELPER=
for _ in $(seq 100); do
        HELPER=$(find_pid 'miracastd-kms ')
        [ -n "$HELPER" ] && break
        sleep 0.2
done
if [ -n "$HELPER" ]; then
        sleep 2
        WORKER=$(find_pid 'miracastd-stream --kms-helper')
        echo "INFO helper $HELPER: $(grep -E '^(Uid|CapEff|CapBnd|NoNewPrivs)' /proc/$HELPER/status | tr -s '\t ' ' ' | tr '\n' ' ')"
        echo "INFO worker $WORKER: $(grep -E '^(Uid|CapEff|CapBnd|NoNewPrivs)' /proc/$WORKER/status | tr -s '\t ' ' ' | tr '\n' ' ')"
        grep -Eq '^CapEff:[[:space:]]*0*200000$' /proc/$HELPER/status && pass "the KMS helper runs with CAP_SYS_ADMIN alone" ||
                fail "the KMS helper's capabilities: $(grep CapEff /proc/$HELPER/status)"
        ls -l /proc/$HELPER/fd | grep -q /dev/dri && pass "the KMS helper has the DRM device open" ||
                fail "the KMS helper has no DRM device open"
        if [ -n "$WORKER" ] && grep -Eq '^CapEff:[[:space:]]*0+$' /proc/$WORKER/status &&
           ! ls -l /proc/$WORKER/fd | grep -q /dev/dri; then
                pass "the stream worker has no capability and no DRM device"
        else
                fail "the stream worker ($WORKER) holds a capability or a DRM device"
        fi
else
        fail "no miracastd-kms process while casting from kms"
fi
wait $SINK
rc=$?
echo "TIME capture-session $(elapsed "$t1")s"
if [ $rc = 0 ] && grep -q 'result=ok' /tmp/sink.log; then
        pass "sink decoded the stream: $(grep '^SINK' /tmp/sink.log)"
else
        fail "sink failed (rc=$rc)"; tail -n 30 /tmp/sink.log; tail -n 40 /tmp/daemon.log
fi
if hostrun $B/vm/kms-pattern check $OUT/capture.png 1024 768 >/tmp/check.log 2>&1; then
        pass "decoded frame matches the KMS pattern and cursor"
else
        fail "decoded frame does not match the pattern"
fi
cat /tmp/check.log
kill $DAEMON 2>/dev/null; wait $DAEMON; drc=$?
[ $drc = 0 ] && pass "daemon exited cleanly on SIGTERM" || { fail "daemon exit status $drc"; tail -n 40 /tmp/daemon.log; }
kill $PAT 2>/dev/null
echo "TIME scenario $(elapsed "$t0")s"
finish
