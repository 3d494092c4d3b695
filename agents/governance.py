"""What a city's reform elements do each month, and the city's slowly moving states.

:func:`regime` turns each city's elements and states into the settings of its handling units
and the context of its citizens; :func:`govern` moves the city's slow states after the month's
handling: 每月一题 fixes, problem regrowth, self-governance, the knowledge base, the merging
of hotlines into 12345, the online share and citizens' expectations (docs/model.md §7).
"""

from __future__ import annotations

import numpy as np
from jiesu.agents.citizens import UnitContext
from jiesu.agents.city import fix_topics
from jiesu.agents.handling import Regime
from jiesu.agents.reform import ELEMENT_NAMES


def learning_curve(months: np.ndarray, time_scale: float, exponent: float) -> np.ndarray:
    """Maturity of an element after ``months`` of experience: ``1 - (1 + months / τ)^(-b)``.

    A power law in experience, as organisational learning curves are (Wright 1936; Argote &
    Epple 1990): 0 before the element is taken up, approaching 1 quickly when ``b`` is large and
    slowly, without a visible ceiling, when ``b`` is small. ``τ = 0`` means mature at once.
    """
    months = np.asarray(months, dtype=float)
    if time_scale <= 0:
        return (months > 0).astype(float)
    return np.where(months > 0, 1 - (1 + months / time_scale) ** (-exponent), 0.0)


def voiced_sums(model) -> tuple[np.ndarray, np.ndarray]:
    """Per city, problems voiced (root level times share) summed by group, and over private matters.

    Returns ``(by_group, private)``: an array (n_cities, 3) for consult, community and public
    problems, and one (n_cities,) for the private matters (a part of the community group). Each
    sum adds the problems' columns one after the other, in problem order (numpy's sum over the
    columns that indexing gathers); :func:`regime` takes them once a month for both uses.
    """
    voiced = model.cities.root * model.problems.share  # (n_cities, n_problems)
    by_group = np.stack([voiced[:, columns].sum(axis=1) for columns in model.problem_columns], axis=1)
    return by_group, voiced[:, model.private_columns].sum(axis=1)


def city_problem_rates(model, sums=None) -> np.ndarray:
    """Per city, problems voiced per resident per month by group (consult, community, public).

    The underlying rate (``problem_rate`` times each problem's share and root level) is raised
    as expectations rise above the city's pre-reform resolution (``expectation_voice``).
    ``sums`` are this month's :func:`voiced_sums` when already taken.
    """
    s, p = model.cities, model.p
    by_group, _ = voiced_sums(model) if sums is None else sums
    voice = np.maximum(0.0, 1 + p.expectation_voice * (s.expectation - s.quality))
    return p.problem_rate * by_group * voice[:, None]


def private_share(model, sums=None) -> np.ndarray:
    """Per city, the share of community-group problems that are private matters."""
    by_group, private = voiced_sums(model) if sums is None else sums
    community = by_group[:, 1]
    return np.divide(private, community, out=np.zeros(model.n_cities), where=community > 0)


def private_handled_share(model) -> np.ndarray:
    """Per city, the share of private-matter requests that government handles itself."""
    boundary = model.cities.has("boundary")
    return np.where(boundary, model.p.private_handled_boundary, model.p.private_handled)


def regime(model) -> tuple[Regime, UnitContext, np.ndarray, np.ndarray]:
    """Per-unit settings and citizen context implied by each city's elements and states.

    Returns:
        The units' :class:`Regime`, the citizens' :class:`UnitContext`, and per unit the trust
        learning rate and the awareness ceiling.
    """
    p, s, spread = model.p, model.cities, model.units.from_cities
    has = {name: s.has(name).astype(float) for name in ELEMENT_NAMES}
    mature = {
        name: learning_curve(s.experience(name, model.month), p.reform_ramp_months, p.learning_exponent)
        for name in ("fast_response", "feedback")
    }
    fast = has["fast_response"]
    capacity_10k = p.capacity_per_10k * (1 + (p.reform_capacity_multiplier - 1) * fast * s.fit)
    # the learning curve closes the resolvable part of each city's pre-reform gap
    unresolvable = np.minimum(p.resolution_unresolvable, 1 - s.quality)
    learned = np.minimum(1.0, s.fit * mature["fast_response"])
    gap = unresolvable + (1 - s.quality - unresolvable) * (1 - learned)
    sums = voiced_sums(model)
    rates = city_problem_rates(model, sums)
    disappointment = p.expectation_weight * np.maximum(0.0, s.expectation - s.quality)
    unit_regime = Regime(
        routing=spread(np.where(fast > 0, 1.0, p.routing_fragmented)),
        capacity=spread(capacity_10k) * model.units.residents / 1e4,
        gap=spread(gap),
        feedback=spread(p.feedback_gain * mature["feedback"]),
        disappointment=spread(disappointment),
        evaluation=spread(has["evaluation"]),
        knowledge_base=spread(s.knowledge_base),
        private_share=spread(private_share(model, sums)),
        private_handled=spread(private_handled_share(model)),
        fit=spread(s.fit),
        self_governance=spread(s.self_governance),
    )
    cost = (1 - p.unified_cost_reduction * s.merged) * (1 - p.online_cost_saving * s.online)
    ctx = UnitContext(
        cost_multiplier=spread(cost),
        scope=spread(p.scope_fragmented + (1 - p.scope_fragmented) * s.merged),
        self_governance=spread(s.self_governance),
        rate_consult=spread(rates[:, 0]),
        rate_community=spread(rates[:, 1]),
        rate_public=spread(rates[:, 2]),
    )
    learning = spread(np.where(has["feedback"] > 0, p.trust_learning, p.trust_learning_no_feedback))
    unified = has["unified_hotline"] > 0
    ceiling = spread(np.where(unified, p.awareness_ceiling_unified, p.awareness_ceiling_fragmented))
    return unit_regime, ctx, learning, ceiling


def govern(model, city_counts: dict, sums: np.ndarray) -> None:
    """Move every city's slow states after this month's handling.

    Args:
        model: The model.
        city_counts: Per city sums of the month's unit counts (``resolved``, ``queue``, ...).
        sums: Per unit sums of the citizens' choice probabilities (``Citizens.decide``).
    """
    p, s = model.p, model.cities
    fix_topics(s, s.has("proactive"), model.problems, p, model.month)
    s.root += p.problem_regrowth * (1 - s.root)
    # self-governance is crowded out when government handles the private matters that reach it
    city_sums = np.add.reduceat(sums, model.city_unit_start, axis=0)
    asked = city_sums[:, 1] + city_sums[:, 3]
    usage = np.divide(city_sums[:, 1], asked, out=np.zeros(model.n_cities), where=asked > 0)
    target = p.self_governance_initial * (1 - p.crowding_out * private_handled_share(model) * usage)
    s.self_governance += p.self_governance_rate * (target - s.self_governance)
    kb_target = np.where(s.has("knowledge_base"), p.knowledge_base_max, p.knowledge_base_fragmented)
    s.knowledge_base += p.knowledge_base_growth * (kb_target - s.knowledge_base)
    # hotlines are merged into 12345 while it is unified (and come apart after abandonment)
    unified = s.has("unified_hotline")
    s.merged += p.scope_widening_rate * (unified - s.merged)
    growth = p.online_uptake_rate * s.online * (1 - s.online / max(p.online_ceiling, 1e-9))
    s.online = np.clip(s.online + np.where(unified, growth, 0.0), 0.0, 1.0)
    # citizens' expectation of resolution follows the resolution they experience
    queue = city_counts["queue"]
    seen = np.divide(city_counts["resolved"], queue, out=s.expectation.copy(), where=queue > 0)
    s.expectation += p.expectation_rate * (seen - s.expectation)
