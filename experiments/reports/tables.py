"""The report's tables, computed from a results folder: key metrics, channels, years, provinces, parameters.

Every table is a DataFrame with identifier columns in English (``scenario``, ``metric``...) and
values rounded as they are shown; :func:`headers` gives the column titles, with units, in
English or Chinese. The findings quote these tables, and the workbook writes them.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from jiesu.agents.reform import CHANNELS
from jiesu.experiments.figures.labels import metric_label, param_label
from jiesu.experiments.outputs.people import rounded
from jiesu.experiments.reports.numbers import fmt, interval
from jiesu.experiments.reports.results import Results
from jiesu.experiments.reports.text import r

#: Metrics of the key table, in order (those a results folder lacks are left out).
KEY_METRICS = (
    "share_adopted_end",
    "population_covered_end",
    "months_to_50pct",
    "reached_50pct",
    "months_to_90pct",
    "reached_90pct",
    "response_rate_last12",
    "resolution_rate_last12",
    "satisfaction_rate_last12",
    "requests_per_10k_last12",
    "trust_end",
    "self_governance_end",
    "problem_rate_end",
)
#: Yearly national values: (column, how a year is summarised, unit).
YEARLY = (
    ("share_adopted", "last", "share"),
    ("share_population_covered", "last", "share"),
    ("requests", "sum", "requests/year"),
    ("requests_per_10k", "mean", "requests/month per 10k"),
    ("response_rate", "mean", "share"),
    ("resolution_rate", "mean", "share"),
    ("satisfaction_rate", "mean", "share"),
    ("trust_mean", "last", "share"),
)


def key_table(res: Results) -> pd.DataFrame:
    """Summary rows of the key metrics (as in ``summary.csv``), in scenario order."""
    s = res.summary
    keep = s[s["metric"].isin(KEY_METRICS) & s["scenario"].isin(res.names)].copy()
    keep["_s"] = keep["scenario"].map({n: k for k, n in enumerate(res.names)})
    keep["_m"] = keep["metric"].map({m: k for k, m in enumerate(KEY_METRICS)})
    return keep.sort_values(["_s", "_m"]).drop(columns=["_s", "_m"]).reset_index(drop=True)


def key_cell(row, lang: str) -> str:
    """``mean [low–high]`` of one summary row, as shown in the report."""
    text = fmt(float(row["mean"]), row["unit"], lang)
    bracket = interval(float(row["ci95_low"]), float(row["ci95_high"]), row["unit"], lang)
    return f"{text} {bracket}".strip()


def key_wide(res: Results, lang: str, metrics: tuple[str, ...] = KEY_METRICS) -> pd.DataFrame:
    """The key table as the report prints it: one row per metric, one column per scenario."""
    table = key_table(res)
    rows = []
    for metric in metrics:
        mine = table[table["metric"] == metric]
        if mine.empty:
            continue
        unit = mine["unit"].iloc[0]
        cells = {res.label(r["scenario"], lang): key_cell(r, lang) for _, r in mine.iterrows()}
        rows.append(
            {r("metric_col", lang): f"{metric_label(metric, lang)} ({unit_label(unit, lang)})", **cells}
        )
    return pd.DataFrame(rows)


def unit_label(unit: str, lang: str) -> str:
    """A unit as a reader would write it (shares are shown as %)."""
    if unit in ("share", "share of replicates"):
        return "%"
    zh = {
        "months": "月",
        "cities": "个城市",
        "contacts/month per 10k": "件/月/万人",
        "problems/resident/month": "个/人/月",
        "order-equivalents": "工单当量",
    }
    return zh.get(unit, unit) if lang == "zh" else unit


def channel_table(res: Results) -> pd.DataFrame:
    """Mean adoptions per run by channel, and each channel's share of a scenario's adoptions."""
    rows = []
    for name in res.names:
        means = {c: res.value(name, f"adoptions_{c}") for c in CHANNELS}
        means = {c: v for c, v in means.items() if not math.isnan(v)}
        total = sum(means.values())
        for channel, mean in means.items():
            rows.append(
                {
                    "scenario": name,
                    "channel": channel,
                    "adoptions": mean,
                    "share": mean / total if total else math.nan,
                }
            )
    return rounded(pd.DataFrame(rows, columns=["scenario", "channel", "adoptions", "share"]))


def yearly_table(res: Results) -> pd.DataFrame:
    """National (or single-city) values per scenario and year, means over replicates."""
    ts = res.timeseries
    top = ts[ts["level"] == ("national" if res.multi_city else "city")].copy()
    top["year"] = top["month"].str[:4].astype(int)
    top = top.sort_values("month")
    frames = []
    for column, how, _unit in YEARLY:
        if column not in top:
            continue
        per_run = top.groupby(["scenario", "replicate", "year"])[column].agg(how)
        frames.append(per_run.groupby(["scenario", "year"]).mean().rename(column))
    if not frames:
        return pd.DataFrame(columns=["scenario", "year"])
    out = pd.concat(frames, axis=1).reset_index()
    out["_s"] = out["scenario"].map({n: k for k, n in enumerate(res.names)})
    return rounded(out.sort_values(["_s", "year"]).drop(columns="_s").reset_index(drop=True))


def province_table(res: Results) -> pd.DataFrame:
    """Per scenario and province: share of cities adopted at the end, and when half had adopted.

    ``month_50pct`` is the median over replicates in which the province reached half; empty
    when fewer than half of the replicates reached it.
    """
    ts = res.timeseries
    prov = ts[ts["level"] == "province"]
    if prov.empty:
        return pd.DataFrame(columns=["scenario", "province_id", "province_en", "province_zh"])
    rows = []
    for (scenario, pid), rows_p in prov.groupby(["scenario", "province_id"], sort=False):
        last = rows_p[rows_p["month"] == rows_p["month"].max()]
        reached = rows_p[rows_p["share_adopted"] >= 0.5].groupby("replicate")["month"].min()
        n_rep = rows_p["replicate"].nunique()
        month = _median_month(reached.tolist()) if len(reached) * 2 >= n_rep else ""
        rows.append(
            {
                "scenario": scenario,
                "province_id": pid,
                "province_en": rows_p["name_en"].iloc[0],
                "province_zh": rows_p["name_zh"].iloc[0],
                "share_adopted_end": float(last["share_adopted"].mean()),
                "month_50pct": month,
                "replicates_50pct": f"{len(reached)}/{n_rep}",
            }
        )
    out = pd.DataFrame(rows)
    out["_s"] = out["scenario"].map({n: k for k, n in enumerate(res.names)})
    return rounded(out.sort_values(["_s", "province_id"]).drop(columns="_s").reset_index(drop=True))


def _median_month(months: list[str]) -> str:
    k = [int(m[:4]) * 12 + int(m[5:7]) - 1 for m in months]
    mid = round(float(np.median(k)))
    return f"{mid // 12:04d}-{mid % 12 + 1:02d}"


def parameter_table(res: Results, lang: str) -> pd.DataFrame:
    """Every parameter: unit, default, meaning, and its value in each scenario."""
    from jiesu.experiments.reports.docs import format_value
    from jiesu.model.parameters import PARAMS

    rows = []
    for p in PARAMS:
        values = {
            res.label(n, lang): format_value(res.parameters(n).get(p.name, p.default)) for n in res.names
        }
        rows.append(
            {
                "parameter": p.name,
                "label": param_label(p.name, lang, with_id=False),
                "unit": p.unit,
                "default": format_value(p.default),
                **values,
                "meaning": p.meaning,
                "source": p.source,
            }
        )
    return pd.DataFrame(rows)


def changed_parameters(res: Results, name: str) -> dict[str, object]:
    """Parameters of scenario ``name`` that differ from the defaults."""
    from jiesu.model.parameters import PARAMS

    mine = res.parameters(name)
    return {p.name: mine[p.name] for p in PARAMS if p.name in mine and mine[p.name] != p.default}


#: Published Beijing figures compared in the report: metric -> column of the timeseries.
_OBSERVED = {"resolution_rate": "resolution_rate", "satisfaction_rate": "satisfaction_rate"}


def observed_table(res: Results) -> pd.DataFrame:
    """Beijing's published figures next to the simulated ones, per scenario (mean over replicates).

    Rates are compared in the published month; yearly request totals with the simulated year's
    sum. Empty when the results hold no Beijing rows or do not cover the published periods.
    """
    from jiesu.model.geography import load_table

    ts = res.timeseries
    beijing = ts[ts["unit_id"] == "110000"]
    if beijing.empty:
        return pd.DataFrame(columns=["scenario", "period", "metric", "published", "simulated", "source"])
    rows = []
    for row in load_table("beijing_calibration.csv"):
        period, metric = row["period"], row["metric"]
        if metric in _OBSERVED and len(period) == 7:
            chosen = beijing[beijing["month"] == period]
            per_run = chosen.groupby(["scenario", "replicate"])[_OBSERVED[metric]].mean()
        elif metric == "requests_per_year" and len(period) == 4:
            chosen = beijing[beijing["month"].str[:4] == period]
            complete = chosen.groupby(["scenario", "replicate"])["month"].nunique() == 12
            per_run = chosen.groupby(["scenario", "replicate"])["requests"].sum()[complete]
        else:
            continue
        for scenario, values in per_run.groupby(level="scenario"):
            rows.append(
                {
                    "scenario": scenario,
                    "period": period,
                    "metric": metric,
                    "published": float(row["value"]),
                    "simulated": float(values.mean()),
                    "source": row["source"],
                }
            )
    out = pd.DataFrame(rows, columns=["scenario", "period", "metric", "published", "simulated", "source"])
    out["_s"] = out["scenario"].map({n: k for k, n in enumerate(res.names)})
    return rounded(
        out.sort_values(["_s", "metric", "period"], kind="stable").drop(columns="_s").reset_index(drop=True)
    )
