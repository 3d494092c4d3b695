"""Errors of the experiment layer that are not about one file or parameter, and the seed check."""

from __future__ import annotations

#: Largest root seed: seeds are stored in 64-bit integer columns of the result tables.
MAX_SEED = 2**63 - 1


class UsageError(ValueError):
    """A command-line or call argument is invalid (for example a worker count below 1)."""


def check_seed(seed, name: str = "seed") -> int:
    """Return ``seed`` if it is a whole number from 0 to :data:`MAX_SEED`.

    Args:
        seed: The root seed (or replicate number) given by the user.
        name: What to call it in the message (``--seed`` on the command line).

    Raises:
        UsageError: For a negative, too large or non-integer seed.

    Example:
        >>> check_seed(3)
        3
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise UsageError(f"{name} must be a whole number from 0 to 2**63 - 1 ({MAX_SEED}), got {seed!r}")
    return seed
