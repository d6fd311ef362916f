"""Sobol sensitivity indices (first-order and total) of a sobol sweep's headline outcomes, via SALib.

Pure functions over a sweep's result table; :mod:`sim.execution.sweep.sensitivity` reads a sweep folder
and writes the indices and their figures.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from sim.config.errors import InputError

#: Outcome per design point (mean over its replications) → label.
OUTCOMES = {
    "p_agreement": "P(agreement)",
    "p_russia_accepts": "P(Russia accepts an offer)",
    "p_durable_15": "P(durable peace: agreement and 15 years)",
}


def point_means(results: pa.Table, points: int) -> dict[str, np.ndarray]:
    """Per design point, the mean of each outcome over its replications (in design order)."""
    point = results.column("point").to_numpy()
    agree = results.column("agreement").to_numpy(zero_copy_only=False).astype(float)
    accepts = results.column("russia_accepted").to_numpy(zero_copy_only=False).astype(float)
    years = results.column("peace_years").to_numpy(zero_copy_only=False).astype(float)
    broke = results.column("breakdown").to_numpy(zero_copy_only=False).astype(bool)
    durable = (agree > 0) & ~(broke & (np.nan_to_num(years, nan=np.inf) <= 15))
    counts = np.bincount(point, minlength=points)
    if np.any(counts == 0):
        raise InputError(
            "the sweep is not complete",
            expected="every design point run",
            found=f"{int((counts == 0).sum())} points without runs",
            hint="finish it with `sim sweep ... --resume --out DIR`",
        )
    return {
        "p_agreement": np.bincount(point, agree, points) / counts,
        "p_russia_accepts": np.bincount(point, accepts, points) / counts,
        "p_durable_15": np.bincount(point, durable.astype(float), points) / counts,
    }


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
