"""Figures drawn by worker processes: the same files, errors raised here, a lost worker replaced."""

import json
import os

import pytest
from jiesu.experiments.cli.main import main
from jiesu.experiments.errors import UsageError
from jiesu.experiments.figures.pool import FigurePool, WorkerLostError, workers_for

QUICK = ["all_channels", "--set", "residents_per_citizen=500000", "--end", "2018-09", "--seed", "4"]


def test_figures_drawn_by_workers_are_the_files_drawn_in_the_main_process(tmp_path, monkeypatch):
    folders = {}
    for workers in ("0", "2"):
        monkeypatch.setenv("JIESU_FIGURE_WORKERS", workers)
        folders[workers] = out = tmp_path / f"workers-{workers}"
        assert main(["run", *QUICK, "--lang", "zh", "--out", str(out)]) == 0
    serial, pooled = (json.loads((f / "manifest.json").read_text()) for f in folders.values())
    assert pooled["files"] == serial["files"], "same files, listed in the same order"
    pngs = [name for name in serial["files"] if name.endswith(".png")]
    assert sorted(pngs) == ["adoption-zh.png", "adoption_map-zh.png", "rates-zh.png"]
    for name in pngs:  # Agg's PNGs carry no date: equal pictures are equal bytes
        assert (folders["0"] / name).read_bytes() == (folders["2"] / name).read_bytes(), name
    for name in serial["files"]:
        assert (folders["2"] / name).stat().st_size > 0


def test_a_task_that_fails_raises_here_and_a_worker_that_dies_is_reported_not_hung():
    with FigurePool(2) as pool:
        assert pool.active
        assert pool.start(divmod, [(7, 2), (9, 4), (1, 1)]).results() == [(3, 1), (2, 1), (1, 0)]
        with pytest.raises(ValueError, match="invalid literal"):
            pool.start(int, [("12",), ("twelve",)]).results()
        lost = pool.start(os._exit, [(3,)]).results()  # the worker process ends mid-task
        assert isinstance(lost[0], WorkerLostError)
        assert pool.active, "the other worker is still there"
        assert pool.start(abs, [(-5,), (-6,)]).results() == [5, 6]


def test_the_figures_of_lost_workers_are_drawn_in_the_main_process(tmp_path):
    import jiesu.experiments.execution.runner as runner
    from jiesu.experiments.designs.run import save_run
    from jiesu.experiments.scenarios import load_scenario

    scenario = load_scenario("all_channels")
    model = runner.build_model(scenario, {"residents_per_citizen": 500000, "end": "2018-06"}, seed=1)
    output = runner.run_model(model)
    out = tmp_path / "run"
    with FigurePool(2) as pool:
        assert pool.active
        start = pool.start

        def start_then_lose_the_workers(*args):
            batch = start(*args)
            for process, _ in pool._workers:  # as if the system killed them mid-figure (out of memory)
                process.kill()
            return batch

        pool.start = start_then_lose_the_workers
        files = save_run(output, scenario, model.geography, out, figures=("map", "rates"), pool=pool)
    assert files[3:-1] == [
        f"{stem}.{fmt}" for stem in ("adoption_map", "rates") for fmt in ("png", "pdf", "svg")
    ]
    assert (out / "adoption_map.png").stat().st_size > 10_000


@pytest.mark.parametrize(("value", "expected"), [("0", 0), ("1", 1), ("8", 3), (" 2 ", 2)])
def test_the_number_of_figure_workers_can_be_set(monkeypatch, value, expected):
    monkeypatch.setenv("JIESU_FIGURE_WORKERS", value)
    assert workers_for(3) == expected


@pytest.mark.parametrize("value", ["-1", "two", "1.5", "²"])
def test_a_bad_number_of_figure_workers_is_a_usage_error(monkeypatch, value, tmp_path, capsys):
    monkeypatch.setenv("JIESU_FIGURE_WORKERS", value)
    with pytest.raises(UsageError, match="JIESU_FIGURE_WORKERS"):
        workers_for(3)
    out = tmp_path / "out"
    assert main(["run", *QUICK, "--out", str(out)]) == 2
    assert "JIESU_FIGURE_WORKERS" in capsys.readouterr().err
    assert not out.exists()
