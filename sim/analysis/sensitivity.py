"""Sobol sensitivity indices (first-order and total) of a sobol sweep's headline outcomes, via SALib.

The outcomes are the sensitivity measures of :data:`sim.outcomes.MEASURES` (the sweep's shares of all runs).

Pure functions over a sweep's result table; :mod:`sim.execution.sweep.sensitivity` reads a sweep folder
and writes the indices and their figures.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa

from sim.analysis.aggregate import aggregate
from sim.config.errors import InputError
from sim.outcomes import Measure, measures_for


def point_means(results: pa.Table, points: int, measures: Sequence[Measure] | None = None) -> dict[str, np.ndarray]:
    """Per design point, each sensitivity measure (:func:`sim.outcomes.measures_for` ``"sensitivity"``: the
    sweep's shares of all runs), i.e. its mean over the point's replications, in design order.

    Args:
        results: The runs: ``point`` and the measures' columns.
        points: The number of design points.
        measures: The list to take the measures from (default: :data:`sim.outcomes.MEASURES`).

    Raises:
        InputError: If a design point has no runs (the sweep is not complete).
    """
    chosen = measures_for("sensitivity", measures)
    point = results.column("point").to_numpy()
    counts = np.bincount(point, minlength=points)
    if np.any(counts == 0):
        raise InputError(
            "the sweep is not complete",
            expected="every design point run",
            found=f"{int((counts == 0).sum())} points without runs",
            hint="finish it with `sim sweep ... --resume --out DIR`",
        )
    table = aggregate(results, points, chosen)
    return {m.name: table.column(m.name).to_numpy() for m in chosen}


def sobol_indices(problem: dict, outputs: dict[str, np.ndarray], seed: int = 0) -> pa.Table:
    """First-order (S1) and total (ST) Sobol indices with 95 % confidence half-widths, per outcome and factor.

    Args:
        problem: The SALib problem of the design (names, bounds).
        outputs: Outcome name → values in the design's (Saltelli) order.
        seed: The sweep's seed; SALib's bootstrap for the confidence intervals is seeded from it.
    """
    from SALib.analyze import sobol

    # SALib treats a falsy seed as "no seed" and draws from numpy's global state, so seed 0 (a valid sweep
    # seed) would give intervals that change from call to call. Derive a seed that is never 0.
    bootstrap_seed = int(np.random.SeedSequence(seed).generate_state(1)[0]) | 1
    rows: dict[str, list] = {"outcome": [], "factor": [], "S1": [], "S1_conf": [], "ST": [], "ST_conf": []}
    for name, y in outputs.items():
        if np.allclose(y, y[0]):
            res = {k: np.full(problem["num_vars"], np.nan) for k in ("S1", "S1_conf", "ST", "ST_conf")}
        else:
            res = sobol.analyze(problem, np.asarray(y, dtype=float), calc_second_order=False, seed=bootstrap_seed)
        for k, factor in enumerate(problem["names"]):
            rows["outcome"].append(name)
            rows["factor"].append(factor)
            for key in ("S1", "S1_conf", "ST", "ST_conf"):
                rows[key].append(float(res[key][k]))
    return pa.table(rows)
