#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Scenario: PIN provisioning: the TV displays a PIN, the user types it into
# `miracastctl cast --method pin --pin`. Source as P2P client. Then again
# without --pin: miracastctl is the daemon's PIN agent (org.miracastd.Agent1)
# and asks for the PIN on stdin when the TV shows one.
. /payload/run/guest-lib.sh
. /payload/run/guest-tv.sh
. /payload/run/guest-p2p.sh
t0=$(now)
radios_up 0 15 || finish
tv_start pin --profile small --duration 0 --min-frames 20
daemon_up 0
scan_for_tv
cast_to_tv pin
grep -q 'dev_passwd_id=1' /tmp/tv-events.log && pass "GO negotiation used the PIN (dev_passwd_id=1)" ||
        fail "no PIN-based GO negotiation seen"
stop_and_check

tv_rearm --profile small --duration 0 --min-frames 20
scan_for_tv
cast_to_tv pin-agent
if grep -q 'The TV shows a PIN' /tmp/cast.log; then
        pass "miracastctl, as the PIN agent, asked for the TV's PIN"
else
        fail "no PIN request reached miracastctl's agent"; grep -iE 'pin|agent' /tmp/daemon.log | tail -n 10
fi
grep -q 'dev_passwd_id=1' /tmp/tv-events.log && pass "GO negotiation used the PIN typed at the agent prompt" ||
        fail "no PIN-based GO negotiation seen after the agent prompt"
stop_and_check
daemon_down
echo "TIME scenario $(elapsed "$t0") s"
finish
