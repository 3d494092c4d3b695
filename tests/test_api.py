"""The Python API (`import jiesu`): same results and errors as the command line, tidy tables,
figures and result folders."""

import doctest
import json

import matplotlib
import pandas as pd
import pytest
from jiesu.experiments.cli.main import main

matplotlib.use("Agg")  # the tests draw to no screen (the library itself never selects a backend)

import jiesu

SYNTHETIC = """
name = "tiny"
[parameters]
geography = "synthetic"
synthetic_cities = 12
synthetic_population = 300000
residents_per_citizen = 100000
residents_per_unit = 300000
pioneer = "largest"
end = "2019-06"
imitation_rate = 0.2
"""


@pytest.fixture
def tiny(tmp_path):
    path = tmp_path / "tiny.toml"
    path.write_text(SYNTHETIC)
    return path


@pytest.fixture
def faster(tmp_path):
    path = tmp_path / "faster.toml"
    path.write_text(
        SYNTHETIC.replace('"tiny"', '"faster"').replace("imitation_rate = 0.2", "imitation_rate = 0.6")
    )
    return path


def test_import_jiesu_offers_the_api():
    for name in ("Simulation", "Comparison", "scenarios", "params", "load_scenario", "ParameterError"):
        assert name in dir(jiesu) and getattr(jiesu, name) is not None, name
    with pytest.raises(AttributeError, match="no attribute 'Simulator'"):
        jiesu.Simulator  # noqa: B018
    assert "beijing" in jiesu.scenarios()
    table = jiesu.params()
    assert {"name", "default", "unit", "range", "meaning", "source"} <= set(table.columns)


def test_a_simulation_gives_the_tables_of_jiesu_run(tmp_path, capsys):
    sim = jiesu.Simulation("beijing", seed=2, end="2018-06", capacity_per_10k=90).run()
    assert (
        main(
            [
                "run",
                "--seed",
                "2",
                "--end",
                "2018-06",
                "--set",
                "capacity_per_10k=90",
                "--out",
                str(tmp_path / "cli"),
            ]
        )
        == 0
    )
    folder = sim.save(tmp_path / "api")
    for table in ("timeseries", "adoptions"):
        cli = pd.read_parquet(tmp_path / "cli" / f"{table}.parquet")
        api = pd.read_parquet(folder / f"{table}.parquet")
        pd.testing.assert_frame_equal(api, cli)
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in (tmp_path / "cli").iterdir())
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["command"] == [
        "jiesu.Simulation('beijing', seed=2, replicate=0, end='2018-06', capacity_per_10k=90)"
    ]
    assert sim.run() is sim and sim.results is sim.run().results, "a second run() does not run again"


@pytest.mark.parametrize(
    ("kwargs", "error", "cli_args"),
    [
        ({"capacity_per_10k": -5}, jiesu.ParameterError, ["--set", "capacity_per_10k=-5"]),
        ({"capcity_per_10k": 5}, jiesu.ParameterError, ["--set", "capcity_per_10k=5"]),
        ({"pioneer": "Shangai"}, jiesu.UnknownCityError, ["--set", "pioneer=Shangai"]),
        ({"seed": -5}, jiesu.UsageError, None),
        ({"scenario": "atlantis"}, jiesu.ScenarioError, ["atlantis"]),
    ],
)
def test_bad_input_raises_when_the_simulation_is_made(tmp_path, capsys, kwargs, error, cli_args):
    with pytest.raises(error) as caught:
        jiesu.Simulation(**kwargs)
    if cli_args is not None:
        assert main(["run", *cli_args, "--out", str(tmp_path / "out")]) == 2
        assert capsys.readouterr().err.splitlines()[-1] == f"jiesu: error: {caught.value}", "same message"


def test_results_before_run_and_unknown_figures_are_clear_errors():
    sim = jiesu.Simulation("beijing", end="2018-03")
    with pytest.raises(jiesu.UsageError, match=r"call \.run\(\) first"):
        sim.results  # noqa: B018
    sim.run()
    with pytest.raises(jiesu.UsageError, match="needs more than one city"):
        sim.plot("map")
    with pytest.raises(jiesu.UsageError, match="unknown figure 'pie'"):
        sim.plot("pie")
    with pytest.raises(jiesu.UsageError, match="unknown metric 'happiness'"):
        sim.results.to_frame(metric="happiness")
    with pytest.raises(jiesu.UsageError, match="unknown level 'county'"):
        sim.results.to_frame("county")


def test_to_frame_levels_and_wide_tables(tiny):
    out = jiesu.Simulation(tiny, seed=1).run().results
    national = out.to_frame()
    assert set(national["level"]) == {"national"} and len(national) == 18
    city = out.to_frame("city", "satisfaction_rate")
    assert city.shape == (18, 12) and list(city.index[:2]) == ["2018-01", "2018-02"]
    tidy = out.to_frame("city")
    assert (
        city.loc["2018-03", "S00000"]
        == tidy.query("month == '2018-03' and unit_id == 'S00000'")["satisfaction_rate"].item()
    )
    assert list(out.to_frame(metric="share_adopted").columns) == ["share_adopted"]


def test_a_simulation_plots_every_figure_of_a_multi_city_run(tiny):
    sim = jiesu.Simulation(tiny, seed=1).run()
    for kind in ("rates", "adoption", "map"):
        fig = sim.plot(kind)
        assert isinstance(fig, matplotlib.figure.Figure) and fig.axes, kind
        matplotlib.pyplot.close(fig)


def test_a_comparison_runs_summarises_plots_and_saves(tiny, faster, tmp_path):
    cmp = jiesu.Comparison([tiny, faster], replicates=2, seed=1, end="2019-03")
    with pytest.raises(jiesu.UsageError, match="has not run yet"):
        cmp.results  # noqa: B018
    res = cmp.run().results
    assert isinstance(res, jiesu.ComparisonResult)
    assert len(res.runs) == 4 and (res.runs["status"] == "ok").all()
    assert set(res.summary["scenario"]) == {"tiny", "faster"}
    wide = res.to_frame(metric="share_adopted")
    assert wide.shape == (15, 4) and wide.columns.names == ["scenario", "replicate"]
    assert set(res.to_frame("city")["scenario"]) == {"tiny", "faster"}, "city rows are kept by default"
    for kind in ("bands", "channels"):
        matplotlib.pyplot.close(cmp.plot(kind))
    folder = cmp.save(tmp_path / "cmp")
    assert {"runs.parquet", "timeseries.parquet", "summary.csv", "compare.png", "channels.png"} <= {
        p.name for p in folder.iterdir()
    }
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["replicates"] == 2 and manifest["city_rows"] is True
    assert manifest["command"][0].startswith("jiesu.Comparison(['tiny', 'faster'], replicates=2")


def test_a_comparison_checks_its_input_when_made():
    with pytest.raises(jiesu.ParameterError, match="out of range"):
        jiesu.Comparison(["top_down"], mandate_compliance=1.5)
    with pytest.raises(jiesu.UsageError, match="named once"):
        jiesu.Comparison(["top_down", "top_down"])
    with pytest.raises(jiesu.UsageError, match="at least 1"):
        jiesu.Comparison(["top_down"], replicates=0)
    with pytest.raises(jiesu.UsageError, match="2\\*\\*63"):
        jiesu.Comparison(["top_down"], seed=2**63)


def test_the_examples_of_the_api_page_run():
    from jiesu.experiments import api

    result = doctest.testmod(api, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 8 and result.failed == 0
    matplotlib.pyplot.close("all")
