"""Every model parameter, declared once: name, default, unit, valid range, meaning, source.

The declarations drive validation (:func:`make_parameters`), the ``jiesu params`` listing and
the parameter table in ``docs/model.md`` (``jiesu docs``). A parameter whose
source says *guess* has not been calibrated yet.

Example:
    >>> p = make_parameters({"capacity_per_10k": 90})
    >>> p.capacity_per_10k
    90.0
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass
from typing import Any

from jiesu.agents.reform import parse_elements
from jiesu.model.calendar import MonthError, parse_month

GUESS = "guess"
BJ = "model/data/beijing_calibration.csv"


class ParameterError(ValueError):
    """A parameter is unknown, of the wrong type or out of range; the message says how to fix it."""


@dataclass(frozen=True)
class Param:
    """Declaration of one parameter.

    Attributes:
        name: Identifier, used in ``--set NAME=VALUE`` and scenario files.
        default: Default value; its Python type is the parameter's type unless ``kind`` says
            otherwise.
        unit: Unit of the value (``"1"`` for dimensionless).
        low: Smallest allowed value (numbers only).
        high: Largest allowed value (numbers only).
        meaning: One line saying what it does.
        source: Where the default comes from (``guess`` if nowhere yet).
        group: Section of the parameter table.
        choices: Allowed values for a text parameter.
        kind: ``"number"``, ``"int"``, ``"bool"``, ``"choice"``, ``"month"``, ``"elements"``
            or ``"text"``.
        prior: Range of plausible values a calibration samples, as ``(law, low, high)`` with
            law ``"uniform"`` or ``"loguniform"``; None for design choices and switches.
    """

    name: str
    default: Any
    unit: str
    low: float | None
    high: float | None
    meaning: str
    source: str
    group: str
    choices: tuple[str, ...] | None = None
    kind: str = "number"
    prior: tuple[str, float, float] | None = None

    def describe_range(self) -> str:
        """Return the allowed values as a short human-readable string."""
        if self.kind == "choice":
            return " | ".join(self.choices or ())
        if self.kind == "month":
            return "YYYY-MM"
        if self.kind == "elements":
            return "comma list of elements, all, core, none"
        if self.kind == "bool":
            return "true | false"
        if self.kind == "text":
            return "text"
        low, high = _fmt(self.low), _fmt(self.high)
        if high == "inf":
            return "any number" if low == "-inf" else f"{low} or more"
        return f"up to {high}" if low == "-inf" else f"{low} to {high}"

    def describe_unit(self) -> str:
        """Return the unit in words for messages: ``dimensionless``, or ``unit: persons``."""
        return "dimensionless" if self.unit in ("1", "-", "") else f"unit: {self.unit}"

    def describe_prior(self) -> str:
        """Return the prior as a short string, e.g. ``uniform(0, 1)``; empty if none."""
        if self.prior is None:
            return ""
        law, low, high = self.prior
        return f"{law}({_fmt(low)}, {_fmt(high)})"

    def convert(self, value: Any) -> Any:
        """Return ``value`` converted to this parameter's type, or raise :class:`ParameterError`."""
        try:
            return _CONVERTERS[self.kind](self, value)
        except ParameterError:
            raise
        except (TypeError, ValueError) as err:
            raise ParameterError(
                f"parameter {self.name}: {value!r} is not valid ({err}); "
                f"allowed: {self.describe_range()} ({self.describe_unit()})"
            ) from None


def _fmt(x: float | None) -> str:
    if x is None:
        return "-inf"
    if isinstance(x, float) and math.isinf(x):
        return "inf"
    return f"{x:g}"


#: A number as typed on the command line: ASCII digits, optional sign, point and exponent.
_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)


def _finite(value: Any) -> float:
    """``value`` as a finite float; text must be a plain decimal number in ASCII digits."""
    if isinstance(value, bool):
        raise TypeError("expected a number, got true/false")
    if isinstance(value, str):
        text = value.strip()
        if not _DECIMAL.fullmatch(text):
            raise ValueError("write a plain decimal number such as 0.5 or 2e-3, in ASCII digits")
        value = text
    try:
        x = float(value)
    except OverflowError:
        raise ValueError("the number is too large") from None
    if math.isnan(x):
        raise ValueError("NaN is not a value")
    if math.isinf(x):
        raise ValueError("the number must be finite")
    return x


def _number(p: Param, value: Any) -> float:
    return _check_range(p, _finite(value))


def _integer(p: Param, value: Any) -> int:
    if isinstance(value, bool):
        raise TypeError("expected a whole number, got true/false")
    x = _finite(value)
    if not x.is_integer():
        raise ValueError("expected a whole number")
    return int(_check_range(p, x))


def _check_range(p: Param, x: float) -> float:
    if math.isnan(x):
        raise ValueError("NaN is not a value")
    low = -math.inf if p.low is None else p.low
    high = math.inf if p.high is None else p.high
    if not low <= x <= high:
        raise ParameterError(
            f"parameter {p.name}: {x:g} is out of range; allowed: {p.describe_range()} "
            f"({p.describe_unit()}) — {p.meaning}"
        )
    return x


def _boolean(p: Param, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off"):
        return False
    raise ValueError("expected true or false")


def _choice(p: Param, value: Any) -> str:
    text = str(value).strip()
    if text not in (p.choices or ()):
        raise ParameterError(f"parameter {p.name}: {text!r} is not one of: {', '.join(p.choices or ())}")
    return text


def _month(p: Param, value: Any) -> str:
    if not str(value).isascii():
        raise ParameterError(
            f"parameter {p.name}: write the month {str(value)!r} in ASCII digits, e.g. 2019-01"
        )
    try:
        parse_month(str(value))
    except MonthError as err:
        raise ParameterError(f"parameter {p.name}: {err}") from None
    return str(value).strip()


def _elements(p: Param, value: Any) -> str:
    if isinstance(value, list | tuple):
        value = ",".join(str(v) for v in value)
    try:
        return ",".join(parse_elements(str(value))) or "none"
    except ValueError as err:
        raise ParameterError(f"parameter {p.name}: {err}") from None


def _text(p: Param, value: Any) -> str:
    return str(value).strip()


_CONVERTERS = {
    "number": _number,
    "int": _integer,
    "bool": _boolean,
    "choice": _choice,
    "month": _month,
    "elements": _elements,
    "text": _text,
}

INF = math.inf


def U(low: float, high: float) -> tuple[str, float, float]:  # noqa: N802 - reads like the law's symbol
    """A uniform prior on [low, high]."""
    return ("uniform", float(low), float(high))


def LU(low: float, high: float) -> tuple[str, float, float]:  # noqa: N802
    """A log-uniform prior on [low, high] (for rates spanning orders of magnitude)."""
    return ("loguniform", float(low), float(high))


def _p(name, default, unit, low, high, meaning, source, group, **kw) -> Param:
    kind = kw.pop("kind", None)
    if kind is None:
        kind = "bool" if isinstance(default, bool) else "int" if isinstance(default, int) else "number"
    if kind == "number":
        default = float(default)
    return Param(name, default, unit, low, high, meaning, source, group, kind=kind, **kw)


# fmt: off
PARAMS: tuple[Param, ...] = (
    # --- time, space and scale -----------------------------------------------------------
    _p("start", "2018-01", "month", None, None, "first simulated month", "design choice: a pre-reform year before reform_start", "time and scale", kind="month"),
    _p("end", "2030-12", "month", None, None, "last simulated month", "design choice", "time and scale", kind="month"),
    _p("geography", "beijing", "-", None, None,
       "cities simulated: Beijing alone, China's 367 prefecture-level units, its ~2,985 county-level units, or N synthetic cities",
       "model/data/china_prefectures.csv, china_counties.csv", "time and scale",
       kind="choice", choices=("beijing", "china", "china_counties", "synthetic")),
    _p("residents_per_citizen", 5000, "persons", 1, 10_000_000,
       "residents each simulated citizen stands for (super-individual scale)", "design choice", "time and scale"),
    _p("residents_per_unit", 64000, "persons", 1000, 10_000_000,
       "residents served by one handling unit (street/township); Beijing 21.89 M / 343 streets", BJ, "time and scale"),
    _p("synthetic_cities", 100, "cities", 1, 20000, "number of cities when geography = synthetic", "design choice", "time and scale"),
    _p("synthetic_population", 2_000_000, "persons", 1000, 1e9,
       "median population of a synthetic city (log-normal, sd 0.8)", GUESS, "time and scale"),
    _p("synthetic_network", "random_geometric", "-", None, None, "peer network of synthetic cities",
       "design choice", "time and scale", kind="choice",
       choices=("complete", "random_geometric", "small_world", "ring")),

    _p("burn_in_months", 36, "months", 0, 600,
       "months simulated before `start` (citizens and units only; no events, no diffusion, nothing recorded) so that the first recorded month is at the pre-reform equilibrium", "design choice", "time and scale"),

    # --- citizens ---------------------------------------------------------------------------
    _p("problem_rate", 0.165, "problems/resident/month", 0, 10,
       "rate at which a resident meets problems of any category (all categories at their root level)", GUESS, "citizens", prior=LU(0.03, 0.5)),
    _p("awareness_initial", 0.55, "1", 0, 1, "mean share of residents who know where to file before the reform", GUESS, "citizens", prior=U(0.3, 0.9)),
    _p("awareness_ceiling_fragmented", 0.6, "1", 0, 1, "awareness level approached with fragmented hotlines", GUESS, "citizens", prior=U(0.3, 0.9)),
    _p("awareness_ceiling_unified", 0.95, "1", 0, 1, "awareness level approached with one 12345 number", GUESS, "citizens", prior=U(0.7, 1.0)),
    _p("awareness_rate", 0.035, "1/month", 0, 1, "monthly speed at which awareness approaches its ceiling", GUESS, "citizens", prior=LU(0.005, 0.2)),
    _p("trust_initial", 0.78, "1", 0, 1, "mean initial trust that filing works (before the burn-in)", GUESS, "citizens", prior=U(0.2, 0.95)),
    _p("trust_learning", 0.15, "1/experience", 0, 1, "weight of one outcome in the citizen's trust (learning rate)", GUESS, "citizens", prior=LU(0.02, 0.5)),
    _p("trust_social_learning", 0.03, "1/month", 0, 1,
       "monthly weight of what neighbours report (the unit's satisfied share) in a citizen's trust", GUESS, "citizens", prior=LU(0.005, 0.2)),
    _p("trust_learning_no_feedback", 0.05, "1/experience", 0, 1,
       "learning weight when callers are not told the outcome (no feedback element)", GUESS, "citizens", prior=LU(0.005, 0.2)),
    _p("file_intercept", -1.2, "utility", -20, 20, "utility of filing a request before trust and cost", GUESS, "citizens", prior=U(-4.0, 2.0)),
    _p("trust_weight", 2.0, "utility", 0, 50, "utility of filing per unit of trust", GUESS, "citizens", prior=U(0.0, 6.0)),
    _p("filing_cost", 1.6, "utility", 0, 50, "median cost of filing with fragmented hotlines", GUESS, "citizens", prior=U(0.0, 4.0)),
    _p("filing_cost_sd", 0.5, "1", 0, 5, "log-normal sd of filing cost across citizens", GUESS, "citizens", prior=U(0.0, 1.5)),
    _p("unified_cost_reduction", 0.41, "1", 0, 1,
       "share of filing cost removed once every hotline is merged into 12345 (in proportion to the merged share, see `scope_widening_rate`)", GUESS, "citizens", prior=U(0.0, 0.8)),
    _p("consult_bonus", 1.0, "utility", -20, 20, "extra utility of asking a question compared with filing a complaint", GUESS, "citizens", prior=U(-1.0, 3.0)),
    _p("self_governance_weight", 2.5, "utility", 0, 50, "utility of solving a problem in the community, per unit of strength", GUESS, "citizens", prior=U(0.0, 5.0)),
    _p("self_governance_cost", 1.5, "utility", 0, 50, "cost of organising a community solution", GUESS, "citizens", prior=U(0.0, 4.0)),
    _p("community_sd", 0.4, "1", 0, 5, "log-normal sd of citizens' access to their community", GUESS, "citizens", prior=U(0.0, 1.0)),
    _p("self_governance_initial", 0.5, "1", 0, 1, "initial strength of community self-governance (居民自治)", GUESS, "citizens", prior=U(0.2, 0.8)),
    _p("self_governance_rate", 0.03, "1/month", 0, 1, "monthly speed at which self-governance moves to its target", GUESS, "citizens", prior=LU(0.005, 0.1)),
    _p("crowding_out", 0.6, "1", 0, 1,
       "share of self-governance strength lost when government handles every private matter (挤出效应)", GUESS, "citizens", prior=U(0.0, 1.0)),

    # --- access: scope, channels, expectations --------------------------------------------
    _p("scope_fragmented", 0.6, "1", 0, 1,
       "share of residents' matters that fragmented hotlines accept (the rest has no hotline to go to)", GUESS, "access", prior=U(0.3, 0.95)),
    _p("scope_widening_rate", 0.055, "1/month", 0, 1,
       "monthly share of the matters still outside 12345 brought under it once the hotline is unified (hotlines merged, new channels; Beijing merged 64 hotlines by 2021)",
       "mechanism: model/data/beijing_calibration.csv (hotlines merged); value: guess", "access", prior=LU(0.003, 0.3)),
    _p("online_initial", 0.01, "1", 0, 1, "share of contacts made online (apps, WeChat, web) before the reform", GUESS, "access", prior=U(0.001, 0.05)),
    _p("online_uptake_rate", 0.13, "1/month", 0, 10,
       "logistic growth rate of the online share once the hotline is unified (online 9.29 % of contacts in 2020)",
       "mechanism: model/data/beijing_calibration.csv (phone_share 2020); value: guess", "access", prior=LU(0.005, 0.3)),
    _p("online_ceiling", 0.5, "1", 0, 1, "share of contacts that can move online (the logistic ceiling)", GUESS, "access", prior=U(0.1, 0.9)),
    _p("online_cost_saving", 0.5, "1", 0, 1, "share of the filing cost saved when a contact is made online", GUESS, "access", prior=U(0.0, 0.9)),
    _p("expectation_rate", 0.05, "1/month", 0, 1,
       "monthly speed at which citizens' expectation of resolution follows the resolution they experience", "Oliver 1980; Van Ryzin 2004 (form); value: guess", "access", prior=LU(0.005, 0.3)),
    _p("expectation_weight", 0.5, "1", 0, 10,
       "fall in the satisfaction of unresolved callers per unit rise of expectations above the city's pre-reform resolution (expectation-disconfirmation)",
       "Oliver 1980; Van Ryzin 2004 (form); value: guess", "access", prior=U(0.0, 2.0)),
    _p("expectation_voice", 0.5, "1", 0, 10,
       "rise of the problems residents voice per unit rise of expectations (responsiveness induces demand)", GUESS, "access", prior=U(0.0, 3.0)),

    # --- government: handling -------------------------------------------------------------
    _p("capacity_per_10k", 80.0, "work orders/month per 10k residents", 0, INF,
       "handling capacity of the units before the reform", GUESS, "government", prior=LU(30.0, 200.0)),
    _p("reform_capacity_multiplier", 3.5, "1", 0, INF, "capacity multiplier that the fast-response element brings", GUESS, "government", prior=U(1.0, 6.0)),
    _p("capacity_adaptation", 0.1, "1/month", 0, 1,
       "share of a unit's unmet demand (queue above capacity) added to its capacity each month; slack is shed at the same rate", GUESS, "government", prior=U(0.0, 0.5)),
    _p("routing_fragmented", 0.85, "1", 0, 1,
       "share of work orders that reach a responsible unit with fragmented hotlines (the rest get no response)", GUESS, "government", prior=U(0.5, 1.0)),
    _p("resolution_base", 0.53, "1", 0, 1, "probability that a handled work order is resolved before the reform (the mean over cities)", BJ + " (2019-01)", "government", prior=U(0.45, 0.6)),
    _p("city_quality_sd", 0.3, "1", 0, 5,
       "sd across cities of the log-odds of the pre-reform resolution probability (a lone city keeps the mean)", GUESS, "government", prior=U(0.0, 1.0)),
    _p("reform_ramp_months", 8.0, "months", 0, 600,
       "time scale of organisational learning after a city takes up an element (power-law learning curve)", GUESS, "government", prior=LU(1.0, 36.0)),
    _p("learning_exponent", 0.8, "1", 0, 20,
       "exponent of the learning curve: how fast the resolvable gap closes with experience (small: slow, continued improvement)",
       "Wright 1936; Argote & Epple 1990 (form); value: guess", "government", prior=LU(0.1, 5.0)),
    _p("resolution_unresolvable", 0.08, "1", 0, 1,
       "share of work orders no handling can resolve (outside government's power); the long-run resolution rate is 1 minus this", GUESS, "government", prior=U(0.0, 0.3)),
    _p("satisfaction_resolved", 0.95, "1", 0, 1, "probability a caller is satisfied when resolved", GUESS, "government", prior=U(0.8, 1.0)),
    _p("satisfaction_unresolved", 0.57, "1", 0, 1, "probability a caller is satisfied when handled but not resolved (before expectations rise)", GUESS, "government", prior=U(0.1, 0.9)),
    _p("feedback_gain", 0.32, "1", 0, 1, "share of dissatisfaction removed by a timely call-back (feedback), at full maturity", GUESS, "government", prior=U(0.0, 0.8)),
    _p("knowledge_base_fragmented", 0.8, "1", 0, 1, "share of consultations answered at first contact without a knowledge base", GUESS, "government", prior=U(0.5, 0.95)),
    _p("knowledge_base_max", 0.97, "1", 0, 1, "share answered at first contact once the knowledge base is mature", GUESS, "government", prior=U(0.85, 1.0)),
    _p("knowledge_base_growth", 0.05, "1/month", 0, 1, "monthly speed at which the knowledge base matures", GUESS, "government", prior=LU(0.005, 0.3)),
    _p("private_handled", 0.8, "1", 0, 1, "share of private-matter requests that government handles itself", GUESS, "government", prior=U(0.3, 1.0)),
    _p("private_handled_boundary", 0.3, "1", 0, 1, "the same share once the public/private boundary element is adopted", GUESS, "government", prior=U(0.0, 0.8)),

    # --- government: evaluation -----------------------------------------------------------
    _p("evaluation_pressure", 0.06, "effort/month", 0, 10, "effort added to the lowest-ranked unit each month (falls linearly to 0 at the top)", GUESS, "evaluation", prior=U(0.0, 0.3)),
    _p("effort_decay", 0.1, "1/month", 0, 1, "monthly relaxation of effort back to 1", GUESS, "evaluation", prior=LU(0.02, 0.5)),
    _p("effort_max", 2.0, "1", 1, 100, "largest effort a unit can sustain", GUESS, "evaluation", prior=U(1.2, 3.0)),
    _p("effort_resolution_gain", 1.0, "1", 0, 10, "share of the resolvable gap closed per unit of extra effort", GUESS, "evaluation", prior=U(0.0, 2.0)),
    _p("overload_threshold", 1.5, "1", 1, 100, "effort above which a unit is overloaded: quality falls (grassroots overload)", GUESS, "evaluation", prior=U(1.1, 2.5)),
    _p("overload_penalty", 0.3, "1", 0, 1, "drop in resolution probability per unit of effort above the overload threshold", GUESS, "evaluation", prior=U(0.0, 0.8)),
    _p("siphon_rate", 0.05, "1", 0, 10,
       "extra work orders pushed into the hotline by departments, per work order, under evaluation (虹吸效应)", GUESS, "evaluation", prior=U(0.0, 0.3)),
    _p("gaming", 0.0, "1", 0, 1, "share of ranking pressure spent on inflating reported satisfaction instead of effort", GUESS, "evaluation", prior=U(0.0, 0.5)),

    # --- government: proactive governance -------------------------------------------------
    _p("topics_per_month", 2.25, "problems/month", 0, 100,
       "recurring problems taken up each month by 每月一题 (27 problems in 2021; fractions accumulate)", BJ, "proactive governance"),
    _p("topic_fix_depth", 0.3, "1", 0, 1,
       "share of a taken-up problem fixed at the root (times the fit)", GUESS, "proactive governance", prior=U(0.05, 0.8)),
    _p("problem_regrowth", 0.003, "1/month", 0, 1,
       "monthly speed at which fixed problems come back toward their root level", GUESS, "proactive governance", prior=LU(0.0005, 0.05)),
    _p("topic_cooldown_months", 12, "months", 0, 600,
       "months before a problem taken up can be taken up again (each year's topics are distinct problems)", BJ, "proactive governance"),
    _p("problems_per_category", 20, "problems", 1, 1000,
       "distinct recurring problems in each fixable category (a 每月一题 topic is one of them)", "design choice", "proactive governance"),
    _p("problem_concentration", 1.0, "1", 0, 5,
       "Zipf exponent of the sizes of the problems within a category (0: equal sizes; larger: a few big problems)", GUESS, "proactive governance", prior=U(0.0, 2.0)),

    # --- the pioneer ----------------------------------------------------------------------
    _p("pioneer", "Beijing", "-", None, None, "city that pioneers the reform (name or code); none for no pioneer", "design choice: the reform's origin (docs/model.md §1)", "pioneer", kind="text"),
    _p("reform_start", "2019-01", "month", None, None, "month the pioneer adopts the reform", "model/data/diffusion_events.csv", "pioneer", kind="month"),
    _p("pioneer_elements", "unified_hotline,fast_response,feedback,evaluation,knowledge_base", "-", None, None,
       "elements the pioneer adopts at reform_start (proactive governance comes in 2021-01 as a dated event)",
       "model/data/diffusion_events.csv", "pioneer", kind="elements"),
    _p("pioneer_abandons", False, "-", None, None,
       "whether the pioneer may abandon its own reform (its history is known: it did not)", "model/data/diffusion_events.csv", "pioneer"),

    # --- diffusion: channels --------------------------------------------------------------
    _p("external_rate", 0.0, "1/month", 0, 10, "constant external influence on every city (Bass p, continuous time), attributed top-down", "Bass 1969", "diffusion", prior=U(0.0, 0.02)),
    _p("imitation_rate", 0.0, "1/month", 0, 10, "hazard from the weighted share of adopted peers (Bass q, continuous time)", "Bass 1969", "diffusion", prior=U(0.0, 0.2)),
    _p("learning_rate", 0.0, "1/month", 0, 100, "hazard per unit of satisfaction gain observed among adopted peers", GUESS, "diffusion", prior=U(0.0, 1.0)),
    _p("academic_strength", 0.0, "1", 0, 100, "how much accumulated research evidence lowers the cost of learning (multiplies horizontal hazards)", GUESS, "diffusion", prior=U(0.0, 3.0)),
    _p("academic_halfway", 5.0, "gain-years", 0.001, INF, "evidence at which the academic route reaches half its effect", GUESS, "diffusion", prior=LU(0.5, 50.0)),
    _p("internal_rate", 0.0, "1/month", 0, 10, "hazard per unit of citizen dissatisfaction (1 - satisfaction)", "Berry & Berry 1990", "diffusion", prior=U(0.0, 0.05)),
    _p("peer_weight_geo", 1.0, "1", 0, INF, "weight of geographic neighbours in a city's peer group", GUESS, "diffusion", prior=U(0.0, 2.0)),
    _p("peer_weight_province", 1.0, "1", 0, INF, "weight of cities in the same province", GUESS, "diffusion", prior=U(0.0, 2.0)),
    _p("peer_weight_rank", 0.5, "1", 0, INF, "weight of cities of the same administrative rank", GUESS, "diffusion", prior=U(0.0, 2.0)),
    _p("peer_neighbours", 6, "cities", 1, 100, "number of nearest cities that count as geographic neighbours", GUESS, "diffusion"),
    _p("endorsement_rate", 0.02, "1/month", 0, 10, "hazard on every city while the centre endorses the reform as a typical experience", GUESS, "diffusion", prior=LU(0.002, 0.1)),
    _p("mandate_compliance", 0.98, "1", 0, 0.9999, "share of cities adopting by a mandate's deadline (sets the mandate hazard)", GUESS, "diffusion", prior=U(0.9, 0.999)),
    _p("mandate_enforcement", 0.5, "1/month", 0, 10, "hazard on cities still not compliant after the deadline", GUESS, "diffusion", prior=LU(0.05, 2.0)),
    _p("province_relay_probability", 0.3, "1", 0, 1, "probability that a province relays a national mandate with an earlier deadline", "model/data/diffusion_events.csv (Guangdong)", "diffusion", prior=U(0.0, 1.0)),
    _p("province_relay_lead", 1, "months", 0, 60, "how much earlier a relayed provincial deadline falls", "model/data/diffusion_events.csv (Guangdong)", "diffusion"),
    _p("recognition", False, "-", None, None, "whether the centre can recognise the reform from the simulated evidence (bottom-up)", "design choice: off unless a scenario opens the bottom-up channel (docs/model.md §7.17)", "diffusion"),
    _p("recognition_threshold", 1.0, "gain-years", 0, INF,
       "evidence (adopters' satisfaction gain summed over adopter-years) at which the centre recognises the reform", GUESS, "diffusion", prior=LU(0.1, 10.0)),
    _p("recognition_mandate_lag", 12, "months", 0, 600, "months from recognition to a national mandate (0: endorsement only)", GUESS, "diffusion"),
    _p("recognition_deadline", 12, "months", 1, 600, "months between an endogenous mandate and its deadline", GUESS, "diffusion"),
    _p("sector_rate", 0.08, "1/month", 0, 10, "hazard that a sector body adopts once the centre has recognised the reform", GUESS, "diffusion", prior=LU(0.01, 0.5)),
    _p("copy_fidelity", 0.7, "1", 0, 1, "probability that a learner copies each element of its model city", GUESS, "diffusion", prior=U(0.3, 1.0)),
    _p("element_uptake_rate", 0.03, "1/month", 0, 10, "hazard of adding a missing element, per share of peers that have it", GUESS, "diffusion", prior=LU(0.003, 0.3)),
    _p("institutionalise_rate", 0.004, "1/month", 0, 10, "hazard that an adopter passes a local regulation, per 0.1 of satisfaction gain (plus the same rate times the share of peers that have one)", GUESS, "diffusion", prior=LU(0.0005, 0.05)),
    _p("abandon_rate", 0.004, "1/month", 0, 10, "hazard that a non-institutionalised adopter abandons the reform", GUESS, "diffusion", prior=LU(0.0005, 0.05)),
    _p("turnover_rate", 0.0167, "1/month", 0, 1, "monthly probability of leadership turnover in a city (5-year terms)", GUESS, "diffusion"),
    _p("turnover_abandon_multiplier", 5.0, "1", 0, INF, "abandonment hazard multiplier in a month of turnover", GUESS, "diffusion", prior=U(1.0, 10.0)),
    _p("institutional_protection", 0.1, "1", 0, 1, "abandonment hazard multiplier for institutionalised reforms", GUESS, "diffusion", prior=U(0.0, 0.5)),

    # --- fit ------------------------------------------------------------------------------
    _p("fit_population_elasticity", 0.1, "1/decade", -5, 5, "change in effectiveness per tenfold population relative to 5 M residents", GUESS, "fit", prior=U(-0.3, 0.3)),
    _p("fit_rural_penalty", 0.3, "1", 0, 1, "loss of effectiveness in rural units (counties, leagues, regions)", GUESS, "fit", prior=U(0.0, 0.6)),
)
# fmt: on

PARAMS_BY_NAME: dict[str, Param] = {p.name: p for p in PARAMS}

Parameters = dataclasses.make_dataclass(
    "Parameters",
    [(p.name, type(p.default), dataclasses.field(default=p.default)) for p in PARAMS],
    frozen=True,
    namespace={"__doc__": "A complete, validated, immutable set of model parameters."},
)


def _suggest(name: str) -> str:
    import difflib

    close = difflib.get_close_matches(name, PARAMS_BY_NAME, n=1)
    return f"; did you mean {close[0]!r}?" if close else "; run `jiesu params` to list them"


def make_parameters(overrides: dict[str, Any] | None = None, base: Any = None) -> Any:
    """Return validated :class:`Parameters` from defaults (or ``base``) plus ``overrides``.

    Args:
        overrides: Mapping from parameter name to value (values may be text, as typed).
        base: Parameters to start from; the declared defaults if None.

    Raises:
        ParameterError: For an unknown name, a value of the wrong type or out of range, or
            an end month before the start month.
    """
    values = dataclasses.asdict(base) if base is not None else {p.name: p.default for p in PARAMS}
    for name, value in (overrides or {}).items():
        if name not in PARAMS_BY_NAME:
            raise ParameterError(f"unknown parameter {name!r}{_suggest(name)}")
        values[name] = PARAMS_BY_NAME[name].convert(value)
    if parse_month(values["end"]) < parse_month(values["start"]):
        raise ParameterError(
            f"end {values['end']} is before start {values['start']}: give an end month on or after the start"
        )
    return Parameters(**values)


#: What a parameter's value must be in a TOML file (kind -> accepted Python types, in words).
_FILE_TYPES: dict[str, tuple[tuple[type, ...], str]] = {
    "number": ((int, float), "a number without quotes"),
    "int": ((int, float), "a whole number without quotes"),
    "bool": ((bool,), "true or false without quotes"),
    "choice": ((str,), "text in quotes"),
    "month": ((str,), 'a month in quotes, e.g. "2019-01"'),
    "elements": ((str, list), 'text or a list of texts, e.g. "core" or ["feedback"]'),
    "text": ((str,), "text in quotes"),
}


def check_file_values(values: dict[str, Any]) -> None:
    """Check that values read from a TOML file have their parameter's type, not only a readable text.

    On the command line every value is text (``--set recognition=false``); in a file a boolean
    written in quotes (``recognition = "no"``) or a number in quotes is a mistake to name, not
    to guess at. Unknown names are left to :func:`make_parameters`, which suggests the closest.

    Raises:
        ParameterError: Naming the parameter, the value and what to write.
    """
    for name, value in values.items():
        param = PARAMS_BY_NAME.get(name)
        if param is None:
            continue
        types, say = _FILE_TYPES[param.kind]
        wrong_bool = isinstance(value, bool) and param.kind != "bool"
        wrong_list = isinstance(value, list) and not all(isinstance(v, str) for v in value)
        if wrong_bool or wrong_list or not isinstance(value, types):
            raise ParameterError(f"parameter {name}: write {say}, got {value!r}")


def calibrated_sources(name: str = "beijing") -> dict[str, str]:
    """Per calibrated parameter, ``calibrated: median [90 % interval]`` of the shipped posterior.

    Read from ``model/data/NAME_posterior_summary.csv`` (written with the posterior by
    ``jiesu calibrate --ship``); empty when the project ships no posterior of that name.
    """
    import csv
    from importlib import resources

    entry = resources.files("jiesu.model.data").joinpath(f"{name}_posterior_summary.csv")
    if not entry.is_file():
        return {}
    with entry.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    where = f"model/data/{name}_posterior.parquet"
    return {
        r[
            "parameter"
        ]: f"calibrated: {float(r['median']):.3g} [{float(r['q05']):.3g}, {float(r['q95']):.3g}] ({where})"
        for r in rows
    }


def parse_assignment(text: str) -> tuple[str, str]:
    """Split a ``NAME=VALUE`` command-line assignment.

    Raises:
        ParameterError: If there is no ``=`` or no name.
    """
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise ParameterError(f"--set expects NAME=VALUE, got {text!r}")
    return name.strip(), value.strip()
