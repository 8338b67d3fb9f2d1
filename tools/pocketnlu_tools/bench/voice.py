"""Voice benchmark: PocketSphinx with the in-car language model, then the in-car NLU model, on the
sample WAVs in tests/audio. Reports the word error rate, the intent accuracy from speech (end to
end) next to the accuracy from the texts themselves, and median latencies.
Usage: python -m pocketnlu_tools.bench.voice [--write BENCHMARKS.md]"""
import argparse
import json
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import List, Sequence

from pocketnlu.demo.asr import SAMPLE_RATE, SpeechRecognizer, VoiceUnavailable, read_wav
from pocketnlu.models import DEFAULT_MODEL
from pocketnlu.nlu import open_model

from pocketnlu_tools.bench.markdown import update_block

REPEATS = 5


def word_errors(reference: Sequence[str], hypothesis: Sequence[str]) -> int:
    """Substitutions + deletions + insertions turning the reference words into the hypothesis."""
    previous = list(range(len(hypothesis) + 1))
    for i, ref_word in enumerate(reference, 1):
        current = [i]
        for j, hyp_word in enumerate(hypothesis, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref_word != hyp_word)))
        previous = current
    return previous[-1]


@dataclass
class SampleResult:
    file: str
    text: str
    intent: str
    transcript: str
    intent_from_speech: str
    intent_from_text: str
    word_errors: int
    audio_seconds: float
    asr_ms: List[float]
    nlu_ms: List[float]


def load_samples(samples_dir: Path) -> List[dict]:
    """[{"file", "text", "intent"}] with "file" made a path."""
    samples = json.loads((samples_dir / "samples.json").read_text(encoding="utf-8"))
    return [dict(sample, file=samples_dir / sample["file"]) for sample in samples]


def run(samples_dir: Path, model_path=DEFAULT_MODEL, repeats: int = REPEATS) -> List[SampleResult]:
    recognizer = SpeechRecognizer()
    results = []
    with open_model(model_path) as model:
        for sample in load_samples(samples_dir):
            pcm = read_wav(sample["file"])
            asr_ms, nlu_ms = [], []
            for _ in range(repeats):
                started = time.perf_counter()
                transcript = recognizer.transcribe(pcm)
                transcribed = time.perf_counter()
                parse = model.parse(transcript)
                nlu_ms.append((time.perf_counter() - transcribed) * 1000)
                asr_ms.append((transcribed - started) * 1000)
            results.append(SampleResult(
                sample["file"].name, sample["text"], sample["intent"], transcript, parse.intent,
                model.parse(sample["text"]).intent, word_errors(sample["text"].split(), transcript.split()),
                len(pcm) / 2 / SAMPLE_RATE, asr_ms, nlu_ms))
    return results


def render(results: List[SampleResult], repeats: int = REPEATS) -> str:
    n = len(results)
    errors = sum(r.word_errors for r in results)
    words = sum(len(r.text.split()) for r in results)
    from_speech = sum(r.intent_from_speech == r.intent for r in results)
    from_text = sum(r.intent_from_text == r.intent for r in results)
    asr_ms = statistics.median(t for r in results for t in r.asr_ms)
    nlu_ms = statistics.median(t for r in results for t in r.nlu_ms)
    real_time = sum(statistics.median(r.asr_ms) / 1000 for r in results) / sum(r.audio_seconds for r in results)
    lines = [
        "## Voice: PocketSphinx + in-car NLU on the sample WAVs",
        "",
        "Command: `python -m pocketnlu_tools.bench.voice --samples tests/audio --write BENCHMARKS.md` "
        f"(machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"PocketSphinx {version('pocketsphinx')}; median of {repeats} runs per sample, one core).",
        "",
        f"{n} commands held out from training (not in the train split the language model and the NLU model "
        "were built from), spoken by espeak-ng's Klatt voice (`tools/make_samples.sh`), 16 kHz mono; that voice "
        "was picked because PocketSphinx recognizes it best of espeak-ng's voices (the default one gives "
        "several times the word error rate). "
        "A synthetic voice is not a person in a car: these numbers show the pipeline works end to end, "
        "not what a driver would see.",
        "",
        "| measure | value |",
        "|---|---:|",
        f"| word error rate | {errors / words:.1%} ({errors} errors in {words} words) |",
        f"| intent accuracy from speech (end to end) | {from_speech / n:.0%} ({from_speech}/{n}) |",
        f"| intent accuracy from the reference texts | {from_text / n:.0%} ({from_text}/{n}) |",
        f"| ASR latency per utterance, median | {asr_ms:.0f} ms (real-time factor {real_time:.2f}) |",
        f"| NLU latency per utterance, median | {nlu_ms:.2f} ms |",
        "",
        "| sample | said | heard | intent from speech |",
        "|---|---|---|---|",
    ]
    for r in results:
        verdict = "ok" if r.intent_from_speech == r.intent else f"**{r.intent_from_speech}** (expected {r.intent})"
        lines.append(f"| {r.file} | {r.text} | {r.transcript} | {verdict} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=Path, required=True,
                        help="folder with samples.json and the WAVs (the checkout's: tests/audio)")
    parser.add_argument("--model", default=DEFAULT_MODEL, help="NLU model (default: the shipped in-car model)")
    parser.add_argument("--repeats", type=int, default=REPEATS, help="runs per sample for the latency medians")
    parser.add_argument("--write", metavar="BENCHMARKS.md", help="replace this benchmark's block in the file")
    args = parser.parse_args(argv)
    try:
        report = render(run(args.samples, args.model, args.repeats), args.repeats)
    except VoiceUnavailable as missing:
        sys.exit(f"bench voice: {missing}")
    print(report)
    if args.write:
        update_block(args.write, "voice", report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
