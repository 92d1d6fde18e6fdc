#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Scenario: cast over simulated radios, push-button, source as P2P client (the
# TV is group owner and hands out addresses). Driven only through miracastctl.
. /payload/run/guest-lib.sh
. /payload/run/guest-tv.sh
. /payload/run/guest-p2p.sh
t0=$(now)
radios_up 0 15 || finish
tv_start pbc --profile small --duration 8 --min-frames 10
daemon_up 0
cast_to_tv pbc
sessions=$($CTL sessions 2>&1); echo "$sessions"
$CTL stop --timeout 20 >/tmp/stop.log 2>&1; echo "stop: $(cat /tmp/stop.log)"
wait_for /tmp/wpa-src.log 'P2P-GROUP-REMOVED' 20 >/dev/null &&
        pass "group removed after the session" || fail "group not removed after the session"
kill $DAEMON 2>/dev/null; wait $DAEMON; rc=$?
[ $rc = 0 ] && pass "daemon exited cleanly" || fail "daemon exit status $rc"
echo "TIME scenario $(elapsed "$t0") s"
finish
