#!/usr/bin/env python3
"""Build an importable pocketnlu tree without pip: the one build step shared by
deploy/test-arm.sh (cross-compiling on the host for a QEMU sysroot), Dockerfile.arm64 and
deploy/install-board.sh (compiling natively on the target).

1. cffi generates the C glue of ``pocketnlu._core`` from csrc/ffibuild.py (``emit_c_code``);
   the Python running this script needs cffi, the target needs only ``_cffi_backend``.
2. CC compiles the glue and the sources with the flags csrc/ffibuild.py lists (the same as
   ``pip install``) against the target Python's headers and links ``_core<EXT_SUFFIX>``.
3. OUT/pocketnlu is a copy of runtime/pocketnlu plus that extension; OUT/pocketnlu_tools a copy
   of tools/pocketnlu_tools. Put OUT on PYTHONPATH (or in a .pth file).

Cross build example (what test-arm.sh does):

    python3 deploy/build_ext.py --cc aarch64-linux-gnu-gcc --strict \\
        --python-include SYSROOT/usr/include/python3.11 --idirafter SYSROOT/usr/include \\
        --ext-suffix .cpython-311-aarch64-linux-gnu.so --out build/site
"""
import argparse
import os
import runpy
import shlex
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CSRC = REPO / "csrc"
# --strict: warnings fail the build, and any cast to a more aligned pointer type is reported
# whatever the target (on armhf such a cast can become an LDRD/LDM that faults on unaligned data).
STRICT_FLAGS = ["-Werror", "-Wcast-align=strict"]
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", "*.so", "*.o", "_core.c")


def run(cmd, verbose):
    if verbose:
        print("+ " + " ".join(shlex.quote(str(c)) for c in cmd), file=sys.stderr)
    result = subprocess.run([str(c) for c in cmd], capture_output=True, text=True)
    output = (result.stdout + result.stderr).strip()
    if output:
        print(output, file=sys.stderr)  # compiler warnings are always shown
    if result.returncode != 0:
        sys.exit(f"build_ext: command failed with status {result.returncode}: {cmd[0]}")


BUILD = runpy.run_path(str(CSRC / "ffibuild.py"))  # SOURCES, CFLAGS, LIBRARIES, ffibuilder


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, type=Path, help="directory for pocketnlu/ and pocketnlu_tools/")
    parser.add_argument("--cc", default=os.environ.get("CC", "cc"), help="C compiler (default: $CC or cc)")
    parser.add_argument("--python-include", default=sysconfig.get_paths()["include"],
                        help="directory holding the target's Python.h (default: this Python's)")
    parser.add_argument("--idirafter", action="append", default=[],
                        help="extra include directory searched last (a sysroot's usr/include, for "
                             "Debian's multiarch pyconfig.h)")
    parser.add_argument("--ext-suffix", default=sysconfig.get_config_var("EXT_SUFFIX"),
                        help="the target's EXT_SUFFIX (default: this Python's)")
    parser.add_argument("--strict", action="store_true", help="add " + " ".join(STRICT_FLAGS))
    parser.add_argument("--cflags", default=os.environ.get("CFLAGS", ""), help="extra compiler flags")
    parser.add_argument("--no-tools", action="store_true", help="leave out pocketnlu_tools (host side)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print the commands")
    args = parser.parse_args(argv)

    out = args.out.resolve()
    work = out / ".build"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    glue = work / "_core.c"
    BUILD["ffibuilder"].emit_c_code(str(glue))

    flags = BUILD["CFLAGS"] + ["-fPIC"] + (STRICT_FLAGS if args.strict else []) + shlex.split(args.cflags)
    includes = ["-I", CSRC, "-I", args.python_include]
    for directory in args.idirafter:
        includes += ["-idirafter", directory]
    objects = []
    for source in [glue] + [REPO / name for name in BUILD["SOURCES"]]:
        obj = work / (source.stem + ".o")
        run([args.cc, *flags, *includes, "-c", source, "-o", obj], args.verbose)
        objects.append(obj)

    package = out / "pocketnlu"
    shutil.rmtree(package, ignore_errors=True)
    shutil.copytree(REPO / "runtime" / "pocketnlu", package, ignore=SKIP)
    libraries = ["-l" + name for name in BUILD["LIBRARIES"]]
    run([args.cc, "-shared", *objects, *libraries, "-o", package / ("_core" + args.ext_suffix)], args.verbose)
    tools = out / "pocketnlu_tools"
    shutil.rmtree(tools, ignore_errors=True)
    if not args.no_tools:
        shutil.copytree(REPO / "tools" / "pocketnlu_tools", tools, ignore=SKIP)
    print(package / ("_core" + args.ext_suffix))
    return 0


if __name__ == "__main__":
    sys.exit(main())
