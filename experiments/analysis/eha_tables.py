"""Tables of fitted event-history models: a tidy coefficient table and a table for papers."""

from __future__ import annotations

import numpy as np
import pandas as pd
from jiesu.experiments.analysis.eha import EhaFit, is_duration_term

_STARS = ((0.001, "***"), (0.01, "**"), (0.05, "*"))


def coefficient_table(fits: list[EhaFit]) -> pd.DataFrame:
    """One row per model x term: estimate, clustered SE, z, p, 95 % interval and the model's facts.

    Columns: ``model``, ``link``, ``term``, ``coef``, ``se``, ``z``, ``p``, ``ci_low``,
    ``ci_high``, ``n``, ``events``, ``units``, ``runs``, ``pseudo_r2``, ``duration``,
    ``cluster``, ``formula``, ``notes``.
    """
    rows = []
    for fit in fits:
        r = fit.result
        ci = r.conf_int()
        facts = {
            "n": fit.n,
            "events": fit.events,
            "units": fit.data["unit_id"].nunique(),
            "runs": fit.data["run_id"].nunique(),
            "pseudo_r2": fit.pseudo_r2,
            "duration": fit.duration,
            "cluster": fit.cluster,
            "formula": fit.formula,
            "notes": " | ".join(fit.notes),
        }
        for term in r.params.index:
            rows.append(
                {
                    "model": fit.label,
                    "link": fit.link,
                    "term": term,
                    "coef": r.params[term],
                    "se": r.bse[term],
                    "z": r.tvalues[term],
                    "p": r.pvalues[term],
                    "ci_low": ci.loc[term, 0],
                    "ci_high": ci.loc[term, 1],
                    **facts,
                }
            )
    return pd.DataFrame(rows)


def stars(p: float) -> str:
    """``***`` p < 0.001, ``**`` p < 0.01, ``*`` p < 0.05."""
    return next((mark for level, mark in _STARS if p < level), "")


def paper_table(fits: list[EhaFit], digits: int = 3) -> str:
    """A Markdown table for papers: one column per model, coefficients with stars over (SE).

    Duration terms are summarised in one row; the foot gives N, events, units, runs, the
    pseudo-R² (McFadden), the duration choice and how standard errors are clustered.
    """
    header = ["", *[f"({k + 1}) {f.label} {f.link}".strip() for k, f in enumerate(fits)]]
    terms = list(dict.fromkeys(t for f in fits for t in f.result.params.index if not is_duration_term(t)))
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for term in terms:
        cells = [_cell(f, term, digits) for f in fits]
        lines.append("| " + " | ".join([f"`{term}`", *cells]) + " |")
    foot = {
        "duration": [f.duration for f in fits],
        "N (unit-periods)": [f"{f.n:,}" for f in fits],
        "events": [f"{f.events:,}" for f in fits],
        "units x runs": [f"{f.data['unit_id'].nunique()} x {f.data['run_id'].nunique()}" for f in fits],
        "pseudo-R² (McFadden)": [f"{f.pseudo_r2:.3f}" for f in fits],
        "SE clustered by": [f.cluster for f in fits],
    }
    for name, cells in foot.items():
        lines.append("| " + " | ".join([name, *cells]) + " |")
    note = "Clustered standard errors in parentheses. * p < 0.05, ** p < 0.01, *** p < 0.001."
    return "\n".join([*lines, "", note])


def _cell(fit: EhaFit, term: str, digits: int) -> str:
    r = fit.result
    if term not in r.params.index:
        return ""
    coef, se = r.params[term], r.bse[term]
    if not np.isfinite(se):
        return f"{coef:.{digits}f} (—)"
    return f"{coef:.{digits}f}{stars(r.pvalues[term])} ({se:.{digits}f})"
