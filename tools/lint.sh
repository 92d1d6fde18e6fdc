#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# make lint: static analysis, all of it must be clean.
#   cppcheck     protocol/ encoder/ daemon/ dbus/  (tools/lint/cppcheck.supp says why each suppression)
#   gcc -fanalyzer  protocol/ daemon/ encoder/ dbus/ (LINT_ANALYZER_DIRS narrows it); the judged
#                false positives in tools/lint/analyzer.supp (file, function, warning) are dropped
#   clang-tidy   protocol/ daemon/ encoder/ dbus/ with the committed .clang-tidy (LINT_TIDY_DIRS)
# Usage: tools/lint.sh [TOOL...]   (TOOL = cppcheck, analyzer, clang-tidy; default all)
# Prints one "lint TOOL: clean|N findings" line per tool and exits non-zero on any finding.
set -u
cd "$(dirname "$0")/.."

: "${CC:=gcc}"
: "${LINT_ANALYZER_DIRS:=protocol daemon encoder dbus}"
: "${LINT_TIDY_DIRS:=protocol daemon encoder dbus}"
PKGS="libsystemd libavcodec libavformat libavutil libswscale libdrm libva x264"
CFLAGS_COMMON="-std=gnu11 -D_GNU_SOURCE"
tools=("$@")
[ ${#tools[@]} = 0 ] && tools=(cppcheck analyzer clang-tidy)
status=0
out=$(mktemp -d /tmp/miracast-lint.XXXXXX)
trap 'rm -rf "$out"' EXIT

report() {
        local tool=$1 log=$2 rc=$3 n
        n=$(grep -cE '(warning|error):' "$log")
        if [ "$rc" = 0 ] && [ "$n" = 0 ]; then
                echo "lint $tool: clean"
        else
                cat "$log"
                echo "lint $tool: $n findings (exit $rc)"
                status=1
        fi
}

# Drop the findings listed in the suppression file SUPP (FILE FUNCTION OPTION per line):
# a finding is its "FILE:LINE:COL: warning: ... [-Wanalyzer-X]" line plus the path lines
# after it; FUNCTION comes from gcc's "FILE: In function 'F':" line before it. Prints
# one "SUPPRESSED ..." line per dropped finding.
analyzer_filter() {
        awk -v supp="$1" '
                BEGIN {
                        while ((getline line < supp) > 0) {
                                if (line ~ /^[ \t]*(#|$)/) continue
                                split(line, f, /[ \t]+/)
                                want[f[1] " " f[2] " " f[3]] = 1
                        }
                }
                /: In function / {
                        func_name = $0
                        sub(/.*: In function /, "", func_name)
                        sub(/^[^A-Za-z0-9_]+/, "", func_name)
                        sub(/[^A-Za-z0-9_].*/, "", func_name)
                        drop = 0
                        next
                }
                /^[^ ]+:[0-9]+:[0-9]+: (warning|error): / {
                        file = $0; sub(/:.*/, "", file)
                        opt = $0; sub(/.*\[-W/, "-W", opt); sub(/\].*/, "", opt)
                        drop = (file " " func_name " " opt) in want
                        if (drop) print "SUPPRESSED " file " " func_name " " opt
                }
                !drop { print }
        '
}

flags_for() {
        case $1 in
        protocol) ;;    # libc only, as in the build
        *) pkg-config --cflags $PKGS ;;
        esac
}

for tool in "${tools[@]}"; do
        case $tool in
        cppcheck)
                cppcheck --quiet -j2 --error-exitcode=1 --enable=warning,portability,performance \
                        --std=c11 -D_GNU_SOURCE --inline-suppr \
                        --suppressions-list=tools/lint/cppcheck.supp \
                        protocol encoder daemon dbus >"$out/cppcheck.log" 2>&1
                report cppcheck "$out/cppcheck.log" $?
                ;;
        analyzer)
                rc=0
                : >"$out/analyzer.log"
                for d in $LINT_ANALYZER_DIRS; do
                        for f in "$d"/*.c; do
                                # shellcheck disable=SC2046
                                $CC $CFLAGS_COMMON $(flags_for "$d") -fanalyzer -Wall -Wextra \
                                        -Wno-unused-parameter -Wno-missing-field-initializers \
                                        -c "$f" -o /dev/null >>"$out/analyzer.log" 2>&1 || rc=1
                        done
                done
                analyzer_filter tools/lint/analyzer.supp <"$out/analyzer.log" >"$out/analyzer.all"
                grep -v '^SUPPRESSED' "$out/analyzer.all" >"$out/analyzer.kept"
                n=$(grep -c '^SUPPRESSED' "$out/analyzer.all")
                report "gcc -fanalyzer ($LINT_ANALYZER_DIRS; $n judged false positives dropped, tools/lint/analyzer.supp)" \
                        "$out/analyzer.kept" $rc
                # Which entries matched, and which match nothing any more (delete those).
                sed -n 's/^SUPPRESSED /  dropped: /p' "$out/analyzer.all" | sort | uniq -c
                grep -vE '^[[:space:]]*(#|$)' tools/lint/analyzer.supp | while read -r f fn opt; do
                        case " $LINT_ANALYZER_DIRS " in *" ${f%%/*} "*) ;; *) continue ;; esac
                        grep -qxF "SUPPRESSED $f $fn $opt" "$out/analyzer.all" ||
                                echo "  stale entry in tools/lint/analyzer.supp (no such finding now): $f $fn $opt"
                done
                ;;
        clang-tidy)
                rc=0
                : >"$out/tidy.log"
                for d in $LINT_TIDY_DIRS; do
                        # shellcheck disable=SC2046
                        clang-tidy --quiet "$d"/*.c -- $CFLAGS_COMMON $(flags_for "$d") \
                                >>"$out/tidy.log" 2>&1 || rc=1
                done
                # clang-tidy prints "N warnings generated." even when all are filtered out.
                sed -i '/^[0-9]* warnings\? generated\.$/d' "$out/tidy.log"
                report "clang-tidy ($LINT_TIDY_DIRS)" "$out/tidy.log" $rc
                ;;
        *)
                echo "lint: unknown tool $tool (cppcheck, analyzer, clang-tidy)" >&2
                exit 2
                ;;
        esac
done
exit $status
