"""Parameter sweeps (``jiesu sweep``) and their analysis (``jiesu analyze``)."""

from __future__ import annotations


def add_parsers(sub) -> None:
    """Register ``jiesu sweep`` and ``jiesu analyze`` (implemented in a later step)."""
    return None


def dispatch(args, argv) -> int:
    """Run the sweep or analyze subcommand."""
    raise NotImplementedError(args.command)
