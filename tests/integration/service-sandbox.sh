#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The service unit's sandbox fits what miracastd really does: run the daemon
# under strace through a whole cast to the test sink (D-Bus on a private bus,
# listener, negotiation, x264 encode, RTP, TEARDOWN, SIGTERM) and check that
#   - every system call it made passes the unit's SystemCallFilter= (the
#     @system-service set minus the ~ groups), except the documented probe
#     set_mempolicy (libnuma tries it at load and falls back on EPERM);
#   - every socket family it opened is in RestrictAddressFamilies=.
# Without this a syscall added to the daemon or a library would only fail in
# production, under systemd, as EPERM.
. "${MIRACAST_SRCDIR:-.}/tests/lib/test-lib.sh"

B=$MIRACAST_BUILD
SRC=${MIRACAST_SRCDIR:-.}
UNIT="$SRC/systemd/miracastd.service.in"
T=$(mktemp -d /tmp/miracast-sandbox.XXXXXX)
bus_pid=
strace_pid=
cleanup() {
        [ -n "$strace_pid" ] && kill "$strace_pid" 2>/dev/null
        [ -n "$bus_pid" ] && kill "$bus_pid" 2>/dev/null
        wait 2>/dev/null
        [ -n "${KEEP_TMP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT

for tool in strace systemd-analyze dbus-daemon; do
        command -v "$tool" >/dev/null || { fail "$tool is installed (tools/install-deps.sh)"; finish; }
done

# expand GROUP...: the system calls of the named groups/calls, recursively
expand() {
        local x
        for x in "$@"; do
                case $x in
                @*) systemd-analyze syscall-filter "$x" | sed -n '2,$p' | grep -vE '^\s*(#|$)' | tr -d ' ' |
                        while read -r y; do expand "$y"; done ;;
                *) echo "$x" ;;
                esac
        done
}
allow=$(sed -n 's/^SystemCallFilter=\([^~].*\)/\1/p' "$UNIT")
deny=$(sed -n 's/^SystemCallFilter=~\(.*\)/\1/p' "$UNIT")
check "unit has an allow list and a deny list" test -n "$allow" -a -n "$deny"
expand $allow | sort -u >"$T/allowed"
expand $deny | sort -u >"$T/denied"
comm -23 "$T/allowed" "$T/denied" >"$T/permitted"
check "the filter permits a sane number of calls" test "$(wc -l <"$T/permitted")" -gt 200

private_bus "$T/bus"
bus_pid=$private_bus_pid
export MIRACASTCTL_BUS="unix:path=$T/bus"

# LeakSanitizer cannot run under ptrace; the leak check of the daemon is done elsewhere.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -f -qq -o "$T/trace" "$B/miracastd" --config /dev/null -o p2p-backend=none --capture testsrc \
        --encoder x264 --max-resolution 640x480 --bus "$MIRACASTCTL_BUS" >"$T/daemon.log" 2>&1 &
strace_pid=$!
for _ in $(seq 300); do "$B/miracastctl" info >/dev/null 2>&1 && break; sleep 0.1; done
out=$("$B/miracastctl" listen 127.0.0.1:0)
port=${out##*:}
line=$("$B/miracast-test-sink" --connect "127.0.0.1:$port" --profile vga --frames 30 --idr-after 5 \
        --timeout 30 2>"$T/sink.log")
check "a whole cast under strace ($line)" grep -q "^SINK result=ok" <<<"$line"
daemon_pid=$(pgrep -P "$strace_pid" -x miracastd)
check "found the daemon under strace" test -n "$daemon_pid"
[ -n "$daemon_pid" ] && kill -TERM "$daemon_pid"
wait "$strace_pid"
rc=$?
strace_pid=
check "daemon exits 0 on SIGTERM" test "$rc" = 0

# "PID name(args" -> name; resumed/unfinished lines carry the name too.
sed -nE 's/^[0-9]+ +(<\.\.\. )?([a-z_0-9]+)[( ].*/\2/p' "$T/trace" | sort -u >"$T/used"
check "the trace holds system calls" test "$(wc -l <"$T/used")" -gt 20
outside=$(comm -23 "$T/used" "$T/permitted" | grep -vx -e execve -e set_mempolicy)
if [ -z "$outside" ]; then
        pass "every system call is permitted by SystemCallFilter= ($(wc -l <"$T/used") used)"
else
        fail "every system call is permitted by SystemCallFilter=" "outside: $(echo $outside)"
fi

families=$(grep -oE 'socket\(AF_[A-Z0-9]+' "$T/trace" | sed 's/socket(//' | sort -u)
restrict=$(sed -n 's/^RestrictAddressFamilies=//p' "$UNIT")
bad=
for f in $families; do
        grep -qw "$f" <<<"$restrict" || bad="$bad $f"
done
check "socket families used ($(echo $families)) are in RestrictAddressFamilies=" test -z "$bad"

finish
