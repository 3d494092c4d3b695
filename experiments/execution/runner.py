"""Running one simulation: from a scenario and overrides to tidy tables with provenance."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import pandas as pd
from jiesu.agents.diffusion import SOURCES
from jiesu.experiments.errors import UsageError, check_seed
from jiesu.experiments.outputs.tables import LEVELS, adoption_table, hazard_table, tidy_timeseries
from jiesu.experiments.scenarios import Scenario
from jiesu.model import JiesuModel
from jiesu.model.calendar import format_month


@dataclass
class RunOutput:
    """Tables and provenance of one run.

    Attributes:
        timeseries: Tidy rows: one per unit x month (city rows, plus province and national rows
            when more than one city is simulated), with run identifiers in front.
        adoptions: One row per event (adopt, add_element, mandate, ...), with the unit's names.
        info: Provenance: run id, scenario, seed entropy and spawn keys, parameters, sizes,
            wall time.
        hazards: The ground truth of the adoption process: the simulator's monthly hazard by
            source for every city-month at risk (:func:`~jiesu.experiments.outputs.tables.hazard_table`).
    """

    timeseries: pd.DataFrame
    adoptions: pd.DataFrame
    info: dict = field(default_factory=dict)
    hazards: pd.DataFrame | None = None

    def to_frame(self, level: str | None = None, metric: str | None = None) -> pd.DataFrame:
        """Timeseries rows of one level, tidy or (with ``metric``) one column per unit.

        Args:
            level: ``"city"``, ``"province"`` or ``"national"``; by default the national rows
                (the only city's rows when one city is simulated).
            metric: An outcome column such as ``"satisfaction_rate"``. If given, the result
                has one row per month and one column per unit code (``unit_id``), or the
                single column ``metric`` at the national level.

        Raises:
            UsageError: For an unknown level or metric.

        Example:
            >>> import jiesu
            >>> out = jiesu.Simulation("beijing", end="2018-12").run().results
            >>> out.to_frame(metric="satisfaction_rate").columns.tolist()
            ['110000']
        """
        return select_rows(self.timeseries, level, metric)


def select_rows(
    ts: pd.DataFrame, level: str | None = None, metric: str | None = None, by: tuple[str, ...] = ()
) -> pd.DataFrame:
    """Rows of ``ts`` at one level; with ``metric``, a wide table of that column by month.

    Args:
        ts: A tidy timeseries (one run or many).
        level: ``"city"``, ``"province"``, ``"national"``, or None for the national rows (the
            city rows when there are no national rows).
        metric: Numeric column to spread, or None for the tidy rows.
        by: Run columns that tell runs apart (``("scenario", "replicate")``); with ``metric``
            they become column levels, followed by ``unit_id`` below the national level.

    Raises:
        UsageError: For an unknown level or metric.
    """
    if level is None:
        level = "national" if (ts["level"] == "national").any() else "city"
    if level not in LEVELS:
        raise UsageError(f"unknown level {level!r}; choose one of: {', '.join(LEVELS)}")
    rows = ts[ts["level"] == level].reset_index(drop=True)
    if metric is None:
        return rows
    numeric = [
        c for c in ts.columns if pd.api.types.is_numeric_dtype(ts[c]) and c not in ("seed", "replicate")
    ]
    if metric not in numeric:
        raise UsageError(f"unknown metric {metric!r}; choose one of: {', '.join(numeric)}")
    columns = [*by, *(["unit_id"] if level != "national" else [])]
    if not columns:
        return rows.set_index("month")[[metric]]
    wide = rows.pivot(index="month", columns=columns, values=metric)
    wide.columns.name = None if len(columns) == 1 else wide.columns.name
    return wide


def build_model(
    scenario: Scenario,
    overrides: dict | None = None,
    seed: int = 0,
    replicate: int = 0,
    run_id: str = "run-0",
    posterior=None,
) -> JiesuModel:
    """Validate everything and build the model (raises before any output is written).

    With a :class:`~jiesu.experiments.execution.posterior.Posterior`, the run takes the
    parameters of the particle its replicate draws (between the scenario's and ``overrides``,
    which still win) and records it in ``model.particle``.

    Raises:
        ParameterError, UnknownCityError, UsageError: Bad parameters, an unknown city, or
            a seed or replicate outside 0 to 2**63 - 1.
    """
    check_seed(seed)
    check_seed(replicate, "replicate")
    particle = None
    if posterior is not None:
        index, values = posterior.draw(seed, replicate)
        particle = {"posterior": posterior.source, "particle": index, "values": values}
        overrides = {**values, **(overrides or {})}
    params = scenario.params(overrides)
    model = JiesuModel(
        params,
        seed=seed,
        replicate=replicate,
        events=list(scenario.events),
        scenario=scenario.name,
        run_id=run_id,
    )
    model.particle = particle
    return model


def run_model(model: JiesuModel, progress=None, levels: tuple[str, ...] = LEVELS) -> RunOutput:
    """Run a built model and return its tables.

    City rows, plus province and national rows when there is more than one city.
    ``progress`` is called after each month.
    """
    start = time.perf_counter()
    result = model.run(progress)
    elapsed = time.perf_counter() - start
    model.release()
    columns = {
        "run_id": model.run_id,
        "scenario": model.scenario_name,
        "seed": model.seed,
        "replicate": model.replicate,
    }
    ts = tidy_timeseries(result.timeseries, columns, with_aggregates=model.n_cities > 1, levels=levels)
    adoptions = adoption_table(
        result.events,
        {"run_id": model.run_id, "scenario": model.scenario_name, "replicate": model.replicate},
        model.geography,
    )
    info = {
        "run_id": model.run_id,
        "scenario": model.scenario_name,
        "seed": model.streams.provenance(),
        "parameters": _params_dict(model.p),
        "particle": model.particle,
        "n_cities": model.n_cities,
        "n_citizens": model.citizens.n,
        "n_units": model.units.n,
        "wall_seconds": round(elapsed, 3),
    }
    months = [format_month(m) for m in model.months]
    hazards = hazard_table(model.hazards, months, model.geography.unit_id, SOURCES, model.run_id)
    return RunOutput(ts, adoptions, info, hazards)


def run_scenario(
    scenario: Scenario,
    overrides: dict | None = None,
    seed: int = 0,
    replicate: int = 0,
    run_id: str | None = None,
    levels: tuple[str, ...] = LEVELS,
    posterior=None,
) -> RunOutput:
    """Build and run one simulation of ``scenario``.

    ``levels`` selects the rows of the timeseries (city, province, national); ``posterior``
    draws the run's parameters (see :func:`build_model`).

    Example:
        >>> from jiesu.experiments.scenarios import load_scenario
        >>> out = run_scenario(load_scenario("beijing"), {"end": "2019-03"}, seed=1)
        >>> sorted(out.timeseries["month"].unique())[-1]
        '2019-03'
    """
    run_id = run_id or f"{scenario.name}-s{seed}-r{replicate}"
    return run_model(build_model(scenario, overrides, seed, replicate, run_id, posterior), levels=levels)


def _params_dict(params) -> dict:
    import dataclasses

    return dataclasses.asdict(params)
