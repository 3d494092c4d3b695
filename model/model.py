"""The jiesu model: citizens, handling units, city and higher governments, month by month.

Step order each month (one ``step`` = one calendar month):

1. dated events of the scenario (pioneer adoption, mandates, endorsements, ...);
2. higher governments: the centre recognises the reform when evidence suffices, issues
   mandates that are due; sector bodies adopt;
3. diffusion: cities adopt, take up elements, institutionalise or abandon
   (:mod:`agents.diffusion`);
4. the city month (:meth:`JiesuModel.city_month`): the regime of every handling unit follows
   from its city's elements (:mod:`agents.governance`); citizens decide what to file
   (:mod:`agents.citizens`); units receive, handle, and are evaluated (:mod:`agents.handling`);
   cities move their slow states (每月一题, self-governance, knowledge base, merged hotlines,
   online channels, expectations); citizens learn and awareness spreads;
5. outcomes are recorded; the centre adds the adopters' satisfaction gains to its evidence.

Before the first recorded month the city month runs ``burn_in_months`` times on its own (no
events, no diffusion, nothing recorded), so that the model starts at its pre-reform equilibrium.

Example:
    >>> from jiesu.model import JiesuModel, make_parameters
    >>> m = JiesuModel(make_parameters({"end": "2018-06"}), seed=1)
    >>> df = m.run().timeseries
    >>> df["month"].iloc[-1]
    '2018-06'
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np
import pandas as pd
from jiesu.agents import diffusion, governance
from jiesu.agents.citizens import Citizens
from jiesu.agents.city import CityGovernment, CityState
from jiesu.agents.handling import HandlingUnits
from jiesu.agents.higher import SECTORS, CentralGovernment, ProvinceGovernment, SectorBody
from jiesu.agents.peers import PeerNetwork
from jiesu.agents.problems import ProblemStructure
from jiesu.agents.reform import ELEMENT_NAMES
from jiesu.model.calendar import format_month, parse_month
from jiesu.model.events import Event, EventError
from jiesu.model.geography import NATIONAL_ID, Geography, UnknownCityError, build_geography
from jiesu.model.outcomes import OUTCOME_INDEX, OUTCOME_NAMES
from jiesu.model.parameters import make_parameters
from jiesu.model.streams import make_streams

#: Unit counts summed per city each month (for outcomes and the cities' slow states).
_COUNTS = (
    "requests",
    "inquiries",
    "work_orders",
    "pending",
    "queue",
    "handled",
    "resolved",
    "satisfied",
    "reported_satisfied",
    "backlog",
    "cost",
    "redirected",
    "siphon",
)


@dataclass
class RunResult:
    """What one run produces: tidy city-month table and event table (plus the model)."""

    timeseries: pd.DataFrame
    events: pd.DataFrame
    model: JiesuModel


class JiesuModel(mesa.Model):
    """Agent-based model of the 接诉即办 reform and its diffusion.

    Args:
        params: Validated parameters (:func:`model.parameters.make_parameters`); defaults if None.
        seed: Root seed: determines every random stream.
        replicate: Replicate number; replicate ``r`` of every scenario shares its streams.
        events: Dated events of the scenario.
        scenario: Scenario name, recorded in the outputs.
        run_id: Identifier recorded in the outputs.

    Attributes:
        records: Outcomes recorded each month, float64, outcome x month x city (the order of
            :data:`model.outcomes.OUTCOME_NAMES`); :meth:`city_table` is a view of it.
        hazards: Adoption hazards by source, float32, month x city x source (NaN where a city
            is not at risk).
    """

    def __init__(
        self,
        params=None,
        *,
        seed: int = 0,
        replicate: int = 0,
        events: list[Event] | tuple[Event, ...] = (),
        scenario: str = "custom",
        run_id: str = "run-0",
    ):
        self.p = params if params is not None else make_parameters()
        self.streams = make_streams(seed, replicate)
        super().__init__(rng=int(self.streams["mesa"].integers(2**31)))
        self.seed, self.replicate, self.scenario_name, self.run_id = seed, replicate, scenario, run_id
        self.months = list(range(parse_month(self.p.start), parse_month(self.p.end) + 1))
        self.month = self.months[0]
        self.event_log: list[tuple] = []

        self.geography: Geography = build_geography(self.p, self.streams["network"])
        self.n_cities = self.geography.n
        self.peers = PeerNetwork(self.geography, self.p)
        self.problems = ProblemStructure.build(self.p.problems_per_category, self.p.problem_concentration)
        self.problem_group = self.problems.by_group()
        self.problem_private = self.problems.private()
        # the columns of each group's problems and of the private matters (agents.governance.voiced_sums)
        self.problem_columns = tuple(np.flatnonzero(self.problem_group == g) for g in range(3))
        self.private_columns = np.flatnonzero(self.problem_private)
        self.cities = CityState.initial(
            self.n_cities, len(ELEMENT_NAMES), self.problems.n, self.p, self._fit(), self._quality()
        )
        self.city_agents = [
            CityGovernment(self, i, uid, name)
            for i, (uid, name) in enumerate(zip(self.geography.unit_id, self.geography.name_en, strict=True))
        ]
        self.central = CentralGovernment(self)
        provinces = dict(zip(self.geography.province_id, self.geography.province_en, strict=True))
        self.provinces = {pid: ProvinceGovernment(self, pid, name) for pid, name in provinces.items()}
        self._province_of = [self.provinces[pid] for pid in self.geography.province_id]
        # each city's province as an index into self.provinces (for per-province work done once)
        order = {pid: k for k, pid in enumerate(self.provinces)}
        self._province_index = np.array([order[pid] for pid in self.geography.province_id], dtype=np.int64)
        self.sectors = [SectorBody(self, key, zh) for key, zh in SECTORS]
        self._build_population()
        self.pioneer_cities = self._resolve_pioneer()
        self.pioneer_index = int(self.pioneer_cities[0]) if self.pioneer_cities.size else None
        self.scheduled = self._schedule(list(events))
        # outcome x month x city: a month's outcome is one contiguous row, and the city table one block
        self.records = np.full((len(OUTCOME_NAMES), len(self.months), self.n_cities), np.nan)
        self.hazards = np.full((len(self.months), self.n_cities, len(diffusion.SOURCES)), np.nan, np.float32)
        self._burn_in()

    # --- construction -------------------------------------------------------------------
    def _fit(self) -> np.ndarray:
        g, p = self.geography, self.p
        fit = 1 + p.fit_population_elasticity * np.log10(g.population / 5e6) - p.fit_rural_penalty * g.rural
        return np.clip(fit, 0.1, 1.5)

    def _quality(self) -> np.ndarray:
        """Each city's pre-reform resolution probability: log-odds spread by ``city_quality_sd``.

        The spread uses standardised draws (mean 0, sd 1 across the cities), so the mean over
        cities stays at ``resolution_base`` and a lone city keeps it exactly.
        """
        p, n = self.p, self.n_cities
        z = self.streams["heterogeneity"].standard_normal(n)
        z = (z - z.mean()) / z.std() if n > 1 and z.std() > 0 else np.zeros(n)
        base = np.clip(p.resolution_base, 1e-6, 1 - 1e-6)
        return 1 / (1 + np.exp(-(np.log(base / (1 - base)) + p.city_quality_sd * z)))

    def _build_population(self) -> None:
        p, g = self.p, self.geography
        n_units = np.maximum(1, np.round(g.population / p.residents_per_unit)).astype(np.int64)
        unit_city = np.repeat(np.arange(self.n_cities), n_units)
        residents = g.population[unit_city] / n_units[unit_city]
        per_unit = np.maximum(1, np.round(residents / p.residents_per_citizen)).astype(np.int64)
        self.units = HandlingUnits(unit_city, residents, p)
        self.unit_weight = residents / per_unit  # residents each citizen of the unit stands for
        self.citizens = Citizens(per_unit, p, self.streams["population"])
        self.city_unit_start = np.concatenate(([0], np.cumsum(n_units)[:-1]))
        citizens_per_city = np.bincount(unit_city, weights=per_unit).astype(np.int64)
        self._city_citizen_start = np.concatenate(([0], np.cumsum(citizens_per_city)[:-1]))
        self.citizens.sum_over(self._city_citizen_start)  # end_month returns the cities' sums

    def _resolve_pioneer(self) -> np.ndarray:
        name = self.p.pioneer.strip()
        if name.lower() == "none":
            return np.array([], dtype=np.int64)
        return self.geography.resolve(name)

    def _schedule(self, events: list[Event]) -> dict[int, list[tuple[Event, np.ndarray | None]]]:
        """Validate event targets now (before running) and index events by month."""
        if self.pioneer_index is not None:
            for i in self.pioneer_cities:
                events.insert(
                    0,
                    Event(
                        self.p.reform_start,
                        "adopt",
                        self.geography.unit_id[i],
                        tuple(self.p.pioneer_elements.split(","))
                        if self.p.pioneer_elements != "none"
                        else (),
                        channel="pioneer",
                    ),
                )
        schedule: dict[int, list] = {}
        for ev in events:
            targets = None
            if ev.kind in ("adopt", "add_element", "institutionalise", "abandon"):
                targets = self.geography.resolve(ev.target)
            elif ev.kind == "mandate" and ev.target != "national" and self._province(ev.target) is None:
                raise UnknownCityError(
                    f"mandate on {ev.month}: unknown province {ev.target!r} in this geography; "
                    f"valid: national, {', '.join(sorted(p.name for p in self.provinces.values()))}"
                )
            elif ev.kind == "sector_adopt" and ev.target not in {s.name for s in self.sectors}:
                raise EventError(
                    f"sector_adopt on {ev.month}: unknown sector {ev.target!r}; "
                    f"valid: {', '.join(s.name for s in self.sectors)}"
                )
            schedule.setdefault(parse_month(ev.month), []).append((ev, targets))
        return schedule

    def _province(self, name: str) -> ProvinceGovernment | None:
        for prov in self.provinces.values():
            if name in (prov.unit_id, prov.name):
                return prov
        return None

    # --- helpers used by agents ---------------------------------------------------------
    def record_event(self, agent, event: str, channel: str, elements) -> None:
        """Append an event (adoption, mandate, ...) to the run's event log."""
        level = (
            "city"
            if isinstance(agent, CityGovernment)
            else "province"
            if isinstance(agent, ProvinceGovernment)
            else "sector"
            if isinstance(agent, SectorBody)
            else "national"
        )
        unit = getattr(agent, "unit_id", NATIONAL_ID)
        self.event_log.append((self.month, unit, level, event, channel, ",".join(elements)))

    def mandates_by_city(self) -> list:
        """The mandate each city must follow: the earliest deadline of national and provincial."""
        return list(self.mandates_in_force())

    def mandates_in_force(self) -> diffusion.MandatesInForce:
        """The mandate each city must follow, chosen once per province (see :class:`MandatesInForce`).

        The earliest deadline of the national and the provincial mandate; the national one on a tie.
        """
        national = self.central.mandate
        chosen: list = []
        for prov in self.provinces.values():
            options = [m for m in (national, prov.mandate) if m is not None]
            chosen.append(min(options, key=lambda m: m.deadline) if options else None)
        distinct = list({id(m): m for m in chosen if m is not None}.values())
        slot = {id(m): k for k, m in enumerate(distinct)}
        by_province = np.array([slot[id(m)] if m is not None else -1 for m in chosen], dtype=np.int64)
        which = by_province[self._province_index] if distinct else np.full(self.n_cities, -1, np.int64)
        return diffusion.MandatesInForce(distinct, which)

    def record_hazards(self, hazards: np.ndarray) -> None:
        """Store this month's adoption hazards by source (NaN for cities not at risk)."""
        if self.months[0] <= self.month <= self.months[-1]:
            self.hazards[self.month - self.months[0]] = hazards

    # --- the month ----------------------------------------------------------------------
    def step(self) -> None:
        """Advance the model by one calendar month."""
        self._apply_events()
        self.central.step()
        for sector in self.sectors:
            sector.step()
        mandates = diffusion.mandate_hazard(self)
        diffusion.step_adoption(self, mandates)
        diffusion.step_elements(self, mandates)
        diffusion.step_durability(self, mandates)
        out, counts = self.city_month()
        self._record(out, counts)
        self.central.accumulate_evidence(self.cities.gain())
        if self.month < self.months[-1]:
            self.month += 1

    def city_month(self) -> tuple[dict, dict]:
        """One month of every city's hotline: citizens decide, units handle, cities govern.

        Returns:
            The units' counts (see :meth:`HandlingUnits.month`) and their sums per city.
        """
        regime, ctx, learning, ceiling = governance.regime(self)
        sums = self.citizens.decide(ctx)
        rates = np.column_stack([ctx.rate_consult, ctx.rate_community, ctx.rate_public])
        expected = self.unit_weight[:, None] * rates * sums[:, :3]
        out = self.units.month(expected, regime, self.streams["handling"])
        self.units.evaluate(regime)
        # column by column: the same sums as of the stacked columns, without copying them
        starts = self.city_unit_start
        counts = {k: np.add.reduceat(np.asarray(out[k], dtype=float), starts) for k in _COUNTS}
        governance.govern(self, counts, sums)
        self._citizen_sums = self.citizens.end_month(
            out["satisfied_share"], learning, ceiling, self.p.awareness_rate, self.streams["citizens"]
        )
        self._smooth_satisfaction(counts)
        return out, counts

    def _burn_in(self) -> None:
        """Run the city month ``burn_in_months`` times before the first recorded month."""
        first = self.months[0]
        for k in range(self.p.burn_in_months, 0, -1):
            self.month = first - k
            self.city_month()
        self.month = first

    def _apply_events(self) -> None:
        for ev, targets in self.scheduled.get(self.month, []):
            if targets is not None:
                for i in targets:
                    self._apply_city_event(ev, self.city_agents[int(i)])
            elif ev.kind == "mandate":
                deadline = parse_month(ev.deadline)
                issuer = self.central if ev.target == "national" else self._province(ev.target)
                issuer.issue_mandate(deadline, ev.elements, ev.channel)
            elif ev.kind == "endorsement":
                self.central.endorse(ev.channel)
            elif ev.kind == "recognition":
                self.central.recognise()
            elif ev.kind == "sector_adopt":
                next(s for s in self.sectors if s.name == ev.target).adopt(ev.channel)

    @staticmethod
    def _apply_city_event(ev: Event, agent: CityGovernment) -> None:
        """Apply a dated city event; one that needs the reform is skipped (and logged) without it."""
        if ev.kind == "adopt":
            agent.add_elements(ev.elements or ("unified_hotline",), ev.channel)
        elif not agent.runs_reform:
            agent.skip(ev.kind, ev.channel, ev.elements)
        elif ev.kind == "add_element":
            agent.add_elements(ev.elements, ev.channel)
        elif ev.kind == "institutionalise":
            agent.institutionalise(ev.channel)
        else:
            agent.abandon(ev.channel)

    def _smooth_satisfaction(self, counts: dict) -> None:
        """Update each city's smoothed satisfaction (what peers, centre and itself observe)."""
        s = self.cities
        with np.errstate(invalid="ignore", divide="ignore"):
            sat = counts["reported_satisfied"] / counts["pending"]
        ok = ~np.isnan(sat)
        old = s.satisfaction[ok]
        s.satisfaction[ok] = np.where(np.isnan(old), sat[ok], 0.7 * old + 0.3 * sat[ok])

    def _record(self, out: dict, c: dict) -> None:
        s, p = self.cities, self.p
        starts = self.city_unit_start
        n_units = np.diff(np.append(starts, self.units.n))
        overload = np.add.reduceat((self.units.effort > p.overload_threshold).astype(float), starts)
        effort = np.add.reduceat(self.units.effort, starts)
        cit_starts = self._city_citizen_start
        n_cit = np.diff(np.append(cit_starts, self.citizens.n))
        pop = self.geography.population
        trust, awareness = self._citizen_sums  # of this month's end_month (Citizens.sum_over)
        with np.errstate(invalid="ignore", divide="ignore"):
            values = {
                "requests": c["requests"],
                "requests_per_10k": c["requests"] / pop * 1e4,
                "inquiries": c["inquiries"],
                "work_orders": c["work_orders"],
                "response_rate": c["handled"] / c["pending"],
                "resolution_rate": c["resolved"] / c["queue"],
                "satisfaction_rate": c["reported_satisfied"] / c["pending"],
                "true_satisfaction_rate": c["satisfied"] / c["pending"],
                "backlog": c["backlog"],
                "delay_months": c["backlog"] / c["handled"],
                "trust_mean": trust / n_cit,
                "awareness_mean": awareness / n_cit,
                "scope": p.scope_fragmented + (1 - p.scope_fragmented) * s.merged,
                "online_share": s.online,
                "expectation": s.expectation,
                "self_governance": s.self_governance,
                "problem_rate": p.problem_rate * (s.root @ self.problems.share),
                "effort_mean": effort / n_units,
                "overload_share": overload / n_units,
                "gov_cost": c["cost"],
                "redirected": c["redirected"],
                "siphoned": c["siphon"],
                "adopted": s.adopted.astype(float),
                "n_elements": s.elements.sum(axis=1).astype(float),
                "institutionalised": s.institutionalised.astype(float),
            }
        month = self.month - self.months[0]
        for name, v in values.items():
            self.records[OUTCOME_INDEX[name], month] = v

    # --- running ------------------------------------------------------------------------
    def run(self, progress=None) -> RunResult:
        """Run every month from start to end and return the tidy results.

        Args:
            progress: Optional callable, called with no argument after each month.
        """
        for _ in self.months:
            self.step()
            if progress is not None:
                progress()
        return RunResult(self.city_table(), self.event_table(), self)

    def release(self) -> None:
        """Drop the model's agents so the model can be garbage-collected.

        mesa 3.3 keeps a class-level counter keyed by model (``Agent._ids``) that holds every
        model alive; sweeps of thousands of runs call this after each run to keep memory flat.
        """
        self.remove_all_agents()
        ids = getattr(mesa.Agent, "_ids", None)
        if ids is not None:
            ids.pop(self, None)
        self.city_agents, self.sectors, self.provinces = [], [], {}

    def city_table(self) -> pd.DataFrame:
        """Tidy table: one row per city and month, outcome columns as declared.

        The outcome columns share memory with ``records`` (outcome x month x city) instead of
        copying it: a change made to them in place shows in ``records`` too.
        """
        t, n = len(self.months), self.n_cities
        g = self.geography
        # (rows, outcomes) in column order: the outcome columns are one block over the records, not a
        # copy of them (hundreds of megabytes for thousands of cities; fresh memory is slow to get)
        values = self.records.reshape(len(OUTCOME_NAMES), t * n).T
        df = pd.DataFrame(values, columns=list(OUTCOME_NAMES), copy=False)
        df.insert(0, "month", _repeated([format_month(m) for m in self.months], np.repeat(np.arange(t), n)))
        df.insert(1, "level", "city")
        identity = {
            "unit_id": g.unit_id,
            "name_en": g.name_en,
            "name_zh": g.name_zh,
            "province_id": g.province_id,
            "province_en": g.province_en,
            "province_zh": g.province_zh,
        }
        cities = np.tile(np.arange(n), t)
        for k, (column, values) in enumerate(identity.items()):
            df.insert(2 + k, column, _repeated(values, cities))
        df.insert(2 + len(identity), "population", g.population[cities])
        for col in ("adopted", "institutionalised"):
            df[col] = df[col].astype(bool)
        return df

    def event_table(self) -> pd.DataFrame:
        """One row per event: month, unit, level, event, channel, elements."""
        df = pd.DataFrame(
            self.event_log, columns=["month", "unit_id", "level", "event", "channel", "elements"]
        )
        df["month"] = [format_month(m) for m in df["month"]]
        return df


def _repeated(texts, index: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """``texts[index]`` as a string column, each distinct text converted once (not once per row)."""
    return pd.array(np.asarray(texts, dtype=object), dtype=pd.StringDtype(na_value=np.nan)).take(index)
