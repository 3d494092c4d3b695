"""The city model: boundary cases and directions (STYLE.md layers 1 and 2)."""

import numpy as np
from jiesu.model.parameters import PARAMS_BY_NAME

from tests.conftest import run_city


def _mean(df, column, start, end=None):
    rows = df[(df["month"] >= start) & (df["month"] <= (end or "9999"))]
    return float(rows[column].mean())


def test_zero_problem_rate_gives_zero_requests():
    df = run_city(problem_rate=0.0)
    assert (df["requests"] == 0).all()
    assert (df["work_orders"] == 0).all()


def test_unlimited_capacity_leaves_no_backlog():
    """Capacity far above any demand (the limit of infinite capacity; parameters must be finite)."""
    df = run_city(capacity_per_10k=1e9, siphon_rate=0.0)
    assert (df["backlog"] == 0).all()
    before, after = df[df["month"] < "2019-01"], df[df["month"] >= "2019-01"]
    assert (after["response_rate"] >= 0.999).all(), "with the reform every work order gets a response"
    # before it, only the work orders that fragmented hotlines route get one
    assert abs(before["response_rate"].mean() - PARAMS_BY_NAME["routing_fragmented"].default) < 0.02


def test_no_capacity_handles_nothing_and_the_backlog_grows():
    df = run_city(capacity_per_10k=0.0, capacity_adaptation=0.0, end="2018-12")
    assert (df["resolution_rate"].fillna(0) == 0).all()
    assert df["backlog"].is_monotonic_increasing and df["backlog"].iloc[-1] > 0


def test_more_capacity_raises_response_and_resolution():
    low = run_city(capacity_per_10k=40.0, reform_start="2030-01", capacity_adaptation=0.0)
    high = run_city(capacity_per_10k=120.0, reform_start="2030-01", capacity_adaptation=0.0)
    for col in ("response_rate", "resolution_rate"):
        assert _mean(high, col, "2019-01") > _mean(low, col, "2019-01") + 0.05, (
            f"expected more capacity to raise {col}"
        )
    assert _mean(high, "backlog", "2019-01") < _mean(low, "backlog", "2019-01")


def test_governments_add_capacity_where_demand_outruns_it():
    fixed = run_city(capacity_per_10k=40.0, reform_start="2030-01", capacity_adaptation=0.0)
    adapting = run_city(capacity_per_10k=40.0, reform_start="2030-01", capacity_adaptation=0.2)
    assert _mean(adapting, "backlog", "2020-01") < 0.2 * _mean(fixed, "backlog", "2020-01")
    assert _mean(adapting, "response_rate", "2020-01") > _mean(fixed, "response_rate", "2020-01") + 0.1


def test_reform_raises_the_three_rates_and_requests():
    before = run_city(reform_start="2030-01")
    after = run_city()
    for col in ("response_rate", "resolution_rate", "satisfaction_rate", "requests", "trust_mean"):
        assert _mean(after, col, "2021-01") > _mean(before, col, "2021-01"), (
            f"expected the reform to raise {col}"
        )


def test_proactive_governance_lowers_the_problem_rate_over_the_years():
    off = run_city(pioneer_elements="unified_hotline,fast_response,feedback", end="2024-12")
    on = run_city(pioneer_elements="unified_hotline,fast_response,feedback,proactive", end="2024-12")
    assert np.allclose(off["problem_rate"], off["problem_rate"].iloc[0]), (
        "without 每月一题 problems stay at the root"
    )
    yearly = on.groupby(on["month"].str[:4])["problem_rate"].mean()
    assert yearly.is_monotonic_decreasing and yearly.iloc[-1] < 0.8 * yearly.iloc[0], (
        "expected 每月一题 to lower the problem rate year after year"
    )
    assert _mean(on, "requests", "2024-01") < _mean(off, "requests", "2024-01")


def test_handling_private_matters_crowds_out_self_governance():
    handle = run_city(private_handled=1.0, end="2024-12")
    redirect = run_city(private_handled=0.0, end="2024-12")
    assert _mean(handle, "self_governance", "2024-01") < _mean(redirect, "self_governance", "2024-01") - 0.05
    assert _mean(redirect, "redirected", "2020-01") > 0 and (handle["redirected"] == 0).all()


def test_knowledge_base_answers_consultations_without_dispatch():
    without = run_city(pioneer_elements="unified_hotline,fast_response")
    with_kb = run_city(pioneer_elements="unified_hotline,fast_response,knowledge_base")
    share = lambda df: _mean(df, "work_orders", "2021-01") / _mean(df, "requests", "2021-01")  # noqa: E731
    assert share(with_kb) < share(without) - 0.02


def test_evaluation_raises_effort_and_strong_pressure_overloads_units():
    calm = run_city(pioneer_elements="unified_hotline,fast_response")
    ranked = run_city(pioneer_elements="unified_hotline,fast_response,evaluation")
    harsh = run_city(pioneer_elements="unified_hotline,fast_response,evaluation", evaluation_pressure=1.0)
    assert _mean(calm, "effort_mean", "2020-01") == 1.0
    assert _mean(ranked, "effort_mean", "2020-01") > 1.05
    assert _mean(harsh, "overload_share", "2020-01") > _mean(ranked, "overload_share", "2020-01")
    assert _mean(ranked, "siphoned", "2020-01") > 0 == _mean(calm, "siphoned", "2020-01")


def test_gaming_inflates_reported_satisfaction_only():
    honest = run_city(evaluation_pressure=0.3)
    gamed = run_city(evaluation_pressure=0.3, gaming=0.8)
    gap = _mean(gamed, "satisfaction_rate", "2020-01") - _mean(gamed, "true_satisfaction_rate", "2020-01")
    assert gap > 0.01
    assert np.allclose(honest["satisfaction_rate"], honest["true_satisfaction_rate"], equal_nan=True)


def test_beijing_default_is_plausible_against_published_figures(beijing_default):
    """Defaults were set so Beijing's 2018-2021 trajectory is close (docs/model.md §8)."""
    df = beijing_default.timeseries
    yearly = df.groupby(df["month"].str[:4])["requests"].sum() / 1e6
    assert 3.5 < yearly["2018"] < 4.5, "about 4 M requests per year before the reform"
    assert yearly["2018"] < yearly["2019"] < yearly["2020"] < yearly["2021"], "requests grow through 2021"
    assert 1.4 < yearly["2020"] / yearly["2019"] < 2.2, "published: +55 % from 2019 to 2020"
    row = df.set_index("month")
    assert abs(row.loc["2018-12", "resolution_rate"] - 0.53) < 0.03
    assert abs(row.loc["2018-12", "satisfaction_rate"] - 0.65) < 0.04
    assert abs(row.loc["2019-12", "resolution_rate"] - 0.75) < 0.06
    assert abs(row.loc["2021-11", "resolution_rate"] - 0.89) < 0.05
    assert abs(row.loc["2021-11", "satisfaction_rate"] - 0.92) < 0.04
