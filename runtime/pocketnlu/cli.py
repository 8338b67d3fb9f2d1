"""The `pocketnlu` command line. Errors print one line and exit with status 2."""
import argparse
import json
import os
import sys

from .errors import PocketNLUError


class UsageError(PocketNLUError):
    """A command-line argument is wrong."""


def _inspect(args) -> int:
    from .inspect_model import describe, format_report

    report = describe(args.model, verify=args.verify)
    print(json.dumps(report, indent=2) if args.json else format_report(report))
    return 0


def _progress(message: str) -> None:
    print(f"[train] {message}", file=sys.stderr, flush=True)


def _host_tools():
    """The host side (training, datasets) needs the `train` extra."""
    try:
        import sklearn  # noqa: F401
        import pycrfsuite  # noqa: F401
    except ImportError as error:
        raise UsageError(f"this command needs the training extra ({error.name} is missing): "
                         "pip install 'pocketnlu[train]'") from None


def _train(args) -> int:
    limit = 2 ** (args.weight_bits - 1) - 1
    if args.dead_zone is not None and not 0 <= args.dead_zone < limit:
        raise UsageError(f"--dead-zone must be 0..{limit - 1} at {args.weight_bits}-bit weights")
    _host_tools()
    from pocketnlu_tools.commands import train_command

    report = train_command(args.data, args.output, data_format=args.format, weight_bits=args.weight_bits,
                           fingerprint_bits=args.fingerprint_bits, gamma=args.gamma, dead_zone=args.dead_zone,
                           oos_threshold=args.oos_threshold, with_slots=not args.no_slots,
                           hierarchical=args.hierarchical, progress=_progress)
    print(json.dumps(report, indent=2) if args.json else _format_train(report))
    return 0


def _format_train(report: dict) -> str:
    def metrics(m):
        slot = "n/a" if m.get("slot_f1") is None else f"{m['slot_f1']:.4f}"
        # None when the held-out split is empty (a dataset too small to carve a dev split from).
        intent = "n/a" if m.get("intent_accuracy") is None else f"{m['intent_accuracy']:.4f}"
        line = f"intent accuracy {intent}, slot F1 {slot}"
        if "oos_recall" in m:
            line += f", out-of-scope recall {m['oos_recall']:.4f}"
        return line

    lines = [f"wrote {report['output']}",
             f"held-out split: {report['held_out']} ({report['n']} utterances)",
             f"  float:      {metrics(report['float'])}",
             f"  compressed: {metrics(report['compressed'])}",
             f"size: {report['file_bytes']} bytes compressed, {report['uncompressed_bytes']} bytes as a plain "
             f"float model ({report['compression_ratio']:.1f}x smaller)",
             "dead zones (quantization steps): " + ", ".join(f"{name} {steps}" for name, steps in
                                                            sorted(report["dead_zones"].items()))]
    lines += [f"  {name:<20} {size:>10} bytes" for name, size in report["sections"].items()]
    return "\n".join(lines)


def _parse(args) -> int:
    from .nlu import open_model

    with open_model(args.model) as model:
        for text in args.text:
            # The argument's own bytes (argv undecodable as UTF-8 arrives surrogate-escaped), so
            # invalid UTF-8 is refused with InputError, as the API does, instead of being parsed
            # and echoed back as bytes that are not UTF-8.
            result = model.parse(os.fsencode(text))
            if args.json:
                print(json.dumps(result.to_dict(), ensure_ascii=False))
            else:
                print(_format_parse(result))
    return 0


def _format_parse(result) -> str:
    lines = [f"text:       {result.text}", f"domain:     {result.domain}",
             f"intent:     {result.intent}", f"confidence: {result.confidence:.3f}"]
    lines += [f"slot:       {s.slot} = {s.value!r} [{s.start}:{s.end}]" for s in result.slots]
    if result.truncated:
        lines.append("note:       the input was longer than the limits and was cut")
    return "\n".join(lines)


def _eval(args) -> int:
    _host_tools()
    from pocketnlu_tools.commands import eval_command

    report = eval_command(args.model, args.data, data_format=args.format, split=args.split)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for key, value in report.items():
            print(f"{key}: {value:.4f}" if isinstance(value, float) else f"{key}: {value}")
    return 0


def _demo(args) -> int:
    from .demo import run_demo

    return run_demo(texts=args.text, wav=args.wav, mic=args.mic, model=args.model)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pocketnlu", description="Offline language understanding for small devices.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    inspect = commands.add_parser("inspect", help="show a model file's sections, sizes and index statistics")
    inspect.add_argument("model", help="path to a .pnlu file")
    inspect.add_argument("--verify", action="store_true", help="check every section's checksum")
    inspect.add_argument("--json", action="store_true", help="machine-readable output")
    inspect.set_defaults(run=_inspect)

    formats = ("snips", "bio", "atis", "massive", "clinc", "csv")
    train = commands.add_parser("train", help="train, compress and pack a model from a dataset")
    train.add_argument("data", help="dataset file or folder")
    train.add_argument("-o", "--output", required=True, help="model file to write (.pnlu)")
    train.add_argument("--format", choices=formats, help="dataset format (detected when omitted)")
    train.add_argument("--weight-bits", type=int, default=8, choices=range(4, 9), metavar="{4..8}",
                       help="bits per quantized weight (default 8)")
    train.add_argument("--fingerprint-bits", type=int, default=8, choices=range(0, 17), metavar="{0..16}",
                       help="fingerprint bits per feature; unknown features pass with probability 2^-b (default 8)")
    train.add_argument("--gamma", type=float, default=1.0, help="MPHF load factor, 1..16 (default 1)")
    train.add_argument("--dead-zone", type=int, metavar="STEPS",
                       help="drop weights within STEPS quantization steps of zero, in every table (default: "
                            "chosen per table on the dev split: the best dev score, ties to the widest)")
    train.add_argument("--oos-threshold", type=float, help="confidence under which an utterance is out of scope "
                       "(default: chosen on the dev split when it has out-of-scope examples)")
    train.add_argument("--no-slots", action="store_true", help="train the intent classifier only")
    train.add_argument("--hierarchical", action="store_true",
                       help="a domain classifier, then one intent classifier per domain (data with domains)")
    train.add_argument("--json", action="store_true", help="machine-readable output")
    train.set_defaults(run=_train)

    parse = commands.add_parser("parse", help="parse utterances with a model")
    parse.add_argument("model", help="path to a .pnlu file")
    parse.add_argument("text", nargs="+", help="utterance(s) to parse")
    parse.add_argument("--json", action="store_true", help="one JSON object per utterance")
    parse.set_defaults(run=_parse)

    evaluate = commands.add_parser("eval", help="intent accuracy, slot F1 and latency of a model on a dataset")
    evaluate.add_argument("model", help="path to a .pnlu file")
    evaluate.add_argument("data", help="dataset file or folder")
    evaluate.add_argument("--format", choices=formats, help="dataset format (detected when omitted)")
    evaluate.add_argument("--split", help="split to evaluate (default: test, else dev, else train)")
    evaluate.add_argument("--json", action="store_true", help="machine-readable output")
    evaluate.set_defaults(run=_eval)

    demo = commands.add_parser("demo", help="drive a simulated car with typed or spoken in-car commands")
    demo.add_argument("--text", action="append", help="a command to run (repeatable); with no input "
                      "option, commands are read from a prompt")
    demo.add_argument("--wav", help="16 kHz mono 16-bit WAV file to transcribe (needs pocketnlu[voice])")
    demo.add_argument("--mic", action="store_true", help="listen to the microphone (needs pocketnlu[voice])")
    demo.add_argument("--model", help="model file (default: the in-car model shipped with pocketnlu)")
    demo.set_defaults(run=_demo)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
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
