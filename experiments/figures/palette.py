"""Colours: one per scenario, the same in every figure and every run, and channel colours apart from them.

A scenario's colour comes from its name, never from its position in a comparison:

1. the ``colour = "#rrggbb"`` its TOML file declares (every built-in scenario declares one, from
   the Okabe & Ito (2008) colour-blind-safe set);
2. otherwise a colour chosen by a hash of the name from Paul Tol's colour-blind-safe "muted"
   scheme (Tol 2021), so an undeclared scenario also keeps its colour between runs.

Two undeclared scenarios can hash to the same colour; :func:`scenario_styles` then gives the
later ones dashed lines, so a figure never shows two scenarios the same way.

Channels (the cause attributed to each adoption) are drawn as filled areas in light tints from
Tol's "light" scheme: related in hue to the scenario named after the channel, never equal to a
scenario colour, so a bar of the top-down channel cannot be read as the top_down scenario.
"""

from __future__ import annotations

import hashlib
import re

#: Tol's muted scheme, for scenarios that declare no colour.
HASHED = ("#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677", "#882255", "#AA4499")
#: Channel fills (Tol's light scheme plus a neutral grey for the pioneer).
CHANNEL_COLOURS = {
    "pioneer": "#BBBBBB",
    "top_down": "#EE8866",
    "bottom_up": "#44BB99",
    "horizontal": "#77AADD",
    "internal": "#EEDD88",
}
#: The three rates (lines of one run), from Tol's bright scheme.
RATE_COLOURS = {"response_rate": "#4477AA", "resolution_rate": "#228833", "satisfaction_rate": "#EE6677"}
_DASHES = ("-", "--", "-.", ":")
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


def scenario_colour(name: str, declared: str | None = None) -> str:
    """The colour of scenario ``name``: the declared one if valid, else one hashed from the name.

    Example:
        >>> scenario_colour("top_down", "#D55E00")
        '#D55E00'
        >>> scenario_colour("my_scenario") == scenario_colour("my_scenario")
        True
    """
    if declared and _HEX.match(declared):
        return declared.upper()
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return HASHED[int.from_bytes(digest[:4], "big") % len(HASHED)]


def scenario_label(name: str, name_zh: str = "", lang: str = "en") -> str:
    """A scenario's name in figures and reports.

    Its Chinese name in ``zh``, else its identifier written as words (``no_reform`` -> ``no reform``).
    """
    if lang == "zh" and name_zh:
        return name_zh
    return name.replace("_", " ")


def scenario_styles(scenarios) -> dict[str, tuple[str, str]]:
    """``{name: (colour, linestyle)}`` for the scenarios of one figure.

    Args:
        scenarios: Objects with ``name`` and ``colour`` (:class:`Scenario`), or dicts with
            those keys (scenario entries of a manifest).
    """
    out, used = {}, {}
    for s in scenarios:
        name = s["name"] if isinstance(s, dict) else s.name
        declared = s.get("colour") if isinstance(s, dict) else getattr(s, "colour", "")
        colour = scenario_colour(name, declared)
        k = used.get(colour, 0)
        used[colour] = k + 1
        out[name] = (colour, _DASHES[k % len(_DASHES)])
    return out
