"""Declared outcomes: what is recorded per city and month, with units.

Counts are real-world counts (simulated counts scaled by the residents each citizen stands
for), per calendar month. Rates are shares in [0, 1]; NaN where the denominator is zero.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Outcome:
    """One recorded quantity."""

    name: str
    unit: str
    meaning: str
    aggregate: str  # how provinces and the nation combine cities: sum, mean_pop, or a weight name


# fmt: off
OUTCOMES: tuple[Outcome, ...] = (
    Outcome("requests", "contacts/month", "hotline contacts accepted: inquiries plus requests (诉求)", "sum"),
    Outcome("requests_per_10k", "contacts/month per 10k residents", "requests per 10,000 residents", "per_10k"),
    Outcome("inquiries", "contacts/month", "consultations (咨询) among the contacts", "sum"),
    Outcome("work_orders", "orders/month", "requests dispatched to handling units, incl. siphoned tasks", "sum"),
    Outcome("response_rate", "share", "work orders responded to within the month (响应率)", "pending"),
    Outcome("resolution_rate", "share", "dispatched work orders due this month that were resolved (解决率)", "handled"),
    Outcome("satisfaction_rate", "share", "callers whose work order was due this month who report satisfaction (满意率, as reported); callers left in the backlog or never routed count as dissatisfied", "pending"),
    Outcome("true_satisfaction_rate", "share", "the same without gaming of the evaluation", "pending"),
    Outcome("backlog", "orders", "work orders carried over to the next month", "sum"),
    Outcome("delay_months", "months", "mean wait of a work order, backlog / handled (Little's law)", "handled"),
    Outcome("trust_mean", "share", "mean trust of citizens that filing works", "mean_pop"),
    Outcome("awareness_mean", "share", "mean awareness of the hotline", "mean_pop"),
    Outcome("scope", "share", "share of residents' matters the city's hotline accepts (widens as hotlines are merged into 12345)", "mean_pop"),
    Outcome("online_share", "share", "share of contacts made online", "mean_pop"),
    Outcome("expectation", "share", "citizens' expected resolution rate (follows the resolution they experience)", "mean_pop"),
    Outcome("self_governance", "share", "strength of community self-governance (居民自治)", "mean_pop"),
    Outcome("problem_rate", "problems/resident/month", "underlying rate of problems, after root-cause fixes", "mean_pop"),
    Outcome("effort_mean", "1", "mean effort of handling units (1 = normal)", "mean_pop"),
    Outcome("overload_share", "share", "handling units above the overload threshold", "mean_pop"),
    Outcome("gov_cost", "order-equivalents/month", "handling cost: handled orders times effort", "sum"),
    Outcome("redirected", "requests/month", "private matters redirected to self-governance", "sum"),
    Outcome("siphoned", "orders/month", "tasks pushed into the hotline by departments (虹吸效应)", "sum"),
    Outcome("adopted", "0/1", "city runs the reform (at least one element)", "sum"),
    Outcome("n_elements", "elements", "number of reform elements the city runs", "mean_pop"),
    Outcome("institutionalised", "0/1", "the reform is fixed in a local regulation", "sum"),
)
# fmt: on
OUTCOME_NAMES: tuple[str, ...] = tuple(o.name for o in OUTCOMES)
OUTCOME_INDEX: dict[str, int] = {n: i for i, n in enumerate(OUTCOME_NAMES)}

#: Extra columns of province and national rows.
AGGREGATE_OUTCOMES: tuple[Outcome, ...] = (
    Outcome("n_adopted", "cities", "cities running the reform", "sum"),
    Outcome("share_adopted", "share", "share of cities running the reform", "-"),
    Outcome("share_population_covered", "share", "share of residents living in adopting cities", "-"),
)
