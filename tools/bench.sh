#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# make bench: our pipeline against two anchors on the same testsrc pictures,
# 720p30 and 1080p30, desktop-like and full-motion content, each run as fast
# as possible ("fast") and at real-time 30 fps ("rt").
#   miracastd  build/bench-pipeline (encoder/media.h, damage-aware)
#   ffmpeg     ffmpeg CLI: raw BGRA -> libx264 ultrafast zerolatency -> rtp_mpegts
#   gstreamer  gst-launch-1.0, GNOME Network Displays' software x264enc settings
# The anchors read our testsrc frames as raw BGRA from a pipe (build/bench-anchor).
#
# One line per case and tool:
#   BENCH case=C tool=T fps=<fast run> cpu_ms_per_frame=<rt run> lat_p50_ms=<rt> lat_p99_ms=<rt> rss_mb=<peak of both>
# then per case: BENCH ratio case=C vs=ffmpeg|gstreamer cpu=<ours/theirs, rt runs>
# Raw per-run results are printed as "  RESULT ..." lines.
# Then the audio path (build/bench-audio: test tone -> AAC-LC or LPCM -> TS -> RTP -> UDP):
#   BENCH audio codec=aac|lpcm cpu_ms_per_s=<CPU ms per second of sound> core_pct=<% of one core>
# Environment: BENCH_FRAMES (default 150 = 5 s per run), BENCH_CASES (default all four; set
# and empty: none, e.g. for the audio lines alone),
# BENCH_AUDIO_SECONDS (default 60 s of sound per codec; 0 skips the audio lines).
set -u
build=${1:-build}
frames=${BENCH_FRAMES:-150}
cases=${BENCH_CASES-"720p30-desktop 720p30-motion 1080p30-desktop 1080p30-motion"}

for b in "$build/bench-pipeline" "$build/bench-anchor" "$build/bench-audio"; do
        [ -x "$b" ] || { echo "bench: $b missing (run make bench)" >&2; exit 1; }
done
for t in ffmpeg gst-launch-1.0; do
        command -v "$t" >/dev/null || { echo "bench: $t not installed (tools/install-deps.sh)" >&2; exit 1; }
done

field() { # field NAME LINE
        sed -nE "s/.* $1=([^ ]+).*/\1/p" <<<"$2"
}

status=0
declare -A cpu
for c in $cases; do
        case $c in
        720p30-*) w=1280 h=720 rate=8000000 ;;
        1080p30-*) w=1920 h=1080 rate=12000000 ;;
        *) echo "bench: unknown case $c" >&2; exit 1 ;;
        esac
        pattern=${c#*-}
        for tool in miracastd ffmpeg gstreamer; do
                declare -A res=()
                for mode in fast rt; do
                        if [ $tool = miracastd ]; then
                                line=$("$build/bench-pipeline" $w $h $pattern $frames $mode $rate 2>/dev/null | grep '^RESULT')
                        else
                                line=$("$build/bench-anchor" $tool $w $h $pattern $frames $mode $rate 2>/dev/null | grep '^RESULT')
                        fi
                        if [ -z "$line" ]; then
                                echo "  RESULT case=$c tool=$tool mode=$mode FAILED"
                                status=1
                                continue
                        fi
                        echo "  RESULT case=$c ${line#RESULT }"
                        res[$mode]=$line
                done
                [ -n "${res[fast]:-}" ] && [ -n "${res[rt]:-}" ] || continue
                fps=$(field fps "${res[fast]}")
                cpu_rt=$(field cpu_ms_per_frame "${res[rt]}")
                p50=$(field lat_p50_ms "${res[rt]}")
                p99=$(field lat_p99_ms "${res[rt]}")
                rss=$(awk -v a="$(field rss_mb "${res[fast]}")" -v b="$(field rss_mb "${res[rt]}")" \
                        'BEGIN { printf "%.1f", (a + 0 > b + 0) ? a : b }')
                cpu[$c,$tool]=$cpu_rt
                echo "BENCH case=$c tool=$tool fps=$fps cpu_ms_per_frame=$cpu_rt lat_p50_ms=$p50 lat_p99_ms=$p99 rss_mb=$rss"
        done
        for vs in ffmpeg gstreamer; do
                if [ -n "${cpu[$c,miracastd]:-}" ] && [ -n "${cpu[$c,$vs]:-}" ]; then
                        awk -v c="$c" -v vs="$vs" -v o="${cpu[$c,miracastd]}" -v t="${cpu[$c,$vs]}" \
                                'BEGIN { printf "BENCH ratio case=%s vs=%s cpu=%.2f\n", c, vs, (t + 0 > 0) ? o / t : 0 }'
                fi
        done
done
for codec in aac lpcm; do
        [ "${BENCH_AUDIO_SECONDS:-60}" = 0 ] && break
        line=$("$build/bench-audio" $codec "${BENCH_AUDIO_SECONDS:-60}" 2>/dev/null | grep '^RESULT')
        if [ -z "$line" ]; then
                echo "  RESULT audio codec=$codec FAILED"
                status=1
                continue
        fi
        echo "  RESULT audio ${line#RESULT }"
        echo "BENCH audio codec=$codec cpu_ms_per_s=$(field cpu_ms_per_s "$line") core_pct=$(field core_pct "$line")"
done
exit $status
