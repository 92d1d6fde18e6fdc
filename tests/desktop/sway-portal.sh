#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The desktop's picture through the real ScreenCast portal: sway (headless
# backend, pixman renderer) with xdg-desktop-portal and xdg-desktop-portal-wlr,
# PipeWire and WirePlumber, all on private buses and a private runtime
# directory, run as an ordinary user (sway refuses root). The stock
# xdg-desktop-portal-wlr cannot cast without a GPU; tools/build-xdpw-nogpu.sh
# builds one that can (XDPW names it, default its cache path).
#
# The portal client under test is user-session/screencast_portal.c, driven by
# tests/desktop/screencast-client, which hands the portal's fd and node to
# test-sink-bus's cast_pipewire_stream case: the real daemon objects cast
# with Sink1.Cast pipewire-fd/pipewire-node to the C test sink, which decodes
# the picture; we check it (colours at known places):
#   monitor  HEADLESS-1: red background, a green floating window at the top left
#   window   xdg-desktop-portal-wlr 0.7 has no window source: NotSupported
#   extend   a headless output created for the cast at 640x480 (blue): only blue
#   miracastd-user  the real component: User1.Cast monitor and extend, the same pictures
#   revoke   the shared output switched off mid-cast: the session ends with a reason
#   restore  the restore token is kept per key; the next cast needs no chooser
#   no portal  NotSupported
# Usage: sway-portal.sh BUILD_DIR
. "${MIRACAST_SRCDIR:-.}/tests/lib/test-lib.sh"

B=$(realpath "${1:-$MIRACAST_BUILD}")
SRC=$(realpath "${MIRACAST_SRCDIR:-.}")
XDPW=${XDPW:-/var/cache/miracastd-rig/xdpw-nogpu/xdg-desktop-portal-wlr}
RIG_USER=${RIG_USER:-miracast-rig}

skip_all() {
        echo "skipped: $1"
        echo "0 passed, 0 failed, 1 skipped"
        exit 0
}
[ "$(id -u)" = 0 ] || skip_all "needs root (to run the rig as user $RIG_USER)"
for tool in sway swaymsg foot pipewire wireplumber dbus-daemon /usr/libexec/xdg-desktop-portal ffmpeg python3; do
        command -v "$tool" >/dev/null || skip_all "$tool is not installed (tools/install-deps.sh installs it)"
done
[ -x "$XDPW" ] || skip_all "no GPU-less xdg-desktop-portal-wlr at $XDPW (tools/build-xdpw-nogpu.sh builds it)"
[ -x "$B/tests/screencast-client" ] || skip_all "$B/tests/screencast-client is not built"
id "$RIG_USER" >/dev/null 2>&1 || useradd -M -d /nonexistent -s /usr/sbin/nologin "$RIG_USER" ||
        skip_all "cannot create user $RIG_USER"

T=$(mktemp -d /tmp/miracast-sway.XXXXXX)
chmod 755 "$T"
mkdir -p "$T/rt" "$T/cfg/xdg-desktop-portal-wlr" "$T/state" "$T/home"
chmod 700 "$T/rt"
cat >"$T/sway.conf" <<'CONF'
output HEADLESS-1 resolution 1280x720 position 0,0 bg #ff0000 solid_color
output HEADLESS-2 bg #0000ff solid_color
output HEADLESS-3 bg #0000ff solid_color
output HEADLESS-4 bg #0000ff solid_color
output HEADLESS-5 bg #0000ff solid_color
default_border none
for_window [app_id="rigwin"] floating enable, resize set 640 360, move position 0 0
exec foot --app-id=rigwin -o colors.background=00ff00 -o colors.foreground=00ff00 sh -c 'sleep 100000'
CONF
# The chooser: the output named in $T/choose (the person would pick it in a dialog).
# "newest": the first one listed, the newest (an output made for extend). Each run is logged in $T/chooser.log.
cat >"$T/chooser.sh" <<CHOOSER
#!/bin/sh
list=\$(cat)
echo "chooser: \$(echo \$list)" >>"$T/chooser.log"
if [ "\$(cat "$T/choose")" = newest ]; then echo "\$list" | head -n 1; else cat "$T/choose"; fi
CHOOSER
chmod +x "$T/chooser.sh"
cat >"$T/cfg/xdg-desktop-portal-wlr/config" <<CONF
[screencast]
chooser_type=dmenu
chooser_cmd=$T/chooser.sh
max_fps=30
CONF
echo HEADLESS-1 >"$T/choose"
chown -R "$RIG_USER:" "$T"

cleanup() {
        # the rig script stops what it started (by pid) on its own exit
        [ -n "${KEEP_TMP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT

# The rest runs as the rig's user.
runuser -u "$RIG_USER" -- env -i PATH="$PATH" HOME="$T/home" T="$T" B="$B" SRC="$SRC" XDPW="$XDPW" \
        MIRACAST_BUILD="$B" MIRACAST_SRCDIR="$SRC" bash "$SRC/tests/desktop/sway-portal-rig.sh"
