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
daemon_test_setup audio
start_daemon_listener --capture testsrc:flash --audio-source beep --encoder x264 --max-resolution 640x480

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

stop_daemon "daemon exits 0 on SIGTERM after the casts"

# ---- PCM from a file descriptor: Session1.AttachAudio ---------------------------------
# A producer plays 2 s of 440 Hz in the mca1 stream format and then stops
# writing (the track fills silence and says so), then closes; then bad input:
# garbage, a wrong rate, a flood, an fd closed at once. The session plays on
# through all of it, and someone else's uid may not attach at all (the bus
# lets every uid connect, so the daemon's own check is what refuses).
cat >"$T/producer.py" <<'PY'
import math, struct, sys, time
mode = sys.argv[1]
out = sys.stdout.buffer
def header(rate, ch):
    out.write(b"MCA1" + struct.pack("<IHHI", rate, ch, 1, 0))
def packet(frames, t_ns, hz, pos):
    amp = 32768 * 10 ** (-20 / 20) * math.sqrt(2)
    pcm = b"".join(struct.pack("<hh", *(2 * [int(round(amp * math.sin(2 * math.pi * hz * (pos + i) / 48000)))]))
                   for i in range(frames))
    out.write(struct.pack("<IIQ", len(pcm), 0, t_ns) + pcm)
if mode == "tone":
    header(48000, 2)
    start = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
    for k in range(200):              # 2 s in 10 ms packets, paced in real time
        t = start + k * 10000000
        while time.clock_gettime_ns(time.CLOCK_MONOTONIC) < t:
            time.sleep(0.002)
        packet(480, t, 440, k * 480)
        out.flush()
    time.sleep(1.0)                   # stop sending, fd still open: silence fills
elif mode == "garbage":
    out.write(b"RIFF\x24\x00\x00\x00WAVEfmt ")
    out.flush(); time.sleep(0.5)
elif mode == "wrongrate":
    header(44100, 2); out.flush(); time.sleep(0.5)
elif mode == "flood":
    header(48000, 2)
    now = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
    block = struct.pack("<IIQ", 19200, 0, now) + bytes(19200)
    for _ in range(60):               # 6 s of sound at once
        out.write(block)
    out.flush(); time.sleep(0.5)
PY

daemon_log=$T/daemon2.log start_daemon_listener --capture testsrc --audio-source silence --encoder x264 \
        --max-resolution 640x480
"$B/miracast-test-sink" --connect "127.0.0.1:$port" --profile generic --duration 25 --timeout 40 \
        --expect-audio --max-audio-gaps 0 >"$T/fd-sink.line" 2>"$T/fd-sink.log" &
sink_pid=$!
S=
for _ in $(seq 300); do
        S=$(busctl --address="$MIRACASTCTL_BUS" tree --list org.miracastd 2>/dev/null | grep -m1 '/session/')
        [ -n "$S" ] && busctl --address="$MIRACASTCTL_BUS" get-property org.miracastd "$S" org.miracastd.Session1 \
                State 2>/dev/null | grep -q playing && break
        sleep 0.1
done
check "the session plays ($S)" test -n "$S"
# busctl cannot send an fd ("h"): python3-dbus (Debian's /usr/bin/python3) passes fd 3 on
cat >"$T/attach.py" <<'PY'
import dbus, sys
bus = dbus.bus.BusConnection(sys.argv[1])
fmt = {} if len(sys.argv) < 4 else {sys.argv[3]: sys.argv[4]}
bus.get_object("org.miracastd", sys.argv[2]).AttachAudio(
    dbus.types.UnixFd(3), dbus.Dictionary(fmt, signature="sv"), dbus_interface="org.miracastd.Session1")
PY
attach() { # attach MODE: the producer's stdout becomes the session's audio fd
        /usr/bin/python3 "$T/attach.py" "$MIRACASTCTL_BUS" "$S" stream mca1 3< <(python3 "$T/producer.py" "$1" 2>/dev/null)
}
stat_of() { busctl --address="$MIRACASTCTL_BUS" get-property org.miracastd "$S" org.miracastd.Session1 Statistics; }
log_has() { for _ in $(seq 50); do grep -q "$1" "$T/daemon2.log" && return 0; sleep 0.1; done; return 1; }

chmod 755 "$T"
chmod 644 "$T/attach.py"
if setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 "$T/attach.py" "$MIRACASTCTL_BUS" "$S" \
        3</dev/null 2>"$T/nobody.err"; then
        fail "another uid may not attach audio" "it could"
else
        check "another uid may not attach audio ($(grep -o 'Session 1 belongs.*' "$T/nobody.err"))" \
                grep -q "belongs to uid 0" "$T/nobody.err"
fi
check "AttachAudio refuses an unknown format key" \
        bash -c "! /usr/bin/python3 '$T/attach.py' '$MIRACASTCTL_BUS' '$S' rate 44100 3</dev/null 2>/dev/null"
check "AttachAudio refuses a routing other than tv or mirror" \
        bash -c "! /usr/bin/python3 '$T/attach.py' '$MIRACASTCTL_BUS' '$S' routing speakers 3</dev/null 2>/dev/null"
audio_prop() { busctl --address="$MIRACASTCTL_BUS" get-property org.miracastd "$S" org.miracastd.Session1 "$1"; }
check "before any input: AudioSource \"silence\", AudioState \"silent\"" \
        test "$(audio_prop AudioSource) $(audio_prop AudioState)" = 's "silence" s "silent"'
check "the silence source says why it is silent" log_has "audio: silent: no audio input attached"
check "AttachAudio with a 440 Hz producer" attach tone
check "its sound plays" log_has "audio: playing sound from its input"
check "AudioSource \"fd\" (attached without routing), AudioState \"playing\"" \
        test "$(audio_prop AudioSource) $(audio_prop AudioState)" = 's "fd" s "playing"'
check "the producer stops sending: silence, and why" log_has "audio: silent: audio input sent nothing for 200 ms"
check "Statistics show the fd input" bash -c "busctl --address='$MIRACASTCTL_BUS' get-property org.miracastd '$S' \
        org.miracastd.Session1 Statistics | grep -q '\"audio-input\" s \"fd\"'"
check "the producer closes: said so" log_has "audio: silent: audio input closed after"
check "garbage on the fd" attach garbage
check "garbage: a clear error" log_has "audio input: not an audio stream"
check "a wrong rate" attach wrongrate
check "wrong rate: a clear error" log_has "audio input: wrong format: 44100 Hz 2 ch, the session plays 48000 Hz 2 ch"
check "a flood" attach flood
check "flood: a clear error" log_has "audio input: flood"
check "an fd closed at once" attach close
check "the session still plays" bash -c "busctl --address='$MIRACASTCTL_BUS' get-property org.miracastd '$S' \
        org.miracastd.Session1 State | grep -q playing"
wait "$sink_pid"
rc=$?
line=$(cat "$T/fd-sink.line")
echo "fd: $line"
echo "MEASURED fd-aac freq=$(field audio_freq_hz "$line") level=$(field audio_level_dbfs "$line") gaps=$(field audio_gaps "$line")"
if [ "$rc" = 0 ] && grep -q "^SINK result=ok " <<<"$line" && grep -q " end=duration" <<<"$line" &&
   awk -v f="$(field audio_freq_hz "$line")" -v l="$(field audio_level_dbfs "$line")" \
        'BEGIN { exit !(f > 431.2 && f < 448.8 && l > -21 && l < -19) }'; then
        pass "the sink heard 440 Hz at -20 dBFS, no gaps, and played to the end through all of it"
else
        fail "fd session" "exit $rc: $line"
fi

stop_daemon "daemon exits 0 on SIGTERM"
finish
