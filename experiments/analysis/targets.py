"""Calibration targets: Beijing's published figures of 2018–2021 beside what a run gives.

Each :class:`Target` pairs one figure of ``model/data/beijing_calibration.csv`` (only periods up
to 2021: later figures are kept for testing forecasts) with the same quantity computed from a
run's Beijing rows, and a *scale*: the discrepancy between model and figure that counts as one
unit of distance (roughly the figure's own uncertainty plus what the model cannot represent).
The distance of a run is ``sqrt(Σ ((simulated − observed) / scale)²)`` (docs/validation.md).

Volumes are compared on the log scale (relative errors). The 2020 volume and the 2021-01..11
volume (derived from the 2019-01..2021-11 total) include epidemic-prevention contacts the model
does not represent (1.08 M in 2020), so their scales are wider.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
from jiesu.model.geography import load_table

#: The last period whose figures may be used to fit anything.
LAST_FITTED_YEAR = 2021


@dataclass(frozen=True)
class Target:
    """One published figure and its simulated counterpart.

    Attributes:
        name: Identifier (used in distances, tables and figures).
        meaning: What the figure is, in words.
        observed: The figure (on the scale of ``simulated``).
        scale: Discrepancy counted as one unit of distance.
        simulated: Function of a run's Beijing rows (indexed by month) giving the figure.
        source: Rows of the data file it comes from.
        until: The last month the simulated value needs.
    """

    name: str
    meaning: str
    observed: float
    scale: float
    simulated: Callable[[pd.DataFrame], float]
    source: str
    until: str


def _published() -> dict[tuple[str, str], float]:
    rows = load_table("beijing_calibration.csv")
    return {(r["period"], r["metric"]): float(r["value"]) for r in rows if _fittable(r["period"])}


def _fittable(period: str) -> bool:
    """Whether a period ends in or before :data:`LAST_FITTED_YEAR` (e.g. ``2019-01..2021-11``)."""
    return int(period.split("..")[-1][:4]) <= LAST_FITTED_YEAR


def _log_sum(first: str, last: str) -> Callable[[pd.DataFrame], float]:
    return lambda ts: math.log(max(float(ts.loc[first:last, "requests"].sum()), 1.0))


def _at(month: str, column: str) -> Callable[[pd.DataFrame], float]:
    return lambda ts: float(ts.loc[month, column])


def _mean(first: str, last: str, column: str) -> Callable[[pd.DataFrame], float]:
    return lambda ts: float(ts.loc[first:last, column].mean())


def _share(first: str, last: str, part: str) -> Callable[[pd.DataFrame], float]:
    def share(ts: pd.DataFrame) -> float:
        return float(ts.loc[first:last, part].sum() / max(ts.loc[first:last, "requests"].sum(), 1.0))

    return share


def beijing_targets() -> tuple[Target, ...]:
    """Every calibration target, with its observed value read from the data file."""
    d = _published()
    bj = "model/data/beijing_calibration.csv"
    total = d[("2019-01..2021-11", "contacts_total")]
    jan_nov_2021 = total - d[("2019", "requests_per_year")] - d[("2020", "requests_per_year")]
    volumes = (
        ("2018", "log contacts in 2018 (约400万, approximate)", d[("2018", "requests_per_year")], 0.08),
        ("2019", "log contacts in 2019", d[("2019", "requests_per_year")], 0.05),
        ("2020", "log contacts in 2020 (with 1.08 M epidemic contacts)", d[("2020", "requests_per_year")],
         0.10),
        ("2021_jan_nov", "log contacts 2021-01..2021-11 (the 2019-01..2021-11 total less 2019, 2020)",
         jan_nov_2021, 0.10),
    )  # fmt: skip
    targets = []
    for key, meaning, value, scale in volumes:
        last = f"{key[:4]}-11" if key.endswith("nov") else f"{key[:4]}-12"
        first = f"{key[:4]}-01"
        targets.append(
            Target(
                f"log_requests_{key}",
                meaning,
                math.log(value),
                scale,
                _log_sum(first, last),
                f"{bj}: {key[:4]}",
                last,
            )
        )
    for metric, month, period, scale in (
        ("resolution_rate", "2018-12", "2019-01", 0.02),
        ("satisfaction_rate", "2018-12", "2019-01", 0.02),
        ("resolution_rate", "2019-12", "2019-12", 0.04),
        ("satisfaction_rate", "2019-12", "2019-12", 0.04),
        ("resolution_rate", "2021-11", "2021-11", 0.02),
        ("satisfaction_rate", "2021-11", "2021-11", 0.02),
    ):
        name = f"{metric.split('_')[0]}_{period.replace('-', '_')}"
        meaning = f"{metric.replace('_', ' ')} at {period} (simulated: month {month})"
        targets.append(
            Target(name, meaning, d[(period, metric)], scale, _at(month, metric), f"{bj}: {period}", month)
        )
    dispatched = d[("2020", "dispatched_work_orders")] / d[("2020", "requests_per_year")]
    targets += [
        Target("response_2021", "response rate, mean of 2021 (reported as 100 %)",
               d[("2021", "response_rate")], 0.02, _mean("2021-01", "2021-12", "response_rate"),
               f"{bj}: 2021", "2021-12"),
        Target("inquiry_share_2019_2021", "share of inquiries among contacts, 2019-01..2021-11",
               d[("2019-2021", "inquiry_share")], 0.02, _share("2019-01", "2021-11", "inquiries"),
               f"{bj}: 2019-2021", "2021-11"),
        Target("online_share_2020", "share of contacts made online in 2020", 1 - d[("2020", "phone_share")],
               0.02, _mean("2020-01", "2020-12", "online_share"), f"{bj}: 2020 phone_share", "2020-12"),
        Target("dispatched_share_2020", "work orders dispatched per contact in 2020 (近450万 of 1103.94万)",
               dispatched, 0.05, _share("2020-01", "2020-12", "work_orders"), f"{bj}: 2020", "2020-12"),
    ]  # fmt: skip
    return tuple(targets)


def summary_statistics(city_rows: pd.DataFrame, targets: tuple[Target, ...]) -> dict[str, float]:
    """The simulated value of every target from one run's rows of the calibrated city.

    Args:
        city_rows: The city's tidy timeseries rows (a ``month`` column, one row per month).
        targets: The targets to compute.
    """
    ts = city_rows.set_index("month").sort_index()
    return {t.name: t.simulated(ts) for t in targets}


def distance(simulated: dict[str, float], targets: tuple[Target, ...]) -> float:
    """The run's distance to the data: the root sum of squared scaled discrepancies."""
    return math.sqrt(sum(((simulated[t.name] - t.observed) / t.scale) ** 2 for t in targets))
