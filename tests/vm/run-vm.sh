#!/bin/bash
# run-vm.sh - boot the test VM (QEMU TCG, no network device) and run one script.
#
#   run-vm.sh [-t SECS] [-m MB] [-c CPUS] [-s DIR] [-l LOG] [-g] SCRIPT [ARGS...]
#
#   -t SECS  hard timeout for the whole VM run (default 300)
#   -m MB    guest memory (default 1024)
#   -c CPUS  guest vCPUs (default 2; TCG multi-threaded)
#   -s DIR   share DIR read-write with the guest at /share (virtio-9p)
#   -l LOG   also write the full serial console log to LOG
#   -g       add a virtio-gpu-pci device (second real KMS driver besides vkms)
#   -H       share the host's /usr and /etc read-only; in the guest, "hostrun
#            CMD..." runs CMD chrooted into that host userland (ffmpeg,
#            dbus-daemon, your daemon build under a -s share, ...)
#
# SCRIPT (+ ARGS) is packed into a small cpio that is appended to the base
# initramfs from build-image.sh; /init runs it as /payload/run/guest.sh.
# Guest output is streamed to stdout. Exit status: the script's exit status,
# 124 on timeout, 125 if the guest died without reporting one.
set -euo pipefail

CACHE=${VM_CACHE:-/var/cache/miracast-vm}
TIMEOUT=300 MEM=1024 CPUS=2 SHARE= LOG= GPU= HOSTFS=
while getopts "t:m:c:s:l:gH" o; do
	case $o in
		t) TIMEOUT=$OPTARG ;; m) MEM=$OPTARG ;; c) CPUS=$OPTARG ;;
		s) SHARE=$(cd "$OPTARG" && pwd) ;; l) LOG=$OPTARG ;; g) GPU=1 ;; H) HOSTFS=1 ;;
		*) sed -n '2,19p' "$0" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { sed -n '2,19p' "$0" >&2; exit 2; }
SCRIPT=$1; shift
[ -f "$CACHE/vmlinuz" ] && [ -f "$CACHE/initramfs.img" ] || { echo "run build-image.sh first" >&2; exit 2; }

W=$(mktemp -d /tmp/run-vm.XXXXXX)
trap 'rm -rf "$W"' EXIT
# per-run overlay: /payload/run/{guest.sh,args}
mkdir -p "$W/root/payload/run"
cp "$SCRIPT" "$W/root/payload/run/guest.sh"; chmod +x "$W/root/payload/run/guest.sh"
# scenario helpers sit beside the scripts
for l in "$(dirname "$SCRIPT")"/guest-*.sh; do [ -f "$l" ] && cp "$l" "$W/root/payload/run/"; done
echo "$*" >"$W/root/payload/run/args"
(cd "$W/root" && find . | cpio -o -H newc --quiet) >"$W/overlay.cpio"
# the kernel accepts concatenated archives; each must start 4-byte aligned
pad=$(( (4 - $(stat -c %s "$CACHE/initramfs.img") % 4) % 4 ))
{ cat "$CACHE/initramfs.img"; head -c "$pad" /dev/zero; cat "$W/overlay.cpio"; } >"$W/initrd.img"

APPEND="console=ttyS0 loglevel=4 panic=-1 edd=off rdinit=/init"
QEMU=(qemu-system-x86_64 -machine pc -accel tcg,thread=multi -cpu max -smp "$CPUS" -m "$MEM"
      -nographic -no-reboot -nic none -device virtio-rng-pci
      -kernel "$CACHE/vmlinuz" -initrd "$W/initrd.img")
if [ -n "$SHARE" ]; then
	QEMU+=(-virtfs "local,path=$SHARE,mount_tag=share,security_model=none,id=share")
	APPEND+=" mvm.share"
fi
[ -n "$GPU" ] && QEMU+=(-device virtio-gpu-pci)
if [ -n "$HOSTFS" ]; then
	QEMU+=(-virtfs "local,path=/usr,mount_tag=hostusr,security_model=none,readonly=on,id=hostusr"
	       -virtfs "local,path=/etc,mount_tag=hostetc,security_model=none,readonly=on,id=hostetc")
	APPEND+=" mvm.hostfs"
fi
QEMU+=(-append "$APPEND")

T0=$(date +%s.%N)
set +e
# stream the console unbuffered, minus CRs and SeaBIOS/terminal escape codes
timeout -k 10 "$TIMEOUT" "${QEMU[@]}" </dev/null 2>&1 |
	sed -u -e 's/\r//g' -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\x1bc//g' | tee "$W/console.log"
qrc=${PIPESTATUS[0]}
set -e
T1=$(date +%s.%N)
[ -n "$LOG" ] && cp "$W/console.log" "$LOG"

rc=$(sed -n 's/.*@@GUEST-EXIT=\([0-9]*\).*/\1/p' "$W/console.log" | tail -1)
if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then rc=124; echo "run-vm: TIMEOUT after ${TIMEOUT}s" >&2
elif [ -z "$rc" ]; then rc=125; echo "run-vm: guest gave no exit code (qemu rc=$qrc)" >&2; fi
echo "run-vm: exit=$rc wall=$(awk "BEGIN{printf \"%.1f\", $T1-$T0}")s" >&2
exit "$rc"
