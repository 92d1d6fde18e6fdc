#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# make bench: our pipeline against two anchors on the same testsrc pictures,
# 720p30 and 1080p30, still / desktop-like / full-motion content, each run as
# fast as possible ("fast") and at real-time 30 fps ("rt"). Method and
# numbers: docs/benchmarks.md.
#   miracastd  build/bench-pipeline (encoder/media.h: testsrc capture,
#              damage-aware convert, libx264 with damage as mb_info)
#   ffmpeg     ffmpeg CLI: raw BGRA file -> libx264 ultrafast zerolatency -> rtp_mpegts
#   gstreamer  gst-launch-1.0, GNOME Network Displays' software x264enc settings
# The anchors read the clip from a raw BGRA file in the page cache
# (build/bench-anchor dump writes it once per case, cat warms the cache);
# ours captures the identical pictures through its own testsrc capture.
# Same bit rate (8 Mbit/s 720p, 12 Mbit/s 1080p) and GOP (60) everywhere.
#
# One line per case and tool:
#   BENCH case=C tool=T fps=<fast> cpu_ms_per_frame=<rt> lat_p50_ms= lat_p99_ms= rss_mb=<peak>
#         ssim=<rt> psnr_db=<rt> bytes=<rt> q_frames=<frames compared>
# (anchors print late_p50_ms/late_p99_ms instead of lat_*: see bench-anchor.c)
# then per case and anchor:
#   BENCH ratio case=C vs=A ratio=<our cpu / theirs, rt> ssim_delta=<ours - theirs>
#   BENCH ratio case=C vs=A ratio=n/a reason=ssim_below_anchor ssim_delta=...   (ours worse by > 0.005)
# Raw per-run results are printed as "  RESULT ..." lines.
# Then the audio path (build/bench-audio: test tone -> AAC-LC or LPCM -> TS -> RTP -> UDP):
#   BENCH audio codec=aac|lpcm cpu_ms_per_s=<CPU ms per second of sound> core_pct=<% of one core>
# Then desktop-pipewire (tools/bench-desktop.sh: a PipeWire producer consumed
# by our pipewire backend and by GStreamer's pipewiresrc, and the idle desktop).
# Then the fan-out (build/bench-fanout: N sessions of one capture at one format, each
# sending to its own loopback receiver in real time; they share one encoder):
#   BENCH fanout sinks=N cpu_ms_per_frame=X ratio=<CPU with N / CPU with 1> encoders=E shared=H fps_per_sink=F
#   (cpu_ms_per_frame: the process's CPU per frame each sink received)
#   (N = 1..4; case BENCH_FANOUT_CASE, default 1080p30-motion; BENCH_FANOUT=0 skips)
# Environment: BENCH_FRAMES (default 150 = 5 s per run), BENCH_CASES (default
# all seven; set and empty: none, e.g. for the audio lines alone), BENCH_QUICK=1
# (60 frames, the three 720p cases), BENCH_ENCODER (ours, default "software";
# "libx264" = the FFmpeg path), BENCH_AUDIO_SECONDS (default 60 s of sound per
# codec; 0 skips the audio lines), BENCH_TMP.
set -u
build=${1:-build}
all_cases="720p30-still 720p30-desktop 720p30-motion 1080p30-still 1080p30-desktop 1080p30-motion desktop-pipewire"
if [ "${BENCH_QUICK:-0}" = 1 ]; then
        frames=${BENCH_FRAMES:-60}
        cases=${BENCH_CASES-"720p30-still 720p30-desktop 720p30-motion"}
else
        frames=${BENCH_FRAMES:-150}
        cases=${BENCH_CASES-$all_cases}
fi
encoder=${BENCH_ENCODER:-software}

for b in "$build/bench-pipeline" "$build/bench-anchor" "$build/bench-audio" "$build/bench-fanout"; do
        [ -x "$b" ] || { echo "bench: $b missing (run make bench)" >&2; exit 1; }
done
for t in ffmpeg gst-launch-1.0; do
        command -v "$t" >/dev/null || { echo "bench: $t not installed (tools/install-deps.sh)" >&2; exit 1; }
done
tmp=$(mktemp -d "${BENCH_TMP:-${TMPDIR:-/tmp}}/miracast-bench.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

field() { # field NAME LINE
        sed -nE "s/.* $1=([^ ]+).*/\1/p" <<<"$2"
}

# quality TS W H: "ssim psnr frames" of what a receiver shows against the
# source clip: the decoded stream turned into RGB with the matrix it signals
# (BT.601 when it signals none, as libswscale then assumes), compared frame
# by frame in decode order (our pipeline encodes each captured picture once,
# in order; a still screen repeats one picture). Comparing in RGB makes every
# tool pay for its own colour conversion; it also counts the 4:2:0 chroma
# loss all of them share, which lowers the absolute numbers on colourful
# detail (docs/benchmarks.md).
quality() {
        local ts=$1 w=$2 h=$3 out
        out=$(ffmpeg -hide_banner -nostdin -loglevel quiet -i "$ts" -fps_mode passthrough -f rawvideo -pix_fmt gbrp - |
                ffmpeg -hide_banner -nostdin -loglevel info \
                -f rawvideo -pix_fmt gbrp -video_size "${w}x$h" -framerate 30 -i - \
                -f rawvideo -pix_fmt bgra -video_size "${w}x$h" -framerate 30 -i "$tmp/src.raw" \
                -lavfi "[1:v]format=gbrp,split[b1][b2];[0:v]split[a1][a2];[a1][b1]ssim=shortest=1;[a2][b2]psnr=shortest=1" \
                -f null - 2>&1)
        echo "$(sed -nE 's/.*SSIM .* All:([0-9.]+).*/\1/p' <<<"$out" | grep . || echo n/a)" \
                "$(sed -nE 's/.*PSNR .* average:([0-9.a-z]+).*/\1/p' <<<"$out" | grep . || echo n/a)" \
                "$(grep -oE 'frame= *[0-9]+' <<<"$out" | tail -1 | grep -oE '[0-9]+' || echo 0)"
}

status=0
declare -A cpu ssim
for c in $cases; do
        [ "$c" = desktop-pipewire ] && continue # below: needs a PipeWire producer
        case $c in
        720p30-*) w=1280 h=720 rate=8000000 ;;
        1080p30-*) w=1920 h=1080 rate=12000000 ;;
        *) echo "bench: unknown case $c" >&2; exit 1 ;;
        esac
        pattern=${c#*-}
        "$build/bench-anchor" dump $w $h "$pattern" "$frames" "$tmp/src.raw" || { echo "bench: dump failed" >&2; exit 1; }
        cat "$tmp/src.raw" >/dev/null # into the page cache, once
        for tool in miracastd ffmpeg gstreamer; do
                declare -A res=()
                for mode in fast rt; do
                        ts=""
                        [ $mode = rt ] && ts=$tmp/$tool.ts
                        if [ $tool = miracastd ]; then
                                line=$("$build/bench-pipeline" $w $h "$pattern" "$frames" $mode $rate "$ts" "$encoder" \
                                        2>/dev/null | grep '^RESULT')
                        else
                                line=$("$build/bench-anchor" $tool $w $h "$tmp/src.raw" "$frames" $mode $rate $ts \
                                        2>/dev/null | grep '^RESULT')
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
                read -r q_ssim q_psnr q_n < <(quality "$tmp/$tool.ts" $w $h)
                rm -f "$tmp/$tool.ts"
                fps=$(field fps "${res[fast]}")
                cpu_rt=$(field cpu_ms_per_frame "${res[rt]}")
                if [ $tool = miracastd ]; then
                        lat="lat_p50_ms=$(field lat_p50_ms "${res[rt]}") lat_p99_ms=$(field lat_p99_ms "${res[rt]}")"
                else
                        lat="late_p50_ms=$(field late_p50_ms "${res[rt]}") late_p99_ms=$(field late_p99_ms "${res[rt]}")"
                fi
                rss=$(awk -v a="$(field rss_mb "${res[fast]}")" -v b="$(field rss_mb "${res[rt]}")" \
                        'BEGIN { printf "%.1f", (a + 0 > b + 0) ? a : b }')
                cpu[$c,$tool]=$cpu_rt
                ssim[$c,$tool]=$q_ssim
                echo "BENCH case=$c tool=$tool fps=$fps cpu_ms_per_frame=$cpu_rt $lat rss_mb=$rss" \
                        "ssim=$q_ssim psnr_db=$q_psnr bytes=$(field bytes "${res[rt]}") q_frames=$q_n"
        done
        for vs in ffmpeg gstreamer; do
                [ -n "${cpu[$c,miracastd]:-}" ] && [ -n "${cpu[$c,$vs]:-}" ] || continue
                awk -v c="$c" -v vs="$vs" -v o="${cpu[$c,miracastd]}" -v t="${cpu[$c,$vs]}" \
                        -v so="${ssim[$c,miracastd]}" -v st="${ssim[$c,$vs]}" 'BEGIN {
                        if (so !~ /^[0-9.]+$/ || st !~ /^[0-9.]+$/) {
                                printf "BENCH ratio case=%s vs=%s ratio=n/a reason=no_quality\n", c, vs
                                exit
                        }
                        d = so - st
                        if (d < -0.005)
                                printf "BENCH ratio case=%s vs=%s ratio=n/a reason=ssim_below_anchor ssim_delta=%.4f\n", c, vs, d
                        else
                                printf "BENCH ratio case=%s vs=%s ratio=%.2f ssim_delta=%.4f\n", c, vs, (t + 0 > 0) ? o / t : 0, d
                }'
        done
        rm -f "$tmp/src.raw"
done
# The desktop's picture through PipeWire, ours against GStreamer's pipewiresrc, and the idle desktop.
if [[ " $cases " == *" desktop-pipewire "* ]]; then
        tools/bench-desktop.sh "$build" "$frames" || status=1
fi
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
fanout_case=${BENCH_FANOUT_CASE:-1080p30-motion}
case $fanout_case in
720p30-*) w=1280 h=720 rate=8000000 ;;
*) w=1920 h=1080 rate=12000000 ;;
esac
one=
for n in 1 2 3 4; do
        [ "${BENCH_FANOUT:-1}" = 0 ] && break
        line=$("$build/bench-fanout" $w $h "${fanout_case#*-}" "$frames" $n $rate 2>/dev/null | grep '^RESULT')
        if [ -z "$line" ]; then
                echo "  RESULT fanout sinks=$n FAILED"
                status=1
                continue
        fi
        echo "  RESULT fanout case=$fanout_case ${line#RESULT }"
        cpu_n=$(field cpu_ms_per_frame "$line")
        [ $n = 1 ] && one=$cpu_n
        echo "BENCH fanout sinks=$n cpu_ms_per_frame=$cpu_n" \
                "ratio=$(awk -v a="$cpu_n" -v b="${one:-0}" 'BEGIN { if (b + 0 > 0) printf "%.2f", a / b; else print "n/a" }')" \
                "encoders=$(field encoders "$line") shared=$(field shared "$line")" \
                "fps_per_sink=$(field fps_per_sink "$line") case=$fanout_case"
done
exit $status
