"""Figures of a calibration: posterior marginals, and the posterior predictive against the data."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from jiesu.experiments.figures.common import decimal_year
from jiesu.experiments.figures.fonts import rc
from jiesu.experiments.figures.labels import t
from jiesu.model.geography import load_table
from matplotlib.ticker import MaxNLocator, NullFormatter

_RATES = ("resolution_rate", "satisfaction_rate")


def marginals_figure(last: pd.DataFrame, spec, lang: str = "en"):
    """Weighted histogram of each calibrated parameter in the last generation, over its prior range."""
    names = list(spec.priors)
    cols = 4
    rows = int(np.ceil(len(names) / cols))
    with rc(lang):
        fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.4 * rows), squeeze=False)
        for ax, name in zip(axes.flat, names, strict=False):
            law, low, high = spec.priors[name]
            values = last[name].to_numpy()
            bins = np.geomspace(low, high, 21) if law == "loguniform" else np.linspace(low, high, 21)
            ax.hist(values, bins=bins, weights=last["weight"], color="#4c72b0", alpha=0.85)
            ax.set_xlim(low, high)
            if law == "loguniform":
                ax.set_xscale("log")
                ax.xaxis.set_minor_formatter(NullFormatter())
            ax.tick_params(labelsize=8)
            ax.set_title(name, fontsize=9)
            ax.set_yticks([])
        for ax in list(axes.flat)[len(names) :]:
            ax.axis("off")
        fig.suptitle(t("posterior_title", lang, name=spec.name, n=len(last)))
        fig.tight_layout()
    return fig


def predictive_figure(predictive: pd.DataFrame, spec, lang: str = "en"):
    """Posterior predictive median and 90 % band: yearly contacts and the rates, with the data.

    Figures up to 2021 (filled markers) were used to fit; later Beijing figures, if the project
    holds any (``model/data/beijing_holdout.csv``), are drawn as open markers: they test the forecast.
    """
    yearly = predictive.assign(year=predictive["month"].str[:4]).groupby(["draw", "year"])["requests"].sum()
    yearly = yearly.unstack("draw") / 1e6
    months = predictive.assign(year=predictive["month"].str[:4]).groupby("year")["month"].nunique()
    full = yearly.loc[months[months == 12].index]
    observed = {r.name: r for r in spec.targets}
    with rc(lang):
        fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
        x = full.index.astype(int)
        left.fill_between(
            x, full.quantile(0.05, axis=1), full.quantile(0.95, axis=1), color="#4c72b0", alpha=0.25, lw=0
        )
        left.plot(x, full.median(axis=1), color="#4c72b0", label=t("posterior_median_band", lang))
        for year in ("2018", "2019", "2020"):
            key = f"log_requests_{year}"
            if key in observed:
                left.plot(int(year), np.exp(observed[key].observed) / 1e6, "o", color="black")
        _holdout(left, "requests_per_year", lambda v: v / 1e6)
        left.set_ylabel(t("requests_per_year_m", lang))
        left.xaxis.set_major_locator(MaxNLocator(integer=True))
        left.set_ylim(bottom=0)
        left.grid(alpha=0.3)
        wide = predictive.pivot_table(index="month", columns="draw", values=list(_RATES))
        for rate, colour in zip(_RATES, ("#2ca02c", "#d62728"), strict=True):
            band = wide[rate]
            xm = decimal_year(band.index)
            right.fill_between(
                xm, band.quantile(0.05, axis=1), band.quantile(0.95, axis=1), color=colour, alpha=0.2, lw=0
            )
            right.plot(xm, band.median(axis=1), color=colour, label=t(rate, lang))
            for target in spec.targets:
                if target.name.startswith(rate.split("_")[0]):
                    right.plot(
                        decimal_year([target.until])[0], target.observed, "o", color=colour, mec="black"
                    )
            _holdout(right, rate, lambda v: v, colour)
        right.set_ylim(0.4, 1.0)
        right.grid(alpha=0.3)
        right.legend(loc="lower right", frameon=False)
        left.legend(loc="lower right", frameon=False)
        fig.suptitle(t("predictive_title", lang, n=predictive["draw"].nunique()))
        fig.tight_layout()
    return fig


def _holdout(ax, metric: str, scale, colour: str = "black") -> None:
    """Later Beijing figures (never fitted) as open markers, if the project holds them."""
    try:
        rows = load_table("beijing_holdout.csv")
    except FileNotFoundError:
        return
    for r in rows:
        if r["metric"] == metric and r["period"][:4].isdigit():
            x = float(r["period"][:4]) + (0 if metric == "requests_per_year" else 0.95)
            ax.plot(x, scale(float(r["value"])), "o", mfc="none", color=colour)
