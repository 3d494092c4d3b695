"""Running one simulation: from a scenario and overrides to tidy tables with provenance."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import pandas as pd
from jiesu.agents.diffusion import SOURCES
from jiesu.experiments.outputs.tables import LEVELS, adoption_table, hazard_table, tidy_timeseries
from jiesu.experiments.scenarios import Scenario
from jiesu.model import JiesuModel
from jiesu.model.calendar import format_month


@dataclass
class RunOutput:
    """Tables and provenance of one run.

    ``hazards`` is the ground truth of the adoption process: the simulator's monthly hazard by
    source for every city-month at risk (:func:`~jiesu.experiments.outputs.tables.hazard_table`).
    """

    timeseries: pd.DataFrame
    adoptions: pd.DataFrame
    info: dict = field(default_factory=dict)
    hazards: pd.DataFrame | None = None


def build_model(
    scenario: Scenario,
    overrides: dict | None = None,
    seed: int = 0,
    replicate: int = 0,
    run_id: str = "run-0",
) -> JiesuModel:
    """Validate everything and build the model (raises before any output is written)."""
    params = scenario.params(overrides)
    return JiesuModel(
        params,
        seed=seed,
        replicate=replicate,
        events=list(scenario.events),
        scenario=scenario.name,
        run_id=run_id,
    )


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
) -> RunOutput:
    """Build and run one simulation of ``scenario``.

    ``levels`` selects the rows of the timeseries (city, province, national).

    Example:
        >>> from jiesu.experiments.scenarios import load_scenario
        >>> out = run_scenario(load_scenario("beijing"), {"end": "2019-03"}, seed=1)
        >>> sorted(out.timeseries["month"].unique())[-1]
        '2019-03'
    """
    run_id = run_id or f"{scenario.name}-s{seed}-r{replicate}"
    return run_model(build_model(scenario, overrides, seed, replicate, run_id), levels=levels)


def _params_dict(params) -> dict:
    import dataclasses

    return dataclasses.asdict(params)
