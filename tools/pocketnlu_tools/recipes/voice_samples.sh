#!/usr/bin/env bash
# Regenerates the sample WAVs and samples.json of an audio folder (the checkout's: tests/audio) from
# its sentences.tsv: one command a line, NAME<TAB>INTENT<TAB>TEXT ("#" starts a comment line).
#
# Every sentence is spoken by each voice below, all espeak-ng's Klatt synthesizer (PocketSphinx's
# acoustic model recognizes it best among espeak-ng's voices): American English (NAME-us.wav) and
# British English (NAME-gb.wav; "en" is espeak-ng's British voice, and "en-gb+klatt" would quietly
# drop the variant). sox makes each 16 kHz mono 16-bit, trims the silence espeak-ng leaves at the
# end, normalizes to -3 dBFS so resampling cannot clip and pads 0.2 s of silence around it; -R
# makes the dither repeatable, so the same espeak-ng and sox (1.51 and 14.4.2 made the shipped
# ones) give the same bytes. samples.json lists file, text, intent and voice of every WAV.
#
#     apt-get install -y espeak-ng sox && bash tools/pocketnlu_tools/recipes/voice_samples.sh tests/audio
set -euo pipefail

if [ $# -ne 1 ] || [ ! -f "$1/sentences.tsv" ]; then
    echo "usage: $0 AUDIO_DIR (a folder with sentences.tsv; the checkout's: tests/audio)" >&2
    exit 2
fi
audio="$1"
voices=("us en-us+klatt" "gb en+klatt")  # file suffix, espeak-ng voice
words_per_minute=175
raw="$(mktemp --suffix=.wav)"
listing="$(mktemp)"
trap 'rm -f "$raw" "$listing"' EXIT

grep -v '^#' "$audio/sentences.tsv" | grep -v '^[[:space:]]*$' |
while IFS=$'\t' read -r name intent text; do
    for entry in "${voices[@]}"; do
        read -r suffix voice <<< "$entry"
        file="$name-$suffix.wav"
        espeak-ng -v "$voice" -s "$words_per_minute" -w "$raw" "$text"
        sox -R "$raw" -r 16000 -c 1 -b 16 "$audio/$file" reverse silence 1 0.01 -55d reverse gain -n -3 pad 0.2 0.2
        printf '%s\t%s\t%s\t%s\n' "$file" "$text" "$intent" "$voice" >> "$listing"
        echo "$file: $text"
    done
done

python3 - "$listing" "$audio" <<'EOF'
import json, sys
from pathlib import Path

keys = ("file", "text", "intent", "voice")
samples = [dict(zip(keys, line.rstrip("\n").split("\t"))) for line in open(sys.argv[1], encoding="utf-8")]
audio = Path(sys.argv[2])
(audio / "samples.json").write_text(json.dumps(samples, indent=2) + "\n", encoding="utf-8")
stale = sorted({path.name for path in audio.glob("*.wav")} - {sample["file"] for sample in samples})
if stale:
    print(f"not in samples.json (delete them): {' '.join(stale)}", file=sys.stderr)
EOF
