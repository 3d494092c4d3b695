"""The ``jiesu`` command: builds the parser from the command modules and runs one of them.

Bad input (unknown parameter or scenario, value out of range, malformed scenario file, unknown
city) prints one ``jiesu: error: ...`` line and exits with status 2, writing nothing.
"""

from __future__ import annotations

import argparse
import sys

from jiesu.experiments.cli import analyze, compare, docs, eha, info, panel, run, sweep
from jiesu.experiments.cli.options import Parser
from jiesu.experiments.designs.sweep_spec import SweepSpecError
from jiesu.experiments.errors import UsageError
from jiesu.experiments.outputs.storage import OutputError
from jiesu.experiments.scenarios import ScenarioError
from jiesu.model.calendar import MonthError
from jiesu.model.events import EventError
from jiesu.model.geography import UnknownCityError
from jiesu.model.parameters import ParameterError

#: Command modules in the order ``jiesu --help`` lists them; each has ``add_parser`` and ``main``.
COMMANDS = {
    "run": run,
    "params": info,
    "scenarios": info,
    "compare": compare,
    "sweep": sweep,
    "analyze": analyze,
    "panel": panel,
    "eha": eha,
    "docs": docs,
}

#: The exceptions that mean "the user's input is wrong" (exit status 2, no traceback).
USER_ERRORS: tuple[type[Exception], ...] = (
    ParameterError,
    ScenarioError,
    EventError,
    UnknownCityError,
    MonthError,
    OutputError,
    UsageError,
    SweepSpecError,
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = Parser(prog="jiesu", description="Simulate the 接诉即办 reform and its diffusion.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for module in dict.fromkeys(COMMANDS.values()):  # each module once, in order
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``jiesu`` command; returns the exit status."""
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command].main(args, argv)
    except USER_ERRORS as err:
        print(f"jiesu: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("jiesu: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
