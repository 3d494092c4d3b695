"""Discrete-time event-history models of adoption: logit and complementary log-log hazards.

The model of a panel row (unit ``i``, period ``t``, at risk) is
``P(event_it = 1) = F(x_it' b + d(t))`` with ``F`` the logistic (logit) or ``1 - exp(-exp(.))``
(cloglog: the grouped-time version of a proportional-hazards model; Allison 1982; Beck, Katz &
Tucker 1998). ``d(t)`` is the duration dependence, a documented choice:

* ``spline`` (default): a cubic B-spline of ``years_since_reform`` with 3 degrees of freedom;
  smooth, so covariates that are common to all units (a national mandate, an endorsement) stay
  identified;
* ``dummies``: one dummy per period (``C(period)``). Covariates that do not vary within a period
  are then not identified and are dropped, as are periods with no event or only events (they
  carry no information on the other coefficients and would make the estimates diverge);
* ``linear``: ``years_since_reform``; ``none``: no duration term.

Standard errors are clustered by unit (the city's code, pooled over runs) or, with ``auto``
and at least :data:`MIN_RUN_CLUSTERS` runs, two-way by unit and run (Cameron, Gelbach & Miller
2011): cluster-robust errors need many clusters, so with few replicates only the unit dimension
is used.

Example:
    >>> fit = fit_eha(panel, link="cloglog", duration="dummies")  # doctest: +SKIP
    >>> coefficient_table([fit])  # doctest: +SKIP
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import patsy
import statsmodels.api as sm
from jiesu.experiments.analysis.choices import CLUSTERS, DURATIONS, LINKS
from jiesu.experiments.errors import UsageError

#: Runs needed before ``auto`` also clusters by run.
MIN_RUN_CLUSTERS = 10
#: Right-hand side of the default specification (before the duration term).
DEFAULT_COVARIATES = (
    "nbr_share_geo",
    "nbr_share_province",
    "nbr_share_rank",
    "nbr_gain_geo",
    "mandate_national",
    "mandate_province",
    "endorsement",
    "dissatisfaction",
    "log_population",
    "I(distance_pioneer_km / 1000)",
    "I(requests_per_10k / 100)",
)
DURATION_TERMS = {
    "spline": "bs(years_since_reform, df=3)",
    "dummies": "C(period)",
    "linear": "years_since_reform",
    "none": "",
}


@dataclass
class EhaFit:
    """A fitted discrete-time hazard model and what it was fitted on.

    Attributes:
        result: The statsmodels GLM results (clustered covariance).
        design: The patsy design of the right-hand side (to predict on new data).
        columns: The design's columns kept in the model (collinear ones are left out).
        data: The panel rows used.
        label: Name of the model (e.g. the scenario).
        formula: The formula fitted (duration term included).
        link: ``logit`` or ``cloglog``.
        duration: The duration choice (``own formula`` when a formula was given).
        cluster: How standard errors are clustered.
        notes: What was dropped or warned about.
    """

    result: object
    design: patsy.DesignInfo
    columns: list[str]
    data: pd.DataFrame
    label: str
    formula: str
    link: str
    duration: str
    cluster: str
    notes: list[str] = field(default_factory=list)

    @property
    def n(self) -> int:
        """Unit-periods used."""
        return len(self.data)

    @property
    def events(self) -> int:
        """Events among them."""
        return int(self.data["event"].sum())

    @property
    def reliable(self) -> bool:
        """False if the fit did not converge or some estimates diverge (see :attr:`notes`)."""
        return not any(n.startswith(_UNRELIABLE) for n in self.notes)

    @property
    def pseudo_r2(self) -> float:
        """McFadden's pseudo-R², ``1 - llf / llnull``."""
        return float(1 - self.result.llf / self.result.llnull)


#: The specification of the diffusion literature (Berry & Berry 1990) without a duration term, as
#: docs/validation.md and the tests fit it to city-year panels: neighbours' adoption, national and
#: provincial mandates, endorsement, dissatisfaction, size and distance from the pioneer.
BERRY_BERRY = (
    "event ~ nbr_share_geo + mandate_national + mandate_province + endorsement + dissatisfaction"
    " + log_population + I(distance_pioneer_km / 1000)"
)


def default_formula(duration: str = "spline", covariates=DEFAULT_COVARIATES) -> str:
    """The default specification: the mechanisms' covariates, controls and the duration term."""
    terms = [*covariates, DURATION_TERMS[duration]]
    return "event ~ " + " + ".join(t for t in terms if t)


def formula_columns(formula: str, columns) -> list[str]:
    """The panel columns a formula names (whole words), in panel order."""
    return [c for c in columns if re.search(rf"\b{re.escape(c)}\b", formula)]


def fit_eha(
    panel: pd.DataFrame,
    formula: str | None = None,
    link: str = "logit",
    duration: str = "spline",
    cluster: str = "auto",
    label: str = "",
) -> EhaFit:
    """Fit a discrete-time hazard model to the rows at risk of a panel.

    Columns of the design that are linear combinations of earlier ones are left out (with a
    note), the duration terms first: with few periods a smooth duration term can be collinear
    with covariates that change only over time, such as a national mandate.

    Args:
        panel: A panel from :func:`jiesu.experiments.analysis.panel.build_panel` (rows not at
            risk are left out).
        formula: A patsy formula with ``event`` on the left; the default specification
            (:func:`default_formula`) if None. A formula of one's own is used as given (add a
            duration term yourself, e.g. ``+ C(period)``).
        link: ``logit`` or ``cloglog``.
        duration: Duration dependence of the default formula (see the module docstring).
        cluster: ``auto``, ``unit``, ``run`` or ``unit+run``.
        label: Name of the model in tables.

    Raises:
        UsageError: For an unknown option, a formula that names missing columns, or a panel
            without events.
    """
    _check_options(link, duration, cluster)
    own_formula = formula
    at_risk = panel[panel["at_risk"] == 1]
    data, formula, notes = _specification(at_risk, formula, duration)
    y, x = _design(formula, data)
    if len(x) < len(data):
        notes.append(f"{len(data) - len(x)} rows with missing covariates left out")
    data = data.loc[x.index]
    if int(y.sum()) == 0:
        raise UsageError(f"{label or 'the panel'}: no events among the {len(data)} rows at risk")
    columns = _independent_columns(x, notes)
    cluster = _cluster_kind(cluster, data)
    family = sm.families.Binomial(link=sm.families.links.CLogLog() if link == "cloglog" else None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = sm.GLM(y, x[columns], family=family).fit(
            cov_type="cluster", cov_kwds={"groups": _groups(data, cluster)}, maxiter=100
        )
    notes += sorted({f"statsmodels: {w.message}" for w in caught})
    notes += _diagnose(result)
    kind = duration if own_formula is None else "own formula"
    return EhaFit(result, x.design_info, columns, data, label, formula, link, kind, cluster, notes)


def _specification(data: pd.DataFrame, formula: str | None, duration: str):
    """Rows and formula to fit, with notes on what the default specification left out."""
    notes: list[str] = []
    if formula is not None:
        return data, formula, notes
    covariates = list(DEFAULT_COVARIATES)
    if duration == "dummies":
        data, covariates = _for_dummies(data, covariates, notes)
    covariates = _drop_constant(data, covariates, notes)
    covariates = _drop_separating(data, covariates, notes)
    return data, default_formula(duration, covariates), notes


def _drop_separating(data: pd.DataFrame, covariates: list[str], notes: list[str]) -> list[str]:
    """Leave out 0/1 covariates one of whose values always (or never) comes with the event.

    Such a covariate separates the data: its logit coefficient does not exist (it diverges).
    """
    keep = []
    for term in covariates:
        cols = formula_columns(term, data.columns)
        col = cols[0] if len(cols) == 1 and term == cols[0] else None
        if col is not None and set(data[col].dropna().unique()) <= {0.0, 1.0}:
            rates = data.groupby(col)["event"].mean()
            if ((rates == 0) | (rates == 1)).any():
                notes.append(
                    f"{term} left out: one of its values always or never comes with an event (separation)"
                )
                continue
        keep.append(term)
    return keep


def is_duration_term(column: str) -> bool:
    """Whether a design column belongs to a duration term (period dummies, spline, time)."""
    return column.startswith(("C(period)", "bs(years_since_reform")) or column in ("years_since_reform", "t")


def _independent_columns(x: pd.DataFrame, notes: list[str]) -> list[str]:
    """Columns of ``x`` kept greedily while they add rank: covariates first, duration terms last."""
    order = [c for c in x.columns if not is_duration_term(c)] + [c for c in x.columns if is_duration_term(c)]
    values = x[order].to_numpy(dtype=float)
    gram = values.T @ values
    scale = np.sqrt(np.clip(np.diag(gram), 1e-300, None))
    gram = gram / np.outer(scale, scale)
    kept: list[int] = []
    for k, name in enumerate(order):
        trial = [*kept, k]
        if np.linalg.matrix_rank(gram[np.ix_(trial, trial)], tol=1e-9) == len(trial):
            kept.append(k)
        else:
            notes.append(f"{name} left out: constant, or collinear with the columns before it")
    return [c for c in x.columns if c in {order[k] for k in kept}]


_UNRELIABLE = ("the fit did not converge", "estimates that may not exist")


def _diagnose(result) -> list[str]:
    """Notes on estimates that look as if they do not exist (separation) or did not converge."""
    notes = [] if result.converged else [_UNRELIABLE[0]]
    se = result.bse
    bad = [t for t in result.params.index if not np.isfinite(se[t]) or abs(result.params[t]) > 25]
    if bad:
        notes.append(f"{_UNRELIABLE[1]} (separation or too little variation): {', '.join(bad)}")
    return notes


def _check_options(link: str, duration: str, cluster: str) -> None:
    for name, value, allowed in (
        ("link", link, LINKS),
        ("duration", duration, DURATIONS),
        ("cluster", cluster, CLUSTERS),
    ):
        if value not in allowed:
            raise UsageError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")


def _design(formula: str, data: pd.DataFrame):
    try:
        y, x = patsy.dmatrices(formula, data, return_type="dataframe", NA_action="drop")
    except (patsy.PatsyError, NameError, KeyError) as err:
        raise UsageError(f"formula {formula!r}: {str(err).splitlines()[0]}") from None
    if list(y.columns) != ["event"]:
        raise UsageError(f"formula {formula!r}: the left-hand side must be `event`")
    return y["event"], x


def _for_dummies(data: pd.DataFrame, covariates: list[str], notes: list[str]):
    """Drop periods without variation in the event and covariates constant within periods."""
    rate = data.groupby("period")["event"].transform("mean")
    dropped = data.loc[(rate == 0) | (rate == 1), "period"].unique()
    if len(dropped):
        notes.append(f"periods without variation in the event left out: {', '.join(map(str, dropped))}")
    data = data[(rate > 0) & (rate < 1)]
    keep = []
    for term in covariates:
        cols = formula_columns(term, data.columns)
        if cols and all(data.groupby("period")[c].nunique().max() <= 1 for c in cols):
            notes.append(f"{term} left out: it does not vary within periods (collinear with the dummies)")
        else:
            keep.append(term)
    return data, keep


def _drop_constant(data: pd.DataFrame, covariates: list[str], notes: list[str]) -> list[str]:
    keep = []
    for term in covariates:
        cols = formula_columns(term, data.columns)
        if cols and all(data[c].nunique(dropna=True) <= 1 for c in cols):
            notes.append(f"{term} left out: it does not vary in this panel")
        else:
            keep.append(term)
    return keep


def _cluster_kind(cluster: str, data: pd.DataFrame) -> str:
    if cluster != "auto":
        return cluster
    return "unit+run" if data["run_id"].nunique() >= MIN_RUN_CLUSTERS else "unit"


def _groups(data: pd.DataFrame, cluster: str) -> np.ndarray:
    unit = pd.factorize(data["unit_id"])[0]
    run = pd.factorize(data["run_id"])[0]
    return {"unit": unit, "run": run, "unit+run": np.column_stack([unit, run])}[cluster]


def predict(fit: EhaFit, data: pd.DataFrame, params: np.ndarray | None = None) -> np.ndarray:
    """Predicted probability of the event per row of ``data`` (with ``params``, or the estimates)."""
    x = design_matrix(fit, data)
    beta = fit.result.params.to_numpy() if params is None else params
    return fit.result.model.family.link.inverse(x @ beta)


def design_matrix(fit: EhaFit, data: pd.DataFrame) -> np.ndarray:
    """The fitted model's right-hand side evaluated on ``data`` (rows must have no missing values)."""
    x = patsy.build_design_matrices([fit.design], data, return_type="dataframe")[0]
    return x[fit.columns].to_numpy(dtype=float)
