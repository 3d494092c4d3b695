"""``jiesu panel``: city-year and city-month event-history panels of a results folder."""

from __future__ import annotations

from pathlib import Path

from jiesu.experiments.analysis.choices import PERIODS
from jiesu.experiments.errors import UsageError
from jiesu.experiments.outputs.format_names import FORMATS


def add_parser(sub) -> None:
    """Register ``jiesu panel``."""
    p = sub.add_parser(
        "panel",
        help="city-year and city-month event-history panels (Parquet, CSV, Stata) of a results folder",
    )
    p.add_argument("folder", type=Path, help="a run, compare or sweep folder")
    p.add_argument(
        "--period", choices=(*PERIODS, "both"), default="both", help="city-year, city-month or both (default)"
    )
    p.add_argument(
        "--after-adoption", action="store_true", help="also keep the rows of cities that run the reform"
    )
    p.add_argument(
        "--format",
        default=",".join(FORMATS),
        help=f"comma list of {', '.join(FORMATS)} (default: all)",
    )
    p.add_argument("--out", type=Path, help="output folder (default: FOLDER/panel)")


def main(args, argv: list[str]) -> int:
    """Write the panels and print their sizes."""
    from jiesu.experiments.designs.event_history import save_panels

    formats = [f.strip() for f in args.format.split(",") if f.strip()]
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise UsageError(f"--format: unknown {unknown or 'empty list'}; choose from {', '.join(FORMATS)}")
    periods = PERIODS if args.period == "both" else (args.period,)
    res = save_panels(args.folder, args.out, periods, args.after_adoption, formats, ["jiesu", *argv])
    print(f"wrote {res['out']}/ ({res['seconds']:.0f} s)")
    for period in periods:
        print(f"  city_{period}: {res['rows'][period]:,} rows, {res['events'][period]:,} adoptions at risk")
    for name in res["excel_too_long"]:
        print(
            f"  note: {name} has more rows than one Excel sheet shows (1,048,576); use the .parquet or .dta"
        )
    return 0
