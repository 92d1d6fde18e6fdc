#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# miracastd as users run it, driven through its D-Bus API on private
# dbus-daemon instances (nothing touches the machine's buses):
#   - --bus none: no D-Bus at all, a cast to the C test sink still works;
#   - a session-type private bus: Manager1/Session1 introspection, properties,
#     PropertiesChanged/InterfacesAdded signals, Listen, a whole cast to
#     build/miracast-test-sink over loopback, Pause/Resume/RequestIdr/
#     SetBitrate/Stop, and the error names of real bad calls;
#   - a system-type private bus with --polkit required and no polkit on it:
#     every mutating call gets org.miracastd.Error.NotAuthorized, reads work;
#   - SIGTERM mid-stream: the sink sees the M5 TEARDOWN trigger, sends M8,
#     the daemon exits 0;
#   - the sink in its own network namespace joined by a veth pair.
# Waiting is by polling with a generous upper bound (no timed assertions).
. "${MIRACAST_SRCDIR:-.}/tests/lib/test-lib.sh"
B=${MIRACAST_BUILD:-$(pwd)/build}
T=$(mktemp -d /tmp/miracastd-dbus-test.XXXXXX)
NS=mcdbus$$
pids=()

cleanup() {
        local p
        for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
        wait 2>/dev/null
        ip netns del "$NS" 2>/dev/null
        ip link del "${NS}a" 2>/dev/null
        [ -n "${KEEP_TMP:-}" ] || rm -rf "$T"    # KEEP_TMP=1 keeps the logs for debugging
}
trap cleanup EXIT

for tool in dbus-daemon busctl gdbus; do
        if ! command -v "$tool" >/dev/null; then
                fail "tool $tool is installed" "missing; tools/install-deps.sh installs it"
                finish
        fi
done


# bus_start NAME TYPE: a private dbus-daemon of TYPE (session/system) at unix:path=$T/NAME.sock
bus_start() {
        cat >"$T/$1.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>$2</type>
  <listen>unix:path=$T/$1.sock</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
CONF
        dbus-daemon --config-file="$T/$1.conf" --nofork --nopidfile &
        pids+=($!)
        wait_for "bus $1" test -S "$T/$1.sock"
}

# daemon_start NAME ARGS...: miracastd with its log in $T/NAME.log, pid in $DAEMON_PID
daemon_start() {
        local name=$1
        shift
        # mice=no: StartDiscovery must fail for want of any discovery, whatever the host's system bus holds
        "$B/miracastd" --config /dev/null -o p2p-backend=none -o mice=no --capture testsrc --encoder x264 \
                --max-resolution 640x480 --log-level debug "$@" >"$T/$name.log" 2>&1 &
        DAEMON_PID=$!
        pids+=($DAEMON_PID)
}

name_owned() { busctl --address="$1" status org.miracastd; }

# The port of the first "Listening for sinks on ADDR:PORT" line of a log.
listen_port() { sed -n 's/.*Listening for sinks on .*:\([0-9]*\).*/\1/p' "$1" | head -n1; }

# sink_start NAME ARGS...: the C test sink in the background, output in $T/NAME.sink, pid in $SINK_PID
sink_start() {
        local name=$1
        shift
        "$B/miracast-test-sink" --profile small -v "$@" >"$T/$name.sink" 2>&1 &
        SINK_PID=$!
        pids+=($SINK_PID)
}

# expect_error TEST-NAME ERROR-NAME gdbus-call-args...: the call fails with exactly that error name
expect_error() {
        local name=$1 expected=$2 out
        shift 2
        out=$(gdbus call --address "$A" --dest org.miracastd "$@" 2>&1)
        if [[ $out == *"GDBus.Error:$expected:"* ]]; then
                pass "$name"
        else
                fail "$name" "expected $expected, got: $out"
        fi
}

prop() { busctl --address="$A" get-property org.miracastd "$1" "$2" "$3" 2>/dev/null; }
session_prop() { prop "$1" org.miracastd.Session1 "$2"; }
state_is() { [ "$(session_prop "$1" State)" = "s \"$2\"" ]; }
frames_above_zero() { session_prop "$1" Statistics | grep -Eq '"frames" t [1-9]'; }
# at least 90 frames sent (1.5 s at 60 fps): the sink has had a keyframe and plenty after it to decode
frames_flowing() { session_prop "$1" Statistics | grep -Eq '"frames" t (9[0-9]|[1-9][0-9][0-9]+)'; }

# ---- 1. no bus at all ------------------------------------------------------
daemon_start nobus --bus none --listen 127.0.0.1:0
check "--bus none: daemon listens" wait_for "listener" grep -q "Listening for sinks on 127.0.0.1:" "$T/nobus.log"
check "--bus none: log says D-Bus is off" grep -q "D-Bus off" "$T/nobus.log"
port=$(listen_port "$T/nobus.log")
if "$B/miracast-test-sink" --profile small --connect "127.0.0.1:$port" --frames 10 --timeout 20 \
        >"$T/nobus.sink" 2>&1; then
        pass "--bus none: a whole cast to the test sink decodes frames"
else
        fail "--bus none: a whole cast to the test sink decodes frames" "$(tail -n 3 "$T/nobus.sink")"
fi
# The capture is not held between casts: closed when the last session ends, opened anew by the next cast.
check "the capture closes when the last session ends" \
        wait_for "capture closed" grep -q "Context 1: capture testsrc closed (no session uses it)" "$T/nobus.log"
# Several sessions at once (one capture shared, one encoder each). The first streams longer, so the
# second surely starts while the first still holds the capture.
"$B/miracast-test-sink" --profile small --connect "127.0.0.1:$port" --frames 60 --timeout 20 >"$T/multi1.sink" 2>&1 &
m1=$!
"$B/miracast-test-sink" --profile vga --connect "127.0.0.1:$port" --frames 20 --timeout 20 >"$T/multi2.sink" 2>&1 &
m2=$!
wait $m1
r1=$?
wait $m2
r2=$?
check "two sinks at once: the first decodes frames" test "$r1" = 0
check "two sinks at once: the second decodes frames" test "$r2" = 0
check "two sinks at once: one capture for both (opened anew after the first cast)" \
        test "$(grep -c 'capturing from testsrc' "$T/nobus.log")" = 2
check "two sinks at once: the capture closes after the last of them" \
        wait_for "second close" sh -c "[ \$(grep -c 'capture testsrc closed' '$T/nobus.log') -eq 2 ]"

# A plain listener takes at most 8 sessions at once; the 9th connection is refused and logged.
for fd in 10 11 12 13 14 15 16 17; do eval "exec $fd<>/dev/tcp/127.0.0.1/$port"; done
check "eight idle connections are sessions" wait_for "8 sessions" sh -c "[ \$(grep -c 'connected$' '$T/nobus.log') -ge 11 ]"
exec 18<>/dev/tcp/127.0.0.1/$port
check "the ninth connection is refused" wait_for "refusal" grep -q "refusing connection from 127.0.0.1:.*8 sessions already running" "$T/nobus.log"
for fd in 10 11 12 13 14 15 16 17 18; do eval "exec $fd>&-"; done
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID"
check "--bus none: SIGTERM exits 0" test $? = 0

# A config file with bad lines: each is logged with file:line and why, the good lines apply.
cat >"$T/bad.conf" <<CONF
[miracastd]
max-fps = fast
this line has no equals sign
listen = 127.0.0.1:0
CONF
"$B/miracastd" --config "$T/bad.conf" --bus none -o p2p-backend=none --capture testsrc >"$T/badconf.log" 2>&1 &
DAEMON_PID=$!
pids+=($DAEMON_PID)
check "bad config: the good listen line applies" wait_for "listener" grep -q "Listening for sinks on 127.0.0.1:" "$T/badconf.log"
check "bad config: a bad value is logged with file:line and reason" grep -q "bad.conf:2: max-fps \"fast\" is not a number" "$T/badconf.log"
check "bad config: a malformed line is logged with file:line" grep -q "bad.conf:3: expected key = value" "$T/badconf.log"
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID"
check "bad config: daemon ran and exits 0" test $? = 0
"$B/miracastd" --config "$T/missing.conf" --bus none >"$T/missing.log" 2>&1
check "a missing --config file is an error" test $? != 0
"$B/miracastd" --max-resolution huge --config /dev/null >"$T/badflag.log" 2>&1
check "a bad flag is an error with a reason" grep -q "max-resolution \"huge\" is not WIDTHxHEIGHT" "$T/badflag.log"

# ---- 2. private session-type bus -------------------------------------------
bus_start user session
A="unix:path=$T/user.sock"
daemon_start user --bus "$A"
check "private bus: daemon owns org.miracastd" wait_for "name" name_owned "$A"
check "private bus: log says no polkit" grep -q "no polkit" "$T/user.log"

busctl --address="$A" introspect org.miracastd /org/miracastd org.miracastd.Manager1 >"$T/manager.introspect" 2>&1
for member in .StartDiscovery .StopDiscovery .Listen .Discovering .Backend .Encoders .CaptureOutputs .Version; do
        check "Manager1 has $member" grep -q "^\\$member " "$T/manager.introspect"
done
check "Manager1.Backend is none without P2P" test "$(prop /org/miracastd org.miracastd.Manager1 Backend)" = 's "none"'
check "Manager1.Encoders lists libx264" sh -c "busctl --address='$A' get-property org.miracastd /org/miracastd org.miracastd.Manager1 Encoders | grep -q libx264"
check "Manager1.CaptureOutputs lists testsrc" sh -c "busctl --address='$A' get-property org.miracastd /org/miracastd org.miracastd.Manager1 CaptureOutputs | grep -q testsrc"
check "ObjectManager at /org/miracastd answers" busctl --address="$A" call org.miracastd /org/miracastd \
        org.freedesktop.DBus.ObjectManager GetManagedObjects

# error names of real bad calls
expect_error "StartDiscovery without P2P backend -> Failed" org.miracastd.Error.Failed \
        --object-path /org/miracastd --method org.miracastd.Manager1.StartDiscovery
expect_error "StopDiscovery without P2P backend -> Failed" org.miracastd.Error.Failed \
        --object-path /org/miracastd --method org.miracastd.Manager1.StopDiscovery
expect_error "Listen on a name, not an address -> InvalidArguments" org.miracastd.Error.InvalidArguments \
        --object-path /org/miracastd --method org.miracastd.Manager1.Listen "tv.local:7236" "{}"
expect_error "Listen with an unknown option -> InvalidArguments" org.miracastd.Error.InvalidArguments \
        --object-path /org/miracastd --method org.miracastd.Manager1.Listen "127.0.0.1:0" "{'colour': <'red'>}"
expect_error "Listen with a bad allowed-peer -> InvalidArguments" org.miracastd.Error.InvalidArguments \
        --object-path /org/miracastd --method org.miracastd.Manager1.Listen "127.0.0.1:0" "{'allowed-peer': <'tv'>}"
expect_error "Listen with wrong argument types -> standard InvalidArgs" org.freedesktop.DBus.Error.InvalidArgs \
        --object-path /org/miracastd --method org.miracastd.Manager1.Listen 7236
expect_error "a session that does not exist -> UnknownObject" org.freedesktop.DBus.Error.UnknownObject \
        --object-path /org/miracastd/session/999 --method org.miracastd.Session1.Stop

# Listen, then the monitor, then a sink: watch the session come and go.
out=$(gdbus call --address "$A" --dest org.miracastd --object-path /org/miracastd \
        --method org.miracastd.Manager1.Listen "127.0.0.1:0" "{'allowed-peer': <'127.0.0.1'>}" 2>&1)
port=$(echo "$out" | sed -n "s/.*127.0.0.1:\([0-9]*\).*/\1/p")
check "Manager1.Listen returns the bound address" test -n "$port"
expect_error "Listen on a port already taken -> Failed" org.miracastd.Error.Failed \
        --object-path /org/miracastd --method org.miracastd.Manager1.Listen "127.0.0.1:$port" "{}"

gdbus monitor --address "$A" --dest org.miracastd >"$T/signals" 2>&1 &
pids+=($!)
wait_for "monitor" grep -q "owned by" "$T/signals"

sink_start user --connect "127.0.0.1:$port" --duration 0 --timeout 20
S=/org/miracastd/session/1
check "InterfacesAdded for the session" wait_for "InterfacesAdded" grep -q "InterfacesAdded (objectpath '$S'" "$T/signals"
check "session reaches playing" wait_for "playing" state_is $S playing
check "PropertiesChanged State negotiating" grep -q "$S: org.freedesktop.DBus.Properties.PropertiesChanged ('org.miracastd.Session1', {'State': <'negotiating'>" "$T/signals"
check "PropertiesChanged State playing" wait_for "signal" grep -q "{'State': <'playing'>" "$T/signals"
check "Session1.Width is 640" test "$(session_prop $S Width)" = "u 640"
check "Session1.Height is 480" test "$(session_prop $S Height)" = "u 480"
check "Session1.RefreshRate is 60" test "$(session_prop $S RefreshRate)" = "u 60"
check "Session1.VideoCodec names profile and level" test "$(session_prop $S VideoCodec)" = 's "H.264 CBP 3.1"'
check "Session1.Sink is / for a plain listener" test "$(session_prop $S Sink)" = 'o "/"'
check "Session1.Peer is the sink's address" sh -c "busctl --address='$A' get-property org.miracastd $S org.miracastd.Session1 Peer | grep -q '\"127.0.0.1:'"
check "Session1.Encoder is x264" test "$(session_prop $S Encoder)" = 's "x264"'
check "Session1.AudioCodec is LPCM (the small sink offers only LPCM)" test "$(session_prop $S AudioCodec)" = 's "LPCM 48000/2"'
sink_parameters_pinned() {
        session_prop "$1" SinkParameters | grep -qF 'a{ss} 6 "wfd_video_formats" "00 00 01 01 00000001 00000001 00000000 00 0000 0000 00 none none" "wfd_audio_codecs" "LPCM 00000002 00" "wfd_client_rtp_ports" "RTP/AVP/UDP;unicast '
}
check "Session1.SinkParameters is the small sink's M3 reply, pair by pair" sink_parameters_pinned $S
check "Session1.Statistics counts frames" wait_for "frames" frames_above_zero $S
check "Session1.Statistics reaches 90 frames" wait_for "frames" frames_flowing $S
# The software encoder's rate control at a normal rate for 640x480: an ordinary QP, nothing skipped,
# the decoder buffer model within its quarter second
stat_num() { session_prop "$1" Statistics | grep -oE "\"$2\" [a-z] -?[0-9.]+" | awk '{print $2, $3}'; }
in_range() { awk -v v="$2" -v lo="$3" -v hi="$4" 'BEGIN { exit !(v != "" && v >= lo && v <= hi) }' && [ -n "$1" ]; }
rc_qp=$(stat_num $S qp); rc_avg=$(stat_num $S qp-average); rc_skip=$(stat_num $S frames-rate-skipped)
rc_sw=$(stat_num $S qp-range-switches); rc_buf=$(stat_num $S vbv-buffer-ms)
check "Statistics qp is a u within 12..51 ($rc_qp)" in_range "${rc_qp%% *}" "${rc_qp#* }" 12 51
check "Statistics qp is typed u ($rc_qp)" test "${rc_qp%% *}" = u
check "Statistics qp-average is a d within 12..51 ($rc_avg)" in_range "${rc_avg%% *}" "${rc_avg#* }" 12 51
check "Statistics qp-average is typed d ($rc_avg)" test "${rc_avg%% *}" = d
check "Statistics frames-rate-skipped is t 0 on loopback ($rc_skip)" test "$rc_skip" = "t 0"
check "Statistics qp-range-switches is t 0 at a normal rate ($rc_sw)" test "$rc_sw" = "t 0"
check "Statistics vbv-buffer-ms is an x within 0..250 ($rc_buf)" in_range "${rc_buf%% *}" "${rc_buf#* }" 0 250
check "Statistics vbv-buffer-ms is typed x ($rc_buf)" test "${rc_buf%% *}" = x
# The small sink sends wfd_display_edid none and no wfd_connector_type: no monitor (negotiate.h,
# monitor_connected rule 3). Nothing limits the rate (no max-bitrate, a plain listener has no link
# rate), so no mode was dropped for bandwidth. Section 3b has both the other way.
check "Session1.MonitorConnected is false (EDID none, no connector type)" test "$(session_prop $S MonitorConnected)" = "b false"
check "Session1.ReducedModeListDueToBandwidth is false (no rate limit)" \
        test "$(session_prop $S ReducedModeListDueToBandwidth)" = "b false"

expect_error "SetBitrate below the minimum -> InvalidArguments" org.miracastd.Error.InvalidArguments \
        --object-path $S --method org.miracastd.Session1.SetBitrate 1
check "Session1.SetBitrate works" busctl --address="$A" call org.miracastd $S org.miracastd.Session1 SetBitrate u 1500000
check "Session1.Bitrate follows SetBitrate" wait_for "bitrate" sh -c "[ \"\$(busctl --address='$A' get-property org.miracastd $S org.miracastd.Session1 Bitrate)\" = 'u 1500000' ]"
check "Session1.RequestIdr works" busctl --address="$A" call org.miracastd $S org.miracastd.Session1 RequestIdr
check "Session1.Pause works" busctl --address="$A" call org.miracastd $S org.miracastd.Session1 Pause
check "session reaches paused" wait_for "paused" state_is $S paused
expect_error "Pause while paused -> Busy" org.miracastd.Error.Busy \
        --object-path $S --method org.miracastd.Session1.Pause
check "Session1.Resume works" busctl --address="$A" call org.miracastd $S org.miracastd.Session1 Resume
check "session plays again" wait_for "playing" state_is $S playing
check "Session1.Stop works" busctl --address="$A" call org.miracastd $S org.miracastd.Session1 Stop
check "session reaches ended" wait_for "ended" state_is $S ended
check "PropertiesChanged State ended" wait_for "signal" grep -q "{'State': <'ended'>" "$T/signals"
check "EndReason is set" sh -c "busctl --address='$A' get-property org.miracastd $S org.miracastd.Session1 EndReason | grep -qv '^s \"\"$'"
wait "$SINK_PID"
check "the sink saw the M5 TEARDOWN trigger and exited cleanly" test $? = 0
check "the sink decoded frames" grep -Eq "SINK result=ok .* frames=[1-9]" "$T/user.sink"
expect_error "Stop on an ended session -> Busy" org.miracastd.Error.Busy \
        --object-path $S --method org.miracastd.Session1.Stop

# A listener limited to another peer refuses us.
out=$(busctl --address="$A" call org.miracastd /org/miracastd org.miracastd.Manager1 Listen 'sa{sv}' 127.0.0.1:0 1 \
        allowed-peer s 127.0.0.9)
port=${out##*:}
port=${port%\"}
"$B/miracast-test-sink" --profile small --connect "127.0.0.1:$port" --timeout 2 >"$T/refused.sink" 2>&1
check "allowed-peer listener refuses another address" test $? != 0
check "refusal is logged with the reason" grep -q "refusing connection from 127.0.0.1:.*only the allowed peer" "$T/user.log"
check "a refused connection creates no session" test "$(grep -c "InterfacesAdded (objectpath '/org/miracastd/session/" "$T/signals")" = 1

# ---- 3. SIGTERM mid-stream -------------------------------------------------
out=$(busctl --address="$A" call org.miracastd /org/miracastd org.miracastd.Manager1 Listen 'sa{sv}' 127.0.0.1:0 0)
port=${out##*:}
port=${port%\"}
sink_start term --connect "127.0.0.1:$port" --duration 0 --timeout 20
check "second session reaches playing" wait_for "playing" state_is /org/miracastd/session/2 playing
check "second session streams" wait_for "frames" frames_flowing /org/miracastd/session/2
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID"
check "SIGTERM mid-stream: daemon exits 0" test $? = 0
wait "$SINK_PID"
check "SIGTERM mid-stream: the sink ends cleanly" test $? = 0
check "SIGTERM mid-stream: the sink decoded frames" grep -Eq "SINK result=ok .* frames=[1-9]" "$T/term.sink"
check "SIGTERM mid-stream: the sink got the M5 TEARDOWN trigger" grep -q "M5 trigger TEARDOWN" "$T/term.sink"
check "SIGTERM mid-stream: the sink sent TEARDOWN (M8)" grep -q "^TEARDOWN " "$T/term.sink"
check "SIGTERM mid-stream: the daemon logged the shutdown" grep -q "Shutting down" "$T/user.log"
check "PropertiesChanged State ending on shutdown" grep -q "session/2: .*{'State': <'ending'>" "$T/signals"

# ---- 3b. MonitorConnected and ReducedModeListDueToBandwidth true -----------
# The LG profile answers only video, audio and RTP ports: no EDID, no connector type, but video
# formats, so a monitor is connected (negotiate.h, monitor_connected rule 4). With modes up to
# 800x600 and max-bitrate 1.6 Mbit/s, the bit-rate model (0.1 bit/pixel) drops its 640x480p60
# (1.84 Mbit/s), 720x480p60 and 720x576p50 (2.07) and 800x600p60 (2.88) and keeps 800x600p30
# (1.44), 800x480p30 and 640x360p30: the list was reduced for bandwidth.
daemon_start flags --bus "$A" --max-resolution 800x600 --max-bitrate 1600000
check "flags: daemon owns org.miracastd" wait_for "name" name_owned "$A"
out=$(busctl --address="$A" call org.miracastd /org/miracastd org.miracastd.Manager1 Listen 'sa{sv}' 127.0.0.1:0 0)
port=${out##*:}
port=${port%\"}
sink_start flags --profile lg --connect "127.0.0.1:$port" --duration 0 --timeout 20
S=/org/miracastd/session/1
check "flags: session reaches playing" wait_for "playing" state_is $S playing
check "flags: the mode is 800x600p30, the largest that fits 1.6 Mbit/s" \
        test "$(session_prop $S Width) $(session_prop $S Height) $(session_prop $S RefreshRate)" = "u 800 u 600 u 30"
check "flags: Session1.MonitorConnected is true (video formats, no EDID or connector type)" \
        test "$(session_prop $S MonitorConnected)" = "b true"
check "flags: Session1.ReducedModeListDueToBandwidth is true (max-bitrate dropped modes)" \
        test "$(session_prop $S ReducedModeListDueToBandwidth)" = "b true"
check "flags: frames flow" wait_for "frames" frames_flowing $S
check "flags: Session1.Stop works" busctl --address="$A" call org.miracastd $S org.miracastd.Session1 Stop
wait "$SINK_PID"
check "flags: the sink decoded frames and ends cleanly" test $? = 0
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID"
check "flags: SIGTERM exits 0" test $? = 0

# ---- 4. system-bus mode with polkit absent ---------------------------------
bus_start system system
A="unix:path=$T/system.sock"
daemon_start system --bus "$A" --polkit required
check "polkit mode: daemon owns org.miracastd" wait_for "name" name_owned "$A"
check "polkit mode: log says polkit decides" grep -q "authorized by polkit" "$T/system.log"
expect_error "polkit absent: Listen -> NotAuthorized" org.miracastd.Error.NotAuthorized \
        --object-path /org/miracastd --method org.miracastd.Manager1.Listen "127.0.0.1:0" "{}"
expect_error "polkit absent: StartDiscovery -> NotAuthorized" org.miracastd.Error.NotAuthorized \
        --object-path /org/miracastd --method org.miracastd.Manager1.StartDiscovery
check "polkit absent: the refusal is logged" grep -q "polkit check for org.miracastd.manage failed" "$T/system.log"
check "polkit absent: no listener was created" sh -c "! grep -q 'Listening for sinks' '$T/system.log'"
check "polkit absent: reading properties still works" test "$(prop /org/miracastd org.miracastd.Manager1 Version)" != ""
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID"
check "polkit mode: SIGTERM exits 0" test $? = 0

# ---- 5. the sink on its own host (network namespace + veth) ----------------
if ! ip netns add "$NS" 2>"$T/netns.err"; then
        echo "skip: network namespace test: cannot create a netns ($(cat "$T/netns.err"))"
elif ! ip link add "${NS}a" type veth peer name "${NS}b" 2>"$T/netns.err"; then
        echo "skip: network namespace test: cannot create a veth pair ($(cat "$T/netns.err"))"
else
        ip link set "${NS}b" netns "$NS"
        ip addr add 10.213.0.1/24 dev "${NS}a"
        ip link set "${NS}a" up
        ip netns exec "$NS" ip addr add 10.213.0.2/24 dev "${NS}b"
        ip netns exec "$NS" ip link set "${NS}b" up
        ip netns exec "$NS" ip link set lo up
        daemon_start netns --bus none --listen 10.213.0.1:0
        wait_for "listener" grep -q "Listening for sinks on 10.213.0.1:" "$T/netns.log"
        port=$(listen_port "$T/netns.log")
        if ip netns exec "$NS" "$B/miracast-test-sink" --profile small --connect "10.213.0.1:$port" \
                --frames 10 --timeout 20 >"$T/netns.sink" 2>&1; then
                pass "netns: a whole cast to a sink in another namespace over veth"
        else
                fail "netns: a whole cast to a sink in another namespace over veth" "$(tail -n 3 "$T/netns.sink")"
        fi
        check "netns: the daemon saw the sink's namespace address" grep -q "sink 10.213.0.2:" "$T/netns.log"
        kill -TERM "$DAEMON_PID"
        wait "$DAEMON_PID"
        check "netns: SIGTERM exits 0" test $? = 0
fi

finish
