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
import math
import warnings
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
from jiesu.experiments.analysis.metrics import METRIC_NAMES
from jiesu.experiments.errors import UsageError, check_seed
from jiesu.experiments.limits import LIMITS, check_limit, check_name
from jiesu.experiments.scenarios import Scenario, ScenarioError, load_scenario
from jiesu.experiments.scenarios.tomlfile import (
    BOOL,
    INT,
    TABLE,
    TEXT,
    TEXTS,
    check_types,
    parse_toml,
    read_toml,
)
from jiesu.model.parameters import PARAMS_BY_NAME, ParameterError, check_file_values, make_parameters

DESIGNS = ("grid", "lhs", "sobol", "morris")
#: Declared keys of a sweep file and their types.
SCHEMA = {
    "name": TEXT,
    "scenario": TEXT,
    "design": TEXT,
    "samples": INT,
    "replicates": INT,
    "seed": INT,
    "outcomes": TEXTS,
    "parameters": TABLE,
    "factors": TABLE,
    "description": TEXT,
    "morris_levels": INT,
    "panel": BOOL,
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
        """SHA-256 of the file's text (recorded in the manifest as ``spec_sha256``)."""
        return hashlib.sha256(self.text.encode()).hexdigest()

    def canonical(self) -> dict:
        """What of the sweep file determines its results (comments and layout do not)."""
        return {
            "name": self.name,
            "design": self.design,
            "samples": self.samples,
            "replicates": self.replicates,
            "seed": self.seed,
            "outcomes": list(self.outcomes),
            "parameters": dict(self.parameters),
            "factors": {k: list(v) for k, v in self.factors.items()},
            "morris_levels": self.morris_levels,
            "panel": self.panel,
        }

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
        SweepSpecError: Naming what is wrong (unknown key, design, factor or outcome; a value
            of the wrong type; bounds outside the parameter's declared range; a design larger
            than the declared limit; bad counts).
    """
    if "\0" in str(name_or_path):
        raise SweepSpecError(f"sweep file {str(name_or_path)!r} holds a NUL character")
    path = Path(name_or_path)
    shipped = resources.files("jiesu.experiments").joinpath("sweeps", f"{path.name}.toml")
    if path.suffix == ".toml" or len(path.parts) > 1 or not shipped.is_file():
        if path.suffix != ".toml" and not _exists(path):
            raise SweepSpecError(
                f"sweep file {name_or_path} not found; give a path or one of: {', '.join(builtin_sweeps())}"
            )
        data, text = read_toml(path, "sweep file", SweepSpecError)
        where = str(path)
    else:
        text, where = shipped.read_text(encoding="utf-8"), f"builtin:{path.name}"
        data = parse_toml(text, f"sweep {where}", SweepSpecError)
    return _validate(data, text, where)


def parse_spec(text: str, where: str = "<text>") -> SweepSpec:
    """Validate the text of a sweep file (see :func:`load_spec`)."""
    return _validate(parse_toml(text, f"sweep {where}", SweepSpecError), text, where)


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except (OSError, ValueError):
        return False


def _validate(data: dict, text: str, where: str) -> SweepSpec:
    check_types(data, SCHEMA, f"sweep {where}", SweepSpecError)
    design = data.get("design", "")
    if design not in DESIGNS:
        raise SweepSpecError(f"sweep {where}: unknown design {design!r}; choose one of {', '.join(DESIGNS)}")
    if "samples" not in data:
        raise SweepSpecError(f"sweep {where}: samples is missing; give a whole number >= 1")
    samples, replicates = data["samples"], data.get("replicates", 1)
    levels = data.get("morris_levels", 4)
    try:
        default = "sweep" if where.startswith("<") else Path(where).stem.removeprefix("builtin:")
        name = check_name(data.get("name", default), "its name")
        check_limit("design", samples, "samples")
        check_limit("replicates", replicates, "replicates")
        check_limit("morris_levels", levels, "morris_levels")
        seed = check_seed(data.get("seed", 0), "seed")
    except UsageError as err:
        raise SweepSpecError(f"sweep {where}: {err}") from None
    if design == "morris" and samples < 2:
        raise SweepSpecError(f"sweep {where}: morris needs samples (trajectories) >= 2")
    try:
        scenario = load_scenario(data.get("scenario", "beijing"))
        fixed = dict(data.get("parameters", {}))
        check_file_values(fixed)
        scenario.params(fixed)
    except (ScenarioError, ParameterError) as err:
        raise SweepSpecError(f"sweep {where}: {err}") from None
    factors = _factors(data.get("factors"), where)
    _check_size(design, samples, replicates, len(factors), where)
    outcomes = tuple(data.get("outcomes", DEFAULT_OUTCOMES))
    bad = [o for o in outcomes if o not in METRIC_NAMES]
    if bad or not outcomes:
        raise SweepSpecError(
            f"sweep {where}: unknown outcome(s) {bad or 'none given'}; valid: {', '.join(METRIC_NAMES)}"
        )
    return SweepSpec(
        name=name,
        scenario=scenario,
        design=design,
        samples=samples,
        replicates=replicates,
        seed=seed,
        outcomes=outcomes,
        parameters=fixed,
        factors=factors,
        text=text,
        morris_levels=levels,
        panel=data.get("panel", False),
    )


def design_points(design: str, samples: int, n_factors: int) -> int:
    """Number of design points, known before any is drawn.

    Example:
        >>> design_points("sobol", 40, 3), design_points("grid", 5, 2)
        (200, 25)
    """
    if design == "grid":
        return samples**n_factors
    if design == "sobol":
        return samples * (n_factors + 2)
    if design == "morris":
        return samples * (n_factors + 1)
    return samples


def _check_size(design: str, samples: int, replicates: int, n_factors: int, where: str) -> None:
    """Refuse a design above the declared limit before anything is sampled."""
    limit = LIMITS["design"]
    runs = design_points(design, samples, n_factors) * replicates
    if runs > limit.high:
        raise SweepSpecError(
            f"sweep {where}: this {design} design has {runs:,} runs, above the limit of {limit.rule}: "
            f"{limit.fix}"
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
            isinstance(bounds, list)
            and len(bounds) == 2
            and all(isinstance(b, int | float) and not isinstance(b, bool) for b in bounds)
            and all(abs(b) < 2**1023 and math.isfinite(b) for b in bounds)
        ):
            raise SweepSpecError(
                f"sweep {where}: factor {name} needs [low, high] with two finite numbers, got {bounds!r}"
            )
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
