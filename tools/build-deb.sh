#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build the Debian packages (debian/) from the working tree and check them
# with lintian. Usage: build-deb.sh OUTDIR
# The build runs in a scratch copy of the tracked and new files, so nothing is
# written beside the repository; the .debs land in OUTDIR, the build log in
# OUTDIR/deb-build.log, lintian's findings in OUTDIR/lintian.txt. Exit status
# non-zero when the build fails or lintian reports an error.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: build-deb.sh OUTDIR}
mkdir -p "$out"; out=$(cd "$out" && pwd)

need=""
for p in debhelper dpkg-dev lintian; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q ' installed' || need="$need $p"
done
if [ -n "$need" ]; then
        echo "build-deb: installing the packaging tools:$need"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $need >"$out/apt.log" 2>&1 ||
                { cat "$out/apt.log"; exit 1; }
fi

w=$(mktemp -d /tmp/miracastd-build-deb.XXXXXX)
trap 'rm -rf "$w"' EXIT
mkdir -p "$w/src"
(cd "$root" && git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$w/src")
if ! (cd "$w/src" && dpkg-buildpackage -us -uc -b -j"$(nproc)") >"$out/deb-build.log" 2>&1; then
        tail -n 30 "$out/deb-build.log"
        echo "build-deb: dpkg-buildpackage failed (log: $out/deb-build.log)"
        exit 1
fi
rm -f "$out"/*.deb
cp "$w"/*.deb "$out/"
# lintian refuses nothing as root, it only warns that it runs as root.
lintian --display-info "$w"/*.changes >"$out/lintian.txt" 2>/dev/null || true
errors=$(grep -c '^E:' "$out/lintian.txt" || true)
warnings=$(grep -c '^W:' "$out/lintian.txt" || true)
for d in "$out"/*.deb; do echo "build-deb: $d ($(du -k "$d" | cut -f1) KiB)"; done
echo "build-deb: lintian: $errors errors, $warnings warnings ($out/lintian.txt)"
sed 's/^/  /' "$out/lintian.txt"
[ "$errors" = 0 ]
