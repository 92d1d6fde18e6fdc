#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Sink1.Cast with the caller's own PipeWire connection ("pipewire-fd" h,
# "pipewire-node" u, "video-source" s), as the user session hands over a
# portal stream: the real PipeWire and WirePlumber on a private runtime
# directory, tests/pipewire/pw-test-producer as the "desktop", and
# test-sink-bus's cast_pipewire_stream case (the real manager and D-Bus
# objects, a fake P2P backend, the C test sink) given a connected socket and
# the producer's node id. The sink's decoded picture must show the bars at
# their places and the composited cursor. The daemon is given no PipeWire
# remote of its own: the picture can only have come through the fd.
. "${MIRACAST_SRCDIR:-.}/tests/lib/test-lib.sh"

B=$MIRACAST_BUILD
T=$(mktemp -d /tmp/miracast-pwcast.XXXXXX)
pids=()
cleanup() {
        for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
        wait 2>/dev/null
        [ -n "${KEEP_TMP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
for tool in pipewire wireplumber pw-dump dbus-daemon ffmpeg python3; do
        command -v "$tool" >/dev/null || skip_all "$tool is not installed (tools/install-deps.sh installs it)"
done

export XDG_RUNTIME_DIR=$T/rt PIPEWIRE_RUNTIME_DIR=$T/rt DBUS_SESSION_BUS_ADDRESS=unix:path=$T/bus
mkdir -m 700 "$XDG_RUNTIME_DIR"
REMOTE=$XDG_RUNTIME_DIR/pipewire-0
dbus-daemon --session --address="$DBUS_SESSION_BUS_ADDRESS" --nofork --nopidfile >"$T/bus.log" 2>&1 &
pids+=($!)
wait_for "session bus" test -S "$T/bus" || skip_all "dbus-daemon did not start"
pipewire >"$T/pipewire.log" 2>&1 &
pids+=($!)
wait_for "PipeWire" test -S "$REMOTE" || skip_all "PipeWire does not start here: $(tail -n 3 "$T/pipewire.log")"
wireplumber >"$T/wireplumber.log" 2>&1 &
pids+=($!)
wait_for "WirePlumber" sh -c "pw-cli ls Metadata 2>/dev/null | grep -q default" ||
        skip_all "WirePlumber does not start here: $(tail -n 3 "$T/wireplumber.log")"

"$B/tests/pw-test-producer" --remote "$REMOTE" --name desk --cursor >"$T/desk.out" 2>"$T/desk.err" &
pids+=($!)
wait_for "producer" grep -q "stream paused" "$T/desk.err" || fail "producer starts" "$(cat "$T/desk.err")"
node=$(pw-dump 2>/dev/null | python3 -c '
import json, sys
for o in json.load(sys.stdin):
    if o.get("type", "").endswith("Node") and (o.get("info") or {}).get("props", {}).get("node.name") == "desk":
        print(o["id"])')
check "the producer's node has an id ($node)" test -n "$node"
# WirePlumber must know the node's port before a stream targets it (a portal's node is older than the cast)
wait_for "producer port" sh -c "pw-link -o 2>/dev/null | grep -q '^desk:'" && sleep 0.5

png=$T/cast.png
if MIRACAST_PW_REMOTE=$REMOTE MIRACAST_PW_NODE=$node MIRACAST_PW_PNG=$png \
        "$B/tests/test-sink-bus" "/sink-bus/Cast with pipewire-fd + node" >"$T/test.log" 2>&1 &&
        grep -q "^ok   /sink-bus/Cast with pipewire-fd" "$T/test.log"; then
        pass "Cast with pipewire-fd + pipewire-node: the session plays, VideoSource is window"
else
        fail "Cast with pipewire-fd + pipewire-node" "$(tail -n 20 "$T/test.log")"
fi
# Offering dma-buf as well (what the worker does for the vaapi encoder) must not cost a memory producer.
if MIRACAST_PW_REMOTE=$REMOTE MIRACAST_PW_NODE=$node "$B/tests/test-capture" "dma-buf too" >"$T/dmabuf.log" 2>&1 &&
        grep -q "^ok " "$T/dmabuf.log"; then
        pass "a capture offering dma-buf and memory gets CPU frames from a memory-only producer"
else
        fail "dma-buf offer with a memory producer" "$(tail -n 5 "$T/dmabuf.log")"
fi
# What lets a still desktop's session tick slowly and come back at once (encoder/media.c).
if MIRACAST_PW_REMOTE=$REMOTE MIRACAST_PW_NODE=$node "$B/tests/test-capture" "wakes its consumers" >"$T/wake.log" 2>&1 &&
        grep -q "^ok " "$T/wake.log"; then
        pass "a PipeWire capture wakes its consumers on each buffer, and not after they left"
else
        fail "PipeWire capture wakers" "$(tail -n 5 "$T/wake.log")"
fi
# The same picture check as pipewire-capture.sh (640x480: the fake sink's "small" profile).
if ffmpeg -v error -i "$png" -f rawvideo -pix_fmt rgb24 -y "$png.rgb" 2>"$T/ffmpeg.log" &&
        out=$(python3 - "$png.rgb" 640 480 <<'PY' 2>&1
import sys
data = open(sys.argv[1], 'rb').read()
w, h = int(sys.argv[2]), int(sys.argv[3])
assert len(data) == w * h * 3, "size %d" % len(data)
px = lambda x, y: tuple(data[(y * w + x) * 3:(y * w + x) * 3 + 3])
near = lambda p, q: all(abs(a - b) < 48 for a, b in zip(p, q))
bars = [(255, 255, 255), (255, 255, 0), (0, 255, 255), (0, 255, 0), (255, 0, 255), (255, 0, 0), (0, 0, 255), (0, 0, 0)]
bad = ["bar %d: %s" % (i, px(i * w // 8 + w // 16, h * 3 // 4)) for i, want in enumerate(bars)
       if not near(px(i * w // 8 + w // 16, h * 3 // 4), want)]
if not near(px(w // 2 + 3, h // 2 + 3), (255, 0, 0)):
    bad.append("cursor at the centre: %s, want red" % (px(w // 2 + 3, h // 2 + 3),))
if bad:
    print("; ".join(bad)); sys.exit(1)
PY
        ); then
        pass "the sink decoded the producer's picture: eight bars in place, the cursor composited at the centre"
else
        fail "decoded picture of the fd cast" "${out:-$(cat "$T/ffmpeg.log")}"
fi
finish
