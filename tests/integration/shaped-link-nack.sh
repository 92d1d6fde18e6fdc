#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# RTCP NACK repair on a lossy link (docs/rtcp.md): miracastd and the test sink
# in two network namespaces, 3 % of what the source sends dropped at random on
# its veth. The same 720p stream is received twice: once with receiver reports
# only (--rtcp: loss shows as decode errors), once with --nack (the sink holds
# later packets for up to 150 ms and asks for the missing ones; miracastd
# resends them from its 1024-packet history). The repaired run must decode with
# fewer damaged frames, recover most of what was lost, and the daemon's
# Session1.Statistics must show the reports, the NACKs, the resends and an RTT.
. "${MIRACAST_SRCDIR:-.}/tests/lib/test-lib.sh"
. "${MIRACAST_SRCDIR:-.}/tests/lib/shaped-link.sh"

DROP=${SHAPED_LINK_DROP:-3}
shaped_link_setup --capture testsrc:motion --max-resolution 1280x720
check "drop $DROP % of the source's packets on the veth" shaped_link_drop "$DROP"

# run_sink NAME ARGS...: an 8 s cast; sets LINE, and STATS (the daemon's Statistics at 6 s)
run_sink() {
        local name=$1; shift
        shaped_link_sink --duration 8 --timeout 30 --min-frames 30 "$@" >"$SL_T/$name.out" 2>"$SL_T/$name.err" &
        local pid=$!
        sleep 6
        STATS=$("$MIRACAST_BUILD/miracastctl" status --json 2>/dev/null)
        wait "$pid"
        LINE=$(cat "$SL_T/$name.out")
        echo "$name: $LINE"
}

stat() {
        sl_stat_from "$1" "$STATS"
}

run_sink reports --rtcp
plain=$LINE
plain_reports=$(stat rtcp-reports)
plain_lost=$(stat packets-lost)
check "without NACK: the stream plays" grep -q "^SINK result=ok " <<<"$plain"
lost=$(sink_field "$plain" rtp_lost)
errors_plain=$(sink_field "$plain" decode_errors)
check "without NACK: the network lost packets ($lost)" test "${lost:-0}" -gt 0
check "without NACK: receiver reports reach the source ($plain_reports) and count the loss ($plain_lost packets)" \
        test "${plain_reports:-0}" -gt 0 -a "${plain_lost:-0}" -gt 0

run_sink nack --nack
repaired=$LINE
check "with NACK: the stream plays" grep -q "^SINK result=ok " <<<"$repaired"
nacked=$(sink_field "$repaired" nacked)
recovered=$(sink_field "$repaired" recovered)
unrecovered=$(sink_field "$repaired" unrecovered)
errors_nack=$(sink_field "$repaired" decode_errors)
echo "NACK repair: drop=$DROP% without: rtp_lost=$lost decode_errors=$errors_plain;" \
     "with: nacked=$nacked recovered=$recovered unrecovered=$unrecovered decode_errors=$errors_nack" \
     "max_hold_ms=$(sink_field "$repaired" max_hold_ms);" \
     "daemon: nack-items=$(stat nack-items) retransmitted=$(stat retransmitted) rtt-usec=$(stat rtt-usec)" \
     "jitter-usec=$(stat jitter-usec) loss-percent=$(stat loss-percent)"
check "with NACK: the sink asked for lost packets ($nacked)" test "${nacked:-0}" -gt 0
check "with NACK: most came back ($recovered recovered, $unrecovered given up)" \
        test "${recovered:-0}" -gt $((4 * ${unrecovered:-1}))
check "with NACK: fewer damaged frames ($errors_nack) than without ($errors_plain)" \
        test "${errors_nack:-999999}" -lt "${errors_plain:-0}"
check "the daemon counted the NACK items ($(stat nack-items)) and resent packets ($(stat retransmitted))" \
        test "$(stat retransmitted)" -gt 0 -a "$(stat nack-items)" -gt 0
check "the daemon knows the round-trip time from the reports ($(stat rtt-usec) us)" test "$(stat rtt-usec)" -gt 0
finish
