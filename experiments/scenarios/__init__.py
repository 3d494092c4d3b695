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

import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from jiesu.model.events import Event, EventError
from jiesu.model.parameters import ParameterError, make_parameters

_KEYS = {
    "name",
    "name_zh",
    "description",
    "description_zh",
    "extends",
    "parameters",
    "events",
    "replace_events",
    "hidden",
    "colour",
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
    names = []
    for entry in sorted(_builtin_dir().iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            scenario = load_scenario(entry.name[: -len(".toml")])
            if include_hidden or not scenario.hidden:
                names.append(scenario.name)
    order = ["beijing", "no_reform", "pioneer_only", "horizontal", "top_down", "bottom_up", "all_channels"]
    return sorted(names, key=lambda n: (order.index(n) if n in order else len(order), n))


def load_scenario(name_or_path: str | Path, _seen: tuple[str, ...] = ()) -> Scenario:
    """Load a built-in scenario by name, or a scenario file by path.

    Raises:
        ScenarioError: Unknown name, unreadable or malformed file, unknown keys, bad
            parameters or events, or a cycle of ``extends``.
    """
    text, source = _read(name_or_path)
    if source in _seen:
        raise ScenarioError(f"scenario {source}: 'extends' forms a cycle ({' -> '.join(_seen)})")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(f"scenario {source}: not valid TOML ({err})") from None
    unknown = set(data) - _KEYS
    if unknown:
        raise ScenarioError(f"scenario {source}: unknown key(s) {sorted(unknown)}; allowed: {sorted(_KEYS)}")
    if "name" not in data:
        raise ScenarioError(f"scenario {source}: missing 'name'")
    colour = str(data.get("colour", ""))
    if colour and not _COLOUR.match(colour):
        raise ScenarioError(
            f'scenario {source}: colour must be written #rrggbb (e.g. "#0072B2"), got {colour!r}'
        )
    params = data.get("parameters", {})
    if not isinstance(params, dict):
        raise ScenarioError(f"scenario {source}: [parameters] must be a table of NAME = value")
    raw_events = data.get("events", [])
    if not isinstance(raw_events, list):
        raise ScenarioError(f"scenario {source}: events must be an array of tables ([[events]])")
    try:
        events = tuple(Event.from_dict(ev, where=f"event {k + 1}") for k, ev in enumerate(raw_events))
        parent = None
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
        name=str(data["name"]),
        name_zh=str(data.get("name_zh", "")),
        description=str(data.get("description", "")),
        description_zh=str(data.get("description_zh", "")),
        parameters=merged,
        events=events,
        hidden=bool(data.get("hidden", False)),
        source=source,
        colour=colour,
    )


def _read(name_or_path: str | Path) -> tuple[str, str]:
    path = Path(name_or_path)
    if path.suffix == ".toml" and path.exists():
        try:
            return path.read_text(encoding="utf-8"), str(path)
        except OSError as err:
            raise ScenarioError(f"cannot read scenario file {path}: {err}") from None
    if path.suffix == ".toml" and (len(path.parts) > 1 or not _builtin_dir().joinpath(path.name).is_file()):
        raise ScenarioError(f"scenario file {path} does not exist")
    entry = _builtin_dir().joinpath(path.name if path.suffix == ".toml" else f"{name_or_path}.toml")
    if not entry.is_file():
        known = ", ".join(builtin_names())
        raise ScenarioError(
            f"unknown scenario {str(name_or_path)!r}; built-in: {known}, or give a path to a .toml file"
        )
    return entry.read_text(encoding="utf-8"), f"builtin:{entry.name[:-5]}"
