"""The report's tables as an Excel workbook (openpyxl): one sheet per table, headers with units.

Sheets, in English (Chinese): findings (主要发现), summary (汇总), channels (渠道), yearly
(年度值), provinces (分省采纳), observed (公开数据对照: Beijing's published figures next to the
simulated ones), parameters (参数), provenance (来源), columns (列说明). Values are
stored rounded to four significant figures; shares are stored as fractions and shown as
percentages.
"""

from __future__ import annotations

import io

import pandas as pd
from jiesu.experiments.figures.labels import metric_label, t
from jiesu.experiments.reports.document import Document, provenance
from jiesu.experiments.reports.results import Results
from jiesu.experiments.reports.tables import (
    channel_table,
    observed_table,
    parameter_table,
    province_table,
    yearly_table,
)

SHEETS = {
    "findings": "主要发现",
    "summary": "汇总",
    "channels": "渠道",
    "yearly": "年度值",
    "provinces": "分省采纳",
    "observed": "公开数据对照",
    "parameters": "参数",
    "provenance": "来源",
    "columns": "列说明",
}
#: Column titles with units: (English, Chinese).
HEADERS: dict[str, tuple[str, str]] = {
    "scenario": ("scenario", "情景"),
    "scenario_zh": ("scenario (Chinese)", "情景中文名"),
    "metric": ("metric", "指标标识"),
    "metric_label": ("metric", "指标"),
    "metric_zh": ("metric (Chinese)", "指标中文名"),
    "unit": ("unit", "单位"),
    "n": ("replicates (n)", "重复次数（次）"),
    "mean": ("mean", "均值"),
    "ci95_low": ("95 % interval, low", "95%区间下限"),
    "ci95_high": ("95 % interval, high", "95%区间上限"),
    "interval": ("interval method", "区间方法"),
    "p10": ("10th percentile of replicates", "重复运行第10百分位数"),
    "p90": ("90th percentile of replicates", "重复运行第90百分位数"),
    "baseline": ("baseline of differences", "差值基准情景"),
    "diff_mean": ("paired difference to baseline", "与基准的配对差值"),
    "diff_ci95_low": ("difference, 95 % interval low", "差值95%区间下限"),
    "diff_ci95_high": ("difference, 95 % interval high", "差值95%区间上限"),
    "n_pairs": ("pairs (n)", "配对数（对）"),
    "channel_label": ("channel (name)", "渠道名称"),
    "channel": ("channel", "渠道"),
    "adoptions": ("adoptions per run (cities)", "每次运行采纳数（个城市）"),
    "share": ("share of the scenario's adoptions (%)", "占该情景采纳的比例（%）"),
    "year": ("year", "年份"),
    "share_adopted": ("cities adopted in December (%)", "12月已采纳城市比例（%）"),
    "share_population_covered": ("residents covered in December (%)", "12月覆盖人口比例（%）"),
    "requests": ("requests in the year (per year)", "全年诉求量（件/年）"),
    "requests_per_10k": ("requests per 10k residents (per month, mean)", "每万人月诉求量（件/月，均值）"),
    "response_rate": ("response rate (%, mean of months)", "响应率（%，月均）"),
    "resolution_rate": ("resolution rate (%, mean of months)", "解决率（%，月均）"),
    "satisfaction_rate": ("satisfaction rate (%, mean of months)", "满意率（%，月均）"),
    "trust_mean": ("mean trust in December (0–1)", "12月平均信任（0–1）"),
    "province_id": ("province code", "省级代码"),
    "province_en": ("province", "省份（英文）"),
    "province_zh": ("province (Chinese)", "省份"),
    "share_adopted_end": ("cities adopted at the end (%)", "期末已采纳城市比例（%）"),
    "month_50pct": ("month half the cities had adopted (median)", "过半城市采纳的月份（中位数）"),
    "replicates_50pct": ("replicates reaching half", "达到过半的重复运行"),
    "parameter": ("parameter", "参数标识"),
    "label": ("parameter (short)", "参数"),
    "default": ("default", "默认值"),
    "meaning": ("meaning", "含义（英文）"),
    "source": ("source of the default", "默认值来源"),
    "finding": ("finding", "发现"),
    "period": ("period (month or year)", "时期（月或年）"),
    "published": ("published figure (share, or requests per year)", "公开数据（比例，或件/年）"),
    "simulated": ("simulated, mean over replicates", "模拟值（重复运行均值）"),
}
_PERCENT = {
    "share",
    "share_adopted",
    "share_population_covered",
    "response_rate",
    "resolution_rate",
    "satisfaction_rate",
    "share_adopted_end",
}


def sheet_name(key: str, lang: str) -> str:
    """The name of sheet ``key`` in ``lang``."""
    return SHEETS[key] if lang == "zh" else key


def _summary(res: Results, lang: str) -> pd.DataFrame:
    s = res.summary[res.summary["scenario"].isin(res.names)].copy()
    s.insert(s.columns.get_loc("metric") + 1, "metric_label", [metric_label(m, lang) for m in s["metric"]])
    return s


def sheets(res: Results, doc: Document) -> dict[str, pd.DataFrame]:
    """The workbook's tables, keyed by English sheet name, with identifier column names."""
    lang = doc.lang
    channels = channel_table(res)
    channels.insert(2, "channel_label", [t(c, lang) for c in channels["channel"]])
    out = {
        "findings": pd.DataFrame({"finding": [f.text for f in doc.findings]}),
        "summary": _summary(res, lang),
        "channels": channels,
        "yearly": yearly_table(res),
        "provinces": province_table(res),
        "observed": observed_table(res),
        "parameters": parameter_table(res, lang),
        "provenance": provenance(res, lang),
    }
    documented = sorted({c for df in out.values() for c in df.columns if c in HEADERS})
    out["columns"] = pd.DataFrame(
        {"column": documented, "title": [HEADERS[c][1 if lang == "zh" else 0] for c in documented]}
    )
    return out


def render(res: Results, doc: Document) -> bytes:
    """The workbook as bytes."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    lang = doc.lang
    book = Workbook()
    book.remove(book.active)
    for key, df in sheets(res, doc).items():
        ws = book.create_sheet(sheet_name(key, lang))
        titles = [HEADERS.get(c, (c, c))[1 if lang == "zh" else 0] for c in df.columns]
        ws.append(titles)
        for row in df.itertuples(index=False):
            ws.append([None if (isinstance(v, float) and v != v) else v for v in row])
        for k, column in enumerate(df.columns, start=1):
            letter = ws.cell(row=1, column=k).column_letter
            width = max(
                [len(str(titles[k - 1])) * (2 if lang == "zh" else 1)]
                + [min(len(str(v)), 60) for v in df[column]]
            )
            ws.column_dimensions[letter].width = min(max(8, width + 2), 70)
            fmt = _format(column, df)
            for cell in ws[letter][1:]:
                if fmt and isinstance(cell.value, int | float):
                    cell.number_format = fmt
                cell.alignment = Alignment(vertical="top", wrap_text=key in ("findings", "parameters"))
        if key == "summary":
            _percent_rows(ws, df)
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="EEEEEE")
        ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _percent_rows(ws, df: pd.DataFrame) -> None:
    """Show the values of summary rows that are shares as percentages."""
    shown = ("mean", "ci95_low", "ci95_high", "p10", "p90", "diff_mean", "diff_ci95_low", "diff_ci95_high")
    columns = [k for k, c in enumerate(df.columns, start=1) if c in shown]
    for r, unit in enumerate(df["unit"], start=2):
        if unit in ("share", "share of replicates"):
            for k in columns:
                if isinstance(ws.cell(row=r, column=k).value, int | float):
                    ws.cell(row=r, column=k).number_format = "0.0%"


def _format(column: str, df: pd.DataFrame) -> str | None:
    if column in _PERCENT:
        return "0.0%"
    if column == "year":
        return "0"
    if column in ("n", "n_pairs"):
        return "0"
    return None
