"""ABC-SMC with pyabc, made reproducible whatever the number of workers and interruptions.

pyabc draws each candidate particle from numpy's global generator and then simulates it. The
:class:`DeterministicSampler` gives candidate ``k`` of generation ``t`` its own seed, derived
from the calibration's seed and ``(t, k)`` (``numpy.random.SeedSequence``), evaluates candidates
in batches (in this process, on local workers with joblib, or on a Dask cluster), and accepts
them in index order until the population is full. Which particles are accepted therefore depends
on the seed only, not on the number of workers or the batch size. Every evaluated candidate is
cached on disk as its batch finishes, so an interrupted generation resumes where it stopped.

pyabc is an optional dependency (``uv sync --extra calibration``): it is imported only here.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from pathlib import Path

import numpy as np
from jiesu.experiments.analysis.targets import Target, summary_statistics
from jiesu.experiments.errors import UsageError
from jiesu.experiments.execution.runner import run_scenario


def require_pyabc():
    """Import pyabc or say how to install it."""
    try:
        import pyabc
    except ImportError:
        raise UsageError(
            "calibration needs pyabc: install the extra with `uv sync --extra calibration` "
            "(or run `uv run --extra calibration jiesu calibrate ...`)"
        ) from None
    return pyabc


def encode(name: str, law: str) -> str:
    """The name pyabc knows a parameter by: log-uniform ones are sampled as their log10."""
    return f"log10_{name}" if law == "loguniform" else name


def decode(parameter, priors: dict[str, tuple[str, float, float]]) -> dict[str, float]:
    """Parameter values on their own scale from a pyabc parameter (or a dict of encoded values)."""
    values = {}
    for name, (law, _, _) in priors.items():
        value = float(parameter[encode(name, law)])
        values[name] = 10**value if law == "loguniform" else value
    return values


def prior_distribution(priors: dict[str, tuple[str, float, float]]):
    """The pyabc prior: uniform on each parameter, or on its log10 for log-uniform laws."""
    pyabc = require_pyabc()
    rvs = {}
    for name, (law, low, high) in priors.items():
        if law == "loguniform":
            low, high = np.log10(low), np.log10(high)
        rvs[encode(name, law)] = pyabc.RV("uniform", low, high - low)
    return pyabc.Distribution(**rvs)


class CityModel:
    """The simulator as pyabc sees it: parameters in, the targets' simulated values out.

    Each evaluation draws its run's seed from numpy's global generator, which the sampler has
    seeded for this candidate, so the whole evaluation is reproducible.
    """

    def __init__(self, scenario, fixed: dict, priors: dict, city: str, targets: tuple[Target, ...]):
        self.scenario, self.fixed, self.priors = scenario, dict(fixed), dict(priors)
        self.city, self.targets = city, targets

    def __call__(self, parameter) -> dict[str, float]:
        """Run the scenario with these parameter values and return the simulated targets."""
        seed = int(np.random.randint(0, 2**31 - 1))  # noqa: NPY002 - seeded per candidate by the sampler
        overrides = {**self.fixed, **decode(parameter, self.priors)}
        out = run_scenario(self.scenario, overrides, seed=seed, run_id="abc", levels=("city",))
        rows = out.timeseries[out.timeseries["name_en"] == self.city]
        return summary_statistics(rows, self.targets)


def _evaluate(simulate_one, seed: int):
    """One candidate: seed numpy's global generator (pyabc samples from it), then simulate."""
    np.random.seed(seed)  # noqa: NPY002 - pyabc draws candidates from numpy's global generator
    return simulate_one()


class Batches:
    """Evaluates a batch of candidates in order: in this process, on joblib workers, or on Dask."""

    def __init__(self, workers: int = 1, scheduler: str | None = None):
        if workers < 1:
            raise UsageError(f"--workers must be at least 1, got {workers}")
        self.workers, self.scheduler, self._client = workers, scheduler, None

    @property
    def size(self) -> int:
        """Candidates per batch: enough to keep every worker busy."""
        n = len(self._client.scheduler_info()["workers"]) if self._client else self.workers
        return max(4, 2 * n)

    def __call__(self, simulate_one, seeds: list[int]) -> list:
        """The evaluated candidates, in the order of ``seeds``."""
        if self.scheduler:
            client = self._dask()
            futures = client.map(_evaluate, [simulate_one] * len(seeds), seeds, pure=False)
            return client.gather(futures)
        if self.workers == 1:
            return [_evaluate(simulate_one, s) for s in seeds]
        from joblib import Parallel, delayed

        return Parallel(n_jobs=self.workers, backend="loky")(
            delayed(_evaluate)(simulate_one, s) for s in seeds
        )

    def _dask(self):
        if self._client is None:
            from jiesu.experiments.execution.parallel import dask_client

            self._client = dask_client(self.scheduler)
        return self._client

    def close(self) -> None:
        """Close the Dask client, if any."""
        if self._client is not None:
            self._client.close()
            self._client = None


def make_sampler(seed: int, batches: Batches, cache: Path, progress=None):
    """A pyabc sampler whose result depends on ``seed`` only (see the module docstring).

    Args:
        seed: The calibration's seed.
        batches: Where candidates are evaluated.
        cache: Folder for the candidates of unfinished generations.
        progress: Optional callable ``(generation, accepted, evaluated)`` called after each batch.
    """
    pyabc = require_pyabc()

    class DeterministicSampler(pyabc.sampler.Sampler):
        def sample_until_n_accepted(
            self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False, ana_vars=None
        ):
            sample = self._create_empty_sample()
            cached = _load_cache(cache, t)
            accepted = evaluated = 0
            while accepted < n and evaluated < max_eval:
                indices = range(evaluated, evaluated + batches.size)
                missing = [k for k in indices if k not in cached]
                if missing:
                    seeds = [task_seed(seed, t, k) for k in missing]
                    cached.update(zip(missing, batches(simulate_one, seeds), strict=True))
                    _save_cache(cache, t, {k: cached[k] for k in missing})
                for k in indices:
                    sample.append(cached[k])
                    evaluated += 1
                    accepted += bool(cached[k].accepted)
                    if accepted >= n or evaluated >= max_eval:
                        break
                if progress is not None:
                    progress(t, accepted, evaluated)
            self.nr_evaluations_ = evaluated
            if accepted < n:
                sample.ok = False
            return sample

    return DeterministicSampler()


def task_seed(seed: int, generation: int, candidate: int) -> int:
    """The seed of candidate ``candidate`` of generation ``generation``.

    pyabc samples a first population from the prior at generation -1 (to set the first
    threshold), hence the shift by one.
    """
    key = (generation + 1, candidate)
    return int(np.random.SeedSequence(seed, spawn_key=key).generate_state(1)[0])


def _load_cache(cache: Path, generation: int) -> dict:
    found = {}
    for path in sorted(cache.glob(f"g{generation + 1:03d}-*.pkl")):
        with open(path, "rb") as fh:
            found.update(pickle.load(fh))
    return found


def _save_cache(cache: Path, generation: int, particles: dict) -> None:
    cache.mkdir(parents=True, exist_ok=True)
    first = min(particles)
    fd, tmp = tempfile.mkstemp(prefix=".batch-", dir=cache)
    with os.fdopen(fd, "wb") as fh:
        pickle.dump(particles, fh)
    os.replace(tmp, cache / f"g{generation + 1:03d}-{first:08d}.pkl")


def clear_cache(cache: Path, before: int) -> None:
    """Remove the cached candidates of generations before ``before`` (they are in the database).

    Cache files are numbered ``generation + 1``: pyabc's first sample from the prior is generation
    -1, which sets the first threshold and is not stored; it is obsolete once generation 0 is.
    """
    if before <= 0:
        return
    for path in cache.glob("g*.pkl"):
        if int(path.name[1:4]) - 1 < before:
            path.unlink()
