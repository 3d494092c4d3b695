"""``jiesu analyze``: sensitivity indices and summary tables of a finished sweep."""

from __future__ import annotations

from pathlib import Path

from jiesu.experiments.cli.options import draw_to_files


def add_parser(sub) -> None:
    """Register ``jiesu analyze``."""
    a = sub.add_parser("analyze", help="Sobol/Morris indices and summary tables of a finished sweep")
    a.add_argument("folder", type=Path, help="sweep folder")
    a.add_argument(
        "--lang",
        choices=("en", "zh"),
        default="en",
        help="language of the figures (zh: indices_OUTCOME-zh.png beside the English ones)",
    )


def main(args, argv: list[str]) -> int:
    """Write DIR/analysis (indices.csv, summary.csv, figures) and print the indices."""
    from jiesu.experiments.errors import UsageError

    folder = Path(args.folder)
    if not folder.exists():
        raise UsageError(f"sweep folder {folder} does not exist")
    if not folder.is_dir():
        raise UsageError(f"{folder} is a file, not a sweep folder")

    import pandas as pd
    from jiesu.experiments.designs.sweep import analyze

    draw_to_files()
    table, failed = analyze(folder, args.lang)
    with pd.option_context("display.width", 150, "display.precision", 3):
        print(table.drop(columns=[c for c in ("note",) if c in table]).to_string(index=False))
    print(f"failed runs: {failed}; wrote {folder / 'analysis'}/ (indices.csv, summary.csv, figures)")
    return 0
