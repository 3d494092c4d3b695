"""Options shared by several commands, and the parser class every command uses."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from jiesu.model.parameters import parse_assignment


class Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors print one ``jiesu: error`` line and exit 2."""

    def error(self, message: str):
        """Print the usage and one error line, then exit with status 2."""
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
    parser.add_argument(
        "--posterior",
        nargs="?",
        const="beijing",
        metavar="SOURCE",
        help="draw each replicate's calibrated parameters from a posterior: the shipped one "
        "(no value, or 'beijing') or a `jiesu calibrate` folder",
    )


def load_posterior(args):
    """The posterior named by ``--posterior``, or None."""
    if not getattr(args, "posterior", None):
        return None
    from jiesu.experiments.execution.posterior import Posterior

    return Posterior.load(args.posterior)


def add_execution_options(parser: argparse.ArgumentParser) -> None:
    """Options of the commands that run many simulations: local workers or a Dask scheduler."""
    parser.add_argument("--workers", type=int, default=2, help="local worker processes (default 2)")
    parser.add_argument("--scheduler", help="Dask scheduler address tcp://HOST:PORT instead of local workers")


def overrides_from(args) -> dict:
    """Parameter overrides from ``--set``, ``--start`` and ``--end``."""
    overrides = dict(parse_assignment(a) for a in getattr(args, "assignments", []) or [])
    for key in ("start", "end"):
        if getattr(args, key, None):
            overrides[key] = getattr(args, key)
    return overrides
