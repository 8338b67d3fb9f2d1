"""MPHF benchmark: pocketnlu's index against the `bbhash` package (BBHash, C++) on the same
keys in the same run. Usage: python -m pocketnlu_tools.bench.mphf [--write BENCHMARKS.md]"""
import argparse
import contextlib
import os
import platform
import statistics
import tempfile
import time

import numpy as np

from pocketnlu._binding import check, ffi, lib
from pocketnlu.modelfile import ModelFile
from pocketnlu.features import encode_keys
from pocketnlu.table import WeightTable

from pocketnlu_tools.bench.markdown import update_block
from pocketnlu_tools.pack.mphf import build_mphf, hash_keys
from pocketnlu_tools.pack.tables import build_table
from pocketnlu_tools.pack.writer import pack_file, write_atomically

REPEATS = 5


def median_seconds(fn, repeats=REPEATS):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


@contextlib.contextmanager
def quiet_stdout():
    """bbhash prints construction statistics from C++; keep them out of the report."""
    saved = os.dup(1)
    with open(os.devnull, "wb") as devnull:
        os.dup2(devnull.fileno(), 1)
    try:
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def bench_pocketnlu(keys, gamma, workdir):
    build = median_seconds(lambda: build_mphf(keys, gamma=gamma), repeats=3)
    values = np.ones((len(keys), 1), dtype=np.int64)
    section, _ = build_table(keys, values, np.zeros(1), weight_bits=8, fingerprint_bits=0, gamma=gamma)
    path = os.path.join(workdir, f"bench-{len(keys)}-{gamma}.pnlu")
    write_atomically(path, pack_file({}, {"t": section}))
    with ModelFile(path) as model_file:
        table = WeightTable(model_file, "t")
        buf, offsets = encode_keys(keys)
        slots = np.empty(len(keys), dtype=np.int64)
        args = (table._table, ffi.from_buffer(buf), len(buf), ffi.from_buffer("uint32_t[]", offsets),
                len(keys), ffi.from_buffer("int64_t[]", slots))
        lookup = median_seconds(lambda: check(lib.pnlu_table_lookup(*args), "bench"))
        assert np.array_equal(np.sort(slots), np.arange(len(keys)))
        bits = table.index_bits
    return {"bits_per_key": bits / len(keys), "build_s": build, "lookup_s": lookup}


def bench_bbhash(keys, gamma):
    import bbhash

    hashes = hash_keys(keys, 0)[:, 0].copy()
    hash_list = hashes.tolist()
    with quiet_stdout():
        build = median_seconds(lambda: bbhash.PyMPHF(hash_list, len(hash_list), 1, gamma), repeats=3)
        mphf = bbhash.PyMPHF(hash_list, len(hash_list), 1, gamma)
    lookup = median_seconds(lambda: mphf.lookup_many(hashes))
    buf, offsets = encode_keys(keys)
    out = np.empty((len(keys), 2), dtype=np.uint64)
    args = (ffi.from_buffer(buf), len(buf), ffi.from_buffer("uint32_t[]", offsets), len(keys), 0,
            ffi.from_buffer("uint64_t[]", out))
    hashing = median_seconds(lambda: check(lib.pnlu_hash_batch(*args), "bench"))
    return {"bits_per_key": mphf.get_mem() / len(keys), "build_s": build, "lookup_s": lookup,
            "hash_s": hashing}


def run(sizes, gammas):
    rows = []
    with tempfile.TemporaryDirectory() as workdir:
        for n in sizes:
            keys = [f"w={i}|{i * 7919 % 1000003}".encode() for i in range(n)]
            for gamma in gammas:
                ours = bench_pocketnlu(keys, gamma, workdir)
                peer = bench_bbhash(keys, gamma)
                rows.append((n, gamma, ours, peer))
    return rows


def render(rows) -> str:
    ns = lambda seconds, n: f"{seconds / n * 1e9:.0f}"
    lines = [
        "## MPHF index: pocketnlu vs bbhash",
        "",
        "Command: `python -m pocketnlu_tools.bench.mphf --write BENCHMARKS.md` "
        f"(machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"median of {REPEATS} lookup runs and 3 builds, one core).",
        "",
        "Keys are feature-like strings. pocketnlu looks up the strings themselves: MurmurHash3_x64_128 of the "
        "string once, each level visited derived from it (format version 5), rank, slot. `bbhash.lookup_many` "
        "takes keys already hashed to 64-bit "
        "integers, so its column excludes hashing; the last column adds the cost of hashing the same "
        "encoded strings once (MurmurHash3_x64_128 in C, batched), which bbhash needs first.",
        "",
        "| keys | gamma | bits/key ours | bits/key bbhash | build ns/key ours | build ns/key bbhash "
        "| lookup ns/key ours (from strings) | lookup ns/key bbhash (pre-hashed) | bbhash + hashing ns/key |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n, gamma, ours, peer in rows:
        lines.append(
            f"| {n:,} | {gamma:g} | {ours['bits_per_key']:.2f} | {peer['bits_per_key']:.2f} "
            f"| {ns(ours['build_s'], n)} | {ns(peer['build_s'], n)} "
            f"| {ns(ours['lookup_s'], n)} | {ns(peer['lookup_s'], n)} "
            f"| {ns(peer['lookup_s'] + peer['hash_s'], n)} |")
    lines += ["", "Build of 1,000,000 keys (ours, gamma 1): "
              f"{next(o['build_s'] for n, g, o, _ in rows if n == 1_000_000 and g == 1.0):.2f} s"
              if any(n == 1_000_000 and g == 1.0 for n, g, _, _ in rows) else ""]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--gammas", type=float, nargs="+", default=[1.0, 2.0])
    parser.add_argument("--write", metavar="BENCHMARKS.md", help="replace this benchmark's block in the file")
    args = parser.parse_args(argv)
    report = render(run(args.sizes, args.gammas))
    print(report)
    if args.write:
        update_block(args.write, "mphf", report)


if __name__ == "__main__":
    main()
