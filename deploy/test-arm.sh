#!/usr/bin/env bash
# Cross-build pocketnlu for arm64 and armhf and run the test suite under qemu-user against a
# Debian bookworm sysroot: no Docker, no binfmt registration. Recipe, timings and pitfalls:
# deploy/README.md.
#
#   bash deploy/test-arm.sh            # both architectures
#   bash deploy/test-arm.sh armhf      # one (arm64 | armhf); extra arguments go to pytest
#
# Prints one line per architecture, "ARM <arch>: PASS (...)" or "ARM <arch>: FAIL (...)", and
# exits non-zero if any architecture failed or could not be emulated (never passes silently).
# Downloads, sysroots and builds are cached in deploy/.cache/ (PNLU_ARM_CACHE overrides).
# PNLU_ARM_TIMEOUT (seconds, default 1200) bounds each architecture's test run.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
DEPLOY="$REPO/deploy"
CACHE=${PNLU_ARM_CACHE:-$DEPLOY/.cache}
TIMEOUT=${PNLU_ARM_TIMEOUT:-1200}
SUITE=bookworm
# Bump to rebuild every cached sysroot (the package list is part of the key already).
SYSROOT_RECIPE=1

log() { echo "test-arm: $*" >&2; }
die_no_emulation() {
    {
        echo "################################################################################"
        echo "ARM: EMULATION UNAVAILABLE: $*"
        echo "ARM: the arm64/armhf tests did NOT run; this is a failure, not a pass."
        echo "################################################################################"
    } >&2
    for arch in "${ARCHES[@]}"; do echo "ARM $arch: FAIL (no emulation: $*)"; done
    exit 3
}

ARCHES=(arm64 armhf)
PYTEST_ARGS=()
if [ $# -gt 0 ]; then
    case "$1" in
        arm64 | armhf) ARCHES=("$1"); shift ;;
        all | both) shift ;;
        -h | --help) sed -n '2,11p' "$0"; exit 0 ;;
    esac
    PYTEST_ARGS=("$@")
fi

triplet() { case "$1" in arm64) echo aarch64-linux-gnu ;; armhf) echo arm-linux-gnueabihf ;; esac; }
qemu_name() { case "$1" in arm64) echo qemu-aarch64-static ;; armhf) echo qemu-arm-static ;; esac; }
cross_pkgs() { case "$1" in arm64) echo gcc-aarch64-linux-gnu libc6-dev-arm64-cross ;;
                            armhf) echo gcc-arm-linux-gnueabihf libc6-dev-armhf-cross ;; esac; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo > /dev/null && sudo -n true 2> /dev/null; then sudo "$@"
    else return 1; fi
}

# --- host packages ------------------------------------------------------------------------
host_packages() {
    local missing=() arch
    command -v mmdebstrap > /dev/null || missing+=(mmdebstrap)
    command -v dpkg-deb > /dev/null || missing+=(dpkg)
    for arch in "${ARCHES[@]}"; do
        # shellcheck disable=SC2207 # package names never contain spaces
        command -v "$(triplet "$arch")-gcc" > /dev/null || missing+=($(cross_pkgs "$arch"))
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    command -v apt-get > /dev/null || die_no_emulation "host packages ${missing[*]} are missing and there is no apt-get"
    log "installing host packages: ${missing[*]}"
    as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "${missing[@]}" > "$CACHE/apt-host.log" 2>&1 ||
        die_no_emulation "could not install host packages ${missing[*]} (see $CACHE/apt-host.log; needs root)"
}

# --- qemu-user binaries, unpacked from Debian's package (installing it could register binfmt) -
qemu_binaries() {
    local dir="$CACHE/qemu" arch need=()
    for arch in "${ARCHES[@]}"; do
        [ -x "$dir/usr/bin/$(qemu_name "$arch")" ] || need+=("./usr/bin/$(qemu_name "$arch")")
    done
    if [ ${#need[@]} -gt 0 ]; then
        log "downloading qemu-user-static (unpacked into $dir, binfmt untouched)"
        rm -rf "$CACHE/qemu-deb" && mkdir -p "$CACHE/qemu-deb" "$dir"
        (cd "$CACHE/qemu-deb" && apt-get download qemu-user-static > /dev/null 2>&1) ||
            { as_root apt-get update -qq > /dev/null 2>&1 &&
              (cd "$CACHE/qemu-deb" && apt-get download qemu-user-static > /dev/null 2>&1); } ||
            die_no_emulation "apt-get download qemu-user-static failed"
        dpkg-deb --fsys-tarfile "$CACHE"/qemu-deb/qemu-user-static_*.deb |
            tar -x -C "$dir" "${need[@]}" || die_no_emulation "could not unpack qemu-user-static"
        rm -rf "$CACHE/qemu-deb"
    fi
    for arch in "${ARCHES[@]}"; do
        "$dir/usr/bin/$(qemu_name "$arch")" --version > /dev/null 2>&1 ||
            die_no_emulation "$dir/usr/bin/$(qemu_name "$arch") does not run on this host"
    done
}

# --- target sysroot ---------------------------------------------------------------------------
sysroot() {
    local arch=$1 t s q key tmp pyver
    t=$(triplet "$arch"); s="$CACHE/sysroot-$arch"; q="$CACHE/qemu/usr/bin/$(qemu_name "$arch")"
    key="recipe=$SYSROOT_RECIPE suite=$SUITE packages=$PACKAGES path=$s qemu=$q"
    if [ -f "$s/.pnlu-sysroot" ] && [ "$(cat "$s/.pnlu-sysroot")" = "$key" ]; then return 0; fi
    log "building the $SUITE $arch sysroot ($PACKAGES)"
    tmp="$s.tmp"
    rm -rf "$tmp" "$s"
    # --variant=extract downloads and unpacks only (no maintainer scripts, no emulation needed);
    # with no mirror argument it uses the host's apt sources.
    # A mirror caught mid-sync (seen here on bookworm-security armhf: "File has unexpected size")
    # makes mmdebstrap fail; retry, then fall back to $SUITE and $SUITE-updates of one mirror
    # (PNLU_DEBIAN_MIRROR), which is enough for a test sysroot.
    local mirror=${PNLU_DEBIAN_MIRROR:-http://deb.debian.org/debian} attempt ok=0
    : > "$CACHE/mmdebstrap-$arch.log"
    for attempt in host host-retry fallback; do
        local sources=()
        case $attempt in
            host-retry) sleep 5 ;;
            fallback) log "WARNING: the host's apt sources failed for $arch; using $mirror $SUITE and $SUITE-updates only"
                      sources=("deb $mirror $SUITE main" "deb $mirror $SUITE-updates main") ;;
        esac
        rm -rf "$tmp"
        echo "== attempt: $attempt" >> "$CACHE/mmdebstrap-$arch.log"
        if mmdebstrap --variant=extract --arch="$arch" --include="${PACKAGES// /,}" "$SUITE" "$tmp" \
            "${sources[@]}" >> "$CACHE/mmdebstrap-$arch.log" 2>&1; then ok=1; break; fi
    done
    [ $ok -eq 1 ] ||
        die_no_emulation "mmdebstrap could not build the $arch sysroot (see $CACHE/mmdebstrap-$arch.log)"
    # Alternatives that postinst scripts would have made.
    ln -sf blas/libblas.so.3 "$tmp/usr/lib/$t/libblas.so.3"
    ln -sf lapack/liblapack.so.3 "$tmp/usr/lib/$t/liblapack.so.3"
    pyver=$(basename "$(readlink -f "$tmp/usr/bin/python3")")   # python3.11
    # qemu -L falls back to host paths missing from the sysroot: an existing $S/tmp would hide the
    # host /tmp (pytest's tmp_path); missing site directories would let host packages leak in.
    rmdir "$tmp/tmp" 2> /dev/null || true
    mkdir -p "$tmp/usr/local/lib/$pyver/dist-packages" "$tmp/usr/lib/python3/dist-packages"
    printf '#!/bin/sh\n# python3 of the %s sysroot under qemu-user; argv[0] (-0) keeps sys.executable usable.\nexec %s -L %s -0 "$0" %s/usr/bin/%s "$@"\n' \
        "$arch" "$q" "$s" "$s" "$pyver" > "$tmp/usr/bin/python3-qemu"
    chmod +x "$tmp/usr/bin/python3-qemu"
    mv "$tmp" "$s"
    # Precompiled .pyc files: importing numpy under emulation drops from about 5 s to 2 s.
    if command -v "$pyver" > /dev/null; then
        "$pyver" -m compileall -q -j0 "$s/usr/lib/$pyver" "$s/usr/lib/python3/dist-packages" > /dev/null 2>&1 || true
    else
        env -u PYTHONPATH -u PYTHONHOME "$s/usr/bin/python3-qemu" -m compileall -q \
            "/usr/lib/$pyver" /usr/lib/python3/dist-packages > /dev/null 2>&1 || true
    fi
    echo "$key" > "$s/.pnlu-sysroot"
}

guest() {  # guest ARCH ARGS...: run the sysroot's python3 with a clean Python environment
    local arch=$1; shift
    env -u PYTHONHOME -u PYTHONSTARTUP -u PYTHONSAFEPATH -u PYTHONPYCACHEPREFIX PYTHONNOUSERSITE=1 \
        PYTHONPATH="$CACHE/build-$arch/site" \
        "$CACHE/sysroot-$arch/usr/bin/python3-qemu" "$@"
}

# --- cross-build ------------------------------------------------------------------------------
build() {
    local arch=$1 t s pyver ext
    t=$(triplet "$arch"); s="$CACHE/sysroot-$arch"
    pyver=$(basename "$(readlink -f "$s/usr/bin/python3")")
    ext=$(guest "$arch" -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))') || return 1
    "$HOST_PYTHON" "$DEPLOY/build_ext.py" --strict --cc "$t-gcc" \
        --python-include "$s/usr/include/$pyver" --idirafter "$s/usr/include" \
        --ext-suffix "$ext" --out "$CACHE/build-$arch/site" > /dev/null || return 1
    # The extension must link only libc (the target's libpython is not linked by extensions).
    "$t-readelf" -d "$CACHE/build-$arch/site/pocketnlu/_core$ext" | grep NEEDED >&2 || true
}

run_arch() {
    local arch=$1 start status=0 summary
    start=$(date +%s)
    local log_file="$CACHE/test-$arch.log"
    : > "$log_file"
    if ! build "$arch" >> "$log_file" 2>&1; then
        tail -n 100 "$log_file"
        echo "ARM $arch: FAIL (cross-build failed, log: $log_file)"
        return 1
    fi
    {
        echo "== $arch: platform and imports under qemu"
        guest "$arch" -c 'import platform, sys, numpy, _cffi_backend, pocketnlu._core as c
print(platform.machine(), sys.version.split()[0], "numpy", numpy.__version__, "cffi", _cffi_backend.__version__)
assert "/usr/lib/python3/dist-packages/numpy/" in numpy.__file__, numpy.__file__
print("core ABI", c.lib.pnlu_abi_version(), c.__file__)'
    } >> "$log_file" 2>&1 || status=$?
    if [ $status -eq 0 ]; then
        echo "== $arch: pytest" >> "$log_file"
        # Extra arguments replace the default test path "tests" (pyproject's testpaths still
        # applies when they are options only).
        local args=(tests)
        [ ${#PYTEST_ARGS[@]} -eq 0 ] || args=("${PYTEST_ARGS[@]}")
        # PNLU_EMULATOR tells the tests that rely on the host kernel's behaviour (SIGBUS from a
        # truncated mapping) that qemu-user sits in between.
        (cd "$REPO" && PNLU_EMULATOR=qemu-user timeout "$TIMEOUT" bash -c 'guest "$@"' _ "$arch" -m pytest -q \
            -p no:cacheprovider "${args[@]}") >> "$log_file" 2>&1 || status=$?
    fi
    summary=$(grep -E '^=*[ ]*[0-9]+ (passed|failed|error|skipped)|no tests ran' "$log_file" | tail -1 |
              sed -E 's/^=+ *//; s/ *=+$//; s/ in [0-9.]+s.*$//' || true)
    local took=$(( $(date +%s) - start ))
    # pytest's exit status 0 means every collected test passed (5: none collected).
    if [ $status -eq 0 ] && [[ "$summary" != *failed* ]]; then
        summary=${summary:-no summary line: pytest exited 0}
        echo "ARM $arch: PASS ($summary; ${took}s)"
    else
        tail -n 150 "$log_file"
        [ $status -eq 124 ] && summary="timed out after ${TIMEOUT}s; $summary"
        echo "ARM $arch: FAIL (${summary:-status $status}; ${took}s; log: $log_file)"
        return 1
    fi
}

main() {
    mkdir -p "$CACHE"
    PACKAGES=$(sh "$DEPLOY/packages.sh" runtime test headers)
    # The Python that generates cffi's C glue on the host (any version with cffi).
    HOST_PYTHON=${PYTHON:-python3}
    if ! "$HOST_PYTHON" -c 'import cffi' 2> /dev/null; then
        HOST_PYTHON=/usr/bin/python3
        if ! "$HOST_PYTHON" -c 'import cffi' 2> /dev/null; then
            as_root apt-get update -qq && as_root apt-get install -y -qq --no-install-recommends python3-cffi \
                > /dev/null 2>&1 || { echo "ARM: FAIL: no host Python with cffi (pip install cffi)" >&2; exit 2; }
        fi
    fi
    host_packages
    qemu_binaries
    local arch failed=0
    for arch in "${ARCHES[@]}"; do sysroot "$arch"; done
    export -f guest
    export CACHE
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
