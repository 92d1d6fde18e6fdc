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
introspect_on_bus /org/miracastd org.miracastd.Manager1 StartDiscovery StopDiscovery Listen Discovering Backend Encoders CaptureOutputs Version
introspect_on_bus "$(first_path sinks)" org.miracastd.Sink1 Cast Name Address DeviceType SessionAvailable MaxThroughput ControlPort Signal
cast_to_tv pbc
introspect_on_bus "$(first_path sessions)" org.miracastd.Session1 Stop Pause Resume RequestIdr SetBitrate State Sink Peer Width Height RefreshRate VideoCodec Encoder Bitrate AudioCodec MonitorConnected ReducedModeListDueToBandwidth SinkParameters Statistics EndReason
stop_and_check
daemon_down
echo "TIME scenario $(elapsed "$t0") s"
finish
