#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# A sink that stops reading an interleaved stream (docs/rtcp.md, "Interleaved in
# the RTSP connection"): RTP travels in the RTSP connection, so a busy TV that
# stops reading it fills the one connection both the pictures and the RTSP
# messages use. Three sinks play the same 640x480p60 picture, so they share one
# encoder (encoder/media_group.h):
#   A  interleaved, stops reading 10 s into PLAYING for 12 s, then reads again
#      (our first M16 keep-alive, 20 s after PLAY, waits for it in the queue);
#   B  plain UDP, all the time;
#   C  interleaved, stops reading 2 s into PLAYING and never reads again.
# While A stalls: its Statistics count dropped frames, its send queue stays
# bounded, the daemon answers miracastctl status promptly and the stream
# worker's memory does not grow. B decodes throughout, without a freeze and
# without the IDR storm a stalled member once caused (every dropped frame asked
# the shared encoder for an IDR). After A's stall: a keyframe comes at once,
# pictures again, no broken '$' frame or RTSP message, the M16 that waited
# answered in time, TEARDOWN at the end. C is ended by the source when
# it has been silent for the session timeout (30 s, the Session: timeout=30 of
# SETUP), with the reason (silent, and not reading) in the journal and on D-Bus.
. "${MIRACAST_SRCDIR:-.}/tests/lib/test-lib.sh"

B=$MIRACAST_BUILD
daemon_test_setup rtp-il-stall
# RSS is measured: under ASan it would also measure the quarantine of freed memory (256 MB by
# default) and the stacks kept for each allocation, which grow for minutes.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0:thread_local_quarantine_size_kb=0:malloc_context_size=0" \
        start_daemon_listener --capture testsrc:motion --encoder x264 --max-resolution 640x480

sink() {
        local name=$1; shift
        "$B/miracast-test-sink" --connect "127.0.0.1:$port" --timeout 40 --expect-mode 640x480p60 "$@" \
                >"$T/$name.out" 2>"$T/$name.log" &
}
sink a --interleaved --rtcp --expect-wfd-ts --stall-read 12@10 --duration 27
a_pid=$!
sink b --duration 28
b_pid=$!
sink c --interleaved --rtcp --stall-read 60@2 --duration 0
c_pid=$!
cleanup_pids="$a_pid $b_pid $c_pid"

# The sinks' RTP ports (from their logs) tell their sessions apart in wfd_client_rtp_ports.
rtp_port() { sed -n 's/.*, RTP port \([0-9]*\)$/\1/p' "$T/$1.log"; }
sinks_connected() { test -n "$(rtp_port a)" -a -n "$(rtp_port b)" -a -n "$(rtp_port c)"; }
wait_for "three sinks connected" sinks_connected
ports="a=$(rtp_port a) b=$(rtp_port b) c=$(rtp_port c)"

worker_pid() { pgrep -P "$daemon_pid" -f miracastd-stream | head -n1; }
rss_kb() { [ -n "$1" ] && awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }

# One sample a second: phase of A's stall (before/in/after), how long miracastctl status took (ms),
# when (s since the test started), the worker's and the daemon's RSS (KiB), then per sink: state, dropped frames, frames sent,
# send-queue bytes, bytes sent, the encoder's rate (bit/s), end reason.
summarize='
import json, sys
ports = dict(p.split("=") for p in sys.argv[2].split())
out = {}
for x in json.loads(open(sys.argv[1]).read() or "[]"):
    rtp = x.get("SinkParameters", {}).get("wfd_client_rtp_ports", "").split()
    for name, p in ports.items():
        if len(rtp) > 1 and rtp[1] == p:
            st = x.get("Statistics", {})
            out[name] = "%s:%s,%d,%d,%d,%d,%d,%s" % (name, x.get("State"), st.get("drops", 0), st.get("frames", 0),
                                                     st.get("send-queue-bytes", 0), st.get("bytes", 0),
                                                     st.get("bitrate-bps", 0),
                                               x.get("EndReason", "").replace(" ", "_") or "-")
print(" ".join(out[k] for k in sorted(out)))'
: >"$T/samples"
for i in $(seq 45); do
        phase=before
        grep -q "stalling:" "$T/a.log" && phase=in
        grep -q "stall over" "$T/a.log" && phase=after
        t0=$(date +%s%N)
        timeout 20 "$B/miracastctl" status --json >"$T/status.json" 2>"$T/status.err"
        rc=$?
        ms=$((($(date +%s%N) - t0) / 1000000))
        echo "$i $phase rc=$rc ms=$ms t=$SECONDS worker=$(rss_kb "$(worker_pid)") daemon=$(rss_kb "$daemon_pid")" \
                "$(python3 -c "$summarize" "$T/status.json" "$ports" 2>&1)" >>"$T/samples"
        # done when C's session has ended and A and B have finished
        grep -q " c:ended," <(tail -n1 "$T/samples") && ! kill -0 "$a_pid" 2>/dev/null &&
                ! kill -0 "$b_pid" 2>/dev/null && break
        sleep 1
done
cat "$T/samples"

wait "$a_pid"
a_rc=$?
wait "$b_pid"
b_rc=$?
# C stopped reading for good: it learns of the end only when its own report hits the closed
# connection. It is not what this test judges; stop it if it has not noticed yet.
kill "$c_pid" 2>/dev/null
wait "$c_pid"
a=$(cat "$T/a.out")
b=$(cat "$T/b.out")
c=$(cat "$T/c.out")
echo "A: $a"
echo "B: $b"
echo "C: $c"
val() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"; }

# ---- during A's stall ----
stall=$(grep " in rc=" "$T/samples")
first=$(head -n1 <<<"$stall")
last=$(tail -n1 <<<"$stall")
field() { sed -n "s/.* $1:[a-z]*,\([0-9]*\),\([0-9]*\),\([0-9]*\),\([0-9]*\),\([0-9]*\),.*/\\$2/p" <<<"$3"; }
kv() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<"$2"; }
check "samples taken during A's stall ($(wc -l <<<"$stall"))" test "$(grep -c . <<<"$stall")" -ge 4
d0=$(field a 1 "$first")
d1=$(field a 1 "$last")
check "A's Statistics count dropped frames while it does not read ($d0 -> $d1)" \
        test -n "$d0" -a -n "$d1" -a "${d1:-0}" -gt "$((${d0:-0} + 60))"
qmax=$(grep -o " a:playing,[0-9]*,[0-9]*,[0-9]*" <<<"$stall" | cut -d, -f4 | sort -n | tail -n1)
check "A's send queue stays bounded (at most ${qmax:-?} bytes, under 1 MiB)" test "${qmax:-0}" -gt 0 -a "${qmax:-0}" -lt 1048576
slow=$(awk '{ sub("ms=", "", $4); if ($4 + 0 > m) m = $4 + 0 } END { print m + 0 }' "$T/samples")
check "every miracastctl status answered ($(grep -vc ' rc=0 ' "$T/samples") failed)" \
        test "$(grep -vc ' rc=0 ' "$T/samples")" = 0
# a daemon that waited for the stalled sink would take the stall (12 s) or forever; a loaded
# machine takes up to a second
check "... promptly: the slowest took $slow ms (under 5 s)" test "$slow" -lt 5000
# from A's stall to A's end (B plays, C has not read for 2 s at the start, and no longer reads):
# a queue without bound would grow by C's 1-2 Mbit/s, 2-4 MB over that time
cstall=$(sed -n "/ in rc=/,\$p" "$T/samples" | grep " a:playing,.* c:playing,")
w0=$(kv worker "$(head -n1 <<<"$cstall")")
w1=$(kv worker "$(tail -n1 <<<"$cstall")")
check "the stream worker's memory stays put while C does not read (${w0:-?} -> ${w1:-?} KiB, under +2 MiB)" \
        test -n "$w0" -a -n "$w1" -a "$((${w1:-0} - ${w0:-0}))" -lt 2048
m0=$(kv daemon "$(head -n1 <<<"$cstall")")
m1=$(kv daemon "$(tail -n1 <<<"$cstall")")
check "... and miracastd's (${m0:-?} -> ${m1:-?} KiB, under +2 MiB)" \
        test -n "$m0" -a -n "$m1" -a "$((${m1:-0} - ${m0:-0}))" -lt 2048
f0=$(field b 2 "$first")
f1=$(field b 2 "$last")
check "B's session kept sending pictures meanwhile ($f0 -> $f1 frames)" \
        test -n "$f0" -a -n "$f1" -a "${f1:-0}" -gt "$((${f0:-0} + 60))"
# The shared encoder's rate (B's bitrate-bps): a stalled sink's controller goes down to the floor
# (1 Mbit/s) as its queue stays full, and once pulled B (and everyone) down with it. A sink that
# takes nothing for a second is left out of the group's rate, so B keeps the rate it had before
# C (2 s into PLAYING) and A stopped reading, give or take the second it takes to tell. The first
# sample of the stall may fall into that second: it is not judged.
bps0=$(grep " before rc=" "$T/samples" | grep -o " b:playing,[0-9,]*" | cut -d, -f6 | sort -n | tail -n1)
bpsmin=$(tail -n +2 <<<"$stall" | grep -o " b:playing,[0-9,]*" | cut -d, -f6 | sort -n | head -n1)
bb0=$(field b 5 "$first")
bb1=$(field b 5 "$last")
bt0=$(kv t "$first")
bt1=$(kv t "$last")
check "B's encoder rate stays while A and C stall (${bpsmin:-?} bit/s at least, ${bps0:-?} before; B received $(((${bb1:-0} - ${bb0:-0}) * 8 / 1000 / (${bt1:-0} - ${bt0:-0} > 0 ? ${bt1:-0} - ${bt0:-0} : 1))) kbit/s)" \
        test -n "$bps0" -a -n "$bpsmin" -a "${bpsmin:-0}" -ge "$((${bps0:-0} * 9 / 10))"
# ... and after A's: A rejoins the group's rate once it has drained what waited, at the rate it had
# before, and the frames dropped in its stall are no loss in its reports (TCP loses nothing), so it
# does not pull B down then either (it once took B to the floor for some 9 s)
bpsafter=$(grep " after rc=" "$T/samples" | grep " a:playing," | grep -o " b:playing,[0-9,]*" | cut -d, -f6 | sort -n |
        head -n1)
check "... and after A's stall (${bpsafter:-?} bit/s at least)" \
        test -n "$bpsafter" -a "${bpsafter:-0}" -ge "$((${bps0:-0} * 3 / 4))"

# ---- B, the other session ----
check "B (UDP) played to its TEARDOWN (exit $b_rc)" test "$b_rc" = 0 -a -n "$(grep "^SINK result=ok .* end=duration" <<<"$b")"
# a B held up by A or C would freeze for their stall (12 s, or until C's end); a loaded machine
# makes gaps of up to half a second
check "B decoded throughout: $(val "$b" frames) frames, the longest gap $(val "$b" max_frame_gap_ms) ms (under 2 s)" \
        test "$(val "$b" frames)" -gt 300 -a "$(val "$b" max_frame_gap_ms)" -lt 2000
# an IDR every 2 s (the IDR interval) and one per join and per repair: a dozen or two in 28 s,
# where a stalled member's drops once made it about 20 a second
check "B got no IDR storm from the stalled sinks ($(val "$b" keyframes) keyframes in 28 s)" \
        test "$(val "$b" keyframes)" -le 40

# ---- A after its stall ----
check "A played to its TEARDOWN, answered (exit $a_rc)" test "$a_rc" = 0 -a -n "$(grep "^SINK result=ok .* end=duration" <<<"$a")"
check "A stalled for 12 s and read again" test "$(val "$a" stall)" = done -a "$(val "$a" stall_ms)" -ge 11900
check "A's '\$' frames stayed whole: transport=$(val "$a" transport), $(val "$a" rtp_bad) bad packets" \
        test "$(val "$a" transport)" = interleaved -a "$(val "$a" rtp_bad)" = 0
# (the rest of a frame cut when the stall began may still be missing: under 100 packets, where the
# 800-odd frames dropped whole made some 1600)
check "A's reports count next to no loss: frames dropped whole gave back their sequence numbers ($(val "$a" rtp_lost))" \
        test -n "$(val "$a" rtp_lost)" -a "$(val "$a" rtp_lost)" -lt 100
check "A decoded without errors ($(val "$a" decode_errors))" test "$(val "$a" decode_errors)" = 0
check "A got a keyframe soon after the stall ($(val "$a" stall_first_keyframe_after_ms) ms)" \
        test "$(val "$a" stall_first_keyframe_after_ms)" -ge 0 -a "$(val "$a" stall_first_keyframe_after_ms)" -lt 1500
check "A decoded pictures again ($(val "$a" stall_frames_after) after the stall)" \
        test "$(val "$a" stall_frames_after)" -gt 100
check "A answered our M16 keep-alive, which waited for it, after the stall ($(val "$a" stall_keepalives_after))" \
        test "$(val "$a" stall_keepalives_after)" -ge 1

# ---- C, which never reads again ----
cend=$(grep -o " c:ended,[^ ]*" "$T/samples" | tail -n1)
check "C's session ended on D-Bus: ${cend#*,*,*,*,*,*,}" grep -q "sink_silent_for_30_s" <<<"$cend"
check "... saying that it stopped reading" grep -q "it_stopped_reading,_[0-9]*_bytes_we_sent_wait_for_it" <<<"$cend"
# it stops reading 2 s into PLAYING and was last heard at PLAY: ended about 30 s after PLAY
c0=$(kv t "$(grep -m1 " c:playing," "$T/samples")")
c1=$(kv t "$(grep -m1 " c:ended," "$T/samples")")
check "... after the session timeout, not before nor long after (seen playing for $((${c1:-0} - ${c0:-0})) s)" \
        test -n "$c0" -a -n "$c1" -a "$((${c1:-0} - ${c0:-0}))" -ge 24 -a "$((${c1:-0} - ${c0:-0}))" -le 40
check "... and the journal says why" grep -q "<4>session .*ended: sink silent for 30 s.*; it stopped reading" "$T/daemon.log"
check "C never decoded after its stall began" test "$(val "$c" stall)" = ongoing
# one journal line when a stalled sink is left out of the encoder's rate (A and C), one when it rejoins (A)
left=$(grep -c "<6>session .*network: the sink stopped reading (.* for [0-9]* ms): left out of the shared encoder's rate" \
        "$T/daemon.log")
back=$(grep -c "<6>session .*network: the sink reads again (.* in [0-9]* ms): back in the shared encoder's rate at [0-9]* bit/s" \
        "$T/daemon.log")
check "the journal says it once when A and when C are left out of the shared rate ($left)" test "$left" = 2
check "... and once when A reads again ($back)" test "$back" = 1
check "no other session ended early" test "$(grep -c "ended: sink silent" "$T/daemon.log")" = 1

check_no_sanitizer_report "no sanitizer report" "$T/daemon.log"
stop_daemon "miracastd exits cleanly"
finish
