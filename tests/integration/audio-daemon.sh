#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Sound end to end, from the real miracastd to the test sink over loopback:
# the daemon runs the flashing test picture (testsrc:flash) and the beeping
# test tone (audio-source beep: 1000 Hz at -20 dBFS, 100 ms from each whole
# second, when the picture flashes white). The sink decodes what arrives and
# must hear the tone within 2% and 1 dB, no gap in the sound over 40 ms, and
# the flashes paired with their beeps within 40 ms: the median offset, and for
# every pair the clock error (the beep outside the dark and white pictures
# around the flash; the worst raw offset also counts the frames a loaded
# machine drops, so it is printed, not judged):
#   generic  offers LPCM and AAC: the daemon picks AAC-LC (ADTS);
#   dongle   the Microsoft adapter imitation, LPCM only.
. "${MIRACAST_SRCDIR:-.}/tests/lib/test-lib.sh"

B=$MIRACAST_BUILD
T=$(mktemp -d /tmp/miracast-audio.XXXXXX)
bus_pid=
daemon_pid=
cleanup() {
        [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null
        [ -n "$bus_pid" ] && kill "$bus_pid" 2>/dev/null
        wait 2>/dev/null
        [ -n "${KEEP_TMP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT

cat >"$T/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=$T/bus</listen>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/>
  </policy>
</busconfig>
CONF
dbus-daemon --config-file="$T/bus.conf" --nofork --nopidfile >"$T/bus.log" 2>&1 &
bus_pid=$!
for _ in $(seq 100); do [ -S "$T/bus" ] && break; sleep 0.1; done
export MIRACASTCTL_BUS="unix:path=$T/bus"

"$B/miracastd" --config /dev/null -o p2p-backend=none --capture testsrc:flash --audio-source beep \
        --encoder x264 --max-resolution 640x480 --bus "$MIRACASTCTL_BUS" >"$T/daemon.log" 2>&1 &
daemon_pid=$!
for _ in $(seq 300); do "$B/miracastctl" info >/dev/null 2>&1 && break; sleep 0.1; done
out=$("$B/miracastctl" listen 127.0.0.1:0)
port=${out##*:}
check "listening on a kernel-chosen port ($out)" test -n "$port"

# field NAME LINE: the value of NAME= on a SINK line
field() { sed -nE "s/.* $1=([^ ]*).*/\1/p" <<<"$2"; }

for case in generic:aac dongle:lpcm; do
        profile=${case%%:*}
        codec=${case##*:}
        line=$("$B/miracast-test-sink" --connect "127.0.0.1:$port" --profile "$profile" --duration 5 \
                --timeout 30 --expect-audio --expect-tone 1000 --expect-level -20 --max-audio-gaps 0 \
                --max-av-offset 40 2>"$T/$profile.log")
        rc=$?
        echo "$profile: $line"
        echo "MEASURED $codec freq=$(field audio_freq_hz "$line") level=$(field audio_level_dbfs "$line")" \
             "av_median=$(field av_offset_ms_median "$line") av_worst=$(field av_offset_ms_worst "$line")" \
             "clock_worst=$(field av_clock_ms_worst "$line")" \
             "pairs=$(field av_pairs "$line")"
        if [ "$rc" = 0 ] && grep -q "^SINK result=ok " <<<"$line" && [ "$(field audio "$line")" = "$codec" ] &&
           [ "$(field audio_gaps "$line")" = 0 ] && [ "$(field av_pairs "$line")" -ge 3 ] &&
           awk -v s="$(field audio_seconds "$line")" 'BEGIN { exit !(s >= 3) }'; then
                pass "$profile: $codec tone 1000 Hz +-2%, -20 dBFS +-1 dB, no gaps, |A/V| <= 40 ms"
        else
                fail "$profile ($codec)" "exit $rc: $line; $(tail -n 3 "$T/$profile.log")"
        fi
done

kill -TERM "$daemon_pid"
wait "$daemon_pid"
rc=$?
daemon_pid=
check "daemon exits 0 on SIGTERM after the casts" test "$rc" = 0
finish
