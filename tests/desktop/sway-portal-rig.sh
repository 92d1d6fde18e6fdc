#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The inside of tests/desktop/sway-portal.sh, run as the rig's ordinary user: $T (scratch, prepared),
# $B (build), $SRC (sources), $XDPW (the portal backend binary).
. "$SRC/tests/lib/test-lib.sh"

pids=()
cleanup() {
        for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[i]}" 2>/dev/null; done
        wait 2>/dev/null
}
trap cleanup EXIT
wait_for() {
        local i
        for i in $(seq 200); do "${@:2}" >/dev/null 2>&1 && return 0; sleep 0.1; done
        echo "gave up waiting for: $1" >&2
        return 1
}

export XDG_RUNTIME_DIR=$T/rt XDG_CONFIG_HOME=$T/cfg XDG_STATE_HOME=$T/state XDG_CURRENT_DESKTOP=sway
export XDG_SESSION_TYPE=wayland PIPEWIRE_RUNTIME_DIR=$T/rt
export DBUS_SESSION_BUS_ADDRESS=unix:path=$T/rt/bus
dbus-daemon --session --address="$DBUS_SESSION_BUS_ADDRESS" --nofork --nopidfile >"$T/bus.log" 2>&1 &
pids+=($!)
wait_for "session bus" test -S "$T/rt/bus" || { fail "session bus" "$(cat "$T/bus.log")"; finish; }

# A session bus without any portal (no activation either): the client says NotSupported at once.
private_bus "$T/nobus" && pids+=($private_bus_pid)
out=$(DBUS_SESSION_BUS_ADDRESS=unix:path=$T/nobus "$B/tests/screencast-client" monitor tv 2>&1)
check "no portal on the bus: NotSupported" grep -q "error=-95" <<<"$out"

WLR_BACKENDS=headless WLR_RENDERER=pixman WLR_LIBINPUT_NO_DEVICES=1 WLR_HEADLESS_OUTPUTS=1 \
        sway -c "$T/sway.conf" >"$T/sway.log" 2>&1 &
pids+=($!)
wait_for "sway" sh -c "ls $T/rt/sway-ipc.*.sock" || { fail "sway starts" "$(tail -n 5 "$T/sway.log")"; finish; }
export WAYLAND_DISPLAY=wayland-1 SWAYSOCK=$(ls "$T"/rt/sway-ipc.*.sock)
wait_for "the test window" sh -c "swaymsg -t get_tree | grep -q rigwin" || fail "the test window shows" ""
pipewire >"$T/pipewire.log" 2>&1 &
pids+=($!)
wait_for "PipeWire" test -S "$T/rt/pipewire-0" || { fail "PipeWire starts" "$(tail -n 3 "$T/pipewire.log")"; finish; }
wireplumber >"$T/wireplumber.log" 2>&1 &
pids+=($!)
wait_for "WirePlumber" sh -c "pw-cli ls Metadata 2>/dev/null | grep -q default"
dbus-update-activation-environment WAYLAND_DISPLAY XDG_CURRENT_DESKTOP XDG_RUNTIME_DIR XDG_CONFIG_HOME SWAYSOCK \
        XDG_SESSION_TYPE PIPEWIRE_RUNTIME_DIR 2>/dev/null
"$XDPW" -l DEBUG >"$T/xdpw.log" 2>&1 &
XDPW_PID=$!
pids+=($!)
# Ours must own its name before xdg-desktop-portal looks for it, or the bus activates the stock
# (GPU-only) one: NameHasOwner, not "busctl list", which also lists activatable names.
wait_for "xdg-desktop-portal-wlr" sh -c "busctl --user call org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus NameHasOwner s org.freedesktop.impl.portal.desktop.wlr | grep -q true"
/usr/libexec/xdg-desktop-portal -v >"$T/portal.log" 2>&1 &
pids+=($!)
wait_for "xdg-desktop-portal" busctl --user get-property org.freedesktop.portal.Desktop \
        /org/freedesktop/portal/desktop org.freedesktop.portal.ScreenCast AvailableSourceTypes ||
        { fail "the portal starts" "$(tail -n 5 "$T/portal.log")"; finish; }
pass "sway, PipeWire, xdg-desktop-portal and xdg-desktop-portal-wlr are up"

# cast KIND NAME [--size WxH]: the portal share handed to the daemon objects and on to the test sink;
# the decoded picture in $T/NAME.png, the output in $T/NAME.out.
cast() {
        local kind=$1 name=$2
        shift 2
        MIRACAST_PW_KIND=$kind MIRACAST_PW_PNG=$T/$name.png \
                "$B/tests/screencast-client" "$@" "$kind" "${KEY:-tv}" \
                "$B/tests/test-sink-bus" "/sink-bus/Cast with pipewire-fd + node" >"$T/$name.out" 2>&1
}
# picture NAME X,Y=COLOUR...: the decoded 640x480 picture has these colours (r, g, b, k: black) there
picture() {
        local png=$T/$1.png
        shift
        ffmpeg -v error -i "$png" -f rawvideo -pix_fmt rgb24 -y "$png.rgb" && python3 - "$png.rgb" "$@" <<'PY'
import sys
data = open(sys.argv[1], 'rb').read()
w, h = 640, 480
assert len(data) == w * h * 3, "size %d" % len(data)
names = {"r": (255, 0, 0), "g": (0, 255, 0), "b": (0, 0, 255), "k": (0, 0, 0)}
bad = []
for spec in sys.argv[2:]:
    xy, c = spec.split("=")
    x, y = map(int, xy.split(","))
    got = tuple(data[(y * w + x) * 3:(y * w + x) * 3 + 3])
    if not all(abs(a - b) < 60 for a, b in zip(got, names[c])):
        bad.append("%s: %s" % (spec, got))
if bad:
    print("; ".join(bad))
    sys.exit(1)
PY
}

# ---- monitor: HEADLESS-1, the green window at the top left quarter ------------------
echo HEADLESS-1 >"$T/choose"
if cast monitor monitor && grep -q "^ready node=" "$T/monitor.out" && grep -q "^ok " "$T/monitor.out"; then
        pass "monitor: the portal shared HEADLESS-1, the daemon cast it through the fd (VideoSource monitor)"
else
        fail "monitor cast" "$(tail -n 15 "$T/monitor.out") $(grep -i 'error\|fail' "$T/xdpw.log" | tail -n 3)"
fi
# 1280x720 into the sink's 640x480 keeps its aspect (docs/uibc.md, letterboxing): the picture is
# 640x360 at y 60, black bars above and below; the window (640x360 at 0,0) covers x < 320, 60 <= y < 240.
if out=$(picture monitor 80,100=g 300,220=g 480,120=r 160,400=r 600,400=r 320,20=k 320,460=k 2>&1); then
        pass "monitor: decoded picture shows the green window at the top left, the red background elsewhere, black bars above and below"
else
        fail "monitor: decoded picture" "$out"
fi
check "restore token kept for key tv" grep -q "^tv " "$T/state/miracastd/screencast-tokens"

# ---- restore: the next cast hands the token back, and the chooser is not asked -----------
n0=$(wc -l <"$T/chooser.log")
if "$B/tests/screencast-client" --hold 1 monitor tv >"$T/restore.out" 2>&1 && grep -q "^ready" "$T/restore.out"; then
        pass "second cast to the same key starts"
else
        fail "second cast" "$(cat "$T/restore.out")"
fi
check "second cast: the restore token was handed to the portal" grep -q "restoring the share for tv" "$T/restore.out"
check "second cast: no chooser this time" test "$(wc -l <"$T/chooser.log")" = "$n0"

# ---- window: not offered by xdg-desktop-portal-wlr 0.7 ---------------------------
out=$("$B/tests/screencast-client" window tv 2>&1)
check "window on xdg-desktop-portal-wlr 0.7 (no window source): NotSupported, no chooser" grep -q "error=-95" <<<"$out"

# ---- extend: a headless output at 640x480 for the cast, blue, removed after -----------
echo newest >"$T/choose"
if cast extend extend --size 640x480 && grep -q "^ok " "$T/extend.out"; then
        pass "extend: a new output was created and cast (VideoSource extend)"
else
        fail "extend cast" "$(tail -n 15 "$T/extend.out")"
fi
if out=$(picture extend 20,20=b 320,240=b 620,460=b 2>&1); then
        pass "extend: decoded picture is the new output's (blue) at its full size"
else
        fail "extend: decoded picture" "$out"
fi
out=$(grep -o "created output [A-Z0-9-]*" "$T/extend.out")
check "extend: the client made ${out#created output } for the cast" test -n "$out"
# sway 1.8+ unplugs it; 1.7 can only switch it off
check "extend: the client asked sway to remove it after the cast" grep -q "removed output ${out#created output }" "$T/extend.out"
# sway 1.8+ unplugs it; sway 1.7 (bookworm) has no "unplug" and keeps even a disabled headless output active
if swaymsg -t get_version -r | python3 -c 'import json, sys; v = json.load(sys.stdin)
sys.exit((v["major"], v["minor"]) >= (1, 8))'; then
        echo "INFO sway $(swaymsg -t get_version -r | python3 -c 'import json,sys; print(json.load(sys.stdin)["human_readable"])') cannot unplug a headless output: it stays until sway exits"
else
        check "extend: that output is gone after the cast" sh -c "! swaymsg -t get_outputs | grep -q '${out#created output }'"
fi

# ---- the real component: User1.Cast through miracastd-user -------------------------------
# user_cast KIND NAME: miracastd-user on this desktop's session bus casts to the daemon objects of
# test-sink-bus (its private bus is the component's "system" bus); the picture in $T/NAME.png.
user_cast() {
        MIRACAST_USER_BUS=$DBUS_SESSION_BUS_ADDRESS MIRACAST_PW_KIND=$1 MIRACAST_PW_PNG=$T/$2.png \
                MIRACAST_USER_LOG_DIR=$T "$B/tests/test-sink-bus" "/sink-bus/User1.Cast through miracastd-user" \
                >"$T/$2.out" 2>&1
}
echo HEADLESS-1 >"$T/choose"
rm -f "$T/state/miracastd/screencast-tokens"     # the component keeps its own tokens (per sink)
if user_cast monitor user-monitor && grep -q "^ok " "$T/user-monitor.out"; then
        pass "miracastd-user: User1.Cast video monitor -> portal -> Sink1.Cast with the share (VideoSource monitor)"
else
        fail "miracastd-user monitor cast" "$(tail -n 8 "$T/user-monitor.out") $(tail -n 5 "$T/miracastd-user.log")"
fi
if out=$(picture user-monitor 80,100=g 300,220=g 480,120=r 160,400=r 320,20=k 2>&1); then
        pass "miracastd-user monitor: decoded picture shows the window and the background in place"
else
        fail "miracastd-user monitor: decoded picture" "$out"
fi
check "miracastd-user kept a restore token for the sink" grep -q "02_11_22_33_44_55 " "$T/state/miracastd/screencast-tokens"
echo newest >"$T/choose"
if user_cast extend user-extend && grep -q "^ok " "$T/user-extend.out"; then
        pass "miracastd-user: User1.Cast video extend -> a new output -> cast (VideoSource extend)"
else
        fail "miracastd-user extend cast" "$(tail -n 8 "$T/user-extend.out") $(tail -n 5 "$T/miracastd-user.log")"
fi
if out=$(picture user-extend 20,20=b 320,240=b 620,460=b 2>&1); then
        pass "miracastd-user extend: the new output (640x480, the max-resolution asked) fills the picture"
else
        fail "miracastd-user extend: decoded picture" "$out"
fi

# ---- revoke: the portal backend stops the share mid-cast (last: it does not come back) ----------
echo HEADLESS-1 >"$T/choose"
KEY=revoke MIRACAST_PW_FRAMES=100000 cast monitor revoke &
cast_pid=$!
wait_for "the revoke cast plays" grep -q "^ready" "$T/revoke.out"
sleep 3
kill "$XDPW_PID"
wait "$cast_pid"
check "revoke: the session ended with a reason" \
        grep -qE "ended: .*(went away|disconnected|stream from node|closed)" "$T/revoke.out"
finish
