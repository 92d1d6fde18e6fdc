#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Every test-sink profile (generic, small, vga, and the LG, Samsung and
# Microsoft-dongle imitations from the shared captures) casts from the real
# miracastd over loopback: each must negotiate, get an M13 IDR answered with a
# keyframe, decode H.264 of the negotiated size and end with TEARDOWN. The
# quirks are the point: LG numbers its requests from CSeq 0, Samsung sends
# SETUP/PLAY to rtsp://localhost/wfd1.0, the dongle drops the connection if M3
# comes before its M2 was answered. The daemon caps the size at 640x480 to keep
# `make check` light.
. "${MIRACAST_SRCDIR:-.}/tests/lib/test-lib.sh"

B=$MIRACAST_BUILD
daemon_test_setup profiles
start_daemon_listener --capture testsrc --encoder x264 --max-resolution 640x480

for profile in generic small vga lg samsung dongle; do
        line=$("$B/miracast-test-sink" --connect "127.0.0.1:$port" --profile "$profile" --frames 20 \
                --idr-after 5 --duration 30 --timeout 30 --expect-mode 640x480p60 --expect-wfd-ts --expect-audio \
                2>"$T/$profile.log")
        rc=$?
        echo "$profile: $line"
        if [ "$rc" = 0 ] && grep -q "^SINK result=ok " <<<"$line" && grep -q " end=frames" <<<"$line" &&
           grep -q " codec=h264 " <<<"$line" && grep -q " width=640 height=480 " <<<"$line" &&
           grep -qE " idr_keyframes=[1-9]" <<<"$line"; then
                pass "profile $profile: negotiated, decoded, WFD TS PIDs, IDR on request, TEARDOWN"
        else
                fail "profile $profile" "exit $rc: $line; $(tail -n 3 "$T/$profile.log")"
        fi
done

stop_daemon "daemon exits 0 on SIGTERM after the casts"
finish
