"""Governance diffusion: boundary cases, directions and attribution (layers 1 and 2)."""

import numpy as np
import pandas as pd
import pytest
from jiesu.agents.reform import ELEMENT_NAMES, MANDATE_CORE
from jiesu.experiments.designs.diffusion_fit import REFERENCE
from jiesu.experiments.execution.runner import run_scenario
from jiesu.experiments.scenarios import load_scenario
from jiesu.model import JiesuModel, make_parameters
from jiesu.model.geography import haversine_km

COARSE = {"residents_per_citizen": 200000}


def _run(name, seed=1, **overrides):
    return run_scenario(load_scenario(name), {**COARSE, **overrides}, seed=seed)


def _adoptions(out):
    ev = out.adoptions
    return ev[(ev["event"] == "adopt") & (ev["level"] == "city")]


def test_no_channel_open_means_only_the_pioneer_ever_adopts():
    out = _run("pioneer_only")
    adopts = _adoptions(out)
    assert set(adopts["unit_id"]) == {"110000"}
    assert adopts["channel"].tolist()[0] == "pioneer"
    assert adopts["month"].tolist()[0] == "2019-01"


def test_no_reform_means_nobody_adopts():
    out = _run("no_reform", end="2022-12")
    assert len(_adoptions(out)) == 0
    nat = out.timeseries[out.timeseries["level"] == "national"]
    assert (nat["n_adopted"] == 0).all()


def test_national_mandate_reaches_95_percent_by_its_deadline():
    out = _run("top_down", end="2022-06")
    nat = out.timeseries[out.timeseries["level"] == "national"].set_index("month")
    assert nat.loc["2021-12", "share_adopted"] >= 0.95
    assert nat.loc["2020-11", "share_adopted"] < 0.05, "nobody but the pioneer before the mandate"
    mandated = _adoptions(out)
    mandated = mandated[mandated["channel"] == "top_down"]
    assert len(mandated) > 300
    before_endorsement = mandated[mandated["month"] < "2021-03"]
    assert len(before_endorsement) > 20
    assert (before_endorsement["elements"] == ",".join(MANDATE_CORE)).all(), "a mandate prescribes its core"


def test_horizontal_diffusion_spreads_outward_from_the_pioneer():
    """Imitation of geographic neighbours only: adoption comes later the farther from Beijing."""
    overrides = {
        "peer_weight_province": 0.0,
        "peer_weight_rank": 0.0,
        "learning_rate": 0.0,
        "academic_strength": 0.0,
        "internal_rate": 0.0,
        "imitation_rate": 0.4,
        "abandon_rate": 0.0,
    }
    correlations = []
    for seed in (1, 2, 3):
        out = _run("horizontal", seed=seed, **overrides)
        model_geo = out.timeseries[
            (out.timeseries["level"] == "city") & (out.timeseries["month"] == "2018-01")
        ]
        first = _adoptions(out).groupby("unit_id")["month"].min()
        geo = model_geo.set_index("unit_id")
        g = load_geo()
        d = pd.Series(haversine_km(116.407394, 39.904211, g["lon"], g["lat"]), index=g["unit_id"])
        joined = pd.DataFrame({"month": first, "km": d}).dropna()
        months = joined["month"].str[:4].astype(int) * 12 + joined["month"].str[5:].astype(int)
        correlations.append(months.corr(joined["km"], method="spearman"))
        assert len(joined) > 30 and len(geo) == 367
    assert min(correlations) > 0.3, f"adoption month should grow with distance, got {correlations}"


def load_geo():
    from jiesu.model.geography import build_geography

    g = build_geography(make_parameters({"geography": "china"}), np.random.default_rng(0))
    return {"unit_id": g.unit_id, "lon": g.lon, "lat": g.lat}


def _synthetic(**overrides):
    base = {
        "geography": "synthetic",
        "synthetic_cities": 200,
        "synthetic_population": 20000,
        "residents_per_citizen": 20000,
        "pioneer": "none",
        "end": "2026-12",
    }
    return make_parameters({**base, **overrides})


def test_internal_pressure_needs_the_reform_to_exist():
    params = _synthetic(internal_rate=0.5, end="2020-12")
    assert (JiesuModel(params, seed=1).run().events["event"] != "adopt").all()


def test_institutionalisation_lowers_abandonment():
    counts = {}
    for rate in (0.0, 0.2):
        params = _synthetic(external_rate=0.1, abandon_rate=0.03, institutionalise_rate=rate)
        events = JiesuModel(params, seed=5).run().events
        counts[rate] = int((events["event"] == "abandon").sum())
    assert counts[0.2] < 0.5 * counts[0.0], f"abandonments without/with regulation: {counts}"


def test_every_adoption_is_attributed_to_a_channel_in_proportion_to_hazards():
    params = _synthetic(external_rate=0.02, imitation_rate=0.0, internal_rate=0.0)
    ev = JiesuModel(params, seed=2).run().events
    assert set(ev.loc[ev["event"] == "adopt", "channel"]) == {"top_down"}
    params = _synthetic(external_rate=0.0, imitation_rate=0.3, internal_rate=0.01, pioneer="largest")
    ev = JiesuModel(params, seed=2).run().events
    channels = ev.loc[ev["event"] == "adopt", "channel"].value_counts()
    assert channels["pioneer"] == 1
    assert set(channels.index) <= {"pioneer", "horizontal", "internal"}
    assert channels.get("horizontal", 0) > channels.get("internal", 0) > 0


def test_bottom_up_recognition_arises_inside_the_run():
    out = _run("bottom_up", end="2025-12")
    rec = out.adoptions[out.adoptions["event"] == "recognition"]
    assert len(rec) == 1 and rec["channel"].iloc[0] == "bottom_up"
    assert "recognition" not in {e.kind for e in load_scenario("bottom_up").events}, "not scheduled by date"
    assert (out.adoptions["event"] == "sector_adopt").sum() >= 1
    shares = _adoptions(out)["channel"].value_counts(normalize=True)
    assert shares.get("bottom_up", 0) > 0.5
    off = _run("bottom_up", end="2025-12", recognition=False)
    assert (off.adoptions["event"] == "recognition").sum() == 0
    assert len(_adoptions(off)) == 1


def test_a_mandate_crowds_out_horizontal_attribution():
    """Vertical and horizontal pressure substitute (Zhu 2014): with a mandate, few adoptions are
    horizontal even though imitation is as strong as without it. The voluntary hazards are the
    hand-set mix before the fit to the pre-mandate data, strong enough to matter."""
    strong = {**REFERENCE, "end": "2022-12"}
    horizontal = _adoptions(_run("horizontal", **strong))
    mixed = _adoptions(_run("all_channels", **strong))
    share_h_alone = (horizontal["channel"] == "horizontal").mean()
    share_h_mixed = (mixed["channel"] == "horizontal").mean()
    assert share_h_alone > 0.6
    assert share_h_mixed < 0.5 * share_h_alone


def test_rural_units_gain_less_from_the_reform():
    out = _run("top_down", end="2024-12")
    city = out.timeseries[(out.timeseries["level"] == "city") & (out.timeseries["month"] >= "2023-01")]
    rural = city["unit_id"].isin(_rural_ids())
    assert city.loc[rural, "resolution_rate"].mean() < city.loc[~rural, "resolution_rate"].mean()


def _rural_ids():
    from jiesu.model.geography import build_geography

    g = build_geography(make_parameters({"geography": "china"}), np.random.default_rng(0))
    return set(g.unit_id[g.rural])


@pytest.mark.parametrize("name", ["horizontal", "top_down", "bottom_up", "all_channels"])
def test_multi_city_outputs_have_province_and_national_rows(name):
    out = _run(name, end="2019-03")
    levels = out.timeseries.groupby("level")["unit_id"].nunique()
    assert levels["national"] == 1 and levels["province"] == 31 and levels["city"] == 367
    nat = out.timeseries[out.timeseries["level"] == "national"]
    assert nat["share_population_covered"].between(0, 1).all()
    assert set(out.adoptions.columns) >= {
        "run_id",
        "scenario",
        "month",
        "unit_id",
        "event",
        "channel",
        "elements",
    }


def test_aggregate_rows_sum_counts_weight_rates_and_leave_the_city_table_untouched():
    from jiesu.experiments.outputs.tables import tidy_timeseries

    model = JiesuModel(make_parameters({**COARSE, "geography": "china", "end": "2019-03"}), seed=2)
    city = model.run().timeseries
    before = city.copy()
    ts = tidy_timeseries(city, {"run_id": "r"}, with_aggregates=True)
    pd.testing.assert_frame_equal(city, before)  # the caller's frame keeps its columns and values
    rows = ts[ts["level"] == "city"].drop(columns="run_id").reset_index(drop=True)
    assert rows[before.columns].equals(before)
    nat = ts[ts["level"] == "national"].set_index("month")
    by_month = before.groupby("month")
    np.testing.assert_allclose(nat["requests"], by_month["requests"].sum(), rtol=1e-12)
    weighted = (before["response_rate"] * before["work_orders"]).groupby(before["month"]).sum()
    np.testing.assert_allclose(nat["response_rate"], weighted / by_month["work_orders"].sum(), rtol=1e-9)
    assert (nat["n_adopted"] == by_month["adopted"].sum()).all()


def test_city_rows_are_the_months_records_city_by_city():
    from jiesu.model.outcomes import OUTCOME_NAMES

    model = JiesuModel(make_parameters({**COARSE, "geography": "china", "end": "2018-04"}), seed=3)
    table = model.run().timeseries
    n = model.n_cities
    for month, city in [(0, 0), (2, 5), (3, n - 1)]:
        row = table.iloc[month * n + city]
        assert row["unit_id"] == model.geography.unit_id[city] and row["month"] == f"2018-{month + 1:02d}"
        expected = model.records[:, month, city]
        got = row[list(OUTCOME_NAMES)].to_numpy(dtype=float)
        np.testing.assert_array_equal(got, expected)


def test_county_geography_runs_with_beijing_districts_as_pioneer():
    params = make_parameters(
        {
            "geography": "china_counties",
            "residents_per_citizen": 500000,
            "residents_per_unit": 2000000,
            "end": "2019-06",
        }
    )
    model = JiesuModel(params, seed=1)
    assert model.n_cities == 2985
    assert model.geography.rural.mean() > 0.4, "most county-level units are rural"
    ev = model.run().events
    pioneers = ev[(ev["event"] == "adopt") & (ev["channel"] == "pioneer")]
    assert len(pioneers) == 16 and pioneers["unit_id"].str.startswith("11").all(), "Beijing's 16 districts"


def test_the_mandate_in_force_is_the_earliest_deadline_national_on_a_tie():
    """Chosen once per province and spread over cities: the same as choosing city by city."""
    from jiesu.agents import diffusion
    from jiesu.agents.higher import Mandate

    params = make_parameters({"geography": "china", "residents_per_citizen": 500000, "end": "2018-02"})
    model = JiesuModel(params, seed=1)
    provinces = list(model.provinces.values())
    model.central.mandate = Mandate(0, 30, MANDATE_CORE, "top_down", "national")
    for prov, deadline, channel in zip(provinces, (20, 30, 40, 25), ("bottom_up",) * 4, strict=False):
        prov.mandate = Mandate(0, deadline, ("unified_hotline",), channel, prov.unit_id)
    expected = []
    for prov in model._province_of:  # the rule, city by city
        options = [m for m in (model.central.mandate, prov.mandate) if m is not None]
        expected.append(min(options, key=lambda m: m.deadline))
    assert all(got is want for got, want in zip(model.mandates_by_city(), expected, strict=True))
    hazard, bottom_up, in_force = diffusion.mandate_hazard(model)
    assert (bottom_up == [m.channel == "bottom_up" for m in expected]).all()
    assert (hazard > 0).all() and in_force.any.all()
    core = np.array([name in m.elements for m in expected for name in ELEMENT_NAMES]).reshape(
        len(expected), -1
    )
    assert (in_force.prescribed() == core).all()
    model.central.mandate = None
    for prov in provinces:
        prov.mandate = None
    hazard, bottom_up, in_force = diffusion.mandate_hazard(model)
    assert not hazard.any() and not bottom_up.any() and not in_force.any.any()
    assert in_force.prescribed().shape == (model.n_cities, len(ELEMENT_NAMES))


def test_best_peer_is_the_first_largest_gain_among_neighbours_then_province():
    """The per-province shortcut picks what a scan of every candidate picks, ties included."""
    from jiesu.agents.diffusion import _best_peer

    model = JiesuModel(_synthetic(synthetic_network="random_geometric", end="2018-01"), seed=3)
    rng, peers, n = np.random.default_rng(4), model.peers, model.n_cities
    for _ in range(20):
        adopted = rng.random(n) < rng.uniform(0.01, 0.9)
        gains = np.where(adopted, rng.integers(0, 3, n) / 10, 0.0)  # many ties
        cache: dict = {}
        for i in range(n):
            row = peers.geo.indices[peers.geo.indptr[i] : peers.geo.indptr[i + 1]]
            scan = np.concatenate((row, peers.province_members[peers.province[i]]))
            scan = scan[(scan != i) & adopted[scan]]
            want = int(scan[np.argmax(gains[scan])]) if scan.size else None
            assert _best_peer(model, i, adopted, gains, cache) == want
