"""Scenario comparison with common random numbers (``jiesu compare``)."""

from __future__ import annotations


def add_parser(sub) -> None:
    """Register ``jiesu compare`` (implemented in a later step)."""
    return None
