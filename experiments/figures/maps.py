"""Adoption maps: the month each city (or county) adopted, on China's base map.

Cities are circles whose area is proportional to their 2020 census population (with a size
legend); counties, too many for that, are small dots of equal size. The colour is the month of
the first adoption, with a colour bar in dates; units that never adopted are light grey. For a
comparison, the month shown is the median over the replicates in which the unit adopted, and a
unit that adopted in fewer than half of the replicates counts as not adopted. Synthetic
geographies have no real coordinates and are drawn without a base map.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from jiesu.experiments.figures.chinamap import albers, china_axes, data_version
from jiesu.experiments.figures.common import caption, date_formatter, decimal_year
from jiesu.experiments.figures.fonts import rc
from jiesu.experiments.figures.labels import t
from jiesu.model.geography import load_table

NEVER = "#D0D0D0"
NEVER_COUNTY = "#A8A8A8"
CMAP = "viridis"
#: People per unit of marker area (points²) for cities.
PEOPLE_PER_AREA = 150_000
SIZE_LEGEND = (1_000_000, 5_000_000, 20_000_000)
#: Cities named on the map: the first adopter and the most populous ones.
LABELLED = 4
#: Figure width, map width and height (inches); the map keeps the projection's aspect ratio (≈ 1.5).
FIG_W, MAP_W, MAP_H = 8.6, 7.3, 4.9


def places(geography: str) -> pd.DataFrame:
    """Units of a reference geography (``china`` or ``china_counties``) with coordinates and population.

    Returns:
        Columns ``unit_id`` (6-digit code), ``name_en``, ``name_zh``, ``lon``, ``lat``, ``population``.
    """
    pref = {r["adcode"]: r for r in load_table("china_prefectures.csv")}
    rows = load_table("china_counties.csv") if geography == "china_counties" else list(pref.values())
    if geography == "beijing":
        rows = [r for r in rows if r["name_en"] == "Beijing"]
    out = []
    for r in rows:
        point = r if r["longitude"] else pref[r["prefecture_adcode"]]
        out.append(
            {
                "unit_id": r["adcode"][:6],
                "name_en": r["name_en"],
                "name_zh": r["name_zh"],
                "lon": float(point["longitude"]),
                "lat": float(point["latitude"]),
                "population": int(r["population_2020"]),
            }
        )
    return pd.DataFrame(out)


def first_adoption(adoptions: pd.DataFrame) -> pd.Series:
    """Decimal year of each unit's first adoption: the median over replicates where it adopted.

    A unit that adopted in fewer than half of the replicates is left out (it counts as never).
    """
    adopts = adoptions[(adoptions["event"] == "adopt") & (adoptions["level"] == "city")]
    if adopts.empty:
        return pd.Series(dtype=float)
    key = "replicate" if "replicate" in adopts else None
    if key is None:
        return pd.Series(
            decimal_year(adopts.groupby("unit_id")["month"].min()), index=sorted(adopts["unit_id"].unique())
        )
    first = adopts.groupby([key, "unit_id"])["month"].min().reset_index()
    first["x"] = decimal_year(first["month"])
    n_rep = adoptions[key].nunique()
    stats = first.groupby("unit_id")["x"].agg(["median", "size"])
    return stats.loc[stats["size"] * 2 >= n_rep, "median"]


def adoption_map(
    units: pd.DataFrame,
    when: pd.Series,
    lang: str = "en",
    title: str | None = None,
    period: tuple[str, str] | None = None,
    county: bool = False,
    caption_text: str | None = None,
):
    """Map of first-adoption months.

    Args:
        units: :func:`places` rows of the simulated units.
        when: Decimal year of adoption per ``unit_id`` (missing: never).
        lang: ``en`` or ``zh``.
        title: Title (default: adoption month by city or county).
        period: First and last month of the run (the colour scale's range).
        county: Equal small dots instead of population-sized circles.
        caption_text: Provenance line under the figure.
    """
    w = units["unit_id"].map(when).to_numpy(dtype=float)
    lo, hi = (
        decimal_year(list(period)) if period else (np.nanmin(w, initial=2019), np.nanmax(w, initial=2020))
    )
    height = MAP_H + 1.25
    with rc(lang):
        fig = plt.figure(figsize=(FIG_W, height))
        rect = (0.01, 0.85 / height, MAP_W / FIG_W, MAP_H / height)
        ax, _inset = china_axes(fig, rect, t("south_china_sea", lang))
        points = _draw_units(ax, units, w, (lo, hi), county)
        _label_cities(ax, units, w, lang, county)
        cax = fig.add_axes((0.01 + MAP_W / FIG_W + 0.015, 1.2 / height, 0.022, (MAP_H - 0.9) / height))
        bar = fig.colorbar(points, cax=cax, format=date_formatter())
        bar.set_label(t("adoption_month", lang))
        bar.ax.tick_params(labelsize=8)
        _legend(fig, ax, county, lang)
        fig.suptitle(title or t("map_title_county" if county else "map_title", lang), fontsize=12, y=0.99)
        sep = "；" if lang == "zh" else ". "
        caption(fig, sep.join(x for x in (caption_text, t("boundaries", lang, data=data_version())) if x))
    return fig


def _draw_units(ax, units: pd.DataFrame, w: np.ndarray, limits: tuple[float, float], county: bool):
    """Grey units that never adopted, then coloured ones; largest first so small ones stay visible."""
    x, y = albers(units["lon"], units["lat"])
    sizes = np.full(len(units), 3.0) if county else units["population"].to_numpy() / PEOPLE_PER_AREA
    order = np.argsort(-sizes)
    adopted = np.isfinite(w)
    never = order[~adopted[order]]
    ax.scatter(
        x[never], y[never], s=sizes[never], c=NEVER_COUNTY if county else NEVER,
        edgecolors="none" if county else "#888888", lw=0.3, zorder=3,
    )  # fmt: skip
    done = order[adopted[order]]
    return ax.scatter(
        x[done], y[done], s=sizes[done], c=w[done], cmap=CMAP, vmin=limits[0], vmax=limits[1],
        edgecolors="none" if county else "white", lw=0.3, zorder=4,
    )  # fmt: skip


def _label_cities(ax, units: pd.DataFrame, w, lang: str, county: bool) -> None:
    if county or len(units) < 2:
        return
    x, y = albers(units["lon"], units["lat"])
    chosen = list(np.argsort(-units["population"].to_numpy())[:LABELLED])
    if np.isfinite(w).any():
        chosen.insert(0, int(np.nanargmin(w)))
    column = "name_zh" if lang == "zh" else "name_en"
    for i in dict.fromkeys(chosen):
        ax.annotate(
            units[column].iloc[i],
            (x[i], y[i]),
            xytext=(4, 3),
            textcoords="offset points",
            fontsize=7,
            color="#222222",
            zorder=5,
        )


def _legend(fig, ax, county: bool, lang: str) -> None:
    never = ax.scatter(
        [], [], s=12 if county else 30, c=NEVER_COUNTY if county else NEVER, edgecolors="#888888", lw=0.3
    )
    handles = [never]
    labels = [t("never", lang)]
    if not county:
        for people in SIZE_LEGEND:
            handles.append(
                ax.scatter(
                    [], [], s=people / PEOPLE_PER_AREA, facecolors="none", edgecolors="#444444", lw=0.6
                )
            )
            labels.append(f"{people // 10_000}万人" if lang == "zh" else f"{people / 1e6:.0f} M residents")
    fig.legend(
        handles,
        labels,
        loc="lower center",
        ncol=len(labels),
        frameon=False,
        fontsize=8,
        bbox_to_anchor=(0.45, 0.06),
    )


def map_figure(
    ts: pd.DataFrame, adoptions: pd.DataFrame, geography, lang: str = "en", caption_text: str | None = None
):
    """Adoption map of one run from its tables and model geography (a plain scatter if synthetic)."""
    units = pd.DataFrame(
        {
            "unit_id": geography.unit_id,
            "name_en": geography.name_en,
            "name_zh": geography.name_zh,
            "lon": geography.lon,
            "lat": geography.lat,
            "population": geography.population,
        }
    )
    months = sorted(ts["month"].unique())
    when = first_adoption(adoptions)
    county = geography.n > 1000
    if not str(geography.unit_id[0]).isdigit():
        return _plain_map(units, when, lang, (months[0], months[-1]), caption_text)
    return adoption_map(
        units, when, lang, period=(months[0], months[-1]), county=county, caption_text=caption_text
    )


def _plain_map(units: pd.DataFrame, when: pd.Series, lang: str, period, caption_text: str | None):
    w = units["unit_id"].map(when).to_numpy(dtype=float)
    lo, hi = decimal_year(list(period))
    with rc(lang):
        fig, ax = plt.subplots(figsize=(7, 6), layout="constrained")
        ax.scatter(units["lon"], units["lat"], s=12, c=NEVER, lw=0)
        ok = np.isfinite(w)
        sc = ax.scatter(units["lon"][ok], units["lat"][ok], s=14, c=w[ok], cmap=CMAP, vmin=lo, vmax=hi, lw=0)
        fig.colorbar(sc, ax=ax, format=date_formatter(), shrink=0.7).set_label(t("adoption_month", lang))
        ax.set_title(t("map_title", lang))
        ax.set_aspect("equal")
        caption(fig, caption_text)
    return fig
