"""Issue 12's reproducers, one test each: bad input gets one line and exit 2 and writes nothing;
valid input works; nothing is written outside its folder, overwritten or mixed.

The command line is called in-process. Runs that must happen use a tiny synthetic scenario
or Beijing for a month or two.
"""

import errno
import json
import os
import stat
import subprocess
import sys

import pandas as pd
import pytest
from jiesu.experiments.cli.main import main
from jiesu.experiments.outputs import storage

TINY = """
name = "tiny"
[parameters]
geography = "synthetic"
synthetic_cities = 6
synthetic_population = 300000
residents_per_citizen = 300000
residents_per_unit = 1000000
burn_in_months = 0
pioneer = "largest"
reform_start = "2018-01"
end = "2018-03"
"""


def _cli(args, capsys):
    try:
        status = main(args)
    except SystemExit as exit_:  # argparse's own usage errors
        status = exit_.code
    out = capsys.readouterr()
    return status, out.out, out.err


def _refused(args, capsys, message: str, after_work: bool = False) -> str:
    """Exit 2 with one line; ``after_work``: the line ends what the work printed (progress)."""
    status, _, err = _cli(args, capsys)
    lines = err.splitlines()
    assert status == 2, err
    if after_work:
        assert sum(line.startswith("jiesu: error") for line in lines) == 1 and "Traceback" not in err, err
        lines = lines[-1:]
    assert len(lines) == 1 and lines[0].startswith("jiesu: error: "), f"one line, not: {err}"
    assert message in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def work(tmp_path, monkeypatch):
    """A working folder (the current one) with the tiny scenario; the test checks what is written."""
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "tiny.toml").write_text(TINY)
    monkeypatch.chdir(folder)
    return folder


def _sweep_file(folder, name="tiny", scenario="tiny.toml", extra="", factors="imitation_rate = [0.0, 0.3]"):
    path = folder / f"{name.replace('/', '_').replace('.', '_')[:40]}-sweep.toml"
    path.write_text(
        f'name = {json.dumps(name)}\nscenario = {json.dumps(str(folder / scenario))}\ndesign = "lhs"\n'
        f'samples = 2\nseed = 1\noutcomes = ["share_adopted_end"]\n{extra}\n[factors]\n{factors}\n'
    )
    return path


def _files(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


# --- data loss and confinement ----------------------------------------------------------------
def test_a_sweep_name_with_dotdot_cannot_leave_results(work, capsys):
    user = work.parent / "user"
    user.mkdir()
    (user / "manifest.json").write_text('{"mine": true}')
    spec = _sweep_file(work, name="../../user")
    before = _files(work)
    _refused(["sweep", str(spec), "--workers", "1"], capsys, "cannot name a folder")
    assert (user / "manifest.json").read_text() == '{"mine": true}'
    assert _files(user) == ["manifest.json"] and _files(work) == before


def test_a_scenario_name_with_a_path_cannot_steer_run_or_compare(work, capsys):
    (work / "evil.toml").write_text(TINY.replace('name = "tiny"', 'name = "x/../../../elsewhere"'))
    before = _files(work)
    for command in ("run", "compare"):
        _refused([command, "evil.toml"], capsys, "cannot name a folder")
    assert _files(work) == before and not (work.parent / "elsewhere").exists()


def test_a_link_inside_results_cannot_lead_outside(work):
    (work / "results").mkdir()
    (work / "results" / "sweep-x").symlink_to(work.parent)
    with pytest.raises(storage.OutputError, match="would leave"):
        storage.confined(work / "results", "sweep-x")


def test_resume_refuses_a_changed_scenario_and_names_the_change(work, capsys):
    spec = _sweep_file(work)
    assert _cli(["sweep", str(spec), "--workers", "1", "--out", "sw"], capsys)[0] == 0
    runs = (work / "sw" / "runs.parquet").read_bytes()
    (work / "tiny.toml").write_text(TINY.replace("[parameters]", "[parameters]\nproblem_rate = 0.5"))
    _refused(["sweep", str(spec), "--out", "sw", "--resume"], capsys, "problem_rate: 0.165 then, 0.5 now")
    assert (work / "sw" / "runs.parquet").read_bytes() == runs


def test_resume_refuses_a_changed_sweep_file(work, capsys):
    spec = _sweep_file(work)
    assert _cli(["sweep", str(spec), "--workers", "1", "--out", "sw"], capsys)[0] == 0
    spec.write_text(spec.read_text().replace("seed = 1", "seed = 2"))
    _refused(["sweep", str(spec), "--out", "sw", "--resume"], capsys, "other settings (seed: 1 then, 2 now)")


def test_a_sweep_folder_from_before_resume_keys_resumes_if_its_file_is_unchanged(work, capsys):
    """A folder written by an older jiesu (no ``.lock``, no ``resume_key``) is resumed as then:
    when the sweep file's text is the same."""
    spec = _sweep_file(work)
    assert _cli(["sweep", str(spec), "--workers", "1", "--out", "sw", "--batch", "1"], capsys)[0] == 0
    runs = pd.read_parquet(work / "sw" / "runs.parquet").drop(columns="wall_seconds")
    manifest = json.loads((work / "sw" / "manifest.json").read_text(encoding="utf-8"))
    del manifest["resume_key"]
    (work / "sw" / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    for name in (".lock", "runs.parquet", "parts/runs-00001.parquet"):
        (work / "sw" / name).unlink()
    status, _, err = _cli(["sweep", str(spec), "--workers", "1", "--out", "sw", "--resume"], capsys)
    assert status == 0, err
    again = pd.read_parquet(work / "sw" / "runs.parquet").drop(columns="wall_seconds")
    pd.testing.assert_frame_equal(again, runs)
    spec.write_text(spec.read_text() + "# changed\n")
    _refused(["sweep", str(spec), "--out", "sw", "--resume"], capsys, "started from a different sweep file")


def test_two_runs_in_one_second_get_two_default_folders(work):
    first, second = storage.default_out("run", "tiny"), storage.default_out("run", "tiny")
    assert first != second and first.is_dir() and second.is_dir()
    assert second.name.startswith(first.name)


def test_two_runs_started_together_with_the_default_out_both_keep_their_results(work):
    """The reproducer: two `jiesu run` at once used to collide on one default folder."""
    command = [
        sys.executable,
        "-c",
        "import sys; from jiesu.experiments.cli.main import main; sys.exit(main())",
    ]
    runs = [
        subprocess.Popen(
            [*command, "run", "tiny.toml"], cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        for _ in range(2)
    ]
    errors = [run.communicate(timeout=300)[1].decode() for run in runs]
    assert [run.returncode for run in runs] == [0, 0], errors
    folders = sorted((work / "results").iterdir())
    assert len(folders) == 2 and all((f / "timeseries.parquet").is_file() for f in folders), folders


def test_a_run_into_a_folder_another_process_writes_is_refused(work, capsys):
    (work / "out").mkdir()
    with storage.exclusive(work / "out", "out"):  # the lock a concurrent `jiesu run` holds
        _refused(["run", "tiny.toml", "--out", "out"], capsys, "in use by another jiesu process")
    assert _files(work) == ["out", "tiny.toml"]


def test_two_resumes_of_one_sweep_at_once_are_refused(work, capsys):
    spec = _sweep_file(work)
    assert _cli(["sweep", str(spec), "--workers", "1", "--out", "sw"], capsys)[0] == 0
    with storage.exclusive(work / "sw" / ".lock", "sweep"):
        _refused(["sweep", str(spec), "--out", "sw", "--resume"], capsys, "in use by another jiesu process")


@pytest.mark.parametrize("mask", [0o077, 0o022, 0o000])
def test_outputs_follow_the_umask(tmp_path, mask):
    old = os.umask(mask)
    try:
        with storage.staged_folder(tmp_path / "out") as tmp:
            storage.write_json({"a": 1}, tmp / "manifest.json")
            storage.write_parquet(pd.DataFrame({"x": [1]}), tmp / "sub" / "t.parquet")
    finally:
        os.umask(old)
    modes = {
        p.name: stat.S_IMODE(p.stat().st_mode) for p in [tmp_path / "out", *(tmp_path / "out").rglob("*")]
    }
    assert modes == {
        "out": 0o777 & ~mask,
        "manifest.json": 0o666 & ~mask,
        "sub": 0o777 & ~mask,
        "t.parquet": 0o666 & ~mask,
    }


# --- promises on bad input: exit 2 before any run -------------------------------------------------
def test_an_unknown_city_in_compare_is_refused_before_any_run(work, capsys):
    args = ["compare", "pioneer_only", "--set", "pioneer=Gotham", "--replicates", "1", "--workers", "1"]
    _refused([*args, "--end", "2018-03"], capsys, "unknown city 'Gotham'")
    assert _files(work) == ["tiny.toml"]


def test_an_unknown_city_in_a_sweep_is_refused_before_any_run(work, capsys):
    spec = _sweep_file(work, extra='[parameters]\npioneer = "Gotham"')
    _refused(["sweep", str(spec), "--workers", "1"], capsys, "unknown city 'Gotham'")
    assert not (work / "results").exists()


def test_a_sweep_factor_that_removes_the_pioneer_is_refused(work, capsys):
    spec = _sweep_file(work, extra='[parameters]\npioneer = "S00004"', factors="synthetic_cities = [2, 10]")
    _refused(["sweep", str(spec), "--workers", "1"], capsys, "unknown city 'S00004'")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('name = "x"\nextends = 5\n', "extends must be text"),
        ('name = "x"\nevents = [1, 2]\n', "events must be an array of tables"),
        ('name = "x"\n[[events]]\nmonth = "2019-01"\nkind = "adopt"\nelements = 5\n', "elements must be"),
        (
            'name = "x"\nextends = "beijing"\nreplace_events = "false"\n',
            "replace_events must be true or false",
        ),
        ('name = "x"\nhidden = "no"\n', "hidden must be true or false"),
        ("name = []\n", "name must be text"),
        ('name = "' + "n" * 300 + '"\n', "300 characters, above the limit of 64"),
        ('name = "x"\n[parameters]\nrecognition = "no"\n', "recognition: write true or false"),
        ('name = "x"\n[parameters]\ncapacity_per_10k = inf\n', "the number must be finite"),
        (
            'name = "x"\n[[events]]\nmonth = "2020-06"\nkind = "endorsement"\ntarget = "Gotham"\n',
            "'national'",
        ),
        ('name = "x"\n[[events]]\nmonth = "2020-06"\nkind = "mandate"\ndeadline = "2020-01"\n', "before"),
        (
            'name = "x"\n[[events]]\nmonth = "2020-06"\nkind = "mandate"\ntarget = "Gotham"\ndeadline = "2021-01"\n',
            "unknown province 'Gotham'",
        ),
        (
            'name = "x"\n[[events]]\nmonth = "2020-06"\nkind = "sector_adopt"\ntarget = "army"\n',
            "unknown sector",
        ),
        (
            'name = "x"\n[[events]]\nmonth = "2017-06"\nkind = "adopt"\ntarget = "Beijing"\n',
            "would never happen",
        ),
        ('name = "x"\n[[events]]\nmonth = "٢٠١٩-٠١"\nkind = "adopt"\ntarget = "Beijing"\n', "ASCII digits"),
        ("a = " + "[" * 3000 + "]" * 3000 + "\n", "nested too deeply"),
    ],
)
def test_malformed_scenario_files_are_named_not_misread(work, capsys, text, message):
    (work / "bad.toml").write_text(text, encoding="utf-8")
    _refused(["run", "bad.toml", "--end", "2021-12"], capsys, message)
    assert _files(work) == ["bad.toml", "tiny.toml"]


def test_a_file_that_is_not_utf8_is_named(work, capsys):
    (work / "bad.toml").write_bytes(b'name = "\xff"\n')
    _refused(["run", "bad.toml"], capsys, "is not UTF-8 text (byte 0xff on line 1)")


def test_a_fifo_as_a_scenario_is_refused_without_waiting(work, capsys):
    os.mkfifo(work / "pipe.toml")
    _refused(["run", "pipe.toml"], capsys, "not a regular file")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("parameters = 5", "parameters must be a table"),
        ("replicates = true", "replicates must be a whole number"),
    ],
)
def test_malformed_sweep_files_are_named(work, capsys, extra, message):
    _refused(["sweep", str(_sweep_file(work, extra=extra))], capsys, message)
    assert not (work / "results").exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            'design = "lhs"\nsamples = 2\noutcomes = 5\n[factors]\nimitation_rate = [0, 1]\n',
            "outcomes must be a list",
        ),
        (
            'scenario = 5\ndesign = "lhs"\nsamples = 2\n[factors]\nimitation_rate = [0, 1]\n',
            "scenario must be text",
        ),
        ('design = "lhs"\nsamples = 1000000000\n[factors]\nimitation_rate = [0, 1]\n', "above the limit"),
        (
            'design = "grid"\nsamples = 100000\n[factors]\nimitation_rate = [0, 1]\nlearning_rate = [0, 1]\n',
            "10,000,000,000 runs, above the limit of 1,000,000 runs",
        ),
        ('design = "lhs"\nsamples = 2\nseed = -1\n[factors]\nimitation_rate = [0, 1]\n', "seed must be"),
        (
            'design = "lhs"\nsamples = 2\nseed = 18446744073709551616\n[factors]\nimitation_rate = [0, 1]\n',
            "seed must be",
        ),
        ('design = "lhs"\nsamples = 2\n[factors]\nimitation_rate = [0, inf]\n', "two finite numbers"),
        ('design = "lhs"\nsamples = 2\n[factors]\nimitation_rate = [false, true]\n', "two finite numbers"),
        ('name = "../x"\ndesign = "lhs"\nsamples = 2\n[factors]\nimitation_rate = [0, 1]\n', "cannot name"),
    ],
)
def test_sweep_values_of_the_wrong_kind_or_size_are_named(work, capsys, text, message):
    (work / "s.toml").write_text(text)
    _refused(["sweep", "s.toml"], capsys, message)
    assert _files(work) == ["s.toml", "tiny.toml"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "--set", "capacity_per_10k=90", "--set", "capacity_per_10k=95"], "given twice"),
        (["run", "--set", "end=2019-12", "--end", "2020-12"], "the end month is given twice"),
        (["run", "--start", ""], "parameter start: '' is not a month"),
        (["run", "--set", "capacity_per_10k=inf"], "write a plain decimal number"),
        (["run", "--set", "capacity_per_10k=1e999"], "the number must be finite"),
        (["run", "--set", "capacity_per_10k=٩٠"], "ASCII digits"),
        (["run", "--end", "٢٠١٩-٠١"], "ASCII digits"),
        (["run", "--end", "9999-12"], "above the limit of 1,200 months (100 years)"),
        (["compare", "--workers", "100000"], "--workers is 100,000, above the limit of"),
        (["compare", "--replicates", "100000000"], "--replicates is 100,000,000, above the limit of 10,000"),
        (["compare", "--workers", "0"], "--workers must be a whole number of at least 1"),
        (["sweep", "horizontal_sobol", "--batch", "0"], "--batch must be a whole number of at least 1"),
        (["compare", "--scheduler", "not-an-address"], "write tcp://HOST:PORT"),
        (["run", "--seed", str(2**64)], "the seed must be a whole number from 0 to 2**63 - 1"),
        (
            ["run", "tiny.toml", "--set", "reform_start=2019-01", "--start", "2020-01", "--end", "2020-06"],
            "would never adopt",
        ),
    ],
)
def test_command_line_mistakes_get_one_line(work, capsys, args, message):
    _refused(args, capsys, message)
    assert _files(work) == ["tiny.toml"]


# --- outputs that cannot be written: refused before the work, one line after it --------------------
def test_an_unwritable_out_is_refused_before_the_work(work, capsys):
    _refused(["run", "tiny.toml", "--out", "/sys/jiesu-out"], capsys, "cannot create the output folder")


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS, errno.EACCES])
def test_a_full_or_read_only_disk_is_found_before_the_work(work, capsys, monkeypatch, code):
    def full(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(storage.os, "fsync", full)
    _refused(["run", "tiny.toml", "--out", "out"], capsys, f"cannot write into out: {os.strerror(code)}")
    assert _files(work) == ["tiny.toml"]


@pytest.mark.parametrize("command", ["sweep", "resume"])
def test_a_full_disk_is_found_before_a_sweep_starts_or_resumes(work, capsys, monkeypatch, command):
    spec = _sweep_file(work)
    if command == "resume":
        assert _cli(["sweep", str(spec), "--workers", "1", "--out", "sw"], capsys)[0] == 0
    before = _files(work)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(storage.os, "fsync", full)
    args = [
        "sweep",
        str(spec),
        "--workers",
        "1",
        "--out",
        "sw",
        *(["--resume"] if command == "resume" else []),
    ]
    _refused(args, capsys, "cannot write into sw: No space left on device")
    assert _files(work) == before, "a new sweep folder refused before the work is removed"


def test_a_disk_that_fills_during_the_writing_gives_one_line_and_no_debris(work, capsys, monkeypatch):
    def full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(pd.DataFrame, "to_parquet", full)
    line = _refused(["run", "tiny.toml", "--out", "out"], capsys, "No space left on device", after_work=True)
    assert "cannot write out/" in line and ".partial-" not in line, "the message names the destination"
    assert _files(work) == ["tiny.toml"]


def test_out_may_be_a_link_to_an_empty_folder(work, capsys):
    (work / "real").mkdir()
    (work / "link").symlink_to(work / "real")
    status, _, err = _cli(["run", "tiny.toml", "--out", "link"], capsys)
    assert status == 0, err
    assert (work / "real" / "manifest.json").is_file() and (work / "link").is_symlink()


# --- valid input accepted; notes for what will not happen -------------------------------------------
def test_a_scenario_file_with_a_byte_order_mark_runs(work, capsys):
    (work / "bom.toml").write_text(TINY, encoding="utf-8-sig")
    status, _, err = _cli(["run", "bom.toml", "--out", "out"], capsys)
    assert status == 0, err
    assert json.loads((work / "out" / "manifest.json").read_text())["scenario"]["name"] == "tiny"


def test_events_after_the_end_are_reported_and_manifests_are_strict_json(work, capsys):
    status, _, err = _cli(["run", "--end", "2018-02", "--out", "out"], capsys)
    assert status == 0
    assert "note: scenario beijing: 2 events after the end 2018-02 will not happen" in err
    text = (work / "out" / "manifest.json").read_text()
    json.loads(text, parse_constant=lambda c: pytest.fail(f"{c} in manifest.json"))


def test_every_declared_limit_is_in_the_readme():
    from pathlib import Path

    from jiesu.experiments.limits import LIMITS

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    missing = [key for key, limit in LIMITS.items() if f"| {limit.what} | {limit.rule} |" not in readme]
    assert missing == [], f"the README's table of limits lacks (or words differently): {missing}"


def test_parquet_files_read_back_exactly_in_pandas_and_duckdb_with_floats_split_into_byte_streams(tmp_path):
    import duckdb
    import numpy as np
    import pyarrow.parquet as pq

    rng = np.random.default_rng(3)
    df = pd.DataFrame(
        {
            "unit_id": pd.array(["110101", "110102", None] * 4, dtype="str"),
            "rate": rng.random(12),
            "hazard": rng.random(12).astype(np.float32),
            "missing": [np.nan, 1.5, np.inf, -0.0] * 3,
            "count": np.arange(12),
            "adopted": [True, False] * 6,
        }
    )
    storage.write_parquet(df, tmp_path / "t.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "t.parquet"), df)
    meta = pq.ParquetFile(tmp_path / "t.parquet").metadata.row_group(0)
    encodings = {meta.column(i).path_in_schema: meta.column(i).encodings for i in range(meta.num_columns)}
    assert all("BYTE_STREAM_SPLIT" in encodings[c] for c in ("rate", "hazard", "missing"))
    assert "RLE_DICTIONARY" in encodings["unit_id"]
    total = duckdb.sql(
        f"SELECT sum(rate), sum(hazard), count(missing) FROM '{tmp_path / 't.parquet'}'"
    ).fetchall()
    assert total[0][0] == pytest.approx(df["rate"].sum())
    assert total[0][2] == 9, "NaN is stored as a missing value: DuckDB counts the 9 others"
