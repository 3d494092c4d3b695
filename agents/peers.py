"""Peer exposure: what share of a city's peers do something (horizontal diffusion).

A city's peers are its geographic neighbours, the other cities of its province and the other
cities of its administrative rank, weighted by ``peer_weight_geo``, ``peer_weight_province``
and ``peer_weight_rank``. Exposure to a quantity ``x`` is the weighted mean of ``x`` over
peers; groups in which a city has no peer drop out of its weights.
"""

from __future__ import annotations

import numpy as np


class PeerNetwork:
    """Peer groups of the cities of a geography."""

    def __init__(self, geography, params):
        self.geo = geography.geo_weights()
        self.has_geo = np.asarray(self.geo.sum(axis=1)).ravel() > 0
        self.province = np.unique(geography.province_id, return_inverse=True)[1]
        order = np.argsort(self.province, kind="stable")
        bounds = np.flatnonzero(np.diff(self.province[order])) + 1
        self.province_members = np.split(order, bounds)  # cities of each province
        self.rank = geography.rank
        self.weights = (params.peer_weight_geo, params.peer_weight_province, params.peer_weight_rank)

    @staticmethod
    def _group_mean_of_others(x: np.ndarray, group: np.ndarray):
        size = np.bincount(group)[group].astype(float)
        if x.ndim == 1:
            total = np.bincount(group, weights=x)[group]
        else:
            total = np.stack([np.bincount(group, weights=x[:, k])[group] for k in range(x.shape[1])], axis=1)
            size = size[:, None]
        others = size - 1
        mean = np.divide(total - x, others, out=np.zeros_like(total, dtype=float), where=others > 0)
        return mean, (others > 0).reshape(others.shape[0], -1)[:, 0]

    def exposure(self, x: np.ndarray) -> np.ndarray:
        """Return each city's weighted mean of ``x`` over its peers (x: (n,) or (n, k))."""
        x = np.asarray(x, dtype=float)
        w_geo, w_prov, w_rank = self.weights
        parts, masks = [self.geo @ x], [self.has_geo]
        for group in (self.province, self.rank):
            mean, has = self._group_mean_of_others(x, group)
            parts.append(mean)
            masks.append(has)
        weights = [w * m for w, m in zip((w_geo, w_prov, w_rank), masks, strict=True)]
        total = sum(weights)
        if x.ndim == 2:
            weights = [w[:, None] for w in weights]
            total = total[:, None]
        num = sum(w * part for w, part in zip(weights, parts, strict=True))
        return np.divide(num, total, out=np.zeros_like(num), where=total > 0)
