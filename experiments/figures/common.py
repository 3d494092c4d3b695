"""What every figure shares: month axes with dates, captions, legends outside the data, saving.

Figures are saved at 300 dpi as PNG, and as PDF and SVG with the fonts embedded (see
:mod:`jiesu.experiments.figures.fonts`). Importing the figures never selects a matplotlib
backend: a notebook keeps its own (e.g. ``%matplotlib inline``), matplotlib picks Agg by itself
on a machine without a display, and the command line selects Agg before it draws.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from jiesu.experiments.figures.palette import CHANNEL_COLOURS, RATE_COLOURS  # noqa: F401  (re-exported)
from matplotlib.ticker import FuncFormatter

#: Formats written by :func:`save`, and the resolution of the PNG.
FORMATS = ("png", "pdf", "svg")
DPI = 300
CAPTION_COLOUR = "#555555"


def decimal_year(months) -> np.ndarray:
    """``YYYY-MM`` strings to decimal years (2019-01 -> 2019.0)."""
    s = pd.Series(months, dtype=str)
    return (s.str[:4].astype(int) + (s.str[5:7].astype(int) - 1) / 12).to_numpy()


def month_text(x: float) -> str:
    """A decimal year back to ``YYYY-MM`` (2019.5 -> 2019-07)."""
    k = round(float(x) * 12)
    return f"{k // 12:04d}-{k % 12 + 1:02d}"


def date_formatter() -> FuncFormatter:
    """Tick formatter showing decimal years as ``YYYY-MM`` (for colour bars of adoption dates)."""
    return FuncFormatter(lambda x, _pos: month_text(x))


def caption(fig, text: str | None, width: int = 150) -> None:
    """Put a small grey caption (scenario, seed, version) under the figure.

    Its final place, just under the lowest axes or legend, is set by :func:`freeze` when the
    figure is saved.
    """
    if not text:
        return
    import textwrap

    wrapped = "\n".join(textwrap.wrap(text, width)) if text.isascii() else _wrap_cjk(text, width // 2 + 10)
    fig._jiesu_caption = fig.text(0.01, 0.0, wrapped, ha="left", va="top", fontsize=7, color=CAPTION_COLOUR)


def _wrap_cjk(text: str, width: int) -> str:
    lines, line = [], ""
    for part in text.split(" "):
        if line and len(line) + len(part) + 1 > width:
            lines.append(line)
            line = part
        else:
            line = f"{line} {part}" if line else part
    return "\n".join([*lines, line])


def legend_below(fig, handles, labels, ncol: int | None = None) -> None:
    """A figure legend under the axes, where it cannot cover data."""
    if not handles:
        return
    fig.legend(
        handles,
        labels,
        loc="outside lower center",
        ncol=ncol or min(len(labels), 4),
        frameon=False,
        fontsize=9,
    )


def freeze(fig):
    """Lay the figure out once and keep it; move the caption under everything; return the tight box.

    The box (in inches, padded) is what ``bbox_inches="tight"`` would compute; passing it to
    ``savefig`` saves a second drawing per format.
    """
    done = getattr(fig, "_jiesu_box", None)
    if done is not None:
        return done
    fig.canvas.draw()
    if fig.get_layout_engine() is not None:
        fig.set_layout_engine("none")
    renderer = fig.canvas.get_renderer()
    inverse = fig.transFigure.inverted()
    for legend in fig.legends:  # pin: a tight bounding box would otherwise move it onto the caption
        box = legend.get_window_extent(renderer).transformed(inverse)
        legend.set_loc("lower left")
        legend.set_bbox_to_anchor((box.x0, box.y0), transform=fig.transFigure)
        legend.borderaxespad = 0.0
    text = getattr(fig, "_jiesu_caption", None)
    if text is not None:
        lows = [
            a.get_tightbbox(renderer).transformed(inverse).y0
            for a in (*fig.axes, *fig.legends)
            if a.get_visible()
        ]
        text.set_y(min([0.0, *lows]) - 0.012)
    fig._jiesu_box = fig.get_tightbbox(renderer).padded(0.1)
    return fig._jiesu_box


def save(fig, folder: Path, name: str, formats: tuple[str, ...] = FORMATS) -> list[Path]:
    """Write ``name.png`` (300 dpi), ``name.pdf`` and ``name.svg`` into ``folder``; close the figure."""
    from jiesu.experiments.outputs.storage import write_atomic

    folder = Path(folder)
    box = freeze(fig)
    paths = []
    for fmt in formats:
        path = folder / f"{name}.{fmt}"
        write_atomic(path, lambda tmp, fmt=fmt: fig.savefig(tmp, format=fmt, dpi=DPI, bbox_inches=box))
        paths.append(path)
    plt.close(fig)
    return paths


def to_bytes(fig, fmt: str = "png", dpi: int = 200) -> bytes:
    """The figure as bytes in ``fmt`` (the figure stays open)."""
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=dpi, bbox_inches=freeze(fig))
    return buffer.getvalue()
