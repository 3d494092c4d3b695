"""``jiesu analyze``: sensitivity indices and summary tables of a finished sweep."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from jiesu.experiments.designs.sweep import analyze


def add_parser(sub) -> None:
    """Register ``jiesu analyze``."""
    a = sub.add_parser("analyze", help="Sobol/Morris indices and summary tables of a finished sweep")
    a.add_argument("folder", type=Path, help="sweep folder")
    a.add_argument("--lang", choices=("en", "zh"), default="en", help="language of the figures")


def main(args, argv: list[str]) -> int:
    """Write DIR/analysis (indices.csv, summary.csv, figures) and print the indices."""
    folder = Path(args.folder)
    table, failed = analyze(folder, args.lang)
    with pd.option_context("display.width", 150, "display.precision", 3):
        print(table.drop(columns=[c for c in ("note",) if c in table]).to_string(index=False))
    print(f"failed runs: {failed}; wrote {folder / 'analysis'}/ (indices.csv, summary.csv, figures)")
    return 0
