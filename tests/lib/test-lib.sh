# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers for shell integration tests. Source it, call check/pass/fail, end with finish.
# $MIRACAST_BUILD points at the build directory (set by tests/run-tests.sh).
: "${MIRACAST_BUILD:=$(pwd)/build}"
_tl_pass=0
_tl_fail=0

pass() { echo "ok   $1"; _tl_pass=$((_tl_pass + 1)); }
fail() { echo "FAIL $1${2:+: $2}"; _tl_fail=$((_tl_fail + 1)); }

# check NAME COMMAND...: passes when COMMAND exits 0
check() {
        local name=$1; shift
        if "$@"; then pass "$name"; else fail "$name" "command failed: $*"; fi
}

finish() {
        echo "$_tl_pass passed, $_tl_fail failed"
        [ "$_tl_fail" = 0 ]
        exit $?
}
