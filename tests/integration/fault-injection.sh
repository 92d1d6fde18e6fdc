#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Fault injection against the real miracastd on loopback (issue #6 item 3).
# Sinks are tests/integration/fault-sink.py (scripted to stop in a given
# session state) and build/miracast-test-sink; D-Bus is a private dbus-daemon.
#   - SIGTERM and SIGINT in each session state (before M1 is answered, mid-
#     negotiation, playing, paused, and playing with a sink that ignores the
#     trigger): a sink with an RTSP session gets the M5 TEARDOWN trigger and
#     its M8 is answered; one without is closed; the daemon exits 0 with no
#     sanitizer report (LeakSanitizer turns a leak into a non-zero exit).
#   - The encoder failing to open (--encoder naming one that does not exist):
#     the session ends, Session1.EndReason says why, the daemon serves the next
#     sink the same bounded way. --encoder auto without VAAPI: the software
#     fallback is logged with the reason and the sink decodes.
#   - The encoder failing mid-stream (the test-only fault hook of sanitized
#     builds, MIRACASTD_TEST_FAIL_ENCODE_AFTER): the session ends with the
#     reason in Session1.EndReason, the sink is told, a fresh session works.
#   - The capture size changing mid-stream (testsrc:resize=N flips between the
#     full and the half size, as a mode set does) under two sinks sharing the
#     capture: both keep decoding at their negotiated size.
#   - The D-Bus connection dropping (the dbus-daemon killed mid-session): the
#     daemon logs it, the running session goes on to its end, no new sinks are
#     taken, then the daemon exits 1 by itself (for Restart=on-failure).
# Prints a table (case, reaction, recovered) at the end. Waiting is by polling
# with generous upper bounds (no timed assertions).
. "${MIRACAST_SRCDIR:-.}/tests/lib/test-lib.sh"
B=$MIRACAST_BUILD
S=${MIRACAST_SRCDIR:-.}
T=$(mktemp -d /tmp/miracast-fault-injection.XXXXXX)
FSINK="python3 $S/tests/integration/fault-sink.py"
pids=()
TABLE=()

cleanup() {
        local p
        for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
        wait 2>/dev/null
        [ -n "${KEEP_TMP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT

for tool in dbus-daemon busctl python3; do
        if ! command -v "$tool" >/dev/null; then
                fail "tool $tool is installed" "missing; tools/install-deps.sh installs it"
                finish
        fi
done


# row CASE REACTION RECOVERED: one line of the closing table.
row() { TABLE+=("$(printf '%-36s | %-78s | %s' "$1" "$2" "$3")"); }

# daemon_start NAME ARGS...: miracastd on 127.0.0.1:0; sets DAEMON_PID and PORT.
daemon_start() {
        local name=$1
        shift
        "$B/miracastd" --config /dev/null -o p2p-backend=none --capture testsrc --listen 127.0.0.1:0 \
                --max-resolution 320x240 --max-fps 15 --log-level info "$@" >"$T/$name.log" 2>&1 &
        DAEMON_PID=$!
        pids+=($DAEMON_PID)
        PORT=
        wait_until grep -q "Listening for sinks on 127.0.0.1:" "$T/$name.log" || return 1
        PORT=$(sed -n 's/.*Listening for sinks on .*:\([0-9]*\).*/\1/p' "$T/$name.log" | head -n1)
}

no_sanitizer_report() { ! grep -qE "AddressSanitizer|LeakSanitizer|runtime error:" "$1"; }

# ---- 1. signals in each session state ---------------------------------------
# signal_case SIG STATE [twice]: twice sends a second SIG once the first shutdown has begun,
# which exits at once with every session, media thread and socket still alive.
signal_case() {
        local sig=$1 state=$2 twice=${3:-} name="sig$1-$2${3:+-$3}" rc out sink_rc
        if ! daemon_start "$name" --bus none --encoder x264; then
                fail "$name: daemon starts" "$(tail -n 3 "$T/$name.log")"
                row "SIG$sig, $state" "daemon did not start" no
                return
        fi
        $FSINK "$PORT" "$state" "$T/$name.ready" >"$T/$name.sink" 2>&1 &
        local sink_pid=$!
        pids+=($sink_pid)
        if ! wait_until test -e "$T/$name.ready"; then
                fail "$name: the sink reaches $state" "$(cat "$T/$name.sink")"
                row "SIG$sig, $state" "sink never reached the state" no
                kill -KILL "$DAEMON_PID" 2>/dev/null
                return
        fi
        kill -"$sig" "$DAEMON_PID"
        if [ -n "$twice" ]; then
                wait_until grep -q "Shutting down" "$T/$name.log"
                # The TEARDOWN trigger may wait out the 100 ms send gap after our PLAY reply
                # (docs/rtsp-pacing.md); the second signal comes after that, well inside the 2 s grace.
                sleep 0.5
                kill -"$sig" "$DAEMON_PID"
                wait_until sh -c "! kill -0 $DAEMON_PID"
                check "$name: the second signal exits at once (before the 2 s grace)" \
                        grep -q "Second termination request, exiting now" "$T/$name.log"
        fi
        wait "$sink_pid"
        sink_rc=$?
        out=$(sed -n 's/^reaction: //p' "$T/$name.sink")
        wait "$DAEMON_PID"
        rc=$?
        if [ "$sink_rc" = 0 ]; then pass "$name: sink saw $out"; else fail "$name: sink" "$(cat "$T/$name.sink")"; fi
        check "$name: the daemon exits 0" test "$rc" = 0
        if no_sanitizer_report "$T/$name.log"; then
                pass "$name: no sanitizer report"
        else
                fail "$name: no sanitizer report" "$(grep -m3 -E "Sanitizer|runtime error" "$T/$name.log")"
        fi
        local ok=no
        [ "$sink_rc" = 0 ] && [ "$rc" = 0 ] && no_sanitizer_report "$T/$name.log" && ok=yes
        row "SIG$sig${twice:+ x2}, $state" "$out; exit $rc" "$ok"
}

for sig in TERM INT; do
        for state in before-m1 negotiating playing paused; do
                signal_case "$sig" "$state"
        done
done
signal_case TERM playing-deaf
signal_case TERM playing-deaf twice

# ---- private bus for the D-Bus cases ----------------------------------------
cat >"$T/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=$T/bus.sock</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
CONF
bus_start() {
        rm -f "$T/bus.sock"
        dbus-daemon --config-file="$T/bus.conf" --nofork --nopidfile 2>/dev/null &
        BUS_PID=$!
        pids+=($BUS_PID)
        # The socket file exists before dbus-daemon listens: wait until it answers.
        wait_until busctl --address="unix:path=$T/bus.sock" list
}
A="unix:path=$T/bus.sock"
session_prop() { busctl --address="$A" get-property org.miracastd "/org/miracastd/session/$1" org.miracastd.Session1 "$2" 2>/dev/null; }
state_is() { [ "$(session_prop "$1" State)" = "s \"$2\"" ]; }

test_sink() {
        local name=$1
        shift
        timeout 60 "$B/miracast-test-sink" --connect "127.0.0.1:$PORT" --profile small --timeout 20 "$@" \
                >"$T/$name.out" 2>&1
}

# ---- 2. the encoder fails to open --------------------------------------------
bus_start
if daemon_start enc-missing --bus "$A" --encoder h264_no_such_encoder; then
        wait_until busctl --address="$A" status org.miracastd
        test_sink enc-missing1 --duration 1
        check "encoder missing: the session ends" wait_until state_is 1 ended
        reason=$(session_prop 1 EndReason)
        if [[ $reason == *"h264_no_such_encoder"* ]]; then
                pass "encoder missing: Session1.EndReason says why: $reason"
        else
                fail "encoder missing: Session1.EndReason says why" "got: $reason"
        fi
        check "encoder missing: the sink sees the session end" grep -q "end=source-teardown\|end=closed" "$T/enc-missing1.out"
        test_sink enc-missing2 --duration 1
        check "encoder missing: the next sink gets the same bounded end" wait_until state_is 2 ended
        check "encoder missing: the daemon is still running" kill -0 "$DAEMON_PID"
        kill -TERM "$DAEMON_PID"
        wait "$DAEMON_PID"
        rc=$?
        check "encoder missing: SIGTERM exits 0" test "$rc" = 0
        check "encoder missing: no sanitizer report" no_sanitizer_report "$T/enc-missing.log"
        ok=no
        [[ $reason == *"h264_no_such_encoder"* ]] && [ "$rc" = 0 ] && ok=yes
        row "encoder missing (--encoder)" "session ended, EndReason ${reason#s }; next sink the same; exit $rc" "$ok"
else
        fail "encoder missing: daemon starts" "$(tail -n 3 "$T/enc-missing.log")"
        row "encoder missing (--encoder)" "daemon did not start" no
fi

# auto without VAAPI (no GPU here): software fallback, logged with the reason.
if daemon_start enc-auto --bus none --encoder auto; then
        if test_sink enc-auto --frames 10; then
                pass "encoder auto: the sink decodes frames"
                sink_ok=yes
        else
                fail "encoder auto: the sink decodes frames" "$(tail -n 2 "$T/enc-auto.out")"
                sink_ok=no
        fi
        if [ -e /dev/dri/renderD128 ] && grep -q "with h264_vaapi" "$T/enc-auto.log"; then
                pass "encoder auto: VAAPI is present and used (no fallback to check)"
                fallback="VAAPI present and used"
        elif grep -qE "encoder auto: skipped vaapi \(.*\), using (lib)?x264" "$T/enc-auto.log"; then
                pass "encoder auto: the software fallback is logged with the reason"
                fallback="software fallback logged: $(grep -m1 -o "skipped vaapi ([^)]*)" "$T/enc-auto.log")"
        else
                fail "encoder auto: the software fallback is logged with the reason" "$(grep -m2 "encoder\|streaming" "$T/enc-auto.log")"
                fallback="fallback not logged"
        fi
        kill -TERM "$DAEMON_PID"
        wait "$DAEMON_PID"
        rc=$?
        check "encoder auto: SIGTERM exits 0" test "$rc" = 0
        row "encoder auto, no VAAPI" "$fallback; sink decodes: $sink_ok" "$([ "$sink_ok" = yes ] && [ "$rc" = 0 ] && echo yes || echo no)"
else
        fail "encoder auto: daemon starts" "$(tail -n 3 "$T/enc-auto.log")"
fi

# ---- 3. the encoder fails mid-stream -------------------------------------------
if MIRACASTD_TEST_FAIL_ENCODE_AFTER=40 daemon_start enc-fail --bus "$A" --encoder x264; then
        wait_until busctl --address="$A" status org.miracastd
        # --duration 0: plays until the source ends the session.
        test_sink enc-fail1 --duration 0
        check "encoder fails mid-stream: the session had played" grep -q "session 1 .*streaming" "$T/enc-fail.log"
        check "encoder fails mid-stream: the session ends" wait_until state_is 1 ended
        reason=$(session_prop 1 EndReason)
        if [[ $reason == *"encoder failure injected after 40 frames"* ]]; then
                pass "encoder fails mid-stream: Session1.EndReason says why: $reason"
        else
                fail "encoder fails mid-stream: Session1.EndReason says why" "got: $reason"
        fi
        check "encoder fails mid-stream: the sink decoded frames, then was told (TEARDOWN trigger)" \
                grep -q "end=source-teardown" "$T/enc-fail1.out"
        # A fresh session: 10 frames, torn down by the sink before the hook's 40.
        if test_sink enc-fail2 --frames 10; then
                pass "encoder fails mid-stream: a fresh session works afterwards"
                fresh=yes
        else
                fail "encoder fails mid-stream: a fresh session works afterwards" "$(tail -n 2 "$T/enc-fail2.out")"
                fresh=no
        fi
        kill -TERM "$DAEMON_PID"
        wait "$DAEMON_PID"
        rc=$?
        check "encoder fails mid-stream: SIGTERM exits 0" test "$rc" = 0
        check "encoder fails mid-stream: no sanitizer report" no_sanitizer_report "$T/enc-fail.log"
        ok=no
        [[ $reason == *"injected"* ]] && [ "$fresh" = yes ] && [ "$rc" = 0 ] && ok=yes
        row "encoder fails mid-stream (test hook)" "session ended, EndReason ${reason#s }; sink told; fresh session ok; exit $rc" "$ok"
else
        fail "encoder fails mid-stream: daemon starts" "$(tail -n 3 "$T/enc-fail.log")"
        row "encoder fails mid-stream (test hook)" "daemon did not start" no
fi

# ---- 4. the capture size changes mid-stream -------------------------------------
# 320x240 <-> 160x120 every 10 pictures; two sinks share the capture and decode 60 frames each.
if daemon_start resize --bus none --encoder x264 --capture testsrc:resize=10; then
        test_sink resize1 --frames 60 &
        r1=$!
        timeout 60 "$B/miracast-test-sink" --connect "127.0.0.1:$PORT" --profile vga --timeout 20 --frames 60 \
                >"$T/resize2.out" 2>&1
        rc2=$?
        wait "$r1"
        rc1=$?
        sizes_ok=yes
        for n in 1 2; do
                out=$(grep "SINK result" "$T/resize$n.out")
                if [ "$([ $n = 1 ] && echo "$rc1" || echo "$rc2")" = 0 ] && [[ $out == *"width=640 height=480"* ]] &&
                   [[ $out == *"decode_errors=0"* ]]; then
                        pass "capture resized mid-stream: sink $n decodes at its negotiated 640x480, no decode error"
                else
                        fail "capture resized mid-stream: sink $n decodes at its negotiated 640x480" "$out $(tail -n 2 "$T/resize$n.out")"
                        sizes_ok=no
                fi
        done
        frames=$(sed -n 's/.* frames=\([0-9]*\) .*/\1/p' "$T/resize1.out" "$T/resize2.out" | paste -sd/ -)
        kill -TERM "$DAEMON_PID"
        wait "$DAEMON_PID"
        rc=$?
        check "capture resized mid-stream: SIGTERM exits 0" test "$rc" = 0
        check "capture resized mid-stream: no sanitizer report" no_sanitizer_report "$T/resize.log"
        ok=no
        [ "$sizes_ok" = yes ] && [ "$rc" = 0 ] && no_sanitizer_report "$T/resize.log" && ok=yes
        row "capture 320x240<->160x120 every 10 pictures, 2 sinks" "rescaled: both decode 640x480, $frames frames, 0 decode errors; exit $rc" "$ok"
else
        fail "capture resized mid-stream: daemon starts" "$(tail -n 3 "$T/resize.log")"
        row "capture size changes mid-stream" "daemon did not start" no
fi

# ---- 5. the D-Bus connection drops mid-session --------------------------------
# The test sink plays 4 s and then sends TEARDOWN itself; the bus is killed as soon as
# the session plays. Order is read from the daemon's log afterwards, not from timing.
if daemon_start dbus-drop --bus "$A" --encoder x264; then
        wait_until busctl --address="$A" status org.miracastd
        timeout 40 "$B/miracast-test-sink" --connect "127.0.0.1:$PORT" --profile small --timeout 20 --duration 4 \
                >"$T/dbus-drop.out" 2>&1 &
        drop_sink=$!
        pids+=($drop_sink)
        check "D-Bus drop: the session plays" wait_until state_is 1 playing
        kill -KILL "$BUS_PID"
        wait "$BUS_PID" 2>/dev/null
        check "D-Bus drop: the daemon logs the lost connection" wait_until grep -q "Lost the D-Bus connection" "$T/dbus-drop.log"
        check "D-Bus drop: no new sinks are taken (listener closed)" wait_until grep -q "Stopped listening on 127.0.0.1:$PORT" "$T/dbus-drop.log"
        wait "$drop_sink"
        sink_rc=$?
        check "D-Bus drop: the sink played its whole 4 s and tore down itself" \
                sh -c "[ $sink_rc = 0 ] && grep -q 'result=ok.*end=duration' '$T/dbus-drop.out'"
        lost=$(grep -n -m1 "Lost the D-Bus connection" "$T/dbus-drop.log" | cut -d: -f1)
        ended=$(grep -n -m1 "session 1 .*ended: " "$T/dbus-drop.log" | cut -d: -f1)
        check "D-Bus drop: the session ended after the loss, by the sink's TEARDOWN" \
                sh -c "[ -n '$lost' ] && [ -n '$ended' ] && [ '$lost' -lt '$ended' ] && grep -q 'session 1 .*ended: .*TEARDOWN' '$T/dbus-drop.log'"
        if wait_until sh -c "! kill -0 $DAEMON_PID"; then
                wait "$DAEMON_PID"
                rc=$?
        else
                rc=still-running
        fi
        check "D-Bus drop: after the last session the daemon exits 1 by itself" test "$rc" = 1
        check "D-Bus drop: it logged why it exits" grep -q "exiting with failure status" "$T/dbus-drop.log"
        check "D-Bus drop: no sanitizer report" no_sanitizer_report "$T/dbus-drop.log"
        ok=no
        [ "$rc" = 1 ] && [ "$sink_rc" = 0 ] && no_sanitizer_report "$T/dbus-drop.log" && ok=yes
        row "D-Bus connection dropped mid-session" "logged; listener closed; session played on to the sink's TEARDOWN; then exit $rc" "$ok"
else
        fail "D-Bus drop: daemon starts" "$(tail -n 3 "$T/dbus-drop.log")"
        row "D-Bus connection dropped mid-session" "daemon did not start" no
fi

echo
printf '%-36s | %-78s | %s\n' "case" "reaction" "recovered"
for r in "${TABLE[@]}"; do echo "$r"; done
echo
finish
