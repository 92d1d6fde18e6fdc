#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Scenario: faults. (1) The TV's group disappears mid-stream: the session ends
# with a reason on D-Bus and the daemon serves a new cast. (2) The source's
# wpa_supplicant is restarted: the daemon reconnects and a new cast works.
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
wait_for /tmp/tv-sink.log 'sink-exit=' 30 >/dev/null
GROUPS_REMOVED=$(cat /tmp/wpa-src*.log | grep -c 'P2P-GROUP-REMOVED')
tv_rearm --profile small --duration 0 --min-frames 20
scan_for_tv
cast_to_tv pbc
stop_and_check

# (2) wpa_supplicant restarts under the daemon
kill "$(cat /run/wpa-src.pid)"; sleep 1
wpa_supplicant -B -t -Dnl80211 -iwlan0 -c /tmp/src.conf -f /tmp/wpa-src2.log -P /run/wpa-src.pid
for _i in $(seq 1 200); do
        [ "$(grep -c 'P2P: backend wpas ready' /tmp/daemon.log)" -ge 2 ] && break
        sleep 0.2
done
if [ "$(grep -c 'P2P: backend wpas ready' /tmp/daemon.log)" -ge 2 ]; then
        pass "daemon reconnected to the restarted wpa_supplicant"
else
        fail "daemon did not reconnect to wpa_supplicant"; tail -n 20 /tmp/daemon.log
fi
tv_rearm --profile small --duration 0 --min-frames 20
scan_for_tv
cast_to_tv pbc
stop_and_check
daemon_down
echo "TIME scenario $(elapsed "$t0") s"
finish
