"""Event-history analysis on panels with known ground truth: what it recovers and what it misreads.

One comparison of the ``horizontal`` and ``top_down`` scenarios (China, coarse scale, three
replicates pooled) serves the tests. The specification of the diffusion literature (Berry &
Berry 1990): share of adopted geographic neighbours, national and provincial mandates,
endorsement, dissatisfaction, log population and distance from the pioneer. On the city-year
panel it is fitted without a duration term: under a mandate that every city obeys within 13
months, a year panel has a year without adoptions and a year in which all remaining cities
adopt, and any duration term then separates the data (docs/panel.md).
"""

import pandas as pd
import pytest
from jiesu.experiments.analysis.eha import BERRY_BERRY, fit_eha
from jiesu.experiments.analysis.eha_tables import coefficient_table, paper_table
from jiesu.experiments.analysis.panel import build_panel
from jiesu.experiments.analysis.recovery import recovery_table, true_effects
from jiesu.experiments.analysis.stored import from_comparison
from jiesu.experiments.cli.main import main
from jiesu.experiments.designs.compare import compare, save_comparison
from jiesu.experiments.errors import UsageError
from jiesu.experiments.scenarios import load_scenario

from tests.conftest import with_strong_voluntary

SMALL = {"residents_per_citizen": 200000, "residents_per_unit": 500000, "end": "2024-12"}


@pytest.fixture(scope="module")
def stored():
    scenarios = [with_strong_voluntary(load_scenario("horizontal")), load_scenario("top_down")]
    res = compare(scenarios, replicates=3, seed=0, overrides=SMALL, city_rows=True, progress=False)
    return from_comparison(res, scenarios, SMALL)


@pytest.fixture(scope="module")
def year(stored):
    return build_panel(stored, period="year")


@pytest.fixture(scope="module")
def month(stored):
    return build_panel(stored, period="month")


def _scenario(panel, name):
    return panel[panel["scenario"] == name]


def test_neighbour_effect_under_horizontal_diffusion_vanishes_under_the_mandate(year):
    horizontal = fit_eha(_scenario(year, "horizontal"), formula=BERRY_BERRY)
    z = horizontal.result.tvalues
    assert z["nbr_share_geo"] > 3, (
        f"imitation should show as a neighbour effect, z = {z['nbr_share_geo']:.2f}"
    )
    mandate = fit_eha(_scenario(year, "top_down"), formula=BERRY_BERRY)
    z = mandate.result.tvalues
    assert abs(z["nbr_share_geo"]) < 2, f"no imitation under the mandate, yet z = {z['nbr_share_geo']:.2f}"
    assert z["mandate_national"] > 5, f"the mandate should dominate, z = {z['mandate_national']:.2f}"
    assert mandate.result.params["mandate_national"] > 2, "a mandate multiplies the odds many times"
    assert mandate.reliable and horizontal.reliable


def test_recovery_table_catches_a_mandate_read_as_imitation(month):
    """Without deadline terms the mandate's rising hazard within its window reads as imitation."""
    panel = _scenario(month, "top_down")
    naive = recovery_table(fit_eha(panel, formula=BERRY_BERRY)).set_index("mechanism")
    assert naive.loc["imitation", "true_effect"] == 0, "imitation is switched off in top_down"
    assert naive.loc["imitation", "verdict"] == "spurious", naive.loc["imitation"].to_dict()
    assert naive.loc["imitation", "z"] > 3
    assert naive.loc["mandate", "verdict"] == "recovered"
    better = recovery_table(fit_eha(panel, formula=BERRY_BERRY + " + mandate_months_left + mandate_overdue"))
    better = better.set_index("mechanism")
    assert better.loc["imitation", "verdict"] == "correctly null", better.loc["imitation"].to_dict()
    assert better.loc["mandate", "verdict"] == "recovered"


def test_default_specification_recovers_horizontal_mechanisms_and_misses_faint_internal_pressure(year):
    fit = fit_eha(_scenario(year, "horizontal"), duration="none")
    table = recovery_table(fit).set_index("mechanism")
    assert table.loc["imitation", "verdict"] == "recovered"
    assert table.loc["learning", "verdict"] == "recovered"
    assert table.loc["internal", "true_effect"] > 0, "internal pressure runs in the horizontal scenario"
    assert table.loc["internal", "verdict"] == "missed", "at the scenario's setting it is too faint to see"
    assert table.loc["mandate", "verdict"] == "absent"
    assert table.loc["imitation", "true_rank"] == 1


def test_true_effects_follow_the_switched_on_sources(year):
    horizontal = true_effects(_scenario(year, "horizontal"))
    top_down = true_effects(_scenario(year, "top_down").dropna(subset=["true_h_total"]))
    assert horizontal["mandate"] == 0 and horizontal["endorsement"] == 0 and horizontal["imitation"] > 0
    assert top_down["imitation"] == 0 and top_down["learning"] == 0 and top_down["mandate"] > 0
    assert top_down["mandate"] > 10 * top_down["endorsement"] > 0


def test_cloglog_dummies_and_tables(year):
    panel = _scenario(year, "horizontal")
    fit = fit_eha(panel, link="cloglog", duration="dummies", label="horizontal")
    assert any("C(period)" in t for t in fit.result.params.index)
    assert fit.result.params["nbr_share_province"] > 0
    logit = fit_eha(panel, label="horizontal")
    table = coefficient_table([logit, fit])
    assert set(table["link"]) == {"logit", "cloglog"} and (table["se"] > 0).all()
    text = paper_table([logit, fit])
    assert "pseudo-R²" in text and "***" in text and "N (unit-periods)" in text
    top = fit_eha(_scenario(year, "top_down"), duration="dummies")
    assert any("mandate_national left out" in n for n in top.notes), top.notes


def test_bad_formula_and_options_are_usage_errors(year):
    with pytest.raises(UsageError, match="no_such_column"):
        fit_eha(year, formula="event ~ no_such_column")
    with pytest.raises(UsageError, match="left-hand side"):
        fit_eha(year, formula="at_risk ~ nbr_share_geo")
    with pytest.raises(UsageError, match="link"):
        fit_eha(year, link="probit")


def test_jiesu_eha_writes_tables_recovery_and_figures(tmp_path, capsys):
    scenarios = [load_scenario("top_down")]
    small = {**SMALL, "end": "2022-12"}
    res = compare(scenarios, replicates=1, overrides=small, city_rows=True, progress=False)
    folder = tmp_path / "compare"
    save_comparison(res, scenarios, folder, settings={"overrides": small})
    assert main(["eha", str(folder), "--duration", "none", "--link", "logit", "--lang", "zh"]) == 0
    out = folder / "eha"
    for name in ("coefficients.csv", "coefficients.md", "recovery.csv", "recovery.md", "manifest.json"):
        assert (out / name).is_file(), name
    assert (out / "survival_province_mandate.png").is_file() and (out / "timing_distance.svg").is_file()
    recovery = pd.read_csv(out / "recovery.csv")
    assert recovery.set_index("mechanism").loc["mandate", "verdict"] == "recovered"
    assert "recovered" in capsys.readouterr().out
    assert main(["eha", str(folder), "--formula", "event ~ nope", "--out", str(tmp_path / "x")]) == 2
    assert not (tmp_path / "x").exists()
