"""The `pocketnlu` command line: inspect, parse and demo on the device; train and eval added by the
host package when it is installed. Errors print one line and exit with status 2."""
import argparse
import json
import os
import re
import signal
import sys
import threading

from . import __version__
from .errors import PocketNLUError, UsageError


# Control characters and bidirectional overrides in model strings (labels, names) or utterances
# could move the cursor, recolour or reorder the terminal: they are printed escaped.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: str) -> str:
    """`text` with every control character but newline and tab written as a \\uXXXX escape (which
    also keeps JSON output valid: such characters only occur inside its strings)."""
    return _UNSAFE.sub(lambda m: f"\\u{ord(m[0]):04x}", text)


def emit(text: str) -> None:
    """Print command output (to standard output), escaped for the terminal."""
    print(terminal_safe(text))


def _inspect(args) -> int:
    from .inspect_model import describe, format_report

    report = describe(args.model, verify=args.verify)
    emit(json.dumps(report, indent=2) if args.json else format_report(report))
    return 0


def _parse(args) -> int:
    from .nlu import open_model

    with open_model(args.model) as model:
        for text in args.text:
            # The argument's own bytes (argv undecodable as UTF-8 arrives surrogate-escaped), so
            # invalid UTF-8 is refused with InputError, as the API does, instead of being parsed
            # and echoed back as bytes that are not UTF-8.
            result = model.parse(os.fsencode(text))
            emit(json.dumps(result.to_dict(), ensure_ascii=False) if args.json else _format_parse(result))
    return 0


def _format_resolved(resolved) -> str:
    if resolved is None:
        return ""
    unit = f" {resolved['unit']}" if "unit" in resolved else ""
    return f" -> {resolved['value']!r}{unit} ({resolved.get('list', resolved['kind'])})"


def _format_parse(result) -> str:
    lines = [f"text:       {result.text}", f"domain:     {result.domain}",
             f"intent:     {result.intent}", f"confidence: {result.confidence:.3f}"]
    lines += [f"slot:       {s.slot} = {s.value!r} [{s.start}:{s.end}]" + _format_resolved(s.resolved)
              for s in result.slots]
    if result.truncated:
        lines.append("note:       the input was longer than the limits and was cut")
    return "\n".join(lines)


def _demo(args) -> int:
    from .demo import run_demo

    return run_demo(texts=args.text, wav=args.wav, mic=args.mic, model=args.model)


DEVICE_COMMANDS = ("inspect", "parse", "demo")


def build_parser(host_commands: bool = True) -> argparse.ArgumentParser:
    """The command line; host_commands=False leaves out the entry-point scan for `train` and
    `eval` (it imports the host package and numpy: half a second on a board)."""
    parser = argparse.ArgumentParser(prog="pocketnlu", description="Offline language understanding for small devices.")
    parser.add_argument("--version", action="version", version=f"pocketnlu {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    inspect = commands.add_parser("inspect", help="show a model file's sections, sizes and index statistics")
    inspect.add_argument("model", help="path to a .pnlu file")
    inspect.add_argument("--verify", action="store_true", help="check every section's checksum")
    inspect.add_argument("--json", action="store_true", help="machine-readable output")
    inspect.set_defaults(run=_inspect)

    parse = commands.add_parser("parse", help="parse utterances with a model")
    parse.add_argument("model", help="path to a .pnlu file")
    parse.add_argument("text", nargs="+", help="utterance(s) to parse")
    parse.add_argument("--json", action="store_true", help="one JSON object per utterance")
    parse.set_defaults(run=_parse)

    demo = commands.add_parser("demo", help="drive a simulated car with typed or spoken in-car commands")
    demo.add_argument("--text", action="append", help="a command to run (repeatable); with no input "
                      "option, commands are read from a prompt")
    demo.add_argument("--wav", help="16 kHz mono 16-bit WAV file to transcribe (needs pocketnlu[voice])")
    demo.add_argument("--mic", action="store_true", help="listen to the microphone (needs pocketnlu[voice])")
    demo.add_argument("--model", help="model file (default: the in-car model shipped with pocketnlu)")
    demo.set_defaults(run=_demo)
    if host_commands:
        _add_host_commands(commands)
    return parser


HOST_COMMANDS = ("train", "eval")
COMMANDS_ENTRY_POINTS = "pocketnlu.commands"  # functions adding subcommands (pyproject.toml)


def _add_host_commands(commands) -> None:
    """`train` and `eval` come from the host package, found through its entry point (the device
    package never imports it by name); without it they say what to install."""
    from importlib.metadata import entry_points

    found = entry_points()
    hooks = (found.select(group=COMMANDS_ENTRY_POINTS) if hasattr(found, "select")
             else found.get(COMMANDS_ENTRY_POINTS, ()))  # Python 3.9
    added = set()
    for hook in hooks:
        try:
            add_commands = hook.load()
        except ImportError:  # an entry point of a package that is not importable here
            continue
        add_commands(commands)
        added.update(commands.choices)
    for name in HOST_COMMANDS:
        if name not in added:
            missing = commands.add_parser(name, help="(needs the host tools: pip install 'pocketnlu[train]')")
            missing.add_argument("arguments", nargs=argparse.REMAINDER)
            missing.set_defaults(run=_needs_host_tools)


def _needs_host_tools(args) -> int:
    raise UsageError(f"{args.command} needs the host tools (pocketnlu_tools): pip install 'pocketnlu[train]'")


def _terminate(signum, frame):
    """SIGTERM ends the command as Ctrl-C does, so temporary files are removed on the way out."""
    raise SystemExit(128 + signum)


def _device_command(argv) -> bool:
    """Whether argv runs a device command (its first argument names one), which needs no host
    commands in the parser."""
    return bool(argv) and argv[0] in DEVICE_COMMANDS


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(host_commands=not _device_command(argv)).parse_args(argv)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate)
    try:
        return args.run(args)
    except BrokenPipeError:  # output piped into `head` and the like: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (PocketNLUError, OSError, ValueError) as error:
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        print(f"pocketnlu {args.command}: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
