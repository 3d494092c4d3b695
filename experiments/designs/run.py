"""A single run as a results folder: tables, figures and a manifest.

Example:
    >>> from jiesu.experiments.execution.runner import build_model, run_model
    >>> from jiesu.experiments.scenarios import load_scenario
    >>> scenario = load_scenario("beijing")
    >>> model = build_model(scenario, {"end": "2018-03"})
    >>> output = run_model(model)
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "run"
    >>> sorted(save_run(output, scenario, model.geography, folder))[:2]
    ['adoptions.parquet', 'manifest.json']
"""

from __future__ import annotations

from pathlib import Path

from jiesu.experiments.figures import run as figures
from jiesu.experiments.figures.common import save
from jiesu.experiments.figures.labels import t
from jiesu.experiments.outputs.storage import base_manifest, staged_folder, write_json, write_parquet
from jiesu.model.outcomes import AGGREGATE_OUTCOMES, OUTCOMES


def save_run(output, scenario, geography, out: Path, lang: str = "en", command=None) -> list[str]:
    """Write one run's tables, figures and manifest into the new folder ``out``.

    Args:
        output: The run's :class:`~jiesu.experiments.execution.runner.RunOutput`.
        scenario: The scenario it ran.
        geography: The model's geography (for the map).
        out: Folder to create; it must not exist or be empty.
        lang: Language of the figures.
        command: Command line recorded in the manifest.

    Returns:
        The names of the files written.
    """
    with staged_folder(out) as tmp:
        write_parquet(output.timeseries, tmp / "timeseries.parquet")
        write_parquet(output.adoptions, tmp / "adoptions.parquet")
        tables = ["timeseries.parquet", "adoptions.parquet"]
        if output.hazards is not None:
            write_parquet(output.hazards, tmp / "hazards.parquet")
            tables.append("hazards.parquet")
        written = _figures(output, geography, tmp, lang)
        files = [*tables, *written, "manifest.json"]
        manifest = base_manifest(command)
        manifest.update(
            {
                "kind": "run",
                "scenario": scenario.to_dict(),
                "run": output.info,
                "outcomes": {
                    o.name: {"unit": o.unit, "meaning": o.meaning} for o in (*OUTCOMES, *AGGREGATE_OUTCOMES)
                },
                "files": files[:-1],
            }
        )
        write_json(manifest, tmp / "manifest.json")
    return files


def _figures(output, geography, folder: Path, lang: str) -> list[str]:
    ts, ev = output.timeseries, output.adoptions
    pioneer_adopt = ev[(ev["event"] == "adopt") & (ev["channel"] == "pioneer")]
    marks = {m: t("reform", lang) for m in pioneer_adopt["month"].unique()[:1]}
    unit = None if geography.n > 1 else geography.unit_id[0]
    paths = save(figures.rates_figure(ts, unit, lang, marks), folder, "rates")
    if geography.n > 1:
        paths += save(figures.adoption_figure(ts, ev, lang), folder, "adoption")
        paths += save(figures.map_figure(ts, ev, geography, lang), folder, "adoption_map")
    return [p.name for p in paths]
