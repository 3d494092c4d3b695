"""The report as a document: sections of paragraphs, lists, tables and figures, in one language.

The HTML and PDF writers render the same :class:`Document`, so the two formats say the same.
Figures are matplotlib figures drawn here from the results tables; the writers turn them into
PNG (HTML) or SVG (PDF) and :meth:`Document.close` releases them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import matplotlib.pyplot as plt
import pandas as pd
from jiesu.experiments.figures import compare as compare_figures
from jiesu.experiments.figures import maps
from jiesu.experiments.figures import run as run_figures
from jiesu.experiments.figures.chinamap import data_version
from jiesu.experiments.figures.labels import param_label
from jiesu.experiments.reports import text
from jiesu.experiments.reports.findings import Finding, findings
from jiesu.experiments.reports.results import Results
from jiesu.experiments.reports.tables import KEY_METRICS, changed_parameters, key_wide
from jiesu.model.geography import NATIONAL_ID

#: Key metrics of the one-page summary table.
HEADLINE = ("share_adopted_end", "months_to_50pct", "satisfaction_rate_last12", "requests_per_10k_last12")
#: At most this many scenario maps.
MAX_MAPS = 6


@dataclass
class Block:
    """One element of a section: ``p`` (text), ``list`` (items), ``table`` (DataFrame), ``figure``."""

    kind: str
    content: object
    caption: str = ""
    width: str = "100%"  # in the PDF; "fill": the rest of the page


@dataclass
class Section:
    """A titled section."""

    title: str
    blocks: list[Block] = field(default_factory=list)
    new_page: bool = False


@dataclass
class Document:
    """The whole report in one language."""

    lang: str
    title: str
    subtitle: str
    findings: list[Finding]
    sections: list[Section]

    def figures(self) -> list[Block]:
        """Every figure block, in order."""
        return [b for s in self.sections for b in s.blocks if b.kind == "figure"]

    def close(self) -> None:
        """Release the matplotlib figures."""
        for block in self.figures():
            plt.close(block.content)


def build(res: Results, lang: str) -> Document:
    """Build the report of ``res`` in ``lang``."""
    version = res.manifest.get("versions", {}).get("jiesu", "?")
    created = str(res.manifest.get("created", ""))[:10]
    today = dt.date.today().isoformat()
    names = ("、" if lang == "zh" else ", ").join(res.label(n, lang) for n in res.names)
    title = text.r("title_compare" if res.kind == "compare" else "title_run", lang, names=names, name=names)
    found = findings(res, lang)
    note = text.r("brackets" if res.kind == "compare" else "single_run", lang)
    summary = Section(text.r("findings", lang), [Block("findings", found), Block("p", note)])
    figures = _figures(res, lang)
    if res.kind == "compare":
        summary.blocks.append(Block("table", key_wide(res, lang, HEADLINE), text.r("key_table", lang)))
    main = figures.pop(0)  # the main figure belongs on the first page
    main.width = "fill"
    summary.blocks.append(main)
    sections = [
        summary,
        Section(text.r("figures", lang), figures),
        Section(text.r("scenarios", lang), _scenarios(res, lang), new_page=True),
        Section(
            text.r("all_results", lang),
            [Block("table", key_wide(res, lang, KEY_METRICS)), Block("p", text.r("all_results_note", lang))],
        ),
        Section(text.r("methods", lang), [Block("p", p) for p in _methods(res, lang)], new_page=True),
        Section(text.r("limitations", lang), [Block("list", text.limitations(lang))]),
        Section(text.r("provenance", lang), [Block("table", provenance(res, lang))]),
    ]
    sections = [s for s in sections if s.blocks]
    subtitle = text.r("subtitle", lang, version=version, created=created, today=today)
    return Document(lang, title, subtitle, found, sections)


def _caption(res: Results, lang: str, scenario: str | None = None) -> str:
    return compare_figures.provenance_caption(res.manifest, lang, scenario)


def _figures(res: Results, lang: str) -> list[Block]:
    note = _caption(res, lang)
    if res.kind == "run":
        return _run_figures(res, lang, note)
    blocks = [
        Block(
            "figure",
            compare_figures.bands_figure(
                res.timeseries, res.scenarios, res.adoptions, lang, res.replicates, note
            ),
            text.r("figure_bands", lang),
        ),
        Block(
            "figure",
            compare_figures.outcomes_figure(res.runs, res.scenarios, lang, note),
            text.r("figure_outcomes", lang),
        ),
    ]
    if res.multi_city:
        blocks.append(
            Block(
                "figure",
                compare_figures.channels_figure(res.runs, res.scenarios, lang, note),
                text.r("figure_channels", lang),
            )
        )
        blocks += _maps(res, lang)
    return blocks


def _maps(res: Results, lang: str) -> list[Block]:
    geography = res.parameters(res.names[0]).get("geography", "china")
    if geography not in ("china", "china_counties"):
        return []
    units = maps.places(geography)
    period = (res.months[0], res.months[-1])
    blocks = []
    for name in res.names:
        when = maps.first_adoption(res.adoptions[res.adoptions["scenario"] == name])
        if len(when) < 2 or len(blocks) >= MAX_MAPS:
            continue
        label = res.label(name, lang)
        n = int(res.runs.loc[(res.runs["scenario"] == name) & (res.runs["status"] == "ok")].shape[0])
        title = maps.t("map_title_median", lang, scenario=label, n=n) if res.kind == "compare" else None
        fig = maps.adoption_map(
            units, when, lang, title, period, geography == "china_counties", _caption(res, lang, label)
        )
        blocks.append(Block("figure", fig, text.r("figure_map", lang, scenario=label), "88%"))
    return blocks


def _run_figures(res: Results, lang: str, note: str) -> list[Block]:
    ts, ev = res.timeseries, res.adoptions
    unit = NATIONAL_ID if res.multi_city else ts["unit_id"].iloc[0]
    marks = run_figures.run_marks(ev, unit, lang)
    blocks = [
        Block("figure", run_figures.rates_figure(ts, unit, lang, marks, note), text.r("figure_rates", lang))
    ]
    if res.multi_city and (ts["level"] == "city").any():
        blocks.append(
            Block("figure", run_figures.adoption_figure(ts, ev, lang, note), text.r("figure_adoption", lang))
        )
    if res.multi_city:
        blocks += _maps(res, lang)
    return blocks


def _scenarios(res: Results, lang: str) -> list[Block]:
    changed = {n: changed_parameters(res, n) for n in res.names}
    common = (
        {k: v for k, v in changed[res.names[0]].items() if all(changed[n].get(k) == v for n in res.names)}
        if len(res.names) > 1
        else {}
    )
    blocks = []
    posterior = res.manifest.get("posterior")
    if posterior:
        sep = "、" if lang == "zh" else ", "
        names = sep.join(_calibrated(posterior, lang))
        blocks.append(Block("p", text.r("posterior", lang, posterior=posterior, names=names)))
    if common:
        blocks.append(Block("p", f"{text.r('common', lang)}: {_settings(common, lang)}"))
    for s in res.scenarios:
        own = {k: v for k, v in changed[s["name"]].items() if k not in common}
        description = (
            (s.get("description_zh") or s.get("description", ""))
            if lang == "zh"
            else s.get("description", "")
        )
        items = [f"{text.r('changes', lang)}: {_settings(own, lang) if own else text.r('no_changes', lang)}"]
        items += [_event(e, lang) for e in s.get("events", [])]
        heading = f"{res.label(s['name'], lang)} ({s['name']})"
        blocks.append(Block("p", f"**{heading}** — {description}"))
        blocks.append(Block("list", items))
    return blocks


def _calibrated(posterior: str, lang: str) -> list[str]:
    """The parameters of the posterior a comparison drew from (its name alone if it is gone)."""
    from jiesu.experiments.errors import UsageError
    from jiesu.experiments.execution.posterior import Posterior

    try:
        return [param_label(n, lang) for n in Posterior.load(posterior).parameters]
    except UsageError:
        return ["?"]


def _settings(values: dict, lang: str) -> str:
    sep = "；" if lang == "zh" else "; "
    from jiesu.experiments.reports.docs import format_value

    return sep.join(f"{param_label(k, lang)} = {format_value(v)}" for k, v in values.items())


def _event(e: dict, lang: str) -> str:
    deadline = text.r("deadline", lang, month=e["deadline"]) if e.get("deadline") else ""
    target = {"national": "全国" if lang == "zh" else "national"}.get(
        e.get("target", ""), e.get("target", "")
    )
    line = text.r(
        "event_line",
        lang,
        month=e.get("month", ""),
        kind=text.event_kind(e.get("kind", ""), lang),
        target=target,
        deadline=deadline,
    )
    note = e.get("note") if lang == "en" else None  # notes in scenario files are in English
    return f"{line} — {note}" if note else line


def _methods(res: Results, lang: str) -> list[str]:
    from jiesu.model.parameters import GUESS, PARAMS

    p = res.parameters(res.names[0])
    ts = res.timeseries
    units = ts[ts["level"] == "city"]["unit_id"].nunique() if (ts["level"] == "city").any() else None
    if not units:
        units = int(res.adoptions.loc[res.adoptions["level"] == "city", "unit_id"].nunique()) or "?"
        units = {"china": 367, "china_counties": 2985, "beijing": 1}.get(p.get("geography", ""), units)
    return text.methods(
        lang,
        version=res.manifest.get("versions", {}).get("jiesu", "?"),
        k=len(res.names),
        n=max(res.replicates, 1),
        start=res.months[0],
        end=res.months[-1],
        units=units,
        geography=p.get("geography", "?"),
        seed=res.manifest.get("seed", "?"),
        rpc=f"{p.get('residents_per_citizen', '?'):,}"
        if isinstance(p.get("residents_per_citizen"), int | float)
        else "?",
        rpu=f"{p.get('residents_per_unit', '?'):,}"
        if isinstance(p.get("residents_per_unit"), int | float)
        else "?",
        guessed=sum(q.source == GUESS for q in PARAMS),
        total=len(PARAMS),
    )


def provenance(res: Results, lang: str) -> pd.DataFrame:
    """Where the results come from: versions, commit, command, dates, data."""
    m = res.manifest
    versions = m.get("versions", {})
    rows = [
        ("jiesu", versions.get("jiesu", "?")),
        ("git commit", m.get("git_commit") or "unknown"),
        ("command" if lang == "en" else "命令", " ".join(m.get("command", []))),
        ("results created" if lang == "en" else "结果生成时间", m.get("created", "")),
        (
            "report written" if lang == "en" else "报告生成时间",
            dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        ),
        ("results folder" if lang == "en" else "结果文件夹", str(res.folder)),
        ("seed" if lang == "en" else "种子", str(m.get("seed", "?"))),
        ("replicates per scenario" if lang == "en" else "每个情景的重复次数", str(res.replicates)),
        (
            "Python, packages" if lang == "en" else "Python 与软件包",
            ", ".join(f"{k} {v}" for k, v in versions.items() if k != "jiesu"),
        ),
        ("platform" if lang == "en" else "平台", m.get("platform", "")),
        ("boundaries" if lang == "en" else "边界数据", data_version() + " (MIT; Amap boundaries)"),
        ("font" if lang == "en" else "字体", "Noto Sans SC (SIL OFL 1.1), from the zhplot package"),
    ]
    header = ("item", "value") if lang == "en" else ("项目", "内容")
    return pd.DataFrame(rows, columns=list(header))
