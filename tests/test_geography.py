"""Geographic neighbours: the k-d tree gives the great-circle k nearest neighbours."""

import numpy as np
import pytest
from jiesu.model.geography import build_geography, haversine_km, knn_graph
from jiesu.model.parameters import make_parameters


def _brute_force(lon, lat, k):
    """Reference: every distance, row by row (the implementation the k-d tree replaced)."""
    rows, tied = [], set()
    for i in range(len(lon)):
        d = haversine_km(lon[i], lat[i], lon, lat)
        d[i] = np.inf
        order = np.argsort(d, kind="stable")
        rows.append(set(order[:k].tolist()))
        if np.isclose(d[order[k - 1]], d[order[k]], rtol=1e-12, atol=1e-9):
            tied.add(i)  # the k-th and (k+1)-th neighbours are equally far: either is right
    return rows, tied


@pytest.mark.parametrize("name", ["china", "china_counties"])
def test_neighbours_are_the_great_circle_nearest(name):
    k = 6
    geo = build_geography(make_parameters({"geography": name}), np.random.default_rng(0))
    expected, tied = _brute_force(geo.lon, geo.lat, k)
    graph = knn_graph(geo.lon, geo.lat, k)
    for i in range(geo.n):
        if i in tied:
            continue
        missing = expected[i] - set(graph.neighbors(i))
        assert not missing, f"{geo.name_en[i]}: nearest {sorted(missing)} not linked"
    # every unit has at least k neighbours; units with ties differ only in which tied unit is taken
    assert min(d for _, d in graph.degree()) >= k
    assert len(tied) < 0.05 * geo.n, "ties come only from counties that share coordinates"


def test_knn_graph_edge_cases():
    assert knn_graph(np.array([116.4]), np.array([39.9]), 6).number_of_edges() == 0
    two = knn_graph(np.array([116.4, 121.5]), np.array([39.9, 31.2]), 6)
    assert sorted(two.edges()) == [(0, 1)], "k is capped at n - 1"
    same = knn_graph(np.full(4, 100.0), np.full(4, 30.0), 2)
    assert all(i not in same.neighbors(i) for i in range(4)), "no self-loops among identical points"
    assert min(d for _, d in same.degree()) >= 2
    across = knn_graph(np.array([179.9, -179.9, 0.0]), np.array([0.0, 0.0, 0.0]), 1)
    assert across.has_edge(0, 1), "neighbours across the antimeridian are near"
