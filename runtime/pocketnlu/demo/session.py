"""The demo session: each command prints its transcript, the parse (domain, intent, confidence,
slots), the car's reply, the state lines it changed and the time each stage took. Speech needs the `voice` extra
(PocketSphinx); without it the demo says what to install and takes typed commands instead.
"""
import sys
import time
from typing import Optional, Sequence, TextIO

from .asr import SpeechRecognizer, VoiceUnavailable, open_microphone, read_wav, utterances
from .car import Action, Car, describe
from ..models import DEFAULT_MODEL
from ..nlu import OUT_OF_SCOPE, NLUModel, Parse, open_model


QUIT_WORDS = ("quit", "exit")
YES_WORDS = ("yes", "yeah", "yep", "yes please", "correct", "right", "sure", "ok", "okay", "do it")
NO_WORDS = ("no", "nope", "no thanks", "cancel", "never mind", "wrong")
LABEL_WIDTH = 12
# Under this confidence (a calibrated probability) the car asks before acting; under the model's
# own threshold the parse is out of scope and refused.
CONFIRM_BELOW = 0.75


class Session:
    """One model and one car; `handle` runs a command through both and prints what happened."""

    def __init__(self, model: NLUModel, car: Car, out: TextIO):
        self.model, self.car, self.out = model, car, out
        self.pending: Optional[Parse] = None  # a parse waiting for "yes"

    def line(self, label: str, text: str) -> None:
        print(f"{label:<{LABEL_WIDTH}}{text}", file=self.out)

    def handle(self, text: str, asr_ms: Optional[float] = None) -> None:
        spoken = asr_ms is not None
        if not text.strip():
            self.line("transcript", "(nothing recognized)" if spoken else "(empty)")
            self.line("latency", f"asr {asr_ms:.1f} ms" if spoken else "-")
            print(file=self.out)
            return
        answer = text.strip().lower().strip(".!")
        if self.pending is not None and answer in YES_WORDS + NO_WORDS:
            parse, self.pending = self.pending, None
            self.line("transcript", f"{text} ({'speech' if spoken else 'typed'})")
            self.line("action", self.car.apply(parse).message if answer in YES_WORDS else "OK, I won't.")
            print(file=self.out)
            return
        self.pending = None
        started = time.perf_counter()
        parse = self.model.parse(text)
        parsed = time.perf_counter()
        if parse.intent != OUT_OF_SCOPE and parse.confidence < CONFIRM_BELOW:
            self.pending = parse
            action = Action(f"Did you mean: {describe(parse)}? (yes or no)")
        else:
            action = self.car.apply(parse)
        acted = time.perf_counter()

        self.line("transcript", f"{text} ({'speech' if spoken else 'typed'})")
        self.line("parse", f"domain {parse.domain or '-'}, intent {parse.intent}, confidence {parse.confidence:.2f}")
        self.line("slots", ", ".join(f'{s.slot} = "{s.value}"' for s in parse.slots) or "none")
        self.line("action", action.message)
        changes = [f"{key}: {before} -> {after}" for key, (before, after) in action.changed.items()] or ["nothing"]
        for i, change in enumerate(changes):
            self.line("changed" if i == 0 else "", change)
        stages = ([f"asr {asr_ms:.1f} ms"] if spoken else []) + [
            f"nlu {(parsed - started) * 1000:.2f} ms", f"action {(acted - parsed) * 1000:.2f} ms"]
        self.line("latency", ", ".join(stages))
        print(file=self.out)

    def handle_audio(self, recognizer: SpeechRecognizer, pcm: bytes) -> None:
        started = time.perf_counter()
        transcript = recognizer.transcribe(pcm)
        self.handle(transcript, asr_ms=(time.perf_counter() - started) * 1000)

    def show_state(self, title: str) -> None:
        print(title, file=self.out)
        print(self.car.render(), file=self.out)
        print(file=self.out)

    def typed_commands(self) -> None:
        """A prompt on a terminal; otherwise one command per line of standard input."""
        interactive = sys.stdin.isatty()
        if interactive:
            print("Type a command for the car ('state' shows it, 'quit' or Ctrl-D exits).\n", file=self.out)
            self.show_state("car:")
        while True:
            if interactive:
                try:
                    text = input("you> ")
                except EOFError:
                    print(file=self.out)
                    return
            else:
                text = sys.stdin.readline()
                if not text:
                    return
            text = text.strip()
            if text.lower() in QUIT_WORDS:
                return
            if text.lower() == "state":
                self.show_state("car:")
            elif text:
                self.handle(text)

    def microphone(self, recognizer: SpeechRecognizer) -> None:
        read_frame = open_microphone()
        print("Listening: speak a command for the car (Ctrl-C stops).\n", file=self.out)
        try:
            for pcm in utterances(read_frame):
                self.handle_audio(recognizer, pcm)
        except KeyboardInterrupt:
            print(file=self.out)


def run_demo(texts: Optional[Sequence[str]] = None, wav=None, mic: bool = False, model=None,
             out: TextIO = sys.stdout) -> int:
    """Run commands from `texts`, a WAV file and/or the microphone; with none of them, typed commands.
    Falls back to typed commands when speech recognition or the microphone is unavailable."""
    pcm = read_wav(wav) if wav else None  # a bad file fails before anything else happens
    recognizer = None
    if wav or mic:
        try:
            recognizer = SpeechRecognizer()
        except VoiceUnavailable as missing:
            print(f"note: {missing}; falling back to typed commands\n", file=out)
    with open_model(model or DEFAULT_MODEL) as nlu:
        session = Session(nlu, Car(), out)
        ran = False
        for text in texts or ():
            session.handle(text)
            ran = True
        if recognizer and pcm is not None:
            session.handle_audio(recognizer, pcm)
            ran = True
        if recognizer and mic:
            try:
                session.microphone(recognizer)
                ran = True
            except VoiceUnavailable as missing:
                print(f"note: {missing}; falling back to typed commands\n", file=out)
        if ran:
            session.show_state("car now:")
        else:
            session.typed_commands()
    return 0
