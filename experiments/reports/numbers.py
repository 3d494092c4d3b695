"""How numbers are written in reports: shares as percentages, months as dates, counts rounded.

The same functions format the findings' sentences and the tables, so a number in a sentence is
written exactly as in the table it came from.
"""

from __future__ import annotations

import math

_SHARES = ("share", "share of replicates")
#: A no-break space keeps "95 %" on one line.
NBSP = "\u00a0"


def is_share(unit: str) -> bool:
    """Whether values in ``unit`` are shares (written as percentages)."""
    return unit in _SHARES


def fmt(value: float, unit: str, lang: str = "en", sign: bool = False) -> str:
    r"""Write ``value`` for a reader.

    Shares become percentages (no decimal from 10 %, one below), other values keep three
    significant figures with thousands separators; NaN is a dash.

    Example:
        >>> fmt(0.951, "share"), fmt(0.951, "share", "zh"), fmt(40.0, "months"), fmt(350.67, "contacts")
        ('95\xa0%', '95%', '40', '351')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    plus = "+" if sign and value > 0 else ""
    if is_share(unit):
        pct = value * 100
        digits = 0 if abs(pct) >= 10 or pct == 0 else 1
        return f"{plus}{pct:.{digits}f}{'%' if lang == 'zh' else NBSP + '%'}"
    if unit == "requests":  # a year's requests: millions, or 万 in Chinese
        return plus + (f"{value / 1e4:,.0f}万件" if lang == "zh" else f"{value / 1e6:.2f} million")
    if unit == "months":
        return plus + (f"{value:.0f}" if abs(value - round(value)) < 0.05 else f"{value:.1f}")
    return plus + number(value)


def number(value: float) -> str:
    """Three significant figures, thousands separated (1,234,000; 351; 0.0123)."""
    if value == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(value)))
    digits = max(0, 2 - magnitude)
    rounded = round(value, digits)
    if digits == 0:
        return f"{rounded:,.0f}"
    return f"{rounded:,.{digits}f}"


def points(value: float, lang: str = "en") -> str:
    """A difference of shares in percentage points, signed (``+12.3 pp`` / ``+12.3个百分点``)."""
    if math.isnan(value):
        return "—"
    text = f"{value * 100:+.1f}"
    return f"{text}个百分点" if lang == "zh" else f"{text} pp"


def interval(low: float, high: float, unit: str, lang: str = "en") -> str:
    """``[low–high]`` in the unit's format, or an empty string when there is no interval."""
    if math.isnan(low) or math.isnan(high):
        return ""
    return f"[{fmt(low, unit, lang)}–{fmt(high, unit, lang)}]"


def add_months(start: str, months: float) -> str:
    """The month ``months`` after ``start`` (``YYYY-MM``), rounded to a whole month."""
    k = int(start[:4]) * 12 + int(start[5:7]) - 1 + round(months)
    return f"{k // 12:04d}-{k % 12 + 1:02d}"
