"""The report's findings: sentences written from the numbers of a results folder.

Each finding is produced by a function that reads the summary (or the channel table), returns
None when the metrics it needs are absent or say nothing (for example a single scenario, or
no adoption at all), and otherwise returns the sentence with every number it quotes. A
:class:`Number` records where a quoted number comes from (table, scenario, metric, column) and
how it is written, so a test can check that the sentence says what the table says.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from jiesu.experiments.analysis.stats import ENOUGH_REPLICATES, enough_command
from jiesu.experiments.figures.labels import t
from jiesu.experiments.reports.numbers import add_months, fmt, interval
from jiesu.experiments.reports.results import Results
from jiesu.experiments.reports.tables import channel_table, observed_table

#: A split between replicates wider than this (10th to 90th percentile of a share) is reported.
SPLIT = 0.3


@dataclass(frozen=True)
class Number:
    """One number quoted in a finding: its source and the text it is written as."""

    table: str
    scenario: str
    key: str
    column: str
    value: float
    text: str


@dataclass
class Finding:
    """One sentence of the summary and the numbers it quotes."""

    text: str
    numbers: list[Number] = field(default_factory=list)


def _quote(
    res: Results, scenario: str, metric: str, column: str, lang: str, unit: str | None = None
) -> Number:
    value = res.value(scenario, metric, column)
    unit = unit or _unit(res, metric)
    return Number("summary", scenario, metric, column, value, fmt(value, unit, lang))


def _unit(res: Results, metric: str) -> str:
    rows = res.summary[res.summary["metric"] == metric]
    return str(rows["unit"].iloc[0]) if len(rows) else ""


def _with_interval(res: Results, scenario: str, metric: str, lang: str) -> tuple[str, list[Number]]:
    mean = _quote(res, scenario, metric, "mean", lang)
    low = _quote(res, scenario, metric, "ci95_low", lang)
    high = _quote(res, scenario, metric, "ci95_high", lang)
    bracket = interval(low.value, high.value, _unit(res, metric), lang)
    if not bracket:
        return mean.text, [mean]
    return f"{mean.text} {bracket}", [mean, low, high]


def _has(res: Results, metric: str) -> bool:
    return bool((res.summary["metric"] == metric).any())


def _join(parts: list[str], lang: str) -> str:
    if lang == "zh":
        return "，".join(parts)
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def adoption_at_end(res: Results, lang: str) -> Finding | None:
    """Share of cities running the reform in the last month, by scenario, largest first."""
    metric = "share_adopted_end"
    if not res.multi_city or not _has(res, metric):
        return None
    order = sorted(res.names, key=lambda n: -res.value(n, metric))
    parts, numbers = [], []
    for name in order:
        text, nums = _with_interval(res, name, metric, lang)
        numbers += nums
        who = res.label(name, lang)
        parts.append(f"{who}情景为{text}" if lang == "zh" else f"{text} under {who}")
    end = res.months[-1]
    if lang == "zh":
        return Finding(f"截至{end}，已采纳改革的城市比例：" + _join(parts, lang) + "。", numbers)
    return Finding(
        f"By {end}, the share of cities running the reform is " + _join(parts, lang) + ".", numbers
    )


def time_to_half(res: Results, lang: str) -> Finding | None:
    """How soon half of the cities adopt under the fastest scenario, and how much later the others."""
    if not res.multi_city or not (_has(res, "months_to_50pct") and _has(res, "reached_50pct")):
        return None
    start, end = res.months[0], res.months[-1]
    always = [n for n in res.names if res.value(n, "reached_50pct") == 1]
    if not always:
        return None
    fast = min(always, key=lambda n: res.value(n, "months_to_50pct"))
    first = _quote(res, fast, "months_to_50pct", "mean", lang)
    numbers = [first]
    date = add_months(start, first.value)
    if lang == "zh":
        head = f"{res.label(fast, lang)}情景中，半数城市在{date}前采纳（自{start}起第{first.text}个月）"
    else:
        who = res.label(fast, lang)
        head = f"Under {who} half of the cities adopt by {date} (month {first.text} after {start})"
    others = []
    for name in res.names:
        if name == fast or not res.multi_city:
            continue
        share = _quote(res, name, "reached_50pct", "mean", lang)
        who = res.label(name, lang)
        if share.value == 1:
            later = _quote(res, name, "months_to_50pct", "mean", lang)
            gap = later.value - first.value
            gap_text = fmt(gap, "months", lang)
            numbers.append(later)
            if gap < 1:  # within a month: "0.2 months before" would suggest a precision there is not
                others.append(f"与{who}情景几乎同时" if lang == "zh" else f"at about the same time as {who}")
                continue
            numbers.append(Number("derived", name, "months_to_50pct", "difference", gap, gap_text))
            others.append(
                f"比{who}情景早{gap_text}个月" if lang == "zh" else f"{gap_text} months before {who}"
            )
        elif share.value == 0:
            others.append(
                f"{who}情景在{end}前未达半数" if lang == "zh" else f"{who} does not reach half by {end}"
            )
        else:
            numbers.append(share)
            if lang == "zh":
                others.append(f"{who}情景仅在{share.text}的重复运行中达到半数")
            else:
                others.append(f"{who} reaches half in only {share.text} of its replicates")
    tail = ("；" if lang == "zh" else "; ").join(others)
    sep = "，" if lang == "zh" else ", "
    return Finding(head + (sep + tail if tail else "") + ("。" if lang == "zh" else "."), numbers)


def rate_contrast(res: Results, lang: str, metric: str = "satisfaction_rate_last12") -> Finding | None:
    """The highest and lowest value of a metric across scenarios (or the value of the only one)."""
    if not _has(res, metric):
        return None
    label = {
        "satisfaction_rate_last12": ("satisfaction over the last 12 months is", "末年满意率"),
        "requests_per_10k_last12": (
            "requests per 10,000 residents a month over the last 12 months are",
            "末年每万人月诉求量",
        ),
        "resolution_rate_last12": ("resolution over the last 12 months is", "末年解决率"),
    }[metric]
    what = label[1] if lang == "zh" else label[0]
    names = [n for n in res.names if not math.isnan(res.value(n, metric))]
    if not names:
        return None
    high = max(names, key=lambda n: res.value(n, metric))
    low = min(names, key=lambda n: res.value(n, metric))
    h_text, numbers = _with_interval(res, high, metric, lang)
    if high == low or res.value(high, metric) == res.value(low, metric):
        if lang == "zh":
            return Finding(f"{res.label(high, lang)}情景的{what}为{h_text}。", numbers)
        return Finding(f"Under {res.label(high, lang)}, {what} {h_text}.", numbers)
    l_text, more = _with_interval(res, low, metric, lang)
    numbers += more
    if lang == "zh":
        top, bottom = res.label(high, lang), res.label(low, lang)
        text = f"{what}在{top}情景中最高（{h_text}），在{bottom}情景中最低（{l_text}）。"
    else:
        top, bottom = res.label(high, lang), res.label(low, lang)
        what = what[:1].upper() + what[1:]
        text = f"{what} highest under {top} ({h_text}) and lowest under {bottom} ({l_text})."
    return Finding(text, numbers)


def main_channel(res: Results, lang: str) -> Finding | None:
    """For each scenario with adoptions beyond the pioneer, the channel that brought most of them."""
    if not res.multi_city:
        return None
    table = channel_table(res)
    parts, numbers = [], []
    for name in res.names:
        mine = table[(table["scenario"] == name) & (table["channel"] != "pioneer")]
        if mine.empty or mine["adoptions"].sum() < 1:
            continue
        top = mine.loc[mine["adoptions"].idxmax()]
        number = Number(
            "channels",
            name,
            str(top["channel"]),
            "share",
            float(top["share"]),
            fmt(float(top["share"]), "share", lang),
        )
        numbers.append(number)
        who, channel = res.label(name, lang), t(str(top["channel"]), lang)
        parts.append(
            f"{who}情景中{number.text}来自{channel}渠道"
            if lang == "zh"
            else f"the {channel} channel under {who} ({number.text})"
        )
    if not parts:
        return None
    if lang == "zh":
        return Finding("采纳的主要渠道：" + _join(parts, lang) + "。", numbers)
    return Finding("Most adoptions are attributed to one channel: " + _join(parts, lang) + ".", numbers)


def split_replicates(res: Results, lang: str, metric: str = "share_adopted_end") -> Finding | None:
    """Scenarios whose replicates end far apart, where a mean would mislead."""
    if not res.multi_city or not _has(res, metric) or res.replicates < 2:
        return None
    parts, numbers = [], []
    for name in res.names:
        low = _quote(res, name, metric, "p10", lang)
        high = _quote(res, name, metric, "p90", lang)
        if math.isnan(low.value) or high.value - low.value <= SPLIT:
            continue
        numbers += [low, high]
        who = res.label(name, lang)
        parts.append(
            f"{who}下从{low.text}到{high.text}"
            if lang == "zh"
            else f"from {low.text} to {high.text} under {who}"
        )
    if not parts:
        return None
    end = res.months[-1]
    if lang == "zh":
        return Finding(
            f"重复运行之间差异很大，均值会掩盖分化：{end}已采纳城市比例（第10至90百分位）"
            + _join(parts, lang)
            + "；见“各次重复运行的结果”图。",
            numbers,
        )
    return Finding(
        f"Replicates differ widely, so a mean hides a split: the share adopted by {end} "
        "(10th to 90th percentile of replicates) runs "
        + _join(parts, lang)
        + "; see the figure of every replicate's outcomes.",
        numbers,
    )


def against_published(res: Results, lang: str) -> Finding | None:
    """Beijing's latest published rates and yearly requests next to the first scenario's."""
    table = observed_table(res)
    mine = table[table["scenario"] == res.names[0]]
    if mine.empty:
        return None
    parts, numbers = [], []
    for metric in ("resolution_rate", "satisfaction_rate", "requests_per_year"):
        rows = mine[mine["metric"] == metric]
        if rows.empty:
            continue
        row = rows.iloc[-1]
        unit = "share" if metric.endswith("_rate") else "requests"
        key = f"{metric}@{row['period']}"
        pair = [
            Number("observed", res.names[0], key, c, float(row[c]), fmt(float(row[c]), unit, lang))
            for c in ("simulated", "published")
        ]
        numbers += pair
        what = t(metric, lang) if metric.endswith("_rate") else ("诉求量" if lang == "zh" else "requests")
        if lang == "zh":
            when = f"{row['period']}年" if len(row["period"]) == 4 else row["period"]
            parts.append(f"{when}{what}模拟为{pair[0].text}，公开数据为{pair[1].text}")
        else:
            parts.append(f"{what} in {row['period']}: {pair[0].text} simulated, {pair[1].text} published")
    who = res.label(res.names[0], lang)
    if lang == "zh":
        return Finding(f"北京（{who}情景）与公开数据对照：" + "；".join(parts) + "。", numbers)
    return Finding(f"Beijing ({who}) against its published figures: " + "; ".join(parts) + ".", numbers)


def few_replicates(res: Results, lang: str) -> Finding | None:
    """A warning when the summary rests on fewer replicates than :data:`ENOUGH_REPLICATES`."""
    n = res.replicates
    if res.kind != "compare" or n >= ENOUGH_REPLICATES:
        return None
    command = enough_command(res.manifest.get("command"))
    number = Number("runs", "", "replicates", "n", float(n), str(n))
    if lang == "zh":
        return Finding(
            f"每个情景仅有{n}次重复运行，区间较粗略，运行间的分化也可能未被发现。如需更可靠的结果，请运行：`{command}`",
            [number],
        )
    return Finding(
        f"Each scenario ran only {n} replicate(s): the intervals are rough and a split between replicates "
        f"may go unseen. For firmer numbers run `{command}`.",
        [number],
    )


def findings(res: Results, lang: str) -> list[Finding]:
    """Every finding the results support, in reading order."""
    makers = (
        adoption_at_end,
        time_to_half,
        main_channel,
        rate_contrast,
        lambda r, lg: rate_contrast(r, lg, "requests_per_10k_last12"),
        split_replicates,
        against_published,
        few_replicates,
    )
    return [f for f in (make(res, lang) for make in makers) if f is not None]
