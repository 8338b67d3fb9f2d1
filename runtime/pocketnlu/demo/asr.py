"""Offline speech recognition for the demo: PocketSphinx with an in-car language model.

PocketSphinx (the `voice` extra) ships a US English acoustic model. The language model and its
pronunciation dictionary come with pocketnlu (`models/incar.lm`, `models/incar.dict`, built by
`python -m pocketnlu_tools.recipes.speech_lm` from the in-car training sentences), so the recognizer
expects the commands the NLU model knows and needs no build step at run time.

Audio is 16 kHz mono 16-bit PCM: a WAV file, or the microphone through `sounddevice` (which
PocketSphinx installs; it needs the PortAudio library) or `pyaudio`.
"""
import wave
from pathlib import Path
from typing import Callable, Iterator

from ..errors import AudioFormatError, VoiceUnavailable

MODELS = Path(__file__).parent / "models"
LANGUAGE_MODEL = MODELS / "incar.lm"
DICTIONARY = MODELS / "incar.dict"
SAMPLE_RATE = 16000
VOICE_INSTALL = "pip install 'pocketnlu[voice]'"


def read_wav(path) -> bytes:
    """The PCM samples of a 16 kHz mono 16-bit WAV file."""
    try:
        with wave.open(str(path), "rb") as wav:
            channels, width, rate = wav.getnchannels(), wav.getsampwidth(), wav.getframerate()
            pcm = wav.readframes(wav.getnframes())
    except (wave.Error, EOFError) as error:
        detail = f" ({error})" if str(error) else ""
        raise AudioFormatError(f"{path}: not a PCM WAV file{detail}") from None
    if (channels, width, rate) != (1, 2, SAMPLE_RATE):
        raise AudioFormatError(
            f"{path}: need 16 kHz mono 16-bit PCM, got {rate} Hz, {channels} channel(s), {8 * width}-bit "
            f"(convert it with: sox IN.wav -r 16000 -c 1 -b 16 OUT.wav)")
    return pcm


class SpeechRecognizer:
    """One PocketSphinx decoder; `transcribe` turns an utterance's PCM into lowercase words."""

    def __init__(self, language_model=LANGUAGE_MODEL, dictionary=DICTIONARY):
        try:
            from pocketsphinx import Decoder
        except ImportError:
            raise VoiceUnavailable(f"speech recognition needs PocketSphinx: {VOICE_INSTALL}") from None
        self._decoder = Decoder(lm=str(language_model), dict=str(dictionary), samprate=SAMPLE_RATE,
                                loglevel="FATAL")

    def transcribe(self, pcm: bytes) -> str:
        self._decoder.start_utt()
        self._decoder.process_raw(pcm, full_utt=True)
        self._decoder.end_utt()
        hypothesis = self._decoder.hyp()
        return hypothesis.hypstr if hypothesis else ""


def utterances(read_frame: Callable[[int], bytes]) -> Iterator[bytes]:
    """Split an audio stream into spoken utterances with PocketSphinx's voice activity endpointer.

    read_frame(n_samples) returns up to n_samples of 16-bit PCM; fewer means the stream ended."""
    from pocketsphinx import Endpointer

    endpointer = Endpointer(sample_rate=SAMPLE_RATE)
    frame_samples = endpointer.frame_bytes // 2
    speech = bytearray()
    while True:
        frame = read_frame(frame_samples)
        ended = len(frame) < endpointer.frame_bytes
        voiced = endpointer.end_stream(frame) if ended else endpointer.process(frame)
        if voiced is not None:
            speech += voiced
        if speech and (ended or not endpointer.in_speech):
            yield bytes(speech)
            speech.clear()
        if ended:
            return


def open_microphone() -> Callable[[int], bytes]:
    """A frame reader on the default microphone, through sounddevice or else pyaudio."""
    try:
        import sounddevice
    except ImportError:
        sounddevice = None
    except OSError:  # sounddevice is installed but PortAudio, the library under it, is not
        raise VoiceUnavailable("the microphone needs the PortAudio library: "
                               "sudo apt-get install libportaudio2 (or brew install portaudio)") from None
    if sounddevice is not None:
        try:
            stream = sounddevice.RawInputStream(samplerate=SAMPLE_RATE, channels=1, dtype="int16")
            stream.start()
        except Exception as error:  # PortAudioError and friends: no device, device busy, ...
            raise VoiceUnavailable(f"cannot open a microphone: {error}") from None
        return lambda n_samples: bytes(stream.read(n_samples)[0])
    try:
        import pyaudio
    except ImportError:
        raise VoiceUnavailable("the microphone needs sounddevice: pip install sounddevice "
                               "(or pip install pyaudio)") from None
    try:
        stream = pyaudio.PyAudio().open(format=pyaudio.paInt16, channels=1, rate=SAMPLE_RATE, input=True)
    except Exception as error:  # OSError from PortAudio: no input device
        raise VoiceUnavailable(f"cannot open a microphone: {error}") from None
    return lambda n_samples: stream.read(n_samples, exception_on_overflow=False)
