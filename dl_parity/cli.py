"""``dl-parity``: one command line for training, evaluating, benchmarking and studying.

Each sub-command lives in ``dl_parity/commands/<name>.py`` and exposes
``add_parser(subparsers)``, which registers its arguments and sets ``func``;
``func(args)`` returns the exit status. A user's mistake raises ``UsageError``
(printed as one line, exit 2), never a traceback.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from dl_parity.errors import UsageError  # noqa: F401  (re-exported: the commands' error)

COMMANDS = ("train", "evaluate", "sample", "bench", "show", "study", "check",
            "mutants")


def build_parser() -> argparse.ArgumentParser:
    from .catalog import courses_phrase

    parser = argparse.ArgumentParser(
        prog="dl-parity",
        description=f"Hand-derived NumPy beside idiomatic PyTorch for {courses_phrase()} of "
                    "the Deep Learning Specialization, with proof that they agree.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        module = importlib.import_module(f"dl_parity.commands.{name}")
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except UsageError as exc:
        print(f"dl-parity: error: {exc}", file=sys.stderr)
        return exc.status
    except KeyboardInterrupt:
        print("dl-parity: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (`dl-parity train ... | head`): stop quietly, as a Unix
        # filter does; stdout goes to devnull so the interpreter's final flush cannot fail
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    # `python -m dl_parity.cli`: run the importable module, whose UsageError is the one the
    # commands raise (this file as __main__ defines a second, unrelated class)
    from dl_parity import cli

    sys.exit(cli.main())
