#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The man pages are the one description of the options and commands, so they
# must match the programs in both directions, as the programs themselves say:
#   - every option `miracastd --help` prints is in miracastd(8)'s OPTIONS, and
#     every option listed there is in --help;
#   - the same for miracastctl(1)'s OPTIONS, and for its COMMANDS against the
#     command list of `miracastctl --help`.
# (The configuration keys of miracastd.conf(5) are checked against the real
# parser by tests/unit/test-config-man.c.)
# Also: every "docs/NAME.md, "Section"" a tracked file cites is a heading there.
. "${MIRACAST_SRCDIR:-.}/tests/lib/test-lib.sh"

src=${MIRACAST_SRCDIR:-.}
tmp=$(mktemp -d /tmp/miracast-docs-consistency.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# man_section PAGE NAME: the text of section NAME (.SH NAME up to the next .SH), "\-" read as "-"
man_section() {
        awk -v want="$2" '/^\.SH /{ on = ($0 == ".SH " want); next } on' "$1" | sed 's/\\-/-/g'
}

# long and short option names in text: --name and -x
options_in() {
        grep -oE -- '(^|[^a-zA-Z0-9-])--?[a-zA-Z][a-zA-Z0-9-]*' | sed -E 's/^[^-]*//' |
                grep -E -- '^(--[a-z][a-z0-9-]+|-[a-zA-Z])$' | sort -u
}

# compare NAME A B: the two sorted lists are equal; say what is missing on each side
compare() {
        local name=$1 a=$2 b=$3 only_a only_b
        only_a=$(comm -23 "$a" "$b" | tr '\n' ' ')
        only_b=$(comm -13 "$a" "$b" | tr '\n' ' ')
        if [ ! -s "$a" ] || [ ! -s "$b" ]; then
                fail "$name" "an empty list: the extraction is broken"
        elif [ -n "$only_a$only_b" ]; then
                fail "$name" "only in --help: ${only_a:-none}; only in the man page: ${only_b:-none}"
        else
                pass "$name ($(wc -l <"$a") entries)"
        fi
}

# ---- miracastd ------------------------------------------------------------------------------
if "$MIRACAST_BUILD/miracastd" --help >"$tmp/d-help" 2>&1; then
        options_in <"$tmp/d-help" >"$tmp/d-help-opts"
        man_section "$src/man/miracastd.8" OPTIONS | options_in >"$tmp/d-man-opts"
        compare "miracastd --help options = miracastd(8) OPTIONS" "$tmp/d-help-opts" "$tmp/d-man-opts"
else
        fail "miracastd --help runs" "$(cat "$tmp/d-help")"
fi

# ---- miracastctl ----------------------------------------------------------------------------
if "$MIRACAST_BUILD/miracastctl" --help >"$tmp/c-help" 2>&1; then
        options_in <"$tmp/c-help" >"$tmp/c-help-opts"
        man_section "$src/man/miracastctl.1" OPTIONS | options_in >"$tmp/c-man-opts"
        compare "miracastctl --help options = miracastctl(1) OPTIONS" "$tmp/c-help-opts" "$tmp/c-man-opts"

        # commands: the first word of each line of the "Commands:" block; "a|b|c" is three
        awk '/^Commands:/{ on = 1; next } on && /^$/ { on = 0 } on && /^  [a-z]/ { print $1 }' "$tmp/c-help" |
                tr '|' '\n' | sort -u >"$tmp/c-help-cmds"
        # in COMMANDS, the tag line after each .TP: ".BR pause " | " resume ..." is three
        man_section "$src/man/miracastctl.1" COMMANDS |
                awk 'prev == ".TP" { sub(/^\.B[IR]? /, ""); gsub(/"/, ""); sub(/[[\\].*/, "");
                                     n = split($0, w, "|"); for (i = 1; i <= n; i++) { split(w[i], x, " "); print x[1] } }
                     { prev = $0 }' | sort -u >"$tmp/c-man-cmds"
        compare "miracastctl --help commands = miracastctl(1) COMMANDS" "$tmp/c-help-cmds" "$tmp/c-man-cmds"
else
        fail "miracastctl --help runs" "$(cat "$tmp/c-help")"
fi

# ---- miracastd-user ------------------------------------------------------------------------
if "$MIRACAST_BUILD/miracastd-user" --help >"$tmp/u-help" 2>&1; then
        options_in <"$tmp/u-help" >"$tmp/u-help-opts"
        man_section "$src/man/miracastd-user.1" OPTIONS | options_in >"$tmp/u-man-opts"
        compare "miracastd-user --help options = miracastd-user(1) OPTIONS" "$tmp/u-help-opts" "$tmp/u-man-opts"
else
        fail "miracastd-user --help runs" "$(cat "$tmp/u-help")"
fi
# ---- citations of docs/ sections ------------------------------------------------------------
cites=0
missing=
while IFS= read -r cite; do
        file=$(grep -oE 'docs/[a-z0-9-]+\.md' <<<"$cite")
        section=$(sed -E 's/.*"([^"]+)"$/\1/' <<<"$cite")
        cites=$((cites + 1))
        grep -qxE "#+ $section" "$src/$file" 2>/dev/null || missing="$missing [$cite]"
done < <(git -C "$src" grep -ohE 'docs/[a-z0-9-]+\.md,? \(?"[^"]+"' -- . ':!tests/integration/docs-consistency.sh' | sort -u)
if [ "$cites" = 0 ]; then
        fail "docs/ sections cited in comments exist" "no citation found: the search is broken"
elif [ -n "$missing" ]; then
        fail "docs/ sections cited in comments exist" "no such heading:$missing"
else
        pass "docs/ sections cited in comments exist ($cites citations)"
fi

finish
