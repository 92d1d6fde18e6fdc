#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Run every libFuzzer target in DIR, starting from the seed corpus in
# tests/fuzz/corpus/<target>/, and print one FUZZ line per target with its
# executions and coverage. Exits non-zero on any finding.
#
#   run-fuzz.sh DIR [SECONDS]       each target for SECONDS (default 60)
#
# Environment:
#   FUZZ_RUNS=N      run each target for N executions instead of a time
#                    (the release goal is 10000000; see docs/testing.md)
#   FUZZ_TARGETS="a b"  only these targets (names without fuzz-)
#   FUZZ_MERGE=1     afterwards merge what the run found into
#                    tests/fuzz/corpus/<target>/ with libFuzzer's -merge=1,
#                    which keeps only inputs that add coverage, so the
#                    repository's corpus grows but stays minimal
#   FUZZ_JOBS        unused; targets run one after another (2-core machines)
set -u
dir=${1:?fuzz build dir}
secs=${2:-60}
runs=${FUZZ_RUNS:-}
status=0
mkdir -p "$dir/artifacts"
for f in "$dir"/fuzz-*; do
        [ -x "$f" ] || continue
        name=$(basename "$f"); target=${name#fuzz-}
        if [ -n "${FUZZ_TARGETS:-}" ] && ! [[ " $FUZZ_TARGETS " == *" $target "* ]]; then
                continue
        fi
        work="$dir/work-$target"
        mkdir -p "$work"
        seeds=tests/fuzz/corpus/$target
        [ -d "$seeds" ] || seeds=
        log="$dir/$name.log"
        if [ -n "$runs" ]; then
                limit=(-runs="$runs")
        else
                limit=(-max_total_time="$secs")
        fi
        start=$(date +%s)
        "$f" "${limit[@]}" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
                -artifact_prefix="$dir/artifacts/$target-" "$work" $seeds >"$log" 2>&1
        rc=$?
        took=$(( $(date +%s) - start ))
        execs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}')
        cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -n1 | awk '{print $2}')
        ft=$(grep -oE 'ft: [0-9]+' "$log" | tail -n1 | awk '{print $2}')
        added=
        if [ "${FUZZ_MERGE:-0}" = 1 ] && [ "$rc" = 0 ]; then
                mkdir -p "tests/fuzz/corpus/$target"
                before=$(find "tests/fuzz/corpus/$target" -type f | wc -l)
                "$f" -merge=1 "tests/fuzz/corpus/$target" "$work" >"$dir/$name.merge.log" 2>&1 || status=1
                after=$(find "tests/fuzz/corpus/$target" -type f | wc -l)
                added=" corpus_added=$((after - before)) corpus=$after"
        fi
        printf 'FUZZ target=%s seconds=%s execs=%s cov=%s ft=%s rc=%s%s\n' \
                "$target" "$took" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$rc" "$added"
        if [ "$rc" != 0 ]; then
                status=1
                tail -n 40 "$log"
        fi
done
exit $status
