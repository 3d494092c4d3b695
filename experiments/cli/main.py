"""The ``jiesu`` command: builds the parser from the command modules and runs one of them.

Bad input (unknown parameter or scenario, value out of range, malformed scenario file, unknown
city, a bad seed or output folder) prints one ``jiesu: error: ...`` line and exits with status
2, writing nothing.

The command modules import nothing heavy at module level: the parser is built, and
``--help`` answered, before numpy, pandas, matplotlib or mesa is imported; each command
imports what it needs inside its ``main``.
"""

from __future__ import annotations

import argparse
import os
import sys

from jiesu.experiments.cli import analyze, calibrate, compare, docs, eha, info, panel, report, run, sweep
from jiesu.experiments.cli.options import Parser, set_syntax_problem

#: Command modules in the order ``jiesu --help`` lists them; each has ``add_parser`` and ``main``.
COMMANDS = {
    "run": run,
    "params": info,
    "scenarios": info,
    "compare": compare,
    "sweep": sweep,
    "analyze": analyze,
    "calibrate": calibrate,
    "panel": panel,
    "eha": eha,
    "docs": docs,
    "report": report,
}


def user_errors() -> tuple[type[Exception], ...]:
    """The exceptions that mean "the user's input is wrong" (exit status 2, no traceback).

    Imported on demand: some live in modules that import numpy or networkx.
    """
    from jiesu.experiments.designs.calibration_spec import CalibrationSpecError
    from jiesu.experiments.designs.sweep_spec import SweepSpecError
    from jiesu.experiments.errors import UsageError
    from jiesu.experiments.outputs.storage import OutputError
    from jiesu.experiments.scenarios import ScenarioError
    from jiesu.model.calendar import MonthError
    from jiesu.model.events import EventError
    from jiesu.model.geography import UnknownCityError
    from jiesu.model.parameters import ParameterError

    return (
        ParameterError,
        ScenarioError,
        EventError,
        UnknownCityError,
        MonthError,
        OutputError,
        UsageError,
        SweepSpecError,
        CalibrationSpecError,
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = Parser(prog="jiesu", description="Simulate the 接诉即办 reform and its diffusion.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for module in dict.fromkeys(COMMANDS.values()):  # each module once, in order
        module.add_parser(sub)
    return parser


def small_pages() -> None:
    """Ask numpy not to request 2 MB pages for its large arrays (unless the user chose otherwise).

    On Linux, numpy advises the kernel to back every array of 4 MB or more with transparent huge
    pages. Where the kernel honours that advice only (``madvise``, the default of Debian and
    Ubuntu kernels), each such page is zeroed whole on first touch; a run allocates its large
    arrays once, and then its tables allocate hundreds of megabytes of short-lived ones. On the
    2-core virtual machine of ``benchmarks/README.md``, five alternating pairs of county runs
    (2,985 units, 156 months) built their tables in 0.64-0.85 s without the advice against
    1.22-1.52 s with it; construction and months differed by less than the machine's noise. It
    only takes effect before numpy is imported, which the command does later;
    ``NUMPY_MADVISE_HUGEPAGE=1`` restores numpy's default. Processes started by the command
    (sweep and figure workers) inherit the setting.
    """
    os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``jiesu`` command; returns the exit status."""
    argv = sys.argv[1:] if argv is None else argv
    small_pages()
    problem = set_syntax_problem(argv)
    if problem:
        print(f"jiesu: error: {problem}", file=sys.stderr)
        return 2
    args, extra = build_parser().parse_known_args(argv)
    if extra:
        print(
            f"jiesu: error: unrecognized arguments: {' '.join(extra)} (see `jiesu {args.command} --help`)",
            file=sys.stderr,
        )
        return 2
    try:
        return COMMANDS[args.command].main(args, argv)
    except KeyboardInterrupt:
        print("jiesu: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as err:
        if not isinstance(err, user_errors()):
            raise
        print(f"jiesu: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
