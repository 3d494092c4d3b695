"""Declared bounds of every command, and the checks of single values that every command shares.

Each bound is declared once in :data:`LIMITS` with what it bounds, why, and what to do instead;
the README's table of limits is checked against it (``tests/test_hardening.py``). The checks here
take plain values (numbers, names, addresses) and import nothing heavy, so the command line's
parser uses them as argument types.

Example:
    >>> check_limit("replicates", 10)
    10
    >>> check_name("top_down", "scenario name")
    'top_down'
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from jiesu.experiments.errors import UsageError


def cpu_count() -> int:
    """CPUs this process may use (its affinity mask where the system has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class Limit:
    """One declared bound.

    Attributes:
        key: Name in :data:`LIMITS`.
        what: What is bounded, as a person reads it in a message.
        low: Smallest allowed value.
        high: Largest allowed value, or None when it depends on the machine (see ``rule``).
        rule: The bound in words (for the README's table).
        fix: What to do instead, said in the message.
    """

    key: str
    what: str
    low: int
    high: int | None
    rule: str
    fix: str

    def maximum(self) -> int:
        """The upper bound in force on this machine."""
        return self.high if self.high is not None else 4 * cpu_count()


LIMITS: dict[str, Limit] = {
    limit.key: limit
    for limit in (
        Limit(
            "workers",
            "local worker processes (--workers)",
            1,
            None,
            "4 × the CPUs this process may use",
            "more processes than that only wait for a CPU; use a Dask cluster (--scheduler) to go wider",
        ),
        Limit(
            "replicates",
            "replicates per scenario (--replicates; predictive_draws of a calibration)",
            1,
            10_000,
            "10,000",
            "summaries settle long before; split the work into several comparisons with other seeds",
        ),
        Limit(
            "period",
            "simulated months from start to end",
            1,
            1_200,
            "1,200 months (100 years)",
            "choose an end month at most 100 years after the start",
        ),
        Limit(
            "design",
            "runs of one sweep or comparison (design points × replicates; max_simulations of a calibration)",
            1,
            1_000_000,
            "1,000,000 runs",
            "use fewer samples, levels or replicates, or split the sweep into several files",
        ),
        Limit(
            "batch",
            "runs per stored part of a sweep (--batch)",
            1,
            10_000,
            "10,000",
            "a batch is what an interruption can lose; 10 (the default) to a few hundred is usual",
        ),
        Limit(
            "population",
            "particles per generation of a calibration (population)",
            1,
            100_000,
            "100,000",
            "ABC-SMC needs hundreds to a few thousand particles",
        ),
        Limit(
            "generations",
            "generations of a calibration (generations)",
            1,
            1_000,
            "1,000",
            "stop on min_acceptance or max_simulations instead",
        ),
        Limit(
            "morris_levels",
            "levels of a Morris design (morris_levels)",
            2,
            100,
            "2 to 100",
            "4 to 10 levels are usual",
        ),
        Limit(
            "name",
            "characters of a scenario, sweep or calibration name",
            1,
            64,
            "64 characters (192 bytes in UTF-8): letters, digits, _ - . and inner spaces",
            "choose a shorter name; the description can say more",
        ),
        Limit(
            "file",
            "bytes of a scenario, sweep or calibration file",
            1,
            1_048_576,
            "1 MiB",
            "these files hold settings, not data",
        ),
        Limit(
            "extends",
            "scenarios in a chain of 'extends'",
            1,
            16,
            "16",
            "extend a scenario that already holds most of the settings",
        ),
    )
}


def check_limit(key: str, value: int, label: str | None = None) -> int:
    """Return ``value`` if it is a whole number within the declared limit ``key``.

    Args:
        key: A key of :data:`LIMITS`.
        value: The value given.
        label: How the value was given (``--workers``); the limit's description by default.

    Raises:
        UsageError: Naming the value, the bound and the fix.

    Example:
        >>> check_limit("batch", 0, "--batch")
        Traceback (most recent call last):
        ...
        jiesu.experiments.errors.UsageError: --batch must be a whole number of at least 1, got 0
    """
    limit = LIMITS[key]
    label = label or limit.what
    if isinstance(value, bool) or not isinstance(value, int):
        raise UsageError(f"{label} must be a whole number, got {value!r}")
    if value < limit.low:
        raise UsageError(f"{label} must be a whole number of at least {limit.low}, got {value}")
    high = limit.maximum()
    if value > high:
        where = f" ({limit.rule} here)" if limit.high is None else ""
        raise UsageError(f"{label} is {value:,}, above the limit of {high:,}{where}: {limit.fix}")
    return value


#: A name: starts and ends with a letter or digit (any script), inside also ``_ - .`` and spaces.
_NAME = re.compile(r"^\w(?:[\w.\- ]*\w)?$")


def check_name(name, what: str) -> str:
    """Return ``name`` if it can name a results folder: one safe path component.

    Names come from files (a scenario's, sweep's or calibration's ``name``) and become folder
    names under ``results/``; a name that could climb out of that folder or is not a valid file
    name is refused.

    Args:
        name: The name given.
        what: What it names, for the message (``scenario name``).

    Raises:
        UsageError: For a name that is not text, is empty or too long, holds a path separator,
            ``..``, a control character or other characters outside letters, digits, ``_``,
            ``-``, ``.`` and inner spaces.
    """
    limit = LIMITS["name"]
    if not isinstance(name, str):
        raise UsageError(f"{what} must be text in quotes, got {name!r}")
    if not name:
        raise UsageError(f'{what} is empty: give a name such as "my_scenario"')
    if len(name) > limit.high:
        raise UsageError(f"{what} has {len(name)} characters, above the limit of {limit.high}: {limit.fix}")
    if len(name.encode("utf-8")) > 3 * limit.high:
        raise UsageError(
            f"{what} takes {len(name.encode('utf-8'))} bytes in UTF-8, above the limit of {3 * limit.high} "
            f"for a folder name: {limit.fix}"
        )
    if "/" in name or "\\" in name or ".." in name or not _NAME.match(name):
        raise UsageError(
            f"{what} {name!r} cannot name a folder: use letters, digits, _ - . and inner spaces "
            '(no / \\ or ..), e.g. "my_scenario"'
        )
    return name


#: A Dask scheduler address: PROTOCOL://HOST:PORT or HOST:PORT.
_ADDRESS = re.compile(r"^(?:(?:tcp|tls|ws|wss|ucx|inproc)://)?(?:\[[0-9a-fA-F:.]+\]|[\w.\-]+):(\d{1,5})$")


def check_scheduler(address: str | None) -> str | None:
    """Return a Dask scheduler address if it is written ``tcp://HOST:PORT`` (or None).

    Raises:
        UsageError: For an address without host and port, or a port above 65535.
    """
    if address is None:
        return None
    match = _ADDRESS.match(str(address).strip())
    if match is None or not 0 < int(match.group(1)) <= 65535:
        raise UsageError(
            f"--scheduler {address!r} is not a scheduler address: write tcp://HOST:PORT, "
            "e.g. tcp://127.0.0.1:8786 (`dask scheduler` prints it)"
        )
    return str(address).strip()
