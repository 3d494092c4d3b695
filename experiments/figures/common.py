"""What every figure shares: the channel and rate colours, month axes, and saving to files.

Importing the figures never selects a matplotlib backend: a notebook keeps its own (e.g.
``%matplotlib inline``), matplotlib picks Agg by itself on a machine without a display, and the
command line selects Agg before it draws.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

CHANNEL_COLOURS = {
    "pioneer": "#444444",
    "top_down": "#d62728",
    "bottom_up": "#9467bd",
    "horizontal": "#1f77b4",
    "internal": "#2ca02c",
}
RATE_COLOURS = {"response_rate": "#1f77b4", "resolution_rate": "#2ca02c", "satisfaction_rate": "#d62728"}


def decimal_year(months) -> np.ndarray:
    """``YYYY-MM`` strings to decimal years (2019-01 -> 2019.0)."""
    s = pd.Series(months, dtype=str)
    return (s.str[:4].astype(int) + (s.str[5:7].astype(int) - 1) / 12).to_numpy()


def save(fig, folder: Path, name: str) -> list[Path]:
    """Write ``name.png`` (150 dpi) and ``name.svg`` into ``folder``; close the figure."""
    folder = Path(folder)
    paths = [folder / f"{name}.png", folder / f"{name}.svg"]
    fig.savefig(paths[0], dpi=150, bbox_inches="tight")
    fig.savefig(paths[1], bbox_inches="tight")
    plt.close(fig)
    return paths
