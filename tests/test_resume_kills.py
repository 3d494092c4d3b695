"""A sweep killed with SIGKILL at any point resumes to the results of an uninterrupted sweep.

A tiny synthetic sweep (4 runs, batches of 2) runs in child processes that kill themselves at
chosen points: while writing the first and the last file of the preparation (the spec, the
manifest), while writing a batch, while writing the final ``runs.parquet``, and at a seeded
random moment. "While writing" means the temporary file is written and the process dies
before renaming it, as a power cut or ``kill -9`` would leave it. Each folder is then resumed
(``--resume``, in this process): the result must equal the uninterrupted sweep, and no ``.tmp``
file, orphan part or preparation debris may survive.

The children start together (their start-up, importing pandas and friends, is most of the
time); one reference sweep runs in this process.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
from jiesu.experiments.cli.main import main

SCENARIO = """
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
end = "2018-06"
"""
SWEEP = """
name = "tiny"
scenario = "{scenario}"
design = "lhs"
samples = 4
seed = 3
outcomes = ["share_adopted_end"]
[factors]
imitation_rate = [0.0, 0.3]
"""
#: The child: kills itself at the ``nth`` write of a file whose name starts with ``target``,
#: ``during`` the write (temporary file written, not renamed) or just ``after`` it.
CHILD = """
import os, signal, sys, tempfile
from pathlib import Path
from jiesu.experiments.designs import sweep
from jiesu.experiments.outputs import storage
from jiesu.experiments.cli.main import main

folder, spec, target, nth, mode = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
real, seen = storage.write_atomic, [0]

def write_atomic(path, write):
    path = Path(path)
    if target and path.name.startswith(target):
        seen[0] += 1
        if seen[0] == nth:
            if mode == "during":
                fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
                os.close(fd)
                write(Path(tmp))
            else:
                real(path, write)
            os.kill(os.getpid(), signal.SIGKILL)
    return real(path, write)

storage.write_atomic = sweep.write_atomic = write_atomic
sys.exit(main(["sweep", spec, "--out", folder, "--workers", "1", "--batch", "2"]))
"""
#: Kill points: (file name prefix, which write of it, during or after).
POINTS = {
    "preparation: spec.toml": ("spec.toml", 1, "during"),
    "preparation: manifest.json": ("manifest.json", 1, "during"),
    "first batch": ("runs-00000", 1, "during"),
    "final write of runs.parquet": ("runs.parquet", 1, "during"),
}
RANDOM_KILLS = 1


@pytest.fixture(scope="module")
def sweep_files(tmp_path_factory):
    root = tmp_path_factory.mktemp("kills")
    (root / "tiny.toml").write_text(SCENARIO)
    (root / "sweep.toml").write_text(SWEEP.format(scenario=root / "tiny.toml"))
    return root


@pytest.fixture(scope="module")
def reference(sweep_files):
    out = sweep_files / "reference"
    assert main(["sweep", str(sweep_files / "sweep.toml"), "--out", str(out), "--workers", "1"]) == 0
    return pd.read_parquet(out / "runs.parquet").drop(columns="wall_seconds")


@pytest.fixture(scope="module")
def killed(sweep_files):
    """Start every child at once; return each kill point's folder and how its child ended."""
    spec = str(sweep_files / "sweep.toml")
    children = {}
    for k, (name, (target, nth, mode)) in enumerate(POINTS.items()):
        folder = sweep_files / f"point-{k}"
        children[name] = (folder, _start([str(folder), spec, target, str(nth), mode]))
    # random moments: a seeded delay after the child starts, whatever it is doing then
    rng = random.Random(12)
    for k in range(RANDOM_KILLS):
        folder = sweep_files / f"random-{k}"
        child = _start([str(folder), spec, "", "0", "none"])
        children[f"random moment {k}"] = (folder, child, rng.uniform(1.0, 6.0))
    start = time.monotonic()
    ended = {}
    for name, (folder, child, *delay) in children.items():
        if delay:
            time.sleep(max(0.0, start + delay[0] - time.monotonic()))
            child.send_signal(signal.SIGKILL)
        _, err = child.communicate(timeout=300)  # reads and closes its stderr
        ended[name] = (folder, child.returncode, err.decode(errors="replace"))
    return ended


def _start(args: list[str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


@pytest.mark.parametrize("point", [*POINTS, *(f"random moment {k}" for k in range(RANDOM_KILLS))])
def test_a_killed_sweep_resumes_to_the_uninterrupted_result(killed, sweep_files, reference, point):
    folder, status, err = killed[point]
    if point in POINTS:
        assert status == -signal.SIGKILL, f"the child was to be killed at {point} (status {status}): {err}"
    spec = str(sweep_files / "sweep.toml")
    assert main(["sweep", spec, "--out", str(folder), "--resume", "--workers", "1", "--batch", "2"]) == 0
    runs = pd.read_parquet(folder / "runs.parquet").drop(columns="wall_seconds")
    pd.testing.assert_frame_equal(runs, reference)
    assert list(folder.rglob("*.tmp")) == [], "no temporary file survives a resume"
    parts = sorted(p.name for p in (folder / "parts").iterdir())
    assert parts == [f"runs-{k:05d}.parquet" for k in range(len(parts))], parts
    assert sorted(p.name for p in folder.iterdir()) == [
        ".lock",
        "design.parquet",
        "manifest.json",
        "parts",
        "runs.parquet",
        "spec.toml",
    ]


def test_a_prepared_folder_is_not_prepared_again_without_resume(killed, sweep_files, capsys):
    folder, _, _ = killed["final write of runs.parquet"]
    status = main(["sweep", str(sweep_files / "sweep.toml"), "--out", str(folder), "--workers", "1"])
    assert status == 2
    assert "add --resume to continue it" in capsys.readouterr().err
