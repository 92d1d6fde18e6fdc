# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by scenario-*.sh INSIDE the VM (dash). The repository is at /share
# (host view /host/share through hostrun); $1 of the scenario is the build
# directory relative to the repository.
P=0 F=0
pass() { echo "ok   $*"; P=$((P + 1)); }
fail() { echo "FAIL $*"; F=$((F + 1)); }
finish() { echo "$P passed, $F failed"; [ "$F" = 0 ]; exit $?; }
now() { cut -d' ' -f1 /proc/uptime; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.2f", b-a}'; }
# wait_for FILE REGEX SECS: poll a log for a line; prints it, 1 on timeout
wait_for() {
        _n=$(($3 * 10))
        while [ $_n -gt 0 ]; do
                _l=$(grep -E "$2" "$1" 2>/dev/null | tail -1)
                [ -n "$_l" ] && { echo "$_l"; return 0; }
                sleep 0.1; _n=$((_n - 1))
        done
        return 1
}
BUILD_REL=${1:-build}
B=/share/$BUILD_REL          # host view (hostrun): /share is bind-mounted into /host
OUT=/share/$BUILD_REL/e2e-out
mkdir -p "$OUT"
