#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Install the Debian packages miracastd needs to build, test, demo and bench.
# Does nothing when everything is present; on a system without apt/dpkg it
# prints the list and stops, so the person knows what to install.
set -eu

PACKAGES="
build-essential pkg-config clang libclang-rt-14-dev
libsystemd-dev libavcodec-dev libavformat-dev libavutil-dev libswscale-dev
libdrm-dev libva-dev libegl-dev libgles-dev libgbm-dev libegl-mesa0 libgl1-mesa-dri libx264-dev libpipewire-0.3-dev libgtk-4-dev libadwaita-1-dev xvfb xauth xdotool mmdebstrap
dbus python3-dbus libglib2.0-bin wpasupplicant iproute2 busybox-static dnsmasq-base systemd libxml2-utils man-db strace avahi-daemon avahi-utils
ffmpeg gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good pipewire pipewire-bin wireplumber
pipewire-pulse pulseaudio-utils
gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly
sway swaybg foot xdg-desktop-portal xdg-desktop-portal-wlr gstreamer1.0-pipewire
meson ninja-build cmake libinih-dev libgbm-dev libwayland-dev wayland-protocols scdoc
"

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
        echo "install-deps: this is not a Debian/Ubuntu system; please install the equivalents of:" >&2
        echo $PACKAGES >&2
        exit 1
fi

missing=""
for p in $PACKAGES; do
        status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
        case "$status" in
        *" installed") ;;
        *) missing="$missing $p" ;;
        esac
done

[ -z "$missing" ] && exit 0

# One line for the person watching; apt's chatter goes to a log, shown only when it fails.
# shellcheck disable=SC2086
set -- $missing
echo "install-deps: installing $# Debian package(s) miracastd needs to build, test and demo:$missing"
if [ "$(id -u)" != 0 ]; then
        echo "install-deps: not root; run as root or install them yourself:$missing" >&2
        exit 1
fi
log=$(mktemp "${TMPDIR:-/tmp}/miracastd-install-deps.XXXXXX")
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
if ! { apt-get update -q && apt-get install -y -q --no-install-recommends $missing; } >"$log" 2>&1; then
        tail -n 20 "$log" >&2
        echo "install-deps: apt-get failed (full log: $log)" >&2
        exit 1
fi
rm -f "$log"
