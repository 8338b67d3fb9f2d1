"""Speed, load time and memory of pocketnlu against the peers, side by side in one run.

Every system is trained on the same data, then measured in a fresh subprocess of its own (so
each RSS figure is that system's alone): open time, per-utterance latency (intent only; intent
and slots), batch throughput, and RSS after loading and after 10,000 parses. Then: instructions
per parse under valgrind's callgrind (the difference of two runs that parse 0 and N test
utterances after the same set-up, divided by N: machine-independent, unlike times on a shared
machine), cold start (a new process's wall time from exec to its first parse, and its peak RSS,
against bare `python -c pass`), a store of 1,000 small skill models under a budget, and open
time as model files grow from 1 MB to 100 MB.

Usage: python -m pocketnlu_tools.bench.speed DATA [--write BENCHMARKS.md]
(DATA: a dataset with train and test splits, e.g. ../shared/data/jointbert_snips)
"""
import argparse
import json
import os
import pickle
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import List

import numpy as np

PARSES = 10_000
OPEN_REPEATS = 21


def rss_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def timed_calls(fn, texts, total=PARSES):
    """Per-call latencies (µs) of fn(text) over `total` calls cycling through texts."""
    latencies = np.empty(total)
    for i in range(total):
        text = texts[i % len(texts)]
        start = time.perf_counter()
        fn(text)
        latencies[i] = time.perf_counter() - start
    return latencies * 1e6


def median_open_ms(open_fn, close_fn=lambda handle: None):
    times = []
    for _ in range(OPEN_REPEATS):
        start = time.perf_counter()
        handle = open_fn()
        times.append(time.perf_counter() - start)
        close_fn(handle)
    return 1e3 * statistics.median(times)


# ---- workers: each runs in its own process and prints one JSON object --------------------------

def worker_pocketnlu(model_path, texts):
    import pocketnlu

    base = rss_bytes()
    open_ms = median_open_ms(lambda: pocketnlu.open(model_path), lambda m: m.close())
    model = pocketnlu.open(model_path)
    loaded = rss_bytes() - base
    both = timed_calls(model.parse, texts)
    tagger, model.slot_tagger = model.slot_tagger, None  # intent only: the same model without slots
    intent = timed_calls(model.parse, texts)
    model.slot_tagger = tagger
    start = time.perf_counter()
    model.parse_batch(texts)
    batch = len(texts) / (time.perf_counter() - start)
    return {"open_ms": open_ms, "rss_loaded": loaded, "rss_after": rss_bytes() - base,
            "intent_us": intent.tolist(), "both_us": both.tolist(), "batch_per_s": batch,
            "file_bytes": os.path.getsize(model_path)}


def worker_fasttext(model_path, texts):
    import fasttext

    base = rss_bytes()
    open_ms = median_open_ms(lambda: fasttext.load_model(model_path))
    model = fasttext.load_model(model_path)
    loaded = rss_bytes() - base
    # The C++ binding directly: fastText's wrapper breaks on numpy 2 (np.array(copy=False)).
    predict = lambda text: model.f.predict(text, 1, 0.0, "strict")
    intent = timed_calls(predict, [t.lower() for t in texts])
    start = time.perf_counter()
    model.f.multilinePredict([t.lower() for t in texts], 1, 0.0, "strict")
    batch = len(texts) / (time.perf_counter() - start)
    return {"open_ms": open_ms, "rss_loaded": loaded, "rss_after": rss_bytes() - base,
            "intent_us": intent.tolist(), "batch_per_s": batch, "file_bytes": os.path.getsize(model_path)}


def worker_sklearn(model_path, texts):
    def load():
        with open(model_path, "rb") as f:
            return pickle.load(f)

    base = rss_bytes()
    open_ms = median_open_ms(load)
    pipeline = load()
    loaded = rss_bytes() - base
    intent = timed_calls(lambda text: pipeline.predict([text]), texts)
    start = time.perf_counter()
    pipeline.predict(texts)
    batch = len(texts) / (time.perf_counter() - start)
    return {"open_ms": open_ms, "rss_loaded": loaded, "rss_after": rss_bytes() - base,
            "intent_us": intent.tolist(), "batch_per_s": batch, "file_bytes": os.path.getsize(model_path)}


def worker_crfsuite(model_path, texts):
    import pycrfsuite

    from pocketnlu.features import FeatureConfig, prepare, token_features

    features = FeatureConfig()

    def load():
        tagger = pycrfsuite.Tagger()
        tagger.open(model_path)
        return tagger

    base = rss_bytes()
    open_ms = median_open_ms(load, lambda tagger: tagger.close())
    tagger = load()
    loaded = rss_bytes() - base
    # Feature extraction included, as for pocketnlu's slot tagging; and tagging alone, on
    # feature sequences built beforehand (the strictest comparison for pocketnlu).
    slots = timed_calls(lambda text: tagger.tag(token_features(prepare(text)[0], features)), texts)
    sequences = {text: pycrfsuite.ItemSequence(token_features(prepare(text)[0], features)) for text in texts}
    tagging = timed_calls(lambda text: tagger.tag(sequences[text]), texts)
    return {"open_ms": open_ms, "rss_loaded": loaded, "rss_after": rss_bytes() - base,
            "slots_us": slots.tolist(), "tagging_us": tagging.tolist(), "file_bytes": os.path.getsize(model_path)}


def worker_store(directory, texts):
    from pocketnlu import ModelStore

    names = sorted(p[: -len(".pnlu")] for p in os.listdir(directory))
    size = os.path.getsize(os.path.join(directory, names[0] + ".pnlu"))
    budget = 50 * size
    rng = np.random.default_rng(0)
    base = rss_bytes()
    peak_mapped = 0
    with ModelStore(budget_bytes=budget, directory=directory) as store:
        latencies = []
        for i in range(PARSES):
            name = names[rng.integers(len(names))]
            start = time.perf_counter()
            store.parse(name, texts[i % len(texts)])
            latencies.append(time.perf_counter() - start)
            peak_mapped = max(peak_mapped, store.mapped_bytes)
        return {"models": len(names), "model_bytes": size, "budget": budget, "peak_mapped": peak_mapped,
                "opens": store.opens, "evictions": store.evictions, "rss_after": rss_bytes() - base,
                "parse_with_open_us": (np.array(latencies) * 1e6).tolist()}


def worker_open_scaling(paths, texts):
    import pocketnlu

    return {os.path.getsize(p): median_open_ms(lambda: pocketnlu.open(p), lambda m: m.close()) for p in paths}


# ---- instructions per parse (callgrind) and cold start --------------------------------------------

INSTRUCTION_PARSES = 700  # test utterances parsed under callgrind (one pass over SNIPS test)
COLD_STARTS = 11  # processes per system; the median wall time is quoted


def _predictor(system, model_path, texts):
    """(parse function, the texts it takes) of a system, loaded as its users load it."""
    if system in ("pocketnlu_intent", "pocketnlu_both"):
        import pocketnlu

        model = pocketnlu.open(model_path)
        if system == "pocketnlu_intent":
            model.slot_tagger = None
        return model.parse, texts
    if system == "fasttext":
        import fasttext

        model = fasttext.load_model(model_path)
        return (lambda text: model.f.predict(text, 1, 0.0, "strict")), [t.lower() for t in texts]
    if system in ("crfsuite", "crfsuite_tagging"):
        import pycrfsuite

        from pocketnlu.features import FeatureConfig, prepare, token_features

        tagger, features = pycrfsuite.Tagger(), FeatureConfig()
        tagger.open(model_path)
        if system == "crfsuite_tagging":
            sequences = [pycrfsuite.ItemSequence(token_features(prepare(text)[0], features)) for text in texts]
            return tagger.tag, sequences
        return (lambda text: tagger.tag(token_features(prepare(text)[0], features))), texts
    raise ValueError(system)


def worker_instructions(target, texts):
    """Set up `system` and parse `count` test utterances (after two warm-up parses)."""
    system, model_path, count = target
    parse, inputs = _predictor(system, model_path, texts)
    parse(inputs[0])
    parse(inputs[1 % len(inputs)])
    for i in range(count):
        parse(inputs[i % len(inputs)])
    return {}


COLD_START_CODE = {
    "python": "pass",
    "pocketnlu": "import pocketnlu; pocketnlu.open({model!r}).parse({text!r})",
    "fasttext": "import fasttext; fasttext.load_model({model!r}).f.predict({text!r}.lower(), 1, 0.0, 'strict')",
    "crfsuite": ("import pycrfsuite; from pocketnlu.features import FeatureConfig, prepare, token_features; "
                 "t = pycrfsuite.Tagger(); t.open({model!r}); t.tag(token_features(prepare({text!r})[0], FeatureConfig()))"),
}


# Printed by each cold-start process at its end: its peak RSS (wait4's ru_maxrss would count the
# forking parent's pages before exec).
PEAK_RSS_CODE = "; print(open('/proc/self/status').read())"


def cold_start(system, model_path, text, pycache):
    """Median wall time (ms) from starting `python -c CODE` to its exit after one parse, and the
    median peak RSS (bytes, VmHWM) of those processes. Byte code is cached (in `pycache`, after
    one run that writes it), as an installed package's is, even where PYTHONDONTWRITEBYTECODE is
    set: compiling the sources at every start is not what a device does."""
    code = COLD_START_CODE[system].format(model=model_path, text=text)
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    times, peaks = [], []
    for _ in range(COLD_STARTS):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
        times.append(time.perf_counter() - start)
        status = subprocess.run([sys.executable, "-c", code + PEAK_RSS_CODE], capture_output=True, text=True,
                                check=True, env=env).stdout
        peaks.append(int(re.search(r"VmHWM:\s*(\d+) kB", status).group(1)) * 1024)
    return {"ms": 1e3 * statistics.median(times), "peak_rss": statistics.median(peaks)}


def instructions_per_parse(system, model_path, texts_path, count=INSTRUCTION_PARSES):
    """Instructions of `count` parses: callgrind's totals of two runs (0 and count parses after
    the same set-up) subtracted, divided by count. None without valgrind."""
    if shutil.which("valgrind") is None:
        return None
    totals = []
    for parses in (0, count):
        result = subprocess.run(
            ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, "-m",
             "pocketnlu_tools.bench.speed", "--worker", "instructions", json.dumps([system, model_path, parses]),
             texts_path], capture_output=True, text=True, check=True)
        found = re.search(r"Collected\s*:\s*([\d,]+)", result.stderr) or re.search(r"refs:\s*([\d,]+)", result.stderr)
        if found is None:
            raise RuntimeError(f"no instruction count in callgrind's output: {result.stderr[-500:]}")
        totals.append(int(found.group(1).replace(",", "")))
    return (totals[1] - totals[0]) / count


WORKERS = {"instructions": worker_instructions, "pocketnlu": worker_pocketnlu, "fasttext": worker_fasttext, "sklearn": worker_sklearn,
           "crfsuite": worker_crfsuite, "store": worker_store, "open_scaling": worker_open_scaling}


def run_worker(name, target, texts_path):
    result = subprocess.run([sys.executable, "-m", "pocketnlu_tools.bench.speed", "--worker", name,
                             json.dumps(target), texts_path], capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


# ---- building what the workers measure ---------------------------------------------------------

def build_models(trainer, workdir):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    from pocketnlu_tools.train.pipeline import bio_tags
    import fasttext
    import pycrfsuite
    from pocketnlu.features import FeatureConfig, prepare, token_features

    paths = {"pocketnlu": str(workdir / "model.pnlu")}
    trainer.save(paths["pocketnlu"])
    train = trainer.train_

    corpus = workdir / "fasttext.txt"
    corpus.write_text("".join(f"__label__{e.intent} {e.text.lower()}\n" for e in train))
    ft = fasttext.train_supervised(str(corpus), epoch=25, lr=0.5, wordNgrams=2, verbose=0, seed=0, thread=1)
    paths["fasttext"] = str(workdir / "model.bin")
    ft.save_model(paths["fasttext"])
    ft.quantize(input=str(corpus), qnorm=True, retrain=True, cutoff=100000)
    paths["fasttext_q"] = str(workdir / "model.ftz")
    ft.save_model(paths["fasttext_q"])

    pipeline = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True), LinearSVC())
    pipeline.fit([e.text for e in train], [e.intent for e in train])
    paths["sklearn"] = str(workdir / "model.pkl")
    with open(paths["sklearn"], "wb") as f:
        pickle.dump(pipeline, f)

    crf_trainer = pycrfsuite.Trainer(algorithm="lbfgs", verbose=False)
    for example in train:
        tokens = prepare(example.text)[0]
        if tokens:
            crf_trainer.append(pycrfsuite.ItemSequence(token_features(tokens, FeatureConfig())), bio_tags(example, tokens))
    crf_trainer.set_params({"c1": 0.1, "c2": 0.01, "max_iterations": 200})
    paths["crfsuite"] = str(workdir / "model.crfsuite")
    crf_trainer.train(paths["crfsuite"])
    return paths


def build_skill_store(directory: Path, count=1000):
    """`count` skill models: copies of the shipped in-car model (16 KB), one file each."""
    from pocketnlu.models import DEFAULT_MODEL

    directory.mkdir()
    for i in range(count):
        shutil.copyfile(DEFAULT_MODEL, directory / f"skill{i:04d}.pnlu")


def build_sized_models(workdir: Path, megabytes=(1, 10, 100)):
    """Intent models whose files are about 1, 10 and 100 MB (random weights over 32 labels)."""
    from pocketnlu.features import FeatureConfig

    from pocketnlu_tools.pack.tables import build_table
    from pocketnlu_tools.pack.writer import pack_file, write_atomically

    paths = []
    labels = [f"intent{i}" for i in range(32)]
    rng = np.random.default_rng(0)
    for mb in megabytes:
        n_keys = int(mb * 1e6 / 7.5)  # about 7.5 bytes per key at 4 weights of 8+5 bits
        values = rng.integers(-127, 128, size=(n_keys, len(labels)))
        values[rng.random(values.shape) > 4 / 32] = 0
        values[~values.any(axis=1), 0] = 1
        section, _ = build_table([f"w={i}" for i in range(n_keys)], values, np.zeros(len(labels)), 8, 8)
        meta = {"models": {"intent": {"type": "classifier", "table": "intent.table", "labels": labels,
                                      "scale": 0.01}},
                "pipeline": {"features": FeatureConfig().to_dict(), "intent": "intent"}}
        path = workdir / f"sized-{mb}mb.pnlu"
        write_atomically(path, pack_file(meta, {"intent.table": section}))
        paths.append(str(path))
    return paths


# ---- report ------------------------------------------------------------------------------------

def percentiles(values):
    return np.percentile(values, 50), np.percentile(values, 99)


def render_start(instructions, cold) -> List[str]:
    """The instructions and cold-start lines of the report."""
    lines = []
    if instructions:
        k = lambda name: f"{instructions[name] / 1e3:,.0f}k" if instructions.get(name) is not None else "n/a"
        ours_intent, ours_both = instructions["pocketnlu_intent"], instructions["pocketnlu_both"]
        lines += [
            "",
            f"Instructions per parse (valgrind callgrind, {INSTRUCTION_PARSES} test utterances after the same set-up, "
            "whole process: Python included): "
            f"pocketnlu intent only {k('pocketnlu_intent')}, intent + slots {k('pocketnlu_both')}; fastText .ftz "
            f"predict {k('fasttext')}; python-crfsuite features + tagging {k('crfsuite')}, tagging alone "
            f"{k('crfsuite_tagging')}. Ratios: pocketnlu intent only / fastText .ftz = "
            f"{ours_intent / instructions['fasttext']:.2f}; python-crfsuite features + tagging / pocketnlu intent + "
            f"slots = {instructions['crfsuite'] / ours_both:.2f}.",
        ]
    if cold:
        bare = cold["python"]
        row = lambda name, label: (f"| {label} | {cold[name]['ms']:.0f} | {cold[name]['ms'] / bare['ms']:.1f} "
                                   f"| {cold[name]['peak_rss'] / 1e6:.1f} |")
        lines += [
            "",
            f"Cold start (a new process from exec to exit after one parse, median of {COLD_STARTS}, byte code cached; "
            "peak RSS of the process):",
            "",
            "| process | ms | x bare python | peak RSS MB |",
            "|---|---:|---:|---:|",
            row("python", "bare `python -c pass`"),
            row("pocketnlu", "`import pocketnlu`, open, parse"),
            row("fasttext", "`import fasttext`, load .ftz, predict"),
            row("crfsuite", "`import pycrfsuite` (+ pocketnlu features), open, tag"),
        ]
    return lines


def render(data_name, data, n_test, results, store, scaling, instructions=None, cold=None) -> str:
    mb = lambda b: f"{b / 1e6:.2f}"
    pocket = results["pocketnlu"]
    rows = []
    for name, label in (("pocketnlu", "pocketnlu (mmap + C core)"), ("fasttext", "fastText .bin"),
                        ("fasttext_q", "fastText quantized .ftz"), ("sklearn", "scikit-learn tf-idf + LinearSVC (pickle)"),
                        ("crfsuite", "python-crfsuite (slots only)")):
        r = results[name]
        intent = "{:.0f} / {:.0f}".format(*percentiles(r["intent_us"])) if "intent_us" in r else "n/a"
        both = "{:.0f} / {:.0f}".format(*percentiles(r["both_us"])) if "both_us" in r else (
            "{:.0f} / {:.0f} (slots only; tagging alone {:.0f} / {:.0f})".format(
                *percentiles(r["slots_us"]), *percentiles(r["tagging_us"])) if "slots_us" in r else "n/a")
        batch = f"{r['batch_per_s']:,.0f}" if "batch_per_s" in r else "n/a"
        rows.append(f"| {label} | {mb(r['file_bytes'])} | {r['open_ms']:.2f} | {intent} | {both} | {batch} "
                    f"| {mb(r['rss_loaded'])} | {mb(r['rss_after'])} |")
    ft_intent = percentiles(results["fasttext_q"]["intent_us"])[0]
    crf_slots = percentiles(results["crfsuite"]["slots_us"])[0]
    crf_tagging = percentiles(results["crfsuite"]["tagging_us"])[0]
    ours_intent, ours_both = percentiles(pocket["intent_us"])[0], percentiles(pocket["both_us"])[0]
    lines = [
        f"## Speed, load time and memory: {data_name}",
        "",
        f"Command: `python -m pocketnlu_tools.bench.speed {data} --write BENCHMARKS.md` "
        f"({platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; all systems trained "
        f"on the same train split and run on its {n_test} test utterances, each in its own process; latencies over "
        f"{PARSES:,} single-utterance calls, open time the median of {OPEN_REPEATS} opens; RSS is added to the "
        "process after imports).",
        "",
        "| system | file MB | open ms | intent µs p50 / p99 | intent + slots µs p50 / p99 | batch utt/s "
        "| RSS MB loaded | RSS MB after 10k parses |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        *rows,
        "",
        "Ratios (same run): pocketnlu intent-only p50 / fastText quantized p50 = "
        f"{ours_intent / ft_intent:.2f}; python-crfsuite slots (features + tagging) p50 / pocketnlu intent + slots p50 = "
        f"{crf_slots / ours_both:.2f}, its tagging alone p50 / pocketnlu intent + slots p50 = "
        f"{crf_tagging / ours_both:.2f}; fastText .ftz open / pocketnlu open = "
        f"{results['fasttext_q']['open_ms'] / pocket['open_ms']:.1f}; scikit-learn open / pocketnlu open = "
        f"{results['sklearn']['open_ms'] / pocket['open_ms']:.1f}.",
        *render_start(instructions, cold),
        "",
        f"Model store: {store['models']:,} skill models of {store['model_bytes']:,} bytes, budget "
        f"{store['budget']:,} bytes: peak mapped {store['peak_mapped']:,} bytes, {store['opens']:,} opens and "
        f"{store['evictions']:,} evictions over {PARSES:,} parses on random skills; parse including any open p50 / p99 "
        "{:.0f} / {:.0f} µs; RSS added {}.".format(*percentiles(store["parse_with_open_us"]), f"{mb(store['rss_after'])} MB"),
        "",
        "Open time against file size (pocketnlu, mmap): "
        + ", ".join(f"{int(size) / 1e6:.0f} MB: {ms:.2f} ms" for size, ms in sorted(scaling.items(), key=lambda kv: int(kv[0]))) + ".",
    ]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?")
    parser.add_argument("--write", metavar="BENCHMARKS.md")
    parser.add_argument("--worker", nargs=3, metavar=("NAME", "TARGET", "TEXTS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        name, target, texts_path = args.worker
        texts = json.loads(Path(texts_path).read_text())
        print(json.dumps(WORKERS[name](json.loads(target), texts)))
        return

    from pocketnlu_tools.trainer import Trainer

    trainer = Trainer().fit(args.data)
    test = trainer.test_ or trainer.dev_
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        texts_path = str(workdir / "texts.json")
        Path(texts_path).write_text(json.dumps([e.text for e in test]))
        paths = build_models(trainer, workdir)
        results = {name: run_worker(worker, paths[name], texts_path) for name, worker in (
            ("pocketnlu", "pocketnlu"), ("fasttext", "fasttext"), ("fasttext_q", "fasttext"),
            ("sklearn", "sklearn"), ("crfsuite", "crfsuite"))}
        instructions = {name: instructions_per_parse(name, paths[model], texts_path) for name, model in (
            ("pocketnlu_intent", "pocketnlu"), ("pocketnlu_both", "pocketnlu"), ("fasttext", "fasttext_q"),
            ("crfsuite", "crfsuite"), ("crfsuite_tagging", "crfsuite"))}
        if any(v is None for v in instructions.values()):
            print("speed: valgrind not found, no instruction counts (apt-get install valgrind)", file=sys.stderr)
            instructions = None
        first = test[0].text
        cold = {name: cold_start(name, model, first, workdir / "pycache") for name, model in (
            ("python", ""), ("pocketnlu", paths["pocketnlu"]), ("fasttext", paths["fasttext_q"]),
            ("crfsuite", paths["crfsuite"]))}
        build_skill_store(workdir / "skills")
        store = run_worker("store", str(workdir / "skills"), texts_path)
        scaling = run_worker("open_scaling", build_sized_models(workdir), texts_path)
    name = os.path.basename(os.path.normpath(args.data))
    report = render(name, args.data, len(test), results, store, scaling, instructions, cold)
    print(report)
    if args.write:
        from pocketnlu_tools.bench.markdown import update_block

        update_block(args.write, f"speed-{name}", report)  # one block per dataset


if __name__ == "__main__":
    main()
