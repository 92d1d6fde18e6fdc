#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# `make install` layout and the installed files' validity: every file where
# distributions expect it, the unit passes `systemd-analyze verify` and scores
# "OK" (<= 4.0) in `systemd-analyze security`, the D-Bus policy really lets
# only root own org.miracastd while others may call it (checked on a real
# dbus-daemon), the polkit/D-Bus XML is well-formed, the man pages render.
. "${MIRACAST_SRCDIR:-.}/tests/lib/test-lib.sh"

src=${MIRACAST_SRCDIR:-.}
dest=$(mktemp -d /tmp/miracast-install-test.XXXXXX)
bus_pid=
cleanup() {
        [ -n "$bus_pid" ] && kill "$bus_pid" 2>/dev/null
        rm -rf "$dest"
}
trap cleanup EXIT

out=$("$src/tools/install.sh" "$dest" /usr "$MIRACAST_BUILD" 2>&1)
check "install.sh succeeds" test $? = 0

files="
/usr/bin/miracastctl
/usr/lib/systemd/system/miracastd.service
/usr/lib/systemd/system/miracastd-stream.socket
/usr/lib/systemd/system/miracastd-stream@.service
/usr/lib/systemd/system/miracastd-kms.socket
/usr/lib/systemd/system/miracastd-kms@.service
/usr/share/dbus-1/system.d/org.miracastd.conf
/usr/share/dbus-1/system-services/org.miracastd.service
/usr/share/polkit-1/actions/org.miracastd.policy
/usr/share/man/man1/miracastctl.1
/usr/share/man/man1/miracastd-user.1
/usr/share/man/man5/miracastd.conf.5
/usr/share/man/man8/miracastd.8
/etc/miracastd/miracastd.conf
/usr/share/doc/miracastd/miracastd.conf
"
[ -f "$src/daemon/main.c" ] && files="$files /usr/sbin/miracastd"
[ -x "$MIRACAST_BUILD/miracastd-stream" ] && files="$files /usr/libexec/miracastd/miracastd-kms /usr/libexec/miracastd/miracastd-stream
/usr/lib/sysusers.d/miracastd.conf"
# the "Cast screen" button: the app (when built) and the GNOME Shell extension
[ -x "$MIRACAST_BUILD/miracast-cast" ] && files="$files /usr/bin/miracast-cast
/usr/share/applications/org.miracastd.Cast.desktop /usr/share/icons/hicolor/scalable/apps/org.miracastd.Cast.svg"
# the user-session component (when built)
[ -x "$MIRACAST_BUILD/miracastd-user" ] && files="$files /usr/libexec/miracastd/miracastd-user
/usr/lib/systemd/user/miracastd-user.service /usr/share/dbus-1/services/org.miracastd.User.service"
for f in "$src"/desktop/gnome-shell-extension/miracast@miracastd.org/*; do
        files="$files /usr/share/gnome-shell/extensions/miracast@miracastd.org/${f##*/}"
done
for f in $files; do
        check "installed $f" test -s "$dest$f"
        grep -qx "install: $f" <<<"$out" || fail "install.sh reports $f"
done
for xml in "$src"/dbus/org.miracastd.*.xml; do
        [ -f "$xml" ] || continue
        check "installed interface $(basename "$xml")" test -s "$dest/usr/share/dbus-1/interfaces/$(basename "$xml")"
done
check "miracastctl is executable" test -x "$dest/usr/bin/miracastctl"
check "no @placeholders@ left" bash -c "! grep -rl '@[a-z]*dir@' '$dest'"
check "unit runs the installed daemon" grep -qx "ExecStart=/usr/sbin/miracastd --bus system" \
        "$dest/usr/lib/systemd/system/miracastd.service"

# An existing configuration is kept.
echo "encoder = x264" >"$dest/etc/miracastd/miracastd.conf"
"$src/tools/install.sh" "$dest" /usr "$MIRACAST_BUILD" >/dev/null 2>&1
check "existing miracastd.conf is kept" grep -qx "encoder = x264" "$dest/etc/miracastd/miracastd.conf"

# PREFIX is honoured.
"$src/tools/install.sh" "$dest/local" /usr/local "$MIRACAST_BUILD" >/dev/null 2>&1
check "PREFIX=/usr/local puts miracastctl in /usr/local/bin" test -x "$dest/local/usr/local/bin/miracastctl"
check "PREFIX=/usr/local unit runs /usr/local/sbin/miracastd" \
        grep -qx "ExecStart=/usr/local/sbin/miracastd --bus system" "$dest/local/usr/local/lib/systemd/system/miracastd.service"
"$src/tools/install.sh" "$dest" relative "$MIRACAST_BUILD" >/dev/null 2>&1
check "relative PREFIX is refused" test $? = 2

# systemd-analyze verify: against the host's units, with ExecStart pointing at
# the installed binary (the unit names /usr/sbin inside DESTDIR).
unit="$dest/verify/miracastd.service"
mkdir -p "$dest/verify"
exe="$dest/usr/sbin/miracastd"
[ -x "$exe" ] || exe=/bin/true
sed "s|^ExecStart=/usr/sbin/miracastd|ExecStart=$exe|" "$dest/usr/lib/systemd/system/miracastd.service" >"$unit"
if verify=$(systemd-analyze verify --man=no "$unit" 2>&1) && [ -z "$verify" ]; then
        pass "systemd-analyze verify is clean"
else
        fail "systemd-analyze verify is clean" "$verify"
fi
# The process split (docs/process-model.md) is what brings main to 2.0: the capabilities that
# served the sinks' side (CAP_SYS_ADMIN, the DRM nodes) moved to the stream workers' units.
exposure() {
        systemd-analyze security --offline=yes --root="$dest" "$1" 2>&1 |
                sed -n "s/.*Overall exposure level for $1: \([0-9.]*\).*/\1/p"
}
score=$(exposure miracastd.service)
echo "exposure: ${score:-none}"
if [ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }'; then
        pass "systemd-analyze security exposure $score <= 2.0"
else
        fail "systemd-analyze security exposure <= 2.0" "got '${score}'"
fi
wscore=$(exposure miracastd-stream@1.service)
kscore=$(exposure miracastd-kms@1.service)
echo "exposure of a stream worker: ${wscore:-none}, of the KMS helper: ${kscore:-none}"
if [ -n "$wscore" ] && awk -v s="$wscore" 'BEGIN { exit !(s <= 2.0) }'; then
        pass "stream worker unit exposure $wscore <= 2.0"
else
        fail "stream worker unit exposure <= 2.0" "got '${wscore}'"
fi
check "stream worker unit: the user miracastd, no capability" bash -c \
        "grep -qx User=miracastd '$dest/usr/lib/systemd/system/miracastd-stream@.service' && grep -qx CapabilityBoundingSet= '$dest/usr/lib/systemd/system/miracastd-stream@.service'"
check "KMS helper unit: CAP_SYS_ADMIN alone, no network, the DRM nodes only" bash -c \
        "u='$dest/usr/lib/systemd/system/miracastd-kms@.service'; grep -qx CapabilityBoundingSet=CAP_SYS_ADMIN \"\$u\" &&
         grep -qx PrivateNetwork=yes \"\$u\" && grep -qx RestrictAddressFamilies=AF_UNIX \"\$u\" &&
         grep -qx 'DeviceAllow=char-drm rw' \"\$u\" && grep -qx ExecStart=/usr/libexec/miracastd/miracastd-kms \"\$u\""
check "no stream worker unit keeps a capability (the KMS worker unit is gone)" bash -c \
        "! ls '$dest/usr/lib/systemd/system/' | grep -q stream-kms"
check "stream worker unit runs the installed worker" grep -qx "ExecStart=/usr/libexec/miracastd/miracastd-stream" \
        "$dest/usr/lib/systemd/system/miracastd-stream@.service"
check "unit keeps only the documented capabilities" grep -qx \
        "CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_BIND_SERVICE CAP_NET_RAW" "$unit"
check "unit is Type=notify with watchdog" bash -c "grep -qx Type=notify '$unit' && grep -q '^WatchdogSec=' '$unit'"

# The unit itself, not an alias that exists only once enabled: activation must work on a fresh install.
check "activation file names the unit" grep -qx "SystemdService=miracastd.service" \
        "$dest/usr/share/dbus-1/system-services/org.miracastd.service"
if [ -x "$MIRACAST_BUILD/miracastd-user" ]; then
        check "session-bus activation of miracastd-user names its user unit" bash -c \
                "grep -qx SystemdService=miracastd-user.service '$dest/usr/share/dbus-1/services/org.miracastd.User.service' &&
                 grep -qx Exec=/usr/libexec/miracastd/miracastd-user '$dest/usr/share/dbus-1/services/org.miracastd.User.service'"
        check "the user unit runs the installed component" bash -c \
                "grep -qx ExecStart=/usr/libexec/miracastd/miracastd-user '$dest/usr/lib/systemd/user/miracastd-user.service' &&
                 grep -qx BusName=org.miracastd.User '$dest/usr/lib/systemd/user/miracastd-user.service'"
fi
for x in /usr/share/dbus-1/system.d/org.miracastd.conf /usr/share/polkit-1/actions/org.miracastd.policy \
         $(cd "$dest" && ls usr/share/dbus-1/interfaces/*.xml 2>/dev/null | sed 's|^|/|'); do
        check "well-formed XML $x" xmllint --noout "$dest$x"
done
check "polkit: cast allowed to the active session" bash -c \
        "xmllint --xpath 'string(//action[@id=\"org.miracastd.cast\"]/defaults/allow_active)' '$dest/usr/share/polkit-1/actions/org.miracastd.policy' | grep -qx yes"
check "polkit: manage needs an administrator" bash -c \
        "xmllint --xpath 'string(//action[@id=\"org.miracastd.manage\"]/defaults/allow_active)' '$dest/usr/share/polkit-1/actions/org.miracastd.policy' | grep -qx auth_admin_keep"

for page in man1/miracastctl.1 man1/miracastd-user.1 man5/miracastd.conf.5 man8/miracastd.8; do
        warn=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$dest/usr/share/man/$page" 2>&1 >/dev/null)
        if [ -z "$warn" ] && MANWIDTH=80 man -l "$dest/usr/share/man/$page" 2>/dev/null | grep -q "SEE ALSO"; then
                pass "man page $page renders without warnings"
        else
                fail "man page $page renders without warnings" "$warn"
        fi
done

# The D-Bus policy on a real system-type bus whose default policy is the one
# of dbus's system.conf: root may own org.miracastd, another user may not.
chmod 755 "$dest"
mkdir -p "$dest/bus"
chmod 755 "$dest/bus"
cat >"$dest/bus/system.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$dest/bus/socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
  </policy>
  <include>$dest/usr/share/dbus-1/system.d/org.miracastd.conf</include>
</busconfig>
CONF
bus_pid=$(dbus-daemon --config-file="$dest/bus/system.conf" --fork --print-pid 2>&1)
for i in $(seq 50); do [ -S "$dest/bus/socket" ] && break; sleep 0.1; done
addr="unix:path=$dest/bus/socket"
request_name() { busctl --address="$addr" call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus \
        RequestName su "$1" 0 2>&1; }
if [ "$(id -u)" != 0 ]; then
        fail "D-Bus policy test needs root (run make check as root)"
else
        out=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
                busctl --address="$addr" call org.freedesktop.DBus /org/freedesktop/DBus \
                org.freedesktop.DBus GetId 2>&1)
        if grep -q '^s "' <<<"$out"; then
                pass "policy: an unprivileged user can use this bus (control)"
        else
                fail "policy: an unprivileged user can use this bus (control)" "$out"
        fi
        out=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
                busctl --address="$addr" call org.freedesktop.DBus /org/freedesktop/DBus \
                org.freedesktop.DBus RequestName su org.miracastd 0 2>&1)
        if grep -qE "Access denied|not allowed to own" <<<"$out"; then
                pass "policy: an unprivileged user cannot own org.miracastd"
        else
                fail "policy: an unprivileged user cannot own org.miracastd" "$out"
        fi
        out=$(request_name org.miracastd)
        if grep -q "^u 1" <<<"$out"; then
                pass "policy: root can own org.miracastd"
        else
                fail "policy: root can own org.miracastd" "$out"
        fi
        # A client's PIN agent: root (the daemon) may call org.miracastd.Agent1 on another
        # user's connection, and nothing else. gdbus monitor is a long-lived plain client.
        setpriv --reuid=65534 --regid=65534 --clear-groups \
                gdbus monitor --address "$addr" --dest org.freedesktop.DBus >/dev/null 2>&1 &
        mon_pid=$!
        agent=
        for i in $(seq 50); do
                for n in $(busctl --address="$addr" list --no-legend --unique 2>/dev/null | awk '{print $1}'); do
                        [ "$(busctl --address="$addr" call org.freedesktop.DBus /org/freedesktop/DBus \
                                org.freedesktop.DBus GetConnectionUnixUser s "$n" 2>/dev/null)" = "u 65534" ] && agent=$n
                done
                [ -n "$agent" ] && break
                sleep 0.1
        done
        out=$(busctl --address="$addr" call "$agent" /org/example/agent org.miracastd.Agent1 Cancel 2>&1)
        if [ -n "$agent" ] && ! grep -qi "access denied" <<<"$out"; then
                pass "policy: root may call a client's org.miracastd.Agent1"
        else
                fail "policy: root may call a client's org.miracastd.Agent1" "${agent:-no client}: $out"
        fi
        out=$(busctl --address="$addr" call "$agent" /org/example/agent org.example.Other Cancel 2>&1)
        if [ -n "$agent" ] && grep -qi "access denied" <<<"$out"; then
                pass "policy: root may not call other interfaces of a client (control)"
        else
                fail "policy: root may not call other interfaces of a client (control)" "${agent:-no client}: $out"
        fi
        kill "$mon_pid" 2>/dev/null
        wait "$mon_pid" 2>/dev/null
        out=$(request_name org.miracastd.other)
        if grep -qE "Access denied|not allowed to own" <<<"$out"; then
                pass "policy: this bus denies names nobody allowed (control)"
        else
                fail "policy: this bus denies names nobody allowed (control)" "$out"
        fi
fi

finish
