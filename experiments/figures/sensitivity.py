"""Figures of a sensitivity analysis: Sobol' indices, the Morris μ*–σ plane, regression coefficients.

* Sobol' (Saltelli 2002; Jansen 1999): first-order and total indices as bars with their 95 %
  bootstrap intervals. An index lies in [0, 1], but with few samples its bootstrap interval can
  pass either bound; the drawn interval is clipped at the bound and the clipped end marked, and
  the caption says so.
* Morris (1991; Campolongo et al. 2007): the usual μ*–σ plot, one labelled point per parameter
  with μ*'s 95 % interval, and the rays σ/μ* = 0.1, 0.5 and 1 that separate nearly linear,
  monotonic and non-linear or interacting effects (Garcia Sanchez et al. 2014).
* Standardised regression coefficients (grid and Latin-hypercube designs) with 95 % intervals.

Parameters are labelled with a short name in the figure's language and their identifier.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from jiesu.experiments.figures.common import caption
from jiesu.experiments.figures.fonts import rc
from jiesu.experiments.figures.labels import metric_label, param_label, t

SOBOL = {"S1": "#4477AA", "ST": "#EE6677"}


def indices_figure(table: pd.DataFrame, outcome: str, lang: str = "en", caption_text: str | None = None):
    """The figure of one outcome's indices, by the method of the table's rows."""
    rows = table[table["outcome"] == outcome].reset_index(drop=True)
    method = rows["method"].iloc[0] if len(rows) else ""
    label = metric_label(outcome, lang)
    with rc(lang):
        note = ""
        if method == "morris":
            fig, note = _morris(rows, label, lang), t("morris_lines", lang)
        elif method == "sobol":
            fig, clipped = _sobol(rows, label, lang)
            note = t("clipped", lang) if clipped else ""
        else:
            fig = _src(rows, label, lang)
        caption(fig, " ".join(x for x in (note, caption_text) if x))
    return fig


def _names(rows: pd.DataFrame, lang: str) -> list[str]:
    return [param_label(p, lang) for p in rows["parameter"]]


def _sobol(rows: pd.DataFrame, label: str, lang: str):
    fig, ax = plt.subplots(figsize=(8, 0.6 * len(rows) + 2.2), layout="constrained")
    y = np.arange(len(rows))
    clipped = False
    for offset, key, name in ((-0.2, "S1", "first_order"), (0.2, "ST", "total_order")):
        value = rows[key].to_numpy(dtype=float)
        half = rows[f"{key}_conf"].to_numpy(dtype=float)
        low, high = value - half, value + half
        shown_low, shown_high = np.clip(low, 0, 1), np.clip(high, 0, 1)
        ax.barh(y + offset, np.clip(value, 0, 1), 0.38, color=SOBOL[key], label=t(name, lang))
        ax.hlines(y + offset, shown_low, shown_high, color="black", lw=1)
        for yy, lo, hi, slo, shi in zip(y + offset, low, high, shown_low, shown_high, strict=True):
            if lo < 0:
                ax.plot([slo], [yy], marker="<", color="black", ms=4)
            if hi > 1:
                ax.plot([shi], [yy], marker=">", color="black", ms=4)
        clipped |= bool((low < 0).any() or (high > 1).any())
    ax.set_yticks(y, _names(rows, lang))
    ax.invert_yaxis()
    ax.set_xlim(0, 1.02)
    ax.set_xlabel(t("sobol_axis", lang))
    ax.set_title(t("sobol_title", lang, outcome=label))
    ax.grid(alpha=0.3, axis="x")
    ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig, clipped


def _morris(rows: pd.DataFrame, label: str, lang: str):
    fig, ax = plt.subplots(figsize=(8, 6), layout="constrained")
    mu = rows["mu_star"].to_numpy(dtype=float)
    sigma = rows["sigma"].to_numpy(dtype=float)
    conf = rows["mu_star_conf"].to_numpy(dtype=float)
    top = (
        max(
            float(np.nanmax(mu + conf)) if len(mu) else 1.0,
            float(np.nanmax(sigma)) if len(mu) else 1.0,
            1e-12,
        )
        * 1.1
    )
    for ratio, style in ((0.1, ":"), (0.5, "--"), (1.0, "-")):
        ax.plot([0, top], [0, ratio * top], color="#999999", ls=style, lw=0.8)
        ax.annotate(
            f"σ/μ* = {ratio:g}",
            (top, min(ratio * top, top)),
            fontsize=7,
            color="#777777",
            ha="right",
            va="bottom",
        )
    ax.errorbar(
        mu,
        sigma,
        xerr=np.vstack([np.minimum(conf, mu), conf]),
        fmt="o",
        color="#228833",
        ecolor="#888888",
        ms=6,
        capsize=2,
    )
    for x, y, name in zip(mu, sigma, _names(rows, lang), strict=True):
        ax.annotate(name, (x, y), xytext=(5, 4), textcoords="offset points", fontsize=8)
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    ax.set_xlabel(t("mu_star", lang) + f" — {label}")
    ax.set_ylabel(t("sigma", lang))
    ax.set_title(t("morris_title", lang, outcome=label))
    ax.grid(alpha=0.3)
    return fig


def _src(rows: pd.DataFrame, label: str, lang: str):
    fig, ax = plt.subplots(figsize=(8, 0.5 * len(rows) + 2), layout="constrained")
    y = np.arange(len(rows))
    if len(rows) and "SRC" in rows:
        err = np.vstack([rows["SRC"] - rows["SRC_low"], rows["SRC_high"] - rows["SRC"]])
        ax.barh(y, rows["SRC"], 0.6, xerr=err, color="#AA3377")
    ax.set_yticks(y, _names(rows, lang))
    ax.invert_yaxis()
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel(t("src", lang))
    ax.set_title(t("src_title", lang, outcome=label))
    ax.grid(alpha=0.3, axis="x")
    return fig
