"""Headline figures per design point, from a sweep's results (pure functions over Arrow/NumPy)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa

from sim.analysis.measures import estimate, run_columns
from sim.outcomes import Measure, measure_columns, measures_for


def aggregate_columns(measures: Sequence[Measure] | None = None) -> list[str]:
    """The result columns :func:`aggregate` reads: ``point`` and those of the sweep measures.

    Args:
        measures: The list to take the sweep measures from (default: :data:`sim.outcomes.MEASURES`).
    """
    return ["point", *measure_columns(measures_for("sweep", measures))]


AGGREGATE_COLUMNS = aggregate_columns()
"""The result columns :func:`aggregate` reads with the default measures."""


def aggregate(results: pa.Table, points: int, measures: Sequence[Measure] | None = None) -> pa.Table:
    """Per design point: ``point``, ``runs``, then each sweep measure of :data:`sim.outcomes.MEASURES` in its
    order, with ``<name>_low`` and ``<name>_high`` (95 %) for those with an interval: P(agreement), P(Russia
    accepts), P(durable peace: agreement and 15 years) with Wilson intervals, P(holds 15 years | agreement)
    by Kaplan-Meier with its band, the mean years of peace among agreements.

    Args:
        results: The runs: ``point`` and the columns of :func:`aggregate_columns`.
        points: The number of design points (points without runs get NaN figures).
        measures: The list to take the sweep measures from (default: :data:`sim.outcomes.MEASURES`).
    """
    chosen = measures_for("sweep", measures)
    point = results.column("point").to_numpy()
    columns = run_columns(results, measure_columns(chosen))
    cols: dict[str, list] = {"point": [], "runs": []}
    for m in chosen:
        cols[m.name] = []
        if m.interval:
            cols[f"{m.name}_low"], cols[f"{m.name}_high"] = [], []
    order = np.argsort(point, kind="stable")
    bounds = np.searchsorted(point[order], np.arange(points + 1))
    for i in range(points):
        idx = order[bounds[i] : bounds[i + 1]]
        at_point = {name: values[idx] for name, values in columns.items()}
        cols["point"].append(i)
        cols["runs"].append(int(idx.size))
        for m in chosen:
            est = estimate(m, at_point)
            cols[m.name].append(est.value)
            if m.interval:
                cols[f"{m.name}_low"].append(est.low)
                cols[f"{m.name}_high"].append(est.high)
    return pa.table(cols)
