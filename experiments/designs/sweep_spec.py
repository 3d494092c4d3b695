"""Sweep specifications (TOML) and their designs: grid, Latin hypercube, Sobol, Morris.

A sweep file::

    name = "horizontal_sobol"
    scenario = "horizontal"          # base scenario (built-in name or .toml path)
    design = "sobol"                 # grid | lhs | sobol | morris
    samples = 40                     # sobol: N (runs = N (D + 2)); morris: trajectories
                                     # (runs = r (D + 1)); lhs: points; grid: levels per factor
    replicates = 1                   # runs per design point (replicate r shares streams)
    seed = 1
    outcomes = ["share_adopted_end"] # metrics to analyse (experiments/analysis/metrics.py)
    panel = false                    # true: also store what event-history panels need (per-city
                                     # series, events, hazards; see docs/panel.md for the cost)

    [parameters]                     # fixed overrides for every run
    end = "2026-12"

    [factors]                        # NAME = [low, high], within the declared range
    imitation_rate = [0.0, 0.1]

Designs come from SALib (Saltelli/Sobol', Morris, Latin hypercube) seeded from ``seed``.
"""

from __future__ import annotations

import hashlib
import itertools
import tomllib
import warnings
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
from jiesu.experiments.analysis.metrics import METRIC_NAMES
from jiesu.experiments.scenarios import Scenario, ScenarioError, load_scenario
from jiesu.model.parameters import PARAMS_BY_NAME, ParameterError, make_parameters

DESIGNS = ("grid", "lhs", "sobol", "morris")
_KEYS = {
    "name",
    "scenario",
    "design",
    "samples",
    "replicates",
    "seed",
    "outcomes",
    "parameters",
    "factors",
    "description",
    "morris_levels",
    "panel",
}
DEFAULT_OUTCOMES = ("share_adopted_end", "satisfaction_rate_last12", "requests_per_10k_last12", "trust_end")


class SweepSpecError(ValueError):
    """A sweep file is malformed; the message names the key and the fix."""


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep specification."""

    name: str
    scenario: Scenario
    design: str
    samples: int
    replicates: int
    seed: int
    outcomes: tuple[str, ...]
    parameters: dict
    factors: dict[str, tuple[float, float]]
    text: str = field(repr=False, default="")
    morris_levels: int = 4
    panel: bool = False

    @property
    def digest(self) -> str:
        """SHA-256 of the file's text: a resumed sweep must use the same file."""
        return hashlib.sha256(self.text.encode()).hexdigest()

    def problem(self) -> dict:
        """The SALib problem definition."""
        names = list(self.factors)
        return {"num_vars": len(names), "names": names, "bounds": [list(self.factors[n]) for n in names]}

    def design_table(self) -> pd.DataFrame:
        """One row per design point: ``point_index`` and one column per factor."""
        x = self._sample()
        df = pd.DataFrame(x, columns=list(self.factors))
        for name in self.factors:
            if PARAMS_BY_NAME[name].kind == "int":
                df[name] = np.rint(df[name]).astype(int)
        df.insert(0, "point_index", np.arange(len(df)))
        return df

    def _sample(self) -> np.ndarray:
        problem = self.problem()
        if self.design == "grid":
            axes = [np.linspace(lo, hi, self.samples) for lo, hi in self.factors.values()]
            return np.array(list(itertools.product(*axes)), dtype=float)
        if self.design == "lhs":
            from SALib.sample import latin

            return latin.sample(problem, self.samples, seed=self.seed)
        if self.design == "sobol":
            from SALib.sample import sobol

            with warnings.catch_warnings():  # N need not be a power of 2 (noted in the manifest)
                warnings.filterwarnings("ignore", message=".*power of 2.*", category=UserWarning)
                return sobol.sample(problem, self.samples, calc_second_order=False, seed=self.seed)
        from SALib.sample import morris

        return morris.sample(problem, self.samples, num_levels=self.morris_levels, seed=self.seed)


def builtin_sweeps() -> list[str]:
    """Names of the example sweep files shipped in ``experiments/sweeps``."""
    folder = resources.files("jiesu.experiments").joinpath("sweeps")
    return sorted(e.name[:-5] for e in folder.iterdir() if e.name.endswith(".toml"))


def load_spec(name_or_path: str | Path) -> SweepSpec:
    """Read and validate a sweep file (a path, or the name of a shipped example).

    Raises:
        SweepSpecError: Naming what is wrong (unknown key, design, factor or outcome; bounds
            outside the parameter's declared range; non-numeric factor; bad counts).
    """
    path = Path(name_or_path)
    if path.is_file():
        text, where = path.read_text(encoding="utf-8"), str(path)
    else:
        entry = resources.files("jiesu.experiments").joinpath("sweeps", f"{name_or_path}.toml")
        if not entry.is_file():
            raise SweepSpecError(
                f"sweep file {name_or_path} not found; give a path or one of: {', '.join(builtin_sweeps())}"
            )
        text, where = entry.read_text(encoding="utf-8"), f"builtin:{name_or_path}"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise SweepSpecError(f"sweep {where}: not valid TOML ({err})") from None
    return _validate(data, text, where)


def _validate(data: dict, text: str, where: str) -> SweepSpec:
    unknown = set(data) - _KEYS
    if unknown:
        raise SweepSpecError(f"sweep {where}: unknown key(s) {sorted(unknown)}; allowed: {sorted(_KEYS)}")
    design = str(data.get("design", ""))
    if design not in DESIGNS:
        raise SweepSpecError(f"sweep {where}: unknown design {design!r}; choose one of {', '.join(DESIGNS)}")
    counts = {}
    for key, default, low in (
        ("samples", None, 1),
        ("replicates", 1, 1),
        ("seed", 0, 0),
        ("morris_levels", 4, 2),
    ):
        value = data.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            raise SweepSpecError(f"sweep {where}: {key} must be a whole number >= {low}, got {value!r}")
        counts[key] = value
    try:
        scenario = load_scenario(data.get("scenario", "beijing"))
        fixed = dict(data.get("parameters", {}))
        scenario.params(fixed)
    except (ScenarioError, ParameterError) as err:
        raise SweepSpecError(f"sweep {where}: {err}") from None
    factors = _factors(data.get("factors"), where)
    outcomes = tuple(data.get("outcomes", DEFAULT_OUTCOMES))
    bad = [o for o in outcomes if o not in METRIC_NAMES]
    if bad:
        raise SweepSpecError(f"sweep {where}: unknown outcome(s) {bad}; valid: {', '.join(METRIC_NAMES)}")
    panel = data.get("panel", False)
    if not isinstance(panel, bool):
        raise SweepSpecError(f"sweep {where}: panel must be true or false, got {panel!r}")
    if design == "morris" and counts["samples"] < 2:
        raise SweepSpecError(f"sweep {where}: morris needs samples (trajectories) >= 2")
    return SweepSpec(
        name=str(data.get("name", Path(where).stem)),
        scenario=scenario,
        design=design,
        samples=counts["samples"],
        replicates=counts["replicates"],
        seed=counts["seed"],
        outcomes=outcomes,
        parameters=fixed,
        factors=factors,
        text=text,
        morris_levels=counts["morris_levels"],
        panel=panel,
    )


def _factors(raw, where: str) -> dict[str, tuple[float, float]]:
    if not isinstance(raw, dict) or not raw:
        raise SweepSpecError(f"sweep {where}: [factors] must list at least one NAME = [low, high]")
    out = {}
    for name, bounds in raw.items():
        param = PARAMS_BY_NAME.get(name)
        if param is None:
            raise SweepSpecError(f"sweep {where}: factor {name!r} is not a parameter; run `jiesu params`")
        if param.kind not in ("number", "int"):
            raise SweepSpecError(
                f"sweep {where}: factor {name} is not numeric; only numeric parameters can vary"
            )
        if not (
            isinstance(bounds, list) and len(bounds) == 2 and all(isinstance(b, int | float) for b in bounds)
        ):
            raise SweepSpecError(f"sweep {where}: factor {name} needs [low, high], got {bounds!r}")
        low, high = float(bounds[0]), float(bounds[1])
        if not low < high:
            raise SweepSpecError(f"sweep {where}: factor {name}: low {low:g} must be below high {high:g}")
        try:
            make_parameters({name: low})
            make_parameters({name: high})
        except ParameterError as err:
            raise SweepSpecError(f"sweep {where}: factor bounds: {err}") from None
        out[name] = (low, high)
    return out
