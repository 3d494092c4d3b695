"""Figures of a sensitivity analysis: indices with their 95 % intervals."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from jiesu.experiments.analysis.metrics import METRICS
from jiesu.experiments.figures.fonts import rc
from jiesu.experiments.figures.labels import t


def indices_figure(table: pd.DataFrame, outcome: str, lang: str = "en"):
    """Bar chart of one outcome's indices with their 95 % intervals."""
    rows = table[table["outcome"] == outcome]
    label = next((m.zh if lang == "zh" else m.name for m in METRICS if m.name == outcome), outcome)
    with rc(lang):
        fig, ax = plt.subplots(figsize=(7, 0.5 * len(rows) + 1.8))
        y = np.arange(len(rows))
        method = rows["method"].iloc[0] if len(rows) else ""
        if method == "sobol":
            ax.barh(
                y - 0.2, rows["S1"], 0.4, xerr=rows["S1_conf"], label=t("first_order", lang), color="#1f77b4"
            )
            ax.barh(
                y + 0.2, rows["ST"], 0.4, xerr=rows["ST_conf"], label=t("total_order", lang), color="#ff7f0e"
            )
            ax.set_title(t("sobol_title", lang, outcome=label))
            ax.legend(frameon=False)
        elif method == "morris":
            ax.barh(
                y, rows["mu_star"], 0.6, xerr=rows["mu_star_conf"], color="#2ca02c", label=t("mu_star", lang)
            )
            ax.set_title(t("morris_title", lang, outcome=label))
        elif method == "src":
            err = np.vstack([rows["SRC"] - rows["SRC_low"], rows["SRC_high"] - rows["SRC"]])
            ax.barh(y, rows["SRC"], 0.6, xerr=err, color="#9467bd")
            ax.set_title(f"SRC: {label}")
        ax.set_yticks(y, rows["parameter"])
        ax.axvline(0, color="black", lw=0.8)
        ax.set_ylabel(t("parameter", lang))
        ax.grid(alpha=0.3, axis="x")
        fig.tight_layout()
    return fig
