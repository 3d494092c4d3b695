"""Figures of event-history panels: survival of non-adoption, true hazards by channel, timing by distance.

Each function takes a panel (:func:`jiesu.experiments.analysis.panel.build_panel`) and a
``lang`` (``en``/``zh``), returns a matplotlib figure and never calls ``plt.show()``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from jiesu.agents.diffusion import SOURCES
from jiesu.experiments.figures.common import CHANNEL_COLOURS
from jiesu.experiments.figures.fonts import rc
from jiesu.experiments.figures.labels import t as shared_text

_TEXT: dict[str, tuple[str, str]] = {
    "survival_title": (
        "Cities not yet adopting (Kaplan–Meier), by {group}",
        "尚未采纳的城市比例（Kaplan–Meier），按{group}",
    ),
    "survival": ("share not yet adopted", "尚未采纳比例"),
    "years": ("years since the reform existed", "改革出现后的年数"),
    "province_mandate": ("provincial mandate", "省级要求"),
    "with_mandate": ("province relayed a mandate", "所在省转发要求"),
    "without_mandate": ("no provincial mandate", "无省级要求"),
    "rank": ("administrative rank", "行政级别"),
    "rank_value": ("rank {value}", "级别 {value}"),
    "hazard_title": (
        "True adoption hazard by source (mean over cities at risk)",
        "按来源的真实采纳风险（风险集城市均值）",
    ),
    "hazard": ("hazard per period", "每期风险"),
    "timing_title": ("Adoption timing and distance from the pioneer", "采纳时间与距首创城市的距离"),
    "distance": ("distance from the pioneer (km)", "距首创城市距离（公里）"),
    "adoption_years": ("first adoption (years since the reform existed)", "首次采纳时间（改革出现后的年数）"),
    "binned_median": ("median by distance band", "按距离分组的中位数"),
    "external": ("external", "外部影响"),
    "endorsement": ("endorsement", "中央推介"),
    "mandate": ("mandate", "上级要求"),
    "imitation": ("imitation", "模仿"),
    "learning": ("learning", "学习"),
}
_SOURCE_STYLE = {
    "external": (CHANNEL_COLOURS["top_down"], ":"),
    "endorsement": (CHANNEL_COLOURS["top_down"], "--"),
    "mandate": (CHANNEL_COLOURS["top_down"], "-"),
    "imitation": (CHANNEL_COLOURS["horizontal"], "-"),
    "learning": (CHANNEL_COLOURS["horizontal"], "--"),
    "internal": (CHANNEL_COLOURS["internal"], "-"),
}


def text(key: str, lang: str = "en", **fmt) -> str:
    """Figure text of this module, falling back to the shared labels."""
    if key not in _TEXT:
        return shared_text(key, lang, **fmt)
    en, zh = _TEXT[key]
    return (zh if lang == "zh" else en).format(**fmt)


def kaplan_meier(panel: pd.DataFrame, group: pd.Series | None = None) -> pd.DataFrame:
    """Discrete-time Kaplan–Meier survival of first adoption: ``S(t) = prod(1 - d_t / n_t)``.

    Args:
        panel: Rows at risk of the first adoption are used (``spell`` 1).
        group: Optional group label per row (aligned with ``panel``).

    Returns:
        Columns ``group``, ``years`` (at the end of the period), ``at_risk``, ``events``, ``survival``.
    """
    rows = panel[(panel["at_risk"] == 1) & (panel["spell"] == 1)]
    labels = (group.loc[rows.index] if group is not None else pd.Series("all", index=rows.index)).rename(
        "group"
    )
    step = (rows["months_in_period"].max() or 12) / 12
    table = rows.groupby([labels, rows["years_since_reform"]])["event"].agg(at_risk="size", events="sum")
    table = table.reset_index()
    table["survival"] = (1 - table["events"] / table["at_risk"]).groupby(table["group"]).cumprod()
    table["years"] = table["years_since_reform"] + step
    return table[["group", "years", "at_risk", "events", "survival"]]


def survival_figure(panel: pd.DataFrame, by: str = "province_mandate", lang: str = "en"):
    """Kaplan–Meier survival of non-adoption by group, one panel per scenario.

    Args:
        panel: An event-history panel.
        by: ``province_mandate`` (the city's province relayed or issued a mandate in the run,
            or not) or ``rank``.
        lang: ``en`` or ``zh``.
    """
    group = _groups(panel, by, lang)
    scenarios = list(dict.fromkeys(panel["scenario"]))
    with rc(lang):
        fig, axes = plt.subplots(1, len(scenarios), figsize=(4.5 * len(scenarios), 3.8), squeeze=False)
        for ax, scen in zip(axes[0], scenarios, strict=True):
            mine = panel[panel["scenario"] == scen]
            km = kaplan_meier(mine, group.loc[mine.index])
            for name, g in km.groupby("group"):
                x = np.concatenate([[0.0], g["years"].to_numpy()])
                y = np.concatenate([[1.0], g["survival"].to_numpy()])
                ax.step(x, y, where="post", label=f"{name} (n={int(g['at_risk'].iloc[0])})")
            ax.set_title(scen)
            ax.set_ylim(0, 1.02)
            ax.set_xlabel(text("years", lang))
            ax.grid(alpha=0.3)
            ax.legend(frameon=False, fontsize=8)
        axes[0][0].set_ylabel(text("survival", lang))
        fig.suptitle(text("survival_title", lang, group=text(by, lang)))
        fig.tight_layout()
    return fig


def _groups(panel: pd.DataFrame, by: str, lang: str) -> pd.Series:
    if by == "rank":
        return panel["rank"].map(lambda v: text("rank_value", lang, value=v))
    if by != "province_mandate":
        raise ValueError(f"by must be province_mandate or rank, got {by!r}")
    relayed = panel.groupby(["run_id", "province_id"])["mandate_province"].transform("max") > 0
    return relayed.map({True: text("with_mandate", lang), False: text("without_mandate", lang)})


def hazard_figure(panel: pd.DataFrame, lang: str = "en"):
    """Mean true hazard of the cities at risk, by source and period, one panel per scenario."""
    rows = panel[(panel["at_risk"] == 1) & panel["true_h_total"].notna()]
    scenarios = list(dict.fromkeys(rows["scenario"]))
    with rc(lang):
        fig, axes = plt.subplots(1, len(scenarios), figsize=(4.5 * len(scenarios), 3.8), squeeze=False)
        for ax, scen in zip(axes[0], scenarios, strict=True):
            mean = (
                rows[rows["scenario"] == scen]
                .groupby("years_since_reform")[[f"true_h_{s}" for s in SOURCES]]
                .mean()
            )
            for s in SOURCES:
                if mean[f"true_h_{s}"].max() > 0:
                    colour, style = _SOURCE_STYLE[s]
                    ax.plot(mean.index, mean[f"true_h_{s}"], color=colour, ls=style, label=text(s, lang))
            ax.set_title(scen)
            ax.set_xlabel(text("years", lang))
            ax.grid(alpha=0.3)
            ax.legend(frameon=False, fontsize=8)
        axes[0][0].set_ylabel(text("hazard", lang))
        fig.suptitle(text("hazard_title", lang))
        fig.tight_layout()
    return fig


def timing_figure(panel: pd.DataFrame, lang: str = "en"):
    """First-adoption time against distance from the pioneer, by channel, one panel per scenario."""
    first = panel[(panel["event"] == 1) & (panel["event_type"] == "first_adoption")]
    scenarios = list(dict.fromkeys(panel["scenario"]))
    with rc(lang):
        fig, axes = plt.subplots(1, len(scenarios), figsize=(4.5 * len(scenarios), 3.8), squeeze=False)
        for ax, scen in zip(axes[0], scenarios, strict=True):
            mine = first[first["scenario"] == scen]
            for channel, g in mine.groupby("channel"):
                ax.scatter(
                    g["distance_pioneer_km"],
                    g["years_since_reform"],
                    s=6,
                    alpha=0.4,
                    color=CHANNEL_COLOURS.get(channel, "#777777"),
                    label=text(channel, lang),
                )
            _binned_median(ax, mine, lang)
            ax.set_title(scen)
            ax.set_xlabel(text("distance", lang))
            ax.grid(alpha=0.3)
            ax.legend(frameon=False, fontsize=8, markerscale=2)
        axes[0][0].set_ylabel(text("adoption_years", lang))
        fig.suptitle(text("timing_title", lang))
        fig.tight_layout()
    return fig


def _binned_median(ax, rows: pd.DataFrame, lang: str) -> None:
    if len(rows) < 10:
        return
    bands = pd.qcut(rows["distance_pioneer_km"], 8, duplicates="drop")
    med = rows.groupby(bands, observed=True).agg(
        d=("distance_pioneer_km", "median"), y=("years_since_reform", "median")
    )
    ax.plot(med["d"], med["y"], color="black", lw=1.5, label=text("binned_median", lang))
