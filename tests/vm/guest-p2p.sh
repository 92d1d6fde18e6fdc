# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the P2P scenarios INSIDE the VM, after guest-lib.sh and guest-tv.sh:
# starts a private D-Bus bus and miracastd on radio 0's wpa_supplicant, and
# drives a whole cast with miracastctl only, timing each step.
BUS=unix:path=/run/e2e-bus
GROUPS_REMOVED=0
CTL="hostrun $B/miracastctl --bus $BUS"

daemon_up() {   # daemon_up GO_INTENT
        hostrun dbus-daemon --session --fork --address=$BUS --nopidfile >/tmp/bus.log 2>&1 ||
                { fail "dbus-daemon"; cat /tmp/bus.log; }
        cat >/tmp/miracastd.conf <<CONF
p2p-backend = wpas
wpas-ctrl = /run/wpa_supplicant/p2p-dev-wlan0
p2p-runtime-dir = /run/miracastd
p2p-device-name = miracastd-vm
p2p-go-intent = $1
p2p-connect-timeout = 60
CONF
        mkdir -p /run/miracastd
        hostrun $B/miracastd --bus $BUS --config /tmp/miracastd.conf --capture testsrc --encoder x264 \
                --max-resolution 640x480 --log-level debug >/tmp/daemon.log 2>&1 &
        DAEMON=$!
        for _i in $(seq 1 100); do $CTL info >/dev/null 2>&1 && break; sleep 0.2; done
        if $CTL info >/tmp/info.log 2>&1 && grep -q wpas /tmp/info.log; then
                pass "miracastd up with the wpas backend"
        else
                fail "miracastd not reachable or no wpas backend"; cat /tmp/info.log; tail -n 30 /tmp/daemon.log
        fi
}

# scan_for_tv: miracastctl scan lists the TV with its WFD information.
scan_for_tv() {
        TVADDR=$(tv_addr)
        t=$(now)
        $CTL scan --timeout 12 >/tmp/scan.log 2>&1
        cat /tmp/scan.log
        if grep -qi "$TVADDR" /tmp/scan.log && grep -q VM-TV /tmp/scan.log; then
                pass "scan found the TV with its WFD information ($(elapsed "$t") s)"
        else
                fail "scan did not find the TV $TVADDR"
        fi
}

# cast_to_tv METHOD: cast and wait until it plays and the TV decodes; prints timings.
cast_to_tv() {
        _method=$1
        : >/tmp/tv-events.log
        t_cast=$(now)
        if [ "$_method" = pin ]; then
                $CTL cast "$TVADDR" --method pin --pin "$TV_PIN" --timeout 150 >/tmp/cast.log 2>&1
        elif [ "$_method" = pin-agent ]; then
                # no --pin: miracastctl registers as the daemon's PIN agent and
                # asks on stdin for the PIN the TV shows; the "user" types it
                echo "$TV_PIN" | $CTL cast "$TVADDR" --method pin --timeout 150 >/tmp/cast.log 2>&1
        else
                $CTL cast "$TVADDR" --timeout 150 >/tmp/cast.log 2>&1
        fi
        rc=$?
        t_play=$(now)
        cat /tmp/cast.log
        if [ $rc = 0 ]; then pass "miracastctl cast ($_method): session playing"
        else fail "miracastctl cast ($_method) exited $rc"; tail -n 40 /tmp/daemon.log; cat /tmp/tv-events.log; fi
        # timings (upper bounds under TCG emulation)
        g=$(grep -m1 'P2P-GROUP-STARTED' /tmp/tv-events.log | cut -d' ' -f1)
        [ -n "$g" ] && echo "TIME cast->group-started $(awk -v a="$t_cast" -v b="$g" 'BEGIN{printf "%.2f", b-a}') s"
        c=$(grep -m1 'sink connecting' /tmp/tv-events.log | cut -d' ' -f1)
        [ -n "$c" ] && echo "TIME cast->address $(awk -v a="$t_cast" -v b="$c" 'BEGIN{printf "%.2f", b-a}') s"
        echo "TIME cast->M7(playing) $(awk -v a="$t_cast" -v b="$t_play" 'BEGIN{printf "%.2f", b-a}') s"
}

# stop_and_check: miracastctl stop ends the session (TEARDOWN), the TV's sink
# reports what it decoded, the group is removed.
stop_and_check() {
        sleep 4
        $CTL status >/tmp/status.log 2>&1; cat /tmp/status.log
        $CTL stop --timeout 30 >/tmp/stop.log 2>&1; rc=$?
        cat /tmp/stop.log
        [ $rc = 0 ] && pass "miracastctl stop ended the session" || fail "miracastctl stop exited $rc"
        wait_for /tmp/tv-sink.log 'sink-exit=' 30 >/dev/null
        if grep -q 'result=ok' /tmp/tv-sink.log; then
                pass "TV decoded the stream: $(grep '^SINK' /tmp/tv-sink.log)"
                ff=$(sed -n 's/.*first_frame_ms=\([0-9]*\).*/\1/p' /tmp/tv-sink.log)
                [ -n "$ff" ] && echo "TIME sink-connect->first-decoded-frame ${ff} ms"
        else
                fail "TV sink did not decode"; cat /tmp/tv-sink.log; tail -n 40 /tmp/daemon.log
        fi
        # the source's own wpa_supplicant reports the group gone (its log file
        # survives a TV-side monitor hiccup); count, since earlier casts removed groups too
        _want=$((GROUPS_REMOVED + 1))
        for _i in $(seq 1 100); do
                [ "$(cat /tmp/wpa-src*.log 2>/dev/null | grep -c 'P2P-GROUP-REMOVED')" -ge $_want ] && break
                sleep 0.2
        done
        if [ "$(cat /tmp/wpa-src*.log 2>/dev/null | grep -c 'P2P-GROUP-REMOVED')" -ge $_want ]; then
                GROUPS_REMOVED=$_want
                pass "group removed after the session"
        else
                fail "group not removed after the session"
                grep -iE 'group|P2P:' /tmp/daemon.log | tail -n 15
                grep -E 'P2P-GROUP|GROUP_REMOVE|p2p_group_remove' /tmp/wpa-src*.log | tail -n 10
        fi
}

# end_reason_on_bus WHAT: an ended session on D-Bus (Session1 lingers after it
# ends) carries a non-empty EndReason.
end_reason_on_bus() {
        $CTL sessions --json >/tmp/sessions-end.json 2>&1
        why=$(grep -o '"EndReason": *"[^"]\{1,\}"' /tmp/sessions-end.json | tail -1)
        if [ -n "$why" ]; then pass "$1: $why"
        else fail "$1: no EndReason on D-Bus"; cat /tmp/sessions-end.json; fi
}

# introspect_on_bus PATH IFACE MEMBER...: print busctl introspect of PATH's
# IFACE and check it lists every MEMBER.
introspect_on_bus() {
        _path=$1 _iface=$2; shift 2
        hostrun busctl --address="$BUS" introspect org.miracastd "$_path" "$_iface" >/tmp/introspect.txt 2>&1
        echo "busctl introspect org.miracastd $_path $_iface"; cat /tmp/introspect.txt
        _missing=""
        for _m in "$@"; do grep -q "^\.$_m " /tmp/introspect.txt || _missing="$_missing $_m"; done
        if [ -z "$_missing" ]; then pass "$_iface on $_path has $*"
        else fail "$_iface on $_path lacks:$_missing"; fi
}

# first_path IFACE_LISTING: the object path of the first sink/session listed
first_path() {
        $CTL "$1" --json 2>/dev/null | grep -o '"path":"[^"]*"' | head -1 | cut -d'"' -f4
}

daemon_down() {
        kill $DAEMON 2>/dev/null; wait $DAEMON; rc=$?
        [ $rc = 0 ] && pass "daemon exited cleanly on SIGTERM" || { fail "daemon exit status $rc"; tail -n 30 /tmp/daemon.log; }
}
