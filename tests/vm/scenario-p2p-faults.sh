#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Scenario: faults. (1) The TV's group disappears mid-stream: the session ends
# with a reason on D-Bus and the daemon serves a new cast. (2) The source's
# wpa_supplicant dies mid-stream and then mid-discovery: the session ends, the
# daemon keeps serving, reconnects when it is back, and a new cast works.
. /payload/run/guest-lib.sh
. /payload/run/guest-tv.sh
. /payload/run/guest-p2p.sh
t0=$(now)
radios_up 0 15 || finish
tv_start pbc --profile small --duration 0 --min-frames 5
daemon_up 0
scan_for_tv

# (1) group vanishes on the TV side mid-stream
cast_to_tv pbc
sleep 3
$TVCTL -i p2p-dev-wlan1 p2p_group_remove "$(ls /run/wpa_tv | grep '^p2p-wlan1-' | head -1)" >/dev/null
if wait_for /tmp/daemon.log 'session [0-9]+ .*ended' 30 >/dev/null; then
        pass "session ended after the TV removed its group: $(grep -E 'session [0-9]+ .*ended' /tmp/daemon.log | tail -1)"
else
        fail "session did not end when the group vanished"
fi
$CTL sessions --json >/tmp/sessions.json 2>&1; cat /tmp/sessions.json
if grep -q '"playing"' /tmp/sessions.json; then fail "a session still claims to play"; else pass "no session left playing"; fi
end_reason_on_bus "group loss is the session's end reason on D-Bus"
wait_for /tmp/tv-sink.log 'sink-exit=' 30 >/dev/null
GROUPS_REMOVED=$(cat /tmp/wpa-src*.log | grep -c 'P2P-GROUP-REMOVED')
tv_rearm --profile small --duration 0 --min-frames 20
scan_for_tv
cast_to_tv pbc
stop_and_check

# (2) the source's wpa_supplicant dies mid-session, then again mid-discovery;
# each time the daemon must end what depended on it, keep serving D-Bus, and
# reconnect when it comes back.
wpas_restart() {        # wpas_restart N: start it again, wait for the Nth "backend ready"
        wpa_supplicant -B -t -Dnl80211 -iwlan0 -c /tmp/src.conf -f "/tmp/wpa-src$1.log" -P /run/wpa-src.pid
        for _i in $(seq 1 200); do
                [ "$(grep -c 'P2P: backend wpas ready' /tmp/daemon.log)" -ge "$1" ] && break
                sleep 0.2
        done
        if [ "$(grep -c 'P2P: backend wpas ready' /tmp/daemon.log)" -ge "$1" ]; then
                pass "daemon reconnected to the restarted wpa_supplicant ($1)"
        else
                fail "daemon did not reconnect to wpa_supplicant ($1)"; tail -n 20 /tmp/daemon.log
        fi
}
tv_rearm --profile small --duration 0 --min-frames 5
scan_for_tv
cast_to_tv pbc
sleep 3
ended=$(grep -cE 'session [0-9]+ .*-> ended' /tmp/daemon.log)
kill "$(cat /run/wpa-src.pid)"
for _i in $(seq 1 150); do
        [ "$(grep -cE 'session [0-9]+ .*-> ended' /tmp/daemon.log)" -gt "$ended" ] && break
        sleep 0.2
done
if [ "$(grep -cE 'session [0-9]+ .*-> ended' /tmp/daemon.log)" -gt "$ended" ]; then
        pass "session ended when wpa_supplicant died mid-stream: $(grep -E 'session [0-9]+ .*-> ended' /tmp/daemon.log | tail -1)"
else
        fail "session did not end when wpa_supplicant died"; tail -n 20 /tmp/daemon.log
fi
end_reason_on_bus "wpa_supplicant's death is the session's end reason on D-Bus"
if kill -0 "$DAEMON" 2>/dev/null && $CTL info >/tmp/info2.log 2>&1; then
        pass "daemon still serves D-Bus without wpa_supplicant: $(grep -i backend /tmp/info2.log | head -1)"
else
        fail "daemon not answering after wpa_supplicant died"; tail -n 20 /tmp/daemon.log
fi
# the group the source sat in is gone with its wpa_supplicant: count it as removed
GROUPS_REMOVED=$(cat /tmp/wpa-src*.log | grep -c 'P2P-GROUP-REMOVED')
wpas_restart 2

# mid-discovery
$CTL scan --timeout 12 >/tmp/scan-kill.log 2>&1 &
SCAN=$!
sleep 3
kill "$(cat /run/wpa-src.pid)"
wait $SCAN; rc=$?
cat /tmp/scan-kill.log
if kill -0 "$DAEMON" 2>/dev/null && $CTL info >/dev/null 2>&1; then
        pass "daemon survived wpa_supplicant dying mid-discovery (scan exited $rc)"
else
        fail "daemon gone after wpa_supplicant died mid-discovery"; tail -n 20 /tmp/daemon.log
fi
wpas_restart 3
tv_rearm --profile small --duration 0 --min-frames 20
scan_for_tv
cast_to_tv pbc
stop_and_check
daemon_down
echo "TIME scenario $(elapsed "$t0") s"
finish
