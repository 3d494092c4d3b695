"""Fitting the diffusion layer as far as the data allow (docs/validation.md).

Two things can be estimated from dated events up to 2021:

* **Provincial relays.** Of the provinces whose plans implementing the 2020 hotline mandate could
  be dated, those that set an earlier deadline (``model/data/hotline_mandate_relays.csv``) give
  ``province_relay_probability`` a Beta posterior (uniform prior).
* **Voluntary adoption before the mandate.** Only one city besides Beijing is documented to have
  adopted before the mandate of December 2020 (Hohhot, 2020-11). With the dated Hohhot event
  removed from a scenario, the voluntary hazards (``imitation_rate``, ``learning_rate``,
  ``internal_rate``) are multiplied by a common factor ``s``; simulations on a grid of ``s`` give
  the expected number of voluntary adoptions by 2020-11, and a Poisson likelihood of the one
  observed adoption, with a log-uniform prior on the grid's range, gives the posterior of ``s``.
  What is identified is the *sum* of the voluntary hazards before the mandate, not their mix.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
from jiesu.experiments.execution.parallel import run_tasks
from jiesu.model.geography import load_table

#: The voluntary hazards scaled together, and the hand-set mix the factor multiplies.
REFERENCE = {"imitation_rate": 0.03, "learning_rate": 0.3, "internal_rate": 0.002}
VOLUNTARY = tuple(REFERENCE)
#: Voluntary adoptions observed before the mandate (Hohhot, 2020-11; model/data/diffusion_events.csv).
OBSERVED_VOLUNTARY = 1
MANDATE_MONTH = "2020-12"


def relay_probability() -> dict:
    """Posterior of ``province_relay_probability``: Beta(1 + earlier, 1 + others)."""
    from scipy import stats

    rows = load_table("hotline_mandate_relays.csv")
    earlier = sum(r["earlier_deadline"] == "yes" for r in rows)
    law = stats.beta(1 + earlier, 1 + len(rows) - earlier)
    return {
        "provinces": len(rows),
        "earlier": earlier,
        "median": float(law.median()),
        "q05": float(law.ppf(0.05)),
        "q95": float(law.ppf(0.95)),
    }


def without_dated_voluntary(scenario, target: str = "150100"):
    """The scenario without its dated adoption of Hohhot, which the fit counts as voluntary."""
    events = tuple(
        e for e in scenario.events if not (e.kind == "adopt" and e.target in (target, "Huhehaote"))
    )
    return dataclasses.replace(scenario, events=events)


def voluntary_counts(scenario, grid, seeds: int, overrides: dict, workers: int = 1) -> pd.DataFrame:
    """Voluntary adoptions before the mandate, per factor ``s`` of the grid and replicate.

    Each voluntary hazard is set to ``s`` times its value in :data:`REFERENCE`.
    """
    tasks = []
    for s in grid:
        scaled = {name: value * s for name, value in REFERENCE.items()}
        for r in range(seeds):
            tasks.append(
                {
                    "run_index": len(tasks),
                    "run_id": f"s{s:g}-r{r}",
                    "scenario": scenario,
                    "overrides": {**overrides, **scaled, "end": "2020-11"},
                    "seed": 0,
                    "replicate": r,
                    "tables": "headline",
                    "factor": float(s),
                }
            )
    rows = []
    for res in run_tasks(tasks, workers):
        if res["status"] != "ok":
            raise RuntimeError(f"run {res['run_id']} failed: {res['error']}")
        ev = res["adoptions"]
        voluntary = ev[(ev["event"] == "adopt") & (ev["level"] == "city") & (ev["channel"] != "pioneer")]
        rows.append({"factor": tasks[res["run_index"]]["factor"], "adoptions": len(voluntary)})
    return pd.DataFrame(rows).sort_values("factor").reset_index(drop=True)


def voluntary_posterior(counts: pd.DataFrame, observed: int = OBSERVED_VOLUNTARY) -> dict:
    """Posterior of the factor ``s`` (log-uniform prior over the grid) from a Poisson likelihood.

    The expected count at each grid point is the replicates' mean (at least 1e-3); between grid
    points it is interpolated on log-log scales.
    """
    mean = counts.groupby("factor")["adoptions"].mean().clip(lower=1e-3)
    fine = np.geomspace(mean.index.min(), mean.index.max(), 2001)
    expected = np.exp(np.interp(np.log(fine), np.log(mean.index), np.log(mean.to_numpy())))
    log_like = observed * np.log(expected) - expected
    weight = np.exp(log_like - log_like.max())  # log-uniform prior: uniform in log s on the grid
    cdf = np.cumsum(weight) / weight.sum()
    return {
        "median": float(fine[np.searchsorted(cdf, 0.5)]),
        "q05": float(fine[np.searchsorted(cdf, 0.05)]),
        "q95": float(fine[np.searchsorted(cdf, 0.95)]),
        "expected_at_1": float(mean.loc[1.0]) if 1.0 in mean.index else float("nan"),
    }
