"""The command line: outputs with provenance, and the clear-error rule for bad input."""

import json
import os
import subprocess
import sys

import pandas as pd
import pytest
from jiesu.experiments.cli.main import main


def test_run_writes_tables_figure_and_manifest(tmp_path):
    out = tmp_path / "run"
    assert main(["run", "--end", "2019-06", "--seed", "3", "--out", str(out)]) == 0
    ts = pd.read_parquet(out / "timeseries.parquet")
    for col in (
        "run_id",
        "scenario",
        "seed",
        "month",
        "unit_id",
        "requests",
        "requests_per_10k",
        "inquiries",
        "response_rate",
        "resolution_rate",
        "satisfaction_rate",
        "backlog",
        "trust_mean",
        "self_governance",
        "problem_rate",
    ):
        assert col in ts.columns, col
    assert ts["month"].iloc[0] == "2018-01" and ts["month"].iloc[-1] == "2019-06"
    assert ts.groupby(["run_id", "unit_id", "month"]).size().max() == 1, "one row per run x unit x month"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["run"]["seed"]["entropy"] == 3
    assert manifest["run"]["parameters"]["end"] == "2019-06"
    assert set(manifest["run"]["seed"]["streams"]) >= {"citizens", "handling", "diffusion"}
    for key in ("versions", "git_commit", "command", "created", "format_version"):
        assert key in manifest
    assert (out / "rates.png").stat().st_size > 10_000


def test_run_draws_only_the_figures_asked_for(tmp_path):
    quick = ["all_channels", "--set", "residents_per_citizen=500000", "--end", "2018-06"]
    only = tmp_path / "map"
    assert main(["run", *quick, "--figures", "map", "--figure-formats", "png", "--out", str(only)]) == 0
    figures = sorted(p.name for p in only.iterdir() if p.suffix in (".png", ".pdf", ".svg"))
    assert figures == ["adoption_map.png"]
    assert json.loads((only / "manifest.json").read_text())["figures"] == ["map"]
    none = tmp_path / "none"
    assert main(["run", *quick, "--figures", "none", "--out", str(none)]) == 0
    assert sorted(p.name for p in none.iterdir()) == [
        "adoptions.parquet",
        "hazards.parquet",
        "manifest.json",
        "timeseries.parquet",
    ]
    manifest = json.loads((none / "manifest.json").read_text())
    assert manifest["figures"] == [] and "adoption_map.png" not in manifest["files"]


def test_figure_options_name_the_figures_and_formats_the_run_writes():
    """The command line's lists (kept import-light) match what the run and the figure code know."""
    from jiesu.experiments.cli.options import FIGURE_FORMATS, FIGURE_KINDS
    from jiesu.experiments.designs.run import RUN_FIGURES
    from jiesu.experiments.figures.common import FORMATS

    assert tuple(RUN_FIGURES) == FIGURE_KINDS
    assert FIGURE_FORMATS == FORMATS


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "--set", "capacity_per_10=5"], "unknown parameter 'capacity_per_10'"),
        (["run", "--set", "capacity_per_10k=-5"], "out of range"),
        (["run", "--set", "capacity_per_10k"], "NAME=VALUE"),
        (["run", "--end", "2017-01"], "before start"),
        (["run", "--start", "2019-1"], "YYYY-MM"),
        (["run", "atlantis"], "unknown scenario 'atlantis'"),
        (["run", "--set", "pioneer=Gotham"], "unknown city 'Gotham'"),
        (["run", "--seed", "x"], "the seed must be a whole number"),
        (["run", "--figures", "chart"], "unknown figure 'chart'"),
        (["run", "--figures", "rates,map", "--end", "2018-02"], "need more than one city"),
        (["run", "--figure-formats", "png,jpg"], "unknown figure format 'jpg'"),
    ],
)
def test_bad_input_exits_2_with_one_clear_line_and_writes_nothing(
    tmp_path, capsys, monkeypatch, args, message
):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    try:
        status = main([*args, "--out", str(out)])
    except SystemExit as exit_:  # argparse's own usage errors
        status = exit_.code
    err = capsys.readouterr().err
    assert status == 2
    assert message in err
    assert len([line for line in err.splitlines() if line.startswith("jiesu: error")]) == 1
    assert list(tmp_path.iterdir()) == []


def test_bad_input_in_a_fresh_process_has_no_traceback(tmp_path):
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "jiesu.experiments.cli", "run", "--set", "capcity=1", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1].startswith("jiesu: error: unknown parameter 'capcity'")
    assert "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_malformed_scenario_file_is_rejected(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\n[parameters]\ncapacity_per_10k = 90\nadoption_treshold = 1\n')
    assert main(["run", str(bad), "--out", str(tmp_path / "o")]) == 2
    assert "adoption_treshold" in capsys.readouterr().err
    bad.write_text('name = "x"\n[[events]]\nmonth = "2020-13"\nkind = "adopt"\n')
    assert main(["run", str(bad), "--out", str(tmp_path / "o")]) == 2
    bad.write_text("name = \n")
    assert main(["run", str(bad), "--out", str(tmp_path / "o")]) == 2
    assert not (tmp_path / "o").exists()


def test_params_lists_every_parameter_as_json(capsys):
    from jiesu.model.parameters import PARAMS

    assert main(["params", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in rows] == [p.name for p in PARAMS]
    assert all({"default", "unit", "range", "meaning", "source"} <= set(r) for r in rows)


def test_scenarios_lists_the_built_ins(capsys):
    assert main(["scenarios"]) == 0
    text = capsys.readouterr().out
    for name in ("no_reform", "pioneer_only", "horizontal", "top_down", "bottom_up", "all_channels"):
        assert name in text


@pytest.mark.parametrize(("preset", "expected"), [(None, "0 False"), ("1", "1 True")])
def test_the_command_turns_numpys_huge_page_advice_off_unless_the_user_set_it(preset, expected):
    code = (
        "import os\n"
        "from jiesu.experiments.cli.main import small_pages\n"
        "small_pages()\n"
        "import numpy\n"
        "switch = getattr(numpy._core.multiarray, '_set_madvise_hugepage', None)\n"
        "print(os.environ['NUMPY_MADVISE_HUGEPAGE'], 'skip' if switch is None else switch(True))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "NUMPY_MADVISE_HUGEPAGE"}
    if preset is not None:
        env["NUMPY_MADVISE_HUGEPAGE"] = preset
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    if out.stdout.split()[1] == "skip":
        pytest.skip("this numpy has no huge-page switch to read back")
    assert out.stdout.strip() == expected
