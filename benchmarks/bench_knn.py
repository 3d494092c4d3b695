"""Geographic neighbour graph: the k-d tree of ``knn_graph`` against the loop it replaced.

The loop computed, for each point, the great-circle distance to every point (O(n^2) in
Python-driven numpy); ``jiesu.model.geography.knn_graph`` queries a k-d tree of the points on
the unit sphere. Both run on the same random points (China's bounding box, seed 0) at 367 and
2,985 points (the sizes of the prefecture and county geographies) and 10,000 points, best of
``--repeats``, in this process; the two graphs are checked to be identical (random points have
no ties).

    uv run python benchmarks/bench_knn.py          # about a minute on 2 cores
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import networkx as nx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import code_version, machine, now, write_report
from jiesu.model.geography import haversine_km, knn_graph


def knn_graph_loop(lon: np.ndarray, lat: np.ndarray, k: int) -> nx.Graph:
    """The implementation before the k-d tree (kept here as the reference)."""
    n = len(lon)
    graph = nx.empty_graph(n)
    k = min(k, n - 1)
    if k <= 0:
        return graph
    for i in range(n):
        d = haversine_km(lon[i], lat[i], lon, lat)
        d[i] = np.inf
        nearest = np.argpartition(d, k - 1)[:k]
        graph.add_edges_from((i, int(j)) for j in nearest)
    return graph


def best(fn, repeats: int) -> tuple[float, nx.Graph]:
    times, graph = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        graph = fn()
        times.append(time.perf_counter() - start)
    return min(times), graph


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--k", type=int, default=6)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    report = {"date": now(), "machine": machine(), "code": code_version(), "sizes": {}}
    print(f"{'points':>8} {'loop (s)':>10} {'k-d tree (s)':>13} {'speed-up':>9}  same graph")
    for n in (367, 2985, 10_000):
        lon, lat = rng.uniform(73, 135, n), rng.uniform(18, 53, n)
        loop_s, loop_g = best(lambda lon=lon, lat=lat: knn_graph_loop(lon, lat, args.k), args.repeats)
        tree_s, tree_g = best(lambda lon=lon, lat=lat: knn_graph(lon, lat, args.k), args.repeats)
        same = sorted(map(sorted, loop_g.edges())) == sorted(map(sorted, tree_g.edges()))
        report["sizes"][n] = {"loop_s": loop_s, "tree_s": tree_s, "speedup": loop_s / tree_s, "same": same}
        print(f"{n:>8} {loop_s:>10.3f} {tree_s:>13.4f} {loop_s / tree_s:>8.0f}x  {same}")
    print(f"\nwrote {write_report(report, 'knn.json')}")


if __name__ == "__main__":
    main()
