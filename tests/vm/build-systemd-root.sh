#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# build-systemd-root.sh - a Debian 12 root file system that boots systemd as
# PID 1 in the test VM, for the packaged-daemon scenario (run-systemd-vm.sh).
#
# Output in $VM_CACHE (default /var/cache/miracast-vm):
#   systemd-root/        the root file system (mmdebstrap, bookworm), with the
#                        runtime libraries our packages depend on preinstalled,
#                        so that dpkg -i works in the guest without a network
#   systemd-initrd.img   busybox + the 9p/virtio modules: mounts the root over
#                        9p and hands over to /lib/systemd/systemd
# The kernel is the one build-image.sh extracted ($VM_CACHE/vmlinuz).
# Rebuilt only when this script changes (its checksum is kept in the cache).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${VM_CACHE:-/var/cache/miracast-vm}
R=$CACHE/systemd-root
stamp=$(sha256sum "$0" | cut -d' ' -f1)
log() { echo "[build-systemd-root] $*" >&2; }

[ -f "$CACHE/image.env" ] || bash "$HERE/build-image.sh"
. "$CACHE/image.env"
KROOT=$CACHE/kroot-$KVER

if [ "$(cat "$CACHE/systemd-root.stamp" 2>/dev/null)" = "$stamp" ] && [ -x "$R/lib/systemd/systemd" ] &&
   [ -f "$CACHE/systemd-initrd.img" ]; then
	log "up to date: $R"
	exit 0
fi

if ! command -v mmdebstrap >/dev/null; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mmdebstrap >/dev/null
fi

# What the guest needs: systemd as PID 1 with logind (sessions for polkit;
# kbd's openvt gives a user a session on a virtual terminal, which is what
# polkit calls local and active),
# the system bus, the real polkitd, and the libraries of our packages and of
# the test sink (FFmpeg, libdrm, libva), so the .debs install offline.
# A user's desktop session without the desktop: dbus-user-session (her session
# bus under her systemd --user), PipeWire and WirePlumber as her user services
# (pipewire-bin: pw-cli, pw-metadata), and avahi-daemon, through which
# miracastd finds the test sink as an MS-MICE display (Sink1 for User1.Cast);
# kmod for modprobe (the dummy interface avahi publishes it on).
PKGS="systemd systemd-sysv dbus libpam-systemd polkitd pkexec procps iproute2 libcap2-bin
      libavcodec59 libavformat59 libavutil57 libswscale6 libdrm2 libva2 libva-drm2 libsystemd0
      libx264-164 libpipewire-0.3-0
      dbus-user-session pipewire pipewire-bin wireplumber avahi-daemon kmod
      login passwd util-linux kbd"
log "mmdebstrap bookworm into $R"
rm -rf "$R.new"
mmdebstrap --variant=minbase --mode=root --format=directory \
	--include="$(echo $PKGS | tr ' ' ',')" \
	--customize-hook='chroot "$1" systemctl mask systemd-timesyncd.service apt-daily.timer apt-daily-upgrade.timer e2scrub_reap.service systemd-networkd-wait-online.service getty@tty1.service serial-getty@ttyS0.service 2>/dev/null || true' \
	--customize-hook='echo mvm-systemd >"$1/etc/hostname"; : >"$1/etc/machine-id"' \
	--customize-hook='chroot "$1" useradd -m -s /bin/bash -u 1000 alice; chroot "$1" useradd -m -s /bin/bash -u 1001 bob' \
	bookworm "$R.new" >"$CACHE/systemd-root.log" 2>&1 || { tail -20 "$CACHE/systemd-root.log"; exit 1; }
rm -rf "$R"; mv "$R.new" "$R"

# The guest boots our kernel, not the root's: the one module the scenario loads
# (dummy: a network interface for avahi to publish the test sink on) comes from
# the kernel's package, indexed so that modprobe finds it.
mkdir -p "$R/lib/modules/$KVER/kernel/drivers/net"
cp "$KROOT/lib/modules/$KVER/kernel/drivers/net/dummy.ko" "$R/lib/modules/$KVER/kernel/drivers/net/"
cp "$KROOT/lib/modules/$KVER/"modules.{builtin,builtin.modinfo,order} "$R/lib/modules/$KVER/"
depmod -b "$R" "$KVER"

# ---- the initramfs: 9p root, then systemd -----------------------------------
log "initramfs"
I=$(mktemp -d /tmp/systemd-vm-initramfs.XXXXXX)
trap 'rm -rf "$I"' EXIT
mkdir -p "$I"/{bin,dev,proc,sys,newroot,lib/modules/$KVER}
cp /bin/busybox "$I/bin/busybox"
for a in sh mount umount switch_root insmod mkdir cat echo sleep; do ln -s busybox "$I/bin/$a"; done
for m in virtio_pci virtio_rng 9pnet_virtio 9p; do
	modprobe -d "$KROOT" -S "$KVER" --show-depends "$m" | awk '/^insmod/{print $2}'
done | awk '!seen[$0]++' | while read -r ko; do
	cp "$ko" "$I/lib/modules/$KVER/"
	echo "$(basename "$ko")" >>"$I/modules.order"
done
cat >"$I/init" <<'INIT'
#!/bin/sh
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for ko in $(cat /modules.order); do insmod /lib/modules/*/"$ko" 2>/dev/null; done
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,cache=mmap root /newroot || {
	echo "initramfs: cannot mount the 9p root"; sleep 2; echo o >/proc/sysrq-trigger; }
umount /proc /sys; mount --move /dev /newroot/dev 2>/dev/null || umount /dev
exec switch_root /newroot /lib/systemd/systemd
INIT
chmod +x "$I/init"
(cd "$I" && find . | cpio -o -H newc --quiet | gzip -1) >"$CACHE/systemd-initrd.img"
echo "$stamp" >"$CACHE/systemd-root.stamp"
log "done: $R ($(du -sh "$R" | cut -f1)), $CACHE/systemd-initrd.img"
