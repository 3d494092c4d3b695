"""Dated events of a scenario: things that happen at a given month whatever the dynamics.

An event names its ``kind``, its month, its ``target`` (a city, a province, ``national`` or a
sector) and, depending on the kind, the elements, deadline and channel. Events are validated
when the model is built, so a bad target fails before anything runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from jiesu.agents.reform import CHANNELS, MANDATE_CORE, parse_elements
from jiesu.model.calendar import MonthError, parse_month

#: kind -> (what the target is, default channel, meaning)
EVENT_KINDS: dict[str, tuple[str, str, str]] = {
    "adopt": ("city", "pioneer", "a city adopts the reform with the given elements"),
    "add_element": ("city", "internal", "a city takes up further elements"),
    "institutionalise": ("city", "internal", "a city passes a local regulation"),
    "abandon": ("city", "internal", "a city drops the reform"),
    "mandate": ("national or province", "top_down", "order to adopt the elements by the deadline"),
    "endorsement": ("national", "top_down", "the centre names the reform a typical experience"),
    "recognition": ("national", "bottom_up", "the centre takes up the local innovation"),
    "sector_adopt": ("sector", "bottom_up", "a central sector body adopts the method"),
}


class EventError(ValueError):
    """An event in a scenario is malformed; the message names the event and the fix."""


@dataclass(frozen=True)
class Event:
    """One dated event.

    Attributes:
        month: ``YYYY-MM``.
        kind: One of :data:`EVENT_KINDS`.
        target: City name or adcode, province name, ``national``, or a sector key.
        elements: Elements concerned (adopt, add_element, mandate).
        deadline: ``YYYY-MM`` deadline of a mandate.
        channel: Channel to which the event is attributed.
        note: Free text, e.g. the source.
    """

    month: str
    kind: str
    target: str = "national"
    elements: tuple[str, ...] = ()
    deadline: str | None = None
    channel: str = ""
    note: str = field(default="", compare=False)

    @classmethod
    def from_dict(cls, data: dict, where: str = "event") -> Event:
        """Build and validate an event from a scenario-file table.

        Raises:
            EventError: For unknown keys or kinds, bad months, a missing deadline, or
                unknown elements or channels.
        """
        if not isinstance(data, dict):
            raise EventError(
                f"{where}: an event must be a table ([[events]] with month, kind, ...), got {data!r}"
            )
        allowed = {"month", "kind", "target", "elements", "deadline", "channel", "note"}
        unknown = set(data) - allowed
        if unknown:
            raise EventError(f"{where}: unknown key(s) {sorted(unknown)}; allowed: {sorted(allowed)}")
        for key in ("month", "kind"):
            if key not in data:
                raise EventError(f"{where}: missing {key!r}")
        _check_types(data, where)
        kind = data["kind"]
        if kind not in EVENT_KINDS:
            raise EventError(f"{where}: unknown kind {kind!r}; valid: {', '.join(EVENT_KINDS)}")
        try:
            month = _month(data["month"])
            deadline = None if data.get("deadline") is None else _month(data["deadline"])
        except MonthError as err:
            raise EventError(f"{where}: {err}") from None
        if kind == "mandate" and deadline is None:
            raise EventError(f"{where}: a mandate needs a deadline (YYYY-MM)")
        if kind != "mandate" and deadline is not None:
            raise EventError(f"{where}: only a mandate has a deadline; remove it from this {kind}")
        if deadline is not None and deadline < month:
            raise EventError(
                f"{where}: the deadline {data['deadline']} comes before the mandate's month {data['month']}; "
                "give a deadline on or after it"
            )
        target = str(data.get("target", "national")).strip()
        if EVENT_KINDS[kind][0] == "national" and target != "national":
            article = "an" if kind[0] in "aeiou" else "a"
            raise EventError(
                f"{where}: {article} {kind} comes from the centre: its target is 'national', got {target!r}"
            )
        raw = data.get("elements", [])
        try:
            elements = parse_elements(raw if isinstance(raw, str) else ",".join(map(str, raw)))
        except ValueError as err:
            raise EventError(f"{where}: {err}") from None
        if kind == "mandate" and not elements:
            elements = MANDATE_CORE
        channel = str(data.get("channel") or EVENT_KINDS[kind][1])
        if channel not in CHANNELS:
            raise EventError(f"{where}: unknown channel {channel!r}; valid: {', '.join(CHANNELS)}")
        return cls(
            month=str(data["month"]),
            kind=kind,
            target=target,
            elements=elements,
            deadline=None if data.get("deadline") is None else str(data["deadline"]),
            channel=channel,
            note=str(data.get("note", "")),
        )

    def to_dict(self) -> dict:
        """Return the event as a plain table (for manifests and scenario files)."""
        out = {"month": self.month, "kind": self.kind, "target": self.target, "channel": self.channel}
        if self.elements:
            out["elements"] = list(self.elements)
        if self.deadline:
            out["deadline"] = self.deadline
        if self.note:
            out["note"] = self.note
        return out


#: Declared types of an event's keys: key -> (accepted types, what to write).
_TYPES: dict[str, tuple[tuple[type, ...], str]] = {
    "month": ((str,), 'a month in quotes, e.g. "2019-01"'),
    "kind": ((str,), f"one of {', '.join(EVENT_KINDS)} in quotes"),
    "target": ((str, int), 'a city, province, sector or "national" in quotes, or an adcode'),
    "elements": ((str, list), 'text or a list of texts, e.g. "core" or ["feedback"]'),
    "deadline": ((str,), 'a month in quotes, e.g. "2021-12"'),
    "channel": ((str,), "a channel in quotes"),
    "note": ((str,), "text in quotes"),
}


def _check_types(data: dict, where: str) -> None:
    for key, value in data.items():
        types, say = _TYPES[key]
        wrong_list = isinstance(value, list) and not all(isinstance(v, str) for v in value)
        if isinstance(value, bool) or wrong_list or not isinstance(value, types):
            raise EventError(f"{where}: {key} must be {say}, got {value!r}")


def _month(text: str) -> int:
    """The month index of ``text``; months are written in ASCII digits."""
    if not text.isascii():
        raise MonthError(f"{text!r} is not a month: write it in ASCII digits as YYYY-MM, e.g. 2019-01")
    return parse_month(text)
