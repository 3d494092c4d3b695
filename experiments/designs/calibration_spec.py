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
import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from jiesu.experiments.analysis.targets import Target, beijing_targets
from jiesu.experiments.errors import UsageError, check_seed
from jiesu.experiments.limits import check_limit, check_name
from jiesu.experiments.scenarios import Scenario, ScenarioError, load_scenario
from jiesu.experiments.scenarios.tomlfile import (
    INT,
    NUMBER,
    TABLE,
    TEXT,
    TEXTS,
    check_types,
    parse_toml,
    read_toml,
)
from jiesu.model.calendar import MonthError, parse_month
from jiesu.model.parameters import PARAMS_BY_NAME, ParameterError, check_file_values, make_parameters

#: Declared keys of a calibration file and their types.
SCHEMA = {
    "name": TEXT,
    "description": TEXT,
    "scenario": TEXT,
    "city": TEXT,
    "seed": INT,
    "population": INT,
    "generations": INT,
    "min_acceptance": NUMBER,
    "max_simulations": INT,
    "predictive_draws": INT,
    "predictive_end": TEXT,
    "calibrate": TEXTS,
    "transition": TEXT,
    "targets": TEXTS,
    "parameters": TABLE,
    "priors": TABLE,
    "scales": TABLE,
    "observed": TABLE,
}
#: The declared limit (:data:`jiesu.experiments.limits.LIMITS`) of each count.
_COUNT_LIMITS = {
    "population": "population",
    "generations": "generations",
    "max_simulations": "design",
    "predictive_draws": "replicates",
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
        """SHA-256 of the file's text (recorded in the manifest as ``spec_sha256``)."""
        return hashlib.sha256(self.text.encode()).hexdigest()

    def canonical(self) -> dict:
        """What of the calibration file determines its results (comments and layout do not)."""
        return {
            "name": self.name,
            "city": self.city,
            "seed": self.seed,
            "population": self.population,
            "generations": self.generations,
            "min_acceptance": self.min_acceptance,
            "max_simulations": self.max_simulations,
            "predictive_draws": self.predictive_draws,
            "predictive_end": self.predictive_end,
            "priors": {k: list(v) for k, v in self.priors.items()},
            "transition": self.transition,
            "targets": [[t.name, t.observed, t.scale] for t in self.targets],
            "parameters": dict(self.parameters),
        }


def builtin_calibrations() -> list[str]:
    """Names of the calibration files shipped in ``experiments/calibrations``."""
    folder = resources.files("jiesu.experiments").joinpath("calibrations")
    return sorted(e.name[:-5] for e in folder.iterdir() if e.name.endswith(".toml"))


def load_calibration(name_or_path: str | Path) -> CalibrationSpec:
    """Read and validate a calibration file (a path, or the name of a shipped one).

    Raises:
        CalibrationSpecError: Naming what is wrong and how to fix it.
    """
    data, text, source = _read(name_or_path)
    return _validate(data, text, source)


def parse_calibration(text: str, source: str = "<text>") -> CalibrationSpec:
    """Validate the text of a calibration file (see :func:`load_calibration`)."""
    return _validate(parse_toml(text, f"calibration {source}", CalibrationSpecError), text, source)


def _validate(data: dict, text: str, source: str) -> CalibrationSpec:
    where = f"calibration {source}"
    check_types(data, SCHEMA, where, CalibrationSpecError)
    try:
        default = "calibration" if source.startswith("<") else Path(source).stem.removeprefix("builtin:")
        name = check_name(data.get("name", default), "its name")
        counts = {key: _count(data, key, default, source) for key, default in _COUNTS.items()}
        seed = check_seed(data.get("seed", 0), "seed")
    except UsageError as err:
        raise CalibrationSpecError(f"{where}: {err}") from None
    min_acceptance = data.get("min_acceptance", 0.0)
    if not 0 <= min_acceptance <= 1:
        raise CalibrationSpecError(f"{where}: min_acceptance must be from 0 to 1, got {min_acceptance!r}")
    try:
        scenario = load_scenario(data.get("scenario", "beijing"))
        fixed = dict(data.get("parameters", {}))
        check_file_values(fixed)
        params = scenario.params(fixed)
        priors = _priors(data, source)
        make_parameters({n: (lo + hi) / 2 for n, (_, lo, hi) in priors.items()}, base=params)
        targets = _targets(data, source)
        end = data.get("predictive_end", "2030-12")
        make_parameters({"end": end}, base=params)
    except (ScenarioError, ParameterError, MonthError) as err:
        raise CalibrationSpecError(f"{where}: {err}") from None
    _check_period(params, targets, source)
    transition = data.get("transition", "local")
    if transition not in TRANSITIONS:
        raise CalibrationSpecError(f"{where}: transition must be one of {', '.join(TRANSITIONS)}")
    return CalibrationSpec(
        name=name,
        scenario=scenario,
        city=data.get("city", "Beijing"),
        seed=seed,
        min_acceptance=float(min_acceptance),
        predictive_end=end,
        priors=priors,
        transition=transition,
        targets=targets,
        parameters=fixed,
        description=data.get("description", ""),
        text=text,
        **counts,
    )


#: Counts of a calibration file and their defaults.
_COUNTS = {"population": 200, "generations": 8, "max_simulations": 100_000, "predictive_draws": 40}


def _read(name_or_path: str | Path) -> tuple[dict, str, str]:
    if "\0" in str(name_or_path):
        raise CalibrationSpecError(f"calibration {str(name_or_path)!r} holds a NUL character")
    path = Path(name_or_path)
    if path.suffix == ".toml":
        data, text = read_toml(path, "calibration file", CalibrationSpecError)
        return data, text, str(path)
    entry = resources.files("jiesu.experiments").joinpath("calibrations", f"{path.name}.toml")
    if len(path.parts) > 1 or not entry.is_file():
        known = ", ".join(builtin_calibrations())
        raise CalibrationSpecError(
            f"unknown calibration {str(name_or_path)!r}; shipped: {known}, or a .toml path"
        )
    text = entry.read_text(encoding="utf-8")
    return (
        parse_toml(text, f"calibration builtin:{path.name}", CalibrationSpecError),
        text,
        f"builtin:{path.name}",
    )


def _count(data: dict, key: str, default: int, source: str) -> int:
    value = data.get(key, default)
    if key == "predictive_draws" and value == 0:
        return 0  # no posterior predictive runs
    return check_limit(_COUNT_LIMITS[key], value, key)


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
        if not _is_prior(prior):
            raise CalibrationSpecError(
                f'calibration {source}: prior of {name} must be ["uniform" or "loguniform", low, high] '
                f"with finite numbers low < high (low > 0 for loguniform), got {prior!r}"
            )
        law, low, high = prior
        priors[name] = (law, float(low), float(high))
    extra = set(overrides) - set(names)
    if extra:
        raise CalibrationSpecError(
            f"calibration {source}: [priors] for parameters not calibrated: {sorted(extra)}"
        )
    return priors


def _is_prior(prior) -> bool:
    if not (isinstance(prior, list | tuple) and len(prior) == 3 and prior[0] in LAWS):
        return False
    bounds = prior[1:]
    if not all(isinstance(b, int | float) and not isinstance(b, bool) for b in bounds):
        return False
    low, high = (float(b) if abs(b) < 2**1023 else math.inf for b in bounds)
    return math.isfinite(low) and math.isfinite(high) and low < high and (prior[0] == "uniform" or low > 0)


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
    for table, what, low in ((scales, "scales", 0.0), (observed, "observed", -math.inf)):
        for name, value in table.items():
            number = isinstance(value, int | float) and not isinstance(value, bool) and abs(value) < 2**1023
            if not number or not math.isfinite(value) or value <= low:
                need = "a positive finite number" if low == 0 else "a finite number"
                raise CalibrationSpecError(
                    f"calibration {source}: [{what}] {name} must be {need}, got {value!r}"
                )
    if not names:
        raise CalibrationSpecError(
            f"calibration {source}: targets is empty; name at least one of {', '.join(known)}"
        )
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
