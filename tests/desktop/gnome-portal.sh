#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The desktop's picture through GNOME's real ScreenCast portal: GNOME Shell 48
# headless (Debian trixie chroot, shared with gnome-shell-extension.sh),
# PipeWire + WirePlumber, xdg-desktop-portal + xdg-desktop-portal-gnome on the
# session bus of an ordinary user. The real miracastd-user (built here, run
# OUTSIDE the chroot as that user, on the chroot's session and system buses:
# bookworm binaries, trixie desktop) asks the portal, and hands the share to
# the real miracastd (also outside, as gnome-shell-extension.sh runs it, with
# a fake wpa_supplicant), which casts to the C test sink in a network
# namespace; the sink decodes the stream and keeps a picture, which we check
# (colours at known places):
#   monitor  the red desktop with a green window at the bottom left quarter, and
#            the pointer where it is (cursor metadata, blended by the daemon)
#   window   only the green window: no red anywhere
#   extend   the portal's VIRTUAL source: a monitor of the negotiated size
#            appears; a blue window put on its left half shows there
#   restore  a second cast to the same sink: no dialog, starts at once
#   revoke   the shell's "Stop Screen Sharing" indicator clicked: the
#            daemon's session ends with a reason (Session1.EndReason)
# The portal's "Share Screen" dialog (xdg-desktop-portal-gnome) is clicked
# with a Clutter virtual pointer through org.gnome.Shell.Eval, which a
# test-only extension (gnome-rig-extension/) enables by turning on the
# shell's unsafe mode. Client windows: gnome-rig-window.js (gjs, GTK 4).
#
# Usage: gnome-portal.sh BUILD [OUTDIR]. Root. Skips (exit 0, says why) when the chroot cannot be made.
# The decoded pictures are kept in OUTDIR (default BUILD/gnome-portal). KEEP_TMP=1 keeps the scratch
# directory (logs); MCD_PORTAL_HOLD=extend holds the extend cast for 10 minutes, to look around with
# nsenter into the rig's mount and network namespaces.
set -eu
build=$(cd "${1:-build}" && pwd)
out=${2:-$build/gnome-portal}
mkdir -p "$out"
out=$(cd "$out" && pwd)
src=$(cd "$(dirname "$0")/../.." && pwd)
rig=${MIRACAST_GNOME_RIG:-/var/cache/miracastd-rig/gnome48}
uuid=rig@tests.miracastd.org
start=$SECONDS

skip_all() {
        echo "skipped: $1"
        echo "0 passed, 0 failed, 1 skipped"
        exit 0
}
if [ "${MCD_PORTAL_INNER:-}" != 1 ]; then
        [ "$(id -u)" = 0 ] || skip_all "needs root (chroot, mounts, network namespace)"
        for f in miracastd miracastd-user miracast-test-sink; do
                [ -x "$build/$f" ] || skip_all "$build/$f is not built"
        done
        # (mmdebstrap only to make the chroot: gnome_rig_ensure says so when it is missing)
        for tool in unshare setpriv ffmpeg python3 ip; do
                command -v "$tool" >/dev/null || skip_all "$tool is not installed"
        done
        . "$src/tests/desktop/gnome-rig-chroot.sh"
        gnome_rig_ensure "$rig" "$build/gnome-rig.log" || skip_all "the GNOME 48 chroot cannot be made (above)"
        chroot "$rig" id rig >/dev/null 2>&1 || chroot "$rig" useradd -M -d /home/rig -s /bin/sh rig
        # Private mounts (fresh /run, /tmp and /home in the chroot) and a private network.
        MCD_PORTAL_INNER=1 exec unshare -m -n --propagation private "$0" "$build" "$out"
fi

work=$(mktemp -d /tmp/mcd-portal-XXXXXX)
chmod 755 "$work"
ns=mcd-portal-$$
pids=()
cleanup() {
        for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[i]}" 2>/dev/null || true; done
        # what the buses activated (the shell's notification daemon, the permission store, ...): everything
        # left in this mount namespace that runs in the chroot
        local mine p
        mine=$(readlink /proc/self/ns/mnt)
        for p in /proc/[0-9]*; do
                [ "$(readlink "$p/ns/mnt" 2>/dev/null)" = "$mine" ] && [ "$(readlink "$p/root" 2>/dev/null)" = "$rig" ] &&
                        kill "${p#/proc/}" 2>/dev/null
        done
        ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null || true
        ip netns del "$ns" 2>/dev/null || true
        [ -n "${KEEP_TMP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
passed=0 failed=0
ok() { echo "ok   $*"; passed=$((passed + 1)); }
bad() {
        echo "FAIL $1"
        [ -z "${2:-}" ] || echo "$2" | sed 's/^/     /'
        failed=$((failed + 1))
}
dump_logs() {
        echo "--- gnome-shell (tail):"; tail -n 25 "$rig/tmp/shell.log" 2>/dev/null || true
        echo "--- xdg-desktop-portal-gnome (tail):"; tail -n 15 "$rig/tmp/xdpg.log" 2>/dev/null || true
        echo "--- miracastd-user (tail):"; tail -n 25 "$work/user.log" || true
        echo "--- miracastd (tail):"; grep -v "RTP\|rtp" "$work/miracastd.log" | tail -n 30 || true
        echo "--- test sink (tail):"; tail -n 10 "$work/wpas.log" || true
}
fatal() {
        bad "$@"
        dump_logs
        echo "$passed passed, $failed failed"
        exit 1
}
finish() {
        echo "gnome-portal: $((SECONDS - start)) s"
        [ "$failed" = 0 ] || dump_logs
        echo "$passed passed, $failed failed"
        [ "$failed" = 0 ]
        exit
}

mount --rbind /dev "$rig/dev"
mount -t proc proc "$rig/proc"
mount --rbind /sys "$rig/sys"
for d in run tmp home; do mount -t tmpfs tmpfs "$rig/$d"; done
uid=$(chroot "$rig" id -u rig)
gid=$(chroot "$rig" id -g rig)
rt=/run/user/$uid
mkdir -p -m 700 "$rig$rt"
mkdir -p "$rig/run/dbus" "$rig/home/rig/.local/share/gnome-shell/extensions/$uuid" "$work/state"
cp "$src/tests/desktop/gnome-rig-extension"/* "$rig/home/rig/.local/share/gnome-shell/extensions/$uuid/"
cp "$src/tests/desktop/gnome-rig-window.js" "$rig/tmp/window.js"
touch "$rig/home/rig/.local/share/gnome-shell/lock-warning-shown"
chroot "$rig" chown -R rig:rig /home/rig "$rt"
chown "$uid:$gid" "$work/state"

# network: the group interface here, the sink at the far end of a veth pair
ip link set lo up
ip netns add "$ns"
ip link add p2p-gp0 type veth peer name p2p-gp0p
ip link set p2p-gp0p netns "$ns"
ip link set p2p-gp0 up
ip -n "$ns" link set lo up
ip -n "$ns" link set p2p-gp0p up
ip -n "$ns" addr add 192.168.49.1/24 dev p2p-gp0p

# the chroot's system bus (a test policy: anyone may own and call)
cat >"$rig/tmp/system.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>system</type><listen>unix:path=/run/dbus/system_bus_socket</listen>
<auth>EXTERNAL</auth><policy context="default"><allow user="*"/><allow send_destination="*"/>
<allow receive_sender="*"/><allow own="*"/></policy></busconfig>
CONF
chroot "$rig" dbus-daemon --config-file=/tmp/system.conf --fork --print-pid >"$work/sysbus.pid"
pids+=("$(cat "$work/sysbus.pid")")
# The session bus at a path, so that programs outside the chroot reach it too.
U=(chroot --userspec=rig:rig "$rig" env HOME=/home/rig USER=rig XDG_RUNTIME_DIR="$rt" PIPEWIRE_RUNTIME_DIR="$rt")
"${U[@]}" dbus-daemon --session --address="unix:path=$rt/bus" --fork --print-pid >"$work/sessbus.pid"
pids+=("$(cat "$work/sessbus.pid")")
C=("${U[@]}" DBUS_SESSION_BUS_ADDRESS="unix:path=$rt/bus" XDG_SESSION_TYPE=wayland XDG_CURRENT_DESKTOP=GNOME
        WAYLAND_DISPLAY=wayland-0)

wait_for() {   # wait_for WHAT CMD...: up to 30 s
        local what=$1; shift
        for _ in $(seq 150); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
        fatal "timed out waiting for $what"
}

"${C[@]}" pipewire >"$rig/tmp/pipewire.log" 2>&1 &
pids+=($!)
wait_for "PipeWire" test -S "$rig$rt/pipewire-0"
"${C[@]}" wireplumber >"$rig/tmp/wireplumber.log" 2>&1 &
pids+=($!)

# The desktop: a red background (no wallpaper), the rig extension; no overview at start.
gs() { "${C[@]}" gsettings set "$@"; }
gs org.gnome.desktop.background picture-options none
gs org.gnome.desktop.background color-shading-type solid
gs org.gnome.desktop.background primary-color '#ff0000'
gs org.gnome.shell enabled-extensions "['$uuid']"
gs org.gnome.shell disable-user-extensions false
gs org.gnome.desktop.interface enable-animations false
"${C[@]}" gnome-shell --headless --virtual-monitor 1280x720 --wayland --no-x11 >"$rig/tmp/shell.log" 2>&1 &
pids+=($!)

# ev JS: org.gnome.Shell.Eval (the rig extension's unsafe mode); prints the JSON result, fails on an exception.
ev() {
        local r
        r=$("${C[@]}" gdbus call --session -d org.gnome.Shell -o /org/gnome/Shell -m org.gnome.Shell.Eval "$1") ||
                return 1
        case $r in "(true, "*) ;; *) echo "$r" >&2; return 1 ;; esac
        r=${r#"(true, '"}
        echo "${r%"')"}"
}
t0=$SECONDS
wait_for "the shell's Eval (the rig extension)" ev 1
ok "gnome-shell 48 up (headless, 1280x720), Eval enabled by the rig extension in $((SECONDS - t0)) s"


# The overview shows once the shell has started up; the unsafe-mode banner would cover the picture.
wait_for "the end of the shell's start-up" ev 'if (Main.layoutManager._startingUp) throw "starting"; 1'
ev 'Main.messageTray.bannerBlocked = true; Main.overview.hide(); 1' >/dev/null
# JS helpers kept in the shell: windows by title, the portal's dialog, a virtual pointer.
ev 'globalThis.rig = {
  win: t => global.get_window_actors().map(a => a.meta_window).find(w => w.get_title() === t),
  dialog: () => global.get_window_actors().map(a => a.meta_window).find(w =>
      (w.get_gtk_application_id() || w.get_wm_class() || "").includes("portal")),
  rect: w => { const r = w.get_frame_rect(); return [r.x, r.y, r.width, r.height]; },
  sleep: ms => new Promise(r => setTimeout(r, ms)),
  // the "Share Screen" dialog (660x500 in GNOME 48): pick the first monitor or window tile, or keep
  // the preselected one ("virtual"), then Share (top right); the pointer is parked at the bottom right
  answer: async what => {
      const d = rig.dialog();
      if (!d) throw "no dialog";
      const [x, y, w, h] = rig.rect(d);
      if (w < 600 || h < 400) throw "dialog not laid out yet";
      if (what === "monitor") await rig.click(x + w / 2, y + 315);
      if (what === "window") await rig.click(x + w / 2, y + 190);
      await rig.sleep(300);
      await rig.click(x + w - 43, y + 22);
      await rig.sleep(300);
      rig.ptr.notify_absolute_motion(GLib.get_monotonic_time(), 1200, 700);
      // clicked before the list was filled in: Share was not sensitive yet; the caller tries again
      for (let i = 0; i < 10 && rig.dialog(); i++)
          await rig.sleep(100);
      if (rig.dialog()) throw "still open";
      return [x, y, w, h];
  },
  click: async (x, y) => {
      const Clutter = (await import("gi://Clutter")).default;
      rig.ptr ??= Clutter.get_default_backend().get_default_seat().create_virtual_device(
          Clutter.InputDeviceType.POINTER_DEVICE);
      const t = GLib.get_monotonic_time();
      rig.ptr.notify_absolute_motion(t, x, y);
      await rig.sleep(100);
      rig.ptr.notify_button(t + 100000, Clutter.BUTTON_PRIMARY, Clutter.ButtonState.PRESSED);
      rig.ptr.notify_button(t + 150000, Clutter.BUTTON_PRIMARY, Clutter.ButtonState.RELEASED);
      return [x, y];
  },
}; 1' >/dev/null || fatal "the JS helpers"

# The portal (xdg-desktop-portal activates its GNOME backend on the session bus).
"${C[@]}" dbus-update-activation-environment WAYLAND_DISPLAY XDG_CURRENT_DESKTOP XDG_SESSION_TYPE XDG_RUNTIME_DIR \
        PIPEWIRE_RUNTIME_DIR >/dev/null 2>&1
"${C[@]}" /usr/libexec/xdg-desktop-portal-gnome --verbose >"$rig/tmp/xdpg.log" 2>&1 &
pids+=($!)
# the backend first: the portal reads its source types once, when it starts
backend_owned() { "${C[@]}" gdbus call --session -d org.freedesktop.DBus -o /org/freedesktop/DBus \
        -m org.freedesktop.DBus.NameHasOwner org.freedesktop.impl.portal.desktop.gnome | grep -q true; }
wait_for "xdg-desktop-portal-gnome" backend_owned
"${C[@]}" /usr/libexec/xdg-desktop-portal --verbose >"$rig/tmp/xdp.log" 2>&1 &
pids+=($!)
portal_types() { "${C[@]}" gdbus introspect --session -d org.freedesktop.portal.Desktop \
        -o /org/freedesktop/portal/desktop -p | grep -o "AvailableSourceTypes = [1-9][0-9]*"; }
wait_for "xdg-desktop-portal's ScreenCast" portal_types
ok "xdg-desktop-portal $(chroot "$rig" dpkg-query -W -f '${Version}' xdg-desktop-portal) with the GNOME backend: $(portal_types) (monitor, window, virtual)"

# The client windows: green at the bottom left quarter, blue (for extend) out of the way for now.
"${C[@]}" gjs -m /tmp/window.js green 00ff00 >"$rig/tmp/green.log" 2>&1 &
pids+=($!)
wait_for "the test window" ev 'if (!rig.win("green")) throw "not yet"; 1'
# (a new window is placed by the shell once mapped: move it until it stays)
place() { ev "rig.win('$1').move_resize_frame(true, $2, $3, $4, $5); 1" >/dev/null &&
        sleep 0.3 && [ "$(ev "rig.rect(rig.win('$1'))")" = "[$2,$3,$4,$5]" ]; }
wait_for "the green window at 0,360" place green 0 360 640 360
ok "test window up: green 640x360 at 0,360 (the bottom left quarter of the red desktop)"

# ---- miracastd (outside the chroot, on its system bus) with the fake wpa_supplicant ----------
# Each P2P_CONNECT starts the test sink with the arguments in $work/sink-args (a picture to keep).
cat >"$work/sink.sh" <<SH
#!/bin/sh
ip netns exec $ns $build/miracast-test-sink --connect 192.168.49.200:7236 --profile small --duration 0 \
        --timeout 60 \$(cat $work/sink-args)
echo \$? >$work/sink.rc
SH
chmod +x "$work/sink.sh"
python3 "$src/tests/desktop/fake-wpas.py" "$work/p2p-dev-wlan0" "$work/wpas.log" p2p-gp0 "$work/sink.sh" &
pids+=($!)
cat >"$work/miracastd.conf" <<CONF
capture = testsrc
encoder = x264
polkit = off
max-resolution = 640x480
p2p-backend = wpas
wpas-ctrl = $work/p2p-dev-wlan0
p2p-runtime-dir = $work
p2p-device-name = gnome-source
log-level = debug
CONF
wait_for "the fake wpa_supplicant" test -S "$work/p2p-dev-wlan0"
sysbus=unix:path=$rig/run/dbus/system_bus_socket
MIRACASTD_UINPUT_PATH=/nonexistent/uinput "$build/miracastd" --config "$work/miracastd.conf" --bus "$sysbus" \
        2>>"$work/miracastd.log" &
pids+=($!)
sys() { DBUS_SYSTEM_BUS_ADDRESS=$sysbus busctl --system "$@"; }
wait_for "miracastd on the bus" sys status org.miracastd
# Discovery lasts as long as its client: a scan running through the whole test finds the two displays.
DBUS_SYSTEM_BUS_ADDRESS=$sysbus "$build/miracastctl" scan --timeout 3600 >"$work/scan.log" 2>&1 &
pids+=($!)
tv=/org/miracastd/sink/42_00_00_00_0e_01
wait_for "the TV in the daemon's sinks" sys introspect org.miracastd "$tv"

# ---- miracastd-user: outside the chroot (bookworm build), as the desktop's user, on its buses ----
setpriv --reuid="$uid" --regid="$gid" --clear-groups env -i PATH="$PATH" HOME="$work/state" \
        XDG_STATE_HOME="$work/state" XDG_RUNTIME_DIR="$rig$rt" PIPEWIRE_RUNTIME_DIR="$rig$rt" \
        DBUS_SESSION_BUS_ADDRESS="unix:path=$rig$rt/bus" DBUS_SYSTEM_BUS_ADDRESS="$sysbus" \
        "$build/miracastd-user" --idle-exit 0 --log-level debug 2>"$work/user.log" &
pids+=($!)
user_owned() { "${C[@]}" gdbus call --session -d org.freedesktop.DBus -o /org/freedesktop/DBus \
        -m org.freedesktop.DBus.NameHasOwner org.miracastd.User | grep -q true; }
wait_for "miracastd-user on the session bus" user_owned
ok "miracastd (fake wpa_supplicant, test sink in a netns) and miracastd-user (outside the chroot, uid $uid) up"

# user_cast NAME VIDEO: User1.Cast to the TV in the background (the reply: $work/NAME.reply)
user_cast() {
        "${C[@]}" gdbus call --session --timeout 90 -d org.miracastd.User -o /org/miracastd/user \
                -m org.miracastd.User1.Cast "$tv" "{'video': <'$2'>, 'audio': <'none'>}" >"$work/$1.reply" 2>&1 &
        cast_pid=$!
}
dialog_rect() { ev 'const d = rig.dialog(); if (!d) throw "no dialog"; rig.rect(d)'; }

# picture NAME [--none COLOUR] X,Y=COLOUR...: the decoded 640x480 picture has these colours there
# (r g b k: red, green, blue, black); --none: no pixel anywhere has that colour; --dark X0,Y0,X1,Y1: some
# pixel in that rectangle is dark (the pointer's arrow).
cat >"$work/picture.py" <<'PY'
import sys
data = open(sys.argv[1], 'rb').read()
w, h = 640, 480
assert len(data) == w * h * 3, "size %d" % len(data)
names = {"r": (255, 0, 0), "g": (0, 255, 0), "b": (0, 0, 255), "k": (0, 0, 0)}
near = lambda px, c: all(abs(a - b) < 60 for a, b in zip(px, names[c]))
bad, args = [], sys.argv[2:]
while args:
    spec = args.pop(0)
    if spec == "--none":
        c = args.pop(0)
        n = sum(1 for i in range(0, len(data), 3) if near(data[i:i + 3], c))
        if n:
            bad.append("%d pixels of colour %s" % (n, c))
        continue
    if spec == "--dark":
        x0, y0, x1, y1 = map(int, args.pop(0).split(","))
        if not any(max(data[(y * w + x) * 3:(y * w + x) * 3 + 3]) < 80 for y in range(y0, y1) for x in range(x0, x1)):
            bad.append("no dark pixel in %d,%d-%d,%d (no pointer)" % (x0, y0, x1, y1))
        continue
    xy, c = spec.split("=")
    x, y = map(int, xy.split(","))
    got = tuple(data[(y * w + x) * 3:(y * w + x) * 3 + 3])
    if not near(got, c):
        bad.append("%s: %s" % (spec, got))
if bad:
    print("; ".join(bad))
    sys.exit(1)
PY
picture() {
        local png=$work/$1.png
        shift
        [ -s "$png" ] || { echo "no picture $png"; return 1; }
        cp "$png" "$out/"
        ffmpeg -v error -i "$png" -f rawvideo -pix_fmt rgb24 -y "$png.rgb" && python3 "$work/picture.py" "$png.rgb" "$@"
}
prop() { sys get-property org.miracastd "$1" org.miracastd.Session1 "$2" 2>/dev/null | sed 's/^s "\(.*\)"$/\1/'; }
ended() { [ "$(prop "$1" State)" = ended ] || ! sys introspect org.miracastd "$1" >/dev/null 2>&1; }
no_dialog_seen=1
# cast NAME VIDEO ANSWER FRAMES: cast with the dialog answered (ANSWER: monitor, window, virtual; "none": no
# dialog may show); the sink keeps picture NAME after FRAMES decoded pictures; $session, $cast_secs
cast() {
        local name=$1 video=$2 answer=$3 t
        [ "$4" = 0 ] || echo "--frames $4 --png $work/$name.png" >"$work/sink-args"
        rm -f "$work/sink.rc"
        t=$(date +%s%N)
        user_cast "$name" "$video"
        if [ "$answer" != none ]; then
                wait_for "the Share Screen dialog ($name)" ev "rig.answer('$answer')"
                [ -z "${MCD_WIGGLE:-}" ] || wiggle
        else
                no_dialog_seen=1
                while kill -0 "$cast_pid" 2>/dev/null; do
                        ev 'rig.dialog() ? 1 : 0' | grep -q 1 && no_dialog_seen=0
                        sleep 0.05
                done
        fi
        wait "$cast_pid" || true
        cast_secs=$(( ($(date +%s%N) - t) / 1000000 ))
        session=$(sed -n "s/^(objectpath '\(.*\)',)$/\1/p" "$work/$name.reply")
        [ -n "$session" ] || { bad "$name: User1.Cast" "$(cat "$work/$name.reply")"; return 1; }
}
# after a picture cast: the sink leaves after its pictures, the session ends
cast_done() {
        for _ in $(seq 300); do [ -e "$work/sink.rc" ] && break; sleep 0.1; done
        [ "$(cat "$work/sink.rc" 2>/dev/null)" = 0 ] || { bad "$1: the sink decoded its pictures" \
                "status $(cat "$work/sink.rc" 2>/dev/null); $(tail -n 3 "$work/wpas.log")"; }
        wait_for "$1: the session to end" ended "$session"
}

# ---- (a) monitor: the whole desktop in place --------------------------------------
# the pointer moves over the red desktop while the monitor cast starts (cursor metadata, blended by us)
wiggle() { for i in $(seq 20); do ev "rig.ptr.notify_absolute_motion(GLib.get_monotonic_time(), $((990 + i % 2 * 10)), 200); 1" \
        >/dev/null 2>&1; sleep 0.1; done; ev "rig.ptr.notify_absolute_motion(GLib.get_monotonic_time(), 1000, 200); 1" >/dev/null; }
if MCD_WIGGLE=1 cast monitor monitor monitor 60; then
        ok "monitor: User1.Cast -> the Share Screen dialog (monitor tile, Share) -> $session plays (VideoSource $(prop "$session" VideoSource))"
        cast_done monitor
        # 1280x720 into 640x480, letterboxed: 640x360 at y 60. The green window (0,360 640x360) is x < 320,
        # 240 <= y < 420; its flickering corner and the parked pointer are at the bottom right of each.
        if r=$(picture monitor 80,300=g 250,330=g 160,150=r 480,150=r 480,330=r 560,100=r 320,20=k 320,460=k 2>&1); then
                ok "monitor: decoded picture shows the red desktop, the green window at the bottom left quarter, black bars above and below"
        else
                bad "monitor: decoded picture" "$r"
        fi
        # the pointer at 1000,200 is at 500,160 in the picture (its arrow about 10x12 there)
        if r=$(picture monitor --dark 498,158,514,176 530,190=r 2>&1); then
                ok "monitor: the pointer is drawn where it is (GNOME's cursor metadata, blended by the daemon)"
        else
                bad "monitor: the pointer" "$r"
        fi
fi
[ -s "$work/state/miracastd/screencast-tokens" ] && grep -q "^42_00_00_00_0e_01 " "$work/state/miracastd/screencast-tokens" &&
        ok "monitor: a restore token kept for the TV" || bad "monitor: no restore token kept" "$(cat "$work/state/miracastd/screencast-tokens" 2>&1)"

# ---- (b) window: only the window ------------------------------------------------------
if cast window window window 30; then
        ok "window: the dialog's window list (green), Share -> $session plays (VideoSource $(prop "$session" VideoSource))"
        cast_done window
        # the window alone (640x360, the stream's size), letterboxed: green from y 60 to 420, the corner
        # square at the bottom right; nothing of the red desktop
        if r=$(picture window 20,80=g 620,80=g 320,240=g 20,400=g 300,400=g 320,20=k 320,460=k --none r 2>&1); then
                ok "window: decoded picture is the green window alone (no pixel of the red desktop), letterboxed"
        else
                bad "window: decoded picture" "$r"
        fi
fi

# ---- (c) extend: the portal's VIRTUAL source, a new monitor of the negotiated size --------------
"${C[@]}" gjs -m /tmp/window.js blue 0000ff >"$rig/tmp/blue.log" 2>&1 &
pids+=($!)
wait_for "the blue window" ev 'if (!rig.win("blue")) throw "not yet"; 1'
monitors() { ev 'const d = global.display; [...Array(d.get_n_monitors()).keys()].map(i => {
        const r = d.get_monitor_geometry(i); return [r.x, r.y, r.width, r.height]; })'; }
# The sink keeps 150 pictures: the virtual monitor shows nothing new (no damage) until the blue window is on it.
echo "--frames 150 --png $work/extend.png" >"$work/sink-args"
rm -f "$work/sink.rc"
user_cast extend extend
wait_for "the Share Screen dialog (extend)" ev "rig.answer('virtual')"
n_monitors() { [ "$(ev 'global.display.get_n_monitors()')" = "$1" ]; }
wait_for "the virtual monitor" n_monitors 2
geo=$(monitors)
# put the blue window on the left half of the new monitor
read -r vx vy vw vh < <(python3 -c 'import json, sys; print(*json.loads(sys.argv[1])[1])' "$geo")
ev 'rig.win("blue").activate(global.get_current_time()); 1' >/dev/null
wait_for "the blue window on the new monitor" place blue "$vx" "$vy" $((vw / 2)) "$vh"
[ "${MCD_PORTAL_HOLD:-}" != extend ] || { echo "holding for 600 s (extend cast running)"; sleep 600; }
wait "$cast_pid" || true
session=$(sed -n "s/^(objectpath '\(.*\)',)$/\1/p" "$work/extend.reply")
if [ -n "$session" ]; then
        ok "extend: the dialog's virtual monitor, Share -> $session plays (VideoSource $(prop "$session" VideoSource))"
        [ "$vw"x"$vh" = 640x480 ] && ok "extend: GNOME made the virtual monitor at the negotiated 640x480, right of the desktop ($geo)" ||
                bad "extend: the virtual monitor is not 640x480 (the negotiated size)" "$geo"
        cast_done extend
        # the new monitor unscaled: the blue window (and its flickering corner) on the left half, the red background right
        if r=$(picture extend 20,20=b 160,240=b 300,100=b 20,460=b 340,20=r 480,240=r 620,460=r 2>&1); then
                ok "extend: decoded picture is the new monitor: the blue window on its left half, the red background on the right"
        else
                bad "extend: decoded picture" "$r"
        fi
        wait_for "the virtual monitor to go after the cast" n_monitors 1
        ok "extend: the virtual monitor is removed when the cast ends"
else
        bad "extend: User1.Cast" "$(cat "$work/extend.reply")"
fi

# ---- (d) restore: the same TV again, no dialog -------------------------------------------
# ---- (e) revoke: the shell's "Stop Screen Sharing" indicator ends the daemon's session ---------
echo "--min-frames 0" >"$work/sink-args"
if cast again monitor none 0; then
        [ "$no_dialog_seen" = 1 ] && ok "restore: the second monitor cast to the TV showed no dialog (the restore token)" ||
                bad "restore: a dialog showed on the second cast"
        [ "$cast_secs" -lt 3000 ] && ok "restore: User1.Cast returned a playing session in $cast_secs ms" ||
                bad "restore: User1.Cast took $cast_secs ms"
        grep -q "restoring the share for 42_00_00_00_0e_01$" "$work/user.log" || bad "restore: miracastd-user did not hand the token back"
        wait_for "the screen-sharing indicator" ev 'if (!Main.panel.statusArea.screenSharing.visible) throw "hidden"; 1'
        sleep 2
        # a click on the indicator, as the person would (it stops every screen share)
        ev 'const i = Main.panel.statusArea.screenSharing; const [x, y] = i.get_transformed_position();
            rig.click(x + i.width / 2, y + i.height / 2)' >/dev/null
        wait_for "the daemon's session to end after the revoke" ended "$session"
        reason=$(prop "$session" EndReason)
        # The daemon's capture sees the stream go and ends the session with PipeWire's reason, not a plain
        # "stopped" (Session1.Stop carries no reason); miracastd-user ends the cast with the portal's
        # reason, or with the daemon's when that came first.
        if echo "$reason" | grep -qE "went away|disconnected|stream from node" &&
           grep -qE "ended: (the screen share ended: the desktop stopped sharing the screen|the daemon ended the session: .*went away)" "$work/user.log"; then
                ok "revoke: \"Stop Screen Sharing\" in the shell's panel closed the portal session; miracastd-user ended $session, EndReason \"$reason\""
        else
                bad "revoke: no reason, or not the portal's" "EndReason \"$reason\"; $(grep -v rtp "$work/user.log" | tail -n 3)"
        fi
fi

finish
