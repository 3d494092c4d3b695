"""Where the cities are: China's prefecture- and county-level units, or synthetic cities.

The data files in ``model/data/`` are copies of the project's reference data; their sources
are in the companion ``.md`` files there. Units are keyed by their 6-digit administrative code
(the first six digits of the data's 12-digit ``adcode``; both forms are accepted as names).
"""

from __future__ import annotations

import csv
import difflib
from dataclasses import dataclass
from importlib import resources

import networkx as nx
import numpy as np
import scipy.sparse as sp

#: Identifier of the national rows and of the centre's events (GB/T 2260 code of the country).
NATIONAL_ID = "100000"
#: Prefecture kinds treated as rural for the "fit" of the reform.
RURAL_KINDS = frozenset({"autonomous_prefecture", "league", "region"})
#: Administrative rank by kind (higher is more senior); used for same-rank peer groups.
RANKS = {
    "municipality": 4,
    "provincial_capital": 3,
    "sub_provincial": 3,
    "prefecture_city": 2,
    "autonomous_prefecture": 1,
    "league": 1,
    "region": 1,
    "other": 0,
    "district": 1,
    "county_city": 1,
    "county": 0,
    "synthetic": 2,
}


class UnknownCityError(ValueError):
    """A city named in a parameter or event is not in the chosen geography."""


@dataclass(frozen=True)
class Geography:
    """Attributes of the simulated cities, one array entry per city (index = city number)."""

    unit_id: np.ndarray  # str: 6-digit administrative code, or synthetic id
    name_zh: np.ndarray
    name_en: np.ndarray
    province_id: np.ndarray  # 6-digit code of the province
    province_en: np.ndarray
    province_zh: np.ndarray
    kind: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    population: np.ndarray  # persons, 2020 census
    parent_id: np.ndarray  # prefecture adcode for counties, own id otherwise
    geo_graph: nx.Graph  # geographic neighbour network over city indices

    @property
    def n(self) -> int:
        """Number of cities."""
        return len(self.unit_id)

    @property
    def rural(self) -> np.ndarray:
        """True where the unit counts as rural for the fit of the reform."""
        return np.isin(
            self.kind, list(RURAL_KINDS | {"county", "autonomous_county", "banner", "autonomous_banner"})
        )

    @property
    def rank(self) -> np.ndarray:
        """Administrative rank of each unit (see :data:`RANKS`)."""
        return np.array([RANKS.get(k, 0) for k in self.kind], dtype=np.int64)

    def resolve(self, name: str) -> np.ndarray:
        """Return the indices of the cities that ``name`` designates.

        ``name`` may be an adcode, an English or Chinese name, or for county geographies the
        name or adcode of a prefecture (all its counties). ``"largest"`` is the most populous.

        Raises:
            UnknownCityError: With close matches when nothing matches.
        """
        key = _short_code(str(name).strip())
        if key == "largest":
            return np.array([int(np.argmax(self.population))])
        for column in (self.unit_id, self.name_en, self.name_zh, self.parent_id):
            hits = np.flatnonzero(column == key)
            if hits.size:
                return hits
        parents = self._parent_names()
        if key in parents:
            return np.flatnonzero(self.parent_id == parents[key])
        known = [*self.name_en.tolist(), *self.name_zh.tolist(), *parents]
        close = difflib.get_close_matches(key, known, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else _elsewhere(key)
        units = f"{self.n} unit" + ("" if self.n == 1 else "s")
        raise UnknownCityError(
            f"unknown city {key!r} in this geography ({units}){hint or '.'} "
            "Use an adcode, an English or Chinese name, 'largest' or 'none'."
        )

    def _parent_names(self) -> dict[str, str]:
        if np.array_equal(self.parent_id, self.unit_id):
            return {}
        pref = load_table("china_prefectures.csv")
        return {
            **{r["name_en"]: _short_code(r["adcode"]) for r in pref},
            **{r["name_zh"]: _short_code(r["adcode"]) for r in pref},
        }

    def geo_weights(self) -> sp.csr_matrix:
        """Return the row-normalised adjacency of the geographic network (rows of isolates are 0)."""
        adj = nx.to_scipy_sparse_array(self.geo_graph, nodelist=range(self.n), format="csr")
        adj = sp.csr_matrix(adj, dtype=np.float64)
        degree = np.asarray(adj.sum(axis=1)).ravel()
        inv = np.divide(1.0, degree, out=np.zeros_like(degree), where=degree > 0)
        return sp.diags(inv) @ adj


def _elsewhere(key: str) -> str:
    """A hint for a name that is not in the simulated geography but is (nearly) a prefecture's."""
    pref = load_table("china_prefectures.csv")
    names = [*(r["name_en"] for r in pref), *(r["name_zh"] for r in pref)]
    close = difflib.get_close_matches(key, names, n=1)
    if not close:
        return ""
    return (
        f"; did you mean {close[0]}? It is not simulated here: choose the china geography "
        "(--set geography=china, or a China scenario such as all_channels)."
    )


def _short_code(code: str) -> str:
    """The 6-digit administrative code of a 12-digit adcode (other text unchanged)."""
    return code[:6] if len(code) == 12 and code.isdigit() and code.endswith("000000") else code


def load_table(filename: str) -> list[dict[str, str]]:
    """Read one of the packaged reference CSV files as a list of rows."""
    with resources.files("jiesu.model.data").joinpath(filename).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def haversine_km(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Great-circle distance in km (broadcasting)."""
    lon1, lat1, lon2, lat2 = map(np.radians, (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * np.arcsin(np.sqrt(a))


def knn_graph(lon: np.ndarray, lat: np.ndarray, k: int) -> nx.Graph:
    """Return the symmetric k-nearest-neighbour graph of points (by great-circle distance).

    Each point is linked to its ``k`` nearest other points (and so to every point that counts
    it among its own ``k`` nearest). The neighbours come from a k-d tree over the points placed
    on the unit sphere: the straight-line (chord) distance between two points of the sphere,
    ``2 sin(d / 2R)``, grows with their great-circle distance ``d``, so both give the same
    neighbours. Among points at exactly the same distance (counties that share their
    prefecture's coordinates), which ones are taken is arbitrary.
    """
    from scipy.spatial import cKDTree

    n = len(lon)
    graph = nx.empty_graph(n)
    k = min(k, n - 1)
    if k <= 0:
        return graph
    lon_r, lat_r = np.radians(lon), np.radians(lat)
    xyz = np.column_stack([np.cos(lat_r) * np.cos(lon_r), np.cos(lat_r) * np.sin(lon_r), np.sin(lat_r)])
    _, nearest = cKDTree(xyz).query(xyz, k=k + 1)
    keep = nearest != np.arange(n)[:, None]  # a point is its own nearest neighbour ...
    keep[keep.all(axis=1), -1] = False  # ... unless k other points share its coordinates
    sources = np.repeat(np.arange(n), k)
    graph.add_edges_from(zip(sources.tolist(), nearest[keep].tolist(), strict=True))
    return graph


def _from_rows(rows: list[dict[str, str]], k: int, parent_key: str | None) -> Geography:
    pref = {r["adcode"]: r for r in load_table("china_prefectures.csv")}
    lon, lat = [], []
    for r in rows:
        if r["longitude"]:
            lon.append(float(r["longitude"]))
            lat.append(float(r["latitude"]))
        else:  # 4 % of counties have no coordinates: use their prefecture's point
            p = pref[r[parent_key]]
            lon.append(float(p["longitude"]))
            lat.append(float(p["latitude"]))
    lon_a, lat_a = np.array(lon), np.array(lat)
    province = [r["province_adcode"] for r in rows]
    province_en = {r["province_adcode"]: r["province_en"] for r in pref.values()}
    province_zh = {r["province_adcode"]: r["province_zh"] for r in pref.values()}
    return Geography(
        unit_id=np.array([_short_code(r["adcode"]) for r in rows]),
        name_zh=np.array([r["name_zh"] for r in rows]),
        name_en=np.array([r["name_en"] for r in rows]),
        province_id=np.array([_short_code(p) for p in province]),
        province_en=np.array([province_en[p] for p in province]),
        province_zh=np.array([province_zh[p] for p in province]),
        kind=np.array([r["kind"] for r in rows]),
        lon=lon_a,
        lat=lat_a,
        population=np.array([int(r["population_2020"]) for r in rows], dtype=np.int64),
        parent_id=np.array([_short_code(r[parent_key] if parent_key else r["adcode"]) for r in rows]),
        geo_graph=knn_graph(lon_a, lat_a, k),
    )


def synthetic(n: int, median_pop: float, network: str, k: int, rng: np.random.Generator) -> Geography:
    """Return ``n`` synthetic cities in the unit square on a peer network drawn from ``rng``.

    Populations are log-normal around ``median_pop`` (sd 0.8). Networks: ``complete``,
    ``random_geometric`` (radius giving mean degree about ``k``), ``small_world``
    (Watts-Strogatz, k neighbours, rewiring 0.1) and ``ring``.
    """
    xy = rng.random((n, 2))
    pop = np.maximum(1000, np.round(median_pop * np.exp(0.8 * rng.standard_normal(n)))).astype(np.int64)
    seed = int(rng.integers(2**31))
    kk = max(2, min(k, n - 1) // 2 * 2)
    if network == "complete":
        graph = nx.complete_graph(n)
    elif network == "random_geometric":
        radius = float(np.sqrt(k / (np.pi * max(n - 1, 1))))
        pos = {i: tuple(xy[i]) for i in range(n)}
        graph = nx.random_geometric_graph(n, radius, pos=pos, seed=seed)
    elif network == "small_world":
        graph = nx.watts_strogatz_graph(n, kk, 0.1, seed=seed) if n > kk else nx.complete_graph(n)
    else:  # ring
        graph = nx.watts_strogatz_graph(n, kk, 0.0, seed=seed) if n > kk else nx.complete_graph(n)
    ids = np.array([f"S{i:05d}" for i in range(n)])
    return Geography(
        unit_id=ids,
        name_zh=np.array([f"城市{i}" for i in range(n)]),
        name_en=np.array([f"City {i}" for i in range(n)]),
        province_id=np.array(["S"] * n),
        province_en=np.array(["Synthetic"] * n),
        province_zh=np.array(["合成"] * n),
        kind=np.array(["synthetic"] * n),
        lon=100 + 20 * xy[:, 0],
        lat=25 + 15 * xy[:, 1],
        population=pop,
        parent_id=ids,
        geo_graph=graph,
    )


def build_geography(params, rng: np.random.Generator) -> Geography:
    """Return the geography that ``params.geography`` names."""
    k = params.peer_neighbours
    if params.geography == "synthetic":
        return synthetic(
            params.synthetic_cities, params.synthetic_population, params.synthetic_network, k, rng
        )
    if params.geography == "china_counties":
        return _from_rows(load_table("china_counties.csv"), k, "prefecture_adcode")
    rows = load_table("china_prefectures.csv")
    if params.geography == "beijing":
        rows = [r for r in rows if r["name_en"] == "Beijing"]
    return _from_rows(rows, k, None)
