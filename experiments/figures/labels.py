"""Figure text in English and Chinese."""

from __future__ import annotations

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
    "mu_star": ("μ*", "μ*"),
    "sigma": ("σ", "σ"),
}


def t(key: str, lang: str = "en", **fmt) -> str:
    """Return the text for ``key`` in ``lang`` (falls back to the key itself)."""
    en, zh = _TEXT.get(key, (key, key))
    return (zh if lang == "zh" else en).format(**fmt)
