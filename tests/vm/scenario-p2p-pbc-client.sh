#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Scenario: cast over simulated radios, push-button, source as P2P client (the
# TV is group owner and addresses the group). Driven only through miracastctl:
# scan, cast, stop.
. /payload/run/guest-lib.sh
. /payload/run/guest-tv.sh
. /payload/run/guest-p2p.sh
t0=$(now)
radios_up 0 15 || finish
tv_start pbc --profile small --duration 0 --min-frames 20
daemon_up 0
scan_for_tv
cast_to_tv pbc
stop_and_check
daemon_down
echo "TIME scenario $(elapsed "$t0") s"
finish
