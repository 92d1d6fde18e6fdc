#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The service units' sandboxes fit what miracastd really does: run the daemon
# under strace through a whole cast to the test sink (D-Bus on a private bus,
# listener, negotiation, x264 encode, RTP, TEARDOWN, SIGTERM) and check, for
# main against miracastd.service and for the stream worker it starts against
# miracastd-stream@.service (docs/process-model.md), that
#   - every system call it made passes the unit's SystemCallFilter= (the
#     @system-service set minus the ~ groups), except the documented probe
#     set_mempolicy (libnuma tries it at load and falls back on EPERM);
#   - every socket family it opened is in RestrictAddressFamilies=.
# Started by hand as root, the worker drops to the user miracastd itself
# (setgroups, setresgid, setresuid, capset); under systemd its unit starts it
# as that user and those calls are never made, so they are left out of its check.
# Without this a syscall added to the daemon or a library would only fail in
# production, under systemd, as EPERM.
. "${MIRACAST_SRCDIR:-.}/tests/lib/test-lib.sh"

B=$MIRACAST_BUILD
SRC=${MIRACAST_SRCDIR:-.}
UNIT="$SRC/systemd/miracastd.service.in"
WUNIT="$SRC/systemd/miracastd-stream@.service.in"
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
# permitted UNIT OUT: the calls UNIT's SystemCallFilter= lets through
permitted() {
        local allow deny
        allow=$(sed -n 's/^SystemCallFilter=\([^~].*\)/\1/p' "$1")
        deny=$(sed -n 's/^SystemCallFilter=~\(.*\)/\1/p' "$1")
        check "$(basename "$1"): an allow list and a deny list" test -n "$allow" -a -n "$deny"
        expand $allow | sort -u >"$2.allowed"
        expand $deny | sort -u >"$2.denied"
        comm -23 "$2.allowed" "$2.denied" >"$2"
        check "$(basename "$1"): the filter permits a sane number of calls" test "$(wc -l <"$2")" -gt 200
}
permitted "$UNIT" "$T/permitted"
permitted "$WUNIT" "$T/wpermitted"

private_bus "$T/bus"
bus_pid=$private_bus_pid
export MIRACASTCTL_BUS="unix:path=$T/bus"

# LeakSanitizer cannot run under ptrace; the leak check of the daemon is done elsewhere.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -ff -qq -o "$T/trace" "$B/miracastd" --config /dev/null -o p2p-backend=none --capture testsrc \
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

# One file per process (-ff). A file whose process exec'd miracastd-stream is main's until the
# execve (the forked child) and the worker's from there on.
: >"$T/main.trace"
: >"$T/worker.trace"
for f in "$T"/trace.*; do
        awk -v m="$T/main.trace" -v w="$T/worker.trace" '
                !exec && /^execve\(".*miracastd-stream"/ && / = 0$/ { exec = 1; next }
                { print >> (exec ? w : m) }' "$f"
done
check "the worker ran under strace" test -s "$T/worker.trace"

# "name(args" -> name; resumed/unfinished lines carry the name too.
names() { sed -nE 's/^(<\.\.\. )?([a-z_0-9]+)[( ].*/\2/p' "$1" | sort -u; }
names "$T/main.trace" >"$T/used"
names "$T/worker.trace" >"$T/wused"
check "the trace holds system calls" test "$(wc -l <"$T/used")" -gt 20
outside=$(comm -23 "$T/used" "$T/permitted" | grep -vx -e execve -e set_mempolicy)
if [ -z "$outside" ]; then
        pass "main: every system call is permitted by miracastd.service ($(wc -l <"$T/used") used)"
else
        fail "main: every system call is permitted by miracastd.service" "outside: $(echo $outside)"
fi
outside=$(comm -23 "$T/wused" "$T/wpermitted" | grep -vx -e set_mempolicy -e setgroups -e setresgid -e setresuid \
        -e setuid -e capset)
if [ -z "$outside" ]; then
        pass "worker: every system call is permitted by miracastd-stream@.service ($(wc -l <"$T/wused") used)"
else
        fail "worker: every system call is permitted by miracastd-stream@.service" "outside: $(echo $outside)"
fi

for which in main worker; do
        trace=$T/$which.trace
        unit=$UNIT
        [ "$which" = worker ] && unit=$WUNIT
        families=$(grep -oE 'socket\(AF_[A-Z0-9]+' "$trace" | sed 's/socket(//' | sort -u)
        restrict=$(sed -n 's/^RestrictAddressFamilies=//p' "$unit")
        bad=
        for f in $families; do
                grep -qw "$f" <<<"$restrict" || bad="$bad $f"
        done
        check "$which: socket families used ($(echo $families)) are in RestrictAddressFamilies=" test -z "$bad"
done

finish
