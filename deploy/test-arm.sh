#!/usr/bin/env bash
# Install pocketnlu's arm64 and armhf wheels into a Debian bookworm sysroot's Python under
# qemu-user, as a board would (deploy/install-board.sh --wheel, no compiler anywhere on PATH), and
# run the test suite against the installed package: no Docker, no binfmt registration. Recipe,
# timings and pitfalls: deploy/README.md.
#
#   bash deploy/test-arm.sh            # both architectures
#   bash deploy/test-arm.sh armhf      # one (arm64 | armhf); extra arguments go to pytest
#
# The wheels come from PNLU_WHEEL_DIR (e.g. dist/ after deploy/build-wheels.sh, as CI does), or
# are built for the run with deploy/build-wheels.sh into deploy/.cache/wheels-test/.
# Prints one line per architecture, "ARM <arch>: PASS (...)" or "ARM <arch>: FAIL (...)", and
# exits non-zero if any architecture failed or could not be emulated (never passes silently).
# Downloads, sysroots and builds are cached in deploy/.cache/ (PNLU_ARM_CACHE overrides).
# PNLU_ARM_TIMEOUT (seconds, default 1200) bounds each architecture's test run.
set -euo pipefail
LOG_NAME=test-arm
# shellcheck source=deploy/arm-lib.sh
source "$(dirname "$0")/arm-lib.sh"
TIMEOUT=${PNLU_ARM_TIMEOUT:-1200}

ARCHES=(arm64 armhf)
PYTEST_ARGS=()
if [ $# -gt 0 ]; then
    case "$1" in
        arm64 | armhf) ARCHES=("$1"); shift ;;
        all | both) shift ;;
        -h | --help) sed -n '2,15p' "$0"; exit 0 ;;
    esac
    PYTEST_ARGS=("$@")
fi
unavailable_lines() { local a; for a in "${ARCHES[@]}"; do echo "ARM $a: FAIL (no emulation: $1)"; done; }

machine() { case "$1" in arm64) echo aarch64 ;; armhf) echo armv7l ;; esac; }

# A PATH of the host's commands without a single C compiler, assembler or linker (qemu -L falls
# back to host paths, so the guest would otherwise find the host's gcc): the install and the
# tests show that the wheel needs none. The sysroot has none either (checked in run_arch).
no_compiler_path() {
    local dir="$CACHE/no-compiler-bin" f name
    rm -rf "$dir" && mkdir -p "$dir"
    for f in /usr/local/bin/* /usr/bin/* /bin/*; do
        name=$(basename "$f")
        [ -x "$f" ] && [ ! -d "$f" ] && [ ! -e "$dir/$name" ] || continue
        if [[ "$name" =~ ^(cc|c89|c99|c\+\+|cpp|gcc|g\+\+|clang|clang\+\+|tcc|ld|as|gold)([-.].*)?$ ]] ||
           [[ "$name" =~ ^.*-linux-gnu[a-z]*-.*$ ]] || [[ "$name" =~ ^x86_64-.*$ ]]; then continue; fi
        ln -s "$f" "$dir/$name"
    done
    echo "$dir"
}

# board ARCH CMD...: CMD with the environment of a board running the sysroot's python3: no host
# PYTHONPATH/PYTHONHOME or user site, no host pip configuration or index, no compiler on PATH.
board() {
    local arch=$1; shift
    env -u PYTHONPATH -u PYTHONHOME -u PYTHONSTARTUP -u PYTHONSAFEPATH -u PYTHONPYCACHEPREFIX \
        -u PIP_FIND_LINKS -u PIP_INDEX_URL -u PIP_EXTRA_INDEX_URL \
        PYTHONNOUSERSITE=1 PIP_CONFIG_FILE=/dev/null PIP_NO_INDEX=1 PATH="$NO_COMPILER_PATH" \
        PYTHON="$CACHE/sysroot-$arch/usr/bin/python3-qemu" BOARD="$CACHE/board-$arch" "$@"
}

# What the guest checks before the tests: the package comes from the installed wheel (not a
# source tree), its extension is the stable-ABI one, and there is no C compiler to be found.
CHECK_INSTALL='import os, platform, shutil, sys, sysconfig, _cffi_backend, pocketnlu, pocketnlu._core as c
board = os.environ["BOARD"]
print(platform.machine(), sys.version.split()[0], sysconfig.get_platform(), "_cffi_backend", _cffi_backend.__version__)
assert pocketnlu.__file__.startswith(board + "/venv/"), "not the installed wheel: " + pocketnlu.__file__
assert os.path.basename(c.__file__) == "_core.abi3.so", c.__file__
print("pocketnlu", pocketnlu.__version__, "core ABI", c.lib.pnlu_abi_version(), "from", c.__file__)
names = ["cc", "gcc", "c++", "g++", "clang", "cpp", "ld", "as", sysconfig.get_config_var("CC").split()[0]]
found = {name: shutil.which(name) for name in names if shutil.which(name)}
assert not found, "a compiler is on PATH: %s" % found
print("no C compiler, assembler or linker on PATH:", " ".join(names))'

# install_and_check ARCH WHEEL: the wheel installed as on a board, then checked and run once.
install_and_check() {
    local arch=$1 wheel=$2 b="$CACHE/board-$1" s="$CACHE/sysroot-$1" demo=0
    echo "== $arch: the sysroot has no C compiler"
    local tools
    tools=$(compgen -G "$s/usr/bin/*gcc*"; compgen -G "$s/usr/bin/*g++*"; compgen -G "$s/usr/bin/cc";
            compgen -G "$s/usr/bin/*-ld"; compgen -G "$s/usr/bin/*-as"; compgen -G "$s/usr/lib/gcc/*/*/cc1*") || true
    if [ -n "$tools" ]; then echo "the sysroot has a compiler:" $tools; return 1; fi
    echo "none in $s/usr/bin"
    rm -rf "${s:?}$b"
    # The venv install-board.sh makes (it reuses an existing one), made first because of this:
    # pip (packaging) decides whether this is a hard-float armv7l system from the ELF header of
    # sys.executable; under qemu-user that is the venv's python, a link to the host-side launcher
    # script. qemu -L resolves a guest's open() and stat() in the sysroot first, so the
    # interpreter's own ELF file at the same path inside the sysroot makes pip read what it reads
    # on a board (the host still executes the launcher); without it pip rejects every manylinux
    # armv7l wheel. It is added once the venv exists (venv's own checks would see it).
    echo "== $arch: python3 -m venv --system-site-packages $b/venv"
    board "$arch" "$s/usr/bin/python3-qemu" -m venv --system-site-packages "$b/venv" || return 1
    mkdir -p "$s$b/venv/bin" && ln -f "$s/usr/bin/$(sysroot_python "$arch")" "$s$b/venv/bin/python" || return 1
    echo "== $arch: deploy/install-board.sh --wheel $(basename "$wheel")"
    board "$arch" sh "$DEPLOY/install-board.sh" --no-apt --wheel "$wheel" --prefix "$b" --bindir "$b/bin" \
        --models-dir "$b/models" --model "$REPO/runtime/pocketnlu/models/incar.pnlu" || return 1
    echo "== $arch: platform, imports, no compiler"
    (cd "$REPO" && board "$arch" "$b/venv/bin/python" -c "$CHECK_INSTALL") || return 1
    echo "== $arch: pocketnlu demo --text \"turn up the heat\""
    board "$arch" "$b/bin/pocketnlu" demo --text "turn up the heat" > "$CACHE/demo-$arch.txt" 2>&1 || demo=$?
    cat "$CACHE/demo-$arch.txt"
    [ $demo -eq 0 ] && grep -q "intent increase_temperature" "$CACHE/demo-$arch.txt"
}

run_arch() {
    local arch=$1 start status=0 summary wheel wheels
    start=$(date +%s)
    local log_file="$CACHE/test-$arch.log" b="$CACHE/board-$arch" s="$CACHE/sysroot-$arch"
    : > "$log_file"
    wheels=("$WHEELS"/*-cp39-abi3-manylinux_*_"$(machine "$arch")".whl)
    if [ ${#wheels[@]} -ne 1 ] || [ ! -f "${wheels[0]}" ]; then
        echo "ARM $arch: FAIL (need exactly one $(machine "$arch") wheel in $WHEELS, found: ${wheels[*]})"
        return 1
    fi
    wheel=${wheels[0]}
    rm -rf "$b"
    install_and_check "$arch" "$wheel" >> "$log_file" 2>&1 || status=$?
    if [ $status -ne 0 ]; then
        tail -n 100 "$log_file"
        echo "ARM $arch: FAIL (install from $(basename "$wheel") or its checks failed, log: $log_file)"
        return 1
    fi
    echo "== $arch: pytest, against the installed wheel" >> "$log_file"
    # Extra arguments replace the default test path "tests" (pyproject's testpaths still
    # applies when they are options only).
    local args=(tests)
    [ ${#PYTEST_ARGS[@]} -eq 0 ] || args=("${PYTEST_ARGS[@]}")
    # PNLU_EMULATOR tells the tests that rely on the host kernel's behaviour (SIGBUS from a
    # truncated mapping) that qemu-user sits in between.
    (cd "$REPO" && PNLU_EMULATOR=qemu-user timeout "$TIMEOUT" bash -c 'board "$@"' _ "$arch" \
        "$b/venv/bin/python" -m pytest -q -p no:cacheprovider "${args[@]}") >> "$log_file" 2>&1 || status=$?
    # The ELF file linked into the sysroot for pip (install_and_check), and its empty parents.
    rm -rf "${s:?}$b" && rmdir -p "$(dirname "$s$b")" 2> /dev/null || true
    summary=$(grep -E '^=*[ ]*[0-9]+ (passed|failed|error|skipped)|no tests ran' "$log_file" | tail -1 |
              sed -E 's/^=+ *//; s/ *=+$//; s/ in [0-9.]+s.*$//' || true)
    local took=$(( $(date +%s) - start ))
    # pytest's exit status 0 means every collected test passed (5: none collected).
    if [ $status -eq 0 ] && [[ "$summary" != *failed* ]]; then
        summary=${summary:-no summary line: pytest exited 0}
        echo "ARM $arch: PASS ($summary; ${took}s; installed $(basename "$wheel"))"
    else
        tail -n 150 "$log_file"
        [ $status -eq 124 ] && summary="timed out after ${TIMEOUT}s; $summary"
        echo "ARM $arch: FAIL (${summary:-status $status}; ${took}s; log: $log_file)"
        return 1
    fi
}

main() {
    mkdir -p "$CACHE"
    host_packages
    qemu_binaries
    local arch failed=0
    for arch in "${ARCHES[@]}"; do sysroot "$arch"; done
    if [ -n "${PNLU_WHEEL_DIR:-}" ]; then
        WHEELS=$(cd "$PNLU_WHEEL_DIR" && pwd)
    else
        WHEELS="$CACHE/wheels-test"
        log "building the ${ARCHES[*]} wheels (deploy/build-wheels.sh --out $WHEELS)"
        rm -rf "$WHEELS"
        bash "$DEPLOY/build-wheels.sh" "${ARCHES[@]}" --out "$WHEELS" > "$CACHE/build-wheels-test.log" 2>&1 ||
            { cat "$CACHE/build-wheels-test.log"
              for arch in "${ARCHES[@]}"; do echo "ARM $arch: FAIL (the wheel did not build)"; done; return 1; }
    fi
    NO_COMPILER_PATH=$(no_compiler_path)
    export -f board
    export CACHE NO_COMPILER_PATH
    if [ "${PNLU_ARM_JOBS:-2}" -gt 1 ] && [ ${#ARCHES[@]} -gt 1 ]; then
        # One qemu per architecture at once (each is mostly single-threaded); results are
        # printed in order once both are done.
        local pids=()
        for arch in "${ARCHES[@]}"; do
            run_arch "$arch" > "$CACHE/result-$arch.txt" 2>&1 &
            pids+=($!)
        done
        local i
        for i in "${!ARCHES[@]}"; do
            wait "${pids[$i]}" || failed=1
            cat "$CACHE/result-${ARCHES[$i]}.txt"
        done
    else
        for arch in "${ARCHES[@]}"; do run_arch "$arch" || failed=1; done
    fi
    return $failed
}

main
