"""Generated parts of ``docs/model.md``: the parameter, outcome and calibration-status tables.

The tables are rendered from the declarations in :mod:`model.parameters` and
:mod:`model.outcomes`, so the documentation cannot drift from the code. Each table lives
between a pair of HTML comments in the Markdown file, for example
``<!-- BEGIN PARAMETERS -->`` and ``<!-- END PARAMETERS -->``; everything between the markers
is replaced, everything outside them is left alone.

Example:
    Rewrite the tables in place, or only check that they are up to date (exit status 1 and
    the names of the stale tables if not)::

        uv run python -m experiments.docs
        uv run python -m experiments.docs --check
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from model.outcomes import AGGREGATE_OUTCOMES, OUTCOMES, Outcome
from model.parameters import GUESS, PARAMS, Param

#: The documentation file whose tables this module maintains.
DEFAULT_PATH = Path(__file__).resolve().parent.parent / "docs" / "model.md"


class DocsError(ValueError):
    """The Markdown file lacks a marker pair, or has it twice or in the wrong order."""


def escape_cell(text: str) -> str:
    """Return ``text`` made safe for one cell of a Markdown table.

    Pipes are escaped (``\\|``, which GitHub-flavoured Markdown also honours inside code
    spans) and line breaks become spaces.
    """
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")


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


def parameter_table(params: Sequence[Param] = PARAMS) -> str:
    """Return the parameter tables, one per group, as Markdown.

    Args:
        params: The declarations to render (all of :data:`model.parameters.PARAMS` by default).

    Returns:
        For each group a level-4 heading and a table with the columns name, default, unit,
        range, meaning and source.
    """
    blocks: list[str] = []
    for group, members in _groups(params).items():
        rows = [
            (f"`{p.name}`", f"`{format_value(p.default)}`", p.unit, p.describe_range(), p.meaning, p.source)
            for p in members
        ]
        table = _table(("name", "default", "unit", "range", "meaning", "source"), rows)
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


def guess_list(params: Sequence[Param] = PARAMS) -> str:
    """Return, as Markdown, the parameters whose source is ``guess``, by group.

    Args:
        params: The declarations to scan.

    Returns:
        A count sentence and one bullet per group listing the guessed parameters.
    """
    guessed = [p for p in params if p.source == GUESS]
    lines = [f"{len(guessed)} of the {len(params)} parameters have a guessed default:", ""]
    for group, members in _groups(guessed).items():
        lines.append(f"- {group}: " + ", ".join(f"`{p.name}`" for p in members))
    return "\n".join(lines)


#: Marker key -> (title used in messages, renderer).
SECTIONS: dict[str, tuple[str, Callable[[], str]]] = {
    "PARAMETERS": ("parameter table", parameter_table),
    "OUTCOMES": ("outcome table", outcome_table),
    "GUESSES": ("list of guessed parameters", guess_list),
}


def _pattern(key: str) -> re.Pattern[str]:
    return re.compile(rf"(<!-- BEGIN {key} -->)(.*?)(<!-- END {key} -->)", re.DOTALL)


def update_text(text: str) -> tuple[str, list[str]]:
    """Replace every generated section of ``text`` with a freshly rendered one.

    Args:
        text: The Markdown document.

    Returns:
        The new text and the titles of the sections whose content changed.

    Raises:
        DocsError: If a marker pair is missing, repeated, or its END comes before its BEGIN.
    """
    changed: list[str] = []
    for key, (title, render) in SECTIONS.items():
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


def main(argv: list[str] | None = None) -> int:
    """Command line: rewrite the tables (default) or check them (``--check``).

    Returns:
        0 when the file is (now) up to date, 1 when ``--check`` finds stale tables, 2 when
        the file or its markers are missing.
    """
    parser = argparse.ArgumentParser(
        prog="python -m experiments.docs", description="Regenerate the tables of docs/model.md."
    )
    parser.add_argument("--check", action="store_true", help="only check; exit 1 if a table is stale")
    parser.add_argument(
        "--path", type=Path, default=DEFAULT_PATH, help="Markdown file (default: %(default)s)"
    )
    args = parser.parse_args(argv)
    try:
        stale = stale_tables(args.path) if args.check else write_tables(args.path)
    except (OSError, DocsError) as err:
        print(f"experiments.docs: error: {err}", file=sys.stderr)
        return 2
    if args.check:
        for title in stale:
            print(f"{args.path}: the {title} is out of date; run `uv run python -m experiments.docs`")
        return 1 if stale else 0
    print(f"{args.path}: updated the {', '.join(stale)}" if stale else f"{args.path}: already up to date")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
