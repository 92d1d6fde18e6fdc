#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# RTP over TCP (docs/rtcp.md, "RTP over TCP"): a test sink that lists only
# RTP/AVP/TCP in wfd_client_rtp_ports and asks for it in SETUP. miracastd must
# echo TCP in M4 and SETUP, connect to the sink's port, and send RFC 4571
# frames the sink decodes (an M13 IDR request answered too); the same sink over
# UDP still works next to it.
. "${MIRACAST_SRCDIR:-.}/tests/lib/test-lib.sh"

B=$MIRACAST_BUILD
daemon_test_setup rtp-tcp
start_daemon_listener --capture testsrc --encoder x264 --max-resolution 640x480

line=$("$B/miracast-test-sink" --connect "127.0.0.1:$port" --tcp --frames 40 --idr-after 10 --duration 30 \
        --timeout 30 --expect-mode 640x480p60 --expect-wfd-ts 2>"$T/tcp.log")
rc=$?
echo "tcp: $line"
check "over TCP: negotiated, decoded, WFD TS, TEARDOWN (exit $rc)" \
        test "$rc" = 0 -a -n "$(grep "^SINK result=ok " <<<"$line" | grep " end=frames")"
check "the source connected and the RFC 4571 framing held" grep -q " transport=tcp " <<<"$line"
check "an M13 IDR request was answered over TCP" grep -qE " idr_keyframes=[1-9]" <<<"$line"
check "nothing lost or malformed" grep -q " rtp_lost=0 rtp_bad=0 " <<<"$line"
check "the daemon says so" grep -q "(RTP over TCP)" "$T/daemon.log"

line=$("$B/miracast-test-sink" --connect "127.0.0.1:$port" --frames 20 --duration 30 --timeout 30 2>"$T/udp.log")
echo "udp: $line"
check "the next sink over UDP still plays" grep -q "^SINK result=ok .* transport=udp " <<<"$line"
finish
