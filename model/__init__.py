"""jiesu's model: parameters, scenarios' events, geography, and the mesa Model.

The names below are imported on first use (PEP 562), so that importing a light submodule such
as :mod:`jiesu.model.parameters` does not pull in mesa, numpy and pandas (the command line's
``jiesu params`` and ``jiesu --help`` start in well under a second).
"""

from __future__ import annotations

import importlib

#: Public name -> submodule that defines it.
_EXPORTS = {
    "JiesuModel": "jiesu.model.model",
    "RunResult": "jiesu.model.model",
    "PARAMS": "jiesu.model.parameters",
    "ParameterError": "jiesu.model.parameters",
    "make_parameters": "jiesu.model.parameters",
}

__all__ = ["PARAMS", "JiesuModel", "ParameterError", "RunResult", "make_parameters"]


def __getattr__(name: str):
    """Import ``JiesuModel``, ``make_parameters``, ... from their submodule on first use."""
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'jiesu.model' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
