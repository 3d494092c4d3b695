"""Errors of the experiment layer that are not about one file or parameter."""

from __future__ import annotations


class UsageError(ValueError):
    """A command-line or call argument is invalid (for example a worker count below 1)."""
