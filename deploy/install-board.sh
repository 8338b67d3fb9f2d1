#!/bin/sh
# Install the pocketnlu runtime (device dependencies only: numpy and cffi) and models on a
# Debian or Raspberry Pi OS board (arm64 or armhf; any Debian-based Linux works). Run it as
# root from a pocketnlu checkout or unpacked source archive on the board:
#
#   sudo deploy/install-board.sh --model runtime/pocketnlu/models/incar.pnlu
#   sudo deploy/install-board.sh --pip --model runtime/pocketnlu/models/incar.pnlu   # pip into a venv
#
# Default (apt): apt installs python3-numpy, python3-cffi-backend and the build deps (roles
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
#   --with-tools        also install pocketnlu_tools (host side: packing, training helpers)
#   --pip               pip into PREFIX/venv instead of the apt/build_ext path
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
        --no-apt) apt=0 ;;
        -h | --help) sed -n '2,33p' "$0"; exit 0 ;;
        *) die "unknown option $1 (see --help)" ;;
    esac
    shift
done

if [ $apt -eq 1 ]; then
    [ "$(id -u)" -eq 0 ] || die "run as root (apt-get), or pass --no-apt"
    packages=$(sh "$SRC/deploy/packages.sh" runtime headers build)
    [ $mode = pip ] && packages="$packages python3-venv"
    echo "install-board: apt-get install $packages"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $packages
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
(cd / && "$run" -c 'import platform, numpy, pocketnlu, pocketnlu._core as c
print("install-board: pocketnlu", pocketnlu.__version__, "on", platform.machine(), "numpy", numpy.__version__,
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
