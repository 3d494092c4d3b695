"""jiesu's model: parameters, scenarios' events, geography, and the mesa Model."""

from jiesu.model.model import JiesuModel, RunResult
from jiesu.model.parameters import PARAMS, ParameterError, make_parameters

__all__ = ["PARAMS", "JiesuModel", "ParameterError", "RunResult", "make_parameters"]
