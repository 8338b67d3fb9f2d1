#!/usr/bin/env bash
# The C core and the cffi extension built with AddressSanitizer and UndefinedBehaviorSanitizer
# (gcc, -fno-sanitize-recover=undefined), then the test suite run against that build and the
# committed fuzz corpus (csrc/fuzz/corpus/) replayed through the harnesses. Zero reports needed.
#
#   bash deploy/test-sanitizers.sh             # the suite (see PYTEST_SELECTION) + corpus replay
#   bash deploy/test-sanitizers.sh tests/x.py  # other pytest arguments instead of the default ones
#
# The editable install is left alone: the extension is emitted with ffibuilder.emit_c_code and
# compiled into a temporary directory, which also gets a symlink tree of runtime/pocketnlu
# (and tools/pocketnlu_tools) and goes first on PYTHONPATH; the script checks that Python
# really imports the sanitized build. libasan is LD_PRELOADed into Python, which is not built
# with ASan itself; ASAN_OPTIONS=detect_leaks=0 because CPython keeps memory until exit by design.
# Every process (subprocesses of the CLI tests too) logs sanitizer reports to files, and any
# report fails the run, whatever the exit codes said.
#
# Prints "sanitizers: PASS (...)" or "sanitizers: FAIL (...)", writes $OUT/summary.json
# (PNLU_SANITIZER_OUT, default build/sanitizers) for tools/pocketnlu_tools/bench/reliability.py, and exits
# non-zero on any failure or report.
set -uo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
OUT=${PNLU_SANITIZER_OUT:-$REPO/build/sanitizers}
PYTHON=${PYTHON:-python}
CC=${PNLU_SANITIZER_CC:-gcc}
SANITIZE=(-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g -O1)
# The suite less the tests that never reach our C code, or reach it only after minutes of training
# in scikit-learn and python-crfsuite (host-side libraries, not built with the sanitizers here),
# so the run stays within a few minutes. New test files are included unless listed here.
PYTEST_SELECTION=(tests
    --ignore=tests/test_public_datasets.py  # trains on the public datasets (minutes)
    --ignore=tests/test_train.py            # float training (scikit-learn, python-crfsuite)
    --ignore=tests/test_train_failures.py   # dataset readers (pure Python) through `train`
    --ignore=tests/test_datasets.py         # dataset readers (pure Python)
    --ignore=tests/test_incar_data.py       # the in-car templates (pure Python, hassil)
    --ignore=tests/test_templates.py        # the template reader (pure Python, hassil)
    --ignore=tests/test_trainer.py          # the training API (scikit-learn, python-crfsuite)
    --ignore=tests/test_cli_hardening.py    # train's command line (subprocesses that train)
    --ignore=tests/test_entities.py --ignore=tests/test_entity_phrases.py  # pure Python resolvers
    --ignore=tests/test_asr.py --ignore=tests/test_car.py --ignore=tests/test_demo.py  # PocketSphinx demo
    --deselect=tests/test_default_model.py::test_rebuilding_gives_the_same_bytes  # retrains (minutes)
)
if [ $# -gt 0 ]; then PYTEST_SELECTION=("$@"); fi

log() { echo "sanitizers: $*" >&2; }
fail() { echo "sanitizers: FAIL ($*)"; write_summary fail "$*"; exit 1; }
write_summary() {
    printf '{"result":"%s","detail":"%s","compiler":"%s","pytest":"%s","corpus_inputs":%s,"reports":%s}\n' \
        "$1" "$2" "$("$CC" -dumpfullversion 2>/dev/null || "$CC" -dumpversion)" "${PYTEST_LINE:-}" \
        "${CORPUS_INPUTS:-0}" "${REPORTS:-0}" >"$OUT/summary.json"
}

rm -rf "$OUT"
mkdir -p "$OUT/site/pocketnlu" "$OUT/reports" "$OUT/build"
cd "$REPO"

# 1. The extension, sanitized, beside a symlink tree of the package; sources from csrc/ffibuild.py.
"$PYTHON" csrc/ffibuild.py emit-c "$OUT/build/_core.c" || fail "emitting the cffi C code"
sources=$("$PYTHON" csrc/ffibuild.py sources) || fail "listing the C sources"
read -r -a C_SOURCES <<<"$(echo $sources)"
PY_INCLUDE=$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
EXT_SUFFIX=$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')
"$CC" -shared -fPIC "${SANITIZE[@]}" -I"$PY_INCLUDE" -Icsrc "$OUT/build/_core.c" "${C_SOURCES[@]}" \
    -lm -o "$OUT/site/pocketnlu/_core$EXT_SUFFIX" || fail "compiling the extension"
for entry in runtime/pocketnlu/*; do
    case "$(basename "$entry")" in _core*.so | __pycache__) continue ;; esac
    ln -s "$REPO/$entry" "$OUT/site/pocketnlu/$(basename "$entry")"
done
ln -s "$REPO/tools/pocketnlu_tools" "$OUT/site/pocketnlu_tools"

LIBASAN=$("$CC" -print-file-name=libasan.so)
[ -f "$LIBASAN" ] || fail "no libasan.so next to $CC"
export LD_PRELOAD="$LIBASAN${LD_PRELOAD:+:$LD_PRELOAD}"
export PYTHONPATH="$OUT/site${PYTHONPATH:+:$PYTHONPATH}"
# handle_sigbus=0: tests/test_model_update.py kills a reader with SIGBUS on purpose (a mapped file
# truncated in place) and checks that it died of it; ASan would turn that into a report.
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:handle_sigbus=0:log_path=$OUT/reports/asan"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$OUT/reports/ubsan"
# Python objects from malloc rather than pymalloc arenas, so ASan sees their bounds too.
export PYTHONMALLOC=malloc PYTHONDONTWRITEBYTECODE=1

loaded=$("$PYTHON" -c 'import pocketnlu, pocketnlu._core as c; print(c.__file__)') || fail "importing the sanitized build"
case "$loaded" in "$OUT/site/"*) ;; *) fail "python imported $loaded, not the sanitized build" ;; esac
log "extension: $loaded"

# 2. The test suite against it.
start=$(date +%s)
"$PYTHON" -m pytest -q -p no:cacheprovider --durations=15 "${PYTEST_SELECTION[@]}" >"$OUT/pytest.log" 2>&1
pytest_rc=$?
PYTEST_LINE=$(grep -E '^=*.*[0-9]+ (passed|failed)' "$OUT/pytest.log" | tail -1 | tr -d '=' | sed 's/^ *//; s/ *$//')
log "pytest (${PYTEST_SELECTION[*]}): ${PYTEST_LINE:-no summary} in $(($(date +%s) - start)) s"

# 3. The fuzz corpus through the harnesses, compiled with the same sanitizers by gcc.
CORPUS_INPUTS=0
replay_rc=0
for harness in fuzz_table fuzz_hash fuzz_features; do
    "$CC" -std=c99 "${SANITIZE[@]}" -Icsrc "csrc/fuzz/$harness.c" csrc/fuzz/replay_main.c \
        "${C_SOURCES[@]}" -lm -o "$OUT/build/replay_$harness" || fail "compiling $harness"
    if [ -d "csrc/fuzz/corpus/$harness" ]; then
        line=$(LD_PRELOAD= "$OUT/build/replay_$harness" "csrc/fuzz/corpus/$harness" 2>>"$OUT/replay.log")
        rc=$?
        echo "$harness: $line (exit $rc)" >>"$OUT/replay.log"
        [ "$rc" = 0 ] || replay_rc=$rc
        CORPUS_INPUTS=$((CORPUS_INPUTS + $(echo "$line" | sed -n 's/^replayed \([0-9]*\).*/\1/p')))
    fi
done
log "fuzz corpus: $CORPUS_INPUTS inputs replayed"

# 4. Verdict: exit codes, and not a single sanitizer report from any process.
REPORTS=$(find "$OUT/reports" -type f | wc -l)
if [ "$REPORTS" -gt 0 ]; then
    log "sanitizer reports:"
    head -n 40 "$OUT"/reports/* >&2
    fail "$REPORTS sanitizer report(s) in $OUT/reports"
fi
[ "$pytest_rc" = 0 ] || { tail -n 30 "$OUT/pytest.log" >&2; fail "pytest exited $pytest_rc: ${PYTEST_LINE:-see $OUT/pytest.log}"; }
[ "$replay_rc" = 0 ] || fail "corpus replay exited $replay_rc (see $OUT/replay.log)"
write_summary pass "no reports"
echo "sanitizers: PASS (ASan+UBSan, $PYTEST_LINE, $CORPUS_INPUTS fuzz corpus inputs replayed, 0 reports)"
