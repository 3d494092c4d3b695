"""Bayesian calibration by ABC-SMC (``jiesu calibrate``): a posterior with its diagnostics.

Likelihood-free: particles are drawn from the priors declared with the parameters (or narrower
ones in the calibration file), simulated, and kept when their distance to the data (the targets
of :mod:`jiesu.experiments.analysis.targets`) is below a threshold that falls from generation to
generation (the median of the last generation's distances); later generations perturb the
accepted particles, by default with a normal kernel whose covariance is that of the particle's
nearest neighbours (pyabc's ABC-SMC and LocalTransition: Toni et al. 2009; Filippi et al. 2013;
Klinger et al. 2018). A folder holds::

    .lock                locked (flock) while a jiesu process works in the folder
    manifest.json        provenance: command, seed, budget, versions, what determines the results
                         (resume key); written last when the folder is prepared; "finished" once done
    spec.toml            the calibration file as given
    abc.db               pyabc's database: every generation (the state a resume starts from)
    cache/               candidates of an unfinished generation (removed when it is stored)
    posterior.parquet    one row per particle of every generation: weight, distance, parameters
    diagnostics.csv      per generation: threshold, simulations, acceptance rate, effective size
    predictive.parquet   posterior predictive runs to ``predictive_end`` (Beijing's rows)
    marginals.png/svg, predictive.png/svg

An interrupted calibration continues with ``resume=True``: finished generations come from the
database, the unfinished one from the cache; the result equals an uninterrupted run.
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from jiesu.experiments.analysis.targets import summary_statistics
from jiesu.experiments.designs.calibration_spec import CalibrationSpec
from jiesu.experiments.execution import abc
from jiesu.experiments.execution.parallel import run_tasks
from jiesu.experiments.limits import check_limit, check_scheduler
from jiesu.experiments.outputs.resumable import resumable, resume_key
from jiesu.experiments.outputs.storage import base_manifest, write_atomic, write_json, write_parquet

#: Columns of Beijing's rows kept from each posterior predictive run.
PREDICTIVE_COLUMNS = (
    "requests",
    "inquiries",
    "work_orders",
    "response_rate",
    "resolution_rate",
    "satisfaction_rate",
    "trust_mean",
    "scope",
    "online_share",
    "expectation",
    "problem_rate",
)


#: What preparation writes before the manifest.
PREPARED = {"spec.toml"}


def run_calibration(
    spec: CalibrationSpec,
    folder: Path,
    workers: int = 1,
    scheduler: str | None = None,
    resume: bool = False,
    progress: bool = True,
    command: list[str] | None = None,
    parents: bool = False,
) -> dict:
    """Run (or resume) a calibration into ``folder`` and write its outputs; return a summary.

    The folder is locked while the calibration works in it, and a resume is refused when the
    calibration file, the resolved scenario or the versions changed
    (:mod:`jiesu.experiments.outputs.resumable`).
    """
    pyabc = abc.require_pyabc()
    logging.getLogger("ABC").setLevel(logging.WARNING)
    check_limit("workers", workers, "--workers")
    check_scheduler(scheduler)
    folder = Path(folder)
    key = resume_key(spec.canonical(), spec.scenario, spec.parameters)
    with resumable(folder, "calibration", key, resume, PREPARED, parents, spec.digest) as stored:
        manifest = stored if stored is not None else _prepare(spec, folder, command, key)
        start = time.perf_counter()
        if not manifest.get("finished"):
            batches = abc.Batches(workers, scheduler)
            try:
                _sample(pyabc, spec, folder, batches, progress)
            finally:
                batches.close()
            manifest["finished"] = True
        manifest["wall_seconds"] = round(manifest.get("wall_seconds", 0) + time.perf_counter() - start, 1)
        return _write_outputs(spec, folder, manifest, workers, scheduler)


def _prepare(spec: CalibrationSpec, folder: Path, command, key: dict) -> dict:
    write_atomic(folder / "spec.toml", lambda p: p.write_text(spec.text, encoding="utf-8"))
    manifest = base_manifest(command)
    manifest.update(
        {
            "kind": "calibrate",
            "name": spec.name,
            "seed": spec.seed,
            "spec_sha256": spec.digest,
            "resume_key": key,
            "scenario": spec.scenario.to_dict(),
            "fixed_parameters": spec.parameters,
            "priors": {n: list(p) for n, p in spec.priors.items()},
            "targets": {
                t.name: {"observed": t.observed, "scale": t.scale, "meaning": t.meaning} for t in spec.targets
            },
            "budget": {
                "population": spec.population,
                "generations": spec.generations,
                "min_acceptance": spec.min_acceptance,
                "max_simulations": spec.max_simulations,
            },
            "finished": False,
        }
    )
    write_json(manifest, folder / "manifest.json")  # last: the mark of a prepared folder
    return manifest


def _sample(pyabc, spec: CalibrationSpec, folder: Path, batches, progress: bool) -> None:
    from tqdm.auto import tqdm

    model = abc.CityModel(spec.scenario, spec.parameters, spec.priors, spec.city, spec.targets)
    weights = {t.name: 1 / t.scale for t in spec.targets}
    bar = tqdm(total=spec.population, unit="particle", disable=None if progress else True, file=sys.stderr)

    def report(generation: int, accepted: int, evaluated: int) -> None:
        bar.set_description(f"{spec.name} generation {generation}")
        bar.n = min(accepted, spec.population)
        bar.set_postfix(simulations=evaluated)
        bar.refresh()

    smc = pyabc.ABCSMC(
        model,
        abc.prior_distribution(spec.priors),
        pyabc.PNormDistance(p=2, fixed_weights=weights),
        population_size=spec.population,
        transitions=pyabc.LocalTransition()
        if spec.transition == "local"
        else pyabc.MultivariateNormalTransition(),
        sampler=abc.make_sampler(spec.seed, batches, folder / "cache", report),
        eps=pyabc.MedianEpsilon(),
    )
    db = f"sqlite:///{folder / 'abc.db'}"
    done = _generations_done(pyabc, folder)
    if done:
        smc.load(db, 1)
    else:  # nothing stored yet (evaluated candidates are in the cache): start the database afresh
        (folder / "abc.db").unlink(missing_ok=True)
        smc.new(db, {t.name: t.observed for t in spec.targets})
    abc.clear_cache(folder / "cache", before=done)
    try:
        if spec.generations > done:
            smc.run(
                max_nr_populations=spec.generations - done,
                min_acceptance_rate=spec.min_acceptance,
                max_total_nr_simulations=spec.max_simulations,
            )
    finally:
        bar.close()
    abc.clear_cache(folder / "cache", before=_generations_done(pyabc, folder))


def _generations_done(pyabc, folder: Path) -> int:
    """Generations stored in the folder's database (0 if there is none)."""
    if not (folder / "abc.db").is_file():
        return 0
    last = pyabc.History(f"sqlite:///{folder / 'abc.db'}", _id=1).max_t
    return 0 if last is None or last < 0 else int(last) + 1


def posterior_table(history, spec: CalibrationSpec) -> pd.DataFrame:
    """One row per particle of every generation: weight, distance, parameters, simulated targets."""
    frames = []
    for t in range(int(history.max_t) + 1):
        pop = history.get_population_extended(m=0, t=t, tidy=True).reset_index(drop=True)
        encoded = pop.rename(columns=lambda c: c[len("par_") :] if c.startswith("par_") else c)
        values = pd.DataFrame([abc.decode(row, spec.priors) for _, row in encoded.iterrows()])
        frame = pd.DataFrame(
            {
                "generation": t,
                "particle": np.arange(len(pop)),
                "weight": pop["w"],
                "distance": pop["distance"],
            }
        )
        sims = pop[[f"sumstat_{t_.name}" for t_ in spec.targets]].rename(columns=lambda c: "sim_" + c[8:])
        frames.append(pd.concat([frame, values, sims.astype(float)], axis=1))
    return pd.concat(frames, ignore_index=True)


def diagnostics_table(history, posterior: pd.DataFrame) -> pd.DataFrame:
    """Per generation: acceptance threshold, simulations, acceptance rate, effective sample size."""
    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0].sort_values("t")
    ess = posterior.groupby("generation")["weight"].apply(lambda w: float(w.sum() ** 2 / (w**2).sum()))
    return pd.DataFrame(
        {
            "generation": pops["t"].to_numpy(),
            "epsilon": pops["epsilon"].to_numpy(),
            "simulations": pops["samples"].to_numpy(),
            "particles": pops["particles"].to_numpy(),
            "acceptance_rate": (pops["particles"] / pops["samples"]).to_numpy(),
            "effective_sample_size": ess.reindex(pops["t"]).to_numpy(),
            "wall_seconds": pops["wall_time"].to_numpy(),
        }
    )


def posterior_predictive(spec: CalibrationSpec, last: pd.DataFrame, workers: int, scheduler) -> pd.DataFrame:
    """Runs to ``predictive_end`` of particles drawn by weight from the last generation."""
    if spec.predictive_draws == 0:
        return pd.DataFrame()
    rng = np.random.default_rng(np.random.SeedSequence(spec.seed, spawn_key=(1_000_000,)))
    picks = rng.choice(len(last), size=spec.predictive_draws, p=last["weight"] / last["weight"].sum())
    tasks = []
    for draw, pick in enumerate(picks):
        values = {name: float(last.iloc[pick][name]) for name in spec.priors}
        overrides = {**spec.parameters, **values, "end": spec.predictive_end}
        tasks.append(
            {
                "run_index": draw,
                "run_id": f"draw-{draw:03d}",
                "scenario": spec.scenario,
                "overrides": overrides,
                "seed": spec.seed,
                "replicate": draw,
                "tables": "all",
                "particle": int(pick),
            }
        )
    frames = []
    for res in run_tasks(tasks, workers, scheduler):
        if res["status"] != "ok":
            raise RuntimeError(f"posterior predictive run {res['run_id']} failed: {res['error']}")
        ts = res["timeseries"]
        rows = ts[(ts["level"] == "city") & (ts["name_en"] == spec.city)].copy()
        rows.insert(0, "particle", tasks[res["run_index"]]["particle"])
        rows.insert(0, "draw", res["run_index"])
        frames.append(rows)
    table = pd.concat(frames, ignore_index=True)[["draw", "particle", "month", *PREDICTIVE_COLUMNS]]
    return table.sort_values(["draw", "month"]).reset_index(drop=True)


def _write_outputs(spec: CalibrationSpec, folder: Path, manifest: dict, workers: int, scheduler) -> dict:
    pyabc = abc.require_pyabc()
    from jiesu.experiments.figures import calibration as figures
    from jiesu.experiments.figures.common import save

    history = pyabc.History(f"sqlite:///{folder / 'abc.db'}", _id=1)
    posterior = posterior_table(history, spec)
    diagnostics = diagnostics_table(history, posterior)
    last = posterior[posterior["generation"] == posterior["generation"].max()].reset_index(drop=True)
    predictive = posterior_predictive(spec, last, workers, scheduler)
    write_parquet(posterior, folder / "posterior.parquet")
    write_atomic(
        folder / "diagnostics.csv", lambda p: diagnostics.to_csv(p, index=False, encoding="utf-8-sig")
    )
    if len(predictive):
        write_parquet(predictive, folder / "predictive.parquet")
    paths = save(figures.marginals_figure(last, spec), folder, "marginals")
    if len(predictive):
        paths += save(figures.predictive_figure(predictive, spec), folder, "predictive")
    fitted = _fit_summary(predictive, spec)
    manifest.update(
        {
            "generations_done": int(diagnostics["generation"].max()) + 1,
            "simulations": int(diagnostics["simulations"].sum()),
            "in_sample": fitted,
            "files": [
                "posterior.parquet",
                "diagnostics.csv",
                *(["predictive.parquet"] if len(predictive) else []),
                *[p.name for p in paths],
            ],
        }
    )
    write_json(manifest, folder / "manifest.json")
    return {
        "posterior": posterior,
        "diagnostics": diagnostics,
        "predictive": predictive,
        "manifest": manifest,
    }


def _fit_summary(predictive: pd.DataFrame, spec: CalibrationSpec) -> dict:
    """Each target's observed value beside the posterior predictive median and 90 % interval."""
    if predictive.empty:
        return {}
    sims = pd.DataFrame([summary_statistics(rows, spec.targets) for _, rows in predictive.groupby("draw")])
    return {
        t.name: {
            "observed": t.observed,
            "median": float(sims[t.name].median()),
            "q05": float(sims[t.name].quantile(0.05)),
            "q95": float(sims[t.name].quantile(0.95)),
        }
        for t in spec.targets
    }
