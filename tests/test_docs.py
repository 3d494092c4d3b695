"""docs/model.md stays in step with the declarations in the code."""

import re
from pathlib import Path

import pytest
from jiesu.agents.reform import ELEMENT_NAMES
from jiesu.experiments.cli.main import main
from jiesu.experiments.reports import docs
from jiesu.model.outcomes import AGGREGATE_OUTCOMES, OUTCOMES
from jiesu.model.parameters import PARAMS

DOC = Path(__file__).resolve().parent.parent / "docs" / "model.md"


def test_generated_tables_are_up_to_date():
    stale = docs.stale_tables(DOC)
    assert stale == [], f"docs/model.md: {', '.join(stale)} out of date; run `uv run jiesu docs`"


def test_every_parameter_and_outcome_is_documented():
    text = DOC.read_text(encoding="utf-8")
    missing = [p.name for p in PARAMS if f"`{p.name}`" not in text]
    assert missing == [], f"parameters missing from docs/model.md: {missing}"
    missing = [o.name for o in (*OUTCOMES, *AGGREGATE_OUTCOMES) if f"`{o.name}`" not in text]
    assert missing == [], f"outcomes missing from docs/model.md: {missing}"


#: Symbols the equations define themselves (besides subscripted ones such as ``fit_c``).
EQUATION_SYMBOLS = {
    "v_file",
    "v_self",
    "m_cost",
    "s_res",
    "s_unres",
    "h_internal",
    "h_mandate",
    "h_peer",
    "h_imitation",
    "m_fast",
    "m_feedback",
}


def test_equations_name_only_declared_parameters():
    """A renamed parameter must not live on under its old name in the equations."""
    text = DOC.read_text(encoding="utf-8")
    words = set()
    for block in re.findall(r"```\n(.*?)```", text, flags=re.DOTALL):
        words |= set(re.findall(r"\b[a-z]+(?:_[a-z0-9]+)+\b", block))
    known = {p.name for p in PARAMS} | set(ELEMENT_NAMES) | EQUATION_SYMBOLS
    unknown = sorted(w for w in words - known if not re.search(r"_[a-z]$", w))
    assert words & {p.name for p in PARAMS}, "expected the equation blocks to name parameters"
    assert unknown == [], f"equations in docs/model.md name undeclared parameters: {unknown}"


def test_marker_errors_name_the_missing_table():
    with pytest.raises(docs.DocsError, match="parameter table"):
        docs.update_text("no markers here")


def test_pipes_in_cells_are_escaped():
    assert docs.escape_cell("a | b") == "a \\| b"
    table = docs.parameter_table()
    geography = next(line for line in table.splitlines() if line.startswith("| `geography`"))
    assert "beijing \\| china" in geography


def test_check_exits_1_and_names_the_stale_table(tmp_path, capsys):
    stale = tmp_path / "model.md"
    text = DOC.read_text(encoding="utf-8")
    stale.write_text(text.replace("| `problem_rate` |", "| `problem_rate_old` |", 1), encoding="utf-8")
    assert main(["docs", "--check", "--path", str(stale)]) == 1
    assert "parameter table is out of date" in capsys.readouterr().out
    assert main(["docs", "--path", str(stale)]) == 0
    assert stale.read_text(encoding="utf-8") == text, "rewriting must restore the generated table exactly"
