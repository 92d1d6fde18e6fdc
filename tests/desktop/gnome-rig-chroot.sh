# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the GNOME Shell 48 rigs (gnome-shell-extension.sh, gnome-portal.sh): the Debian trixie chroot
# they share, made once with mmdebstrap (about 3 min, 1.3 GiB) in $MIRACAST_GNOME_RIG (default
# /var/cache/miracastd-rig/gnome48) and reused. The package list only grows: a chroot made from an older
# list gets the missing packages installed (asked of dpkg inside it, so nothing else marks it stale).

gnome_rig_packages="gnome-shell gjs dbus dbus-x11 dbus-user-session libglib2.0-bin dconf-cli dconf-gsettings-backend
gnome-screenshot libgl1-mesa-dri libegl-mesa0 fonts-cantarell adwaita-icon-theme procps
pipewire pipewire-bin wireplumber xdg-desktop-portal xdg-desktop-portal-gnome gir1.2-gtk-4.0"

# gnome_rig_ensure ROOT LOG: builds or completes the chroot at ROOT; returns non-zero (log tail on stdout) when it cannot.
gnome_rig_ensure() {
        local root=$1 log=$2 mirror missing p
        if [ ! -x "$root/usr/bin/gnome-shell" ]; then
                echo "gnome rig: building the GNOME 48 chroot in $root (once)"
                mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)
                mkdir -p "$(dirname "$root")"
                rm -rf "$root.new"
                mmdebstrap --variant=apt --include="$(echo $gnome_rig_packages | tr ' ' ,)" trixie "$root.new" \
                        "${mirror:-http://deb.debian.org/debian}" >"$log" 2>&1 ||
                        { tail -n 20 "$log"; echo "gnome rig: mmdebstrap failed"; return 1; }
                dbus-uuidgen >"$root.new/etc/machine-id"
                mv "$root.new" "$root"
                return 0
        fi
        missing=
        for p in $gnome_rig_packages; do
                chroot "$root" dpkg-query -W -f '${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed ||
                        missing="$missing $p"
        done
        [ -z "$missing" ] && return 0
        echo "gnome rig: installing into the chroot:$missing"
        # apt needs /proc and /dev; private mounts, gone with the subshell's namespace
        unshare -m --propagation private sh -c "mount -t proc proc '$root/proc' && mount --rbind /dev '$root/dev' &&
                chroot '$root' apt-get update -q && DEBIAN_FRONTEND=noninteractive chroot '$root' apt-get install -y -q$missing &&
                chroot '$root' apt-get clean" >"$log" 2>&1 ||
                { tail -n 20 "$log"; echo "gnome rig: installing$missing failed"; return 1; }
}
