"""Calendar months: the model's unit of time.

Months are written ``YYYY-MM`` everywhere a person reads or types them and are
counted internally as integers (``year * 12 + month - 1``) so that arithmetic
such as "three months after the mandate" is exact.
"""

from __future__ import annotations

import re

_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


class MonthError(ValueError):
    """A month string is not of the form ``YYYY-MM``."""


def parse_month(text: str) -> int:
    """Return the month index of a ``YYYY-MM`` string.

    Args:
        text: A month such as ``"2019-01"``.

    Returns:
        The integer ``year * 12 + month - 1``.

    Raises:
        MonthError: If the text is not ``YYYY-MM`` with a month from 01 to 12.

    Example:
        >>> format_month(parse_month("2019-01") + 11)
        '2019-12'
    """
    match = _MONTH_RE.match(str(text).strip())
    if match is None:
        raise MonthError(f"{text!r} is not a month: write it as YYYY-MM, e.g. 2019-01")
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        raise MonthError(f"{text!r} has month {month:02d}: months run from 01 to 12")
    return year * 12 + month - 1


def format_month(index: int) -> str:
    """Return the ``YYYY-MM`` string of a month index (inverse of :func:`parse_month`)."""
    year, month0 = divmod(int(index), 12)
    return f"{year:04d}-{month0 + 1:02d}"


def month_range(start: str, end: str) -> list[str]:
    """Return every month from ``start`` to ``end`` inclusive, as ``YYYY-MM`` strings."""
    first, last = parse_month(start), parse_month(end)
    return [format_month(i) for i in range(first, last + 1)]
