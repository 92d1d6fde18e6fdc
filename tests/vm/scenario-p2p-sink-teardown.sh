#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Scenario: the TV ends the session itself. Its sink plays a few seconds and
# sends TEARDOWN; the source must remove its Wi-Fi Direct group within
# seconds (P2P-GROUP-REMOVED from our wpa_supplicant, no p2p-wlan0-* netdev
# left), the TV must see us leave, discovery must find the TV again, and the
# next cast must work. Once with the TV as group owner (we are client), once
# with us as group owner (Cast option go-intent 15, the TV at intent 0), and
# once more as client with a sink that vanishes (killed: its connection
# closes without TEARDOWN).
. /payload/run/guest-lib.sh
. /payload/run/guest-tv.sh
. /payload/run/guest-p2p.sh
t0=$(now)
radios_up 0 15 || finish
tv_start pbc --profile small --duration 8 --min-frames 1
daemon_up 0
scan_for_tv

# tv_ended_session ROLE: the sink's TEARDOWN ends the session; the group goes
# on our side and on the TV's.
tv_ended_session() {
        _role=$1 _how=${2:-teardown}
        if wait_for /tmp/tv-sink.log 'sink-exit=' 60 >/dev/null; then
                pass "$_role: the TV's sink ended the session: $(grep -E '^SINK|sink-exit' /tmp/tv-sink.log | tr '\n' ' ')"
        else
                fail "$_role: the TV's sink did not end"; tail -n 30 /tmp/daemon.log
        fi
        t_end=$(now)
        if [ "$_how" = teardown ]; then
                grep -q 'end=duration' /tmp/tv-sink.log && pass "$_role: the sink sent TEARDOWN itself" ||
                        fail "$_role: the sink did not end with its own TEARDOWN"
        fi
        _want=$((GROUPS_REMOVED + 1))
        for _i in $(seq 1 150); do
                [ "$(cat /tmp/wpa-src*.log 2>/dev/null | grep -c 'P2P-GROUP-REMOVED')" -ge $_want ] && break
                sleep 0.2
        done
        if [ "$(cat /tmp/wpa-src*.log 2>/dev/null | grep -c 'P2P-GROUP-REMOVED')" -ge $_want ]; then
                GROUPS_REMOVED=$_want
                echo "TIME $_role: sink $_how->our P2P-GROUP-REMOVED $(elapsed "$t_end") s"
                pass "$_role: our group removed after the sink's $_how: $(grep 'P2P-GROUP-REMOVED' /tmp/wpa-src*.log | tail -1 | sed 's/.*P2P-GROUP-REMOVED/P2P-GROUP-REMOVED/')"
                grep -E 'P2P: (group|keeping)|ended' /tmp/daemon.log | tail -n 3
        else
                fail "$_role: our group still up 30 s after the sink's $_how"
                grep -iE 'group|P2P:|ended' /tmp/daemon.log | tail -n 20
        fi
        iw dev >/tmp/iw.log 2>&1
        if grep -q 'Interface p2p-wlan0-' /tmp/iw.log; then
                fail "$_role: a group netdev is left: $(grep 'Interface p2p-wlan0-' /tmp/iw.log)"
        else
                pass "$_role: no group netdev left on our radio (iw dev)"
        fi
        # the TV sees us leave: as GO a station disconnects, as client its group goes
        for _i in $(seq 1 50); do
                grep -qE 'AP-STA-DISCONNECTED|P2P-GROUP-REMOVED' /tmp/tv-events.log && break
                sleep 0.2
        done
        if grep -qE 'AP-STA-DISCONNECTED|P2P-GROUP-REMOVED' /tmp/tv-events.log; then
                pass "$_role: the TV saw us leave: $(grep -E 'AP-STA-DISCONNECTED|P2P-GROUP-REMOVED' /tmp/tv-events.log | head -1 | cut -d' ' -f2-3)"
        else
                fail "$_role: the TV did not see us leave"; tail -n 10 /tmp/tv-events.log
        fi
        # nothing is running any more: stop says so (or that it already ended)
        $CTL sessions --json >/tmp/sessions.json 2>&1
        if grep -qE '"(playing|connecting|negotiating|paused)"' /tmp/sessions.json; then
                fail "$_role: a session still runs"; cat /tmp/sessions.json
        else
                pass "$_role: no session left running"
        fi
}

# 1. we are P2P client (the TV, intent 15, is group owner)
cast_to_tv pbc
grep -q ' GO ' /tmp/tv-events.log && pass "TV is group owner" || fail "TV was not group owner"
tv_ended_session client

# discovery works again and finds the TV
tv_rearm --profile small --duration 8 --min-frames 1
scan_for_tv

# 2. we are group owner: the TV at intent 0, the cast asks for 15 (persistent:
# the cast outlives busctl, as miracastctl cast does) and for a capture other
# than the daemon's default (its own context), as --output does
$TVCTL -i p2p-dev-wlan1 set p2p_go_intent 0 >/dev/null
SINKPATH=$(first_path sinks)
: >/tmp/tv-events.log
t_cast=$(now)
# (Cast answers once the session negotiated: allow for slow emulation)
hostrun busctl --address="$BUS" --timeout=150 call org.miracastd "$SINKPATH" org.miracastd.Sink1 Cast 'a{sv}' 3 \
        go-intent u 15 persistent b true output s testsrc:resize=100000 >/tmp/cast2.log 2>&1 &&
        pass "Sink1.Cast with go-intent 15: $(cat /tmp/cast2.log)" ||
        { fail "Sink1.Cast with go-intent 15"; cat /tmp/cast2.log; }
SPATH=$(sed -n 's/^o "\(.*\)"$/\1/p' /tmp/cast2.log)
session_state() {
        hostrun busctl --address="$BUS" get-property org.miracastd "$SPATH" org.miracastd.Session1 State 2>/dev/null
}
for _i in $(seq 1 300); do
        session_state | grep -qE 'playing|ended' && break
        sleep 0.5
done
# the cast's own session plays (not a second one the sink's connection started)
if session_state | grep -q playing || { session_state | grep -q ended && grep -q 'end=duration' /tmp/tv-sink.log; }; then
        pass "second cast (we are GO, another capture): its session $SPATH plays"
        echo "TIME cast->playing (GO) $(elapsed "$t_cast") s"
else
        fail "second cast: its session $SPATH is $(session_state)"; tail -n 40 /tmp/daemon.log
fi
grep -q ' client ' /tmp/tv-events.log && pass "TV joined as client (we are GO)" || fail "TV was not the client"
tv_ended_session GO

# 3. we are client again; the TV's sink vanishes mid-stream (killed, no TEARDOWN)
tv_rearm --profile small --duration 0 --min-frames 0
$TVCTL -i p2p-dev-wlan1 set p2p_go_intent 15 >/dev/null
scan_for_tv
cast_to_tv pbc
sleep 3
# (the guest has no pkill: find the sink by its command name)
for _p in /proc/[0-9]*; do
        [ "$(cat "$_p/comm" 2>/dev/null)" = miracast-test-s ] && kill -9 "${_p#/proc/}" && echo "killed the TV's sink (pid ${_p#/proc/})"
done
tv_ended_session client-vanished vanishing

daemon_down
echo "TIME scenario $(elapsed "$t0") s"
finish
