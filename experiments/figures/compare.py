"""Figures of a scenario comparison: medians with 10–90 % bands, and adoptions by channel."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from jiesu.agents.reform import CHANNELS
from jiesu.experiments.figures.common import CHANNEL_COLOURS, decimal_year, save
from jiesu.experiments.figures.fonts import rc
from jiesu.experiments.figures.labels import t

PANELS = ("share_adopted", "satisfaction_rate", "requests_per_10k", "trust_mean")


def bands_figure(
    ts: pd.DataFrame, scenarios, events: pd.DataFrame | None, lang: str = "en", replicates: int = 0
):
    """National series of each scenario: median over replicates and the 10–90 % band."""
    nat = ts[ts["level"] == "national"] if (ts["level"] == "national").any() else ts
    colours = plt.get_cmap("tab10")
    with rc(lang):
        fig, axes = plt.subplots(2, 2, figsize=(11, 7.5), sharex=True)
        for k, scenario in enumerate(scenarios):
            rows = nat[nat["scenario"] == scenario.name]
            if rows.empty:
                continue
            for ax, col in zip(axes.flat, PANELS, strict=True):
                wide = rows.pivot_table(index="month", columns="replicate", values=col)
                x = decimal_year(wide.index)
                q10, q50, q90 = (wide.quantile(q, axis=1).to_numpy() for q in (0.1, 0.5, 0.9))
                ax.fill_between(x, q10, q90, color=colours(k), alpha=0.18, lw=0)
                ax.plot(x, q50, color=colours(k), lw=1.6, label=scenario.label(lang))
        for ax, col in zip(axes.flat, PANELS, strict=True):
            ax.set_title(t(col, lang), fontsize=11)
            ax.grid(alpha=0.3)
            _mark_events(ax, events, lang)
        axes[0, 0].set_ylim(-0.02, 1.02)
        axes[1, 0].set_xlabel(t("month", lang))
        axes[1, 1].set_xlabel(t("month", lang))
        handles, labels = axes[0, 0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 6), frameon=False)
        fig.suptitle(t("compare_title", lang, n=replicates) + " — " + t("median_band", lang))
        fig.tight_layout(rect=(0, 0.06, 1, 0.97))
    return fig


def _mark_events(ax, events: pd.DataFrame | None, lang: str) -> None:
    if events is None or events.empty:
        return
    national = events[(events["level"] == "national") & events["event"].isin(["mandate", "endorsement"])]
    for month in sorted(national.groupby("month").size().index):
        ax.axvline(decimal_year([month])[0], color="#888888", ls=":", lw=0.9)


def channels_figure(runs: pd.DataFrame, scenarios, lang: str = "en"):
    """Mean number of adoptions per scenario, stacked by channel."""
    ok = runs[runs["status"] == "ok"]
    names = [s.name for s in scenarios]
    means = ok.groupby("scenario")[[f"adoptions_{c}" for c in CHANNELS]].mean().reindex(names).fillna(0)
    with rc(lang):
        fig, ax = plt.subplots(figsize=(9, 4.8))
        bottom = np.zeros(len(names))
        for c in CHANNELS:
            values = means[f"adoptions_{c}"].to_numpy()
            ax.bar(range(len(names)), values, bottom=bottom, color=CHANNEL_COLOURS[c], label=t(c, lang))
            bottom += values
        ax.set_xticks(range(len(names)), [s.label(lang) for s in scenarios], rotation=20, ha="right")
        ax.set_ylabel(t("adoptions_per_run", lang))
        ax.set_title(t("channels_title", lang))
        ax.legend(frameon=False, fontsize=9)
        ax.grid(alpha=0.3, axis="y")
        fig.tight_layout()
    return fig


def draw_all(res: dict, scenarios, folder: Path, lang: str, replicates: int) -> list[str]:
    """Draw every comparison figure into ``folder``; return the file names."""
    paths = save(
        bands_figure(res["timeseries"], scenarios, res["adoptions"], lang, replicates), folder, "compare"
    )
    paths += save(channels_figure(res["runs"], scenarios, lang), folder, "channels")
    return [p.name for p in paths]
