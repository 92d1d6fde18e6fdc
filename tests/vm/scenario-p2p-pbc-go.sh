#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Scenario: push-button with the source as group owner: miracastd addresses
# the group (in-handshake IP allocation, its own DHCP server as fallback) and
# the TV connects to the RTSP port it learns. Driven only through miracastctl.
. /payload/run/guest-lib.sh
. /payload/run/guest-tv.sh
. /payload/run/guest-p2p.sh
t0=$(now)
radios_up 15 0 || finish
tv_start pbc --profile small --duration 0 --min-frames 20
daemon_up 15
scan_for_tv
cast_to_tv pbc
grep -q ' client ' /tmp/tv-events.log && pass "TV joined as client (source is GO)" || fail "TV was not the client"
stop_and_check
daemon_down
echo "TIME scenario $(elapsed "$t0") s"
finish
