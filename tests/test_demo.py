"""`pocketnlu demo` end to end, as a user runs it (a subprocess on the shipped in-car model)."""
import dataclasses
import io
import subprocess
import sys
import wave
from pathlib import Path

import pytest

import pocketnlu
from pocketnlu.demo import run_demo
from pocketnlu.models import DEFAULT_MODEL

SAMPLE_WAV = Path(__file__).resolve().parent / "audio" / "set_volume-us.wav"

needs_default_model = pytest.mark.skipif(not DEFAULT_MODEL.exists(),
                                         reason=f"the default in-car model {DEFAULT_MODEL} is not built yet")


def demo(*args, stdin="", block_pocketsphinx=False):
    """Run `pocketnlu demo ARGS`; with block_pocketsphinx, as on a machine without the voice extra."""
    code = "import sys\n"
    if block_pocketsphinx:
        code += "sys.modules['pocketsphinx'] = None  # import pocketsphinx now raises ImportError\n"
    code += "from pocketnlu.cli import main\nsys.exit(main(sys.argv[1:]))\n"
    return subprocess.run([sys.executable, "-c", code, "demo", *args], input=stdin, capture_output=True,
                          text=True, encoding="utf-8", timeout=120)


@needs_default_model
def test_a_command_parses_and_changes_the_car():
    result = demo("--text", "set the driver temperature to seventy two degrees", "--text", "open the sunroof")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "transcript  set the driver temperature to seventy two degrees (typed)" in out
    assert "domain climate, intent set_temperature" in out
    assert 'zone = "driver", temperature = "seventy two"' in out
    assert "Setting the driver zone to 72°F." in out
    assert "climate.driver: 70°F -> 72°F" in out
    assert "windows.sunroof: closed -> 100% open" in out
    assert "latency     nlu " in out and " ms, action " in out
    assert "car now:" in out and "driver 72°F" in out


@needs_default_model
def test_out_of_scope_gets_a_polite_refusal():
    result = demo("--text", "what is the capital of france")
    assert result.returncode == 0, result.stderr
    assert "intent out_of_scope" in result.stdout
    assert "action      Sorry, I didn't understand that, or it is something I can't do." in result.stdout
    assert "changed     nothing" in result.stdout


class Unsure:
    """A model that is unsure of everything: the session must ask before acting."""

    def __init__(self, model):
        self.model = model

    def parse(self, text):
        return dataclasses.replace(self.model.parse(text), confidence=0.5)


@needs_default_model
def test_an_unsure_parse_asks_first_and_acts_only_on_yes():
    from pocketnlu.demo.car import Car
    from pocketnlu.demo.session import Session

    with pocketnlu.open(DEFAULT_MODEL) as model:
        out = io.StringIO()
        session = Session(Unsure(model), Car(), out)
        session.handle("open the sunroof")
        assert "Did you mean: open the sunroof? (yes or no)" in out.getvalue()
        assert session.car.state.sunroof == 0
        session.handle("no")
        assert "OK, I won't." in out.getvalue() and session.car.state.sunroof == 0
        session.handle("open the sunroof")
        session.handle("yes")
        assert session.car.state.sunroof == 100
        session.handle("yes")  # nothing pending: parsed as a command of its own
        assert session.pending is None or session.pending.text == "yes"


@needs_default_model
def test_commands_from_standard_input_until_quit():
    result = demo(stdin="turn on the ac\n\nquit\nturn off the ac\n")
    assert result.returncode == 0, result.stderr
    assert "climate.ac: off -> on" in result.stdout
    assert "turn off the ac" not in result.stdout


@needs_default_model
def test_without_pocketsphinx_the_demo_says_what_to_install_and_takes_typed_commands():
    result = demo("--wav", str(SAMPLE_WAV), stdin="turn on the ac\n", block_pocketsphinx=True)
    assert result.returncode == 0, result.stderr
    assert "speech recognition needs PocketSphinx: pip install 'pocketnlu[voice]'" in result.stdout
    assert "falling back to typed commands" in result.stdout
    assert "climate.ac: off -> on" in result.stdout


def write_wav(path, rate=16000, channels=1, width=2):
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(width)
        wav.setframerate(rate)
        wav.writeframes(bytes(width * channels * rate // 10))  # 0.1 s of silence
    return path


@pytest.mark.parametrize("rate, channels, width", [(8000, 1, 2), (16000, 2, 2), (16000, 1, 1)])
def test_a_wav_in_the_wrong_format_is_a_clear_error(tmp_path, rate, channels, width):
    result = demo("--wav", str(write_wav(tmp_path / "bad.wav", rate, channels, width)))
    assert result.returncode == 2
    assert result.stderr.startswith("pocketnlu demo: error: ") and len(result.stderr.splitlines()) == 1
    assert "need 16 kHz mono 16-bit PCM" in result.stderr


def test_a_file_that_is_not_a_wav_is_a_clear_error(tmp_path):
    not_wav = tmp_path / "notes.wav"
    not_wav.write_text("not audio")
    result = demo("--wav", str(not_wav))
    assert result.returncode == 2
    assert "not a PCM WAV file" in result.stderr and len(result.stderr.splitlines()) == 1


@needs_default_model
def test_run_demo_in_process():
    out = io.StringIO()
    assert run_demo(texts=["call mom", "hang up"], out=out) == 0
    text = out.getvalue()
    assert "phone.call: none -> with Mom" in text and "phone.call: with Mom -> none" in text
