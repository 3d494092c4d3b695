"""Comparisons and sweeps: common random numbers, worker-count invariance, resume after a kill,
clear errors for bad sweep files, flat memory."""

import gc
import os
import signal
import subprocess
import sys
import time
import weakref

import pandas as pd
import pytest
from jiesu.experiments.cli.main import main
from jiesu.experiments.designs.compare import compare
from jiesu.experiments.designs.sweep import run_sweep
from jiesu.experiments.designs.sweep_spec import load_spec
from jiesu.experiments.scenarios import load_scenario
from jiesu.model.geography import UnknownCityError

SYNTHETIC = """
name = "{name}"
[parameters]
geography = "synthetic"
synthetic_cities = 30
synthetic_population = 300000
residents_per_citizen = 100000
residents_per_unit = 300000
pioneer = "largest"
end = "2022-12"
imitation_rate = {imitation}
"""

SPEC = """
name = "tiny"
scenario = "{scenario}"
design = "{design}"
samples = {samples}
replicates = 2
seed = 5
outcomes = ["share_adopted_end", "satisfaction_rate_last12"]
[factors]
imitation_rate = [0.0, 0.3]
external_rate = [0.0, 0.05]
"""


@pytest.fixture
def synthetic_scenario(tmp_path):
    path = tmp_path / "synthetic.toml"
    path.write_text(SYNTHETIC.format(name="synthetic", imitation=0.1))
    return path


def _spec(tmp_path, scenario, design="lhs", samples=4):
    path = tmp_path / "spec.toml"
    path.write_text(SPEC.format(scenario=scenario, design=design, samples=samples))
    return path


def test_common_random_numbers_make_identical_scenarios_differ_by_exactly_zero(tmp_path):
    for name in ("a", "b"):
        (tmp_path / f"{name}.toml").write_text(SYNTHETIC.format(name=name, imitation=0.1))
    res = compare(
        [load_scenario(tmp_path / "a.toml"), load_scenario(tmp_path / "b.toml")], replicates=3, progress=False
    )
    diffs = res.summary[res.summary["scenario"] == "b"]
    assert (diffs["diff_mean"].fillna(0) == 0).all()
    assert res.runs["status"].eq("ok").all()


def test_compare_separates_scenarios_and_reports_intervals(tmp_path):
    (tmp_path / "slow.toml").write_text(SYNTHETIC.format(name="slow", imitation=0.0))
    (tmp_path / "fast.toml").write_text(SYNTHETIC.format(name="fast", imitation=0.5))
    res = compare(
        [load_scenario(tmp_path / "slow.toml"), load_scenario(tmp_path / "fast.toml")],
        replicates=4,
        progress=False,
    )
    row = res.summary.set_index(["scenario", "metric"]).loc[("fast", "share_adopted_end")]
    assert row["diff_ci95_low"] > 0, "imitation must raise adoption, with a paired interval above 0"
    assert row["ci95_low"] <= row["mean"] <= row["ci95_high"]


def test_compare_cli_writes_folder_with_figures_in_chinese(tmp_path, synthetic_scenario):
    out = tmp_path / "cmp"
    assert (
        main(
            [
                "compare",
                str(synthetic_scenario),
                "pioneer_only",
                "--replicates",
                "2",
                "--workers",
                "1",
                "--set",
                "end=2019-12",
                "--set",
                "residents_per_citizen=300000",
                "--set",
                "residents_per_unit=1000000",
                "--out",
                str(out),
                "--lang",
                "zh",
            ]
        )
        == 0
    )
    for name in (
        "manifest.json",
        "runs.parquet",
        "timeseries.parquet",
        "adoptions.parquet",
        "summary.csv",
        "compare-zh.png",
        "compare-zh.svg",
        "channels-zh.png",
    ):
        assert (out / name).exists(), name
    assert not (out / "compare.png").exists(), "Chinese figures carry -zh in their names"
    # warnings are errors in the tests, so a missing CJK glyph would already have failed the run
    assert "<path" in (out / "compare-zh.svg").read_text(), "glyphs are embedded as paths"
    summary = pd.read_csv(out / "summary.csv")
    assert {"mean", "ci95_low", "ci95_high", "diff_mean", "diff_ci95_low", "diff_ci95_high"} <= set(
        summary.columns
    )


def test_same_results_with_one_or_two_workers(tmp_path, synthetic_scenario):
    spec = load_spec(_spec(tmp_path, synthetic_scenario))
    one = run_sweep(spec, tmp_path / "w1", workers=1, progress=False)
    two = run_sweep(spec, tmp_path / "w2", workers=2, progress=False)
    assert one["complete"] and two["complete"]
    a = pd.read_parquet(tmp_path / "w1" / "runs.parquet").drop(columns="wall_seconds")
    b = pd.read_parquet(tmp_path / "w2" / "runs.parquet").drop(columns="wall_seconds")
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == 8 and a["run_index"].tolist() == list(range(8))


def test_sweep_killed_mid_run_resumes_to_every_run_exactly_once(tmp_path, synthetic_scenario):
    spec_path = _spec(tmp_path, synthetic_scenario, samples=10)
    out = tmp_path / "killed"
    cmd = [
        sys.executable,
        "-m",
        "jiesu.experiments.cli",
        "sweep",
        str(spec_path),
        "--out",
        str(out),
        "--workers",
        "1",
        "--batch",
        "2",
    ]
    proc = subprocess.Popen(
        cmd, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.time() + 240
    while time.time() < deadline and len(list((out / "parts").glob("runs-*.parquet"))) < 2:
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    stored = len(list((out / "parts").glob("runs-*.parquet")))
    assert 2 <= stored < 10, "the kill must land mid-sweep"
    assert not (out / "runs.parquet").exists()
    assert main(["sweep", str(spec_path), "--out", str(out), "--workers", "1"]) == 2, (
        "refuses without --resume"
    )
    assert main(["sweep", str(spec_path), "--out", str(out), "--workers", "2", "--resume"]) == 0
    runs = pd.read_parquet(out / "runs.parquet")
    assert sorted(runs["run_index"]) == list(range(20))
    reference = tmp_path / "reference"
    run_sweep(load_spec(spec_path), reference, workers=1, progress=False)
    expected = pd.read_parquet(reference / "runs.parquet")
    pd.testing.assert_frame_equal(runs.drop(columns="wall_seconds"), expected.drop(columns="wall_seconds"))
    assert main(["analyze", str(out)]) == 0
    assert (out / "analysis" / "indices.csv").exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('design = "sobol"\nsamples = 4\n[factors]\nimitation_rate = [0.0, 0.3', "not valid TOML"),
        (
            'design = "taguchi"\nsamples = 4\n[factors]\nimitation_rate = [0.0, 0.3]',
            "unknown design 'taguchi'",
        ),
        ('design = "lhs"\nsamples = 4\n[factors]\nimitation_rate = [0.0, 20.0]', "out of range"),
        ('design = "lhs"\nsamples = 4\n[factors]\nimitaton_rate = [0.0, 0.3]', "not a parameter"),
        ('design = "lhs"\nsamples = 0\n[factors]\nimitation_rate = [0.0, 0.3]', "samples must be"),
        (
            'design = "lhs"\nsamples = 4\noutcome = ["x"]\n[factors]\nimitation_rate = [0.0, 0.3]',
            "unknown key",
        ),
        ('design = "lhs"\nsamples = 4\n[factors]\nimitation_rate = [0.3, 0.1]', "must be below"),
    ],
)
def test_bad_sweep_files_exit_2_and_write_nothing(tmp_path, capsys, body, message):
    path = tmp_path / "bad.toml"
    path.write_text(body)
    assert main(["sweep", str(path), "--out", str(tmp_path / "out")]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_memory_stays_flat_models_are_released(synthetic_scenario):
    from jiesu.experiments.execution.runner import run_scenario
    from jiesu.model import model as model_module

    refs = []
    original = model_module.JiesuModel.__init__

    def tracking(self, *args, **kwargs):
        original(self, *args, **kwargs)
        refs.append(weakref.ref(self))

    model_module.JiesuModel.__init__ = tracking
    try:
        for seed in range(5):
            run_scenario(load_scenario(synthetic_scenario), {"end": "2019-06"}, seed=seed)
    finally:
        model_module.JiesuModel.__init__ = original
    gc.collect()
    assert len(refs) == 5
    assert all(r() is None for r in refs), "finished models must be garbage-collected"


def test_an_unknown_city_stops_a_sweep_before_any_run(tmp_path):
    scenario = tmp_path / "broken.toml"
    scenario.write_text(
        SYNTHETIC.format(name="broken", imitation=0.1)
        + '\n[[events]]\nmonth = "2019-01"\nkind = "adopt"\ntarget = "Atlantis"\n'
    )
    spec = load_spec(_spec(tmp_path, scenario, samples=2))
    with pytest.raises(UnknownCityError, match="unknown city 'Atlantis'"):
        run_sweep(spec, tmp_path / "out", workers=1, progress=False)
    assert not (tmp_path / "out").exists()


def test_failed_runs_are_recorded_with_their_error_and_do_not_stop_the_sweep(
    tmp_path, synthetic_scenario, monkeypatch
):
    from jiesu.experiments.execution import runner

    original = runner.run_scenario

    def failing(scenario, overrides=None, seed=0, replicate=0, run_id=None, **kwargs):
        if int(run_id[-1]) % 2:  # runs 1 and 3
            raise RuntimeError("the worker ran out of memory")
        return original(scenario, overrides, seed, replicate, run_id, **kwargs)

    monkeypatch.setattr(runner, "run_scenario", failing)
    spec = load_spec(_spec(tmp_path, synthetic_scenario, samples=2))
    result = run_sweep(spec, tmp_path / "out", workers=1, progress=False)
    runs = pd.read_parquet(tmp_path / "out" / "runs.parquet")
    assert result["complete"] and len(runs) == 4
    assert runs["status"].tolist() == ["ok", "failed", "ok", "failed"]
    assert runs.loc[runs["status"] == "failed", "error"].str.contains("ran out of memory").all()


def test_chinese_figures_use_the_packaged_font_not_a_system_one():
    from jiesu.experiments.figures.fonts import font_path, rc
    from matplotlib import font_manager

    with rc("zh"):
        import matplotlib as mpl

        resolved = font_manager.findfont(font_manager.FontProperties(family=mpl.rcParams["font.family"]))
    assert resolved == str(font_path())
    assert "zhplot" in resolved
