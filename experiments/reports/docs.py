"""Generated parts of ``docs/model.md``: parameter, outcome, panel-column and calibration tables.

The parameter and outcome tables, the list of guessed parameters and the table of the
event-history panels' columns are rendered from the declarations in :mod:`model.parameters`,
:mod:`model.outcomes` and :mod:`experiments.analysis.panel_columns`, so the documentation
cannot drift from the code. Each generated part lives between a pair of HTML comments in the
Markdown file, for example ``<!-- BEGIN PARAMETERS -->`` and ``<!-- END PARAMETERS -->``;
everything between the markers is replaced, everything outside them is left alone.

The calibration table compares a run of the ``beijing`` scenario (seed 0, default scale,
about a second, run in-process) with ``model/data/beijing_calibration.csv``; like the other
tables it is rewritten by ``jiesu docs`` and checked by ``jiesu docs --check``, so a change of
the model that moves the numbers fails the check until the table is regenerated.

Example:
    Rewrite the tables in place, or only check that they are up to date (exit status 1 and
    the names of the stale tables if not)::

        uv run jiesu docs
        uv run jiesu docs --check
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
from jiesu.experiments.analysis.panel_columns import PANEL_COLUMNS, PanelColumn
from jiesu.model.geography import load_table
from jiesu.model.outcomes import AGGREGATE_OUTCOMES, OUTCOMES, Outcome
from jiesu.model.parameters import GUESS, PARAMS, Param

#: The documentation file whose tables this module maintains.
DEFAULT_PATH = Path(__file__).resolve().parents[2] / "docs" / "model.md"


class DocsError(ValueError):
    """The Markdown file lacks a marker pair, or has it twice or in the wrong order."""


def escape_cell(text: str) -> str:
    r"""Return ``text`` made safe for one cell of a Markdown table.

    Pipes are escaped (``\|``, which GitHub-flavoured Markdown also honours inside code
    spans) and line breaks become spaces.
    """
    return str(text).replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def format_value(value: Any) -> str:
    """Return a parameter value as a user would type it in ``--set`` or a scenario file."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    return str(value)


def _row(cells: Iterable[str]) -> str:
    return "| " + " | ".join(escape_cell(c) for c in cells) + " |"


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = [_row(header), "|" + "|".join("---" for _ in header) + "|"]
    lines += [_row(r) for r in rows]
    return lines


def _groups(params: Iterable[Param]) -> dict[str, list[Param]]:
    """Parameters by group, groups in the order of their first declaration."""
    out: dict[str, list[Param]] = {}
    for p in params:
        out.setdefault(p.group, []).append(p)
    return out


#: Why the data cannot identify the parameters of each group that remain guesses.
GUESS_REASONS: dict[str, str] = {
    "time and scale": "a design choice of resolution or of synthetic worlds, not a property of China",
    "citizens": "Beijing publishes city totals only: they cannot separate these behavioural parameters from "
    "the calibrated ones (problem rate, scope, costs) that absorb their effect; surveys of residents' "
    "awareness, trust and costs would identify them",
    "access": "one online share (2020) identifies the uptake rate given the others, not the ceiling or the "
    "saving; expectations are seen only through the rates",
    "government": "no pre-reform capacity, routing or knowledge-base figures were published; the rates "
    "constrain only the calibrated combination",
    "evaluation": "no published data on units' effort, overload, siphoned tasks or gaming",
    "proactive governance": "no published effect of 每月一题 on volumes up to 2021",
    "pioneer": "known from the dated events",
    "diffusion": "one voluntary adoption and seven provincial plans before 2022: only the sum of the "
    "voluntary hazards and the relay probability are estimable (docs/validation.md §5)",
    "fit": "no city other than Beijing publishes comparable figures",
}


def source_of(param: Param, calibrated: dict[str, str]) -> str:
    """The parameter's source, or its calibration (median [90 % interval]) if it was calibrated."""
    return calibrated.get(param.name, param.source)


def parameter_table(params: Sequence[Param] = PARAMS) -> str:
    """Return the parameter tables, one per group, as Markdown.

    Args:
        params: The declarations to render (all of :data:`model.parameters.PARAMS` by default).

    Returns:
        For each group a level-4 heading and a table with the columns name, default, unit,
        range, prior (the range a calibration samples), meaning and source.
    """
    from jiesu.model.parameters import calibrated_sources

    calibrated = calibrated_sources()
    blocks: list[str] = []
    for group, members in _groups(params).items():
        rows = [
            (
                f"`{p.name}`",
                f"`{format_value(p.default)}`",
                p.unit,
                p.describe_range(),
                p.describe_prior() or "—",
                p.meaning,
                source_of(p, calibrated),
            )
            for p in members
        ]
        table = _table(("name", "default", "unit", "range", "prior", "meaning", "source"), rows)
        blocks.append("\n".join([f"#### {group[:1].upper()}{group[1:]}", "", *table]))
    return "\n\n".join(blocks)


def outcome_table(
    outcomes: Sequence[Outcome] = OUTCOMES, aggregates: Sequence[Outcome] = AGGREGATE_OUTCOMES
) -> str:
    """Return the outcome tables as Markdown.

    Args:
        outcomes: Quantities recorded per city and month.
        aggregates: Extra columns of the province and national rows.

    Returns:
        Two tables with the columns name, unit and meaning.
    """
    header = ("name", "unit", "meaning")
    city = _table(header, [(f"`{o.name}`", o.unit, o.meaning) for o in outcomes])
    extra = _table(header, [(f"`{o.name}`", o.unit, o.meaning) for o in aggregates])
    return "\n".join(
        [
            "Recorded for every city and month (and combined into province and national rows):",
            "",
            *city,
            "",
            "Extra columns (on city rows they describe the city alone):",
            "",
            *extra,
        ]
    )


def panel_column_table(columns: Sequence[PanelColumn] = PANEL_COLUMNS) -> str:
    """Return the table of the event-history panels' columns (``jiesu panel``) as Markdown.

    Args:
        columns: The declarations to render.

    Returns:
        One table with the columns name, group, unit and meaning.
    """
    rows = [(f"`{c.name}`", c.group, c.unit, c.meaning) for c in columns]
    return "\n".join(_table(("name", "group", "unit", "meaning"), rows))


def is_guess(param: Param) -> bool:
    """Whether the parameter's default value is a guess (its source may still name the mechanism's form)."""
    return param.source == GUESS or param.source.endswith("value: guess")


def guess_list(params: Sequence[Param] = PARAMS) -> str:
    """Return, as Markdown, the parameters whose source is ``guess``, by group.

    Args:
        params: The declarations to scan.

    Returns:
        A count sentence and one bullet per group listing the guessed parameters.
    """
    from jiesu.model.parameters import calibrated_sources

    calibrated = calibrated_sources()
    guessed = [p for p in params if is_guess(p) and p.name not in calibrated]
    lines = [
        f"{len(calibrated)} parameters are calibrated (docs/validation.md); {len(guessed)} of the "
        f"{len(params)} parameters keep a guessed default, and the data cannot identify them:",
        "",
    ]
    for group, members in _groups(guessed).items():
        reason = GUESS_REASONS.get(group, "no data")
        lines.append(f"- {group} ({reason}): " + ", ".join(f"`{p.name}`" for p in members))
    return "\n".join(lines)


#: Simulated month -> published periods to compare with, in order of preference.
CALIBRATION_MONTHS: dict[str, tuple[str, ...]] = {
    "2018-12": ("2018-12", "2019-01"),
    "2019-12": ("2019-12", "2019"),
    "2021-11": ("2021-11", "2021"),
}
CALIBRATION_YEARS: tuple[str, ...] = ("2018", "2019", "2020", "2021")
RATES: tuple[str, ...] = ("response_rate", "resolution_rate", "satisfaction_rate")


#: The run the calibration table shows: scenario, seed (default scale and period).
CALIBRATION_RUN: tuple[str, int] = ("beijing", 0)


@cache
def calibration_section() -> str:
    """Return the calibration table of :data:`CALIBRATION_RUN`, run in-process (once per process)."""
    from jiesu.experiments.execution.runner import run_scenario
    from jiesu.experiments.scenarios import load_scenario

    name, seed = CALIBRATION_RUN
    output = run_scenario(load_scenario(name), seed=seed)
    return calibration_table(output.timeseries, output.info)


def calibration_table(timeseries: pd.DataFrame, info: dict, city: str = "Beijing") -> str:
    """Return the table comparing a run with Beijing's published figures, as Markdown.

    Args:
        timeseries: The run's tidy timeseries.
        info: The run's provenance (``RunOutput.info``: scenario, seed, parameters).
        city: Name of the city whose rows are compared.

    Returns:
        A provenance line and a table with the published and the simulated value of the
        yearly request totals, the three rates at the months of :data:`CALIBRATION_MONTHS`
        and the inquiry share of contacts ("—" where a figure is missing).
    """
    ts = timeseries[(timeseries["level"] == "city") & (timeseries["name_en"] == city)].set_index("month")
    published = {(r["period"], r["metric"]): float(r["value"]) for r in load_table("beijing_calibration.csv")}
    rows = [*_request_rows(ts, published), *_rate_rows(ts, published), _inquiry_row(ts, published)]
    header = ("quantity", "published (beijing_calibration.csv)", f"simulated ({city})")
    return "\n".join([_provenance(info), "", *_table(header, rows)])


def _request_rows(ts: pd.DataFrame, published: dict) -> list[tuple[str, str, str]]:
    rows = []
    total = published.get(("2019-01..2021-11", "contacts_total"))
    known = [published.get((y, "requests_per_year")) for y in ("2019", "2020")]
    for year in CALIBRATION_YEARS:
        months = ts.index[ts.index.str.startswith(year)]
        sim = f"{ts.loc[months, 'requests'].sum() / 1e6:.2f} M" if len(months) == 12 else "—"
        pub = published.get((year, "requests_per_year"))
        rows.append((f"requests {year}", "—" if pub is None else f"{pub / 1e6:.2f} M", sim))
    window = ts.index[(ts.index >= "2021-01") & (ts.index <= "2021-11")]
    if total is not None and None not in known:
        derived = (total - sum(known)) / 1e6
        sim = f"{ts.loc[window, 'requests'].sum() / 1e6:.2f} M" if len(window) == 11 else "—"
        rows.append(
            ("requests 2021-01..2021-11 (2019-01..2021-11 total less 2019, 2020)", f"{derived:.2f} M", sim)
        )
    return rows


def _rate_rows(ts: pd.DataFrame, published: dict) -> list[tuple[str, str, str]]:
    rows = []
    for month, periods in CALIBRATION_MONTHS.items():
        for rate in RATES:
            found = [(p, published[(p, rate)]) for p in periods if (p, rate) in published]
            pub = "—"
            if found:
                period, value = found[0]
                pub = f"{value:.2f}" + ("" if period == month else f" (published for {period})")
            sim = f"{ts.loc[month, rate]:.3f}" if month in ts.index else "—"
            rows.append((f"{rate.replace('_', ' ')}, {month}", pub, sim))
    return rows


def _inquiry_row(ts: pd.DataFrame, published: dict) -> tuple[str, str, str]:
    window = ts.loc["2019-01":"2021-11"]
    share = published.get(("2019-2021", "inquiry_share"))
    sim = f"{window['inquiries'].sum() / window['requests'].sum():.3f}" if len(window) == 35 else "—"
    return ("inquiry share of contacts, 2019-01 to 2021-11", "—" if share is None else f"{share:.3f}", sim)


def _provenance(info: dict) -> str:
    """What was run (no commit or date: the table depends on the code alone, and is checked)."""
    return (
        f"Simulated by `jiesu docs`: scenario `{info['scenario']}`, seed {info['seed']['entropy']}, "
        f"`residents_per_citizen = {format_value(info['parameters']['residents_per_citizen'])}`, "
        "every other parameter at the scenario's value."
    )


#: Marker key -> (title used in messages, renderer).
SECTIONS: dict[str, tuple[str, Callable[[], str]]] = {
    "PARAMETERS": ("parameter table", parameter_table),
    "OUTCOMES": ("outcome table", outcome_table),
    "GUESSES": ("list of guessed parameters", guess_list),
    "CALIBRATION": ("calibration table", calibration_section),
    "PANEL COLUMNS": ("panel column table", panel_column_table),
}


def _pattern(key: str) -> re.Pattern[str]:
    return re.compile(rf"(<!-- BEGIN {key} -->)(.*?)(<!-- END {key} -->)", re.DOTALL)


def update_text(
    text: str, sections: dict[str, tuple[str, Callable[[], str]]] | None = None
) -> tuple[str, list[str]]:
    """Replace every generated section of ``text`` with a freshly rendered one.

    Args:
        text: The Markdown document.
        sections: Marker key -> (title, renderer); :data:`SECTIONS` by default.

    Returns:
        The new text and the titles of the sections whose content changed.

    Raises:
        DocsError: If a marker pair is missing, repeated, or its END comes before its BEGIN.
    """
    changed: list[str] = []
    for key, (title, render) in (SECTIONS if sections is None else sections).items():
        begin, end = f"<!-- BEGIN {key} -->", f"<!-- END {key} -->"
        pattern = _pattern(key)
        if text.count(begin) != 1 or text.count(end) != 1 or pattern.search(text) is None:
            raise DocsError(
                f"the {title} needs exactly one {begin} followed by one {end} in the document; "
                "add the two markers where the table belongs"
            )
        body = f"\n{render()}\n"
        match = pattern.search(text)
        if match.group(2) != body:
            changed.append(title)
            text = text[: match.start(2)] + body + text[match.end(2) :]
    return text, changed


def stale_tables(path: Path = DEFAULT_PATH) -> list[str]:
    """Return the titles of the generated sections of ``path`` that are out of date.

    Args:
        path: The Markdown file.

    Raises:
        DocsError: If a marker pair is missing or malformed.
    """
    return update_text(_read(path))[1]


def write_tables(path: Path = DEFAULT_PATH) -> list[str]:
    """Rewrite the generated sections of ``path`` in place.

    Args:
        path: The Markdown file.

    Returns:
        The titles of the sections that changed (the file is untouched if none did).

    Raises:
        DocsError: If a marker pair is missing or malformed.
    """
    new, changed = update_text(_read(path))
    if changed:
        with open(path, "w", encoding="utf-8", newline="") as fh:
            fh.write(new)
    return changed


def _read(path: Path) -> str:
    with open(path, encoding="utf-8", newline="") as fh:
        return fh.read()
