"""Figures of a scenario comparison: national series, outcomes of every replicate, adoptions by channel.

A band (10–90 % of replicates) is drawn only where it is honest: with at least
:data:`BAND_MIN` replicates and no split between them. Otherwise every replicate is drawn as a
thin line, so a scenario whose replicates end at 0 and at 1 shows two groups, not a wide band.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from jiesu.agents.reform import CHANNELS
from jiesu.experiments.figures.common import caption, decimal_year, legend_below
from jiesu.experiments.figures.fonts import rc
from jiesu.experiments.figures.labels import (
    metric_label,
    provenance_caption,  # noqa: F401 (its old home; still importable here)
    scenario_name,
    t,
)
from jiesu.experiments.figures.palette import CHANNEL_COLOURS, scenario_styles

PANELS = ("share_adopted", "satisfaction_rate", "requests_per_10k", "trust_mean")
#: Fewer replicates than this are drawn one by one.
BAND_MIN = 10
#: National events marked on time axes.
MARKED_EVENTS = ("mandate", "endorsement", "recognition")
OUTCOME_METRICS = (
    "share_adopted_end",
    "months_to_50pct",
    "satisfaction_rate_last12",
    "requests_per_10k_last12",
)


def is_split(values: np.ndarray, gap: float = 0.4) -> bool:
    """Whether replicate values fall into groups separated by an empty gap.

    True when the widest gap between consecutive sorted values is more than ``gap`` of their
    range and the range itself is not negligible.

    Example:
        >>> is_split(np.array([0.0, 0.01, 0.98, 1.0])), is_split(np.array([0.4, 0.5, 0.6]))
        (True, False)
    """
    x = np.sort(values[np.isfinite(values)])
    if x.size < 3:
        return False
    span = x[-1] - x[0]
    scale = max(abs(x[-1]), abs(x[0]), 1e-12)
    return bool(span > 0.05 * scale and np.diff(x).max() > gap * span)


def bands_figure(
    ts: pd.DataFrame,
    scenarios,
    events: pd.DataFrame | None,
    lang: str = "en",
    replicates: int = 0,
    caption_text: str | None = None,
):
    """National series of each scenario: median with a 10–90 % band, or single replicates.

    Args:
        ts: Tidy timeseries of the comparison (national rows are used).
        scenarios: The scenarios (objects or manifest dicts with ``name``, ``name_zh``, ``colour``).
        events: The adoption table; national mandates, endorsements and recognitions are marked.
        lang: ``en`` or ``zh``.
        replicates: Replicates per scenario (for the title).
        caption_text: Provenance line under the figure.
    """
    nat = ts[ts["level"] == "national"] if (ts["level"] == "national").any() else ts
    styles = scenario_styles(scenarios)
    with rc(lang):
        fig, axes = plt.subplots(2, 2, figsize=(11, 8), sharex=True, layout="constrained")
        single = False
        for s in scenarios:
            name = _name(s)
            rows = nat[nat["scenario"] == name]
            if rows.empty:
                continue
            for ax, col in zip(axes.flat, PANELS, strict=True):
                single |= _draw_series(ax, rows, col, styles[name], scenario_name(s, lang))
        for ax, col in zip(axes.flat, PANELS, strict=True):
            ax.set_title(t(col, lang), fontsize=11)
            ax.grid(alpha=0.3)
        axes[0, 0].set_ylim(-0.02, 1.02)
        for ax in axes[1]:
            ax.set_xlabel(t("month", lang))
        key = mark_events(axes.flat, events, scenarios, lang)
        handles, labels = axes[0, 0].get_legend_handles_labels()
        legend_below(fig, handles, labels, ncol=min(len(labels), 4))
        title = t("compare_title", lang, n=replicates)
        fig.suptitle(title + " — " + (t("replicates_note", lang) if single else t("median_band", lang)))
        caption(fig, " ".join(x for x in (key, caption_text) if x))
    return fig


def _name(s) -> str:
    return s["name"] if isinstance(s, dict) else s.name


def _draw_series(ax, rows: pd.DataFrame, col: str, style: tuple[str, str], label: str) -> bool:
    """Draw one scenario's series; return True if replicates were drawn one by one."""
    colour, dash = style
    wide = rows.pivot_table(index="month", columns="replicate", values=col)
    x = decimal_year(wide.index)
    values = wide.to_numpy(dtype=float)
    median = np.nanmedian(values, axis=1)
    split = wide.shape[1] < BAND_MIN or any(is_split(row) for row in values)
    if split:
        for k in range(values.shape[1]):
            ax.plot(x, values[:, k], color=colour, lw=0.7, alpha=0.55, ls=dash)
    else:
        q10, q90 = np.nanquantile(values, [0.1, 0.9], axis=1)
        ax.fill_between(x, q10, q90, color=colour, alpha=0.2, lw=0)
    ax.plot(x, median, color=colour, lw=2, ls=dash, label=label)
    return split


def event_marks(events: pd.DataFrame | None, scenarios) -> list[dict]:
    """National events to mark, with their month(s) and the scenarios that have them.

    The same event in the same month(s) under several scenarios is one mark.
    """
    if events is None or events.empty:
        return []
    national = events[(events["level"] == "national") & events["event"].isin(MARKED_EVENTS)]
    names = [_name(s) for s in scenarios]
    marks = []
    for (kind, scenario), rows in national.groupby(["event", "scenario"], sort=False):
        if scenario not in names:
            continue
        months = (
            sorted(rows.groupby("replicate")["month"].min()) if "replicate" in rows else [rows["month"].min()]
        )
        same = next(
            (m for m in marks if (m["event"], m["first"], m["last"]) == (kind, months[0], months[-1])), None
        )
        if same is not None:
            same["scenarios"].append(scenario)
            continue
        marks.append({"event": kind, "scenarios": [scenario], "first": months[0], "last": months[-1]})
    marks.sort(key=lambda m: (m["first"], names.index(m["scenarios"][0])))
    return marks


def mark_events(axes, events: pd.DataFrame | None, scenarios, lang: str) -> str:
    """Dotted lines (or spans, when the month varies) at national events; return their key."""
    marks = event_marks(events, scenarios)
    styles = scenario_styles(scenarios)
    labels = {_name(s): scenario_name(s, lang) for s in scenarios}
    axes = list(axes)
    key = []
    for k, m in enumerate(marks, start=1):
        colour = styles[m["scenarios"][0]][0] if len(m["scenarios"]) == 1 else "#555555"
        x0, x1 = decimal_year([m["first"], m["last"]])
        for ax in axes:
            if x1 > x0:
                ax.axvspan(x0, x1, color=colour, alpha=0.08, lw=0)
            ax.axvline(x0, color=colour, ls=":", lw=1.1)
        axes[0].annotate(
            str(k),
            (x0, 0.97),
            xycoords=("data", "axes fraction"),
            xytext=(3, 0),
            textcoords="offset points",
            ha="left",
            va="top",
            fontsize=8,
            color=colour,
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85},
        )
        when = m["first"] if x1 == x0 else t("varies", lang, first=m["first"], last=m["last"])
        who = ("、" if lang == "zh" else ", ").join(labels[s] for s in m["scenarios"])
        key.append(f"{k} {t(m['event'], lang)} {when} ({who})")
    if not key:
        return ""
    sep = "；" if lang == "zh" else "; "
    return t("events_key", lang) + " " + sep.join(key) + ("。" if lang == "zh" else ".")


def outcomes_figure(runs: pd.DataFrame, scenarios, lang: str = "en", caption_text: str | None = None):
    """One dot per replicate for the headline metrics, with the mean and its 95 % bootstrap interval."""
    from jiesu.experiments.analysis.stats import bootstrap_mean

    ok = runs[runs["status"] == "ok"]
    metrics = [m for m in OUTCOME_METRICS if m in ok]
    styles = scenario_styles(scenarios)
    rng = np.random.default_rng(0)  # jitter only
    with rc(lang):
        cols = 2 if len(metrics) > 2 else len(metrics)
        rows = -(-len(metrics) // cols)
        height = 1.2 + rows * (0.45 * len(scenarios) + 1.0)
        fig, grid = plt.subplots(rows, cols, figsize=(10, height), layout="constrained", squeeze=False)
        axes = grid.flat[: len(metrics)]
        for ax in grid.flat[len(metrics) :]:
            ax.set_visible(False)
        for ax, metric in zip(axes, metrics, strict=True):
            for k, s in enumerate(scenarios):
                values = ok.loc[ok["scenario"] == _name(s), metric].to_numpy(dtype=float)
                colour = styles[_name(s)][0]
                y = k + rng.uniform(-0.18, 0.18, size=values.size)
                ax.scatter(values, y, s=28, color=colour, alpha=0.75, lw=0)
                mean, lo, hi, n = bootstrap_mean(values)
                if n:
                    ax.plot([mean, mean], [k - 0.32, k + 0.32], color="black", lw=1.6)
                if n > 1:
                    ax.plot([lo, hi], [k, k], color="black", lw=0.9)
            ax.set_yticks(range(len(scenarios)), [scenario_name(s, lang) for s in scenarios])
            ax.set_ylim(len(scenarios) - 0.5, -0.5)
            ax.set_title(metric_label(metric, lang), fontsize=9.5, wrap=True)
            ax.grid(alpha=0.3, axis="x")
            if metric.startswith(("share_", "population_")) or metric.endswith("_rate_last12"):
                ax.set_xlim(-0.03, 1.03)
        for ax in grid[:, 1:].flat:
            ax.tick_params(labelleft=False)
        fig.suptitle(t("outcomes_title", lang))
        caption(fig, " ".join(x for x in (t("replicate_dots", lang), caption_text) if x))
    return fig


def channels_figure(runs: pd.DataFrame, scenarios, lang: str = "en", caption_text: str | None = None):
    """Mean number of adoptions per scenario, stacked by channel; the legend sits beside the bars."""
    ok = runs[runs["status"] == "ok"]
    names = [_name(s) for s in scenarios]
    columns = [f"adoptions_{c}" for c in CHANNELS if f"adoptions_{c}" in ok]
    means = ok.groupby("scenario")[columns].mean().reindex(names).fillna(0)
    with rc(lang):
        fig, ax = plt.subplots(figsize=(9, 4.8), layout="constrained")
        bottom = np.zeros(len(names))
        for column in columns:
            channel = column[len("adoptions_") :]
            values = means[column].to_numpy()
            ax.bar(
                range(len(names)),
                values,
                bottom=bottom,
                color=CHANNEL_COLOURS[channel],
                label=t(channel, lang),
            )
            bottom += values
        ax.set_xticks(range(len(names)), [scenario_name(s, lang) for s in scenarios], rotation=20, ha="right")
        ax.set_ylabel(t("adoptions_per_run", lang))
        ax.set_title(t("channels_title", lang))
        ax.legend(frameon=False, fontsize=9, loc="upper left", bbox_to_anchor=(1.01, 1.0))
        ax.grid(alpha=0.3, axis="y")
        caption(fig, caption_text)
    return fig
