"""Scenarios: named partial parameter overrides plus dated events, stored as TOML files.

A scenario file looks like::

    name = "top_down"
    name_zh = "自上而下"
    description = "Beijing pioneers; the State Council mandates hotline consolidation"
    description_zh = "北京首创；国务院要求归并热线"
    extends = "china"            # optional: a built-in scenario or a path
    colour = "#D55E00"           # optional: its colour in every figure (not inherited)

    [parameters]
    endorsement_rate = 0.02

    [[events]]
    month = "2020-12"
    kind = "mandate"
    target = "national"
    deadline = "2021-12"

Parameters of the child override the parent's; the child's events come after the parent's
unless ``replace_events = true``. Built-in scenarios are the files in
``experiments/scenarios/``; ``jiesu scenarios`` lists them.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from jiesu.experiments.errors import UsageError
from jiesu.experiments.limits import LIMITS, check_name
from jiesu.experiments.scenarios.tomlfile import BOOL, TABLE, TABLES, TEXT, check_types, parse_toml, read_toml
from jiesu.model.events import Event, EventError
from jiesu.model.parameters import ParameterError, check_file_values, make_parameters

#: Declared keys of a scenario file and their types (:mod:`.tomlfile`).
SCHEMA = {
    "name": TEXT,
    "name_zh": TEXT,
    "description": TEXT,
    "description_zh": TEXT,
    "extends": TEXT,
    "parameters": TABLE,
    "events": TABLES,
    "replace_events": BOOL,
    "hidden": BOOL,
    "colour": TEXT,
}
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


class ScenarioError(ValueError):
    """A scenario is unknown or its file is malformed; the message names the problem."""


@dataclass(frozen=True)
class Scenario:
    """A named scenario: parameter overrides and dated events, with English and Chinese labels."""

    name: str
    name_zh: str = ""
    description: str = ""
    description_zh: str = ""
    parameters: dict[str, Any] = field(default_factory=dict)
    events: tuple[Event, ...] = ()
    hidden: bool = False
    source: str = ""
    colour: str = ""

    def params(self, overrides: dict[str, Any] | None = None):
        """Return validated parameters: defaults, then the scenario's overrides, then ``overrides``."""
        base = make_parameters(self.parameters)
        return make_parameters(overrides or {}, base=base)

    def label(self, lang: str = "en") -> str:
        """Scenario name in the chosen language."""
        return self.name_zh if lang == "zh" and self.name_zh else self.name

    def to_dict(self) -> dict:
        """Plain representation for manifests."""
        return {
            "name": self.name,
            "name_zh": self.name_zh,
            "description": self.description,
            "description_zh": self.description_zh,
            "parameters": dict(self.parameters),
            "events": [e.to_dict() for e in self.events],
            "source": self.source,
            "colour": self.colour,
        }


def _builtin_dir():
    return resources.files("jiesu.experiments").joinpath("scenarios")


def builtin_names(include_hidden: bool = False) -> list[str]:
    """Names of the built-in scenarios, in their listing order."""
    return list(_builtin_names(include_hidden))


@functools.lru_cache(maxsize=2)
def _builtin_names(include_hidden: bool) -> tuple[str, ...]:
    names = []
    for entry in sorted(_builtin_dir().iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            scenario = load_scenario(entry.name[: -len(".toml")])
            if include_hidden or not scenario.hidden:
                names.append(scenario.name)
    order = ["beijing", "no_reform", "pioneer_only", "horizontal", "top_down", "bottom_up", "all_channels"]
    return tuple(sorted(names, key=lambda n: (order.index(n) if n in order else len(order), n)))


def load_scenario(name_or_path: str | Path, _seen: tuple[str, ...] = ()) -> Scenario:
    """Load a built-in scenario by name, or a scenario file by path.

    Raises:
        ScenarioError: Unknown name, unreadable or malformed file, unknown keys, values of the
            wrong type, bad parameters or events, a name that cannot name a folder, or a cycle
            (or too long a chain) of ``extends``.
    """
    if not isinstance(name_or_path, str | Path):
        raise ScenarioError(f"a scenario is a built-in name or a .toml path in quotes, got {name_or_path!r}")
    data, source = _read(name_or_path)
    return _from_table(data, source, _seen)


def parse_scenario(text: str, source: str = "<text>") -> Scenario:
    """Load a scenario from the text of a scenario file.

    Raises:
        ScenarioError: As :func:`load_scenario`.
    """
    return _from_table(parse_toml(text, f"scenario {source}", ScenarioError), source, ())


def _from_table(data: dict, source: str, _seen: tuple[str, ...]) -> Scenario:
    if source in _seen:
        raise ScenarioError(f"scenario {source}: 'extends' forms a cycle ({' -> '.join(_seen)})")
    if len(_seen) >= LIMITS["extends"].high:
        raise ScenarioError(
            f"scenario {source}: more than {LIMITS['extends'].high} scenarios in a chain of 'extends': "
            f"{LIMITS['extends'].fix}"
        )
    check_types(data, SCHEMA, f"scenario {source}", ScenarioError)
    if "name" not in data:
        raise ScenarioError(f"scenario {source}: missing 'name'")
    try:
        check_name(data["name"], "its name")
    except UsageError as err:
        raise ScenarioError(f"scenario {source}: {err}") from None
    colour = data.get("colour", "")
    if colour and not _COLOUR.fullmatch(colour):
        raise ScenarioError(
            f'scenario {source}: colour must be written #rrggbb (e.g. "#0072B2"), got {colour!r}'
        )
    params = data.get("parameters", {})
    try:
        check_file_values(params)
        events = tuple(
            Event.from_dict(ev, where=f"event {k + 1}") for k, ev in enumerate(data.get("events", []))
        )
        if data.get("extends"):
            parent = load_scenario(data["extends"], (*_seen, source))
            merged = {**parent.parameters, **params}
            if not data.get("replace_events", False):
                events = parent.events + events
        else:
            merged = dict(params)
        make_parameters(merged)  # validate now: unknown names and bad values fail on load
    except (EventError, ParameterError) as err:
        raise ScenarioError(f"scenario {source}: {err}") from None
    return Scenario(
        name=data["name"],
        name_zh=data.get("name_zh", ""),
        description=data.get("description", ""),
        description_zh=data.get("description_zh", ""),
        parameters=merged,
        events=events,
        hidden=data.get("hidden", False),
        source=source,
        colour=colour,
    )


def _read(name_or_path: str | Path) -> tuple[dict, str]:
    if "\0" in str(name_or_path):
        raise ScenarioError(f"scenario {str(name_or_path)!r} holds a NUL character; give a name or a path")
    path = Path(name_or_path)
    if path.suffix == ".toml" and (len(path.parts) > 1 or _exists(path)):
        data, _ = read_toml(path, "scenario file", ScenarioError)
        return data, str(path)
    if path.suffix == ".toml" and not _builtin_dir().joinpath(path.name).is_file():
        raise ScenarioError(f"scenario file {path} does not exist")
    name = path.name[: -len(".toml")] if path.suffix == ".toml" else str(name_or_path)
    entry = _builtin_dir().joinpath(f"{name}.toml") if _NAME_ONLY.match(name) else None
    if entry is None or not entry.is_file():
        known = ", ".join(builtin_names())
        raise ScenarioError(
            f"unknown scenario {str(name_or_path)!r}; built-in: {known}, or give a path to a .toml file"
        )
    return parse_toml(entry.read_text(encoding="utf-8"), f"scenario builtin:{name}", ScenarioError), (
        f"builtin:{name}"
    )


_NAME_ONLY = re.compile(r"^[a-z0-9_]+$")


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except (OSError, ValueError):  # a name too long for the system is no file either
        return False
