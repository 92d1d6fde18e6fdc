#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# xdg-desktop-portal-wlr that can cast without a GPU, for tests/desktop/sway-portal.sh.
# The Debian build (0.7.x) refuses to start a cast when the compositor offers no
# dma-buf format, which a pixman-rendered headless sway never does, although it
# offers shared memory; this builds the Debian source with that condition reduced
# to "no shared-memory format". Build dependencies come from tools/install-deps.sh;
# the source is fetched with apt's own lists kept in a scratch directory (no
# deb-src entry needed in the system's sources). Output: $OUT (default
# /var/cache/miracastd-rig/xdpw-nogpu/xdg-desktop-portal-wlr); nothing is done
# when it is already there.
set -eu

OUT=${OUT:-/var/cache/miracastd-rig/xdpw-nogpu/xdg-desktop-portal-wlr}
[ -x "$OUT" ] && exit 0
W=$(mktemp -d /tmp/miracast-xdpw-nogpu-build.XXXXXX)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/lists/partial" "$W/src"
suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
echo "deb-src http://deb.debian.org/debian $suite main" >"$W/sources.list"
APT="-o Dir::Etc::SourceList=$W/sources.list -o Dir::Etc::SourceParts=/nonexistent -o Dir::State::Lists=$W/lists"
echo "build-xdpw-nogpu: fetching the xdg-desktop-portal-wlr source ($suite)"
# shellcheck disable=SC2086
apt-get $APT update >"$W/apt.log" 2>&1 && (cd "$W/src" && apt-get $APT source xdg-desktop-portal-wlr >>"$W/apt.log" 2>&1) ||
        { cat "$W/apt.log" >&2; exit 1; }
cd "$W/src"/xdg-desktop-portal-wlr-*/
python3 - <<'PY'
import re
p = "src/screencast/screencast.c"
s = open(p).read()
new, n = re.subn(r"if \(cast->screencopy_frame_info\[WL_SHM\]\.format == DRM_FORMAT_INVALID \|\|\s*"
                 r"\(cast->ctx->state->screencast_version >= 3 &&\s*"
                 r"cast->screencopy_frame_info\[DMABUF\]\.format == DRM_FORMAT_INVALID\)\) \{",
                 "if (cast->screencopy_frame_info[WL_SHM].format == DRM_FORMAT_INVALID) {", s)
if n != 1:
    raise SystemExit("build-xdpw-nogpu: the condition to relax is not in this version's source")
open(p, "w").write(new)
PY
meson setup build -Dsd-bus-provider=libsystemd >"$W/build.log" 2>&1 && ninja -C build >>"$W/build.log" 2>&1 ||
        { cat "$W/build.log" >&2; exit 1; }
mkdir -p "$(dirname "$OUT")"
cp build/xdg-desktop-portal-wlr "$OUT"
echo "build-xdpw-nogpu: $OUT"
