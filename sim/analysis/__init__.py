"""Analysis: pure functions over tables (outcome records, runs tables, sweep tables). Never runs the model,
never writes a file.

:mod:`~sim.analysis.summary` holds the headline figures of a set of runs (Wilson intervals, Kaplan-Meier
survival, the text summary), :mod:`~sim.analysis.measures` the estimators of the headline measures
(:data:`sim.outcomes.MEASURES`) over columns of runs, :mod:`~sim.analysis.tables` the notebooks' tidy tables
(survival, hazard, comparisons, dilemma maps, sensitivity), :mod:`~sim.analysis.aggregate` the per-point
figures of a sweep and :mod:`~sim.analysis.sensitivity` its Sobol indices. Everything public is importable
from here: ``from sim import analysis as A``.

Layer rule: imports :mod:`sim.outcomes`, :mod:`sim.model`, :mod:`sim.config` and :mod:`sim.dealspace`;
never :mod:`sim.execution` or :mod:`sim.figures`.
"""

from __future__ import annotations

import warnings
from typing import Any

from sim.analysis.measures import estimate, estimates, run_columns
from sim.analysis.summary import (
    Estimate,
    Summary,
    Survival,
    format_estimate,
    kaplan_meier,
    render,
    summarise,
    wilson,
)
from sim.analysis.tables import (
    ENDS,
    MEASURES,
    HazardEstimate,
    RatioEstimate,
    RunsLike,
    SweepSource,
    compare_measures,
    compare_runs,
    dilemma_grid,
    dilemma_ranking,
    doubt_ranking,
    durable_zone,
    end_shares,
    expiry_cliff,
    factor_levels,
    hazard_ratio,
    incentive_path,
    negotiation_rounds,
    noise_floor,
    outcomes_frame,
    peace_years_frame,
    peaks,
    pooled_hazard,
    project_root,
    ranking_leaders,
    sensitivity_indices,
    survival_table,
    sweep_factors,
    sweep_frame,
    typical_deal,
    with_overrides,
    yearly_hazard,
)

__all__ = [
    "ENDS",
    "MEASURES",
    "Estimate",
    "HazardEstimate",
    "RatioEstimate",
    "RunsLike",
    "Summary",
    "Survival",
    "SweepSource",
    "compare_runs",
    "compare_measures",
    "dilemma_grid",
    "dilemma_ranking",
    "noise_floor",
    "ranking_leaders",
    "doubt_ranking",
    "durable_zone",
    "end_shares",
    "estimate",
    "estimates",
    "expiry_cliff",
    "factor_levels",
    "format_estimate",
    "hazard_ratio",
    "incentive_path",
    "kaplan_meier",
    "negotiation_rounds",
    "outcomes_frame",
    "peace_years_frame",
    "peaks",
    "pooled_hazard",
    "project_root",
    "render",
    "run_columns",
    "sensitivity_indices",
    "summarise",
    "survival_table",
    "sweep_factors",
    "sweep_frame",
    "typical_deal",
    "wilson",
    "with_overrides",
    "yearly_hazard",
]

_MOVED = {"run_variants": "sim.execution.variants", "derive_sweep": "sim.execution.variants"}


def __getattr__(name: str) -> Any:
    # One-release aliases of the two functions that run the model or write a file, which left this layer.
    if name in _MOVED:
        warnings.warn(
            f"sim.analysis.{name} is now {_MOVED[name]}.{name}; the old name goes in the next release",
            DeprecationWarning,
            stacklevel=2,
        )
        from sim.execution import variants

        return getattr(variants, name)
    raise AttributeError(f"module 'sim.analysis' has no attribute {name!r}")
