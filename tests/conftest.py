"""Shared helpers: small, fast model runs."""

from __future__ import annotations

import dataclasses

import pytest
from jiesu.experiments.execution.runner import run_scenario
from jiesu.experiments.scenarios import load_scenario
from jiesu.model import JiesuModel, make_parameters

FAST = {"residents_per_citizen": 20000, "end": "2021-12"}


def run_city(seed: int = 1, **overrides):
    """Run Beijing alone (small scale) and return its city table."""
    params = make_parameters({"geography": "beijing", **FAST, **overrides})
    return JiesuModel(params, seed=seed).run().timeseries


def run_named(name: str, seed: int = 1, **overrides):
    """Run a built-in scenario at small scale and return its RunOutput."""
    return run_scenario(load_scenario(name), overrides, seed=seed)


@pytest.fixture(scope="session")
def beijing_default():
    """The default single-city scenario at its default settings, seed 1."""
    return run_scenario(load_scenario("beijing"), seed=1)


def with_strong_voluntary(scenario):
    """The scenario with the hand-set voluntary hazards of before the fit to the pre-mandate data.

    The shipped ``horizontal`` and ``all_channels`` use the fitted hazards, under which few cities
    adopt voluntarily; tests of event-history estimators need many voluntary adoptions.
    """
    from jiesu.experiments.designs.diffusion_fit import REFERENCE

    return dataclasses.replace(scenario, parameters={**scenario.parameters, **REFERENCE})
