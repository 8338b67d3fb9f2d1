#!/bin/sh
# Install the pocketnlu runtime (device dependency only: cffi) and models on a
# Debian or Raspberry Pi OS board (arm64 or armhf; any Debian-based Linux works). Run it as
# root from a pocketnlu checkout or unpacked source archive on the board:
#
#   sudo deploy/install-board.sh --model runtime/pocketnlu/models/incar.pnlu
#   sudo deploy/install-board.sh --pip --model runtime/pocketnlu/models/incar.pnlu   # pip into a venv
#   sudo deploy/install-board.sh --wheel pocketnlu-*-cp39-abi3-manylinux_*_aarch64.whl  # no compiler
#
# --wheel FILE (a wheel from deploy/build-wheels.sh; of a checkout, only deploy/ is needed:
# this script, packages.sh, debian-packages.txt, update-model.sh): apt installs python3-venv and the Debian packages of the wheel's own
# dependencies (its Requires-Dist; cffi -> python3-cffi-backend, NAME -> python3-NAME), then pip
# installs the wheel into PREFIX/venv (--system-site-packages, --no-deps, --no-index: nothing is
# downloaded from PyPI and nothing is compiled, so the board needs no compiler and no network
# beyond its Debian mirror). pip refuses a wheel of the wrong architecture or glibc.
#
# Default (apt): apt installs python3-cffi-backend and the build deps (roles
# runtime, headers and build of deploy/debian-packages.txt); deploy/build_ext.py compiles the
# C core natively (the same step as deploy/test-arm.sh and Dockerfile.arm64) into
# PREFIX/site; a .pth file puts it on python3's path, and BINDIR/pocketnlu runs the CLI.
# Nothing is downloaded but Debian packages (PyPI has no armv7 wheels for numpy or cffi).
#
# --pip: apt installs the same packages plus python3-venv, then pip builds and installs this
# source into PREFIX/venv (--system-site-packages and --no-deps: Debian's numpy and cffi are
# used, nothing is compiled for them). setuptools>=77 (the build backend pyproject.toml needs;
# Debian's is older) comes from PyPI, so this mode needs network access to it.
#
# Models go to MODELS_DIR (default /var/lib/pocketnlu/models) through deploy/update-model.sh:
# checked, written to a temporary file, fsynced and renamed over the old one, so services
# using a model keep running. Never copy a model over a mapped one in place (SIGBUS).
#
# Options:
#   --model FILE        install FILE into MODELS_DIR (repeatable)
#   --models-dir DIR    default /var/lib/pocketnlu/models
#   --prefix DIR        default /opt/pocketnlu
#   --bindir DIR        where the `pocketnlu` command goes (default /usr/local/bin)
#   --site-dir DIR      where pocketnlu.pth goes (default: python3's purelib, e.g.
#                       /usr/local/lib/python3.11/dist-packages; apt mode only)
#   --with-tools        also install pocketnlu_tools (host side: packing, training helpers;
#                       a wheel always has it, its dependencies are the `train` extra)
#   --pip               pip into PREFIX/venv instead of the apt/build_ext path
#   --wheel FILE        install the binary wheel FILE into PREFIX/venv (no compiler needed)
#   --no-apt            do not run apt-get (packages already installed)
set -eu

SRC=$(cd "$(dirname "$0")/.." && pwd)
PYTHON=${PYTHON:-python3}
prefix=/opt/pocketnlu
models_dir=/var/lib/pocketnlu/models
bindir=/usr/local/bin
site_dir=
mode=apt
apt=1
tools=--no-tools
models=
wheel=

die() { echo "install-board: $*" >&2; exit 1; }
while [ $# -gt 0 ]; do
    case "$1" in
        --model) [ -f "${2:-}" ] || die "--model ${2:-}: no such file"
                 models="$models $(cd "$(dirname "$2")" && pwd)/$(basename "$2")"; shift ;;
        --models-dir) models_dir=$2; shift ;;
        --prefix) prefix=$2; shift ;;
        --bindir) bindir=$2; shift ;;
        --site-dir) site_dir=$2; shift ;;
        --with-tools) tools= ;;
        --pip) mode=pip ;;
        --wheel) [ -f "${2:-}" ] || die "--wheel ${2:-}: no such file"
                 case "$2" in *.whl) ;; *) die "--wheel $2: not a .whl file" ;; esac
                 wheel="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"; mode=wheel; shift ;;
        --no-apt) apt=0 ;;
        -h | --help) sed -n '2,43p' "$0"; exit 0 ;;
        *) die "unknown option $1 (see --help)" ;;
    esac
    shift
done

# The Debian packages for a wheel's Requires-Dist (those without an extra or a marker): the
# wheel's metadata, so pyproject.toml decides, not this script.
wheel_debian_packages() {
    "$PYTHON" - "$wheel" <<'PY'
import re, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as whl:
    [metadata] = [n for n in whl.namelist() if re.fullmatch(r"[^/]+\.dist-info/METADATA", n)]
    lines = whl.read(metadata).decode("utf-8").splitlines()
# cffi's C backend is all a cffi extension needs at run time (Debian splits it from cffi).
debian = {"cffi": "python3-cffi-backend"}
out = []
for line in lines:
    if not line:
        break                      # the headers end at the first blank line
    if line.startswith("Requires-Dist:") and ";" not in line:
        name = re.match(r"[A-Za-z0-9._-]+", line.split(":", 1)[1].strip()).group(0).lower()
        out.append(debian.get(name, "python3-" + name.replace("_", "-")))
print(" ".join(out))
PY
}

if [ $apt -eq 1 ]; then
    [ "$(id -u)" -eq 0 ] || die "run as root (apt-get), or pass --no-apt"
    if [ $mode = wheel ]; then
        packages=$(sh "$SRC/deploy/packages.sh" wheel)
        echo "install-board: apt-get install $packages"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $packages
        packages=$(wheel_debian_packages) || die "cannot read the dependencies of $wheel"
    else
        packages=$(sh "$SRC/deploy/packages.sh" runtime headers build)
    fi
    [ $mode = pip ] && packages="$packages python3-venv"
    if [ -n "$packages" ]; then
        echo "install-board: apt-get install $packages"
        [ $mode = wheel ] || apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $packages
    fi
fi

mkdir -p "$prefix" "$bindir"
if [ $mode = apt ]; then
    # Build beside the old tree, then swap: running services keep the modules they loaded.
    rm -rf "$prefix/site.new"
    "$PYTHON" "$SRC/deploy/build_ext.py" $tools --out "$prefix/site.new" > /dev/null
    rm -rf "$prefix/site.new/.build" "$prefix/site.old"
    [ -d "$prefix/site" ] && mv "$prefix/site" "$prefix/site.old"
    mv "$prefix/site.new" "$prefix/site"
    rm -rf "$prefix/site.old"
    [ -n "$site_dir" ] || site_dir=$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')
    mkdir -p "$site_dir"
    echo "$prefix/site" > "$site_dir/pocketnlu.pth"
    run=$PYTHON
    export PYTHONPATH="$prefix/site"   # the checks below do not rely on the .pth
    printf '#!/bin/sh\nPYTHONPATH=%s${PYTHONPATH:+:$PYTHONPATH} exec %s -m pocketnlu.cli "$@"\n' \
        "$prefix/site" "$PYTHON" > "$bindir/pocketnlu"
    chmod 755 "$bindir/pocketnlu"
elif [ $mode = wheel ]; then
    [ -x "$prefix/venv/bin/python" ] || "$PYTHON" -m venv --system-site-packages "$prefix/venv" ||
        die "python3 -m venv failed (Debian: apt-get install python3-venv)"
    # The wheel alone: no index, no dependencies from PyPI (Debian's are used), no build step.
    # --force-reinstall replaces an installed copy of the same version.
    "$prefix/venv/bin/python" -m pip install -q --no-index --no-deps --force-reinstall "$wheel" ||
        die "pip could not install $wheel (wrong architecture or glibc for this board?)"
    run="$prefix/venv/bin/python"
    ln -sf "$prefix/venv/bin/pocketnlu" "$bindir/pocketnlu"
else
    [ -x "$prefix/venv/bin/python" ] || "$PYTHON" -m venv --system-site-packages "$prefix/venv"
    # The build backend pyproject.toml asks for (setuptools>=77; Debian's is older), then a build
    # with Debian's cffi (system site packages: no compiling cffi, which has no armv7 wheels).
    # --no-deps: numpy and cffi at run time are Debian's too; pip builds only pocketnlu.
    "$prefix/venv/bin/python" -m pip install -q 'setuptools>=77' wheel
    # From a clean copy: a checkout's stale build/ or *.egg-info (an editable install's absolute
    # paths) would break the build.
    stage=$(mktemp -d)
    trap 'rm -rf "$stage"' EXIT
    (cd "$SRC" && tar --exclude=./.git --exclude=./deploy/.cache --exclude=./build --exclude='*.egg-info' \
        --exclude='__pycache__' --exclude='*.so' -cf - .) | tar -xf - -C "$stage"
    "$prefix/venv/bin/python" -m pip install -q --no-deps --no-build-isolation "$stage"
    run="$prefix/venv/bin/python"
    ln -sf "$prefix/venv/bin/pocketnlu" "$bindir/pocketnlu"
fi

# Smoke test with the installed tree, from outside the source directory.
(cd / && "$run" -c 'import platform, pocketnlu, pocketnlu._core as c
print("install-board: pocketnlu", pocketnlu.__version__, "on", platform.machine(),
      "core ABI", c.lib.pnlu_abi_version(), "from", pocketnlu.__file__)') ||
    die "the installed package does not import"

if [ -n "$models" ]; then
    mkdir -p "$models_dir"
    chmod 755 "$models_dir"
    for model in $models; do
        PYTHON="$run" sh "$SRC/deploy/update-model.sh" "$model" "$models_dir/"
    done
fi
echo "install-board: done; try: $bindir/pocketnlu inspect --verify $models_dir/<model>.pnlu"
