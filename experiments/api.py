"""The public Python API: what ``import jiesu`` offers a notebook.

Example:
    >>> import jiesu
    >>> out = jiesu.run_scenario(jiesu.load_scenario("beijing"), {"end": "2018-06"}, seed=1)
    >>> out.timeseries["month"].iloc[-1]
    '2018-06'
"""

from __future__ import annotations

from jiesu.experiments.designs.compare import compare
from jiesu.experiments.execution.runner import run_scenario
from jiesu.experiments.scenarios import load_scenario
from jiesu.model import JiesuModel, make_parameters

__all__ = ["JiesuModel", "compare", "load_scenario", "make_parameters", "run_scenario"]
