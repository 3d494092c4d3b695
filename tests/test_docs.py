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
API = DOC.parent / "api.md"


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


def _copies(tmp_path):
    model, api = tmp_path / "model.md", tmp_path / "api.md"
    model.write_text(DOC.read_text(encoding="utf-8"), encoding="utf-8")
    api.write_text(API.read_text(encoding="utf-8"), encoding="utf-8")
    return model, api


def test_check_exits_1_and_names_the_stale_table(tmp_path, capsys):
    stale, api = _copies(tmp_path)
    text = stale.read_text(encoding="utf-8")
    stale.write_text(text.replace("| `problem_rate` |", "| `problem_rate_old` |", 1), encoding="utf-8")
    assert main(["docs", "--check", "--path", str(stale), "--api-path", str(api)]) == 1
    assert "parameter table is out of date" in capsys.readouterr().out
    assert main(["docs", "--path", str(stale), "--api-path", str(api)]) == 0
    assert stale.read_text(encoding="utf-8") == text, "rewriting must restore the generated table exactly"


def test_a_stale_calibration_table_fails_the_check(tmp_path, capsys):
    """The calibration table is regenerated from an in-process run: a number that the model no
    longer gives (e.g. after a change of a default) fails `jiesu docs --check`."""
    stale, api = _copies(tmp_path)
    text = stale.read_text(encoding="utf-8")
    block = text[text.index("<!-- BEGIN CALIBRATION -->") : text.index("<!-- END CALIBRATION -->")]
    row = next(line for line in block.splitlines() if line.startswith("| resolution rate, 2021-11"))
    simulated = row.rstrip(" |").rsplit("| ", 1)[1]
    assert re.fullmatch(r"0\.\d{3}", simulated), row
    changed = row.replace(f"| {simulated} |", "| 0.999 |")
    stale.write_text(text.replace(row, changed), encoding="utf-8")
    assert main(["docs", "--check", "--path", str(stale), "--api-path", str(api)]) == 1
    assert "calibration table is out of date" in capsys.readouterr().out
    assert main(["docs", "--path", str(stale), "--api-path", str(api)]) == 0
    assert stale.read_text(encoding="utf-8") == text


def test_calibration_table_names_no_commit_and_no_missing_file():
    """The provenance line depends on the code only (no commit hash that stales every commit)."""
    text = DOC.read_text(encoding="utf-8")
    block = text[text.index("<!-- BEGIN CALIBRATION -->") : text.index("<!-- END CALIBRATION -->")]
    assert "Simulated by `jiesu docs`: scenario `beijing`, seed 0" in block
    assert "git commit" not in block and "uncommitted" not in block


def test_api_page_is_generated_from_the_docstrings(tmp_path, capsys):
    from jiesu.experiments import api as api_module

    _, api = _copies(tmp_path)
    text = api.read_text(encoding="utf-8")
    for name in api_module.__all__:
        assert f"## `jiesu.{name}`" in text, name
    assert "### `.to_frame(level=None, metric=None)`" in text
    assert "jiesu.model`, `jiesu.agents` and `jiesu.experiments`" in text, (
        "the page says how names are kept apart"
    )
    api.write_text(text.replace("Run every month", "Run each month"), encoding="utf-8")
    model = tmp_path / "model.md"
    assert main(["docs", "--check", "--path", str(model), "--api-path", str(api)]) == 1
    assert "api.md is out of date" in capsys.readouterr().out
    assert main(["docs", "--path", str(model), "--api-path", str(api)]) == 0
    assert api.read_text(encoding="utf-8") == text


def test_no_source_names_a_file_that_is_not_in_the_project():
    root = DOC.parent.parent
    for p in PARAMS:
        for path in re.findall(r"[\w./-]+\.(?:csv|md|py|toml)\b", p.source):
            candidates = [root / path, root / "model" / "data" / path]
            assert any(c.is_file() for c in candidates), f"{p.name}: source names {path}, not in the project"
    assert not [p.name for p in PARAMS if "MODEL.md" in p.source]
