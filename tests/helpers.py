"""Shared helpers for the statistical tests: build scenario variants and summarise many runs."""

from __future__ import annotations

from typing import Any

from sim.analysis.summary import Summary, summarise
from sim.config.scenario import Scenario, deep_merge_into_defaults
from sim.execution.runs import run_scenario

#: A fully fixed package near the reported draft, for "what if exactly this were signed" tests.
FIXED_PACKAGE: dict[str, Any] = {
    "guarantee_strength": "article5_like",
    "foreign_troops": 20000,
    "duration_years": 50,
    "us_role": "air_support",
    "ukraine_army": 800000,
    "territory": "dmz",
    "neutrality": "nato_renounced",
    "eu_membership": "closed",
    "sanctions_relief": 0.5,
}


def variant(**changes: Any) -> Scenario:
    """A scenario: the packaged defaults with nested changes, e.g. ``variant(package={"foreign_troops": 0})``."""
    return deep_merge_into_defaults(changes)


def imposed(**package: Any) -> Scenario:
    """The fixed package, with changes, evaluated as if signed (no negotiation)."""
    return variant(mode="evaluate", package={**FIXED_PACKAGE, **package})


def summary(scenario: Scenario, runs: int, seed: int = 11) -> Summary:
    """Headline figures of ``runs`` replications."""
    return summarise(run_scenario(scenario, runs, seed))
