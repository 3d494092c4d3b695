"""``write_report``: a results folder as a brief for readers who will never run a simulation.

Example:
    From a notebook, after ``jiesu compare ... --out results/cmp``::

        from jiesu.experiments.reports.report import write_report
        write_report("results/cmp", lang="zh", formats=("html", "pdf", "xlsx"))

    writes ``results/cmp/report/report-zh.html``, ``report-zh.pdf`` and ``report-zh.xlsx``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from jiesu.experiments.analysis.stats import warn_few_replicates
from jiesu.experiments.outputs.storage import write_atomic
from jiesu.experiments.reports import html, pdf, xlsx
from jiesu.experiments.reports.document import build
from jiesu.experiments.reports.results import ReportError, load_results

FORMATS = ("html", "pdf", "xlsx")
LANGS = ("en", "zh")


def check_options(lang: str, formats: Iterable[str]) -> tuple[str, ...]:
    """Validate the language and formats; return the formats in canonical order.

    Raises:
        ReportError: Naming the bad value and the allowed ones.
    """
    if lang not in LANGS:
        raise ReportError(f"--lang must be one of {', '.join(LANGS)}, got {lang!r}")
    wanted = [f.strip().lower() for f in formats if f.strip()]
    unknown = sorted(set(wanted) - set(FORMATS))
    if unknown or not wanted:
        raise ReportError(
            f"--format takes a comma list of {', '.join(FORMATS)}; got {','.join(formats) or 'nothing'}"
        )
    return tuple(f for f in FORMATS if f in wanted)


def write_report(folder: Path | str, lang: str = "en", formats: Iterable[str] = FORMATS) -> dict[str, Path]:
    """Write the report of the results in ``folder`` into ``folder/report/``.

    Files are named ``report-LANG.FORMAT``; each is written to a temporary file and renamed, so a
    failure never leaves a half-written report, and the other language's files are left alone.

    Args:
        folder: A folder written by ``jiesu compare`` or ``jiesu run``.
        lang: ``en`` or ``zh``.
        formats: Any of ``html``, ``pdf``, ``xlsx``.

    Returns:
        ``{format: path}`` of the files written.

    Raises:
        ReportError: If the folder is not a results folder, or an option is invalid.
    """
    formats = check_options(lang, formats)
    res = load_results(Path(folder))
    if res.kind == "compare":
        warn_few_replicates(res.replicates, res.manifest.get("command"))
    out = Path(folder) / "report"
    doc = build(res, lang)
    written = {}
    try:
        renderers = {
            "html": lambda: html.render(doc).encode("utf-8"),
            "pdf": lambda: pdf.render(doc),
            "xlsx": lambda: xlsx.render(res, doc),
        }
        for fmt in formats:
            data = renderers[fmt]()
            path = out / f"report-{lang}.{fmt}"
            write_atomic(path, lambda tmp, data=data: tmp.write_bytes(data))
            written[fmt] = path
    finally:
        doc.close()
    return written
