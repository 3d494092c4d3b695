"""One run's history as month x city arrays: who ran the reform, events, mandates, outcomes, truth.

Everything is rebuilt from what the results folder stores (:mod:`.stored`): the running state
from the event log (an ``adopt`` starts a spell, an ``abandon`` ends it, so the state at the end
of a month is the state at its start plus adoptions minus abandonments, whatever their order
within the month); the geography and the neighbour graph from the run's parameters, exactly as
the model built them (:func:`jiesu.model.geography.build_geography` with the run's ``network``
stream); mandates and their deadlines from the event log, the scenario's dated events and the
parameters (a dated mandate carries its deadline; a province's relay of a national mandate has
the national deadline less ``province_relay_lead``, at least next month; a mandate issued after
recognition has ``recognition_deadline``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
from jiesu.agents.diffusion import SOURCES
from jiesu.experiments.outputs.tables import CITY_SERIES_OUTCOMES
from jiesu.model.calendar import parse_month
from jiesu.model.geography import Geography, build_geography
from jiesu.model.streams import make_streams


@dataclass
class RunHistory:
    """Month x city arrays of one run (month index 0 = the run's first month).

    Attributes:
        months: Month numbers (:func:`jiesu.model.calendar.parse_month`) of the run.
        geography: The run's cities, in the model's order.
        running: The city runs the reform at the end of the month.
        adopt, abandon, institutionalise: Number of such events in the month.
        channels: Event -> channel of the month's first such event ('' if none).
        origin: Index of the first month in which the reform existed.
        pioneer_until: Per city, the month index of its pioneer adoption (-1 if not the pioneer).
        national, province: Mandates as (issued index, deadline index); province by code.
        endorsed_from: Index of the first month with an endorsement in force (None if never).
        outcomes: ``requests_per_10k``, ``satisfaction_rate``, ``backlog`` per month and city.
        hazards: Months x cities x sources (NaN where the city was not at risk).
    """

    months: np.ndarray
    geography: Geography
    running: np.ndarray
    adopt: np.ndarray
    abandon: np.ndarray
    institutionalise: np.ndarray
    channels: dict[str, np.ndarray]
    origin: int
    pioneer_until: np.ndarray
    national: list[tuple[int, int]]
    province: dict[str, list[tuple[int, int]]]
    endorsed_from: int | None
    outcomes: dict[str, np.ndarray]
    hazards: np.ndarray


@cache
def _geography(params, seed: int, replicate: int) -> Geography:
    return build_geography(params, make_streams(seed, replicate)["network"])


def run_geography(params, seed: int, replicate: int) -> Geography:
    """The run's geography, rebuilt as the model built it (a synthetic one needs seed and replicate)."""
    if params.geography != "synthetic":
        seed = replicate = 0  # real geographies do not depend on the streams
    return _geography(params, seed, replicate)


def build_history(run: dict, params, events, adoptions, hazards, series) -> RunHistory:
    """Assemble one run's arrays from its rows of the stored tables.

    Args:
        run: The run's ``run_id``, ``seed`` and ``replicate``.
        params: The run's parameters.
        events: The scenario's dated events.
        adoptions: The run's rows of the event log.
        hazards: The run's rows of the hazards table.
        series: The run's rows of the city series.
    """
    geo = run_geography(params, int(run["seed"]), int(run["replicate"]))
    first, last = parse_month(params.start), parse_month(params.end)
    months = np.arange(first, last + 1)
    shape = (len(months), geo.n)
    index = {u: k for k, u in enumerate(geo.unit_id)}
    city = adoptions[adoptions["level"] == "city"]
    t = city["month"].map(parse_month).to_numpy() - first
    i = city["unit_id"].map(index).to_numpy()
    counts, channels = {}, {}
    for kind in ("adopt", "abandon", "institutionalise"):
        sel = (city["event"] == kind).to_numpy()
        counts[kind] = np.zeros(shape, dtype=np.int64)
        np.add.at(counts[kind], (t[sel], i[sel]), 1)
        channels[kind] = np.full(shape, "", dtype=object)
        # the month's first event gives the channel: assign in reverse so the first one wins
        for tt, ii, ch in list(zip(t[sel], i[sel], city["channel"].to_numpy()[sel], strict=True))[::-1]:
            channels[kind][tt, ii] = ch
    running = np.cumsum(counts["adopt"] - counts["abandon"], axis=0) > 0
    pioneer = (city["event"] == "adopt").to_numpy() & (city["channel"] == "pioneer").to_numpy()
    pioneer_until = np.full(geo.n, -1)
    pioneer_until[i[pioneer]] = t[pioneer]
    adopted_any = np.flatnonzero(counts["adopt"].sum(axis=1))
    origin = int(t[pioneer].min()) if pioneer.any() else int(adopted_any[0]) if adopted_any.size else 0
    national, province, endorsed = _top_down(adoptions, events, params, first)
    return RunHistory(
        months=months,
        geography=geo,
        running=running,
        adopt=counts["adopt"],
        abandon=counts["abandon"],
        institutionalise=counts["institutionalise"],
        channels=channels,
        origin=origin,
        pioneer_until=pioneer_until,
        national=national,
        province=province,
        endorsed_from=endorsed,
        outcomes=_outcomes(series, index, first, shape),
        hazards=_hazards(hazards, index, first, shape),
    )


def _outcomes(series: pd.DataFrame, index: dict, first: int, shape) -> dict[str, np.ndarray]:
    t = series["month"].map(parse_month).to_numpy() - first
    i = series["unit_id"].map(index).to_numpy()
    out = {}
    for name in CITY_SERIES_OUTCOMES:
        arr = np.full(shape, np.nan)
        arr[t, i] = series[name].to_numpy(dtype=float)
        out[name] = arr
    return out


def _hazards(hazards: pd.DataFrame, index: dict, first: int, shape) -> np.ndarray:
    t = hazards["month"].map(parse_month).to_numpy() - first
    i = hazards["unit_id"].map(index).to_numpy()
    arr = np.full((*shape, len(SOURCES)), np.nan)
    arr[t, i] = hazards[list(SOURCES)].to_numpy(dtype=float)
    return arr


def _top_down(adoptions: pd.DataFrame, events, params, first: int):
    """Mandates (issued, deadline) by issuer, and the first month of an endorsement in force."""
    dated = {}
    for ev in events:
        if ev.kind == "mandate":
            dated[(parse_month(ev.month), ev.target)] = parse_month(ev.deadline)
    rows = adoptions[adoptions["level"].isin(("national", "province"))]
    national: list[tuple[int, int]] = []
    province: dict[str, list[tuple[int, int]]] = {}
    endorsed = None
    for row in rows.itertuples(index=False):
        month = parse_month(row.month)
        if row.event in ("endorsement", "recognition"):
            endorsed = month - first if endorsed is None else endorsed
        elif row.event == "mandate" and row.level == "national":
            deadline = dated.get((month, "national"), month + params.recognition_deadline)
            national.append((month - first, deadline - first))
        elif row.event == "mandate":
            names = (row.unit_id, row.name_en, row.name_zh, row.province_en)
            found = [dated[(month, n)] for n in names if (month, n) in dated]
            if found:
                deadline = max(found[0], month + 1)
            else:  # a relay of the national mandate issued this month
                nat = next(d for m, d in reversed(national) if m == month - first) + first
                deadline = max(nat - params.province_relay_lead, month + 1)
            province.setdefault(row.unit_id, []).append((month - first, deadline - first))
    return national, province, endorsed
