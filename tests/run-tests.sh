#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Run every test program and script and add up their "N passed, N failed"
# lines into one closing line. Usage: run-tests.sh BUILD_DIR [FILTER]
#   - BUILD_DIR/tests/test-*       unit/integration binaries (tests/lib/test.h)
#   - BUILD_DIR/tests/fuzz-replay-* fuzz targets replaying their seed corpus
#   - tests/integration/*.sh       scripts using tests/lib/test-lib.sh
# A program that dies without its closing line counts as one failure.
set -u
build=${1:?build dir}
filter=${2:-}
export MIRACAST_SRCDIR=${MIRACAST_SRCDIR:-$(pwd)}
export MIRACAST_BUILD=$(cd "$build" && pwd)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
logdir="$build/test-logs"
mkdir -p "$logdir"

total_pass=0
total_fail=0
total_skip=0
failed_names=()

run_one() {
        local name=$1; shift
        local log="$logdir/$name.log"
        local start=$SECONDS
        # A hung test is a failure, not a stuck run: TEST_TIMEOUT seconds each (default 600).
        timeout -k 10 "${TEST_TIMEOUT:-600}" "$@" >"$log" 2>&1
        local rc=$?
        [ "$rc" = 124 ] && echo "  $name did not finish within ${TEST_TIMEOUT:-600} s (TEST_TIMEOUT)" >>"$log"
        local line
        line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n1)
        local p=0 f=0 s=0
        if [ -n "$line" ]; then
                p=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')
                f=$(echo "$line" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')
                s=$(echo "$line" | sed -nE 's/.*, ([0-9]+) skipped.*/\1/p')
                s=${s:-0}
        fi
        if [ -z "$line" ] || { [ "$rc" != 0 ] && [ "$f" = 0 ]; }; then
                f=$((f + 1))
                echo "  $name exited with status $rc without a clean summary" >>"$log"
        fi
        total_pass=$((total_pass + p))
        total_fail=$((total_fail + f))
        total_skip=$((total_skip + s))
        printf '%-40s %4d passed, %d failed%s (%ds)\n' "$name" "$p" "$f" \
                "$([ "$s" != 0 ] && echo ", $s skipped")" $((SECONDS - start))
        if [ "$f" != 0 ]; then
                failed_names+=("$name")
                grep -E '^(FAIL|  )' "$log" | head -n 40 | sed 's/^/    /'
                echo "    (full log: $log)"
        fi
        grep -E '^skip|skipped:' "$log" | sed 's/^/    /' | head -n 10
}

for t in "$build"/tests/test-*; do
        [ -x "$t" ] || continue
        name=$(basename "$t")
        [ -n "$filter" ] && [[ "$name" != *$filter* ]] && continue
        run_one "$name" "$t"
done

for t in "$build"/tests/fuzz-replay-*; do
        [ -x "$t" ] || continue
        name=$(basename "$t")
        [ -n "$filter" ] && [[ "$name" != *$filter* ]] && continue
        target=${name#fuzz-replay-}
        run_one "$name" "$t" tests/fuzz/corpus/"$target"
done

for t in tests/integration/*.sh; do
        [ -f "$t" ] || continue
        name=$(basename "$t" .sh)
        [ -n "$filter" ] && [[ "$name" != *$filter* ]] && continue
        run_one "$name" bash "$t"
done

echo
if [ ${#failed_names[@]} != 0 ]; then
        echo "failed: ${failed_names[*]}"
fi
if [ "$total_skip" != 0 ]; then
        echo "$total_pass passed, $total_fail failed, $total_skip skipped"
else
        echo "$total_pass passed, $total_fail failed"
fi
[ "$total_fail" = 0 ]
