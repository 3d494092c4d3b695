"""The CJK font for Chinese figures: Noto Sans SC shipped by the ``zhplot`` package (OFL).

The font file is registered with matplotlib from the installed package at run time; no
system font is used, and PDF/SVG output embeds it (Type 42 fonts in PDF, glyph paths in SVG).
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

import matplotlib as mpl
from matplotlib import font_manager

FONT_FILE = "NotoSansSC-Regular.ttf"
FAMILY = "Noto Sans SC"


class FontError(RuntimeError):
    """The packaged CJK font cannot be found."""


@cache
def font_path() -> Path:
    """Path of Noto Sans SC inside the installed ``zhplot`` package.

    The package is located without importing it, since importing zhplot changes matplotlib's
    global settings.
    """
    spec = importlib.util.find_spec("zhplot")
    if spec is None or not spec.submodule_search_locations:
        raise FontError("the zhplot package (which ships Noto Sans SC) is not installed: run `uv sync`")
    path = Path(next(iter(spec.submodule_search_locations))) / "fonts" / FONT_FILE
    if not path.is_file():
        raise FontError(f"{path} not found: reinstall zhplot")
    return path


@cache
def register_cjk_font() -> str:
    """Register the packaged font with matplotlib once; return its family name."""
    font_manager.fontManager.addfont(str(font_path()))
    return FAMILY


def style(lang: str) -> dict:
    """RcParams for figures in ``lang`` (``en`` or ``zh``); use with ``mpl.rc_context``."""
    params = {"pdf.fonttype": 42, "svg.fonttype": "path", "axes.unicode_minus": False}
    if lang == "zh":
        params["font.family"] = [register_cjk_font(), "DejaVu Sans"]
    return params


def rc(lang: str):
    """Context manager applying :func:`style`."""
    return mpl.rc_context(style(lang))
