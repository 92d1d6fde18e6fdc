#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# UIBC on the host: the test sink lists GENERIC input in M3 and sends
# tests/data/uibc/script.txt once the daemon offers and enables input.
#   1. no consent: no offer in M4, the sink's "enable" is refused, the stream plays;
#   2. consent (Listen option input): M4 offers the sink's types with our port, the sink
#      connects and sends everything; the daemon parses it, counts garbage and the flood,
#      and, having no uinput here (MIRACASTD_UINPUT_PATH points at nothing, so a host with
#      uinput is never touched either), refuses to inject with one clear log line while the
#      stream plays on;
#   3. consent given mid-session (Session1.EnableInput): our own SET_PARAMETER offer;
#      then DisableInput is logged and InputEnabled goes false.
# Injection itself is checked in the VM (tests/vm/scenario-uibc.sh).
. "${MIRACAST_SRCDIR:-.}/tests/lib/test-lib.sh"

B=$MIRACAST_BUILD
SRC=${MIRACAST_SRCDIR:-.}
SCRIPT=$SRC/tests/data/uibc/script.txt
daemon_test_setup uibc
MIRACASTD_UINPUT_PATH=$T/no-uinput MIRACASTD_UHID_PATH=$T/no-uhid \
        start_daemon --capture testsrc --encoder x264 --max-resolution 640x480 --log-level debug

sink() { # sink NAME PORT ARGS...: run the test sink, its SINK line in $T/NAME.out
        local name=$1 port=$2
        shift 2
        "$B/miracast-test-sink" --connect "127.0.0.1:$port" --duration 4 --timeout 30 --uibc-script "$SCRIPT" \
                "$@" >"$T/$name.out" 2>"$T/$name.log"
}
field() { grep -o " $2=[^ ]*" "$T/$1.out" | cut -d= -f2; }

# ---- 1. no consent ----------------------------------------------------------------
out=$("$B/miracastctl" listen 127.0.0.1:0)
port=${out##*:}
sink plain "$port" --expect-uibc no
check "no consent: the stream plays, no UIBC offer ($(cat "$T/plain.out"))" \
        grep -q "^SINK result=ok .* uibc=none uibc_port=0 uibc_connected=no " "$T/plain.out"
check "no consent: no UIBC listener was opened" sh -c "! grep -q 'UIBC: listening' '$T/daemon.log'"

# ---- 2. consent through the listener --------------------------------------------------
out=$("$B/miracastctl" listen --allow-input 127.0.0.1:0)
port2=${out##*:}
check "listen --allow-input is logged" grep -q "listener 127.0.0.1:$port2: input from the display allowed" \
        "$T/daemon.log"
sink allowed "$port2" --expect-uibc yes
check "consent: the stream plays and input was offered ($(cat "$T/allowed.out"))" \
        grep -q "^SINK result=ok .* uibc=offered " "$T/allowed.out"
check "consent: M4 offered the sink's GENERIC types and HIDC keyboard and mouse with a port, and enable" \
        grep -q "UIBC offered: input_category_list=GENERIC, HIDC;generic_cap_list=Keyboard, Mouse, SingleTouch, MultiTouch;hidc_cap_list=Keyboard/USB, Mouse/USB;port=[1-9]" \
        "$T/allowed.log"
check "consent: the sink got wfd_uibc_setting: enable" grep -q "UIBC setting: enable" "$T/allowed.log"
steps=$(grep -cvE '^[[:space:]]*(#|$)' "$SCRIPT")
check "consent: the sink connected and sent all $steps steps" \
        test "$(field allowed uibc_connected)" = yes -a "$(field allowed uibc_steps)" = "$steps/$steps"
sent=$(field allowed uibc_packets)
check "consent: the script is 3030 packets ($sent)" test "$sent" = 3030
check "daemon: accepted the sink's UIBC connection" grep -q "UIBC: the sink (127.0.0.1) connected to port" "$T/daemon.log"
check "daemon: no uinput here: one clear error, input stays off" \
        grep -q "Failed to create the input devices (/dev/uinput: No such file or directory); input from the display stays off" \
        "$T/daemon.log"
# Every packet arrived and was counted; nothing was injected; the garbage was named.
closed=$(grep "UIBC: closed:" "$T/daemon.log" | tail -n 1)
# 2 of them are garbage (counted as bad), one HIDC report before any descriptor (ignored), two HIDC
# descriptors (kept for when input is on); the rest reach the injector's door.
check "daemon: counted every packet ($closed)" grep -q "closed: $((sent - 2)) packets, 0 injected, $((sent - 5)) while inactive" <<<"$closed"
check "daemon: two bad packets skipped" grep -q ", 2 bad," <<<"$closed"
check "daemon: the version-7 packet is named" grep -q "bad packet from the sink (UIBC version is not 0), skipped" "$T/daemon.log"
check "daemon: the short body is named" grep -q "bad packet from the sink (body does not fit its length), skipped" "$T/daemon.log"
check "daemon: the HIDC report before its descriptor is dropped" grep -q "HIDC report before its report descriptor, dropped" "$T/daemon.log"
check "daemon: both HIDC descriptors kept" sh -c "grep -q 'HIDC Keyboard/USB report descriptor (63 bytes)' '$T/daemon.log' &&
        grep -q 'HIDC Mouse/USB report descriptor (50 bytes)' '$T/daemon.log'"
check "daemon: the session kept playing through the garbage" grep -q " end=duration" "$T/allowed.out"

# ---- 3. consent mid-session ----------------------------------------------------------------
sink late "$port" --expect-uibc yes --duration 6 &
sink_pid=$!
path=
for _ in $(seq 100); do
        for p in $(busctl --address="$MIRACASTCTL_BUS" tree --list org.miracastd 2>/dev/null | grep '/session/'); do
                st=$(busctl --address="$MIRACASTCTL_BUS" get-property org.miracastd "$p" org.miracastd.Session1 State 2>/dev/null)
                [ "$st" = 's "playing"' ] && path=$p
        done
        [ -n "$path" ] && break
        sleep 0.1
done
check "mid-session: a playing session ($path)" test -n "$path"
check "mid-session: InputEnabled is false before" test "$(busctl --address="$MIRACASTCTL_BUS" get-property org.miracastd \
        "$path" org.miracastd.Session1 InputEnabled)" = "b false"
check "mid-session: EnableInput" busctl --address="$MIRACASTCTL_BUS" call org.miracastd "$path" org.miracastd.Session1 EnableInput
check "mid-session: InputEnabled is true" test "$(busctl --address="$MIRACASTCTL_BUS" get-property org.miracastd \
        "$path" org.miracastd.Session1 InputEnabled)" = "b true"
check "mid-session: miracastctl status shows InputEnabled" sh -c \
        "'$B/miracastctl' status '$path' | grep -q 'InputEnabled *yes'"
sleep 1.5
check "mid-session: DisableInput" busctl --address="$MIRACASTCTL_BUS" call org.miracastd "$path" org.miracastd.Session1 DisableInput
check "mid-session: InputEnabled is false after" test "$(busctl --address="$MIRACASTCTL_BUS" get-property org.miracastd \
        "$path" org.miracastd.Session1 InputEnabled)" = "b false"
wait "$sink_pid"
check "mid-session: the sink got our SET_PARAMETER offer and played on ($(cat "$T/late.out"))" \
        grep -q "^SINK result=ok .* uibc=offered .*uibc_connected=yes" "$T/late.out"
check "mid-session: the sink saw enable, then disable" sh -c \
        "grep -q 'UIBC setting: enable' '$T/late.log' && grep -q 'UIBC setting: disable' '$T/late.log'"
check "mid-session: allow and withdraw are logged" sh -c \
        "grep -q 'input from the display allowed' '$T/daemon.log' && grep -q 'input from the display withdrawn' '$T/daemon.log'"

stop_daemon "daemon exits 0 on SIGTERM"
[ "$_tl_fail" = 0 ] || { echo "--- daemon log (UIBC lines)"; grep -i "uibc\|input" "$T/daemon.log" | head -40; }
finish
