"""Seed inputs for the libFuzzer harnesses in csrc/fuzz/ (run by deploy/fuzz.sh).

    python -m pocketnlu_tools.recipes.fuzz_seeds OUT_DIR [--model MODEL.pnlu]

writes OUT_DIR/fuzz_table/*.bin, each one weight-table section (csrc/FORMAT.md, "Weight table"):
small tables built with pocketnlu_tools.pack.tables.build_table over the keys the harness looks up
("k0".."k63" and a few feature strings, csrc/fuzz/fuzz_table.c), covering weight bits 2..8,
fingerprint bits 0..16, gamma 1..4, 1..300 labels, rank-block and select-sample boundaries and
the empty table; plus the table sections of a packed model (the shipped default one unless
--model says otherwise). OUT_DIR/fuzz_hash/*.bin are seeds for fuzz_hash.c (its input layout is
described there). Deterministic: the same command writes the same bytes.
"""
import argparse
import struct
from pathlib import Path

import numpy as np

from pocketnlu.models import DEFAULT_MODEL

from pocketnlu_tools.pack.tables import build_table

# Keys the table harness always looks up (keep in sync with FIXED_KEYS in fuzz_table.c).
HARNESS_KEYS = [f"k{i}" for i in range(64)] + ["b", "w=play", "w=the", "sh=x", "w-1=<s>", "w+1=</s>"]

# name: (n_keys, n_labels, weight_bits, fingerprint_bits, gamma, density)
TABLES = {
    "empty": (0, 3, 8, 8, 1.0, 0.3),
    "one_key_one_label": (1, 1, 8, 8, 1.0, 1.0),
    "w2_fp0": (20, 2, 2, 0, 1.0, 0.5),
    "w4_fp1": (30, 5, 4, 1, 1.0, 0.4),
    "w8_fp8": (64, 5, 8, 8, 1.0, 0.3),
    "w8_fp16_dense": (65, 7, 8, 16, 1.0, 1.0),
    "w5_fp12_gamma2": (40, 17, 5, 12, 2.0, 0.2),
    "w8_fp0_gamma4": (70, 3, 8, 0, 4.0, 0.6),
    "labels_300": (12, 300, 8, 8, 1.0, 0.05),
    "labels_1500": (6, 1500, 3, 4, 1.0, 0.002),
}


def harness_keys(n: int):
    """The first n harness keys, then generated ones (which the harness rarely looks up)."""
    return (HARNESS_KEYS + [f"x{i}" for i in range(n)])[:n]


def table_seed(n_keys, n_labels, weight_bits, fingerprint_bits, gamma, density, seed=0) -> bytes:
    rng = np.random.default_rng(seed + n_keys * 131 + n_labels)
    limit = 2 ** (weight_bits - 1)
    values = rng.integers(-limit, limit, size=(n_keys, n_labels))
    values[rng.random((n_keys, n_labels)) > density] = 0
    for row in np.flatnonzero(~values.any(axis=1)):
        values[row, rng.integers(0, n_labels)] = 1  # every row needs a nonzero weight
    bias = rng.integers(-1000, 1000, size=n_labels)
    section, _ = build_table(harness_keys(n_keys), values, bias, weight_bits=weight_bits,
                             fingerprint_bits=fingerprint_bits, gamma=gamma, seed=seed)
    return section


def model_table_sections(path):
    """(name, bytes) of every weight-table section of a packed model file."""
    from pocketnlu.modelfile import KIND_TABLE, ModelFile

    with ModelFile(path) as model_file:
        return [(name, bytes(model_file.section_bytes(name, KIND_TABLE)))
                for name, section in model_file.sections.items() if section.kind == KIND_TABLE]


def hash_seed(seed: int, lengths, keys: bytes, cumulative=True) -> bytes:
    """fuzz_hash.c input: seed u32, mode byte, count byte, one byte per key length, keys."""
    mode = 1 if cumulative else 0
    return struct.pack("<IBB", seed, mode, len(lengths)) + bytes(lengths) + keys


def hash_seeds():
    text = "w=play|the|song éèñ 中文 🎵 " * 4
    data = text.encode("utf-8")
    return {
        "empty_batch": hash_seed(0, [], b""),
        "one_key": hash_seed(1, [6], b"w=play"),
        "tails": hash_seed(7, list(range(0, 17)), data[: sum(range(17))]),
        "long_key": hash_seed(0xFFFFFFFF, [200], data[:200]),
        "raw_offsets": hash_seed(3, [4, 2, 9, 1], data[:40], cumulative=False),
    }


def write_seeds(out_dir, model=None):
    out_dir = Path(out_dir)
    written = []
    table_dir = out_dir / "fuzz_table"
    table_dir.mkdir(parents=True, exist_ok=True)
    for name, spec in TABLES.items():
        path = table_dir / f"{name}.bin"
        path.write_bytes(table_seed(*spec))
        written.append(path)
    if model is None:
        model = DEFAULT_MODEL
    if model and Path(model).exists():
        for name, section in model_table_sections(model):
            path = table_dir / f"model_{name.replace('.', '_')}.bin"
            path.write_bytes(section)
            written.append(path)
    hash_dir = out_dir / "fuzz_hash"
    hash_dir.mkdir(parents=True, exist_ok=True)
    for name, data in hash_seeds().items():
        path = hash_dir / f"{name}.bin"
        path.write_bytes(data)
        written.append(path)
    return written


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir")
    parser.add_argument("--model", help="packed model whose table sections become seeds "
                        "(default: the in-car model shipped in pocketnlu)")
    args = parser.parse_args(argv)
    written = write_seeds(args.out_dir, args.model)
    total = sum(p.stat().st_size for p in written)
    print(f"fuzz_seeds: wrote {len(written)} seeds ({total} bytes) to {args.out_dir}")


if __name__ == "__main__":
    main()
