"""Calibration (ABC-SMC): reproducible, resumable, recovers what it should; posteriors in runs.

The calibrations here are tiny (a coarse Beijing to 2019-12, 6-8 particles, 2 generations): they
check the machinery, not the science of the shipped posterior (docs/validation.md reports that).
"""

import json
import shutil

import numpy as np
import pandas as pd
import pytest
from jiesu.experiments.cli.main import main
from jiesu.experiments.designs import calibrate as calibrate_module
from jiesu.experiments.designs.calibrate import run_calibration
from jiesu.experiments.designs.calibration_spec import CalibrationSpecError, load_calibration
from jiesu.experiments.execution import abc
from jiesu.experiments.execution import posterior as posterior_module
from jiesu.experiments.execution.posterior import Posterior

pytest.importorskip("pyabc")

TINY = """
name = "tiny"
scenario = "beijing"
seed = {seed}
population = {population}
generations = 2
predictive_draws = 2
predictive_end = "2020-06"
calibrate = ["problem_rate", "learning_exponent"]
targets = ["log_requests_2018", "log_requests_2019", "resolution_2019_12"]
[parameters]
end = "2019-12"
residents_per_citizen = 100000
burn_in_months = 6
{extra}
"""


def _spec(tmp_path, seed=7, population=6, extra=""):
    path = tmp_path / f"tiny-{seed}-{population}.toml"
    path.write_text(TINY.format(seed=seed, population=population, extra=extra))
    return path


def _posterior(folder):
    return pd.read_parquet(folder / "posterior.parquet")


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """One tiny calibration made by the command line (workers 1), shared by the tests below."""
    root = tmp_path_factory.mktemp("calibration")
    out = root / "cal"
    assert main(["calibrate", str(_spec(root)), "--workers", "1", "--out", str(out)]) == 0
    return root, out


def test_calibrate_command_writes_a_complete_folder(made):
    _, out = made
    for name in ("manifest.json", "spec.toml", "abc.db", "posterior.parquet", "diagnostics.csv",
                 "predictive.parquet", "marginals.png", "predictive.png"):  # fmt: skip
        assert (out / name).is_file(), name
    post = _posterior(out)
    assert sorted(post["generation"].unique()) == [0, 1]
    assert (post.groupby("generation").size() == 6).all()
    assert np.allclose(post.groupby("generation")["weight"].sum(), 1.0)
    assert post["problem_rate"].between(0.03, 0.5).all(), "particles stay within the prior"
    diag = pd.read_csv(out / "diagnostics.csv", encoding="utf-8-sig")
    assert diag["acceptance_rate"].between(0, 1).all() and (diag["epsilon"].diff().dropna() <= 0).all()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["finished"] and manifest["seed"] == 7 and manifest["budget"]["population"] == 6
    assert set(manifest["in_sample"]) == {"log_requests_2018", "log_requests_2019", "resolution_2019_12"}
    assert not list((out / "cache").glob("*.pkl")), "the cache is cleared once the generations are stored"


def test_same_seed_gives_the_same_particles_whatever_the_workers(made):
    root, out = made
    run_calibration(load_calibration(_spec(root)), root / "two", workers=2, progress=False)
    pd.testing.assert_frame_equal(_posterior(out), _posterior(root / "two"))


def test_an_interrupted_calibration_resumes_to_the_same_posterior(made, monkeypatch):
    root, out = made
    spec = load_calibration(_spec(root))
    calls = {"n": 0}
    original = abc.Batches.__call__

    def interrupting(self, simulate_one, seeds):
        calls["n"] += 1
        if calls["n"] == 5:  # inside generation 0, after the prior sample
            raise KeyboardInterrupt
        return original(self, simulate_one, seeds)

    monkeypatch.setattr(abc.Batches, "__call__", interrupting)
    with pytest.raises(KeyboardInterrupt):
        run_calibration(spec, root / "cut", workers=1, progress=False)
    assert list((root / "cut" / "cache").glob("*.pkl")), "evaluated candidates are kept"
    assert not (root / "cut" / "posterior.parquet").exists()
    monkeypatch.setattr(abc.Batches, "__call__", original)
    run_calibration(spec, root / "cut", workers=1, resume=True, progress=False)
    pd.testing.assert_frame_equal(_posterior(out), _posterior(root / "cut"))
    assert not list((root / "cut" / "cache").glob("*.pkl")), "the cache is cleared once stored"


def _legacy_copy(out, folder):
    """``out`` as a calibration folder written before resume keys and locks (no ``.lock``, no
    ``resume_key``), left unfinished."""
    shutil.copytree(out, folder, ignore=shutil.ignore_patterns(".lock"))
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    del manifest["resume_key"]
    manifest["finished"] = False
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def test_a_calibration_folder_from_before_resume_keys_resumes_and_ships(made, monkeypatch, capsys):
    """`jiesu calibrate NAME --out FOLDER --resume --ship` continues a folder written by an older
    jiesu when the calibration file's text is unchanged, and refuses it when the text changed."""
    root, out = made
    legacy = _legacy_copy(out, root / "legacy")
    shipped = []
    monkeypatch.setattr(posterior_module, "ship", lambda folder, spec: shipped.append(folder) or [])
    args = ["calibrate", str(_spec(root)), "--workers", "1", "--out", str(legacy), "--resume"]
    assert main([*args, "--ship"]) == 0, capsys.readouterr().err
    assert shipped == [legacy]
    pd.testing.assert_frame_equal(_posterior(out), _posterior(legacy))
    manifest = json.loads((legacy / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["finished"] and "resume_key" not in manifest
    other = _legacy_copy(out, root / "legacy-other")
    (root / "changed").mkdir()
    changed = _spec(root / "changed", extra="# a comment changes the text")
    assert main(["calibrate", str(changed), "--workers", "1", "--out", str(other), "--resume"]) == 2
    assert "was started from a different calibration file" in capsys.readouterr().err


def test_calibration_recovers_a_known_parameter_from_synthetic_data(tmp_path):
    """Data made by the model with problem_rate 0.2: the posterior concentrates around it."""
    spec = load_calibration(_spec(tmp_path))
    truth = {"problem_rate": 0.2, "learning_exponent": 1.0}
    model = abc.CityModel(spec.scenario, spec.parameters, spec.priors, spec.city, spec.targets)
    np.random.seed(3)  # noqa: NPY002 - the model draws its run's seed from the global generator
    observed = model({abc.encode(n, spec.priors[n][0]): np.log10(v) for n, v in truth.items()})
    extra = "[observed]\n" + "\n".join(f"{k} = {v!r}" for k, v in observed.items())
    synthetic = load_calibration(_spec(tmp_path, population=8, extra=extra))
    run_calibration(synthetic, tmp_path / "syn", workers=2, progress=False)
    last = _posterior(tmp_path / "syn").query("generation == 1")
    post = Posterior(last.assign(particle=range(len(last))), tuple(synthetic.priors), "syn").summary()
    row = post.set_index("parameter").loc["problem_rate"]
    assert row["q05"] <= 0.2 <= row["q95"]
    assert row["q95"] / row["q05"] < 0.5 / 0.03, "narrower than the prior"


def test_posterior_draws_one_particle_per_replicate_and_widens_the_bands(made, tmp_path):
    _, cal = made
    posterior = Posterior.load(cal)
    assert posterior.draw(0, 3) == posterior.draw(0, 3), (
        "replicate r of seed s always draws the same particle"
    )
    out = tmp_path / "cmp"
    common = [
        "--replicates",
        "4",
        "--workers",
        "1",
        "--end",
        "2020-12",
        "--set",
        "residents_per_citizen=100000",
    ]
    assert main(["compare", "beijing", *common, "--out", str(out), "--posterior", str(cal)]) == 0
    runs = pd.read_parquet(out / "runs.parquet")
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["posterior"] == str(cal)
    assert manifest["particles"] == dict(zip(runs["run_id"], runs["particle"].astype(int), strict=True))
    assert main(["compare", "beijing", *common, "--out", str(tmp_path / "plain")]) == 0
    plain = pd.read_parquet(tmp_path / "plain" / "runs.parquet")
    spread = lambda df: df["requests_per_10k_last12"].std()  # noqa: E731
    assert spread(runs) > 2 * spread(plain), "parameter uncertainty widens the spread across replicates"
    assert main(["report", str(out), "--format", "html"]) == 0
    html = (out / "report" / "report-en.html").read_text(encoding="utf-8")
    assert "Parameter uncertainty" in html and "problem_rate" in html, (
        "the report says the runs drew particles"
    )
    assert main(["report", str(tmp_path / "plain"), "--format", "html"]) == 0
    assert "Parameter uncertainty" not in (tmp_path / "plain" / "report" / "report-en.html").read_text(
        encoding="utf-8"
    )


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        ('calibrate = ["problem_rat"]', "is not a parameter"),
        ('calibrate = ["pioneer"]', "declares no prior"),
        ('targets = ["log_requests_2031"]', "unknown target"),
        ("population = 0", "whole number"),
        ('[priors]\nproblem_rate = ["normal", 0, 1]', "prior of problem_rate"),
    ],
)
def test_bad_calibration_files_are_refused_with_a_clear_message(tmp_path, capsys, extra, fragment):
    text = TINY.format(seed=1, population=6, extra="")
    key = extra.split(" = ")[0].split("\n")[-1]
    if extra.startswith("[priors]"):
        text += extra
    else:
        text = "\n".join(line for line in text.splitlines() if not line.startswith(key + " ")) + "\n"
        text = extra + "\n" + text
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(CalibrationSpecError, match=fragment):
        load_calibration(path)
    assert main(["calibrate", str(path), "--out", str(tmp_path / "o")]) == 2
    assert fragment in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_the_period_must_cover_the_targets(tmp_path):
    path = tmp_path / "short.toml"
    path.write_text(TINY.format(seed=1, population=6, extra="").replace('end = "2019-12"', 'end = "2019-06"'))
    with pytest.raises(CalibrationSpecError, match=r"need 2018-01\.\.2019-12"):
        load_calibration(path)


def test_the_shipped_calibration_file_is_valid():
    spec = load_calibration("beijing")
    assert len(spec.priors) >= 8 and len(spec.targets) == 14
    assert all(int(t.until[:4]) <= 2021 for t in spec.targets), "fit only to data up to 2021"


def test_posterior_predictive_rows_are_the_calibrated_city(tmp_path):
    spec = load_calibration(_spec(tmp_path))
    table = pd.DataFrame({"weight": [0.5, 0.5], "problem_rate": [0.1, 0.2], "learning_exponent": [1.0, 2.0]})
    pred = calibrate_module.posterior_predictive(spec, table, 1, None)
    assert pred["draw"].nunique() == 2 and pred["month"].max() == "2020-06"


def test_the_validation_page_and_the_parameter_table_match_the_shipped_posterior():
    """docs/validation.md (jiesu docs --validation) reports the posterior the project ships."""
    import re
    from pathlib import Path

    from jiesu.model.parameters import calibrated_sources

    summary = Posterior.load("beijing").summary().set_index("parameter")
    text = (Path(__file__).resolve().parent.parent / "docs" / "validation.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- BEGIN POSTERIOR -->(.*?)<!-- END POSTERIOR -->", text, flags=re.DOTALL).group(1)
    rows = {
        m[0]: [float(v) for v in m[1:]]
        for m in re.findall(r"\| `(\w+)` \| (\S+) \| (\S+) \| (\S+) \|", block)
    }
    assert set(rows) == set(summary.index), "the page lists exactly the shipped posterior's parameters"
    for name, (median, q05, q95) in rows.items():
        expected = summary.loc[name, ["median", "q05", "q95"]].to_numpy(dtype=float)
        assert np.allclose([median, q05, q95], expected, rtol=1e-3), name
    sources = calibrated_sources()
    assert set(sources) == set(summary.index)
    assert all(s.startswith("calibrated: ") for s in sources.values())
