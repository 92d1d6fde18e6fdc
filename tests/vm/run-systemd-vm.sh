#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# run-systemd-vm.sh - boot Debian 12 with systemd as PID 1 in the test VM
# (QEMU TCG), install our Debian packages in it and run one guest script as a
# system service. Used by run-e2e.sh for scenarios marked "e2e-runner: systemd".
#
#   run-systemd-vm.sh [-t SECS] [-m MB] BUILD SCRIPT [ARGS...]
#
# BUILD is the build directory whose miracast-test-sink (and tests/pw-test-tone,
# when built) go into the guest.
# The packages are built from the working tree by tools/build-deb.sh (a
# scratch copy; nothing is written next to the repository). In the guest,
# /e2e holds the .debs, the test sink, the script (as guest.sh) and its
# helpers; the script's output goes to the serial console, and its exit code
# comes back as @@GUEST-EXIT=N@@ as with run-vm.sh.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
CACHE=${VM_CACHE:-/var/cache/miracast-vm}
TIMEOUT=600 MEM=1536
while getopts "t:m:" o; do
	case $o in t) TIMEOUT=$OPTARG ;; m) MEM=$OPTARG ;; *) sed -n '2,16p' "$0" >&2; exit 2 ;; esac
done
shift $((OPTIND - 1))
[ $# -ge 2 ] || { sed -n '2,16p' "$0" >&2; exit 2; }
BUILD=$(cd "$1" && pwd); SCRIPT=$2; shift 2

bash "$HERE/build-systemd-root.sh"

W=$(mktemp -d /tmp/run-systemd-vm.XXXXXX)
trap 'rm -rf "$W"' EXIT

# ---- the packages, from the working tree --------------------------------------
echo "run-systemd-vm: building the Debian packages" >&2
bash "$ROOT/tools/build-deb.sh" "$W/debs" >"$BUILD/deb-build.out" 2>&1 || { cat "$BUILD/deb-build.out"; exit 1; }
grep '^build-deb: lintian' "$BUILD/deb-build.out" >&2

# ---- a scratch copy of the root file system --------------------------------------
cp -a "$CACHE/systemd-root" "$W/root"
mkdir -p "$W/root/e2e/debs"
cp "$W"/debs/*.deb "$W/root/e2e/debs/"
# The guest has no network: every package our .debs depend on must be in the root file
# system already. Say which one is missing here rather than as a dpkg error in the guest.
missing=$(for d in "$W"/debs/miracastd_*.deb "$W"/debs/miracastctl_*.deb; do dpkg-deb -f "$d" Depends; done |
	tr ',' '\n' | sed -e 's/([^)]*)//g' -e 's/|.*//' -e 's/ //g' | sort -u |
	while read -r p; do
		[ -n "$p" ] || continue
		chroot "$W/root" dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q ' installed' || echo "$p"
	done)
if [ -n "$missing" ]; then
	echo "run-systemd-vm: the root file system lacks $(echo $missing); add it to build-systemd-root.sh" >&2
	exit 1
fi
rm -f "$W/root/e2e/debs/"*-dbgsym_*.deb
cp "$BUILD/miracast-test-sink" "$W/root/e2e/"
# KMS casts (through the KMS helper): vkms and the modules it needs from the kernel's tree, and
# the pattern program run-e2e.sh builds; the scenario loads them itself.
KVER=$(sed -n 's/^KVER=//p' "$CACHE/image.env" 2>/dev/null)
if [ -n "$KVER" ] && [ -d "$CACHE/kroot-$KVER" ]; then
	mkdir -p "$W/root/e2e/vkms"
	modprobe -d "$CACHE/kroot-$KVER" -S "$KVER" --show-depends vkms 2>/dev/null | awk '/^insmod/{print $2}' |
		while read -r ko; do cp "$ko" "$W/root/e2e/vkms/"; basename "$ko" >>"$W/root/e2e/vkms/order"; done
	# The root has no kmod: a static busybox loads them.
	[ -x /bin/busybox ] && cp /bin/busybox "$W/root/e2e/vkms/busybox"
fi
[ -x "$BUILD/vm/kms-pattern" ] && cp "$BUILD/vm/kms-pattern" "$W/root/e2e/"
# Another user's AttachAudio (busctl cannot pass an fd); run-e2e.sh builds it too.
[ ! -x "$BUILD/vm/attach-audio" ] || cp "$BUILD/vm/attach-audio" "$W/root/e2e/"
# The sound a user plays in her session (a PipeWire client; make tests builds it).
[ ! -x "$BUILD/tests/pw-test-tone" ] || cp "$BUILD/tests/pw-test-tone" "$W/root/e2e/"
cp "$SCRIPT" "$W/root/e2e/guest.sh"; chmod +x "$W/root/e2e/guest.sh"
for l in "$HERE"/guest-*.sh; do cp "$l" "$W/root/e2e/"; done
echo "$*" >"$W/root/e2e/args"
# The scenario runs once the system is up; its end powers the VM off.
cat >"$W/root/etc/systemd/system/miracast-e2e.service" <<'UNIT'
[Unit]
Description=miracastd end-to-end scenario
After=multi-user.target dbus.service systemd-logind.service
[Service]
Type=oneshot
WorkingDirectory=/e2e
StandardOutput=tty
StandardError=tty
TTYPath=/dev/ttyS0
ExecStart=/bin/sh -c 'echo "@@GUEST-START uptime=$(cut -d" " -f1 /proc/uptime)@@"; /e2e/guest.sh $(cat /e2e/args); echo "@@GUEST-EXIT=$? uptime=$(cut -d" " -f1 /proc/uptime)@@"'
ExecStopPost=/bin/systemctl poweroff --no-block
UNIT
ln -sf /etc/systemd/system/miracast-e2e.service "$W/root/etc/systemd/system/multi-user.target.wants/miracast-e2e.service"

APPEND="console=ttyS0 loglevel=4 panic=-1 edd=off rdinit=/init systemd.show_status=0"
QEMU=(qemu-system-x86_64 -machine pc -accel tcg,thread=multi -cpu max -smp 2 -m "$MEM"
      -nographic -no-reboot -nic none -device virtio-rng-pci
      -kernel "$CACHE/vmlinuz" -initrd "$CACHE/systemd-initrd.img"
      -virtfs "local,path=$W/root,mount_tag=root,security_model=passthrough,id=root"
      -append "$APPEND")
T0=$(date +%s.%N)
set +e
timeout -k 10 "$TIMEOUT" "${QEMU[@]}" </dev/null 2>&1 |
	sed -u -e 's/\r//g' -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\x1bc//g' | tee "$W/console.log"
qrc=${PIPESTATUS[0]}
set -e
T1=$(date +%s.%N)
rc=$(sed -n 's/.*@@GUEST-EXIT=\([0-9]*\).*/\1/p' "$W/console.log" | tail -1)
if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then rc=124; echo "run-systemd-vm: TIMEOUT after ${TIMEOUT}s" >&2
elif [ -z "$rc" ]; then rc=125; echo "run-systemd-vm: guest gave no exit code (qemu rc=$qrc)" >&2; fi
echo "run-systemd-vm: exit=$rc wall=$(awk "BEGIN{printf \"%.1f\", $T1-$T0}")s" >&2
exit "$rc"
