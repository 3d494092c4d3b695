"""City-month and city-year event-history panels with the simulator's hazards as ground truth.

A panel has one row per city x period x run while the city is at risk of adopting the reform
(it did not run it at the start of the period), or, with ``after_adoption=True``, every period
from the one in which the reform first existed. The pioneer's own adoption is the origin of
the process, not an event. Columns are declared in :mod:`.panel_columns` (identifiers, period,
events, covariates lagged one period, and the true hazards by source).

Example:
    >>> from jiesu.experiments.analysis.panel import build_panel
    >>> panel = build_panel("results/compare-horizontal-top_down", period="year")  # doctest: +SKIP
    >>> panel.groupby("scenario")["event"].sum()  # doctest: +SKIP
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from jiesu.agents.diffusion import SOURCES
from jiesu.experiments.analysis.choices import PERIODS
from jiesu.experiments.analysis.panel_columns import PANEL_COLUMN_NAMES
from jiesu.experiments.analysis.panel_history import RunHistory, build_history
from jiesu.experiments.analysis.stored import StoredResults, load_stored
from jiesu.experiments.errors import UsageError
from jiesu.model.calendar import format_month
from jiesu.model.geography import haversine_km


def build_panel(
    results: str | Path | StoredResults, period: str = "year", after_adoption: bool = False
) -> pd.DataFrame:
    """Build the city-year or city-month panel of every run in a results folder.

    Args:
        results: A run, compare or sweep folder (or what :func:`.stored.load_stored` read).
        period: ``year`` or ``month``.
        after_adoption: Keep the rows of cities that run the reform too (``at_risk`` = 0).

    Returns:
        The panel, columns in the order of :data:`.panel_columns.PANEL_COLUMNS`.

    Raises:
        UsageError: For an unknown period, or a folder that lacks what panels need.
    """
    if period not in PERIODS:
        raise UsageError(f"period must be one of {', '.join(PERIODS)}, got {period!r}")
    stored = results if isinstance(results, StoredResults) else load_stored(Path(results))
    tables = {"adoptions": stored.adoptions, "hazards": stored.hazards, "series": stored.series}
    by_run = {name: dict(list(table.groupby("run_id", sort=False))) for name, table in tables.items()}
    frames = []
    for run in stored.runs.to_dict("records"):
        rid = run["run_id"]
        mine = [by_run[name].get(rid, table.iloc[:0]) for name, table in tables.items()]
        history = build_history(run, stored.params[rid], stored.events[rid], *mine)
        frame = run_panel(history, period, after_adoption)
        for k, (col, value) in enumerate(run.items()):
            frame.insert(k, col, value)
        frames.append(frame)
    panel = pd.concat(frames, ignore_index=True)
    return panel[list(PANEL_COLUMN_NAMES)]


def run_panel(h: RunHistory, period: str, after_adoption: bool = False) -> pd.DataFrame:
    """The panel rows of one run (without the run's identifiers)."""
    monthly = _monthly(h)
    parts = [_period_rows(h, monthly, months, label, period) for label, months in _periods(h, period)]
    columns = {k: np.concatenate([part[k] for part in parts]) for k in parts[0]}
    keep = columns.pop("_include") & (columns["at_risk"].astype(bool) | after_adoption)
    city = columns.pop("_city")[keep]
    g = h.geography
    identity = {
        "unit_id": g.unit_id,
        "name_zh": g.name_zh,
        "name_en": g.name_en,
        "province_id": g.province_id,
        "province_en": g.province_en,
        "province_zh": g.province_zh,
        "kind": g.kind,
        "rank": g.rank,
        "log_population": np.log(g.population.astype(float)),
        "distance_pioneer_km": _distance(h),
    }
    data = {k: v[city] for k, v in identity.items()}
    data.update({k: v[keep] for k, v in columns.items()})
    return pd.DataFrame(data)


def _periods(h: RunHistory, period: str) -> list[tuple[str, np.ndarray]]:
    """(label, month indices) of every period from the one in which the reform existed."""
    idx = np.arange(h.origin, len(h.months))
    if period == "month":
        return [(format_month(int(h.months[k])), np.array([k])) for k in idx]
    years = (h.months[idx] // 12).astype(int)
    return [(str(y), idx[years == y]) for y in np.unique(years)]


def _lag(x: np.ndarray, fill: float) -> np.ndarray:
    """Value at the end of the previous month (``fill`` before the run's first month)."""
    return np.concatenate([np.full((1, *x.shape[1:]), fill), x[:-1]])


def _others_mean(x: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Per month and city, the mean of ``x`` over the *other* cities of its group."""
    size = np.bincount(group)[group] - 1.0
    total = np.stack([np.bincount(group, weights=row)[group] for row in x])
    return np.divide(total - x, size, out=np.zeros_like(x, dtype=float), where=size > 0)


def _monthly(h: RunHistory) -> dict[str, np.ndarray]:
    """Monthly arrays: at-risk state, spells, and every covariate lagged one month."""
    g = h.geography
    running = h.running.astype(float)
    was = _lag(running, 0.0)
    spell = 1 + _lag(np.cumsum(h.adopt, axis=0).astype(float), 0.0)
    geo = g.geo_weights()
    province = np.unique(g.province_id, return_inverse=True)[1]
    sat = h.outcomes["satisfaction_rate"]
    out = {
        "at_risk": was == 0,
        "spell": spell,
        "nbr_share_geo": _lag((geo @ running.T).T, 0.0),
        "nbr_share_province": _lag(_others_mean(running, province), 0.0),
        "nbr_share_rank": _lag(_others_mean(running, g.rank), 0.0),
        "nbr_gain_geo": _lag((geo @ _gains(h, sat).T).T, 0.0),
        **_mandates(h),
    }
    months = np.arange(len(h.months))[:, None]
    start = np.inf if h.endorsed_from is None else h.endorsed_from
    out["endorsement"] = np.broadcast_to(months - 1 >= start, running.shape).astype(float)
    return out


def _gains(h: RunHistory, sat: np.ndarray) -> np.ndarray:
    """Satisfaction gain since adopting, for cities running the reform (0 otherwise, >= 0)."""
    t = np.arange(len(h.months))[:, None]
    adopted_at = np.where(h.adopt > 0, t, -1)
    last = np.maximum.accumulate(adopted_at, axis=0)
    before = np.clip(last - 1, 0, None)
    baseline = np.take_along_axis(sat, before, axis=0)
    baseline[last < 1] = np.nan
    gain = np.nan_to_num(sat - baseline, nan=0.0)
    return np.where(h.running, np.clip(gain, 0, None), 0.0)


def _mandates(h: RunHistory) -> dict[str, np.ndarray]:
    """Lagged mandate covariates: national and provincial in force, months left, overdue."""
    n_months, n = h.running.shape
    province = h.geography.province_id
    national = np.zeros((n_months, n))
    prov = np.zeros((n_months, n))
    deadline = np.full((n_months, n), np.inf)
    for t in range(1, n_months):  # in force at the end of month t - 1
        issued = [d for m, d in h.national if m <= t - 1]
        if issued:
            national[t] = 1.0
            deadline[t] = issued[-1]
        for pid, mandates in h.province.items():
            mine = [d for m, d in mandates if m <= t - 1]
            if mine:
                cities = province == pid
                prov[t, cities] = 1.0
                deadline[t, cities] = np.minimum(deadline[t, cities], mine[-1])
    t = np.arange(n_months)[:, None]
    left = np.where(np.isfinite(deadline), deadline - t, 0.0)
    return {
        "mandate_national": national,
        "mandate_province": prov,
        "mandate_months_left": np.clip(left, 0, None),
        "mandate_overdue": (np.isfinite(deadline) & (left <= 0)).astype(float),
    }


def _own(h: RunHistory, months: np.ndarray, period: str) -> dict[str, np.ndarray]:
    """The city's own outcomes over the previous period (lagged; NaN before the run's start)."""
    first = int(months[0])
    prev = np.arange(max(first - (1 if period == "month" else 12), 0), first)
    pop = h.geography.population.astype(float)
    if prev.size == 0:
        nan = np.full(h.geography.n, np.nan)
        return {"requests_per_10k": nan, "satisfaction": nan, "backlog_per_10k": nan}
    o = h.outcomes
    with warnings.catch_warnings():  # a city with no defined rate in the period gets NaN
        warnings.filterwarnings("ignore", message="Mean of empty slice", category=RuntimeWarning)
        return {
            "requests_per_10k": np.nanmean(o["requests_per_10k"][prev], axis=0),
            "satisfaction": np.nanmean(o["satisfaction_rate"][prev], axis=0),
            "backlog_per_10k": o["backlog"][prev[-1]] / pop * 1e4,
        }


def _truth(h: RunHistory, months: np.ndarray, at_risk: np.ndarray) -> np.ndarray:
    """Hazards by source summed over the period's months (cities x sources).

    Months after the city adopted carry the hazard of its adoption month; cities not at risk at
    the period's start, or with a month decided by a dated event, get NaN.
    """
    n = h.geography.n
    total = np.zeros((n, len(SOURCES)))
    last = np.full((n, len(SOURCES)), np.nan)
    still = at_risk.copy()
    for t in months:
        last = np.where(still[:, None], h.hazards[t], last)
        total += last
        still &= h.adopt[t] == 0
    return total


def _first_channel(h: RunHistory, kind: str, months: np.ndarray) -> np.ndarray:
    """Channel of the period's first event of ``kind`` per city ('' if none)."""
    out = np.full(h.geography.n, "", dtype=object)
    for t in months[::-1]:
        ch = h.channels[kind][t]
        out = np.where(ch != "", ch, out)
    return out


def _period_rows(h: RunHistory, monthly: dict, months: np.ndarray, label: str, period: str) -> dict:
    """Columns of one row per city for the period made of ``months`` (indices into the run)."""
    n, first = h.geography.n, int(months[0])
    at_risk = monthly["at_risk"][first] & (h.pioneer_until < first)
    adopted = h.adopt[months].sum(axis=0) > 0
    spell = monthly["spell"][first].astype(int)
    month_number = int(h.months[first])
    own = _own(h, months, period)
    truth = _truth(h, months, at_risk)
    out = {
        "_city": np.arange(n),
        "_include": h.pioneer_until < first,
        "period": np.full(n, label, dtype=object),
        "year": np.full(n, month_number // 12),
        "month": np.full(n, month_number % 12 + 1 if period == "month" else 0),
        "t": np.full(n, (first - h.origin) // (1 if period == "month" else 12) + 1),
        "years_since_reform": np.full(n, (first - h.origin) / 12),
        "months_in_period": np.full(n, len(months)),
        "at_risk": at_risk.astype(int),
        "spell": np.where(at_risk, spell, spell - 1),
        "event": adopted.astype(int),
        "event_type": np.where(adopted, np.where(spell > 1, "readoption", "first_adoption"), ""),
        "channel": _first_channel(h, "adopt", months),
        "institutionalise": (h.institutionalise[months].sum(axis=0) > 0).astype(int),
        "institutionalise_channel": _first_channel(h, "institutionalise", months),
        "abandon": (h.abandon[months].sum(axis=0) > 0).astype(int),
        "abandon_channel": _first_channel(h, "abandon", months),
        **{name: monthly[name][first] for name in _COVARIATES},
        "requests_per_10k": own["requests_per_10k"],
        "satisfaction": own["satisfaction"],
        "dissatisfaction": 1 - own["satisfaction"],
        "backlog_per_10k": own["backlog_per_10k"],
        **{f"true_h_{s}": truth[:, k] for k, s in enumerate(SOURCES)},
        "true_h_total": truth.sum(axis=1),
    }
    out["true_p"] = -np.expm1(-out["true_h_total"])
    return out


_COVARIATES = (
    "nbr_share_geo",
    "nbr_share_province",
    "nbr_share_rank",
    "nbr_gain_geo",
    "mandate_national",
    "mandate_province",
    "mandate_months_left",
    "mandate_overdue",
    "endorsement",
)


def _distance(h: RunHistory) -> np.ndarray:
    g = h.geography
    pioneers = np.flatnonzero(h.pioneer_until >= 0)
    if pioneers.size == 0:
        return np.full(g.n, np.nan)
    k = pioneers[0]
    return haversine_km(g.lon[k], g.lat[k], g.lon, g.lat)
