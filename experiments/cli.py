"""The ``jiesu`` command line.

Bad input (unknown parameter or scenario, value out of range, malformed scenario file, unknown
city) prints one ``jiesu: error: ...`` line and exits with status 2, writing nothing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from experiments import commands
from experiments.errors import USER_ERRORS


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's own usage errors: also exit 2, one line
        self.print_usage(sys.stderr)
        print(f"jiesu: error: {message}", file=sys.stderr)
        raise SystemExit(2)


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by the commands that simulate: seed, overrides, period, output, language."""
    parser.add_argument("--seed", type=int, default=0, help="root seed (default 0)")
    parser.add_argument(
        "--set",
        dest="assignments",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a parameter (repeatable; in every scenario); see `jiesu params`",
    )
    parser.add_argument("--start", help="first month, YYYY-MM")
    parser.add_argument("--end", help="last month, YYYY-MM")
    parser.add_argument("--out", type=Path, help="output folder (default: a new folder under results/)")
    parser.add_argument("--lang", choices=("en", "zh"), default="en", help="language of the figures")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = _Parser(prog="jiesu", description="Simulate the 接诉即办 reform and its diffusion.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="run one simulation and write its results folder")
    run.add_argument(
        "scenario", nargs="?", default="beijing", help="built-in name or .toml path (default: beijing)"
    )
    add_run_options(run)

    params = sub.add_parser("params", help="list every parameter with default, unit, range, meaning, source")
    params.add_argument("--json", action="store_true", help="machine-readable output")

    scen = sub.add_parser("scenarios", help="list the built-in scenarios")
    scen.add_argument("--lang", choices=("en", "zh"), default="en")
    commands.add_experiment_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``jiesu`` command; returns the exit status."""
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser().parse_args(argv)
    try:
        return commands.dispatch(args, argv)
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
