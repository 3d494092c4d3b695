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

from jiesu.experiments.errors import UsageError
from jiesu.experiments.outputs.storage import base_manifest, staged_folder, write_json, write_parquet

#: Figures of a run: kind -> file name. ``adoption`` and ``map`` need more than one city.
RUN_FIGURES = {"rates": "rates", "adoption": "adoption", "map": "adoption_map"}
#: Relative time to draw each figure in three formats (measured on the county run), by which
#: figure workers share them out.
FIGURE_COST = {"rates": 1.0, "adoption": 0.6, "map": 1.8}


def default_run_id(scenario: str, seed: int, replicate: int = 0) -> str:
    """The ``run_id`` of a single run: ``SCENARIO-sSEED``, plus ``-rREPLICATE`` after replicate 0.

    ``jiesu run`` and :class:`jiesu.Simulation` name their runs alike, so their tables are
    identical for the same seed.

    Example:
        >>> default_run_id("beijing", 3), default_run_id("beijing", 3, 1)
        ('beijing-s3', 'beijing-s3-r1')
    """
    return f"{scenario}-s{seed}" + (f"-r{replicate}" if replicate else "")


def default_figures(n_cities: int) -> list[str]:
    """The figures a run draws unless told otherwise: ``rates`` for one city, else every kind."""
    return ["rates"] if n_cities == 1 else list(RUN_FIGURES)


def figure_name(stem: str, lang: str) -> str:
    """File name (without suffix) of a figure in ``lang``: English ``stem``, others ``stem-LANG``.

    Figures of different languages therefore never overwrite each other in one folder.

    Example:
        >>> figure_name("rates", "en"), figure_name("rates", "zh")
        ('rates', 'rates-zh')
    """
    return stem if lang == "en" else f"{stem}-{lang}"


def run_figure(output, geography, kind: str = "rates", lang: str = "en", note: str | None = None):
    """Draw one figure of a run and return it (a matplotlib ``Figure``).

    Args:
        output: The run's :class:`~jiesu.experiments.execution.runner.RunOutput`.
        geography: The model's geography (for the map).
        kind: ``"rates"`` (three rates and requests of the national row, or of the only city),
            ``"adoption"`` (cumulative adoption by channel) or ``"map"`` (adoption month by
            city); the last two need more than one city.
        lang: ``"en"`` or ``"zh"``.
        note: Caption (e.g. scenario, seed and version; :func:`provenance_caption`).

    Raises:
        UsageError: For an unknown kind, or a multi-city figure of a one-city run.
    """
    from jiesu.experiments.figures import maps
    from jiesu.experiments.figures import run as figures
    from jiesu.model.geography import NATIONAL_ID

    if kind not in RUN_FIGURES:
        raise UsageError(f"unknown figure {kind!r}; choose one of: {', '.join(RUN_FIGURES)}")
    ts, ev = output.timeseries, output.adoptions
    if kind == "rates":
        unit = NATIONAL_ID if geography.n > 1 else geography.unit_id[0]
        return figures.rates_figure(ts, unit, lang, figures.run_marks(ev, unit, lang), note)
    if geography.n == 1:
        raise UsageError(f"the {kind!r} figure needs more than one city; this run has one")
    if kind == "adoption":
        return figures.adoption_figure(ts, ev, lang, note)
    return maps.map_figure(ts, ev, geography, lang, note)


def check_figures(figures, n_cities: int) -> None:
    """Refuse figures a run cannot have (``adoption`` and ``map`` need more than one city).

    Raises:
        UsageError: Naming the figures and what to ask for instead.
    """
    multi = [k for k in figures or () if k != "rates"]
    if n_cities == 1 and multi:
        raise UsageError(
            f"the {' and '.join(map(repr, multi))} figure{'s' if len(multi) > 1 else ''} "
            "need more than one city; this run has one (ask for --figures rates or none)"
        )


def save_run(
    output,
    scenario,
    geography,
    out: Path,
    lang: str = "en",
    command=None,
    parents: bool = False,
    figures: tuple[str, ...] | None = None,
    formats: tuple[str, ...] | None = None,
    pool=None,
) -> list[str]:
    """Write one run's tables, figures and manifest into the new folder ``out``.

    Args:
        output: The run's :class:`~jiesu.experiments.execution.runner.RunOutput`.
        scenario: The scenario it ran.
        geography: The model's geography (for the map).
        out: Folder to create; it must not exist or be empty.
        lang: Language of the figures (Chinese figures are named ``NAME-zh.png``).
        command: Command line recorded in the manifest.
        parents: Create missing parent folders of ``out``.
        figures: Kinds of :data:`RUN_FIGURES` to draw; None draws every figure the run can have
            (``rates`` alone for one city), ``()`` none.
        formats: File formats of the figures (default png, pdf and svg).
        pool: A :class:`~jiesu.experiments.figures.pool.FigurePool` whose workers draw
            the figures while this process writes the tables (same files); None draws here.

    Returns:
        The names of the files written.

    Raises:
        OutputError: If ``out`` exists and is not empty, or its parent is missing and
            ``parents`` is False.
        UsageError: If ``figures`` asks for a multi-city figure of a one-city run.
    """
    from jiesu.model.outcomes import AGGREGATE_OUTCOMES, OUTCOMES

    check_figures(figures, geography.n)
    kinds = default_figures(geography.n) if figures is None else list(figures)
    manifest = base_manifest(command)
    manifest.update(
        {
            "kind": "run",
            "scenario": scenario.to_dict(),
            "seed": output.info.get("seed", {}).get("entropy"),
            "run": output.info,
            "figures": kinds,
            "outcomes": {
                o.name: {"unit": o.unit, "meaning": o.meaning} for o in (*OUTCOMES, *AGGREGATE_OUTCOMES)
            },
        }
    )
    with staged_folder(out, parents) as tmp:
        drawn = _start_figures(output, geography, tmp, lang, manifest, formats, pool)
        write_parquet(output.timeseries, tmp / "timeseries.parquet")
        write_parquet(output.adoptions, tmp / "adoptions.parquet")
        tables = ["timeseries.parquet", "adoptions.parquet"]
        if output.hazards is not None:
            write_parquet(output.hazards, tmp / "hazards.parquet")
            tables.append("hazards.parquet")
        written = drawn()
        files = [*tables, *written, "manifest.json"]
        manifest["files"] = files[:-1]
        write_json(manifest, tmp / "manifest.json")
    return files


def _start_figures(output, geography, folder: Path, lang: str, manifest: dict, formats, pool):
    """Start drawing the figures the manifest lists; returns a call that waits for their file names.

    Without a pool (or without figures) the call draws them here, when called: with no figures
    matplotlib is not even imported. With one, each figure is a task for a worker, given only the
    rows it draws (:func:`figure_inputs`); if the workers are lost, the figures are drawn here.
    """
    kinds = manifest["figures"]
    if not kinds:
        return lambda: []
    from jiesu.experiments.figures.labels import provenance_caption

    note = provenance_caption(manifest, lang)
    args = [(kind, lang, note, folder, formats) for kind in kinds]
    if pool is None or not pool.active:
        return lambda: [name for a in args for name in draw_figure_files(output, geography, *a)]
    from jiesu.experiments.figures.pool import WorkerLostError

    slim, places = figure_inputs(output, geography)
    batch = pool.start(draw_figure_files, [(slim, places, *a) for a in args], [FIGURE_COST[k] for k in kinds])

    def wait() -> list[str]:
        names = []
        for a, result in zip(args, batch.results(), strict=True):
            lost = isinstance(result, WorkerLostError)  # a worker died (killed, out of memory): draw it here
            names += draw_figure_files(output, geography, *a) if lost else result
        return names

    return wait


def draw_figure_files(output, geography, kind: str, lang: str, note: str, folder: Path, formats) -> list[str]:
    """Draw one figure of a run into ``folder`` in each format; returns the file names."""
    from jiesu.experiments.figures.common import FORMATS, save

    figure = run_figure(output, geography, kind, lang, note)
    return [p.name for p in save(figure, folder, figure_name(RUN_FIGURES[kind], lang), formats or FORMATS)]


def figure_inputs(output, geography):
    """What a worker needs to draw a run's figures, and no more (it is sent between processes).

    The timeseries keeps the province and national rows and the city rows of the first month
    (the number of cities); the geography loses its neighbour network. One city keeps all.
    """
    from dataclasses import replace

    ts = output.timeseries
    if geography.n > 1 and (ts["level"] == "national").any():
        first = ts["month"].min()
        ts = ts[(ts["level"] != "city") | (ts["month"] == first)]
    return replace(output, timeseries=ts, hazards=None, info={}), replace(geography, geo_graph=None)
