"""Did the estimator recover the mechanisms? Estimates beside the simulator's true effects.

**The true effect of a mechanism** is the average, over the unit-periods the model was fitted
on, of the increase in the true probability of adopting in the period that the mechanism's own
hazard causes:

    true effect of m = mean over rows of [exp(-(H - h_m)) - exp(-H)]

where ``h_m`` is the simulator's hazard from source ``m`` (``true_h_<m>``) and ``H`` the sum over
all sources: the true adoption probability ``1 - exp(-H)`` minus what it would be with that
mechanism switched off and everything else as it was. It is read off the simulator's stored
hazards, with no model of how they depend on covariates, so it is the same whatever
specification is fitted: a specification cannot move the truth towards itself. It is zero
exactly when the mechanism is off, and it is on the scale researchers report (probability per
period).

**The estimate** is the same quantity under the fitted model: the mean over the same rows of the
predicted probability minus the prediction with the mechanism's covariates set to their "off"
value (shares, mandates, endorsement and dissatisfaction 0; satisfaction 1), an average
attributable effect, with a delta-method standard error from the clustered covariance. A
mechanism none of whose covariates is in the fitted model (left out of the formula, or dropped
as constant or collinear) is *omitted* if it is active and *absent* if not.

Signs are compared as true sign (+ or 0) against the estimate's (+ or - if its 95 % interval
excludes 0, else 0); ranks as the order of the true and estimated effects among the mechanisms
that are active and in the specification.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from jiesu.agents.diffusion import SOURCES
from jiesu.experiments.analysis.eha import EhaFit, design_matrix, formula_columns

#: Mechanism (a hazard source) -> the panel covariates that measure it.
MECHANISM_COVARIATES: dict[str, tuple[str, ...]] = {
    "external": (),
    "endorsement": ("endorsement",),
    "mandate": ("mandate_national", "mandate_province", "mandate_months_left", "mandate_overdue"),
    "imitation": ("nbr_share_geo", "nbr_share_province", "nbr_share_rank"),
    "learning": ("nbr_gain_geo",),
    "internal": ("dissatisfaction", "satisfaction"),
}
#: Value of a covariate with its mechanism switched off (0 unless listed).
OFF_VALUE = {"satisfaction": 1.0}
_Z = 1.959963984540054


def true_effects(data: pd.DataFrame) -> dict[str, float]:
    """The true effect of every source on the rows of ``data`` that carry the truth."""
    hazards = data[[f"true_h_{s}" for s in SOURCES]].to_numpy(dtype=float)
    total = hazards.sum(axis=1, keepdims=True)
    effect = np.exp(-(total - hazards)) - np.exp(-total)
    return dict(zip(SOURCES, effect.mean(axis=0), strict=True))


def attributable_effect(fit: EhaFit, data: pd.DataFrame, covariates: list[str]) -> tuple[float, float]:
    """Mean predicted probability minus that with ``covariates`` off, and its standard error."""
    off = data.copy()
    for c in covariates:
        off[c] = OFF_VALUE.get(c, 0.0)
    x1, x0 = design_matrix(fit, data), design_matrix(fit, off)
    beta = fit.result.params.to_numpy()
    link = fit.result.model.family.link
    eta1, eta0 = x1 @ beta, x0 @ beta
    effect = float(np.mean(link.inverse(eta1) - link.inverse(eta0)))
    grad = (link.inverse_deriv(eta1)[:, None] * x1 - link.inverse_deriv(eta0)[:, None] * x0).mean(axis=0)
    variance = float(grad @ np.asarray(fit.result.cov_params()) @ grad)
    return effect, np.sqrt(variance) if variance >= 0 else np.nan


def recovery_table(fit: EhaFit) -> pd.DataFrame:
    """One row per mechanism: true effect, estimate, and whether sign and rank were recovered.

    Columns: ``mechanism``, ``covariates`` (those in the specification), ``coefficients`` (their
    estimates and z), ``true_effect``, ``true_share`` (of the mean true probability),
    ``estimate``, ``se``, ``z``, ``ci_low``, ``ci_high``, ``true_sign``, ``estimated_sign``,
    ``sign_recovered``, ``true_rank``, ``estimated_rank``, ``rank_recovered`` and ``verdict``
    (recovered, missed, reversed, spurious, correctly null, omitted, absent), and
    ``fit_reliable`` (False when the fit did not converge or some estimates diverge: separation).
    ``attrs["rank_order_recovered"]`` says whether the whole order was recovered.
    """
    data = fit.data[fit.data["true_h_total"].notna()]
    truth = true_effects(data)
    mean_p = float(data["true_p"].mean())
    rows = []
    for mech, candidates in MECHANISM_COVARIATES.items():
        used = [c for c in candidates if any(formula_columns(term, [c]) for term in fit.columns)]
        estimate, se = attributable_effect(fit, data, used) if used else (np.nan, np.nan)
        rows.append(_row(fit, mech, used, truth[mech], mean_p, estimate, se))
    table = _ranks(pd.DataFrame(rows))
    table["fit_reliable"] = fit.reliable
    return table


def _row(fit: EhaFit, mech: str, used: list[str], true: float, mean_p: float, est: float, se: float):
    z = est / se if se > 0 else np.nan
    true_sign = "+" if true > 0 else "0"
    est_sign = "" if not used else "+" if est - _Z * se > 0 else "-" if est + _Z * se < 0 else "0"
    return {
        "mechanism": mech,
        "covariates": ", ".join(used),
        "coefficients": _coefficients(fit, used),
        "true_effect": true,
        "true_share": true / mean_p if mean_p > 0 else np.nan,
        "estimate": est,
        "se": se,
        "z": z,
        "ci_low": est - _Z * se,
        "ci_high": est + _Z * se,
        "true_sign": true_sign,
        "estimated_sign": est_sign,
        "sign_recovered": bool(used) and est_sign == true_sign,
        "verdict": _verdict(bool(used), true_sign, est_sign),
    }


def _verdict(used: bool, true_sign: str, est_sign: str) -> str:
    if not used:
        return "omitted" if true_sign == "+" else "absent"
    if true_sign == "0":
        return "correctly null" if est_sign == "0" else "spurious"
    return {"+": "recovered", "0": "missed", "-": "reversed"}[est_sign]


def _coefficients(fit: EhaFit, used: list[str]) -> str:
    params, z = fit.result.params, fit.result.tvalues
    terms = [t for t in params.index if formula_columns(t, used)]
    return "; ".join(f"{t} {params[t]:.3g} (z {z[t]:.2f})" for t in terms)


def _ranks(table: pd.DataFrame) -> pd.DataFrame:
    """Rank the active mechanisms in the specification by true and by estimated effect."""
    ranked = (table["true_sign"] == "+") & (table["covariates"] != "")
    table["true_rank"] = table.loc[ranked, "true_effect"].rank(ascending=False, method="min")
    table["estimated_rank"] = table.loc[ranked, "estimate"].rank(ascending=False, method="min")
    table["rank_recovered"] = ranked & (table["true_rank"] == table["estimated_rank"])
    table.attrs["rank_order_recovered"] = bool(table.loc[ranked, "rank_recovered"].all())
    return table[COLUMNS]


COLUMNS = [
    "mechanism",
    "covariates",
    "coefficients",
    "true_effect",
    "true_share",
    "estimate",
    "se",
    "z",
    "ci_low",
    "ci_high",
    "true_sign",
    "estimated_sign",
    "sign_recovered",
    "true_rank",
    "estimated_rank",
    "rank_recovered",
    "verdict",
]
