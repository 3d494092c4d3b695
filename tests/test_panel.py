"""Event-history panels: rebuilt faithfully from the stored results, and readable by other tools.

One small comparison (all channels of the historical mix, China at a coarse scale, two
replicates) serves every test: it has mandates (national and relayed), an endorsement, a dated
adoption, recognition, imitation, learning, internal pressure, abandonment and re-adoption.
"""

import json

import duckdb
import numpy as np
import pandas as pd
import pytest
from jiesu.agents.diffusion import SOURCES, _deadline_hazard
from jiesu.experiments.analysis.panel import build_panel
from jiesu.experiments.analysis.panel_columns import PANEL_COLUMN_NAMES
from jiesu.experiments.analysis.panel_history import build_history
from jiesu.experiments.analysis.stored import load_stored
from jiesu.experiments.cli.main import main
from jiesu.experiments.designs.compare import compare, save_comparison
from jiesu.experiments.scenarios import load_scenario
from jiesu.model.calendar import parse_month

from tests.conftest import with_strong_voluntary

SMALL = {
    "residents_per_citizen": 200000,
    "residents_per_unit": 500000,
    "end": "2023-12",
    "abandon_rate": 0.02,
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    scenarios = [with_strong_voluntary(load_scenario("all_channels"))]
    res = compare(scenarios, replicates=2, seed=3, overrides=SMALL, city_rows=True, progress=False)
    out = tmp_path_factory.mktemp("panel") / "compare"
    save_comparison(res, scenarios, out, settings={"overrides": SMALL, "replicates": 2})
    return out


@pytest.fixture(scope="module")
def stored(folder):
    return load_stored(folder)


@pytest.fixture(scope="module")
def month(stored):
    return build_panel(stored, period="month", after_adoption=True)


def test_columns_are_declared_and_valid_stata_names(month):
    assert list(month.columns) == list(PANEL_COLUMN_NAMES)
    assert all(len(c) <= 32 and c.isidentifier() for c in month.columns)


def test_running_state_rebuilt_from_events_matches_the_city_rows(stored):
    """The state rebuilt from adopt/abandon events equals the model's recorded `adopted`."""
    ts = pd.read_parquet(stored.folder / "timeseries.parquet", filters=[("level", "==", "city")])
    for run in stored.runs.to_dict("records"):
        rid = run["run_id"]
        h = build_history(
            run,
            stored.params[rid],
            stored.events[rid],
            stored.adoptions[stored.adoptions["run_id"] == rid],
            stored.hazards[stored.hazards["run_id"] == rid],
            stored.series[stored.series["run_id"] == rid],
        )
        mine = ts[ts["run_id"] == rid].pivot(index="month", columns="unit_id", values="adopted")
        recorded = mine[list(h.geography.unit_id)].to_numpy(dtype=bool)
        assert np.array_equal(h.running, recorded), f"{rid}: rebuilt running state differs from the records"
        assert h.abandon.sum() > 0, "the fixture should exercise abandonment"


def test_rows_at_risk_are_the_simulators_risk_set_and_carry_the_truth(stored, month):
    """Every at-risk city-month has the simulator's hazards unless a dated event decided it."""
    at_risk = month[month["at_risk"] == 1]
    keys = set(zip(stored.hazards["run_id"], stored.hazards["month"], stored.hazards["unit_id"], strict=True))
    panel_keys = set(zip(at_risk["run_id"], at_risk["period"], at_risk["unit_id"], strict=True))
    origin = month["period"].min()
    later = {k for k in keys if k[1] >= origin}
    missing_truth = panel_keys - later
    dated = at_risk.set_index(["run_id", "period", "unit_id"]).loc[sorted(missing_truth)]
    assert set(dated["name_en"]) <= {"Huhehaote"}, "only Hohhot's dated adoption (2020-11) lacks hazards"
    assert (dated.index.get_level_values("period") == "2020-11").all() and (dated["event"] == 1).all()
    assert at_risk["true_h_total"].isna().sum() == len(dated)
    assert later <= panel_keys, "a city-month at risk in the simulator is missing from the panel"


def test_events_are_the_logged_adoptions_with_first_and_re_adoptions(stored, month):
    adopts = stored.adoptions[
        (stored.adoptions["event"] == "adopt") & (stored.adoptions["channel"] != "pioneer")
    ]
    events = month[(month["at_risk"] == 1) & (month["event"] == 1)]
    assert len(events) == len(adopts), "one panel event per logged adoption (the pioneer's is the origin)"
    assert (events["event_type"] == "readoption").sum() > 0, "the fixture should contain re-adoptions"
    first = events[events["event_type"] == "first_adoption"]
    assert not first.duplicated(["run_id", "unit_id"]).any(), "a city adopts for the first time once"
    assert (events.loc[events["event_type"] == "readoption", "spell"] >= 2).all()


def test_mandates_rebuilt_from_events_give_the_simulators_mandate_hazard(stored, month):
    """Deadlines derived from events, scenario and parameters reproduce the model's mandate hazard."""
    p = stored.params[stored.runs["run_id"].iloc[0]]
    rows = month[(month["at_risk"] == 1) & month["true_h_mandate"].notna()].copy()
    nxt = rows.groupby(["run_id", "unit_id"])["mandate_national"].shift(-1)  # in force this month
    rows = rows[nxt.notna()]
    in_force = nxt[nxt.notna()] > 0
    assert ((rows["true_h_mandate"] > 0) == in_force).all(), "mandate in force where the model had a hazard"
    assert (rows["mandate_province"] == 1).any(), "the fixture should have relayed provincial mandates"
    window = rows[(rows["mandate_national"] == 1) & (rows["mandate_overdue"] == 0)]
    window = window[window["province_en"] != "Guangdong"]  # its own dated mandate of 2021-10
    for row in window.iloc[:: max(1, len(window) // 60)].itertuples():
        t = parse_month(row.period)
        deadline = t + int(row.mandate_months_left)

        class Mandate:  # the binding mandate as the model held it
            issued = parse_month("2020-12")

        Mandate.deadline = deadline
        expected = _deadline_hazard(Mandate, t, p.mandate_compliance, p.mandate_enforcement)
        assert row.true_h_mandate == pytest.approx(expected, rel=1e-5), f"{row.name_en} {row.period}"


def test_neighbour_share_is_last_months_share_of_adopted_graph_neighbours(stored, month):
    run = stored.runs.to_dict("records")[0]
    rid = run["run_id"]
    h = build_history(
        run,
        stored.params[rid],
        stored.events[rid],
        stored.adoptions[stored.adoptions["run_id"] == rid],
        stored.hazards[stored.hazards["run_id"] == rid],
        stored.series[stored.series["run_id"] == rid],
    )
    g = h.geography
    i = int(np.flatnonzero(g.name_en == "Shijiazhuang")[0])
    neighbours = list(g.geo_graph.neighbors(i))
    rows = month[(month["run_id"] == rid) & (month["unit_id"] == g.unit_id[i])].set_index("period")
    for period in rows.index[1::7]:
        t = parse_month(period) - h.months[0]
        expected = h.running[t - 1, neighbours].mean()
        assert rows.loc[period, "nbr_share_geo"] == pytest.approx(expected), period


def test_year_panel_sums_the_months_truth(stored, month):
    year = build_panel(stored, period="year")
    y = year[(year["true_h_total"].notna()) & (year["event"] == 0)].iloc[:40]
    m = month[month["at_risk"] == 1]
    for row in y.itertuples():
        mine = m[(m["run_id"] == row.run_id) & (m["unit_id"] == row.unit_id) & (m["year"] == row.year)]
        assert row.true_h_total == pytest.approx(mine["true_h_total"].sum(), rel=1e-6)
    assert set(SOURCES) == {c.removeprefix("true_h_") for c in year.columns if c.startswith("true_h_")} - {
        "total"
    }


def test_jiesu_panel_writes_files_that_pandas_duckdb_stata_readers_and_excel_open(folder, capsys):
    assert main(["panel", str(folder), "--period", "year"]) == 0
    out = folder / "panel"
    parquet = pd.read_parquet(out / "city_year.parquet")
    csv_bytes = (out / "city_year.csv").read_bytes()
    assert csv_bytes.startswith(b"\xef\xbb\xbf"), "CSV must start with a BOM so Excel reads UTF-8"
    csv = pd.read_csv(out / "city_year.csv", encoding="utf-8-sig", dtype={"unit_id": str})
    assert (
        len(csv) == len(parquet) and "北京市" not in set(csv["name_zh"]) and "石家庄市" in set(csv["name_zh"])
    )
    dta = pd.read_stata(out / "city_year.dta")
    assert len(dta) == len(parquet) and (dta["name_zh"] == parquet["name_zh"]).all()
    with pd.io.stata.StataReader(out / "city_year.dta") as reader:
        labels = reader.variable_labels()
    assert labels["nbr_share_geo"].startswith("lagged share of adopted geographic neighbours")
    events = duckdb.sql(f"SELECT sum(event) FROM '{out / 'city_year.parquet'}'").fetchall()[0][0]
    assert events == parquet["event"].sum() > 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kind"] == "panel" and manifest["rows"]["year"] == len(parquet)
    assert "city_year" in capsys.readouterr().out


def test_missing_city_rows_or_hazards_exit_2_naming_the_fix(folder, tmp_path, capsys):
    scenarios = [load_scenario("top_down")]
    res = compare(
        scenarios, replicates=1, overrides={**SMALL, "end": "2019-06"}, city_rows=False, progress=False
    )
    out = tmp_path / "no-city-rows"
    save_comparison(res, scenarios, out, settings={"overrides": SMALL})
    assert main(["panel", str(out)]) == 2
    assert "--no-city-rows" in capsys.readouterr().err
    (out / "hazards.parquet").unlink()
    assert main(["panel", str(out)]) == 2
    assert "hazards.parquet" in capsys.readouterr().err
    assert not (out / "panel").exists(), "a failed command writes nothing"


SYNTHETIC = """
name = "synthetic_panel"
[parameters]
geography = "synthetic"
synthetic_cities = 30
synthetic_population = 300000
residents_per_citizen = 100000
residents_per_unit = 300000
pioneer = "largest"
end = "2021-12"
"""

SWEEP = """
name = "tiny_panel"
scenario = "{scenario}"
design = "grid"
samples = 2
replicates = 1
seed = 4
outcomes = ["share_adopted_end"]
{panel}
[factors]
imitation_rate = [0.05, 0.4]
"""


def test_a_sweep_stores_panels_only_when_asked(tmp_path):
    from jiesu.experiments.designs.sweep import run_sweep
    from jiesu.experiments.designs.sweep_spec import load_spec
    from jiesu.experiments.errors import UsageError

    (tmp_path / "synthetic.toml").write_text(SYNTHETIC)
    for panel in (False, True):
        spec_path = tmp_path / f"spec-{panel}.toml"
        text = SWEEP.format(scenario=tmp_path / "synthetic.toml", panel="panel = true" if panel else "")
        spec_path.write_text(text)
        folder = tmp_path / f"sweep-{panel}"
        run_sweep(load_spec(spec_path), folder, progress=False)
        if not panel:
            with pytest.raises(UsageError, match="panel = true"):
                build_panel(folder)
            continue
        stored = load_stored(folder)
        rates = sorted(p.imitation_rate for p in stored.params.values())
        assert rates == [0.05, 0.4], "each run's factors are its parameters"
        year = build_panel(stored, period="year")
        assert year["run_id"].nunique() == 2 and year["event"].sum() > 0
        by_run = year.groupby("run_id")[["true_h_imitation", "nbr_share_geo"]].mean()
        assert by_run["true_h_imitation"].min() > 0
