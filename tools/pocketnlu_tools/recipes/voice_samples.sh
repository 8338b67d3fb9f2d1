#!/usr/bin/env bash
# Regenerates the sample WAVs in tests/audio/ from tests/audio/samples.json (file, text, intent).
#
# espeak-ng speaks each text with its Klatt voice (the one PocketSphinx's acoustic model recognizes
# best among espeak-ng's voices), and sox makes it 16 kHz mono 16-bit, normalized to -3 dBFS so
# resampling cannot clip, with 0.2 s of silence around it; -R makes the dither repeatable.
#
#     apt-get install -y espeak-ng sox && bash tools/pocketnlu_tools/recipes/voice_samples.sh
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
audio="$root/tests/audio"
voice="en-us+klatt"
words_per_minute=175
raw="$(mktemp --suffix=.wav)"
trap 'rm -f "$raw"' EXIT

python3 -c 'import json, sys
for sample in json.load(open(sys.argv[1])):
    print(sample["file"] + "\t" + sample["text"])' "$audio/samples.json" |
while IFS=$'\t' read -r file text; do
    espeak-ng -v "$voice" -s "$words_per_minute" -w "$raw" "$text"
    sox -R "$raw" -r 16000 -c 1 -b 16 "$audio/$file" gain -n -3 pad 0.2 0.2
    echo "$file: $text"
done
