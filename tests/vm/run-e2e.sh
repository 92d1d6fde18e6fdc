#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# make e2e: build the VM image (cached in $VM_CACHE), then boot one VM per
# scenario (tests/vm/scenario-*.sh) with the repository shared read-write at
# /share and the host userland at /host (run-vm.sh -H), so the guest runs our
# build/ binaries and the host's FFmpeg/dbus/wpa_supplicant for real on vkms
# and mac80211_hwsim. Each scenario ends with "N passed, N failed"; this
# script adds them up into one closing line. Usage: run-e2e.sh BUILD [FILTER]
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(cd "${1:-build}" && pwd)
filter=${2:-${E2E:-}}
: "${E2E_TIMEOUT:=420}"

echo "== building the VM image (cache ${VM_CACHE:-/var/cache/miracast-vm})"
if ! bash "$here/build-image.sh" >"$build/vm-image.log" 2>&1; then
        tail -n 30 "$build/vm-image.log"
        echo "0 passed, 1 failed"
        exit 1
fi
mkdir -p "$build/vm" "$build/e2e-out"
gcc -O2 -Wall -Wextra -Werror -o "$build/vm/kms-pattern" "$here/kms-pattern.c" \
        $(pkg-config --cflags --libs libdrm libavcodec libswscale libavutil) -lm || exit 1
gcc -O2 -Wall -Wextra -Werror -o "$build/vm/evdev-read" "$here/evdev-read.c" || exit 1
gcc -O2 -Wall -Wextra -Werror -o "$build/vm/attach-audio" "$here/attach-audio.c" \
        $(pkg-config --cflags --libs libsystemd) || exit 1
gcc -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -o "$build/vm/gpu-readback" "$here/gpu-readback.c" "$root/encoder/kms_gpu.c" \
        $(pkg-config --cflags --libs libdrm) || exit 1

total_pass=0 total_fail=0 failed=() retried=()
for s in "$here"/scenario-*.sh; do
        name=$(basename "$s" .sh); name=${name#scenario-}
        [ -n "$filter" ] && [[ "$name" != *$filter* ]] && continue
        log="$build/e2e-out/$name.log"
        echo "== scenario $name"
        start=$SECONDS
        # Radio timing under TCG emulation is not deterministic (a P2P group
        # can time out while the emulated CPU is busy encoding): a failed
        # scenario runs once more, and the retry is reported, not hidden.
        for attempt in 1 2; do
                # The guest sees the repo at /share; scenario args: build dir relative to the repo.
                if grep -q '^# e2e-runner: systemd' "$s"; then
                        # Debian with systemd as PID 1, our packages installed in it, and a user session
                        # with a second cast: it needs more than the other scenarios.
                        bash "$here/run-systemd-vm.sh" -t $((E2E_TIMEOUT > 1200 ? E2E_TIMEOUT : 1200)) "$build" "$s" >"$log" 2>&1
                else
                        bash "$here/run-vm.sh" -H -s "$root" -t "$E2E_TIMEOUT" "$s" "${build#$root/}" >"$log" 2>&1
                fi
                rc=$?
                line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n1)
                p=$(echo "$line" | sed -nE 's/^([0-9]+) passed.*/\1/p'); p=${p:-0}
                f=$(echo "$line" | sed -nE 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/p'); f=${f:-0}
                if [ -z "$line" ] || { [ "$rc" != 0 ] && [ "$f" = 0 ]; }; then f=$((f + 1)); fi
                [ "$f" = 0 ] && break
                if [ $attempt = 1 ]; then
                        cp "$log" "$log.attempt1"
                        echo "    RETRY: first run failed ($f failed, vm exit $rc); its log: $log.attempt1"
                        grep -E '^FAIL ' "$log" | sed 's/^/      /'
                        retried+=("$name")
                fi
        done
        grep -E '^(ok|FAIL|TIME|PATTERN|INFO) ' "$log" | sed 's/^/    /'
        printf '%-28s %3d passed, %d failed (%ds, vm exit %s)\n' "$name" "$p" "$f" $((SECONDS - start)) "$rc"
        if [ "$f" != 0 ]; then
                failed+=("$name")
                echo "    --- last lines of $log"
                tail -n 40 "$log" | sed 's/^/    /'
        fi
        total_pass=$((total_pass + p)); total_fail=$((total_fail + f))
done
echo
[ ${#retried[@]} != 0 ] && echo "scenarios that needed a second run: ${retried[*]}"
[ ${#failed[@]} != 0 ] && echo "failed scenarios: ${failed[*]}"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" = 0 ]
