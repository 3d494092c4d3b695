"""Options shared by several commands, and the parser class every command uses.

Nothing here imports numpy, pandas, matplotlib or mesa: the parser of every command is built
before any of them is needed, so ``jiesu --help`` and ``jiesu params`` start fast.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from jiesu.experiments.errors import UsageError, check_seed
from jiesu.experiments.limits import check_limit, check_scheduler
from jiesu.model.parameters import ParameterError, parse_assignment


class Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors print one ``jiesu: error`` line and exit 2."""

    def error(self, message: str):
        """Print one error line that points to the command's ``--help``, then exit with status 2."""
        print(f"jiesu: error: {message} (see `{self.prog} --help`)", file=sys.stderr)
        raise SystemExit(2)


def seed(text: str) -> int:
    """Argument type of ``--seed``: a whole number from 0 to 2**63 - 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"the seed must be a whole number from 0 to 2**63 - 1, got {text!r}"
        ) from None
    try:
        return check_seed(value, "the seed")
    except UsageError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def count(key: str, option: str):
    """Argument type of a count bounded by the declared limit ``key`` (:data:`LIMITS`)."""

    def parse(text: str) -> int:
        try:
            value = int(text.strip()) if text.strip().isascii() else None
        except ValueError:
            value = None
        if value is None:
            raise argparse.ArgumentTypeError(f"{option} takes a whole number, got {text!r}")
        try:
            return check_limit(key, value, option)
        except UsageError as err:
            raise argparse.ArgumentTypeError(str(err)) from None

    parse.__name__ = option  # argparse names the type in some messages
    return parse


def scheduler(text: str) -> str:
    """Argument type of ``--scheduler``: ``tcp://HOST:PORT``."""
    try:
        return check_scheduler(text)
    except UsageError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


#: Figures ``jiesu run`` can draw (``experiments.designs.run.RUN_FIGURES``) and the file formats.
FIGURE_KINDS = ("rates", "adoption", "map")
FIGURE_FORMATS = ("png", "pdf", "svg")


def _choices(text: str, allowed: tuple[str, ...], what: str) -> tuple[str, ...]:
    items = [t.strip() for t in text.split(",") if t.strip()]
    unknown = [t for t in items if t not in allowed]
    if unknown or not items:
        raise argparse.ArgumentTypeError(
            f"unknown {what} {', '.join(map(repr, unknown)) or repr(text)}: give a comma-separated "
            f"list of {', '.join(allowed)}"
        )
    return tuple(dict.fromkeys(items))


def figure_kinds(text: str) -> tuple[str, ...] | None:
    """Argument type of ``--figures``: ``all`` (None: every figure the run can have), ``none``, or a list."""
    if text.strip() == "all":
        return None
    if text.strip() == "none":
        return ()
    return _choices(text, FIGURE_KINDS, "figure")


def figure_formats(text: str) -> tuple[str, ...]:
    """Argument type of ``--figure-formats``: a comma-separated list of png, pdf, svg."""
    return _choices(text, FIGURE_FORMATS, "figure format")


def add_figure_options(parser: argparse.ArgumentParser) -> None:
    """``--figures`` and ``--figure-formats``: which figures to draw, in which formats."""
    parser.add_argument(
        "--figures",
        type=figure_kinds,
        default=None,
        metavar="LIST",
        help=f"figures to draw: all (default; rates only for one city), none, or a comma-separated list "
        f"of {', '.join(FIGURE_KINDS)}. They are drawn by worker processes on the cores the run leaves "
        "idle (JIESU_FIGURE_WORKERS=N sets how many; 0 draws them in this process)",
    )
    parser.add_argument(
        "--figure-formats",
        type=figure_formats,
        default=FIGURE_FORMATS,
        metavar="LIST",
        help=f"file formats of the figures, comma-separated (default: {','.join(FIGURE_FORMATS)})",
    )


def add_output_options(parser: argparse.ArgumentParser, what: str = "output folder") -> None:
    """``--out`` and ``--parents``: where results go, and whether missing parents may be created."""
    parser.add_argument("--out", type=Path, help=f"{what} (default: a new folder under results/)")
    parser.add_argument(
        "--parents", action="store_true", help="create the parent folders of --out if they are missing"
    )


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by the commands that simulate: seed, overrides, period, output, language."""
    parser.add_argument("--seed", type=seed, default=0, help="root seed, 0 to 2**63 - 1 (default 0)")
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
    add_output_options(parser)
    parser.add_argument(
        "--lang", choices=("en", "zh"), default="en", help="language of the figures (zh: NAME-zh.png)"
    )
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
    parser.add_argument(
        "--workers",
        type=count("workers", "--workers"),
        default=2,
        help="local worker processes (default 2; at most 4 x the CPUs)",
    )
    parser.add_argument(
        "--scheduler", type=scheduler, help="Dask scheduler address tcp://HOST:PORT instead of local workers"
    )


def overrides_from(args) -> dict:
    """Parameter overrides from ``--set``, ``--start`` and ``--end``.

    Raises:
        ParameterError: A parameter set twice (by two ``--set``, or by ``--set start=`` or
            ``end=`` and ``--start`` or ``--end``): which value would win is not said, so
            neither does.
    """
    overrides: dict = {}
    for text in getattr(args, "assignments", []) or []:
        name, value = parse_assignment(text)
        if name in overrides:
            raise ParameterError(
                f"--set {name} is given twice ({overrides[name]!r} and {value!r}): give it once"
            )
        overrides[name] = value
    for key in ("start", "end"):
        value = getattr(args, key, None)
        if value is None:
            continue
        if key in overrides:
            raise ParameterError(
                f"the {key} month is given twice (--set {key}={overrides[key]} and --{key} {value}): "
                "give it once"
            )
        overrides[key] = value
    return overrides


def set_syntax_problem(argv: list[str]) -> str | None:
    """Return the fix for a ``--set`` written as two words (``--set NAME VALUE``), or None.

    argparse would take the value for a scenario name or report it as an unrecognised
    argument; this names the mistake instead.

    Example:
        >>> set_syntax_problem(["run", "--set", "mandate_compliance", "0.9"])
        '--set takes NAME=VALUE as one word: write --set mandate_compliance=0.9'
    """
    for k, token in enumerate(argv):
        if token == "--":
            return None
        if token != "--set" or k + 1 >= len(argv) or "=" in argv[k + 1]:
            continue
        name = argv[k + 1]
        following = argv[k + 2] if k + 2 < len(argv) else ""
        value = following if following and not following.startswith("--") else "VALUE"
        return f"--set takes NAME=VALUE as one word: write --set {name}={value}"
    return None


def output_folder(args, kind: str, label: str):
    """Claim the output folder of a command: ``--out``, or a new folder under ``results/``.

    Use it as a context manager around the work: the folder is created empty, locked against
    other jiesu processes and tried for writing before the work starts, and removed again if
    the work fails (:func:`jiesu.experiments.outputs.storage.claimed`).

    Raises:
        OutputError: If ``--out`` is not empty, has no parent (without ``--parents``), is in
            use or cannot be written.
    """
    from jiesu.experiments.outputs.storage import claimed, default_out

    if args.out is None:
        return claimed(default_out(kind, label), parents=True, reserved=True)
    return claimed(args.out, parents=args.parents)


def draw_to_files() -> None:
    """Select matplotlib's Agg backend: the command line only writes figures to files.

    Library code never selects a backend (a notebook keeps its own); the command line does,
    so that a machine with a display but without a GUI toolkit never tries to open a window.
    """
    import matplotlib

    matplotlib.use("Agg")


def say(message: str) -> None:
    """Print a progress message for a person on standard error (results go to standard output)."""
    print(message, file=sys.stderr, flush=True)
