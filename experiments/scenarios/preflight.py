"""Everything a run needs, checked before any run starts: the validation every command passes.

:func:`check_run` takes a scenario and the overrides of a run and checks what the model would
otherwise find only when it is built, or never: the parameters (types, ranges, start before
end), the length of the period (a declared limit), the pioneer city, and every event's target in
the geography the run simulates (cities for adopt, add_element, institutionalise and abandon;
provinces for mandates; sector bodies for sector_adopt). Events dated before the first
simulated month would never happen, so they are refused; events after the last month are
reported in a note, since a shorter run than the scenario's horizon is a common choice.

Geographies are built once per process for each kind (the same code the model uses), so
checking many scenarios costs little.

Example:
    >>> from jiesu.experiments.scenarios import load_scenario
    >>> check_run(load_scenario("beijing"), {"end": "2018-06"})[0][:40]
    'scenario beijing: 2 events after the end'
"""

from __future__ import annotations

import functools

from jiesu.experiments.limits import LIMITS
from jiesu.model.calendar import parse_month
from jiesu.model.events import EVENT_KINDS, EventError
from jiesu.model.parameters import ParameterError

_CITY_KINDS = {k for k, (target, _, _) in EVENT_KINDS.items() if target == "city"}


def check_run(scenario, overrides: dict | None = None) -> list[str]:
    """Check a run of ``scenario`` with ``overrides`` before it starts; return notes for the user.

    Raises:
        ParameterError: Bad parameters, or a period longer than the declared limit.
        UnknownCityError: An unknown pioneer, city or province.
        EventError: An event before the first month, an unknown sector.
    """
    params = scenario.params(overrides)
    first, last = parse_month(params.start), parse_month(params.end)
    period = LIMITS["period"]
    if last - first + 1 > period.high:
        raise ParameterError(
            f"{params.start} to {params.end} is {last - first + 1:,} months, above the limit of "
            f"{period.rule}: {period.fix}"
        )
    geography = _geography(params.geography, params.synthetic_cities, params.peer_neighbours)
    where = f"scenario {scenario.name}"
    if params.pioneer.strip().lower() != "none":
        geography.resolve(params.pioneer)
        if parse_month(params.reform_start) < first:
            raise ParameterError(
                f"{where}: the pioneer adopts in {params.reform_start}, before the first simulated month "
                f"{params.start}, and would never adopt: start on or before {params.reform_start}, or "
                "set pioneer=none"
            )
    after = []
    for k, event in enumerate(scenario.events):
        label = f"{where}: event {k + 1} ({event.kind} {event.month})"
        _check_target(event, geography, label)
        month = parse_month(event.month)
        if month < first:
            raise EventError(
                f"{label} comes before the first simulated month {params.start} and would never "
                f"happen: start on or before {event.month}, or use a scenario without it"
            )
        if month > last:
            after.append(event.month)
    notes = []
    if after:
        notes.append(
            f"{where}: {len(after)} events after the end {params.end} will not happen "
            f"(first {min(after)}); set end={max(after)} or later to include them"
        )
    if params.pioneer.strip().lower() != "none" and parse_month(params.reform_start) > last:
        notes.append(f"{where}: the pioneer adopts in {params.reform_start}, after the end {params.end}")
    return notes


def check_city(scenario, overrides: dict | None, city: str) -> None:
    """Check that ``city`` is the English name of a simulated city (a calibration's data rows).

    Raises:
        UnknownCityError: Naming close matches.
    """
    from jiesu.model.geography import UnknownCityError

    params = scenario.params(overrides)
    geography = _geography(params.geography, params.synthetic_cities, params.peer_neighbours)
    geography.resolve(city)
    if city not in geography.name_en.tolist():
        raise UnknownCityError(f"city {city!r}: give the city's English name as the data rows use it")


def _check_target(event, geography, label: str) -> None:
    from jiesu.agents.higher import SECTORS
    from jiesu.model.geography import UnknownCityError

    try:
        if event.kind in _CITY_KINDS:
            geography.resolve(event.target)
        elif event.kind == "mandate" and event.target != "national":
            provinces = {*geography.province_en.tolist(), *geography.province_id.tolist()}
            if event.target not in provinces:
                valid = ", ".join(sorted(set(geography.province_en.tolist())))
                raise UnknownCityError(f"unknown province {event.target!r}; valid: national, {valid}")
        elif event.kind == "sector_adopt" and event.target not in {key for key, _ in SECTORS}:
            raise EventError(f"unknown sector {event.target!r}; valid: {', '.join(k for k, _ in SECTORS)}")
    except (UnknownCityError, EventError) as err:
        raise type(err)(f"{label}: {err}") from None


def geography_of(params):
    """The geography a run with these parameters simulates (built once per process and kind)."""
    return _geography(params.geography, params.synthetic_cities, params.peer_neighbours)


@functools.lru_cache(maxsize=8)
def _geography(kind: str, synthetic_cities: int, peer_neighbours: int):
    """The geography a run of this kind simulates (names and codes are what the checks need)."""
    import numpy as np
    from jiesu.model.geography import build_geography
    from jiesu.model.parameters import make_parameters

    params = make_parameters(
        {"geography": kind, "synthetic_cities": synthetic_cities, "peer_neighbours": peer_neighbours}
    )
    return build_geography(params, np.random.default_rng(0))
