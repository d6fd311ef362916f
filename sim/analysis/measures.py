"""The headline measures of :mod:`sim.outcomes` estimated over the columns of a set of runs.

One estimator per :class:`~sim.outcomes.Kind`, over plain columns: :func:`run_columns` turns outcome
records, a runs table (pandas) or a sweep's results (Arrow) into float arrays (booleans as 0/1, missing
values NaN), and :func:`estimate` computes one measure over them. The summary of a run directory,
comparisons, a sweep's aggregate per design point and its Sobol indices all call it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from sim.analysis.summary import Estimate, kaplan_meier, wilson
from sim.outcomes import Kind, Measure, RunOutcome, measure_columns

__all__ = ["Columns", "estimate", "estimates", "run_columns"]

Columns = Mapping[str, np.ndarray]
"""Columns of a set of runs by name: float arrays of equal length, booleans as 0/1, missing values NaN."""

_NAN = Estimate(float("nan"), float("nan"), float("nan"))


def _floats(values: Any) -> np.ndarray:
    if isinstance(values, pa.ChunkedArray | pa.Array):
        return values.cast(pa.float64()).to_numpy(zero_copy_only=False)
    if isinstance(values, pd.Series):
        return values.to_numpy(dtype=float, na_value=np.nan)
    return np.asarray(values, dtype=float)


def run_columns(
    data: Sequence[RunOutcome] | pd.DataFrame | pa.Table | Columns, names: Iterable[str]
) -> dict[str, np.ndarray]:
    """The named columns of a set of runs as float arrays (booleans as 0/1, missing values NaN).

    Args:
        data: Outcome records, a runs table (:func:`sim.outcomes.runs_table`), a sweep's results (Arrow), or
            columns already.
        names: The columns wanted (e.g. :func:`sim.outcomes.measure_columns` of some measures).

    Raises:
        KeyError: If a column is missing from a table.
    """
    wanted = list(dict.fromkeys(names))
    if isinstance(data, pa.Table | pd.DataFrame | Mapping):
        missing = [c for c in wanted if c not in (data.column_names if isinstance(data, pa.Table) else data)]
        if missing:
            raise KeyError(f"the runs lack the columns {', '.join(missing)}")
        return {c: _floats(data[c]) for c in wanted}
    rows = [o.flat() for o in data]
    return {c: np.array([row.get(c) for row in rows], dtype=float) for c in wanted}


def _first_below_half(time: np.ndarray, curve: np.ndarray) -> float:
    hits = np.flatnonzero(curve <= 0.5)
    return float(time[hits[0]]) if hits.size else float("inf")


def estimate(measure: Measure, columns: Columns) -> Estimate:
    """One measure over the columns of a set of runs (NaN where it is undefined, e.g. no agreement).

    Args:
        measure: The measure (its :attr:`~sim.outcomes.Measure.kind` says how).
        columns: At least the measure's :attr:`~sim.outcomes.Measure.columns` (see :func:`run_columns`).
    """
    kind = measure.kind
    if kind is Kind.SHARE:
        x = columns[measure.column or ""]
        counted = ~np.isnan(x)
        if measure.among != "runs":
            counted &= columns["agreement"] == 1
        if measure.among == "attacks":
            counted &= columns["breakdown"] == 1
        return wilson(int(np.count_nonzero(x[counted] == 1)), int(np.count_nonzero(counted)))
    if kind is Kind.AVERAGE:
        x = columns[measure.column or ""]
        x = x[~np.isnan(x)]
        if x.size == 0:
            return _NAN
        mean = float(x.mean())
        half = 1.959963984540054 * float(x.std(ddof=1)) / np.sqrt(x.size) if x.size > 1 else float("nan")
        # the normal interval, kept within the values the runs can take
        return Estimate(mean, max(mean - half, float(x.min())), min(mean + half, float(x.max())))
    agreed = columns["agreement"] == 1
    years = columns["peace_years"]
    if kind is Kind.MEAN:
        return Estimate(float(years[agreed].mean()), float("nan"), float("nan")) if agreed.any() else _NAN
    broke = columns["breakdown"] == 1
    if kind is Kind.HELD:
        held = agreed & ~(broke & (np.nan_to_num(years, nan=np.inf) <= float(measure.t or 0.0)))
        return wilson(int(np.count_nonzero(held)), int(agreed.size))
    surv = kaplan_meier(years[agreed], broke[agreed])
    if kind is Kind.SURVIVAL:
        return surv.at(float(measure.t or 0.0))
    if kind is Kind.MEDIAN:
        if surv.time.size == 0:
            return _NAN
        return Estimate(*(_first_below_half(surv.time, c) for c in (surv.survival, surv.low, surv.high)))
    raise ValueError(f"no estimator for measures of kind {kind}")


def estimates(
    measures: Iterable[Measure], data: Sequence[RunOutcome] | pd.DataFrame | pa.Table | Columns
) -> dict[str, Estimate]:
    """Several measures over the same runs, keyed by measure name (in the given order).

    Args:
        measures: The measures.
        data: The runs, in any form :func:`run_columns` reads.
    """
    chosen = list(measures)
    columns = run_columns(data, measure_columns(chosen))
    return {m.name: estimate(m, columns) for m in chosen}
