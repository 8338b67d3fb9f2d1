#!/usr/bin/env bash
# Coverage-guided fuzzing of the C core (csrc/) with libFuzzer, under AddressSanitizer and
# UndefinedBehaviorSanitizer. Harnesses: csrc/fuzz/fuzz_table.c (a weight-table section: init,
# lookup, score, Viterbi), csrc/fuzz/fuzz_hash.c (MurmurHash3, pnlu_hash_batch offsets) and
# csrc/fuzz/fuzz_features.c (the feature composer on arbitrary words and configs).
#
#   bash deploy/fuzz.sh              # CI smoke run: 60 s per harness (all harnesses in parallel)
#   bash deploy/fuzz.sh 3600         # release run: one hour per harness
#   PNLU_FUZZ_MERGE=1 bash deploy/fuzz.sh 600
#                                    # also fold new interesting inputs into the committed corpus
#                                    # csrc/fuzz/corpus/<harness>/ (minimized with -merge=1)
#
# Inputs: the committed corpus, plus seeds written by `python -m pocketnlu_tools.recipes.fuzz_seeds`
# (small tables built with pocketnlu_tools.pack.tables and the table sections of the shipped model).
# Prints one line per harness ("fuzz fuzz_table: OK, N executions in S s, ...") and a total line;
# exits non-zero if a harness fails to build, crashes, hangs (a unit over 10 s), runs out of
# memory, or trips a sanitizer. Crash inputs are kept in $OUT/artifacts/; reproduce one with
# `$OUT/fuzz_table FILE`; turn it into a regression test in tests/test_fuzz_regressions.py and
# keep it in the corpus. $OUT (PNLU_FUZZ_OUT, default build/fuzz) also gets each harness's log
# and summary.json, read by tools/pocketnlu_tools/bench/reliability.py.
#
# Needs clang with libFuzzer: on Debian `apt-get install clang` (it pulls libclang-rt-NN-dev);
# the script installs it itself when it runs as root and clang is missing.
set -uo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
SECONDS_PER_HARNESS=${1:-60}
OUT=${PNLU_FUZZ_OUT:-$REPO/build/fuzz}
CC=${PNLU_FUZZ_CC:-clang}
HARNESSES=(fuzz_table fuzz_hash fuzz_features)
declare -A MAX_LEN=([fuzz_table]=16384 [fuzz_hash]=4096 [fuzz_features]=4096)
CFLAGS=(-g -O1 -std=c99 -Wall -Wextra -fno-omit-frame-pointer
        -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined)

log() { echo "fuzz: $*" >&2; }
die() { echo "fuzz: FAIL: $*" >&2; exit 1; }

case "$SECONDS_PER_HARNESS" in '' | *[!0-9]*) die "usage: deploy/fuzz.sh [SECONDS_PER_HARNESS]" ;; esac

# libFuzzer links only if clang's runtime (libclang_rt.fuzzer) is there.
can_fuzz() {
    command -v "$CC" >/dev/null 2>&1 || return 1
    local probe
    probe=$(mktemp -d)
    printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' >"$probe/p.c"
    "$CC" -fsanitize=fuzzer,address,undefined "$probe/p.c" -o "$probe/p" >/dev/null 2>&1
    local ok=$?
    rm -rf "$probe"
    return $ok
}
if ! can_fuzz; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        log "installing clang (libFuzzer) with apt-get"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >/dev/null && apt-get install -y -qq clang >/dev/null ||
            die "apt-get install clang failed"
        if ! can_fuzz; then
            version=$("$CC" -dumpversion | cut -d. -f1)
            apt-get install -y -qq "libclang-rt-$version-dev" >/dev/null || true
        fi
    fi
    can_fuzz || die "$CC cannot build libFuzzer targets (install clang and libclang-rt-NN-dev)"
fi

rm -rf "$OUT/corpus" "$OUT/artifacts" "$OUT/seeds" "$OUT/merged"
mkdir -p "$OUT/artifacts" "$OUT/seeds"
log "$("$CC" --version | head -1)"
sources=$(cd "$REPO" && python3 csrc/ffibuild.py sources) || die "listing the C sources (csrc/ffibuild.py needs cffi)"
C_SOURCES=()
for source in $sources; do C_SOURCES+=("$REPO/$source"); done
for h in "${HARNESSES[@]}"; do
    "$CC" "${CFLAGS[@]}" -I"$REPO/csrc" "$REPO/csrc/fuzz/$h.c" "${C_SOURCES[@]}" -lm -o "$OUT/$h" ||
        die "building $h"
done

if ! (cd "$REPO" && python -m pocketnlu_tools.recipes.fuzz_seeds "$OUT/seeds" >&2); then
    log "warning: could not write seeds (is pocketnlu installed?); fuzzing from the committed corpus only"
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
pids=()
for h in "${HARNESSES[@]}"; do
    mkdir -p "$OUT/corpus/$h" "$OUT/seeds/$h" "$REPO/csrc/fuzz/corpus/$h"
    # New inputs go to the first (scratch) directory; the committed corpus is only read.
    "$OUT/$h" "$OUT/corpus/$h" "$REPO/csrc/fuzz/corpus/$h" "$OUT/seeds/$h" \
        -max_total_time="$SECONDS_PER_HARNESS" -max_len="${MAX_LEN[$h]}" -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$OUT/artifacts/$h-" \
        >"$OUT/$h.log" 2>&1 &
    pids+=($!)
done

status=0
crashes=0
total=0
json_runs=""
for i in "${!HARNESSES[@]}"; do
    h=${HARNESSES[$i]}
    wait "${pids[$i]}"
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$OUT/$h.log" | tail -1)
    if [ -z "$execs" ]; then  # killed before the final stats: the last status line
        execs=$(sed -n 's/^#\([0-9][0-9]*\).*/\1/p' "$OUT/$h.log" | tail -1)
    fi
    execs=${execs:-0}
    elapsed=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$OUT/$h.log" | tail -1)
    corpus_files=$(find "$REPO/csrc/fuzz/corpus/$h" "$OUT/corpus/$h" -type f | wc -l)
    total=$((total + execs))
    if [ "$rc" = 0 ]; then
        result=ok
        echo "fuzz $h: OK, $execs executions in ${elapsed:-$SECONDS_PER_HARNESS} s, corpus $corpus_files inputs, no crash"
    else
        result=crash
        status=1
        crashes=$((crashes + 1))
        crash=$(ls "$OUT/artifacts/" 2>/dev/null | grep "^$h-" | head -1)
        echo "fuzz $h: FAIL (exit $rc) after $execs executions: $(grep -m1 -E 'ERROR|runtime error|invariant failed' "$OUT/$h.log")"
        echo "fuzz $h: input kept as $OUT/artifacts/$crash; log $OUT/$h.log"
    fi
    json_runs+="${json_runs:+,}\"$h\":{\"result\":\"$result\",\"exit\":$rc,\"executions\":$execs,\"seconds\":${elapsed:-$SECONDS_PER_HARNESS},\"corpus_files\":$corpus_files}"
done

if [ "${PNLU_FUZZ_MERGE:-0}" = 1 ] && [ "$status" = 0 ]; then
    for h in "${HARNESSES[@]}"; do
        rm -rf "$OUT/merged/$h" && mkdir -p "$OUT/merged/$h"
        "$OUT/$h" -merge=1 -max_len="${MAX_LEN[$h]}" "$OUT/merged/$h" "$REPO/csrc/fuzz/corpus/$h" \
            "$OUT/corpus/$h" "$OUT/seeds/$h" >"$OUT/$h.merge.log" 2>&1 || die "merging the $h corpus"
        # Regression inputs (crash-<sha1>) stay whatever the merge thinks of them, under that name only.
        for crash in "$REPO/csrc/fuzz/corpus/$h"/crash-*; do
            [ -f "$crash" ] || continue
            rm -f "$OUT/merged/$h/$(basename "$crash" | sed 's/^crash-//')"
            cp "$crash" "$OUT/merged/$h/"
        done
        find "$REPO/csrc/fuzz/corpus/$h" -type f ! -name 'crash-*' -delete
        cp "$OUT/merged/$h"/* "$REPO/csrc/fuzz/corpus/$h/"
        log "$h corpus: $(ls "$REPO/csrc/fuzz/corpus/$h" | wc -l) inputs after merge"
    done
    log "committed corpus: $(du -sb "$REPO/csrc/fuzz/corpus" | cut -f1) bytes (keep it under 2 MB)"
fi

printf '{"clang":"%s","seconds_per_harness":%s,"total_executions":%s,"crashes":%s,"harnesses":{%s}}\n' \
    "$("$CC" -dumpversion)" "$SECONDS_PER_HARNESS" "$total" "$crashes" "$json_runs" >"$OUT/summary.json"
if [ "$status" = 0 ]; then
    echo "fuzz: PASS, $total executions in total, no crash ($OUT/summary.json)"
else
    echo "fuzz: FAIL, a harness crashed ($OUT/summary.json)"
fi
exit "$status"
