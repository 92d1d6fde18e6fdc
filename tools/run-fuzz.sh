#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Run every libFuzzer target in DIR for SECONDS each, starting from the seed
# corpus in tests/fuzz/corpus/<target>/ (read-only; new inputs go to
# DIR/work-<target>). Prints exec counts; exits non-zero on any finding.
set -u
dir=${1:?fuzz build dir}
secs=${2:-60}
status=0
mkdir -p "$dir/artifacts"
for f in "$dir"/fuzz-*; do
        [ -x "$f" ] || continue
        name=$(basename "$f"); target=${name#fuzz-}
        work="$dir/work-$target"
        mkdir -p "$work"
        seeds=tests/fuzz/corpus/$target
        [ -d "$seeds" ] || seeds=
        log="$dir/$name.log"
        "$f" -max_total_time="$secs" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
                -artifact_prefix="$dir/artifacts/$target-" "$work" $seeds >"$log" 2>&1
        rc=$?
        execs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}')
        cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -n1 | awk '{print $2}')
        printf 'FUZZ target=%s seconds=%s execs=%s cov=%s rc=%s\n' "$target" "$secs" "${execs:-?}" "${cov:-?}" "$rc"
        if [ "$rc" != 0 ]; then
                status=1
                tail -n 40 "$log"
        fi
done
exit $status
