"""The Python API: everything a notebook needs, from one import.

``import jiesu`` is light (a few milliseconds); the names below are loaded on first use. A
:class:`Simulation` is one run of a scenario, a :class:`Comparison` runs several scenarios over
replicates with common random numbers. Both validate their input when they are made (the same
errors, with the same messages, as the ``jiesu`` command), run with ``.run()``, hold their
tables in ``.results`` (tidy pandas DataFrames), draw with ``.plot()`` and write a results
folder, identical to the command line's, with ``.save()``. They call the same functions as
``jiesu run`` and ``jiesu compare``: a seed gives the same tables from Python and from the shell.

Where the code lives: the source tree keeps its three top-level folders (``model/``,
``agents/``, ``experiments/``), and installing jiesu maps them under one package,
``jiesu.model``, ``jiesu.agents`` and ``jiesu.experiments`` (``hatch_build.py``), so they never
collide with another project's ``model`` or ``agents``. This API is
``jiesu.experiments.api``, re-exported as ``jiesu.*``.

Example:
    >>> import jiesu
    >>> sim = jiesu.Simulation("beijing", seed=1, end="2018-12").run()
    >>> sim.results.timeseries[["month", "satisfaction_rate"]].shape
    (12, 2)
    >>> fig = sim.plot("rates", lang="zh")      # a matplotlib Figure
    >>> cmp = jiesu.Comparison(["pioneer_only", "top_down"], replicates=2, end="2018-12",
    ...                        residents_per_citizen=500000).run()
    >>> cmp.results.summary.query("metric == 'share_adopted_end'")[["scenario", "mean"]].shape
    (2, 2)
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from jiesu.experiments.designs.compare import (
    DEFAULT_SET,
    ComparisonResult,
    compare,
    comparison_figure,
    save_comparison,
)
from jiesu.experiments.designs.run import default_run_id, run_figure, save_run
from jiesu.experiments.errors import UsageError, check_seed
from jiesu.experiments.execution.progress import Progress
from jiesu.experiments.execution.runner import RunOutput, build_model, run_model
from jiesu.experiments.scenarios import Scenario, ScenarioError, builtin_names, load_scenario
from jiesu.model.geography import UnknownCityError
from jiesu.model.parameters import PARAMS, ParameterError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "Comparison",
    "ComparisonResult",
    "ParameterError",
    "RunOutput",
    "ScenarioError",
    "Simulation",
    "UnknownCityError",
    "UsageError",
    "load_scenario",
    "params",
    "scenarios",
]


def _scenario(scenario: str | Path | Scenario) -> Scenario:
    return scenario if isinstance(scenario, Scenario) else load_scenario(scenario)


def _call(name: str, *args, **kwargs) -> str:
    """How a call is written in Python, for the manifest's ``command``."""
    words = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()]
    return f"jiesu.{name}({', '.join(words)})"


class Simulation:
    """One run of a scenario: made (and checked), run, looked at, plotted, saved.

    Args:
        scenario: A built-in scenario name (``jiesu.scenarios()``), a path to a ``.toml``
            scenario file, or a loaded :class:`~jiesu.experiments.scenarios.Scenario`.
        seed: Root seed, 0 to 2**63 - 1; the same seed gives the same tables.
        replicate: Replicate number (the random streams of replicate ``r`` of the seed).
        **overrides: Parameter values by name, e.g. ``end="2022-12"``,
            ``capacity_per_10k=90`` (``jiesu.params()`` lists them).

    Raises:
        ScenarioError: Unknown scenario or malformed scenario file.
        ParameterError: Unknown parameter or value out of range.
        UnknownCityError: A pioneer or event target not in the geography.
        UsageError: A seed or replicate outside 0 to 2**63 - 1.

    Example:
        >>> sim = Simulation("beijing", seed=1, end="2018-06", capacity_per_10k=90)
        >>> sim.run().results.to_frame(metric="response_rate").shape
        (6, 1)
    """

    def __init__(
        self, scenario: str | Path | Scenario = "beijing", *, seed: int = 0, replicate: int = 0, **overrides
    ):
        self.scenario = _scenario(scenario)
        self.seed, self.replicate, self.overrides = seed, replicate, dict(overrides)
        run_id = default_run_id(self.scenario.name, seed, replicate)
        self._model = build_model(self.scenario, self.overrides, seed, replicate, run_id)
        self.geography = self._model.geography
        self._results: RunOutput | None = None

    def __repr__(self) -> str:
        return _call(
            "Simulation", self.scenario.name, seed=self.seed, replicate=self.replicate, **self.overrides
        )

    def run(self, progress: bool = False) -> Simulation:
        """Run every month (once: a second call returns at once) and return the simulation.

        Args:
            progress: Show progress on standard error.
        """
        if self._results is None:
            bar = Progress(len(self._model.months), self.scenario.name, "month", enabled=progress)
            self._results = run_model(self._model, progress=bar.update)
            bar.close()
            self._model = None  # the tables are kept; the agents are not
        return self

    @property
    def results(self) -> RunOutput:
        """The tables: ``.timeseries``, ``.adoptions``, ``.info``, ``.to_frame(level, metric)``.

        Raises:
            UsageError: Before ``.run()``.
        """
        if self._results is None:
            raise UsageError("the simulation has not run yet: call .run() first")
        return self._results

    def plot(self, kind: str = "rates", lang: str = "en"):
        """Draw one figure and return it (a matplotlib ``Figure``; nothing is shown or saved).

        Args:
            kind: ``"rates"`` (three rates and requests), ``"adoption"`` (cumulative adoption
                by channel) or ``"map"`` (adoption month by city); the last two need a
                multi-city scenario.
            lang: ``"en"`` or ``"zh"``.
        """
        return run_figure(self.results, self.geography, kind, lang)

    def save(
        self,
        folder: str | Path,
        lang: str = "en",
        parents: bool = False,
        figures: tuple[str, ...] | None = None,
        formats: tuple[str, ...] | None = None,
    ) -> Path:
        """Write the results folder that ``jiesu run`` writes: tables, figures, manifest.

        Args:
            folder: A new folder (it must not exist, or be empty).
            lang: Language of the figures (Chinese ones are named ``NAME-zh.png``).
            parents: Create missing parent folders.
            figures: Figures to draw, of ``rates``, ``adoption``, ``map``; None (default) every
                figure the run can have, ``()`` none (as ``jiesu run --figures``).
            formats: Their file formats, of ``png``, ``pdf``, ``svg`` (default all three).

        Returns:
            The folder.

        Raises:
            OutputError: The folder exists and is not empty, or its parent is missing.
        """
        folder = Path(folder)
        save_run(
            self.results, self.scenario, self.geography, folder, lang, [repr(self)], parents, figures, formats
        )
        return folder


class Comparison:
    """Scenarios over replicates with common random numbers, as ``jiesu compare`` runs them.

    Replicate ``r`` of every scenario uses the same random streams, so the paired differences
    in ``results.summary`` isolate the effect of the scenario.

    Args:
        scenarios: Scenario names, paths or :class:`~jiesu.experiments.scenarios.Scenario`
            objects (a single name is allowed); by default every multi-city built-in
            scenario. The first is the baseline of the paired differences.
        replicates: Runs per scenario.
        seed: Root seed, 0 to 2**63 - 1.
        workers: Local worker processes (1 runs in this process).
        city_rows: Keep city rows in the timeseries (False keeps province and national rows).
        **overrides: Parameter values applied to every scenario, e.g. ``end="2025-12"``.

    Raises:
        ScenarioError, ParameterError, UsageError: Bad input, when the comparison is made.
            A run that fails (e.g. an event naming an unknown city) is recorded in
            ``results.runs`` with its error, as on the command line.

    Example:
        >>> cmp = Comparison(["pioneer_only", "top_down"], replicates=2, end="2018-12",
        ...                  residents_per_citizen=500000).run()
        >>> cmp.results.to_frame(metric="share_adopted").shape
        (12, 4)
    """

    def __init__(
        self,
        scenarios: str | Path | Scenario | list | tuple | None = None,
        *,
        replicates: int = 6,
        seed: int = 0,
        workers: int = 1,
        city_rows: bool = True,
        **overrides,
    ):
        if isinstance(scenarios, str | Path | Scenario):
            scenarios = [scenarios]
        self.scenarios = [_scenario(s) for s in (scenarios or DEFAULT_SET)]
        if len({s.name for s in self.scenarios}) != len(self.scenarios):
            raise UsageError("each scenario may be named once")
        if replicates < 1 or workers < 1:
            raise UsageError(f"replicates and workers must be at least 1, got {replicates} and {workers}")
        self.seed, self.replicates, self.workers = check_seed(seed), replicates, workers
        self.city_rows, self.overrides = city_rows, dict(overrides)
        for s in self.scenarios:
            s.params(self.overrides)
        self._results: ComparisonResult | None = None
        self._seconds = 0.0

    def __repr__(self) -> str:
        names = [s.name for s in self.scenarios]
        return _call(
            "Comparison",
            names,
            replicates=self.replicates,
            seed=self.seed,
            workers=self.workers,
            city_rows=self.city_rows,
            **self.overrides,
        )

    def run(self, progress: bool = False) -> Comparison:
        """Run every scenario and replicate (once) and return the comparison.

        Args:
            progress: Show progress on standard error.
        """
        if self._results is None:
            start = time.perf_counter()
            self._results = compare(
                self.scenarios,
                self.replicates,
                self.seed,
                self.workers,
                self.overrides,
                city_rows=self.city_rows,
                progress=progress,
            )
            self._seconds = time.perf_counter() - start
        return self

    @property
    def results(self) -> ComparisonResult:
        """The tables: ``.runs``, ``.timeseries``, ``.adoptions``, ``.summary``, ``.to_frame()``.

        Raises:
            UsageError: Before ``.run()``.
        """
        if self._results is None:
            raise UsageError("the comparison has not run yet: call .run() first")
        return self._results

    def plot(self, kind: str = "bands", lang: str = "en"):
        """Draw one figure and return it (a matplotlib ``Figure``; nothing is shown or saved).

        Args:
            kind: ``"bands"`` (national series: median and 10-90 % band over replicates) or
                ``"channels"`` (mean adoptions per run, by channel).
            lang: ``"en"`` or ``"zh"``.
        """
        return comparison_figure(self.results, self.scenarios, kind, lang)

    def save(self, folder: str | Path, lang: str = "en", parents: bool = False) -> Path:
        """Write the results folder that ``jiesu compare`` writes: tables, summary, figures, manifest.

        Args:
            folder: A new folder (it must not exist, or be empty).
            lang: Language of the figures (Chinese ones are named ``NAME-zh.png``).
            parents: Create missing parent folders.

        Returns:
            The folder.

        Raises:
            OutputError: The folder exists and is not empty, or its parent is missing.
        """
        folder = Path(folder)
        settings = {
            "seed": self.seed,
            "replicates": self.replicates,
            "workers": self.workers,
            "scheduler": None,
            "overrides": self.overrides,
            "city_rows": self.city_rows,
            "wall_seconds": round(self._seconds, 1),
        }
        save_comparison(self.results, self.scenarios, folder, lang, settings, [repr(self)], parents)
        return folder


def scenarios() -> list[str]:
    """Names of the built-in scenarios, in the order ``jiesu scenarios`` lists them.

    Example:
        >>> scenarios()[:3]
        ['beijing', 'no_reform', 'pioneer_only']
    """
    return builtin_names()


def params() -> pd.DataFrame:
    """Every parameter: name, default, unit, allowed range, group, meaning and source.

    Example:
        >>> table = params()
        >>> table.set_index("name").loc["capacity_per_10k", "default"]
        80.0
    """
    import pandas as pd

    return pd.DataFrame(
        [
            {
                "name": p.name,
                "default": p.default,
                "unit": p.unit,
                "range": p.describe_range(),
                "group": p.group,
                "meaning": p.meaning,
                "source": p.source,
            }
            for p in PARAMS
        ]
    )
