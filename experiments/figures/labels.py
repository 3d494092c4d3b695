"""Figure text in English and Chinese."""

from __future__ import annotations

from jiesu.experiments.figures.palette import scenario_label

LANGS = ("en", "zh")

_TEXT: dict[str, tuple[str, str]] = {
    "response_rate": ("response rate", "响应率"),
    "resolution_rate": ("resolution rate", "解决率"),
    "satisfaction_rate": ("satisfaction rate", "满意率"),
    "requests": ("requests per month (millions)", "月诉求量（百万件）"),
    "requests_per_10k": ("requests per 10k residents per month", "每万人月诉求量"),
    "rates_title": ("Three rates and request volume: {unit}", "三率与诉求量：{unit}"),
    "share": ("share", "比例"),
    "month": ("month", "月份"),
    "reform": ("reform starts", "改革启动"),
    "adoption_title": ("Cumulative adoption by channel", "按渠道累计采纳"),
    "adoptions_per_run": (
        "adoption events per run (re-adoptions included)",
        "每次运行的采纳事件数（含再次采纳）",
    ),
    "channels_title": ("Adoptions by channel (mean over replicates)", "按渠道的采纳（重复运行均值）"),
    "cities_adopted": ("cities that have adopted (share)", "已采纳城市比例"),
    "population_covered": ("population covered", "覆盖人口比例"),
    "map_title": ("Adoption month by city", "各城市采纳时间"),
    "longitude": ("longitude", "经度"),
    "latitude": ("latitude", "纬度"),
    "never": ("never adopted", "未采纳"),
    "adoption_month": ("adoption month", "采纳月份"),
    "pioneer": ("pioneer", "首创"),
    "top_down": ("top-down", "自上而下"),
    "bottom_up": ("bottom-up", "自下而上"),
    "horizontal": ("horizontal", "横向"),
    "internal": ("internal pressure", "内部压力"),
    "trust_mean": ("mean trust", "平均信任"),
    "self_governance": ("self-governance", "居民自治强度"),
    "problem_rate": ("problems per resident per month", "人均月问题发生率"),
    "backlog": ("backlog (work orders)", "积压工单"),
    "share_adopted": ("share of cities adopted", "已采纳城市比例"),
    "share_population_covered": ("share of population covered", "覆盖人口比例"),
    "median_band": ("median, 10–90 % band", "中位数与10–90%区间"),
    "compare_title": ("Scenario comparison ({n} replicates)", "情景比较（{n}次重复）"),
    "sobol_title": ("Sobol indices: {outcome}", "Sobol 指数：{outcome}"),
    "morris_title": ("Morris screening: {outcome}", "Morris 筛选：{outcome}"),
    "parameter": ("parameter", "参数"),
    "posterior_title": (
        "Posterior of {name}: last generation ({n} particles)",
        "{name} 后验分布：最后一代（{n} 个粒子）",
    ),
    "posterior_median_band": ("posterior predictive median, 90 % band", "后验预测中位数与90%区间"),
    "requests_per_year_m": ("contacts per year (millions)", "年受理量（百万件）"),
    "predictive_title": (
        "Posterior predictive ({n} draws); filled: data used to fit (to 2021), open: later figures",
        "后验预测（{n} 次抽样）；实心：拟合所用数据（至2021年），空心：之后的数据",
    ),
    "first_order": ("first order (S1)", "一阶 (S1)"),
    "total_order": ("total (ST)", "总效应 (ST)"),
    "mu_star": ("μ* (mean absolute elementary effect)", "μ*（基本效应绝对值均值）"),
    "sigma": ("σ (spread of the elementary effects)", "σ（基本效应标准差）"),
    "src_title": ("Standardised regression coefficients: {outcome}", "标准化回归系数：{outcome}"),
    "src": ("standardised regression coefficient", "标准化回归系数"),
    "sobol_axis": ("share of the outcome's variance", "占结果方差的比例"),
    "clipped": (
        "Intervals are clipped at 0 and 1 (▸ marks a clipped end): with few samples the bootstrap "
        "intervals of Sobol' estimators can pass the bounds an index cannot.",
        "区间截断于0和1（▸表示被截断）：样本较少时 Sobol 估计量的自助法区间可能超出指数的取值范围。",
    ),
    "morris_lines": (
        "σ/μ* = 0.1, 0.5, 1: linear, monotonic, non-linear or interacting",
        "σ/μ* = 0.1、0.5、1：线性、单调、非线性或交互",
    ),
    "mandate": ("mandate", "国家要求"),
    "endorsement": ("endorsement", "中央推广"),
    "recognition": ("recognition", "中央认可"),
    "add_element": ("new element", "新增要素"),
    "institutionalise": ("regulation", "立法"),
    "abandon": ("abandoned", "放弃"),
    "adopt": ("adoption", "采纳"),
    "reform_start": ("reform starts", "改革启动"),
    "varies": ("{first} to {last}, varies by replicate", "{first}至{last}，因重复运行而异"),
    "events_key": ("Dotted lines:", "虚线："),
    "replicates_note": (
        "thin lines: single replicates (a band would hide a split between them); thick: median",
        "细线：单次重复运行（区间带会掩盖运行间的分化）；粗线：中位数",
    ),
    "observed": ("published (Beijing)", "公开数据（北京）"),
    "observed_requests": ("published yearly total ÷ 12", "公开年度总量÷12"),
    "simulated": ("simulated", "模拟"),
    "map_title_county": ("Adoption month by county", "各区县采纳时间"),
    "map_title_median": (
        "Adoption month by city: {scenario} (median of {n} replicates)",
        "各城市采纳时间：{scenario}（{n}次重复的中位数）",
    ),
    "never_most": ("not adopted in most replicates", "多数重复运行中未采纳"),
    "population_legend": ("residents", "常住人口"),
    "boundaries": ("Boundaries: {data}.", "边界数据：{data}。"),
    "south_china_sea": ("South China Sea Islands", "南海诸岛"),
    "outcomes_title": ("Outcomes of every replicate", "各次重复运行的结果"),
    "replicate_dots": (
        "dots: replicates; bar: mean with 95 % bootstrap interval",
        "点：单次重复运行；横线与竖线：均值及95%自助法区间",
    ),
    "province_title": ("Share of cities adopted by province at the end of the run", "期末各省已采纳城市比例"),
    "months_after": ("months after {start}", "自{start}起的月数"),
    "share_of_replicates": ("share of replicates", "重复运行比例"),
}

#: Short names of the run metrics (:mod:`jiesu.experiments.analysis.metrics`) in English.
_METRIC_EN = {
    "months_to_50pct": "months until half the cities adopt",
    "months_to_90pct": "months until 90 % of cities adopt",
    "reached_50pct": "replicates in which half the cities adopt",
    "reached_90pct": "replicates in which 90 % of cities adopt",
    "share_adopted_end": "cities running the reform at the end",
    "population_covered_end": "residents covered at the end",
    "requests_per_10k_last12": "requests per 10k residents a month, last 12 months",
    "response_rate_last12": "response rate, last 12 months",
    "resolution_rate_last12": "resolution rate, last 12 months",
    "satisfaction_rate_last12": "satisfaction rate, last 12 months",
    "trust_end": "citizens' trust at the end",
    "self_governance_end": "self-governance at the end",
    "problem_rate_end": "problems per resident a month at the end",
    "gov_cost_total": "handling cost over the run",
}
_METRIC_ZH = {"reached_50pct": "采纳过半的运行比例", "reached_90pct": "采纳九成的运行比例"}

#: Short names of the parameters most often varied (others show their identifier).
_PARAM = {
    "imitation_rate": ("imitation of peers (Bass q)", "同伴模仿率"),
    "learning_rate": ("learning from peers' gains", "同伴学习率"),
    "academic_strength": ("research lowers learning costs", "学术研究作用强度"),
    "internal_rate": ("internal pressure", "内部压力率"),
    "external_rate": ("external influence (Bass p)", "外部影响率"),
    "endorsement_rate": ("pull of the centre's endorsement", "中央推广作用率"),
    "mandate_compliance": ("compliance by a mandate's deadline", "限期内遵从比例"),
    "recognition": ("centre can recognise the reform", "中央可认可改革"),
    "recognition_threshold": ("evidence needed for recognition", "中央认可所需证据"),
    "recognition_mandate_lag": ("months from recognition to mandate", "认可至要求的月数"),
    "recognition_deadline": ("months to comply after recognition", "认可后的限期月数"),
    "capacity_per_10k": ("handling capacity per 10k residents", "每万人办理能力"),
    "closed_loop_gain": ("gain from closed-loop handling", "闭环办理增益"),
    "feedback_gain": ("gain from call-back feedback", "回访反馈增益"),
    "evaluation_pressure": ("pressure of the monthly ranking", "月度排名压力"),
    "topic_fix_share": ("share fixed by monthly topics", "每月一题治理比例"),
    "private_handled_boundary": ("private matters handled (boundary)", "边界政策下私事受理比例"),
    "pioneer": ("pioneer city", "首创城市"),
    "geography": ("cities simulated", "模拟的城市范围"),
    "residents_per_citizen": ("residents per simulated citizen", "每个模拟市民代表的人数"),
    "residents_per_unit": ("residents per handling unit", "每个办理单元的人数"),
    "end": ("last month", "结束月份"),
    "start": ("first month", "起始月份"),
}


def t(key: str, lang: str = "en", **fmt) -> str:
    """Return the text for ``key`` in ``lang`` (falls back to the key itself)."""
    en, zh = _TEXT.get(key, (key, key))
    return (zh if lang == "zh" else en).format(**fmt)


def metric_label(name: str, lang: str = "en") -> str:
    """Short name of a run metric in ``lang`` (its identifier if unknown)."""
    if name.startswith("adoptions_"):
        channel = name[len("adoptions_") :]
        return f"{t(channel, 'zh')}渠道采纳数" if lang == "zh" else f"adoptions by the {t(channel)} channel"
    if lang == "zh":
        if name in _METRIC_ZH:
            return _METRIC_ZH[name]
        from jiesu.experiments.analysis.metrics import METRICS

        return next((m.zh for m in METRICS if m.name == name), name)
    return _METRIC_EN.get(name, name.replace("_", " "))


def param_label(name: str, lang: str = "en", with_id: bool = True) -> str:
    """Short name of a parameter in ``lang``, followed by its identifier when ``with_id``."""
    en, zh = _PARAM.get(name, (name.replace("_", " "), name))
    text = zh if lang == "zh" else en
    return f"{text} ({name})" if with_id and text != name else text


def provenance_caption(manifest: dict, lang: str, scenario: str | None = None) -> str:
    """A one-line caption from a manifest: scenario(s), seed, replicates, version, commit."""
    versions = manifest.get("versions", {})
    commit = (manifest.get("git_commit") or "unknown")[:7]
    seed = manifest.get("seed", manifest.get("run", {}).get("seed", {}).get("entropy", "?"))
    n = manifest.get("replicates")
    entries = manifest.get("scenarios") or [manifest.get("scenario", {})]
    names = scenario or ", ".join(scenario_name(s, lang) for s in entries if s.get("name"))
    if lang == "zh":
        reps = f"，每个情景{n}次重复" if n else ""
        return f"情景：{names}；种子 {seed}{reps}；jiesu {versions.get('jiesu', '?')}（提交 {commit}）"
    reps = f", {n} replicates per scenario" if n else ""
    return f"Scenarios: {names}; seed {seed}{reps}; jiesu {versions.get('jiesu', '?')} (commit {commit})"


def scenario_name(s, lang: str) -> str:
    """A scenario's display name in ``lang``, from a :class:`Scenario` or its manifest entry."""
    if isinstance(s, dict):
        return scenario_label(s["name"], s.get("name_zh", ""), lang)
    return scenario_label(s.name, s.name_zh, lang)
