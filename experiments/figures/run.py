"""Figures of one run: the three rates and requests (with Beijing's published figures), adoption by channel.

Each function takes result tables and a ``lang`` (``en``/``zh``), returns a matplotlib figure
and never calls ``plt.show()``; :func:`jiesu.experiments.figures.common.save` writes them. The
adoption map is in :mod:`jiesu.experiments.figures.maps`.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from jiesu.agents.reform import CHANNELS, ELEMENTS
from jiesu.experiments.figures.common import caption, decimal_year, legend_below
from jiesu.experiments.figures.fonts import rc
from jiesu.experiments.figures.labels import t
from jiesu.experiments.figures.palette import CHANNEL_COLOURS, RATE_COLOURS
from jiesu.model.geography import NATIONAL_ID, load_table

BEIJING_ID = "110000"
#: Events of a run marked on its time axis (city events of the unit shown, national ones).
_CITY_EVENTS = {"adopt": "reform_start", "add_element": "add_element", "institutionalise": "institutionalise"}
_NATIONAL_EVENTS = ("mandate", "endorsement", "recognition")


def observed_beijing() -> pd.DataFrame:
    """Beijing's published figures (``model/data/beijing_calibration.csv``) as x positions and values.

    Returns:
        Columns ``metric``, ``x0``, ``x1`` (decimal years: a month is a point, a year a span)
        and ``value``; only the three rates and yearly requests.
    """
    rows = []
    for row in load_table("beijing_calibration.csv"):
        metric, period = row["metric"], row["period"]
        if metric not in ("response_rate", "resolution_rate", "satisfaction_rate", "requests_per_year"):
            continue
        if len(period) == 7:
            x0 = x1 = decimal_year([period])[0] + 1 / 24
        elif len(period) == 4:
            x0, x1 = float(period), float(period) + 1
        else:
            continue
        rows.append({"metric": metric, "x0": x0, "x1": x1, "value": float(row["value"])})
    return pd.DataFrame(rows, columns=["metric", "x0", "x1", "value"])


def run_marks(adoptions: pd.DataFrame | None, unit_id: str, lang: str) -> dict[str, str]:
    """``{YYYY-MM: label}`` of the events to mark on a run's time axis."""
    if adoptions is None or adoptions.empty:
        return {}
    marks: dict[str, list[str]] = {}
    mine = adoptions[adoptions["unit_id"] == unit_id]
    for row in mine[mine["event"].isin(list(_CITY_EVENTS))].itertuples():
        marks.setdefault(row.month, []).append(_event_label(row.event, str(row.elements), lang))
    national = adoptions[(adoptions["level"] == "national") & adoptions["event"].isin(_NATIONAL_EVENTS)]
    for row in national.itertuples():
        marks.setdefault(row.month, []).append(t(row.event, lang))
    sep = "、" if lang == "zh" else ", "
    return {m: sep.join(dict.fromkeys(v)) for m, v in sorted(marks.items())}


def _event_label(event: str, elements: str, lang: str) -> str:
    if event != "add_element" or not elements or elements == "nan":
        return t(_CITY_EVENTS[event], lang)
    names = {e.name: (e.zh if lang == "zh" else e.name.replace("_", " ")) for e in ELEMENTS}
    added = [names.get(e, e) for e in elements.split(",")]
    return ("新增：" if lang == "zh" else "+ ") + ("、" if lang == "zh" else ", ").join(added)


def rates_figure(
    ts: pd.DataFrame,
    unit_id: str | None = None,
    lang: str = "en",
    marks: dict[str, str] | None = None,
    caption_text: str | None = None,
):
    """Three rates (top) and monthly requests (bottom) of one unit, with published figures for Beijing.

    The unit defaults to the national row, or the only city.

    Args:
        ts: Tidy timeseries of one run.
        unit_id: Row to plot.
        lang: ``en`` or ``zh``.
        marks: Optional ``{YYYY-MM: label}`` vertical markers (see :func:`run_marks`).
        caption_text: Provenance line under the figure.
    """
    if unit_id is None:
        unit_id = NATIONAL_ID if (ts["level"] == "national").any() else ts["unit_id"].iloc[0]
    df = ts[ts["unit_id"] == unit_id].sort_values("month")
    name = df["name_zh" if lang == "zh" else "name_en"].iloc[0] if len(df) else unit_id
    observed = observed_beijing() if unit_id == BEIJING_ID else None
    with rc(lang):
        fig, (top, bottom) = plt.subplots(
            2, 1, figsize=(8, 6.4), sharex=True, gridspec_kw={"height_ratios": [3, 2]}, layout="constrained"
        )
        x = decimal_year(df["month"])
        for col, colour in RATE_COLOURS.items():
            top.plot(x, df[col], color=colour, label=t(col, lang))
        top.set_ylim(0, 1.05)
        top.set_ylabel(t("share", lang))
        top.set_title(t("rates_title", lang, unit=name))
        bottom.plot(x, df["requests"] / 1e6, color="#555555", label=t("simulated", lang))
        bottom.set_ylabel(t("requests", lang))
        bottom.set_xlabel(t("month", lang))
        bottom.set_ylim(bottom=0)
        if observed is not None:
            _overlay_observed(top, bottom, observed, lang)
        _mark(top, bottom, marks or {})
        for ax in (top, bottom):
            ax.grid(alpha=0.3)
        handles, labels = top.get_legend_handles_labels()
        more, more_labels = bottom.get_legend_handles_labels()
        legend_below(fig, handles + more, labels + more_labels, ncol=3)
        caption(fig, caption_text)
    return fig


def _overlay_observed(top, bottom, observed: pd.DataFrame, lang: str) -> None:
    rates = observed[observed["metric"].isin(list(RATE_COLOURS))]
    for k, row in enumerate(rates.itertuples()):
        colour = RATE_COLOURS[row.metric]
        label = t("observed", lang) if k == 0 else None
        if row.x1 > row.x0:
            top.plot(
                [row.x0, row.x1], [row.value, row.value], color=colour, lw=3, alpha=0.6, solid_capstyle="butt"
            )
        top.scatter(
            [(row.x0 + row.x1) / 2],
            [row.value],
            marker="D",
            s=30,
            color=colour,
            edgecolors="black",
            lw=0.7,
            zorder=5,
            label=label,
        )
    yearly = observed[observed["metric"] == "requests_per_year"]
    for k, row in enumerate(yearly.itertuples()):
        label = t("observed_requests", lang) if k == 0 else None
        bottom.plot([row.x0, row.x1], [row.value / 12 / 1e6] * 2, color="black", lw=2.2, label=label)


def _mark(top, bottom, marks: dict[str, str]) -> None:
    """Dashed lines at the events, labelled low in the rates panel (where rates rarely go)."""
    for k, (month, label) in enumerate(marks.items()):
        x = decimal_year([month])[0]
        for ax in (top, bottom):
            ax.axvline(x, color="#999999", ls="--", lw=0.8)
        top.annotate(
            label,
            (x, 0.02 + 0.07 * (k % 3)),
            xycoords=("data", "axes fraction"),
            xytext=(3, 0),
            textcoords="offset points",
            fontsize=7.5,
            color="#333333",
            ha="left",
            va="bottom",
        )


def adoption_figure(
    ts: pd.DataFrame, adoptions: pd.DataFrame, lang: str = "en", caption_text: str | None = None
):
    """Cumulative adoptions stacked by channel, with the current shares adopted and covered."""
    nat = ts[ts["level"] == "national"].sort_values("month")
    months = nat["month"].to_numpy()
    n_cities = int((ts[(ts["level"] == "city") & (ts["month"] == months[0])]).shape[0])
    adopts = adoptions[(adoptions["event"] == "adopt") & (adoptions["level"] == "city")]
    with rc(lang):
        fig, ax = plt.subplots(figsize=(9, 5), layout="constrained")
        x = decimal_year(months)
        stacks, labels, colours = [], [], []
        for channel in CHANNELS:
            per_month = adopts[adopts["channel"] == channel].groupby("month").size()
            cum = per_month.reindex(months, fill_value=0).cumsum().to_numpy() / max(n_cities, 1)
            if cum[-1] > 0:
                stacks.append(cum)
                labels.append(t(channel, lang))
                colours.append(CHANNEL_COLOURS[channel])
        if stacks:
            ax.stackplot(x, *stacks, labels=labels, colors=colours, step="post")
        ax.plot(x, nat["share_adopted"], color="black", lw=1.5, label=t("cities_adopted", lang))
        ax.plot(
            x,
            nat["share_population_covered"],
            color="black",
            lw=1,
            ls=":",
            label=t("population_covered", lang),
        )
        top = float(np.sum([s[-1] for s in stacks])) if stacks else 0.0
        ax.set_ylim(0, max(1.02, top * 1.02))
        ax.set_ylabel(t("cities_adopted", lang))
        ax.set_xlabel(t("month", lang))
        ax.set_title(t("adoption_title", lang))
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=9)
        ax.grid(alpha=0.3)
        caption(fig, caption_text)
    return fig
