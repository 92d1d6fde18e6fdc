# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the P2P scenarios INSIDE the VM, after guest-lib.sh and guest-tv.sh:
# starts a private D-Bus bus and miracastd on radio 0's wpa_supplicant, and
# drives a whole cast with miracastctl only, timing each step.
BUS=unix:path=/run/e2e-bus
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

# cast_to_tv METHOD: scan, cast, wait for decoded frames, stop; asserts each step.
cast_to_tv() {
        _method=$1
        TVADDR=$(tv_addr)
        t=$(now)
        $CTL scan --timeout 20 >/tmp/scan.log 2>&1
        if grep -qi "$TVADDR" /tmp/scan.log && grep -q VM-TV /tmp/scan.log; then
                pass "scan found the TV with its WFD information ($(elapsed "$t") s)"
        else
                fail "scan did not find the TV $TVADDR"; cat /tmp/scan.log
        fi
        cat /tmp/scan.log
        t_cast=$(now)
        if [ "$_method" = pin ]; then
                $CTL cast "$TVADDR" --method pin --pin "$TV_PIN" --timeout 120 >/tmp/cast.log 2>&1
        else
                $CTL cast "$TVADDR" --timeout 120 >/tmp/cast.log 2>&1
        fi
        rc=$?
        cat /tmp/cast.log
        if [ $rc = 0 ]; then pass "miracastctl cast: session playing ($(elapsed "$t_cast") s)"
        else fail "miracastctl cast exited $rc"; tail -n 40 /tmp/daemon.log; fi
        # timings from the event logs (upper bounds under emulation)
        g=$(grep -m1 'P2P-GROUP-STARTED' /tmp/tv-events.log | cut -d' ' -f1)
        [ -n "$g" ] && echo "TIME cast->group-started $(awk -v a="$t_cast" -v b="$g" 'BEGIN{printf "%.2f", b-a}') s"
        c=$(grep -m1 'sink connecting' /tmp/tv-events.log | cut -d' ' -f1)
        [ -n "$c" ] && echo "TIME cast->address $(awk -v a="$t_cast" -v b="$c" 'BEGIN{printf "%.2f", b-a}') s"
        if wait_for /tmp/tv-sink.log 'sink-exit=' 60 >/dev/null; then :; fi
        if grep -q 'result=ok' /tmp/tv-sink.log; then
                pass "TV decoded the stream: $(grep '^SINK' /tmp/tv-sink.log)"
                ff=$(sed -n 's/.*first_frame_ms=\([0-9]*\).*/\1/p' /tmp/tv-sink.log)
                [ -n "$ff" ] && echo "TIME sink-connect->first-frame ${ff} ms"
        else
                fail "TV sink did not decode"; cat /tmp/tv-sink.log; tail -n 40 /tmp/daemon.log
        fi
}
