"""What `pocketnlu inspect` reports about a model file."""
from .errors import CorruptModelError
from .metadata import read_models
from .modelfile import KIND_NAMES, KIND_TABLE, LEVEL_HASHING_NAMES, ModelFile
from .nlu import open_model
from .table import WeightTable


PROBE = "turn the volume up to seven and call mom"  # any text: it exercises every stage


def describe(path, verify: bool = False) -> dict:
    """The report of `pocketnlu inspect`; with verify, every CRC-32 is checked and a model with a
    pipeline is opened and parses a probe, exactly as an application would use it."""
    with ModelFile(path) as model_file:
        try:
            models = read_models(model_file.meta, model_file.sections)
        except CorruptModelError as error:
            raise CorruptModelError(f"{model_file.path}: metadata: {error}") from None
        tables = [WeightTable(model_file, s.name) for s in model_file.sections.values() if s.kind == KIND_TABLE]
        n_features = sum(t.n_keys for t in tables)
        report_meta = model_file.meta
        report = {
            "path": model_file.path,
            "format_version": model_file.format_version,
            "file_bytes": model_file.file_bytes,
            "n_features": n_features,
            "n_weights": sum(t.n_pairs for t in tables),
            "index_bits_per_key": sum(t.index_bits for t in tables) / n_features if n_features else 0.0,
            "fingerprint_bits": _uniform([t.fingerprint_bits for t in tables]),
            "weight_bits": _uniform([t.weight_bits for t in tables]),
            "sections": [
                {"name": s.name, "kind": KIND_NAMES[s.kind], "offset": s.offset, "bytes": s.length}
                for s in model_file.sections.values()
            ],
            "tables": [
                {"name": t.name, "n_features": t.n_keys, "n_labels": t.n_labels, "n_weights": t.n_pairs,
                 "levels": t.n_levels, "level_hashing": LEVEL_HASHING_NAMES[t.level_hashing],
                 "fingerprint_bits": t.fingerprint_bits, "weight_bits": t.weight_bits,
                 "index_bits_per_key": t.index_bits / t.n_keys if t.n_keys else 0.0, "bytes": t.byte_size}
                for t in tables
            ],
            "models": {name: {"type": m.type, "labels": len(m.labels)} for name, m in sorted(models.items())},
        }
        if verify:
            model_file.verify()  # raises ChecksumError naming the section
            report["checksums_ok"] = True
    if verify and "pipeline" in report_meta:
        # What a service would do with it: open it as the runtime does and parse a probe.
        with open_model(path) as model:
            model.parse(PROBE)
        report["opens_and_parses"] = True
    return report


def _uniform(values):
    """The common value of all tables, or the list when they differ (None with no tables)."""
    distinct = sorted(set(values))
    return distinct[0] if len(distinct) == 1 else (distinct or None)


def format_report(report: dict) -> str:
    lines = [
        f"{report['path']}: pocketnlu model, format version {report['format_version']}, {report['file_bytes']} bytes",
        f"features: {report['n_features']}, stored weights: {report['n_weights']}, "
        f"index: {report['index_bits_per_key']:.2f} bits/key, fingerprints: {report['fingerprint_bits']} bits, "
        f"weights: {report['weight_bits']} bits",
        "sections:",
    ]
    lines += [f"  {s['name']:<32} {s['kind']:<8} offset {s['offset']:>10}  {s['bytes']:>10} bytes"
              for s in report["sections"]]
    if report["tables"]:
        lines.append("tables:")
        lines += [f"  {t['name']:<32} {t['n_features']:>8} features {t['n_labels']:>5} labels "
                  f"{t['n_weights']:>8} weights {t['levels']:>3} levels {t['index_bits_per_key']:.2f} bits/key"
                  for t in report["tables"]]
    for name, model in report["models"].items():
        lines.append(f"model {name}: {model['type']}, {model['labels']} labels")
    if "checksums_ok" in report:
        lines.append("checksums: ok")
    if "opens_and_parses" in report:
        lines.append("opens and parses: ok")
    return "\n".join(lines)
