#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Scenario: the TV already runs its own group (an autonomous group owner, as
# TVs with a persistent group do); miracastd must see that in discovery and
# join the group (P2P_CONNECT ... join, WPS push-button on the TV's group
# interface) instead of negotiating a new one, get an address, and cast.
. /payload/run/guest-lib.sh
. /payload/run/guest-tv.sh
. /payload/run/guest-p2p.sh
t0=$(now)
radios_up 0 0 || finish
tv_start pbc --profile small --duration 0 --min-frames 20
tv_autonomous_go
daemon_up 0
scan_for_tv
cast_to_tv pbc
if grep -q 'joining its group' /tmp/daemon.log; then
        pass "miracastd joined the running group: $(grep -m1 "joining its group" /tmp/daemon.log)"
else
        fail "miracastd did not ask to join the TV's group"; grep -iE 'join|P2P_CONNECT' /tmp/daemon.log | tail -n 5
fi
stop_and_check
daemon_down
echo "TIME scenario $(elapsed "$t0") s"
finish
