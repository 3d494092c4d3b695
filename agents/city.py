"""City governments: mesa agents that adopt, run and sometimes abandon the reform.

A city's numeric state lives in the model's :class:`CityState` arrays (one row per city), so
that monthly rules can run on all cities at once; the agent owns the decisions that change
it, and every decision is recorded as an event with the channel that caused it.
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np
from jiesu.agents.problems import ProblemStructure
from jiesu.agents.reform import ELEMENT_INDEX, ELEMENT_NAMES


@dataclass
class CityState:
    """Per-city arrays (row ``i`` belongs to city ``i``)."""

    elements: np.ndarray  # bool (n, n_elements)
    element_month: np.ndarray  # int (n, n_elements): month each element was taken up, -1 if not run
    adopted_month: np.ndarray  # int, -1 if not adopted
    institutionalised: np.ndarray  # bool
    root: np.ndarray  # (n, n_problems): problem rate relative to its root level
    self_governance: np.ndarray  # strength of community self-governance, 0..1
    knowledge_base: np.ndarray  # share of consultations answered at first contact
    merged: np.ndarray  # share of the city's hotlines and channels merged into 12345, 0..1
    online: np.ndarray  # share of contacts made online
    quality: np.ndarray  # pre-reform probability that a handled work order is resolved
    expectation: np.ndarray  # citizens' expected resolution, follows experienced resolution
    topic_credit: np.ndarray  # fractional 每月一题 topics carried to next month
    topic_month: np.ndarray  # int (n, n_problems): month each problem was last taken up
    satisfaction: np.ndarray  # smoothed satisfaction rate (EWMA)
    baseline: np.ndarray  # smoothed satisfaction just before adoption
    fit: np.ndarray  # effectiveness of the reform in this city

    @classmethod
    def initial(cls, n: int, n_elements: int, n_problems: int, params, fit: np.ndarray, quality: np.ndarray):
        """Return the state of ``n`` cities before any reform."""
        return cls(
            elements=np.zeros((n, n_elements), dtype=bool),
            element_month=np.full((n, n_elements), -1),
            adopted_month=np.full(n, -1),
            institutionalised=np.zeros(n, dtype=bool),
            root=np.ones((n, n_problems)),
            self_governance=np.full(n, params.self_governance_initial),
            knowledge_base=np.full(n, params.knowledge_base_fragmented),
            merged=np.zeros(n),
            online=np.full(n, params.online_initial),
            quality=quality,
            expectation=quality.copy(),
            topic_credit=np.zeros(n),
            topic_month=np.full((n, n_problems), np.iinfo(np.int64).min // 2),
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

    def experience(self, element: str, month: int) -> np.ndarray:
        """Months each city has run ``element`` (counting the month it was taken up); 0 if not run."""
        since = self.element_month[:, ELEMENT_INDEX[element]]
        return np.where(since >= 0, month - since + 1, 0)

    def gain(self) -> np.ndarray:
        """Satisfaction gained since adoption (0 for non-adopters or without data)."""
        g = np.nan_to_num(self.satisfaction - self.baseline)
        return np.where(self.adopted, g, 0.0)


class CityGovernment(mesa.Agent):
    """A city (or county) government with its hotline centre and handling units.

    Attributes:
        index: Row of this city in :class:`CityState` and the geography.
        unit_id: 6-digit administrative code or synthetic id.
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

    @property
    def runs_reform(self) -> bool:
        """Whether the city runs at least one element."""
        return bool(self.state.adopted[self.index])

    def _take_up(self, names) -> None:
        s, i = self.state, self.index
        for name in names:
            s.elements[i, ELEMENT_INDEX[name]] = True
            s.element_month[i, ELEMENT_INDEX[name]] = self.model.month

    def adopt(self, elements, channel: str) -> None:
        """Adopt the reform with ``elements`` (``unified_hotline`` always included)."""
        s, i = self.state, self.index
        s.adopted_month[i] = self.model.month
        s.baseline[i] = s.satisfaction[i]
        self._take_up({"unified_hotline", *elements})
        self.model.record_event(self, "adopt", channel, self.elements)

    def add_elements(self, elements, channel: str) -> None:
        """Take up elements the city does not run yet (adopting the reform if it runs none)."""
        s, i = self.state, self.index
        new = [e for e in elements if not s.elements[i, ELEMENT_INDEX[e]]]
        if not new:
            return
        if not s.adopted[i]:
            self.adopt(new, channel)
            return
        self._take_up(new)
        self.model.record_event(self, "add_element", channel, tuple(new))

    def skip(self, kind: str, channel: str, elements=()) -> None:
        """Record a dated event that cannot apply (the city does not run the reform)."""
        self.model.record_event(self, f"{kind}_skipped", channel, tuple(elements))

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
        s.element_month[i] = -1
        s.adopted_month[i] = -1
        s.institutionalised[i] = False
        self.model.record_event(self, "abandon", channel, dropped)


def fix_topics(
    state: CityState, proactive: np.ndarray, problems: ProblemStructure, params, month: int
) -> None:
    """Proactive governance (每月一题): each proactive city fixes its largest recurring problems.

    A city takes up ``topics_per_month`` problems a month (fractions accumulate, so 2.25 gives
    27 a year) — the fixable problems with the most residents affected now (size times root
    level), leaving out those taken up in the last ``topic_cooldown_months`` — and fixes
    ``topic_fix_depth`` (times its fit, at most 1) of each at the root.
    """
    cities = np.flatnonzero(proactive)
    if cities.size == 0:
        return
    state.topic_credit[cities] += params.topics_per_month
    counts = np.floor(state.topic_credit[cities] + 1e-9).astype(np.int64)
    state.topic_credit[cities] -= counts
    k = int(counts.max(initial=0))
    if k == 0:
        return
    recent = state.topic_month[cities] > month - params.topic_cooldown_months
    volume = np.where(problems.fixable & ~recent, state.root[cities] * problems.share, -1.0)
    k = min(k, int(problems.fixable.sum()))
    top = np.argsort(-volume, axis=1, kind="stable")[:, :k]  # the k largest, largest first
    take = np.arange(k)[None, :] < counts[:, None]
    take &= np.take_along_axis(volume, top, axis=1) > 0  # nothing left that may be taken up
    rows, chosen = np.repeat(cities[:, None], k, axis=1)[take], top[take]
    depth = (params.topic_fix_depth * np.minimum(state.fit, 1.0))[rows]
    state.root[rows, chosen] *= 1 - depth
    state.topic_month[rows, chosen] = month
