#!/usr/bin/env bash
# Regenerates examples/media/sample.mp4: 5 s of FFmpeg's test pattern with a moving counter, 320x240, 30 fps,
# H.264 with B-frames and a keyframe every second, index (moov) at the front. Needs the ffmpeg CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
ffmpeg -v error -y -f lavfi -i testsrc2=size=320x240:rate=30 -t 5 \
  -c:v libx264 -preset veryfast -crf 30 -g 30 -bf 3 -pix_fmt yuv420p -movflags +faststart \
  examples/media/sample.mp4
ls -l examples/media/sample.mp4
