"""The same sweep on a real Dask cluster (scheduler + two workers on 127.0.0.1) gives exactly the
results of one local worker."""

import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from jiesu.experiments.designs.sweep import run_sweep
from jiesu.experiments.designs.sweep_spec import load_spec

from tests.test_experiments import SPEC, SYNTHETIC

distributed = pytest.importorskip("distributed")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def cluster(tmp_path):
    dask = str(Path(sys.executable).parent / "dask")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    log = open(tmp_path / "cluster.log", "w")  # noqa: SIM115 - closed in teardown
    procs = [
        subprocess.Popen(
            [dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            stdout=log,
            stderr=log,
            cwd=tmp_path,
        )
    ]
    procs += [
        subprocess.Popen(
            [
                dask,
                "worker",
                address,
                "--nworkers",
                "1",
                "--nthreads",
                "1",
                "--no-dashboard",
                "--host",
                "127.0.0.1",
            ],
            stdout=log,
            stderr=log,
            cwd=tmp_path,
        )
        for _ in range(2)
    ]
    try:
        with distributed.Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
            assert len(client.scheduler_info()["workers"]) == 2
        yield address
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        log.close()
        time.sleep(0.5)


def test_dask_cluster_gives_the_same_results_as_one_worker(tmp_path, cluster):
    scenario = tmp_path / "synthetic.toml"
    scenario.write_text(SYNTHETIC.format(name="synthetic", imitation=0.1))
    spec_path = tmp_path / "spec.toml"
    spec_path.write_text(SPEC.format(scenario=scenario, design="sobol", samples=2))
    spec = load_spec(spec_path)
    local = run_sweep(spec, tmp_path / "local", workers=1, progress=False)
    remote = run_sweep(spec, tmp_path / "dask", scheduler=cluster, progress=False)
    assert local["complete"] and remote["complete"] and remote["runs"] == 16
    a = pd.read_parquet(tmp_path / "local" / "runs.parquet").drop(columns="wall_seconds")
    b = pd.read_parquet(tmp_path / "dask" / "runs.parquet").drop(columns="wall_seconds")
    pd.testing.assert_frame_equal(a, b)
