"""Event-history panels and analyses as folders: ``jiesu panel`` and ``jiesu eha``.

``RESULTS/panel/`` holds ``city_year`` and ``city_month`` panels (Parquet, CSV with BOM, Stata
118), ``columns.csv`` (what each column means) and ``manifest.json``. ``RESULTS/eha/`` holds
``coefficients.csv`` and ``coefficients.md`` (a table for papers), ``recovery.csv`` and
``recovery.md`` (estimates beside the simulator's true effects), figures and ``manifest.json``.
Both folders are written under a temporary name and renamed when complete.

Example:
    >>> save_panels("results/compare-horizontal-top_down")  # doctest: +SKIP
    >>> save_eha("results/compare-horizontal-top_down", period="year")  # doctest: +SKIP
"""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
from jiesu.experiments.analysis.eha import fit_eha
from jiesu.experiments.analysis.eha_tables import coefficient_table, paper_table
from jiesu.experiments.analysis.panel import PERIODS, build_panel
from jiesu.experiments.analysis.panel_columns import PANEL_COLUMNS
from jiesu.experiments.analysis.recovery import recovery_table
from jiesu.experiments.analysis.stored import load_stored
from jiesu.experiments.figures import eha as figures
from jiesu.experiments.figures.common import save
from jiesu.experiments.outputs.formats import EXCEL_MAX_ROWS, FORMATS, write_table
from jiesu.experiments.outputs.storage import base_manifest, staged_folder, write_atomic, write_json

LABELS = {c.name: c.label for c in PANEL_COLUMNS}


def save_panels(
    folder: str | Path,
    out: str | Path | None = None,
    periods=PERIODS,
    after_adoption: bool = False,
    formats=FORMATS,
    command=None,
) -> dict:
    """Write the panels of a results folder into ``out`` (default ``RESULTS/panel``).

    Returns:
        ``out``, ``files``, ``rows`` and ``events`` per period, ``seconds``, and the panels
        too long for one Excel sheet (``excel_too_long``).
    """
    start = time.perf_counter()
    folder = Path(folder)
    out = Path(out) if out is not None else folder / "panel"
    stored = load_stored(folder)
    facts: dict = {"rows": {}, "events": {}, "excel_too_long": []}
    with staged_folder(out) as tmp:
        files = []
        for period in periods:
            panel = build_panel(stored, period, after_adoption)
            files += write_table(panel, tmp, f"city_{period}", formats, LABELS)
            facts["rows"][period] = len(panel)
            facts["events"][period] = int(panel.loc[panel["at_risk"] == 1, "event"].sum())
            if "csv" in formats and len(panel) >= EXCEL_MAX_ROWS:
                facts["excel_too_long"].append(f"city_{period}.csv")
        columns = pd.DataFrame([vars(c) for c in PANEL_COLUMNS])
        write_atomic(tmp / "columns.csv", lambda p: columns.to_csv(p, index=False, encoding="utf-8-sig"))
        files.append("columns.csv")
        manifest = base_manifest(command)
        manifest.update(
            {
                "kind": "panel",
                "source": {"folder": str(folder), "kind": stored.kind, "runs": len(stored.runs)},
                "after_adoption": after_adoption,
                **facts,
                "files": files,
            }
        )
        write_json(manifest, tmp / "manifest.json")
    return {"out": out, "files": [*files, "manifest.json"], "seconds": time.perf_counter() - start, **facts}


def load_panel(folder: str | Path, period: str = "year") -> tuple[pd.DataFrame, str]:
    """The panel of a results folder: ``RESULTS/panel/city_PERIOD.parquet`` if written, else built.

    Returns:
        The panel and where it came from.
    """
    path = Path(folder) / "panel" / f"city_{period}.parquet"
    if path.is_file():
        return pd.read_parquet(path), str(path)
    return build_panel(folder, period), f"built from {folder}"


def fit_all(panel: pd.DataFrame, links=("logit", "cloglog"), **options) -> list:
    """Fit one model per scenario and link (replicates pooled)."""
    return [
        fit_eha(panel[panel["scenario"] == scen], link=link, label=str(scen), **options)
        for scen in dict.fromkeys(panel["scenario"])
        for link in links
    ]


def save_eha(
    folder: str | Path,
    out: str | Path | None = None,
    period: str = "year",
    links=("logit", "cloglog"),
    lang: str = "en",
    command=None,
    **options,
) -> dict:
    """Fit the models of a results folder and write tables, recovery tables and figures.

    ``options`` go to :func:`jiesu.experiments.analysis.eha.fit_eha` (``formula``,
    ``duration``, ``cluster``).

    Returns:
        ``out``, ``files``, ``fits``, ``recovery`` (one table, models stacked), ``seconds``.
    """
    start = time.perf_counter()
    folder = Path(folder)
    out = Path(out) if out is not None else folder / "eha"
    panel, source = load_panel(folder, period)
    fits = fit_all(panel, links, **options)
    recovery = pd.concat(
        [recovery_table(f).assign(model=f.label, link=f.link) for f in fits], ignore_index=True
    )
    with staged_folder(out) as tmp:
        files = _tables(fits, recovery, tmp) + _figures(panel, tmp, lang)
        manifest = base_manifest(command)
        manifest.update(
            {
                "kind": "eha",
                "source": {"folder": str(folder), "panel": source, "period": period},
                "models": [
                    {
                        "label": f.label,
                        "link": f.link,
                        "formula": f.formula,
                        "duration": f.duration,
                        "cluster": f.cluster,
                        "n": f.n,
                        "events": f.events,
                        "notes": f.notes,
                    }
                    for f in fits
                ],
                "files": files,
            }
        )
        write_json(manifest, tmp / "manifest.json")
    return {
        "out": out,
        "files": [*files, "manifest.json"],
        "fits": fits,
        "recovery": recovery,
        "seconds": time.perf_counter() - start,
    }


def _tables(fits: list, recovery: pd.DataFrame, folder: Path) -> list[str]:
    coefficients = coefficient_table(fits)
    write_atomic(folder / "coefficients.csv", lambda p: coefficients.to_csv(p, index=False))
    write_atomic(
        folder / "coefficients.md", lambda p: p.write_text(paper_table(fits) + "\n", encoding="utf-8")
    )
    write_atomic(folder / "recovery.csv", lambda p: recovery.to_csv(p, index=False))
    write_atomic(
        folder / "recovery.md", lambda p: p.write_text(recovery_markdown(recovery), encoding="utf-8")
    )
    return ["coefficients.csv", "coefficients.md", "recovery.csv", "recovery.md"]


def recovery_markdown(recovery: pd.DataFrame) -> str:
    """The recovery tables as Markdown, one per model."""
    blocks = []
    for (model, link), table in recovery.groupby(["model", "link"], sort=False):
        reliable = bool(table["fit_reliable"].iloc[0])
        warning = "" if reliable else " (unreliable fit: estimates diverge, see the notes in manifest.json)"
        lines = [
            f"### {model}, {link}{warning}",
            "",
            "| mechanism | covariates | true effect | estimate (z) | sign true / est. | rank true / est. "
            "| verdict |",
            "|---|---|---|---|---|---|---|",
        ]
        for r in table.itertuples():
            est = "—" if r.covariates == "" else f"{r.estimate:.4f} ({r.z:.1f})"
            rank = "" if pd.isna(r.true_rank) else f"{int(r.true_rank)} / {int(r.estimated_rank)}"
            lines.append(
                f"| {r.mechanism} | {r.covariates} | {r.true_effect:.4f} | {est} | "
                f"{r.true_sign} / {r.estimated_sign or '—'} | {rank} | {r.verdict} |"
            )
        blocks.append("\n".join(lines))
    intro = (
        "True effect: mean over the unit-periods fitted of the rise in the true adoption probability "
        "that the mechanism's own hazard causes. Estimate: the same under the fitted model "
        "(covariates of the mechanism set to off). See docs/panel.md.\n\n"
    )
    return intro + "\n\n".join(blocks) + "\n"


def _figures(panel: pd.DataFrame, folder: Path, lang: str) -> list[str]:
    paths = save(
        figures.survival_figure(panel, "province_mandate", lang), folder, "survival_province_mandate"
    )
    paths += save(figures.survival_figure(panel, "rank", lang), folder, "survival_rank")
    paths += save(figures.hazard_figure(panel, lang), folder, "hazards_by_source")
    paths += save(figures.timing_figure(panel, lang), folder, "timing_distance")
    return [p.name for p in paths]
