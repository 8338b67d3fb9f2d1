#!/bin/sh
# Install or replace a model file safely, even while services have it mapped.
#
#   deploy/update-model.sh NEW.pnlu /var/lib/pocketnlu/models/            # keeps NEW's file name
#   deploy/update-model.sh NEW.pnlu /var/lib/pocketnlu/models/incar.pnlu
#
# 1. checks NEW with the installed runtime (`pocketnlu inspect --verify`: header, sections, every
#    CRC-32, the metadata, and opening it and parsing a probe utterance as a service would);
# 2. copies it to a temporary file in the target's directory (same file system) and fsyncs it;
# 3. checks the copy, then rename(2)s it over the target (atomic: a reader opening the path
#    gets the whole old file or the whole new one, never a mix) and fsyncs the directory.
#
# Processes that have the old model mapped keep reading the old inode, intact, until they
# reopen the path; the kernel frees it when the last mapping goes. NEVER rewrite a mapped model
# in place (`cp new old`, `cat new > old`, open(old, "wb"), rsync --inplace): the file is
# truncated first, and every process reading its mapping dies with SIGBUS (tests/test_model_update.py
# shows both). From Python, pocketnlu_tools.pack.writer.write_atomically(path, data) does steps 2-3.
#
# Options: --no-verify skips the checks (for a machine without pocketnlu installed);
# PYTHON (default python3) runs `-m pocketnlu.cli`.
set -eu

verify=1
if [ "${1:-}" = "--no-verify" ]; then verify=0; shift; fi
if [ $# -ne 2 ]; then
    sed -n '2,19p' "$0" >&2
    exit 2
fi
new=$1
target=$2
PYTHON=${PYTHON:-python3}

[ -f "$new" ] || { echo "update-model: $new: no such file" >&2; exit 2; }
if [ -d "$target" ]; then target="${target%/}/$(basename "$new")"; fi
dir=$(dirname "$target")
[ -d "$dir" ] || { echo "update-model: directory $dir does not exist" >&2; exit 2; }

check() {
    [ "$verify" -eq 1 ] || return 0
    if ! "$PYTHON" -c 'import pocketnlu' >/dev/null 2>&1; then
        echo "update-model: pocketnlu is not installed for $PYTHON (set PYTHON=, or pass --no-verify); nothing replaced" >&2
        return 1
    fi
    if ! out=$("$PYTHON" -m pocketnlu.cli inspect --verify "$1" 2>&1); then
        echo "update-model: $2 failed verification, nothing replaced: $out" >&2
        return 1
    fi
}

check "$new" "$new"
tmp="$dir/.$(basename "$target").tmp.$$"
trap 'rm -f "$tmp"' EXIT INT TERM
cp "$new" "$tmp"
chmod 644 "$tmp"
sync "$tmp"                 # fsync(2) of the new bytes before they get the model's name
check "$tmp" "the copy at $tmp"
mv -f "$tmp" "$target"      # rename(2) within one directory: atomic
trap - EXIT INT TERM
sync "$dir"                 # fsync(2) of the directory: the rename survives a power cut
echo "update-model: installed $target ($(wc -c < "$target") bytes)"
