# Shell functions shared by deploy/test-arm.sh and deploy/build-wheels.sh (sourced, not run):
# host packages (mmdebstrap, Debian's cross compilers), the qemu-user binaries, the Debian
# bookworm sysroot of each ARM architecture and the guest launcher, all cached in $CACHE
# (deploy/.cache/, PNLU_ARM_CACHE overrides), so the wheel build and the QEMU tests use the same
# sysroot: its Python headers for the cross-build, its Python for the tests.
#
# The sourcing script sets ARCHES (arm64 and/or armhf) and may define unavailable_lines, called
# with the reason before exiting 3 when emulation or cross-building is impossible.
# shellcheck shell=bash

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEPLOY="$REPO/deploy"
CACHE=${PNLU_ARM_CACHE:-$DEPLOY/.cache}
SUITE=bookworm
# Bump to rebuild every cached sysroot (the package list is part of the key already).
SYSROOT_RECIPE=2
# The sysroot's Debian packages (deploy/debian-packages.txt): the device runtime, the test
# suite, the Python headers (cross-builds compile against them) and pip for installing a wheel.
# No compiler: the wheel's tests show that a board needs none (see strip_toolchain).
SYSROOT_ROLES=(runtime test headers wheel)
LOG_NAME=${LOG_NAME:-arm}

log() { echo "$LOG_NAME: $*" >&2; }
die_no_emulation() {
    {
        echo "################################################################################"
        echo "ARM: EMULATION UNAVAILABLE: $*"
        echo "ARM: the arm64/armhf steps did NOT run; this is a failure, not a pass."
        echo "################################################################################"
    } >&2
    if declare -F unavailable_lines > /dev/null; then unavailable_lines "$*"; fi
    exit 3
}

triplet() { case "$1" in arm64) echo aarch64-linux-gnu ;; armhf) echo arm-linux-gnueabihf ;; esac; }
qemu_name() { case "$1" in arm64) echo qemu-aarch64-static ;; armhf) echo qemu-arm-static ;; esac; }
cross_pkgs() { case "$1" in arm64) echo gcc-aarch64-linux-gnu libc6-dev-arm64-cross binutils-aarch64-linux-gnu ;;
                            armhf) echo gcc-arm-linux-gnueabihf libc6-dev-armhf-cross binutils-arm-linux-gnueabihf ;; esac; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo > /dev/null && sudo -n true 2> /dev/null; then sudo "$@"
    else return 1; fi
}

sysroot_packages() { sh "$DEPLOY/packages.sh" "${SYSROOT_ROLES[@]}"; }

# --- host packages ------------------------------------------------------------------------
host_packages() {
    local missing=() arch
    mkdir -p "$CACHE"
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
    local arch=$1 t s q key tmp pyver packages
    packages=$(sysroot_packages)
    t=$(triplet "$arch"); s="$CACHE/sysroot-$arch"; q="$CACHE/qemu/usr/bin/$(qemu_name "$arch")"
    key="recipe=$SYSROOT_RECIPE suite=$SUITE packages=$packages path=$s qemu=$q"
    mkdir -p "$CACHE"
    # Two scripts may ask for the same sysroot at once (CI runs them one after the other; a
    # developer may not): one builds, the other waits.
    exec {lock_fd}> "$CACHE/sysroot-$arch.lock"
    flock "$lock_fd"
    if [ -f "$s/.pnlu-sysroot" ] && [ "$(cat "$s/.pnlu-sysroot")" = "$key" ]; then
        flock -u "$lock_fd"; return 0
    fi
    log "building the $SUITE $arch sysroot ($packages)"
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
        if mmdebstrap --variant=extract --skip=cleanup/apt/cache --arch="$arch" --include="${packages// /,}" \
            "$SUITE" "$tmp" "${sources[@]}" >> "$CACHE/mmdebstrap-$arch.log" 2>&1; then ok=1; break; fi
    done
    [ $ok -eq 1 ] ||
        die_no_emulation "mmdebstrap could not build the $arch sysroot (see $CACHE/mmdebstrap-$arch.log)"
    strip_toolchain "$arch" "$tmp"
    # Alternatives that postinst scripts would have made (numpy's BLAS/LAPACK, when installed).
    [ -e "$tmp/usr/lib/$t/blas/libblas.so.3" ] && ln -sf blas/libblas.so.3 "$tmp/usr/lib/$t/libblas.so.3"
    [ -e "$tmp/usr/lib/$t/lapack/liblapack.so.3" ] && ln -sf lapack/liblapack.so.3 "$tmp/usr/lib/$t/liblapack.so.3"
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
    flock -u "$lock_fd"
}

# strip_toolchain ARCH DIR: delete every file of the compiler, assembler and linker packages
# that came in as dependencies (on arm64, python3-scipy -> python3-pythran -> g++), using the
# downloaded .deb files of the extract-only sysroot, then the .deb files themselves.
strip_toolchain() {
    local arch=$1 dir=$2 deb pkg removed=() name
    for deb in "$dir"/var/cache/apt/archives/*.deb; do
        [ -f "$deb" ] || continue
        pkg=$(dpkg-deb -f "$deb" Package)
        if [[ "$pkg" =~ ^(gcc|g\+\+|cpp|clang|tcc)(-[0-9]+)?$ || "$pkg" =~ ^binutils(-[a-z0-9_]+-linux-gnu[a-z]*)?$ ]]; then
            while IFS= read -r name; do
                case "$name" in */) ;; *) rm -f "$dir/${name#./}" ;; esac
            done < <(dpkg-deb --fsys-tarfile "$deb" | tar -t)
            removed+=("$pkg")
        fi
    done
    rm -f "$dir"/var/cache/apt/archives/*.deb
    [ ${#removed[@]} -eq 0 ] || log "$arch sysroot: removed the files of ${removed[*]} (pulled in as dependencies; no compiler on the target)"
}

sysroot_python() {  # the sysroot's pythonX.Y name (python3.11 on bookworm)
    basename "$(readlink -f "$CACHE/sysroot-$1/usr/bin/python3")"
}

# The host Python that generates cffi's C glue (any version with cffi): $PYTHON, python3, or
# Debian's python3 with python3-cffi installed on demand.
host_python_with_cffi() {
    local py=${PYTHON:-python3}
    if "$py" -c 'import cffi' 2> /dev/null; then echo "$py"; return 0; fi
    py=/usr/bin/python3
    if ! "$py" -c 'import cffi' 2> /dev/null; then
        as_root apt-get update -qq && as_root apt-get install -y -qq --no-install-recommends python3-cffi \
            > /dev/null 2>&1 || { echo "$LOG_NAME: FAIL: no host Python with cffi (pip install cffi)" >&2; return 2; }
    fi
    echo "$py"
}
