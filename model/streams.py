"""Random streams: one root seed, one independent generator per stochastic process.

Each process draws from its own stream, derived from the root seed and a fixed key, so that
two scenarios that differ in one lever differ only by that lever (common random numbers,
as in Starsim). Replicate ``r`` of a seed uses the spawn key ``(r,)``; process ``k`` of that
replicate uses ``(r, k)``. Both are recorded with every run so it can be replayed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Fixed process keys. Append new processes at the end: reordering changes every result.
PROCESSES: tuple[str, ...] = (
    "population",  # initial citizen traits
    "citizens",  # citizens' monthly experience
    "handling",  # arrivals and outcomes of work orders
    "cities",  # city governments' decisions (topics, turnover)
    "diffusion",  # adoption, element uptake, institutionalisation, abandonment
    "network",  # synthetic geography and peer networks
    "mesa",  # seed handed to mesa.Model for its own generators
    "centre",  # higher governments' decisions (relays, sector bodies)
    "heterogeneity",  # differences between cities drawn at the start (pre-reform quality)
    "posterior",  # which particle of a posterior a replicate runs with
)


@dataclass(frozen=True)
class Streams:
    """The generators of one run.

    Attributes:
        entropy: The root seed.
        spawn_key: The replicate's spawn key, ``(replicate,)``.
        generators: One ``numpy.random.Generator`` per name in :data:`PROCESSES`.
    """

    entropy: int
    spawn_key: tuple[int, ...]
    generators: dict[str, np.random.Generator]

    def __getitem__(self, process: str) -> np.random.Generator:
        return self.generators[process]

    def provenance(self) -> dict:
        """Return what is needed to replay the run: entropy and each stream's spawn key."""
        return {
            "entropy": self.entropy,
            "spawn_key": list(self.spawn_key),
            "streams": {name: [*self.spawn_key, k] for k, name in enumerate(PROCESSES)},
        }


def make_streams(seed: int, replicate: int = 0) -> Streams:
    """Return the streams of replicate ``replicate`` of root seed ``seed``.

    Example:
        >>> a = make_streams(1)["citizens"].random()
        >>> a == make_streams(1)["citizens"].random()
        True
    """
    if seed < 0 or replicate < 0:
        raise ValueError("seed and replicate must be non-negative integers")
    key = (int(replicate),)
    generators = {
        name: np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(*key, k)))
        for k, name in enumerate(PROCESSES)
    }
    return Streams(int(seed), key, generators)
