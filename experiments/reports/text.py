"""Fixed wording of the report in English and Chinese: headings, and the methods and limitations.

Sentences that carry results are not here: they are written from the numbers by
:mod:`jiesu.experiments.reports.findings`. The methods paragraphs here take their numbers
(scenarios, replicates, seed, period, scale) as arguments.
"""

from __future__ import annotations

_TEXT: dict[str, tuple[str, str]] = {
    "title_compare": ("Scenario comparison: {names}", "情景比较：{names}"),
    "title_run": ("Simulation of {name}", "模拟结果：{name}"),
    "subtitle": (
        "jiesu {version} · results of {created} · report of {today}",
        "jiesu {version} · 结果生成于{created} · 报告生成于{today}",
    ),
    "findings": ("Summary of findings", "主要发现"),
    "brackets": (
        "Numbers are means over replicates; brackets give their 95 % interval (percentile bootstrap: "
        "it stays within the values the quantity can take).",
        "数字为各次重复运行的均值，方括号内为95%区间（百分位自助法，不超出该量可能的取值范围）。",
    ),
    "single_run": (
        "A single run: its numbers have no interval. Compare scenarios over replicates (jiesu compare) "
        "to see how much runs differ.",
        "这是单次运行的结果，数字没有区间。"
        "如需了解运行之间的差异，请用 jiesu compare 进行多次重复的情景比较。",
    ),
    "key_table": ("Key results", "关键结果"),
    "figures": ("Figures", "图"),
    "scenarios": ("Scenarios", "情景设定"),
    "common": ("Common to every scenario", "所有情景相同的设定"),
    "changes": ("Changes", "改变的参数"),
    "events": ("Dated events", "定时事件"),
    "no_changes": ("the model's defaults", "模型默认值"),
    "posterior": (
        "Parameter uncertainty: each replicate drew its values of the calibrated parameters ({names}) "
        "from the posterior `{posterior}` (docs/validation.md), so the intervals include what the "
        "data leave uncertain, not sampling noise alone.",
        "参数不确定性：每次重复运行从后验分布 `{posterior}`（docs/validation.md）抽取已校准参数"
        "（{names}）的取值，因此区间既包含随机波动，也包含数据尚不能确定的参数不确定性。",
    ),
    "all_results": ("All results", "全部结果"),
    "all_results_note": (
        "Mean [95 % interval] over replicates; the workbook and summary.csv also give the 10th and "
        "90th percentiles of the replicates and the paired differences.",
        "各次重复运行的均值[95%区间]；工作簿与 summary.csv 另有重复运行的第10和90百分位数及配对差值。",
    ),
    "methods": ("Methods", "方法"),
    "limitations": ("Limitations", "局限"),
    "provenance": ("Provenance", "来源与版本"),
    "metric_col": ("metric (unit)", "指标（单位）"),
    "scenario_col": ("scenario", "情景"),
    "figure_bands": ("National series of every scenario.", "各情景的全国时间序列。"),
    "figure_outcomes": ("Outcomes of every replicate.", "各次重复运行的结果。"),
    "figure_channels": ("Adoptions by channel.", "按渠道的采纳。"),
    "figure_map": ("Adoption month by city under {scenario}.", "{scenario}情景下各城市的采纳时间。"),
    "figure_rates": ("Three rates and requests.", "三率与诉求量。"),
    "figure_adoption": ("Cumulative adoption by channel.", "按渠道累计采纳。"),
    "event_line": ("{month}: {kind} ({target}){deadline}", "{month}：{kind}（{target}）{deadline}"),
    "deadline": (", deadline {month}", "，期限{month}"),
}

_EVENT_KIND = {
    "adopt": ("adoption", "采纳"),
    "add_element": ("new elements", "新增要素"),
    "institutionalise": ("local regulation", "地方立法"),
    "abandon": ("abandonment", "放弃"),
    "mandate": ("mandate", "要求实施"),
    "endorsement": ("endorsement as a typical experience", "列为典型经验推广"),
    "recognition": ("recognition by the centre", "中央认可"),
    "sector_adopt": ("adoption by a sector body", "行业部门采纳"),
}

_LIMITATIONS = (
    (
        "Not a forecast. The model is not formally calibrated: the city model's defaults reproduce "
        "Beijing's published 2018–2021 figures, the diffusion hazards are judgements. Read the results "
        "as comparisons between scenarios.",
        "不是预测。模型未经正式校准：城市层的默认值能再现北京2018—2021年的公开数据，扩散的风险率则是判断值。"
        "结果应理解为情景之间的比较。",
    ),
    (
        "Channel attribution is proportional to each channel's hazard: it is an expected attribution, "
        "not an identification of causes.",
        "渠道归因按各渠道风险率的比例分配，是期望意义上的归因，而非因果识别。",
    ),
    (
        "How cities comply with mandates (evenly over the window, no abandonment under a mandate) is a "
        "modelling choice, not an estimate.",
        "城市如何遵从上级要求（在期限内均匀遵从、要求期间不放弃）是建模假设，而非估计。",
    ),
    (
        "Cities see their peers' results without error, and their own citizens' reported satisfaction; "
        "before the reform, cities differ only in population, administrative kind and fit.",
        "城市能无误差地观察同伴的成效及本市的报告满意度；改革前城市之间仅在人口、行政类型和适配度上有差异。",
    ),
    (
        "The intervals cover the simulation's randomness only, not uncertainty in parameters or in the "
        "model's structure; a sensitivity analysis (jiesu sweep) addresses the former.",
        "区间只反映模拟的随机性，不包括参数和模型结构的不确定性；前者可用敏感性分析（jiesu sweep）考察。",
    ),
)


def r(key: str, lang: str, **fmt) -> str:
    """The report text for ``key`` in ``lang``."""
    en, zh = _TEXT[key]
    return (zh if lang == "zh" else en).format(**fmt)


def event_kind(kind: str, lang: str) -> str:
    """An event kind in words."""
    en, zh = _EVENT_KIND.get(kind, (kind, kind))
    return zh if lang == "zh" else en


def limitations(lang: str) -> list[str]:
    """The model's main limitations (docs/model.md, section 9), in ``lang``."""
    return [zh if lang == "zh" else en for en, zh in _LIMITATIONS]


def methods(lang: str, **v) -> list[str]:
    """The methods page: model, design, uncertainty, calibration, from the given numbers.

    Args:
        lang: ``en`` or ``zh``.
        **v: ``version``, ``k`` (scenarios), ``n`` (replicates), ``start``, ``end``, ``units``,
            ``geography``, ``seed``, ``rpc`` and ``rpu`` (residents per citizen and per unit),
            ``guessed`` and ``total`` (parameters).
    """
    if lang == "zh":
        return [
            f"模型：jiesu {v['version']} 是北京接诉即办改革及其在城市间扩散的主体模型"
            "（docs/model.md，ODD 协议）。"
            "市民遇到问题时在忍受、社区自治和拨打12345之间选择；政府以有限的能力接诉、派单、办理，并按响应率、"
            "解决率、满意率排名；城市通过自上而下、自下而上、横向和内部压力等渠道采纳改革，每次采纳都归因于一个渠道。",
            f"设计：{v['k']}个情景，每个情景{v['n']}次重复运行；按月模拟，{v['start']}至{v['end']}；"
            f"{v['units']}个单位（{v['geography']}）。根种子 {v['seed']}；"
            "各情景的第 r 次重复使用相同的随机数流"
            "（共同随机数），因此情景间的差值是配对的。"
            f"规模：每个模拟市民代表{v['rpc']}名居民，每个办理单元服务{v['rpu']}名居民。",
            "不确定性：均值的95%区间用百分位自助法（2000次重抽样）计算，不会超出该量可能的取值；"
            "达到某一采纳水平的重复运行比例用 Wilson 区间；"
            "当区间带会掩盖运行间的分化时，图中画出每次重复运行。",
            "校准状态：未经正式校准。城市层默认值使北京2018—2021年的公开数据大致得到再现"
            "（docs/model.md 第8节）；"
            f"{v['total']}个参数中有{v['guessed']}个默认值为判断值。",
        ]
    return [
        f"Model. jiesu {v['version']} is an agent-based model of Beijing's 接诉即办 reform and its diffusion "
        "between cities (docs/model.md, ODD protocol). Citizens choose between tolerating a problem, solving "
        "it in their community and calling the 12345 hotline; governments receive, dispatch and handle "
        "requests with limited capacity and are ranked on the response, resolution and satisfaction rates; "
        "cities adopt the reform through top-down, bottom-up, horizontal and internal channels, and every "
        "adoption is attributed to one channel.",
        f"Design. {v['k']} scenario(s), {v['n']} replicate(s) each, monthly from {v['start']} to {v['end']}, "
        f"{v['units']} units ({v['geography']}). Root seed {v['seed']}; "
        "replicate r of every scenario uses the "
        "same random streams (common random numbers), so differences between scenarios are paired. Scale: "
        f"one simulated citizen per {v['rpc']} residents, one handling unit per {v['rpu']} residents.",
        "Uncertainty. 95 % intervals of means are percentile-bootstrap intervals (2,000 resamples), which "
        "cannot leave the values a quantity can take; the share of replicates that reach a level of adoption "
        "has a Wilson interval; figures show single replicates wherever a band would hide a split.",
        "Calibration. Not formally calibrated. The city model's defaults roughly reproduce Beijing's "
        f"published 2018–2021 figures (docs/model.md, section 8); {v['guessed']} of the {v['total']} "
        "parameters have a guessed default.",
    ]
