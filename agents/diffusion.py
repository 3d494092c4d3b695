"""How cities decide to adopt, extend, institutionalise or abandon the reform each month.

Adoption uses competing hazards (monthly rates) from the channels of docs/model.md §1 (diffusion):

* ``top_down``: constant external influence (Bass p), an endorsement in force, a mandate
  (until the deadline the hazard that spreads adoption evenly over the window, so that a
  city exposed to the mandate alone has adopted by the deadline with probability
  ``mandate_compliance``; ``mandate_enforcement`` after it);
* ``bottom_up``: the same instruments when the centre acts on recognised evidence;
* ``horizontal``: imitation of the share of adopted peers (Bass q) and learning from their
  observed satisfaction gain, both multiplied by the academic route's
  ``1 + academic_strength * E / (E + academic_halfway)`` (``E``: evidence in gain-years);
* ``internal``: pressure from dissatisfied citizens, ``internal_rate * (1 - satisfaction)``,
  once the reform exists (some city runs it, or the centre endorses it).

Hazards are in continuous time, per month. Within a month the share of a city's peers that
have adopted grows; the imitation hazard is integrated over the month assuming that share
grows as the Bass mean field from its value at the start of the month (:func:`imitation_over_month`),
so that on a complete graph with external influence ``p`` and imitation ``q`` the expected
share adopted at the end of month ``k`` is exactly Bass's ``F(k)``. The other sources are
constant within the month. A city adopts with probability ``1 - exp(-H)``, ``H`` the sum of the
month's integrated hazards; the adoption is attributed to a channel drawn in proportion to them.
What it adopts depends on the source: a mandate prescribes its elements, learners copy a
successful peer's elements (each with probability ``copy_fidelity`` times the fit),
endorsements copy the pioneer's, internal pressure starts with the core (hotline and fast
response).
"""

from __future__ import annotations

import numpy as np
from jiesu.agents.reform import ELEMENT_INDEX, ELEMENT_NAMES

#: Hazard sources, each attributed to a channel.
SOURCES = ("external", "endorsement", "mandate", "imitation", "learning", "internal")


class MandatesInForce:
    """The mandate each city must follow this month, as an index into the few distinct mandates.

    ``in_force[i]`` is city ``i``'s :class:`~agents.higher.Mandate` (None if none) and iterating
    gives them city by city, as a list would; array code uses :attr:`which` and :meth:`prescribed`.

    Attributes:
        mandates: The distinct mandates in force somewhere.
        which: Per city, the index of its mandate in :attr:`mandates` (-1 if none).
    """

    def __init__(self, mandates: list, which: np.ndarray):
        self.mandates = mandates
        self.which = which

    def __len__(self) -> int:
        return len(self.which)

    def __getitem__(self, i: int):
        k = int(self.which[i])
        return self.mandates[k] if k >= 0 else None

    def __iter__(self):
        return (self.mandates[k] if k >= 0 else None for k in self.which.tolist())

    @property
    def any(self) -> np.ndarray:
        """Per city, whether a mandate is in force."""
        return self.which >= 0

    def per_city(self, values: np.ndarray, fill) -> np.ndarray:
        """``values[k]`` (one per distinct mandate) for each city, ``fill`` where none is in force."""
        table = np.concatenate((np.asarray(values), np.asarray([fill], dtype=np.asarray(values).dtype)))
        return table[self.which]  # index -1 is the fill row

    def prescribed(self) -> np.ndarray:
        """Per city and element (bool, n_cities x n_elements): what its mandate prescribes."""
        rows = np.zeros((len(self.mandates), len(ELEMENT_NAMES)), dtype=bool)
        for k, m in enumerate(self.mandates):
            rows[k, [ELEMENT_INDEX[e] for e in m.elements]] = True
        return self.per_city(rows, np.zeros(len(ELEMENT_NAMES), dtype=bool))


def mandate_hazard(model) -> tuple[np.ndarray, np.ndarray, MandatesInForce]:
    """Return per city the mandate hazard, whether it is bottom-up, and the mandate in force.

    The mandate in force is the one with the earliest deadline among national and provincial.
    Each distinct mandate's hazard is computed once and spread over its cities.
    """
    p, t = model.p, model.month
    in_force = model.mandates_in_force()
    hazard = in_force.per_city(
        np.array(
            [_deadline_hazard(m, t, p.mandate_compliance, p.mandate_enforcement) for m in in_force.mandates],
            dtype=float,
        ),
        0.0,
    )
    bottom_up = in_force.per_city(
        np.array([m.channel == "bottom_up" for m in in_force.mandates], bool), False
    )
    return hazard, bottom_up, in_force


def _deadline_hazard(mandate, t: int, compliance: float, enforcement: float) -> float:
    """Hazard that makes adoption times uniform over the mandate's window.

    With window ``W`` and ``k`` months elapsed, the survivor share is ``1 - c k / W``; the
    monthly adoption probability ``(c / W) / (1 - c k / W)`` is returned as a hazard.
    """
    if t >= mandate.deadline:
        return enforcement
    window = max(mandate.deadline - mandate.issued, 1)
    elapsed = t - mandate.issued
    prob = (compliance / window) / (1 - compliance * elapsed / window)
    return float(-np.log1p(-min(prob, 0.999999)))


def imitation_over_month(constant: np.ndarray, q: np.ndarray, exposure: np.ndarray) -> np.ndarray:
    """Imitation hazard integrated over one month, peers adopting as the Bass mean field.

    With constant hazard ``c`` and imitation ``q`` a city's survival over the month is
    ``exp(-∫(c + q x(s)) ds)``, where the peers' adopted share ``x`` solves the Bass equation
    ``x' = (c + q x)(1 - x)`` from ``x(0) = exposure``. Its closed form gives
    ``∫(c + q x) ds = log(1 + (e^a - 1)(1 - (1 - x0) q / a))`` with ``a = c + q`` (Bass 1969);
    the part beyond ``c`` is returned.
    """
    a = constant + q
    growth = np.expm1(a)
    ratio = np.divide(growth, a, out=np.ones_like(a), where=a > 1e-12)  # (e^a - 1) / a -> 1
    total = np.log1p(np.maximum(growth - (1 - exposure) * q * ratio, 0.0))
    return np.maximum(total - constant, 0.0)


def adoption_hazards(model, mandates) -> dict[str, np.ndarray]:
    """Return every city's adoption hazard over this month by source (see :data:`SOURCES`).

    ``mandates`` is this month's :func:`mandate_hazard`.
    """
    p, s, n = model.p, model.cities, model.n_cities
    adopted = s.adopted.astype(float)
    gains = np.clip(s.gain(), 0, None)
    exposure = model.peers.exposure(np.column_stack([adopted, adopted * gains]))
    evidence = model.central.evidence
    academic = 1 + p.academic_strength * evidence / (evidence + p.academic_halfway)
    endorse = p.endorsement_rate if model.central.endorsement else 0.0
    dissatisfaction = 1 - np.nan_to_num(s.satisfaction, nan=1.0)
    # internal pressure can only lead to the reform once it exists (someone has adopted it)
    exists = bool(s.adopted.any()) or model.central.endorsement is not None
    hazards = {
        "external": np.full(n, p.external_rate),
        "endorsement": np.full(n, endorse),
        "mandate": mandates[0],
        "learning": p.learning_rate * exposure[:, 1] * academic,
        "internal": p.internal_rate * dissatisfaction * exists,
    }
    constant = sum(hazards.values())
    q = np.full(n, p.imitation_rate * academic)
    hazards["imitation"] = imitation_over_month(constant, q, exposure[:, 0])
    return {k: hazards[k] for k in SOURCES}


def source_channel(model, source: str, bottom_up_mandate: bool) -> str:
    """Return the channel to which an adoption from ``source`` is attributed."""
    if source in ("imitation", "learning"):
        return "horizontal"
    if source == "internal":
        return "internal"
    if source == "endorsement":
        return model.central.endorsement or "top_down"
    if source == "mandate":
        return "bottom_up" if bottom_up_mandate else "top_down"
    return "top_down"


def step_adoption(model, mandates) -> None:
    """Draw this month's adoptions and let the adopting city agents act."""
    rng = model.streams["diffusion"]
    s, n = model.cities, model.n_cities
    hazards = adoption_hazards(model, mandates)
    _, bottom_up, in_force = mandates
    stack = np.stack([hazards[k] for k in SOURCES], axis=1)
    model.record_hazards(np.where(s.adopted[:, None], np.nan, stack))  # ground truth of those at risk
    adopted_before = s.adopted.copy()  # learners copy peers that had adopted before this month
    gains = s.gain()
    total = stack.sum(axis=1)
    draws = rng.random((n, 2 + len(ELEMENT_NAMES)))  # fixed shape: common random numbers
    adopt = ~s.adopted & (draws[:, 0] < -np.expm1(-total))
    best_in_province: dict = {}  # this month's best adopted peers of each province, filled on demand
    for i in np.flatnonzero(adopt):
        cum = np.cumsum(stack[i])
        source = SOURCES[int(np.searchsorted(cum, draws[i, 1] * total[i], side="right"))]
        channel = source_channel(model, source, bool(bottom_up[i]))
        elements = _elements_for(
            model, i, source, in_force[i], draws[i, 2:], adopted_before, gains, best_in_province
        )
        model.city_agents[i].adopt(elements, channel)


def _elements_for(
    model,
    i: int,
    source: str,
    mandate,
    uniforms: np.ndarray,
    adopted: np.ndarray,
    gains: np.ndarray,
    best_in_province: dict | None = None,
) -> tuple[str, ...]:
    s, p = model.cities, model.p
    if source == "mandate":
        return mandate.elements
    if source == "internal":
        return ("unified_hotline", "fast_response")
    learner = source in ("imitation", "learning")
    template = _best_peer(model, i, adopted, gains, best_in_province) if learner else model.pioneer_index
    if template is None or not adopted[template]:
        template_row = np.zeros(len(ELEMENT_NAMES), dtype=bool)
        template_row[[ELEMENT_INDEX["unified_hotline"], ELEMENT_INDEX["fast_response"]]] = True
    else:
        template_row = s.elements[template]
    keep = template_row & (uniforms < p.copy_fidelity * min(1.0, s.fit[i]))
    return tuple(name for name, on in zip(ELEMENT_NAMES, keep, strict=True) if on)


def _best_peer(
    model, i: int, adopted: np.ndarray, gains: np.ndarray, best_in_province: dict | None = None
) -> int | None:
    """The adopted geographic or same-province peer with the largest satisfaction gain.

    Candidates are the city's geographic neighbours (in the order of its row of the weights),
    then the other cities of its province (by index); on a tie the first of them wins. A
    province's best and second-best adopted cities are found once per month (``adopted`` and
    ``gains`` do not change within it) and kept in ``best_in_province``: the best of the others
    is the best unless the city itself is, then the second.
    """
    peers = model.peers
    row = peers.geo.indices[peers.geo.indptr[i] : peers.geo.indptr[i + 1]]
    near = row[(row != i) & adopted[row]]
    province = int(peers.province[i])
    if best_in_province is None:
        best_in_province = {}
    if province not in best_in_province:
        best_in_province[province] = _best_two(peers.province_members[province], adopted, gains)
    best, second = best_in_province[province]
    other = second if best == i else best
    if near.size == 0:
        return other
    top = int(near[np.argmax(gains[near])])
    return top if other is None or gains[top] >= gains[other] else other


def _best_two(members: np.ndarray, adopted: np.ndarray, gains: np.ndarray) -> tuple[int | None, int | None]:
    """The adopted member with the largest gain (the first on a tie), and the same without it."""
    members = members[adopted[members]]
    if members.size == 0:
        return None, None
    k = int(np.argmax(gains[members]))
    rest = np.delete(members, k)
    second = int(rest[np.argmax(gains[rest])]) if rest.size else None
    return int(members[k]), second


def step_elements(model, mandates) -> None:
    """Adopters take up missing elements: copied from peers, or prescribed by a mandate."""
    p, s = model.p, model.cities
    rng = model.streams["diffusion"]
    share = model.peers.exposure(s.elements.astype(float))
    hazard_peer = p.element_uptake_rate * share
    mandate, bottom_up, in_force = mandates
    prescribed = in_force.prescribed()
    hazard_mandate = prescribed * mandate[:, None]
    total = hazard_peer + hazard_mandate
    draws = rng.random((*s.elements.shape, 2))
    take = s.adopted[:, None] & ~s.elements & (draws[..., 0] < -np.expm1(-total))
    from_mandate = draws[..., 1] * total < hazard_mandate
    for i in np.flatnonzero(take.any(axis=1)):
        for by_mandate in (False, True):
            cols = np.flatnonzero(take[i] & (from_mandate[i] == by_mandate))
            if cols.size:
                channel = ("bottom_up" if bottom_up[i] else "top_down") if by_mandate else "horizontal"
                model.city_agents[i].add_elements([ELEMENT_NAMES[c] for c in cols], channel)


def step_durability(model, mandates) -> None:
    """Institutionalisation (local regulation) and abandonment (turnover, poor results)."""
    p, s, n = model.p, model.cities, model.n_cities
    rng = model.streams["diffusion"]
    draws = rng.random((n, 3))
    gain = s.gain()
    peer_inst = model.peers.exposure(s.institutionalised.astype(float))
    h_internal = p.institutionalise_rate * np.clip(gain, 0, None) / 0.1
    h_peer = p.institutionalise_rate * peer_inst
    h_total = h_internal + h_peer
    legislate = s.adopted & ~s.institutionalised & (draws[:, 0] < -np.expm1(-h_total))
    for i in np.flatnonzero(legislate):
        channel = "internal" if draws[i, 1] * h_total[i] < h_internal[i] else "horizontal"
        model.city_agents[i].institutionalise(channel)

    turnover = model.streams["cities"].random(n) < p.turnover_rate
    mandated = mandates[2].any
    hazard = p.abandon_rate * np.where(turnover, p.turnover_abandon_multiplier, 1.0)
    hazard = hazard * np.where(s.institutionalised, p.institutional_protection, 1.0)
    hazard = hazard * np.where(gain < 0, 2.0, 1.0)
    protected = np.zeros(n, dtype=bool)
    if not p.pioneer_abandons:
        protected[model.pioneer_cities] = True  # the pioneer keeps its reform (its history is known)
    drop = s.adopted & ~mandated & ~legislate & ~protected & (draws[:, 2] < -np.expm1(-hazard))
    for i in np.flatnonzero(drop):
        model.city_agents[i].abandon("internal")
