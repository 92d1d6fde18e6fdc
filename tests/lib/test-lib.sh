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
