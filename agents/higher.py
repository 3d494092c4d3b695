"""Higher governments: the centre, the provinces and central sector bodies.

They act on cities through endorsements and mandates (top-down), and the centre can take up a
local innovation once the simulated evidence of its success is strong enough (bottom-up).
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np
from jiesu.agents.reform import MANDATE_CORE

SECTORS: tuple[tuple[str, str], ...] = (
    ("education", "教育部门"),
    ("public_security", "公安部门"),
    ("epidemic_control", "疫情防控"),
)


@dataclass
class Mandate:
    """An order to adopt ``elements`` by ``deadline`` (month indices)."""

    issued: int
    deadline: int
    elements: tuple[str, ...]
    channel: str  # top_down, or bottom_up when the centre acts on recognised evidence
    issuer: str


class CentralGovernment(mesa.Agent):
    """The State Council and its General Office.

    Attributes:
        endorsement: Channel of the endorsement in force (None if none).
        mandate: The national mandate, if any.
        evidence: Satisfaction gain of adopters summed over adopter-years ("gain-years").
        recognised_month: Month the centre recognised the reform, or None.
    """

    def __init__(self, model):
        super().__init__(model)
        self.endorsement: str | None = None
        self.mandate: Mandate | None = None
        self.evidence = 0.0
        self.recognised_month: int | None = None
        self.pending_mandate: tuple[int, str] | None = None  # (month, channel)

    def accumulate_evidence(self, gains: np.ndarray) -> None:
        """Add this month's satisfaction gains of adopters (positive parts) to the evidence."""
        self.evidence += float(np.clip(gains, 0, None).sum()) / 12.0

    def step(self) -> None:
        """Recognise the reform when the evidence crosses the threshold; issue due mandates."""
        p, m = self.model.p, self.model
        if p.recognition and self.recognised_month is None and self.evidence >= p.recognition_threshold:
            self.recognise()
        if self.pending_mandate is not None and self.pending_mandate[0] <= m.month:
            _, channel = self.pending_mandate
            self.pending_mandate = None
            self.issue_mandate(m.month + p.recognition_deadline, MANDATE_CORE, channel)

    def recognise(self) -> None:
        """Take up the local innovation: endorse it, open it to sector bodies, plan a mandate.

        A second recognition (e.g. a dated one after an endogenous one) changes nothing.
        """
        p, m = self.model.p, self.model
        if self.recognised_month is not None:
            return
        self.recognised_month = m.month
        self.endorsement = "bottom_up"
        m.record_event(self, "recognition", "bottom_up", ())
        if p.recognition_mandate_lag > 0 and self.mandate is None:
            self.pending_mandate = (m.month + p.recognition_mandate_lag, "bottom_up")

    def endorse(self, channel: str = "top_down") -> None:
        """Name the reform a replicable typical experience (e.g. the 14th Five-Year Plan)."""
        self.endorsement = channel
        self.model.record_event(self, "endorsement", channel, ())

    def issue_mandate(self, deadline: int, elements, channel: str = "top_down") -> None:
        """Order every city to adopt ``elements`` by ``deadline``; provinces may relay it."""
        m = self.model
        self.mandate = Mandate(m.month, deadline, tuple(elements), channel, "national")
        m.record_event(self, "mandate", channel, tuple(elements))
        for province in m.provinces.values():
            province.relay(self.mandate)


class ProvinceGovernment(mesa.Agent):
    """A province-level government: relays national mandates, may set earlier deadlines."""

    def __init__(self, model, province_id: str, name: str):
        super().__init__(model)
        self.unit_id = province_id
        self.name = name
        self.mandate: Mandate | None = None

    def relay(self, national: Mandate) -> None:
        """With probability ``province_relay_probability``, relay with an earlier deadline."""
        p, m = self.model.p, self.model
        if m.streams["centre"].random() < p.province_relay_probability:
            self.issue_mandate(national.deadline - p.province_relay_lead, national.elements, national.channel)

    def issue_mandate(self, deadline: int, elements, channel: str = "top_down") -> None:
        """Order the province's cities to adopt by ``deadline``."""
        deadline = max(deadline, self.model.month + 1)
        self.mandate = Mandate(self.model.month, deadline, tuple(elements), channel, self.unit_id)
        self.model.record_event(self, "mandate", channel, tuple(elements))


class SectorBody(mesa.Agent):
    """A central sector body (education, public security, epidemic control).

    It may adopt the reform's method in its own domain once the centre has recognised it
    (cross-domain diffusion).
    """

    def __init__(self, model, key: str, name_zh: str):
        super().__init__(model)
        self.unit_id = f"sector:{key}"
        self.name = key
        self.name_zh = name_zh
        self.adopted_month = None

    def step(self) -> None:
        """Adopt with hazard ``sector_rate`` once the centre has recognised the reform."""
        m = self.model
        if self.adopted_month is not None or m.central.recognised_month is None:
            return
        if m.streams["centre"].random() < 1 - np.exp(-m.p.sector_rate):
            self.adopt("bottom_up")

    def adopt(self, channel: str) -> None:
        """Adopt the method in this sector."""
        self.adopted_month = self.model.month
        self.model.record_event(self, "sector_adopt", channel, ())
