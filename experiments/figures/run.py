"""Figures of one run: the three rates and requests, adoption by channel, the adoption map.

Each function takes result tables and a ``lang`` (``en``/``zh``), returns a matplotlib figure
and never calls ``plt.show()``; :func:`jiesu.experiments.figures.common.save` writes them.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from jiesu.agents.reform import CHANNELS
from jiesu.experiments.figures.common import CHANNEL_COLOURS, RATE_COLOURS, decimal_year
from jiesu.experiments.figures.fonts import rc
from jiesu.experiments.figures.labels import t
from jiesu.model.geography import NATIONAL_ID


def rates_figure(
    ts: pd.DataFrame, unit_id: str | None = None, lang: str = "en", marks: dict[str, str] | None = None
):
    """Three rates (top) and monthly requests (bottom) of one unit.

    The unit defaults to the national row, or the only city.

    Args:
        ts: Tidy timeseries of one run.
        unit_id: Row to plot.
        lang: ``en`` or ``zh``.
        marks: Optional ``{YYYY-MM: label}`` vertical markers (e.g. the reform's start).
    """
    if unit_id is None:
        unit_id = NATIONAL_ID if (ts["level"] == "national").any() else ts["unit_id"].iloc[0]
    df = ts[ts["unit_id"] == unit_id].sort_values("month")
    name = df["name_zh" if lang == "zh" else "name_en"].iloc[0] if len(df) else unit_id
    with rc(lang):
        fig, (top, bottom) = plt.subplots(
            2, 1, figsize=(8, 6), sharex=True, gridspec_kw={"height_ratios": [3, 2]}
        )
        x = decimal_year(df["month"])
        for col, colour in RATE_COLOURS.items():
            top.plot(x, df[col], color=colour, label=t(col, lang))
        top.set_ylim(0, 1.02)
        top.set_ylabel(t("share", lang))
        top.legend(loc="lower right", frameon=False)
        top.set_title(t("rates_title", lang, unit=name))
        bottom.plot(x, df["requests"] / 1e6, color="#555555")
        bottom.set_ylabel(t("requests", lang))
        bottom.set_xlabel(t("month", lang))
        bottom.set_ylim(bottom=0)
        for month, label in (marks or {}).items():
            for ax in (top, bottom):
                ax.axvline(decimal_year([month])[0], color="#999999", ls="--", lw=0.8)
            top.annotate(
                label, (decimal_year([month])[0], 0.03), rotation=90, fontsize=8, color="#666666", ha="right"
            )
        for ax in (top, bottom):
            ax.grid(alpha=0.3)
        fig.tight_layout()
    return fig


def adoption_figure(ts: pd.DataFrame, adoptions: pd.DataFrame, lang: str = "en"):
    """Cumulative adoptions stacked by channel, with the current shares adopted and covered."""
    nat = ts[ts["level"] == "national"].sort_values("month")
    months = nat["month"].to_numpy()
    n_cities = int((ts[(ts["level"] == "city") & (ts["month"] == months[0])]).shape[0])
    adopts = adoptions[(adoptions["event"] == "adopt") & (adoptions["level"] == "city")]
    with rc(lang):
        fig, ax = plt.subplots(figsize=(8, 5))
        x = decimal_year(months)
        stacks, labels, colours = [], [], []
        for channel in CHANNELS:
            per_month = adopts[adopts["channel"] == channel].groupby("month").size()
            cum = per_month.reindex(months, fill_value=0).cumsum().to_numpy() / n_cities
            if cum[-1] > 0:
                stacks.append(cum)
                labels.append(t(channel, lang))
                colours.append(CHANNEL_COLOURS[channel])
        if stacks:
            ax.stackplot(x, *stacks, labels=labels, colors=colours, alpha=0.75, step="post")
        ax.plot(x, nat["share_adopted"], color="black", lw=1.5, label=t("cities_adopted", lang))
        ax.plot(
            x,
            nat["share_population_covered"],
            color="black",
            lw=1,
            ls=":",
            label=t("population_covered", lang),
        )
        ax.set_ylim(0, max(1.02, float(np.sum([s[-1] for s in stacks])) * 1.02 if stacks else 1.02))
        ax.set_ylabel(t("cities_adopted", lang))
        ax.set_xlabel(t("month", lang))
        ax.set_title(t("adoption_title", lang))
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=9)
        ax.grid(alpha=0.3)
        fig.tight_layout()
    return fig


def map_figure(ts: pd.DataFrame, adoptions: pd.DataFrame, geography, lang: str = "en"):
    """Cities at their longitude/latitude, coloured by first adoption month (grey: never)."""
    adopts = adoptions[(adoptions["event"] == "adopt") & (adoptions["level"] == "city")]
    first = adopts.groupby("unit_id")["month"].min()
    ids = pd.Series(geography.unit_id)
    when = ids.map(first)
    adopted = when.notna().to_numpy()
    size = 6 + 60 * np.sqrt(geography.population / geography.population.max())
    with rc(lang):
        fig, ax = plt.subplots(figsize=(8, 6))
        ax.scatter(
            geography.lon[~adopted],
            geography.lat[~adopted],
            s=size[~adopted],
            c="#cccccc",
            edgecolors="none",
            label=t("never", lang),
        )
        if adopted.any():
            sc = ax.scatter(
                geography.lon[adopted],
                geography.lat[adopted],
                s=size[adopted],
                c=decimal_year(when[adopted]),
                cmap="viridis",
                edgecolors="none",
            )
            bar = fig.colorbar(sc, ax=ax, shrink=0.8)
            bar.set_label(t("adoption_month", lang))
        ax.set_xlabel(t("longitude", lang))
        ax.set_ylabel(t("latitude", lang))
        ax.set_title(t("map_title", lang))
        ax.set_aspect(1 / np.cos(np.radians(np.nanmean(geography.lat))))
        if (~adopted).any():
            ax.legend(loc="lower left", frameon=False)
        fig.tight_layout()
    return fig
