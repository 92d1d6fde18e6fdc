# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers for shell integration tests. Source it, call check/pass/fail, end with finish.
# $MIRACAST_BUILD points at the build directory (set by tests/run-tests.sh).
: "${MIRACAST_BUILD:=$(pwd)/build}"
_tl_pass=0
_tl_fail=0

pass() { echo "ok   $1"; _tl_pass=$((_tl_pass + 1)); }
fail() { echo "FAIL $1${2:+: $2}"; _tl_fail=$((_tl_fail + 1)); }

# check NAME COMMAND...: passes when COMMAND exits 0
check() {
        local name=$1; shift
        if "$@"; then pass "$name"; else fail "$name" "command failed: $*"; fi
}

finish() {
        echo "$_tl_pass passed, $_tl_fail failed"
        [ "$_tl_fail" = 0 ]
        exit $?
}

# skip_all REASON: this machine cannot run the whole test: one "skipped" line and a clean exit.
skip_all() {
        echo "skipped: $1"
        echo "0 passed, 0 failed, 1 skipped"
        exit 0
}

# wait_until CMD...: run CMD (output discarded) every 0.1 s until it succeeds, at most 30 s.
wait_until() {
        for _ in $(seq 300); do
                "$@" >/dev/null 2>&1 && return 0
                sleep 0.1
        done
        return 1
}

# wait_for WHAT CMD...: wait_until CMD, saying on stderr what it gave up waiting for.
wait_for() {
        wait_until "${@:2}" && return 0
        echo "gave up waiting for: $1" >&2
        return 1
}

# private_bus SOCKET [TYPE]: start a private dbus-daemon (TYPE session or system, default
# session) listening on SOCKET, where any user may connect, own any name and call anything; its config
# is SOCKET.conf, its output SOCKET.log. Waits for the socket; the pid is $private_bus_pid.
private_bus() {
        local sock=$1 type=${2:-session}
        cat >"$sock.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>$type</type>
  <listen>unix:path=$sock</listen>
  <policy context="default">
    <allow user="*"/>
    <allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/>
  </policy>
</busconfig>
CONF
        dbus-daemon --config-file="$sock.conf" --nofork --nopidfile >"$sock.log" 2>&1 &
        private_bus_pid=$!
        for _ in $(seq 100); do [ -S "$sock" ] && return 0; sleep 0.1; done
        return 1
}

# daemon_test_setup NAME: the start of a test that drives one miracastd over a private bus. $T is a
# new directory /tmp/miracast-NAME.XXXXXX, the bus listens in $T/bus ($MIRACASTCTL_BUS, exported) and
# an EXIT trap stops the daemon ($daemon_pid), the bus ($bus_pid) and any pid a test adds to
# $cleanup_pids, then removes $T (KEEP_TMP=1 keeps it for debugging).
daemon_test_setup() {
        T=$(mktemp -d "/tmp/miracast-$1.XXXXXX") || { fail "a temporary directory"; finish; }
        bus_pid=
        daemon_pid=
        cleanup_pids=
        trap _daemon_test_cleanup EXIT
        private_bus "$T/bus" || { fail "a private D-Bus daemon" "$(cat "$T/bus.log" 2>/dev/null)"; finish; }
        bus_pid=$private_bus_pid
        export MIRACASTCTL_BUS="unix:path=$T/bus"
}

_daemon_test_cleanup() {
        local p
        for p in $cleanup_pids; do kill "$p" 2>/dev/null; done
        [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null
        [ -n "$bus_pid" ] && kill "$bus_pid" 2>/dev/null
        wait 2>/dev/null
        [ -n "${KEEP_TMP:-}" ] || rm -rf "$T"
}

# start_daemon ARGS...: miracastd on the private bus with no config file and no P2P backend, plus ARGS,
# logging to $daemon_log (default $T/daemon.log); waits (up to 30 s) until it answers miracastctl info.
# Its pid is $daemon_pid. Environment for it goes before the call: VAR=value start_daemon ...
start_daemon() {
        "$MIRACAST_BUILD/miracastd" --config /dev/null -o p2p-backend=none --bus "$MIRACASTCTL_BUS" "$@" \
                >"${daemon_log:-$T/daemon.log}" 2>&1 &
        daemon_pid=$!
        for _ in $(seq 300); do "$MIRACAST_BUILD/miracastctl" info >/dev/null 2>&1 && break; sleep 0.1; done
}

# start_daemon_listener ARGS...: start_daemon ARGS, then a listener on a kernel-chosen loopback port,
# checked; the port is $port.
start_daemon_listener() {
        local out

        start_daemon "$@"
        out=$("$MIRACAST_BUILD/miracastctl" listen 127.0.0.1:0)
        port=${out##*:}
        check "listening on a kernel-chosen port ($out)" test -n "$port"
}

# stop_daemon CHECK-NAME: SIGTERM to the daemon; the check passes when it exits 0 (LeakSanitizer
# makes a leak a non-zero exit). Its exit status stays in $daemon_status.
stop_daemon() {
        kill -TERM "$daemon_pid"
        wait "$daemon_pid"
        daemon_status=$?
        daemon_pid=
        check "$1" test "$daemon_status" = 0
}

# start_daemon_without_bus ARGS...: miracastd with no D-Bus, listening on a kernel-chosen loopback
# port (--bus none --listen 127.0.0.1:0), plus ARGS, logging to $T/daemon.log. Passes once it logs
# its port ($port, pid $daemon_pid); fails and finishes the test when it does not within 30 s.
start_daemon_without_bus() {
        "$MIRACAST_BUILD/miracastd" --bus none --listen 127.0.0.1:0 "$@" >"$T/daemon.log" 2>&1 &
        daemon_pid=$!
        for _ in $(seq 300); do
                grep -q "Listening for sinks on 127.0.0.1:" "$T/daemon.log" && break
                sleep 0.1
        done
        port=$(sed -n 's/.*Listening for sinks on .*:\([0-9]*\).*/\1/p' "$T/daemon.log" | head -n1)
        if [ -z "$port" ]; then
                fail "daemon starts and listens" "$(tail -n 5 "$T/daemon.log")"
                finish
        fi
        pass "daemon starts and listens on 127.0.0.1:$port"
}

# check_no_sanitizer_report NAME LOG...: passes when no LOG holds an AddressSanitizer, LeakSanitizer
# or UBSan ("runtime error:") report; a failure quotes its first lines.
check_no_sanitizer_report() {
        local name=$1 found

        shift
        found=$(grep -h -m3 -E "Sanitizer|runtime error:" "$@" 2>/dev/null)
        if [ -z "$found" ]; then pass "$name"; else fail "$name" "$found"; fi
}
