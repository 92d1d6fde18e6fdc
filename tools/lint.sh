#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# make lint: static analysis, all of it must be clean.
#   cppcheck     protocol/ encoder/ daemon/ dbus/  (tools/lint/cppcheck.supp says why each suppression)
#   gcc -fanalyzer  protocol/ (LINT_ANALYZER_DIRS widens it)
#   clang-tidy   protocol/ with the committed .clang-tidy (LINT_TIDY_DIRS widens it)
# Usage: tools/lint.sh [TOOL...]   (TOOL = cppcheck, analyzer, clang-tidy; default all)
# Prints one "lint TOOL: clean|N findings" line per tool and exits non-zero on any finding.
set -u
cd "$(dirname "$0")/.."

: "${CC:=gcc}"
: "${LINT_ANALYZER_DIRS:=protocol}"
: "${LINT_TIDY_DIRS:=protocol}"
PKGS="libsystemd libavcodec libavformat libavutil libswscale libdrm libva"
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
                report "gcc -fanalyzer ($LINT_ANALYZER_DIRS)" "$out/analyzer.log" $rc
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
