#!/usr/bin/env bash
# Build pocketnlu's binary wheels for Linux x86_64, aarch64 (arm64) and armv7l (armhf), one per
# architecture for every CPython >= 3.9 (the stable ABI: cp39-abi3), and the sdist.
#
#   bash deploy/build-wheels.sh                          # sdist + the three wheels, into dist/
#   bash deploy/build-wheels.sh arm64 armhf              # some of: x86_64 arm64 armhf
#   bash deploy/build-wheels.sh --check-reproducible     # build twice in two places, compare bytes
#   bash deploy/build-wheels.sh --out DIR                # somewhere else than dist/
#
# 1. `python -m build` makes the sdist and builds a wheel from it (setuptools and cffi, as
#    `pip install` from source does; isolated, with the build deps of pyproject.toml), tagged
#    cp39-abi3: the wheel's files and metadata (pyproject.toml) are that wheel's.
# 2. deploy/build_ext.py compiles pocketnlu._core for each architecture (native gcc, or Debian's
#    cross compilers against the Python headers of the Debian bookworm sysroot that
#    deploy/test-arm.sh tests in: pyconfig.h differs on 32-bit armhf) as `_core.abi3.so`. cffi's
#    generated glue defines Py_LIMITED_API before Python.h (checked here for each target, and
#    abi3audit checks the symbols the extension imports), so one wheel loads on 3.9 to 3.13+.
# 3. That extension replaces the one of step 1; the wheel is re-packed with sorted entries, fixed
#    permissions and SOURCE_DATE_EPOCH timestamps (default: the last commit's time), and tagged
#    with the manylinux policy `auditwheel show` finds for it (it reads foreign-architecture
#    ELF files): the glibc the extension needs, nothing else (it links libc and libm only).
#
# Prints one line per wheel, "WHEEL <arch>: <file> (<policy>; sha256 <hash>)", and exits non-zero
# if anything fails. Work files go to deploy/.cache/wheels-*; sysroots are shared with
# test-arm.sh (deploy/.cache/sysroot-*, PNLU_ARM_CACHE overrides). Needs the host packages
# test-arm.sh installs (mmdebstrap, cross compilers: installed with apt if missing) and, in the
# host Python, build, wheel, auditwheel, abi3audit and cffi (installed with pip if missing).
set -euo pipefail
LOG_NAME=build-wheels
# shellcheck source=deploy/arm-lib.sh
source "$(dirname "$0")/arm-lib.sh"

TARGETS=()
OUT="$REPO/dist"
CHECK=0
while [ $# -gt 0 ]; do
    case "$1" in
        x86_64 | amd64) TARGETS+=(x86_64) ;;
        arm64 | aarch64) TARGETS+=(arm64) ;;
        armhf | armv7l) TARGETS+=(armhf) ;;
        --out) OUT=$2; shift ;;
        --check-reproducible) CHECK=1 ;;
        -h | --help) sed -n '2,27p' "$0"; exit 0 ;;
        *) echo "build-wheels: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(x86_64 arm64 armhf)
mkdir -p "$OUT" && OUT=$(cd "$OUT" && pwd)
ARCHES=()
for target in "${TARGETS[@]}"; do [ "$target" = x86_64 ] || ARCHES+=("$target"); done
unavailable_lines() { local a; for a in "${ARCHES[@]}"; do echo "WHEEL $a: FAIL (no cross-build: $1)"; done; }

machine() { case "$1" in x86_64) echo x86_64 ;; arm64) echo aarch64 ;; armhf) echo armv7l ;; esac; }

host_tools() {
    HOST_PYTHON=$(host_python_with_cffi) || exit 2
    if ! "$HOST_PYTHON" -c 'import build, wheel, auditwheel, abi3audit' 2> /dev/null; then
        log "installing build, wheel, auditwheel and abi3audit with pip"
        PIP_DISABLE_PIP_VERSION_CHECK=1 "$HOST_PYTHON" -m pip install -q build wheel auditwheel abi3audit \
            > "$CACHE/pip-wheel-tools.log" 2>&1 ||
            { echo "build-wheels: FAIL: pip could not install build wheel auditwheel abi3audit" \
                   "(see $CACHE/pip-wheel-tools.log)" >&2; exit 2; }
    fi
    # The CLIs of the same Python (its bin/ may not be on PATH).
    WHEEL_CMD=("$HOST_PYTHON" -m wheel)
    AUDITWHEEL=("$HOST_PYTHON" -m auditwheel)
    ABI3AUDIT=("$HOST_PYTHON" -c 'import sys; from abi3audit._cli import main; sys.argv[0] = "abi3audit"; main()')
}

# compile TARGET DIR: the extension for TARGET into DIR/pocketnlu/_core.abi3.so, and a check
# that the glue really compiles against the limited API.
compile() {
    local target=$1 dir=$2 cc include idirafter=() t s pyver strip
    if [ "$target" = x86_64 ]; then
        [ "$(uname -m)" = x86_64 ] || { echo "build-wheels: the x86_64 wheel is built on an x86_64 host" >&2; return 1; }
        cc=${CC:-gcc}; strip=strip
        include=$("$HOST_PYTHON" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
    else
        t=$(triplet "$target"); s="$CACHE/sysroot-$target"; pyver=$(sysroot_python "$target")
        cc=$t-gcc; strip=$t-strip
        include="$s/usr/include/$pyver"; idirafter=(--idirafter "$s/usr/include")
    fi
    "$HOST_PYTHON" "$DEPLOY/build_ext.py" --strict --no-tools --cc "$cc" --python-include "$include" \
        "${idirafter[@]}" --ext-suffix .abi3.so --out "$dir" \
        --cflags "-ffile-prefix-map=$REPO/= -ffile-prefix-map=$dir/.build/=" > /dev/null
    # Neither the build directory nor the checkout's path in the bytes (__FILE__ of the glue and
    # sources, the symbol table): the same sources give the same extension wherever they are.
    "$strip" --strip-unneeded "$dir/pocketnlu/_core.abi3.so"
    # The glue must define Py_LIMITED_API (cffi does unless the target Python is a debug build)
    # once the target's pyconfig.h is read; abi3audit checks the imported symbols afterwards.
    local defines=(-I "$REPO/csrc" -I "$include")
    [ ${#idirafter[@]} -eq 0 ] || defines+=(-idirafter "$s/usr/include")
    local macros
    macros=$("$cc" -E -dM "${defines[@]}" "$dir/.build/_core.c")
    grep -qE '^#define Py_LIMITED_API( |$)' <<< "$macros" ||
        { echo "build-wheels: $target: Py_LIMITED_API is not defined by the cffi glue" >&2; return 1; }
}

# build_all OUTDIR WORKDIR: the sdist and a wheel per target into OUTDIR.
build_all() {
    local out=$1 work=$2 base tree version target plat policy name
    rm -rf "$work" && mkdir -p "$work/base" "$out"
    log "sdist and base wheel (python -m build, SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH) in $work"
    "$HOST_PYTHON" -m build -o "$work/base" -C--build-option=--py-limited-api=cp39 "$REPO" \
        > "$work/build.log" 2>&1 || { tail -n 40 "$work/build.log" >&2; echo "build-wheels: python -m build failed" >&2; return 1; }
    base=$(ls "$work"/base/*-cp39-abi3-linux_*.whl)
    "${WHEEL_CMD[@]}" unpack -d "$work/base-tree" "$base" > /dev/null
    tree=$(ls -d "$work"/base-tree/*/)
    tree=${tree%/}
    version=$(basename "$tree")            # pocketnlu-X.Y.Z
    for target in "${TARGETS[@]}"; do
        plat=linux_$(machine "$target")
        compile "$target" "$work/ext-$target" 2> "$work/compile-$target.log" ||
            { cat "$work/compile-$target.log" >&2; echo "WHEEL $target: FAIL (compile)"; return 1; }
        rm -rf "$work/$target" && mkdir -p "$work/$target/linux"
        cp -a "$tree" "$work/$target/$version"
        local wheel_dir="$work/$target/$version"
        cp "$work/ext-$target/pocketnlu/_core.abi3.so" "$wheel_dir/pocketnlu/_core.abi3.so"
        # Permissions from the tree, not from the umask of whoever built it.
        find "$wheel_dir" -type d -exec chmod 755 {} +
        find "$wheel_dir" -type f -exec chmod 644 {} +
        chmod 755 "$wheel_dir/pocketnlu/_core.abi3.so"
        sed -i -E "s/^Tag: (cp39-abi3)-linux_[a-z0-9_]+$/Tag: \1-$plat/" "$wheel_dir/$version.dist-info/WHEEL"
        "${WHEEL_CMD[@]}" pack -d "$work/$target/linux" "$wheel_dir" > /dev/null
        name=$(ls "$work/$target/linux"/*.whl)
        # The manylinux policy auditwheel computes from the symbol versions the extension needs.
        "${AUDITWHEEL[@]}" show "$name" > "$work/$target/auditwheel-linux.txt" 2>&1 ||
            { cat "$work/$target/auditwheel-linux.txt" >&2; echo "WHEEL $target: FAIL (auditwheel show)"; return 1; }
        policy=$(tr '\n' ' ' < "$work/$target/auditwheel-linux.txt" |
                 sed -nE 's/.*constrains the platform tag to "([a-z0-9_]+)".*/\1/p')
        [ -n "$policy" ] || policy=$(tr '\n' ' ' < "$work/$target/auditwheel-linux.txt" |
                                     sed -nE 's/.*consistent with the following platform tag: "([a-z0-9_]+)".*/\1/p')
        case "$policy" in
            manylinux_*_"$(machine "$target")") ;;
            *) cat "$work/$target/auditwheel-linux.txt" >&2
               echo "WHEEL $target: FAIL (auditwheel found no manylinux policy: '${policy}')"; return 1 ;;
        esac
        sed -i -E "s/^Tag: (cp39-abi3)-$plat$/Tag: \1-$policy/" "$wheel_dir/$version.dist-info/WHEEL"
        rm -f "$out/$version-cp39-abi3-"*"$(machine "$target")".whl
        "${WHEEL_CMD[@]}" pack -d "$out" "$wheel_dir" > /dev/null
        name="$out/$version-cp39-abi3-$policy.whl"
        [ -f "$name" ] || { echo "WHEEL $target: FAIL (no $name)"; return 1; }
        "${AUDITWHEEL[@]}" show "$name" > "$work/$target/auditwheel.txt" 2>&1
        "${ABI3AUDIT[@]}" --strict --summary "$name" > "$work/$target/abi3audit.txt" 2>&1 ||
            { cat "$work/$target/abi3audit.txt" >&2; echo "WHEEL $target: FAIL (abi3audit)"; return 1; }
    done
    cp "$work"/base/*.tar.gz "$out/"
}

report() {  # report OUTDIR WORKDIR: one line per wheel
    local out=$1 work=$2 target name audit
    for target in "${TARGETS[@]}"; do
        name=$(ls "$out"/*-cp39-abi3-manylinux_*_"$(machine "$target")".whl)
        audit=$(tr -s ' \n' ' ' < "$work/$target/auditwheel.txt" |
                sed -nE 's/.*(is consistent with the following platform tag: "[a-z0-9_]+").*/\1/p')
        echo "WHEEL $target: ${name#"$REPO"/} (auditwheel: ${audit:-?}; $(grep -Eo '[0-9]+ ABI violations' \
             "$work/$target/abi3audit.txt" || echo 'abi3audit: ?'); sha256 $(sha256sum "$name" | cut -c1-16))"
    done
    echo "SDIST: $(ls "$out"/*.tar.gz | sed "s|^$REPO/||")"
}

main() {
    mkdir -p "$CACHE"
    host_tools
    if [ ${#ARCHES[@]} -gt 0 ]; then
        host_packages
        for arch in "${ARCHES[@]}"; do sysroot "$arch"; done
    fi
    export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$REPO" log -1 --format=%ct 2> /dev/null || echo 315532800)}
    export PIP_DISABLE_PIP_VERSION_CHECK=1
    build_all "$OUT" "$CACHE/wheels-a"
    if [ $CHECK -eq 1 ]; then
        # The second build in another directory, a minute later, with another umask: only the
        # sources and SOURCE_DATE_EPOCH may decide the bytes.
        local second="$CACHE/wheels-b-out" failed=0 target a b
        rm -rf "$second"
        (umask 0002 && build_all "$second" "$CACHE/wheels-b")
        for target in "${TARGETS[@]}"; do
            a=$(ls "$OUT"/*-cp39-abi3-manylinux_*_"$(machine "$target")".whl)
            b="$second/$(basename "$a")"
            if [ -f "$b" ] && cmp -s "$a" "$b"; then
                echo "REPRODUCIBLE $target: $(basename "$a") sha256 $(sha256sum "$a" | cut -d' ' -f1) (built twice)"
            else
                echo "NOT REPRODUCIBLE $target: $(basename "$a") differs between two builds:"
                [ ! -f "$b" ] || diff <(unzip -lv "$a") <(unzip -lv "$b") | head -n 20 || true
                failed=1
            fi
        done
        [ $failed -eq 0 ] || return 1
    fi
    report "$OUT" "$CACHE/wheels-a"
}

main
