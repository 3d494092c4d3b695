"""The exceptions that mean "the user's input is wrong" (exit status 2, no traceback)."""

from __future__ import annotations

from experiments.scenarios import ScenarioError
from experiments.storage import OutputError
from experiments.sweep_spec import SweepSpecError
from model.calendar import MonthError
from model.events import EventError
from model.geography import UnknownCityError
from model.parameters import ParameterError


class UsageError(ValueError):
    """A command-line value is invalid (for example a worker count below 1)."""


USER_ERRORS: tuple[type[Exception], ...] = (
    ParameterError,
    ScenarioError,
    EventError,
    UnknownCityError,
    MonthError,
    OutputError,
    UsageError,
    SweepSpecError,
)
