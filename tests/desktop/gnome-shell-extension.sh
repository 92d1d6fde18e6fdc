#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The GNOME Shell extension in a real, headless GNOME Shell 48 (Debian trixie
# in a chroot; bookworm's 43 cannot load ES-module extensions), against the
# real miracastd (built here, run outside the chroot on the chroot's system
# bus), a FAKE wpa_supplicant (fake-wpas.py: P2P needs a radio) and the C
# test sink in a network namespace:
#   the extension loads and is enabled with no errors;
#   its menu lists two displays, "Wi-Fi Direct"; without miracastd-user
#   Extend/sound/delay cannot be chosen                           [shell-menu.png]
#   a click casts; the display asks for a PIN: the PIN dialog     [shell-pin.png]
#   the typed PIN reaches P2P_CONNECT; the sink plays and offers input (UIBC):
#   "Allow input from Office Display?"                            [shell-input.png]
#   Allow: the daemon turns input on; the panel indicator shows the display
#   and the mode                                                  [shell-casting.png]
#   Stop ends the session and the P2P group;
#   with a FAKE org.miracastd.User (fake-user1.py) on the session bus: the
#   choices are usable (Extend, On both, Low delay)               [shell-options.png]
#   and a cast goes through User1.Cast with them; Stop through User1.Stop;
#   Duplicate where the portal is missing (NotSupported) is cast again with video "daemon";
#   with the daemon gone and no service file, the menu says it is not installed [shell-missing.png]
#   with a service file: opening the menu starts the daemon (D-Bus activation) and
#   lists the displays again
# The extension is driven through its test-only org.miracastd.ShellTest
# object (MIRACAST_SHELL_TEST=1); screenshots via gnome-screenshot.
#
# Usage: gnome-shell-extension.sh BUILD OUTDIR. Root (the shell itself runs as user "rig"). The chroot
# (gnome-rig-chroot.sh) is made once with mmdebstrap (about 3 min, 1.3 GiB) in $MIRACAST_GNOME_RIG
# (default /var/cache/miracastd-rig/gnome48) and reused.
set -eu
build=$(cd "${1:-build}" && pwd)
out=${2:-$build/screenshots}
mkdir -p "$out"
out=$(cd "$out" && pwd)
src=$(cd "$(dirname "$0")/../.." && pwd)
rig=${MIRACAST_GNOME_RIG:-/var/cache/miracastd-rig/gnome48}
uuid=miracast@miracastd.org
start=$SECONDS

if [ "${MCD_SHELL_INNER:-}" != 1 ]; then
        . "$src/tests/desktop/gnome-rig-chroot.sh"
        gnome_rig_ensure "$rig" "$build/gnome-rig.log" || { echo "gnome-shell-extension: no GNOME 48 chroot" >&2; exit 1; }
fi
# The shell runs as an ordinary user, as on a desktop (as root it greets with a warning banner).
chroot "$rig" id rig >/dev/null 2>&1 || chroot "$rig" useradd -M -d /home/rig -s /bin/sh rig

if [ "${MCD_SHELL_INNER:-}" != 1 ]; then
        # Private mounts (fresh /run, /tmp and /root in the chroot) and a private network.
        MCD_SHELL_INNER=1 exec unshare -m -n --propagation private "$0" "$build" "$out"
fi

work=$(mktemp -d /tmp/mcd-shell-XXXXXX)
ns=mcd-shell-$$
pids=()
cleanup() {
        for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
        ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null || true
        ip netns del "$ns" 2>/dev/null || true
        rm -rf "$work"
}
trap cleanup EXIT
fail() {
        echo "FAIL: $*"
        echo "--- gnome-shell log (tail):"; tail -n 40 "$rig/tmp/shell.log" 2>/dev/null || true
        echo "--- miracastd log (tail):"; tail -n 30 "$work/miracastd.log" || true
        echo "--- fake wpa_supplicant:"; cat "$work/wpas.log" || true
        exit 1
}
passed=0
ok() { echo "ok   $*"; passed=$((passed + 1)); }

mount --rbind /dev "$rig/dev"
mount -t proc proc "$rig/proc"
mount --rbind /sys "$rig/sys"
for d in run tmp home; do mount -t tmpfs tmpfs "$rig/$d"; done
uid=$(chroot "$rig" id -u rig)
mkdir -p -m 700 "$rig/run/user/$uid"
mkdir -p "$rig/run/dbus" "$rig/home/rig/.local/share/gnome-shell/extensions/$uuid"
cp "$src/desktop/gnome-shell-extension/$uuid"/* "$rig/home/rig/.local/share/gnome-shell/extensions/$uuid/"
# Seen once already: no "Screen Lock disabled" banner (there is no display manager here) over the screenshots.
touch "$rig/home/rig/.local/share/gnome-shell/lock-warning-shown"
chroot "$rig" chown -R rig:rig /home/rig "/run/user/$uid"

# network: the group interface here, the sink at the far end of a veth pair
ip link set lo up
ip netns add "$ns"
ip link add p2p-gs0 type veth peer name p2p-gs0p
ip link set p2p-gs0p netns "$ns"
ip link set p2p-gs0 up
ip -n "$ns" link set lo up
ip -n "$ns" link set p2p-gs0p up
ip -n "$ns" addr add 192.168.49.1/24 dev p2p-gs0p

# the chroot's system bus (a test policy: anyone may own and call; the real one is checked by install.sh)
cat >"$rig/tmp/system.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>system</type><listen>unix:path=/run/dbus/system_bus_socket</listen>
<auth>EXTERNAL</auth><servicedir>/tmp/services</servicedir><policy context="default"><allow user="*"/><allow send_destination="*"/><allow receive_sender="*"/>
<allow own="*"/></policy></busconfig>
CONF
mkdir -p "$rig/tmp/services"
chroot "$rig" dbus-daemon --config-file=/tmp/system.conf --fork --print-pid >"$work/sysbus.pid"
pids+=("$(cat "$work/sysbus.pid")")
U=(chroot --userspec=rig:rig "$rig" env HOME=/home/rig USER=rig XDG_RUNTIME_DIR="/run/user/$uid")
session=$("${U[@]}" dbus-daemon --session --fork --print-address=1 --print-pid=2 2>"$work/sessbus.pid")
pids+=("$(cat "$work/sessbus.pid")")
C=("${U[@]}" DBUS_SESSION_BUS_ADDRESS="$session" XDG_SESSION_TYPE=wayland XDG_CURRENT_DESKTOP=GNOME)

# miracastd (built here) on that bus, with the fake wpa_supplicant
python3 "$src/tests/desktop/fake-wpas.py" "$work/p2p-dev-wlan0" "$work/wpas.log" p2p-gs0 \
        ip netns exec "$ns" "$build/miracast-test-sink" --connect 192.168.49.200:7236 --profile small \
        --duration 0 --timeout 60 --min-frames 0 --uibc-script "$src/tests/data/uibc/script.txt" &
pids+=($!)
cat >"$work/miracastd.conf" <<CONF
capture = testsrc
encoder = x264
polkit = off
max-resolution = 640x480
p2p-backend = wpas
wpas-ctrl = $work/p2p-dev-wlan0
p2p-runtime-dir = $work
p2p-device-name = shell-source
log-level = debug
CONF
for _ in $(seq 50); do [ -S "$work/p2p-dev-wlan0" ] && break; sleep 0.1; done
# No uinput: allowed input is offered and enabled, but never injected into this host.
start_daemon() {
        MIRACASTD_UINPUT_PATH=/nonexistent/uinput "$build/miracastd" --config "$work/miracastd.conf" \
                --bus "unix:path=$rig/run/dbus/system_bus_socket" 2>>"$work/miracastd.log" &
        daemon_pid=$!
        pids+=($daemon_pid)
}
start_daemon

"${C[@]}" gsettings set org.gnome.shell enabled-extensions "['$uuid']"
"${C[@]}" gsettings set org.gnome.shell disable-user-extensions false
"${C[@]}" MIRACAST_SHELL_TEST=1 gnome-shell --headless --virtual-monitor 1280x800 --wayland --no-x11 \
        >"$rig/tmp/shell.log" 2>&1 &
pids+=($!)

call() { "${C[@]}" gdbus call --session -d org.miracastd.ShellTest -o /org/miracastd/ShellTest \
        -m "org.miracastd.ShellTest1.$1" "${@:2}"; }
state() { call State 2>/dev/null || true; }
# wait_for WHAT CMD...: poll up to 60 s
wait_for() {
        local what=$1; shift
        for _ in $(seq 300); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
        fail "timed out waiting for $what (state: $(state))"
}
shot() {
        sleep 0.7   # let menus and dialogs finish their animations
        "${C[@]}" gnome-screenshot -f "/tmp/$1" >>"$work/screenshot.log" 2>&1 || fail "gnome-screenshot $1"
        cp "$rig/tmp/$1" "$out/$1"
        echo "screenshot: $out/$1"
}

t0=$SECONDS
wait_for "the shell and the extension's test object" call State
ok "gnome-shell 48 up, extension enabled in $((SECONDS - t0)) s"
info=$("${C[@]}" gdbus call --session -d org.gnome.Shell -o /org/gnome/Shell \
        -m org.gnome.Shell.Extensions.GetExtensionInfo "$uuid")
grep -q "'state': <1.0>" <<<"$info" || fail "extension state is not ENABLED: $info"
errs=$("${C[@]}" gdbus call --session -d org.gnome.Shell -o /org/gnome/Shell \
        -m org.gnome.Shell.Extensions.GetExtensionErrors "$uuid")
[ "$errs" = "(@as [],)" ] || fail "extension errors: $errs"
! grep -E "JS ERROR|$uuid.*(Error|error)" "$rig/tmp/shell.log" || fail "JS errors in the shell log"
ok "extension state ENABLED, no errors"

call OpenMenu >/dev/null
has2() { state | grep -q "Living Room TV: available" && state | grep -q "Office Display: available"; }
wait_for "two displays in the menu" has2
grep -q "^P2P_FIND" "$work/wpas.log" || fail "opening the menu did not start discovery"
state | grep -q '"Office Display: Wi-Fi Direct"' || fail "the display's protocol is not shown: $(state)"
ok "the open menu started discovery and lists two displays, reached over Wi-Fi Direct"
state | grep -q '"user1":false' || fail "miracastd-user seen where there is none: $(state)"
call Choose Show "Extend (a new screen)" >/dev/null 2>&1 && fail "Extend could be chosen without miracastd-user"
call Choose Sound "On both" >/dev/null 2>&1 && fail "sound could be chosen without miracastd-user"
ok "without miracastd-user, Extend and sound cannot be chosen"
shot shell-menu.png

call Cast "Office Display" >/dev/null
state_has() { state | grep -qF -- "$1"; }
wait_for "the PIN dialog" state_has PinDialog
grep -q "^P2P_CONNECT 42:00:00:00:0e:02 pbc" "$work/wpas.log" || fail "no push-button connect"
call TypePin "1234 5670" >/dev/null
shot shell-pin.png
ok "a click casts; the display's PIN request opens the PIN dialog"
call SubmitPin >/dev/null
wait_for "the PIN in P2P_CONNECT" grep -q "^P2P_CONNECT 42:00:00:00:0e:02 12345670 keypad" "$work/wpas.log"
wait_for "the session to play" state_has '"session":"playing"'
state | grep -q 'Casting to Office Display. 640×480 at' || fail "indicator does not show name and mode: $(state)"
ok "the typed PIN reaches wpa_supplicant; the sink plays; the indicator shows the display and the mode"
# the cast did not say about input, and the sink offers it: the question
wait_for "the input question" state_has InputDialog
grep -q "asking agent /org/miracastd/shell/agent" "$work/miracastd.log" || fail "the daemon did not ask the shell's agent"
shot shell-input.png
call AnswerInput true >/dev/null
wait_for "input allowed" grep -q "input from the display allowed" "$work/miracastd.log"
grep -q "the agent allowed input from the display" "$work/miracastd.log" || fail "not allowed through the agent"
ok "the display offers input: \"Allow input from Office Display?\"; Allow turns input on"
call CloseMenus >/dev/null
call OpenIndicator >/dev/null
shot shell-casting.png

call Stop >/dev/null
wait_for "the cast to end" state_has '"casting":null'
wait_for "the group removal" grep -q "^P2P_GROUP_REMOVE p2p-gs0" "$work/wpas.log"
state | grep -q '"panel":null' || fail "the indicator stayed after Stop: $(state)"
ok "Stop ends the session, the group and the indicator"

# miracastd-user appears on the session bus (the fake): the desktop choices become usable
call CloseMenus >/dev/null
cp "$src/tests/desktop/fake-user1.py" "$rig/tmp/fake-user1.py"
"${C[@]}" python3 /tmp/fake-user1.py /tmp/user1.log &
pids+=($!)
wait_for "the fake miracastd-user" grep -q "owning org.miracastd.User" "$rig/tmp/user1.log"
call OpenMenu >/dev/null
wait_for "the menu to see miracastd-user" state_has '"user1":true'
call Choose Show "Extend (a new screen)" >/dev/null || fail "cannot choose Extend with miracastd-user"
call Choose Sound "On both" >/dev/null || fail "cannot choose On both"
call Choose Delay "Low delay" >/dev/null || fail "cannot choose Low delay"
state | grep -q '"choice":{"video":"extend","audio":"mirror","latency":"low-latency","input":"ask"}' ||
        fail "the choices did not stick: $(state)"
call OpenChoice Sound >/dev/null
shot shell-options.png
call Cast "Living Room TV" >/dev/null
wait_for "User1.Cast" grep -q "^Cast /org/miracastd/sink/42_00_00_00_0e_01 " "$rig/tmp/user1.log"
grep -q "^Cast .* audio=mirror latency=low-latency method=pbc video=extend$" "$rig/tmp/user1.log" ||
        fail "User1.Cast options: $(cat "$rig/tmp/user1.log")"
wait_for "the push-button connect" grep -q "^P2P_CONNECT 42:00:00:00:0e:01 pbc" "$work/wpas.log"
wait_for "the second input question" state_has InputDialog
call AnswerInput false >/dev/null
wait_for "input declined" grep -q "input from the display declined by the agent" "$work/miracastd.log"
wait_for "the second session to play" state_has '"session":"playing"'
ok "with miracastd-user: the choices go to User1.Cast; Don't Allow leaves input off"
call Stop >/dev/null
wait_for "User1.Stop" grep -q "^Stop /org/miracastd/session/" "$rig/tmp/user1.log"
wait_for "the second cast to end" state_has '"casting":null'
ok "Stop goes to User1.Stop, which ends the session"
# Duplicate, and no ScreenCast portal (none in the chroot): the daemon's own capture instead
call Choose Show "Duplicate this screen" >/dev/null || fail "cannot choose Duplicate"
call Cast "Living Room TV" >/dev/null
wait_for "User1.Cast with video daemon" grep -q "^Cast .* video=daemon$" "$rig/tmp/user1.log"
grep -q "^Cast .* video=monitor$" "$rig/tmp/user1.log" || fail "monitor was not tried first: $(cat "$rig/tmp/user1.log")"
wait_for "the third input question" state_has InputDialog
call AnswerInput false >/dev/null
wait_for "the third session to play" state_has '"session":"playing"'
state | grep -q '"error":null' || fail "an error is shown: $(state)"
call Stop >/dev/null
wait_for "the third cast to end" state_has '"casting":null'
ok "Duplicate without a ScreenCast portal: NotSupported, then video daemon casts"

# The daemon goes away, and this bus has nothing to activate it with.
call CloseMenus >/dev/null
kill "$daemon_pid"
wait_for "the daemon to leave the bus" state_has '"owner":null'
call OpenMenu >/dev/null
wait_for "the not-installed message" state_has 'miracastd is not installed'
shot shell-missing.png
ok "opening the menu without the daemon tries activation and says it is not installed"

# Installed: a service file. The activated program (inside the chroot) cannot run the daemon built
# here (its libraries are outside), so it asks this script to, and waits until the name is owned.
call CloseMenus >/dev/null
cat >"$rig/tmp/activate.sh" <<'SH'
touch /tmp/activation-requested
for _ in $(seq 300); do
        gdbus call --system -d org.freedesktop.DBus -o /org/freedesktop/DBus \
                -m org.freedesktop.DBus.NameHasOwner org.miracastd 2>/dev/null | grep -q true && exit 0
        sleep 0.1
done
exit 1
SH
printf '[D-BUS Service]\nName=org.miracastd\nExec=/bin/sh /tmp/activate.sh\nUser=root\n' \
        >"$rig/tmp/services/org.miracastd.service"
"${C[@]}" gdbus call --system -d org.freedesktop.DBus -o /org/freedesktop/DBus \
        -m org.freedesktop.DBus.ReloadConfig >/dev/null || fail "ReloadConfig"
call OpenMenu >/dev/null
wait_for "the activation request" test -e "$rig/tmp/activation-requested"
start_daemon
wait_for "the daemon started on demand" state_has '"owner":":'
wait_for "two displays after activation" has2
state | grep -q 'not installed' && fail "still says not installed: $(state)"
ok "opening the menu starts miracastd through D-Bus activation and lists the displays"
echo "gnome-shell-extension: $((SECONDS - start)) s"
echo "$passed passed, 0 failed"
