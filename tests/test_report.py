"""`jiesu compare` then `jiesu report`: the brief says what the tables say, in three formats and two languages.

One tiny comparison (2 scenarios x 2 replicates, coarse scale, to 2022-12) is run once through the
command line and reported in Chinese and English; the tests read the files back as a reader's
tools would (openpyxl, pypdfium2, headless Chromium).
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from jiesu.experiments.cli.main import main
from jiesu.experiments.reports import findings as findings_module
from jiesu.experiments.reports.document import build
from jiesu.experiments.reports.numbers import fmt
from jiesu.experiments.reports.report import write_report
from jiesu.experiments.reports.results import load_results
from jiesu.experiments.reports.tables import channel_table, observed_table

TINY = ["--set", "residents_per_citizen=200000", "--set", "residents_per_unit=500000", "--workers", "1"]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


@pytest.fixture(scope="module")
def reported(tmp_path_factory):
    """A comparison folder with its report in both languages and all three formats."""
    out = tmp_path_factory.mktemp("report") / "cmp"
    argv = [
        "compare",
        "top_down",
        "horizontal",
        "--replicates",
        "2",
        "--end",
        "2022-12",
        "--out",
        str(out),
        *TINY,
    ]
    assert main(argv) == 0
    files = {lang: write_report(out, lang) for lang in ("zh", "en")}
    return out, files


def test_report_writes_three_formats_per_language_without_touching_the_other(reported):
    out, files = reported
    for lang in ("zh", "en"):
        assert sorted(files[lang]) == ["html", "pdf", "xlsx"]
        for fmt_, path in files[lang].items():
            assert path == out / "report" / f"report-{lang}.{fmt_}"
            assert path.stat().st_size > 10_000, f"{path.name} is nearly empty"
    before = (out / "report" / "report-zh.xlsx").read_bytes()
    write_report(out, "en", ["xlsx"])
    assert (out / "report" / "report-zh.xlsx").read_bytes() == before, (
        "the English report overwrote the Chinese one"
    )
    leftovers = [p.name for p in (out / "report").iterdir() if p.name.startswith(".")]
    assert leftovers == [], f"temporary files left behind: {leftovers}"


def _table_value(res, channels: pd.DataFrame, number) -> float:
    if number.table == "summary":
        return res.value(number.scenario, number.key, number.column)
    if number.table == "channels":
        row = channels[(channels["scenario"] == number.scenario) & (channels["channel"] == number.key)]
        return float(row[number.column].iloc[0])
    if number.table == "runs":
        return float(res.replicates)
    if number.table == "observed":
        table = observed_table(res)
        metric, period = number.key.split("@")
        row = table[
            (table["scenario"] == number.scenario) & (table["metric"] == metric) & (table["period"] == period)
        ]
        return float(row[number.column].iloc[0])
    raise AssertionError(f"unknown source table {number.table}")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_number_in_the_findings_is_the_number_in_its_table(reported, lang):
    out, _ = reported
    res = load_results(out)
    disk = pd.read_csv(out / "summary.csv", encoding="utf-8-sig")
    channels = channel_table(res)
    found = findings_module.findings(res, lang)
    assert len(found) >= 4, "a two-scenario comparison supports at least four findings"
    quoted = 0
    for finding in found:
        for number in finding.numbers:
            assert number.text in finding.text, f"{number.text!r} not written in: {finding.text}"
            if number.table == "derived":  # a difference of two quoted months
                months = [n.value for n in finding.numbers if n.key == number.key and n.column == "mean"]
                assert number.value == pytest.approx(months[-1] - months[0])
                continue
            value = _table_value(res, channels, number)
            assert value == pytest.approx(number.value, nan_ok=True), f"{number} differs from its table"
            if number.table == "summary":
                row = disk[(disk["scenario"] == number.scenario) & (disk["metric"] == number.key)]
                assert float(row[number.column].iloc[0]) == pytest.approx(number.value), "summary.csv differs"
                assert fmt(value, row["unit"].iloc[0], lang) == number.text
            quoted += 1
    assert quoted >= 8, "the findings quote too few numbers to be about these results"


def test_findings_degrade_when_a_metric_is_missing(reported):
    res = load_results(reported[0])
    res.summary = res.summary[~res.summary["metric"].str.startswith(("months_to", "reached", "satisfaction"))]
    texts = [f.text for f in findings_module.findings(res, "en")]
    assert not any("half of the cities" in t or "Satisfaction" in t for t in texts)
    assert any("share of cities running the reform" in t for t in texts), "the other findings remain"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_workbook_opens_with_the_expected_sheets_and_numbers(reported, lang):
    from openpyxl import load_workbook

    out, files = reported
    sheets = load_workbook(files[lang]["xlsx"], read_only=True).sheetnames
    expected = {
        "en": [
            "findings",
            "summary",
            "channels",
            "yearly",
            "provinces",
            "observed",
            "parameters",
            "provenance",
            "columns",
        ],
        "zh": ["主要发现", "汇总", "渠道", "年度值", "分省采纳", "公开数据对照", "参数", "来源", "列说明"],
    }[lang]
    assert sheets == expected
    summary = pd.read_excel(files[lang]["xlsx"], sheet_name=expected[1])
    disk = pd.read_csv(out / "summary.csv", encoding="utf-8-sig")
    mean = "均值" if lang == "zh" else "mean"
    assert np.allclose(summary[mean].to_numpy(float), disk["mean"].to_numpy(float), equal_nan=True)
    yearly = pd.read_excel(files[lang]["xlsx"], sheet_name=expected[3])
    assert len(yearly) == 2 * 5, "one row per scenario and simulated year"
    assert any("%" in str(c) for c in yearly.columns), "units in the headers"
    provinces = pd.read_excel(files[lang]["xlsx"], sheet_name=expected[4])
    assert len(provinces) == 2 * 31
    if lang == "zh":
        assert "北京市" in provinces["省份"].tolist() and "情景" in summary.columns
    observed = pd.read_excel(files[lang]["xlsx"], sheet_name=expected[5])
    assert len(observed) == 2 * 9, "Beijing's nine published figures per scenario"


def test_summary_csv_is_for_excel_rounded_bounded_and_documented(reported):
    out, _ = reported
    raw = (out / "summary.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte-order mark, so Excel reads the Chinese"
    s = pd.read_csv(out / "summary.csv", encoding="utf-8-sig")
    shares = s[s["unit"].isin(["share", "share of replicates"])]
    assert (shares[["ci95_low", "ci95_high"]].dropna() >= 0).all().all()
    assert (shares[["ci95_low", "ci95_high"]].dropna() <= 1).all().all()
    counts = s[s["metric"].str.startswith("adoptions_")]
    assert (counts[["ci95_low", "p10"]].dropna() >= 0).all().all(), "counts cannot fall below zero"
    digits = [len(re.sub(r"[^0-9]", "", f"{v:.10g}").strip("0")) for v in s["mean"].dropna()]
    assert max(digits) <= 4, "rounded to four significant figures"
    assert set(s["interval"]) == {"bootstrap", "wilson"}
    doc = pd.read_csv(out / "summary_columns.csv", encoding="utf-8-sig")
    assert doc["column"].tolist() == s.columns.tolist() and doc["meaning"].str.len().min() > 5


def test_html_is_one_self_contained_file(reported):
    html = reported[1]["zh"]["html"].read_text(encoding="utf-8")
    assert re.search(r"""(src|href)=["']?(https?:)?//""", html) is None, "no external assets"
    assert "<script" not in html and "<link" not in html
    assert html.count("data:image/png;base64,") >= 4, "figures are embedded"
    assert "@font-face" in html and "data:font/ttf;base64," in html, "the CJK font is embedded (as a subset)"
    assert 'name="viewport"' in html


def test_html_renders_in_headless_chromium(reported, tmp_path):
    if not CHROMIUM.exists():
        pytest.skip(
            "/usr/bin/chromium not installed (.ci/run installs Debian's chromium): screenshot not checked"
        )
    from PIL import Image

    shot = tmp_path / "shot.png"
    page = reported[1]["zh"]["html"].resolve().as_uri()
    flags = [*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--window-size=412,1600"]
    done = subprocess.run(
        [str(CHROMIUM), *flags, f"--screenshot={shot}", page], capture_output=True, text=True, timeout=180
    )
    assert shot.exists(), f"no screenshot: {done.stderr[-500:]}"
    with Image.open(shot) as image:
        grey = np.asarray(image.convert("L"), dtype=float)
    assert grey.shape == (1600, 412)
    ink = (grey < 128).mean()
    assert 0.01 < ink < 0.5, f"the page renders as blank or black ({ink:.3f} of pixels dark)"
    top = grey[:400]
    assert (top < 128).mean() > 0.01, "the title and findings are drawn at the top"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_pdf_is_a4_with_the_cjk_font_embedded_and_its_pages_render(reported, lang):
    import pypdfium2 as pdfium

    path = reported[1][lang]["pdf"]
    data = path.read_bytes()
    assert b"/FontFile2" in data and re.search(rb"/BaseFont\s*/[A-Z]{6}\+NotoSansSC", data), (
        "Noto Sans SC embedded"
    )
    pdf = pdfium.PdfDocument(str(path))
    assert len(pdf) >= 4
    width, height = pdf[0].get_size()
    assert (round(width), round(height)) == (595, 842), "A4 in points"
    first = pdf[0].get_textpage().get_text_range()
    assert ("主要发现" if lang == "zh" else "Summary of findings") in first
    for k in range(len(pdf)):
        grey = np.asarray(pdf[k].render(scale=0.5).to_pil().convert("L"), dtype=float)
        assert (grey < 200).mean() > 0.005, f"page {k + 1} is blank"


def test_a_scenario_keeps_its_colour_between_compares_with_different_lists(reported, tmp_path):
    second = tmp_path / "second"
    argv = [
        "compare",
        "horizontal",
        "no_reform",
        "--replicates",
        "1",
        "--end",
        "2018-06",
        "--out",
        str(second),
        *TINY,
    ]
    assert main(argv) == 0
    first_svg = (reported[0] / "compare.svg").read_text()
    second_svg = (second / "compare.svg").read_text()
    horizontal, top_down = "#0072b2", "#d55e00"  # declared in the scenarios' TOML files
    assert horizontal in first_svg.lower() and horizontal in second_svg.lower()
    assert top_down in first_svg.lower() and top_down not in second_svg.lower()


def test_single_run_report(tmp_path):
    out = tmp_path / "run"
    assert (
        main(
            ["run", "beijing", "--end", "2021-12", "--set", "residents_per_citizen=20000", "--out", str(out)]
        )
        == 0
    )
    written = write_report(out, "zh", ["html"])
    html = written["html"].read_text(encoding="utf-8")
    assert "北京" in html and "单次运行" in html
    doc = build(load_results(out), "en")
    try:
        assert any("satisfaction" in f.text for f in doc.findings)
        assert all(not math.isnan(n.value) for f in doc.findings for n in f.numbers)
    finally:
        doc.close()


def test_bad_input_exits_2_and_writes_nothing(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 2
    assert "not a results folder" in capsys.readouterr().err
    assert not (tmp_path / "report").exists()


def test_a_failing_format_leaves_no_half_written_file(reported, monkeypatch, tmp_path):
    from jiesu.experiments.reports import pdf

    folder = tmp_path / "copy"
    shutil.copytree(reported[0], folder, ignore=shutil.ignore_patterns("report"))

    def broken(doc):
        raise RuntimeError("typesetting failed")

    monkeypatch.setattr(pdf, "render", broken)
    with pytest.raises(RuntimeError):
        write_report(folder, "en", ["pdf"])
    report = folder / "report"
    assert not report.exists() or list(report.iterdir()) == [], "a failed format left a file"
