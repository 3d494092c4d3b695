"""Property-based tests (hypothesis) of bad input, at the validation layer every command passes.

Each property states what *any* input of its kind must give: a valid result that keeps the
promise (finite, in range, confined, bounded), or the declared error on one line — never another
exception, a hang, a misread value or a path outside its folder. The classes follow issue 12:
confinement, resumes, concurrency and interrupted writes (the folder helpers), tracebacks, values
accepted silently, valid input rejected, and the declared limits.

No simulation runs here: the checks are called directly, so the suite stays fast. Examples are
derandomised (the same in every CI run); ``JIESU_FUZZ_EXAMPLES=2000`` fuzzes deeper locally.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import os
import stat
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from jiesu.experiments.cli.main import build_parser
from jiesu.experiments.cli.options import overrides_from
from jiesu.experiments.designs.calibration_spec import CalibrationSpecError, parse_calibration
from jiesu.experiments.designs.sweep_spec import SweepSpecError, design_points, parse_spec
from jiesu.experiments.errors import MAX_SEED, UsageError, check_seed
from jiesu.experiments.limits import LIMITS, check_limit, check_name, check_scheduler
from jiesu.experiments.outputs import storage
from jiesu.experiments.outputs.resumable import clean_stale, resumable, what_changed
from jiesu.experiments.scenarios import SCHEMA, Scenario, ScenarioError, parse_scenario
from jiesu.experiments.scenarios.preflight import check_run
from jiesu.experiments.scenarios.tomlfile import decode
from jiesu.model.calendar import parse_month
from jiesu.model.events import EVENT_KINDS, Event, EventError
from jiesu.model.geography import UnknownCityError
from jiesu.model.parameters import PARAMS, ParameterError, check_file_values, make_parameters

FAST = settings(
    max_examples=int(os.environ.get("JIESU_FUZZ_EXAMPLES", "60")),
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


# --- TOML values and text ------------------------------------------------------------------------
def _toml(value) -> str:
    """A value as TOML text (inline tables and arrays)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return "{" + ", ".join(f"{_string(k)} = {_toml(v)}" for k, v in value.items()) + "}"


def _string(text: str) -> str:
    """A TOML basic string (JSON's escapes, less the surrogate pairs TOML does not accept)."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _document(table: dict) -> str:
    return "".join(f"{_string(k)} = {_toml(v)}\n" for k, v in table.items())


SCALARS = (
    st.booleans()
    | st.integers(min_value=-(2**64), max_value=2**64)
    | st.floats()
    | st.text(max_size=12)
    | st.sampled_from(["2019-01", "2020-13", "٢٠١٩-٠١", "Beijing", "Gotham", "national", "adopt", "mandate"])
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)
PYTHON_TYPE = {"text": str, "bool": bool, "table": dict}


def _one_line(err: Exception) -> str:
    text = str(err)
    assert text and "\n" not in text, f"not one line: {text!r}"
    return text


# --- tracebacks and misreadings in scenario files -----------------------------------------------------
@FAST
@given(st.binary(max_size=200))
def test_any_bytes_as_a_scenario_file_give_a_scenario_or_one_line(raw):
    try:
        scenario = parse_scenario(decode(raw, "f.toml", ScenarioError), "f.toml")
    except ScenarioError as err:
        _one_line(err)
    else:
        assert check_name(scenario.name, "name") == scenario.name


@FAST
@given(st.dictionaries(st.sampled_from(sorted(SCHEMA)) | st.text(max_size=8), VALUES, max_size=6))
def test_any_scenario_table_gives_a_typed_scenario_or_one_line(table):
    try:
        scenario = parse_scenario(_document(table), "f.toml")
    except ScenarioError as err:
        _one_line(err)
        return
    assert set(table) <= set(SCHEMA)
    assert isinstance(scenario.hidden, bool) and isinstance(scenario.name, str)
    make_parameters(scenario.parameters)  # what was accepted is valid


@FAST
@given(key=st.sampled_from(sorted(set(SCHEMA) - {"events"})), value=VALUES)
def test_a_scenario_key_of_the_wrong_type_is_named(key, value):
    expected = PYTHON_TYPE.get(SCHEMA[key], str)
    assume(not isinstance(value, expected) or (expected is int and isinstance(value, bool)))
    table = {"name": "x", key: value}
    with pytest.raises(ScenarioError, match=key) as caught:
        parse_scenario(_document(table), "f.toml")
    _one_line(caught.value)


EVENT_KEYS = st.sampled_from(["month", "kind", "target", "elements", "deadline", "channel", "note"])


@FAST
@given(
    st.dictionaries(EVENT_KEYS | st.text(max_size=5), VALUES, max_size=6)
    | st.fixed_dictionaries(
        {"month": st.sampled_from(["2019-01", "2020-06"]), "kind": st.sampled_from(list(EVENT_KINDS))},
        optional={"deadline": st.sampled_from(["2019-06", "2021-12"]), "target": SCALARS, "elements": VALUES},
    )
)
def test_any_event_table_gives_a_valid_event_or_one_line(table):
    try:
        event = Event.from_dict(table, where="event 1")
    except EventError as err:
        _one_line(err)
        return
    assert event.kind in EVENT_KINDS and event.month.isascii()
    if event.kind == "mandate":
        assert parse_month(event.deadline) >= parse_month(event.month)
    if EVENT_KINDS[event.kind][0] == "national":
        assert event.target == "national"


# --- parameter values: finite, in range, in ASCII digits ----------------------------------------------
NUMERIC = [p for p in PARAMS if p.kind in ("number", "int")]


@FAST
@given(
    st.sampled_from(PARAMS),
    st.text(max_size=12)
    | st.floats().map(repr)
    | st.integers(min_value=-(10**400), max_value=10**400).map(str)
    | st.sampled_from(["inf", "-inf", "nan", "1e999", "1_000", "٣", "0x10", " 1 ", "true", "yes", ""]),
)
def test_any_text_for_a_parameter_gives_a_valid_value_or_one_line(param, text):
    try:
        value = param.convert(text)
    except ParameterError as err:
        _one_line(err)
        return
    if param.kind in ("number", "int"):
        assert math.isfinite(value) and text.strip().isascii()
        assert (param.low is None or value >= param.low) and (param.high is None or value <= param.high)
    if param.kind == "month":
        assert value.isascii()


@FAST
@given(st.sampled_from(NUMERIC), st.text(st.characters(categories=("Nd",)), min_size=1, max_size=4))
def test_digits_of_other_scripts_are_not_read_as_numbers(param, digits):
    assume(not digits.isascii())
    with pytest.raises(ParameterError, match="ASCII digits"):
        param.convert(digits)


@FAST
@given(st.sampled_from(PARAMS), VALUES)
def test_any_file_value_for_a_parameter_is_typed_or_refused(param, value):
    try:
        check_file_values({param.name: value})
        params = make_parameters({param.name: value})
    except ParameterError as err:
        _one_line(err)
        return
    if param.kind == "bool":
        assert isinstance(value, bool), "a boolean from a file is true or false, never text"
    if param.kind in ("number", "int"):
        assert not isinstance(value, bool | str) and math.isfinite(getattr(params, param.name))


# --- names and confinement --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def parent(tmp_path_factory):
    return tmp_path_factory.mktemp("results")


@FAST
@given(
    name=st.text(max_size=80) | st.sampled_from(["..", "../x", "a/b", "a\\b", ".hidden", "x" * 65, "a\0b"])
)
def test_a_name_is_one_safe_folder_inside_results_or_refused(parent, name):
    try:
        check_name(name, "its name")
    except UsageError as err:
        _one_line(err)
        return
    folder = storage.confined(parent, f"sweep-{name}")
    assert folder.resolve().parent == parent.resolve() and len(folder.name.encode()) <= 255


@FAST
@given(st.text(max_size=30))
def test_confined_never_leaves_its_parent(parent, name):
    try:
        folder = storage.confined(parent, name)
    except storage.OutputError as err:
        _one_line(err)
        return
    assert folder.resolve().parent == parent.resolve()


# --- sweep and calibration files: typed, bounded before anything is drawn -----------------------------
SWEEP = {
    "design": "lhs",
    "samples": 2,
    "outcomes": ["share_adopted_end"],
    "factors": {"imitation_rate": [0, 1]},
}
SWEEP_KEYS = ["name", "design", "samples", "replicates", "seed", "outcomes", "parameters", "factors", "panel"]


@FAST
@given(
    st.dictionaries(
        st.sampled_from(SWEEP_KEYS),
        VALUES
        | st.integers(min_value=-3, max_value=10**13)
        | st.sampled_from(["grid", "sobol", "morris", "lhs"])
        | st.dictionaries(
            st.sampled_from(["imitation_rate", "learning_rate", "pioneer", "x"]), VALUES, max_size=2
        ),
        max_size=4,
    )
)
def test_any_sweep_file_gives_a_bounded_spec_or_one_line(changes):
    try:
        spec = parse_spec(_document({**SWEEP, **changes}), "s.toml")
    except SweepSpecError as err:
        _one_line(err)
        return
    runs = design_points(spec.design, spec.samples, len(spec.factors)) * spec.replicates
    assert 1 <= runs <= LIMITS["design"].high and 0 <= spec.seed <= MAX_SEED
    assert all(math.isfinite(b) for bounds in spec.factors.values() for b in bounds)


CALIBRATION = 'calibrate = ["problem_rate"]\ntargets = ["log_requests_2019"]\n[parameters]\nend = "2021-12"\n'
CAL_KEYS = ["seed", "population", "generations", "min_acceptance", "max_simulations", "predictive_draws",
            "predictive_end", "transition", "city", "name"]  # fmt: skip


@FAST
@given(
    st.dictionaries(
        st.sampled_from(CAL_KEYS), VALUES | st.integers(min_value=-3, max_value=10**13), max_size=3
    )
)
def test_any_calibration_file_gives_a_bounded_spec_or_one_line(changes):
    try:
        spec = parse_calibration(_document(changes) + CALIBRATION, "c.toml")
    except CalibrationSpecError as err:
        _one_line(err)
        return
    assert 1 <= spec.population <= LIMITS["population"].high and 0 <= spec.seed <= MAX_SEED
    assert 0 <= spec.min_acceptance <= 1 and spec.max_simulations <= LIMITS["design"].high


# --- the command line: counts, seeds, addresses, months, repeated settings ------------------------------
@FAST
@given(
    option=st.sampled_from(["--workers", "--replicates", "--seed", "--scheduler", "--start", "--end"]),
    value=st.text(max_size=12) | st.integers(min_value=-(2**65), max_value=2**65).map(str),
)
def test_any_option_value_parses_within_bounds_or_gives_one_line(option, value):
    assume(not value.startswith("-") or value.lstrip("-").isdigit())  # -h would ask for help
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err):
            args = build_parser().parse_args(["compare", option, value])
        overrides = overrides_from(args)
        make_parameters(overrides)
    except SystemExit as exit_:
        assert exit_.code == 2 and len(err.getvalue().strip().splitlines()) == 1  # noqa: PT017 - either outcome is allowed
        return
    except ParameterError as error:
        _one_line(error)
        return
    assert 1 <= args.workers <= LIMITS["workers"].maximum()
    assert 1 <= args.replicates <= LIMITS["replicates"].high and 0 <= args.seed <= MAX_SEED


@FAST
@given(
    st.lists(st.tuples(st.sampled_from(["end", "start", "seed_x", "capacity_per_10k"]), st.text(max_size=4)))
)
def test_a_parameter_set_twice_is_refused(pairs):
    args = argparse.Namespace(assignments=[f"{n}={v}" for n, v in pairs], start=None, end=None)
    names = [n for n, _ in pairs]
    try:
        overrides = overrides_from(args)
    except ParameterError as err:
        assert "twice" in _one_line(err) or "NAME=VALUE" in str(err)  # noqa: PT017
        return
    assert len(set(names)) == len(names) == len(overrides)


@FAST
@given(st.integers(min_value=-(2**70), max_value=2**70) | st.booleans() | st.floats() | st.text(max_size=3))
def test_seeds_are_whole_numbers_within_64_bit_storage_or_refused(seed):
    try:
        assert check_seed(seed) == seed and 0 <= seed <= MAX_SEED and not isinstance(seed, bool)
    except UsageError as err:
        _one_line(err)


@FAST
@given(st.sampled_from(sorted(LIMITS)), st.integers(min_value=-(2**40), max_value=2**40))
def test_every_declared_limit_is_enforced_with_its_fix(key, value):
    limit = LIMITS[key]
    try:
        assert check_limit(key, value) == value
    except UsageError as err:
        message = _one_line(err)
        assert (value < limit.low and "at least" in message) or (
            value > limit.maximum() and limit.fix in message
        )
        return
    assert limit.low <= value <= limit.maximum()


@FAST
@given(st.text(max_size=30) | st.from_regex(r"tcp://[a-z0-9.]{1,12}:[0-9]{1,6}", fullmatch=True))
def test_scheduler_addresses_have_a_host_and_a_port(address):
    try:
        checked = check_scheduler(address)
    except UsageError as err:
        _one_line(err)
        return
    assert ":" in checked and 0 < int(checked.rsplit(":", 1)[1]) <= 65535


# --- everything a run needs, before it starts ---------------------------------------------------------
@FAST
@given(
    target=st.text(max_size=10)
    | st.sampled_from(["Beijing", "北京市", "110000", "Shanghai", "largest", "Gotham"]),
    kind=st.sampled_from(["adopt", "abandon", "mandate", "sector_adopt"]),
    month=st.integers(min_value=2015 * 12, max_value=2032 * 12),
)
def test_an_event_runs_only_if_its_target_exists_and_its_month_is_simulated(target, kind, month):
    text = f"{month // 12:04d}-{month % 12 + 1:02d}"
    data = {
        "month": text,
        "kind": kind,
        "target": target,
        **({"deadline": "2033-01"} if kind == "mandate" else {}),
    }
    try:
        event = Event.from_dict(data)
    except EventError as err:
        _one_line(err)
        return
    scenario = Scenario(name="x", events=(event,))
    overrides = {"end": "2025-12"}
    try:
        notes = check_run(scenario, overrides)
    except (UnknownCityError, EventError) as err:
        assert "event 1" in _one_line(err)  # noqa: PT017
        return
    assert month >= parse_month("2018-01"), "an event before the start would never happen"
    assert bool(notes) == (month > parse_month("2025-12")), notes


# --- outputs: strict JSON, umask, debris of interrupted writes, resume keys -----------------------------
FLOATS = st.recursive(
    st.floats() | st.integers() | st.text(max_size=3) | st.none(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=8,
)


@FAST
@given(FLOATS)
def test_manifests_are_strict_json_whatever_numbers_they_hold(parent, data):
    path = parent / "manifest.json"
    storage.write_json({"data": data}, path)
    json.loads(path.read_text(encoding="utf-8"), parse_constant=lambda c: pytest.fail(f"{c} in JSON"))


@FAST
@given(st.integers(min_value=0, max_value=0o777))
def test_files_and_folders_get_what_the_umask_allows(parent, mask):
    folder = Path(tempfile.mkdtemp(dir=parent))  # made before the umask, so it stays writable
    old = os.umask(mask)
    try:
        storage.write_atomic(folder / "f", lambda p: p.write_text("x"))
        mode = stat.S_IMODE((folder / "f").stat().st_mode)
        assert (storage.file_mode(), storage.folder_mode()) == (0o666 & ~mask, 0o777 & ~mask)
    finally:
        os.umask(old)
    assert mode == 0o666 & ~mask


NAMES = st.sampled_from(["runs.parquet", ".runs.parquet.ab12.tmp", ".lock", "spec.toml", ".jiesu-probe-x",
                         "notes.tmp", ".x.partial-ab"])  # fmt: skip


@FAST
@given(st.lists(NAMES, unique=True, max_size=6))
def test_only_the_debris_of_interrupted_writes_is_cleaned(names):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name in names:
            if "partial" in name:
                (folder / name).mkdir()
            else:
                (folder / name).write_text("x")
        removed = {p.name for p in clean_stale(folder)}
        left = {p.name for p in folder.iterdir()}
    debris = {
        n for n in names if n.startswith(".") and (n.endswith(".tmp") or "probe" in n or "partial" in n)
    }
    assert removed == debris and left == set(names) - debris


KEYS = st.fixed_dictionaries(
    {
        "settings": st.dictionaries(st.sampled_from(["seed", "samples"]), st.integers(0, 3)),
        "parameters": st.dictionaries(st.sampled_from(["problem_rate", "end"]), st.integers(0, 3)),
        "events": st.lists(st.integers(0, 2), max_size=2),
        "versions": st.dictionaries(st.sampled_from(["jiesu", "numpy"]), st.sampled_from(["1", "2"])),
    }
)


@FAST
@given(KEYS, KEYS)
def test_a_resume_is_refused_exactly_when_what_determines_the_results_changed(old, new):
    changed = what_changed(old, new)
    assert (changed is None) == (old == new)
    if changed:
        assert "\n" not in changed


@FAST
@given(
    st.sampled_from(["sweep", "calibrate", "run", None]),
    st.sampled_from(["aa", "bb"]),
    st.sampled_from(["aa", "bb"]),
    st.booleans(),
)
def test_a_folder_from_before_resume_keys_resumes_exactly_when_its_file_is_unchanged(kind, then, now, lock):
    """Folders written before resume keys (no ``resume_key``, maybe no ``.lock``) keep resuming."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "job"
        folder.mkdir()
        manifest = {"kind": kind, "spec_sha256": then, "finished": False}
        (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        if lock:
            (folder / ".lock").touch()
        key = {"settings": {}, "parameters": {}, "events": [], "versions": {}}
        try:
            with resumable(folder, "sweep", key, True, {"spec.toml"}, digest=now) as stored:
                assert stored == manifest
            resumed = True
        except UsageError as err:
            _one_line(err)
            resumed = False
        assert resumed == (kind == "sweep" and then == now)
        assert json.loads((folder / "manifest.json").read_text(encoding="utf-8")) == manifest
