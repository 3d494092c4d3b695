"""``jiesu docs``: regenerate (or check) the generated parts of ``docs/model.md`` and ``docs/api.md``."""

from __future__ import annotations

import sys
from pathlib import Path

_DOCS = Path(__file__).resolve().parents[2] / "docs"


def add_parser(sub) -> None:
    """Register ``jiesu docs``."""
    p = sub.add_parser(
        "docs", help="regenerate docs/model.md's tables and docs/api.md (for developers; --check only checks)"
    )
    p.add_argument("--check", action="store_true", help="only check; exit 1 if something is stale")
    p.add_argument(
        "--path", type=Path, default=_DOCS / "model.md", help="model description (default: docs/model.md)"
    )
    p.add_argument("--api-path", type=Path, default=_DOCS / "api.md", help="API page (default: docs/api.md)")
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
    """Rewrite the tables and the API page, or check them.

    Returns:
        0 when everything is (now) up to date, 1 when ``--check`` finds something stale, 2
        when the file or a marker pair is missing.
    """
    if args.validation:
        from jiesu.experiments.designs.validation import write_validation

        print(f"wrote {write_validation(workers=args.workers)}")
        return 0
    from jiesu.experiments import api
    from jiesu.experiments.reports.api_docs import stale_api, write_api
    from jiesu.experiments.reports.docs import DocsError, stale_tables, write_tables

    try:
        stale = stale_tables(args.path) if args.check else write_tables(args.path)
    except (OSError, KeyError, DocsError) as err:
        print(f"jiesu: error: {err}", file=sys.stderr)
        return 2
    api_stale = stale_api(api, args.api_path) if args.check else write_api(api, args.api_path)
    if args.check:
        for title in stale:
            print(f"{args.path}: the {title} is out of date; run `uv run jiesu docs`")
        if api_stale:
            print(f"{args.api_path} is out of date with the docstrings; run `uv run jiesu docs`")
        return 1 if stale or api_stale else 0
    print(f"{args.path}: updated the {', '.join(stale)}" if stale else f"{args.path}: already up to date")
    print(f"{args.api_path}: " + ("updated" if api_stale else "already up to date"))
    return 0
