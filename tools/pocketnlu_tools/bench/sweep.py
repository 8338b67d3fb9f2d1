"""Accuracy against size: one float model packed with every compression setting, and the peers
(scikit-learn, fastText full and quantized, python-crfsuite) trained and scored on the same data
in the same run.

Usage: python -m pocketnlu_tools.bench.sweep DATA [--format F] [--write BENCHMARKS.md]
"""
import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

from pocketnlu.nlu import open_model

from pocketnlu_tools.bench.markdown import update_block
from pocketnlu_tools.bench.peers import crfsuite_peer, fasttext_peers, sklearn_peers
from pocketnlu_tools.train.evaluate import evaluate
from pocketnlu_tools.trainer import Trainer
from pocketnlu_tools.train.pipeline import PackOptions, choose_dead_zones, pack_nlu, train_nlu, uncompressed_bytes
from pocketnlu_tools.pack.writer import write_atomically

WEIGHT_BITS = (8, 6, 4)
FINGERPRINT_BITS = (0, 4, 8, 12, 16)
GAMMAS = (1.0, 2.0)
DEAD_ZONE_BITS = (8, 6)


def sweep(model, dev, test, workdir):
    """Every grid setting without dead zone, then the 8- and 6-bit defaults with the dead zones
    `pocketnlu train` chooses on dev; rows of (options, test report, file bytes)."""
    grid = [PackOptions(weight_bits, fingerprint_bits, gamma)
            for weight_bits in WEIGHT_BITS for fingerprint_bits in FINGERPRINT_BITS for gamma in GAMMAS]
    if dev:
        grid += [choose_dead_zones(model, dev, PackOptions(weight_bits)) for weight_bits in DEAD_ZONE_BITS]
    rows = []
    for i, options in enumerate(grid):
        path = Path(workdir) / f"sweep-{i}.pnlu"
        write_atomically(path, pack_nlu(model, options))
        with open_model(path) as compressed:
            report = evaluate(compressed, test, measure_latency=False)
        rows.append((options, report, path.stat().st_size))
    return rows


def flat_and_hierarchical(flat, train, test, workdir):
    """Both layouts at the default compression: (name, report, file bytes) rows."""
    rows = []
    hierarchical = train_nlu(train, features=flat.features, hierarchical=True,
                             classifier_options=flat.selection.classifier_options)
    hierarchical.slots = flat.slots  # same slot model: the comparison is of the intent stage
    for name, model in (("flat", flat), ("hierarchical (domain, then intents per domain)", hierarchical)):
        path = Path(workdir) / f"layout-{len(rows)}.pnlu"
        write_atomically(path, pack_nlu(model, PackOptions()))
        with open_model(path) as compressed:
            rows.append((name, evaluate(compressed, test), path.stat().st_size))
    return rows


def render(name, data, n_train, test_name, test, float_report, plain, rows, peers, layouts, seconds) -> str:
    pct = lambda v: "n/a" if v is None else f"{100 * v:.2f}"
    f1 = lambda v: "n/a" if v is None else f"{v:.4f}"
    lines = [
        f"## Accuracy against size: {name}",
        "",
        f"Command: `python -m pocketnlu_tools.bench.sweep {data} --write BENCHMARKS.md` "
        f"({platform.machine()}, {len(test)} {test_name} utterances, {n_train} train; run took {seconds:.0f} s).",
        "",
        f"Float model: intent accuracy {pct(float_report['intent_accuracy'])}%, slot F1 {f1(float_report['slot_f1'])}, "
        f"stored plainly (feature strings + 4-byte floats) {plain:,} bytes.",
        "",
        "Dead zone: weights within that many quantization steps of zero are dropped; the last rows use",
        "the per-table dead zones `pocketnlu train` chooses on the dev split (its default).",
        "",
        "| weight bits | fingerprint bits | gamma | dead zone | intent acc. % | slot F1 | file bytes | plain / file |",
        "|---:|---:|---:|---|---:|---:|---:|---:|",
    ]
    for options, report, size in rows:
        dead_zones = ", ".join(f"{name} {steps}" for name, steps in sorted(options.dead_zones.items()))
        lines.append(f"| {options.weight_bits} | {options.fingerprint_bits} | {options.gamma:g} "
                     f"| {dead_zones or options.dead_zone} | {pct(report['intent_accuracy'])} "
                     f"| {f1(report['slot_f1'])} | {size:,} | {plain / size:.1f} |")
    lines += ["", "Peers, same split, same run:", "", "| peer | intent acc. % | slot F1 | model bytes |",
              "|---|---:|---:|---:|"]
    for peer, report in peers.items():
        lines.append(f"| {peer} | {pct(report.get('intent_accuracy'))} | {f1(report.get('slot_f1'))} "
                     f"| {report['bytes']:,} |")
    if layouts:
        lines += ["", "Flat against hierarchical intent models (8-bit weights, 8-bit fingerprints, gamma 1):", "",
                  "| layout | intent acc. % | slot F1 | file bytes | latency µs p50 |", "|---|---:|---:|---:|---:|"]
        for layout, report, size in layouts:
            lines.append(f"| {layout} | {pct(report['intent_accuracy'])} | {f1(report['slot_f1'])} | {size:,} "
                         f"| {report['latency_us_p50']:.0f} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data")
    parser.add_argument("--format")
    parser.add_argument("--write", metavar="BENCHMARKS.md")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    trainer = Trainer(data_format=args.format).fit(args.data)
    model, train, dev = trainer.model_, trainer.train_, trainer.dev_
    test_name, test = ("test", trainer.test_) if trainer.test_ else ("dev", dev)
    float_report = trainer.report_["float"]
    with tempfile.TemporaryDirectory() as workdir:
        rows = sweep(model, dev, test, workdir)
        peers = {**sklearn_peers(train, test), **fasttext_peers(train, test, workdir)}
        if model.slots is not None:
            peers.update(crfsuite_peer(train, test, model.features, workdir))
        has_domains = all(example.domain is not None for example in train)
        layouts = flat_and_hierarchical(model, train, test, workdir) if has_domains else []
    name = os.path.basename(os.path.normpath(args.data))
    report = render(name, args.data, len(train), test_name, test, float_report, uncompressed_bytes(model), rows, peers,
                    layouts, time.perf_counter() - started)
    print(report)
    if args.write:
        update_block(args.write, f"sweep-{name}", report)


if __name__ == "__main__":
    main()
