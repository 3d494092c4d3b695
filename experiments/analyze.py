"""Analysis of a finished sweep (``jiesu analyze``): sensitivity indices and summary tables.

Results are read with DuckDB straight from the Parquet parts. Replicates of a design point
are averaged before the analysis. Sobol designs give first-order and total indices (SALib,
Saltelli 2002 / Jansen 1999 estimators, bootstrap 95 % intervals); Morris designs give mu*,
its 95 % interval, and sigma (Morris 1991; Campolongo et al. 2007); grid and Latin-hypercube
designs give standardised regression coefficients with 95 % intervals (statsmodels OLS).
Outputs: ``indices.csv``, ``summary.csv`` and one figure per outcome (PNG and SVG).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import duckdb
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from experiments.errors import UsageError
from experiments.figures import save
from experiments.fonts import rc
from experiments.labels import t
from experiments.metrics import METRICS
from experiments.sweep import PARTS
from experiments.sweep_spec import SweepSpec, load_spec


def load_results(folder: Path) -> tuple[SweepSpec, pd.DataFrame, pd.DataFrame]:
    """The spec, the design, and the point means of every outcome (DuckDB over the parts).

    Raises:
        UsageError: If the folder holds no sweep or the sweep is incomplete.
    """
    if not (folder / "spec.toml").is_file():
        raise UsageError(f"{folder} holds no sweep (no spec.toml)")
    spec = load_spec(folder / "spec.toml")
    design = pd.read_parquet(folder / "design.parquet")
    pattern = str(folder / PARTS / "runs-*.parquet")
    if not list((folder / PARTS).glob("runs-*.parquet")):
        raise UsageError(f"{folder}: no runs stored yet")
    con = duckdb.connect()
    counts = con.execute(
        f"SELECT count(*), count(DISTINCT run_index), sum(CASE WHEN status = 'ok' THEN 0 ELSE 1 END) "
        f"FROM read_parquet('{pattern}')"
    ).fetchone()
    expected = len(design) * spec.replicates
    if counts[1] < expected:
        raise UsageError(
            f"{folder}: sweep incomplete ({counts[1]} of {expected} runs); resume it with --resume"
        )
    cols = ", ".join(f"avg({o}) AS {o}" for o in spec.outcomes)
    means = con.execute(
        f"SELECT point_index, count(*) AS n_ok, {cols} FROM read_parquet('{pattern}') "
        "WHERE status = 'ok' GROUP BY point_index ORDER BY point_index"
    ).df()
    means.attrs["failed"] = int(counts[2] or 0)
    return spec, design, means


def summary_table(folder: Path, spec: SweepSpec) -> pd.DataFrame:
    """Per outcome: runs, failures, mean, sd, min, quartiles, max (DuckDB)."""
    pattern = str(folder / PARTS / "runs-*.parquet")
    con = duckdb.connect()
    parts = []
    for o in spec.outcomes:
        parts.append(
            con.execute(
                f"SELECT '{o}' AS outcome, count({o}) AS n, avg({o}) AS mean, stddev_samp({o}) AS sd, "
                f"min({o}) AS min, "
                f"quantile_cont({o}, 0.25) AS q25, median({o}) AS median, quantile_cont({o}, 0.75) AS q75, "
                f"max({o}) AS max FROM read_parquet('{pattern}') WHERE status = 'ok'"
            ).df()
        )
    return pd.concat(parts, ignore_index=True)


def indices(spec: SweepSpec, design: pd.DataFrame, means: pd.DataFrame) -> pd.DataFrame:
    """Sensitivity indices of every outcome (one row per outcome x factor)."""
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


def indices_figure(table: pd.DataFrame, outcome: str, lang: str = "en"):
    """Bar chart of one outcome's indices with their 95 % intervals."""
    rows = table[table["outcome"] == outcome]
    label = next((m.zh if lang == "zh" else m.name for m in METRICS if m.name == outcome), outcome)
    with rc(lang):
        fig, ax = plt.subplots(figsize=(7, 0.5 * len(rows) + 1.8))
        y = np.arange(len(rows))
        method = rows["method"].iloc[0] if len(rows) else ""
        if method == "sobol":
            ax.barh(
                y - 0.2, rows["S1"], 0.4, xerr=rows["S1_conf"], label=t("first_order", lang), color="#1f77b4"
            )
            ax.barh(
                y + 0.2, rows["ST"], 0.4, xerr=rows["ST_conf"], label=t("total_order", lang), color="#ff7f0e"
            )
            ax.set_title(t("sobol_title", lang, outcome=label))
            ax.legend(frameon=False)
        elif method == "morris":
            ax.barh(
                y, rows["mu_star"], 0.6, xerr=rows["mu_star_conf"], color="#2ca02c", label=t("mu_star", lang)
            )
            ax.set_title(t("morris_title", lang, outcome=label))
        elif method == "src":
            err = np.vstack([rows["SRC"] - rows["SRC_low"], rows["SRC_high"] - rows["SRC"]])
            ax.barh(y, rows["SRC"], 0.6, xerr=err, color="#9467bd")
            ax.set_title(f"SRC: {label}")
        ax.set_yticks(y, rows["parameter"])
        ax.axvline(0, color="black", lw=0.8)
        ax.set_ylabel(t("parameter", lang))
        ax.grid(alpha=0.3, axis="x")
        fig.tight_layout()
    return fig


def cmd_analyze(args) -> int:
    """``jiesu analyze DIR``: write indices.csv, summary.csv and figures into DIR/analysis."""
    folder = Path(args.folder)
    spec, design, means = load_results(folder)
    table = indices(spec, design, means)
    out = folder / "analysis"
    out.mkdir(exist_ok=True)
    from experiments.storage import write_atomic

    write_atomic(out / "indices.csv", lambda p: table.to_csv(p, index=False))
    summary = summary_table(folder, spec)
    write_atomic(out / "summary.csv", lambda p: summary.to_csv(p, index=False))
    for outcome in spec.outcomes:
        if "note" in table and table.loc[table["outcome"] == outcome, "note"].notna().any():
            continue
        save(indices_figure(table, outcome, args.lang), out, f"indices_{outcome}")
    with pd.option_context("display.width", 150, "display.precision", 3):
        print(table.drop(columns=[c for c in ("note",) if c in table]).to_string(index=False))
    print(f"failed runs: {means.attrs.get('failed', 0)}; wrote {out}/ (indices.csv, summary.csv, figures)")
    return 0
