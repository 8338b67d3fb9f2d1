"""The one build description of the C core: its sources, flags and cffi declarations.

cffi (API mode) compiles the core into ``pocketnlu._core`` at install (setup.py), and
deploy/build_ext.py does the same for cross builds. The fuzzers and the sanitizer run take
the same source list and flags from the command line of this file:

    python3 csrc/ffibuild.py sources      # the C sources, one per line, relative to the repository
    python3 csrc/ffibuild.py cflags       # the compiler flags every build uses
    python3 csrc/ffibuild.py emit-c OUT   # the cffi glue of pocketnlu._core as C source

The declarations are generated from pnlu.h, so every function, struct, status and PNLU_*
limit of the header is what Python sees through ``pocketnlu._binding.lib``; none is typed twice.
The C sources never include Python.h; cffi generates the glue. Functions called through cffi in
API mode release the GIL, so models can be scored from many threads at once.
"""
import re
import sys
from pathlib import Path, PurePosixPath

from cffi import FFI

HERE = Path(__file__).resolve().parent
# Relative to the repository root, where setup.py runs (setuptools wants relative paths).
CSRC = PurePosixPath("csrc")
SOURCES = [str(CSRC / name) for name in ("murmur3.c", "table.c", "viterbi.c", "features.c", "decide.c", "tokenize.c")]
HEADERS = [str(CSRC / name) for name in ("pnlu.h", "pnlu_bits.h", "pnlu_internal.h", "pnlu_rank_select.h")]
CFLAGS = ["-std=c99", "-O2", "-Wall", "-Wextra"]
LIBRARIES = ["m"]  # exp() in decide.c

_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
_INTEGER_DEFINE = re.compile(r"#define\s+(PNLU_\w+)\s+(\d+)\s*$")


def cdef_from_header(header: str) -> str:
    """cffi declarations from pnlu.h: comments and preprocessor lines dropped, each integer
    ``#define PNLU_X n`` kept as ``#define PNLU_X ...`` (its value checked by the compiler), and
    array bounds written with such a constant replaced by its value (cdef has no preprocessor)."""
    values, lines = {}, []
    for line in _COMMENT.sub("", header).splitlines():
        define = _INTEGER_DEFINE.match(line.strip())
        if define:
            values[define.group(1)] = define.group(2)
            lines.append(f"#define {define.group(1)} ...")
        elif line.strip() and not line.lstrip().startswith("#"):
            lines.append(line)
    return re.sub(r"\[(PNLU_\w+)\]", lambda m: f"[{values[m.group(1)]}]", "\n".join(lines)) + "\n"


ffibuilder = FFI()
ffibuilder.cdef(cdef_from_header((HERE / "pnlu.h").read_text(encoding="utf-8")))
ffibuilder.set_source(
    "pocketnlu._core",
    '#include "pnlu.h"',
    sources=SOURCES,
    include_dirs=[str(CSRC)],
    libraries=LIBRARIES,
    depends=HEADERS,
    extra_compile_args=CFLAGS,
)


def main(argv) -> int:
    if argv[:1] == ["sources"] and len(argv) == 1:
        print("\n".join(SOURCES))
    elif argv[:1] == ["cflags"] and len(argv) == 1:
        print(" ".join(CFLAGS))
    elif argv[:1] == ["emit-c"] and len(argv) == 2:
        ffibuilder.emit_c_code(argv[1])
    else:
        print("usage: ffibuild.py sources | cflags | emit-c OUT.c", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
