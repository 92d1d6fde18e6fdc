#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# miracastctl against the real miracastd on a private dbus-daemon, with the C
# test sink as the display: every command's output and exit status, progress
# and JSON, the session life cycle (listen, playing, idr, bitrate, pause,
# resume, stop), error translation for real bad calls, polkit refusals on a
# system-type bus without polkit, and the installed D-Bus policy letting an
# unprivileged user read the daemon. Waiting is by polling with a generous
# bound; nothing asserts on timing.
. "${MIRACAST_SRCDIR:-.}/tests/lib/test-lib.sh"

B=$MIRACAST_BUILD
SRC=${MIRACAST_SRCDIR:-.}
CTL="$B/miracastctl"
T=$(mktemp -d /tmp/miracastctl-test.XXXXXX)
chmod 755 "$T"
pids=()
daemon_pid=
sink_pid=

cleanup() {
        local p
        for p in $sink_pid $daemon_pid "${pids[@]}"; do kill "$p" 2>/dev/null; done
        wait 2>/dev/null
        [ -n "${KEEP_TMP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT


# expect NAME STATUS PATTERN CMD...: CMD exits STATUS and its output matches PATTERN
expect() {
        local name=$1 want=$2 pattern=$3 out rc
        shift 3
        out=$("$@" 2>&1)
        rc=$?
        if [ "$rc" != "$want" ]; then
                fail "$name" "exit $rc, wanted $want; output: $out"
        elif ! grep -qE -- "$pattern" <<<"$out"; then
                fail "$name" "output does not match /$pattern/: $out"
        else
                pass "$name"
        fi
}

# bus_start NAME TYPE [INCLUDE]: private dbus-daemon at unix:path=$T/NAME.sock
bus_start() {
        local policy
        if [ "$2" = system ]; then
                # dbus's own system.conf defaults, plus our installed policy file.
                policy='<allow user="*"/><deny own="*"/><deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/><allow receive_type="method_return"/>
    <allow receive_type="error"/><allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>'
        else
                policy='<allow user="*"/><allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/><allow own="*"/>'
        fi
        cat >"$T/$1.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>$2</type>
  <listen>unix:path=$T/$1.sock</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    $policy
  </policy>
  ${3:+<include>$3</include>}
</busconfig>
CONF
        dbus-daemon --config-file="$T/$1.conf" --nofork --nopidfile >"$T/$1.bus.log" 2>&1 &
        pids+=($!)
        wait_until test -S "$T/$1.sock"
}

# daemon_start LOG ARGS...
daemon_start() {
        local log=$1
        shift
        "$B/miracastd" --config /dev/null --capture testsrc --encoder x264 --max-resolution 640x480 \
                --log-level debug "$@" >"$T/$log.log" 2>&1 &
        daemon_pid=$!
}

daemon_stop() {
        local rc
        kill -TERM "$daemon_pid"
        wait "$daemon_pid"
        rc=$?
        daemon_pid=
        return $rc
}

# canon IFACE FILE: methods, args, properties and signals of IFACE, one per
# line, independent of attribute order, comments and white space.
canon() {
        local i=$1 f=$2 n k m j x="//interface[@name='$1']"
        n=$(xmllint --xpath "count($x/method)" "$f")
        for k in $(seq "$n"); do
                echo "method $(xmllint --xpath "string($x/method[$k]/@name)" "$f")"
                m=$(xmllint --xpath "count($x/method[$k]/arg)" "$f")
                for j in $(seq "$m"); do
                        echo "  arg $(xmllint --xpath "string($x/method[$k]/arg[$j]/@type)" "$f")" \
                                "$(xmllint --xpath "string($x/method[$k]/arg[$j]/@direction)" "$f")"
                done
        done
        n=$(xmllint --xpath "count($x/property)" "$f")
        for k in $(seq "$n"); do
                echo "property $(xmllint --xpath "string($x/property[$k]/@name)" "$f")" \
                        "$(xmllint --xpath "string($x/property[$k]/@type)" "$f")" \
                        "$(xmllint --xpath "string($x/property[$k]/@access)" "$f")" \
                        "$(xmllint --xpath "string($x/property[$k]/annotation/@value)" "$f")"
        done
        n=$(xmllint --xpath "count($x/signal)" "$f")
        for k in $(seq "$n"); do
                echo "signal $(xmllint --xpath "string($x/signal[$k]/@name)" "$f")"
        done
}

# same_interface NAME IFACE PATH: installed XML == live introspection of PATH
same_interface() {
        local live="$T/$2.live.xml" want got
        busctl --address="$MIRACASTCTL_BUS" introspect --xml-interface org.miracastd "$3" >"$live" || return 1
        want=$(canon "$2" "$SRC/dbus/$2.xml")
        got=$(canon "$2" "$live")
        if [ -n "$want" ] && [ "$want" = "$got" ]; then
                pass "$1"
        else
                fail "$1" "installed: $(echo $want) / live: $(echo $got)"
        fi
}

session_state() { "$CTL" sessions | awk -v id="$1" '$1 == id { print $2 }'; }
state_is() { [ "$(session_state "$1")" = "$2" ]; }

# ---- session bus: the whole life cycle ---------------------------------------
bus_start main session
export MIRACASTCTL_BUS="unix:path=$T/main.sock"
daemon_start main --bus "$MIRACASTCTL_BUS" -o p2p-backend=none
check "daemon answers miracastctl info" wait_until "$CTL" info

expect "info shows the version and encoders" 0 "^Version +[0-9]" "$CTL" info
expect "info --json is one JSON object" 0 '^\{"path":"/org/miracastd".*"Encoders":\[' "$CTL" --json info
expect "sessions: none yet" 0 "\(no sessions\)" "$CTL" sessions
expect "sessions --json: empty array" 0 '^\[\]$' "$CTL" --json sessions
expect "sinks: none known" 0 "no sinks known" "$CTL" sinks
expect "scan without a P2P backend says so" 1 "starting discovery: failed: No P2P backend" "$CTL" scan --timeout 1
expect "cast to an unknown sink: not found" 5 'no sink matches "TV"' "$CTL" cast TV
expect "stop without sessions" 5 "no session is running" "$CTL" stop
expect "status of a session that does not exist" 5 "session 99: no such object" "$CTL" status 99
expect "listen on a bad address: the daemon's reason" 2 \
        'listen failed: invalid arguments: "999.1.2.3:1" is not ADDR\[:PORT\]' "$CTL" listen 999.1.2.3:1

out=$("$CTL" listen 127.0.0.1:0)
check "listen 127.0.0.1:0 reports the port" grep -qE '^Listening on 127\.0\.0\.1:[0-9]+$' <<<"$out"
port=${out##*:}
expect "listen --json" 0 '^\{"listening":"127\.0\.0\.1:[0-9]+"\}$' "$CTL" --json listen 127.0.0.1:0

"$B/miracast-test-sink" --connect "127.0.0.1:$port" --profile vga --duration 0 --timeout 30 \
        >"$T/sink.out" 2>"$T/sink.log" &
sink_pid=$!
check "session 1 reaches playing" wait_until state_is 1 playing
expect "sessions lists it" 0 "^1 +playing +127\.0\.0\.1:[0-9]+ +640x480@60 " "$CTL" sessions
same_interface "dbus/org.miracastd.Manager1.xml matches the daemon" org.miracastd.Manager1 /org/miracastd
same_interface "dbus/org.miracastd.Session1.xml matches the daemon" org.miracastd.Session1 /org/miracastd/session/1
expect "status names the mode and encoder" 0 "Encoder +x264" "$CTL" status 1
expect "status without SESSION picks the only one" 0 "Session 1 \(/org/miracastd/session/1\)" "$CTL" status
expect "status --json has the numbers" 0 '"Width":640,"Height":480' "$CTL" --json status 1
expect "status --watch prints live lines" 0 "^playing +640x480@60 +frames=" \
        "$CTL" status 1 --watch --interval 0.5 --timeout 2
expect "status --watch shows the software encoder's rate control" 0 \
        "^ +qp=[0-9]+ qp-average=[0-9]+\.[0-9] skipped=0 vbv=-?[0-9]+ ms range-switches=0$" \
        "$CTL" status 1 --watch --interval 0.5 --timeout 2
expect "status --json has the rate control's keys" 0 '"qp-average":[0-9.]+.*"frames-rate-skipped":0' \
        "$CTL" --json status 1
expect "status shows qp among the statistics" 0 "qp=[1-5][0-9]" "$CTL" status 1
expect "idr" 0 "" "$CTL" idr 1
expect "bitrate 2M" 0 "" "$CTL" bitrate 2M
expect "bitrate with a bad value" 2 'not a bit rate' "$CTL" bitrate fast
expect "pause" 0 "" "$CTL" pause
check "session pauses" wait_until state_is 1 paused
expect "resume" 0 "" "$CTL" resume 1
check "session plays again" wait_until state_is 1 playing
expect "stop waits until the session ended" 0 "^Session ended" "$CTL" stop 1
st=$(session_state 1)
check "after stop the session is ended or gone (${st:-gone})" test "${st:-ended}" = ended
wait "$sink_pid"
sink_rc=$?
sink_pid=
check "the sink ended cleanly (exit 0)" test "$sink_rc" = 0
check "the sink saw a source TEARDOWN" grep -q " end=source-teardown" "$T/sink.out"
check "the sink decoded frames" grep -qE " frames=[1-9][0-9]* " "$T/sink.out"

# cast progress: a listener limited to another peer refuses our sink.
out=$("$CTL" listen 127.0.0.1:0 --peer 10.9.9.9)
check "listen --peer" grep -q " for 10.9.9.9$" <<<"$out"
port=${out%% for*}
port=${port##*:}
"$B/miracast-test-sink" --connect "127.0.0.1:$port" --profile vga --timeout 5 >"$T/refused.out" 2>&1
check "a sink from another address is refused" grep -q "result=fail" "$T/refused.out"

check "daemon exits 0 on SIGTERM" daemon_stop

# ---- system-type bus without polkit: mutating calls refused, reads allowed ----
install_dir="$T/inst"
"$SRC/tools/install.sh" "$install_dir" /usr "$B" >/dev/null
bus_start sys system "$install_dir/usr/share/dbus-1/system.d/org.miracastd.conf"
export MIRACASTCTL_BUS="unix:path=$T/sys.sock"
daemon_start sys --bus "$MIRACASTCTL_BUS" --polkit required -o p2p-backend=none
check "daemon up on the system-type bus" wait_until "$CTL" info
expect "listen without polkit: not authorized (exit 4)" 4 "listen failed: not authorized" \
        "$CTL" listen 127.0.0.1:0
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
expect "an unprivileged user may read the daemon (policy)" 0 "^Version" as_nobody "$CTL" info
expect "an unprivileged user's listen is refused by polkit, not by the bus" 4 "not authorized \(polkit" \
        as_nobody "$CTL" listen 127.0.0.1:0
check "daemon exits 0 on SIGTERM (system bus)" daemon_stop

finish
