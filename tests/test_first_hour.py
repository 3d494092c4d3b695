"""A newcomer's first hour: every trap of the first-hour review answered by one clear line,
exit status 2 and nothing written; outputs and set-up as the README promises.

The command line is called in-process (fast); one fresh process checks what only a fresh
process can show (nothing heavy is imported before the arguments are parsed).
"""

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from jiesu.experiments.cli.main import main

ROOT = Path(__file__).resolve().parent.parent

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


def _cli(args, capsys):
    """Run the command line in-process; return (status, stdout, stderr)."""
    try:
        status = main(args)
    except SystemExit as exit_:  # argparse's own usage errors
        status = exit_.code
    out = capsys.readouterr()
    return status, out.out, out.err


def _one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.startswith("jiesu: error")]
    assert len(lines) == 1, err
    assert "Traceback" not in err and "usage:" not in err, err
    return lines[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "--seed", "-5"], "the seed must be a whole number from 0 to 2**63 - 1"),
        (["run", "--seed", str(2**64)], "the seed must be a whole number from 0 to 2**63 - 1"),
        (["compare", "--seed", "-1"], "the seed must be a whole number"),
        (
            ["run", "beijing", "--set", "mandate_compliance", "0.9"],
            "write --set mandate_compliance=0.9",
        ),
        (["compare", "--set", "mandate_compliance", "0.9"], "write --set mandate_compliance=0.9"),
        (["run", "--set", "mandate_compliance"], "write --set mandate_compliance=VALUE"),
        (["run", "--bogus"], "unrecognized arguments: --bogus (see `jiesu run --help`)"),
        (
            ["run", "--set", "mandate_compliance=1.5"],
            "1.5 is out of range; allowed: 0 to 0.9999 (dimensionless) — share of cities",
        ),
        (
            ["run", "--set", "capacity_per_10k=-5"],
            "allowed: 0 or more (unit: work orders/month per 10k residents)",
        ),
        (["run", "--set", "pioneer=Shangai"], "did you mean Shanghai? It is not simulated here"),
        (["run", "all_channels", "--set", "pioneer=Shangai"], "did you mean Shanghai, "),
        (["analyze", "no/such/sweep"], "sweep folder no/such/sweep does not exist"),
        (["params", "--lang", "fr"], "invalid choice: 'fr'"),
    ],
)
def test_bad_input_gets_one_clear_line_and_exit_2(tmp_path, capsys, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    status, _, err = _cli([*args, "--out", str(tmp_path / "out")] if args[0] != "analyze" else args, capsys)
    assert status == 2
    assert message in _one_error_line(err)
    assert list(tmp_path.iterdir()) == [], "nothing is written"


def test_range_messages_give_the_unit_in_words_not_a_stray_number(capsys):
    status, _, err = _cli(["run", "--set", "mandate_compliance=1.5"], capsys)
    assert status == 2
    assert not re.search(r"\] 1\b", err), "the unit '1' must not trail the range as a number"


def test_a_bad_month_in_a_scenario_event_names_the_file_once(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\n[[events]]\nmonth = "2020-13"\nkind = "adopt"\n')
    status, _, err = _cli(["run", str(bad), "--out", str(tmp_path / "o")], capsys)
    line = _one_error_line(err)
    assert status == 2
    assert line.count(str(bad)) == 1, line
    assert "event 1: '2020-13' has month 13" in line


def test_out_with_a_missing_parent_is_refused_unless_parents(tmp_path, capsys):
    out = tmp_path / "no" / "such" / "dir" / "x"
    status, _, err = _cli(["run", "--end", "2018-02", "--out", str(out)], capsys)
    assert status == 2
    assert "does not exist: create it, or add --parents" in _one_error_line(err)
    assert not (tmp_path / "no").exists(), "no folder is created"
    status, _, _ = _cli(["run", "--end", "2018-02", "--out", str(out), "--parents"], capsys)
    assert status == 0
    assert (out / "timeseries.parquet").is_file()


def test_sweep_out_with_a_missing_parent_is_refused(tmp_path, capsys):
    status, _, err = _cli(["sweep", "horizontal_sobol", "--out", str(tmp_path / "a" / "b")], capsys)
    assert status == 2
    assert "does not exist: create it, or add --parents" in _one_error_line(err)
    assert list(tmp_path.iterdir()) == []


def test_run_says_what_it_does_and_shows_progress_off_a_terminal(tmp_path, capsys):
    """Standard error is not a terminal under pytest: progress comes as plain lines."""
    out = tmp_path / "run"
    status, stdout, err = _cli(["run", "--end", "2018-06", "--out", str(out), "--lang", "zh"], capsys)
    assert status == 0
    lines = err.splitlines()
    assert lines[0] == f"jiesu run: beijing, 2018-01 to 2018-06, seed 0 -> {out}/"
    assert "beijing: 6/6 months" in err, "a progress line even when not a terminal"
    assert "\r" not in err, "no bar redrawn in place"
    assert stdout.startswith(f"wrote {out}/")
    assert (out / "rates-zh.png").is_file() and not (out / "rates.png").exists()
    manifest = json.loads((out / "manifest.json").read_text())
    assert "rates-zh.png" in manifest["files"]


def test_params_in_chinese_has_chinese_headings_and_english_names(capsys):
    status, stdout, _ = _cli(["params", "--lang", "zh"], capsys)
    assert status == 0
    assert "# 市民 (citizens)" in stdout and "# 扩散 (diffusion)" in stdout
    assert "mandate_compliance" in stdout and "[来源: guess]" in stdout


def test_no_parameter_source_names_a_missing_model_md(capsys):
    status, stdout, _ = _cli(["params"], capsys)
    assert status == 0
    assert "MODEL.md" not in stdout


@pytest.fixture
def finished_sweep(tmp_path):
    (tmp_path / "tiny.toml").write_text(SYNTHETIC)
    spec = tmp_path / "spec.toml"
    spec.write_text(
        f'name = "tiny"\nscenario = "{tmp_path / "tiny.toml"}"\ndesign = "lhs"\nsamples = 4\nseed = 1\n'
        'outcomes = ["share_adopted_end"]\n[factors]\nimitation_rate = [0.0, 0.3]\n'
    )
    folder = tmp_path / "sweep"
    assert main(["sweep", str(spec), "--out", str(folder), "--workers", "1"]) == 0
    return folder


def test_analyze_in_chinese_keeps_the_english_figures(finished_sweep, capsys):
    assert main(["analyze", str(finished_sweep)]) == 0
    english = finished_sweep / "analysis" / "indices_share_adopted_end.png"
    before = english.read_bytes()
    assert main(["analyze", str(finished_sweep), "--lang", "zh"]) == 0
    assert english.read_bytes() == before, "the Chinese analysis must not overwrite the English figure"
    assert (finished_sweep / "analysis" / "indices_share_adopted_end-zh.png").is_file()


def test_analyze_of_a_folder_that_is_not_a_sweep_says_so(tmp_path, capsys):
    status, _, err = _cli(["analyze", str(tmp_path)], capsys)
    assert status == 2
    assert "holds no sweep" in _one_error_line(err)


@pytest.fixture(scope="module")
def tiny_compare(tmp_path_factory):
    """A two-scenario, two-replicate comparison written by `jiesu compare` (default: city rows)."""
    folder = tmp_path_factory.mktemp("compare")
    (folder / "tiny.toml").write_text(SYNTHETIC)
    out = folder / "cmp"
    args = ["compare", str(folder / "tiny.toml"), "pioneer_only", "--workers", "1"]
    small = [
        "--set",
        "end=2019-06",
        "--set",
        "residents_per_citizen=300000",
        "--set",
        "residents_per_unit=1000000",
    ]
    assert main([*args, "--replicates", "2", *small, "--out", str(out)]) == 0
    return out, [*args, *small]


def test_compare_keeps_city_rows_with_codes_names_and_province(tiny_compare):
    out, _ = tiny_compare
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert set(ts["level"]) == {"city", "province", "national"}, "city rows are kept by default"
    assert ts.groupby(["run_id", "level", "unit_id", "month"]).size().max() == 1
    china = ts[ts["scenario"] == "pioneer_only"]
    assert china["unit_id"].str.fullmatch(r"\d{6}").all(), "6-digit administrative codes"
    assert (china.loc[china["level"] == "national", "unit_id"] == "100000").all()
    beijing = china[(china["level"] == "city") & (china["unit_id"] == "110000")].iloc[0]
    assert (beijing["name_en"], beijing["name_zh"], beijing["province_zh"]) == ("Beijing", "北京市", "北京市")
    ev = pd.read_parquet(out / "adoptions.parquet")
    for column in ("unit_id", "name_en", "name_zh", "province_id", "province_en", "province_zh"):
        assert column in ev and ev[column].notna().all(), column
    assert json.loads((out / "manifest.json").read_text())["city_rows"] is True


def test_compare_without_city_rows_keeps_province_and_national_rows(tiny_compare, tmp_path):
    full_folder, args = tiny_compare
    out = tmp_path / "slim"
    assert main([*args, "--replicates", "1", "--no-city-rows", "--out", str(out)]) == 0
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert set(ts["level"]) == {"province", "national"}
    full = pd.read_parquet(full_folder / "timeseries.parquet")
    full = full[full["replicate"] == 0]
    national = ["run_id", "month", "share_adopted", "satisfaction_rate"]
    pd.testing.assert_frame_equal(
        ts[ts["level"] == "national"][national].reset_index(drop=True),
        full[full["level"] == "national"][national].reset_index(drop=True),
    )


def _readme_python_block(marker: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)
    found = [b for b in blocks if marker in b]
    assert len(found) == 1, f"the README has one Python block with {marker!r}"
    return found[0]


def test_the_readme_duckdb_example_runs_and_counts_each_run_once(tiny_compare):
    out, _ = tiny_compare
    code = _readme_python_block("import duckdb")
    code = re.sub(r'folder = "[^"]*"', f"folder = {str(out)!r}", code, count=1)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    per_scenario = namespace["per_scenario"]
    assert per_scenario.set_index("scenario")["runs"].to_dict() == {"pioneer_only": 2, "tiny": 2}
    runs = pd.read_parquet(out / "runs.parquet")
    expected = runs.groupby("scenario")["share_adopted_end"].mean()
    got = per_scenario.set_index("scenario")["share_adopted_end"]
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(), check_names=False)
    assert len(namespace["first_adopters"]) > 0
    assert {"name_en", "name_zh", "province_en"} <= set(namespace["first_adopters"].columns)


def test_importing_the_figures_keeps_the_notebook_backend():
    """A notebook's backend (here: svg, as `%matplotlib inline` would set its own) survives import."""
    code = (
        "import matplotlib; matplotlib.use('svg')\n"
        "import jiesu.experiments.figures.common, jiesu.experiments.figures.run\n"
        "import jiesu.experiments.figures.compare, jiesu.experiments.designs.run\n"
        "import jiesu.experiments.api\n"
        "print(matplotlib.get_backend())"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "svg"


def test_the_parser_and_light_commands_import_nothing_heavy():
    """`jiesu --help` and `jiesu params` must not pay for numpy, pandas, matplotlib, mesa, scipy."""
    code = (
        "import sys, io, contextlib\n"
        "import jiesu\n"
        "from jiesu.experiments.cli.main import build_parser, main\n"
        "build_parser()\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['params']); main(['scenarios'])\n"
        "heavy = ('numpy', 'pandas', 'matplotlib', 'mesa', 'scipy', 'networkx', 'pyarrow', 'tqdm')\n"
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_light_commands_offer_the_choices_the_library_declares():
    from jiesu.experiments.analysis import eha, panel
    from jiesu.experiments.cli import eha as eha_cli
    from jiesu.experiments.cli import panel as panel_cli
    from jiesu.experiments.outputs import formats

    assert (panel_cli.PERIODS, panel_cli.FORMATS) == (panel.PERIODS, formats.FORMATS)
    assert (eha_cli.PERIODS, eha_cli.LINKS) == (panel.PERIODS, eha.LINKS)
    assert (eha_cli.DURATIONS, eha_cli.CLUSTERS) == (eha.DURATIONS, eha.CLUSTERS)


def test_setup_commands_install_the_runtime_only_and_ci_runs_the_readme_test_command():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["tool"]["uv"]["default-groups"] == [], "the main job must not install the dev tools"
    assert not {"pytest", "ruff", "jupyter"} & {
        re.split(r"[<>=\[ ]", d)[0] for d in project["project"]["dependencies"]
    }
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = re.search(r"## Two commands.*?```bash\n(.*?)```", readme, flags=re.DOTALL).group(1)
    main_job, tests = [line.split("#")[0].strip() for line in commands.strip().splitlines()]
    assert main_job.endswith("python3 -m uv run --locked jiesu compare")
    assert "--group dev pytest" in tests and "--group dev" not in main_job
    assert tests in (ROOT / ".ci" / "run").read_text(encoding="utf-8"), (
        ".ci/run runs the README's test command"
    )
