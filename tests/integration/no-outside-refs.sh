#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The repository stands on its own: no tracked file may read or cite a path
# outside it (a sibling "shared" checkout of reference notes, test data or
# VM notes that a fresh clone does not have), nor cite design notes by the
# names they had there. Test data lives in tests/data/, documentation in
# docs/ and man/. Each pattern is split in two strings so this file does not
# match itself.
. "${MIRACAST_SRCDIR:-.}/tests/lib/test-lib.sh"

src=${MIRACAST_SRCDIR:-.}

patterns=(
        '\.\.''/shared'
        '/work''/shared'
        'shared''/(docs|data|vm)/'
        'MIRACAST''_SHARED'
        '(wfd-protocol|p2p-and-dbus|uibc-and-mice|desktop-integration)''\.md'
)

# search PATTERN: print file:line:text of every tracked file matching PATTERN
search() {
        if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
                git -C "$src" grep -nIE -e "$1" -- . || true
        else
                # a release tarball: every file except build output
                (cd "$src" && grep -rnIE --exclude-dir=build --exclude-dir=.git -e "$1" . || true)
        fi
}

# The search itself must work, or every check below would pass vacuously.
if [ -n "$(search 'SPDX-License-Identifier')" ]; then
        pass "the search finds text in tracked files"
else
        fail "the search finds text in tracked files" "nothing found under $src"
fi

for p in "${patterns[@]}"; do
        hits=$(search "$p")
        if [ -z "$hits" ]; then
                pass "no tracked file matches /$p/"
        else
                fail "no tracked file matches /$p/" "$(printf '\n%s' "$hits" | head -n 20)"
        fi
done

finish
