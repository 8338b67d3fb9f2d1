"""The binary wheels of deploy/build-wheels.sh (in dist/, or PNLU_WHEEL_DIR): one per architecture
for every CPython >= 3.9 (cp39-abi3), tagged with the manylinux policy of the glibc they need,
holding the device package with its stable-ABI extension built for the wheel's machine, the
default model and the host package, with the metadata pyproject.toml declares.

Skips (with the command to run) when no wheel has been built; the auditwheel and abi3audit checks
skip when those tools are not installed. That two builds give the same bytes is checked by
`deploy/build-wheels.sh --check-reproducible` (CI runs it); here, what makes it possible: one
timestamp, fixed permissions, RECORD hashes that match.
"""
import base64
import hashlib
import os
import platform
import re
import shutil
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
WHEEL_DIR = Path(os.environ.get("PNLU_WHEEL_DIR") or REPO / "dist")
VERSION = re.search(r'__version__\s*=\s*"([^"]+)"', (REPO / "runtime/pocketnlu/__init__.py").read_text()).group(1)
NAME = re.compile(r"pocketnlu-(?P<version>[^-]+)-cp39-abi3-(?P<plat>manylinux_(\d+)_(\d+)_(?P<arch>x86_64|aarch64|armv7l))\.whl")
# ELF e_machine and class (1: 32-bit, 2: 64-bit) of each wheel architecture.
ELF = {"x86_64": (62, 2), "aarch64": (183, 2), "armv7l": (40, 1)}
EXTENSION = "pocketnlu/_core.abi3.so"

WHEELS = sorted(WHEEL_DIR.glob("pocketnlu-*.whl")) if WHEEL_DIR.is_dir() else []
pytestmark = pytest.mark.skipif(
    not WHEELS, reason=f"no wheel in {WHEEL_DIR}: build them with `bash deploy/build-wheels.sh`")
each_wheel = pytest.mark.parametrize("wheel", WHEELS, ids=[w.name for w in WHEELS])


def read_metadata(text):
    headers = {}
    for line in text.split("\n\n", 1)[0].splitlines():
        key, _, value = line.partition(": ")
        headers.setdefault(key, []).append(value)
    return headers


def test_one_stable_abi_wheel_per_architecture():
    archs = []
    for wheel in WHEELS:
        match = NAME.fullmatch(wheel.name)
        assert match, f"{wheel.name}: not pocketnlu-VERSION-cp39-abi3-manylinux_X_Y_ARCH.whl"
        assert match["version"] == VERSION, f"{wheel.name} is not version {VERSION}: rebuild with deploy/build-wheels.sh"
        archs.append(match["arch"])
    assert len(archs) == len(set(archs)), f"several wheels for one architecture in {WHEEL_DIR}: {archs}"


@each_wheel
def test_the_wheel_holds_the_device_package_its_extension_and_the_default_model(wheel):
    with zipfile.ZipFile(wheel) as whl:
        names = whl.namelist()
        model = whl.read("pocketnlu/models/incar.pnlu")
    dist_info = f"pocketnlu-{VERSION}.dist-info"
    assert {n.split("/")[0] for n in names} == {"pocketnlu", "pocketnlu_tools", dist_info}
    runtime = REPO / "runtime"
    modules = {p.relative_to(runtime).as_posix() for p in (runtime / "pocketnlu").rglob("*.py")}
    missing = modules - set(names)
    assert not missing, f"device modules missing from {wheel.name} (stale? rebuild): {sorted(missing)}"
    assert EXTENSION in names and "pocketnlu/py.typed" in names
    assert [n for n in names if n.startswith("pocketnlu/_core")] == [EXTENSION], "one extension, the abi3 one"
    assert "pocketnlu_tools/__init__.py" in names and "pocketnlu_tools/cli.py" in names  # the `train` extra's code
    for required in ("METADATA", "WHEEL", "RECORD", "entry_points.txt"):
        assert f"{dist_info}/{required}" in names
    leftovers = [n for n in names if re.search(r"__pycache__|\.pyc$|\.[cho]$|(^|/)tests?/", n)]
    assert not leftovers, leftovers
    assert model == (REPO / "runtime/pocketnlu/models/incar.pnlu").read_bytes(), "stale model: rebuild the wheels"


@each_wheel
def test_the_extension_is_built_for_the_wheel_architecture(wheel):
    arch = NAME.fullmatch(wheel.name)["arch"]
    with zipfile.ZipFile(wheel) as whl:
        elf = whl.read(EXTENSION)
    assert elf[:4] == b"\x7fELF" and elf[5] == 1, "a little-endian ELF file"
    (machine,) = struct.unpack_from("<H", elf, 18)
    assert (machine, elf[4]) == ELF[arch], f"{EXTENSION} is for e_machine {machine}, class {elf[4]}, not {arch}"
    if arch == "armv7l":
        (flags,) = struct.unpack_from("<I", elf, 36)
        assert flags >> 24 == 5, "EABI version 5"
        assert flags & 0x400, "hard-float ABI (EF_ARM_ABI_FLOAT_HARD): armhf, not armel"


@each_wheel
def test_the_extension_links_only_libc_and_libm(wheel, tmp_path):
    elftools = pytest.importorskip("elftools.elf.elffile", reason="pyelftools is not installed (pip install pyelftools)")
    with zipfile.ZipFile(wheel) as whl:
        path = tmp_path / "_core.abi3.so"
        path.write_bytes(whl.read(EXTENSION))
    with path.open("rb") as stream:
        dynamic = elftools.ELFFile(stream).get_section_by_name(".dynamic")
        needed = {tag.needed for tag in dynamic.iter_tags() if tag.entry.d_tag == "DT_NEEDED"}
        rpath = [tag for tag in dynamic.iter_tags() if tag.entry.d_tag in ("DT_RPATH", "DT_RUNPATH")]
    assert needed <= {"libc.so.6", "libm.so.6"}, needed
    assert not rpath, "no RPATH/RUNPATH into the build machine"


@each_wheel
def test_the_metadata_is_pyproject_toml(wheel):
    tomllib = pytest.importorskip("tomllib", reason="tomllib needs Python 3.11")
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    with zipfile.ZipFile(wheel) as whl:
        metadata = read_metadata(whl.read(f"pocketnlu-{VERSION}.dist-info/METADATA").decode("utf-8"))
        wheel_file = read_metadata(whl.read(f"pocketnlu-{VERSION}.dist-info/WHEEL").decode("utf-8"))
        entry_points = whl.read(f"pocketnlu-{VERSION}.dist-info/entry_points.txt").decode("utf-8")
    assert metadata["Name"] == ["pocketnlu"] and metadata["Version"] == [VERSION]
    assert metadata["Requires-Python"] == [project["requires-python"]]
    plain = [r.replace(" ", "") for r in metadata.get("Requires-Dist", []) if ";" not in r]
    assert sorted(plain) == sorted(d.replace(" ", "") for d in project["dependencies"])
    assert sorted(metadata["Provides-Extra"]) == sorted(project["optional-dependencies"])
    assert re.search(r"^pocketnlu = pocketnlu\.cli:main$", entry_points, re.M)
    assert wheel_file["Root-Is-Purelib"] == ["false"]
    assert wheel_file["Tag"] == ["cp39-abi3-" + NAME.fullmatch(wheel.name)["plat"]]


@each_wheel
def test_record_hashes_times_and_permissions_are_fixed(wheel):
    with zipfile.ZipFile(wheel) as whl:
        infos = whl.infolist()
        record = whl.read(f"pocketnlu-{VERSION}.dist-info/RECORD").decode("utf-8").splitlines()
        listed = {}
        for line in record:
            name, digest, size = line.rsplit(",", 2)
            listed[name] = digest
        for info in infos:
            assert info.filename in listed, f"{info.filename} is not in RECORD"
            if info.filename.endswith("/RECORD"):
                continue
            data = whl.read(info)
            expected = "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            assert listed[info.filename] == expected, info.filename
    assert len({info.date_time for info in infos}) == 1, "one timestamp for every entry (SOURCE_DATE_EPOCH)"
    modes = {info.filename: (info.external_attr >> 16) & 0o777 for info in infos}
    assert modes[EXTENSION] == 0o755
    # RECORD is written by the wheel library itself, always with 0o664.
    assert {mode for name, mode in modes.items() if name != EXTENSION and not name.endswith("/RECORD")} == {0o644}
    assert infos[-1].filename.endswith(".dist-info/RECORD")


@each_wheel
def test_auditwheel_finds_the_wheel_consistent_with_its_manylinux_tag(wheel):
    if shutil.which("auditwheel") is None:
        pytest.skip("auditwheel is not installed (pip install auditwheel)")
    result = subprocess.run(["auditwheel", "show", str(wheel)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stdout.split())
    plat = NAME.fullmatch(wheel.name)["plat"]
    assert f'is consistent with the following platform tag: "{plat}"' in text, result.stdout
    assert "external shared libraries" not in text.replace("system-provided shared libraries", ""), result.stdout


@each_wheel
def test_abi3audit_finds_only_stable_abi_symbols(wheel):
    if shutil.which("abi3audit") is None:
        pytest.skip("abi3audit is not installed (pip install abi3audit)")
    result = subprocess.run(["abi3audit", "--strict", "--summary", str(wheel)], capture_output=True, text=True,
                            timeout=300)
    output = " ".join((result.stdout + result.stderr).split())
    assert result.returncode == 0, output
    assert "1 extensions scanned" in output and "0 ABI version mismatches and 0 ABI violations" in output, output


def test_the_wheel_of_this_machine_installs_and_runs_without_the_source_tree(tmp_path):
    if os.environ.get("PNLU_EMULATOR"):
        pytest.skip("under emulation deploy/test-arm.sh installs the wheel itself and runs every test against it")
    arch = platform.machine()
    wheels = [w for w in WHEELS if NAME.fullmatch(w.name)["arch"] == arch]
    if not wheels:
        pytest.skip(f"no {arch} wheel in {WHEEL_DIR}")
    target = tmp_path / "site"
    install = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--target",
                              str(target), str(wheels[0])], capture_output=True, text=True, timeout=300)
    if install.returncode != 0 and "No module named pip" in install.stderr:
        pytest.skip("no pip in this Python")
    assert install.returncode == 0, install.stderr
    env = {**os.environ, "PYTHONPATH": str(target)}
    code = ("import sys, pocketnlu, pocketnlu._core as c; print(pocketnlu.__file__); print(c.__file__); "
            "from pocketnlu.cli import main; sys.exit(main(['demo', '--text', 'turn up the heat']))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    package, extension = run.stdout.splitlines()[:2]
    assert package.startswith(str(target)) and extension == str(target / EXTENSION)
    assert "intent increase_temperature" in run.stdout
