"""The layout rules: the device package never imports the host package, `import pocketnlu` does not
load the demo, and the C core's limits reach Python only through the binding."""
import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

import pocketnlu
import pocketnlu_tools
from pocketnlu._binding import lib

DEVICE = Path(pocketnlu.__file__).resolve().parent
HOST = Path(pocketnlu_tools.__file__).resolve().parent
HEADER = Path(__file__).resolve().parents[1] / "csrc" / "pnlu.h"


def python_files(package: Path):
    return sorted(path for path in package.rglob("*.py") if "__pycache__" not in path.parts)


def imported_modules(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


@pytest.mark.parametrize("path", python_files(DEVICE), ids=lambda p: str(p.relative_to(DEVICE)))
def test_the_device_package_never_imports_the_host_package(path):
    assert not [m for m in imported_modules(path) if m.split(".")[0] == "pocketnlu_tools"]


def test_import_pocketnlu_loads_neither_the_demo_nor_the_host_side():
    code = ("import sys, pocketnlu; print(sorted(m for m in sys.modules if m.startswith(('pocketnlu.demo', "
            "'pocketnlu_tools', 'sklearn', 'pycrfsuite'))))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_only_the_demo_command_imports_the_demo():
    """Outside pocketnlu.demo, only the CLI's `demo` command imports it, inside the function."""
    for path in python_files(DEVICE):
        if DEVICE / "demo" in path.parents:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        demo_imports = [node for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                        and (node.module or "").split(".")[-1] == "demo"]
        assert not [node for node in demo_imports if node in tree.body], path
        assert not demo_imports or path.name == "cli.py", path


def header_limits():
    return {name: int(value) for name, value in
            re.findall(r"#define (PNLU_\w+) (\d+)", HEADER.read_text(encoding="utf-8"))}


@pytest.mark.skipif(not HEADER.exists(), reason="csrc/pnlu.h is not beside the tests (installed package)")
def test_every_header_limit_is_visible_from_the_binding():
    for name, value in header_limits().items():
        assert getattr(lib, name) == value, name


@pytest.mark.skipif(not HEADER.exists(), reason="csrc/pnlu.h is not beside the tests (installed package)")
@pytest.mark.parametrize("path", python_files(DEVICE) + python_files(HOST), ids=lambda p: p.name)
def test_no_python_module_retypes_a_limit_of_the_c_core(path):
    """A constant named and valued like a PNLU_* limit is not a literal, and the limits too odd to
    be anything else (65535, 2^32 - 64: large, neither a power of two nor of ten) appear in no
    literal."""
    limits = header_limits()
    distinctive = {value for value in limits.values() if value >= 65535 and value & (value - 1)
                   and str(value).rstrip("0") != "1"}
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    retyped = limits.get("PNLU_" + target.id) == node.value.value
                    assert not retyped, f"{path}: {target.id} re-types a limit of pnlu.h"
    literals = {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and type(node.value) is int}
    assert not literals & distinctive, f"{path}: a literal equal to a pnlu.h limit"
