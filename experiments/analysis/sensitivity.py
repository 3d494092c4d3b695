"""Sensitivity indices of a finished sweep (``jiesu analyze``).

Replicates of a design point are averaged before the analysis (see
:func:`jiesu.experiments.designs.sweep.load_results`). Sobol designs give first-order and
total indices (SALib, Saltelli 2002 / Jansen 1999 estimators, bootstrap 95 % intervals); Morris
designs give mu*, its 95 % interval, and sigma (Morris 1991; Campolongo et al. 2007); grid and
Latin-hypercube designs give standardised regression coefficients with 95 % intervals
(statsmodels OLS).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd


def indices(spec, design: pd.DataFrame, means: pd.DataFrame) -> pd.DataFrame:
    """Sensitivity indices of every outcome (one row per outcome x factor).

    Args:
        spec: The sweep's :class:`~jiesu.experiments.designs.sweep_spec.SweepSpec`.
        design: One row per design point (``point_index`` and the factors).
        means: One row per design point with the mean of each outcome over replicates.
    """
    problem = spec.problem()
    x = design.set_index("point_index").loc[means["point_index"], problem["names"]].to_numpy(dtype=float)
    rows = []
    for outcome in spec.outcomes:
        y = means[outcome].to_numpy(dtype=float)
        if len(y) != len(design) or not np.isfinite(y).all():
            rows += [
                {
                    "outcome": outcome,
                    "parameter": n,
                    "method": spec.design,
                    "note": "skipped: missing or non-finite values (e.g. a threshold never reached)",
                }
                for n in problem["names"]
            ]
            continue
        rows += _indices_one(spec, problem, x, y, outcome)
    return pd.DataFrame(rows)


def _indices_one(spec, problem, x, y, outcome) -> list[dict]:
    names = problem["names"]
    if spec.design == "sobol":
        from SALib.analyze import sobol

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = sobol.analyze(problem, y, calc_second_order=False, conf_level=0.95, seed=spec.seed)
        return [
            {
                "outcome": outcome,
                "parameter": n,
                "method": "sobol",
                "S1": res["S1"][k],
                "S1_conf": res["S1_conf"][k],
                "ST": res["ST"][k],
                "ST_conf": res["ST_conf"][k],
            }
            for k, n in enumerate(names)
        ]
    if spec.design == "morris":
        from SALib.analyze import morris

        res = morris.analyze(problem, x, y, conf_level=0.95, num_levels=spec.morris_levels, seed=spec.seed)
        return [
            {
                "outcome": outcome,
                "parameter": n,
                "method": "morris",
                "mu_star": res["mu_star"][k],
                "mu_star_conf": res["mu_star_conf"][k],
                "sigma": res["sigma"][k],
            }
            for k, n in enumerate(names)
        ]
    import statsmodels.api as sm

    xs = (x - x.mean(axis=0)) / np.where(x.std(axis=0) > 0, x.std(axis=0), 1)
    ys = (y - y.mean()) / (y.std() if y.std() > 0 else 1)
    fit = sm.OLS(ys, sm.add_constant(xs)).fit()
    ci = fit.conf_int(0.05)
    return [
        {
            "outcome": outcome,
            "parameter": n,
            "method": "src",
            "SRC": fit.params[k + 1],
            "SRC_low": ci[k + 1, 0],
            "SRC_high": ci[k + 1, 1],
            "R2": fit.rsquared,
        }
        for k, n in enumerate(names)
    ]
