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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pocketnlu", description="Offline language understanding for small devices.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    inspect = commands.add_parser("inspect", help="show a model file's sections, sizes and index statistics")
    inspect.add_argument("model", help="path to a .pnlu file")
    inspect.add_argument("--verify", action="store_true", help="check every section's checksum")
    inspect.add_argument("--json", action="store_true", help="machine-readable output")
    inspect.set_defaults(run=_inspect)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (PocketNLUError, OSError) as error:
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        print(f"pocketnlu {args.command}: error: {message}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head` and the like: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
