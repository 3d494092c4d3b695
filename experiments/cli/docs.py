"""``jiesu docs``: regenerate (or check) the generated tables of ``docs/model.md``."""

from __future__ import annotations

import sys
from pathlib import Path

from jiesu.experiments.reports.docs import DEFAULT_PATH, DocsError, stale_tables, write_tables


def add_parser(sub) -> None:
    """Register ``jiesu docs``."""
    p = sub.add_parser("docs", help="regenerate the generated tables of docs/model.md (for developers)")
    p.add_argument("--check", action="store_true", help="only check; exit 1 if a table is stale")
    p.add_argument("--path", type=Path, default=DEFAULT_PATH, help="Markdown file (default: docs/model.md)")
    p.add_argument(
        "--calibration",
        type=Path,
        metavar="RUN_DIR",
        help="also rewrite the calibration table from this `jiesu run beijing` folder",
    )
    p.add_argument(
        "--validation",
        action="store_true",
        help="regenerate docs/validation.md: runs the shipped posterior's predictive, the diffusion fit and "
        "the checks (a few minutes; needs the calibration extra)",
    )
    p.add_argument(
        "--workers", type=int, default=2, help="local worker processes for --validation (default 2)"
    )


def main(args, argv: list[str]) -> int:
    """Rewrite the tables, or check them.

    Returns:
        0 when the file is (now) up to date, 1 when ``--check`` finds stale tables, 2 when the
        file, the run folder or a marker pair is missing.
    """
    if args.validation:
        from jiesu.experiments.reports.validation import write_validation

        print(f"wrote {write_validation(workers=args.workers)}")
        return 0
    if args.check and args.calibration:
        print(
            "jiesu: error: --calibration rewrites the file; it cannot be combined with --check",
            file=sys.stderr,
        )
        return 2
    try:
        stale = stale_tables(args.path) if args.check else write_tables(args.path, args.calibration)
    except (OSError, KeyError, DocsError) as err:
        print(f"jiesu: error: {err}", file=sys.stderr)
        return 2
    if args.check:
        for title in stale:
            print(f"{args.path}: the {title} is out of date; run `uv run jiesu docs`")
        return 1 if stale else 0
    print(f"{args.path}: updated the {', '.join(stale)}" if stale else f"{args.path}: already up to date")
    return 0
