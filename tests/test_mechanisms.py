"""Levels the model reaches come from mechanisms, not from built-in ceilings (docs/model.md §7).

Each of the first tests is a finding about commit 1bbb59c turned into a regression test: a
collapsed city reported success, the pioneer abandoned its own reform and a dated event
silently re-adopted it, the pre-reform series drifted for lack of a burn-in, and requests jumped
by half in the reform's first month. The last tests show that within the declared priors the
data, not the structure, decide whether use and rates keep growing, plateau or fall.
"""

import numpy as np
import pytest
from jiesu.experiments.designs.diffusion_fit import REFERENCE
from jiesu.experiments.execution.runner import run_scenario
from jiesu.experiments.scenarios import load_scenario
from jiesu.model import JiesuModel, make_parameters
from jiesu.model.parameters import PARAMS_BY_NAME

from tests.conftest import run_city

COARSE = {"residents_per_citizen": 200000, "residents_per_unit": 500000}


def _yearly(df, column="requests", how="sum"):
    return df.groupby(df["month"].str[:4])[column].agg(how)


def _beijing(**overrides):
    """The beijing scenario (with its dated 每月一题 and regulation) to 2030, its city rows."""
    overrides = {"end": "2030-12", "residents_per_citizen": 10000, **overrides}
    return run_scenario(load_scenario("beijing"), overrides, seed=1).timeseries


def _within_prior(**values):
    """The values, after checking that each lies within its parameter's declared prior."""
    for name, value in values.items():
        _, low, high = PARAMS_BY_NAME[name].prior
        assert low <= value <= high, f"{name} = {value} is outside its prior [{low}, {high}]"
    return values


def test_a_collapsed_city_reports_collapse_in_every_rate():
    """Too little capacity and no adaptation: the backlog explodes and satisfaction shows it."""
    df = run_city(
        capacity_per_10k=40.0, reform_capacity_multiplier=1.5, capacity_adaptation=0.0, end="2024-12"
    ).set_index("month")
    last = df.loc["2024-12"]
    assert last["backlog"] > 5 * last["work_orders"], "months of work orders wait in the backlog"
    assert last["resolution_rate"] < 0.1
    assert last["satisfaction_rate"] < 0.1, "callers left in the backlog are dissatisfied callers"
    healthy = run_city(end="2024-12").set_index("month").loc["2024-12"]
    assert healthy["satisfaction_rate"] > 0.8


def test_satisfaction_counts_callers_never_routed():
    """Before the reform, work orders that fragmented hotlines never route satisfy nobody."""
    for routing in (0.6, 0.9):
        df = run_city(routing_fragmented=routing, capacity_per_10k=1e9, end="2018-12")
        handled_rate = df["satisfaction_rate"] / df["response_rate"]
        assert np.allclose(df["response_rate"], routing, atol=0.02)
        assert (df["satisfaction_rate"] < routing).all()
        assert np.allclose(handled_rate, handled_rate.mean(), atol=0.03)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_pioneer_keeps_its_reform_in_china_scenarios(seed):
    """Many voluntary adopters (the strong hand-set hazards) and no mandate, so cities can abandon."""
    overrides = {**COARSE, **REFERENCE, "abandon_rate": 0.05, "end": "2022-12"}
    out = run_scenario(load_scenario("horizontal"), overrides, seed=seed)
    ev = out.adoptions
    beijing = ev[ev["unit_id"] == "110000"]
    assert "abandon" not in set(beijing["event"]), "the pioneer abandoned its own reform"
    assert (ev["event"] == "abandon").sum() > 0, "other cities do abandon at this rate"
    assert not ev["event"].str.endswith("_skipped").any()


def test_a_dated_event_never_silently_readopts_an_abandoned_reform(tmp_path):
    """add_element on a city that no longer runs the reform is logged as skipped, not adopted."""
    path = tmp_path / "lapse.toml"
    path.write_text(
        'name = "lapse"\nextends = "beijing"\n'
        '[[events]]\nmonth = "2020-06"\nkind = "abandon"\ntarget = "Beijing"\n'
    )
    out = run_scenario(load_scenario(path), {"residents_per_citizen": 20000, "end": "2021-12"}, seed=1)
    ev = out.adoptions.set_index("month")
    assert ev.loc["2020-06", "event"] == "abandon"
    assert ev.loc["2021-01", "event"] == "add_element_skipped"
    assert ev.loc["2021-09", "event"] == "institutionalise_skipped"
    assert (out.adoptions["event"] == "adopt").sum() == 1, "only the pioneer's own adoption in 2019-01"
    ts = out.timeseries.set_index("month")
    assert not ts.loc["2021-12", "adopted"]


def test_the_pioneer_may_abandon_when_the_scenario_says_so():
    counts = []
    for allowed in (False, True):
        params = make_parameters(
            {
                "geography": "beijing",
                "residents_per_citizen": 50000,
                "abandon_rate": 0.2,
                "pioneer_abandons": allowed,
            }
        )
        counts.append(int((JiesuModel(params, seed=3).run().events["event"] == "abandon").sum()))
    assert counts[0] == 0 < counts[1]


def test_burn_in_makes_the_pre_reform_series_stationary():
    """Two pre-reform years: with the burn-in the requests drift by under 2 %, without it by more."""
    drift = {}
    for months in (0, 36):
        df = run_city(
            reform_start="2020-01", end="2019-12", burn_in_months=months, residents_per_citizen=5000
        )
        yearly = _yearly(df)
        drift[months] = abs(yearly["2019"] / yearly["2018"] - 1)
    assert drift[36] < 0.02, f"pre-reform requests still drift by {drift[36]:.1%} a year after the burn-in"
    assert drift[0] > 2 * drift[36], f"the burn-in should remove the start-up drift: {drift}"


def test_the_reform_starts_as_a_ramp_not_a_jump():
    df = run_city(residents_per_citizen=5000).set_index("month")
    first_month = df.loc["2019-01", "requests"] / df.loc["2018-12", "requests"] - 1
    assert first_month < 0.15, f"requests jump {first_month:.0%} in the reform's first month"
    yearly = _yearly(df.reset_index())
    assert yearly["2019"] > 1.3 * yearly["2018"], "but they grow strongly over the reform's first year"


def test_problems_taken_up_by_each_month_one_topic_are_narrower_than_a_category():
    """2.25 topics a month are 27 problems in a year, each one of many in its category."""
    params = make_parameters(
        {"geography": "beijing", "residents_per_citizen": 50000, "end": "2021-12", "problem_regrowth": 0.0}
    )
    model = JiesuModel(params, seed=1, events=load_scenario("beijing").events)
    model.run()
    fixed = model.cities.root[0] < 1
    assert fixed.sum() == 27, "Beijing took up 27 problems in 2021 (model/data/beijing_calibration.csv)"
    problems = model.problems
    category_share = np.bincount(problems.category, weights=problems.share)[problems.category]
    assert (problems.share[fixed] / category_share[fixed] < 0.5).all(), (
        "a topic is one problem of its category"
    )
    assert len(set(problems.category[fixed])) > 3, "topics come from several categories"


def test_scope_widening_and_online_channels_raise_use_of_the_hotline():
    base = {"end": "2024-12", "residents_per_citizen": 10000}
    closed = run_city(**base, scope_widening_rate=0.0, online_uptake_rate=0.0)
    open_ = run_city(**base, scope_widening_rate=0.05, online_uptake_rate=0.1)
    assert (closed["online_share"] == closed["online_share"].iloc[0]).all()
    assert open_.set_index("month").loc["2024-12", "online_share"] > 0.2
    assert _yearly(open_)["2024"] > 1.2 * _yearly(closed)["2024"]


def test_rising_expectations_lower_satisfaction_at_the_same_resolution():
    calm = run_city(expectation_weight=0.0, end="2024-12").set_index("month").loc["2022-01":]
    demanding = run_city(expectation_weight=2.0, end="2024-12").set_index("month").loc["2022-01":]
    assert abs(calm["resolution_rate"].mean() - demanding["resolution_rate"].mean()) < 0.01
    assert demanding["satisfaction_rate"].mean() < calm["satisfaction_rate"].mean() - 0.02


def test_resolution_approaches_one_minus_the_unresolvable_share():
    for unresolvable in (0.05, 0.2):
        df = run_city(resolution_unresolvable=unresolvable, learning_exponent=3.0, end="2030-12")
        late = df.set_index("month").loc["2028-01":, "resolution_rate"].mean()
        assert 1 - unresolvable - 0.04 < late <= 1 - unresolvable + 0.005, (unresolvable, late)


def test_within_the_priors_use_can_keep_growing_or_fall():
    """After 2021 requests can keep growing or fall: the data (part 2) decide, not the structure."""
    growing = _beijing(
        **_within_prior(
            scope_widening_rate=0.008, online_uptake_rate=0.02, expectation_voice=2.5, topic_fix_depth=0.05
        )
    )
    falling = _beijing(
        **_within_prior(
            scope_widening_rate=0.2,
            online_uptake_rate=0.005,
            expectation_voice=0.0,
            topic_fix_depth=0.8,
            problem_concentration=2.0,
            problem_regrowth=0.0005,
        )
    )
    g, f = _yearly(growing), _yearly(falling)
    assert g["2030"] > 1.15 * g["2022"], f"expected continued growth, got {g['2022']:.3g} -> {g['2030']:.3g}"
    assert f["2030"] < 0.9 * f["2021"], f"expected a decline, got {f['2021']:.3g} -> {f['2030']:.3g}"


def test_within_the_priors_rates_can_keep_improving_or_stall():
    improving = _beijing(
        **_within_prior(learning_exponent=0.15, resolution_unresolvable=0.0, expectation_weight=0.0)
    )
    stalling = _beijing(
        **_within_prior(learning_exponent=4.0, resolution_unresolvable=0.15, expectation_weight=1.5)
    )
    i = _yearly(improving, "resolution_rate", "mean")
    s = _yearly(stalling, "resolution_rate", "mean")
    assert i["2030"] > i["2022"] + 0.03, (
        f"expected resolution to keep improving: {i['2022']:.3f} -> {i['2030']:.3f}"
    )
    assert abs(s["2030"] - s["2022"]) < 0.01, (
        f"expected resolution to stall: {s['2022']:.3f} -> {s['2030']:.3f}"
    )
