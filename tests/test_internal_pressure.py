"""Is internal pressure visible in the data it generates? (docs/model.md §7.12)

A discrete-time logit of first adoption on last month's dissatisfaction (1 - satisfaction rate)
and last month's share of adopted peers, over the city-months at risk, standard errors
clustered by city. At the scenarios' setting (``internal_rate`` 0.002, ``city_quality_sd`` 0.3)
internal pressure seeds diffusion but its cross-sectional signature is too faint to estimate;
with strong pressure and strong differences between cities it is recovered. Without it, the
logit finds no positive effect.
"""

import warnings

import numpy as np
import pandas as pd
import statsmodels.api as sm
from jiesu.experiments.scenarios import load_scenario
from jiesu.model import JiesuModel
from jiesu.model.outcomes import OUTCOME_INDEX

SCALE = {"residents_per_citizen": 200000, "residents_per_unit": 500000, "end": "2026-12"}


def _panel(model) -> pd.DataFrame:
    """City-months at risk of a first adoption, with lagged dissatisfaction and peer share."""
    adopted = model.records[:, :, OUTCOME_INDEX["adopted"]] > 0
    satisfaction = model.records[:, :, OUTCOME_INDEX["satisfaction_rate"]]
    ever = np.maximum.accumulate(adopted, axis=0)
    rows = []
    for t in range(13, len(model.months)):  # from 2019-02: the reform exists
        at_risk = ~ever[t - 1]
        peers = model.peers.exposure(adopted[t - 1].astype(float))
        rows.append(
            pd.DataFrame(
                {
                    "city": np.flatnonzero(at_risk),
                    "event": adopted[t, at_risk].astype(int),
                    "dissatisfaction": 1 - satisfaction[t - 1, at_risk],
                    "peer_share": peers[at_risk],
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def _logit_z(internal_rate: float, quality_sd: float, seeds=(1, 2, 3)) -> tuple[float, int]:
    scenario = load_scenario("horizontal")
    frames = []
    for seed in seeds:
        params = scenario.params({**SCALE, "internal_rate": internal_rate, "city_quality_sd": quality_sd})
        model = JiesuModel(params, seed=seed, events=list(scenario.events))
        model.run()
        frames.append(_panel(model).assign(city=lambda d, s=seed: d["city"] + 10_000 * s))
    panel = pd.concat(frames, ignore_index=True)
    x = sm.add_constant(panel[["dissatisfaction", "peer_share"]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # separation warnings of statsmodels on rare events
        fit = sm.Logit(panel["event"], x).fit(disp=0, cov_type="cluster", cov_kwds={"groups": panel["city"]})
    return float(fit.tvalues["dissatisfaction"]), int(panel["event"].sum())


def test_strong_internal_pressure_is_recovered_and_its_absence_is_not_invented():
    z_strong, events = _logit_z(internal_rate=0.1, quality_sd=1.0)
    assert events > 500
    assert z_strong > 2.5, f"strong internal pressure should be visible, z = {z_strong:.2f}"
    z_none, _ = _logit_z(internal_rate=0.0, quality_sd=1.0)
    assert z_none < 2.0, f"no internal pressure, yet the logit finds one (z = {z_none:.2f})"
