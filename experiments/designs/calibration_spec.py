"""Calibration specifications (TOML): which parameters, against which data, with which budget.

A calibration file::

    name = "beijing"
    description = "Beijing's city model against its published figures of 2018-2021"
    scenario = "beijing"          # built-in name or .toml path
    city = "Beijing"              # the city whose rows are compared with the data
    seed = 2021
    population = 200              # particles per generation
    generations = 8               # at most
    min_acceptance = 0.02         # stop after a generation that accepts fewer
    max_simulations = 20000       # stop once this many runs are done
    predictive_draws = 40         # posterior predictive runs to predictive_end
    predictive_end = "2030-12"
    transition = "local"          # perturbation kernel: "local" (each particle's neighbours'
                                  # covariance; pyabc LocalTransition) or "normal" (one covariance)
    calibrate = ["problem_rate", "learning_exponent"]   # priors: their declarations
    targets = ["log_requests_2019"]                      # default: every target

    [parameters]                  # fixed overrides of every run
    end = "2021-12"

    [priors]                      # optional, narrower: NAME = ["uniform" | "loguniform", low, high]
    [scales]                      # optional: TARGET = scale (experiments/analysis/targets.py)
    [observed]                    # optional: TARGET = value instead of the published figure, e.g.
                                  # to check that a calibration recovers known parameters

Shipped files are in ``experiments/calibrations``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from jiesu.experiments.analysis.targets import Target, beijing_targets
from jiesu.experiments.scenarios import Scenario, ScenarioError, load_scenario
from jiesu.model.calendar import MonthError, parse_month
from jiesu.model.parameters import PARAMS_BY_NAME, ParameterError, make_parameters

_KEYS = {
    "name",
    "description",
    "scenario",
    "city",
    "seed",
    "population",
    "generations",
    "min_acceptance",
    "max_simulations",
    "predictive_draws",
    "predictive_end",
    "calibrate",
    "transition",
    "targets",
    "parameters",
    "priors",
    "scales",
    "observed",
}
LAWS = ("uniform", "loguniform")
TRANSITIONS = ("local", "normal")


class CalibrationSpecError(ValueError):
    """A calibration file is malformed; the message names the key and the fix."""


@dataclass(frozen=True)
class CalibrationSpec:
    """A validated calibration specification."""

    name: str
    scenario: Scenario
    city: str
    seed: int
    population: int
    generations: int
    min_acceptance: float
    max_simulations: int
    predictive_draws: int
    predictive_end: str
    priors: dict[str, tuple[str, float, float]]  # calibrated parameter -> (law, low, high)
    transition: str
    targets: tuple[Target, ...]
    parameters: dict = field(default_factory=dict)
    description: str = ""
    text: str = field(repr=False, default="")

    @property
    def digest(self) -> str:
        """SHA-256 of the file's text: a resumed calibration must use the same file."""
        return hashlib.sha256(self.text.encode()).hexdigest()


def builtin_calibrations() -> list[str]:
    """Names of the calibration files shipped in ``experiments/calibrations``."""
    folder = resources.files("jiesu.experiments").joinpath("calibrations")
    return sorted(e.name[:-5] for e in folder.iterdir() if e.name.endswith(".toml"))


def load_calibration(name_or_path: str | Path) -> CalibrationSpec:
    """Read and validate a calibration file (a path, or the name of a shipped one).

    Raises:
        CalibrationSpecError: Naming what is wrong and how to fix it.
    """
    text, source = _read(name_or_path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise CalibrationSpecError(f"calibration {source}: not valid TOML ({err})") from None
    unknown = set(data) - _KEYS
    if unknown:
        raise CalibrationSpecError(
            f"calibration {source}: unknown key(s) {sorted(unknown)}; allowed: {sorted(_KEYS)}"
        )
    try:
        scenario = load_scenario(str(data.get("scenario", "beijing")))
        fixed = dict(data.get("parameters", {}))
        params = scenario.params(fixed)
        priors = _priors(data, source)
        make_parameters({n: (lo + hi) / 2 for n, (_, lo, hi) in priors.items()}, base=params)
        targets = _targets(data, source)
        end = str(data.get("predictive_end", "2030-12"))
        parse_month(end)
    except (ScenarioError, ParameterError, MonthError) as err:
        raise CalibrationSpecError(f"calibration {source}: {err}") from None
    _check_period(params, targets, source)
    transition = str(data.get("transition", "local"))
    if transition not in TRANSITIONS:
        raise CalibrationSpecError(
            f"calibration {source}: transition must be one of {', '.join(TRANSITIONS)}"
        )
    return CalibrationSpec(
        name=str(data.get("name", Path(source).stem)),
        scenario=scenario,
        city=str(data.get("city", "Beijing")),
        seed=_count(data, "seed", 0, source, minimum=0),
        population=_count(data, "population", 200, source),
        generations=_count(data, "generations", 8, source),
        min_acceptance=float(data.get("min_acceptance", 0.0)),
        max_simulations=_count(data, "max_simulations", 100_000, source),
        predictive_draws=_count(data, "predictive_draws", 40, source, minimum=0),
        predictive_end=end,
        priors=priors,
        transition=transition,
        targets=targets,
        parameters=fixed,
        description=str(data.get("description", "")),
        text=text,
    )


def _read(name_or_path: str | Path) -> tuple[str, str]:
    path = Path(name_or_path)
    if path.suffix == ".toml":
        if not path.is_file():
            raise CalibrationSpecError(f"calibration file {path} does not exist")
        return path.read_text(encoding="utf-8"), str(path)
    entry = resources.files("jiesu.experiments").joinpath("calibrations", f"{name_or_path}.toml")
    if not entry.is_file():
        known = ", ".join(builtin_calibrations())
        raise CalibrationSpecError(
            f"unknown calibration {str(name_or_path)!r}; shipped: {known}, or a .toml path"
        )
    return entry.read_text(encoding="utf-8"), f"builtin:{name_or_path}"


def _count(data: dict, key: str, default: int, source: str, minimum: int = 1) -> int:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise CalibrationSpecError(
            f"calibration {source}: {key} must be a whole number ≥ {minimum}, got {value!r}"
        )
    return value


def _priors(data: dict, source: str) -> dict[str, tuple[str, float, float]]:
    names = data.get("calibrate", [])
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise CalibrationSpecError(f"calibration {source}: 'calibrate' must list the parameters to estimate")
    overrides = data.get("priors", {})
    priors = {}
    for name in names:
        declared = PARAMS_BY_NAME.get(name)
        if declared is None:
            raise CalibrationSpecError(
                f"calibration {source}: {name!r} is not a parameter; see `jiesu params`"
            )
        prior = overrides.get(name, declared.prior)
        if prior is None:
            raise CalibrationSpecError(
                f"calibration {source}: {name} declares no prior; give one under [priors] as [law, low, high]"
            )
        law, low, high = prior
        if law not in LAWS or not float(low) < float(high) or (law == "loguniform" and float(low) <= 0):
            raise CalibrationSpecError(
                f"calibration {source}: prior of {name} must be [uniform|loguniform, low < high]"
            )
        priors[name] = (law, float(low), float(high))
    extra = set(overrides) - set(names)
    if extra:
        raise CalibrationSpecError(
            f"calibration {source}: [priors] for parameters not calibrated: {sorted(extra)}"
        )
    return priors


def _targets(data: dict, source: str) -> tuple[Target, ...]:
    known = {t.name: t for t in beijing_targets()}
    names = data.get("targets", list(known))
    scales = data.get("scales", {})
    observed = data.get("observed", {})
    unknown = [n for n in [*names, *scales, *observed] if n not in known]
    if unknown:
        raise CalibrationSpecError(
            f"calibration {source}: unknown target(s) {unknown}; known: {', '.join(known)}"
        )
    chosen = []
    for name in names:
        target = known[name]
        if name in scales:
            target = dataclasses.replace(target, scale=float(scales[name]))
        if name in observed:
            target = dataclasses.replace(target, observed=float(observed[name]))
        chosen.append(target)
    return tuple(chosen)


def _check_period(params, targets: tuple[Target, ...], source: str) -> None:
    """Every target's months must lie within the simulated period."""
    needed = max(targets, key=lambda t: parse_month(t.until)).until
    if parse_month(params.end) < parse_month(needed) or parse_month(params.start) > parse_month("2018-01"):
        raise CalibrationSpecError(
            f"calibration {source}: the targets need 2018-01..{needed} simulated; "
            f"the parameters give {params.start}..{params.end}"
        )
