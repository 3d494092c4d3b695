"""Shaping model output into the tidy tables users query: city, province and national rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
from jiesu.model.geography import NATIONAL_ID
from jiesu.model.outcomes import OUTCOMES

_WEIGHT = {"pending": "work_orders", "handled": "work_orders", "mean_pop": "population"}


def _sums(city: pd.DataFrame, keys: list[str]) -> tuple[pd.DataFrame, pd.Series]:
    """Every sum the aggregate rows need, in one grouping of one frame (group sizes beside)."""
    values = {"population": city["population"]}
    for o in OUTCOMES:
        if o.aggregate == "sum":
            values[o.name] = city[o.name]
        elif o.aggregate in _WEIGHT:
            w = city[_WEIGHT[o.aggregate]].where(city[o.name].notna(), 0.0)
            values[f"{o.name}\0num"] = city[o.name].fillna(0.0) * w
            values[f"{o.name}\0den"] = w
    values["adopted_pop"] = city["population"] * city["adopted"]
    frame = pd.DataFrame(values)
    grouped = frame.groupby([city[k] for k in keys], sort=True)
    return grouped.sum(), grouped.size()


def aggregate(city: pd.DataFrame, level: str) -> pd.DataFrame:
    """Combine city rows into province (``level="province"``) or national rows.

    Counts are summed; rates are weighted by work orders; citizen and unit means by
    population; ``requests_per_10k`` is recomputed. Adds ``n_adopted``, ``share_adopted`` and
    ``share_population_covered``. Province rows carry the province's code and names; the
    national row has code ``100000`` and the names China / 全国.
    """
    keys = ["month", "province_id"] if level == "province" else ["month"]
    sums, size = _sums(city, keys)
    out = sums[["population"]].copy()
    for o in OUTCOMES:
        if o.aggregate == "sum":
            out[o.name] = sums[o.name]
        elif o.aggregate in _WEIGHT:
            out[o.name] = sums[f"{o.name}\0num"] / sums[f"{o.name}\0den"].replace(0, np.nan)
    out["requests_per_10k"] = out["requests"] / out["population"] * 1e4
    out["n_adopted"] = sums["adopted"]
    out["share_adopted"] = out["n_adopted"] / size
    out["share_population_covered"] = sums["adopted_pop"] / out["population"]
    out["adopted"] = out["n_adopted"] > 0
    out["institutionalised"] = out["institutionalised"] > 0
    out = out.reset_index()
    out["level"] = level
    if level == "province":
        names = city.drop_duplicates("province_id").set_index("province_id")
        out["unit_id"] = out["province_id"]
        out["province_en"] = out["province_id"].map(names["province_en"])
        out["province_zh"] = out["province_id"].map(names["province_zh"])
        out["name_en"], out["name_zh"] = out["province_en"], out["province_zh"]
    else:
        out["unit_id"] = NATIONAL_ID
        out["name_en"], out["name_zh"] = "China", "全国"
        out["province_id"], out["province_en"], out["province_zh"] = "", "", ""
    return out


LEVELS = ("city", "province", "national")


def tidy_timeseries(
    city: pd.DataFrame, run_columns: dict, with_aggregates: bool, levels: tuple[str, ...] = LEVELS
) -> pd.DataFrame:
    """City rows plus (if asked) province and national rows, with run identifiers in front.

    ``levels`` selects the rows to keep; a single city is always kept as its own row.
    """
    city = city.copy(deep=False)  # new columns only: the caller's frame is left as it was
    city["n_adopted"] = city["adopted"].astype(int)
    city["share_adopted"] = city["adopted"].astype(float)
    city["share_population_covered"] = city["adopted"].astype(float)
    frames = [city] if "city" in levels or not with_aggregates else []
    if with_aggregates:
        frames += [aggregate(city, level) for level in ("province", "national") if level in levels]
    df = pd.concat(frames, ignore_index=True)[list(city.columns)]
    df["n_adopted"] = df["n_adopted"].astype(int)
    for k, (name, value) in enumerate(run_columns.items()):
        df.insert(k, name, value)
    return df


def adoption_table(events: pd.DataFrame, run_columns: dict, geography) -> pd.DataFrame:
    """The event log as ``adoptions.parquet`` rows, with the unit's names and province.

    Columns: the run columns (run_id, scenario, replicate), month, unit_id, name_en, name_zh,
    province_id, province_en, province_zh, level, event, channel, elements. Province events carry
    the province's names; the centre's events the code ``100000`` (China / 全国); sector bodies
    their key.
    """
    df = events.copy()
    names = {}
    for i in range(geography.n):
        pid, pen, pzh = geography.province_id[i], geography.province_en[i], geography.province_zh[i]
        names[geography.unit_id[i]] = (geography.name_en[i], geography.name_zh[i], pid, pen, pzh)
        names.setdefault(pid, (pen, pzh, pid, pen, pzh))
    names[NATIONAL_ID] = ("China", "全国", "", "", "")
    looked_up = [names.get(u, (u, u, "", "", "")) for u in df["unit_id"]]
    columns = ["name_en", "name_zh", "province_id", "province_en", "province_zh"]
    identity = pd.DataFrame(looked_up, columns=columns, index=df.index, dtype=object)
    position = df.columns.get_loc("unit_id") + 1
    for k, column in enumerate(columns):
        df.insert(position + k, column, identity[column].astype(str))
    for k, (name, value) in enumerate(run_columns.items()):
        df.insert(k, name, value)
    return df


def hazard_table(
    hazards: np.ndarray, months: list[str], unit_ids: np.ndarray, sources: tuple[str, ...], run_id: str
) -> pd.DataFrame:
    """The simulator's adoption hazards as ``hazards.parquet`` rows: only city-months at risk.

    Args:
        hazards: Array months x cities x sources (NaN where the city runs the reform).
        months: ``YYYY-MM`` of each month.
        unit_ids: Code of each city.
        sources: Names of the hazard sources, in the order of the last axis.
        run_id: The run's identifier.

    Returns:
        Columns ``run_id``, ``month``, ``unit_id`` and one float32 column per source (the
        monthly hazard from that source, integrated over the month), one row per city-month
        in which the city was at risk of adopting.
    """
    n_months, n_cities, _ = hazards.shape
    flat = hazards.reshape(n_months * n_cities, len(sources))
    keep = ~np.isnan(flat).any(axis=1)
    df = pd.DataFrame(flat[keep].astype(np.float32), columns=list(sources))
    df.insert(0, "run_id", run_id)
    df.insert(1, "month", np.repeat(np.asarray(months, dtype=str), n_cities)[keep])
    df.insert(2, "unit_id", np.tile(np.asarray(unit_ids, dtype=str), n_months)[keep])
    return df


#: Outcomes of each city that event-history panels use as covariates (the compact city series).
CITY_SERIES_OUTCOMES = ("requests_per_10k", "satisfaction_rate", "backlog")


def city_series(timeseries: pd.DataFrame) -> pd.DataFrame:
    """The compact per-city series a panel needs: run, month, city and a few outcomes (float32).

    Sweeps store this instead of full city rows (``panel = true`` in the sweep file).
    """
    city = timeseries[timeseries["level"] == "city"]
    out = city[["run_id", "month", "unit_id"]].reset_index(drop=True)
    for name in CITY_SERIES_OUTCOMES:
        out[name] = city[name].to_numpy(dtype=np.float32)
    return out
