"""The jiesu model: citizens, handling units, city and higher governments, month by month.

Step order each month (one ``step`` = one calendar month):

1. dated events of the scenario (pioneer adoption, mandates, endorsements, ...);
2. higher governments: the centre recognises the reform when evidence suffices, issues
   mandates that are due; sector bodies adopt;
3. diffusion: cities adopt, take up elements, institutionalise or abandon
   (:mod:`agents.diffusion`);
4. the regime of every handling unit follows from its city's elements;
5. citizens decide what to file (:mod:`agents.citizens`); units receive, handle, and are
   evaluated (:mod:`agents.handling`);
6. cities with proactive governance fix their top categories; self-governance and the
   knowledge base move toward their targets; problems regrow;
7. citizens learn from outcomes and awareness spreads; outcomes are recorded; the centre adds
   the adopters' satisfaction gains to its evidence (bottom-up recognition).

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
from jiesu.agents import diffusion
from jiesu.agents.citizens import Citizens, UnitContext
from jiesu.agents.city import CityGovernment, CityState
from jiesu.agents.handling import HandlingUnits, Regime
from jiesu.agents.higher import SECTORS, CentralGovernment, ProvinceGovernment, SectorBody
from jiesu.agents.peers import PeerNetwork
from jiesu.agents.reform import CATEGORIES, ELEMENT_NAMES, GROUPS
from jiesu.model.calendar import format_month, parse_month
from jiesu.model.events import Event, EventError
from jiesu.model.geography import NATIONAL_ID, Geography, UnknownCityError, build_geography
from jiesu.model.outcomes import OUTCOME_INDEX, OUTCOME_NAMES
from jiesu.model.parameters import make_parameters
from jiesu.model.streams import make_streams

_SHARES = np.array([c.share for c in CATEGORIES]) / sum(c.share for c in CATEGORIES)
_GROUP_OF = np.array([GROUPS.index(c.group) for c in CATEGORIES])
_PRIVATE = np.array([c.private for c in CATEGORIES])


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
        self.cities = CityState.initial(
            self.n_cities, len(ELEMENT_NAMES), len(CATEGORIES), self.p, self._fit()
        )
        self.city_agents = [
            CityGovernment(self, i, uid, name)
            for i, (uid, name) in enumerate(zip(self.geography.unit_id, self.geography.name_en, strict=True))
        ]
        self.central = CentralGovernment(self)
        provinces = dict(zip(self.geography.province_id, self.geography.province_en, strict=True))
        self.provinces = {pid: ProvinceGovernment(self, pid, name) for pid, name in provinces.items()}
        self._province_of = [self.provinces[pid] for pid in self.geography.province_id]
        self.sectors = [SectorBody(self, key, zh) for key, zh in SECTORS]
        self._build_population()
        self.pioneer_index = self._resolve_pioneer()
        self.scheduled = self._schedule(list(events))
        self.records = np.full((len(self.months), self.n_cities, len(OUTCOME_NAMES)), np.nan)

    # --- construction -------------------------------------------------------------------
    def _fit(self) -> np.ndarray:
        g, p = self.geography, self.p
        fit = 1 + p.fit_population_elasticity * np.log10(g.population / 5e6) - p.fit_rural_penalty * g.rural
        return np.clip(fit, 0.1, 1.5)

    def _build_population(self) -> None:
        p, g = self.p, self.geography
        n_units = np.maximum(1, np.round(g.population / p.residents_per_unit)).astype(np.int64)
        unit_city = np.repeat(np.arange(self.n_cities), n_units)
        residents = g.population[unit_city] / n_units[unit_city]
        per_unit = np.maximum(1, np.round(residents / p.residents_per_citizen)).astype(np.int64)
        self.units = HandlingUnits(unit_city, residents, p)
        self.unit_weight = residents / per_unit  # residents each citizen of the unit stands for
        self.citizens = Citizens(per_unit, p, self.streams["population"])
        self._city_unit_start = np.concatenate(([0], np.cumsum(n_units)[:-1]))
        citizens_per_city = np.bincount(unit_city, weights=per_unit).astype(np.int64)
        self._city_citizen_start = np.concatenate(([0], np.cumsum(citizens_per_city)[:-1]))

    def _resolve_pioneer(self) -> int | None:
        name = self.p.pioneer.strip()
        if name.lower() == "none":
            return None
        return int(self.geography.resolve(name)[0])

    def _schedule(self, events: list[Event]) -> dict[int, list[tuple[Event, np.ndarray | None]]]:
        """Validate event targets now (before running) and index events by month."""
        if self.pioneer_index is not None:
            pioneer_cities = self.geography.resolve(self.p.pioneer)
            for i in pioneer_cities:
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
        national = self.central.mandate
        if national is None and all(p.mandate is None for p in self.provinces.values()):
            return [None] * self.n_cities
        out = []
        for prov in self._province_of:
            options = [m for m in (national, prov.mandate) if m is not None]
            out.append(min(options, key=lambda m: m.deadline) if options else None)
        return out

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
        regime, ctx, learning, ceiling = self._regime()
        sums = self.citizens.decide(ctx)
        weight = self.unit_weight[:, None]
        rates = np.column_stack([ctx.rate_consult, ctx.rate_community, ctx.rate_public])
        expected = weight * rates * sums[:, :3]
        out = self.units.month(expected, regime, self.streams["handling"])
        self.units.evaluate(regime)
        self._govern(out, sums)
        self.citizens.learn(out["satisfied_share"], learning, self.streams["citizens"])
        self.citizens.spread_awareness(ceiling, self.p.awareness_rate)
        self._record(out)
        self.central.accumulate_evidence(self.cities.gain())
        if self.month < self.months[-1]:
            self.month += 1

    def _apply_events(self) -> None:
        for ev, targets in self.scheduled.get(self.month, []):
            if targets is not None:
                for i in targets:
                    agent = self.city_agents[int(i)]
                    if ev.kind == "adopt":
                        agent.add_elements(ev.elements or ("unified_hotline",), ev.channel)
                    elif ev.kind == "add_element":
                        agent.add_elements(ev.elements, ev.channel)
                    elif ev.kind == "institutionalise":
                        agent.institutionalise(ev.channel)
                    else:
                        agent.abandon(ev.channel)
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

    def _regime(self):
        """Per-unit settings and citizen context implied by each city's elements."""
        p, s = self.p, self.cities
        c = self.units.city
        # organisational learning: an element's effect ramps up after adoption
        age = np.where(s.adopted, self.month - s.adopted_month + 1, 0)
        maturity = 1 - np.exp(-age / p.reform_ramp_months) if p.reform_ramp_months > 0 else 1.0
        fit = s.fit * np.where(s.adopted, maturity, 0.0)
        has = {name: s.has(name).astype(float) for name in ELEMENT_NAMES}
        fast = has["fast_response"]
        # staff are committed at launch; closed-loop quality ramps up with experience
        capacity_10k = p.capacity_per_10k * (1 + (p.reform_capacity_multiplier - 1) * fast * s.fit)
        private_handled = self._private_handled_share()
        weighted = _SHARES * s.root  # (n_cities, n_categories)
        group_rate = np.stack([weighted[:, g == _GROUP_OF].sum(axis=1) for g in range(3)], axis=1)
        group_rate *= p.problem_rate
        private_share = np.divide(
            weighted[:, _PRIVATE].sum(axis=1),
            weighted[:, _GROUP_OF == 1].sum(axis=1),
            out=np.zeros(self.n_cities),
            where=weighted[:, _GROUP_OF == 1].sum(axis=1) > 0,
        )
        regime = Regime(
            routing=np.where(fast > 0, 1.0, p.routing_fragmented)[c],
            capacity=(capacity_10k[c] * self.units.residents / 1e4),
            closed_loop=(fast * fit)[c],
            feedback=(has["feedback"] * maturity)[c],
            evaluation=has["evaluation"][c],
            knowledge_base=s.knowledge_base[c],
            private_share=private_share[c],
            private_handled=private_handled[c],
            fit=s.fit[c],
            self_governance=s.self_governance[c],
        )
        ctx = UnitContext(
            cost_multiplier=(1 - p.unified_cost_reduction * has["unified_hotline"])[c],
            self_governance=s.self_governance[c],
            rate_consult=group_rate[c, 0],
            rate_community=group_rate[c, 1],
            rate_public=group_rate[c, 2],
        )
        learning = np.where(has["feedback"] > 0, p.trust_learning, p.trust_learning_no_feedback)[c]
        ceiling = np.where(
            has["unified_hotline"] > 0, p.awareness_ceiling_unified, p.awareness_ceiling_fragmented
        )[c]
        return regime, ctx, learning, ceiling

    def _private_handled_share(self) -> np.ndarray:
        """Per city, the share of private-matter requests that government handles itself."""
        boundary = self.cities.has("boundary")
        return np.where(boundary, self.p.private_handled_boundary, self.p.private_handled)

    def _govern(self, out: dict, sums: np.ndarray) -> None:
        """City-level monthly governance: topics, self-governance, knowledge base, regrowth."""
        p, s = self.p, self.cities
        starts = self._city_unit_start
        group_counts = np.add.reduceat(
            np.column_stack([out["inquiries"], out["requests"] - out["inquiries"]]), starts, axis=0
        )
        weighted = _SHARES * s.root
        proactive = s.has("proactive")
        if proactive.any():
            nonconsult = np.where(_GROUP_OF == 0, 0.0, weighted)
            share = nonconsult / np.maximum(nonconsult.sum(axis=1, keepdims=True), 1e-12)
            counts = share * group_counts[:, 1:2]
            for i in np.flatnonzero(proactive):
                self.city_agents[i].choose_topics(counts[i])
        s.root += p.problem_regrowth * (1 - s.root)
        # self-governance: crowded out when government handles the private matters that reach it
        city_sums = np.add.reduceat(sums, starts, axis=0)
        usage = np.divide(
            city_sums[:, 1],
            city_sums[:, 1] + city_sums[:, 3],
            out=np.zeros(self.n_cities),
            where=(city_sums[:, 1] + city_sums[:, 3]) > 0,
        )
        target = p.self_governance_initial * (1 - p.crowding_out * self._private_handled_share() * usage)
        s.self_governance += p.self_governance_rate * (target - s.self_governance)
        kb_target = np.where(s.has("knowledge_base"), p.knowledge_base_max, p.knowledge_base_fragmented)
        s.knowledge_base += p.knowledge_base_growth * (kb_target - s.knowledge_base)

    def _record(self, out: dict) -> None:
        s, p = self.cities, self.p
        starts = self._city_unit_start
        keys = (
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
        cols = np.add.reduceat(np.column_stack([out[k] for k in keys]).astype(float), starts, axis=0)
        c = dict(zip(keys, cols.T, strict=True))
        n_units = np.diff(np.append(starts, self.units.n))
        overload = np.add.reduceat((self.units.effort > p.overload_threshold).astype(float), starts)
        effort = np.add.reduceat(self.units.effort, starts)
        cit_starts = self._city_citizen_start
        n_cit = np.diff(np.append(cit_starts, self.citizens.n))
        pop = self.geography.population
        with np.errstate(invalid="ignore", divide="ignore"):
            values = {
                "requests": c["requests"],
                "requests_per_10k": c["requests"] / pop * 1e4,
                "inquiries": c["inquiries"],
                "work_orders": c["work_orders"],
                "response_rate": c["handled"] / c["pending"],
                "resolution_rate": c["resolved"] / c["queue"],
                "satisfaction_rate": c["reported_satisfied"] / c["handled"],
                "true_satisfaction_rate": c["satisfied"] / c["handled"],
                "backlog": c["backlog"],
                "delay_months": c["backlog"] / c["handled"],
                "trust_mean": np.add.reduceat(self.citizens.trust, cit_starts, dtype=np.float64) / n_cit,
                "awareness_mean": np.add.reduceat(self.citizens.awareness, cit_starts, dtype=np.float64)
                / n_cit,
                "self_governance": s.self_governance,
                "problem_rate": p.problem_rate * (_SHARES * s.root).sum(axis=1),
                "effort_mean": effort / n_units,
                "overload_share": overload / n_units,
                "gov_cost": c["cost"],
                "redirected": c["redirected"],
                "siphoned": c["siphon"],
                "adopted": s.adopted.astype(float),
                "n_elements": s.elements.sum(axis=1).astype(float),
                "institutionalised": s.institutionalised.astype(float),
            }
        row = self.records[self.month - self.months[0]]
        for name, v in values.items():
            row[:, OUTCOME_INDEX[name]] = v
        sat = values["satisfaction_rate"]
        ok = ~np.isnan(sat)
        s.satisfaction[ok] = np.where(
            np.isnan(s.satisfaction[ok]), sat[ok], 0.7 * s.satisfaction[ok] + 0.3 * sat[ok]
        )

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
        """Tidy table: one row per city and month, outcome columns as declared."""
        t, n = len(self.months), self.n_cities
        g = self.geography
        df = pd.DataFrame(self.records.reshape(t * n, -1), columns=list(OUTCOME_NAMES))
        df.insert(0, "month", np.repeat([format_month(m) for m in self.months], n))
        df.insert(1, "level", "city")
        identity = {
            "unit_id": g.unit_id,
            "name_en": g.name_en,
            "name_zh": g.name_zh,
            "province_id": g.province_id,
            "province_en": g.province_en,
            "province_zh": g.province_zh,
            "population": g.population,
        }
        for k, (column, values) in enumerate(identity.items()):
            df.insert(2 + k, column, np.tile(values, t))
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
