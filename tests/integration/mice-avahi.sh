#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# MS-MICE end to end with the real avahi-daemon: three network namespaces
# (source 10.77.0.1, sink 10.77.0.2 on one veth, an intruder 10.77.1.3 on a
# second veth to the source), each avahi-daemon on its own private system bus
# and in its own mount namespace (its /run/avahi-daemon). The sink announces
# _display._tcp from an avahi service file; miracastd in the source namespace
# discovers it through Avahi's D-Bus API (Sink1.Protocol "mice") and casts:
# SOURCE_READY on 7250, the test sink connects back, decodes frames, and the
# source's STOP_PROJECTION ends it. Variants: the sink stops the projection
# mid-stream, answers with garbage, asks for a PIN, never connects back, and
# an intruder connects instead of the sink. Each ends with its reason and the
# daemon keeps running. A fourth namespace holds a sink with IPv6 link-local
# addresses only (no IPv4 at all): discovered over IPv6 mDNS, cast to with its
# scope, and an intruder from another address on its link refused.
. "${MIRACAST_SRCDIR:-.}/tests/lib/test-lib.sh"

B=$MIRACAST_BUILD
if ! command -v avahi-daemon >/dev/null || ! command -v ip >/dev/null || [ "$(id -u)" != 0 ]; then
        echo "FAIL mice-avahi needs root, iproute2 and avahi-daemon (tools/install-deps.sh)"
        exit 1
fi
T=$(mktemp -d /tmp/miracast-mice.XXXXXX)
id=$$
NS_SRC=msrc$id NS_SNK=msnk$id NS_BAD=mbad$id NS_V6=mv6$id
pids=()
cleanup() {
        for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
        wait 2>/dev/null
        ip netns del "$NS_SRC" 2>/dev/null; ip netns del "$NS_SNK" 2>/dev/null; ip netns del "$NS_BAD" 2>/dev/null
        ip netns del "$NS_V6" 2>/dev/null
        [ -n "${KEEP_TMP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT

for ns in $NS_SRC $NS_SNK $NS_BAD $NS_V6; do ip netns add "$ns"; done
ip link add "ms$id" type veth peer name "mk$id"
ip link set "ms$id" netns "$NS_SRC"; ip link set "mk$id" netns "$NS_SNK"
ip link add "mb$id" type veth peer name "mx$id"
ip link set "mb$id" netns "$NS_SRC"; ip link set "mx$id" netns "$NS_BAD"
ip -n "$NS_SRC" addr add 10.77.0.1/24 dev "ms$id"; ip -n "$NS_SNK" addr add 10.77.0.2/24 dev "mk$id"
ip -n "$NS_SRC" addr add 10.77.1.1/24 dev "mb$id"; ip -n "$NS_BAD" addr add 10.77.1.3/24 dev "mx$id"
for ns in $NS_SRC $NS_SNK $NS_BAD; do ip -n "$ns" link set lo up; done
ip -n "$NS_SRC" link set "ms$id" up multicast on; ip -n "$NS_SNK" link set "mk$id" up multicast on
ip -n "$NS_SRC" link set "mb$id" up; ip -n "$NS_BAD" link set "mx$id" up
ip -n "$NS_BAD" route add 10.77.0.0/24 via 10.77.1.1
# The IPv6-only link: link-local addresses only (the kernel makes them), no DAD wait.
ip link add "m6s$id" type veth peer name "m6k$id"
ip link set "m6s$id" netns "$NS_SRC"; ip link set "m6k$id" netns "$NS_V6"
ip netns exec "$NS_SRC" sysctl -qw "net.ipv6.conf.m6s$id.accept_dad=0"
ip netns exec "$NS_V6" sysctl -qw "net.ipv6.conf.m6k$id.accept_dad=0"
ip -n "$NS_V6" link set lo up
ip -n "$NS_SRC" link set "m6s$id" up multicast on; ip -n "$NS_V6" link set "m6k$id" up multicast on
# a second address on the sink's link, for the intruder
ip -n "$NS_V6" addr add fe80::bad/64 dev "m6k$id" nodad preferred_lft 0   # deprecated: never a source by itself
ll6() { ip -n "$1" -6 addr show dev "$2" scope link | awk '/inet6/ && !/fe80::bad/ { sub(/\/.*/, "", $2); print $2; exit }'; }
for _ in $(seq 50); do [ -n "$(ll6 "$NS_V6" "m6k$id")" ] && [ -n "$(ll6 "$NS_SRC" "m6s$id")" ] && break; sleep 0.1; done
V6_SINK=$(ll6 "$NS_V6" "m6k$id") V6_SRC=$(ll6 "$NS_SRC" "m6s$id")
echo "IPv6 link: source $V6_SRC%m6s$id, sink $V6_SINK%m6k$id"

# A private bus: the avahi-daemon of one namespace and its clients.
start_bus() { # NAME TYPE
        cat >"$T/$1.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>$2</type>
  <listen>unix:path=$T/$1.sock</listen>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/>
  </policy>
</busconfig>
CONF
        dbus-daemon --config-file="$T/$1.conf" --nofork --nopidfile >"$T/$1.log" 2>&1 &
        pids+=($!)
        for _ in $(seq 100); do [ -S "$T/$1.sock" ] && break; sleep 0.1; done
}
start_avahi() { # NS NAME IFACES SERVICES_DIR [IPV4 IPV6]
        cat >"$T/$2-avahi.conf" <<CONF
[server]
host-name=$2
use-ipv4=${5:-yes}
use-ipv6=${6:-no}
allow-interfaces=$3
ratelimit-interval-usec=0
[wide-area]
enable-wide-area=no
[publish]
publish-workstation=no
publish-hinfo=no
CONF
        ip netns exec "$1" unshare -m --propagation private sh -c "
                mount -t tmpfs tmpfs /run/avahi-daemon 2>/dev/null || { mkdir -p /run/avahi-daemon && mount -t tmpfs tmpfs /run/avahi-daemon; }
                mount --bind '$4' /etc/avahi/services
                DBUS_SYSTEM_BUS_ADDRESS=unix:path=$T/$2-sys.sock exec avahi-daemon -f '$T/$2-avahi.conf' --no-rlimits --no-chroot --no-drop-root" \
                >"$T/$2-avahi.log" 2>&1 &
        pids+=($!)
        avahi_pid=$!
}

mkdir -p "$T/src-services" "$T/snk-services"
cat >"$T/snk-services/display.service" <<'SVC'
<?xml version="1.0" standalone='no'?>
<!DOCTYPE service-group SYSTEM "avahi-service.dtd">
<service-group>
  <name>Test MICE Sink</name>
  <service>
    <type>_display._tcp</type>
    <port>7250</port>
    <txt-record>container_id={11111111-2222-3333-4444-555555555555}</txt-record>
  </service>
</service-group>
SVC
# A second device that names its Wi-Fi Direct address: its sink is keyed by that address.
cat >"$T/snk-services/display2.service" <<'SVC'
<?xml version="1.0" standalone='no'?>
<!DOCTYPE service-group SYSTEM "avahi-service.dtd">
<service-group>
  <name>Test P2P+MICE Sink</name>
  <service>
    <type>_display._tcp</type>
    <port>7250</port>
    <txt-record>container_id={66666666-7777-8888-9999-000000000000}</txt-record>
    <txt-record>p2pMAC=02:11:22:33:44:66</txt-record>
  </service>
</service-group>
SVC
mkdir -p "$T/v6-services"
cat >"$T/v6-services/display.service" <<'SVC'
<?xml version="1.0" standalone='no'?>
<!DOCTYPE service-group SYSTEM "avahi-service.dtd">
<service-group>
  <name>Test MICE IPv6 Sink</name>
  <service>
    <type>_display._tcp</type>
    <port>7250</port>
    <txt-record>container_id={aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee}</txt-record>
  </service>
</service-group>
SVC
start_bus src-sys system; start_bus snk-sys system; start_bus v6-sys system; start_bus api session
# The source's avahi-daemon speaks IPv4 and IPv6; the first sink's IPv4 only, the second's IPv6 only.
start_avahi "$NS_SRC" src "ms$id,m6s$id" "$T/src-services" yes yes
src_avahi_pid=$avahi_pid
start_avahi "$NS_SNK" snk "mk$id" "$T/snk-services"
start_avahi "$NS_V6" v6 "m6k$id" "$T/v6-services" no yes
export MIRACASTCTL_BUS="unix:path=$T/api.sock"
ctl() { "$B/miracastctl" "$@"; }

# The sink's avahi-daemon announces; the source's resolves it (avahi-utils, as a cross-check).
ok=
for _ in $(seq 100); do
        if ip netns exec "$NS_SRC" env DBUS_SYSTEM_BUS_ADDRESS="unix:path=$T/src-sys.sock" \
                avahi-browse -r -t -p -k _display._tcp 2>/dev/null | grep -q "^=.*10.77.0.2;7250;"; then ok=1; break; fi
        sleep 0.2
done
if [ -z "$ok" ]; then
        echo "FAIL avahi-daemon does not run here: $(tail -n 5 "$T/snk-avahi.log" "$T/src-avahi.log")"
        exit 1
fi
record=$(ip netns exec "$NS_SRC" env DBUS_SYSTEM_BUS_ADDRESS="unix:path=$T/src-sys.sock" \
        avahi-browse -r -t -p -k _display._tcp 2>/dev/null | grep "^=" | head -n 1)
echo "mDNS record seen by the source: $record"
pass "avahi-daemon in two namespaces: the source resolves the sink's _display._tcp"

# A fake firewalld on the source's system bus (none runs here): the cast must open TCP 7236
# for the sink only, before SOURCE_READY, and close it afterwards.
FAKE_FIREWALLD_BUS="unix:path=$T/src-sys.sock" "$B/tests/test-firewalld" >"$T/firewalld.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do grep -q "ready" "$T/firewalld.log" 2>/dev/null && break; sleep 0.1; done

ip netns exec "$NS_SRC" env DBUS_SYSTEM_BUS_ADDRESS="unix:path=$T/src-sys.sock" \
        "$B/miracastd" --config /dev/null -o p2p-backend=none --capture testsrc --encoder x264 \
        --max-resolution 640x480 --bus "$MIRACASTCTL_BUS" --log-level debug >"$T/daemon.log" 2>&1 &
daemon_pid=$!
pids+=($daemon_pid)
for _ in $(seq 300); do ctl info >/dev/null 2>&1 && break; sleep 0.1; done

out=$(ctl scan --timeout 4 2>&1)
echo "$out"
SINK=mice_11111111_2222_3333_4444_555555555555
check "scan lists the MS-MICE sink with protocol mice" grep -qE "^$SINK +10\.77\.0\.2 +Test MICE Sink +mice " <<<"$out"
prop=$(busctl --address="$MIRACASTCTL_BUS" get-property org.miracastd "/org/miracastd/sink/$SINK" \
        org.miracastd.Sink1 Protocol 2>&1)
check "Sink1.Protocol is \"mice\" ($prop)" test "$prop" = 's "mice"'
check "a sink announcing p2pMAC is keyed by its P2P address (to merge with the P2P peer)" \
        grep -qE "^02_11_22_33_44_66 +02:11:22:33:44:66 +Test P2P\+MICE Sink +mice " <<<"$out"

alive() { kill -0 "$daemon_pid" 2>/dev/null && ctl info >/dev/null 2>&1; }

# run_sink NAME ARGS...: the test sink in the sink namespace, in the background
run_sink() {
        local name=$1; shift
        ip netns exec "$NS_SNK" "$B/miracast-test-sink" --mice 10.77.0.2 --timeout 20 "$@" >"$T/$name.sink" 2>"$T/$name.sinklog" &
        sink_pid=$!
        for _ in $(seq 50); do grep -q "MICE listening" "$T/$name.sink" 2>/dev/null && break; sleep 0.1; done
}

# miracastctl cast --protocol: the sink offers mice only.
out=$(ctl cast --protocol p2p --timeout 10 "$SINK" 2>&1); rc=$?
if [ "$rc" = 2 ] && grep -q 'reachable over mice only' <<<"$out"; then
        pass "cast --protocol p2p to an MS-MICE-only sink is refused (exit 2): $out"
else
        fail "cast --protocol p2p" "exit $rc: $out"
fi
out=$(ctl cast --protocol carrier-pigeon "$SINK" 2>&1); rc=$?
if [ "$rc" = 2 ] && grep -q -- '--protocol wants p2p or mice' <<<"$out"; then
        pass "cast --protocol with an unknown value: usage error (exit 2)"
else
        fail "cast --protocol carrier-pigeon" "exit $rc: $out"
fi

# 1. A whole cast: SOURCE_READY, RTSP from the sink, frames, TEARDOWN, STOP_PROJECTION back.
run_sink cast --frames 30 --duration 30
ctl cast --wait --protocol mice --timeout 60 "$SINK" >"$T/cast.ctl" 2>&1
wait "$sink_pid"; rc=$?
cat "$T/cast.sink"
line=$(grep "^SINK result" "$T/cast.sink")
check "normal: SOURCE_READY names the source, its RTSP port and a 16-byte source id" \
        grep -qE "^MICE <- SOURCE_READY .* friendly_name=\"[^\"]+\" rtsp_port=[0-9]+ source_id=[0-9a-f]{32}$" "$T/cast.sink"
if [ "$rc" = 0 ] && grep -q "result=ok" <<<"$line" && grep -q " codec=h264 " <<<"$line" && grep -q "width=640" <<<"$line"; then
        pass "normal: the sink connected back, negotiated and decoded H.264 640x480"
else
        fail "normal cast" "exit $rc: $line; $(tail -n 5 "$T/cast.sinklog"); $(tail -n 5 "$T/cast.ctl")"
fi
check "normal: the source sent STOP_PROJECTION when the session ended" grep -q "^MICE <- STOP_PROJECTION" "$T/cast.sink"
rule='rule family="ipv4" source address="10.77.0.2" port port="7236" protocol="tcp" accept'
cat "$T/firewalld.log"
check "firewall: the zone of the LAN interface was asked" grep -qx "getZoneOfInterface(ms$id)" "$T/firewalld.log"
check "firewall: TCP 7236 opened for the sink only" grep -qxF "addRichRule(, $rule)" "$T/firewalld.log"
check "firewall: the rule was removed after the cast" grep -qxF "removeRichRule(public, $rule)" "$T/firewalld.log"
fw=$(grep -n "firewalld: TCP 7236 open from 10.77.0.2 in zone public" "$T/daemon.log" | head -n 1 | cut -d: -f1)
sr=$(grep -n -- "-> SOURCE_READY" "$T/daemon.log" | head -n 1 | cut -d: -f1)
check "firewall: opened before SOURCE_READY went out (log lines $fw < $sr)" test "${fw:-999999}" -lt "${sr:-0}"

# expect_cast_fails NAME REGEX: Cast() fails and the session's EndReason says why
expect_cast_fails() {
        local name=$1 regex=$2 out reason
        out=$(ctl cast --timeout 60 "${CAST_SINK:-$SINK}" 2>&1)
        reason=$(ctl --json sessions 2>/dev/null | tr '{' '\n' | grep -o '"EndReason":"\([^"\\]\|\\.\)*"' | tail -n 1)
        echo "$name: cast: $out"
        echo "$name: $reason"
        if grep -qE "$regex" <<<"$out" && grep -qE "$regex" <<<"$reason"; then
                pass "$name: Cast() fails and Session1.EndReason says: ${reason#*:}"
        else
                fail "$name" "expected /$regex/: cast said \"$out\", $reason"
        fi
}

# 2. The sink stops the projection mid-stream.
run_sink stop --mice-variant stop --frames 15 --duration 30
ctl cast --wait --timeout 60 "$SINK" >"$T/stop.ctl" 2>&1
wait "$sink_pid"
cat "$T/stop.sink" "$T/stop.ctl"
reason=$(ctl --json sessions 2>/dev/null | tr '{' '\n' | grep -o '"EndReason":"\([^"\\]\|\\.\)*"' | tail -n 1)
echo "stop: $reason"
check "stop: the sink's STOP_PROJECTION after frames ends the session with its reason" \
        grep -q "stopped the projection (MS-MICE STOP_PROJECTION)" <<<"$reason"

# 3. Garbage on 7250.
run_sink garbage --mice-variant garbage
expect_cast_fails garbage "not an MS-MICE message"
wait "$sink_pid"

# 4. A PIN challenge: secured MS-MICE is refused.
run_sink security --mice-variant security
expect_cast_fails security "PIN pairing is not supported"
wait "$sink_pid"

# 5. The sink never connects back.
run_sink silent --mice-variant silent
expect_cast_fails silent "did not connect to our RTSP port .* within 10 s"
wait "$sink_pid"
check "silent: the source told the sink it gave up (STOP_PROJECTION)" grep -q "^MICE <- STOP_PROJECTION" "$T/silent.sink"

# 6. Someone else connects to the RTSP port: refused; the sink never comes.
run_sink intruder --mice-variant silent
(
        for _ in $(seq 50); do grep -q "SOURCE_READY" "$T/intruder.sink" 2>/dev/null && break; sleep 0.1; done
        port=$(grep -o "rtsp_port=[0-9]*" "$T/intruder.sink" | cut -d= -f2)
        ip netns exec "$NS_BAD" "$B/miracast-test-sink" --connect "10.77.0.1:$port" --timeout 3 >"$T/intruder.bad" 2>&1
) &
bad_pid=$!
expect_cast_fails intruder "refused 1 connection\(s\) from 10\.77\.1\.3"
wait "$bad_pid" "$sink_pid"
check "intruder: its RTSP connection was closed without a session" grep -q "result=fail" "$T/intruder.bad"

check "the daemon keeps running after every failure" alive
adds=$(grep -c "^addRichRule" "$T/firewalld.log"); removes=$(grep -c "^removeRichRule" "$T/firewalld.log")
check "firewall: every cast's rule was removed again ($adds added, $removes removed)" test "$adds" = 6 -a "$removes" = 6
# 7. IPv6 only: the sink has link-local addresses and no IPv4 at all.
SINK6=mice_aaaaaaaa_bbbb_cccc_dddd_eeeeeeeeeeee
out=$(ctl scan --timeout 4 2>&1)
echo "$out"
check "IPv6: scan lists the IPv6-only sink at its link-local address, scoped to our interface" \
        grep -qE "^$SINK6 +$V6_SINK%m6s$id +Test MICE IPv6 Sink +mice " <<<"$out"
run_sink6() {
        local name=$1; shift
        ip netns exec "$NS_V6" "$B/miracast-test-sink" --mice "$V6_SINK%m6k$id" --timeout 20 "$@" >"$T/$name.sink" \
                2>"$T/$name.sinklog" &
        sink_pid=$!
        for _ in $(seq 50); do grep -q "MICE listening" "$T/$name.sink" 2>/dev/null && break; sleep 0.1; done
}
run_sink6 cast6 --frames 30 --duration 30
ctl cast --wait --timeout 60 "$SINK6" >"$T/cast6.ctl" 2>&1
wait "$sink_pid"; rc=$?
cat "$T/cast6.sink"
line=$(grep "^SINK result" "$T/cast6.sink")
check "IPv6: SOURCE_READY reached the sink over its link-local address" grep -q "^MICE <- SOURCE_READY .* rtsp_port=" \
        "$T/cast6.sink"
check "IPv6: the sink connects back to our link-local address with its scope" \
        grep -qE "^MICE connecting back to \[$V6_SRC%m6k$id\]:[0-9]+$" "$T/cast6.sink"
if [ "$rc" = 0 ] && grep -q "result=ok" <<<"$line" && grep -q " codec=h264 " <<<"$line"; then
        pass "IPv6: negotiated over link-local RTSP and decoded H.264 sent over link-local RTP ($line)"
else
        fail "IPv6 cast" "exit $rc: $line; $(tail -n 5 "$T/cast6.sinklog"); $(tail -n 5 "$T/cast6.ctl")"
fi
check "IPv6: STOP_PROJECTION when the session ended" grep -q "^MICE <- STOP_PROJECTION" "$T/cast6.sink"
rule6="rule family=\"ipv6\" source address=\"$V6_SINK\" port port=\"7236\" protocol=\"tcp\" accept"
check "IPv6: firewall rule for the sink's IPv6 address (no scope) opened and removed" \
        sh -c "grep -qxF 'addRichRule(, $rule6)' '$T/firewalld.log' && grep -qxF 'removeRichRule(public, $rule6)' '$T/firewalld.log'"

# 8. IPv6 intruder: another address on the sink's link connects to the listener instead.
run_sink6 intruder6 --mice-variant silent
(
        for _ in $(seq 50); do grep -q "SOURCE_READY" "$T/intruder6.sink" 2>/dev/null && break; sleep 0.1; done
        port=$(grep -o "rtsp_port=[0-9]*" "$T/intruder6.sink" | cut -d= -f2)
        ip netns exec "$NS_V6" python3 - "$V6_SRC" "$port" "m6k$id" >"$T/intruder6.bad" 2>&1 <<'PY'
import socket, sys
idx = socket.if_nametoindex(sys.argv[3])
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.bind(("fe80::bad", 0, 0, idx))
s.settimeout(5)
s.connect((sys.argv[1], int(sys.argv[2]), 0, idx))
print("connected")
print("closed" if s.recv(1) == b"" else "data")
PY
) &
bad_pid=$!
CAST_SINK=$SINK6 expect_cast_fails intruder6 "refused 1 connection\(s\) from fe80::bad%m6s$id"
wait "$bad_pid" "$sink_pid"
check "IPv6 intruder: connected and was closed at once" sh -c "grep -qx connected '$T/intruder6.bad' && grep -qx closed '$T/intruder6.bad'"
check "the daemon keeps running after the IPv6 casts" alive

check "no RTSP listener is left on the LAN after the casts" \
        sh -c "! ip netns exec $NS_SRC ss -ltn | grep -qE '10\.77\.0\.1:|fe80::'"
check "the daemon logged the mDNS discovery" grep -q "MS-MICE: sink \"Test MICE Sink\" at 10.77.0.2:7250" "$T/daemon.log"

# Avahi restarting: the sink goes with it and comes back.
kill "$src_avahi_pid" 2>/dev/null
wait "$src_avahi_pid" 2>/dev/null
for _ in $(seq 50); do ctl sinks 2>/dev/null | grep -q "$SINK" || break; sleep 0.1; done
check "avahi-daemon gone: the MS-MICE sink is removed" sh -c "! $B/miracastctl sinks | grep -q $SINK"
start_avahi "$NS_SRC" src "ms$id" "$T/src-services"
sleep 1
check "avahi-daemon back: the sink is discovered again" sh -c "$B/miracastctl scan --timeout 5 | grep -q $SINK"

kill -TERM "$daemon_pid"; wait "$daemon_pid"; rc=$?
check "daemon exits 0 on SIGTERM" test "$rc" = 0
[ -n "${VERBOSE:-}" ] && grep "MS-MICE\|Avahi" "$T/daemon.log"

# systemd-resolved instead of Avahi (mice-discovery = resolved): no avahi-daemon on the source's
# bus now, a fake org.freedesktop.resolve1 that knows the sink by name (no systemd-resolved runs
# here; the fake answers ResolveService as resolved does, tests/integration/test-resolved.c).
kill "$avahi_pid" 2>/dev/null; wait "$avahi_pid" 2>/dev/null
ip netns exec "$NS_SRC" env FAKE_RESOLVED_BUS="unix:path=$T/src-sys.sock" \
        FAKE_RESOLVED_RECORD="Test MICE Sink|10.77.0.2|ms$id|container_id={11111111-2222-3333-4444-555555555555}" \
        "$B/tests/test-resolved" >"$T/resolved.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do grep -q "ready" "$T/resolved.log" 2>/dev/null && break; sleep 0.1; done
ip netns exec "$NS_SRC" env DBUS_SYSTEM_BUS_ADDRESS="unix:path=$T/src-sys.sock" \
        "$B/miracastd" --config /dev/null -o p2p-backend=none -o mice-discovery=resolved \
        -o "mice-sinks=Test MICE Sink, Nobody Here" --capture testsrc --encoder x264 \
        --max-resolution 640x480 --bus "$MIRACASTCTL_BUS" --log-level debug >"$T/daemon2.log" 2>&1 &
daemon_pid=$!
pids+=($daemon_pid)
for _ in $(seq 300); do ctl info >/dev/null 2>&1 && break; sleep 0.1; done
out=$(ctl scan --timeout 3 2>&1)
echo "$out"
check "resolved: the sink named in mice-sinks is found through systemd-resolved, protocol mice" \
        grep -qE "^$SINK +10\.77\.0\.2 +Test MICE Sink +mice " <<<"$out"
check "resolved: only the named sinks are asked for, and Avahi is not used" sh -c \
        "grep -q 'ResolveService(Test MICE Sink)' '$T/resolved.log' && ! grep -q 'Avahi: browsing' '$T/daemon2.log' &&
         grep -q 'discovery through systemd-resolved; 2 named instances' '$T/daemon2.log'"
run_sink resolved --frames 30 --duration 30
ctl cast --wait --timeout 60 "$SINK" >"$T/resolved.ctl" 2>&1
wait "$sink_pid"; rc=$?
line=$(grep "^SINK result" "$T/resolved.sink")
if [ "$rc" = 0 ] && grep -q "result=ok" <<<"$line" && grep -q " codec=h264 " <<<"$line"; then
        pass "resolved: a whole cast to the sink resolved through systemd-resolved"
else
        fail "resolved cast" "exit $rc: $line; $(tail -n 5 "$T/resolved.sinklog"); $(tail -n 5 "$T/resolved.ctl")"
fi
kill -TERM "$daemon_pid"; wait "$daemon_pid"; rc=$?
check "daemon (resolved) exits 0 on SIGTERM" test "$rc" = 0
finish
