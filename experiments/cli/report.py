"""``jiesu report``: a results folder as a brief (HTML, PDF, Excel) for readers who never run the model."""

from __future__ import annotations

import time
from pathlib import Path

#: The formats (checked again by the library); the library is imported only when the command runs.
FORMATS = ("html", "pdf", "xlsx")


def add_parser(sub) -> None:
    """Register ``jiesu report``."""
    p = sub.add_parser(
        "report", help="write a report (HTML, PDF, Excel) of a folder from jiesu compare or jiesu run"
    )
    p.add_argument("folder", type=Path, help="results folder (from jiesu compare or jiesu run)")
    p.add_argument("--lang", choices=("en", "zh"), default="en", help="language of the report (default en)")
    p.add_argument(
        "--format",
        dest="formats",
        default=",".join(FORMATS),
        help=f"comma list of {', '.join(FORMATS)} (default: all three)",
    )


def main(args, argv: list[str]) -> int:
    """Write FOLDER/report/report-LANG.{html,pdf,xlsx} and list them."""
    from jiesu.experiments.reports.report import write_report  # matplotlib, typst: slow to import

    start = time.perf_counter()
    written = write_report(args.folder, args.lang, args.formats.split(","))
    print(f"wrote {len(written)} file(s) in {time.perf_counter() - start:.0f} s:")
    for path in written.values():
        size = path.stat().st_size
        print(f"  {path} ({size / 1e6:.1f} MB)" if size >= 100_000 else f"  {path} ({size / 1e3:.0f} kB)")
    return 0
