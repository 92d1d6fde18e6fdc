#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# miracastctl without a daemon: usage errors, unreachable buses and a real
# private dbus-daemon on which org.miracastd is not running must each give
# their documented exit status and a message that says what went wrong.
. "${MIRACAST_SRCDIR:-.}/tests/lib/test-lib.sh"

CTL="$MIRACAST_BUILD/miracastctl"
tmp=$(mktemp -d /tmp/miracast-ctl-errors.XXXXXX)
bus_pid=
cleanup() {
        [ -n "$bus_pid" ] && kill "$bus_pid" 2>/dev/null
        rm -rf "$tmp"
}
trap cleanup EXIT

# expect NAME STATUS PATTERN CMD...: CMD exits STATUS and its stderr/stdout matches PATTERN
expect() {
        local name=$1 want=$2 pattern=$3; shift 3
        local out rc
        out=$("$@" 2>&1); rc=$?
        if [ "$rc" != "$want" ]; then
                fail "$name" "exit $rc, wanted $want; output: $out"
        elif ! grep -qE -- "$pattern" <<<"$out"; then
                fail "$name" "output does not match /$pattern/: $out"
        else
                pass "$name"
        fi
}

expect "--help lists every command" 0 "cast SINK" "$CTL" --help
for cmd in info scan sinks cast sessions status stop pause resume idr bitrate listen; do
        "$CTL" --help | grep -qE "^  $cmd|\|$cmd|$cmd\|" && pass "--help mentions $cmd" || fail "--help mentions $cmd"
done
expect "no command" 2 "no command given" "$CTL"
expect "unknown command" 2 'unknown command "frobnicate"' "$CTL" frobnicate
expect "cast without a sink" 2 "wrong number of arguments" "$CTL" cast
expect "bad --max-res" 2 "max-res wants WIDTHxHEIGHT" "$CTL" --max-res 12x cast foo
expect "bad --method" 2 "method wants pbc or pin" "$CTL" --method nfc cast foo
expect "bad --bus" 2 "bus wants system, session or a D-Bus address" "$CTL" --bus nowhere sinks
expect "unreachable bus address" 3 "cannot connect to the unix:path=$tmp/none bus" \
        "$CTL" --bus "unix:path=$tmp/none" sinks

# A real bus without miracastd on it.
cat >"$tmp/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=$tmp/bus</listen>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/>
  </policy>
</busconfig>
CONF
bus_pid=$(dbus-daemon --config-file="$tmp/bus.conf" --fork --print-pid)
for i in $(seq 50); do [ -S "$tmp/bus" ] && break; sleep 0.1; done
expect "daemon not on the bus: sinks" 3 "miracastd is not running on this bus" \
        "$CTL" --bus "unix:path=$tmp/bus" sinks
expect "daemon not on the bus: listen" 3 "listen failed: miracastd is not running" \
        "$CTL" --bus "unix:path=$tmp/bus" listen 127.0.0.1:7236
expect "daemon not on the bus: --json sessions" 3 "miracastd is not running" \
        "$CTL" --json --bus "unix:path=$tmp/bus" sessions
expect "--extend with --output" 2 "extend shares a new screen of this desktop: --output does not go with it" \
        "$CTL" --bus "unix:path=$tmp/bus" --extend --output HDMI-A-1 cast foo

finish
