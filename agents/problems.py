"""The recurring problems citizens meet: what 每月一题 can take up, one problem at a time."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from jiesu.agents.reform import CATEGORIES, GROUPS


@dataclass(frozen=True)
class ProblemStructure:
    """The recurring problems citizens meet: one per consultation, many per fixable category.

    A 每月一题 topic is one problem (e.g. heating in old compounds), not a whole category. Within
    each fixable category the problems' sizes follow a Zipf law, ``size_j ∝ j^(-concentration)``
    (j = 1, 2, ...), normalised to the category's share; consultations are one problem that
    cannot be fixed at the root.

    Attributes:
        category: Category index of each problem.
        share: Share of all problems at the root level (sums to 1).
        fixable: True where proactive governance can take the problem up.
    """

    category: np.ndarray
    share: np.ndarray
    fixable: np.ndarray

    @classmethod
    def build(cls, per_category: int, concentration: float) -> ProblemStructure:
        """Return the structure with ``per_category`` problems in each fixable category."""
        # Added left to right on purpose: Python 3.12's compensated sum() gives a total one bit
        # different from 3.11's, and every run then parts between versions (docs/reproducibility.md).
        total = 0.0
        for c in CATEGORIES:
            total += c.share
        zipf = np.arange(1, per_category + 1, dtype=float) ** (-concentration)
        zipf /= zipf.sum()
        category, share = [], []
        for k, c in enumerate(CATEGORIES):
            sizes = np.array([1.0]) if c.group == "consult" else zipf
            category += [k] * len(sizes)
            share += list(c.share / total * sizes)
        category_a = np.array(category)
        fixable = np.array([CATEGORIES[k].group != "consult" for k in category])
        return cls(category_a, np.array(share), fixable)

    @property
    def n(self) -> int:
        """Number of problems."""
        return len(self.share)

    def by_group(self) -> np.ndarray:
        """Index into :data:`GROUPS` of each problem."""
        return np.array([GROUPS.index(CATEGORIES[k].group) for k in self.category])

    def private(self) -> np.ndarray:
        """True where the problem is a private matter."""
        return np.array([CATEGORIES[k].private for k in self.category])
