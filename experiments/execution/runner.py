"""Running one simulation: from a scenario and overrides to tidy tables with provenance."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import pandas as pd
from jiesu.experiments.outputs.tables import LEVELS, adoption_table, tidy_timeseries
from jiesu.experiments.scenarios import Scenario
from jiesu.model import JiesuModel


@dataclass
class RunOutput:
    """Tables and provenance of one run."""

    timeseries: pd.DataFrame
    adoptions: pd.DataFrame
    info: dict = field(default_factory=dict)


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
    """
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
    return RunOutput(ts, adoptions, info)


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
