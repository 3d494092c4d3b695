"""City governments: mesa agents that adopt, run and sometimes abandon the reform.

A city's numeric state lives in the model's :class:`CityState` arrays (one row per city), so
that monthly rules can run on all cities at once; the agent owns the decisions that change
it, and every decision is recorded as an event with the channel that caused it.
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np
from jiesu.agents.reform import CATEGORIES, ELEMENT_INDEX, ELEMENT_NAMES

FIXABLE = np.array([c.group != "consult" for c in CATEGORIES])


@dataclass
class CityState:
    """Per-city arrays (row ``i`` belongs to city ``i``)."""

    elements: np.ndarray  # bool (n, n_elements)
    adopted_month: np.ndarray  # int, -1 if not adopted
    institutionalised: np.ndarray  # bool
    root: np.ndarray  # (n, n_categories): problem rate relative to its root level
    self_governance: np.ndarray  # strength of community self-governance, 0..1
    knowledge_base: np.ndarray  # share of consultations answered at first contact
    satisfaction: np.ndarray  # smoothed satisfaction rate (EWMA)
    baseline: np.ndarray  # smoothed satisfaction just before adoption
    fit: np.ndarray  # effectiveness of the reform in this city

    @classmethod
    def initial(cls, n: int, n_elements: int, n_categories: int, params, fit: np.ndarray):
        """Return the state of ``n`` cities before any reform."""
        return cls(
            elements=np.zeros((n, n_elements), dtype=bool),
            adopted_month=np.full(n, -1),
            institutionalised=np.zeros(n, dtype=bool),
            root=np.ones((n, n_categories)),
            self_governance=np.full(n, params.self_governance_initial),
            knowledge_base=np.full(n, params.knowledge_base_fragmented),
            satisfaction=np.full(n, np.nan),
            baseline=np.full(n, np.nan),
            fit=fit,
        )

    @property
    def adopted(self) -> np.ndarray:
        """True where the city runs at least one element of the reform."""
        return self.adopted_month >= 0

    def has(self, element: str) -> np.ndarray:
        """Bool array: which cities run ``element``."""
        return self.elements[:, ELEMENT_INDEX[element]]

    def gain(self) -> np.ndarray:
        """Satisfaction gained since adoption (0 for non-adopters or without data)."""
        g = np.nan_to_num(self.satisfaction - self.baseline)
        return np.where(self.adopted, g, 0.0)


class CityGovernment(mesa.Agent):
    """A city (or county) government with its hotline centre and handling units.

    Attributes:
        index: Row of this city in :class:`CityState` and the geography.
        unit_id: Adcode or synthetic id.
        name: English name.
    """

    def __init__(self, model, index: int, unit_id: str, name: str):
        super().__init__(model)
        self.index = index
        self.unit_id = unit_id
        self.name = name

    @property
    def state(self) -> CityState:
        """The model's city arrays."""
        return self.model.cities

    @property
    def elements(self) -> tuple[str, ...]:
        """Elements this city runs now."""
        row = self.state.elements[self.index]
        return tuple(n for n, on in zip(ELEMENT_NAMES, row, strict=True) if on)

    def adopt(self, elements, channel: str) -> None:
        """Adopt the reform with ``elements`` (``unified_hotline`` always included)."""
        s, i = self.state, self.index
        s.adopted_month[i] = self.model.month
        s.baseline[i] = s.satisfaction[i]
        names = {"unified_hotline", *elements}
        for name in names:
            s.elements[i, ELEMENT_INDEX[name]] = True
        self.model.record_event(self, "adopt", channel, self.elements)

    def add_elements(self, elements, channel: str) -> None:
        """Take up elements the city does not run yet."""
        s, i = self.state, self.index
        new = [e for e in elements if not s.elements[i, ELEMENT_INDEX[e]]]
        if not new:
            return
        if not s.adopted[i]:
            self.adopt(new, channel)
            return
        for name in new:
            s.elements[i, ELEMENT_INDEX[name]] = True
        self.model.record_event(self, "add_element", channel, tuple(new))

    def institutionalise(self, channel: str) -> None:
        """Pass a local regulation that makes the reform durable (e.g. Beijing, 2021-09)."""
        if not self.state.adopted[self.index] or self.state.institutionalised[self.index]:
            return
        self.state.institutionalised[self.index] = True
        self.model.record_event(self, "institutionalise", channel, self.elements)

    def abandon(self, channel: str) -> None:
        """Drop the reform: back to fragmented hotlines (a new adoption is possible later)."""
        s, i = self.state, self.index
        dropped = self.elements
        s.elements[i] = False
        s.adopted_month[i] = -1
        s.institutionalised[i] = False
        self.model.record_event(self, "abandon", channel, dropped)

    def choose_topics(self, category_counts: np.ndarray) -> None:
        """Proactive governance (每月一题): fix the most frequent recurring categories at the root.

        The ``topics_per_month`` fixable categories with the most requests this month lose
        ``topic_fix_share`` (times the fit) of their remaining root problems.
        """
        p = self.model.p
        counts = np.where(FIXABLE, category_counts, -1.0)
        top = np.argsort(-counts, kind="stable")[: p.topics_per_month]
        top = top[counts[top] > 0]
        self.state.root[self.index, top] *= 1 - p.topic_fix_share * self.state.fit[self.index]
