"""Voice benchmark: PocketSphinx with the in-car language model, then the in-car NLU model, on the
sample WAVs in tests/audio. Reports, for all samples and per voice, the word error rate, the intent
accuracy from speech (end to end) next to the accuracy from the texts themselves, what the demo
would do with what it heard (act on a wrong in-scope intent, refuse), and median latencies.
Usage: python -m pocketnlu_tools.bench.voice --samples tests/audio [--write BENCHMARKS.md]"""
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
from typing import Dict, List, Sequence

from pocketnlu.demo.asr import SAMPLE_RATE, SpeechRecognizer, VoiceUnavailable, read_wav
from pocketnlu.demo.session import CONFIRM_BELOW
from pocketnlu.models import DEFAULT_MODEL
from pocketnlu.nlu import OUT_OF_SCOPE, open_model

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
    voice: str
    transcript: str
    intent_from_speech: str
    confidence_from_speech: float
    intent_from_text: str
    word_errors: int
    audio_seconds: float
    asr_ms: List[float]
    nlu_ms: List[float]

    @property
    def outcome(self) -> str:
        """What the demo does with the parse of the transcript: "refused" (out of scope, or nothing
        recognized), "asked" (in scope but under CONFIRM_BELOW, it asks before acting) or "acted"."""
        if self.intent_from_speech == OUT_OF_SCOPE:
            return "refused"
        return "asked" if self.confidence_from_speech < CONFIRM_BELOW else "acted"

    @property
    def wrong_action(self) -> bool:
        """The demo acted on an in-scope intent other than the expected one."""
        return self.outcome == "acted" and self.intent_from_speech != self.intent


def load_samples(samples_dir: Path) -> List[dict]:
    """[{"file", "text", "intent", "voice"}] with "file" made a path."""
    samples = json.loads((samples_dir / "samples.json").read_text(encoding="utf-8"))
    return [dict(sample, file=samples_dir / sample["file"]) for sample in samples]


def run(samples_dir: Path, model_path=DEFAULT_MODEL, repeats: int = REPEATS) -> List[SampleResult]:
    """Each sample through a recognizer of its own, as `pocketnlu demo --wav` has one: PocketSphinx
    starts an utterance from the cepstral mean of the one before, so a shared recognizer would make a
    transcript depend on the samples (and repeats) before it. The transcript is the first run's; the
    repeats time the recognizer and the model."""
    results = []
    with open_model(model_path) as model:
        for sample in load_samples(samples_dir):
            pcm = read_wav(sample["file"])
            recognizer = SpeechRecognizer()
            transcripts, asr_ms, nlu_ms = [], [], []
            for _ in range(repeats):
                started = time.perf_counter()
                transcripts.append(recognizer.transcribe(pcm))
                transcribed = time.perf_counter()
                model.parse(transcripts[-1])
                nlu_ms.append((time.perf_counter() - transcribed) * 1000)
                asr_ms.append((transcribed - started) * 1000)
            transcript = transcripts[0]
            parse = model.parse(transcript)
            results.append(SampleResult(
                sample["file"].name, sample["text"], sample["intent"], sample.get("voice", "-"), transcript,
                parse.intent, parse.confidence, model.parse(sample["text"]).intent,
                word_errors(sample["text"].split(), transcript.split()), len(pcm) / 2 / SAMPLE_RATE, asr_ms, nlu_ms))
    return results


def summary(results: Sequence[SampleResult]) -> Dict[str, float]:
    """The benchmark's rates over some results (all of them, or one voice's)."""
    in_scope = [r for r in results if r.intent != OUT_OF_SCOPE]
    out_of_scope = [r for r in results if r.intent == OUT_OF_SCOPE]
    return {
        "n": len(results), "in_scope": len(in_scope), "out_of_scope": len(out_of_scope),
        "word_errors": sum(r.word_errors for r in results), "words": sum(len(r.text.split()) for r in results),
        "from_speech": sum(r.intent_from_speech == r.intent for r in results),
        "from_text": sum(r.intent_from_text == r.intent for r in results),
        "wrong_actions": sum(r.wrong_action for r in results),
        "in_scope_refused": sum(r.outcome == "refused" for r in in_scope),
        "out_of_scope_refused": sum(r.outcome == "refused" for r in out_of_scope),
    }


def _share(count: int, total: int, digits: int = 0) -> str:
    return f"{count / total:.{digits}%} ({count}/{total})" if total else "-"


def _verdict(r: SampleResult) -> str:
    if r.intent_from_speech == r.intent:
        return "ok, asked first" if r.outcome == "asked" else "ok"
    if r.outcome == "refused":
        return f"**refused** (expected {r.intent})"
    if r.outcome == "asked":
        return f"**{r.intent_from_speech}**, asked first (expected {r.intent})"
    return f"**wrong action: {r.intent_from_speech}** (expected {r.intent})"


def render(results: List[SampleResult], repeats: int = REPEATS) -> str:
    voices = list(dict.fromkeys(r.voice for r in results))
    groups = [("all", results)] + [(f"`{voice}`", [r for r in results if r.voice == voice]) for voice in voices]
    stats = [summary(group) for _, group in groups]
    sentences = len({r.text for r in results})

    def row(measure: str, cell) -> str:
        return f"| {measure} | " + " | ".join(cell(s, group) for s, (_, group) in zip(stats, groups)) + " |"

    def real_time(group: Sequence[SampleResult]) -> float:
        return sum(statistics.median(r.asr_ms) / 1000 for r in group) / sum(r.audio_seconds for r in group)

    lines = [
        "## Voice: PocketSphinx + in-car NLU on the sample WAVs",
        "",
        "Command: `python -m pocketnlu_tools.bench.voice --samples tests/audio --write BENCHMARKS.md` "
        f"(machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"PocketSphinx {version('pocketsphinx')}; median of {repeats} runs per sample, one core).",
        "",
        f"{len(results)} WAVs, 16 kHz mono: {sentences} in-car commands (`tests/audio/sentences.tsv`, none of them a "
        "sentence the language model or the NLU model was trained on) each spoken by "
        f"{' and '.join(f'`{voice}`' for voice in voices)}, espeak-ng's Klatt synthesizer with its American and "
        "British English voices (`tools/pocketnlu_tools/recipes/voice_samples.sh`); PocketSphinx recognizes the Klatt "
        "voices best of espeak-ng's (the default ones give several times the word error rate), and its acoustic "
        "model is American English. A synthetic voice is not a person in a car: these numbers show the pipeline "
        "works end to end, not what a driver would see.",
        "",
        f"What the demo does with the parse of what it heard: out of scope (or nothing heard) is refused, an in-scope "
        f"intent under confidence {CONFIRM_BELOW} is asked about first (\"Did you mean ...?\"), anything else is "
        "acted on. A wrong action is an in-scope intent other than the expected one, acted on.",
        "",
        "| measure | " + " | ".join(name for name, _ in groups) + " |",
        "|---|" + "---:|" * len(groups),
        row("word error rate", lambda s, g: f"{s['word_errors'] / s['words']:.1%} ({s['word_errors']}/{s['words']} words)"),
        row("intent accuracy from speech (end to end)", lambda s, g: _share(s["from_speech"], s["n"])),
        row("intent accuracy from the reference texts", lambda s, g: _share(s["from_text"], s["n"])),
        row("wrong action from speech", lambda s, g: _share(s["wrong_actions"], s["n"])),
        row("in-scope commands refused from speech", lambda s, g: _share(s["in_scope_refused"], s["in_scope"])),
        row("out-of-scope commands refused from speech", lambda s, g: _share(s["out_of_scope_refused"], s["out_of_scope"])),
        row("ASR latency per utterance, median (real-time factor)", lambda s, g: (
            f"{statistics.median(t for r in g for t in r.asr_ms):.0f} ms ({real_time(g):.2f})")),
        row("NLU latency per utterance, median", lambda s, g: f"{statistics.median(t for r in g for t in r.nlu_ms):.2f} ms"),
        "",
        "| sample | said | heard | intent from speech |",
        "|---|---|---|---|",
    ]
    for r in results:
        lines.append(f"| {r.file} | {r.text} | {r.transcript} | {_verdict(r)} |")
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
